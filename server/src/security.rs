//! The security middleware every response passes through (Django's `SecurityMiddleware`,
//! `CsrfViewMiddleware`, `XFrameOptionsMiddleware` and `ALLOWED_HOSTS`, to OWASP's current
//! advice):
//!
//! - **Host allow-list**: a request for a host not in `FOLIO_ALLOWED_HOSTS` gets 400, so
//!   poisoned `Host` headers cannot leak into links (e.g. password-reset emails).
//! - **CSRF** on unsafe methods: `Sec-Fetch-Site` must be `same-origin` (or `none`), `Origin`
//!   when present must be this site, and a plain form navigation (or a request with no `Origin`)
//!   must carry the signed double-submit token (`csrf_token` field or `X-CSRF-Token` header equal
//!   to the `folio_csrf` cookie). OWASP CSRF Prevention Cheat Sheet.
//! - **Headers**: `Content-Security-Policy` with a per-response nonce that Leptos puts on its own
//!   scripts, `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY` (+ `frame-ancestors`),
//!   `Referrer-Policy: same-origin`, `Cross-Origin-Opener-Policy: same-origin`, and
//!   `Strict-Transport-Security` when served over HTTPS.

use std::sync::Arc;

use app::ssr::auth::csrf;
use app::ssr::auth::SecretKey;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The largest form body the CSRF check reads to find the token (larger forms must send the
/// token in the `X-CSRF-Token` header).
pub const MAX_FORM_BODY: usize = 1024 * 1024;

/// What the middleware needs to know.
#[derive(Debug, Clone)]
pub struct SecuritySettings {
    /// Allowed `Host` values (lower case; `.example.org` matches it and its subdomains; `*` any).
    pub allowed_hosts: Arc<[String]>,
    /// `Strict-Transport-Security` max-age; 0 sends none.
    pub hsts_seconds: u64,
    /// Signs and checks CSRF tokens.
    pub secret_key: SecretKey,
    /// With `FOLIO_SSL_REDIRECT`, the `https://` origin (the site URL's) that plain-HTTP
    /// requests are sent to.
    pub ssl_redirect: Option<String>,
    /// Reverse proxies in front (`FOLIO_TRUSTED_PROXIES`): only then is `X-Forwarded-Proto`
    /// believed.
    pub trusted_proxies: usize,
}

/// The CSP nonce of one response, put in the request's extensions for the page renderer.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

/// Why an unsafe request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsrfFailure {
    /// `Sec-Fetch-Site` says another site sent it.
    CrossSiteFetch,
    /// `Origin` is another site (or `null`).
    OriginMismatch,
    /// `Referer` is another site (requests without `Origin`).
    RefererMismatch,
    /// No valid token where one is required.
    MissingOrInvalidToken,
}

impl CsrfFailure {
    fn reason(self) -> &'static str {
        match self {
            Self::CrossSiteFetch => "the request came from another site (Sec-Fetch-Site)",
            Self::OriginMismatch => "the Origin header does not match this site",
            Self::RefererMismatch => "the Referer header does not match this site",
            Self::MissingOrInvalidToken => "the CSRF token is missing or incorrect",
        }
    }
}

/// Whether `host` (from the `Host` header, port removed) is allowed.
pub fn host_allowed(allowed: &[String], host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    allowed.iter().any(|pattern| {
        pattern == "*"
            || *pattern == host
            || (pattern.starts_with('.')
                && (host.ends_with(pattern.as_str()) || host == pattern[1..]))
    })
}

/// The host of a `Host` header value without its port (`[::1]:3000` → `[::1]`).
pub fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        match host.find(']') {
            Some(end) => &host[..=end],
            None => host,
        }
    } else {
        host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        })
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The `host[:port]` of an `Origin` or `Referer` value with scheme `http` or `https`.
fn authority_of(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(rest))
}

