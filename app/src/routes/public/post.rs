//! `/<yyyy>/<mm>/<dd>/<slug>/`: one post.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::PageTransition;
use crate::components::comments::Comments;
use crate::components::error_page::ErrorPage;
use crate::components::page_meta::PageMeta;
use crate::components::post_list::PostByline;
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
                        let minutes = format!("{} min read", post.reading_minutes);
                        view! {
                            <PageMeta
                                title=post.summary.title.clone()
                                description=post.description.clone()
                                path=post.summary.path.clone()
                                og_type="article"
                            />
                            <article class="post">
                                <header class="post-header">
                                    <h1>{post.summary.title.clone()}</h1>
                                    <PostByline
                                        author=post.summary.author.clone()
                                        byline=post.summary.byline.clone()
                                        published_at=post.summary.published_at
                                        category=post.summary.category.clone()
                                    />
                                    <p class="reading-time">{minutes}</p>
                                </header>
                                <div class="post-body" inner_html=post.body_html></div>
                            </article>
                            <Comments post_id=post.summary.id path=post.summary.path.clone()/>
                        }
                        .into_any()
                    }
                    Err(error) => view! { <ErrorPage error/> }.into_any(),
                }
            })}
        </PageTransition>
    }
}
