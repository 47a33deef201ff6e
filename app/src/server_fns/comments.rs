//! Comment endpoints: read a post's comments, write one (it waits for moderation), delete one's
//! own, moderate.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::model::CommentView;

/// The comments of a public post that the caller may see: approved ones, plus the caller's own
/// pending ones, oldest first.
///
/// # Errors
/// [`AppError::NotFound`] when the post is not public.
#[server(prefix = "/_fn", endpoint = "comments", input = GetUrl)]
pub async fn list_comments(post_id: i64) -> Result<Vec<CommentView>, AppError> {
    let (state, session) = super::state_and_session().await?;
    let viewer = crate::ssr::auth::current_account(&state, &session).await?;
    crate::ssr::comments::list(&state, post_id, viewer.as_ref()).await
}

/// Writes a comment (plain text) on a public post as the signed-in user; it is shown to others
/// once a moderator approves it.
///
/// # Errors
/// [`AppError::Unauthorized`] when signed out; [`AppError::Validation`] (`body`);
/// [`AppError::NotFound`] when the post is not public.
#[server(prefix = "/_fn", endpoint = "comments/add")]
pub async fn add_comment(post_id: i64, body: String) -> Result<i64, AppError> {
    let (state, account) = super::require(crate::domain::Permission::Comment).await?;
    crate::ssr::comments::add(&state, &account, post_id, &body).await
}

/// Deletes a comment: one's own, or any for a moderator.
///
/// # Errors
/// [`AppError::Unauthorized`] when signed out; [`AppError::Forbidden`] for someone else's
/// comment; [`AppError::NotFound`] for an unknown one.
#[server(prefix = "/_fn", endpoint = "comments/delete")]
pub async fn delete_comment(id: i64) -> Result<(), AppError> {
    let (state, account) = super::require(crate::domain::Permission::Comment).await?;
    crate::ssr::comments::delete(&state, &account, id).await
}

/// Approves (or unapproves) a comment; editors and administrators only.
///
/// # Errors
/// [`AppError::Unauthorized`] when signed out; [`AppError::Forbidden`] below editor;
/// [`AppError::NotFound`] for an unknown comment.
#[server(prefix = "/_fn", endpoint = "comments/moderate")]
pub async fn moderate_comment(id: i64, approved: bool) -> Result<(), AppError> {
    let (state, _) = super::require(crate::domain::Permission::ModerateComments).await?;
    crate::ssr::comments::set_approved(&state, id, approved).await
}
