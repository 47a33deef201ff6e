//! Queries on `redirects`: old URLs that answer with a permanent redirect to a post.

use chrono::{DateTime, Utc};

use crate::on_conn;
use crate::ssr::db::Conn;

/// Normalises an old URL path for storage and lookup: one leading `/`, no trailing `/`,
/// no query string or fragment. `None` for an empty path or the site root.
pub fn normalize_path(path: &str) -> Option<String> {
    let path = path.split(['?', '#']).next().unwrap_or_default().trim();
    let trimmed = path.trim_matches('/');
    (!trimmed.is_empty()).then(|| format!("/{trimmed}"))
}

/// Replaces the old paths that redirect to `post_id` with `paths` (already normalised). A path
/// that pointed at another post now points at this one (the newest import wins).
///
/// # Errors
/// The driver's error.
pub async fn replace_for_post(
    mut conn: Conn<'_>,
    post_id: i64,
    paths: &[String],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), |c| {
        sqlx::query("DELETE FROM redirects WHERE post_id = $1")
            .bind(post_id)
            .execute(c)
            .await
            .map(|_| ())
    })?;
    for path in paths {
        on_conn!(conn.reborrow(), |c| {
            sqlx::query(
                "INSERT INTO redirects (old_path, post_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (old_path) DO UPDATE SET post_id = excluded.post_id",
            )
            .bind(path)
            .bind(post_id)
            .bind(now)
            .execute(c)
            .await
            .map(|_| ())
        })?;
    }
    Ok(())
}

/// The old paths that redirect to `post_id`, sorted.
///
/// # Errors
/// The driver's error.
pub async fn list_for_post(conn: Conn<'_>, post_id: i64) -> Result<Vec<String>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, String>(
            "SELECT old_path FROM redirects WHERE post_id = $1 ORDER BY old_path",
        )
        .bind(post_id)
        .fetch_all(c)
        .await
    })
}

/// The site path of the public post or page an old path redirects to (`/2024/01/02/slug/`,
/// `/about/`); `None` when there is no redirect or its post is not public.
///
/// # Errors
/// The driver's error.
pub async fn find_target(
    conn: Conn<'_>,
    old_path: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, sqlx::Error> {
    let found = on_conn!(conn, |c| {
        sqlx::query_as::<_, (String, DateTime<Utc>, String)>(
            "SELECT p.kind, p.published_at, p.slug FROM redirects r JOIN posts p ON p.id = r.post_id \
             WHERE r.old_path = $1 AND p.status = 'PUBLISHED' AND p.published_at <= $2",
        )
        .bind(old_path)
        .bind(now)
        .fetch_optional(c)
        .await
    })?;
    Ok(found.and_then(|(kind, published_at, slug)| {
        let kind = if kind == "page" {
            crate::domain::PostKind::Page
        } else {
            crate::domain::PostKind::Post
        };
        crate::ssr::posts::rules::address(kind, Some(published_at), &slug)
    }))
}

/// Records that `old_path` answers 301 to the file at `target` (`/media/…` or an absolute
/// `http(s)://` URL); a second call for the same path replaces the target.
///
/// # Errors
/// The driver's error.
pub async fn save_file_redirect(
    conn: Conn<'_>,
    old_path: &str,
    target: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
            "INSERT INTO file_redirects (old_path, target, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (old_path) DO UPDATE SET target = excluded.target",
        )
        .bind(old_path)
        .bind(target)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ())
    })
}

/// The file an old path redirects to ([`save_file_redirect`]), if any.
///
/// # Errors
/// The driver's error.
pub async fn find_file_target(
    conn: Conn<'_>,
    old_path: &str,
) -> Result<Option<String>, sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query_scalar::<_, String>("SELECT target FROM file_redirects WHERE old_path = $1")
            .bind(old_path)
            .fetch_optional(c)
            .await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_old_paths() {
        assert_eq!(
            normalize_path("2020/01/31/conf-lineup.html").as_deref(),
            Some("/2020/01/31/conf-lineup.html")
        );
        assert_eq!(
            normalize_path("/releases/1.2.0/").as_deref(),
            Some("/releases/1.2.0")
        );
        assert_eq!(normalize_path("/a/b/?x=1#f").as_deref(), Some("/a/b"));
        assert_eq!(normalize_path("/"), None);
        assert_eq!(normalize_path(""), None);
    }
}
