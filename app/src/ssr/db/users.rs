//! Queries on `users`.

use chrono::{DateTime, Utc};

use crate::model::PublicUser;
use crate::on_conn;
use crate::ssr::db::Conn;

/// The public columns of a user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublicUserRow {
    /// `users.username`.
    pub username: String,
    /// `users.display_name`.
    pub display_name: String,
    /// `users.bio`.
    pub bio: String,
    /// `users.avatar_url`.
    pub avatar_url: Option<String>,
}

impl From<PublicUserRow> for PublicUser {
    fn from(row: PublicUserRow) -> Self {
        Self::new(row.username, row.display_name, row.bio, row.avatar_url)
    }
}

/// Finds an active user by username (case-sensitive).
///
/// # Errors
/// The driver's error.
pub async fn find_public(
    conn: Conn<'_>,
    username: &str,
) -> Result<Option<PublicUserRow>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_as::<_, PublicUserRow>(
            "SELECT username, display_name, bio, avatar_url FROM users WHERE username = $1 AND is_active = TRUE",
        )
        .bind(username)
        .fetch_optional(c)
        .await
    })
}

/// Returns the id of the user with `username`, creating an author with an unusable password
/// (no password hash, no email) and `display_name` when there is none.
///
/// # Errors
/// The driver's error.
pub async fn ensure_author(
    conn: Conn<'_>,
    username: &str,
    display_name: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    // The no-op update makes RETURNING yield the existing row's id on conflict.
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO users (username, display_name, date_joined) VALUES ($1, $2, $3) \
             ON CONFLICT (username) DO UPDATE SET username = excluded.username RETURNING id",
        )
        .bind(username)
        .bind(display_name)
        .bind(now)
        .fetch_one(c)
        .await
    })
}

/// Every active user who has at least one public post (for the sitemap).
///
/// # Errors
/// The driver's error.
pub async fn list_usernames_with_public_posts(
    conn: Conn<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, String>(
            "SELECT u.username FROM users u WHERE u.is_active = TRUE AND EXISTS (SELECT 1 FROM posts p \
             WHERE p.author_id = u.id AND p.status = 'PUBLISHED' AND p.published_at <= $1) ORDER BY u.username",
        )
        .bind(now)
        .fetch_all(c)
        .await
    })
}
