//! Full-text search on both engines: ranking, stemming, prefixes, phrases, exclusions, query
//! syntax typed by readers, highlighted snippets, filters, the index following every write,
//! the REST API's `?search=`, `folio search reindex`, and relevance over the shared corpus.

use std::process::Command;

use app::domain::PostStatus;
use serde_json::Value;

use crate::helpers::{PostSpec, TestApp};

/// The titles of the hits on a search page, in order (HTML entities left as they are).
fn hit_titles(html: &str) -> Vec<String> {
    html.split("class=\"post-item-title\"><a href=\"")
        .skip(1)
        .filter_map(|rest| {
            let start = rest.find('>')? + 1;
            let end = rest.find("</a>")?;
            Some(rest[start..end].to_string())
        })
        .collect()
}

/// Runs SQL on the test database.
async fn exec(app: &TestApp, sql: &str) {
    let mut conn = app.db.acquire().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query(sql)
        .execute(c)
        .await
        .map(|_| ()))
    .unwrap();
}

/// GETs `path` and parses the JSON body.
async fn api_json(app: &TestApp, path: &str) -> Value {
    app.get(path).await.json().await.unwrap()
}

/// The titles `/search?q={q}` finds.
async fn found(app: &TestApp, q: &str) -> Vec<String> {
    hit_titles(&app.get_text(&format!("/search?q={q}")).await.1)
}

/// The titles of the public posts the index itself finds for `q`, best first (not through the
/// site, whose kept results are dropped by change events, which raw SQL does not send).
async fn indexed(app: &TestApp, q: &str) -> Vec<String> {
    use app::ssr::db::posts::search;
    let query = app::domain::search::SearchQuery::parse(q).unwrap();
    let mut conn = app.db.acquire().await.unwrap();
    search::list_public(
        conn.conn(),
        chrono::Utc::now(),
        &query,
        &search::SearchFilters::default(),
        100,
        0,
    )
    .await
    .unwrap()
    .into_iter()
    .map(|row| row.title)
    .collect()
}

/// Runs `folio search reindex --quiet` on the test database; its standard output.
fn reindex(app: &TestApp) -> String {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_folio"))
        .current_dir(dir.path())
        .args(["search", "reindex", "--quiet"])
        .env("DATABASE_URL", &app._database.url)
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

async fn seed(app: &TestApp) {
    let mut titled = PostSpec::published("Publishing async closures", 3);
    titled.body = "We shipped the RFC. Closures that are async can now borrow from their \
                   environment; see the `<script>` tag story and a < b.";
    titled.tags = &["Language"];
    app.create_post(titled).await;
    let mut survey = PostSpec::published("Survey results", 1);
    survey.body = "Many people answered. Some asked for async closures, others for faster \
                   builds, and a few mentioned closures in passing. Asynchronous code was a \
                   theme.";
    survey.category = "Community";
    app.create_post(survey).await;
    let mut other = PostSpec::published("Const generics", 2);
    other.body = "Arrays of any size, with const parameters.";
    other.tags = &["Language", "Generics"];
    app.create_post(other).await;
}

#[tokio::test]
async fn search_ranks_stems_and_understands_prefixes_phrases_and_exclusions() {
    let app = TestApp::spawn().await;
    seed(&app).await;

    // Both posts mention async closures; the one titled with them ranks first although the
    // survey is newer.
    let (status, html) = app.get_text("/search?q=async%20closures").await;
    assert_eq!(status, 200);
    assert_eq!(
        hit_titles(&html),
        vec!["Publishing async closures", "Survey results"]
    );
    assert!(html.contains("2 posts found."));
    // Stemming: "publish" finds "Publishing".
    let (_, stem) = app.get_text("/search?q=publish").await;
    assert_eq!(hit_titles(&stem), vec!["Publishing async closures"]);
    // A prefix: asyn* also finds "Asynchronous" (both posts); arra* finds "Arrays". (Prefixes
    // match the stemmed words on SQLite: generi* would not find "generics", stored as "gener".)
    let (_, prefix) = app.get_text("/search?q=asyn*").await;
    assert_eq!(hit_titles(&prefix).len(), 2);
    let (_, tag_prefix) = app.get_text("/search?q=arra*").await;
    assert_eq!(hit_titles(&tag_prefix), vec!["Const generics"]);
    // An exact phrase keeps word order; an exclusion leaves a post out.
    let (_, phrase) = app.get_text("/search?q=%22async%20closures%22").await;
    assert_eq!(hit_titles(&phrase).len(), 2);
    let (_, reversed) = app.get_text("/search?q=%22closures%20async%22").await;
    assert!(
        reversed.contains("No posts found."),
        "no post says 'closures async'"
    );
    let (_, excluded) = app.get_text("/search?q=closures%20-survey").await;
    assert_eq!(hit_titles(&excluded), vec!["Publishing async closures"]);
    // Tags are searched too.
    let (_, tagged) = app.get_text("/search?q=language").await;
    assert_eq!(tagged.matches("class=\"post-item-title\"").count(), 2);
}

#[tokio::test]
async fn query_syntax_typed_by_readers_never_reaches_the_engine() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    for q in [
        "%22",
        "*",
        "(",
        "NEAR(async",
        "async%20OR%20(",
        "title:async",
        "%22unclosed%20async",
        "-",
        "%5E",
        "async%20AND",
        "%27%3B%20DROP%20TABLE%20posts%3B%20--",
        "a*",
    ] {
        let (status, html) = app.get_text(&format!("/search?q={q}")).await;
        assert_eq!(status, 200, "{q}");
        assert!(html.contains("found."), "{q}");
        let response = app.get(&format!("/api/posts/?search={q}")).await;
        assert_eq!(response.status(), 200, "{q}");
    }
    let (_, near) = app.get_text("/search?q=NEAR(async").await;
    assert!(
        near.contains("No posts found."),
        "NEAR is a word like any other"
    );
    let (_, unclosed) = app.get_text("/search?q=%22unclosed%20async").await;
    assert!(unclosed.contains("No posts found."));
    let (_, column) = app.get_text("/search?q=title:async").await;
    assert!(
        column.contains("No posts found."),
        "title:async is the phrase 'title async'"
    );
}

