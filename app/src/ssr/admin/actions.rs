//! Bulk actions on change-list rows (Django admin `actions`), on the selected rows or on every
//! row matching the list's search and filters, and the list's inline status edit. Each changed
//! object gets an audit log entry.

use chrono::{DateTime, Utc};

use crate::domain::changelist::ListParams;
use crate::domain::{PostStatus, Role};
use crate::error::AppError;
use crate::model::admin::{ActionReport, AdminModel, LogAction};
use crate::ssr::db::admin_bulk::{self, BulkWrite, Deletable};
use crate::ssr::db::admin_lists::{self, Viewer};
use crate::ssr::db::admin_log;
use crate::ssr::db::filter::{Value, Where};
use crate::ssr::db::users::AccountRow;
use crate::ssr::posts::{Actor, Origin};
use crate::ssr::AppState;

/// The most objects one bulk action touches (a larger "all matching" selection is refused with
/// a message to narrow it).
pub const MAX_TARGETS: i64 = 200_000;

/// A bulk action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAction {
    /// Posts: publish (sets `published_at` where empty).
    Publish,
    /// Posts: archive.
    Archive,
    /// Posts: back to draft.
    Draft,
    /// Comments: approve.
    Approve,
    /// Comments: unapprove.
    Unapprove,
    /// Users: activate.
    Activate,
    /// Users: deactivate.
    Deactivate,
    /// Jobs: queue failed or cancelled jobs again, with their attempts counted afresh.
    Retry,
    /// Jobs: cancel queued jobs.
    Cancel,
    /// Subscribers: unsubscribe (the address is kept, and nothing more is sent to it).
    Unsubscribe,
    /// Any model: delete.
    Delete(AdminModel),
}

impl BulkAction {
    /// The actions of `model` that `role` may run, in menu order.
    pub fn for_model(model: AdminModel, role: Role) -> Vec<Self> {
        if !role.can(model.permission()) {
            return Vec::new();
        }
        let mut actions = match model {
            AdminModel::Posts => vec![Self::Publish, Self::Archive, Self::Draft],
            AdminModel::Comments => vec![Self::Approve, Self::Unapprove],
            AdminModel::Users => vec![Self::Activate, Self::Deactivate],
            AdminModel::Jobs => vec![Self::Retry, Self::Cancel],
            AdminModel::Subscribers => vec![Self::Unsubscribe],
            AdminModel::Categories | AdminModel::Tags => Vec::new(),
        };
        actions.push(Self::Delete(model));
        actions
    }

    /// Parses an action name for `model`.
    pub fn parse(model: AdminModel, name: &str) -> Option<Self> {
        Self::for_model(model, Role::Administrator)
            .into_iter()
            .find(|a| a.name() == name)
    }

