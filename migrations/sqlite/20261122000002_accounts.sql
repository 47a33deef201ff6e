-- Accounts, sessions and the security baseline (SQLite). Keep in step with
-- ../postgres/20261122000002_accounts.sql (the `schema_parity` test compares them).

-- A user's role; is_staff and is_superuser follow it (Folio writes the three together).
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'reader'
    CHECK (role IN ('reader', 'author', 'editor', 'administrator'));
UPDATE users SET role = 'administrator', is_staff = TRUE WHERE is_superuser;
UPDATE users SET role = 'editor' WHERE is_staff AND NOT is_superuser;
-- Whoever already wrote posts (imported authors) is an author.
UPDATE users SET role = 'author', is_staff = TRUE
    WHERE role = 'reader' AND id IN (SELECT author_id FROM posts);
-- Email addresses are unique regardless of case.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- Sessions of tower-sessions, shared by every server using this database.
CREATE TABLE sessions (
    id TEXT NOT NULL PRIMARY KEY,
    data TEXT NOT NULL,
    expiry_date DATETIME NOT NULL
);
CREATE INDEX sessions_expiry_date_idx ON sessions (expiry_date);

-- Single-use tokens sent by email (password reset, email verification), stored as SHA-256 hex.
CREATE TABLE account_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('password_reset', 'email_verification')),
    token_hash TEXT NOT NULL CHECK (length(token_hash) = 64),
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX account_tokens_token_hash_key ON account_tokens (token_hash);
CREATE INDEX account_tokens_user_id_idx ON account_tokens (user_id, purpose);

-- Failed sign-ins, counted per account and per client address for throttling.
CREATE TABLE login_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL CHECK (scope IN ('account', 'address')),
    key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 254),
    failed_at DATETIME NOT NULL
);
CREATE INDEX login_failures_scope_key_idx ON login_failures (scope, key, failed_at);

-- The comments a reader sees first are theirs and the approved ones, oldest first.
CREATE INDEX comments_post_id_approved_idx ON comments (post_id, is_approved, created_at);
