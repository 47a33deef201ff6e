//! New posts by email: `/newsletter/` (subscribe, and the outcome of each step),
//! `/newsletter/confirm/<token>/` and `/newsletter/unsubscribe/<id>/<signature>/`. Confirming
//! and unsubscribing take a button press, so a link scanner that fetches the page changes
//! nothing; every form works without JavaScript.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::forms::{action_error, CsrfField, Field, FormMessage, Notice};
use crate::components::page_meta::PageMeta;
use crate::server_fns::newsletter::{ConfirmSubscription, Subscribe, Unsubscribe};

/// Subscribe, or the outcome of subscribing, confirming or unsubscribing (`?sent=1`,
/// `?confirmed=1`, `?unsubscribed=1`).
#[component]
pub fn NewsletterView() -> impl IntoView {
    let action = ServerAction::<Subscribe>::new();
    let error = action_error(action);
    let query = use_query_map();
    let outcome = move || {
        let q = query.read();
        if q.get("confirmed").is_some() {
            Some("Your subscription is confirmed: new posts will come to your inbox.")
        } else if q.get("unsubscribed").is_some() {
            Some("You are unsubscribed: no more posts will be emailed to you.")
        } else if q.get("sent").is_some() || matches!(action.value().get(), Some(Ok(()))) {
            Some(
                "Almost done: we’ve emailed you a link to confirm your subscription. If it does not \
                 arrive shortly, check your spam folder.",
            )
        } else {
            None
        }
    };
    view! {
        <PageMeta title="New posts by email" description="Get new posts by email." path="/newsletter/"/>
        <section class="account-page">
            <h1>"New posts by email"</h1>
            {move || match outcome() {
                Some(message) => view! {
                    <Notice>{message}</Notice>
                    <p><A href="/">"Go to the latest posts"</A></p>
                }.into_any(),
                None => view! {
                    <p>"Enter your email address to get each new post by email. We’ll send a link to confirm it first; every email has a link to unsubscribe."</p>
                    <ActionForm action=action attr:class="account-form">
                        <CsrfField/>
                        <FormMessage error/>
                        <Field label="Email address" name="email" kind="email" autocomplete="email" error/>
                        <button type="submit" disabled=move || action.pending().get()>"Subscribe"</button>
                    </ActionForm>
                }.into_any(),
            }}
        </section>
    }
}

/// Confirm a subscription with the emailed link.
#[component]
pub fn ConfirmSubscriptionView() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let action = ServerAction::<ConfirmSubscription>::new();
    let error = action_error(action);
    view! {
        <PageMeta title="Confirm your subscription" description="Confirm your subscription." path="/newsletter/confirm/"/>
        <section class="account-page">
            <h1>"Confirm your subscription"</h1>
            <p>"Press the button to get new posts by email at this address."</p>
            <ActionForm action=action attr:class="account-form">
                <CsrfField/>
                <input type="hidden" name="token" value=token/>
                <FormMessage error/>
                <button type="submit" disabled=move || action.pending().get()>"Confirm"</button>
            </ActionForm>
        </section>
    }
}

/// Unsubscribe with the link of a newsletter (one press, no sign-in).
#[component]
pub fn UnsubscribeView() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let signature = move || params.read().get("signature").unwrap_or_default();
    let action = ServerAction::<Unsubscribe>::new();
    let error = action_error(action);
    view! {
        <PageMeta title="Unsubscribe" description="Stop getting new posts by email." path="/newsletter/unsubscribe/"/>
        <section class="account-page">
            <h1>"Unsubscribe"</h1>
            <p>"Press the button and no more posts will be emailed to you."</p>
            <ActionForm action=action attr:class="account-form">
                <CsrfField/>
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="signature" value=signature/>
                <FormMessage error/>
                <button type="submit" disabled=move || action.pending().get()>"Unsubscribe"</button>
            </ActionForm>
        </section>
    }
}
