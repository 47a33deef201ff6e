//! Server functions: the typed HTTP endpoints the pages call (under `/_fn/`). Each is thin: it
//! takes the state, checks its input, calls the blog service and maps the error.

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
#[cfg(feature = "ssr")]
pub(crate) fn fail<T>(error: crate::error::AppError) -> Result<T, crate::error::AppError> {
    if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(error.status_code());
    }
    Err(error)
}
