//! Accounts over HTTP: sign up, verification, sign in and out, sessions, passwords, throttling,
//! profile. Each refusal is checked to change nothing.

use app::domain::Role;
use app::error::AppError;
use app::ssr::accounts::{INVALID_LINK, LOGIN_FAILED};

use crate::helpers::{session_cookie, set_cookie, TestApp};

const GOOD: &str = "velvet-orbit-lantern-42";

async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.db.acquire().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(c)
        .await)
    .unwrap()
}

#[tokio::test]
async fn sign_up_signs_in_and_verification_confirms_the_email() {
    let app = TestApp::spawn().await;
    let response = app
        .call_ok(
            "accounts/signup",
            &[
                ("email", "Ada@Example.org"),
                ("username", "ada"),
                ("password", GOOD),
                ("password_confirm", GOOD),
                ("next", "/search?q=x"),
            ],
        )
        .await;
    assert_eq!(response.headers()["location"], "/search?q=x");
    let cookie = set_cookie(&response, "folio_session")
        .expect("session cookie")
        .to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let me = app.me().await.expect("signed in");
    assert_eq!(
        (
            me.username.as_str(),
            me.email.as_str(),
            me.role,
            me.is_verified
        ),
        ("ada", "Ada@example.org", Role::Reader, false)
    );
    let hash: String = {
        let mut conn = app.db.acquire().await.unwrap();
        app::on_conn!(conn.conn(), |c| sqlx::query_scalar(
            "SELECT password_hash FROM users WHERE username = 'ada'"
        )
        .fetch_one(c)
        .await)
        .unwrap()
    };
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );

    let link = app.wait_for_link(1, "/accounts/verify/").await;
    let (status, html) = app.get_text(&link).await;
    assert_eq!(status, 200);
    assert!(html.contains("Confirm your email address"));
    let token = link
        .trim_start_matches("/accounts/verify/")
        .trim_end_matches('/');
    assert_eq!(
        app.call_ok("accounts/verify", &[("token", token)])
            .await
            .headers()["location"],
        "/accounts/verified/"
    );
    assert!(app.me().await.unwrap().is_verified);
    // A link works once.
    let (status, error) = app
        .call_err("accounts/verify", &[("token", token)])
        .await
        .unwrap();
    assert_eq!(
        (status, error.form_message().as_deref()),
        (400, Some(INVALID_LINK))
    );
}

