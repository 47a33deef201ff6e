//! The user's change form: email, username, name, role and activity, the password-reset
//! link, and on the add form the invitation to choose a password.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::{FormHeader, ReadOnly, SubmitRow};
use crate::components::forms::{action_error, CsrfField, Field, FieldErrors, FormMessage};
use crate::domain::Role;
use crate::model::admin::{AdminModel, UserForm};
use crate::routes::admin::admin_time;
use crate::server_fns::admin::{AdminSaveUser, AdminSendPasswordReset};

/// A user's add or change form, with the password-reset form below on the change form.
#[component]
pub fn UserFormView(form: UserForm) -> impl IntoView {
    let save = ServerAction::<AdminSaveUser>::new();
    let error = action_error(save);
    let reset = ServerAction::<AdminSendPasswordReset>::new();
    let reset_error = action_error(reset);
    let facts = match form.id {
        Some(_) => vec![
            (
                "Email confirmed",
                if form.is_verified { "Yes" } else { "No" }.to_string(),
            ),
            (
                "Password",
                if form.has_password {
                    "Set (stored as an Argon2 hash)"
                } else {
                    "Not set: the user chooses one from the emailed link"
                }
                .to_string(),
            ),
            ("Joined", admin_time(form.date_joined)),
            ("Last sign-in", admin_time(form.last_login)),
        ],
        None => Vec::new(),
    };
    view! {
        <FormHeader model=AdminModel::Users id=form.id name=form.username.clone()/>
        <ActionForm action=save attr:class="admin-form" attr:novalidate=true>
            <CsrfField/>
            <FormMessage error/>
            {form.id.map(|id| view! { <input type="hidden" name="id" value=id.to_string()/> })}
            <input type="hidden" name="version" value=form.version.clone()/>
            <Field label="Email address" name="email" kind="email" error value=form.email.clone() maxlength=254/>
            <Field label="Username" name="username" error value=form.username.clone() maxlength=150
                help="Letters, digits and @ . + - _ only."/>
            <Field label="Name" name="display_name" error required=false value=form.display_name.clone() maxlength=150/>
            <div class="field">
                <label for="field-role">"Role"</label>
                <select id="field-role" name="role" aria-describedby="field-role-help field-role-errors">
                    {Role::ALL.into_iter().map(|r| view! { <option value=r.as_str() selected=r == form.role>{r.label()}</option> }).collect_view()}
                </select>
                <p class="help" id="field-role-help">"Authors write their own posts; editors run all content; administrators also manage users."</p>
                <FieldErrors name="role" error/>
            </div>
            <div class="field checkbox">
                <input id="field-is_active" type="checkbox" name="is_active" value="on" checked=form.is_active/>
                <label for="field-is_active">"Active (may sign in)"</label>
                <FieldErrors name="is_active" error/>
            </div>
            {form.id.is_none().then(|| view! {
                <div class="field checkbox">
                    <input id="field-send_reset" type="checkbox" name="send_reset" value="on" checked=true/>
                    <label for="field-send_reset">"Email a link to choose a password"</label>
                </div>
            })}
            <ReadOnly facts/>
            <SubmitRow model=AdminModel::Users id=form.id pending=save.pending().into()/>
        </ActionForm>
        {form.id.map(|id| view! {
            <ActionForm action=reset attr:class="inline-form">
                <CsrfField/>
                <FormMessage error=reset_error/>
                <input type="hidden" name="id" value=id.to_string()/>
                <button type="submit" class="link-button">"Send a password-reset link"</button>
            </ActionForm>
        })}
    }
}
