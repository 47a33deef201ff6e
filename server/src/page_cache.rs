//! The page cache: anonymous readers' pages (home and its pages, posts, static pages, category,
//! tag and author archives, feeds, sitemap, robots.txt) kept rendered and compressed in memory,
//! so a hit does no rendering, no database query and no compression.
//!
//! - **What is cached**: `GET`/`HEAD` without a session cookie, outside the admin, the API, the
//!   server functions, account pages, search and static files; responses 200, 301 or 404 that
//!   set no cookie and do not say `Cache-Control: private`/`no-store`. Keyed by path and the query
//!   with its parameters sorted (`?b=2&a=1` is `?a=1&b=2`). Bounded by bytes
//!   ([`PageCacheSettings::max_bytes`], moka's weigher).
//! - **Stored** as received plus brotli and gzip; served in the encoding the client accepts, with
//!   a weak `ETag` (a matching `If-None-Match` gets 304), `Cache-Control: public, max-age=0,
//!   must-revalidate, s-maxage=N` (browsers revalidate every time, which costs a 304; a CDN in
//!   front may keep a page N seconds; `Vary: Cookie` keeps signed-in readers out of shared
//!   copies) and `X-Cache: hit|miss`.
//! - **Invalidation is immediate**: every request first asks its [`ChangeWatch`] whether a post
//!   that was or is published changed, or the site's other content did (a category renamed, a
//!   comment approved); if so the whole cache is dropped (every page shows the categories' post
//!   counts, so a publication changes every page). A page rendered while a change arrived is not
//!   stored. A page is also kept no later than the next scheduled post's `published_at`
//!   (scheduling is decided when pages are read, with no event), and no longer than
//!   [`PageCacheSettings::max_age`] (the safety net). Other processes' writes on the same
//!   PostgreSQL arrive as changes too (see [`crate::cluster`]).
//! - **CSP**: a page's inline scripts carry the nonce of the response that rendered it. A cached
//!   page must not replay that nonce to everyone, so a page served from the cache is allowed its
//!   inline scripts by hash: the response carries [`ScriptHashes`], and the security middleware
//!   puts them in `script-src` instead of a nonce (CSP Level 3, hash-source). The response that
//!   rendered the page keeps its own nonce.
//! - **Views**: a post page served from the cache still counts a view (the rendered page names
//!   its post in [`VIEWED_POST_HEADER`], which the cache removes).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use app::ssr::db::Db;
use app::ssr::posts::views::{ViewCounter, VIEWED_POST_HEADER};
use app::ssr::posts::watch::ChangeWatch;
use app::ssr::posts::PostEvents;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

/// The response header that says whether the cache answered.
pub const X_CACHE: &str = "x-cache";

/// Largest page kept (bigger ones are served, not stored), in bytes uncompressed.
pub const MAX_PAGE_BYTES: usize = 8 * 1024 * 1024;

/// Paths never cached (prefixes): what only makes sense per visitor, or is not a page.
const NOT_CACHED: &[&str] = &[
    "/_fn/",
    "/api/",
    "/admin",
    "/accounts/",
    // Subscribe, confirm and unsubscribe pages carry a form with the visitor's CSRF token.
    "/newsletter/",
    "/editor",
    "/search",
    "/pkg/",
    "/media/",
    "/healthz",
];

/// How the page cache is sized and how long a page may be kept.
#[derive(Debug, Clone, Copy)]
pub struct PageCacheSettings {
    /// The most bytes kept (the three encodings of every page together); 0 turns the cache off.
    pub max_bytes: u64,
    /// The longest a page is kept when no change is heard of.
    pub max_age: Duration,
    /// The `s-maxage` of `Cache-Control` on cached pages: how long a shared cache in front (a
    /// CDN) may serve a page without asking (browsers always revalidate: `max-age=0`).
    pub shared_max_age: Duration,
}

/// The SHA-256 hash sources (`'sha256-…'`) of a cached page's inline scripts, put on its
/// response for the security middleware's `script-src`.
#[derive(Debug, Clone)]
pub struct ScriptHashes(pub Arc<[String]>);

/// A page as kept.
#[derive(Debug)]
struct Page {
    status: StatusCode,
    /// The headers to replay (content type, location, …).
    headers: HeaderMap,
    identity: Bytes,
    brotli: Bytes,
    gzip: Bytes,
    etag: HeaderValue,
    scripts: ScriptHashes,
    /// The post the page shows, whose view count each serving adds one to.
    viewed_post: Option<i64>,
    /// Served until this time (exclusive).
    until: DateTime<Utc>,
}

