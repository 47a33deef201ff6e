//! Running background jobs: workers that take jobs from the queue in the database and run them,
//! the periodic schedule (Celery beat's part), and the housekeeping jobs themselves.
//!
//! A worker takes one due job at a time per free slot ([`WorkerSettings::concurrency`]), holds it
//! with a lease it renews while the job runs, and records the outcome: done; queued again after
//! an exponential backoff with jitter ([`app::ssr::jobs::backoff`]); or failed, with the error
//! kept, once the attempts are used up or the error cannot go away by retrying. A worker that is
//! killed leaves a lease that runs out, and the job is taken again. On shutdown a worker takes
//! nothing new, lets running jobs finish until the deadline, and returns the rest to the queue.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use app::ssr::db::jobs::{self as rows, JobRow};
use app::ssr::db::{posts::search, sessions, throttle_events, tokens, Db};
use app::ssr::jobs::{backoff, Enqueue, Job, JobQueue};
use app::ssr::mail::{MailError, Mailer};
use chrono::{DateTime, Utc};
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

/// How long finished (`done`, `cancelled`) jobs are kept before the clean-up deletes them.
pub const KEEP_FINISHED: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// How long `failed` jobs are kept (for staff to look into and retry).
pub const KEEP_FAILED: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// How a process runs jobs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WorkerSettings {
    /// `FOLIO_WORKERS`: jobs run at once by `folio serve` (default 2; 0: none, leave them to
    /// `folio worker`). `folio worker --concurrency N` sets its own.
    pub concurrency: usize,
    /// `FOLIO_JOB_POLL_SECONDS`: how often an idle worker looks for due jobs (default 1 s; a
    /// job queued by the same process, or by any process on PostgreSQL, wakes it at once).
    pub poll_interval: Duration,
    /// `FOLIO_JOB_RETRY_SECONDS`: the wait after a job's first failed attempt, doubled after
    /// each further one (default 10 s).
    pub retry_base: Duration,
    /// `FOLIO_JOB_RETRY_MAX_SECONDS`: the longest wait between attempts (default 1 h).
    pub retry_max: Duration,
    /// `FOLIO_JOB_LEASE_SECONDS`: how long a job stays taken without a sign of life from its
    /// worker (renewed every third of it; default 60 s). A killed worker's job runs again after
    /// this.
    pub lease: Duration,
    /// `FOLIO_SHUTDOWN_TIMEOUT`: how long running jobs may take to finish at shutdown.
    pub shutdown_timeout: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            concurrency: 2,
            poll_interval: Duration::from_secs(1),
            retry_base: Duration::from_secs(10),
            retry_max: Duration::from_secs(60 * 60),
            lease: Duration::from_secs(60),
            shutdown_timeout: Duration::from_secs(20),
        }
    }
}

/// What jobs need to run: the database, the queue (jobs may queue jobs), the mailer, and for
/// newsletters the site's address and secret key (unsubscribe links) and the sending rate.
#[derive(Debug, Clone)]
pub struct JobContext {
    /// The database.
    pub db: Db,
    /// The queue on that database.
    pub queue: JobQueue,
    /// Where email goes.
    pub mailer: Mailer,
    /// Site name and base URL (links in emails).
    pub site: app::model::SiteInfo,
    /// The secret key that signs unsubscribe links.
    pub secret_key: app::ssr::auth::SecretKey,
    /// `FOLIO_MAIL_RATE`: newsletter messages per second at most (`None`: no limit).
    pub mail_rate: Option<f64>,
}

/// Why one attempt of a job failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// Sending an email failed.
    #[error(transparent)]
    Mail(#[from] MailError),
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
}

impl JobError {
    /// Whether another attempt can succeed (a mail server or database that is down); false for
    /// an email that cannot be built, which fails at once.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Mail(error) => error.is_transient(),
            Self::Database(_) => true,
        }
    }
}

