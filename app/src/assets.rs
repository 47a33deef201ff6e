//! The addresses of the built site's own files under `/pkg/` that the HTML names itself (the
//! stylesheet). The wasm bundle and its JavaScript are named by Leptos' `HydrationScripts` from
//! the same build (see the server's `assets::HashedNames`).

use std::sync::Arc;

/// Where the document finds the site's files, as the server found them in the built site.
///
/// With cargo-leptos' `hash-files` each file's name carries a hash of its content
/// (`folio.<hash>.css`), so a browser may keep it for a year and a new build is never answered
/// from a stale copy; a build without hashes keeps the plain names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteAssets {
    /// The stylesheet's path, e.g. `/pkg/folio.css` or `/pkg/folio.Ab3…_x.css`.
    pub stylesheet: Arc<str>,
}

impl Default for SiteAssets {
    /// The plain names of a build without hashes (`/pkg/folio.css`).
    fn default() -> Self {
        Self {
            stylesheet: Arc::from("/pkg/folio.css"),
        }
    }
}
