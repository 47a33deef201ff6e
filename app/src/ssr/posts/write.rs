//! The one write path for posts. Every caller — the REST API, the admin's change form, bulk
//! actions and inline status edits, the rich editor, the importer — writes through [`Posts`],
//! which for each write, in one transaction:
//!
//! 1. locks the row (PostgreSQL `SELECT … FOR UPDATE`; SQLite has one writer) and checks the
//!    version the writer started from, when it gave one (409 on a stale save);
//! 2. checks permission once: authors write and change their own posts, editors everyone's
//!    (the accounts issue's rule); the importer may write any;
//! 3. applies the saving rules ([`super::rules::prepare`]) and checks the category;
//! 4. writes, keeps editor revisions, and writes the audit log entry;
//!
//! and after the commit sends exactly one [`PostEvent`] per post it changed. A write that
//! changes nothing writes nothing and sends nothing. Errors are [`PostError`]s.
//!
//! Renaming, merging and deleting a tag (the tag admin, `ssr::admin::tags`) writes no post but
//! changes posts' tag lists; it reads their [`post_states`] before and after and sends
//! [`PostEvent::changes`] the same way.

use chrono::{DateTime, SubsecRound, Utc};

use crate::domain::{Permission, PostKind, PostStatus};
use crate::error::FieldErrors;
use crate::model::admin::{AdminModel, LogAction};
use crate::model::editor::PublishAction;
use crate::ssr::db::posts::revisions as revision_queries;
use crate::ssr::db::posts::rows::{PostRecord, PostStateRow, StoredPostRow};
use crate::ssr::db::posts::writes as posts;
use crate::ssr::db::row_lock::{self, Versioned};
use crate::ssr::db::tags::{self as tag_queries, TagRow};
use crate::ssr::db::users::AccountRow;
use crate::ssr::db::{admin_log, categories, media as media_queries, redirects, Conn, Db, Tx};

use crate::ssr::audit::change_message;

use super::error::PostError;
use super::events::{PostEvent, PostEvents, PostState};
use super::revisions::{self, Keeping};
use super::rules::{self, PostInput};
use super::tags as post_tags;

/// The most posts one bulk write changes.
pub const MAX_BULK: usize = 200_000;

/// Whether `account` may change (and open for changing) a post written by `author_id`: authors
/// their own, editors everyone's (the accounts issue's rule; the one place it is written).
pub fn may_change(account: &AccountRow, author_id: i64) -> bool {
    account.role.can(Permission::WritePosts)
        && (account.id == author_id || account.role.can(Permission::EditAllPosts))
}

/// Who writes.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    /// A signed-in account; its role decides what it may write.
    Account(&'a AccountRow),
    /// `folio import` (and the first-start welcome post): may write any post.
    Import,
}

impl Actor<'_> {
    /// Refuses an account that may not write posts at all.
    fn may_write(&self) -> Result<(), PostError> {
        match self {
            Self::Account(a) if !a.role.can(Permission::WritePosts) => {
                tracing::info!(user_id = a.id, "post write refused: not an author");
                Err(PostError::Forbidden)
            }
            _ => Ok(()),
        }
    }

    /// Refuses a write to a post by `author_id` the actor may not change ([`may_change`]).
    fn may_change(&self, author_id: i64) -> Result<(), PostError> {
        self.may_write()?;
        match self {
            Self::Account(a) if !may_change(a, author_id) => {
                tracing::info!(user_id = a.id, "post write refused: not the author");
                Err(PostError::Forbidden)
            }
            _ => Ok(()),
        }
    }

    fn account(&self) -> Option<&AccountRow> {
        match self {
            Self::Account(a) => Some(a),
            Self::Import => None,
        }
    }

    /// `(user id, name)` for the audit log.
    fn log_user(&self) -> (Option<i64>, &str) {
        match self {
            Self::Account(a) => (Some(a.id), a.username.as_str()),
            Self::Import => (None, "import"),
        }
    }
}

/// Where a write comes from: it words the audit log entry and decides editor-only behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The REST API.
    Api,
    /// The admin's change form.
    AdminForm,
    /// An admin bulk action.
    AdminBulk,
    /// The admin change list's inline status edit.
    AdminInline,
    /// An editor autosave.
    EditorAutosave,
    /// The editor's Save button (seals the revision).
    EditorCheckpoint,
    /// The editor's publish panel (publish, schedule, unpublish) or "Write a post".
    Editor,
    /// `folio import` and the welcome post.
    Import,
}

impl Origin {
    /// The words after the changed fields in the audit log ("Changed title (editor).").
    fn suffix(self) -> &'static str {
        match self {
            Self::Api => " (API)",
            Self::AdminForm => "",
            Self::AdminBulk => " (bulk action)",
            Self::AdminInline => " (change list)",
            Self::EditorAutosave | Self::EditorCheckpoint | Self::Editor => " (editor)",
            Self::Import => " (import)",
        }
    }

    fn keeping(self) -> Option<Keeping> {
        match self {
            Self::EditorAutosave => Some(Keeping::Autosave),
            Self::EditorCheckpoint => Some(Keeping::Checkpoint),
            _ => None,
        }
    }
}

