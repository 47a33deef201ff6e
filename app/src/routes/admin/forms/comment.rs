//! The comment's change form (moderation): the comment's text and its approval.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;

use super::{FormHeader, ReadOnly, SubmitRow};
use crate::components::forms::{action_error, CsrfField, FormMessage, TextAreaField};
use crate::model::admin::{AdminModel, CommentForm};
use crate::routes::admin::admin_time;
use crate::server_fns::admin::AdminSaveComment;

/// A comment's change form (comments are added by readers, never here).
#[component]
pub fn CommentFormView(form: CommentForm) -> impl IntoView {
    let save = ServerAction::<AdminSaveComment>::new();
    let error = action_error(save);
    let name: String = form.body.chars().take(40).collect();
    view! {
        <FormHeader model=AdminModel::Comments id=Some(form.id) name/>
        <ActionForm action=save attr:class="admin-form" attr:novalidate=true>
            <CsrfField/>
            <FormMessage error/>
            <input type="hidden" name="id" value=form.id.to_string()/>
            <input type="hidden" name="version" value=form.version.clone()/>
            <ReadOnly facts=vec![("Post", form.post_title.clone()), ("Author", form.author.clone()), ("Created", admin_time(Some(form.created_at)))]/>
            <p><A href=form.post_href.clone()>"Open the post in the admin"</A></p>
            <TextAreaField label="Comment" name="body" error rows=6 maxlength=5000 required=true value=form.body.clone()/>
            <div class="field checkbox">
                <input id="field-is_approved" type="checkbox" name="is_approved" value="on" checked=form.is_approved/>
                <label for="field-is_approved">"Approved (shown to readers)"</label>
            </div>
            <SubmitRow model=AdminModel::Comments id=Some(form.id) pending=save.pending().into() add_another=false/>
        </ActionForm>
    }
}
