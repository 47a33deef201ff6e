//! `folio import ghost FILE.json…`: imports Ghost's "Export your content" files (Ghost 2.x to
//! 5.x).
//!
//! The export is a dump of Ghost's tables (`db[0].data.posts`, `users`, `tags`, `posts_tags`,
//! `posts_authors`, `posts_meta`; older files put `meta`/`data` at the top); they are joined here.
//! Fields moved between versions, and each place is read:
//! - page or post: `type` (`"page"`, 4.x+), else the `page` boolean (2.x);
//! - authors: `posts_authors` (sorted), else the post's `author_id` (before 1.22);
//! - SEO: `posts_meta.meta_title`/`meta_description` (4.x+), else the same fields on the post
//!   (2.x/3.x);
//! - body: `html` (what Ghost rendered from `mobiledoc` or, in 5.x, `lexical`), else `plaintext`
//!   in paragraphs (reported).
//!
//! Choices, all reported where they apply:
//! - **Status**: `published` → published, `scheduled` → published with its future date,
//!   `draft` → draft; `sent` (an email-only post, never on the site) → draft.
//! - **Members-only posts** (`visibility` other than `public`) are imported as **drafts**, so
//!   nothing paid or members-only becomes public by moving; an editor publishes them on purpose.
//! - **Category**: Ghost has none; a post's primary tag (its first public tag) becomes its
//!   category, else "Uncategorized". All public tags stay tags; internal tags (`#name`) are
//!   skipped.
//! - **Authors**: the first author is the post's author (an account without a usable password,
//!   with the export's email when no account has it); all of them are in the byline.
//! - **Excerpt and SEO**: `custom_excerpt`, else the meta description, is the description.
//! - **Koenig cards** keep what the sanitiser allows: image and gallery cards their images and
//!   captions, bookmark cards their link and text, code cards their `<pre><code class=
//!   "language-…">`; Ghost's classes go. Embed cards (an `<iframe>`) become a link to what they
//!   showed.
//! - **Feature image**: shown at the top of the body as a figure (Folio's featured image is an
//!   upload; Ghost's is a URL).
//! - **`__GHOST_URL__`** (Ghost 4+'s placeholder for its own address) becomes `--url` when given
//!   (the old Ghost site, so images keep loading from it), else nothing: links become
//!   root-relative on this site (`/other-post/` then redirects to the post).
//! - **Old URLs**: Ghost's default `/<slug>/` answers 301 to the post's dated address; Ghost's
//!   `redirects.json` or `.yaml` (`--redirects`) adds its plain-path rules that point at an
//!   imported post (regular-expression rules cannot be kept and are reported).
//!
//! Idempotent like the other imports: a second run finds each post by date and slug (pages by
//! slug) and changes nothing.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use app::domain::{slugify, PostKind, PostStatus};
use app::ssr::db::redirects::normalize_path;
use app::ssr::posts::rules::PostBody;
use app::ssr::posts::write::{Imported, ImportedPost};
use app::ssr::posts::Posts;
use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{byline, import_failure, ImportError, ImportSummary, FALLBACK_CATEGORY};

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct GhostOptions {
    /// Export files (`.json`).
    pub files: Vec<PathBuf>,
    /// The old Ghost site's address, put where the export says `__GHOST_URL__`.
    pub url: Option<String>,
    /// Ghost's `redirects.json` or `redirects.yaml`.
    pub redirects: Option<PathBuf>,
}

/// One Ghost post, joined with its tags, authors and meta.
#[derive(Debug, Clone, PartialEq)]
struct GhostPost {
    id: String,
    title: String,
    slug: String,
    html: Option<String>,
    plaintext: Option<String>,
    is_page: bool,
    status: String,
    visibility: String,
    published_at: Option<DateTime<Utc>>,
    created_at: Option<DateTime<Utc>>,
    custom_excerpt: Option<String>,
    meta_description: Option<String>,
    feature_image: Option<String>,
    feature_image_alt: Option<String>,
    feature_image_caption: Option<String>,
    tags: Vec<String>,
    authors: Vec<(String, String, Option<String>)>,
}