#[tokio::test]
async fn snippets_highlight_matches_and_escape_everything_else() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let (_, html) = app.get_text("/search?q=shipped%20script").await;
    assert_eq!(hit_titles(&html), vec!["Publishing async closures"]);
    let snippet_start = html.find("class=\"excerpt snippet\"").expect("a snippet");
    let snippet = &html[snippet_start..snippet_start + html[snippet_start..].find("</p>").unwrap()];
    assert!(snippet.contains("<mark>shipped</mark>"), "{snippet}");
    assert!(snippet.contains("<mark>script</mark>"), "{snippet}");
    assert!(
        snippet.contains("&lt;"),
        "the text's < is escaped: {snippet}"
    );
    assert!(!snippet.contains("<script"), "{snippet}");
    assert!(!snippet.contains('\u{E000}') && !snippet.contains('\u{E001}'));
}

#[tokio::test]
async fn filters_pagination_and_visibility() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let (_, community) = app.get_text("/search?q=closures&category=community").await;
    assert_eq!(hit_titles(&community), vec!["Survey results"]);
    assert!(community.contains("<option value=\"community\" selected"));
    let (_, tagged) = app.get_text("/search?q=language&tag=generics").await;
    assert_eq!(hit_titles(&tagged), vec!["Const generics"]);
    assert!(tagged.contains("Only posts tagged"));
    // Drafts and scheduled posts are not found by readers.
    let mut draft = PostSpec::published("Secret closures draft", 1);
    draft.status = PostStatus::Draft;
    draft.published_at = None;
    app.create_post(draft).await;
    let mut scheduled = PostSpec::published("Future closures", 1);
    scheduled.published_at = Some(chrono::Utc::now() + chrono::Duration::days(1));
    app.create_post(scheduled).await;
    let (_, html) = app.get_text("/search?q=closures").await;
    assert_eq!(hit_titles(&html).len(), 2, "{:?}", hit_titles(&html));
    // Pagination keeps the query and filters, by relevance.
    for n in 0..12 {
        let title = format!("Paged closures {n}");
        let mut spec = PostSpec::published(Box::leak(title.into_boxed_str()), n + 5);
        spec.category = "Community";
        app.create_post(spec).await;
    }
    let (_, first) = app.get_text("/search?q=closures&category=community").await;
    assert!(first.contains("13 posts found."));
    assert!(first.contains("href=\"/search?q=closures&amp;category=community&amp;page=2\""));
    assert!(first.contains("Next →"));
    let (_, second) = app
        .get_text("/search?q=closures&category=community&page=2")
        .await;
    assert_eq!(hit_titles(&second).len(), 3);
}

