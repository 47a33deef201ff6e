//! The posts' change form: every field of a post, with the saving rules of
//! [`crate::ssr::blog::prepare`] (slug from the title when empty, `published_at` set on
//! publishing, excerpt derived), the role rules (authors write and change their own posts and
//! are always their author; editors change everyone's and choose the author), the Markdown
//! preview and the author picker's search.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use crate::domain::{Permission, PostStatus, Role};
use crate::error::{AppError, FieldErrors};
use crate::model::admin::{AdminModel, AuthorChoice, LogAction, PostForm};
use crate::ssr::blog::{self, PostBody, PostInput, SaveError};
use crate::ssr::content::markdown;
use crate::ssr::db::admin_forms::{self, PostFormRow};
use crate::ssr::db::row_lock::{self, Versioned};
use crate::ssr::db::users::AccountRow;
use crate::ssr::db::{categories, posts, unique_violation};
use crate::ssr::AppState;

/// How many staff members the author picker offers at once.
pub const AUTHOR_CHOICES: i64 = 10;

/// The format of `published_at` in the form (`<input type="datetime-local">`, UTC).
pub const DATETIME_FORMAT: &str = "%Y-%m-%dT%H:%M";

/// A post form as submitted.
#[derive(Debug, Clone)]
pub struct PostInputForm {
    /// `None` to create.
    pub id: Option<i64>,
    /// The title.
    pub title: String,
    /// The slug; empty to make one from the title.
    pub slug: String,
    /// The author's username (editors only; ignored for authors).
    pub author: String,
    /// The category's id.
    pub category_id: i64,
    /// The body as Markdown.
    pub body: String,
    /// The status's stored name.
    pub status: String,
    /// The publication time as `YYYY-MM-DDTHH:MM` (UTC), or empty.
    pub published_at: String,
    /// The meta description.
    pub meta_description: String,
    /// The version the form was opened at.
    pub version: String,
}

fn version(row: &PostFormRow) -> String {
    post_version(row.id, row.updated_at, row.status)
}

/// A post's version digest (see [`super::version_of`]): its id, last save time and status. The
/// change form and the rich editor use the same one, so each notices the other's saves.
pub fn post_version(id: i64, updated_at: DateTime<Utc>, status: PostStatus) -> String {
    super::version_of(&[&id.to_string(), &updated_at.to_rfc3339(), status.as_str()])
}

/// Post `id`'s form (or an empty one for `None`) for `actor`.
///
/// # Errors
/// [`AppError::Forbidden`] without `WritePosts`, or for someone else's post without
/// `EditAllPosts`; [`AppError::NotFound`]; [`AppError::Internal`].
pub async fn form(
    state: &AppState,
    actor: &AccountRow,
    id: Option<i64>,
) -> Result<PostForm, AppError> {
    super::authorise_model(actor, AdminModel::Posts)?;
    let mut conn = state.db.acquire().await?;
    let categories = admin_forms::category_choices(conn.conn()).await?;
    let can_change_author = actor.role.can(Permission::EditAllPosts);
    let Some(id) = id else {
        return Ok(PostForm {
            id: None,
            title: String::new(),
            slug: String::new(),
            author: actor.username.clone(),
            category_id: categories.first().map(|(id, _)| *id).unwrap_or(0),
            body: String::new(),
            status: PostStatus::Draft,
            published_at: None,
            meta_description: String::new(),
            view_count: 0,
            created_at: None,
            updated_at: None,
            excerpt: String::new(),
            public_path: None,
            version: String::new(),
            categories,
            can_change_author,
        });
    };
    let row = admin_forms::find_post(conn.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !super::may_change_post(actor, row.author_id) {
        tracing::info!(
            user_id = actor.id,
            post_id = id,
            "post form refused: not the author"
        );
        return Err(AppError::Forbidden);
    }
    let public_path = match (row.status, row.published_at) {
        (PostStatus::Published, Some(at)) if at <= Utc::now() => {
            Some(crate::domain::text::post_path(at, &row.slug))
        }
        _ => None,
    };
    Ok(PostForm {
        id: Some(row.id),
        version: version(&row),
        title: row.title,
        slug: row.slug,
        author: row.author,
        category_id: row.category_id,
        body: row.body,
        status: row.status,
        published_at: row.published_at,
        meta_description: row.meta_description.unwrap_or_default(),
        view_count: row.view_count,
        created_at: Some(row.created_at),
        updated_at: Some(row.updated_at),
        excerpt: row.excerpt,
        public_path,
        categories,
        can_change_author,
    })
}

/// Parses the form's `published_at` (`YYYY-MM-DDTHH:MM`, seconds optional, UTC); `Ok(None)`
/// when empty.
///
/// # Errors
/// Django's "Enter a valid date/time." message.
pub fn parse_published_at(value: &str) -> Result<Option<DateTime<Utc>>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(value, DATETIME_FORMAT)
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .map(|naive| Some(Utc.from_utc_datetime(&naive)))
        .map_err(|_| "Enter a valid date/time.".to_string())
}

