//! `/category/<slug>/`: the published posts of one category.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::error_page::ErrorPage;
use crate::components::loading::PageTransition;
use crate::components::page_meta::PageMeta;
use crate::components::pagination::Pagination;
use crate::components::post_list::PostList;
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
                            <PageMeta
                                title=data.category.name.clone()
                                description=format!("Posts in {}.", data.category.name)
                                path=base.clone()
                                feed=Some(format!("{base}feed.xml"))
                            />
                            <h1 class="page-title">{data.category.name}</h1>
                            <p class="page-count-total">{format!("{} posts", data.posts.page.total)}</p>
                            <PostList posts=data.posts.posts empty="No published posts in this category yet."/>
                            <Pagination page=data.posts.page base=base/>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </PageTransition>
    }
}
