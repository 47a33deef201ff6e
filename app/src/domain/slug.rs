//! Slugs: the URL-safe part of a post's or category's address.
//!
//! [`slugify`] follows Django's `django.utils.text.slugify` (with `allow_unicode=False`): the text is
//! NFKD-normalised, reduced to ASCII, lower-cased, stripped of everything but letters, digits,
//! underscores, spaces and hyphens, and runs of spaces or hyphens become one hyphen.
//!
//! [`Slug`] validates a slug that comes from elsewhere (front matter, a form). Imported blogs use
//! upper-case letters and dots in slugs (`Rust-1.87.0`), so a [`Slug`] accepts ASCII letters in either
//! case, digits, `-`, `_` and `.` (not first), which is Django's `validate_slug` plus the dot.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// The longest slug a post may have, in characters (the `posts.slug` column's check).
pub const MAX_SLUG_LEN: usize = 220;

/// Turns free text (usually a title) into a slug, as Django's `slugify`.
///
/// Returns an empty string when nothing of the text survives (for example a title made only of
/// emoji); callers decide on a fallback. The result is cut to [`MAX_SLUG_LEN`] characters
/// without leaving a trailing hyphen.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_hyphen = false;
    for c in text.nfkd().filter(char::is_ascii) {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '_' {
            if pending_hyphen && !out.is_empty() {
                out.push('-');
            }
            pending_hyphen = false;
            out.push(c);
        } else if c == '-' || c.is_ascii_whitespace() {
            pending_hyphen = true;
        }
    }
    if out.len() > MAX_SLUG_LEN {
        out.truncate(MAX_SLUG_LEN);
    }
    out.trim_matches(|c| c == '-' || c == '_').to_string()
}

/// Why a string is not a valid [`Slug`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    /// The slug is empty.
    #[error("the slug is empty")]
    Empty,
    /// The slug is longer than [`MAX_SLUG_LEN`] characters.
    #[error("the slug is longer than {MAX_SLUG_LEN} characters")]
    TooLong,
    /// The slug contains a character outside `A-Z a-z 0-9 - _ .`, or starts with a dot.
    #[error(
        "the slug may contain only letters, digits, '-', '_' and '.', and may not start with '.'"
    )]
    InvalidCharacter,
}

/// A validated slug (see the module documentation for the rule).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    /// Parses `value` as a slug.
    ///
    /// # Errors
    /// [`SlugError`] names the rule that `value` breaks.
    pub fn parse(value: &str) -> Result<Self, SlugError> {
        if value.is_empty() {
            return Err(SlugError::Empty);
        }
        if value.chars().count() > MAX_SLUG_LEN {
            return Err(SlugError::TooLong);
        }
        let valid = !value.starts_with('.')
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(SlugError::InvalidCharacter);
        }
        Ok(Self(value.to_string()))
    }

    /// The slug as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Slug> for String {
    fn from(value: Slug) -> Self {
        value.0
    }
}

impl std::fmt::Display for Slug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_matches_django_examples() {
        assert_eq!(slugify("Hello, World!"), "hello-world");
        assert_eq!(slugify(" Joel is a slug "), "joel-is-a-slug");
        assert_eq!(slugify("Crème brûlée — déjà vu"), "creme-brulee-deja-vu");
        assert_eq!(slugify("Rust 1.87.0 is out"), "rust-1870-is-out");
        assert_eq!(slugify("under_score -- dash"), "under_score-dash");
        assert_eq!(slugify("🎉🎉"), "");
        assert_eq!(
            slugify("---leading and trailing---"),
            "leading-and-trailing"
        );
    }

    #[test]
    fn slugify_limits_length_without_trailing_hyphen() {
        let title = "word ".repeat(100);
        let slug = slugify(&title);
        assert!(slug.len() <= MAX_SLUG_LEN);
        assert!(!slug.ends_with('-'));
    }

    #[test]
    fn slug_accepts_imported_forms() {
        for ok in [
            "Rust-1.87.0",
            "crates.io-development-update",
            "Lang-Team-Meeting",
            "a_b",
        ] {
            assert!(Slug::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn slug_rejects_bad_input() {
        assert_eq!(Slug::parse(""), Err(SlugError::Empty));
        assert_eq!(Slug::parse(".hidden"), Err(SlugError::InvalidCharacter));
        assert_eq!(Slug::parse("a/b"), Err(SlugError::InvalidCharacter));
        assert_eq!(Slug::parse("naïve"), Err(SlugError::InvalidCharacter));
        assert_eq!(Slug::parse(&"a".repeat(221)), Err(SlugError::TooLong));
    }
}
