//! Queries on `site_settings`, a small key-value table of facts about the site.

use crate::on_conn;
use crate::ssr::db::Conn;

/// Reads a setting.
///
/// # Errors
/// The driver's error.
pub async fn get(conn: Conn<'_>, key: &str) -> Result<Option<String>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, String>("SELECT value FROM site_settings WHERE key = $1")
            .bind(key)
            .fetch_optional(c)
            .await
    })
}

/// Writes a setting, replacing any earlier value.
///
/// # Errors
/// The driver's error.
pub async fn set(conn: Conn<'_>, key: &str, value: &str) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
            "INSERT INTO site_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(c)
        .await
        .map(|_| ())
    })?;
    Ok(())
}

/// Writes a setting unless it already has a value (an atomic "first writer wins"); whether this
/// call wrote it.
///
/// # Errors
/// The driver's error.
pub async fn insert_if_missing(
    conn: Conn<'_>,
    key: &str,
    value: &str,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
            "INSERT INTO site_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING",
        )
        .bind(key)
        .bind(value)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}
