//! Folio's server: the axum application, its configuration, the command line and the Markdown
//! importer. The binary `folio` (in `main.rs`) only calls [`cli::main`].

pub mod access_log;
pub mod api;
pub mod assets;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod export;
pub mod feeds;
pub mod healthcheck;
pub mod import;
pub mod jobs;
pub mod manage;
pub mod media;
pub mod newsletter;
pub mod page_cache;
pub mod page_throttle;
pub mod rate_limit;
pub mod redirects;
pub mod request_id;
pub mod security;
pub mod serve;
pub mod server_fn_errors;
pub mod startup;
pub mod telemetry;
pub mod welcome;
