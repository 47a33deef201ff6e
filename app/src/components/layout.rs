//! The frame around every page: header with navigation and search, footer.

use leptos::prelude::*;
use leptos_router::components::{Form, A};

use crate::components::context::{NavResource, PagePending, SiteResource};
use crate::components::user::UserMenu;

/// The header: site name (home link), navigation and a search form that works without JavaScript.
#[component]
pub fn SiteHeader() -> impl IntoView {
    let site = expect_context::<SiteResource>();
    let nav = expect_context::<NavResource>();
    let pending = expect_context::<PagePending>().0;
    view! {
        <div class="route-progress" role="progressbar" aria-label="Loading the page" hidden=move || !pending.get()></div>
        <header class="site-header">
            <div class="wrap header-row">
                <A href="/" attr:class="site-title">
                    <Suspense fallback=|| "Folio">
                        {move || Suspend::new(async move {
                            site.await.map(|s| s.title).unwrap_or_else(|_| "Folio".to_string())
                        })}
                    </Suspense>
                </A>
                <nav aria-label="Site">
                    <ul class="nav-links">
                        <li><A href="/">"Posts"</A></li>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                nav.await
                                    .map(|n| n.pages)
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|(title, path)| view! { <li><A href=path>{title}</A></li> })
                                    .collect_view()
                            })}
                        </Suspense>
                        <li><a href="/feed.xml">"Feed"</a></li>
                        <UserMenu/>
                    </ul>
                </nav>
                <Form action="/search" method="get" attr:class="search-form" attr:role="search">
                    <label class="visually-hidden" for="site-search">"Search posts"</label>
                    <input id="site-search" type="search" name="q" placeholder="Search…" maxlength="200"/>
                    <button type="submit">"Search"</button>
                </Form>
            </div>
        </header>
    }
}

/// The footer: the categories with their post counts, subscribing by email, the feed and the
/// sitemap.
#[component]
pub fn SiteFooter() -> impl IntoView {
    let nav = expect_context::<NavResource>();
    view! {
        <footer class="site-footer">
            <div class="wrap">
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        let categories = nav.await.map(|n| n.categories).unwrap_or_default();
                        (!categories.is_empty()).then(|| view! {
                            <nav class="category-list" aria-label="Categories">
                                <h2>"Categories"</h2>
                                <ul>
                                    {categories.into_iter().map(|(name, slug, count)| view! {
                                        <li>
                                            <A href=format!("/category/{slug}/")>{name}</A>
                                            <span class="count">{format!(" ({count})")}</span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </nav>
                        })
                    })}
                </Suspense>
                <p>"Published with Folio · " <a href="/newsletter/">"New posts by email"</a> " · " <a href="/feed.xml">"Atom feed"</a> " · " <a href="/sitemap.xml">"Sitemap"</a></p>
            </div>
        </footer>
    }
}
