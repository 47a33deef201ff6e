-- Several processes on one database (SQLite). Keep in step with
-- ../postgres/20261201000007_scale_out.sql (the `schema_parity` test compares them).

-- Request rates shared by every process using this file (the REST API's and the search pages'
-- throttles, when FOLIO_THROTTLE_STORE is `database`; on SQLite the default is `memory`, a
-- count per process, since every counted request would otherwise be a write on SQLite's one
-- writer). One row per counted key with its GCRA "theoretical arrival time" in microseconds since
-- the Unix epoch; a row whose time has passed means the same as no row, and is deleted by a sweep.
-- (Job workers in other processes on SQLite find new jobs by their poll: SQLite has no LISTEN.)
CREATE TABLE rate_limits (
    key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 300),
    theoretical_arrival INTEGER NOT NULL
);
