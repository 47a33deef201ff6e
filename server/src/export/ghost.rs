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
//! Posts are streamed in batches; the tables are written one after another (see [`write_ghost`]).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use app::ssr::db::posts::export::{batch, links, ExportLink, ExportRow};
use app::ssr::db::tags::TagRow;
use app::ssr::db::Db;
use serde_json::json;

use super::{ExportError, ExportSummary, FileSink, Sink, BATCH};

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

/// Writes every post of `db` to `path` (a new file) as a Ghost 5.x export; `site` is this site's
/// address (for image URLs).
///
/// # Errors
/// [`ExportError::Exists`] when `path` exists (never overwritten); [`ExportError::Write`];
/// [`ExportError::Database`].
pub async fn export_ghost(db: &Db, site: &str, path: &Path) -> Result<ExportSummary, ExportError> {
    let mut file = FileSink::create(path)?;
    let summary = write_ghost(db, site, chrono::Utc::now(), &mut file).await?;
    file.finish()?;
    Ok(summary)
}

/// Bytes gathered before they are handed to the sink.
const CHUNK: usize = 64 * 1024;

/// A JSON array written element by element into a sink, in chunks of about [`CHUNK`] bytes.
struct Array<'a, S: Sink> {
    sink: &'a mut S,
    buffer: Vec<u8>,
    empty: bool,
}

impl<'a, S: Sink> Array<'a, S> {
    /// Starts `"<name>":[` (after `prefix`, written first).
    fn open(sink: &'a mut S, prefix: &str, name: &str) -> Self {
        let mut buffer = Vec::with_capacity(CHUNK + 4096);
        buffer.extend_from_slice(format!("{prefix}\"{name}\":[").as_bytes());
        Self {
            sink,
            buffer,
            empty: true,
        }
    }

    async fn push(&mut self, value: &serde_json::Value) -> Result<(), ExportError> {
        if !self.empty {
            self.buffer.push(b',');
        }
        self.empty = false;
        // Serialising a `Value` into a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut self.buffer, value);
        if self.buffer.len() >= CHUNK {
            let chunk = std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK + 4096));
            self.sink.put(chunk).await?;
        }
        Ok(())
    }

    async fn close(mut self) -> Result<(), ExportError> {
        self.buffer.push(b']');
        self.sink.put(self.buffer).await
    }
}

/// The posts of `db`, batch by batch, in id order: whole ([`Batches::next`]) or only what the
/// join tables need ([`Batches::next_links`]), with each batch's tags.
struct Batches<'a> {
    db: &'a Db,
    after: i64,
}

impl Batches<'_> {
    async fn next(
        &mut self,
    ) -> Result<Option<(Vec<ExportRow>, HashMap<i64, Vec<TagRow>>)>, ExportError> {
        let mut conn = self.db.acquire().await?;
        let rows = batch(conn.conn(), self.after, BATCH).await?;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.after = last.id;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let tags = app::ssr::db::tags::for_posts(conn.conn(), &ids).await?;
        Ok(Some((rows, tags)))
    }

    async fn next_links(
        &mut self,
        with_tags: bool,
    ) -> Result<Option<(Vec<ExportLink>, HashMap<i64, Vec<TagRow>>)>, ExportError> {
        let mut conn = self.db.acquire().await?;
        let rows = links(conn.conn(), self.after, LINK_BATCH).await?;
        let Some(last) = rows.last() else {
            return Ok(None);
        };
        self.after = last.id;
        let tags = if with_tags {
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            app::ssr::db::tags::for_posts(conn.conn(), &ids).await?
        } else {
            HashMap::new()
        };
        Ok(Some((rows, tags)))
    }
}

/// How many posts' links are read at once (small rows: more than [`BATCH`]).
const LINK_BATCH: i64 = 1000;

/// The tags of one post as Ghost lists them: its category first (Ghost's primary tag), then its
/// tags, a slug once, as `(slug, name)`.
fn ghost_tags(category: (&str, &str), tags: Vec<TagRow>) -> Vec<(String, String)> {
    let mut out = vec![(category.0.to_string(), category.1.to_string())];
    for tag in tags {
        if !out.iter().any(|(slug, _)| *slug == tag.slug) {
            out.push((tag.slug, tag.name));
        }
    }
    out
}

