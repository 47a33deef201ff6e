//! The full-text index `post_search` (built by the `…_search.sql` migrations and kept in step
//! by their triggers): which posts match a [`SearchQuery`], ranked, and highlighted snippets of
//! their text. The SQL differs by engine and is written here only:
//!
//! - SQLite: FTS5 with Porter stemming, `MATCH` on the query [`SearchQuery::fts5_match`] writes,
//!   ranked by `bm25()` with the columns weighted [`BM25_WEIGHTS`], snippets by `snippet()`;
//! - PostgreSQL: a weighted `tsvector` (A title, B excerpt and tags, C body) with a GIN index,
//!   `websearch_to_tsquery('english', …)` (plus `to_tsquery` for prefixes), ranked by
//!   `ts_rank_cd` with [`TS_RANK_WEIGHTS`], snippets by `ts_headline`.
//!
//! Every piece of the reader's query is a bound value; none is pasted into the SQL.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::bind_values;
use crate::domain::search::SearchQuery;
use crate::on_conn;
use crate::ssr::db::filter::{Value, Where};
use crate::ssr::db::{Backend, Conn};

use super::rows::{
    and_in_category, and_tagged, count_where, PostSummaryRow, AUTHOR_CATEGORY_JOINS, PUBLIC_POSTS,
    SUMMARY_COLUMNS,
};

/// `bm25()`'s column weights, in the index's column order (title, excerpt, tags, body). BM25
/// saturates a word's frequency, so a body that repeats a word many times outweighs one title
/// hit unless the body counts much less: with these, a post titled with the words ranks above
/// posts that only discuss them at length (the relevance test over the shared corpus in
/// `server/tests/api/search.rs` shows which rankings this gives).
pub const BM25_WEIGHTS: &str = "10.0, 4.0, 4.0, 0.3";

/// `ts_rank_cd`'s weights of the D, C, B and A labels (PostgreSQL's order): the title (A) counts
/// most, then the excerpt and tags (B), then the body (C), in the proportions of
/// [`BM25_WEIGHTS`].
pub const TS_RANK_WEIGHTS: &str = "{0.0, 0.03, 0.4, 1.0}";

/// Where a highlighted word starts and ends in a snippet: Unicode private-use characters, which
/// no post text is expected to hold, so the caller can HTML-escape the snippet and still find
/// the highlights (see [`crate::model::SnippetPart`]).
pub const HIGHLIGHT_START: char = '\u{E000}';
/// See [`HIGHLIGHT_START`].
pub const HIGHLIGHT_END: char = '\u{E001}';

/// What `<` and `>` are replaced with in the text PostgreSQL's `ts_headline` reads (and put back
/// afterwards).
const LESS_THAN: char = '\u{E002}';
const GREATER_THAN: char = '\u{E003}';

/// About how many words a snippet holds.
pub const SNIPPET_WORDS: u32 = 32;

/// The tsquery of `query` as a PostgreSQL expression over bound values.
fn tsquery(w: &mut Where, query: &SearchQuery) -> String {
    let mut parts = Vec::new();
    if let Some(text) = query.websearch_text() {
        let n = w.push(Value::Text(text));
        parts.push(format!("websearch_to_tsquery('english', {n})"));
    }
    for (text, excluded) in query.prefix_tsqueries() {
        let n = w.push(Value::Text(text));
        let not = if excluded { "!! " } else { "" };
        parts.push(format!("{not}to_tsquery('english', {n})"));
    }
    format!("({})", parts.join(" && "))
}

/// A condition that `alias.id` (`alias` names `posts`) is a post matching `query`, for lists
/// that keep their own order and show a page of a few rows (the admin's change list). Counts
/// and ranked lists use [`Matching`] instead, which lets the index drive the query.
pub fn matches(backend: Backend, w: &mut Where, query: &SearchQuery, alias: &str) -> String {
    match backend {
        Backend::Sqlite => {
            let n = w.push(Value::Text(query.fts5_match()));
            format!("{alias}.id IN (SELECT rowid FROM post_search WHERE post_search MATCH {n})")
        }
        Backend::Postgres => {
            let q = tsquery(w, query);
            format!("{alias}.id IN (SELECT post_id FROM post_search WHERE document @@ {q})")
        }
    }
}

