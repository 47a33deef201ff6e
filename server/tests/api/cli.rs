//! The `folio` binary's start-up failures: one clear line naming the setting, non-zero exit,
//! no panic.

use std::process::Command;

fn folio(envs: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_folio"));
    command
        .current_dir(dir.path())
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("FOLIO_ADDR");
    for (k, v) in envs {
        command.env(k, v);
    }
    let output = command.output().expect("run folio");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn assert_one_clear_line(stderr: &str, setting: &str) {
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "exactly one line, got: {stderr}");
    assert!(
        lines[0].starts_with(&format!("error: {setting}: ")),
        "names {setting}: {stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}

#[test]
fn bad_database_url_is_one_clear_line() {
    let (code, _, stderr) = folio(
        &[("DATABASE_URL", "mysql://root@localhost/x")],
        &["migrate"],
    );
    assert_ne!(code, 0);
    assert_one_clear_line(&stderr, "DATABASE_URL");
}

#[test]
fn unreachable_postgres_is_one_clear_line() {
    let (code, _, stderr) = folio(
        &[
            ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/folio"),
            ("RUST_LOG", "off"),
        ],
        &["migrate"],
    );
    assert_ne!(code, 0);
    assert_one_clear_line(&stderr, "DATABASE_URL");
}

#[test]
fn unwritable_data_folder_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    // A regular file where the data folder should be: no folder can be created there.
    let blocker = dir.path().join("data");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let url = format!("sqlite://{}/folio.db", blocker.display());
    let (code, _, stderr) = folio(&[("DATABASE_URL", &url), ("RUST_LOG", "off")], &["serve"]);
    assert_ne!(code, 0);
    assert_one_clear_line(&stderr, "DATABASE_URL");
}

#[test]
fn bad_listen_address_is_one_clear_line() {
    let (code, _, stderr) = folio(&[("FOLIO_ADDR", "not-an-address")], &["serve"]);
    assert_ne!(code, 0);
    assert_one_clear_line(&stderr, "FOLIO_ADDR");
}

#[test]
fn migrate_creates_the_default_sqlite_file_under_data() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_folio"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "off")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(dir.path().join("data/folio.db").is_file());
}

#[test]
fn import_of_a_missing_folder_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/db.sqlite", dir.path().display());
    let (code, _, stderr) = folio(
        &[("DATABASE_URL", &url), ("RUST_LOG", "off")],
        &["import", "markdown", "/no/such/folder"],
    );
    assert_ne!(code, 0);
    assert!(
        stderr.contains("error: cannot read /no/such/folder"),
        "{stderr}"
    );
}

