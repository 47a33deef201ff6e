//! Background jobs: what a job is, how it is queued, and how long a failed one waits.
//!
//! Jobs are rows in Folio's own database (`jobs`, see [`crate::ssr::db::jobs`]), so they survive
//! a restart and every Folio process on the database shares them, as Celery's tasks do through
//! its broker in the Django original. Workers (in `folio serve`, or `folio worker` processes)
//! take them; the server crate runs them. Code that needs something done later queues a [`Job`]
//! through the [`JobQueue`] in [`crate::ssr::AppState`].

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::ssr::db::jobs::{self as rows, NewJobRow};
use crate::ssr::db::{Conn, Db};
use crate::ssr::mail::OutgoingEmail;

/// A unit of background work, with its arguments. Stored as JSON: renaming a variant or a field
/// strands queued jobs of the old name (they fail with a payload error), so names are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Deliver one email (verification, password reset, notices).
    SendEmail {
        /// The message.
        email: OutgoingEmail,
    },
    /// Delete expired sessions, tokens, throttling records and old finished jobs (Django's
    /// `clearsessions`, run for you).
    CleanUp,
    /// Keep the full-text search index compact (SQLite FTS5 `merge`; PostgreSQL `ANALYZE`).
    OptimizeSearchIndex,
    /// Find the posts that became public and queue their newsletters (every minute).
    NewsletterSweep,
    /// Email post `post_id` to every confirmed subscriber, once each.
    SendNewsletter {
        /// The post.
        post_id: i64,
    },
}

impl Job {
    /// Every kind of job, as stored in `jobs.kind`.
    pub const KINDS: [&'static str; 5] = [
        "send_email",
        "clean_up",
        "optimize_search_index",
        "newsletter_sweep",
        "send_newsletter",
    ];

    /// The stored kind (`send_email`, `clean_up`, `optimize_search_index`).
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::SendEmail { .. } => "send_email",
            Self::CleanUp => "clean_up",
            Self::OptimizeSearchIndex => "optimize_search_index",
            Self::NewsletterSweep => "newsletter_sweep",
            Self::SendNewsletter { .. } => "send_newsletter",
        }
    }

    /// Attempts before the job is marked failed. An email is retried for about a day (a mail
    /// server down overnight still gets its mail); housekeeping runs again on its next slot.
    pub const fn max_attempts(&self) -> i64 {
        match self {
            Self::SendEmail { .. } | Self::SendNewsletter { .. } => 20,
            Self::CleanUp | Self::OptimizeSearchIndex | Self::NewsletterSweep => 3,
        }
    }

    /// The longest one attempt may take before it counts as failed.
    pub const fn timeout(&self) -> Duration {
        match self {
            Self::SendEmail { .. } => Duration::from_secs(60),
            Self::CleanUp => Duration::from_secs(10 * 60),
            Self::OptimizeSearchIndex => Duration::from_secs(30 * 60),
            Self::NewsletterSweep => Duration::from_secs(60),
            // Sending resumes where it stopped, so a newsletter to a large list may take many
            // attempts' worth of time without harm.
            Self::SendNewsletter { .. } => Duration::from_secs(6 * 60 * 60),
        }
    }

    /// The job as stored in `jobs.payload`.
    pub fn to_payload(&self) -> String {
        // A derived Serialize of strings and unit variants cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a stored payload.
    ///
    /// # Errors
    /// serde_json's error for a payload this version cannot read.
    pub fn from_payload(payload: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(payload)
    }
}

/// When and how a job is queued.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Enqueue {
    /// Not before this time (`None`: now).
    pub run_at: Option<DateTime<Utc>>,
    /// A key that makes queuing idempotent: a second job with the same key is not queued (the
    /// key stays used after the first job finished).
    pub idempotency_key: Option<String>,
}

/// The queue: inserts jobs and wakes this process's workers at once. Other processes' workers
/// are woken by PostgreSQL (a trigger notifies `folio_jobs` on commit, see the server's
/// `cluster` module); on SQLite they find the job on their next poll.
#[derive(Debug, Clone)]
pub struct JobQueue {
    db: Db,
    wake: Arc<Notify>,
}