#[tokio::test]
async fn sign_up_reports_every_problem_by_field_and_creates_nothing() {
    let app = TestApp::spawn().await;
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: &[Case] = &[
        (
            &[
                ("email", "not-an-email"),
                ("username", "ada"),
                ("password", GOOD),
                ("password_confirm", GOOD),
            ],
            "email",
            "Enter a valid email address.",
        ),
        (
            &[
                ("email", "ada@example.org"),
                ("username", "ada lovelace"),
                ("password", GOOD),
                ("password_confirm", GOOD),
            ],
            "username",
            "Enter a valid username",
        ),
        (
            &[
                ("email", "ada@example.org"),
                ("username", "ada"),
                ("password", "Zq9!x"),
                ("password_confirm", "Zq9!x"),
            ],
            "password",
            "too short",
        ),
        (
            &[
                ("email", "ada@example.org"),
                ("username", "ada"),
                ("password", "password123"),
                ("password_confirm", "password123"),
            ],
            "password",
            "too common",
        ),
        (
            &[
                ("email", "ada@example.org"),
                ("username", "ada"),
                ("password", "90184726351"),
                ("password_confirm", "90184726351"),
            ],
            "password",
            "entirely numeric",
        ),
        (
            &[
                ("email", "lovelace@example.org"),
                ("username", "adalovelace"),
                ("password", "adalovelace1"),
                ("password_confirm", "adalovelace1"),
            ],
            "password",
            "too similar to the username",
        ),
        (
            &[
                ("email", "ada@example.org"),
                ("username", "ada"),
                ("password", GOOD),
                ("password_confirm", "something-else-42"),
            ],
            "password_confirm",
            "didn’t match",
        ),
    ];
    for (form, field, message) in cases {
        let (status, error) = app
            .call_err("accounts/signup", form)
            .await
            .expect("refused");
        assert_eq!(status, 400);
        let messages = error.field_messages(field);
        assert!(
            messages.iter().any(|m| m.contains(message)),
            "{field}: {messages:?} ({error:?})"
        );
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM users").await,
        1,
        "only the welcome post's author"
    );
    assert!(app.me().await.is_none());

    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    let (_, error) = app
        .call_err(
            "accounts/signup",
            &[
                ("email", "ADA@example.ORG"),
                ("username", "ada2"),
                ("password", GOOD),
                ("password_confirm", GOOD),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        error.field_messages("email"),
        vec!["A user with that email address already exists."]
    );
    let (_, error) = app
        .call_err(
            "accounts/signup",
            &[
                ("email", "other@example.org"),
                ("username", "ada"),
                ("password", GOOD),
                ("password_confirm", GOOD),
            ],
        )
        .await
        .unwrap();
    assert_eq!(
        error.field_messages("username"),
        vec!["A user with that username already exists."]
    );
}

#[tokio::test]
async fn sign_in_gives_one_message_for_unknown_email_and_wrong_password() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    for (email, password) in [
        ("nobody@example.org", GOOD),
        ("ada@example.org", "wrong-password-1"),
    ] {
        let (status, error) = app
            .call_err(
                "accounts/login",
                &[("email", email), ("password", password)],
            )
            .await
            .unwrap();
        assert_eq!(status, 400);
        assert_eq!(error, AppError::field("", LOGIN_FAILED));
    }
    assert!(app.me().await.is_none());
    // Email addresses match whatever their case.
    app.login("ADA@example.org", GOOD).await;
    assert_eq!(app.me().await.unwrap().username, "ada");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM users WHERE last_login IS NOT NULL"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn an_inactive_account_cannot_sign_in_and_its_sessions_end() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    app.login("ada@example.org", GOOD).await;
    {
        let mut conn = app.db.acquire_write().await.unwrap();
        app::on_conn!(conn.conn(), |c| sqlx::query(
            "UPDATE users SET is_active = FALSE WHERE id = $1"
        )
        .bind(id)
        .execute(c)
        .await
        .map(|_| ()))
        .unwrap();
    }
    assert!(app.me().await.is_none(), "a deactivated user is signed out");
    let (_, error) = app
        .call_err(
            "accounts/login",
            &[("email", "ada@example.org"), ("password", GOOD)],
        )
        .await
        .unwrap();
    assert_eq!(error, AppError::field("", LOGIN_FAILED));
}

#[tokio::test]
async fn next_only_leads_to_this_site() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    for (next, expected) in [
        ("/2024/01/02/post/", "/2024/01/02/post/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
    ] {
        let response = app
            .call_ok(
                "accounts/login",
                &[
                    ("email", "ada@example.org"),
                    ("password", GOOD),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(response.headers()["location"], expected, "next={next}");
    }
}

#[tokio::test]
async fn sign_in_rotates_the_session_id_and_sign_out_purges_it() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    // A session that exists before signing in (e.g. planted by an attacker) is not kept.
    let first = app
        .call_ok(
            "accounts/login",
            &[("email", "ada@example.org"), ("password", GOOD)],
        )
        .await;
    let first_id = session_cookie(&first);
    let second = app
        .call_ok(
            "accounts/login",
            &[("email", "ada@example.org"), ("password", GOOD)],
        )
        .await;
    let second_id = session_cookie(&second);
    assert_ne!(first_id, second_id, "the id changes on sign-in");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM sessions").await,
        1,
        "the old session row is gone"
    );

    // Signing out by GET does nothing.
    let response = app.get("/_fn/accounts/logout").await;
    assert!(!response.status().is_success());
    assert!(app.me().await.is_some());

    let response = app.call_ok("accounts/logout", &[]).await;
    assert_eq!(response.headers()["location"], "/");
    assert!(app.me().await.is_none());
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sessions").await, 0);
    // Replaying the old cookie finds nothing.
    let replay = app
        .other_client()
        .client
        .get(format!("{}/_fn/accounts/me", app.address))
        .header("cookie", &second_id)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(replay, "null");
}

