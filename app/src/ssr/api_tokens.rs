//! API tokens as a service: issue one for email + password, find the user of a presented token,
//! revoke. Tokens are 256 random bits shown once; only their SHA-256 is stored (OWASP), as the
//! email tokens of [`crate::ssr::auth::tokens`].

use chrono::Utc;

use crate::error::AppError;
use crate::ssr::accounts;
use crate::ssr::auth::password::Password;
use crate::ssr::auth::tokens;
use crate::ssr::db::api_tokens;
use crate::ssr::db::users::AccountRow;
use crate::ssr::AppState;

/// DRF's `AuthTokenSerializer` message for wrong credentials.
pub const BAD_CREDENTIALS: &str = "Unable to log in with provided credentials.";

/// Why a presented token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No such token (never issued, revoked, or the password changed since).
    #[error("Invalid token.")]
    Invalid,
    /// The token's user was deactivated.
    #[error("User inactive or deleted.")]
    Inactive,
}

/// Checks email and password (throttled as sign-in is, from client `address`) and issues a new
/// token for the account; returns the token, which is not stored and cannot be shown again.
///
/// # Errors
/// [`AppError::Validation`] with [`BAD_CREDENTIALS`] under `""` for a wrong email or password
/// (and field errors for missing ones); [`AppError::TooManyRequests`] when throttled;
/// [`AppError::Internal`] when the database fails.
pub async fn issue(
    state: &AppState,
    email: &str,
    password: Password,
    address: &str,
) -> Result<(AccountRow, String), AppError> {
    let account = accounts::authenticate(state, email, password, address)
        .await
        .map_err(|e| match e {
            AppError::Validation(errors) if !errors.get("").is_empty() => {
                AppError::field("", BAD_CREDENTIALS)
            }
            other => other,
        })?;
    let token = tokens::generate();
    let mut conn = state.db.acquire_write().await?;
    api_tokens::insert(conn.conn(), account.id, &tokens::digest(&token), Utc::now()).await?;
    tracing::info!(user_id = account.id, "API token issued");
    Ok((account, token))
}

/// The active account holding `token`.
///
/// # Errors
/// [`TokenError`] inside `Ok(Err(..))` when the token is refused; `Err` when the database fails.
pub async fn authenticate(
    state: &AppState,
    token: &str,
) -> Result<Result<AccountRow, TokenError>, AppError> {
    if !tokens::looks_valid(token) {
        return Ok(Err(TokenError::Invalid));
    }
    let digest = tokens::digest(token);
    let mut conn = state.db.acquire().await?;
    let account = api_tokens::find_account(conn.conn(), &digest).await?;
    drop(conn);
    Ok(match account {
        None => Err(TokenError::Invalid),
        Some(row) if !row.account.is_active => Err(TokenError::Inactive),
        Some(row) => {
            let now = Utc::now();
            if row
                .last_used_at
                .is_none_or(|at| at < now - api_tokens::TOUCH_INTERVAL)
            {
                let mut conn = state.db.acquire_write().await?;
                api_tokens::touch(conn.conn(), &digest, now).await?;
            }
            Ok(row.account)
        }
    })
}

/// Revokes `token`; returns whether it existed.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn revoke(state: &AppState, token: &str) -> Result<bool, AppError> {
    let mut conn = state.db.acquire_write().await?;
    Ok(api_tokens::delete(conn.conn(), &tokens::digest(token)).await?)
}

/// Revokes every token of user `user_id`; returns how many.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn revoke_all(state: &AppState, user_id: i64) -> Result<u64, AppError> {
    let mut conn = state.db.acquire_write().await?;
    let n = api_tokens::delete_for_user(conn.conn(), user_id).await?;
    tracing::info!(user_id, revoked = n, "API tokens revoked");
    Ok(n)
}
