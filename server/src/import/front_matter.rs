//! Front matter: the metadata block at the top of a Markdown file, as static site generators
//! write it. TOML between `+++` lines (Zola, Hugo) or YAML between `---` lines (Jekyll, Hugo,
//! Eleventy, Astro...). Both are read into one neutral [`Value`] tree so the mapping to a post
//! is written once.

use std::collections::BTreeMap;

/// A front-matter value, whatever the syntax it came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string.
    String(String),
    /// A boolean.
    Bool(bool),
    /// A number, kept as written.
    Number(String),
    /// A TOML date or datetime, as RFC 3339 text (`2020-01-31` or `2020-01-31T10:00:00Z`).
    Datetime(String),
    /// A list.
    List(Vec<Value>),
    /// A table / mapping.
    Table(BTreeMap<String, Value>),
    /// YAML's null.
    Null,
}

impl Value {
    /// The value as text, for strings, numbers and dates.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::String(s) | Self::Number(s) | Self::Datetime(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a list of texts: a list's text items, or a single text as a one-item list.
    pub fn as_text_list(&self) -> Vec<String> {
        match self {
            Self::List(items) => items
                .iter()
                .filter_map(Value::as_text)
                .map(str::to_string)
                .collect(),
            other => other
                .as_text()
                .map(|s| vec![s.to_string()])
                .unwrap_or_default(),
        }
    }
}

/// Why a file's front matter cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrontMatterError {
    /// The file does not start with `+++` or `---`.
    #[error("no front matter: the file must start with a '+++' (TOML) or '---' (YAML) line")]
    Missing,
    /// The opening delimiter has no closing one.
    #[error("front matter is not closed: no second '{0}' line")]
    Unclosed(&'static str),
    /// TOML syntax error.
    #[error("invalid TOML front matter: {0}")]
    Toml(String),
    /// YAML syntax error.
    #[error("invalid YAML front matter: {0}")]
    Yaml(String),
    /// The front matter is valid but not a table of keys.
    #[error("front matter must be a table of keys and values")]
    NotATable,
}

/// A Markdown document split into its front matter and body.
#[derive(Debug, Clone, PartialEq)]
pub struct Document<'a> {
    /// The front matter's keys.
    pub front: BTreeMap<String, Value>,
    /// The Markdown after the closing delimiter.
    pub body: &'a str,
}

/// Splits `text` into front matter and body and parses the front matter.
///
/// What real sites' files have is accepted: a UTF-8 byte-order mark, CRLF line endings, blank
/// lines before the front matter, and spaces after a delimiter (`---  `).
///
/// # Errors
/// [`FrontMatterError`] says what is wrong.
pub fn parse(text: &str) -> Result<Document<'_>, FrontMatterError> {
    let mut text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Blank lines before the opening delimiter.
    while let Some(line_end) = text.find('\n') {
        if text[..line_end].trim().is_empty() {
            text = &text[line_end + 1..];
        } else {
            break;
        }
    }
    let first_line_end = text.find('\n').unwrap_or(text.len());
    let delimiter = text[..first_line_end].trim_end();
    let (delim, is_toml) = match delimiter {
        "+++" => ("+++", true),
        "---" => ("---", false),
        _ => return Err(FrontMatterError::Missing),
    };
    let rest = &text[(first_line_end + 1).min(text.len())..];
    // Find the closing delimiter on a line of its own.
    let mut offset = 0;
    let mut close = None;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == delim {
            close = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let (meta_end, body_start) = close.ok_or(FrontMatterError::Unclosed(delim))?;
    let meta = &rest[..meta_end];
    let body = &rest[body_start..];
    let front = if is_toml {
        parse_toml(meta)?
    } else {
        parse_yaml(meta)?
    };
    Ok(Document { front, body })
}

fn parse_toml(meta: &str) -> Result<BTreeMap<String, Value>, FrontMatterError> {
    let table: toml::Table =
        toml::from_str(meta).map_err(|e| FrontMatterError::Toml(e.message().to_string()))?;
    Ok(table.into_iter().map(|(k, v)| (k, from_toml(v))).collect())
}

