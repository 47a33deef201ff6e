//! Request throttling of the REST API (DRF's `AnonRateThrottle` and `UserRateThrottle`):
//! anonymous callers are counted per client address, signed-in callers per user, each against
//! its own rate; over the rate the answer is 429 with `Retry-After`.
//!
//! The counters are GCRA limiters ([`crate::rate_limit`]), which let a full rate through in a
//! burst and then refill evenly, as DRF's sliding window does. They are kept in the database on
//! PostgreSQL, so every server behind a load balancer counts the same, and in memory on SQLite
//! (`FOLIO_THROTTLE_STORE` chooses).

use std::num::NonZeroU32;
use std::time::Duration;

use app::ssr::db::Db;
use governor::Quota;

use crate::rate_limit::{KeyedRate, ThrottleStore};

/// A rate such as DRF's `"60/minute"`: `requests` per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Requests allowed per period (also the burst).
    pub requests: NonZeroU32,
    /// The period.
    pub period: Duration,
}

impl Rate {
    /// Parses `<n>/<period>` where the period is DRF's: a word starting with `s`, `m`, `h` or
    /// `d` (second, minute, hour, day).
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (n, period) = text
            .split_once('/')
            .ok_or_else(|| format!("'{text}' is not a rate like 60/minute"))?;
        let requests: NonZeroU32 = n
            .trim()
            .parse()
            .map_err(|_| format!("'{n}' is not a number of requests above 0"))?;
        let seconds = match period.trim().chars().next() {
            Some('s') => 1,
            Some('m') => 60,
            Some('h') => 3600,
            Some('d') => 86_400,
            _ => return Err(format!("'{period}' is not second, minute, hour or day")),
        };
        Ok(Self {
            requests,
            period: Duration::from_secs(seconds),
        })
    }

    /// The GCRA quota of this rate: the whole rate as a burst, refilled evenly over the period.
    pub fn quota(self) -> Quota {
        let per_request = self.period / self.requests.get();
        Quota::with_period(per_request.max(Duration::from_nanos(1)))
            .expect("a period above zero")
            .allow_burst(self.requests)
    }
}

/// Who a request is counted against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ThrottleKey {
    /// A signed-in user (by id).
    User(i64),
    /// An anonymous client (by address).
    Address(String),
}

/// The API's two rates: per anonymous client address and per signed-in user.
#[derive(Debug)]
pub struct ApiThrottle {
    anonymous: KeyedRate,
    users: KeyedRate,
}

impl ApiThrottle {
    /// The rates for `anonymous` callers and signed-in `users`, counted in `store` (`db` is the
    /// database for [`ThrottleStore::Database`]).
    pub fn new(anonymous: Rate, users: Rate, store: ThrottleStore, db: &Db) -> Self {
        Self {
            anonymous: KeyedRate::new("api-anon", anonymous, store, db),
            users: KeyedRate::new("api-user", users, store, db),
        }
    }

    /// Both rates counted in this process only.
    pub fn in_memory(anonymous: Rate, users: Rate) -> Self {
        Self {
            anonymous: KeyedRate::in_memory("api-anon", anonymous),
            users: KeyedRate::in_memory("api-user", users),
        }
    }

    /// Counts one request against `key`: `Ok` when allowed, else the whole seconds to wait
    /// (at least 1).
    ///
    /// # Errors
    /// The seconds until a request of `key` will be allowed.
    pub async fn check(&self, key: &ThrottleKey) -> Result<(), u64> {
        match key {
            ThrottleKey::User(id) => self.users.check(&id.to_string()).await,
            ThrottleKey::Address(address) => self.anonymous.check(address).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_as_drf_writes_them() {
        let rate = Rate::parse("60/minute").unwrap();
        assert_eq!((rate.requests.get(), rate.period.as_secs()), (60, 60));
        assert_eq!(Rate::parse("5/s").unwrap().period.as_secs(), 1);
        assert_eq!(Rate::parse("1000/day").unwrap().period.as_secs(), 86_400);
        assert!(Rate::parse("0/minute").is_err());
        assert!(Rate::parse("60").is_err());
        assert!(Rate::parse("60/fortnight").is_err());
    }

    #[tokio::test]
    async fn a_burst_of_the_rate_passes_then_the_wait_is_reported() {
        let throttle = ApiThrottle::in_memory(
            Rate::parse("3/minute").unwrap(),
            Rate::parse("5/minute").unwrap(),
        );
        let anon = ThrottleKey::Address("203.0.113.7".into());
        for _ in 0..3 {
            assert_eq!(throttle.check(&anon).await, Ok(()));
        }
        let wait = throttle.check(&anon).await.unwrap_err();
        assert!((1..=20).contains(&wait), "{wait}");
        // Other keys and users have their own counts.
        assert_eq!(
            throttle
                .check(&ThrottleKey::Address("198.51.100.1".into()))
                .await,
            Ok(())
        );
        for _ in 0..5 {
            assert_eq!(throttle.check(&ThrottleKey::User(1)).await, Ok(()));
        }
        assert!(throttle.check(&ThrottleKey::User(1)).await.is_err());
    }
}
