-- Full-text search (PostgreSQL). The SQLite twin is ../sqlite/20261201000001_search.sql; the
-- two engines index differently (FTS5 there, a weighted tsvector here), so the `schema` test
-- leaves `post_search*` out of its comparison.

-- One row per post (drafts and pages too: the admin searches them): the post's weighted
-- document, A the title, B the excerpt, meta description and tag names, C the body text, with
-- the `english` configuration (Snowball stemming, English stop words).
CREATE TABLE post_search (
    post_id BIGINT PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    document TSVECTOR NOT NULL
);
CREATE INDEX post_search_document_idx ON post_search USING GIN (document);

-- Writes the document of post `pid` as it is now (nothing when the post is gone). The text is
-- plain text, so `<` and `>` are made spaces first: PostgreSQL's parser would read `<script>` or
-- `Vec<T>` as markup and skip it, and an unclosed `<` swallows the words after it. PL/pgSQL
-- (volatile): every statement takes a fresh snapshot, so a trigger sees the row its statement
-- just wrote. (A STABLE SQL function here, run by a trigger of a statement sent with the
-- extended protocol, was seen to miss the post_tags row just inserted.)
CREATE FUNCTION post_search_refresh(pid BIGINT) RETURNS VOID
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO post_search (post_id, document)
    SELECT p.id,
        setweight(to_tsvector('english', translate(p.title, '<>', '  ')), 'A')
        || setweight(to_tsvector('english', translate(p.excerpt || ' ' || COALESCE(p.meta_description, '') || ' '
            || COALESCE((SELECT string_agg(t.name, ' ' ORDER BY pt.position)
                         FROM post_tags pt JOIN tags t ON t.id = pt.tag_id
                         WHERE pt.post_id = p.id), ''), '<>', '  ')), 'B')
        || setweight(to_tsvector('english', translate(p.body_text, '<>', '  ')), 'C')
    FROM posts p WHERE p.id = pid
    ON CONFLICT (post_id) DO UPDATE SET document = excluded.document;
END
$$;

-- Kept in step by triggers, so every writer (the write service, imports, the CLI, raw SQL in an
-- operator's shell) keeps the index right. Writes that do not change indexed text (view counts,
-- status, dates) do not touch it; a deleted post's row goes with it (ON DELETE CASCADE).
CREATE FUNCTION post_search_on_post() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM post_search_refresh(NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER post_search_after_insert AFTER INSERT ON posts
    FOR EACH ROW EXECUTE FUNCTION post_search_on_post();
CREATE TRIGGER post_search_after_update AFTER UPDATE OF title, excerpt, meta_description, body_text ON posts
    FOR EACH ROW EXECUTE FUNCTION post_search_on_post();

-- A post's tags: added, moved (a tag merge), removed (also by a tag's deletion, through the
-- cascade), renamed.
CREATE FUNCTION post_search_on_post_tag() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        PERFORM post_search_refresh(OLD.post_id);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM post_search_refresh(NEW.post_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER post_search_after_tag_change AFTER INSERT OR UPDATE OR DELETE ON post_tags
    FOR EACH ROW EXECUTE FUNCTION post_search_on_post_tag();

CREATE FUNCTION post_search_on_tag_rename() RETURNS TRIGGER
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM post_search_refresh(pt.post_id) FROM post_tags pt WHERE pt.tag_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER post_search_after_tag_rename AFTER UPDATE OF name ON tags
    FOR EACH ROW EXECUTE FUNCTION post_search_on_tag_rename();

-- The posts already there.
SELECT post_search_refresh(p.id) FROM posts p;
