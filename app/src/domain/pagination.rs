//! Page-number pagination with Django's `Paginator.get_page` rules.

use serde::{Deserialize, Serialize};

/// A requested page, resolved against the number of items.
///
/// Follows Django's `Paginator.get_page`: a page number that is missing or not an integer gives
/// the first page, and a number below 1 or past the end gives the last page. An empty list still
/// has one (empty) page, as Django's `allow_empty_first_page=True`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// The requested page number as given (1-based), before clamping.
    pub requested: Option<i64>,
    /// Items per page (at least 1).
    pub per_page: i64,
}

/// Where a resolved page sits in the whole list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageInfo {
    /// The page shown (1-based, always within `1..=num_pages`).
    pub number: i64,
    /// The number of pages (at least 1).
    pub num_pages: i64,
    /// The number of items over all pages.
    pub total: i64,
    /// Items per page.
    pub per_page: i64,
}

impl PageRequest {
    /// A request for the page named by the query-string value `raw` (e.g. `Some("5")`).
    pub fn from_query(raw: Option<&str>, per_page: i64) -> Self {
        Self {
            requested: raw.and_then(parse_page_number),
            per_page: per_page.max(1),
        }
    }

    /// Resolves the request against `total` items.
    pub fn resolve(self, total: i64) -> PageInfo {
        let total = total.max(0);
        let num_pages = ((total + self.per_page - 1) / self.per_page).max(1);
        let number = match self.requested {
            None => 1,
            Some(n) if n < 1 || n > num_pages => num_pages,
            Some(n) => n,
        };
        PageInfo {
            number,
            num_pages,
            total,
            per_page: self.per_page,
        }
    }
}

/// Parses a page number; an integer too large for `i64` saturates (it is past the end anyway).
fn parse_page_number(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    if let Ok(n) = raw.parse::<i64>() {
        return Some(n);
    }
    let (negative, digits) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw.strip_prefix('+').unwrap_or(raw)),
    };
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        Some(if negative { i64::MIN } else { i64::MAX })
    } else {
        None
    }
}

impl PageInfo {
    /// The SQL `OFFSET` of the page's first item.
    pub fn offset(&self) -> i64 {
        (self.number - 1) * self.per_page
    }

    /// Whether a page before this one exists.
    pub fn has_previous(&self) -> bool {
        self.number > 1
    }

    /// Whether a page after this one exists.
    pub fn has_next(&self) -> bool {
        self.number < self.num_pages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(raw: Option<&str>, total: i64) -> PageInfo {
        PageRequest::from_query(raw, 10).resolve(total)
    }

    #[test]
    fn follows_django_get_page() {
        assert_eq!(page(None, 95).number, 1);
        assert_eq!(page(Some("abc"), 95).number, 1);
        assert_eq!(page(Some("3"), 95).number, 3);
        assert_eq!(page(Some("0"), 95).number, 10);
        assert_eq!(page(Some("-2"), 95).number, 10);
        assert_eq!(page(Some("999"), 95).number, 10);
        assert_eq!(page(Some("99999999999999999999999"), 95).number, 10);
        assert_eq!(page(Some(" 2 "), 95).number, 2);
    }

    #[test]
    fn empty_list_has_one_page() {
        let p = page(Some("2"), 0);
        assert_eq!((p.number, p.num_pages, p.offset()), (1, 1, 0));
        assert!(!p.has_next() && !p.has_previous());
    }

    #[test]
    fn offsets() {
        let p = page(Some("4"), 95);
        assert_eq!(p.offset(), 30);
        assert!(p.has_next() && p.has_previous());
    }
}
