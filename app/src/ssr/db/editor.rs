//! Queries of the rich editor: a post as the editor opens it, its featured image, and its
//! revisions (`post_revisions`).

use chrono::{DateTime, Utc};

use crate::domain::PostStatus;
use crate::on_conn;
use crate::ssr::db::Conn;

/// A post as the editor opens it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EditorRow {
    /// `posts.id`.
    pub id: i64,
    /// `posts.title`.
    pub title: String,
    /// `posts.slug`.
    pub slug: String,
    /// `posts.author_id`.
    pub author_id: i64,
    /// The author's username.
    pub author: String,
    /// `posts.category_id`.
    pub category_id: i64,
    /// `posts.body` (sanitised HTML).
    pub body: String,
    /// `posts.status`.
    #[sqlx(try_from = "String")]
    pub status: PostStatus,
    /// `posts.published_at`.
    pub published_at: Option<DateTime<Utc>>,
    /// `posts.meta_description`.
    pub meta_description: Option<String>,
    /// `posts.updated_at`.
    pub updated_at: DateTime<Utc>,
    /// `posts.featured_image_id`.
    pub featured_image_id: Option<i64>,
    /// The featured image's stored file name.
    pub featured_image_file: Option<String>,
}

/// Post `id` for the editor.
///
/// # Errors
/// The driver's error.
pub async fn find_post(conn: Conn<'_>, id: i64) -> Result<Option<EditorRow>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_as::<_, EditorRow>(
        "SELECT p.id, p.title, p.slug, p.author_id, u.username AS author, p.category_id, p.body, \
         p.status, p.published_at, p.meta_description, p.updated_at, p.featured_image_id, \
         m.file_name AS featured_image_file \
         FROM posts p JOIN users u ON u.id = p.author_id \
         LEFT JOIN media m ON m.id = p.featured_image_id WHERE p.id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await)
}

/// Sets (or clears) post `id`'s featured image.
///
/// # Errors
/// The driver's error (a foreign-key violation for an unknown image).
pub async fn set_featured_image(
    conn: Conn<'_>,
    id: i64,
    media_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| sqlx::query(
        "UPDATE posts SET featured_image_id = $1 WHERE id = $2"
    )
    .bind(media_id)
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))
}

/// A stored revision.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RevisionRow {
    /// `post_revisions.id`.
    pub id: i64,
    /// `post_revisions.author_id` (`None` once the account is deleted).
    pub author_id: Option<i64>,
    /// `post_revisions.author_repr`.
    pub author_repr: String,
    /// `post_revisions.title`.
    pub title: String,
    /// `post_revisions.body`.
    pub body: String,
    /// `post_revisions.is_sealed`: takes no more saves (the Save button, a restore).
    pub is_sealed: bool,
    /// `post_revisions.created_at`.
    pub created_at: DateTime<Utc>,
    /// `post_revisions.updated_at`.
    pub updated_at: DateTime<Utc>,
}

const REVISION_COLUMNS: &str =
    "id, author_id, author_repr, title, body, is_sealed, created_at, updated_at";

/// Post `post_id`'s newest revision.
///
/// # Errors
/// The driver's error.
pub async fn latest_revision(
    conn: Conn<'_>,
    post_id: i64,
) -> Result<Option<RevisionRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {REVISION_COLUMNS} FROM post_revisions WHERE post_id = $1 ORDER BY id DESC LIMIT 1"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, RevisionRow>(&sql)
        .bind(post_id)
        .fetch_optional(c)
        .await)
}

/// Post `post_id`'s revisions, newest first, at most `limit`.
///
/// # Errors
/// The driver's error.
pub async fn list_revisions(
    conn: Conn<'_>,
    post_id: i64,
    limit: i64,
) -> Result<Vec<RevisionRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {REVISION_COLUMNS} FROM post_revisions WHERE post_id = $1 ORDER BY id DESC LIMIT $2"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, RevisionRow>(&sql)
        .bind(post_id)
        .bind(limit)
        .fetch_all(c)
        .await)
}

/// Revision `id` of post `post_id`.
///
/// # Errors
/// The driver's error.
pub async fn find_revision(
    conn: Conn<'_>,
    post_id: i64,
    id: i64,
) -> Result<Option<RevisionRow>, sqlx::Error> {
    let sql =
        format!("SELECT {REVISION_COLUMNS} FROM post_revisions WHERE post_id = $1 AND id = $2");
    on_conn!(conn, |c| sqlx::query_as::<_, RevisionRow>(&sql)
        .bind(post_id)
        .bind(id)
        .fetch_optional(c)
        .await)
}

/// A revision to add.
#[derive(Debug, Clone, Copy)]
pub struct NewRevision<'a> {
    /// The post.
    pub post_id: i64,
    /// Who wrote it (`users.id`).
    pub author_id: i64,
    /// Their username.
    pub author_repr: &'a str,
    /// The title.
    pub title: &'a str,
    /// The body (sanitised HTML).
    pub body: &'a str,
    /// Whether later saves must start a new revision instead of updating this one.
    pub sealed: bool,
}

/// Adds a revision saved at `now`.
///
/// # Errors
/// The driver's error.
pub async fn insert_revision(
    conn: Conn<'_>,
    revision: NewRevision<'_>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
            "INSERT INTO post_revisions \
         (post_id, author_id, author_repr, title, body, is_sealed, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(revision.post_id)
        .bind(revision.author_id)
        .bind(revision.author_repr)
        .bind(revision.title)
        .bind(revision.body)
        .bind(revision.sealed)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// Overwrites revision `id`'s title and body (a save coalesced into it) at `now`, sealing it
/// when `sealed`.
///
/// # Errors
/// The driver's error.
pub async fn update_revision(
    conn: Conn<'_>,
    id: i64,
    title: &str,
    body: &str,
    sealed: bool,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| sqlx::query(
        "UPDATE post_revisions SET title = $1, body = $2, is_sealed = $3, updated_at = $4 \
         WHERE id = $5"
    )
    .bind(title)
    .bind(body)
    .bind(sealed)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))
}

/// Whether an uploaded image `id` exists (for the featured image).
///
/// # Errors
/// The driver's error.
pub async fn media_exists(conn: Conn<'_>, id: i64) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM media WHERE id = $1"
    )
    .bind(id)
    .fetch_one(c)
    .await
    .map(|n| n > 0))
}
