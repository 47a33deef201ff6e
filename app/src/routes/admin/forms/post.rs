//! The post's change form: title with the slug filled in from it, the author picker, category,
//! tags (with suggestions), kind (post or page) and navigation order, status, publication time, the Markdown body with its preview, and the meta description.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::author_picker::AuthorPicker;
use super::{FormHeader, ReadOnly, SubmitRow};
use crate::components::forms::{
    action_error, CsrfField, Field, FieldErrors, FormMessage, Select, TextAreaField,
};
use crate::domain::{slugify, PostKind, PostStatus};
use crate::model::admin::{AdminModel, PostForm};
use crate::routes::admin::admin_time;
use crate::routes::admin::tag_field::TagField;
use crate::server_fns::admin::{AdminPreviewMarkdown, AdminSavePost};

/// A post's add or change form.
#[component]
pub fn PostFormView(form: PostForm) -> impl IntoView {
    let save = ServerAction::<AdminSavePost>::new();
    let error = action_error(save);
    let title = RwSignal::new(form.title.clone());
    let slug = RwSignal::new(form.slug.clone());
    // Django's `prepopulated_fields`: the slug follows the title until the slug is edited, and
    // only on the add form (changing a published post's slug changes its address).
    let slug_edited = RwSignal::new(form.id.is_some());
    let body = RwSignal::new(form.body.clone());
    let tags = RwSignal::new(form.tags.clone());
    let preview = ServerAction::<AdminPreviewMarkdown>::new();
    let show_preview = RwSignal::new(false);
    let published_at = form
        .published_at
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default();
    let facts = match form.id {
        Some(_) => vec![
            ("Views", form.view_count.to_string()),
            (
                "Newsletter",
                form.newsletter
                    .clone()
                    .unwrap_or_else(|| "Not emailed".to_string()),
            ),
            ("Created", admin_time(form.created_at)),
            ("Last changed", admin_time(form.updated_at)),
            (
                "Excerpt",
                if form.excerpt.is_empty() {
                    "-".to_string()
                } else {
                    form.excerpt.clone()
                },
            ),
        ],
        None => Vec::new(),
    };
    view! {
        <FormHeader model=AdminModel::Posts id=form.id name=form.title.clone() public_path=form.public_path.clone()/>
        <ActionForm action=save attr:class="admin-form" attr:novalidate=true>
            <CsrfField/>
            <FormMessage error/>
            {form.id.map(|id| view! { <input type="hidden" name="id" value=id.to_string()/> })}
            <input type="hidden" name="version" value=form.version.clone()/>
            <div class="field">
                <label for="field-title">"Title"</label>
                <input id="field-title" name="title" required maxlength="200" prop:value=title
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        if !slug_edited.get_untracked() {
                            slug.set(slugify(&value));
                        }
                        title.set(value);
                    }
                    aria-describedby="field-title-errors"/>
                <FieldErrors name="title" error/>
            </div>
            <div class="field">
                <label for="field-slug">"Slug"</label>
                <input id="field-slug" name="slug" maxlength="220" prop:value=slug
                    on:input=move |ev| { slug_edited.set(true); slug.set(event_target_value(&ev)); }
                    aria-describedby="field-slug-help field-slug-errors"/>
                <p class="help" id="field-slug-help">"The post's address. Filled in from the title; empty makes one from the title."</p>
                <FieldErrors name="slug" error/>
            </div>
            <AuthorPicker initial=form.author.clone() editable=form.can_change_author error/>
            <div class="field">
                <label for="field-category_id">"Category"</label>
                <select id="field-category_id" name="category_id" aria-describedby="field-category_id-errors">
                    {form.categories.iter().map(|(id, name)| view! {
                        <option value=id.to_string() selected=*id == form.category_id>{name.clone()}</option>
                    }).collect_view()}
                </select>
                <FieldErrors name="category_id" error/>
            </div>
            <TagField value=tags error/>
            <Select label="Kind" name="kind" error selected=form.kind.as_str()
                options=PostKind::ALL.into_iter().map(|k| (k.as_str().to_string(), k.label().to_string())).collect()
                help="A post is dated and listed; a page (About, Contact) lives at /<slug>/ outside the lists and feeds."/>
            <Field label="Navigation order" name="nav_order" kind="number" required=false error
                value=form.nav_order.map(|n| n.to_string()).unwrap_or_default()
                help="Pages only: its place in the site's navigation, lowest first. Empty: not in the navigation."/>
            <div class="field">
                <label for="field-status">"Status"</label>
                <select id="field-status" name="status">
                    {[PostStatus::Draft, PostStatus::Published, PostStatus::Archived].into_iter().map(|s| view! {
                        <option value=s.as_str() selected=s == form.status>{s.label()}</option>
                    }).collect_view()}
                </select>
                <FieldErrors name="status" error/>
            </div>
            <div class="field">
                <label for="field-published_at">"Published at (UTC)"</label>
                <input id="field-published_at" name="published_at" type="datetime-local" value=published_at aria-describedby="field-published_at-help field-published_at-errors"/>
                <p class="help" id="field-published_at-help">"Empty: set when the post is published. A future time schedules it."</p>
                <FieldErrors name="published_at" error/>
            </div>
            <div class="field">
                <div class="label-row">
                    <label for="field-body">"Body (Markdown)"</label>
                    <button type="button" class="link-button" on:click=move |_| {
                        let next = !show_preview.get_untracked();
                        show_preview.set(next);
                        if next {
                            preview.dispatch(AdminPreviewMarkdown { body: body.get_untracked() });
                        }
                    }>{move || if show_preview.get() { "Hide preview" } else { "Preview" }}</button>
                </div>
                <textarea id="field-body" name="body" rows="18" prop:value=body on:input=move |ev| body.set(event_target_value(&ev))>{form.body.clone()}</textarea>
                <FieldErrors name="body" error/>
                {move || show_preview.get().then(|| view! {
                    <div class="markdown-preview post-body" aria-live="polite">
                        {move || match preview.value().get() {
                            Some(Ok(html)) => view! { <div inner_html=html></div> }.into_any(),
                            Some(Err(e)) => view! { <p class="form-error">{e.form_message().unwrap_or_default()}</p> }.into_any(),
                            None => view! { <p>"Rendering…"</p> }.into_any(),
                        }}
                    </div>
                })}
            </div>
            <TextAreaField label="Meta description" name="meta_description" error rows=2 maxlength=300 value=form.meta_description.clone()
                help="For search engines and link previews; the excerpt is used when empty."/>
            <ReadOnly facts/>
            <SubmitRow model=AdminModel::Posts id=form.id pending=save.pending().into()/>
        </ActionForm>
    }
}
