//! The rich editor's service: open a post, save what the browser's editor sends (sanitised by
//! the same allow-list as imports, see [`crate::ssr::content::sanitize`]), publish, schedule
//! and unpublish, and keep revisions.
//!
//! Rules: authors edit their own posts and editors everyone's (the accounts issue, checked by
//! [`super::admin::may_change_post`]); every save carries the version the editor last saw and is
//! refused with 409 when the post changed since (another tab, another person, the admin form),
//! so nobody overwrites anyone silently.

use chrono::{DateTime, SubsecRound, Utc};

use crate::domain::slugify;
use crate::domain::text;
use crate::domain::{PostKind, PostStatus};
use crate::error::AppError;
use crate::model::admin::AdminModel;
use crate::model::editor::{
    EditorDraft, EditorPost, FeaturedImage, PublishAction, Revision, RevisionSummary, Saved,
};
use crate::model::newsletter::NewsletterProgress;
use crate::model::PostDetail;
use crate::ssr::admin;
use crate::ssr::db::posts::revisions as queries;
use crate::ssr::db::posts::rows::EditorRow;
use crate::ssr::db::users::AccountRow;
use crate::ssr::db::{admin_forms, Conn};
use crate::ssr::posts::rules::{post_version, public_path, PostBody, PostInput, UNTITLED};
use crate::ssr::posts::write::{Edit, NewPost, SlugChoice, Written};
use crate::ssr::posts::{Actor, Expect, Origin, PostError};
use crate::ssr::AppState;

/// How many revisions the list shows, newest first.
pub const REVISIONS_SHOWN: i64 = 50;

/// Post `id` for `actor`, or the refusal.
async fn load(conn: Conn<'_>, actor: &AccountRow, id: i64) -> Result<EditorRow, AppError> {
    admin::authorise_model(actor, AdminModel::Posts)?;
    let row = crate::ssr::db::posts::editing::find_for_editor(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !admin::may_change_post(actor, row.author_id) {
        tracing::info!(
            user_id = actor.id,
            post_id = id,
            "editor refused: not the author"
        );
        return Err(AppError::Forbidden);
    }
    Ok(row)
}

/// Post `id` as the editor opens it.
///
/// # Errors
/// [`AppError::Forbidden`] for non-authors and for someone else's post without `EditAllPosts`;
/// [`AppError::NotFound`]; [`AppError::Internal`].
pub async fn open(
    state: &AppState,
    actor: &AccountRow,
    id: i64,
    now: DateTime<Utc>,
) -> Result<EditorPost, AppError> {
    let mut conn = state.db.acquire().await?;
    let row = load(conn.conn(), actor, id).await?;
    let categories = admin_forms::category_choices(conn.conn()).await?;
    Ok(EditorPost {
        id: row.id,
        version: post_version(row.id, row.updated_at, row.status),
        public_path: public_path(row.kind, row.status, row.published_at, &row.slug, now),
        title: row.title,
        slug: row.slug,
        words: text::word_count(&crate::ssr::content::text::html_to_text(&row.body)),
        body: row.body,
        status: row.status,
        published_at: row.published_at,
        category_id: row.category_id,
        categories,
        meta_description: row.meta_description.unwrap_or_default(),
        author: row.author,
        updated_at: row.updated_at,
        featured_image: match (row.featured_image_id, row.featured_image_file) {
            (Some(id), Some(file)) => Some(FeaturedImage {
                id,
                url: crate::ssr::media::media_url(&file),
            }),
            _ => None,
        },
        tags: crate::ssr::db::tags::for_post(conn.conn(), id)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect(),
        kind: row.kind,
        nav_order: row.nav_order,
        newsletter: crate::ssr::newsletter::progress(conn.conn(), id).await?,
    })
}

/// Creates an empty draft by `actor` (in the first category) and returns its id: the editor
/// opens on a stored post, so its first autosave has somewhere to go.
///
/// # Errors
/// [`AppError::Forbidden`] without `WritePosts`; [`AppError::Conflict`] when there is no
/// category yet; [`AppError::Internal`].
pub async fn create(
    state: &AppState,
    actor: &AccountRow,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    admin::authorise_model(actor, AdminModel::Posts)?;
    let mut conn = state.db.acquire().await?;
    let category_id = admin_forms::category_choices(conn.conn())
        .await?
        .first()
        .map(|(id, _)| *id)
        .ok_or(PostError::NoCategory)?;
    drop(conn);
    // An untitled draft's slug is "untitled"; drafts have no date and the slug is unique per
    // date only, so any number of them can wait side by side.
    let new = NewPost {
        input: draft_input(
            actor.id,
            &EditorDraft {
                title: String::new(),
                body: String::new(),
                slug: String::new(),
                category_id,
                meta_description: String::new(),
                featured_image_id: None,
                tags: None,
                kind: None,
                nav_order: None,
            },
            None,
            (PostStatus::Draft, None),
            PostKind::Post,
        ),
        form_errors: Default::default(),
        tags: Vec::new(),
        slug: SlugChoice::AsGiven,
        message: "Added in the editor.",
    };
    let id = state
        .posts()
        .create(Actor::Account(actor), new, Origin::Editor, now)
        .await?;
    tracing::info!(
        post_id = id,
        user_id = actor.id,
        "draft created in the editor"
    );
    Ok(id)
}

/// The input a draft makes (an empty title is stored as [`UNTITLED`]); `stored_kind` when the
/// draft does not say.
fn draft_input(
    author_id: i64,
    draft: &EditorDraft,
    byline: Option<String>,
    (status, published_at): (PostStatus, Option<DateTime<Utc>>),
    stored_kind: PostKind,
) -> PostInput {
    let title = if draft.title.trim().is_empty() {
        UNTITLED.to_string()
    } else {
        draft.title.clone()
    };
    PostInput {
        title,
        slug: Some(draft.slug.clone()),
        author_id,
        category_id: draft.category_id,
        byline,
        body: PostBody::Html {
            html: draft.body.clone(),
            source: None,
        },
        meta_description: Some(draft.meta_description.clone()),
        status,
        published_at,
        kind: draft.kind.unwrap_or(stored_kind),
        nav_order: draft.nav_order,
    }
}

/// Which save: the post, the version the editor last saw, and whether it is a checkpoint.
#[derive(Debug, Clone, Copy)]
pub struct Saving<'a> {
    /// The post's id.
    pub id: i64,
    /// The version the editor last saw.
    pub version: &'a str,
    /// The Save button (the revision is sealed: later saves start a new one) rather than an
    /// autosave (coalesced into the newest revision).
    pub checkpoint: bool,
}

