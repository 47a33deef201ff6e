//! Typed configuration from environment variables (and an optional `.env` file, loaded by the CLI).
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `FOLIO_ADDR` | `127.0.0.1:3000` | address and port to listen on |
//! | `DATABASE_URL` | `sqlite://data/folio.db` | `sqlite://<file>` or `postgres://user@host/db` |
//! | `FOLIO_SITE_URL` | `http://<FOLIO_ADDR>` | public base URL, for canonical links, feeds, sitemap |
//! | `FOLIO_SITE_TITLE` | `Folio` | site name |
//! | `FOLIO_SITE_DESCRIPTION` | `A blog published with Folio.` | one-line description |
//! | `FOLIO_SITE_ROOT` | see [`default_site_root`] | folder holding the built `pkg/` assets |
//! | `FOLIO_LOG_FORMAT` | `text` | `text` or `json` |
//! | `RUST_LOG` | `info` | log filter (tracing's `EnvFilter` syntax) |
//! | `FOLIO_SECRET_KEY` | generated, kept in the database | signs CSRF tokens and session ties (≥ 50 characters in production) |
//! | `FOLIO_ALLOWED_HOSTS` | the site URL's host, `localhost`, `127.0.0.1`, `[::1]` | comma-separated `Host` values served (`.example.org` for subdomains too, `*` for any) |
//! | `FOLIO_SECURE_COOKIES` | `true` when the site URL is `https://` | cookies only over HTTPS |
//! | `FOLIO_HSTS_SECONDS` | `31536000` when the site URL is `https://` | `Strict-Transport-Security` max-age (0: none) |
//! | `FOLIO_SESSION_AGE` | `1209600` (two weeks) | seconds an unused session lives |
//! | `FOLIO_TRUSTED_PROXIES` | `0` | reverse proxies in front of Folio that append to `X-Forwarded-For` (and set `X-Forwarded-Proto`) |
//! | `FOLIO_SSL_REDIRECT` | `false` | redirect plain-HTTP requests to the `https://` site URL (Django's `SECURE_SSL_REDIRECT`) |
//! | `FOLIO_SMTP_URL` | none | `smtp://user:pass@host:587` (STARTTLS) or `smtps://…`; without it, email goes to `FOLIO_MAIL_DIR` |
//! | `FOLIO_MAIL_DIR` | `data/mail` | folder of `.eml` files for development |
//! | `FOLIO_MAIL_FROM` | `Folio <noreply@localhost>` | sender of Folio's email |
//! | `FOLIO_MEDIA_DIR` | `data/media` | folder of uploaded images, served at `/media/` |
//! | `FOLIO_MEDIA_STORE` | none | `s3://bucket/prefix`: uploads in an S3-compatible store (`AWS_*` variables for credentials, region, endpoint) instead of `FOLIO_MEDIA_DIR` |
//! | `FOLIO_MEDIA_MAX_BYTES` | `10485760` (10 MB) | largest image upload accepted |
//! | `FOLIO_SIGNUP_THROTTLE` | `10/hour` | sign-ups per client address |
//! | `FOLIO_EMAIL_THROTTLE` | `10/hour` | emailed links (reset, verification) asked for per client address |
//! | `FOLIO_SEARCH_THROTTLE` | `60/minute` | search and sitemap requests per client address |
//! | `FOLIO_THROTTLE_STORE` | `database` on PostgreSQL, `memory` on SQLite | where the API and search rates are counted (`database`: shared by every process) |
//! | `FOLIO_PASSWORD_HASHERS` | cores of the machine | password hashes computed at once (19 MiB each) |
//! | `FOLIO_BUSY_WAIT` | `10` | seconds a request waits for a password-hashing or image slot before 503 |
//! | `FOLIO_IMAGE_WORKERS` | cores of the machine | uploaded images decoded or resized at once |
//! | `FOLIO_HEADER_TIMEOUT` | `10` | seconds a client has to send a request's headers |
//! | `FOLIO_REQUEST_TIMEOUT` | `30` | seconds a request may take until its response starts (408 after) |
//! | `FOLIO_SEND_TIMEOUT` | `30` | seconds a response body may wait on a client that stopped reading |
//! | `FOLIO_MAX_CONNECTIONS` | `4096` | open client connections at once (more wait in the listen queue) |
//! | `FOLIO_SHUTDOWN_TIMEOUT` | `20` | seconds requests in flight get to finish after SIGTERM |

