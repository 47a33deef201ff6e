//! Facts about the site every page needs.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::error::AppError;
use crate::model::{SiteInfo, SiteNav};

/// The site's navigation: the listed static pages and the categories with their post counts.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
#[server(prefix = "/_fn", endpoint = "site/nav", input = GetUrl)]
pub async fn get_site_nav() -> Result<SiteNav, AppError> {
    let state = super::state()?;
    state.nav.get(&state.db, chrono::Utc::now()).await
}

/// The site's name, description and absolute base URL.
///
/// # Errors
/// [`AppError::Internal`] when the server is miswired.
#[server(prefix = "/_fn", endpoint = "site", input = GetUrl)]
pub async fn get_site_info() -> Result<SiteInfo, AppError> {
    Ok(super::state()?.site)
}
