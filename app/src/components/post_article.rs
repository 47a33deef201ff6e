//! A post as readers see it: title, byline, reading time and body. The post page and the
//! staff-only preview render the same component, so the preview is exact.

use leptos::prelude::*;

use crate::components::page_meta::PageMeta;
use crate::components::post_list::PostByline;
use crate::model::PostDetail;

/// The post's `<article>` and its page metadata.
#[component]
pub fn PostArticle(post: PostDetail) -> impl IntoView {
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
    }
}
