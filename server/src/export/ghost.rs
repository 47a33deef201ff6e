//! `folio export ghost FILE.json`: the site as a Ghost 5.x export ("Export your content"'s shape),
//! for Ghost's own importer (Settings → Labs → Import content).
//!
//! Tables written: `posts` (with `html`; Ghost converts it to its editor format on import),
//! `posts_meta` (meta description), `tags`, `posts_tags`, `users`, `posts_authors`. Ids are
//! 24-digit hex strings like Ghost's, made from Folio's ids. Mapping:
//! - status: published → `published` (`scheduled` when its date is ahead), draft and archived →
//!   `draft` (Ghost has no archive);
//! - pages → `type: "page"`; the category → the post's first tag (Ghost's "primary tag"), then the
//!   post's tags; a tag and a category with the same slug are one tag;
//! - the author → the post's one author, with the account's email (an account without one gets
//!   `<username>@users.invalid`, as Ghost requires an email; RFC 2606 keeps `.invalid`
//!   undeliverable); other names of a byline are not Ghost users and are left out;
//! - meta description → `custom_excerpt` (cut to Ghost's 300 characters) and
//!   `posts_meta.meta_description`; the featured image and `/media/` links in bodies → absolute
//!   URLs on this site, so images keep loading from it until they are moved.
//!
//! Posts are streamed to the file in batches; the small tables are written after them.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use app::ssr::db::posts::export::batch;
use app::ssr::db::Db;
use serde_json::json;

use super::{ExportError, ExportSummary, BATCH};

/// Ghost's limit on `custom_excerpt`, in characters.
const EXCERPT_CHARS: usize = 300;

/// A Ghost-style id for `id` in `table` (a different prefix per table, as Ghost's ids are unique
/// across tables).
fn ghost_id(table: u8, id: i64) -> String {
    format!("{table:08x}{id:016x}")
}

/// A UUID (version 4 layout) derived from the post id, stable between exports.
fn uuid(id: i64) -> String {
    let hex = format!(
        "{:032x}",
        (id as u128) ^ 0x5f0e_a000_0000_4000_8000_0000_0000_0000
    );
    format!(
        "{}-{}-4{}-8{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..32]
    )
}

/// `html` with root-relative upload links (`/media/…`) made absolute on `site`.
fn absolute_media(html: &str, site: &str) -> String {
    html.replace("=\"/media/", &format!("=\"{site}/media/"))
        .replace(", /media/", &format!(", {site}/media/"))
}

