//! The REST API at `/api/`: every endpoint, method, permission and error, with the JSON shapes
//! pinned by insta snapshots (on SQLite, and on PostgreSQL with `FOLIO_TEST_DATABASE=postgres`).

use app::domain::{PostStatus, Role};
use insta::assert_json_snapshot;
use reqwest::header::{
    HeaderMap, ACCEPT, ALLOW, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, VARY, WWW_AUTHENTICATE,
};
use serde_json::{json, Value};

use crate::helpers::{backend, PostSpec, TestApp};

const PASSWORD: &str = "correct horse battery staple";

/// A client of the API: no cookies, optionally a token.
struct Api {
    address: String,
    client: reqwest::Client,
    token: Option<String>,
}

/// An answer: status, headers, JSON body (`Null` when empty or not JSON).
struct Answer {
    status: u16,
    headers: HeaderMap,
    json: Value,
}

impl Api {
    fn new(app: &TestApp) -> Self {
        Self {
            address: app.address.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("client"),
            token: None,
        }
    }

    fn with_token(app: &TestApp, token: &str) -> Self {
        let mut api = Self::new(app);
        api.token = Some(token.to_string());
        api
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let request = match &self.token {
            Some(token) => request.header(AUTHORIZATION, format!("Token {token}")),
            None => request,
        };
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body");
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            json,
        }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(self.client.get(format!("{}{path}", self.address)))
            .await
    }

    async fn write(&self, method: reqwest::Method, path: &str, body: Value) -> Answer {
        self.send(
            self.client
                .request(method, format!("{}{path}", self.address))
                .json(&body),
        )
        .await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.write(reqwest::Method::POST, path, body).await
    }

    async fn delete(&self, path: &str) -> Answer {
        self.send(self.client.delete(format!("{}{path}", self.address)))
            .await
    }
}

/// Creates a user with `role` and returns an API client holding a token of theirs.
async fn user_with_token(app: &TestApp, email: &str, username: &str, role: Role) -> Api {
    app.create_user(email, username, PASSWORD, role).await;
    let answer = Api::new(app)
        .post(
            "/api/auth/token/",
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.json);
    Api::with_token(app, answer.json["token"].as_str().expect("token"))
}

/// The id of the category `name` (created through a post when missing).
async fn category_id(app: &TestApp, slug: &str) -> i64 {
    let mut conn = app.db.acquire().await.unwrap();
    app::ssr::db::categories::find_by_slug(conn.conn(), slug)
        .await
        .unwrap()
        .expect("category")
        .id
}

/// Redactions for values that change from run to run.
macro_rules! snapshot {
    ($name:expr, $value:expr) => {
        assert_json_snapshot!($name, $value, {
            ".**.created_at" => "[timestamp]",
            ".**.published_at" => "[timestamp]",
        })
    };
}

