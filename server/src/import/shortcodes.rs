//! Hugo shortcodes in imported Markdown: `{{< name params >}}` and `{{% name params %}}`, paired
//! (`{{< name >}}…{{< /name >}}`, also written `{{</ name >}}`) or self-closing
//! (`{{< name />}}`). Hugo expands them when it builds the site; Folio stores the expansion, so a
//! reader never sees a literal `{{< … >}}`.
//!
//! Hugo's built-in shortcodes (gohugo.io, "Shortcodes") become the closest Folio markup, which
//! the sanitiser then checks like any other HTML:
//! - `figure` → `<figure>` with the image (linked if `link`), `<figcaption>` from `title`,
//!   `caption` and `attr`;
//! - `youtube`, `vimeo`, `gist`, `instagram`, `x`/`tweet` → a link to the video, gist or post
//!   (Folio's posts allow no iframes or third-party scripts);
//! - `highlight` → a fenced code block in its language;
//! - `ref`, `relref` → the URL of the post the path names (the same table as Zola's `@/` links);
//! - `param` → the page's front-matter value;
//! - `details` → `<details>` with its `summary`;
//! - admonitions (`note`, `tip`, `info`, `warning`, `caution`, `danger`, `important`, `alert`,
//!   `hint`, `notice`, `attention`), as themes define them → `<aside class="admonition
//!   admonition-<kind>">` with a bold title (the `title` parameter or the kind's name).
//!
//! Any other shortcode is removed (a paired one keeps its inner text) and named in the import
//! report, as are a `ref` that names no imported post and a `param` the page does not have.
//! `{{</* name */>}}` is Hugo's way of writing a shortcode literally: it becomes
//! `{{< name >}}` text. As in Hugo, shortcodes are expanded everywhere, code blocks included.

use std::collections::BTreeMap;

use super::front_matter::Value;

/// What an expansion needs from the rest of the import.
pub struct Context<'a> {
    /// The page's front matter (for `param`).
    pub front: &'a BTreeMap<String, Value>,
    /// The URL of the post a content path names (`blog/post.md`, `post`, `/blog/post/`), for
    /// `ref` and `relref`.
    pub resolve: &'a dyn Fn(&str) -> Option<String>,
}

/// The admonition kinds turned into `<aside>`s (the ones the sanitiser keeps).
pub use app::ssr::content::sanitize::ADMONITION_KINDS as ADMONITIONS;

/// One piece of a Markdown text: text, or a shortcode tag.
#[derive(Debug, Clone, PartialEq)]
enum Token<'a> {
    Text(&'a str),
    /// `{{</* … */>}}`: to be written as the literal shortcode.
    Literal(String),
    Open {
        name: String,
        params: Params,
        self_closing: bool,
        raw: &'a str,
    },
    Close {
        name: String,
        raw: &'a str,
    },
}

/// A shortcode's parameters: positional and named (`key="value"`), in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    positional: Vec<String>,
    named: Vec<(String, String)>,
}

impl Params {
    /// The named parameter `key`, else the positional one at `index` (shortcodes accept both).
    fn get(&self, key: &str, index: usize) -> Option<&str> {
        self.named
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
            .or_else(|| {
                if self.named.is_empty() {
                    self.positional.get(index).map(String::as_str)
                } else {
                    None
                }
            })
            .filter(|v| !v.trim().is_empty())
    }

    fn named(&self, key: &str) -> Option<&str> {
        self.get(key, usize::MAX)
    }
}

/// Expands the shortcodes of `markdown`; returns the Markdown and the report's notes (one per
/// unknown shortcode name, unresolved `ref` or missing `param`, in order of first appearance).
pub fn expand(markdown: &str, context: &Context<'_>) -> (String, Vec<String>) {
    if !markdown.contains("{{") {
        return (markdown.to_string(), Vec::new());
    }
    let tokens = tokenize(markdown);
    let mut notes = Vec::new();
    let mut out = String::with_capacity(markdown.len());
    render(&tokens, context, &mut out, &mut notes);
    (out, notes)
}

