//! The security baseline over HTTP: CSRF, security headers with the CSP nonce, the Host
//! allow-list, cookie flags, and errors without internals.

use app::domain::Role;

use crate::helpers::{backend, csrf_input, set_cookie, TestApp};

const GOOD: &str = "velvet-orbit-lantern-42";

async fn session_count(app: &TestApp) -> i64 {
    let mut conn = app.db.acquire().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM sessions"
    )
    .fetch_one(c)
    .await)
    .unwrap()
}

#[tokio::test]
async fn a_cross_site_form_post_fails_and_a_same_site_one_works() {
    let app = TestApp::spawn().await;
    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    let form = [("email", "ada@example.org"), ("password", GOOD)];
    let url = format!("{}/_fn/accounts/login", app.address);

    let forged = "abc.0123456789abcdef0123456789abcdef";
    let forged_cookie = format!("folio_csrf={forged}");
    // Each request a browser (or a forger) could send from elsewhere, as (what, headers, token).
    type Forgery<'a> = (&'a str, Vec<(&'a str, &'a str)>, Option<&'a str>);
    let refused: [Forgery; 5] = [
        (
            "another site's page posting a form",
            vec![
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "cross-site"),
                ("sec-fetch-mode", "navigate"),
                ("accept", "text/html"),
            ],
            None,
        ),
        (
            "an older browser without Sec-Fetch-*: Origin alone",
            vec![("origin", "https://evil.example")],
            None,
        ),
        (
            "a Referer from elsewhere, no Origin",
            vec![("referer", "https://evil.example/page")],
            None,
        ),
        (
            "same origin, a form navigation without the token",
            vec![
                ("origin", app.address.as_str()),
                ("sec-fetch-site", "same-origin"),
                ("sec-fetch-mode", "navigate"),
                ("accept", "text/html"),
            ],
            None,
        ),
        (
            "a forged token matching a forged cookie, not signed by us",
            vec![("cookie", forged_cookie.as_str())],
            Some(forged),
        ),
    ];
    for (what, headers, token) in refused {
        let mut fields = form.to_vec();
        if let Some(token) = token {
            fields.push(("csrf_token", token));
        }
        let mut request = app.client.post(&url).form(&fields);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), 403, "{what}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("CSRF verification failed"),
            "{what}"
        );
    }
    assert!(app.me().await.is_none());
    assert_eq!(session_count(&app).await, 0, "nothing happened");

    // The same form from Folio's own page, with its token: signed in.
    let response = app
        .form_post("/accounts/login/", "/_fn/accounts/login", &form)
        .await;
    assert_eq!(response.status().as_u16(), 302);
    assert!(app.me().await.is_some());
}

#[tokio::test]
async fn every_response_carries_the_security_headers_and_scripts_carry_the_nonce() {
    let app = TestApp::spawn().await;
    let response = app.get("/").await;
    let headers = response.headers().clone();
    let html = response.text().await.unwrap();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "same-origin");
    assert_eq!(
        headers["strict-transport-security"], "max-age=31536000; includeSubDomains",
        "the test site URL is https://"
    );
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"),
        "{csp}"
    );
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|r| r.split('\'').next())
        .expect("a nonce");
    assert!(nonce.len() >= 16);
    let scripts: Vec<&str> = html
        .split("<script")
        .skip(1)
        .map(|s| &s[..s.find('>').unwrap()])
        .collect();
    assert!(!scripts.is_empty());
    for script in scripts {
        assert!(
            script.contains(&format!("nonce=\"{nonce}\"")),
            "every script has the nonce: <script{script}>"
        );
    }
    // A new nonce for every response.
    let again = app.get("/").await.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert_ne!(again, csp);
    // Static files and errors get the headers too.
    let response = app.get("/no/such/page/").await;
    assert_eq!(response.status().as_u16(), 404);
    assert_eq!(response.headers()["x-frame-options"], "DENY");
}

#[tokio::test]
async fn plain_http_sites_get_no_hsts_and_https_sites_get_secure_cookies() {
    let app = TestApp::spawn_with(backend(), &[("FOLIO_SITE_URL", "http://127.0.0.1:9")]).await;
    assert!(!app
        .get("/")
        .await
        .headers()
        .contains_key("strict-transport-security"));

    let app = TestApp::spawn_with(backend(), &[("FOLIO_SECURE_COOKIES", "true")]).await;
    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    let response = app
        .call(
            "accounts/login",
            &[("email", "ada@example.org"), ("password", GOOD)],
        )
        .await;
    let cookie = set_cookie(&response, "folio_session").unwrap();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let (_, html) = app.get_text("/accounts/login/").await;
    assert!(csrf_input(&html).is_some());
}

#[tokio::test]
async fn hosts_outside_the_allow_list_are_refused() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .get(format!("{}/", app.address))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let response = app
        .client
        .get(format!("{}/", app.address))
        .header("host", "blog.example.org")
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "the site URL's host is allowed"
    );
    let app = TestApp::spawn_with(backend(), &[("FOLIO_ALLOWED_HOSTS", "blog.example.org")]).await;
    assert_eq!(
        app.get("/").await.status().as_u16(),
        400,
        "127.0.0.1 is no longer allowed"
    );
}

