//! The route table. Every page renders in `SsrMode::Async`: the server waits for the page's data
//! so the first response is complete HTML with its `<title>`, meta tags and real status code.

/// Declares a lazy route: the page's code (and everything only it uses) goes into a separate
/// wasm chunk that the browser loads when such a page is first opened, so a reader of posts
/// never downloads the admin (cargo-leptos `--split`, Leptos lazy routes). Callers bring
/// `leptos::prelude::*` and `leptos_router::{lazy_route, LazyRoute}` into scope.
///
/// Only for pages without [`PageMeta`](crate::components::page_meta::PageMeta): with
/// `leptos_meta` tags inside a lazy route, hydration failed now and then in the browser tests
/// under load ("expected a marker node" at a `<Meta>`), so the account and newsletter pages,
/// which have their own titles and descriptions, stay in the main bundle.
macro_rules! lazy_page {
    ($route:ident, $view:ident) => {
        #[doc = concat!("The lazily loaded route of [`", stringify!($view), "`].")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(this: Self) -> AnyView {
                let _ = this;
                view! { <$view/> }.into_any()
            }
        }
    };
}

pub mod account;
pub mod admin;
pub mod newsletter;
pub mod public;

use leptos::prelude::*;
use leptos_router::components::{Route, Routes};
use leptos_router::{path, SsrMode};

use crate::components::error_page::NotFound;
use account::{
    LoginView, PasswordChangeView, PasswordResetConfirmView, PasswordResetView, ProfileView,
    SignupView, VerifiedView, VerifyEmailView,
};
use admin::{
    AddRoute, AdminIndexRoute, ChangeListRoute, ChangeRoute, DeleteRoute, EditorRoute,
    HistoryRoute, MediaRoute, PreviewRoute,
};
use leptos_router::Lazy;
use newsletter::{ConfirmSubscriptionView, NewsletterView, UnsubscribeView};
use public::{AuthorView, CategoryView, HomeView, PostView, SearchView, StaticPageView, TagView};

/// All of Folio's pages; unknown paths get [`NotFound`] with status 404.
#[component]
pub fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=|| view! { <NotFound/> }>
            <Route path=path!("/") view=HomeView ssr=SsrMode::Async/>
            <Route path=path!("/search") view=SearchView ssr=SsrMode::Async/>
            <Route path=path!("/category/:slug/") view=CategoryView ssr=SsrMode::Async/>
            <Route path=path!("/author/:username/") view=AuthorView ssr=SsrMode::Async/>
            <Route path=path!("/tag/:slug/") view=TagView ssr=SsrMode::Async/>
            // Before the post route: its four segments would also match `/admin/<model>/<id>/delete/`.
            <Route path=path!("/admin/") view={Lazy::<AdminIndexRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/media/") view={Lazy::<MediaRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/:model/") view={Lazy::<ChangeListRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/:model/add/") view={Lazy::<AddRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/:model/:id/") view={Lazy::<ChangeRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/posts/:id/edit/") view={Lazy::<EditorRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/posts/:id/preview/") view={Lazy::<PreviewRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/:model/:id/delete/") view={Lazy::<DeleteRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/admin/:model/:id/history/") view={Lazy::<HistoryRoute>::new()} ssr=SsrMode::Async/>
            // Before the post route too: an unsubscribe link has four segments.
            <Route path=path!("/newsletter/") view=NewsletterView ssr=SsrMode::Async/>
            <Route path=path!("/newsletter/confirm/:token/") view=ConfirmSubscriptionView ssr=SsrMode::Async/>
            <Route path=path!("/newsletter/unsubscribe/:id/:signature/") view=UnsubscribeView ssr=SsrMode::Async/>
            <Route path=path!("/:year/:month/:day/:slug/") view=PostView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/login/") view=LoginView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/signup/") view=SignupView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/profile/") view=ProfileView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/password/change/") view=PasswordChangeView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/password/reset/") view=PasswordResetView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/reset/:token/") view=PasswordResetConfirmView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/verify/:token/") view=VerifyEmailView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/verified/") view=VerifiedView ssr=SsrMode::Async/>
            // Static pages: one segment, tried after every route of Folio's own (pages cannot
            // take those addresses, see `domain::kind::RESERVED_PAGE_SLUGS`).
            <Route path=path!("/:slug/") view=StaticPageView ssr=SsrMode::Async/>
        </Routes>
    }
}
