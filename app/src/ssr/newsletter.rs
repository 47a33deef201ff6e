//! New posts by email: subscribing with double opt-in, confirming, unsubscribing with one click
//! (RFC 8058), and finding the posts whose newsletter is due (the publish sweep).
//!
//! The newsletter itself is sent by a job (`send_newsletter`, run by the server crate's workers)
//! over a ledger of one delivery row per (post, subscriber); see
//! [`crate::ssr::db::newsletter`].

use chrono::{DateTime, Utc};

use crate::domain::Email;
use crate::error::AppError;
use crate::model::newsletter::{NewsletterProgress, SubscribeChoices, Subscription};
use crate::model::{PostDetail, SiteInfo};
use crate::ssr::auth::{throttle, tokens, SecretKey};
use crate::ssr::db::newsletter::{self as rows, Choice};
use crate::ssr::db::users::AccountRow;
use crate::ssr::db::{categories, settings, Conn, Db};
use crate::ssr::jobs::{push_on, Enqueue, Job, JobQueue};
use crate::ssr::mail::{ListEmail, OutgoingEmail};
use crate::ssr::AppState;

/// How long a confirmation link works.
pub const CONFIRM_FOR: chrono::Duration = chrono::Duration::days(3);

/// The `site_settings` key of the moment newsletters started: posts public before it are never
/// emailed (so turning Folio's newsletter on does not mail the whole archive).
pub const SINCE_SETTING: &str = "newsletter_since";

/// The most categories a subscriber can choose (more than a site has in practice; bounds the
/// work one request can ask for).
pub const MAX_CATEGORIES: usize = 100;

/// The categories a subscribe form offers, by name.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn choices(db: &Db) -> Result<SubscribeChoices, AppError> {
    let mut conn = db.acquire().await?;
    let rows = categories::list(conn.conn(), MAX_CATEGORIES as i64, 0).await?;
    Ok(SubscribeChoices {
        categories: rows.into_iter().map(Into::into).collect(),
    })
}

/// The [`Choice`] of the category `slugs` a form or the API sent: none means every new post.
///
/// # Errors
/// [`AppError::Validation`] (`categories`) for a slug that names no category, or more than
/// [`MAX_CATEGORIES`]; [`AppError::Internal`] when the database fails.
pub async fn resolve_choice(mut conn: Conn<'_>, slugs: &[String]) -> Result<Choice, AppError> {
    if slugs.len() > MAX_CATEGORIES {
        return Err(AppError::field(
            "categories",
            format!("Choose at most {MAX_CATEGORIES} categories."),
        ));
    }
    let mut category_ids = Vec::new();
    for slug in slugs.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        // Slugs are short and URL-safe; anything else names no category (and never reaches
        // the database, which refuses some characters, NUL on PostgreSQL, with an error).
        let plausible = slug.len() <= 220
            && slug
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
        let found = if plausible {
            categories::find_by_slug(conn.reborrow(), slug).await?
        } else {
            None
        };
        match found {
            Some(row) if !category_ids.contains(&row.id) => category_ids.push(row.id),
            Some(_) => {}
            None => {
                return Err(AppError::field(
                    "categories",
                    format!("There is no category \"{slug}\"; choose from the list."),
                ))
            }
        }
    }
    Ok(Choice { category_ids })
}

/// Asks for new posts by email at `email`: all of them, or those of the categories with the
/// given `slugs`. A confirmation link is emailed (double opt-in); an address already confirmed
/// gets a link to its manage page instead (where its owner changes the categories), so the
/// form does not let a stranger change someone's subscription. Answers the same whether or not
/// the address was known, so the form does not tell who subscribes.
///
/// Against mail bombing, client `address` may ask `FOLIO_EMAIL_THROTTLE` times (then 429), and
/// one address gets at most [`throttle::EMAILS_PER_ADDRESS`] links whoever asks (past that,
/// nothing is sent and the answer is the same).
///
/// # Errors
/// [`AppError::Validation`] (`email`, `categories`) for an invalid address or an unknown
/// category; [`AppError::TooManyRequests`] when this client asked too often;
/// [`AppError::Internal`] when the database fails.
pub async fn subscribe(
    state: &AppState,
    email: &str,
    slugs: &[String],
    address: &str,
) -> Result<(), AppError> {
    let email = Email::parse(email).map_err(|m| AppError::field("email", m))?;
    let choice = {
        let mut conn = state.db.acquire().await?;
        resolve_choice(conn.conn(), slugs).await?
    };
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
    let (id, needs_confirmation) = rows::request(
        tx.conn(),
        email.as_str(),
        &choice,
        &tokens::digest(&token),
        now + CONFIRM_FOR,
        now,
    )
    .await?;
    let site = &state.site.title;
    let email = if needs_confirmation {
        let link = state
            .site
            .absolute(&format!("/newsletter/confirm/{token}/"));
        OutgoingEmail {
            to: email.as_str().to_string(),
            subject: format!("Confirm your subscription to {site}"),
            body: format!(
                "Hello,\n\nSomeone (we hope you) asked to receive new posts of {site} by email at this address.\n\
                 To confirm, open this link:\n\n{link}\n\n\
                 The link works for three days. If you did not ask for this, ignore this email: \
                 nothing will be sent to you.\n\nThe {site} team\n",
            ),
        }
    } else {
        let link = state
            .site
            .absolute(&manage_path(&state.auth.secret_key, id));
        OutgoingEmail {
            to: email.as_str().to_string(),
            subject: format!("Your subscription to {site}"),
            body: format!(
                "Hello,\n\nSomeone (we hope you) asked to receive new posts of {site} by email at this address. \
                 It is already subscribed, so nothing changed.\n\
                 To choose which posts you get, or to unsubscribe, open this link:\n\n{link}\n\n\
                 The {site} team\n",
            ),
        }
    };
    push_on(
        tx.conn(),
        &Job::SendEmail { email },
        &Enqueue::default(),
        now,
    )
    .await?;
    tx.commit().await?;
    state.jobs.wake();
    Ok(())
}

