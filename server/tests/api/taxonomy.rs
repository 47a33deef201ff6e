//! Tags, static pages and the reader's navigation (issue 13): tag archives and feeds, feeds per
//! category and author, pages at `/<slug>/` kept out of the lists, the navigation and the
//! category list, the REST API's tags and kinds, unpadded dates, avatars, the audit log of API
//! writes.

use app::domain::Role;
use serde_json::{json, Value};

use crate::helpers::{PostSpec, TestApp};

const PASSWORD: &str = "velvet-orbit-lantern-42";

async fn sql_i64(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.db.acquire().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(c)
        .await)
    .unwrap()
}

async fn exec(app: &TestApp, sql: &str) {
    let mut conn = app.db.acquire_write().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query(sql)
        .execute(c)
        .await
        .map(|_| ()))
    .unwrap();
}

/// Posts tagged in different spellings of one tag, and one other.
async fn tagged(app: &TestApp) -> (i64, i64, i64) {
    let a = app
        .create_post(PostSpec {
            tags: &["Rust", "Async"],
            ..PostSpec::published("Rusty async", 3)
        })
        .await;
    let b = app
        .create_post(PostSpec {
            tags: &[" rust ", "RUST"],
            ..PostSpec::published("More rust", 2)
        })
        .await;
    let c = app
        .create_post(PostSpec {
            author: "bob",
            category: "Other",
            ..PostSpec::published("Untagged", 1)
        })
        .await;
    (a, b, c)
}

