//! The posts' change form: every field of a post, saved through the posts write service
//! ([`crate::ssr::posts::write`]: the saving rules, the role rules, the version check, the audit
//! log), with messages in Django's words; the Markdown preview and the author picker's search.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

use crate::domain::{Permission, PostKind, PostStatus, Role};
use crate::error::{AppError, FieldErrors};
use crate::model::admin::{AdminModel, AuthorChoice, PostForm};
use crate::ssr::content::markdown;
use crate::ssr::db::admin_forms;
use crate::ssr::db::posts::editing as posts_editing;
use crate::ssr::db::posts::rows::PostFormRow;
use crate::ssr::db::users::AccountRow;
use crate::ssr::posts::rules::{post_version, public_path, PostBody, PostInput};
use crate::ssr::posts::tags as post_tags;
use crate::ssr::posts::write::{Edit, NewPost, SlugChoice};
use crate::ssr::posts::{Actor, Expect, Origin, PostError};
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
    /// The tags, comma-separated; `None` when the form has no tag field (keeps them).
    pub tags: Option<String>,
    /// `post` or `page`; `None` keeps the stored kind (new posts are posts).
    pub kind: Option<String>,
    /// A page's navigation order (a whole number, or empty for none).
    pub nav_order: Option<String>,
}

fn version(row: &PostFormRow) -> String {
    post_version(row.id, row.updated_at, row.status)
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
            newsletter: None,
            version: String::new(),
            categories,
            can_change_author,
            tags: String::new(),
            kind: PostKind::Post,
            nav_order: None,
        });
    };
    let row = posts_editing::find_for_form(conn.conn(), id)
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
    let public_path = public_path(
        row.kind,
        row.status,
        row.published_at,
        &row.slug,
        Utc::now(),
    );
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
        newsletter: crate::ssr::newsletter::progress_line(conn.conn(), row.id).await?,
        categories,
        can_change_author,
        tags: crate::ssr::db::tags::for_post(conn.conn(), row.id)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect::<Vec<_>>()
            .join(", "),
        kind: row.kind,
        nav_order: row.nav_order,
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

/// Creates or changes a post from the form through the posts write service; returns its id.
/// Every problem of the form is reported at once, in Django's words.
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
    let mut conn = state.db.acquire().await?;
    let author_id = if actor.role.can(Permission::EditAllPosts) {
        match admin_forms::find_staff_by_username(conn.conn(), &input.author).await? {
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
        None
    };
    drop(conn);
    let kind = match input
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty())
    {
        None => None,
        Some(text) => match PostKind::parse(text) {
            Some(kind) => Some(kind),
            None => {
                errors.add(
                    "kind",
                    format!("Select a valid choice. {text} is not one of the available choices."),
                );
                None
            }
        },
    };
    let nav_order = match input
        .nav_order
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        None => None,
        Some(text) => match text.parse::<i32>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                errors.add("nav_order", "Enter a whole number (0 or more).");
                None
            }
        },
    };
    let tags = input.tags.as_deref().map(post_tags::split_field);
    let fields = |author_id: i64, stored_kind: PostKind| PostInput {
        title: input.title.clone(),
        slug: Some(input.slug.clone()),
        author_id,
        category_id: input.category_id,
        byline: None,
        body: PostBody::Markdown(input.body.clone()),
        meta_description: Some(input.meta_description.clone()),
        status: status.unwrap_or_default(),
        published_at,
        kind: kind.unwrap_or(stored_kind),
        nav_order,
    };
    // The form's own problems go with the write, which reports them together with the saving
    // rules' (after checking the actor may change the post), so every message shows at once.
    let posts = state.posts();
    let id = match input.id {
        None => {
            let new = NewPost {
                input: fields(author_id.unwrap_or(actor.id), PostKind::Post),
                form_errors: errors,
                tags: tags.unwrap_or_default(),
                slug: SlugChoice::AsGiven,
                message: "",
            };
            posts
                .create(Actor::Account(actor), new, Origin::AdminForm, now)
                .await
                .map_err(django_words)?
        }
        Some(id) => {
            posts
                .update(
                    Actor::Account(actor),
                    id,
                    Expect::Version(&input.version),
                    Origin::AdminForm,
                    now,
                    |stored| {
                        let mut input = fields(
                            author_id.unwrap_or(stored.record.author_id),
                            stored.record.kind,
                        );
                        // Imported posts without a Markdown source keep their byline.
                        input.byline = stored.record.byline.clone();
                        Ok(Edit {
                            input,
                            form_errors: errors,
                            featured_image: None,
                            tags,
                            message: None,
                        })
                    },
                )
                .await
                .map_err(django_words)?
                .id
        }
    };
    tracing::info!(post_id = id, user_id = actor.id, "post saved in the admin");
    Ok(id)
}

/// A write error in the words of Django's admin.
fn django_words(error: PostError) -> AppError {
    match error {
        PostError::SlugTaken { date: Some(_), .. } => {
            AppError::field("slug", "Slug must be unique for the Published at date.")
        }
        PostError::UnknownCategory(_) => AppError::field(
            "category_id",
            "Select a valid choice. That choice is not one of the available choices.",
        ),
        PostError::Stale { .. } => AppError::Conflict(
            "Someone else saved this post after you opened it. Your changes were not saved: copy \
             them, reload the page to see the other changes, then edit again."
                .into(),
        ),
        PostError::Invalid(errors) => AppError::Validation(FieldErrors(
            errors
                .0
                .into_iter()
                .map(|(field, messages)| {
                    let messages = messages
                        .into_iter()
                        .map(|m| django_message(&field, m))
                        .collect();
                    (field, messages)
                })
                .collect(),
        )),
        other => other.into(),
    }
}

/// A field message of the saving rules in Django's words where they differ.
fn django_message(field: &str, message: String) -> String {
    match (field, message.as_str()) {
        ("category_id", _) => {
            "Select a valid choice. That choice is not one of the available choices.".into()
        }
        _ => message,
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
