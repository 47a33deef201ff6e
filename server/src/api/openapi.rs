//! The OpenAPI 3.1 document of the API, generated from the handlers' annotations (utoipa), at
//! `/api/schema/`, and the interactive documentation at `/api/docs/` (Swagger UI, served from
//! Folio's own site folder: no CDN).

use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::serializers::{
    ApiRoot, BadRequest, Category, Comment, CommentWrite, ErrorDetail, Health, Kind, Page, Post,
    PostWrite, Stats, Status, Subscriber, SubscriberWrite, Tag, TagWithCount, TokenRequest,
    TokenResponse, ValidationErrors,
};
use super::{categories, comments, ops, posts, subscribers, tags, tokens};

/// The API's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Folio API",
        description = "The REST API of a Folio site, shaped as the Django REST Framework blog: \
            page-number pagination (20 a page), `{\"detail\": ...}` errors and `{\"field\": [...]}` \
            validation errors. Authenticate with `Authorization: Token <key>` (from \
            `POST /api/auth/token/`) or the site's session cookie (then unsafe methods need the \
            CSRF token in `X-CSRF-Token`)."
    ),
    paths(
        ops::root, posts::list, posts::create, posts::trending, posts::titles, posts::retrieve,
        posts::update, posts::partial_update, posts::destroy, categories::list,
        categories::retrieve, tags::list, tags::retrieve, comments::list, comments::create,
        subscribers::list, subscribers::create, tokens::obtain, tokens::revoke, ops::stats,
        ops::healthz,
    ),
    components(schemas(
        ApiRoot, BadRequest, Category, Comment, CommentWrite, ErrorDetail, Health, Kind, Page<Post>,
        Page<Category>, Page<Comment>, Page<Subscriber>, Page<TagWithCount>, Post, PostWrite,
        Stats, Status, Subscriber, SubscriberWrite, Tag, TagWithCount, TokenRequest,
        TokenResponse, ValidationErrors,
    )),
    modifiers(&SecuritySchemes),
    tags(
        (name = "posts", description = "Blog posts."),
        (name = "categories", description = "Post categories (read-only)."),
        (name = "tags", description = "Post tags (read-only; posts set theirs with `tag_slugs`)."),
        (name = "comments", description = "Comments on posts."),
        (name = "subscribers", description = "New posts by email: subscribe (anyone), list (administrators)."),
        (name = "auth", description = "API tokens."),
        (name = "api", description = "The API root, statistics and health."),
    )
)]
pub struct ApiDoc;

/// Adds the two ways to authenticate.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "Authorization",
                "`Token <key>`, the key from `POST /api/auth/token/`.",
            ))),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                app::ssr::auth::SESSION_COOKIE,
                "The site's session cookie (sign in at `/accounts/login/`).",
            ))),
        );
    }
}

/// The document as JSON (built once; it only depends on the code).
pub fn document() -> &'static str {
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serialises")
    })
}

/// `GET /api/schema/`: the OpenAPI document.
pub async fn schema() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], document()).into_response()
}

/// Where `scripts/setup` puts Swagger UI's files (from the npm package `swagger-ui-dist`) in the
/// site folder.
pub const SWAGGER_UI_PATH: &str = "/vendor/swagger-ui";

/// `GET /api/docs/`: Swagger UI on the document.
pub async fn docs() -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Folio API documentation</title>\
         <link rel=\"stylesheet\" href=\"{SWAGGER_UI_PATH}/swagger-ui.css\"></head>\
         <body><div id=\"swagger-ui\" data-schema-url=\"/api/schema/\">\
         <noscript><p>The interactive documentation needs JavaScript. The \
         <a href=\"/api/schema/\">OpenAPI document</a> describes every endpoint.</p></noscript></div>\
         <script src=\"{SWAGGER_UI_PATH}/swagger-ui-bundle.js\"></script>\
         <script src=\"/api-docs.js\"></script></body></html>"
    ))
}
