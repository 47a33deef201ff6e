//! Authentication and authorisation: who is signed in, and whether they may do something.
//!
//! - [`session_store`]: tower-sessions records in Folio's own database;
//! - [`password`]: Argon2id hashing; [`validators`]: Django's password rules;
//! - [`tokens`]: single-use email tokens; [`throttle`]: sign-in throttling; [`csrf`]: the CSRF
//!   token of plain forms;
//! - this module: the session keys, the current user, and [`require_permission`].

pub mod csrf;
pub mod password;
pub mod session_store;
pub mod throttle;
pub mod tokens;
pub mod validators;

use sha2::{Digest, Sha256};
use tower_sessions::Session;

use crate::domain::Permission;
use crate::error::AppError;
use crate::model::CurrentUser;
use crate::ssr::db::users::{self, AccountRow};
use crate::ssr::AppState;

/// The name of the session cookie (HttpOnly, SameSite=Lax, Secure on HTTPS sites).
pub const SESSION_COOKIE: &str = "folio_session";

/// The session key holding the signed-in user's id (Django's `_auth_user_id`).
pub const SESSION_USER_ID: &str = "_auth_user_id";
/// The session key holding [`session_auth_hash`] of the user's password hash at sign-in (Django's
/// `_auth_user_hash`): a password change elsewhere signs this session out.
pub const SESSION_AUTH_HASH: &str = "_auth_user_hash";

/// The session key holding the role the session was last confirmed with: when an
/// administrator changes the user's role, the session gets a new id (against fixation of a
/// session that gained privileges) before it is used with the new role.
pub const SESSION_ROLE: &str = "_auth_user_role";

/// The session key holding when the session's expiry was last pushed back (Unix seconds): see
/// [`keep_alive`].
pub const SESSION_TOUCHED_AT: &str = "_touched_at";

/// The longest time between two pushes of a session's expiry: a session lives
/// `FOLIO_SESSION_AGE` after its last use, give or take this (or a tenth of the age, if less).
pub const MAX_TOUCH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// A secret key, from `FOLIO_SECRET_KEY` or generated for development; never printed.
#[derive(Clone)]
pub struct SecretKey(std::sync::Arc<[u8]>);

impl SecretKey {
    /// Wraps the key bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into().into())
    }

    /// A keyed SHA-256 digest of `message` as hex (`SHA-256(key || 0x00 || message)`; the
    /// messages signed are fixed-format server values, so length extension gains nothing).
    pub fn digest(&self, purpose: &str, message: &[u8]) -> String {
        let mut hasher = Sha256::new();
        hasher.update(&self.0);
        hasher.update([0]);
        hasher.update(purpose.as_bytes());
        hasher.update([0]);
        hasher.update(message);
        hex(&hasher.finalize())
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(***)")
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The value kept in the session that ties it to the password it was opened with.
pub fn session_auth_hash(key: &SecretKey, password_hash: Option<&str>) -> String {
    key.digest("session-auth", password_hash.unwrap_or("").as_bytes())
}

impl From<AccountRow> for CurrentUser {
    fn from(row: AccountRow) -> Self {
        Self {
            id: row.id,
            email: row.email.unwrap_or_default(),
            username: row.username,
            display_name: row.display_name,
            bio: row.bio,
            avatar_url: row.avatar_url,
            role: row.role,
            is_verified: row.is_verified,
        }
    }
}

/// The signed-in user of `session`, or `None` for an anonymous visitor.
///
/// A session whose user was deactivated or deleted, or whose password changed since sign-in, is
/// flushed (signed out), as Django's `get_user` does.
///
/// # Errors
/// [`AppError::Internal`] when the session store or the database fails.
pub async fn current_account(
    state: &AppState,
    session: &Session,
) -> Result<Option<AccountRow>, AppError> {
    let user_id = session
        .get::<i64>(SESSION_USER_ID)
        .await
        .map_err(session_error)?;
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    let stored_hash = session
        .get::<String>(SESSION_AUTH_HASH)
        .await
        .map_err(session_error)?;
    let mut conn = state.db.acquire().await?;
    let account = users::find_account(conn.conn(), user_id).await?;
    drop(conn);
    let valid = account.filter(|a| {
        a.is_active
            && stored_hash.as_deref()
                == Some(
                    session_auth_hash(&state.auth.secret_key, a.password_hash.as_deref()).as_str(),
                )
    });
    match &valid {
        None => session.flush().await.map_err(session_error)?,
        Some(account) => {
            keep_alive(state, session).await?;
            let role = session
                .get::<String>(SESSION_ROLE)
                .await
                .map_err(session_error)?;
            if role.as_deref() != Some(account.role.as_str()) {
                session.cycle_id().await.map_err(session_error)?;
                session
                    .insert(SESSION_ROLE, account.role.as_str())
                    .await
                    .map_err(session_error)?;
                tracing::info!(
                    user_id = account.id,
                    role = account.role.as_str(),
                    "role changed: new session id"
                );
            }
        }
    }
    Ok(valid)
}

/// Pushes the signed-in session's expiry back to `FOLIO_SESSION_AGE` from now, at most once per
/// touch interval (the smaller of [`MAX_TOUCH_INTERVAL`] and a tenth of the age), so sessions
/// expire after that much *inactivity* (Django's `SESSION_SAVE_EVERY_REQUEST`, without a write
/// per request). Changing the session makes the session layer save it with a new expiry and
/// send the cookie again with a fresh `Max-Age`.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn keep_alive(state: &AppState, session: &Session) -> Result<(), AppError> {
    let interval = MAX_TOUCH_INTERVAL.min(state.auth.session_age / 10);
    let now = chrono::Utc::now().timestamp();
    let last = session
        .get::<i64>(SESSION_TOUCHED_AT)
        .await
        .map_err(session_error)?
        .unwrap_or(0);
    if now.saturating_sub(last) >= interval.as_secs() as i64 {
        session
            .insert(SESSION_TOUCHED_AT, now)
            .await
            .map_err(session_error)?;
    }
    Ok(())
}

