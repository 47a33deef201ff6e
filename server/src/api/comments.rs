//! `/api/comments/`: approved comments on published posts, and writing one (it then waits for
//! moderation).

use app::model::MAX_COMMENT_CHARS;
use app::ssr::comments as service;
use app::ssr::db::comments;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;

use super::auth::Caller;
use super::error::ApiError;
use super::input::{json_object, Fields};
use super::pagination::{param, query_pairs, PageSpec, PAGE_SIZE};
use super::serializers::{BadRequest, Comment, CommentWrite, ErrorDetail, Page};
use super::ApiState;

/// Lists approved comments on published posts, oldest first, 20 a page.
#[utoipa::path(
    get, path = "/api/comments/", operation_id = "listComments", tag = "comments",
    params(
        ("page" = Option<String>, Query, description = "Page number (from 1) or `last`."),
        ("post" = Option<i64>, Query, description = "Only the comments on the post with this id."),
    ),
    responses(
        (status = 200, description = "One page of comments.", body = Page<Comment>),
        (status = 400, description = "`post` is not a number.", body = BadRequest),
        (status = 401, description = "An invalid token.", body = ErrorDetail),
        (status = 404, description = "No such page.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security((), ("token" = []), ("session" = []))
)]
pub async fn list(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page<Comment>>, ApiError> {
    let pairs = query_pairs(raw.as_deref());
    let post = match param(&pairs, "post")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => None,
        Some(text) => Some(
            text.parse::<i64>()
                .ok()
                .filter(|id| *id > 0)
                .ok_or_else(|| ApiError::InvalidQuery("post".into(), "Enter a number.".into()))?,
        ),
    };
    let now = Utc::now();
    let mut conn = api.app.db.acquire().await?;
    let count = comments::count_approved_public(conn.conn(), post, now).await?;
    let page = PageSpec::resolve(param(&pairs, "page"), count)?;
    let rows =
        comments::list_approved_public(conn.conn(), post, now, PAGE_SIZE, page.offset()).await?;
    Ok(Json(
        page.page(
            count,
            rows.into_iter()
                .map(|row| Comment::new(row, caller.sees_emails()))
                .collect(),
            &api.app.site.base_url,
            "/api/comments/",
            &pairs,
        ),
    ))
}

/// Writes a comment on a published post as the caller; it waits for moderation
/// (`is_approved: false`).
#[utoipa::path(
    post, path = "/api/comments/", operation_id = "createComment", tag = "comments",
    request_body = CommentWrite,
    responses(
        (status = 201, description = "Written, awaiting approval.", body = Comment),
        (status = 400, description = "Invalid fields or JSON.", body = BadRequest),
        (status = 401, description = "Not signed in.", body = ErrorDetail),
        (status = 415, description = "The body is not JSON.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security(("token" = []), ("session" = []))
)]
pub async fn create(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let author = caller.account()?;
    let data = json_object(&headers, &body)?;
    let mut fields = Fields::new(&data, false);
    let post = fields.primary_key("post", true);
    let text = fields.string("body", true, Some(MAX_COMMENT_CHARS));
    fields.finish()?;
    let (Some(post), Some(text)) = (post, text) else {
        return Err(ApiError::Internal);
    };
    let id = service::add(&api.app, author, post, &text)
        .await
        .map_err(|e| match e {
            app::error::AppError::NotFound => ApiError::field(
                "post",
                format!("Invalid pk \"{post}\" - object does not exist."),
            ),
            other => other.into(),
        })?;
    let mut conn = api.app.db.acquire().await?;
    let row = comments::find_api(conn.conn(), id)
        .await?
        .ok_or(ApiError::Internal)?;
    Ok((
        StatusCode::CREATED,
        Json(Comment::new(row, caller.sees_emails())),
    )
        .into_response())
}
