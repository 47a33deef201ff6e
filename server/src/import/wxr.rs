//! Reading WordPress's export file (WXR, "WordPress eXtended RSS", versions 1.1 and 1.2, as
//! Tools → Export writes it): an RSS 2.0 channel whose items are posts, pages, attachments and
//! the rest, with WordPress's fields in the `wp:` namespace, the body in `content:encoded` and the
//! excerpt in `excerpt:encoded`.
//!
//! Exporters disagree on the namespace URIs (`http` or `https`, `export/1.1/` or `export/1.2/`,
//! plug-ins writing their own), so elements are matched by what their namespace means (the
//! WordPress export, its excerpt module, RSS's content module, Dublin Core), never by one exact
//! URI. Missing fields are `None` or empty: what to do about them is the importer's choice.

use roxmltree::{Document, Node};

/// The namespaces WXR uses, by meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    /// `http(s)://wordpress.org/export/1.x/`.
    Wp,
    /// `http(s)://wordpress.org/export/1.x/excerpt/`.
    Excerpt,
    /// `http://purl.org/rss/1.0/modules/content/`.
    Content,
    /// `http://purl.org/dc/elements/1.1/`.
    Dc,
    /// RSS's own elements (no namespace).
    Rss,
    Other,
}

fn ns_of(node: Node<'_, '_>) -> Ns {
    match node.tag_name().namespace() {
        None => Ns::Rss,
        Some(uri) => {
            let uri = uri.to_ascii_lowercase();
            if uri.contains("wordpress.org/export") {
                if uri.contains("excerpt") {
                    Ns::Excerpt
                } else {
                    Ns::Wp
                }
            } else if uri.contains("purl.org/rss/1.0/modules/content") {
                Ns::Content
            } else if uri.contains("purl.org/dc/elements") {
                Ns::Dc
            } else {
                Ns::Other
            }
        }
    }
}

fn children<'a, 'input>(
    node: Node<'a, 'input>,
    ns: Ns,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == name && ns_of(*c) == ns)
}

/// The text of the first child `ns:name` (CDATA included), or `None`.
fn text(node: Node<'_, '_>, ns: Ns, name: &'static str) -> Option<String> {
    children(node, ns, name)
        .next()
        .map(|c| c.children().filter_map(|t| t.text()).collect::<String>())
}

/// The trimmed, non-empty text of `ns:name`.
fn field(node: Node<'_, '_>, ns: Ns, name: &'static str) -> Option<String> {
    text(node, ns, name)
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// A WordPress user as the export lists it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Author {
    /// `wp:author_login`.
    pub login: String,
    /// `wp:author_email`.
    pub email: Option<String>,
    /// `wp:author_display_name`.
    pub display_name: Option<String>,
}

/// A category as the export lists it (with its parent, by slug).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Category {
    /// `wp:category_nicename` (the slug).
    pub slug: String,
    /// `wp:cat_name`.
    pub name: String,
    /// `wp:category_parent` (the parent's slug), if any.
    pub parent: Option<String>,
}

/// A comment on an item.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Comment {
    /// `wp:comment_id`.
    pub id: i64,
    /// `wp:comment_author`.
    pub author: String,
    /// `wp:comment_author_email`.
    pub email: Option<String>,
    /// `wp:comment_date_gmt`, else `wp:comment_date` (`YYYY-MM-DD HH:MM:SS`).
    pub date: Option<String>,
    /// Whether the date came from the `_gmt` field.
    pub date_is_gmt: bool,
    /// `wp:comment_content`.
    pub content: String,
    /// `wp:comment_approved`: `1`, `0`, `spam` or `trash`.
    pub approved: String,
    /// `wp:comment_type`: empty or `comment` for comments; `pingback`, `trackback`…
    pub kind: String,
    /// `wp:comment_parent` (0: none).
    pub parent: i64,
}

