//! Watching for changes readers can see, for the caches of what readers see (the navigation, the
//! page cache): a [`ChangeWatch`] reads the posts' change events and the site's other changes
//! (a category renamed, a comment approved) that arrived since it last looked.
//!
//! It looks on the request's own path, not from a background task: [`PostEvents::send`] has
//! finished before the write's response goes out, so the next request always sees the change.
//! When nothing was sent since the last look, looking costs two atomic reads.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use tokio::sync::broadcast;
use tokio::sync::broadcast::error::TryRecvError;

use super::events::{PostEvent, PostEvents};
use crate::domain::PostStatus;

/// One cache's view of the change events (each cache keeps its own).
#[derive(Debug)]
pub struct ChangeWatch {
    events: PostEvents,
    receiver: Mutex<broadcast::Receiver<PostEvent>>,
    /// `events.sent()` at the last look.
    seen_sent: AtomicU64,
    /// `events.site_version()` at the last look.
    seen_site: AtomicU64,
}

impl ChangeWatch {
    /// A watch of every change sent on `events` from now on.
    pub fn new(events: &PostEvents) -> Self {
        Self {
            receiver: Mutex::new(events.subscribe()),
            seen_sent: AtomicU64::new(events.sent()),
            seen_site: AtomicU64::new(events.site_version()),
            events: events.clone(),
        }
    }

    /// Whether something readers see changed since the last call: an event about a post that
    /// was or is published (public now or scheduled), or a change of the site's other content.
    /// A draft's edits are not such a change.
    pub fn changed(&self) -> bool {
        let sent = self.events.sent();
        let site = self.events.site_version();
        if sent == self.seen_sent.load(Ordering::Acquire)
            && site == self.seen_site.load(Ordering::Acquire)
        {
            return false;
        }
        let mut receiver = self
            .receiver
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut changed = self.seen_site.swap(site, Ordering::AcqRel) != site;
        loop {
            match receiver.try_recv() {
                Ok(event) => changed |= touches_readers(&event),
                // Missed events may have been about public posts.
                Err(TryRecvError::Lagged(_)) => changed = true,
                Err(TryRecvError::Empty | TryRecvError::Closed) => break,
            }
        }
        // Events are counted after they are in the channel, so every event counted in `sent`
        // has been read by now.
        self.seen_sent.store(sent, Ordering::Release);
        changed
    }
}

/// Whether readers can see `event`'s change: only posts that are published (now or scheduled)
/// before or after the write appear anywhere public; a draft's edits do not.
pub fn touches_readers(event: &PostEvent) -> bool {
    [&event.before, &event.after]
        .into_iter()
        .flatten()
        .any(|state| state.status == PostStatus::Published)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PostKind;
    use crate::ssr::posts::PostState;

    fn state(status: PostStatus) -> PostState {
        PostState {
            title: "t".into(),
            kind: PostKind::Post,
            status,
            published_at: None,
            path: None,
            author_id: 1,
            category_id: 1,
            tags: Vec::new(),
        }
    }

    fn event(before: &Option<PostState>, after: &Option<PostState>) -> PostEvent {
        PostEvent::between(1, before.clone(), after.clone()).expect("a change")
    }

    #[test]
    fn only_published_posts_touch_what_readers_see() {
        let draft = Some(state(PostStatus::Draft));
        let public = Some(state(PostStatus::Published));
        assert!(!touches_readers(&event(&draft, &draft)));
        assert!(!touches_readers(&event(&None, &draft)));
        assert!(!touches_readers(&event(&draft, &None)));
        assert!(touches_readers(&event(&draft, &public)));
        assert!(touches_readers(&event(&public, &draft)));
        assert!(touches_readers(&event(&public, &public)));
        assert!(touches_readers(&event(&public, &None)));
    }

    #[test]
    fn a_watch_sees_each_change_once() {
        let events = PostEvents::new();
        let watch = ChangeWatch::new(&events);
        assert!(!watch.changed());
        events.send([event(&None, &Some(state(PostStatus::Draft)))]);
        assert!(!watch.changed(), "a draft is not public");
        events.send([event(
            &Some(state(PostStatus::Draft)),
            &Some(state(PostStatus::Published)),
        )]);
        assert!(watch.changed());
        assert!(!watch.changed(), "seen already");
        events.site_changed();
        assert!(watch.changed());
        assert!(!watch.changed());
        // Two caches watch independently.
        let other = ChangeWatch::new(&events);
        events.site_changed();
        assert!(watch.changed() && other.changed());
    }
}