/// What a write checks before it overwrites: the version the writer started from, or nothing
/// (the API's last-write-wins, as DRF's; the importer).
#[derive(Debug, Clone, Copy)]
pub enum Expect<'a> {
    /// The version ([`rules::post_version`]) the writer opened the post at.
    Version(&'a str),
    /// Whatever is stored.
    Latest,
}

/// How a new post's slug is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlugChoice {
    /// As given (or made from the title): a clash is an error the writer sees.
    AsGiven,
    /// Numbered (`slug-2`, `slug-3`...) until no post uses it on any day (the API looks posts up
    /// by slug alone, as the DRF blog does).
    Unique,
}

/// A new post.
#[derive(Debug, Clone)]
pub struct NewPost {
    /// The fields, before the saving rules.
    pub input: PostInput,
    /// Problems the caller found in its own form fields (a date that does not parse...):
    /// reported together with the saving rules' own, so a form shows every message at once.
    pub form_errors: FieldErrors,
    /// Its tags as typed (see [`super::tags`]), in order.
    pub tags: Vec<String>,
    /// How its slug is chosen.
    pub slug: SlugChoice,
    /// The audit log's message ("Added in the editor."); empty for a plain "Added".
    pub message: &'static str,
}

/// A change to a post, computed from what is stored by the caller.
#[derive(Debug, Clone)]
pub struct Edit {
    /// The new fields, before the saving rules.
    pub input: PostInput,
    /// Problems the caller found in its own form fields, reported with the rules' own (see
    /// [`NewPost::form_errors`]).
    pub form_errors: FieldErrors,
    /// `Some` to set (or clear) the featured image.
    pub featured_image: Option<Option<i64>>,
    /// `Some` to set the post's tags as typed (see [`super::tags`]), in order.
    pub tags: Option<Vec<String>>,
    /// An audit message instead of "Changed <fields>." (publishing, restoring).
    pub message: Option<String>,
}

/// A post as stored, for a caller computing its [`Edit`].
pub type Stored = StoredPostRow;

/// What a write stored.
#[derive(Debug, Clone)]
pub struct Written {
    /// The post's id.
    pub id: i64,
    /// Its saved fields now.
    pub record: PostRecord,
    /// Its last save (unchanged when nothing was written).
    pub updated_at: DateTime<Utc>,
    /// Whether anything was written.
    pub changed: bool,
}

/// The write service over a database and the change events' channel.
#[derive(Debug, Clone, Copy)]
pub struct Posts<'a> {
    db: &'a Db,
    events: &'a PostEvents,
}

/// An open write: the transaction and the events to send once it commits.
struct Unit {
    tx: Tx,
    events: Vec<PostEvent>,
    now: DateTime<Utc>,
}

/// A write to several posts, begun: the unit, the posts' states before it and their tags.
struct Bulk {
    unit: Unit,
    before: Vec<PostStateRow>,
    tags: std::collections::HashMap<i64, Vec<TagRow>>,
}

impl Unit {
    async fn commit(self, events: &PostEvents) -> Result<(), PostError> {
        self.tx.commit().await?;
        events.send(self.events);
        Ok(())
    }
}

fn slugs(tags: &[TagRow]) -> Vec<String> {
    tags.iter().map(|t| t.slug.clone()).collect()
}

fn state_of(record: &PostRecord, tags: &[TagRow]) -> PostState {
    PostState {
        title: record.title.clone(),
        kind: record.kind,
        status: record.status,
        published_at: record.published_at,
        path: rules::address(record.kind, record.published_at, &record.slug),
        author_id: record.author_id,
        category_id: record.category_id,
        tags: slugs(tags),
    }
}

fn state_of_row(row: &PostStateRow, tags: &[TagRow]) -> PostState {
    PostState {
        title: row.title.clone(),
        kind: row.kind,
        status: row.status,
        published_at: row.published_at,
        path: rules::address(row.kind, row.published_at, &row.slug),
        author_id: row.author_id,
        category_id: row.category_id,
        tags: slugs(tags),
    }
}

/// The event states of the posts `ids` as stored now, by id (unknown ids are left out).
///
/// # Errors
/// [`PostError::Database`].
pub async fn post_states(
    mut conn: Conn<'_>,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, PostState>, PostError> {
    let rows = posts::states(conn.reborrow(), ids).await?;
    let tags = tag_queries::for_posts(conn, ids).await?;
    Ok(rows
        .iter()
        .map(|row| {
            let tags = tags.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
            (row.id, state_of_row(row, tags))
        })
        .collect())
}

