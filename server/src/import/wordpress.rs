//! `folio import wordpress FILE.xml…`: imports WordPress exports (Tools → Export, WXR 1.1/1.2).
//!
//! What comes in, and the choices made:
//! - **Posts and pages** (`post_type` `post` and `page`; a sub-page is reported, as Folio's pages
//!   are flat and live at `/<slug>/`) with their title, slug (`wp:post_name`,
//!   percent-decoded, else made from the title), body ([`super::wp_content`]), meta description
//!   (an SEO plug-in's — Yoast, All in One SEO, Rank Math, SEOPress — else `excerpt:encoded`, else
//!   the text before `<!--more-->`), tags and author. Attachments feed galleries; menu items,
//!   revisions, custom post types and the like are skipped and reported by kind with the reason;
//!   an item listed twice under one WordPress id is imported once.
//! - **Status**: `publish` → published; `future` → published with its future date (scheduled);
//!   `draft` and `pending` → draft; `private` and password-protected items → draft, and reported
//!   (Folio has neither); `trash`, `auto-draft` and `inherit` are skipped.
//! - **Dates**: `wp:post_date_gmt`, else `wp:post_date` (the site's local time, taken as UTC and
//!   reported), else `pubDate`. Drafts keep their date, so a second run finds them again.
//! - **Categories**: Folio's are flat, so a post gets its first category's **leaf** (the category
//!   itself, not its parents); when that category had parents, the report names the path once
//!   ("Tech › Rust: imported as Rust"). No category: "Uncategorized", as WordPress.
//! - **Authors**: the item's `dc:creator` login becomes a staff author account without a usable
//!   password (as the Markdown import does), named by the export's display name; its email is
//!   recorded when no other account has it.
//! - **Old URLs** answer 301 to the new ones: the item's `<link>` path (whatever permalink
//!   structure the site used), `/?p=<id>` and, for pages, `/?page_id=<id>`; attachment pages
//!   (their `<link>` and `/?attachment_id=<id>`) to their file, in the media library when it came
//!   in with `--media-dir`, else at its old URL.
//! - **Media**: with `--media-dir` (a copy of the site's `wp-content/uploads`), image attachments
//!   go into Folio's media library (checked as uploads are, resized copies made) and every post's
//!   links to them, WordPress's resized copies (`-300x200`) included, point at the library;
//!   galleries use them too. Files that are not there or not images keep their old URLs
//!   (reported). A second run finds imported files again by path and size.
//! - **Comments**, approved and pending, with replies kept as replies (`comments.parent_id`;
//!   shown indented). Each commenter gets a reader account without a usable password, found
//!   again by email (or name) on later runs, so the person can claim it with a password reset.
//!   Bodies become plain text (Folio's comments are text); spam and trash are skipped, and so are
//!   pingbacks and trackbacks (counted in the report).
//!
//! Re-running is idempotent: posts are found again by date and slug (pages by slug), so an
//! unchanged export changes nothing and a changed one updates. Each post is written in its own
//! transaction, so a failure leaves no half-imported post, and the rest still imports.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use app::domain::{slugify, PostKind, PostStatus};
use app::ssr::db::redirects::normalize_path;
use app::ssr::posts::rules::PostBody;
use app::ssr::posts::write::{Imported, ImportedPost};
use app::ssr::posts::Posts;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use super::wp_content::{convert, decode_entities};
use super::wxr::{self, Export, Item};
use super::{import_failure, ImportError, ImportSummary, FALLBACK_CATEGORY};

/// What to import.
#[derive(Debug, Clone)]
pub struct WordPressOptions {
    /// Export files.
    pub files: Vec<PathBuf>,
    /// Whether to draw a progress bar (only drawn on a terminal).
    pub progress: bool,
    /// `--media-dir`: a copy of the site's `wp-content/uploads`, imported into the media library.
    pub media: Option<MediaImport>,
}

