//! Deleting one object from the admin: the confirmation page lists what goes with it (a post's
//! comments; a user's posts and comments; the posts that lose a tag) and what prevents it (a category that still has posts:
//! `posts.category_id` is `ON DELETE RESTRICT`; the last active superuser), as Django's
//! `delete_view` does from its collector.

use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::model::admin::{AdminModel, DeletePreview, LogAction, RelatedObjects};
use crate::ssr::db::admin_bulk::{self, BulkWrite, Deletable};
use crate::ssr::db::admin_lists::{self, Viewer};
use crate::ssr::db::users::AccountRow;
use crate::ssr::db::{admin_forms, sessions, Conn};
use crate::ssr::posts::{Actor, Origin};
use crate::ssr::AppState;

/// How many related objects the page names (the count covers all).
pub const NAMED_RELATED: i64 = 20;

/// What deleting object `id` of `model` would do, for the confirmation page.
///
/// # Errors
/// [`AppError::Forbidden`] without the permission (authors: someone else's post);
/// [`AppError::NotFound`]; [`AppError::Internal`] when the database fails.
pub async fn preview(
    state: &AppState,
    actor: &AccountRow,
    model: AdminModel,
    id: i64,
) -> Result<DeletePreview, AppError> {
    super::authorise_model(actor, model)?;
    let mut conn = state.db.acquire().await?;
    let repr = object_repr(conn.conn(), actor, model, id).await?;
    let mut cascades = Vec::new();
    let mut blockers = Vec::new();
    let mut refusal = None;
    let related = |label: &str, (count, names): (i64, Vec<String>)| RelatedObjects {
        label: label.to_string(),
        count,
        names,
    };
    match model {
        AdminModel::Posts => {
            let comments = admin_forms::related(
                conn.conn(),
                "comments",
                "post_id",
                "body",
                id,
                NAMED_RELATED,
            )
            .await?;
            cascades.push(related("Comments", comments));
        }
        AdminModel::Categories => {
            let posts = admin_forms::related(
                conn.conn(),
                "posts",
                "category_id",
                "title",
                id,
                NAMED_RELATED,
            )
            .await?;
            blockers.push(related("Posts", posts));
        }
        AdminModel::Tags => {
            let posts = crate::ssr::db::tags::posts_named(conn.conn(), id, NAMED_RELATED).await?;
            cascades.push(related("Its place on posts (the posts stay)", posts));
        }
        AdminModel::Comments | AdminModel::Subscribers => {}
        AdminModel::Jobs => {
            let job = crate::ssr::db::jobs::find(conn.conn(), id)
                .await?
                .ok_or(AppError::NotFound)?;
            if job.status() == crate::ssr::db::jobs::JobStatus::Running {
                refusal = Some(
                    "This job is running: cancel it from the list once it is queued again, or \
                     wait until it has finished."
                        .to_string(),
                );
            }
        }
        AdminModel::Users => {
            let posts = admin_forms::related(
                conn.conn(),
                "posts",
                "author_id",
                "title",
                id,
                NAMED_RELATED,
            )
            .await?;
            cascades.push(related("Posts", posts));
            let comments = admin_forms::related(
                conn.conn(),
                "comments",
                "author_id",
                "body",
                id,
                NAMED_RELATED,
            )
            .await?;
            cascades.push(related("Comments", comments));
            if keep_a_superuser_check(conn.conn(), &[id]).await?.is_some() {
                refusal = Some(super::users::LAST_SUPERUSER.to_string());
            }
        }
    }
    for group in cascades.iter_mut().chain(blockers.iter_mut()) {
        for name in &mut group.names {
            *name = short(name);
        }
    }
    cascades.retain(|g| g.count > 0);
    blockers.retain(|g| g.count > 0);
    Ok(DeletePreview {
        model,
        id,
        repr,
        cascades,
        blockers,
        refusal,
    })
}

