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
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Transport(_) => StatusCode::BAD_GATEWAY,
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
