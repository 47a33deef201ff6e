//! The category's change form: name, with the slug filled in from it.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{FormHeader, ReadOnly, SubmitRow};
use crate::components::forms::{action_error, CsrfField, FieldErrors, FormMessage};
use crate::domain::slugify;
use crate::model::admin::{AdminModel, CategoryForm};
use crate::server_fns::admin::AdminSaveCategory;

/// A category's add or change form.
#[component]
pub fn CategoryFormView(form: CategoryForm) -> impl IntoView {
    let save = ServerAction::<AdminSaveCategory>::new();
    let error = action_error(save);
    let slug = RwSignal::new(form.slug.clone());
    let slug_edited = RwSignal::new(form.id.is_some());
    view! {
        <FormHeader model=AdminModel::Categories id=form.id name=form.name.clone()/>
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
                    aria-describedby="field-slug-errors"/>
                <FieldErrors name="slug" error/>
            </div>
            {form.id.map(|_| view! { <ReadOnly facts=vec![("Posts", form.post_count.to_string())]/> })}
            <SubmitRow model=AdminModel::Categories id=form.id pending=save.pending().into()/>
        </ActionForm>
    }
}
