//! The admin back-office's endpoints. Each authorises first (staff only, then the model's
//! permission, then, for posts, the author rule) inside the `ssr::admin` service it calls.
//!
//! Reads use `GET` (`GetUrl`). Writes are `POST`, checked by the security middleware's CSRF rules
//! before the endpoint runs: the change forms and the delete page are plain `<form>`s carrying
//! the CSRF token (they work before the wasm loads); the list's actions are same-origin `fetch`
//! calls from the hydrated page.

// A form's endpoint takes one argument per form field (that is how a plain `<form>` posts to a
// server function), so the change forms' endpoints have many; the generated client functions
// repeat them, which only a module-wide allow reaches.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::model::admin::{
    ActionReport, AdminIndex, AdminModel, AuthorChoice, CategoryForm, ChangeList, CommentForm,
    DeletePreview, JobDetail, LogEntry, PostForm, TagChoice, TagForm, UserForm,
};

/// The signed-in staff member, or the error (status set) to return at once.
#[cfg(feature = "ssr")]
async fn staff() -> Result<(crate::ssr::AppState, crate::ssr::db::users::AccountRow), AppError> {
    super::require(crate::domain::Permission::AccessAdmin).await
}

/// The admin index: models with counts, recent actions.
///
/// # Errors
/// [`AppError::Unauthorized`] when signed out; [`AppError::Forbidden`] for non-staff.
#[server(prefix = "/_fn", endpoint = "admin/index", input = GetUrl)]
pub async fn get_admin_index() -> Result<AdminIndex, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::admin::index(&state, &actor, chrono::Utc::now()).await
}

/// One page of `model`'s change list for the list's query string (`q`, `o`, filters, `year`,
/// `month`, `day`, `page`).
///
/// # Errors
/// [`AppError::Unauthorized`]; [`AppError::Forbidden`] without the model's permission.
#[server(prefix = "/_fn", endpoint = "admin/list", input = GetUrl)]
pub async fn admin_change_list(model: AdminModel, query: String) -> Result<ChangeList, AppError> {
    use crate::domain::changelist::ListParams;
    let (state, actor) = staff().await?;
    let params = ListParams::parse(&query);
    crate::ssr::admin::changelist::change_list(&state, &actor, model, &params, chrono::Utc::now())
        .await
}

/// Runs bulk action `action` on the rows `ids` (comma-separated) or, with `select_across`, on
/// every row matching `query`.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::BadRequest`] for an unknown action or no selection;
/// [`AppError::Conflict`] when protected objects stand in the way.
#[server(prefix = "/_fn", endpoint = "admin/action")]
pub async fn admin_bulk_action(
    model: AdminModel,
    action: String,
    ids: String,
    select_across: bool,
    query: String,
) -> Result<ActionReport, AppError> {
    use crate::domain::changelist::ListParams;
    use crate::ssr::admin::actions::{self, BulkAction, Selection};
    let (state, actor) = staff().await?;
    let Some(action) = BulkAction::parse(model, &action) else {
        return Err(AppError::BadRequest("Choose an action.".into()));
    };
    let selection = if select_across {
        Selection::AllMatching
    } else {
        Selection::Ids(parse_ids(&ids)?)
    };
    let params = ListParams::parse(&query);
    actions::run(
        &state,
        &actor,
        model,
        action,
        selection,
        &params,
        chrono::Utc::now(),
    )
    .await
}

/// Saves the post statuses changed in the list: `changes` is `id:STATUS` pairs, comma-separated.
///
/// # Errors
/// [`AppError::Forbidden`] when a post is not the caller's to change (nothing saved);
/// [`AppError::BadRequest`] for a malformed list.
#[server(prefix = "/_fn", endpoint = "admin/posts/statuses")]
pub async fn admin_save_statuses(changes: String) -> Result<ActionReport, AppError> {
    use crate::domain::PostStatus;
    let (state, actor) = staff().await?;
    let mut parsed = Vec::new();
    for pair in changes.split(',').filter(|p| !p.is_empty()) {
        let parsed_pair = pair
            .split_once(':')
            .and_then(|(id, status)| Some((id.parse::<i64>().ok()?, PostStatus::parse(status)?)));
        match parsed_pair {
            Some(pair) => parsed.push(pair),
            None => return Err(AppError::BadRequest(format!("'{pair}' is not id:STATUS."))),
        }
    }
    crate::ssr::admin::actions::save_statuses(&state, &actor, &parsed, chrono::Utc::now()).await
}

