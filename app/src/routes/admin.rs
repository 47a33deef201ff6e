//! The admin back-office at `/admin/` (staff only): index, change lists, change forms, delete
//! confirmation and history, one module each. Every page is rendered on the server first; once
//! hydrated, links, filters and actions run without reloading the page.
//!
//! The pages only hide what a role may not do; the server functions they call decide.

mod change_list;
mod combobox;
mod delete;
mod editor;
mod forms;
mod history;
mod index;
mod media;
pub(crate) mod tag_field;

pub use change_list::ChangeListView;
pub use delete::DeleteView;
pub use editor::{EditorView, PreviewView};
pub use forms::{AddView, ChangeView};
pub use history::HistoryView;
pub use index::AdminIndexView;
pub use media::MediaLibraryView;

use leptos_router::{lazy_route, LazyRoute};

lazy_page!(AdminIndexRoute, AdminIndexView);
lazy_page!(ChangeListRoute, ChangeListView);
lazy_page!(AddRoute, AddView);
lazy_page!(ChangeRoute, ChangeView);
lazy_page!(DeleteRoute, DeleteView);
lazy_page!(HistoryRoute, HistoryView);
lazy_page!(EditorRoute, EditorView);
lazy_page!(PreviewRoute, PreviewView);
lazy_page!(MediaRoute, MediaLibraryView);

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use crate::components::error_page::ErrorPage;
use crate::components::page_meta::PageMeta;
use crate::components::user::RequireUser;
use crate::domain::Permission;
use crate::error::AppError;
use crate::model::admin::AdminModel;

/// The model named by the route's `:model` segment.
fn model_param() -> Memo<Option<AdminModel>> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get("model")
            .and_then(|m| AdminModel::parse(&m))
    })
}

/// The object id of the route's `:id` segment.
fn id_param() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("id").and_then(|id| id.parse().ok()))
}

/// A time as the admin shows it: `2024-05-03 14:02 UTC`, or "-".
pub fn admin_time(at: Option<DateTime<Utc>>) -> String {
    at.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "-".to_string())
}

/// The frame of every admin page: a staff check (anonymous visitors go to sign-in, readers get
/// the permission message), the admin navigation and the page's title. `bare` leaves out the
/// navigation (the preview looks exactly like the reader's page).
#[component]
fn AdminFrame(
    #[prop(into)] title: Signal<String>,
    #[prop(into)] path: Signal<String>,
    #[prop(optional)] bare: bool,
    children: ChildrenFn,
) -> impl IntoView {
    let children = StoredValue::new(children);
    view! {
        {move || view! { <PageMeta title=format!("{} | Admin", title.get()) description="Folio administration" path=path.get()/> }}
        <RequireUser path=path.get_untracked() let:user>
            {if user.role.can(Permission::AccessAdmin) && bare {
                children.with_value(|c| c()).into_any()
            } else if user.role.can(Permission::AccessAdmin) {
                let models: Vec<AdminModel> = AdminModel::ALL
                    .into_iter()
                    .filter(|m| user.role.can(m.permission()))
                    .collect();
                view! {
                    <div class="admin">
                        <nav class="admin-nav" aria-label="Administration">
                            <A href="/admin/" exact=true>"Site administration"</A>
                            <ul>
                                {models.into_iter().map(|m| view! {
                                    <li><A href=m.list_path()>{m.title()}</A></li>
                                }).collect_view()}
                                {user.role.can(Permission::WritePosts).then(|| view! {
                                    <li><A href="/admin/media/">"Media"</A></li>
                                })}
                            </ul>
                            {user.role.can(Permission::WritePosts).then(|| view! { <WriteButton/> })}
                        </nav>
                        <div class="admin-main">{children.with_value(|c| c())}</div>
                    </div>
                }.into_any()
            } else {
                #[cfg(feature = "ssr")]
                if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                    response.set_status(AppError::Forbidden.status_code());
                }
                view! { <ErrorPage error=AppError::Forbidden/> }.into_any()
            }}
        </RequireUser>
    }
}

/// "Write a post": creates a draft and opens it in the editor (a plain form: works before the
/// wasm loads).
#[component]
fn WriteButton() -> impl IntoView {
    let create = ServerAction::<crate::server_fns::editor::EditorCreate>::new();
    view! {
        <leptos::form::ActionForm action=create attr:class="write-form">
            <crate::components::forms::CsrfField/>
            <button type="submit" class="write-button">"Write a post"</button>
        </leptos::form::ActionForm>
        {move || create.value().get().and_then(|r| r.err()).map(|e| view! {
            <p class="form-error" role="alert">{e.form_message().unwrap_or_else(|| e.to_string())}</p>
        })}
    }
}

/// Breadcrumbs: "Home › Posts › Title".
#[component]
fn Breadcrumbs(
    model: Option<AdminModel>,
    #[prop(optional, into)] last: Option<String>,
) -> impl IntoView {
    view! {
        <nav class="breadcrumbs" aria-label="Breadcrumbs">
            <A href="/admin/">"Home"</A>
            {model.map(|m| view! { " › " <A href=m.list_path()>{m.title()}</A> })}
            {last.map(|l| view! { " › " <span aria-current="page">{l}</span> })}
        </nav>
    }
}
