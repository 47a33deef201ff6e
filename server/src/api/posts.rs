//! `/api/posts/`: list, create, retrieve, change and delete posts (lookup by slug), the five
//! trending posts, and every published title as a text stream.

use app::domain::search::SearchQuery;
use app::domain::{PostKind, PostStatus};
use app::ssr::db::comments;
use app::ssr::db::posts::api::{self as api_posts, PostOrder, PostQuery, Visibility};
use app::ssr::db::posts::public as public_posts;
use app::ssr::db::posts::rows::ApiPostRow;
use app::ssr::db::tags as tag_queries;
use app::ssr::db::Conn;
use app::ssr::posts::reads::CountKey;
use app::ssr::posts::rules::{PostBody, PostInput, MAX_TITLE_CHARS};
use app::ssr::posts::write::{check_category, Edit, NewPost, SlugChoice};
use app::ssr::posts::{Actor, Expect, Origin, PostError};
use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;

use super::auth::Caller;
use super::error::ApiError;
use super::input::{json_object, Fields};
use super::pagination::{param, query_pairs, PageSpec};
use super::serializers::{
    BadRequest, Comment, ErrorDetail, Page, Post, PostWrite, Tag, KIND_CHOICES, STATUS_CHOICES,
};
use super::ApiState;

/// How many posts `/api/posts/trending/` lists.
pub const TRENDING_COUNT: i64 = 5;

/// The object name in 404 answers.
const OBJECT: &str = "Post";

/// Adds each post's approved comments and tags (one query each for all of them); email
/// addresses only when `show_emails` (the caller is staff, [`Caller::sees_emails`]).
async fn with_comments(
    mut conn: Conn<'_>,
    rows: Vec<ApiPostRow>,
    show_emails: bool,
) -> Result<Vec<Post>, ApiError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut by_post: std::collections::HashMap<i64, Vec<Comment>> = Default::default();
    for comment in comments::list_approved_for_posts(conn.reborrow(), &ids).await? {
        by_post
            .entry(comment.post_id)
            .or_default()
            .push(Comment::new(comment, show_emails));
    }
    let mut tags = tag_queries::for_posts(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let comments = by_post.remove(&row.id).unwrap_or_default();
            let tags = tags
                .remove(&row.id)
                .unwrap_or_default()
                .into_iter()
                .map(Tag::from)
                .collect();
            Post::new(row, comments, tags, show_emails)
        })
        .collect())
}