/// Parses comma-separated ids.
#[cfg(feature = "ssr")]
fn parse_ids(ids: &str) -> Result<Vec<i64>, AppError> {
    ids.split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            s.trim()
                .parse::<i64>()
                .map_err(|_| AppError::BadRequest(format!("'{s}' is not an id.")))
        })
        .collect()
}

/// What deleting object `id` of `model` would take along or is prevented by.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`].
#[server(prefix = "/_fn", endpoint = "admin/delete/preview", input = GetUrl)]
pub async fn admin_delete_preview(model: AdminModel, id: i64) -> Result<DeletePreview, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::admin::deletion::preview(&state, &actor, model, id).await
}

/// Deletes object `id` of `model`, then goes to the change list with a message.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`]; [`AppError::Conflict`] when protected.
#[server(prefix = "/_fn", endpoint = "admin/delete")]
pub async fn admin_delete(model: AdminModel, id: i64) -> Result<(), AppError> {
    use crate::domain::text::encode_query_value;
    let (state, actor) = staff().await?;
    let name =
        crate::ssr::admin::deletion::delete(&state, &actor, model, id, chrono::Utc::now()).await?;
    leptos_axum::redirect(&format!(
        "{}?deleted={}",
        model.list_path(),
        encode_query_value(&name)
    ));
    Ok(())
}

/// The audit log of object `id` of `model`: its name and entries, oldest first.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`] when the object never existed.
#[server(prefix = "/_fn", endpoint = "admin/history", input = GetUrl)]
pub async fn admin_history(
    model: AdminModel,
    id: i64,
) -> Result<(String, Vec<LogEntry>), AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::admin::history(&state, &actor, model, id).await
}

/// A post's change form (`id: None` for the add form).
///
/// # Errors
/// [`AppError::Forbidden`] (authors: someone else's post); [`AppError::NotFound`].
#[server(prefix = "/_fn", endpoint = "admin/posts/form", input = GetUrl)]
pub async fn admin_post_form(id: Option<i64>) -> Result<PostForm, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::admin::posts::form(&state, &actor, id).await
}

/// Saves a post's change form, then goes where `after` says (`save`, `continue`, `addanother`).
///
/// # Errors
/// [`AppError::Validation`] by field; [`AppError::Conflict`] when someone else saved it since
/// `version`; [`AppError::Forbidden`]; [`AppError::NotFound`].
#[server(prefix = "/_fn", endpoint = "admin/posts/save")]
pub async fn admin_save_post(
    id: Option<i64>,
    title: String,
    slug: String,
    author: Option<String>,
    category_id: i64,
    body: String,
    status: String,
    published_at: String,
    meta_description: String,
    version: String,
    after: Option<String>,
    tags: Option<String>,
    kind: Option<String>,
    nav_order: Option<String>,
) -> Result<(), AppError> {
    use crate::model::admin::AfterSave;
    use crate::ssr::admin::posts::{self, PostInputForm};
    let (state, actor) = staff().await?;
    let input = PostInputForm {
        id,
        title,
        slug,
        author: author.unwrap_or_default(),
        category_id,
        body,
        status,
        published_at,
        meta_description,
        version,
        tags,
        kind,
        nav_order,
    };
    let saved = posts::save(&state, &actor, input, chrono::Utc::now()).await?;
    leptos_axum::redirect(
        &AfterSave::parse(after.as_deref().unwrap_or("")).path(AdminModel::Posts, saved),
    );
    Ok(())
}

/// The sanitised HTML of a Markdown body, as saving would store it (the form's preview).
///
/// # Errors
/// [`AppError::Forbidden`] for non-authors.
#[server(prefix = "/_fn", endpoint = "admin/posts/preview")]
pub async fn admin_preview_markdown(body: String) -> Result<String, AppError> {
    let (_, actor) = staff().await?;
    crate::ssr::admin::posts::preview(&actor, &body)
}

