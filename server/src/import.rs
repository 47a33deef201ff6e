//! `folio import markdown <DIR>...`: imports a folder tree of Markdown files with front matter.
//! WordPress exports are imported by [`wordpress`], Ghost exports by [`ghost`].
//!
//! Files are read in two passes: the first parses every file (so Zola's internal links
//! `@/path.md` can be resolved to the URLs of the posts they name), the second writes each post
//! in its own transaction. Re-running updates changed posts and duplicates nothing: a post is
//! identified by its publication day and slug. A broken file is reported with its path and the
//! reason and the others still import.

pub mod front_matter;
pub mod ghost;
pub mod shortcodes;
pub mod source;
pub mod wordpress;
pub mod wp_content;
pub mod wxr;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use app::domain::{slugify, text::post_path, PostStatus};
use app::ssr::content::markdown::render_markdown;
use app::ssr::db::redirects::normalize_path;
use app::ssr::posts::rules::PostBody;
use app::ssr::posts::write::{Imported, ImportedPost};
use app::ssr::posts::{PostError, Posts};
use chrono::Utc;

use source::SourcePost;

/// The category of posts that name none and sit directly in an import folder.
pub const FALLBACK_CATEGORY: &str = "Uncategorized";

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Folders (searched recursively) or single files.
    pub paths: Vec<PathBuf>,
    /// The category for posts whose front matter names none.
    pub category: Option<String>,
    /// Whether to draw a progress bar (only drawn on a terminal).
    pub progress: bool,
}

/// The outcome of an import.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ImportSummary {
    /// Posts created.
    pub created: usize,
    /// Posts that existed and changed.
    pub updated: usize,
    /// Posts that existed unchanged.
    pub unchanged: usize,
    /// Section and template files skipped (`_index.md`, front matter without a title or body).
    pub skipped: usize,
    /// Files that failed, with the reason.
    pub failed: Vec<(PathBuf, String)>,
    /// Files imported with something left out or guessed, with what (an unknown shortcode, a
    /// draft without a date).
    pub notes: Vec<(PathBuf, String)>,
}

impl ImportSummary {
    /// The one-line summary printed at the end.
    pub fn line(&self) -> String {
        format!(
            "{} created, {} updated, {} unchanged, {} failed ({} section files skipped, {} notes)",
            self.created,
            self.updated,
            self.unchanged,
            self.failed.len(),
            self.skipped,
            self.notes.len()
        )
    }
}

/// Why an import could not run at all (per-file problems are in [`ImportSummary::failed`]).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A given path does not exist or cannot be read.
    #[error("cannot read {path}: {reason}")]
    Unreadable {
        /// The path.
        path: PathBuf,
        /// What the operating system said.
        reason: String,
    },
}

/// One Markdown file found under an import folder.
struct Found {
    /// The import folder it was found under.
    root: PathBuf,
    /// Its path.
    path: PathBuf,
}

/// A file's post, front matter and Markdown body, or why it cannot become a post.
type ParsedFile = Result<(SourcePost, Front, String), String>;

/// A file's front matter.
type Front = std::collections::BTreeMap<String, front_matter::Value>;

/// A parsed file ready to be written.
struct Parsed {
    path: PathBuf,
    post: SourcePost,
    front: Front,
    body: String,
    category: String,
}

/// Lists the Markdown files under `paths`, sorted, without following symbolic links.
fn find_files(paths: &[PathBuf]) -> Result<Vec<Found>, ImportError> {
    let mut found = Vec::new();
    for root in paths {
        let meta = std::fs::metadata(root).map_err(|e| ImportError::Unreadable {
            path: root.clone(),
            reason: e.to_string(),
        })?;
        if meta.is_file() {
            found.push(Found {
                root: root.parent().map(Path::to_path_buf).unwrap_or_default(),
                path: root.clone(),
            });
            continue;
        }
        for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
            let entry = entry.map_err(|e| ImportError::Unreadable {
                path: root.clone(),
                reason: e.to_string(),
            })?;
            let is_markdown = entry
                .path()
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| {
                    e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown")
                });
            if entry.file_type().is_file() && is_markdown {
                found.push(Found {
                    root: root.clone(),
                    path: entry.into_path(),
                });
            }
        }
    }
    Ok(found)
}