/// Lists posts, 20 a page.
///
/// Without `status` everyone sees the published posts; with `status` authors also see their own
/// posts in that status and editors everyone's.
#[utoipa::path(
    get, path = "/api/posts/", operation_id = "listPosts", tag = "posts",
    params(
        ("page" = Option<String>, Query, description = "Page number (from 1) or `last`."),
        ("search" = Option<String>, Query, description = "Words that must all appear in the title or body (case-insensitive)."),
        ("ordering" = Option<String>, Query, description = "Comma-separated `published_at`, `view_count`, each optionally with `-` for descending. Default `-published_at`."),
        ("category" = Option<String>, Query, description = "A category slug."),
        ("status" = Option<super::serializers::Status>, Query, description = "Only posts with this status (staff see their drafts this way)."),
        ("tag" = Option<String>, Query, description = "A tag slug: only posts carrying it."),
        ("kind" = Option<super::serializers::Kind>, Query, description = "`post` (default) or `page`."),
    ),
    responses(
        (status = 200, description = "One page of posts.", body = Page<Post>),
        (status = 400, description = "An invalid `status`.", body = BadRequest),
        (status = 401, description = "An invalid token.", body = ErrorDetail),
        (status = 404, description = "No such page.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security((), ("token" = []), ("session" = []))
)]
pub async fn list(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Page<Post>>, ApiError> {
    let pairs = query_pairs(raw.as_deref());
    let status = match param(&pairs, "status").filter(|s| !s.is_empty()) {
        None => None,
        Some(text) => Some(
            STATUS_CHOICES
                .contains(&text)
                .then(|| PostStatus::parse(text))
                .flatten()
                .ok_or_else(|| {
                    ApiError::InvalidQuery(
                        "status".into(),
                        format!(
                            "Select a valid choice. {text} is not one of the available choices."
                        ),
                    )
                })?,
        ),
    };
    let kind = match param(&pairs, "kind").filter(|s| !s.is_empty()) {
        None => PostKind::Post,
        Some(text) => KIND_CHOICES
            .contains(&text)
            .then(|| PostKind::parse(text))
            .flatten()
            .ok_or_else(|| {
                ApiError::InvalidQuery(
                    "kind".into(),
                    format!("Select a valid choice. {text} is not one of the available choices."),
                )
            })?,
    };
    // DRF's SearchFilter: terms split on whitespace and commas, every one must match; a blank
    // search filters nothing. A search with no word to find (only punctuation or exclusions)
    // finds nothing.
    let raw_search = param(&pairs, "search")
        .unwrap_or_default()
        .replace(',', " ");
    let search = SearchQuery::parse(&raw_search);
    let finds_nothing = search.is_none() && !raw_search.trim().is_empty();
    let query = PostQuery {
        visibility: if status.is_some() {
            caller.visibility()
        } else {
            Visibility::Public
        },
        status,
        category: param(&pairs, "category")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        search,
        ordering: param(&pairs, "ordering")
            .map(PostOrder::parse_list)
            .unwrap_or_default(),
        tag: param(&pairs, "tag")
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        kind,
    };
    let now = Utc::now();
    let public = query.visibility == Visibility::Public && query.status.is_none();
    let db = &api.app.db;
    let count = if finds_nothing {
        0
    } else if public {
        // The public lists' counts are kept until a change event (see `CountCache`).
        let key = CountKey::Api(
            query.category.clone(),
            query.tag.clone(),
            query.kind,
            query.search.clone(),
        );
        api.app
            .counts
            .get_or_load(db, key, now, || async {
                let mut conn = db.acquire().await?;
                api_posts::count(conn.conn(), &query, now).await
            })
            .await?
    } else {
        let mut conn = db.acquire().await?;
        api_posts::count(conn.conn(), &query, now).await?
    };
    let page = PageSpec::resolve(param(&pairs, "page"), count)?;
    let limit = super::pagination::PAGE_SIZE;
    let rows = match &query.search {
        _ if finds_nothing => Vec::new(),
        // A public search by relevance: the page's ids are kept (see `RankedCache`), the rows
        // are read afresh.
        Some(search) if public && query.ordering.is_empty() => {
            let key = (
                search.clone(),
                query.category.clone(),
                query.tag.clone(),
                query.kind,
                page.offset(),
            );
            let ids = api
                .app
                .ranked
                .get_or_load(db, key, now, || async {
                    let mut conn = db.acquire().await?;
                    api_posts::ranked_ids(conn.conn(), &query, now, limit, page.offset()).await
                })
                .await?;
            let mut conn = db.acquire().await?;
            api_posts::by_ids(conn.conn(), &ids).await?
        }
        _ => {
            let mut conn = db.acquire().await?;
            api_posts::list(conn.conn(), &query, now, limit, page.offset()).await?
        }
    };
    // Taken after the count and the rows: a request never holds one connection while waiting
    // for another.
    let mut conn = db.acquire().await?;
    let results = with_comments(conn.conn(), rows, caller.sees_emails()).await?;
    Ok(Json(page.page(
        count,
        results,
        &api.app.site.base_url,
        "/api/posts/",
        &pairs,
    )))
}

/// The writable fields of a request; `None` keeps the stored value (`PATCH`).
#[derive(Debug, Clone, Default)]
struct PostChanges {
    title: Option<String>,
    body: Option<String>,
    category_id: Option<i64>,
    status: Option<PostStatus>,
    /// The tags' names (from `tag_slugs`, checked to exist).
    tags: Option<Vec<String>>,
    kind: Option<PostKind>,
}

/// A write error of the posts wing in DRF's words (the API's edge).
fn drf_words(error: PostError) -> ApiError {
    match error {
        PostError::NotFound => ApiError::NoMatch(OBJECT),
        PostError::SlugTaken { .. } => {
            ApiError::field("slug", "post with this slug already exists.")
        }
        PostError::UnknownCategory(id) => ApiError::field(
            "category_id",
            format!("Invalid pk \"{id}\" - object does not exist."),
        ),
        other => app::error::AppError::from(other).into(),
    }
}

/// The fields of a create or change request, every problem at once (an unknown category among
/// them, as DRF's related field reports it).
async fn read_post(
    api: &ApiState,
    body: &serde_json::Map<String, serde_json::Value>,
    partial: bool,
) -> Result<PostChanges, ApiError> {
    let mut fields = Fields::new(body, partial);
    let title = fields.string("title", true, Some(MAX_TITLE_CHARS));
    let category_id = fields.primary_key("category_id", true);
    if let Some(id) = category_id {
        let mut conn = api.app.db.acquire().await?;
        if let Err(error) = check_category(conn.conn(), id).await {
            match drf_words(error) {
                ApiError::Validation(errors) => {
                    for (field, messages) in errors.0 {
                        for message in messages {
                            fields.error(&field, message);
                        }
                    }
                }
                other => return Err(other),
            }
        }
    }
    let text = fields.string("body", true, None);
    let status = fields
        .choice("status", false, &STATUS_CHOICES)
        .and_then(|s| PostStatus::parse(&s));
    let kind = fields
        .choice("kind", false, &KIND_CHOICES)
        .and_then(|k| PostKind::parse(&k));
    let tags = match fields.string_list("tag_slugs", false) {
        None => None,
        Some(slugs) => {
            let mut conn = api.app.db.acquire().await?;
            let found = tag_queries::find_by_slugs(conn.conn(), &slugs).await?;
            let mut names = Vec::with_capacity(slugs.len());
            for slug in &slugs {
                match found.iter().find(|t| t.slug == *slug) {
                    Some(tag) => names.push(tag.name.clone()),
                    None => {
                        fields.error(
                            "tag_slugs",
                            format!("Object with slug={slug} does not exist."),
                        );
                    }
                }
            }
            Some(names)
        }
    };
    fields.finish()?;
    Ok(PostChanges {
        title,
        body: text,
        category_id,
        status,
        tags,
        kind,
    })
}

/// The representation of post `id` after a write, as `caller` may see it.
async fn fetch(api: &ApiState, caller: &Caller, id: i64) -> Result<Post, ApiError> {
    let mut conn = api.app.db.acquire().await?;
    let row = api_posts::find_by_id(conn.conn(), id)
        .await?
        .ok_or(ApiError::NoMatch(OBJECT))?;
    Ok(with_comments(conn.conn(), vec![row], caller.sees_emails())
        .await?
        .remove(0))
}

/// Creates a post; the caller is its author.
#[utoipa::path(
    post, path = "/api/posts/", operation_id = "createPost", tag = "posts",
    request_body = PostWrite,
    responses(
        (status = 201, description = "Created.", body = Post),
        (status = 400, description = "Invalid fields or JSON.", body = BadRequest),
        (status = 401, description = "Not signed in.", body = ErrorDetail),
        (status = 403, description = "The caller may not write posts.", body = ErrorDetail),
        (status = 415, description = "The body is not JSON.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security(("token" = []), ("session" = []))
)]
pub async fn create(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let actor = caller.account()?;
    if !actor.role.can(app::domain::Permission::WritePosts) {
        return Err(ApiError::PermissionDenied);
    }
    let data = json_object(&headers, &body)?;
    let changes = read_post(&api, &data, false).await?;
    let (Some(title), Some(text), Some(category_id)) =
        (changes.title, changes.body, changes.category_id)
    else {
        return Err(ApiError::Internal);
    };
    let new = NewPost {
        input: PostInput {
            title,
            slug: None,
            author_id: actor.id,
            category_id,
            byline: None,
            body: PostBody::Markdown(text),
            meta_description: None,
            status: changes.status.unwrap_or_default(),
            published_at: None,
            kind: changes.kind.unwrap_or_default(),
            nav_order: None,
        },
        form_errors: Default::default(),
        tags: changes.tags.unwrap_or_default(),
        slug: SlugChoice::Unique,
        message: "Added through the API.",
    };
    let id = api
        .app
        .posts()
        .create(Actor::Account(actor), new, Origin::Api, Utc::now())
        .await
        .map_err(drf_words)?;
    Ok((StatusCode::CREATED, Json(fetch(&api, &caller, id).await?)).into_response())
}

/// The post the caller may see with `slug`.
async fn find(api: &ApiState, caller: &Caller, slug: &str) -> Result<ApiPostRow, ApiError> {
    let mut conn = api.app.db.acquire().await?;
    api_posts::find_by_slug(conn.conn(), caller.visibility(), slug, Utc::now())
        .await?
        .ok_or(ApiError::NoMatch(OBJECT))
}

/// A post by slug (when several posts share it, the most recently published).
#[utoipa::path(
    get, path = "/api/posts/{slug}/", operation_id = "retrievePost", tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.")),
    responses(
        (status = 200, description = "The post.", body = Post),
        (status = 401, description = "An invalid token.", body = ErrorDetail),
        (status = 404, description = "No such post, or not visible to the caller.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security((), ("token" = []), ("session" = []))
)]
pub async fn retrieve(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    slug: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<Json<Post>, ApiError> {
    let Path(slug) = slug.map_err(|_| ApiError::NoMatch(OBJECT))?;
    let row = find(&api, &caller, &slug).await?;
    let mut conn = api.app.db.acquire().await?;
    Ok(Json(
        with_comments(conn.conn(), vec![row], caller.sees_emails())
            .await?
            .remove(0),
    ))
}

/// Replaces (`PUT`) or changes (`PATCH`) a post.
async fn change(
    api: ApiState,
    caller: Caller,
    slug: Result<Path<String>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
    body: Bytes,
    partial: bool,
) -> Result<Json<Post>, ApiError> {
    let actor = caller.account()?;
    let Path(slug) = slug.map_err(|_| ApiError::NoMatch(OBJECT))?;
    let row = find(&api, &caller, &slug).await?;
    let data = json_object(&headers, &body)?;
    let changes = read_post(&api, &data, partial).await?;
    api.app
        .posts()
        .update(
            Actor::Account(actor),
            row.id,
            Expect::Latest,
            Origin::Api,
            Utc::now(),
            |stored| {
                let mut input = PostInput::from_stored(&stored.record);
                if let Some(title) = changes.title {
                    input.title = title;
                }
                if let Some(text) = changes.body {
                    input.body = PostBody::Markdown(text);
                }
                if let Some(category_id) = changes.category_id {
                    input.category_id = category_id;
                }
                if let Some(status) = changes.status {
                    input.status = status;
                }
                if let Some(kind) = changes.kind {
                    input.kind = kind;
                }
                Ok(Edit {
                    input,
                    form_errors: Default::default(),
                    featured_image: None,
                    tags: changes.tags,
                    message: None,
                })
            },
        )
        .await
        .map_err(drf_words)?;
    Ok(Json(fetch(&api, &caller, row.id).await?))
}

/// Replaces a post's writable fields (the post's author or an editor).
#[utoipa::path(
    put, path = "/api/posts/{slug}/", operation_id = "updatePost", tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.")),
    request_body = PostWrite,
    responses(
        (status = 200, description = "The changed post.", body = Post),
        (status = 400, description = "Invalid fields or JSON.", body = BadRequest),
        (status = 401, description = "Not signed in.", body = ErrorDetail),
        (status = 403, description = "Not the post's author nor an editor.", body = ErrorDetail),
        (status = 404, description = "No such post.", body = ErrorDetail),
        (status = 415, description = "The body is not JSON.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security(("token" = []), ("session" = []))
)]
pub async fn update(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    slug: Result<Path<String>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Post>, ApiError> {
    change(api, caller, slug, headers, body, false).await
}

/// Changes some of a post's writable fields (the post's author or an editor).
#[utoipa::path(
    patch, path = "/api/posts/{slug}/", operation_id = "partialUpdatePost", tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.")),
    request_body = PostWrite,
    responses(
        (status = 200, description = "The changed post.", body = Post),
        (status = 400, description = "Invalid fields or JSON.", body = BadRequest),
        (status = 401, description = "Not signed in.", body = ErrorDetail),
        (status = 403, description = "Not the post's author nor an editor.", body = ErrorDetail),
        (status = 404, description = "No such post.", body = ErrorDetail),
        (status = 415, description = "The body is not JSON.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security(("token" = []), ("session" = []))
)]
pub async fn partial_update(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    slug: Result<Path<String>, axum::extract::rejection::PathRejection>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Post>, ApiError> {
    change(api, caller, slug, headers, body, true).await
}

/// Deletes a post and its comments (the post's author or an editor).
#[utoipa::path(
    delete, path = "/api/posts/{slug}/", operation_id = "destroyPost", tag = "posts",
    params(("slug" = String, Path, description = "The post's slug.")),
    responses(
        (status = 204, description = "Deleted."),
        (status = 401, description = "Not signed in.", body = ErrorDetail),
        (status = 403, description = "Not the post's author nor an editor.", body = ErrorDetail),
        (status = 404, description = "No such post.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security(("token" = []), ("session" = []))
)]
pub async fn destroy(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
    slug: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Result<StatusCode, ApiError> {
    let actor = caller.account()?;
    let Path(slug) = slug.map_err(|_| ApiError::NoMatch(OBJECT))?;
    let row = find(&api, &caller, &slug).await?;
    api.app
        .posts()
        .delete(Actor::Account(actor), &[row.id], Origin::Api, Utc::now())
        .await
        .map_err(drf_words)?;
    Ok(StatusCode::NO_CONTENT)
}

/// The five published posts with the most views.
#[utoipa::path(
    get, path = "/api/posts/trending/", operation_id = "trendingPosts", tag = "posts",
    responses(
        (status = 200, description = "Up to five posts, most viewed first.", body = Vec<Post>),
        (status = 401, description = "An invalid token.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security((), ("token" = []), ("session" = []))
)]
pub async fn trending(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
) -> Result<Json<Vec<Post>>, ApiError> {
    let mut conn = api.app.db.acquire().await?;
    let rows = api_posts::trending(conn.conn(), Utc::now(), TRENDING_COUNT).await?;
    Ok(Json(
        with_comments(conn.conn(), rows, caller.sees_emails()).await?,
    ))
}

/// Every published title, newest first, one per line, streamed a page of 1,000 titles at a time
/// as it is read from the database (memory stays flat however many posts there are).
#[utoipa::path(
    get, path = "/api/posts/titles.txt", operation_id = "listPostTitles", tag = "posts",
    responses(
        (status = 200, description = "One title per line.", body = String, content_type = "text/plain"),
        (status = 401, description = "An invalid token.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security((), ("token" = []), ("session" = []))
)]
pub async fn titles(State(api): State<ApiState>) -> Response {
    let db = api.app.db.clone();
    let now = Utc::now();
    // One page per poll: a connection is taken for the query and given back before the text
    // goes out, so a client that stops reading holds no database connection.
    let pages = futures_util::stream::unfold(Some(None), move |cursor| {
        let db = db.clone();
        async move {
            let after = cursor?;
            let page = async {
                let mut conn = db.acquire().await?;
                public_posts::public_titles_page(conn.conn(), now, after).await
            }
            .await;
            match page {
                Ok((text, next)) if !text.is_empty() => {
                    Some((Ok(Bytes::from(text)), next.map(Some)))
                }
                Ok(_) => None,
                Err(error) => {
                    // The status line is already sent: the body ends early, and the log says why.
                    tracing::error!(error = %error, "streaming titles failed");
                    Some((Err(std::io::Error::other("database error")), None))
                }
            }
        }
    });
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        Body::from_stream(pages),
    )
        .into_response()
}
