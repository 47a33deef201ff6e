//! Account endpoints: who is signed in, sign up, sign in and out, passwords, email
//! verification, profile. Each works as a plain form post (JavaScript off: Leptos answers with a
//! redirect, carrying errors in the URL) and as a call from the hydrated page.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::model::CurrentUser;

/// The signed-in user, or `None` for an anonymous visitor.
///
/// # Errors
/// [`AppError::Internal`] when the session store or database fails.
#[server(prefix = "/_fn", endpoint = "accounts/me", input = GetUrl)]
pub async fn get_current_user() -> Result<Option<CurrentUser>, AppError> {
    let (state, session) = super::state_and_session().await?;
    let account = crate::ssr::auth::current_account(&state, &session).await;
    account.map(|a| a.map(CurrentUser::from))
}

/// Creates a reader account, signs it in, sends the verification email, and goes to `next`
/// (a same-site path, else `/`).
///
/// # Errors
/// [`AppError::Validation`] by field (`email`, `username`, `password`, `password_confirm`);
/// [`AppError::TooManyRequests`] (429 + `Retry-After`) when the client's address signed up too
/// often; [`AppError::Busy`] (503 + `Retry-After`) when the server is hashing all it can.
#[server(prefix = "/_fn", endpoint = "accounts/signup")]
pub async fn sign_up(
    email: String,
    username: String,
    password: String,
    password_confirm: String,
    next: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::{accounts, auth::password::Password};
    let (state, session) = super::state_and_session().await?;
    let input = accounts::SignUp {
        email,
        username,
        password: Password::new(password),
        password_confirm: Password::new(password_confirm),
    };
    let address = client_address(&state).await;
    accounts::sign_up(&state, &session, input, &address).await?;
    leptos_axum::redirect(&crate::domain::safe_next(next.as_deref()));
    Ok(())
}

/// Signs in with email and password, then goes to `next` (same-site paths only: no open
/// redirect).
///
/// # Errors
/// [`AppError::Validation`] with one message for any wrong credentials;
/// [`AppError::TooManyRequests`] (HTTP 429 + `Retry-After`) after repeated failures.
#[server(prefix = "/_fn", endpoint = "accounts/login")]
pub async fn log_in(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::ssr::{accounts, auth::password::Password};
    let (state, session) = super::state_and_session().await?;
    let address = client_address(&state).await;
    accounts::log_in(&state, &session, &email, Password::new(password), &address).await?;
    leptos_axum::redirect(&crate::domain::safe_next(next.as_deref()));
    Ok(())
}

/// Signs out (POST only, as Django 5's `LogoutView`) and goes to the home page.
///
/// # Errors
/// [`AppError::Internal`] when the session store fails.
#[server(prefix = "/_fn", endpoint = "accounts/logout")]
pub async fn log_out() -> Result<(), AppError> {
    let (_, session) = super::state_and_session().await?;
    crate::ssr::accounts::log_out(&session).await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Changes the signed-in user's password; other sessions are signed out.
///
/// # Errors
/// [`AppError::Unauthorized`] when signed out; [`AppError::Validation`] (`old_password`,
/// `new_password`, `new_password_confirm`).
#[server(prefix = "/_fn", endpoint = "accounts/password/change")]
pub async fn change_password(
    old_password: String,
    new_password: String,
    new_password_confirm: String,
) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::ssr::{accounts, auth, auth::password::Password};
    let (state, session) = super::state_and_session().await?;
    let account = auth::require_permission(&state, &session, Permission::EditOwnAccount).await?;
    accounts::change_password(
        &state,
        &session,
        &account,
        Password::new(old_password),
        Password::new(new_password),
        Password::new(new_password_confirm),
    )
    .await?;
    leptos_axum::redirect("/accounts/profile/?done=password");
    Ok(())
}

/// Emails a password-reset link when an account has `email`; answers the same when none does.
///
/// # Errors
/// [`AppError::Validation`] (`email`) for an address that is not valid;
/// [`AppError::TooManyRequests`] when this client asked for too many links.
#[server(prefix = "/_fn", endpoint = "accounts/password/reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    let state = super::state()?;
    let address = client_address(&state).await;
    crate::ssr::accounts::request_password_reset(&state, &email, &address).await?;
    leptos_axum::redirect("/accounts/password/reset/?sent=1");
    Ok(())
}

