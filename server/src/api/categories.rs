//! `/api/categories/`: the categories, read-only.

use app::ssr::db::categories;
use axum::extract::{Path, RawQuery, State};
use axum::Json;

use super::error::ApiError;
use super::pagination::{param, query_pairs, PageSpec, PAGE_SIZE};
use super::serializers::{Category, ErrorDetail, Page};
use super::ApiState;

/// Lists categories by name, 20 a page.
#[utoipa::path(
    get, path = "/api/categories/", operation_id = "listCategories", tag = "categories",
    params(("page" = Option<String>, Query, description = "Page number (from 1) or `last`.")),
    responses(
        (status = 200, description = "One page of categories.", body = Page<Category>),
        (status = 401, description = "An invalid token.", body = ErrorDetail),
        (status = 404, description = "No such page.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security((), ("token" = []), ("session" = []))
)]
pub async fn list(
    State(api): State<ApiState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page<Category>>, ApiError> {
    let pairs = query_pairs(raw.as_deref());
    let mut conn = api.app.db.acquire().await?;
    let count = categories::count_all(conn.conn()).await?;
    let page = PageSpec::resolve(param(&pairs, "page"), count)?;
    let rows = categories::list(conn.conn(), PAGE_SIZE, page.offset()).await?;
    Ok(Json(page.page(
        count,
        rows.into_iter().map(Category::from).collect(),
        &api.app.site.base_url,
        "/api/categories/",
        &pairs,
    )))
}

/// A category by slug.
#[utoipa::path(
    get, path = "/api/categories/{slug}/", operation_id = "retrieveCategory", tag = "categories",
    params(("slug" = String, Path, description = "The category's slug.")),
    responses(
        (status = 200, description = "The category.", body = Category),
        (status = 401, description = "An invalid token.", body = ErrorDetail),
        (status = 404, description = "No such category.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security((), ("token" = []), ("session" = []))
)]
pub async fn retrieve(
    State(api): State<ApiState>,
    slug: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Json<Category>, ApiError> {
    let Path(slug) = slug.map_err(|_| ApiError::NoMatch("Category"))?;
    let mut conn = api.app.db.acquire().await?;
    categories::find_by_slug(conn.conn(), &slug)
        .await?
        .map(|row| Json(Category::from(row)))
        .ok_or(ApiError::NoMatch("Category"))
}
