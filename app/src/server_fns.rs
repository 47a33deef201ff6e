//! Server functions: the typed HTTP endpoints the pages call (under `/_fn/`). Each is thin: it
//! takes the state, checks its input, calls the blog service and maps the error.

pub mod accounts;
pub mod admin;
pub mod comments;
pub mod editor;
pub mod media;
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

/// Sets the HTTP status of the response (the page's during SSR, the call's otherwise) to the
/// error's, then returns the error: server-function errors would otherwise answer 500.
///
/// A plain HTML form post (no JavaScript) keeps the redirect back to its page that Leptos
/// answers it with, carrying the error in the URL, so the form can show it. `Retry-After`
/// (RFC 9110 §10.2.3) is set for [`AppError::TooManyRequests`] and [`AppError::Busy`] either way.
#[cfg(feature = "ssr")]
pub(crate) fn fail<T>(error: crate::error::AppError) -> Result<T, crate::error::AppError> {
    use leptos::prelude::use_context;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Some(seconds) = error.retry_after_secs() {
            response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        }
        let plain_form_post = use_context::<http::request::Parts>().is_some_and(|parts| {
            parts.uri.path().starts_with("/_fn/")
                && parts
                    .headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.contains("text/html"))
        });
        if !plain_form_post {
            response.set_status(error.status_code());
        }
    }
    Err(error)
}

/// The state and the request's session, for server functions that need to know who calls.
#[cfg(feature = "ssr")]
pub(crate) async fn state_and_session(
) -> Result<(crate::ssr::AppState, tower_sessions::Session), crate::error::AppError> {
    let state = state()?;
    let session = crate::ssr::auth::request_session().await?;
    Ok((state, session))
}

/// The signed-in caller with `permission`, or the error (status set) to return at once.
#[cfg(feature = "ssr")]
pub(crate) async fn require(
    permission: crate::domain::Permission,
) -> Result<(crate::ssr::AppState, crate::ssr::db::users::AccountRow), crate::error::AppError> {
    let (state, session) = state_and_session().await.or_else(fail)?;
    let account = crate::ssr::auth::require_permission(&state, &session, permission)
        .await
        .or_else(fail)?;
    Ok((state, account))
}

/// Maps a service result: an error gets its status set (see [`fail`]).
#[cfg(feature = "ssr")]
pub(crate) fn finish<T>(
    result: Result<T, crate::error::AppError>,
) -> Result<T, crate::error::AppError> {
    result.or_else(fail)
}
