//! `/<slug>/`: a static page (About, Contact...).

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::error_page::ErrorPage;
use crate::components::loading::PageTransition;
use crate::components::post_article::PostArticle;
use crate::server_fns::posts::get_static_page;

/// The static page.
#[component]
pub fn StaticPageView() -> impl IntoView {
    let params = use_params_map();
    let page = Resource::new(
        move || params.read().get("slug").unwrap_or_default(),
        get_static_page,
    );
    view! {
        <PageTransition>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(post) => view! { <PostArticle post/> }.into_any(),
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </PageTransition>
    }
}
