//! `folio import markdown`: broken files, re-runs, and the whole shared corpus.

use std::path::PathBuf;
use std::process::Command;

use folio_server::import::{import_markdown, ImportOptions};

use crate::helpers::{repo_root, TestApp};

/// The shared corpus (`../shared/data/rust-blog/content` beside the repository), or
/// `FOLIO_CORPUS_DIR`.
pub fn corpus() -> PathBuf {
    let dir = std::env::var("FOLIO_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| repo_root().join("../shared/data/rust-blog/content"));
    assert!(
        dir.join("_index.md").is_file(),
        "the shared corpus is missing at {}",
        dir.display()
    );
    dir
}

fn options(paths: Vec<PathBuf>) -> ImportOptions {
    ImportOptions {
        paths,
        category: None,
        progress: false,
    }
}

#[tokio::test]
async fn broken_files_are_reported_and_the_rest_imports() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes");
    std::fs::create_dir_all(&notes).unwrap();
    std::fs::write(
        notes.join("good.md"),
        "+++\ntitle = \"Good\"\ndate = 2024-02-03\n+++\nFine **post**.\n",
    )
    .unwrap();
    std::fs::write(notes.join("bad-toml.md"), "+++\ntitle = \n+++\nBody\n").unwrap();
    std::fs::write(
        notes.join("no-title.md"),
        "---\ndate: 2024-01-01\n---\nBody\n",
    )
    .unwrap();
    std::fs::write(notes.join("no-front-matter.md"), "# Just a heading\n").unwrap();
    std::fs::write(
        notes.join("long-title.md"),
        format!(
            "---\ntitle: {}\ndate: 2024-01-01\n---\nBody\n",
            "x".repeat(201)
        ),
    )
    .unwrap();
    let summary = import_markdown(&app.posts(), &options(vec![dir.path().to_path_buf()]))
        .await
        .unwrap();
    assert_eq!(
        summary.created, 2,
        "the over-long title is shortened, not refused"
    );
    assert_eq!(summary.failed.len(), 3, "{:?}", summary.failed);
    let reasons: Vec<String> = summary
        .failed
        .iter()
        .map(|(p, r)| format!("{}: {r}", p.display()))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("bad-toml.md: invalid TOML")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("no-title.md: front matter has no 'title'")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("no-front-matter.md: no front matter")),
        "{reasons:?}"
    );
    assert!(
        summary
            .notes
            .iter()
            .any(|(p, n)| p.ends_with("long-title.md")
                && n.contains("the title has 201 characters, more than Folio's 200")),
        "{:?}",
        summary.notes
    );
    let (status, html) = app.get_text("/2024/02/03/good/").await;
    assert_eq!(status, 200);
    assert!(html.contains("<strong>post</strong>"));
    assert!(html.contains(">notes</a>"), "category from the folder name");
}

