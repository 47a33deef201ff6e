//! `/admin/<model>/<id>/history/`: the object's audit log, oldest first.

use leptos::prelude::*;
use leptos_router::components::A;

use super::{admin_time, id_param, model_param, AdminFrame, Breadcrumbs};
use crate::components::error_page::ErrorPage;
use crate::components::loading::Loading;
use crate::error::AppError;
use crate::server_fns::admin::admin_history;

/// The history page.
#[component]
pub fn HistoryView() -> impl IntoView {
    let model = model_param();
    let id = id_param();
    let history = Resource::new(
        move || (model.get(), id.get()),
        |(model, id)| async move {
            match (model, id) {
                (Some(model), Some(id)) => admin_history(model, id).await,
                _ => Err(AppError::NotFound),
            }
        },
    );
    let path = Signal::derive(move || match (model.get(), id.get()) {
        (Some(m), Some(id)) => format!("{}history/", m.object_path(id)),
        _ => "/admin/".to_string(),
    });
    view! {
        <AdminFrame title="History" path>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match (history.await, model.get_untracked(), id.get_untracked()) {
                        (Ok((name, entries)), Some(model), Some(id)) => view! {
                            <Breadcrumbs model=Some(model) last=format!("{name}: history")/>
                            <h1>"History: " {name.clone()}</h1>
                            <p><A href=model.object_path(id)>"Back to the " {model.singular()}</A></p>
                            {if entries.is_empty() {
                                view! { <p>"This object has no change history. It probably was not added through the admin."</p> }.into_any()
                            } else {
                                view! {
                                    <table class="history">
                                        <thead><tr><th scope="col">"Date/time"</th><th scope="col">"User"</th><th scope="col">"Action"</th></tr></thead>
                                        <tbody>
                                            {entries.into_iter().map(|e| view! {
                                                <tr>
                                                    <th scope="row">{admin_time(Some(e.action_time))}</th>
                                                    <td>{e.user}</td>
                                                    <td>{e.action.label()} {(!e.change_message.is_empty()).then(|| format!(": {}", e.change_message))}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }.into_any()
                            }}
                        }.into_any(),
                        (Err(error), _, _) => view! { <ErrorPage error/> }.into_any(),
                        _ => view! { <ErrorPage error=AppError::NotFound/> }.into_any(),
                    }
                })}
            </Transition>
        </AdminFrame>
    }
}
