//! Queries on `admin_log`, the admin's audit log (Django's `django_admin_log`).

use chrono::{DateTime, Utc};

use crate::model::admin::{AdminModel, LogAction, LogEntry};
use crate::on_conn;
use crate::ssr::db::Conn;

/// The longest `object_repr` stored, in characters (the column's check).
pub const MAX_REPR_CHARS: usize = 200;

/// An entry to write.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// Who acted (`users.id`; `None` for the importer).
    pub user_id: Option<i64>,
    /// Their username, kept if the account is deleted later.
    pub user_repr: &'a str,
    /// The object's model.
    pub model: AdminModel,
    /// The object's id.
    pub object_id: i64,
    /// The object's name now (cut to [`MAX_REPR_CHARS`]).
    pub object_repr: &'a str,
    /// What was done.
    pub action: LogAction,
    /// What changed, in words.
    pub change_message: &'a str,
}

/// An audit log row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LogRow {
    /// `admin_log.action_time`.
    pub action_time: DateTime<Utc>,
    /// `admin_log.user_id` (`None` once the account is deleted).
    pub user_id: Option<i64>,
    /// `admin_log.user_repr`.
    pub user_repr: String,
    /// `admin_log.object_type`.
    pub object_type: String,
    /// `admin_log.object_id`.
    pub object_id: i64,
    /// `admin_log.object_repr`.
    pub object_repr: String,
    /// `admin_log.action`.
    pub action: String,
    /// `admin_log.change_message`.
    pub change_message: String,
}

impl LogRow {
    /// The wire form; `None` for a row naming an unknown model or action (written by a newer
    /// version), which is skipped rather than failing the page.
    pub fn into_entry(self) -> Option<LogEntry> {
        Some(LogEntry {
            action_time: self.action_time,
            user: self.user_repr,
            model: AdminModel::from_singular(&self.object_type)?,
            object_id: self.object_id,
            object_repr: self.object_repr,
            action: LogAction::parse(&self.action)?,
            change_message: self.change_message,
        })
    }
}

const COLUMNS: &str =
    "action_time, user_id, user_repr, object_type, object_id, object_repr, action, change_message";

/// Writes one entry at `now`.
///
/// # Errors
/// The driver's error.
pub async fn insert(
    conn: Conn<'_>,
    entry: &NewEntry<'_>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let repr: String = entry.object_repr.chars().take(MAX_REPR_CHARS).collect();
    let user: String = entry.user_repr.chars().take(254).collect();
    on_conn!(conn, |c| {
        sqlx::query(
        "INSERT INTO admin_log (action_time, user_id, user_repr, object_type, object_id, object_repr, action, change_message) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    )
    .bind(now)
    .bind(entry.user_id)
    .bind(&user)
    .bind(entry.model.singular())
    .bind(entry.object_id)
    .bind(&repr)
    .bind(entry.action.as_str())
    .bind(entry.change_message)
    .execute(c)
    .await
    .map(|_| ())
    })
}

/// The entries of one bulk action: the same user, model, action and message for each object.
#[derive(Debug, Clone, Copy)]
pub struct BulkEntries<'a> {
    /// Who acted (`users.id`; `None` for the importer).
    pub user_id: Option<i64>,
    /// Their username.
    pub user_repr: &'a str,
    /// The objects' model.
    pub model: AdminModel,
    /// What was done.
    pub action: LogAction,
    /// What changed, in words.
    pub change_message: &'a str,
    /// The objects: `(id, name)`.
    pub objects: &'a [(i64, String)],
}

/// Writes one entry per object of a bulk action, in one statement per 200 objects.
///
/// # Errors
/// The driver's error.
pub async fn insert_many(
    mut conn: Conn<'_>,
    entries: BulkEntries<'_>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    for chunk in entries.objects.chunks(200) {
        let mut sql = String::from(
            "INSERT INTO admin_log (action_time, user_id, user_repr, object_type, object_id, object_repr, action, change_message) VALUES ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            let base = 6 + i * 2;
            sql.push_str(&format!(
                "($1, $2, $3, $4, ${}, ${}, $5, $6)",
                base + 1,
                base + 2
            ));
        }
        on_conn!(conn.reborrow(), |c| {
            let mut query = sqlx::query(&sql)
                .bind(now)
                .bind(entries.user_id)
                .bind(entries.user_repr)
                .bind(entries.model.singular())
                .bind(entries.action.as_str())
                .bind(entries.change_message);
            for (id, repr) in chunk {
                query = query
                    .bind(*id)
                    .bind(repr.chars().take(MAX_REPR_CHARS).collect::<String>());
            }
            query.execute(c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// The newest `limit` entries, on the models in `models` only.
///
/// # Errors
/// The driver's error.
pub async fn recent(
    conn: Conn<'_>,
    models: &[AdminModel],
    limit: i64,
) -> Result<Vec<LogRow>, sqlx::Error> {
    let types: Vec<String> = models
        .iter()
        .map(|m| format!("'{}'", m.singular()))
        .collect();
    if types.is_empty() {
        return Ok(Vec::new());
    }
    // The model names are fixed identifiers of this program, never user input.
    let sql = format!(
        "SELECT {COLUMNS} FROM admin_log WHERE object_type IN ({}) ORDER BY action_time DESC, id DESC LIMIT $1",
        types.join(", ")
    );
    on_conn!(conn, |c| sqlx::query_as::<_, LogRow>(&sql)
        .bind(limit)
        .fetch_all(c)
        .await)
}

/// The newest `limit` entries by user `user_id` (an author's own recent actions).
///
/// # Errors
/// The driver's error.
pub async fn recent_by_user(
    conn: Conn<'_>,
    user_id: i64,
    limit: i64,
) -> Result<Vec<LogRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM admin_log WHERE user_id = $1 ORDER BY action_time DESC, id DESC LIMIT $2"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, LogRow>(&sql)
        .bind(user_id)
        .bind(limit)
        .fetch_all(c)
        .await)
}

/// Every entry about one object, oldest first (its history page).
///
/// # Errors
/// The driver's error.
pub async fn for_object(
    conn: Conn<'_>,
    model: AdminModel,
    object_id: i64,
) -> Result<Vec<LogRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM admin_log WHERE object_type = $1 AND object_id = $2 ORDER BY action_time, id"
    );
    on_conn!(conn, |c| sqlx::query_as::<_, LogRow>(&sql)
        .bind(model.singular())
        .bind(object_id)
        .fetch_all(c)
        .await)
}
