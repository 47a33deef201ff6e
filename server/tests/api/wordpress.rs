//! `folio import wordpress`: a WordPress export moves in whole, old URLs keep working, a second
//! run changes nothing, and what could not come is reported.

use std::process::Command;

use folio_server::import::wordpress::{import_wordpress, WordPressOptions};

use crate::helpers::TestApp;

/// A WordPress 6 export (WXR 1.2) with one of everything the importer handles.
const EXPORT: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
	<title>Old Blog</title>
	<link>https://old.example.com</link>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://old.example.com</wp:base_site_url>
	<wp:author><wp:author_login><![CDATA[ann]]></wp:author_login><wp:author_email><![CDATA[ann@old.example.com]]></wp:author_email><wp:author_display_name><![CDATA[Ann Lee]]></wp:author_display_name></wp:author>
	<wp:category><wp:category_nicename><![CDATA[tech]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[Tech]]></wp:cat_name></wp:category>
	<wp:category><wp:category_nicename><![CDATA[rust]]></wp:category_nicename><wp:category_parent><![CDATA[tech]]></wp:category_parent><wp:cat_name><![CDATA[Rust &amp; Co]]></wp:cat_name></wp:category>
	<item>
		<title><![CDATA[Hello &amp; welcome]]></title>
		<link>https://old.example.com/blog/hello-world/</link>
		<dc:creator><![CDATA[ann]]></dc:creator>
		<content:encoded><![CDATA[First line
second line

[caption id="attachment_30" width="300"]<img src="https://old.example.com/wp-content/uploads/cat.jpg" alt="Cat" /> Our cat[/caption]

<!--more-->
After the fold with [gallery ids="30"] and [contact-form id="1"]]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>12</wp:post_id>
		<wp:post_date><![CDATA[2020-01-02 11:00:00]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[2020-01-02 10:00:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[hello-world]]></wp:post_name>
		<wp:is_sticky>1</wp:is_sticky>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_type><![CDATA[post]]></wp:post_type>
		<wp:post_password><![CDATA[]]></wp:post_password>
		<category domain="category" nicename="rust"><![CDATA[Rust &amp; Co]]></category>
		<category domain="post_tag" nicename="intro"><![CDATA[Intro]]></category>
		<wp:comment><wp:comment_id>5</wp:comment_id><wp:comment_date_gmt><![CDATA[2020-01-03 08:00:00]]></wp:comment_date_gmt><wp:comment_author><![CDATA[Bob]]></wp:comment_author><wp:comment_content><![CDATA[Nice!]]></wp:comment_content><wp:comment_approved><![CDATA[1]]></wp:comment_approved><wp:comment_type><![CDATA[comment]]></wp:comment_type><wp:comment_parent>0</wp:comment_parent></wp:comment>
		<wp:comment><wp:comment_id>7</wp:comment_id><wp:comment_author><![CDATA[Ann Lee]]></wp:comment_author><wp:comment_author_email><![CDATA[ann@old.example.com]]></wp:comment_author_email><wp:comment_date_gmt><![CDATA[2020-01-04 08:00:00]]></wp:comment_date_gmt><wp:comment_content><![CDATA[<p>Thanks &amp; see you,<br />Ann</p>]]></wp:comment_content><wp:comment_approved><![CDATA[1]]></wp:comment_approved><wp:comment_type><![CDATA[comment]]></wp:comment_type><wp:comment_parent>5</wp:comment_parent></wp:comment>
		<wp:comment><wp:comment_id>8</wp:comment_id><wp:comment_author><![CDATA[Carol]]></wp:comment_author><wp:comment_author_email><![CDATA[carol@example.net]]></wp:comment_author_email><wp:comment_content><![CDATA[Waiting for a moderator]]></wp:comment_content><wp:comment_approved><![CDATA[0]]></wp:comment_approved><wp:comment_parent>0</wp:comment_parent></wp:comment>
		<wp:comment><wp:comment_id>9</wp:comment_id><wp:comment_author><![CDATA[Spammer]]></wp:comment_author><wp:comment_content><![CDATA[Buy now]]></wp:comment_content><wp:comment_approved><![CDATA[spam]]></wp:comment_approved><wp:comment_parent>0</wp:comment_parent></wp:comment>
		<wp:comment><wp:comment_id>6</wp:comment_id><wp:comment_author><![CDATA[Other blog]]></wp:comment_author><wp:comment_content><![CDATA[Linked]]></wp:comment_content><wp:comment_approved><![CDATA[1]]></wp:comment_approved><wp:comment_type><![CDATA[pingback]]></wp:comment_type><wp:comment_parent>0</wp:comment_parent></wp:comment>
	</item>
	<item>
		<title><![CDATA[About]]></title>
		<link>https://old.example.com/about-us/</link>
		<dc:creator><![CDATA[ann]]></dc:creator>
		<content:encoded><![CDATA[<!-- wp:paragraph -->
<p>We write about Rust.</p>
<!-- /wp:paragraph -->]]></content:encoded>
		<wp:post_id>20</wp:post_id>
		<wp:post_date_gmt><![CDATA[2019-05-01 08:00:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[about]]></wp:post_name>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:menu_order>3</wp:menu_order>
		<wp:post_type><![CDATA[page]]></wp:post_type>
	</item>
	<item>
		<title><![CDATA[Team]]></title>
		<link>https://old.example.com/about-us/team/</link>
		<dc:creator><![CDATA[ann]]></dc:creator>
		<content:encoded><![CDATA[The people.]]></content:encoded>
		<wp:post_id>21</wp:post_id>
		<wp:post_date_gmt><![CDATA[2019-05-02 08:00:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[team]]></wp:post_name>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_parent>20</wp:post_parent>
		<wp:post_type><![CDATA[page]]></wp:post_type>
	</item>
	<item>
		<title><![CDATA[Coming soon]]></title>
		<dc:creator><![CDATA[ann]]></dc:creator>
		<content:encoded><![CDATA[Later.]]></content:encoded>
		<wp:post_id>13</wp:post_id>
		<wp:post_date_gmt><![CDATA[2099-01-01 00:00:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[coming-soon]]></wp:post_name>
		<wp:status><![CDATA[future]]></wp:status>
		<wp:post_type><![CDATA[post]]></wp:post_type>
	</item>
	<item>
		<title><![CDATA[Secret]]></title>
		<content:encoded><![CDATA[Hidden.]]></content:encoded>
		<wp:post_id>14</wp:post_id>
		<wp:post_date_gmt><![CDATA[2021-01-01 00:00:00]]></wp:post_date_gmt>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_type><![CDATA[post]]></wp:post_type>
		<wp:post_password><![CDATA[hunter2]]></wp:post_password>
	</item>
	<item>
		<title><![CDATA[Just mine]]></title>
		<content:encoded><![CDATA[Private.]]></content:encoded>
		<wp:post_id>15</wp:post_id>
		<wp:post_date_gmt><![CDATA[2021-02-01 00:00:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[just-mine]]></wp:post_name>
		<wp:status><![CDATA[private]]></wp:status>
		<wp:post_type><![CDATA[post]]></wp:post_type>
	</item>
	<item>
		<title><![CDATA[Deleted]]></title>
		<wp:post_id>16</wp:post_id>
		<wp:status><![CDATA[trash]]></wp:status>
		<wp:post_type><![CDATA[post]]></wp:post_type>
	</item>
	<item>
		<title><![CDATA[cat.jpg]]></title>
		<link>https://old.example.com/blog/hello-world/cat/</link>
		<wp:post_id>30</wp:post_id>
		<wp:status><![CDATA[inherit]]></wp:status>
		<wp:post_type><![CDATA[attachment]]></wp:post_type>
		<wp:attachment_url><![CDATA[https://old.example.com/wp-content/uploads/cat.jpg]]></wp:attachment_url>
	</item>
	<item>
		<title><![CDATA[Home]]></title>
		<wp:post_id>40</wp:post_id>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_type><![CDATA[nav_menu_item]]></wp:post_type>
	</item>
</channel>
</rss>"#;

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.db.acquire().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(c)
        .await)
    .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn a_wordpress_export_moves_in_whole_and_a_second_run_changes_nothing() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.xml");
    std::fs::write(&file, EXPORT).unwrap();
    let options = WordPressOptions {
        files: vec![file.clone()],
        progress: false,
        media: None,
    };
    let summary = import_wordpress(&app.posts(), &options).await.unwrap();
    assert_eq!(
        (summary.created, summary.failed.len(), summary.skipped),
        (6, 0, 3),
        "{summary:?}"
    );
    let notes: Vec<&str> = summary.notes.iter().map(|(_, n)| n.as_str()).collect();
    for expected in [
        "password-protected: imported as a draft",
        "private: imported as a draft",
        "unknown shortcode [contact-form] removed",
        "category Tech › Rust & Co: imported as Rust & Co",
        "comments: 3 added, 0 already there",
        "1 spam or trashed comments skipped",
        "1 pingbacks and trackbacks skipped",
        "sticky on WordPress: Folio has no pinned posts yet, so it is listed by date",
        "a sub-page of \"About\" on WordPress: Folio's pages are flat, so it is at /team/ (its old address redirects)",
    ] {
        assert!(notes.contains(&expected), "{expected} not in {notes:?}");
    }

    // The post, with its body converted, category leaf, tag and author.
    let (status, html) = app.get_text("/2020/01/02/hello-world/").await;
    assert_eq!(status, 200);
    for expected in [
        "Hello &amp; welcome",
        "<p>First line<br>\nsecond line</p>",
        "<figcaption>Our cat</figcaption>",
        r#"<img src="https://old.example.com/wp-content/uploads/cat.jpg" alt="">"#,
        "After the fold",
        "Rust &amp; Co",
        "Intro",
        "Ann Lee",
    ] {
        assert!(html.contains(expected), "{expected} missing from {html}");
    }
    assert!(
        !html.contains("contact-form") && !html.contains("[gallery"),
        "{html}"
    );
    // Comments: Bob's, with Ann's reply under it (indented); Carol's waits for a moderator.
    let bob = html.find("Nice!").expect("Bob's comment");
    let ann = html
        .find("Thanks &amp; see you,\nAnn")
        .expect("Ann's reply, as text");
    assert!(bob < ann);
    assert!(html.contains(r#"class="comment reply reply-1""#), "{html}");
    assert!(!html.contains("Waiting for a moderator") && !html.contains("Buy now"));
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM comments WHERE is_approved = FALSE"
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM comments c JOIN comments p ON p.id = c.parent_id"
        )
        .await,
        1
    );
    // The REST API says which comment a reply answers.
    let comments: serde_json::Value = app.get("/api/comments/").await.json().await.unwrap();
    let results = comments["results"].as_array().expect("a page of comments");
    let find = |start: &str| {
        results
            .iter()
            .find(|c| c["body"].as_str().unwrap().starts_with(start))
            .unwrap()
    };
    assert_eq!(find("Thanks")["parent"], find("Nice!")["id"]);
    assert!(find("Nice!")["parent"].is_null());
    // The post's author and the commenter with the same email are one account.
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM users WHERE lower(email) = 'ann@old.example.com'"
        )
        .await,
        1
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM users WHERE username IN ('bob', 'carol') AND is_staff = FALSE AND password_hash IS NULL").await,
        2
    );
    // The text before <!--more--> is the description.
    assert!(
        html.contains(r#"content="First line second line Our cat""#),
        "{html}"
    );
    // The page lives at /<slug>/, block comments gone.
    let (status, page) = app.get_text("/about/").await;
    assert_eq!(status, 200);
    assert!(page.contains("We write about Rust.") && !page.contains("wp:paragraph"));
    // Its menu order places it in the navigation; the sub-page without one is not there.
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM posts WHERE slug = 'about' AND nav_order = 3"
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM posts WHERE slug = 'team' AND nav_order IS NULL"
        )
        .await,
        1
    );
    // Old URLs answer 301: the permalink, ?p= and ?page_id=.
    for (old, new) in [
        ("/blog/hello-world/", "/2020/01/02/hello-world/"),
        ("/?p=12", "/2020/01/02/hello-world/"),
        ("/about-us/", "/about/"),
        ("/?page_id=20", "/about/"),
        ("/about-us/team/", "/team/"),
        // The attachment page, to its file (not imported here: at its old address).
        (
            "/?attachment_id=30",
            "https://old.example.com/wp-content/uploads/cat.jpg",
        ),
        (
            "/blog/hello-world/cat/",
            "https://old.example.com/wp-content/uploads/cat.jpg",
        ),
    ] {
        let response = app.get(old).await;
        assert_eq!(response.status().as_u16(), 301, "{old}");
        assert_eq!(location(&response), new, "{old}");
    }
    // Other queries on / are the home page as before.
    assert_eq!(app.get("/?p=999").await.status().as_u16(), 200);
    // Scheduled stays scheduled; private and protected are drafts; trash, attachment and menu
    // item are not posts.
    assert_eq!(
        app.get("/2099/01/01/coming-soon/").await.status().as_u16(),
        404
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM posts WHERE slug = 'coming-soon' AND status = 'PUBLISHED'"
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM posts WHERE slug IN ('secret', 'just-mine') AND status = 'DRAFT'"
        )
        .await,
        2
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM posts WHERE slug IN ('deleted', 'home', 'cat-jpg')"
        )
        .await,
        0
    );
    // The author has no usable password, and the export's email.
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM users WHERE username = 'ann' AND email = 'ann@old.example.com'"
        )
        .await,
        1
    );

    // A second run changes nothing; the command line says so and exits 0.
    let again = import_wordpress(&app.posts(), &options).await.unwrap();
    assert_eq!(
        (again.created, again.updated, again.unchanged),
        (0, 0, 6),
        "{again:?}"
    );
    assert!(
        again
            .notes
            .iter()
            .any(|(_, n)| n == "comments: 0 added, 3 already there"),
        "{:?}",
        again.notes
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM comments").await, 3);

    // The admin's comment list says which comment a reply answers, linked.
    app.create_user(
        "admin@example.org",
        "siteadmin",
        "velvet-orbit-lantern-42",
        app::domain::Role::Administrator,
    )
    .await;
    app.login("admin@example.org", "velvet-orbit-lantern-42")
        .await;
    let bob = scalar(
        &app,
        "SELECT c.id FROM comments c JOIN users u ON u.id = c.author_id WHERE u.username = 'bob'",
    )
    .await;
    let (status, html) = app.get_text("/admin/comments/?o=created_at").await;
    assert_eq!(status, 200);
    assert!(html.contains("In reply to"), "{html}");
    assert!(
        html.contains(&format!("href=\"/admin/comments/{bob}/\">↳ bob</a>")),
        "{html}"
    );
}

