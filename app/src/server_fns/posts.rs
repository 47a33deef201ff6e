//! The public reading endpoints: lists of posts and a post by its URL. Each calls the posts
//! wing's reads ([`crate::ssr::posts::reads`]).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::model::{AuthorPage, CategoryPage, HomePage, PostDetail, SearchResults, TagPage};

/// One page of the public posts, newest first, optionally of one category.
///
/// `page` is the raw `?page=` value (Django's `get_page` rules apply); `category` a category slug.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown category; [`AppError::Internal`] when the database
/// fails.
#[server(prefix = "/_fn", endpoint = "posts", input = GetUrl)]
pub async fn list_posts(
    page: Option<String>,
    category: Option<String>,
) -> Result<HomePage, AppError> {
    let state = super::state()?;
    crate::ssr::posts::reads::home_page(
        &state.db,
        &state.counts,
        category.as_deref(),
        page.as_deref(),
        chrono::Utc::now(),
    )
    .await
}

/// A tag and one page of its public posts.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown tag; [`AppError::Internal`] when the database fails.
#[server(prefix = "/_fn", endpoint = "tag", input = GetUrl)]
pub async fn get_tag_page(slug: String, page: Option<String>) -> Result<TagPage, AppError> {
    let state = super::state()?;
    crate::ssr::posts::reads::tag_page(
        &state.db,
        &state.counts,
        &slug,
        page.as_deref(),
        chrono::Utc::now(),
    )
    .await
}

/// The public static page at `/<slug>/`.
///
/// # Errors
/// [`AppError::NotFound`] when no public page has `slug`; [`AppError::Internal`] when the
/// database fails.
#[server(prefix = "/_fn", endpoint = "page", input = GetUrl)]
pub async fn get_static_page(slug: String) -> Result<PostDetail, AppError> {
    let state = super::state()?;
    crate::ssr::posts::reads::page_at(&state.db, &slug, chrono::Utc::now()).await
}

/// A category and one page of its public posts.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown category; [`AppError::Internal`] when the database fails.
#[server(prefix = "/_fn", endpoint = "category", input = GetUrl)]
pub async fn get_category_page(
    slug: String,
    page: Option<String>,
) -> Result<CategoryPage, AppError> {
    let state = super::state()?;
    crate::ssr::posts::reads::category_page(
        &state.db,
        &state.counts,
        &slug,
        page.as_deref(),
        chrono::Utc::now(),
    )
    .await
}

/// An author and one page of their public posts.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown or inactive user; [`AppError::Internal`] when the
/// database fails.
#[server(prefix = "/_fn", endpoint = "author", input = GetUrl)]
pub async fn get_author_page(
    username: String,
    page: Option<String>,
) -> Result<AuthorPage, AppError> {
    let state = super::state()?;
    crate::ssr::posts::reads::author_page(
        &state.db,
        &state.counts,
        &username,
        page.as_deref(),
        chrono::Utc::now(),
    )
    .await
}

/// The public posts matching the reader's search `q` (words, `"phrases"`, `prefix*`,
/// `-excluded`; see [`crate::domain::search::SearchQuery::parse`]), the most relevant first, with
/// highlighted snippets; narrowed to the category with slug `category` and the tag with slug
/// `tag` when given (empty means none). A query with no word to find finds nothing.
///
/// # Errors
/// [`AppError::BadRequest`] for a query over 200 characters; [`AppError::Internal`] when the
/// database fails.
#[server(prefix = "/_fn", endpoint = "search", input = GetUrl)]
pub async fn search_posts(
    q: String,
    page: Option<String>,
    category: Option<String>,
    tag: Option<String>,
) -> Result<SearchResults, AppError> {
    let state = super::state()?;
    let filters = crate::ssr::db::posts::search::SearchFilters {
        category: category.filter(|c| !c.is_empty()),
        tag: tag.filter(|t| !t.is_empty()),
    };
    crate::ssr::posts::search::search_page(
        &state.db,
        &state.nav,
        &state.searches,
        &q,
        &filters,
        page.as_deref(),
        chrono::Utc::now(),
    )
    .await
}

/// The public post at `/<year>/<month>/<day>/<slug>/`, counting one view.
///
/// A POST endpoint, not a cacheable GET, because it changes the view count.
///
/// # Errors
/// [`AppError::NotFound`] for an invalid date or when no public post is there;
/// [`AppError::Internal`] when the database fails.
#[server(prefix = "/_fn", endpoint = "post")]
pub async fn view_post(
    year: String,
    month: String,
    day: String,
    slug: String,
) -> Result<PostDetail, AppError> {
    let state = super::state()?;
    let post = crate::ssr::posts::reads::post_at(
        &state.db,
        &state.views,
        (&year, &month, &day),
        &slug,
        chrono::Utc::now(),
    )
    .await?;
    // For the page cache: a kept copy of this page counts a view each time it is served.
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::HeaderName::from_static(crate::ssr::posts::views::VIEWED_POST_HEADER),
            http::HeaderValue::from(post.summary.id),
        );
    }
    Ok(post)
}