fn is_section_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == "_index.md" || n == "_index.markdown")
}

/// The category for a post without one in its front matter: the `--category` flag, else the
/// title of the nearest Zola section (`_index.md`) between the file and its import folder, else
/// the import folder's top-level sub-folder holding the file (not a page-bundle folder), else
/// [`FALLBACK_CATEGORY`].
fn fallback_category(
    found: &Found,
    flag: Option<&str>,
    sections: &HashMap<PathBuf, String>,
) -> String {
    if let Some(flag) = flag {
        return flag.to_string();
    }
    let mut dir = found.path.parent();
    while let Some(d) = dir {
        if let Some(title) = sections.get(d) {
            return title.clone();
        }
        if d == found.root {
            break;
        }
        dir = d.parent();
    }
    let relative = found.path.strip_prefix(&found.root).unwrap_or(&found.path);
    let is_bundle = found.path.file_stem().is_some_and(|s| s == "index");
    let folders: Vec<_> = relative
        .parent()
        .map(|p| p.components().collect())
        .unwrap_or_default();
    let usable = if is_bundle {
        folders.len() >= 2
    } else {
        !folders.is_empty()
    };
    if usable {
        if let Some(name) = folders.first().and_then(|c| c.as_os_str().to_str()) {
            return name.to_string();
        }
    }
    FALLBACK_CATEGORY.to_string()
}

/// An import's progress bar over `len` items when `enabled` (indicatif draws it only on a
/// terminal), else a hidden one.
pub(crate) fn progress_bar(enabled: bool, len: usize) -> indicatif::ProgressBar {
    if !enabled {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}") {
        bar.set_style(style);
    }
    bar
}

/// Joins several author names into one credit line: "A", "A and B", "A, B and C".
pub fn byline(authors: &[String]) -> Option<String> {
    match authors {
        [] | [_] => None,
        [init @ .., last] => Some(format!("{} and {last}", init.join(", "))),
    }
}

