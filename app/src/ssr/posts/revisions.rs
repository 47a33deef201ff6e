//! Revisions: earlier states of a post's title and body, kept by the editor's saves and
//! restores (called by the write service inside its transaction).
//!
//! Autosaves by the same person within [`REVISION_WINDOW`] update one revision; the Save button
//! seals it (later saves start a new one); a restore is always a revision of its own. Text
//! written elsewhere (the admin form, the API, an import) becomes a revision before the editor's
//! save overwrites it, so it can be restored.

use chrono::{DateTime, Duration, Utc};

use crate::ssr::db::posts::revisions::{self as queries, NewRevision};
use crate::ssr::db::posts::rows::{PostRecord, StoredPostRow};
use crate::ssr::db::users::AccountRow;
use crate::ssr::db::Conn;

/// Saves by the same person within this long of a revision's first save update that revision
/// instead of adding one, so autosaving every few seconds keeps one revision per sitting.
pub const REVISION_WINDOW: Duration = Duration::minutes(10);

/// How a save is kept among the revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keeping {
    /// An autosave: coalesced into the newest revision when it is the same person's, unsealed
    /// and started within [`REVISION_WINDOW`].
    Autosave,
    /// The Save button: coalesced the same way, then sealed, so later saves start a new one.
    Checkpoint,
    /// A restore: always a revision of its own, sealed.
    Restore,
}

/// Records `record`'s title and body as a revision by `actor`, as `keeping` says, given the
/// post as it was `before` the save. Returns whether the save started a new revision of its own
/// (rather than extending or sealing the newest one).
///
/// # Errors
/// The driver's error.
pub async fn keep(
    mut conn: Conn<'_>,
    actor: &AccountRow,
    before: &StoredPostRow,
    record: &PostRecord,
    now: DateTime<Utc>,
    keeping: Keeping,
) -> Result<bool, sqlx::Error> {
    let old = &before.record;
    let mut latest = queries::latest_revision(conn.reborrow(), before.id).await?;
    let holds =
        |r: &queries::RevisionRow, title: &str, body: &str| r.title == title && r.body == body;
    let written_elsewhere = !old.body.is_empty()
        && latest
            .as_ref()
            .is_none_or(|r| !holds(r, &old.title, &old.body));
    if written_elsewhere {
        queries::insert_revision(
            conn.reborrow(),
            NewRevision {
                post_id: before.id,
                author_id: old.author_id,
                author_repr: &before.author_username,
                title: &old.title,
                body: &old.body,
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
