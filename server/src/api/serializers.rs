//! The JSON shapes of the REST API, as the Django REST Framework blog tutorial's serializers
//! write them (field names, nesting, read-only and write-only fields), plus the OpenAPI schemas
//! of request bodies and errors. Timestamps are RFC 3339 in UTC.

use app::domain::{PostKind, PostStatus};
use app::ssr::db::categories::CategoryRow;
use app::ssr::db::comments::ApiCommentRow;
use app::ssr::db::posts::rows::ApiPostRow;
use app::ssr::db::tags::{TagCountRow, TagRow};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

/// A category: `{id, name, slug}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Category {
    /// The category's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its slug (`/api/categories/{slug}/`).
    pub slug: String,
}

impl From<CategoryRow> for Category {
    fn from(row: CategoryRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            slug: row.slug,
        }
    }
}

/// A tag: `{id, name, slug}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Tag {
    /// The tag's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its slug (`/api/tags/{slug}/`, `/tag/{slug}/` on the site).
    pub slug: String,
}

impl From<TagRow> for Tag {
    fn from(row: TagRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            slug: row.slug,
        }
    }
}

/// A tag in the tag list, with how many posts carry it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagWithCount {
    /// The tag's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its slug.
    pub slug: String,
    /// What the tag is about (may be empty).
    pub description: String,
    /// Posts (of any status) carrying it.
    pub post_count: i64,
}

impl From<TagCountRow> for TagWithCount {
    fn from(row: TagCountRow) -> Self {
        Self {
            id: row.tag.id,
            name: row.tag.name,
            slug: row.tag.slug,
            description: row.tag.description,
            post_count: row.post_count,
        }
    }
}

/// What a post is.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A dated blog post (the default).
    Post,
    /// A static page at `/<slug>/`.
    Page,
}

impl From<PostKind> for Kind {
    fn from(kind: PostKind) -> Self {
        match kind {
            PostKind::Post => Self::Post,
            PostKind::Page => Self::Page,
        }
    }
}

/// The values `kind` accepts.
pub const KIND_CHOICES: [&str; 2] = ["post", "page"];

/// A comment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Comment {
    /// The comment's id.
    pub id: i64,
    /// The id of the post it is on.
    pub post: i64,
    /// The commenter's email address, shown to staff only: `null` for everyone else (sign-in
    /// is by email, so addresses are not published) and for imported users without one.
    pub author_email: Option<String>,
    /// The text (plain text, not HTML).
    pub body: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// Whether a moderator approved it (new comments wait for approval).
    pub is_approved: bool,
    /// The id of the comment this one answers (imported threads), or `null`.
    pub parent: Option<i64>,
}

impl Comment {
    /// The representation of `row`; its email address only when `show_email` (the caller is
    /// staff).
    pub fn new(row: ApiCommentRow, show_email: bool) -> Self {
        Self {
            id: row.id,
            post: row.post_id,
            author_email: row.author_email.filter(|_| show_email),
            body: row.body,
            created_at: row.created_at,
            is_approved: row.is_approved,
            parent: row.parent_id,
        }
    }
}

/// The status of a post.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    /// Being written; visible to its author and editors only.
    Draft,
    /// Public from `published_at` on.
    Published,
    /// Withdrawn from the public site.
    Archived,
}

impl From<PostStatus> for Status {
    fn from(status: PostStatus) -> Self {
        match status {
            PostStatus::Draft => Self::Draft,
            PostStatus::Published => Self::Published,
            PostStatus::Archived => Self::Archived,
        }
    }
}

/// The values `status` accepts.
pub const STATUS_CHOICES: [&str; 3] = ["DRAFT", "PUBLISHED", "ARCHIVED"];

/// A post with its category and approved comments.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Post {
    /// The post's id.
    pub id: i64,
    /// The title.
    pub title: String,
    /// The slug, made from the title when the post is created (read-only).
    pub slug: String,
    /// The author's email address, shown to staff only: `null` for everyone else (sign-in is
    /// by email, so addresses are not published) and for imported authors without one.
    pub author_email: Option<String>,
    /// The category.
    pub category: Category,
    /// Its tags, in order.
    pub tags: Vec<Tag>,
    /// A dated post or a static page.
    pub kind: Kind,
    /// The body as written: Markdown (inline HTML is sanitised when rendered).
    pub body: String,
    /// The first words of the body as plain text (read-only).
    pub excerpt: String,
    /// The status.
    pub status: Status,
    /// How often the post's page was viewed (read-only).
    pub view_count: i64,
    /// When the post was (or will be) published; set when it is first published (read-only).
    pub published_at: Option<DateTime<Utc>>,
    /// When the post was created (read-only).
    pub created_at: DateTime<Utc>,
    /// Its approved comments, oldest first.
    pub comments: Vec<Comment>,
}

