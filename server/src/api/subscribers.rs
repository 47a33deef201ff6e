//! `/api/subscribers/`: subscribing to new posts by email (anyone; the same double opt-in and
//! mail-bombing guard as the site's form) and the subscriber list (staff who manage accounts).

use std::net::SocketAddr;

use app::domain::Permission;
use app::ssr::db::newsletter as rows;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};

use super::auth::Caller;
use super::error::ApiError;
use super::input::{json_object, Fields};
use super::pagination::{param, query_pairs, PageSpec, PAGE_SIZE};
use super::serializers::{
    BadRequest, ErrorDetail, Page, Subscriber, SubscriberWrite, SUBSCRIBER_STATUSES,
};
use super::ApiState;

/// What `POST /api/subscribers/` answers, whatever happened to the address (so the endpoint does
/// not tell who subscribes).
pub const SUBSCRIBE_ANSWER: &str =
    "If this address can subscribe, a confirmation link is on its way to it.";

/// Asks for new posts by email: a confirmation link is emailed to `email` (double opt-in); an
/// address already confirmed gets a link to its manage page instead. Answers 202 the same way
/// whether or not the address was known.
#[utoipa::path(
    post, path = "/api/subscribers/", operation_id = "createSubscriber", tag = "subscribers",
    request_body = SubscriberWrite,
    responses(
        (status = 202, description = "Accepted: a link is emailed if the address may get one.", body = ErrorDetail),
        (status = 400, description = "Invalid address, unknown category or invalid JSON.", body = BadRequest),
        (status = 415, description = "The body is not JSON.", body = ErrorDetail),
        (status = 429, description = "Throttled (this client asked too often).", body = ErrorDetail),
    ),
    security((), ("token" = []), ("session" = []))
)]
pub async fn create(
    State(api): State<ApiState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let data = json_object(&headers, &body)?;
    let mut fields = Fields::new(&data, false);
    let email = fields.string("email", true, Some(254));
    let categories = fields.string_list("categories", false).unwrap_or_default();
    fields.finish()?;
    let Some(email) = email else {
        return Err(ApiError::Internal);
    };
    let address = super::client_address(&api, Some(peer), &headers);
    app::ssr::newsletter::subscribe(&api.app, &email, &categories, &address).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ErrorDetail {
            detail: SUBSCRIBE_ANSWER.to_string(),
        }),
    )
        .into_response())
}

/// Lists the subscribers by id, 20 a page, with their addresses and choices: staff with the
/// `ManageUsers` permission only (administrators).
#[utoipa::path(
    get, path = "/api/subscribers/", operation_id = "listSubscribers", tag = "subscribers",
    params(
        ("page" = Option<String>, Query, description = "Page number (from 1) or `last`."),
        ("status" = Option<String>, Query, description = "Only `pending`, `confirmed` or `unsubscribed` subscribers."),
    ),
    responses(
        (status = 200, description = "One page of subscribers.", body = Page<Subscriber>),
        (status = 400, description = "Unknown `status`.", body = BadRequest),
        (status = 401, description = "Not signed in.", body = ErrorDetail),
        (status = 403, description = "Not allowed to manage accounts.", body = ErrorDetail),
        (status = 404, description = "No such page.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security(("token" = []), ("session" = []))
)]
pub async fn list(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page<Subscriber>>, ApiError> {
    let account = caller.account()?;
    if !account.role.can(Permission::ManageUsers) {
        return Err(ApiError::PermissionDenied);
    }
    let pairs = query_pairs(raw.as_deref());
    let status = match param(&pairs, "status")
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) if SUBSCRIBER_STATUSES.contains(&s) => Some(s.to_string()),
        Some(s) => {
            return Err(ApiError::InvalidQuery(
                "status".into(),
                format!(
                    "Select a valid choice. {s} is not one of the available choices ({}).",
                    SUBSCRIBER_STATUSES.join(", ")
                ),
            ))
        }
    };
    let mut conn = api.app.db.acquire().await?;
    let count = rows::count(conn.conn(), status.as_deref()).await?;
    let page = PageSpec::resolve(param(&pairs, "page"), count)?;
    let found = rows::list(conn.conn(), status.as_deref(), PAGE_SIZE, page.offset()).await?;
    let chosen = match (found.first(), found.last()) {
        (Some(first), Some(last)) => {
            rows::chosen_categories_between(conn.conn(), first.id, last.id).await?
        }
        _ => Vec::new(),
    };
    let results = found
        .into_iter()
        .map(|row| {
            let categories = chosen
                .iter()
                .filter(|(id, _)| *id == row.id)
                .map(|(_, slug)| slug.clone())
                .collect();
            Subscriber::new(row, categories)
        })
        .collect();
    Ok(Json(page.page(
        count,
        results,
        &api.app.site.base_url,
        "/api/subscribers/",
        &pairs,
    )))
}
