-- Full-text search (SQLite). The PostgreSQL twin is ../postgres/20261201000001_search.sql; the
-- two engines index differently (FTS5 here, a weighted tsvector there), so the `schema` test
-- leaves `post_search*` out of its comparison.

-- One row per post (drafts and pages too: the admin searches them), `rowid` = `posts.id`.
-- Columns in ranking order: bm25() weighs the title above the excerpt and tags, and those above
-- the body. Porter stemming over unicode61 (`publishing` finds `published`), diacritics folded;
-- prefix indexes make `as*` and `asy*` queries cheap.
CREATE VIRTUAL TABLE post_search USING fts5 (
    title,
    excerpt,
    tags,
    body,
    tokenize = 'porter unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- Kept in step by triggers, so every writer (the write service, imports, the CLI, raw SQL in an
-- operator's shell) keeps the index right. Writes that do not change indexed text (view counts,
-- status, dates) do not touch it.
CREATE TRIGGER post_search_after_insert AFTER INSERT ON posts BEGIN
    INSERT INTO post_search (rowid, title, excerpt, tags, body)
    VALUES (
        new.id,
        new.title,
        new.excerpt || ' ' || COALESCE(new.meta_description, ''),
        COALESCE((SELECT group_concat(t.name, ' ') FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = new.id), ''),
        new.body_text
    );
END;

CREATE TRIGGER post_search_after_update AFTER UPDATE OF title, excerpt, meta_description, body_text ON posts BEGIN
    UPDATE post_search
    SET title = new.title,
        excerpt = new.excerpt || ' ' || COALESCE(new.meta_description, ''),
        body = new.body_text
    WHERE rowid = new.id;
END;

CREATE TRIGGER post_search_after_delete AFTER DELETE ON posts BEGIN
    DELETE FROM post_search WHERE rowid = old.id;
END;

-- A post's tags: added, moved (a tag merge), removed (also by a tag's deletion, through the
-- cascade), renamed.
CREATE TRIGGER post_search_after_tag_insert AFTER INSERT ON post_tags BEGIN
    UPDATE post_search
    SET tags = COALESCE((SELECT group_concat(t.name, ' ') FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = new.post_id), '')
    WHERE rowid = new.post_id;
END;

CREATE TRIGGER post_search_after_tag_delete AFTER DELETE ON post_tags BEGIN
    UPDATE post_search
    SET tags = COALESCE((SELECT group_concat(t.name, ' ') FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = old.post_id), '')
    WHERE rowid = old.post_id;
END;

CREATE TRIGGER post_search_after_tag_move AFTER UPDATE ON post_tags BEGIN
    UPDATE post_search
    SET tags = COALESCE((SELECT group_concat(t.name, ' ') FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = post_search.rowid), '')
    WHERE rowid IN (old.post_id, new.post_id);
END;

CREATE TRIGGER post_search_after_tag_rename AFTER UPDATE OF name ON tags BEGIN
    UPDATE post_search
    SET tags = COALESCE((SELECT group_concat(t.name, ' ') FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = post_search.rowid), '')
    WHERE rowid IN (SELECT post_id FROM post_tags WHERE tag_id = new.id);
END;

-- The posts already there.
INSERT INTO post_search (rowid, title, excerpt, tags, body)
SELECT
    p.id,
    p.title,
    p.excerpt || ' ' || COALESCE(p.meta_description, ''),
    COALESCE((SELECT group_concat(t.name, ' ') FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = p.id), ''),
    p.body_text
FROM posts p;