use std::net::SocketAddr;
use std::path::PathBuf;

/// The default database: a SQLite file under `./data/`, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/folio.db";

/// The default listening address.
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";

/// A configuration value that cannot be used; `setting` names the variable.
#[derive(Debug, thiserror::Error)]
#[error("{setting}: {message}")]
pub struct ConfigError {
    /// The environment variable at fault.
    pub setting: &'static str,
    /// What is wrong with it.
    pub message: String,
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// A database URL whose password never appears in `Debug` output or logs.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The full URL, for the driver only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with its password replaced by `***`.
    pub fn redacted(&self) -> String {
        app::ssr::db::redact_url(&self.0)
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Everything Folio reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen. Port 0 picks a free port (tests).
    pub addr: SocketAddr,
    /// The database to use.
    pub database_url: DatabaseUrl,
    /// The public base URL, without a trailing slash.
    pub site_url: String,
    /// The site's name.
    pub site_title: String,
    /// The site's one-line description.
    pub site_description: String,
    /// The folder with the built site (`pkg/folio.js`, `pkg/folio_bg.wasm`, `pkg/folio.css`, public files).
    pub site_root: PathBuf,
    /// The log format.
    pub log_format: LogFormat,
    /// `FOLIO_SECRET_KEY`; `None` means a development key generated and kept in the database.
    pub secret_key: Option<Secret>,
    /// Host names served; anything else gets 400 (Django's `ALLOWED_HOSTS`).
    pub allowed_hosts: Vec<String>,
    /// Whether `FOLIO_ALLOWED_HOSTS` was set (else the development default is in use).
    pub allowed_hosts_configured: bool,
    /// Whether cookies are marked `Secure`.
    pub secure_cookies: bool,
    /// `Strict-Transport-Security` max-age in seconds; 0 sends none.
    pub hsts_seconds: u64,
    /// How long an unused session lives.
    pub session_age: std::time::Duration,
    /// Reverse proxies trusted to append to `X-Forwarded-For`.
    pub trusted_proxies: usize,
    /// `FOLIO_SSL_REDIRECT`: answer requests that did not come over HTTPS (as the trusted
    /// proxies' `X-Forwarded-Proto` says) with a 301 to the same path on the `https://` site URL.
    pub ssl_redirect: bool,
    /// `FOLIO_API_THROTTLE_ANON`: the REST API's rate per anonymous client address (default
    /// `60/minute`, DRF's notation).
    pub api_throttle_anon: crate::api::throttle::Rate,
    /// `FOLIO_API_THROTTLE_USER`: the REST API's rate per signed-in user (default `300/minute`).
    pub api_throttle_user: crate::api::throttle::Rate,
    /// `FOLIO_THROTTLE_STORE`: where the REST API's and the search pages' request rates are
    /// counted; `None` (unset) means the engine's default (the database on PostgreSQL, so every
    /// process counts the same; memory on SQLite).
    pub throttle_store: Option<crate::rate_limit::ThrottleStore>,
    /// `FOLIO_SMTP_URL`, if email goes to a mail server.
    pub smtp_url: Option<Secret>,
    /// Folder of `.eml` files when there is no SMTP server.
    pub mail_dir: PathBuf,
    /// Sender of Folio's email.
    pub mail_from: String,
    /// Folder of uploaded images (served at `/media/`).
    pub media_dir: PathBuf,
    /// `FOLIO_MEDIA_STORE`: `s3://bucket[/prefix]` keeps uploads in an S3-compatible store
    /// (credentials and endpoint from the standard `AWS_*` variables) instead of `media_dir`.
    pub media_store: Option<String>,
    /// The S3 client's settings found among [`S3_SETTINGS`] (name lower-cased, value), applied
    /// over what the `object_store` crate reads from the environment itself.
    pub media_store_settings: Vec<(String, Secret)>,
    /// Largest upload accepted, in bytes.
    pub media_max_bytes: u64,
    /// `FOLIO_SIGNUP_THROTTLE`: sign-ups per client address (default `10/hour`).
    pub signup_throttle: crate::api::throttle::Rate,
    /// `FOLIO_EMAIL_THROTTLE`: emailed links asked for per client address (default `10/hour`).
    pub email_throttle: crate::api::throttle::Rate,
    /// `FOLIO_SEARCH_THROTTLE`: search and sitemap requests per client address (default
    /// `60/minute`).
    pub search_throttle: crate::api::throttle::Rate,
    /// `FOLIO_PASSWORD_HASHERS`: password hashes computed at once (default: the machine's cores).
    pub password_hashers: usize,
    /// `FOLIO_BUSY_WAIT`: how long a request waits for a password-hashing or image slot before
    /// it is answered 503 (default 10 s).
    pub busy_wait: std::time::Duration,
    /// `FOLIO_IMAGE_WORKERS`: uploaded images decoded or resized at once (default: the cores).
    pub image_workers: usize,
    /// How long and how many: the server's timeouts and connection cap.
    pub limits: ServerLimits,
    /// `FOLIO_PAGE_CACHE_MB` (default 64; 0 turns it off), `FOLIO_PAGE_CACHE_SECONDS` (the
    /// longest a page is kept, default 300) and `FOLIO_PAGE_CDN_SECONDS` (`s-maxage` for shared
    /// caches in front, default 0): the page cache of anonymous readers' pages.
    pub page_cache: crate::page_cache::PageCacheSettings,
    /// `RUST_LOG` as set (for `folio check --deploy`).
    pub log_filter: Option<String>,
    /// `FOLIO_WORKERS` and the `FOLIO_JOB_*` settings: how background jobs run.
    pub workers: crate::jobs::WorkerSettings,
    /// `FOLIO_MAIL_RATE`: newsletter messages sent per second at most (default 10; 0: no
    /// limit), to stay under a mail provider's sending limits.
    pub mail_rate: Option<f64>,
}

/// The server's timeouts and connection cap (OWASP Denial of Service Cheat Sheet: no request,
/// connection or slow client may hold resources for ever).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// `FOLIO_HEADER_TIMEOUT`: a client must send a request's headers within this (slowloris);
    /// a kept-alive connection waiting for its next request is closed after this too.
    pub header_timeout: std::time::Duration,
    /// `FOLIO_REQUEST_TIMEOUT`: a request is answered 408 if its response has not started
    /// within this (reading a slow body included).
    pub request_timeout: std::time::Duration,
    /// `FOLIO_SEND_TIMEOUT`: a response body that the client has not taken for this long is
    /// abandoned and the connection closed.
    pub send_timeout: std::time::Duration,
    /// `FOLIO_MAX_CONNECTIONS`: client connections open at once; further ones wait in the
    /// operating system's listen queue until one closes.
    pub max_connections: usize,
    /// `FOLIO_SHUTDOWN_TIMEOUT`: after SIGTERM, requests in flight get this long to finish;
    /// then the remaining connections are closed and the process exits.
    pub shutdown_timeout: std::time::Duration,
}

