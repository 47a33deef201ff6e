//! The blog service: the rules for saving a post and the queries behind the public pages.
//!
//! Rules (from the foundation issue, after Django's tutorial blog): an empty slug is generated
//! from the title; publishing sets `published_at` when it is empty; the excerpt and the searchable
//! text are derived from the sanitised body, never typed; a post is public when its status is
//! `PUBLISHED` and `published_at <= now`.

use chrono::{DateTime, NaiveDate, Utc};

use crate::domain::pagination::PageRequest;
use crate::domain::{slugify, PostStatus, Slug};
use crate::model::{PostDetail, PostPage, PostSummary};
use crate::ssr::content::{markdown, sanitize, text};
use crate::ssr::db::posts::{self, PostFilter, PostRecord};
use crate::ssr::db::{categories, Conn, Db};

/// Posts per page on the public lists.
pub const POSTS_PER_PAGE: i64 = 10;

/// The longest title, in characters (the `posts.title` check).
pub const MAX_TITLE_CHARS: usize = 200;

/// The longest meta description kept, in characters; longer ones are cut at a word boundary.
pub const MAX_DESCRIPTION_CHARS: usize = 300;

/// Why a post cannot be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// A field is invalid; `field` names it as forms do.
    #[error("{field}: {message}")]
    Invalid {
        /// The field's name (`title`, `slug`...).
        field: &'static str,
        /// What is wrong, for the user.
        message: String,
    },
    /// The database failed.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

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
}

/// Applies the saving rules to `input` (see the module documentation).
///
/// # Errors
/// [`SaveError::Invalid`] for an empty or too long title or an invalid slug.
pub fn prepare(input: PostInput, now: DateTime<Utc>) -> Result<PostRecord, SaveError> {
    let title = input.title.trim().to_string();
    if title.is_empty() {
        return Err(SaveError::Invalid {
            field: "title",
            message: "the title is empty".into(),
        });
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(SaveError::Invalid {
            field: "title",
            message: format!("the title is longer than {MAX_TITLE_CHARS} characters"),
        });
    }
    let slug = match input
        .slug
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(given) => Slug::parse(given)
            .map_err(|e| SaveError::Invalid {
                field: "slug",
                message: e.to_string(),
            })?
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
    })
}

fn cut_description(description: &str) -> String {
    if description.chars().count() <= MAX_DESCRIPTION_CHARS {
        description.to_string()
    } else {
        let cut: String = description.chars().take(MAX_DESCRIPTION_CHARS).collect();
        match cut.rfind(' ') {
            Some(i) => format!("{}…", &cut[..i]),
            None => cut,
        }
    }
}

/// What [`save`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    /// A new post was inserted.
    Created(i64),
    /// An existing post changed.
    Updated(i64),
    /// The existing post already had exactly these fields; nothing was written.
    Unchanged(i64),
}

impl SaveOutcome {
    /// The post's id.
    pub fn id(self) -> i64 {
        match self {
            Self::Created(id) | Self::Updated(id) | Self::Unchanged(id) => id,
        }
    }
}

/// Saves `record` as the post with the same publication day and slug (updating it if its fields
/// differ) or as a new post. Use inside a transaction when other writes belong with it.
///
/// # Errors
/// Database failures, as [`SaveError::Database`].
pub async fn save(
    mut conn: Conn<'_>,
    record: &PostRecord,
    now: DateTime<Utc>,
) -> Result<SaveOutcome, SaveError> {
    let existing = match record.published_at {
        Some(at) => {
            posts::find_by_date_and_slug(conn.reborrow(), at.date_naive(), &record.slug).await?
        }
        None => None,
    };
    Ok(match existing {
        Some(stored) if stored.record == *record => SaveOutcome::Unchanged(stored.id),
        Some(stored) => {
            posts::update(conn, stored.id, record, now).await?;
            SaveOutcome::Updated(stored.id)
        }
        None => SaveOutcome::Created(posts::insert(conn, record, now).await?),
    })
}

/// Returns the id of the category with `name`'s slug, creating it when missing.
///
/// # Errors
/// [`SaveError::Invalid`] for a name with nothing to slugify; database failures.
pub async fn ensure_category(mut conn: Conn<'_>, name: &str) -> Result<i64, SaveError> {
    let name = name.trim();
    let slug = slugify(name);
    if slug.is_empty() {
        return Err(SaveError::Invalid {
            field: "category",
            message: format!("'{name}' cannot be made into a slug"),
        });
    }
    if let Some(row) = categories::find_by_slug(conn.reborrow(), &slug).await? {
        return Ok(row.id);
    }
    Ok(categories::insert(conn, name, &slug).await?)
}

