//! The writes to `posts` (only the posts wing's write service calls them) and the reads a write
//! makes first: the stored row, its natural key, the state of many posts.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::PostStatus;
use crate::on_conn;
use crate::ssr::db::Conn;

use super::rows::{PostRecord, PostStateRow, StoredPostRow, STORED_COLUMNS};

/// Finds a post of any status by its publication date (UTC) and slug: the natural key that
/// Django's `unique_for_date` makes unique.
///
/// # Errors
/// The driver's error.
pub async fn find_by_date_and_slug(
    conn: Conn<'_>,
    date: NaiveDate,
    slug: &str,
) -> Result<Option<StoredPostRow>, sqlx::Error> {
    let sql = format!("SELECT {STORED_COLUMNS} FROM posts WHERE published_date = $1 AND slug = $2");
    on_conn!(conn, |c| sqlx::query_as::<_, StoredPostRow>(&sql)
        .bind(date)
        .bind(slug)
        .fetch_optional(c)
        .await)
}

/// Finds the page (`kind = 'page'`, any status) with `slug`: a page's natural key.
///
/// # Errors
/// The driver's error.
pub async fn find_page_by_slug(
    conn: Conn<'_>,
    slug: &str,
) -> Result<Option<StoredPostRow>, sqlx::Error> {
    let sql = format!("SELECT {STORED_COLUMNS} FROM posts WHERE kind = 'page' AND slug = $1");
    on_conn!(conn, |c| sqlx::query_as::<_, StoredPostRow>(&sql)
        .bind(slug)
        .fetch_optional(c)
        .await)
}

