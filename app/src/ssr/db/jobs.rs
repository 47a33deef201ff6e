//! Queries on `jobs`: the durable job queue (see [`crate::ssr::jobs`] for what a job is and
//! the migration `*_jobs.sql` for the row's life).
//!
//! Every state change of a running job names the worker that holds it (`locked_by`), so a worker
//! whose lease ran out and whose job another worker took cannot overwrite the newer outcome.

use chrono::{DateTime, Utc};

use crate::on_conn;
use crate::ssr::db::Conn;

/// A job's state, as stored in `jobs.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for its `run_at` or for a free worker.
    Queued,
    /// Taken by a worker (until its lease runs out).
    Running,
    /// Finished successfully.
    Done,
    /// Every attempt failed (or the error was permanent); the last error is kept.
    Failed,
    /// Cancelled by staff before it ran.
    Cancelled,
}

impl JobStatus {
    /// Every status, in the order of a job's life.
    pub const ALL: [Self; 5] = [
        Self::Queued,
        Self::Running,
        Self::Done,
        Self::Failed,
        Self::Cancelled,
    ];

    /// The stored name (`queued`, `running`, `done`, `failed`, `cancelled`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// One row of `jobs`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct JobRow {
    /// The job's id.
    pub id: i64,
    /// What kind of job (`send_email`, `clean_up`, ...): [`crate::ssr::jobs::Job::kind`].
    pub kind: String,
    /// The job as JSON ([`crate::ssr::jobs::Job`] serialised).
    pub payload: String,
    /// `queued`, `running`, `done`, `failed` or `cancelled` ([`JobStatus`]).
    pub status: String,
    /// Attempts started so far (a running job counts its current one).
    pub attempts: i64,
    /// Attempts allowed before the job is `failed`.
    pub max_attempts: i64,
    /// When the job may run (next).
    pub run_at: DateTime<Utc>,
    /// The worker holding the job while it runs.
    pub locked_by: Option<String>,
    /// When the running job's lease ends (renewed while the worker lives).
    pub locked_until: Option<DateTime<Utc>>,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// The key that keeps the job from being queued twice, if any.
    pub idempotency_key: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When its row last changed.
    pub updated_at: DateTime<Utc>,
    /// When it finished (done, failed or cancelled).
    pub finished_at: Option<DateTime<Utc>>,
}

impl JobRow {
    /// The parsed status ([`JobStatus::Failed`] for a name this version does not know, which
    /// the table's CHECK constraint rules out).
    pub fn status(&self) -> JobStatus {
        JobStatus::parse(&self.status).unwrap_or(JobStatus::Failed)
    }
}

const COLUMNS: &str = "id, kind, payload, status, attempts, max_attempts, run_at, locked_by, \
     locked_until, last_error, idempotency_key, created_at, updated_at, finished_at";

/// A job to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJobRow<'a> {
    /// [`JobRow::kind`].
    pub kind: &'a str,
    /// [`JobRow::payload`].
    pub payload: &'a str,
    /// [`JobRow::max_attempts`] (at least 1).
    pub max_attempts: i64,
    /// When it may first run.
    pub run_at: DateTime<Utc>,
    /// [`JobRow::idempotency_key`].
    pub idempotency_key: Option<&'a str>,
}

/// Queues `job` at `now`; its id, or `None` when a job with the same idempotency key exists
/// (in any state: a key is used once).
///
/// # Errors
/// The driver's error.
pub async fn insert(
    conn: Conn<'_>,
    job: &NewJobRow<'_>,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_at, idempotency_key, created_at, updated_at) \
             VALUES ($1, $2, 'queued', 0, $3, $4, $5, $6, $6) \
             ON CONFLICT (idempotency_key) DO NOTHING RETURNING id",
        )
        .bind(job.kind)
        .bind(job.payload)
        .bind(job.max_attempts.max(1))
        .bind(job.run_at)
        .bind(job.idempotency_key)
        .bind(now)
        .fetch_optional(c)
        .await
    })
}