    /// The name sent by the form.
    pub fn name(self) -> &'static str {
        match self {
            Self::Publish => "publish",
            Self::Archive => "archive",
            Self::Draft => "draft",
            Self::Approve => "approve",
            Self::Unapprove => "unapprove",
            Self::Activate => "activate",
            Self::Deactivate => "deactivate",
            Self::Retry => "retry",
            Self::Cancel => "cancel",
            Self::Unsubscribe => "unsubscribe",
            Self::Delete(_) => "delete",
        }
    }

    /// The menu's text.
    pub fn label(self) -> &'static str {
        match self {
            Self::Publish => "Publish selected posts",
            Self::Archive => "Archive selected posts",
            Self::Draft => "Move selected posts back to draft",
            Self::Approve => "Approve selected comments",
            Self::Unapprove => "Unapprove selected comments",
            Self::Activate => "Activate selected users",
            Self::Deactivate => "Deactivate selected users",
            Self::Retry => "Retry selected failed or cancelled jobs",
            Self::Cancel => "Cancel selected queued jobs",
            Self::Unsubscribe => "Unsubscribe selected subscribers",
            Self::Delete(AdminModel::Posts) => "Delete selected posts",
            Self::Delete(AdminModel::Categories) => "Delete selected categories",
            Self::Delete(AdminModel::Tags) => "Delete selected tags",
            Self::Delete(AdminModel::Comments) => "Delete selected comments",
            Self::Delete(AdminModel::Users) => "Delete selected users",
            Self::Delete(AdminModel::Jobs) => "Delete selected jobs",
            Self::Delete(AdminModel::Subscribers) => "Delete selected subscribers",
        }
    }

    /// The verb of the report ("3 posts published.").
    fn past_tense(self) -> &'static str {
        match self {
            Self::Publish => "published",
            Self::Archive => "archived",
            Self::Draft => "moved back to draft",
            Self::Approve => "approved",
            Self::Unapprove => "unapproved",
            Self::Activate => "activated",
            Self::Deactivate => "deactivated",
            Self::Retry => "queued again",
            Self::Cancel => "cancelled",
            Self::Unsubscribe => "unsubscribed",
            Self::Delete(_) => "deleted",
        }
    }

    /// Whether the action deletes.
    pub fn deletes(self) -> bool {
        matches!(self, Self::Delete(_))
    }

    /// The status a posts action sets (`None` for the other actions).
    fn post_status(self) -> Option<PostStatus> {
        match self {
            Self::Publish => Some(PostStatus::Published),
            Self::Archive => Some(PostStatus::Archived),
            Self::Draft => Some(PostStatus::Draft),
            _ => None,
        }
    }

    /// The write of an action on comments, users or categories (`None` for posts, which their
    /// wing writes).
    fn write(self) -> Option<BulkWrite> {
        match self {
            Self::Publish | Self::Archive | Self::Draft => None,
            Self::Approve => Some(BulkWrite::CommentApproved(true)),
            Self::Unapprove => Some(BulkWrite::CommentApproved(false)),
            Self::Activate => Some(BulkWrite::UserActive(true)),
            Self::Deactivate => Some(BulkWrite::UserActive(false)),
            Self::Retry => Some(BulkWrite::JobRetry),
            Self::Cancel => Some(BulkWrite::JobCancel),
            Self::Unsubscribe => Some(BulkWrite::Unsubscribe),
            Self::Delete(model) => Deletable::of(model).map(BulkWrite::Delete),
        }
    }

    /// The condition that leaves out objects the action would not change, so the report and
    /// the audit log count only real changes.
    fn pending(self, w: &mut Where) {
        let condition = match self {
            Self::Publish | Self::Archive | Self::Draft => {
                let Some(status) = self.post_status() else {
                    return;
                };
                let n = w.push(Value::Text(status.as_str().to_string()));
                format!("t.status <> {n}")
            }
            Self::Approve | Self::Unapprove => {
                let n = w.push(Value::Bool(self == Self::Approve));
                format!("t.is_approved <> {n}")
            }
            Self::Activate | Self::Deactivate => {
                let n = w.push(Value::Bool(self == Self::Activate));
                format!("t.is_active <> {n}")
            }
            Self::Retry => "t.status IN ('failed', 'cancelled')".to_string(),
            Self::Cancel => "t.status = 'queued'".to_string(),
            Self::Unsubscribe => "t.status <> 'unsubscribed'".to_string(),
            Self::Delete(_) => return,
        };
        w.and(&condition);
    }
}

/// Which rows a bulk action applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The rows with these ids (still limited to what the list's parameters show).
    Ids(Vec<i64>),
    /// Every row matching the list's parameters (Django's "select all N").
    AllMatching,
}

