//! The rich editor's service: open a post, save what the browser's editor sends (sanitised by
//! the same allow-list as imports, see [`crate::ssr::content::sanitize`]), publish, schedule
//! and unpublish, and keep revisions.
//!
//! Rules: authors edit their own posts and editors everyone's (the accounts issue, checked by
//! [`super::admin::may_change_post`]); every save carries the version the editor last saw and is
//! refused with 409 when the post changed since (another tab, another person, the admin form),
//! so nobody overwrites anyone silently.

use chrono::{DateTime, Duration, SubsecRound, Utc};

use crate::domain::slugify;
use crate::domain::text;
use crate::domain::PostStatus;
use crate::error::AppError;
use crate::model::admin::{AdminModel, LogAction};
use crate::model::editor::{
    EditorDraft, EditorPost, FeaturedImage, PublishAction, Revision, RevisionSummary, Saved,
};
use crate::model::PostDetail;
use crate::ssr::admin::posts::{post_version, slug_conflict};
use crate::ssr::admin::{self, Logged};
use crate::ssr::blog::{self, PostBody, PostInput, SaveError};
use crate::ssr::db::editor::{self as queries, EditorRow, NewRevision};
use crate::ssr::db::row_lock::{self, Versioned};
use crate::ssr::db::users::AccountRow;
use crate::ssr::db::{admin_forms, categories, posts, Conn};
use crate::ssr::media;
use crate::ssr::AppState;

/// Saves by the same person within this long of a revision's first save update that revision
/// instead of adding one, so autosaving every few seconds keeps one revision per sitting.
pub const REVISION_WINDOW: Duration = Duration::minutes(10);

/// How many revisions the list shows, newest first.
pub const REVISIONS_SHOWN: i64 = 50;

/// The title stored while the writer has not given one (a new post's first autosave).
pub const UNTITLED: &str = "Untitled";

/// The URL of an uploaded file under `/media/`.
pub fn media_url(file_name: &str) -> String {
    format!("/media/{file_name}")
}

/// Post `id` for `actor`, or the refusal.
async fn load(conn: Conn<'_>, actor: &AccountRow, id: i64) -> Result<EditorRow, AppError> {
    admin::authorise_model(actor, AdminModel::Posts)?;
    let row = queries::find_post(conn, id)
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

/// Refuses a save that started from `opened` when the post is now at another version.
fn check_version(row: &EditorRow, opened: &str) -> Result<(), AppError> {
    if post_version(row.id, row.updated_at, row.status) == opened {
        return Ok(());
    }
    Err(AppError::Conflict(format!(
        "This post was saved somewhere else at {} (another tab, or another person). Nothing \
         was overwritten; your text is kept in this browser. Reload to see the other version.",
        row.updated_at.format("%H:%M:%S UTC")
    )))
}

fn public_path(
    status: PostStatus,
    published_at: Option<DateTime<Utc>>,
    slug: &str,
    now: DateTime<Utc>,
) -> Option<String> {
    match (status, published_at) {
        (PostStatus::Published, Some(at)) if at <= now => Some(text::post_path(at, slug)),
        _ => None,
    }
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
        public_path: public_path(row.status, row.published_at, &row.slug, now),
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
                url: media_url(&file),
            }),
            _ => None,
        },
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
    let now = now.trunc_subsecs(6);
    let mut tx = state.db.begin().await?;
    let category_id = admin_forms::category_choices(tx.conn())
        .await?
        .first()
        .map(|(id, _)| *id)
        .ok_or_else(|| AppError::Conflict("Add a category before writing a post.".into()))?;
    // An untitled draft's slug is "untitled"; drafts have no date and the slug is unique per
    // date only, so any number of them can wait side by side.
    let record = prepare(
        actor.id,
        &EditorDraft {
            title: String::new(),
            body: String::new(),
            slug: String::new(),
            category_id,
            meta_description: String::new(),
            featured_image_id: None,
        },
        None,
        PostStatus::Draft,
        None,
        now,
    )?;
    let id = posts::insert(tx.conn(), &record, now)
        .await
        .map_err(slug_conflict)?;
    log_post(
        tx.conn(),
        actor,
        (id, &record.title),
        LogAction::Add,
        "Added in the editor.",
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        post_id = id,
        user_id = actor.id,
        "draft created in the editor"
    );
    Ok(id)
}

