//! Queries on `post_revisions`: earlier states of a post's title and body (kept by the posts
//! wing's revisions).

use chrono::{DateTime, Utc};

use crate::on_conn;
use crate::ssr::db::Conn;

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
