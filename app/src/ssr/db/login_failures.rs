//! Queries on `login_failures`: failed sign-ins per account and per client address.

use chrono::{DateTime, Utc};

use crate::on_conn;
use crate::ssr::db::Conn;

/// What a failure is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureScope {
    /// The email address that was tried (lower case).
    Account,
    /// The client's IP address.
    Address,
}

impl FailureScope {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::Address => "address",
        }
    }
}

/// Records one failure.
///
/// # Errors
/// The driver's error.
pub async fn record(
    conn: Conn<'_>,
    scope: FailureScope,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("INSERT INTO login_failures (scope, key, failed_at) VALUES ($1, $2, $3)")
            .bind(scope.as_str())
            .bind(key)
            .bind(now)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// The number of failures of `key` since `since`, and the oldest of them.
///
/// # Errors
/// The driver's error.
pub async fn count_since(
    conn: Conn<'_>,
    scope: FailureScope,
    key: &str,
    since: DateTime<Utc>,
) -> Result<(i64, Option<DateTime<Utc>>), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_as::<_, (i64, Option<DateTime<Utc>>)>(
            "SELECT COUNT(*), MIN(failed_at) FROM login_failures WHERE scope = $1 AND key = $2 AND failed_at > $3",
        )
        .bind(scope.as_str())
        .bind(key)
        .bind(since)
        .fetch_one(c)
        .await
    })
}

/// Forgets the failures of `key` (after a successful sign-in or a password reset).
///
/// # Errors
/// The driver's error.
pub async fn clear(conn: Conn<'_>, scope: FailureScope, key: &str) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("DELETE FROM login_failures WHERE scope = $1 AND key = $2")
            .bind(scope.as_str())
            .bind(key)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// Deletes failures older than `before`; returns how many.
///
/// # Errors
/// The driver's error.
pub async fn delete_older_than(conn: Conn<'_>, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("DELETE FROM login_failures WHERE failed_at <= $1")
            .bind(before)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })
}
