//! The route table. Every page renders in `SsrMode::Async`: the server waits for the page's data
//! so the first response is complete HTML with its `<title>`, meta tags and real status code.

/// Declares a lazy route: the page's code (and everything only it uses) goes into a separate
/// wasm chunk that the browser loads when such a page is first opened, so a reader of posts
/// never downloads the admin, the account pages or the newsletter forms (cargo-leptos
/// `--split`, Leptos lazy routes). Callers bring `leptos::prelude::*` and
/// `leptos_router::{lazy_route, LazyRoute}` into scope.
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
    LoginRoute, PasswordChangeRoute, PasswordResetConfirmRoute, PasswordResetRoute, ProfileRoute,
    SignupRoute, VerifiedRoute, VerifyEmailRoute,
};
use admin::{
    AddRoute, AdminIndexRoute, ChangeListRoute, ChangeRoute, DeleteRoute, EditorRoute,
    HistoryRoute, MediaRoute, PreviewRoute,
};
use leptos_router::Lazy;
use newsletter::{ConfirmSubscriptionRoute, NewsletterRoute, UnsubscribeRoute};
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
            <Route path=path!("/newsletter/") view={Lazy::<NewsletterRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/newsletter/confirm/:token/") view={Lazy::<ConfirmSubscriptionRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/newsletter/unsubscribe/:id/:signature/") view={Lazy::<UnsubscribeRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/:year/:month/:day/:slug/") view=PostView ssr=SsrMode::Async/>
            <Route path=path!("/accounts/login/") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/accounts/signup/") view={Lazy::<SignupRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/accounts/profile/") view={Lazy::<ProfileRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/accounts/password/change/") view={Lazy::<PasswordChangeRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/accounts/password/reset/") view={Lazy::<PasswordResetRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/accounts/reset/:token/") view={Lazy::<PasswordResetConfirmRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/accounts/verify/:token/") view={Lazy::<VerifyEmailRoute>::new()} ssr=SsrMode::Async/>
            <Route path=path!("/accounts/verified/") view={Lazy::<VerifiedRoute>::new()} ssr=SsrMode::Async/>
            // Static pages: one segment, tried after every route of Folio's own (pages cannot
            // take those addresses, see `domain::kind::RESERVED_PAGE_SLUGS`).
            <Route path=path!("/:slug/") view=StaticPageView ssr=SsrMode::Async/>
        </Routes>
    }
}