/// Subscribes the signed-in `account` to the posts of the categories with `slugs` (none: every
/// post). An account whose address is verified is subscribed at once (it confirmed the address
/// when it signed up); otherwise a confirmation link is emailed as for anyone, under the same
/// mail-bombing guard. Returns whether the subscription waits for that confirmation.
///
/// # Errors
/// [`AppError::Validation`] (`email`) for an account without an address, (`categories`) for an
/// unknown category; [`AppError::TooManyRequests`]; [`AppError::Internal`].
pub async fn subscribe_account(
    state: &AppState,
    account: &AccountRow,
    slugs: &[String],
    address: &str,
) -> Result<bool, AppError> {
    let Some(email) = account.email.as_deref() else {
        return Err(AppError::field(
            "email",
            "Your account has no email address to send posts to.",
        ));
    };
    if !account.is_verified {
        subscribe(state, email, slugs, address).await?;
        return Ok(true);
    }
    let mut tx = state.db.begin().await?;
    let choice = resolve_choice(tx.conn(), slugs).await?;
    let id = rows::subscribe_confirmed(tx.conn(), email, &choice, Utc::now()).await?;
    tx.commit().await?;
    tracing::info!(
        subscriber_id = id,
        user_id = account.id,
        "subscribed from the profile"
    );
    Ok(false)
}

/// The subscription of the signed-in `account` (by its address), or `None` when it has never
/// subscribed.
///
/// # Errors
/// [`AppError::Internal`] when the database fails.
pub async fn account_subscription(
    db: &Db,
    key: &SecretKey,
    account: &AccountRow,
) -> Result<Option<Subscription>, AppError> {
    let Some(email) = account.email.as_deref() else {
        return Ok(None);
    };
    let mut conn = db.acquire().await?;
    let Some(row) = rows::find_by_email(conn.conn(), email).await? else {
        return Ok(None);
    };
    Ok(Some(describe(conn.conn(), key, row).await?))
}

async fn describe(
    conn: Conn<'_>,
    key: &SecretKey,
    row: rows::SubscriberRow,
) -> Result<Subscription, AppError> {
    let categories = if row.all_posts {
        Vec::new()
    } else {
        rows::chosen_categories(conn, row.id).await?
    };
    Ok(Subscription {
        status: row.status,
        email: row.email,
        all_posts: row.all_posts,
        categories,
        manage_path: manage_path(key, row.id),
    })
}

