-- Tags (SQLite). Keep in step with ../postgres/20261130000002_tags.sql (the `schema_parity`
-- test compares them).

-- A many-to-many label of posts: name as shown, slug unique (case and spacing variants of a name
-- share it), and an optional description for the tag's archive page.
CREATE TABLE tags (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    slug TEXT NOT NULL CHECK (length(slug) BETWEEN 1 AND 120),
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 2000)
);
CREATE UNIQUE INDEX tags_slug_key ON tags (slug);

-- A post's tags, in the order the writer gave them.
CREATE TABLE post_tags (
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    position INTEGER NOT NULL CHECK (position >= 0),
    PRIMARY KEY (post_id, tag_id)
);
-- A tag's posts (archive pages, counts, the `?tag=` filters).
CREATE INDEX post_tags_tag_id_idx ON post_tags (tag_id, post_id);
