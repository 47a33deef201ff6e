//! Processes killed with SIGKILL in the middle of writing: an import and a stream of editor
//! saves. Every post is whole afterwards (each write is one transaction), and the work can go on.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::model::editor::{EditorPost, Saved};
use app::ssr::db::Db;
use serde_json::json;

use crate::helpers::{backend, ServerProcess, TestDatabase};

const PASSWORD: &str = "velvet-orbit-lantern-42";

async fn count(db: &Db, sql: &str) -> i64 {
    let mut conn = db.acquire().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(c)
        .await)
    .unwrap()
}

#[tokio::test]
async fn an_import_killed_half_way_leaves_whole_posts_and_a_second_run_finishes_it() {
    let database = TestDatabase::create(backend()).await;
    let db = Db::connect(&database.url).await.unwrap();
    db.migrate().await.unwrap();
    let import = || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_folio"));
        command
            .args(["import", "markdown"])
            .arg(crate::import::corpus())
            .env("DATABASE_URL", &database.url)
            .env("FOLIO_MEDIA_DIR", database.media_dir())
            .env_remove("RUST_LOG")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        command
    };
    let mut child = import().spawn().unwrap();
    let started = Instant::now();
    while count(&db, "SELECT COUNT(*) FROM posts").await < 50 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the import wrote nothing"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let after_kill = count(&db, "SELECT COUNT(*) FROM posts").await;
    assert!(
        after_kill < 750,
        "killed before the end ({after_kill} posts)"
    );
    // Whole posts only: each has its text, an author and a category, and its tags' rows.
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM posts WHERE body = '' OR body_text = '' OR title = ''"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM post_tags pt WHERE NOT EXISTS (SELECT 1 FROM posts p WHERE p.id = pt.post_id)"
        )
        .await,
        0
    );
    // Run again: it finishes, and nothing is there twice.
    let status = import().status().unwrap();
    assert!(status.success());
    assert_eq!(count(&db, "SELECT COUNT(*) FROM posts").await, 750);
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) FROM (SELECT slug, published_at FROM posts GROUP BY slug, published_at HAVING COUNT(*) > 1) d"
        )
        .await,
        0
    );
    db.close().await;
}

/// A browser-like client of `server`: cookies kept, same-origin headers on calls.
struct Client {
    address: String,
    http: reqwest::Client,
}

impl Client {
    fn new(address: &str) -> Self {
        Self {
            address: address.to_string(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        }
    }

    fn call(&self, endpoint: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/_fn/{endpoint}", self.address))
            .header("origin", &self.address)
            .header("sec-fetch-site", "same-origin")
            .header("sec-fetch-mode", "cors")
    }
}

#[tokio::test]
async fn a_server_killed_during_editor_saves_keeps_each_post_as_one_whole_save() {
    let database = Arc::new(TestDatabase::create(backend()).await);
    let mut server = ServerProcess::start_on(database.clone(), "serve", &[]).await;
    let db = Db::connect(&database.url).await.unwrap();
    crate::helpers::create_account(
        &db,
        "author@example.org",
        "author",
        PASSWORD,
        app::domain::Role::Author,
    )
    .await;
    let client = Client::new(&server.address);
    let login = client
        .call("accounts/login")
        .form(&[("email", "author@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(login.status().is_success() || login.status().is_redirection());
    let created = client.call("editor/create").send().await.unwrap();
    let id: i64 = created.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/admin/posts/")
        .trim_end_matches("/edit/")
        .parse()
        .unwrap();
    let opened: EditorPost = client
        .http
        .get(format!("{}/_fn/editor/open?id={id}", server.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Save after save (each one a new title and a body of a few kilobytes that say the same
    // number) until the server is killed under them.
    let mut version = opened.version.clone();
    let mut acknowledged = 0u32;
    let deadline = Instant::now() + Duration::from_millis(400);
    let mut n = 0u32;
    let mut killed = false;
    loop {
        n += 1;
        let body = format!("<p>{}</p>", format!("Version {n}. ").repeat(200));
        let draft = crate::editor::draft(&opened, &format!("Version {n}"), &body);
        let saving = client
            .call("editor/save")
            .json(&json!({ "id": id, "version": version, "draft": draft, "checkpoint": true }))
            .send();
        if !killed && Instant::now() >= deadline {
            // Kill while this save is on its way.
            let (response, ()) = tokio::join!(saving, async {
                tokio::time::sleep(Duration::from_millis(2)).await;
                server.kill();
            });
            killed = true;
            if let Ok(response) = response {
                if response.status().is_success() {
                    acknowledged = n;
                }
            }
            break;
        }
        let response = saving.await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        let saved: Saved = response.json().await.unwrap();
        version = saved.version;
        acknowledged = n;
    }
    assert!(killed && acknowledged >= 1);
    // The post is one save, whole: its title and body say the same number, and it is the last
    // acknowledged save or the one in flight.
    let (title, body): (String, String) = {
        let mut conn = db.acquire().await.unwrap();
        app::on_conn!(conn.conn(), |c| sqlx::query_as::<_, (String, String)>(
            "SELECT title, body FROM posts WHERE id = $1"
        )
        .bind(id)
        .fetch_one(c)
        .await)
        .unwrap()
    };
    let number: u32 = title.trim_start_matches("Version ").parse().unwrap();
    assert!(
        number == acknowledged || number == acknowledged + 1,
        "{title} after save {acknowledged}"
    );
    assert_eq!(
        body.matches(&format!("Version {number}. ")).count(),
        200,
        "a whole body"
    );
    let revisions = count(
        &db,
        &format!("SELECT COUNT(*) FROM post_revisions WHERE post_id = {id} AND title = '{title}'"),
    )
    .await;
    assert_eq!(revisions, 1, "the stored save has its revision");
    db.close().await;
    // Another server on the same database carries on from there.
    let again = ServerProcess::start_on(database.clone(), "serve", &[]).await;
    let health = reqwest::get(format!("{}/healthz", again.address))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}
