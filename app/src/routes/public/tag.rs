//! `/tag/<slug>/`: the published posts carrying one tag.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::archive::Archive;
use crate::components::error_page::ErrorPage;
use crate::components::loading::PageTransition;
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
                            <Archive
                                title=format!("Tagged {}", data.tag.name)
                                description=format!("Posts tagged {}.", data.tag.name)
                                base=base
                                posts=data.posts
                                empty="No published posts with this tag yet."
                            >
                                <h1 class="page-title">{format!("Tagged “{}”", data.tag.name)}</h1>
                                {about}
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
