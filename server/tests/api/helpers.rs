//! The test harness: a real Folio server on a free port with a fresh database per test.
//!
//! The backend is SQLite (a file in a temporary folder) unless `FOLIO_TEST_DATABASE=postgres`,
//! in which case each test creates its own database on the PostgreSQL server at
//! `FOLIO_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`) and drops it
//! afterwards.

use std::path::PathBuf;

use app::domain::PostStatus;
use app::ssr::db::Db;
use app::ssr::posts::rules::PostBody;
use app::ssr::posts::views::ViewCounter;
use app::ssr::posts::write::ImportedPost;
use app::ssr::posts::{PostEvents, Posts};
use chrono::{DateTime, Utc};
use folio_server::config::Config;
use folio_server::startup::Application;

/// The default administrative URL of the test PostgreSQL server.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Which database engine the tests run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TestBackend {
    /// A SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// The backend chosen by `FOLIO_TEST_DATABASE`.
pub fn backend() -> TestBackend {
    match std::env::var("FOLIO_TEST_DATABASE").as_deref() {
        Ok("postgres") | Ok("postgresql") => TestBackend::Postgres,
        _ => TestBackend::Sqlite,
    }
}

/// A fresh, empty database that removes itself when dropped (with a folder for its email).
pub struct TestDatabase {
    /// The URL to give Folio.
    pub url: String,
    dir: tempfile::TempDir,
    pg_name: Option<String>,
}

impl TestDatabase {
    /// The folder the test server writes its `.eml` files to.
    pub fn mail_dir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    /// The folder the test server keeps uploaded images in.
    pub fn media_dir(&self) -> PathBuf {
        self.dir.path().join("media")
    }
}

