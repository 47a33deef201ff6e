//! The shapes of post rows (what each query returns) and the column lists they are read with.

use chrono::{DateTime, Utc};

use crate::domain::{PostKind, PostStatus};
use crate::model::{CategoryRef, PostSummary, PublicUser};
use crate::on_conn;
use crate::ssr::db::filter::{Value, Where};
use crate::ssr::db::Conn;

/// The columns of a post in a list, joined with its author and category, with `$published_at`
/// as the expression of the publication time (as a macro so the detail and preview columns can
/// extend it at compile time).
macro_rules! summary_columns {
    ($published_at:literal) => {
        concat!(
            "p.id, p.title, p.slug, p.kind, p.excerpt, p.byline, ",
            $published_at,
            " AS published_at, \
             u.username AS author_username, u.display_name AS author_display_name, \
             u.bio AS author_bio, u.avatar_url AS author_avatar_url, \
             c.name AS category_name, c.slug AS category_slug"
        )
    };
}

/// The detail columns after the summary ones: the body and counters.
macro_rules! detail_columns {
    () => {
        ", p.body, p.body_text, p.meta_description, p.view_count, p.updated_at, \
         fm.file_name AS featured_image_file, fm.width AS featured_image_width, \
         fm.height AS featured_image_height"
    };
}

/// The columns of a [`PostSummaryRow`].
pub(super) const SUMMARY_COLUMNS: &str = summary_columns!("p.published_at");

/// The columns of a [`PostDetailRow`]: the summary plus the body and counters.
pub(super) const DETAIL_COLUMNS: &str =
    concat!(summary_columns!("p.published_at"), detail_columns!());

/// [`DETAIL_COLUMNS`] for the staff preview of a post in any status: a post without a
/// publication time shows `$2` (now) as its date.
pub(super) const PREVIEW_COLUMNS: &str = concat!(
    summary_columns!("COALESCE(p.published_at, $2)"),
    detail_columns!()
);

/// The joins that give a post `p` its author `u` and category `c` (as a macro so
/// [`FROM_JOINED`] can extend it at compile time).
macro_rules! author_category_joins {
    () => {
        " JOIN users u ON u.id = p.author_id JOIN categories c ON c.id = p.category_id"
    };
}

/// The joins that give a post `p` its author `u` and category `c`, after any `FROM` that names
/// the posts `p` (a search joins them after its ranked page of ids).
pub(super) const AUTHOR_CATEGORY_JOINS: &str = author_category_joins!();

/// The posts `p` with their author `u` and category `c`.
pub(super) const FROM_JOINED: &str = concat!("FROM posts p", author_category_joins!());

/// [`FROM_JOINED`] plus the featured image, for [`DETAIL_COLUMNS`].
pub(super) const FROM_DETAIL: &str = "FROM posts p JOIN users u ON u.id = p.author_id \
     JOIN categories c ON c.id = p.category_id LEFT JOIN media fm ON fm.id = p.featured_image_id";

/// The rule that makes a post public: published, and its date has come (`$1` is now).
pub(super) const PUBLIC: &str =
    "p.status = 'PUBLISHED' AND p.published_at IS NOT NULL AND p.published_at <= $1";

/// [`PUBLIC`] for dated posts only (the lists, feeds, archives and counts leave pages out).
pub(super) const PUBLIC_POSTS: &str = "p.status = 'PUBLISHED' AND p.published_at IS NOT NULL \
     AND p.published_at <= $1 AND p.kind = 'post'";

/// Keeps, in `w`, the posts `p` in the category with `slug` (a sub-select rather than a joined
/// column, so a count of posts needs no join).
pub(super) fn and_in_category(w: &mut Where, slug: &str) {
    let n = w.push(Value::Text(slug.to_string()));
    w.and(&format!(
        "p.category_id = (SELECT id FROM categories WHERE slug = {n})"
    ));
}

/// Keeps, in `w`, the posts `p` carrying the tag with `slug`.
pub(super) fn and_tagged(w: &mut Where, slug: &str) {
    let n = w.push(Value::Text(slug.to_string()));
    w.and(&format!(
        "p.id IN (SELECT pt.post_id FROM post_tags pt JOIN tags t ON t.id = pt.tag_id \
         WHERE t.slug = {n})"
    ));
}

/// Counts the rows of `from` (a `FROM` clause naming the posts `p`) that `w` keeps.
///
/// # Errors
/// The driver's error.
pub(super) async fn count_where(conn: Conn<'_>, from: &str, w: &Where) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT COUNT(*) {from}{}", w.sql);
    on_conn!(conn, |c| crate::bind_values!(
        sqlx::query_scalar::<_, i64>(&sql),
        &w.values
    )
    .fetch_one(c)
    .await)
}

