//! The contexts the page frame provides (in [`crate::App`]) and its pieces read: no view code,
//! so any component can use them without depending on the frame itself.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::{SiteInfo, SiteNav};

/// The site's name as it arrives (loaded once per visit).
pub type SiteResource = OnceResource<Result<SiteInfo, AppError>>;

/// The site's navigation (static pages, categories) as it arrives (loaded once per visit).
pub type NavResource = OnceResource<Result<SiteNav, AppError>>;

/// Whether a page is loading its next data after a client-side navigation.
#[derive(Debug, Clone, Copy)]
pub struct PagePending(pub RwSignal<bool>);
