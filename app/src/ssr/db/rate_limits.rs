//! Queries on `rate_limits`: request rates counted in the database, so that every process on it
//! counts the same (the REST API's and the search pages' throttles when
//! `FOLIO_THROTTLE_STORE=database`).
//!
//! Each key keeps one number, its GCRA "theoretical arrival time" (TAT; the Generic Cell Rate
//! Algorithm of ITU-T I.371, the one the `governor` crate implements in memory): a request at
//! `now` is allowed when `max(TAT, now) + interval <= now + period`, and then moves the TAT to
//! `max(TAT, now) + interval`. With `interval = period / requests` that lets a full period's
//! requests through in a burst and then one every `interval`, as DRF's throttles do. The check
//! and the update are one `INSERT … ON CONFLICT DO UPDATE … WHERE` statement, so two processes
//! counting the same key are serialised by the row's lock and cannot both take the last request.
//!
//! Times are microseconds since the Unix epoch, from the caller's clock (the servers' clocks must
//! agree, as they must for sessions and jobs).

use crate::on_conn;
use crate::ssr::db::Conn;

/// Counts one request of `key` at `now` (µs) against a rate of one request per `interval` (µs)
/// with bursts up to `period` (µs): `None` when allowed, else the microseconds until a request
/// of `key` will be (at least 1). A refused request is not counted.
///
/// # Errors
/// The driver's error.
pub async fn check(
    mut conn: Conn<'_>,
    key: &str,
    now: i64,
    interval: i64,
    period: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let allowed: Option<i64> = on_conn!(conn.reborrow(), |c| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO rate_limits (key, theoretical_arrival) VALUES ($1, $2 + $3) \
             ON CONFLICT (key) DO UPDATE SET theoretical_arrival = \
               (CASE WHEN rate_limits.theoretical_arrival > $2 \
                     THEN rate_limits.theoretical_arrival ELSE $2 END) + $3 \
             WHERE (CASE WHEN rate_limits.theoretical_arrival > $2 \
                         THEN rate_limits.theoretical_arrival ELSE $2 END) + $3 <= $2 + $4 \
             RETURNING theoretical_arrival",
        )
        .bind(key)
        .bind(now)
        .bind(interval)
        .bind(period)
        .fetch_optional(c)
        .await?
    });
    if allowed.is_some() {
        return Ok(None);
    }
    let arrival: Option<i64> = on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>("SELECT theoretical_arrival FROM rate_limits WHERE key = $1")
            .bind(key)
            .fetch_optional(c)
            .await?
    });
    // Allowed again once max(TAT, t) + interval <= t + period, i.e. at t = TAT + interval - period.
    let wait = arrival.map_or(1, |tat| tat.saturating_add(interval) - period - now);
    Ok(Some(wait.max(1)))
}

/// Deletes the keys whose theoretical arrival time is before `now` (µs): they mean the same as
/// no row. Returns how many.
///
/// # Errors
/// The driver's error.
pub async fn delete_idle(conn: Conn<'_>, now: i64) -> Result<u64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("DELETE FROM rate_limits WHERE theoretical_arrival < $1")
            .bind(now)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })
}
