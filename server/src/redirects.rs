//! What a 404 turns into: Django's `RedirectFallbackMiddleware` (old URLs from front matter
//! `aliases` answer 301 to the post) and `APPEND_SLASH` (a page URL without its trailing slash
//! answers 301 to the URL with it).

use app::ssr::db::redirects::{find_target, normalize_path};
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
    let response = next.run(request).await;
    if !is_read || response.status() != StatusCode::NOT_FOUND {
        return response;
    }
    if let Some(old) = normalize_path(&path) {
        let found = match state.db.acquire().await {
            Ok(mut conn) => find_target(conn.conn(), &old, chrono::Utc::now()).await,
            Err(e) => Err(e),
        };
        match found {
            Ok(Some((published_at, slug))) => {
                return permanent_redirect(
                    &app::domain::text::post_path(published_at, &slug),
                    None,
                );
            }
            Ok(None) => {}
            Err(error) => tracing::error!(%error, "redirect lookup failed"),
        }
    }
    if wants_trailing_slash(&path) {
        return permanent_redirect(&format!("{path}/"), query.as_deref());
    }
    response
}

/// Whether `path` is one of Folio's page URLs written without its trailing slash.
fn wants_trailing_slash(path: &str) -> bool {
    if path.ends_with('/') {
        return false;
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match segments.as_slice() {
        ["category" | "author", name] => !name.is_empty(),
        [y, m, d, slug] => digits(y, 4) && digits(m, 2) && digits(d, 2) && !slug.is_empty(),
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
