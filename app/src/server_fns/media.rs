//! The media library's endpoints (the upload itself is `POST /admin/media/upload/`, a plain
//! axum route, because its body is the image).

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::model::media::MediaPage;

/// How many images a library page shows.
pub const MEDIA_PER_PAGE: i64 = 48;

/// Page `page` (from 1) of the media library, newest first.
///
/// # Errors
/// [`AppError::Unauthorized`]; [`AppError::Forbidden`] for callers who may not write posts.
#[server(prefix = "/_fn", endpoint = "media/library", input = GetUrl)]
pub async fn media_library(page: i64) -> Result<MediaPage, AppError> {
    let (state, actor) = super::require(crate::domain::Permission::WritePosts).await?;
    let page = page.max(1);
    let (items, total) =
        crate::ssr::media::library(&state, &actor, MEDIA_PER_PAGE, (page - 1) * MEDIA_PER_PAGE)
            .await?;
    Ok(MediaPage {
        items,
        total,
        page,
        pages: ((total + MEDIA_PER_PAGE - 1) / MEDIA_PER_PAGE).max(1),
        max_size: crate::ssr::media::human_size(state.media.max_bytes),
    })
}

/// Deletes image `id` and its files (authors their own, editors any).
///
/// # Errors
/// [`AppError::Forbidden`]; [`AppError::NotFound`].
#[server(prefix = "/_fn", endpoint = "media/delete")]
pub async fn media_delete(id: i64) -> Result<(), AppError> {
    let (state, actor) = super::require(crate::domain::Permission::WritePosts).await?;
    crate::ssr::media::delete(&state, &actor, id).await
}
