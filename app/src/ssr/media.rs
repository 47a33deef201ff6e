//! Uploaded images: validation (type found in the content, never the name; a size limit; the
//! whole image decoded so damaged files are refused), storage in the media store
//! ([`crate::ssr::media_store`]: a folder or an S3 bucket) with a random name, responsive
//! variants made after the upload has been answered, and the `srcset` that post bodies get for
//! them.
//!
//! A refused upload leaves nothing behind: the file is stored whole under its random name, then
//! its row; if the row cannot be stored the file is removed again.

use std::collections::HashMap;
use std::io::Cursor;

use chrono::{DateTime, Datelike, Utc};
use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use crate::domain::Permission;
use crate::error::AppError;
use crate::model::media::MediaItem;
use crate::model::ResponsiveImage;
use crate::ssr::db::media::{self as queries, MediaRow, NewMedia};
use crate::ssr::db::users::AccountRow;
use crate::ssr::media_store::MediaStore;
use crate::ssr::AppState;

/// The default upload limit: 10 MB.
pub const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;

/// The widths of the resized copies, in pixels (only those narrower than the original).
pub const VARIANT_WIDTHS: [u32; 2] = [800, 1600];

/// The largest width or height accepted, in pixels: a small file can declare a huge image
/// (a "decompression bomb"); decoding it would take gigabytes.
pub const MAX_DIMENSION: u32 = 12_000;

/// The most memory decoding one image may take, in bytes.
const MAX_DECODE_BYTES: u64 = 512 * 1024 * 1024;

/// The `sizes` attribute of post images: the reading column is at most 720 CSS pixels wide.
pub const POST_IMAGE_SIZES: &str = "(max-width: 760px) 100vw, 720px";

/// `Cache-Control` of uploads: a year, never revalidated (RFC 8246 `immutable`): stored names are
/// random and never reused, so a URL always means the same bytes.
pub const MEDIA_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// Where uploads go and how large they may be.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// Where the files are kept (`FOLIO_MEDIA_DIR`, or `FOLIO_MEDIA_STORE`), served at `/media/`.
    pub store: MediaStore,
    /// The largest upload accepted, in bytes (`FOLIO_MEDIA_MAX_BYTES`).
    pub max_bytes: u64,
    /// Slots for decoding and resizing images (`FOLIO_IMAGE_WORKERS`): a decoded image may
    /// take hundreds of megabytes ([`MAX_DECODE_BYTES`]), so only this many are held at once.
    pub workers: crate::ssr::slots::WorkSlots,
}

/// Why an upload was refused.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Larger than the limit.
    #[error("The file is larger than the upload limit of {0}.")]
    TooLarge(String),
    /// No bytes.
    #[error("The file is empty.")]
    Empty,
    /// Not JPEG, PNG, WebP or GIF, judged by its content.
    #[error("Only JPEG, PNG, WebP and GIF images can be uploaded, and this file is none of them.")]
    UnsupportedType,
    /// Wider or taller than [`MAX_DIMENSION`].
    #[error("The image is too large: at most {MAX_DIMENSION} pixels wide and high.")]
    TooManyPixels,
    /// The content could not be decoded.
    #[error("The image could not be read: the file is damaged or incomplete.")]
    Corrupt,
}

impl From<UploadError> for AppError {
    fn from(error: UploadError) -> Self {
        match error {
            UploadError::TooLarge(_) => AppError::PayloadTooLarge(error.to_string()),
            UploadError::UnsupportedType => AppError::UnsupportedMediaType(error.to_string()),
            UploadError::Empty | UploadError::TooManyPixels | UploadError::Corrupt => {
                AppError::BadRequest(error.to_string())
            }
        }
    }
}

/// `bytes` in words: "10 MB", "512 KB".
pub fn human_size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// The accepted formats: content type and file extension.
fn accepted(format: ImageFormat) -> Option<(&'static str, &'static str)> {
    match format {
        ImageFormat::Jpeg => Some(("image/jpeg", "jpg")),
        ImageFormat::Png => Some(("image/png", "png")),
        ImageFormat::WebP => Some(("image/webp", "webp")),
        ImageFormat::Gif => Some(("image/gif", "gif")),
        _ => None,
    }
}

/// The URL of an uploaded file under `/media/`.
pub fn media_url(file_name: &str) -> String {
    format!("/media/{file_name}")
}

