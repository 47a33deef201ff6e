//! Building and running the HTTP application (zero2prod's `Application::build` shape): open and
//! migrate the database, seed a fresh site, bind the listener, serve until SIGTERM or Ctrl-C.

use std::sync::Arc;

use app::model::SiteInfo;
use app::ssr::db::{Db, DbError};
use app::ssr::AppState;
use app::{shell, App};
use axum::http::{Request, StatusCode};
use axum::routing::get;
use axum::Router;
use leptos::config::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use app::ssr::auth::password::HashLimiter;
use app::ssr::auth::session_store::DbSessionStore;
use app::ssr::auth::throttle::{Limit, ThrottleSettings};
use app::ssr::auth::{tokens, AuthSettings, SecretKey};
use app::ssr::db::settings;
use app::ssr::posts::views::ViewCounter;
use app::ssr::posts::PostEvents;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::config::Config;
use crate::security::{CspNonce, SecuritySettings};

/// Why the application could not start; each names the setting at fault.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database could not be opened or migrated.
    #[error("DATABASE_URL: {0}")]
    Database(#[from] DbError),
    /// The first-start content could not be written, or stored content brought up to date.
    #[error("DATABASE_URL: cannot write the site's content: {0}")]
    Seed(String),
    /// The development secret key could not be read or stored.
    #[error(
        "FOLIO_SECRET_KEY: not set, and the development key cannot be kept in the database: {0}"
    )]
    SecretKey(String),
    /// `FOLIO_MEDIA_STORE` is unusable.
    #[error("{0}")]
    Media(#[from] app::ssr::media_store::MediaStoreError),
    /// The mail settings are unusable.
    #[error("FOLIO_SMTP_URL / FOLIO_MAIL_FROM: {0}")]
    Mail(#[from] app::ssr::mail::MailError),
    /// The address could not be bound.
    #[error("FOLIO_ADDR: cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },
}

/// A built application, bound to its port and ready to serve.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Db,
    port: u16,
    limits: crate::config::ServerLimits,
    events: PostEvents,
    views: Arc<ViewCounter>,
    jobs: crate::jobs::JobContext,
    workers: crate::jobs::WorkerSettings,
}

/// The media store the settings choose: the object store of `FOLIO_MEDIA_STORE` if set, else the
/// folder `FOLIO_MEDIA_DIR`.
///
/// # Errors
/// [`StartupError::Media`] when `FOLIO_MEDIA_STORE` cannot be used.
pub fn media_store(config: &Config) -> Result<app::ssr::media_store::MediaStore, StartupError> {
    Ok(match &config.media_store {
        Some(url) => {
            let settings: Vec<(&str, &str)> = config
                .media_store_settings
                .iter()
                .map(|(name, value)| (name.as_str(), value.expose()))
                .collect();
            app::ssr::media_store::MediaStore::from_url(url, &settings)?
        }
        None => app::ssr::media_store::MediaStore::folder(config.media_dir.clone()),
    })
}

/// How long closing the database may take at shutdown.
const DATABASE_CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// The header carrying each request's id (see [`crate::request_id`]).
pub use crate::request_id::REQUEST_ID_HEADER;

