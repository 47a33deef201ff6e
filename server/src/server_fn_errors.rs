//! Gives server-function errors their real HTTP status: the one place that maps an [`AppError`]
//! returned over HTTP to its status (the error page does it for pages rendered on the server).
//!
//! Leptos answers every server-function error with 500. This middleware reads the [`AppError`]
//! of such a response and sets [`AppError::status_code`] (and `Retry-After` for 429 and 503), so
//! a server function just returns its error with `?`: a forbidden call is a 403 and a malformed
//! one a 400, never a server failure. Plain HTML form posts (no JavaScript) are answered by
//! Leptos with a redirect back to the form carrying the error; they are left as they are.

use app::error::AppError;
use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

/// Header Leptos puts on server-function error responses.
const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";
/// Error bodies are small JSON objects; anything bigger is left alone.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The middleware (see the module documentation).
pub async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with("/_fn/");
    let response = next.run(request).await;
    if !is_server_fn
        || response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key(SERVER_FN_ERROR_HEADER)
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status_code();
        if let Some(seconds) = error.retry_after_secs() {
            parts
                .headers
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