/// Staff members matching `q` (username, name or email) for the author picker.
///
/// # Errors
/// [`AppError::Forbidden`] below editor.
#[server(prefix = "/_fn", endpoint = "admin/authors", input = GetUrl)]
pub async fn admin_search_authors(q: String) -> Result<Vec<AuthorChoice>, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::admin::posts::search_authors(&state, &actor, &q).await
}

/// A category's change form (`id: None` for the add form).
///
/// # Errors
/// [`AppError::Forbidden`] below editor; [`AppError::NotFound`].
#[server(prefix = "/_fn", endpoint = "admin/categories/form", input = GetUrl)]
pub async fn admin_category_form(id: Option<i64>) -> Result<CategoryForm, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::admin::categories::form(&state, &actor, id).await
}

/// Saves a category's change form.
///
/// # Errors
/// [`AppError::Validation`] (`name`, `slug`); [`AppError::Conflict`]; [`AppError::Forbidden`].
#[server(prefix = "/_fn", endpoint = "admin/categories/save")]
pub async fn admin_save_category(
    id: Option<i64>,
    name: String,
    slug: String,
    version: String,
    after: Option<String>,
) -> Result<(), AppError> {
    use crate::model::admin::AfterSave;
    use crate::ssr::admin::categories::{self, CategoryInput};
    let (state, actor) = staff().await?;
    let input = CategoryInput {
        id,
        name,
        slug,
        version,
    };
    let saved = categories::save(&state, &actor, input, chrono::Utc::now()).await?;
    leptos_axum::redirect(
        &AfterSave::parse(after.as_deref().unwrap_or("")).path(AdminModel::Categories, saved),
    );
    Ok(())
}

/// A tag's change form (`id: None` for the add form).
///
/// # Errors
/// [`AppError::Forbidden`] below editor; [`AppError::NotFound`].
#[server(prefix = "/_fn", endpoint = "admin/tags/form", input = GetUrl)]
pub async fn admin_tag_form(id: Option<i64>) -> Result<TagForm, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::admin::tags::form(&state, &actor, id).await
}

/// Saves a tag's change form.
///
/// # Errors
/// [`AppError::Validation`] (`name`, `slug`, `description`); [`AppError::Conflict`];
/// [`AppError::Forbidden`].
#[server(prefix = "/_fn", endpoint = "admin/tags/save")]
pub async fn admin_save_tag(
    id: Option<i64>,
    name: String,
    slug: String,
    description: String,
    version: String,
    after: Option<String>,
) -> Result<(), AppError> {
    use crate::model::admin::AfterSave;
    use crate::ssr::admin::tags::{self, TagInput};
    let (state, actor) = staff().await?;
    let input = TagInput {
        id,
        name,
        slug,
        description,
        version,
    };
    let saved = tags::save(&state, &actor, input, chrono::Utc::now()).await?;
    leptos_axum::redirect(
        &AfterSave::parse(after.as_deref().unwrap_or("")).path(AdminModel::Tags, saved),
    );
    Ok(())
}

/// Merges tag `id` into the tag `into` (its slug or name), then shows the remaining tag's form.
///
/// # Errors
/// [`AppError::Validation`] (`into`); [`AppError::Conflict`]; [`AppError::Forbidden`];
/// [`AppError::NotFound`].
#[server(prefix = "/_fn", endpoint = "admin/tags/merge")]
pub async fn admin_merge_tag(id: i64, into: String, version: String) -> Result<(), AppError> {
    let (state, actor) = staff().await?;
    let kept =
        crate::ssr::admin::tags::merge(&state, &actor, id, &into, &version, chrono::Utc::now())
            .await?;
    leptos_axum::redirect(&format!("{}?merged=1", AdminModel::Tags.object_path(kept)));
    Ok(())
}

/// Up to 10 tags whose name or slug contains `q` (prefix matches first), for the tag fields'
/// suggestions. Any staff member may ask: authors tag their own posts.
///
/// # Errors
/// [`AppError::Unauthorized`] / [`AppError::Forbidden`] for non-staff.
#[server(prefix = "/_fn", endpoint = "admin/tags/suggest", input = GetUrl)]
pub async fn admin_suggest_tags(q: String) -> Result<Vec<TagChoice>, AppError> {
    let (state, _) = staff().await?;
    let mut conn = state.db.acquire().await?;
    let rows = crate::ssr::db::tags::search(conn.conn(), &q, 10).await?;
    Ok(rows
        .into_iter()
        .map(|t| TagChoice {
            name: t.name,
            slug: t.slug,
        })
        .collect())
}

