//! `folio healthcheck`: asks the Folio listening at `FOLIO_ADDR` for `/healthz` and exits 0 when it
//! answers 200 (database reachable), 1 otherwise. For container `HEALTHCHECK`s and process
//! supervisors on slim images without curl. Uses hyper's HTTP/1 client, which the server's HTTP
//! stack already includes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::security::HEALTH_CHECK_PATH;

/// How long the whole check may take before it counts as a failure.
pub const HEALTHCHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The address to call for a server listening at `addr`: the loopback address of the same
/// family when it listens on every interface (`0.0.0.0`, `::`).
pub fn target(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

/// Calls `GET /healthz` on the server listening at `addr`, within [`HEALTHCHECK_TIMEOUT`].
///
/// # Errors
/// A sentence saying what failed: no connection, no answer in time, or a status other than 200
/// (503 when the server cannot reach its database).
pub async fn check(addr: SocketAddr) -> Result<(), String> {
    let target = target(addr);
    match tokio::time::timeout(HEALTHCHECK_TIMEOUT, call(target)).await {
        Ok(Ok(StatusCode::OK)) => Ok(()),
        Ok(Ok(status)) => Err(format!("{target}{HEALTH_CHECK_PATH} answered {status}")),
        Ok(Err(error)) => Err(format!("{target}{HEALTH_CHECK_PATH}: {error}")),
        Err(_) => Err(format!(
            "{target}{HEALTH_CHECK_PATH} did not answer within {} s",
            HEALTHCHECK_TIMEOUT.as_secs()
        )),
    }
}

async fn call(target: SocketAddr) -> Result<StatusCode, String> {
    let stream = tokio::net::TcpStream::connect(target)
        .await
        .map_err(|e| format!("cannot connect: {e}"))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake failed: {e}"))?;
    let driver = tokio::spawn(connection);
    let request = Request::get(HEALTH_CHECK_PATH)
        .header(header::HOST, target.to_string())
        .header(header::USER_AGENT, "folio-healthcheck")
        .body(Body::empty())
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("request failed: {e}"));
    driver.abort();
    Ok(response?.status())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_interface_is_called_on_loopback() {
        assert_eq!(
            target("0.0.0.0:8000".parse().unwrap()),
            "127.0.0.1:8000".parse().unwrap()
        );
        assert_eq!(
            target("[::]:80".parse().unwrap()),
            "[::1]:80".parse().unwrap()
        );
        assert_eq!(
            target("10.1.2.3:3000".parse().unwrap()),
            "10.1.2.3:3000".parse().unwrap()
        );
    }
}
