//! The HTML allow-list every stored post body passes through.
//!
//! Built on ammonia (html5ever parsing, so malformed markup cannot smuggle anything through).
//! Allowed: ammonia's default formatting tags (which include `details`/`summary`, tables, `img`),
//! plus `id`, `class`, `align` and `dir` on any element and disabled task-list checkboxes.
//! Removed: scripts and styles with their content, `style` and event-handler attributes,
//! `iframe`/`object`/`embed`/`form`, comments, and URLs with schemes other than http(s), mailto
//! and the like (so `javascript:` links lose their `href`). Links get `rel="noopener noreferrer"`.
//! This follows OWASP's XSS prevention advice: sanitise rich HTML with an allow-list library.

use std::collections::HashSet;
use std::sync::LazyLock;

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("img", ["srcset", "sizes", "loading"])
        .add_generic_attributes(["id", "class", "align", "dir"])
        .attribute_filter(|element, attribute, value| {
            match (element, attribute) {
                // Only task-list checkboxes, never text inputs.
                ("input", "type") if value != "checkbox" => None,
                // Responsive copies of uploads only: every candidate under /media/.
                ("img", "srcset") if !srcset_is_uploads(value) => None,
                ("img", "loading") if value != "lazy" && value != "eager" => None,
                // Element ids starting with "__" could shadow the page's own globals.
                (_, "id") if value.starts_with("__") => None,
                _ => Some(value.into()),
            }
        });
    builder
});

/// Whether every candidate of a `srcset` is an upload (`/media/...`), so a `srcset` cannot point
/// images anywhere else.
fn srcset_is_uploads(value: &str) -> bool {
    value.split(',').all(|candidate| {
        let url = candidate.split_whitespace().next().unwrap_or("");
        url.starts_with("/media/") && !url.contains("..") && !url.contains("//")
    })
}

/// Returns `html` reduced to Folio's allow-list (see the module documentation).
///
/// Never fails: anything not allowed is dropped, text content is kept and escaped.
pub fn sanitize_html(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// The tags the allow-list keeps, for documentation and tests.
pub fn allowed_tags() -> HashSet<&'static str> {
    let mut tags: HashSet<&'static str> = ammonia::Builder::default().clone_tags();
    tags.insert("input");
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_scripts_handlers_and_javascript_urls() {
        let dirty = r#"<p onclick="steal()">Hi<script>alert(1)</script></p>
<a href="javascript:alert(1)">x</a><img src="x.png" onerror="alert(1)">
<iframe src="https://evil.example/"></iframe><p style="position:fixed">s</p>
<svg><script>alert(1)</script></svg><form action="/x"><input type="text" name="q"></form>"#;
        let clean = sanitize_html(dirty);
        for bad in [
            "script",
            "onclick",
            "onerror",
            "javascript:",
            "iframe",
            "style=",
            "<form",
            "type=\"text\"",
        ] {
            assert!(!clean.contains(bad), "{bad} survived in {clean}");
        }
        assert!(clean.contains("<p>Hi</p>"));
        assert!(clean.contains(r#"<img src="x.png">"#));
    }

    #[test]
    fn keeps_safe_rich_html() {
        let html = r#"<details><summary>More</summary><div class="note" id="n1"><span>t</span></div></details>
<table><tr><td align="right">1</td></tr></table><sup>2</sup><pre><code class="language-rust">fn main() {}</code></pre>
<ul><li><input type="checkbox" checked disabled> done</li></ul>"#;
        let clean = sanitize_html(html);
        for good in [
            "<details>",
            "<summary>More</summary>",
            r#"class="note""#,
            r#"id="n1""#,
            "<table>",
            r#"align="right""#,
            "<sup>2</sup>",
            r#"class="language-rust""#,
            r#"type="checkbox""#,
        ] {
            assert!(clean.contains(good), "{good} missing from {clean}");
        }
    }

    #[test]
    fn links_get_rel_and_shadowing_ids_go() {
        let clean = sanitize_html(
            r#"<a href="https://example.org/">x</a><p id="__RESOLVED_RESOURCES">y</p>"#,
        );
        assert!(clean.contains(r#"rel="noopener noreferrer""#));
        assert!(!clean.contains("__RESOLVED"));
        assert!(allowed_tags().contains("details"));
    }
}
