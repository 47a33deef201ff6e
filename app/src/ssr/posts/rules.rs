//! The saving rules of a post (from the foundation issue, after Django's tutorial blog), pure
//! functions every write path applies through the write service:
//!
//! - an empty slug is made from the title; a given one must be a valid slug;
//! - publishing sets `published_at` when it is empty (a future one schedules the post);
//! - the body is sanitised (Markdown rendered first); the excerpt and the searchable text are
//!   derived from it, never typed;
//! - a post is public when its status is `PUBLISHED` and `published_at <= now`;
//! - its version (for optimistic locking) is a digest of its id, last save and status.

use chrono::{DateTime, Utc};

use crate::domain::kind::RESERVED_PAGE_SLUGS;
use crate::domain::text::post_path;
use crate::domain::{slugify, PostKind, PostStatus, Slug};
use crate::ssr::content::{markdown, sanitize, text};
use crate::ssr::db::posts::rows::PostRecord;

use super::error::PostError;

/// The longest title, in characters (the `posts.title` check).
pub const MAX_TITLE_CHARS: usize = 200;

/// The longest meta description kept, in characters; longer ones are cut at a word boundary.
pub const MAX_DESCRIPTION_CHARS: usize = 300;

/// Where a post's body comes from.
#[derive(Debug, Clone)]
pub enum PostBody {
    /// Markdown, rendered and sanitised on save; kept as `body_source`.
    Markdown(String),
    /// HTML already rendered (e.g. with import-specific link resolution), sanitised again on save.
    Html {
        /// The HTML.
        html: String,
        /// The source it was rendered from, if any.
        source: Option<String>,
    },
}

/// What an author or an import supplies for a post; [`prepare`] turns it into a [`PostRecord`].
#[derive(Debug, Clone)]
pub struct PostInput {
    /// The title.
    pub title: String,
    /// The slug; generated from the title when `None` or empty.
    pub slug: Option<String>,
    /// The author's user id.
    pub author_id: i64,
    /// The category id.
    pub category_id: i64,
    /// Credits when the post has several authors.
    pub byline: Option<String>,
    /// The body.
    pub body: PostBody,
    /// A description for search engines and link previews.
    pub meta_description: Option<String>,
    /// The status.
    pub status: PostStatus,
    /// The publication time; set to now when publishing without one.
    pub published_at: Option<DateTime<Utc>>,
    /// A dated post or a static page.
    pub kind: PostKind,
    /// A page's place in the site's navigation (smallest first); ignored for posts.
    pub nav_order: Option<i32>,
}

impl PostInput {
    /// The input that stores `record` again unchanged (the start of an edit): its body as the
    /// stored HTML with its source, which the rules sanitise again to the same result.
    pub fn from_stored(record: &PostRecord) -> Self {
        Self {
            title: record.title.clone(),
            slug: Some(record.slug.clone()),
            author_id: record.author_id,
            category_id: record.category_id,
            byline: record.byline.clone(),
            body: PostBody::Html {
                html: record.body.clone(),
                source: record.body_source.clone(),
            },
            meta_description: record.meta_description.clone(),
            status: record.status,
            published_at: record.published_at,
            kind: record.kind,
            nav_order: record.nav_order,
        }
    }
}

/// Applies the saving rules to `input` (see the module documentation).
///
/// # Errors
/// [`PostError::Invalid`] for an empty or too long title (`title`) or an invalid slug (`slug`).
pub fn prepare(input: PostInput, now: DateTime<Utc>) -> Result<PostRecord, PostError> {
    let title = input.title.trim().to_string();
    if title.is_empty() {
        return Err(PostError::field("title", "the title is empty"));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(PostError::field(
            "title",
            format!("the title is longer than {MAX_TITLE_CHARS} characters"),
        ));
    }
    let slug = match input
        .slug
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(given) => Slug::parse(given)
            .map_err(|e| PostError::field("slug", e.to_string()))?
            .to_string(),
        None => {
            let generated = slugify(&title);
            if generated.is_empty() {
                "post".to_string()
            } else {
                generated
            }
        }
    };
    if input.kind == PostKind::Page && RESERVED_PAGE_SLUGS.contains(&slug.as_str()) {
        return Err(PostError::field(
            "slug",
            format!("/{slug}/ is one of Folio's own addresses: choose another slug for the page."),
        ));
    }
    let nav_order = match input.kind {
        PostKind::Page => input.nav_order.filter(|n| *n >= 0),
        PostKind::Post => None,
    };
    let (body, body_source) = match input.body {
        PostBody::Markdown(source) => (markdown::render_markdown(&source, None), Some(source)),
        PostBody::Html { html, source } => (sanitize::sanitize_html(&html), source),
    };
    let body_text = text::html_to_text(&body);
    let excerpt = text::excerpt(&body_text);
    let meta_description = input
        .meta_description
        .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|d| !d.is_empty())
        .map(|d| cut_description(&d));
    let published_at = match (input.status, input.published_at) {
        (PostStatus::Published, None) => Some(now),
        (_, at) => at,
    };
    Ok(PostRecord {
        title,
        slug,
        author_id: input.author_id,
        category_id: input.category_id,
        byline: input.byline.filter(|b| !b.trim().is_empty()),
        body,
        body_source,
        body_text,
        excerpt,
        meta_description,
        status: input.status,
        published_at,
        kind: input.kind,
        nav_order,
    })
}

fn cut_description(description: &str) -> String {
    crate::domain::text::shorten(description, MAX_DESCRIPTION_CHARS)
}