/// A post in a list, as the list query returns it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostSummaryRow {
    /// `posts.id`.
    pub id: i64,
    /// `posts.title`.
    pub title: String,
    /// `posts.slug`.
    pub slug: String,
    /// `posts.kind`.
    #[sqlx(try_from = "String")]
    pub kind: PostKind,
    /// `posts.excerpt`.
    pub excerpt: String,
    /// `posts.byline`.
    pub byline: Option<String>,
    /// `posts.published_at` (never null for public posts).
    pub published_at: DateTime<Utc>,
    /// `users.username` of the author.
    pub author_username: String,
    /// `users.display_name` of the author.
    pub author_display_name: String,
    /// `users.bio` of the author.
    pub author_bio: String,
    /// `users.avatar_url` of the author.
    pub author_avatar_url: Option<String>,
    /// `categories.name`.
    pub category_name: String,
    /// `categories.slug`.
    pub category_slug: String,
}

/// A public post with its body, as the detail query returns it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostDetailRow {
    /// The list fields.
    #[sqlx(flatten)]
    pub summary: PostSummaryRow,
    /// `posts.body` (sanitised HTML).
    pub body: String,
    /// `posts.body_text`.
    pub body_text: String,
    /// `posts.meta_description`.
    pub meta_description: Option<String>,
    /// `posts.view_count` before this view.
    pub view_count: i64,
    /// `posts.updated_at`.
    pub updated_at: DateTime<Utc>,
    /// The featured image's stored name under the media folder (`media.file_name`), if any.
    pub featured_image_file: Option<String>,
    /// Its width in pixels.
    pub featured_image_width: Option<i64>,
    /// Its height in pixels.
    pub featured_image_height: Option<i64>,
}

/// Every public post's path parts and last change, newest first (for the sitemap and feed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostStampRow {
    /// `posts.slug`.
    pub slug: String,
    /// `posts.published_at`.
    pub published_at: DateTime<Utc>,
    /// `posts.updated_at`.
    pub updated_at: DateTime<Utc>,
}

/// All columns a save writes; built by the blog service, which applies the rules first.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PostRecord {
    /// The title (1-200 characters).
    pub title: String,
    /// The slug (1-220 characters).
    pub slug: String,
    /// The author's user id.
    pub author_id: i64,
    /// The category id.
    pub category_id: i64,
    /// Credits for several authors, if any.
    pub byline: Option<String>,
    /// Sanitised HTML.
    pub body: String,
    /// The Markdown the body came from, if any.
    pub body_source: Option<String>,
    /// Plain text of the body.
    pub body_text: String,
    /// Derived excerpt.
    pub excerpt: String,
    /// Description for search engines and link previews.
    pub meta_description: Option<String>,
    /// Publication status.
    #[sqlx(try_from = "String")]
    pub status: PostStatus,
    /// Publication time (UTC), if set.
    pub published_at: Option<DateTime<Utc>>,
    /// A dated post or a static page.
    #[sqlx(try_from = "String")]
    pub kind: PostKind,
    /// A page's place in the site's navigation (smallest first); `None`: not listed.
    pub nav_order: Option<i32>,
}

/// A stored post's saved fields plus what a write checks and keeps: id, last save, featured
/// image and the author's username.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredPostRow {
    /// `posts.id`.
    pub id: i64,
    /// The saved fields.
    #[sqlx(flatten)]
    pub record: PostRecord,
    /// `posts.updated_at` (the version of the post, with its id and status).
    pub updated_at: DateTime<Utc>,
    /// `posts.featured_image_id`.
    pub featured_image_id: Option<i64>,
    /// The author's username.
    pub author_username: String,
}

pub(super) const STORED_COLUMNS: &str =
    "id, title, slug, author_id, category_id, byline, body, body_source, body_text, \
     excerpt, meta_description, status, published_at, kind, nav_order, updated_at, \
     featured_image_id, (SELECT username FROM users WHERE users.id = posts.author_id) AS \
     author_username";

/// What a write needs to know of a post it changes many of at once: its address parts,
/// status, author and category.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostStateRow {
    /// `posts.id`.
    pub id: i64,
    /// `posts.title`.
    pub title: String,
    /// `posts.slug`.
    pub slug: String,
    /// `posts.status`.
    #[sqlx(try_from = "String")]
    pub status: PostStatus,
    /// `posts.published_at`.
    pub published_at: Option<DateTime<Utc>>,
    /// `posts.author_id`.
    pub author_id: i64,
    /// `posts.category_id`.
    pub category_id: i64,
    /// `posts.kind`.
    #[sqlx(try_from = "String")]
    pub kind: PostKind,
}