/// Imports the Markdown files under `options.paths` through the posts wing's `posts`.
///
/// # Errors
/// [`ImportError`] when a given path cannot be read; per-file failures are reported in the
/// summary instead.
pub async fn import_markdown(
    posts: &Posts<'_>,
    options: &ImportOptions,
) -> Result<ImportSummary, ImportError> {
    let files = find_files(&options.paths)?;
    let mut summary = ImportSummary::default();

    // Pass 1: read and parse everything; learn section titles and each file's future URL.
    let mut sections: HashMap<PathBuf, String> = HashMap::new();
    let mut documents: Vec<(Found, ParsedFile)> = Vec::new();
    for found in files {
        let text = match std::fs::read_to_string(&found.path) {
            Ok(text) => text,
            Err(e) => {
                summary
                    .failed
                    .push((found.path.clone(), format!("cannot read the file: {e}")));
                continue;
            }
        };
        let doc = match front_matter::parse(&text) {
            Ok(doc) => doc,
            Err(e) => {
                summary.failed.push((found.path.clone(), e.to_string()));
                continue;
            }
        };
        if is_section_file(&found.path) {
            if let Some(title) = doc.front.get("title").and_then(|v| v.as_text()) {
                if let Some(dir) = found.path.parent() {
                    sections.insert(dir.to_path_buf(), title.trim().to_string());
                }
            }
            summary.skipped += 1;
            continue;
        }
        if !doc.front.contains_key("title") && doc.body.trim().is_empty() {
            // A template stub such as Zola's `releases/latest.md`: not a post.
            summary.skipped += 1;
            continue;
        }
        let parsed = source::to_source_post(&doc.front, &found.path)
            .map(|post| (post, doc.front.clone(), doc.body.to_string()))
            .map_err(|e| e.to_string());
        documents.push((found, parsed));
    }

    // Internal links: `@/<path relative to the import folder>` -> the post's URL.
    // Hugo's `ref`/`relref` name a content path too, or only a file's name when that is unique.
    let mut internal: HashMap<String, String> = HashMap::new();
    let mut by_name: HashMap<String, Option<String>> = HashMap::new();
    for (found, parsed) in &documents {
        if let Ok((post, _, _)) = parsed {
            if let Some(at) = post.published_at {
                let url = post_path(at, &post.slug);
                let relative = found.path.strip_prefix(&found.root).unwrap_or(&found.path);
                let relative = relative.to_string_lossy().replace('\\', "/");
                if let Some(folder) = relative.strip_suffix("/index.md") {
                    internal.insert(format!("@/{folder}"), url.clone());
                }
                let name = match relative.strip_suffix("/index.md") {
                    Some(folder) => folder.rsplit('/').next().unwrap_or(folder).to_string(),
                    None => relative
                        .rsplit('/')
                        .next()
                        .unwrap_or(&relative)
                        .trim_end_matches(".md")
                        .trim_end_matches(".markdown")
                        .to_string(),
                };
                by_name
                    .entry(name)
                    .and_modify(|seen| *seen = None)
                    .or_insert_with(|| Some(url.clone()));
                internal.insert(format!("@/{relative}"), url);
            }
        }
    }
    let hugo_ref = |target: &str| -> Option<String> {
        let (path, fragment) = match target.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (target, None),
        };
        let path = path.trim().trim_matches('/');
        let path = path.strip_prefix("content/").unwrap_or(path);
        let url = if path.is_empty() {
            None
        } else {
            [
                format!("@/{path}"),
                format!("@/{path}.md"),
                format!("@/{path}/index.md"),
            ]
            .iter()
            .find_map(|key| internal.get(key).cloned())
            .or_else(|| {
                let name = path.rsplit('/').next().unwrap_or(path);
                let name = name.trim_end_matches(".md").trim_end_matches(".markdown");
                by_name.get(name).cloned().flatten()
            })
        };
        match (url, fragment) {
            (Some(url), Some(f)) => Some(format!("{url}#{f}")),
            (Some(url), None) => Some(url),
            (None, Some(f)) if path.is_empty() => Some(format!("#{f}")),
            (None, _) => None,
        }
    };
    let resolve = |target: &str| -> Option<String> {
        let (path, fragment) = match target.split_once('#') {
            Some((p, f)) => (p, Some(f)),
            None => (target, None),
        };
        let url = internal.get(path.trim_end_matches('/'))?;
        Some(match fragment {
            Some(f) => format!("{url}#{f}"),
            None => url.clone(),
        })
    };

    let mut ready: Vec<Parsed> = Vec::with_capacity(documents.len());
    let mut keys: BTreeMap<(String, String), PathBuf> = BTreeMap::new();
    for (found, parsed) in documents {
        match parsed {
            Ok((post, front, body)) => {
                if let Some(at) = post.published_at {
                    let key = (at.date_naive().to_string(), post.slug.clone());
                    if let Some(first) = keys.get(&key) {
                        summary.failed.push((
                            found.path.clone(),
                            format!(
                                "same date and slug as {} ({} {})",
                                first.display(),
                                key.0,
                                key.1
                            ),
                        ));
                        continue;
                    }
                    keys.insert(key, found.path.clone());
                }
                let category = post.category.clone().unwrap_or_else(|| {
                    fallback_category(&found, options.category.as_deref(), &sections)
                });
                if post.kind == app::domain::PostKind::Page {
                    // Pages have no date to report.
                } else if post.draft && post.published_at.is_none() {
                    summary.notes.push((
                        found.path.clone(),
                        "a draft without a date: imported as a draft; its date is set when it is published".into(),
                    ));
                } else if post.published_at.is_none() {
                    summary.notes.push((
                        found.path.clone(),
                        "no date in the front matter or the file name: imported as a draft, not published".into(),
                    ));
                }
                ready.push(Parsed {
                    path: found.path,
                    post,
                    front,
                    body,
                    category,
                });
            }
            Err(reason) => summary.failed.push((found.path, reason)),
        }
    }

    // Pass 2: write, one transaction per post.
    let bar = progress_bar(options.progress, ready.len());
    for parsed in ready {
        bar.set_message(parsed.path.display().to_string());
        let context = shortcodes::Context {
            front: &parsed.front,
            resolve: &hugo_ref,
        };
        let (markdown, notes) = shortcodes::expand(&parsed.body, &context);
        for note in notes {
            summary.notes.push((parsed.path.clone(), note));
        }
        let html = render_markdown(&markdown, Some(&resolve));
        let mut imported = imported_post(&parsed, html, markdown);
        for note in imported.repair() {
            summary.notes.push((parsed.path.clone(), note));
        }
        match posts.import(imported, Utc::now()).await {
            Ok(Imported::Created(_)) => summary.created += 1,
            Ok(Imported::Updated(_)) => summary.updated += 1,
            Ok(Imported::Unchanged(_)) => summary.unchanged += 1,
            Err(e) => summary
                .failed
                .push((parsed.path.clone(), import_failure(e))),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(summary)
}

/// One parsed file as the posts wing's import takes it (author, category, redirects and all).
fn imported_post(parsed: &Parsed, html: String, markdown: String) -> ImportedPost {
    let post = &parsed.post;
    let author_name = post
        .authors
        .first()
        .cloned()
        .unwrap_or_else(|| "Anonymous".to_string());
    let username = {
        let s = slugify(&author_name);
        if s.is_empty() {
            "author".to_string()
        } else {
            s
        }
    };
    let status = if post.archived {
        PostStatus::Archived
    } else if post.draft || post.published_at.is_none() {
        PostStatus::Draft
    } else {
        PostStatus::Published
    };
    ImportedPost {
        author: (username, author_name),
        author_email: None,
        category: parsed.category.clone(),
        title: post.title.clone(),
        slug: Some(post.slug.clone()),
        byline: byline(&post.authors),
        body: PostBody::Html {
            html,
            // The Markdown as rendered: shortcodes expanded, so re-rendering gives the same.
            source: Some(markdown),
        },
        meta_description: post.description.clone(),
        status,
        published_at: post.published_at,
        aliases: post
            .aliases
            .iter()
            .filter_map(|a| normalize_path(a))
            .collect(),
        tags: post.tags.clone(),
        kind: post.kind,
        nav_order: post.nav_order,
    }
}

/// Why a post could not be imported, in words for the report (field messages by field; a
/// database failure as itself, since the operator reads it in a terminal).
fn import_failure(error: PostError) -> String {
    match error {
        PostError::Invalid(errors) => errors
            .0
            .iter()
            .map(|(field, messages)| format!("{field}: {}", messages.join(" ")))
            .collect::<Vec<_>>()
            .join("; "),
        PostError::SlugTaken { slug, date } => match date {
            Some(day) => format!("another post already has the slug '{slug}' on {day}"),
            None => format!("the slug '{slug}' is taken"),
        },
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bylines_join_names() {
        assert_eq!(byline(&["A".into()]), None);
        assert_eq!(
            byline(&["A".into(), "B".into()]).as_deref(),
            Some("A and B")
        );
        assert_eq!(
            byline(&["A".into(), "B".into(), "C".into()]).as_deref(),
            Some("A, B and C")
        );
    }

    #[test]
    fn category_falls_back_in_order() {
        let root = PathBuf::from("/c");
        let sections: HashMap<PathBuf, String> =
            [(PathBuf::from("/c/inside"), "Inside".to_string())].into();
        let at = |p: &str| Found {
            root: root.clone(),
            path: PathBuf::from(p),
        };
        assert_eq!(
            fallback_category(&at("/c/inside/x.md"), Some("Flag"), &sections),
            "Flag"
        );
        assert_eq!(
            fallback_category(&at("/c/inside/deep/x.md"), None, &sections),
            "Inside"
        );
        assert_eq!(
            fallback_category(&at("/c/news/x.md"), None, &sections),
            "news"
        );
        assert_eq!(
            fallback_category(&at("/c/Bundle/index.md"), None, &sections),
            FALLBACK_CATEGORY
        );
        assert_eq!(
            fallback_category(&at("/c/news/Bundle/index.md"), None, &sections),
            "news"
        );
        assert_eq!(
            fallback_category(&at("/c/x.md"), None, &sections),
            FALLBACK_CATEGORY
        );
    }
}
