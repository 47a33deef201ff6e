//! Reusable view pieces: the page frame, post lists, pagination and per-page metadata.

pub mod error_page;
pub mod layout;
pub mod page_meta;
pub mod pagination;
pub mod post_list;