/// One `<item>`: a post, page, attachment, menu item…
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Item {
    /// `title`.
    pub title: String,
    /// `link`: the item's address on the old site.
    pub link: Option<String>,
    /// `pubDate` (RFC 2822).
    pub pub_date: Option<String>,
    /// `dc:creator`: the author's login.
    pub creator: Option<String>,
    /// `guid`.
    pub guid: Option<String>,
    /// `content:encoded`: the body's HTML.
    pub content: String,
    /// `excerpt:encoded`.
    pub excerpt: Option<String>,
    /// `wp:post_id`.
    pub post_id: Option<i64>,
    /// `wp:post_date` (the site's local time, `YYYY-MM-DD HH:MM:SS`).
    pub post_date: Option<String>,
    /// `wp:post_date_gmt` (`0000-00-00 00:00:00` for drafts never published).
    pub post_date_gmt: Option<String>,
    /// `wp:post_name`: the slug, percent-encoded for non-ASCII.
    pub post_name: Option<String>,
    /// `wp:status`: `publish`, `future`, `draft`, `pending`, `private`, `trash`, `inherit`…
    pub status: String,
    /// `wp:post_parent` (0: none).
    pub post_parent: i64,
    /// `wp:menu_order`.
    pub menu_order: i64,
    /// `wp:post_type`: `post`, `page`, `attachment`, `nav_menu_item`…
    pub post_type: String,
    /// `wp:post_password`: non-empty for password-protected items.
    pub password: Option<String>,
    /// `wp:is_sticky` = 1.
    pub sticky: bool,
    /// `wp:attachment_url` (attachments).
    pub attachment_url: Option<String>,
    /// `<category domain="category" nicename="…">Name</category>`: (slug, name).
    pub categories: Vec<(String, String)>,
    /// `<category domain="post_tag">Name</category>`: the names.
    pub tags: Vec<String>,
    /// `wp:comment`s.
    pub comments: Vec<Comment>,
    /// `wp:postmeta` pairs (`wp:meta_key`, `wp:meta_value`), in file order: plug-ins keep their
    /// data here (Yoast SEO's `_yoast_wpseo_metadesc`, the featured image's `_thumbnail_id`).
    pub meta: Vec<(String, String)>,
}

impl Item {
    /// The first value of postmeta `key`, when it is not blank.
    pub fn meta_value(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }
}

/// The whole export.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Export {
    /// `channel/title`.
    pub title: String,
    /// `channel/link`: the site's address.
    pub link: Option<String>,
    /// `wp:base_site_url`.
    pub base_site_url: Option<String>,
    /// `wp:wxr_version`.
    pub version: Option<String>,
    /// `wp:author`s.
    pub authors: Vec<Author>,
    /// `wp:category`s.
    pub categories: Vec<Category>,
    /// The items, in file order.
    pub items: Vec<Item>,
}

/// Why a file is not a WordPress export.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WxrError {
    /// Not well-formed XML.
    #[error("not well-formed XML: {0}")]
    Xml(String),
    /// XML, but not an RSS channel with WordPress's fields.
    #[error("not a WordPress export (WXR): {0}")]
    NotWxr(&'static str),
}