/// The names of the fields that differ, in the order the writer's form shows them (the
/// editor's panel or the admin's change form), for the audit log ("Changed title and slug.",
/// Django's `construct_change_message`).
fn changed_fields(
    old: &PostRecord,
    new: &PostRecord,
    featured_image_changed: bool,
    tags_changed: bool,
    origin: Origin,
) -> Vec<&'static str> {
    let body = old.body_source != new.body_source || old.body != new.body;
    let fields = [
        ("title", old.title != new.title),
        ("body", body),
        ("slug", old.slug != new.slug),
        ("author", old.author_id != new.author_id),
        ("category", old.category_id != new.category_id),
        ("status", old.status != new.status),
        ("published_at", old.published_at != new.published_at),
        (
            "meta description",
            old.meta_description != new.meta_description,
        ),
        ("featured image", featured_image_changed),
        ("tags", tags_changed),
        ("kind", old.kind != new.kind),
        ("navigation order", old.nav_order != new.nav_order),
    ];
    // The admin's form (and the API's fields, which follow it) puts the body after the
    // category; the editor puts it right under the title.
    let order: [usize; 12] = match origin {
        Origin::EditorAutosave | Origin::EditorCheckpoint | Origin::Editor => {
            [0, 1, 2, 3, 4, 9, 5, 6, 7, 8, 10, 11]
        }
        _ => [0, 2, 3, 4, 9, 1, 5, 6, 7, 8, 10, 11],
    };
    order
        .into_iter()
        .filter_map(|i| fields[i].1.then_some(fields[i].0))
        .collect()
}

async fn audit(
    conn: Conn<'_>,
    actor: Actor<'_>,
    (id, title): (i64, &str),
    action: LogAction,
    message: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let (user_id, user_repr) = actor.log_user();
    admin_log::insert(
        conn,
        &admin_log::NewEntry {
            user_id,
            user_repr,
            model: AdminModel::Posts,
            object_id: id,
            object_repr: title,
            action,
            change_message: message,
        },
        now,
    )
    .await
}

/// Checks that category `id` exists (the one category check of every write; the API calls it
/// to report an unknown category beside its other field errors).
///
/// # Errors
/// [`PostError::UnknownCategory`]; [`PostError::Database`].
pub async fn check_category(conn: Conn<'_>, id: i64) -> Result<(), PostError> {
    match categories::find_by_id(conn, id).await? {
        Some(_) => Ok(()),
        None => Err(PostError::UnknownCategory(id)),
    }
}

/// The record `input` makes under the saving rules, after checking its category; every problem
/// at once, with the caller's own `form_errors`.
async fn validate(
    conn: Conn<'_>,
    input: PostInput,
    mut errors: FieldErrors,
    now: DateTime<Utc>,
) -> Result<PostRecord, PostError> {
    match check_category(conn, input.category_id).await {
        Ok(()) => {}
        Err(PostError::UnknownCategory(_)) => errors.add("category_id", "Choose a category."),
        Err(other) => return Err(other),
    }
    match rules::prepare(input, now) {
        Ok(record) if errors.is_empty() => Ok(record),
        Ok(_) => Err(PostError::Invalid(errors)),
        Err(PostError::Invalid(found)) => {
            for (field, messages) in found.0 {
                for message in messages {
                    errors.add(&field, message);
                }
            }
            Err(PostError::Invalid(errors))
        }
        Err(other) => Err(other),
    }
}

impl<'a> Posts<'a> {
    /// The service over `db`, announcing changes on `events`.
    pub fn new(db: &'a Db, events: &'a PostEvents) -> Self {
        Self { db, events }
    }

    /// The database (for importers that write what belongs to posts, such as their comments).
    pub fn db(&self) -> &Db {
        self.db
    }

    async fn begin(&self, now: DateTime<Utc>) -> Result<Unit, PostError> {
        Ok(Unit {
            tx: self.db.begin().await?,
            events: Vec::new(),
            now: now.trunc_subsecs(6),
        })
    }

    /// Starts a write to several posts (`ids`, each once): refuses more than [`MAX_BULK`],
    /// loads their states and tags in the transaction, and checks that every one exists and is
    /// one the actor may change.
    async fn begin_bulk(
        &self,
        actor: Actor<'_>,
        ids: &[i64],
        now: DateTime<Utc>,
    ) -> Result<Bulk, PostError> {
        if ids.len() > MAX_BULK {
            return Err(PostError::TooMany { limit: MAX_BULK });
        }
        let mut unit = self.begin(now).await?;
        let before = posts::states(unit.tx.conn(), ids).await?;
        if before.len() != ids.len() {
            return Err(PostError::NotFound);
        }
        for row in &before {
            actor.may_change(row.author_id)?;
        }
        let tags = tag_queries::for_posts(unit.tx.conn(), ids).await?;
        Ok(Bulk { unit, before, tags })
    }

