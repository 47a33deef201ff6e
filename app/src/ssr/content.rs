//! Turning what authors write into what readers get: Markdown to HTML, the sanitising
//! allow-list, and the plain text derived from a body (excerpt, search, reading time).

pub mod markdown;
pub mod sanitize;
pub mod text;
