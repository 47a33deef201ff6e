//! The admin back-office's services (Django's `django.contrib.admin`): who may open which
//! model, the index with the audit log, and per concern:
//!
//! - [`changelist`]: change list pages (search, filters, sorting, date drill-down, counts);
//! - [`actions`]: bulk actions and the inline status edit;
//! - [`deletion`]: the delete confirmation (what goes with an object, what prevents it);
//! - [`posts`], [`categories`], [`comments`], [`users`]: the change forms;
//! - [`jobs`]: the background job's read-only page.
//!
//! Every function checks the caller's role first; the pages only hide what a role may not do.
//! Every write is one transaction together with its audit log entry.

pub mod actions;
pub mod categories;
pub mod changelist;
pub mod comments;
pub mod deletion;
pub mod jobs;
pub mod posts;
pub mod tags;
pub mod users;

use chrono::{DateTime, Utc};

use crate::domain::{Permission, Role};
use crate::error::AppError;
use crate::model::admin::{AdminIndex, AdminModel, IndexModel, LogAction, LogEntry};
use crate::ssr::db::admin_lists::{self, Viewer};
use crate::ssr::db::users::AccountRow;
use crate::ssr::db::{admin_log, Conn};
use crate::ssr::AppState;

/// How many entries "Recent actions" shows.
pub const RECENT_ACTIONS: i64 = 15;

/// Refuses `actor` without the permission that opens `model` (staff only for posts, editors for
/// categories and comments, administrators for users).
///
/// # Errors
/// [`AppError::Forbidden`].
pub fn authorise_model(actor: &AccountRow, model: AdminModel) -> Result<(), AppError> {
    if actor.role.can(Permission::AccessAdmin) && actor.role.can(model.permission()) {
        Ok(())
    } else {
        tracing::info!(
            user_id = actor.id,
            model = model.slug(),
            "admin page refused"
        );
        Err(AppError::Forbidden)
    }
}

/// Whether `actor` may open a post written by `author_id` (the posts wing's rule,
/// [`crate::ssr::posts::write::may_change`]).
pub fn may_change_post(actor: &AccountRow, author_id: i64) -> bool {
    crate::ssr::posts::write::may_change(actor, author_id)
}

/// The models `role` may open, in index order.
pub fn models_for(role: Role) -> Vec<AdminModel> {
    AdminModel::ALL
        .into_iter()
        .filter(|m| role.can(Permission::AccessAdmin) && role.can(m.permission()))
        .collect()
}

pub use crate::ssr::version::version_of;

/// Refuses a save whose form was opened at `opened` when the object is now at `current`.
///
/// # Errors
/// [`AppError::Conflict`] with a message saying what to do.
pub fn check_version(model: AdminModel, opened: &str, current: &str) -> Result<(), AppError> {
    if opened == current {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "Someone else saved this {} after you opened it. Your changes were not saved: copy \
             them, reload the page to see the other changes, then edit again.",
            model.singular()
        )))
    }
}

/// What an audit log entry says about one object.
#[derive(Debug, Clone, Copy)]
pub struct Logged<'a> {
    /// The object's model.
    pub model: AdminModel,
    /// The object's id.
    pub object_id: i64,
    /// The object's name now.
    pub object_repr: &'a str,
    /// What was done.
    pub action: LogAction,
    /// What changed, in words (empty for additions and deletions).
    pub message: &'a str,
}

/// Writes one audit log entry by `actor` (inside the caller's transaction).
///
/// # Errors
/// The driver's error.
pub async fn log(
    conn: Conn<'_>,
    actor: &AccountRow,
    entry: Logged<'_>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    admin_log::insert(
        conn,
        &admin_log::NewEntry {
            user_id: Some(actor.id),
            user_repr: &actor.username,
            model: entry.model,
            object_id: entry.object_id,
            object_repr: entry.object_repr,
            action: entry.action,
            change_message: entry.message,
        },
        now,
    )
    .await
}

pub use crate::ssr::audit::change_message;

