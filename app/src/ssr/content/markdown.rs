//! Markdown to sanitised HTML with pulldown-cmark (CommonMark plus the GitHub extensions).
//!
//! Enabled: tables, strikethrough, footnotes, task lists, explicit heading ids (`## Title {#id}`).
//! Added here: GFM's autolinks of bare URLs (found with `linkify`, outside code and links), an id
//! on every heading (GitHub's rule: lower-case, punctuation dropped, spaces to `-`, `-1`, `-2`...
//! for repeats), and resolution of internal links through a caller-supplied function (Zola's
//! `@/path.md#fragment`). Fenced code keeps its language as `class="language-<lang>"`. The result
//! always passes [`sanitize_html`](super::sanitize::sanitize_html), so raw HTML in the source is
//! kept only where the allow-list permits it.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, TextMergeStream};

use super::sanitize::sanitize_html;

/// Resolves an internal link target (e.g. `@/inside-rust/post.md#part`) to a site URL.
pub type LinkResolver<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The pulldown-cmark extensions Folio enables.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
}

/// Renders Markdown to sanitised HTML.
///
/// `resolve` is asked about every link whose target starts with `@/`; when it returns `None`
/// the link is kept as written. Never fails: Markdown has no syntax errors.
pub fn render_markdown(source: &str, resolve: Option<LinkResolver<'_>>) -> String {
    let events: Vec<Event<'_>> = TextMergeStream::new(Parser::new_ext(source, options())).collect();
    let events = add_heading_ids(events);
    let events = autolink_and_resolve(events, resolve);
    let mut html = String::with_capacity(source.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    sanitize_html(&html)
}

/// GitHub's heading anchor rule for one heading text.
fn heading_anchor(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '-' || c == '_' {
            out.push(c);
        } else if c.is_whitespace() {
            out.push('-');
        }
    }
    if out.is_empty() {
        "section".to_string()
    } else {
        out
    }
}

/// Gives every heading without an explicit id one derived from its text, unique in the document.
fn add_heading_ids(mut events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    // Explicit ids are reserved first so derived ones do not collide with them.
    for event in &events {
        if let Event::Start(Tag::Heading { id: Some(id), .. }) = event {
            seen.insert(id.to_string(), 0);
        }
    }
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { id: None, .. }) = &events[i] {
            let mut text = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(t) | Event::Code(t) = &events[j] {
                    text.push_str(t);
                }
                j += 1;
            }
            let base = heading_anchor(&text);
            let id = match seen.get_mut(&base) {
                None => {
                    seen.insert(base.clone(), 0);
                    base
                }
                Some(count) => {
                    *count += 1;
                    let candidate = format!("{base}-{count}");
                    seen.insert(candidate.clone(), 0);
                    candidate
                }
            };
            if let Event::Start(Tag::Heading {
                level,
                classes,
                attrs,
                ..
            }) = events[i].clone()
            {
                events[i] = Event::Start(Tag::Heading {
                    level,
                    id: Some(CowStr::from(id)),
                    classes,
                    attrs,
                });
            }
        }
        i += 1;
    }
    events
}

