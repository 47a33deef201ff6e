-- The admin back-office (SQLite). Keep in step with ../postgres/20261122000004_admin.sql (the
-- `schema_parity` test compares them).

-- The audit log, as Django's `django_admin_log`: who did what to which object, when. The user's
-- name is kept beside the key so entries still say who acted after the account is deleted, and the
-- object's name because the object itself may be gone.
CREATE TABLE admin_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    action_time DATETIME NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    user_repr TEXT NOT NULL CHECK (length(user_repr) <= 254),
    object_type TEXT NOT NULL CHECK (object_type IN ('post', 'category', 'comment', 'user')),
    object_id INTEGER NOT NULL,
    object_repr TEXT NOT NULL CHECK (length(object_repr) <= 200),
    action TEXT NOT NULL CHECK (action IN ('add', 'change', 'delete')),
    change_message TEXT NOT NULL DEFAULT ''
);
-- "Recent actions" on the index page, newest first.
CREATE INDEX admin_log_action_time_idx ON admin_log (action_time DESC, id DESC);
-- An object's history page.
CREATE INDEX admin_log_object_idx ON admin_log (object_type, object_id, action_time);
CREATE INDEX admin_log_user_id_idx ON admin_log (user_id);

-- The posts change list over every status: newest first by published_at, and the created-date
-- filter; sorting by title.
CREATE INDEX posts_published_at_idx ON posts (published_at DESC, id DESC);
CREATE INDEX posts_created_at_idx ON posts (created_at, id);
CREATE INDEX posts_title_idx ON posts (title, id);
-- The comments change list, newest first, and its created-date filter.
CREATE INDEX comments_created_at_idx ON comments (created_at, id);
