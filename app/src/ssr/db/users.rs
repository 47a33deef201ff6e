//! Queries on `users`.

use chrono::{DateTime, Utc};

use crate::domain::Role;
use crate::model::PublicUser;
use crate::on_conn;
use crate::ssr::db::Conn;

/// The public columns of a user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublicUserRow {
    /// `users.username`.
    pub username: String,
    /// `users.display_name`.
    pub display_name: String,
    /// `users.bio`.
    pub bio: String,
    /// `users.avatar_url`.
    pub avatar_url: Option<String>,
}

impl From<PublicUserRow> for PublicUser {
    fn from(row: PublicUserRow) -> Self {
        Self::new(row.username, row.display_name, row.bio, row.avatar_url)
    }
}

/// Finds an active user by username (case-sensitive).
///
/// # Errors
/// The driver's error.
pub async fn find_public(
    conn: Conn<'_>,
    username: &str,
) -> Result<Option<PublicUserRow>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_as::<_, PublicUserRow>(
            "SELECT username, display_name, bio, avatar_url FROM users WHERE username = $1 AND is_active = TRUE",
        )
        .bind(username)
        .fetch_optional(c)
        .await
    })
}

/// Returns the id of the user with `username`, creating an author with an unusable password
/// (no password hash, no email) and `display_name` when there is none.
///
/// # Errors
/// The driver's error.
pub async fn ensure_author(
    conn: Conn<'_>,
    username: &str,
    display_name: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    // The no-op update makes RETURNING yield the existing row's id on conflict.
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO users (username, display_name, date_joined, role, is_staff) VALUES ($1, $2, $3, 'author', TRUE) \
             ON CONFLICT (username) DO UPDATE SET username = excluded.username RETURNING id",
        )
        .bind(username)
        .bind(display_name)
        .bind(now)
        .fetch_one(c)
        .await
    })
}

/// The account of an imported commenter, made when missing: a reader (not staff) without a
/// usable password, so the person can claim it with a password reset to their email. Found by
/// `email` (any case) when given, else by username and display name; a new account's username
/// is `username` or, when taken, `username-2`, `username-3`…
///
/// # Errors
/// The driver's error.
pub async fn ensure_commenter(
    mut conn: Conn<'_>,
    username: &str,
    display_name: &str,
    email: Option<&str>,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let email = email
        .map(str::trim)
        .filter(|e| e.contains('@') && e.len() <= 254);
    let found = match email {
        Some(email) => on_conn!(conn.reborrow(), |c| {
            sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE lower(email) = lower($1)")
                .bind(email)
                .fetch_optional(c)
                .await
        })?,
        None => on_conn!(conn.reborrow(), |c| {
            sqlx::query_scalar::<_, i64>(
                "SELECT id FROM users WHERE (username = $1 OR username LIKE $1 || '-%') \
                 AND display_name = $2 AND email IS NULL AND is_staff = FALSE ORDER BY id LIMIT 1",
            )
            .bind(username)
            .bind(display_name)
            .fetch_optional(c)
            .await
        })?,
    };
    if let Some(id) = found {
        return Ok(id);
    }
    let display_name: String = display_name.chars().take(150).collect();
    for n in 1..=1000u32 {
        let candidate = if n == 1 {
            username.to_string()
        } else {
            format!("{username}-{n}")
        };
        let inserted = on_conn!(conn.reborrow(), |c| {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO users (username, display_name, email, date_joined, role, is_staff) \
                 VALUES ($1, $2, $3, $4, 'reader', FALSE) ON CONFLICT (username) DO NOTHING RETURNING id",
            )
            .bind(&candidate)
            .bind(&display_name)
            .bind(email)
            .bind(now)
            .fetch_optional(c)
            .await
        })?;
        if let Some(id) = inserted {
            return Ok(id);
        }
    }
    Err(sqlx::Error::RowNotFound)
}

/// Records `email` as user `id`'s address when the account has none and no account has it (any
/// case); true when it was recorded. Addresses that cannot be one (no `@`) are ignored.
///
/// # Errors
/// The driver's error.
pub async fn record_email_if_unused(
    conn: Conn<'_>,
    id: i64,
    email: &str,
) -> Result<bool, sqlx::Error> {
    let email = email.trim();
    if !email.contains('@') || email.len() > 254 {
        return Ok(false);
    }
    on_conn!(conn, |c| {
        sqlx::query(
            "UPDATE users SET email = $1 WHERE id = $2 AND (email IS NULL OR email = '') \
             AND NOT EXISTS (SELECT 1 FROM users o WHERE lower(o.email) = lower($1))",
        )
        .bind(email)
        .bind(id)
        .execute(c)
        .await
        .map(|r| r.rows_affected() == 1)
    })
}

/// Every active user who has at least one public post (for the sitemap).
///
/// # Errors
/// The driver's error.
pub async fn list_usernames_with_public_posts(
    conn: Conn<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, String>(
            "SELECT u.username FROM users u WHERE u.is_active = TRUE AND EXISTS (SELECT 1 FROM posts p \
             WHERE p.author_id = u.id AND p.status = 'PUBLISHED' AND p.published_at <= $1 AND p.kind = 'post') ORDER BY u.username",
        )
        .bind(now)
        .fetch_all(c)
        .await
    })
}

