//! The first-start content: a short "Welcome to Folio" post, so a fresh site is not an empty
//! screen. Written once; deleting it later does not bring it back.

use app::domain::PostStatus;
use app::ssr::db::posts::writes as posts;
use app::ssr::db::{settings, Db};
use app::ssr::posts::rules::PostBody;
use app::ssr::posts::write::ImportedPost;
use app::ssr::posts::{PostError, PostEvents, Posts};

/// The `site_settings` key recording that the welcome post was written.
pub const WELCOME_SETTING: &str = "welcome_post_created";

/// The welcome post's Markdown.
pub const WELCOME_MARKDOWN: &str = include_str!("welcome.md");

/// Writes the welcome post (through the posts wing, as an import) if this database has never had
/// one and holds no posts.
///
/// # Errors
/// Database failures and (never for the built-in text) validation failures.
pub async fn ensure_welcome_post(db: &Db, events: &PostEvents) -> Result<(), PostError> {
    let mut conn = db.acquire().await?;
    if settings::get(conn.conn(), WELCOME_SETTING).await?.is_some() {
        return Ok(());
    }
    let empty = posts::count_all(conn.conn()).await? == 0;
    drop(conn);
    let now = chrono::Utc::now();
    if empty {
        let welcome = ImportedPost {
            author: ("folio".into(), "The Folio team".into()),
            author_email: None,
            category: "General".into(),
            title: "Welcome to Folio".into(),
            slug: Some("welcome-to-folio".into()),
            byline: None,
            body: PostBody::Markdown(WELCOME_MARKDOWN.into()),
            meta_description: Some(
                "Your new Folio site is running. Here is what it can do and how to fill it.".into(),
            ),
            status: PostStatus::Published,
            published_at: Some(now),
            aliases: Vec::new(),
            tags: Vec::new(),
            kind: app::domain::PostKind::Post,
            nav_order: None,
        };
        Posts::new(db, events).import(welcome, now).await?;
        tracing::info!("wrote the welcome post");
    }
    let mut conn = db.acquire_write().await?;
    settings::set(conn.conn(), WELCOME_SETTING, &now.to_rfc3339()).await?;
    Ok(())
}