/// A decoded, accepted image.
pub struct Checked {
    /// The decoded pixels (for the variants).
    pub image: DynamicImage,
    /// Its format.
    pub format: ImageFormat,
    /// `image/jpeg`...
    pub content_type: &'static str,
    /// `jpg`...
    pub extension: &'static str,
}

/// Checks an upload: size, type by content, dimensions, and a full decode.
///
/// # Errors
/// The [`UploadError`] that says why it is refused.
pub fn check(bytes: &[u8], max_bytes: u64) -> Result<Checked, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.len() as u64 > max_bytes {
        return Err(UploadError::TooLarge(human_size(max_bytes)));
    }
    let format = image::guess_format(bytes).map_err(|_| UploadError::UnsupportedType)?;
    let (content_type, extension) = accepted(format).ok_or(UploadError::UnsupportedType)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DIMENSION);
    limits.max_image_height = Some(MAX_DIMENSION);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => UploadError::TooManyPixels,
        _ => UploadError::Corrupt,
    })?;
    Ok(Checked {
        image,
        format,
        content_type,
        extension,
    })
}

/// A new random stored name: `2026/11/<32 hex digits>.<ext>`.
fn stored_name(now: DateTime<Utc>, extension: &str) -> String {
    format!(
        "{:04}/{:02}/{}.{extension}",
        now.year(),
        now.month(),
        crate::ssr::auth::hex(&rand::random::<[u8; 16]>())
    )
}

/// The stored name of the `width`-pixel variant of `file_name`: `<stem>-<width>w.<ext>`.
pub fn variant_name(file_name: &str, width: u32) -> String {
    match file_name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}-{width}w.{ext}"),
        None => format!("{file_name}-{width}w"),
    }
}

/// The variant widths an image `width` pixels wide gets.
pub fn variant_widths(width: u32) -> Vec<u32> {
    VARIANT_WIDTHS.into_iter().filter(|w| *w < width).collect()
}

/// The item as the library shows it.
pub fn item(row: MediaRow) -> MediaItem {
    MediaItem {
        id: row.id,
        url: media_url(&row.file_name),
        original_name: row.original_name,
        content_type: row.content_type,
        width: row.width as u32,
        height: row.height as u32,
        size_bytes: row.size_bytes as u64,
        variant_widths: row
            .variant_widths
            .split(',')
            .filter_map(|w| w.parse().ok())
            .collect(),
        uploader: row.uploader.unwrap_or_default(),
        created_at: row.created_at,
    }
}

/// Stores an upload by `actor` named `original_name` (as the browser gave it; kept for the
/// library only, never used for the stored name or type), then makes its variants in the
/// background.
///
/// # Errors
/// [`AppError::Forbidden`] without `WritePosts`; the refusals of [`check`] as
/// [`AppError::PayloadTooLarge`], [`AppError::UnsupportedMediaType`] or
/// [`AppError::BadRequest`]; [`AppError::Internal`] when the file or row cannot be written.
pub async fn upload(
    state: &AppState,
    actor: &AccountRow,
    original_name: &str,
    bytes: Vec<u8>,
    now: DateTime<Utc>,
) -> Result<MediaItem, AppError> {
    if !(actor.role.can(Permission::AccessAdmin) && actor.role.can(Permission::WritePosts)) {
        return Err(AppError::Forbidden);
    }
    let max = state.media.max_bytes;
    // Held from the decode until the resized copies are made (in the background).
    let slot = state.media.workers.take().await.map_err(|_| {
        tracing::info!(
            user_id = actor.id,
            "upload refused: every image slot is busy"
        );
        AppError::Busy {
            retry_after_secs: 5,
        }
    })?;
    let (bytes, checked) = tokio::task::spawn_blocking(move || {
        let checked = check(&bytes, max);
        (bytes, checked)
    })
    .await
    .map_err(|_| AppError::Internal)?;
    let checked = checked.inspect_err(|e| {
        tracing::info!(user_id = actor.id, reason = %e, "upload refused");
    })?;
    let original_name: String = original_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(255)
        .collect();
    let row = store_checked(
        &state.db,
        &state.media.store,
        actor.id,
        &original_name,
        bytes,
        &checked,
        now,
    )
    .await?;
    let file_name = row.file_name.clone();
    tracing::info!(media_id = row.id, user_id = actor.id, file = %file_name, bytes = row.size_bytes, "image uploaded");
    let widths = variant_widths(checked.image.width());
    if !widths.is_empty() && checked.format != ImageFormat::Gif {
        tokio::spawn(make_variants(
            state.clone(),
            row.id,
            file_name.clone(),
            checked,
            widths,
            slot,
        ));
    }
    Ok(item(row))
}