/// Whether a password-reset link still works (to show its form or an explanation).
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
#[server(prefix = "/_fn", endpoint = "accounts/password/reset/check", input = GetUrl)]
pub async fn check_reset_token(token: String) -> Result<bool, AppError> {
    let state = super::state()?;
    crate::ssr::accounts::reset_token_is_valid(&state, &token).await
}

/// Sets a new password with a reset link's token, then goes to the sign-in page.
///
/// # Errors
/// [`AppError::Validation`] (`""` for a used or expired link, `new_password`,
/// `new_password_confirm`).
#[server(prefix = "/_fn", endpoint = "accounts/password/reset/confirm")]
pub async fn reset_password(
    token: String,
    new_password: String,
    new_password_confirm: String,
) -> Result<(), AppError> {
    use crate::ssr::auth::password::Password;
    let state = super::state()?;
    crate::ssr::accounts::reset_password(
        &state,
        &token,
        Password::new(new_password),
        Password::new(new_password_confirm),
    )
    .await?;
    leptos_axum::redirect("/accounts/login/?done=reset");
    Ok(())
}

/// Confirms an email address with the token from the verification email.
///
/// # Errors
/// [`AppError::Validation`] (`""`) for a used or expired link.
#[server(prefix = "/_fn", endpoint = "accounts/verify")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    let state = super::state()?;
    crate::ssr::accounts::verify_email(&state, &token).await?;
    leptos_axum::redirect("/accounts/verified/");
    Ok(())
}

/// Sends the signed-in user a new verification email.
///
/// # Errors
/// [`AppError::Unauthorized`] when signed out; [`AppError::TooManyRequests`] when enough links
/// went to the address lately or this client asked for too many.
#[server(prefix = "/_fn", endpoint = "accounts/verify/resend")]
pub async fn resend_verification() -> Result<(), AppError> {
    use crate::ssr::auth::throttle;
    let (state, account) = super::require(crate::domain::Permission::EditOwnAccount).await?;
    if !account.is_verified {
        let address = client_address(&state).await;
        let _asked = throttle::reserve(
            &state.db,
            &[throttle::email_client_rule(
                state.auth.email_limit,
                &address,
            )],
            chrono::Utc::now(),
        )
        .await?;
        crate::ssr::accounts::send_verification(&state, &account, chrono::Utc::now()).await?;
    }
    leptos_axum::redirect("/accounts/profile/?done=verification-sent");
    Ok(())
}

/// Saves the signed-in user's display name, biography and avatar URL.
///
/// # Errors
/// [`AppError::Unauthorized`] when signed out; [`AppError::Validation`] (`display_name`, `bio`,
/// `avatar_url`).
#[server(prefix = "/_fn", endpoint = "accounts/profile")]
pub async fn update_profile(
    display_name: String,
    bio: String,
    avatar_url: String,
) -> Result<(), AppError> {
    use crate::ssr::accounts::{self, ProfileInput};
    let (state, account) = super::require(crate::domain::Permission::EditOwnAccount).await?;
    let input = ProfileInput {
        display_name,
        bio,
        avatar_url,
    };
    accounts::update_profile(&state, &account, input).await?;
    leptos_axum::redirect("/accounts/profile/?done=profile");
    Ok(())
}

/// The calling client's address (see [`crate::ssr::auth::throttle::client_address`]).
#[cfg(feature = "ssr")]
pub(crate) async fn client_address(state: &crate::ssr::AppState) -> String {
    use axum::extract::ConnectInfo;
    let peer = leptos_axum::extract::<ConnectInfo<std::net::SocketAddr>>()
        .await
        .ok()
        .map(|c| c.0);
    let forwarded = use_context::<http::request::Parts>().and_then(|p| {
        p.headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    });
    crate::ssr::auth::throttle::client_address(
        peer,
        forwarded.as_deref(),
        state.auth.trusted_proxies,
    )
}
