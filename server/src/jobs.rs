//! Periodic housekeeping, run by the server: expired sessions, expired email tokens and
//! throttling events whose window has passed are deleted (Django's `clearsessions`, run for you).

use std::time::Duration;

use app::ssr::db::{sessions, throttle_events, tokens, Db};
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
    /// Throttling events (failed sign-ins, sign-ups, emailed links) past their window.
    pub throttle_events: u64,
}

/// Deletes expired sessions and tokens, and throttling events past their window.
///
/// # Errors
/// The driver's error.
pub async fn clean_up(db: &Db) -> Result<Cleaned, sqlx::Error> {
    let now = Utc::now();
    let mut conn = db.acquire_write().await?;
    Ok(Cleaned {
        sessions: sessions::delete_expired(conn.conn(), now).await?,
        tokens: tokens::delete_expired(conn.conn(), now).await?,
        throttle_events: throttle_events::delete_expired(conn.conn(), now).await?,
    })
}

/// Runs [`clean_up`] now and then every `every`, logging what it removed; stops when the task
/// is aborted.
pub fn spawn_cleanup(db: Db, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            match clean_up(&db).await {
                Ok(cleaned) => tracing::info!(
                    sessions = cleaned.sessions,
                    tokens = cleaned.tokens,
                    throttle_events = cleaned.throttle_events,
                    "clean-up done"
                ),
                Err(error) => tracing::error!(%error, "clean-up failed"),
            }
        }
    })
}
