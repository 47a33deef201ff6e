//! Throttles kept in the database, so every server sharing it counts the same: sign-in, sign-up
//! and emailed links (reset, verification).
//!
//! Each throttle is a set of [`Rule`]s ("at most N events of this key in this window"). An
//! attempt first **reserves** an event under every rule, in one transaction that also checks the
//! counts ([`reserve`]); only then does the expensive or abusable work run (a password hash, an
//! email). Parallel attempts therefore cannot all pass the check before any is recorded: the
//! sixth of sixty simultaneous wrong passwords is refused before it is hashed. A reservation is
//! released when the attempt turns out fine (a correct password), and otherwise simply counts
//! until its window passes.
//!
//! Sign-in follows OWASP's Authentication Cheat Sheet ("Account Lockout", "Protect against
//! automated attacks") in the form that hurts the attacker rather than the owner: failures are
//! counted per pair of account and client address (5 in 15 minutes), per client address (20),
//! and per account across all addresses (100, against guessing spread over many addresses). So
//! a client that keeps failing locks out only itself; the owner, from an address that has not
//! failed, still signs in with the right password, unless the account is under attack from more
//! than 20 addresses at once, when even the owner waits (or resets the password, which clears the
//! account's count). Nobody is locked out for good: every window slides.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::ssr::db::throttle_events;
use crate::ssr::db::Db;

/// At most `limit` events of `key` in `scope` within `window`.
#[derive(Debug, Clone)]
pub struct Rule {
    /// What is counted (a fixed name, such as `sign-in-account`).
    pub scope: &'static str,
    /// Whom it is counted for (an email address, a client address, both).
    pub key: String,
    /// Events allowed in the window.
    pub limit: i64,
    /// The sliding window.
    pub window: Duration,
}

/// A limit as it is configured: `count` events per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Events allowed in the window.
    pub count: i64,
    /// The sliding window.
    pub window: Duration,
}

/// Limits of sign-in throttling (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub struct ThrottleSettings {
    /// The sliding window failures are counted in.
    pub window: Duration,
    /// Failures allowed per account from one client address in the window.
    pub per_account_and_address: i64,
    /// Failures allowed per client address (whatever the account) in the window.
    pub per_address: i64,
    /// Failures allowed per account from all addresses together in the window.
    pub per_account: i64,
}

impl Default for ThrottleSettings {
    /// 5 failures per account and address, 20 per address and 100 per account in 15 minutes.
    fn default() -> Self {
        Self {
            window: Duration::from_secs(15 * 60),
            per_account_and_address: 5,
            per_address: 20,
            per_account: 100,
        }
    }
}

/// Events reserved by [`reserve`]: they count until their window passes, unless released.
#[derive(Debug)]
#[must_use = "a reservation counts until it is released or its window passes"]
pub struct Reservation {
    ids: Vec<i64>,
}

impl Reservation {
    /// Takes the reserved events back (the attempt turned out fine, e.g. a correct password).
    ///
    /// # Errors
    /// [`AppError::Internal`] when the database fails.
    pub async fn release(self, db: &Db) -> Result<(), AppError> {
        let mut conn = db.acquire_write().await?;
        throttle_events::delete_ids(conn.conn(), &self.ids).await?;
        Ok(())
    }
}

