-- Threaded comments (PostgreSQL). Keep in step with ../sqlite/20261201000008_comment_replies.sql
-- (the `schema_parity` test compares them).

-- A reply names the comment it answers (imported from WordPress, whose comments are threaded);
-- deleting a comment deletes its replies, as WordPress does. Top-level comments have none.
ALTER TABLE comments ADD COLUMN parent_id BIGINT REFERENCES comments (id) ON DELETE CASCADE;
CREATE INDEX comments_parent_id_idx ON comments (parent_id);
