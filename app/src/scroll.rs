//! Scroll restoration for Back and Forward after client-side navigation.
//!
//! Browsers restore the scroll position themselves on history navigation, but they do it at once,
//! while the previous page is still on screen and the next one's data is loading, so the list a
//! reader returns to would start at the top. Folio takes this over (`history.scrollRestoration =
//! "manual"`): it remembers the scroll position of every URL it leaves and, after a Back or
//! Forward, restores it once that page has rendered (no "Loading…" state, no pending transition,
//! the new page has replaced the old one, and it is tall enough), giving up after two seconds. Links still start new pages at the
//! top (the router does that).

use leptos::prelude::*;

/// Installs the scroll restoration (in the browser only; does nothing during server rendering).
///
/// `pending` is the signal the page transitions set while the next page's data loads.
pub fn restore_scroll_on_history_navigation(pending: RwSignal<bool>) {
    #[cfg(feature = "hydrate")]
    browser::install(pending);
    #[cfg(not(feature = "hydrate"))]
    let _ = pending;
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::collections::HashMap;

    use leptos::prelude::*;
    use leptos::web_sys::js_sys::{Date, Reflect};
    use leptos::web_sys::Element;

    /// How long to wait for the page to render before scrolling anyway, in milliseconds.
    const RESTORE_DEADLINE_MS: f64 = 2000.0;

    fn current_key() -> String {
        let location = window().location();
        format!(
            "{}{}",
            location.pathname().unwrap_or_default(),
            location.search().unwrap_or_default()
        )
    }

    pub(super) fn install(pending: RwSignal<bool>) {
        let win = window();
        if let Ok(history) = Reflect::get(&win, &"history".into()) {
            let _ = Reflect::set(&history, &"scrollRestoration".into(), &"manual".into());
        }
        let positions = StoredValue::new(HashMap::<String, f64>::new());
        // Every scroll is recorded under the URL shown at that moment. The router changes the URL
        // before it scrolls a new page to the top, so that scroll is recorded for the new page.
        let scroll = window_event_listener(leptos::ev::scroll, move |_| {
            let y = window().scroll_y().unwrap_or(0.0);
            positions.update_value(|map| {
                map.insert(current_key(), y);
            });
        });
        let popstate = window_event_listener(leptos::ev::popstate, move |_| {
            if let Some(y) = positions.with_value(|map| map.get(&current_key()).copied()) {
                let deadline = Date::now() + RESTORE_DEADLINE_MS;
                // Give the router a frame to start loading the page before judging whether it is ready.
                // The page being left: restoring on it would be undone when the new one renders.
                let old = first_in_main();
                request_animation_frame(move || restore_when_ready(y, deadline, pending, old, 0));
            }
        });
        on_cleanup(move || {
            scroll.remove();
            popstate.remove();
        });
    }

    fn first_in_main() -> Option<Element> {
        document().query_selector("main > *").ok().flatten()
    }

    fn page_ready(y: f64, pending: RwSignal<bool>, old: &Option<Element>) -> bool {
        let document = document();
        let swapped = match (old, first_in_main()) {
            (Some(old), Some(now)) => !old.is_same_node(Some(&now)),
            _ => true,
        };
        let loading = document
            .query_selector("main .loading")
            .ok()
            .flatten()
            .is_some();
        let height = document
            .document_element()
            .map(|e| f64::from(e.scroll_height()))
            .unwrap_or(0.0);
        let viewport = window()
            .inner_height()
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0);
        swapped && !loading && !pending.get_untracked() && height >= y + viewport
    }

    /// Frames the page must stay ready after a restore before Folio stops watching it.
    const STABLE_FRAMES: u32 = 10;

    /// Restores `y` once the page is ready, then keeps watching for a few frames: right after a
    /// Back or Forward, the old page can still look ready for a frame before the router swaps in
    /// the new one (short while loading, which clamps the scroll to 0), so a restore made then is
    /// made again once the new page is ready.
    fn restore_when_ready(
        y: f64,
        deadline: f64,
        pending: RwSignal<bool>,
        old: Option<Element>,
        stable: u32,
    ) {
        let past_deadline = Date::now() > deadline;
        let ready = page_ready(y, pending, &old);
        let next_stable = if ready {
            if (window().scroll_y().unwrap_or(0.0) - y).abs() > 1.0 || past_deadline {
                window().scroll_to_with_x_and_y(0.0, y);
            }
            stable + 1
        } else {
            0
        };
        if past_deadline || next_stable >= STABLE_FRAMES {
            return;
        }
        request_animation_frame(move || restore_when_ready(y, deadline, pending, old, next_stable));
    }
}
