//! `/admin/posts/<id>/edit/`: the rich editor (title, formatting toolbar, the document, word
//! count, autosave status) with the publishing side panel and the revisions; and
//! `/admin/posts/<id>/preview/`, the post exactly as readers will see it, for staff only.
//!
//! The server renders the stored body as static HTML; in the browser the editor engine
//! ([`engine`]) takes its place. Saving is [`autosave`]'s job; the side panel is [`panel`].

mod autosave;
mod engine;
mod panel;

use leptos::prelude::*;
use leptos_router::components::A;

use self::autosave::{local_time, Autosave, Backup, SaveState};
use self::engine::{EngineStore, ToolbarState};
use super::{id_param, AdminFrame, Breadcrumbs};
use crate::components::error_page::ErrorPage;
use crate::components::loading::Loading;
use crate::components::post_article::PostArticle;
use crate::domain::text::reading_minutes;
use crate::error::AppError;
use crate::model::admin::AdminModel;
use crate::model::editor::EditorPost;
use crate::server_fns::editor::{editor_open, editor_preview};

/// The languages offered for code blocks (any other name can be typed).
const CODE_LANGUAGES: [&str; 14] = [
    "bash",
    "c",
    "cpp",
    "css",
    "go",
    "html",
    "java",
    "javascript",
    "json",
    "python",
    "rust",
    "sql",
    "toml",
    "typescript",
];

