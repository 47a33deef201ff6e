//! The reader's pages.

mod author;
mod category;
mod home;
mod post;
mod search;

pub use author::AuthorView;
pub use category::CategoryView;
pub use home::HomeView;
pub use post::PostView;
pub use search::SearchView;