impl Page {
    fn weight(&self) -> u32 {
        let bytes = self.identity.len() + self.brotli.len() + self.gzip.len() + 512;
        u32::try_from(bytes).unwrap_or(u32::MAX)
    }
}

/// The cache; cheap to clone (one per server, shared by every request).
#[derive(Clone)]
pub struct PageCache {
    inner: Arc<Inner>,
}

struct Inner {
    pages: moka::sync::Cache<String, Arc<Page>>,
    watch: ChangeWatch,
    /// Bumped whenever the cache is dropped: a page rendered across a bump is not stored.
    generation: AtomicU64,
    /// The next scheduled post's `published_at` as last read (`Some(None)`: nothing is
    /// scheduled; `None`: read it again).
    next_scheduled: Mutex<Option<Option<DateTime<Utc>>>>,
    db: Db,
    views: Arc<ViewCounter>,
    settings: PageCacheSettings,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache")
            .field("pages", &self.inner.pages.entry_count())
            .field("settings", &self.inner.settings)
            .finish()
    }
}

impl PageCache {
    /// An empty cache over `db`, dropped by the changes sent on `events`; pages served from it
    /// count their post's views in `views`.
    pub fn new(
        db: Db,
        events: &PostEvents,
        views: Arc<ViewCounter>,
        settings: PageCacheSettings,
    ) -> Self {
        let pages = moka::sync::Cache::builder()
            .max_capacity(settings.max_bytes)
            .weigher(|_key: &String, page: &Arc<Page>| page.weight())
            .build();
        Self {
            inner: Arc::new(Inner {
                pages,
                watch: ChangeWatch::new(events),
                generation: AtomicU64::new(0),
                next_scheduled: Mutex::new(None),
                db,
                views,
                settings,
            }),
        }
    }

    /// Drops every page if something readers see changed since the last request.
    fn catch_up(&self) {
        if self.inner.watch.changed() {
            self.drop_all();
        }
    }

    fn drop_all(&self) {
        self.inner.generation.fetch_add(1, Ordering::AcqRel);
        *self.lock_schedule() = None;
        self.inner.pages.invalidate_all();
    }

    fn lock_schedule(&self) -> std::sync::MutexGuard<'_, Option<Option<DateTime<Utc>>>> {
        self.inner
            .next_scheduled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Until when a page rendered at `now` may be served.
    async fn served_until(&self, now: DateTime<Utc>) -> Result<DateTime<Utc>, sqlx::Error> {
        let known = *self.lock_schedule();
        let next = match known {
            Some(next) if next.is_none_or(|at| at > now) => next,
            _ => {
                let mut conn = self.inner.db.acquire().await?;
                let next = app::ssr::db::posts::public::next_scheduled(conn.conn(), now).await?;
                *self.lock_schedule() = Some(next);
                next
            }
        };
        let ttl = chrono::TimeDelta::from_std(self.inner.settings.max_age)
            .unwrap_or(chrono::TimeDelta::MAX);
        let limit = now
            .checked_add_signed(ttl)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        Ok(next.map_or(limit, |at| at.min(limit)))
    }
}

/// The middleware: answers cacheable requests from the cache, or renders and keeps them.
pub async fn serve_cached(
    State(cache): State<PageCache>,
    request: Request,
    next: Next,
) -> Response {
    if cache.inner.settings.max_bytes == 0 || !cacheable_request(&request) {
        let mut response = next.run(request).await;
        response.headers_mut().remove(VIEWED_POST_HEADER);
        return response;
    }
    cache.catch_up();
    let key = cache_key(&request);
    let now = Utc::now();
    let encoding = Encoding::accepted(request.headers());
    let head = request.method() == Method::HEAD;
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    if let Some(page) = cache.inner.pages.get(&key) {
        if now < page.until {
            if let Some(post) = page.viewed_post {
                cache.inner.views.record(post);
            }
            return answer(&page, encoding, if_none_match.as_ref(), head, "hit", &cache);
        }
        cache.inner.pages.invalidate(&key);
    }
    let generation = cache.inner.generation.load(Ordering::Acquire);
    let mut response = next.run(request).await;
    let viewed_post = response
        .headers_mut()
        .remove(VIEWED_POST_HEADER)
        .and_then(|v| v.to_str().ok()?.parse::<i64>().ok());
    if !cacheable_response(&response) {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::warn!(%error, "a page's body failed while it was being cached");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    if bytes.len() > MAX_PAGE_BYTES {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let until = match cache.served_until(now).await {
        Ok(until) => until,
        Err(error) => {
            tracing::warn!(%error, "the next scheduled time could not be read; page not cached");
            return Response::from_parts(parts, Body::from(bytes));
        }
    };
    let mut page = keep(parts.status, &parts.headers, bytes, until);
    page.viewed_post = viewed_post;
    let page = Arc::new(page);
    // Not stored if a change arrived while it was being rendered (it may show the old state).
    cache.catch_up();
    if cache.inner.generation.load(Ordering::Acquire) == generation {
        cache.inner.pages.insert(key, page.clone());
    }
    answer(
        &page,
        encoding,
        if_none_match.as_ref(),
        head,
        "miss",
        &cache,
    )
}

/// Whether the request may be answered from the cache: an anonymous GET or HEAD of a reader
/// page.
fn cacheable_request(request: &Request) -> bool {
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return false;
    }
    let path = request.uri().path();
    if NOT_CACHED.iter().any(|prefix| path.starts_with(prefix)) {
        return false;
    }
    !request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|h| {
            h.split(';')
                .filter_map(|pair| pair.split_once('='))
                .any(|(name, _)| name.trim() == app::ssr::auth::SESSION_COOKIE)
        })
}

