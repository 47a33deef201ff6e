//! New posts by email: subscribing with double opt-in, confirming, unsubscribing with one click
//! (RFC 8058), and finding the posts whose newsletter is due (the publish sweep).
//!
//! The newsletter itself is sent by a job (`send_newsletter`, run by the server crate's workers)
//! over a ledger of one delivery row per (post, subscriber); see
//! [`crate::ssr::db::newsletter`].

use chrono::{DateTime, Utc};

use crate::domain::Email;
use crate::error::AppError;
use crate::model::{PostDetail, SiteInfo};
use crate::ssr::auth::{throttle, tokens, SecretKey};
use crate::ssr::db::newsletter as rows;
use crate::ssr::db::{settings, Db};
use crate::ssr::jobs::{push_on, Enqueue, Job, JobQueue};
use crate::ssr::mail::{ListEmail, OutgoingEmail};
use crate::ssr::AppState;

/// How long a confirmation link works.
pub const CONFIRM_FOR: chrono::Duration = chrono::Duration::days(3);

/// The `site_settings` key of the moment newsletters started: posts public before it are never
/// emailed (so turning Folio's newsletter on does not mail the whole archive).
pub const SINCE_SETTING: &str = "newsletter_since";

/// Asks for new posts by email at `email`: a confirmation link is emailed (double opt-in)
/// unless the address is already confirmed. Answers the same whether or not the address was
/// known, so the form does not tell who subscribes.
///
/// Against mail bombing, client `address` may ask `FOLIO_EMAIL_THROTTLE` times (then 429), and
/// one address gets at most [`throttle::EMAILS_PER_ADDRESS`] links whoever asks (past that,
/// nothing is sent and the answer is the same).
///
/// # Errors
/// [`AppError::Validation`] (`email`) for an invalid address; [`AppError::TooManyRequests`]
/// when this client asked too often; [`AppError::Internal`] when the database fails.
pub async fn subscribe(state: &AppState, email: &str, address: &str) -> Result<(), AppError> {
    let email = Email::parse(email).map_err(|m| AppError::field("email", m))?;
    let now = Utc::now();
    let may_send = throttle::reserve_emailed_link(
        &state.db,
        state.auth.email_limit,
        address,
        email.as_str(),
        now,
    )
    .await?;
    if !may_send {
        tracing::info!("subscribe: enough links went to this address for now");
        return Ok(());
    }
    let token = tokens::generate();
    let mut tx = state.db.begin().await?;
    let (_, needs_confirmation) = rows::request(
        tx.conn(),
        email.as_str(),
        &tokens::digest(&token),
        now + CONFIRM_FOR,
        now,
    )
    .await?;
    if needs_confirmation {
        let link = state
            .site
            .absolute(&format!("/newsletter/confirm/{token}/"));
        let job = Job::SendEmail {
            email: OutgoingEmail {
                to: email.as_str().to_string(),
                subject: format!("Confirm your subscription to {}", state.site.title),
                body: format!(
                    "Hello,\n\nSomeone (we hope you) asked to receive new posts of {site} by email at this address.\n\
                     To confirm, open this link:\n\n{link}\n\n\
                     The link works for three days. If you did not ask for this, ignore this email: \
                     nothing will be sent to you.\n\nThe {site} team\n",
                    site = state.site.title,
                ),
            },
        };
        push_on(tx.conn(), &job, &Enqueue::default(), now).await?;
    }
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// Confirms the subscription of the link's `token`.
///
/// # Errors
/// [`AppError::Validation`] (`""`) for an unknown, used or expired link;
/// [`AppError::Internal`] when the database fails.
pub async fn confirm(db: &Db, token: &str) -> Result<(), AppError> {
    if !tokens::looks_valid(token) {
        return Err(AppError::field("", crate::ssr::accounts::INVALID_LINK));
    }
    let mut conn = db.acquire_write().await?;
    match rows::confirm(conn.conn(), &tokens::digest(token), Utc::now()).await? {
        Some(id) => {
            tracing::info!(subscriber_id = id, "subscription confirmed");
            Ok(())
        }
        None => Err(AppError::field("", crate::ssr::accounts::INVALID_LINK)),
    }
}

/// The signature of subscriber `id`'s unsubscribe links: a keyed digest with the site's secret
/// key, so links need no stored token and cannot be forged for another subscriber.
pub fn signature(key: &SecretKey, id: i64) -> String {
    key.digest("newsletter-unsubscribe", id.to_string().as_bytes())
}

/// The unsubscribe page of subscriber `id` (the visible link in every newsletter).
pub fn unsubscribe_path(key: &SecretKey, id: i64) -> String {
    format!("/newsletter/unsubscribe/{id}/{}/", signature(key, id))
}

/// The one-click unsubscribe address of `List-Unsubscribe` (RFC 8058: a POST to it
/// unsubscribes at once, without a page or a session).
pub fn one_click_path(key: &SecretKey, id: i64) -> String {
    format!("{}one-click", unsubscribe_path(key, id))
}

/// Unsubscribes subscriber `id` when `signature` is theirs; whether anything changed.
///
/// # Errors
/// [`AppError::NotFound`] for a wrong signature or an unknown subscriber;
/// [`AppError::Internal`] when the database fails.
pub async fn unsubscribe(db: &Db, key: &SecretKey, id: i64, given: &str) -> Result<bool, AppError> {
    let expected = signature(key, id);
    let matches = expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !matches {
        return Err(AppError::NotFound);
    }
    let mut conn = db.acquire_write().await?;
    if rows::find(conn.conn(), id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let changed = rows::unsubscribe(conn.conn(), id, Utc::now()).await?;
    if changed {
        tracing::info!(subscriber_id = id, "unsubscribed");
    }
    Ok(changed)
}

/// The publish sweep (every minute): for each post that became public since newsletters
/// started and has no newsletter yet, writes its newsletter row and queues its sending job in
/// one transaction. It works from the posts' state, not from events, so a post scheduled while
/// no process ran is found at the next sweep, and the newsletter row (the post's primary key)
/// makes a second newsletter for a post impossible. Returns the posts queued.
///
/// # Errors
/// The driver's error.
pub async fn sweep(queue: &JobQueue, now: DateTime<Utc>) -> Result<Vec<i64>, sqlx::Error> {
    let db = queue.db();
    let mut conn = db.acquire_write().await?;
    settings::insert_if_missing(conn.conn(), SINCE_SETTING, &now.to_rfc3339()).await?;
    let since = settings::get(conn.conn(), SINCE_SETTING)
        .await?
        .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map_or(now, |t| t.with_timezone(&Utc));
    let due = rows::unsent_public_posts(conn.conn(), since, now).await?;
    drop(conn);
    let mut queued = Vec::new();
    for post_id in due {
        let mut tx = db.begin().await?;
        if rows::create(tx.conn(), post_id, "sending", now).await? {
            let options = Enqueue {
                run_at: None,
                idempotency_key: Some(format!("newsletter:{post_id}")),
            };
            push_on(tx.conn(), &Job::SendNewsletter { post_id }, &options, now).await?;
            queued.push(post_id);
        }
        tx.commit().await?;
    }
    if !queued.is_empty() {
        queue.wake();
        tracing::info!(posts = ?queued, "newsletters queued");
    }
    Ok(queued)
}

/// Marks post `post_id` as not to be emailed ("publish without emailing"); false when its
/// newsletter already exists.
///
/// # Errors
/// The driver's error.
pub async fn skip(db: &Db, post_id: i64) -> Result<bool, sqlx::Error> {
    let mut conn = db.acquire_write().await?;
    rows::create(conn.conn(), post_id, "skipped", Utc::now()).await
}

/// How far post `post_id`'s newsletter got, in words for the post's admin page, or `None` when
/// the post has no newsletter (never public since newsletters started).
///
/// # Errors
/// The driver's error.
pub async fn progress_line(
    mut conn: crate::ssr::db::Conn<'_>,
    post_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    let Some(status) = rows::status(conn.reborrow(), post_id).await? else {
        return Ok(None);
    };
    let (recipients, sent, failed) = rows::progress(conn, post_id).await?;
    Ok(Some(describe_progress(&status, recipients, sent, failed)))
}

/// The words for a newsletter's `status` and counts: "Sending: 120 of 10,000 sent", "Sent to
/// 9,997 of 10,000 subscribers; 3 failed", "Not emailed".
pub fn describe_progress(status: &str, recipients: i64, sent: i64, failed: i64) -> String {
    let n = thousands;
    let failures = if failed > 0 {
        format!("; {} failed", n(failed))
    } else {
        String::new()
    };
    match status {
        "skipped" => "Not emailed (it stopped being public before it went out)".to_string(),
        "sent" => format!(
            "Sent to {} of {} subscribers{failures}",
            n(sent),
            n(recipients)
        ),
        _ => format!("Sending: {} of {} sent{failures}", n(sent), n(recipients)),
    }
}

/// `n` with commas between groups of three digits (`10,000`).
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Makes the site-relative links and images of `html` absolute (`href="/…"`, `src="/…"`), as
/// an email has no page address to resolve them against.
pub fn absolute_links(html: &str, base_url: &str) -> String {
    html.replace("href=\"/", &format!("href=\"{base_url}/"))
        .replace("src=\"/", &format!("src=\"{base_url}/"))
        .replace("srcset=\"/", &format!("srcset=\"{base_url}/"))
        .replace(", /media/", &format!(", {base_url}/media/"))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The newsletter message of `post` for subscriber `subscriber_id` at `to`: HTML with the
/// sanitised body (absolute links, the featured image) and a plain-text alternative, a "read
/// on the site" link, and the unsubscribe link and headers. Its Message-ID is fixed per
/// (post, subscriber).
pub fn message(
    site: &SiteInfo,
    key: &SecretKey,
    post: &PostDetail,
    subscriber_id: i64,
    to: &str,
) -> ListEmail {
    let url = site.absolute(&post.summary.path);
    let unsubscribe = site.absolute(&unsubscribe_path(key, subscriber_id));
    let image = post
        .featured_image
        .as_ref()
        .map(|i| {
            format!(
                "<p><img src=\"{}\" width=\"{}\" height=\"{}\" alt=\"\" style=\"max-width:100%;height:auto\"></p>",
                escape(&site.absolute(&i.src)),
                i.width,
                i.height
            )
        })
        .unwrap_or_default();
    let html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;max-width:40rem;margin:auto;line-height:1.5\">\
         <h1><a href=\"{url}\">{title}</a></h1>{image}{body}\
         <p><a href=\"{url}\">Read on {site}</a></p><hr>\
         <p style=\"font-size:0.85em;color:#555\">You get this because you subscribed to {site}. \
         <a href=\"{unsubscribe}\">Unsubscribe</a></p></body></html>",
        title = escape(&post.summary.title),
        url = escape(&url),
        body = absolute_links(&post.body_html, &site.base_url),
        site = escape(&site.title),
        unsubscribe = escape(&unsubscribe),
    );
    let text = format!(
        "{title}\n{url}\n\n{excerpt}\n\nRead on {site}: {url}\n\n--\nYou get this because you subscribed to {site}.\nUnsubscribe: {unsubscribe}\n",
        title = post.summary.title,
        excerpt = post.summary.excerpt,
        site = site.title,
    );
    let host = url::Url::parse(&site.base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| "localhost".to_string());
    ListEmail {
        to: to.to_string(),
        subject: post.summary.title.clone(),
        text,
        html,
        unsubscribe_url: site.absolute(&one_click_path(key, subscriber_id)),
        message_id: format!("newsletter-{}-{subscriber_id}@{host}", post.summary.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsubscribe_links_are_signed_per_subscriber() {
        let key = SecretKey::new(b"k".to_vec());
        let other = SecretKey::new(b"other".to_vec());
        assert_ne!(signature(&key, 1), signature(&key, 2));
        assert_ne!(signature(&key, 1), signature(&other, 1));
        assert!(unsubscribe_path(&key, 7).starts_with("/newsletter/unsubscribe/7/"));
        assert!(one_click_path(&key, 7).ends_with("/one-click"));
    }

    #[test]
    fn progress_reads_as_a_sentence() {
        assert_eq!(
            describe_progress("sent", 10_000, 9_997, 3),
            "Sent to 9,997 of 10,000 subscribers; 3 failed"
        );
        assert_eq!(
            describe_progress("sending", 10_000, 120, 0),
            "Sending: 120 of 10,000 sent"
        );
        assert!(describe_progress("skipped", 0, 0, 0).starts_with("Not emailed"));
    }

    #[test]
    fn relative_links_and_images_become_absolute() {
        let html = r#"<a href="/2024/01/02/x/">x</a> <img src="/media/a.jpg" srcset="/media/a-480.jpg 480w, /media/a.jpg 960w"> <a href="https://else.org/">y</a>"#;
        let out = absolute_links(html, "https://blog.example.org");
        assert!(out.contains(r#"href="https://blog.example.org/2024/01/02/x/""#));
        assert!(out.contains(r#"src="https://blog.example.org/media/a.jpg""#));
        assert!(out.contains("https://blog.example.org/media/a-480.jpg 480w, https://blog.example.org/media/a.jpg 960w"));
        assert!(out.contains(r#"href="https://else.org/""#));
    }
}
