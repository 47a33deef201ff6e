//! Subscribers' choices and the ways to subscribe and manage them: categories, the signed
//! manage page, the profile, `POST/GET /api/subscribers/`, the admin's CSV export and category
//! filter, "publish without emailing", the editor's progress and retrying failed deliveries.

use std::time::Duration;

use app::domain::Role;
use app::error::AppError;
use app::model::newsletter::{NewsletterProgress, Subscription};
use app::ssr::jobs::JobQueue;
use chrono::Utc;
use serde_json::json;

use crate::editor::json_call;
use crate::helpers::{PostSpec, TestApp};
use crate::newsletter::{exec, newsletters_in, scalar, text, wait_until};

const GOOD: &str = "velvet-orbit-lantern-42";

/// A server whose first publish sweep has run (posts public before it are never emailed), with
/// an old post in each of the categories News and Rust.
async fn newsletter_site() -> TestApp {
    let app = crate::newsletter::newsletter_server().await;
    app.create_post(PostSpec::published("Old news", 30)).await;
    let mut rust = PostSpec::published("Old rust", 30);
    rust.category = "Rust";
    app.create_post(rust).await;
    app
}

/// Subscribes `email` to `categories` through the site's form and confirms it with the emailed
/// link (the `n`-th email).
async fn subscribe_and_confirm(app: &TestApp, email: &str, categories: &[&str], n: usize) {
    let mut form = vec![("email", email)];
    form.extend(categories.iter().map(|c| ("categories[]", *c)));
    app.call_ok("newsletter/subscribe", &form).await;
    let link = app.wait_for_link(n, "/newsletter/confirm/").await;
    let token = link
        .trim_start_matches("/newsletter/confirm/")
        .trim_end_matches('/')
        .to_string();
    app.call_ok("newsletter/confirm", &[("token", &token)])
        .await;
}

/// Publishes a post in `category` now and waits until its newsletter is sent; its id.
async fn publish_and_send(app: &TestApp, title: &str, category: &str) -> i64 {
    let mut spec = PostSpec::published(title, 0);
    spec.category = category;
    let id = app.create_post(spec).await;
    let queue = JobQueue::new(app.db.clone());
    app::ssr::newsletter::sweep(&queue, Utc::now())
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while scalar(
        &app.db,
        &format!("SELECT COUNT(*) FROM newsletters WHERE post_id = {id} AND status = 'sent'"),
    )
    .await
        != 1
    {
        if std::time::Instant::now() > deadline {
            let jobs = text(
                &app.db,
                "SELECT COALESCE(GROUP_CONCAT(kind || ':' || status || ':' || COALESCE(last_error, ''), ' | '), '') FROM jobs",
            )
            .await;
            panic!("timed out waiting for the newsletter of post {id}; jobs: {jobs}");
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    id
}

/// The addresses a post's newsletter files went to.
fn recipients_of(app: &TestApp, title: &str) -> Vec<String> {
    let mut to: Vec<String> = newsletters_in(&app._database.mail_dir())
        .into_iter()
        .filter(|m| m.contains(&format!("Subject: {title}")))
        .filter_map(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("To: ").map(str::to_string))
        })
        .collect();
    to.sort();
    to
}

