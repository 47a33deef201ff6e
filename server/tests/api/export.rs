//! `folio export markdown`: a site written out as Markdown comes back whole when imported into
//! another Folio, with its uploads beside it; an export never overwrites files.

use std::process::Command;

use app::ssr::media_store::MediaStore;
use folio_server::export::ghost::export_ghost;
use folio_server::export::{export_markdown, ExportError};
use folio_server::import::ghost::{import_ghost, GhostOptions};
use folio_server::import::{import_markdown, ImportOptions};

use crate::helpers::TestApp;

fn options(path: std::path::PathBuf) -> ImportOptions {
    ImportOptions {
        paths: vec![path],
        category: None,
        progress: false,
    }
}

/// Writes a small site's source: two posts (one with an upload, tags, an old URL and several
/// authors), a page, a dated draft and an undated one.
fn source(dir: &std::path::Path) {
    let write = |name: &str, text: &str| std::fs::write(dir.join(name), text).unwrap();
    write(
        "first.md",
        "+++\ntitle = \"First \\\"quoted\\\" post\"\ndate = 2024-03-04T10:20:30Z\ncategory = \"Notes\"\ntags = [\"Rust\", \"Web dev\"]\nauthors = [\"Ann Lee\", \"Bob Stone\"]\naliases = [\"/old/first.html\"]\ndescription = \"The first one.\"\n+++\nHello **world**.\n\n![A chart](/media/2024/03/chart.png)\n",
    );
    write(
        "second.md",
        "+++\ntitle = \"Second\"\ndate = 2024-03-05\ncategory = \"Notes\"\n+++\n<p>Raw <em>HTML</em> body.</p>\n",
    );
    write(
        "about.md",
        "+++\ntitle = \"About\"\nkind = \"page\"\ndate = 2024-01-01\ncategory = \"Site\"\n[extra]\nnav_order = 2\n+++\nWho we are.\n",
    );
    write(
        "later.md",
        "+++\ntitle = \"Later\"\ndate = 2024-06-01\ndraft = true\ncategory = \"Notes\"\n+++\nNot yet.\n",
    );
    write(
        "old.md",
        "+++\ntitle = \"Old news\"\ndate = 2020-01-01\ncategory = \"Notes\"\n[extra]\nstatus = \"archived\"\n+++\nGone.\n",
    );
    write(
        "someday.md",
        "+++\ntitle = \"Someday\"\ndraft = true\ncategory = \"Notes\"\n+++\nMaybe.\n",
    );
}