impl Application {
    /// Opens the database, applies migrations, writes the welcome post on a fresh site and
    /// binds the listener.
    ///
    /// # Errors
    /// [`StartupError`] naming the setting at fault.
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        let db = Db::connect(config.database_url.expose()).await?;
        db.migrate().await?;
        let events = PostEvents::new();
        crate::welcome::ensure_welcome_post(&db, &events)
            .await
            .map_err(|e| StartupError::Seed(e.to_string()))?;
        app::ssr::posts::maintenance::resanitize_stored_bodies(&db)
            .await
            .map_err(|e| StartupError::Seed(e.to_string()))?;
        let listener =
            TcpListener::bind(config.addr)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: config.addr,
                    source,
                })?;
        let local = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: config.addr,
            source,
        })?;
        let secret_key = resolve_secret_key(config, &db).await?;
        let jobs = job_context(config, &db, secret_key.clone())?;
        // Load the common-password list and the timing-equaliser hash before the first request.
        let _ = tokio::task::spawn_blocking(|| {
            app::ssr::auth::validators::warm_up();
            app::ssr::auth::password::warm_up();
        })
        .await;
        let limit = |rate: crate::api::throttle::Rate| Limit {
            count: i64::from(rate.requests.get()),
            window: rate.period,
        };
        let auth = AuthSettings {
            secret_key,
            secure_cookies: config.secure_cookies,
            session_age: config.session_age,
            throttle: ThrottleSettings::default(),
            sign_up_limit: limit(config.signup_throttle),
            email_limit: limit(config.email_throttle),
            hasher: HashLimiter::new(config.password_hashers, config.busy_wait),
            trusted_proxies: config.trusted_proxies,
        };
        let views = Arc::new(ViewCounter::new());
        let media = media_store(config)?;
        if media.folder_path().is_none() {
            // Pages do not need media, so an object store that is down does not stop Folio; it
            // is said at once, though (and `folio check` fails on it).
            match media.probe().await {
                Ok(()) => tracing::info!(store = %media.describe(), "media store reachable"),
                Err(error) => {
                    tracing::error!(store = %media.describe(), %error, "media store not usable: uploads and media will fail until it is")
                }
            }
        }
        let router = build_router(
            config,
            media,
            local,
            auth,
            jobs.queue.clone(),
            events.clone(),
            views.clone(),
        );
        tracing::info!(
            url = %config.site_url,
            listen = %local,
            database = db.backend().name(),
            database_url = %config.database_url.redacted(),
            "Folio is serving {} (listening on {local}, database: {})",
            config.site_url,
            db.backend().name()
        );
        Ok(Self {
            listener,
            router,
            db,
            port: local.port(),
            limits: config.limits,
            events,
            views,
            jobs,
            workers: config.workers,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The application's database pool.
    pub fn db(&self) -> &Db {
        &self.db
    }

    /// The channel the application sends posts' change events on (subscribe before serving to
    /// see every one).
    pub fn events(&self) -> &PostEvents {
        &self.events
    }

    /// The post views counted and not yet written (written every second and at shutdown).
    pub fn views(&self) -> &Arc<ViewCounter> {
        &self.views
    }

    /// The queue this application's requests put background jobs on.
    pub fn job_queue(&self) -> &app::ssr::jobs::JobQueue {
        &self.jobs.queue
    }

    /// Serves requests and runs background jobs (unless `FOLIO_WORKERS=0`) until SIGTERM or
    /// Ctrl-C; then finishes the requests in flight and the running jobs (each within
    /// `FOLIO_SHUTDOWN_TIMEOUT`; unfinished jobs go back to the queue), writes the views counted
    /// since the last flush and closes the database.
    ///
    /// # Errors
    /// None today; the signature leaves room for listener errors.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let (stop, stopping) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = stop.send(true);
        });
        let workers = (self.workers.concurrency > 0).then(|| {
            let workers = crate::jobs::Workers::start(
                self.jobs.clone(),
                self.workers,
                crate::jobs::schedule(),
            );
            let mut stopping = stopping.clone();
            tokio::spawn(async move {
                let _ = stopping.wait_for(|stop| *stop).await;
                workers.stop().await;
            })
        });
        let sweeper = crate::jobs::sweep_on_publish(&self.events, self.jobs.queue.clone());
        // Other processes on the same PostgreSQL hear of this one's changes, and it of theirs.
        let cluster = crate::cluster::Cluster::start(&self.db, &self.events);
        let flusher = self.views.clone().spawn_flusher(self.db.clone());
        let mut signal = stopping.clone();
        crate::serve::serve(self.listener, self.router, self.limits, async move {
            let _ = signal.wait_for(|stop| *stop).await;
        })
        .await;
        if let Some(workers) = workers {
            let _ = workers.await;
        }
        flusher.abort();
        sweeper.abort();
        cluster.stop();
        // The views counted since the last flush (the requests in flight have finished).
        if let Err(error) = self.views.flush(&self.db).await {
            tracing::error!(%error, "the last view counts could not be written");
        }
        // Connections dropped at the deadline may still hold database connections for a moment.
        if tokio::time::timeout(DATABASE_CLOSE_TIMEOUT, self.db.close())
            .await
            .is_err()
        {
            tracing::warn!("the database did not close in time");
        }
        tracing::info!("Folio stopped");
        Ok(())
    }
}