/// A user as the accounts code needs it. Holds the password hash, so it is deliberately not
/// `Serialize`: it never leaves the server.
#[derive(Clone, sqlx::FromRow)]
pub struct AccountRow {
    /// `users.id`.
    pub id: i64,
    /// `users.email` (imported authors have none).
    pub email: Option<String>,
    /// `users.username`.
    pub username: String,
    /// `users.display_name`.
    pub display_name: String,
    /// `users.bio`.
    pub bio: String,
    /// `users.avatar_url`.
    pub avatar_url: Option<String>,
    /// `users.is_verified`.
    pub is_verified: bool,
    /// `users.is_active`.
    pub is_active: bool,
    /// `users.role`.
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// `users.password_hash`: a PHC string, or `None` for an unusable password.
    pub password_hash: Option<String>,
}

impl std::fmt::Debug for AccountRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("role", &self.role)
            .field("is_active", &self.is_active)
            .finish_non_exhaustive()
    }
}

const ACCOUNT_COLUMNS: &str =
    "id, email, username, display_name, bio, avatar_url, is_verified, is_active, role, password_hash";

/// The account with `id`, active or not.
///
/// # Errors
/// The driver's error.
pub async fn find_account(conn: Conn<'_>, id: i64) -> Result<Option<AccountRow>, sqlx::Error> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = $1");
    on_conn!(conn, |c| {
        sqlx::query_as::<_, AccountRow>(&sql)
            .bind(id)
            .fetch_optional(c)
            .await
    })
}

/// The account whose email matches `email` case-insensitively.
///
/// # Errors
/// The driver's error.
pub async fn find_account_by_email(
    conn: Conn<'_>,
    email: &str,
) -> Result<Option<AccountRow>, sqlx::Error> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE lower(email) = lower($1)");
    on_conn!(conn, |c| {
        sqlx::query_as::<_, AccountRow>(&sql)
            .bind(email)
            .fetch_optional(c)
            .await
    })
}

/// Whether an account uses `email` (case-insensitively).
///
/// # Errors
/// The driver's error.
pub async fn email_taken(conn: Conn<'_>, email: &str) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1))",
        )
        .bind(email)
        .fetch_one(c)
        .await
    })
}

/// Whether an account uses `username` (exactly; usernames are case-sensitive as in Django).
///
/// # Errors
/// The driver's error.
pub async fn username_taken(conn: Conn<'_>, username: &str) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, bool>("SELECT EXISTS (SELECT 1 FROM users WHERE username = $1)")
            .bind(username)
            .fetch_one(c)
            .await
    })
}

/// A new account's values.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    /// The email address (already parsed).
    pub email: &'a str,
    /// The username (already parsed).
    pub username: &'a str,
    /// The name to show (may be empty).
    pub display_name: &'a str,
    /// The Argon2 PHC string.
    pub password_hash: &'a str,
    /// The role; `is_staff` and `is_superuser` are written from it.
    pub role: Role,
    /// Whether the email address is already known to be the user's.
    pub is_verified: bool,
}

/// Creates an account; returns its id.
///
/// # Errors
/// The driver's error; a unique violation names `users_email_lower_key`, `users_email_key` or
/// `users_username_key` (see [`crate::ssr::db::unique_violation`]).
pub async fn insert_account(
    conn: Conn<'_>,
    account: &NewAccount<'_>,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO users (email, username, display_name, password_hash, role, is_staff, is_superuser, \
             is_verified, date_joined) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(account.email)
        .bind(account.username)
        .bind(account.display_name)
        .bind(account.password_hash)
        .bind(account.role.as_str())
        .bind(account.role.is_staff())
        .bind(account.role.is_superuser())
        .bind(account.is_verified)
        .bind(now)
        .fetch_one(c)
        .await
    })
}

/// Replaces the password hash of user `id`.
///
/// # Errors
/// The driver's error.
pub async fn set_password_hash(conn: Conn<'_>, id: i64, hash: &str) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// Sets the role of user `id` (and `is_staff`, `is_superuser` with it) and activates it.
///
/// # Errors
/// The driver's error.
pub async fn set_role(conn: Conn<'_>, id: i64, role: Role) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
            "UPDATE users SET role = $1, is_staff = $2, is_superuser = $3, is_active = TRUE WHERE id = $4",
        )
        .bind(role.as_str())
        .bind(role.is_staff())
        .bind(role.is_superuser())
        .bind(id)
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// Marks the email address of user `id` as verified.
///
/// # Errors
/// The driver's error.
pub async fn set_verified(conn: Conn<'_>, id: i64) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("UPDATE users SET is_verified = TRUE WHERE id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// Records a successful sign-in.
///
/// # Errors
/// The driver's error.
pub async fn touch_last_login(
    conn: Conn<'_>,
    id: i64,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("UPDATE users SET last_login = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// Replaces the profile fields of user `id`.
///
/// # Errors
/// The driver's error.
pub async fn update_profile(
    conn: Conn<'_>,
    id: i64,
    display_name: &str,
    bio: &str,
    avatar_url: Option<&str>,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query("UPDATE users SET display_name = $1, bio = $2, avatar_url = $3 WHERE id = $4")
            .bind(display_name)
            .bind(bio)
            .bind(avatar_url)
            .bind(id)
            .execute(c)
            .await
            .map(|_| ())
    })
}

/// The number of active superusers.
///
/// # Errors
/// The driver's error.
pub async fn count_active_superusers(conn: Conn<'_>) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM users WHERE is_superuser = TRUE AND is_active = TRUE",
        )
        .fetch_one(c)
        .await
    })
}
