//! The site's navigation (listed pages, categories with their post counts), kept in memory: every
//! page shows it, and counting the public posts of every category on each request cost the home
//! page about half its throughput. The copy is dropped when a change event touches what it
//! shows, when the next scheduled post's `published_at` arrives (scheduling is decided at query
//! time, with no event), and after [`MAX_AGE`] at the latest (the safety net for writes this
//! process does not hear of, such as another Folio process on the same PostgreSQL database).
//!
//! The cache holds its own receiver of [`PostEvents`] and reads what arrived before answering, so
//! a request that starts after a write's response was sent always sees the write (events are sent
//! before the write service returns): exact and immediate, with no background task.

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::broadcast::error::TryRecvError;
use tokio::sync::{broadcast, Mutex};

use super::events::{PostEvent, PostEvents};
use crate::domain::PostStatus;
use crate::error::AppError;
use crate::model::SiteNav;
use crate::ssr::db::posts::public as posts;
use crate::ssr::db::{categories, Db};

/// The longest a copy is used without being read again from the database.
pub const MAX_AGE: TimeDelta = TimeDelta::seconds(60);

/// The navigation, read from the database on first use and whenever it may have changed.
/// Cheap to share: keep one per server, in an `Arc`.
#[derive(Debug)]
pub struct NavCache {
    inner: Mutex<Inner>,
}

#[derive(Debug)]
struct Inner {
    events: broadcast::Receiver<PostEvent>,
    kept: Option<Kept>,
}

#[derive(Debug)]
struct Kept {
    nav: SiteNav,
    /// Used until this time (exclusive).
    until: DateTime<Utc>,
}

impl NavCache {
    /// An empty cache that listens to `events` from now on.
    pub fn new(events: &PostEvents) -> Self {
        Self {
            inner: Mutex::new(Inner {
                events: events.subscribe(),
                kept: None,
            }),
        }
    }

    /// Forgets the copy, for changes that are not post events (a category renamed).
    pub async fn invalidate(&self) {
        self.inner.lock().await.kept = None;
    }

    /// The navigation at `now`: the copy when nothing since it was read can have changed it,
    /// else read again (one reader at a time: the others wait for its result instead of all
    /// querying at once).
    ///
    /// # Errors
    /// [`AppError::Internal`] when the database fails (nothing is kept then).
    pub async fn get(&self, db: &Db, now: DateTime<Utc>) -> Result<SiteNav, AppError> {
        let mut inner = self.inner.lock().await;
        if inner.heard_a_change() {
            inner.kept = None;
        }
        if let Some(kept) = inner.kept.as_ref().filter(|c| now < c.until) {
            return Ok(kept.nav.clone());
        }
        let (nav, next_scheduled) = read(db, now).await?;
        let until = next_scheduled.map_or(now + MAX_AGE, |at| at.min(now + MAX_AGE));
        inner.kept = Some(Kept {
            nav: nav.clone(),
            until,
        });
        Ok(nav)
    }
}

impl Inner {
    /// Reads every event that arrived; whether one of them can change the navigation.
    fn heard_a_change(&mut self) -> bool {
        let mut changed = false;
        loop {
            match self.events.try_recv() {
                Ok(event) => changed |= touches_nav(&event),
                // Missed events may have touched it.
                Err(TryRecvError::Lagged(_)) => changed = true,
                Err(TryRecvError::Empty | TryRecvError::Closed) => return changed,
            }
        }
    }
}

/// Whether `event` can change the navigation: only posts that are published (now or scheduled)
/// before or after the write are counted or listed; a draft's edits are not.
pub fn touches_nav(event: &PostEvent) -> bool {
    [&event.before, &event.after]
        .into_iter()
        .flatten()
        .any(|state| state.status == PostStatus::Published)
}

/// The navigation at `now` and the next time a scheduled post becomes public, if any.
async fn read(db: &Db, now: DateTime<Utc>) -> Result<(SiteNav, Option<DateTime<Utc>>), AppError> {
    let mut conn = db.acquire().await?;
    let pages = posts::navigation_pages(conn.conn(), now)
        .await?
        .into_iter()
        .map(|(title, slug)| (title, crate::domain::kind::page_path(&slug)))
        .collect();
    let categories = categories::with_public_post_counts(conn.conn(), now).await?;
    let next = posts::next_scheduled(conn.conn(), now).await?;
    Ok((SiteNav { pages, categories }, next))
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

    #[test]
    fn only_published_posts_touch_the_navigation() {
        let draft = Some(state(PostStatus::Draft));
        let public = Some(state(PostStatus::Published));
        let event = |before: &Option<PostState>, after: &Option<PostState>| {
            PostEvent::between(1, before.clone(), after.clone()).expect("a change")
        };
        assert!(!touches_nav(&event(&draft, &draft)));
        assert!(!touches_nav(&event(&None, &draft)));
        assert!(!touches_nav(&event(&draft, &None)));
        assert!(touches_nav(&event(&draft, &public)));
        assert!(touches_nav(&event(&public, &draft)));
        assert!(touches_nav(&event(&public, &public)));
        assert!(touches_nav(&event(&public, &None)));
    }
}