#[tokio::test]
async fn the_index_follows_every_write_even_raw_sql() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    // Title and body edits.
    exec(&app, "UPDATE posts SET title = 'Stabilising async closures' WHERE title = 'Publishing async closures'").await;
    assert_eq!(
        indexed(&app, "stabilising").await,
        vec!["Stabilising async closures"]
    );
    assert!(
        indexed(&app, "publishing").await.is_empty(),
        "the old title is gone"
    );
    exec(&app, "UPDATE posts SET body_text = 'Now about lifetimes.', excerpt = 'Lifetimes.' WHERE title = 'Const generics'").await;
    assert_eq!(indexed(&app, "lifetimes").await, vec!["Const generics"]);
    assert!(indexed(&app, "arrays").await.is_empty());
    // View counts do not touch the index (and do not break it).
    exec(&app, "UPDATE posts SET view_count = view_count + 5").await;
    assert_eq!(indexed(&app, "lifetimes").await, vec!["Const generics"]);
    // Tags: renamed, removed, deleted.
    exec(
        &app,
        "UPDATE tags SET name = 'Typesystem' WHERE slug = 'generics'",
    )
    .await;
    assert_eq!(indexed(&app, "typesystem").await, vec!["Const generics"]);
    exec(&app, "DELETE FROM post_tags WHERE tag_id = (SELECT id FROM tags WHERE slug = 'language') AND post_id = (SELECT id FROM posts WHERE title = 'Const generics')").await;
    assert_eq!(
        indexed(&app, "language").await,
        vec!["Stabilising async closures"]
    );
    exec(&app, "DELETE FROM tags WHERE slug = 'generics'").await;
    assert!(indexed(&app, "typesystem").await.is_empty());
    // A deleted post leaves the index.
    exec(&app, "DELETE FROM posts WHERE title = 'Survey results'").await;
    assert!(indexed(&app, "survey").await.is_empty());
    let mut conn = app.db.acquire().await.unwrap();
    let rows: i64 = app::on_conn!(conn.conn(), |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM post_search"
    )
    .fetch_one(c)
    .await)
    .unwrap();
    assert_eq!(rows, 3, "one index row per post (the welcome post too)");
}

#[tokio::test]
async fn the_api_searches_the_index_ranked_unless_an_ordering_is_asked() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let titles = |json: &Value| -> Vec<String> {
        json["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"].as_str().unwrap().to_string())
            .collect()
    };
    let json = api_json(&app, "/api/posts/?search=async,closures").await;
    assert_eq!(json["count"], 2);
    assert_eq!(
        titles(&json),
        vec!["Publishing async closures", "Survey results"],
        "by relevance"
    );
    let json = api_json(
        &app,
        "/api/posts/?search=async%20closures&ordering=-published_at",
    )
    .await;
    assert_eq!(
        titles(&json),
        vec!["Survey results", "Publishing async closures"],
        "newest first when asked"
    );
    let json = api_json(&app, "/api/posts/?search=publish").await;
    assert_eq!(titles(&json), vec!["Publishing async closures"], "stemmed");
    let json = api_json(&app, "/api/posts/?search=%20").await;
    assert_eq!(
        json["count"], 4,
        "a blank search filters nothing (DRF): 3 + the welcome post"
    );
    let json = api_json(&app, "/api/posts/?search=%25").await;
    assert_eq!(json["count"], 0, "nothing to find finds nothing");

    // Counts and pages of ids are kept between requests; a new post that matches shows at once,
    // as does a view counted since (the rows themselves are read afresh).
    let mut newer = PostSpec::published("Async closures, part two", 0);
    newer.body = "More about closures that are async.";
    app.create_post(newer).await;
    let json = api_json(&app, "/api/posts/?search=async,closures").await;
    assert_eq!(json["count"], 3);
    assert!(titles(&json).contains(&"Async closures, part two".to_string()));
    let first = json["results"][0]["slug"].as_str().unwrap().to_string();
    let views = json["results"][0]["view_count"].as_i64().unwrap();
    exec(
        &app,
        &format!("UPDATE posts SET view_count = view_count + 5 WHERE slug = '{first}'"),
    )
    .await;
    let json = api_json(&app, "/api/posts/?search=async,closures").await;
    assert_eq!(json["results"][0]["slug"], first.as_str());
    assert_eq!(json["results"][0]["view_count"].as_i64(), Some(views + 5));
}

#[tokio::test]
async fn reindex_rebuilds_a_lost_index() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    // An operator's mistake (or a restore): the index is emptied behind the triggers' back.
    match app.db.backend() {
        app::ssr::db::Backend::Sqlite => exec(&app, "DELETE FROM post_search").await,
        app::ssr::db::Backend::Postgres => exec(&app, "TRUNCATE post_search").await,
    }
    assert!(indexed(&app, "closures").await.is_empty());
    let stdout = reindex(&app);
    assert!(
        stdout.contains("4 posts indexed"),
        "3 and the welcome post: {stdout}"
    );
    let after = indexed(&app, "closures").await;
    assert_eq!(after, vec!["Publishing async closures", "Survey results"]);
    // Running it again changes nothing.
    reindex(&app);
    assert_eq!(indexed(&app, "closures").await, after);
}

