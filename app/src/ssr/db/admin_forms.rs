//! Queries behind the admin's change forms and delete pages: an object with every field the form
//! shows, the writes of categories, comments and users, the related objects a delete takes
//! along, and the author picker's search.

use chrono::{DateTime, Utc};

use crate::domain::Role;
use crate::on_conn;
use crate::ssr::db::filter::escape_like;
use crate::ssr::db::Conn;

/// Every category as `(id, name)`, by name (the post form's select).
///
/// # Errors
/// The driver's error.
pub async fn category_choices(conn: Conn<'_>) -> Result<Vec<(i64, String)>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_as::<_, (i64, String)>(
        "SELECT id, name FROM categories ORDER BY name, id"
    )
    .fetch_all(c)
    .await)
}

/// A staff member for the author picker.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRow {
    /// `users.id`.
    pub id: i64,
    /// `users.username`.
    pub username: String,
    /// `users.display_name`.
    pub display_name: String,
    /// `users.email`.
    pub email: Option<String>,
}

/// Up to `limit` active staff (authors and up) whose username, name or email contains `term`
/// (case-insensitive), usernames starting with it first.
///
/// # Errors
/// The driver's error.
pub async fn search_staff(
    conn: Conn<'_>,
    term: &str,
    limit: i64,
) -> Result<Vec<StaffRow>, sqlx::Error> {
    let term = term.trim().to_lowercase();
    let contains = format!("%{}%", escape_like(&term));
    let prefix = format!("{}%", escape_like(&term));
    on_conn!(conn, |c| {
        sqlx::query_as::<_, StaffRow>(
        "SELECT id, username, display_name, email FROM users \
         WHERE is_staff = TRUE AND is_active = TRUE AND (LOWER(username) LIKE $1 ESCAPE '\\' \
         OR LOWER(display_name) LIKE $1 ESCAPE '\\' OR LOWER(COALESCE(email, '')) LIKE $1 ESCAPE '\\') \
         ORDER BY CASE WHEN LOWER(username) LIKE $2 ESCAPE '\\' THEN 0 ELSE 1 END, username LIMIT $3"
    )
    .bind(&contains)
    .bind(&prefix)
    .bind(limit)
    .fetch_all(c)
    .await
    })
}

/// The id and role of the active user with `username`.
///
/// # Errors
/// The driver's error.
pub async fn find_staff_by_username(
    conn: Conn<'_>,
    username: &str,
) -> Result<Option<(i64, String)>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_as::<_, (i64, String)>(
        "SELECT id, role FROM users WHERE username = $1 AND is_active = TRUE"
    )
    .bind(username.trim())
    .fetch_optional(c)
    .await)
}

/// A category with its post count.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CategoryFormRow {
    /// `categories.id`.
    pub id: i64,
    /// `categories.name`.
    pub name: String,
    /// `categories.slug`.
    pub slug: String,
    /// How many posts it has.
    pub post_count: i64,
}

/// Category `id` with its post count.
///
/// # Errors
/// The driver's error.
pub async fn find_category(
    conn: Conn<'_>,
    id: i64,
) -> Result<Option<CategoryFormRow>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_as::<_, CategoryFormRow>(
        "SELECT c.id, c.name, c.slug, (SELECT COUNT(*) FROM posts p WHERE p.category_id = c.id) AS post_count \
         FROM categories c WHERE c.id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await
    })
}

/// Renames category `id`.
///
/// # Errors
/// The driver's error (unique violations of `categories_name_key`, `categories_slug_key`).
pub async fn update_category(
    conn: Conn<'_>,
    id: i64,
    name: &str,
    slug: &str,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| sqlx::query(
        "UPDATE categories SET name = $1, slug = $2 WHERE id = $3"
    )
    .bind(name)
    .bind(slug)
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))
}

/// Whether a category other than `except` has this name (`slug: false`) or slug (`slug: true`).
///
/// # Errors
/// The driver's error.
pub async fn category_taken(
    conn: Conn<'_>,
    slug: bool,
    value: &str,
    except: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let sql = if slug {
        "SELECT EXISTS (SELECT 1 FROM categories WHERE slug = $1 AND id <> $2)"
    } else {
        "SELECT EXISTS (SELECT 1 FROM categories WHERE name = $1 AND id <> $2)"
    };
    on_conn!(conn, |c| sqlx::query_scalar::<_, bool>(sql)
        .bind(value)
        .bind(except.unwrap_or(-1))
        .fetch_one(c)
        .await)
}

/// A comment with its post and author.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CommentFormRow {
    /// `comments.id`.
    pub id: i64,
    /// `comments.post_id`.
    pub post_id: i64,
    /// The post's title.
    pub post_title: String,
    /// The author's username.
    pub author: String,
    /// `comments.body`.
    pub body: String,
    /// `comments.is_approved`.
    pub is_approved: bool,
    /// `comments.created_at`.
    pub created_at: DateTime<Utc>,
}

/// Comment `id` for its change form.
///
/// # Errors
/// The driver's error.
pub async fn find_comment(conn: Conn<'_>, id: i64) -> Result<Option<CommentFormRow>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_as::<_, CommentFormRow>(
        "SELECT m.id, m.post_id, p.title AS post_title, u.username AS author, m.body, m.is_approved, m.created_at \
         FROM comments m JOIN posts p ON p.id = m.post_id JOIN users u ON u.id = m.author_id WHERE m.id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await
    })
}