    /// Creates a post by `actor`; its id.
    ///
    /// # Errors
    /// [`PostError::Forbidden`] without `WritePosts`, or for a post by someone else without
    /// `EditAllPosts`; [`PostError::UnknownCategory`]; [`PostError::Invalid`] by the saving
    /// rules; [`PostError::SlugTaken`]; [`PostError::Database`].
    pub async fn create(
        &self,
        actor: Actor<'_>,
        new: NewPost,
        origin: Origin,
        now: DateTime<Utc>,
    ) -> Result<i64, PostError> {
        actor.may_change(new.input.author_id)?;
        let mut unit = self.begin(now).await?;
        let now = unit.now;
        let mut record = validate(unit.tx.conn(), new.input, new.form_errors, now).await?;
        record.body = crate::ssr::media::responsive(unit.tx.conn(), &record.body).await?;
        if new.slug == SlugChoice::Unique {
            record.slug = free_slug(unit.tx.conn(), &record.slug).await?;
        }
        let id = posts::insert(unit.tx.conn(), &record, now)
            .await
            .map_err(|e| slug_error(e, &record))?;
        let tags = post_tags::resolve(unit.tx.conn(), &new.tags).await?;
        tag_queries::set_for_post(unit.tx.conn(), id, &ids(&tags)).await?;
        audit(
            unit.tx.conn(),
            actor,
            (id, &record.title),
            LogAction::Add,
            new.message,
            now,
        )
        .await?;
        unit.events
            .extend(PostEvent::between(id, None, Some(state_of(&record, &tags))));
        unit.commit(self.events).await?;
        tracing::info!(post_id = id, origin = ?origin, "post created");
        Ok(id)
    }

    /// Opens post `id` for a write: locks it, loads it, checks the actor and the version.
    async fn open(
        &self,
        unit: &mut Unit,
        actor: Actor<'_>,
        id: i64,
        expect: Expect<'_>,
    ) -> Result<Stored, PostError> {
        row_lock::lock(unit.tx.conn(), Versioned::Posts, id).await?;
        let stored = posts::find_stored(unit.tx.conn(), id)
            .await?
            .ok_or(PostError::NotFound)?;
        actor.may_change(stored.record.author_id)?;
        if let Expect::Version(opened) = expect {
            let current = rules::post_version(id, stored.updated_at, stored.record.status);
            if opened != current {
                return Err(PostError::Stale {
                    saved_at: stored.updated_at,
                });
            }
        }
        Ok(stored)
    }

    /// Changes post `id` as `edit` says, given what is stored.
    ///
    /// # Errors
    /// [`PostError::NotFound`]; [`PostError::Forbidden`] for someone else's post without
    /// `EditAllPosts` (also when the edit gives the post to another author); [`PostError::Stale`]
    /// when `expect` is a version and the post changed since; whatever `edit` returns;
    /// [`PostError::UnknownCategory`], [`PostError::Invalid`], [`PostError::SlugTaken`];
    /// [`PostError::Database`].
    pub async fn update(
        &self,
        actor: Actor<'_>,
        id: i64,
        expect: Expect<'_>,
        origin: Origin,
        now: DateTime<Utc>,
        edit: impl FnOnce(&Stored) -> Result<Edit, PostError>,
    ) -> Result<Written, PostError> {
        let mut unit = self.begin(now).await?;
        let stored = self.open(&mut unit, actor, id, expect).await?;
        let edit = edit(&stored)?;
        let written = self.apply(&mut unit, actor, &stored, edit, origin).await?;
        unit.commit(self.events).await?;
        Ok(written)
    }

    /// Writes `edit` over `stored` inside `unit`.
    async fn apply(
        &self,
        unit: &mut Unit,
        actor: Actor<'_>,
        stored: &Stored,
        edit: Edit,
        origin: Origin,
    ) -> Result<Written, PostError> {
        let now = unit.now;
        let id = stored.id;
        if edit.input.author_id != stored.record.author_id {
            actor.may_change(edit.input.author_id)?;
        }
        let mut errors = edit.form_errors;
        if let Some(Some(image)) = edit.featured_image {
            if !media_queries::media_exists(unit.tx.conn(), image).await? {
                errors.add(
                    "featured_image_id",
                    "That image is no longer in the media library.",
                );
            }
        }
        let mut record = validate(unit.tx.conn(), edit.input, errors, now).await?;
        record.body = crate::ssr::media::responsive(unit.tx.conn(), &record.body).await?;
        let image_changed = edit
            .featured_image
            .is_some_and(|image| image != stored.featured_image_id);
        let tags_before = tag_queries::for_post(unit.tx.conn(), id).await?;
        let tags_after = match &edit.tags {
            Some(names) => post_tags::resolve(unit.tx.conn(), names).await?,
            None => tags_before.clone(),
        };
        let tags_changed = ids(&tags_after) != ids(&tags_before);
        let changed = record != stored.record || image_changed || tags_changed;
        if changed {
            posts::update(unit.tx.conn(), id, &record, now)
                .await
                .map_err(|e| slug_error(e, &record))?;
            if let (true, Some(image)) = (image_changed, edit.featured_image) {
                posts::set_featured_image(unit.tx.conn(), id, image).await?;
            }
            if tags_changed {
                tag_queries::set_for_post(unit.tx.conn(), id, &ids(&tags_after)).await?;
            }
        }
        let content_changed =
            record.title != stored.record.title || record.body != stored.record.body;
        let keeping = origin.keeping();
        let started_revision = match (keeping, actor.account()) {
            (Some(keeping), Some(account)) if content_changed || keeping == Keeping::Checkpoint => {
                revisions::keep(unit.tx.conn(), account, stored, &record, now, keeping).await?
            }
            _ => false,
        };
        let fields = changed_fields(&stored.record, &record, image_changed, tags_changed, origin);
        // The editor's autosaves log one entry per revision, not one per autosave (text typed
        // into the revision being extended is on record there); settings are logged whenever
        // they change, as every other save is.
        let settings_changed = fields.iter().any(|f| !matches!(*f, "title" | "body"));
        let log = match origin {
            Origin::EditorAutosave | Origin::EditorCheckpoint => {
                !fields.is_empty() && (started_revision || settings_changed)
            }
            Origin::AdminForm => true,
            _ => changed,
        };
        if log {
            let message = edit
                .message
                .unwrap_or_else(|| format!("{}{}", change_message(&fields), origin.suffix()));
            audit(
                unit.tx.conn(),
                actor,
                (id, &record.title),
                LogAction::Change,
                &message,
                now,
            )
            .await?;
        }
        if changed {
            unit.events.extend(PostEvent::between(
                id,
                Some(state_of(&stored.record, &tags_before)),
                Some(state_of(&record, &tags_after)),
            ));
        }
        Ok(Written {
            id,
            updated_at: if changed { now } else { stored.updated_at },
            record,
            changed,
        })
    }

