//! Queries on `comments`.

use chrono::{DateTime, Utc};

use crate::model::{CommentView, PublicUser};
use crate::on_conn;
use crate::ssr::db::Conn;

/// A comment joined with its author's public columns.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CommentRow {
    /// `comments.id`.
    pub id: i64,
    /// `comments.body` (plain text).
    pub body: String,
    /// `comments.created_at`.
    pub created_at: DateTime<Utc>,
    /// `comments.is_approved`.
    pub is_approved: bool,
    /// `comments.author_id`.
    pub author_id: i64,
    /// `users.username` of the author.
    pub username: String,
    /// `users.display_name` of the author.
    pub display_name: String,
    /// `users.avatar_url` of the author.
    pub avatar_url: Option<String>,
}

impl CommentRow {
    /// The wire form, with `own` telling whether the viewer wrote it.
    pub fn into_view(self, own: bool) -> CommentView {
        CommentView {
            id: self.id,
            body: self.body,
            created_at: self.created_at,
            is_approved: self.is_approved,
            is_own: own,
            author: PublicUser::new(
                self.username,
                self.display_name,
                String::new(),
                self.avatar_url,
            ),
        }
    }
}

/// The comments of post `post_id` that `viewer` may see: the approved ones and the viewer's own
/// pending ones, oldest first.
///
/// # Errors
/// The driver's error.
pub async fn list_visible(
    conn: Conn<'_>,
    post_id: i64,
    viewer: Option<i64>,
) -> Result<Vec<CommentRow>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_as::<_, CommentRow>(
            "SELECT c.id, c.body, c.created_at, c.is_approved, c.author_id, u.username, u.display_name, u.avatar_url \
             FROM comments c JOIN users u ON u.id = c.author_id \
             WHERE c.post_id = $1 AND (c.is_approved = TRUE OR c.author_id = $2) AND u.is_active = TRUE \
             ORDER BY c.created_at, c.id",
        )
        .bind(post_id)
        .bind(viewer.unwrap_or(0))
        .fetch_all(c)
        .await
    })
}

/// Whether post `post_id` is public at `now` (published, not in the future).
///
/// # Errors
/// The driver's error.
pub async fn post_is_public(
    conn: Conn<'_>,
    post_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM posts WHERE id = $1 AND status = 'PUBLISHED' AND published_at <= $2)",
        )
        .bind(post_id)
        .bind(now)
        .fetch_one(c)
        .await
    })
}

/// Stores a new comment, waiting for moderation; returns it with its author.
///
/// # Errors
/// The driver's error.
pub async fn insert(
    conn: Conn<'_>,
    post_id: i64,
    author_id: i64,
    body: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO comments (post_id, author_id, body, created_at, is_approved) \
             VALUES ($1, $2, $3, $4, FALSE) RETURNING id",
        )
        .bind(post_id)
        .bind(author_id)
        .bind(body)
        .bind(now)
        .fetch_one(c)
        .await
    })
}

/// The author of comment `id`, if it exists.
///
/// # Errors
/// The driver's error.
pub async fn find_author(conn: Conn<'_>, id: i64) -> Result<Option<i64>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>("SELECT author_id FROM comments WHERE id = $1")
            .bind(id)
            .fetch_optional(c)
            .await
    })
}

/// Deletes comment `id`; returns whether it existed.
///
/// # Errors
/// The driver's error.
pub async fn delete(conn: Conn<'_>, id: i64) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("DELETE FROM comments WHERE id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}

/// Approves or unapproves comment `id`; returns whether it existed.
///
/// # Errors
/// The driver's error.
pub async fn set_approved(conn: Conn<'_>, id: i64, approved: bool) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("UPDATE comments SET is_approved = $1 WHERE id = $2")
            .bind(approved)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}