/// Reserves one event under each of `rules` at `now`, atomically: in one transaction the keys
/// are locked (in a fixed order), the events written and then counted, and nothing is kept when
/// any rule is over its limit.
///
/// # Errors
/// [`AppError::TooManyRequests`] with the seconds until the first rule over its limit lets an
/// attempt through again; [`AppError::Internal`] when the database fails.
pub async fn reserve(db: &Db, rules: &[Rule], now: DateTime<Utc>) -> Result<Reservation, AppError> {
    let mut ordered: Vec<&Rule> = rules.iter().collect();
    ordered.sort_by(|a, b| (a.scope, &a.key).cmp(&(b.scope, &b.key)));
    let mut tx = db.begin().await?;
    for rule in &ordered {
        throttle_events::lock(tx.conn(), rule.scope, &rule.key).await?;
    }
    let mut ids = Vec::with_capacity(ordered.len());
    for rule in &ordered {
        let expires = now + chrono_duration(rule.window);
        ids.push(throttle_events::insert(tx.conn(), rule.scope, &rule.key, now, expires).await?);
    }
    for rule in &ordered {
        let since = now - chrono_duration(rule.window);
        let (count, oldest) =
            throttle_events::count_since(tx.conn(), rule.scope, &rule.key, since).await?;
        if count > rule.limit {
            let free_at = oldest.unwrap_or(now) + chrono_duration(rule.window);
            let retry_after_secs = (free_at - now).num_seconds().max(1) as u64;
            tracing::warn!(scope = rule.scope, retry_after_secs, "throttled");
            return Err(AppError::TooManyRequests { retry_after_secs });
        }
    }
    tx.commit().await?;
    Ok(Reservation { ids })
}

/// The mail-bombing guard of every "email me a link" form (password reset, subscribe): client
/// `address` may ask `client_limit` times (past that, the error), and one `recipient` gets at
/// most [`EMAILS_PER_ADDRESS`] links whoever asks. Returns whether a link may go to
/// `recipient` now; `false` is not an error, so the form answers the same and tells nobody
/// which addresses are known.
///
/// # Errors
/// [`AppError::TooManyRequests`] when this client asked too often; [`AppError::Internal`] when
/// the database fails.
pub async fn reserve_emailed_link(
    db: &Db,
    client_limit: Limit,
    address: &str,
    recipient: &str,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let _asked = reserve(db, &[email_client_rule(client_limit, address)], now).await?;
    match reserve(db, &[email_recipient_rule(recipient)], now).await {
        Ok(_sent) => Ok(true),
        Err(AppError::TooManyRequests { .. }) => Ok(false),
        Err(other) => Err(other),
    }
}

/// Whether one more event under each of `rules` would still be within its limit, without
/// recording anything (for silent limits, such as emails to one address).
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn would_allow(db: &Db, rules: &[Rule], now: DateTime<Utc>) -> Result<bool, AppError> {
    let mut conn = db.acquire().await?;
    for rule in rules {
        let since = now - chrono_duration(rule.window);
        let (count, _) =
            throttle_events::count_since(conn.conn(), rule.scope, &rule.key, since).await?;
        if count >= rule.limit {
            return Ok(false);
        }
    }
    Ok(true)
}

fn chrono_duration(window: Duration) -> chrono::Duration {
    chrono::Duration::from_std(window).unwrap_or(chrono::Duration::days(1))
}

/// Links emailed to one address (password reset, verification): at most 3 an hour, whoever
/// asks, so nobody can flood a mailbox through Folio.
pub const EMAILS_PER_ADDRESS: Limit = Limit {
    count: 3,
    window: Duration::from_secs(3600),
};

/// The scope of emailed links per recipient address.
pub const EMAIL_RECIPIENT: &str = "email-link-recipient";
/// The scope of emailed links asked for per client address.
pub const EMAIL_CLIENT: &str = "email-link-client";

/// The rule for links emailed to `email` (compared in lower case).
pub fn email_recipient_rule(email: &str) -> Rule {
    Rule {
        scope: EMAIL_RECIPIENT,
        key: email.to_lowercase().chars().take(254).collect(),
        limit: EMAILS_PER_ADDRESS.count,
        window: EMAILS_PER_ADDRESS.window,
    }
}

/// The rule for emailed links asked for from client `address` under `limit`.
pub fn email_client_rule(limit: Limit, address: &str) -> Rule {
    Rule {
        scope: EMAIL_CLIENT,
        key: address.to_string(),
        limit: limit.count,
        window: limit.window,
    }
}

/// The scope of failures per account and client address.
pub const SIGN_IN_PAIR: &str = "sign-in-account-address";
/// The scope of failures per client address.
pub const SIGN_IN_ADDRESS: &str = "sign-in-address";
/// The scope of failures per account.
pub const SIGN_IN_ACCOUNT: &str = "sign-in-account";

