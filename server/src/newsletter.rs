//! The server's part of newsletters: sending one (the `send_newsletter` job, over the delivery
//! ledger) and the one-click unsubscribe route.
//!
//! One-click unsubscribe (RFC 8058): mail clients POST `List-Unsubscribe=One-Click` to the
//! address in a newsletter's `List-Unsubscribe` header, from their own servers, with no cookies
//! and no page. The link's signature is what authorises it (it cannot be forged for another
//! subscriber), so the route is exempt from the CSRF check, which exists to stop a browser's
//! ambient credentials being used; this request has none and needs none.

use std::time::Duration;

use app::error::AppError;
use app::ssr::AppState;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use tower_sessions::Session;

use crate::jobs::{JobContext, JobError};

/// How many deliveries a newsletter reads from its ledger at a time.
pub const DELIVERY_BATCH: i64 = 200;

/// Sends post `post_id`'s newsletter: fixes its recipients once (the confirmed subscribers when
/// sending starts), then goes through the ledger, marking each delivery `sending` before the
/// message goes out and `sent` after, at most `FOLIO_MAIL_RATE` messages a second. An attempt
/// that stops (mail server down, worker killed) resumes where it was: a delivery left `sending`
/// is checked with the folder transport (the file named after its Message-ID exists or not)
/// and sent again over SMTP under the same Message-ID, by which mail systems drop duplicates.
/// A subscriber whose address the server refuses for good is marked `failed`; the others
/// still get theirs.
///
/// # Errors
/// [`JobError`] when the mail server is unreachable (the job is retried later) or the database
/// fails.
pub async fn send(ctx: &JobContext, post_id: i64) -> Result<(), JobError> {
    use app::ssr::db::newsletter as ledger;
    let now = Utc::now();
    let mut conn = ctx.db.acquire().await?;
    let row = app::ssr::db::posts::public::find_for_preview(conn.conn(), post_id, now).await?;
    let public = ledger::is_public(conn.conn(), post_id, now).await?;
    drop(conn);
    let Some(row) = row.filter(|_| public) else {
        // Unpublished or deleted before it went out: nothing to send.
        let mut conn = ctx.db.acquire_write().await?;
        ledger::finish(conn.conn(), post_id, "skipped", now).await?;
        tracing::info!(post_id, "newsletter not sent: the post is no longer public");
        return Ok(());
    };
    let post = app::ssr::posts::reads::detail_from_row(row, 0);
    let recipients = {
        let mut tx = ctx.db.begin().await?;
        let n = ledger::snapshot_recipients(tx.conn(), post_id).await?;
        tx.commit().await?;
        n
    };
    tracing::info!(post_id, recipients, "sending the newsletter");
    let mut pace = ctx
        .mail_rate
        .filter(|rate| *rate > 0.0)
        .map(|rate| tokio::time::interval(Duration::from_secs_f64(1.0 / rate)));
    loop {
        let mut conn = ctx.db.acquire().await?;
        let batch = ledger::next_deliveries(conn.conn(), post_id, DELIVERY_BATCH).await?;
        drop(conn);
        if batch.is_empty() {
            break;
        }
        for delivery in batch {
            let email = app::ssr::newsletter::message(
                &ctx.site,
                &ctx.secret_key,
                &post,
                delivery.subscriber_id,
                &delivery.email,
            );
            let mark = |status: &'static str, error: Option<String>| {
                let db = ctx.db.clone();
                let subscriber = delivery.subscriber_id;
                async move {
                    let mut conn = db.acquire_write().await?;
                    ledger::mark(
                        conn.conn(),
                        post_id,
                        subscriber,
                        status,
                        error.as_deref(),
                        Utc::now(),
                    )
                    .await
                }
            };
            if delivery.status == "sending" && ctx.mailer.already_sent(&email.message_id) {
                mark("sent", None).await?;
                continue;
            }
            if let Some(pace) = pace.as_mut() {
                pace.tick().await;
            }
            mark("sending", None).await?;
            match ctx.mailer.send_list(&email).await {
                Ok(()) => mark("sent", None).await?,
                Err(error) if error.is_transient() => {
                    mark("pending", None).await?;
                    return Err(error.into());
                }
                Err(error) => {
                    tracing::warn!(post_id, subscriber_id = delivery.subscriber_id, %error, "newsletter refused for one subscriber");
                    mark("failed", Some(error.to_string())).await?;
                }
            }
        }
    }
    let mut conn = ctx.db.acquire_write().await?;
    ledger::finish(conn.conn(), post_id, "sent", Utc::now()).await?;
    let (total, sent, failed) = ledger::progress(conn.conn(), post_id).await?;
    tracing::info!(post_id, total, sent, failed, "newsletter sent");
    Ok(())
}

