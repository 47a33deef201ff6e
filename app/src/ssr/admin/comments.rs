//! The comments' change form (moderators: editors and administrators): the body and the
//! approval. Comments are written by readers on the site, so the admin has no add form.

use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::model::admin::{AdminModel, CommentForm, LogAction};
use crate::model::MAX_COMMENT_CHARS;
use crate::ssr::db::admin_forms::{self, CommentFormRow};
use crate::ssr::db::row_lock::{self, Versioned};
use crate::ssr::db::users::AccountRow;
use crate::ssr::AppState;

/// A comment form as submitted.
#[derive(Debug, Clone)]
pub struct CommentInput {
    /// The comment.
    pub id: i64,
    /// The body.
    pub body: String,
    /// Whether it is approved.
    pub is_approved: bool,
    /// The version the form was opened at.
    pub version: String,
}

fn version(row: &CommentFormRow) -> String {
    super::version_of(&[&row.body, if row.is_approved { "1" } else { "0" }])
}

/// Comment `id`'s form.
///
/// # Errors
/// [`AppError::Forbidden`] without `ModerateComments`; [`AppError::NotFound`];
/// [`AppError::Internal`].
pub async fn form(state: &AppState, actor: &AccountRow, id: i64) -> Result<CommentForm, AppError> {
    super::authorise_model(actor, AdminModel::Comments)?;
    let mut conn = state.db.acquire().await?;
    let row = admin_forms::find_comment(conn.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(CommentForm {
        id: row.id,
        version: version(&row),
        post_href: AdminModel::Posts.object_path(row.post_id),
        post_title: row.post_title,
        author: row.author,
        body: row.body,
        is_approved: row.is_approved,
        created_at: row.created_at,
    })
}

/// Saves a comment's body and approval.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::Validation`] (`body`); [`AppError::Conflict`];
/// [`AppError::NotFound`]; [`AppError::Internal`].
pub async fn save(
    state: &AppState,
    actor: &AccountRow,
    input: CommentInput,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    super::authorise_model(actor, AdminModel::Comments)?;
    let body = input.body.trim();
    if body.is_empty() {
        return Err(AppError::field("body", "This field is required."));
    }
    if body.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::field(
            "body",
            format!("Ensure this value has at most {MAX_COMMENT_CHARS} characters."),
        ));
    }
    let mut tx = state.db.begin().await?;
    row_lock::lock(tx.conn(), Versioned::Comments, input.id).await?;
    let stored = admin_forms::find_comment(tx.conn(), input.id)
        .await?
        .ok_or(AppError::NotFound)?;
    super::check_version(AdminModel::Comments, &input.version, &version(&stored))?;
    admin_forms::update_comment(tx.conn(), input.id, body, input.is_approved).await?;
    let mut changed = Vec::new();
    if stored.body != body {
        changed.push("body");
    }
    if stored.is_approved != input.is_approved {
        changed.push("approval");
    }
    let repr: String = body.chars().take(80).collect();
    super::log(
        tx.conn(),
        actor,
        super::Logged {
            model: AdminModel::Comments,
            object_id: input.id,
            object_repr: &repr,
            action: LogAction::Change,
            message: &super::change_message(&changed),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    // Readers' pages show it: drop what their caches keep.
    state.events.site_changed();
    Ok(input.id)
}