/// Writes every post of `db` into `sink` as a Ghost 5.x export, dated `now` (scheduled means
/// later than `now`); `site` is this site's address (for image URLs). The posts are read four
/// times (posts, then `posts_meta`, `posts_tags`, `posts_authors`) so that memory holds one
/// batch and the site's tags and authors, never a list as long as the posts.
///
/// # Errors
/// As [`Sink::put`]; [`ExportError::Database`].
pub async fn write_ghost(
    db: &Db,
    site: &str,
    now: chrono::DateTime<chrono::Utc>,
    sink: &mut impl Sink,
) -> Result<ExportSummary, ExportError> {
    let site = site.trim_end_matches('/');
    let header = json!({ "exported_on": now.timestamp_millis(), "version": "5.0.0" });
    let mut summary = ExportSummary::default();
    // slug → (id, name), numbered in order of first use.
    let mut tags: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut users: BTreeMap<i64, serde_json::Value> = BTreeMap::new();

    let mut posts = Array::open(
        sink,
        &format!("{{\"db\":[{{\"meta\":{header},\"data\":{{"),
        "posts",
    );
    let mut batches = Batches { db, after: 0 };
    while let Some((rows, mut post_tags)) = batches.next().await? {
        for row in rows {
            let status = match (row.status.as_str(), row.published_at) {
                ("PUBLISHED", Some(at)) if at > now => "scheduled",
                ("PUBLISHED", _) => "published",
                _ => "draft",
            };
            let excerpt = row
                .meta_description
                .as_deref()
                .map(|d| d.chars().take(EXCERPT_CHARS).collect::<String>());
            posts
                .push(&json!({
                    "id": ghost_id(1, row.id),
                    "uuid": uuid(row.id),
                    "title": row.title,
                    "slug": row.slug,
                    "mobiledoc": null,
                    "lexical": null,
                    "html": absolute_media(&row.body, site),
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
                }))
                .await?;
            let category = (row.category_slug.as_str(), row.category_name.as_str());
            for (slug, name) in ghost_tags(category, post_tags.remove(&row.id).unwrap_or_default())
            {
                let next = tags.len() as i64 + 1;
                tags.entry(slug)
                    .or_insert_with(|| (ghost_id(3, next), name));
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
            if row.kind == "page" {
                summary.pages += 1;
            } else if row.published_at.is_none() {
                summary.drafts += 1;
            } else {
                summary.posts += 1;
            }
        }
    }
    posts.close().await?;

    let mut meta = Array::open(sink, ",", "posts_meta");
    let mut batches = Batches { db, after: 0 };
    while let Some((rows, _)) = batches.next_links(false).await? {
        for row in rows {
            if let Some(description) = &row.meta_description {
                meta.push(&json!({
                    "id": ghost_id(2, row.id),
                    "post_id": ghost_id(1, row.id),
                    "meta_title": null,
                    "meta_description": description,
                }))
                .await?;
            }
        }
    }
    meta.close().await?;

    let mut list = Array::open(sink, ",", "tags");
    for (slug, (id, name)) in &tags {
        list.push(&json!({
            "id": id,
            "name": name,
            "slug": slug,
            "description": null,
            "visibility": "public",
            "created_at": iso(now),
            "updated_at": iso(now),
        }))
        .await?;
    }
    list.close().await?;

    let mut posts_tags = Array::open(sink, ",", "posts_tags");
    let mut batches = Batches { db, after: 0 };
    while let Some((rows, mut post_tags)) = batches.next_links(true).await? {
        for row in rows {
            let category = (row.category_slug.as_str(), row.category_name.as_str());
            let listed = ghost_tags(category, post_tags.remove(&row.id).unwrap_or_default());
            for (order, (slug, _)) in listed.iter().enumerate() {
                let Some((tag_id, _)) = tags.get(slug) else {
                    continue;
                };
                posts_tags
                    .push(&json!({
                        "id": ghost_id(4, (row.id << 8) + order as i64),
                        "post_id": ghost_id(1, row.id),
                        "tag_id": tag_id,
                        "sort_order": order,
                    }))
                    .await?;
            }
        }
    }
    posts_tags.close().await?;

    let mut list = Array::open(sink, ",", "users");
    for user in users.values() {
        list.push(user).await?;
    }
    list.close().await?;

    let mut posts_authors = Array::open(sink, ",", "posts_authors");
    let mut batches = Batches { db, after: 0 };
    while let Some((rows, _)) = batches.next_links(false).await? {
        for row in rows {
            posts_authors
                .push(&json!({
                    "id": ghost_id(6, row.id),
                    "post_id": ghost_id(1, row.id),
                    "author_id": ghost_id(5, row.author_id),
                    "sort_order": 0,
                }))
                .await?;
        }
    }
    posts_authors.close().await?;
    sink.put(b"}}]}".to_vec()).await?;
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
