//! Keyed request rates (GCRA), counted either in this process's memory or in the database that
//! every process shares. The REST API's throttle ([`crate::api::throttle`]) and the search pages'
//! ([`crate::page_throttle`]) count through a [`KeyedRate`].
//!
//! - [`ThrottleStore::Memory`]: the `governor` crate's keyed limiter. No I/O, but each process
//!   counts on its own: behind a load balancer with N processes a client gets up to N times the
//!   rate. The default on SQLite, where a file belongs to one machine and normally one server.
//! - [`ThrottleStore::Database`]: the `rate_limits` table ([`app::ssr::db::rate_limits`]), one
//!   atomic statement per counted request, so every process on the database counts the same. The
//!   default on PostgreSQL, where several processes are the point.
//!
//! Both implement the same algorithm with the same numbers, so a rate means the same in both. If
//! the database cannot be reached the request is let through (and a warning logged): the page or
//! API call would fail on the database anyway, and a throttle that fails closed would turn a
//! database hiccup into refusals of every client.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};

use app::ssr::db::{rate_limits, Db};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, RateLimiter};

use crate::api::throttle::Rate;

/// Where request rates are counted (`FOLIO_THROTTLE_STORE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleStore {
    /// In this process (`memory`).
    Memory,
    /// In the database, shared by every process on it (`database`).
    Database,
}

impl ThrottleStore {
    /// Parses `memory` or `database`.
    ///
    /// # Errors
    /// A message naming the two choices.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "memory" => Ok(Self::Memory),
            "database" => Ok(Self::Database),
            other => Err(format!("'{other}' is not memory or database")),
        }
    }

    /// The default for an engine: the database on PostgreSQL (several processes share it), memory
    /// on SQLite (one process; a write per request would queue on SQLite's one writer).
    pub fn default_for(backend: app::ssr::db::Backend) -> Self {
        match backend {
            app::ssr::db::Backend::Postgres => Self::Database,
            app::ssr::db::Backend::Sqlite => Self::Memory,
        }
    }
}

/// Forget idle keys after this many checks, so memory and the table stay bounded.
const SWEEP_EVERY: u64 = 4096;

/// One rate, counted per key (a client address, a user id) under a scope name that keeps the
/// keys of different throttles apart in the shared table.
#[derive(Debug)]
pub struct KeyedRate {
    scope: &'static str,
    rate: Rate,
    counter: Counter,
    checks: AtomicU64,
}

#[derive(Debug)]
enum Counter {
    Memory(DefaultKeyedRateLimiter<String>),
    Database(Db),
}

impl KeyedRate {
    /// `rate` per key of `scope` (a short name such as `api-anon`), counted in `store`; `db` is
    /// the database for [`ThrottleStore::Database`].
    pub fn new(scope: &'static str, rate: Rate, store: ThrottleStore, db: &Db) -> Self {
        match store {
            ThrottleStore::Memory => Self::in_memory(scope, rate),
            ThrottleStore::Database => {
                Self::with_counter(scope, rate, Counter::Database(db.clone()))
            }
        }
    }

    /// `rate` per key of `scope`, counted in this process only.
    pub fn in_memory(scope: &'static str, rate: Rate) -> Self {
        Self::with_counter(
            scope,
            rate,
            Counter::Memory(RateLimiter::keyed(rate.quota())),
        )
    }

    fn with_counter(scope: &'static str, rate: Rate, counter: Counter) -> Self {
        Self {
            scope,
            rate,
            counter,
            checks: AtomicU64::new(0),
        }
    }

    /// Where this rate is counted.
    pub fn store(&self) -> ThrottleStore {
        match self.counter {
            Counter::Memory(_) => ThrottleStore::Memory,
            Counter::Database(_) => ThrottleStore::Database,
        }
    }

    /// Counts one request of `key`: `Ok` when allowed, else the whole seconds to wait (at
    /// least 1). A refused request is not counted.
    ///
    /// # Errors
    /// The seconds until a request of `key` will be allowed.
    pub async fn check(&self, key: &str) -> Result<(), u64> {
        let sweep = self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1;
        match &self.counter {
            Counter::Memory(limiter) => {
                if sweep {
                    limiter.retain_recent();
                }
                limiter.check_key(&key.to_string()).map_err(|not_until| {
                    let wait = not_until.wait_time_from(DefaultClock::default().now());
                    (wait.as_secs_f64().ceil() as u64).max(1)
                })
            }
            Counter::Database(db) => {
                let now = chrono::Utc::now().timestamp_micros();
                if sweep {
                    let db = db.clone();
                    tokio::spawn(async move {
                        if let Ok(mut conn) = db.acquire_write().await {
                            if let Err(error) = rate_limits::delete_idle(conn.conn(), now).await {
                                tracing::warn!(%error, "could not delete idle request rates");
                            }
                        }
                    });
                }
                let key = format!("{}:{key}", self.scope);
                let (interval, period) = self.micros();
                let outcome = match db.acquire_write().await {
                    Ok(mut conn) => {
                        rate_limits::check(conn.conn(), &key, now, interval, period).await
                    }
                    Err(error) => Err(error),
                };
                match outcome {
                    Ok(None) => Ok(()),
                    Ok(Some(wait)) => Err((wait as u64).div_ceil(1_000_000).max(1)),
                    Err(error) => {
                        tracing::warn!(%error, scope = self.scope, "request rate not counted: the database failed; letting the request through");
                        Ok(())
                    }
                }
            }
        }
    }

    /// The rate's emission interval and period in microseconds, as the in-memory quota has them
    /// (the interval at least 1 µs).
    fn micros(&self) -> (i64, i64) {
        let requests: NonZeroU32 = self.rate.requests;
        let period = i64::try_from(self.rate.period.as_micros()).unwrap_or(i64::MAX);
        let interval = (period / i64::from(requests.get())).max(1);
        (interval, interval * i64::from(requests.get()))
    }
}
