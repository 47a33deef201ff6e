//! The posts wing's change events (issue 13): every write path — REST API, admin form, bulk
//! action, inline edit, editor save, publish, schedule, restore, import, delete — sends exactly
//! one event per post it changed, with what the post was before and after; a refused or
//! rolled-back write sends none.

use app::domain::{PostStatus, Role};
use app::model::editor::{EditorPost, Saved};
use app::ssr::posts::{PostChange, PostEvent};
use serde_json::{json, Value};
use tokio::sync::broadcast::Receiver;

use crate::helpers::{PostSpec, TestApp};

const PASSWORD: &str = "velvet-orbit-lantern-42";

/// Everything sent since the last call.
fn drain(events: &mut Receiver<PostEvent>) -> Vec<PostEvent> {
    let mut out = Vec::new();
    while let Ok(event) = events.try_recv() {
        out.push(event);
    }
    out
}

/// The one event sent since the last call (fails when there is not exactly one).
fn one(events: &mut Receiver<PostEvent>, what: &str) -> PostEvent {
    let mut sent = drain(events);
    assert_eq!(sent.len(), 1, "{what}: {sent:#?}");
    sent.remove(0)
}

async fn json_call(app: &TestApp, endpoint: &str, body: Value) -> reqwest::Response {
    app.client
        .post(format!("{}/_fn/{endpoint}", app.address))
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .json(&body)
        .send()
        .await
        .expect("request")
}

async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Value,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", app.address));
    if !token.is_empty() {
        request = request.header("authorization", format!("Token {token}"));
    }
    let response = request.json(&body).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn open(app: &TestApp, id: i64) -> EditorPost {
    app.get(&format!("/_fn/editor/open?id={id}"))
        .await
        .json()
        .await
        .expect("editor post")
}

