//! Domain values shared by the server and the browser: parsed once at the edge, valid afterwards.

pub mod account;
pub mod changelist;
pub mod kind;
pub mod pagination;
pub mod role;
pub mod search;
pub mod slug;
pub mod status;
pub mod text;
pub mod thread;

pub use kind::PostKind;
pub use pagination::PageRequest;
pub use slug::{slugify, Slug, SlugError};
pub use status::PostStatus;

pub use account::{safe_next, Email, Username};
pub use role::{Permission, Role};