/// Runs one job once.
///
/// # Errors
/// [`JobError`] when the attempt failed.
pub async fn execute(ctx: &JobContext, job: &Job) -> Result<(), JobError> {
    match job {
        Job::SendEmail { email } => ctx.mailer.send(email).await?,
        Job::CleanUp => {
            let cleaned = clean_up(&ctx.db).await?;
            tracing::info!(
                sessions = cleaned.sessions,
                tokens = cleaned.tokens,
                throttle_events = cleaned.throttle_events,
                jobs = cleaned.jobs,
                "clean-up done"
            );
        }
        Job::OptimizeSearchIndex => {
            let mut conn = ctx.db.acquire_write().await?;
            search::optimize(conn.conn()).await?;
            tracing::info!("search index optimised");
        }
        Job::NewsletterSweep => {
            app::ssr::newsletter::sweep(&ctx.queue, Utc::now()).await?;
        }
        Job::SendNewsletter { post_id } => crate::newsletter::send(ctx, *post_id).await?,
    }
    Ok(())
}

/// What one clean-up removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cleaned {
    /// Expired sessions.
    pub sessions: u64,
    /// Expired password-reset and verification tokens.
    pub tokens: u64,
    /// Throttling events (failed sign-ins, sign-ups, emailed links) past their window.
    pub throttle_events: u64,
    /// Finished jobs past [`KEEP_FINISHED`] and failed ones past [`KEEP_FAILED`].
    pub jobs: u64,
}

/// Deletes expired sessions and tokens, throttling events past their window and old finished
/// jobs.
///
/// # Errors
/// The driver's error.
pub async fn clean_up(db: &Db) -> Result<Cleaned, sqlx::Error> {
    let now = Utc::now();
    let before = |age: Duration| now - chrono::Duration::from_std(age).unwrap_or_default();
    let mut conn = db.acquire_write().await?;
    Ok(Cleaned {
        sessions: sessions::delete_expired(conn.conn(), now).await?,
        tokens: tokens::delete_expired(conn.conn(), now).await?,
        throttle_events: throttle_events::delete_expired(conn.conn(), now).await?,
        jobs: rows::delete_finished(conn.conn(), before(KEEP_FINISHED), before(KEEP_FAILED))
            .await?,
    })
}

/// Queues a newsletter sweep as soon as this process publishes a post (created published, or
/// published later), so its newsletter goes out at once rather than at the next minute's sweep;
/// the sweep decides what is due, so an extra one is harmless. Posts scheduled for later, and
/// posts published by other processes, are found by the periodic sweep. Stops when `events`
/// closes.
pub fn sweep_on_publish(
    events: &app::ssr::posts::PostEvents,
    queue: JobQueue,
) -> tokio::task::JoinHandle<()> {
    use app::ssr::posts::events::PostChange;
    use tokio::sync::broadcast::error::RecvError;
    let mut receiver = events.subscribe();
    tokio::spawn(async move {
        loop {
            let publish = match receiver.recv().await {
                Ok(event) => {
                    let now = Utc::now();
                    let public = event.after.as_ref().is_some_and(|a| a.is_public_at(now));
                    public && matches!(event.change, PostChange::Published | PostChange::Created)
                }
                // Missed events may have been publications: sweep to be sure.
                Err(RecvError::Lagged(_)) => true,
                Err(RecvError::Closed) => break,
            };
            if publish {
                // One sweep at the start of the next second covers every publication of this
                // one: a bulk publish of a thousand posts queues one sweep, not a thousand.
                let due = Utc::now().timestamp() + 1;
                let options = Enqueue {
                    run_at: DateTime::<Utc>::from_timestamp(due, 0),
                    idempotency_key: Some(format!("newsletter_sweep@publish-{due}")),
                };
                if let Err(error) = queue.push_with(&Job::NewsletterSweep, options).await {
                    tracing::error!(%error, "cannot queue a newsletter sweep");
                }
            }
        }
    })
}

