//! Comments as a service: list what a viewer may see, write (waiting for moderation), delete
//! one's own, moderate.

use chrono::Utc;

use crate::domain::Permission;
use crate::error::AppError;
use crate::model::CommentView;
use crate::ssr::auth;
use crate::ssr::db::comments;
use crate::ssr::db::users::AccountRow;
use crate::ssr::AppState;

pub use crate::model::MAX_COMMENT_CHARS;

/// The comments of public post `post_id` that `viewer` may see.
///
/// # Errors
/// [`AppError::NotFound`] when the post is not public; [`AppError::Internal`] when the database
/// fails.
pub async fn list(
    state: &AppState,
    post_id: i64,
    viewer: Option<&AccountRow>,
) -> Result<Vec<CommentView>, AppError> {
    let mut conn = state.db.acquire().await?;
    if !comments::post_is_public(conn.conn(), post_id, Utc::now()).await? {
        return Err(AppError::NotFound);
    }
    let viewer_id = viewer.map(|v| v.id);
    let rows = comments::list_visible(conn.conn(), post_id, viewer_id).await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let own = Some(row.author_id) == viewer_id;
            row.into_view(own)
        })
        .collect())
}

/// Stores `body` (plain text, trimmed) as `author`'s comment on public post `post_id`; it waits
/// for moderation.
///
/// # Errors
/// [`AppError::Validation`] (`body`) for an empty or too long comment; [`AppError::NotFound`]
/// when the post is not public; [`AppError::Internal`] when the database fails.
pub async fn add(
    state: &AppState,
    author: &AccountRow,
    post_id: i64,
    body: &str,
) -> Result<i64, AppError> {
    let body = body.trim();
    if body.is_empty() {
        return Err(AppError::field("body", "Write something first."));
    }
    if body.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::field(
            "body",
            format!(
                "A comment has at most {MAX_COMMENT_CHARS} characters (this one has {}).",
                body.chars().count()
            ),
        ));
    }
    let now = Utc::now();
    let mut tx = state.db.begin().await?;
    if !comments::post_is_public(tx.conn(), post_id, now).await? {
        return Err(AppError::NotFound);
    }
    let id = comments::insert(tx.conn(), post_id, author.id, body, now).await?;
    tx.commit().await?;
    tracing::info!(
        comment_id = id,
        post_id,
        user_id = author.id,
        "comment written, awaiting moderation"
    );
    Ok(id)
}

/// Deletes comment `id`: its author may, and editors (who moderate) may.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown comment; [`AppError::Forbidden`] for someone else's
/// comment without moderation rights; [`AppError::Internal`] when the database fails.
pub async fn delete(state: &AppState, actor: &AccountRow, id: i64) -> Result<(), AppError> {
    let mut tx = state.db.begin().await?;
    let author = comments::find_author(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !auth::may_act_on(actor, author, Permission::ModerateComments) {
        return Err(AppError::Forbidden);
    }
    comments::delete(tx.conn(), id).await?;
    tx.commit().await?;
    state.events.site_changed();
    tracing::info!(comment_id = id, user_id = actor.id, "comment deleted");
    Ok(())
}

/// Approves (or unapproves) comment `id`; the caller checked `ModerateComments`.
///
/// # Errors
/// [`AppError::NotFound`] for an unknown comment; [`AppError::Internal`] when the database fails.
pub async fn set_approved(state: &AppState, id: i64, approved: bool) -> Result<(), AppError> {
    let mut conn = state.db.acquire_write().await?;
    if comments::set_approved(conn.conn(), id, approved).await? {
        state.events.site_changed();
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}
