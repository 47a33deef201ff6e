//! `/admin/<model>/add/` and `/admin/<model>/<id>/`: the change forms. They are plain forms
//! (they work before the wasm loads) with field-level messages, the three save buttons of
//! Django's admin, and the object's version so a save never silently overwrites someone else's.
//! Posts add the slug filled in from the title, the author picker and the Markdown preview.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::{admin_time, id_param, model_param, AdminFrame, Breadcrumbs};
use crate::components::error_page::ErrorPage;
use crate::components::forms::{
    action_error, CsrfField, Field, FormMessage, Notice, TextAreaField,
};
use crate::components::loading::Loading;
use crate::domain::{slugify, PostStatus, Role};
use crate::error::AppError;
use crate::model::admin::{AdminModel, CategoryForm, CommentForm, PostForm, UserForm};
use crate::server_fns::admin::{
    admin_category_form, admin_comment_form, admin_post_form, admin_search_authors,
    admin_user_form, AdminPreviewMarkdown, AdminSaveCategory, AdminSaveComment, AdminSavePost,
    AdminSaveUser, AdminSendPasswordReset,
};

/// Any model's form, loaded for `id` (`None`: add).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum AnyForm {
    Post(PostForm),
    Category(CategoryForm),
    Comment(CommentForm),
    User(UserForm),
}

async fn load(
    model: Option<AdminModel>,
    id: Option<i64>,
    adding: bool,
) -> Result<AnyForm, AppError> {
    let model = model.ok_or(AppError::NotFound)?;
    if !adding && id.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(match model {
        AdminModel::Posts => AnyForm::Post(admin_post_form(id).await?),
        AdminModel::Categories => AnyForm::Category(admin_category_form(id).await?),
        AdminModel::Comments => {
            AnyForm::Comment(admin_comment_form(id.ok_or(AppError::NotFound)?).await?)
        }
        AdminModel::Users => AnyForm::User(admin_user_form(id).await?),
    })
}

/// The add form of the route's model.
#[component]
pub fn AddView() -> impl IntoView {
    view! { <FormPage adding=true/> }
}

/// The change form of the route's object.
#[component]
pub fn ChangeView() -> impl IntoView {
    view! { <FormPage adding=false/> }
}

