//! The REST API's reads of posts: filtered and ordered lists and lookup by slug or id, with the
//! columns of the API representation.
//!
//! Unlike the public pages ([`super::public`]), the API also serves non-public posts to the
//! people allowed to see them ([`Visibility`]) and returns `author_email` and the body's source.

use chrono::{DateTime, Utc};

use crate::bind_values;
use crate::domain::search::SearchQuery;
use crate::domain::{PostKind, PostStatus};
use crate::on_conn;
use crate::ssr::db::filter::{Value, Where};
use crate::ssr::db::{Backend, Conn};

use super::rows::{
    and_in_category, and_tagged, count_where, ApiPostRow, AUTHOR_CATEGORY_JOINS, FROM_JOINED,
};
use super::search::Matching;

/// Which posts a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Published posts whose `published_at` has come (anonymous callers and readers).
    Public,
    /// The public posts plus every post of this author (authors).
    PublicOrOwnedBy(i64),
    /// Every post (editors and administrators).
    Everything,
}

/// A column the API may order by (DRF's `ordering_fields`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderField {
    /// `published_at` (posts without one sort last ascending, first descending, as PostgreSQL
    /// does by default; both engines are told so explicitly).
    PublishedAt,
    /// `view_count`.
    ViewCount,
}

/// One `ordering` term: a field and its direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostOrder {
    /// The field.
    pub field: OrderField,
    /// Whether the term had a leading `-`.
    pub descending: bool,
}

impl PostOrder {
    /// Parses DRF's `ordering` parameter (`published_at,-view_count`); unknown fields are ignored
    /// as DRF's `OrderingFilter` ignores them. Empty when nothing valid is left.
    pub fn parse_list(param: &str) -> Vec<Self> {
        param
            .split(',')
            .map(str::trim)
            .filter_map(|term| {
                let (descending, name) = match term.strip_prefix('-') {
                    Some(rest) => (true, rest),
                    None => (false, term),
                };
                let field = match name {
                    "published_at" => OrderField::PublishedAt,
                    "view_count" => OrderField::ViewCount,
                    _ => return None,
                };
                Some(Self { field, descending })
            })
            .collect()
    }

    fn sql(self) -> &'static str {
        match (self.field, self.descending) {
            (OrderField::PublishedAt, false) => "p.published_at ASC NULLS LAST",
            (OrderField::PublishedAt, true) => "p.published_at DESC NULLS FIRST",
            (OrderField::ViewCount, false) => "p.view_count ASC",
            (OrderField::ViewCount, true) => "p.view_count DESC",
        }
    }
}

/// What a post list selects and how it is ordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostQuery {
    /// Whom the list is for.
    pub visibility: Visibility,
    /// Only posts with this status, if set.
    pub status: Option<PostStatus>,
    /// Only posts in the category with this slug, if set.
    pub category: Option<String>,
    /// A search on the full-text index (every word must match, as DRF's `SearchFilter`), if any.
    pub search: Option<SearchQuery>,
    /// Ordering terms; empty means the most relevant first when searching, else newest first
    /// (`-published_at`).
    pub ordering: Vec<PostOrder>,
    /// Only posts carrying the tag with this slug, if set.
    pub tag: Option<String>,
    /// Posts or pages.
    pub kind: PostKind,
}

/// The API's conditions on top of the shared [`Where`] builder.
trait PostConditions {
    fn visibility(&mut self, visibility: Visibility, now: DateTime<Utc>);
    fn query(query: &PostQuery, backend: Backend, now: DateTime<Utc>) -> (Self, Option<Matching>)
    where
        Self: Sized;
}

impl PostConditions for Where {
    fn visibility(&mut self, visibility: Visibility, now: DateTime<Utc>) {
        let public = |w: &mut Self| {
            let now = w.push(Value::Time(now));
            format!("(p.status = 'PUBLISHED' AND p.published_at IS NOT NULL AND p.published_at <= {now})")
        };
        match visibility {
            Visibility::Public => {
                let condition = public(self);
                self.and(&condition);
            }
            Visibility::PublicOrOwnedBy(author) => {
                let condition = public(self);
                let author = self.push(Value::Int(author));
                self.and(&format!("({condition} OR p.author_id = {author})"));
            }
            Visibility::Everything => {}
        }
    }

