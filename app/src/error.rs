//! The one error type of Folio's server functions and pages, and its HTTP status.
//!
//! Variants say what went wrong in terms a user can act on. Causes from the database or the
//! file system are logged on the server where they happen and become [`AppError::Internal`]
//! without detail, so SQL text or paths never reach a browser.

use http::StatusCode;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// An error a server function or page can return.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    /// The thing asked for does not exist (or is not public).
    #[error("not found")]
    NotFound,
    /// The request is malformed; the message says how.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The action needs a signed-in user and there is none (or the session expired).
    #[error("sign in to continue")]
    Unauthorized,
    /// The signed-in user's role does not allow the action.
    #[error("you do not have permission to do this")]
    Forbidden,
    /// The submitted form has errors; each names its field (`""` for the form as a whole).
    #[error("the form has errors")]
    Validation(FieldErrors),
    /// The action conflicts with the current state (the message says how).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Too many attempts; the client may try again after `retry_after_secs` seconds.
    #[error("too many attempts; try again in {retry_after_secs} s")]
    TooManyRequests {
        /// Seconds until the next attempt is allowed (the `Retry-After` header, RFC 9110 §10.2.3).
        retry_after_secs: u64,
    },
    /// The server is too busy to take this now (every password-hashing or image slot stayed
    /// taken); the client may retry after `retry_after_secs` seconds (HTTP 503 + `Retry-After`).
    #[error("the server is busy; try again in {retry_after_secs} s")]
    Busy {
        /// Seconds to wait before retrying (the `Retry-After` header).
        retry_after_secs: u64,
    },
    /// The upload is larger than the limit (the message says which).
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The upload is of a type Folio does not take (the message says which it takes).
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Something failed on the server; details are in the server log only.
    #[error("internal server error")]
    Internal,
    /// The server function could not be reached or answered something unreadable.
    #[error("could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// The HTTP status that this error is answered with.
    pub fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest(_) | Self::Validation(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Transport(_) => StatusCode::BAD_GATEWAY,
        }
    }
}

impl AppError {
    /// The seconds a client should wait before trying again (the `Retry-After` header, RFC 9110
    /// §10.2.3), for the errors that have one (429, 503).
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::TooManyRequests { retry_after_secs } | Self::Busy { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }

    /// A validation error for one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(field, message);
        Self::Validation(errors)
    }

    /// The messages for `field` when this is a validation error, else none.
    pub fn field_messages(&self, field: &str) -> Vec<String> {
        match self {
            Self::Validation(errors) => errors.get(field).to_vec(),
            _ => Vec::new(),
        }
    }

    /// The message to show above a form: the form-wide validation messages, or this error's own
    /// message for the other kinds; `None` when every message belongs to a field.
    pub fn form_message(&self) -> Option<String> {
        match self {
            Self::Validation(errors) => {
                let general = errors.get("");
                (!general.is_empty()).then(|| general.join(" "))
            }
            Self::TooManyRequests { retry_after_secs } => Some(format!(
                "Too many attempts. Try again in {} minute{}.",
                retry_after_secs.div_ceil(60),
                if retry_after_secs.div_ceil(60) == 1 {
                    ""
                } else {
                    "s"
                }
            )),
            Self::Busy { .. } => {
                Some("The site is busy right now. Please try again in a moment.".to_string())
            }
            Self::Unauthorized => Some("Please sign in first.".to_string()),
            Self::Forbidden => Some("You do not have permission to do this.".to_string()),
            Self::BadRequest(message)
            | Self::Conflict(message)
            | Self::PayloadTooLarge(message)
            | Self::UnsupportedMediaType(message) => Some(message.clone()),
            Self::NotFound => Some("This no longer exists.".to_string()),
            Self::Internal | Self::Transport(_) => {
                Some("Something went wrong on our side. Please try again.".to_string())
            }
        }
    }
}

/// Validation messages by field name, in the order they were found (the shape of Django's
/// `form.errors` and of DRF's validation error body).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldErrors(pub Vec<(String, Vec<String>)>);

impl FieldErrors {
    /// Adds `message` to `field` (`""` for the form as a whole).
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        let message = message.into();
        match self.0.iter_mut().find(|(name, _)| name == field) {
            Some((_, messages)) => messages.push(message),
            None => self.0.push((field.to_string(), vec![message])),
        }
    }

    /// The messages of `field` (empty when it has none).
    pub fn get(&self, field: &str) -> &[String] {
        self.0
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, messages)| messages.as_slice())
            .unwrap_or(&[])
    }

    /// Whether no field has a message.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when empty, else the errors as [`AppError::Validation`].
    ///
    /// # Errors
    /// [`AppError::Validation`] holding these errors.
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self))
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::MissingArg(msg) => {
                Self::BadRequest(msg)
            }
            ServerFnErrorErr::Request(msg) | ServerFnErrorErr::Deserialization(msg) => {
                Self::Transport(msg)
            }
            _ => Self::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => Self::NotFound,
            other => {
                tracing::error!(error = %other, "database error");
                Self::Internal
            }
        }
    }
}