/// The editor page of the route's post.
#[component]
pub fn EditorView() -> impl IntoView {
    let id = id_param();
    let post = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => editor_open(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let path = Signal::derive(move || id.get().map(EditorPost::edit_path).unwrap_or_default());
    view! {
        <AdminFrame title="Edit post" path>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match post.await {
                        Ok(post) => view! { <EditorScreen post/> }.into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Transition>
        </AdminFrame>
    }
}

/// The editor for one opened post.
#[component]
fn EditorScreen(post: EditorPost) -> impl IntoView {
    let autosave = Autosave::new(&post);
    let engine = engine::new_store();
    let toolbar = RwSignal::new(ToolbarState::default());
    let words = RwSignal::new(post.words);
    let host = NodeRef::<leptos::html::Div>::new();
    let engine_error = RwSignal::new(None::<String>);
    let recovered = RwSignal::new(None::<Backup>);
    let id = post.id;

    #[cfg(feature = "hydrate")]
    {
        let body = post.body.clone();
        let title = post.title.clone();
        let mounting = StoredValue::new(false);
        Effect::new(move |_| {
            let Some(element) = host.get() else { return };
            if mounting.get_value() {
                return;
            }
            mounting.set_value(true);
            let body = body.clone();
            let title = title.clone();
            leptos::task::spawn_local(async move {
                let mounted = engine::mount(
                    element.into(),
                    body.clone(),
                    move |html| {
                        autosave.body.set(html);
                        autosave.changed();
                    },
                    move |json| {
                        if let Ok(state) = serde_json::from_str::<ToolbarState>(&json) {
                            words.set(crate::domain::text::word_count(&state.text));
                            toolbar.set(state);
                        }
                    },
                )
                .await;
                match mounted {
                    Ok(mounted) => {
                        if engine.try_update_value(|e| e.set(mounted)).is_none() {
                            return; // the page was left meanwhile
                        }
                        if let Some(backup) = Backup::load(id) {
                            if backup.draft.body != body || backup.draft.title != title {
                                recovered.set(Some(backup));
                            } else {
                                Backup::clear(id);
                            }
                        }
                    }
                    Err(message) => engine_error.set(Some(message)),
                }
            });
        });
        let online = window_event_listener(leptos::ev::online, move |_| {
            if matches!(autosave.state.get_untracked(), SaveState::Offline) {
                autosave.retry(None);
            }
        });
        let leaving = window_event_listener(leptos::ev::beforeunload, move |event| {
            if autosave.dirty() {
                autosave.save();
                // Asks "Leave site?": the browser keeps a copy either way.
                event.prevent_default();
                event.set_return_value("Your latest changes are not saved yet.");
            }
        });
        // Ctrl+S / Cmd+S saves now, as a checkpoint, instead of saving the page as a file.
        let save_key = window_event_listener(leptos::ev::keydown, move |event| {
            if (event.ctrl_key() || event.meta_key()) && event.key().eq_ignore_ascii_case("s") {
                event.prevent_default();
                autosave.checkpoint();
            }
        });
        on_cleanup(move || {
            online.remove();
            leaving.remove();
            save_key.remove();
            autosave.leave();
            engine.try_update_value(engine::Engine::unmount);
        });
    }

    let status_line = move || autosave.state.with(|s| s.label(local_time));
    let state_name = move || match autosave.state.get() {
        SaveState::Unchanged(_) | SaveState::Saved(_) => "saved",
        SaveState::Pending => "pending",
        SaveState::Saving => "saving",
        SaveState::Offline => "offline",
        SaveState::Conflict(_) => "conflict",
        SaveState::Refused(_) => "refused",
    };
    view! {
        <Breadcrumbs model=Some(AdminModel::Posts) last=post.title.clone()/>
        <div class="editor-screen">
            <div class="editor-main">
                <div class="editor-statusbar">
                    <p class="save-state" role="status" aria-live="polite" data-state=state_name>
                        {status_line}
                    </p>
                    <button type="button" class="secondary" title="Save now and keep a revision (Ctrl+S)"
                        on:click=move |_| autosave.checkpoint()>"Save"</button>
                </div>
                <Recovery recovered autosave engine/>
                <ConflictNotice autosave/>
                {move || engine_error.get().map(|message| view! {
                    <p class="form-error" role="alert">{message}" Reload the page to try again; what you typed is kept in this browser."</p>
                })}
                <label class="visually-hidden" for="editor-title">"Title"</label>
                <input
                    id="editor-title"
                    class="editor-title"
                    placeholder="Title"
                    maxlength="200"
                    prop:value=move || autosave.title.get()
                    on:input=move |ev| {
                        autosave.title.set(event_target_value(&ev));
                        autosave.changed();
                    }
                />
                <Toolbar engine toolbar/>
                <div class="editor-host" node_ref=host>
                    <div class="editor-content prose editor-static" inner_html=post.body.clone()></div>
                    <noscript>
                        <p class="form-error">"The editor needs JavaScript. The post can still be changed in the "
                            <a href=AdminModel::Posts.object_path(id)>"change form"</a>"."
                        </p>
                    </noscript>
                </div>
                <p class="editor-count">
                    {move || {
                        let words = words.get();
                        format!(
                            "{words} {} · {} min read",
                            if words == 1 { "word" } else { "words" },
                            reading_minutes(words)
                        )
                    }}
                </p>
            </div>
            <panel::SidePanel post=post.clone() autosave engine/>
        </div>
    }
}

/// The formatting toolbar: buttons with their state, the link bar, the image bar and the
/// code block's language.
#[component]
fn Toolbar(engine: EngineStore, toolbar: RwSignal<ToolbarState>) -> impl IntoView {
    let link_open = RwSignal::new(false);
    let link_url = RwSignal::new(String::new());
    let image_open = RwSignal::new(false);
    let run = move |command: &'static str| engine.with_value(|e| e.run(command, ""));
    let button = move |command: &'static str, label: &'static str, text: &'static str| {
        view! {
            <button
                type="button"
                class="tool"
                title=label
                aria-label=label
                aria-pressed=move || toolbar.with(|t| t.is_active(command)).to_string()
                on:mousedown=|ev| ev.prevent_default()
                on:click=move |_| run(command)
            >
                {text}
            </button>
        }
    };
    let plain = move |command: &'static str,
                      label: &'static str,
                      text: &'static str,
                      enabled: fn(&ToolbarState) -> bool| {
        view! {
            <button
                type="button"
                class="tool"
                title=label
                aria-label=label
                disabled=move || !toolbar.with(enabled)
                on:mousedown=|ev| ev.prevent_default()
                on:click=move |_| run(command)
            >
                {text}
            </button>
        }
    };
    let apply_link = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let url = link_url.get_untracked().trim().to_string();
        engine.with_value(|e| e.run("link", &url));
        link_open.set(false);
    };
    view! {
        <div class="editor-toolbar" role="toolbar" aria-label="Formatting">
            <div class="tool-group">
                {button("h2", "Heading 2 (Ctrl+Alt+2)", "H2")}
                {button("h3", "Heading 3 (Ctrl+Alt+3)", "H3")}
                {button("h4", "Heading 4 (Ctrl+Alt+4)", "H4")}
            </div>
            <div class="tool-group">
                {button("bold", "Bold (Ctrl+B)", "B")}
                {button("italic", "Italic (Ctrl+I)", "I")}
                {button("strike", "Strikethrough (Ctrl+Shift+S)", "S")}
                {button("code", "Inline code (Ctrl+E)", "</>")}
                <button
                    type="button"
                    class="tool"
                    title="Link"
                    aria-label="Link"
                    aria-expanded=move || link_open.get().to_string()
                    aria-pressed=move || toolbar.with(|t| t.is_active("link")).to_string()
                    on:mousedown=|ev| ev.prevent_default()
                    on:click=move |_| {
                        link_url.set(toolbar.with_untracked(|t| t.link.clone()).unwrap_or_default());
                        link_open.update(|o| *o = !*o);
                        image_open.set(false);
                    }
                >
                    "Link"
                </button>
            </div>
            <div class="tool-group">
                {button("bulletList", "Bulleted list (Ctrl+Shift+8)", "• List")}
                {button("orderedList", "Numbered list (Ctrl+Shift+7)", "1. List")}
                {button("blockquote", "Quote (Ctrl+Shift+B)", "Quote")}
                {button("codeBlock", "Code block (Ctrl+Alt+C)", "Code block")}
                {plain("hr", "Horizontal rule", "―", |_| true)}
                <button
                    type="button"
                    class="tool"
                    title="Image"
                    aria-label="Image"
                    aria-expanded=move || image_open.get().to_string()
                    on:click=move |_| {
                        image_open.update(|o| *o = !*o);
                        link_open.set(false);
                    }
                >
                    "Image"
                </button>
            </div>
            <div class="tool-group">
                {plain("undo", "Undo (Ctrl+Z)", "Undo", |t| t.can_undo)}
                {plain("redo", "Redo (Ctrl+Shift+Z)", "Redo", |t| t.can_redo)}
            </div>
        </div>
        <Show when=move || link_open.get()>
            <form class="editor-bar" on:submit=apply_link>
                <label for="editor-link-url">"Link to"</label>
                <input
                    id="editor-link-url"
                    type="url"
                    placeholder="https://"
                    autofocus
                    prop:value=move || link_url.get()
                    on:input=move |ev| link_url.set(event_target_value(&ev))
                />
                <button type="submit">"Apply"</button>
                <button type="button" on:click=move |_| {
                    engine.with_value(|e| e.run("link", ""));
                    link_open.set(false);
                }>"Remove link"</button>
            </form>
        </Show>
        <Show when=move || image_open.get()>
            <panel::ImageBar engine open=image_open/>
        </Show>
        {move || toolbar.with(|t| t.language.clone()).map(|language| view! {
            <div class="editor-bar">
                <label for="editor-code-language">"Code language"</label>
                <input
                    id="editor-code-language"
                    list="editor-code-languages"
                    prop:value=language
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        engine.with_value(|e| e.run("language", value.trim()));
                    }
                />
                <datalist id="editor-code-languages">
                    {CODE_LANGUAGES.iter().map(|l| view! { <option value=*l/> }).collect_view()}
                </datalist>
            </div>
        })}
    }
}

