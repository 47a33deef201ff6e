//! Queries on `posts`: the public lists and detail, view counting, and saving.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::PostStatus;
use crate::model::{CategoryRef, PostSummary, PublicUser};
use crate::on_conn;
use crate::ssr::db::Conn;

/// The columns of a post in a list, joined with its author and category (as a macro so the
/// detail columns can extend it at compile time).
macro_rules! summary_columns {
    () => {
        "p.id, p.title, p.slug, p.excerpt, p.byline, p.published_at, \
         u.username AS author_username, u.display_name AS author_display_name, \
         u.bio AS author_bio, u.avatar_url AS author_avatar_url, \
         c.name AS category_name, c.slug AS category_slug"
    };
}

/// The columns of a [`PostSummaryRow`].
const SUMMARY_COLUMNS: &str = summary_columns!();

/// The columns of a [`PostDetailRow`]: the summary plus the body and counters.
const DETAIL_COLUMNS: &str = concat!(
    summary_columns!(),
    ", p.body, p.body_text, p.meta_description, p.view_count, p.updated_at, \
     fm.file_name AS featured_image_file, fm.width AS featured_image_width, \
     fm.height AS featured_image_height"
);

const FROM_JOINED: &str =
    "FROM posts p JOIN users u ON u.id = p.author_id JOIN categories c ON c.id = p.category_id";

/// [`FROM_JOINED`] plus the featured image, for [`DETAIL_COLUMNS`].
const FROM_DETAIL: &str = "FROM posts p JOIN users u ON u.id = p.author_id \
     JOIN categories c ON c.id = p.category_id LEFT JOIN media fm ON fm.id = p.featured_image_id";

/// The rule that makes a post public: published, and its date has come (`$1` is now).
const PUBLIC: &str =
    "p.status = 'PUBLISHED' AND p.published_at IS NOT NULL AND p.published_at <= $1";

/// Which public posts a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostFilter {
    /// Every public post.
    All,
    /// Posts in the category with this slug.
    Category(String),
    /// Posts by the user with this username.
    Author(String),
    /// Posts whose title or text contains every one of these words (case-insensitive).
    Search(Vec<String>),
}

/// The most words a search uses; later words are ignored.
pub const MAX_SEARCH_TERMS: usize = 8;

impl PostFilter {
    /// A search filter from what a reader typed: split on whitespace, lower-cased, at most
    /// [`MAX_SEARCH_TERMS`] words. `None` when nothing is left.
    pub fn search(query: &str) -> Option<Self> {
        let terms: Vec<String> = query
            .split_whitespace()
            .take(MAX_SEARCH_TERMS)
            .map(str::to_lowercase)
            .collect();
        (!terms.is_empty()).then_some(Self::Search(terms))
    }

    /// The SQL condition (after `AND`) and its bind values; placeholders start at `$first`.
    fn condition(&self, first: usize) -> (String, Vec<String>) {
        match self {
            Self::All => (String::new(), Vec::new()),
            // Sub-selects instead of joined columns, so counting needs no join (index-only).
            Self::Category(slug) => (
                format!(" AND p.category_id = (SELECT id FROM categories WHERE slug = ${first})"),
                vec![slug.clone()],
            ),
            Self::Author(username) => (
                format!(" AND p.author_id = (SELECT id FROM users WHERE username = ${first})"),
                vec![username.clone()],
            ),
            Self::Search(terms) => {
                let mut sql = String::new();
                let mut binds = Vec::with_capacity(terms.len());
                for (i, term) in terms.iter().enumerate() {
                    let n = first + i;
                    // LOWER() on both sides; SQLite's LOWER folds ASCII only, PostgreSQL's all of Unicode.
                    sql.push_str(&format!(
                        " AND (LOWER(p.title) LIKE ${n} ESCAPE '\\' OR LOWER(p.body_text) LIKE ${n} ESCAPE '\\')"
                    ));
                    binds.push(format!("%{}%", escape_like(term)));
                }
                (sql, binds)
            }
        }
    }
}

