//! The route table. Every page renders in `SsrMode::Async`: the server waits for the page's data
//! so the first response is complete HTML with its `<title>`, meta tags and real status code.

pub mod account;
pub mod public;

use leptos::prelude::*;
use leptos_router::components::{Route, Routes};
use leptos_router::{path, SsrMode};

use crate::components::error_page::NotFound;
use account::{
    LoginView, PasswordChangeView, PasswordResetConfirmView, PasswordResetView, ProfileView,
    SignupView, VerifiedView, VerifyEmailView,
};
use public::{AuthorView, CategoryView, HomeView, PostView, SearchView};

/// All of Folio's pages; unknown paths get [`NotFound`] with status 404.
#[component]
pub fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <NotFound/> }>
            <Route path=path!("/") view=HomeView ssr=SsrMode::Async/>
            <Route path=path!("/search") view=SearchView ssr=SsrMode::Async/>
            <Route path=path!("/category/:slug/") view=CategoryView ssr=SsrMode::Async/>
            <Route path=path!("/author/:username/") view=AuthorView ssr=SsrMode::Async/>
            <Route path=path!("/:year/:month/:day/:slug/") view=PostView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/login/") view=LoginView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/signup/") view=SignupView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/profile/") view=ProfileView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/password/change/") view=PasswordChangeView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/password/reset/") view=PasswordResetView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/reset/:token/") view=PasswordResetConfirmView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/verify/:token/") view=VerifyEmailView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/verified/") view=VerifiedView ssr=SsrMode::Async/>
        </Routes>
    }
}
