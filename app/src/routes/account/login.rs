//! `/accounts/login/`: sign in with email and password.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::components::forms::{action_error, CsrfField, Field, FormMessage, Notice};
use crate::components::page_meta::PageMeta;
use crate::components::user::refresh_user_on_success;
use crate::server_fns::accounts::LogIn;

/// The sign-in page; `?next=` is where to go afterwards (same-site paths only).
#[component]
pub fn LoginView() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    refresh_user_on_success(action);
    let error = action_error(action);
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let done = move || query.read().get("done");
    view! {
        <PageMeta title="Sign in" description="Sign in to your account." path="/accounts/login/"/>
        <section class="account-page">
            <h1>"Sign in"</h1>
            {move || (done().as_deref() == Some("reset")).then(|| view! {
                <Notice>"Your password has been set. You may sign in now."</Notice>
            })}
            <ActionForm action=action attr:class="account-form">
                <CsrfField/>
                <input type="hidden" name="next" value=next/>
                <FormMessage error/>
                <Field label="Email address" name="email" kind="email" autocomplete="email" error/>
                <Field label="Password" name="password" kind="password" autocomplete="current-password" error/>
                <button type="submit" disabled=move || action.pending().get()>"Sign in"</button>
            </ActionForm>
            <p class="account-links">
                <A href="/accounts/password/reset/">"Forgot your password?"</A>
                " · "
                <A href="/accounts/signup/">"Create an account"</A>
            </p>
        </section>
    }
}