/// The posts matching a search, as a `FROM` clause in which the index drives the query: each
/// matching index entry looks up its post `p` by id, so the cost follows the number of matches,
/// not of posts. (On SQLite the join is a `CROSS JOIN`, which fixes that order: left to itself
/// the planner walked the public posts and asked the index about each one, 450 s for a word
/// found in all of 100,000 posts; the lookup by id names `posts_id_visibility_idx`, which holds
/// the columns the visibility rules test, instead of reading rows whose body comes first: the
/// planner takes the row without statistics, which a new database has none of.)
#[derive(Debug, Clone)]
pub struct Matching {
    /// `FROM <index> … JOIN posts p …`.
    from: String,
    /// The relevance of a matching post: lower is more relevant on both engines.
    rank: String,
    /// The join keyword that keeps its left side first on this engine.
    join: &'static str,
}

impl Matching {
    /// The posts matching `query`; adds the condition that they match to `w`, so `w` may
    /// already hold (or later get) conditions on `p`.
    pub fn new(backend: Backend, w: &mut Where, query: &SearchQuery) -> Self {
        match backend {
            Backend::Sqlite => {
                let n = w.push(Value::Text(query.fts5_match()));
                w.and(&format!("post_search MATCH {n}"));
                Self {
                    from: "FROM post_search CROSS JOIN posts p INDEXED BY posts_id_visibility_idx \
                           ON p.id = post_search.rowid"
                        .into(),
                    rank: format!("bm25(post_search, {BM25_WEIGHTS})"),
                    join: "CROSS JOIN",
                }
            }
            Backend::Postgres => {
                let q = tsquery(w, query);
                w.and(&format!("s.document @@ {q}"));
                Self {
                    from: "FROM post_search s JOIN posts p ON p.id = s.post_id".into(),
                    // Normalisation 1: divided by 1 + log(length), so long posts do not win
                    // by length. The tsquery's placeholders are used twice; PostgreSQL binds
                    // each once.
                    rank: format!("-ts_rank_cd('{TS_RANK_WEIGHTS}', s.document, {q}, 1)"),
                    join: "JOIN",
                }
            }
        }
    }

    /// The `FROM` clause of the matching posts `p` (with no other table joined).
    pub fn from(&self) -> &str {
        &self.from
    }

    /// A query of the ids of the `limit` matching posts from `offset` that `w` keeps, the most
    /// relevant first (ties: newest, then highest id, first; unpublished posts before published
    /// ones), as `ranked_id`, with `relevance` and `ranked_at`. The ranking reads the index and
    /// the lookup by id only, no post row.
    pub fn ranked_ids(&self, w: &mut Where, limit: i64, offset: i64) -> String {
        let limit = w.push(Value::Int(limit));
        let offset = w.push(Value::Int(offset));
        format!(
            "SELECT p.id AS ranked_id, {rank} AS relevance, p.published_at AS ranked_at \
             {from}{conditions} ORDER BY relevance, ranked_at DESC NULLS FIRST, ranked_id DESC \
             LIMIT {limit} OFFSET {offset}",
            rank = self.rank,
            from = self.from,
            conditions = w.sql,
        )
    }

    /// A query of `columns` of the page of [`Matching::ranked_ids`]: `joins` (after `posts p`)
    /// are joined to the page's rows alone, in the same order.
    pub fn ranked_page(
        &self,
        w: &mut Where,
        columns: &str,
        joins: &str,
        limit: i64,
        offset: i64,
    ) -> String {
        let ranked = self.ranked_ids(w, limit, offset);
        format!(
            "SELECT {columns} FROM ({ranked}) r {join} posts p ON p.id = r.ranked_id{joins} \
             ORDER BY r.relevance, r.ranked_at DESC NULLS FIRST, r.ranked_id DESC",
            join = self.join,
        )
    }
}

/// Filters of a reader's search besides the words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct SearchFilters {
    /// Only posts in the category with this slug.
    pub category: Option<String>,
    /// Only posts carrying the tag with this slug.
    pub tag: Option<String>,
}

impl SearchFilters {
    /// The public posts at `now` that these filters keep and that match `query`.
    fn public_matching(
        &self,
        backend: Backend,
        now: DateTime<Utc>,
        query: &SearchQuery,
    ) -> (Where, Matching) {
        let mut w = Where::default();
        // PUBLIC_POSTS names the time `$1`: the first value pushed.
        w.push(Value::Time(now));
        w.and(PUBLIC_POSTS);
        if let Some(slug) = &self.category {
            and_in_category(&mut w, slug);
        }
        if let Some(slug) = &self.tag {
            and_tagged(&mut w, slug);
        }
        let matching = Matching::new(backend, &mut w, query);
        (w, matching)
    }
}