/// The key of an account and a client address together (the email first: the address, the
/// last part, never holds a line break, so no two pairs share a key).
fn pair_key(account_key: &str, address: &str) -> String {
    format!("{account_key}\n{address}")
}

/// The sign-in rules for `account_key` (the email as typed, lower case) from `address`.
pub fn sign_in_rules(settings: &ThrottleSettings, account_key: &str, address: &str) -> Vec<Rule> {
    vec![
        Rule {
            scope: SIGN_IN_PAIR,
            key: pair_key(account_key, address),
            limit: settings.per_account_and_address,
            window: settings.window,
        },
        Rule {
            scope: SIGN_IN_ADDRESS,
            key: address.to_string(),
            limit: settings.per_address,
            window: settings.window,
        },
        Rule {
            scope: SIGN_IN_ACCOUNT,
            key: account_key.to_string(),
            limit: settings.per_account,
            window: settings.window,
        },
    ]
}

/// Forgets the failures of `account_key` from `address` (after a successful sign-in from there:
/// the owner's own typos are forgiven; other addresses' failures still count).
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn clear_pair(db: &Db, account_key: &str, address: &str) -> Result<(), AppError> {
    let mut conn = db.acquire_write().await?;
    throttle_events::clear(
        conn.conn(),
        SIGN_IN_PAIR,
        &pair_key(account_key, address),
        false,
    )
    .await?;
    Ok(())
}

/// Forgets every failure counted against `account_key` (after its password was reset: whoever
/// was guessing the old one starts again).
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn clear_account(db: &Db, account_key: &str) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    throttle_events::clear(tx.conn(), SIGN_IN_ACCOUNT, account_key, false).await?;
    throttle_events::clear(tx.conn(), SIGN_IN_PAIR, &pair_key(account_key, ""), true).await?;
    tx.commit().await?;
    Ok(())
}

/// The client's address: the socket's peer, or, behind `trusted_proxies` reverse proxies, the
/// address that many hops from the right of `X-Forwarded-For` (the rightmost entries are
/// written by our proxies; anything left of them may be forged by the client).
pub fn client_address(
    peer: Option<SocketAddr>,
    forwarded_for: Option<&str>,
    trusted_proxies: usize,
) -> String {
    if trusted_proxies > 0 {
        if let Some(header) = forwarded_for {
            let hops: Vec<&str> = header
                .split(',')
                .map(str::trim)
                .filter(|h| !h.is_empty())
                .collect();
            if hops.len() >= trusted_proxies {
                if let Ok(ip) = hops[hops.len() - trusted_proxies].parse::<IpAddr>() {
                    return ip.to_string();
                }
            }
        }
    }
    peer.map(|p| p.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_trusted_only_as_far_as_our_proxies() {
        let peer = Some("10.0.0.2:5000".parse().unwrap());
        assert_eq!(client_address(peer, Some("6.6.6.6"), 0), "10.0.0.2");
        assert_eq!(
            client_address(peer, Some("6.6.6.6, 203.0.113.7"), 1),
            "203.0.113.7"
        );
        assert_eq!(
            client_address(peer, Some("6.6.6.6, 203.0.113.7, 10.0.0.9"), 2),
            "203.0.113.7"
        );
        assert_eq!(client_address(peer, Some("junk"), 1), "10.0.0.2");
        assert_eq!(client_address(peer, None, 1), "10.0.0.2");
    }

    #[test]
    fn pairs_of_different_accounts_and_addresses_never_share_a_key() {
        assert_ne!(
            pair_key("a@x.org", "1.2.3.4"),
            pair_key("a@x.org\n1.2.3.4", "")
        );
        assert!(pair_key("a@x.org", "1.2.3.4").starts_with(&pair_key("a@x.org", "")));
        let rules = sign_in_rules(&ThrottleSettings::default(), "a@x.org", "1.2.3.4");
        assert_eq!(
            rules.iter().map(|r| r.limit).collect::<Vec<_>>(),
            vec![5, 20, 100]
        );
    }
}
