//! Queries on `tags` and `post_tags`: a post's tags in order, tags by slug, the tag lists of the
//! admin, the API and the suggestions, merging and deleting.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::on_conn;
use crate::ssr::db::filter::{escape_like, Value, Where};
use crate::ssr::db::Conn;

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TagRow {
    /// `tags.id`.
    pub id: i64,
    /// `tags.name`.
    pub name: String,
    /// `tags.slug`.
    pub slug: String,
    /// `tags.description`.
    pub description: String,
}

/// A tag with how many posts carry it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TagCountRow {
    /// The tag.
    #[sqlx(flatten)]
    pub tag: TagRow,
    /// Posts (of any status) with the tag.
    pub post_count: i64,
}

const COLUMNS: &str = "t.id, t.name, t.slug, t.description";

/// The tag named `name`, ignoring case (names are not unique in the schema, only slugs; the
/// lowest id wins).
///
/// # Errors
/// The driver's error.
pub async fn find_by_name(conn: Conn<'_>, name: &str) -> Result<Option<TagRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM tags t WHERE LOWER(t.name) = LOWER($1) ORDER BY t.id LIMIT 1"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, TagRow>(&sql)
        .bind(name)
        .fetch_optional(c)
        .await)
}

/// The tag with `slug`.
///
/// # Errors
/// The driver's error.
pub async fn find_by_slug(conn: Conn<'_>, slug: &str) -> Result<Option<TagRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM tags t WHERE t.slug = $1");
    on_conn!(conn, |c| sqlx::query_as::<_, TagRow>(&sql)
        .bind(slug)
        .fetch_optional(c)
        .await)
}

/// The tag with `id`.
///
/// # Errors
/// The driver's error.
pub async fn find_by_id(conn: Conn<'_>, id: i64) -> Result<Option<TagRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM tags t WHERE t.id = $1");
    on_conn!(conn, |c| sqlx::query_as::<_, TagRow>(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

/// The tags with these slugs (in no particular order; unknown slugs are left out).
///
/// # Errors
/// The driver's error.
pub async fn find_by_slugs(conn: Conn<'_>, slugs: &[String]) -> Result<Vec<TagRow>, sqlx::Error> {
    if slugs.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = Where::default();
    let list: Vec<String> = slugs
        .iter()
        .map(|s| w.push(Value::Text(s.clone())))
        .collect();
    w.and(&format!("t.slug IN ({})", list.join(", ")));
    let sql = format!("SELECT {COLUMNS} FROM tags t{}", w.sql);
    on_conn!(conn, |c| crate::bind_values!(
        sqlx::query_as::<_, TagRow>(&sql),
        &w.values
    )
    .fetch_all(c)
    .await)
}

/// Inserts a tag; its id.
///
/// # Errors
/// The driver's error, e.g. a unique violation of `tags_slug_key`.
pub async fn insert(conn: Conn<'_>, name: &str, slug: &str) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(
        "INSERT INTO tags (name, slug) VALUES ($1, $2) RETURNING id"
    )
    .bind(name)
    .bind(slug)
    .fetch_one(c)
    .await)
}

/// Changes a tag's name, slug and description.
///
/// # Errors
/// The driver's error, e.g. a unique violation of `tags_slug_key`.
pub async fn update(
    conn: Conn<'_>,
    id: i64,
    name: &str,
    slug: &str,
    description: &str,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query(
        "UPDATE tags SET name = $1, slug = $2, description = $3 WHERE id = $4"
    )
    .bind(name)
    .bind(slug)
    .bind(description)
    .bind(id)
    .execute(c)
    .await
    .map(|r| r.rows_affected() == 1))
}

/// The tags of post `post_id`, in their order.
///
/// # Errors
/// The driver's error.
pub async fn for_post(conn: Conn<'_>, post_id: i64) -> Result<Vec<TagRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM post_tags pt JOIN tags t ON t.id = pt.tag_id \
         WHERE pt.post_id = $1 ORDER BY pt.position"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, TagRow>(&sql)
        .bind(post_id)
        .fetch_all(c)
        .await)
}

/// The tags of each of the posts `post_ids`, in their order (one query per 500 posts).
///
/// # Errors
/// The driver's error.
pub async fn for_posts(
    mut conn: Conn<'_>,
    post_ids: &[i64],
) -> Result<HashMap<i64, Vec<TagRow>>, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        post_id: i64,
        #[sqlx(flatten)]
        tag: TagRow,
    }
    let mut by_post: HashMap<i64, Vec<TagRow>> = HashMap::new();
    for chunk in post_ids.chunks(500) {
        let mut w = Where::default();
        let list: Vec<String> = chunk.iter().map(|id| w.push(Value::Int(*id))).collect();
        w.and(&format!("pt.post_id IN ({})", list.join(", ")));
        let sql = format!(
            "SELECT pt.post_id, {COLUMNS} FROM post_tags pt JOIN tags t ON t.id = pt.tag_id{} \
             ORDER BY pt.post_id, pt.position",
            w.sql
        );
        let rows: Vec<Row> = on_conn!(conn.reborrow(), |c| crate::bind_values!(
            sqlx::query_as::<_, Row>(&sql),
            &w.values
        )
        .fetch_all(c)
        .await)?;
        for row in rows {
            by_post.entry(row.post_id).or_default().push(row.tag);
        }
    }
    Ok(by_post)
}