impl Post {
    /// The representation of `row` with `comments` and `tags`; the author's email address only
    /// when `show_email` (the caller is staff).
    pub fn new(row: ApiPostRow, comments: Vec<Comment>, tags: Vec<Tag>, show_email: bool) -> Self {
        Self {
            id: row.id,
            title: row.title,
            slug: row.slug,
            author_email: row.author_email.filter(|_| show_email),
            category: Category {
                id: row.category_id,
                name: row.category_name,
                slug: row.category_slug,
            },
            tags,
            kind: row.kind.into(),
            body: row.body,
            excerpt: row.excerpt,
            status: row.status.into(),
            view_count: row.view_count,
            published_at: row.published_at,
            created_at: row.created_at,
            comments,
        }
    }
}

/// The fields a client writes to create (`POST`, `PUT`: all required) or change (`PATCH`: any)
/// a post. Other fields of [`Post`] are read-only and ignored when sent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostWrite {
    /// The title (1-200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// The category's id (write-only; the answer has `category`).
    pub category_id: i64,
    /// The body as Markdown.
    #[schema(min_length = 1)]
    pub body: String,
    /// The status (default `DRAFT`); `PUBLISHED` publishes now.
    #[schema(nullable = false)]
    pub status: Option<Status>,
    /// The slugs of existing tags, in order (write-only; the answer has `tags`). Omitted: keep
    /// the post's tags (new posts: none).
    #[schema(nullable = false)]
    pub tag_slugs: Option<Vec<String>>,
    /// `post` (default) or `page`.
    #[schema(nullable = false)]
    pub kind: Option<Kind>,
}

/// A new comment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommentWrite {
    /// The id of a published post.
    pub post: i64,
    /// The text (1-5000 characters, plain text).
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
}

/// A subscription request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubscriberWrite {
    /// The address to send new posts to (a confirmation link goes there first).
    #[schema(max_length = 254)]
    pub email: String,
    /// Slugs of the categories whose posts to send; empty or absent for every new post.
    pub categories: Option<Vec<String>>,
}

/// The statuses of a subscriber.
pub const SUBSCRIBER_STATUSES: [&str; 3] = ["pending", "confirmed", "unsubscribed"];

/// A newsletter subscriber (staff only).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Subscriber {
    /// The subscriber's id.
    pub id: i64,
    /// Their address.
    pub email: String,
    /// `pending` (not confirmed yet), `confirmed` or `unsubscribed`.
    pub status: String,
    /// Every new post (true) or only those of `categories`.
    pub all_posts: bool,
    /// Slugs of the chosen categories (empty when `all_posts`).
    pub categories: Vec<String>,
    /// When they first asked.
    pub created_at: DateTime<Utc>,
    /// When they confirmed, if they did.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// When they unsubscribed, if they did.
    pub unsubscribed_at: Option<DateTime<Utc>>,
}

impl Subscriber {
    /// The representation of `row` with its chosen `categories`.
    pub fn new(
        row: app::ssr::db::newsletter::SubscriberDetailRow,
        categories: Vec<String>,
    ) -> Self {
        Self {
            id: row.id,
            email: row.email,
            status: row.status,
            all_posts: row.all_posts,
            categories,
            created_at: row.created_at,
            confirmed_at: row.confirmed_at,
            unsubscribed_at: row.unsubscribed_at,
        }
    }
}

/// Credentials exchanged for a token.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenRequest {
    /// The account's email address.
    pub email: String,
    /// Its password.
    pub password: String,
}

/// A new API token, shown this once (only its digest is stored).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send it as `Authorization: Token <token>`.
    pub token: String,
}

/// One page of a list (DRF's `PageNumberPagination`, 20 per page).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    /// How many objects the whole list has.
    pub count: i64,
    /// The absolute URL of the next page, or `null` on the last.
    pub next: Option<String>,
    /// The absolute URL of the previous page, or `null` on the first.
    pub previous: Option<String>,
    /// This page's objects.
    pub results: Vec<T>,
}

/// An error: `{"detail": "..."}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// What went wrong.
    pub detail: String,
}

/// Validation errors: each field's messages (`non_field_errors` for the request as a whole).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ValidationErrors(pub std::collections::BTreeMap<String, Vec<String>>);

/// A 400 answer: validation errors by field, or a `detail` (malformed JSON).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum BadRequest {
    /// Malformed JSON.
    Detail(ErrorDetail),
    /// Invalid fields.
    Fields(ValidationErrors),
}

/// The API root: the URL of each resource.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiRoot {
    /// `/api/posts/`.
    pub posts: String,
    /// `/api/categories/`.
    pub categories: String,
    /// `/api/tags/`.
    pub tags: String,
    /// `/api/comments/`.
    pub comments: String,
    /// `/api/subscribers/` (POST for anyone; the list for administrators).
    pub subscribers: String,
}

/// Site statistics.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Stats {
    /// How many posts are public now.
    pub published_posts: i64,
}

/// The answer of `/healthz`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` (HTTP 503).
    pub status: String,
    /// `ok`, or `unreachable`.
    pub database: String,
}