/// A post as the API represents it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiPostRow {
    /// `posts.id`.
    pub id: i64,
    /// `posts.title`.
    pub title: String,
    /// `posts.slug`.
    pub slug: String,
    /// `posts.author_id`.
    pub author_id: i64,
    /// The author's email address (imported authors have none).
    pub author_email: Option<String>,
    /// `categories.id`.
    pub category_id: i64,
    /// `categories.name`.
    pub category_name: String,
    /// `categories.slug`.
    pub category_slug: String,
    /// The body as its author wrote it: the Markdown source when there is one, else the
    /// sanitised HTML.
    pub body: String,
    /// `posts.excerpt`.
    pub excerpt: String,
    /// `posts.status`.
    #[sqlx(try_from = "String")]
    pub status: PostStatus,
    /// `posts.view_count`.
    pub view_count: i64,
    /// `posts.published_at`.
    pub published_at: Option<DateTime<Utc>>,
    /// `posts.created_at`.
    pub created_at: DateTime<Utc>,
    /// `posts.updated_at`.
    pub updated_at: DateTime<Utc>,
    /// `posts.kind`.
    #[sqlx(try_from = "String")]
    pub kind: PostKind,
}

/// A post as the editor opens it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EditorRow {
    /// `posts.id`.
    pub id: i64,
    /// `posts.title`.
    pub title: String,
    /// `posts.slug`.
    pub slug: String,
    /// `posts.author_id`.
    pub author_id: i64,
    /// The author's username.
    pub author: String,
    /// `posts.category_id`.
    pub category_id: i64,
    /// `posts.body` (sanitised HTML).
    pub body: String,
    /// `posts.status`.
    #[sqlx(try_from = "String")]
    pub status: PostStatus,
    /// `posts.published_at`.
    pub published_at: Option<DateTime<Utc>>,
    /// `posts.meta_description`.
    pub meta_description: Option<String>,
    /// `posts.updated_at`.
    pub updated_at: DateTime<Utc>,
    /// `posts.featured_image_id`.
    pub featured_image_id: Option<i64>,
    /// The featured image's stored file name.
    pub featured_image_file: Option<String>,
    /// `posts.kind`.
    #[sqlx(try_from = "String")]
    pub kind: PostKind,
    /// `posts.nav_order`.
    pub nav_order: Option<i32>,
}

/// A post with the fields of its change form.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostFormRow {
    /// `posts.id`.
    pub id: i64,
    /// `posts.title`.
    pub title: String,
    /// `posts.slug`.
    pub slug: String,
    /// `posts.author_id`.
    pub author_id: i64,
    /// The author's username.
    pub author: String,
    /// `posts.category_id`.
    pub category_id: i64,
    /// The Markdown source, else the stored HTML (imports without a source).
    pub body: String,
    /// `posts.status`.
    #[sqlx(try_from = "String")]
    pub status: PostStatus,
    /// `posts.published_at`.
    pub published_at: Option<DateTime<Utc>>,
    /// `posts.meta_description`.
    pub meta_description: Option<String>,
    /// `posts.view_count`.
    pub view_count: i64,
    /// `posts.excerpt`.
    pub excerpt: String,
    /// `posts.created_at`.
    pub created_at: DateTime<Utc>,
    /// `posts.updated_at`.
    pub updated_at: DateTime<Utc>,
    /// `posts.kind`.
    #[sqlx(try_from = "String")]
    pub kind: PostKind,
    /// `posts.nav_order`.
    pub nav_order: Option<i32>,
}

impl From<PostSummaryRow> for PostSummary {
    fn from(row: PostSummaryRow) -> Self {
        Self {
            id: row.id,
            path: match row.kind {
                PostKind::Page => crate::domain::kind::page_path(&row.slug),
                PostKind::Post => crate::domain::text::post_path(row.published_at, &row.slug),
            },
            title: row.title,
            excerpt: row.excerpt,
            author: PublicUser::new(
                row.author_username,
                row.author_display_name,
                row.author_bio,
                row.author_avatar_url,
            ),
            byline: row.byline,
            category: CategoryRef {
                name: row.category_name,
                slug: row.category_slug,
            },
            tags: Vec::new(),
            kind: row.kind,
            published_at: row.published_at,
        }
    }
}
