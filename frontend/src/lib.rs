//! The browser entry point: hydrates the server-rendered page, after which in-site navigation
//! happens client-side.

/// Called by the generated JavaScript once the wasm module has loaded. Hydrates the page
/// (loading the code of a lazily loaded route first, such as the admin's pages, as Leptos'
/// `hydrate_lazy` does) and only then marks `<html>` with `data-hydrated`, so tests (and styles)
/// can tell a page that responds from a static one. (Marking it as soon as `hydrate_lazy`
/// returned was too early: that only schedules the hydration, and text typed into an admin form
/// before its code arrived was reset.)
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    wasm_bindgen_futures::spawn_local(async {
        let document = leptos::prelude::document();
        let Some(body) = document.body() else {
            return;
        };
        leptos::mount::hydrate_from_async(body, app::App)
            .await
            .forget();
        if let Some(root) = document.document_element() {
            let _ = root.set_attribute("data-hydrated", "");
        }
    });
}
