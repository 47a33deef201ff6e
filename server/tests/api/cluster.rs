//! Several `folio serve` processes on one PostgreSQL database: a change made through one is seen
//! at once through the others, whose page caches drop what they kept.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::ssr::db::Db;
use serde_json::json;

use crate::helpers::{backend, ServerProcess, TestBackend, TestDatabase};

const PASSWORD: &str = "velvet-orbit-lantern-42";

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `/` from `server` anonymously: `X-Cache` and the body.
async fn home(server: &ServerProcess) -> (String, String) {
    let response = client()
        .get(format!("{}/", server.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cache = response
        .headers()
        .get("x-cache")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (cache, response.text().await.unwrap())
}

#[tokio::test]
async fn a_post_published_through_one_process_shows_at_once_on_the_others() {
    // Several processes share a database only on PostgreSQL.
    if backend() != TestBackend::Postgres {
        return;
    }
    let database = Arc::new(TestDatabase::create(TestBackend::Postgres).await);
    let settings = [("FOLIO_WORKERS", "0")];
    let writer = ServerProcess::start_on(database.clone(), "serve", &settings).await;
    let reader = ServerProcess::start_on(database.clone(), "serve", &settings).await;
    // An editor, made directly in the shared database.
    let db = Db::connect(&database.url).await.unwrap();
    crate::helpers::create_account(
        &db,
        "editor@example.org",
        "editor",
        PASSWORD,
        app::domain::Role::Editor,
    )
    .await;
    let category: i64 = {
        let mut conn = db.acquire().await.unwrap();
        app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, i64>(
            "SELECT id FROM categories ORDER BY id LIMIT 1"
        )
        .fetch_one(c)
        .await)
        .unwrap()
    };
    db.close().await;

    // The reader process keeps its home page in its page cache.
    home(&reader).await;
    let (cache, before) = home(&reader).await;
    assert_eq!(cache, "hit");
    assert!(!before.contains("News from the other process"));

    // Published through the writer process (the REST API, with a token).
    let token: serde_json::Value = client()
        .post(format!("{}/api/auth/token/", writer.address))
        .json(&json!({ "email": "editor@example.org", "password": PASSWORD }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().expect("a token").to_string();
    let created = client()
        .post(format!("{}/api/posts/", writer.address))
        .header("authorization", format!("Token {token}"))
        .json(&json!({
            "title": "News from the other process",
            "body": "Written through one server, read through another.",
            "category_id": category,
            "status": "PUBLISHED",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let published = Instant::now();

    // The reader process drops its cached page when the writer's notification arrives
    // (milliseconds), long before the cache's maximum age.
    loop {
        let (_, page) = home(&reader).await;
        if page.contains("News from the other process") {
            break;
        }
        assert!(
            published.elapsed() < Duration::from_secs(3),
            "the reader process still serves the old page"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    println!(
        "seen through the other process after {} ms",
        published.elapsed().as_millis()
    );
}

#[tokio::test]
async fn an_import_from_the_command_line_shows_at_once_on_running_servers() {
    if backend() != TestBackend::Postgres {
        return;
    }
    let database = Arc::new(TestDatabase::create(TestBackend::Postgres).await);
    let server =
        ServerProcess::start_on(database.clone(), "serve", &[("FOLIO_WORKERS", "0")]).await;
    home(&server).await;
    let (cache, before) = home(&server).await;
    assert_eq!(cache, "hit");
    assert!(!before.contains("Imported while serving"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("imported.md"),
        "+++\ntitle = \"Imported while serving\"\ndate = 2026-01-15\n+++\n\nFrom the command line.\n",
    )
    .unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["import", "markdown"])
        .arg(dir.path())
        .env("DATABASE_URL", &database.url)
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let imported = Instant::now();
    loop {
        let (_, page) = home(&server).await;
        if page.contains("Imported while serving") {
            break;
        }
        assert!(
            imported.elapsed() < Duration::from_secs(3),
            "the server still serves the page from before the import"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