    /// Publishes post `id` now, schedules it for a future time, or takes it back to draft.
    ///
    /// # Errors
    /// As [`Posts::update`]; [`PostError::ScheduleNotInFuture`].
    pub async fn publish(
        &self,
        actor: Actor<'_>,
        id: i64,
        expect: Expect<'_>,
        action: PublishAction,
        now: DateTime<Utc>,
    ) -> Result<Written, PostError> {
        let now = now.trunc_subsecs(6);
        let (status, published_at, message) = match action {
            PublishAction::Now => (PostStatus::Published, Some(now), "Published."),
            PublishAction::Schedule(at) if at > now => (
                PostStatus::Published,
                Some(at.trunc_subsecs(0)),
                "Scheduled.",
            ),
            PublishAction::Schedule(_) => return Err(PostError::ScheduleNotInFuture),
            PublishAction::Unpublish => (PostStatus::Draft, None, "Unpublished (back to draft)."),
        };
        self.update(actor, id, expect, Origin::Editor, now, |stored| {
            let mut input = PostInput::from_stored(&stored.record);
            input.status = status;
            input.published_at = published_at;
            Ok(Edit {
                input,
                form_errors: FieldErrors::default(),
                featured_image: None,
                tags: None,
                message: Some(message.to_string()),
            })
        })
        .await
    }

    /// Restores revision `revision`'s title and body into post `id`, as a new revision (so the
    /// restore can itself be undone the same way).
    ///
    /// # Errors
    /// As [`Posts::update`]; [`PostError::NotFound`] for a revision of another post.
    pub async fn restore(
        &self,
        actor: &AccountRow,
        id: i64,
        expect: Expect<'_>,
        revision: i64,
        now: DateTime<Utc>,
    ) -> Result<Written, PostError> {
        let actor_ref = Actor::Account(actor);
        let mut unit = self.begin(now).await?;
        let stored = self.open(&mut unit, actor_ref, id, expect).await?;
        let old = revision_queries::find_revision(unit.tx.conn(), id, revision)
            .await?
            .ok_or(PostError::NotFound)?;
        let mut input = PostInput::from_stored(&stored.record);
        input.title = old.title.clone();
        input.body = rules::PostBody::Html {
            html: old.body.clone(),
            source: None,
        };
        let message = format!(
            "Restored the revision of {}.",
            old.updated_at.format("%Y-%m-%d %H:%M UTC")
        );
        let edit = Edit {
            input,
            form_errors: FieldErrors::default(),
            featured_image: None,
            tags: None,
            message: Some(message),
        };
        let written = self
            .apply(&mut unit, actor_ref, &stored, edit, Origin::Editor)
            .await?;
        revisions::keep(
            unit.tx.conn(),
            actor,
            &stored,
            &written.record,
            unit.now,
            Keeping::Restore,
        )
        .await?;
        unit.commit(self.events).await?;
        Ok(written)
    }

