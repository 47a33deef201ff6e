//! The Atom feed, the sitemap and robots.txt.

use crate::helpers::{PostSpec, TestApp};

#[tokio::test]
async fn atom_feed_lists_the_latest_twenty_posts_as_valid_xml() {
    let app = TestApp::spawn().await;
    for i in 0..22 {
        let title = format!("Feed post {i} <&> \"quoted\"");
        app.create_post(PostSpec::published(&title, i + 1)).await;
    }
    let response = app.get("/feed.xml").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/atom+xml"));
    let xml = response.text().await.unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "feed");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    let entries: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("entry"))
        .collect();
    assert_eq!(entries.len(), 20);
    let first_title = entries[0]
        .children()
        .find(|n| n.has_tag_name("title"))
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(first_title, "Welcome to Folio");
    let second_title = entries[1]
        .children()
        .find(|n| n.has_tag_name("title"))
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(second_title, "Feed post 0 <&> \"quoted\"");
    for entry in &entries {
        for child in [
            "id",
            "title",
            "updated",
            "published",
            "author",
            "content",
            "link",
        ] {
            assert!(
                entry.children().any(|n| n.has_tag_name(child)),
                "entry has {child}"
            );
        }
    }
}

#[tokio::test]
async fn sitemap_lists_every_public_post_category_and_author() {
    let app = TestApp::spawn().await;
    for i in 0..3 {
        app.create_post(PostSpec::published(&format!("Mapped {i}"), i + 1))
            .await;
    }
    let mut future = PostSpec::published("Not yet", -2);
    future.author = "zed";
    app.create_post(future).await;
    let xml = app.get_text("/sitemap.xml").await.1;
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let locs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    // home + 4 posts (3 + welcome) + 2 categories (News, General) + 2 authors (ann, folio)
    assert_eq!(locs.len(), 9, "{locs:?}");
    assert!(locs.contains(&"https://blog.example.org/category/news/"));
    assert!(locs.contains(&"https://blog.example.org/author/ann/"));
    assert!(!locs
        .iter()
        .any(|l| l.contains("not-yet") || l.contains("/author/zed/")));
}

#[tokio::test]
async fn robots_txt_points_at_the_sitemap() {
    let app = TestApp::spawn().await;
    let (status, body) = app.get_text("/robots.txt").await;
    assert_eq!(status, 200);
    assert!(body.contains("Sitemap: https://blog.example.org/sitemap.xml"));
}