/// Creates or changes a post from the form; returns its id.
///
/// # Errors
/// [`AppError::Forbidden`] as [`form`]; [`AppError::Validation`] by field (`title`, `slug`,
/// `author`, `category_id`, `status`, `published_at`); [`AppError::Conflict`] when someone else
/// saved the post after the form was opened; [`AppError::NotFound`]; [`AppError::Internal`].
pub async fn save(
    state: &AppState,
    actor: &AccountRow,
    input: PostInputForm,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    super::authorise_model(actor, AdminModel::Posts)?;
    let mut errors = FieldErrors::default();
    let status = PostStatus::parse(&input.status);
    if status.is_none() {
        errors.add(
            "status",
            format!(
                "Select a valid choice. {} is not one of the available choices.",
                input.status
            ),
        );
    }
    let published_at = parse_published_at(&input.published_at)
        .map_err(|m| errors.add("published_at", m))
        .ok()
        .flatten();
    let mut tx = state.db.begin().await?;
    let stored = match input.id {
        Some(id) => {
            row_lock::lock(tx.conn(), Versioned::Posts, id).await?;
            let row = admin_forms::find_post(tx.conn(), id)
                .await?
                .ok_or(AppError::NotFound)?;
            if !super::may_change_post(actor, row.author_id) {
                return Err(AppError::Forbidden);
            }
            super::check_version(AdminModel::Posts, &input.version, &version(&row))?;
            Some(row)
        }
        None => None,
    };
    let author_id = if actor.role.can(Permission::EditAllPosts) {
        match admin_forms::find_staff_by_username(tx.conn(), &input.author).await? {
            Some((id, role)) if Role::try_from(role.clone()).is_ok_and(Role::is_staff) => Some(id),
            _ => {
                errors.add(
                    "author",
                    "Select a valid choice: a staff member's username.",
                );
                None
            }
        }
    } else {
        Some(stored.as_ref().map_or(actor.id, |s| s.author_id))
    };
    if categories::find_by_id(tx.conn(), input.category_id)
        .await?
        .is_none()
    {
        errors.add(
            "category_id",
            "Select a valid choice. That choice is not one of the available choices.",
        );
    }
    // The saving rules run even when other fields are wrong, so every message is shown at once.
    let prepared = blog::prepare(
        PostInput {
            title: input.title,
            slug: Some(input.slug),
            author_id: author_id.unwrap_or(actor.id),
            category_id: input.category_id,
            byline: None,
            body: PostBody::Markdown(input.body),
            meta_description: Some(input.meta_description),
            status: status.unwrap_or_default(),
            published_at,
        },
        now,
    );
    let record = match prepared {
        Ok(record) => Some(record),
        Err(SaveError::Invalid { field, message }) => {
            errors.add(field, message);
            None
        }
        Err(SaveError::Database(e)) => return Err(e.into()),
    };
    errors.into_result()?;
    let Some(mut record) = record else {
        return Err(AppError::Internal);
    };
    let id = match &stored {
        None => {
            let id = posts::insert(tx.conn(), &record, now)
                .await
                .map_err(slug_conflict)?;
            super::log(
                tx.conn(),
                actor,
                super::Logged {
                    model: AdminModel::Posts,
                    object_id: id,
                    object_repr: &record.title,
                    action: LogAction::Add,
                    message: "",
                },
                now,
            )
            .await?;
            id
        }
        Some(row) => {
            let old = posts::find_stored(tx.conn(), row.id)
                .await?
                .ok_or(AppError::NotFound)?
                .record;
            // Imported posts without a Markdown source keep their byline.
            record.byline = old.byline.clone();
            let changed = changed_fields(&old, &record);
            if !changed.is_empty() {
                posts::update(tx.conn(), row.id, &record, now)
                    .await
                    .map_err(slug_conflict)?;
            }
            super::log(
                tx.conn(),
                actor,
                super::Logged {
                    model: AdminModel::Posts,
                    object_id: row.id,
                    object_repr: &record.title,
                    action: LogAction::Change,
                    message: &super::change_message(&changed),
                },
                now,
            )
            .await?;
            row.id
        }
    };
    tx.commit().await?;
    tracing::info!(post_id = id, user_id = actor.id, "post saved in the admin");
    Ok(id)
}

