//! Machine-readable views of the blog: the Atom feed (RFC 4287), the sitemap (sitemaps.org 0.9)
//! and `robots.txt`.

use std::fmt::Write as _;

use app::domain::text::{escape_markup as xml_escape, post_path};
use app::ssr::db::posts::public as public_posts;
use app::ssr::db::posts::public::PostFilter;
use app::ssr::db::{categories, tags, users};
use app::ssr::posts::reads as posts_reads;
use app::ssr::AppState;
use axum::extract::{Path, State};
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
    let feed = Feed {
        title: state.site.title.clone(),
        subtitle: state.site.description.clone(),
        self_path: "/feed.xml".to_string(),
        page_path: "/".to_string(),
    };
    render(&state, &PostFilter::All, feed).await
}

/// `GET /category/<slug>/feed.xml`: the latest public posts of one category (404 for an unknown
/// category).
pub async fn category_atom(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    let found = match state.db.acquire().await {
        Ok(mut conn) => categories::find_by_slug(conn.conn(), &slug).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(Some(category)) => {
            let feed = Feed {
                title: format!("{} — {}", category.name, state.site.title),
                subtitle: format!("Posts in {}.", category.name),
                self_path: format!("/category/{slug}/feed.xml"),
                page_path: format!("/category/{slug}/"),
            };
            render(&state, &PostFilter::Category(slug), feed).await
        }
        Ok(None) => not_found(),
        Err(e) => server_error(e),
    }
}

/// `GET /tag/<slug>/feed.xml`: the latest public posts carrying one tag (404 for an unknown
/// tag).
pub async fn tag_atom(State(state): State<AppState>, Path(slug): Path<String>) -> Response {
    let found = match state.db.acquire().await {
        Ok(mut conn) => tags::find_by_slug(conn.conn(), &slug).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(Some(tag)) => {
            let feed = Feed {
                title: format!("{} — {}", tag.name, state.site.title),
                subtitle: format!("Posts tagged {}.", tag.name),
                self_path: format!("/tag/{slug}/feed.xml"),
                page_path: format!("/tag/{slug}/"),
            };
            render(&state, &PostFilter::Tag(slug), feed).await
        }
        Ok(None) => not_found(),
        Err(e) => server_error(e),
    }
}

/// `GET /author/<username>/feed.xml`: the latest public posts of one author (404 for an unknown
/// or inactive user).
pub async fn author_atom(State(state): State<AppState>, Path(username): Path<String>) -> Response {
    let found = match state.db.acquire().await {
        Ok(mut conn) => users::find_public(conn.conn(), &username).await,
        Err(e) => Err(e),
    };
    match found {
        Ok(Some(author)) => {
            let name = app::model::PublicUser::from(author).display_name;
            let feed = Feed {
                title: format!("{name} — {}", state.site.title),
                subtitle: format!("Posts by {name}."),
                self_path: format!("/author/{username}/feed.xml"),
                page_path: format!("/author/{username}/"),
            };
            render(&state, &PostFilter::Author(username), feed).await
        }
        Ok(None) => not_found(),
        Err(e) => server_error(e),
    }
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "Not found").into_response()
}

/// What a feed says about itself.
struct Feed {
    title: String,
    subtitle: String,
    /// The feed's own site path.
    self_path: String,
    /// The site path of the page the feed follows.
    page_path: String,
}