/// Saves `draft` into the post (autosave and the Save button), keeping its status and
/// publication time; the write service keeps a revision when the title or body changed.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`]; [`AppError::Conflict`] when the post
/// changed since `version`; [`AppError::Validation`] for a bad title, slug, category or image;
/// [`AppError::Internal`].
pub async fn save(
    state: &AppState,
    actor: &AccountRow,
    saving: Saving<'_>,
    draft: EditorDraft,
    now: DateTime<Utc>,
) -> Result<Saved, AppError> {
    admin::authorise_model(actor, AdminModel::Posts)?;
    let origin = if saving.checkpoint {
        Origin::EditorCheckpoint
    } else {
        Origin::EditorAutosave
    };
    let written = state
        .posts()
        .update(
            Actor::Account(actor),
            saving.id,
            Expect::Version(saving.version),
            origin,
            now,
            |stored| {
                let record = &stored.record;
                // Until the post is published, a slug the writer has not changed follows the
                // title, as the admin's prepopulated slug does (Django's
                // `prepopulated_fields`): "Untitled" becomes the real title's slug. Once
                // published, the slug (and so the URL) stays unless edited.
                let mut draft = draft;
                if record.published_at.is_none()
                    && draft.slug.trim() == record.slug
                    && record.slug == slugify(&record.title)
                {
                    draft.slug.clear();
                }
                let mut input = draft_input(
                    record.author_id,
                    &draft,
                    record.byline.clone(),
                    (record.status, record.published_at),
                    record.kind,
                );
                if draft.kind.is_none() {
                    // A draft from an editor that did not know about pages keeps them as stored.
                    input.nav_order = record.nav_order;
                }
                Ok(Edit {
                    input,
                    form_errors: Default::default(),
                    featured_image: Some(draft.featured_image_id),
                    tags: draft.tags,
                    message: None,
                })
            },
        )
        .await?;
    Ok(saved(&written, now))
}

fn saved(written: &Written, now: DateTime<Utc>) -> Saved {
    let record = &written.record;
    Saved {
        version: post_version(written.id, written.updated_at, record.status),
        saved_at: written.updated_at,
        slug: record.slug.clone(),
        status: record.status,
        published_at: record.published_at,
        public_path: public_path(
            record.kind,
            record.status,
            record.published_at,
            &record.slug,
            now,
        ),
        body: record.body.clone(),
    }
}

