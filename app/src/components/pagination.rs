//! Previous / next links for a paged list, keeping the other query parameters.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::domain::pagination::PageInfo;

/// Builds the link to page `number` of `base` with the extra query pairs `keep` (already
/// percent-encoded values are not expected: values are encoded here).
pub fn page_href(base: &str, keep: &[(&str, String)], number: i64) -> String {
    let mut pairs: Vec<String> = keep
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode_query_value(v)))
        .collect();
    if number > 1 {
        pairs.push(format!("page={number}"));
    }
    if pairs.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", pairs.join("&"))
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay as they are).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// "Newer" / "Page N of M" / "Older" navigation. Renders nothing for a single page. A list not
/// in date order (search results, by relevance) sets `by_rank` for "Previous" / "Next".
#[component]
pub fn Pagination(
    page: PageInfo,
    #[prop(into)] base: String,
    #[prop(optional)] keep: Vec<(&'static str, String)>,
    #[prop(optional)] by_rank: bool,
) -> impl IntoView {
    let (prev_label, next_label) = if by_rank {
        ("← Previous", "Next →")
    } else {
        ("← Newer posts", "Older posts →")
    };
    (page.num_pages > 1).then(|| {
        let prev = page.has_previous().then(|| page_href(&base, &keep, page.number - 1));
        let next = page.has_next().then(|| page_href(&base, &keep, page.number + 1));
        view! {
            <nav class="pagination" aria-label="Pagination">
                {prev.map(|href| view! { <A href=href attr:rel="prev">{prev_label}</A> })}
                <span class="page-count">{format!("Page {} of {}", page.number, page.num_pages)}</span>
                {next.map(|href| view! { <A href=href attr:rel="next">{next_label}</A> })}
            </nav>
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hrefs_keep_filters_and_drop_page_one() {
        assert_eq!(page_href("/", &[], 1), "/");
        assert_eq!(page_href("/", &[], 3), "/?page=3");
        assert_eq!(
            page_href("/search", &[("q", "a b&c".into())], 2),
            "/search?q=a%20b%26c&page=2"
        );
        assert_eq!(
            page_href("/", &[("category", String::new())], 2),
            "/?page=2"
        );
    }
}
