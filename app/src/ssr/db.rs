//! The database layer: one code base for SQLite and PostgreSQL, chosen at run time.
//!
//! [`Db`] is a pool of either kind, picked by the scheme of `DATABASE_URL`. Query functions in the
//! submodules take a [`Conn`] (a pooled connection or an open transaction) and are written once:
//! the [`on_conn!`](crate::on_conn) macro compiles the same sqlx call for each backend. SQL uses
//! `$1`-style parameters and `CAST(... AS ...)`, which both dialects accept; where the dialects
//! truly differ a query says so with a `match` on [`Conn`] and both texts side by side.

pub mod admin_bulk;
pub mod admin_forms;
pub mod admin_lists;
pub mod admin_log;
pub mod api_tokens;
pub mod categories;
pub mod comments;
pub mod filter;
pub mod jobs;
pub mod media;
pub mod newsletter;
pub mod posts;
pub mod rate_limits;
pub mod redirects;
pub mod row_lock;
pub mod sessions;
pub mod settings;
pub mod tags;
pub mod throttle_events;
pub mod tokens;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction};

/// How long a SQLite connection waits for a lock held by another writer before giving up.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long opening a PostgreSQL connection may take before start-up fails.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Runs the same expression against whichever backend a [`Conn`] holds.
///
/// `on_conn!(conn, |c| sqlx::query("...").execute(c).await)` expands to a `match` whose arms
/// bind `c` to `&mut SqliteConnection` and `&mut PgConnection`; the body is written once.
#[macro_export]
macro_rules! on_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::ssr::db::Conn::Sqlite($c) => $body,
            $crate::ssr::db::Conn::Postgres($c) => $body,
        }
    };
}

/// Which database engine a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The engine's name for logs and messages.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

/// Why the database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// `DATABASE_URL` has a scheme Folio does not know.
    #[error("unsupported scheme in '{0}': use sqlite:// or postgres://")]
    UnsupportedScheme(String),
    /// `DATABASE_URL` could not be parsed.
    #[error("cannot parse the URL: {0}")]
    InvalidUrl(String),
    /// The folder of the SQLite file could not be created or is not writable.
    #[error("cannot use the folder {path}: {reason}")]
    DataFolder {
        /// The folder.
        path: String,
        /// What the operating system said.
        reason: String,
    },
    /// Connecting failed (server down, wrong credentials, unreadable file...).
    #[error("cannot connect to {backend}: {reason}")]
    Connect {
        /// The engine's name.
        backend: &'static str,
        /// What the driver said.
        reason: String,
    },
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database has a migration this binary does not know: a newer Folio migrated it. An
    /// older binary must not run on it (its queries would not match the schema); see README,
    /// "Rolling back".
    #[error(
        "the database was migrated by a newer Folio (it has migration {version}, which this \
         version does not know). Run the newer version, or restore the backup taken before \
         upgrading (see README, \"Rolling back\")"
    )]
    NewerSchema {
        /// The version of the first unknown migration.
        version: i64,
    },
}

/// A connection pool to SQLite or PostgreSQL.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite (WAL, foreign keys on, busy timeout). SQLite allows one writer at a time, so writes
    /// go through a pool of one connection, where they queue without busy-waiting; reads use
    /// the other pool, which WAL lets run beside the writer.
    Sqlite {
        /// Connections for reads.
        read: SqlitePool,
        /// The one connection for writes and transactions.
        write: SqlitePool,
    },
    /// PostgreSQL.
    Postgres(PgPool),
}

/// A borrowed connection to either backend; what every query function takes.
pub enum Conn<'c> {
    /// A SQLite connection (from a pool or inside a transaction).
    Sqlite(&'c mut SqliteConnection),
    /// A PostgreSQL connection (from a pool or inside a transaction).
    Postgres(&'c mut PgConnection),
}

/// A connection taken from a [`Db`] pool; returned to the pool when dropped.
pub enum PooledConn {
    /// From a SQLite pool.
    Sqlite(PoolConnection<Sqlite>),
    /// From a PostgreSQL pool.
    Postgres(PoolConnection<Postgres>),
}

/// An open transaction; rolled back when dropped without [`Tx::commit`].
pub enum Tx {
    /// On SQLite.
    Sqlite(Transaction<'static, Sqlite>),
    /// On PostgreSQL.
    Postgres(Transaction<'static, Postgres>),
}

impl Conn<'_> {
    /// The engine behind this connection.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Borrows this connection again for one more query (to run several through one [`Conn`]).
    pub fn reborrow(&mut self) -> Conn<'_> {
        match self {
            Self::Sqlite(c) => Conn::Sqlite(c),
            Self::Postgres(c) => Conn::Postgres(c),
        }
    }
}

impl PooledConn {
    /// Borrows the connection for one query.
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Self::Sqlite(c) => Conn::Sqlite(&mut *c),
            Self::Postgres(c) => Conn::Postgres(&mut *c),
        }
    }
}

