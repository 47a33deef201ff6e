//! `folio import ghost`: a Ghost 5 export moves in (posts, pages, tags, authors, SEO, old URLs),
//! members-only posts stay unpublished, a second run changes nothing.

use std::process::Command;

use folio_server::import::ghost::{import_ghost, GhostOptions};

use crate::helpers::TestApp;

/// A Ghost 5 export, trimmed to what the importer reads.
const EXPORT: &str = r##"{"db":[{"meta":{"exported_on":1700000000000,"version":"5.80.0"},"data":{
  "posts":[
    {"id":"p1","uuid":"u-1","title":"Hello from Ghost","slug":"hello-ghost","html":"<p>Read <a href=\"__GHOST_URL__/about/\">about us</a>.</p><figure class=\"kg-card kg-image-card\"><img src=\"__GHOST_URL__/content/images/2023/04/cat.jpg\" class=\"kg-image\" alt=\"Cat\"></figure>","lexical":"{}","type":"post","status":"published","visibility":"public","featured":0,"created_at":"2023-04-05T06:00:00.000Z","published_at":"2023-04-05T06:07:08.000Z","custom_excerpt":"A short hello.","feature_image":"__GHOST_URL__/content/images/2023/04/cover.jpg"},
    {"id":"p2","title":"For members","slug":"members-only","html":"<p>Paid words.</p>","type":"post","status":"published","visibility":"paid","published_at":"2023-05-01T00:00:00.000Z"},
    {"id":"p3","title":"Next week","slug":"next-week","html":"<p>Soon.</p>","type":"post","status":"scheduled","visibility":"public","published_at":"2099-01-01T00:00:00.000Z"},
    {"id":"p4","title":"Unfinished","slug":"unfinished","html":null,"plaintext":"Just text.\n\nSecond paragraph.","type":"post","status":"draft","visibility":"public","published_at":null,"created_at":"2023-06-01T00:00:00.000Z"},
    {"id":"p5","title":"About","slug":"about","html":"<p>Who we are.</p>","type":"page","status":"published","visibility":"public","published_at":"2023-01-01T00:00:00.000Z"}
  ],
  "posts_meta":[{"post_id":"p5","meta_description":"About this site"}],
  "users":[{"id":"1","name":"Ann Lee","slug":"ann","email":"ann@ghost.example"},{"id":"2","name":"Bob Stone","slug":"bob","email":"bob@ghost.example"}],
  "posts_authors":[{"post_id":"p1","author_id":"1","sort_order":0},{"post_id":"p1","author_id":"2","sort_order":1},{"post_id":"p2","author_id":"1","sort_order":0},{"post_id":"p3","author_id":"1","sort_order":0},{"post_id":"p4","author_id":"2","sort_order":0},{"post_id":"p5","author_id":"1","sort_order":0}],
  "tags":[{"id":"t1","name":"News","slug":"news","visibility":"public"},{"id":"t2","name":"#featured-home","slug":"hash-featured-home","visibility":"internal"},{"id":"t3","name":"Ghost","slug":"ghost","visibility":"public"}],
  "posts_tags":[{"post_id":"p1","tag_id":"t2","sort_order":0},{"post_id":"p1","tag_id":"t1","sort_order":1},{"post_id":"p1","tag_id":"t3","sort_order":2}]
}}]}"##;

const REDIRECTS: &str = "301:\n  /2019/hello.html: /hello-ghost/\n  ^/archive/(.*)$: /hello-ghost/\n302:\n  /temporary/: /about/\n";

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.db.acquire().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(c)
        .await)
    .unwrap()
}

