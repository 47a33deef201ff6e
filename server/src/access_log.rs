//! One log line per request, and the `X-Request-Duration` header on every response.
//!
//! The line has the method, the matched route (the route's pattern, such as
//! `/api/posts/{slug}/`, so tokens in paths never reach the log; [`UNMATCHED`] for requests no
//! route matched, whose raw paths may be mistyped secret links), the status and the duration.
//! It is written inside the request's span, which carries the request id, and records the route
//! in that span too (the span is opened before routing, so it starts without one). The duration is measured until the response head is ready
//! (streamed bodies continue after it).

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

/// The header with the seconds the server took to produce the response head.
pub const DURATION_HEADER: &str = "x-request-duration";

/// What the log says for a request no route matched (its path is not logged).
pub const UNMATCHED: &str = "(no route)";

/// The middleware (see the module documentation).
pub async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = match request.extensions().get::<MatchedPath>() {
        Some(matched) => matched.as_str().to_string(),
        None => UNMATCHED.to_string(),
    };
    tracing::Span::current().record("route", route.as_str());
    let mut response = next.run(request).await;
    let seconds = started.elapsed().as_secs_f64();
    if let Ok(value) = HeaderValue::from_str(&format!("{seconds:.6}")) {
        response.headers_mut().insert(DURATION_HEADER, value);
    }
    let status = response.status().as_u16();
    tracing::info!(
        method = %method,
        route = %route,
        status,
        duration_secs = seconds,
        "{method} {route} {status} {:.1} ms",
        seconds * 1000.0
    );
    response
}
