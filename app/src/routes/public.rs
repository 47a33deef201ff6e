//! The reader's pages.

mod archive;
mod author;
mod category;
mod home;
mod page;
mod post;
mod search;
mod tag;

pub use author::AuthorView;
pub use category::CategoryView;
pub use home::HomeView;
pub use page::StaticPageView;
pub use post::PostView;
pub use search::SearchView;
pub use tag::TagView;
