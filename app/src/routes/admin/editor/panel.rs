//! The editor's side panel: publishing (status, publish now, schedule, unpublish), the post's
//! settings (slug, category, tags, kind and navigation order, meta description, featured image), preview, and the revisions
//! with view and restore. Also the image bar the toolbar opens.

use chrono::{DateTime, Utc};
use leptos::prelude::*;

use super::autosave::{local_time, now, Autosave};
use super::engine::EngineStore;
use crate::domain::text::split_tag_field;
use crate::domain::{PostKind, PostStatus};
use crate::error::AppError;
use crate::model::editor::{EditorPost, FeaturedImage, PublishAction, Revision, RevisionSummary};
use crate::model::media::MediaItem;
use crate::model::newsletter::NewsletterProgress;
use crate::routes::admin::admin_time;
use crate::routes::admin::media::{MediaPicker, UploadButton};
use crate::routes::admin::tag_field::TagField;
use crate::server_fns::editor::{
    editor_newsletter, editor_publish, editor_restore, editor_retry_newsletter, editor_revision,
};

/// The longest meta description search engines show, in characters (as the admin form).
const META_DESCRIPTION_MAX: usize = 300;

/// A `datetime-local` input's value (the browser's local time) as UTC; `None` when empty or
/// unreadable.
fn parse_local_datetime(value: &str) -> Option<DateTime<Utc>> {
    if value.trim().is_empty() {
        return None;
    }
    #[cfg(feature = "hydrate")]
    {
        let millis =
            leptos::web_sys::js_sys::Date::new(&leptos::wasm_bindgen::JsValue::from_str(value))
                .get_time();
        if millis.is_nan() {
            None
        } else {
            DateTime::from_timestamp_millis(millis as i64)
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        chrono::NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
            .ok()
            .map(|t| t.and_utc())
    }
}

/// What the status says: "Draft", "Published", "Scheduled for …".
fn status_text(
    status: PostStatus,
    published_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    match (status, published_at) {
        (PostStatus::Published, Some(at)) if at > now => {
            format!("Scheduled for {}", admin_time(Some(at)))
        }
        (PostStatus::Published, at) => format!("Published {}", admin_time(at)),
        (other, _) => other.label().to_string(),
    }
}

/// Keeps `newsletter` current while it changes: every 2 seconds while it is being sent, and
/// (up to a minute) while a live post waits for the publish sweep to start it.
fn newsletter_polling(
    id: i64,
    newsletter: RwSignal<Option<NewsletterProgress>>,
    is_live: impl Fn() -> bool + Send + Sync + 'static,
    autosave: Autosave,
) {
    let waits = StoredValue::new(0u32);
    Effect::new(move |_| {
        let sending = newsletter.with(|n| n.as_ref().is_some_and(NewsletterProgress::is_sending));
        let awaited = newsletter.with(Option::is_none)
            && is_live()
            && autosave.kind.get() == PostKind::Post
            && waits.get_value() < 30;
        if !(sending || awaited) {
            return;
        }
        waits.update_value(|w| *w += 1);
        set_timeout(
            move || {
                if !autosave.alive() {
                    return;
                }
                leptos::task::spawn_local(async move {
                    if let Ok(progress) = editor_newsletter(id).await {
                        if autosave.alive() {
                            newsletter.set(progress);
                        }
                    }
                });
            },
            std::time::Duration::from_secs(2),
        );
    });
}

/// The side panel of the editor.
#[component]
pub fn SidePanel(post: EditorPost, autosave: Autosave, engine: EngineStore) -> impl IntoView {
    let id = post.id;
    let message = RwSignal::new(None::<Result<String, String>>);
    let schedule_at = RwSignal::new(String::new());
    let working = RwSignal::new(false);
    // Whether publishing emails the post to the subscribers ("publish without emailing" unticks it).
    let email = RwSignal::new(true);
    let newsletter = RwSignal::new(post.newsletter.clone());
    let publish = move |action: PublishAction, done: &'static str| {
        if working.get_untracked() {
            return;
        }
        working.set(true);
        message.set(None);
        leptos::task::spawn_local(async move {
            let saved_first = if autosave.busy() {
                Err(AppError::Conflict(
                    "Still saving; try again in a moment.".into(),
                ))
            } else {
                autosave.save_and_wait(false).await
            };
            let result = match saved_first {
                Ok(()) => {
                    editor_publish(
                        id,
                        autosave.version.get_untracked(),
                        action,
                        Some(email.get_untracked()),
                    )
                    .await
                }
                Err(error) => Err(error),
            };
            if !autosave.alive() {
                return;
            }
            working.set(false);
            match result {
                Ok(saved) => {
                    autosave.all_saved(&saved);
                    message.set(Some(Ok(done.to_string())));
                }
                Err(error) => message.set(Some(Err(error
                    .form_message()
                    .unwrap_or_else(|| error.to_string())))),
            }
        });
    };
    let publication = autosave.publication;
    // Published, or scheduled (readers see it from `published_at` on).
    let is_public = move || publication.with(|p| p.status == PostStatus::Published);
    let is_live = move || {
        publication.with(|p| {
            p.status == PostStatus::Published && p.published_at.is_some_and(|at| at <= now())
        })
    };
    newsletter_polling(id, newsletter, is_live, autosave);
    // A dated post not emailed yet (or marked "not emailed" with nothing sent) offers the choice.
    let may_choose_email = move || {
        autosave.kind.get() == PostKind::Post
            && !is_live()
            && newsletter.with(|n| {
                n.as_ref()
                    .is_none_or(|p| p.status == "skipped" && p.recipients == 0)
            })
    };
    let retry = move |_| {
        leptos::task::spawn_local(async move {
            match editor_retry_newsletter(id).await {
                Ok(progress) => newsletter.set(progress),
                Err(error) => message.set(Some(Err(error
                    .form_message()
                    .unwrap_or_else(|| error.to_string())))),
            }
        });
    };
    let categories = post.categories.clone();
    let tag_text = RwSignal::new(post.tags.join(", "));
    let commit_tags = Callback::new(move |()| {
        autosave
            .tags
            .set(split_tag_field(&tag_text.get_untracked()));
        autosave.changed();
    });
    view! {
        <aside class="editor-panel" aria-label="Post settings">
            <section class="panel-section" aria-labelledby="publish-heading">
                <h2 id="publish-heading">"Publish"</h2>
                <p class="publish-status">
                    {move || publication.with(|p| status_text(p.status, p.published_at, now()))}
                </p>
                {move || message.get().map(|m| match m {
                    Ok(text) => view! { <p class="notice" role="status">{text}</p> }.into_any(),
                    Err(text) => view! { <p class="form-error" role="alert">{text}</p> }.into_any(),
                })}
                <div class="panel-buttons">
                    <Show when=move || !is_live()>
                        <button type="button" disabled=move || working.get()
                            on:click=move |_| publish(PublishAction::Now, "Published.")>
                            "Publish now"
                        </button>
                    </Show>
                    <Show when=is_public>
                        <button type="button" class="secondary" disabled=move || working.get()
                            on:click=move |_| publish(PublishAction::Unpublish, "Back to draft: readers no longer see it.")>
                            "Unpublish"
                        </button>
                    </Show>
                </div>
                <Show when=may_choose_email>
                    <label class="checkbox panel-email">
                        <input type="checkbox" prop:checked=move || email.get()
                            on:change=move |ev| email.set(event_target_checked(&ev))/>
                        " Email it to subscribers when it is published"
                    </label>
                </Show>
                {move || newsletter.get().map(|p| {
                    let can_retry = p.can_retry();
                    view! {
                        <p class="newsletter-progress" role="status">
                            "Newsletter: " {p.line}
                            {can_retry.then(|| view! {
                                " — " <button type="button" class="link-button" on:click=retry>"retry"</button>
                            })}
                        </p>
                    }
                })}
                <form class="schedule" on:submit=move |ev| {
                    ev.prevent_default();
                    match parse_local_datetime(&schedule_at.get_untracked()) {
                        Some(at) => publish(PublishAction::Schedule(at), "Scheduled."),
                        None => message.set(Some(Err("Choose a date and time.".into()))),
                    }
                }>
                    <label for="editor-schedule">"Publish at (your local time)"</label>
                    <input id="editor-schedule" type="datetime-local"
                        prop:value=move || schedule_at.get()
                        on:input=move |ev| schedule_at.set(event_target_value(&ev))/>
                    <button type="submit" class="secondary" disabled=move || working.get()>"Schedule"</button>
                </form>
                <p class="panel-links">
                    <a href=EditorPost::preview_path(id) target="_blank" rel="noopener">"Preview"</a>
                    {move || publication.with(|p| p.public_path.clone()).map(|path| view! {
                        " · " <a href=path>"View on site"</a>
                    })}
                </p>
            </section>
            <section class="panel-section" aria-labelledby="settings-heading">
                <h2 id="settings-heading">"Post settings"</h2>
                <label for="editor-slug">"Slug"</label>
                <input id="editor-slug" maxlength="220"
                    prop:value=move || autosave.slug.get()
                    on:input=move |ev| {
                        autosave.slug.set(event_target_value(&ev));
                        autosave.changed();
                    }/>
                <label for="editor-category">"Category"</label>
                <select id="editor-category" on:change=move |ev| {
                    if let Ok(id) = event_target_value(&ev).parse() {
                        autosave.category_id.set(id);
                        autosave.changed();
                    }
                }>
                    {categories.into_iter().map(|(cid, name)| view! {
                        <option value=cid.to_string() selected=move || autosave.category_id.get() == cid>{name}</option>
                    }).collect_view()}
                </select>
                <TagField value=tag_text error=Signal::derive(|| None) on_commit=commit_tags/>
                <label for="editor-kind">"Kind"</label>
                <select id="editor-kind" aria-describedby="editor-kind-help" on:change=move |ev| {
                    if let Some(kind) = PostKind::parse(&event_target_value(&ev)) {
                        autosave.kind.set(kind);
                        autosave.changed();
                    }
                }>
                    {PostKind::ALL.into_iter().map(|kind| view! {
                        <option value=kind.as_str() selected=move || autosave.kind.get() == kind>{kind.label()}</option>
                    }).collect_view()}
                </select>
                <p class="help" id="editor-kind-help">"A page (About, Contact) lives at /<slug>/, outside the lists and feeds."</p>
                <Show when=move || autosave.kind.get() == PostKind::Page>
                    <label for="editor-nav-order">"Navigation order"</label>
                    <input id="editor-nav-order" type="number" aria-describedby="editor-nav-order-help"
                        prop:value=move || autosave.nav_order.get().map(|n| n.to_string()).unwrap_or_default()
                        on:change=move |ev| {
                            let text = event_target_value(&ev);
                            let order = text.trim().parse::<i32>().ok();
                            if order.is_some() || text.trim().is_empty() {
                                autosave.nav_order.set(order);
                                autosave.changed();
                            }
                        }/>
                    <p class="help" id="editor-nav-order-help">"Its place in the site's navigation, lowest first. Empty: not in the navigation."</p>
                </Show>
                <label for="editor-meta">"Meta description"</label>
                <textarea id="editor-meta" rows="3" maxlength=META_DESCRIPTION_MAX.to_string()
                    prop:value=move || autosave.meta_description.get()
                    on:input=move |ev| {
                        autosave.meta_description.set(event_target_value(&ev));
                        autosave.changed();
                    }>{post.meta_description.clone()}</textarea>
                <p class="help">{move || format!(
                    "{} / {META_DESCRIPTION_MAX} characters; search engines show about 155.",
                    autosave.meta_description.with(|d| d.chars().count())
                )}</p>
                <FeaturedImageField autosave/>
            </section>
            <Revisions id autosave engine/>
        </aside>
    }
}

