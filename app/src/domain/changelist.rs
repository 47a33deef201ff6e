//! The state of an admin change list, kept in its URL so a list can be bookmarked and shared:
//! `q` (search), `o` (ordering, `-` for descending), one parameter per filter (`status=DRAFT`,
//! `category=<slug>`), `year`/`month`/`day` (date drill-down) and `page`, as Django's admin
//! `ChangeList` reads them.
//!
//! [`ListParams`] is parsed from the query string once, on either side; every link of the list
//! page (sort headers, filter choices, drill-down steps, pages) is built from it, so the URL is
//! always canonical: parameters in a fixed order, empty ones left out, `page` dropped whenever
//! the selection changes.

use serde::{Deserialize, Serialize};

use crate::domain::text::encode_query_value;

/// Rows per change-list page (Django's `list_per_page`).
pub const PER_PAGE: i64 = 100;

/// The longest search text kept, in characters.
pub const MAX_SEARCH_CHARS: usize = 200;

/// A change list's parameters. Unknown parameter names become filters; the server ignores the
/// filters a model does not have.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListParams {
    /// The search text (`q`), trimmed; empty for none.
    pub q: String,
    /// The ordering (`o`): a column key, with a leading `-` for descending.
    pub o: Option<String>,
    /// Filters as `(parameter, value)`, sorted by parameter, one value each.
    pub filters: Vec<(String, String)>,
    /// Drill-down year.
    pub year: Option<i32>,
    /// Drill-down month (1-12), only with a year.
    pub month: Option<u32>,
    /// Drill-down day (1-31), only with a month.
    pub day: Option<u32>,
    /// The requested page as given (resolved by [`crate::domain::PageRequest`]).
    pub page: Option<String>,
}

impl ListParams {
    /// Reads the parameters from decoded query pairs (later duplicates win, empty values are
    /// dropped, a month without a year or a day without a month is ignored).
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut params = Self::default();
        let mut filters = std::collections::BTreeMap::new();
        for (key, value) in pairs {
            let (key, value) = (key.as_ref(), value.as_ref().trim());
            if value.is_empty() {
                continue;
            }
            match key {
                "q" => params.q = value.chars().take(MAX_SEARCH_CHARS).collect(),
                "o" => params.o = Some(value.to_string()),
                "year" => params.year = value.parse().ok().filter(|y| (1..=9999).contains(y)),
                "month" => params.month = value.parse().ok().filter(|m| (1..=12).contains(m)),
                "day" => params.day = value.parse().ok().filter(|d| (1..=31).contains(d)),
                "page" => params.page = Some(value.to_string()),
                // Form plumbing that can reach the URL of a plain form post; never a filter.
                "csrf_token" | "action" | "select_across" | "ids" => {}
                _ => {
                    filters.insert(key.to_string(), value.to_string());
                }
            }
        }
        if params.year.is_none() {
            params.month = None;
        }
        if params.month.is_none() {
            params.day = None;
        }
        params.filters = filters.into_iter().collect();
        params
    }

    /// Parses a raw query string (`a=1&b=x%20y`, with or without the leading `?`).
    pub fn parse(query: &str) -> Self {
        Self::from_pairs(decode_query(query))
    }

    /// The canonical query string, with its leading `?`, or `""` when nothing is set.
    pub fn to_query(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut push = |key: &str, value: &str| {
            parts.push(format!(
                "{}={}",
                encode_query_value(key),
                encode_query_value(value)
            ));
        };
        if !self.q.is_empty() {
            push("q", &self.q);
        }
        for (key, value) in &self.filters {
            push(key, value);
        }
        if let Some(year) = self.year {
            push("year", &year.to_string());
            if let Some(month) = self.month {
                push("month", &month.to_string());
                if let Some(day) = self.day {
                    push("day", &day.to_string());
                }
            }
        }
        if let Some(o) = &self.o {
            push("o", o);
        }
        if let Some(page) = &self.page {
            push("page", page);
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }

    /// The value of filter `name`, if set.
    pub fn filter(&self, name: &str) -> Option<&str> {
        self.filters
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// These parameters with filter `name` set to `value` (or removed for `None`), on page 1.
    pub fn with_filter(&self, name: &str, value: Option<&str>) -> Self {
        let mut next = self.clone();
        next.filters.retain(|(key, _)| key != name);
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            next.filters.push((name.to_string(), value.to_string()));
            next.filters.sort();
        }
        next.page = None;
        next
    }

    /// These parameters sorted by column `key`: ascending, or descending when the list is
    /// already sorted ascending by it (a second click on a header reverses it).
    pub fn toggled_ordering(&self, key: &str) -> Self {
        let mut next = self.clone();
        next.o = Some(if self.o.as_deref() == Some(key) {
            format!("-{key}")
        } else {
            key.to_string()
        });
        next.page = None;
        next
    }

    /// The ordering as `(column key, descending)`, if set.
    pub fn ordering(&self) -> Option<(&str, bool)> {
        self.o.as_deref().map(|o| match o.strip_prefix('-') {
            Some(key) => (key, true),
            None => (o, false),
        })
    }

    /// These parameters drilled down to a date (`None` parts remove that level), on page 1.
    pub fn with_date(&self, year: Option<i32>, month: Option<u32>, day: Option<u32>) -> Self {
        let mut next = self.clone();
        next.year = year;
        next.month = year.and(month);
        next.day = year.and(month).and(day);
        next.page = None;
        next
    }

    /// These parameters on page `number` (page 1 drops the parameter).
    pub fn with_page(&self, number: i64) -> Self {
        let mut next = self.clone();
        next.page = (number > 1).then(|| number.to_string());
        next
    }

    /// These parameters with search text `q`, on page 1.
    pub fn with_search(&self, q: &str) -> Self {
        let mut next = self.clone();
        next.q = q.trim().chars().take(MAX_SEARCH_CHARS).collect();
        next.page = None;
        next
    }

    /// Whether anything narrows the list (search, a filter or a date), so that the matching
    /// count differs from the total.
    pub fn is_narrowed(&self) -> bool {
        !self.q.is_empty() || !self.filters.is_empty() || self.year.is_some()
    }
}