#[tokio::test]
async fn changing_the_password_signs_out_other_devices_only() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    app.login("ada@example.org", GOOD).await;
    let laptop = app.other_client();
    laptop
        .call(
            "accounts/login",
            &[("email", "ada@example.org"), ("password", GOOD)],
        )
        .await;
    assert!(laptop.me().await.is_some());

    let (status, error) = app
        .call_err(
            "accounts/password/change",
            &[
                ("old_password", "wrong-old-pass"),
                ("new_password", "another-fine-phrase-7"),
                ("new_password_confirm", "another-fine-phrase-7"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(status, 400);
    assert_eq!(
        error.field_messages("old_password"),
        vec!["Your old password was entered incorrectly. Please enter it again."]
    );
    let (_, error) = app
        .call_err(
            "accounts/password/change",
            &[
                ("old_password", GOOD),
                ("new_password", "12345678"),
                ("new_password_confirm", "12345678"),
            ],
        )
        .await
        .unwrap();
    assert!(!error.field_messages("new_password").is_empty());

    app.call_ok(
        "accounts/password/change",
        &[
            ("old_password", GOOD),
            ("new_password", "another-fine-phrase-7"),
            ("new_password_confirm", "another-fine-phrase-7"),
        ],
    )
    .await;
    assert!(app.me().await.is_some(), "this device stays signed in");
    assert!(laptop.me().await.is_none(), "other devices are signed out");
    let (_, error) = app
        .call_err(
            "accounts/login",
            &[("email", "ada@example.org"), ("password", GOOD)],
        )
        .await
        .unwrap();
    assert_eq!(error, AppError::field("", LOGIN_FAILED));
    app.login("ada@example.org", "another-fine-phrase-7").await;
}

#[tokio::test]
async fn password_reset_works_once_and_ends_every_session() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    let phone = app.other_client();
    phone
        .call(
            "accounts/login",
            &[("email", "ada@example.org"), ("password", GOOD)],
        )
        .await;
    assert!(phone.me().await.is_some());

    // An unknown address gets the same answer and no email.
    let unknown = app
        .call_ok(
            "accounts/password/reset",
            &[("email", "nobody@example.org")],
        )
        .await;
    assert_eq!(
        unknown.headers()["location"],
        "/accounts/password/reset/?sent=1"
    );
    let known = app
        .call_ok("accounts/password/reset", &[("email", "ADA@example.org")])
        .await;
    assert_eq!(
        known.headers()["location"],
        "/accounts/password/reset/?sent=1"
    );
    let link = app.wait_for_link(1, "/accounts/reset/").await;
    assert_eq!(app.emails().len(), 1);
    let token = link
        .trim_start_matches("/accounts/reset/")
        .trim_end_matches('/')
        .to_string();
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM account_tokens WHERE token_hash = '{token}'")
        )
        .await,
        0,
        "stored hashed"
    );

    let (status, html) = app.get_text(&link).await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"name="new_password""#), "the form is shown");

    let (_, error) = app
        .call_err(
            "accounts/password/reset/confirm",
            &[
                ("token", &token),
                ("new_password", "ada"),
                ("new_password_confirm", "ada"),
            ],
        )
        .await
        .unwrap();
    assert!(!error.field_messages("new_password").is_empty());
    let response = app
        .call_ok(
            "accounts/password/reset/confirm",
            &[
                ("token", &token),
                ("new_password", "brand-new-phrase-9"),
                ("new_password_confirm", "brand-new-phrase-9"),
            ],
        )
        .await;
    assert_eq!(
        response.headers()["location"],
        "/accounts/login/?done=reset"
    );
    assert!(
        phone.me().await.is_none(),
        "sessions end when the password is reset"
    );
    app.login("ada@example.org", "brand-new-phrase-9").await;

    // Used once: the link is dead, and its page says so.
    let (_, error) = app
        .call_err(
            "accounts/password/reset/confirm",
            &[
                ("token", &token),
                ("new_password", "third-phrase-here-5"),
                ("new_password_confirm", "third-phrase-here-5"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(error.form_message().as_deref(), Some(INVALID_LINK));
    let (_, html) = app.get_text(&link).await;
    assert!(html.contains("invalid"), "{html}");
}

#[tokio::test]
async fn reset_links_expire_after_an_hour_and_die_when_the_password_changes() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    app.call_ok("accounts/password/reset", &[("email", "ada@example.org")])
        .await;
    let link = app.wait_for_link(1, "/accounts/reset/").await;
    let token = link
        .trim_start_matches("/accounts/reset/")
        .trim_end_matches('/')
        .to_string();
    {
        let past = chrono::Utc::now() - chrono::Duration::minutes(61);
        let mut conn = app.db.acquire_write().await.unwrap();
        app::on_conn!(conn.conn(), |c| sqlx::query(
            "UPDATE account_tokens SET created_at = $1, expires_at = $2"
        )
        .bind(past)
        .bind(past + chrono::Duration::hours(1))
        .execute(c)
        .await
        .map(|_| ()))
        .unwrap();
    }
    let form = [
        ("token", token.as_str()),
        ("new_password", "brand-new-phrase-9"),
        ("new_password_confirm", "brand-new-phrase-9"),
    ];
    let (_, error) = app
        .call_err("accounts/password/reset/confirm", &form)
        .await
        .unwrap();
    assert_eq!(
        error.form_message().as_deref(),
        Some(INVALID_LINK),
        "expired"
    );

    app.call_ok("accounts/password/reset", &[("email", "ada@example.org")])
        .await;
    let link = app.wait_for_link(2, "/accounts/reset/").await;
    let token = link
        .trim_start_matches("/accounts/reset/")
        .trim_end_matches('/')
        .to_string();
    app.login("ada@example.org", GOOD).await;
    app.call_ok(
        "accounts/password/change",
        &[
            ("old_password", GOOD),
            ("new_password", "changed-in-between-3"),
            ("new_password_confirm", "changed-in-between-3"),
        ],
    )
    .await;
    let form = [
        ("token", token.as_str()),
        ("new_password", "brand-new-phrase-9"),
        ("new_password_confirm", "brand-new-phrase-9"),
    ];
    let (_, error) = app
        .call_err("accounts/password/reset/confirm", &form)
        .await
        .unwrap();
    assert_eq!(
        error.form_message().as_deref(),
        Some(INVALID_LINK),
        "a password change kills reset links"
    );
}

#[tokio::test]
async fn repeated_failures_are_throttled_with_retry_after_and_then_forgiven() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    for _ in 0..5 {
        let (status, _) = app
            .call_err(
                "accounts/login",
                &[
                    ("email", "ada@example.org"),
                    ("password", "wrong-password-1"),
                ],
            )
            .await
            .unwrap();
        assert_eq!(status, 400);
    }
    let response = app
        .call(
            "accounts/login",
            &[("email", "ada@example.org"), ("password", GOOD)],
        )
        .await;
    assert_eq!(
        response.status().as_u16(),
        429,
        "even the right password waits"
    );
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    assert!(app.me().await.is_none());
    // The window slides: once the failures are older than 15 minutes, the owner gets in.
    {
        let past = chrono::Utc::now() - chrono::Duration::minutes(16);
        let mut conn = app.db.acquire_write().await.unwrap();
        app::on_conn!(conn.conn(), |c| sqlx::query(
            "UPDATE throttle_events SET happened_at = $1"
        )
        .bind(past)
        .execute(c)
        .await
        .map(|_| ()))
        .unwrap();
    }
    app.login("ada@example.org", GOOD).await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM throttle_events WHERE scope = 'sign-in-account-address'"
        )
        .await,
        0,
        "success clears the failures of the account from this address"
    );
}