/// The post record a draft makes, with the saving rules of [`blog::prepare`]; field messages
/// as validation errors.
fn prepare(
    author_id: i64,
    draft: &EditorDraft,
    byline: Option<String>,
    status: PostStatus,
    published_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<posts::PostRecord, AppError> {
    let title = if draft.title.trim().is_empty() {
        UNTITLED.to_string()
    } else {
        draft.title.clone()
    };
    let mut record = blog::prepare(
        PostInput {
            title,
            slug: Some(draft.slug.clone()),
            author_id,
            category_id: draft.category_id,
            byline: None,
            body: PostBody::Html {
                html: draft.body.clone(),
                source: None,
            },
            meta_description: Some(draft.meta_description.clone()),
            status,
            published_at,
        },
        now,
    )
    .map_err(|e| match e {
        SaveError::Invalid { field, message } => AppError::field(field, message),
        SaveError::Database(e) => e.into(),
    })?;
    record.byline = byline;
    Ok(record)
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
/// publication time, and records a revision when the title or body changed.
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
    let Saving {
        id,
        version,
        checkpoint,
    } = saving;
    let now = now.trunc_subsecs(6);
    let mut tx = state.db.begin().await?;
    row_lock::lock(tx.conn(), Versioned::Posts, id).await?;
    let row = load(tx.conn(), actor, id).await?;
    check_version(&row, version)?;
    let stored = posts::find_stored(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?
        .record;
    if categories::find_by_id(tx.conn(), draft.category_id)
        .await?
        .is_none()
    {
        return Err(AppError::field("category_id", "Choose a category."));
    }
    if let Some(image) = draft.featured_image_id {
        if !queries::media_exists(tx.conn(), image).await? {
            return Err(AppError::field(
                "featured_image_id",
                "That image is no longer in the media library.",
            ));
        }
    }
    // Until the post is published, a slug the writer has not changed follows the title, as the
    // admin's prepopulated slug does (Django's `prepopulated_fields`): "Untitled" becomes the
    // real title's slug. Once published, the slug (and so the URL) stays unless edited.
    let mut draft = draft;
    if stored.published_at.is_none()
        && draft.slug.trim() == stored.slug
        && stored.slug == slugify(&stored.title)
    {
        draft.slug.clear();
    }
    let mut record = prepare(
        stored.author_id,
        &draft,
        stored.byline.clone(),
        stored.status,
        stored.published_at,
        now,
    )?;
    record.body = media::responsive(tx.conn(), &record.body).await?;
    let content_changed = record.title != stored.title || record.body != stored.body;
    let changed = record != stored || draft.featured_image_id != row.featured_image_id;
    let updated_at = if changed {
        posts::update(tx.conn(), id, &record, now)
            .await
            .map_err(slug_conflict)?;
        if draft.featured_image_id != row.featured_image_id {
            queries::set_featured_image(tx.conn(), id, draft.featured_image_id).await?;
        }
        now
    } else {
        row.updated_at
    };
    let started_revision = if content_changed || checkpoint {
        let keeping = if checkpoint {
            Keeping::Checkpoint
        } else {
            Keeping::Autosave
        };
        keep_revision(tx.conn(), actor, &row, &record, now, keeping).await?
    } else {
        false
    };
    // The audit log gets one entry per revision, not one per autosave: text typed into the
    // revision being extended is already on record there. Settings are logged whenever they
    // change, as Django logs every change form save.
    let fields = changed_fields(&stored, &record, &row, draft.featured_image_id);
    let settings_changed = fields.iter().any(|f| !matches!(*f, "title" | "body"));
    if !fields.is_empty() && (started_revision || settings_changed) {
        let message = format!("{} (editor)", admin::change_message(&fields));
        log_post(
            tx.conn(),
            actor,
            (id, &record.title),
            LogAction::Change,
            &message,
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(saved(id, &record, updated_at, now))
}

/// Writes the audit log entry for post `(id, title)` done in the editor.
///
/// # Errors
/// The driver's error, as [`AppError::Internal`].
async fn log_post(
    conn: Conn<'_>,
    actor: &AccountRow,
    (id, title): (i64, &str),
    action: LogAction,
    message: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let entry = Logged {
        model: AdminModel::Posts,
        object_id: id,
        object_repr: title,
        action,
        message,
    };
    Ok(admin::log(conn, actor, entry, now).await?)
}

/// The names of the fields a save changes, in form order, for the audit log's message
/// ("Changed title and slug." as Django's `construct_change_message`).
fn changed_fields(
    stored: &posts::PostRecord,
    record: &posts::PostRecord,
    row: &EditorRow,
    featured_image_id: Option<i64>,
) -> Vec<&'static str> {
    [
        ("title", stored.title != record.title),
        ("body", stored.body != record.body),
        ("slug", stored.slug != record.slug),
        ("category", stored.category_id != record.category_id),
        (
            "meta description",
            stored.meta_description != record.meta_description,
        ),
        ("featured image", row.featured_image_id != featured_image_id),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect()
}

fn saved(
    id: i64,
    record: &posts::PostRecord,
    updated_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Saved {
    Saved {
        version: post_version(id, updated_at, record.status),
        saved_at: updated_at,
        slug: record.slug.clone(),
        status: record.status,
        published_at: record.published_at,
        public_path: public_path(record.status, record.published_at, &record.slug, now),
        body: record.body.clone(),
    }
}

/// How a save is kept among the revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keeping {
    /// An autosave: coalesced into the newest revision when it is the same person's, unsealed
    /// and started within [`REVISION_WINDOW`].
    Autosave,
    /// The Save button: coalesced the same way, then sealed, so later saves start a new one.
    Checkpoint,
    /// A restore: always a revision of its own, sealed.
    Restore,
}

/// Records `record`'s title and body as a revision, as `keeping` says. When the newest revision
/// does not hold the stored post (it was written elsewhere: an import, the admin form, the API),
/// the stored state first becomes a sealed revision of its own, so it can be restored.
/// Returns whether the save started a new revision of its own (rather than extending or
/// sealing the newest one).
async fn keep_revision(
    mut conn: Conn<'_>,
    actor: &AccountRow,
    before: &EditorRow,
    record: &posts::PostRecord,
    now: DateTime<Utc>,
    keeping: Keeping,
) -> Result<bool, AppError> {
    let mut latest = queries::latest_revision(conn.reborrow(), before.id).await?;
    let holds =
        |r: &queries::RevisionRow, title: &str, body: &str| r.title == title && r.body == body;
    let written_elsewhere = !before.body.is_empty()
        && latest
            .as_ref()
            .is_none_or(|r| !holds(r, &before.title, &before.body));
    if written_elsewhere {
        queries::insert_revision(
            conn.reborrow(),
            NewRevision {
                post_id: before.id,
                author_id: before.author_id,
                author_repr: &before.author,
                title: &before.title,
                body: &before.body,
                sealed: true,
            },
            before.updated_at,
        )
        .await?;
        latest = None;
    }
    let sealed = keeping != Keeping::Autosave;
    match latest {
        // Nothing new to keep: the Save button only seals what autosave already kept.
        Some(latest) if holds(&latest, &record.title, &record.body) => {
            if sealed && !latest.is_sealed {
                queries::update_revision(conn, latest.id, &record.title, &record.body, true, now)
                    .await?;
            }
            Ok(false)
        }
        Some(latest)
            if keeping != Keeping::Restore
                && !latest.is_sealed
                && latest.author_id == Some(actor.id)
                && now - latest.created_at < REVISION_WINDOW =>
        {
            queries::update_revision(conn, latest.id, &record.title, &record.body, sealed, now)
                .await?;
            Ok(false)
        }
        _ => {
            queries::insert_revision(
                conn,
                NewRevision {
                    post_id: before.id,
                    author_id: actor.id,
                    author_repr: &actor.username,
                    title: &record.title,
                    body: &record.body,
                    sealed,
                },
                now,
            )
            .await?;
            Ok(true)
        }
    }
}

/// Publishes post `id` now, schedules it for a future time, or takes it back to draft.
///
/// # Errors
/// As [`save`]; [`AppError::BadRequest`] for a schedule time that is not in the future;
/// [`AppError::Validation`] when another post already uses the slug on that day.
pub async fn publish(
    state: &AppState,
    actor: &AccountRow,
    id: i64,
    action: PublishAction,
    version: &str,
    now: DateTime<Utc>,
) -> Result<Saved, AppError> {
    let now = now.trunc_subsecs(6);
    let mut tx = state.db.begin().await?;
    row_lock::lock(tx.conn(), Versioned::Posts, id).await?;
    let row = load(tx.conn(), actor, id).await?;
    check_version(&row, version)?;
    let mut record = posts::find_stored(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?
        .record;
    let (status, published_at, message) = match action {
        PublishAction::Now => (PostStatus::Published, Some(now), "Published."),
        PublishAction::Schedule(at) if at > now => (
            PostStatus::Published,
            Some(at.trunc_subsecs(0)),
            "Scheduled.",
        ),
        PublishAction::Schedule(_) => {
            return Err(AppError::BadRequest(
                "Choose a time in the future to schedule the post, or publish it now.".into(),
            ))
        }
        PublishAction::Unpublish => (PostStatus::Draft, None, "Unpublished (back to draft)."),
    };
    record.status = status;
    record.published_at = published_at;
    posts::update(tx.conn(), id, &record, now)
        .await
        .map_err(slug_conflict)?;
    log_post(
        tx.conn(),
        actor,
        (id, &record.title),
        LogAction::Change,
        message,
        now,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(
        post_id = id,
        user_id = actor.id,
        ?action,
        "post publishing changed in the editor"
    );
    Ok(saved(id, &record, now, now))
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
    let now = now.trunc_subsecs(6);
    let mut tx = state.db.begin().await?;
    row_lock::lock(tx.conn(), Versioned::Posts, id).await?;
    let row = load(tx.conn(), actor, id).await?;
    check_version(&row, version)?;
    let old = queries::find_revision(tx.conn(), id, revision)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut record = posts::find_stored(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?
        .record;
    let restored = prepare(
        record.author_id,
        &EditorDraft {
            title: old.title.clone(),
            body: old.body.clone(),
            slug: record.slug.clone(),
            category_id: record.category_id,
            meta_description: record.meta_description.clone().unwrap_or_default(),
            featured_image_id: row.featured_image_id,
        },
        record.byline.clone(),
        record.status,
        record.published_at,
        now,
    )?;
    record = restored;
    record.body = media::responsive(tx.conn(), &record.body).await?;
    posts::update(tx.conn(), id, &record, now)
        .await
        .map_err(slug_conflict)?;
    keep_revision(tx.conn(), actor, &row, &record, now, Keeping::Restore).await?;
    let message = format!(
        "Restored the revision of {}.",
        old.updated_at.format("%Y-%m-%d %H:%M UTC")
    );
    log_post(
        tx.conn(),
        actor,
        (id, &record.title),
        LogAction::Change,
        &message,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(saved(id, &record, now, now))
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
    let row = posts::find_for_preview(conn.conn(), id, now)
        .await?
        .ok_or(AppError::NotFound)?;
    let views = row.view_count;
    Ok(blog::detail_from_row(row, views))
}
