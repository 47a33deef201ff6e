//! Why a write to a post failed, as one typed error for every caller, and its one conversion
//! into [`AppError`] (neutral wording; the REST API and the admin put DRF's and Django's words
//! on it at their edge).

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{AppError, FieldErrors};
use crate::ssr::db::{unique_violation, UniqueKey};

/// Why a post could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// No post (or revision) with that id.
    #[error("no such post")]
    NotFound,
    /// The actor may not write this post (authors change their own posts only).
    #[error("not allowed to change this post")]
    Forbidden,
    /// Fields are invalid; each message names its field (`title`, `slug`, `category_id`...).
    #[error("invalid fields")]
    Invalid(FieldErrors),
    /// Another save changed the post after the writer opened it (optimistic locking).
    #[error("the post was saved elsewhere at {saved_at}")]
    Stale {
        /// When the other save happened.
        saved_at: DateTime<Utc>,
    },
    /// Another post already has this slug on this publication day (`unique_for_date`).
    #[error("slug {slug} is taken on {date:?}")]
    SlugTaken {
        /// The slug.
        slug: String,
        /// The publication day (UTC); `None` when the clash came from several posts at once.
        date: Option<NaiveDate>,
    },
    /// The category chosen does not exist.
    #[error("unknown category {0}")]
    UnknownCategory(i64),
    /// A post needs a category and there is none yet.
    #[error("no category exists")]
    NoCategory,
    /// A schedule time that is not in the future.
    #[error("the schedule time is not in the future")]
    ScheduleNotInFuture,
    /// More posts than one bulk write may change.
    #[error("more than {limit} posts in one write")]
    TooMany {
        /// The most one write changes.
        limit: usize,
    },
    /// The database failed (logged where converted; never shown).
    #[error("database error: {0}")]
    Database(sqlx::Error),
}

impl PostError {
    /// A validation error for one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        Self::Invalid(errors)
    }

    /// A database error as the write sees it: a violation of the slug-per-day index becomes
    /// [`PostError::SlugTaken`] (recognised by the index's name, see
    /// [`crate::ssr::db::unique_violation`]); anything else stays a database error.
    pub fn from_write(error: sqlx::Error, slug: &str, date: Option<NaiveDate>) -> Self {
        match unique_violation(&error) {
            Some(UniqueKey::PostSlugOnDate) => Self::SlugTaken {
                slug: slug.to_string(),
                date,
            },
            _ => Self::Database(error),
        }
    }
}

impl From<sqlx::Error> for PostError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => Self::NotFound,
            other => Self::Database(other),
        }
    }
}

/// The message of [`PostError::Stale`] (the editor and the admin form show it).
pub fn stale_message(saved_at: DateTime<Utc>) -> String {
    format!(
        "This post was saved somewhere else at {} (another tab, or another person). Nothing \
         was overwritten; your text is kept in this browser. Reload to see the other version.",
        saved_at.format("%H:%M:%S UTC")
    )
}

impl From<PostError> for AppError {
    fn from(error: PostError) -> Self {
        match error {
            PostError::NotFound => Self::NotFound,
            PostError::Forbidden => Self::Forbidden,
            PostError::Invalid(errors) => Self::Validation(errors),
            PostError::Stale { saved_at } => Self::Conflict(stale_message(saved_at)),
            PostError::SlugTaken { date: Some(day), .. } => Self::field(
                "slug",
                format!("Another post already has this slug on {}.", day.format("%Y-%m-%d")),
            ),
            PostError::SlugTaken { date: None, .. } => Self::Conflict(
                "Two of these posts would have the same address (slug and day); change one slug first."
                    .into(),
            ),
            PostError::UnknownCategory(_) => Self::field("category_id", "Choose a category."),
            PostError::NoCategory => {
                Self::Conflict("Add a category before writing a post.".into())
            }
            PostError::ScheduleNotInFuture => Self::BadRequest(
                "Choose a time in the future to schedule the post, or publish it now.".into(),
            ),
            PostError::TooMany { limit } => Self::BadRequest(format!(
                "More than {limit} posts match; narrow the list first."
            )),
            PostError::Database(error) => {
                tracing::error!(error = %error, "posts: database error");
                Self::Internal
            }
        }
    }
}