fn postgres_admin_url() -> String {
    std::env::var("FOLIO_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_string())
}

impl TestDatabase {
    /// Creates a database on `backend`.
    pub async fn create(backend: TestBackend) -> Self {
        match backend {
            TestBackend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary folder");
                let url = format!(
                    "sqlite://{}",
                    dir.path().join("data").join("folio.db").display()
                );
                Self {
                    url,
                    dir,
                    pg_name: None,
                }
            }
            TestBackend::Postgres => {
                use sqlx::Connection;
                let admin = postgres_admin_url();
                let name = format!("folio_test_{}", uuid_like());
                let mut conn = sqlx::PgConnection::connect(&admin).await.expect(
                    "PostgreSQL must run for FOLIO_TEST_DATABASE=postgres (see README: Tests)",
                );
                sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                    .execute(&mut conn)
                    .await
                    .expect("create database");
                let mut url = url::Url::parse(&admin).expect("admin URL");
                url.set_path(&name);
                Self {
                    url: url.to_string(),
                    dir: tempfile::tempdir().expect("temporary folder"),
                    pg_name: Some(name),
                }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            // Drop runs outside async code: use a small runtime on its own thread.
            let admin = postgres_admin_url();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    use sqlx::Connection;
                    if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                        let _ = sqlx::query(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .execute(&mut conn)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A random-enough identifier for database names (time + counter + process id).
pub fn uuid_like() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    format!(
        "{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// A running Folio server for one test.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The server's database.
    pub db: Db,
    /// The server's channel of posts' change events.
    pub events: PostEvents,
    /// The server's post views not yet written.
    pub views: std::sync::Arc<ViewCounter>,
    /// A client that does not follow redirects, so tests see them.
    pub client: reqwest::Client,
    /// The database, removed when the app is dropped.
    pub _database: TestDatabase,
}

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

impl TestApp {
    /// Starts Folio on a free port with a fresh database of the chosen backend.
    pub async fn spawn() -> Self {
        Self::spawn_on(backend()).await
    }

    /// Starts Folio on a free port with a fresh database of `backend`.
    pub async fn spawn_on(backend: TestBackend) -> Self {
        Self::spawn_with(backend, &[]).await
    }

    /// Starts Folio with extra settings (`(variable, value)`) over the test defaults.
    pub async fn spawn_with(backend: TestBackend, settings: &[(&str, &str)]) -> Self {
        if let Ok(filter) = std::env::var("FOLIO_TEST_LOG") {
            // Server logs of every test, to the file FOLIO_TEST_LOG_FILE (default test-server.log).
            let file =
                std::env::var("FOLIO_TEST_LOG_FILE").unwrap_or_else(|_| "test-server.log".into());
            if let Ok(file) = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(file)
            {
                let _ = tracing_subscriber::fmt()
                    .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
                    .with_writer(std::sync::Mutex::new(file))
                    .with_thread_names(true)
                    .try_init();
            }
        }
        let database = TestDatabase::create(backend).await;
        let url = database.url.clone();
        let mail_dir = database.mail_dir();
        let media_dir = database.media_dir();
        let overrides: std::collections::HashMap<String, String> = settings
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let config = Config::from_lookup(|key| {
            if let Some(value) = overrides.get(key) {
                return Some(value.clone());
            }
            match key {
                "FOLIO_ADDR" => Some("127.0.0.1:0".to_string()),
                "DATABASE_URL" => Some(url.clone()),
                "FOLIO_SITE_TITLE" => Some("Test Blog".to_string()),
                "FOLIO_SITE_URL" => Some("https://blog.example.org".to_string()),
                "FOLIO_SITE_ROOT" => Some(repo_root().join("target/site").display().to_string()),
                // Tests talk plain HTTP to 127.0.0.1: cookies must not require HTTPS.
                "FOLIO_SECURE_COOKIES" => Some("false".to_string()),
                "FOLIO_MAIL_DIR" => Some(mail_dir.display().to_string()),
                "FOLIO_MEDIA_DIR" => Some(media_dir.display().to_string()),
                // Every test calls the API from 127.0.0.1: throttling has its own tests.
                "FOLIO_API_THROTTLE_ANON" | "FOLIO_API_THROTTLE_USER" | "FOLIO_SEARCH_THROTTLE" => {
                    Some("10000/minute".to_string())
                }
                _ => None,
            }
        })
        .expect("test configuration");
        // The server runs as in production: on its own multi-threaded runtime, so nothing the
        // test does on its (single-threaded) runtime can stall it.
        let (started, ready) = tokio::sync::oneshot::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("server runtime");
            runtime.block_on(async move {
                let app = Application::build(&config)
                    .await
                    .expect("application starts");
                let _ = started.send((
                    app.port(),
                    app.db().clone(),
                    app.events().clone(),
                    app.views().clone(),
                ));
                let _ = app.run_until_stopped().await;
            });
        });
        let (port, db, events, views) = ready.await.expect("the server thread started");
        let address = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_store(true)
            // A server that never answers fails the test instead of hanging the suite.
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .expect("HTTP client");
        Self {
            address,
            db,
            events,
            views,
            client,
            _database: database,
        }
    }

    /// GETs a site path.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{}", self.address, path))
            .send()
            .await
            .expect("request")
    }

    /// GETs a site path and returns status and body.
    ///
    /// An HTML page comes without Leptos' empty hydration markers (`<!>`, empty comments the
    /// type-erased views write between text and elements), so tests read the page's text and
    /// markup as a reader sees them.
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        let is_html = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        let text = response.text().await.expect("body");
        (
            status,
            if is_html {
                without_markers(&text)
            } else {
                text
            },
        )
    }

    /// Writes the post views counted so far now (the server does it every second), so a test
    /// can read `view_count`.
    pub async fn flush_views(&self) {
        self.views
            .flush(&self.db)
            .await
            .expect("view counts written");
    }

    /// The server's posts write service (its database and its events' channel).
    pub fn posts(&self) -> Posts<'_> {
        Posts::new(&self.db, &self.events)
    }

    /// Creates a post as an import does (the rules apply; the author and the category are made
    /// when missing) and returns its id.
    pub async fn create_post(&self, spec: PostSpec<'_>) -> i64 {
        let post = ImportedPost {
            author: (spec.author.to_string(), spec.author.to_string()),
            author_email: None,
            category: spec.category.to_string(),
            title: spec.title.to_string(),
            slug: None,
            byline: None,
            body: PostBody::Markdown(spec.body.to_string()),
            meta_description: None,
            status: spec.status,
            published_at: spec.published_at,
            aliases: Vec::new(),
            tags: spec.tags.iter().map(|t| t.to_string()).collect(),
            kind: app::domain::PostKind::Post,
            nav_order: None,
        };
        self.posts()
            .import(post, Utc::now())
            .await
            .expect("valid post")
            .id()
    }
}

