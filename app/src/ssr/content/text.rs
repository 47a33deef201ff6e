//! Plain text derived from sanitised HTML: the excerpt, the searchable text and word counts.

/// The longest excerpt, in characters, before the ellipsis.
pub const EXCERPT_CHARS: usize = 200;

/// Tags after which a space separates the text of neighbouring blocks.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "summary",
    "details",
    "dt",
    "dd",
    "hr",
    "table",
    "section",
    "figcaption",
];

/// Extracts the readable text of `html` (as produced by the sanitiser): tags removed, character
/// references decoded, whitespace collapsed to single spaces.
pub fn html_to_text(html: &str) -> String {
    let mut raw = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        raw.push_str(&rest[..lt]);
        let after = &rest[lt..];
        let Some(gt) = after.find('>') else {
            // A lone '<' cannot come out of the sanitiser; keep it as text.
            raw.push_str(after);
            rest = "";
            break;
        };
        let tag = &after[1..gt];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if BLOCK_TAGS.contains(&name.as_str()) {
            raw.push(' ');
        }
        rest = &after[gt + 1..];
    }
    raw.push_str(rest);
    let decoded = decode_entities(&raw);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Decodes the character references html5ever's serialiser writes (`&amp;`, `&lt;`, `&gt;`,
/// `&quot;`, `&nbsp;`) and numeric references (`&#39;`, `&#x27;`); others are left as written.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let end = after.find(';').filter(|&i| i <= 10);
        let decoded = end.and_then(|i| {
            let name = &after[1..i];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => name.strip_prefix('#').and_then(|num| {
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => num.parse::<u32>().ok(),
                    };
                    code.and_then(char::from_u32)
                }),
            };
            c.map(|c| (c, i))
        });
        match decoded {
            Some((c, i)) => {
                out.push(c);
                rest = &after[i + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The excerpt of a body's plain text: at most [`EXCERPT_CHARS`] characters, cut at a word
/// boundary, with `…` appended when the text was cut.
pub fn excerpt(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= EXCERPT_CHARS {
        return text.to_string();
    }
    let cut: String = text.chars().take(EXCERPT_CHARS).collect();
    let at_word = match cut.rfind(char::is_whitespace) {
        Some(i) if i > EXCERPT_CHARS / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    let trimmed = at_word.trim_end_matches(|c: char| c.is_whitespace() || ",;:-–—".contains(c));
    format!("{trimmed}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_to_text_strips_tags_and_decodes() {
        let html = "<h1>Title</h1><p>Tom &amp; Jerry&#39;s <em>great</em>&nbsp;show</p><ul><li>a</li><li>b</li></ul>";
        assert_eq!(html_to_text(html), "Title Tom & Jerry's great show a b");
        assert_eq!(
            html_to_text("<p>1 &lt; 2 &unknown; &#x1F980;</p>"),
            "1 < 2 &unknown; 🦀"
        );
    }

    #[test]
    fn excerpt_cuts_at_a_word_boundary() {
        let short = "A short body.";
        assert_eq!(excerpt(short), short);
        let long = "word ".repeat(100);
        let e = excerpt(&long);
        assert!(e.ends_with("word…"), "{e}");
        assert!(e.chars().count() <= EXCERPT_CHARS + 1);
    }

    #[test]
    fn excerpt_handles_multibyte_text() {
        let long = "Tomáš Šedovič — ".repeat(30);
        let e = excerpt(&long);
        assert!(e.ends_with('…'));
        assert!(e.chars().count() <= EXCERPT_CHARS + 1);
    }
}