/// Builds the router: feeds and robots, the Leptos pages and server functions, static assets,
/// the media store's files, the redirect fallback, request ids and tracing. The database is the
/// job queue's.
pub fn build_router(
    config: &Config,
    media: app::ssr::media_store::MediaStore,
    local: std::net::SocketAddr,
    auth: AuthSettings,
    jobs: app::ssr::jobs::JobQueue,
    events: PostEvents,
    views: Arc<ViewCounter>,
) -> Router {
    let mut leptos_options = LeptosOptions::builder()
        .output_name(Arc::<str>::from(OUTPUT_NAME))
        .site_root(Arc::<str>::from(
            config.site_root.to_string_lossy().as_ref(),
        ))
        .site_pkg_dir(Arc::<str>::from("pkg"))
        .site_addr(local)
        .build();
    let pkg_dir = config.site_root.join("pkg");
    let mut site_assets = app::assets::SiteAssets::default();
    if let Some((names, hash_file)) = hashed_site_files(&config.site_root, &pkg_dir) {
        leptos_options.hash_files = true;
        leptos_options.hash_file = Arc::from(hash_file.to_string_lossy().as_ref());
        site_assets.stylesheet = Arc::from(names.stylesheet(OUTPUT_NAME));
    }
    let state = AppState {
        db: jobs.db().clone(),
        site: site_info(config),
        leptos_options: leptos_options.clone(),
        assets: site_assets.clone(),
        auth: auth.clone(),
        jobs,
        media: app::ssr::media::MediaSettings {
            store: media.clone(),
            max_bytes: config.media_max_bytes,
            workers: app::ssr::slots::WorkSlots::new(
                "image",
                config.image_workers,
                config.busy_wait,
            ),
        },
        nav: Arc::new(app::ssr::posts::nav::NavCache::new(&events)),
        counts: Arc::new(app::ssr::posts::reader_cache::ReaderCache::new(
            &events,
            app::ssr::posts::reads::COUNTS_KEPT,
        )),
        searches: Arc::new(app::ssr::posts::reader_cache::ReaderCache::new(
            &events,
            app::ssr::posts::search::SEARCHES_KEPT,
        )),
        ranked: Arc::new(app::ssr::posts::reader_cache::ReaderCache::new(
            &events,
            app::ssr::posts::reads::RANKED_KEPT,
        )),
        views,
        events,
    };
    let security = SecuritySettings {
        allowed_hosts: config.allowed_hosts.clone().into(),
        hsts_seconds: config.hsts_seconds,
        secret_key: auth.secret_key.clone(),
        ssl_redirect: config
            .ssl_redirect
            .then(|| crate::security::origin_of(&config.site_url)),
        trusted_proxies: config.trusted_proxies,
    };
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(app::ssr::auth::SESSION_COOKIE)
        .with_secure(auth.secure_cookies)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            auth.session_age.as_secs().min(i64::MAX as u64) as i64,
        )));
    let routes = route_list();
    crate::assets::precompress_in_background(pkg_dir.clone());
    let assets = crate::assets::router(pkg_dir);
    let shell_options = leptos_options.clone();
    let page_context = move || {
        provide_csp_nonce();
        leptos::prelude::provide_context(site_assets.clone());
    };
    let page_cache = crate::page_cache::PageCache::new(
        state.db.clone(),
        &state.events,
        state.views.clone(),
        config.page_cache,
    );
    let throttle_store = config
        .throttle_store
        .unwrap_or_else(|| crate::rate_limit::ThrottleStore::default_for(state.db.backend()));
    let api = crate::api::ApiState {
        app: state.clone(),
        throttle: Arc::new(crate::api::throttle::ApiThrottle::new(
            config.api_throttle_anon,
            config.api_throttle_user,
            throttle_store,
            &state.db,
        )),
    };
    Router::new()
        .route("/healthz", get(crate::api::ops::healthz))
        .merge(crate::api::router(api))
        .route("/feed.xml", get(crate::feeds::atom))
        .route("/category/{slug}/feed.xml", get(crate::feeds::category_atom))
        .route("/tag/{slug}/feed.xml", get(crate::feeds::tag_atom))
        .route("/author/{username}/feed.xml", get(crate::feeds::author_atom))
        .route("/sitemap.xml", get(crate::feeds::sitemap))
        .route("/sitemap/{part}", get(crate::feeds::sitemap_part))
        .route("/robots.txt", get(crate::feeds::robots))
        .route(
            "/newsletter/unsubscribe/{id}/{signature}/one-click",
            axum::routing::post(crate::newsletter::one_click),
        )
        .nest_service("/pkg", assets)
        .route("/admin/media/upload/", axum::routing::post(crate::media::upload))
        .route(crate::newsletter::EXPORT_PATH, get(crate::newsletter::export_csv))
        .route(crate::export::download::PATH, get(crate::export::download::download))
        .nest_service("/media", crate::media::files(media))
        .leptos_routes_with_context(&state, routes, page_context.clone(), move || shell(shell_options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(page_context, shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::redirects::redirect_on_not_found))
        .layer(axum::middleware::from_fn(crate::server_fn_errors::server_fn_error_status))
        .layer(axum::middleware::from_fn_with_state(
            crate::page_throttle::PageThrottle::new(config.search_throttle, config.trusted_proxies, throttle_store, &state.db),
            crate::page_throttle::throttle_expensive_pages,
        ))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(page_cache, crate::page_cache::serve_cached))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, config.limits.request_timeout))
        .layer(axum::middleware::from_fn_with_state(security, crate::security::security_middleware))
        .layer(axum::middleware::from_fn(crate::access_log::access_log))
        .layer(
            // The span names the matched route (recorded by the access log once routing is done),
            // never the raw path: paths can carry secrets such as password-reset tokens.
            TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                let request_id =
                    request.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
                tracing::info_span!("request", method = %request.method(), route = tracing::field::Empty, request_id)
            }),
        )
        .layer(axum::middleware::from_fn_with_state(config.trusted_proxies, crate::request_id::assign_request_id))
        .with_state(state)
}

