//! Row locks that make a versioned save atomic.
//!
//! The admin's change forms and the editor check that the row is still at the version the
//! writer opened (optimistic concurrency, as Django's admin leaves to add-ons and Ghost does with
//! `updated_at`). Checking and writing must not be split by another save that checked the same
//! version, or both would pass and the second would silently overwrite the first.

use crate::ssr::db::Conn;

/// A table whose rows are saved with a version check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioned {
    /// `posts`.
    Posts,
    /// `categories`.
    Categories,
    /// `tags`.
    Tags,
    /// `comments`.
    Comments,
    /// `users`.
    Users,
}

impl Versioned {
    /// The locking statement for this table (a fixed string: no name is ever interpolated).
    const fn lock_sql(self) -> &'static str {
        match self {
            Self::Posts => "SELECT id FROM posts WHERE id = $1 FOR UPDATE",
            Self::Categories => "SELECT id FROM categories WHERE id = $1 FOR UPDATE",
            Self::Tags => "SELECT id FROM tags WHERE id = $1 FOR UPDATE",
            Self::Comments => "SELECT id FROM comments WHERE id = $1 FOR UPDATE",
            Self::Users => "SELECT id FROM users WHERE id = $1 FOR UPDATE",
        }
    }
}

/// Holds row `id` of `table` until the surrounding transaction ends, so that the version read
/// next is still current when the transaction writes. Call it first in the transaction, before
/// reading the row. A missing row locks nothing (the read that follows reports it).
///
/// PostgreSQL: `SELECT … FOR UPDATE` (a second save waits, then reads the first one's
/// version and is refused). SQLite: nothing to do, as every write transaction runs on the one
/// write connection, one after the other.
///
/// # Errors
/// The driver's error.
pub async fn lock(conn: Conn<'_>, table: Versioned, id: i64) -> Result<(), sqlx::Error> {
    match conn {
        Conn::Sqlite(_) => Ok(()),
        Conn::Postgres(c) => sqlx::query(table.lock_sql())
            .bind(id)
            .execute(c)
            .await
            .map(|_| ()),
    }
}