/// Checks an unsafe request's provenance before its body is read. Returns whether a token is
/// still required (plain form navigations and requests without `Origin`).
///
/// `Origin` (or, without it, `Referer`) must name this host (the `Host` header, port included);
/// both schemes are accepted because TLS usually ends at a proxy in front of Folio, and HSTS
/// keeps browsers on HTTPS.
///
/// # Errors
/// The [`CsrfFailure`] that refuses it.
pub fn check_provenance(headers: &HeaderMap, host: &str) -> Result<bool, CsrfFailure> {
    if let Some(site) = header(headers, "sec-fetch-site") {
        if !matches!(site, "same-origin" | "none") {
            return Err(CsrfFailure::CrossSiteFetch);
        }
    }
    let same_host = |url: &str| authority_of(url).is_some_and(|a| a.eq_ignore_ascii_case(host));
    match header(headers, "origin") {
        Some(origin) => {
            if !same_host(origin) {
                return Err(CsrfFailure::OriginMismatch);
            }
        }
        None => {
            if let Some(referer) = header(headers, "referer") {
                if !same_host(referer) {
                    return Err(CsrfFailure::RefererMismatch);
                }
            }
            return Ok(true);
        }
    }
    let navigation = header(headers, "sec-fetch-mode") == Some("navigate")
        || header(headers, "accept").is_some_and(|a| a.contains("text/html"));
    Ok(navigation)
}

/// The CSRF token in an `application/x-www-form-urlencoded` body.
fn token_in_form(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == csrf::FIELD_NAME)
        .map(|(_, v)| v.into_owned())
}

