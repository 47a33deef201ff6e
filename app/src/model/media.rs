//! Wire types of the media library: uploaded images as the editor and the library page show
//! them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An uploaded image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaItem {
    /// `media.id`.
    pub id: i64,
    /// Its URL under `/media/`.
    pub url: String,
    /// The file name the browser gave (for people; never used to store or serve it).
    pub original_name: String,
    /// `image/jpeg`, `image/png`, `image/webp` or `image/gif`, from the content.
    pub content_type: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Size of the original in bytes.
    pub size_bytes: u64,
    /// Widths of the resized copies made so far (e.g. `[800, 1600]`).
    pub variant_widths: Vec<u32>,
    /// Who uploaded it (username; empty once the account is deleted).
    pub uploader: String,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
}

/// One page of the media library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaPage {
    /// The images, newest first.
    pub items: Vec<MediaItem>,
    /// How many there are in all.
    pub total: i64,
    /// The page number (from 1).
    pub page: i64,
    /// How many pages there are.
    pub pages: i64,
    /// The upload limit, in words ("10 MB").
    pub max_size: String,
}
