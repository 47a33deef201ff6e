//! The reading site over HTTP: lists, posts, pagination, search, 404s, redirects, view counts.

use app::domain::PostStatus;
use chrono::Utc;

use crate::helpers::{canonical, count, PostSpec, TestApp};

#[tokio::test]
async fn fresh_site_shows_the_welcome_post_with_full_metadata() {
    let app = TestApp::spawn().await;
    let (status, html) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("Welcome to Folio"), "welcome post listed");
    assert!(
        html.contains("<title>Test Blog</title>"),
        "title in the first response"
    );
    assert!(html.contains(r#"<meta name="description""#));
    assert_eq!(
        canonical(&html).as_deref(),
        Some("https://blog.example.org/")
    );
    assert!(html.contains(r#"<meta property="og:title" content="Test Blog""#));
    assert!(html.contains(r#"<main id="main""#), "landmark");
    // `/pkg/folio.js`, or `/pkg/folio.<hash>.js` where the site was built with hashed names.
    assert!(
        html.split('"')
            .any(|value| value.starts_with("/pkg/folio.") && value.ends_with(".js")),
        "hydration script"
    );
}

#[tokio::test]
async fn welcome_post_is_written_once() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.acquire().await.unwrap();
    assert_eq!(
        app::ssr::db::posts::writes::count_all(conn.conn())
            .await
            .unwrap(),
        1
    );
    drop(conn);
    folio_server::welcome::ensure_welcome_post(&app.db, &app.events)
        .await
        .unwrap();
    let mut conn = app.db.acquire().await.unwrap();
    assert_eq!(
        app::ssr::db::posts::writes::count_all(conn.conn())
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn post_page_renders_body_and_counts_each_view() {
    let app = TestApp::spawn().await;
    let mut spec = PostSpec::published("Hello there", 1);
    spec.body = "## Part one\n\nBody with `code` & <script>alert(1)</script> text.";
    app.create_post(spec).await;
    let (_, home) = app.get_text("/").await;
    let date = (Utc::now() - chrono::Duration::days(1))
        .format("%Y/%m/%d")
        .to_string();
    let path = format!("/{date}/hello-there/");
    assert!(
        home.contains(&format!("href=\"{path}\"")),
        "home links the post"
    );

    let (status, html) = app.get_text(&path).await;
    assert_eq!(status, 200);
    assert!(html.contains("<title>Hello there — Test Blog</title>"));
    assert!(html.contains(r#"<h2 id="user-content-part-one">Part one</h2>"#));
    assert!(html.contains("<code>code</code> &amp;"));
    assert!(!html.contains("alert(1)"), "sanitised");
    assert!(html.contains("1 min read"));
    assert!(html.contains(r#"<meta property="og:type" content="article""#));
    assert_eq!(
        canonical(&html),
        Some(format!("https://blog.example.org{path}"))
    );

    app.get(&path).await;
    app.flush_views().await;
    let mut conn = app.db.acquire().await.unwrap();
    let views: i64 = app::on_conn!(conn.conn(), |c| sqlx::query_scalar(
        "SELECT view_count FROM posts WHERE slug = 'hello-there'"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert_eq!(views, 2);
}

#[tokio::test]
async fn concurrent_views_are_all_counted() {
    use futures_util::StreamExt;
    let app = TestApp::spawn().await;
    app.create_post(PostSpec::published("Popular", 2)).await;
    app.create_post(PostSpec::published("Quiet", 3)).await;
    let date = (Utc::now() - chrono::Duration::days(2))
        .format("%Y/%m/%d")
        .to_string();
    let path = format!("/{date}/popular/");
    let url = format!("{}{path}", app.address);
    // Pages rendered by the server (24) and the post's server function, as the hydrated site
    // calls it (10,000), 64 at a time, while the server writes the counts every second.
    let pages: Vec<_> = (0..24)
        .map(|_| {
            let client = app.client.clone();
            let url = url.clone();
            tokio::spawn(async move { client.get(url).send().await.expect("request").status() })
        })
        .collect();
    for handle in pages {
        assert_eq!(handle.await.unwrap(), 200);
    }
    let parts: Vec<String> = date.split('/').map(str::to_string).collect();
    let form = [
        ("year", parts[0].as_str()),
        ("month", parts[1].as_str()),
        ("day", parts[2].as_str()),
        ("slug", "popular"),
    ];
    let statuses: Vec<u16> = futures_util::stream::iter(0..10_000)
        .map(|_| async { app.call("post", &form).await.status().as_u16() })
        .buffer_unordered(64)
        .collect()
        .await;
    assert!(statuses.iter().all(|s| *s == 200), "every view answered");
    app.flush_views().await;
    let mut conn = app.db.acquire().await.unwrap();
    let views: i64 = app::on_conn!(conn.conn(), |c| sqlx::query_scalar(
        "SELECT view_count FROM posts WHERE slug = 'popular'"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    drop(conn);
    assert_eq!(views, 10_024);
    // A view answers with the count that includes the views not written yet.
    let detail: serde_json::Value = app.call("post", &form).await.json().await.unwrap();
    assert_eq!(detail["view_count"], 10_025);
    // Trending follows the written counts.
    app.flush_views().await;
    let trending: serde_json::Value = app.get("/api/posts/trending/").await.json().await.unwrap();
    assert_eq!(trending[0]["title"], "Popular");
    assert_eq!(trending[0]["view_count"], 10_025);
}

#[tokio::test]
async fn drafts_archived_and_scheduled_posts_are_not_public() {
    let app = TestApp::spawn().await;
    let mut draft = PostSpec::published("Secret draft", 1);
    draft.status = PostStatus::Draft;
    app.create_post(draft).await;
    let mut archived = PostSpec::published("Old archived", 1);
    archived.status = PostStatus::Archived;
    app.create_post(archived).await;
    app.create_post(PostSpec::published("Scheduled soon", -3))
        .await;

    let (_, home) = app.get_text("/").await;
    for title in ["Secret draft", "Old archived", "Scheduled soon"] {
        assert!(!home.contains(title), "{title} must not be listed");
    }
    let yesterday = (Utc::now() - chrono::Duration::days(1))
        .format("%Y/%m/%d")
        .to_string();
    let future = (Utc::now() + chrono::Duration::days(3))
        .format("%Y/%m/%d")
        .to_string();
    for path in [
        format!("/{yesterday}/old-archived/"),
        format!("/{future}/scheduled-soon/"),
    ] {
        let (status, html) = app.get_text(&path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("Page not found"));
    }
    // A draft has no published_at, so it has no date URL at all; its slug under any date is 404.
    let (status, _) = app.get_text(&format!("/{yesterday}/secret-draft/")).await;
    assert_eq!(status, 404);
    let (_, found) = app.get_text("/search?q=secret").await;
    assert!(!found.contains("Secret draft"));
}

#[tokio::test]
async fn unknown_paths_get_a_friendly_404() {
    let app = TestApp::spawn().await;
    for path in [
        "/no/such/page",
        "/2024/13/45/nope/",
        "/category/none/",
        "/author/nobody/",
        "/2024/01/01/missing/",
    ] {
        let (status, html) = app.get_text(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(html.contains("Page not found"), "{path}");
        assert!(
            html.contains("<title>Page not found — Test Blog</title>"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn pagination_follows_django_get_page() {
    let app = TestApp::spawn().await;
    for i in 0..24 {
        app.create_post(PostSpec::published(&format!("Numbered post {i:02}"), i + 1))
            .await;
    }
    // 24 + the welcome post = 25 posts: pages of 10, 10, 5.
    let (_, first) = app.get_text("/").await;
    assert_eq!(count(&first, "class=\"post-item\""), 10);
    assert!(first.contains("Page 1 of 3"));
    assert!(first.contains(r#"href="/?page=2""#));
    let (_, second) = app.get_text("/?page=2").await;
    assert!(second.contains("Numbered post 09") && second.contains("Numbered post 18"));
    assert_eq!(
        canonical(&second).as_deref(),
        Some("https://blog.example.org/?page=2")
    );
    let (status, last) = app.get_text("/?page=999").await;
    assert_eq!(status, 200);
    assert!(last.contains("Page 3 of 3"));
    assert_eq!(count(&last, "class=\"post-item\""), 5);
    let (_, junk) = app.get_text("/?page=abc").await;
    assert!(junk.contains("Page 1 of 3"));
}

#[tokio::test]
async fn category_and_author_pages_list_their_posts() {
    let app = TestApp::spawn().await;
    let mut a = PostSpec::published("Rust news", 1);
    a.category = "Rust Releases";
    a.author = "niko";
    app.create_post(a).await;
    app.create_post(PostSpec::published("Other news", 2)).await;

    let (status, html) = app.get_text("/category/rust-releases/").await;
    assert_eq!(status, 200);
    assert!(html.contains("Rust news") && !html.contains("Other news"));
    assert!(html.contains("<title>Rust Releases — Test Blog</title>"));
    let (_, filtered) = app.get_text("/?category=rust-releases").await;
    assert!(filtered.contains("Rust news") && !filtered.contains("Other news"));
    let (status, html) = app.get_text("/author/niko/").await;
    assert_eq!(status, 200);
    assert!(html.contains("Rust news") && !html.contains("Other news"));
}

#[tokio::test]
async fn search_matches_every_word_case_insensitively_and_safely() {
    let app = TestApp::spawn().await;
    let mut a = PostSpec::published("Async closures stabilised", 1);
    a.body = "The borrow checker now understands them.";
    app.create_post(a).await;
    let mut b = PostSpec::published("Const generics", 2);
    b.body = "Arrays of any size; 100% less boilerplate.";
    app.create_post(b).await;

    let (status, html) = app.get_text("/search?q=ASYNC").await;
    assert_eq!(status, 200);
    assert!(html.contains("Async closures stabilised") && !html.contains("Const generics"));
    assert!(html.contains("1 post found."));
    let (_, both_words) = app.get_text("/search?q=borrow%20closures").await;
    assert!(both_words.contains("Async closures"));
    let (_, no_match) = app.get_text("/search?q=borrow%20arrays").await;
    assert!(no_match.contains("No posts found."));
    assert!(
        no_match.contains("exact phrase"),
        "help for a search that found nothing"
    );
    let (status, percent) = app.get_text("/search?q=%25").await;
    assert_eq!(status, 200, "punctuation alone is no error");
    assert!(percent.contains("No posts found."));
    let (_, hundred) = app.get_text("/search?q=100%25").await;
    assert!(hundred.contains("Const generics") && !hundred.contains("Async closures"));
    let (_, hostile) = app
        .get_text("/search?q=%3C/title%3E%3Cscript%3Ealert(1)%3C/script%3E")
        .await;
    assert!(
        !hostile.contains("<script>alert(1)"),
        "query is escaped in the page and its <title>"
    );
    assert!(hostile.contains("<title>Results for “&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;” — Test Blog</title>"));
    let (status, _) = app
        .get_text(&format!("/search?q={}", "x".repeat(300)))
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn aliases_and_missing_slashes_redirect_permanently() {
    let app = TestApp::spawn().await;
    let id = app.create_post(PostSpec::published("Moved post", 5)).await;
    let mut conn = app.db.acquire().await.unwrap();
    app::ssr::db::redirects::replace_for_post(
        conn.conn(),
        id,
        &["/2019/01/01/moved.html".to_string()],
        Utc::now(),
    )
    .await
    .unwrap();
    drop(conn);
    let date = (Utc::now() - chrono::Duration::days(5))
        .format("%Y/%m/%d")
        .to_string();
    let response = app.get("/2019/01/01/moved.html").await;
    assert_eq!(response.status(), 301);
    assert_eq!(
        response.headers()["location"],
        format!("/{date}/moved-post/")
    );
    let response = app.get(&format!("/{date}/moved-post")).await;
    assert_eq!(response.status(), 301);
    assert_eq!(
        response.headers()["location"],
        format!("/{date}/moved-post/")
    );
    let response = app.get("/category/news?page=2").await;
    assert_eq!(response.status(), 301);
    assert_eq!(response.headers()["location"], "/category/news/?page=2");
}

#[tokio::test]
async fn server_functions_answer_json_and_real_statuses() {
    let app = TestApp::spawn().await;
    let response = app.get("/_fn/posts?page=1").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["posts"]["page"]["total"], 1);
    assert_eq!(body["posts"]["posts"][0]["title"], "Welcome to Folio");
    assert_eq!(body["category"], serde_json::Value::Null);
    let response = app.get("/_fn/category?slug=nope").await;
    assert_eq!(response.status(), 404);
    let response = app.get("/_fn/posts?page=1&category=nope").await;
    assert_eq!(
        response.status(),
        404,
        "an unknown category on the home page"
    );
}

#[tokio::test]
async fn responses_carry_a_request_id() {
    let app = TestApp::spawn().await;
    let response = app.get("/").await;
    assert!(response.headers().contains_key("x-request-id"));
}