/// The standard AWS variables the S3 media store takes (`FOLIO_MEDIA_STORE=s3://…`): credentials,
/// region, and for S3-compatible servers their endpoint, plain HTTP and addressing style.
pub const S3_SETTINGS: [&str; 9] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT",
    "AWS_ENDPOINT_URL",
    "AWS_ALLOW_HTTP",
    "AWS_VIRTUAL_HOSTED_STYLE_REQUEST",
];

/// A secret setting: never printed by `Debug`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// The value, for the code that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Config {
    /// Whether the public site is served over HTTPS.
    pub fn is_https(&self) -> bool {
        self.site_url.starts_with("https://")
    }
}

fn parse_number<T: std::str::FromStr>(
    setting: &'static str,
    value: Option<String>,
    default: T,
) -> Result<T, ConfigError> {
    match value {
        None => Ok(default),
        Some(text) => text.parse().map_err(|_| ConfigError {
            setting,
            message: format!("'{text}' is not a whole number"),
        }),
    }
}

/// A positive number of seconds, fractions allowed (`0.5`), at least `minimum`.
fn parse_seconds(
    setting: &'static str,
    value: Option<String>,
    default: f64,
    minimum: f64,
) -> Result<std::time::Duration, ConfigError> {
    let seconds = match value {
        None => default,
        Some(text) => text.trim().parse::<f64>().map_err(|_| ConfigError {
            setting,
            message: format!("'{text}' is not a number of seconds"),
        })?,
    };
    if !seconds.is_finite() || seconds < minimum || seconds > 1e9 {
        return Err(ConfigError {
            setting,
            message: format!("must be a number of seconds from {minimum} up"),
        });
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

fn parse_bool(
    setting: &'static str,
    value: Option<String>,
    default: bool,
) -> Result<bool, ConfigError> {
    match value.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => Err(ConfigError {
            setting,
            message: format!("'{other}' is not true or false"),
        }),
    }
}

/// The host part of an absolute URL, lower-cased, with `[]` around IPv6 addresses.
fn url_host(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    Some(match parsed.host()? {
        url::Host::Ipv6(ip) => format!("[{ip}]"),
        host => host.to_string().to_lowercase(),
    })
}

impl Config {
    /// Reads the configuration from the process environment.
    ///
    /// # Errors
    /// [`ConfigError`] naming the first variable that cannot be used.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    ///
    /// # Errors
    /// [`ConfigError`] naming the first variable that cannot be used.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |key: &str| {
            lookup(key)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let addr_text = get("FOLIO_ADDR").unwrap_or_else(|| DEFAULT_ADDR.to_string());
        let addr: SocketAddr = addr_text.parse().map_err(|e| ConfigError {
            setting: "FOLIO_ADDR",
            message: format!("'{addr_text}' is not an address like 127.0.0.1:3000 ({e})"),
        })?;
        let database_url = get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(ConfigError {
                setting: "DATABASE_URL",
                message: format!(
                    "'{}' is not a sqlite:// or postgres:// URL",
                    app::ssr::db::redact_url(&database_url)
                ),
            });
        }
        let site_url = match get("FOLIO_SITE_URL") {
            Some(url) => {
                let parsed = url::Url::parse(&url).map_err(|e| ConfigError {
                    setting: "FOLIO_SITE_URL",
                    message: format!("'{url}' is not an absolute URL ({e})"),
                })?;
                if !matches!(parsed.scheme(), "http" | "https") {
                    return Err(ConfigError {
                        setting: "FOLIO_SITE_URL",
                        message: "must start with http:// or https://".into(),
                    });
                }
                url.trim_end_matches('/').to_string()
            }
            None => {
                let host = if addr.ip().is_unspecified() {
                    "localhost".to_string()
                } else {
                    addr.ip().to_string()
                };
                let host = if addr.is_ipv6() && !addr.ip().is_unspecified() {
                    format!("[{host}]")
                } else {
                    host
                };
                format!("http://{host}:{}", addr.port())
            }
        };
        let log_format = match get("FOLIO_LOG_FORMAT")
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError {
                    setting: "FOLIO_LOG_FORMAT",
                    message: format!("'{other}' is not 'text' or 'json'"),
                })
            }
        };
        let site_root = get("FOLIO_SITE_ROOT")
            .or_else(|| get("LEPTOS_SITE_ROOT"))
            .map(PathBuf::from)
            .unwrap_or_else(default_site_root);
        let https = site_url.starts_with("https://");
        let configured_hosts = get("FOLIO_ALLOWED_HOSTS").map(|hosts| {
            hosts
                .split(',')
                .map(|h| h.trim().to_lowercase())
                .filter(|h| !h.is_empty())
                .collect::<Vec<_>>()
        });
        let allowed_hosts_configured = configured_hosts.is_some();
        let allowed_hosts = configured_hosts.unwrap_or_else(|| {
            let mut hosts: Vec<String> = ["localhost", "127.0.0.1", "[::1]"]
                .map(String::from)
                .to_vec();
            if let Some(host) = url_host(&site_url) {
                if !hosts.contains(&host) {
                    hosts.push(host);
                }
            }
            hosts
        });
        let secret_key = get("FOLIO_SECRET_KEY").map(Secret);
        let secure_cookies =
            parse_bool("FOLIO_SECURE_COOKIES", get("FOLIO_SECURE_COOKIES"), https)?;
        let hsts_seconds = parse_number(
            "FOLIO_HSTS_SECONDS",
            get("FOLIO_HSTS_SECONDS"),
            if https { 31_536_000 } else { 0 },
        )?;
        let session_age_secs: u64 =
            parse_number("FOLIO_SESSION_AGE", get("FOLIO_SESSION_AGE"), 1_209_600)?;
        if session_age_secs < 60 {
            return Err(ConfigError {
                setting: "FOLIO_SESSION_AGE",
                message: "must be at least 60 seconds".into(),
            });
        }
        let trusted_proxies =
            parse_number("FOLIO_TRUSTED_PROXIES", get("FOLIO_TRUSTED_PROXIES"), 0)?;
        let ssl_redirect = parse_bool("FOLIO_SSL_REDIRECT", get("FOLIO_SSL_REDIRECT"), false)?;
        if ssl_redirect && !https {
            return Err(ConfigError {
                setting: "FOLIO_SSL_REDIRECT",
                message: "needs an https:// FOLIO_SITE_URL to redirect to".into(),
            });
        }
        if ssl_redirect && trusted_proxies == 0 {
            return Err(ConfigError {
                setting: "FOLIO_SSL_REDIRECT",
                message: "needs FOLIO_TRUSTED_PROXIES of 1 or more: Folio serves plain HTTP, so only \
                          the proxy in front (X-Forwarded-Proto) can say a request came over HTTPS; \
                          without one every request would be redirected, forever"
                    .into(),
            });
        }
        let rate = |setting: &'static str, default: &str| {
            crate::api::throttle::Rate::parse(&get(setting).unwrap_or_else(|| default.to_string()))
                .map_err(|message| ConfigError { setting, message })
        };
        let api_throttle_anon = rate("FOLIO_API_THROTTLE_ANON", "60/minute")?;
        let api_throttle_user = rate("FOLIO_API_THROTTLE_USER", "300/minute")?;
        let throttle_store = get("FOLIO_THROTTLE_STORE")
            .map(|value| crate::rate_limit::ThrottleStore::parse(&value))
            .transpose()
            .map_err(|message| ConfigError {
                setting: "FOLIO_THROTTLE_STORE",
                message,
            })?;
        let smtp_url = get("FOLIO_SMTP_URL").map(Secret);
        let mail_dir = get("FOLIO_MAIL_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("data/mail"));
        let mail_from =
            get("FOLIO_MAIL_FROM").unwrap_or_else(|| "Folio <noreply@localhost>".to_string());
        let media_dir = get("FOLIO_MEDIA_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("data/media"));
        let media_store = get("FOLIO_MEDIA_STORE").filter(|v| !v.trim().is_empty());
        if let Some(url) = &media_store {
            if !url.starts_with("s3://") {
                return Err(ConfigError {
                    setting: "FOLIO_MEDIA_STORE",
                    message: format!(
                        "'{url}' is not an s3://bucket/prefix URL (unset it to keep media in FOLIO_MEDIA_DIR)"
                    ),
                });
            }
        }
        let media_store_settings = S3_SETTINGS
            .iter()
            .filter_map(|name| get(name).map(|value| (name.to_ascii_lowercase(), Secret(value))))
            .collect();
        let media_max_bytes = parse_number(
            "FOLIO_MEDIA_MAX_BYTES",
            get("FOLIO_MEDIA_MAX_BYTES"),
            app::ssr::media::DEFAULT_MAX_BYTES,
        )?;
        if media_max_bytes == 0 {
            return Err(ConfigError {
                setting: "FOLIO_MEDIA_MAX_BYTES",
                message: "must be at least 1 byte".into(),
            });
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let at_least_one = |setting: &'static str, value: usize| {
            if value == 0 {
                Err(ConfigError {
                    setting,
                    message: "must be at least 1".into(),
                })
            } else {
                Ok(value)
            }
        };
        let seconds = |setting: &'static str, default: u64, minimum: u64| {
            let value: u64 = parse_number(setting, get(setting), default)?;
            if value < minimum {
                return Err(ConfigError {
                    setting,
                    message: format!("must be at least {minimum}"),
                });
            }
            Ok(std::time::Duration::from_secs(value))
        };
        let signup_throttle = rate("FOLIO_SIGNUP_THROTTLE", "10/hour")?;
        let email_throttle = rate("FOLIO_EMAIL_THROTTLE", "10/hour")?;
        let search_throttle = rate("FOLIO_SEARCH_THROTTLE", "60/minute")?;
        let password_hashers = at_least_one(
            "FOLIO_PASSWORD_HASHERS",
            parse_number(
                "FOLIO_PASSWORD_HASHERS",
                get("FOLIO_PASSWORD_HASHERS"),
                cores,
            )?,
        )?;
        let busy_wait = seconds("FOLIO_BUSY_WAIT", 10, 0)?;
        let image_workers = at_least_one(
            "FOLIO_IMAGE_WORKERS",
            parse_number("FOLIO_IMAGE_WORKERS", get("FOLIO_IMAGE_WORKERS"), cores)?,
        )?;
        let limits = ServerLimits {
            header_timeout: seconds("FOLIO_HEADER_TIMEOUT", 10, 1)?,
            request_timeout: seconds("FOLIO_REQUEST_TIMEOUT", 30, 1)?,
            send_timeout: seconds("FOLIO_SEND_TIMEOUT", 30, 1)?,
            max_connections: at_least_one(
                "FOLIO_MAX_CONNECTIONS",
                parse_number("FOLIO_MAX_CONNECTIONS", get("FOLIO_MAX_CONNECTIONS"), 4096)?,
            )?,
            shutdown_timeout: seconds("FOLIO_SHUTDOWN_TIMEOUT", 20, 0)?,
        };
        let page_cache = crate::page_cache::PageCacheSettings {
            max_bytes: parse_number::<u64>("FOLIO_PAGE_CACHE_MB", get("FOLIO_PAGE_CACHE_MB"), 64)?
                .saturating_mul(1024 * 1024),
            max_age: seconds("FOLIO_PAGE_CACHE_SECONDS", 300, 1)?,
            shared_max_age: seconds("FOLIO_PAGE_CDN_SECONDS", 0, 0)?,
        };
        let workers = crate::jobs::WorkerSettings {
            concurrency: parse_number("FOLIO_WORKERS", get("FOLIO_WORKERS"), 2)?,
            poll_interval: parse_seconds(
                "FOLIO_JOB_POLL_SECONDS",
                get("FOLIO_JOB_POLL_SECONDS"),
                1.0,
                0.01,
            )?,
            retry_base: parse_seconds(
                "FOLIO_JOB_RETRY_SECONDS",
                get("FOLIO_JOB_RETRY_SECONDS"),
                10.0,
                0.01,
            )?,
            retry_max: parse_seconds(
                "FOLIO_JOB_RETRY_MAX_SECONDS",
                get("FOLIO_JOB_RETRY_MAX_SECONDS"),
                3600.0,
                0.01,
            )?,
            lease: parse_seconds(
                "FOLIO_JOB_LEASE_SECONDS",
                get("FOLIO_JOB_LEASE_SECONDS"),
                60.0,
                0.3,
            )?,
            shutdown_timeout: limits.shutdown_timeout,
        };
        let mail_rate = match get("FOLIO_MAIL_RATE") {
            None => Some(10.0),
            Some(text) => match text.trim().parse::<f64>() {
                Ok(0.0) => None,
                Ok(rate) if rate.is_finite() && rate > 0.0 => Some(rate),
                _ => {
                    return Err(ConfigError {
                        setting: "FOLIO_MAIL_RATE",
                        message: format!(
                            "'{text}' is not a number of messages per second (0: no limit)"
                        ),
                    })
                }
            },
        };
        Ok(Self {
            mail_rate,
            workers,
            page_cache,
            signup_throttle,
            email_throttle,
            search_throttle,
            password_hashers,
            busy_wait,
            image_workers,
            limits,
            media_dir,
            media_store,
            media_store_settings,
            media_max_bytes,
            addr,
            database_url: DatabaseUrl(database_url),
            secret_key,
            allowed_hosts,
            allowed_hosts_configured,
            secure_cookies,
            hsts_seconds,
            session_age: std::time::Duration::from_secs(session_age_secs),
            trusted_proxies,
            ssl_redirect,
            api_throttle_anon,
            throttle_store,
            api_throttle_user,
            smtp_url,
            mail_dir,
            mail_from,
            log_filter: get("RUST_LOG"),
            site_url,
            site_title: get("FOLIO_SITE_TITLE").unwrap_or_else(|| "Folio".to_string()),
            site_description: get("FOLIO_SITE_DESCRIPTION")
                .unwrap_or_else(|| "A blog published with Folio.".to_string()),
            site_root,
            log_format,
        })
    }
}

