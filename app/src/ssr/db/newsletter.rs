//! Queries on `subscribers`, `newsletters` and `newsletter_deliveries`: who gets new posts by
//! email, which posts have gone out, and the per-subscriber ledger that makes each go out once.

use chrono::{DateTime, Utc};

use crate::on_conn;
use crate::ssr::db::Conn;

/// A subscriber row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SubscriberRow {
    /// `subscribers.id`.
    pub id: i64,
    /// The address as given.
    pub email: String,
    /// `pending`, `confirmed` or `unsubscribed`.
    pub status: String,
    /// Every new post (true), or only those of the chosen categories.
    pub all_posts: bool,
}

/// Which posts a subscriber asked for: every new post, or those of some categories (by id).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Choice {
    /// The chosen categories' ids; empty means every new post.
    pub category_ids: Vec<i64>,
}

impl Choice {
    /// Whether every new post is wanted.
    pub fn all_posts(&self) -> bool {
        self.category_ids.is_empty()
    }
}

/// The subscriber with `email` (compared case-insensitively).
///
/// # Errors
/// The driver's error.
pub async fn find_by_email(
    conn: Conn<'_>,
    email: &str,
) -> Result<Option<SubscriberRow>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_as::<_, SubscriberRow>(
        "SELECT id, email, status, all_posts FROM subscribers WHERE lower(email) = lower($1)"
    )
    .bind(email)
    .fetch_optional(c)
    .await)
}

/// The subscriber `id`.
///
/// # Errors
/// The driver's error.
pub async fn find(conn: Conn<'_>, id: i64) -> Result<Option<SubscriberRow>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_as::<_, SubscriberRow>(
        "SELECT id, email, status, all_posts FROM subscribers WHERE id = $1"
    )
    .bind(id)
    .fetch_optional(c)
    .await)
}