/// Escapes LIKE's wildcards (`%`, `_`) and the escape character itself (queries say
/// `ESCAPE '\\'`).
pub fn escape_like(term: &str) -> String {
    let mut out = String::with_capacity(term.len());
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A post in a list, as the list query returns it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostSummaryRow {
    /// `posts.id`.
    pub id: i64,
    /// `posts.title`.
    pub title: String,
    /// `posts.slug`.
    pub slug: String,
    /// `posts.excerpt`.
    pub excerpt: String,
    /// `posts.byline`.
    pub byline: Option<String>,
    /// `posts.published_at` (never null for public posts).
    pub published_at: DateTime<Utc>,
    /// `users.username` of the author.
    pub author_username: String,
    /// `users.display_name` of the author.
    pub author_display_name: String,
    /// `users.bio` of the author.
    pub author_bio: String,
    /// `users.avatar_url` of the author.
    pub author_avatar_url: Option<String>,
    /// `categories.name`.
    pub category_name: String,
    /// `categories.slug`.
    pub category_slug: String,
}

impl From<PostSummaryRow> for PostSummary {
    fn from(row: PostSummaryRow) -> Self {
        Self {
            id: row.id,
            path: crate::domain::text::post_path(row.published_at, &row.slug),
            title: row.title,
            excerpt: row.excerpt,
            author: PublicUser::new(
                row.author_username,
                row.author_display_name,
                row.author_bio,
                row.author_avatar_url,
            ),
            byline: row.byline,
            category: CategoryRef {
                name: row.category_name,
                slug: row.category_slug,
            },
            published_at: row.published_at,
        }
    }
}

/// A public post with its body, as the detail query returns it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostDetailRow {
    /// The list fields.
    #[sqlx(flatten)]
    pub summary: PostSummaryRow,
    /// `posts.body` (sanitised HTML).
    pub body: String,
    /// `posts.body_text`.
    pub body_text: String,
    /// `posts.meta_description`.
    pub meta_description: Option<String>,
    /// `posts.view_count` before this view.
    pub view_count: i64,
    /// `posts.updated_at`.
    pub updated_at: DateTime<Utc>,
    /// The featured image's stored name under the media folder (`media.file_name`), if any.
    pub featured_image_file: Option<String>,
    /// Its width in pixels.
    pub featured_image_width: Option<i64>,
    /// Its height in pixels.
    pub featured_image_height: Option<i64>,
}

/// Counts the public posts that `filter` selects.
///
/// # Errors
/// The driver's error.
pub async fn count_public(
    conn: Conn<'_>,
    now: DateTime<Utc>,
    filter: &PostFilter,
) -> Result<i64, sqlx::Error> {
    let (condition, binds) = filter.condition(2);
    let sql = format!("SELECT COUNT(*) FROM posts p WHERE {PUBLIC}{condition}");
    on_conn!(conn, |c| {
        let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(now);
        for value in &binds {
            query = query.bind(value);
        }
        query.fetch_one(c).await
    })
}

/// Lists public posts that `filter` selects, newest first (ties by id, newest first).
///
/// # Errors
/// The driver's error.
pub async fn list_public(
    conn: Conn<'_>,
    now: DateTime<Utc>,
    filter: &PostFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<PostSummaryRow>, sqlx::Error> {
    let (condition, binds) = filter.condition(2);
    let n = binds.len() + 2;
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} {FROM_JOINED} WHERE {PUBLIC}{condition} \
         ORDER BY p.published_at DESC, p.id DESC LIMIT ${n} OFFSET ${}",
        n + 1
    );
    on_conn!(conn, |c| {
        let mut query = sqlx::query_as::<_, PostSummaryRow>(&sql).bind(now);
        for value in &binds {
            query = query.bind(value);
        }
        query.bind(limit).bind(offset).fetch_all(c).await
    })
}

/// Finds the public post published on `date` (UTC) with `slug` (case-sensitive).
///
/// # Errors
/// The driver's error.
pub async fn find_public(
    conn: Conn<'_>,
    now: DateTime<Utc>,
    date: NaiveDate,
    slug: &str,
) -> Result<Option<PostDetailRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {DETAIL_COLUMNS} {FROM_DETAIL} WHERE {PUBLIC} AND p.published_date = $2 AND p.slug = $3"
    );
    on_conn!(conn, |c| {
        sqlx::query_as::<_, PostDetailRow>(&sql)
            .bind(now)
            .bind(date)
            .bind(slug)
            .fetch_optional(c)
            .await
    })
}

/// Post `id` in any status, shaped as the public page shows it (the staff-only preview); a post
/// without `published_at` shows `now` as its date.
///
/// # Errors
/// The driver's error.
pub async fn find_for_preview(
    conn: Conn<'_>,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<PostDetailRow>, sqlx::Error> {
    let columns = DETAIL_COLUMNS.replacen(
        "p.published_at",
        "COALESCE(p.published_at, $2) AS published_at",
        1,
    );
    let sql = format!("SELECT {columns} {FROM_DETAIL} WHERE p.id = $1");
    on_conn!(conn, |c| {
        sqlx::query_as::<_, PostDetailRow>(&sql)
            .bind(id)
            .bind(now)
            .fetch_optional(c)
            .await
    })
}

/// Adds one to a post's view count in a single statement (no read-modify-write, so
/// concurrent views are never lost) and returns the new count; `None` if the post is gone.
///
/// # Errors
/// The driver's error.
pub async fn increment_view_count(
    conn: Conn<'_>,
    post_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
            "UPDATE posts SET view_count = view_count + 1 WHERE id = $1 RETURNING view_count",
        )
        .bind(post_id)
        .fetch_optional(c)
        .await
    })
}

/// Every public post's path parts and last change, newest first (for the sitemap and feed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostStampRow {
    /// `posts.slug`.
    pub slug: String,
    /// `posts.published_at`.
    pub published_at: DateTime<Utc>,
    /// `posts.updated_at`.
    pub updated_at: DateTime<Utc>,
}

