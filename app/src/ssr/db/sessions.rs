//! Queries on `sessions`: the tower-sessions records, as JSON text with their expiry.

use chrono::{DateTime, Utc};

use crate::on_conn;
use crate::ssr::db::Conn;

/// Inserts a new session; returns `false` (and changes nothing) when `id` is already taken.
///
/// # Errors
/// The driver's error.
pub async fn insert_new(
    conn: Conn<'_>,
    id: &str,
    data: &str,
    expiry_date: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = on_conn!(conn, |c| {
        sqlx::query(
            "INSERT INTO sessions (id, data, expiry_date) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(id)
        .bind(data)
        .bind(expiry_date)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })?;
    Ok(done == 1)
}

/// Inserts or replaces the session `id`.
///
/// # Errors
/// The driver's error.
pub async fn upsert(
    conn: Conn<'_>,
    id: &str,
    data: &str,
    expiry_date: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
            "INSERT INTO sessions (id, data, expiry_date) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET data = excluded.data, expiry_date = excluded.expiry_date",
        )
        .bind(id)
        .bind(data)
        .bind(expiry_date)
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// The data of session `id` if it exists and expires after `now`.
///
/// # Errors
/// The driver's error.
pub async fn load(
    conn: Conn<'_>,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<(String, DateTime<Utc>)>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_as::<_, (String, DateTime<Utc>)>(
            "SELECT data, expiry_date FROM sessions WHERE id = $1 AND expiry_date > $2",
        )
        .bind(id)
        .bind(now)
        .fetch_optional(c)
        .await
    })
}

/// Deletes session `id` (nothing when it does not exist).
///
/// # Errors
/// The driver's error.
pub async fn delete(conn: Conn<'_>, id: &str) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// Deletes every session that expired at or before `now`; returns how many.
///
/// # Errors
/// The driver's error.
pub async fn delete_expired(conn: Conn<'_>, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("DELETE FROM sessions WHERE expiry_date <= $1")
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })
}

/// Deletes every session whose data signs in user `user_id`, except `keep` (the current one):
/// used when a password changes or is reset, so other devices are signed out.
///
/// # Errors
/// The driver's error.
pub async fn delete_for_user(
    conn: Conn<'_>,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64, sqlx::Error> {
    // The user id is stored as `"_auth_user_id":<n>` in the JSON text written by this module's
    // store; the pattern includes the closing delimiter so 12 does not match 123.
    let pattern_comma = format!("%\"_auth_user_id\":{user_id},%");
    let pattern_end = format!("%\"_auth_user_id\":{user_id}}}%");
    on_conn!(conn, |c| {
        sqlx::query("DELETE FROM sessions WHERE (data LIKE $1 OR data LIKE $2) AND id <> $3")
            .bind(&pattern_comma)
            .bind(&pattern_end)
            .bind(keep.unwrap_or(""))
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })
}
