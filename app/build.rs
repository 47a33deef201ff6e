//! Rebuilds the crate when a migration changes: `sqlx::migrate!` embeds the SQL files at compile
//! time but does not tell cargo about them (sqlx's documented caveat).

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
