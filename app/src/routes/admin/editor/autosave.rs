//! Never lose a word: the editor saves a few seconds after typing stops, when the page is
//! left, and retries while the network is down; until the server has the text, a copy is kept
//! in the browser's `localStorage` and offered back on the next visit.

use std::time::Duration;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::PostStatus;
use crate::error::AppError;
use crate::model::editor::{EditorDraft, FeaturedImage, Saved};
use crate::server_fns::editor::editor_save;

/// How long after the last keystroke the editor saves.
pub const AUTOSAVE_DELAY: Duration = Duration::from_secs(2);

/// The first wait before saving again after a network failure; doubled up to [`RETRY_MAX`].
pub const RETRY_FIRST: Duration = Duration::from_secs(3);

/// The longest wait between retries.
pub const RETRY_MAX: Duration = Duration::from_secs(30);

/// Where the editor's text stands, as the status line shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    /// Nothing changed since the page opened (the time of the post's last save).
    Unchanged(DateTime<Utc>),
    /// Changes wait for the autosave.
    Pending,
    /// A save is on its way.
    Saving,
    /// The server has everything, as of this time.
    Saved(DateTime<Utc>),
    /// The server could not be reached; the text is kept in the browser and sent again.
    Offline,
    /// Someone else saved the post meanwhile; nothing more is saved until the writer decides.
    Conflict(String),
    /// The server refused the save (e.g. a bad slug); the next change tries again.
    Refused(String),
}

impl SaveState {
    /// The status line: "Saving…", "Saved 14:02", "Offline — will retry"...; `time` formats a
    /// time for the reader (the browser's local time).
    pub fn label(&self, time: impl Fn(DateTime<Utc>) -> String) -> String {
        match self {
            Self::Unchanged(at) => format!("Last saved {}", time(*at)),
            Self::Pending => "Unsaved changes".to_string(),
            Self::Saving => "Saving…".to_string(),
            Self::Saved(at) => format!("Saved {}", time(*at)),
            Self::Offline => "Offline — will retry".to_string(),
            Self::Conflict(_) => "Not saved: changed elsewhere".to_string(),
            Self::Refused(message) => format!("Not saved: {message}"),
        }
    }
}

/// The current time from the browser's clock (std's clock does not exist in WebAssembly);
/// the server's clock on the server.
pub fn now() -> DateTime<Utc> {
    #[cfg(feature = "hydrate")]
    {
        DateTime::from_timestamp_millis(leptos::web_sys::js_sys::Date::now() as i64)
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        Utc::now()
    }
}

/// `at` as hours and minutes in the browser's time zone (UTC on the server).
pub fn local_time(at: DateTime<Utc>) -> String {
    #[cfg(feature = "hydrate")]
    {
        let date = leptos::web_sys::js_sys::Date::new(&leptos::wasm_bindgen::JsValue::from_f64(
            at.timestamp_millis() as f64,
        ));
        format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        at.format("%H:%M").to_string()
    }
}

/// The copy of unsaved text kept in the browser, per post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backup {
    /// What would have been saved.
    pub draft: EditorDraft,
    /// When it was written (milliseconds since the Unix epoch).
    pub written_at_ms: i64,
}

impl Backup {
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn key(post_id: i64) -> String {
        format!("folio:editor:{post_id}")
    }

    /// Keeps `draft` for post `post_id`. Storage may be full or disabled (private windows):
    /// then nothing is kept, and the server copy is all there is.
    pub fn store(post_id: i64, draft: &EditorDraft) {
        #[cfg(feature = "hydrate")]
        if let Some(storage) = storage() {
            let backup = Backup {
                draft: draft.clone(),
                written_at_ms: leptos::web_sys::js_sys::Date::now() as i64,
            };
            if let Ok(json) = serde_json::to_string(&backup) {
                let _ = storage.set_item(&Self::key(post_id), &json);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (post_id, draft);
    }

    /// The copy kept for post `post_id`, if any.
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn load(post_id: i64) -> Option<Backup> {
        #[cfg(feature = "hydrate")]
        {
            let json = storage()?.get_item(&Self::key(post_id)).ok()??;
            serde_json::from_str(&json).ok()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = post_id;
            None
        }
    }

    /// Forgets the copy for post `post_id` (the server has the text).
    pub fn clear(post_id: i64) {
        #[cfg(feature = "hydrate")]
        if let Some(storage) = storage() {
            let _ = storage.remove_item(&Self::key(post_id));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = post_id;
    }

    /// When it was written.
    pub fn written_at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.written_at_ms).unwrap_or_default()
    }
}

#[cfg(feature = "hydrate")]
fn storage() -> Option<leptos::web_sys::Storage> {
    leptos::web_sys::window()?.local_storage().ok()?
}

/// The publication fields the side panel shows, as last saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    /// The status.
    pub status: PostStatus,
    /// The publication time, if any.
    pub published_at: Option<DateTime<Utc>>,
    /// Where readers find the post, when it is public.
    pub public_path: Option<String>,
}

