//! The HTML allow-list every stored post body passes through.
//!
//! Built on ammonia (html5ever parsing, so malformed markup cannot smuggle anything through).
//! Allowed: ammonia's default formatting tags (which include `details`/`summary`, tables, `img`),
//! plus `id`, `class`, `align` and `dir` on any element and disabled task-list checkboxes.
//! Removed: scripts and styles with their content, `style` and event-handler attributes,
//! `iframe`/`object`/`embed`/`form`, comments, and URLs with schemes other than http(s), mailto
//! and the like (so `javascript:` links lose their `href`). Links get `rel="noopener noreferrer"`.
//! This follows OWASP's XSS prevention advice: sanitise rich HTML with an allow-list library.
//!
//! Ids and classes are the page's own namespace, so a post cannot use them freely (DOM
//! clobbering: an element whose id names a global the page's scripts read; spoofing: a post
//! borrowing the site's own CSS classes to look like its sign-in form or its notices):
//! - every `id` gets the prefix [`ID_PREFIX`] (GitHub's `user-content-`), and in-page links
//!   (`href="#x"`) get it too, so a post's own anchors and table of contents keep working;
//! - `class` keeps only code-highlighting classes (`language-…`, as Markdown fences and the
//!   editor's code blocks write them), and only on `code` and `pre`; and the admonition classes
//!   (`admonition admonition-note`, a fixed list of kinds) on `aside`.
//!
//! Both rules are idempotent, so cleaning clean HTML again changes nothing: stored bodies are
//! cleaned again after any rewrite and when the rules change ([`SANITIZER_VERSION`]).

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

/// The prefix of every element id in a post body.
pub const ID_PREFIX: &str = "user-content-";

/// The version of these rules. Stored bodies cleaned by an older version are cleaned again at
/// start-up (by the posts wing's maintenance); raise it whenever the rules become stricter.
pub const SANITIZER_VERSION: i64 = 2;

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"])
        .add_tag_attributes("img", ["srcset", "sizes", "loading"])
        .add_generic_attributes(["id", "class", "align", "dir"])
        .id_prefix(Some(ID_PREFIX))
        .attribute_filter(|element, attribute, value| {
            match (element, attribute) {
                // Only task-list checkboxes, never text inputs.
                ("input", "type") if value != "checkbox" => None,
                // Responsive copies of uploads only: every candidate under /media/.
                ("img", "srcset") if !srcset_is_uploads(value) => None,
                ("img", "loading") if value != "lazy" && value != "eager" => None,
                ("a", "href") => Some(in_page_link(value)),
                ("aside", "class") => admonition_classes(value).map(Cow::Owned),
                (_, "class") => code_classes(element, value).map(Cow::Owned),
                _ => Some(value.into()),
            }
        });
    builder
});

/// `href` with an in-page fragment (`#x`) pointed at the prefixed id (`#user-content-x`);
/// other links unchanged.
fn in_page_link(href: &str) -> Cow<'_, str> {
    match href.strip_prefix('#') {
        Some(fragment) if !fragment.is_empty() && !fragment.starts_with(ID_PREFIX) => {
            Cow::Owned(format!("#{ID_PREFIX}{fragment}"))
        }
        _ => Cow::Borrowed(href),
    }
}

/// The code-highlighting classes of a `class` value on `code` or `pre` (`language-rust`);
/// `None` (the attribute goes) when nothing is left.
fn code_classes(element: &str, value: &str) -> Option<String> {
    if element != "code" && element != "pre" {
        return None;
    }
    let kept: Vec<&str> = value
        .split_ascii_whitespace()
        .filter(|class| {
            class.strip_prefix("language-").is_some_and(|lang| {
                !lang.is_empty()
                    && lang.len() <= 40
                    && lang.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'+' | b'#' | b'.')
                    })
            })
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join(" "))
}