#[tokio::test]
async fn tags_have_archives_feeds_and_show_on_posts() {
    let app = TestApp::spawn().await;
    tagged(&app).await;
    assert_eq!(
        sql_i64(&app, "SELECT COUNT(*) FROM tags").await,
        2,
        "Rust, rust and RUST are one tag"
    );
    let (status, home) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert!(
        home.contains(r#"href="/tag/rust/""#),
        "list items show tags"
    );
    let (status, page) = app.get_text("/tag/rust/").await;
    assert_eq!(status, 200);
    assert!(page.contains("Rusty async") && page.contains("More rust"));
    assert!(!page.contains("Untagged"));
    assert!(page.contains("2 posts"));
    assert!(
        page.contains(r#"type="application/atom+xml""#) && page.contains("/tag/rust/feed.xml"),
        "the archive advertises its feed"
    );
    assert_eq!(app.get_text("/tag/nope/").await.0, 404);
    assert_eq!(app.get("/tag/rust").await.status(), 301, "APPEND_SLASH");

    for (path, has, lacks) in [
        ("/tag/rust/feed.xml", "More rust", "Untagged"),
        ("/category/other/feed.xml", "Untagged", "More rust"),
        ("/author/bob/feed.xml", "Untagged", "Rusty async"),
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/atom+xml"));
        let xml = response.text().await.unwrap();
        roxmltree::Document::parse(&xml).expect("well-formed Atom");
        assert!(xml.contains(has) && !xml.contains(lacks), "{path}: {xml}");
        assert!(
            xml.contains(&format!("https://blog.example.org{path}")),
            "self link"
        );
    }
    for path in [
        "/tag/nope/feed.xml",
        "/category/nope/feed.xml",
        "/author/nope/feed.xml",
    ] {
        assert_eq!(app.get(path).await.status(), 404, "{path}");
    }
    let (_, sitemap) = app.get_text("/sitemap.xml").await;
    assert!(sitemap.contains("https://blog.example.org/tag/rust/"));
}

/// Saves the admin's post form as the signed-in client; the response.
async fn save_form(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut all: Vec<(&str, &str)> = vec![
        ("slug", ""),
        ("body", "About this *site*."),
        ("status", "PUBLISHED"),
        ("published_at", ""),
        ("meta_description", ""),
        ("version", ""),
        ("after", "save"),
    ];
    for (k, v) in fields {
        all.retain(|(key, _)| key != k);
        all.push((k, v));
    }
    app.call("admin/posts/save", &all).await
}

#[tokio::test]
async fn pages_live_at_their_slug_outside_the_lists_and_in_the_navigation() {
    let app = TestApp::spawn().await;
    app.create_user("ed@example.org", "ed", PASSWORD, Role::Editor)
        .await;
    app.login("ed@example.org", PASSWORD).await;
    let category = sql_i64(&app, "SELECT MIN(id) FROM categories")
        .await
        .to_string();
    let response = save_form(
        &app,
        &[
            ("title", "About us"),
            ("slug", "about"),
            ("author", "ed"),
            ("category_id", &category),
            ("kind", "page"),
            ("nav_order", "1"),
            ("tags", "meta"),
        ],
    )
    .await;
    assert!(
        response.status().as_u16() < 400,
        "{}",
        response.text().await.unwrap()
    );
    // A page cannot take one of Folio's own addresses.
    let refused = save_form(
        &app,
        &[
            ("title", "Admin"),
            ("slug", "admin"),
            ("author", "ed"),
            ("category_id", &category),
            ("kind", "page"),
        ],
    )
    .await;
    assert_eq!(refused.status().as_u16(), 400);
    let error: app::error::AppError = refused.json().await.unwrap();
    assert!(!error.field_messages("slug").is_empty(), "{error:?}");

    let (status, html) = app.get_text("/about/").await;
    assert_eq!(status, 200);
    assert!(html.contains("About us") && html.contains("About this"));
    assert!(!html.contains(r#"class="byline""#), "pages have no byline");
    assert_eq!(app.get("/about").await.status(), 301);
    assert_eq!(app.get_text("/nothing-here/").await.0, 404);
    let (_, home) = app.get_text("/").await;
    assert!(!home.contains("About this"), "not in the home list");
    assert!(home.contains(r#"href="/about/""#), "but in the navigation");
    let (_, feed) = app.get_text("/feed.xml").await;
    assert!(!feed.contains("About us"), "not in the feed");
    let (_, sitemap) = app.get_text("/sitemap.xml").await;
    assert!(
        sitemap.contains("https://blog.example.org/about/"),
        "in the sitemap"
    );
    let nav: Value = app.get("/_fn/site/nav").await.json().await.unwrap();
    assert_eq!(nav["pages"], json!([["About us", "/about/"]]));

    // The API: posts by default, pages with ?kind=page.
    let api: Value = app.get("/api/posts/").await.json().await.unwrap();
    assert!(api["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["kind"] == "post"));
    let pages: Value = app.get("/api/posts/?kind=page").await.json().await.unwrap();
    assert_eq!(pages["count"], 1);
    assert_eq!(pages["results"][0]["slug"], "about");
    assert_eq!(pages["results"][0]["tags"][0]["slug"], "meta");
    assert_eq!(app.get("/api/posts/?kind=note").await.status(), 400);
}

#[tokio::test]
async fn the_api_filters_by_tag_sets_tags_and_lists_them() {
    let app = TestApp::spawn().await;
    let (a, _, _) = tagged(&app).await;
    app.create_user("ann@example.org", "annie", PASSWORD, Role::Author)
        .await;
    let token: Value = reqwest::Client::new()
        .post(format!("{}/api/auth/token/", app.address))
        .json(&json!({"email": "ann@example.org", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = token["token"].as_str().unwrap().to_string();
    let api = |method: reqwest::Method, path: &str, body: Value| {
        reqwest::Client::new()
            .request(method, format!("{}{path}", app.address))
            .header("authorization", format!("Token {token}"))
            .json(&body)
            .send()
    };

    let list: Value = app.get("/api/posts/?tag=rust").await.json().await.unwrap();
    assert_eq!(list["count"], 2);
    let first = list["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == a)
        .unwrap()
        .clone();
    assert_eq!(
        first["tags"],
        json!([{"id": first["tags"][0]["id"], "name": "Rust", "slug": "rust"},
               {"id": first["tags"][1]["id"], "name": "Async", "slug": "async"}])
    );
    let tags: Value = app.get("/api/tags/").await.json().await.unwrap();
    assert_eq!(tags["count"], 2);
    let rust = tags["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["slug"] == "rust")
        .unwrap();
    assert_eq!(rust["post_count"], 2);
    assert_eq!(app.get("/api/tags/rust/").await.status(), 200);
    assert_eq!(app.get("/api/tags/nope/").await.status(), 404);

    let category = sql_i64(&app, "SELECT MIN(id) FROM categories").await;
    let created = api(
        reqwest::Method::POST,
        "/api/posts/",
        json!({"title": "Tagged by the API", "body": "x", "category_id": category,
               "tag_slugs": ["async", "rust"]}),
    )
    .await
    .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let slugs: Vec<&str> = created["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, vec!["async", "rust"], "in the order given");
    let path = format!("/api/posts/{}/", created["slug"].as_str().unwrap());
    let refused = api(
        reqwest::Method::PATCH,
        &path,
        json!({"tag_slugs": ["nope"]}),
    )
    .await
    .unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(
        body,
        json!({"tag_slugs": ["Object with slug=nope does not exist."]})
    );
    let cleared = api(reqwest::Method::PATCH, &path, json!({"tag_slugs": []}))
        .await
        .unwrap();
    assert_eq!(cleared.status(), 200);
    let cleared: Value = cleared.json().await.unwrap();
    assert_eq!(cleared["tags"], json!([]));
    // Every API write is in the audit log.
    assert_eq!(
        sql_i64(
            &app,
            "SELECT COUNT(*) FROM admin_log WHERE user_repr = 'annie' \
             AND (change_message LIKE '%(API)' OR change_message = 'Added through the API.')"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn the_reader_gets_category_names_padded_dates_counts_and_avatars() {
    let app = TestApp::spawn().await;
    tagged(&app).await;
    exec(
        &app,
        "UPDATE users SET avatar_url = 'https://img.example.org/ann.png' WHERE username = 'ann'",
    )
    .await;
    let (status, home) = app.get_text("/?category=news").await;
    assert_eq!(status, 200);
    assert!(
        home.contains("Posts in News"),
        "the category's name, not its slug"
    );
    assert_eq!(app.get_text("/?category=nope").await.0, 404);
    // The footer lists the categories with their public posts.
    assert!(home.contains(r#"href="/category/news/""#) && home.contains("(2)"));
    assert!(home.contains(r#"href="/category/other/""#));
    // Django's unpadded dates answer 301 to the padded address.
    let padded: String = {
        let mut conn = app.db.acquire().await.unwrap();
        let at: chrono::DateTime<chrono::Utc> = app::on_conn!(conn.conn(), |c| {
            sqlx::query_scalar("SELECT published_at FROM posts WHERE slug = 'more-rust'")
                .fetch_one(c)
                .await
        })
        .unwrap();
        app::domain::text::post_path(at, "more-rust")
    };
    let parts: Vec<&str> = padded.trim_matches('/').split('/').collect();
    let unpadded = format!(
        "/{}/{}/{}/more-rust/",
        parts[0],
        parts[1].trim_start_matches('0'),
        parts[2].trim_start_matches('0')
    );
    if unpadded != padded {
        let response = app.get(&unpadded).await;
        assert_eq!(response.status(), 301, "{unpadded}");
        assert_eq!(response.headers()["location"], padded.as_str());
    }
    let response = app.get("/2024/7/5/no-such-post/").await;
    assert_eq!(
        response.status(),
        301,
        "the padded address decides, not the lookup"
    );
    // Avatars on the author page and in bylines.
    let (_, author) = app.get_text("/author/ann/").await;
    assert!(author.contains(r#"src="https://img.example.org/ann.png""#));
    let (_, post) = app.get_text(&padded).await;
    assert!(post.contains(r#"class="avatar""#) && post.contains("ann.png"));
}

/// One page of `model`'s admin change list for `query` (a query string such as `tag=rust`).
async fn admin_list(app: &TestApp, model: &str, query: &str) -> app::model::admin::ChangeList {
    let query = app::domain::text::encode_query_value(query);
    let response = app
        .get(&format!("/_fn/admin/list?model={model}&query={query}"))
        .await;
    assert!(
        response.status().is_success(),
        "{model} {query}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// The first cell's text of each row.
fn names(list: &app::model::admin::ChangeList) -> Vec<String> {
    list.rows
        .iter()
        .map(|r| match &r.cells[0] {
            app::model::admin::Cell::Link { text, .. } => text.clone(),
            other => panic!("first cell is a link, not {other:?}"),
        })
        .collect()
}

async fn tag_form(app: &TestApp, id: i64) -> app::model::admin::TagForm {
    let response = app.get(&format!("/_fn/admin/tags/form?id={id}")).await;
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.unwrap()
}

async fn tags_of(app: &TestApp, post: i64) -> Vec<String> {
    let mut conn = app.db.acquire().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, String>(
        "SELECT t.slug FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id = $1 ORDER BY pt.position"
    )
    .bind(post)
    .fetch_all(c)
    .await)
    .unwrap()
}

/// Each event's post id and its tags after, by post id.
fn retagged(
    events: &mut tokio::sync::broadcast::Receiver<app::ssr::posts::PostEvent>,
) -> Vec<(i64, Vec<String>)> {
    let mut out = Vec::new();
    while let Ok(event) = events.try_recv() {
        assert_eq!(event.change, app::ssr::posts::PostChange::Updated);
        out.push((event.post_id, event.after.expect("still there").tags));
    }
    out.sort();
    out
}

#[tokio::test]
async fn editors_rename_merge_and_delete_tags_in_the_admin() {
    let app = TestApp::spawn().await;
    let (a, b, c) = tagged(&app).await;
    app.create_user("ed@example.org", "ed", PASSWORD, Role::Editor)
        .await;
    app.login("ed@example.org", PASSWORD).await;

    // The change list: tags by name with their post counts; the posts list filters by tag
    // and kind.
    let list = admin_list(&app, "Tags", "").await;
    assert_eq!(names(&list), vec!["Async", "Rust"]);
    assert_eq!(list.rows[1].cells[2], app::model::admin::Cell::Number(2));
    let posts = admin_list(&app, "Posts", "tag=rust").await;
    assert_eq!(posts.matching, 2);
    assert!(posts
        .filters
        .iter()
        .any(|f| f.param == "tag" && f.choices.iter().any(|c| c.value.as_deref() == Some("rust"))));
    assert_eq!(admin_list(&app, "Posts", "kind=page").await.matching, 0);
    assert_eq!(admin_list(&app, "Tags", "q=asy").await.matching, 1);
    // The suggestions of the tag fields.
    let response = app.get("/_fn/admin/tags/suggest?q=RU").await;
    let suggested: Vec<app::model::admin::TagChoice> = response.json().await.unwrap();
    assert_eq!(suggested.len(), 1);
    assert_eq!(suggested[0].slug, "rust");

    let rust = sql_i64(&app, "SELECT id FROM tags WHERE slug = 'rust'").await;
    let async_tag = sql_i64(&app, "SELECT id FROM tags WHERE slug = 'async'").await;
    let form = tag_form(&app, rust).await;
    assert_eq!((form.name.as_str(), form.post_count), ("Rust", 2));
    let save = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.call_err("admin/tags/save", &fields).await
        }
    };
    let mut events = app.events.subscribe();

    // A slug readers' typing would never reach is refused, and nothing changes.
    let refused = save(vec![
        ("id", rust.to_string()),
        ("name", "Rust".into()),
        ("slug", "Rust_Lang".into()),
        ("description", String::new()),
        ("version", form.version.clone()),
    ])
    .await;
    let Some((400, app::error::AppError::Validation(errors))) = refused else {
        panic!("{refused:?}")
    };
    assert!(errors.get("slug")[0].contains("“rust_lang”"));
    assert_eq!(tag_form(&app, rust).await, form);
    // Another tag's slug is taken.
    let taken = save(vec![
        ("id", rust.to_string()),
        ("name", "Rust".into()),
        ("slug", "async".into()),
        ("description", String::new()),
        ("version", form.version.clone()),
    ])
    .await;
    let Some((400, app::error::AppError::Validation(errors))) = taken else {
        panic!("{taken:?}")
    };
    assert_eq!(
        errors.get("slug"),
        vec!["Tag with this Slug already exists."]
    );

    // Renaming the slug moves the archive and tells the tagged posts' subscribers.
    assert_eq!(
        save(vec![
            ("id", rust.to_string()),
            ("name", "Rust language".into()),
            ("slug", "rust-lang".into()),
            ("description", "Posts about the Rust language.".into()),
            ("version", form.version.clone()),
        ])
        .await,
        None
    );
    assert_eq!(
        retagged(&mut events),
        vec![
            (a, vec!["rust-lang".to_string(), "async".to_string()]),
            (b, vec!["rust-lang".to_string()])
        ]
    );
    assert_eq!(app.get_text("/tag/rust/").await.0, 404);
    let (status, page) = app.get_text("/tag/rust-lang/").await;
    assert_eq!(status, 200);
    assert!(page.contains("Posts about the Rust language.") && page.contains("Rust language"));
    // A save from the form opened before the rename is refused.
    let stale = save(vec![
        ("id", rust.to_string()),
        ("name", "Rust".into()),
        ("slug", "rust".into()),
        ("description", String::new()),
        ("version", form.version.clone()),
    ])
    .await;
    assert!(
        matches!(stale, Some((409, app::error::AppError::Conflict(_)))),
        "{stale:?}"
    );
    // A name-only change keeps the posts as they were: no events.
    let form = tag_form(&app, rust).await;
    assert_eq!(
        save(vec![
            ("id", rust.to_string()),
            ("name", "Rust (language)".into()),
            ("slug", "rust-lang".into()),
            ("description", form.description.clone()),
            ("version", form.version.clone()),
        ])
        .await,
        None
    );
    assert!(retagged(&mut events).is_empty());

    // Merging: the posts of "Async" get "Rust (language)" (post a had both: it keeps one).
    let from = tag_form(&app, async_tag).await;
    let merge = |id: i64, into: &'static str, version: String| {
        let app = &app;
        async move {
            app.call_err(
                "admin/tags/merge",
                &[
                    ("id", &id.to_string()),
                    ("into", into),
                    ("version", &version),
                ],
            )
            .await
        }
    };
    let itself = merge(async_tag, "Async", from.version.clone()).await;
    assert!(
        matches!(&itself, Some((400, app::error::AppError::Validation(e))) if e.get("into")[0].contains("itself")),
        "{itself:?}"
    );
    let unknown = merge(async_tag, "Nope", from.version.clone()).await;
    assert!(
        matches!(&unknown, Some((400, app::error::AppError::Validation(e))) if e.get("into")[0].contains("no tag")),
        "{unknown:?}"
    );
    assert_eq!(
        merge(async_tag, "rust (LANGUAGE)", from.version.clone()).await,
        None
    );
    assert_eq!(
        retagged(&mut events),
        vec![(a, vec!["rust-lang".to_string()])]
    );
    assert_eq!(tags_of(&app, a).await, vec!["rust-lang"]);
    assert_eq!(sql_i64(&app, "SELECT COUNT(*) FROM tags").await, 1);
    assert_eq!(
        sql_i64(
            &app,
            "SELECT COUNT(*) FROM admin_log WHERE object_type = 'tag'"
        )
        .await,
        4,
        "two changes, and the merge on both tags"
    );
    let response = app
        .get(&format!("/_fn/admin/history?model=Tags&id={rust}"))
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("Merged “Async” into it (1 post)."));

    // Deleting: the confirmation names the posts that lose the tag; they stay.
    let preview: app::model::admin::DeletePreview = app
        .get(&format!("/_fn/admin/delete/preview?model=Tags&id={rust}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview.cascades.len(), 1);
    assert_eq!(preview.cascades[0].count, 2);
    assert!(preview.blockers.is_empty());
    assert_eq!(
        app.call_err(
            "admin/delete",
            &[("model", "Tags"), ("id", &rust.to_string())]
        )
        .await,
        None
    );
    assert_eq!(
        retagged(&mut events),
        vec![(a, Vec::new()), (b, Vec::new())]
    );
    assert_eq!(
        sql_i64(
            &app,
            &format!("SELECT COUNT(*) FROM posts WHERE id IN ({a}, {b})")
        )
        .await,
        2,
        "the posts stay"
    );
    assert!(tags_of(&app, c).await.is_empty());

    // Adding tags, then deleting them in bulk from the change list.
    for name in ["Tokio", "Axum"] {
        let added = save(vec![
            ("name", name.into()),
            ("slug", name.to_lowercase()),
            ("description", String::new()),
            ("version", String::new()),
        ])
        .await;
        assert_eq!(added, None);
    }
    assert_eq!(
        names(&admin_list(&app, "Tags", "").await),
        vec!["Axum", "Tokio"]
    );
    let response = app
        .call(
            "admin/action",
            &[
                ("model", "Tags"),
                ("action", "delete"),
                ("ids", ""),
                ("select_across", "true"),
                ("query", "q=o"),
            ],
        )
        .await;
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(
        names(&admin_list(&app, "Tags", "").await),
        vec!["Axum"],
        "only the matching one"
    );
    assert_eq!(
        sql_i64(
            &app,
            "SELECT COUNT(*) FROM admin_log WHERE object_type = 'tag' AND action = 'delete'"
        )
        .await,
        3
    );

    // Authors tag their posts but do not manage tags.
    app.create_user("au@example.org", "au", PASSWORD, Role::Author)
        .await;
    app.login("au@example.org", PASSWORD).await;
    assert_eq!(
        app.get("/_fn/admin/list?model=Tags&query=").await.status(),
        403
    );
    assert_eq!(app.get("/_fn/admin/tags/suggest?q=a").await.status(), 200);
    let bulk = app
        .call_err(
            "admin/tags/save",
            &[
                ("name", "New"),
                ("slug", "new"),
                ("description", ""),
                ("version", ""),
            ],
        )
        .await;
    assert!(
        matches!(bulk, Some((403, app::error::AppError::Forbidden))),
        "{bulk:?}"
    );
}

/// The categories the navigation lists, as `(name, posts)`.
async fn nav_categories(app: &TestApp) -> Vec<(String, i64)> {
    let nav: Value = app.get("/_fn/site/nav").await.json().await.unwrap();
    nav["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c[0].as_str().unwrap().to_string(), c[2].as_i64().unwrap()))
        .collect()
}

#[tokio::test]
async fn the_navigation_is_kept_but_shows_every_change_on_the_next_request() {
    let app = TestApp::spawn().await;
    exec(&app, "DELETE FROM posts").await;
    app.create_post(PostSpec::published("First", 2)).await;
    assert_eq!(nav_categories(&app).await, [("News".to_string(), 1)]);
    // Kept in memory: a change Folio did not make shows only after a post's write (or after
    // the cache's MAX_AGE).
    exec(
        &app,
        "UPDATE categories SET name = 'Quiet' WHERE slug = 'news'",
    )
    .await;
    assert_eq!(nav_categories(&app).await, [("News".to_string(), 1)]);
    let second = app.create_post(PostSpec::published("Second", 1)).await;
    // Every write through the posts service is seen on the very next request.
    assert_eq!(nav_categories(&app).await, [("Quiet".to_string(), 2)]);
    app.posts()
        .delete(
            app::ssr::posts::Actor::Import,
            &[second],
            app::ssr::posts::Origin::Import,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(nav_categories(&app).await, [("Quiet".to_string(), 1)]);

    // A scheduled post appears when its time comes, with no write.
    app.create_post(PostSpec {
        category: "Later",
        published_at: Some(chrono::Utc::now() + chrono::Duration::milliseconds(1500)),
        ..PostSpec::published("Soon", 0)
    })
    .await;
    assert_eq!(nav_categories(&app).await, [("Quiet".to_string(), 1)]);
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    assert_eq!(
        nav_categories(&app).await,
        [("Later".to_string(), 1), ("Quiet".to_string(), 1)]
    );

    // A category renamed in the admin (not a post's event).
    app.create_user("ed@example.org", "ed", PASSWORD, Role::Editor)
        .await;
    app.login("ed@example.org", PASSWORD).await;
    let news = sql_i64(&app, "SELECT id FROM categories WHERE slug = 'news'").await;
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
            ("name", "Announcements"),
            ("slug", "news"),
            ("version", &form.version),
        ],
    )
    .await;
    assert_eq!(
        nav_categories(&app).await,
        [("Announcements".to_string(), 1), ("Later".to_string(), 1)]
    );
}
