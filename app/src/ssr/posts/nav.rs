//! The site's navigation (listed pages, categories with their post counts), kept in memory: every
//! page shows it, and it counted the public posts of every category on each request. The copy is
//! dropped when its [`ChangeWatch`] sees a change readers see (a published post's event, a
//! category renamed), when the next scheduled post's `published_at` arrives (scheduling is
//! decided at query time, with no event), and after [`MAX_AGE`] at the latest (the safety net for
//! writes this process does not hear of, such as another Folio process on the same PostgreSQL
//! database).

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::Mutex;

use super::events::PostEvents;
use super::watch::ChangeWatch;
use crate::error::AppError;
use crate::model::SiteNav;
use crate::ssr::db::posts::public as posts;
use crate::ssr::db::{categories, Db};

/// The longest a copy is used without being read again from the database.
pub const MAX_AGE: TimeDelta = TimeDelta::seconds(60);

/// The navigation, read from the database on first use and whenever it may have changed.
/// Keep one per server, in an `Arc`.
#[derive(Debug)]
pub struct NavCache {
    watch: ChangeWatch,
    kept: Mutex<Option<Kept>>,
}

#[derive(Debug)]
struct Kept {
    nav: SiteNav,
    /// Used until this time (exclusive).
    until: DateTime<Utc>,
}

impl NavCache {
    /// An empty cache that watches `events` from now on.
    pub fn new(events: &PostEvents) -> Self {
        Self {
            watch: ChangeWatch::new(events),
            kept: Mutex::new(None),
        }
    }

    /// The navigation at `now`: the copy when nothing since it was read can have changed it,
    /// else read again (one reader at a time: the others wait for its result instead of all
    /// querying at once).
    ///
    /// # Errors
    /// [`AppError::Internal`] when the database fails (nothing is kept then).
    pub async fn get(&self, db: &Db, now: DateTime<Utc>) -> Result<SiteNav, AppError> {
        let mut kept = self.kept.lock().await;
        if self.watch.changed() {
            *kept = None;
        }
        if let Some(copy) = kept.as_ref().filter(|k| now < k.until) {
            return Ok(copy.nav.clone());
        }
        let (nav, next_scheduled) = read(db, now).await?;
        let until = next_scheduled.map_or(now + MAX_AGE, |at| at.min(now + MAX_AGE));
        *kept = Some(Kept {
            nav: nav.clone(),
            until,
        });
        Ok(nav)
    }
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