/// Takes the next due job for `worker` until `lease_until`: the queued job with the earliest
/// `run_at` that has come, or a running job whose worker's lease ran out (the worker died) and
/// that has attempts left. The job's `attempts` grows by one.
///
/// Exactly one worker gets each job: on PostgreSQL the candidate row is locked `FOR UPDATE SKIP
/// LOCKED` (workers pass over each other's rows instead of waiting); on SQLite the statement runs
/// under the database's single write lock.
///
/// # Errors
/// The driver's error.
pub async fn claim(
    conn: Conn<'_>,
    worker: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> Result<Option<JobRow>, sqlx::Error> {
    let due = "(status = 'queued' AND run_at <= $3) \
               OR (status = 'running' AND locked_until < $3 AND attempts < max_attempts)";
    let sql = match conn {
        Conn::Sqlite(_) => format!(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, \
             locked_until = $2, updated_at = $3 \
             WHERE id = (SELECT id FROM jobs WHERE {due} ORDER BY run_at, id LIMIT 1) \
             RETURNING {COLUMNS}"
        ),
        Conn::Postgres(_) => format!(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1, \
             locked_until = $2, updated_at = $3 \
             WHERE id = (SELECT id FROM jobs WHERE {due} ORDER BY run_at, id LIMIT 1 \
             FOR UPDATE SKIP LOCKED) \
             RETURNING {COLUMNS}"
        ),
    };
    on_conn!(conn, |c| {
        sqlx::query_as::<_, JobRow>(&sql)
            .bind(worker)
            .bind(lease_until)
            .bind(now)
            .fetch_optional(c)
            .await
    })
}

/// Marks `failed` the running jobs whose lease ran out on their last attempt (their worker
/// died every time: the job must not be retried for ever); how many.
///
/// # Errors
/// The driver's error.
pub async fn fail_abandoned(conn: Conn<'_>, now: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
            "UPDATE jobs SET status = 'failed', finished_at = $1, updated_at = $1, \
             locked_by = NULL, locked_until = NULL, \
             last_error = 'the worker running the last attempt stopped before it finished' \
             WHERE status = 'running' AND locked_until < $1 AND attempts >= max_attempts",
        )
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })
}

/// Extends the lease of job `id` held by `worker` to `until`; false when the worker no longer
/// holds it.
///
/// # Errors
/// The driver's error.
pub async fn renew_lease(
    conn: Conn<'_>,
    id: i64,
    worker: &str,
    until: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
            "UPDATE jobs SET locked_until = $3 WHERE id = $1 AND locked_by = $2 AND status = 'running'",
        )
        .bind(id)
        .bind(worker)
        .bind(until)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// Marks job `id`, held by `worker`, `done`; false when the worker no longer held it.
///
/// # Errors
/// The driver's error.
pub async fn complete(
    conn: Conn<'_>,
    id: i64,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
            "UPDATE jobs SET status = 'done', finished_at = $3, updated_at = $3, \
             locked_by = NULL, locked_until = NULL \
             WHERE id = $1 AND locked_by = $2 AND status = 'running'",
        )
        .bind(id)
        .bind(worker)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// Records a failed attempt of job `id` held by `worker`: queued again for `retry_at`, or
/// `failed` for good when `retry_at` is `None`. False when the worker no longer held it.
///
/// # Errors
/// The driver's error.
pub async fn record_failure(
    conn: Conn<'_>,
    id: i64,
    worker: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let sql = if retry_at.is_some() {
        "UPDATE jobs SET status = 'queued', run_at = $5, last_error = $3, updated_at = $4, \
         locked_by = NULL, locked_until = NULL \
         WHERE id = $1 AND locked_by = $2 AND status = 'running'"
    } else {
        "UPDATE jobs SET status = 'failed', last_error = $3, finished_at = $4, updated_at = $4, \
         locked_by = NULL, locked_until = NULL \
         WHERE id = $1 AND locked_by = $2 AND status = 'running'"
    };
    on_conn!(conn, |c| {
        sqlx::query(sql)
            .bind(id)
            .bind(worker)
            .bind(error)
            .bind(now)
            .bind(retry_at.unwrap_or(now))
            .execute(c)
            .await
            .map(|r| r.rows_affected() == 1)
    })
}