/// Whether a rendered response may be kept: 200, 301 or 404, no cookie set, not private.
fn cacheable_response(response: &Response) -> bool {
    if !matches!(
        response.status(),
        StatusCode::OK | StatusCode::MOVED_PERMANENTLY | StatusCode::NOT_FOUND
    ) {
        return false;
    }
    let headers = response.headers();
    if headers.contains_key(header::SET_COOKIE) || headers.contains_key(header::CONTENT_ENCODING) {
        return false;
    }
    !headers
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("private") || v.contains("no-store"))
}

/// The cache key: the path and the query with its parameters sorted.
fn cache_key(request: &Request) -> String {
    let uri = request.uri();
    let mut key = uri.path().to_string();
    if let Some(query) = uri.query().filter(|q| !q.is_empty()) {
        let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
        pairs.sort_unstable();
        key.push('?');
        key.push_str(&pairs.join("&"));
    }
    key
}

/// Builds the kept page: the headers worth replaying, the three encodings, the ETag and the
/// inline scripts' hashes.
fn keep(status: StatusCode, headers: &HeaderMap, identity: Bytes, until: DateTime<Utc>) -> Page {
    let mut kept = HeaderMap::new();
    for name in [
        header::CONTENT_TYPE,
        header::LOCATION,
        header::CONTENT_LANGUAGE,
        header::LINK,
    ] {
        for value in headers.get_all(&name) {
            kept.append(name.clone(), value.clone());
        }
    }
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&identity);
    let etag = format!(
        "W/\"{}\"",
        digest[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let scripts = if is_html {
        inline_script_hashes(&identity)
    } else {
        Vec::new()
    };
    Page {
        status,
        headers: kept,
        brotli: compress_brotli(&identity),
        gzip: compress_gzip(&identity),
        identity,
        etag: HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("W/\"0\"")),
        scripts: ScriptHashes(scripts.into()),
        viewed_post: None,
        until,
    }
}

/// The response for a kept page in `encoding` (304 when `if_none_match` names its ETag).
fn answer(
    page: &Page,
    encoding: Encoding,
    if_none_match: Option<&HeaderValue>,
    head: bool,
    outcome: &'static str,
    cache: &PageCache,
) -> Response {
    let not_modified = if_none_match
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| etag_matches(tags, &page.etag));
    let (status, body) = if not_modified {
        (StatusCode::NOT_MODIFIED, Bytes::new())
    } else {
        let body = match encoding {
            Encoding::Brotli => page.brotli.clone(),
            Encoding::Gzip => page.gzip.clone(),
            Encoding::Identity => page.identity.clone(),
        };
        (page.status, body)
    };
    let length = body.len();
    let mut response = Response::new(if head {
        Body::empty()
    } else {
        Body::from(body)
    });
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if !not_modified {
        headers.extend(page.headers.clone());
        if let Some(name) = encoding.name() {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
        }
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    }
    headers.insert(header::ETAG, page.etag.clone());
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Cookie"),
    );
    let shared = cache.inner.settings.shared_max_age.as_secs();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "public, max-age=0, must-revalidate, s-maxage={shared}"
    )) {
        headers.insert(header::CACHE_CONTROL, value);
    }
    headers.insert(X_CACHE, HeaderValue::from_static(outcome));
    if outcome == "hit" {
        // Rendered for another response: its scripts carry that response's nonce.
        response.extensions_mut().insert(page.scripts.clone());
    }
    response
}

/// Whether an `If-None-Match` list names `etag` (weak comparison, RFC 9110 §13.1.2).
fn etag_matches(list: &str, etag: &HeaderValue) -> bool {
    let Ok(ours) = etag.to_str() else {
        return false;
    };
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_string();
    list.split(',')
        .any(|tag| tag.trim() == "*" || opaque(tag) == opaque(ours))
}

