//! Comments and permissions over HTTP: pending until approved, visible to their author, plain
//! text; every mutating endpoint refuses anonymous callers and the wrong role.

use app::domain::Role;
use app::error::AppError;
use app::model::CommentView;

use crate::helpers::{PostSpec, TestApp};

const GOOD: &str = "velvet-orbit-lantern-42";

async fn comments(client: &reqwest::Client, app: &TestApp, post_id: i64) -> Vec<CommentView> {
    let response = client
        .get(format!("{}/_fn/comments?post_id={post_id}", app.address))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_comment_waits_for_moderation_and_is_shown_escaped() {
    let app = TestApp::spawn().await;
    let post = app.create_post(PostSpec::published("Hello", 1)).await;
    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    app.create_user("ed@example.org", "ed", GOOD, Role::Editor)
        .await;
    app.login("ada@example.org", GOOD).await;
    let body = "<script>alert('x')</script> & friends";
    let response = app
        .call_ok(
            "comments/add",
            &[("post_id", &post.to_string()), ("body", body)],
        )
        .await;
    let id: i64 = response.json().await.unwrap();

    let own = comments(&app.client, &app, post).await;
    assert_eq!(own.len(), 1);
    assert!(!own[0].is_approved && own[0].is_own);
    let anonymous = app.other_client();
    assert!(
        comments(&anonymous.client, &app, post).await.is_empty(),
        "pending comments are private"
    );

    // The post page shows it to its author, marked and escaped.
    let path = format!(
        "/{}/hello/",
        (chrono::Utc::now() - chrono::Duration::days(1)).format("%Y/%m/%d")
    );
    let (status, html) = app.get_text(&path).await;
    assert_eq!(status, 200);
    assert!(html.contains("Awaiting approval"));
    assert!(
        html.contains("&lt;script&gt;alert") && !html.contains("<script>alert('x')"),
        "escaped"
    );

    let editor = app.other_client();
    editor
        .call(
            "accounts/login",
            &[("email", "ed@example.org"), ("password", GOOD)],
        )
        .await;
    let response = editor
        .call(
            "comments/moderate",
            &[("id", &id.to_string()), ("approved", "true")],
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let public = comments(&anonymous.client, &app, post).await;
    assert_eq!(public.len(), 1);
    assert!(public[0].is_approved && !public[0].is_own);
    assert_eq!(
        public[0].body, body,
        "stored as typed, escaped only when shown"
    );
}

#[tokio::test]
async fn comments_are_checked_and_only_for_public_posts() {
    let app = TestApp::spawn().await;
    let post = app.create_post(PostSpec::published("Hello", 1)).await;
    let mut draft = PostSpec::published("Draft", 1);
    draft.status = app::domain::PostStatus::Draft;
    let draft = app.create_post(draft).await;
    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    app.login("ada@example.org", GOOD).await;
    let (status, error) = app
        .call_err(
            "comments/add",
            &[("post_id", &post.to_string()), ("body", "   ")],
        )
        .await
        .unwrap();
    assert_eq!((status, error.field_messages("body").len()), (400, 1));
    let long = "x".repeat(5001);
    let (status, _) = app
        .call_err(
            "comments/add",
            &[("post_id", &post.to_string()), ("body", &long)],
        )
        .await
        .unwrap();
    assert_eq!(status, 400);
    let (status, error) = app
        .call_err(
            "comments/add",
            &[("post_id", &draft.to_string()), ("body", "hi")],
        )
        .await
        .unwrap();
    assert_eq!((status, error), (404, AppError::NotFound));
    let mut conn = app.db.acquire().await.unwrap();
    let n: i64 = app::on_conn!(conn.conn(), |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM comments"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn every_mutating_endpoint_refuses_anonymous_callers_and_the_wrong_role() {
    let app = TestApp::spawn().await;
    let post = app.create_post(PostSpec::published("Hello", 1)).await;
    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    app.create_user("bob@example.org", "bob", GOOD, Role::Author)
        .await;
    let ada = app.other_client();
    ada.call(
        "accounts/login",
        &[("email", "ada@example.org"), ("password", GOOD)],
    )
    .await;
    let id: i64 = ada
        .call(
            "comments/add",
            &[("post_id", &post.to_string()), ("body", "mine")],
        )
        .await
        .json()
        .await
        .unwrap();
    let id = id.to_string();

    // Anonymous: 401 everywhere.
    let anonymous: &[(&str, &[(&str, &str)])] = &[
        (
            "accounts/password/change",
            &[
                ("old_password", GOOD),
                ("new_password", "x-y-z-1234567"),
                ("new_password_confirm", "x-y-z-1234567"),
            ],
        ),
        (
            "accounts/profile",
            &[("display_name", "x"), ("bio", ""), ("avatar_url", "")],
        ),
        ("accounts/verify/resend", &[]),
        ("comments/add", &[("post_id", "1"), ("body", "hi")]),
        ("comments/delete", &[("id", &id)]),
        ("comments/moderate", &[("id", &id), ("approved", "true")]),
    ];
    for (endpoint, form) in anonymous {
        let (status, error) = app
            .call_err(endpoint, form)
            .await
            .unwrap_or_else(|| panic!("{endpoint} accepted an anonymous call"));
        assert_eq!((status, error), (401, AppError::Unauthorized), "{endpoint}");
    }

    // Wrong role: a reader and an author cannot moderate, nor delete someone else's comment.
    for (email, who) in [("bob@example.org", "author")] {
        app.login(email, GOOD).await;
        let (status, _) = app
            .call_err("comments/moderate", &[("id", &id), ("approved", "true")])
            .await
            .unwrap();
        assert_eq!(status, 403, "{who} moderating");
        let (status, _) = app
            .call_err("comments/delete", &[("id", &id)])
            .await
            .unwrap();
        assert_eq!(status, 403, "{who} deleting another's comment");
    }
    let response = ada
        .call("comments/moderate", &[("id", &id), ("approved", "true")])
        .await;
    assert_eq!(response.status().as_u16(), 403, "reader moderating");
    // The comment is untouched; its author can delete it.
    let own = comments(&ada.client, &app, post).await;
    assert_eq!(own.len(), 1);
    assert!(!own[0].is_approved);
    let response = ada.call("comments/delete", &[("id", &id)]).await;
    assert!(response.status().is_success());
    assert!(comments(&ada.client, &app, post).await.is_empty());
}
