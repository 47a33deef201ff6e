//! `/admin/<model>/add/` and `/admin/<model>/<id>/`: the change forms. They are plain forms
//! (they work before the wasm loads) with field-level messages, the three save buttons of
//! Django's admin, and the object's version so a save never silently overwrites someone else's.
//! Posts add the slug filled in from the title, the author picker and the Markdown preview.
//!
//! This module holds the routes and what every model's form shares (the header, the saved
//! notice, the submit row, the read-only facts); each model's form is its own module
//! ([`post`], [`category`], [`tag`], [`comment`], [`user`]; a background job has a read-only
//! page, [`job`]), and the post form's author field is [`author_picker`].

mod author_picker;
mod category;
mod comment;
mod job;
mod post;
mod tag;
mod user;

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use self::category::CategoryFormView;
use self::comment::CommentFormView;
use self::job::JobView;
use self::post::PostFormView;
use self::tag::TagFormView;
use self::user::UserFormView;
use super::{id_param, model_param, AdminFrame, Breadcrumbs};
use crate::components::error_page::ErrorPage;
use crate::components::forms::Notice;
use crate::components::loading::Loading;
use crate::error::AppError;
use crate::model::admin::{
    AdminModel, CategoryForm, CommentForm, JobDetail, PostForm, TagForm, UserForm,
};
use crate::server_fns::admin::{
    admin_category_form, admin_comment_form, admin_job, admin_post_form, admin_tag_form,
    admin_user_form,
};

/// Any model's form, loaded for `id` (`None`: add).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum AnyForm {
    Post(PostForm),
    Category(CategoryForm),
    Tag(TagForm),
    Comment(CommentForm),
    User(UserForm),
    Job(JobDetail),
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
        AdminModel::Tags => AnyForm::Tag(admin_tag_form(id).await?),
        AdminModel::Comments => {
            AnyForm::Comment(admin_comment_form(id.ok_or(AppError::NotFound)?).await?)
        }
        AdminModel::Users => AnyForm::User(admin_user_form(id).await?),
        AdminModel::Jobs => AnyForm::Job(admin_job(id.ok_or(AppError::NotFound)?).await?),
        // Subscribers have no page of their own: their list's actions are all there is.
        AdminModel::Subscribers => return Err(AppError::NotFound),
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
                        Ok(AnyForm::Tag(form)) => view! { <TagFormView form/> }.into_any(),
                        Ok(AnyForm::Comment(form)) => view! { <CommentFormView form/> }.into_any(),
                        Ok(AnyForm::User(form)) => view! { <UserFormView form/> }.into_any(),
                        Ok(AnyForm::Job(job)) => view! { <JobView job/> }.into_any(),
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
        } else if q.get("merged").is_some() {
            Some(view! { <Notice>"The tags were merged: their posts now carry this tag."</Notice> })
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
        Some(_) if model == AdminModel::Jobs => "Job".to_string(),
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
