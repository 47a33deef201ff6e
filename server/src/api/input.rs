//! Reading request bodies and fields as DRF's `JSONParser` and serializer fields do, with DRF's
//! messages: a body that is not JSON is 415, malformed JSON 400 with the parser's message, a
//! JSON value that is not an object 400 (`non_field_errors`), and each field's problems are
//! collected under its name so one answer lists them all.

use app::error::FieldErrors;
use axum::body::Bytes;
use axum::http::{header, HeaderMap};
use serde_json::{Map, Value};

use super::error::ApiError;

/// DRF's message for a required field that is missing.
pub const REQUIRED: &str = "This field is required.";
/// DRF's message for `null` in a field that does not allow it.
pub const NOT_NULL: &str = "This field may not be null.";
/// DRF's message for an empty string in a field that does not allow it.
pub const NOT_BLANK: &str = "This field may not be blank.";

/// A JSON object from the request body: `{}` for an empty body.
///
/// # Errors
/// [`ApiError::UnsupportedMediaType`] when `Content-Type` is not JSON (`application/json` or a
/// `+json` type); [`ApiError::Parse`] for malformed JSON; [`ApiError::Validation`] when the
/// value is not an object.
pub fn json_object(headers: &HeaderMap, body: &Bytes) -> Result<Map<String, Value>, ApiError> {
    if body.is_empty() {
        return Ok(Map::new());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence != "application/json" && !essence.ends_with("+json") {
        return Err(ApiError::UnsupportedMediaType(content_type.to_string()));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| ApiError::Parse(e.to_string()))?;
    match value {
        Value::Object(map) => Ok(map),
        other => Err(ApiError::field(
            "",
            format!(
                "Invalid data. Expected a dictionary, but got {}.",
                python_type(&other)
            ),
        )),
    }
}

/// The name DRF (Python) gives a JSON value's type in messages.
fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

/// Reads the fields of one JSON object, collecting errors by field.
#[derive(Debug)]
pub struct Fields<'a> {
    data: &'a Map<String, Value>,
    /// `PATCH`: missing fields are not required.
    partial: bool,
    errors: FieldErrors,
}

impl<'a> Fields<'a> {
    /// Starts reading `data`; `partial` (PATCH) makes every field optional.
    pub fn new(data: &'a Map<String, Value>, partial: bool) -> Self {
        Self {
            data,
            partial,
            errors: FieldErrors::default(),
        }
    }

