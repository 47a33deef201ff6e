//! Queries on `account_tokens`: single-use tokens sent by email, stored as SHA-256 hex digests.

use chrono::{DateTime, Utc};

use crate::on_conn;
use crate::ssr::db::Conn;

/// What a token is for (`account_tokens.purpose`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Set a new password without knowing the old one.
    PasswordReset,
    /// Prove the email address belongs to the user.
    EmailVerification,
}

impl TokenPurpose {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PasswordReset => "password_reset",
            Self::EmailVerification => "email_verification",
        }
    }
}

/// Stores a token digest for `user_id`, valid until `expires_at`.
///
/// # Errors
/// The driver's error.
pub async fn insert(
    conn: Conn<'_>,
    user_id: i64,
    purpose: TokenPurpose,
    token_hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
            "INSERT INTO account_tokens (user_id, purpose, token_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(user_id)
        .bind(purpose.as_str())
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// Deletes the token with `token_hash` and `purpose` if it has not expired, returning its user:
/// a token works once.
///
/// # Errors
/// The driver's error.
pub async fn consume(
    conn: Conn<'_>,
    purpose: TokenPurpose,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
            "DELETE FROM account_tokens WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3 \
             RETURNING user_id",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now)
        .fetch_optional(c)
        .await
    })
}

/// The user of an unexpired token, without using it up (to show the form the link leads to).
///
/// # Errors
/// The driver's error.
pub async fn peek(
    conn: Conn<'_>,
    purpose: TokenPurpose,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
            "SELECT user_id FROM account_tokens WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3",
        )
        .bind(token_hash)
        .bind(purpose.as_str())
        .bind(now)
        .fetch_optional(c)
        .await
    })
}

/// Deletes every token of `user_id` for `purpose` (a password change kills reset links).
///
/// # Errors
/// The driver's error.
pub async fn delete_for_user(
    conn: Conn<'_>,
    user_id: i64,
    purpose: TokenPurpose,
) -> Result<u64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("DELETE FROM account_tokens WHERE user_id = $1 AND purpose = $2")
            .bind(user_id)
            .bind(purpose.as_str())
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })
}

/// Deletes every token that expired at or before `now`; returns how many.
///
/// # Errors
/// The driver's error.
pub async fn delete_expired(conn: Conn<'_>, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("DELETE FROM account_tokens WHERE expires_at <= $1")
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })
}
