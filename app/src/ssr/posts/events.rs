//! Change events: after every successful write to a post, exactly one typed event per post
//! changed says what happened and what the post looked like before and after, on an in-process
//! channel that caches, search indexes and notifications subscribe to (Django's `post_save`
//! signal, made explicit and sent only after the transaction committed).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use tokio::sync::{broadcast, mpsc};

use crate::domain::{PostKind, PostStatus};

/// What a write did to a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostChange {
    /// A new post was stored (whatever its status).
    Created,
    /// Fields changed; whether readers see the post did not (public stayed public, or the post
    /// stayed unpublished).
    Updated,
    /// The post became published (now, or scheduled for its `published_at`).
    Published,
    /// The post stopped being published (back to draft, or archived).
    Unpublished,
    /// The post was deleted.
    Deleted,
}

/// A post as an event describes it, before or after the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostState {
    /// The title.
    pub title: String,
    /// A dated post or a static page.
    pub kind: PostKind,
    /// The status.
    pub status: PostStatus,
    /// The publication time, if set.
    pub published_at: Option<DateTime<Utc>>,
    /// The site path readers find it at (`/2024/07/25/slug/` for a post with a publication
    /// time, public yet or not; `/slug/` for a page).
    pub path: Option<String>,
    /// The author's user id.
    pub author_id: i64,
    /// The category's id.
    pub category_id: i64,
    /// Its tags' slugs, in order.
    pub tags: Vec<String>,
}

impl PostState {
    /// Whether readers see the post at `now` (published and its time has come).
    pub fn is_public_at(&self, now: DateTime<Utc>) -> bool {
        self.status == PostStatus::Published && self.published_at.is_some_and(|at| at <= now)
    }
}

/// One post's change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostEvent {
    /// What happened.
    pub change: PostChange,
    /// The post's id.
    pub post_id: i64,
    /// The post before the write (`None` when created).
    pub before: Option<PostState>,
    /// The post after the write (`None` when deleted).
    pub after: Option<PostState>,
}

impl PostEvent {
    /// The event for a write that changed the post from `before` to `after` (`None`: it did
    /// not exist / no longer exists); `None` only for `(None, None)`. The write service calls it
    /// only for writes that changed something (a save of unchanged fields sends nothing).
    pub fn between(
        post_id: i64,
        before: Option<PostState>,
        after: Option<PostState>,
    ) -> Option<Self> {
        let published = |s: &PostState| s.status == PostStatus::Published;
        let change = match (&before, &after) {
            (None, Some(_)) => PostChange::Created,
            (Some(_), None) => PostChange::Deleted,
            (None, None) => return None,
            (Some(b), Some(a)) => match (published(b), published(a)) {
                (false, true) => PostChange::Published,
                (true, false) => PostChange::Unpublished,
                _ => PostChange::Updated,
            },
        };
        Some(Self {
            change,
            post_id,
            before,
            after,
        })
    }
}

impl PostEvent {
    /// The events of the posts whose state went from `before` to `after` (both by post id),
    /// by post id, leaving out the posts that did not change.
    pub fn changes(
        mut before: std::collections::HashMap<i64, PostState>,
        mut after: std::collections::HashMap<i64, PostState>,
    ) -> Vec<Self> {
        let mut ids: Vec<i64> = before.keys().chain(after.keys()).copied().collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .filter_map(|id| {
                let (b, a) = (before.remove(&id), after.remove(&id));
                if b == a {
                    None
                } else {
                    Self::between(id, b, a)
                }
            })
            .collect()
    }
}

/// How many events a slow subscriber may fall behind before it misses some (it is told how
/// many, see [`broadcast::error::RecvError::Lagged`]).
pub const CHANNEL_CAPACITY: usize = 4096;

/// The channel events go out on; cheap to clone (every clone sends on the same channel).
///
/// It also counts what readers' caches need to know without reading every event: how many
/// events were sent, and a version of the site's other content readers see (categories,
/// comments, authors' names, tags' descriptions), bumped by [`PostEvents::site_changed`].
/// See [`super::watch::ChangeWatch`].
#[derive(Debug, Clone)]
pub struct PostEvents {
    sender: broadcast::Sender<PostEvent>,
    sent: Arc<AtomicU64>,
    site_version: Arc<AtomicU64>,
    /// Where changes readers see are announced to the other Folio processes on the same
    /// database (set by the server on PostgreSQL; see [`PostEvents::announce_to`]).
    announcer: Arc<OnceLock<mpsc::UnboundedSender<()>>>,
}

impl Default for PostEvents {
    fn default() -> Self {
        Self::new()
    }
}