#[tokio::test]
async fn the_cli_imports_exports_and_refuses_files_that_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("export.xml");
    std::fs::write(&good, EXPORT).unwrap();
    let feed = dir.path().join("feed.xml");
    std::fs::write(
        &feed,
        "<rss version=\"2.0\"><channel><title>x</title></channel></rss>",
    )
    .unwrap();
    let url = format!("sqlite://{}/folio.db", dir.path().display());
    let run = |files: &[&std::path::Path]| {
        Command::new(env!("CARGO_BIN_EXE_folio"))
            .args(["import", "wordpress"])
            .args(files)
            .env("DATABASE_URL", &url)
            .env("RUST_LOG", "off")
            .output()
            .unwrap()
    };
    let output = run(&[&good]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("6 created, 0 updated, 0 unchanged, 0 failed"),
        "{stdout}"
    );
    assert!(
        stderr.contains("note: ") && stderr.contains("private: imported as a draft"),
        "{stderr}"
    );
    let output = run(&[&feed]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("feed.xml: not a WordPress export (WXR)"),
        "{stderr}"
    );
}

#[tokio::test]
async fn with_the_uploads_folder_images_move_into_the_media_library() {
    use folio_server::import::wordpress::MediaImport;
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.xml");
    std::fs::write(&file, EXPORT).unwrap();
    // The copy of wp-content/uploads: the attachment's file (a real image, wide enough for a
    // resized copy).
    let uploads = dir.path().join("uploads");
    std::fs::create_dir_all(&uploads).unwrap();
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(1200, 600, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    }))
    .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
    .unwrap();
    std::fs::write(uploads.join("cat.jpg"), &png).unwrap();
    let options = WordPressOptions {
        files: vec![file],
        progress: false,
        media: Some(MediaImport {
            uploads,
            store: app::ssr::media_store::MediaStore::folder(app.media_dir()),
            max_bytes: 10 * 1024 * 1024,
        }),
    };
    let summary = import_wordpress(&app.posts(), &options).await.unwrap();
    assert_eq!(
        (summary.created, summary.failed.len()),
        (6, 0),
        "{summary:?}"
    );
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM media").await, 1);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM media WHERE original_name = 'cat.jpg' AND variant_widths = '800'"
        )
        .await,
        1
    );
    let (status, html) = app.get_text("/2020/01/02/hello-world/").await;
    assert_eq!(status, 200);
    assert!(!html.contains("wp-content/uploads"), "{html}");
    let start = html
        .find("src=\"/media/")
        .expect("an image from the library")
        + 5;
    let url = &html[start..start + html[start..].find('"').unwrap()];
    let served = app.get(url).await;
    assert_eq!(served.status().as_u16(), 200, "{url}");
    assert_eq!(served.bytes().await.unwrap().to_vec(), png);
    // The attachment page answers with the file in the library.
    for old in ["/?attachment_id=30", "/blog/hello-world/cat/"] {
        let moved = app.get(old).await;
        assert_eq!(moved.status().as_u16(), 301, "{old}");
        assert_eq!(location(&moved), url, "{old}");
    }
    // A second run finds the file again.
    let again = import_wordpress(&app.posts(), &options).await.unwrap();
    assert_eq!((again.created, again.updated), (0, 0), "{again:?}");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM media").await, 1);
}

