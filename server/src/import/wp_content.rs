//! WordPress post bodies made into Folio's HTML: what WordPress does when it shows a post, done
//! once at import.
//!
//! - Gutenberg's block comments (`<!-- wp:paragraph -->`) are removed; the markup between them
//!   is kept.
//! - Classic-editor text (no blocks) gets WordPress's `wpautop`: a blank line ends a paragraph and
//!   a single line break becomes `<br>`, except inside `<pre>` and around block elements.
//! - `<!--more-->` is removed; the text before it is the excerpt when the export has none.
//! - Shortcodes: `[caption]` → `<figure>`/`<figcaption>`; `[gallery ids="…"]` → a `<figure>` of
//!   the attachments' images; `[audio]`, `[video]`, `[embed]` and oEmbed URLs on a line of their
//!   own → a link (Folio's posts allow no players or iframes); any other shortcode with a closing
//!   tag or attributes is removed, its inner text kept, and reported. Text in `<pre>` and
//!   `<code>` is left alone, as are bare bracketed words (`[sic]`, `[1]`).
//!
//! The result then goes through Folio's sanitiser like every body.

use std::collections::HashMap;

/// The converted body, its excerpt (the text before `<!--more-->`, as HTML) and the report's
/// notes (unknown shortcodes).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Converted {
    /// The HTML body.
    pub html: String,
    /// The HTML before `<!--more-->`, when the body has one.
    pub more_excerpt: Option<String>,
    /// What was removed and why, one note per kind.
    pub notes: Vec<String>,
}

/// Converts `content` (an item's `content:encoded`); `attachments` maps attachment ids to their
/// file URLs (for galleries).
pub fn convert(content: &str, attachments: &HashMap<i64, String>) -> Converted {
    let has_blocks = content.contains("<!-- wp:");
    let mut text = remove_block_comments(content);
    let mut more_excerpt = None;
    let mut notes = Vec::new();
    if let Some((before, after)) = split_more(&text) {
        let before = before.trim().to_string();
        if !before.is_empty() {
            let expanded = shortcodes(&before, attachments, &mut notes);
            more_excerpt = Some(if has_blocks {
                expanded
            } else {
                autop(&expanded)
            });
        }
        text = format!("{before}\n\n{after}");
    }
    let text = shortcodes(&text, attachments, &mut notes);
    let html = if has_blocks { text } else { autop(&text) };
    Converted {
        html: html.trim().to_string(),
        more_excerpt,
        notes,
    }
}

/// Removes `<!-- wp:… -->` and `<!-- /wp:… -->` comments.
fn remove_block_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<!--") {
        let after = &rest[start + 4..];
        let trimmed = after.trim_start();
        if trimmed.starts_with("wp:") || trimmed.starts_with("/wp:") {
            if let Some(end) = after.find("-->") {
                out.push_str(&rest[..start]);
                rest = &after[end + 3..];
                continue;
            }
        }
        out.push_str(&rest[..start + 4]);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Splits at `<!--more-->` (also `<!--more Read on-->`).
fn split_more(text: &str) -> Option<(String, String)> {
    let start = text.find("<!--more")?;
    let end = text[start..].find("-->")? + start + 3;
    Some((text[..start].to_string(), text[end..].to_string()))
}

