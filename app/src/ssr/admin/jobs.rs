//! The background job's admin page (administrators): what the job does, its state and its last
//! error. Jobs are written by Folio, so the page is read-only; the change list's actions retry,
//! cancel and delete them.

use crate::error::AppError;
use crate::model::admin::{AdminModel, JobDetail};
use crate::ssr::db::jobs;
use crate::ssr::db::users::AccountRow;
use crate::ssr::jobs::Job;
use crate::ssr::AppState;

/// What a job does, in words, without the arguments a page must not show (an email's body).
pub fn summary(payload: &str) -> String {
    match Job::from_payload(payload) {
        Ok(Job::SendEmail { email }) => format!("Email to {}: “{}”", email.to, email.subject),
        Ok(Job::CleanUp) => {
            "Delete expired sessions, tokens, throttling records and old finished jobs".to_string()
        }
        Ok(Job::OptimizeSearchIndex) => "Keep the full-text search index compact".to_string(),
        Ok(Job::NewsletterSweep) => "Queue the newsletters of posts that became public".to_string(),
        Ok(Job::SendNewsletter { post_id }) => format!("Email post {post_id} to the subscribers"),
        Err(_) => "A job this version of Folio cannot read".to_string(),
    }
}

/// Job `id`'s page.
///
/// # Errors
/// [`AppError::Forbidden`] below administrator; [`AppError::NotFound`];
/// [`AppError::Internal`] when the database fails.
pub async fn detail(state: &AppState, actor: &AccountRow, id: i64) -> Result<JobDetail, AppError> {
    super::authorise_model(actor, AdminModel::Jobs)?;
    let mut conn = state.db.acquire().await?;
    let row = jobs::find(conn.conn(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(JobDetail {
        id: row.id,
        summary: summary(&row.payload),
        kind: row.kind,
        status: row.status,
        attempts: row.attempts,
        max_attempts: row.max_attempts,
        run_at: row.run_at,
        created_at: row.created_at,
        finished_at: row.finished_at,
        locked_by: row.locked_by,
        last_error: row.last_error,
        idempotency_key: row.idempotency_key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::mail::OutgoingEmail;

    #[test]
    fn the_summary_names_recipient_and_subject_but_never_the_body() {
        let job = Job::SendEmail {
            email: OutgoingEmail {
                to: "ada@example.org".into(),
                subject: "Password reset".into(),
                body: "https://blog.example.org/accounts/reset/SECRET/".into(),
            },
        };
        let text = summary(&job.to_payload());
        assert_eq!(text, "Email to ada@example.org: “Password reset”");
        assert!(!text.contains("SECRET"));
        assert_eq!(summary("{"), "A job this version of Folio cannot read");
    }
}