/// A job queued on a fixed period (Celery beat's schedule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Periodic {
    /// The job.
    pub job: Job,
    /// How often: one job per slot of this length, slots counted from the Unix epoch (so every
    /// process agrees on them).
    pub every: Duration,
}

/// Folio's schedule: the newsletter sweep every minute, the clean-up every hour, search index
/// maintenance every day.
pub fn schedule() -> Vec<Periodic> {
    vec![
        Periodic {
            job: Job::NewsletterSweep,
            every: Duration::from_secs(60),
        },
        Periodic {
            job: Job::CleanUp,
            every: Duration::from_secs(60 * 60),
        },
        Periodic {
            job: Job::OptimizeSearchIndex,
            every: Duration::from_secs(24 * 60 * 60),
        },
    ]
}

/// The start of the slot of length `every` that `now` falls in, and the idempotency key of
/// `job`'s run in that slot (`clean_up@2026-12-01T13:00:00Z`): however many processes queue it,
/// the slot's job exists once.
pub fn slot(job: &Job, every: Duration, now: DateTime<Utc>) -> (DateTime<Utc>, String) {
    let length = i64::try_from(every.as_secs().max(1)).unwrap_or(i64::MAX);
    let start = now.timestamp().div_euclid(length) * length;
    let start = DateTime::<Utc>::from_timestamp(start, 0).unwrap_or(now);
    let key = format!(
        "{}@{}",
        job.kind(),
        start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    (start, key)
}

/// Queues the periodic jobs whose current slot this process has not queued yet.
struct Scheduler {
    schedule: Vec<Periodic>,
    queued: HashMap<&'static str, DateTime<Utc>>,
}

impl Scheduler {
    fn new(schedule: Vec<Periodic>) -> Self {
        Self {
            schedule,
            queued: HashMap::new(),
        }
    }

    async fn queue_due(&mut self, queue: &JobQueue, now: DateTime<Utc>) {
        for periodic in &self.schedule {
            let (start, key) = slot(&periodic.job, periodic.every, now);
            if self.queued.get(periodic.job.kind()) == Some(&start) {
                continue;
            }
            let options = Enqueue {
                run_at: Some(start),
                idempotency_key: Some(key),
            };
            match queue.push_with(&periodic.job, options).await {
                Ok(id) => {
                    if let Some(id) = id {
                        tracing::debug!(
                            job_id = id,
                            kind = periodic.job.kind(),
                            "periodic job queued"
                        );
                    }
                    self.queued.insert(periodic.job.kind(), start);
                }
                Err(error) => {
                    tracing::error!(%error, kind = periodic.job.kind(), "cannot queue a periodic job")
                }
            }
        }
    }
}

/// Running workers of one process; [`Workers::stop`] ends them gracefully.
pub struct Workers {
    id: String,
    stop: watch::Sender<bool>,
    handle: tokio::task::JoinHandle<()>,
    /// On PostgreSQL, the task that wakes the workers when another process queues a job.
    listener: Option<tokio::task::JoinHandle<()>>,
}

/// A name for this process's workers, unique among processes: host, process id and a random
/// suffix (`web-1:4242:9f3a`).
pub fn worker_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string());
    format!(
        "{host}:{}:{:04x}",
        std::process::id(),
        rand::random::<u16>()
    )
}

impl Workers {
    /// Starts `settings.concurrency` job slots (at least one) and the periodic schedule on the
    /// current runtime.
    pub fn start(ctx: JobContext, settings: WorkerSettings, schedule: Vec<Periodic>) -> Self {
        let id = worker_id();
        let (stop, stopped) = watch::channel(false);
        let listener = crate::cluster::wake_on_queued_jobs(&ctx.db, ctx.queue.clone());
        let handle = tokio::spawn(supervise(ctx, settings, id.clone(), schedule, stopped));
        tracing::info!(worker = %id, concurrency = settings.concurrency.max(1), "job workers started");
        Self {
            id,
            stop,
            handle,
            listener,
        }
    }

