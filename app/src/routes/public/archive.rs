//! What the archive pages (category, tag, author) have in common below their heading.

use leptos::prelude::*;

use crate::components::page_meta::PageMeta;
use crate::components::pagination::Pagination;
use crate::components::post_list::PostList;
use crate::model::PostPage;

/// An archive page's body: its metadata (with the archive's own Atom feed at
/// `<base>feed.xml`), the heading given as children, the number of posts, one page of them and
/// the pagination.
///
/// `base` is the archive's path (`/tag/rust/`), `title` and `description` its `<title>` and meta
/// description, `empty` the message shown when it has no posts.
#[component]
pub(super) fn Archive(
    base: String,
    title: String,
    description: String,
    posts: PostPage,
    empty: &'static str,
    children: Children,
) -> impl IntoView {
    view! {
        <PageMeta
            title=title
            description=description
            path=base.clone()
            feed=Some(format!("{base}feed.xml"))
        />
        {children()}
        <p class="page-count-total">{format!("{} posts", posts.page.total)}</p>
        <PostList posts=posts.posts empty=empty/>
        <Pagination page=posts.page base=base/>
    }
}
