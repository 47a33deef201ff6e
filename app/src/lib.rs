//! Folio's shared application: the pages (rendered on the server, hydrated in the browser),
//! the server functions they call, and the domain and wire types both sides use.
//!
//! Server-only code lives under [`ssr`] (feature `ssr`); the browser build (feature `hydrate`)
//! gets the same components and server-function client stubs.

#![recursion_limit = "256"]

pub mod assets;
pub mod components;
pub mod domain;
pub mod error;
pub mod model;
pub mod routes;
pub mod scroll;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags};
use leptos_router::components::Router;

use crate::components::layout::{SiteFooter, SiteHeader};
use crate::routes::AppRoutes;

/// The HTML document around the app, rendered on the server only.
///
/// `options` tells where the wasm bundle is served (`/pkg/folio.*`, hashed names when the build
/// has them); the stylesheet's address comes from the [`assets::SiteAssets`] in context (the
/// plain `/pkg/folio.css` without one).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let stylesheet = use_context::<assets::SiteAssets>()
        .unwrap_or_default()
        .stylesheet;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="stylesheet" id="leptos" href=stylesheet.to_string()/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="alternate" href="/feed.xml" type="application/atom+xml" title="Atom feed"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The application: header, the routed page, footer.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let site = OnceResource::new(server_fns::site::get_site_info());
    provide_context(site);
    let nav: components::context::NavResource = OnceResource::new(server_fns::site::get_site_nav());
    provide_context(nav);
    let pending = RwSignal::new(false);
    provide_context(components::context::PagePending(pending));
    components::user::provide_user();
    #[cfg(feature = "ssr")]
    provide_context(components::forms::CsrfSlot::default());
    scroll::restore_scroll_on_history_navigation(pending);
    view! {
        <Router>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <SiteHeader/>
            <main id="main" tabindex="-1">
                <AppRoutes/>
            </main>
            <SiteFooter/>
        </Router>
    }
}
