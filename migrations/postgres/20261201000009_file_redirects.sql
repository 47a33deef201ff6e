-- Redirects to files (PostgreSQL). Keep in step with ../sqlite/20261201000009_file_redirects.sql
-- (the `schema_parity` test compares them).

-- Old addresses that lead to a file rather than a post: WordPress's attachment pages
-- (`/2020/01/hello/cat/`, `/?attachment_id=30`) answer 301 to the image itself, in Folio's media
-- library (`/media/…`) or, when it was not brought over, at its old absolute URL. Written only by
-- `folio import wordpress`; looked up after the post redirects, on a 404.
CREATE TABLE file_redirects (
    old_path TEXT NOT NULL PRIMARY KEY CHECK (char_length(old_path) BETWEEN 1 AND 500),
    target TEXT NOT NULL CHECK (char_length(target) BETWEEN 1 AND 2000),
    created_at TIMESTAMPTZ NOT NULL
);
