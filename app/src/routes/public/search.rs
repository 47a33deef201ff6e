//! `/search?q=`: posts whose title or text contains every word of the query.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::components::error_page::ErrorPage;
use crate::components::loading::PageTransition;
use crate::components::page_meta::PageMeta;
use crate::components::pagination::{encode_query_value, Pagination};
use crate::components::post_list::PostList;
use crate::server_fns::posts::search_posts;

/// The search page.
#[component]
pub fn SearchView() -> impl IntoView {
    let query = use_query_map();
    let results = Resource::new(
        move || {
            let q = query.read();
            (q.get("q").unwrap_or_default(), q.get("page"))
        },
        |(q, page)| search_posts(q, page),
    );
    view! {
        <PageTransition>
            {move || {
                // Read before awaiting: the query memo may be gone once the request is cancelled.
                let q = query.read().get("q").unwrap_or_default();
                Suspend::new(async move {
                match results.await {
                    Ok(page) => {
                        let heading = if q.trim().is_empty() {
                            "Search".to_string()
                        } else {
                            format!("Results for “{}”", q.trim())
                        };
                        let summary = if q.trim().is_empty() {
                            "Type words to search titles and posts.".to_string()
                        } else {
                            match page.page.total {
                                1 => "1 post found.".to_string(),
                                n => format!("{n} posts found."),
                            }
                        };
                        view! {
                            <PageMeta
                                title=heading.clone()
                                description="Search the posts."
                                path=format!("/search?q={}", encode_query_value(q.trim()))
                            />
                            <h1 class="page-title">{heading}</h1>
                            <p class="page-count-total" role="status">{summary}</p>
                            <PostList posts=page.posts empty=""/>
                            <Pagination page=page.page base="/search" keep=vec![("q", q)]/>
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
