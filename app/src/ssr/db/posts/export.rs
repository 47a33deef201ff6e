//! Reads for `folio export`: every post and page with what an export file needs (author and
//! category names, tags, old URLs), in batches by id so a large site is never held whole.

use chrono::{DateTime, Utc};

use crate::on_conn;
use crate::ssr::db::Conn;

/// A post as an export writes it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportRow {
    /// `posts.id`.
    pub id: i64,
    /// `posts.title`.
    pub title: String,
    /// `posts.slug`.
    pub slug: String,
    /// `posts.kind`: `post` or `page`.
    pub kind: String,
    /// `posts.status`: `DRAFT`, `PUBLISHED` or `ARCHIVED`.
    pub status: String,
    /// `posts.published_at`.
    pub published_at: Option<DateTime<Utc>>,
    /// `posts.updated_at`.
    pub updated_at: DateTime<Utc>,
    /// `posts.created_at`.
    pub created_at: DateTime<Utc>,
    /// `posts.body`: sanitised HTML.
    pub body: String,
    /// `posts.body_source`: the Markdown it came from, if any.
    pub body_source: Option<String>,
    /// `posts.excerpt`.
    pub excerpt: String,
    /// `posts.meta_description`.
    pub meta_description: Option<String>,
    /// `posts.byline`.
    pub byline: Option<String>,
    /// `posts.nav_order` (pages).
    pub nav_order: Option<i32>,
    /// The author's id.
    pub author_id: i64,
    /// The author's username.
    pub author_username: String,
    /// The author's display name (may be empty).
    pub author_name: String,
    /// The author's email, if the account has one.
    pub author_email: Option<String>,
    /// The category's name.
    pub category_name: String,
    /// The category's slug.
    pub category_slug: String,
    /// The featured image's stored file name, if any.
    pub featured_image: Option<String>,
}

/// Up to `limit` posts with an id above `after`, by id.
///
/// # Errors
/// The driver's error.
pub async fn batch(conn: Conn<'_>, after: i64, limit: i64) -> Result<Vec<ExportRow>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_as::<_, ExportRow>(
            "SELECT p.id, p.title, p.slug, p.kind, p.status, p.published_at, p.updated_at, \
             p.created_at, p.body, p.body_source, p.excerpt, p.meta_description, p.byline, \
             p.nav_order, p.author_id, u.username AS author_username, \
             u.display_name AS author_name, u.email AS author_email, c.name AS category_name, c.slug AS category_slug, \
             (SELECT m.file_name FROM media m WHERE m.id = p.featured_image_id) AS featured_image \
             FROM posts p JOIN users u ON u.id = p.author_id JOIN categories c ON c.id = p.category_id \
             WHERE p.id > $1 ORDER BY p.id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(c)
        .await
    })
}

/// The few fields of a post that an export's join tables need (Ghost's `posts_meta`,
/// `posts_tags`, `posts_authors`), without the body: a second pass over a large site reads a
/// fraction of the first.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ExportLink {
    /// `posts.id`.
    pub id: i64,
    /// The author's id.
    pub author_id: i64,
    /// `posts.meta_description`.
    pub meta_description: Option<String>,
    /// The category's name.
    pub category_name: String,
    /// The category's slug.
    pub category_slug: String,
}

/// Up to `limit` posts' [`ExportLink`]s with an id above `after`, by id (the same posts as
/// [`batch`]).
///
/// # Errors
/// The driver's error.
pub async fn links(conn: Conn<'_>, after: i64, limit: i64) -> Result<Vec<ExportLink>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_as::<_, ExportLink>(
            "SELECT p.id, p.author_id, p.meta_description, c.name AS category_name, c.slug AS category_slug \
             FROM posts p JOIN categories c ON c.id = p.category_id \
             WHERE p.id > $1 ORDER BY p.id LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(c)
        .await
    })
}
