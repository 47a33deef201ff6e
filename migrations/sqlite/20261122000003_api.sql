-- The REST API (SQLite). Keep in step with ../postgres/20261122000003_api.sql (the
-- `schema_parity` test compares them).

-- API tokens (`Authorization: Token <key>`): shown once, stored as SHA-256 hex; a user may hold
-- several (one per script or device), each revoked on its own.
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL CHECK (length(token_hash) = 64),
    created_at DATETIME NOT NULL,
    last_used_at DATETIME
);
CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens (token_hash);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

-- `/api/posts/trending/` walks this index from the top instead of sorting every post.
CREATE INDEX posts_view_count_idx ON posts (view_count DESC, id DESC);
-- `/api/posts/<slug>/` finds a post by slug alone.
CREATE INDEX posts_slug_idx ON posts (slug);
