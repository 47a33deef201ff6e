//! `/tag/<slug>/`: the published posts carrying one tag.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::error_page::ErrorPage;
use crate::components::loading::PageTransition;
use crate::components::page_meta::PageMeta;
use crate::components::pagination::Pagination;
use crate::components::post_list::PostList;
use crate::server_fns::posts::get_tag_page;

/// The tag page.
#[component]
pub fn TagView() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.read().get("slug").unwrap_or_default(),
                query.read().get("page"),
            )
        },
        |(slug, page)| get_tag_page(slug, page),
    );
    view! {
        <PageTransition>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => {
                        let base = format!("/tag/{}/", data.tag.slug);
                        let about = (!data.description.is_empty())
                            .then(|| view! { <p class="tag-description">{data.description.clone()}</p> });
                        view! {
                            <PageMeta
                                title=format!("Tagged {}", data.tag.name)
                                description=format!("Posts tagged {}.", data.tag.name)
                                path=base.clone()
                                feed=Some(format!("{base}feed.xml"))
                            />
                            <h1 class="page-title">{format!("Tagged “{}”", data.tag.name)}</h1>
                            {about}
                            <p class="page-count-total">{format!("{} posts", data.posts.page.total)}</p>
                            <PostList posts=data.posts.posts empty="No published posts with this tag yet."/>
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