/// Fields other platforms allow but Folio's limits refuse are repaired and reported, never a
/// lost post or a database message: an author string of several people with affiliations is
/// split, one over-long name, category and tag are shortened, tags past twenty are left off.
/// What cannot be repaired is refused with the file and the field named.
#[tokio::test]
async fn over_long_fields_are_repaired_and_reported() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let long_name = format!("Dr. {} Smith", "Bartholomew ".repeat(15));
    let long_category = format!("Notes {}", "about things ".repeat(12));
    let long_tag = "t".repeat(130);
    let many_tags: Vec<String> = (1..=23).map(|n| format!("\"tag {n}\"")).collect();
    std::fs::write(
        dir.path().join("long-fields.md"),
        format!(
            "+++\ntitle = \"Long fields\"\ndate = 2024-03-01\nauthor = \"{long_name}\"\n\
             category = \"{long_category}\"\ntags = [\"{long_tag}\", \"???\", {}]\n+++\nBody\n",
            many_tags.join(", ")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("many-authors.md"),
        format!(
            "---\ntitle: Many authors\ndate: 2024-03-02\nauthor: \"{}\"\n---\nBody\n",
            (1..=12)
                .map(|n| format!(
                    "[Author Number {n}](https://a{n}.example) (University of Somewhere {n})"
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bad-category.md"),
        "+++\ntitle = \"Bad category\"\ndate = 2024-03-03\ncategory = \"!!!\"\n+++\nBody\n",
    )
    .unwrap();
    let summary = import_markdown(&app.posts(), &options(vec![dir.path().to_path_buf()]))
        .await
        .unwrap();
    assert_eq!(summary.created, 2, "{:?}", summary.failed);
    let notes: Vec<String> = summary
        .notes
        .iter()
        .map(|(p, n)| format!("{}: {n}", p.display()))
        .collect();
    for expected in [
        "long-fields.md: the author's name has 189 characters, more than Folio's 150",
        "long-fields.md: the category has 161 characters, more than Folio's 100",
        "long-fields.md: a tag has 130 characters, more than Folio's 100",
        "long-fields.md: more than 20 tags: left off tag 20, tag 21, tag 22, tag 23",
        "long-fields.md: the tag '???' has nothing to make an address of: left off",
    ] {
        assert!(
            notes.iter().any(|n| n.contains(expected)),
            "{expected} in {notes:?}"
        );
    }
    assert_eq!(summary.failed.len(), 1, "{:?}", summary.failed);
    let (path, reason) = &summary.failed[0];
    assert!(path.ends_with("bad-category.md"));
    assert_eq!(reason, "category: '!!!' cannot be made into a slug");

    let (status, html) = app.get_text("/2024/03/01/long-fields/").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Dr. Bartholomew"),
        "the shortened author name is shown"
    );
    let (status, html) = app.get_text("/2024/03/02/many-authors/").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Author Number 1, Author Number 2") && html.contains("and Author Number 12"),
        "every author is credited, without affiliations"
    );
    assert!(!html.contains("University of Somewhere"));
    let mut conn = app.db.acquire().await.unwrap();
    let post = app::ssr::db::posts::writes::find_by_date_and_slug(
        conn.conn(),
        chrono::NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
        "long-fields",
    )
    .await
    .unwrap()
    .expect("imported");
    let tags = app::ssr::db::tags::for_post(conn.conn(), post.id)
        .await
        .unwrap();
    assert_eq!(tags.len(), 20);
    assert!(tags.iter().all(|t| t.name.chars().count() <= 100));
    drop(conn);

    // A second run changes nothing: the repaired fields compare equal to what is stored.
    let again = import_markdown(&app.posts(), &options(vec![dir.path().to_path_buf()]))
        .await
        .unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));
}

#[tokio::test]
async fn reimport_updates_changes_and_creates_no_duplicates() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("post.md");
    std::fs::write(
        &file,
        "+++\ntitle = \"First\"\ndate = 2024-02-03\naliases = [\"old/first.html\"]\n+++\nOne\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("other.md"),
        "+++\ntitle = \"Other\"\ndate = 2024-02-04\n+++\nTwo\n",
    )
    .unwrap();
    let opts = options(vec![dir.path().to_path_buf()]);
    let first = import_markdown(&app.posts(), &opts).await.unwrap();
    assert_eq!((first.created, first.updated, first.unchanged), (2, 0, 0));
    let again = import_markdown(&app.posts(), &opts).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2));
    std::fs::write(
        &file,
        "+++\ntitle = \"First, edited\"\ndate = 2024-02-03\nslug = \"post\"\n+++\nOne more\n",
    )
    .unwrap();
    let edited = import_markdown(&app.posts(), &opts).await.unwrap();
    assert_eq!(
        (edited.created, edited.updated, edited.unchanged),
        (0, 1, 1)
    );
    let (_, html) = app.get_text("/2024/02/03/post/").await;
    assert!(html.contains("First, edited") && html.contains("One more"));
    let mut conn = app.db.acquire().await.unwrap();
    assert_eq!(
        app::ssr::db::posts::writes::count_all(conn.conn())
            .await
            .unwrap(),
        3,
        "welcome + 2"
    );
    // The alias was removed from the front matter, so it no longer redirects.
    assert_eq!(app.get("/old/first.html").await.status(), 404);
}