/// Decodes an `application/x-www-form-urlencoded` query string into pairs (`+` is a space,
/// `%XX` a byte; invalid UTF-8 is replaced), as the WHATWG URL standard's parser.
pub fn decode_query(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                    (Some(high), Some(low)) => {
                        out.push(high * 16 + low);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_writes_a_canonical_query() {
        let params = ListParams::parse("?status=DRAFT&q=rust+async&o=-published_at&category=news&page=3&year=2024&month=5&empty=");
        assert_eq!(params.q, "rust async");
        assert_eq!(params.filter("status"), Some("DRAFT"));
        assert_eq!(params.filter("empty"), None);
        assert_eq!(params.ordering(), Some(("published_at", true)));
        assert_eq!(
            (params.year, params.month, params.day),
            (Some(2024), Some(5), None)
        );
        assert_eq!(
            params.to_query(),
            "?q=rust%20async&category=news&status=DRAFT&year=2024&month=5&o=-published_at&page=3"
        );
        assert_eq!(ListParams::parse(&params.to_query()), params);
        assert_eq!(ListParams::parse("").to_query(), "");
    }

    #[test]
    fn changing_the_selection_returns_to_page_one() {
        let params = ListParams::parse("status=DRAFT&page=4");
        assert_eq!(params.with_filter("status", None).to_query(), "");
        assert_eq!(
            params.with_filter("category", Some("a b")).to_query(),
            "?category=a%20b&status=DRAFT"
        );
        assert_eq!(params.with_search(" x ").to_query(), "?q=x&status=DRAFT");
        assert_eq!(params.with_page(1).to_query(), "?status=DRAFT");
        assert_eq!(params.with_page(2).to_query(), "?status=DRAFT&page=2");
    }

    #[test]
    fn sorting_toggles_direction_on_the_same_column() {
        let params = ListParams::default();
        let once = params.toggled_ordering("title");
        assert_eq!(once.o.as_deref(), Some("title"));
        let twice = once.toggled_ordering("title");
        assert_eq!(twice.o.as_deref(), Some("-title"));
        assert_eq!(twice.toggled_ordering("title").o.as_deref(), Some("title"));
        assert_eq!(
            twice.toggled_ordering("view_count").o.as_deref(),
            Some("view_count")
        );
    }

    #[test]
    fn date_levels_need_their_parents() {
        let params = ListParams::parse("month=5&day=3");
        assert_eq!((params.year, params.month, params.day), (None, None, None));
        let params = ListParams::parse("year=2024&day=3");
        assert_eq!(
            (params.year, params.month, params.day),
            (Some(2024), None, None)
        );
        let params = ListParams::parse("year=2024&month=13");
        assert_eq!(params.month, None);
        let drilled = ListParams::default().with_date(Some(2023), Some(2), Some(9));
        assert_eq!(drilled.to_query(), "?year=2023&month=2&day=9");
        assert_eq!(
            drilled.with_date(Some(2023), None, Some(9)).to_query(),
            "?year=2023"
        );
    }

    #[test]
    fn decodes_percent_and_plus_and_keeps_broken_escapes() {
        assert_eq!(
            decode_query("a=%C3%A9+x&b=100%&c=%zz&d"),
            vec![
                ("a".to_string(), "é x".to_string()),
                ("b".to_string(), "100%".to_string()),
                ("c".to_string(), "%zz".to_string()),
                ("d".to_string(), String::new()),
            ]
        );
    }

    #[test]
    fn form_plumbing_is_not_a_filter() {
        let params = ListParams::parse("csrf_token=x&action=publish&status=DRAFT");
        assert_eq!(
            params.filters,
            vec![("status".to_string(), "DRAFT".to_string())]
        );
        assert!(params.is_narrowed());
        assert!(!ListParams::parse("o=title&page=2").is_narrowed());
    }
}