fn text(value: &Value, key: &str) -> Option<String> {
    match value.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn id(value: &Value, key: &str) -> Option<String> {
    match value.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

fn date(value: &Value, key: &str) -> Option<DateTime<Utc>> {
    match value.get(key)? {
        Value::String(s) => DateTime::parse_from_rfc3339(s.trim())
            .ok()
            .map(|d| d.with_timezone(&Utc))
            .or_else(|| super::source::parse_date(s)),
        // Ghost 0.x/1.x wrote milliseconds since the epoch.
        Value::Number(n) => n.as_i64().and_then(DateTime::from_timestamp_millis),
        _ => None,
    }
}

fn truthy(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_i64() == Some(1),
        Some(Value::String(s)) => s == "1" || s == "true",
        _ => false,
    }
}

/// Why a file is not a Ghost export.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GhostError {
    /// Not JSON.
    #[error("not JSON: {0}")]
    Json(String),
    /// JSON without Ghost's tables.
    #[error("not a Ghost export: {0}")]
    NotGhost(&'static str),
}

/// The tables of an export: `db[0].data`, or `data` at the top (older exports).
fn tables(root: &Value) -> Option<&serde_json::Map<String, Value>> {
    root.get("db")
        .and_then(|db| db.get(0))
        .and_then(|first| first.get("data"))
        .or_else(|| root.get("data"))
        .and_then(Value::as_object)
}

fn rows<'a>(data: &'a serde_json::Map<String, Value>, table: &str) -> &'a [Value] {
    data.get(table)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Reads an export's posts with their tags, authors and meta joined in.
