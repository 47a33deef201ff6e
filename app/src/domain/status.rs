//! The publication status of a post, as the `posts.status` column stores it.

use serde::{Deserialize, Serialize};

/// Where a post is in its life: written, public (from `published_at` on) or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum PostStatus {
    /// Being written; never public. The default for new posts.
    #[default]
    Draft,
    /// Public once `published_at` has passed (a future date means scheduled).
    Published,
    /// Withdrawn from the public site but kept.
    Archived,
}

impl PostStatus {
    /// The value stored in the database and used on the wire: `DRAFT`, `PUBLISHED` or `ARCHIVED`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "DRAFT",
            Self::Published => "PUBLISHED",
            Self::Archived => "ARCHIVED",
        }
    }

    /// The status for people: `Draft`, `Published`, `Archived`.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Published => "Published",
            Self::Archived => "Archived",
        }
    }

    /// Parses the stored form (case-insensitive); `None` for anything else.
    pub fn parse(value: &str) -> Option<Self> {
        match value.to_ascii_uppercase().as_str() {
            "DRAFT" => Some(Self::Draft),
            "PUBLISHED" => Some(Self::Published),
            "ARCHIVED" => Some(Self::Archived),
            _ => None,
        }
    }
}

/// The stored text is not one of the three statuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a post status (DRAFT, PUBLISHED or ARCHIVED)")]
pub struct UnknownStatus(pub String);

impl TryFrom<String> for PostStatus {
    type Error = UnknownStatus;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or(UnknownStatus(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for s in [
            PostStatus::Draft,
            PostStatus::Published,
            PostStatus::Archived,
        ] {
            assert_eq!(PostStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(PostStatus::parse("published"), Some(PostStatus::Published));
        assert_eq!(PostStatus::parse("live"), None);
        assert_eq!(
            PostStatus::try_from("LIVE".to_string()),
            Err(UnknownStatus("LIVE".into()))
        );
    }
}