/// The path prefix of unsubscribe links.
pub const UNSUBSCRIBE_PREFIX: &str = "/newsletter/unsubscribe/";

/// Whether `request` is a POST to a one-click unsubscribe address
/// (`/newsletter/unsubscribe/<id>/<signature>/one-click`).
pub fn is_one_click_unsubscribe(request: &Request) -> bool {
    let path = request.uri().path();
    request.method() == Method::POST
        && path.starts_with(UNSUBSCRIBE_PREFIX)
        && path.ends_with("/one-click")
}

/// `POST /newsletter/unsubscribe/<id>/<signature>/one-click`: unsubscribes at once and answers
/// 200 with a line of text (whatever the body: RFC 8058 asks for `List-Unsubscribe=One-Click`,
/// and a client that sends something else still means to leave); 404 for a link that is not
/// valid.
pub async fn one_click(
    State(state): State<AppState>,
    Path((id, signature)): Path<(i64, String)>,
) -> Response {
    let text = |status: StatusCode, body: &'static str| {
        (
            status,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            body,
        )
            .into_response()
    };
    match app::ssr::newsletter::unsubscribe(&state.db, &state.auth.secret_key, id, &signature).await
    {
        Ok(_) => text(StatusCode::OK, "You are unsubscribed.\n"),
        Err(AppError::NotFound) => text(StatusCode::NOT_FOUND, "This link is not valid.\n"),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong; please try again later.\n",
        ),
    }
}

/// The path of the subscribers' CSV export (the change list's query string selects the rows).
pub const EXPORT_PATH: &str = "/admin/subscribers/export.csv";

/// `GET /admin/subscribers/export.csv?<change-list query>`: the subscribers the change list
/// shows with the same search, filters and order, as a CSV download (see
/// [`app::ssr::admin::changelist::export_subscribers`]); for staff with `ManageUsers`. Not
/// signed in: a redirect to the sign-in page, which comes back here; otherwise the error's
/// status.
pub async fn export_csv(
    State(state): State<AppState>,
    session: Session,
    RawQuery(query): RawQuery,
) -> Response {
    use app::domain::changelist::ListParams;
    let query = query.unwrap_or_default();
    let here = if query.is_empty() {
        EXPORT_PATH.to_string()
    } else {
        format!("{EXPORT_PATH}?{query}")
    };
    let actor = match app::ssr::auth::require_permission(
        &state,
        &session,
        app::domain::Permission::ManageUsers,
    )
    .await
    {
        Ok(actor) => actor,
        Err(AppError::Unauthorized) => {
            return Redirect::to(&format!(
                "/accounts/login/?next={}",
                app::domain::text::encode_query_value(&here)
            ))
            .into_response()
        }
        Err(error) => return (error.status_code(), error.to_string()).into_response(),
    };
    let params = ListParams::parse(&query);
    let now = Utc::now();
    match app::ssr::admin::changelist::export_subscribers(&state, &actor, &params, now).await {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"subscribers-{}.csv\"",
                        now.format("%Y-%m-%d")
                    ),
                ),
                (header::CACHE_CONTROL, "private, no-store".to_string()),
            ],
            body,
        )
            .into_response(),
        Err(error) => (error.status_code(), error.to_string()).into_response(),
    }
}
