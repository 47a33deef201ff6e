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
        Ok(Self {
            addr,
            database_url: DatabaseUrl(database_url),
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
        assert!(!format!("{c:?}").contains("secret"));
        let e = config(&[("DATABASE_URL", "mysql://u:secret@h/d")]).unwrap_err();
        assert!(!e.to_string().contains("secret"));
    }

    #[test]
    fn site_url_loses_trailing_slash() {
        let c = config(&[("FOLIO_SITE_URL", "https://blog.example.org/")]).unwrap();
        assert_eq!(c.site_url, "https://blog.example.org");
    }
}
