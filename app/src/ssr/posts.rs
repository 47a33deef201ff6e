//! The posts wing: everything Folio does with posts, in one place.
//!
//! - [`rules`]: the saving rules (slug, excerpt, sanitising, `published_at`), versions and
//!   public paths — pure functions;
//! - [`write`]: the one write service every caller uses (REST API, admin forms, bulk actions and
//!   inline edits, editor, importer): permission, version check, audit log, events;
//! - [`error`]: [`PostError`](error::PostError), the writes' typed error, and its one conversion
//!   into [`AppError`](crate::error::AppError);
//! - [`events`]: the change events sent after every write;
//! - [`revisions`]: the editor's revisions, kept by the write service;
//! - [`tags`]: tags as writers type them, resolved for every write;
//! - [`reads`]: the public site's pages of posts;
//! - [`search`]: readers' full-text search, ranked, with snippets;
//! - [`nav`]: the site's navigation, kept in memory until an event changes it;
//! - [`reader_cache`]: counts and search results, kept in memory the same way;
//! - [`watch`]: what readers' caches read to know when to drop what they keep;
//! - [`views`]: view counts, counted in memory and written once a second;
//! - [`maintenance`]: bringing stored bodies up to the current sanitiser.
//!
//! Queries live in [`crate::ssr::db::posts`].

pub mod error;
pub mod events;
pub mod maintenance;
pub mod nav;
pub mod reader_cache;
pub mod reads;
pub mod revisions;
pub mod rules;
pub mod search;
pub mod tags;
pub mod views;
pub mod watch;
pub mod write;

pub use error::PostError;
pub use events::{PostChange, PostEvent, PostEvents, PostState};
pub use write::{post_states, Actor, Expect, Origin, Posts};
