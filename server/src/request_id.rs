//! The request id: every request gets one, carried in `X-Request-Id`, in the request's log span
//! and on the response (and on the error page, so a visitor can quote it).
//!
//! A client-supplied id is trusted only when Folio is told it sits behind reverse proxies
//! (`FOLIO_TRUSTED_PROXIES` > 0: the proxy sets or forwards the id, as nginx's `$request_id`
//! does) and only in a safe format ([`is_safe`]); otherwise it is replaced by a fresh UUID.
//! A client that could choose its id could forge log lines, collide with other requests' ids
//! or inject markup into places that show it (OWASP Logging Cheat Sheet, "Data to exclude":
//! untrusted input in logs must be validated).

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The header carrying each request's id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The longest client-supplied id kept (a UUID is 36 characters, nginx's `$request_id` 32).
pub const MAX_REQUEST_ID_CHARS: usize = 64;

/// Whether `value` may be used as a request id: 1 to [`MAX_REQUEST_ID_CHARS`] characters, each
/// an ASCII letter, digit, `-`, `_` or `.` (UUIDs, hex ids and most tracing formats).
pub fn is_safe(value: &str) -> bool {
    (1..=MAX_REQUEST_ID_CHARS).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// The middleware: keeps `X-Request-Id` only from trusted proxies (`trusted_proxies` > 0) and in
/// a safe format, and otherwise sets a new UUID (v4, from the operating system's random source).
pub async fn assign_request_id(
    State(trusted_proxies): State<usize>,
    mut request: Request,
    next: Next,
) -> Response {
    let keep = trusted_proxies > 0
        && request
            .headers()
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_safe);
    if !keep {
        let id = new_id();
        if let Ok(value) = HeaderValue::from_str(&id) {
            request.headers_mut().insert(REQUEST_ID_HEADER, value);
        }
    }
    let id = request.headers().get(REQUEST_ID_HEADER).cloned();
    let mut response = next.run(request).await;
    if let Some(id) = id {
        response.headers_mut().insert(REQUEST_ID_HEADER, id);
    }
    response
}

/// A random UUID v4 in its hyphenated form.
fn new_id() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = app::ssr::auth::hex(&bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_ids_are_safe() {
        assert!(is_safe("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(is_safe("a1b2c3.d4_e5"));
        for bad in [
            "",
            "has space",
            "line\nbreak",
            "<script>",
            "quote\"",
            "ünicode",
            &"x".repeat(65),
        ] {
            assert!(!is_safe(bad), "{bad:?}");
        }
    }

    #[test]
    fn new_ids_are_version_4_uuids() {
        let id = new_id();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert!(is_safe(&id));
        assert_ne!(id, new_id());
    }
}
