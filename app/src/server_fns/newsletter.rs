//! Subscribing to new posts by email, confirming and unsubscribing (see
//! [`crate::ssr::newsletter`]). The one-click unsubscribe of mail clients (RFC 8058) is a plain
//! POST route of the server, not a server function.

use leptos::prelude::*;

use crate::error::AppError;

/// Asks for new posts by email at `email` (a confirmation link is emailed), then shows the
/// "check your inbox" page; the same answer whether or not the address was known.
///
/// # Errors
/// [`AppError::Validation`] (`email`); [`AppError::TooManyRequests`] when this client asked
/// too often.
#[server(prefix = "/_fn", endpoint = "newsletter/subscribe")]
pub async fn subscribe(email: String) -> Result<(), AppError> {
    let state = super::state()?;
    let address = super::accounts::client_address(&state).await;
    crate::ssr::newsletter::subscribe(&state, &email, &address).await?;
    leptos_axum::redirect("/newsletter/?sent=1");
    Ok(())
}

/// Confirms a subscription with the emailed link's `token`.
///
/// # Errors
/// [`AppError::Validation`] (`""`) for an unknown, used or expired link.
#[server(prefix = "/_fn", endpoint = "newsletter/confirm")]
pub async fn confirm_subscription(token: String) -> Result<(), AppError> {
    let state = super::state()?;
    crate::ssr::newsletter::confirm(&state.db, &token).await?;
    leptos_axum::redirect("/newsletter/?confirmed=1");
    Ok(())
}

/// Unsubscribes the subscriber of an unsubscribe link (`id` and its `signature`).
///
/// # Errors
/// [`AppError::NotFound`] for a link that is not valid.
#[server(prefix = "/_fn", endpoint = "newsletter/unsubscribe")]
pub async fn unsubscribe(id: i64, signature: String) -> Result<(), AppError> {
    let state = super::state()?;
    crate::ssr::newsletter::unsubscribe(&state.db, &state.auth.secret_key, id, &signature).await?;
    leptos_axum::redirect("/newsletter/?unsubscribed=1");
    Ok(())
}