/// One page of public posts that `filter` selects, with Django's `get_page` rules.
///
/// # Errors
/// The driver's error.
pub async fn public_page(
    db: &Db,
    filter: &PostFilter,
    page: Option<&str>,
    now: DateTime<Utc>,
) -> Result<PostPage, sqlx::Error> {
    let mut conn = db.acquire().await?;
    let total = posts::count_public(conn.conn(), now, filter).await?;
    let page = PageRequest::from_query(page, POSTS_PER_PAGE).resolve(total);
    let rows = posts::list_public(conn.conn(), now, filter, page.per_page, page.offset()).await?;
    Ok(PostPage {
        posts: rows.into_iter().map(PostSummary::from).collect(),
        page,
    })
}

/// The public post at `date` + `slug`, counting this view; `None` when there is none.
///
/// # Errors
/// The driver's error.
pub async fn view_post(
    db: &Db,
    date: NaiveDate,
    slug: &str,
    now: DateTime<Utc>,
) -> Result<Option<PostDetail>, sqlx::Error> {
    let mut conn = db.acquire().await?;
    let Some(row) = posts::find_public(conn.conn(), now, date, slug).await? else {
        return Ok(None);
    };
    drop(conn);
    let mut writer = db.acquire_write().await?;
    let view_count = posts::increment_view_count(writer.conn(), row.summary.id)
        .await?
        .unwrap_or(row.view_count + 1);
    Ok(Some(detail_from_row(row, view_count)))
}

/// Builds the page shape of a post from its row.
pub fn detail_from_row(row: posts::PostDetailRow, view_count: i64) -> PostDetail {
    let words = crate::domain::text::word_count(&row.body_text);
    let description = row
        .meta_description
        .clone()
        .unwrap_or_else(|| row.summary.excerpt.clone());
    let featured_image = match (
        row.featured_image_file,
        row.featured_image_width,
        row.featured_image_height,
    ) {
        (Some(file), Some(width), Some(height)) => {
            Some(crate::ssr::media::responsive_image(&file, width, height))
        }
        _ => None,
    };
    PostDetail {
        summary: PostSummary::from(row.summary),
        body_html: row.body,
        description,
        reading_minutes: crate::domain::text::reading_minutes(words),
        view_count,
        updated_at: row.updated_at,
        featured_image,
    }
}

/// The `site_settings` key holding the [`sanitize::SANITIZER_VERSION`] the stored bodies were
/// last cleaned with.
pub const SANITIZER_VERSION_SETTING: &str = "sanitizer_version";

/// Cleans every stored post body again when the sanitiser's rules changed since they were
/// stored (a stricter allow-list must also cover what was saved before it), then records the
/// version. Batches of 500 posts, one transaction each; bodies already clean are not written.
/// Cleaning is idempotent, so servers starting together may both run it. Returns how many
/// bodies changed.
///
/// # Errors
/// The driver's error.
pub async fn resanitize_stored_bodies(db: &Db) -> Result<u64, sqlx::Error> {
    use crate::ssr::db::settings;
    let mut conn = db.acquire().await?;
    let done = settings::get(conn.conn(), SANITIZER_VERSION_SETTING)
        .await?
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0);
    drop(conn);
    if done >= sanitize::SANITIZER_VERSION {
        return Ok(0);
    }
    let mut changed = 0;
    let mut after = 0;
    loop {
        let mut tx = db.begin().await?;
        let batch = posts::bodies_after(tx.conn(), after, 500).await?;
        let Some((last, _)) = batch.last() else {
            break;
        };
        after = *last;
        for (id, body) in &batch {
            let clean = sanitize::sanitize_html(body);
            if clean != *body {
                posts::set_body(tx.conn(), *id, &clean).await?;
                changed += 1;
            }
        }
        tx.commit().await?;
    }
    let mut conn = db.acquire_write().await?;
    settings::set(
        conn.conn(),
        SANITIZER_VERSION_SETTING,
        &sanitize::SANITIZER_VERSION.to_string(),
    )
    .await?;
    if changed > 0 {
        tracing::info!(
            changed,
            "post bodies cleaned again with the current sanitiser"
        );
    }
    Ok(changed)
}

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

    #[test]
    fn rejects_bad_titles_and_slugs() {
        let now = Utc::now();
        assert!(matches!(
            prepare(input("   "), now),
            Err(SaveError::Invalid { field: "title", .. })
        ));
        assert!(matches!(
            prepare(input(&"x".repeat(201)), now),
            Err(SaveError::Invalid { field: "title", .. })
        ));
        let mut i = input("T");
        i.slug = Some("no spaces".into());
        assert!(matches!(
            prepare(i, now),
            Err(SaveError::Invalid { field: "slug", .. })
        ));
        assert_eq!(prepare(input("🎉"), now).unwrap().slug, "post");
    }
}