/// Stores a checked image: the file under a new random name, then its row (uploaded by
/// `uploader_id`, named `original_name` in the library). If the row cannot be stored the file is
/// removed again, so nothing is left half-stored.
///
/// # Errors
/// [`AppError::Internal`] when the file or the row cannot be written.
async fn store_checked(
    db: &crate::ssr::db::Db,
    store: &MediaStore,
    uploader_id: i64,
    original_name: &str,
    bytes: Vec<u8>,
    checked: &Checked,
    now: DateTime<Utc>,
) -> Result<MediaRow, AppError> {
    let file_name = stored_name(now, checked.extension);
    let size_bytes = bytes.len() as i64;
    if let Err(e) = store.put(&file_name, bytes, checked.content_type).await {
        tracing::error!(error = %e, "could not write an upload");
        return Err(AppError::Internal);
    }
    let new = NewMedia {
        uploader_id,
        file_name: &file_name,
        original_name,
        content_type: checked.content_type,
        width: i64::from(checked.image.width()),
        height: i64::from(checked.image.height()),
        size_bytes,
    };
    let stored = async {
        let mut conn = db.acquire_write().await?;
        let id = queries::insert(conn.conn(), &new, now).await?;
        let row = queries::find(conn.conn(), id).await?;
        Ok::<_, sqlx::Error>(row)
    }
    .await;
    match stored {
        Ok(Some(row)) => Ok(row),
        Ok(None) | Err(_) => {
            // Nothing stays behind: neither the file nor, where it was stored, the row.
            let _ = store.delete(&file_name).await;
            if let Ok(mut conn) = db.acquire_write().await {
                let _ = queries::delete_by_file_name(conn.conn(), &file_name).await;
            }
            tracing::error!(file = %file_name, "could not store an upload");
            Err(AppError::Internal)
        }
    }
}

/// Imports an image file from another system's media folder into the library (for importers):
/// checked as an upload is (up to `max_bytes`), stored under a new name with its resized copies
/// made at once, and listed under `original_name`. An image already imported from the same
/// `original_name` with the same size is found again instead (so re-running an import adds
/// nothing).
///
/// # Errors
/// The refusals of [`check`] as for uploads ([`AppError::PayloadTooLarge`],
/// [`AppError::UnsupportedMediaType`], [`AppError::BadRequest`]); [`AppError::Internal`].
pub async fn import_image(
    db: &crate::ssr::db::Db,
    store: &MediaStore,
    uploader_id: i64,
    original_name: &str,
    bytes: Vec<u8>,
    max_bytes: u64,
    now: DateTime<Utc>,
) -> Result<MediaRow, AppError> {
    {
        let mut conn = db.acquire().await?;
        if let Some(row) =
            queries::find_imported(conn.conn(), original_name, bytes.len() as i64).await?
        {
            return Ok(row);
        }
    }
    let (bytes, checked) = tokio::task::spawn_blocking(move || {
        let checked = check(&bytes, max_bytes);
        (bytes, checked)
    })
    .await
    .map_err(|_| AppError::Internal)?;
    let checked = checked?;
    let row = store_checked(db, store, uploader_id, original_name, bytes, &checked, now).await?;
    let widths = variant_widths(checked.image.width());
    if !widths.is_empty() && checked.format != ImageFormat::Gif {
        let content_type = checked.content_type;
        let encoded = tokio::task::spawn_blocking(move || resize_all(&checked, &widths))
            .await
            .unwrap_or_default();
        save_variants(db, store, row.id, &row.file_name, content_type, encoded).await;
    }
    Ok(row)
}

/// Makes the resized copies of an upload (in a blocking thread: resizing takes a while) and
/// records their widths, then frees the upload's image `slot`. GIFs keep only their original
/// (resizing would drop the animation).
async fn make_variants(
    state: AppState,
    id: i64,
    file_name: String,
    checked: Checked,
    widths: Vec<u32>,
    slot: tokio::sync::OwnedSemaphorePermit,
) {
    let content_type = checked.content_type;
    let encoded = tokio::task::spawn_blocking(move || resize_all(&checked, &widths))
        .await
        .unwrap_or_default();
    drop(slot);
    save_variants(
        &state.db,
        &state.media.store,
        id,
        &file_name,
        content_type,
        encoded,
    )
    .await;
}