/// Counts the public posts matching `query` and `filters` at `now`.
///
/// # Errors
/// The driver's error.
pub async fn count_public(
    conn: Conn<'_>,
    now: DateTime<Utc>,
    query: &SearchQuery,
    filters: &SearchFilters,
) -> Result<i64, sqlx::Error> {
    let (w, matching) = filters.public_matching(conn.backend(), now, query);
    count_where(conn, matching.from(), &w).await
}

/// `limit` public posts from `offset` matching `query` and `filters` at `now`, the most
/// relevant first (ties: newest first).
///
/// # Errors
/// The driver's error.
pub async fn list_public(
    conn: Conn<'_>,
    now: DateTime<Utc>,
    query: &SearchQuery,
    filters: &SearchFilters,
    limit: i64,
    offset: i64,
) -> Result<Vec<PostSummaryRow>, sqlx::Error> {
    let (mut w, matching) = filters.public_matching(conn.backend(), now, query);
    let sql = matching.ranked_page(
        &mut w,
        SUMMARY_COLUMNS,
        AUTHOR_CATEGORY_JOINS,
        limit,
        offset,
    );
    on_conn!(conn, |c| bind_values!(
        sqlx::query_as::<_, PostSummaryRow>(&sql),
        &w.values
    )
    .fetch_all(c)
    .await)
}

/// Snippets of the body text of posts `ids` around the words of `query`, by post id, with the
/// matched words between [`HIGHLIGHT_START`] and [`HIGHLIGHT_END`] (the text is otherwise as
/// stored: plain text, not escaped). A post whose body does not hold a match (it matched on
/// its title or tags) gets the start of its body on SQLite and on PostgreSQL.
///
/// # Errors
/// The driver's error.
pub async fn snippets(
    conn: Conn<'_>,
    query: &SearchQuery,
    ids: &[i64],
) -> Result<HashMap<i64, String>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut w = Where::default();
    let sql = match conn.backend() {
        Backend::Sqlite => {
            let n = w.push(Value::Text(query.fts5_match()));
            let list: Vec<String> = ids.iter().map(|id| w.push(Value::Int(*id))).collect();
            format!(
                "SELECT rowid, snippet(post_search, 3, '{HIGHLIGHT_START}', '{HIGHLIGHT_END}', '…', \
                 {SNIPPET_WORDS}) FROM post_search WHERE post_search MATCH {n} AND rowid IN ({})",
                list.join(", ")
            )
        }
        Backend::Postgres => {
            let q = tsquery(&mut w, query);
            let options = w.push(Value::Text(format!(
                "StartSel={HIGHLIGHT_START}, StopSel={HIGHLIGHT_END}, MaxWords={SNIPPET_WORDS}, \
                 MinWords={}, MaxFragments=2, FragmentDelimiter=\" … \"",
                SNIPPET_WORDS / 2
            )));
            let list: Vec<String> = ids.iter().map(|id| w.push(Value::Int(*id))).collect();
            // `<` and `>` stand in for themselves as private-use characters, which the parser
            // reads as spaces, as the index does (see the migration): it would read `<…>` as
            // markup.
            format!(
                "SELECT p.id, ts_headline('english', translate(p.body_text, '<>', \
                 '{LESS_THAN}{GREATER_THAN}'), {q}, {options}) FROM posts p WHERE p.id IN ({})",
                list.join(", ")
            )
        }
    };
    let rows = on_conn!(conn, |c| bind_values!(
        sqlx::query_as::<_, (i64, String)>(&sql),
        &w.values
    )
    .fetch_all(c)
    .await)?;
    Ok(rows
        .into_iter()
        .map(|(id, text)| {
            let text = text.replace(LESS_THAN, "<").replace(GREATER_THAN, ">");
            (id, text)
        })
        .collect())
}

