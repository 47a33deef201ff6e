-- Static pages (About, Contact, Colophon...). Keep the SQLite and PostgreSQL files in step (the
-- `schema_parity` test compares them).

-- A post is a dated `post` (the default) or a `page`, which lives at `/<slug>/`, is never in the
-- home list, feeds or archives, and is listed in the site's navigation when it has a
-- `nav_order` (smallest first).
ALTER TABLE posts ADD COLUMN kind TEXT NOT NULL DEFAULT 'post' CHECK (kind IN ('post', 'page'));
ALTER TABLE posts ADD COLUMN nav_order INTEGER CHECK (nav_order IS NULL OR nav_order >= 0);
-- One page per address.
CREATE UNIQUE INDEX posts_page_slug_key ON posts (slug) WHERE kind = 'page';
-- The public lists select posts of one kind: the kind leads this index, so counting and paging
-- the public posts still read it alone (author and category included for their archives). The
-- status-led index stays for the admin's status filter.
CREATE INDEX posts_kind_status_published_at_idx ON posts (kind, status, published_at DESC, id DESC, author_id, category_id);
