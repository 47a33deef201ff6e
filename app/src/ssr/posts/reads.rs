//! The public site's reads: pages of public posts (home, category, tag, author; search is in
//! [`super::search`]), a post
//! by its URL (counting the view) and a static page (the navigation is in [`super::nav`]).
//! Nothing here writes a post's fields; see [`super::write`].

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::pagination::PageRequest;
use crate::error::AppError;
use crate::model::{
    AuthorPage, CategoryPage, HomePage, PostDetail, PostPage, PostSummary, TagPage, TagRef,
};
use crate::ssr::db::posts::public::{self as posts, PostFilter};
use crate::ssr::db::tags as tag_queries;
use crate::ssr::db::{categories, users, Conn, Db};

use super::reader_cache::ReaderCache;
use super::views::ViewCounter;

/// Posts per page on the public lists.
pub const POSTS_PER_PAGE: i64 = 10;

/// The counts of public posts behind the paginated lists, kept in memory (see
/// [`ReaderCache`]).
pub type CountCache = ReaderCache<CountKey, i64>;

/// What a kept count counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CountKey {
    /// The public posts a site list shows.
    Public(PostFilter),
    /// The public posts or pages the REST API lists: `(category slug, tag slug, kind, search)`.
    Api(
        Option<String>,
        Option<String>,
        crate::domain::PostKind,
        Option<crate::domain::search::SearchQuery>,
    ),
}

/// The most counts kept (one per category, tag, author and API filter in use).
pub const COUNTS_KEPT: usize = 10_000;

/// A page of the REST API's public search results by relevance: `(search, category slug, tag
/// slug, kind, offset)`.
pub type RankedKey = (
    crate::domain::search::SearchQuery,
    Option<String>,
    Option<String>,
    crate::domain::PostKind,
    i64,
);

/// The ids of pages of the REST API's public search results, kept in memory (see
/// [`ReaderCache`]): ranking a word found in most posts reads the whole index, while the rows
/// of ten ids are read afresh on every request (so view counts stay current).
pub type RankedCache = ReaderCache<RankedKey, Vec<i64>>;

/// The most pages of ranked ids kept (a few hundred bytes each).
pub const RANKED_KEPT: usize = 10_000;

/// One page of public posts that `filter` selects, with Django's `get_page` rules; the total
/// comes from `counts` when it is kept there.
///
/// # Errors
/// The driver's error.
pub async fn public_page(
    db: &Db,
    counts: &CountCache,
    filter: &PostFilter,
    page: Option<&str>,
    now: DateTime<Utc>,
) -> Result<PostPage, sqlx::Error> {
    let total = counts
        .get_or_load(db, CountKey::Public(filter.clone()), now, || async {
            let mut conn = db.acquire().await?;
            posts::count_public(conn.conn(), now, filter).await
        })
        .await?;
    let mut conn = db.acquire().await?;
    let page = PageRequest::from_query(page, POSTS_PER_PAGE).resolve(total);
    let rows = posts::list_public(conn.conn(), now, filter, page.per_page, page.offset()).await?;
    let mut summaries: Vec<PostSummary> = rows.into_iter().map(PostSummary::from).collect();
    with_tags(conn.conn(), &mut summaries).await?;
    Ok(PostPage {
        posts: summaries,
        page,
    })
}

/// Fills in the tags of `posts` (one query for all of them).
///
/// # Errors
/// The driver's error.
pub async fn with_tags(conn: Conn<'_>, posts: &mut [PostSummary]) -> Result<(), sqlx::Error> {
    let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
    let mut tags = tag_queries::for_posts(conn, &ids).await?;
    for post in posts {
        post.tags = tags
            .remove(&post.id)
            .unwrap_or_default()
            .into_iter()
            .map(|t| TagRef {
                name: t.name,
                slug: t.slug,
            })
            .collect();
    }
    Ok(())
}

