//! Throttling of the reader pages that cost the most to answer: search (the page and its server
//! function) and the sitemaps, which read every public post. Each client address gets
//! `FOLIO_SEARCH_THROTTLE` requests (default 60 a minute, plenty for a person, little for a
//! scraper); past it the answer is 429 with `Retry-After`, as the REST API's throttle answers.
//!
//! The counters are GCRA limiters like the API's ([`crate::rate_limit`]): in the database on
//! PostgreSQL (shared by every process), in memory on SQLite (`FOLIO_THROTTLE_STORE` chooses).

use std::sync::Arc;

use app::ssr::db::Db;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::api::throttle::Rate;
use crate::rate_limit::{KeyedRate, ThrottleStore};

/// Whether `path` is one of the throttled pages.
pub fn is_expensive(path: &str) -> bool {
    path == "/search"
        || path == "/search/"
        || path == "/_fn/search"
        || path == "/sitemap.xml"
        || path.starts_with("/sitemap/")
}

/// The rate and what it needs to find the client's address.
#[derive(Debug, Clone)]
pub struct PageThrottle {
    rate: Arc<KeyedRate>,
    trusted_proxies: usize,
}

impl PageThrottle {
    /// `rate` per client address, found behind `trusted_proxies` proxies, counted in `store`
    /// (`db` is the database for [`ThrottleStore::Database`]).
    pub fn new(rate: Rate, trusted_proxies: usize, store: ThrottleStore, db: &Db) -> Self {
        Self {
            rate: Arc::new(KeyedRate::new("search", rate, store, db)),
            trusted_proxies,
        }
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
    match throttle.rate.check(&address).await {
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
