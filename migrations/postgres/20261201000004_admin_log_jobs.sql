-- The audit log records background jobs and newsletter subscribers (changed by staff) (PostgreSQL).
-- Keep in step with ../sqlite/20261201000004_admin_log_jobs.sql (the schema test compares them).
ALTER TABLE admin_log DROP CONSTRAINT admin_log_object_type_check;
ALTER TABLE admin_log ADD CONSTRAINT admin_log_object_type_check
    CHECK (object_type IN ('post', 'category', 'tag', 'comment', 'user', 'job', 'subscriber'));