/// Ten searches a reader of the Rust blog would type, each with the post that must come first
/// (by title), over the whole shared corpus (750 posts) on this engine. Each one is there for a
/// reason, in the comment beside it; the two engines rank differently (BM25 vs cover density),
/// and these are the ones where any sensible ranking agrees.
#[tokio::test]
async fn relevance_over_the_shared_corpus() {
    let app = TestApp::spawn().await;
    let options = folio_server::import::ImportOptions {
        paths: vec![crate::import::corpus()],
        category: None,
        progress: false,
    };
    let summary = folio_server::import::import_markdown(&app.posts(), &options)
        .await
        .unwrap();
    assert!(summary.failed.is_empty());
    let cases: [(&str, &str); 10] = [
        // The issue's own example: a 2023 survey post mentions async closures; the call for
        // testing is titled with them.
        ("async closures", "Async Closures MVP: Call for Testing!"),
        // A short title against a long post that says "Polonius" forty times.
        ("polonius update", "Polonius update"),
        // A hyphenated term is a phrase: "non lexical", next to each other.
        (
            "non-lexical lifetimes",
            "Non-lexical lifetimes (NLL) fully stable",
        ),
        // Stemming: "stabilizing" finds the title's "stabilization", "links" its "links".
        (
            "stabilizing intra-doc links",
            "Intra-doc links close to stabilization",
        ),
        // One rare word that only one post is about.
        ("phishing", "crates.io phishing campaign"),
        // Two words every Cargo post has, together in one title.
        ("sparse registry", "Call for testing: Cargo sparse-registry"),
        // Three words, in a different order from the title's.
        (
            "regex security advisory",
            "Security advisory for the regex crate (CVE-2022-24713)",
        ),
        // Words split by the tokeniser ("1.87.0" is the phrase "1 87 0").
        (
            "Rust 1.87.0",
            "Announcing Rust 1.87.0 and ten years of Rust!",
        ),
        // The title's words, while the 1.65 release notes discuss them at length.
        (
            "generic associated types",
            "Generic associated types to be stable in Rust 1.65",
        ),
        // A rare word plus a common one.
        ("sunsetting rustwasm", "Sunsetting the rustwasm GitHub org"),
    ];
    let mut wrong = Vec::new();
    for (query, expected) in cases {
        let q: String = query
            .bytes()
            .map(|b| match b {
                b' ' => "%20".to_string(),
                b if b.is_ascii_alphanumeric() || b == b'-' || b == b'.' => (b as char).to_string(),
                b => format!("%{b:02X}"),
            })
            .collect();
        let titles = found(&app, &q).await;
        let first = titles
            .first()
            .map(|t| t.replace("&#x27;", "'").replace("&amp;", "&"));
        if first.as_deref() != Some(expected) {
            wrong.push(format!(
                "{query:?}: expected {expected:?}, got {:?}",
                &titles[..titles.len().min(3)]
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn control_characters_are_separators_not_errors() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    let (status, html) = app.get_text("/search?q=async%00closures").await;
    assert_eq!(status, 200);
    assert_eq!(hit_titles(&html).len(), 2, "a NUL separates two words");
    let response = app.get("/api/posts/?search=async%00closures%01").await;
    assert_eq!(response.status(), 200);
}

/// Readers who ask for the same thing together (a burst of requests for a new search, or for a
/// list after a change dropped the kept values) wait for one load instead of each running it.
#[tokio::test]
async fn a_burst_of_misses_loads_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    let app = TestApp::spawn().await;
    let cache =
        Arc::new(app::ssr::posts::reader_cache::ReaderCache::<String, i64>::new(&app.events, 10));
    let loads = Arc::new(AtomicUsize::new(0));
    let now = chrono::Utc::now();
    let readers: Vec<_> = (0..16)
        .map(|_| {
            let (cache, loads, db) = (cache.clone(), loads.clone(), app.db.clone());
            tokio::spawn(async move {
                cache
                    .get_or_load(&db, "rust".to_string(), now, || async {
                        loads.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                        Ok::<i64, sqlx::Error>(42)
                    })
                    .await
                    .unwrap()
            })
        })
        .collect();
    for reader in readers {
        assert_eq!(reader.await.unwrap(), 42);
    }
    assert_eq!(
        loads.load(Ordering::SeqCst),
        1,
        "one load for sixteen readers"
    );
    // Another key is loaded on its own.
    let other = cache
        .get_or_load(&app.db, "async".to_string(), now, || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok::<i64, sqlx::Error>(7)
        })
        .await
        .unwrap();
    assert_eq!((other, loads.load(Ordering::SeqCst)), (7, 2));
}
