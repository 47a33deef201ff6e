//! `/accounts/profile/`: the signed-in user's account: profile form, email status, links to
//! change the password.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::components::forms::{
    action_error, CsrfField, Field, FormMessage, Notice, TextAreaField,
};
use crate::components::page_meta::PageMeta;
use crate::components::user::{refresh_user_on_success, RequireUser};
use crate::model::CurrentUser;
use crate::routes::newsletter::CategoryChoice;
use crate::server_fns::accounts::{ResendVerification, UpdateProfile};
use crate::server_fns::newsletter::{my_subscription, newsletter_choices, SubscribeMe};

/// The reader's newsletter subscription and the site's categories, loaded again after each
/// subscribe.
type NewsletterData = Resource<
    Result<
        (
            Option<crate::model::newsletter::Subscription>,
            Vec<crate::model::CategoryRef>,
        ),
        crate::error::AppError,
    >,
>;

/// The account page.
///
/// The newsletter section's resource is made here, before anything is awaited: made inside the
/// section (after `RequireUser` awaited the user), hydration under load now and then took
/// another resource's place for it and panicked at the section ("expected a marker node",
/// reproduced in the browser tests with the CPU busy).
#[component]
pub fn ProfileView() -> impl IntoView {
    let subscribe = ServerAction::<SubscribeMe>::new();
    let newsletter: NewsletterData = Resource::new(
        move || subscribe.version().get(),
        |_| async move {
            let mine = my_subscription().await?;
            let choices = newsletter_choices().await?;
            Ok::<_, crate::error::AppError>((mine, choices.categories))
        },
    );
    view! {
        <PageMeta title="Your account" description="Your profile and account settings." path="/accounts/profile/"/>
        <RequireUser path="/accounts/profile/" let:user>
            <ProfileForms user subscribe newsletter/>
        </RequireUser>
    }
}

#[component]
fn ProfileForms(
    user: CurrentUser,
    subscribe: ServerAction<SubscribeMe>,
    newsletter: NewsletterData,
) -> impl IntoView {
    let save = ServerAction::<UpdateProfile>::new();
    refresh_user_on_success(save);
    let resend = ServerAction::<ResendVerification>::new();
    let error = action_error(save);
    let query = use_query_map();
    let done = move || {
        let from_query = query.read().get("done");
        let saved_now = matches!(save.value().get(), Some(Ok(()))).then(|| "profile".to_string());
        let sent_now =
            matches!(resend.value().get(), Some(Ok(()))).then(|| "verification-sent".to_string());
        saved_now.or(sent_now).or(from_query)
    };
    let notice = move || {
        done().and_then(|d| match d.as_str() {
            "profile" => Some("Your profile was saved."),
            "password" => Some("Your password was changed. Other devices were signed out."),
            "verification-sent" => Some("We sent you a new confirmation link."),
            "subscribed" => Some("You are subscribed: new posts will come to your inbox."),
            "subscription-sent" => Some(
                "We emailed you a link to confirm your subscription (your address is not confirmed yet).",
            ),
            _ => None,
        })
    };
    view! {
        <section class="account-page">
            <h1>"Your account"</h1>
            {move || notice().map(|n| view! { <Notice>{n}</Notice> })}
            <dl class="account-facts">
                <dt>"Email address"</dt>
                <dd>
                    {user.email.clone()} " "
                    {if user.is_verified {
                        view! { <span class="badge ok">"confirmed"</span> }.into_any()
                    } else {
                        view! {
                            <span class="badge">"not confirmed"</span>
                            <ActionForm action=resend attr:class="inline-form">
                                <CsrfField/>
                                <button type="submit" class="link-button">"Send the link again"</button>
                            </ActionForm>
                        }
                        .into_any()
                    }}
                </dd>
                <dt>"Username"</dt>
                <dd>{user.username.clone()}</dd>
                <dt>"Role"</dt>
                <dd>{user.role.label()}</dd>
            </dl>
            <h2>"Profile"</h2>
            <ActionForm action=save attr:class="account-form">
                <CsrfField/>
                <FormMessage error/>
                <Field label="Display name" name="display_name" autocomplete="name" error required=false maxlength=150
                    value=user.display_name.clone() help="Shown with your comments and posts; your username if empty."/>
                <TextAreaField label="About you" name="bio" error rows=4 maxlength=2000 value=user.bio.clone()/>
                <Field label="Avatar image URL" name="avatar_url" kind="url" error required=false maxlength=500
                    value=user.avatar_url.clone().unwrap_or_default()/>
                <button type="submit" disabled=move || save.pending().get()>"Save profile"</button>
            </ActionForm>
            <h2>"Password"</h2>
            <p><A href="/accounts/password/change/">"Change your password"</A></p>
            <NewsletterSection subscribe data=newsletter/>
        </section>
    }
}

/// "New posts by email": the reader's subscription with a link to change it, or a form to
/// subscribe their account's address.
#[component]
fn NewsletterSection(subscribe: ServerAction<SubscribeMe>, data: NewsletterData) -> impl IntoView {
    let error = action_error(subscribe);
    view! {
        <h2>"New posts by email"</h2>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok((Some(sub), _)) if sub.status != "unsubscribed" => {
                        let what = if sub.all_posts { "every new post" } else { "new posts in the categories you chose" };
                        let waiting = if sub.status == "pending" { " once you confirm the link we emailed" } else { "" };
                        view! {
                            <p>{format!("You get {what} by email at {}{waiting}.", sub.email)}</p>
                            <p><a href=sub.manage_path>"Change which posts, or unsubscribe"</a></p>
                        }.into_any()
                    }
                    Ok((_, categories)) => view! {
                        <p>"Get each new post by email at your account’s address."</p>
                        <ActionForm action=subscribe attr:class="account-form">
                            <CsrfField/>
                            <FormMessage error/>
                            <CategoryChoice categories error/>
                            <button type="submit" disabled=move || subscribe.pending().get()>"Subscribe"</button>
                        </ActionForm>
                    }.into_any(),
                    Err(_) => view! { <p class="form-error">"Your subscription could not be loaded; try again later."</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
