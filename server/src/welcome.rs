//! The first-start content: a short "Welcome to Folio" post, so a fresh site is not an empty
//! screen. Written once; deleting it later does not bring it back.

use app::domain::PostStatus;
use app::ssr::blog::{self, PostBody, PostInput};
use app::ssr::db::{posts, settings, users, Db};

/// The `site_settings` key recording that the welcome post was written.
pub const WELCOME_SETTING: &str = "welcome_post_created";

/// The welcome post's Markdown.
pub const WELCOME_MARKDOWN: &str = include_str!("welcome.md");

/// Writes the welcome post if this database has never had one and holds no posts.
///
/// # Errors
/// Database failures and (never for the built-in text) validation failures.
pub async fn ensure_welcome_post(db: &Db) -> Result<(), blog::SaveError> {
    let mut tx = db.begin().await?;
    if settings::get(tx.conn(), WELCOME_SETTING).await?.is_some() {
        return Ok(());
    }
    let now = chrono::Utc::now();
    if posts::count_all(tx.conn()).await? == 0 {
        let author_id = users::ensure_author(tx.conn(), "folio", "The Folio team", now).await?;
        let category_id = blog::ensure_category(tx.conn(), "General").await?;
        let record = blog::prepare(
            PostInput {
                title: "Welcome to Folio".into(),
                slug: Some("welcome-to-folio".into()),
                author_id,
                category_id,
                byline: None,
                body: PostBody::Markdown(WELCOME_MARKDOWN.into()),
                meta_description: Some(
                    "Your new Folio site is running. Here is what it can do and how to fill it."
                        .into(),
                ),
                status: PostStatus::Published,
                published_at: Some(now),
            },
            now,
        )?;
        blog::save(tx.conn(), &record, now).await?;
        tracing::info!("wrote the welcome post");
    }
    settings::set(tx.conn(), WELCOME_SETTING, &now.to_rfc3339()).await?;
    tx.commit().await?;
    Ok(())
}
