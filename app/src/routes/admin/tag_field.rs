//! The tag field of the post form and the editor: comma-separated names in one text input
//! (it posts as a plain field without JavaScript), with a combobox (WAI-ARIA Authoring
//! Practices) suggesting existing tags for the name being typed, and offering it as a new tag
//! when none matches.

use leptos::prelude::*;

use crate::components::forms::FieldErrors;
use crate::domain::slugify;
use crate::error::AppError;
use crate::routes::admin::combobox::ListState;
use crate::server_fns::admin::admin_suggest_tags;

/// The name being typed: the text after the last comma, trimmed.
pub fn current_term(text: &str) -> &str {
    text.rsplit(',').next().unwrap_or("").trim()
}

/// `text` with the name being typed replaced by `name`, followed by `, ` for the next one.
pub fn complete(text: &str, name: &str) -> String {
    let kept = match text.rfind(',') {
        Some(i) => format!("{}, ", text[..i].trim_end()),
        None => String::new(),
    };
    format!("{kept}{name}, ")
}

/// The tag field: `value` holds the names as typed (`rust, async`); the form posts it as
/// `tags`. `on_commit` runs when a suggestion is chosen and when the field loses focus after
/// an edit (the `change` event), not on every keystroke: the editor saves on it, and saving
/// half-typed names would make tags nobody meant ("ru" on the way to "rust").
#[component]
pub fn TagField(
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] on_commit: Option<Callback<()>>,
) -> impl IntoView {
    let term = RwSignal::new(String::new());
    let list = ListState::new();
    let ListState { open, active } = list;
    let suggestions = Resource::new(
        move || term.get(),
        |term| async move {
            if term.trim().is_empty() {
                Ok(Vec::new())
            } else {
                admin_suggest_tags(term).await
            }
        },
    );
    // Existing tags, then the typed name as a new tag when no suggestion is that tag.
    let choices = move || {
        let typed = term.get();
        let mut out: Vec<(String, bool)> = suggestions
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|t| (t.name, false))
            .collect();
        let slug = slugify(&typed);
        let known = suggestions
            .get()
            .and_then(Result::ok)
            .is_some_and(|list| list.iter().any(|t| t.slug == slug));
        if !slug.is_empty() && !known && suggestions.get().is_some() {
            out.push((typed.trim().to_string(), true));
        }
        out
    };
    let commit = move || {
        if let Some(callback) = on_commit {
            callback.run(());
        }
    };
    let choose = move |name: String| {
        value.update(|v| *v = complete(v, &name));
        term.set(String::new());
        list.close();
        commit();
    };
    view! {
        <div class="field tag-field">
            <label for="field-tags">"Tags"</label>
            <input id="field-tags" name="tags" autocomplete="off" role="combobox"
                aria-autocomplete="list" aria-controls="tag-choices"
                aria-expanded=move || if open.get() && !choices().is_empty() { "true" } else { "false" }
                aria-activedescendant=move || active.get().map(|i| format!("tag-choice-{i}"))
                aria-describedby="field-tags-help field-tags-errors"
                value=value.get_untracked()
                prop:value=value
                on:input=move |ev| {
                    let typed = event_target_value(&ev);
                    term.set(current_term(&typed).to_string());
                    value.set(typed);
                    list.reopen();
                }
                on:change=move |_| commit()
                on:blur=move |_| open.set(false)
                on:keydown=move |ev| {
                    let listed = choices();
                    if let Some((name, _)) = list.key(&ev, listed.len()).and_then(|i| listed.get(i)) {
                        choose(name.clone());
                    }
                }/>
            <p class="help" id="field-tags-help">"Separate tags with commas. Pick a suggestion or type a new name; names that differ only in case or spacing are one tag."</p>
            <ul id="tag-choices" role="listbox" class="choices" hidden=move || !open.get() || choices().is_empty()>
                {move || choices().into_iter().enumerate().map(|(i, (name, new))| {
                    let chosen = name.clone();
                    view! {
                        <li id=format!("tag-choice-{i}") role="option" aria-selected=move || if active.get() == Some(i) { "true" } else { "false" }
                            on:mousedown=move |ev| { ev.prevent_default(); choose(chosen.clone()); }>
                            {if new {
                                view! { <span class="muted">"New tag: "</span> <strong>{name}</strong> }.into_any()
                            } else {
                                view! { <strong>{name}</strong> }.into_any()
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <FieldErrors name="tags" error/>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completing_replaces_the_name_being_typed() {
        assert_eq!(current_term("rust,  asy"), "asy");
        assert_eq!(current_term("ru"), "ru");
        assert_eq!(current_term("rust, "), "");
        assert_eq!(complete("ru", "Rust"), "Rust, ");
        assert_eq!(complete("Rust,as", "async"), "Rust, async, ");
        assert_eq!(complete("a , b ,  c", "Cargo"), "a , b, Cargo, ");
    }
}
