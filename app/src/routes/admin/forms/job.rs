//! A background job's page: read-only (Folio writes jobs); the change list retries, cancels and
//! deletes them.

use leptos::prelude::*;
use leptos_router::components::A;

use super::{FormHeader, ReadOnly};
use crate::model::admin::{AdminModel, JobDetail};
use crate::routes::admin::admin_time;

/// The job's facts and its last error.
#[component]
pub fn JobView(job: JobDetail) -> impl IntoView {
    let list = AdminModel::Jobs.list_path();
    let facts = vec![
        ("What", job.summary.clone()),
        ("Kind", job.kind.clone()),
        ("Status", job.status.clone()),
        (
            "Attempts",
            format!("{} of {}", job.attempts, job.max_attempts),
        ),
        ("Run at", admin_time(Some(job.run_at))),
        ("Queued", admin_time(Some(job.created_at))),
        ("Finished", admin_time(job.finished_at)),
        (
            "Worker",
            job.locked_by.clone().unwrap_or_else(|| "-".to_string()),
        ),
        (
            "Idempotency key",
            job.idempotency_key
                .clone()
                .unwrap_or_else(|| "-".to_string()),
        ),
    ];
    view! {
        <FormHeader model=AdminModel::Jobs id=Some(job.id) name=format!("#{} {}", job.id, job.kind)/>
        <div class="admin-form">
            <ReadOnly facts/>
            {job.last_error.clone().map(|error| view! {
                <h2>"Last error"</h2>
                <pre class="job-error">{error}</pre>
            })}
            <p>
                <A href=format!("{list}?status={}", job.status)>"Back to the "{job.status.clone()}" jobs"</A>
                " (select jobs there to retry, cancel or delete them)."
            </p>
            <div class="submit-row">
                <A href=format!("{}delete/", AdminModel::Jobs.object_path(job.id)) attr:class="deletelink">"Delete"</A>
            </div>
        </div>
    }
}