#[tokio::test]
async fn the_api_root_lists_the_resources() {
    let app = TestApp::spawn().await;
    let answer = Api::new(&app).get("/api/").await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json,
        json!({
            "posts": "https://blog.example.org/api/posts/",
            "categories": "https://blog.example.org/api/categories/",
            "tags": "https://blog.example.org/api/tags/",
            "comments": "https://blog.example.org/api/comments/",
            "subscribers": "https://blog.example.org/api/subscribers/",
        })
    );
    assert!(answer.headers[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let missing = Api::new(&app).get("/api/nothing-here/").await;
    assert_eq!(
        (missing.status, missing.json),
        (404, json!({"detail": "Not found."}))
    );
    // Django's APPEND_SLASH for API URLs written without the slash; the query is kept.
    let api = Api::new(&app);
    for (path, location) in [
        ("/api", "/api/"),
        ("/api/posts?page=1", "/api/posts/?page=1"),
        ("/api/posts/some-slug", "/api/posts/some-slug/"),
    ] {
        let answer = api.get(path).await;
        assert_eq!(answer.status, 301, "{path}");
        assert_eq!(answer.headers["location"], location, "{path}");
    }
    assert_eq!(api.get("/api/nothing").await.status, 404);
    assert_eq!(api.post("/api/posts", json!({})).await.status, 404);
}

#[tokio::test]
async fn posts_have_the_drf_tutorial_shape() {
    let app = TestApp::spawn().await;
    let id = app
        .create_post(PostSpec {
            body: "Hello *API* world.\n\nSecond paragraph.",
            ..PostSpec::published("Shape of a post", 2)
        })
        .await;
    let reader = app
        .create_user("rita@example.org", "rita", PASSWORD, Role::Reader)
        .await;
    let now = chrono::Utc::now();
    let mut conn = app.db.acquire_write().await.unwrap();
    let approved = app::ssr::db::comments::insert(conn.conn(), id, reader, "Nice post!", now)
        .await
        .unwrap();
    app::ssr::db::comments::set_approved(conn.conn(), approved, true)
        .await
        .unwrap();
    app::ssr::db::comments::insert(conn.conn(), id, reader, "Pending one", now)
        .await
        .unwrap();
    drop(conn);

    let detail = Api::new(&app).get("/api/posts/shape-of-a-post/").await;
    assert_eq!(detail.status, 200, "{}", detail.json);
    snapshot!("post_detail", detail.json);
    let published_at = detail.json["published_at"].as_str().unwrap();
    assert!(
        published_at.ends_with('Z') || published_at.ends_with("+00:00"),
        "{published_at}"
    );
    chrono::DateTime::parse_from_rfc3339(published_at).expect("RFC 3339");

    let list = Api::new(&app).get("/api/posts/?search=shape").await;
    snapshot!("post_list_search", list.json);
    let categories = Api::new(&app).get("/api/categories/").await;
    snapshot!("category_list", categories.json);
    let category = Api::new(&app).get("/api/categories/news/").await;
    assert_eq!(
        category.json,
        json!({"id": category.json["id"], "name": "News", "slug": "news"})
    );
    let missing = Api::new(&app).get("/api/categories/nope/").await;
    assert_eq!(
        (missing.status, missing.json),
        (
            404,
            json!({"detail": "No Category matches the given query."})
        )
    );
}

#[tokio::test]
async fn lists_paginate_as_drf() {
    let app = TestApp::spawn().await;
    // 44 posts + the welcome post = 45: pages of 20, 20, 5. ("zebra": a word the welcome post
    // lacks; "paged" would find its "pages", as the search stems.)
    for n in 0..44 {
        app.create_post(PostSpec::published(&format!("Paged zebra post {n}"), n + 1))
            .await;
    }
    let api = Api::new(&app);
    let first = api.get("/api/posts/").await;
    assert_eq!(first.json["count"], 45);
    assert_eq!(first.json["results"].as_array().unwrap().len(), 20);
    assert_eq!(first.json["previous"], Value::Null);
    assert_eq!(
        first.json["next"],
        "https://blog.example.org/api/posts/?page=2"
    );
    let second = api.get("/api/posts/?page=2").await;
    assert_eq!(
        second.json["previous"],
        "https://blog.example.org/api/posts/"
    );
    assert_eq!(
        second.json["next"],
        "https://blog.example.org/api/posts/?page=3"
    );
    let last = api.get("/api/posts/?page=last").await;
    assert_eq!(last.json["results"].as_array().unwrap().len(), 5);
    assert_eq!(last.json["next"], Value::Null);
    assert_eq!(
        last.json["previous"],
        "https://blog.example.org/api/posts/?page=2"
    );
    for bad in ["4", "0", "-1", "abc"] {
        let answer = api.get(&format!("/api/posts/?page={bad}")).await;
        assert_eq!(
            (answer.status, &answer.json),
            (404, &json!({"detail": "Invalid page."})),
            "{bad}"
        );
    }
    // Newest first, no post twice across pages.
    let mut seen = std::collections::HashSet::new();
    for page in [&first, &second, &last] {
        for post in page.json["results"].as_array().unwrap() {
            assert!(seen.insert(post["id"].as_i64().unwrap()));
        }
    }
    assert_eq!(seen.len(), 45);
    let filtered = api.get("/api/posts/?search=zebra&page=2").await;
    assert_eq!(filtered.json["count"], 44);
    assert_eq!(
        filtered.json["previous"],
        "https://blog.example.org/api/posts/?search=zebra"
    );
    assert_eq!(
        filtered.json["next"],
        "https://blog.example.org/api/posts/?page=3&search=zebra"
    );
}

#[tokio::test]
async fn search_ordering_and_category_filter() {
    let app = TestApp::spawn().await;
    app.create_post(PostSpec {
        body: "Tokio and axum",
        ..PostSpec::published("Async Rust", 3)
    })
    .await;
    app.create_post(PostSpec {
        body: "Borrowing rules",
        category: "Guides",
        ..PostSpec::published("Ownership in Rust", 2)
    })
    .await;
    app.create_post(PostSpec {
        body: "100% pure",
        ..PostSpec::published("Percent_sign", 1)
    })
    .await;
    let api = Api::new(&app);
    let titles = |answer: &Answer| -> Vec<String> {
        answer.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        titles(&api.get("/api/posts/?search=RUST").await),
        ["Ownership in Rust", "Async Rust"]
    );
    assert_eq!(
        titles(&api.get("/api/posts/?search=rust%20tokio").await),
        ["Async Rust"]
    );
    assert_eq!(
        titles(&api.get("/api/posts/?search=borrowing").await),
        ["Ownership in Rust"]
    );
    // LIKE wildcards are literal.
    assert_eq!(
        titles(&api.get("/api/posts/?search=100%25").await),
        ["Percent_sign"]
    );
    assert!(titles(&api.get("/api/posts/?search=t_ki").await).is_empty());
    assert_eq!(
        titles(&api.get("/api/posts/?category=guides").await),
        ["Ownership in Rust"]
    );
    assert!(titles(&api.get("/api/posts/?category=unknown").await).is_empty());
    let oldest_first = titles(
        &api.get("/api/posts/?ordering=published_at&category=news")
            .await,
    );
    assert_eq!(oldest_first, ["Async Rust", "Percent_sign"]);
    let newest_first = titles(
        &api.get("/api/posts/?ordering=-published_at,unknown&category=news")
            .await,
    );
    assert_eq!(newest_first, ["Percent_sign", "Async Rust"]);
    // view_count ordering: give "Async Rust" views.
    let mut conn = app.db.acquire_write().await.unwrap();
    let id = api.get("/api/posts/async-rust/").await.json["id"]
        .as_i64()
        .unwrap();
    app::ssr::db::posts::public::add_views(conn.conn(), id, 3)
        .await
        .unwrap();
    drop(conn);
    let by_views = titles(
        &api.get("/api/posts/?ordering=-view_count,published_at")
            .await,
    );
    assert_eq!(by_views[0], "Async Rust");
    let trending = api.get("/api/posts/trending/").await;
    assert_eq!(trending.status, 200);
    let trending = trending.json.as_array().unwrap().clone();
    assert_eq!(trending.len(), 4);
    assert_eq!(trending[0]["title"], "Async Rust");
    assert_eq!(trending[0]["view_count"], 3);
    let bad_status = api.get("/api/posts/?status=LIVE").await;
    assert_eq!(bad_status.status, 400);
    assert_eq!(
        bad_status.json,
        json!({"status": ["Select a valid choice. LIVE is not one of the available choices."]})
    );
}

#[tokio::test]
async fn drafts_are_seen_only_by_their_author_and_editors() {
    let app = TestApp::spawn().await;
    let ann = user_with_token(&app, "ann@example.org", "ann2", Role::Author).await;
    let bob = user_with_token(&app, "bob@example.org", "bob", Role::Author).await;
    let eve = user_with_token(&app, "eve@example.org", "eve", Role::Editor).await;
    let reader = user_with_token(&app, "rea@example.org", "rea", Role::Reader).await;
    app.create_post(PostSpec::published("Public one", 1)).await;
    let news = category_id(&app, "news").await;
    let created = ann
        .post(
            "/api/posts/",
            json!({"title": "Ann's draft", "body": "Draft text", "category_id": news}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json);
    assert_eq!(created.json["status"], "DRAFT");
    assert_eq!(created.json["published_at"], Value::Null);
    let slug = created.json["slug"].as_str().unwrap().to_string();
    let drafts = |answer: Answer| answer.json["count"].as_i64().unwrap();
    assert_eq!(
        drafts(Api::new(&app).get("/api/posts/?status=DRAFT").await),
        0
    );
    assert_eq!(drafts(reader.get("/api/posts/?status=DRAFT").await), 0);
    assert_eq!(drafts(ann.get("/api/posts/?status=DRAFT").await), 1);
    assert_eq!(drafts(bob.get("/api/posts/?status=DRAFT").await), 0);
    assert_eq!(drafts(eve.get("/api/posts/?status=DRAFT").await), 1);
    // Without ?status= everyone gets the published list.
    assert_eq!(drafts(ann.get("/api/posts/").await), 2);
    let path = format!("/api/posts/{slug}/");
    assert_eq!(ann.get(&path).await.status, 200);
    assert_eq!(eve.get(&path).await.status, 200);
    let hidden = bob.get(&path).await;
    assert_eq!(
        (hidden.status, hidden.json),
        (404, json!({"detail": "No Post matches the given query."}))
    );
    assert_eq!(Api::new(&app).get(&path).await.status, 404);
}

#[tokio::test]
async fn tokens_are_issued_used_and_revoked() {
    let app = TestApp::spawn().await;
    app.create_user("tok@example.org", "tok", PASSWORD, Role::Author)
        .await;
    let anonymous = Api::new(&app);
    let wrong = anonymous
        .post(
            "/api/auth/token/",
            json!({"email": "tok@example.org", "password": "nope"}),
        )
        .await;
    assert_eq!(wrong.status, 400);
    snapshot!("token_wrong_credentials", wrong.json);
    let missing = anonymous.post("/api/auth/token/", json!({})).await;
    snapshot!("token_missing_fields", missing.json);
    let ok = anonymous
        .post(
            "/api/auth/token/",
            json!({"email": "TOK@example.org", "password": PASSWORD}),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.json);
    let token = ok.json["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 43);
    // Stored hashed: the token itself is nowhere in the table.
    let mut conn = app.db.acquire().await.unwrap();
    let stored: Vec<String> = app::on_conn!(conn.conn(), |c| sqlx::query_scalar(
        "SELECT token_hash FROM api_tokens"
    )
    .fetch_all(c)
    .await)
    .unwrap();
    drop(conn);
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert_eq!(stored[0], app::ssr::auth::tokens::digest(&token));
    let second = anonymous
        .post(
            "/api/auth/token/",
            json!({"email": "tok@example.org", "password": PASSWORD}),
        )
        .await;
    let second = Api::with_token(&app, second.json["token"].as_str().unwrap());

    let api = Api::with_token(&app, &token);
    assert_eq!(api.get("/api/posts/?status=DRAFT").await.status, 200);
    assert_eq!(api.delete("/api/auth/token/").await.status, 204);
    let revoked = api.get("/api/posts/").await;
    assert_eq!(revoked.status, 401);
    assert_eq!(revoked.json, json!({"detail": "Invalid token."}));
    assert_eq!(revoked.headers[WWW_AUTHENTICATE], "Token");
    // The other token still works.
    assert_eq!(second.get("/api/posts/").await.status, 200);
    for (header, detail) in [
        ("Token", "Invalid token header. No credentials provided."),
        (
            "Token a b",
            "Invalid token header. Token string should not contain spaces.",
        ),
        ("token not-a-real-token", "Invalid token."),
    ] {
        let answer = anonymous
            .send(
                anonymous
                    .client
                    .get(format!("{}/api/posts/", app.address))
                    .header(AUTHORIZATION, header),
            )
            .await;
        assert_eq!(
            (answer.status, &answer.json),
            (401, &json!({"detail": detail})),
            "{header}"
        );
    }
    let anonymous_delete = anonymous.delete("/api/auth/token/").await;
    assert_eq!(anonymous_delete.status, 401);
    assert_eq!(
        anonymous_delete.json,
        json!({"detail": "Authentication credentials were not provided."})
    );
    assert_eq!(anonymous_delete.headers[WWW_AUTHENTICATE], "Token");
    // A deactivated user's token stops working.
    let mut conn = app.db.acquire_write().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query(
        "UPDATE users SET is_active = FALSE WHERE username = 'tok'"
    )
    .execute(c)
    .await
    .map(|_| ()))
    .unwrap();
    drop(conn);
    let inactive = second.get("/api/posts/").await;
    assert_eq!(
        (inactive.status, inactive.json),
        (401, json!({"detail": "User inactive or deleted."}))
    );
}

#[tokio::test]
async fn token_requests_are_throttled_like_sign_in() {
    let app = TestApp::spawn().await;
    app.create_user("slow@example.org", "slow", PASSWORD, Role::Reader)
        .await;
    let api = Api::new(&app);
    for _ in 0..5 {
        let answer = api
            .post(
                "/api/auth/token/",
                json!({"email": "slow@example.org", "password": "wrong"}),
            )
            .await;
        assert_eq!(answer.status, 400);
    }
    let throttled = api
        .post(
            "/api/auth/token/",
            json!({"email": "slow@example.org", "password": PASSWORD}),
        )
        .await;
    assert_eq!(throttled.status, 429);
    assert!(throttled.headers.contains_key(RETRY_AFTER));
    assert!(throttled.json["detail"]
        .as_str()
        .unwrap()
        .starts_with("Request was throttled."));
}

#[tokio::test]
async fn creating_posts_checks_permissions_and_fields() {
    let app = TestApp::spawn().await;
    app.create_post(PostSpec::published("Existing", 1)).await;
    let news = category_id(&app, "news").await;
    let author = user_with_token(&app, "aut@example.org", "aut", Role::Author).await;
    let reader = user_with_token(&app, "red@example.org", "red", Role::Reader).await;
    let body = json!({"title": "Brand new: post!", "body": "Some **bold** text", "category_id": news, "status": "PUBLISHED", "slug": "ignored", "view_count": 99});

    let anonymous = Api::new(&app).post("/api/posts/", body.clone()).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.headers[WWW_AUTHENTICATE], "Token");
    let refused = reader.post("/api/posts/", body.clone()).await;
    assert_eq!(
        (refused.status, refused.json),
        (
            403,
            json!({"detail": "You do not have permission to perform this action."})
        )
    );

    let created = author.post("/api/posts/", body.clone()).await;
    assert_eq!(created.status, 201, "{}", created.json);
    snapshot!("post_created", created.json);
    assert_eq!(created.json["slug"], "brand-new-post");
    assert_eq!(created.json["view_count"], 0);
    assert_ne!(created.json["published_at"], Value::Null);
    assert_eq!(created.json["excerpt"], "Some bold text");
    // Public at once, and the same title again gets its own slug.
    assert_eq!(
        Api::new(&app)
            .get("/api/posts/brand-new-post/")
            .await
            .status,
        200
    );
    let again = author.post("/api/posts/", body.clone()).await;
    assert_eq!(again.json["slug"], "brand-new-post-2");

    let invalid = author
        .post(
            "/api/posts/",
            json!({"title": "", "body": 12, "category_id": 999_999, "status": "LIVE"}),
        )
        .await;
    assert_eq!(invalid.status, 400);
    snapshot!("post_invalid_fields", invalid.json);
    let unknown_category = author
        .post(
            "/api/posts/",
            json!({"title": "T", "body": "B", "category_id": 999_999}),
        )
        .await;
    assert_eq!(
        unknown_category.json,
        json!({"category_id": ["Invalid pk \"999999\" - object does not exist."]})
    );
    let too_long = author
        .post(
            "/api/posts/",
            json!({"title": "x".repeat(201), "body": "B", "category_id": news}),
        )
        .await;
    assert_eq!(
        too_long.json,
        json!({"title": ["Ensure this field has no more than 200 characters."]})
    );
    let missing = author.post("/api/posts/", json!({})).await;
    snapshot!("post_missing_fields", missing.json);

    // Bodies that are not JSON objects.
    let plain = author
        .send(
            author
                .client
                .post(format!("{}/api/posts/", app.address))
                .header(CONTENT_TYPE, "text/plain")
                .body("title=x"),
        )
        .await;
    assert_eq!(
        (plain.status, plain.json),
        (
            415,
            json!({"detail": "Unsupported media type \"text/plain\" in request."})
        )
    );
    let broken = author
        .send(
            author
                .client
                .post(format!("{}/api/posts/", app.address))
                .header(CONTENT_TYPE, "application/json")
                .body("{\"title\": "),
        )
        .await;
    assert_eq!(broken.status, 400);
    assert!(
        broken.json["detail"]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error - "),
        "{}",
        broken.json
    );
    let list = author
        .post("/api/posts/", json!(["not", "an", "object"]))
        .await;
    assert_eq!(
        list.json,
        json!({"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]})
    );
    // Nothing was created by the refused requests.
    assert_eq!(
        Api::new(&app).get("/api/stats/").await.json,
        json!({"published_posts": 4})
    );
}

#[tokio::test]
async fn changing_and_deleting_posts_is_for_the_author_and_editors() {
    let app = TestApp::spawn().await;
    app.create_post(PostSpec::published("Seed", 1)).await;
    let news = category_id(&app, "news").await;
    let ann = user_with_token(&app, "ann@example.org", "ann3", Role::Author).await;
    let bob = user_with_token(&app, "bob@example.org", "bob", Role::Author).await;
    let eve = user_with_token(&app, "eve@example.org", "eve", Role::Editor).await;
    let created = ann
        .post(
            "/api/posts/",
            json!({"title": "Mine", "body": "v1", "category_id": news, "status": "PUBLISHED"}),
        )
        .await;
    let path = format!("/api/posts/{}/", created.json["slug"].as_str().unwrap());

    let anonymous = Api::new(&app)
        .write(reqwest::Method::PATCH, &path, json!({"title": "x"}))
        .await;
    assert_eq!(anonymous.status, 401);
    let other = bob
        .write(reqwest::Method::PATCH, &path, json!({"title": "Hijacked"}))
        .await;
    assert_eq!(
        (other.status, other.json),
        (
            403,
            json!({"detail": "You do not have permission to perform this action."})
        )
    );
    assert_eq!(bob.delete(&path).await.status, 403);

    let patched = ann
        .write(
            reqwest::Method::PATCH,
            &path,
            json!({"body": "v2 *text*", "slug": "ignored"}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.json);
    assert_eq!(patched.json["body"], "v2 *text*");
    assert_eq!(patched.json["title"], "Mine");
    assert_eq!(patched.json["slug"], "mine");
    let put_missing = ann
        .write(reqwest::Method::PUT, &path, json!({"title": "Only title"}))
        .await;
    assert_eq!(put_missing.status, 400);
    assert_eq!(
        put_missing.json,
        json!({"body": ["This field is required."], "category_id": ["This field is required."]})
    );
    let put = ann
        .write(
            reqwest::Method::PUT,
            &path,
            json!({"title": "Replaced", "body": "v3", "category_id": news, "status": "ARCHIVED"}),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.json);
    assert_eq!(
        (put.json["title"].as_str(), put.json["status"].as_str()),
        (Some("Replaced"), Some("ARCHIVED"))
    );
    // Archived: gone from the public API, still there for its author and editors.
    assert_eq!(Api::new(&app).get(&path).await.status, 404);
    let by_editor = eve
        .write(
            reqwest::Method::PATCH,
            &path,
            json!({"status": "PUBLISHED"}),
        )
        .await;
    assert_eq!(by_editor.status, 200, "{}", by_editor.json);
    assert_eq!(by_editor.json["author_email"], "ann@example.org");
    assert_eq!(Api::new(&app).get(&path).await.status, 200);

    assert_eq!(eve.delete(&path).await.status, 204);
    assert_eq!(ann.get(&path).await.status, 404);
    assert_eq!(ann.delete(&path).await.status, 404);
}

#[tokio::test]
async fn comments_are_listed_when_approved_and_written_pending() {
    let app = TestApp::spawn().await;
    let post = app.create_post(PostSpec::published("Commented", 1)).await;
    let draft = app
        .create_post(PostSpec {
            status: PostStatus::Draft,
            published_at: None,
            ..PostSpec::published("Hidden draft", 1)
        })
        .await;
    let reader = user_with_token(&app, "com@example.org", "com", Role::Reader).await;
    let anonymous = Api::new(&app)
        .post("/api/comments/", json!({"post": post, "body": "Hi"}))
        .await;
    assert_eq!(anonymous.status, 401);
    let written = reader
        .post(
            "/api/comments/",
            json!({"post": post, "body": "  First!  "}),
        )
        .await;
    assert_eq!(written.status, 201, "{}", written.json);
    snapshot!("comment_created", written.json);
    // Pending: not listed.
    assert_eq!(Api::new(&app).get("/api/comments/").await.json["count"], 0);
    let mut conn = app.db.acquire_write().await.unwrap();
    app::ssr::db::comments::set_approved(conn.conn(), written.json["id"].as_i64().unwrap(), true)
        .await
        .unwrap();
    drop(conn);
    let listed = Api::new(&app)
        .get(&format!("/api/comments/?post={post}"))
        .await;
    assert_eq!(listed.json["count"], 1);
    assert_eq!(listed.json["results"][0]["body"], "First!");
    assert_eq!(
        Api::new(&app)
            .get(&format!("/api/comments/?post={draft}"))
            .await
            .json["count"],
        0
    );
    let bad_filter = Api::new(&app).get("/api/comments/?post=abc").await;
    assert_eq!(
        (bad_filter.status, bad_filter.json),
        (400, json!({"post": ["Enter a number."]}))
    );
    let on_draft = reader
        .post("/api/comments/", json!({"post": draft, "body": "Sneaky"}))
        .await;
    assert_eq!(
        on_draft.json,
        json!({"post": [format!("Invalid pk \"{draft}\" - object does not exist.")]})
    );
    let blank = reader
        .post("/api/comments/", json!({"post": post, "body": "   "}))
        .await;
    assert_eq!(
        blank.json,
        json!({"body": ["This field may not be blank."]})
    );
    let long = reader
        .post(
            "/api/comments/",
            json!({"post": post, "body": "x".repeat(5001)}),
        )
        .await;
    assert_eq!(
        long.json,
        json!({"body": ["Ensure this field has no more than 5000 characters."]})
    );
    // The post's representation carries its approved comments.
    let detail = Api::new(&app).get("/api/posts/commented/").await;
    assert_eq!(detail.json["comments"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn titles_stream_stats_and_health() {
    let app = TestApp::spawn().await;
    app.create_post(PostSpec::published("Older title", 2)).await;
    app.create_post(PostSpec::published("Newer title", 1)).await;
    app.create_post(PostSpec {
        status: PostStatus::Draft,
        published_at: None,
        ..PostSpec::published("Draft title", 1)
    })
    .await;
    let response = app.get("/api/posts/titles.txt").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()[CONTENT_TYPE],
        "text/plain; charset=utf-8"
    );
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(&lines[1..], ["Newer title", "Older title"]);
    assert_eq!(
        Api::new(&app).get("/api/stats/").await.json,
        json!({"published_posts": 3})
    );
    let health = Api::new(&app).get("/healthz").await;
    assert_eq!(
        (health.status, health.json),
        (200, json!({"status": "ok", "database": "ok"}))
    );
    // Any Host may ask for the health check (orchestrators call it by address).
    let by_address = Api::new(&app)
        .send(
            Api::new(&app)
                .client
                .get(format!("{}/healthz", app.address))
                .header("host", "10.1.2.3:8000"),
        )
        .await;
    assert_eq!(by_address.status, 200);
    // A closed database is reported as 503.
    app.db.close().await;
    let down = Api::new(&app).get("/healthz").await;
    assert_eq!(
        (down.status, down.json),
        (
            503,
            json!({"status": "unavailable", "database": "unreachable"})
        )
    );
}

#[tokio::test]
async fn wrong_methods_get_405_with_allow() {
    let app = TestApp::spawn().await;
    let api = Api::new(&app);
    let answer = api
        .write(reqwest::Method::PATCH, "/api/posts/", json!({}))
        .await;
    assert_eq!(
        (answer.status, answer.json),
        (405, json!({"detail": "Method \"PATCH\" not allowed."}))
    );
    let allow = answer.headers[ALLOW].to_str().unwrap().to_string();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    let delete = api.delete("/api/categories/").await;
    assert_eq!(delete.status, 405);
}

#[tokio::test]
async fn anonymous_and_user_rates_are_throttled() {
    let app = TestApp::spawn_with(
        backend(),
        &[
            ("FOLIO_API_THROTTLE_ANON", "3/minute"),
            ("FOLIO_API_THROTTLE_USER", "5/minute"),
        ],
    )
    .await;
    let anonymous = Api::new(&app);
    for _ in 0..3 {
        assert_eq!(anonymous.get("/api/categories/").await.status, 200);
    }
    let throttled = anonymous.get("/api/categories/").await;
    assert_eq!(throttled.status, 429);
    let wait: u64 = throttled.headers[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert_eq!(
        throttled.json,
        json!({"detail": format!("Request was throttled. Expected available in {wait} seconds.")})
    );
    // X-Forwarded-For is not trusted without FOLIO_TRUSTED_PROXIES: no way around the limit.
    let spoofed = anonymous
        .send(
            anonymous
                .client
                .get(format!("{}/api/categories/", app.address))
                .header("x-forwarded-for", "198.51.100.9"),
        )
        .await;
    assert_eq!(spoofed.status, 429);
    // A signed-in user has a count of their own. (The token request is not throttled here:
    // it is the same address, so it would be; ask for the token first through the service.)
    app.create_user("fast@example.org", "fast", PASSWORD, Role::Reader)
        .await;
    let account = {
        let mut conn = app.db.acquire().await.unwrap();
        app::ssr::db::users::find_account_by_email(conn.conn(), "fast@example.org")
            .await
            .unwrap()
            .unwrap()
    };
    let token = app::ssr::auth::tokens::generate();
    let mut conn = app.db.acquire_write().await.unwrap();
    app::ssr::db::api_tokens::insert(
        conn.conn(),
        account.id,
        &app::ssr::auth::tokens::digest(&token),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    drop(conn);
    let user = Api::with_token(&app, &token);
    for _ in 0..5 {
        assert_eq!(user.get("/api/categories/").await.status, 200);
    }
    assert_eq!(user.get("/api/categories/").await.status, 429);
    // The health check is never throttled.
    assert_eq!(anonymous.get("/healthz").await.status, 200);
}

#[tokio::test]
async fn trusted_proxies_decide_the_client_address() {
    let app = TestApp::spawn_with(
        backend(),
        &[
            ("FOLIO_API_THROTTLE_ANON", "2/minute"),
            ("FOLIO_TRUSTED_PROXIES", "1"),
        ],
    )
    .await;
    let api = Api::new(&app);
    let from = |address: &'static str| {
        api.client
            .get(format!("{}/api/categories/", app.address))
            .header("x-forwarded-for", address)
    };
    for _ in 0..2 {
        assert_eq!(api.send(from("203.0.113.1")).await.status, 200);
    }
    assert_eq!(api.send(from("203.0.113.1")).await.status, 429);
    // Another client behind the same proxy has its own count; a forged left-hand entry does
    // not change who the proxy says the client is.
    assert_eq!(api.send(from("203.0.113.2")).await.status, 200);
    assert_eq!(
        api.send(from("198.51.100.7, 203.0.113.1")).await.status,
        429
    );
}

#[tokio::test]
async fn session_callers_need_csrf_protection_token_callers_do_not() {
    let app = TestApp::spawn().await;
    app.create_post(PostSpec::published("Seed", 1)).await;
    let news = category_id(&app, "news").await;
    app.create_user("ses@example.org", "ses", PASSWORD, Role::Author)
        .await;
    app.login("ses@example.org", PASSWORD).await;
    let body = json!({"title": "Via session", "body": "B", "category_id": news});
    // A script with the session cookie but no Origin and no CSRF token.
    let refused = app
        .client
        .post(format!("{}/api/posts/", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let detail: Value = refused.json().await.unwrap();
    assert!(
        detail["detail"]
            .as_str()
            .unwrap()
            .starts_with("CSRF Failed: "),
        "{detail}"
    );
    // Cross-site, even with Origin.
    let cross = app
        .client
        .post(format!("{}/api/posts/", app.address))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    // The site's own page (same origin) may.
    let own = app
        .client
        .post(format!("{}/api/posts/", app.address))
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .header("sec-fetch-mode", "cors")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 201);
    let created: Value = own.json().await.unwrap();
    assert_eq!(created["author_email"], "ses@example.org");
    // Session reads need nothing, and show the author's drafts.
    let drafts: Value = app
        .get("/api/posts/?status=DRAFT")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(drafts["count"], 1);
    // A token request from anywhere is fine: browsers do not send tokens on their own.
    let token = user_with_token(&app, "tok2@example.org", "tok2", Role::Author).await;
    let with_token = token
        .send(
            token
                .client
                .post(format!("{}/api/posts/", app.address))
                .header("origin", "https://script.example")
                .json(&json!({"title": "Via token", "body": "B", "category_id": news})),
        )
        .await;
    assert_eq!(with_token.status, 201, "{}", with_token.json);
}

#[tokio::test]
async fn browsers_get_a_readable_page() {
    let app = TestApp::spawn().await;
    app.create_post(PostSpec::published("<b>Bold</b> & title", 1))
        .await;
    let response = app
        .client
        .get(format!("{}/api/posts/", app.address))
        .header(
            ACCEPT,
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
    assert!(response.headers()[VARY]
        .to_str()
        .unwrap()
        .contains("Accept"));
    let html = response.text().await.unwrap();
    assert!(html.contains("<h1>GET /api/posts/</h1>"));
    assert!(html.contains("&lt;b&gt;Bold&lt;/b&gt; &amp; title"));
    assert!(!html.contains("<b>Bold</b>"));
    // The site's URLs in the answer are links.
    let root = app
        .client
        .get(format!("{}/api/", app.address))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        root.contains("<a href=\"https://blog.example.org/api/posts/\">"),
        "{root}"
    );
    let forced = app
        .client
        .get(format!("{}/api/posts/?format=json", app.address))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert!(forced.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    // Errors too.
    let missing = app
        .client
        .get(format!("{}/api/posts/none/", app.address))
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing
        .text()
        .await
        .unwrap()
        .contains("No Post matches the given query."));
}

#[tokio::test]
async fn every_response_has_a_duration_and_a_request_id() {
    let app = TestApp::spawn().await;
    for path in [
        "/api/posts/",
        "/",
        "/healthz",
        "/api/nothing/",
        "/no-such-page/",
    ] {
        let response = app.get(path).await;
        let duration: f64 = response.headers()["x-request-duration"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..60.0).contains(&duration), "{path}: {duration}");
        assert!(!response.headers()["x-request-id"].is_empty(), "{path}");
    }
}

/// Every route the router serves, as `METHOD path`.
const ROUTES: [&str; 21] = [
    "get /api/",
    "get /api/posts/",
    "post /api/posts/",
    "get /api/posts/trending/",
    "get /api/posts/titles.txt",
    "get /api/posts/{slug}/",
    "put /api/posts/{slug}/",
    "patch /api/posts/{slug}/",
    "delete /api/posts/{slug}/",
    "get /api/categories/",
    "get /api/categories/{slug}/",
    "get /api/tags/",
    "get /api/tags/{slug}/",
    "get /api/comments/",
    "post /api/comments/",
    "get /api/subscribers/",
    "post /api/subscribers/",
    "post /api/auth/token/",
    "delete /api/auth/token/",
    "get /api/stats/",
    "get /healthz",
];

#[tokio::test]
async fn the_openapi_document_is_valid_and_complete() {
    let app = TestApp::spawn().await;
    let document = Api::new(&app).get("/api/schema/").await;
    assert_eq!(document.status, 200);
    let doc = document.json;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations.push(format!("{method} {path}"));
            let responses = operation["responses"].as_object().expect("responses");
            assert!(!responses.is_empty(), "{method} {path}");
            assert!(
                operation["security"].is_array(),
                "{method} {path} names its security"
            );
        }
    }
    operations.sort();
    let mut expected: Vec<String> = ROUTES.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(operations, expected);
    // Every $ref points at a schema the document defines.
    fn refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "$ref" {
                        out.push(v.as_str().unwrap().to_string());
                    }
                    refs(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for reference in all {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .expect("local schema ref");
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{reference} is not defined"
        );
    }
    for scheme in ["token", "session"] {
        assert!(doc["components"]["securitySchemes"][scheme].is_object());
    }
    // The documentation page loads Swagger UI from this site.
    let (status, html) = app.get_text("/api/docs/").await;
    assert_eq!(status, 200);
    assert!(html.contains("/vendor/swagger-ui/swagger-ui-bundle.js"));
    assert!(!html.contains("https://"), "no CDN");
}
