//! Bringing stored post bodies up to the current sanitiser at start-up (a stricter allow-list
//! must also cover what was saved before it).

use crate::ssr::content::sanitize;
use crate::ssr::db::posts::writes as posts;
use crate::ssr::db::Db;

/// The `site_settings` key holding the [`sanitize::SANITIZER_VERSION`] the stored bodies were
/// last cleaned with.
pub const SANITIZER_VERSION_SETTING: &str = "sanitizer_version";

/// Cleans every stored post body again when the sanitiser's rules changed since they were
/// stored (a stricter allow-list must also cover what was saved before it), then records the
/// version. Batches of 500 posts, one transaction each; bodies already clean are not written.
/// Cleaning is idempotent, so servers starting together may both run it. Returns how many
/// bodies changed.
///
/// # Errors
/// The driver's error.
pub async fn resanitize_stored_bodies(db: &Db) -> Result<u64, sqlx::Error> {
    use crate::ssr::db::settings;
    let mut conn = db.acquire().await?;
    let done = settings::get(conn.conn(), SANITIZER_VERSION_SETTING)
        .await?
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0);
    drop(conn);
    if done >= sanitize::SANITIZER_VERSION {
        return Ok(0);
    }
    let mut changed = 0;
    let mut after = 0;
    loop {
        let mut tx = db.begin().await?;
        let batch = posts::bodies_after(tx.conn(), after, 500).await?;
        let Some((last, _)) = batch.last() else {
            break;
        };
        after = *last;
        for (id, body) in &batch {
            let clean = sanitize::sanitize_html(body);
            if clean != *body {
                posts::set_body(tx.conn(), *id, &clean).await?;
                changed += 1;
            }
        }
        tx.commit().await?;
    }
    let mut conn = db.acquire_write().await?;
    settings::set(
        conn.conn(),
        SANITIZER_VERSION_SETTING,
        &sanitize::SANITIZER_VERSION.to_string(),
    )
    .await?;
    if changed > 0 {
        tracing::info!(
            changed,
            "post bodies cleaned again with the current sanitiser"
        );
    }
    Ok(changed)
}