fn parse(json: &str) -> Result<Vec<GhostPost>, GhostError> {
    let root: Value = serde_json::from_str(json).map_err(|e| GhostError::Json(e.to_string()))?;
    let data = tables(&root).ok_or(GhostError::NotGhost("no db[0].data or data object"))?;
    if !data.contains_key("posts") {
        return Err(GhostError::NotGhost("no posts table"));
    }
    let tags: HashMap<String, (String, bool)> = rows(data, "tags")
        .iter()
        .filter_map(|t| {
            let name = text(t, "name")?;
            let internal =
                name.starts_with('#') || text(t, "visibility").is_some_and(|v| v == "internal");
            Some((id(t, "id")?, (name, internal)))
        })
        .collect();
    let users: HashMap<String, (String, String, Option<String>)> = rows(data, "users")
        .iter()
        .filter_map(|u| {
            let name = text(u, "name").unwrap_or_else(|| "Anonymous".into());
            let slug = text(u, "slug").unwrap_or_else(|| slugify(&name));
            Some((id(u, "id")?, (slug, name, text(u, "email"))))
        })
        .collect();
    let sorted = |table: &str, key: &str| {
        let mut by_post: HashMap<String, Vec<(i64, String)>> = HashMap::new();
        for row in rows(data, table) {
            if let (Some(post), Some(other)) = (id(row, "post_id"), id(row, key)) {
                let order = row.get("sort_order").and_then(Value::as_i64).unwrap_or(0);
                by_post.entry(post).or_default().push((order, other));
            }
        }
        for list in by_post.values_mut() {
            list.sort();
        }
        by_post
    };
    let post_tags = sorted("posts_tags", "tag_id");
    let post_authors = sorted("posts_authors", "author_id");
    let meta: HashMap<String, &Value> = rows(data, "posts_meta")
        .iter()
        .filter_map(|m| Some((id(m, "post_id")?, m)))
        .collect();
    let mut posts = Vec::new();
    for p in rows(data, "posts") {
        let Some(post_id) = id(p, "id") else { continue };
        let is_page = match p.get("type") {
            Some(Value::String(t)) => t == "page",
            _ => truthy(p.get("page")),
        };
        let meta_row = meta.get(&post_id).copied();
        let from_meta = |key: &str| meta_row.and_then(|m| text(m, key)).or_else(|| text(p, key));
        let author_ids: Vec<String> = match post_authors.get(&post_id) {
            Some(list) => list.iter().map(|(_, a)| a.clone()).collect(),
            None => id(p, "author_id").into_iter().collect(),
        };
        posts.push(GhostPost {
            title: text(p, "title").unwrap_or_default(),
            slug: text(p, "slug").unwrap_or_default(),
            html: text(p, "html"),
            plaintext: text(p, "plaintext"),
            is_page,
            status: text(p, "status").unwrap_or_else(|| "draft".into()),
            visibility: text(p, "visibility").unwrap_or_else(|| "public".into()),
            published_at: date(p, "published_at"),
            created_at: date(p, "created_at"),
            custom_excerpt: text(p, "custom_excerpt"),
            meta_description: from_meta("meta_description"),
            feature_image: text(p, "feature_image"),
            feature_image_alt: from_meta("feature_image_alt"),
            feature_image_caption: from_meta("feature_image_caption"),
            tags: post_tags
                .get(&post_id)
                .map(|list| {
                    list.iter()
                        .filter_map(|(_, t)| tags.get(t))
                        .filter(|(_, internal)| !internal)
                        .map(|(name, _)| name.clone())
                        .collect()
                })
                .unwrap_or_default(),
            authors: author_ids
                .iter()
                .filter_map(|a| users.get(a).cloned())
                .collect(),
            id: post_id,
        });
    }
    Ok(posts)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The body: the feature image as a figure, then the HTML (or the plain text in paragraphs),
/// `__GHOST_URL__` replaced by `url` (or removed).
fn body(post: &GhostPost, url: &str) -> (String, bool) {
    let mut html = String::new();
    if let Some(image) = &post.feature_image {
        html.push_str(&format!(
            "<figure><img src=\"{}\" alt=\"{}\">",
            escape(image),
            escape(post.feature_image_alt.as_deref().unwrap_or(""))
        ));
        if let Some(caption) = &post.feature_image_caption {
            // Ghost stores the caption as HTML; the sanitiser checks it with the rest.
            html.push_str(&format!("<figcaption>{caption}</figcaption>"));
        }
        html.push_str("</figure>\n");
    }
    let from_text = post.html.is_none();
    match (&post.html, &post.plaintext) {
        (Some(content), _) => html.push_str(content),
        (None, Some(text)) => {
            for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
                html.push_str(&format!("<p>{}</p>\n", escape(paragraph.trim())));
            }
        }
        (None, None) => {}
    }
    let html = iframes_to_links(&html);
    (
        html.replace("__GHOST_URL__", url.trim_end_matches('/')),
        from_text,
    )
}

