//! The public reading endpoints: lists of posts and a post by its URL.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::model::{AuthorPage, CategoryPage, PostDetail, PostPage};

/// One page of the public posts, newest first, optionally of one category.
///
/// `page` is the raw `?page=` value (Django's `get_page` rules apply); `category` a category slug.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
#[server(prefix = "/_fn", endpoint = "posts", input = GetUrl)]
pub async fn list_posts(
    page: Option<String>,
    category: Option<String>,
) -> Result<PostPage, AppError> {
    use crate::ssr::{blog, db::posts::PostFilter};
    let state = super::state()?;
    let filter = match category.filter(|c| !c.is_empty()) {
        Some(slug) => PostFilter::Category(slug),
        None => PostFilter::All,
    };
    match blog::public_page(&state.db, &filter, page.as_deref(), chrono::Utc::now()).await {
        Ok(page) => Ok(page),
        Err(e) => super::fail(e.into()),
    }
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
    use crate::ssr::{blog, db::categories, db::posts::PostFilter};
    let state = super::state()?;
    let result: Result<Option<CategoryPage>, sqlx::Error> = async {
        let mut conn = state.db.acquire().await?;
        let Some(category) = categories::find_by_slug(conn.conn(), &slug).await? else {
            return Ok(None);
        };
        drop(conn);
        let posts = blog::public_page(
            &state.db,
            &PostFilter::Category(slug),
            page.as_deref(),
            chrono::Utc::now(),
        )
        .await?;
        Ok(Some(CategoryPage {
            category: category.into(),
            posts,
        }))
    }
    .await;
    match result {
        Ok(Some(page)) => Ok(page),
        Ok(None) => super::fail(AppError::NotFound),
        Err(e) => super::fail(e.into()),
    }
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
    use crate::ssr::{blog, db::posts::PostFilter, db::users};
    let state = super::state()?;
    let result: Result<Option<AuthorPage>, sqlx::Error> = async {
        let mut conn = state.db.acquire().await?;
        let Some(author) = users::find_public(conn.conn(), &username).await? else {
            return Ok(None);
        };
        drop(conn);
        let posts = blog::public_page(
            &state.db,
            &PostFilter::Author(username),
            page.as_deref(),
            chrono::Utc::now(),
        )
        .await?;
        Ok(Some(AuthorPage {
            author: author.into(),
            posts,
        }))
    }
    .await;
    match result {
        Ok(Some(page)) => Ok(page),
        Ok(None) => super::fail(AppError::NotFound),
        Err(e) => super::fail(e.into()),
    }
}

/// Public posts whose title or text contains every word of `q` (case-insensitive), newest first.
/// An empty query finds nothing.
///
/// # Errors
/// [`AppError::BadRequest`] for a query over 200 characters; [`AppError::Internal`] when the
/// database fails.
#[server(prefix = "/_fn", endpoint = "search", input = GetUrl)]
pub async fn search_posts(q: String, page: Option<String>) -> Result<PostPage, AppError> {
    use crate::domain::pagination::PageRequest;
    use crate::ssr::{blog, db::posts::PostFilter};
    const MAX_QUERY_CHARS: usize = 200;
    if q.chars().count() > MAX_QUERY_CHARS {
        return super::fail(AppError::BadRequest(format!(
            "The search is longer than {MAX_QUERY_CHARS} characters."
        )));
    }
    let state = super::state()?;
    let Some(filter) = PostFilter::search(&q) else {
        let page = PageRequest::from_query(None, blog::POSTS_PER_PAGE).resolve(0);
        return Ok(PostPage {
            posts: Vec::new(),
            page,
        });
    };
    match blog::public_page(&state.db, &filter, page.as_deref(), chrono::Utc::now()).await {
        Ok(page) => Ok(page),
        Err(e) => super::fail(e.into()),
    }
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
    use crate::ssr::blog;
    let state = super::state()?;
    let date = match (
        year.parse::<i32>(),
        month.parse::<u32>(),
        day.parse::<u32>(),
    ) {
        (Ok(y), Ok(m), Ok(d)) if year.len() == 4 && month.len() == 2 && day.len() == 2 => {
            chrono::NaiveDate::from_ymd_opt(y, m, d)
        }
        _ => None,
    };
    let Some(date) = date else {
        return super::fail(AppError::NotFound);
    };
    match blog::view_post(&state.db, date, &slug, chrono::Utc::now()).await {
        Ok(Some(post)) => Ok(post),
        Ok(None) => super::fail(AppError::NotFound),
        Err(e) => super::fail(e.into()),
    }
}
