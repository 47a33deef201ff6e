//! The bridge to the editor engine: TipTap, bundled by esbuild into
//! `/editor/folio-editor.js` (source: `editor/folio-editor.js`), loaded on the first editor
//! page and driven through its global `FolioEditor` with wasm-bindgen.
//!
//! On the server there is no engine: the page renders the stored body as static HTML, and
//! [`Engine`]'s methods do nothing until the browser mounts the real editor.

use serde::Deserialize;

/// The script's URL (cargo-leptos copies `public/` into the site root).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub const SCRIPT_URL: &str = "/editor/folio-editor.js";

/// What the toolbar shows, as the engine reports it after every change of selection or content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ToolbarState {
    /// Active marks and blocks: `bold`, `italic`, `strike`, `code`, `link`, `h2`, `h3`, `h4`,
    /// `codeBlock`, `blockquote`, `bulletList`, `orderedList`.
    pub active: Vec<String>,
    /// The link's URL when the selection is in a link.
    pub link: Option<String>,
    /// The code block's language when the selection is in a code block.
    pub language: Option<String>,
    /// Whether there is something to undo.
    pub can_undo: bool,
    /// Whether there is something to redo.
    pub can_redo: bool,
    /// The document's plain text (for the word count).
    pub text: String,
}

impl ToolbarState {
    /// Whether `name` (a mark or block, as in [`ToolbarState::active`]) is active.
    pub fn is_active(&self, name: &str) -> bool {
        self.active.iter().any(|a| a == name)
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use std::cell::RefCell;
    use std::rc::Rc;

    use leptos::wasm_bindgen::prelude::*;
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys;
    use leptos::web_sys::js_sys;

    #[wasm_bindgen]
    extern "C" {
        /// A mounted TipTap editor (`FolioEditorHandle` in the script).
        pub type Handle;

        #[wasm_bindgen(js_namespace = FolioEditor, js_name = mount)]
        fn mount_js(
            element: &web_sys::Element,
            html: &str,
            on_change: &js_sys::Function,
            on_state: &js_sys::Function,
        ) -> Handle;

        #[wasm_bindgen(method, js_name = setHtml)]
        fn set_html(this: &Handle, html: &str);

        #[wasm_bindgen(method)]
        fn run(this: &Handle, command: &str, arg: &str) -> bool;

        #[wasm_bindgen(method)]
        fn destroy(this: &Handle);
    }

    thread_local! {
        /// The script's loading, shared by every editor opened in this page's life.
        static LOADING: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
    }

    /// Loads the engine's script once.
    async fn load_script() -> Result<(), String> {
        let window = web_sys::window().ok_or("no window")?;
        if js_sys::Reflect::has(&window, &JsValue::from_str("FolioEditor")).unwrap_or(false) {
            return Ok(());
        }
        let promise = LOADING.with(|loading| {
            loading
                .borrow_mut()
                .get_or_insert_with(|| {
                    js_sys::Promise::new(&mut |resolve, reject| {
                        let appended = window
                            .document()
                            .and_then(|d| Some((d.create_element("script").ok()?, d.head()?)))
                            .and_then(|(script, head)| {
                                let script: web_sys::HtmlScriptElement = script.dyn_into().ok()?;
                                script.set_src(super::SCRIPT_URL);
                                script.set_onload(Some(&resolve));
                                script.set_onerror(Some(&reject));
                                head.append_child(&script).ok()
                            });
                        if appended.is_none() {
                            let _ = reject.call1(&JsValue::NULL, &JsValue::from_str("no document"));
                        }
                    })
                })
                .clone()
        });
        let result = wasm_bindgen_futures::JsFuture::from(promise).await;
        if result.is_err() {
            // A later editor page tries again (e.g. after the network came back).
            LOADING.with(|loading| loading.borrow_mut().take());
        }
        result
            .map(|_| ())
            .map_err(|_| "the editor's script could not be loaded".to_string())
    }

    /// A mounted engine and the callbacks it calls (kept alive as long as it is).
    pub struct Mounted {
        handle: Handle,
        _on_change: Closure<dyn FnMut(String)>,
        _on_state: Closure<dyn FnMut(String)>,
    }

    impl Drop for Mounted {
        fn drop(&mut self) {
            self.handle.destroy();
        }
    }

    /// Loads the script and mounts an editor in `element` (whose content is replaced).
    pub async fn mount(
        element: web_sys::Element,
        html: String,
        on_change: impl FnMut(String) + 'static,
        on_state: impl FnMut(String) + 'static,
    ) -> Result<Rc<Mounted>, String> {
        load_script().await?;
        element.set_inner_html("");
        let on_change = Closure::<dyn FnMut(String)>::new(on_change);
        let on_state = Closure::<dyn FnMut(String)>::new(on_state);
        let handle = mount_js(
            &element,
            &html,
            on_change.as_ref().unchecked_ref(),
            on_state.as_ref().unchecked_ref(),
        );
        Ok(Rc::new(Mounted {
            handle,
            _on_change: on_change,
            _on_state: on_state,
        }))
    }

    impl Mounted {
        /// Replaces the document.
        pub fn set_html(&self, html: &str) {
            self.handle.set_html(html);
        }

        /// Runs a toolbar command (see the script's `run`).
        pub fn run(&self, command: &str, arg: &str) -> bool {
            self.handle.run(command, arg)
        }
    }
}

#[cfg(feature = "hydrate")]
pub use browser::mount;

/// Where a page keeps its [`Engine`]: browser-local storage in the browser (the engine is a
/// JavaScript object), ordinary storage on the server, where the engine holds nothing and the
/// page may be dropped on any thread.
#[cfg(feature = "hydrate")]
pub type EngineStore = leptos::prelude::StoredValue<Engine, leptos::prelude::LocalStorage>;
/// Where a page keeps its [`Engine`] (see the browser's definition).
#[cfg(not(feature = "hydrate"))]
pub type EngineStore = leptos::prelude::StoredValue<Engine>;

/// A new, empty [`EngineStore`].
pub fn new_store() -> EngineStore {
    #[cfg(feature = "hydrate")]
    {
        leptos::prelude::StoredValue::new_local(Engine::default())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        leptos::prelude::StoredValue::new(Engine::default())
    }
}

/// The page's editor: empty until the browser has mounted the engine.
#[derive(Default)]
pub struct Engine {
    #[cfg(feature = "hydrate")]
    mounted: Option<std::rc::Rc<browser::Mounted>>,
}

impl Engine {
    /// Keeps `mounted` as the page's editor.
    #[cfg(feature = "hydrate")]
    pub fn set(&mut self, mounted: std::rc::Rc<browser::Mounted>) {
        self.mounted = Some(mounted);
    }

    /// Destroys the editor (leaving the page).
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub fn unmount(&mut self) {
        #[cfg(feature = "hydrate")]
        self.mounted.take();
    }

    /// Replaces the document (a restored revision, recovered text).
    pub fn set_html(&self, html: &str) {
        #[cfg(feature = "hydrate")]
        if let Some(m) = self.mounted.as_ref() {
            m.set_html(html);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = html;
    }

    /// Runs toolbar command `command` with `arg` (empty when it takes none).
    pub fn run(&self, command: &str, arg: &str) {
        #[cfg(feature = "hydrate")]
        if let Some(m) = self.mounted.as_ref() {
            m.run(command, arg);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (command, arg);
    }
}
