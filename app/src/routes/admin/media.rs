//! `/admin/media/`: the media library (every uploaded image, newest first, with upload and
//! delete), and the upload button the editor uses too.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::{admin_time, AdminFrame, Breadcrumbs};
use crate::components::error_page::ErrorPage;
use crate::components::loading::Loading;
use crate::model::media::MediaItem;
use crate::server_fns::media::{media_delete, media_library};

/// Sends `file` to the upload endpoint; the stored image, or the message saying why not.
#[cfg(feature = "hydrate")]
pub async fn upload_file(file: leptos::web_sys::File) -> Result<MediaItem, String> {
    use leptos::wasm_bindgen::JsCast;
    use leptos::web_sys;
    const UNREACHABLE: &str =
        "The upload did not reach the server. Check the connection and try again.";
    let window = web_sys::window().ok_or(UNREACHABLE)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&file);
    let url = format!(
        "/admin/media/upload/?name={}",
        crate::domain::text::encode_query_value(&file.name())
    );
    let response =
        wasm_bindgen_futures::JsFuture::from(window.fetch_with_str_and_init(&url, &init))
            .await
            .map_err(|_| UNREACHABLE.to_string())?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| UNREACHABLE.to_string())?;
    let text = match response.text() {
        Ok(promise) => wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    if response.ok() {
        serde_json::from_str(&text).map_err(|_| UNREACHABLE.to_string())
    } else {
        let message = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_string));
        Err(message.unwrap_or_else(|| format!("The upload failed ({}).", response.status())))
    }
}