#[tokio::test]
async fn a_hugo_site_imports_with_its_shortcodes_expanded_and_its_oddities_reported() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let posts = dir.path().join("posts");
    std::fs::create_dir_all(posts.join("bundle")).unwrap();
    // A page bundle, written on Windows: BOM, CRLF, a blank line first, spaces after `---`.
    std::fs::write(
        posts.join("bundle/index.md"),
        "\u{feff}\r\n---  \r\nTitle: Bundled\r\nAuthor: \"[Ann Lee](https://ann.dev) (Acme)\"\r\ndate: 2024-03-04T09:30:00.250+0100\r\nsubtitle: Small print\r\n---\r\nSee {{< param subtitle >}}.\r\n",
    )
    .unwrap();
    std::fs::write(
        posts.join("shortcodes.md"),
        r#"---
title: Shortcodes
date: 2024-03-05
---
{{< figure src="/img/cat.jpg" alt="A cat" caption="The cat" >}}

{{% warning title="Careful" %}}
Do **not** feed after midnight.
{{% /warning %}}

{{< highlight rust >}}
fn main() {}
{{< /highlight >}}

{{< youtube w7Ft2ymGmfc >}}

Read [the bundle]({{< relref "bundle" >}}) and [nothing]({{< ref "missing.md" >}}).

{{< shinybox color="red" >}}Kept text{{< /shinybox >}} and `{{</* figure src="x" */>}}`.
"#,
    )
    .unwrap();
    std::fs::write(
        posts.join("someday.md"),
        "---\ntitle: Someday\ndraft: true\n---\nNot yet.\n",
    )
    .unwrap();
    let summary = import_markdown(&app.posts(), &options(vec![dir.path().to_path_buf()]))
        .await
        .unwrap();
    assert_eq!(
        (summary.created, summary.failed.len()),
        (3, 0),
        "{summary:?}"
    );
    let notes: Vec<String> = summary
        .notes
        .iter()
        .map(|(p, n)| format!("{}: {n}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    assert_eq!(notes.len(), 3, "{notes:?}");
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("someday.md: a draft without a date")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("shortcodes.md: ref \"missing.md\" names no imported post")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n == "shortcodes.md: unknown shortcode {{< shinybox >}} removed"),
        "{notes:?}"
    );

    let (status, bundle) = app.get_text("/2024/03/04/bundle/").await;
    assert_eq!(status, 200);
    assert!(bundle.contains("See Small print."), "{bundle}");
    assert!(
        bundle.contains("Ann Lee") && !bundle.contains("Acme"),
        "author cleaned"
    );
    let (status, html) = app.get_text("/2024/03/05/shortcodes/").await;
    assert_eq!(status, 200);
    for expected in [
        r#"<figure><img src="/img/cat.jpg" alt="A cat"><figcaption>The cat</figcaption></figure>"#,
        r#"<aside class="admonition admonition-warning">"#,
        "<strong>Careful</strong>",
        "Do <strong>not</strong> feed after midnight.",
        r#"<code class="language-rust">fn main() {}"#,
        r#"href="https://www.youtube.com/watch?v=w7Ft2ymGmfc""#,
        r#"href="/2024/03/04/bundle/""#,
        "Kept text and <code>{{&lt; figure src=\"x\" &gt;}}</code>",
    ] {
        assert!(html.contains(expected), "{expected} missing from {html}");
    }
    assert!(
        !html.contains("{{&lt; shinybox") && !html.contains("{{% warning"),
        "{html}"
    );
}

