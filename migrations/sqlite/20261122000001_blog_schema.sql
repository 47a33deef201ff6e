-- Folio's blog schema for SQLite. Keep in step with ../postgres/20261122000001_blog_schema.sql:
-- the test `schema_parity` proves both create the same tables, columns, indexes and foreign keys.
-- Timestamps are declared DATETIME and stored as RFC 3339 text in UTC (sqlx's encoding), so they
-- sort and compare as text in chronological order.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT,
    username TEXT NOT NULL CHECK (length(username) BETWEEN 1 AND 150),
    display_name TEXT NOT NULL DEFAULT '' CHECK (length(display_name) <= 150),
    bio TEXT NOT NULL DEFAULT '',
    avatar_url TEXT,
    is_verified BOOLEAN NOT NULL DEFAULT FALSE,
    is_active BOOLEAN NOT NULL DEFAULT TRUE,
    is_staff BOOLEAN NOT NULL DEFAULT FALSE,
    is_superuser BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash TEXT,
    date_joined DATETIME NOT NULL,
    last_login DATETIME
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE UNIQUE INDEX users_username_key ON users (username);

CREATE TABLE categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    slug TEXT NOT NULL CHECK (length(slug) BETWEEN 1 AND 120)
);
CREATE UNIQUE INDEX categories_name_key ON categories (name);
CREATE UNIQUE INDEX categories_slug_key ON categories (slug);

CREATE TABLE posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    slug TEXT NOT NULL CHECK (length(slug) BETWEEN 1 AND 220),
    author_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE RESTRICT,
    byline TEXT,
    body TEXT NOT NULL DEFAULT '',
    body_source TEXT,
    body_text TEXT NOT NULL DEFAULT '',
    excerpt TEXT NOT NULL DEFAULT '',
    meta_description TEXT,
    status TEXT NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'PUBLISHED', 'ARCHIVED')),
    view_count INTEGER NOT NULL DEFAULT 0 CHECK (view_count >= 0),
    published_at DATETIME,
    published_date DATE GENERATED ALWAYS AS (substr(published_at, 1, 10)) STORED,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
-- Django's `unique_for_date`: a slug is unique per calendar day (UTC) of published_at.
CREATE UNIQUE INDEX posts_slug_published_date_key ON posts (slug, published_date);
-- Serves the public list: WHERE status = 'PUBLISHED' AND published_at <= now ORDER BY published_at DESC, id DESC.
-- author_id and category_id make it covering for the counts of the home, category and author pages.
CREATE INDEX posts_status_published_at_idx ON posts (status, published_at DESC, id DESC, author_id, category_id);
CREATE INDEX posts_author_id_idx ON posts (author_id);
CREATE INDEX posts_category_id_idx ON posts (category_id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 5000),
    created_at DATETIME NOT NULL,
    is_approved BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX comments_post_id_idx ON comments (post_id, created_at);
CREATE INDEX comments_author_id_idx ON comments (author_id);

-- Old URLs (front matter `aliases`) answered with 301 to the post, as django.contrib.redirects.
CREATE TABLE redirects (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    old_path TEXT NOT NULL CHECK (length(old_path) BETWEEN 1 AND 500),
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX redirects_old_path_key ON redirects (old_path);
CREATE INDEX redirects_post_id_idx ON redirects (post_id);

-- Small facts about the site itself (e.g. whether the welcome post was created).
CREATE TABLE site_settings (
    key TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);
