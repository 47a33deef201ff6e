//! The command line: `folio [serve]`, `folio migrate`, `folio import markdown <DIR>...`,
//! `folio import wordpress <FILE>...`, `folio import ghost <FILE>...`, `folio export markdown <DIR>`,
//! `folio export ghost <FILE>`,
//! `folio createsuperuser`, `folio changepassword <email>`, `folio check [--deploy]`,
//! `folio clearsessions`, `folio search reindex`, `folio worker`, `folio jobs ...`.
//!
//! Each subcommand is one variant of [`Command`]; later features add theirs beside them.
//! Failures print one line, `error: <setting or path>: <cause>`, and exit with status 1.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Config;

/// Folio: a blog and publishing platform.
#[derive(Debug, Parser)]
#[command(name = "folio", version, about, long_about = None)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Ask the server at FOLIO_ADDR for /healthz: exit 0 when it is healthy, 1 otherwise (for
    /// container HEALTHCHECKs; needs no curl).
    Healthcheck,
    /// Import content from other systems.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export the whole site to files another system (or another Folio) reads.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Create an administrator (superuser) account.
    Createsuperuser {
        /// Do not prompt: needs --email and --username, and the password in FOLIO_SUPERUSER_PASSWORD.
        #[arg(long = "no-input", alias = "noinput")]
        no_input: bool,
        /// The email address.
        #[arg(long)]
        email: Option<String>,
        /// The username.
        #[arg(long)]
        username: Option<String>,
    },
    /// Set a user's password (asked twice); their sessions and reset links end.
    Changepassword {
        /// The user's email address.
        email: String,
    },
    /// Check the configuration; with --deploy, also whether it is fit for production.
    Check {
        /// List every setting that is not fit for production; exit 1 if there is any.
        #[arg(long)]
        deploy: bool,
    },
    /// Delete expired sessions, tokens, old throttling records and old finished jobs now (the
    /// workers also do it hourly).
    Clearsessions,
    /// Look after the full-text search index.
    #[command(subcommand)]
    Search(SearchCommand),
    /// Run background jobs (email, periodic clean-up, search upkeep) without serving pages,
    /// until SIGTERM or Ctrl-C. Several workers may run at once: each job is taken by one.
    Worker {
        /// Jobs run at once (default: FOLIO_WORKERS, or 2 when that is 0).
        #[arg(long)]
        concurrency: Option<usize>,
    },
    /// Look at and manage background jobs.
    #[command(subcommand)]
    Jobs(JobsCommand),
}

/// What `folio jobs` can do.
#[derive(Debug, Subcommand)]
pub enum JobsCommand {
    /// List jobs, newest first, with their state, attempts and last error.
    List {
        /// Only jobs in this state.
        #[arg(long, value_parser = ["queued", "running", "done", "failed", "cancelled"])]
        status: Option<String>,
        /// Only jobs of this kind (send_email, clean_up, optimize_search_index).
        #[arg(long)]
        kind: Option<String>,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Queue a failed or cancelled job again, with its attempts counted afresh.
    Retry {
        /// The job's id.
        id: i64,
    },
    /// Cancel a queued job (a running job finishes its attempt).
    Cancel {
        /// The job's id.
        id: i64,
    },
    /// Run one of the periodic jobs now, in this process.
    Run {
        /// Which job.
        job: PeriodicJob,
    },
}

/// The periodic jobs `folio jobs run` can start by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PeriodicJob {
    /// Delete expired sessions, tokens, throttling records and old finished jobs.
    CleanUp,
    /// Merge the search index's segments (SQLite) or refresh its statistics (PostgreSQL).
    OptimizeSearchIndex,
    /// Queue the newsletters of posts that became public (the workers send them).
    NewsletterSweep,
}

/// What `folio search` can do.
#[derive(Debug, Subcommand)]
pub enum SearchCommand {
    /// Rebuild the index of every post from the posts, their tags and text (writes keep it in
    /// step; this is for an index restored from an old backup or after a change of the rules).
    Reindex {
        /// Print no progress bar.
        #[arg(long)]
        quiet: bool,
    },
}

