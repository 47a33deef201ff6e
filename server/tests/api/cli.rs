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
