//! Sign-in throttling: after too many failures in a window, per account and per client address,
//! sign-in answers HTTP 429 with `Retry-After` until the oldest failure leaves the window.
//!
//! Failures are kept in the database, so every server sharing it counts the same. Nobody is
//! locked out for good: the window slides, and a successful sign-in clears the account's count
//! (OWASP Authentication Cheat Sheet, "Account Lockout").

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::error::AppError;
use crate::ssr::db::login_failures::{self, FailureScope};
use crate::ssr::db::Db;

/// Limits of sign-in throttling.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleSettings {
    /// The sliding window failures are counted in.
    pub window: Duration,
    /// Failures allowed per account (email) in the window.
    pub per_account: i64,
    /// Failures allowed per client address in the window.
    pub per_address: i64,
}

impl Default for ThrottleSettings {
    /// 5 failures per account and 20 per address in 15 minutes.
    fn default() -> Self {
        Self {
            window: Duration::from_secs(15 * 60),
            per_account: 5,
            per_address: 20,
        }
    }
}

fn window_start(settings: &ThrottleSettings, now: DateTime<Utc>) -> DateTime<Utc> {
    now - chrono::Duration::from_std(settings.window).unwrap_or(chrono::Duration::minutes(15))
}

/// Refuses the attempt when the account or the address used up its failures.
///
/// # Errors
/// [`AppError::TooManyRequests`] with the seconds until the next attempt is allowed;
/// [`AppError::Internal`] when the database fails.
pub async fn check(
    db: &Db,
    settings: &ThrottleSettings,
    account_key: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let since = window_start(settings, now);
    let mut conn = db.acquire().await?;
    for (scope, key, limit) in [
        (FailureScope::Account, account_key, settings.per_account),
        (FailureScope::Address, address, settings.per_address),
    ] {
        let (count, oldest) = login_failures::count_since(conn.conn(), scope, key, since).await?;
        if count >= limit {
            let free_at = oldest.unwrap_or(now) + (now - since);
            let retry_after_secs = (free_at - now).num_seconds().max(1) as u64;
            tracing::warn!(
                scope = scope.as_str(),
                retry_after_secs,
                "sign-in throttled"
            );
            return Err(AppError::TooManyRequests { retry_after_secs });
        }
    }
    Ok(())
}

/// Counts a failed sign-in against the account and the address.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn record_failure(
    db: &Db,
    account_key: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    login_failures::record(tx.conn(), FailureScope::Account, account_key, now).await?;
    login_failures::record(tx.conn(), FailureScope::Address, address, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Forgets the account's failures (after it signed in or reset its password).
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn clear_account(db: &Db, account_key: &str) -> Result<(), AppError> {
    let mut conn = db.acquire_write().await?;
    login_failures::clear(conn.conn(), FailureScope::Account, account_key).await?;
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
}