/// Where attachments come from and go to.
#[derive(Debug, Clone)]
pub struct MediaImport {
    /// The copy of `wp-content/uploads`.
    pub uploads: PathBuf,
    /// The media store they go to.
    pub store: app::ssr::media_store::MediaStore,
    /// The largest file accepted, in bytes (`FOLIO_MEDIA_MAX_BYTES`).
    pub max_bytes: u64,
}

/// The path of an uploads URL below `wp-content/uploads/` (`https://x/wp-content/uploads/2020/01/a.jpg`
/// → `2020/01/a.jpg`).
fn uploads_path(url: &str) -> Option<&str> {
    let at = url.find("wp-content/uploads/")?;
    let path = &url[at + "wp-content/uploads/".len()..];
    let path = path.split(['?', '#']).next().unwrap_or(path);
    (!path.is_empty() && !path.split('/').any(|p| p == ".." || p.is_empty())).then_some(path)
}

/// A WordPress size variant's original (`a-300x200.jpg` → `a.jpg`); `None` when `path` is not one.
fn original_of_size(path: &str) -> Option<String> {
    let (stem, ext) = path.rsplit_once('.')?;
    let (base, size) = stem.rsplit_once('-')?;
    let (w, h) = size.split_once('x')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(w) && digits(h)).then(|| format!("{base}.{ext}"))
}

