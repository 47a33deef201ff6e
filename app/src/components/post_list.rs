//! A list of post summaries and the byline shared with the post page.

use chrono::{DateTime, Datelike, Utc};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::model::{PostSummary, PublicUser};

/// Formats a publication date for readers, e.g. "21 August 2026" (UTC).
///
/// Written out by hand rather than with chrono's `format`, whose strftime engine would add to
/// the browser's wasm bundle.
pub fn human_date(at: DateTime<Utc>) -> String {
    let month = crate::domain::text::month_name(at.month());
    format!("{} {month} {}", at.day(), at.year())
}

/// Author, date and category of a post.
#[component]
pub fn PostByline(
    author: PublicUser,
    byline: Option<String>,
    published_at: DateTime<Utc>,
    category: crate::model::CategoryRef,
) -> impl IntoView {
    let author_href = format!("/author/{}/", author.username);
    let category_href = format!("/category/{}/", category.slug);
    let who = byline.unwrap_or(author.display_name);
    view! {
        <p class="byline">
            <span>"By " <A href=author_href attr:rel="author">{who}</A></span>
            " · "
            <time datetime=published_at.to_rfc3339()>{human_date(published_at)}</time>
            " · "
            <A href=category_href>{category.name}</A>
        </p>
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
                    view! {
                        <li class="post-item">
                            <article>
                                <h2 class="post-item-title"><A href=post.path.clone()>{post.title}</A></h2>
                                <PostByline
                                    author=post.author
                                    byline=post.byline
                                    published_at=post.published_at
                                    category=post.category
                                />
                                <p class="excerpt">{post.excerpt}</p>
                            </article>
                        </li>
                    }
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