/// The featured image: shown, replaced by an upload, removable.
#[component]
fn FeaturedImageField(autosave: Autosave) -> impl IntoView {
    let uploaded = Callback::new(move |item: MediaItem| {
        autosave.featured_image.set(Some(FeaturedImage {
            id: item.id,
            url: item.url,
        }));
        autosave.changed();
    });
    view! {
        <div class="featured-image">
            <span class="label">"Featured image"</span>
            {move || match autosave.featured_image.get() {
                Some(image) => view! {
                    <img src=image.url.clone() alt="" width="240"/>
                    <button type="button" class="secondary" on:click=move |_| {
                        autosave.featured_image.set(None);
                        autosave.changed();
                    }>"Remove featured image"</button>
                }.into_any(),
                None => view! { <span class="help">"None"</span> }.into_any(),
            }}
            <UploadButton id="editor-featured-upload" label="Upload a featured image" on_uploaded=uploaded/>
            <MediaPicker label="Choose from the library" on_pick=uploaded/>
        </div>
    }
}

/// The revision list, the revision being viewed and its restore button.
#[component]
fn Revisions(id: i64, autosave: Autosave, engine: EngineStore) -> impl IntoView {
    // Loaded in the browser only (the list is nothing without the editor's scripts) and again
    // after every save that can change it; an older answer arriving late is dropped.
    let revisions = RwSignal::new(None::<Result<Vec<RevisionSummary>, AppError>>);
    #[cfg(feature = "hydrate")]
    {
        let asked = StoredValue::new(0_u64);
        Effect::new(move |_| {
            let _ = (autosave.version.get(), autosave.checkpoints.get());
            let number = asked.get_value() + 1;
            asked.set_value(number);
            leptos::task::spawn_local(async move {
                let list = crate::server_fns::editor::editor_revisions(id).await;
                if asked.try_get_value() == Some(number) {
                    let _ = revisions.try_set(Some(list));
                }
            });
        });
    }
    let viewing = RwSignal::new(None::<Revision>);
    let error = RwSignal::new(None::<String>);
    let open = move |revision: i64| {
        leptos::task::spawn_local(async move {
            match editor_revision(id, revision).await {
                Ok(r) => viewing.set(Some(r)),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let restore = move |revision: Revision| {
        leptos::task::spawn_local(async move {
            if autosave.save_and_wait(false).await.is_err() {
                return;
            }
            match editor_restore(id, revision.summary.id, autosave.version.get_untracked()).await {
                Ok(saved) => {
                    autosave.title.set(revision.summary.title.clone());
                    engine.with_value(|e| e.set_html(&saved.body));
                    autosave.body.set(saved.body.clone());
                    autosave.all_saved(&saved);
                    viewing.set(None);
                }
                Err(e) => error.set(Some(e.form_message().unwrap_or_else(|| e.to_string()))),
            }
        });
    };
    view! {
        <section class="panel-section" aria-labelledby="revisions-heading">
            <h2 id="revisions-heading">"Revisions"</h2>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            {move || match revisions.get() {
                None => view! { <p class="help">"Loading…"</p> }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p class="help">"None yet. Autosaves within 10 minutes are kept as one revision; Save keeps a new one."</p>
                }.into_any(),
                Some(Ok(list)) => view! {
                    <ol class="revision-list">
                        {list.into_iter().map(|r| {
                            let rid = r.id;
                            let when = format!("{} {}", r.updated_at.format("%Y-%m-%d"), local_time(r.updated_at));
                            view! {
                                <li>
                                    <button type="button" class="link-button" on:click=move |_| open(rid)>
                                        {when}
                                    </button>
                                    {format!(
                                        " {} · {} words · {}",
                                        r.author,
                                        r.words,
                                        if r.sealed { "saved" } else { "autosave" },
                                    )}
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any(),
                Some(Err(e)) => view! { <p class="form-error">{e.to_string()}</p> }.into_any(),
            }}
            {move || viewing.get().map(|revision| {
                let restore_this = revision.clone();
                view! {
                    <div class="revision-view" role="region" aria-label="Revision">
                        <p class="help">{format!(
                            "Revision of {} by {}",
                            admin_time(Some(revision.summary.updated_at)),
                            revision.summary.author
                        )}</p>
                        <h3>{revision.summary.title.clone()}</h3>
                        <div class="prose" inner_html=revision.body.clone()></div>
                        <button type="button" on:click=move |_| restore(restore_this.clone())>"Restore this revision"</button>
                        <button type="button" class="secondary" on:click=move |_| viewing.set(None)>"Close"</button>
                    </div>
                }
            })}
        </section>
    }
}

/// The image bar: an image's address (an upload or any URL), alt text and caption.
#[component]
pub fn ImageBar(engine: EngineStore, open: RwSignal<bool>) -> impl IntoView {
    let src = RwSignal::new(String::new());
    let alt = RwSignal::new(String::new());
    let caption = RwSignal::new(String::new());
    let insert = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let image = serde_json::json!({
            "src": src.get_untracked().trim(),
            "alt": alt.get_untracked().trim(),
            "caption": caption.get_untracked().trim(),
        });
        engine.with_value(|e| e.run("image", &image.to_string()));
        open.set(false);
    };
    let uploaded = Callback::new(move |item: MediaItem| src.set(item.url));
    view! {
        <form class="editor-bar image-bar" on:submit=insert>
            <UploadButton id="editor-image-upload" label="Upload an image" on_uploaded=uploaded/>
            <MediaPicker label="Choose from the library" on_pick=uploaded/>
            <label for="editor-image-src">"Image address"</label>
            <input id="editor-image-src" required
                prop:value=move || src.get()
                on:input=move |ev| src.set(event_target_value(&ev))/>
            <label for="editor-image-alt">"Alt text"</label>
            <input id="editor-image-alt"
                prop:value=move || alt.get()
                on:input=move |ev| alt.set(event_target_value(&ev))/>
            <label for="editor-image-caption">"Caption"</label>
            <input id="editor-image-caption"
                prop:value=move || caption.get()
                on:input=move |ev| caption.set(event_target_value(&ev))/>
            <button type="submit">"Insert image"</button>
        </form>
    }
}