    /// The value of `name`, or `None` after recording "required" (when not partial) or "null".
    fn present(&mut self, name: &str, required: bool) -> Option<&'a Value> {
        match self.data.get(name) {
            None => {
                if required && !self.partial {
                    self.errors.add(name, REQUIRED);
                }
                None
            }
            Some(Value::Null) => {
                self.errors.add(name, NOT_NULL);
                None
            }
            Some(value) => Some(value),
        }
    }

    /// A string field (DRF's `CharField`: numbers are accepted as their text, whitespace
    /// trimmed, blank refused, at most `max_chars` characters when given).
    pub fn string(
        &mut self,
        name: &str,
        required: bool,
        max_chars: Option<usize>,
    ) -> Option<String> {
        let value = self.present(name, required)?;
        let text = match value {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => {
                self.errors.add(name, "Not a valid string.");
                return None;
            }
        };
        if text.is_empty() {
            self.errors.add(name, NOT_BLANK);
            return None;
        }
        if let Some(max) = max_chars {
            if text.chars().count() > max {
                self.errors.add(
                    name,
                    format!("Ensure this field has no more than {max} characters."),
                );
                return None;
            }
        }
        Some(text)
    }

    /// A password (DRF's `CharField(trim_whitespace=False)`): kept exactly as sent; blank
    /// refused.
    pub fn password(&mut self, name: &str) -> Option<String> {
        match self.present(name, true)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::String(_) => {
                self.errors.add(name, NOT_BLANK);
                None
            }
            _ => {
                self.errors.add(name, "Not a valid string.");
                None
            }
        }
    }

    /// A related object's primary key (DRF's `PrimaryKeyRelatedField`): an integer, or a string
    /// of digits.
    pub fn primary_key(&mut self, name: &str, required: bool) -> Option<i64> {
        let value = self.present(name, required)?;
        let id = match value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        match id {
            Some(id) => Some(id),
            None => {
                self.errors.add(
                    name,
                    format!(
                        "Incorrect type. Expected pk value, received {}.",
                        python_type(value)
                    ),
                );
                None
            }
        }
    }

    /// One of `choices` (DRF's `ChoiceField`), returned as given.
    pub fn choice(&mut self, name: &str, required: bool, choices: &[&str]) -> Option<String> {
        let value = self.present(name, required)?;
        let text = match value {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if choices.contains(&text.as_str()) {
            Some(text)
        } else {
            self.errors
                .add(name, format!("\"{text}\" is not a valid choice."));
            None
        }
    }

    /// A list of strings (DRF's `ListField(child=CharField())`, e.g. slugs of related objects),
    /// each trimmed; blank items are refused.
    pub fn string_list(&mut self, name: &str, required: bool) -> Option<Vec<String>> {
        let value = self.present(name, required)?;
        let Value::Array(items) = value else {
            self.errors.add(
                name,
                format!(
                    "Expected a list of items but got type \"{}\".",
                    python_type(value)
                ),
            );
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
                Value::String(_) => {
                    self.errors.add(name, NOT_BLANK);
                    return None;
                }
                _ => {
                    self.errors.add(name, "Not a valid string.");
                    return None;
                }
            }
        }
        Some(out)
    }

    /// Adds a message to a field (for rules checked after reading).
    pub fn error(&mut self, name: &str, message: impl Into<String>) {
        self.errors.add(name, message);
    }

    /// `Ok(())` when every field read well.
    ///
    /// # Errors
    /// [`ApiError::Validation`] with every problem found.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn bodies_are_json_objects() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        assert_eq!(
            json_object(&headers, &Bytes::from_static(b"x")),
            Err(ApiError::UnsupportedMediaType("text/plain".into()))
        );
        headers.insert(
            header::CONTENT_TYPE,
            "application/json; charset=utf-8".parse().unwrap(),
        );
        assert!(matches!(
            json_object(&headers, &Bytes::from_static(b"{")),
            Err(ApiError::Parse(_))
        ));
        assert_eq!(
            json_object(&headers, &Bytes::from_static(b"[1]"))
                .unwrap_err()
                .body(),
            json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]})
        );
        assert!(json_object(&headers, &Bytes::new()).unwrap().is_empty());
    }

    #[test]
    fn fields_collect_drf_messages() {
        let data = object(json!({"title": "  ", "category_id": "x", "status": "LIVE", "n": null}));
        let mut fields = Fields::new(&data, false);
        assert_eq!(fields.string("title", true, Some(200)), None);
        assert_eq!(fields.string("body", true, None), None);
        assert_eq!(fields.primary_key("category_id", true), None);
        assert_eq!(fields.choice("status", false, &["DRAFT"]), None);
        assert_eq!(fields.string("n", false, None), None);
        assert_eq!(
            fields.finish().unwrap_err().body(),
            json!({
                "title": [NOT_BLANK],
                "body": [REQUIRED],
                "category_id": ["Incorrect type. Expected pk value, received str."],
                "status": ["\"LIVE\" is not a valid choice."],
                "n": [NOT_NULL],
            })
        );
        let data = object(json!({"title": "x".repeat(201), "category_id": 3}));
        let mut fields = Fields::new(&data, true);
        assert_eq!(fields.string("title", true, Some(200)), None);
        assert_eq!(fields.string("body", true, None), None);
        assert_eq!(fields.primary_key("category_id", true), Some(3));
        assert_eq!(
            fields.finish().unwrap_err().body(),
            json!({"title": ["Ensure this field has no more than 200 characters."]})
        );
    }
}