/// Returns every job `worker` still holds to the queue, due at once and without counting the
/// interrupted attempt (a graceful shutdown whose deadline passed); how many.
///
/// # Errors
/// The driver's error.
pub async fn release_all(
    conn: Conn<'_>,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
            "UPDATE jobs SET status = 'queued', run_at = $2, updated_at = $2, \
             attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END, \
             locked_by = NULL, locked_until = NULL \
             WHERE locked_by = $1 AND status = 'running'",
        )
        .bind(worker)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })
}

/// Job `id`, if it exists.
///
/// # Errors
/// The driver's error.
pub async fn find(conn: Conn<'_>, id: i64) -> Result<Option<JobRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM jobs WHERE id = $1");
    on_conn!(conn, |c| {
        sqlx::query_as::<_, JobRow>(&sql)
            .bind(id)
            .fetch_optional(c)
            .await
    })
}

/// The newest jobs (by id), `limit` of them after skipping `offset`, only those with `status`
/// and of `kind` when given.
///
/// # Errors
/// The driver's error.
pub async fn list(
    conn: Conn<'_>,
    status: Option<JobStatus>,
    kind: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<JobRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM jobs WHERE ($1 IS NULL OR status = $1) AND ($2 IS NULL OR kind = $2) \
         ORDER BY id DESC LIMIT $3 OFFSET $4"
    );
    on_conn!(conn, |c| {
        sqlx::query_as::<_, JobRow>(&sql)
            .bind(status.map(JobStatus::as_str))
            .bind(kind)
            .bind(limit)
            .bind(offset)
            .fetch_all(c)
            .await
    })
}

/// Queues a `failed` or `cancelled` job `id` again, due now, with its attempts counted afresh
/// (its last error is kept until the next attempt); false when the job is in another state.
///
/// # Errors
/// The driver's error.
pub async fn retry(conn: Conn<'_>, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
            "UPDATE jobs SET status = 'queued', attempts = 0, run_at = $2, updated_at = $2, \
             finished_at = NULL WHERE id = $1 AND status IN ('failed', 'cancelled')",
        )
        .bind(id)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// Cancels the queued job `id` (a running job cannot be stopped half-way); false when the job
/// is not queued.
///
/// # Errors
/// The driver's error.
pub async fn cancel(conn: Conn<'_>, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
            "UPDATE jobs SET status = 'cancelled', finished_at = $2, updated_at = $2 \
             WHERE id = $1 AND status = 'queued'",
        )
        .bind(id)
        .bind(now)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// The number of jobs in each status, in [`JobStatus::ALL`] order.
///
/// # Errors
/// The driver's error.
pub async fn count_by_status(conn: Conn<'_>) -> Result<Vec<(JobStatus, i64)>, sqlx::Error> {
    let rows: Vec<(String, i64)> = on_conn!(conn, |c| {
        sqlx::query_as::<_, (String, i64)>("SELECT status, COUNT(*) FROM jobs GROUP BY status")
            .fetch_all(c)
            .await
    })?;
    Ok(JobStatus::ALL
        .into_iter()
        .map(|status| {
            let n = rows
                .iter()
                .find(|(name, _)| name == status.as_str())
                .map_or(0, |(_, n)| *n);
            (status, n)
        })
        .collect())
}

/// The number of jobs that failed for good after `since`.
///
/// # Errors
/// The driver's error.
pub async fn count_failed_since(conn: Conn<'_>, since: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM jobs WHERE status = 'failed' AND finished_at > $1",
        )
        .bind(since)
        .fetch_one(c)
        .await
    })
}

/// Deletes `done` and `cancelled` jobs that finished before `finished_before`, and `failed`
/// ones that finished before `failed_before` (kept longer, for staff to look into); how many.
///
/// # Errors
/// The driver's error.
pub async fn delete_finished(
    conn: Conn<'_>,
    finished_before: DateTime<Utc>,
    failed_before: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
            "DELETE FROM jobs WHERE (status IN ('done', 'cancelled') AND finished_at < $1) \
             OR (status = 'failed' AND finished_at < $2)",
        )
        .bind(finished_before)
        .bind(failed_before)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })
}
