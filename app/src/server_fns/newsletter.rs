//! Subscribing to new posts by email, confirming and unsubscribing (see
//! [`crate::ssr::newsletter`]). The one-click unsubscribe of mail clients (RFC 8058) is a plain
//! POST route of the server, not a server function.

//!
//! Forms send the chosen categories as repeated `categories[]` fields (checkboxes), read as a
//! list; none checked means every new post.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::model::newsletter::{SubscribeChoices, Subscription};

/// The categories a subscribe form offers.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
#[server(prefix = "/_fn", endpoint = "newsletter/choices", input = GetUrl)]
pub async fn newsletter_choices() -> Result<SubscribeChoices, AppError> {
    let state = super::state()?;
    crate::ssr::newsletter::choices(&state.db).await
}

/// Asks for new posts by email at `email`, all of them or those of `categories` (slugs); a
/// confirmation link is emailed, then the "check your inbox" page shows; the same answer
/// whether or not the address was known.
///
/// # Errors
/// [`AppError::Validation`] (`email`, `categories`); [`AppError::TooManyRequests`] when this
/// client asked too often.
#[server(prefix = "/_fn", endpoint = "newsletter/subscribe")]
pub async fn subscribe(
    email: String,
    #[server(default)] categories: Vec<String>,
) -> Result<(), AppError> {
    let state = super::state()?;
    let address = super::accounts::client_address(&state).await;
    crate::ssr::newsletter::subscribe(&state, &email, &categories, &address).await?;
    leptos_axum::redirect("/newsletter/?sent=1");
    Ok(())
}

/// The subscription of a manage link (`id` and its `signature`).
///
/// # Errors
/// [`AppError::NotFound`] for a link that is not valid.
#[server(prefix = "/_fn", endpoint = "newsletter/subscription", input = GetUrl)]
pub async fn get_subscription(id: i64, signature: String) -> Result<Subscription, AppError> {
    let state = super::state()?;
    crate::ssr::newsletter::subscription(&state.db, &state.auth.secret_key, id, &signature).await
}

/// Changes which posts the subscriber of a manage link gets: `categories` (slugs), or every
/// post when none.
///
/// # Errors
/// [`AppError::NotFound`] for a link that is not valid; [`AppError::Validation`]
/// (`categories`).
#[server(prefix = "/_fn", endpoint = "newsletter/update")]
pub async fn update_subscription(
    id: i64,
    signature: String,
    #[server(default)] categories: Vec<String>,
) -> Result<(), AppError> {
    let state = super::state()?;
    let key = &state.auth.secret_key;
    crate::ssr::newsletter::update_choice(&state.db, key, id, &signature, &categories).await?;
    leptos_axum::redirect(&format!(
        "{}?saved=1",
        crate::ssr::newsletter::manage_path(key, id)
    ));
    Ok(())
}

/// The signed-in reader's subscription, if they have one.
///
/// # Errors
/// [`AppError::Unauthorized`] when not signed in.
#[server(prefix = "/_fn", endpoint = "newsletter/mine", input = GetUrl)]
pub async fn my_subscription() -> Result<Option<Subscription>, AppError> {
    let (state, account) = super::require(crate::domain::Permission::EditOwnAccount).await?;
    crate::ssr::newsletter::account_subscription(&state.db, &state.auth.secret_key, &account).await
}

/// Subscribes the signed-in reader's address to `categories` (slugs; none: every post), at
/// once when the account's address is verified, else by a confirmation link; back to the
/// profile with the outcome.
///
/// # Errors
/// [`AppError::Unauthorized`]; [`AppError::Validation`] (`categories`, `email`);
/// [`AppError::TooManyRequests`].
#[server(prefix = "/_fn", endpoint = "newsletter/subscribe-me")]
pub async fn subscribe_me(#[server(default)] categories: Vec<String>) -> Result<(), AppError> {
    let (state, account) = super::require(crate::domain::Permission::EditOwnAccount).await?;
    let address = super::accounts::client_address(&state).await;
    let pending =
        crate::ssr::newsletter::subscribe_account(&state, &account, &categories, &address).await?;
    leptos_axum::redirect(if pending {
        "/accounts/profile/?done=subscription-sent"
    } else {
        "/accounts/profile/?done=subscribed"
    });
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
