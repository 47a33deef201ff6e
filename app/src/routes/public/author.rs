//! `/author/<username>/`: an author's published posts.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::archive::Archive;
use crate::components::error_page::ErrorPage;
use crate::components::loading::PageTransition;
use crate::server_fns::posts::get_author_page;

/// The author page.
#[component]
pub fn AuthorView() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let data = Resource::new(
        move || {
            (
                params.read().get("username").unwrap_or_default(),
                query.read().get("page"),
            )
        },
        |(username, page)| get_author_page(username, page),
    );
    view! {
        <PageTransition>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(data) => {
                        let base = format!("/author/{}/", data.author.username);
                        let bio = (!data.author.bio.is_empty()).then(|| view! { <p class="bio">{data.author.bio.clone()}</p> });
                        let avatar = data.author.avatar_url.clone().map(|src| view! {
                            <img class="avatar avatar-large" src=src alt="" width="96" height="96"/>
                        });
                        view! {
                            <Archive
                                title=data.author.display_name.clone()
                                description=format!("Posts by {}.", data.author.display_name)
                                base=base
                                posts=data.posts
                                empty="No published posts by this author yet."
                            >
                                {avatar}
                                <h1 class="page-title">{data.author.display_name}</h1>
                                {bio}
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