#[tokio::test]
async fn errors_show_no_internals() {
    let app = TestApp::spawn().await;
    // Malformed arguments: a clear 400 without paths or type names of the server.
    let response = app
        .call(
            "comments/add",
            &[("post_id", "not-a-number"), ("body", "x")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 400);
    let body = response.text().await.unwrap();
    assert!(
        !body.contains("/src/") && !body.contains("sqlx") && !body.contains("panicked"),
        "{body}"
    );
    let (status, html) = app.get_text("/2024/01/01/missing/").await;
    assert_eq!(status, 404);
    assert!(!html.contains("sqlx") && !html.contains("SELECT"));
}

#[tokio::test]
async fn a_server_failure_page_shows_the_request_id_and_no_internals() {
    let app = TestApp::spawn().await;
    {
        // Break the database under the running server: the home page query must fail.
        let mut conn = app.db.acquire_write().await.unwrap();
        app::on_conn!(conn.conn(), |c| sqlx::query(
            "ALTER TABLE posts RENAME TO posts_moved"
        )
        .execute(c)
        .await
        .map(|_| ()))
        .unwrap();
    }
    let response = app.get("/").await;
    assert_eq!(response.status().as_u16(), 500);
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let html = response.text().await.unwrap();
    assert!(html.contains("Something went wrong"));
    assert!(
        html.contains(&request_id),
        "the page shows the reference {request_id}"
    );
    for internal in [
        "posts_moved",
        "no such table",
        "does not exist",
        "SELECT",
        "sqlx",
        ".rs",
    ] {
        assert!(!html.contains(internal), "the page leaks {internal:?}");
    }
}

#[tokio::test]
async fn email_goes_through_smtp_when_configured() {
    use std::io::{BufRead, BufReader};
    use std::sync::{Arc, Mutex};
    // A real SMTP server: Python's standard `smtpd` DebuggingServer prints what it receives.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = KillOnDrop(
        std::process::Command::new("python3")
            .args([
                "-W",
                "ignore",
                "-u",
                "-m",
                "smtpd",
                "-n",
                "-c",
                "DebuggingServer",
                &format!("127.0.0.1:{port}"),
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs"),
    );
    let received = Arc::new(Mutex::new(String::new()));
    let sink = received.clone();
    let stdout = child.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&line);
            sink.lock().unwrap().push('\n');
        }
    });
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let smtp_url = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(
        backend(),
        &[
            ("FOLIO_SMTP_URL", smtp_url.as_str()),
            ("FOLIO_MAIL_FROM", "Blog <blog@example.org>"),
        ],
    )
    .await;
    app.create_user("ada@example.org", "ada", GOOD, Role::Reader)
        .await;
    app.call("accounts/password/reset", &[("email", "ada@example.org")])
        .await;
    let mut text = String::new();
    for _ in 0..100 {
        text = received.lock().unwrap().clone();
        if text.contains("/accounts/reset/") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    drop(child);
    assert!(
        text.contains("Subject: Password reset on Test Blog"),
        "{text}"
    );
    assert!(
        text.contains("To: ada@example.org") && text.contains("From: Blog <blog@example.org>"),
        "{text}"
    );
    assert!(
        text.contains("https://blog.example.org/accounts/reset/"),
        "{text}"
    );
    assert!(app.emails().is_empty(), "nothing written to the folder");
}

/// A child process killed and reaped when the test ends, whatever happens.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn plain_http_is_redirected_to_https_as_the_trusted_proxy_says() {
    let app = TestApp::spawn_with(
        backend(),
        &[
            ("FOLIO_SITE_URL", "https://blog.example.org"),
            ("FOLIO_SSL_REDIRECT", "true"),
            ("FOLIO_TRUSTED_PROXIES", "1"),
        ],
    )
    .await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let get = |path: &str, proto: Option<&str>| {
        let mut request = client.get(format!("{}{path}", app.address));
        if let Some(proto) = proto {
            request = request.header("x-forwarded-proto", proto);
        }
        request.send()
    };
    // Plain HTTP (no header, or the proxy says http): to the same path and query on HTTPS.
    for proto in [None, Some("http")] {
        let response = get("/search?q=rust&page=2", proto).await.unwrap();
        assert_eq!(response.status(), 301, "{proto:?}");
        assert_eq!(
            response.headers()["location"],
            "https://blog.example.org/search?q=rust&page=2"
        );
    }
    // Unsafe methods too (Django's SECURE_SSL_REDIRECT redirects every request).
    let response = client
        .post(format!("{}/_fn/accounts/login", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 301);
    // Over HTTPS, as the proxy says: served.
    assert_eq!(get("/", Some("https")).await.unwrap().status(), 200);
    // A client's own "https" left of what our one proxy appended does not count.
    assert_eq!(get("/", Some("https, http")).await.unwrap().status(), 301);
    assert_eq!(get("/", Some("http, https")).await.unwrap().status(), 200);
    // The health check answers over plain HTTP (load balancers call it so).
    assert_eq!(get("/healthz", None).await.unwrap().status(), 200);

    // Without trusted proxies the header is anyone's to send, so it is never believed; such a
    // configuration is refused at start, as it would redirect forever.
    let refused = folio_server::config::Config::from_lookup(|key| match key {
        "FOLIO_SITE_URL" => Some("https://blog.example.org".to_string()),
        "FOLIO_SSL_REDIRECT" => Some("true".to_string()),
        _ => None,
    });
    assert!(refused.is_err());
    let headers = {
        let mut h = axum::http::HeaderMap::new();
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        h
    };
    assert!(!folio_server::security::came_over_https(&headers, 0));
    assert!(folio_server::security::came_over_https(&headers, 1));
}