/// `html` with every URL of a file under `wp-content/uploads/` that was imported (`imported`:
/// uploads path → Folio URL) replaced by its Folio URL; WordPress's resized copies
/// (`-300x200`) point at their original, whose copies Folio makes itself.
fn rewrite_uploads(html: &str, imported: &HashMap<String, String>) -> String {
    if imported.is_empty() || !html.contains("wp-content/uploads/") {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("wp-content/uploads/") {
        let start = rest[..at]
            .rfind(['"', '\'', '(', '=', ' ', '\n', ','])
            .map_or(0, |i| i + 1);
        let end = rest[at..]
            .find(['"', '\'', ')', ' ', '\n', '<', ','])
            .map_or(rest.len(), |i| at + i);
        let url = &rest[start..end];
        let target = uploads_path(url).and_then(|path| {
            imported
                .get(path)
                .or_else(|| original_of_size(path).and_then(|o| imported.get(&o)))
        });
        match target {
            Some(target) => {
                out.push_str(&rest[..start]);
                out.push_str(target);
            }
            None => out.push_str(&rest[..end]),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Imports the export's image attachments from `media` into the library; their uploads paths
/// mapped to Folio URLs, and the attachments' ids mapped to the same.
async fn import_attachments(
    posts: &Posts<'_>,
    export: &Export,
    media: &MediaImport,
    label: &Path,
    summary: &mut ImportSummary,
) -> (HashMap<String, String>, HashMap<i64, String>) {
    let mut by_path = HashMap::new();
    let mut by_id = HashMap::new();
    let mut missing = 0usize;
    for item in export.items.iter().filter(|i| i.post_type == "attachment") {
        let Some(path) = item.attachment_url.as_deref().and_then(uploads_path) else {
            continue;
        };
        let file = media.uploads.join(path);
        let Ok(bytes) = std::fs::read(&file) else {
            missing += 1;
            continue;
        };
        let login = item.creator.clone().unwrap_or_else(|| "admin".to_string());
        let username = Some(slugify(&login))
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "author".to_string());
        let uploader = async {
            let mut conn = posts.db().acquire_write().await?;
            app::ssr::db::users::ensure_author(conn.conn(), &username, &login, Utc::now()).await
        }
        .await;
        let Ok(uploader) = uploader else {
            summary
                .failed
                .push((file, "no account to own the upload".into()));
            continue;
        };
        match app::ssr::media::import_image(
            posts.db(),
            &media.store,
            uploader,
            path,
            bytes,
            media.max_bytes,
            Utc::now(),
        )
        .await
        {
            Ok(row) => {
                let url = app::ssr::media::media_url(&row.file_name);
                by_path.insert(path.to_string(), url.clone());
                if let Some(id) = item.post_id {
                    by_id.insert(id, url);
                }
            }
            Err(error) => summary.notes.push((
                file,
                format!("not imported into the media library ({error}); posts keep its old URL"),
            )),
        }
    }
    if missing > 0 {
        summary.notes.push((
            label.to_path_buf(),
            format!("{missing} attachments are not in --media-dir; posts keep their old URLs"),
        ));
    }
    (by_path, by_id)
}

/// Parses a WordPress `YYYY-MM-DD HH:MM:SS` (`None` for WordPress's zero date).
fn wp_date(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() || text.starts_with("0000") {
        return None;
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
        .ok()
        .map(|at| Utc.from_utc_datetime(&at))
}

/// The item's publication time and whether it had to be guessed from local time.
fn item_date(item: &Item) -> (Option<DateTime<Utc>>, bool) {
    if let Some(at) = item.post_date_gmt.as_deref().and_then(wp_date) {
        return (Some(at), false);
    }
    if let Some(at) = item.post_date.as_deref().and_then(wp_date) {
        return (Some(at), true);
    }
    let from_rss = item
        .pub_date
        .as_deref()
        .and_then(|d| DateTime::parse_from_rfc2822(d.trim()).ok())
        .map(|d| d.with_timezone(&Utc));
    (from_rss, false)
}

/// The slug: `wp:post_name` percent-decoded (WordPress stores non-ASCII slugs encoded), else the
/// title's.
fn item_slug(item: &Item, title: &str) -> Option<String> {
    let from_name = item.post_name.as_deref().map(|name| {
        let decoded = percent_encoding::percent_decode_str(name)
            .decode_utf8_lossy()
            .to_string();
        slugify(&decoded)
    });
    from_name
        .filter(|s| !s.is_empty())
        .or_else(|| Some(slugify(title)).filter(|s| !s.is_empty()))
}

/// The path of `link` on the old site (`https://old.example/2020/01/x/` → `/2020/01/x`), when it
/// is on the site and is not the home page.
fn old_path(link: &str, site: Option<&str>) -> Option<String> {
    let url = url::Url::parse(link).ok()?;
    if let Some(site) = site.and_then(|s| url::Url::parse(s).ok()) {
        if url.host_str() != site.host_str() {
            return None;
        }
        // A site in a sub-folder (`https://example.com/blog`): its paths keep the folder, as
        // Folio will serve them from its own root.
    }
    let mut path = url.path().to_string();
    if let Some(query) = url.query() {
        path = format!("{path}?{query}");
    }
    if path.contains('?') {
        // `?p=12` style links are recorded by id below.
        return None;
    }
    normalize_path(&path)
}

/// Saves the redirects of the export's attachment pages — `/?attachment_id=<id>` and the page's
/// `<link>` path — to their files (`attachments`: id → the library's URL, or the old file URL);
/// the number of old addresses saved.
async fn attachment_redirects(
    posts: &Posts<'_>,
    export: &Export,
    attachments: &HashMap<i64, String>,
    site: Option<&str>,
) -> Result<usize, sqlx::Error> {
    let mut saved = 0;
    let now = Utc::now();
    let mut conn = posts.db().acquire_write().await?;
    for item in export.items.iter().filter(|i| i.post_type == "attachment") {
        let Some(id) = item.post_id else { continue };
        let Some(target) = attachments.get(&id) else {
            continue;
        };
        let usable = target.starts_with("/media/")
            || target.starts_with("https://")
            || target.starts_with("http://");
        if !usable || target.len() > 2000 {
            continue;
        }
        let mut old = vec![format!("/?attachment_id={id}")];
        old.extend(item.link.as_deref().and_then(|l| old_path(l, site)));
        for path in old {
            app::ssr::db::redirects::save_file_redirect(conn.conn(), &path, target, now).await?;
            saved += 1;
        }
    }
    Ok(saved)
}

/// The category path of `slug` ("Tech › Rust"), following parents (at most 20 deep).
fn category_path(
    slug: &str,
    categories: &HashMap<String, (String, Option<String>)>,
) -> Vec<String> {
    let mut path = Vec::new();
    let mut current = Some(slug.to_string());
    while let Some(slug) = current {
        let Some((name, parent)) = categories.get(&slug) else {
            break;
        };
        path.push(name.clone());
        if path.len() >= 20 {
            break;
        }
        current = parent.clone();
    }
    path.reverse();
    path
}

/// Postmeta keys of SEO plug-ins holding a post's meta description, in order of preference:
/// Yoast SEO, All in One SEO (4.x, then the older `aioseop`), Rank Math, SEOPress.
const SEO_DESCRIPTION_KEYS: [&str; 5] = [
    "_yoast_wpseo_metadesc",
    "_aioseo_description",
    "_aioseop_description",
    "rank_math_description",
    "_seopress_titles_desc",
];

/// Plain text of some HTML for a meta description (tags dropped, entities decoded).
fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    decode_entities(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Imports the WordPress exports `options.files` through the posts wing's `posts`.
///
/// # Errors
/// [`ImportError`] never today (an unreadable or malformed file is reported in the summary and
/// the other files still import); the signature matches the Markdown import.
pub async fn import_wordpress(
    posts: &Posts<'_>,
    options: &WordPressOptions,
) -> Result<ImportSummary, ImportError> {
    let mut summary = ImportSummary::default();
    for file in &options.files {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) => {
                summary
                    .failed
                    .push((file.clone(), format!("cannot read the file: {e}")));
                continue;
            }
        };
        let export = match wxr::parse(&text) {
            Ok(export) => export,
            Err(e) => {
                summary.failed.push((file.clone(), e.to_string()));
                continue;
            }
        };
        import_export(posts, file, &export, options, &mut summary).await;
    }
    Ok(summary)
}

async fn import_export(
    posts: &Posts<'_>,
    file: &Path,
    export: &Export,
    options: &WordPressOptions,
    summary: &mut ImportSummary,
) {
    let progress = options.progress;
    let site = export.base_site_url.as_deref().or(export.link.as_deref());
    let mut attachments: HashMap<i64, String> = export
        .items
        .iter()
        .filter(|i| i.post_type == "attachment")
        .filter_map(|i| Some((i.post_id?, i.attachment_url.clone()?)))
        .collect();
    let imported_media = match &options.media {
        Some(media) => {
            let (by_path, by_id) = import_attachments(posts, export, media, file, summary).await;
            attachments.extend(by_id);
            by_path
        }
        None => HashMap::new(),
    };
    let categories: HashMap<String, (String, Option<String>)> = export
        .categories
        .iter()
        .map(|c| {
            (
                c.slug.clone(),
                (
                    decode_entities(&c.name),
                    c.parent.clone().filter(|p| !p.is_empty()),
                ),
            )
        })
        .collect();
    let authors: HashMap<&str, &wxr::Author> = export
        .authors
        .iter()
        .map(|a| (a.login.as_str(), a))
        .collect();
    let wanted: Vec<&Item> = export
        .items
        .iter()
        .filter(|i| i.post_type == "post" || i.post_type == "page")
        .collect();
    let other = export.items.len() - wanted.len();
    summary.skipped += other;
    // Every skipped item with its reason, one line per kind.
    let mut skipped_kinds: BTreeMap<String, usize> = BTreeMap::new();
    for item in export
        .items
        .iter()
        .filter(|i| i.post_type != "post" && i.post_type != "page")
    {
        *skipped_kinds.entry(item.post_type.clone()).or_default() += 1;
    }
    for (kind, n) in &skipped_kinds {
        let why = match kind.as_str() {
            "attachment" => "media library entries: their files come in with --media-dir, their pages are not posts",
            "nav_menu_item" => "menu entries: Folio's navigation lists its pages",
            "revision" => "old revisions: the current text is imported",
            "wp_block" | "wp_template" | "wp_template_part" | "wp_global_styles" | "wp_navigation"
            | "custom_css" | "customize_changeset" | "oembed_cache" | "user_request" => {
                "theme and editor settings, not content"
            }
            _ => "a custom post type of a theme or plug-in, which Folio has no place for",
        };
        summary
            .notes
            .push((file.to_path_buf(), format!("skipped {n} × {kind}: {why}")));
    }
    let mut seen: HashMap<i64, String> = HashMap::new();
    let mut flattened: Vec<String> = Vec::new();
    let mut counts = CommentCounts::default();
    let bar = super::progress_bar(progress, wanted.len());
    for item in wanted {
        bar.inc(1);
        let label = format!(
            "{} (WordPress {} {})",
            file.display(),
            item.post_type,
            item.post_id
                .map_or_else(|| "without id".to_string(), |id| id.to_string())
        );
        let label = PathBuf::from(label);
        if let Some(id) = item.post_id {
            if let Some(first) = seen.get(&id) {
                summary.skipped += 1;
                summary.notes.push((
                    label,
                    format!("skipped: the export lists WordPress id {id} twice; the first (\"{first}\") was imported"),
                ));
                continue;
            }
            seen.insert(id, decode_entities(&item.title));
        }
        let (status, why_draft) = match (item.status.as_str(), item.password.is_some()) {
            (gone @ ("trash" | "auto-draft" | "inherit"), _) => {
                summary.skipped += 1;
                let why = match gone {
                    "trash" => "in WordPress's trash",
                    "auto-draft" => "an auto-draft WordPress made and nobody wrote",
                    _ => "a revision or attachment status, not a post",
                };
                summary.notes.push((label, format!("skipped: {why}")));
                continue;
            }
            (_, true) => (
                PostStatus::Draft,
                Some("password-protected: imported as a draft"),
            ),
            ("publish" | "future", _) => (PostStatus::Published, None),
            ("private", _) => (PostStatus::Draft, Some("private: imported as a draft")),
            _ => (PostStatus::Draft, None),
        };
        if let Some(why) = why_draft {
            summary.notes.push((label.clone(), why.to_string()));
        }
        if item.sticky {
            summary.notes.push((
                label.clone(),
                "sticky on WordPress: Folio has no pinned posts yet, so it is listed by date"
                    .into(),
            ));
        }
        let title = decode_entities(&item.title);
        let title = if title.trim().is_empty() {
            summary
                .notes
                .push((label.clone(), "no title: named \"Untitled\"".into()));
            "Untitled".to_string()
        } else {
            title
        };
        let (published_at, guessed) = item_date(item);
        if guessed {
            summary.notes.push((
                label.clone(),
                "no GMT date: the site's local time was taken as UTC".into(),
            ));
        }
        if status == PostStatus::Published && published_at.is_none() {
            summary
                .notes
                .push((label.clone(), "no date at all: published now".into()));
        }
        let Some(slug) = item_slug(item, &title) else {
            summary
                .failed
                .push((label, "neither a slug nor a title to make one from".into()));
            continue;
        };
        let mut converted = convert(&item.content, &attachments);
        converted.html = rewrite_uploads(&converted.html, &imported_media);
        for note in &converted.notes {
            summary.notes.push((label.clone(), note.clone()));
        }
        // An SEO plug-in's description was written for search results: it comes first.
        let description = SEO_DESCRIPTION_KEYS
            .iter()
            .find_map(|key| item.meta_value(key))
            .map(plain_text)
            .filter(|d| !d.is_empty())
            .or_else(|| item.excerpt.as_deref().map(plain_text))
            .filter(|d| !d.is_empty())
            .or_else(|| converted.more_excerpt.as_deref().map(plain_text))
            .filter(|d| !d.is_empty());
        let category = match item.categories.first() {
            Some((slug, name)) => {
                let path = category_path(slug, &categories);
                let leaf = path
                    .last()
                    .cloned()
                    .unwrap_or_else(|| decode_entities(name));
                if path.len() > 1 {
                    let line = format!("category {}: imported as {leaf}", path.join(" › "));
                    if !flattened.contains(&line) {
                        flattened.push(line);
                    }
                }
                leaf
            }
            None => FALLBACK_CATEGORY.to_string(),
        };
        let login = item.creator.clone().unwrap_or_else(|| "admin".to_string());
        let author = authors.get(login.as_str());
        let display = author
            .and_then(|a| a.display_name.clone())
            .map(|d| decode_entities(&d))
            .unwrap_or_else(|| login.clone());
        let username = Some(slugify(&login))
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "author".to_string());
        let kind = if item.post_type == "page" {
            PostKind::Page
        } else {
            PostKind::Post
        };
        if kind == PostKind::Page && item.post_parent != 0 {
            let parent = export
                .items
                .iter()
                .find(|p| p.post_id == Some(item.post_parent))
                .map_or_else(
                    || format!("page {}", item.post_parent),
                    |p| decode_entities(&p.title),
                );
            summary.notes.push((
                label.clone(),
                format!("a sub-page of \"{parent}\" on WordPress: Folio's pages are flat, so it is at /{slug}/ (its old address redirects)"),
            ));
        }
        let mut aliases = Vec::new();
        if let Some(path) = item.link.as_deref().and_then(|l| old_path(l, site)) {
            aliases.push(path);
        }
        if let Some(id) = item.post_id {
            aliases.push(format!("/?p={id}"));
            if kind == PostKind::Page {
                aliases.push(format!("/?page_id={id}"));
            }
        }
        let mut imported = ImportedPost {
            author: (username, display),
            author_email: author.and_then(|a| a.email.clone()),
            category,
            title,
            slug: Some(slug),
            byline: None,
            body: PostBody::Html {
                html: converted.html,
                source: None,
            },
            meta_description: description,
            status,
            published_at,
            aliases,
            tags: item.tags.iter().map(|t| decode_entities(t)).collect(),
            kind,
            // WordPress orders pages by `menu_order` (0 for all unless someone set it): an
            // order set there places the page in the navigation in that order.
            nav_order: (kind == PostKind::Page && item.menu_order > 0)
                .then(|| i32::try_from(item.menu_order).ok())
                .flatten(),
        };
        for note in imported.repair() {
            summary.notes.push((label.clone(), note));
        }
        let outcome = match posts.import(imported, Utc::now()).await {
            Ok(outcome) => outcome,
            Err(e) => {
                summary.failed.push((label, import_failure(e)));
                continue;
            }
        };
        match outcome {
            Imported::Created(_) => summary.created += 1,
            Imported::Updated(_) => summary.updated += 1,
            Imported::Unchanged(_) => summary.unchanged += 1,
        }
        match import_comments(posts.db(), outcome.id(), item, published_at, &mut counts).await {
            Ok(notes) => {
                for note in notes {
                    summary.notes.push((label.clone(), note));
                }
            }
            Err(error) => summary.failed.push((
                label,
                format!("the post was imported but its comments were not: {error}"),
            )),
        }
    }
    bar.finish_and_clear();
    match attachment_redirects(posts, export, &attachments, site).await {
        Ok(0) => {}
        Ok(n) => summary.notes.push((
            file.to_path_buf(),
            format!("attachment pages: {n} old addresses answer 301 to their files"),
        )),
        Err(error) => summary.failed.push((
            file.to_path_buf(),
            format!("the attachment pages' redirects were not saved: {error}"),
        )),
    }
    for line in flattened {
        summary.notes.push((file.to_path_buf(), line));
    }
    if counts.added + counts.kept > 0 {
        summary.notes.push((
            file.to_path_buf(),
            format!(
                "comments: {} added, {} already there",
                counts.added, counts.kept
            ),
        ));
    }
    if counts.spam > 0 {
        summary.notes.push((
            file.to_path_buf(),
            format!("{} spam or trashed comments skipped", counts.spam),
        ));
    }
    let pingbacks = counts.pingbacks;
    if pingbacks > 0 {
        summary.notes.push((
            file.to_path_buf(),
            format!("{pingbacks} pingbacks and trackbacks skipped"),
        ));
    }
}

/// What happened to the comments of a file.
#[derive(Debug, Default)]
struct CommentCounts {
    added: usize,
    kept: usize,
    spam: usize,
    pingbacks: usize,
}

/// A comment's body as plain text: line breaks kept (`<br>`, paragraphs), tags dropped,
/// entities decoded, at most [`app::model::MAX_COMMENT_CHARS`] characters.
fn comment_text(html: &str) -> (String, bool) {
    let with_breaks = html
        .replace("\r\n", "\n")
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n")
        .replace("</p>", "\n\n");
    let mut out = String::with_capacity(with_breaks.len());
    let mut in_tag = false;
    for c in with_breaks.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let text = decode_entities(&out);
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let text = lines.join("\n").trim().to_string();
    let mut text = text.replace("\n\n\n", "\n\n");
    let max = app::model::MAX_COMMENT_CHARS;
    let cut = text.chars().count() > max;
    if cut {
        text = text.chars().take(max - 1).collect::<String>() + "…";
    }
    (text, cut)
}

/// Imports `item`'s comments onto post `post_id` in one transaction (replies after what they
/// answer); notes for the report.
async fn import_comments(
    db: &app::ssr::db::Db,
    post_id: i64,
    item: &Item,
    post_date: Option<DateTime<Utc>>,
    counts: &mut CommentCounts,
) -> Result<Vec<String>, sqlx::Error> {
    use app::ssr::db::comments::{import, ImportedComment};
    let mut notes = Vec::new();
    let wanted: Vec<&wxr::Comment> = item
        .comments
        .iter()
        .filter(|c| match c.kind.as_str() {
            "pingback" | "trackback" => {
                counts.pingbacks += 1;
                false
            }
            _ if c.approved == "spam" || c.approved == "trash" => {
                counts.spam += 1;
                false
            }
            _ => true,
        })
        .collect();
    if wanted.is_empty() {
        return Ok(notes);
    }
    // Parents first: WordPress numbers comments in the order they were written.
    let mut ordered = wanted;
    ordered.sort_by_key(|c| c.id);
    let mut tx = db.begin().await?;
    let mut imported: HashMap<i64, i64> = HashMap::new();
    let now = Utc::now();
    for comment in ordered {
        let (body, cut) = comment_text(&comment.content);
        if body.is_empty() {
            notes.push(format!("comment {} is empty: skipped", comment.id));
            continue;
        }
        if cut {
            notes.push(format!(
                "comment {} was longer than {} characters: shortened",
                comment.id,
                app::model::MAX_COMMENT_CHARS
            ));
        }
        let name = decode_entities(comment.author.trim());
        let name = if name.is_empty() {
            "Anonymous".to_string()
        } else {
            name
        };
        let username = Some(slugify(&name))
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "commenter".to_string());
        let username: String = username.chars().take(140).collect();
        let author_id = app::ssr::db::users::ensure_commenter(
            tx.conn(),
            &username,
            &name,
            comment.email.as_deref(),
            now,
        )
        .await?;
        let created_at = comment
            .date
            .as_deref()
            .and_then(wp_date)
            .or(post_date)
            .unwrap_or(now);
        let parent_id = (comment.parent != 0)
            .then(|| imported.get(&comment.parent).copied())
            .flatten();
        let (id, new) = import(
            tx.conn(),
            &ImportedComment {
                post_id,
                author_id,
                body: &body,
                created_at,
                is_approved: comment.approved == "1" || comment.approved == "approved",
                parent_id,
            },
        )
        .await?;
        if new {
            counts.added += 1;
        } else {
            counts.kept += 1;
        }
        imported.insert(comment.id, id);
    }
    tx.commit().await?;
    Ok(notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_slugs_and_old_paths() {
        assert_eq!(
            wp_date("2020-01-02 10:00:00").unwrap().to_rfc3339(),
            "2020-01-02T10:00:00+00:00"
        );
        assert_eq!(wp_date("0000-00-00 00:00:00"), None);
        let mut item = Item {
            post_name: Some("%e6%97%a5%e6%9c%ac-caf%c3%a9".into()),
            ..Item::default()
        };
        assert_eq!(item_slug(&item, "x").as_deref(), Some("cafe"));
        item.post_name = None;
        assert_eq!(
            item_slug(&item, "Hello, World").as_deref(),
            Some("hello-world")
        );
        assert_eq!(item_slug(&item, "日本"), None);
        item.post_date = Some("2021-05-06 07:08:09".into());
        item.pub_date = Some("Thu, 06 May 2021 05:08:09 +0000".into());
        assert!(item_date(&item).1);
        item.post_date_gmt = Some("2021-05-06 05:08:09".into());
        assert_eq!(item_date(&item), (wp_date("2021-05-06 05:08:09"), false));
        let site = Some("https://old.example.com");
        assert_eq!(
            old_path("https://old.example.com/2020/01/02/hello-world/", site).as_deref(),
            Some("/2020/01/02/hello-world")
        );
        assert_eq!(old_path("https://old.example.com/?p=12", site), None);
        assert_eq!(old_path("https://elsewhere.example/x/", site), None);
    }

    #[test]
    fn uploads_urls_are_rewritten_to_the_library_sizes_included() {
        let imported: HashMap<String, String> = [(
            "2020/01/cat.jpg".to_string(),
            "/media/2026/12/ab.jpg".to_string(),
        )]
        .into();
        let html = r#"<img src="https://old.example.com/wp-content/uploads/2020/01/cat-300x200.jpg" srcset="https://old.example.com/wp-content/uploads/2020/01/cat-300x200.jpg 300w, https://old.example.com/wp-content/uploads/2020/01/cat.jpg 1200w"><a href="/wp-content/uploads/2020/01/other.pdf">pdf</a>"#;
        assert_eq!(
            rewrite_uploads(html, &imported),
            r#"<img src="/media/2026/12/ab.jpg" srcset="/media/2026/12/ab.jpg 300w, /media/2026/12/ab.jpg 1200w"><a href="/wp-content/uploads/2020/01/other.pdf">pdf</a>"#
        );
        assert_eq!(
            uploads_path("https://x/wp-content/uploads/../etc/passwd"),
            None
        );
        assert_eq!(
            original_of_size("a/b-1024x768.png").as_deref(),
            Some("a/b.png")
        );
        assert_eq!(original_of_size("a/b-final.png"), None);
    }

    #[test]
    fn category_paths_follow_parents() {
        let categories: HashMap<String, (String, Option<String>)> = [
            ("tech".to_string(), ("Tech".to_string(), None)),
            (
                "rust".to_string(),
                ("Rust".to_string(), Some("tech".to_string())),
            ),
            (
                "loop".to_string(),
                ("Loop".to_string(), Some("loop".to_string())),
            ),
        ]
        .into();
        assert_eq!(category_path("rust", &categories), vec!["Tech", "Rust"]);
        assert_eq!(category_path("loop", &categories).len(), 20);
        assert!(category_path("nope", &categories).is_empty());
    }

    #[test]
    fn comment_bodies_become_text_with_their_line_breaks() {
        assert_eq!(
            comment_text("<p>Nice &amp; <b>clear</b>.<br />Thanks!</p>\r\n<p>Bob</p>"),
            ("Nice & clear.\nThanks!\n\nBob".to_string(), false)
        );
        let (long, cut) = comment_text(&"x".repeat(6000));
        assert!(cut && long.chars().count() == app::model::MAX_COMMENT_CHARS);
    }

    #[test]
    fn descriptions_are_plain_text() {
        assert_eq!(
            plain_text("<p>Rust &amp; <em>you</em></p>\n<p>more</p>"),
            "Rust & you more"
        );
    }
}
