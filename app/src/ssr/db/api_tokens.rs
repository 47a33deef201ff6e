//! Queries on `api_tokens`: the keys of `Authorization: Token <key>`, stored as SHA-256 hex.

use chrono::{DateTime, Utc};

use crate::on_conn;
use crate::ssr::db::users::AccountRow;
use crate::ssr::db::Conn;

/// Stores the digest of a new token of user `user_id`; returns the row id.
///
/// # Errors
/// The driver's error (a unique violation of `api_tokens_token_hash_key` only if 256 random bits
/// repeat).
pub async fn insert(
    conn: Conn<'_>,
    user_id: i64,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO api_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(user_id)
        .bind(token_hash)
        .bind(now)
        .fetch_one(c)
        .await
    })
}

/// A token's account and when the token was last used.
#[derive(Debug, sqlx::FromRow)]
pub struct TokenAccountRow {
    /// The account holding the token.
    #[sqlx(flatten)]
    pub account: AccountRow,
    /// `api_tokens.last_used_at`.
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The account owning the token with digest `token_hash` (active or not; the caller decides).
///
/// # Errors
/// The driver's error.
pub async fn find_account(
    conn: Conn<'_>,
    token_hash: &str,
) -> Result<Option<TokenAccountRow>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_as::<_, TokenAccountRow>(
            "SELECT u.id, u.email, u.username, u.display_name, u.bio, u.avatar_url, u.is_verified, \
             u.is_active, u.role, u.password_hash, t.last_used_at FROM api_tokens t \
             JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(c)
        .await
    })
}

/// How often `last_used_at` is refreshed.
pub const TOUCH_INTERVAL: chrono::Duration = chrono::Duration::minutes(1);

/// Records that the token with digest `token_hash` was used at `now` (callers do so at most
/// once a minute, so busy scripts do not write on every request; the condition makes racing
/// callers harmless).
///
/// # Errors
/// The driver's error.
pub async fn touch(
    conn: Conn<'_>,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let stale = now - TOUCH_INTERVAL;
    on_conn!(conn, |c| {
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2 \
             AND (last_used_at IS NULL OR last_used_at < $3)",
        )
        .bind(now)
        .bind(token_hash)
        .bind(stale)
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// Deletes the token with digest `token_hash`; returns whether it existed.
///
/// # Errors
/// The driver's error.
pub async fn delete(conn: Conn<'_>, token_hash: &str) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("DELETE FROM api_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .execute(c)
            .await
            .map(|r| r.rows_affected() > 0)
    })
}

/// Deletes every token of user `user_id` (on sign-out everywhere and on a password change);
/// returns how many.
///
/// # Errors
/// The driver's error.
pub async fn delete_for_user(conn: Conn<'_>, user_id: i64) -> Result<u64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("DELETE FROM api_tokens WHERE user_id = $1")
            .bind(user_id)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })
}
