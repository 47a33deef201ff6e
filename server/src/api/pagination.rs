//! Page-number pagination as DRF's `PageNumberPagination`: `?page=N` (or `last`), 20 objects a
//! page, absolute `next` / `previous` links built from the request's own query (parameters
//! sorted, `page` dropped for the first page, as DRF's `replace_query_param` and
//! `remove_query_param` do), and 404 `Invalid page.` for a page that does not exist.

use super::error::ApiError;
use super::serializers::Page;

/// Objects per page (DRF's `PAGE_SIZE` in the tutorial).
pub const PAGE_SIZE: i64 = 20;

/// The page a request asks for, resolved against the list's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSpec {
    /// 1-based page number.
    pub number: i64,
    /// Number of pages (at least 1: an empty list has one empty page).
    pub pages: i64,
}

impl PageSpec {
    /// Resolves `?page=` (`None` is page 1) for a list of `count` objects.
    ///
    /// # Errors
    /// [`ApiError::InvalidPage`] for a page that is not a positive integer, not `last`, or past
    /// the end.
    pub fn resolve(page: Option<&str>, count: i64) -> Result<Self, ApiError> {
        let pages = ((count + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        let number = match page.map(str::trim) {
            None | Some("") => 1,
            Some("last") => pages,
            Some(text) => text.parse::<i64>().map_err(|_| ApiError::InvalidPage)?,
        };
        if number < 1 || number > pages {
            return Err(ApiError::InvalidPage);
        }
        Ok(Self { number, pages })
    }

    /// The offset of the page's first object.
    pub fn offset(self) -> i64 {
        (self.number - 1) * PAGE_SIZE
    }

    /// This page of a list of `count` objects as the API answers it, with its links.
    pub fn page<T: utoipa::ToSchema>(
        self,
        count: i64,
        results: Vec<T>,
        base_url: &str,
        path: &str,
        query: &[(String, String)],
    ) -> Page<T> {
        let (next, previous) = self.links(base_url, path, query);
        Page {
            count,
            next,
            previous,
            results,
        }
    }

    /// The absolute `next` and `previous` URLs for `base_url` + `path` with the request's
    /// query pairs `query`.
    pub fn links(
        self,
        base_url: &str,
        path: &str,
        query: &[(String, String)],
    ) -> (Option<String>, Option<String>) {
        let link = |page: Option<i64>| {
            let mut pairs: Vec<(String, String)> =
                query.iter().filter(|(k, _)| k != "page").cloned().collect();
            if let Some(page) = page {
                pairs.push(("page".to_string(), page.to_string()));
            }
            pairs.sort();
            let mut url = format!("{base_url}{path}");
            if !pairs.is_empty() {
                let encoded = url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(pairs)
                    .finish();
                url.push('?');
                url.push_str(&encoded);
            }
            url
        };
        let next = (self.number < self.pages).then(|| link(Some(self.number + 1)));
        let previous = match self.number {
            1 => None,
            2 => Some(link(None)),
            n => Some(link(Some(n - 1))),
        };
        (next, previous)
    }
}

/// The pairs of a raw query string, decoded.
pub fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The last value of query parameter `name` (Django's `QueryDict.get`).
pub fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_resolve_as_drf() {
        assert_eq!(
            PageSpec::resolve(None, 0).unwrap(),
            PageSpec {
                number: 1,
                pages: 1
            }
        );
        assert_eq!(PageSpec::resolve(Some("last"), 41).unwrap().number, 3);
        assert_eq!(PageSpec::resolve(Some("2"), 40).unwrap().offset(), 20);
        for bad in ["0", "-1", "3", "x", "1.5"] {
            assert_eq!(
                PageSpec::resolve(Some(bad), 40),
                Err(ApiError::InvalidPage),
                "{bad}"
            );
        }
    }

    #[test]
    fn links_keep_the_query_and_drop_page_one() {
        let query = query_pairs(Some("search=rust+web&page=2&category=news"));
        let spec = PageSpec::resolve(param(&query, "page"), 100).unwrap();
        let (next, previous) = spec.links("https://b.example", "/api/posts/", &query);
        assert_eq!(
            next.as_deref(),
            Some("https://b.example/api/posts/?category=news&page=3&search=rust+web")
        );
        assert_eq!(
            previous.as_deref(),
            Some("https://b.example/api/posts/?category=news&search=rust+web")
        );
        let last = PageSpec::resolve(Some("5"), 100).unwrap();
        assert_eq!(last.links("https://b.example", "/api/posts/", &[]).0, None);
    }
}