/// The editor's fields and the autosave's bookkeeping: all signals, so this is `Copy` and every
/// handler can hold it.
#[derive(Clone, Copy)]
pub struct Autosave {
    /// The post's id.
    pub id: i64,
    /// The title field.
    pub title: RwSignal<String>,
    /// The body, as the engine last reported it.
    pub body: RwSignal<String>,
    /// The slug field (empty: made from the title).
    pub slug: RwSignal<String>,
    /// The category.
    pub category_id: RwSignal<i64>,
    /// The meta description field.
    pub meta_description: RwSignal<String>,
    /// The featured image.
    pub featured_image: RwSignal<Option<FeaturedImage>>,
    /// The tags, in order.
    pub tags: RwSignal<Vec<String>>,
    /// A dated post or a static page.
    pub kind: RwSignal<crate::domain::PostKind>,
    /// A page's place in the site's navigation.
    pub nav_order: RwSignal<Option<i32>>,
    /// The version the next save starts from.
    pub version: RwSignal<String>,
    /// The status line.
    pub state: RwSignal<SaveState>,
    /// Publication fields as last saved.
    pub publication: RwSignal<Publication>,
    /// How many Save-button saves the server confirmed (the revision list reloads on each,
    /// even when the text, and so the version, did not change).
    pub checkpoints: RwSignal<u64>,
    /// Changes made since the page opened.
    edits: RwSignal<u64>,
    /// `edits` as of the last successful save.
    saved_edits: RwSignal<u64>,
    /// Whether a save is on its way.
    in_flight: RwSignal<bool>,
    /// The next wait after a network failure.
    retry_delay: StoredValue<Duration>,
    /// The pending timer.
    timer: StoredValue<Option<TimeoutHandle>>,
    /// The Save button was pressed while a save was on its way: checkpoint when it is done.
    checkpoint_wanted: StoredValue<bool>,
}

impl Autosave {
    /// Starts from a post as opened.
    pub fn new(post: &crate::model::editor::EditorPost) -> Self {
        Self {
            id: post.id,
            title: RwSignal::new(post.title.clone()),
            body: RwSignal::new(post.body.clone()),
            slug: RwSignal::new(post.slug.clone()),
            category_id: RwSignal::new(post.category_id),
            meta_description: RwSignal::new(post.meta_description.clone()),
            featured_image: RwSignal::new(post.featured_image.clone()),
            tags: RwSignal::new(post.tags.clone()),
            kind: RwSignal::new(post.kind),
            nav_order: RwSignal::new(post.nav_order),
            version: RwSignal::new(post.version.clone()),
            state: RwSignal::new(SaveState::Unchanged(post.updated_at)),
            publication: RwSignal::new(Publication {
                status: post.status,
                published_at: post.published_at,
                public_path: post.public_path.clone(),
            }),
            checkpoints: RwSignal::new(0),
            edits: RwSignal::new(0),
            saved_edits: RwSignal::new(0),
            in_flight: RwSignal::new(false),
            retry_delay: StoredValue::new(RETRY_FIRST),
            timer: StoredValue::new(None),
            checkpoint_wanted: StoredValue::new(false),
        }
    }

