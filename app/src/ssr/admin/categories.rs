//! The categories' change form (editors and administrators): name and slug, unique each.

use chrono::{DateTime, Utc};

use crate::domain::Slug;
use crate::error::{AppError, FieldErrors};
use crate::model::admin::{AdminModel, CategoryForm, LogAction};
use crate::ssr::db::admin_forms::{self, CategoryFormRow};
use crate::ssr::db::row_lock::{self, Versioned};
use crate::ssr::db::users::AccountRow;
use crate::ssr::db::{categories, unique_violation, UniqueKey};
use crate::ssr::AppState;

/// The longest category name (the column's check).
pub const MAX_NAME_CHARS: usize = 100;
/// The longest category slug (the column's check).
pub const MAX_SLUG_CHARS: usize = 120;

/// A category form as submitted.
#[derive(Debug, Clone)]
pub struct CategoryInput {
    /// `None` to create.
    pub id: Option<i64>,
    /// The name as typed.
    pub name: String,
    /// The slug as typed.
    pub slug: String,
    /// The version the form was opened at.
    pub version: String,
}

fn version(row: &CategoryFormRow) -> String {
    super::version_of(&[&row.name, &row.slug])
}

/// Category `id`'s form, or an empty one for `None`.
///
/// # Errors
/// [`AppError::Forbidden`] without `ManageCategories`; [`AppError::NotFound`];
/// [`AppError::Internal`].
pub async fn form(
    state: &AppState,
    actor: &AccountRow,
    id: Option<i64>,
) -> Result<CategoryForm, AppError> {
    super::authorise_model(actor, AdminModel::Categories)?;
    let Some(id) = id else {
        return Ok(CategoryForm {
            id: None,
            name: String::new(),
            slug: String::new(),
            post_count: 0,
            version: String::new(),
        });
    };
    let mut conn = state.db.acquire().await?;
    let row = admin_forms::find_category(conn.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(CategoryForm {
        id: Some(row.id),
        version: version(&row),
        name: row.name,
        slug: row.slug,
        post_count: row.post_count,
    })
}

/// Creates or renames a category; returns its id.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::Validation`] (`name`, `slug`, taken ones included);
/// [`AppError::Conflict`] when someone else saved it meanwhile; [`AppError::NotFound`];
/// [`AppError::Internal`].
pub async fn save(
    state: &AppState,
    actor: &AccountRow,
    input: CategoryInput,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    super::authorise_model(actor, AdminModel::Categories)?;
    let mut errors = FieldErrors::default();
    let name = input.name.trim().to_string();
    if name.is_empty() {
        errors.add("name", "This field is required.");
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.add(
            "name",
            format!("Ensure this value has at most {MAX_NAME_CHARS} characters."),
        );
    }
    let slug = match Slug::parse(input.slug.trim()) {
        Ok(slug) if slug.as_str().chars().count() <= MAX_SLUG_CHARS => Some(slug.to_string()),
        Ok(_) => {
            errors.add(
                "slug",
                format!("Ensure this value has at most {MAX_SLUG_CHARS} characters."),
            );
            None
        }
        Err(e) => {
            errors.add("slug", e.to_string());
            None
        }
    };
    errors.into_result()?;
    let slug = slug.unwrap_or_default();
    let mut tx = state.db.begin().await?;
    // Checked inside the transaction first; the unique indexes only answer a race.
    let mut taken = FieldErrors::default();
    if admin_forms::category_taken(tx.conn(), false, &name, input.id).await? {
        taken.add("name", "Category with this Name already exists.");
    }
    if admin_forms::category_taken(tx.conn(), true, &slug, input.id).await? {
        taken.add("slug", "Category with this Slug already exists.");
    }
    taken.into_result()?;
    let id = match input.id {
        None => {
            let id = categories::insert(tx.conn(), &name, &slug)
                .await
                .map_err(category_conflict)?;
            super::log(
                tx.conn(),
                actor,
                super::Logged {
                    model: AdminModel::Categories,
                    object_id: id,
                    object_repr: &name,
                    action: LogAction::Add,
                    message: "",
                },
                now,
            )
            .await?;
            id
        }
        Some(id) => {
            row_lock::lock(tx.conn(), Versioned::Categories, id).await?;
            let stored = admin_forms::find_category(tx.conn(), id)
                .await?
                .ok_or(AppError::NotFound)?;
            super::check_version(AdminModel::Categories, &input.version, &version(&stored))?;
            admin_forms::update_category(tx.conn(), id, &name, &slug)
                .await
                .map_err(category_conflict)?;
            let mut changed = Vec::new();
            if stored.name != name {
                changed.push("name");
            }
            if stored.slug != slug {
                changed.push("slug");
            }
            super::log(
                tx.conn(),
                actor,
                super::Logged {
                    model: AdminModel::Categories,
                    object_id: id,
                    object_repr: &name,
                    action: LogAction::Change,
                    message: &super::change_message(&changed),
                },
                now,
            )
            .await?;
            id
        }
    };
    tx.commit().await?;
    // A rename shows on every page; it is not a post's change event.
    state.events.site_changed();
    Ok(id)
}

/// Unique violations become Django's "Category with this Name already exists." messages.
fn category_conflict(error: sqlx::Error) -> AppError {
    match unique_violation(&error) {
        Some(UniqueKey::CategoryName) => {
            AppError::field("name", "Category with this Name already exists.")
        }
        Some(UniqueKey::CategorySlug) => {
            AppError::field("slug", "Category with this Slug already exists.")
        }
        _ => error.into(),
    }
}
