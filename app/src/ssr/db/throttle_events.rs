//! Queries on `throttle_events`: the sliding-window log behind every database-backed throttle
//! (sign-in, sign-up, emailed links), shared by all servers on the database.

use chrono::{DateTime, Utc};

use crate::on_conn;
use crate::ssr::db::Conn;

/// Serialises throttle decisions on (`scope`, `key`) until the surrounding transaction ends.
///
/// PostgreSQL: a transaction-scoped advisory lock on a 64-bit hash of both, so two servers
/// checking the same key one after the other each see the other's reservation. SQLite: nothing
/// to do, as the reservation's first statement is a write, which takes the database's one write
/// lock for the rest of the transaction (other processes wait on the busy timeout).
///
/// Callers lock several keys in one order (sorted), so two transactions cannot deadlock.
///
/// # Errors
/// The driver's error.
pub async fn lock(conn: Conn<'_>, scope: &str, key: &str) -> Result<(), sqlx::Error> {
    match conn {
        Conn::Sqlite(_) => Ok(()),
        Conn::Postgres(c) => sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 7))")
            .bind(format!("{scope}\n{key}"))
            .execute(c)
            .await
            .map(|_| ()),
    }
}

/// Records one event of `key` in `scope` at `at`, kept until `expires_at`; its id.
///
/// # Errors
/// The driver's error.
pub async fn insert(
    conn: Conn<'_>,
    scope: &str,
    key: &str,
    at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO throttle_events (scope, key, happened_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(scope)
        .bind(key)
        .bind(at)
        .bind(expires_at)
        .fetch_one(c)
        .await
    })
}

/// The number of events of `key` in `scope` after `since`, and the oldest of them.
///
/// # Errors
/// The driver's error.
pub async fn count_since(
    conn: Conn<'_>,
    scope: &str,
    key: &str,
    since: DateTime<Utc>,
) -> Result<(i64, Option<DateTime<Utc>>), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_as::<_, (i64, Option<DateTime<Utc>>)>(
            "SELECT COUNT(*), MIN(happened_at) FROM throttle_events WHERE scope = $1 AND key = $2 AND happened_at > $3",
        )
        .bind(scope)
        .bind(key)
        .bind(since)
        .fetch_one(c)
        .await
    })
}

/// Deletes the events `ids` (a reservation whose attempt succeeded).
///
/// # Errors
/// The driver's error.
pub async fn delete_ids(conn: Conn<'_>, ids: &[i64]) -> Result<(), sqlx::Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "DELETE FROM throttle_events WHERE id IN ({})",
        placeholders.join(", ")
    );
    on_conn!(conn, |c| {
        let mut query = sqlx::query(&sql);
        for id in ids {
            query = query.bind(*id);
        }
        query.execute(c).await.map(|_| ())
    })
}

/// Deletes the events of `scope` whose key is `key`, or starts with `key` when `prefix`.
///
/// # Errors
/// The driver's error.
pub async fn clear(
    conn: Conn<'_>,
    scope: &str,
    key: &str,
    prefix: bool,
) -> Result<(), sqlx::Error> {
    let (sql, value) = if prefix {
        (
            "DELETE FROM throttle_events WHERE scope = $1 AND key LIKE $2 ESCAPE '\\'",
            format!("{}%", super::filter::escape_like(key)),
        )
    } else {
        (
            "DELETE FROM throttle_events WHERE scope = $1 AND key = $2",
            key.to_string(),
        )
    };
    on_conn!(conn, |c| sqlx::query(sql)
        .bind(scope)
        .bind(&value)
        .execute(c)
        .await
        .map(|_| ()))
}

/// Deletes the events whose window has passed; returns how many.
///
/// # Errors
/// The driver's error.
pub async fn delete_expired(conn: Conn<'_>, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("DELETE FROM throttle_events WHERE expires_at <= $1")
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })
}
