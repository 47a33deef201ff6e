//! Writing posts as a signed-in user: create, change and delete, with the role rules of the
//! accounts issue (authors write and change their own posts, editors everyone's) and the saving
//! rules of [`crate::ssr::blog`]. The REST API calls this; the admin and the editor will too.

use chrono::Utc;

use crate::domain::{Permission, PostStatus};
use crate::error::AppError;
use crate::ssr::auth;
use crate::ssr::blog::{self, PostBody, PostInput, SaveError};
use crate::ssr::db::users::AccountRow;
use crate::ssr::db::{api_posts, categories, posts, unique_violation, Conn};
use crate::ssr::AppState;

/// How many numbered variants (`slug-2`, `slug-3`...) are tried before a new post's slug is
/// refused as taken.
pub const MAX_SLUG_VARIANTS: u32 = 100;

/// A new post's fields.
#[derive(Debug, Clone)]
pub struct NewPost {
    /// The title (1-200 characters).
    pub title: String,
    /// The body as Markdown (inline HTML allowed; sanitised on save).
    pub body: String,
    /// The category's id.
    pub category_id: i64,
    /// The status; `PUBLISHED` publishes now.
    pub status: PostStatus,
}

/// Changes to a post; `None` keeps the stored value.
#[derive(Debug, Clone, Default)]
pub struct PostChanges {
    /// A new title.
    pub title: Option<String>,
    /// A new Markdown body.
    pub body: Option<String>,
    /// A new category id.
    pub category_id: Option<i64>,
    /// A new status.
    pub status: Option<PostStatus>,
}

/// Creates a post by `actor` with a slug made from the title (numbered when taken, as
/// WordPress does, so every post the API creates has a slug of its own); returns its id.
///
/// # Errors
/// [`AppError::Forbidden`] without `WritePosts`; [`AppError::Validation`] (`title`,
/// `category_id`, `slug`); [`AppError::Internal`] when the database fails.
pub async fn create(state: &AppState, actor: &AccountRow, new: NewPost) -> Result<i64, AppError> {
    if !actor.role.can(Permission::WritePosts) {
        return Err(AppError::Forbidden);
    }
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    ensure_category(tx.conn(), new.category_id).await?;
    let mut record = blog::prepare(
        PostInput {
            title: new.title,
            slug: None,
            author_id: actor.id,
            category_id: new.category_id,
            byline: None,
            body: PostBody::Markdown(new.body),
            meta_description: None,
            status: new.status,
            published_at: None,
        },
        now,
    )
    .map_err(save_error)?;
    record.slug = free_slug(tx.conn(), &record.slug, None).await?;
    let id = posts::insert(tx.conn(), &record, now)
        .await
        .map_err(slug_conflict)?;
    tx.commit().await?;
    tracing::info!(
        post_id = id,
        user_id = actor.id,
        status = record.status.as_str(),
        "post created"
    );
    Ok(id)
}

/// Applies `changes` to post `id` on behalf of `actor` (its author, or an editor).
///
/// # Errors
/// [`AppError::NotFound`] for an unknown post; [`AppError::Forbidden`] for someone else's post
/// without `EditAllPosts` (or without `WritePosts` at all); [`AppError::Validation`];
/// [`AppError::Internal`] when the database fails.
pub async fn update(
    state: &AppState,
    actor: &AccountRow,
    id: i64,
    changes: PostChanges,
) -> Result<(), AppError> {
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    let stored = posts::find_stored(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    authorise(actor, stored.record.author_id)?;
    if let Some(category_id) = changes.category_id {
        ensure_category(tx.conn(), category_id).await?;
    }
    let old = stored.record;
    let body = match changes.body {
        Some(markdown) => PostBody::Markdown(markdown),
        None => PostBody::Html {
            html: old.body.clone(),
            source: old.body_source.clone(),
        },
    };
    let record = blog::prepare(
        PostInput {
            title: changes.title.unwrap_or_else(|| old.title.clone()),
            slug: Some(old.slug.clone()),
            author_id: old.author_id,
            category_id: changes.category_id.unwrap_or(old.category_id),
            byline: old.byline.clone(),
            body,
            meta_description: old.meta_description.clone(),
            status: changes.status.unwrap_or(old.status),
            published_at: old.published_at,
        },
        now,
    )
    .map_err(save_error)?;
    if record != old {
        posts::update(tx.conn(), id, &record, now)
            .await
            .map_err(slug_conflict)?;
    }
    tx.commit().await?;
    tracing::info!(post_id = id, user_id = actor.id, "post changed");
    Ok(())
}

/// Deletes post `id` (with its comments) on behalf of `actor` (its author, or an editor).
///
/// # Errors
/// [`AppError::NotFound`], [`AppError::Forbidden`] as [`update`]; [`AppError::Internal`].
pub async fn delete(state: &AppState, actor: &AccountRow, id: i64) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let stored = posts::find_stored(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    authorise(actor, stored.record.author_id)?;
    api_posts::delete(tx.conn(), id).await?;
    tx.commit().await?;
    tracing::info!(post_id = id, user_id = actor.id, "post deleted");
    Ok(())
}

/// Whether `actor` may change a post by `author_id`: authors their own, editors all.
fn authorise(actor: &AccountRow, author_id: i64) -> Result<(), AppError> {
    if actor.role.can(Permission::WritePosts)
        && auth::may_act_on(actor, author_id, Permission::EditAllPosts)
    {
        Ok(())
    } else {
        tracing::info!(user_id = actor.id, "post change refused: not the author");
        Err(AppError::Forbidden)
    }
}

/// Refuses an unknown category id with DRF's message for a related key.
async fn ensure_category(conn: Conn<'_>, id: i64) -> Result<(), AppError> {
    match categories::find_by_id(conn, id).await? {
        Some(_) => Ok(()),
        None => Err(AppError::field(
            "category_id",
            format!("Invalid pk \"{id}\" - object does not exist."),
        )),
    }
}

/// `base`, or the first of `base-2`, `base-3`... that no other post uses.
async fn free_slug(
    mut conn: Conn<'_>,
    base: &str,
    except: Option<i64>,
) -> Result<String, AppError> {
    if !api_posts::slug_taken(conn.reborrow(), base, except).await? {
        return Ok(base.to_string());
    }
    for n in 2..=MAX_SLUG_VARIANTS {
        let suffix = format!("-{n}");
        let stem: String = base
            .chars()
            .take(crate::domain::slug::MAX_SLUG_LEN - suffix.len())
            .collect();
        let candidate = format!("{}{suffix}", stem.trim_end_matches('-'));
        if !api_posts::slug_taken(conn.reborrow(), &candidate, except).await? {
            return Ok(candidate);
        }
    }
    Err(AppError::field(
        "slug",
        "post with this slug already exists.",
    ))
}

fn save_error(error: SaveError) -> AppError {
    match error {
        SaveError::Invalid { field, message } => AppError::field(field, message),
        SaveError::Database(e) => e.into(),
    }
}

/// A unique violation on the slug (a concurrent save took it) becomes a field error.
fn slug_conflict(error: sqlx::Error) -> AppError {
    if unique_violation(&error).is_some() {
        AppError::field("slug", "post with this slug already exists.")
    } else {
        error.into()
    }
}