/// Offers back text kept in this browser that the server does not have.
#[component]
fn Recovery(
    recovered: RwSignal<Option<Backup>>,
    autosave: Autosave,
    engine: EngineStore,
) -> impl IntoView {
    move || {
        recovered.get().map(|backup| {
            let when = local_time(backup.written_at());
            let restore = backup.clone();
            view! {
                <div class="notice editor-recovery" role="alert">
                    <p>{format!("This browser kept changes from {when} that were never saved.")}</p>
                    <button type="button" on:click=move |_| {
                        let draft = restore.draft.clone();
                        autosave.title.set(draft.title.clone());
                        autosave.slug.set(draft.slug.clone());
                        autosave.category_id.set(draft.category_id);
                        autosave.meta_description.set(draft.meta_description.clone());
                        engine.with_value(|e| e.set_html(&draft.body));
                        autosave.body.set(draft.body);
                        autosave.changed();
                        recovered.set(None);
                    }>"Restore them"</button>
                    <button type="button" class="secondary" on:click=move |_| {
                        Backup::clear(autosave.id);
                        recovered.set(None);
                    }>"Discard"</button>
                </div>
            }
        })
    }
}

/// What to do when someone else saved the post meanwhile.
#[component]
fn ConflictNotice(autosave: Autosave) -> impl IntoView {
    let keep_mine = move |_| {
        leptos::task::spawn_local(async move {
            if let Ok(current) = editor_open(autosave.id).await {
                autosave.retry(Some(current.version));
            }
        });
    };
    move || match autosave.state.get() {
        SaveState::Conflict(message) => Some(view! {
            <div class="notice editor-conflict" role="alert">
                <p>{message}</p>
                <button type="button" on:click=move |_| {
                    #[cfg(feature = "hydrate")]
                    if let Some(window) = leptos::web_sys::window() {
                        let _ = window.location().reload();
                    }
                }>"Load the saved version"</button>
                <button type="button" class="secondary" on:click=keep_mine>"Overwrite it with mine"</button>
            </div>
        }),
        _ => None,
    }
}

/// The staff-only preview of the route's post: exactly the reader's page, with a banner.
#[component]
pub fn PreviewView() -> impl IntoView {
    let id = id_param();
    let post = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => editor_preview(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let path = Signal::derive(move || id.get().map(EditorPost::preview_path).unwrap_or_default());
    view! {
        <AdminFrame title="Preview" path bare=true>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match post.await {
                        Ok(post) => {
                            let edit = EditorPost::edit_path(post.summary.id);
                            view! {
                                <p class="preview-banner" role="note">
                                    "Preview: only staff can see this page. "
                                    <A href=edit>"Back to the editor"</A>
                                </p>
                                <PostArticle post/>
                            }
                            .into_any()
                        }
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Transition>
        </AdminFrame>
    }
}
