//! Form building blocks: labelled fields (text, text area, select, checkbox) with their error
//! messages, the messages alone for fields built inline, the form-wide message, and the CSRF
//! field every form that changes something carries.

use leptos::prelude::*;

use crate::error::AppError;

/// The error of a form's last submission, if it failed (JavaScript on: the action's result;
/// off: the error Leptos carried back in the URL).
pub fn action_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Signal::derive(move || action.value().get().and_then(Result::err))
}

/// A labelled `<input>` with its field-level messages (linked by `aria-describedby`).
///
/// `name` is the server-function argument; `kind` the input type; `value` the initial value.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(optional)] help: Option<&'static str>,
    #[prop(default = true)] required: bool,
    #[prop(optional)] maxlength: Option<usize>,
) -> impl IntoView {
    let (id, described_by, messages) = field_parts(name, error);
    view! {
        <FieldFrame label id=id.clone() help messages>
            <input
                id=id.clone()
                type=kind
                name=name
                autocomplete=autocomplete
                required=required
                maxlength=maxlength
                value=value
                aria-invalid=move || invalid(messages)
                aria-describedby=described_by
            />
        </FieldFrame>
    }
}

/// A labelled `<textarea>` with its field-level messages.
#[component]
pub fn TextAreaField(
    label: &'static str,
    name: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional, into)] value: Option<String>,
    #[prop(default = 4)] rows: u32,
    #[prop(optional)] maxlength: Option<usize>,
    #[prop(default = false)] required: bool,
    #[prop(optional)] help: Option<&'static str>,
) -> impl IntoView {
    let (id, described_by, messages) = field_parts(name, error);
    view! {
        <FieldFrame label id=id.clone() help messages>
            <textarea
                id=id.clone()
                name=name
                rows=rows
                maxlength=maxlength
                required=required
                aria-invalid=move || invalid(messages)
                aria-describedby=described_by
            >{value.unwrap_or_default()}</textarea>
        </FieldFrame>
    }
}

/// A labelled `<select>` with its field-level messages, built like [`Field`].
///
/// `options` are `(value, label)` pairs in display order; the option whose value is `selected`
/// is selected.
#[component]
pub fn Select(
    label: &'static str,
    name: &'static str,
    options: Vec<(String, String)>,
    #[prop(into)] selected: String,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] help: Option<&'static str>,
) -> impl IntoView {
    let (id, described_by, messages) = field_parts(name, error);
    view! {
        <FieldFrame label id=id.clone() help messages>
            <select
                id=id.clone()
                name=name
                aria-invalid=move || invalid(messages)
                aria-describedby=described_by
            >
                {options
                    .into_iter()
                    .map(|(value, text)| {
                        let is_selected = value == selected;
                        view! { <option value=value selected=is_selected>{text}</option> }
                    })
                    .collect_view()}
            </select>
        </FieldFrame>
    }
}

/// A labelled checkbox with its field-level messages: the box first, then its label, in a
/// `field checkbox` row. Checked, it posts `name=on`; unchecked, nothing.
#[component]
pub fn Checkbox(
    label: &'static str,
    name: &'static str,
    checked: bool,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] help: Option<&'static str>,
) -> impl IntoView {
    let (id, described_by, messages) = field_parts(name, error);
    view! {
        <div class="field checkbox">
            <input
                id=id.clone()
                type="checkbox"
                name=name
                value="on"
                checked=checked
                aria-invalid=move || invalid(messages)
                aria-describedby=described_by
            />
            <label for=id.clone()>{label}</label>
            <p class="help" id=format!("{id}-help")>{help}</p>
            <FieldMessages id=format!("{id}-errors") messages/>
        </div>
    }
}

/// A field's messages, for fields built inline rather than with [`Field`], [`Select`] or
/// [`Checkbox`]: `<div class="field-errors" id="field-{name}-errors">`, the element the
/// control's `aria-describedby` names.
#[component]
pub fn FieldErrors(
    name: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
) -> impl IntoView {
    let messages = field_messages(name, error);
    view! { <FieldMessages id=format!("field-{name}-errors") messages/> }
}

/// A field's element id, its `aria-describedby` value and its messages.
fn field_parts(
    name: &'static str,
    error: Signal<Option<AppError>>,
) -> (String, String, Signal<Vec<String>>) {
    let id = format!("field-{name}");
    let described_by = format!("{id}-help {id}-errors");
    (id, described_by, field_messages(name, error))
}

