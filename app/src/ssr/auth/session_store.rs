//! A tower-sessions store in Folio's own database (SQLite or PostgreSQL), so several servers
//! can share sessions and no other service is needed.
//!
//! Records are kept as JSON text in `sessions.data` with their expiry; expired rows are never
//! loaded and are deleted by [`DbSessionStore::delete_expired`] (run periodically by the server).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{Error, Result, SessionStore};

use crate::ssr::db::{sessions, Db};

/// The session store over a [`Db`].
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    /// A store writing to `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Deletes every expired session; returns how many.
    ///
    /// # Errors
    /// The driver's error.
    pub async fn delete_expired(&self) -> std::result::Result<u64, sqlx::Error> {
        let mut conn = self.db.acquire_write().await?;
        sessions::delete_expired(conn.conn(), Utc::now()).await
    }
}

fn backend(error: sqlx::Error) -> Error {
    Error::Backend(error.to_string())
}

fn to_chrono(t: time::OffsetDateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(t.unix_timestamp(), t.nanosecond()).unwrap_or_default()
}

fn to_time(t: DateTime<Utc>) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp())
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        let mut conn = self.db.acquire_write().await.map_err(backend)?;
        // A 128-bit random id colliding is astronomically unlikely; still, never overwrite.
        loop {
            let id = record.id.to_string();
            if sessions::insert_new(conn.conn(), &id, &data, to_chrono(record.expiry_date))
                .await
                .map_err(backend)?
            {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let data = serde_json::to_string(&record.data).map_err(|e| Error::Encode(e.to_string()))?;
        let mut conn = self.db.acquire_write().await.map_err(backend)?;
        sessions::upsert(
            conn.conn(),
            &record.id.to_string(),
            &data,
            to_chrono(record.expiry_date),
        )
        .await
        .map_err(backend)
    }

    async fn load(&self, session_id: &Id) -> Result<Option<Record>> {
        let mut conn = self.db.acquire().await.map_err(backend)?;
        let row = sessions::load(conn.conn(), &session_id.to_string(), Utc::now())
            .await
            .map_err(backend)?;
        row.map(|(data, expiry)| {
            Ok(Record {
                id: *session_id,
                data: serde_json::from_str(&data).map_err(|e| Error::Decode(e.to_string()))?,
                expiry_date: to_time(expiry),
            })
        })
        .transpose()
    }

    async fn delete(&self, session_id: &Id) -> Result<()> {
        let mut conn = self.db.acquire_write().await.map_err(backend)?;
        sessions::delete(conn.conn(), &session_id.to_string())
            .await
            .map_err(backend)
    }
}