fn iso(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Writes every post of `db` to `path` as a Ghost 5.x export; `site` is this site's address (for
/// image URLs).
///
/// # Errors
/// [`ExportError::Exists`] when `path` exists (never overwritten); [`ExportError::Write`];
/// [`ExportError::Database`].
pub async fn export_ghost(db: &Db, site: &str, path: &Path) -> Result<ExportSummary, ExportError> {
    let fail = |source| ExportError::Write {
        path: path.to_path_buf(),
        source,
    };
    if path.exists() {
        return Err(ExportError::Exists(path.to_path_buf()));
    }
    let site = site.trim_end_matches('/');
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(fail)?;
    let mut out = std::io::BufWriter::new(file);
    let now = chrono::Utc::now();
    let header = json!({ "exported_on": now.timestamp_millis(), "version": "5.0.0" });
    write!(out, "{{\"db\":[{{\"meta\":{header},\"data\":{{\"posts\":[").map_err(fail)?;
    let mut summary = ExportSummary::default();
    let mut meta = Vec::new();
    let mut posts_tags = Vec::new();
    let mut posts_authors = Vec::new();
    // slug → (id, name)
    let mut tags: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut users: BTreeMap<i64, serde_json::Value> = BTreeMap::new();
    let mut first = true;
    let mut after = 0;
    let tag_id = |slug: &str, name: &str, tags: &mut BTreeMap<String, (String, String)>| {
        let next = tags.len() as i64 + 1;
        tags.entry(slug.to_string())
            .or_insert_with(|| (ghost_id(3, next), name.to_string()))
            .0
            .clone()
    };
    loop {
        let mut conn = db.acquire().await?;
        let rows = batch(conn.conn(), after, BATCH).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut post_tags = app::ssr::db::tags::for_posts(conn.conn(), &ids).await?;
        drop(conn);
        for row in rows {
            let id = ghost_id(1, row.id);
            let status = match (row.status.as_str(), row.published_at) {
                ("PUBLISHED", Some(at)) if at > now => "scheduled",
                ("PUBLISHED", _) => "published",
                _ => "draft",
            };
            let excerpt = row
                .meta_description
                .as_deref()
                .map(|d| d.chars().take(EXCERPT_CHARS).collect::<String>());
            let html = absolute_media(&row.body, site);
            let post = json!({
                "id": id,
                "uuid": uuid(row.id),
                "title": row.title,
                "slug": row.slug,
                "mobiledoc": null,
                "lexical": null,
                "html": html,
                "comment_id": row.id.to_string(),
                "plaintext": null,
                "feature_image": row.featured_image.as_ref().map(|f| format!("{site}/media/{f}")),
                "featured": 0,
                "type": if row.kind == "page" { "page" } else { "post" },
                "status": status,
                "locale": null,
                "visibility": "public",
                "email_recipient_filter": "all",
                "created_at": iso(row.created_at),
                "updated_at": iso(row.updated_at),
                "published_at": row.published_at.map(iso),
                "custom_excerpt": excerpt,
                "codeinjection_head": null,
                "codeinjection_foot": null,
                "custom_template": null,
                "canonical_url": null,
            });
            if !first {
                out.write_all(b",").map_err(fail)?;
            }
            first = false;
            serde_json::to_writer(&mut out, &post).map_err(|e| fail(e.into()))?;
            if let Some(description) = &row.meta_description {
                meta.push(json!({
                    "id": ghost_id(2, row.id),
                    "post_id": id,
                    "meta_title": null,
                    "meta_description": description,
                }));
            }
            // The category first (Ghost's primary tag), then the tags.
            let mut order = 0;
            let mut seen = Vec::new();
            let mut attach =
                |slug: &str, name: &str, tags: &mut BTreeMap<String, (String, String)>| {
                    if seen.iter().any(|s: &String| s == slug) {
                        return;
                    }
                    seen.push(slug.to_string());
                    let tag = tag_id(slug, name, tags);
                    posts_tags.push(json!({
                        "id": ghost_id(4, (row.id << 8) + order),
                        "post_id": id,
                        "tag_id": tag,
                        "sort_order": order,
                    }));
                    order += 1;
                };
            attach(&row.category_slug, &row.category_name, &mut tags);
            for tag in post_tags.remove(&row.id).unwrap_or_default() {
                attach(&tag.slug, &tag.name, &mut tags);
            }
            users.entry(row.author_id).or_insert_with(|| {
                let name = if row.author_name.trim().is_empty() {
                    row.author_username.clone()
                } else {
                    row.author_name.clone()
                };
                json!({
                    "id": ghost_id(5, row.author_id),
                    "name": name,
                    "slug": row.author_username,
                    // Ghost needs an email for every user; an account without one gets an address
                    // under `.invalid` (RFC 2606: never deliverable) to be corrected in Ghost.
                    "email": row.author_email.clone().unwrap_or_else(|| format!("{}@users.invalid", row.author_username)),
                    "profile_image": null,
                    "bio": null,
                    "status": "active",
                    "created_at": iso(now),
                    "updated_at": iso(now),
                })
            });
            posts_authors.push(json!({
                "id": ghost_id(6, row.id),
                "post_id": id,
                "author_id": ghost_id(5, row.author_id),
                "sort_order": 0,
            }));
            if row.kind == "page" {
                summary.pages += 1;
            } else if row.published_at.is_none() {
                summary.drafts += 1;
            } else {
                summary.posts += 1;
            }
        }
    }
    let tags: Vec<serde_json::Value> = tags
        .into_iter()
        .map(|(slug, (id, name))| {
            json!({
                "id": id,
                "name": name,
                "slug": slug,
                "description": null,
                "visibility": "public",
                "created_at": iso(now),
                "updated_at": iso(now),
            })
        })
        .collect();
    let users: Vec<serde_json::Value> = users.into_values().collect();
    write!(
        out,
        "],\"posts_meta\":{},\"tags\":{},\"posts_tags\":{},\"users\":{},\"posts_authors\":{}}}}}]}}",
        serde_json::Value::from(meta),
        serde_json::Value::from(tags),
        serde_json::Value::from(posts_tags),
        serde_json::Value::from(users),
        serde_json::Value::from(posts_authors),
    )
    .map_err(fail)?;
    out.flush().map_err(fail)?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_ghosts_and_media_links_become_absolute() {
        assert_eq!(ghost_id(1, 255), "0000000100000000000000ff");
        assert_eq!(ghost_id(1, 255).len(), 24);
        let id = uuid(42);
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(uuid(42), uuid(43));
        assert_eq!(
            absolute_media(
                r#"<img src="/media/a.png" srcset="/media/a-800w.png 800w, /media/b.png 1600w">"#,
                "https://blog.example"
            ),
            r#"<img src="https://blog.example/media/a.png" srcset="https://blog.example/media/a-800w.png 800w, https://blog.example/media/b.png 1600w">"#
        );
    }
}
