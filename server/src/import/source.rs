//! Mapping one Markdown file's front matter and location to the fields of a post.
//!
//! Generators keep the same facts in different places; the rules, in order of preference:
//! - **date**: Zola's `path` (`[prefix/]YYYY/MM/DD/slug`), else `date` (a date, RFC 3339 with
//!   or without the colon in the offset and with or without fractional seconds, or
//!   `YYYY-MM-DD HH:MM[:SS]`, taken as UTC), else a Jekyll file name `YYYY-MM-DD-slug.md`;
//!   a post without a date is imported as a draft (and the import report says so).
//! - **slug**: `slug`, else the last segment of `path`, else the file name (for `index.md`, its
//!   folder's name), without a Jekyll date prefix.
//! - **authors**: `authors` (list) or `author` (text or list). A name written as a Markdown link
//!   (`[Ann](https://ann.dev)`) keeps its text; an affiliation in parentheses is dropped; a
//!   single text naming several people ("Ann, Bob and Carol") is split.
//!
//! Keys are matched without regard to case (`Author`, `Title`), the first spelling winning.
//! - **category**: `category`, `categories` or `taxonomies.categories` (first entry).
//! - **description**: `description`, else `summary`.
//! - **aliases**: `aliases` (Zola, Hugo) or `redirect_from` (Jekyll).
//! - **draft**: `draft = true`.
//! - **kind**: `kind = "page"` (as `folio export markdown` writes pages), else a post.
//! - **archived**: `[extra] status = "archived"` (Folio's own export), kept as archived.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

use super::front_matter::Value;

/// A post as one source file describes it, before it meets the database.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcePost {
    /// The title.
    pub title: String,
    /// The slug (not yet validated).
    pub slug: String,
    /// The publication time, if the file gives one.
    pub published_at: Option<DateTime<Utc>>,
    /// Author names, in order.
    pub authors: Vec<String>,
    /// The category named in the front matter, if any.
    pub category: Option<String>,
    /// The tags named in the front matter, in order (`tags` as a list or a comma-separated
    /// string, or Zola's `taxonomies.tags`).
    pub tags: Vec<String>,
    /// The description or summary.
    pub description: Option<String>,
    /// Old URL paths of the post.
    pub aliases: Vec<String>,
    /// Whether the file is marked as a draft.
    pub draft: bool,
    /// Whether `[extra] status = "archived"` (as `folio export markdown` writes archived posts).
    pub archived: bool,
    /// A dated post or a page.
    pub kind: app::domain::PostKind,
    /// A page's place in the site's navigation: `[extra] nav_order` (as `folio export markdown`
    /// writes it) or `weight` (Zola, Hugo).
    pub nav_order: Option<i32>,
}

/// Why a file cannot become a post.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// The front matter has no usable title.
    #[error("front matter has no 'title'")]
    NoTitle,
    /// The date could not be read.
    #[error("cannot read the date '{0}': use YYYY-MM-DD or RFC 3339")]
    BadDate(String),
    /// The `path` key does not end in `YYYY/MM/DD/slug`.
    #[error("cannot read 'path' = '{0}': expected [prefix/]YYYY/MM/DD/slug")]
    BadPath(String),
}

fn text(front: &BTreeMap<String, Value>, key: &str) -> Option<String> {
    front
        .get(key)
        .and_then(Value::as_text)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Reads `YYYY/MM/DD/slug` at the end of a Zola `path`.
fn date_and_slug_from_path(path: &str) -> Option<(NaiveDate, String)> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    if segments.len() < 4 {
        return None;
    }
    let tail = &segments[segments.len() - 4..];
    let date = NaiveDate::from_ymd_opt(
        tail[0].parse().ok()?,
        tail[1].parse().ok()?,
        tail[2].parse().ok()?,
    )?;
    (!tail[3].is_empty() && tail[0].len() == 4).then(|| (date, tail[3].to_string()))
}

/// Parses the date forms generators write; times without a zone are taken as UTC.
pub fn parse_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f %z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M %z",
    ] {
        if let Ok(at) = DateTime::parse_from_str(text, format) {
            return Some(at.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(at) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Utc.from_utc_datetime(&at));
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(midnight)
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// One author's name as written in front matter: a Markdown link's text instead of the link, no
/// parenthesised affiliation, spaces collapsed. `[Ann Lee](https://ann.dev) (Acme)` → `Ann Lee`.
pub fn author_name(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    // Markdown links: keep the text between the brackets, drop the (target).
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find("](").map(|i| open + i) else {
            break;
        };
        let Some(end) = rest[close..].find(')').map(|i| close + i) else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&rest[open + 1..close]);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    // Affiliations: "(Acme)".
    let mut name = String::with_capacity(out.len());
    let mut depth = 0usize;
    for c in out.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            c if depth == 0 => name.push(c),
            _ => {}
        }
    }
    name.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The people one front-matter text names: split at commas, semicolons, `&` and " and ", each
