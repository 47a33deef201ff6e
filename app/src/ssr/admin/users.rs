//! The users' change form (administrators only): create a user, change email, username, name,
//! role and active flag, send a password-reset link. The last active superuser cannot be
//! demoted, deactivated or deleted, or nobody could manage users any more.

use chrono::{DateTime, Utc};

use crate::domain::{Email, Role, Username};
use crate::error::{AppError, FieldErrors};
use crate::model::admin::{AdminModel, LogAction, UserForm};
use crate::ssr::db::admin_forms::{self, UserFields, UserFormRow};
use crate::ssr::db::row_lock::{self, Versioned};
use crate::ssr::db::users::{self, AccountRow};
use crate::ssr::db::{sessions, unique_violation, Conn, UniqueKey};
use crate::ssr::AppState;

/// A user form as submitted.
#[derive(Debug, Clone)]
pub struct UserInput {
    /// `None` to create.
    pub id: Option<i64>,
    /// The email address as typed.
    pub email: String,
    /// The username as typed.
    pub username: String,
    /// The display name.
    pub display_name: String,
    /// The role's stored name.
    pub role: String,
    /// Whether the account may sign in.
    pub is_active: bool,
    /// The version the form was opened at (empty for a new user).
    pub version: String,
    /// Whether to email a link to choose a password after saving.
    pub send_reset: bool,
}

fn version(row: &UserFormRow) -> String {
    super::version_of(&[
        row.email.as_deref().unwrap_or(""),
        &row.username,
        &row.display_name,
        row.role.as_str(),
        if row.is_active { "1" } else { "0" },
    ])
}

