-- The audit log records background jobs and newsletter subscribers (changed by staff) (SQLite).
-- Keep in step with ../postgres/20261201000004_admin_log_jobs.sql (the schema test compares them).
--
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt as its documentation
-- describes (create the new table, copy, drop, rename); nothing references admin_log, and ids
-- keep their values, so history links stay valid.
CREATE TABLE admin_log_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    action_time DATETIME NOT NULL,
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    user_repr TEXT NOT NULL CHECK (length(user_repr) <= 254),
    object_type TEXT NOT NULL CHECK (object_type IN ('post', 'category', 'tag', 'comment', 'user', 'job', 'subscriber')),
    object_id INTEGER NOT NULL,
    object_repr TEXT NOT NULL CHECK (length(object_repr) <= 200),
    action TEXT NOT NULL CHECK (action IN ('add', 'change', 'delete')),
    change_message TEXT NOT NULL DEFAULT ''
);
INSERT INTO admin_log_new (id, action_time, user_id, user_repr, object_type, object_id,
                           object_repr, action, change_message)
SELECT id, action_time, user_id, user_repr, object_type, object_id, object_repr, action,
       change_message
FROM admin_log;
DROP TABLE admin_log;
ALTER TABLE admin_log_new RENAME TO admin_log;
CREATE INDEX admin_log_action_time_idx ON admin_log (action_time DESC, id DESC);
CREATE INDEX admin_log_object_idx ON admin_log (object_type, object_id, action_time);
CREATE INDEX admin_log_user_id_idx ON admin_log (user_id);
