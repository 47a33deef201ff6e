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
    /// `comments.parent_id`: the comment this one answers.
    pub parent_id: Option<i64>,
}

impl CommentRow {
    /// The wire form, with `own` telling whether the viewer wrote it.
    pub fn into_view(self, own: bool) -> CommentView {
        CommentView {
            id: self.id,
            parent_id: self.parent_id,
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
            "SELECT c.id, c.body, c.created_at, c.is_approved, c.author_id, u.username, u.display_name, u.avatar_url, c.parent_id \
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

/// A comment as an importer supplies it: written by `author_id` at `created_at`, approved or
/// waiting, answering `parent_id`.
#[derive(Debug, Clone)]
pub struct ImportedComment<'a> {
    /// The post.
    pub post_id: i64,
    /// The author's account.
    pub author_id: i64,
    /// The plain-text body (1 to 5,000 characters).
    pub body: &'a str,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// Whether it was approved on the old site.
    pub is_approved: bool,
    /// The comment it answers (already imported).
    pub parent_id: Option<i64>,
}

/// Stores an imported comment unless the same one (post, author, time and text) is stored
/// already; its id either way, and whether it was new. Re-running an import therefore adds
/// nothing.
///
/// # Errors
/// The driver's error.
pub async fn import(
    mut conn: Conn<'_>,
    comment: &ImportedComment<'_>,
) -> Result<(i64, bool), sqlx::Error> {
    let existing = on_conn!(conn.reborrow(), |c| {
        sqlx::query_scalar::<_, i64>(
            "SELECT id FROM comments WHERE post_id = $1 AND author_id = $2 AND created_at = $3 \
             AND body = $4 ORDER BY id LIMIT 1",
        )
        .bind(comment.post_id)
        .bind(comment.author_id)
        .bind(comment.created_at)
        .bind(comment.body)
        .fetch_optional(c)
        .await
    })?;
    if let Some(id) = existing {
        return Ok((id, false));
    }
    let id = on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO comments (post_id, author_id, body, created_at, is_approved, parent_id) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(comment.post_id)
        .bind(comment.author_id)
        .bind(comment.body)
        .bind(comment.created_at)
        .bind(comment.is_approved)
        .bind(comment.parent_id)
        .fetch_one(c)
        .await
    })?;
    Ok((id, true))
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

/// A comment as the REST API represents it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiCommentRow {
    /// `comments.id`.
    pub id: i64,
    /// `comments.post_id`.
    pub post_id: i64,
    /// The author's email address (imported authors have none).
    pub author_email: Option<String>,
    /// `comments.body` (plain text).
    pub body: String,
    /// `comments.created_at`.
    pub created_at: DateTime<Utc>,
    /// `comments.is_approved`.
    pub is_approved: bool,
    /// `comments.parent_id`: the comment this one answers.
    pub parent_id: Option<i64>,
}

const API_COLUMNS: &str =
    "c.id, c.post_id, u.email AS author_email, c.body, c.created_at, c.is_approved, c.parent_id";

/// The approved comments of the posts `post_ids`, oldest first (one query for a whole page of
/// posts).
///
/// # Errors
/// The driver's error.
pub async fn list_approved_for_posts(
    conn: Conn<'_>,
    post_ids: &[i64],
) -> Result<Vec<ApiCommentRow>, sqlx::Error> {
    if post_ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=post_ids.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT {API_COLUMNS} FROM comments c JOIN users u ON u.id = c.author_id \
         WHERE c.post_id IN ({}) AND c.is_approved = TRUE AND u.is_active = TRUE \
         ORDER BY c.created_at, c.id",
        placeholders.join(", ")
    );
    on_conn!(conn, |c| {
        let mut query = sqlx::query_as::<_, ApiCommentRow>(&sql);
        for id in post_ids {
            query = query.bind(*id);
        }
        query.fetch_all(c).await
    })
}

/// The condition shared by [`count_approved_public`] and [`list_approved_public`]: approved,
/// by an active user, on a public post (`$1` is now), on post `$2` unless it is 0.
const APPROVED_PUBLIC: &str = "FROM comments c JOIN users u ON u.id = c.author_id \
     JOIN posts p ON p.id = c.post_id \
     WHERE c.is_approved = TRUE AND u.is_active = TRUE AND p.status = 'PUBLISHED' \
     AND p.published_at <= $1 AND ($2 = 0 OR c.post_id = $2)";

/// Counts the approved comments on public posts (on post `post_id` only, if given).
///
/// # Errors
/// The driver's error.
pub async fn count_approved_public(
    conn: Conn<'_>,
    post_id: Option<i64>,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT COUNT(*) {APPROVED_PUBLIC}");
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(&sql)
        .bind(now)
        .bind(post_id.unwrap_or(0))
        .fetch_one(c)
        .await)
}

/// Lists approved comments on public posts (on post `post_id` only, if given), oldest first.
///
/// # Errors
/// The driver's error.
pub async fn list_approved_public(
    conn: Conn<'_>,
    post_id: Option<i64>,
    now: DateTime<Utc>,
    limit: i64,
    offset: i64,
) -> Result<Vec<ApiCommentRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {API_COLUMNS} {APPROVED_PUBLIC} ORDER BY c.created_at, c.id LIMIT $3 OFFSET $4"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, ApiCommentRow>(&sql)
        .bind(now)
        .bind(post_id.unwrap_or(0))
        .bind(limit)
        .bind(offset)
        .fetch_all(c)
        .await)
}

/// Comment `id` in the API's shape, whatever its state.
///
/// # Errors
/// The driver's error.
pub async fn find_api(conn: Conn<'_>, id: i64) -> Result<Option<ApiCommentRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {API_COLUMNS} FROM comments c JOIN users u ON u.id = c.author_id WHERE c.id = $1"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, ApiCommentRow>(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}
