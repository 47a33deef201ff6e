//! The connection loop: accepts TCP connections and serves HTTP/1.1 and HTTP/2 on them with the
//! limits of [`ServerLimits`], then shuts down within a deadline.
//!
//! `axum::serve` has no timeouts and no connection cap, so a client that sends its headers one
//! byte a minute (slowloris), or stops reading a response, would keep its connection (and
//! whatever the request holds) for ever. Here, with hyper's own connection builder:
//!
//! - **header timeout**: a connection that has not sent a complete request head within
//!   `FOLIO_HEADER_TIMEOUT` is closed; hyper starts this clock whenever it waits for a request
//!   head, so it is also the idle timeout of a kept-alive connection between requests;
//! - **send timeout**: a write that makes no progress for `FOLIO_SEND_TIMEOUT` (the client stopped
//!   reading) fails, which closes the connection;
//! - **connection cap**: at most `FOLIO_MAX_CONNECTIONS` connections are served at once; the next
//!   ones wait in the kernel's listen queue (back-pressure, not an error);
//! - **shutdown**: on the signal the listener closes, every connection is asked to finish its
//!   request in flight and close, and after `FOLIO_SHUTDOWN_TIMEOUT` the remaining ones are
//!   dropped, so a stuck client cannot keep the process alive.
//!
//! The request timeout (`FOLIO_REQUEST_TIMEOUT`, 408) is a tower layer in the router.
//! Every accepted socket gets `TCP_NODELAY`: without it, streamed pages stall ~40 ms each on
//! Nagle's algorithm.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::{Service, ServiceExt};

use crate::config::ServerLimits;

/// How long to wait before accepting again after the operating system refused (for example,
/// out of file descriptors), so the loop does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// Serves `router` on `listener` under `limits` until `signal` completes, then shuts down as the
/// module documentation says. Returns once every connection closed or the deadline passed.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ServerLimits,
    signal: impl Future<Output = ()>,
) {
    let mut make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let capacity = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.header_timeout))
        .keep_alive_timeout(limits.header_timeout);
    tokio::pin!(signal);
    loop {
        let slot = tokio::select! {
            slot = capacity.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
            () = &mut signal => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::warn!(error = %error, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut signal => break,
        };
        let _ = stream.set_nodelay(true);
        let mut stream = tokio_io_timeout::TimeoutStream::new(stream);
        stream.set_write_timeout(Some(limits.send_timeout));
        let io = TokioIo::new(Box::pin(stream));
        let service = match make_service.call(peer).await {
            Ok(service) => service,
            Err(never) => match never {},
        };
        let hyper_service = hyper::service::service_fn(move |request: http::Request<Incoming>| {
            service.clone().oneshot(request)
        });
        let connection = builder.serve_connection(io, hyper_service).into_owned();
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = watched.await {
                tracing::debug!(error = %error, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!(
        deadline_secs = limits.shutdown_timeout.as_secs(),
        "shutting down: finishing requests in flight"
    );
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("every connection closed"),
        () = tokio::time::sleep(limits.shutdown_timeout) => {
            tracing::warn!("shutdown deadline passed: closing the remaining connections");
        }
    }
}
