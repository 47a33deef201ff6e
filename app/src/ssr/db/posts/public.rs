//! The public site's reads of posts: lists and counts of public posts (all, by category, by
//! author; searches are in [`super::search`]), a public post by its address, the staff preview, view counts, the feed,
//! the sitemap, trending posts and every title.

use chrono::{DateTime, NaiveDate, Utc};

use crate::on_conn;
use crate::ssr::db::filter::{Value, Where};
use crate::ssr::db::Conn;

use super::rows::{
    and_in_category, and_tagged, count_where, PostDetailRow, PostStampRow, PostSummaryRow,
    DETAIL_COLUMNS, FROM_DETAIL, FROM_JOINED, PREVIEW_COLUMNS, PUBLIC, PUBLIC_POSTS,
    SUMMARY_COLUMNS,
};

/// Which public posts a list shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PostFilter {
    /// Every public post.
    All,
    /// Posts in the category with this slug.
    Category(String),
    /// Posts by the user with this username.
    Author(String),
    /// Posts carrying the tag with this slug.
    Tag(String),
}

impl PostFilter {
    /// The `WHERE` clause of the public posts this filter selects, `now` being the time.
    fn conditions(&self, now: DateTime<Utc>) -> Where {
        let mut w = Where::default();
        // PUBLIC names the time `$1`: the first value pushed.
        w.push(Value::Time(now));
        w.and(PUBLIC_POSTS);
        match self {
            Self::All => {}
            Self::Category(slug) => and_in_category(&mut w, slug),
            Self::Author(username) => {
                let username = w.push(Value::Text(username.clone()));
                w.and(&format!(
                    "p.author_id = (SELECT id FROM users WHERE username = {username})"
                ));
            }
            Self::Tag(slug) => and_tagged(&mut w, slug),
        }
        w
    }
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
    count_where(conn, "FROM posts p", &filter.conditions(now)).await
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
    let mut w = filter.conditions(now);
    let limit = w.push(Value::Int(limit));
    let offset = w.push(Value::Int(offset));
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} {FROM_JOINED}{} ORDER BY p.published_at DESC, p.id DESC \
         LIMIT {limit} OFFSET {offset}",
        w.sql
    );
    on_conn!(conn, |c| crate::bind_values!(
        sqlx::query_as::<_, PostSummaryRow>(&sql),
        &w.values
    )
    .fetch_all(c)
    .await)
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
        "SELECT {DETAIL_COLUMNS} {FROM_DETAIL} WHERE {PUBLIC_POSTS} AND p.published_date = $2 AND p.slug = $3"
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

/// The public page (`kind = 'page'`) at `/<slug>/`.
///
/// # Errors
/// The driver's error.
pub async fn find_public_page(
    conn: Conn<'_>,
    now: DateTime<Utc>,
    slug: &str,
) -> Result<Option<PostDetailRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {DETAIL_COLUMNS} {FROM_DETAIL} WHERE {PUBLIC} AND p.kind = 'page' AND p.slug = $2"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, PostDetailRow>(&sql)
        .bind(now)
        .bind(slug)
        .fetch_optional(c)
        .await)
}

/// The public pages listed in the site's navigation, as `(title, slug)` in navigation order.
///
/// # Errors
/// The driver's error.
pub async fn navigation_pages(
    conn: Conn<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let sql = format!(
        "SELECT p.title, p.slug FROM posts p WHERE {PUBLIC} AND p.kind = 'page' \
         AND p.nav_order IS NOT NULL ORDER BY p.nav_order, p.title, p.id"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, (String, String)>(&sql)
        .bind(now)
        .fetch_all(c)
        .await)
}

/// The earliest `published_at` after `now` of a published post or page (the next time what
/// readers see changes without a write); `None` when nothing is scheduled.
///
/// # Errors
/// The driver's error.
pub async fn next_scheduled(
    conn: Conn<'_>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, DateTime<Utc>>(
        "SELECT p.published_at FROM posts p WHERE p.status = 'PUBLISHED' \
         AND p.published_at > $1 ORDER BY p.published_at LIMIT 1"
    )
    .bind(now)
    .fetch_optional(c)
    .await)
}

