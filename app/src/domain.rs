//! Domain values shared by the server and the browser: parsed once at the edge, valid afterwards.

pub mod pagination;
pub mod slug;
pub mod status;
pub mod text;

pub use pagination::PageRequest;
pub use slug::{slugify, Slug, SlugError};
pub use status::PostStatus;