    /// Sets the status of each post in `changes` (`(id, status)`: a bulk action gives them all
    /// one status, the change list's inline edit each its own), in one transaction; publishing
    /// sets `published_at` to now where it is empty. Every post must be one the actor may
    /// change, or nothing is written. Returns how many changed.
    ///
    /// # Errors
    /// [`PostError::TooMany`] over [`MAX_BULK`]; [`PostError::NotFound`] for an unknown id;
    /// [`PostError::Forbidden`]; [`PostError::SlugTaken`] (without a day) when publishing gives
    /// two posts one address; [`PostError::Database`].
    pub async fn set_status(
        &self,
        actor: Actor<'_>,
        changes: &[(i64, PostStatus)],
        origin: Origin,
        now: DateTime<Utc>,
    ) -> Result<u64, PostError> {
        let mut ids: Vec<i64> = changes.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        let Bulk {
            mut unit,
            before,
            tags,
        } = self.begin_bulk(actor, &ids, now).await?;
        let now = unit.now;
        let tags_of = |id: i64| tags.get(&id).map(Vec::as_slice).unwrap_or(&[]);
        let wanted: std::collections::HashMap<i64, PostStatus> = changes.iter().copied().collect();
        let mut affected = 0;
        let mut entries: Vec<(PostStatus, Vec<(i64, String)>)> = Vec::new();
        for status in [
            PostStatus::Published,
            PostStatus::Archived,
            PostStatus::Draft,
        ] {
            let rows: Vec<&PostStateRow> = before
                .iter()
                .filter(|r| wanted.get(&r.id) == Some(&status) && r.status != status)
                .collect();
            if rows.is_empty() {
                continue;
            }
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            affected += posts::set_status_many(unit.tx.conn(), &ids, status, now)
                .await
                .map_err(|e| match PostError::from_write(e, "", None) {
                    PostError::SlugTaken { .. } => PostError::SlugTaken {
                        slug: String::new(),
                        date: None,
                    },
                    other => other,
                })?;
            for row in &rows {
                let mut after = state_of_row(row, tags_of(row.id));
                after.status = status;
                if status == PostStatus::Published && after.published_at.is_none() {
                    after.published_at = Some(now);
                    after.path = rules::address(row.kind, Some(now), &row.slug);
                }
                unit.events.extend(PostEvent::between(
                    row.id,
                    Some(state_of_row(row, tags_of(row.id))),
                    Some(after),
                ));
            }
            entries.push((
                status,
                rows.iter().map(|r| (r.id, r.title.clone())).collect(),
            ));
        }
        let (user_id, user_repr) = actor.log_user();
        for (status, objects) in &entries {
            let message = match origin {
                Origin::AdminBulk => format!(
                    "{} (bulk action).",
                    match status {
                        PostStatus::Published => "Published",
                        PostStatus::Archived => "Archived",
                        PostStatus::Draft => "Moved back to draft",
                    }
                ),
                _ => format!("Changed status to {}.", status.label()),
            };
            admin_log::insert_many(
                unit.tx.conn(),
                admin_log::BulkEntries {
                    user_id,
                    user_repr,
                    model: AdminModel::Posts,
                    action: LogAction::Change,
                    change_message: &message,
                    objects,
                },
                now,
            )
            .await?;
        }
        unit.commit(self.events).await?;
        Ok(affected)
    }

    /// Deletes the posts `ids` (with their comments and revisions). Every post must be one the
    /// actor may change, or nothing is deleted. Returns how many were deleted.
    ///
    /// # Errors
    /// [`PostError::TooMany`]; [`PostError::NotFound`] for an unknown id;
    /// [`PostError::Forbidden`]; [`PostError::Database`].
    pub async fn delete(
        &self,
        actor: Actor<'_>,
        ids: &[i64],
        origin: Origin,
        now: DateTime<Utc>,
    ) -> Result<u64, PostError> {
        let Bulk {
            mut unit,
            before,
            tags,
        } = self.begin_bulk(actor, ids, now).await?;
        let now = unit.now;
        let deleted = posts::delete_many(unit.tx.conn(), ids).await?;
        let objects: Vec<(i64, String)> = before.iter().map(|r| (r.id, r.title.clone())).collect();
        let (user_id, user_repr) = actor.log_user();
        admin_log::insert_many(
            unit.tx.conn(),
            admin_log::BulkEntries {
                user_id,
                user_repr,
                model: AdminModel::Posts,
                action: LogAction::Delete,
                change_message: match origin {
                    Origin::Api => "Deleted through the API.",
                    _ => "",
                },
                objects: &objects,
            },
            now,
        )
        .await?;
        for row in &before {
            let tags = tags.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
            unit.events.extend(PostEvent::between(
                row.id,
                Some(state_of_row(row, tags)),
                None,
            ));
        }
        unit.commit(self.events).await?;
        Ok(deleted)
    }