fn changed_fields(old: &posts::PostRecord, new: &posts::PostRecord) -> Vec<&'static str> {
    let mut changed = Vec::new();
    let pairs: [(&'static str, bool); 8] = [
        ("title", old.title != new.title),
        ("slug", old.slug != new.slug),
        ("author", old.author_id != new.author_id),
        ("category", old.category_id != new.category_id),
        (
            "body",
            old.body_source != new.body_source || old.body != new.body,
        ),
        ("status", old.status != new.status),
        ("published_at", old.published_at != new.published_at),
        (
            "meta description",
            old.meta_description != new.meta_description,
        ),
    ];
    for (name, differs) in pairs {
        if differs {
            changed.push(name);
        }
    }
    changed
}

/// Django's `unique_for_date` message for a slug used on the same publication day.
pub fn slug_conflict(error: sqlx::Error) -> AppError {
    if unique_violation(&error).is_some() {
        AppError::field("slug", "Slug must be unique for the Published at date.")
    } else {
        error.into()
    }
}

/// The HTML a Markdown body renders to, sanitised exactly as saving does (the form's preview).
///
/// # Errors
/// [`AppError::Forbidden`] without `WritePosts`.
pub fn preview(actor: &AccountRow, body: &str) -> Result<String, AppError> {
    super::authorise_model(actor, AdminModel::Posts)?;
    Ok(markdown::render_markdown(body, None))
}

/// Staff members matching `term` for the author picker (editors only: authors cannot choose).
///
/// # Errors
/// [`AppError::Forbidden`] without `EditAllPosts`; [`AppError::Internal`].
pub async fn search_authors(
    state: &AppState,
    actor: &AccountRow,
    term: &str,
) -> Result<Vec<AuthorChoice>, AppError> {
    if !actor.role.can(Permission::EditAllPosts) {
        return Err(AppError::Forbidden);
    }
    let term: String = term.chars().take(100).collect();
    let mut conn = state.db.acquire().await?;
    let rows = admin_forms::search_staff(conn.conn(), &term, AUTHOR_CHOICES).await?;
    Ok(rows
        .into_iter()
        .map(|r| AuthorChoice {
            id: r.id,
            name: if r.display_name.trim().is_empty() {
                r.username.clone()
            } else {
                r.display_name
            },
            username: r.username,
            email: r.email,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_at_reads_the_datetime_local_format() {
        assert_eq!(parse_published_at(" "), Ok(None));
        let at = parse_published_at("2024-05-03T10:30").unwrap().unwrap();
        assert_eq!(at.to_rfc3339(), "2024-05-03T10:30:00+00:00");
        assert!(parse_published_at("2024-05-03T10:30:15").unwrap().is_some());
        assert_eq!(
            parse_published_at("yesterday"),
            Err("Enter a valid date/time.".to_string())
        );
    }
}
