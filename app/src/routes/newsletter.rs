//! New posts by email: `/newsletter/` (subscribe, and the outcome of each step),
//! `/newsletter/confirm/<token>/` and `/newsletter/unsubscribe/<id>/<signature>/` (the
//! subscriber's manage page: which posts, or unsubscribe). Confirming and unsubscribing take a
//! button press, so a link scanner that fetches the page changes nothing; every form works
//! without JavaScript.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::forms::{action_error, CsrfField, Field, FieldErrors, FormMessage, Notice};
use crate::components::page_meta::PageMeta;
use crate::error::AppError;
use crate::model::newsletter::Subscription;
use crate::model::CategoryRef;
use crate::server_fns::newsletter::{
    get_subscription, newsletter_choices, ConfirmSubscription, Subscribe, Unsubscribe,
    UpdateSubscription,
};

/// The "which posts" checkboxes of a subscribe or manage form: one `categories[]` checkbox per
/// category, those in `checked` ticked; none ticked means every new post. Shows nothing when the
/// site has a single category (there is nothing to choose).
#[component]
pub fn CategoryChoice(
    categories: Vec<CategoryRef>,
    #[prop(optional)] checked: Vec<String>,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    (categories.len() > 1).then(|| {
        view! {
            <fieldset class="category-choice" aria-describedby="field-categories-errors">
                <legend>"Which posts? Tick categories to get only theirs; leave all unticked for every new post."</legend>
                {categories.into_iter().map(|c| {
                    let ticked = checked.contains(&c.slug);
                    view! {
                        <label class="checkbox">
                            <input type="checkbox" name="categories[]" value=c.slug checked=ticked/>
                            " " {c.name}
                        </label>
                    }
                }).collect_view()}
                <FieldErrors name="categories" error/>
            </fieldset>
        }
    })
}

/// The box under a post: an address field that opens `/newsletter/` with it filled in (a plain
/// `GET` form, so the post page stays the same for everyone and can be cached; the CSRF token
/// and the choice of categories are on the newsletter page).
#[component]
pub fn SubscribeBox() -> impl IntoView {
    view! {
        <aside class="subscribe-box" aria-labelledby="subscribe-box-heading">
            <h2 id="subscribe-box-heading">"Get new posts by email"</h2>
            <form method="get" action="/newsletter/">
                <label class="visually-hidden" for="subscribe-box-email">"Email address"</label>
                <input id="subscribe-box-email" type="email" name="email" autocomplete="email" required/>
                <button type="submit">"Subscribe"</button>
            </form>
        </aside>
    }
}

/// Subscribe (the address may come prefilled from a post page's `?email=`), or the outcome of
/// subscribing, confirming or unsubscribing (`?sent=1`, `?confirmed=1`, `?unsubscribed=1`).
#[component]
pub fn NewsletterView() -> impl IntoView {
    let action = ServerAction::<Subscribe>::new();
    let error = action_error(action);
    let query = use_query_map();
    let choices = Resource::new(|| (), |()| newsletter_choices());
    let prefilled = move || query.read().get("email").unwrap_or_default();
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
                        <Field label="Email address" name="email" kind="email" autocomplete="email" error value=prefilled()/>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                choices.await.ok().map(|c| view! { <CategoryChoice categories=c.categories error/> })
                            })}
                        </Suspense>
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

/// A subscriber's manage page, reached by the link of every newsletter (no sign-in): change
/// which posts come, or unsubscribe with one press.
#[component]
pub fn UnsubscribeView() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let link = move || {
        let p = params.read();
        (
            p.get("id").unwrap_or_default(),
            p.get("signature").unwrap_or_default(),
        )
    };
    let data = Resource::new(link, |(id, signature)| async move {
        let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
        let found = get_subscription(id, signature).await?;
        let choices = newsletter_choices().await?;
        Ok::<_, AppError>((found, choices.categories))
    });
    let unsubscribe = ServerAction::<Unsubscribe>::new();
    let unsubscribe_error = action_error(unsubscribe);
    let update = ServerAction::<UpdateSubscription>::new();
    let update_error = action_error(update);
    let saved =
        move || query.read().get("saved").is_some() || matches!(update.value().get(), Some(Ok(())));
    view! {
        <PageMeta title="Your subscription" description="Choose which posts come by email, or unsubscribe." path="/newsletter/unsubscribe/"/>
        <section class="account-page">
            <h1>"Your subscription"</h1>
            <Suspense fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(_) => view! {
                            <p class="form-error" role="alert">"This link is not valid. Use the link of a recent email, or subscribe again."</p>
                            <p><A href="/newsletter/">"Subscribe"</A></p>
                        }.into_any(),
                        Ok((sub, categories)) => {
                            let (id, signature) = link();
                            manage_forms(sub, categories, id, signature, saved, (update, update_error), (unsubscribe, unsubscribe_error))
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The two forms of the manage page.
fn manage_forms(
    sub: Subscription,
    categories: Vec<CategoryRef>,
    id: String,
    signature: String,
    saved: impl Fn() -> bool + Send + Sync + 'static,
    (update, update_error): (ServerAction<UpdateSubscription>, Signal<Option<AppError>>),
    (unsubscribe, unsubscribe_error): (ServerAction<Unsubscribe>, Signal<Option<AppError>>),
) -> AnyView {
    if sub.status == "unsubscribed" {
        return view! {
            <p>{format!("{} is unsubscribed: no posts are emailed to it.", sub.email)}</p>
            <p><a href=format!("/newsletter/?email={}", crate::domain::text::encode_query_value(&sub.email))>"Subscribe again"</a></p>
        }
        .into_any();
    }
    let what = if sub.all_posts {
        "every new post".to_string()
    } else if sub.categories.is_empty() {
        "no posts (the categories you chose are gone)".to_string()
    } else {
        let names: Vec<String> = categories
            .iter()
            .filter(|c| sub.categories.contains(&c.slug))
            .map(|c| c.name.clone())
            .collect();
        format!("new posts in {}", names.join(", "))
    };
    let status = if sub.status == "pending" {
        " (once you confirm it with the link we emailed)"
    } else {
        ""
    };
    let show_choice = categories.len() > 1;
    let (choice_id, choice_signature) = (id.clone(), signature.clone());
    view! {
        {move || saved().then(|| view! { <Notice>"Your choice was saved."</Notice> })}
        <p>{format!("{} gets {what} by email{status}.", sub.email)}</p>
        {show_choice.then(|| view! {
            <h2>"Which posts"</h2>
            <ActionForm action=update attr:class="account-form">
                <CsrfField/>
                <input type="hidden" name="id" value=choice_id/>
                <input type="hidden" name="signature" value=choice_signature/>
                <FormMessage error=update_error/>
                <CategoryChoice categories checked=sub.categories error=update_error/>
                <button type="submit" disabled=move || update.pending().get()>"Save my choice"</button>
            </ActionForm>
        })}
        <h2>"Unsubscribe"</h2>
        <p>"Press the button and no more posts will be emailed to you."</p>
        <ActionForm action=unsubscribe attr:class="account-form">
            <CsrfField/>
            <input type="hidden" name="id" value=id/>
            <input type="hidden" name="signature" value=signature/>
            <FormMessage error=unsubscribe_error/>
            <button type="submit" disabled=move || unsubscribe.pending().get()>"Unsubscribe"</button>
        </ActionForm>
    }
    .into_any()
}
