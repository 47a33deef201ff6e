-- A search walks the index of matching posts and looks each post up by id to test whether it is
-- public (status, kind, published_at) and in the asked-for category or author. On SQLite a post's
-- row holds its body before those columns, so the lookup read the body's overflow pages: counting
-- the public posts matching a word found in all of 100,000 posts took 190 ms from the rows and
-- 50 ms from this index (measured on the shared corpus copied to 100,000 posts). On PostgreSQL the
-- body is stored apart (TOAST) and the index allows index-only lookups; it is kept on both engines
-- so the two schemas stay the same.
CREATE INDEX posts_id_visibility_idx ON posts (id, status, kind, published_at, category_id, author_id);