/// Koenig's embed cards (YouTube, Vimeo, Twitter…) hold an `<iframe>`, which Folio's posts do not
/// allow: each becomes a link to what it showed, so the card is not left empty.
fn iframes_to_links(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<iframe") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let end = after
            .find("</iframe>")
            .map(|e| e + "</iframe>".len())
            .or_else(|| after.find('>').map(|e| e + 1))
            .unwrap_or(after.len());
        let tag = &after[..end];
        let src = tag.find("src=\"").and_then(|i| {
            let value = &tag[i + 5..];
            value.find('"').map(|j| &value[..j])
        });
        if let Some(src) = src.filter(|s| s.starts_with("http") || s.starts_with("//")) {
            let url = if src.starts_with("//") {
                format!("https:{src}")
            } else {
                src.to_string()
            };
            out.push_str(&format!("<a href=\"{url}\">{url}</a>"));
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Ghost's redirects file (`redirects.json`: `[{"from", "to", "permanent"}]`, or
/// `redirects.yaml`: `301: {from: to}` / `302: …`) as (from, to) pairs.
fn read_redirects(path: &Path) -> Result<Vec<(String, String)>, String> {
    let contents = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let is_yaml = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"));
    if is_yaml {
        let value: serde_yaml_ng::Value =
            serde_yaml_ng::from_str(&contents).map_err(|e| format!("invalid YAML: {e}"))?;
        let mut pairs = Vec::new();
        if let serde_yaml_ng::Value::Mapping(codes) = value {
            for (_, rules) in codes {
                if let serde_yaml_ng::Value::Mapping(rules) = rules {
                    for (from, to) in rules {
                        if let (Some(from), Some(to)) = (from.as_str(), to.as_str()) {
                            pairs.push((from.to_string(), to.to_string()));
                        }
                    }
                }
            }
        }
        Ok(pairs)
    } else {
        let value: Value =
            serde_json::from_str(&contents).map_err(|e| format!("invalid JSON: {e}"))?;
        Ok(value
            .as_array()
            .map(|rules| {
                rules
                    .iter()
                    .filter_map(|r| Some((text(r, "from")?, text(r, "to")?)))
                    .collect()
            })
            .unwrap_or_default())
    }
}

/// A redirect rule's `from` as a plain path (`^/old/$`, `/old/`, `^/old/?$` → `/old`), or `None`
/// for a real regular expression.
fn plain_from(from: &str) -> Option<String> {
    let path = from
        .trim()
        .trim_start_matches('^')
        .trim_end_matches('$')
        .trim_end_matches("/?")
        .replace("\\/", "/")
        .replace("\\.", ".");
    let special = [
        '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '\\', '^', '$',
    ];
    (path.starts_with('/') && !path.contains(special))
        .then(|| normalize_path(&path))
        .flatten()
}

/// Imports Ghost exports through the posts wing's `posts`.
///
/// # Errors
/// [`ImportError`] never today (a file that cannot be read or is not an export is reported in the
/// summary, and the other files still import).
pub async fn import_ghost(
    posts: &Posts<'_>,
    options: &GhostOptions,
) -> Result<ImportSummary, ImportError> {
    let mut summary = ImportSummary::default();
    let url = options.url.clone().unwrap_or_default();
    let rules = match &options.redirects {
        Some(path) => match read_redirects(path) {
            Ok(rules) => rules,
            Err(reason) => {
                summary.failed.push((path.clone(), reason));
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    for file in &options.files {
        let parsed = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read the file: {e}"))
            .and_then(|json| parse(&json).map_err(|e| e.to_string()));
        let ghost_posts = match parsed {
            Ok(posts) => posts,
            Err(reason) => {
                summary.failed.push((file.clone(), reason));
                continue;
            }
        };
        let mut with_images = 0usize;
        for post in ghost_posts {
            let label = PathBuf::from(format!(
                "{} (Ghost {} {})",
                file.display(),
                if post.is_page { "page" } else { "post" },
                post.slug
            ));
            let (status, why) = match (post.status.as_str(), post.visibility.as_str()) {
                (_, visibility) if visibility != "public" => (
                    PostStatus::Draft,
                    Some(format!(
                        "visible to {visibility} only on Ghost: imported as a draft"
                    )),
                ),
                ("published" | "scheduled", _) => (PostStatus::Published, None),
                ("sent", _) => (
                    PostStatus::Draft,
                    Some("sent by email only on Ghost: imported as a draft".to_string()),
                ),
                _ => (PostStatus::Draft, None),
            };
            if let Some(why) = why {
                summary.notes.push((label.clone(), why));
            }
            let (html, from_text) = body(&post, &url);
            if from_text {
                summary.notes.push((
                    label.clone(),
                    "no HTML in the export: imported from its plain text".into(),
                ));
            }
            if url.is_empty() && html.contains("/content/images/") {
                with_images += 1;
            }
            let title = if post.title.trim().is_empty() {
                "Untitled".to_string()
            } else {
                post.title.clone()
            };
            let slug = Some(slugify(&post.slug))
                .filter(|s| !s.is_empty())
                .or_else(|| Some(slugify(&title)).filter(|s| !s.is_empty()));
            let Some(slug) = slug else {
                summary
                    .failed
                    .push((label, "neither a slug nor a title to make one from".into()));
                continue;
            };
            let published_at = post.published_at.or(post.created_at);
            let (username, name, email) = post
                .authors
                .first()
                .cloned()
                .unwrap_or_else(|| ("ghost".to_string(), "Ghost".to_string(), None));
            let names: Vec<String> = post.authors.iter().map(|(_, n, _)| n.clone()).collect();
            let kind = if post.is_page {
                PostKind::Page
            } else {
                PostKind::Post
            };
            let mut aliases = Vec::new();
            let ghost_path = normalize_path(&format!("/{}/", post.slug));
            if kind == PostKind::Post {
                aliases.extend(ghost_path.clone());
            }
            for (from, to) in &rules {
                if normalize_path(to) == ghost_path {
                    match plain_from(from) {
                        Some(path) => aliases.push(path),
                        None => summary.notes.push((
                            label.clone(),
                            format!("redirect {from} → {to} is a regular expression: not kept"),
                        )),
                    }
                }
            }
            aliases.sort();
            aliases.dedup();
            let mut imported = ImportedPost {
                author: (
                    Some(slugify(&username))
                        .filter(|u| !u.is_empty())
                        .unwrap_or_else(|| "author".into()),
                    name,
                ),
                author_email: email,
                category: post
                    .tags
                    .first()
                    .cloned()
                    .unwrap_or_else(|| FALLBACK_CATEGORY.to_string()),
                title,
                slug: Some(slug),
                byline: byline(&names),
                body: PostBody::Html { html, source: None },
                meta_description: post
                    .custom_excerpt
                    .clone()
                    .or(post.meta_description.clone()),
                status,
                published_at,
                aliases,
                tags: post.tags.clone(),
                kind,
                nav_order: None,
            };
            for note in imported.repair() {
                summary.notes.push((label.clone(), note));
            }
            match posts.import(imported, Utc::now()).await {
                Ok(Imported::Created(_)) => summary.created += 1,
                Ok(Imported::Updated(_)) => summary.updated += 1,
                Ok(Imported::Unchanged(_)) => summary.unchanged += 1,
                Err(e) => summary.failed.push((label, import_failure(e))),
            }
        }
        if with_images > 0 {
            summary.notes.push((
                file.clone(),
                format!(
                    "{with_images} posts show images from Ghost's /content/images/: copy that folder to where this site serves it, or import again with --url <the old Ghost address>"
                ),
            ));
        }
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ghost_2_and_5_shapes_read_the_same() {
        let v5 = r##"{"db":[{"meta":{"version":"5.80.0"},"data":{
            "posts":[{"id":"a1","title":"Hi","slug":"hi","html":"<p>x</p>","type":"post","status":"published","visibility":"public","published_at":"2023-04-05T06:07:08.000Z","custom_excerpt":null}],
            "posts_meta":[{"post_id":"a1","meta_description":"Meta"}],
            "tags":[{"id":"t1","name":"News"},{"id":"t2","name":"#internal","visibility":"internal"}],
            "posts_tags":[{"post_id":"a1","tag_id":"t2","sort_order":0},{"post_id":"a1","tag_id":"t1","sort_order":1}],
            "users":[{"id":"u1","name":"Ann","slug":"ann","email":"ann@example.org"},{"id":"u2","name":"Bob","slug":"bob"}],
            "posts_authors":[{"post_id":"a1","author_id":"u2","sort_order":1},{"post_id":"a1","author_id":"u1","sort_order":0}]}}]}"##;
        let v2 = r#"{"db":[{"meta":{"version":"2.31.0"},"data":{
            "posts":[{"id":"a1","title":"Hi","slug":"hi","html":"<p>x</p>","page":false,"status":"published","visibility":"public","published_at":"2023-04-05T06:07:08.000Z","meta_description":"Meta","author_id":"u1"}],
            "tags":[{"id":"t1","name":"News"}],
            "posts_tags":[{"post_id":"a1","tag_id":"t1"}],
            "users":[{"id":"u1","name":"Ann","slug":"ann","email":"ann@example.org"}]}}]}"#;
        let five = parse(v5).unwrap().remove(0);
        let two = parse(v2).unwrap().remove(0);
        for post in [&five, &two] {
            assert_eq!(post.tags, vec!["News"]);
            assert_eq!(post.meta_description.as_deref(), Some("Meta"));
            assert!(!post.is_page);
            assert_eq!(post.authors[0].1, "Ann");
            assert_eq!(
                post.published_at.unwrap().to_rfc3339(),
                "2023-04-05T06:07:08+00:00"
            );
        }
        assert_eq!(five.authors.len(), 2);
        assert!(
            parse(r#"{"db":[{"data":{"posts":[{"id":1,"title":"P","slug":"p","page":1}]}}]}"#)
                .unwrap()[0]
                .is_page
        );
        assert_eq!(
            parse("[]"),
            Err(GhostError::NotGhost("no db[0].data or data object"))
        );
        assert!(matches!(parse("{"), Err(GhostError::Json(_))));
    }

    #[test]
    fn bodies_get_their_feature_image_and_placeholders_replaced() {
        let post = GhostPost {
            id: "1".into(),
            title: "T".into(),
            slug: "t".into(),
            html: Some("<p><a href=\"__GHOST_URL__/other/\">x</a></p>".into()),
            plaintext: None,
            is_page: false,
            status: "published".into(),
            visibility: "public".into(),
            published_at: None,
            created_at: None,
            custom_excerpt: None,
            meta_description: None,
            feature_image: Some("__GHOST_URL__/content/images/a.jpg".into()),
            feature_image_alt: Some("A \"cat\"".into()),
            feature_image_caption: Some("By <b>me</b>".into()),
            tags: vec![],
            authors: vec![],
        };
        let (html, from_text) = body(&post, "https://old.example/");
        assert!(!from_text);
        assert_eq!(html, "<figure><img src=\"https://old.example/content/images/a.jpg\" alt=\"A &quot;cat&quot;\"><figcaption>By <b>me</b></figcaption></figure>\n<p><a href=\"https://old.example/other/\">x</a></p>");
        let (relative, _) = body(&post, "");
        assert!(relative.contains("href=\"/other/\""));
    }

    #[test]
    fn embed_cards_become_links() {
        assert_eq!(
            iframes_to_links(
                r#"<figure class="kg-card kg-embed-card"><iframe width="200" src="https://www.youtube.com/embed/abc?feature=oembed" allowfullscreen></iframe></figure><p>after</p>"#
            ),
            r#"<figure class="kg-card kg-embed-card"><a href="https://www.youtube.com/embed/abc?feature=oembed">https://www.youtube.com/embed/abc?feature=oembed</a></figure><p>after</p>"#
        );
        assert_eq!(
            iframes_to_links(r#"<iframe src="javascript:x"></iframe>ok"#),
            "ok"
        );
    }

    #[test]
    fn only_plain_redirect_rules_are_kept() {
        assert_eq!(plain_from("^/old-post/$").as_deref(), Some("/old-post"));
        assert_eq!(
            plain_from("/2019/old\\.html").as_deref(),
            Some("/2019/old.html")
        );
        assert_eq!(plain_from("^/old/?$").as_deref(), Some("/old"));
        assert_eq!(plain_from("^/blog/(.*)$"), None);
        assert_eq!(plain_from("old"), None);
    }
}