/// Where the built site is when `FOLIO_SITE_ROOT` is not set: a `site` folder next to the
/// executable (a deployment), else `../site` from it (the binary in `target/release/` or
/// `target/debug/`, the site in `target/site/`), else `target/site` under the working directory.
pub fn default_site_root() -> PathBuf {
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(PathBuf::from))
    {
        for candidate in [dir.join("site"), dir.join("../site")] {
            if candidate.join("pkg").is_dir() {
                return candidate;
            }
        }
    }
    PathBuf::from("target/site")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_the_embedded_setup() {
        let c = config(&[]).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url.expose(), DEFAULT_DATABASE_URL);
        assert_eq!(c.site_url, "http://127.0.0.1:3000");
        assert_eq!(c.log_format, LogFormat::Text);
    }

    #[test]
    fn bad_values_name_their_setting() {
        assert_eq!(
            config(&[("FOLIO_ADDR", "nowhere")]).unwrap_err().setting,
            "FOLIO_ADDR"
        );
        assert_eq!(
            config(&[("DATABASE_URL", "mysql://x")])
                .unwrap_err()
                .setting,
            "DATABASE_URL"
        );
        assert_eq!(
            config(&[("FOLIO_SITE_URL", "ftp://x")])
                .unwrap_err()
                .setting,
            "FOLIO_SITE_URL"
        );
        assert_eq!(
            config(&[("FOLIO_LOG_FORMAT", "xml")]).unwrap_err().setting,
            "FOLIO_LOG_FORMAT"
        );
    }

    #[test]
    fn database_password_is_redacted() {
        let c = config(&[("DATABASE_URL", "postgres://folio:secret@db/folio")]).unwrap();
        assert!(!format!("{c:?}").contains(":secret@"));
        let e = config(&[("DATABASE_URL", "mysql://u:secret@h/d")]).unwrap_err();
        assert!(!e.to_string().contains("secret"));
    }

    #[test]
    fn https_turns_on_secure_cookies_and_hsts() {
        let c = config(&[("FOLIO_SITE_URL", "https://blog.example.org")]).unwrap();
        assert!(c.secure_cookies);
        assert_eq!(c.hsts_seconds, 31_536_000);
        assert!(c.allowed_hosts.contains(&"blog.example.org".to_string()));
        let c = config(&[]).unwrap();
        assert!(!c.secure_cookies);
        assert_eq!(c.hsts_seconds, 0);
        assert!(!c.allowed_hosts_configured);
    }

    #[test]
    fn security_settings_are_checked() {
        let c = config(&[("FOLIO_ALLOWED_HOSTS", "Blog.Example.org, .example.net")]).unwrap();
        assert_eq!(c.allowed_hosts, vec!["blog.example.org", ".example.net"]);
        assert_eq!(
            config(&[("FOLIO_SESSION_AGE", "soon")])
                .unwrap_err()
                .setting,
            "FOLIO_SESSION_AGE"
        );
        assert_eq!(
            config(&[("FOLIO_SECURE_COOKIES", "maybe")])
                .unwrap_err()
                .setting,
            "FOLIO_SECURE_COOKIES"
        );
        let c = config(&[
            ("FOLIO_SECRET_KEY", "k".repeat(60).as_str()),
            ("FOLIO_SMTP_URL", "smtp://u:pw@mail"),
        ])
        .unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("kkkk") && !shown.contains("pw@"), "{shown}");
    }

    #[test]
    fn site_url_loses_trailing_slash() {
        let c = config(&[("FOLIO_SITE_URL", "https://blog.example.org/")]).unwrap();
        assert_eq!(c.site_url, "https://blog.example.org");
    }
}
