//! The state every request handler and server function reaches through context.

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::model::SiteInfo;
use crate::ssr::db::Db;

/// Shared, cheaply cloned state of a running Folio server.
///
/// Provided to server functions as Leptos context (`expect_context::<AppState>()`) and to axum
/// handlers as router state; never kept in a global, so every test gets its own database.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database pool.
    pub db: Db,
    /// Site name, description and base URL.
    pub site: SiteInfo,
    /// Leptos' own options (site root, output name, address, the hash file of a build with
    /// hashed file names).
    pub leptos_options: LeptosOptions,
    /// The addresses of the built site's stylesheet (hashed or plain names).
    pub assets: crate::assets::SiteAssets,
    /// Secret key, cookie security, session lifetime, throttling.
    pub auth: crate::ssr::auth::AuthSettings,
    /// The background job queue (email goes out through it).
    pub jobs: crate::ssr::jobs::JobQueue,
    /// Where uploaded images go and how large they may be.
    pub media: crate::ssr::media::MediaSettings,
    /// The channel posts' change events go out on.
    pub events: crate::ssr::posts::PostEvents,
    /// The site's navigation, kept in memory until a change event touches it.
    pub nav: std::sync::Arc<crate::ssr::posts::nav::NavCache>,
    /// The counts of public posts behind paginated lists, kept until a change event.
    pub counts: std::sync::Arc<crate::ssr::posts::reads::CountCache>,
    /// Search results, kept until a change event.
    pub searches: std::sync::Arc<crate::ssr::posts::search::SearchCache>,
    /// Pages of the REST API's public search results (ids by relevance), kept until a change
    /// event.
    pub ranked: std::sync::Arc<crate::ssr::posts::reads::RankedCache>,
    /// Post views counted since the last write.
    pub views: std::sync::Arc<crate::ssr::posts::views::ViewCounter>,
}

impl AppState {
    /// The posts write service over this state's database and events.
    pub fn posts(&self) -> crate::ssr::posts::Posts<'_> {
        crate::ssr::posts::Posts::new(&self.db, &self.events)
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

impl FromRef<AppState> for Db {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}
