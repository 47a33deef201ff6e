//! Wire types of the rich editor (`/admin/posts/<id>/edit/`): the post as the editor opens it,
//! what an autosave sends and gets back, publishing requests and revisions.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{PostKind, PostStatus};

/// A post as the editor opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorPost {
    /// `posts.id`.
    pub id: i64,
    /// The stored state's digest; every save sends it back and is refused if the post changed
    /// since (another tab, another person, the admin form).
    pub version: String,
    /// The title.
    pub title: String,
    /// The slug.
    pub slug: String,
    /// The body: sanitised HTML.
    pub body: String,
    /// The body's length in words.
    pub words: usize,
    /// The status.
    pub status: PostStatus,
    /// The publication time (UTC), if set; in the future for a scheduled post.
    pub published_at: Option<DateTime<Utc>>,
    /// The category's id.
    pub category_id: i64,
    /// Every category: `(id, name)`, by name.
    pub categories: Vec<(i64, String)>,
    /// The meta description (empty when unset).
    pub meta_description: String,
    /// The author's username.
    pub author: String,
    /// When the post was last saved.
    pub updated_at: DateTime<Utc>,
    /// The featured image, if any.
    pub featured_image: Option<FeaturedImage>,
    /// Its tags' names, in order.
    pub tags: Vec<String>,
    /// A dated post or a static page.
    pub kind: PostKind,
    /// A page's place in the site's navigation; `None`: not listed.
    pub nav_order: Option<i32>,
    /// Where readers find the post, when it is public.
    pub public_path: Option<String>,
    /// How far its newsletter got (`None`: not emailed yet, or never to be: pages).
    pub newsletter: Option<crate::model::newsletter::NewsletterProgress>,
}

impl EditorPost {
    /// The editor's path: `/admin/posts/<id>/edit/`.
    pub fn edit_path(id: i64) -> String {
        format!("/admin/posts/{id}/edit/")
    }

    /// The staff-only preview's path: `/admin/posts/<id>/preview/`.
    pub fn preview_path(id: i64) -> String {
        format!("/admin/posts/{id}/preview/")
    }
}

/// A featured image as the side panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeaturedImage {
    /// `media.id`.
    pub id: i64,
    /// Its URL under `/media/`.
    pub url: String,
}

/// What the editor saves: the writing and the side panel's fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorDraft {
    /// The title; "Untitled" is stored while it is empty.
    pub title: String,
    /// The body as the browser's editor produced it (sanitised before storing).
    pub body: String,
    /// The slug; empty for one made from the title.
    pub slug: String,
    /// The category's id.
    pub category_id: i64,
    /// The meta description.
    pub meta_description: String,
    /// The featured image's `media.id`, if any.
    pub featured_image_id: Option<i64>,
    /// Its tags as typed, in order; `None` keeps the stored ones.
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    /// A page rather than a dated post; `None` keeps the stored kind.
    #[serde(default)]
    pub kind: Option<PostKind>,
    /// A page's place in the site's navigation; `None`: not listed.
    #[serde(default)]
    pub nav_order: Option<i32>,
}

/// A publishing request from the side panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PublishAction {
    /// Publish now (`published_at` = now).
    Now,
    /// Publish at a future time (UTC): readers see it from then on.
    Schedule(DateTime<Utc>),
    /// Back to draft; readers no longer see it.
    Unpublish,
}

/// The result of a save: what the editor needs to go on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// The new version to send with the next save.
    pub version: String,
    /// When it was saved.
    pub saved_at: DateTime<Utc>,
    /// The slug as stored (made from the title when left empty).
    pub slug: String,
    /// The status as stored.
    pub status: PostStatus,
    /// The publication time as stored.
    pub published_at: Option<DateTime<Utc>>,
    /// Where readers find the post, when it is public.
    pub public_path: Option<String>,
    /// The body as stored (sanitised): the editor shows it if it differs from what it sent.
    pub body: String,
}

/// One entry of a post's revision list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionSummary {
    /// `post_revisions.id`.
    pub id: i64,
    /// Who wrote it (username).
    pub author: String,
    /// When it was first saved.
    pub created_at: DateTime<Utc>,
    /// When it was last saved (later saves within a few minutes update it).
    pub updated_at: DateTime<Utc>,
    /// Its title.
    pub title: String,
    /// Kept by the Save button or a restore (later saves start a new revision), rather than
    /// an autosave still open to the next save.
    pub sealed: bool,
    /// Its length in words.
    pub words: usize,
}

/// A revision's full content, for viewing before restoring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    /// The summary.
    pub summary: RevisionSummary,
    /// The body (sanitised HTML).
    pub body: String,
}
