//! The writes of the admin's bulk actions, on a list of ids (at most [`CHUNK`] per statement):
//! post status, comment approval, user activation, and deletes.

use chrono::{DateTime, Utc};

use crate::domain::PostStatus;
use crate::model::admin::AdminModel;
use crate::on_conn;
use crate::ssr::db::Conn;

/// The most ids bound in one statement (well under SQLite's 32,766 and PostgreSQL's 65,535
/// parameters).
pub const CHUNK: usize = 500;

/// The write a bulk action makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkWrite {
    /// Sets the posts' status; publishing sets `published_at` to now where it is empty.
    PostStatus(PostStatus),
    /// Approves (`true`) or unapproves comments.
    CommentApproved(bool),
    /// Activates (`true`) or deactivates users.
    UserActive(bool),
    /// Deletes the objects (with what cascades from them).
    Delete(AdminModel),
}

/// Applies `write` to the objects `ids`; returns how many rows changed.
///
/// # Errors
/// The driver's error, e.g. a unique violation of `posts_slug_published_date_key` when
/// publishing gives two posts with one slug the same day.
pub async fn apply(
    mut conn: Conn<'_>,
    write: BulkWrite,
    ids: &[i64],
    now: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    let mut changed = 0;
    for chunk in ids.chunks(CHUNK) {
        // Placeholders after the fixed ones ($1, $2).
        let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
        let list = list.join(", ");
        let sql = match write {
            BulkWrite::PostStatus(_) => format!(
                "UPDATE posts SET status = $1, updated_at = $2, published_at = CASE \
                 WHEN $1 = 'PUBLISHED' AND published_at IS NULL THEN $2 ELSE published_at END \
                 WHERE id IN ({list}) AND status <> $1"
            ),
            BulkWrite::CommentApproved(_) => format!(
                "UPDATE comments SET is_approved = $1 WHERE id IN ({list}) AND is_approved <> $1 AND $2 IS NOT NULL"
            ),
            BulkWrite::UserActive(_) => format!(
                "UPDATE users SET is_active = $1 WHERE id IN ({list}) AND is_active <> $1 AND $2 IS NOT NULL"
            ),
            BulkWrite::Delete(model) => {
                let table = match model {
                    AdminModel::Posts => "posts",
                    AdminModel::Categories => "categories",
                    AdminModel::Comments => "comments",
                    AdminModel::Users => "users",
                };
                format!("DELETE FROM {table} WHERE id IN ({list}) AND $1 IS NOT NULL AND $2 IS NOT NULL")
            }
        };
        changed += on_conn!(conn.reborrow(), |c| {
            let query = sqlx::query(&sql);
            let query = match write {
                BulkWrite::PostStatus(status) => query.bind(status.as_str()),
                BulkWrite::CommentApproved(flag) | BulkWrite::UserActive(flag) => query.bind(flag),
                BulkWrite::Delete(_) => query.bind(true),
            };
            let mut query = query.bind(now);
            for id in chunk {
                query = query.bind(*id);
            }
            query.execute(c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(changed)
}
