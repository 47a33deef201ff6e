//! `/category/<slug>/`: the published posts of one category.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::archive::Archive;
use crate::components::error_page::ErrorPage;
use crate::components::loading::PageTransition;
use crate::server_fns::posts::get_category_page;

/// The category page.
#[component]
pub fn CategoryView() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                query.read().get("page"),
            )
        },
        |(slug, page)| get_category_page(slug, page),
    );
    view! {
        <PageTransition>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => {
                        let base = format!("/category/{}/", data.category.slug);
                        view! {
                            <Archive
                                title=data.category.name.clone()
                                description=format!("Posts in {}.", data.category.name)
                                base=base
                                posts=data.posts
                                empty="No published posts in this category yet."
                            >
                                <h1 class="page-title">{data.category.name}</h1>
                            </Archive>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </PageTransition>
    }
}