/// cleaned by [`author_name`]. "[Ann](https://a.dev) (Acme), Bob and Carol" → Ann, Bob, Carol.
pub fn author_names(raw: &str) -> Vec<String> {
    // Split outside brackets and parentheses only (a link's text may hold a comma).
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut depth = 0usize;
    let chars: Vec<char> = raw.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        let and_here = depth == 0
            && c == ' '
            && chars[i..]
                .iter()
                .take(5)
                .collect::<String>()
                .eq_ignore_ascii_case(" and ");
        if depth == 0 && (matches!(c, ',' | ';' | '&') || and_here) {
            parts.push(std::mem::take(&mut current));
            if and_here {
                i += 4;
            }
        } else {
            current.push(c);
        }
        i += 1;
    }
    parts.push(current);
    parts
        .iter()
        .map(|p| author_name(p))
        .filter(|p| !p.is_empty())
        .collect()
}

/// Splits a Jekyll file stem `YYYY-MM-DD-rest` into its date and the rest.
fn jekyll_stem(stem: &str) -> Option<(NaiveDate, &str)> {
    let date = stem.get(..10)?;
    let rest = stem.get(10..)?.strip_prefix('-')?;
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    (!rest.is_empty()).then_some((date, rest))
}

/// Maps a file's front matter to a post; `file` is the file's path (for the slug and date
/// fallbacks).
///
/// # Errors
/// [`SourceError`] when the title is missing or a date or path cannot be read.
pub fn to_source_post(
    front: &BTreeMap<String, Value>,
    file: &Path,
) -> Result<SourcePost, SourceError> {
    // Keys without regard to case: the first spelling (in the map's order) wins.
    let mut lowered: BTreeMap<String, Value> = BTreeMap::new();
    for (key, value) in front {
        lowered
            .entry(key.to_lowercase())
            .or_insert_with(|| value.clone());
    }
    let front = &lowered;
    let title = text(front, "title").ok_or(SourceError::NoTitle)?;
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let file_slug = if stem == "index" {
        file.parent()
            .and_then(|p| p.file_name())
            .and_then(|s| s.to_str())
            .unwrap_or(stem)
    } else {
        stem
    };
    let jekyll = jekyll_stem(file_slug);

    let from_path = match text(front, "path") {
        Some(path) => Some(date_and_slug_from_path(&path).ok_or(SourceError::BadPath(path))?),
        None => None,
    };
    let published_at = match (&from_path, text(front, "date")) {
        (Some((date, _)), _) => Some(midnight(*date)),
        (None, Some(raw)) => Some(parse_date(&raw).ok_or(SourceError::BadDate(raw))?),
        (None, None) => jekyll.map(|(date, _)| midnight(date)),
    };
    let slug = text(front, "slug")
        .or_else(|| from_path.as_ref().map(|(_, slug)| slug.clone()))
        .unwrap_or_else(|| {
            jekyll
                .map(|(_, rest)| rest)
                .unwrap_or(file_slug)
                .to_string()
        });

    let authors = match ["authors", "author"].iter().find_map(|key| front.get(*key)) {
        Some(Value::List(items)) => items
            .iter()
            .filter_map(Value::as_text)
            .map(author_name)
            .filter(|a| !a.is_empty())
            .collect(),
        Some(value) => value.as_text().map(author_names).unwrap_or_default(),
        None => Vec::new(),
    };
    let taxonomy = |name: &str| match front.get("taxonomies") {
        Some(Value::Table(t)) => t.get(name).map(Value::as_text_list).unwrap_or_default(),
        _ => Vec::new(),
    };
    let taxonomy_categories = taxonomy("categories");
    // Hugo and Jekyll write `tags` as a list or as one comma-separated string; Zola puts them
    // under `taxonomies`.
    let tags: Vec<String> = match front.get("tags") {
        Some(value) => value
            .as_text_list()
            .iter()
            .flat_map(|t| t.split(','))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        None => taxonomy("tags"),
    };
    let category = text(front, "category")
        .or_else(|| {
            front
                .get("categories")
                .and_then(|v| v.as_text_list().into_iter().next())
        })
        .or_else(|| taxonomy_categories.into_iter().next());
    let description = text(front, "description").or_else(|| text(front, "summary"));
    let aliases = ["aliases", "redirect_from"]
        .iter()
        .find_map(|key| front.get(*key))
        .map(Value::as_text_list)
        .unwrap_or_default();
    let draft = matches!(front.get("draft"), Some(Value::Bool(true)));
    let extra = match front.get("extra") {
        Some(Value::Table(extra)) => Some(extra),
        _ => None,
    };
    let archived = extra
        .and_then(|e| e.get("status"))
        .and_then(Value::as_text)
        .is_some_and(|s| s.eq_ignore_ascii_case("archived"));
    // `[extra] nav_order` (Folio's own export; Zola's `weight` means the same for a page).
    let nav_order = extra
        .and_then(|e| e.get("nav_order"))
        .or_else(|| front.get("weight"))
        .and_then(Value::as_text)
        .and_then(|n| n.trim().parse::<i32>().ok())
        .filter(|n| *n >= 0);
    let kind = if text(front, "kind").is_some_and(|k| k.eq_ignore_ascii_case("page")) {
        app::domain::PostKind::Page
    } else {
        app::domain::PostKind::Post
    };
    Ok(SourcePost {
        title,
        slug,
        published_at,
        authors,
        category,
        tags,
        description,
        aliases,
        draft,
        archived,
        kind,
        nav_order,
    })
}