    /// The conditions of `query` at `now` besides its search, and the search's matching posts
    /// (whose condition it adds).
    fn query(query: &PostQuery, backend: Backend, now: DateTime<Utc>) -> (Self, Option<Matching>) {
        let mut w = Self::default();
        w.visibility(query.visibility, now);
        if let Some(status) = query.status {
            let n = w.push(Value::Text(status.as_str().to_string()));
            w.and(&format!("p.status = {n}"));
        }
        if let Some(slug) = &query.category {
            and_in_category(&mut w, slug);
        }
        if let Some(slug) = &query.tag {
            and_tagged(&mut w, slug);
        }
        let kind = w.push(Value::Text(query.kind.as_str().to_string()));
        w.and(&format!("p.kind = {kind}"));
        let matching = query
            .search
            .as_ref()
            .map(|search| Matching::new(backend, &mut w, search));
        (w, matching)
    }
}

/// The columns of an [`ApiPostRow`].
const COLUMNS: &str = "p.id, p.title, p.slug, p.author_id, u.email AS author_email, \
     c.id AS category_id, c.name AS category_name, c.slug AS category_slug, \
     COALESCE(p.body_source, p.body) AS body, p.excerpt, p.status, p.view_count, \
     p.published_at, p.created_at, p.updated_at, p.kind";

/// Counts the posts `query` selects.
///
/// # Errors
/// The driver's error.
pub async fn count(
    conn: Conn<'_>,
    query: &PostQuery,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let (w, matching) = Where::query(query, conn.backend(), now);
    let from = matching.as_ref().map_or("FROM posts p", Matching::from);
    count_where(conn, from, &w).await
}

/// Lists `limit` posts from `offset` of those `query` selects, in its order (ties: newest id
/// first); a search with no ordering asked for lists the most relevant first.
///
/// # Errors
/// The driver's error.
pub async fn list(
    mut conn: Conn<'_>,
    query: &PostQuery,
    now: DateTime<Utc>,
    limit: i64,
    offset: i64,
) -> Result<Vec<ApiPostRow>, sqlx::Error> {
    if query.search.is_some() && query.ordering.is_empty() {
        let ids = ranked_ids(conn.reborrow(), query, now, limit, offset).await?;
        return by_ids(conn, &ids).await;
    }
    let (mut w, matching) = Where::query(query, conn.backend(), now);
    let mut order: Vec<&str> = query.ordering.iter().map(|o| o.sql()).collect();
    if order.is_empty() {
        order.push("p.published_at DESC NULLS FIRST");
    }
    order.push("p.id DESC");
    let from = matching.as_ref().map_or("FROM posts p", Matching::from);
    let limit = w.push(Value::Int(limit));
    let offset = w.push(Value::Int(offset));
    let sql = format!(
        "SELECT {COLUMNS} {from}{AUTHOR_CATEGORY_JOINS}{} ORDER BY {} LIMIT {limit} OFFSET {offset}",
        w.sql,
        order.join(", ")
    );
    on_conn!(conn, |c| bind_values!(
        sqlx::query_as::<_, ApiPostRow>(&sql),
        &w.values
    )
    .fetch_all(c)
    .await)
}

/// The ids of `limit` posts from `offset` of those `query` selects, the most relevant first
/// (see [`Matching::ranked_ids`]); nothing when `query` has no search.
///
/// # Errors
/// The driver's error.
pub async fn ranked_ids(
    conn: Conn<'_>,
    query: &PostQuery,
    now: DateTime<Utc>,
    limit: i64,
    offset: i64,
) -> Result<Vec<i64>, sqlx::Error> {
    let (mut w, matching) = Where::query(query, conn.backend(), now);
    let Some(matching) = matching else {
        return Ok(Vec::new());
    };
    let sql = format!(
        "SELECT ranked_id FROM ({}) r",
        matching.ranked_ids(&mut w, limit, offset)
    );
    on_conn!(conn, |c| bind_values!(
        sqlx::query_scalar::<_, i64>(&sql),
        &w.values
    )
    .fetch_all(c)
    .await)
}

/// The posts with `ids`, in that order (ids of no post are skipped).
///
/// # Errors
/// The driver's error.
pub async fn by_ids(conn: Conn<'_>, ids: &[i64]) -> Result<Vec<ApiPostRow>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = Where::default();
    let list: Vec<String> = ids.iter().map(|id| w.push(Value::Int(*id))).collect();
    let sql = format!(
        "SELECT {COLUMNS} {FROM_JOINED} WHERE p.id IN ({})",
        list.join(", ")
    );
    let mut rows = on_conn!(conn, |c| bind_values!(
        sqlx::query_as::<_, ApiPostRow>(&sql),
        &w.values
    )
    .fetch_all(c)
    .await)?;
    rows.sort_by_key(|row| ids.iter().position(|id| *id == row.id));
    Ok(rows)
}