/// The subscription of signed link (`id`, `signature`), for its manage page.
///
/// # Errors
/// [`AppError::NotFound`] for a wrong signature or an unknown subscriber;
/// [`AppError::Internal`] when the database fails.
pub async fn subscription(
    db: &Db,
    key: &SecretKey,
    id: i64,
    given: &str,
) -> Result<Subscription, AppError> {
    verify(key, id, given)?;
    let mut conn = db.acquire().await?;
    let row = rows::find(conn.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    describe(conn.conn(), key, row).await
}

/// Changes which posts the subscriber of signed link (`id`, `signature`) gets: the categories
/// with `slugs`, or every post when none. An unsubscribed subscriber stays unsubscribed (the
/// page offers to subscribe again, which takes a new confirmation).
///
/// # Errors
/// [`AppError::NotFound`] for a link that is not valid; [`AppError::Validation`]
/// (`categories`); [`AppError::Internal`].
pub async fn update_choice(
    db: &Db,
    key: &SecretKey,
    id: i64,
    given: &str,
    slugs: &[String],
) -> Result<(), AppError> {
    verify(key, id, given)?;
    let mut tx = db.begin().await?;
    if rows::find(tx.conn(), id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    let choice = resolve_choice(tx.conn(), slugs).await?;
    rows::set_choice(tx.conn(), id, &choice).await?;
    tx.commit().await?;
    tracing::info!(
        subscriber_id = id,
        all_posts = choice.all_posts(),
        "subscription changed"
    );
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

/// The manage page of subscriber `id` (the visible "unsubscribe" link in every newsletter):
/// choose categories or unsubscribe.
pub fn unsubscribe_path(key: &SecretKey, id: i64) -> String {
    format!("/newsletter/unsubscribe/{id}/{}/", signature(key, id))
}

/// The same page as [`unsubscribe_path`], named for what an already-confirmed subscriber
/// opens it for.
pub fn manage_path(key: &SecretKey, id: i64) -> String {
    unsubscribe_path(key, id)
}

/// Checks that `given` is subscriber `id`'s link signature, in constant time.
///
/// # Errors
/// [`AppError::NotFound`] when it is not (a wrong link looks like a missing page).
fn verify(key: &SecretKey, id: i64, given: &str) -> Result<(), AppError> {
    let expected = signature(key, id);
    let matches = expected.len() == given.len()
        && expected
            .bytes()
            .zip(given.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if matches {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
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
    verify(key, id, given)?;
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
            // One key per newsletter row: a post whose unsent newsletter was forgotten ("publish
            // without emailing" undone) gets a new row and a new job.
            let options = Enqueue {
                run_at: None,
                idempotency_key: Some(format!("newsletter:{post_id}:{}", now.timestamp_micros())),
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

/// How far post `post_id`'s newsletter got, or `None` when the post has no newsletter (never
/// public since newsletters started).
///
/// # Errors
/// The driver's error.
pub async fn progress(
    mut conn: Conn<'_>,
    post_id: i64,
) -> Result<Option<NewsletterProgress>, sqlx::Error> {
    let Some(status) = rows::status(conn.reborrow(), post_id).await? else {
        return Ok(None);
    };
    let (recipients, sent, failed) = rows::progress(conn, post_id).await?;
    Ok(Some(NewsletterProgress {
        line: describe_progress(&status, recipients, sent, failed),
        status,
        recipients,
        sent,
        failed,
    }))
}

/// [`progress`] in words, for the post's admin page.
///
/// # Errors
/// The driver's error.
pub async fn progress_line(conn: Conn<'_>, post_id: i64) -> Result<Option<String>, sqlx::Error> {
    Ok(progress(conn, post_id).await?.map(|p| p.line))
}

/// Sends the failed deliveries of post `post_id`'s finished newsletter again (after the cause,
/// a full mailbox or a mail server's refusal, was dealt with): they are queued once more and a
/// sending job is pushed. Returns how many will be retried (0 when there is nothing to retry).
///
/// # Errors
/// The driver's error.
pub async fn retry_failed(queue: &JobQueue, post_id: i64) -> Result<i64, sqlx::Error> {
    let now = Utc::now();
    let mut tx = queue.db().begin().await?;
    let n = rows::retry_failed(tx.conn(), post_id).await?;
    if n > 0 {
        let options = Enqueue {
            run_at: None,
            idempotency_key: Some(format!(
                "newsletter:{post_id}:retry:{}",
                now.timestamp_micros()
            )),
        };
        push_on(tx.conn(), &Job::SendNewsletter { post_id }, &options, now).await?;
    }
    tx.commit().await?;
    if n > 0 {
        queue.wake();
        tracing::info!(
            post_id,
            deliveries = n,
            "newsletter: failed deliveries retried"
        );
    }
    Ok(n)
}

/// Whether post `post_id` will be emailed when it becomes public: `email` false marks it "not
/// emailed" ("publish without emailing"); true undoes that while nothing was sent. Called by
/// publishing before the post becomes public; an existing newsletter is left as it is.
///
/// # Errors
/// The driver's error.
pub async fn set_emailing(conn: Conn<'_>, post_id: i64, email: bool) -> Result<(), sqlx::Error> {
    if email {
        rows::forget_skipped(conn, post_id).await?;
    } else {
        rows::create(conn, post_id, "skipped", Utc::now()).await?;
    }
    Ok(())
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
        "skipped" => "Not emailed".to_string(),
        "sent" => format!(
            "Sent to {} of {} subscribers{failures}",
            n(sent),
            n(recipients)
        ),
        _ => format!("Sending: {} of {} sent{failures}", n(sent), n(recipients)),
    }
}

/// `n` with commas between groups of three digits (`10,000`).
pub fn thousands(n: i64) -> String {
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