/// Splits `text` into text and shortcode tags. Something that starts like a tag but does not
/// parse stays text.
fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut rest = text;
    let mut text_start = 0;
    let mut offset = 0;
    while let Some(found) = rest.find("{{") {
        let at = offset + found;
        let candidate = &text[at..];
        match parse_tag(candidate) {
            Some((token, length)) => {
                if text_start < at {
                    tokens.push(Token::Text(&text[text_start..at]));
                }
                tokens.push(token);
                offset = at + length;
                text_start = offset;
            }
            None => offset = at + 2,
        }
        rest = &text[offset..];
    }
    if text_start < text.len() {
        tokens.push(Token::Text(&text[text_start..]));
    }
    tokens
}

/// Parses one tag at the start of `text`: the token and its length in bytes.
fn parse_tag(text: &str) -> Option<(Token<'_>, usize)> {
    let (delimiter, closing) = if text.starts_with("{{<") {
        ("<", ">}}")
    } else if text.starts_with("{{%") {
        ("%", "%}}")
    } else {
        return None;
    };
    let inner_start = 3;
    // A literal: {{</* … */>}}.
    let after = &text[inner_start..];
    if let Some(comment) = after.trim_start().strip_prefix("/*") {
        let end = comment.find(&format!("*/{closing}"))?;
        let body = comment[..end].trim();
        let consumed = text.len() - comment.len() + end + 2 + closing.len();
        return Some((
            Token::Literal(format!("{{{{{delimiter} {body} {closing}")),
            consumed,
        ));
    }
    let end = find_close(after, closing)?;
    let body = after[..end].trim();
    let length = inner_start + end + closing.len();
    let raw = &text[..length];
    if let Some(name) = body.strip_prefix('/') {
        let name = name.trim();
        return is_name(name).then(|| {
            (
                Token::Close {
                    name: name.to_ascii_lowercase(),
                    raw,
                },
                length,
            )
        });
    }
    let (body, self_closing) = match body.strip_suffix('/') {
        Some(b) => (b.trim_end(), true),
        None => (body, false),
    };
    let name_end = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
    let name = &body[..name_end];
    if !is_name(name) {
        return None;
    }
    let params = parse_params(&body[name_end..])?;
    Some((
        Token::Open {
            name: name.to_ascii_lowercase(),
            params,
            self_closing,
            raw,
        },
        length,
    ))
}

/// The offset of `closing` in `text`, skipping quoted parameter values (which may hold `>}}`).
fn find_close(text: &str, closing: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' && q == b'"' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => {
                if b == b'"' || b == b'`' {
                    quote = Some(b);
                } else if text[i..].starts_with(closing) {
                    return Some(i);
                } else if b == b'\n' && text[..i].matches('\n').count() > 20 {
                    // A tag spanning this many lines is not a tag.
                    return None;
                }
            }
        }
        i += 1;
    }
    None
}

fn is_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'))
}

/// Parses `key="value"`, `key=value`, `"quoted"`, `` `raw` `` and bare words.
fn parse_params(text: &str) -> Option<Params> {
    let mut params = Params::default();
    let mut chars = text.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        // A key followed by '='?
        let mut key = None;
        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
            let word_end = text[start..]
                .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_' || ch == '-'))
                .map_or(text.len(), |n| start + n);
            if text[word_end..].starts_with('=') {
                key = Some(text[start..word_end].to_string());
                while chars.peek().is_some_and(|&(i, _)| i <= word_end) {
                    chars.next();
                }
            }
        }
        let value = match chars.peek().copied() {
            Some((_, '"')) => {
                chars.next();
                let mut value = String::new();
                let mut closed = false;
                while let Some((_, ch)) = chars.next() {
                    match ch {
                        '\\' => {
                            if let Some((_, escaped)) = chars.next() {
                                value.push(escaped);
                            }
                        }
                        '"' => {
                            closed = true;
                            break;
                        }
                        other => value.push(other),
                    }
                }
                if !closed {
                    return None;
                }
                value
            }
            Some((_, '`')) => {
                chars.next();
                let mut value = String::new();
                let mut closed = false;
                for (_, ch) in chars.by_ref() {
                    if ch == '`' {
                        closed = true;
                        break;
                    }
                    value.push(ch);
                }
                if !closed {
                    return None;
                }
                value
            }
            Some(_) => {
                let mut value = String::new();
                while let Some(&(_, ch)) = chars.peek() {
                    if ch.is_whitespace() {
                        break;
                    }
                    value.push(ch);
                    chars.next();
                }
                value
            }
            None => String::new(),
        };
        match key {
            Some(key) => params.named.push((key, value)),
            None => params.positional.push(value),
        }
    }
    Some(params)
}

