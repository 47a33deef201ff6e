-- Several processes on one database (PostgreSQL). Keep the table in step with
-- ../sqlite/20261201000007_scale_out.sql (the `schema_parity` test compares them).

-- Request rates shared by every process (the REST API's and the search pages' throttles, when
-- FOLIO_THROTTLE_STORE is `database`, the default on PostgreSQL): one row per counted key with
-- its GCRA "theoretical arrival time" in microseconds since the Unix epoch. A row whose time has
-- passed means the same as no row, and is deleted by a sweep. UNLOGGED: a crash of PostgreSQL
-- empties it (every client starts with a full allowance), and no write-ahead log is written for
-- what is only a counter.
CREATE UNLOGGED TABLE rate_limits (
    key TEXT PRIMARY KEY CHECK (char_length(key) BETWEEN 1 AND 300),
    theoretical_arrival BIGINT NOT NULL
);

-- Wakes the job workers of every process (`LISTEN folio_jobs`) when a job becomes due to run:
-- one is queued to run now, or a job goes back to the queue (a retry from the admin, a release
-- at shutdown). PostgreSQL delivers the notification when the transaction commits, so a worker
-- never wakes before the job is visible, and folds identical notifications of one transaction
-- into one. Jobs queued for later are found by the workers' poll.
CREATE FUNCTION folio_jobs_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('folio_jobs', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER jobs_notify_insert AFTER INSERT ON jobs
    FOR EACH ROW WHEN (NEW.status = 'queued' AND NEW.run_at <= now() + interval '1 second')
    EXECUTE FUNCTION folio_jobs_notify();
CREATE TRIGGER jobs_notify_requeue AFTER UPDATE OF status ON jobs
    FOR EACH ROW WHEN (NEW.status = 'queued' AND OLD.status <> 'queued'
                       AND NEW.run_at <= now() + interval '1 second')
    EXECUTE FUNCTION folio_jobs_notify();