impl Tx {
    /// Borrows the transaction's connection for one query.
    pub fn conn(&mut self) -> Conn<'_> {
        match self {
            Self::Sqlite(t) => Conn::Sqlite(&mut *t),
            Self::Postgres(t) => Conn::Postgres(&mut *t),
        }
    }

    /// Commits the transaction.
    ///
    /// # Errors
    /// The driver's error when the commit fails (the transaction is then rolled back).
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Self::Sqlite(t) => t.commit().await,
            Self::Postgres(t) => t.commit().await,
        }
    }
}

impl Db {
    /// Opens a pool for `url`: `sqlite://path/to/file.db` (the file and its folder are created
    /// when missing) or `postgres://user@host/db` (also `postgresql://`).
    ///
    /// # Errors
    /// [`DbError`] names what is wrong: the scheme, the URL, the data folder or the connection.
    pub async fn connect(url: &str) -> Result<Self, DbError> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::connect_postgres(url).await
        } else {
            let scheme = url.split(':').next().unwrap_or_default();
            Err(DbError::UnsupportedScheme(scheme.to_string()))
        }
    }

    async fn connect_sqlite(url: &str) -> Result<Self, DbError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| DbError::InvalidUrl(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT);
        let file = options.get_filename().to_path_buf();
        if let Some(folder) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
            ensure_writable_folder(folder)?;
        }
        let connect_error = |e: sqlx::Error| DbError::Connect {
            backend: "SQLite",
            reason: e.to_string(),
        };
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(connect_error)?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .min_connections(1)
            .connect_with(options)
            .await
            .map_err(connect_error)?;
        Ok(Self::Sqlite { read, write })
    }

    async fn connect_postgres(url: &str) -> Result<Self, DbError> {
        let options =
            PgConnectOptions::from_str(url).map_err(|e| DbError::InvalidUrl(e.to_string()))?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| DbError::Connect {
                backend: "PostgreSQL",
                reason: e.to_string(),
            })?;
        Ok(Self::Postgres(pool))
    }

    /// The engine behind this pool.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite { .. } => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies the migrations embedded in the binary (`migrations/sqlite` or
    /// `migrations/postgres`) that the database has not seen yet.
    ///
    /// # Errors
    /// [`DbError::NewerSchema`] when the database has a migration this binary does not know
    /// (a newer Folio ran on it); [`DbError::Migrate`] when a migration fails.
    pub async fn migrate(&self) -> Result<(), DbError> {
        // sqlx takes an advisory lock on PostgreSQL (and SQLite's writer is one connection), so
        // processes starting together run each migration once; the others wait, then find it
        // applied.
        let result = match self {
            Self::Sqlite { write, .. } => sqlx::migrate!("../migrations/sqlite").run(write).await,
            Self::Postgres(pool) => {
                // On one dedicated connection: when sqlx refuses (a newer migration, a changed
                // checksum) it returns without releasing its session-level advisory lock, and a
                // pooled connection would keep holding it, so every later `folio migrate` on this
                // database would wait forever. The lock is released on that connection (or, if
                // even that fails, the connection is closed, which releases it too).
                let mut conn = pool
                    .acquire()
                    .await
                    .map_err(|e| DbError::Migrate(sqlx::migrate::MigrateError::Execute(e)))?;
                let result = sqlx::migrate!("../migrations/postgres")
                    .run_direct(&mut *conn)
                    .await;
                if result.is_err() {
                    let released = sqlx::query("SELECT pg_advisory_unlock_all()")
                        .execute(&mut *conn)
                        .await;
                    if released.is_err() {
                        let _ = sqlx::Connection::close(conn.detach()).await;
                    }
                }
                result
            }
        };
        match result {
            Ok(()) => Ok(()),
            Err(sqlx::migrate::MigrateError::VersionMissing(version)) => {
                Err(DbError::NewerSchema { version })
            }
            Err(other) => Err(other.into()),
        }
    }

    /// Takes a connection for reading (on SQLite, from the read pool).
    ///
    /// # Errors
    /// The driver's error when no connection can be had in time.
    pub async fn acquire(&self) -> Result<PooledConn, sqlx::Error> {
        Ok(match self {
            Self::Sqlite { read, .. } => PooledConn::Sqlite(read.acquire().await?),
            Self::Postgres(pool) => PooledConn::Postgres(pool.acquire().await?),
        })
    }

    /// Takes a connection for a single-statement write (on SQLite, the writer connection).
    ///
    /// # Errors
    /// The driver's error when no connection can be had in time.
    pub async fn acquire_write(&self) -> Result<PooledConn, sqlx::Error> {
        Ok(match self {
            Self::Sqlite { write, .. } => PooledConn::Sqlite(write.acquire().await?),
            Self::Postgres(pool) => PooledConn::Postgres(pool.acquire().await?),
        })
    }

    /// Opens a transaction (on SQLite, on the writer connection).
    ///
    /// # Errors
    /// The driver's error when no connection can be had or `BEGIN` fails.
    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Self::Sqlite { write, .. } => Tx::Sqlite(write.begin().await?),
            Self::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Closes every connection; waits for connections in use to come back.
    pub async fn close(&self) {
        match self {
            Self::Sqlite { read, write } => {
                read.close().await;
                write.close().await;
            }
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

/// Creates `folder` if needed and proves it writable by creating and removing a probe file.
fn ensure_writable_folder(folder: &std::path::Path) -> Result<(), DbError> {
    let fail = |e: std::io::Error| DbError::DataFolder {
        path: folder.display().to_string(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(folder).map_err(fail)?;
    let probe = folder.join(format!(".folio-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(fail)?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

/// Hides the password of a database URL for logs: `postgres://u:***@h/db`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// A unique index of Folio's schema, as a violation names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueKey {
    /// `posts_slug_published_date_key`: one slug per UTC day of `published_at` (Django's
    /// `unique_for_date`).
    PostSlugOnDate,
    /// `categories_name_key`.
    CategoryName,
    /// `categories_slug_key`.
    CategorySlug,
    /// `users_email_key` or `users_email_lower_key` (addresses differing only in case).
    UserEmail,
    /// `users_username_key`.
    UserUsername,
    /// `redirects_old_path_key`.
    RedirectOldPath,
    /// `tags_slug_key`.
    TagSlug,
    /// A unique index not listed here (a bug to report, never a field error).
    Other,
}

impl UniqueKey {
    /// The key of index `name` (PostgreSQL's constraint name, SQLite's index name).
    fn from_index_name(name: &str) -> Self {
        match name {
            "posts_slug_published_date_key" => Self::PostSlugOnDate,
            "categories_name_key" => Self::CategoryName,
            "categories_slug_key" => Self::CategorySlug,
            "users_email_key" | "users_email_lower_key" => Self::UserEmail,
            "users_username_key" => Self::UserUsername,
            "redirects_old_path_key" => Self::RedirectOldPath,
            "tags_slug_key" => Self::TagSlug,
            _ => Self::Other,
        }
    }

    /// The key of SQLite's column list (`posts.slug, posts.published_date`).
    fn from_sqlite_columns(columns: &str) -> Self {
        match columns {
            "posts.slug, posts.published_date" => Self::PostSlugOnDate,
            "categories.name" => Self::CategoryName,
            "categories.slug" => Self::CategorySlug,
            "users.email" => Self::UserEmail,
            "users.username" => Self::UserUsername,
            "redirects.old_path" => Self::RedirectOldPath,
            "tags.slug" => Self::TagSlug,
            _ => Self::Other,
        }
    }
}

/// Which unique index `error` violates, or `None` when it is not a unique violation.
///
/// PostgreSQL names the index (`DatabaseError::constraint`). SQLite does not give the name to
/// the driver; its error message is the documented, stable `UNIQUE constraint failed:
/// <table>.<column>, ...` (or `index '<name>'` for an index on an expression), so it is read
/// here, and nowhere else. Services check for duplicates inside their transaction first; this
/// answers races and tells a clash on one index from any other (realworld-axum-sqlx's
/// `on_constraint`).
pub fn unique_violation(error: &sqlx::Error) -> Option<UniqueKey> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    if !db.is_unique_violation() {
        return None;
    }
    if let Some(name) = db.constraint() {
        return Some(UniqueKey::from_index_name(name));
    }
    let detail = db
        .message()
        .strip_prefix("UNIQUE constraint failed: ")
        .unwrap_or_default();
    Some(match detail.strip_prefix("index '") {
        Some(rest) => UniqueKey::from_index_name(rest.trim_end_matches('\'')),
        None => UniqueKey::from_sqlite_columns(detail),
    })
}

/// Runs `SELECT 1`: whether the database answers (for the health check).
///
/// # Errors
/// The driver's error.
pub async fn ping(conn: Conn<'_>) -> Result<(), sqlx::Error> {
    crate::on_conn!(conn, |c| sqlx::query("SELECT 1")
        .execute(c)
        .await
        .map(|_| ()))
}