/// Links bare URLs in text (not inside code, links or images) and resolves `@/` link targets.
fn autolink_and_resolve<'a>(
    events: Vec<Event<'a>>,
    resolve: Option<LinkResolver<'_>>,
) -> Vec<Event<'a>> {
    let mut finder = linkify::LinkFinder::new();
    finder
        .kinds(&[linkify::LinkKind::Url])
        .url_must_have_scheme(false);
    let mut out = Vec::with_capacity(events.len());
    let mut in_link = 0usize;
    let mut in_code_block = false;
    for event in events {
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                in_link += 1;
                let dest_url = match (dest_url.strip_prefix("@/"), resolve) {
                    (Some(_), Some(resolve)) => {
                        resolve(&dest_url).map(CowStr::from).unwrap_or(dest_url)
                    }
                    _ => dest_url,
                };
                out.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::Start(Tag::Image { .. }) => {
                in_link += 1;
                out.push(event);
            }
            Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => {
                in_link = in_link.saturating_sub(1);
                out.push(event);
            }
            Event::Start(Tag::CodeBlock(_)) => {
                in_code_block = true;
                out.push(event);
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                out.push(event);
            }
            Event::Text(text) if in_link == 0 && !in_code_block => {
                let mut last = 0;
                let mut any = false;
                for link in finder.links(&text) {
                    any = true;
                    if link.start() > last {
                        out.push(Event::Text(CowStr::from(
                            text[last..link.start()].to_string(),
                        )));
                    }
                    let shown = link.as_str().to_string();
                    let href = if shown.contains("://") {
                        shown.clone()
                    } else {
                        format!("https://{shown}")
                    };
                    out.push(Event::Start(Tag::Link {
                        link_type: LinkType::Autolink,
                        dest_url: CowStr::from(href),
                        title: CowStr::from(""),
                        id: CowStr::from(""),
                    }));
                    out.push(Event::Text(CowStr::from(shown)));
                    out.push(Event::End(TagEnd::Link));
                    last = link.end();
                }
                if !any {
                    out.push(Event::Text(text));
                } else if last < text.len() {
                    out.push(Event::Text(CowStr::from(text[last..].to_string())));
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(md: &str) -> String {
        render_markdown(md, None)
    }

    #[test]
    fn renders_gfm_features() {
        let html = render(
            "| a | b |\n|---|:-:|\n| 1 | 2 |\n\n~~gone~~\n\n- [x] done\n- [ ] todo\n\nNote[^1].\n\n[^1]: The note.\n",
        );
        assert!(html.contains("<table>"), "{html}");
        assert!(
            html.contains("<del>gone</del>") || html.contains("<s>gone</s>"),
            "{html}"
        );
        assert!(html.contains(r#"type="checkbox""#), "{html}");
        assert!(html.contains("The note."), "{html}");
        // The footnote link and its target, both with the body's id prefix.
        assert!(html.contains(r##"href="#user-content-1""##), "{html}");
        assert!(html.contains(r#"id="user-content-1""#), "{html}");
    }

    #[test]
    fn code_blocks_keep_language_and_text() {
        let html = render("```rust\nfn main() { println!(\"<hi>\"); }\n```\n");
        assert!(html.contains(r#"<code class="language-rust">"#), "{html}");
        assert!(html.contains("&lt;hi&gt;"), "{html}");
    }

    #[test]
    fn headings_get_unique_ids_and_explicit_ids_win() {
        let html = render("## Hello, World!\n\n## Hello, World!\n\n### Custom {#my-id}\n");
        assert!(
            html.contains(r#"<h2 id="user-content-hello-world">"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<h2 id="user-content-hello-world-1">"#),
            "{html}"
        );
        assert!(html.contains(r#"<h3 id="user-content-my-id">"#), "{html}");
    }

    #[test]
    fn bare_urls_become_links_but_not_in_code() {
        let html = render(
            "See https://www.rust-lang.org/ and www.example.org now.\n\n`https://in.code/`\n",
        );
        assert!(
            html.contains(r#"href="https://www.rust-lang.org/""#),
            "{html}"
        );
        assert!(html.contains(r#"href="https://www.example.org""#), "{html}");
        assert!(!html.contains(r#"href="https://in.code/""#), "{html}");
    }

    #[test]
    fn raw_html_is_sanitised() {
        let html = render("<details><summary>S</summary>\n\nBody\n\n</details>\n\n<script>alert(1)</script>\n\n<a href=\"javascript:x()\">j</a>\n");
        assert!(
            html.contains("<details>") && html.contains("<summary>S</summary>"),
            "{html}"
        );
        assert!(
            !html.contains("script") && !html.contains("javascript:"),
            "{html}"
        );
    }

    #[test]
    fn internal_links_are_resolved() {
        let resolve = |target: &str| -> Option<String> {
            (target == "@/inside-rust/post.md#part").then(|| "/2024/01/02/post/#part".to_string())
        };
        let html = render_markdown(
            "[here](@/inside-rust/post.md#part) and [x](@/missing.md)",
            Some(&resolve),
        );
        assert!(html.contains(r#"href="/2024/01/02/post/#part""#), "{html}");
        assert!(html.contains(r#"href="@/missing.md""#), "{html}");
    }
}
