//! Passwords: `/accounts/password/change/` (signed in), `/accounts/password/reset/` (ask for a
//! link by email) and `/accounts/reset/<token>/` (choose a new password with the link).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::forms::{action_error, CsrfField, Field, FormMessage, Notice};
use crate::components::loading::Loading;
use crate::components::page_meta::PageMeta;
use crate::components::user::RequireUser;
use crate::server_fns::accounts::{
    check_reset_token, ChangePassword, RequestPasswordReset, ResetPassword,
};

const NEW_PASSWORD_HELP: &str =
    "At least 8 characters, not entirely numeric, not a common password, not like your username or email.";

/// Change the signed-in user's password (the old one is asked for).
#[component]
pub fn PasswordChangeView() -> impl IntoView {
    view! {
        <PageMeta title="Change password" description="Change your password." path="/accounts/password/change/"/>
        <RequireUser path="/accounts/password/change/" let:_user>
            {
                let action = ServerAction::<ChangePassword>::new();
                let error = action_error(action);
                view! {
                    <section class="account-page">
                        <h1>"Change password"</h1>
                        <ActionForm action=action attr:class="account-form">
                            <CsrfField/>
                            <FormMessage error/>
                            <Field label="Old password" name="old_password" kind="password" autocomplete="current-password" error/>
                            <Field label="New password" name="new_password" kind="password" autocomplete="new-password" error help=NEW_PASSWORD_HELP/>
                            <Field label="New password again" name="new_password_confirm" kind="password" autocomplete="new-password" error/>
                            <button type="submit" disabled=move || action.pending().get()>"Change password"</button>
                        </ActionForm>
                        <p class="account-links"><A href="/accounts/profile/">"Back to your account"</A></p>
                    </section>
                }
            }
        </RequireUser>
    }
}

/// Ask for a password-reset link by email.
#[component]
pub fn PasswordResetView() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let error = action_error(action);
    let query = use_query_map();
    let sent =
        move || query.read().get("sent").is_some() || matches!(action.value().get(), Some(Ok(())));
    view! {
        <PageMeta title="Reset your password" description="Get a link to choose a new password." path="/accounts/password/reset/"/>
        <section class="account-page">
            <h1>"Reset your password"</h1>
            <Show when=sent fallback=move || view! {
                <p>"Forgotten your password? Enter your email address below, and we’ll email instructions for setting a new one."</p>
                <ActionForm action=action attr:class="account-form">
                    <CsrfField/>
                    <FormMessage error/>
                    <Field label="Email address" name="email" kind="email" autocomplete="email" error/>
                    <button type="submit" disabled=move || action.pending().get()>"Send the link"</button>
                </ActionForm>
            }>
                <Notice>
                    "We’ve emailed you instructions for setting your password, if an account exists with the email you entered. "
                    "You should receive them shortly. If you don’t, check your spam folder, or make sure you entered the address you signed up with."
                </Notice>
            </Show>
        </section>
    }
}

/// Choose a new password with the token from a reset link.
#[component]
pub fn PasswordResetConfirmView() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let valid = Resource::new(token, check_reset_token);
    let action = ServerAction::<ResetPassword>::new();
    let error = action_error(action);
    view! {
        <PageMeta title="Choose a new password" description="Set a new password for your account." path="/accounts/reset/"/>
        <section class="account-page">
            <h1>"Choose a new password"</h1>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match valid.await {
                        Ok(true) => view! {
                            <ActionForm action=action attr:class="account-form">
                                <CsrfField/>
                                <input type="hidden" name="token" value=token/>
                                <FormMessage error/>
                                <Field label="New password" name="new_password" kind="password" autocomplete="new-password" error help=NEW_PASSWORD_HELP/>
                                <Field label="New password again" name="new_password_confirm" kind="password" autocomplete="new-password" error/>
                                <button type="submit" disabled=move || action.pending().get()>"Set password"</button>
                            </ActionForm>
                        }
                        .into_any(),
                        _ => view! {
                            <p class="form-error">"This password reset link is invalid, possibly because it has already been used or has expired."</p>
                            <p><A href="/accounts/password/reset/">"Ask for a new link"</A></p>
                        }
                        .into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