#[cfg(test)]
mod tests {
    use super::super::front_matter::parse;
    use super::*;

    fn map(text: &str, file: &str) -> Result<SourcePost, SourceError> {
        let doc = parse(text).unwrap();
        to_source_post(&doc.front, Path::new(file))
    }

    #[test]
    fn zola_path_gives_date_and_slug() {
        let post = map(
            "+++\npath = \"inside-rust/2020/01/31/conf-lineup\"\ntitle = \"T\"\nauthors = [\"A B\"]\naliases = [\"2020/01/31/conf-lineup.html\"]\n+++\n",
            "content/inside-rust/conf-lineup@2.md",
        )
        .unwrap();
        assert_eq!(post.slug, "conf-lineup");
        assert_eq!(
            post.published_at.unwrap().to_rfc3339(),
            "2020-01-31T00:00:00+00:00"
        );
        assert_eq!(post.authors, vec!["A B"]);
        assert_eq!(post.aliases, vec!["2020/01/31/conf-lineup.html"]);
    }

    #[test]
    fn hugo_and_jekyll_forms() {
        let hugo = map("---\ntitle: Hi\ndate: 2021-02-03T10:00:00+02:00\nslug: hello\ncategories: [News]\nauthor: Ann\ndraft: true\n---\n", "post.md").unwrap();
        assert_eq!(hugo.slug, "hello");
        assert_eq!(
            hugo.published_at.unwrap().to_rfc3339(),
            "2021-02-03T08:00:00+00:00"
        );
        assert_eq!(hugo.category.as_deref(), Some("News"));
        assert_eq!(hugo.authors, vec!["Ann"]);
        assert!(hugo.draft);
        let jekyll = map("---\ntitle: J\n---\n", "_posts/2019-05-06-my-post.md").unwrap();
        assert_eq!(jekyll.slug, "my-post");
        assert_eq!(
            jekyll.published_at.unwrap().date_naive().to_string(),
            "2019-05-06"
        );
        let bundle = map("+++\ntitle = \"B\"\n+++\n", "content/My-Bundle/index.md").unwrap();
        assert_eq!(bundle.slug, "My-Bundle");
        assert_eq!(bundle.published_at, None);
    }

    #[test]
    fn real_sites_dates_and_authors() {
        for (written, expected) in [
            ("2021-02-03", "2021-02-03T00:00:00+00:00"),
            ("2021-02-03T10:00:00+02:00", "2021-02-03T08:00:00+00:00"),
            ("2021-02-03T10:00:00+0200", "2021-02-03T08:00:00+00:00"),
            (
                "2021-02-03T10:00:00.123456-0500",
                "2021-02-03T15:00:00.123456+00:00",
            ),
            ("2021-02-03T10:00:00.5Z", "2021-02-03T10:00:00.500+00:00"),
            ("2021-02-03T10:00:00.25", "2021-02-03T10:00:00.250+00:00"),
            ("2021-02-03 10:00:00 +0100", "2021-02-03T09:00:00+00:00"),
        ] {
            assert_eq!(
                parse_date(written).map(|d| d.to_rfc3339()).as_deref(),
                Some(expected),
                "{written}"
            );
        }
        let post = map(
            "---\nTitle: Caps\nAuthor: \"[Ann Lee](https://ann.dev) (Acme Corp), Bob and Carol Ng\"\nDate: 2020-05-06\n---\n",
            "x.md",
        )
        .unwrap();
        assert_eq!(post.title, "Caps");
        assert_eq!(post.authors, vec!["Ann Lee", "Bob", "Carol Ng"]);
        assert_eq!(
            post.published_at.unwrap().date_naive().to_string(),
            "2020-05-06"
        );
        let listed = map(
            "---\ntitle: L\nauthors: [\"[Dee, Jr.](https://d.dev)\", \"Eve (Initech)\"]\n---\n",
            "x.md",
        )
        .unwrap();
        assert_eq!(listed.authors, vec!["Dee, Jr.", "Eve"]);
        assert_eq!(author_names("Sandra & Anders"), vec!["Sandra", "Anders"]);
        assert_eq!(
            author_names("Alexandra Andersson"),
            vec!["Alexandra Andersson"]
        );
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(
            map("+++\nauthors = []\n+++\n", "x.md"),
            Err(SourceError::NoTitle)
        );
        assert_eq!(
            map("---\ntitle: x\ndate: yesterday\n---\n", "x.md"),
            Err(SourceError::BadDate("yesterday".into()))
        );
        assert_eq!(
            map("+++\ntitle = \"x\"\npath = \"nope\"\n+++\n", "x.md"),
            Err(SourceError::BadPath("nope".into()))
        );
    }
}