    /// What a save sends now.
    pub fn draft(self) -> EditorDraft {
        EditorDraft {
            title: self.title.get_untracked(),
            body: self.body.get_untracked(),
            slug: self.slug.get_untracked(),
            category_id: self.category_id.get_untracked(),
            meta_description: self.meta_description.get_untracked(),
            featured_image_id: self
                .featured_image
                .with_untracked(|f| f.as_ref().map(|f| f.id)),
            tags: Some(self.tags.get_untracked()),
            kind: Some(self.kind.get_untracked()),
            nav_order: self.nav_order.get_untracked(),
        }
    }

    /// Whether some change has not reached the server.
    pub fn dirty(self) -> bool {
        self.edits.get_untracked() != self.saved_edits.get_untracked()
    }

    /// Whether a save is on its way.
    pub fn busy(self) -> bool {
        self.in_flight.get_untracked()
    }

    /// Records a change: keeps a copy in the browser and saves after [`AUTOSAVE_DELAY`].
    pub fn changed(self) {
        self.edits.update(|e| *e += 1);
        Backup::store(self.id, &self.draft());
        if !matches!(self.state.get_untracked(), SaveState::Conflict(_)) {
            if !matches!(self.state.get_untracked(), SaveState::Offline) {
                self.state.set(SaveState::Pending);
            }
            self.schedule(AUTOSAVE_DELAY);
        }
    }

    /// Whether the page is still open (its signals not yet disposed).
    pub fn alive(self) -> bool {
        self.edits.try_get_untracked().is_some()
    }

    /// Leaving the page (the browser only): stops the timer and sends what is not saved yet, without waiting (the
    /// browser's copy stays until the server confirms).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn leave(self) {
        if let Some(Some(handle)) = self.timer.try_get_value() {
            handle.clear();
        }
        let pending = self
            .edits
            .try_get_untracked()
            .zip(self.saved_edits.try_get_untracked())
            .is_some_and(|(edits, saved)| edits != saved);
        let conflict = self
            .state
            .try_with_untracked(|s| matches!(s, SaveState::Conflict(_)))
            .unwrap_or(true);
        let version = self.version.try_get_untracked();
        let draft = self.try_draft();
        if let (true, false, Some(version), Some(draft)) = (pending, conflict, version, draft) {
            let id = self.id;
            leptos::task::spawn_local(async move {
                if editor_save(id, version, draft, false).await.is_ok() {
                    Backup::clear(id);
                }
            });
        }
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn try_draft(self) -> Option<EditorDraft> {
        Some(EditorDraft {
            title: self.title.try_get_untracked()?,
            body: self.body.try_get_untracked()?,
            slug: self.slug.try_get_untracked()?,
            category_id: self.category_id.try_get_untracked()?,
            meta_description: self.meta_description.try_get_untracked()?,
            featured_image_id: self
                .featured_image
                .try_with_untracked(|f| f.as_ref().map(|f| f.id))?,
            tags: Some(self.tags.try_get_untracked()?),
            kind: Some(self.kind.try_get_untracked()?),
            nav_order: self.nav_order.try_get_untracked()?,
        })
    }