/// Records a subscription request for `email` and `choice` that waits for confirmation with the
/// token whose digest is `token_hash`, until `expires_at`: a new pending subscriber, or a
/// pending or unsubscribed one given a fresh token and the new choice (a confirmed subscriber is
/// left as it is: changing what they get takes their signed manage link). Returns the
/// subscriber's id and whether a confirmation is needed (false when already confirmed).
///
/// # Errors
/// The driver's error.
pub async fn request(
    mut conn: Conn<'_>,
    email: &str,
    choice: &Choice,
    token_hash: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(i64, bool), sqlx::Error> {
    if let Some(existing) = find_by_email(conn.reborrow(), email).await? {
        if existing.status == "confirmed" {
            return Ok((existing.id, false));
        }
        set_choice(conn.reborrow(), existing.id, choice).await?;
        on_conn!(conn, |c| sqlx::query(
            "UPDATE subscribers SET confirm_token_hash = $2, confirm_expires_at = $3 WHERE id = $1"
        )
        .bind(existing.id)
        .bind(token_hash)
        .bind(expires_at)
        .execute(c)
        .await
        .map(|_| ()))?;
        return Ok((existing.id, true));
    }
    let id = on_conn!(conn.reborrow(), |c| {
        sqlx::query_scalar::<_, i64>(
        "INSERT INTO subscribers (email, status, confirm_token_hash, confirm_expires_at, created_at) \
         VALUES ($1, 'pending', $2, $3, $4) RETURNING id"
    )
    .bind(email)
    .bind(token_hash)
    .bind(expires_at)
    .bind(now)
    .fetch_one(c)
    .await
    })?;
    set_choice(conn, id, choice).await?;
    Ok((id, true))
}

/// Subscribes `email` with `choice` at once, confirmed: for a signed-in reader whose address
/// their account has already verified (the double opt-in happened then). Creates the
/// subscriber or confirms and updates the existing one. Returns its id.
///
/// # Errors
/// The driver's error.
pub async fn subscribe_confirmed(
    mut conn: Conn<'_>,
    email: &str,
    choice: &Choice,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let id = match find_by_email(conn.reborrow(), email).await? {
        Some(existing) => {
            on_conn!(conn.reborrow(), |c| sqlx::query(
                "UPDATE subscribers SET status = 'confirmed', \
                 confirmed_at = CASE WHEN status = 'confirmed' THEN confirmed_at ELSE $2 END, \
                 unsubscribed_at = NULL, confirm_token_hash = NULL, confirm_expires_at = NULL \
                 WHERE id = $1"
            )
            .bind(existing.id)
            .bind(now)
            .execute(c)
            .await
            .map(|_| ()))?;
            existing.id
        }
        None => on_conn!(conn.reborrow(), |c| sqlx::query_scalar::<_, i64>(
            "INSERT INTO subscribers (email, status, created_at, confirmed_at) \
             VALUES ($1, 'confirmed', $2, $2) RETURNING id"
        )
        .bind(email)
        .bind(now)
        .fetch_one(c)
        .await)?,
    };
    set_choice(conn, id, choice).await?;
    Ok(id)
}

/// Sets which posts subscriber `id` gets: `all_posts`, and the rows of
/// `subscriber_categories` replaced by `choice`'s (ids of categories that no longer exist are
/// left out).
///
/// # Errors
/// The driver's error.
pub async fn set_choice(mut conn: Conn<'_>, id: i64, choice: &Choice) -> Result<(), sqlx::Error> {
    on_conn!(conn.reborrow(), |c| sqlx::query(
        "UPDATE subscribers SET all_posts = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(choice.all_posts())
    .execute(c)
    .await
    .map(|_| ()))?;
    on_conn!(conn.reborrow(), |c| sqlx::query(
        "DELETE FROM subscriber_categories WHERE subscriber_id = $1"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))?;
    for category_id in &choice.category_ids {
        on_conn!(conn.reborrow(), |c| sqlx::query(
            "INSERT INTO subscriber_categories (subscriber_id, category_id) \
             SELECT $1, id FROM categories WHERE id = $2 \
             ON CONFLICT (subscriber_id, category_id) DO NOTHING"
        )
        .bind(id)
        .bind(category_id)
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    Ok(())
}

/// The slugs of the categories subscriber `id` chose, by name.
///
/// # Errors
/// The driver's error.
pub async fn chosen_categories(conn: Conn<'_>, id: i64) -> Result<Vec<String>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, String>(
        "SELECT c.slug FROM subscriber_categories sc JOIN categories c ON c.id = sc.category_id \
         WHERE sc.subscriber_id = $1 ORDER BY c.name, c.id"
    )
    .bind(id)
    .fetch_all(c)
    .await)
}

/// The chosen categories' slugs of the subscribers with ids from `first` to `last` (inclusive),
/// as `(subscriber id, slug)` by subscriber and name: one query for a page of subscribers,
/// whose caller keeps the pairs of its own rows.
///
/// # Errors
/// The driver's error.
pub async fn chosen_categories_between(
    conn: Conn<'_>,
    first: i64,
    last: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_as::<_, (i64, String)>(
        "SELECT sc.subscriber_id, c.slug FROM subscriber_categories sc \
         JOIN categories c ON c.id = sc.category_id \
         WHERE sc.subscriber_id >= $1 AND sc.subscriber_id <= $2 \
         ORDER BY sc.subscriber_id, c.name, c.id"
    )
    .bind(first)
    .bind(last)
    .fetch_all(c)
    .await)
}

/// A subscriber as the staff-only API lists them.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SubscriberDetailRow {
    /// `subscribers.id`.
    pub id: i64,
    /// The address.
    pub email: String,
    /// `pending`, `confirmed` or `unsubscribed`.
    pub status: String,
    /// Every new post, or only the chosen categories'.
    pub all_posts: bool,
    /// When they first asked.
    pub created_at: DateTime<Utc>,
    /// When they confirmed (last).
    pub confirmed_at: Option<DateTime<Utc>>,
    /// When they unsubscribed, if they did.
    pub unsubscribed_at: Option<DateTime<Utc>>,
}

/// Counts the subscribers, only those with `status` when given.
///
/// # Errors
/// The driver's error.
pub async fn count(conn: Conn<'_>, status: Option<&str>) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM subscribers WHERE ($1 IS NULL OR status = $1)"
    )
    .bind(status)
    .fetch_one(c)
    .await)
}

/// Lists `limit` subscribers from `offset` by id, only those with `status` when given.
///
/// # Errors
/// The driver's error.
pub async fn list(
    conn: Conn<'_>,
    status: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<Vec<SubscriberDetailRow>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_as::<_, SubscriberDetailRow>(
        "SELECT id, email, status, all_posts, created_at, confirmed_at, unsubscribed_at \
         FROM subscribers WHERE ($1 IS NULL OR status = $1) ORDER BY id LIMIT $2 OFFSET $3"
    )
    .bind(status)
    .bind(limit)
    .bind(offset)
    .fetch_all(c)
    .await)
}

/// Confirms the subscriber whose unexpired token has digest `token_hash` and uses the token up;
/// the subscriber's id, or `None` for an unknown, used or expired token.
///
/// # Errors
/// The driver's error.
pub async fn confirm(
    conn: Conn<'_>,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<i64>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(
        "UPDATE subscribers SET status = 'confirmed', confirmed_at = $2, unsubscribed_at = NULL, \
         confirm_token_hash = NULL, confirm_expires_at = NULL \
         WHERE confirm_token_hash = $1 AND confirm_expires_at > $2 RETURNING id"
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(c)
    .await)
}

