//! Queries on `posts`, grouped by what they do:
//!
//! - [`rows`]: the shapes of post rows and the column lists they are read with;
//! - [`public`]: the public site's reads (lists, counts, a post by its address, feed, sitemap,
//!   trending, titles, view counts);
//! - [`api`]: the REST API's lists and lookups (non-public posts for those who may see them);
//! - [`editing`]: a post as staff open it in the editor or the admin's change form;
//! - [`writes`]: the writes (called by the posts wing's write service only) and the reads a
//!   write makes first;
//! - [`revisions`]: the editor's revisions;
//! - [`export`]: every post in batches for `folio export`.
//! - [`search`]: the full-text index: matching, ranking and snippets.
//!
//! The admin's change lists of every model, posts included, are in
//! [`super::admin_lists`].

pub mod api;
pub mod editing;
pub mod export;
pub mod public;
pub mod revisions;
pub mod rows;
pub mod search;
pub mod writes;
