//! Wire types of the admin back-office: what its server functions send to its pages. Built on
//! the server from database rows; nothing here holds a secret.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::changelist::ListParams;
use crate::domain::pagination::PageInfo;
use crate::domain::{Permission, PostKind, PostStatus, Role};

/// The models the admin manages; each has the URLs `/admin/<slug>/`, `add/`, `<id>/`,
/// `<id>/delete/` and `<id>/history/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AdminModel {
    /// Blog posts.
    Posts,
    /// Post categories.
    Categories,
    /// Post tags.
    Tags,
    /// Readers' comments.
    Comments,
    /// User accounts.
    Users,
    /// Background jobs (email, clean-up): a change list with retry and cancel actions, and a
    /// read-only page per job.
    Jobs,
    /// Newsletter subscribers: a change list with unsubscribe and delete actions.
    Subscribers,
}

impl AdminModel {
    /// Every model, in the index page's order.
    pub const ALL: [AdminModel; 7] = [
        AdminModel::Posts,
        AdminModel::Categories,
        AdminModel::Tags,
        AdminModel::Comments,
        AdminModel::Users,
        AdminModel::Subscribers,
        AdminModel::Jobs,
    ];

    /// The URL segment (`posts`).
    pub fn slug(self) -> &'static str {
        match self {
            Self::Posts => "posts",
            Self::Categories => "categories",
            Self::Tags => "tags",
            Self::Comments => "comments",
            Self::Users => "users",
            Self::Jobs => "jobs",
            Self::Subscribers => "subscribers",
        }
    }

    /// The model named by a URL segment.
    pub fn parse(segment: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.slug() == segment)
    }

    /// The name of one object (`post`), also the audit log's `object_type`.
    pub fn singular(self) -> &'static str {
        match self {
            Self::Posts => "post",
            Self::Categories => "category",
            Self::Tags => "tag",
            Self::Comments => "comment",
            Self::Users => "user",
            Self::Jobs => "job",
            Self::Subscribers => "subscriber",
        }
    }

    /// The model for an audit log `object_type`.
    pub fn from_singular(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.singular() == name)
    }

    /// The name of several objects (`posts`).
    pub fn plural(self) -> &'static str {
        self.slug()
    }

    /// The heading (`Posts`).
    pub fn title(self) -> &'static str {
        match self {
            Self::Posts => "Posts",
            Self::Categories => "Categories",
            Self::Tags => "Tags",
            Self::Comments => "Comments",
            Self::Users => "Users",
            Self::Jobs => "Jobs",
            Self::Subscribers => "Subscribers",
        }
    }

    /// The index page's group (`Blog`, `Accounts`).
    pub fn area(self) -> &'static str {
        match self {
            Self::Users | Self::Subscribers => "Accounts",
            Self::Jobs => "System",
            _ => "Blog",
        }
    }

    /// `n` objects in words: `1 post`, `3 posts`.
    pub fn count_label(self, n: i64) -> String {
        if n == 1 {
            format!("1 {}", self.singular())
        } else {
            format!("{n} {}", self.plural())
        }
    }

    /// The permission that opens this model's pages (authors see only their own posts).
    pub fn permission(self) -> Permission {
        match self {
            Self::Posts => Permission::WritePosts,
            // Tags are taxonomy like categories: editors manage them (authors make new ones
            // only by tagging their posts).
            Self::Categories | Self::Tags => Permission::ManageCategories,
            Self::Comments => Permission::ModerateComments,
            Self::Users => Permission::ManageUsers,
            Self::Jobs => Permission::ManageJobs,
            // Addresses of people who are not users: personal data, for administrators.
            Self::Subscribers => Permission::ManageUsers,
        }
    }

    /// Whether objects are added from the admin (comments are written on the site, jobs by
    /// Folio itself, subscribers by themselves: double opt-in).
    pub fn can_add(self) -> bool {
        !matches!(self, Self::Comments | Self::Jobs | Self::Subscribers)
    }

    /// The change list's path.
    pub fn list_path(self) -> String {
        format!("/admin/{}/", self.slug())
    }

    /// An object's change form path.
    pub fn object_path(self, id: i64) -> String {
        format!("/admin/{}/{id}/", self.slug())
    }
}

/// A change-list column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The key used in `o=` (e.g. `published_at`).
    pub key: String,
    /// The header text.
    pub label: String,
    /// Whether clicking the header sorts by it.
    pub sortable: bool,
}

