//! Uploaded images over HTTP: `POST /admin/media/upload/?name=<file name>` with the image as the
//! request body (staff who write posts; CSRF-checked like every unsafe request), and the files
//! under `/media/` with long cache headers (stored names are random and never reused, so a URL
//! always means the same bytes).

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::Session;

use app::domain::Permission;
use app::error::AppError;
use app::ssr::media_store::{MediaStore, MediaStoreError};
use app::ssr::AppState;

pub use app::ssr::media::MEDIA_CACHE_CONTROL;

/// The upload's query string.
#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    /// The file's name on the uploader's machine (shown in the library only).
    #[serde(default)]
    pub name: String,
}

/// An error as the upload endpoint answers it: the status of [`AppError::status_code`],
/// `Retry-After` where the error has one, and `{"error": "<message for people>"}`.
fn error_response(error: AppError) -> Response {
    let message = error.form_message().unwrap_or_else(|| error.to_string());
    let mut response = (
        error.status_code(),
        Json(serde_json::json!({ "error": message })),
    )
        .into_response();
    if let Some(seconds) = error.retry_after_secs() {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    response
}

/// Stores the uploaded image and answers 201 with the [`app::model::media::MediaItem`] as JSON;
/// 401/403 for callers who may not upload, 413 above the limit, 415 for other types, 400 for a
/// damaged image. The body is read up to the limit and no further.
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<UploadQuery>,
    body: Body,
) -> Response {
    let actor =
        match app::ssr::auth::require_permission(&state, &session, Permission::WritePosts).await {
            Ok(actor) => actor,
            Err(error) => return error_response(error),
        };
    let limit = usize::try_from(state.media.max_bytes).unwrap_or(usize::MAX);
    let bytes = match axum::body::to_bytes(body, limit.saturating_add(1)).await {
        Ok(bytes) if bytes.len() <= limit => bytes,
        Ok(_) | Err(_) => {
            return error_response(
                app::ssr::media::UploadError::TooLarge(app::ssr::media::human_size(
                    state.media.max_bytes,
                ))
                .into(),
            )
        }
    };
    match app::ssr::media::upload(
        &state,
        &actor,
        &query.name,
        bytes.to_vec(),
        chrono::Utc::now(),
    )
    .await
    {
        Ok(item) => (StatusCode::CREATED, Json(item)).into_response(),
        Err(error) => error_response(error),
    }
}

/// The `/media/` service over `store`: a folder is served from disk ([`folder_files`]); an
/// object store through Folio ([`object_files`]), so media URLs stay the same whichever store
/// holds them and a private bucket works.
pub fn files(store: MediaStore) -> axum::Router {
    match store.folder_path() {
        Some(dir) => folder_files(dir.to_path_buf()),
        None => object_files(store),
    }
}

/// The `/media/` service over `dir`. A resized copy that is not made yet is answered with the
/// original (cached for a few minutes only), so a post saved right after an upload never shows
/// a broken image.
pub fn folder_files(dir: PathBuf) -> axum::Router {
    let originals = dir.clone();
    let fallback = axum::routing::get(move |uri: Uri| original_of_variant(originals.clone(), uri));
    axum::Router::new().fallback_service(
        tower::ServiceBuilder::new()
            .layer(SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                HeaderValue::from_static(MEDIA_CACHE_CONTROL),
            ))
            .service(ServeDir::new(dir).fallback(fallback)),
    )
}

/// The original's name of a variant's name (`<stem>-<width>w.<ext>` → `<stem>.<ext>`); `None`
/// for any other name.
fn original_name(variant: &str) -> Option<String> {
    variant.rsplit_once('.').and_then(|(stem, ext)| {
        let (base, width) = stem.rsplit_once('-')?;
        let digits = width.strip_suffix('w')?;
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| format!("{base}.{ext}"))
    })
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        "Not found",
    )
        .into_response()
}