/// The index page for `actor`: the models they may open with counts, and recent actions
/// (everyone's on those models for editors and administrators, their own for authors).
///
/// # Errors
/// [`AppError::Forbidden`] for non-staff; [`AppError::Internal`] when the database fails.
pub async fn index(
    state: &AppState,
    actor: &AccountRow,
    now: DateTime<Utc>,
) -> Result<AdminIndex, AppError> {
    if !actor.role.can(Permission::AccessAdmin) {
        return Err(AppError::Forbidden);
    }
    let viewer = Viewer {
        id: actor.id,
        role: actor.role,
    };
    let models = models_for(actor.role);
    let mut conn = state.db.acquire().await?;
    let mut areas: Vec<(String, Vec<IndexModel>)> = Vec::new();
    for model in &models {
        let (w, _) =
            admin_lists::conditions(*model, &Default::default(), viewer, state.db.backend(), now);
        let count = admin_lists::count(conn.conn(), *model, &w).await?;
        let alert = if *model == AdminModel::Jobs {
            let since = now - chrono::Duration::days(1);
            let failed = crate::ssr::db::jobs::count_failed_since(conn.conn(), since).await?;
            (failed > 0).then(|| {
                (
                    format!("{failed} failed since yesterday"),
                    format!("{}?status=failed", model.list_path()),
                )
            })
        } else {
            None
        };
        let note = if *model == AdminModel::Subscribers {
            let confirmed = crate::ssr::db::newsletter::count_confirmed(conn.conn()).await?;
            Some((
                format!("{} confirmed", crate::ssr::newsletter::thousands(confirmed)),
                format!("{}?status=confirmed", model.list_path()),
            ))
        } else {
            None
        };
        let entry = IndexModel {
            model: *model,
            count,
            can_add: model.can_add(),
            alert,
            note,
        };
        match areas.iter_mut().find(|(area, _)| area == model.area()) {
            Some((_, list)) => list.push(entry),
            None => areas.push((model.area().to_string(), vec![entry])),
        }
    }
    let rows = if actor.role.can(Permission::EditAllPosts) {
        admin_log::recent(conn.conn(), &models, RECENT_ACTIONS).await?
    } else {
        admin_log::recent_by_user(conn.conn(), actor.id, RECENT_ACTIONS).await?
    };
    Ok(AdminIndex {
        areas,
        recent: rows.into_iter().filter_map(|r| r.into_entry()).collect(),
        can_export: actor.role.can(Permission::ExportSite),
    })
}

/// The history of object `id` of `model` (oldest first), for those who may open the object.
///
/// A post that no longer exists has no author to check: authors (who may open only their own
/// posts) see a deleted post's history only when the log says they created it; editors and
/// administrators see every deleted post's.
///
/// # Errors
/// [`AppError::Forbidden`] without the model's permission or (authors) for someone else's post,
/// existing or deleted; [`AppError::Internal`] when the database fails.
pub async fn history(
    state: &AppState,
    actor: &AccountRow,
    model: AdminModel,
    id: i64,
) -> Result<(String, Vec<LogEntry>), AppError> {
    authorise_model(actor, model)?;
    let mut conn = state.db.acquire().await?;
    let rows = admin_log::for_object(conn.conn(), model, id).await?;
    if model == AdminModel::Posts {
        let allowed = match crate::ssr::db::posts::writes::find_stored(conn.conn(), id).await? {
            Some(stored) => may_change_post(actor, stored.record.author_id),
            None => {
                actor.role.can(Permission::EditAllPosts)
                    || rows.iter().any(|r| {
                        r.user_id == Some(actor.id)
                            && LogAction::parse(&r.action) == Some(LogAction::Add)
                    })
            }
        };
        if !allowed {
            tracing::info!(user_id = actor.id, post_id = id, "post history refused");
            return Err(AppError::Forbidden);
        }
    }
    let entries: Vec<LogEntry> = rows.into_iter().filter_map(|r| r.into_entry()).collect();
    let name = match entries.last() {
        Some(entry) => entry.object_repr.clone(),
        None => {
            let (w, _) = admin_lists::conditions(
                model,
                &Default::default(),
                Viewer {
                    id: actor.id,
                    role: actor.role,
                },
                state.db.backend(),
                Utc::now(),
            );
            admin_lists::targets(conn.conn(), model, &w, Some(&[id]), 1)
                .await?
                .pop()
                .map(|(_, repr)| repr)
                .ok_or(AppError::NotFound)?
        }
    };
    Ok((name, entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_change_with_any_field_and_are_not_ambiguous() {
        let a = version_of(&["ab", "c"]);
        assert_eq!(a, version_of(&["ab", "c"]));
        assert_ne!(a, version_of(&["a", "bc"]));
        assert_eq!(a.len(), 24);
        assert!(check_version(AdminModel::Posts, &a, &a).is_ok());
        assert!(matches!(
            check_version(AdminModel::Posts, "x", &a),
            Err(AppError::Conflict(_))
        ));
    }

    #[test]
    fn roles_open_the_models_of_their_permissions() {
        assert!(models_for(Role::Reader).is_empty());
        assert_eq!(models_for(Role::Author), vec![AdminModel::Posts]);
        assert_eq!(
            models_for(Role::Editor),
            vec![
                AdminModel::Posts,
                AdminModel::Categories,
                AdminModel::Tags,
                AdminModel::Comments
            ]
        );
        assert_eq!(models_for(Role::Administrator).len(), 7);
        assert!(!models_for(Role::Editor).contains(&AdminModel::Jobs));
    }
}