#[tokio::test]
async fn one_address_trying_many_accounts_is_throttled() {
    let app = TestApp::spawn().await;
    for i in 0..20 {
        let email = format!("guess{i}@example.org");
        let (status, _) = app
            .call_err(
                "accounts/login",
                &[("email", &email), ("password", "wrong-password-1")],
            )
            .await
            .unwrap();
        assert_eq!(status, 400);
    }
    let response = app
        .call(
            "accounts/login",
            &[
                ("email", "fresh@example.org"),
                ("password", "wrong-password-1"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 429);
    assert!(response.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn the_profile_is_validated_and_saved() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    app.login("ada@example.org", GOOD).await;
    let (status, error) = app
        .call_err(
            "accounts/profile",
            &[
                ("display_name", "Ada"),
                ("bio", "x"),
                ("avatar_url", "javascript:alert(1)"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(status, 400);
    assert!(!error.field_messages("avatar_url").is_empty());
    let long = "n".repeat(151);
    let (_, error) = app
        .call_err(
            "accounts/profile",
            &[("display_name", &long), ("bio", ""), ("avatar_url", "")],
        )
        .await
        .unwrap();
    assert!(!error.field_messages("display_name").is_empty());
    assert_eq!(app.me().await.unwrap().display_name, "", "nothing saved");

    app.call_ok(
        "accounts/profile",
        &[
            ("display_name", "Ada Lovelace"),
            ("bio", "Analyst."),
            ("avatar_url", "https://img.example.org/ada.png"),
        ],
    )
    .await;
    let me = app.me().await.unwrap();
    assert_eq!(
        (
            me.display_name.as_str(),
            me.bio.as_str(),
            me.avatar_url.as_deref()
        ),
        (
            "Ada Lovelace",
            "Analyst.",
            Some("https://img.example.org/ada.png")
        )
    );
    let (_, html) = app.get_text("/accounts/profile/").await;
    assert!(html.contains("Ada Lovelace"));
}

#[tokio::test]
async fn account_pages_work_without_javascript() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    // A wrong password: back to the form, which shows the error.
    let response = app
        .form_post(
            "/accounts/login/?next=/search",
            "/_fn/accounts/login",
            &[
                ("email", "ada@example.org"),
                ("password", "wrong-password-1"),
                ("next", "/search"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.contains("/accounts/login/") && location.contains("__err="),
        "{location}"
    );
    let path = location.trim_start_matches(&app.address);
    let (_, html) = app.get_text(path).await;
    assert!(
        html.contains("Please enter a correct email address and password"),
        "{html}"
    );
    // The right one: on to `next`, signed in.
    let response = app
        .form_post(
            "/accounts/login/?next=/search",
            "/_fn/accounts/login",
            &[
                ("email", "ada@example.org"),
                ("password", GOOD),
                ("next", "/search"),
            ],
        )
        .await;
    assert_eq!(response.status().as_u16(), 302);
    assert_eq!(response.headers()["location"], "/search");
    assert!(app.me().await.is_some());
    let (_, html) = app.get_text("/").await;
    assert!(
        html.contains("Sign out") && html.contains(">ada<"),
        "the header shows the user"
    );
    // Sign out with the header's form.
    let response = app.form_post("/", "/_fn/accounts/logout", &[]).await;
    assert_eq!(response.headers()["location"], "/");
    assert!(app.me().await.is_none());
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_sign_in_from_account_pages() {
    let app = TestApp::spawn().await;
    for page in ["/accounts/profile/", "/accounts/password/change/"] {
        let response = app
            .client
            .get(format!("{}{page}", app.address))
            .header("accept", "text/html")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 302, "{page}");
        let location = response.headers()["location"].to_str().unwrap();
        assert!(
            location.starts_with("/accounts/login/?next=/accounts/"),
            "{location}"
        );
    }
    for page in [
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
    ] {
        let (status, html) = app.get_text(page).await;
        assert_eq!(status, 200, "{page}");
        assert!(
            html.contains(r#"name="csrf_token""#),
            "{page} has a CSRF field"
        );
    }
}

#[tokio::test]
async fn a_role_change_gives_the_session_a_new_id() {
    let app = TestApp::spawn().await;
    let id = app
        .create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    let login = app
        .call_ok(
            "accounts/login",
            &[("email", "ada@example.org"), ("password", GOOD)],
        )
        .await;
    let before = session_cookie(&login);
    {
        let mut conn = app.db.acquire_write().await.unwrap();
        app::ssr::db::users::set_role(conn.conn(), id, Role::Editor)
            .await
            .unwrap();
    }
    let response = app.get("/_fn/accounts/me").await;
    let after = session_cookie(&response);
    assert_ne!(before, after);
    let me: Option<app::model::CurrentUser> = response.json().await.unwrap();
    assert_eq!(me.unwrap().role, Role::Editor);
    assert_eq!(
        app.me().await.unwrap().role,
        Role::Editor,
        "still signed in with the new id"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM sessions").await,
        1,
        "the old id is gone"
    );
}
