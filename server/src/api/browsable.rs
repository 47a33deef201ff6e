//! Content negotiation, DRF's browsable-API idea: JSON by default; a browser that asks for HTML
//! (`Accept: text/html` ahead of JSON) gets the same answer as a readable page, with the JSON
//! pretty-printed and this site's URLs in it as links. `?format=json` and `?format=api` force
//! either, as in DRF. Answers say `Vary: Accept`.

use app::domain::text::escape_markup;
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;

/// The largest JSON answer turned into a page (bigger ones are sent as JSON).
pub const MAX_BROWSABLE_BYTES: usize = 4 * 1024 * 1024;

/// Whether the request prefers HTML over JSON.
pub fn wants_html(headers: &HeaderMap, query: Option<&str>) -> bool {
    let format = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(k, _)| k == "format")
        .map(|(_, v)| v.into_owned());
    match format.as_deref() {
        Some("json") => return false,
        Some("api") => return true,
        _ => {}
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match (accept.find("text/html"), accept.find("application/json")) {
        (Some(html), Some(json)) => html < json,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Escaped pretty JSON with every string that is a URL of this site (`base_url`) as a link.
fn linked_json(pretty: &str, base_url: &str) -> String {
    let escaped = escape_markup(pretty);
    let prefix = format!("&quot;{}", escape_markup(base_url));
    let mut out = String::with_capacity(escaped.len() + 256);
    let mut rest = escaped.as_str();
    while let Some(at) = rest.find(&prefix) {
        let url_start = at + "&quot;".len();
        let Some(len) = rest[url_start..].find("&quot;") else {
            break;
        };
        let url = &rest[url_start..url_start + len];
        out.push_str(&rest[..url_start]);
        out.push_str(&format!("<a href=\"{url}\">{url}</a>"));
        rest = &rest[url_start + len..];
    }
    out.push_str(rest);
    out
}

/// The page for a JSON answer of `status` to `method path`, styled by the site's `stylesheet`
/// (its path under `/pkg/`).
pub fn page(
    method: &Method,
    path: &str,
    status: StatusCode,
    json: &[u8],
    base_url: &str,
    stylesheet: &str,
) -> String {
    let pretty = serde_json::from_slice::<serde_json::Value>(json)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| String::from_utf8_lossy(json).into_owned());
    let reason = status.canonical_reason().unwrap_or("");
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\">\
         <title>{path} · Folio API</title><link rel=\"stylesheet\" href=\"{stylesheet}\"></head>\
         <body><main id=\"main\" class=\"api-browser\"><nav aria-label=\"API\"><a href=\"/api/\">API root</a> · \
         <a href=\"/api/docs/\">Documentation</a> · <a href=\"/api/schema/\">OpenAPI schema</a> · \
         <a href=\"{path}?format=json\">JSON</a></nav>\
         <h1>{method} {path}</h1><p class=\"api-status\">HTTP {code} {reason}</p>\
         <pre><code>{body}</code></pre></main></body></html>",
        path = escape_markup(path),
        stylesheet = escape_markup(stylesheet),
        method = escape_markup(method.as_str()),
        code = status.as_u16(),
        body = linked_json(&pretty, base_url),
    )
}

/// Turns a JSON `response` into its page (others are returned as they are); `stylesheet` as in
/// [`page`].
pub async fn render(
    method: &Method,
    path: &str,
    response: Response,
    base_url: &str,
    stylesheet: &str,
) -> Response {
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_BROWSABLE_BYTES).await else {
        tracing::warn!("answer too large for the browsable page");
        parts.status = StatusCode::INTERNAL_SERVER_ERROR;
        return Response::from_parts(parts, Body::empty());
    };
    let html = page(method, path, parts.status, &bytes, base_url, stylesheet);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(html))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_follows_accept_and_format() {
        let mut headers = HeaderMap::new();
        assert!(!wants_html(&headers, None));
        headers.insert(
            header::ACCEPT,
            "text/html,application/xhtml+xml,*/*;q=0.8".parse().unwrap(),
        );
        assert!(wants_html(&headers, None));
        assert!(!wants_html(&headers, Some("format=json")));
        headers.insert(
            header::ACCEPT,
            "application/json, text/html".parse().unwrap(),
        );
        assert!(!wants_html(&headers, None));
        assert!(wants_html(&headers, Some("page=2&format=api")));
    }

    #[test]
    fn pages_escape_and_link_only_this_site() {
        let json = br#"{"next":"https://b.example/api/posts/?page=2&x=1","title":"<script>alert(1)</script> http://evil.example"}"#;
        let html = page(
            &Method::GET,
            "/api/posts/",
            StatusCode::OK,
            json,
            "https://b.example",
            "/pkg/folio.Css-hash_of_the_style0.css",
        );
        assert!(html.contains("href=\"/pkg/folio.Css-hash_of_the_style0.css\""));
        assert!(html.contains("<a href=\"https://b.example/api/posts/?page=2&amp;x=1\">"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(!html.contains("href=\"http://evil"));
    }
}