/// The resized copies of `checked` at `widths`, encoded in its format (blocking: call from a
/// blocking thread). A copy that cannot be encoded is logged and left out.
fn resize_all(checked: &Checked, widths: &[u32]) -> Vec<(u32, Vec<u8>)> {
    let mut encoded = Vec::new();
    for &width in widths {
        let height = (u64::from(checked.image.height()) * u64::from(width)
            / u64::from(checked.image.width().max(1)))
        .max(1) as u32;
        let resized =
            checked
                .image
                .resize_exact(width, height, image::imageops::FilterType::Lanczos3);
        match encode(&resized, checked.format) {
            Ok(bytes) => encoded.push((width, bytes)),
            Err(e) => tracing::error!(width, error = %e, "could not make an image variant"),
        }
    }
    encoded
}

/// Stores the `encoded` copies of upload `id` (named `file_name`) and records their widths; if
/// the upload was deleted meanwhile, removes them again.
async fn save_variants(
    db: &crate::ssr::db::Db,
    store: &MediaStore,
    id: i64,
    file_name: &str,
    content_type: &str,
    encoded: Vec<(u32, Vec<u8>)>,
) {
    let mut made = Vec::new();
    for (width, bytes) in encoded {
        let name = variant_name(file_name, width);
        match store.put(&name, bytes, content_type).await {
            Ok(()) => made.push(width),
            Err(e) => {
                tracing::error!(file = %name, error = %e, "could not store an image variant");
            }
        }
    }
    if made.is_empty() {
        return;
    }
    let widths = made
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let recorded = async {
        let mut conn = db.acquire_write().await?;
        queries::set_variant_widths(conn.conn(), id, &widths).await
    }
    .await;
    match recorded {
        Ok(true) => tracing::info!(media_id = id, widths = %widths, "image variants made"),
        Ok(false) => {
            // Deleted meanwhile: its delete could not see these copies yet.
            for width in made {
                let _ = store.delete(&variant_name(file_name, width)).await;
            }
        }
        Err(e) => tracing::error!(media_id = id, error = %e, "could not record image variants"),
    }
}

/// `image` encoded as `format` (JPEG at quality 82).
fn encode(image: &DynamicImage, format: ImageFormat) -> Result<Vec<u8>, String> {
    let mut writer = Cursor::new(Vec::new());
    match format {
        ImageFormat::Jpeg => {
            let encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut writer, 82);
            image
                .to_rgb8()
                .write_with_encoder(encoder)
                .map_err(|e| e.to_string())
        }
        other => image
            .write_to(&mut writer, other)
            .map_err(|e| e.to_string()),
    }?;
    Ok(writer.into_inner())
}

