//! The API's one error type and its one JSON shape, as Django REST Framework answers:
//! `{"detail": "..."}` for every error, `{"field": ["message", ...]}` for validation errors
//! (`non_field_errors` for the request as a whole). Statuses and headers are decided here and
//! nowhere else; failures were logged where they happened, and every response is logged once by
//! [`crate::access_log`].

use app::error::{AppError, FieldErrors};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// The authentication scheme named in `WWW-Authenticate` on 401 answers (DRF's
/// `TokenAuthentication.keyword`).
pub const TOKEN_KEYWORD: &str = "Token";

/// An error of the REST API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 400: the body is not valid JSON (the message says where).
    #[error("JSON parse error - {0}")]
    Parse(String),
    /// 400: fields are invalid; `""` is the request as a whole (`non_field_errors`).
    #[error("invalid input")]
    Validation(FieldErrors),
    /// 400: a query parameter is invalid (a validation body naming the parameter).
    #[error("invalid query parameter {0}")]
    InvalidQuery(String, String),
    /// 401: no credentials where they are needed.
    #[error("Authentication credentials were not provided.")]
    NotAuthenticated,
    /// 401: credentials that do not work (the message says how).
    #[error("{0}")]
    AuthenticationFailed(String),
    /// 403: the caller's role does not allow this.
    #[error("You do not have permission to perform this action.")]
    PermissionDenied,
    /// 403: a session-authenticated unsafe request without valid CSRF protection.
    #[error("CSRF Failed: {0}")]
    CsrfFailed(String),
    /// 404: the object does not exist or is not visible to the caller (`Post`, `Category`...).
    #[error("No {0} matches the given query.")]
    NoMatch(&'static str),
    /// 404: no such URL.
    #[error("Not found.")]
    NotFound,
    /// 404: `?page=` is not a page of this list.
    #[error("Invalid page.")]
    InvalidPage,
    /// 405: the URL exists but not with this method.
    #[error("Method \"{0}\" not allowed.")]
    MethodNotAllowed(String),
    /// 409: the change conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// 415: the body is not JSON.
    #[error("Unsupported media type \"{0}\" in request.")]
    UnsupportedMediaType(String),
    /// 429: too many requests; retry after the given number of seconds.
    #[error("Request was throttled. Expected available in {0} seconds.")]
    Throttled(u64),
    /// 500: something failed on the server; details are in the log only.
    #[error("A server error occurred.")]
    Internal,
    /// 503: too busy to take the request now; retry after the given number of seconds.
    #[error("The server is busy. Try again in {0} seconds.")]
    Busy(u64),
}

impl ApiError {
    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Parse(_) | Self::Validation(_) | Self::InvalidQuery(..) => {
                StatusCode::BAD_REQUEST
            }
            Self::NotAuthenticated | Self::AuthenticationFailed(_) => StatusCode::UNAUTHORIZED,
            Self::PermissionDenied | Self::CsrfFailed(_) => StatusCode::FORBIDDEN,
            Self::NoMatch(_) | Self::NotFound | Self::InvalidPage => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The JSON body of this error.
    pub fn body(&self) -> Value {
        match self {
            Self::Validation(errors) => validation_body(errors),
            Self::InvalidQuery(name, message) => json!({ name: [message] }),
            other => json!({ "detail": other.to_string() }),
        }
    }

    /// A validation error for one field.
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::default();
        errors.add(name, message);
        Self::Validation(errors)
    }

    /// Maps a service error, naming the object kind for 404s (`"Post"`).
    pub fn from_app(error: AppError, object: &'static str) -> Self {
        match error {
            AppError::NotFound => Self::NoMatch(object),
            other => other.into(),
        }
    }
}

/// `{"field": ["message"]}` in the order the fields were found; the form-wide messages under
/// `non_field_errors`, as DRF names them.
pub fn validation_body(errors: &FieldErrors) -> Value {
    let mut map = Map::new();
    for (field, messages) in &errors.0 {
        let name = if field.is_empty() {
            "non_field_errors"
        } else {
            field.as_str()
        };
        map.insert(name.to_string(), json!(messages));
    }
    Value::Object(map)
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::NotFound => Self::NotFound,
            AppError::BadRequest(message) => Self::field("", message),
            AppError::Unauthorized => Self::NotAuthenticated,
            AppError::Forbidden => Self::PermissionDenied,
            AppError::Validation(errors) => Self::Validation(errors),
            AppError::Conflict(message) => Self::Conflict(message),
            // The API takes no uploads; these only come from the media service.
            AppError::PayloadTooLarge(message) | AppError::UnsupportedMediaType(message) => {
                Self::field("", message)
            }
            AppError::TooManyRequests { retry_after_secs } => Self::Throttled(retry_after_secs),
            AppError::Busy { retry_after_secs } => Self::Busy(retry_after_secs),
            AppError::Internal | AppError::Transport(_) => Self::Internal,
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        AppError::from(error).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        let headers = response.headers_mut();
        match &self {
            Self::NotAuthenticated | Self::AuthenticationFailed(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(TOKEN_KEYWORD),
                );
            }
            Self::Throttled(seconds) | Self::Busy(seconds) => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_drf_shapes() {
        assert_eq!(
            ApiError::NoMatch("Post").body(),
            json!({"detail": "No Post matches the given query."})
        );
        let mut errors = FieldErrors::default();
        errors.add("title", "This field is required.");
        errors.add("", "Unable to log in with provided credentials.");
        assert_eq!(
            ApiError::Validation(errors).body(),
            json!({"title": ["This field is required."], "non_field_errors": ["Unable to log in with provided credentials."]})
        );
        let throttled = ApiError::Throttled(42).into_response();
        assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(throttled.headers()[header::RETRY_AFTER], "42");
        let anonymous = ApiError::NotAuthenticated.into_response();
        assert_eq!(anonymous.headers()[header::WWW_AUTHENTICATE], "Token");
    }
}
