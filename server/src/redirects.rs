//! What a 404 turns into: Django's `RedirectFallbackMiddleware` (old URLs from front matter
//! `aliases` and imports answer 301 to the post or page, WordPress attachment pages to their
//! file; WordPress's `/?p=<id>`, `/?page_id=<id>` and `/?attachment_id=<id>`, which are the home
//! page's address with a query, are looked up first), a Django-style unpadded date (`/2024/7/25/slug/`, as
//! Django's `{% url %}` with integer months writes it) answering 301 to the padded address, and
//! `APPEND_SLASH` (a page URL without its trailing slash answers 301 to the URL with it).

use app::ssr::db::redirects::{find_file_target, find_target, normalize_path};
use app::ssr::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Runs the request; when the answer is 404 for a GET or HEAD, looks for a redirect.
pub async fn redirect_on_not_found(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    if is_read && path == "/" {
        if let Some(old) = query.as_deref().and_then(wordpress_id_path) {
            if let Some(target) = lookup(&state, &old).await {
                return permanent_redirect(&target, None);
            }
        }
    }
    let response = next.run(request).await;
    if !is_read || response.status() != StatusCode::NOT_FOUND {
        return response;
    }
    if let Some(old) = normalize_path(&path) {
        if let Some(target) = lookup(&state, &old).await {
            return permanent_redirect(&target, None);
        }
    }
    if let Some(padded) = padded_post_path(&path) {
        return permanent_redirect(&padded, query.as_deref());
    }
    if wants_trailing_slash(&path) {
        return permanent_redirect(&format!("{path}/"), query.as_deref());
    }
    response
}

/// The address an old path redirects to, if any: a public post or page, else a file (an
/// imported attachment page's image). A failed lookup is logged and counts as none.
async fn lookup(state: &AppState, old: &str) -> Option<String> {
    let found = match state.db.acquire().await {
        Ok(mut conn) => match find_target(conn.conn(), old, chrono::Utc::now()).await {
            Ok(None) => find_file_target(conn.conn(), old).await,
            other => other,
        },
        Err(e) => Err(e),
    };
    found.unwrap_or_else(|error| {
        tracing::error!(%error, "redirect lookup failed");
        None
    })
}

/// The stored old path of a WordPress id query (`p=12` → `/?p=12`, `page_id=7` → `/?page_id=7`,
/// `attachment_id=30` → `/?attachment_id=30`), when the query is exactly one of those.
fn wordpress_id_path(query: &str) -> Option<String> {
    let (key, value) = query.split_once('=')?;
    let plain = !value.is_empty() && value.len() <= 20 && value.bytes().all(|b| b.is_ascii_digit());
    (plain && matches!(key, "p" | "page_id" | "attachment_id")).then(|| format!("/?{key}={value}"))
}

/// The canonical address of a post path whose month or day is written without its leading zero
/// (`/2024/7/25/slug/` → `/2024/07/25/slug/`); `None` when `path` is not such a path or is
/// already padded.
fn padded_post_path(path: &str) -> Option<String> {
    let trimmed = path.trim_start_matches('/').trim_end_matches('/');
    let segments: Vec<&str> = trimmed.split('/').collect();
    let [y, m, d, slug] = segments.as_slice() else {
        return None;
    };
    let number = |s: &str, max: usize| {
        (!s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (year, month, day) = (number(y, 4)?, number(m, 2)?, number(d, 2)?);
    if y.len() != 4 || (m.len() == 2 && d.len() == 2) || slug.is_empty() {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(year as i32, month, day)?;
    Some(format!("/{year:04}/{month:02}/{day:02}/{slug}/"))
}

/// Whether `path` is one of Folio's page URLs written without its trailing slash.
fn wants_trailing_slash(path: &str) -> bool {
    if path.ends_with('/') {
        return false;
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match segments.as_slice() {
        ["category" | "author" | "tag", name] => !name.is_empty(),
        [y, m, d, slug] => digits(y, 4) && digits(m, 2) && digits(d, 2) && !slug.is_empty(),
        // A static page's address (`/about` → `/about/`); never a file name.
        [slug] => !slug.is_empty() && !slug.contains('.'),
        _ => false,
    }
}

fn permanent_redirect(location: &str, query: Option<&str>) -> Response {
    let target = match query {
        Some(q) if !q.is_empty() => format!("{location}?{q}"),
        _ => location.to_string(),
    };
    (
        StatusCode::MOVED_PERMANENTLY,
        [(header::LOCATION, target)],
        Body::empty(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wordpress_id_queries_are_recognised_and_nothing_else() {
        assert_eq!(wordpress_id_path("p=12").as_deref(), Some("/?p=12"));
        assert_eq!(
            wordpress_id_path("page_id=7").as_deref(),
            Some("/?page_id=7")
        );
        for other in ["p=", "p=1&x=2", "p=abc", "page=2", "s=rust", "p=1;DROP"] {
            assert_eq!(wordpress_id_path(other), None, "{other}");
        }
    }

    #[test]
    fn unpadded_dates_find_their_padded_address() {
        assert_eq!(
            padded_post_path("/2024/7/25/slug/").as_deref(),
            Some("/2024/07/25/slug/")
        );
        assert_eq!(
            padded_post_path("/2024/12/5/slug").as_deref(),
            Some("/2024/12/05/slug/")
        );
        assert_eq!(
            padded_post_path("/2024/07/25/slug/"),
            None,
            "already padded"
        );
        assert_eq!(padded_post_path("/2024/2/30/slug/"), None, "no such day");
        assert_eq!(padded_post_path("/24/7/5/slug/"), None);
        assert_eq!(padded_post_path("/admin/posts/7/delete/"), None);
    }

    #[test]
    fn trailing_slash_only_for_page_urls() {
        assert!(wants_trailing_slash("/2024/01/02/hello"));
        assert!(wants_trailing_slash("/category/news"));
        assert!(wants_trailing_slash("/author/niko"));
        assert!(!wants_trailing_slash("/2024/01/02/hello/"));
        assert!(!wants_trailing_slash("/pkg/folio.js"));
        assert!(!wants_trailing_slash("/24/01/02/hello"));
        assert!(!wants_trailing_slash("/category/"));
    }
}