/// When a public post last changed (the home page's `lastmod` in the sitemap); `None` when
/// nothing is public.
///
/// # Errors
/// The driver's error.
pub async fn latest_public_update(
    conn: Conn<'_>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let sql = format!("SELECT MAX(p.updated_at) FROM posts p WHERE {PUBLIC}");
    on_conn!(conn, |c| sqlx::query_scalar::<_, Option<DateTime<Utc>>>(
        &sql
    )
    .bind(now)
    .fetch_one(c)
    .await)
}

/// Up to `limit` public posts' stamps after the first `offset`, newest first (one sitemap file
/// of a site with more posts than one file may list).
///
/// # Errors
/// The driver's error.
pub async fn list_public_stamps_page(
    conn: Conn<'_>,
    now: DateTime<Utc>,
    limit: i64,
    offset: i64,
) -> Result<Vec<PostStampRow>, sqlx::Error> {
    let sql = format!(
        "SELECT p.slug, p.published_at, p.updated_at FROM posts p WHERE {PUBLIC} ORDER BY p.published_at DESC, p.id DESC LIMIT $2 OFFSET $3"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, PostStampRow>(&sql)
        .bind(now)
        .bind(limit)
        .bind(offset)
        .fetch_all(c)
        .await)
}

/// The latest public posts with their bodies, newest first (for the Atom feed).
///
/// # Errors
/// The driver's error.
pub async fn list_public_with_body(
    conn: Conn<'_>,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<PostDetailRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {DETAIL_COLUMNS} {FROM_DETAIL} WHERE {PUBLIC} ORDER BY p.published_at DESC, p.id DESC LIMIT $2"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, PostDetailRow>(&sql)
        .bind(now)
        .bind(limit)
        .fetch_all(c)
        .await)
}

/// All columns a save writes; built by the blog service, which applies the rules first.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PostRecord {
    /// The title (1-200 characters).
    pub title: String,
    /// The slug (1-220 characters).
    pub slug: String,
    /// The author's user id.
    pub author_id: i64,
    /// The category id.
    pub category_id: i64,
    /// Credits for several authors, if any.
    pub byline: Option<String>,
    /// Sanitised HTML.
    pub body: String,
    /// The Markdown the body came from, if any.
    pub body_source: Option<String>,
    /// Plain text of the body.
    pub body_text: String,
    /// Derived excerpt.
    pub excerpt: String,
    /// Description for search engines and link previews.
    pub meta_description: Option<String>,
    /// Publication status.
    #[sqlx(try_from = "String")]
    pub status: PostStatus,
    /// Publication time (UTC), if set.
    pub published_at: Option<DateTime<Utc>>,
}

/// A stored post's saved fields plus what a write checks and keeps: id, last save, featured
/// image and the author's username.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredPostRow {
    /// `posts.id`.
    pub id: i64,
    /// The saved fields.
    #[sqlx(flatten)]
    pub record: PostRecord,
    /// `posts.updated_at` (the version of the post, with its id and status).
    pub updated_at: DateTime<Utc>,
    /// `posts.featured_image_id`.
    pub featured_image_id: Option<i64>,
    /// The author's username.
    pub author_username: String,
}

const STORED_COLUMNS: &str =
    "id, title, slug, author_id, category_id, byline, body, body_source, body_text, \
     excerpt, meta_description, status, published_at, updated_at, featured_image_id, \
     (SELECT username FROM users WHERE users.id = posts.author_id) AS author_username";

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

/// Binds a [`PostRecord`]'s columns as `$1`..`$12` (in the struct's order) and `now` as `$13`,
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
         body_text, excerpt, meta_description, status, published_at, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id";
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
         published_at = $12, updated_at = $13 WHERE id = $14";
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

/// What a write needs to know of a post it changes many of at once: its address parts,
/// status, author and category.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostStateRow {
    /// `posts.id`.
    pub id: i64,
    /// `posts.title`.
    pub title: String,
    /// `posts.slug`.
    pub slug: String,
    /// `posts.status`.
    #[sqlx(try_from = "String")]
    pub status: PostStatus,
    /// `posts.published_at`.
    pub published_at: Option<DateTime<Utc>>,
    /// `posts.author_id`.
    pub author_id: i64,
    /// `posts.category_id`.
    pub category_id: i64,
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
            "SELECT id, title, slug, status, published_at, author_id, category_id FROM posts \
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_terms_are_escaped_and_bounded() {
        let filter = PostFilter::search("100%  Rust_lang a\\b").unwrap();
        let (sql, binds) = filter.condition(2);
        assert_eq!(binds, vec!["%100\\%%", "%rust\\_lang%", "%a\\\\b%"]);
        assert!(sql.contains("$2") && sql.contains("$4") && !sql.contains("$5"));
        assert_eq!(PostFilter::search("   "), None);
        let many = PostFilter::search(&"w ".repeat(50)).unwrap();
        assert!(matches!(many, PostFilter::Search(t) if t.len() == MAX_SEARCH_TERMS));
    }
}