/// The folder of the public WordPress exports `scripts/setup --test` downloads (the fixtures
/// shipped in PyPI's `wagtail-wordpress-import` 0.3.0), or `FOLIO_WXR_FIXTURES`.
fn public_fixtures() -> std::path::PathBuf {
    let dir = std::env::var("FOLIO_WXR_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| {
            let cache = std::env::var("FOLIO_CACHE_DIR").unwrap_or_else(|_| {
                format!("{}/.cache/folio", std::env::var("HOME").unwrap_or_default())
            });
            std::path::PathBuf::from(cache).join("fixtures/wagtail-wordpress-import-0.3.0")
        });
    assert!(
        dir.join("raw_xml.xml").is_file(),
        "the public WordPress fixtures are missing at {} (scripts/setup --test downloads them)",
        dir.display()
    );
    dir
}

/// Real public exports written by another project (Wagtail's WordPress importer ships them as
/// its test data): odd post types, a page draft, an empty category, five items that all claim
/// WordPress id 1, and Yoast SEO descriptions in postmeta. Every item is accounted for: imported,
/// or skipped with its reason; a second run changes nothing.
#[tokio::test]
async fn public_exports_from_another_project_import_with_every_item_accounted_for() {
    let dir = public_fixtures();
    let options = |name: &str| WordPressOptions {
        files: vec![dir.join(name)],
        progress: false,
        media: None,
    };
    let notes_of = |summary: &folio_server::import::ImportSummary| -> Vec<String> {
        summary
            .notes
            .iter()
            .map(|(p, n)| format!("{}: {n}", p.display()))
            .collect()
    };

    // raw_xml.xml: a post and a page draft come in; three items of made-up post types are
    // skipped, each reported with its kind.
    let app = TestApp::spawn().await;
    let summary = import_wordpress(&app.posts(), &options("raw_xml.xml"))
        .await
        .unwrap();
    assert_eq!(summary.failed.len(), 0, "{:?}", summary.failed);
    assert_eq!((summary.created, summary.skipped), (2, 3), "{summary:?}");
    let notes = notes_of(&summary);
    for kind in ["testpostmeta", "postmetachanged", "hasnocategories"] {
        let expected = format!("raw_xml.xml: skipped 1 × {kind}: a custom post type");
        assert!(
            notes.iter().any(|n| n.contains(&expected)),
            "{expected} not in {notes:?}"
        );
    }
    let (status, html) = app.get_text("/2010/07/13/item-one-title/").await;
    assert_eq!(status, 200);
    assert!(html.contains("Item one title"), "{html}");
    assert!(html.contains("Why Choose a Side Hustle?"), "{html}");
    let moved = app.get("/item-one-title/").await;
    assert_eq!(moved.status().as_u16(), 301);
    assert_eq!(location(&moved), "/2010/07/13/item-one-title/");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM posts WHERE kind = 'page' AND status = 'DRAFT' AND slug = 'item-two-title'").await,
        1
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM users WHERE email IN ('author1@example.com', 'author2@example.com')").await,
        2
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM categories WHERE slug LIKE 'an-empty-category%'"
        )
        .await,
        0,
        "a category link without a domain is not a category"
    );
    let again = import_wordpress(&app.posts(), &options("raw_xml.xml"))
        .await
        .unwrap();
    assert_eq!(
        (
            again.created,
            again.updated,
            again.unchanged,
            again.failed.len()
        ),
        (0, 0, 2, 0),
        "{again:?}"
    );

    // post_meta.xml: five posts that all claim WordPress id 1 (and one slug and date): the first
    // comes in, the other four are skipped and named, none overwrites it.
    let app = TestApp::spawn().await;
    let summary = import_wordpress(&app.posts(), &options("post_meta.xml"))
        .await
        .unwrap();
    assert_eq!(summary.failed.len(), 0, "{:?}", summary.failed);
    assert_eq!((summary.created, summary.skipped), (1, 4), "{summary:?}");
    let notes = notes_of(&summary);
    assert_eq!(
        notes
            .iter()
            .filter(|n| n.contains(
                "skipped: the export lists WordPress id 1 twice; the first (\"Item with wp:postmeta single\") was imported"
            ))
            .count(),
        4,
        "{notes:?}"
    );
    let (status, html) = app.get_text("/2010/07/13/item-one-title/").await;
    assert_eq!(status, 200);
    assert!(html.contains("Item with wp:postmeta single"), "{html}");
    let again = import_wordpress(&app.posts(), &options("post_meta.xml"))
        .await
        .unwrap();
    assert_eq!(
        (again.created, again.updated, again.unchanged),
        (0, 0, 1),
        "{again:?}"
    );
}