/// User `id`'s form, or an empty one for `None`.
///
/// # Errors
/// [`AppError::Forbidden`] for non-administrators; [`AppError::NotFound`];
/// [`AppError::Internal`].
pub async fn form(
    state: &AppState,
    actor: &AccountRow,
    id: Option<i64>,
) -> Result<UserForm, AppError> {
    super::authorise_model(actor, AdminModel::Users)?;
    let Some(id) = id else {
        return Ok(UserForm {
            id: None,
            email: String::new(),
            username: String::new(),
            display_name: String::new(),
            role: Role::Reader,
            is_active: true,
            is_verified: false,
            date_joined: None,
            last_login: None,
            has_password: false,
            version: String::new(),
        });
    };
    let mut conn = state.db.acquire().await?;
    let row = admin_forms::find_user(conn.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(UserForm {
        id: Some(row.id),
        version: version(&row),
        email: row.email.unwrap_or_default(),
        username: row.username,
        display_name: row.display_name,
        role: row.role,
        is_active: row.is_active,
        is_verified: row.is_verified,
        date_joined: Some(row.date_joined),
        last_login: row.last_login,
        has_password: row.has_password,
    })
}

/// Creates or changes a user from `input`; returns the user's id.
///
/// # Errors
/// [`AppError::Forbidden`] for non-administrators; [`AppError::Validation`] by field (`email`,
/// `username`, `display_name`, `role`, `is_active`); [`AppError::Conflict`] when someone else
/// saved the user meanwhile; [`AppError::NotFound`]; [`AppError::Internal`].
pub async fn save(
    state: &AppState,
    actor: &AccountRow,
    input: UserInput,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    super::authorise_model(actor, AdminModel::Users)?;
    let mut errors = FieldErrors::default();
    let email = Email::parse(&input.email)
        .map_err(|m| errors.add("email", m))
        .ok();
    let username = Username::parse(&input.username)
        .map_err(|m| errors.add("username", m))
        .ok();
    let display_name = input.display_name.trim().to_string();
    if display_name.chars().count() > crate::domain::account::MAX_USERNAME_CHARS {
        errors.add(
            "display_name",
            "Ensure this value has at most 150 characters.",
        );
    }
    let role = Role::try_from(input.role.clone())
        .map_err(|_| errors.add("role", "Select a valid choice."))
        .ok();
    let (Some(email), Some(username), Some(role)) = (email, username, role) else {
        return Err(AppError::Validation(errors));
    };
    errors.into_result()?;
    let fields = UserFields {
        email: email.as_str(),
        username: username.as_str(),
        display_name: &display_name,
        role,
        is_active: input.is_active,
    };
    let mut tx = state.db.begin().await?;
    // Checked inside the transaction first (SQLite names no constraint on a violation); the
    // unique indexes only answer a race.
    let stored = match input.id {
        Some(id) => Some(
            admin_forms::find_user(tx.conn(), id)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let mut taken = FieldErrors::default();
    let email_changed = stored.as_ref().is_none_or(|s| {
        s.email.as_deref().map(str::to_lowercase) != Some(email.as_str().to_lowercase())
    });
    if email_changed && users::email_taken(tx.conn(), email.as_str()).await? {
        taken.add("email", "A user with that email address already exists.");
    }
    let username_changed = stored
        .as_ref()
        .is_none_or(|s| s.username != username.as_str());
    if username_changed && users::username_taken(tx.conn(), username.as_str()).await? {
        taken.add("username", "A user with that username already exists.");
    }
    taken.into_result()?;
    let id = match input.id {
        None => {
            let id = admin_forms::insert_user(tx.conn(), &fields, now)
                .await
                .map_err(user_conflict)?;
            super::log(
                tx.conn(),
                actor,
                super::Logged {
                    model: AdminModel::Users,
                    object_id: id,
                    object_repr: username.as_str(),
                    action: LogAction::Add,
                    message: "",
                },
                now,
            )
            .await?;
            id
        }
        Some(id) => {
            row_lock::lock(tx.conn(), Versioned::Users, id).await?;
            let stored = admin_forms::find_user(tx.conn(), id)
                .await?
                .ok_or(AppError::NotFound)?;
            super::check_version(AdminModel::Users, &input.version, &version(&stored))?;
            let loses_superuser = stored.role == Role::Administrator
                && stored.is_active
                && (role != Role::Administrator || !input.is_active);
            if loses_superuser {
                keep_a_superuser(tx.conn(), &[id])
                    .await
                    .map_err(|e| match e {
                        AppError::Conflict(message) => AppError::field(
                            if role != Role::Administrator {
                                "role"
                            } else {
                                "is_active"
                            },
                            message,
                        ),
                        other => other,
                    })?;
            }
            admin_forms::update_user(tx.conn(), id, &fields)
                .await
                .map_err(user_conflict)?;
            let mut changed = Vec::new();
            if stored.email.as_deref() != Some(email.as_str()) {
                changed.push("email");
            }
            if stored.username != username.as_str() {
                changed.push("username");
            }
            if stored.display_name != display_name {
                changed.push("name");
            }
            if stored.role != role {
                changed.push("role");
            }
            if stored.is_active != input.is_active {
                changed.push("active");
            }
            if !input.is_active && stored.is_active {
                // A deactivated user is signed out everywhere at once.
                sessions::delete_for_user(tx.conn(), id, None).await?;
            }
            super::log(
                tx.conn(),
                actor,
                super::Logged {
                    model: AdminModel::Users,
                    object_id: id,
                    object_repr: username.as_str(),
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
    // Readers' pages show it: drop what their caches keep.
    state.events.site_changed();
    if input.send_reset {
        send_password_reset(state, actor, id).await?;
    }
    Ok(id)
}

/// Emails user `id` a link to choose a new password (Django admin's "reset password" from the
/// user page), and logs it.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`]; [`AppError::Validation`] (`email`) for an
/// account without an address or not active; [`AppError::Internal`].
pub async fn send_password_reset(
    state: &AppState,
    actor: &AccountRow,
    id: i64,
) -> Result<(), AppError> {
    super::authorise_model(actor, AdminModel::Users)?;
    let mut conn = state.db.acquire().await?;
    let account = users::find_account(conn.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    if !account.is_active {
        return Err(AppError::field(
            "is_active",
            "This account is not active: activate it first.",
        ));
    }
    crate::ssr::accounts::send_reset_link(state, &account).await?;
    let mut tx = state.db.begin().await?;
    super::log(
        tx.conn(),
        actor,
        super::Logged {
            model: AdminModel::Users,
            object_id: id,
            object_repr: &account.username,
            action: LogAction::Change,
            message: "Sent a password-reset link.",
        },
        Utc::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Refuses a change that would leave no active superuser: demoting, deactivating or deleting the
/// users `ids` when every active superuser is among them.
///
/// # Errors
/// [`AppError::Conflict`] with [`LAST_SUPERUSER`]; [`AppError::Internal`].
pub async fn keep_a_superuser(mut conn: Conn<'_>, ids: &[i64]) -> Result<(), AppError> {
    let among = admin_forms::superusers_among(conn.reborrow(), ids).await?;
    if among == 0 {
        return Ok(());
    }
    let all = users::count_active_superusers(conn).await?;
    if all - among < 1 {
        Err(AppError::Conflict(LAST_SUPERUSER.to_string()))
    } else {
        Ok(())
    }
}

/// The message when the last active superuser would go (deleted, deactivated or demoted).
pub const LAST_SUPERUSER: &str =
    "This is the last active administrator: make another user an administrator first.";

/// A unique violation on save becomes the field error Django's `UserCreationForm` shows.
fn user_conflict(error: sqlx::Error) -> AppError {
    match unique_violation(&error) {
        Some(UniqueKey::UserUsername) => {
            AppError::field("username", "A user with that username already exists.")
        }
        Some(UniqueKey::UserEmail) => {
            AppError::field("email", "A user with that email address already exists.")
        }
        _ => error.into(),
    }
}
