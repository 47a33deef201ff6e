-- Email subscribers and newsletters on publish (SQLite). Keep in step with
-- ../postgres/20261201000005_newsletter.sql (the `schema_parity` test compares them).

-- A visitor who asked for new posts by email: `pending` until they open the confirmation link
-- (double opt-in), then `confirmed`; `unsubscribed` keeps the address so a re-subscription
-- confirms again. The confirmation token is stored as SHA-256 hex and used once.
CREATE TABLE subscribers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'unsubscribed')),
    confirm_token_hash TEXT CHECK (length(confirm_token_hash) = 64),
    confirm_expires_at DATETIME,
    created_at DATETIME NOT NULL,
    confirmed_at DATETIME,
    unsubscribed_at DATETIME
);
CREATE UNIQUE INDEX subscribers_email_lower_key ON subscribers (lower(email));
CREATE UNIQUE INDEX subscribers_confirm_token_hash_key ON subscribers (confirm_token_hash);
CREATE INDEX subscribers_status_idx ON subscribers (status, id);

-- One row per post that became public after newsletters were switched on: written once by the
-- publish sweep (the primary key makes a second one impossible) together with the job that
-- sends it. `recipients` is fixed when sending starts.
CREATE TABLE newsletters (
    post_id INTEGER NOT NULL PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'skipped')),
    recipients INTEGER,
    created_at DATETIME NOT NULL,
    finished_at DATETIME
);

-- One row per (post, subscriber), written before the message goes out and marked after: the
-- ledger that makes a newsletter reach each subscriber once, across retries and restarts.
CREATE TABLE newsletter_deliveries (
    post_id INTEGER NOT NULL REFERENCES newsletters (post_id) ON DELETE CASCADE,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
    error TEXT,
    sent_at DATETIME,
    PRIMARY KEY (post_id, subscriber_id)
);
CREATE INDEX newsletter_deliveries_status_idx ON newsletter_deliveries (post_id, status, subscriber_id);
