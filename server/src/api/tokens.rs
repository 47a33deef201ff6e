//! `/api/auth/token/`: exchange email and password for a token (DRF's `obtain_auth_token`, by
//! email), and revoke it.

use app::ssr::api_tokens;
use app::ssr::auth::password::Password;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::{Extension, Json};

use super::auth::{Caller, Credentials};
use super::error::ApiError;
use super::input::{json_object, Fields};
use super::serializers::{BadRequest, ErrorDetail, TokenRequest, TokenResponse};
use super::ApiState;

/// Issues a new token for email + password. Failures are throttled as sign-in is.
#[utoipa::path(
    post, path = "/api/auth/token/", operation_id = "createAuthToken", tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A new token, shown once.", body = TokenResponse),
        (status = 400, description = "Missing fields or wrong credentials.", body = BadRequest),
        (status = 401, description = "An invalid token was sent along.", body = ErrorDetail),
        (status = 415, description = "The body is not JSON.", body = ErrorDetail),
        (status = 429, description = "Too many failed attempts, or throttled.", body = ErrorDetail),
    ),
    security(())
)]
pub async fn obtain(
    State(api): State<ApiState>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<TokenResponse>, ApiError> {
    let data = json_object(&headers, &body)?;
    let mut fields = Fields::new(&data, false);
    let email = fields.string("email", true, Some(254));
    let password = fields.password("password");
    fields.finish()?;
    let (Some(email), Some(password)) = (email, password) else {
        return Err(ApiError::Internal);
    };
    let peer = peer.map(|Extension(ConnectInfo(address))| address);
    let address = super::client_address(&api, peer, &headers);
    let (_, token) = api_tokens::issue(&api.app, &email, Password::new(password), &address).await?;
    Ok(Json(TokenResponse { token }))
}

/// Revokes the token the request is authenticated with; signed in by session, revokes every
/// token of the user.
#[utoipa::path(
    delete, path = "/api/auth/token/", operation_id = "destroyAuthToken", tag = "auth",
    responses(
        (status = 204, description = "Revoked."),
        (status = 401, description = "Not signed in.", body = ErrorDetail),
        (status = 429, description = "Throttled.", body = ErrorDetail),
    ),
    security(("token" = []), ("session" = []))
)]
pub async fn revoke(
    State(api): State<ApiState>,
    Extension(caller): Extension<Caller>,
) -> Result<StatusCode, ApiError> {
    let account = caller.account()?;
    match &caller.credentials {
        Credentials::Token(key) => {
            api_tokens::revoke(&api.app, key).await?;
            tracing::info!(user_id = account.id, "API token revoked");
        }
        _ => {
            api_tokens::revoke_all(&api.app, account.id).await?;
        }
    }
    Ok(StatusCode::NO_CONTENT)
}