/// The Atom feed (RFC 4287) of the latest [`FEED_ENTRIES`] public posts `filter` selects.
async fn render(state: &AppState, filter: &PostFilter, feed: Feed) -> Response {
    let now = Utc::now();
    let rows = match state.db.acquire().await {
        Ok(mut conn) => {
            public_posts::list_public_with_body(conn.conn(), now, filter, FEED_ENTRIES).await
        }
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
    let _ = writeln!(xml, "  <title>{}</title>", xml_escape(&feed.title));
    let _ = writeln!(xml, "  <subtitle>{}</subtitle>", xml_escape(&feed.subtitle));
    let _ = writeln!(
        xml,
        "  <id>{}</id>",
        xml_escape(&site.absolute(&feed.page_path))
    );
    let _ = writeln!(
        xml,
        "  <link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>",
        xml_escape(&site.absolute(&feed.self_path))
    );
    let _ = writeln!(
        xml,
        "  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>",
        xml_escape(&site.absolute(&feed.page_path))
    );
    let _ = writeln!(xml, "  <updated>{}</updated>", rfc3339(updated));
    let _ = writeln!(xml, "  <generator>Folio</generator>");
    for row in rows {
        let detail = posts_reads::detail_from_row(row, 0);
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

/// The most URLs one sitemap file may list (sitemaps.org protocol: 50,000 URLs, 50 MB).
pub const SITEMAP_MAX_URLS: i64 = 50_000;

/// What the sitemap lists besides posts: the static pages (with their last change), and the
/// category, tag and author archives with public posts.
struct Archives {
    pages: Vec<(String, DateTime<Utc>)>,
    categories: Vec<String>,
    tags: Vec<String>,
    authors: Vec<String>,
}

impl Archives {
    fn len(&self) -> i64 {
        (self.pages.len() + self.categories.len() + self.tags.len() + self.authors.len()) as i64
    }

    /// Their `(path, last change)` in sitemap order.
    fn urls(&self) -> impl Iterator<Item = (String, Option<DateTime<Utc>>)> + '_ {
        self.pages
            .iter()
            .map(|(slug, at)| (format!("/{slug}/"), Some(*at)))
            .chain(
                self.categories
                    .iter()
                    .map(|slug| (format!("/category/{slug}/"), None)),
            )
            .chain(self.tags.iter().map(|slug| (format!("/tag/{slug}/"), None)))
            .chain(
                self.authors
                    .iter()
                    .map(|username| (format!("/author/{username}/"), None)),
            )
    }
}

/// The site's URLs in sitemap order: the home page, every public post (newest first), then the
/// category and author archives. Counted, so that a part can be cut out without reading it all.
struct SiteUrls {
    posts: i64,
    archives: Archives,
}

impl SiteUrls {
    async fn load(state: &AppState, now: DateTime<Utc>) -> Result<Self, sqlx::Error> {
        let mut conn = state.db.acquire().await?;
        let posts =
            public_posts::count_public(conn.conn(), now, &public_posts::PostFilter::All).await?;
        let pages = public_posts::public_page_stamps(conn.conn(), now).await?;
        let categories = categories::list_slugs_with_public_posts(conn.conn(), now).await?;
        let tags = tags::slugs_with_public_posts(conn.conn(), now).await?;
        let authors = users::list_usernames_with_public_posts(conn.conn(), now).await?;
        Ok(Self {
            posts,
            archives: Archives {
                pages,
                categories,
                tags,
                authors,
            },
        })
    }

    fn total(&self) -> i64 {
        1 + self.posts + self.archives.len()
    }

    /// How many sitemap files the URLs need.
    fn parts(&self) -> i64 {
        (self.total() + SITEMAP_MAX_URLS - 1) / SITEMAP_MAX_URLS
    }
}

/// `GET /sitemap.xml`: the sitemap (sitemaps.org 0.9) of every public page; for a site with more
/// than [`SITEMAP_MAX_URLS`] URLs, a sitemap index of the parts at `/sitemap/<n>.xml`.
pub async fn sitemap(State(state): State<AppState>) -> Response {
    let now = Utc::now();
    let urls = match SiteUrls::load(&state, now).await {
        Ok(urls) => urls,
        Err(e) => return server_error(e),
    };
    if urls.parts() <= 1 {
        return match urlset(&state, &urls, 1, now).await {
            Ok(xml) => xml_response(xml),
            Err(e) => server_error(e),
        };
    }
    let mut xml = String::with_capacity(128 + urls.parts() as usize * 100);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for part in 1..=urls.parts() {
        let _ = writeln!(
            xml,
            "  <sitemap><loc>{}</loc></sitemap>",
            xml_escape(&state.site.absolute(&format!("/sitemap/{part}.xml")))
        );
    }
    xml.push_str("</sitemapindex>\n");
    xml_response(xml)
}

/// `GET /sitemap/<n>.xml`: part `n` (from 1) of a sitemap too large for one file; 404 for a
/// part that does not exist.
pub async fn sitemap_part(
    State(state): State<AppState>,
    axum::extract::Path(part): axum::extract::Path<String>,
) -> Response {
    let Some(number) = part
        .strip_suffix(".xml")
        .and_then(|n| n.parse::<i64>().ok())
        .filter(|n| *n >= 1)
    else {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    };
    let now = Utc::now();
    let urls = match SiteUrls::load(&state, now).await {
        Ok(urls) => urls,
        Err(e) => return server_error(e),
    };
    if number > urls.parts() {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    match urlset(&state, &urls, number, now).await {
        Ok(xml) => xml_response(xml),
        Err(e) => server_error(e),
    }
}

fn xml_response(xml: String) -> Response {
    (
        [(header::CONTENT_TYPE, "application/xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

/// The `<urlset>` of part `part` (from 1): URLs `(part - 1) * SITEMAP_MAX_URLS` up to
/// [`SITEMAP_MAX_URLS`] of them, in [`SiteUrls`] order.
async fn urlset(
    state: &AppState,
    urls: &SiteUrls,
    part: i64,
    now: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let start = (part - 1) * SITEMAP_MAX_URLS;
    let end = (start + SITEMAP_MAX_URLS).min(urls.total());
    // Index 0 is the home page, 1..=posts the posts, then the archives.
    let first_post = start.max(1) - 1;
    let last_post = (end - 1).min(urls.posts);
    let stamps = if last_post > first_post {
        let mut conn = state.db.acquire().await?;
        public_posts::list_public_stamps_page(conn.conn(), now, last_post - first_post, first_post)
            .await?
    } else {
        Vec::new()
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
    if start == 0 {
        let mut conn = state.db.acquire().await?;
        let newest = public_posts::latest_public_update(conn.conn(), now).await?;
        drop(conn);
        url(site.absolute("/"), newest);
    }
    for stamp in &stamps {
        url(
            site.absolute(&post_path(stamp.published_at, &stamp.slug)),
            Some(stamp.updated_at),
        );
    }
    let archives_start = 1 + urls.posts;
    let skip = (start - archives_start).max(0) as usize;
    let take = (end - start.max(archives_start)).max(0) as usize;
    for (path, lastmod) in urls.archives.urls().skip(skip).take(take) {
        url(site.absolute(&path), lastmod);
    }
    xml.push_str("</urlset>\n");
    Ok(xml)
}

/// `GET /robots.txt`: allows everything and points at the sitemap.
pub async fn robots(State(state): State<AppState>) -> Response {
    let body = format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}\n",
        state.site.absolute("/sitemap.xml")
    );
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}