/// Unsubscribes subscriber `id`; whether it was subscribed (pending or confirmed) before.
///
/// # Errors
/// The driver's error.
pub async fn unsubscribe(conn: Conn<'_>, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query(
        "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = $2, \
         confirm_token_hash = NULL, confirm_expires_at = NULL \
         WHERE id = $1 AND status <> 'unsubscribed'"
    )
    .bind(id)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected() == 1))
}

/// The number of confirmed subscribers.
///
/// # Errors
/// The driver's error.
pub async fn count_confirmed(conn: Conn<'_>) -> Result<i64, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM subscribers WHERE status = 'confirmed'"
    )
    .fetch_one(c)
    .await)
}

/// The posts that became public after `since` and up to `now` with no newsletter row yet
/// (dated posts only: static pages are not news), oldest first.
///
/// # Errors
/// The driver's error.
pub async fn unsent_public_posts(
    conn: Conn<'_>,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(
        "SELECT p.id FROM posts p WHERE p.status = 'PUBLISHED' AND p.kind = 'post' \
         AND p.published_at IS NOT NULL AND p.published_at > $1 AND p.published_at <= $2 \
         AND NOT EXISTS (SELECT 1 FROM newsletters n WHERE n.post_id = p.id) \
         ORDER BY p.published_at, p.id"
    )
    .bind(since)
    .bind(now)
    .fetch_all(c)
    .await)
}

/// Whether post `id` is public at `now`.
///
/// # Errors
/// The driver's error.
pub async fn is_public(conn: Conn<'_>, id: i64, now: DateTime<Utc>) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM posts p WHERE p.id = $1 AND p.status = 'PUBLISHED' \
         AND p.published_at IS NOT NULL AND p.published_at <= $2"
    )
    .bind(id)
    .bind(now)
    .fetch_one(c)
    .await
    .map(|n| n > 0))
}

/// Creates post `post_id`'s newsletter row with `status` (`sending` or `skipped`); false when
/// it already has one (it is never sent twice).
///
/// # Errors
/// The driver's error.
pub async fn create(
    conn: Conn<'_>,
    post_id: i64,
    status: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query(
        "INSERT INTO newsletters (post_id, status, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (post_id) DO NOTHING"
    )
    .bind(post_id)
    .bind(status)
    .bind(now)
    .execute(c)
    .await
    .map(|r| r.rows_affected() == 1))
}

/// Writes the delivery ledger of post `post_id`'s newsletter once: a `pending` row for every
/// subscriber confirmed at this moment who wants every post or the post's category, and the
/// number of recipients. Later calls change
/// nothing. Returns the number of recipients.
///
/// # Errors
/// The driver's error.
pub async fn snapshot_recipients(mut conn: Conn<'_>, post_id: i64) -> Result<i64, sqlx::Error> {
    let recipients: Option<i64> =
        on_conn!(conn.reborrow(), |c| sqlx::query_scalar::<_, Option<i64>>(
            "SELECT recipients FROM newsletters WHERE post_id = $1"
        )
        .bind(post_id)
        .fetch_optional(c)
        .await)?
        .flatten();
    if let Some(n) = recipients {
        return Ok(n);
    }
    on_conn!(conn.reborrow(), |c| sqlx::query(
        "INSERT INTO newsletter_deliveries (post_id, subscriber_id, status) \
         SELECT $1, s.id, 'pending' FROM subscribers s WHERE s.status = 'confirmed' \
         AND (s.all_posts OR EXISTS (SELECT 1 FROM subscriber_categories sc \
         JOIN posts p ON p.category_id = sc.category_id \
         WHERE sc.subscriber_id = s.id AND p.id = $1)) \
         ON CONFLICT (post_id, subscriber_id) DO NOTHING"
    )
    .bind(post_id)
    .execute(c)
    .await
    .map(|_| ()))?;
    on_conn!(conn, |c| sqlx::query_scalar::<_, i64>(
        "UPDATE newsletters SET recipients = \
         (SELECT COUNT(*) FROM newsletter_deliveries d WHERE d.post_id = $1) \
         WHERE post_id = $1 RETURNING recipients"
    )
    .bind(post_id)
    .fetch_one(c)
    .await)
}

/// A delivery still to make: the subscriber and their address.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingDelivery {
    /// The subscriber's id.
    pub subscriber_id: i64,
    /// Their address.
    pub email: String,
    /// `pending`, or `sending` for a delivery an earlier attempt started and did not mark.
    pub status: String,
}

