//! A post as staff open it to change it: in the rich editor and in the admin's change form.

use crate::on_conn;
use crate::ssr::db::Conn;

use super::rows::{EditorRow, PostFormRow};

/// Post `id` for the editor.
///
/// # Errors
/// The driver's error.
pub async fn find_for_editor(conn: Conn<'_>, id: i64) -> Result<Option<EditorRow>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_as::<_, EditorRow>(
        "SELECT p.id, p.title, p.slug, p.author_id, u.username AS author, p.category_id, p.body, \
         p.status, p.published_at, p.meta_description, p.updated_at, p.featured_image_id, \
         m.file_name AS featured_image_file, p.kind, p.nav_order \
         FROM posts p JOIN users u ON u.id = p.author_id \
         LEFT JOIN media m ON m.id = p.featured_image_id WHERE p.id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await)
}

/// Post `id` for its change form.
///
/// # Errors
/// The driver's error.
pub async fn find_for_form(conn: Conn<'_>, id: i64) -> Result<Option<PostFormRow>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_as::<_, PostFormRow>(
        "SELECT p.id, p.title, p.slug, p.author_id, u.username AS author, p.category_id, \
         COALESCE(p.body_source, p.body) AS body, p.status, p.published_at, p.meta_description, \
         p.view_count, p.excerpt, p.created_at, p.updated_at, p.kind, p.nav_order \
         FROM posts p JOIN users u ON u.id = p.author_id WHERE p.id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await)
}
