//! The post form's author field: a combobox of staff members (WAI-ARIA Authoring Practices)
//! that suggests names as you type.

use leptos::prelude::*;

use crate::components::forms::FieldErrors;
use crate::error::AppError;
use crate::routes::admin::combobox::ListState;
use crate::server_fns::admin::admin_search_authors;

/// The author field: a text field holding a username, with suggestions from the staff as you
/// type (a combobox, WAI-ARIA Authoring Practices), instead of a select listing every user.
/// Authors see their own name, read-only.
#[component]
pub fn AuthorPicker(
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
    let list = ListState::new();
    let ListState { open, active } = list;
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
        list.close();
    };
    view! {
        <div class="field author-picker">
            <label for="field-author">"Author"</label>
            <input id="field-author" name="author" autocomplete="off" role="combobox"
                aria-autocomplete="list" aria-controls="author-choices"
                aria-expanded=move || if open.get() && !choices().is_empty() { "true" } else { "false" }
                aria-activedescendant=move || active.get().map(|i| format!("author-choice-{i}"))
                aria-describedby="field-author-help field-author-errors"
                value=value.get_untracked()
                prop:value=value
                on:input=move |ev| {
                    let typed = event_target_value(&ev);
                    value.set(typed.clone());
                    term.set(typed);
                    list.reopen();
                }
                on:keydown=move |ev| {
                    let listed = choices();
                    if let Some(choice) = list.key(&ev, listed.len()).and_then(|i| listed.get(i)) {
                        choose(choice.username.clone());
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
