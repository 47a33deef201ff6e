//! Uploaded images over HTTP: `POST /admin/media/upload/?name=<file name>` with the image as the
//! request body (staff who write posts; CSRF-checked like every unsafe request), and the files
//! under `/media/` with long cache headers (stored names are random and never reused, so a URL
//! always means the same bytes).

use std::path::PathBuf;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::Session;

use app::domain::Permission;
use app::error::AppError;
use app::ssr::AppState;

/// `Cache-Control` of uploads: a year, never revalidated (RFC 8246 `immutable`).
pub const MEDIA_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

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

/// The `/media/` service over `dir`. A resized copy that is not made yet is answered with the
/// original (cached for a few minutes only), so a post saved right after an upload never shows
/// a broken image.
pub fn files(dir: PathBuf) -> axum::Router {
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

/// For `/<stem>-<width>w.<ext>`, the original `/<stem>.<ext>` if it exists; else 404.
async fn original_of_variant(dir: PathBuf, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let original = path.rsplit_once('.').and_then(|(stem, ext)| {
        let (base, width) = stem.rsplit_once('-')?;
        let digits = width.strip_suffix('w')?;
        (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| format!("{base}.{ext}"))
    });
    let not_found = || {
        (
            StatusCode::NOT_FOUND,
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            "Not found",
        )
            .into_response()
    };
    let Some(original) = original else {
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
