//! A post as readers see it: title, byline, reading time and body. The post page and the
//! staff-only preview render the same component, so the preview is exact.

use leptos::prelude::*;

use crate::components::page_meta::PageMeta;
use crate::components::post_list::PostByline;
use crate::domain::PostKind;
use crate::model::PostDetail;

/// The post's `<article>` and its page metadata.
#[component]
pub fn PostArticle(post: PostDetail) -> impl IntoView {
    let minutes = format!("{} min read", post.reading_minutes);
    let image_path = post.featured_image.as_ref().map(|i| i.src.clone());
    // Decorative (empty alt): the title right under it says what the post is about.
    let featured = post.featured_image.map(|image| {
        view! {
            <img
                class="post-featured-image"
                src=image.src
                srcset=(!image.srcset.is_empty()).then_some(image.srcset)
                sizes=image.sizes
                width=image.width.to_string()
                height=image.height.to_string()
                alt=""
            />
        }
    });
    view! {
        <PageMeta
            title=post.summary.title.clone()
            description=post.description.clone()
            path=post.summary.path.clone()
            og_type="article"
            image=image_path
        />
        <article class="post">
            {featured}
            <header class="post-header">
                <h1>{post.summary.title.clone()}</h1>
                {(post.summary.kind == PostKind::Post).then(|| view! {
                    <PostByline
                        author=post.summary.author.clone()
                        byline=post.summary.byline.clone()
                        published_at=post.summary.published_at
                        category=post.summary.category.clone()
                        tags=post.summary.tags.clone()
                    />
                    <p class="reading-time">{minutes}</p>
                })}
            </header>
            <div class="post-body" inner_html=post.body_html></div>
        </article>
    }
}