/// Every public page's slug and last change, by slug (for the sitemap).
///
/// # Errors
/// The driver's error.
pub async fn public_page_stamps(
    conn: Conn<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<(String, DateTime<Utc>)>, sqlx::Error> {
    let sql = format!(
        "SELECT p.slug, p.updated_at FROM posts p WHERE {PUBLIC} AND p.kind = 'page' ORDER BY p.slug"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, (String, DateTime<Utc>)>(&sql)
        .bind(now)
        .fetch_all(c)
        .await)
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
    let sql = format!("SELECT {PREVIEW_COLUMNS} {FROM_DETAIL} WHERE p.id = $1");
    on_conn!(conn, |c| {
        sqlx::query_as::<_, PostDetailRow>(&sql)
            .bind(id)
            .bind(now)
            .fetch_optional(c)
            .await
    })
}

/// Adds `views` to a post's view count in a single statement (no read-modify-write, so counts
/// written by several processes add up); a post deleted meanwhile is skipped.
///
/// # Errors
/// The driver's error.
pub async fn add_views(conn: Conn<'_>, post_id: i64, views: i64) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("UPDATE posts SET view_count = view_count + $2 WHERE id = $1")
            .bind(post_id)
            .bind(views)
            .execute(c)
            .await
            .map(|_| ())
    })
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
    let sql = format!("SELECT MAX(p.updated_at) FROM posts p WHERE {PUBLIC_POSTS}");
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
        "SELECT p.slug, p.published_at, p.updated_at FROM posts p WHERE {PUBLIC_POSTS} ORDER BY p.published_at DESC, p.id DESC LIMIT $2 OFFSET $3"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, PostStampRow>(&sql)
        .bind(now)
        .bind(limit)
        .bind(offset)
        .fetch_all(c)
        .await)
}

/// The latest public posts that `filter` selects, with their bodies, newest first (for the Atom
/// feeds: the site's, a category's, a tag's, an author's).
///
/// # Errors
/// The driver's error.
pub async fn list_public_with_body(
    conn: Conn<'_>,
    now: DateTime<Utc>,
    filter: &PostFilter,
    limit: i64,
) -> Result<Vec<PostDetailRow>, sqlx::Error> {
    let mut w = filter.conditions(now);
    let limit = w.push(Value::Int(limit));
    let sql = format!(
        "SELECT {DETAIL_COLUMNS} {FROM_DETAIL}{} ORDER BY p.published_at DESC, p.id DESC LIMIT {limit}",
        w.sql
    );
    on_conn!(conn, |c| crate::bind_values!(
        sqlx::query_as::<_, PostDetailRow>(&sql),
        &w.values
    )
    .fetch_all(c)
    .await)
}

/// How many titles one query reads (one chunk of the stream, about 50 KB of text).
pub const TITLES_PER_PAGE: i64 = 1000;

/// Where a page of titles ends: the last row's `published_at` and `id` (a keyset cursor).
pub type TitleCursor = (DateTime<Utc>, i64);

/// The next [`TITLES_PER_PAGE`] public titles, newest first, after `after` (or from the
/// newest), one per line (line breaks inside a title become spaces), and the cursor of the last
/// one (`None` when there are no more).
///
/// The caller takes a connection for one page and gives it back before sending the text, so a
/// client that reads slowly never holds a pooled connection (each page is one indexed range
/// scan).
///
/// # Errors
/// The driver's error.
pub async fn public_titles_page(
    conn: Conn<'_>,
    now: DateTime<Utc>,
    after: Option<TitleCursor>,
) -> Result<(String, Option<TitleCursor>), sqlx::Error> {
    const FIRST: &str =
        "SELECT p.title, p.published_at, p.id FROM posts p WHERE p.status = 'PUBLISHED' \
         AND p.published_at IS NOT NULL AND p.published_at <= $1 AND p.kind = 'post' \
         ORDER BY p.published_at DESC, p.id DESC LIMIT $2";
    const NEXT: &str =
        "SELECT p.title, p.published_at, p.id FROM posts p WHERE p.status = 'PUBLISHED' \
         AND p.published_at IS NOT NULL AND p.published_at <= $1 AND p.kind = 'post' \
         AND (p.published_at < $3 OR (p.published_at = $3 AND p.id < $4)) \
         ORDER BY p.published_at DESC, p.id DESC LIMIT $2";
    let rows: Vec<(String, DateTime<Utc>, i64)> = on_conn!(conn, |c| {
        match after {
            None => {
                sqlx::query_as(FIRST)
                    .bind(now)
                    .bind(TITLES_PER_PAGE)
                    .fetch_all(c)
                    .await
            }
            Some((at, id)) => {
                sqlx::query_as(NEXT)
                    .bind(now)
                    .bind(TITLES_PER_PAGE)
                    .bind(at)
                    .bind(id)
                    .fetch_all(c)
                    .await
            }
        }
    })?;
    let mut text = String::with_capacity(rows.len() * 60);
    for (title, _, _) in &rows {
        for (i, line) in title.lines().enumerate() {
            if i > 0 {
                text.push(' ');
            }
            text.push_str(line);
        }
        text.push('\n');
    }
    let cursor = if rows.len() as i64 == TITLES_PER_PAGE {
        rows.last().map(|(_, at, id)| (*at, *id))
    } else {
        None
    };
    Ok((text, cursor))
}