fn folio_in(
    dir: &std::path::Path,
    envs: &[(&str, &str)],
    args: &[&str],
    stdin: &str,
) -> (i32, String, String) {
    use std::io::Write;
    let mut command = Command::new(env!("CARGO_BIN_EXE_folio"));
    command
        .current_dir(dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("FOLIO_ADDR")
        .env_remove("FOLIO_SUPERUSER_PASSWORD")
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in envs {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("run folio");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn createsuperuser_without_input_applies_the_password_rules() {
    let dir = tempfile::tempdir().unwrap();
    let args = [
        "createsuperuser",
        "--no-input",
        "--email",
        "root@example.org",
        "--username",
        "root",
    ];
    let (code, _, stderr) = folio_in(dir.path(), &[], &args, "");
    assert_eq!(code, 1);
    assert!(stderr.contains("FOLIO_SUPERUSER_PASSWORD"), "{stderr}");
    let (code, _, stderr) = folio_in(
        dir.path(),
        &[("FOLIO_SUPERUSER_PASSWORD", "12345678")],
        &args,
        "",
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("too common") || stderr.contains("entirely numeric"),
        "{stderr}"
    );
    let (code, stdout, stderr) = folio_in(
        dir.path(),
        &[("FOLIO_SUPERUSER_PASSWORD", "velvet-orbit-lantern-42")],
        &args,
        "",
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Superuser root"), "{stdout}");
    // The same email again is refused.
    let (code, _, stderr) = folio_in(
        dir.path(),
        &[("FOLIO_SUPERUSER_PASSWORD", "velvet-orbit-lantern-42")],
        &args,
        "",
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("already exists"), "{stderr}");
}

#[test]
fn createsuperuser_prompts_and_changepassword_sets_a_new_password() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = folio_in(
        dir.path(),
        &[],
        &["createsuperuser"],
        "admin@example.org\n\nvelvet-orbit-lantern-42\nvelvet-orbit-lantern-42\n",
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("Username (leave blank to use 'admin')")
            && stdout.contains("Superuser admin created"),
        "{stdout}"
    );
    let (code, _, stderr) = folio_in(
        dir.path(),
        &[],
        &["changepassword", "admin@example.org"],
        "new-phrase-one-2\nother-phrase-3\n",
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("do not match"), "{stderr}");
    let (code, stdout, stderr) = folio_in(
        dir.path(),
        &[],
        &["changepassword", "admin@example.org"],
        "new-phrase-one-2\nnew-phrase-one-2\n",
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Password changed successfully for user 'admin'"));
    let (code, _, stderr) = folio_in(
        dir.path(),
        &[],
        &["changepassword", "nobody@example.org"],
        "",
    );
    assert_eq!(code, 1);
    assert!(stderr.contains("does not exist"), "{stderr}");
}

#[test]
fn check_deploy_lists_each_problem_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (code, stdout, _) = folio_in(dir.path(), &[], &["check"], "");
    assert_eq!(code, 0);
    assert!(stdout.contains("no issues"));
    let (code, stdout, _) = folio_in(dir.path(), &[], &["check", "--deploy"], "");
    assert_eq!(code, 1);
    for id in [
        "folio.W001",
        "folio.W003",
        "folio.W004",
        "folio.W006",
        "folio.W009",
    ] {
        assert!(stdout.contains(id), "{id} missing from:\n{stdout}");
    }
    let production = [
        (
            "FOLIO_SECRET_KEY",
            "v9Jq2LxN0pZ7sT4wY1bC6eG3hK8mR5uA-QdFiOlSnVrXzEjHgBkWaMcPtUyI",
        ),
        ("FOLIO_SITE_URL", "https://blog.example.org"),
        ("FOLIO_ALLOWED_HOSTS", "blog.example.org"),
        ("FOLIO_SMTP_URL", "smtps://user:pass@mail.example.org"),
        ("FOLIO_SSL_REDIRECT", "true"),
        ("FOLIO_TRUSTED_PROXIES", "1"),
    ];
    let (code, stdout, _) = folio_in(dir.path(), &production, &["check", "--deploy"], "");
    assert_eq!(code, 0, "{stdout}");
    // HTTPS without redirecting plain HTTP to it.
    let (code, stdout, _) = folio_in(dir.path(), &production[..4], &["check", "--deploy"], "");
    assert_eq!(code, 1);
    assert!(stdout.contains("folio.W012"), "{stdout}");
    // Redirecting without a proxy to say what is HTTPS would loop: refused at start.
    let (code, _, stderr) = folio_in(dir.path(), &production[..5], &["check", "--deploy"], "");
    assert_ne!(code, 0);
    assert!(stderr.contains("FOLIO_TRUSTED_PROXIES"), "{stderr}");
    // A mail server password over a plain connection; no job workers in this process.
    let mut risky = production.to_vec();
    risky[3] = ("FOLIO_SMTP_URL", "smtp://user:pass@mail.example.org:587");
    risky.push(("FOLIO_WORKERS", "0"));
    let (code, stdout, _) = folio_in(dir.path(), &risky, &["check", "--deploy"], "");
    assert_eq!(code, 1);
    assert!(
        stdout.contains("folio.W010") && stdout.contains("folio.W011"),
        "{stdout}"
    );
    risky[3] = (
        "FOLIO_SMTP_URL",
        "smtp://user:pass@mail.example.org:587?tls=required",
    );
    let (_, stdout, _) = folio_in(dir.path(), &risky, &["check", "--deploy"], "");
    assert!(!stdout.contains("folio.W010"), "{stdout}");
}

#[tokio::test]
async fn jobs_are_listed_retried_cancelled_and_run_from_the_command_line() {
    use app::ssr::db::jobs as rows;
    use app::ssr::jobs::{Job, JobQueue};
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}",
        dir.path().join("data").join("folio.db").display()
    );
    let db = app::ssr::db::Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let queue = JobQueue::new(db.clone());
    let queued = queue.push(&Job::CleanUp).await.unwrap();
    let failed = queue.push(&Job::OptimizeSearchIndex).await.unwrap();
    let now = chrono::Utc::now();
    let mut conn = db.acquire_write().await.unwrap();
    // Take the second job (the first is due first: make it later) and fail it for good.
    rows::cancel(conn.conn(), queued, now).await.unwrap();
    let taken = rows::claim(conn.conn(), "w", now, now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.id, failed);
    rows::record_failure(conn.conn(), failed, "w", "disk on fire", None, now)
        .await
        .unwrap();
    rows::retry(conn.conn(), queued, now).await.unwrap();
    drop(conn);
    db.close().await;
    let env = [("DATABASE_URL", url.as_str())];
    let (code, out, err) = folio_in(dir.path(), &env, &["jobs", "list"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("clean_up") && out.contains("queued"), "{out}");
    assert!(
        out.contains("optimize_search_index") && out.contains("disk on fire"),
        "{out}"
    );
    let (_, out, _) = folio_in(
        dir.path(),
        &env,
        &["jobs", "list", "--status", "failed"],
        "",
    );
    assert!(
        out.contains("disk on fire") && !out.contains("clean_up"),
        "{out}"
    );
    let id = failed.to_string();
    let (code, out, _) = folio_in(dir.path(), &env, &["jobs", "retry", &id], "");
    assert_eq!(
        (code, out.trim()),
        (0, format!("Job {id} queued again.").as_str())
    );
    let (code, _, err) = folio_in(dir.path(), &env, &["jobs", "retry", &id], "");
    assert_eq!(code, 1);
    assert!(
        err.contains("it is queued; only failed or cancelled jobs can be retried"),
        "{err}"
    );
    let (code, out, _) = folio_in(dir.path(), &env, &["jobs", "cancel", &id], "");
    assert_eq!(
        (code, out.trim()),
        (0, format!("Job {id} cancelled.").as_str())
    );
    let (code, _, err) = folio_in(dir.path(), &env, &["jobs", "cancel", "999999"], "");
    assert_eq!(code, 1);
    assert!(err.contains("job 999999: no such job"), "{err}");
    for job in ["clean-up", "optimize-search-index", "newsletter-sweep"] {
        let (code, out, err) = folio_in(dir.path(), &env, &["jobs", "run", job], "");
        assert_eq!(code, 0, "{job}: {err}");
        assert!(out.contains("done."), "{out}");
    }
    let (code, _, err) = folio_in(dir.path(), &env, &["jobs", "run", "launch-rockets"], "");
    assert_ne!(code, 0);
    assert!(err.contains("launch-rockets"), "{err}");
}

#[tokio::test]
async fn healthcheck_exits_zero_while_the_server_is_healthy_and_one_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = crate::helpers::ServerProcess::start(&[]).await;
    let addr = server.address.trim_start_matches("http://").to_string();
    let (code, stdout, stderr) =
        folio_in(dir.path(), &[("FOLIO_ADDR", &addr)], &["healthcheck"], "");
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout.trim(), "ok");
    server.kill();
    let (code, _, stderr) = folio_in(dir.path(), &[("FOLIO_ADDR", &addr)], &["healthcheck"], "");
    assert_eq!(code, 1);
    assert!(stderr.contains("/healthz: cannot connect"), "{stderr}");
}
