//! `/accounts/signup/`: create a reader account.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::components::forms::{action_error, CsrfField, Field, FormMessage};
use crate::components::page_meta::PageMeta;
use crate::components::user::refresh_user_on_success;
use crate::server_fns::accounts::SignUp;

/// The sign-up page.
#[component]
pub fn SignupView() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    refresh_user_on_success(action);
    let error = action_error(action);
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    view! {
        <PageMeta title="Create an account" description="Sign up to comment on posts." path="/accounts/signup/"/>
        <section class="account-page">
            <h1>"Create an account"</h1>
            <ActionForm action=action attr:class="account-form">
                <CsrfField/>
                <input type="hidden" name="next" value=next/>
                <FormMessage error/>
                <Field label="Email address" name="email" kind="email" autocomplete="email" error
                    help="We send a link to confirm it."/>
                <Field label="Username" name="username" autocomplete="username" error maxlength=150
                    help="Letters, digits and @ . + - _ only; shown with your comments."/>
                <Field label="Password" name="password" kind="password" autocomplete="new-password" error
                    help="At least 8 characters, not entirely numeric, not a common password, not like your username or email."/>
                <Field label="Password again" name="password_confirm" kind="password" autocomplete="new-password" error/>
                <button type="submit" disabled=move || action.pending().get()>"Create account"</button>
            </ActionForm>
            <p class="account-links">"Already have an account? " <A href="/accounts/login/">"Sign in"</A></p>
        </section>
    }
}