/// The post with `slug` that `visibility` allows; when several share the slug (slugs are unique
/// per publication day), the most recently published one.
///
/// # Errors
/// The driver's error.
pub async fn find_by_slug(
    conn: Conn<'_>,
    visibility: Visibility,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<Option<ApiPostRow>, sqlx::Error> {
    let mut w = Where::default();
    w.visibility(visibility, now);
    let n = w.push(Value::Text(slug.to_string()));
    w.and(&format!("p.slug = {n}"));
    let sql = format!(
        "SELECT {COLUMNS} {FROM_JOINED}{} ORDER BY p.published_at DESC NULLS FIRST, p.id DESC LIMIT 1",
        w.sql
    );
    on_conn!(conn, |c| bind_values!(
        sqlx::query_as::<_, ApiPostRow>(&sql),
        &w.values
    )
    .fetch_optional(c)
    .await)
}

/// The post with `id`, whatever its status.
///
/// # Errors
/// The driver's error.
pub async fn find_by_id(conn: Conn<'_>, id: i64) -> Result<Option<ApiPostRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} {FROM_JOINED} WHERE p.id = $1");
    on_conn!(conn, |c| sqlx::query_as::<_, ApiPostRow>(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
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
    on_conn!(conn, |c| sqlx::query_scalar::<_, bool>(
        "SELECT EXISTS (SELECT 1 FROM posts WHERE slug = $1 AND id <> $2)"
    )
    .bind(slug)
    .bind(except.unwrap_or(-1))
    .fetch_one(c)
    .await)
}

/// Deletes post `id` (its comments and redirects go with it); returns whether it existed.
///
/// # Errors
/// The driver's error.
pub async fn delete(conn: Conn<'_>, id: i64) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query("DELETE FROM posts WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected() > 0))
}

/// The `limit` public posts with the highest view count (ties: newest id first), walking
/// `posts_view_count_idx` from the top. SQLite's planner would rather range-scan the status
/// index and sort every public post (53 ms with 100,000 posts, against 0.1 ms), so the SQLite
/// text names the index; PostgreSQL chooses it by itself.
///
/// # Errors
/// The driver's error.
pub async fn trending(
    conn: Conn<'_>,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<ApiPostRow>, sqlx::Error> {
    let from = match conn {
        Conn::Sqlite(_) => {
            "FROM posts p INDEXED BY posts_view_count_idx \
             JOIN users u ON u.id = p.author_id JOIN categories c ON c.id = p.category_id"
        }
        Conn::Postgres(_) => FROM_JOINED,
    };
    let sql = format!(
        "SELECT {COLUMNS} {from} WHERE p.status = 'PUBLISHED' AND p.kind = 'post' AND p.published_at IS NOT NULL \
         AND p.published_at <= $1 ORDER BY p.view_count DESC, p.id DESC LIMIT $2"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, ApiPostRow>(&sql)
        .bind(now)
        .bind(limit)
        .fetch_all(c)
        .await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordering_is_parsed_as_drf_does() {
        assert_eq!(
            PostOrder::parse_list("published_at, -view_count,title,-"),
            vec![
                PostOrder {
                    field: OrderField::PublishedAt,
                    descending: false
                },
                PostOrder {
                    field: OrderField::ViewCount,
                    descending: true
                },
            ]
        );
        assert!(PostOrder::parse_list("").is_empty());
    }

    #[test]
    fn placeholders_follow_the_conditions() {
        let query = PostQuery {
            visibility: Visibility::PublicOrOwnedBy(7),
            status: Some(PostStatus::Draft),
            category: Some("news".into()),
            search: SearchQuery::parse("100% Rust"),
            ordering: Vec::new(),
            tag: Some("async".into()),
            kind: PostKind::Page,
        };
        let (w, matching) = Where::query(&query, Backend::Sqlite, Utc::now());
        assert!(matching.is_some_and(|m| m.from().contains("CROSS JOIN posts p")));
        assert_eq!(w.values.len(), 7);
        assert!(w.sql.contains("p.author_id = $2") && w.sql.contains("p.status = $3"));
        assert!(w.sql.contains("t.slug = $5") && w.sql.contains("p.kind = $6"));
        assert!(matches!(&w.values[5], Value::Text(t) if t == "page"));
        assert!(matches!(&w.values[6], Value::Text(t) if t == r#"("100" AND "rust")"#));
        assert!(w.sql.contains("post_search MATCH $7"), "{}", w.sql);
    }
}
