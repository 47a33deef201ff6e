-- Which posts a subscriber gets (SQLite). Keep in step with
-- ../postgres/20261201000006_subscriber_categories.sql (the `schema_parity` test compares them).

-- `all_posts`: every new post (the default, and what subscribers before this migration had);
-- otherwise only posts in the categories listed in `subscriber_categories` (none listed: none).
ALTER TABLE subscribers ADD COLUMN all_posts BOOLEAN NOT NULL DEFAULT TRUE;

-- The categories a subscriber chose. Deleting a category or a subscriber removes its rows.
CREATE TABLE subscriber_categories (
    subscriber_id INTEGER NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
    category_id INTEGER NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    PRIMARY KEY (subscriber_id, category_id)
);
-- The admin's "by category" filter and the recipients of a post in one category.
CREATE INDEX subscriber_categories_category_id_idx ON subscriber_categories (category_id, subscriber_id);
