//! Queries on `media`, the uploaded images.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::on_conn;
use crate::ssr::db::Conn;

/// A stored upload with its uploader's username.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MediaRow {
    /// `media.id`.
    pub id: i64,
    /// `media.uploader_id`.
    pub uploader_id: Option<i64>,
    /// The uploader's username (`None` once the account is deleted).
    pub uploader: Option<String>,
    /// `media.file_name`.
    pub file_name: String,
    /// `media.original_name`.
    pub original_name: String,
    /// `media.content_type`.
    pub content_type: String,
    /// `media.width`.
    pub width: i64,
    /// `media.height`.
    pub height: i64,
    /// `media.size_bytes`.
    pub size_bytes: i64,
    /// `media.variant_widths`.
    pub variant_widths: String,
    /// `media.created_at`.
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "m.id, m.uploader_id, u.username AS uploader, m.file_name, m.original_name, \
     m.content_type, m.width, m.height, m.size_bytes, m.variant_widths, m.created_at \
     FROM media m LEFT JOIN users u ON u.id = m.uploader_id";

/// An upload to record.
#[derive(Debug, Clone)]
pub struct NewMedia<'a> {
    /// Who uploaded it.
    pub uploader_id: i64,
    /// The stored name under the media folder.
    pub file_name: &'a str,
    /// The name the browser gave.
    pub original_name: &'a str,
    /// The type found in the content.
    pub content_type: &'a str,
    /// Width in pixels.
    pub width: i64,
    /// Height in pixels.
    pub height: i64,
    /// Size in bytes.
    pub size_bytes: i64,
}

/// Records an upload at `now` and returns its id.
///
/// # Errors
/// The driver's error.
pub async fn insert(
    conn: Conn<'_>,
    new: &NewMedia<'_>,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
        "INSERT INTO media (uploader_id, file_name, original_name, content_type, width, height, size_bytes, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
    )
    .bind(new.uploader_id)
    .bind(new.file_name)
    .bind(new.original_name)
    .bind(new.content_type)
    .bind(new.width)
    .bind(new.height)
    .bind(new.size_bytes)
    .bind(now)
    .fetch_one(c)
    .await
    })
}

/// Upload `id`.
///
/// # Errors
/// The driver's error.
pub async fn find(conn: Conn<'_>, id: i64) -> Result<Option<MediaRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} WHERE m.id = $1");
    on_conn!(conn, |c| sqlx::query_as::<_, MediaRow>(&sql)
        .bind(id)
        .fetch_optional(c)
        .await)
}

/// The upload imported from `original_name` with `size_bytes` bytes, if one was (importers find
/// a file again instead of storing it twice).
///
/// # Errors
/// The driver's error.
pub async fn find_imported(
    conn: Conn<'_>,
    original_name: &str,
    size_bytes: i64,
) -> Result<Option<MediaRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} WHERE m.original_name = $1 AND m.size_bytes = $2 ORDER BY m.id LIMIT 1"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, MediaRow>(&sql)
        .bind(original_name)
        .bind(size_bytes)
        .fetch_optional(c)
        .await)
}

/// Counts the uploads.
///
/// # Errors
/// The driver's error.
pub async fn count(conn: Conn<'_>) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM media"
    )
    .fetch_one(c)
    .await)
}

/// One page of uploads, newest first.
///
/// # Errors
/// The driver's error.
pub async fn list(conn: Conn<'_>, limit: i64, offset: i64) -> Result<Vec<MediaRow>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} ORDER BY m.created_at DESC, m.id DESC LIMIT $1 OFFSET $2");
    on_conn!(conn, |c| sqlx::query_as::<_, MediaRow>(&sql)
        .bind(limit)
        .bind(offset)
        .fetch_all(c)
        .await)
}

/// Records the widths of the resized copies of upload `id` (e.g. `800,1600`); `false` when the
/// upload is gone (deleted while its copies were being made).
///
/// # Errors
/// The driver's error.
pub async fn set_variant_widths(
    conn: Conn<'_>,
    id: i64,
    widths: &str,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query(
        "UPDATE media SET variant_widths = $1 WHERE id = $2"
    )
    .bind(widths)
    .bind(id)
    .execute(c)
    .await
    .map(|done| done.rows_affected() > 0))
}

/// Deletes upload `id` (posts showing it as featured image lose it).
///
/// # Errors
/// The driver's error.
pub async fn delete(conn: Conn<'_>, id: i64) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| sqlx::query("DELETE FROM media WHERE id = $1")
        .bind(id)
        .execute(c)
        .await
        .map(|_| ()))
}

/// The titles of up to `limit` posts that show upload `id` (stored as `file_name`): as their
/// featured image or in their body (`/media/<file_name>`, its resized copies included, since
/// their names start the same way). Scans the bodies; deleting is rare.
///
/// # Errors
/// The driver's error.
pub async fn used_by(
    conn: Conn<'_>,
    id: i64,
    file_name: &str,
    limit: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let stem = file_name
        .rsplit_once('.')
        .map_or(file_name, |(stem, _)| stem);
    let pattern = format!("%/media/{}%", crate::ssr::db::filter::escape_like(stem));
    on_conn!(conn, |c| sqlx::query_scalar::<_, String>(
        "SELECT title FROM posts WHERE featured_image_id = $1 OR body LIKE $2 ESCAPE '\\' \
         ORDER BY id LIMIT $3"
    )
    .bind(id)
    .bind(&pattern)
    .bind(limit)
    .fetch_all(c)
    .await)
}

/// Deletes the upload stored as `file_name` (an upload that failed half-way).
///
/// # Errors
/// The driver's error.
pub async fn delete_by_file_name(conn: Conn<'_>, file_name: &str) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| sqlx::query(
        "DELETE FROM media WHERE file_name = $1"
    )
    .bind(file_name)
    .execute(c)
    .await
    .map(|_| ()))
}

/// The original widths of the uploads stored as `file_names`, by stored name.
///
/// # Errors
/// The driver's error.
pub async fn widths(
    mut conn: Conn<'_>,
    file_names: &[String],
) -> Result<HashMap<String, u32>, sqlx::Error> {
    let mut found = HashMap::new();
    for chunk in file_names.chunks(100) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT file_name, width FROM media WHERE file_name IN ({})",
            placeholders.join(", ")
        );
        let rows: Vec<(String, i64)> = on_conn!(conn.reborrow(), |c| {
            let mut query = sqlx::query_as::<_, (String, i64)>(&sql);
            for name in chunk {
                query = query.bind(name);
            }
            query.fetch_all(c).await
        })?;
        found.extend(rows.into_iter().map(|(name, width)| (name, width as u32)));
    }
    Ok(found)
}

/// Whether an uploaded image `id` exists (for the featured image).
///
/// # Errors
/// The driver's error.
pub async fn media_exists(conn: Conn<'_>, id: i64) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM media WHERE id = $1"
    )
    .bind(id)
    .fetch_one(c)
    .await
    .map(|n| n > 0))
}