/// Deletes object `id` of `model` (after the confirmation page) with what cascades from it, and
/// logs it; returns the object's name.
///
/// # Errors
/// As [`preview`]; [`AppError::Conflict`] when something prevents the deletion.
pub async fn delete(
    state: &AppState,
    actor: &AccountRow,
    model: AdminModel,
    id: i64,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    super::authorise_model(actor, model)?;
    if model == AdminModel::Posts {
        // Posts are deleted through their wing (permission, audit log, change events).
        let mut conn = state.db.acquire().await?;
        let repr = object_repr(conn.conn(), actor, model, id).await?;
        drop(conn);
        state
            .posts()
            .delete(Actor::Account(actor), &[id], Origin::AdminForm, now)
            .await?;
        return Ok(repr);
    }
    let mut tx = state.db.begin().await?;
    let repr = object_repr(tx.conn(), actor, model, id).await?;
    match model {
        AdminModel::Categories => refuse_categories_with_posts(tx.conn(), &[id]).await?,
        AdminModel::Jobs => {
            let running = crate::ssr::db::jobs::find(tx.conn(), id)
                .await?
                .is_some_and(|j| j.status() == crate::ssr::db::jobs::JobStatus::Running);
            if running {
                return Err(AppError::Conflict(
                    "This job is running; it cannot be deleted until it has finished.".into(),
                ));
            }
        }
        AdminModel::Users => {
            super::users::keep_a_superuser(tx.conn(), &[id]).await?;
            sessions::delete_for_user(tx.conn(), id, None).await?;
        }
        _ => {}
    }
    let events = if model == AdminModel::Tags {
        super::tags::delete_in(tx.conn(), &[id]).await?
    } else {
        let table = Deletable::of(model).ok_or(AppError::Internal)?;
        admin_bulk::apply(tx.conn(), BulkWrite::Delete(table), &[id]).await?;
        Vec::new()
    };
    super::log(
        tx.conn(),
        actor,
        super::Logged {
            model,
            object_id: id,
            object_repr: &repr,
            action: LogAction::Delete,
            message: "",
        },
        now,
    )
    .await?;
    tx.commit().await?;
    state.events.send(events);
    // Readers' pages show it: drop what their caches keep.
    state.events.site_changed();
    tracing::info!(
        user_id = actor.id,
        model = model.slug(),
        object_id = id,
        "admin delete"
    );
    Ok(repr)
}

async fn keep_a_superuser_check(conn: Conn<'_>, ids: &[i64]) -> Result<Option<()>, AppError> {
    match super::users::keep_a_superuser(conn, ids).await {
        Ok(()) => Ok(None),
        Err(AppError::Conflict(_)) => Ok(Some(())),
        Err(other) => Err(other),
    }
}

/// Refuses to delete categories among `ids` that still have posts.
///
/// # Errors
/// [`AppError::Conflict`] naming them; [`AppError::Internal`] when the database fails.
pub async fn refuse_categories_with_posts(conn: Conn<'_>, ids: &[i64]) -> Result<(), AppError> {
    let names = admin_forms::categories_with_posts(conn, ids).await?;
    if names.is_empty() {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "Cannot delete {}: it still has posts ({}). Move or delete the posts first.",
            if names.len() == 1 {
                "this category"
            } else {
                "these categories"
            },
            names.join(", ")
        )))
    }
}

/// The name of object `id` that `actor` may delete.
async fn object_repr(
    mut conn: Conn<'_>,
    actor: &AccountRow,
    model: AdminModel,
    id: i64,
) -> Result<String, AppError> {
    let viewer = Viewer {
        id: actor.id,
        role: actor.role,
    };
    let (w, _) = admin_lists::conditions(
        model,
        &Default::default(),
        viewer,
        conn.backend(),
        Utc::now(),
    );
    match admin_lists::targets(conn.reborrow(), model, &w, Some(&[id]), 1)
        .await?
        .pop()
    {
        Some((_, repr)) => Ok(short(&repr)),
        // An author asking for a post that exists but is not theirs is refused, as the change
        // form does.
        None if model == AdminModel::Posts
            && crate::ssr::db::posts::writes::find_stored(conn, id)
                .await?
                .is_some() =>
        {
            Err(AppError::Forbidden)
        }
        None => Err(AppError::NotFound),
    }
}

fn short(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= 80 {
        line
    } else {
        format!("{}…", line.chars().take(79).collect::<String>())
    }
}