    /// Saves an imported post by its natural key (publication day and slug): created when new,
    /// updated when its fields or its old URLs differ, left alone when they do not (re-running
    /// an import changes nothing). Its author (an account without a usable password) and its
    /// category are made when missing; its old URLs are answered with redirects. One
    /// transaction: nothing is half-written.
    ///
    /// # Errors
    /// [`PostError::Invalid`] for a title, slug or category name the rules refuse;
    /// [`PostError::SlugTaken`]; [`PostError::Database`].
    pub async fn import(
        &self,
        post: ImportedPost,
        now: DateTime<Utc>,
    ) -> Result<Imported, PostError> {
        let mut unit = self.begin(now).await?;
        let now = unit.now;
        let (username, display_name) = &post.author;
        let author_id =
            crate::ssr::db::users::ensure_author(unit.tx.conn(), username, display_name, now)
                .await?;
        if let Some(email) = post.author_email.as_deref() {
            crate::ssr::db::users::record_email_if_unused(unit.tx.conn(), author_id, email).await?;
        }
        let category_id = ensure_category(unit.tx.conn(), &post.category).await?;
        let input = PostInput {
            title: post.title,
            slug: post.slug,
            author_id,
            category_id,
            byline: post.byline,
            body: post.body,
            meta_description: post.meta_description,
            status: post.status,
            published_at: post.published_at,
            kind: post.kind,
            nav_order: post.nav_order,
        };
        let record = rules::prepare(input, now)?;
        let tags = post_tags::resolve(unit.tx.conn(), &post.tags).await?;
        let existing = match (record.kind, record.published_at) {
            (PostKind::Page, _) => posts::find_page_by_slug(unit.tx.conn(), &record.slug).await?,
            (PostKind::Post, Some(at)) => {
                posts::find_by_date_and_slug(unit.tx.conn(), at.date_naive(), &record.slug).await?
            }
            (PostKind::Post, None) => None,
        };
        let mut outcome = match existing {
            Some(stored) => {
                let tags_before = tag_queries::for_post(unit.tx.conn(), stored.id).await?;
                let tags_changed = ids(&tags) != ids(&tags_before);
                // An imported page without an order of its own keeps the navigation order
                // given to it on the site.
                let mut record = record;
                if record.kind == PostKind::Page && post.nav_order.is_none() {
                    record.nav_order = stored.record.nav_order;
                }
                if stored.record == record && !tags_changed {
                    Imported::Unchanged(stored.id)
                } else {
                    posts::update(unit.tx.conn(), stored.id, &record, now)
                        .await
                        .map_err(|e| slug_error(e, &record))?;
                    if tags_changed {
                        tag_queries::set_for_post(unit.tx.conn(), stored.id, &ids(&tags)).await?;
                    }
                    let fields = changed_fields(
                        &stored.record,
                        &record,
                        false,
                        tags_changed,
                        Origin::Import,
                    );
                    let message = format!("{}{}", change_message(&fields), Origin::Import.suffix());
                    audit(
                        unit.tx.conn(),
                        Actor::Import,
                        (stored.id, &record.title),
                        LogAction::Change,
                        &message,
                        now,
                    )
                    .await?;
                    unit.events.extend(PostEvent::between(
                        stored.id,
                        Some(state_of(&stored.record, &tags_before)),
                        Some(state_of(&record, &tags)),
                    ));
                    Imported::Updated(stored.id)
                }
            }
            None => {
                let id = posts::insert(unit.tx.conn(), &record, now)
                    .await
                    .map_err(|e| slug_error(e, &record))?;
                tag_queries::set_for_post(unit.tx.conn(), id, &ids(&tags)).await?;
                audit(
                    unit.tx.conn(),
                    Actor::Import,
                    (id, &record.title),
                    LogAction::Add,
                    "Imported.",
                    now,
                )
                .await?;
                unit.events
                    .extend(PostEvent::between(id, None, Some(state_of(&record, &tags))));
                Imported::Created(id)
            }
        };
        let mut aliases = post.aliases;
        aliases.sort();
        aliases.dedup();
        let id = outcome.id();
        let mut stored = redirects::list_for_post(unit.tx.conn(), id).await?;
        stored.sort();
        if stored != aliases {
            redirects::replace_for_post(unit.tx.conn(), id, &aliases, now).await?;
            if let Imported::Unchanged(id) = outcome {
                outcome = Imported::Updated(id);
            }
        }
        unit.commit(self.events).await?;
        Ok(outcome)
    }
}

/// A post as an importer (or the first-start welcome post) supplies it.
#[derive(Debug, Clone)]
pub struct ImportedPost {
    /// The author's username and display name (an account is made when missing).
    pub author: (String, String),
    /// The author's email, recorded on the account when it has none and no other account has
    /// it (a WordPress export lists its authors' emails).
    pub author_email: Option<String>,
    /// The category's name (made when missing).
    pub category: String,
    /// The title.
    pub title: String,
    /// The slug; made from the title when `None`.
    pub slug: Option<String>,
    /// Credits when the post has several authors.
    pub byline: Option<String>,
    /// The body.
    pub body: rules::PostBody,
    /// A description for search engines and link previews.
    pub meta_description: Option<String>,
    /// The status.
    pub status: PostStatus,
    /// The publication time.
    pub published_at: Option<DateTime<Utc>>,
    /// Old site paths of the post (normalised, `/old/path/`), answered with 301.
    pub aliases: Vec<String>,
    /// Its tags as the source names them, in order.
    pub tags: Vec<String>,
    /// A dated post or a static page.
    pub kind: PostKind,
    /// A page's place in the site's navigation (`None`: not given, so a page already on the
    /// site keeps its own, and a new one is not in the navigation).
    pub nav_order: Option<i32>,
}