/// The messages of the last submission's error about the field `name`.
fn field_messages(name: &'static str, error: Signal<Option<AppError>>) -> Signal<Vec<String>> {
    Signal::derive(move || {
        error
            .get()
            .map(|e| e.field_messages(name))
            .unwrap_or_default()
    })
}

fn invalid(messages: Signal<Vec<String>>) -> &'static str {
    if messages.with(Vec::is_empty) {
        "false"
    } else {
        "true"
    }
}

/// The frame of a field: label, the control, help text and messages.
#[component]
fn FieldFrame(
    label: &'static str,
    id: String,
    help: Option<&'static str>,
    messages: Signal<Vec<String>>,
    children: Children,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            {children()}
            <p class="help" id=format!("{id}-help")>{help}</p>
            <FieldMessages id=format!("{id}-errors") messages/>
        </div>
    }
}

/// A field's messages (`id`: the field's id with `-errors`), announced politely.
#[component]
fn FieldMessages(id: String, messages: Signal<Vec<String>>) -> impl IntoView {
    view! {
        <div class="field-errors" id=id aria-live="polite">
            {move || {
                messages.get().into_iter().map(|m| view! { <p class="field-error">{m}</p> }).collect_view()
            }}
        </div>
    }
}

/// The message above a form for errors that belong to no single field (wrong credentials,
/// throttling, a used link, a server failure).
#[component]
pub fn FormMessage(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <div class="form-message" role="alert">
            {move || error.get().and_then(|e| e.form_message()).map(|m| view! { <p class="form-error">{m}</p> })}
        </div>
    }
}

/// A status message (e.g. "Your password was changed."), announced politely.
#[component]
pub fn Notice(children: Children) -> impl IntoView {
    view! { <p class="notice" role="status">{children()}</p> }
}

/// The token a server page puts in its forms, shared by every form of one response.
#[cfg(feature = "ssr")]
#[derive(Clone, Default)]
pub struct CsrfSlot(std::sync::Arc<std::sync::Mutex<Option<String>>>);

/// The hidden `csrf_token` field (see `ssr::auth::csrf`). On the server the token comes from the
/// visitor's `folio_csrf` cookie, or is made and the cookie set with this response, and the
/// response is marked `Cache-Control: private`; in the browser it is read from the same cookie.
#[component]
pub fn CsrfField() -> impl IntoView {
    view! { <input type="hidden" name="csrf_token" value=csrf_token()/> }
}

#[cfg(feature = "ssr")]
fn csrf_token() -> String {
    use crate::ssr::auth::csrf;
    let Some(state) = use_context::<crate::ssr::AppState>() else {
        return String::new();
    };
    let slot = use_context::<CsrfSlot>().unwrap_or_default();
    let mut slot = slot
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(token) = slot.as_ref() {
        return token.clone();
    }
    let from_cookie = use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|h| csrf::cookie_value(h, csrf::COOKIE_NAME).map(str::to_string))
            .filter(|t| csrf::is_signed(&state.auth.secret_key, t))
    });
    let token = match from_cookie {
        Some(token) => token,
        None => {
            let token = csrf::new_token(&state.auth.secret_key);
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                let secure = if state.auth.secure_cookies {
                    "; Secure"
                } else {
                    ""
                };
                let cookie = format!(
                    "{}={token}; Path=/; Max-Age=31449600; SameSite=Lax{secure}",
                    csrf::COOKIE_NAME
                );
                if let Ok(value) = http::HeaderValue::from_str(&cookie) {
                    response.append_header(http::header::SET_COOKIE, value);
                }
            }
            token
        }
    };
    // The page now holds this visitor's token: no shared cache may keep it (the page cache and
    // any proxy skip private responses).
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.insert_header(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("private"),
        );
    }
    *slot = Some(token.clone());
    token
}

#[cfg(not(feature = "ssr"))]
fn csrf_token() -> String {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let cookies = document()
            .dyn_into::<web_sys::HtmlDocument>()
            .ok()
            .and_then(|d| d.cookie().ok())
            .unwrap_or_default();
        cookies
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == "folio_csrf")
            .map(|(_, v)| v.to_string())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}