/// Decodes HTML character references (`&amp;`, `&#8217;`, `&#x2019;` and the common named ones),
/// as WordPress stores titles and term names with them.
pub fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let tail = &rest[amp..];
        let end = tail[1..].find(';').map(|i| i + 1).filter(|&i| i <= 10);
        let decoded = end.and_then(|end| {
            let name = &tail[1..end];
            let c = if let Some(number) = name.strip_prefix('#') {
                let value = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => number.parse().ok(),
                }?;
                char::from_u32(value)?
            } else {
                match name {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    "nbsp" => '\u{a0}',
                    "ndash" => '–',
                    "mdash" => '—',
                    "hellip" => '…',
                    "lsquo" => '‘',
                    "rsquo" => '’',
                    "ldquo" => '“',
                    "rdquo" => '”',
                    "laquo" => '«',
                    "raquo" => '»',
                    "copy" => '©',
                    _ => return None,
                }
            };
            Some((c, end + 1))
        });
        match decoded {
            Some((c, length)) => {
                out.push(c);
                rest = &tail[length..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

const BLOCK_TAGS: [&str; 30] = [
    "address",
    "article",
    "aside",
    "blockquote",
    "details",
    "div",
    "dl",
    "dd",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "ul",
    "summary",
];

fn starts_with_block(chunk: &str) -> bool {
    let Some(tag) = chunk.trim_start().strip_prefix('<') else {
        return false;
    };
    let tag = tag.trim_start_matches('/');
    let name: String = tag
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    BLOCK_TAGS.contains(&name.as_str())
        || matches!(
            name.as_str(),
            "tr" | "td" | "th" | "thead" | "tbody" | "caption"
        )
}

/// WordPress's `wpautop`, in its essentials: paragraphs from blank lines, `<br>` from single line
/// breaks, nothing done inside `<pre>` or to chunks that are block elements already.
pub fn autop(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    // Keep <pre> blocks out of the way (their blank lines are not paragraph breaks).
    let mut kept = Vec::new();
    let mut protected = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = find_ci(rest, "<pre") {
        let Some(end) = find_ci(&rest[start..], "</pre>").map(|e| start + e + 6) else {
            break;
        };
        protected.push_str(&rest[..start]);
        protected.push_str(&format!("\n\n\u{0}PRE{}\u{0}\n\n", kept.len()));
        kept.push(rest[start..end].to_string());
        rest = &rest[end..];
    }
    protected.push_str(rest);
    let mut out = String::with_capacity(protected.len() + 64);
    for chunk in split_paragraphs(&protected) {
        let chunk = chunk.trim();
        if chunk.is_empty() {
            continue;
        }
        if chunk.starts_with("\u{0}PRE") || starts_with_block(chunk) {
            out.push_str(chunk);
        } else {
            out.push_str("<p>");
            out.push_str(&chunk.replace('\n', "<br>\n"));
            out.push_str("</p>");
        }
        out.push('\n');
    }
    for (i, pre) in kept.iter().enumerate() {
        out = out.replace(&format!("\u{0}PRE{i}\u{0}"), pre);
    }
    out
}

/// Paragraph chunks: split at blank lines, and also before and after block-level tags that start
/// a line (so "text\n<ul>…" is a paragraph and a list).
fn split_paragraphs(text: &str) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut current = String::new();
    for line in text.split('\n') {
        if line.trim().is_empty() {
            chunks.push(std::mem::take(&mut current));
            continue;
        }
        let block = starts_with_block(line) || line.starts_with('\u{0}');
        if block && !current.trim().is_empty() && !starts_with_block(&current) {
            chunks.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push('\n');
        }
        current.push_str(line);
    }
    chunks.push(current);
    chunks
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack.to_ascii_lowercase().find(needle)
}

/// A parsed `[name attrs]` tag.
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    positional: Vec<String>,
    closing: bool,
    self_closing: bool,
    length: usize,
}

impl Tag {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }
}

