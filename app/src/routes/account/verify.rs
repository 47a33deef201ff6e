//! Email verification: `/accounts/verify/<token>/` (confirm with a button: a link scanner that
//! fetches the page does not use the token up) and `/accounts/verified/`.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::components::forms::{action_error, CsrfField, FormMessage};
use crate::components::page_meta::PageMeta;
use crate::components::user::refresh_user_on_success;
use crate::server_fns::accounts::VerifyEmail;

/// Confirm an email address.
#[component]
pub fn VerifyEmailView() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let action = ServerAction::<VerifyEmail>::new();
    refresh_user_on_success(action);
    let error = action_error(action);
    view! {
        <PageMeta title="Confirm your email address" description="Confirm your email address." path="/accounts/verify/"/>
        <section class="account-page">
            <h1>"Confirm your email address"</h1>
            <p>"Press the button to confirm that this email address is yours."</p>
            <ActionForm action=action attr:class="account-form">
                <CsrfField/>
                <input type="hidden" name="token" value=token/>
                <FormMessage error/>
                <button type="submit" disabled=move || action.pending().get()>"Confirm"</button>
            </ActionForm>
        </section>
    }
}

/// After confirming.
#[component]
pub fn VerifiedView() -> impl IntoView {
    view! {
        <PageMeta title="Email address confirmed" description="Your email address is confirmed." path="/accounts/verified/"/>
        <section class="account-page">
            <h1>"Email address confirmed"</h1>
            <p>"Thank you: your email address is confirmed."</p>
            <p><A href="/">"Go to the latest posts"</A></p>
        </section>
    }
}
