//! The public REST API at `/api/`, compatible with the Django REST Framework blog: ordinary axum
//! handlers over the same services and queries as the server functions.
//!
//! - [`auth`]: token and session authentication; [`throttle`]: request rates;
//! - [`posts`], [`categories`], [`tags`], [`comments`], [`subscribers`], [`tokens`], [`ops`]:
//!   the endpoints;
//! - [`serializers`]: the JSON shapes; [`input`]: reading request bodies; [`pagination`];
//! - [`error`]: the one error type and its JSON; [`browsable`]: HTML for browsers;
//! - [`openapi`]: the OpenAPI document and its documentation page.
//!
//! Each request passes [`context`] (authenticate, then throttle) and [`finish`] (DRF bodies for
//! answers the router makes itself, `Vary: Accept`, HTML for browsers).

pub mod auth;
pub mod browsable;
pub mod categories;
pub mod comments;
pub mod error;
pub mod input;
pub mod openapi;
pub mod ops;
pub mod pagination;
pub mod posts;
pub mod serializers;
pub mod subscribers;
pub mod tags;
pub mod throttle;
pub mod tokens;

use std::sync::Arc;

use app::ssr::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::Router;
use tower_sessions::Session;

use self::auth::Caller;
use self::error::ApiError;
use self::throttle::{ApiThrottle, ThrottleKey};

/// What the API handlers share.
#[derive(Debug, Clone)]
pub struct ApiState {
    /// The application's state (database, site, settings).
    pub app: AppState,
    /// The request-rate limiters.
    pub throttle: Arc<ApiThrottle>,
}

/// The API's routes, with their middleware, for merging into the site's router.
pub fn router<S: Clone + Send + Sync + 'static>(api: ApiState) -> Router<S> {
    Router::new()
        .route("/api/", get(ops::root))
        .route("/api/posts/", get(posts::list).post(posts::create))
        .route("/api/posts/trending/", get(posts::trending))
        .route("/api/posts/titles.txt", get(posts::titles))
        .route(
            "/api/posts/{slug}/",
            get(posts::retrieve)
                .put(posts::update)
                .patch(posts::partial_update)
                .delete(posts::destroy),
        )
        .route("/api/categories/", get(categories::list))
        .route("/api/categories/{slug}/", get(categories::retrieve))
        .route("/api/tags/", get(tags::list))
        .route("/api/tags/{slug}/", get(tags::retrieve))
        .route("/api/comments/", get(comments::list).post(comments::create))
        .route(
            "/api/subscribers/",
            get(subscribers::list).post(subscribers::create),
        )
        .route(
            "/api/auth/token/",
            post(tokens::obtain).delete(tokens::revoke),
        )
        .route("/api/stats/", get(ops::stats))
        .route("/api/schema/", get(openapi::schema))
        .route("/api/docs/", get(openapi::docs))
        .route("/api", any(not_found))
        .route("/api/{*rest}", any(not_found))
        .layer(middleware::from_fn_with_state(api.clone(), context))
        .layer(middleware::from_fn_with_state(api.clone(), finish))
        .with_state(api)
}

/// Unknown URLs under `/api/`: a `GET` or `HEAD` of an API URL written without its trailing
/// slash is redirected (301) to it, as Django's `APPEND_SLASH` does; anything else is 404.
async fn not_found(request: Request) -> Response {
    let path = request.uri().path();
    let readable = matches!(*request.method(), Method::GET | Method::HEAD);
    if readable && !path.ends_with('/') && resolves_with_slash(path) {
        let location = match request.uri().query() {
            Some(query) => format!("{path}/?{query}"),
            None => format!("{path}/"),
        };
        if let Ok(value) = HeaderValue::from_str(&location) {
            return (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, value)]).into_response();
        }
    }
    ApiError::NotFound.into_response()
}

/// Whether `path` + `/` is one of the API's URLs.
fn resolves_with_slash(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/api") else {
        return false;
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let is_slug = |s: &str| !s.contains('.');
    match segments.as_slice() {
        [] => true,
        ["posts" | "categories" | "tags" | "comments" | "subscribers" | "stats" | "schema"
        | "docs"] => true,
        ["posts" | "categories" | "tags", slug] => is_slug(slug),
        ["auth", "token"] => true,
        _ => false,
    }
}

/// The client's address for throttling (the socket's peer, or as far into `X-Forwarded-For`
/// as `FOLIO_TRUSTED_PROXIES` allows).
pub fn client_address(
    api: &ApiState,
    peer: Option<std::net::SocketAddr>,
    headers: &HeaderMap,
) -> String {
    let forwarded = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok());
    app::ssr::auth::throttle::client_address(peer, forwarded, api.app.auth.trusted_proxies)
}

/// Authenticates the request (see [`auth`]), counts it against the caller's rate, and hands the
/// [`Caller`] to the handler.
async fn context(State(api): State<ApiState>, mut request: Request, next: Next) -> Response {
    let session = request.extensions().get::<Session>().cloned();
    let caller = match auth::authenticate(&api, request.headers(), session.as_ref()).await {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    let key = match &caller.account {
        Some(account) => ThrottleKey::User(account.id),
        None => {
            let peer = request
                .extensions()
                .get::<ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0);
            ThrottleKey::Address(client_address(&api, peer, request.headers()))
        }
    };
    if let Err(wait) = api.throttle.check(&key).await {
        tracing::warn!(key = ?key, retry_after_secs = wait, "API request throttled");
        return ApiError::Throttled(wait).into_response();
    }
    request.extensions_mut().insert::<Caller>(caller);
    next.run(request).await
}

/// Gives answers the router makes itself DRF's bodies (405 with `Allow` kept), says
/// `Vary: Accept`, and renders JSON as a page for browsers.
async fn finish(State(api): State<ApiState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let html = browsable::wants_html(request.headers(), request.uri().query());
    let mut response = next.run(request).await;
    if response.status() == StatusCode::METHOD_NOT_ALLOWED
        && !response.headers().contains_key(header::CONTENT_TYPE)
    {
        let allow = response.headers().get(header::ALLOW).cloned();
        response = ApiError::MethodNotAllowed(method.to_string()).into_response();
        if let Some(allow) = allow {
            response.headers_mut().insert(header::ALLOW, allow);
        }
    }
    response
        .headers_mut()
        .append(header::VARY, HeaderValue::from_static("Accept"));
    if html {
        response = browsable::render(
            &method,
            &path,
            response,
            &api.app.site.base_url,
            &api.app.assets.stylesheet,
        )
        .await;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::resolves_with_slash;

    #[test]
    fn only_api_urls_get_their_slash() {
        for path in [
            "/api",
            "/api/posts",
            "/api/posts/hello-world",
            "/api/auth/token",
            "/api/docs",
        ] {
            assert!(resolves_with_slash(path), "{path}");
        }
        for path in [
            "/api/nothing",
            "/api/posts/a/b",
            "/api/posts/titles.txt",
            "/apix",
            "/api/auth",
        ] {
            assert!(!resolves_with_slash(path), "{path}");
        }
    }
}
