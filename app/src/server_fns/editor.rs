//! The rich editor's endpoints. Each authorises inside [`crate::ssr::editor`] (staff with
//! `WritePosts`; authors only their own posts). Reads are `GET`; writes are same-origin `fetch`
//! calls with JSON bodies, checked by the security middleware's CSRF rules, except
//! [`editor_create`], a plain form carrying the CSRF token.

use leptos::prelude::*;
use leptos::server_fn::codec::{GetUrl, Json};

use crate::error::AppError;
use crate::model::editor::{
    EditorDraft, EditorPost, PublishAction, Revision, RevisionSummary, Saved,
};
use crate::model::newsletter::NewsletterProgress;
use crate::model::PostDetail;

#[cfg(feature = "ssr")]
async fn staff() -> Result<(crate::ssr::AppState, crate::ssr::db::users::AccountRow), AppError> {
    super::require(crate::domain::Permission::AccessAdmin).await
}

/// Post `id` as the editor opens it.
///
/// # Errors
/// [`AppError::Unauthorized`]; [`AppError::Forbidden`] for someone else's post without
/// `EditAllPosts`; [`AppError::NotFound`].
#[server(prefix = "/_fn", endpoint = "editor/open", input = GetUrl)]
pub async fn editor_open(id: i64) -> Result<EditorPost, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::editor::open(&state, &actor, id, chrono::Utc::now()).await
}

/// Creates an empty draft and sends the browser to its editor (a plain form post).
///
/// # Errors
/// [`AppError::Forbidden`] without `WritePosts`; [`AppError::Conflict`] without categories.
#[server(prefix = "/_fn", endpoint = "editor/create")]
pub async fn editor_create() -> Result<(), AppError> {
    let (state, actor) = staff().await?;
    let id = crate::ssr::editor::create(&state, &actor, chrono::Utc::now()).await?;
    leptos_axum::redirect(&EditorPost::edit_path(id));
    Ok(())
}

/// Saves the editor's `draft` into post `id`, which the editor last saw at `version`;
/// `checkpoint` (the Save button, Ctrl+S) always keeps a new revision, where autosaves update
/// the writer's recent one.
///
/// # Errors
/// [`AppError::Conflict`] (409) when the post was saved elsewhere since `version`;
/// [`AppError::Validation`]; [`AppError::Forbidden`]; [`AppError::NotFound`].
#[server(prefix = "/_fn", endpoint = "editor/save", input = Json)]
pub async fn editor_save(
    id: i64,
    version: String,
    draft: EditorDraft,
    checkpoint: bool,
) -> Result<Saved, AppError> {
    let (state, actor) = staff().await?;
    let saving = crate::ssr::editor::Saving {
        id,
        version: &version,
        checkpoint,
    };
    crate::ssr::editor::save(&state, &actor, saving, draft, chrono::Utc::now()).await
}

/// Publishes, schedules or unpublishes post `id`; `email` false publishes it without emailing
/// the subscribers (absent, as from an editor page loaded before this choice existed: emailed).
///
/// # Errors
/// As [`editor_save`]; [`AppError::BadRequest`] for a schedule time in the past.
#[server(prefix = "/_fn", endpoint = "editor/publish", input = Json)]
pub async fn editor_publish(
    id: i64,
    version: String,
    action: PublishAction,
    #[server(default)] email: Option<bool>,
) -> Result<Saved, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::editor::publish(
        &state,
        &actor,
        id,
        action,
        email.unwrap_or(true),
        &version,
        chrono::Utc::now(),
    )
    .await
}

/// How far post `id`'s newsletter got (`None`: not emailed yet).
///
/// # Errors
/// As [`editor_open`].
#[server(prefix = "/_fn", endpoint = "editor/newsletter", input = GetUrl)]
pub async fn editor_newsletter(id: i64) -> Result<Option<NewsletterProgress>, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::editor::newsletter(&state, &actor, id).await
}

/// Sends post `id`'s failed newsletter deliveries again; the progress afterwards.
///
/// # Errors
/// As [`editor_open`]; [`AppError::Conflict`] when there is nothing to retry.
#[server(prefix = "/_fn", endpoint = "editor/newsletter/retry", input = Json)]
pub async fn editor_retry_newsletter(id: i64) -> Result<Option<NewsletterProgress>, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::editor::retry_newsletter(&state, &actor, id).await
}

/// Post `id`'s revisions, newest first.
///
/// # Errors
/// As [`editor_open`].
#[server(prefix = "/_fn", endpoint = "editor/revisions", input = GetUrl)]
pub async fn editor_revisions(id: i64) -> Result<Vec<RevisionSummary>, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::editor::revisions(&state, &actor, id).await
}

/// One revision of post `id`, with its body.
///
/// # Errors
/// As [`editor_open`].
#[server(prefix = "/_fn", endpoint = "editor/revision", input = GetUrl)]
pub async fn editor_revision(id: i64, revision: i64) -> Result<Revision, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::editor::revision(&state, &actor, id, revision).await
}

/// Restores revision `revision` into post `id`.
///
/// # Errors
/// As [`editor_save`].
#[server(prefix = "/_fn", endpoint = "editor/restore", input = Json)]
pub async fn editor_restore(id: i64, revision: i64, version: String) -> Result<Saved, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::editor::restore(&state, &actor, id, revision, &version, chrono::Utc::now()).await
}

/// Post `id` as readers will see it (the staff-only preview).
///
/// # Errors
/// As [`editor_open`].
#[server(prefix = "/_fn", endpoint = "editor/preview", input = GetUrl)]
pub async fn editor_preview(id: i64) -> Result<PostDetail, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::editor::preview(&state, &actor, id, chrono::Utc::now()).await
}