/// Rewrites the index rows of the posts with `after < id <= up_to` from `posts`, `post_tags`
/// and `tags` (the triggers keep the index in step; this is `folio search reindex`, for an index
/// restored from an old backup or written with the triggers dropped). Returns how many posts it
/// indexed. Run it in a transaction so a reader never sees those posts missing.
///
/// # Errors
/// The driver's error.
pub async fn rebuild_range(conn: Conn<'_>, after: i64, up_to: i64) -> Result<u64, sqlx::Error> {
    let done = match conn {
        Conn::Sqlite(c) => {
            sqlx::query("DELETE FROM post_search WHERE rowid > $1 AND rowid <= $2")
                .bind(after)
                .bind(up_to)
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "INSERT INTO post_search (rowid, title, excerpt, tags, body) \
                 SELECT p.id, p.title, p.excerpt || ' ' || COALESCE(p.meta_description, ''), \
                 COALESCE((SELECT group_concat(t.name, ' ') FROM post_tags pt JOIN tags t \
                 ON t.id = pt.tag_id WHERE pt.post_id = p.id), ''), p.body_text \
                 FROM posts p WHERE p.id > $1 AND p.id <= $2",
            )
            .bind(after)
            .bind(up_to)
            .execute(&mut *c)
            .await?
            .rows_affected()
        }
        Conn::Postgres(c) => sqlx::query(
            "SELECT post_search_refresh(p.id) FROM posts p WHERE p.id > $1 AND p.id <= $2",
        )
        .bind(after)
        .bind(up_to)
        .fetch_all(&mut *c)
        .await?
        .len() as u64,
    };
    Ok(done)
}

/// The highest post id (0 when there are no posts), where [`rebuild_range`] stops.
///
/// # Errors
/// The driver's error.
pub async fn max_post_id(conn: Conn<'_>) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COALESCE(MAX(id), 0) FROM posts"
    )
    .fetch_one(c)
    .await)
}

/// Removes index rows whose post is gone (possible only on SQLite, whose FTS5 table has no
/// foreign key, after writes made with the triggers dropped) and, on SQLite, merges the
/// index's segments into one (FTS5's `optimize`). Returns how many rows it removed.
///
/// # Errors
/// The driver's error.
pub async fn tidy(conn: Conn<'_>) -> Result<u64, sqlx::Error> {
    match conn {
        Conn::Sqlite(c) => {
            let removed =
                sqlx::query("DELETE FROM post_search WHERE rowid NOT IN (SELECT id FROM posts)")
                    .execute(&mut *c)
                    .await?
                    .rows_affected();
            sqlx::query("INSERT INTO post_search (post_search) VALUES ('optimize')")
                .execute(&mut *c)
                .await?;
            Ok(removed)
        }
        Conn::Postgres(_) => Ok(0),
    }
}

/// The periodic upkeep of the index (the `optimize_search_index` job). SQLite: an incremental
/// FTS5 `merge` of up to 500 pages of segments (bounded work, so the single write lock is not
/// held for long; FTS5's `automerge` does the rest as posts are written). PostgreSQL: `ANALYZE`
/// of the index table, so the planner's estimates for searches stay current (the GIN index
/// itself is maintained by autovacuum).
///
/// # Errors
/// The driver's error.
pub async fn optimize(conn: Conn<'_>) -> Result<(), sqlx::Error> {
    match conn {
        Conn::Sqlite(c) => {
            sqlx::query("INSERT INTO post_search (post_search, rank) VALUES ('merge', 500)")
                .execute(c)
                .await
                .map(|_| ())
        }
        Conn::Postgres(c) => sqlx::query("ANALYZE post_search")
            .execute(c)
            .await
            .map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reader_query_is_bound_never_pasted() {
        let query = SearchQuery::parse(r#"x'); DROP TABLE posts; -- "a b" asy*"#).unwrap();
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let mut w = Where::default();
            let sql = Matching::new(backend, &mut w, &query).ranked_page(&mut w, "p.id", "", 10, 0);
            assert!(!sql.contains("DROP") && !sql.contains("asy"), "{sql}");
            assert!(
                !w.sql.contains("DROP") && !w.sql.contains("asy"),
                "{}",
                w.sql
            );
            assert!(!w.values.is_empty());
        }
        let mut w = Where::default();
        let sql = matches(Backend::Postgres, &mut w, &query, "t");
        assert!(sql.starts_with("t.id IN"), "{sql}");
        assert_eq!(
            w.values,
            vec![
                Value::Text(r#""x');" "DROP" "TABLE" "posts;" "a b""#.into()),
                Value::Text("'asy':*".into())
            ]
        );
        assert!(sql.contains("$1") && sql.contains("$2"), "{sql}");
    }
}
