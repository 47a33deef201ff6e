//! `/`: the latest published posts, `?page=N`, `?category=<slug>`.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::error_page::ErrorPage;
use crate::components::loading::PageTransition;
use crate::components::page_meta::PageMeta;
use crate::components::pagination::Pagination;
use crate::components::post_list::PostList;
use crate::server_fns::posts::list_posts;

/// The home page.
#[component]
pub fn HomeView() -> impl IntoView {
    let query = use_query_map();
    let posts = Resource::new(
        move || {
            let q = query.read();
            (q.get("page"), q.get("category"))
        },
        |(page, category)| list_posts(page, category),
    );
    view! {
        <PageTransition>
            {move || {
                let category = query.read().get("category").unwrap_or_default();
                Suspend::new(async move {
                match posts.await {
                    Ok(home) => {
                        let page = home.posts;
                        let path = if page.page.number > 1 { format!("/?page={}", page.page.number) } else { "/".to_string() };
                        let heading = match &home.category {
                            None => "Latest posts".to_string(),
                            Some(c) => format!("Posts in {}", c.name),
                        };
                        view! {
                            <PageMeta description="The latest posts." path=path/>
                            <h1 class="page-title">{heading}</h1>
                            <PostList posts=page.posts empty="No posts have been published yet."/>
                            <Pagination page=page.page base="/" keep=vec![("category", category)]/>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })
            }}
        </PageTransition>
    }
}
