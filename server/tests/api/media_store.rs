//! Media in an S3-compatible object store (`FOLIO_MEDIA_STORE=s3://…`), tested against a real
//! S3 server: moto's (`scripts/setup --test` installs it), started per test on a free port. The
//! bucket is private, so every file a reader sees came through Folio with its credentials.

use std::io::Cursor;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::domain::Role;
use app::model::media::{MediaItem, MediaPage};

use crate::helpers::{backend, ServerProcess, TestApp, TestDatabase};

const PASSWORD: &str = "velvet-orbit-lantern-42";
const BUCKET: &str = "folio-media";

/// A moto S3 server on a free port with an empty private bucket; killed on drop.
struct S3Server {
    child: std::process::Child,
    endpoint: String,
}

impl S3Server {
    async fn start() -> Self {
        let program = std::env::var("FOLIO_TEST_MOTO").unwrap_or_else(|_| {
            let home = std::env::var("HOME").unwrap_or_default();
            format!("{home}/.cache/folio/moto-venv/bin/moto_server")
        });
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new(&program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{program}: {e} (scripts/setup --test installs moto in a venv)")
            });
        let endpoint = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        // Ready once it answers; then the bucket (moto takes unsigned bucket creation).
        loop {
            if let Ok(response) = reqwest::Client::new()
                .put(format!("{endpoint}/{BUCKET}"))
                .send()
                .await
            {
                assert!(response.status().is_success(), "{}", response.status());
                break;
            }
            assert!(Instant::now() < deadline, "moto did not start on {port}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { child, endpoint }
    }

    /// Folio's settings for this server, with the objects under `prefix`.
    fn settings(&self, prefix: &str) -> Vec<(&'static str, String)> {
        vec![
            ("FOLIO_MEDIA_STORE", format!("s3://{BUCKET}/{prefix}")),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ENDPOINT", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
        ]
    }

    /// The keys in the bucket (S3's ListObjectsV2, unsigned: moto allows listing).
    async fn keys(&self) -> Vec<String> {
        let xml = reqwest::get(format!("{}/{BUCKET}?list-type=2", self.endpoint))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        xml.split("<Key>")
            .skip(1)
            .filter_map(|part| part.split("</Key>").next())
            .map(str::to_string)
            .collect()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 64])
    }))
    .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
    .unwrap();
    bytes
}

async fn upload(app: &TestApp, bytes: Vec<u8>) -> reqwest::Response {
    app.client
        .post(format!(
            "{}/admin/media/upload/?name=photo.png",
            app.address
        ))
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "image/png")
        .body(bytes)
        .send()
        .await
        .expect("request")
}

