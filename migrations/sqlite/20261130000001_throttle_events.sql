-- Throttling shared by every server on this database (SQLite). Keep in step with
-- ../postgres/20261130000001_throttle_events.sql (the `schema_parity` test compares them).

-- One row per counted attempt and per rule it counts against (a sliding-window log): failed or
-- in-flight sign-ins per account, per client address and per pair of both; sign-ups per client
-- address; emailed links per address and per client. A row is dropped when its window has
-- passed (`expires_at`), or at once when the attempt it reserved succeeded.
CREATE TABLE throttle_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL CHECK (length(scope) BETWEEN 1 AND 40),
    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 600),
    happened_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
CREATE INDEX throttle_events_scope_key_idx ON throttle_events (scope, key, happened_at);
CREATE INDEX throttle_events_expires_at_idx ON throttle_events (expires_at);

-- Replaced by throttle_events (failures were counted per account and per address only).
DROP TABLE login_failures;