/// The name cargo-leptos gives the site's bundle (`output-name` in Cargo.toml): `folio.js`,
/// `folio.wasm`, `folio.css`, with a content hash before the extension in a hashed build.
const OUTPUT_NAME: &str = "folio";

/// The hashed names of the built site in `pkg_dir` and the hash file written for Leptos (see
/// [`crate::assets::HashedNames`]), or `None` for a build without hashes. A folder that cannot be
/// read or a hash file that cannot be written is logged and the plain names are used.
fn hashed_site_files(
    site_root: &std::path::Path,
    pkg_dir: &std::path::Path,
) -> Option<(crate::assets::HashedNames, std::path::PathBuf)> {
    let names = crate::assets::HashedNames::find(pkg_dir, OUTPUT_NAME)
        .inspect_err(|error| {
            tracing::warn!(folder = %pkg_dir.display(), %error, "cannot read the built site's files");
        })
        .ok()??;
    match names.write_hash_file(site_root) {
        Ok(path) => Some((names, path)),
        Err(error) => {
            tracing::warn!(%error, "cannot write the hash file of the built site's file names");
            None
        }
    }
}

/// The app's route list, generated once per process.
///
/// Generating it renders the app once with resource loading suppressed through a process-wide
/// flag in leptos_server (leptos issue #4773): a resource first polled by another server in the
/// same process during that window never resolves and its response never ends. One generation
/// per process, before any server of the process serves, rules that out (it matters where
/// several servers share a process, as the integration tests do).
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Gives Leptos this response's CSP nonce (set by the security middleware), so the scripts it
/// writes carry the nonce the `Content-Security-Policy` header allows.
fn provide_csp_nonce() {
    use leptos::prelude::{provide_context, use_context};
    if let Some(parts) = use_context::<axum::http::request::Parts>() {
        if let Some(nonce) = parts.extensions.get::<CspNonce>() {
            provide_context(leptos::nonce::Nonce::from_value(nonce.0.clone()));
        }
    }
}