/// The first page of the media library, as the editor loads it.
async fn library(app: &TestApp) -> MediaPage {
    let response = app.get("/_fn/media/library?page=1").await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

async fn app_on(s3: &S3Server, prefix: &str) -> TestApp {
    let settings = s3.settings(prefix);
    let borrowed: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = TestApp::spawn_with(backend(), &borrowed).await;
    app.create_user("ada@example.org", "ada", PASSWORD, Role::Editor)
        .await;
    app.login("ada@example.org", PASSWORD).await;
    app
}

#[tokio::test]
async fn uploads_go_to_the_bucket_and_are_served_resized_cached_and_deleted_from_it() {
    let s3 = S3Server::start().await;
    let app = app_on(&s3, "site").await;
    let response = upload(&app, png(1200, 600)).await;
    assert_eq!(response.status().as_u16(), 201);
    let item: MediaItem = response.json().await.unwrap();
    let name = item.url.strip_prefix("/media/").unwrap().to_string();
    // In the bucket under the prefix, and nothing in the media folder.
    assert!(
        s3.keys().await.contains(&format!("site/{name}")),
        "{:?}",
        s3.keys().await
    );
    assert!(
        !app.media_dir().exists() || std::fs::read_dir(app.media_dir()).unwrap().next().is_none()
    );
    // The bucket is private: only Folio can read it.
    let direct = reqwest::get(format!("{}/{BUCKET}/site/{name}", s3.endpoint))
        .await
        .unwrap();
    assert_eq!(direct.status().as_u16(), 403);
    let served = app.get(&item.url).await;
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert!(served.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let e_tag = served.headers()["etag"].to_str().unwrap().to_string();
    assert_eq!(served.bytes().await.unwrap().to_vec(), png(1200, 600));
    let again = app
        .client
        .get(format!("{}{}", app.address, item.url))
        .header("if-none-match", &e_tag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 304);
    // The 800-pixel variant is made in the background, into the bucket too.
    let variant = item.url.replace(".png", "-800w.png");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page: MediaPage = library(&app).await;
        if page.items[0].variant_widths == vec![800] {
            break;
        }
        assert!(Instant::now() < deadline, "no variant made");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let served = app.get(&variant).await;
    assert_eq!(served.status().as_u16(), 200);
    let decoded = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (800, 400));
    // Names that are not stored answer 404, including attempts to leave the prefix.
    for path in [
        "/media/2026/11/nothing.png",
        "/media/..%2F..%2Fetc%2Fpasswd",
        "/media/2026/../../x.png",
    ] {
        assert_eq!(app.get(path).await.status().as_u16(), 404, "{path}");
    }
    // Deleting the upload removes its objects.
    app.call_ok("media/delete", &[("id", &item.id.to_string())])
        .await;
    assert!(s3.keys().await.is_empty(), "{:?}", s3.keys().await);
    assert_eq!(app.get(&item.url).await.status().as_u16(), 404);
}

#[tokio::test]
async fn another_process_serves_what_one_uploaded() {
    let s3 = S3Server::start().await;
    let app = app_on(&s3, "shared").await;
    let response = upload(&app, png(300, 200)).await;
    assert_eq!(response.status().as_u16(), 201);
    let item: MediaItem = response.json().await.unwrap();
    // A second `folio serve`, its own process on another machine as far as it knows.
    let settings = s3.settings("shared");
    let borrowed: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let other = ServerProcess::start_on(
        Arc::new(TestDatabase::create(backend()).await),
        "serve",
        &borrowed,
    )
    .await;
    let served = reqwest::get(format!("{}{}", other.address, item.url))
        .await
        .unwrap();
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(served.bytes().await.unwrap().to_vec(), png(300, 200));
}

#[tokio::test]
async fn with_the_store_down_an_upload_fails_clearly_and_leaves_nothing() {
    let s3 = S3Server::start().await;
    let app = app_on(&s3, "site").await;
    let endpoint = s3.endpoint.clone();
    drop(s3);
    let response = upload(&app, png(100, 100)).await;
    assert_eq!(response.status().as_u16(), 500);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["error"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    let page: MediaPage = library(&app).await;
    assert_eq!(page.total, 0, "no row without its file");
    // Serving answers 503 (the file may exist), not a 404 a cache would keep.
    let served = app.get("/media/2026/11/abc.png").await;
    assert_eq!(served.status().as_u16(), 503);
    assert!(reqwest::get(endpoint).await.is_err(), "the server is gone");
}

#[tokio::test]
async fn folio_check_fails_on_a_bucket_it_cannot_use() {
    let s3 = S3Server::start().await;
    let database = TestDatabase::create(backend()).await;
    let run = |bucket: &str| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_folio"));
        command
            .arg("check")
            .env("DATABASE_URL", &database.url)
            .env("FOLIO_MEDIA_STORE", format!("s3://{bucket}/site"))
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ENDPOINT", &s3.endpoint)
            .env("AWS_ALLOW_HTTP", "true")
            .env_remove("RUST_LOG");
        command.output().unwrap()
    };
    let good = run(BUCKET);
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(s3.keys().await.is_empty(), "the probe file is removed");
    let missing = run("no-such-bucket");
    assert_eq!(missing.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(
        stderr.contains("media store s3://no-such-bucket/site"),
        "{stderr}"
    );
}
