//! What a post is: a dated blog `post` or a static `page`, as the `posts.kind` column stores it.

use serde::{Deserialize, Serialize};

/// A post's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PostKind {
    /// A dated blog post at `/<yyyy>/<mm>/<dd>/<slug>/`, in the lists, feeds and archives. The
    /// default.
    #[default]
    Post,
    /// A static page (About, Contact...) at `/<slug>/`: never in the lists, feeds or archives;
    /// in the sitemap, and in the site's navigation when it has a navigation order.
    Page,
}

/// The slugs a page may not have: the first path segments of Folio's own routes and files.
pub const RESERVED_PAGE_SLUGS: [&str; 18] = [
    "admin",
    "api",
    "accounts",
    "tag",
    "category",
    "author",
    "search",
    "media",
    "pkg",
    "feed.xml",
    "sitemap.xml",
    "sitemap",
    "robots.txt",
    "healthz",
    "_fn",
    "editor",
    "favicon.ico",
    "newsletter",
];

impl PostKind {
    /// Every kind, in the order the admin offers them.
    pub const ALL: [Self; 2] = [Self::Post, Self::Page];

    /// The stored and wire form: `post` or `page`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Post => "post",
            Self::Page => "page",
        }
    }

    /// For people: `Post`, `Page`.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Post => "Post",
            Self::Page => "Page",
        }
    }

    /// Parses the stored form (case-insensitive); `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        match value.to_ascii_lowercase().as_str() {
            "post" => Some(Self::Post),
            "page" => Some(Self::Page),
            _ => None,
        }
    }
}

/// The stored text is not a kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a post kind (post or page)")]
pub struct UnknownKind(pub String);

impl TryFrom<String> for PostKind {
    type Error = UnknownKind;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or(UnknownKind(value))
    }
}

/// The site path of a page with `slug`: `/<slug>/`.
pub fn page_path(slug: &str) -> String {
    format!("/{slug}/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reserves_folios_own_paths() {
        for k in [PostKind::Post, PostKind::Page] {
            assert_eq!(PostKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(PostKind::parse("PAGE"), Some(PostKind::Page));
        assert_eq!(PostKind::parse("note"), None);
        assert!(RESERVED_PAGE_SLUGS.contains(&"admin"));
        assert_eq!(page_path("about"), "/about/");
    }
}