fn from_toml(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::Number(i.to_string()),
        toml::Value::Float(f) => Value::Number(f.to_string()),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::Datetime(d.to_string()),
        toml::Value::Array(items) => Value::List(items.into_iter().map(from_toml).collect()),
        toml::Value::Table(t) => {
            Value::Table(t.into_iter().map(|(k, v)| (k, from_toml(v))).collect())
        }
    }
}

fn parse_yaml(meta: &str) -> Result<BTreeMap<String, Value>, FrontMatterError> {
    if meta.trim().is_empty() {
        return Ok(BTreeMap::new());
    }
    let value: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(meta).map_err(|e| FrontMatterError::Yaml(e.to_string()))?;
    match from_yaml(value) {
        Value::Table(t) => Ok(t),
        Value::Null => Ok(BTreeMap::new()),
        _ => Err(FrontMatterError::NotATable),
    }
}

fn from_yaml(value: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => Value::Number(n.to_string()),
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::List(items.into_iter().map(from_yaml).collect()),
        Y::Mapping(map) => Value::Table(
            map.into_iter()
                .filter_map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s,
                        Y::Number(n) => n.to_string(),
                        Y::Bool(b) => b.to_string(),
                        _ => return None,
                    };
                    Some((key, from_yaml(v)))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => from_yaml(tagged.value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_toml_with_literal_strings_and_tables() {
        let doc = parse("+++\npath = \"2020/01/31/conf-lineup\"\ntitle = '''Improving \"Future\"'''\nauthors = [\"A\", \"B\"]\ndate = 2020-01-31\n\n[extra]\nrelease = true\n+++\nBody\n").unwrap();
        assert_eq!(doc.front["title"].as_text(), Some("Improving \"Future\""));
        assert_eq!(doc.front["authors"].as_text_list(), vec!["A", "B"]);
        assert_eq!(doc.front["date"], Value::Datetime("2020-01-31".into()));
        assert!(
            matches!(&doc.front["extra"], Value::Table(t) if t["release"] == Value::Bool(true))
        );
        assert_eq!(doc.body, "Body\n");
    }

    #[test]
    fn parses_yaml_with_crlf_and_bom() {
        let doc = parse("\u{feff}---\r\ntitle: Hello\r\ntags: [a, b]\r\ndate: 2021-02-03 10:00:00\r\n---\r\nText").unwrap();
        assert_eq!(doc.front["title"].as_text(), Some("Hello"));
        assert_eq!(doc.front["tags"].as_text_list(), vec!["a", "b"]);
        assert_eq!(doc.body, "Text");
    }

    #[test]
    fn blank_lines_before_and_spaces_after_delimiters_are_accepted() {
        let doc = parse("\u{feff}\r\n  \n---   \r\ntitle: Spaced\r\n---\t\r\nText").unwrap();
        assert_eq!(doc.front["title"].as_text(), Some("Spaced"));
        assert_eq!(doc.body, "Text");
        let doc = parse("\n\n+++ \ntitle = \"T\"\n+++\n").unwrap();
        assert_eq!(doc.front["title"].as_text(), Some("T"));
        // Text before the front matter is not front matter.
        assert_eq!(
            parse("Intro\n---\ntitle: x\n---\n"),
            Err(FrontMatterError::Missing)
        );
    }

    #[test]
    fn reports_malformed_front_matter() {
        assert_eq!(parse("# Just markdown\n"), Err(FrontMatterError::Missing));
        assert_eq!(
            parse("+++\ntitle = \"x\"\n"),
            Err(FrontMatterError::Unclosed("+++"))
        );
        assert!(matches!(
            parse("+++\ntitle = \n+++\n"),
            Err(FrontMatterError::Toml(_))
        ));
        assert!(matches!(
            parse("---\ntitle: [unclosed\n---\n"),
            Err(FrontMatterError::Yaml(_))
        ));
        assert_eq!(
            parse("---\n- a\n- b\n---\n"),
            Err(FrontMatterError::NotATable)
        );
    }

    #[test]
    fn front_matter_only_file_has_empty_body() {
        let doc = parse("+++\ntemplate = \"latest.html\"\n+++\n").unwrap();
        assert_eq!(doc.body, "");
        assert!(doc.front.contains_key("template"));
    }
}