/// Replaces post `post_id`'s tags with `tag_ids`, in that order.
///
/// # Errors
/// The driver's error.
pub async fn set_for_post(
    mut conn: Conn<'_>,
    post_id: i64,
    tag_ids: &[i64],
) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), |c| sqlx::query(
        "DELETE FROM post_tags WHERE post_id = $1"
    )
    .bind(post_id)
    .execute(c)
    .await
    .map(|_| ()))?;
    for (position, tag_id) in tag_ids.iter().enumerate() {
        on_conn!(conn.reborrow(), |c| sqlx::query(
            "INSERT INTO post_tags (post_id, tag_id, position) VALUES ($1, $2, $3)"
        )
        .bind(post_id)
        .bind(*tag_id)
        .bind(position as i32)
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    Ok(())
}

/// Tags whose name or slug starts with (then contains) `term`, for the tag field's suggestions:
/// at most `limit`, prefix matches first, then by name.
///
/// # Errors
/// The driver's error.
pub async fn search(conn: Conn<'_>, term: &str, limit: i64) -> Result<Vec<TagRow>, sqlx::Error> {
    let term = term.trim().to_lowercase();
    let contains = format!("%{}%", escape_like(&term));
    let prefix = format!("{}%", escape_like(&term));
    let sql = format!(
        "SELECT {COLUMNS} FROM tags t \
         WHERE LOWER(t.name) LIKE $1 ESCAPE '\\' OR t.slug LIKE $1 ESCAPE '\\' \
         ORDER BY CASE WHEN LOWER(t.name) LIKE $2 ESCAPE '\\' THEN 0 ELSE 1 END, t.name, t.id \
         LIMIT $3"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, TagRow>(&sql)
        .bind(&contains)
        .bind(&prefix)
        .bind(limit)
        .fetch_all(c)
        .await)
}

/// How many tags there are.
///
/// # Errors
/// The driver's error.
pub async fn count(conn: Conn<'_>) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM tags"
    )
    .fetch_one(c)
    .await)
}

/// One page of the tags by name, with how many posts carry each (the REST API's list).
///
/// # Errors
/// The driver's error.
pub async fn list_with_counts(
    conn: Conn<'_>,
    limit: i64,
    offset: i64,
) -> Result<Vec<TagCountRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS}, (SELECT COUNT(*) FROM post_tags pt WHERE pt.tag_id = t.id) AS post_count \
         FROM tags t ORDER BY t.name, t.id LIMIT $1 OFFSET $2"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, TagCountRow>(&sql)
        .bind(limit)
        .bind(offset)
        .fetch_all(c)
        .await)
}

/// Slugs of the tags that have at least one public post at `now` (for the sitemap).
///
/// # Errors
/// The driver's error.
pub async fn slugs_with_public_posts(
    conn: Conn<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, String>(
        "SELECT t.slug FROM tags t WHERE EXISTS (SELECT 1 FROM post_tags pt JOIN posts p \
         ON p.id = pt.post_id WHERE pt.tag_id = t.id AND p.status = 'PUBLISHED' \
         AND p.published_at IS NOT NULL AND p.published_at <= $1 AND p.kind = 'post') \
         ORDER BY t.slug"
    )
    .bind(now)
    .fetch_all(c)
    .await)
}

/// The ids of the posts tagged `tag_id`.
///
/// # Errors
/// The driver's error.
pub async fn post_ids(conn: Conn<'_>, tag_id: i64) -> Result<Vec<i64>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(
        "SELECT post_id FROM post_tags WHERE tag_id = $1 ORDER BY post_id"
    )
    .bind(tag_id)
    .fetch_all(c)
    .await)
}

/// How many posts (of any status) carry tag `tag_id`, and the titles of the first `limit` of
/// them by id (the tag's delete confirmation).
///
/// # Errors
/// The driver's error.
pub async fn posts_named(
    mut conn: Conn<'_>,
    tag_id: i64,
    limit: i64,
) -> Result<(i64, Vec<String>), sqlx::Error> {
    let count = on_conn!(conn.reborrow(), |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM post_tags WHERE tag_id = $1"
    )
    .bind(tag_id)
    .fetch_one(c)
    .await)?;
    let names = on_conn!(conn, |c| sqlx::query_scalar::<_, String>(
        "SELECT p.title FROM post_tags pt JOIN posts p ON p.id = pt.post_id \
         WHERE pt.tag_id = $1 ORDER BY p.id LIMIT $2"
    )
    .bind(tag_id)
    .bind(limit)
    .fetch_all(c)
    .await)?;
    Ok((count, names))
}

/// Moves every post of tag `from` to tag `into` (a post with both keeps one, at `into`'s
/// position), then deletes `from`. Returns how many posts moved.
///
/// # Errors
/// The driver's error.
pub async fn merge(mut conn: Conn<'_>, from: i64, into: i64) -> Result<u64, sqlx::Error> {
    let moved = on_conn!(conn.reborrow(), |c| sqlx::query(
        "UPDATE post_tags SET tag_id = $2 WHERE tag_id = $1 AND post_id NOT IN \
         (SELECT post_id FROM post_tags WHERE tag_id = $2)"
    )
    .bind(from)
    .bind(into)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    delete(conn, from).await?;
    Ok(moved)
}

/// Deletes tag `id` (its posts lose it).
///
/// # Errors
/// The driver's error.
pub async fn delete(conn: Conn<'_>, id: i64) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query("DELETE FROM tags WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1))
}
