-- The rich editor: revisions and media (SQLite). Keep in step with
-- ../postgres/20261122000005_editor.sql (the `schema_parity` test compares them).

-- Earlier states of a post's title and body. Saves within a few minutes by the same person update
-- the newest revision instead of adding one (autosave would otherwise flood the list), as
-- WordPress coalesces autosaves. The editor's name is kept beside the key for deleted accounts.
-- A sealed revision (the Save button, a restore) takes no more saves: the next one starts a new
-- revision, so a state the writer chose to keep stays as it was.
CREATE TABLE post_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id INTEGER NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_repr TEXT NOT NULL CHECK (length(author_repr) <= 254),
    title TEXT NOT NULL CHECK (length(title) <= 200),
    body TEXT NOT NULL,
    is_sealed BOOLEAN NOT NULL DEFAULT FALSE,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL
);
-- A post's revision list, newest first.
CREATE INDEX post_revisions_post_id_idx ON post_revisions (post_id, id DESC);
CREATE INDEX post_revisions_author_id_idx ON post_revisions (author_id);

-- Uploaded images. `file_name` is the stored file under the media folder (a random name with the
-- extension of the type found in its content); `variant_widths` lists the resized copies made
-- after the upload (e.g. "800,1600"), stored beside it as `<stem>-<width>w.<ext>`.
CREATE TABLE media (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uploader_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    file_name TEXT NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
    original_name TEXT NOT NULL CHECK (length(original_name) <= 255),
    content_type TEXT NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp', 'image/gif')),
    width INTEGER NOT NULL CHECK (width > 0),
    height INTEGER NOT NULL CHECK (height > 0),
    size_bytes INTEGER NOT NULL CHECK (size_bytes > 0),
    variant_widths TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX media_file_name_key ON media (file_name);
CREATE INDEX media_created_at_idx ON media (created_at DESC, id DESC);
CREATE INDEX media_uploader_id_idx ON media (uploader_id);

-- A post's featured image (shown on the post page and in link previews).
ALTER TABLE posts ADD COLUMN featured_image_id INTEGER REFERENCES media (id) ON DELETE SET NULL;
CREATE INDEX posts_featured_image_id_idx ON posts (featured_image_id);