/// Finds the index of the close tag that pairs with the open tag `name` at `open`, counting
/// nested tags of the same name.
fn matching_close(tokens: &[Token<'_>], open: usize, name: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open + 1) {
        match token {
            Token::Open {
                name: n,
                self_closing: false,
                ..
            } if n == name => depth += 1,
            Token::Close { name: n, .. } if n == name => {
                if depth == 0 {
                    return Some(i);
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    None
}

fn note(notes: &mut Vec<String>, message: String) {
    if !notes.contains(&message) {
        notes.push(message);
    }
}

fn render(tokens: &[Token<'_>], context: &Context<'_>, out: &mut String, notes: &mut Vec<String>) {
    let mut i = 0;
    while i < tokens.len() {
        match &tokens[i] {
            Token::Text(text) => out.push_str(text),
            Token::Literal(text) => out.push_str(text),
            Token::Close { name, .. } => {
                note(notes, format!("a closing shortcode {{{{< /{name} >}}}} without its opening one was removed"));
            }
            Token::Open {
                name,
                params,
                self_closing,
                ..
            } => {
                let close = if *self_closing {
                    None
                } else {
                    matching_close(tokens, i, name)
                };
                let inner = close.map(|c| &tokens[i + 1..c]);
                expand_one(name, params, inner, context, out, notes);
                if let Some(c) = close {
                    i = c;
                }
            }
        }
        i += 1;
    }
}

/// The inner tokens as plain text, tags kept as written (for `highlight`, whose inner is code).
fn raw_text(tokens: &[Token<'_>]) -> String {
    tokens
        .iter()
        .map(|t| match t {
            Token::Text(text) => (*text).to_string(),
            Token::Literal(text) => text.clone(),
            Token::Open { raw, .. } | Token::Close { raw, .. } => (*raw).to_string(),
        })
        .collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Only characters that an id of these services can have (so nothing can leave the URL path).
fn is_plain_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn link_paragraph(out: &mut String, url: &str, label: &str) {
    out.push_str(&format!(
        "\n\n<p><a href=\"{}\">{}</a></p>\n\n",
        escape(url),
        escape(label)
    ));
}

fn expand_one(
    name: &str,
    params: &Params,
    inner: Option<&[Token<'_>]>,
    context: &Context<'_>,
    out: &mut String,
    notes: &mut Vec<String>,
) {
    let inner_markdown = |notes: &mut Vec<String>| {
        let mut text = String::new();
        if let Some(tokens) = inner {
            render(tokens, context, &mut text, notes);
        }
        text
    };
    match name {
        "figure" => {
            let Some(src) = params.named("src") else {
                note(notes, "a figure shortcode without src was removed".into());
                return;
            };
            let alt = params
                .named("alt")
                .or_else(|| params.named("caption"))
                .or_else(|| params.named("title"))
                .unwrap_or("");
            let mut image = format!("<img src=\"{}\" alt=\"{}\"", escape(src), escape(alt));
            for dimension in ["width", "height"] {
                if let Some(value) = params
                    .named(dimension)
                    .filter(|v| v.chars().all(|c| c.is_ascii_digit()))
                {
                    image.push_str(&format!(" {dimension}=\"{value}\""));
                }
            }
            image.push('>');
            if let Some(link) = params.named("link") {
                image = format!("<a href=\"{}\">{image}</a>", escape(link));
            }
            let mut caption = String::new();
            if let Some(title) = params.named("title") {
                caption.push_str(&format!("<strong>{}</strong> ", escape(title)));
            }
            if let Some(text) = params.named("caption") {
                caption.push_str(&escape(text));
            }
            if let Some(attr) = params.named("attr") {
                let attr = escape(attr);
                match params.named("attrlink") {
                    Some(link) => {
                        caption.push_str(&format!(" <a href=\"{}\">{attr}</a>", escape(link)))
                    }
                    None => caption.push_str(&format!(" {attr}")),
                }
            }
            let caption = caption.trim();
            out.push_str("\n\n<figure>");
            out.push_str(&image);
            if !caption.is_empty() {
                out.push_str(&format!("<figcaption>{caption}</figcaption>"));
            }
            out.push_str("</figure>\n\n");
        }
        "youtube" => match params.get("id", 0).filter(|id| is_plain_id(id)) {
            Some(id) => link_paragraph(
                out,
                &format!("https://www.youtube.com/watch?v={id}"),
                params
                    .named("title")
                    .unwrap_or("Watch the video on YouTube"),
            ),
            None => note(
                notes,
                "a youtube shortcode without a usable id was removed".into(),
            ),
        },
        "vimeo" => match params.get("id", 0).filter(|id| is_plain_id(id)) {
            Some(id) => link_paragraph(
                out,
                &format!("https://vimeo.com/{id}"),
                params.named("title").unwrap_or("Watch the video on Vimeo"),
            ),
            None => note(
                notes,
                "a vimeo shortcode without a usable id was removed".into(),
            ),
        },
        "gist" => match (params.get("user", 0), params.get("id", 1)) {
            (Some(user), Some(id)) if is_plain_id(user) && is_plain_id(id) => {
                let file = params.get("file", 2);
                let url = match file {
                    Some(file) => format!(
                        "https://gist.github.com/{user}/{id}#file-{}",
                        file.replace('.', "-").to_ascii_lowercase()
                    ),
                    None => format!("https://gist.github.com/{user}/{id}"),
                };
                let label = match file {
                    Some(file) => format!("{file} (gist by {user})"),
                    None => format!("Gist by {user}"),
                };
                link_paragraph(out, &url, &label);
            }
            _ => note(
                notes,
                "a gist shortcode without a user and id was removed".into(),
            ),
        },
        "instagram" => match params.get("id", 0).filter(|id| is_plain_id(id)) {
            Some(id) => link_paragraph(
                out,
                &format!("https://www.instagram.com/p/{id}/"),
                "See the post on Instagram",
            ),
            None => note(
                notes,
                "an instagram shortcode without a usable id was removed".into(),
            ),
        },
        "x" | "tweet" | "twitter" => match (params.get("user", 0), params.get("id", 1)) {
            (Some(user), Some(id)) if is_plain_id(user) && is_plain_id(id) => link_paragraph(
                out,
                &format!("https://x.com/{user}/status/{id}"),
                &format!("Post by @{user}"),
            ),
            _ => note(
                notes,
                format!("a {name} shortcode without a user and id was removed"),
            ),
        },
        "highlight" => {
            let code = inner.map(raw_text).unwrap_or_default();
            let code = code.trim_matches('\n');
            let language = params
                .get("lang", 0)
                .filter(|l| {
                    l.chars().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '#' | '.')
                    })
                })
                .unwrap_or("");
            // A fence longer than any run of backticks in the code.
            let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
            let fence = "`".repeat(longest.max(2) + 1);
            out.push_str(&format!("\n\n{fence}{language}\n{code}\n{fence}\n\n"));
        }
        "ref" | "relref" => {
            let target = params.get("path", 0).unwrap_or("");
            match (context.resolve)(target) {
                Some(url) => out.push_str(&url),
                None => {
                    note(notes, format!("{name} \"{target}\" names no imported post; its link was left as written"));
                    out.push_str(target);
                }
            }
        }
        "param" => {
            let key = params.get("name", 0).unwrap_or("");
            let value = context
                .front
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .and_then(|(_, v)| v.as_text())
                .or_else(|| match context.front.get("params") {
                    Some(Value::Table(table)) => table.get(key).and_then(Value::as_text),
                    _ => None,
                });
            match value {
                Some(value) => out.push_str(value),
                None => note(notes, format!("param \"{key}\" is not in the front matter (a site parameter?); it was removed")),
            }
        }
        "details" => {
            let summary = params.get("summary", 0).unwrap_or("Details");
            let body = inner_markdown(notes);
            let open = if params.named("open").is_some_and(|v| v == "true") {
                " open"
            } else {
                ""
            };
            out.push_str(&format!(
                "\n\n<details{open}><summary>{}</summary>\n\n{}\n\n</details>\n\n",
                escape(summary),
                body.trim()
            ));
        }
        kind if ADMONITIONS.contains(&kind) => {
            let mut title = params
                .get("title", 0)
                .map(str::to_string)
                .unwrap_or_else(|| {
                    let mut chars = kind.chars();
                    chars
                        .next()
                        .map(|c| c.to_uppercase().chain(chars).collect())
                        .unwrap_or_default()
                });
            if title.is_empty() {
                title = kind.to_string();
            }
            let body = inner_markdown(notes);
            out.push_str(&format!(
                "\n\n<aside class=\"admonition admonition-{kind}\">\n\n**{}**\n\n{}\n\n</aside>\n\n",
                title.replace('*', "\\*"),
                body.trim()
            ));
        }
        unknown => {
            note(
                notes,
                format!("unknown shortcode {{{{< {unknown} >}}}} removed"),
            );
            out.push_str(&inner_markdown(notes));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(markdown: &str) -> (String, Vec<String>) {
        let mut front = BTreeMap::new();
        front.insert("title".to_string(), Value::String("Hello".into()));
        front.insert("Subtitle".to_string(), Value::String("A sub".into()));
        let resolve = |path: &str| {
            (path.trim_start_matches('/').trim_end_matches(".md") == "blog/first")
                .then(|| "/2020/01/31/first/".to_string())
        };
        let context = Context {
            front: &front,
            resolve: &resolve,
        };
        expand(markdown, &context)
    }

    #[test]
    fn parameters_are_read_in_every_form() {
        let params =
            parse_params(r#" src="/a b.png" alt='x' width=300 `raw "q"` bare "es\"c" "#).unwrap();
        assert_eq!(
            params.named,
            vec![
                ("src".to_string(), "/a b.png".to_string()),
                ("alt".to_string(), "'x'".to_string()),
                ("width".to_string(), "300".to_string()),
            ]
        );
        assert_eq!(params.positional, vec!["raw \"q\"", "bare", "es\"c"]);
        assert!(parse_params(r#" "unclosed "#).is_none());
    }

    #[test]
    fn figures_become_figure_markup_with_caption_and_link() {
        let (out, notes) = run(
            r#"Before {{< figure src="/img/cat.jpg" alt="A cat" caption="Our <cat>" link="https://example.org" attr="Photo: Ann" width="640" >}} after"#,
        );
        assert!(out.contains(r#"<figure><a href="https://example.org"><img src="/img/cat.jpg" alt="A cat" width="640"></a><figcaption>Our &lt;cat&gt; Photo: Ann</figcaption></figure>"#), "{out}");
        assert!(out.starts_with("Before ") && out.ends_with(" after"));
        assert!(notes.is_empty());
    }

    #[test]
    fn videos_gists_and_posts_become_links() {
        let (out, _) = run("{{< youtube w7Ft2ymGmfc >}}\n{{< youtube id=\"abc_12\" title=\"Demo\" >}}\n{{< vimeo 146022717 >}}\n{{< gist spf13 7896402 \"img.html\" >}}\n{{< x user=\"SanDiegoZoo\" id=\"1453110110599868418\" >}}");
        for expected in [
            r#"<a href="https://www.youtube.com/watch?v=w7Ft2ymGmfc">Watch the video on YouTube</a>"#,
            r#"<a href="https://www.youtube.com/watch?v=abc_12">Demo</a>"#,
            r#"<a href="https://vimeo.com/146022717">"#,
            r#"<a href="https://gist.github.com/spf13/7896402#file-img-html">img.html (gist by spf13)</a>"#,
            r#"<a href="https://x.com/SanDiegoZoo/status/1453110110599868418">"#,
        ] {
            assert!(out.contains(expected), "{expected} in {out}");
        }
        // An id that could leave the URL is refused.
        let (out, notes) = run(r#"{{< youtube "x\" onclick=\"y" >}}"#);
        assert!(!out.contains("youtube.com"), "{out}");
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn highlight_becomes_a_fence_and_keeps_its_code_verbatim() {
        let (out, _) = run("{{< highlight go \"linenos=table\" >}}\nfunc main() { fmt.Println(\"{{ .Title }}\") }\n// ```\n{{< /highlight >}}");
        assert!(
            out.contains("````go\nfunc main() { fmt.Println(\"{{ .Title }}\") }\n// ```\n````"),
            "{out}"
        );
    }

    #[test]
    fn admonitions_and_details_wrap_markdown_in_both_forms_and_nest() {
        let (out, notes) = run("{{% note %}}\nSome *text* {{< warning title=\"Careful\" >}}inner{{< /warning >}}\n{{% /note %}}\n{{< details summary=\"More\" >}}hidden{{</ details >}}");
        assert!(out.contains("<aside class=\"admonition admonition-note\">\n\n**Note**\n\nSome *text* \n\n<aside class=\"admonition admonition-warning\">\n\n**Careful**\n\ninner\n\n</aside>"), "{out}");
        assert!(
            out.contains("<details><summary>More</summary>\n\nhidden\n\n</details>"),
            "{out}"
        );
        assert!(notes.is_empty(), "{notes:?}");
    }

    #[test]
    fn refs_params_and_literals() {
        let (out, notes) = run("[First]({{< ref \"blog/first.md\" >}}) [Gone]({{< relref \"nope\" >}}) {{< param \"subtitle\" >}} {{< param site_owner >}} `{{</* figure src=\"x\" */>}}`");
        assert!(
            out.starts_with(
                "[First](/2020/01/31/first/) [Gone](nope) A sub  `{{< figure src=\"x\" >}}`"
            ),
            "{out}"
        );
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("relref \"nope\""));
        assert!(notes[1].contains("param \"site_owner\""));
    }

    #[test]
    fn unknown_shortcodes_are_removed_keeping_inner_text_and_reported_once() {
        let (out, notes) = run("A {{< badge \"x\" />}} B {{< mybox >}}kept **inner**{{< /mybox >}} C {{< badge >}} {{< /orphan >}}");
        assert_eq!(out, "A  B kept **inner** C  ");
        assert_eq!(
            notes,
            vec![
                "unknown shortcode {{< badge >}} removed".to_string(),
                "unknown shortcode {{< mybox >}} removed".to_string(),
                "a closing shortcode {{< /orphan >}} without its opening one was removed"
                    .to_string(),
            ]
        );
    }

    #[test]
    fn text_that_only_looks_like_a_shortcode_is_left_alone() {
        for text in [
            "{{ .Title }}",
            "{{< >}}",
            "a {{< unterminated",
            "{{% 1+1 %}}",
        ] {
            assert_eq!(run(text).0, text, "{text}");
        }
    }
}
