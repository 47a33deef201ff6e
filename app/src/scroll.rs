//! Scroll restoration for Back and Forward after client-side navigation.
//!
//! Browsers restore the scroll position themselves on history navigation, but they do it at once,
//! while the previous page is still on screen and the next one's data is loading, so the list a
//! reader returns to would start at the top. Folio takes this over (`history.scrollRestoration =
//! "manual"`): it remembers the scroll position of every URL it leaves and, after a Back or
//! Forward, restores it once that page has rendered (no "Loading…" state, no pending transition,
//! the new page has replaced the old one, and it is tall enough). On a slow connection that can
//! take a while: Folio waits up to ten seconds, unless the reader scrolls, clicks, types or touches the
//! page first (then their position wins). Links still start new pages at the top (the router
//! does that).

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

    /// How long to wait for the page to render, in milliseconds (slow phones on slow networks
    /// take seconds; a restore made while the old page or the loading state is shown would be
    /// clamped to the top and lost).
    const RESTORE_DEADLINE_MS: f64 = 10_000.0;

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
        // Counts the reader's own wheel turns, pointer presses (mouse, touch, pen: clicks and
        // scrollbar drags), key presses and history steps: a restore still
        // running when the reader acts or moves on is abandoned.
        let interactions = StoredValue::new(0u64);
        let bump = move || interactions.update_value(|n| *n += 1);
        let wheel = window_event_listener(leptos::ev::wheel, move |_| bump());
        let pointer = window_event_listener(leptos::ev::pointerdown, move |_| bump());
        let key = window_event_listener(leptos::ev::keydown, move |_| bump());
        // Every scroll is recorded under the URL shown at that moment. The router changes the URL
        // before it scrolls a new page to the top, so that scroll is recorded for the new page.
        // `shown` remembers that URL: at a Back or Forward the address bar already shows the next
        // one.
        let shown = StoredValue::new(current_key());
        let scroll = window_event_listener(leptos::ev::scroll, move |_| {
            let y = window().scroll_y().unwrap_or(0.0);
            let key = current_key();
            positions.update_value(|map| {
                map.insert(key.clone(), y);
            });
            shown.set_value(key);
        });
        // Installed before the router's own listener, so this runs while the page being left is
        // still on screen.
        let popstate = window_event_listener(leptos::ev::popstate, move |_| {
            // Scroll events arrive a frame late: a reader who scrolls and goes Back within one
            // frame would lose the last position. Record it now, under the page being left.
            let left_at = window().scroll_y().unwrap_or(0.0);
            positions.update_value(|map| {
                map.insert(shown.get_value(), left_at);
            });
            shown.set_value(current_key());
            // A restore still running for the previous history step must stop: it would scroll
            // this page to that page's position.
            bump();
            if let Some(y) = positions.with_value(|map| map.get(&current_key()).copied()) {
                let deadline = Date::now() + RESTORE_DEADLINE_MS;
                // Give the router a frame to start loading the page before judging whether it is ready.
                // The page being left: restoring on it would be undone when the new one renders.
                let old = first_in_main();
                let watch = Watch {
                    y,
                    deadline,
                    pending,
                    old,
                    interactions,
                    seen: interactions.get_value(),
                };
                request_animation_frame(move || restore_when_ready(watch, 0));
            }
        });
        on_cleanup(move || {
            scroll.remove();
            popstate.remove();
            wheel.remove();
            pointer.remove();
            key.remove();
        });
    }

    fn first_in_main() -> Option<Element> {
        document().query_selector("main > *").ok().flatten()
    }

    /// Whether the page has settled: the new page replaced the old one and nothing is loading.
    fn settled(pending: RwSignal<bool>, old: &Option<Element>) -> bool {
        let swapped = match (old, first_in_main()) {
            (Some(old), Some(now)) => !old.is_same_node(Some(&now)),
            _ => true,
        };
        let loading = document()
            .query_selector("main .loading")
            .ok()
            .flatten()
            .is_some();
        swapped && !loading && !pending.get_untracked()
    }

    /// Whether the page has settled and is tall enough to scroll to `y`.
    fn page_ready(y: f64, pending: RwSignal<bool>, old: &Option<Element>) -> bool {
        let height = document()
            .document_element()
            .map(|e| f64::from(e.scroll_height()))
            .unwrap_or(0.0);
        let viewport = window()
            .inner_height()
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0);
        settled(pending, old) && height >= y + viewport
    }

    /// Frames the page must stay ready after a restore before Folio stops watching it.
    const STABLE_FRAMES: u32 = 10;

    /// One restore in progress.
    struct Watch {
        /// The position to restore.
        y: f64,
        /// When to give up (`Date.now()` milliseconds).
        deadline: f64,
        /// Whether a page transition is loading.
        pending: RwSignal<bool>,
        /// The first element of the page being left.
        old: Option<Element>,
        /// The count of interactions and history steps, and its value when the restore began.
        interactions: StoredValue<u64>,
        seen: u64,
    }

    /// Restores `y` once the page is ready, then keeps watching for a few frames: right after a
    /// Back or Forward, the old page can still look ready for a frame before the router swaps in
    /// the new one (short while loading, which clamps the scroll to 0), so a restore made then is
    /// made again once the new page is ready. Stops when the reader acts or at the deadline.
    fn restore_when_ready(watch: Watch, stable: u32) {
        if watch.interactions.get_value() != watch.seen {
            return;
        }
        if Date::now() > watch.deadline {
            // The page never grew tall enough (it changed since): go as far down as it goes.
            if settled(watch.pending, &watch.old) {
                window().scroll_to_with_x_and_y(0.0, watch.y);
            }
            return;
        }
        let next_stable = if page_ready(watch.y, watch.pending, &watch.old) {
            if (window().scroll_y().unwrap_or(0.0) - watch.y).abs() > 1.0 {
                window().scroll_to_with_x_and_y(0.0, watch.y);
            }
            stable + 1
        } else {
            0
        };
        if next_stable >= STABLE_FRAMES {
            return;
        }
        request_animation_frame(move || restore_when_ready(watch, next_stable));
    }
}
