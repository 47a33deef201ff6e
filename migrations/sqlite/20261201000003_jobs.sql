-- Background jobs (SQLite). Keep in step with ../postgres/20261201000003_jobs.sql (the
-- `schema_parity` test compares them).

-- A job is a row, so it survives a restart and every process on the database shares the queue.
-- `queued` until `run_at`; then one worker takes it (`running`) and holds it until
-- `locked_until`, a lease: a worker killed mid-job leaves a lease that runs out, and another
-- worker takes the job again. A failed attempt goes back to `queued` with a later `run_at` until
-- `max_attempts` is used up; then `failed`, its last error kept. `idempotency_key` (unique when
-- set) keeps a job from being queued twice: a periodic job's time slot, one email per purpose.
-- `payload` is the job's arguments as JSON text.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 60),
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
    run_at DATETIME NOT NULL,
    locked_by TEXT,
    locked_until DATETIME,
    last_error TEXT,
    idempotency_key TEXT CHECK (length(idempotency_key) BETWEEN 1 AND 200),
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    finished_at DATETIME
);
CREATE UNIQUE INDEX jobs_idempotency_key_key ON jobs (idempotency_key);
-- Workers look for due jobs by status and time; the admin lists by status too.
CREATE INDEX jobs_status_run_at_idx ON jobs (status, run_at);
CREATE INDEX jobs_kind_idx ON jobs (kind);
