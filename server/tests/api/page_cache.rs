//! The page cache (issue 15): anonymous readers' pages are served from memory, compressed, with
//! ETags; signed-in visitors never are; every kind of change shows on the very next request; a
//! scheduled post appears when its time comes without any write; cached pages keep a CSP that
//! replays no nonce.

use app::domain::Role;
use serde_json::json;

use crate::helpers::{PostSpec, TestApp};

const PASSWORD: &str = "velvet-orbit-lantern-42";

/// A client with no cookie jar (every request anonymous) that does not follow redirects.
fn anonymous() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GETs `path` anonymously: status, `X-Cache`, body (identity).
async fn fetch(app: &TestApp, path: &str) -> (u16, String, String) {
    let response = anonymous()
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let outcome = response
        .headers()
        .get("x-cache")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, outcome, response.text().await.unwrap())
}

fn post_path(days_ago: i64, slug: &str) -> String {
    format!(
        "/{}/{slug}/",
        (chrono::Utc::now() - chrono::Duration::days(days_ago)).format("%Y/%m/%d")
    )
}

#[tokio::test]
async fn anonymous_pages_are_served_from_memory_compressed_and_with_etags() {
    let app = TestApp::spawn().await;
    app.create_post(PostSpec::published("Cached post", 1)).await;
    let (status, first, body) = fetch(&app, "/").await;
    assert_eq!((status, first.as_str()), (200, "miss"));
    let (_, second, again) = fetch(&app, "/").await;
    assert_eq!(second, "hit");
    assert_eq!(body, again, "the same page");
    assert!(body.contains("Cached post"));
    // The query's parameter order does not make another page.
    assert_eq!(fetch(&app, "/?page=1&x=2").await.1, "miss");
    assert_eq!(fetch(&app, "/?x=2&page=1").await.1, "hit");

    // Brotli and gzip, decoding to the same page.
    let client = anonymous();
    let get = |encoding: &'static str| {
        client
            .get(format!("{}/", app.address))
            .header("accept-encoding", encoding)
            .send()
    };
    let br = get("gzip, deflate, br").await.unwrap();
    assert_eq!(br.headers()["content-encoding"], "br");
    assert!(br.headers()["vary"]
        .to_str()
        .unwrap()
        .contains("Accept-Encoding"));
    let etag = br.headers()["etag"].clone();
    let compressed = br.bytes().await.unwrap();
    let mut decoded = Vec::new();
    brotli::BrotliDecompress(&mut &compressed[..], &mut decoded).unwrap();
    assert_eq!(String::from_utf8(decoded).unwrap(), body);
    assert!(compressed.len() * 2 < body.len(), "compressed well");
    let gz = get("gzip").await.unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let mut decoded = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..]),
        &mut decoded,
    )
    .unwrap();
    assert_eq!(decoded, body);

    // If-None-Match: 304 with no body.
    let revalidated = client
        .get(format!("{}/", app.address))
        .header("if-none-match", etag.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
    assert_eq!(revalidated.headers()["etag"], etag);
    assert!(revalidated.bytes().await.unwrap().is_empty());
    // HEAD: the headers, no body.
    let head = client
        .head(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["x-cache"], "hit");

    // Feeds, 404s and the post page are kept too; the API and server functions are not.
    for path in ["/feed.xml", "/no-such-page/", &post_path(1, "cached-post")] {
        let (_, one, _) = fetch(&app, path).await;
        let (_, two, _) = fetch(&app, path).await;
        assert_eq!((one.as_str(), two.as_str()), ("miss", "hit"), "{path}");
    }
    // The post page was rendered once and served once from memory: two views.
    app.flush_views().await;
    let mut conn = app.db.acquire().await.unwrap();
    let views: i64 = app::on_conn!(conn.conn(), |c| sqlx::query_scalar(
        "SELECT view_count FROM posts WHERE slug = 'cached-post'"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    drop(conn);
    assert_eq!(views, 2);
    for path in ["/api/posts/", "/_fn/site", "/search?q=cached"] {
        assert_eq!(fetch(&app, path).await.1, "", "{path}");
    }
}

#[tokio::test]
async fn cached_pages_allow_their_scripts_by_hash_not_by_a_replayed_nonce() {
    use base64::Engine;
    let app = TestApp::spawn().await;
    fetch(&app, "/").await;
    let response = anonymous()
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-cache"], "hit");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let html = response.text().await.unwrap();
    assert!(!csp.contains("'nonce-"), "{csp}");
    // Every inline script of the page is allowed by its hash.
    let mut scripts = 0;
    for part in html.split("<script").skip(1) {
        let (attributes, rest) = part.split_once('>').unwrap();
        if attributes.contains("src=") {
            continue;
        }
        let text = rest.split("</script>").next().unwrap();
        let hash = base64::engine::general_purpose::STANDARD
            .encode(<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()));
        assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
        scripts += 1;
    }
    assert!(scripts > 0, "the page has its hydration script");
}

#[tokio::test]
async fn signed_in_visitors_and_pages_with_forms_are_never_served_from_the_cache() {
    let app = TestApp::spawn().await;
    fetch(&app, "/").await;
    assert_eq!(fetch(&app, "/").await.1, "hit");
    app.create_user("ada@example.org", "ada", PASSWORD, Role::Reader)
        .await;
    app.login("ada@example.org", PASSWORD).await;
    let response = app.get("/").await;
    assert!(response.headers().get("x-cache").is_none());
    let html = response.text().await.unwrap();
    assert!(html.contains("ada"), "their own page");
    // The sign-in page puts a CSRF token in its form: never kept.
    assert_eq!(fetch(&app, "/accounts/login/").await.1, "");
}

#[tokio::test]
async fn every_kind_of_change_shows_on_the_very_next_request() {
    let app = TestApp::spawn().await;
    app.create_user("ed@example.org", "ed", PASSWORD, Role::Editor)
        .await;
    app.login("ed@example.org", PASSWORD).await;
    let token: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/api/auth/token/", app.address))
        .json(&json!({"email": "ed@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = format!("Token {}", token["token"].as_str().unwrap());
    let api = reqwest::Client::new();
    let post = app.create_post(PostSpec::published("First title", 1)).await;
    let path = post_path(1, "first-title");
    let news: i64 = {
        let mut conn = app.db.acquire().await.unwrap();
        app::on_conn!(conn.conn(), |c| sqlx::query_scalar(
            "SELECT id FROM categories WHERE slug = 'news'"
        )
        .fetch_one(c)
        .await)
        .unwrap()
    };
    // A new post through the API.
    for p in ["/", "/category/news/"] {
        fetch(&app, p).await;
        assert_eq!(fetch(&app, p).await.1, "hit", "{p}");
    }
    let created = api
        .post(format!("{}/api/posts/", app.address))
        .header("authorization", &token)
        .json(&json!({"title": "Second post", "body": "Text.", "category_id": news, "status": "PUBLISHED"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201, "{}", created.text().await.unwrap());
    let (_, outcome, home) = fetch(&app, "/").await;
    assert_eq!(outcome, "miss");
    assert!(home.contains("Second post"));
    assert!(fetch(&app, "/category/news/")
        .await
        .2
        .contains("Second post"));

    // A title changed.
    fetch(&app, &path).await;
    assert_eq!(fetch(&app, &path).await.1, "hit");
    let patched = api
        .patch(format!("{}/api/posts/first-title/", app.address))
        .header("authorization", &token)
        .json(&json!({"title": "Better title"}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200, "{}", patched.text().await.unwrap());
    let (status, outcome, page) = fetch(&app, &path).await;
    assert!(page.contains("Better title"), "{status} {outcome} {page}");
    assert!(fetch(&app, "/").await.2.contains("Better title"));

    // A comment approved.
    app.create_user("ada@example.org", "ada", PASSWORD, Role::Reader)
        .await;
    let reader = app.other_client();
    reader
        .call(
            "accounts/login",
            &[("email", "ada@example.org"), ("password", PASSWORD)],
        )
        .await;
    let comment: i64 = reader
        .call(
            "comments/add",
            &[("post_id", &post.to_string()), ("body", "Lovely words")],
        )
        .await
        .json()
        .await
        .unwrap();
    fetch(&app, &path).await;
    assert!(!fetch(&app, &path).await.2.contains("Lovely words"));
    app.call_ok(
        "comments/moderate",
        &[("id", &comment.to_string()), ("approved", "true")],
    )
    .await;
    let (_, outcome, page) = fetch(&app, &path).await;
    assert_eq!(outcome, "miss");
    assert!(page.contains("Lovely words"));

    // A category renamed in the admin.
    fetch(&app, "/").await;
    let form: app::model::admin::CategoryForm = app
        .get(&format!("/_fn/admin/categories/form?id={news}"))
        .await
        .json()
        .await
        .unwrap();
    app.call_ok(
        "admin/categories/save",
        &[
            ("id", &news.to_string()),
            ("name", "Dispatches"),
            ("slug", &form.slug),
            ("version", &form.version),
        ],
    )
    .await;
    assert!(fetch(&app, "/").await.2.contains("Dispatches"));

    // Unpublished: the page is gone at once.
    api.patch(format!("{}/api/posts/first-title/", app.address))
        .header("authorization", &token)
        .json(&json!({"status": "DRAFT"}))
        .send()
        .await
        .unwrap();
    assert_eq!(fetch(&app, &path).await.0, 404);
    assert!(!fetch(&app, "/").await.2.contains("Better title"));

    // A draft's edits do not drop the cache.
    fetch(&app, "/").await;
    api.patch(format!("{}/api/posts/first-title/", app.address))
        .header("authorization", &token)
        .json(&json!({"title": "Still a draft"}))
        .send()
        .await
        .unwrap();
    assert_eq!(fetch(&app, "/").await.1, "hit");
}

#[tokio::test]
async fn a_scheduled_post_appears_when_its_time_comes_without_any_write() {
    let app = TestApp::spawn().await;
    app.create_post(PostSpec {
        published_at: Some(chrono::Utc::now() + chrono::Duration::milliseconds(1500)),
        ..PostSpec::published("Soon here", 0)
    })
    .await;
    let (_, _, before) = fetch(&app, "/").await;
    assert!(!before.contains("Soon here"));
    assert_eq!(fetch(&app, "/").await.1, "hit");
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    let (_, outcome, after) = fetch(&app, "/").await;
    assert_eq!(outcome, "miss");
    assert!(after.contains("Soon here"));
}

/// The site's files under `/pkg/` go out brotli- or gzip-compressed as the browser accepts, from
/// copies written once beside them at start-up; the same bytes once decompressed.
#[tokio::test]
async fn site_files_are_served_precompressed() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let wasm: Vec<u8> = (0..40_000u32)
        .flat_map(|i| (i % 97).to_le_bytes())
        .collect();
    std::fs::write(pkg.join("folio.wasm"), &wasm).unwrap();
    let site_root = site.path().display().to_string();
    let app = TestApp::spawn_with(
        crate::helpers::backend(),
        &[("FOLIO_SITE_ROOT", site_root.as_str())],
    )
    .await;
    // The copies are written on a thread of their own after start-up.
    for _ in 0..300 {
        if pkg.join("folio.wasm.br").exists() && pkg.join("folio.wasm.gz").exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let get = |encoding: &'static str| {
        let url = format!("{}/pkg/folio.wasm", app.address);
        async move {
            let response = anonymous()
                .get(url)
                .header("accept-encoding", encoding)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .map(|v| v.to_str().unwrap().to_string())
                    .unwrap_or_default()
            };
            let (content_encoding, vary, cache) = (
                header("content-encoding"),
                header("vary"),
                header("cache-control"),
            );
            let body = response.bytes().await.unwrap().to_vec();
            (content_encoding, vary, cache, body)
        }
    };

    let (encoding, vary, cache, body) = get("gzip, deflate, br").await;
    assert_eq!(
        (encoding.as_str(), vary.as_str()),
        ("br", "accept-encoding")
    );
    assert_eq!(cache, "public, max-age=3600");
    assert!(body.len() < wasm.len() / 4, "{} bytes", body.len());
    let mut unpacked = Vec::new();
    brotli::BrotliDecompress(&mut &body[..], &mut unpacked).unwrap();
    assert_eq!(unpacked, wasm);

    let (encoding, _, _, body) = get("gzip").await;
    assert_eq!(encoding, "gzip");
    let mut gunzipped = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut gunzipped)
        .unwrap();
    assert_eq!(gunzipped, wasm);

    let (encoding, _, _, body) = get("identity").await;
    assert_eq!((encoding.as_str(), body), ("", wasm));
}

/// A build with hashed file names (cargo-leptos `hash-files`): the pages name the hashed
/// bundle, glue and stylesheet (also the browsable API's page), those files are immutable for a
/// year, and a name the build does not have is a 404 that nothing may cache.
#[tokio::test]
async fn hashed_site_files_are_named_by_the_pages_and_cached_for_a_year() {
    let site = tempfile::tempdir().unwrap();
    let pkg = site.path().join("pkg");
    std::fs::create_dir_all(&pkg).unwrap();
    let (js, wasm, css) = (
        "Js0-hash_of_the_bundle",
        "Wasm-hash_of_bundle012",
        "Css-hash_of_the_style0",
    );
    std::fs::write(pkg.join(format!("folio.{js}.js")), "export default 1;").unwrap();
    std::fs::write(pkg.join(format!("folio.{wasm}.wasm")), [0u8, 97, 115, 109]).unwrap();
    std::fs::write(
        pkg.join(format!("folio.{css}.css")),
        "body { color: black }",
    )
    .unwrap();
    let site_root = site.path().display().to_string();
    let app = TestApp::spawn_with(
        crate::helpers::backend(),
        &[("FOLIO_SITE_ROOT", site_root.as_str())],
    )
    .await;

    let (status, _, html) = fetch(&app, "/").await;
    assert_eq!(status, 200);
    for name in [
        format!("/pkg/folio.{js}.js"),
        format!("/pkg/folio.{wasm}.wasm"),
        format!("/pkg/folio.{css}.css"),
    ] {
        assert!(html.contains(&name), "{name} in {html}");
    }
    assert!(!html.contains("/pkg/folio.css"), "no plain stylesheet name");
    let api_page = anonymous()
        .get(format!("{}/api/", app.address))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        api_page.contains(&format!("/pkg/folio.{css}.css")),
        "{api_page}"
    );

    for name in [format!("folio.{wasm}.wasm"), format!("folio.{css}.css")] {
        let response = anonymous()
            .get(format!("{}/pkg/{name}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{name}");
        assert_eq!(
            response.headers()["cache-control"],
            "public, max-age=31536000, immutable",
            "{name}"
        );
    }
    let missing = anonymous()
        .get(format!("{}/pkg/folio.wasm", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.headers().get("cache-control").is_none());
}
