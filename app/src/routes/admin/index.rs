//! `/admin/`: the models grouped by area with their counts, the site's export downloads (for
//! administrators), and "Recent actions".

use leptos::prelude::*;
use leptos_router::components::A;

use super::{admin_time, AdminFrame};
use crate::components::error_page::ErrorPage;
use crate::components::loading::Loading;
use crate::model::admin::LogEntry;
use crate::server_fns::admin::get_admin_index;

/// The admin index page.
#[component]
pub fn AdminIndexView() -> impl IntoView {
    let index = Resource::new(|| (), |_| get_admin_index());
    view! {
        <AdminFrame title="Site administration" path="/admin/">
            <h1>"Site administration"</h1>
            <Transition fallback=Loading>
                {move || Suspend::new(async move {
                    match index.await {
                        Ok(index) => view! {
                            <div class="admin-index">
                                <div class="admin-models">
                                    {index.areas.into_iter().map(|(area, models)| view! {
                                        <table class="module">
                                            <caption>{area}</caption>
                                            <tbody>
                                                {models.into_iter().map(|m| view! {
                                                    <tr>
                                                        <th scope="row"><A href=m.model.list_path()>{m.model.title()}</A></th>
                                                        <td class="count">{m.count}</td>
                                                        {m.alert.map(|(text, href)| view! {
                                                            <td class="alert"><A href=href>{text}</A></td>
                                                        })}
                                                        {m.note.map(|(text, href)| view! {
                                                            <td class="note"><A href=href>{text}</A></td>
                                                        })}
                                                        <td>{m.can_add.then(|| view! {
                                                            <A href=format!("/admin/{}/add/", m.model.slug()) attr:class="addlink">"Add"</A>
                                                        })}</td>
                                                    </tr>
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    }).collect_view()}
                                    {index.can_export.then(|| view! {
                                        <section class="site-export" aria-labelledby="site-export">
                                            <h2 id="site-export">"Export the site"</h2>
                                            <p>"Every post, page and draft with its tags, category and authors, as "
                                               "folio export writes it."</p>
                                            <ul>
                                                <li><a href="/admin/export/markdown.tar.gz" rel="external" download>"Markdown (.tar.gz)"</a>
                                                    " — one file per post with TOML front matter, and the media it shows; Folio, Zola and Hugo read it"</li>
                                                <li><a href="/admin/export/ghost.json" rel="external" download>"Ghost (.json)"</a>
                                                    " — for Ghost's Labs → Import content"</li>
                                            </ul>
                                        </section>
                                    })}
                                </div>
                                <section class="recent-actions" aria-labelledby="recent-actions">
                                    <h2 id="recent-actions">"Recent actions"</h2>
                                    {if index.recent.is_empty() {
                                        view! { <p>"None available."</p> }.into_any()
                                    } else {
                                        view! { <ul>{index.recent.into_iter().map(log_line).collect_view()}</ul> }.into_any()
                                    }}
                                </section>
                            </div>
                        }.into_any(),
                        Err(error) => view! { <ErrorPage error/> }.into_any(),
                    }
                })}
            </Transition>
        </AdminFrame>
    }
}

/// One audit log entry as a list item: action, object (linked unless deleted), who, when.
pub fn log_line(entry: LogEntry) -> impl IntoView {
    let object = if entry.action == crate::model::admin::LogAction::Delete {
        view! { <span>{entry.object_repr.clone()}</span> }.into_any()
    } else {
        view! { <A href=entry.model.object_path(entry.object_id)>{entry.object_repr.clone()}</A> }
            .into_any()
    };
    view! {
        <li class=format!("log-{}", entry.action.as_str())>
            <span class="log-action">{entry.action.label()}</span> " " {entry.model.singular()} " " {object}
            <span class="log-meta">" by " {entry.user.clone()} ", " {admin_time(Some(entry.action_time))}</span>
            {(!entry.change_message.is_empty()).then(|| view! { <span class="log-message">" — " {entry.change_message.clone()}</span> })}
        </li>
    }
}
