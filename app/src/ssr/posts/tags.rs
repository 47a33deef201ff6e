//! Tags as writers type them: names tidied (spaces trimmed and collapsed), variants of one name
//! (case, spacing, punctuation) merged by their slug, and made when missing. Every write path
//! resolves a post's tags here.

use crate::domain::slugify;
use crate::ssr::db::tags::{self, TagRow};
use crate::ssr::db::{unique_violation, Conn, UniqueKey};

use super::error::PostError;

/// The most tags a post carries.
pub const MAX_TAGS: usize = 20;

/// The longest tag name, in characters (the `tags.name` check).
pub const MAX_TAG_NAME_CHARS: usize = 100;

pub use crate::domain::text::split_tag_field as split_field;

/// `names` tidied and merged by slug, in their first order, as `(name, slug)`.
///
/// # Errors
/// [`PostError::Invalid`] (`tags`) for a name too long or with nothing to make a slug of, or
/// more than [`MAX_TAGS`] tags.
pub fn normalise(names: &[String]) -> Result<Vec<(String, String)>, PostError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for name in names {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            continue;
        }
        if name.chars().count() > MAX_TAG_NAME_CHARS {
            return Err(PostError::field(
                "tags",
                format!("A tag has at most {MAX_TAG_NAME_CHARS} characters."),
            ));
        }
        let slug = slugify(&name);
        if slug.is_empty() {
            return Err(PostError::field(
                "tags",
                format!("'{name}' cannot be made into a tag address."),
            ));
        }
        if !out.iter().any(|(_, s)| *s == slug) {
            out.push((name, slug));
        }
    }
    if out.len() > MAX_TAGS {
        return Err(PostError::field(
            "tags",
            format!("A post has at most {MAX_TAGS} tags."),
        ));
    }
    Ok(out)
}

/// The tags named `names` (see [`normalise`]), in order, made when missing (an existing tag
/// keeps its name: "Rust" and "rust" are one tag).
///
/// # Errors
/// As [`normalise`]; [`PostError::Database`].
pub async fn resolve(mut conn: Conn<'_>, names: &[String]) -> Result<Vec<TagRow>, PostError> {
    let wanted = normalise(names)?;
    let slugs: Vec<String> = wanted.iter().map(|(_, s)| s.clone()).collect();
    let mut existing = tags::find_by_slugs(conn.reborrow(), &slugs).await?;
    let mut out = Vec::with_capacity(wanted.len());
    for (name, slug) in wanted {
        if let Some(i) = existing.iter().position(|t| t.slug == slug) {
            out.push(existing.swap_remove(i));
            continue;
        }
        match tags::insert(conn.reborrow(), &name, &slug).await {
            Ok(id) => out.push(TagRow {
                id,
                name,
                slug,
                description: String::new(),
            }),
            // Made meanwhile by another write (PostgreSQL; SQLite writes one at a time).
            Err(e) if unique_violation(&e) == Some(UniqueKey::TagSlug) => {
                let row = tags::find_by_slug(conn.reborrow(), &slug)
                    .await?
                    .ok_or(PostError::Database(e))?;
                out.push(row);
            }
            Err(e) => return Err(PostError::Database(e)),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_merge_by_slug_in_first_order() {
        let names: Vec<String> = [
            "Rust",
            " rust ",
            "Web  Assembly",
            "web-assembly",
            "",
            "Async",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            normalise(&names).unwrap(),
            vec![
                ("Rust".to_string(), "rust".to_string()),
                ("Web Assembly".to_string(), "web-assembly".to_string()),
                ("Async".to_string(), "async".to_string()),
            ]
        );
        assert_eq!(split_field(" a, b ,,c "), vec!["a", "b", "c"]);
        assert!(normalise(&["🎉".to_string()]).is_err());
        assert!(normalise(&["x".repeat(101)]).is_err());
        let many: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();
        assert!(normalise(&many).is_err());
    }
}