/// Finds a post of any status by id, with its saved fields.
///
/// # Errors
/// The driver's error.
pub async fn find_stored(conn: Conn<'_>, id: i64) -> Result<Option<StoredPostRow>, sqlx::Error> {
    let sql = format!("SELECT {STORED_COLUMNS} FROM posts WHERE id = $1");
    on_conn!(conn, |c| sqlx::query_as::<_, StoredPostRow>(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

/// Binds a [`PostRecord`]'s columns as `$1`..`$14` (in the struct's order) and `now` as `$15`,
/// the order both [`insert`] and [`update`] use.
macro_rules! bind_record {
    ($query:expr, $post:expr, $now:expr) => {
        $query
            .bind(&$post.title)
            .bind(&$post.slug)
            .bind($post.author_id)
            .bind($post.category_id)
            .bind(&$post.byline)
            .bind(&$post.body)
            .bind(&$post.body_source)
            .bind(&$post.body_text)
            .bind(&$post.excerpt)
            .bind(&$post.meta_description)
            .bind($post.status.as_str())
            .bind($post.published_at)
            .bind($post.kind.as_str())
            .bind($post.nav_order)
            .bind($now)
    };
}

/// Inserts a post and returns its id.
///
/// # Errors
/// The driver's error, e.g. a unique violation of `posts_slug_published_date_key`.
pub async fn insert(
    conn: Conn<'_>,
    post: &PostRecord,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    const SQL: &str =
        "INSERT INTO posts (title, slug, author_id, category_id, byline, body, body_source, \
         body_text, excerpt, meta_description, status, published_at, kind, nav_order, \
         created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
         RETURNING id";
    on_conn!(conn, |c| {
        bind_record!(sqlx::query_scalar::<_, i64>(SQL), post, now)
            .fetch_one(c)
            .await
    })
}

/// Overwrites a post's saved fields and sets `updated_at`.
///
/// # Errors
/// The driver's error; [`sqlx::Error::RowNotFound`] when no post has `id`.
pub async fn update(
    conn: Conn<'_>,
    id: i64,
    post: &PostRecord,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    const SQL: &str = "UPDATE posts SET title = $1, slug = $2, author_id = $3, category_id = $4, byline = $5, \
         body = $6, body_source = $7, body_text = $8, excerpt = $9, meta_description = $10, status = $11, \
         published_at = $12, kind = $13, nav_order = $14, updated_at = $15 WHERE id = $16";
    let result = on_conn!(conn, |c| {
        bind_record!(sqlx::query(SQL), post, now)
            .bind(id)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
    })?;
    if result == 0 {
        return Err(sqlx::Error::RowNotFound);
    }
    Ok(())
}

/// Counts all posts, whatever their status.
///
/// # Errors
/// The driver's error.
pub async fn count_all(conn: Conn<'_>) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM posts"
    )
    .fetch_one(c)
    .await)
}

/// The most ids bound in one statement (well under SQLite's 32,766 and PostgreSQL's 65,535
/// parameters).
pub const ID_CHUNK: usize = 500;

/// `$first, $first+1, ...` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The [`PostStateRow`]s of the posts `ids` that exist (in id order).
///
/// # Errors
/// The driver's error.
pub async fn states(mut conn: Conn<'_>, ids: &[i64]) -> Result<Vec<PostStateRow>, sqlx::Error> {
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(ID_CHUNK) {
        let sql = format!(
            "SELECT id, title, slug, status, published_at, author_id, category_id, kind FROM posts \
             WHERE id IN ({}) ORDER BY id",
            placeholders(1, chunk.len())
        );
        rows.extend(on_conn!(conn.reborrow(), |c| {
            let mut query = sqlx::query_as::<_, PostStateRow>(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.fetch_all(c).await
        })?);
    }
    Ok(rows)
}

/// Sets the status of the posts `ids` at `now`; publishing sets `published_at` to `now` where
/// it is empty. Returns how many rows changed.
///
/// # Errors
/// The driver's error, e.g. a unique violation of `posts_slug_published_date_key` when
/// publishing gives two posts one slug on one day.
pub async fn set_status_many(
    mut conn: Conn<'_>,
    ids: &[i64],
    status: PostStatus,
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let mut changed = 0;
    for chunk in ids.chunks(ID_CHUNK) {
        let sql = format!(
            "UPDATE posts SET status = $1, updated_at = $2, published_at = CASE \
             WHEN $1 = 'PUBLISHED' AND published_at IS NULL THEN $2 ELSE published_at END \
             WHERE id IN ({}) AND status <> $1",
            placeholders(3, chunk.len())
        );
        changed += on_conn!(conn.reborrow(), |c| {
            let mut query = sqlx::query(&sql).bind(status.as_str()).bind(now);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(changed)
}

/// Deletes the posts `ids` (their comments, revisions and redirects go with them); how many.
///
/// # Errors
/// The driver's error.
pub async fn delete_many(mut conn: Conn<'_>, ids: &[i64]) -> Result<u64, sqlx::Error> {
    let mut deleted = 0;
    for chunk in ids.chunks(ID_CHUNK) {
        let sql = format!(
            "DELETE FROM posts WHERE id IN ({})",
            placeholders(1, chunk.len())
        );
        deleted += on_conn!(conn.reborrow(), |c| {
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(deleted)
}

/// Whether a post other than `except` uses `slug` (on any day).
///
/// # Errors
/// The driver's error.
pub async fn slug_taken(
    conn: Conn<'_>,
    slug: &str,
    except: Option<i64>,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| match except {
        Some(id) => {
            sqlx::query_scalar::<_, bool>(
                "SELECT EXISTS (SELECT 1 FROM posts WHERE slug = $1 AND id <> $2)",
            )
            .bind(slug)
            .bind(id)
            .fetch_one(c)
            .await
        }
        None => {
            sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM posts WHERE slug = $1)")
                .bind(slug)
                .fetch_one(c)
                .await
        }
    })
}

/// Up to `limit` posts with an id above `after_id`, as `(id, body)` in id order (for walking
/// every stored body in batches).
///
/// # Errors
/// The driver's error.
pub async fn bodies_after(
    conn: Conn<'_>,
    after_id: i64,
    limit: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_as::<_, (i64, String)>(
            "SELECT id, body FROM posts WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after_id)
        .bind(limit)
        .fetch_all(c)
        .await
    })
}

/// Replaces the stored (sanitised) body of post `id`, leaving everything else as it is.
///
/// # Errors
/// The driver's error.
pub async fn set_body(conn: Conn<'_>, id: i64, body: &str) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("UPDATE posts SET body = $1 WHERE id = $2")
            .bind(body)
            .bind(id)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// Sets (or clears) post `id`'s featured image.
///
/// # Errors
/// The driver's error (a foreign-key violation for an unknown image).
pub async fn set_featured_image(
    conn: Conn<'_>,
    id: i64,
    media_id: Option<i64>,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| sqlx::query(
        "UPDATE posts SET featured_image_id = $1 WHERE id = $2"
    )
    .bind(media_id)
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))
}
