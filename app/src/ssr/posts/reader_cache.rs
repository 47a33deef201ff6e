//! Small in-memory caches of what readers see that costs a query each time: the counts of public
//! posts behind every paginated list (at 100,000 posts, a count is a scan of an index: ~7 ms on
//! SQLite, ~20 ms on PostgreSQL) and search results. Kept exact like the navigation
//! ([`super::nav`]): everything is dropped when a [`ChangeWatch`] sees a change readers see,
//! when the next scheduled post's `published_at` arrives (scheduling is decided at query time,
//! with no event), and after [`MAX_AGE`] at the latest (writes this process does not hear of).
//! A value read while a change arrived is not kept (a generation check). Requests that miss the
//! same key together wait for one load instead of each running the query (a burst of readers of
//! a new search, or of the first page after a change, runs it once).

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};

use super::events::PostEvents;
use super::watch::ChangeWatch;
use crate::ssr::db::posts::public as posts;
use crate::ssr::db::Db;

/// The longest a value is used without being read again from the database.
pub const MAX_AGE: TimeDelta = TimeDelta::seconds(60);

/// A map of values readers see, all dropped together when anything readers see may have
/// changed. Bounded by a number of entries: when full, it starts again empty (the keys are
/// few in practice — one per category, tag, author, popular search — so this is rare).
#[derive(Debug)]
pub struct ReaderCache<K, V> {
    watch: ChangeWatch,
    capacity: usize,
    inner: Mutex<Inner<K, V>>,
    /// One gate per key being loaded: who misses a key waits at its gate, then looks again.
    loads: Mutex<HashMap<K, Arc<tokio::sync::Mutex<()>>>>,
}

#[derive(Debug)]
struct Inner<K, V> {
    map: HashMap<K, V>,
    /// Bumped whenever the map is dropped.
    generation: u64,
    /// The map is dropped at this time; `None` until the first value after a drop is kept.
    until: Option<DateTime<Utc>>,
}

impl<K: Hash + Eq + Clone, V: Clone> ReaderCache<K, V> {
    /// An empty cache of at most `capacity` values that watches `events` from now on.
    pub fn new(events: &PostEvents, capacity: usize) -> Self {
        Self {
            watch: ChangeWatch::new(events),
            capacity,
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                generation: 0,
                until: None,
            }),
            loads: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner<K, V>> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn gates(&self) -> std::sync::MutexGuard<'_, HashMap<K, Arc<tokio::sync::Mutex<()>>>> {
        self.loads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Drops everything if something changed or the time has come; returns the generation.
    fn refresh(&self, inner: &mut Inner<K, V>, now: DateTime<Utc>) -> u64 {
        let expired = inner.until.is_some_and(|until| now >= until);
        if self.watch.changed() || expired {
            inner.map.clear();
            inner.until = None;
            inner.generation += 1;
        }
        inner.generation
    }

    /// The value of `key` at `now`: the kept one when nothing since it was read can have changed
    /// it, else what `load` returns, which is then kept (unless a change arrived meanwhile).
    ///
    /// # Errors
    /// `load`'s error, or the database's error reading the next scheduled time (nothing is
    /// kept then).
    pub async fn get_or_load<E, F, Fut>(
        &self,
        db: &Db,
        key: K,
        now: DateTime<Utc>,
        load: F,
    ) -> Result<V, E>
    where
        E: From<sqlx::Error>,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        if let Ok(value) = self.kept(&key, now) {
            return Ok(value);
        }
        let gate = self.gates().entry(key.clone()).or_default().clone();
        let turn = gate.lock().await;
        // Whoever held the gate before may have kept the value meanwhile.
        let (generation, needs_until) = match self.kept(&key, now) {
            Ok(value) => return Ok(value),
            Err(missing) => missing,
        };
        let loaded = async {
            let value = load().await?;
            let until = if needs_until {
                let mut conn = db.acquire().await?;
                let next = posts::next_scheduled(conn.conn(), now).await?;
                Some(next.map_or(now + MAX_AGE, |at| at.min(now + MAX_AGE)))
            } else {
                None
            };
            let mut inner = self.lock();
            if self.refresh(&mut inner, now) == generation {
                if inner.map.len() >= self.capacity {
                    inner.map.clear();
                }
                if let Some(until) = until {
                    inner.until = Some(inner.until.map_or(until, |u| u.min(until)));
                }
                if inner.until.is_some() {
                    inner.map.insert(key.clone(), value.clone());
                }
            }
            Ok::<V, E>(value)
        }
        .await;
        self.gates().remove(&key);
        drop(turn);
        loaded
    }

    /// The kept value of `key` at `now`, or the generation and whether the drop time is unknown
    /// (what a load needs to keep its value).
    fn kept(&self, key: &K, now: DateTime<Utc>) -> Result<V, (u64, bool)> {
        let mut inner = self.lock();
        let generation = self.refresh(&mut inner, now);
        match inner.map.get(key) {
            Some(value) => Ok(value.clone()),
            None => Err((generation, inner.until.is_none())),
        }
    }

    /// How many values are kept (for tests and metrics).
    pub fn len(&self) -> usize {
        self.lock().map.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
