//! `/search?q=&category=&tag=&page=`: the public posts matching a reader's search, the most
//! relevant first, each with the passage of its text that matched (matched words in `<mark>`),
//! narrowed by category and tag. A plain GET form, so it works without JavaScript.

use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

use crate::components::error_page::ErrorPage;
use crate::components::loading::PageTransition;
use crate::components::page_meta::PageMeta;
use crate::components::pagination::{page_href, Pagination};
use crate::components::post_list::PostItem;
use crate::model::{SearchHit, SearchResults, SnippetPart};
use crate::server_fns::posts::search_posts;

/// What the address asks for: `(q, category, tag, page)`, each `""` when absent.
type SearchParams = (String, String, String, Option<String>);

/// The search page.
#[component]
pub fn SearchView() -> impl IntoView {
    let query = use_query_map();
    let params = move || -> SearchParams {
        let q = query.read();
        (
            q.get("q").unwrap_or_default(),
            q.get("category").unwrap_or_default(),
            q.get("tag").unwrap_or_default(),
            q.get("page"),
        )
    };
    let results = Resource::new(params, |(q, category, tag, page)| {
        search_posts(q, page, Some(category), Some(tag))
    });
    view! {
        <PageTransition>
            {move || {
                // Read before awaiting: the query memo may be gone once the request is cancelled.
                let params = params();
                Suspend::new(async move {
                    match results.await {
                        Ok(found) => view! { <SearchResultsView params found/> }.into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })
            }}
        </PageTransition>
    }
}

/// The heading, the form with its filters, the hits and the pagination of one search.
#[component]
fn SearchResultsView(params: SearchParams, found: SearchResults) -> impl IntoView {
    let (q, category, tag, _) = params;
    let typed = q.trim().to_string();
    let heading = if typed.is_empty() {
        "Search".to_string()
    } else {
        format!("Results for “{typed}”")
    };
    let summary = if typed.is_empty() {
        "Type words to search titles, tags and posts.".to_string()
    } else {
        match found.page.total {
            0 => "No posts found.".to_string(),
            1 => "1 post found.".to_string(),
            n => format!("{n} posts found."),
        }
    };
    let keep = vec![
        ("q", typed.clone()),
        ("category", category.clone()),
        ("tag", tag.clone()),
    ];
    let path = page_href("/search", &keep, 1);
    let tag_filter = found.tag.clone().map(|t| {
        let without = page_href(
            "/search",
            &[("q", typed.clone()), ("category", category.clone())],
            1,
        );
        view! {
            <p class="search-filter">
                "Only posts tagged " <A href=format!("/tag/{}/", t.slug)>{t.name}</A> " · "
                <A href=without>"Search all tags"</A>
            </p>
        }
    });
    let no_results = (!typed.is_empty() && found.page.total == 0).then(|| {
        view! {
            <div class="search-help">
                <p>"Try fewer or different words. Every word must appear in a post; "
                    "words are matched with their other forms (publishing finds published)."</p>
                <ul>
                    <li><code>"\"exact phrase\""</code>" finds the words together, in that order;"</li>
                    <li><code>"asyn*"</code>" finds words starting with asyn;"</li>
                    <li><code>"-word"</code>" leaves out posts with that word."</li>
                </ul>
            </div>
        }
    });
    view! {
        <PageMeta title=heading.clone() description="Search the posts." path/>
        <h1 class="page-title">{heading}</h1>
        <Form action="/search" method="get" attr:class="search-page-form" attr:role="search">
            <label for="search-q">"Search for"</label>
            <input id="search-q" type="search" name="q" value=typed.clone() maxlength="200"/>
            <label for="search-category">"in"</label>
            <select id="search-category" name="category">
                <option value="" selected=category.is_empty()>"All categories"</option>
                {found
                    .categories
                    .iter()
                    .map(|c| {
                        let selected = c.slug == category;
                        view! { <option value=c.slug.clone() selected=selected>{c.name.clone()}</option> }
                    })
                    .collect_view()}
            </select>
            {(!tag.is_empty()).then(|| view! { <input type="hidden" name="tag" value=tag.clone()/> })}
            <button type="submit">"Search"</button>
        </Form>
        {tag_filter}
        <p class="page-count-total" role="status">{summary}</p>
        {no_results}
        {(!found.hits.is_empty()).then(|| view! {
            <ol class="post-list search-results">
                {found.hits.into_iter().map(|hit| view! { <SearchHitView hit/> }).collect_view()}
            </ol>
        })}
        <Pagination page=found.page base="/search" keep by_rank=true/>
    }
}

/// One found post: title, byline, and the matched passage (or the excerpt when there is none).
#[component]
fn SearchHitView(hit: SearchHit) -> impl IntoView {
    let SearchHit { post, snippet } = hit;
    let passage = if snippet.is_empty() {
        view! { <p class="excerpt">{post.excerpt.clone()}</p> }.into_any()
    } else {
        view! { <p class="excerpt snippet">{snippet.into_iter().map(snippet_part).collect_view()}</p> }
            .into_any()
    };
    view! { <PostItem post>{passage}</PostItem> }
}

/// A piece of a snippet as text (escaped like all text), a matched word inside `<mark>`.
fn snippet_part(part: SnippetPart) -> AnyView {
    if part.highlighted {
        view! { <mark>{part.text}</mark> }.into_any()
    } else {
        part.text.into_any()
    }
}
