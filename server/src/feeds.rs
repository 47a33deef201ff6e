//! Machine-readable views of the blog: the Atom feed (RFC 4287), the sitemap (sitemaps.org 0.9)
//! and `robots.txt`.

use std::fmt::Write as _;

use app::domain::text::{escape_markup as xml_escape, post_path};
use app::ssr::blog;
use app::ssr::db::{categories, posts, users};
use app::ssr::AppState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};

/// The number of entries in the Atom feed.
pub const FEED_ENTRIES: i64 = 20;

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn server_error(error: sqlx::Error) -> Response {
    tracing::error!(%error, "feed query failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "Internal server error").into_response()
}

/// `GET /feed.xml`: the latest [`FEED_ENTRIES`] public posts as an Atom feed with full content.
pub async fn atom(State(state): State<AppState>) -> Response {
    let now = Utc::now();
    let rows = match state.db.acquire().await {
        Ok(mut conn) => posts::list_public_with_body(conn.conn(), now, FEED_ENTRIES).await,
        Err(e) => Err(e),
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => return server_error(e),
    };
    let site = &state.site;
    let updated = rows.iter().map(|r| r.updated_at).max().unwrap_or(now);
    let mut xml = String::with_capacity(64 * 1024);
    xml.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    let _ = writeln!(xml, "  <title>{}</title>", xml_escape(&site.title));
    let _ = writeln!(
        xml,
        "  <subtitle>{}</subtitle>",
        xml_escape(&site.description)
    );
    let _ = writeln!(xml, "  <id>{}/</id>", xml_escape(&site.base_url));
    let _ = writeln!(
        xml,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        xml_escape(&site.absolute("/feed.xml"))
    );
    let _ = writeln!(
        xml,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}/\"/>",
        xml_escape(&site.base_url)
    );
    let _ = writeln!(xml, "  <updated>{}</updated>", rfc3339(updated));
    let _ = writeln!(xml, "  <generator>Folio</generator>");
    for row in rows {
        let detail = blog::detail_from_row(row, 0);
        let post = detail.summary;
        let url = site.absolute(&post.path);
        let author = post
            .byline
            .clone()
            .unwrap_or(post.author.display_name.clone());
        xml.push_str("  <entry>\n");
        let _ = writeln!(xml, "    <title>{}</title>", xml_escape(&post.title));
        let _ = writeln!(
            xml,
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
            xml_escape(&url)
        );
        let _ = writeln!(xml, "    <id>{}</id>", xml_escape(&url));
        let _ = writeln!(
            xml,
            "    <published>{}</published>",
            rfc3339(post.published_at)
        );
        let _ = writeln!(xml, "    <updated>{}</updated>", rfc3339(detail.updated_at));
        let _ = writeln!(
            xml,
            "    <author><name>{}</name></author>",
            xml_escape(&author)
        );
        let _ = writeln!(
            xml,
            "    <category term=\"{}\" label=\"{}\"/>",
            xml_escape(&post.category.slug),
            xml_escape(&post.category.name)
        );
        let _ = writeln!(
            xml,
            "    <summary>{}</summary>",
            xml_escape(&detail.description)
        );
        let _ = writeln!(
            xml,
            "    <content type=\"html\">{}</content>",
            xml_escape(&detail.body_html)
        );
        xml.push_str("  </entry>\n");
    }
    xml.push_str("</feed>\n");
    (
        [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

/// `GET /sitemap.xml`: the home page, every public post, and every category and author page
/// that has public posts.
pub async fn sitemap(State(state): State<AppState>) -> Response {
    let now = Utc::now();
    let result = async {
        let mut conn = state.db.acquire().await?;
        let stamps = posts::list_public_stamps(conn.conn(), now).await?;
        let category_slugs = categories::list_slugs_with_public_posts(conn.conn(), now).await?;
        let usernames = users::list_usernames_with_public_posts(conn.conn(), now).await?;
        Ok::<_, sqlx::Error>((stamps, category_slugs, usernames))
    }
    .await;
    let (stamps, category_slugs, usernames) = match result {
        Ok(r) => r,
        Err(e) => return server_error(e),
    };
    let site = &state.site;
    let mut xml = String::with_capacity(128 + stamps.len() * 160);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    let mut url = |loc: String, lastmod: Option<DateTime<Utc>>| {
        xml.push_str("  <url><loc>");
        xml.push_str(&xml_escape(&loc));
        xml.push_str("</loc>");
        if let Some(at) = lastmod {
            let _ = write!(xml, "<lastmod>{}</lastmod>", rfc3339(at));
        }
        xml.push_str("</url>\n");
    };
    url(
        site.absolute("/"),
        stamps.iter().map(|s| s.updated_at).max(),
    );
    for stamp in &stamps {
        url(
            site.absolute(&post_path(stamp.published_at, &stamp.slug)),
            Some(stamp.updated_at),
        );
    }
    for slug in category_slugs {
        url(site.absolute(&format!("/category/{slug}/")), None);
    }
    for username in usernames {
        url(site.absolute(&format!("/author/{username}/")), None);
    }
    xml.push_str("</urlset>\n");
    (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

/// `GET /robots.txt`: allows everything and points at the sitemap.
pub async fn robots(State(state): State<AppState>) -> Response {
    let body = format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        state.site.absolute("/sitemap.xml")
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}
