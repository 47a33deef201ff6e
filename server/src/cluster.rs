//! Several Folio processes on one PostgreSQL database: what one process changes that readers see,
//! the others hear about within milliseconds, through PostgreSQL's `LISTEN`/`NOTIFY`, and drop
//! what their caches (the page cache, the navigation) keep.
//!
//! - **Announcing**: [`PostEvents`] sends a unit on a channel for every change readers can see
//!   (a published post changed, or the site's other content). A task coalesces bursts (an import
//!   of a thousand posts is a handful of notifications) and runs
//!   `SELECT pg_notify('folio_changes', <this process's id>)`.
//! - **Listening**: a task holds a [`PgListener`] on `folio_changes`; a notification from another
//!   process calls [`PostEvents::remote_change`]. If the listening connection drops (PostgreSQL
//!   restarted), sqlx reconnects; notifications sent meanwhile are lost, so a reconnection also
//!   counts as a change (the caches are dropped once, conservatively).
//!
//! `folio import` announces its import once when it is done ([`announce_once`]).
//!
//! - **Jobs**: a trigger on `jobs` notifies `folio_jobs` when a job becomes due; every process
//!   running job workers listens ([`wake_on_queued_jobs`]) and wakes them.
//!
//! On SQLite there is one machine and, in practice, one process: nothing is started.
//! The page cache's maximum age stays as the safety net.

use std::time::Duration;

use app::ssr::db::Db;
use app::ssr::jobs::JobQueue;
use app::ssr::posts::PostEvents;
use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// The notification channel.
pub const CHANNEL: &str = "folio_changes";

/// The channel on which PostgreSQL announces jobs that are due (a trigger on `jobs`, see the
/// migration `20261201000007_scale_out.sql`).
pub const JOBS_CHANNEL: &str = "folio_jobs";

/// How long the announcer waits after a change for more before it notifies (one notification for
/// a burst of writes).
pub const COALESCE: Duration = Duration::from_millis(20);

/// Tells the processes on `db` once that something readers see changed (for a command such as
/// `folio import` that runs no cluster tasks); on SQLite, nothing.
///
/// # Errors
/// The driver's error.
pub async fn announce_once(db: &Db) -> Result<(), sqlx::Error> {
    if let Db::Postgres(pool) = db {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(format!("command-{}", std::process::id()))
            .execute(pool)
            .await?;
    }
    Ok(())
}

/// The tasks that keep this process's caches in step with the other processes' writes.
#[derive(Debug)]
pub struct Cluster {
    tasks: Vec<JoinHandle<()>>,
}

impl Cluster {
    /// Starts announcing `events`' changes to the other processes on `db` and listening for
    /// theirs; on SQLite, nothing (returns an empty `Cluster`).
    pub fn start(db: &Db, events: &PostEvents) -> Self {
        let Db::Postgres(pool) = db else {
            return Self { tasks: Vec::new() };
        };
        let me = format!("{:016x}", rand::random::<u64>());
        let (announcer, announced) = mpsc::unbounded_channel();
        events.announce_to(announcer);
        let tasks = vec![
            tokio::spawn(announce(pool.clone(), me.clone(), announced)),
            tokio::spawn(listen(pool.clone(), me, events.clone())),
        ];
        Self { tasks }
    }

    /// Stops both tasks (at shutdown).
    pub fn stop(self) {
        for task in self.tasks {
            task.abort();
        }
    }
}

/// On PostgreSQL, starts a task that wakes this process's job workers (through `queue`) whenever
/// any process queues a job that is due, so a job queued by a web process starts on a
/// `folio worker` within milliseconds instead of at the worker's next poll. On SQLite, `None`:
/// the poll (`FOLIO_JOB_POLL_SECONDS`) finds other processes' jobs.
pub fn wake_on_queued_jobs(db: &Db, queue: JobQueue) -> Option<JoinHandle<()>> {
    let Db::Postgres(pool) = db else {
        return None;
    };
    Some(tokio::spawn(listen_for_jobs(pool.clone(), queue)))
}

/// Wakes `queue`'s workers on every `folio_jobs` notification, for as long as the process runs.
/// A lost connection also wakes them (a notification may have been missed).
async fn listen_for_jobs(pool: PgPool, queue: JobQueue) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for queued jobs; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(error) = listener.listen(JOBS_CHANNEL).await {
            tracing::warn!(%error, "cannot LISTEN for queued jobs; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        tracing::debug!("listening for queued jobs");
        loop {
            match listener.try_recv().await {
                Ok(Some(_)) => queue.wake(),
                Ok(None) => {
                    tracing::info!("job listening connection lost; reconnecting");
                    queue.wake();
                }
                Err(error) => {
                    tracing::warn!(%error, "listening for queued jobs failed; starting again");
                    queue.wake();
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Sends one notification per burst of local changes.
async fn announce(pool: PgPool, me: String, mut changes: mpsc::UnboundedReceiver<()>) {
    while changes.recv().await.is_some() {
        tokio::time::sleep(COALESCE).await;
        while changes.try_recv().is_ok() {}
        let sent = sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(&me)
            .execute(&pool)
            .await;
        if let Err(error) = sent {
            // The others' caches stay as they are until their maximum age: say so.
            tracing::warn!(%error, "could not notify the other Folio processes of a change");
        }
    }
}

/// Listens for the other processes' notifications for as long as the process runs.
async fn listen(pool: PgPool, me: String, events: PostEvents) {
    loop {
        let mut listener = match PgListener::connect_with(&pool).await {
            Ok(listener) => listener,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for other Folio processes' changes; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if let Err(error) = listener.listen(CHANNEL).await {
            tracing::warn!(%error, "cannot LISTEN for other Folio processes' changes; retrying");
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        }
        tracing::debug!("listening for other Folio processes' changes");
        loop {
            match listener.try_recv().await {
                Ok(Some(notification)) => {
                    if notification.payload() != me {
                        events.remote_change();
                    }
                }
                // The connection dropped; the next call reconnects. What was sent meanwhile is
                // lost, so count it as a change.
                Ok(None) => {
                    tracing::info!("listening connection lost; reconnecting");
                    events.remote_change();
                }
                Err(error) => {
                    tracing::warn!(%error, "listening for other Folio processes' changes failed; starting again");
                    events.remote_change();
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
