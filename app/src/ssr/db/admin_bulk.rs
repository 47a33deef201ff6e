//! The writes of the admin's bulk actions on comments, users and categories, on a list of ids
//! (at most [`CHUNK`] per statement): comment approval, user activation, and deletes. Posts are
//! written by the posts wing ([`crate::ssr::posts::write`]) instead.

use crate::model::admin::AdminModel;
use crate::on_conn;
use crate::ssr::db::filter::{Value, Where};
use crate::ssr::db::Conn;

/// The most ids bound in one statement (well under SQLite's 32,766 and PostgreSQL's 65,535
/// parameters).
pub const CHUNK: usize = 500;

/// The write a bulk action makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkWrite {
    /// Approves (`true`) or unapproves comments.
    CommentApproved(bool),
    /// Activates (`true`) or deactivates users.
    UserActive(bool),
    /// Queues failed or cancelled jobs again, due now, with their attempts counted afresh.
    JobRetry,
    /// Cancels queued jobs.
    JobCancel,
    /// Unsubscribes newsletter subscribers.
    Unsubscribe,
    /// Deletes comments, users or categories (with what cascades from them).
    Delete(Deletable),
}

/// What [`BulkWrite::Delete`] may delete here (posts are deleted by their wing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deletable {
    /// `categories`.
    Categories,
    /// `comments`.
    Comments,
    /// `users`.
    Users,
    /// `jobs`.
    Jobs,
    /// `subscribers` (with their deliveries).
    Subscribers,
}

impl Deletable {
    /// The table of `model`, or `None` for posts.
    pub fn of(model: AdminModel) -> Option<Self> {
        match model {
            AdminModel::Categories => Some(Self::Categories),
            AdminModel::Comments => Some(Self::Comments),
            AdminModel::Users => Some(Self::Users),
            AdminModel::Jobs => Some(Self::Jobs),
            AdminModel::Subscribers => Some(Self::Subscribers),
            // Posts are deleted by their wing, tags by the tag admin (their posts get events).
            AdminModel::Posts | AdminModel::Tags => None,
        }
    }

    fn table(self) -> &'static str {
        match self {
            Self::Categories => "categories",
            Self::Comments => "comments",
            Self::Users => "users",
            Self::Jobs => "jobs",
            Self::Subscribers => "subscribers",
        }
    }
}

/// Applies `write` to the objects `ids`; returns how many rows changed. Each statement binds
/// only what it uses.
///
/// # Errors
/// The driver's error.
pub async fn apply(mut conn: Conn<'_>, write: BulkWrite, ids: &[i64]) -> Result<u64, sqlx::Error> {
    let mut changed = 0;
    for chunk in ids.chunks(CHUNK) {
        let mut w = Where::default();
        let statement = match write {
            BulkWrite::CommentApproved(flag) => {
                let flag = w.push(Value::Bool(flag));
                w.and(&format!("is_approved <> {flag}"));
                format!("UPDATE comments SET is_approved = {flag}")
            }
            BulkWrite::UserActive(flag) => {
                let flag = w.push(Value::Bool(flag));
                w.and(&format!("is_active <> {flag}"));
                format!("UPDATE users SET is_active = {flag}")
            }
            BulkWrite::JobRetry => {
                let now = w.push(Value::Time(chrono::Utc::now()));
                w.and("status IN ('failed', 'cancelled')");
                format!(
                    "UPDATE jobs SET status = 'queued', attempts = 0, run_at = {now}, \
                     updated_at = {now}, finished_at = NULL"
                )
            }
            BulkWrite::JobCancel => {
                let now = w.push(Value::Time(chrono::Utc::now()));
                w.and("status = 'queued'");
                format!(
                    "UPDATE jobs SET status = 'cancelled', finished_at = {now}, updated_at = {now}"
                )
            }
            BulkWrite::Unsubscribe => {
                let now = w.push(Value::Time(chrono::Utc::now()));
                w.and("status <> 'unsubscribed'");
                format!(
                    "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = {now}, \
                     confirm_token_hash = NULL, confirm_expires_at = NULL"
                )
            }
            BulkWrite::Delete(what) => format!("DELETE FROM {}", what.table()),
        };
        let list: Vec<String> = chunk.iter().map(|id| w.push(Value::Int(*id))).collect();
        w.and(&format!("id IN ({})", list.join(", ")));
        let sql = format!("{statement}{}", w.sql);
        changed += on_conn!(conn.reborrow(), |c| {
            crate::bind_values!(sqlx::query(&sql), &w.values)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
        })?;
    }
    Ok(changed)
}
