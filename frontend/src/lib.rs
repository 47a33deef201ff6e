//! The browser entry point: hydrates the server-rendered page, after which in-site navigation
//! happens client-side.

/// Called by the generated JavaScript once the wasm module has loaded. Marks `<html>` with
/// `data-hydrated` when done, so tests (and styles) can tell a hydrated page from a static one.
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // `hydrate_lazy`: the admin pages are lazy routes whose code is loaded on first use.
    leptos::mount::hydrate_lazy(app::App);
    if let Some(root) = leptos::prelude::document().document_element() {
        let _ = root.set_attribute("data-hydrated", "");
    }
}
