//! One-click unsubscribe (RFC 8058): mail clients POST `List-Unsubscribe=One-Click` to the
//! address in a newsletter's `List-Unsubscribe` header, from their own servers, with no cookies
//! and no page. The link's signature is what authorises it (it cannot be forged for another
//! subscriber), so the route is exempt from the CSRF check, which exists to stop a browser's
//! ambient credentials being used; this request has none and needs none.

use app::error::AppError;
use app::ssr::AppState;
use axum::extract::{Path, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};

/// The path prefix of unsubscribe links.
pub const UNSUBSCRIBE_PREFIX: &str = "/newsletter/unsubscribe/";

/// Whether `request` is a POST to a one-click unsubscribe address
/// (`/newsletter/unsubscribe/<id>/<signature>/one-click`).
pub fn is_one_click_unsubscribe(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::POST
        && path.starts_with(UNSUBSCRIBE_PREFIX)
        && path.ends_with("/one-click")
}

/// `POST /newsletter/unsubscribe/<id>/<signature>/one-click`: unsubscribes at once and answers
/// 200 with a line of text (whatever the body: RFC 8058 asks for `List-Unsubscribe=One-Click`,
/// and a client that sends something else still means to leave); 404 for a link that is not
/// valid.
pub async fn one_click(
    State(state): State<AppState>,
    Path((id, signature)): Path<(i64, String)>,
) -> Response {
    let text = |status: StatusCode, body: &'static str| {
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            body,
        )
            .into_response()
    };
    match app::ssr::newsletter::unsubscribe(&state.db, &state.auth.secret_key, id, &signature).await
    {
        Ok(_) => text(StatusCode::OK, "You are unsubscribed.\n"),
        Err(AppError::NotFound) => text(StatusCode::NOT_FOUND, "This link is not valid.\n"),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong; please try again later.\n",
        ),
    }
}