impl JobQueue {
    /// A queue on `db`.
    pub fn new(db: Db) -> Self {
        Self {
            db,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Queues `job` to run now; its id.
    ///
    /// # Errors
    /// The driver's error.
    pub async fn push(&self, job: &Job) -> Result<i64, sqlx::Error> {
        let id = self.push_with(job, Enqueue::default()).await?;
        // Without an idempotency key the insert cannot be skipped.
        id.ok_or(sqlx::Error::RowNotFound)
    }

    /// Queues `job` as `options` say; its id, or `None` when its idempotency key was used.
    ///
    /// # Errors
    /// The driver's error.
    pub async fn push_with(&self, job: &Job, options: Enqueue) -> Result<Option<i64>, sqlx::Error> {
        let mut conn = self.db.acquire_write().await?;
        let id = push_on(conn.conn(), job, &options, Utc::now()).await?;
        drop(conn);
        self.wake();
        Ok(id)
    }

    /// Tells this process's workers that a job may be due (after [`push_on`] in a transaction
    /// that has committed).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Waits until [`JobQueue::wake`] is called (a call made while nobody waited is kept for the
    /// next waiter).
    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    /// The queue's database.
    pub fn db(&self) -> &Db {
        &self.db
    }
}

/// Queues `job` on `conn` (a transaction, so the job exists only if the rest of it commits);
/// its id, or `None` when its idempotency key was used. Call [`JobQueue::wake`] after commit.
///
/// # Errors
/// The driver's error.
pub async fn push_on(
    conn: Conn<'_>,
    job: &Job,
    options: &Enqueue,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    let payload = job.to_payload();
    rows::insert(
        conn,
        &NewJobRow {
            kind: job.kind(),
            payload: &payload,
            max_attempts: job.max_attempts(),
            run_at: options.run_at.unwrap_or(now),
            idempotency_key: options.idempotency_key.as_deref(),
        },
        now,
    )
    .await
}

/// How long a job waits after its `attempt`-th failed attempt (1-based): exponential backoff,
/// `base × 2^(attempt-1)` capped at `max`, with "equal jitter" (half the delay fixed, half
/// random) so that jobs failing together do not retry together (AWS Architecture Blog,
/// "Exponential Backoff And Jitter"). `jitter` is a number in `[0, 1)` (random in production).
pub fn backoff(attempt: i64, base: Duration, max: Duration, jitter: f64) -> Duration {
    let exponent = u32::try_from(attempt.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    let delay = base.saturating_mul(1u32 << exponent).min(max);
    let jitter = jitter.clamp(0.0, 1.0);
    delay / 2 + delay.mul_f64(jitter / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitters_within_the_upper_half() {
        let base = Duration::from_secs(10);
        let max = Duration::from_secs(3600);
        assert_eq!(backoff(1, base, max, 0.0), Duration::from_secs(5));
        let top = backoff(1, base, max, 0.999_999);
        assert!(
            top < Duration::from_secs(10) && top > Duration::from_millis(9_990),
            "{top:?}"
        );
        assert_eq!(backoff(2, base, max, 0.0), Duration::from_secs(10));
        assert_eq!(backoff(4, base, max, 0.0), Duration::from_secs(40));
        // 10 s × 2^9 = 5,120 s > 1 h: capped.
        assert_eq!(backoff(10, base, max, 0.0), Duration::from_secs(1800));
        assert_eq!(backoff(1_000, base, max, 0.5), Duration::from_secs(2700));
        // Nonsense input stays in range.
        assert_eq!(backoff(0, base, max, 0.0), Duration::from_secs(5));
        assert_eq!(backoff(-3, base, max, 2.0), Duration::from_secs(10));
    }

    #[test]
    fn jobs_round_trip_through_their_payload_and_name_their_kind() {
        let jobs = [
            Job::SendEmail {
                email: OutgoingEmail {
                    to: "ada@example.org".into(),
                    subject: "Hello".into(),
                    body: "Line one\nLine two".into(),
                },
            },
            Job::CleanUp,
            Job::OptimizeSearchIndex,
            Job::NewsletterSweep,
            Job::SendNewsletter { post_id: 42 },
        ];
        for job in &jobs {
            let payload = job.to_payload();
            assert!(
                payload.contains(&format!("\"kind\":\"{}\"", job.kind())),
                "{payload}"
            );
            assert_eq!(&Job::from_payload(&payload).unwrap(), job);
            assert!(Job::KINDS.contains(&job.kind()));
        }
        assert!(Job::from_payload("{\"kind\":\"launch_rockets\"}").is_err());
        assert!(Job::from_payload("not json").is_err());
    }
}