    /// This process's worker name (what `jobs.locked_by` holds while it runs a job).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Takes no new job, waits for the running ones until the shutdown deadline and returns
    /// those still running to the queue.
    pub async fn stop(self) {
        if let Some(listener) = &self.listener {
            listener.abort();
        }
        let _ = self.stop.send(true);
        let _ = self.handle.await;
    }
}

async fn supervise(
    ctx: JobContext,
    settings: WorkerSettings,
    worker: String,
    schedule: Vec<Periodic>,
    mut stopped: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    let mut running = JoinSet::new();
    let mut scheduler = Scheduler::new(schedule);
    loop {
        if *stopped.borrow() {
            break;
        }
        while running.try_join_next().is_some() {}
        scheduler.queue_due(&ctx.queue, Utc::now()).await;
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            _ = stopped.changed() => break,
        };
        match take(&ctx.db, &worker, settings.lease).await {
            Ok(Some(job)) => {
                running.spawn(run(ctx.clone(), settings, worker.clone(), job, permit));
                continue;
            }
            Ok(None) => drop(permit),
            Err(error) => {
                drop(permit);
                tracing::error!(%error, "cannot take a job from the queue");
            }
        }
        tokio::select! {
            () = ctx.queue.woken() => {}
            () = tokio::time::sleep(settings.poll_interval) => {}
            _ = stopped.changed() => break,
        }
    }
    let finished = tokio::time::timeout(settings.shutdown_timeout, async {
        while running.join_next().await.is_some() {}
    })
    .await;
    if finished.is_err() {
        running.abort_all();
        while running.join_next().await.is_some() {}
        match ctx.db.acquire_write().await {
            Ok(mut conn) => match rows::release_all(conn.conn(), &worker, Utc::now()).await {
                Ok(n) => tracing::warn!(
                    jobs = n,
                    "shutdown deadline passed: unfinished jobs returned to the queue"
                ),
                Err(error) => {
                    tracing::error!(%error, "unfinished jobs could not be returned to the queue; they run again when their lease ends")
                }
            },
            Err(error) => {
                tracing::error!(%error, "unfinished jobs could not be returned to the queue; they run again when their lease ends")
            }
        }
    }
    tracing::info!(worker = %worker, "job workers stopped");
}

fn lease_end(now: DateTime<Utc>, lease: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60))
}

/// Fails jobs abandoned on their last attempt, then takes the next due job.
async fn take(db: &Db, worker: &str, lease: Duration) -> Result<Option<JobRow>, sqlx::Error> {
    let now = Utc::now();
    let mut conn = db.acquire_write().await?;
    let abandoned = rows::fail_abandoned(conn.conn(), now).await?;
    if abandoned > 0 {
        tracing::error!(
            jobs = abandoned,
            "jobs failed: their worker stopped during the last attempt"
        );
    }
    rows::claim(conn.conn(), worker, now, lease_end(now, lease)).await
}

/// How one attempt ended.
enum Outcome {
    Done,
    Retry(String),
    Fail(String),
}