/// Parses an export file's text.
///
/// # Errors
/// [`WxrError`] when the text is not XML or not a WordPress export.
pub fn parse(xml: &str) -> Result<Export, WxrError> {
    let document = Document::parse_with_options(
        xml,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..roxmltree::ParsingOptions::default()
        },
    )
    .map_err(|e| WxrError::Xml(e.to_string()))?;
    let rss = document.root_element();
    if rss.tag_name().name() != "rss" {
        return Err(WxrError::NotWxr("the root element is not <rss>"));
    }
    let channel = children(rss, Ns::Rss, "channel")
        .next()
        .ok_or(WxrError::NotWxr("no <channel>"))?;
    let version = field(channel, Ns::Wp, "wxr_version");
    let has_wp = channel
        .descendants()
        .any(|n| n.is_element() && ns_of(n) == Ns::Wp);
    if !has_wp {
        return Err(WxrError::NotWxr(
            "no wp: elements (is this a plain RSS feed?)",
        ));
    }
    let number = |node: Node<'_, '_>, name: &'static str| {
        field(node, Ns::Wp, name)
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let authors = children(channel, Ns::Wp, "author")
        .filter_map(|a| {
            Some(Author {
                login: field(a, Ns::Wp, "author_login")?,
                email: field(a, Ns::Wp, "author_email"),
                display_name: field(a, Ns::Wp, "author_display_name"),
            })
        })
        .collect();
    let categories = children(channel, Ns::Wp, "category")
        .filter_map(|c| {
            Some(Category {
                slug: field(c, Ns::Wp, "category_nicename")?,
                name: field(c, Ns::Wp, "cat_name").unwrap_or_default(),
                parent: field(c, Ns::Wp, "category_parent"),
            })
        })
        .collect();
    let items = children(channel, Ns::Rss, "item")
        .map(|item| {
            let mut categories = Vec::new();
            let mut tags = Vec::new();
            for c in children(item, Ns::Rss, "category") {
                let name: String = c.children().filter_map(|t| t.text()).collect();
                let name = name.trim().to_string();
                match c.attribute("domain") {
                    Some("category") => categories.push((
                        c.attribute("nicename").unwrap_or_default().to_string(),
                        name,
                    )),
                    Some("post_tag") if !name.is_empty() => tags.push(name),
                    _ => {}
                }
            }
            let comments = children(item, Ns::Wp, "comment")
                .map(|c| {
                    let gmt =
                        field(c, Ns::Wp, "comment_date_gmt").filter(|d| !d.starts_with("0000"));
                    Comment {
                        id: number(c, "comment_id"),
                        author: field(c, Ns::Wp, "comment_author").unwrap_or_default(),
                        email: field(c, Ns::Wp, "comment_author_email"),
                        date_is_gmt: gmt.is_some(),
                        date: gmt.or_else(|| field(c, Ns::Wp, "comment_date")),
                        content: text(c, Ns::Wp, "comment_content").unwrap_or_default(),
                        approved: field(c, Ns::Wp, "comment_approved").unwrap_or_default(),
                        kind: field(c, Ns::Wp, "comment_type").unwrap_or_default(),
                        parent: number(c, "comment_parent"),
                    }
                })
                .collect();
            Item {
                title: text(item, Ns::Rss, "title")
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
                link: field(item, Ns::Rss, "link"),
                pub_date: field(item, Ns::Rss, "pubDate"),
                creator: field(item, Ns::Dc, "creator"),
                guid: field(item, Ns::Rss, "guid"),
                content: text(item, Ns::Content, "encoded").unwrap_or_default(),
                excerpt: field(item, Ns::Excerpt, "encoded"),
                post_id: field(item, Ns::Wp, "post_id").and_then(|t| t.parse().ok()),
                post_date: field(item, Ns::Wp, "post_date"),
                post_date_gmt: field(item, Ns::Wp, "post_date_gmt"),
                post_name: field(item, Ns::Wp, "post_name"),
                status: field(item, Ns::Wp, "status").unwrap_or_default(),
                post_parent: number(item, "post_parent"),
                menu_order: number(item, "menu_order"),
                post_type: field(item, Ns::Wp, "post_type").unwrap_or_else(|| "post".into()),
                password: field(item, Ns::Wp, "post_password"),
                sticky: number(item, "is_sticky") == 1,
                attachment_url: field(item, Ns::Wp, "attachment_url"),
                categories,
                tags,
                comments,
                meta: children(item, Ns::Wp, "postmeta")
                    .filter_map(|m| {
                        Some((
                            field(m, Ns::Wp, "meta_key")?,
                            text(m, Ns::Wp, "meta_value").unwrap_or_default(),
                        ))
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Export {
        title: field(channel, Ns::Rss, "title").unwrap_or_default(),
        link: field(channel, Ns::Rss, "link"),
        base_site_url: field(channel, Ns::Wp, "base_site_url"),
        version,
        authors,
        categories,
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WXR 1.2 export as WordPress 6 writes it, trimmed to one of each kind.
    pub(crate) const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0"
	xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:wfw="http://wellformedweb.org/CommentAPI/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:wp="http://wordpress.org/export/1.2/"
>
<channel>
	<title>Old Blog</title>
	<link>https://old.example.com</link>
	<wp:wxr_version>1.2</wp:wxr_version>
	<wp:base_site_url>https://old.example.com</wp:base_site_url>
	<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[ann]]></wp:author_login><wp:author_email><![CDATA[ann@example.com]]></wp:author_email><wp:author_display_name><![CDATA[Ann Lee]]></wp:author_display_name></wp:author>
	<wp:category><wp:term_id>2</wp:term_id><wp:category_nicename><![CDATA[tech]]></wp:category_nicename><wp:category_parent><![CDATA[]]></wp:category_parent><wp:cat_name><![CDATA[Tech]]></wp:cat_name></wp:category>
	<wp:category><wp:term_id>3</wp:term_id><wp:category_nicename><![CDATA[rust]]></wp:category_nicename><wp:category_parent><![CDATA[tech]]></wp:category_parent><wp:cat_name><![CDATA[Rust &amp; Co]]></wp:cat_name></wp:category>
	<item>
		<title><![CDATA[Hello &amp; welcome]]></title>
		<link>https://old.example.com/2020/01/02/hello-world/</link>
		<pubDate>Thu, 02 Jan 2020 10:00:00 +0000</pubDate>
		<dc:creator><![CDATA[ann]]></dc:creator>
		<guid isPermaLink="false">https://old.example.com/?p=12</guid>
		<content:encoded><![CDATA[First line
second line

<!--more-->Rest]]></content:encoded>
		<excerpt:encoded><![CDATA[]]></excerpt:encoded>
		<wp:post_id>12</wp:post_id>
		<wp:post_date><![CDATA[2020-01-02 11:00:00]]></wp:post_date>
		<wp:post_date_gmt><![CDATA[2020-01-02 10:00:00]]></wp:post_date_gmt>
		<wp:post_name><![CDATA[hello-world]]></wp:post_name>
		<wp:status><![CDATA[publish]]></wp:status>
		<wp:post_parent>0</wp:post_parent>
		<wp:menu_order>0</wp:menu_order>
		<wp:post_type><![CDATA[post]]></wp:post_type>
		<wp:post_password><![CDATA[]]></wp:post_password>
		<wp:is_sticky>1</wp:is_sticky>
		<category domain="category" nicename="rust"><![CDATA[Rust &amp; Co]]></category>
		<category domain="post_tag" nicename="intro"><![CDATA[Intro]]></category>
		<wp:comment>
			<wp:comment_id>5</wp:comment_id>
			<wp:comment_author><![CDATA[Bob]]></wp:comment_author>
			<wp:comment_author_email><![CDATA[bob@example.net]]></wp:comment_author_email>
			<wp:comment_date><![CDATA[2020-01-03 09:00:00]]></wp:comment_date>
			<wp:comment_date_gmt><![CDATA[2020-01-03 08:00:00]]></wp:comment_date_gmt>
			<wp:comment_content><![CDATA[Nice post!]]></wp:comment_content>
			<wp:comment_approved><![CDATA[1]]></wp:comment_approved>
			<wp:comment_type><![CDATA[comment]]></wp:comment_type>
			<wp:comment_parent>0</wp:comment_parent>
		</wp:comment>
	</item>
</channel>
</rss>"#;

    #[test]
    fn a_wordpress_export_is_read_whole() {
        let export = parse(SAMPLE).unwrap();
        assert_eq!(export.title, "Old Blog");
        assert_eq!(export.version.as_deref(), Some("1.2"));
        assert_eq!(export.authors[0].login, "ann");
        assert_eq!(export.authors[0].display_name.as_deref(), Some("Ann Lee"));
        assert_eq!(export.categories[1].parent.as_deref(), Some("tech"));
        assert_eq!(export.categories[1].name, "Rust &amp; Co");
        let item = &export.items[0];
        assert_eq!(item.title, "Hello &amp; welcome");
        assert_eq!(item.post_id, Some(12));
        assert_eq!(item.post_date_gmt.as_deref(), Some("2020-01-02 10:00:00"));
        assert_eq!(item.creator.as_deref(), Some("ann"));
        assert!(item.sticky && item.password.is_none());
        assert_eq!(
            item.categories,
            vec![("rust".into(), "Rust &amp; Co".into())]
        );
        assert_eq!(item.tags, vec!["Intro"]);
        assert!(item.content.contains("<!--more-->"));
        assert_eq!(item.excerpt, None);
        assert_eq!(item.comments[0].author, "Bob");
        assert!(item.comments[0].date_is_gmt);
    }

    #[test]
    fn namespaces_are_matched_by_meaning_and_missing_fields_are_none() {
        let other = SAMPLE
            .replace(
                "http://wordpress.org/export/1.2/",
                "https://wordpress.org/export/1.1/",
            )
            .replace("xmlns:wp=", "xmlns:wordpress=")
            .replace("<wp:", "<wordpress:")
            .replace("</wp:", "</wordpress:")
            .replace("<wp:post_name><![CDATA[hello-world]]></wp:post_name>", "");
        let export = parse(&other).unwrap();
        assert_eq!(export.items[0].post_id, Some(12));
        assert_eq!(export.authors.len(), 1);
        let bare = SAMPLE
            .replace("<wp:post_name><![CDATA[hello-world]]></wp:post_name>", "")
            .replace("<wp:post_id>12</wp:post_id>", "")
            .replace("<dc:creator><![CDATA[ann]]></dc:creator>", "");
        let item = &parse(&bare).unwrap().items[0];
        assert_eq!(
            (
                item.post_id,
                item.post_name.as_deref(),
                item.creator.as_deref()
            ),
            (None, None, None)
        );
    }

    #[test]
    fn other_files_are_refused_with_a_reason() {
        assert!(matches!(parse("<rss><channel>"), Err(WxrError::Xml(_))));
        assert_eq!(
            parse("<feed xmlns=\"http://www.w3.org/2005/Atom\"/>"),
            Err(WxrError::NotWxr("the root element is not <rss>"))
        );
        assert_eq!(
            parse("<rss version=\"2.0\"><channel><title>x</title><item><title>y</title></item></channel></rss>"),
            Err(WxrError::NotWxr("no wp: elements (is this a plain RSS feed?)"))
        );
    }
}
