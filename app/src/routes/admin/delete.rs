//! `/admin/<model>/<id>/delete/`: the confirmation page, listing what is deleted with the object
//! and what prevents the deletion, as Django's admin does. The "Yes, I'm sure" button is a plain
//! form (it works before the page is hydrated).

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;

use super::{id_param, model_param, AdminFrame, Breadcrumbs};
use crate::components::error_page::ErrorPage;
use crate::components::forms::{action_error, CsrfField, FormMessage};
use crate::components::loading::Loading;
use crate::error::AppError;
use crate::model::admin::{DeletePreview, RelatedObjects};
use crate::server_fns::admin::{admin_delete_preview, AdminDelete};

/// The delete confirmation page.
#[component]
pub fn DeleteView() -> impl IntoView {
    let model = model_param();
    let id = id_param();
    let preview = Resource::new(
        move || (model.get(), id.get()),
        |(model, id)| async move {
            match (model, id) {
                (Some(model), Some(id)) => admin_delete_preview(model, id).await,
                _ => Err(AppError::NotFound),
            }
        },
    );
    let path = Signal::derive(move || match (model.get(), id.get()) {
        (Some(m), Some(id)) => format!("{}delete/", m.object_path(id)),
        _ => "/admin/".to_string(),
    });
    view! {
        <AdminFrame title="Are you sure?" path>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match preview.await {
                        Ok(preview) => view! { <DeletePage preview/> }.into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Transition>
        </AdminFrame>
    }
}

#[component]
fn DeletePage(preview: DeletePreview) -> impl IntoView {
    let delete = ServerAction::<AdminDelete>::new();
    let error = action_error(delete);
    let model = preview.model;
    let blocked = !preview.blockers.is_empty() || preview.refusal.is_some();
    view! {
        <Breadcrumbs model=Some(model) last=format!("Delete “{}”", preview.repr)/>
        <h1>"Are you sure?"</h1>
        {if blocked {
            view! {
                <p>{format!("Deleting the {} “{}” is not possible:", model.singular(), preview.repr)}</p>
                {preview.refusal.clone().map(|r| view! { <p class="form-error">{r}</p> })}
                {(!preview.blockers.is_empty()).then(|| view! {
                    <p>"These related objects would have to go first:"</p>
                    <ul class="related">{preview.blockers.clone().into_iter().map(related_group).collect_view()}</ul>
                })}
                <p><A href=model.object_path(preview.id)>"Back"</A></p>
            }.into_any()
        } else {
            view! {
                <p>{format!("Are you sure you want to delete the {} “{}”? All of the following related items will be deleted:", model.singular(), preview.repr)}</p>
                <ul class="related">
                    <li>{format!("{}: {}", capitalise(model.singular()), preview.repr)}</li>
                    {preview.cascades.clone().into_iter().map(related_group).collect_view()}
                </ul>
                <ActionForm action=delete attr:class="delete-confirmation">
                    <CsrfField/>
                    <FormMessage error/>
                    <input type="hidden" name="model" value=format!("{model:?}")/>
                    <input type="hidden" name="id" value=preview.id.to_string()/>
                    <button type="submit" class="danger" disabled=move || delete.pending().get()>"Yes, I’m sure"</button>
                    " "
                    <A href=model.object_path(preview.id)>"No, take me back"</A>
                </ActionForm>
            }.into_any()
        }}
    }
}

fn related_group(group: RelatedObjects) -> impl IntoView {
    let more = group.count - group.names.len() as i64;
    view! {
        <li>
            {format!("{}: {}", group.label, group.count)}
            <ul>
                {group.names.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
                {(more > 0).then(|| view! { <li>{format!("…and {more} more")}</li> })}
            </ul>
        </li>
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