/// One cell of a change-list row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cell {
    /// Plain text.
    Text(String),
    /// A link (the first column links to the change form).
    Link {
        /// The link text.
        text: String,
        /// The site path.
        href: String,
    },
    /// A yes/no value.
    Bool(bool),
    /// A time (UTC), or none ("-").
    Time(Option<DateTime<Utc>>),
    /// A number.
    Number(i64),
    /// A post status (an inline select when the row may be changed).
    Status(PostStatus),
}

/// One change-list row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The object's id (the value of its checkbox).
    pub id: i64,
    /// The cells, in column order.
    pub cells: Vec<Cell>,
}

/// A filter of the side panel: its parameter and its choices (the first is "All").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterSpec {
    /// The query parameter (`status`).
    pub param: String,
    /// The heading ("By status").
    pub title: String,
    /// The choices; `value: None` is "All".
    pub choices: Vec<FilterChoice>,
}

/// One choice of a [`FilterSpec`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterChoice {
    /// What the link says.
    pub label: String,
    /// The parameter's value, or `None` to clear the filter.
    pub value: Option<String>,
}

/// A step of the date drill-down: a year, a month or a day, with how many objects it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateStep {
    /// What the link says ("2024", "May 2024", "May 3").
    pub label: String,
    /// The year, if this step has one.
    pub year: Option<i32>,
    /// The month, if this step has one.
    pub month: Option<u32>,
    /// The day, if this step has one.
    pub day: Option<u32>,
    /// The number of objects in it (none for the way back up).
    pub count: Option<i64>,
}

/// The date drill-down above a change list (Django's `date_hierarchy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillDown {
    /// The field drilled into ("published_at").
    pub field: String,
    /// The way back up: "All dates", then the chosen year, then the chosen month.
    pub back: Vec<DateStep>,
    /// The next level down: the years, the months of the year, or the days of the month.
    pub steps: Vec<DateStep>,
}

/// A bulk action of a change list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionSpec {
    /// The name sent to the server (`publish`).
    pub name: String,
    /// What the menu says ("Publish selected posts").
    pub label: String,
    /// Whether it deletes (asks for confirmation first).
    pub deletes: bool,
}

/// One page of a change list with everything the page shows around it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeList {
    /// The model listed.
    pub model: AdminModel,
    /// The parameters as the server understood them (unknown filters removed).
    pub params: ListParams,
    /// The columns.
    pub columns: Vec<Column>,
    /// The rows of this page.
    pub rows: Vec<Row>,
    /// The side panel's filters.
    pub filters: Vec<FilterSpec>,
    /// The date drill-down, for models that have one.
    pub drill_down: Option<DrillDown>,
    /// The bulk actions the caller may run.
    pub actions: Vec<ActionSpec>,
    /// How many objects match the search, filters and date.
    pub matching: i64,
    /// How many objects the caller may see in all.
    pub total: i64,
    /// The page shown.
    pub page: PageInfo,
    /// What the search box searches ("title and body"), if the model has one.
    pub search_help: Option<String>,
    /// Whether the caller may add objects.
    pub can_add: bool,
    /// Whether post statuses are editable in the list.
    pub status_editable: bool,
}

/// What a bulk action or a list save did, for the message above the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionReport {
    /// "3 posts published."
    pub message: String,
    /// How many objects changed.
    pub affected: u64,
}

/// What an audit log entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LogAction {
    /// The object was created.
    Add,
    /// The object was changed.
    Change,
    /// The object was deleted.
    Delete,
}

impl LogAction {
    /// The stored value (`add`, `change`, `delete`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Change => "change",
            Self::Delete => "delete",
        }
    }

    /// Parses the stored value.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "add" => Some(Self::Add),
            "change" => Some(Self::Change),
            "delete" => Some(Self::Delete),
            _ => None,
        }
    }

    /// The past-tense verb ("Added").
    pub fn label(self) -> &'static str {
        match self {
            Self::Add => "Added",
            Self::Change => "Changed",
            Self::Delete => "Deleted",
        }
    }
}

/// An audit log entry (Django's `LogEntry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    /// When (UTC).
    pub action_time: DateTime<Utc>,
    /// Who: the username at the time.
    pub user: String,
    /// The object's model.
    pub model: AdminModel,
    /// The object's id.
    pub object_id: i64,
    /// The object's name at the time.
    pub object_repr: String,
    /// What was done.
    pub action: LogAction,
    /// What changed ("Changed title and status."), or the bulk action's name.
    pub change_message: String,
}