impl ImportedPost {
    /// Repairs fields another platform allowed but Folio's limits refuse, so that one bad field
    /// does not lose the whole post; returns one sentence per repair for the import report.
    /// Repairs: an over-long author name, category, tag name or title is shortened (at a word,
    /// with `…`; [`crate::domain::text::shorten`]) and an over-long username cut; tags past
    /// [`post_tags::MAX_TAGS`] are left off (named in the report). What cannot be repaired
    /// without guessing (an empty title, a slug made of nothing) is still refused by
    /// [`Posts::import`] with the field named.
    pub fn repair(&mut self) -> Vec<String> {
        use crate::domain::account::MAX_USERNAME_CHARS;
        use crate::domain::text::shorten;
        use crate::ssr::accounts::MAX_DISPLAY_NAME_CHARS;
        use crate::ssr::admin::categories::MAX_NAME_CHARS as MAX_CATEGORY_CHARS;
        let mut notes = Vec::new();
        let mut fit = |what: &str, value: &mut String, max: usize| {
            let length = value.trim().chars().count();
            if length > max {
                *value = shorten(value.trim(), max);
                notes.push(format!(
                    "{what} has {length} characters, more than Folio's {max}: shortened to '{value}'"
                ));
            }
        };
        fit(
            "the author's name",
            &mut self.author.1,
            MAX_DISPLAY_NAME_CHARS,
        );
        fit("the category", &mut self.category, MAX_CATEGORY_CHARS);
        fit("the title", &mut self.title, rules::MAX_TITLE_CHARS);
        for tag in &mut self.tags {
            fit("a tag", tag, post_tags::MAX_TAG_NAME_CHARS);
        }
        let username = &mut self.author.0;
        if username.chars().count() > MAX_USERNAME_CHARS {
            *username = username
                .chars()
                .take(MAX_USERNAME_CHARS)
                .collect::<String>()
                .trim_end_matches('-')
                .to_string();
            notes.push(format!(
                "the author's username is longer than {MAX_USERNAME_CHARS} characters: cut to '{username}'"
            ));
        }
        // Tags are one tag per slug (see `post_tags::normalise`): count them that way.
        let mut slugs: Vec<String> = Vec::new();
        let mut kept = Vec::new();
        let mut left_off = Vec::new();
        for tag in std::mem::take(&mut self.tags) {
            let slug = crate::domain::slugify(&tag);
            if slug.is_empty() {
                if !tag.trim().is_empty() {
                    notes.push(format!(
                        "the tag '{}' has nothing to make an address of: left off",
                        tag.trim()
                    ));
                }
            } else if slugs.contains(&slug) {
                kept.push(tag);
            } else if slugs.len() < post_tags::MAX_TAGS {
                slugs.push(slug);
                kept.push(tag);
            } else {
                left_off.push(tag);
            }
        }
        self.tags = kept;
        if !left_off.is_empty() {
            notes.push(format!(
                "more than {} tags: left off {}",
                post_tags::MAX_TAGS,
                left_off.join(", ")
            ));
        }
        notes
    }
}

/// The longest category slug, in bytes (ASCII; the `categories.slug` check).
const MAX_CATEGORY_SLUG_LEN: usize = 120;

/// The id of the category named `name` (by its slug), made when missing.
///
/// # Errors
/// [`PostError::Invalid`] (`category`) for a name with nothing to make a slug of;
/// [`PostError::Database`].
pub async fn ensure_category(mut conn: Conn<'_>, name: &str) -> Result<i64, PostError> {
    let name = name.trim();
    let mut slug = crate::domain::slugify(name);
    // The `categories.slug` limit: a name within its own limit can still expand (NFKD: `ﬁ` → `fi`).
    slug.truncate(MAX_CATEGORY_SLUG_LEN);
    let slug = slug.trim_end_matches(['-', '_']).to_string();
    if slug.is_empty() {
        return Err(PostError::field(
            "category",
            format!("'{name}' cannot be made into a slug"),
        ));
    }
    if let Some(row) = categories::find_by_slug(conn.reborrow(), &slug).await? {
        return Ok(row.id);
    }
    Ok(categories::insert(conn, name, &slug).await?)
}

/// What [`Posts::import`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    /// A new post was inserted.
    Created(i64),
    /// An existing post changed.
    Updated(i64),
    /// The existing post already had exactly these fields; nothing was written.
    Unchanged(i64),
}

impl Imported {
    /// The post's id.
    pub fn id(self) -> i64 {
        match self {
            Self::Created(id) | Self::Updated(id) | Self::Unchanged(id) => id,
        }
    }
}

/// The ids of `tags`, in order.
fn ids(tags: &[TagRow]) -> Vec<i64> {
    tags.iter().map(|t| t.id).collect()
}

/// A write's database error, with a slug clash on `record`'s day recognised.
fn slug_error(error: sqlx::Error, record: &PostRecord) -> PostError {
    PostError::from_write(
        error,
        &record.slug,
        record.published_at.map(|at| at.date_naive()),
    )
}

/// The first of [`rules::slug_candidates`] of `base` that no post uses (on any day).
async fn free_slug(mut conn: Conn<'_>, base: &str) -> Result<String, PostError> {
    for candidate in rules::slug_candidates(base) {
        if !posts::slug_taken(conn.reborrow(), &candidate, None).await? {
            return Ok(candidate);
        }
    }
    Err(PostError::SlugTaken {
        slug: base.to_string(),
        date: None,
    })
}
