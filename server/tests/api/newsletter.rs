//! New posts by email: double opt-in, the publish sweep, one newsletter per subscriber per post
//! (also when the worker is killed half-way), list headers and one-click unsubscribe (RFC 8058).

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::domain::PostStatus;
use app::ssr::db::Db;
use app::ssr::jobs::JobQueue;
use chrono::Utc;

use crate::helpers::{backend, read_emails, PostSpec, ServerProcess, TestApp, TestDatabase};

pub(crate) async fn exec(db: &Db, sql: &str) {
    let mut conn = db.acquire_write().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query(sql)
        .execute(c)
        .await
        .map(|_| ()))
    .unwrap();
}

pub(crate) async fn scalar(db: &Db, sql: &str) -> i64 {
    let mut conn = db.acquire().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(c)
        .await)
    .unwrap()
}

pub(crate) async fn text(db: &Db, sql: &str) -> String {
    let mut conn = db.acquire().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, String>(sql)
        .fetch_one(c)
        .await)
    .unwrap()
}

/// Adds `n` confirmed subscribers (`reader<i>@example.org`) in one statement per 500.
pub(crate) async fn confirmed_subscribers(db: &Db, n: usize) {
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| {
                format!(
                    "('reader{i}@example.org', 'confirmed', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')"
                )
            })
            .collect();
        exec(
            db,
            &format!(
                "INSERT INTO subscribers (email, status, created_at, confirmed_at) VALUES {}",
                values.join(", ")
            ),
        )
        .await;
    }
}

pub(crate) async fn wait_until(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

pub(crate) fn newsletters_in(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.starts_with("newsletter-") && name.ends_with(".eml")
                })
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .collect()
        })
        .unwrap_or_default()
}

/// A raw message with quoted-printable soft line breaks and escapes undone (enough to search
/// its text; headers are left as they are).
pub(crate) fn decoded(message: &str) -> String {
    let joined = message.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value of header `name` in a raw message (unfolded).
pub(crate) fn header_value(message: &str, name: &str) -> Option<String> {
    let unfolded = message.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| {
            l.strip_prefix(&format!("{name}: "))
                .map(|v| v.trim().to_string())
        })
}

/// A server (jobs polled every 50 ms) whose first publish sweep has run: it marks when
/// newsletters started, and posts public before that are never emailed.
pub(crate) async fn newsletter_server() -> TestApp {
    let app = TestApp::spawn_with(backend(), &[("FOLIO_JOB_POLL_SECONDS", "0.05")]).await;
    wait_until("the first sweep", Duration::from_secs(10), async || {
        scalar(
            &app.db,
            "SELECT COUNT(*) FROM site_settings WHERE key = 'newsletter_since'",
        )
        .await
            == 1
    })
    .await;
    app
}

#[tokio::test]
async fn subscribing_takes_a_confirmed_link_and_answers_the_same_for_everyone() {
    let app = TestApp::spawn_with(backend(), &[("FOLIO_JOB_POLL_SECONDS", "0.05")]).await;
    let response = app
        .call("newsletter/subscribe", &[("email", "Reader@Example.org")])
        .await;
    assert!(response.status().is_redirection() || response.status().is_success());
    let link = app.wait_for_link(1, "/newsletter/confirm/").await;
    assert_eq!(
        text(&app.db, "SELECT status FROM subscribers").await,
        "pending"
    );
    // Nothing is confirmed by opening the page (a link scanner); the button does it, once.
    let (status, html) = app.get_text(&link).await;
    assert_eq!(status, 200);
    assert!(html.contains("Confirm your subscription"));
    let token = link
        .trim_start_matches("/newsletter/confirm/")
        .trim_end_matches('/')
        .to_string();
    app.call_ok("newsletter/confirm", &[("token", &token)])
        .await;
    assert_eq!(
        text(&app.db, "SELECT status FROM subscribers").await,
        "confirmed"
    );
    let (status, error) = app
        .call_err("newsletter/confirm", &[("token", &token)])
        .await
        .expect("a used link is refused");
    assert_eq!(status, 400, "{error:?}");
    // A confirmed address asking again gets the same answer, and an email with the link of its
    // manage page (no confirmation link: nothing changes without its owner).
    let sent = app.emails().len();
    app.call_ok("newsletter/subscribe", &[("email", "reader@example.org")])
        .await;
    let manage = app
        .wait_for_link(sent + 1, "/newsletter/unsubscribe/")
        .await;
    assert!(!app.emails()[sent].contains("/newsletter/confirm/"));
    assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM subscribers").await, 1);
    let (status, html) = app.get_text(&manage).await;
    assert_eq!(status, 200);
    assert!(html.contains("gets every new post"), "{html}");
    // Bad input: a clear field error, nothing stored.
    let (status, _) = app
        .call_err("newsletter/subscribe", &[("email", "not an address")])
        .await
        .expect("refused");
    assert_eq!(status, 400);
    assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM subscribers").await, 1);
    // The page works without JavaScript.
    let (status, html) = app.get_text("/newsletter/").await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"email\"") && html.contains("csrf_token"));
}