fn refuse(status: StatusCode, title: &str, detail: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{detail}</p><p><a href=\"/\">Go to the home page</a></p></body></html>"
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

/// The origin (`scheme://host[:port]`) of a site URL, without its path.
pub fn origin_of(site_url: &str) -> String {
    match url::Url::parse(site_url) {
        Ok(url) => url.origin().ascii_serialization(),
        Err(_) => site_url.trim_end_matches('/').to_string(),
    }
}

/// Whether the request reached the first trusted proxy over HTTPS, by `X-Forwarded-Proto`.
/// Folio itself speaks plain HTTP, so without trusted proxies (`trusted_proxies` 0) nothing
/// is secure and the header, which any client can send, is ignored, as Django's
/// `SECURE_PROXY_SSL_HEADER` asks to be set only behind a proxy that sets it. With several
/// proxies that append (`https, http`), the value written by the outermost trusted one counts,
/// counted from the right as `X-Forwarded-For` is.
pub fn came_over_https(headers: &HeaderMap, trusted_proxies: usize) -> bool {
    if trusted_proxies == 0 {
        return false;
    }
    let Some(value) = header(headers, "x-forwarded-proto") else {
        return false;
    };
    let hops: Vec<&str> = value.split(',').map(str::trim).collect();
    let outermost = hops
        .len()
        .checked_sub(trusted_proxies)
        .map_or(hops[0], |i| hops[i]);
    outermost.eq_ignore_ascii_case("https")
}

/// The middleware (see the module documentation).
pub async fn security_middleware(
    State(settings): State<SecuritySettings>,
    mut request: Request,
    next: Next,
) -> Response {
    let host = header(request.headers(), "host")
        .map(str::to_string)
        .or_else(|| request.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    // The health check names no host in its answer, and orchestrators call it by address.
    let health_check = request.uri().path() == HEALTH_CHECK_PATH;
    if !health_check && !host_allowed(&settings.allowed_hosts, strip_port(&host)) {
        tracing::warn!(host = %host, "request refused: host not in FOLIO_ALLOWED_HOSTS");
        let mut response = refuse(
            StatusCode::BAD_REQUEST,
            "Bad Request (400)",
            "This site is not served at this address.",
        );
        add_headers(&settings, response.headers_mut(), Scripts::None);
        return response;
    }
    // FOLIO_SSL_REDIRECT (Django's SECURE_SSL_REDIRECT): to the same path on the HTTPS site.
    // The health check is exempt, as orchestrators and proxies call it over plain HTTP.
    if let Some(origin) = &settings.ssl_redirect {
        if !health_check && !came_over_https(request.headers(), settings.trusted_proxies) {
            let target = request
                .uri()
                .path_and_query()
                .map_or("/", axum::http::uri::PathAndQuery::as_str);
            let mut response = match HeaderValue::from_str(&format!("{origin}{target}")) {
                Ok(location) => (
                    StatusCode::MOVED_PERMANENTLY,
                    [(header::LOCATION, location)],
                )
                    .into_response(),
                Err(_) => StatusCode::BAD_REQUEST.into_response(),
            };
            add_headers(&settings, response.headers_mut(), Scripts::None);
            return response;
        }
    }
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if unsafe_method
        && !api_without_ambient_credentials(&request)
        && !crate::newsletter::is_one_click_unsubscribe(&request)
    {
        if let Err(failure) = check_csrf(&settings, &host, &mut request).await {
            // The route's pattern, not the path: paths can carry secrets (reset links).
            let route = request
                .extensions()
                .get::<axum::extract::MatchedPath>()
                .map_or(crate::access_log::UNMATCHED, |m| m.as_str());
            tracing::warn!(
                reason = failure.reason(),
                route,
                "request refused: CSRF check failed"
            );
            if request.uri().path().starts_with(API_PREFIX) {
                let mut response =
                    crate::api::error::ApiError::CsrfFailed(failure.reason().to_string())
                        .into_response();
                add_headers(&settings, response.headers_mut(), Scripts::None);
                return response;
            }
            let mut response = refuse(
                StatusCode::FORBIDDEN,
                "Forbidden (403)",
                "CSRF verification failed. The form was sent from another site, or the page was open too long: go back, reload the page and try again.",
            );
            add_headers(&settings, response.headers_mut(), Scripts::None);
            return response;
        }
    }
    let nonce = leptos::nonce::Nonce::new().to_string();
    request.extensions_mut().insert(CspNonce(nonce.clone()));
    let mut response = next.run(request).await;
    // A page from the page cache carries the hashes of its scripts instead (its nonce was
    // another response's).
    let hashes = response
        .extensions()
        .get::<crate::page_cache::ScriptHashes>()
        .cloned();
    let scripts = match &hashes {
        Some(hashes) => Scripts::Hashes(&hashes.0),
        None => Scripts::Nonce(&nonce),
    };
    add_headers(&settings, response.headers_mut(), scripts);
    response
}

/// What `script-src` allows besides the site's own files.
#[derive(Debug, Clone, Copy)]
enum Scripts<'a> {
    /// No script at all (error pages).
    None,
    /// Inline scripts with this response's nonce.
    Nonce(&'a str),
    /// Inline scripts with these `'sha256-…'` hashes (a cached page).
    Hashes(&'a [String]),
}

/// The path of the health check, answered whatever the `Host`.
pub const HEALTH_CHECK_PATH: &str = "/healthz";

/// The REST API's path prefix.
pub const API_PREFIX: &str = "/api/";

/// Whether `request` is an API request that carries no credential a browser sends on its own:
/// an `Authorization: Token` header (the API then ignores the session), or no session cookie at
/// all (the caller is anonymous). CSRF needs ambient credentials, so these are not checked, as
/// DRF checks CSRF only for session-authenticated requests.
fn api_without_ambient_credentials(request: &Request) -> bool {
    if !request.uri().path().starts_with(API_PREFIX) {
        return false;
    }
    if crate::api::auth::has_token_header(request.headers()) {
        return true;
    }
    !request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|h| csrf::cookie_value(h, app::ssr::auth::SESSION_COOKIE).is_some())
}

async fn check_csrf(
    settings: &SecuritySettings,
    host: &str,
    request: &mut Request,
) -> Result<(), CsrfFailure> {
    let token_required = check_provenance(request.headers(), host)?;
    if !token_required {
        return Ok(());
    }
    let cookie = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|h| csrf::cookie_value(h, csrf::COOKIE_NAME).map(str::to_string));
    let mut submitted = header(request.headers(), csrf::HEADER_NAME).map(str::to_string);
    let is_form = header(request.headers(), "content-type")
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if submitted.is_none() && is_form {
        let body = std::mem::replace(request.body_mut(), Body::empty());
        let bytes: Bytes = axum::body::to_bytes(body, MAX_FORM_BODY)
            .await
            .map_err(|_| CsrfFailure::MissingOrInvalidToken)?;
        submitted = token_in_form(&bytes);
        *request.body_mut() = Body::from(bytes);
    }
    if csrf::verify(
        &settings.secret_key,
        cookie.as_deref(),
        submitted.as_deref(),
    ) {
        Ok(())
    } else {
        Err(CsrfFailure::MissingOrInvalidToken)
    }
}

fn add_headers(settings: &SecuritySettings, headers: &mut HeaderMap, scripts: Scripts<'_>) {
    let script_src = match scripts {
        Scripts::Nonce(n) => format!("script-src 'self' 'nonce-{n}' 'wasm-unsafe-eval'"),
        Scripts::Hashes(hashes) => {
            format!("script-src 'self' {} 'wasm-unsafe-eval'", hashes.join(" "))
        }
        Scripts::None => "script-src 'none'".to_string(),
    };
    let csp = format!(
        "default-src 'self'; {script_src}; style-src 'self'; img-src 'self' https: data:; \
         font-src 'self'; connect-src 'self'; media-src 'self' https:; object-src 'none'; \
         frame-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if settings.hsts_seconds > 0 {
        if let Ok(value) = HeaderValue::from_str(&format!(
            "max-age={}; includeSubDomains",
            settings.hsts_seconds
        )) {
            headers.insert(header::STRICT_TRANSPORT_SECURITY, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn hosts_match_exactly_or_as_subdomains() {
        let allowed: Vec<String> = vec!["blog.example.org".into(), ".example.net".into()];
        assert!(host_allowed(&allowed, "blog.example.org"));
        assert!(host_allowed(&allowed, "BLOG.example.org"));
        assert!(host_allowed(&allowed, "example.net"));
        assert!(host_allowed(&allowed, "www.example.net"));
        assert!(!host_allowed(&allowed, "evil.example"));
        assert!(!host_allowed(&allowed, "evilexample.net"));
        assert_eq!(strip_port("[::1]:3000"), "[::1]");
        assert_eq!(strip_port("localhost:3000"), "localhost");
        assert_eq!(strip_port("example.org"), "example.org");
    }

    #[test]
    fn provenance_rules() {
        let host = "blog.example.org";
        // A hydrated page's fetch: same origin, no token needed.
        assert_eq!(
            check_provenance(
                &headers(&[
                    ("origin", "https://blog.example.org"),
                    ("sec-fetch-site", "same-origin"),
                    ("sec-fetch-mode", "cors")
                ]),
                host
            ),
            Ok(false)
        );
        // A plain form post from our page: allowed, but needs the token.
        assert_eq!(
            check_provenance(
                &headers(&[
                    ("origin", "https://blog.example.org"),
                    ("sec-fetch-site", "same-origin"),
                    ("sec-fetch-mode", "navigate")
                ]),
                host
            ),
            Ok(true)
        );
        assert_eq!(
            check_provenance(
                &headers(&[
                    ("origin", "https://evil.example"),
                    ("sec-fetch-site", "cross-site")
                ]),
                host
            ),
            Err(CsrfFailure::CrossSiteFetch)
        );
        assert_eq!(
            check_provenance(&headers(&[("sec-fetch-site", "same-site")]), host),
            Err(CsrfFailure::CrossSiteFetch)
        );
        assert_eq!(
            check_provenance(&headers(&[("origin", "null")]), host),
            Err(CsrfFailure::OriginMismatch)
        );
        assert_eq!(
            check_provenance(
                &headers(&[("origin", "https://blog.example.org:8443")]),
                host
            ),
            Err(CsrfFailure::OriginMismatch)
        );
        assert_eq!(
            check_provenance(
                &headers(&[("referer", "https://blog.example.org.evil.example/x")]),
                host
            ),
            Err(CsrfFailure::RefererMismatch)
        );
        assert_eq!(
            check_provenance(
                &headers(&[("referer", "https://blog.example.org/a/")]),
                host
            ),
            Ok(true)
        );
        assert_eq!(check_provenance(&headers(&[]), host), Ok(true));
    }

    #[test]
    fn the_token_is_found_in_a_form_body() {
        assert_eq!(
            token_in_form(b"a=1&csrf_token=x.y&b=2"),
            Some("x.y".to_string())
        );
        assert_eq!(token_in_form(b"a=1"), None);
    }
}