/// Parses a shortcode tag at the start of `text` (`[name …]`, `[/name]`, `[name … /]`).
fn parse_tag(text: &str) -> Option<Tag> {
    let body_end = text.find(']')?;
    let body = &text[1..body_end];
    if body.contains('[') || body.contains('\n') && body.len() > 2000 {
        return None;
    }
    let (closing, body) = match body.strip_prefix('/') {
        Some(b) => (true, b),
        None => (false, body),
    };
    let (self_closing, body) = match body.trim_end().strip_suffix('/') {
        Some(b) => (true, b),
        None => (false, body),
    };
    let name_end = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
    let name = &body[..name_end];
    let valid = !name.is_empty()
        && name.len() <= 40
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !valid {
        return None;
    }
    let mut attrs = Vec::new();
    let mut positional = Vec::new();
    let rest = body[name_end..].trim();
    let mut chars = rest.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let key_end = rest[start..]
            .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '-'))
            .map_or(rest.len(), |n| start + n);
        let has_key = key_end > start && rest[key_end..].starts_with('=');
        if has_key {
            while chars.peek().is_some_and(|&(i, _)| i <= key_end) {
                chars.next();
            }
        }
        let value = match chars.peek().copied() {
            Some((_, q @ ('"' | '\'' | '\u{201d}' | '\u{2033}'))) => {
                chars.next();
                let mut v = String::new();
                for (_, ch) in chars.by_ref() {
                    if ch == q || (q == '\u{201d}' && ch == '\u{201d}') {
                        break;
                    }
                    v.push(ch);
                }
                v
            }
            _ => {
                let mut v = String::new();
                while let Some(&(_, ch)) = chars.peek() {
                    if ch.is_whitespace() {
                        break;
                    }
                    v.push(ch);
                    chars.next();
                }
                v
            }
        };
        if has_key {
            attrs.push((
                rest[start..key_end].to_ascii_lowercase(),
                decode_entities(&value),
            ));
        } else {
            positional.push(value);
        }
    }
    Some(Tag {
        name: name.to_ascii_lowercase(),
        attrs,
        positional,
        closing,
        self_closing,
        length: body_end + 1,
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn link(url: &str, label: &str) -> String {
    format!(
        "\n\n<p><a href=\"{}\">{}</a></p>\n\n",
        escape(url.trim()),
        escape(label)
    )
}

fn file_label(url: &str, kind: &str) -> String {
    let name = url
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(url)
        .to_string();
    format!("{kind}: {name}")
}

/// The index of `[/name]` after `from` (nested tags of the same name counted).
fn closing_of(text: &str, from: usize, name: &str) -> Option<(usize, usize)> {
    let open = format!("[{name}");
    let close = format!("[/{name}]");
    let lower = text.to_ascii_lowercase();
    let mut depth = 0usize;
    let mut at = from;
    loop {
        let next_close = lower[at..].find(&close).map(|i| i + at)?;
        let next_open = lower[at..].find(&open).map(|i| i + at);
        match next_open {
            Some(o) if o < next_close => {
                let boundary = lower[o + open.len()..].chars().next();
                if matches!(boundary, Some(' ' | ']' | '/')) {
                    depth += 1;
                }
                at = o + open.len();
            }
            _ => {
                if depth == 0 {
                    return Some((next_close, next_close + close.len()));
                }
                depth -= 1;
                at = next_close + close.len();
            }
        }
    }
}

fn note(notes: &mut Vec<String>, message: String) {
    if !notes.contains(&message) {
        notes.push(message);
    }
}

/// Expands the shortcodes of `text` (outside `<pre>` and `<code>`).
fn shortcodes(text: &str, attachments: &HashMap<i64, String>, notes: &mut Vec<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let lower = text.to_ascii_lowercase();
    while i < text.len() {
        // Code is copied as is.
        let rest_lower = &lower[i..];
        let next_bracket = text[i..].find('[').map(|n| n + i);
        let next_code = ["<pre", "<code"]
            .iter()
            .filter_map(|t| rest_lower.find(t).map(|n| (n + i, *t)))
            .min();
        match (next_bracket, next_code) {
            (None, _) => {
                out.push_str(&text[i..]);
                break;
            }
            (Some(b), Some((c, tag))) if c < b => {
                let close = if tag == "<pre" { "</pre>" } else { "</code>" };
                let end = lower[c..]
                    .find(close)
                    .map_or(text.len(), |e| c + e + close.len());
                out.push_str(&text[i..end]);
                i = end;
                continue;
            }
            (Some(b), _) => {
                out.push_str(&text[i..b]);
                i = b;
            }
        }
        // `[[name]]` is WordPress's escape for a literal `[name]`.
        if text[i..].starts_with("[[") {
            if let Some(end) = text[i..].find("]]") {
                out.push_str(&text[i + 1..i + end + 1]);
                i += end + 2;
                continue;
            }
        }
        let Some(tag) = parse_tag(&text[i..]) else {
            out.push('[');
            i += 1;
            continue;
        };
        let after = i + tag.length;
        let paired = if tag.closing || tag.self_closing {
            None
        } else {
            closing_of(text, after, &tag.name)
        };
        let inner = paired.map(|(start, _)| &text[after..start]);
        let end = paired.map_or(after, |(_, end)| end);
        let known = expand(&tag, inner, attachments, notes, &mut out);
        if !known {
            let ordinary_text = !tag.closing
                && paired.is_none()
                && tag.attrs.is_empty()
                && tag.positional.is_empty();
            if ordinary_text {
                // `[sic]`, `[1]`, `[citation needed]`: not a shortcode.
                out.push('[');
                i += 1;
                continue;
            }
            note(notes, format!("unknown shortcode [{}] removed", tag.name));
            if let Some(inner) = inner {
                out.push_str(&shortcodes(inner, attachments, notes));
            }
        }
        i = end;
    }
    out
}

/// Writes the expansion of a known shortcode; false for an unknown one.
fn expand(
    tag: &Tag,
    inner: Option<&str>,
    attachments: &HashMap<i64, String>,
    notes: &mut Vec<String>,
    out: &mut String,
) -> bool {
    match tag.name.as_str() {
        "caption" | "wp_caption" => {
            let inner = inner.unwrap_or_default();
            // The caption is the text after the image (or its link), or the caption attribute.
            let split = ["</a>", "/>", ">"]
                .iter()
                .find_map(|end| {
                    let img = inner.find("<img")?;
                    let close = inner[img..].find(end)? + img + end.len();
                    let close = if *end != "</a>" && inner[..img].contains("<a ") {
                        inner[close..].find("</a>").map_or(close, |a| close + a + 4)
                    } else {
                        close
                    };
                    Some(close)
                })
                .unwrap_or(0);
            let (image, caption) = inner.split_at(split);
            let caption = tag
                .attr("caption")
                .map(escape)
                .unwrap_or_else(|| caption.trim().to_string());
            out.push_str(&format!("\n\n<figure>{}", image.trim()));
            if !caption.is_empty() {
                out.push_str(&format!("<figcaption>{caption}</figcaption>"));
            }
            out.push_str("</figure>\n\n");
            true
        }
        "gallery" => {
            let ids: Vec<i64> = tag
                .attr("ids")
                .unwrap_or_default()
                .split(',')
                .filter_map(|id| id.trim().parse().ok())
                .collect();
            let images: Vec<String> = ids
                .iter()
                .filter_map(|id| attachments.get(id))
                .map(|url| format!("<img src=\"{}\" alt=\"\">", escape(url)))
                .collect();
            if images.is_empty() {
                note(
                    notes,
                    "a [gallery] without images in the export was removed".into(),
                );
            } else {
                if images.len() < ids.len() {
                    note(
                        notes,
                        "a [gallery] names images the export does not have; they were left out"
                            .into(),
                    );
                }
                out.push_str(&format!("\n\n<figure>{}</figure>\n\n", images.join("")));
            }
            true
        }
        "audio" | "video" => {
            let url = tag
                .attr("src")
                .or_else(|| {
                    [
                        "mp3", "m4a", "ogg", "wav", "mp4", "webm", "ogv", "m4v", "mov", "flv",
                    ]
                    .iter()
                    .find_map(|k| tag.attr(k))
                })
                .map(str::to_string)
                .or_else(|| {
                    inner
                        .map(|i| i.trim().to_string())
                        .filter(|i| i.starts_with("http"))
                });
            match url {
                Some(url) => {
                    let kind = if tag.name == "audio" {
                        "Audio"
                    } else {
                        "Video"
                    };
                    out.push_str(&link(&url, &file_label(&url, kind)));
                }
                None => note(
                    notes,
                    format!("an [{}] without a file was removed", tag.name),
                ),
            }
            true
        }
        "embed" => {
            match inner.map(str::trim).filter(|u| u.starts_with("http")) {
                Some(url) => out.push_str(&link(url, url)),
                None => note(notes, "an [embed] without a URL was removed".into()),
            }
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(content: &str) -> Converted {
        let attachments: HashMap<i64, String> = [
            (
                7,
                "https://old.example.com/wp-content/uploads/a.jpg".to_string(),
            ),
            (
                8,
                "https://old.example.com/wp-content/uploads/b.jpg".to_string(),
            ),
        ]
        .into();
        convert(content, &attachments)
    }

    #[test]
    fn classic_text_gets_paragraphs_and_line_breaks_but_pre_is_left_alone() {
        let out = run("First line\nsecond line\n\nNext paragraph\n<ul>\n<li>one</li>\n</ul>\n<pre>code\n\n  indented</pre>\nAfter");
        assert_eq!(
            out.html,
            "<p>First line<br>\nsecond line</p>\n<p>Next paragraph</p>\n<ul>\n<li>one</li>\n</ul>\n<pre>code\n\n  indented</pre>\n<p>After</p>"
        );
    }

    #[test]
    fn block_comments_go_and_block_markup_stays_as_it_is() {
        let out = run("<!-- wp:paragraph -->\n<p>Hello</p>\n<!-- /wp:paragraph -->\n\n<!-- wp:image {\"id\":7} -->\n<figure class=\"wp-block-image\"><img src=\"a.jpg\"/></figure>\n<!-- /wp:image -->\n<!-- a real comment -->");
        assert_eq!(
            out.html,
            "<p>Hello</p>\n\n\n\n<figure class=\"wp-block-image\"><img src=\"a.jpg\"/></figure>\n\n<!-- a real comment -->"
        );
    }

    #[test]
    fn more_splits_off_the_excerpt() {
        let out = run("Intro text\n<!--more Read on-->\nThe rest");
        assert_eq!(out.more_excerpt.as_deref(), Some("<p>Intro text</p>\n"));
        assert_eq!(out.html, "<p>Intro text</p>\n<p>The rest</p>");
    }

    #[test]
    fn captions_galleries_and_media_become_figures_and_links() {
        let out = run("[caption id=\"attachment_7\" align=\"alignnone\" width=\"300\"]<a href=\"big.jpg\"><img src=\"a.jpg\" alt=\"A\" /></a> A <em>cat</em>[/caption]\n\n[gallery ids=\"7,8,99\"]\n\n[audio mp3=\"https://x.org/s/song.mp3\"][/audio]\n\n[embed]https://www.youtube.com/watch?v=abc[/embed]");
        assert!(out.html.contains("<figure><a href=\"big.jpg\"><img src=\"a.jpg\" alt=\"A\" /></a><figcaption>A <em>cat</em></figcaption></figure>"), "{}", out.html);
        assert!(out.html.contains("<figure><img src=\"https://old.example.com/wp-content/uploads/a.jpg\" alt=\"\"><img src=\"https://old.example.com/wp-content/uploads/b.jpg\" alt=\"\"></figure>"), "{}", out.html);
        assert!(
            out.html
                .contains("<a href=\"https://x.org/s/song.mp3\">Audio: song.mp3</a>"),
            "{}",
            out.html
        );
        assert!(out.html.contains("<a href=\"https://www.youtube.com/watch?v=abc\">https://www.youtube.com/watch?v=abc</a>"), "{}", out.html);
        assert_eq!(
            out.notes,
            vec!["a [gallery] names images the export does not have; they were left out"]
        );
    }

    #[test]
    fn unknown_shortcodes_go_with_a_note_and_ordinary_brackets_and_code_stay() {
        let out = run("[contact-form-7 id=\"5\"] and [box color=\"red\"]kept[/box] [sic] [1] [[escaped]]\n\n<code>[gallery ids=\"1\"]</code>");
        assert_eq!(
            out.html,
            "<p>and kept [sic] [1] [escaped]</p>\n<p><code>[gallery ids=\"1\"]</code></p>"
        );
        assert_eq!(
            out.notes,
            vec![
                "unknown shortcode [contact-form-7] removed",
                "unknown shortcode [box] removed"
            ]
        );
    }

    #[test]
    fn entities_decode_as_wordpress_stores_them() {
        assert_eq!(
            decode_entities("Rust &amp; Co&#8217;s &#x201C;best&#x201D; &hellip; &bogus; & done"),
            "Rust & Co’s “best” … &bogus; & done"
        );
    }
}
