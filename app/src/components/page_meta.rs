//! Per-page `<title>`, meta description, canonical link and Open Graph tags.

use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};

use crate::components::layout::SiteResource;

/// Sets the page's metadata in `<head>` (in the first HTML response, since pages render in
/// `SsrMode::Async`).
///
/// `title` is the page's own title (the site name is appended; `None` for the home page),
/// `description` a one-line summary, `path` the canonical site path (starting with `/`),
/// `og_type` the Open Graph type (`website` or `article`).
#[component]
pub fn PageMeta(
    #[prop(optional, into)] title: Option<String>,
    #[prop(into)] description: String,
    #[prop(into)] path: String,
    #[prop(default = "website")] og_type: &'static str,
) -> impl IntoView {
    let site = expect_context::<SiteResource>();
    view! {
        <Suspense>
            {move || {
                let title = title.clone();
                let description = description.clone();
                let path = path.clone();
                Suspend::new(async move {
                    let site = site.await.ok()?;
                    let full_title = match &title {
                        Some(t) => format!("{t} — {}", site.title),
                        None => site.title.clone(),
                    };
                    let og_title = title.unwrap_or_else(|| site.title.clone());
                    let url = site.absolute(&path);
                    Some(view! {
                        <Title text=escape_title_for_ssr(full_title)/>
                        <Meta name="description" content=description.clone()/>
                        <Link rel="canonical" href=url.clone()/>
                        <Meta property="og:site_name" content=site.title.clone()/>
                        <Meta property="og:type" content=og_type/>
                        <Meta property="og:title" content=og_title/>
                        <Meta property="og:description" content=description/>
                        <Meta property="og:url" content=url/>
                    })
                })
            }}
        </Suspense>
    }
}

/// Escapes `<`, `>` and `&` in a title when rendering on the server.
///
/// leptos_meta 0.8 writes the `<title>` text into the server's HTML unescaped, so a title holding
/// `</title><script>` (a search query, say) would inject markup. In the browser the title is set
/// through `document.title`, which takes plain text, so nothing is escaped there.
fn escape_title_for_ssr(title: String) -> String {
    #[cfg(feature = "ssr")]
    {
        let mut out = String::with_capacity(title.len());
        for c in title.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                c => out.push(c),
            }
        }
        out
    }
    #[cfg(not(feature = "ssr"))]
    {
        title
    }
}
