//! `/admin/<model>/`: the change list. Search, filters, sorting, date drill-down and page are
//! links and a GET form over the URL's query string; selecting rows, bulk actions and the
//! inline status edit run from the hydrated page and reload the list in place.

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use leptos_router::components::{Form, A};
use leptos_router::hooks::{use_location, use_query_map};

use super::{admin_time, model_param, AdminFrame, Breadcrumbs};
use crate::components::error_page::ErrorPage;
use crate::components::forms::Notice;
use crate::components::loading::Loading;
use crate::domain::changelist::ListParams;
use crate::domain::PostStatus;
use crate::error::AppError;
use crate::model::admin::{AdminModel, Cell, ChangeList, DateStep};
use crate::server_fns::admin::{admin_change_list, AdminBulkAction, AdminSaveStatuses};

/// The change list page of the route's model.
#[component]
pub fn ChangeListView() -> impl IntoView {
    let model = model_param();
    let location = use_location();
    let reload = RwSignal::new(0u32);
    // What the list shows: the model and query string while this page is the one shown. When
    // the router leaves the page (another admin page, signing out), the address changes before
    // the page goes; keeping the last value means no request and no re-render (an error page
    // with links) for a page that is being taken down.
    let shown = Memo::new(
        move |previous: Option<&(Option<AdminModel>, String, u32)>| {
            let current = model.get();
            let on_page = current.is_some_and(|m| location.pathname.get() == m.list_path());
            match previous {
                Some(previous) if !on_page => previous.clone(),
                _ => (current, location.search.get(), reload.get()),
            }
        },
    );
    let list = Resource::new(
        move || shown.get(),
        |(model, search, _)| async move {
            match model {
                Some(model) => admin_change_list(model, search).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    let title = Signal::derive(move || {
        model
            .get()
            .map(|m| m.title())
            .unwrap_or("Not found")
            .to_string()
    });
    let path = Signal::derive(move || model.get().map(|m| m.list_path()).unwrap_or_default());
    // Outside the page so it survives the list reloading after an action; cleared on navigation.
    let report = RwSignal::new(None::<Result<String, AppError>>);
    Effect::new(move |previous: Option<String>| {
        let search = location.search.get();
        if previous.is_some_and(|p| p != search) {
            report.set(None);
        }
        search
    });
    view! {
        <AdminFrame title path>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) => view! { <ChangeListPage list reload report/> }.into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Transition>
        </AdminFrame>
    }
}

fn href(model: AdminModel, params: &ListParams) -> String {
    format!("{}{}", model.list_path(), params.to_query())
}

#[component]
fn ChangeListPage(
    list: ChangeList,
    reload: RwSignal<u32>,
    report: RwSignal<Option<Result<String, AppError>>>,
) -> impl IntoView {
    let model = list.model;
    let params = list.params.clone();
    let query = use_query_map();
    let selected = RwSignal::new(BTreeSet::<i64>::new());
    let select_across = RwSignal::new(false);
    let status_changes = RwSignal::new(BTreeMap::<i64, PostStatus>::new());
    let action_name = RwSignal::new(String::new());
    let confirming = RwSignal::new(false);
    let bulk = ServerAction::<AdminBulkAction>::new();
    let statuses = ServerAction::<AdminSaveStatuses>::new();
    let page_ids: Vec<i64> = list.rows.iter().map(|r| r.id).collect();
    let row_count = page_ids.len();
    Effect::new(move |_| {
        if let Some(result) = bulk.value().get() {
            report.set(Some(result.map(|r| r.message)));
            selected.set(BTreeSet::new());
            select_across.set(false);
            confirming.set(false);
            reload.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        if let Some(result) = statuses.value().get() {
            report.set(Some(result.map(|r| r.message)));
            status_changes.set(BTreeMap::new());
            reload.update(|n| *n += 1);
        }
    });
    let query_string = params.to_query();
    let run_action = {
        let query_string = query_string.clone();
        move |confirmed: bool| {
            let name = action_name.get_untracked();
            if name.is_empty() {
                report.set(Some(Err(AppError::BadRequest(
                    "Choose an action first.".into(),
                ))));
                return;
            }
            if selected.with_untracked(BTreeSet::is_empty) && !select_across.get_untracked() {
                report.set(Some(Err(AppError::BadRequest(
                    "Select the rows to act on first: nothing was changed.".into(),
                ))));
                return;
            }
            if name == "delete" && !confirmed {
                confirming.set(true);
                return;
            }
            let ids = selected
                .get_untracked()
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            bulk.dispatch(AdminBulkAction {
                model,
                action: name,
                ids,
                select_across: select_across.get_untracked(),
                query: query_string.clone(),
            });
        }
    };
    let run_action = StoredValue::new(run_action);
    let save_statuses = move |_| {
        let changes = status_changes
            .get_untracked()
            .iter()
            .map(|(id, s)| format!("{id}:{}", s.as_str()))
            .collect::<Vec<_>>()
            .join(",");
        statuses.dispatch(AdminSaveStatuses { changes });
    };
    let saved_notice = move || {
        let q = query.read();
        q.get("saved")
            .map(|_| format!("The {} was saved.", model.singular()))
            .or_else(|| {
                q.get("deleted")
                    .map(|name| format!("The {} “{name}” was deleted.", model.singular()))
            })
    };
    let all_on_page = {
        let page_ids = page_ids.clone();
        Memo::new(move |_| {
            !page_ids.is_empty() && selected.with(|s| page_ids.iter().all(|id| s.contains(id)))
        })
    };
    let toggle_page = {
        let page_ids = page_ids.clone();
        move |ev: leptos::ev::Event| {
            let on = event_target_checked(&ev);
            selected.update(|s| {
                for id in &page_ids {
                    if on {
                        s.insert(*id);
                    } else {
                        s.remove(id);
                    }
                }
            });
            if !on {
                select_across.set(false);
            }
        }
    };
    let matching = list.matching;
    let total = list.total;
    let columns = list.columns.clone();
    let ordering = params.ordering().map(|(k, d)| (k.to_string(), d));
    let search_params = params.clone();
    let status_editable = list.status_editable;
    let has_actions = !list.actions.is_empty();
    let actions = list.actions.clone();
    view! {
        <Breadcrumbs model=Some(model)/>
        <div class="admin-heading">
            <h1>{model.title()}</h1>
            {list.can_add.then(|| view! {
                <A href=format!("/admin/{}/add/", model.slug()) attr:class="button">"Add " {model.singular()}</A>
            })}
            // The rows as searched and filtered here, as a CSV download (a server route).
            {(model == AdminModel::Subscribers).then(|| view! {
                <a href=format!("/admin/subscribers/export.csv{}", params.to_query()) class="button secondary" rel="external" download>"Export CSV"</a>
            })}
        </div>
        {move || saved_notice().map(|n| view! { <Notice>{n}</Notice> })}
        <div class="admin-message" role="status" aria-live="polite">
            {move || report.get().map(|r| match r {
                Ok(message) => view! { <p class="notice">{message}</p> }.into_any(),
                Err(error) => view! { <p class="form-error">{error.form_message().unwrap_or_default()}</p> }.into_any(),
            })}
        </div>
        {list.search_help.clone().map(|help| {
            let hidden = search_params.with_search("");
            view! {
                <Form method="GET" action=model.list_path() attr:class="admin-search" attr:role="search">
                    <label class="visually-hidden" for="admin-q">"Search"</label>
                    <input id="admin-q" type="search" name="q" value=search_params.q.clone() maxlength="200" aria-describedby="admin-q-help"/>
                    {hidden.filters.iter().map(|(k, v)| view! { <input type="hidden" name=k.clone() value=v.clone()/> }).collect_view()}
                    {hidden.year.map(|y| view! { <input type="hidden" name="year" value=y.to_string()/> })}
                    {hidden.month.map(|m| view! { <input type="hidden" name="month" value=m.to_string()/> })}
                    {hidden.day.map(|d| view! { <input type="hidden" name="day" value=d.to_string()/> })}
                    {hidden.o.clone().map(|o| view! { <input type="hidden" name="o" value=o/> })}
                    <button type="submit">"Search"</button>
                    <span class="help" id="admin-q-help">{help}</span>
                </Form>
            }
        })}
        {list.drill_down.clone().map(|drill| view! {
            <nav class="date-drilldown" aria-label="Filter by publication date">
                {drill.back.into_iter().map(|step| date_link(model, &params, step, true)).collect_view()}
                {drill.steps.into_iter().map(|step| date_link(model, &params, step, false)).collect_view()}
            </nav>
        })}
        <p class="result-count">
            {if list.params.is_narrowed() {
                format!("{} matching, {} total", model.count_label(matching), total)
            } else {
                model.count_label(total)
            }}
            {list.params.is_narrowed().then(|| view! { " " <A href=model.list_path()>"Clear all filters"</A> })}
        </p>
        <div class="changelist">
            <div class="changelist-main">
                {has_actions.then(|| view! {
                    <div class="actions-bar">
                        <label for="admin-action">"Action:"</label>
                        <select id="admin-action" on:change=move |ev| { action_name.set(event_target_value(&ev)); confirming.set(false); }>
                            <option value="">"---------"</option>
                            {actions.iter().map(|a| view! { <option value=a.name.clone()>{a.label.clone()}</option> }).collect_view()}
                        </select>
                        <button type="button" disabled=move || bulk.pending().get() on:click=move |_| run_action.with_value(|f| f(false))>"Go"</button>
                        <span class="selection-count">
                            {move || if select_across.get() {
                                format!("All {} selected", model.count_label(matching))
                            } else {
                                format!("{} of {} selected", selected.with(BTreeSet::len), row_count)
                            }}
                        </span>
                        {move || (all_on_page.get() && !select_across.get() && matching > row_count as i64).then(|| view! {
                            <button type="button" class="link-button" on:click=move |_| select_across.set(true)>
                                {format!("Select all {}", model.count_label(matching))}
                            </button>
                        })}
                    </div>
                })}
                {move || confirming.get().then(|| view! {
                    <div class="confirm-delete" role="alertdialog" aria-labelledby="confirm-delete-title">
                        <p id="confirm-delete-title">
                            {move || format!("Delete {}? Their related objects (a post's comments, a user's posts and comments) are deleted with them. This cannot be undone.",
                                if select_across.get() { model.count_label(matching) } else { model.count_label(selected.with(BTreeSet::len) as i64) })}
                        </p>
                        <button type="button" class="danger" on:click=move |_| run_action.with_value(|f| f(true))>"Yes, delete"</button>
                        <button type="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
                    </div>
                })}
                <div class="table-scroll">
                    <table class="result-list">
                        <thead>
                            <tr>
                                {has_actions.then(|| view! {
                                    <th scope="col" class="select">
                                        <input type="checkbox" aria-label="Select all rows on this page" prop:checked=all_on_page on:change=toggle_page/>
                                    </th>
                                })}
                                {columns.into_iter().map(|c| {
                                    let sorted = ordering.as_ref().filter(|(k, _)| *k == c.key).map(|(_, d)| *d);
                                    let aria = match sorted { Some(true) => "descending", Some(false) => "ascending", None => "none" };
                                    let arrow = match sorted { Some(true) => " ▼", Some(false) => " ▲", None => "" };
                                    if c.sortable {
                                        let link = href(model, &params.toggled_ordering(&c.key));
                                        view! { <th scope="col" aria-sort=aria><A href=link>{c.label.clone()}{arrow}</A></th> }.into_any()
                                    } else {
                                        view! { <th scope="col">{c.label.clone()}</th> }.into_any()
                                    }
                                }).collect_view()}
                            </tr>
                        </thead>
                        <tbody>
                            {list.rows.into_iter().map(|row| {
                                let id = row.id;
                                let label = match row.cells.first() {
                                    Some(Cell::Link { text, .. }) => text.clone(),
                                    _ => id.to_string(),
                                };
                                view! {
                                    <tr class:selected=move || selected.with(|s| s.contains(&id)) || select_across.get()>
                                        {has_actions.then(|| view! {
                                            <td class="select">
                                                <input type="checkbox" name="ids" value=id.to_string() aria-label=format!("Select {label}")
                                                    prop:checked=move || selected.with(|s| s.contains(&id)) || select_across.get()
                                                    on:change=move |ev| {
                                                        let on = event_target_checked(&ev);
                                                        select_across.set(false);
                                                        selected.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                                                    }/>
                                            </td>
                                        })}
                                        {row.cells.into_iter().enumerate().map(|(i, cell)| {
                                            let cell_view = render_cell(cell, id, status_editable, status_changes);
                                            if i == 0 {
                                                view! { <th scope="row">{cell_view}</th> }.into_any()
                                            } else {
                                                view! { <td>{cell_view}</td> }.into_any()
                                            }
                                        }).collect_view()}
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                {(row_count == 0).then(|| view! { <p class="empty">"Nothing matches."</p> })}
                {status_editable.then(|| view! {
                    <div class="list-save">
                        <button type="button" disabled=move || status_changes.with(BTreeMap::is_empty) || statuses.pending().get() on:click=save_statuses>
                            {move || match status_changes.with(BTreeMap::len) {
                                0 => "Save status changes".to_string(),
                                n => format!("Save {n} status change{}", if n == 1 { "" } else { "s" }),
                            }}
                        </button>
                    </div>
                })}
                <ListPagination model params=params.clone() page=list.page/>
            </div>
            {(!list.filters.is_empty()).then(|| view! {
                <aside class="filters" aria-label="Filters">
                    <h2>"Filter"</h2>
                    {list.filters.into_iter().map(|f| {
                        let current = params.filter(&f.param).map(str::to_string);
                        view! {
                            <h3>{f.title.clone()}</h3>
                            <ul>
                                {f.choices.into_iter().map(|choice| {
                                    let active = choice.value == current;
                                    let link = href(model, &params.with_filter(&f.param, choice.value.as_deref()));
                                    view! {
                                        <li class:selected=active>
                                            <A href=link attr:aria-current=active.then_some("true")>{choice.label}</A>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }
                    }).collect_view()}
                </aside>
            })}
        </div>
    }
}

fn date_link(model: AdminModel, params: &ListParams, step: DateStep, back: bool) -> impl IntoView {
    let link = href(model, &params.with_date(step.year, step.month, step.day));
    let text = match step.count {
        Some(n) => format!("{} ({n})", step.label),
        None => step.label.clone(),
    };
    view! {
        <A href=link attr:class=if back { "date-back" } else { "date-step" }>{if back { format!("‹ {text}") } else { text }}</A>
    }
}

fn render_cell(
    cell: Cell,
    id: i64,
    status_editable: bool,
    changes: RwSignal<BTreeMap<i64, PostStatus>>,
) -> AnyView {
    match cell {
        Cell::Text(text) => text.into_any(),
        Cell::Link { text, href } => view! { <A href=href>{text}</A> }.into_any(),
        Cell::Bool(flag) => view! {
            <span class=if flag { "flag yes" } else { "flag no" }>{if flag { "Yes" } else { "No" }}</span>
        }
        .into_any(),
        Cell::Time(at) => admin_time(at).into_any(),
        Cell::Number(n) => n.to_string().into_any(),
        Cell::Status(status) if status_editable => {
            let options = [PostStatus::Draft, PostStatus::Published, PostStatus::Archived];
            view! {
                <select aria-label="Status" class:changed=move || changes.with(|c| c.contains_key(&id))
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        if let Some(new) = PostStatus::parse(&value) {
                            changes.update(|c| { if new == status { c.remove(&id); } else { c.insert(id, new); } });
                        }
                    }>
                    {options.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=s == status>{s.label()}</option>
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        Cell::Status(status) => status.label().into_any(),
    }
}

#[component]
fn ListPagination(
    model: AdminModel,
    params: ListParams,
    page: crate::domain::pagination::PageInfo,
) -> impl IntoView {
    (page.num_pages > 1).then(|| {
        let numbers = page_numbers(page.number, page.num_pages);
        view! {
            <nav class="pagination" aria-label="Pages">
                {numbers.into_iter().map(|n| match n {
                    Some(n) if n == page.number => view! { <span aria-current="page" class="current">{n}</span> }.into_any(),
                    Some(n) => view! { <A href=href(model, &params.with_page(n))>{n}</A> }.into_any(),
                    None => view! { <span class="gap">"…"</span> }.into_any(),
                }).collect_view()}
            </nav>
        }
    })
}

/// The page links to show (Django's `get_elided_page_range`: 3 on each side of the current
/// page, 2 at each end, `None` for a gap).
pub fn page_numbers(current: i64, count: i64) -> Vec<Option<i64>> {
    let mut out = Vec::new();
    let mut last = 0;
    for n in 1..=count {
        let near_end = n <= 2 || n > count - 2;
        let near_current = (n - current).abs() <= 3;
        if near_end || near_current {
            if n > last + 1 {
                out.push(None);
            }
            out.push(Some(n));
            last = n;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::page_numbers;

    #[test]
    fn page_links_are_elided_as_django_does() {
        assert_eq!(page_numbers(1, 3), vec![Some(1), Some(2), Some(3)]);
        let pages = page_numbers(50, 1008);
        assert_eq!(pages.first(), Some(&Some(1)));
        assert_eq!(pages.last(), Some(&Some(1008)));
        assert!(
            pages.contains(&Some(47)) && pages.contains(&Some(53)) && !pages.contains(&Some(46))
        );
        assert_eq!(pages.iter().filter(|p| p.is_none()).count(), 2);
    }
}