/// Aborts a task when dropped (the attempt is cancelled with the worker's own task).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn run(
    ctx: JobContext,
    settings: WorkerSettings,
    worker: String,
    row: JobRow,
    _slot: tokio::sync::OwnedSemaphorePermit,
) {
    let started = std::time::Instant::now();
    let outcome = match Job::from_payload(&row.payload) {
        Err(error) => Outcome::Fail(format!(
            "this version of Folio cannot read the job: {error}"
        )),
        Ok(job) => attempt(&ctx, &settings, &worker, &row, job).await,
    };
    let now = Utc::now();
    let elapsed_ms = started.elapsed().as_millis();
    let recorded = match ctx.db.acquire_write().await {
        Err(error) => Err(error),
        Ok(mut conn) => match &outcome {
            Outcome::Done => {
                tracing::info!(job_id = row.id, kind = %row.kind, attempt = row.attempts, elapsed_ms, "job done");
                rows::complete(conn.conn(), row.id, &worker, now).await
            }
            Outcome::Retry(error) if row.attempts < row.max_attempts => {
                let wait = backoff(
                    row.attempts,
                    settings.retry_base,
                    settings.retry_max,
                    rand::random::<f64>(),
                );
                let retry_at = now + chrono::Duration::from_std(wait).unwrap_or_default();
                tracing::warn!(job_id = row.id, kind = %row.kind, attempt = row.attempts, %error, retry_in_ms = wait.as_millis(), "job attempt failed; it will be retried");
                rows::record_failure(conn.conn(), row.id, &worker, error, Some(retry_at), now).await
            }
            Outcome::Retry(error) | Outcome::Fail(error) => {
                tracing::error!(job_id = row.id, kind = %row.kind, attempt = row.attempts, %error, "job failed");
                rows::record_failure(conn.conn(), row.id, &worker, error, None, now).await
            }
        },
    };
    match recorded {
        Ok(true) => {}
        Ok(false) => tracing::warn!(
            job_id = row.id,
            "the job's lease ran out while it ran; another worker has it now"
        ),
        Err(error) => {
            tracing::error!(job_id = row.id, %error, "the job's outcome could not be recorded; it runs again when its lease ends")
        }
    }
}

/// Runs `job` with its timeout, renewing the lease while it runs; panics count as failures.
async fn attempt(
    ctx: &JobContext,
    settings: &WorkerSettings,
    worker: &str,
    row: &JobRow,
    job: Job,
) -> Outcome {
    let timeout = job.timeout();
    let task_ctx = ctx.clone();
    let mut task = tokio::spawn(async move { execute(&task_ctx, &job).await });
    let _abort = AbortOnDrop(task.abort_handle());
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    let mut renew = tokio::time::interval((settings.lease / 3).max(Duration::from_millis(100)));
    renew.tick().await;
    loop {
        tokio::select! {
            result = &mut task => {
                return match result {
                    Ok(Ok(())) => Outcome::Done,
                    Ok(Err(error)) if error.is_transient() => Outcome::Retry(error.to_string()),
                    Ok(Err(error)) => Outcome::Fail(error.to_string()),
                    Err(error) if error.is_panic() => Outcome::Retry("the job panicked".to_string()),
                    Err(error) => Outcome::Retry(error.to_string()),
                };
            }
            () = &mut deadline => {
                return Outcome::Retry(format!("timed out after {} s", timeout.as_secs()));
            }
            _ = renew.tick() => {
                let until = lease_end(Utc::now(), settings.lease);
                match ctx.db.acquire_write().await {
                    Ok(mut conn) => match rows::renew_lease(conn.conn(), row.id, worker, until).await {
                        Ok(true) => {}
                        Ok(false) => tracing::warn!(job_id = row.id, "lost the lease of a running job"),
                        Err(error) => tracing::warn!(job_id = row.id, %error, "cannot renew a job's lease"),
                    },
                    Err(error) => tracing::warn!(job_id = row.id, %error, "cannot renew a job's lease"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_aligned_and_keyed_by_their_start() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let hour = Duration::from_secs(3600);
        let (start, key) = slot(&Job::CleanUp, hour, at("2026-12-01T13:59:59Z"));
        assert_eq!(start, at("2026-12-01T13:00:00Z"));
        assert_eq!(key, "clean_up@2026-12-01T13:00:00Z");
        let (next, next_key) = slot(&Job::CleanUp, hour, at("2026-12-01T14:00:00Z"));
        assert_eq!(next, at("2026-12-01T14:00:00Z"));
        assert_ne!(key, next_key);
        let (day, day_key) = slot(
            &Job::OptimizeSearchIndex,
            Duration::from_secs(86_400),
            at("2026-12-01T13:30:00Z"),
        );
        assert_eq!(day, at("2026-12-01T00:00:00Z"));
        assert_eq!(day_key, "optimize_search_index@2026-12-01T00:00:00Z");
    }
}
