//! The command line: `folio [serve]`, `folio migrate`, `folio import markdown <DIR>...`.
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
            let db = app::ssr::db::Db::connect(config.database_url.expose())
                .await
                .map_err(|e| format!("DATABASE_URL: {e}"))?;
            db.migrate()
                .await
                .map_err(|e| format!("DATABASE_URL: {e}"))?;
            db.close().await;
            println!(
                "Migrations applied to {} ({}).",
                config.database_url.redacted(),
                db.backend().name()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(ImportCommand::Markdown { paths, category }) => {
            let db = app::ssr::db::Db::connect(config.database_url.expose())
                .await
                .map_err(|e| format!("DATABASE_URL: {e}"))?;
            db.migrate()
                .await
                .map_err(|e| format!("DATABASE_URL: {e}"))?;
            let options = crate::import::ImportOptions {
                paths,
                category,
                progress: true,
            };
            let summary = crate::import::import_markdown(&db, &options)
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