/// The title stored while the writer has not given one (a new post's first autosave).
pub const UNTITLED: &str = "Untitled";

/// A post's version digest: its id, last save time and status. Every save that checks for
/// concurrent changes (the admin's change form, the rich editor) compares it, so each notices
/// the other's saves.
pub fn post_version(id: i64, updated_at: DateTime<Utc>, status: PostStatus) -> String {
    crate::ssr::version::version_of(&[&id.to_string(), &updated_at.to_rfc3339(), status.as_str()])
}

/// Where readers find a post of `kind` with `status`, `published_at` and `slug` at `now`: its
/// address (see [`address`]) when it is public, else `None`.
pub fn public_path(
    kind: PostKind,
    status: PostStatus,
    published_at: Option<DateTime<Utc>>,
    slug: &str,
    now: DateTime<Utc>,
) -> Option<String> {
    match (status, published_at) {
        (PostStatus::Published, Some(at)) if at <= now => address(kind, Some(at), slug),
        _ => None,
    }
}

/// The site path of a post of `kind` with `slug`, published at `published_at`: a page's
/// `/<slug>/`, a post's dated path; `None` for a post without a date.
pub fn address(kind: PostKind, published_at: Option<DateTime<Utc>>, slug: &str) -> Option<String> {
    match kind {
        PostKind::Page => Some(crate::domain::kind::page_path(slug)),
        PostKind::Post => published_at.map(|at| post_path(at, slug)),
    }
}

/// `base`, then `base-2`, `base-3`... (cut so the suffix fits the longest slug): the candidates
/// for a new post's slug when the writer did not choose it (WordPress numbers taken slugs so).
pub fn slug_candidates(base: &str) -> impl Iterator<Item = String> + '_ {
    std::iter::once(base.to_string()).chain((2..=MAX_SLUG_VARIANTS).map(move |n| {
        let suffix = format!("-{n}");
        let stem: String = base
            .chars()
            .take(crate::domain::slug::MAX_SLUG_LEN - suffix.len())
            .collect();
        format!("{}{suffix}", stem.trim_end_matches('-'))
    }))
}

/// How many numbered variants (`slug-2`, `slug-3`...) are tried before a new post's slug is
/// refused as taken.
pub const MAX_SLUG_VARIANTS: u32 = 100;

#[cfg(test)]
mod tests {
    use super::*;

    fn input(title: &str) -> PostInput {
        PostInput {
            title: title.into(),
            slug: None,
            author_id: 1,
            category_id: 1,
            byline: None,
            body: PostBody::Markdown("Hello *world*.\n\n<script>alert(1)</script>".into()),
            meta_description: None,
            status: PostStatus::Draft,
            published_at: None,
            kind: PostKind::Post,
            nav_order: None,
        }
    }

    #[test]
    fn generates_slug_and_derives_excerpt() {
        let now = Utc::now();
        let record = prepare(input("Hello, World!"), now).unwrap();
        assert_eq!(record.slug, "hello-world");
        assert_eq!(record.excerpt, "Hello world.");
        assert!(!record.body.contains("script"));
        assert_eq!(record.published_at, None);
    }

    #[test]
    fn publishing_sets_published_at_only_when_empty() {
        let now = Utc::now();
        let mut i = input("T");
        i.status = PostStatus::Published;
        assert_eq!(prepare(i.clone(), now).unwrap().published_at, Some(now));
        let earlier = now - chrono::Duration::days(3);
        i.published_at = Some(earlier);
        assert_eq!(prepare(i, now).unwrap().published_at, Some(earlier));
    }

    fn refused_field(result: Result<PostRecord, PostError>) -> String {
        match result {
            Err(PostError::Invalid(errors)) => errors.0[0].0.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rejects_bad_titles_and_slugs() {
        let now = Utc::now();
        assert_eq!(refused_field(prepare(input("   "), now)), "title");
        assert_eq!(
            refused_field(prepare(input(&"x".repeat(201)), now)),
            "title"
        );
        let mut i = input("T");
        i.slug = Some("no spaces".into());
        assert_eq!(refused_field(prepare(i, now)), "slug");
        assert_eq!(prepare(input("🎉"), now).unwrap().slug, "post");
    }

    #[test]
    fn pages_cannot_take_folios_own_addresses_and_only_pages_have_a_navigation_order() {
        let now = Utc::now();
        let mut page = input("Admin");
        page.kind = PostKind::Page;
        page.nav_order = Some(3);
        assert_eq!(refused_field(prepare(page.clone(), now)), "slug");
        page.slug = Some("about".into());
        assert_eq!(prepare(page, now).unwrap().nav_order, Some(3));
        let mut post = input("Admin");
        post.nav_order = Some(3);
        let record = prepare(post, now).unwrap();
        assert_eq!((record.slug.as_str(), record.nav_order), ("admin", None));
        assert_eq!(
            address(PostKind::Page, None, "about").as_deref(),
            Some("/about/")
        );
        assert_eq!(address(PostKind::Post, None, "x"), None);
    }

    #[test]
    fn slug_candidates_number_the_base_and_fit_the_limit() {
        let mut candidates = slug_candidates("hello");
        assert_eq!(candidates.next().as_deref(), Some("hello"));
        assert_eq!(candidates.next().as_deref(), Some("hello-2"));
        let long = "a".repeat(crate::domain::slug::MAX_SLUG_LEN);
        let last = slug_candidates(&long).last().unwrap();
        assert!(last.ends_with("-100") && last.len() <= crate::domain::slug::MAX_SLUG_LEN);
    }
}
