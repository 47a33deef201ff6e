//! Facts about the site every page needs.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::model::SiteInfo;

/// The site's name, description and absolute base URL.
///
/// # Errors
/// [`AppError::Internal`] when the server is miswired.
#[server(prefix = "/_fn", endpoint = "site", input = GetUrl)]
pub async fn get_site_info() -> Result<SiteInfo, AppError> {
    Ok(super::state()?.site)
}
