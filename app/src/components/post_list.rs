//! A list of post summaries and the byline shared with the post page.

use chrono::{DateTime, Datelike, Utc};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::model::{PostSummary, PublicUser, TagRef};

/// Formats a publication date for readers, e.g. "21 August 2026" (UTC).
///
/// Written out by hand rather than with chrono's `format`, whose strftime engine would add to
/// the browser's wasm bundle.
pub fn human_date(at: DateTime<Utc>) -> String {
    let month = crate::domain::text::month_name(at.month());
    format!("{} {month} {}", at.day(), at.year())
}

/// Author (with their avatar), date, category and tags of a post.
#[component]
pub fn PostByline(
    author: PublicUser,
    byline: Option<String>,
    published_at: DateTime<Utc>,
    category: crate::model::CategoryRef,
    #[prop(optional)] tags: Vec<TagRef>,
) -> impl IntoView {
    let author_href = format!("/author/{}/", author.username);
    let category_href = format!("/category/{}/", category.slug);
    let avatar = author.avatar_url.clone().map(|src| {
        view! { <img class="avatar" src=src alt="" width="24" height="24" loading="lazy"/> }
    });
    let who = byline.unwrap_or(author.display_name);
    view! {
        <p class="byline">
            <span>{avatar}"By " <A href=author_href attr:rel="author">{who}</A></span>
            " · "
            <time datetime=published_at.to_rfc3339()>{human_date(published_at)}</time>
            " · "
            <A href=category_href>{category.name}</A>
        </p>
        <TagList tags/>
    }
}

/// A post's tags as links to their archives (nothing when it has none).
#[component]
pub fn TagList(tags: Vec<TagRef>) -> impl IntoView {
    (!tags.is_empty()).then(|| {
        view! {
            <ul class="tags" aria-label="Tags">
                {tags
                    .into_iter()
                    .map(|tag| view! { <li><A href=format!("/tag/{}/", tag.slug) attr:rel="tag">{tag.name}</A></li> })
                    .collect_view()}
            </ul>
        }
    })
}

/// One post in a list: its linked title, its byline, then `children` (the excerpt, or the
/// passage a search matched).
#[component]
pub fn PostItem(post: PostSummary, children: Children) -> impl IntoView {
    view! {
        <li class="post-item">
            <article>
                <h2 class="post-item-title"><A href=post.path.clone()>{post.title}</A></h2>
                <PostByline
                    author=post.author
                    byline=post.byline
                    published_at=post.published_at
                    category=post.category
                    tags=post.tags
                />
                {children()}
            </article>
        </li>
    }
}

/// The posts of one page, or a message when there are none.
#[component]
pub fn PostList(posts: Vec<PostSummary>, #[prop(into)] empty: String) -> impl IntoView {
    if posts.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    view! {
        <ol class="post-list">
            {posts
                .into_iter()
                .map(|post| {
                    let excerpt = post.excerpt.clone();
                    view! { <PostItem post><p class="excerpt">{excerpt}</p></PostItem> }
                })
                .collect_view()}
        </ol>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn human_dates() {
        assert_eq!(
            human_date(Utc.with_ymd_and_hms(2026, 8, 21, 23, 0, 0).unwrap()),
            "21 August 2026"
        );
        assert_eq!(
            human_date(Utc.with_ymd_and_hms(2014, 1, 5, 0, 0, 0).unwrap()),
            "5 January 2014"
        );
    }
}
