//! Queries on `categories`.

use chrono::{DateTime, Utc};

use crate::model::CategoryRef;
use crate::on_conn;
use crate::ssr::db::Conn;

/// A category's public columns.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CategoryRow {
    /// `categories.id`.
    pub id: i64,
    /// `categories.name`.
    pub name: String,
    /// `categories.slug`.
    pub slug: String,
}

impl From<CategoryRow> for CategoryRef {
    fn from(row: CategoryRow) -> Self {
        Self {
            name: row.name,
            slug: row.slug,
        }
    }
}

/// Finds a category by slug.
///
/// # Errors
/// The driver's error.
pub async fn find_by_slug(conn: Conn<'_>, slug: &str) -> Result<Option<CategoryRow>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_as::<_, CategoryRow>("SELECT id, name, slug FROM categories WHERE slug = $1")
            .bind(slug)
            .fetch_optional(c)
            .await
    })
}

/// Inserts a category and returns its id.
///
/// # Errors
/// The driver's error, e.g. a unique violation of `categories_name_key` or `categories_slug_key`.
pub async fn insert(conn: Conn<'_>, name: &str, slug: &str) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO categories (name, slug) VALUES ($1, $2) RETURNING id",
        )
        .bind(name)
        .bind(slug)
        .fetch_one(c)
        .await
    })
}

/// The categories with at least one public post at `now`, as `(name, slug, public posts)`, by
/// name (the site's category list).
///
/// # Errors
/// The driver's error.
pub async fn with_public_post_counts(
    conn: Conn<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_as::<_, (String, String, i64)>(
        "SELECT c.name, c.slug, COUNT(p.id) FROM categories c JOIN posts p ON p.category_id = c.id \
         WHERE p.status = 'PUBLISHED' AND p.published_at IS NOT NULL AND p.published_at <= $1 \
         AND p.kind = 'post' GROUP BY c.id, c.name, c.slug ORDER BY c.name"
    )
    .bind(now)
    .fetch_all(c)
    .await
    })
}

/// Slugs of categories that have at least one public post (for the sitemap).
///
/// # Errors
/// The driver's error.
pub async fn list_slugs_with_public_posts(
    conn: Conn<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, String>(
            "SELECT c.slug FROM categories c WHERE EXISTS (SELECT 1 FROM posts p WHERE p.category_id = c.id \
             AND p.status = 'PUBLISHED' AND p.published_at <= $1 AND p.kind = 'post') ORDER BY c.slug",
        )
        .bind(now)
        .fetch_all(c)
        .await
    })
}

/// Counts every category.
///
/// # Errors
/// The driver's error.
pub async fn count_all(conn: Conn<'_>) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM categories"
    )
    .fetch_one(c)
    .await)
}

/// Lists `limit` categories from `offset`, by name (ties by id).
///
/// # Errors
/// The driver's error.
pub async fn list(
    conn: Conn<'_>,
    limit: i64,
    offset: i64,
) -> Result<Vec<CategoryRow>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_as::<_, CategoryRow>(
        "SELECT id, name, slug FROM categories ORDER BY name, id LIMIT $1 OFFSET $2"
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(c)
    .await)
}

/// Finds a category by id.
///
/// # Errors
/// The driver's error.
pub async fn find_by_id(conn: Conn<'_>, id: i64) -> Result<Option<CategoryRow>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_as::<_, CategoryRow>(
        "SELECT id, name, slug FROM categories WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await)
}