/// A model on the index page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexModel {
    /// The model.
    pub model: AdminModel,
    /// How many objects the caller may see.
    pub count: i64,
    /// Whether the caller may add one.
    pub can_add: bool,
    /// Something that needs attention, with the list path that shows it (jobs: "3 failed since
    /// yesterday" linking to the failed jobs).
    pub alert: Option<(String, String)>,
    /// A figure worth seeing at a glance, with the list path that shows it (subscribers:
    /// "9,997 confirmed").
    pub note: Option<(String, String)>,
}

/// The admin index: the models the caller may manage and the recent actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminIndex {
    /// The models, grouped by area in order (`("Blog", [...])`).
    pub areas: Vec<(String, Vec<IndexModel>)>,
    /// The newest audit log entries the caller may see.
    pub recent: Vec<LogEntry>,
    /// Whether the caller may download the whole site ([`Permission::ExportSite`]).
    pub can_export: bool,
}

/// Objects deleted with, or preventing the deletion of, an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelatedObjects {
    /// What they are ("Comments", "Posts").
    pub label: String,
    /// How many in all.
    pub count: i64,
    /// The first few, by name.
    pub names: Vec<String>,
}

/// The delete confirmation page of an object (Django's `delete_view`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletePreview {
    /// The model.
    pub model: AdminModel,
    /// The object's id.
    pub id: i64,
    /// The object's name.
    pub repr: String,
    /// What will be deleted with it.
    pub cascades: Vec<RelatedObjects>,
    /// What prevents the deletion (protected related objects); empty when it may go ahead.
    pub blockers: Vec<RelatedObjects>,
    /// A reason the deletion is refused other than related objects (the last superuser).
    pub refusal: Option<String>,
}

/// A staff member offered by the author picker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorChoice {
    /// `users.id`.
    pub id: i64,
    /// The username (what the picker's field holds).
    pub username: String,
    /// The display name, else the username.
    pub name: String,
    /// The email address, if any.
    pub email: Option<String>,
}

/// A post as its change form shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostForm {
    /// `None` for a new post.
    pub id: Option<i64>,
    /// The title.
    pub title: String,
    /// The slug.
    pub slug: String,
    /// The author's username.
    pub author: String,
    /// The category's id (0 for none chosen yet).
    pub category_id: i64,
    /// The body's Markdown.
    pub body: String,
    /// The status.
    pub status: PostStatus,
    /// The publication time (UTC), if set.
    pub published_at: Option<DateTime<Utc>>,
    /// The meta description.
    pub meta_description: String,
    /// Read-only: detail views.
    pub view_count: i64,
    /// Read-only: when created.
    pub created_at: Option<DateTime<Utc>>,
    /// Read-only: when last changed.
    pub updated_at: Option<DateTime<Utc>>,
    /// Read-only: the derived excerpt.
    pub excerpt: String,
    /// The public path when the post is public.
    pub public_path: Option<String>,
    /// Read-only: how far the post's newsletter got ("Sent to 4,812 of 10,000 subscribers;
    /// 3 failed"), or `None` when it has none.
    pub newsletter: Option<String>,
    /// The version the form was opened at (see the conflict check).
    pub version: String,
    /// The categories to choose from: `(id, name)`.
    pub categories: Vec<(i64, String)>,
    /// Whether the caller may choose another author (editors).
    pub can_change_author: bool,
    /// The tags' names, comma-separated, in order.
    pub tags: String,
    /// A dated post or a static page.
    pub kind: PostKind,
    /// A page's place in the site's navigation (empty: not listed).
    pub nav_order: Option<i32>,
}

/// A category as its change form shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryForm {
    /// `None` for a new category.
    pub id: Option<i64>,
    /// The name.
    pub name: String,
    /// The slug.
    pub slug: String,
    /// Read-only: how many posts it has.
    pub post_count: i64,
    /// The version the form was opened at.
    pub version: String,
}

