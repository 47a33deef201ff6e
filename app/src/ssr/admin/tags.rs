//! The tags' change form, merge and deletion (editors and administrators). A tag's slug is its
//! archive's address (`/tag/<slug>/`) and what writers' typed names resolve to, so it stays in
//! the form [`slugify`] makes (lowercase letters, digits, underscores, hyphens): a slug "Rust" would never be
//! found by someone typing "rust". Renaming a slug, merging and deleting change the tag lists
//! of posts, so each sends those posts' change events after the commit.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::domain::slugify;
use crate::error::{AppError, FieldErrors};
use crate::model::admin::{AdminModel, LogAction, TagForm};
use crate::ssr::db::row_lock::{self, Versioned};
use crate::ssr::db::tags::{self, TagRow};
use crate::ssr::db::users::AccountRow;
use crate::ssr::db::{unique_violation, Conn, UniqueKey};
use crate::ssr::posts::tags::MAX_TAG_NAME_CHARS;
use crate::ssr::posts::{post_states, PostEvent, PostState};
use crate::ssr::AppState;

/// The longest tag slug (the column's check).
pub const MAX_SLUG_CHARS: usize = 120;
/// The longest description (the column's check).
pub const MAX_DESCRIPTION_CHARS: usize = 2000;

/// A tag form as submitted.
#[derive(Debug, Clone)]
pub struct TagInput {
    /// `None` to create.
    pub id: Option<i64>,
    /// The name as typed.
    pub name: String,
    /// The slug as typed.
    pub slug: String,
    /// The description as typed.
    pub description: String,
    /// The version the form was opened at.
    pub version: String,
}

fn version(row: &TagRow) -> String {
    super::version_of(&[&row.name, &row.slug, &row.description])
}

/// Tag `id`'s form, or an empty one for `None`.
///
/// # Errors
/// [`AppError::Forbidden`] without `ManageCategories`; [`AppError::NotFound`];
/// [`AppError::Internal`].
pub async fn form(
    state: &AppState,
    actor: &AccountRow,
    id: Option<i64>,
) -> Result<TagForm, AppError> {
    super::authorise_model(actor, AdminModel::Tags)?;
    let Some(id) = id else {
        return Ok(TagForm {
            id: None,
            name: String::new(),
            slug: String::new(),
            description: String::new(),
            post_count: 0,
            version: String::new(),
        });
    };
    let mut conn = state.db.acquire().await?;
    let row = tags::find_by_id(conn.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (post_count, _) = tags::posts_named(conn.conn(), id, 0).await?;
    Ok(TagForm {
        id: Some(row.id),
        version: version(&row),
        name: row.name,
        slug: row.slug,
        description: row.description,
        post_count,
    })
}

/// The fields of `input`, tidied and checked: `(name, slug, description)`.
fn validate(input: &TagInput) -> Result<(String, String, String), AppError> {
    let mut errors = FieldErrors::default();
    let name = input.name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        errors.add("name", "This field is required.");
    } else if name.chars().count() > MAX_TAG_NAME_CHARS {
        errors.add(
            "name",
            format!("Ensure this value has at most {MAX_TAG_NAME_CHARS} characters."),
        );
    }
    let slug = input.slug.trim().to_string();
    if slug.is_empty() {
        errors.add("slug", "This field is required.");
    } else if slug.chars().count() > MAX_SLUG_CHARS {
        errors.add(
            "slug",
            format!("Ensure this value has at most {MAX_SLUG_CHARS} characters."),
        );
    } else if slugify(&slug) != slug {
        errors.add(
            "slug",
            format!(
                "Enter a valid “slug” consisting of lowercase letters, numbers, underscores \
                 or hyphens, such as “{}”.",
                slugify(&slug)
            ),
        );
    }
    let description = input.description.trim().to_string();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        errors.add(
            "description",
            format!("Ensure this value has at most {MAX_DESCRIPTION_CHARS} characters."),
        );
    }
    errors.into_result()?;
    Ok((name, slug, description))
}

