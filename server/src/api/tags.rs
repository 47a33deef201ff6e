//! `/api/tags/`: the tags with their post counts, read-only (DRF's `ReadOnlyModelViewSet`).

use app::ssr::db::tags;
use axum::extract::{Path, RawQuery, State};
use axum::Json;

use super::error::ApiError;
use super::pagination::{param, query_pairs, PageSpec, PAGE_SIZE};
use super::serializers::{ErrorDetail, Page, TagWithCount};
use super::ApiState;

/// Lists tags by name, 20 a page, with how many posts carry each.
#[utoipa::path(
    get, path = "/api/tags/", operation_id = "listTags", tag = "tags",
    params(("page" = Option<String>, Query, description = "Page number (from 1) or `last`.")),
    responses(
        (status = 200, description = "One page of tags.", body = Page<TagWithCount>),
        (status = 401, description = "An invalid token.", body = ErrorDetail),
        (status = 404, description = "No such page.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security((), ("token" = []), ("session" = []))
)]
pub async fn list(
    State(api): State<ApiState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page<TagWithCount>>, ApiError> {
    let pairs = query_pairs(raw.as_deref());
    let mut conn = api.app.db.acquire().await?;
    let count = tags::count(conn.conn()).await?;
    let page = PageSpec::resolve(param(&pairs, "page"), count)?;
    let rows = tags::list_with_counts(conn.conn(), PAGE_SIZE, page.offset()).await?;
    Ok(Json(page.page(
        count,
        rows.into_iter().map(TagWithCount::from).collect(),
        &api.app.site.base_url,
        "/api/tags/",
        &pairs,
    )))
}

/// A tag by slug.
#[utoipa::path(
    get, path = "/api/tags/{slug}/", operation_id = "retrieveTag", tag = "tags",
    params(("slug" = String, Path, description = "The tag's slug.")),
    responses(
        (status = 200, description = "The tag.", body = super::serializers::Tag),
        (status = 401, description = "An invalid token.", body = ErrorDetail),
        (status = 404, description = "No such tag.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security((), ("token" = []), ("session" = []))
)]
pub async fn retrieve(
    State(api): State<ApiState>,
    slug: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Json<super::serializers::Tag>, ApiError> {
    let Path(slug) = slug.map_err(|_| ApiError::NoMatch("Tag"))?;
    let mut conn = api.app.db.acquire().await?;
    tags::find_by_slug(conn.conn(), &slug)
        .await?
        .map(|row| Json(row.into()))
        .ok_or(ApiError::NoMatch("Tag"))
}
