//! Readers' search: a page of ranked results with highlighted snippets, narrowed by category and
//! tag. The index and its SQL are in [`crate::ssr::db::posts::search`]; what a reader may type is
//! parsed by [`SearchQuery`].

use chrono::{DateTime, Utc};

use crate::domain::pagination::PageRequest;
use crate::domain::search::SearchQuery;
use crate::error::AppError;
use crate::model::{CategoryRef, PostSummary, SearchHit, SearchResults, SnippetPart, TagRef};
use crate::ssr::db::posts::search::{self as index, SearchFilters, HIGHLIGHT_END, HIGHLIGHT_START};
use crate::ssr::db::tags as tag_queries;
use crate::ssr::db::Db;

use super::nav::NavCache;
use super::reader_cache::ReaderCache;
use super::reads::{with_tags, POSTS_PER_PAGE};

/// The longest search a reader may type, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// Pages of search results kept in memory (see [`ReaderCache`]), by what was asked: the query
/// as typed, the filters and the page.
pub type SearchCache = ReaderCache<(String, SearchFilters, Option<String>), SearchResults>;

/// The most pages of search results kept (about 10 KB each).
pub const SEARCHES_KEPT: usize = 1_000;

/// One page of the public posts matching `query` (see [`SearchQuery::parse`] for what it may
/// hold), narrowed to `filters`, the most relevant first, with Django's `get_page` rules for
/// `page`. A query with no word a post must contain finds nothing (and runs no query). Results
/// are kept in `kept` until anything readers see changes.
///
/// # Errors
/// [`AppError::BadRequest`] for a query over [`MAX_QUERY_CHARS`]; [`AppError::Internal`] when
/// the database fails.
pub async fn search_page(
    db: &Db,
    nav: &NavCache,
    kept: &SearchCache,
    query: &str,
    filters: &SearchFilters,
    page: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SearchResults, AppError> {
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::BadRequest(format!(
            "The search is longer than {MAX_QUERY_CHARS} characters."
        )));
    }
    let key = (
        query.trim().to_string(),
        filters.clone(),
        page.map(str::to_string),
    );
    kept.get_or_load(db, key, now, || search(db, nav, query, filters, page, now))
        .await
}

/// [`search_page`] without the cache.
async fn search(
    db: &Db,
    nav: &NavCache,
    query: &str,
    filters: &SearchFilters,
    page: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SearchResults, AppError> {
    let categories = nav
        .get(db, now)
        .await?
        .categories
        .into_iter()
        .map(|(name, slug, _)| CategoryRef { name, slug })
        .collect();
    let mut conn = db.acquire().await?;
    let tag = match &filters.tag {
        Some(slug) => tag_queries::find_by_slug(conn.conn(), slug)
            .await?
            .map(|t| TagRef {
                name: t.name,
                slug: t.slug,
            }),
        None => None,
    };
    let request = PageRequest::from_query(page, POSTS_PER_PAGE);
    let Some(parsed) = SearchQuery::parse(query) else {
        return Ok(SearchResults {
            hits: Vec::new(),
            page: request.resolve(0),
            categories,
            tag,
        });
    };
    let total = index::count_public(conn.conn(), now, &parsed, filters).await?;
    let page = request.resolve(total);
    let rows = index::list_public(
        conn.conn(),
        now,
        &parsed,
        filters,
        page.per_page,
        page.offset(),
    )
    .await?;
    let mut posts: Vec<PostSummary> = rows.into_iter().map(PostSummary::from).collect();
    with_tags(conn.conn(), &mut posts).await?;
    let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    let mut snippets = index::snippets(conn.conn(), &parsed, &ids).await?;
    let hits = posts
        .into_iter()
        .map(|post| {
            let snippet = snippets
                .remove(&post.id)
                .map(|s| snippet_parts(&s))
                .unwrap_or_default();
            SearchHit { post, snippet }
        })
        .collect();
    Ok(SearchResults {
        hits,
        page,
        categories,
        tag,
    })
}

/// Splits a snippet marked with [`HIGHLIGHT_START`] / [`HIGHLIGHT_END`] into its parts; stray or
/// unbalanced marks are dropped, empty parts left out, and adjacent parts of the same kind
/// joined.
pub fn snippet_parts(marked: &str) -> Vec<SnippetPart> {
    let mut parts: Vec<SnippetPart> = Vec::new();
    let mut highlighted = false;
    let mut current = String::new();
    let flush = |text: &mut String, highlighted: bool, parts: &mut Vec<SnippetPart>| {
        if text.is_empty() {
            return;
        }
        match parts.last_mut() {
            Some(last) if last.highlighted == highlighted => last.text.push_str(text),
            _ => parts.push(SnippetPart {
                text: text.clone(),
                highlighted,
            }),
        }
        text.clear();
    };
    for c in marked.chars() {
        match c {
            HIGHLIGHT_START => {
                flush(&mut current, highlighted, &mut parts);
                highlighted = true;
            }
            HIGHLIGHT_END => {
                flush(&mut current, highlighted, &mut parts);
                highlighted = false;
            }
            c => current.push(c),
        }
    }
    flush(&mut current, highlighted, &mut parts);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(text: &str, highlighted: bool) -> SnippetPart {
        SnippetPart {
            text: text.into(),
            highlighted,
        }
    }

    #[test]
    fn snippets_split_on_the_marks_only() {
        assert_eq!(
            snippet_parts("we \u{E000}published\u{E001} <b>the</b> \u{E000}RFC\u{E001}"),
            vec![
                part("we ", false),
                part("published", true),
                part(" <b>the</b> ", false),
                part("RFC", true),
            ]
        );
        assert_eq!(
            snippet_parts("\u{E000}a\u{E001}\u{E000}b\u{E001}"),
            vec![part("ab", true)]
        );
        assert_eq!(snippet_parts("\u{E001}x\u{E000}"), vec![part("x", false)]);
        assert!(snippet_parts("").is_empty());
    }
}