#[tokio::test]
async fn an_exported_site_imports_back_whole_into_another_folio() {
    let first = TestApp::spawn().await;
    let src = tempfile::tempdir().unwrap();
    source(src.path());
    let imported = import_markdown(&first.posts(), &options(src.path().to_path_buf()))
        .await
        .unwrap();
    assert_eq!(
        (imported.created, imported.failed.len()),
        (6, 0),
        "{imported:?}"
    );
    // The upload the first post shows, and its resized copy.
    let media = MediaStore::folder(first.media_dir());
    media
        .put("2024/03/chart.png", b"png bytes".to_vec(), "image/png")
        .await
        .unwrap();
    media
        .put("2024/03/chart-800w.png", b"smaller".to_vec(), "image/png")
        .await
        .unwrap();

    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("site");
    let summary = export_markdown(&first.db, &media, &target).await.unwrap();
    // The welcome post is a post too.
    assert_eq!(
        (summary.posts, summary.pages, summary.drafts, summary.media),
        (5, 1, 1, 2),
        "{summary:?}"
    );
    assert!(summary.missing_media.is_empty());
    let text = std::fs::read_to_string(target.join("content/posts/2024-03-04-first.md")).unwrap();
    assert!(text.starts_with("+++\n"), "{text}");
    for expected in [
        "title = 'First \"quoted\" post'",
        "date = 2024-03-04T10:20:30Z",
        "category = \"Notes\"",
        "tags = [\"Rust\", \"Web dev\"]",
        "authors = [\"Ann Lee\", \"Bob Stone\"]",
        "aliases = [\"/old/first.html\"]",
        "description = \"The first one.\"",
        "Hello **world**.",
    ] {
        assert!(text.contains(expected), "{expected} missing from {text}");
    }
    assert!(!text.contains("draft"), "{text}");
    let page = std::fs::read_to_string(target.join("content/pages/about.md")).unwrap();
    assert!(page.contains("kind = \"page\""), "{page}");
    assert!(page.contains("nav_order = 2"), "{page}");
    let draft = std::fs::read_to_string(target.join("content/drafts/someday.md")).unwrap();
    assert!(
        draft.contains("draft = true") && !draft.contains("date ="),
        "{draft}"
    );
    assert_eq!(
        std::fs::read(target.join("static/media/2024/03/chart-800w.png")).unwrap(),
        b"smaller"
    );

    // Another Folio imports it and shows the same site.
    let second = TestApp::spawn().await;
    let back = import_markdown(&second.posts(), &options(target.join("content")))
        .await
        .unwrap();
    assert_eq!(back.failed.len(), 0, "{:?}", back.failed);
    // Five created; the exported welcome post lands on the second site's own (same day and
    // slug), which it updates or leaves as it is.
    assert_eq!(back.created, 6, "{back:?}");
    assert_eq!(back.updated + back.unchanged, 1, "{back:?}");
    let archived = {
        let mut conn = second.db.acquire().await.unwrap();
        app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM posts WHERE slug = 'old' AND status = 'ARCHIVED'"
        )
        .fetch_one(c)
        .await)
        .unwrap()
    };
    assert_eq!(archived, 1, "archived stays archived");
    let nav_order = {
        let mut conn = second.db.acquire().await.unwrap();
        app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, Option<i32>>(
            "SELECT nav_order FROM posts WHERE slug = 'about'"
        )
        .fetch_one(c)
        .await)
        .unwrap()
    };
    assert_eq!(
        nav_order,
        Some(2),
        "the page keeps its place in the navigation"
    );
    for path in ["/2024/03/04/first/", "/2024/03/05/second/", "/about/"] {
        let (status_one, html_one) = first.get_text(path).await;
        let (status_two, html_two) = second.get_text(path).await;
        assert_eq!((status_one, status_two), (200, 200), "{path}");
        let body = |html: &str| {
            let start = html.find("<div class=\"post-body\"").expect("post body");
            let end = html[start..].find("</div>").unwrap() + start;
            html[start..end].to_string()
        };
        assert_eq!(body(&html_one), body(&html_two), "{path}");
    }
    let (_, html) = second.get_text("/2024/03/04/first/").await;
    assert!(
        html.contains("Ann Lee and Bob Stone") || html.contains("Ann Lee, Bob Stone"),
        "byline"
    );
    assert!(
        html.contains(">Rust<") && html.contains(">Web dev<"),
        "tags"
    );
    let moved = second.get("/old/first.html").await;
    assert_eq!(moved.status().as_u16(), 301);
    assert_eq!(
        second.get("/2024/06/01/later/").await.status().as_u16(),
        404,
        "the draft stays a draft"
    );
    // Never over files already there.
    match export_markdown(&first.db, &media, &target).await {
        Err(ExportError::NotEmpty(path)) => assert_eq!(path, target),
        other => panic!("expected NotEmpty, got {other:?}"),
    }
}

#[tokio::test]
async fn the_cli_exports_and_refuses_a_folder_with_files() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/folio.db", dir.path().display());
    let target = dir.path().join("export");
    let content = dir.path().join("content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        content.join("one.md"),
        "+++\ntitle = \"One\"\ndate = 2024-05-06\n+++\nText\n",
    )
    .unwrap();
    let imported = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["import", "markdown"])
        .arg(&content)
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert_eq!(imported.status.code(), Some(0));
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_folio"))
            .args(["export", "markdown"])
            .arg(&target)
            .env("DATABASE_URL", &url)
            .env("FOLIO_MEDIA_DIR", dir.path().join("media"))
            .env("RUST_LOG", "off")
            .output()
            .unwrap()
    };
    let output = run();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("Export finished: 1 posts, 0 pages"),
        "{stdout}"
    );
    assert!(target.join("content/posts").is_dir());
    let output = run();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not empty"));
}

