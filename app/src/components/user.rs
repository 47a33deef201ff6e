//! The signed-in user on every page: the resource that loads them, the header's account menu,
//! and the guard of pages that need a signed-in user.

use leptos::prelude::*;
use leptos_router::components::{Redirect, A};
use leptos_router::hooks::use_location;

use crate::components::forms::CsrfField;
use crate::domain::text::encode_query_value;
use crate::error::AppError;
use crate::model::CurrentUser;
use crate::server_fns::accounts::{get_current_user, LogOut};

/// The signed-in user (or `None`), loaded with the page and again after signing in or out.
pub type UserResource = Resource<Result<Option<CurrentUser>, AppError>>;

/// Bumped after an action that changes who is signed in; [`UserResource`] then reloads.
#[derive(Debug, Clone, Copy)]
pub struct AuthRefresh(pub RwSignal<u64>);

/// Provides [`UserResource`] and [`AuthRefresh`] to the app.
pub fn provide_user() {
    let refresh = RwSignal::new(0u64);
    let user: UserResource = Resource::new(move || refresh.get(), |_| get_current_user());
    provide_context(AuthRefresh(refresh));
    provide_context(user);
}

/// Reloads the user after `action` succeeds (signing in, out, changing the profile).
pub fn refresh_user_on_success<S>(action: ServerAction<S>)
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let refresh = expect_context::<AuthRefresh>().0;
    Effect::new(move |_| {
        if matches!(action.value().get(), Some(Ok(_))) {
            refresh.update(|n| *n += 1);
        }
    });
}

/// The sign-in link for the current page: `/accounts/login/?next=<this page>`.
pub fn login_href(path: &str) -> String {
    format!("/accounts/login/?next={}", encode_query_value(path))
}

/// The header's account links: "Sign in" and "Sign up", or (staff: "Admin",) the user's name
/// and "Sign out".
#[component]
pub fn UserMenu() -> impl IntoView {
    let user = expect_context::<UserResource>();
    let location = use_location();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match user.await {
                    Ok(Some(user)) => view! {
                        {if user.role.is_staff() {
                            view! { <li><A href="/admin/">"Admin"</A></li> }.into_any()
                        } else {
                            ().into_any()
                        }}
                        <li><A href="/accounts/profile/">{user.name().to_string()}</A></li>
                        <li><LogoutButton/></li>
                    }
                    .into_any(),
                    _ => {
                        let pathname = location.pathname;
                        view! {
                            <li><a href=move || login_href(&pathname.get())>"Sign in"</a></li>
                            <li><A href="/accounts/signup/">"Sign up"</A></li>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// "Sign out": a POST form (signing out by GET would let any page sign you out).
#[component]
pub fn LogoutButton() -> impl IntoView {
    let action = ServerAction::<LogOut>::new();
    refresh_user_on_success(action);
    view! {
        <ActionForm action=action attr:class="inline-form">
            <CsrfField/>
            <button type="submit" class="link-button">"Sign out"</button>
        </ActionForm>
    }
}

/// Renders `children` with the signed-in user, or sends an anonymous visitor to the sign-in
/// page with `next` set to `path` (Django's `login_required`).
#[component]
pub fn RequireUser<F, V>(#[prop(into)] path: String, children: F) -> impl IntoView
where
    F: Fn(CurrentUser) -> V + Send + Sync + Clone + 'static,
    V: IntoView + 'static,
{
    let user = expect_context::<UserResource>();
    view! {
        <Transition fallback=crate::components::loading::Loading>
            {move || {
                let children = children.clone();
                let path = path.clone();
                Suspend::new(async move {
                    match user.await {
                        Ok(Some(user)) => children(user).into_any(),
                        Ok(None) => view! { <Redirect path=login_href(&path)/> }.into_any(),
                        Err(error) => view! { <crate::components::error_page::ErrorPage error/> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}