/// Up to `limit` deliveries of post `post_id` not yet made (`pending`, or `sending` left by an
/// interrupted attempt), to subscribers still subscribed, by subscriber id.
///
/// # Errors
/// The driver's error.
pub async fn next_deliveries(
    conn: Conn<'_>,
    post_id: i64,
    limit: i64,
) -> Result<Vec<PendingDelivery>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_as::<_, PendingDelivery>(
        "SELECT d.subscriber_id, s.email, d.status FROM newsletter_deliveries d \
         JOIN subscribers s ON s.id = d.subscriber_id \
         WHERE d.post_id = $1 AND d.status IN ('pending', 'sending') AND s.status = 'confirmed' \
         ORDER BY d.subscriber_id LIMIT $2"
    )
    .bind(post_id)
    .bind(limit)
    .fetch_all(c)
    .await)
}

/// Marks the delivery to `subscriber_id` of post `post_id` as `status` (`sending`, `sent` or
/// `failed`, with `error` for the last).
///
/// # Errors
/// The driver's error.
pub async fn mark(
    conn: Conn<'_>,
    post_id: i64,
    subscriber_id: i64,
    status: &str,
    error: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| sqlx::query(
        "UPDATE newsletter_deliveries SET status = $3, error = $4, \
         sent_at = CASE WHEN $3 = 'sent' THEN $5 ELSE sent_at END \
         WHERE post_id = $1 AND subscriber_id = $2"
    )
    .bind(post_id)
    .bind(subscriber_id)
    .bind(status)
    .bind(error)
    .bind(now)
    .execute(c)
    .await
    .map(|_| ()))
}

/// Closes post `post_id`'s newsletter as `status`: `sent` (every delivery made or failed) or
/// `skipped` (the post stopped being public before it went out).
///
/// # Errors
/// The driver's error.
pub async fn finish(
    conn: Conn<'_>,
    post_id: i64,
    status: &str,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    on_conn!(conn, |c| {
        sqlx::query(
        "UPDATE newsletters SET status = $3, finished_at = $2 WHERE post_id = $1 AND status = 'sending'"
    )
    .bind(post_id)
    .bind(now)
    .bind(status)
    .execute(c)
    .await
    .map(|_| ())
    })
}

/// Post `post_id`'s newsletter: its status (`sending`, `sent`, `skipped`), or `None` when it
/// has none.
///
/// # Errors
/// The driver's error.
pub async fn status(conn: Conn<'_>, post_id: i64) -> Result<Option<String>, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_scalar::<_, String>(
        "SELECT status FROM newsletters WHERE post_id = $1"
    )
    .bind(post_id)
    .fetch_optional(c)
    .await)
}

/// How far post `post_id`'s newsletter got: `(recipients, sent, failed)`.
///
/// # Errors
/// The driver's error.
pub async fn progress(conn: Conn<'_>, post_id: i64) -> Result<(i64, i64, i64), sqlx::Error> {
    on_conn!(conn, |c| sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT COUNT(*), \
         COALESCE(SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END), 0), \
         COALESCE(SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END), 0) \
         FROM newsletter_deliveries WHERE post_id = $1"
    )
    .bind(post_id)
    .fetch_one(c)
    .await)
}

/// Tries the failed deliveries of post `post_id`'s finished newsletter again: they go back to
/// `pending` and the newsletter to `sending`. Returns how many deliveries will be retried (0,
/// and nothing changed, when the newsletter is not finished or had no failures).
///
/// # Errors
/// The driver's error.
pub async fn retry_failed(mut conn: Conn<'_>, post_id: i64) -> Result<i64, sqlx::Error> {
    let reopened = on_conn!(conn.reborrow(), |c| sqlx::query(
        "UPDATE newsletters SET status = 'sending', finished_at = NULL \
         WHERE post_id = $1 AND status = 'sent' AND EXISTS \
         (SELECT 1 FROM newsletter_deliveries d WHERE d.post_id = $1 AND d.status = 'failed')"
    )
    .bind(post_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))?;
    if reopened == 0 {
        return Ok(0);
    }
    on_conn!(conn, |c| sqlx::query(
        "UPDATE newsletter_deliveries SET status = 'pending', error = NULL \
         WHERE post_id = $1 AND status = 'failed'"
    )
    .bind(post_id)
    .execute(c)
    .await
    .map(|r| i64::try_from(r.rows_affected()).unwrap_or(i64::MAX)))
}

/// Forgets post `post_id`'s skipped newsletter when nothing of it was sent (no recipients were
/// fixed), so the post is emailed the next time it becomes public; whether a row was removed.
///
/// # Errors
/// The driver's error.
pub async fn forget_skipped(conn: Conn<'_>, post_id: i64) -> Result<bool, sqlx::Error> {
    on_conn!(conn, |c| sqlx::query(
        "DELETE FROM newsletters WHERE post_id = $1 AND status = 'skipped' AND recipients IS NULL"
    )
    .bind(post_id)
    .execute(c)
    .await
    .map(|r| r.rows_affected() == 1))
}