/// An SEO plug-in's description (Yoast's `_yoast_wpseo_metadesc` here) is the post's meta
/// description, ahead of its excerpt.
#[tokio::test]
async fn an_seo_plugins_description_becomes_the_meta_description() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.xml");
    let item = |id: u32, slug: &str, meta: &str| {
        format!(
            "<item><title>{slug}</title><dc:creator>ann</dc:creator>\
             <content:encoded><![CDATA[<p>Body</p>]]></content:encoded>\
             <excerpt:encoded><![CDATA[The excerpt.]]></excerpt:encoded>\
             <wp:post_id>{id}</wp:post_id><wp:post_date_gmt>2021-05-0{id} 10:00:00</wp:post_date_gmt>\
             <wp:post_name>{slug}</wp:post_name><wp:status>publish</wp:status>\
             <wp:post_type>post</wp:post_type>{meta}</item>"
        )
    };
    let postmeta = |key: &str, value: &str| {
        format!("<wp:postmeta><wp:meta_key>{key}</wp:meta_key><wp:meta_value><![CDATA[{value}]]></wp:meta_value></wp:postmeta>")
    };
    std::fs::write(
        &file,
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:excerpt=\"http://wordpress.org/export/1.2/excerpt/\" \
             xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" \
             xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel><title>T</title><wp:wxr_version>1.2</wp:wxr_version>{}{}{}</channel></rss>",
            item(1, "yoast", &format!("{}{}", postmeta("_edit_last", "1"), postmeta("_yoast_wpseo_metadesc", "Written for search &amp; results."))),
            item(2, "aioseo", &postmeta("_aioseo_description", "All in one.")),
            item(3, "plain", &postmeta("_yoast_wpseo_metadesc", "  ")),
        ),
    )
    .unwrap();
    let summary = import_wordpress(
        &app.posts(),
        &WordPressOptions {
            files: vec![file],
            progress: false,
            media: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(summary.created, 3, "{summary:?}");
    for (path, expected) in [
        ("/2021/05/01/yoast/", "Written for search &amp; results."),
        ("/2021/05/02/aioseo/", "All in one."),
        ("/2021/05/03/plain/", "The excerpt."),
    ] {
        let (status, html) = app.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            html.contains(&format!(
                "<meta name=\"description\" content=\"{expected}\""
            )),
            "{path}: {expected} in {html}"
        );
    }
}