/// The key from `FOLIO_SECRET_KEY`, or the development key kept in `site_settings` (see
/// [`development_secret_key`]; `folio check --deploy` reports it).
async fn resolve_secret_key(config: &Config, db: &Db) -> Result<SecretKey, StartupError> {
    if let Some(secret) = &config.secret_key {
        return Ok(SecretKey::new(secret.expose().as_bytes().to_vec()));
    }
    let key = development_secret_key(db)
        .await
        .map_err(|e| StartupError::SecretKey(e.to_string()))?;
    tracing::warn!("FOLIO_SECRET_KEY is not set: using a development key kept in the database");
    Ok(key)
}

/// The development secret key kept in the database, generated by whichever server starts first.
///
/// Several servers may start at once on one database: each proposes a key with an insert that
/// does nothing when a key is already there, then every one of them uses the key that was
/// stored, so all sign the same way (a key chosen per process would sign one server's sessions
/// and CSRF tokens in a way the others refuse).
///
/// # Errors
/// The driver's error.
pub async fn development_secret_key(db: &Db) -> Result<SecretKey, sqlx::Error> {
    let mut conn = db.acquire_write().await?;
    let proposed = format!("{}{}", tokens::generate(), tokens::generate());
    settings::insert_if_missing(conn.conn(), DEV_SECRET_SETTING, &proposed).await?;
    let stored = settings::get(conn.conn(), DEV_SECRET_SETTING)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    Ok(SecretKey::new(stored.into_bytes()))
}

/// The `site_settings` key of the generated development secret.
pub const DEV_SECRET_SETTING: &str = "development_secret_key";

/// The site's name, description and base URL from the configuration.
pub fn site_info(config: &Config) -> SiteInfo {
    SiteInfo {
        title: config.site_title.clone(),
        description: config.site_description.clone(),
        base_url: config.site_url.clone(),
    }
}

/// What background jobs need, for `db`: its queue, the mailer, the site and `secret_key`.
///
/// # Errors
/// [`StartupError::Mail`] for unusable mail settings.
pub fn job_context(
    config: &Config,
    db: &Db,
    secret_key: SecretKey,
) -> Result<crate::jobs::JobContext, StartupError> {
    Ok(crate::jobs::JobContext {
        db: db.clone(),
        queue: app::ssr::jobs::JobQueue::new(db.clone()),
        mailer: mailer(config)?,
        site: site_info(config),
        secret_key,
        mail_rate: config.mail_rate,
    })
}

/// The secret key in use: `FOLIO_SECRET_KEY`, else the development key kept in the database.
///
/// # Errors
/// [`StartupError::SecretKey`] when the development key cannot be read or stored.
pub async fn secret_key(config: &Config, db: &Db) -> Result<SecretKey, StartupError> {
    resolve_secret_key(config, db).await
}

/// Where Folio's email goes: the SMTP server of `FOLIO_SMTP_URL`, else `.eml` files in
/// `FOLIO_MAIL_DIR`.
///
/// # Errors
/// [`StartupError::Mail`] for a bad URL or sender.
pub fn mailer(config: &Config) -> Result<app::ssr::mail::Mailer, StartupError> {
    Ok(match &config.smtp_url {
        Some(url) => app::ssr::mail::Mailer::smtp(url.expose(), &config.mail_from)?,
        None => app::ssr::mail::Mailer::folder(config.mail_dir.clone(), &config.mail_from)?,
    })
}

/// Resolves when SIGTERM or Ctrl-C arrives.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