/// The kinds of admonition (`<aside class="admonition admonition-<kind>">`) a post body may have,
/// styled by Folio's stylesheet; the Markdown importer writes Hugo's note/warning shortcodes as
/// these.
pub const ADMONITION_KINDS: [&str; 11] = [
    "note",
    "tip",
    "info",
    "warning",
    "caution",
    "danger",
    "important",
    "alert",
    "hint",
    "notice",
    "attention",
];

/// The admonition classes of a `class` value on `aside` (`admonition admonition-note`, as the
/// Markdown importer writes Hugo's note/warning shortcodes); `None` when nothing is left. The
/// kinds are a fixed list, styled by Folio's stylesheet.
fn admonition_classes(value: &str) -> Option<String> {
    let kept: Vec<&str> = value
        .split_ascii_whitespace()
        .filter(|class| {
            *class == "admonition"
                || class
                    .strip_prefix("admonition-")
                    .is_some_and(|kind| ADMONITION_KINDS.contains(&kind))
        })
        .collect();
    (!kept.is_empty()).then(|| kept.join(" "))
}

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
/// Never fails: anything not allowed is dropped, text content is kept and escaped. Idempotent:
/// `sanitize_html(&sanitize_html(x)) == sanitize_html(x)`.
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
        let html = r#"<details><summary>More</summary><div id="n1"><span>t</span></div></details>
<table><tr><td align="right">1</td></tr></table><sup>2</sup><pre><code class="language-rust">fn main() {}</code></pre>
<ul><li><input type="checkbox" checked disabled> done</li></ul>
<aside class="admonition admonition-warning login-form">Careful</aside><aside class="admonition-fake">x</aside>"#;
        let clean = sanitize_html(html);
        assert!(
            clean.contains(r#"<aside class="admonition admonition-warning">Careful</aside>"#),
            "{clean}"
        );
        assert!(clean.contains("<aside>x</aside>"), "{clean}");
        for good in [
            "<details>",
            "<summary>More</summary>",
            r#"id="user-content-n1""#,
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
    fn links_get_rel_and_ids_cannot_shadow_the_page() {
        let clean = sanitize_html(
            r#"<a href="https://example.org/">x</a><p id="__RESOLVED_RESOURCES">y</p><form id="login"></form><img id="csrf_token" name="x" src="a.png">"#,
        );
        assert!(clean.contains(r#"rel="noopener noreferrer""#));
        assert!(
            clean.contains(r#"id="user-content-__RESOLVED_RESOURCES""#),
            "{clean}"
        );
        assert!(!clean.contains(r#"id="__"#) && !clean.contains(r#"id="csrf_token""#));
        assert!(!clean.contains("name="), "{clean}");
        assert!(allowed_tags().contains("details"));
    }

    #[test]
    fn classes_are_only_for_code_highlighting() {
        let clean = sanitize_html(
            r#"<div class="site-header account-form">x</div><p class="language-rust">p</p><pre class="language-js"><code class="language-rust hljs evil">fn</code></pre><code class="language-x&quot;y">z</code>"#,
        );
        assert!(
            !clean.contains("site-header") && !clean.contains("account-form"),
            "{clean}"
        );
        assert!(
            clean.contains("<div>x</div>") && clean.contains("<p>p</p>"),
            "{clean}"
        );
        assert!(
            clean.contains(
                r#"<pre class="language-js"><code class="language-rust">fn</code></pre>"#
            ),
            "{clean}"
        );
        assert!(clean.contains("<code>z</code>"), "{clean}");
    }

    #[test]
    fn in_page_links_follow_the_prefixed_ids_and_cleaning_twice_changes_nothing() {
        let once = sanitize_html(
            r##"<h2 id="intro">Intro</h2><a href="#intro">up</a><a href="#">top</a><a href="https://x.org/#intro">out</a>"##,
        );
        assert!(once.contains(r#"<h2 id="user-content-intro">"#), "{once}");
        assert!(once.contains(r##"href="#user-content-intro""##), "{once}");
        assert!(once.contains(r##"href="#""##), "{once}");
        assert!(once.contains(r##"href="https://x.org/#intro""##), "{once}");
        assert_eq!(sanitize_html(&once), once);
    }
}