/// Creates or changes a tag; returns its id. A changed slug moves the tag's archive and changes
/// its posts' tag lists (they get change events).
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::Validation`] (`name`, `slug`, `description`; a slug
/// taken by another tag included); [`AppError::Conflict`] when someone else saved it
/// meanwhile; [`AppError::NotFound`]; [`AppError::Internal`].
pub async fn save(
    state: &AppState,
    actor: &AccountRow,
    input: TagInput,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    super::authorise_model(actor, AdminModel::Tags)?;
    let (name, slug, description) = validate(&input)?;
    let mut tx = state.db.begin().await?;
    let Some(id) = input.id else {
        if tags::find_by_slug(tx.conn(), &slug).await?.is_some() {
            return Err(taken());
        }
        let id = tags::insert(tx.conn(), &name, &slug)
            .await
            .map_err(tag_conflict)?;
        tags::update(tx.conn(), id, &name, &slug, &description).await?;
        log(tx.conn(), actor, id, &name, LogAction::Add, "", now).await?;
        tx.commit().await?;
        return Ok(id);
    };
    row_lock::lock(tx.conn(), Versioned::Tags, id).await?;
    let stored = tags::find_by_id(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    super::check_version(AdminModel::Tags, &input.version, &version(&stored))?;
    if stored.slug != slug
        && tags::find_by_slug(tx.conn(), &slug)
            .await?
            .is_some_and(|other| other.id != id)
    {
        return Err(taken());
    }
    let changed: Vec<&str> = [
        ("name", stored.name != name),
        ("slug", stored.slug != slug),
        ("description", stored.description != description),
    ]
    .into_iter()
    .filter_map(|(field, differs)| differs.then_some(field))
    .collect();
    if changed.is_empty() {
        return Ok(id);
    }
    let post_ids = tags::post_ids(tx.conn(), id).await?;
    let before = states_if(tx.conn(), &post_ids, stored.slug != slug).await?;
    tags::update(tx.conn(), id, &name, &slug, &description)
        .await
        .map_err(tag_conflict)?;
    let after = states_if(tx.conn(), &post_ids, stored.slug != slug).await?;
    let message = super::change_message(&changed);
    log(
        tx.conn(),
        actor,
        id,
        &name,
        LogAction::Change,
        &message,
        now,
    )
    .await?;
    tx.commit().await?;
    state.events.send(PostEvent::changes(before, after));
    // Readers' pages show it: drop what their caches keep.
    state.events.site_changed();
    Ok(id)
}

/// Merges tag `id` into tag `into` (its slug or name, see [`find_named`]): every post of `id` gets
/// `into` instead (a post with both keeps one), and `id` is deleted. Returns `into`'s id.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::Validation`] (`into`) when it names no tag or the tag
/// itself; [`AppError::Conflict`] when someone saved the tag after the form was opened at
/// `version`; [`AppError::NotFound`]; [`AppError::Internal`].
pub async fn merge(
    state: &AppState,
    actor: &AccountRow,
    id: i64,
    into: &str,
    version_opened: &str,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    super::authorise_model(actor, AdminModel::Tags)?;
    let into = into.split_whitespace().collect::<Vec<_>>().join(" ");
    if into.is_empty() {
        return Err(AppError::field("into", "This field is required."));
    }
    let mut tx = state.db.begin().await?;
    row_lock::lock(tx.conn(), Versioned::Tags, id).await?;
    let from = tags::find_by_id(tx.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    super::check_version(AdminModel::Tags, version_opened, &version(&from))?;
    let target = find_named(tx.conn(), &into)
        .await?
        .ok_or_else(|| AppError::field("into", format!("There is no tag “{into}”.")))?;
    if target.id == from.id {
        return Err(AppError::field(
            "into",
            "A tag cannot be merged into itself.",
        ));
    }
    row_lock::lock(tx.conn(), Versioned::Tags, target.id).await?;
    let post_ids = tags::post_ids(tx.conn(), id).await?;
    let before = post_states(tx.conn(), &post_ids).await?;
    let moved = tags::merge(tx.conn(), id, target.id).await?;
    let after = post_states(tx.conn(), &post_ids).await?;
    let posts = match post_ids.len() {
        1 => "1 post".to_string(),
        n => format!("{n} posts"),
    };
    log(
        tx.conn(),
        actor,
        id,
        &from.name,
        LogAction::Delete,
        &format!("Merged into “{}” ({posts}).", target.name),
        now,
    )
    .await?;
    log(
        tx.conn(),
        actor,
        target.id,
        &target.name,
        LogAction::Change,
        &format!("Merged “{}” into it ({posts}).", from.name),
        now,
    )
    .await?;
    tx.commit().await?;
    state.events.send(PostEvent::changes(before, after));
    // Readers' pages show it: drop what their caches keep.
    state.events.site_changed();
    tracing::info!(
        user_id = actor.id,
        from = id,
        into = target.id,
        moved,
        "tags merged"
    );
    Ok(target.id)
}

/// Deletes the tags `ids` inside the caller's transaction (their posts lose them) and returns
/// the change events of those posts, to send after the commit. The caller logs the deletions.
///
/// # Errors
/// The driver's error.
pub async fn delete_in(mut conn: Conn<'_>, ids: &[i64]) -> Result<Vec<PostEvent>, AppError> {
    let mut post_ids = Vec::new();
    for id in ids {
        post_ids.extend(tags::post_ids(conn.reborrow(), *id).await?);
    }
    post_ids.sort_unstable();
    post_ids.dedup();
    let before = post_states(conn.reborrow(), &post_ids).await?;
    for id in ids {
        tags::delete(conn.reborrow(), *id).await?;
    }
    let after = post_states(conn, &post_ids).await?;
    Ok(PostEvent::changes(before, after))
}

/// The tag `text` names: the tag with that slug, else with the slug made from it, else with
/// that name (ignoring case).
///
/// # Errors
/// The driver's error.
pub async fn find_named(mut conn: Conn<'_>, text: &str) -> Result<Option<TagRow>, AppError> {
    if let Some(tag) = tags::find_by_slug(conn.reborrow(), text).await? {
        return Ok(Some(tag));
    }
    if let Some(tag) = tags::find_by_slug(conn.reborrow(), &slugify(text)).await? {
        return Ok(Some(tag));
    }
    Ok(tags::find_by_name(conn, text).await?)
}

/// The posts' states when `needed` (a slug changed), else nothing: a name or description
/// change leaves the posts' states (which hold tag slugs) as they were.
async fn states_if(
    conn: Conn<'_>,
    post_ids: &[i64],
    needed: bool,
) -> Result<HashMap<i64, PostState>, AppError> {
    if needed {
        Ok(post_states(conn, post_ids).await?)
    } else {
        Ok(HashMap::new())
    }
}

async fn log(
    conn: Conn<'_>,
    actor: &AccountRow,
    id: i64,
    name: &str,
    action: LogAction,
    message: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    super::log(
        conn,
        actor,
        super::Logged {
            model: AdminModel::Tags,
            object_id: id,
            object_repr: name,
            action,
            message,
        },
        now,
    )
    .await?;
    Ok(())
}

fn taken() -> AppError {
    AppError::field("slug", "Tag with this Slug already exists.")
}

/// A unique violation (a race with another save) becomes Django's "already exists" message.
fn tag_conflict(error: sqlx::Error) -> AppError {
    match unique_violation(&error) {
        Some(UniqueKey::TagSlug) => taken(),
        _ => error.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, slug: &str) -> TagInput {
        TagInput {
            id: None,
            name: name.into(),
            slug: slug.into(),
            description: String::new(),
            version: String::new(),
        }
    }

    #[test]
    fn slugs_must_be_in_the_form_writers_names_resolve_to() {
        let (name, slug, _) = validate(&input("  Web   Assembly ", "web-assembly")).unwrap();
        assert_eq!(
            (name.as_str(), slug.as_str()),
            ("Web Assembly", "web-assembly")
        );
        for bad in ["Rust", "rust lang", "rust.lang", "-rust"] {
            let err = validate(&input("Rust", bad)).unwrap_err();
            let AppError::Validation(errors) = err else {
                panic!("{bad}: {err:?}")
            };
            assert!(errors.get("slug")[0].contains("lowercase letters"), "{bad}");
        }
        let AppError::Validation(errors) = validate(&input("", "")).unwrap_err() else {
            panic!()
        };
        assert_eq!(errors.get("name"), vec!["This field is required."]);
        assert_eq!(errors.get("slug"), vec!["This field is required."]);
    }
}
