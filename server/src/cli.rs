//! The command line: `folio [serve]`, `folio migrate`, `folio import markdown <DIR>...`,
//! `folio createsuperuser`, `folio changepassword <email>`, `folio check [--deploy]`,
//! `folio clearsessions`.
//!
//! Each subcommand is one variant of [`Command`]; later features add theirs beside them.
//! Failures print one line, `error: <setting or path>: <cause>`, and exit with status 1.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    /// Import content from other systems.
    #[command(subcommand)]
    Import(ImportCommand),
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
    /// Delete expired sessions, tokens and old sign-in failures now (the server also does it hourly).
    Clearsessions,
    /// Look after the full-text search index.
    #[command(subcommand)]
    Search(SearchCommand),
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
        Command::Clearsessions => {
            let db = open_database(&config).await?;
            let cleaned = crate::jobs::clean_up(&db)
                .await
                .map_err(|e| format!("DATABASE_URL: {e}"))?;
            db.close().await;
            println!(
                "Deleted {} expired sessions, {} expired tokens, {} old throttling records.",
                cleaned.sessions, cleaned.tokens, cleaned.throttle_events
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
        Command::Import(ImportCommand::Markdown { paths, category }) => {
            let db = open_database(&config).await?;
            let options = crate::import::ImportOptions {
                paths,
                category,
                progress: true,
            };
            // This process serves no pages: nobody listens to its change events.
            let events = app::ssr::posts::PostEvents::new();
            let posts = app::ssr::posts::Posts::new(&db, &events);
            let summary = crate::import::import_markdown(&posts, &options)
                .await
                .map_err(|e| e.to_string())?;
            db.close().await;
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