#[tokio::test]
async fn subscribers_get_only_the_categories_they_chose_and_change_them_by_their_link() {
    let app = newsletter_site().await;
    subscribe_and_confirm(&app, "rusty@example.org", &["rust"], 1).await;
    subscribe_and_confirm(&app, "everything@example.org", &[], 2).await;
    assert_eq!(
        scalar(
            &app.db,
            "SELECT COUNT(*) FROM subscribers WHERE status = 'confirmed' AND all_posts = FALSE"
        )
        .await,
        1
    );
    // Bad input: an unknown category is a field error and stores nothing.
    let (status, error) = app
        .call_err(
            "newsletter/subscribe",
            &[("email", "third@example.org"), ("categories[]", "nope")],
        )
        .await
        .expect("refused");
    assert_eq!(status, 400);
    assert!(!error.field_messages("categories").is_empty(), "{error:?}");
    assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM subscribers").await, 2);

    publish_and_send(&app, "Town news", "News").await;
    assert_eq!(recipients_of(&app, "Town news"), ["everything@example.org"]);
    publish_and_send(&app, "Borrowing explained", "Rust").await;
    assert_eq!(
        recipients_of(&app, "Borrowing explained"),
        ["everything@example.org", "rusty@example.org"]
    );

    // The link in the newsletter opens the manage page: the choice, ticked, and a way out.
    let message = newsletters_in(&app._database.mail_dir())
        .into_iter()
        .find(|m| m.contains("To: rusty@example.org"))
        .expect("rusty's newsletter");
    let message = crate::newsletter::decoded(&message);
    let start = message
        .find("href=\"https://blog.example.org/newsletter/unsubscribe/")
        .expect("the manage link")
        + "href=\"https://blog.example.org".len();
    let end = start + message[start..].find(['"', '\r', '\n']).unwrap();
    let page = message[start..end].to_string();
    let (status, html) = app.get_text(&page).await;
    assert_eq!(status, 200);
    assert!(html.contains("gets new posts in Rust"), "{html}");
    assert!(html.contains(r#"value="rust" checked"#), "{html}");
    let parts: Vec<&str> = page.trim_end_matches('/').split('/').collect();
    let (id, signature) = (parts[3], parts[4]);
    // Another subscriber's id with this signature changes nothing.
    let (status, _) = app
        .call_err(
            "newsletter/update",
            &[
                ("id", "2"),
                ("signature", signature),
                ("categories[]", "news"),
            ],
        )
        .await
        .expect("a forged link is refused");
    assert_eq!(status, 404);
    app.call_ok(
        "newsletter/update",
        &[
            ("id", id),
            ("signature", signature),
            ("categories[]", "news"),
        ],
    )
    .await;
    let subscription: Subscription = app
        .get(&format!(
            "/_fn/newsletter/subscription?id={id}&signature={signature}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert!(!subscription.all_posts);
    assert_eq!(subscription.categories, ["news"]);
    // No category ticked: every post again.
    app.call_ok("newsletter/update", &[("id", id), ("signature", signature)])
        .await;
    assert_eq!(
        scalar(
            &app.db,
            &format!("SELECT COUNT(*) FROM subscriber_categories WHERE subscriber_id = {id}")
        )
        .await,
        0
    );
    assert_eq!(
        text(
            &app.db,
            "SELECT CASE WHEN all_posts THEN 'all' ELSE 'some' END FROM subscribers WHERE email = 'rusty@example.org'"
        )
        .await,
        "all"
    );
}

#[tokio::test]
async fn signed_in_readers_subscribe_from_their_profile() {
    let app = newsletter_site().await;
    app.create_user("reader@example.org", "reader", GOOD, Role::Reader)
        .await;
    app.login("reader@example.org", GOOD).await;
    let mine: Option<Subscription> = app.get("/_fn/newsletter/mine").await.json().await.unwrap();
    assert_eq!(mine, None);
    let (status, html) = app.get_text("/accounts/profile/").await;
    assert_eq!(status, 200);
    assert!(html.contains("New posts by email"), "{html}");
    // A verified address is subscribed at once: it was confirmed when the account was made.
    app.call_ok("newsletter/subscribe-me", &[("categories[]", "rust")])
        .await;
    let mine: Option<Subscription> = app.get("/_fn/newsletter/mine").await.json().await.unwrap();
    let mine = mine.expect("subscribed");
    assert_eq!(mine.status, "confirmed");
    assert_eq!(mine.categories, ["rust"]);
    assert!(mine.manage_path.starts_with("/newsletter/unsubscribe/"));
    assert!(app.emails().is_empty(), "no email needed");
    publish_and_send(&app, "Lifetimes", "Rust").await;
    assert_eq!(recipients_of(&app, "Lifetimes"), ["reader@example.org"]);

    // An unverified account goes through the emailed confirmation like anyone.
    let other = app.other_client();
    app.create_user("new@example.org", "newbie", GOOD, Role::Reader)
        .await;
    exec(
        &app.db,
        "UPDATE users SET is_verified = FALSE WHERE username = 'newbie'",
    )
    .await;
    let login = other
        .call(
            "accounts/login",
            &[("email", "new@example.org"), ("password", GOOD)],
        )
        .await;
    assert!(login.status().is_success() || login.status().is_redirection());
    let asked = other.call("newsletter/subscribe-me", &[]).await;
    assert!(asked.status().is_success() || asked.status().is_redirection());
    wait_until(
        "the confirmation email",
        Duration::from_secs(10),
        async || {
            app.emails().iter().any(|m| {
                m.contains("To: new@example.org")
                    && m.contains("https://blog.example.org/newsletter/confirm/")
            })
        },
    )
    .await;
    assert_eq!(
        text(
            &app.db,
            "SELECT status FROM subscribers WHERE email = 'new@example.org'"
        )
        .await,
        "pending"
    );
    // Not signed in: refused.
    let anonymous = reqwest::Client::new()
        .get(format!("{}/_fn/newsletter/mine", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn the_api_subscribes_anyone_and_lists_subscribers_to_administrators_only() {
    let app = newsletter_site().await;
    let api = reqwest::Client::new();
    let post = |body: serde_json::Value| {
        api.post(format!("{}/api/subscribers/", app.address))
            .json(&body)
            .send()
    };
    let response = post(json!({ "email": "api@example.org", "categories": ["rust"] }))
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("confirmation link"));
    app.wait_for_link(1, "/newsletter/confirm/").await;
    // Bad input: DRF-shaped field errors, nothing stored.
    for (body, field) in [
        (json!({ "email": "nope" }), "email"),
        (json!({}), "email"),
        (
            json!({ "email": "x@example.org", "categories": ["missing"] }),
            "categories",
        ),
        (
            json!({ "email": "x@example.org", "categories": "rust" }),
            "categories",
        ),
        // A character PostgreSQL refuses in text: a field error, not a failure.
        (
            json!({ "email": "x@example.org", "categories": ["ru\u{0}st"] }),
            "categories",
        ),
    ] {
        let response = post(body.clone()).await.unwrap();
        assert_eq!(response.status(), 400, "{body}");
        let errors: serde_json::Value = response.json().await.unwrap();
        assert!(errors.get(field).is_some(), "{body}: {errors}");
    }
    assert_eq!(scalar(&app.db, "SELECT COUNT(*) FROM subscribers").await, 1);

    // The list: administrators only.
    let list = |token: Option<String>| {
        let mut request = api.get(format!("{}/api/subscribers/?status=pending", app.address));
        if let Some(token) = token {
            request = request.header("authorization", format!("Token {token}"));
        }
        request.send()
    };
    assert_eq!(list(None).await.unwrap().status(), 401);
    let token_of = async |email: &str, username: &str, role: Role| {
        app.create_user(email, username, GOOD, role).await;
        let response = api
            .post(format!("{}/api/auth/token/", app.address))
            .json(&json!({ "email": email, "password": GOOD }))
            .send()
            .await
            .unwrap();
        let body: serde_json::Value = response.json().await.unwrap();
        body["token"].as_str().expect("a token").to_string()
    };
    let editor = token_of("editor@example.org", "editor", Role::Editor).await;
    assert_eq!(list(Some(editor)).await.unwrap().status(), 403);
    let admin = token_of("admin@example.org", "admin", Role::Administrator).await;
    let response = list(Some(admin.clone())).await.unwrap();
    assert_eq!(response.status(), 200);
    let page: serde_json::Value = response.json().await.unwrap();
    assert_eq!(page["count"], 1);
    let first = &page["results"][0];
    assert_eq!(first["email"], "api@example.org");
    assert_eq!(first["status"], "pending");
    assert_eq!(first["all_posts"], false);
    assert_eq!(first["categories"], json!(["rust"]));
    let response = api
        .get(format!("{}/api/subscribers/?status=gone", app.address))
        .header("authorization", format!("Token {admin}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn administrators_export_and_filter_subscribers() {
    let app = newsletter_site().await;
    subscribe_and_confirm(&app, "rusty@example.org", &["rust"], 1).await;
    exec(
        &app.db,
        "INSERT INTO subscribers (email, status, created_at) VALUES \
         ('=cmd@example.org', 'pending', '2026-01-02T00:00:00Z'), \
         ('left@example.org', 'unsubscribed', '2026-01-03T00:00:00Z')",
    )
    .await;
    // Not signed in: to the sign-in page, and back here after.
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = bare
        .get(format!(
            "{}/admin/subscribers/export.csv?status=confirmed",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection());
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        location,
        "/accounts/login/?next=/admin/subscribers/export.csv%3Fstatus%3Dconfirmed"
    );
    // An editor may not see subscribers.
    app.create_user("editor@example.org", "editor", GOOD, Role::Editor)
        .await;
    app.login("editor@example.org", GOOD).await;
    assert_eq!(app.get("/admin/subscribers/export.csv").await.status(), 403);
    app.create_user("admin@example.org", "admin", GOOD, Role::Administrator)
        .await;
    app.login("admin@example.org", GOOD).await;
    let response = app.get("/admin/subscribers/export.csv?o=email").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"subscribers-"));
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "email,status,posts,created_at,confirmed_at");
    assert_eq!(lines.len(), 4, "{csv}");
    // A formula is defused (OWASP CSV injection); the rest as the list sorts them.
    assert!(
        lines[1].starts_with("'=cmd@example.org,pending,every post,2026-01-02T00:00:00Z,"),
        "{csv}"
    );
    assert!(
        lines[2].starts_with("left@example.org,unsubscribed,"),
        "{csv}"
    );
    assert!(
        lines[3].starts_with("rusty@example.org,confirmed,1 category,"),
        "{csv}"
    );
    // The export follows the list's filters.
    let csv = app
        .get("/admin/subscribers/export.csv?status=confirmed")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 2, "{csv}");
    // The change list's category filter.
    let list: app::model::admin::ChangeList = app
        .get("/_fn/admin/list?model=Subscribers&query=category%3Drust")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.matching, 1);
    let list: app::model::admin::ChangeList = app
        .get("/_fn/admin/list?model=Subscribers&query=category%3Dall")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.matching, 2);
    // The index page counts the confirmed ones.
    let index: app::model::admin::AdminIndex =
        app.get("/_fn/admin/index").await.json().await.unwrap();
    let subscribers = index
        .areas
        .iter()
        .flat_map(|(_, models)| models)
        .find(|m| m.model == app::model::admin::AdminModel::Subscribers)
        .expect("the subscribers on the index");
    assert_eq!(subscribers.count, 3);
    assert_eq!(
        subscribers.note.as_ref().map(|(text, _)| text.as_str()),
        Some("1 confirmed")
    );
}

async fn progress(app: &TestApp, id: i64) -> Option<NewsletterProgress> {
    let response = app.get(&format!("/_fn/editor/newsletter?id={id}")).await;
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

#[tokio::test]
async fn editors_publish_without_emailing_follow_progress_and_retry_failures() {
    let app = newsletter_site().await;
    subscribe_and_confirm(&app, "one@example.org", &[], 1).await;
    subscribe_and_confirm(&app, "two@example.org", &[], 2).await;
    app.create_user("editor@example.org", "editor", GOOD, Role::Editor)
        .await;
    app.login("editor@example.org", GOOD).await;
    let queue = JobQueue::new(app.db.clone());

    // "Publish without emailing": public, and never emailed.
    let quiet = app.create_draft().await;
    let opened: app::model::editor::EditorPost = app
        .get(&format!("/_fn/editor/open?id={quiet}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(opened.newsletter, None);
    let response = json_call(
        &app,
        "editor/publish",
        json!({ "id": quiet, "version": opened.version, "action": "Now", "email": false }),
    )
    .await;
    let status = response.status();
    assert!(
        status.is_success(),
        "{status} {}",
        response.text().await.unwrap()
    );
    assert!(app::ssr::newsletter::sweep(&queue, Utc::now())
        .await
        .unwrap()
        .is_empty());
    let shown = progress(&app, quiet).await.expect("a decision is shown");
    assert_eq!(shown.status, "skipped");
    assert_eq!(shown.line, "Not emailed");

    // Published with emailing (the default): sent, and the panel's progress says so.
    let loud = app.create_draft().await;
    // Two untitled drafts would share a slug on the same day.
    exec(
        &app.db,
        &format!("UPDATE posts SET title = 'Loud news', slug = 'loud-news' WHERE id = {loud}"),
    )
    .await;
    let opened: app::model::editor::EditorPost = app
        .get(&format!("/_fn/editor/open?id={loud}"))
        .await
        .json()
        .await
        .unwrap();
    let response = json_call(
        &app,
        "editor/publish",
        json!({ "id": loud, "version": opened.version, "action": "Now" }),
    )
    .await;
    let status = response.status();
    assert!(
        status.is_success(),
        "{status} {}",
        response.text().await.unwrap()
    );
    app::ssr::newsletter::sweep(&queue, Utc::now())
        .await
        .unwrap();
    wait_until("the newsletter", Duration::from_secs(20), async || {
        progress(&app, loud)
            .await
            .is_some_and(|p| p.status == "sent")
    })
    .await;
    assert_eq!(
        progress(&app, loud).await.unwrap().line,
        "Sent to 2 of 2 subscribers"
    );
    // Nothing failed: nothing to retry.
    let (status, error) = editor_retry_err(&app, loud).await;
    assert_eq!(status, 409, "{error:?}");

    // A delivery the mail server refused for good is sent again when the editor asks.
    exec(
        &app.db,
        &format!(
            "UPDATE newsletter_deliveries SET status = 'failed', error = '550 mailbox full' \
             WHERE post_id = {loud} AND subscriber_id = (SELECT id FROM subscribers WHERE email = 'two@example.org')"
        ),
    )
    .await;
    let before = newsletters_in(&app._database.mail_dir()).len();
    let shown = progress(&app, loud).await.unwrap();
    assert!(shown.can_retry(), "{shown:?}");
    assert_eq!(shown.line, "Sent to 1 of 2 subscribers; 1 failed");
    let response = json_call(&app, "editor/newsletter/retry", json!({ "id": loud })).await;
    assert!(response.status().is_success(), "{}", response.status());
    wait_until("the retry", Duration::from_secs(20), async || {
        progress(&app, loud)
            .await
            .is_some_and(|p| p.status == "sent" && p.failed == 0)
    })
    .await;
    assert_eq!(progress(&app, loud).await.unwrap().sent, 2);
    // The same Message-ID: the file is written again, not a second one.
    assert_eq!(newsletters_in(&app._database.mail_dir()).len(), before);
}

/// The error of retrying post `id`'s newsletter in the editor.
async fn editor_retry_err(app: &TestApp, id: i64) -> (u16, AppError) {
    let response = json_call(app, "editor/newsletter/retry", json!({ "id": id })).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}
