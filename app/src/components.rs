//! Reusable view pieces: the page frame, loading states, forms, post lists, comments,
//! pagination and per-page metadata.

pub mod comments;
pub mod context;
pub mod error_page;
pub mod forms;
pub mod layout;
pub mod loading;
pub mod page_meta;
pub mod pagination;
pub mod post_article;
pub mod post_list;
pub mod user;
