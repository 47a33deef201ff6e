//! Periodic housekeeping, run by the server: expired sessions, expired email tokens and old
//! sign-in failures are deleted (Django's `clearsessions`, run for you).

use std::time::Duration;

use app::ssr::db::{login_failures, sessions, tokens, Db};
use chrono::Utc;

/// How often the clean-up runs.
pub const CLEANUP_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// What one clean-up removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cleaned {
    /// Expired sessions.
    pub sessions: u64,
    /// Expired password-reset and verification tokens.
    pub tokens: u64,
    /// Sign-in failures older than the throttling window.
    pub login_failures: u64,
}

/// Deletes expired sessions and tokens, and sign-in failures older than `throttle_window`.
///
/// # Errors
/// The driver's error.
pub async fn clean_up(db: &Db, throttle_window: Duration) -> Result<Cleaned, sqlx::Error> {
    let now = Utc::now();
    let mut conn = db.acquire_write().await?;
    let window =
        chrono::Duration::from_std(throttle_window).unwrap_or(chrono::Duration::minutes(15));
    Ok(Cleaned {
        sessions: sessions::delete_expired(conn.conn(), now).await?,
        tokens: tokens::delete_expired(conn.conn(), now).await?,
        login_failures: login_failures::delete_older_than(conn.conn(), now - window).await?,
    })
}

/// Runs [`clean_up`] now and then every `every`, logging what it removed; stops when the task
/// is aborted.
pub fn spawn_cleanup(
    db: Db,
    throttle_window: Duration,
    every: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            match clean_up(&db, throttle_window).await {
                Ok(cleaned) => tracing::info!(
                    sessions = cleaned.sessions,
                    tokens = cleaned.tokens,
                    login_failures = cleaned.login_failures,
                    "clean-up done"
                ),
                Err(error) => tracing::error!(%error, "clean-up failed"),
            }
        }
    })
}
