//! Operator commands (Django's `manage.py` equivalents): `createsuperuser`, `changepassword`,
//! `check [--deploy]`, `clearsessions`, `search reindex` and `jobs` (Celery's `inspect` and
//! Flower's retry, on the command line).
//!
//! Prompts read from the terminal without echo for passwords; when standard input is not a
//! terminal, each answer is one line of it (so scripts can pipe answers in).

use std::io::{BufRead, IsTerminal, Write};

use app::domain::Role;
use app::error::AppError;
use app::ssr::accounts;
use app::ssr::auth::password::{HashLimiter, Password};
use app::ssr::db::users;
use app::ssr::db::Db;

use crate::config::Config;

/// The environment variable holding the password of `createsuperuser --no-input` (Django's
/// `DJANGO_SUPERUSER_PASSWORD`).
pub const SUPERUSER_PASSWORD_VAR: &str = "FOLIO_SUPERUSER_PASSWORD";

/// Answers to prompts: the terminal, or lines of standard input.
struct Prompter {
    lines: Option<std::io::Lines<std::io::StdinLock<'static>>>,
}

impl Prompter {
    fn new() -> Self {
        let stdin = std::io::stdin();
        let lines = (!stdin.is_terminal()).then(|| stdin.lock().lines());
        Self { lines }
    }

    fn read_line(&mut self) -> Result<String, String> {
        match &mut self.lines {
            Some(lines) => lines
                .next()
                .ok_or_else(|| {
                    "standard input ended before every question was answered".to_string()
                })?
                .map_err(|e| format!("cannot read standard input: {e}")),
            None => {
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .map_err(|e| format!("cannot read the terminal: {e}"))?;
                Ok(line)
            }
        }
    }

    fn ask(&mut self, prompt: &str) -> Result<String, String> {
        print!("{prompt}");
        let _ = std::io::stdout().flush();
        let answer = self.read_line()?;
        if self.lines.is_some() {
            println!();
        }
        Ok(answer.trim_end_matches(['\r', '\n']).to_string())
    }

    fn ask_password(&mut self, prompt: &str) -> Result<String, String> {
        if self.lines.is_some() {
            self.ask(prompt)
        } else {
            rpassword::prompt_password(prompt).map_err(|e| format!("cannot read the password: {e}"))
        }
    }
}

fn print_field_errors(error: &AppError) {
    match error {
        AppError::Validation(errors) => {
            for (field, messages) in &errors.0 {
                for message in messages {
                    if field.is_empty() {
                        eprintln!("Error: {message}");
                    } else {
                        eprintln!("Error ({field}): {message}");
                    }
                }
            }
        }
        other => eprintln!("Error: {other}"),
    }
}