/// For `/<stem>-<width>w.<ext>`, the original `/<stem>.<ext>` if it exists; else 404.
async fn original_of_variant(dir: PathBuf, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let Some(original) = original_name(path) else {
        return not_found();
    };
    if original
        .split('/')
        .any(|part| part == ".." || part.is_empty())
    {
        return not_found();
    }
    let file = dir.join(&original);
    if !tokio::fs::try_exists(&file).await.unwrap_or(false) {
        return not_found();
    }
    match tower::ServiceExt::oneshot(
        ServeFile::new(file),
        axum::http::Request::new(Body::empty()),
    )
    .await
    {
        Ok(response) => {
            let mut response = response.into_response();
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            );
            response
        }
        Err(_) => not_found(),
    }
}

/// The `/media/` service over an object store: `GET`/`HEAD` of a stored name answers its bytes
/// with the type of its extension, the store's `ETag` (`If-None-Match` gives 304) and the
/// immutable cache header; a variant not made yet is answered with its original, cached for a
/// few minutes only, as from a folder.
pub fn object_files(store: MediaStore) -> axum::Router {
    axum::Router::new().fallback(axum::routing::get(
        move |request: axum::extract::Request| {
            let store = store.clone();
            async move { serve_object(&store, request.uri(), request.headers()).await }
        },
    ))
}

async fn serve_object(store: &MediaStore, uri: &Uri, headers: &HeaderMap) -> Response {
    let name = match percent_encoding::percent_decode_str(uri.path().trim_start_matches('/'))
        .decode_utf8()
    {
        Ok(name) => name.into_owned(),
        Err(_) => return not_found(),
    };
    let (file, cache_control) = match store.get(&name).await {
        Ok(Some(file)) => (file, MEDIA_CACHE_CONTROL),
        Ok(None) => {
            let Some(original) = original_name(&name) else {
                return not_found();
            };
            match store.get(&original).await {
                Ok(Some(file)) => (file, "public, max-age=300"),
                Ok(None) | Err(MediaStoreError::BadName(_)) => return not_found(),
                Err(error) => return store_failed(&error),
            }
        }
        Err(MediaStoreError::BadName(_)) => return not_found(),
        Err(error) => return store_failed(&error),
    };
    let mut response_headers = HeaderMap::new();
    response_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    response_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type_of(&name)),
    );
    response_headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(modified) = HeaderValue::from_str(
        &file
            .last_modified
            .format("%a, %d %b %Y %H:%M:%S GMT")
            .to_string(),
    ) {
        response_headers.insert(header::LAST_MODIFIED, modified);
    }
    if let Some(e_tag) = file.e_tag.as_deref() {
        let quoted = if e_tag.starts_with('"') || e_tag.starts_with("W/") {
            e_tag.to_string()
        } else {
            format!("\"{e_tag}\"")
        };
        if let Ok(value) = HeaderValue::from_str(&quoted) {
            let matches = headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|wanted| {
                    wanted.split(',').any(|tag| {
                        tag.trim() == "*" || tag.trim().trim_start_matches("W/") == quoted
                    })
                });
            response_headers.insert(header::ETAG, value);
            if matches {
                return (StatusCode::NOT_MODIFIED, response_headers).into_response();
            }
        }
    }
    (StatusCode::OK, response_headers, Body::from(file.bytes)).into_response()
}

/// The `Content-Type` of a stored name, by the extensions uploads are stored with.
fn content_type_of(name: &str) -> &'static str {
    match name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
        .as_deref()
    {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("png") => "image/png",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        _ => "application/octet-stream",
    }
}

/// 503 when the object store cannot be reached: the file may well exist, so not a 404 that a
/// cache would keep.
fn store_failed(error: &MediaStoreError) -> Response {
    tracing::error!(%error, "media store failed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (header::RETRY_AFTER, HeaderValue::from_static("5")),
        ],
        "The media store is not answering. Please try again shortly.",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variant_name_leads_to_its_original_and_no_other_name_does() {
        assert_eq!(
            original_name("2026/12/ab-800w.jpg").as_deref(),
            Some("2026/12/ab.jpg")
        );
        assert_eq!(original_name("2026/12/ab.jpg"), None);
        assert_eq!(original_name("2026/12/ab-w.jpg"), None);
        assert_eq!(original_name("2026/12/ab-80xw.jpg"), None);
        assert_eq!(content_type_of("a/b.JPG"), "image/jpeg");
        assert_eq!(content_type_of("a/b.svg"), "application/octet-stream");
    }
}
