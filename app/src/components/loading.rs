//! What a page shows while its data is on the way.

use leptos::prelude::*;

use crate::components::context::PagePending;

/// The "Loading…" state shown while a page's data is on its way for the first time.
#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" role="status" aria-live="polite">"Loading…"</p> }
}

/// A page's data boundary: shows [`Loading`] before the first data, then keeps the current page
/// on screen while the next one loads and reports that through [`PagePending`] (the header shows
/// a progress bar).
#[component]
pub fn PageTransition(children: Children) -> impl IntoView {
    let pending = expect_context::<PagePending>().0;
    view! { <Transition fallback=Loading set_pending=pending.write_only()>{children()}</Transition> }
}