/// Runs `action` on `selection` of `model`'s list with `params`, as `actor`.
///
/// # Errors
/// [`AppError::Forbidden`] without the model's permission or for an action the role may not
/// run; [`AppError::BadRequest`] for an empty selection; [`AppError::Conflict`] when the
/// deletion is protected (a category with posts, the last superuser) or publishing would give
/// two posts one address; [`AppError::Internal`] when the database fails.
pub async fn run(
    state: &AppState,
    actor: &AccountRow,
    model: AdminModel,
    action: BulkAction,
    selection: Selection,
    params: &ListParams,
    now: DateTime<Utc>,
) -> Result<ActionReport, AppError> {
    super::authorise_model(actor, model)?;
    if !BulkAction::for_model(model, actor.role).contains(&action) {
        return Err(AppError::Forbidden);
    }
    let viewer = Viewer {
        id: actor.id,
        role: actor.role,
    };
    let (mut w, _) = admin_lists::conditions(model, params, viewer, state.db.backend(), now);
    action.pending(&mut w);
    let ids = match &selection {
        Selection::Ids(ids) if ids.is_empty() => {
            return Err(AppError::BadRequest(
                "Select at least one row for the action.".into(),
            ))
        }
        Selection::Ids(ids) => Some(ids.as_slice()),
        Selection::AllMatching => None,
    };
    let mut tx = state.db.begin().await?;
    let targets = admin_lists::targets(tx.conn(), model, &w, ids, MAX_TARGETS + 1).await?;
    if targets.len() as i64 > MAX_TARGETS {
        return Err(AppError::BadRequest(format!(
            "More than {MAX_TARGETS} objects match; narrow the list first."
        )));
    }
    let target_ids: Vec<i64> = targets.iter().map(|(id, _)| *id).collect();
    if model == AdminModel::Posts {
        // Posts are written through their wing (permission, audit log, change events).
        drop(tx);
        let posts = state.posts();
        let actor = Actor::Account(actor);
        let affected = match action.post_status() {
            Some(status) => {
                let changes: Vec<(i64, PostStatus)> =
                    target_ids.iter().map(|id| (*id, status)).collect();
                posts
                    .set_status(actor, &changes, Origin::AdminBulk, now)
                    .await?
            }
            None => {
                posts
                    .delete(actor, &target_ids, Origin::AdminBulk, now)
                    .await?
            }
        };
        return Ok(report(model, action, affected));
    }
    match action {
        BulkAction::Delete(AdminModel::Categories) => {
            super::deletion::refuse_categories_with_posts(tx.conn(), &target_ids).await?;
        }
        BulkAction::Delete(AdminModel::Users) | BulkAction::Deactivate => {
            super::users::keep_a_superuser(tx.conn(), &target_ids).await?;
        }
        _ => {}
    }
    let (affected, events) = if action == BulkAction::Delete(AdminModel::Tags) {
        let events = super::tags::delete_in(tx.conn(), &target_ids).await?;
        (target_ids.len() as u64, events)
    } else {
        let write = action.write().ok_or(AppError::Internal)?;
        (
            admin_bulk::apply(tx.conn(), write, &target_ids).await?,
            Vec::new(),
        )
    };
    let (log_action, message) = if action.deletes() {
        (LogAction::Delete, String::new())
    } else {
        (
            LogAction::Change,
            format!("{} (bulk action).", capitalised(action.past_tense())),
        )
    };
    admin_log::insert_many(
        tx.conn(),
        admin_log::BulkEntries {
            user_id: Some(actor.id),
            user_repr: &actor.username,
            model,
            action: log_action,
            change_message: &message,
            objects: &targets,
        },
        now,
    )
    .await?;
    if action == BulkAction::Deactivate || action == BulkAction::Delete(AdminModel::Users) {
        for id in &target_ids {
            crate::ssr::db::sessions::delete_for_user(tx.conn(), *id, None).await?;
        }
    }
    tx.commit().await?;
    if action == BulkAction::Retry {
        state.jobs.wake();
    }
    state.events.send(events);
    // Readers' pages show it: drop what their caches keep.
    state.events.site_changed();
    tracing::info!(
        user_id = actor.id,
        model = model.slug(),
        action = action.name(),
        affected,
        "admin bulk action"
    );
    Ok(report(model, action, affected))
}

/// "3 posts published."
fn report(model: AdminModel, action: BulkAction, affected: u64) -> ActionReport {
    ActionReport {
        message: format!(
            "{} {}.",
            model.count_label(affected as i64),
            action.past_tense()
        ),
        affected,
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Saves the statuses changed in the list's inline editor (`(post id, new status)`), as
/// `actor`, through the posts wing: each post must be one the actor may change, or nothing is
/// saved. Publishing sets `published_at` where empty, as the publish action.
///
/// # Errors
/// [`AppError::Forbidden`] when a post is not the actor's to change (nothing is saved);
/// [`AppError::NotFound`] for an unknown post; [`AppError::Conflict`] as [`run`].
pub async fn save_statuses(
    state: &AppState,
    actor: &AccountRow,
    changes: &[(i64, PostStatus)],
    now: DateTime<Utc>,
) -> Result<ActionReport, AppError> {
    super::authorise_model(actor, AdminModel::Posts)?;
    let affected = state
        .posts()
        .set_status(Actor::Account(actor), changes, Origin::AdminInline, now)
        .await?;
    Ok(ActionReport {
        message: format!(
            "{} changed.",
            AdminModel::Posts.count_label(affected as i64)
        ),
        affected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_get_status_actions_and_editors_delete() {
        let author = BulkAction::for_model(AdminModel::Posts, Role::Author);
        assert!(author.contains(&BulkAction::Publish));
        assert!(author.contains(&BulkAction::Delete(AdminModel::Posts)));
        assert!(BulkAction::for_model(AdminModel::Comments, Role::Author).is_empty());
        assert!(BulkAction::for_model(AdminModel::Users, Role::Editor).is_empty());
        assert_eq!(
            BulkAction::parse(AdminModel::Posts, "delete"),
            Some(BulkAction::Delete(AdminModel::Posts))
        );
        assert_eq!(BulkAction::parse(AdminModel::Posts, "approve"), None);
        assert_eq!(capitalised("published"), "Published");
    }
}