/// A response body encoding the cache keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The best encoding `Accept-Encoding` allows (a `q=0` refuses one).
    fn accepted(headers: &HeaderMap) -> Self {
        let mut brotli = false;
        let mut gzip = false;
        for value in headers
            .get_all(header::ACCEPT_ENCODING)
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            for item in value.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
                let refused = parts.any(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|q| q.trim().parse::<f32>().ok())
                        .is_some_and(|q| q <= 0.0)
                });
                if refused {
                    continue;
                }
                match name.as_str() {
                    "br" => brotli = true,
                    "gzip" | "x-gzip" => gzip = true,
                    _ => {}
                }
            }
        }
        if brotli {
            Self::Brotli
        } else if gzip {
            Self::Gzip
        } else {
            Self::Identity
        }
    }

    fn name(self) -> Option<&'static str> {
        match self {
            Self::Brotli => Some("br"),
            Self::Gzip => Some("gzip"),
            Self::Identity => None,
        }
    }
}

/// Brotli at quality 6: about as small as gzip -9 takes, at a few milliseconds per page.
fn compress_brotli(bytes: &[u8]) -> Bytes {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 6,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(bytes.len() / 4);
    let mut input = bytes;
    match brotli::BrotliCompress(&mut input, &mut out, &params) {
        Ok(_) => Bytes::from(out),
        Err(_) => Bytes::copy_from_slice(bytes),
    }
}

fn compress_gzip(bytes: &[u8]) -> Bytes {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::default(),
    );
    match encoder.write_all(bytes).and_then(|()| encoder.finish()) {
        Ok(out) => Bytes::from(out),
        Err(_) => Bytes::copy_from_slice(bytes),
    }
}

/// The `'sha256-…'` sources of the inline scripts (`<script>` without `src`) in `html`, as
/// CSP hashes them: the element's text exactly as it is in the document.
fn inline_script_hashes(html: &[u8]) -> Vec<String> {
    use base64::Engine;
    let text = String::from_utf8_lossy(html);
    let lower = text.to_ascii_lowercase();
    let mut hashes = Vec::new();
    let mut at = 0;
    while let Some(start) = lower[at..].find("<script").map(|i| at + i) {
        let Some(open_end) = lower[start..].find('>').map(|i| start + i) else {
            break;
        };
        let Some(close) = lower[open_end..].find("</script").map(|i| open_end + i) else {
            break;
        };
        let attributes = &lower[start + "<script".len()..open_end];
        let external = attributes.split_whitespace().any(|a| a.starts_with("src="));
        if !external {
            let body = &text.as_bytes()[open_end + 1..close];
            let digest = <sha2::Sha256 as sha2::Digest>::digest(body);
            let source = format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            );
            if !hashes.contains(&source) {
                hashes.push(source);
            }
        }
        at = close + "</script".len();
    }
    hashes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_hashed_and_external_ones_are_not() {
        let html = br#"<html><script src="/pkg/folio.js"></script><script type="module" nonce="abc">import('/pkg/folio.js')</script><SCRIPT>x()</SCRIPT></html>"#;
        let hashes = inline_script_hashes(html);
        assert_eq!(hashes.len(), 2);
        use base64::Engine;
        let expected = base64::engine::general_purpose::STANDARD.encode(
            <sha2::Sha256 as sha2::Digest>::digest(b"import('/pkg/folio.js')"),
        );
        assert_eq!(hashes[0], format!("'sha256-{expected}'"));
    }

    #[test]
    fn the_accepted_encoding_respects_q_zero() {
        let with = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(v));
            Encoding::accepted(&h)
        };
        assert_eq!(with("gzip, deflate, br"), Encoding::Brotli);
        assert_eq!(with("gzip, br;q=0"), Encoding::Gzip);
        assert_eq!(with("identity"), Encoding::Identity);
        assert_eq!(Encoding::accepted(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn etags_match_weakly_and_by_star() {
        let ours = HeaderValue::from_static("W/\"abc\"");
        assert!(etag_matches("\"abc\"", &ours));
        assert!(etag_matches("W/\"x\", W/\"abc\"", &ours));
        assert!(etag_matches("*", &ours));
        assert!(!etag_matches("\"abd\"", &ours));
    }

    #[test]
    fn keys_sort_the_query() {
        let request = Request::builder()
            .uri("/tag/rust/?page=2&a=1")
            .body(Body::empty())
            .unwrap();
        assert_eq!(cache_key(&request), "/tag/rust/?a=1&page=2");
    }
}