/// A button that uploads an image file and hands the stored image to `on_uploaded`.
#[component]
pub fn UploadButton(
    /// The file input's id (unique on the page).
    id: &'static str,
    /// The button's words.
    #[prop(into)]
    label: String,
    /// Called with each stored image.
    on_uploaded: Callback<MediaItem>,
) -> impl IntoView {
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let on_change = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let input: leptos::web_sys::HtmlInputElement = event_target(&ev);
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            input.set_value("");
            busy.set(true);
            error.set(None);
            leptos::task::spawn_local(async move {
                let result = upload_file(file).await;
                busy.set(false);
                match result {
                    Ok(item) => on_uploaded.run(item),
                    Err(message) => error.set(Some(message)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, on_uploaded);
    };
    view! {
        <span class="upload">
            <label class="button" for=id>{label}</label>
            <input
                id=id
                class="visually-hidden"
                type="file"
                accept="image/jpeg,image/png,image/webp,image/gif"
                on:change=on_change
            />
            <Show when=move || busy.get()>
                <span class="help" role="status">"Uploading…"</span>
            </Show>
            {move || error.get().map(|e| view! { <span class="form-error" role="alert">{e}</span> })}
        </span>
    }
}

/// "Choose from the library": a button that opens the uploaded images, newest first, a page at
/// a time, and hands the one clicked to `on_pick` (then closes). Loaded in the browser when
/// opened; the editor page is nothing without its scripts.
#[component]
pub fn MediaPicker(
    /// The button's words.
    #[prop(into)]
    label: String,
    /// Called with the image chosen.
    on_pick: Callback<MediaItem>,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let page = RwSignal::new(1_i64);
    let loaded =
        RwSignal::new(None::<Result<crate::model::media::MediaPage, crate::error::AppError>>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if !open.get() {
            return;
        }
        let wanted = page.get();
        loaded.set(None);
        leptos::task::spawn_local(async move {
            let result = media_library(wanted).await;
            // Dropped when the reader closed the picker or turned the page meanwhile.
            if open.try_get_untracked() == Some(true) && page.try_get_untracked() == Some(wanted) {
                loaded.set(Some(result));
            }
        });
    });
    let pick = move |item: MediaItem| {
        open.set(false);
        on_pick.run(item);
    };
    view! {
        <span class="media-picker">
            <button type="button" class="secondary" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>{label.clone()}</button>
            {move || open.get().then(|| view! {
                <div class="media-picker-panel" role="group" aria-label="Uploaded images">
                    {move || match loaded.get() {
                        None => view! { <p class="help">"Loading…"</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Some(Ok(library)) if library.items.is_empty() => view! {
                            <p class="help">"Nothing uploaded yet."</p>
                        }.into_any(),
                        Some(Ok(library)) => {
                            let (current, pages) = (library.page, library.pages);
                            view! {
                                <ul class="media-picker-grid">
                                    {library.items.into_iter().map(|item| {
                                        let name = format!("{} ({}×{})", item.original_name, item.width, item.height);
                                        let url = item.url.clone();
                                        view! {
                                            <li>
                                                <button type="button" class="media-pick" title=name.clone()
                                                    aria-label=name on:click=move |_| pick(item.clone())>
                                                    <img src=url alt="" loading="lazy"/>
                                                </button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                <p class="media-picker-pages">
                                    <button type="button" class="secondary" disabled=current <= 1
                                        on:click=move |_| page.update(|p| *p -= 1)>"Newer"</button>
                                    {format!(" Page {current} of {pages} ")}
                                    <button type="button" class="secondary" disabled=current >= pages
                                        on:click=move |_| page.update(|p| *p += 1)>"Older"</button>
                                </p>
                            }.into_any()
                        }
                    }}
                </div>
            })}
        </span>
    }
}

/// The media library page.
#[component]
pub fn MediaLibraryView() -> impl IntoView {
    let query = use_query_map();
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<i64>().ok())
            .unwrap_or(1)
    });
    let reload = RwSignal::new(0u32);
    let library = Resource::new(
        move || (page.get(), reload.get()),
        |(page, _)| media_library(page),
    );
    let message = RwSignal::new(None::<String>);
    let uploaded = Callback::new(move |item: MediaItem| {
        message.set(Some(format!("{} uploaded.", item.original_name)));
        reload.update(|r| *r += 1);
    });
    let delete = move |item: MediaItem| {
        leptos::task::spawn_local(async move {
            match media_delete(item.id).await {
                Ok(()) => {
                    message.set(Some(format!("{} deleted.", item.original_name)));
                    reload.update(|r| *r += 1);
                }
                Err(e) => message.set(Some(e.form_message().unwrap_or_else(|| e.to_string()))),
            }
        });
    };
    view! {
        <AdminFrame title="Media library" path="/admin/media/">
            <Breadcrumbs model=None last="Media library"/>
            <h1>"Media library"</h1>
            <p class="object-tools">
                <UploadButton id="library-upload" label="Upload an image" on_uploaded=uploaded/>
            </p>
            {move || message.get().map(|m| view! { <p class="notice" role="status">{m}</p> })}
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match library.await {
                        Ok(library) => {
                            let summary = format!(
                                "{} {} · JPEG, PNG, WebP or GIF up to {}",
                                library.total,
                                if library.total == 1 { "image" } else { "images" },
                                library.max_size
                            );
                            let previous = (library.page > 1).then(|| format!("/admin/media/?page={}", library.page - 1));
                            let next = (library.page < library.pages).then(|| format!("/admin/media/?page={}", library.page + 1));
                            view! {
                                <p class="result-count">{summary}</p>
                                <ul class="media-grid">
                                    {library.items.into_iter().map(|item| {
                                        let this = item.clone();
                                        let details = format!(
                                            "{}×{} · {} KB · {} · {}",
                                            item.width,
                                            item.height,
                                            item.size_bytes.div_ceil(1024),
                                            if item.uploader.is_empty() { "deleted user".to_string() } else { item.uploader.clone() },
                                            admin_time(Some(item.created_at))
                                        );
                                        view! {
                                            <li class="media-item">
                                                <img src=item.url.clone() alt="" loading="lazy"/>
                                                <p class="media-name">{item.original_name.clone()}</p>
                                                <p class="help">{details}</p>
                                                <input class="media-url" readonly aria-label="Address" value=item.url.clone()/>
                                                <button type="button" class="danger" on:click=move |_| delete(this.clone())>"Delete"</button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                <nav class="pagination" aria-label="Pages">
                                    {previous.map(|p| view! { <A href=p>"Newer"</A> })}
                                    {next.map(|n| view! { <A href=n>"Older"</A> })}
                                </nav>
                            }.into_any()
                        }
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Transition>
        </AdminFrame>
    }
}