/// What a test post looks like.
#[derive(Debug, Clone, Copy)]
pub struct PostSpec<'a> {
    /// Title.
    pub title: &'a str,
    /// Markdown body.
    pub body: &'a str,
    /// Author username (also the display name).
    pub author: &'a str,
    /// Category name.
    pub category: &'a str,
    /// Status.
    pub status: PostStatus,
    /// Publication time.
    pub published_at: Option<DateTime<Utc>>,
    /// Tag names.
    pub tags: &'a [&'a str],
}

impl<'a> PostSpec<'a> {
    /// A published post dated `days_ago` days back.
    pub fn published(title: &'a str, days_ago: i64) -> Self {
        Self {
            title,
            body: "Some *body* text.",
            author: "ann",
            category: "News",
            status: PostStatus::Published,
            published_at: Some(Utc::now() - chrono::Duration::days(days_ago)),
            tags: &[],
        }
    }
}

/// Creates a verified account with `role` directly in `db` (production password hashing; no
/// email), for tests whose servers are separate processes; its id.
pub async fn create_account(
    db: &app::ssr::db::Db,
    email: &str,
    username: &str,
    password: &str,
    role: app::domain::Role,
) -> i64 {
    use app::ssr::accounts;
    use app::ssr::auth::password::Password;
    let valid = accounts::validate_new_account(email, username, &Password::new(password), None)
        .expect("valid account");
    accounts::create_account(
        db,
        &app::ssr::auth::password::HashLimiter::per_core(),
        &valid,
        role,
        true,
        Utc::now(),
    )
    .await
    .expect("account created")
    .id
}

/// Counts non-overlapping occurrences of `needle` in `haystack`.
pub fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The `href` of the page's `<link rel="canonical">`, whatever the attribute order.
pub fn canonical(html: &str) -> Option<String> {
    html.split("<link").skip(1).find_map(|tag| {
        let tag = &tag[..tag.find('>')?];
        if !tag.contains(r#"rel="canonical""#) {
            return None;
        }
        let start = tag.find(r#"href=""#)? + 6;
        let end = start + tag[start..].find('"')?;
        Some(tag[start..end].to_string())
    })
}

/// The value of cookie `name` set by `response` (`Set-Cookie`), if any.
pub fn set_cookie<'a>(response: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
}