#[tokio::test]
async fn the_cli_prints_a_summary_and_fails_when_a_file_fails() {
    let dir = tempfile::tempdir().unwrap();
    let content = dir.path().join("content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        content.join("ok.md"),
        "---\ntitle: Fine\ndate: 2024-05-06\n---\nText\n",
    )
    .unwrap();
    std::fs::write(content.join("broken.md"), "---\ntitle: [\n---\n").unwrap();
    let url = format!("sqlite://{}/folio.db", dir.path().display());
    let output = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(["import", "markdown"])
        .arg(&content)
        .env("DATABASE_URL", &url)
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout.contains("1 created, 0 updated, 0 unchanged, 1 failed"),
        "{stdout}"
    );
    assert!(
        stderr.contains("broken.md: invalid YAML front matter"),
        "{stderr}"
    );
}

#[tokio::test]
async fn the_whole_shared_corpus_imports_without_failures() {
    let app = TestApp::spawn().await;
    let opts = options(vec![corpus()]);
    let summary = import_markdown(&app.posts(), &opts).await.unwrap();
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert_eq!(summary.created, 750);
    assert_eq!(
        summary.skipped, 4,
        "three _index.md files and releases/latest.md"
    );

    // Spot checks of real posts.
    let (status, html) = app.get_text("/2025/05/15/Rust-1.87.0/").await;
    assert_eq!(status, 200);
    assert!(html.contains("Announcing Rust 1.87.0 and ten years of Rust!"));
    assert!(html.contains(">The Rust Release Team</a>"));
    assert!(
        html.contains(">Rust Blog</a>"),
        "category from the section title"
    );
    let response = app.get("/releases/1.87.0").await;
    assert_eq!(response.status(), 301, "alias redirects");
    assert_eq!(response.headers()["location"], "/2025/05/15/Rust-1.87.0/");

    let (status, html) = app
        .get_text("/2019/10/11/AsyncAwait-Not-Send-Error-Improvements/")
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Improving async-await&#x27;s &quot;Future is not Send&quot; diagnostic")
            || html.contains("Improving async-await's \"Future is not Send\" diagnostic")
            || html
                .contains("Improving async-await&#39;s &quot;Future is not Send&quot; diagnostic"),
        "literal TOML title"
    );
    assert!(html.contains(">Inside Rust Blog</a>"));
    assert!(
        html.contains("Highlighting a diagnostic improvement for async-await"),
        "description as meta"
    );

    // Slugs differing only by case are different posts.
    let mut conn = app.db.acquire().await.unwrap();
    let slugs: Vec<String> = app::on_conn!(conn.conn(), |c| sqlx::query_scalar(
        "SELECT slug FROM posts WHERE LOWER(slug) = 'governance-wg' ORDER BY slug"
    )
    .fetch_all(c)
    .await)
    .unwrap();
    assert_eq!(
        slugs,
        vec!["Governance-wg", "governance-wg", "governance-wg"],
        "2020-03-17, 2020-04-23 and 2020-05-21"
    );

    // Scripts in survey posts are gone; safe HTML such as <details> survives.
    let bodies: Vec<String> = app::on_conn!(conn.conn(), |c| sqlx::query_scalar(
        "SELECT body FROM posts"
    )
    .fetch_all(c)
    .await)
    .unwrap();
    assert!(bodies
        .iter()
        .all(|b| !b.contains("<script") && !b.contains("onclick")));
    assert!(bodies.iter().any(|b| b.contains("<details>")));
    assert!(
        bodies.iter().all(|b| !b.contains("href=\"@/")),
        "Zola internal links resolved"
    );
    drop(conn);

    // Several authors in the array: the first is the author, all are credited.
    let feed = app.get_text("/feed.xml").await.1;
    assert!(roxmltree::Document::parse(&feed).is_ok());

    // A second run changes nothing.
    let again = import_markdown(&app.posts(), &opts).await.unwrap();
    assert!(again.failed.is_empty(), "{:?}", again.failed);
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 750));
}