#[component]
fn FormPage(adding: bool) -> impl IntoView {
    let model = model_param();
    let id = id_param();
    let form = Resource::new(
        move || (model.get(), id.get()),
        move |(model, id)| load(model, if adding { None } else { id }, adding),
    );
    let path = Signal::derive(move || match (model.get(), id.get()) {
        (Some(m), Some(id)) if !adding => m.object_path(id),
        (Some(m), _) => format!("/admin/{}/add/", m.slug()),
        _ => "/admin/".to_string(),
    });
    let title = Signal::derive(move || match model.get() {
        Some(m) if adding => format!("Add {}", m.singular()),
        Some(m) => format!("Change {}", m.singular()),
        None => "Not found".to_string(),
    });
    view! {
        <AdminFrame title path>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match form.await {
                        Ok(AnyForm::Post(form)) => view! { <PostFormView form/> }.into_any(),
                        Ok(AnyForm::Category(form)) => view! { <CategoryFormView form/> }.into_any(),
                        Ok(AnyForm::Comment(form)) => view! { <CommentFormView form/> }.into_any(),
                        Ok(AnyForm::User(form)) => view! { <UserFormView form/> }.into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Transition>
        </AdminFrame>
    }
}

/// "The post was saved." after a redirect with `?saved=`.
#[component]
fn SavedNotice(model: AdminModel) -> impl IntoView {
    let query = use_query_map();
    move || {
        let q = query.read();
        if q.get("saved").is_some() {
            Some(
                view! { <Notice>{format!("The {} was saved. You may edit it again below.", model.singular())}</Notice> },
            )
        } else if q.get("reset").is_some() {
            Some(view! { <Notice>"A link to choose a new password was emailed."</Notice> })
        } else {
            None
        }
    }
}

/// The header of a form: breadcrumbs, title and the object's links (history, view on site).
#[component]
fn FormHeader(
    model: AdminModel,
    id: Option<i64>,
    name: String,
    #[prop(default = None)] public_path: Option<String>,
) -> impl IntoView {
    let title = match id {
        Some(_) => format!("Change {}", model.singular()),
        None => format!("Add {}", model.singular()),
    };
    view! {
        <Breadcrumbs model=Some(model) last=if id.is_some() { name.clone() } else { title.clone() }/>
        <div class="admin-heading">
            <h1>{title}</h1>
            {id.map(|id| view! {
                <ul class="object-tools">
                    {(model == AdminModel::Posts).then(|| view! {
                        <li><A href=crate::model::editor::EditorPost::edit_path(id)>"Open in the editor"</A></li>
                    })}
                    <li><A href=format!("{}history/", model.object_path(id))>"History"</A></li>
                    {public_path.map(|p| view! { <li><a href=p>"View on site"</a></li> })}
                </ul>
            })}
        </div>
        <SavedNotice model/>
    }
}

/// Save, Save and continue editing, Save and add another, Delete (Django's submit row).
#[component]
fn SubmitRow(
    model: AdminModel,
    id: Option<i64>,
    pending: Signal<bool>,
    #[prop(default = true)] add_another: bool,
) -> impl IntoView {
    view! {
        <div class="submit-row">
            <button type="submit" name="after" value="save" class="default" disabled=pending>"Save"</button>
            <button type="submit" name="after" value="continue" disabled=pending>"Save and continue editing"</button>
            {add_another.then(|| view! { <button type="submit" name="after" value="addanother" disabled=pending>"Save and add another"</button> })}
            {id.map(|id| view! { <A href=format!("{}delete/", model.object_path(id)) attr:class="deletelink">"Delete"</A> })}
        </div>
    }
}

/// The read-only facts of an object.
#[component]
fn ReadOnly(facts: Vec<(&'static str, String)>) -> impl IntoView {
    view! {
        <dl class="readonly">
            {facts.into_iter().map(|(label, value)| view! { <dt>{label}</dt><dd>{value}</dd> }).collect_view()}
        </dl>
    }
}

#[component]
fn PostFormView(form: PostForm) -> impl IntoView {
    let save = ServerAction::<AdminSavePost>::new();
    let error = action_error(save);
    let title = RwSignal::new(form.title.clone());
    let slug = RwSignal::new(form.slug.clone());
    // Django's `prepopulated_fields`: the slug follows the title until the slug is edited, and
    // only on the add form (changing a published post's slug changes its address).
    let slug_edited = RwSignal::new(form.id.is_some());
    let body = RwSignal::new(form.body.clone());
    let preview = ServerAction::<AdminPreviewMarkdown>::new();
    let show_preview = RwSignal::new(false);
    let published_at = form
        .published_at
        .map(|t| t.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default();
    let facts = match form.id {
        Some(_) => vec![
            ("Views", form.view_count.to_string()),
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

/// A field's messages (for fields built inline rather than with [`Field`]).
#[component]
fn FieldErrors(name: &'static str, #[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <div class="field-errors" id=format!("field-{name}-errors") aria-live="polite">
            {move || error.get().map(|e| e.field_messages(name)).unwrap_or_default().into_iter()
                .map(|m| view! { <p class="field-error">{m}</p> }).collect_view()}
        </div>
    }
}

/// The author field: a text field holding a username, with suggestions from the staff as you
/// type (a combobox, WAI-ARIA Authoring Practices), instead of a select listing every user.
/// Authors see their own name, read-only.
#[component]
fn AuthorPicker(
    initial: String,
    editable: bool,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    if !editable {
        return view! {
            <div class="field">
                <span class="label">"Author"</span>
                <p class="readonly-value">{initial}</p>
            </div>
        }
        .into_any();
    }
    let value = RwSignal::new(initial);
    let term = RwSignal::new(String::new());
    let open = RwSignal::new(false);
    let active = RwSignal::new(None::<usize>);
    let suggestions = Resource::new(
        move || term.get(),
        |term| async move {
            if term.trim().is_empty() {
                Ok(Vec::new())
            } else {
                admin_search_authors(term).await
            }
        },
    );
    let choices = move || suggestions.get().and_then(Result::ok).unwrap_or_default();
    let choose = move |username: String| {
        value.set(username);
        open.set(false);
        active.set(None);
    };
    view! {
        <div class="field author-picker">
            <label for="field-author">"Author"</label>
            <input id="field-author" name="author" autocomplete="off" role="combobox"
                aria-autocomplete="list" aria-controls="author-choices"
                aria-expanded=move || if open.get() && !choices().is_empty() { "true" } else { "false" }
                aria-activedescendant=move || active.get().map(|i| format!("author-choice-{i}"))
                aria-describedby="field-author-help field-author-errors"
                prop:value=value
                on:input=move |ev| {
                    let typed = event_target_value(&ev);
                    value.set(typed.clone());
                    term.set(typed);
                    open.set(true);
                    active.set(None);
                }
                on:keydown=move |ev| {
                    let count = choices().len();
                    match ev.key().as_str() {
                        "ArrowDown" if count > 0 => { ev.prevent_default(); open.set(true); active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % count))); }
                        "ArrowUp" if count > 0 => { ev.prevent_default(); active.update(|a| *a = Some(a.map_or(count - 1, |i| (i + count - 1) % count))); }
                        "Enter" => {
                            if let (true, Some(i)) = (open.get_untracked(), active.get_untracked()) {
                                if let Some(choice) = choices().get(i) {
                                    ev.prevent_default();
                                    choose(choice.username.clone());
                                }
                            }
                        }
                        "Escape" => open.set(false),
                        _ => {}
                    }
                }/>
            <p class="help" id="field-author-help">"Type a name, username or email address and pick a staff member."</p>
            <ul id="author-choices" role="listbox" class="choices" hidden=move || !open.get() || choices().is_empty()>
                {move || choices().into_iter().enumerate().map(|(i, c)| {
                    let username = c.username.clone();
                    view! {
                        <li id=format!("author-choice-{i}") role="option" aria-selected=move || if active.get() == Some(i) { "true" } else { "false" }
                            on:mousedown=move |ev| { ev.prevent_default(); choose(username.clone()); }>
                            <strong>{c.name.clone()}</strong> " " <span>{format!("@{}", c.username)}</span>
                            {c.email.clone().map(|e| view! { " " <span class="muted">{e}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <FieldErrors name="author" error/>
        </div>
    }
    .into_any()
}

#[component]
fn CategoryFormView(form: CategoryForm) -> impl IntoView {
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

#[component]
fn CommentFormView(form: CommentForm) -> impl IntoView {
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

#[component]
fn UserFormView(form: UserForm) -> impl IntoView {
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
