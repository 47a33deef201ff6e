//! Per-page `<title>`, meta description, canonical link and Open Graph tags.

use leptos::prelude::*;
use leptos_meta::{Link, Meta, Title};

use crate::components::context::SiteResource;
use crate::model::SiteInfo;

/// Sets the page's metadata in `<head>` (in the first HTML response, since pages render in
/// `SsrMode::Async`).
///
/// `title` is the page's own title (the site name is appended; `None` for the home page),
/// `description` a one-line summary, `path` the canonical site path (starting with `/`),
/// `og_type` the Open Graph type (`website` or `article`), `image` the site path of the page's
/// picture for link previews (`og:image`, made absolute; with it `twitter:card` asks for the
/// large card, as the Open Graph protocol and X's card markup describe), `feed` the site path of
/// the page's own Atom feed (`<link rel="alternate" type="application/atom+xml">`).
#[component]
pub fn PageMeta(
    #[prop(optional, into)] title: Option<String>,
    #[prop(into)] description: String,
    #[prop(into)] path: String,
    #[prop(default = "website")] og_type: &'static str,
    #[prop(default = None)] image: Option<String>,
    #[prop(default = None)] feed: Option<String>,
) -> impl IntoView {
    // Missing only while a page is being left: a lazily loaded route's reactive title can update
    // after its owner was detached from the app's (its params change as the router moves on).
    // Nothing is rendered then; the next page sets its own metadata.
    let Some(site) = use_context::<SiteResource>() else {
        return ().into_any();
    };
    view! {
        <Suspense>
            {move || {
                let title = title.clone();
                let description = description.clone();
                let path = path.clone();
                let image = image.clone();
                let feed = feed.clone();
                Suspend::new(async move {
                    // Always the same view type (no Option): an Option here breaks hydration.
                    let site = site.await.unwrap_or_else(|_| SiteInfo {
                        title: "Folio".to_string(),
                        description: String::new(),
                        base_url: String::new(),
                    });
                    let full_title = match &title {
                        Some(t) => format!("{t} — {}", site.title),
                        None => site.title.clone(),
                    };
                    let og_title = title.unwrap_or_else(|| site.title.clone());
                    let url = site.absolute(&path);
                    let card = if image.is_some() { "summary_large_image" } else { "summary" };
                    let image = image.map(|image| {
                        view! { <Meta property="og:image" content=site.absolute(&image)/> }
                    });
                    let feed_title = format!("{full_title} (Atom)");
                    let feed = feed.map(|feed| {
                        view! {
                            <Link rel="alternate" type_="application/atom+xml" title=feed_title href=site.absolute(&feed)/>
                        }
                    });
                    view! {
                        <Title text=escape_title_for_ssr(full_title)/>
                        <Meta name="description" content=description.clone()/>
                        <Link rel="canonical" href=url.clone()/>
                        <Meta property="og:site_name" content=site.title.clone()/>
                        <Meta property="og:type" content=og_type/>
                        <Meta property="og:title" content=og_title/>
                        <Meta property="og:description" content=description/>
                        <Meta property="og:url" content=url/>
                        <Meta name="twitter:card" content=card/>
                        {image}
                        {feed}
                    }
                })
            }}
        </Suspense>
    }
    .into_any()
}

/// Escapes a title when rendering on the server.
///
/// leptos_meta 0.8 writes the `<title>` text into the server's HTML unescaped, so a title holding
/// `</title><script>` (a search query, say) would inject markup. In the browser the title is set
/// through `document.title`, which takes plain text, so nothing is escaped there.
fn escape_title_for_ssr(title: String) -> String {
    if cfg!(feature = "ssr") {
        crate::domain::text::escape_markup(&title)
    } else {
        title
    }
}
