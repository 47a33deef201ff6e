//! The tag's change form: name, with the slug filled in from it, and the description shown on
//! its archive page; on an existing tag, a second form merges it into another tag.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{FormHeader, ReadOnly, SubmitRow};
use crate::components::forms::{action_error, CsrfField, FieldErrors, FormMessage, TextAreaField};
use crate::domain::slugify;
use crate::model::admin::{AdminModel, TagForm};
use crate::server_fns::admin::{AdminMergeTag, AdminSaveTag};

/// A tag's add or change form.
#[component]
pub fn TagFormView(form: TagForm) -> impl IntoView {
    let save = ServerAction::<AdminSaveTag>::new();
    let error = action_error(save);
    let slug = RwSignal::new(form.slug.clone());
    let slug_edited = RwSignal::new(form.id.is_some());
    let public_path = form.id.map(|_| format!("/tag/{}/", form.slug));
    let merge = form.id.map(|id| (id, form.version.clone()));
    view! {
        <FormHeader model=AdminModel::Tags id=form.id name=form.name.clone() public_path/>
        <ActionForm action=save attr:class="admin-form" attr:novalidate=true>
            <CsrfField/>
            <FormMessage error/>
            {form.id.map(|id| view! { <input type="hidden" name="id" value=id.to_string()/> })}
            <input type="hidden" name="version" value=form.version.clone()/>
            <div class="field">
                <label for="field-name">"Name"</label>
                <input id="field-name" name="name" required maxlength="100" value=form.name.clone()
                    on:input=move |ev| if !slug_edited.get_untracked() { slug.set(slugify(&event_target_value(&ev))); }
                    aria-describedby="field-name-errors"/>
                <FieldErrors name="name" error/>
            </div>
            <div class="field">
                <label for="field-slug">"Slug"</label>
                <input id="field-slug" name="slug" required maxlength="120" prop:value=slug
                    on:input=move |ev| { slug_edited.set(true); slug.set(event_target_value(&ev)); }
                    aria-describedby="field-slug-help field-slug-errors"/>
                <p class="help" id="field-slug-help">"The archive's address, /tag/<slug>/: lowercase letters, numbers, underscores and hyphens."</p>
                <FieldErrors name="slug" error/>
            </div>
            <TextAreaField label="Description" name="description" error rows=3 maxlength=2000 value=form.description.clone()
                help="Shown at the top of the tag's archive page (plain text)."/>
            {form.id.map(|_| view! { <ReadOnly facts=vec![("Posts", form.post_count.to_string())]/> })}
            <SubmitRow model=AdminModel::Tags id=form.id pending=save.pending().into()/>
        </ActionForm>
        {merge.map(|(id, version)| view! { <MergeForm id version/> })}
    }
}

/// Merges the tag into another: its posts get the other tag and it is deleted.
#[component]
fn MergeForm(id: i64, version: String) -> impl IntoView {
    let merge = ServerAction::<AdminMergeTag>::new();
    let error = action_error(merge);
    view! {
        <section class="admin-form merge-tag" aria-labelledby="merge-heading">
            <h2 id="merge-heading">"Merge into another tag"</h2>
            <ActionForm action=merge attr:novalidate=true>
                <CsrfField/>
                <FormMessage error/>
                <input type="hidden" name="id" value=id.to_string()/>
                <input type="hidden" name="version" value=version/>
                <div class="field">
                    <label for="field-into">"Tag to keep"</label>
                    <input id="field-into" name="into" required maxlength="120" aria-describedby="field-into-help field-into-errors"/>
                    <p class="help" id="field-into-help">"Its name or slug. Every post of this tag gets that tag instead, and this tag is deleted (the change is in both tags' history)."</p>
                    <FieldErrors name="into" error/>
                </div>
                <div class="submit-row">
                    <button type="submit" disabled=move || merge.pending().get()>"Merge"</button>
                </div>
            </ActionForm>
        </section>
    }
}
