//! The page shown for errors, including the friendly 404.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::components::page_meta::PageMeta;
use crate::error::AppError;

/// A friendly page for `error`; on the server it also sets the response's status from the error
/// ([`AppError::status_code`], and `Retry-After` where it has one), so a page whose data failed
/// answers 403, 404, 429... and not 200.
#[component]
pub fn ErrorPage(error: AppError) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(error.status_code());
        if let Some(seconds) = error.retry_after_secs() {
            response.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(seconds));
        }
    }
    match error {
        AppError::NotFound => view! { <NotFound/> }.into_any(),
        AppError::Internal | AppError::Transport(_) => {
            let request_id = SharedValue::new(current_request_id);
            view! {
                <section class="message-page">
                    <h1>"Something went wrong"</h1>
                    <p>"We could not load this page. Please try again in a moment."</p>
                    {request_id.into_inner().map(|id| view! {
                        <p class="request-id">"If it keeps happening, tell us this reference: " <code>{id}</code></p>
                    })}
                    <p><A href="/">"Back to the latest posts"</A></p>
                </section>
            }
            .into_any()
        }
        other => {
            let message = other.form_message().unwrap_or_default();
            view! {
                <section class="message-page">
                    <h1>"That did not work"</h1>
                    <p>{message}</p>
                    <p><A href="/">"Back to the latest posts"</A></p>
                </section>
            }
            .into_any()
        }
    }
}

/// The 404 page: sets the status on the server and offers a way on.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <PageMeta title="Page not found" description="There is no page at this address." path="/404"/>
        <section class="message-page not-found">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. It may have moved, or it may not be published yet."</p>
            <p><A href="/">"See the latest posts"</A> " or search:"</p>
            <form action="/search" method="get" role="search">
                <label class="visually-hidden" for="notfound-search">"Search posts"</label>
                <input id="notfound-search" type="search" name="q" maxlength="200"/>
                <button type="submit">"Search"</button>
            </form>
        </section>
    }
}

/// The id of the request being rendered (the `x-request-id` header the server set), so the
/// error page can show the reference the log has. `None` in the browser.
fn current_request_id() -> Option<String> {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>().and_then(|parts| {
            parts
                .headers
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}
