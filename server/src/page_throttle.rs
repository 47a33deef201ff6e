//! Throttling of the reader pages that cost the most to answer: search (the page and its server
//! function) and the sitemaps, which read every public post. Each client address gets
//! `FOLIO_SEARCH_THROTTLE` requests (default 60 a minute, plenty for a person, little for a
//! scraper); past it the answer is 429 with `Retry-After`, as the REST API's throttle answers.
//!
//! The counters are the `governor` crate's keyed GCRA limiters in this process, like the API's.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, RateLimiter};

use crate::api::throttle::Rate;

/// Whether `path` is one of the throttled pages.
pub fn is_expensive(path: &str) -> bool {
    path == "/search"
        || path == "/search/"
        || path == "/_fn/search"
        || path == "/sitemap.xml"
        || path.starts_with("/sitemap/")
}

/// The limiter and what it needs to find the client's address.
#[derive(Debug, Clone)]
pub struct PageThrottle {
    limiter: Arc<DefaultKeyedRateLimiter<String>>,
    checks: Arc<AtomicU64>,
    trusted_proxies: usize,
}

/// Forget idle addresses after this many checks, so memory stays bounded.
const SWEEP_EVERY: u64 = 4096;

impl PageThrottle {
    /// `rate` per client address, found behind `trusted_proxies` proxies.
    pub fn new(rate: Rate, trusted_proxies: usize) -> Self {
        Self {
            limiter: Arc::new(RateLimiter::keyed(rate.quota())),
            checks: Arc::new(AtomicU64::new(0)),
            trusted_proxies,
        }
    }

    /// Counts one request of `address`: `Ok` when allowed, else the whole seconds to wait.
    fn check(&self, address: String) -> Result<(), u64> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&address).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            (wait.as_secs_f64().ceil() as u64).max(1)
        })
    }
}

/// The middleware: counts requests for the pages of [`is_expensive`] and answers 429 past the
/// rate; every other request passes untouched.
pub async fn throttle_expensive_pages(
    State(throttle): State<PageThrottle>,
    request: Request,
    next: Next,
) -> Response {
    if !is_expensive(request.uri().path()) {
        return next.run(request).await;
    }
    let peer = request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0);
    let forwarded = request
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    let address =
        app::ssr::auth::throttle::client_address(peer, forwarded, throttle.trusted_proxies);
    match throttle.check(address) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            tracing::warn!(retry_after_secs = wait, "page request throttled");
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("Too many requests. Please try again in {wait} seconds.\n"),
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(wait));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_and_sitemaps_are_expensive_other_pages_are_not() {
        for path in ["/search", "/_fn/search", "/sitemap.xml", "/sitemap/2.xml"] {
            assert!(is_expensive(path), "{path}");
        }
        for path in [
            "/",
            "/feed.xml",
            "/api/posts/",
            "/_fn/posts",
            "/searchlight",
        ] {
            assert!(!is_expensive(path), "{path}");
        }
    }
}