#[tokio::test]
async fn a_new_post_is_emailed_once_to_each_confirmed_subscriber_and_one_click_unsubscribes() {
    let app = newsletter_server().await;
    let queue = JobQueue::new(app.db.clone());
    confirmed_subscribers(&app.db, 3).await;
    exec(&app.db, "INSERT INTO subscribers (email, status, created_at) VALUES ('pending@example.org', 'pending', '2026-01-01T00:00:00Z'), ('gone@example.org', 'unsubscribed', '2026-01-01T00:00:00Z')").await;
    app.create_post(PostSpec::published("An old post", 30))
        .await;
    let mut spec = PostSpec::published("Scheduled news", 0);
    spec.body = "Read [the archive](/search?q=x) and ![a chart](/media/chart.png).";
    spec.published_at = Some(Utc::now() + chrono::Duration::milliseconds(1500));
    let post = app.create_post(spec).await;
    // Not public yet: nothing to send.
    assert!(app::ssr::newsletter::sweep(&queue, Utc::now())
        .await
        .unwrap()
        .is_empty());
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let swept = app::ssr::newsletter::sweep(&queue, Utc::now())
        .await
        .unwrap();
    if swept.is_empty() {
        // One of the server's own sweeps (the minute's, or the one the old post's publication
        // queued, when the machine is slow enough to run it after the scheduled time) took
        // the post first: each post is taken once, whoever sweeps first.
        assert_eq!(
            scalar(
                &app.db,
                &format!("SELECT COUNT(*) FROM newsletters WHERE post_id = {post}")
            )
            .await,
            1,
            "the post became public but no sweep took it"
        );
    } else {
        assert_eq!(swept, vec![post]);
    }
    let mail = app._database.mail_dir();
    wait_until("the newsletter", Duration::from_secs(20), async || {
        text(
            &app.db,
            &format!("SELECT status FROM newsletters WHERE post_id = {post}"),
        )
        .await
            == "sent"
    })
    .await;
    let messages = newsletters_in(&mail);
    assert_eq!(messages.len(), 3, "the confirmed subscribers only");
    // The post's admin page tells how far it got.
    app.create_user(
        "admin@example.org",
        "admin",
        "velvet-orbit-lantern-42",
        app::domain::Role::Administrator,
    )
    .await;
    app.login("admin@example.org", "velvet-orbit-lantern-42")
        .await;
    let form: app::model::admin::PostForm = app
        .get(&format!("/_fn/admin/posts/form?id={post}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        form.newsletter.as_deref(),
        Some("Sent to 3 of 3 subscribers")
    );
    // Sweeping again (or after a restart) sends nothing more.
    assert!(app::ssr::newsletter::sweep(&queue, Utc::now())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        scalar(
            &app.db,
            "SELECT COUNT(*) FROM newsletter_deliveries WHERE status = 'sent'"
        )
        .await,
        3
    );
    let raw = messages
        .iter()
        .find(|m| m.contains("reader0@example.org"))
        .expect("reader0's copy");
    let decoded_message = decoded(raw);
    let message = &decoded_message;
    assert!(message.contains("multipart/alternative") && message.contains("text/html"));
    assert!(message.contains("Scheduled news"));
    assert!(
        message.contains("https://blog.example.org/media/chart.png"),
        "absolute image"
    );
    assert!(!message.contains("src=\"/media"), "no relative links left");
    assert_eq!(
        header_value(raw, "List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let one_click = header_value(raw, "List-Unsubscribe")
        .expect("List-Unsubscribe")
        .trim_matches(|c| c == '<' || c == '>')
        .to_string();
    let path = one_click
        .strip_prefix("https://blog.example.org")
        .expect("an address on the site")
        .to_string();
    // The visible link opens the subscriber's page: their choice and an Unsubscribe button.
    let page = path.trim_end_matches("one-click").to_string();
    assert!(message.contains(&format!("https://blog.example.org{page}")));
    let (status, html) = app.get_text(&page).await;
    assert_eq!(status, 200);
    assert!(html.contains("reader0@example.org gets every new post by email."));
    assert!(html.contains(">Unsubscribe</button>"), "{html}");
    // A mail provider's one-click POST: no cookie, no Origin, no CSRF token.
    let bare = reqwest::Client::new();
    let parts: Vec<&str> = path.split('/').collect();
    assert_eq!(parts.len(), 6, "{path}");
    let forged = format!(
        "/newsletter/unsubscribe/{}/{}/one-click",
        parts[3],
        "0".repeat(64)
    );
    let response = bare
        .post(format!("{}{forged}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404, "a forged signature does nothing");
    let response = bare
        .post(format!("{}{path}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        text(
            &app.db,
            "SELECT status FROM subscribers WHERE email = 'reader0@example.org'"
        )
        .await,
        "unsubscribed"
    );
    // Afterwards the page says so, and offers to subscribe again.
    let (status, html) = app.get_text(&page).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("reader0@example.org is unsubscribed"),
        "{html}"
    );
    assert!(!html.contains(">Unsubscribe</button>"));
}

#[tokio::test]
async fn a_worker_killed_half_way_resumes_the_newsletter_and_nobody_gets_it_twice() {
    let database = Arc::new(TestDatabase::create(backend()).await);
    let db = Db::connect(&database.url).await.unwrap();
    db.migrate().await.unwrap();
    let queue = JobQueue::new(db.clone());
    // The first sweep marks the start; a post published after it is due.
    app::ssr::newsletter::sweep(&queue, Utc::now())
        .await
        .unwrap();
    let total = 300;
    confirmed_subscribers(&db, total).await;
    let events = app::ssr::posts::PostEvents::new();
    let post = app::ssr::posts::Posts::new(&db, &events)
        .import(
            app::ssr::posts::write::ImportedPost {
                author: ("ann".into(), "ann".into()),
                author_email: None,
                category: "News".into(),
                title: "Big news".into(),
                slug: None,
                byline: None,
                body: app::ssr::posts::rules::PostBody::Markdown("Text.".into()),
                meta_description: None,
                status: PostStatus::Published,
                published_at: Some(Utc::now()),
                aliases: Vec::new(),
                tags: Vec::new(),
                kind: app::domain::PostKind::Post,
                nav_order: None,
            },
            Utc::now(),
        )
        .await
        .unwrap()
        .id();
    assert_eq!(
        app::ssr::newsletter::sweep(&queue, Utc::now() + chrono::Duration::seconds(1))
            .await
            .unwrap(),
        vec![post]
    );
    let settings = [
        ("FOLIO_JOB_POLL_SECONDS", "0.05"),
        ("FOLIO_JOB_LEASE_SECONDS", "1"),
        ("FOLIO_MAIL_RATE", "100"),
    ];
    let mail = database.mail_dir();
    let mut first = ServerProcess::start_on(database.clone(), "worker", &settings).await;
    wait_until("some deliveries", Duration::from_secs(30), async || {
        newsletters_in(&mail).len() >= 40
    })
    .await;
    first.kill();
    let interrupted = newsletters_in(&mail).len();
    assert!(interrupted < total, "killed half-way ({interrupted} sent)");
    let _second = ServerProcess::start_on(database.clone(), "worker", &settings).await;
    wait_until(
        "the newsletter to finish",
        Duration::from_secs(60),
        async || {
            text(
                &db,
                &format!("SELECT status FROM newsletters WHERE post_id = {post}"),
            )
            .await
                == "sent"
        },
    )
    .await;
    assert_eq!(newsletters_in(&mail).len(), total, "each subscriber once");
    assert_eq!(
        scalar(
            &db,
            "SELECT COUNT(*) FROM newsletter_deliveries WHERE status = 'sent'"
        )
        .await,
        total as i64
    );
    assert_eq!(read_emails(&mail).len(), total, "nothing else was written");
    db.close().await;
}
