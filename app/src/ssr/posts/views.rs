//! Post views, counted in memory and written in batches: a view is a `+1` in a map, and about
//! once a second [`ViewCounter::flush`] adds every post's views in one transaction
//! (`view_count = view_count + n`, so views counted by other processes add up too). Reading a
//! post then needs no write, which on SQLite's single writer was what limited a post page.
//!
//! Nothing counted is lost: a flush that fails puts its counts back, and the server flushes once
//! more when it stops. Only a crash loses the views of the last second.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use crate::ssr::db::posts::public as posts;
use crate::ssr::db::Db;

/// The response header by which a rendered post page tells the page cache which post it shows,
/// so that serving the page from the cache counts a view too (the cache removes it; it never
/// reaches a client).
pub const VIEWED_POST_HEADER: &str = "x-folio-viewed-post";

/// How often the server writes the counted views.
pub const FLUSH_INTERVAL: Duration = Duration::from_secs(1);

/// Views counted since the last flush, by post id. Keep one per server, in an `Arc`.
#[derive(Debug, Default)]
pub struct ViewCounter {
    pending: Mutex<HashMap<i64, i64>>,
}

impl ViewCounter {
    /// An empty counter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one view of `post_id`; returns the post's views not yet written (this one included).
    pub fn record(&self, post_id: i64) -> i64 {
        let mut pending = self.lock();
        let count = pending.entry(post_id).or_insert(0);
        *count += 1;
        *count
    }

    /// The views of `post_id` not yet written.
    pub fn pending(&self, post_id: i64) -> i64 {
        self.lock().get(&post_id).copied().unwrap_or(0)
    }

    /// Writes the counted views in one transaction; returns how many views were written.
    /// Posts deleted meanwhile are skipped.
    ///
    /// # Errors
    /// The driver's error; the counts are then kept for the next flush.
    pub async fn flush(&self, db: &Db) -> Result<i64, sqlx::Error> {
        let taken = std::mem::take(&mut *self.lock());
        if taken.is_empty() {
            return Ok(0);
        }
        let mut counts: Vec<(i64, i64)> = taken.into_iter().collect();
        // One order for every writer, so two processes flushing at once cannot deadlock.
        counts.sort_unstable();
        match write(db, &counts).await {
            Ok(()) => Ok(counts.iter().map(|(_, n)| n).sum()),
            Err(error) => {
                let mut pending = self.lock();
                for (id, n) in counts {
                    *pending.entry(id).or_insert(0) += n;
                }
                Err(error)
            }
        }
    }

    /// Flushes every [`FLUSH_INTERVAL`] until the task is aborted (flush once more after that:
    /// see [`ViewCounter::flush`]).
    pub fn spawn_flusher(self: std::sync::Arc<Self>, db: Db) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(FLUSH_INTERVAL);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                if let Err(error) = self.flush(&db).await {
                    tracing::warn!(%error, "writing view counts failed; kept for the next try");
                }
            }
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, i64>> {
        // A panic while holding the lock cannot leave the map half-changed: use it as it is.
        self.pending
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn write(db: &Db, counts: &[(i64, i64)]) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for &(id, n) in counts {
        posts::add_views(tx.conn(), id, n).await?;
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_are_counted_per_post() {
        let counter = ViewCounter::new();
        assert_eq!(counter.record(1), 1);
        assert_eq!(counter.record(1), 2);
        assert_eq!(counter.record(2), 1);
        assert_eq!(counter.pending(1), 2);
        assert_eq!(counter.pending(3), 0);
    }
}