/// Publishes post `id` now, schedules it for a future time, or takes it back to draft. When it
/// is published or scheduled, `email` says whether its subscribers get it by email when it
/// becomes public (false: "publish without emailing"); decided before the post can become
/// public, so the publish sweep never sees it public without the decision. A post already
/// emailed is never emailed again.
///
/// # Errors
/// As [`save`]; [`AppError::BadRequest`] for a schedule time that is not in the future;
/// [`AppError::Validation`] when another post already uses the slug on that day.
pub async fn publish(
    state: &AppState,
    actor: &AccountRow,
    id: i64,
    action: PublishAction,
    email: bool,
    version: &str,
    now: DateTime<Utc>,
) -> Result<Saved, AppError> {
    {
        let mut conn = state.db.acquire_write().await?;
        load(conn.conn(), actor, id).await?;
        if action != PublishAction::Unpublish {
            crate::ssr::newsletter::set_emailing(conn.conn(), id, email).await?;
        }
    }
    let written = state
        .posts()
        .publish(
            Actor::Account(actor),
            id,
            Expect::Version(version),
            action,
            now,
        )
        .await?;
    tracing::info!(
        post_id = id,
        user_id = actor.id,
        ?action,
        email,
        "post publishing changed in the editor"
    );
    Ok(saved(&written, now))
}

/// How far post `id`'s newsletter got (`None`: not emailed yet), for the publish panel.
///
/// # Errors
/// As [`open`].
pub async fn newsletter(
    state: &AppState,
    actor: &AccountRow,
    id: i64,
) -> Result<Option<NewsletterProgress>, AppError> {
    let mut conn = state.db.acquire().await?;
    load(conn.conn(), actor, id).await?;
    Ok(crate::ssr::newsletter::progress(conn.conn(), id).await?)
}

/// Sends post `id`'s failed newsletter deliveries again; the progress afterwards.
///
/// # Errors
/// As [`open`]; [`AppError::Conflict`] when there is nothing to retry (still sending, or no
/// failures).
pub async fn retry_newsletter(
    state: &AppState,
    actor: &AccountRow,
    id: i64,
) -> Result<Option<NewsletterProgress>, AppError> {
    {
        let mut conn = state.db.acquire().await?;
        load(conn.conn(), actor, id).await?;
    }
    let retried = crate::ssr::newsletter::retry_failed(&state.jobs, id).await?;
    if retried == 0 {
        return Err(AppError::Conflict(
            "There are no failed deliveries to retry.".into(),
        ));
    }
    tracing::info!(
        post_id = id,
        user_id = actor.id,
        retried,
        "newsletter retry asked in the editor"
    );
    newsletter(state, actor, id).await
}

/// Post `id`'s revisions, newest first (at most [`REVISIONS_SHOWN`]).
///
/// # Errors
/// As [`open`].
pub async fn revisions(
    state: &AppState,
    actor: &AccountRow,
    id: i64,
) -> Result<Vec<RevisionSummary>, AppError> {
    let mut conn = state.db.acquire().await?;
    load(conn.conn(), actor, id).await?;
    let rows = queries::list_revisions(conn.conn(), id, REVISIONS_SHOWN).await?;
    Ok(rows.into_iter().map(|r| summary(&r)).collect())
}

fn summary(row: &queries::RevisionRow) -> RevisionSummary {
    RevisionSummary {
        id: row.id,
        author: row.author_repr.clone(),
        created_at: row.created_at,
        updated_at: row.updated_at,
        title: row.title.clone(),
        sealed: row.is_sealed,
        words: text::word_count(&crate::ssr::content::text::html_to_text(&row.body)),
    }
}

/// Revision `revision` of post `id`, to view before restoring.
///
/// # Errors
/// As [`open`]; [`AppError::NotFound`] for a revision of another post.
pub async fn revision(
    state: &AppState,
    actor: &AccountRow,
    id: i64,
    revision: i64,
) -> Result<Revision, AppError> {
    let mut conn = state.db.acquire().await?;
    load(conn.conn(), actor, id).await?;
    let row = queries::find_revision(conn.conn(), id, revision)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Revision {
        summary: summary(&row),
        body: row.body,
    })
}

/// Restores revision `revision`'s title and body into post `id` (as a new revision, so the
/// restore itself can be undone the same way).
///
/// # Errors
/// As [`save`]; [`AppError::NotFound`] for a revision of another post.
pub async fn restore(
    state: &AppState,
    actor: &AccountRow,
    id: i64,
    revision: i64,
    version: &str,
    now: DateTime<Utc>,
) -> Result<Saved, AppError> {
    admin::authorise_model(actor, AdminModel::Posts)?;
    let written = state
        .posts()
        .restore(actor, id, Expect::Version(version), revision, now)
        .await?;
    Ok(saved(&written, now.trunc_subsecs(6)))
}

/// Post `id` exactly as readers will see it, whatever its status (the staff-only preview);
/// the view count is not touched.
///
/// # Errors
/// As [`open`].
pub async fn preview(
    state: &AppState,
    actor: &AccountRow,
    id: i64,
    now: DateTime<Utc>,
) -> Result<PostDetail, AppError> {
    let mut conn = state.db.acquire().await?;
    load(conn.conn(), actor, id).await?;
    let row = crate::ssr::db::posts::public::find_for_preview(conn.conn(), id, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let views = row.view_count;
    Ok(crate::ssr::posts::reads::detail_from_row(row, views))
}
