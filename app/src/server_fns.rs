//! Server functions: the typed HTTP endpoints the pages call (under `/_fn/`). Each is thin: it
//! takes the state, checks its input, calls a service and returns its `AppError` with `?`.
//!
//! Nothing here sets an HTTP status: an error knows its own ([`AppError::status_code`]), and two
//! places apply it — the server's server-function middleware for calls over HTTP, and the
//! [`ErrorPage`](crate::components::error_page::ErrorPage) for pages rendered on the server.
//!
//! [`AppError::status_code`]: crate::error::AppError::status_code

pub mod accounts;
pub mod admin;
pub mod comments;
pub mod editor;
pub mod media;
pub mod newsletter;
pub mod posts;
pub mod site;

/// The server state and the current time, or [`AppError::Internal`](crate::error::AppError) when
/// the state is missing (a wiring bug, logged).
#[cfg(feature = "ssr")]
pub(crate) fn state() -> Result<crate::ssr::AppState, crate::error::AppError> {
    leptos::prelude::use_context::<crate::ssr::AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        crate::error::AppError::Internal
    })
}

/// The state and the request's session, for server functions that need to know who calls.
#[cfg(feature = "ssr")]
pub(crate) async fn state_and_session(
) -> Result<(crate::ssr::AppState, tower_sessions::Session), crate::error::AppError> {
    let state = state()?;
    let session = crate::ssr::auth::request_session().await?;
    Ok((state, session))
}

/// The signed-in caller with `permission`, or the error to return at once.
#[cfg(feature = "ssr")]
pub(crate) async fn require(
    permission: crate::domain::Permission,
) -> Result<(crate::ssr::AppState, crate::ssr::db::users::AccountRow), crate::error::AppError> {
    let (state, session) = state_and_session().await?;
    let account = crate::ssr::auth::require_permission(&state, &session, permission).await?;
    Ok((state, account))
}
