//! Wire types: what server functions send to the pages. Database rows are separate SSR-only
//! types (`ssr::db`) converted into these, so no column leaks to the browser by accident.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::pagination::PageInfo;

pub mod admin;
pub mod editor;
pub mod media;
pub mod newsletter;

/// The public face of a user: enough to credit and link an author.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicUser {
    /// The unique username, used in `/author/<username>/`.
    pub username: String,
    /// The name to show; falls back to the username when the user set none.
    pub display_name: String,
    /// A short biography (plain text).
    pub bio: String,
    /// An absolute URL of the avatar image, if any.
    pub avatar_url: Option<String>,
}

impl PublicUser {
    /// The public face of a user; an empty display name falls back to the username, as
    /// Django's `get_full_name() or username` idiom.
    pub fn new(
        username: String,
        display_name: String,
        bio: String,
        avatar_url: Option<String>,
    ) -> Self {
        let display_name = if display_name.trim().is_empty() {
            username.clone()
        } else {
            display_name
        };
        Self {
            username,
            display_name,
            bio,
            avatar_url,
        }
    }
}

/// A category as pages show and link it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryRef {
    /// The category's name.
    pub name: String,
    /// The category's slug, used in `/category/<slug>/`.
    pub slug: String,
}

/// A tag as pages show and link it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagRef {
    /// The tag's name.
    pub name: String,
    /// The tag's slug, used in `/tag/<slug>/`.
    pub slug: String,
}

/// A post in a list: everything a list item shows, without the body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostSummary {
    /// The post's id.
    pub id: i64,
    /// The title (at most 200 characters).
    pub title: String,
    /// The site path of the post, `/<yyyy>/<mm>/<dd>/<slug>/`.
    pub path: String,
    /// The first ~200 characters of the body's text.
    pub excerpt: String,
    /// The author.
    pub author: PublicUser,
    /// How the post credits its authors when there are several; otherwise `None`.
    pub byline: Option<String>,
    /// The category.
    pub category: CategoryRef,
    /// The tags, in order.
    pub tags: Vec<TagRef>,
    /// A dated post or a static page (pages show no byline).
    pub kind: crate::domain::PostKind,
    /// When the post was (or will be) published, UTC.
    pub published_at: DateTime<Utc>,
}

/// A post as its own page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostDetail {
    /// The list fields.
    pub summary: PostSummary,
    /// The body as sanitised HTML, safe to insert into the page.
    pub body_html: String,
    /// The description for `<meta name="description">`: the post's own, else its excerpt.
    pub description: String,
    /// Reading time in minutes (at least 1).
    pub reading_minutes: u32,
    /// The number of detail views, this one included.
    pub view_count: i64,
    /// When the post was last changed, UTC.
    pub updated_at: DateTime<Utc>,
    /// The featured image, shown above the text and in link previews (`og:image`).
    pub featured_image: Option<ResponsiveImage>,
}

/// An uploaded image as a page shows it: its URL, the resized copies for `srcset`, and its
/// size (so the browser reserves the space before it loads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponsiveImage {
    /// The original's site path under `/media/`.
    pub src: String,
    /// The `srcset` attribute (resized copies plus the original, by width), empty when the
    /// original is small enough to have none.
    pub srcset: String,
    /// The `sizes` attribute that goes with `srcset`.
    pub sizes: String,
    /// Width in pixels.
    pub width: i64,
    /// Height in pixels.
    pub height: i64,
}

/// One page of posts plus where it sits in the whole list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostPage {
    /// The posts on this page, newest first.
    pub posts: Vec<PostSummary>,
    /// The page number, page count and total.
    pub page: PageInfo,
}

/// A piece of a search result's snippet: text as stored (the page escapes it like any text) and
/// whether it is a matched word, which the page highlights with `<mark>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnippetPart {
    /// The text.
    pub text: String,
    /// A word the search matched.
    pub highlighted: bool,
}

/// A post a search found, with the passage of its text that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    /// The post.
    pub post: PostSummary,
    /// The passage, in order (empty when the post has no text).
    pub snippet: Vec<SnippetPart>,
}

/// One page of a reader's search, the most relevant posts first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResults {
    /// The posts on this page.
    pub hits: Vec<SearchHit>,
    /// The page number, page count and total number of posts found.
    pub page: PageInfo,
    /// The categories a search can be narrowed to, by name.
    pub categories: Vec<CategoryRef>,
    /// The tag the search is narrowed to, if any (`None` also for an unknown tag slug).
    pub tag: Option<TagRef>,
}

/// Facts about the site that every page needs (for titles, canonical links, Open Graph).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteInfo {
    /// The site's name, shown in the header and in `<title>`.
    pub title: String,
    /// A one-line description of the site.
    pub description: String,
    /// The absolute base URL without a trailing slash, e.g. `https://blog.example.org`.
    pub base_url: String,
}

impl SiteInfo {
    /// The absolute URL of a site path (`path` starts with `/`).
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }
}

/// A category page: the category and one page of its posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryPage {
    /// The category.
    pub category: CategoryRef,
    /// Its published posts.
    pub posts: PostPage,
}

/// The home page: one page of the latest posts, of one category when `?category=` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomePage {
    /// The category the list is narrowed to, if any.
    pub category: Option<CategoryRef>,
    /// The posts.
    pub posts: PostPage,
}

/// A tag page: the tag and one page of its posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagPage {
    /// The tag.
    pub tag: TagRef,
    /// What the tag is about (plain text; may be empty).
    pub description: String,
    /// Its published posts.
    pub posts: PostPage,
}

/// What the site's frame shows on every page besides its name: the pages in the navigation and
/// the categories with their post counts.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SiteNav {
    /// Static pages listed in the navigation, in order: `(title, path)`.
    pub pages: Vec<(String, String)>,
    /// Categories with at least one public post: `(name, slug, posts)`, by name.
    pub categories: Vec<(String, String, i64)>,
}

/// An author page: the author and one page of their posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorPage {
    /// The author.
    pub author: PublicUser,
    /// Their published posts.
    pub posts: PostPage,
}

/// The signed-in user as pages see them: who they are and what their role lets them do.
/// Has no secrets (no password hash, no session id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    /// `users.id`.
    pub id: i64,
    /// The email address.
    pub email: String,
    /// The username.
    pub username: String,
    /// The name as entered (may be empty; see [`CurrentUser::name`]).
    pub display_name: String,
    /// A short biography (plain text).
    pub bio: String,
    /// The avatar image URL, if any.
    pub avatar_url: Option<String>,
    /// The role.
    pub role: crate::domain::Role,
    /// Whether the email address was confirmed.
    pub is_verified: bool,
}

impl CurrentUser {
    /// The name to show: the display name, else the username.
    pub fn name(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.username
        } else {
            &self.display_name
        }
    }
}

/// A comment as a post page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentView {
    /// `comments.id`.
    pub id: i64,
    /// The comment this one answers (imported threads), if any.
    #[serde(default)]
    pub parent_id: Option<i64>,
    /// The body as plain text (escaped when rendered).
    pub body: String,
    /// When it was written, UTC.
    pub created_at: DateTime<Utc>,
    /// Whether a moderator approved it (unapproved ones are shown only to their author).
    pub is_approved: bool,
    /// Whether the viewer wrote it (and may delete it).
    pub is_own: bool,
    /// Who wrote it.
    pub author: PublicUser,
}

/// The longest comment, in characters (the database allows the same).
pub const MAX_COMMENT_CHARS: usize = 5000;