fn one_line(error: &AppError) -> String {
    match error {
        AppError::Validation(errors) => errors
            .0
            .iter()
            .map(|(field, messages)| {
                format!(
                    "{}: {}",
                    if field.is_empty() { "input" } else { field },
                    messages.join(" ")
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

/// `folio createsuperuser`: creates an administrator (verified email).
///
/// Without `no_input` it prompts for what is missing and asks again after a refused answer;
/// with it, `email` and `username` are required and the password comes from
/// [`SUPERUSER_PASSWORD_VAR`]. The password rules apply either way.
///
/// # Errors
/// One line saying what is wrong.
pub async fn create_superuser(
    db: &Db,
    email: Option<String>,
    username: Option<String>,
    no_input: bool,
) -> Result<(), String> {
    let now = chrono::Utc::now();
    if no_input {
        let email = email.ok_or("--email is required with --no-input")?;
        let username = username.ok_or("--username is required with --no-input")?;
        let password = std::env::var(SUPERUSER_PASSWORD_VAR).map_err(|_| {
            format!("{SUPERUSER_PASSWORD_VAR} must hold the password with --no-input")
        })?;
        let valid =
            accounts::validate_new_account(&email, &username, &Password::new(password), None)
                .map_err(|e| one_line(&e))?;
        let account = accounts::create_account(
            db,
            &HashLimiter::per_core(),
            &valid,
            Role::Administrator,
            true,
            now,
        )
        .await
        .map_err(|e| one_line(&e))?;
        println!("Superuser {} ({}) created.", account.username, valid.email);
        return Ok(());
    }
    let mut prompter = Prompter::new();
    let mut email = email;
    let mut username = username;
    loop {
        let email_text = match email.take() {
            Some(e) => e,
            None => prompter.ask("Email address: ")?,
        };
        let username_text = match username.take() {
            Some(u) => u,
            None => {
                let suggestion = email_text.split('@').next().unwrap_or_default().to_string();
                let answer =
                    prompter.ask(&format!("Username (leave blank to use '{suggestion}'): "))?;
                if answer.trim().is_empty() {
                    suggestion
                } else {
                    answer
                }
            }
        };
        let password = prompter.ask_password("Password: ")?;
        let again = prompter.ask_password("Password (again): ")?;
        let result = accounts::validate_new_account(
            &email_text,
            &username_text,
            &Password::new(password.clone()),
            Some(&Password::new(again)),
        );
        let valid = match result {
            Ok(valid) => valid,
            Err(error) => {
                print_field_errors(&error);
                if prompter.lines.is_some() {
                    return Err(one_line(&error));
                }
                continue;
            }
        };
        match accounts::create_account(
            db,
            &HashLimiter::per_core(),
            &valid,
            Role::Administrator,
            true,
            now,
        )
        .await
        {
            Ok(account) => {
                println!("Superuser {} created successfully.", account.username);
                return Ok(());
            }
            Err(error) => {
                print_field_errors(&error);
                if prompter.lines.is_some() {
                    return Err(one_line(&error));
                }
            }
        }
    }
}

/// `folio changepassword <email>`: sets a user's password after asking for it twice; the user's
/// sessions and reset links end.
///
/// # Errors
/// One line: no such user, the passwords differ, or the rules refuse it.
pub async fn change_password(db: &Db, email: &str) -> Result<(), String> {
    let mut conn = db.acquire().await.map_err(|e| e.to_string())?;
    let account = users::find_account_by_email(conn.conn(), email)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("user with email '{email}' does not exist"))?;
    drop(conn);
    println!("Changing password for user '{}'", account.username);
    let mut prompter = Prompter::new();
    let password = prompter.ask_password("Password: ")?;
    let again = prompter.ask_password("Password (again): ")?;
    if password != again {
        return Err("Passwords do not match.".to_string());
    }
    accounts::set_password(
        db,
        &HashLimiter::per_core(),
        &account,
        Password::new(password),
    )
    .await
    .map_err(|e| one_line(&e))?;
    println!(
        "Password changed successfully for user '{}'",
        account.username
    );
    Ok(())
}

/// One finding of `folio check`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIssue {
    /// A stable id, as Django's `security.W004`.
    pub id: &'static str,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// What `folio check --deploy` finds in `config` (Django's `check --deploy` security checks,
/// translated to Folio's settings). `dev_secret_in_use` says the secret key is the generated
/// development one.
pub fn deploy_issues(config: &Config) -> Vec<CheckIssue> {
    let mut issues = Vec::new();
    let mut add = |id: &'static str, message: String| issues.push(CheckIssue { id, message });
    match &config.secret_key {
        None => add(
            "folio.W001",
            "FOLIO_SECRET_KEY is not set, so a development key kept in the database is used. Set a long random value (at least 50 characters), e.g. from `openssl rand -base64 48`.".into(),
        ),
        Some(key) => {
            let unique: std::collections::HashSet<char> = key.expose().chars().collect();
            if key.expose().chars().count() < 50 || unique.len() < 5 {
                add("folio.W002", "FOLIO_SECRET_KEY is shorter than 50 characters or has fewer than 5 different characters: use a long random value.".into());
            }
        }
    }
    if !config.is_https() {
        add("folio.W003", format!("FOLIO_SITE_URL ({}) is not https://: sessions and passwords would travel unencrypted. Serve the site over HTTPS and set FOLIO_SITE_URL to its https:// address.", config.site_url));
    }
    if !config.secure_cookies {
        add("folio.W004", "Cookies are not marked Secure (FOLIO_SECURE_COOKIES is false or the site URL is not https://): the session cookie could be sent over plain HTTP.".into());
    }
    if config.is_https() && config.hsts_seconds == 0 {
        add("folio.W005", "FOLIO_HSTS_SECONDS is 0: browsers are not told to always use HTTPS (Strict-Transport-Security).".into());
    }
    if !config.allowed_hosts_configured {
        add(
            "folio.W006",
            "FOLIO_ALLOWED_HOSTS is not set: list the host names the site is served at.".into(),
        );
    } else if config.allowed_hosts.iter().any(|h| h == "*") {
        add("folio.W007", "FOLIO_ALLOWED_HOSTS contains '*': any Host header is accepted, so links in emails can be poisoned.".into());
    }
    if let Some(filter) = &config.log_filter {
        let lower = filter.to_lowercase();
        if lower.contains("debug") || lower.contains("trace") {
            add("folio.W008", format!("RUST_LOG ({filter}) turns on debug output: debug and trace logs can hold request details; use info or warn in production."));
        }
    }
    match &config.smtp_url {
        None => add("folio.W009", format!("FOLIO_SMTP_URL is not set: email (password resets, verification) is written to {} instead of being sent.", config.mail_dir.display())),
        Some(url) if smtp_sends_password_in_clear(url.expose()) => add("folio.W010", "FOLIO_SMTP_URL has a user name or password but neither smtps:// nor ?tls=required: lettre then talks to the mail server unencrypted and the password crosses in clear. Use smtps://host:465 or smtp://host:587?tls=required (STARTTLS).".into()),
        Some(_) => {}
    }
    if config.is_https() && !config.ssl_redirect {
        add("folio.W012", "FOLIO_SSL_REDIRECT is off: a request over plain HTTP is answered instead of being sent to HTTPS. Set it to true (with FOLIO_TRUSTED_PROXIES and a proxy that sets X-Forwarded-Proto), unless the proxy redirects itself.".into());
    }
    if config.workers.concurrency == 0 {
        add("folio.W011", "FOLIO_WORKERS is 0: this process runs no background jobs (email, clean-up). Make sure a `folio worker` process runs beside it.".into());
    }
    issues
}

/// Whether an SMTP URL carries credentials over an unencrypted connection: `smtp://` with a user
/// name or password and no `tls=required` (lettre's URL format: bare `smtp://` is plain text,
/// `?tls=opportunistic` falls back to plain text, `smtps://` is implicit TLS).
pub fn smtp_sends_password_in_clear(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else {
        return false;
    };
    let has_credentials = !parsed.username().is_empty() || parsed.password().is_some();
    let tls_required = parsed
        .query_pairs()
        .any(|(key, value)| key == "tls" && value == "required");
    parsed.scheme() == "smtp" && has_credentials && !tls_required
}

/// Prints `issues` as Django does; returns whether there were any.
pub fn print_issues(issues: &[CheckIssue]) -> bool {
    if issues.is_empty() {
        println!("System check identified no issues.");
        return false;
    }
    println!("System check identified some issues:\n\nWARNINGS:");
    for issue in issues {
        println!("?: ({}) {}", issue.id, issue.message);
    }
    println!(
        "\nSystem check identified {} issue{}.",
        issues.len(),
        if issues.len() == 1 { "" } else { "s" }
    );
    true
}

/// How many posts one step of [`reindex_search`] rewrites (one transaction each).
pub const REINDEX_BATCH: i64 = 500;

/// Rebuilds the full-text index of every post (the tutorial's `rebuild_search_index` task),
/// [`REINDEX_BATCH`] posts per transaction so searches keep working meanwhile, then removes rows
/// of posts that are gone and (on SQLite) merges the index. Shows a progress bar when
/// `progress`. Returns `(posts indexed, stale rows removed)`.
///
/// # Errors
/// The database's error, as one line naming `DATABASE_URL`.
pub async fn reindex_search(db: &Db, progress: bool) -> Result<(u64, u64), String> {
    use app::ssr::db::posts::search;
    let failed = |e: sqlx::Error| format!("DATABASE_URL: {e}");
    let mut conn = db
        .acquire()
        .await
        .map_err(|e| format!("DATABASE_URL: {e}"))?;
    let max_id = search::max_post_id(conn.conn()).await.map_err(failed)?;
    drop(conn);
    let bar = if progress {
        let bar = indicatif::ProgressBar::new(u64::try_from(max_id).unwrap_or(0));
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} ids {msg}")
        {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut indexed = 0;
    let mut after = 0;
    while after < max_id {
        let up_to = (after + REINDEX_BATCH).min(max_id);
        let mut tx = db.begin().await.map_err(|e| format!("DATABASE_URL: {e}"))?;
        indexed += search::rebuild_range(tx.conn(), after, up_to)
            .await
            .map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        bar.set_position(u64::try_from(up_to).unwrap_or(0));
        bar.set_message(format!("{indexed} posts"));
        after = up_to;
    }
    bar.finish_and_clear();
    let mut tx = db.begin().await.map_err(|e| format!("DATABASE_URL: {e}"))?;
    let removed = search::tidy(tx.conn()).await.map_err(failed)?;
    tx.commit().await.map_err(failed)?;
    Ok((indexed, removed))
}

/// `folio jobs list|retry|cancel|run`: prints jobs, queues a failed one again, cancels a queued
/// one, or runs a periodic job now in this process.
///
/// # Errors
/// One line naming what is wrong: an unknown job, a job in a state that does not allow the
/// action, or the database's error.
pub async fn jobs(
    config: &Config,
    db: &Db,
    command: crate::cli::JobsCommand,
) -> Result<(), String> {
    use crate::cli::{JobsCommand, PeriodicJob};
    use app::ssr::db::jobs::{self as rows, JobStatus};
    let failed = |e: sqlx::Error| format!("DATABASE_URL: {e}");
    let now = chrono::Utc::now();
    match command {
        JobsCommand::List {
            status,
            kind,
            limit,
        } => {
            let status = status.as_deref().and_then(JobStatus::parse);
            let mut conn = db.acquire().await.map_err(failed)?;
            let list = rows::list(
                conn.conn(),
                status,
                kind.as_deref(),
                limit.clamp(1, 10_000),
                0,
            )
            .await
            .map_err(failed)?;
            println!(
                "{:>8}  {:<22} {:<9} {:>8}  {:<20}  last error",
                "id", "kind", "status", "attempts", "run at (UTC)"
            );
            for job in list {
                println!(
                    "{:>8}  {:<22} {:<9} {:>8}  {:<20}  {}",
                    job.id,
                    job.kind,
                    job.status,
                    format!("{}/{}", job.attempts, job.max_attempts),
                    job.run_at.format("%Y-%m-%d %H:%M:%S"),
                    job.last_error.as_deref().unwrap_or("").replace('\n', " ")
                );
            }
            Ok(())
        }
        JobsCommand::Retry { id } | JobsCommand::Cancel { id } => {
            let retry = matches!(command, JobsCommand::Retry { .. });
            let mut conn = db.acquire_write().await.map_err(failed)?;
            let changed = if retry {
                rows::retry(conn.conn(), id, now).await
            } else {
                rows::cancel(conn.conn(), id, now).await
            }
            .map_err(failed)?;
            if changed {
                println!(
                    "Job {id} {}.",
                    if retry { "queued again" } else { "cancelled" }
                );
                return Ok(());
            }
            match rows::find(conn.conn(), id).await.map_err(failed)? {
                None => Err(format!("job {id}: no such job")),
                Some(job) => Err(format!(
                    "job {id}: it is {}; only {} jobs can be {}",
                    job.status,
                    if retry {
                        "failed or cancelled"
                    } else {
                        "queued"
                    },
                    if retry { "retried" } else { "cancelled" }
                )),
            }
        }
        JobsCommand::Run { job } => {
            let job = match job {
                PeriodicJob::CleanUp => app::ssr::jobs::Job::CleanUp,
                PeriodicJob::OptimizeSearchIndex => app::ssr::jobs::Job::OptimizeSearchIndex,
                PeriodicJob::NewsletterSweep => app::ssr::jobs::Job::NewsletterSweep,
            };
            let key = crate::startup::secret_key(config, db)
                .await
                .map_err(|e| e.to_string())?;
            let ctx = crate::startup::job_context(config, db, key).map_err(|e| e.to_string())?;
            crate::jobs::execute(&ctx, &job)
                .await
                .map_err(|e| format!("{}: {e}", job.kind()))?;
            println!("{} done.", job.kind());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Config {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned()).unwrap()
    }

    fn ids(config: &Config) -> Vec<&'static str> {
        deploy_issues(config).into_iter().map(|i| i.id).collect()
    }

    #[test]
    fn the_development_defaults_are_all_flagged() {
        assert_eq!(
            ids(&config(&[("RUST_LOG", "debug")])),
            vec![
                "folio.W001",
                "folio.W003",
                "folio.W004",
                "folio.W006",
                "folio.W008",
                "folio.W009"
            ]
        );
    }

    #[test]
    fn a_production_configuration_passes() {
        let key = "v9Jq2LxN0pZ7sT4wY1bC6eG3hK8mR5uA-QdFiOlSnVrXzEjHgBkWaMcPtUyI";
        let c = config(&[
            ("FOLIO_SECRET_KEY", key),
            ("FOLIO_SITE_URL", "https://blog.example.org"),
            ("FOLIO_ALLOWED_HOSTS", "blog.example.org"),
            ("FOLIO_SMTP_URL", "smtps://u:p@mail.example.org"),
            ("RUST_LOG", "info"),
            ("FOLIO_SSL_REDIRECT", "true"),
            ("FOLIO_TRUSTED_PROXIES", "1"),
        ]);
        assert!(deploy_issues(&c).is_empty(), "{:?}", deploy_issues(&c));
    }

    #[test]
    fn weak_keys_and_wildcards_are_flagged() {
        let c = config(&[
            ("FOLIO_SECRET_KEY", "short"),
            ("FOLIO_SITE_URL", "https://blog.example.org"),
            ("FOLIO_ALLOWED_HOSTS", "*"),
            ("FOLIO_HSTS_SECONDS", "0"),
            ("FOLIO_SMTP_URL", "smtp://mail"),
        ]);
        assert_eq!(
            ids(&c),
            vec!["folio.W002", "folio.W005", "folio.W007", "folio.W012"]
        );
    }

    #[test]
    fn an_smtp_password_is_flagged_only_when_it_would_cross_unencrypted() {
        assert!(smtp_sends_password_in_clear(
            "smtp://user:pass@mail.example.org:587"
        ));
        assert!(smtp_sends_password_in_clear(
            "smtp://user@mail.example.org?tls=opportunistic"
        ));
        assert!(!smtp_sends_password_in_clear(
            "smtp://user:pass@mail.example.org:587?tls=required"
        ));
        assert!(!smtp_sends_password_in_clear(
            "smtps://user:pass@mail.example.org"
        ));
        assert!(!smtp_sends_password_in_clear("smtp://127.0.0.1:25"));
        assert!(!smtp_sends_password_in_clear("not a url"));
    }
}