/// The session of the current request (from the request's extensions, put there by the session
/// layer).
///
/// # Errors
/// [`AppError::Internal`] when the session layer is missing (a wiring bug, logged).
pub async fn request_session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "no session layer on this request");
        AppError::Internal
    })
}

/// The signed-in user with `permission`, for the first lines of a server function or handler.
///
/// # Errors
/// [`AppError::Unauthorized`] for an anonymous visitor, [`AppError::Forbidden`] when the role
/// lacks `permission`, [`AppError::Internal`] when the session or database fails.
pub async fn require_permission(
    state: &AppState,
    session: &Session,
    permission: Permission,
) -> Result<AccountRow, AppError> {
    let account = current_account(state, session)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if account.role.can(permission) {
        Ok(account)
    } else {
        tracing::info!(user_id = account.id, ?permission, "permission refused");
        Err(AppError::Forbidden)
    }
}

/// Signs `account` in on `session`: a new session id (against session fixation, OWASP), then
/// the user id and the password tie.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
pub async fn start_session(
    state: &AppState,
    session: &Session,
    account: &AccountRow,
) -> Result<(), AppError> {
    session.cycle_id().await.map_err(session_error)?;
    session
        .insert(SESSION_USER_ID, account.id)
        .await
        .map_err(session_error)?;
    session
        .insert(
            SESSION_AUTH_HASH,
            session_auth_hash(&state.auth.secret_key, account.password_hash.as_deref()),
        )
        .await
        .map_err(session_error)?;
    session
        .insert(SESSION_ROLE, account.role.as_str())
        .await
        .map_err(session_error)?;
    session
        .insert(SESSION_TOUCHED_AT, chrono::Utc::now().timestamp())
        .await
        .map_err(session_error)?;
    Ok(())
}

/// Logs a session-store failure and hides it.
pub fn session_error(error: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %error, "session store error");
    AppError::Internal
}

/// Whether `role` may act on something owned by `owner_id` with the "own" permission, or on
/// anyone's with the "all" permission (e.g. `EditOwnAccount` vs `ModerateComments`).
pub fn may_act_on(account: &AccountRow, owner_id: i64, all: Permission) -> bool {
    account.id == owner_id || account.role.can(all)
}

/// Settings of accounts and sessions, from the server configuration.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// The key for session ties and CSRF tokens.
    pub secret_key: SecretKey,
    /// Whether cookies get `Secure` (the site is served over HTTPS).
    pub secure_cookies: bool,
    /// How long an unused session lives.
    pub session_age: std::time::Duration,
    /// Sign-in throttling limits.
    pub throttle: throttle::ThrottleSettings,
    /// Sign-ups allowed per client address (`FOLIO_SIGNUP_THROTTLE`).
    pub sign_up_limit: throttle::Limit,
    /// Emailed links (password reset, verification) allowed per client address
    /// (`FOLIO_EMAIL_THROTTLE`); per email address it is [`throttle::EMAILS_PER_ADDRESS`].
    pub email_limit: throttle::Limit,
    /// Bounds the password hashes computed at once (`FOLIO_PASSWORD_HASHERS`).
    pub hasher: password::HashLimiter,
    /// How many reverse proxies in front of Folio append to `X-Forwarded-For` (0: use the
    /// socket's peer address).
    pub trusted_proxies: usize,
}