#[tokio::test]
async fn a_ghost_export_moves_in_and_a_second_run_changes_nothing() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ghost.json");
    std::fs::write(&file, EXPORT).unwrap();
    let redirects = dir.path().join("redirects.yaml");
    std::fs::write(&redirects, REDIRECTS).unwrap();
    let options = GhostOptions {
        files: vec![file],
        url: None,
        redirects: Some(redirects),
    };
    let summary = import_ghost(&app.posts(), &options).await.unwrap();
    assert_eq!(
        (summary.created, summary.failed.len()),
        (5, 0),
        "{summary:?}"
    );
    let notes: Vec<&str> = summary.notes.iter().map(|(_, n)| n.as_str()).collect();
    for expected in [
        "visible to paid only on Ghost: imported as a draft",
        "no HTML in the export: imported from its plain text",
        "redirect ^/archive/(.*)$ → /hello-ghost/ is a regular expression: not kept",
    ] {
        assert!(notes.contains(&expected), "{expected} not in {notes:?}");
    }
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("1 posts show images from Ghost's /content/images/")),
        "{notes:?}"
    );

    let (status, html) = app.get_text("/2023/04/05/hello-ghost/").await;
    assert_eq!(status, 200);
    for expected in [
        "Hello from Ghost",
        r#"<img src="/content/images/2023/04/cover.jpg" alt="">"#,
        r#"<a href="/about/" rel="noopener noreferrer">about us</a>"#,
        "Ann Lee and Bob Stone",
        "A short hello.",
        ">News<",
        ">Ghost<",
    ] {
        assert!(html.contains(expected), "{expected} missing from {html}");
    }
    assert!(
        !html.contains("featured-home") && !html.contains("__GHOST_URL__"),
        "{html}"
    );
    // The primary public tag is the category.
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM posts p JOIN categories c ON c.id = p.category_id WHERE p.slug = 'hello-ghost' AND c.name = 'News'").await,
        1
    );
    // Ghost's URLs and the plain redirect rules answer 301.
    for (old, new) in [
        ("/hello-ghost/", "/2023/04/05/hello-ghost/"),
        ("/2019/hello.html", "/2023/04/05/hello-ghost/"),
        ("/temporary/", "/about/"),
    ] {
        let response = app.get(old).await;
        assert_eq!(response.status().as_u16(), 301, "{old}");
        assert_eq!(response.headers()["location"], new, "{old}");
    }
    let (status, page) = app.get_text("/about/").await;
    assert_eq!(status, 200);
    assert!(page.contains("Who we are.") && page.contains("About this site"));
    // Members-only and drafts are not public; the scheduled post is scheduled.
    assert_eq!(
        app.get("/2023/05/01/members-only/").await.status().as_u16(),
        404
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM posts WHERE slug IN ('members-only', 'unfinished') AND status = 'DRAFT'").await,
        2
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM posts WHERE slug = 'next-week' AND status = 'PUBLISHED'"
        )
        .await,
        1
    );
    assert_eq!(
        app.get("/2099/01/01/next-week/").await.status().as_u16(),
        404
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM users WHERE email IN ('ann@ghost.example', 'bob@ghost.example')"
        )
        .await,
        2
    );

    let again = import_ghost(&app.posts(), &options).await.unwrap();
    assert_eq!(
        (again.created, again.updated, again.unchanged),
        (0, 0, 5),
        "{again:?}"
    );
}

#[tokio::test]
async fn the_cli_takes_the_old_address_and_refuses_other_json() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("ghost.json");
    std::fs::write(&good, EXPORT).unwrap();
    let other = dir.path().join("package.json");
    std::fs::write(&other, r#"{"name": "not-ghost"}"#).unwrap();
    let url = format!("sqlite://{}/folio.db", dir.path().display());
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_folio"))
            .args(["import", "ghost"])
            .args(args)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "off")
            .output()
            .unwrap()
    };
    let output = run(&[good.to_str().unwrap(), "--url", "https://old.ghost.example"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("5 created"), "{stdout}");
    let db = app::ssr::db::Db::connect(&url).await.unwrap();
    let mut conn = db.acquire().await.unwrap();
    let body: String = app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, String>(
        "SELECT body FROM posts WHERE slug = 'hello-ghost'"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert!(
        body.contains("https://old.ghost.example/content/images/2023/04/cat.jpg"),
        "{body}"
    );
    drop(conn);
    db.close().await;
    let output = run(&[other.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("package.json: not a Ghost export"));
}
