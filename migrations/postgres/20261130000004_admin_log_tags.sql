-- The audit log records tags (PostgreSQL). Keep in step with
-- ../sqlite/20261130000004_admin_log_tags.sql (the schema test compares them).
ALTER TABLE admin_log DROP CONSTRAINT admin_log_object_type_check;
ALTER TABLE admin_log ADD CONSTRAINT admin_log_object_type_check
    CHECK (object_type IN ('post', 'category', 'tag', 'comment', 'user'));