/// A tag as its change form shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagForm {
    /// `None` for a new tag.
    pub id: Option<i64>,
    /// The name.
    pub name: String,
    /// The slug (the tag archive's address, `/tag/<slug>/`).
    pub slug: String,
    /// The description shown on the tag's archive page (plain text).
    pub description: String,
    /// Read-only: how many posts (of any status) carry it.
    pub post_count: i64,
    /// The version the form was opened at.
    pub version: String,
}

/// A tag offered by the tag fields' suggestions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagChoice {
    /// The name (what the field gets).
    pub name: String,
    /// The slug.
    pub slug: String,
}

/// A comment as its change form shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentForm {
    /// `comments.id`.
    pub id: i64,
    /// The post's title.
    pub post_title: String,
    /// The post's change form path.
    pub post_href: String,
    /// The author's username.
    pub author: String,
    /// The body.
    pub body: String,
    /// Whether it is approved.
    pub is_approved: bool,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// The version the form was opened at.
    pub version: String,
}

/// A user as the change form shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserForm {
    /// `None` for a new user.
    pub id: Option<i64>,
    /// The email address.
    pub email: String,
    /// The username.
    pub username: String,
    /// The display name.
    pub display_name: String,
    /// The role.
    pub role: Role,
    /// Whether the account may sign in.
    pub is_active: bool,
    /// Read-only: whether the email address was confirmed.
    pub is_verified: bool,
    /// Read-only: when the account was made.
    pub date_joined: Option<DateTime<Utc>>,
    /// Read-only: the last sign-in.
    pub last_login: Option<DateTime<Utc>>,
    /// Read-only: whether a password is set.
    pub has_password: bool,
    /// The version the form was opened at.
    pub version: String,
}

/// Where to go after a change form is saved (Django's `_save`, `_continue`, `_addanother`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum AfterSave {
    /// Back to the change list.
    #[default]
    List,
    /// Stay on the object's form.
    Continue,
    /// To an empty add form.
    AddAnother,
}

impl AfterSave {
    /// Parses the submit button's value (`save`, `continue`, `addanother`).
    pub fn parse(value: &str) -> Self {
        match value {
            "continue" => Self::Continue,
            "addanother" => Self::AddAnother,
            _ => Self::List,
        }
    }

    /// The path to go to after saving object `id` of `model`, with `?saved=<id>` for the
    /// message.
    pub fn path(self, model: AdminModel, id: i64) -> String {
        match self {
            Self::List => format!("{}?saved={id}", model.list_path()),
            Self::Continue => format!("{}?saved={id}", model.object_path(id)),
            Self::AddAnother => format!("/admin/{}/add/?saved={id}", model.slug()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_round_trip() {
        for model in AdminModel::ALL {
            assert_eq!(AdminModel::parse(model.slug()), Some(model));
            assert_eq!(AdminModel::from_singular(model.singular()), Some(model));
        }
        assert_eq!(AdminModel::parse("sessions"), None);
        assert_eq!(AdminModel::Posts.count_label(1), "1 post");
        assert_eq!(AdminModel::Categories.count_label(3), "3 categories");
    }

    #[test]
    fn after_save_goes_where_django_goes() {
        assert_eq!(
            AfterSave::parse("continue").path(AdminModel::Posts, 4),
            "/admin/posts/4/?saved=4"
        );
        assert_eq!(
            AfterSave::parse("addanother").path(AdminModel::Users, 2),
            "/admin/users/add/?saved=2"
        );
        assert_eq!(
            AfterSave::parse("").path(AdminModel::Comments, 9),
            "/admin/comments/?saved=9"
        );
        for action in [LogAction::Add, LogAction::Change, LogAction::Delete] {
            assert_eq!(LogAction::parse(action.as_str()), Some(action));
        }
    }
}

/// A background job as its admin page shows it (read-only: jobs are written by Folio). The
/// arguments are summarised, never shown whole: an email's body can hold a password-reset link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobDetail {
    /// The job's id.
    pub id: i64,
    /// Its kind (`send_email`).
    pub kind: String,
    /// What it does, in words ("Email to ada@example.org: “Password reset”").
    pub summary: String,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub status: String,
    /// Attempts started.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// When it may run (next).
    pub run_at: DateTime<Utc>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// When it finished, if it has.
    pub finished_at: Option<DateTime<Utc>>,
    /// The worker running it now.
    pub locked_by: Option<String>,
    /// The last attempt's error.
    pub last_error: Option<String>,
    /// The key that keeps it from being queued twice.
    pub idempotency_key: Option<String>,
}