#[tokio::test]
async fn a_ghost_export_has_ghosts_shape_and_imports_back() {
    let first = TestApp::spawn().await;
    let src = tempfile::tempdir().unwrap();
    source(src.path());
    import_markdown(&first.posts(), &options(src.path().to_path_buf()))
        .await
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("ghost.json");
    let summary = export_ghost(&first.db, "https://blog.example.org/", &file)
        .await
        .unwrap();
    assert_eq!((summary.posts, summary.pages, summary.drafts), (5, 1, 1));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let db = &json["db"][0];
    assert!(db["meta"]["version"].as_str().unwrap().starts_with("5."));
    let data = &db["data"];
    let posts = data["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 7);
    for post in posts {
        let id = post["id"].as_str().unwrap();
        assert!(
            id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{id}"
        );
        assert_eq!(post["uuid"].as_str().unwrap().len(), 36);
    }
    let by_slug = |slug: &str| posts.iter().find(|p| p["slug"] == slug).unwrap();
    assert_eq!(by_slug("about")["type"], "page");
    assert_eq!(by_slug("someday")["status"], "draft");
    assert_eq!(by_slug("later")["status"], "draft");
    let first_post = by_slug("first");
    assert_eq!(first_post["status"], "published");
    assert!(first_post["html"]
        .as_str()
        .unwrap()
        .contains("src=\"https://blog.example.org/media/2024/03/chart.png\""));
    assert_eq!(first_post["custom_excerpt"], "The first one.");
    // The category is the primary (first) tag.
    let tag_name = |tag_id: &serde_json::Value| {
        data["tags"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| &t["id"] == tag_id)
            .unwrap()["name"]
            .clone()
    };
    let links: Vec<&serde_json::Value> = data["posts_tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["post_id"] == first_post["id"])
        .collect();
    let names: Vec<serde_json::Value> = links.iter().map(|l| tag_name(&l["tag_id"])).collect();
    assert_eq!(names, vec!["Notes", "Rust", "Web dev"]);

    // Folio's own Ghost import reads it back.
    let second = TestApp::spawn().await;
    let back = import_ghost(
        &second.posts(),
        &GhostOptions {
            files: vec![file.clone()],
            ..GhostOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(back.failed.len(), 0, "{:?}", back.failed);
    assert_eq!(back.created, 6, "{back:?}");
    let (status, html) = second.get_text("/2024/03/04/first/").await;
    assert_eq!(status, 200);
    assert!(html.contains("Hello <strong>world</strong>."), "{html}");
    assert!(html.contains(">Rust<") && html.contains(">Web dev<") && html.contains(">Notes<"));
    assert_eq!(second.get_text("/about/").await.0, 200);
    // Never over a file already there.
    match export_ghost(&first.db, "https://blog.example.org", &file).await {
        Err(ExportError::Exists(path)) => assert_eq!(path, file),
        other => panic!("expected Exists, got {other:?}"),
    }
}

/// The admin's downloads: the same exports as `folio export`, streamed, for administrators
/// only; the `.tar.gz` unpacks to a tree another Folio imports whole, the JSON is a Ghost export
/// `folio import ghost` reads back.
#[tokio::test]
async fn administrators_download_the_exports_and_they_import_back() {
    use app::domain::Role;
    const GOOD: &str = "velvet-orbit-lantern-42";
    let first = TestApp::spawn().await;
    let src = tempfile::tempdir().unwrap();
    source(src.path());
    let imported = import_markdown(&first.posts(), &options(src.path().to_path_buf()))
        .await
        .unwrap();
    assert_eq!(imported.created, 6, "{imported:?}");
    MediaStore::folder(first.media_dir())
        .put("2024/03/chart.png", b"png bytes".to_vec(), "image/png")
        .await
        .unwrap();

    // Anonymous: to the sign-in page and back; an editor: refused; an unknown file: 404.
    let anonymous = first.get("/admin/export/markdown.tar.gz").await;
    assert_eq!(anonymous.status().as_u16(), 303);
    assert_eq!(
        anonymous.headers()["location"].to_str().unwrap(),
        "/accounts/login/?next=/admin/export/markdown.tar.gz"
    );
    first
        .create_user("editor@example.org", "editor", GOOD, Role::Editor)
        .await;
    first.login("editor@example.org", GOOD).await;
    assert_eq!(first.get("/admin/export/ghost.json").await.status(), 403);
    let (_, index) = first.get_text("/admin/").await;
    assert!(
        !index.contains("/admin/export/"),
        "editors are not offered the export"
    );
    first
        .create_user("admin@example.org", "admin", GOOD, Role::Administrator)
        .await;
    first.login("admin@example.org", GOOD).await;
    assert_eq!(first.get("/admin/export/site.zip").await.status(), 404);
    let (_, index) = first.get_text("/admin/").await;
    assert!(
        index.contains("href=\"/admin/export/markdown.tar.gz\""),
        "{index}"
    );

    // Markdown, as a .tar.gz.
    let response = first.get("/admin/export/markdown.tar.gz").await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_string();
    assert_eq!(header("content-type"), "application/gzip");
    assert_eq!(header("cache-control"), "private, no-store");
    let disposition = header("content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"folio-export-")
            && disposition.ends_with(".tar.gz\""),
        "{disposition}"
    );
    let bytes = response.bytes().await.unwrap();
    let unpacked = tempfile::tempdir().unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]))
        .unpack(unpacked.path())
        .expect("a whole archive");
    let top: Vec<_> = std::fs::read_dir(unpacked.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(top.len(), 1, "one top folder: {top:?}");
    let root = &top[0];
    assert!(root.join("content/posts/2024-03-04-first.md").is_file());
    assert!(root.join("content/pages/about.md").is_file());
    assert!(root.join("content/drafts/someday.md").is_file());
    assert_eq!(
        std::fs::read(root.join("static/media/2024/03/chart.png")).unwrap(),
        b"png bytes"
    );
    let second = TestApp::spawn().await;
    let back = import_markdown(&second.posts(), &options(root.join("content")))
        .await
        .unwrap();
    assert_eq!(back.failed.len(), 0, "{:?}", back.failed);
    assert_eq!(back.created, 6, "{back:?}");
    for path in ["/2024/03/04/first/", "/2024/03/05/second/", "/about/"] {
        let (one, html_one) = first.get_text(path).await;
        let (two, html_two) = second.get_text(path).await;
        assert_eq!((one, two), (200, 200), "{path}");
        let title = |html: &str| {
            let start = html.find("<h1").expect("title");
            html[start..start + html[start..].find("</h1>").unwrap()].to_string()
        };
        assert_eq!(title(&html_one), title(&html_two), "{path}");
    }

    // Ghost JSON.
    let response = first.get("/admin/export/ghost.json").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let text = response.text().await.unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).expect("whole JSON");
    let data = &json["db"][0]["data"];
    assert_eq!(
        data["posts"].as_array().unwrap().len(),
        7,
        "six and the welcome post"
    );
    assert_eq!(data["posts_authors"].as_array().unwrap().len(), 7);
    assert!(data["posts_tags"].as_array().unwrap().len() >= 9);
    let file = src.path().join("download.json");
    std::fs::write(&file, &text).unwrap();
    let third = TestApp::spawn().await;
    let back = import_ghost(
        &third.posts(),
        &GhostOptions {
            files: vec![file],
            ..GhostOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(back.failed.len(), 0, "{:?}", back.failed);
    assert_eq!(back.created, 6, "{back:?}");
    let (status, html) = third.get_text("/2024/03/04/first/").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(">Rust<") && html.contains(">Web dev<"),
        "tags"
    );
}

/// Both exports hold one batch of posts at a time: a site larger than several batches comes out
/// whole and in order, the Ghost tables joined by id (posts_tags and posts_authors name only
/// exported posts, every post once).
#[tokio::test]
async fn exports_larger_than_a_batch_stay_whole() {
    let app = TestApp::spawn().await;
    let src = tempfile::tempdir().unwrap();
    for n in 0..450 {
        std::fs::write(
            src.path().join(format!("p{n}.md")),
            format!(
                "+++\ntitle = \"Post {n}\"\ndate = 2023-01-01T00:{:02}:{:02}Z\ncategory = \"C{}\"\ntags = [\"t{}\", \"shared\"]\ndescription = \"D {n}\"\n+++\nBody {n}\n",
                n / 60,
                n % 60,
                n % 3,
                n % 7
            ),
        )
        .unwrap();
    }
    let imported = import_markdown(&app.posts(), &options(src.path().to_path_buf()))
        .await
        .unwrap();
    assert_eq!(imported.created, 450, "{:?}", imported.failed);
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("ghost.json");
    let summary = export_ghost(&app.db, "https://blog.example", &file)
        .await
        .unwrap();
    assert_eq!(summary.posts, 451);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let data = &json["db"][0]["data"];
    let ids: std::collections::BTreeSet<&str> = data["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 451);
    let authors = data["posts_authors"].as_array().unwrap();
    assert_eq!(authors.len(), 451);
    assert!(authors
        .iter()
        .all(|a| ids.contains(a["post_id"].as_str().unwrap())));
    assert_eq!(
        data["posts_meta"].as_array().unwrap().len(),
        451,
        "the welcome post has a description too"
    );
    let tag_ids: std::collections::BTreeSet<&str> = data["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    // Three categories, seven numbered tags, "shared", and the welcome post's category.
    assert_eq!(tag_ids.len(), 12, "{:?}", data["tags"]);
    let links = data["posts_tags"].as_array().unwrap();
    assert_eq!(links.len(), 450 * 3 + 1);
    assert!(links
        .iter()
        .all(|l| ids.contains(l["post_id"].as_str().unwrap())
            && tag_ids.contains(l["tag_id"].as_str().unwrap())));
}