#[tokio::test]
async fn every_write_path_sends_exactly_one_event() {
    let app = TestApp::spawn().await;
    let mut events = app.events.subscribe();
    app.create_user("ed@example.org", "ed", PASSWORD, Role::Editor)
        .await;
    app.login("ed@example.org", PASSWORD).await;

    // Import.
    let imported = app.create_post(PostSpec::published("Imported", 3)).await;
    let event = one(&mut events, "import");
    assert_eq!(
        (event.change, event.post_id),
        (PostChange::Created, imported)
    );
    let after = event.after.expect("after");
    assert_eq!(after.title, "Imported");
    assert!(after
        .path
        .as_deref()
        .is_some_and(|p| p.ends_with("/imported/")));
    let category_id = after.category_id;

    // REST API: create, change, delete.
    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        "/api/auth/token/",
        "",
        json!({"email": "ed@example.org", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let token = body["token"].as_str().unwrap().to_string();
    let (status, created) = api(
        &app,
        reqwest::Method::POST,
        "/api/posts/",
        &token,
        json!({"title": "Through the API", "body": "Text.", "category_id": category_id}),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let api_id = created["id"].as_i64().unwrap();
    let event = one(&mut events, "API create");
    assert_eq!((event.change, event.post_id), (PostChange::Created, api_id));
    assert_eq!(event.after.unwrap().status, PostStatus::Draft);
    let slug = created["slug"].as_str().unwrap().to_string();
    let (status, _) = api(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/posts/{slug}/"),
        &token,
        json!({"title": "Through the API, changed"}),
    )
    .await;
    assert_eq!(status, 200);
    let event = one(&mut events, "API change");
    assert_eq!(event.change, PostChange::Updated);
    assert_eq!(event.before.unwrap().title, "Through the API");
    assert_eq!(event.after.unwrap().title, "Through the API, changed");
    // A refused write sends nothing: an unknown category.
    let (status, _) = api(
        &app,
        reqwest::Method::PATCH,
        &format!("/api/posts/{slug}/"),
        &token,
        json!({"category_id": 999_999}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(drain(&mut events).is_empty(), "refused: no event");

    // Admin form: create, then change.
    let form: Value = app.get("/_fn/admin/posts/form").await.json().await.unwrap();
    let fields = |title: &str, id: Option<i64>, version: &str| {
        let mut fields = vec![
            ("title", title.to_string()),
            ("slug", String::new()),
            ("author", "ed".to_string()),
            ("category_id", category_id.to_string()),
            ("body", "Hello **world**".to_string()),
            ("status", "DRAFT".to_string()),
            ("published_at", String::new()),
            ("meta_description", String::new()),
            ("version", version.to_string()),
            ("after", "save".to_string()),
        ];
        if let Some(id) = id {
            fields.push(("id", id.to_string()));
        }
        fields
    };
    let save = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let borrowed: Vec<(&str, &str)> =
                fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call("admin/posts/save", &borrowed).await
        }
    };
    assert!(form["id"].is_null());
    let response = save(fields("From the form", None, "")).await;
    assert!(response.status().as_u16() < 400, "{}", response.status());
    let event = one(&mut events, "admin form create");
    assert_eq!(event.change, PostChange::Created);
    let form_id = event.post_id;
    let form: Value = app
        .get(&format!("/_fn/admin/posts/form?id={form_id}"))
        .await
        .json()
        .await
        .unwrap();
    let version = form["version"].as_str().unwrap().to_string();
    save(fields("From the form, changed", Some(form_id), &version)).await;
    let event = one(&mut events, "admin form change");
    assert_eq!(
        (event.change, event.post_id),
        (PostChange::Updated, form_id)
    );
    // A stale form sends nothing.
    let response = save(fields("Stale", Some(form_id), &version)).await;
    assert_eq!(response.status().as_u16(), 409);
    assert!(drain(&mut events).is_empty(), "stale: no event");

    // Bulk action: publish two drafts at once, one event each.
    let response = app
        .call(
            "admin/action",
            &[
                ("model", "Posts"),
                ("action", "publish"),
                ("ids", &format!("{api_id},{form_id}")),
                ("select_across", "false"),
                ("query", ""),
            ],
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    let mut sent = drain(&mut events);
    sent.sort_by_key(|e| e.post_id);
    assert_eq!(sent.len(), 2, "{sent:#?}");
    for event in &sent {
        assert_eq!(event.change, PostChange::Published);
        let after = event.after.as_ref().unwrap();
        assert_eq!(after.status, PostStatus::Published);
        assert!(after.published_at.is_some() && after.path.is_some());
    }

    // Inline edit: back to draft.
    let response = app
        .call(
            "admin/posts/statuses",
            &[("changes", &format!("{form_id}:DRAFT"))],
        )
        .await;
    assert!(response.status().is_success());
    let event = one(&mut events, "inline edit");
    assert_eq!(
        (event.change, event.post_id),
        (PostChange::Unpublished, form_id)
    );

    // Editor: save, publish, unpublish, schedule, restore.
    let post = open(&app, form_id).await;
    let saved: Saved = json_call(
        &app,
        "editor/save",
        json!({"id": form_id, "version": post.version, "checkpoint": true, "draft": {
            "title": "Edited in the editor", "body": "<p>New text.</p>", "slug": post.slug,
            "category_id": post.category_id, "meta_description": "", "featured_image_id": null}}),
    )
    .await
    .json()
    .await
    .unwrap();
    let event = one(&mut events, "editor save");
    assert_eq!(event.change, PostChange::Updated);
    assert_eq!(event.after.unwrap().title, "Edited in the editor");
    let publish = |version: String, action: Value| {
        let app = &app;
        async move {
            json_call(
                app,
                "editor/publish",
                json!({"id": form_id, "version": version, "action": action}),
            )
            .await
            .json::<Saved>()
            .await
            .unwrap()
        }
    };
    let published = publish(saved.version, json!("Now")).await;
    assert_eq!(
        one(&mut events, "editor publish").change,
        PostChange::Published
    );
    let unpublished = publish(published.version, json!("Unpublish")).await;
    assert_eq!(
        one(&mut events, "editor unpublish").change,
        PostChange::Unpublished
    );
    let at = chrono::Utc::now() + chrono::Duration::days(2);
    let scheduled = publish(unpublished.version, json!({ "Schedule": at })).await;
    let event = one(&mut events, "editor schedule");
    assert_eq!(event.change, PostChange::Published);
    let after = event.after.unwrap();
    assert!(after.published_at.unwrap() > chrono::Utc::now() + chrono::Duration::days(1));
    assert!(
        !after.is_public_at(chrono::Utc::now()),
        "scheduled, not public yet"
    );
    let revisions: Vec<Value> = app
        .get(&format!("/_fn/editor/revisions?id={form_id}"))
        .await
        .json()
        .await
        .unwrap();
    let oldest = revisions.last().unwrap()["id"].as_i64().unwrap();
    let response = json_call(
        &app,
        "editor/restore",
        json!({"id": form_id, "revision": oldest, "version": scheduled.version}),
    )
    .await;
    assert!(response.status().is_success(), "{}", response.status());
    let event = one(&mut events, "editor restore");
    assert_eq!(event.change, PostChange::Updated);
    assert_eq!(event.after.unwrap().title, "From the form, changed");

    // Deletes: the API, the admin's delete page, a bulk delete.
    let (status, _) = api(
        &app,
        reqwest::Method::DELETE,
        &format!("/api/posts/{slug}/"),
        &token,
        Value::Null,
    )
    .await;
    assert_eq!(status, 204);
    let event = one(&mut events, "API delete");
    assert_eq!((event.change, event.post_id), (PostChange::Deleted, api_id));
    assert!(event.before.is_some() && event.after.is_none());
    let response = app
        .call(
            "admin/delete",
            &[("model", "Posts"), ("id", &form_id.to_string())],
        )
        .await;
    assert!(response.status().is_success());
    assert_eq!(one(&mut events, "admin delete").change, PostChange::Deleted);
    let response = app
        .call(
            "admin/action",
            &[
                ("model", "Posts"),
                ("action", "delete"),
                ("ids", &imported.to_string()),
                ("select_across", "false"),
                ("query", ""),
            ],
        )
        .await;
    assert!(response.status().is_success());
    assert_eq!(
        one(&mut events, "bulk delete").post_id,
        imported,
        "one event per post"
    );
}

#[tokio::test]
async fn a_rolled_back_write_sends_no_event() {
    let app = TestApp::spawn().await;
    app.create_user("ed@example.org", "ed", PASSWORD, Role::Editor)
        .await;
    app.login("ed@example.org", PASSWORD).await;
    // Two drafts with one slug and no date: publishing both at once would give them one
    // address, so the bulk action fails on the unique index and rolls back.
    let mut ids = Vec::new();
    for _ in 0..2 {
        let id = app.create_draft().await;
        let post = open(&app, id).await;
        let response = json_call(
            &app,
            "editor/save",
            json!({"id": id, "version": post.version, "checkpoint": false, "draft": {
                "title": "Twin", "body": "", "slug": "twin", "category_id": post.category_id,
                "meta_description": "", "featured_image_id": null}}),
        )
        .await;
        assert!(response.status().is_success());
        ids.push(id);
    }
    let mut events = app.events.subscribe();
    let response = app
        .call(
            "admin/action",
            &[
                ("model", "Posts"),
                ("action", "publish"),
                ("ids", &format!("{},{}", ids[0], ids[1])),
                ("select_across", "false"),
                ("query", ""),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 409);
    assert!(drain(&mut events).is_empty(), "rolled back: no event");
    let mut conn = app.db.acquire().await.unwrap();
    let published: i64 = app::on_conn!(conn.conn(), |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM posts WHERE status = 'PUBLISHED' AND slug = 'twin'"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert_eq!(published, 0, "nothing was published");
}
