//! The API root, site statistics and the health check.

use app::ssr::db::posts::public::{self as posts, PostFilter};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;

use super::error::ApiError;
use super::serializers::{ApiRoot, ErrorDetail, Health, Stats};
use super::ApiState;

/// How long the health check waits for the database before calling it unreachable.
pub const HEALTH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// The URL of each resource (DRF's `DefaultRouter` API root).
#[utoipa::path(
    get, path = "/api/", operation_id = "apiRoot", tag = "api",
    responses(
        (status = 200, description = "The resource URLs.", body = ApiRoot),
        (status = 401, description = "An invalid token.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security((), ("token" = []), ("session" = []))
)]
pub async fn root(State(api): State<ApiState>) -> Json<ApiRoot> {
    let base = &api.app.site.base_url;
    Json(ApiRoot {
        posts: format!("{base}/api/posts/"),
        categories: format!("{base}/api/categories/"),
        tags: format!("{base}/api/tags/"),
        comments: format!("{base}/api/comments/"),
        subscribers: format!("{base}/api/subscribers/"),
    })
}

/// How many posts are published (the Django tutorial's async view).
#[utoipa::path(
    get, path = "/api/stats/", operation_id = "retrieveStats", tag = "api",
    responses(
        (status = 200, description = "Counts.", body = Stats),
        (status = 401, description = "An invalid token.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security((), ("token" = []), ("session" = []))
)]
pub async fn stats(State(api): State<ApiState>) -> Result<Json<Stats>, ApiError> {
    let mut conn = api.app.db.acquire().await?;
    let published_posts = posts::count_public(conn.conn(), Utc::now(), &PostFilter::All).await?;
    Ok(Json(Stats { published_posts }))
}

/// Whether the process is up and the database answers `SELECT 1` within
/// [`HEALTH_TIMEOUT`]: 200, else 503. Not throttled, and answered for any `Host`, so load
/// balancers and orchestrators can call it by address.
#[utoipa::path(
    get, path = "/healthz", operation_id = "healthCheck", tag = "api",
    responses(
        (status = 200, description = "Up.", body = Health),
        (status = 503, description = "The database is unreachable.", body = Health),
    ),
    security(())
)]
pub async fn healthz(State(db): State<app::ssr::db::Db>) -> (StatusCode, Json<Health>) {
    let reachable = tokio::time::timeout(HEALTH_TIMEOUT, async {
        let mut conn = db.acquire().await?;
        app::ssr::db::ping(conn.conn()).await
    })
    .await;
    match reachable {
        Ok(Ok(())) => (
            StatusCode::OK,
            Json(Health {
                status: "ok".into(),
                database: "ok".into(),
            }),
        ),
        failure => {
            match failure {
                Ok(Err(error)) => tracing::error!(error = %error, "health check: database failed"),
                _ => tracing::error!("health check: database did not answer in time"),
            }
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Health {
                    status: "unavailable".into(),
                    database: "unreachable".into(),
                }),
            )
        }
    }
}