/// The `folio_session=<id>` pair that `response` sets (panics when it sets none).
pub fn session_cookie(response: &reqwest::Response) -> String {
    set_cookie(response, "folio_session")
        .expect("a session cookie")
        .split(';')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The value of the hidden `csrf_token` input in `html`.
pub fn csrf_input(html: &str) -> Option<String> {
    let at = html.find(r#"name="csrf_token""#)?;
    let tag_start = html[..at].rfind('<')?;
    let tag = &html[tag_start..at + html[at..].find('>')?];
    let start = tag.find(r#"value=""#)? + 7;
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].to_string())
}

impl TestApp {
    /// Calls server function `endpoint` (under `/_fn/`) as the hydrated page does: a same-origin
    /// `fetch` with form-encoded arguments.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}/_fn/{endpoint}", self.address))
            .header("origin", &self.address)
            .header("sec-fetch-site", "same-origin")
            .header("sec-fetch-mode", "cors")
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Calls `endpoint` and decodes its error, or `None` when it succeeded.
    pub async fn call_err(
        &self,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> Option<(u16, app::error::AppError)> {
        let response = self.call(endpoint, form).await;
        let status = response.status().as_u16();
        if response.status().is_success() {
            return None;
        }
        let body = response.text().await.expect("body");
        let error = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{status} {body}: {e}"));
        Some((status, error))
    }

    /// Calls `endpoint` and expects success.
    pub async fn call_ok(&self, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let response = self.call(endpoint, form).await;
        let status = response.status();
        if !status.is_success() {
            panic!(
                "{endpoint}: {status} {}",
                response.text().await.unwrap_or_default()
            );
        }
        response
    }

    /// Creates a draft through the editor's "Write a post" endpoint as the signed-in client;
    /// its id.
    pub async fn create_draft(&self) -> i64 {
        let response = self.call("editor/create", &[]).await;
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no redirect: {}", response.status()))
            .to_string();
        location
            .trim_start_matches("/admin/posts/")
            .trim_end_matches("/edit/")
            .parse()
            .unwrap_or_else(|_| panic!("unexpected redirect {location}"))
    }

    /// The folder this server keeps uploaded images in.
    pub fn media_dir(&self) -> PathBuf {
        self._database.media_dir()
    }

    /// The signed-in user as the server sees this client.
    pub async fn me(&self) -> Option<app::model::CurrentUser> {
        let response = self.get("/_fn/accounts/me").await;
        assert!(response.status().is_success(), "{}", response.status());
        response.json().await.expect("json")
    }

    /// Creates an account with `role` directly (production password hashing; no email).
    pub async fn create_user(
        &self,
        email: &str,
        username: &str,
        password: &str,
        role: app::domain::Role,
    ) -> i64 {
        create_account(&self.db, email, username, password, role).await
    }

    /// Signs this client in (expects success).
    pub async fn login(&self, email: &str, password: &str) {
        self.call_ok(
            "accounts/login",
            &[("email", email), ("password", password)],
        )
        .await;
    }

    /// A second client with its own cookie jar, for "another browser".
    pub fn other_client(&self) -> TestApp2 {
        TestApp2 {
            address: self.address.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .cookie_store(true)
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("HTTP client"),
        }
    }

    /// Posts an HTML form as a browser with JavaScript off does: a navigation from `page`, with
    /// the page's CSRF token (read from the page, cookie kept by the jar) added to `form`.
    pub async fn form_post(
        &self,
        page: &str,
        action: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let (status, html) = self.get_text(page).await;
        assert_eq!(status, 200, "{page}");
        let token = csrf_input(&html).expect("the page has a CSRF field");
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        fields.push(("csrf_token", &token));
        self.client
            .post(format!("{}{action}", self.address))
            .header("origin", &self.address)
            .header("referer", format!("{}{page}", self.address))
            .header("sec-fetch-site", "same-origin")
            .header("sec-fetch-mode", "navigate")
            .header("accept", "text/html,application/xhtml+xml")
            .form(&fields)
            .send()
            .await
            .expect("request")
    }

    /// The bodies of the emails sent so far, oldest first.
    pub fn emails(&self) -> Vec<String> {
        read_emails(&self._database.mail_dir())
    }

    /// Waits (up to 10 s) for the `n`-th email (1-based) and returns the link in it that starts
    /// with `prefix` (e.g. `/accounts/reset/`), as a site path.
    pub async fn wait_for_link(&self, n: usize, prefix: &str) -> String {
        let marker = format!("https://blog.example.org{prefix}");
        let mut last = None;
        for _ in 0..200 {
            let emails = self.emails();
            if emails.len() >= n {
                let body = &emails[n - 1];
                if let Some(start) = body.find(&marker) {
                    let rest = &body[start + "https://blog.example.org".len()..];
                    let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
                    return rest[..end].to_string();
                }
                last = Some(body.clone());
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        match last {
            Some(body) => panic!("email {n} has no {prefix} link:\n{body}"),
            None => panic!("email {n} never arrived"),
        }
    }
}

/// Another browser (cookie jar) on the same server.
pub struct TestApp2 {
    /// The server's address.
    pub address: String,
    /// The client.
    pub client: reqwest::Client,
}

impl TestApp2 {
    /// Calls a server function as [`TestApp::call`] does.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}/_fn/{endpoint}", self.address))
            .header("origin", &self.address)
            .header("sec-fetch-site", "same-origin")
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// The signed-in user as the server sees this client.
    pub async fn me(&self) -> Option<app::model::CurrentUser> {
        self.client
            .get(format!("{}/_fn/accounts/me", self.address))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json")
    }
}

/// The real `folio serve` (or `folio worker`) binary on a free port with a fresh database, its
/// log captured: for what only a whole process shows (its log lines, signals, exit).
pub struct ServerProcess {
    /// `http://127.0.0.1:<port>` (empty for a worker, which serves nothing).
    pub address: String,
    /// The process's database (removed when the last process or test holding it is done).
    pub database: std::sync::Arc<TestDatabase>,
    child: std::process::Child,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl ServerProcess {
    /// Starts `folio serve` with the test defaults plus `settings` (`(variable, value)`), on
    /// the chosen backend, and waits (up to 60 s) until it listens.
    pub async fn start(settings: &[(&str, &str)]) -> Self {
        let database = std::sync::Arc::new(TestDatabase::create(backend()).await);
        Self::start_on(database, "serve", settings).await
    }

    /// Starts `folio <subcommand>` (`serve` or `worker`) on `database` with the test defaults
    /// plus `settings`, and waits (up to 60 s) until it listens (`serve`) or its job workers
    /// have started (`worker`).
    pub async fn start_on(
        database: std::sync::Arc<TestDatabase>,
        subcommand: &str,
        settings: &[(&str, &str)],
    ) -> Self {
        use std::io::BufRead;
        let serves = subcommand == "serve";
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_folio"));
        command
            .arg(subcommand)
            .current_dir(database.dir.path())
            .env("DATABASE_URL", &database.url)
            .env("FOLIO_ADDR", "127.0.0.1:0")
            .env("FOLIO_SITE_URL", "https://blog.example.org")
            .env("FOLIO_ALLOWED_HOSTS", "blog.example.org,127.0.0.1")
            .env("FOLIO_SECURE_COOKIES", "false")
            .env(
                "FOLIO_SITE_ROOT",
                repo_root().join("target/site").display().to_string(),
            )
            .env("FOLIO_MAIL_DIR", database.mail_dir())
            .env("FOLIO_MEDIA_DIR", database.media_dir())
            .env("FOLIO_API_THROTTLE_ANON", "10000/minute")
            .env("FOLIO_API_THROTTLE_USER", "10000/minute")
            .env("FOLIO_SEARCH_THROTTLE", "10000/minute")
            .env("FOLIO_LOG_FORMAT", "text")
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        for (key, value) in settings {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("start folio");
        let stderr = child.stderr.take().expect("stderr");
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (port_tx, port_rx) = std::sync::mpsc::channel::<u16>();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if !serves && line.contains("job workers started") {
                    let _ = port_tx.send(0);
                }
                if let Some(at) = line.find("listening on 127.0.0.1:") {
                    let digits: String = line[at + "listening on 127.0.0.1:".len()..]
                        .chars()
                        .take_while(char::is_ascii_digit)
                        .collect();
                    if let Ok(port) = digits.parse() {
                        let _ = port_tx.send(port);
                    }
                }
                let mut log = sink.lock().expect("log");
                log.push_str(&line);
                log.push('\n');
            }
        });
        let port = tokio::task::spawn_blocking(move || {
            port_rx.recv_timeout(std::time::Duration::from_secs(60))
        })
        .await
        .expect("join")
        .unwrap_or_else(|_| panic!("folio did not start: {}", log.lock().unwrap()));
        Self {
            address: if serves {
                format!("http://127.0.0.1:{port}")
            } else {
                String::new()
            },
            database,
            child,
            log,
        }
    }

    /// Kills the process at once (SIGKILL: no clean-up of any kind, as a crash).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Everything the process has logged so far.
    pub fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }

    /// Sends SIGTERM (what systemd and container runtimes send to stop a service).
    pub fn terminate(&self) {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits up to `limit` for the process to exit; its exit status, or `None` if it is still
    /// running.
    pub async fn wait_exit(
        &mut self,
        limit: std::time::Duration,
    ) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + limit;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if std::time::Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// The emails sent so far (bodies of the `.eml` files, oldest first).
    pub fn emails(&self) -> Vec<String> {
        read_emails(&self.database.mail_dir())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `.eml` files in `dir`, oldest first.
pub fn read_emails(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(std::time::SystemTime, String)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .map(|e| {
            let modified = e
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(std::time::UNIX_EPOCH);
            (
                modified,
                std::fs::read_to_string(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    files.sort_by_key(|(t, _)| *t);
    files.into_iter().map(|(_, body)| body).collect()
}

/// `html` without Leptos' empty hydration markers (`<!>`). Text a page shows can never hold
/// them: a `<` in content is written `&lt;`.
pub fn without_markers(html: &str) -> String {
    html.replace("<!>", "")
}
