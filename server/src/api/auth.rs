//! Who is calling the API: DRF's `TokenAuthentication` then `SessionAuthentication`.
//!
//! An `Authorization: Token <key>` header is the only credential looked at when present (a bad
//! token is 401, never a fall back to the session); otherwise the site's session cookie signs the
//! caller in, and the security middleware has then already demanded CSRF protection for unsafe
//! methods, as DRF's `SessionAuthentication.enforce_csrf` does. Other `Authorization` schemes
//! are ignored, as DRF ignores them.

use app::domain::Permission;
use app::ssr::api_tokens::{self, TokenError};
use app::ssr::auth;
use app::ssr::db::posts::api::Visibility;
use app::ssr::db::users::AccountRow;
use axum::http::{header, HeaderMap};
use tower_sessions::Session;

use super::error::ApiError;
use super::ApiState;

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// Nothing (or a session with nobody signed in).
    Anonymous,
    /// The site's session cookie.
    Session,
    /// An API token (the key as sent).
    Token(String),
}

/// The caller of one API request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The signed-in account, if any.
    pub account: Option<AccountRow>,
    /// How it was established.
    pub credentials: Credentials,
}

impl Caller {
    /// The signed-in account.
    ///
    /// # Errors
    /// [`ApiError::NotAuthenticated`] for an anonymous caller.
    pub fn account(&self) -> Result<&AccountRow, ApiError> {
        self.account.as_ref().ok_or(ApiError::NotAuthenticated)
    }

    /// Whether the caller may see people's email addresses: staff only (authors, editors,
    /// administrators). Sign-in is by email, so a published address is half of a credential
    /// and a target for lockouts (OWASP Authentication Cheat Sheet, "Account enumeration").
    pub fn sees_emails(&self) -> bool {
        self.account
            .as_ref()
            .is_some_and(|a| a.role.can(Permission::AccessAdmin))
    }

    /// Which posts the caller may see: editors all, authors the public ones and their own,
    /// everyone else the public ones.
    pub fn visibility(&self) -> Visibility {
        match &self.account {
            Some(a) if a.role.can(Permission::EditAllPosts) => Visibility::Everything,
            Some(a) if a.role.can(Permission::WritePosts) => Visibility::PublicOrOwnedBy(a.id),
            _ => Visibility::Public,
        }
    }
}

/// Whether `headers` carry `Authorization: Token ...` (the keyword is case-insensitive, as in
/// DRF). The security middleware exempts such requests from CSRF checks: a token is not sent by
/// browsers on their own.
pub fn has_token_header(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_whitespace().next())
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case(super::error::TOKEN_KEYWORD))
}

/// Authenticates a request from its headers and session.
///
/// # Errors
/// [`ApiError::AuthenticationFailed`] for a malformed, unknown or revoked token or an inactive
/// user; [`ApiError::Internal`] when the database or the session store fails.
pub async fn authenticate(
    api: &ApiState,
    headers: &HeaderMap,
    session: Option<&Session>,
) -> Result<Caller, ApiError> {
    if has_token_header(headers) {
        let value = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let parts: Vec<&str> = value.split_whitespace().collect();
        let key = match parts.as_slice() {
            [_] => {
                return Err(ApiError::AuthenticationFailed(
                    "Invalid token header. No credentials provided.".into(),
                ))
            }
            [_, key] => *key,
            _ => {
                return Err(ApiError::AuthenticationFailed(
                    "Invalid token header. Token string should not contain spaces.".into(),
                ))
            }
        };
        return match api_tokens::authenticate(&api.app, key).await? {
            Ok(account) => Ok(Caller {
                account: Some(account),
                credentials: Credentials::Token(key.to_string()),
            }),
            Err(error @ (TokenError::Invalid | TokenError::Inactive)) => {
                Err(ApiError::AuthenticationFailed(error.to_string()))
            }
        };
    }
    let account = match session {
        Some(session) => auth::current_account(&api.app, session).await?,
        None => None,
    };
    Ok(match account {
        Some(account) => Caller {
            account: Some(account),
            credentials: Credentials::Session,
        },
        None => Caller {
            account: None,
            credentials: Credentials::Anonymous,
        },
    })
}