/// What `folio import` can read.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import Markdown files with TOML (+++) or YAML (---) front matter, searching folders recursively.
    Markdown {
        /// Folders or files to import.
        #[arg(required = true, value_name = "DIR")]
        paths: Vec<PathBuf>,
        /// Category for posts whose front matter names none.
        #[arg(long, value_name = "NAME")]
        category: Option<String>,
    },
    /// Import WordPress exports (Tools → Export, WXR 1.1/1.2): posts, pages, categories, tags,
    /// authors and old URLs.
    Wordpress {
        /// Export files (.xml).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// A copy of the site's wp-content/uploads: its images go into the media library.
        #[arg(long, value_name = "DIR")]
        media_dir: Option<PathBuf>,
    },
    /// Import Ghost exports (Settings → Labs → Export your content, Ghost 2.x to 5.x): posts,
    /// pages, tags, authors, SEO fields and old URLs.
    Ghost {
        /// Export files (.json).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The old Ghost site's address, put where the export says __GHOST_URL__ (else links and
        /// images become root-relative on this site).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        /// Ghost's redirects.json or redirects.yaml: its plain-path rules to imported posts are kept.
        #[arg(long, value_name = "FILE")]
        redirects: Option<PathBuf>,
    },
}

/// What `folio export` can write.
#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Every post and page as Markdown with TOML front matter (read back by `folio import
    /// markdown`, Zola and Hugo), uploads under static/media.
    Markdown {
        /// A new or empty folder.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Every post and page as a Ghost 5.x export file, for Ghost's "Import content".
    Ghost {
        /// A new file (.json).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// Loads `.env`, parses the command line, runs the command and turns any failure into one line
/// on stderr and exit status 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(e) = dotenvy::dotenv() {
        if !e.not_found() {
            eprintln!("error: .env: {e}");
            return ExitCode::FAILURE;
        }
    }
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    crate::telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> Result<ExitCode, String> {
    match command {
        Command::Serve => {
            let app = crate::startup::Application::build(&config)
                .await
                .map_err(|e| e.to_string())?;
            app.run_until_stopped()
                .await
                .map_err(|e| format!("FOLIO_ADDR: server failed: {e}"))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Healthcheck => {
            crate::healthcheck::check(config.addr).await?;
            println!("ok");
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let db = open_database(&config).await?;
            db.close().await;
            println!(
                "Migrations applied to {} ({}).",
                config.database_url.redacted(),
                db.backend().name()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Createsuperuser {
            no_input,
            email,
            username,
        } => {
            let db = open_database(&config).await?;
            let result = crate::manage::create_superuser(&db, email, username, no_input).await;
            db.close().await;
            result.map(|()| ExitCode::SUCCESS)
        }
        Command::Changepassword { email } => {
            let db = open_database(&config).await?;
            let result = crate::manage::change_password(&db, &email).await;
            db.close().await;
            result.map(|()| ExitCode::SUCCESS)
        }
        Command::Check { deploy } => {
            let db = open_database(&config).await?;
            db.close().await;
            // The media store must take a file and give it back (a folder: writable; a bucket:
            // reachable with these credentials).
            let media = crate::startup::media_store(&config).map_err(|e| e.to_string())?;
            media
                .probe()
                .await
                .map_err(|e| format!("media store {}: {e}", media.describe()))?;
            let issues = if deploy {
                crate::manage::deploy_issues(&config)
            } else {
                Vec::new()
            };
            let found = crate::manage::print_issues(&issues);
            Ok(if found {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Worker { concurrency } => run_worker(&config, concurrency).await,
        Command::Jobs(command) => {
            let db = open_database(&config).await?;
            let result = crate::manage::jobs(&config, &db, command).await;
            db.close().await;
            result.map(|()| ExitCode::SUCCESS)
        }
        Command::Clearsessions => {
            let db = open_database(&config).await?;
            let cleaned = crate::jobs::clean_up(&db)
                .await
                .map_err(|e| format!("DATABASE_URL: {e}"))?;
            db.close().await;
            println!(
                "Deleted {} expired sessions, {} expired tokens, {} old throttling records, {} old jobs.",
                cleaned.sessions, cleaned.tokens, cleaned.throttle_events, cleaned.jobs
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Search(SearchCommand::Reindex { quiet }) => {
            let db = open_database(&config).await?;
            let result = crate::manage::reindex_search(&db, !quiet).await;
            db.close().await;
            let (indexed, removed) = result?;
            println!(
                "Search index rebuilt: {indexed} posts indexed, {removed} stale entries removed."
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(ExportCommand::Markdown { dir }) => {
            let db = open_database(&config).await?;
            let media = crate::startup::media_store(&config).map_err(|e| e.to_string())?;
            let result = crate::export::export_markdown(&db, &media, &dir).await;
            db.close().await;
            let summary = result.map_err(|e| format!("export: {e}"))?;
            for name in &summary.missing_media {
                eprintln!("note: media/{name} is shown by a post but is not in the media store");
            }
            println!("Export finished: {} in {}.", summary.line(), dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Export(ExportCommand::Ghost { file }) => {
            let db = open_database(&config).await?;
            let result = crate::export::ghost::export_ghost(&db, &config.site_url, &file).await;
            db.close().await;
            let summary = result.map_err(|e| format!("export: {e}"))?;
            println!(
                "Export finished: {} posts, {} pages, {} undated drafts in {}.",
                summary.posts,
                summary.pages,
                summary.drafts,
                file.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(command) => {
            let db = open_database(&config).await?;
            // This process serves no pages: its change events only count what changed.
            let events = app::ssr::posts::PostEvents::new();
            let posts = app::ssr::posts::Posts::new(&db, &events);
            let summary = match command {
                ImportCommand::Markdown { paths, category } => {
                    let options = crate::import::ImportOptions {
                        paths,
                        category,
                        progress: true,
                    };
                    crate::import::import_markdown(&posts, &options).await
                }
                ImportCommand::Ghost {
                    files,
                    url,
                    redirects,
                } => {
                    let options = crate::import::ghost::GhostOptions {
                        files,
                        url,
                        redirects,
                    };
                    crate::import::ghost::import_ghost(&posts, &options).await
                }
                ImportCommand::Wordpress { files, media_dir } => {
                    let media = match media_dir {
                        Some(uploads) => Some(crate::import::wordpress::MediaImport {
                            uploads,
                            store: crate::startup::media_store(&config)
                                .map_err(|e| e.to_string())?,
                            max_bytes: config.media_max_bytes,
                        }),
                        None => None,
                    };
                    let options = crate::import::wordpress::WordPressOptions {
                        files,
                        progress: true,
                        media,
                    };
                    crate::import::wordpress::import_wordpress(&posts, &options).await
                }
            }
            .map_err(|e| e.to_string())?;
            // Servers running on the same PostgreSQL drop their cached pages now rather than at
            // their cache's maximum age.
            if events.sent() > 0 {
                if let Err(error) = crate::cluster::announce_once(&db).await {
                    eprintln!("warning: running servers were not told of the import: {error}");
                }
            }
            db.close().await;
            for (path, note) in &summary.notes {
                eprintln!("note: {}: {note}", path.display());
            }
            for (path, reason) in &summary.failed {
                eprintln!("error: {}: {reason}", path.display());
            }
            println!("Import finished: {}.", summary.line());
            Ok(if summary.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
    }
}

/// `folio worker`: runs the job workers and the periodic schedule until SIGTERM or Ctrl-C, then
/// stops them gracefully.
async fn run_worker(config: &Config, concurrency: Option<usize>) -> Result<ExitCode, String> {
    let db = open_database(config).await?;
    let key = crate::startup::secret_key(config, &db)
        .await
        .map_err(|e| e.to_string())?;
    let jobs = crate::startup::job_context(config, &db, key).map_err(|e| e.to_string())?;
    let mut settings = config.workers;
    settings.concurrency = concurrency.unwrap_or(if settings.concurrency == 0 {
        2
    } else {
        settings.concurrency
    });
    if settings.concurrency == 0 {
        return Err("--concurrency: must be at least 1".to_string());
    }
    let workers = crate::jobs::Workers::start(jobs, settings, crate::jobs::schedule());
    crate::startup::shutdown_signal().await;
    workers.stop().await;
    db.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Opens and migrates the database for a command.
async fn open_database(config: &Config) -> Result<app::ssr::db::Db, String> {
    let db = app::ssr::db::Db::connect(config.database_url.expose())
        .await
        .map_err(|e| format!("DATABASE_URL: {e}"))?;
    db.migrate()
        .await
        .map_err(|e| format!("DATABASE_URL: {e}"))?;
    Ok(db)
}