impl PostEvents {
    /// A new channel with no subscribers.
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
        Self {
            sender,
            sent: Arc::new(AtomicU64::new(0)),
            site_version: Arc::new(AtomicU64::new(0)),
            announcer: Arc::new(OnceLock::new()),
        }
    }

    /// From now on, every change readers can see (an event about a published post, or
    /// [`PostEvents::site_changed`]) also sends a unit on `announcer`, which the server turns
    /// into a notification to the other processes. Set once; later calls change nothing.
    pub fn announce_to(&self, announcer: mpsc::UnboundedSender<()>) {
        let _ = self.announcer.set(announcer);
    }

    /// Another process changed something readers see: every watch of this process sees a
    /// change at its next look (their caches drop what they keep), as after
    /// [`PostEvents::site_changed`], without announcing it again.
    pub fn remote_change(&self) {
        self.site_version.fetch_add(1, Ordering::AcqRel);
    }

    fn announce(&self) {
        if let Some(announcer) = self.announcer.get() {
            let _ = announcer.send(());
        }
    }

    /// A receiver of every event sent from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<PostEvent> {
        self.sender.subscribe()
    }

    /// Sends `events` (after their transaction committed). Nobody listening is not an error.
    pub fn send(&self, events: impl IntoIterator<Item = PostEvent>) {
        let mut seen_by_readers = false;
        for event in events {
            tracing::debug!(post_id = event.post_id, change = ?event.change, "post changed");
            seen_by_readers |= super::watch::touches_readers(&event);
            let _ = self.sender.send(event);
            // Counted once it is in the channel, so a watch that sees the count finds the event.
            self.sent.fetch_add(1, Ordering::AcqRel);
        }
        if seen_by_readers {
            self.announce();
        }
    }

    /// How many events were sent so far.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Acquire)
    }

    /// Says that content readers see changed outside posts (a category renamed, a comment
    /// approved or deleted, an author's name, a tag's description); call it after the commit.
    pub fn site_changed(&self) {
        self.site_version.fetch_add(1, Ordering::AcqRel);
        self.announce();
    }

    /// The version of the site's content outside posts: changes whenever
    /// [`PostEvents::site_changed`] is called.
    pub fn site_version(&self) -> u64 {
        self.site_version.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(status: PostStatus, title: &str) -> PostState {
        PostState {
            title: title.into(),
            kind: PostKind::Post,
            status,
            published_at: None,
            path: None,
            author_id: 1,
            category_id: 1,
            tags: Vec::new(),
        }
    }

    #[test]
    fn the_change_follows_from_before_and_after() {
        let draft = state(PostStatus::Draft, "a");
        let public = state(PostStatus::Published, "a");
        let kind = |b: Option<&PostState>, a: Option<&PostState>| {
            PostEvent::between(7, b.cloned(), a.cloned()).map(|e| e.change)
        };
        assert_eq!(kind(None, Some(&draft)), Some(PostChange::Created));
        assert_eq!(kind(Some(&draft), None), Some(PostChange::Deleted));
        assert_eq!(
            kind(Some(&draft), Some(&public)),
            Some(PostChange::Published)
        );
        assert_eq!(
            kind(Some(&public), Some(&draft)),
            Some(PostChange::Unpublished)
        );
        assert_eq!(
            kind(Some(&public), Some(&state(PostStatus::Published, "b"))),
            Some(PostChange::Updated)
        );
        assert_eq!(kind(Some(&draft), Some(&draft)), Some(PostChange::Updated));
        assert_eq!(kind(None, None), None);
    }

    #[test]
    fn only_changes_readers_see_are_announced_to_other_processes() {
        let events = PostEvents::new();
        let (announcer, mut announced) = tokio::sync::mpsc::unbounded_channel();
        events.announce_to(announcer);
        let draft = state(PostStatus::Draft, "a");
        events.send(PostEvent::between(1, None, Some(draft.clone())));
        assert!(
            announced.try_recv().is_err(),
            "a draft's edit is nobody's business"
        );
        let public = state(PostStatus::Published, "a");
        events.send(PostEvent::between(1, Some(draft), Some(public)));
        assert!(announced.try_recv().is_ok());
        events.site_changed();
        assert!(announced.try_recv().is_ok());
        // What another process announced is not announced back.
        let version = events.site_version();
        events.remote_change();
        assert_eq!(events.site_version(), version + 1);
        assert!(announced.try_recv().is_err());
    }

    #[test]
    fn changes_leave_out_the_posts_that_did_not_change() {
        let mut tagged = state(PostStatus::Published, "a");
        tagged.tags = vec!["rust".into()];
        let before = [(1, tagged.clone()), (2, tagged.clone())]
            .into_iter()
            .collect();
        let mut renamed = tagged.clone();
        renamed.tags = vec!["rust-lang".into()];
        let after = [(1, renamed), (2, tagged)].into_iter().collect();
        let events = PostEvent::changes(before, after);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].post_id, 1);
        assert_eq!(events[0].change, PostChange::Updated);
        assert_eq!(events[0].after.as_ref().unwrap().tags, vec!["rust-lang"]);
    }

    #[tokio::test]
    async fn subscribers_receive_what_is_sent_after_they_subscribed() {
        let events = PostEvents::new();
        events.send(PostEvent::between(
            1,
            None,
            Some(state(PostStatus::Draft, "a")),
        ));
        let mut receiver = events.subscribe();
        events.send(PostEvent::between(
            2,
            None,
            Some(state(PostStatus::Draft, "b")),
        ));
        assert_eq!(receiver.recv().await.unwrap().post_id, 2);
        assert!(receiver.try_recv().is_err());
    }
}