/// Replaces a comment's body and approval.
///
/// # Errors
/// The driver's error.
pub async fn update_comment(
    conn: Conn<'_>,
    id: i64,
    body: &str,
    is_approved: bool,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| sqlx::query(
        "UPDATE comments SET body = $1, is_approved = $2 WHERE id = $3"
    )
    .bind(body)
    .bind(is_approved)
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))
}

/// A user with the fields of the change form.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserFormRow {
    /// `users.id`.
    pub id: i64,
    /// `users.email`.
    pub email: Option<String>,
    /// `users.username`.
    pub username: String,
    /// `users.display_name`.
    pub display_name: String,
    /// `users.role`.
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// `users.is_active`.
    pub is_active: bool,
    /// `users.is_verified`.
    pub is_verified: bool,
    /// `users.date_joined`.
    pub date_joined: DateTime<Utc>,
    /// `users.last_login`.
    pub last_login: Option<DateTime<Utc>>,
    /// Whether a password is set.
    pub has_password: bool,
}

/// User `id` for its change form.
///
/// # Errors
/// The driver's error.
pub async fn find_user(conn: Conn<'_>, id: i64) -> Result<Option<UserFormRow>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_as::<_, UserFormRow>(
        "SELECT id, email, username, display_name, role, is_active, is_verified, date_joined, last_login, \
         password_hash IS NOT NULL AS has_password FROM users WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await
    })
}

/// The editable fields of a user.
#[derive(Debug, Clone)]
pub struct UserFields<'a> {
    /// The email address (parsed).
    pub email: &'a str,
    /// The username (parsed).
    pub username: &'a str,
    /// The display name.
    pub display_name: &'a str,
    /// The role (`is_staff`, `is_superuser` follow).
    pub role: Role,
    /// Whether the account may sign in.
    pub is_active: bool,
}

/// Creates a user without a password (they choose one from the emailed link); returns its id.
///
/// # Errors
/// The driver's error (unique violations of `users_email_lower_key`, `users_email_key`,
/// `users_username_key`).
pub async fn insert_user(
    conn: Conn<'_>,
    user: &UserFields<'_>,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, i64>(
        "INSERT INTO users (email, username, display_name, role, is_staff, is_superuser, is_active, date_joined) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
    )
    .bind(user.email)
    .bind(user.username)
    .bind(user.display_name)
    .bind(user.role.as_str())
    .bind(user.role.is_staff())
    .bind(user.role.is_superuser())
    .bind(user.is_active)
    .bind(now)
    .fetch_one(c)
    .await
    })
}

/// Replaces a user's editable fields. A changed email address is no longer verified.
///
/// # Errors
/// As [`insert_user`].
pub async fn update_user(
    conn: Conn<'_>,
    id: i64,
    user: &UserFields<'_>,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
        "UPDATE users SET is_verified = (is_verified AND email IS NOT DISTINCT FROM $1), email = $1, username = $2, \
         display_name = $3, role = $4, is_staff = $5, is_superuser = $6, is_active = $7 WHERE id = $8"
    )
    .bind(user.email)
    .bind(user.username)
    .bind(user.display_name)
    .bind(user.role.as_str())
    .bind(user.role.is_staff())
    .bind(user.role.is_superuser())
    .bind(user.is_active)
    .bind(id)
    .execute(c)
    .await
    .map(|_| ())
    })
}

/// How many rows of `table` have `column = id`, and the names (`name_sql`) of the first
/// `limit`, for the delete page. `table`, `column` and `name_sql` are fixed by the caller.
///
/// # Errors
/// The driver's error.
pub async fn related(
    mut conn: Conn<'_>,
    table: &'static str,
    column: &'static str,
    name_sql: &'static str,
    id: i64,
    limit: i64,
) -> Result<(i64, Vec<String>), sqlx::Error> {
    let count_sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1");
    let names_sql =
        format!("SELECT {name_sql} FROM {table} WHERE {column} = $1 ORDER BY id LIMIT $2");
    let count = on_conn!(conn.reborrow(), |c| sqlx::query_scalar::<_, i64>(
        &count_sql
    )
    .bind(id)
    .fetch_one(c)
    .await)?;
    let names = on_conn!(conn, |c| sqlx::query_scalar::<_, String>(&names_sql)
        .bind(id)
        .bind(limit)
        .fetch_all(c)
        .await)?;
    Ok((count, names))
}

/// The names of the categories among `ids` that still have posts.
///
/// # Errors
/// The driver's error.
pub async fn categories_with_posts(
    conn: Conn<'_>,
    ids: &[i64],
) -> Result<Vec<String>, sqlx::Error> {
    let mut conn = conn;
    let mut names = Vec::new();
    for chunk in ids.chunks(500) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT c.name FROM categories c WHERE c.id IN ({}) AND EXISTS (SELECT 1 FROM posts p WHERE p.category_id = c.id) ORDER BY c.name",
            list.join(", ")
        );
        names.extend(on_conn!(conn.reborrow(), |c| {
            let mut query = sqlx::query_scalar::<_, String>(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.fetch_all(c).await
        })?);
    }
    Ok(names)
}

/// How many active superusers are among `ids` (counted in chunks of 500 ids).
///
/// # Errors
/// The driver's error.
pub async fn superusers_among(mut conn: Conn<'_>, ids: &[i64]) -> Result<i64, sqlx::Error> {
    let mut total = 0;
    for chunk in ids.chunks(500) {
        let list: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT COUNT(*) FROM users WHERE is_superuser = TRUE AND is_active = TRUE AND id IN ({})",
            list.join(", ")
        );
        total += on_conn!(conn.reborrow(), |c| {
            let mut query = sqlx::query_scalar::<_, i64>(&sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.fetch_one(c).await
        })?;
    }
    Ok(total)
}
