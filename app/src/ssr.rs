//! Server-only code: application state, the database layer, content rendering and services.
//! Nothing here is compiled into the browser's wasm.

pub mod accounts;
pub mod admin;
pub mod api_tokens;
pub mod audit;
pub mod auth;
pub mod comments;
pub mod content;
pub mod db;
pub mod editor;
pub mod jobs;
pub mod mail;
pub mod media;
pub mod media_store;
pub mod newsletter;
pub mod posts;
pub mod slots;
pub mod state;
pub mod version;

pub use state::AppState;