/// A background job's read-only page.
///
/// # Errors
/// [`AppError::Forbidden`] below administrator; [`AppError::NotFound`].
#[server(prefix = "/_fn", endpoint = "admin/jobs/detail", input = GetUrl)]
pub async fn admin_job(id: i64) -> Result<JobDetail, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::admin::jobs::detail(&state, &actor, id).await
}

/// A comment's change form.
///
/// # Errors
/// [`AppError::Forbidden`] below editor; [`AppError::NotFound`].
#[server(prefix = "/_fn", endpoint = "admin/comments/form", input = GetUrl)]
pub async fn admin_comment_form(id: i64) -> Result<CommentForm, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::admin::comments::form(&state, &actor, id).await
}

/// Saves a comment's change form (`is_approved` is a checkbox: present means yes).
///
/// # Errors
/// [`AppError::Validation`] (`body`); [`AppError::Conflict`]; [`AppError::Forbidden`].
#[server(prefix = "/_fn", endpoint = "admin/comments/save")]
pub async fn admin_save_comment(
    id: i64,
    body: String,
    is_approved: Option<String>,
    version: String,
    after: Option<String>,
) -> Result<(), AppError> {
    use crate::model::admin::AfterSave;
    use crate::ssr::admin::comments::{self, CommentInput};
    let (state, actor) = staff().await?;
    let input = CommentInput {
        id,
        body,
        is_approved: is_approved.is_some(),
        version,
    };
    let saved = comments::save(&state, &actor, input, chrono::Utc::now()).await?;
    let after = match AfterSave::parse(after.as_deref().unwrap_or("")) {
        AfterSave::AddAnother => AfterSave::List,
        other => other,
    };
    leptos_axum::redirect(&after.path(AdminModel::Comments, saved));
    Ok(())
}

/// A user's change form (`id: None` for the add form); administrators only.
///
/// # Errors
/// [`AppError::Forbidden`] below administrator; [`AppError::NotFound`].
#[server(prefix = "/_fn", endpoint = "admin/users/form", input = GetUrl)]
pub async fn admin_user_form(id: Option<i64>) -> Result<UserForm, AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::admin::users::form(&state, &actor, id).await
}

/// Saves a user's change form; `send_reset` (a checkbox) emails a link to choose a password.
///
/// # Errors
/// [`AppError::Validation`] by field (the last superuser's `role` and `is_active` included);
/// [`AppError::Conflict`]; [`AppError::Forbidden`].
#[server(prefix = "/_fn", endpoint = "admin/users/save")]
pub async fn admin_save_user(
    id: Option<i64>,
    email: String,
    username: String,
    display_name: String,
    role: String,
    is_active: Option<String>,
    send_reset: Option<String>,
    version: String,
    after: Option<String>,
) -> Result<(), AppError> {
    use crate::model::admin::AfterSave;
    use crate::ssr::admin::users::{self, UserInput};
    let (state, actor) = staff().await?;
    let input = UserInput {
        id,
        email,
        username,
        display_name,
        role,
        is_active: is_active.is_some(),
        version,
        send_reset: send_reset.is_some(),
    };
    let saved = users::save(&state, &actor, input, chrono::Utc::now()).await?;
    leptos_axum::redirect(
        &AfterSave::parse(after.as_deref().unwrap_or("")).path(AdminModel::Users, saved),
    );
    Ok(())
}

/// Emails user `id` a link to choose a new password.
///
/// # Errors
/// [`AppError::Forbidden`] below administrator; [`AppError::NotFound`];
/// [`AppError::Validation`] for an inactive account or one without an address.
#[server(prefix = "/_fn", endpoint = "admin/users/reset")]
pub async fn admin_send_password_reset(id: i64) -> Result<(), AppError> {
    let (state, actor) = staff().await?;
    crate::ssr::admin::users::send_password_reset(&state, &actor, id).await?;
    leptos_axum::redirect(&format!("/admin/users/{id}/?reset=1"));
    Ok(())
}
