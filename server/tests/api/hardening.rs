//! Fixes from the security review (issue 14), each proven over real HTTP against a spawned
//! server, on SQLite and on PostgreSQL. Every test here failed before its fix.

use app::domain::Role;
use serde_json::{json, Value};

use crate::helpers::{backend, TestApp};

const PASSWORD: &str = "velvet-orbit-lantern-42";

/// POSTs JSON to an API path without cookies, with an optional token and extra headers;
/// returns status and JSON body (`Null` when not JSON).
async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client");
    let mut request = client.request(method, format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.header("authorization", format!("Token {token}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Issues an API token for `email` (expects success).
async fn token_for(app: &TestApp, email: &str) -> String {
    let (status, body) = api(
        app,
        reqwest::Method::POST,
        "/api/auth/token/",
        None,
        Some(json!({"email": email, "password": PASSWORD})),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["token"].as_str().expect("token").to_string()
}

#[tokio::test]
async fn a_password_reset_revokes_api_tokens_and_sessions() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada", PASSWORD, Role::Author)
        .await;
    let token = token_for(&app, "ada@example.org").await;
    let (status, _) = api(
        &app,
        reqwest::Method::GET,
        "/api/posts/?status=DRAFT",
        Some(&token),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 200, "the token works before the reset");
    let phone = app.other_client();
    phone
        .call(
            "accounts/login",
            &[("email", "ada@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert!(phone.me().await.is_some());

    app.call_ok("accounts/password/reset", &[("email", "ada@example.org")])
        .await;
    let link = app.wait_for_link(1, "/accounts/reset/").await;
    let reset_token = link
        .trim_start_matches("/accounts/reset/")
        .trim_end_matches('/')
        .to_string();
    app.call_ok(
        "accounts/password/reset/confirm",
        &[
            ("token", &reset_token),
            ("new_password", "brand-new-phrase-9"),
            ("new_password_confirm", "brand-new-phrase-9"),
        ],
    )
    .await;

    let (status, body) = api(
        &app,
        reqwest::Method::GET,
        "/api/posts/?status=DRAFT",
        Some(&token),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 401, "the token died with the old password: {body}");
    assert_eq!(body["detail"], "Invalid token.");
    assert!(phone.me().await.is_none(), "and so did every session");
}

#[tokio::test]
async fn the_api_shows_email_addresses_to_staff_only() {
    let app = TestApp::spawn().await;
    app.create_user("writer@example.org", "writer", PASSWORD, Role::Author)
        .await;
    app.create_user("reader@example.org", "reader", PASSWORD, Role::Reader)
        .await;
    let writer = token_for(&app, "writer@example.org").await;
    let reader = token_for(&app, "reader@example.org").await;
    let category = app
        .create_post(crate::helpers::PostSpec::published("Seed", 1))
        .await;
    let category_id: i64 = {
        let mut conn = app.db.acquire().await.unwrap();
        app::on_conn!(conn.conn(), |c| sqlx::query_scalar(
            "SELECT category_id FROM posts WHERE id = $1"
        )
        .bind(category)
        .fetch_one(c)
        .await)
        .unwrap()
    };
    let (status, created) = api(
        &app,
        reqwest::Method::POST,
        "/api/posts/",
        Some(&writer),
        Some(
            json!({"title": "Open letter", "body": "Text.", "category_id": category_id,
                    "status": "PUBLISHED"}),
        ),
        &[],
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["author_email"], "writer@example.org",
        "staff see it"
    );
    let post_id = created["id"].as_i64().unwrap();
    let (status, comment) = api(
        &app,
        reqwest::Method::POST,
        "/api/comments/",
        Some(&reader),
        Some(json!({"post": post_id, "body": "Nice."})),
        &[],
    )
    .await;
    assert_eq!(status, 201, "{comment}");
    {
        let mut conn = app.db.acquire_write().await.unwrap();
        app::on_conn!(conn.conn(), |c| sqlx::query(
            "UPDATE comments SET is_approved = TRUE"
        )
        .execute(c)
        .await
        .map(|_| ()))
        .unwrap();
    }
    let slug = created["slug"].as_str().unwrap().to_string();
    for (who, token) in [("anonymous", None), ("a reader", Some(reader.as_str()))] {
        for path in [
            "/api/posts/".to_string(),
            format!("/api/posts/{slug}/"),
            "/api/posts/trending/".to_string(),
            "/api/comments/".to_string(),
        ] {
            let (status, body) = api(&app, reqwest::Method::GET, &path, token, None, &[]).await;
            assert_eq!(status, 200, "{path}");
            let text = body.to_string();
            assert!(
                !text.contains("@example.org"),
                "{who} sees an address at {path}: {text}"
            );
            assert!(text.contains("\"author_email\":null"), "{path}: {text}");
        }
    }
    let (_, body) = api(
        &app,
        reqwest::Method::GET,
        &format!("/api/posts/{slug}/"),
        Some(&writer),
        None,
        &[],
    )
    .await;
    assert_eq!(body["author_email"], "writer@example.org");
    assert_eq!(body["comments"][0]["author_email"], "reader@example.org");
    let (_, schema) = api(&app, reqwest::Method::GET, "/api/schema/", None, None, &[]).await;
    let described = schema["components"]["schemas"]["Post"]["properties"]["author_email"]
        ["description"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(described.contains("staff only"), "{described}");
}

#[tokio::test]
async fn authors_see_the_history_of_their_own_deleted_posts_only() {
    let app = TestApp::spawn().await;
    app.create_user("ed@example.org", "ed", PASSWORD, Role::Editor)
        .await;
    app.create_user("ann@example.org", "ann", PASSWORD, Role::Author)
        .await;
    let editor = app.other_client();
    editor
        .call(
            "accounts/login",
            &[("email", "ed@example.org"), ("password", PASSWORD)],
        )
        .await;
    let someone_elses = app
        .create_post(crate::helpers::PostSpec::published("Not ann's", 2))
        .await;
    let deleted = editor
        .call(
            "admin/delete",
            &[("model", "Posts"), ("id", &someone_elses.to_string())],
        )
        .await;
    assert!(deleted.status().is_success(), "{}", deleted.status());

    app.login("ann@example.org", PASSWORD).await;
    let own = app.create_draft().await;
    app.call_ok(
        "admin/delete",
        &[("model", "Posts"), ("id", &own.to_string())],
    )
    .await;

    let response = app
        .get(&format!(
            "/_fn/admin/history?model=Posts&id={someone_elses}"
        ))
        .await;
    assert_eq!(
        response.status().as_u16(),
        403,
        "someone else's deleted post: {}",
        response.text().await.unwrap_or_default()
    );
    let (_, html) = app
        .get_text(&format!("/admin/posts/{someone_elses}/history/"))
        .await;
    assert!(!html.contains("Not ann"), "the page shows nothing of it");
    let response = app
        .get(&format!("/_fn/admin/history?model=Posts&id={own}"))
        .await;
    assert_eq!(response.status().as_u16(), 200, "her own deleted post");
    let editor_view = editor
        .client
        .get(format!(
            "{}/_fn/admin/history?model=Posts&id={someone_elses}",
            app.address
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(editor_view.status().as_u16(), 200, "editors see every one");
}

#[tokio::test]
async fn client_request_ids_are_kept_only_from_trusted_proxies_and_only_when_plain() {
    let direct = TestApp::spawn().await;
    let response = direct
        .client
        .get(format!("{}/healthz", direct.address))
        .header("x-request-id", "attacker-chosen-id")
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert_ne!(
        id, "attacker-chosen-id",
        "no proxy: the client's id is replaced"
    );
    assert_eq!(id.len(), 36, "by a UUID: {id}");

    let proxied = TestApp::spawn_with(backend(), &[("FOLIO_TRUSTED_PROXIES", "1")]).await;
    let send = |value: &'static str| {
        proxied
            .client
            .get(format!("{}/healthz", proxied.address))
            .header("x-forwarded-for", "203.0.113.9")
            .header("x-request-id", value)
            .send()
    };
    let kept = send("0f8fad5b-d9cb-469f-a165-70867728950e").await.unwrap();
    assert_eq!(
        kept.headers()["x-request-id"],
        "0f8fad5b-d9cb-469f-a165-70867728950e",
        "a plain id from the proxy is kept"
    );
    for hostile in ["<script>alert(1)</script>", "a b", "x\" onload=\"y"] {
        let response = send(hostile).await.unwrap();
        let id = response.headers()["x-request-id"].to_str().unwrap();
        assert_ne!(id, hostile);
        assert_eq!(id.len(), 36, "{hostile:?} replaced by a UUID, got {id}");
    }
    let long: &'static str = Box::leak("y".repeat(200).into_boxed_str());
    let response = send(long).await.unwrap();
    assert_ne!(response.headers()["x-request-id"], long, "too long");
}

#[tokio::test]
async fn reset_tokens_never_reach_the_log() {
    use app::ssr::accounts;
    use app::ssr::auth::password::Password;
    let server = crate::helpers::ServerProcess::start(&[("RUST_LOG", "debug,sqlx=info")]).await;
    let db = app::ssr::db::Db::connect(&server.database.url)
        .await
        .expect("database");
    let valid =
        accounts::validate_new_account("ada@example.org", "ada", &Password::new(PASSWORD), None)
            .unwrap();
    accounts::create_account(
        &db,
        &app::ssr::auth::password::HashLimiter::per_core(),
        &valid,
        Role::Reader,
        true,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap();
    let call = |endpoint: &str, form: Vec<(&'static str, String)>| {
        client
            .post(format!("{}/_fn/{endpoint}", server.address))
            .header("origin", &server.address)
            .header("sec-fetch-site", "same-origin")
            .form(&form)
            .send()
    };
    let asked = call(
        "accounts/password/reset",
        vec![("email", "ada@example.org".to_string())],
    )
    .await
    .unwrap();
    assert!(asked.status().is_redirection() || asked.status().is_success());
    let mut token = None;
    for _ in 0..200 {
        if let Some(body) = server.emails().first() {
            let at =
                body.find("/accounts/reset/").expect("a reset link") + "/accounts/reset/".len();
            token = Some(body[at..at + 43].to_string());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let token = token.expect("the reset email");
    // The link as sent, mistyped (no route), refused by the CSRF check, and used.
    for path in [
        format!("/accounts/reset/{token}/"),
        format!("/accounts/reset/{token}/extra"),
    ] {
        client
            .get(format!("{}{path}", server.address))
            .send()
            .await
            .unwrap();
    }
    client
        .post(format!("{}/accounts/reset/{token}/", server.address))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    let used = call(
        "accounts/password/reset/confirm",
        vec![
            ("token", token.clone()),
            ("new_password", "brand-new-phrase-9".to_string()),
            ("new_password_confirm", "brand-new-phrase-9".to_string()),
        ],
    )
    .await
    .unwrap();
    assert!(used.status().is_redirection() || used.status().is_success());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let log = server.log();
    assert!(
        log.contains("/accounts/reset/{token}/"),
        "requests are logged by route: {log}"
    );
    assert!(
        !log.contains(&token),
        "the token reached the log:\n{}",
        log.lines()
            .filter(|l| l.contains(&token))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[tokio::test]
async fn servers_starting_together_agree_on_the_development_key() {
    // A fresh database, opened by eight "servers" at once (a pool each, as separate processes
    // have), none of them with FOLIO_SECRET_KEY.
    let database = crate::helpers::TestDatabase::create(backend()).await;
    let first = app::ssr::db::Db::connect(&database.url).await.unwrap();
    first.migrate().await.unwrap();
    let mut pools = vec![first];
    for _ in 1..8 {
        pools.push(app::ssr::db::Db::connect(&database.url).await.unwrap());
    }
    let keys = futures_util::future::join_all(
        pools
            .iter()
            .map(folio_server::startup::development_secret_key),
    )
    .await;
    let signatures: Vec<String> = keys
        .into_iter()
        .map(|k| k.expect("key").digest("test", b"same message"))
        .collect();
    assert!(
        signatures.iter().all(|s| *s == signatures[0]),
        "every server signs with the same key: {signatures:?}"
    );
    for pool in pools {
        pool.close().await;
    }
}

/// The stored expiry of the only session, and its data as JSON.
async fn stored_session(app: &TestApp) -> (chrono::DateTime<chrono::Utc>, Value) {
    let mut conn = app.db.acquire().await.unwrap();
    let (expiry, data): (chrono::DateTime<chrono::Utc>, String) =
        app::on_conn!(conn.conn(), |c| sqlx::query_as(
            "SELECT expiry_date, data FROM sessions"
        )
        .fetch_one(c)
        .await)
        .unwrap();
    (expiry, serde_json::from_str(&data).unwrap())
}

#[tokio::test]
async fn sessions_expire_after_inactivity_not_after_sign_in() {
    let app = TestApp::spawn_with(backend(), &[("FOLIO_SESSION_AGE", "60")]).await;
    app.create_user("ada@example.org", "ada", PASSWORD, Role::Reader)
        .await;
    app.login("ada@example.org", PASSWORD).await;
    // As if signed in 55 seconds ago and not touched since: 5 seconds left.
    let (_, mut data) = stored_session(&app).await;
    data["_touched_at"] = json!(chrono::Utc::now().timestamp() - 55);
    let soon = chrono::Utc::now() + chrono::Duration::seconds(5);
    {
        let mut conn = app.db.acquire_write().await.unwrap();
        app::on_conn!(conn.conn(), |c| sqlx::query(
            "UPDATE sessions SET expiry_date = $1, data = $2"
        )
        .bind(soon)
        .bind(data.to_string())
        .execute(c)
        .await
        .map(|_| ()))
        .unwrap();
    }
    // Using the site pushes the expiry back to a full age, cookie included ...
    let response = app.get("/_fn/accounts/me").await;
    let cookie = crate::helpers::set_cookie(&response, "folio_session")
        .expect("the cookie is sent again")
        .to_string();
    assert!(cookie.contains("Max-Age=60"), "{cookie}");
    assert!(app.me().await.is_some());
    let (pushed, _) = stored_session(&app).await;
    assert!(
        pushed > chrono::Utc::now() + chrono::Duration::seconds(50),
        "expiry pushed to a minute from now: {pushed}"
    );
    // ... but not on every request: within the touch interval nothing is written.
    let again = app.get("/_fn/accounts/me").await;
    assert!(crate::helpers::set_cookie(&again, "folio_session").is_none());
    let (unchanged, _) = stored_session(&app).await;
    assert_eq!(unchanged, pushed);
}

/// A client that does not follow redirects and keeps no cookies.
fn bare_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Calls server function `endpoint` as the hydrated page does, from client address `from`
/// (the server trusts one proxy: `X-Forwarded-For` names the client).
async fn call_from(
    client: &reqwest::Client,
    app: &TestApp,
    from: &str,
    endpoint: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    client
        .post(format!("{}/_fn/{endpoint}", app.address))
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .header("x-forwarded-for", from)
        .form(form)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn parallel_wrong_passwords_are_counted_before_they_are_checked() {
    let app = TestApp::spawn_with(backend(), &[("FOLIO_TRUSTED_PROXIES", "1")]).await;
    app.create_user("ada@example.org", "ada", PASSWORD, Role::Reader)
        .await;
    let attacker = "198.51.100.7";
    let client = bare_client();
    let attempts = (0..60).map(|i| {
        let client = client.clone();
        let app = &app;
        async move {
            let wrong = format!("wrong-password-{i}");
            call_from(
                &client,
                app,
                attacker,
                "accounts/login",
                &[("email", "ada@example.org"), ("password", &wrong)],
            )
            .await
            .status()
            .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    let checked = statuses.iter().filter(|s| **s == 400).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        (checked, refused),
        (5, 55),
        "only the account's five attempts from one address were checked: {statuses:?}"
    );
    // The attacker's address stays locked out, even with the right password ...
    let locked = call_from(
        &client,
        &app,
        attacker,
        "accounts/login",
        &[("email", "ada@example.org"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(locked.status().as_u16(), 429);
    assert!(locked.headers().contains_key("retry-after"));
    // ... while the owner, from an address that never failed, signs in.
    let owner = call_from(
        &client,
        &app,
        "203.0.113.50",
        "accounts/login",
        &[("email", "ada@example.org"), ("password", PASSWORD)],
    )
    .await;
    assert!(
        owner.status().is_success() || owner.status().is_redirection(),
        "the owner is not locked out: {}",
        owner.status()
    );
}

#[tokio::test]
async fn many_addresses_guessing_one_account_are_stopped_by_the_account_limit() {
    let app = TestApp::spawn_with(backend(), &[("FOLIO_TRUSTED_PROXIES", "1")]).await;
    app.create_user("ada@example.org", "ada", PASSWORD, Role::Reader)
        .await;
    // 100 failures spread over 25 addresses (4 each, under the per-address limits) ...
    {
        let now = chrono::Utc::now();
        let mut conn = app.db.acquire_write().await.unwrap();
        for i in 0..100 {
            app::ssr::db::throttle_events::insert(
                conn.conn(),
                app::ssr::auth::throttle::SIGN_IN_ACCOUNT,
                "ada@example.org",
                now,
                now + chrono::Duration::minutes(15),
            )
            .await
            .unwrap();
            let _ = i;
        }
    }
    // ... and the 101st is refused before it is checked, from any address.
    let response = call_from(
        &bare_client(),
        &app,
        "192.0.2.99",
        "accounts/login",
        &[
            ("email", "ada@example.org"),
            ("password", "another-guess-1"),
        ],
    )
    .await;
    assert_eq!(response.status().as_u16(), 429);
}

#[tokio::test]
async fn sign_ups_are_throttled_per_client_address() {
    let app = TestApp::spawn_with(
        backend(),
        &[
            ("FOLIO_TRUSTED_PROXIES", "1"),
            ("FOLIO_SIGNUP_THROTTLE", "3/hour"),
        ],
    )
    .await;
    let client = bare_client();
    let sign_up = |n: usize, from: &'static str| {
        let client = client.clone();
        let app = &app;
        async move {
            let email = format!("reader{n}@example.org");
            let username = format!("reader{n}");
            call_from(
                &client,
                app,
                from,
                "accounts/signup",
                &[
                    ("email", &email),
                    ("username", &username),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await
        }
    };
    for n in 0..3 {
        let response = sign_up(n, "198.51.100.20").await;
        assert!(
            response.status().as_u16() < 400,
            "sign-up {n}: {}",
            response.status()
        );
    }
    let fourth = sign_up(3, "198.51.100.20").await;
    assert_eq!(fourth.status().as_u16(), 429, "the fourth from one address");
    assert!(fourth.headers().contains_key("retry-after"));
    let elsewhere = sign_up(4, "203.0.113.21").await;
    assert!(
        elsewhere.status().as_u16() < 400,
        "another address signs up"
    );
    let mut conn = app.db.acquire().await.unwrap();
    let accounts: i64 = app::on_conn!(conn.conn(), |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE username LIKE 'reader%'"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert_eq!(accounts, 4, "the refused one made no account");
}

#[tokio::test]
async fn password_hashing_is_bounded_and_excess_requests_get_503() {
    let app = TestApp::spawn_with(
        backend(),
        &[
            ("FOLIO_TRUSTED_PROXIES", "1"),
            ("FOLIO_PASSWORD_HASHERS", "1"),
            ("FOLIO_BUSY_WAIT", "0"),
        ],
    )
    .await;
    let client = bare_client();
    let attempts = (0..16).map(|i| {
        let client = client.clone();
        let app = &app;
        async move {
            let email = format!("nobody{i}@example.org");
            let from = format!("198.51.100.{}", 100 + i);
            let response = call_from(
                &client,
                app,
                &from,
                "accounts/login",
                &[("email", &email), ("password", "wrong-password-1")],
            )
            .await;
            (
                response.status().as_u16(),
                response.headers().contains_key("retry-after"),
            )
        }
    });
    let answers = futures_util::future::join_all(attempts).await;
    assert!(
        answers.iter().any(|(s, _)| *s == 400),
        "some were checked: {answers:?}"
    );
    assert!(
        answers.iter().any(|(s, retry)| *s == 503 && *retry),
        "the ones beyond the one hashing slot were refused with 503: {answers:?}"
    );
    assert!(
        answers.iter().all(|(s, _)| *s == 400 || *s == 503),
        "{answers:?}"
    );
}

#[tokio::test]
async fn reset_and_verification_emails_cannot_flood_a_mailbox() {
    let app = TestApp::spawn_with(
        backend(),
        &[
            ("FOLIO_TRUSTED_PROXIES", "1"),
            ("FOLIO_EMAIL_THROTTLE", "5/hour"),
        ],
    )
    .await;
    app.create_user("ada@example.org", "ada", PASSWORD, Role::Reader)
        .await;
    let client = bare_client();
    // Five clients ask for ada's reset link: all get the same answer, ada gets three emails.
    // An address without an account answers the same, throttled or not.
    for (email, first_client) in [("ADA@example.org", 30), ("nobody@example.org", 40)] {
        for i in 0..5 {
            let from = format!("198.51.100.{}", first_client + i);
            let response = call_from(
                &client,
                &app,
                &from,
                "accounts/password/reset",
                &[("email", email)],
            )
            .await;
            assert!(response.status().as_u16() < 400, "{}", response.status());
        }
    }
    app.wait_for_link(3, "/accounts/reset/").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        app.emails().len(),
        3,
        "at most three links an hour to one address"
    );
    // One client asking for many addresses is stopped with 429.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let email = format!("someone{i}@example.org");
        let response = call_from(
            &client,
            &app,
            "203.0.113.60",
            "accounts/password/reset",
            &[("email", &email)],
        )
        .await;
        statuses.push(response.status().as_u16());
    }
    assert!(statuses[..5].iter().all(|s| *s < 400), "{statuses:?}");
    assert_eq!(statuses[5], 429, "{statuses:?}");

    // Resending the verification email: the sign-up's own email counts; then 429.
    let reader = app.other_client();
    let signed_up = reader
        .call(
            "accounts/signup",
            &[
                ("email", "new@example.org"),
                ("username", "newbie"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
            ],
        )
        .await;
    assert!(signed_up.status().as_u16() < 400);
    let mut resent = Vec::new();
    for _ in 0..3 {
        resent.push(
            reader
                .call("accounts/verify/resend", &[])
                .await
                .status()
                .as_u16(),
        );
    }
    assert!(resent[..2].iter().all(|s| *s < 400), "{resent:?}");
    assert_eq!(resent[2], 429, "{resent:?}");
}

/// Opens a raw TCP connection to `app` with a small receive buffer, as a client that reads
/// slowly or not at all.
async fn raw_connection(address: &str) -> tokio::net::TcpStream {
    let addr: std::net::SocketAddr = address
        .trim_start_matches("http://")
        .parse()
        .expect("socket address");
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    socket.connect(addr).await.expect("connect")
}

/// Reads until the server closes the connection (or resets it); `None` if it stays open
/// through `limit`.
async fn read_until_closed(
    stream: &mut tokio::net::TcpStream,
    limit: std::time::Duration,
) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut received = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buffer = [0u8; 65536];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| received)
}

#[tokio::test]
async fn slow_and_silent_clients_are_disconnected() {
    use tokio::io::AsyncWriteExt;
    let app = TestApp::spawn_with(backend(), &[("FOLIO_HEADER_TIMEOUT", "1")]).await;
    // Fifty clients that never finish their request headers (slowloris) ...
    let mut slow = Vec::new();
    for _ in 0..50 {
        let mut stream = raw_connection(&app.address).await;
        stream
            .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(stream);
    }
    // ... and one that keeps a connection open after its request, saying nothing.
    let mut idle = raw_connection(&app.address).await;
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    for stream in &mut slow {
        assert!(
            read_until_closed(stream, std::time::Duration::from_secs(5))
                .await
                .is_some(),
            "a connection without complete headers is closed after the header timeout"
        );
    }
    let answer = read_until_closed(&mut idle, std::time::Duration::from_secs(5))
        .await
        .expect("an idle kept-alive connection is closed");
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 200"));
    let (status, _) = app.get_text("/healthz").await;
    assert_eq!(status, 200, "the server still serves");
}

/// Inserts `n` published posts with long titles directly (a site of real size, quickly).
async fn insert_bulk_posts(app_db: &app::ssr::db::Db, seed: i64, n: i64, title_chars: usize) {
    let filler = "x".repeat(title_chars.saturating_sub(12));
    let mut conn = app_db.acquire_write().await.unwrap();
    let series = match app_db.backend() {
        app::ssr::db::Backend::Sqlite => {
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $2) "
        }
        app::ssr::db::Backend::Postgres => "WITH n(i) AS (SELECT generate_series(1, $2::bigint)) ",
    };
    let sql = format!(
        "{series}INSERT INTO posts (title, slug, author_id, category_id, body, body_text, excerpt, status, view_count, published_at, created_at, updated_at) \
         SELECT 'Bulk ' || CAST(n.i AS TEXT) || ' {filler}', 'bulk-' || CAST(n.i AS TEXT), p.author_id, p.category_id, '', '', '', 'PUBLISHED', 0, p.published_at, p.created_at, p.updated_at \
         FROM posts p, n WHERE p.id = $1"
    );
    app::on_conn!(conn.conn(), |c| sqlx::query(&sql)
        .bind(seed)
        .bind(n)
        .execute(c)
        .await
        .map(|_| ()))
    .unwrap();
}

#[tokio::test]
async fn a_client_that_stops_reading_holds_no_database_connection_and_is_cut_off() {
    use tokio::io::AsyncWriteExt;
    // A short header timeout closes a connection soon after its last response, so reading
    // ends either way; what tells a cut body from a whole one is its length.
    let app = TestApp::spawn_with(
        backend(),
        &[("FOLIO_SEND_TIMEOUT", "2"), ("FOLIO_HEADER_TIMEOUT", "1")],
    )
    .await;
    let seed = app
        .create_post(crate::helpers::PostSpec::published("Seed", 1))
        .await;
    // About 6 MB of titles: more than the socket buffers hold.
    insert_bulk_posts(&app.db, seed, 30_000, 200).await;
    let mut stalled = Vec::new();
    for _ in 0..12 {
        let mut stream = raw_connection(&app.address).await;
        stream
            .write_all(b"GET /api/posts/titles.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .await
            .unwrap();
        stalled.push(stream);
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    // More stalled readers than the pool has connections, and pages still come from the pool.
    let started = std::time::Instant::now();
    let (status, _) = app.get_text("/api/posts/").await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "answered while the stalled clients wait: {:?}",
        started.elapsed()
    );
    // The stalled responses are abandoned after the send timeout: the body is cut short. The
    // wait is generous (the server may take a few seconds to fill the socket buffers under load).
    tokio::time::sleep(std::time::Duration::from_secs(10)).await;
    let received = read_until_closed(&mut stalled[0], std::time::Duration::from_secs(30))
        .await
        .expect("the server closed the stalled connection");
    assert!(
        received.len() < 5_000_000 && !received.ends_with(b"0\r\n\r\n"),
        "the body was cut off ({} bytes)",
        received.len()
    );
}

#[tokio::test]
async fn shutdown_finishes_within_its_deadline_whatever_clients_do() {
    use tokio::io::AsyncWriteExt;
    let mut server = crate::helpers::ServerProcess::start(&[
        ("FOLIO_SHUTDOWN_TIMEOUT", "2"),
        ("FOLIO_REQUEST_TIMEOUT", "120"),
    ])
    .await;
    // A request whose body never finishes arriving: it is in flight until the deadline.
    let mut stuck = raw_connection(&server.address).await;
    stuck
        .write_all(
            b"POST /api/posts/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"title\": ",
        )
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let asked = std::time::Instant::now();
    server.terminate();
    let status = server
        .wait_exit(std::time::Duration::from_secs(8))
        .await
        .unwrap_or_else(|| panic!("still running 8 s after SIGTERM:\n{}", server.log()));
    assert!(status.success(), "{status:?}");
    assert!(
        asked.elapsed() < std::time::Duration::from_secs(6),
        "{:?}",
        asked.elapsed()
    );
    assert!(
        server.log().contains("shutdown deadline passed"),
        "{}",
        server.log()
    );
}

#[tokio::test]
async fn search_and_sitemaps_are_throttled_per_client_address() {
    let app = TestApp::spawn_with(
        backend(),
        &[
            ("FOLIO_TRUSTED_PROXIES", "1"),
            ("FOLIO_SEARCH_THROTTLE", "3/minute"),
            // The throttle itself: a sitemap kept by the page cache costs nothing and is not
            // counted.
            ("FOLIO_PAGE_CACHE_MB", "0"),
        ],
    )
    .await;
    let client = bare_client();
    let get = |path: &'static str, from: &'static str| {
        client
            .get(format!("{}{path}", app.address))
            .header("x-forwarded-for", from)
            .send()
    };
    for path in [
        "/search?q=rust",
        "/sitemap.xml",
        "/_fn/search?q=rust&page=1",
    ] {
        let response = get(path, "198.51.100.70").await.unwrap();
        assert_ne!(response.status().as_u16(), 429, "{path}");
    }
    let fourth = get("/search?q=again", "198.51.100.70").await.unwrap();
    assert_eq!(fourth.status().as_u16(), 429);
    assert!(fourth.headers().contains_key("retry-after"));
    let sitemap = get("/sitemap.xml", "198.51.100.70").await.unwrap();
    assert_eq!(
        sitemap.status().as_u16(),
        429,
        "one budget for the expensive pages"
    );
    let other = get("/search?q=rust", "203.0.113.71").await.unwrap();
    assert_eq!(other.status().as_u16(), 200, "another address has its own");
    let home = get("/", "198.51.100.70").await.unwrap();
    assert_eq!(
        home.status().as_u16(),
        200,
        "ordinary pages are not counted"
    );
}

#[tokio::test]
async fn sitemaps_over_fifty_thousand_urls_become_an_index() {
    let app = TestApp::spawn().await;
    let seed = app
        .create_post(crate::helpers::PostSpec::published("Seed", 1))
        .await;
    insert_bulk_posts(&app.db, seed, 50_001, 20).await;
    let (status, index) = app.get_text("/sitemap.xml").await;
    assert_eq!(status, 200);
    let doc = roxmltree::Document::parse(&index).expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "sitemapindex");
    let parts: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .map(str::to_string)
        .collect();
    assert_eq!(
        parts,
        vec![
            "https://blog.example.org/sitemap/1.xml",
            "https://blog.example.org/sitemap/2.xml"
        ]
    );
    let mut total = 0;
    let mut all = std::collections::HashSet::new();
    for part in &parts {
        let path = part.trim_start_matches("https://blog.example.org");
        let (status, xml) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
        let locs: Vec<String> = doc
            .descendants()
            .filter(|n| n.has_tag_name("loc"))
            .filter_map(|n| n.text())
            .map(str::to_string)
            .collect();
        assert!(locs.len() <= 50_000, "{path}: {}", locs.len());
        total += locs.len();
        all.extend(locs);
    }
    // home + 50,001 bulk + seed + welcome posts + 2 categories + 2 authors, each once.
    assert_eq!(total, 1 + 50_003 + 2 + 2);
    assert_eq!(all.len(), total, "no URL twice");
    assert!(all.contains("https://blog.example.org/author/ann/"));
    assert_eq!(app.get_text("/sitemap/3.xml").await.0, 404);
    assert_eq!(app.get_text("/sitemap/0.xml").await.0, 404);
}

#[tokio::test]
async fn views_counted_before_a_clean_shutdown_are_written() {
    let mut server = crate::helpers::ServerProcess::start(&[]).await;
    // The welcome post every fresh site has.
    let db = app::ssr::db::Db::connect(&server.database.url)
        .await
        .unwrap();
    let (published_at, slug): (chrono::DateTime<chrono::Utc>, String) = {
        let mut conn = db.acquire().await.unwrap();
        app::on_conn!(conn.conn(), |c| sqlx::query_as(
            "SELECT published_at, slug FROM posts WHERE kind = 'post'"
        )
        .fetch_one(c)
        .await)
        .unwrap()
    };
    let path = app::domain::text::post_path(published_at, &slug);
    let client = bare_client();
    for _ in 0..7 {
        let response = client
            .get(format!("{}{path}", server.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    // Stopped before the once-a-second flush can have written them all.
    server.terminate();
    let status = server
        .wait_exit(std::time::Duration::from_secs(10))
        .await
        .unwrap_or_else(|| panic!("still running:\n{}", server.log()));
    assert!(status.success(), "{status:?}");
    let mut conn = db.acquire().await.unwrap();
    let views: i64 = app::on_conn!(conn.conn(), |c| sqlx::query_scalar(
        "SELECT view_count FROM posts WHERE kind = 'post'"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert_eq!(views, 7, "{}", server.log());
}
