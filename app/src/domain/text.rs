//! Small text rules shared by the server and the browser: post URLs, reading time, tag fields.

use chrono::{DateTime, Datelike, Utc};

/// Average adult silent-reading speed used for reading time, in words per minute
/// (the figure Medium and most blog engines use).
pub const WORDS_PER_MINUTE: usize = 230;

/// The site path of a published post: `/<yyyy>/<mm>/<dd>/<slug>/`, dated in UTC.
pub fn post_path(published_at: DateTime<Utc>, slug: &str) -> String {
    format!(
        "/{:04}/{:02}/{:02}/{}/",
        published_at.year(),
        published_at.month(),
        published_at.day(),
        slug
    )
}

/// Reading time in whole minutes (at least 1) for a text of `words` words.
pub fn reading_minutes(words: usize) -> u32 {
    let minutes = words.div_ceil(WORDS_PER_MINUTE).max(1);
    u32::try_from(minutes).unwrap_or(u32::MAX)
}

/// The names in a tag field's text, comma-separated (`rust, , Web Assembly ` → `["rust",
/// "Web Assembly"]`), in order; the server tidies and merges them further.
pub fn split_tag_field(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// `text` cut to at most `max_chars` characters: unchanged when it fits; else cut at the last
/// space before the limit with `…` added (still within `max_chars`), or cut hard when it has
/// no space there. Used where a stored field has a length limit and losing the end of the text
/// is better than refusing it (imported names and titles, meta descriptions).
pub fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let cut: String = text.chars().take(max_chars).collect();
    match cut.trim_end().rfind(' ') {
        Some(i) if i > 0 => format!("{}…", cut[..i].trim_end()),
        _ => cut,
    }
}

/// Counts the words (whitespace-separated runs) in plain text.
pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Escapes text for XML and HTML element content and attribute values: `&`, `<`, `>`, `"` and
/// `'` become character references, and control characters that XML 1.0 forbids are dropped.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn shorten_cuts_at_a_space_within_the_limit() {
        assert_eq!(shorten("short", 10), "short");
        assert_eq!(shorten("one two three", 9), "one two…");
        assert!(shorten("one two three", 9).chars().count() <= 9);
        assert_eq!(shorten("abcdefghij", 4), "abcd");
        assert_eq!(shorten("ééé ééé", 5), "ééé…");
    }

    #[test]
    fn post_path_is_dated_in_utc() {
        let at = Utc.with_ymd_and_hms(2025, 3, 7, 23, 59, 0).unwrap();
        assert_eq!(post_path(at, "Rust-1.87.0"), "/2025/03/07/Rust-1.87.0/");
    }

    #[test]
    fn escapes_markup_and_drops_forbidden_characters() {
        assert_eq!(
            escape_markup("a<b>&\"c'\u{1}"),
            "a&lt;b&gt;&amp;&quot;c&apos;"
        );
    }

    #[test]
    fn reading_time_rounds_up_and_is_at_least_one_minute() {
        assert_eq!(reading_minutes(0), 1);
        assert_eq!(reading_minutes(230), 1);
        assert_eq!(reading_minutes(231), 2);
        assert_eq!(word_count("  one two\nthree\t"), 3);
    }
}

/// English month names, January first.
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The English name of `month` (1-12), or `"?"` outside that range. Written out rather than
/// with chrono's `format`, whose strftime engine would add to the browser's wasm bundle.
pub fn month_name(month: u32) -> &'static str {
    MONTHS
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("?")
}

/// Percent-encodes `value` for a URL query (RFC 3986: everything but unreserved characters and
/// `/`, which is harmless in a query and keeps `?next=/a/b/` readable).
pub fn encode_query_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod encode_tests {
    use super::encode_query_value;

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(encode_query_value("/2024/01/02/a-b/"), "/2024/01/02/a-b/");
        assert_eq!(
            encode_query_value("/search?q=a b&x"),
            "/search%3Fq%3Da%20b%26x"
        );
        assert_eq!(encode_query_value("é"), "%C3%A9");
    }
}