/// Adds `srcset` and `sizes` to the `<img>`s of `html` (sanitised, so attributes are
/// double-quoted) whose `src` is an upload listed in `widths` (stored name -> original width):
/// browsers then download the smallest copy that fills the column. Existing `srcset`s are
/// replaced, so saving twice gives the same HTML.
pub fn add_srcset(html: &str, widths: &HashMap<String, u32>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<img ") {
        out.push_str(&rest[..start]);
        let Some(end) = tag_end(&rest[start..]) else {
            break;
        };
        let tag = &rest[start..start + end + 1];
        out.push_str(&rewrite_img(tag, widths));
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// The index of the `>` that ends the tag `tag` starts with: the first one outside a quoted
/// attribute value (sanitised HTML double-quotes every value and escapes `"` inside it, but
/// leaves `>` as it is).
fn tag_end(tag: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, b) in tag.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'>' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!(" {name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')?;
    Some(&tag[start..start + end])
}

fn without_attribute(tag: &str, name: &str) -> String {
    let needle = format!(" {name}=\"");
    match tag.find(&needle) {
        Some(start) => match tag[start + needle.len()..].find('"') {
            Some(end) => format!(
                "{}{}",
                &tag[..start],
                &tag[start + needle.len() + end + 1..]
            ),
            None => tag.to_string(),
        },
        None => tag.to_string(),
    }
}

/// The `srcset` of upload `file` (original `width` pixels wide): its resized copies and the
/// original, by width; `None` when it is too small to have copies.
pub fn srcset(file: &str, width: u32) -> Option<String> {
    let variants = variant_widths(width);
    if variants.is_empty() {
        return None;
    }
    let mut set: Vec<String> = variants
        .iter()
        .map(|w| format!("/media/{} {w}w", variant_name(file, *w)))
        .collect();
    set.push(format!("/media/{file} {width}w"));
    Some(set.join(", "))
}

/// Upload `file` (`width` x `height` pixels) as a page shows it, with [`srcset`] and
/// [`POST_IMAGE_SIZES`].
pub fn responsive_image(file: &str, width: i64, height: i64) -> ResponsiveImage {
    ResponsiveImage {
        src: media_url(file),
        srcset: u32::try_from(width)
            .ok()
            .and_then(|w| srcset(file, w))
            .unwrap_or_default(),
        sizes: POST_IMAGE_SIZES.to_string(),
        width,
        height,
    }
}

fn rewrite_img(tag: &str, widths: &HashMap<String, u32>) -> String {
    let Some(file) = attribute(tag, "src").and_then(|src| src.strip_prefix("/media/")) else {
        return tag.to_string();
    };
    let Some(&width) = widths.get(file) else {
        return tag.to_string();
    };
    let tag = without_attribute(&without_attribute(tag, "srcset"), "sizes");
    let Some(set) = srcset(file, width) else {
        return tag;
    };
    let close = if tag.ends_with("/>") {
        tag.len() - 2
    } else {
        tag.len() - 1
    };
    format!(
        "{} srcset=\"{set}\" sizes=\"{POST_IMAGE_SIZES}\"{}",
        tag[..close].trim_end(),
        &tag[close..]
    )
}

/// The stored names of the uploads `html` shows (`<img src="/media/...">`).
pub fn referenced_uploads(html: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<img ") {
        let Some(end) = tag_end(&rest[start..]) else {
            break;
        };
        if let Some(file) =
            attribute(&rest[start..start + end + 1], "src").and_then(|s| s.strip_prefix("/media/"))
        {
            names.push(file.to_string());
        }
        rest = &rest[start + end + 1..];
    }
    names
}

/// The media library, newest first, one page of `per_page` from `offset`, with the total.
///
/// # Errors
/// [`AppError::Forbidden`] without `WritePosts`; [`AppError::Internal`].
pub async fn library(
    state: &AppState,
    actor: &AccountRow,
    per_page: i64,
    offset: i64,
) -> Result<(Vec<MediaItem>, i64), AppError> {
    if !(actor.role.can(Permission::AccessAdmin) && actor.role.can(Permission::WritePosts)) {
        return Err(AppError::Forbidden);
    }
    let mut conn = state.db.acquire().await?;
    let total = queries::count(conn.conn()).await?;
    let rows = queries::list(conn.conn(), per_page, offset).await?;
    Ok((rows.into_iter().map(item).collect(), total))
}

/// How many of the posts that still use an image a refused delete names.
const USERS_LISTED: i64 = 5;

/// "Still used by ..." for the post titles `users` (at most [`USERS_LISTED`] named; one more
/// means there are others).
fn in_use_message(users: &[String]) -> String {
    let named: Vec<String> = users
        .iter()
        .take(USERS_LISTED as usize)
        .map(|t| format!("“{t}”"))
        .collect();
    let others = if users.len() as i64 > USERS_LISTED {
        " and others"
    } else {
        ""
    };
    format!(
        "This image is still used by {}{others}. Take it out of those posts first; deleting it \
         now would leave readers a broken image.",
        named.join(", ")
    )
}

