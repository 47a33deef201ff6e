//! The reader's pages.

mod author;
mod category;
mod home;
mod post;
mod search;

pub use author::AuthorView;
pub use category::CategoryView;
pub use home::HomeView;
pub use post::PostView;
pub use search::SearchView;

use leptos::prelude::*;

/// The "Loading…" state shown while a page's data is on its way after a client-side navigation.
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" role="status" aria-live="polite">"Loading…"</p> }
}
