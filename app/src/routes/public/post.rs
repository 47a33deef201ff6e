//! `/<yyyy>/<mm>/<dd>/<slug>/`: one post.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::components::comments::Comments;
use crate::components::error_page::ErrorPage;
use crate::components::loading::PageTransition;
use crate::components::post_article::PostArticle;
use crate::routes::newsletter::SubscribeBox;
use crate::server_fns::posts::view_post;

/// The post page.
#[component]
pub fn PostView() -> impl IntoView {
    let params = use_params_map();
    let post = Resource::new(
        move || {
            let p = params.read();
            (
                p.get("year").unwrap_or_default(),
                p.get("month").unwrap_or_default(),
                p.get("day").unwrap_or_default(),
                p.get("slug").unwrap_or_default(),
            )
        },
        |(year, month, day, slug)| view_post(year, month, day, slug),
    );
    view! {
        <PageTransition>
            {move || Suspend::new(async move {
                match post.await {
                    Ok(post) => {
                        let id = post.summary.id;
                        let path = post.summary.path.clone();
                        view! {
                            <PostArticle post/>
                            <SubscribeBox/>
                            <Comments post_id=id path/>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </PageTransition>
    }
}