/// The public post at `date` + `slug`, counting this view in `views` (the count shown includes
/// the views not written yet); `None` when there is none.
///
/// # Errors
/// The driver's error.
pub async fn view_post(
    db: &Db,
    views: &ViewCounter,
    date: NaiveDate,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<Option<PostDetail>, sqlx::Error> {
    let mut conn = db.acquire().await?;
    let Some(row) = posts::find_public(conn.conn(), now, date, slug).await? else {
        return Ok(None);
    };
    let view_count = row.view_count + views.record(row.summary.id);
    let mut detail = detail_from_row(row, view_count);
    with_tags(conn.conn(), std::slice::from_mut(&mut detail.summary)).await?;
    Ok(Some(detail))
}

/// The public page (`kind = 'page'`) at `/<slug>/` (views of pages are not counted).
///
/// # Errors
/// [`AppError::NotFound`] when no public page has `slug`; [`AppError::Internal`] when the
/// database fails.
pub async fn page_at(db: &Db, slug: &str, now: DateTime<Utc>) -> Result<PostDetail, AppError> {
    let mut conn = db.acquire().await?;
    let row = posts::find_public_page(conn.conn(), now, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let views = row.view_count;
    let mut detail = detail_from_row(row, views);
    with_tags(conn.conn(), std::slice::from_mut(&mut detail.summary)).await?;
    Ok(detail)
}

/// The home page: one page of the latest public posts, of the category `category` names when
/// it does.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown category; [`AppError::Internal`] when the database
/// fails.
pub async fn home_page(
    db: &Db,
    counts: &CountCache,
    category: Option<&str>,
    page: Option<&str>,
    now: DateTime<Utc>,
) -> Result<HomePage, AppError> {
    match category.filter(|c| !c.is_empty()) {
        None => Ok(HomePage {
            category: None,
            posts: public_page(db, counts, &PostFilter::All, page, now).await?,
        }),
        Some(slug) => {
            let found = category_page(db, counts, slug, page, now).await?;
            Ok(HomePage {
                category: Some(found.category),
                posts: found.posts,
            })
        }
    }
}

/// A tag and one page of its public posts.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown tag; [`AppError::Internal`] when the database fails.
pub async fn tag_page(
    db: &Db,
    counts: &CountCache,
    slug: &str,
    page: Option<&str>,
    now: DateTime<Utc>,
) -> Result<TagPage, AppError> {
    let mut conn = db.acquire().await?;
    let tag = tag_queries::find_by_slug(conn.conn(), slug)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let posts = public_page(db, counts, &PostFilter::Tag(slug.to_string()), page, now).await?;
    Ok(TagPage {
        tag: TagRef {
            name: tag.name,
            slug: tag.slug,
        },
        description: tag.description,
        posts,
    })
}

/// Builds the page shape of a post from its row.
pub fn detail_from_row(
    row: crate::ssr::db::posts::rows::PostDetailRow,
    view_count: i64,
) -> PostDetail {
    let words = crate::domain::text::word_count(&row.body_text);
    let description = row
        .meta_description
        .clone()
        .unwrap_or_else(|| row.summary.excerpt.clone());
    let featured_image = match (
        row.featured_image_file,
        row.featured_image_width,
        row.featured_image_height,
    ) {
        (Some(file), Some(width), Some(height)) => {
            Some(crate::ssr::media::responsive_image(&file, width, height))
        }
        _ => None,
    };
    PostDetail {
        summary: PostSummary::from(row.summary),
        body_html: row.body,
        description,
        reading_minutes: crate::domain::text::reading_minutes(words),
        view_count,
        updated_at: row.updated_at,
        featured_image,
    }
}

/// A category and one page of its public posts.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown category; [`AppError::Internal`] when the database
/// fails.
pub async fn category_page(
    db: &Db,
    counts: &CountCache,
    slug: &str,
    page: Option<&str>,
    now: DateTime<Utc>,
) -> Result<CategoryPage, AppError> {
    let mut conn = db.acquire().await?;
    let category = categories::find_by_slug(conn.conn(), slug)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let posts = public_page(
        db,
        counts,
        &PostFilter::Category(slug.to_string()),
        page,
        now,
    )
    .await?;
    Ok(CategoryPage {
        category: category.into(),
        posts,
    })
}

/// An author and one page of their public posts.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown or inactive user; [`AppError::Internal`] when the
/// database fails.
pub async fn author_page(
    db: &Db,
    counts: &CountCache,
    username: &str,
    page: Option<&str>,
    now: DateTime<Utc>,
) -> Result<AuthorPage, AppError> {
    let mut conn = db.acquire().await?;
    let author = users::find_public(conn.conn(), username)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let posts = public_page(
        db,
        counts,
        &PostFilter::Author(username.to_string()),
        page,
        now,
    )
    .await?;
    Ok(AuthorPage {
        author: author.into(),
        posts,
    })
}

/// The public post at `/<year>/<month>/<day>/<slug>/` (the parts as the URL has them: a 4-digit
/// year, 2-digit month and day), counting one view.
///
/// # Errors
/// [`AppError::NotFound`] for an invalid date or when no public post is there;
/// [`AppError::Internal`] when the database fails.
pub async fn post_at(
    db: &Db,
    views: &ViewCounter,
    (year, month, day): (&str, &str, &str),
    slug: &str,
    now: DateTime<Utc>,
) -> Result<PostDetail, AppError> {
    let date = match (
        year.parse::<i32>(),
        month.parse::<u32>(),
        day.parse::<u32>(),
    ) {
        (Ok(y), Ok(m), Ok(d)) if year.len() == 4 && month.len() == 2 && day.len() == 2 => {
            NaiveDate::from_ymd_opt(y, m, d)
        }
        _ => None,
    };
    let date = date.ok_or(AppError::NotFound)?;
    view_post(db, views, date, slug, now)
        .await?
        .ok_or(AppError::NotFound)
}