/// Deletes upload `id` and its files. Authors delete their own uploads; editors any. An image
/// a post still shows (featured, or in its text) is not deleted.
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`]; [`AppError::Conflict`] naming the posts
/// that still use it; [`AppError::Internal`].
pub async fn delete(state: &AppState, actor: &AccountRow, id: i64) -> Result<(), AppError> {
    if !(actor.role.can(Permission::AccessAdmin) && actor.role.can(Permission::WritePosts)) {
        return Err(AppError::Forbidden);
    }
    let mut conn = state.db.acquire_write().await?;
    let row = queries::find(conn.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !crate::ssr::auth::may_act_on(
        actor,
        row.uploader_id.unwrap_or(0),
        Permission::EditAllPosts,
    ) {
        return Err(AppError::Forbidden);
    }
    // As Django's delete confirmation refuses what is still protected: an image a post still
    // shows would turn into a broken image for readers.
    let users = queries::used_by(conn.conn(), id, &row.file_name, USERS_LISTED + 1).await?;
    if !users.is_empty() {
        return Err(AppError::Conflict(in_use_message(&users)));
    }
    queries::delete(conn.conn(), id).await?;
    drop(conn);
    // The row is gone, so nothing links the files any more; one that cannot be removed now is
    // only wasted space (logged).
    let store = &state.media.store;
    let mut names = vec![row.file_name.clone()];
    names.extend(VARIANT_WIDTHS.map(|width| variant_name(&row.file_name, width)));
    for name in names {
        if let Err(error) = store.delete(&name).await {
            tracing::warn!(file = %name, %error, "could not remove a deleted upload's file");
        }
    }
    tracing::info!(media_id = id, user_id = actor.id, "upload deleted");
    Ok(())
}

/// `html` (sanitised) with `srcset`s for the uploads it shows (see [`add_srcset`]), looking
/// their widths up, and sanitised again: [`add_srcset`] edits markup as text, and an attribute
/// value holding `>` (legal in sanitised HTML) would otherwise let text of the post become
/// markup. The allow-list keeps the `srcset`s it adds (uploads only).
///
/// # Errors
/// The driver's error.
pub async fn responsive(conn: crate::ssr::db::Conn<'_>, html: &str) -> Result<String, sqlx::Error> {
    let names = referenced_uploads(html);
    if names.is_empty() {
        return Ok(html.to_string());
    }
    let widths = queries::widths(conn, &names).await?;
    Ok(with_srcset(html, &widths))
}

/// [`add_srcset`], then the sanitiser again: whatever the text edit did to markup it did not
/// expect (an unescaped `>` in an attribute value, as older serialisers and hand-written HTML
/// have), the result is within the allow-list.
pub fn with_srcset(html: &str, widths: &HashMap<String, u32>) -> String {
    crate::ssr::content::sanitize::sanitize_html(&add_srcset(html, widths))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut bytes = Vec::new();
        DynamicImage::new_rgb8(width, height)
            .write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)
            .unwrap();
        bytes
    }

    #[test]
    fn checks_type_by_content_size_and_integrity() {
        assert!(check(&png(10, 10), DEFAULT_MAX_BYTES).is_ok());
        assert!(matches!(check(b"", 100), Err(UploadError::Empty)));
        assert!(matches!(
            check(&png(10, 10), 10),
            Err(UploadError::TooLarge(_))
        ));
        assert!(matches!(
            check(
                b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
                DEFAULT_MAX_BYTES
            ),
            Err(UploadError::UnsupportedType)
        ));
        let mut cut = png(64, 64);
        cut.truncate(cut.len() / 2);
        assert!(matches!(
            check(&cut, DEFAULT_MAX_BYTES),
            Err(UploadError::Corrupt)
        ));
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(human_size(DEFAULT_MAX_BYTES), "10 MB");
        assert_eq!(human_size(1536), "2 KB");
    }

    #[test]
    fn srcset_for_uploads_only() {
        let widths = HashMap::from([("2026/11/a.jpg".to_string(), 2400)]);
        let html =
            r#"<p>x</p><img src="/media/2026/11/a.jpg" alt="A"><img src="https://e.org/b.png">"#;
        let out = add_srcset(html, &widths);
        assert!(out.contains(r#"<img src="/media/2026/11/a.jpg" alt="A" srcset="/media/2026/11/a-800w.jpg 800w, /media/2026/11/a-1600w.jpg 1600w, /media/2026/11/a.jpg 2400w" sizes="(max-width: 760px) 100vw, 720px">"#), "{out}");
        assert!(out.contains(r#"<img src="https://e.org/b.png">"#));
        assert_eq!(
            add_srcset(&out, &widths),
            out,
            "saving twice changes nothing"
        );
        let small = HashMap::from([("2026/11/a.jpg".to_string(), 600)]);
        assert_eq!(add_srcset(html, &small), html);
    }

    #[test]
    fn attribute_text_never_becomes_markup() {
        let widths = HashMap::from([("2026/11/a.jpg".to_string(), 2400)]);
        // Legal HTML: `>` need not be escaped inside a quoted attribute value.
        let html = r#"<p><img src="/media/2026/11/a.jpg" alt="x><form action=https://evil.example/><button>Sign in</button></form>"></p>"#;
        let out = with_srcset(html, &widths);
        assert!(!out.contains("<form") && !out.contains("<button"), "{out}");
        assert!(
            out.contains("srcset=\"/media/2026/11/a-800w.jpg 800w"),
            "{out}"
        );
        assert_eq!(with_srcset(&out, &widths), out, "idempotent");
    }
}