    /// Saves after `delay` (replacing a pending timer).
    pub fn schedule(self, delay: Duration) {
        if let Some(handle) = self.timer.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                if self.alive() {
                    self.save();
                }
            },
            delay,
        )
        .ok();
        self.timer.set_value(handle);
    }

    /// Saves now, unless nothing changed, a save is already on its way (it saves again when
    /// done) or a conflict waits for the writer.
    pub fn save(self) {
        if self.in_flight.get_untracked() || !self.dirty() {
            return;
        }
        if matches!(self.state.get_untracked(), SaveState::Conflict(_)) {
            return;
        }
        leptos::task::spawn_local(async move {
            let _ = self.save_and_wait(false).await;
        });
    }

    /// The Save button: saves now and seals the revision (the next save starts a new one),
    /// also when autosave already sent the text. Pressed during a save, it follows that save.
    pub fn checkpoint(self) {
        if self.in_flight.get_untracked() {
            self.checkpoint_wanted.set_value(true);
            return;
        }
        leptos::task::spawn_local(async move {
            let _ = self.save_and_wait(true).await;
        });
    }

    /// Saves now and waits for the answer; `Ok` when the server has everything. A
    /// `checkpoint` (the Save button) is sent even with nothing new, to seal the revision.
    ///
    /// # Errors
    /// The server's refusal, or [`AppError::Transport`] when it could not be reached (a retry
    /// is scheduled).
    pub async fn save_and_wait(self, checkpoint: bool) -> Result<(), AppError> {
        if !checkpoint && !self.dirty() {
            return Ok(());
        }
        if let Some(handle) = self.timer.get_value() {
            handle.clear();
        }
        self.in_flight.set(true);
        self.state.set(SaveState::Saving);
        let started = self.edits.get_untracked();
        let draft = self.draft();
        let sent_slug = draft.slug.clone();
        let result = editor_save(self.id, self.version.get_untracked(), draft, checkpoint).await;
        if !self.alive() {
            // The page was left meanwhile: only the browser's copy is left to tidy up.
            if result.is_ok() {
                Backup::clear(self.id);
            }
            return result.map(|_| ());
        }
        self.in_flight.set(false);
        match result {
            Ok(saved) => {
                // The slug the server chose (it follows the title until published), unless
                // the writer edited the field meanwhile.
                if self.slug.get_untracked() == sent_slug {
                    self.slug.set(saved.slug.clone());
                }
                self.saved(&saved, started);
                if checkpoint {
                    self.checkpoints.update(|n| *n += 1);
                }
                if self.checkpoint_wanted.get_value() {
                    self.checkpoint_wanted.set_value(false);
                    self.checkpoint();
                } else if self.dirty() {
                    self.schedule(AUTOSAVE_DELAY);
                }
                Ok(())
            }
            Err(error) => {
                self.failed(&error);
                Err(error)
            }
        }
    }

    /// Takes in a successful save that started at change number `started`.
    pub fn saved(self, saved: &Saved, started: u64) {
        self.version.set(saved.version.clone());
        self.saved_edits.set(started);
        self.retry_delay.set_value(RETRY_FIRST);
        if self.slug.with_untracked(String::is_empty) {
            self.slug.set(saved.slug.clone());
        }
        self.publication.set(Publication {
            status: saved.status,
            published_at: saved.published_at,
            public_path: saved.public_path.clone(),
        });
        if self.dirty() {
            self.state.set(SaveState::Pending);
        } else {
            self.state.set(SaveState::Saved(saved.saved_at));
            Backup::clear(self.id);
        }
    }

    /// Everything up to now counts as saved (after a restore or publish answered by the server
    /// with the whole post).
    pub fn all_saved(self, saved: &Saved) {
        self.saved(saved, self.edits.get_untracked());
    }

    fn failed(self, error: &AppError) {
        match error {
            AppError::Conflict(message) => self.state.set(SaveState::Conflict(message.clone())),
            AppError::Transport(_)
            | AppError::Internal
            | AppError::TooManyRequests { .. }
            | AppError::Busy { .. } => {
                self.state.set(SaveState::Offline);
                let delay = self.retry_delay.get_value();
                self.retry_delay.set_value((delay * 2).min(RETRY_MAX));
                self.schedule(delay);
            }
            other => self.state.set(SaveState::Refused(
                other
                    .form_message()
                    .or_else(|| {
                        ["slug", "title", "tags", "kind", "nav_order"]
                            .into_iter()
                            .find_map(|field| other.field_messages(field).first().cloned())
                    })
                    .unwrap_or_else(|| other.to_string()),
            )),
        }
    }

    /// Saves again now (the network came back, or the writer chose to keep their version after a
    /// conflict, with `version` the post's current one).
    pub fn retry(self, version: Option<String>) {
        if let Some(version) = version {
            self.version.set(version);
            self.state.set(SaveState::Pending);
        }
        self.retry_delay.set_value(RETRY_FIRST);
        self.save();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_line_words() {
        let at = DateTime::parse_from_rfc3339("2026-11-22T14:02:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let hm = |t: DateTime<Utc>| t.format("%H:%M").to_string();
        assert_eq!(SaveState::Saving.label(hm), "Saving…");
        assert_eq!(SaveState::Saved(at).label(hm), "Saved 14:02");
        assert_eq!(SaveState::Offline.label(hm), "Offline — will retry");
        assert_eq!(
            SaveState::Refused("Enter a valid slug.".into()).label(hm),
            "Not saved: Enter a valid slug."
        );
    }
}
