//! The admin's change-list queries: for each model, the `FROM` clause, the sortable columns, the
//! searched columns and the filters, and the queries that count, page, drill down by date and
//! select the targets of a bulk action. Conditions are built with [`Where`]; every value is
//! bound, and column names come only from the fixed tables here, never from the request.
//!
//! Indexes serve the common lists on 100,000 posts: newest first (`posts_published_at_idx`),
//! by status (`posts_status_published_at_idx`), created-date filters (`posts_created_at_idx`),
//! by author and category (their foreign-key indexes), by title (`posts_title_idx`).

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};

use crate::bind_values;
use crate::domain::changelist::ListParams;
use crate::domain::search::SearchQuery;
use crate::domain::{PostKind, PostStatus, Role};
use crate::model::admin::AdminModel;
use crate::on_conn;
use crate::ssr::db::filter::{Value, Where};
use crate::ssr::db::posts::search;
use crate::ssr::db::{Backend, Conn};

/// How a model's change list maps onto SQL.
#[derive(Debug, Clone, Copy)]
pub struct ListSql {
    /// `FROM` with the joins the columns need; the model's table is aliased `t`.
    pub from: &'static str,
    /// Sortable column keys and their SQL expressions.
    pub sortable: &'static [(&'static str, &'static str)],
    /// The ordering when none is asked for (a key of `sortable`, `-` for descending).
    pub default_order: &'static str,
    /// The columns the search box looks in.
    pub search: &'static [&'static str],
    /// The timestamp column of the date drill-down, if any.
    pub date_column: Option<&'static str>,
    /// The timestamp column of the "created" filter, if any.
    pub created_column: Option<&'static str>,
    /// The expression naming an object in messages and the audit log.
    pub repr: &'static str,
}

/// The SQL of `model`'s change list.
pub fn list_sql(model: AdminModel) -> ListSql {
    match model {
        AdminModel::Posts => ListSql {
            from: "FROM posts t JOIN users u ON u.id = t.author_id JOIN categories c ON c.id = t.category_id",
            sortable: &[
                ("title", "t.title"),
                ("author", "u.username"),
                ("category", "c.name"),
                ("status", "t.status"),
                ("published_at", "t.published_at"),
                ("view_count", "t.view_count"),
            ],
            default_order: "-published_at",
            // Not used: posts are searched on the full-text index (see `conditions`).
            search: &["t.title", "t.body_text"],
            date_column: Some("t.published_at"),
            created_column: Some("t.created_at"),
            repr: "t.title",
        },
        AdminModel::Categories => ListSql {
            from: "FROM categories t",
            sortable: &[
                ("name", "t.name"),
                ("slug", "t.slug"),
                ("post_count", "(SELECT COUNT(*) FROM posts p WHERE p.category_id = t.id)"),
            ],
            default_order: "name",
            search: &["t.name"],
            date_column: None,
            created_column: None,
            repr: "t.name",
        },
        AdminModel::Tags => ListSql {
            from: "FROM tags t",
            sortable: &[
                ("name", "t.name"),
                ("slug", "t.slug"),
                ("post_count", "(SELECT COUNT(*) FROM post_tags pt WHERE pt.tag_id = t.id)"),
            ],
            default_order: "name",
            search: &["t.name", "t.slug"],
            date_column: None,
            created_column: None,
            repr: "t.name",
        },
        AdminModel::Comments => ListSql {
            from: "FROM comments t JOIN posts p ON p.id = t.post_id JOIN users u ON u.id = t.author_id \
                   LEFT JOIN comments pc ON pc.id = t.parent_id LEFT JOIN users pu ON pu.id = pc.author_id",
            sortable: &[
                ("post", "p.title"),
                ("author", "u.username"),
                ("is_approved", "t.is_approved"),
                ("created_at", "t.created_at"),
            ],
            default_order: "-created_at",
            search: &["t.body", "u.username", "u.display_name"],
            date_column: None,
            created_column: Some("t.created_at"),
            repr: "t.body",
        },
        AdminModel::Users => ListSql {
            from: "FROM users t",
            sortable: &[
                ("email", "t.email"),
                ("username", "t.username"),
                ("name", "t.display_name"),
                ("role", "t.role"),
                ("is_active", "t.is_active"),
                ("date_joined", "t.date_joined"),
                ("last_login", "t.last_login"),
            ],
            default_order: "username",
            search: &["t.email", "t.username", "t.display_name"],
            date_column: None,
            created_column: Some("t.date_joined"),
            repr: "t.username",
        },
        AdminModel::Subscribers => ListSql {
            from: "FROM subscribers t",
            sortable: &[
                ("email", "t.email"),
                ("status", "t.status"),
                ("created_at", "t.created_at"),
                ("confirmed_at", "t.confirmed_at"),
            ],
            default_order: "-created_at",
            search: &["t.email"],
            date_column: None,
            created_column: Some("t.created_at"),
            repr: "t.email",
        },
        AdminModel::Jobs => ListSql {
            from: "FROM jobs t",
            sortable: &[
                ("id", "t.id"),
                ("kind", "t.kind"),
                ("status", "t.status"),
                ("attempts", "t.attempts"),
                ("run_at", "t.run_at"),
                ("created_at", "t.created_at"),
            ],
            default_order: "-id",
            search: &["t.kind", "t.last_error", "t.idempotency_key"],
            date_column: None,
            created_column: Some("t.created_at"),
            repr: "t.kind",
        },
    }
}

/// A choice of the "created" filter (Django's `DateFieldListFilter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreatedRange {
    /// Since midnight UTC today.
    Today,
    /// The past 7 days, today included.
    Past7Days,
    /// Since the first of this month.
    ThisMonth,
    /// Since the first of January.
    ThisYear,
}

impl CreatedRange {
    /// Every choice with its parameter value and label.
    pub const ALL: [(CreatedRange, &'static str, &'static str); 4] = [
        (CreatedRange::Today, "today", "Today"),
        (CreatedRange::Past7Days, "past_7_days", "Past 7 days"),
        (CreatedRange::ThisMonth, "this_month", "This month"),
        (CreatedRange::ThisYear, "this_year", "This year"),
    ];

    /// The range named by a parameter value.
    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, name, _)| *name == value)
            .map(|(range, _, _)| *range)
    }

    /// The start of the range (inclusive) as seen at `now`; ranges end tomorrow at midnight,
    /// so future dates (scheduled posts) are not included, as Django's filter.
    pub fn start(self, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = now.date_naive();
        let day = match self {
            Self::Today => today,
            Self::Past7Days => today - chrono::Duration::days(6),
            Self::ThisMonth => today.with_day(1).unwrap_or(today),
            Self::ThisYear => NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today),
        };
        midnight(day)
    }
}

fn midnight(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The half-open range `[start, end)` of a drill-down year, month or day (UTC); `None` for a
/// date that does not exist (February 30).
pub fn date_range(
    year: i32,
    month: Option<u32>,
    day: Option<u32>,
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let (start, end) = match (month, day) {
        (None, _) => (
            NaiveDate::from_ymd_opt(year, 1, 1)?,
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
        ),
        (Some(m), None) => {
            let start = NaiveDate::from_ymd_opt(year, m, 1)?;
            (start, start.checked_add_months(chrono::Months::new(1))?)
        }
        (Some(m), Some(d)) => {
            let start = NaiveDate::from_ymd_opt(year, m, d)?;
            (start, start.succ_opt()?)
        }
    };
    Some((midnight(start), midnight(end)))
}

/// Who is asking, for the rows they may see: authors see only their own posts.
#[derive(Debug, Clone, Copy)]
pub struct Viewer {
    /// `users.id`.
    pub id: i64,
    /// The role.
    pub role: Role,
}

/// Builds the `WHERE` clause of `model`'s list for `params` as `viewer` may see it on `backend`
/// (the posts' search uses the engine's full-text index), and
/// returns it with the parameters actually applied (unknown filters and invalid values dropped,
/// so the page never shows a filter as active that did nothing).
pub fn conditions(
    model: AdminModel,
    params: &ListParams,
    viewer: Viewer,
    backend: Backend,
    now: DateTime<Utc>,
) -> (Where, ListParams) {
    let spec = list_sql(model);
    let mut w = Where::default();
    let mut applied = ListParams {
        q: params.q.clone(),
        o: params.o.clone(),
        page: params.page.clone(),
        ..ListParams::default()
    };
    if model == AdminModel::Posts && viewer.role < Role::Editor {
        let n = w.push(Value::Int(viewer.id));
        w.and(&format!("t.author_id = {n}"));
    }
    if model == AdminModel::Posts {
        // Posts are searched on the full-text index (the readers' search, drafts included).
        // A search with no word to find (only punctuation) filters nothing, as a blank one.
        if let Some(query) = SearchQuery::parse(&params.q) {
            let condition = search::matches(backend, &mut w, &query, "t");
            w.and(&condition);
        }
    } else {
        let terms: Vec<String> = params
            .q
            .split_whitespace()
            .take(10)
            .map(str::to_string)
            .collect();
        w.search(spec.search, &terms);
    }
    for (name, value) in &params.filters {
        let applied_here = match (model, name.as_str()) {
            (AdminModel::Posts, "status") => PostStatus::parse(value).map(|status| {
                let n = w.push(Value::Text(status.as_str().to_string()));
                w.and(&format!("t.status = {n}"));
            }),
            (AdminModel::Posts, "category") => {
                let n = w.push(Value::Text(value.clone()));
                w.and(&format!(
                    "t.category_id = (SELECT id FROM categories WHERE slug = {n})"
                ));
                Some(())
            }
            (AdminModel::Posts, "tag") => {
                let n = w.push(Value::Text(value.clone()));
                w.and(&format!(
                    "t.id IN (SELECT pt.post_id FROM post_tags pt JOIN tags tg \
                     ON tg.id = pt.tag_id WHERE tg.slug = {n})"
                ));
                Some(())
            }
            (AdminModel::Posts, "kind") => PostKind::parse(value).map(|kind| {
                let n = w.push(Value::Text(kind.as_str().to_string()));
                w.and(&format!("t.kind = {n}"));
            }),
            (AdminModel::Posts, "author") if viewer.role >= Role::Editor => {
                let n = w.push(Value::Text(value.clone()));
                w.and(&format!(
                    "t.author_id = (SELECT id FROM users WHERE username = {n})"
                ));
                Some(())
            }
            (AdminModel::Comments, "is_approved") | (AdminModel::Users, "is_active") => {
                parse_flag(value).map(|flag| {
                    let n = w.push(Value::Bool(flag));
                    w.and(&format!("t.{name} = {n}"));
                })
            }
            (AdminModel::Subscribers, "category") if value == "all" => {
                let n = w.push(Value::Bool(true));
                w.and(&format!("t.all_posts = {n}"));
                Some(())
            }
            (AdminModel::Subscribers, "category") => {
                let n = w.push(Value::Text(value.clone()));
                w.and(&format!(
                    "t.all_posts = FALSE AND t.id IN (SELECT sc.subscriber_id FROM subscriber_categories sc \
                     JOIN categories sc_c ON sc_c.id = sc.category_id WHERE sc_c.slug = {n})"
                ));
                Some(())
            }
            (AdminModel::Subscribers, "status") => ["pending", "confirmed", "unsubscribed"]
                .into_iter()
                .find(|status| status == value)
                .map(|status| {
                    let n = w.push(Value::Text(status.to_string()));
                    w.and(&format!("t.status = {n}"));
                }),
            (AdminModel::Jobs, "status") => {
                crate::ssr::db::jobs::JobStatus::parse(value).map(|status| {
                    let n = w.push(Value::Text(status.as_str().to_string()));
                    w.and(&format!("t.status = {n}"));
                })
            }
            (AdminModel::Jobs, "kind") => crate::ssr::jobs::Job::KINDS
                .into_iter()
                .find(|kind| kind == value)
                .map(|kind| {
                    let n = w.push(Value::Text(kind.to_string()));
                    w.and(&format!("t.kind = {n}"));
                }),
            (AdminModel::Users, "role") => Role::try_from(value.clone()).ok().map(|role| {
                let n = w.push(Value::Text(role.as_str().to_string()));
                w.and(&format!("t.role = {n}"));
            }),
            (_, "created") => {
                spec.created_column
                    .zip(CreatedRange::parse(value))
                    .map(|(column, range)| {
                        let start = w.push(Value::Time(range.start(now)));
                        let end = w.push(Value::Time(
                            midnight(now.date_naive()) + chrono::Duration::days(1),
                        ));
                        w.and(&format!("{column} >= {start} AND {column} < {end}"));
                    })
            }
            _ => None,
        };
        if applied_here.is_some() {
            applied.filters.push((name.clone(), value.clone()));
        }
    }
    if let (Some(column), Some(year)) = (spec.date_column, params.year) {
        if let Some((start, end)) = date_range(year, params.month, params.day) {
            let start = w.push(Value::Time(start));
            let end = w.push(Value::Time(end));
            w.and(&format!("{column} >= {start} AND {column} < {end}"));
            applied.year = params.year;
            applied.month = params.month;
            applied.day = params.day;
        }
    }
    (w, applied)
}

fn parse_flag(value: &str) -> Option<bool> {
    match value {
        "1" | "true" | "yes" => Some(true),
        "0" | "false" | "no" => Some(false),
        _ => None,
    }
}

/// The `ORDER BY` expression for `params.o` (falling back to the model's default for an
/// unknown key), always ending with the id so pages never overlap.
pub fn order_by(model: AdminModel, params: &ListParams) -> (String, Option<String>) {
    let spec = list_sql(model);
    let find = |o: &str| {
        let (key, descending) = match o.strip_prefix('-') {
            Some(key) => (key, true),
            None => (o, false),
        };
        spec.sortable
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, sql)| (sql.to_string(), descending))
    };
    let (applied, (sql, descending)) = match params
        .o
        .as_deref()
        .and_then(|o| find(o).map(|f| (Some(o.to_string()), f)))
    {
        Some(found) => found,
        None => (
            None,
            find(spec.default_order).unwrap_or(("t.id".to_string(), true)),
        ),
    };
    let direction = if descending { "DESC" } else { "ASC" };
    (format!("{sql} {direction}, t.id {direction}"), applied)
}

/// Counts the rows of `from` matching `w`.
///
/// # Errors
/// The driver's error.
pub async fn count(conn: Conn<'_>, model: AdminModel, w: &Where) -> Result<i64, sqlx::Error> {
    let sql = format!("SELECT COUNT(*) {}{}", count_from(model, w), w.sql);
    on_conn!(conn, |c| bind_values!(
        sqlx::query_scalar::<_, i64>(&sql),
        &w.values
    )
    .fetch_one(c)
    .await)
}

/// Whether SQL built for a change list (conditions, an order) refers to a joined table
/// (`u.`, `c.` or `p.`) rather than only the model's own table `t`.
fn needs_joins(sql: &str) -> bool {
    sql.contains("u.") || sql.contains("c.") || sql.contains("p.")
}

/// `model`'s `FROM` for the rows `w` keeps. A search of posts on SQLite (its condition looks the
/// matching ids up in `posts`) names `posts_id_visibility_idx`, which holds the columns the
/// list filters, sorts and groups by most (status, published_at…): without it SQLite reads each
/// matching row, whose body comes first, to reach `published_at` (110 ms for a two-word search
/// at 100,000 posts, most of it in the list and the date drill-down).
fn from_clause(model: AdminModel, w: &Where, from: &str) -> String {
    if model == AdminModel::Posts && w.sql.contains("post_search MATCH") {
        from.replacen(
            "FROM posts t",
            "FROM posts t INDEXED BY posts_id_visibility_idx",
            1,
        )
    } else {
        from.to_string()
    }
}

/// The `FROM` of a count: without the joins when no condition needs them (the joined tables
/// are referenced by required foreign keys, so they do not change the count), letting the
/// database count an index.
fn count_from(model: AdminModel, w: &Where) -> String {
    if needs_joins(&w.sql) {
        from_clause(model, w, list_sql(model).from)
    } else {
        let table = match model {
            AdminModel::Posts => "posts",
            AdminModel::Categories => "categories",
            AdminModel::Tags => "tags",
            AdminModel::Comments => "comments",
            AdminModel::Users => "users",
            AdminModel::Jobs => "jobs",
            AdminModel::Subscribers => "subscribers",
        };
        from_clause(model, w, &format!("FROM {table} t"))
    }
}

/// A post row of the change list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostListRow {
    /// `posts.id`.
    pub id: i64,
    /// `posts.title`.
    pub title: String,
    /// The author's username.
    pub author: String,
    /// The category's name.
    pub category: String,
    /// `posts.status`.
    #[sqlx(try_from = "String")]
    pub status: PostStatus,
    /// `posts.published_at`.
    pub published_at: Option<DateTime<Utc>>,
    /// `posts.view_count`.
    pub view_count: i64,
}

/// A category or tag row of the change list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TaxonomyListRow {
    /// `categories.id` or `tags.id`.
    pub id: i64,
    /// The name.
    pub name: String,
    /// The slug.
    pub slug: String,
    /// How many posts (of any status) it has.
    pub post_count: i64,
}

/// A comment row of the change list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CommentListRow {
    /// `comments.id`.
    pub id: i64,
    /// The post's id.
    pub post_id: i64,
    /// The post's title.
    pub post_title: String,
    /// The author's username.
    pub author: String,
    /// `comments.body`.
    pub body: String,
    /// `comments.is_approved`.
    pub is_approved: bool,
    /// `comments.created_at`.
    pub created_at: DateTime<Utc>,
    /// `comments.parent_id`: the comment this one replies to.
    pub parent_id: Option<i64>,
    /// The username of the parent comment's author.
    pub parent_author: Option<String>,
}

/// A user row of the change list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserListRow {
    /// `users.id`.
    pub id: i64,
    /// `users.email`.
    pub email: Option<String>,
    /// `users.username`.
    pub username: String,
    /// `users.display_name`.
    pub display_name: String,
    /// `users.role`.
    #[sqlx(try_from = "String")]
    pub role: Role,
    /// `users.is_active`.
    pub is_active: bool,
    /// `users.date_joined`.
    pub date_joined: DateTime<Utc>,
    /// `users.last_login`.
    pub last_login: Option<DateTime<Utc>>,
}

/// A job row of the change list (the payload, which can hold a message's text and links, is
/// left out).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobListRow {
    /// `jobs.id`.
    pub id: i64,
    /// `jobs.kind`.
    pub kind: String,
    /// `jobs.status`.
    pub status: String,
    /// `jobs.attempts`.
    pub attempts: i64,
    /// `jobs.max_attempts`.
    pub max_attempts: i64,
    /// `jobs.run_at`.
    pub run_at: DateTime<Utc>,
    /// `jobs.last_error`.
    pub last_error: Option<String>,
    /// `jobs.created_at`.
    pub created_at: DateTime<Utc>,
}

/// A subscriber row of the change list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriberListRow {
    /// `subscribers.id`.
    pub id: i64,
    /// `subscribers.email`.
    pub email: String,
    /// `subscribers.status`.
    pub status: String,
    /// `subscribers.created_at`.
    pub created_at: DateTime<Utc>,
    /// `subscribers.confirmed_at`.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// `subscribers.all_posts`.
    pub all_posts: bool,
    /// How many categories they chose.
    pub category_count: i64,
}

/// One page of rows of some model.
#[derive(Debug, Clone)]
pub enum ListRows {
    /// Posts.
    Posts(Vec<PostListRow>),
    /// Categories.
    Categories(Vec<TaxonomyListRow>),
    /// Tags (the same columns as categories).
    Tags(Vec<TaxonomyListRow>),
    /// Comments.
    Comments(Vec<CommentListRow>),
    /// Users.
    Users(Vec<UserListRow>),
    /// Background jobs.
    Jobs(Vec<JobListRow>),
    /// Newsletter subscribers.
    Subscribers(Vec<SubscriberListRow>),
}

/// The columns of a subscriber row of the change list and its export.
const SUBSCRIBER_COLUMNS: &str = "t.id, t.email, t.status, t.created_at, t.confirmed_at, t.all_posts, \
     (SELECT COUNT(*) FROM subscriber_categories sc WHERE sc.subscriber_id = t.id) AS category_count";

/// Every subscriber matching `w` in `order` (the CSV export of the change list as filtered).
///
/// # Errors
/// The driver's error.
pub async fn all_subscribers(
    conn: Conn<'_>,
    w: &Where,
    order: &str,
) -> Result<Vec<SubscriberListRow>, sqlx::Error> {
    let sql = format!(
        "SELECT {SUBSCRIBER_COLUMNS} FROM subscribers t{} ORDER BY {order}",
        w.sql
    );
    on_conn!(conn, |c| bind_values!(
        sqlx::query_as::<_, SubscriberListRow>(&sql),
        &w.values
    )
    .fetch_all(c)
    .await)
}

/// Fetches `limit` rows from `offset` of `model`'s list matching `w`, in `order`.
///
/// # Errors
/// The driver's error.
pub async fn page(
    conn: Conn<'_>,
    model: AdminModel,
    w: &Where,
    order: &str,
    limit: i64,
    offset: i64,
) -> Result<ListRows, sqlx::Error> {
    let mut w = w.clone();
    let limit = w.push(Value::Int(limit));
    let offset = w.push(Value::Int(offset));
    let spec = list_sql(model);
    let columns = match model {
        AdminModel::Posts => "t.id, t.title, u.username AS author, c.name AS category, t.status, t.published_at, t.view_count",
        AdminModel::Categories => "t.id, t.name, t.slug, (SELECT COUNT(*) FROM posts p WHERE p.category_id = t.id) AS post_count",
        AdminModel::Tags => "t.id, t.name, t.slug, (SELECT COUNT(*) FROM post_tags pt WHERE pt.tag_id = t.id) AS post_count",
        AdminModel::Comments => "t.id, t.post_id, p.title AS post_title, u.username AS author, t.body, t.is_approved, t.created_at, t.parent_id, pu.username AS parent_author",
        AdminModel::Users => "t.id, t.email, t.username, t.display_name, t.role, t.is_active, t.date_joined, t.last_login",
        AdminModel::Jobs => "t.id, t.kind, t.status, t.attempts, t.max_attempts, t.run_at, t.last_error, t.created_at",
        AdminModel::Subscribers => SUBSCRIBER_COLUMNS,
    };
    // A deep page makes the database skip `offset` rows first. When neither the conditions nor
    // the order need the joined tables, the skipping runs over bare ids (an index walk) and only
    // the page's rows are joined: a "deferred join". Page 500 of 100,000 posts otherwise joins
    // 50,000 rows it throws away. Written as `t.id IN (…)`: as a join, SQLite 3.46 scans the
    // whole table and probes the page instead (measured: 36-58 ms instead of 2 ms).
    let sql = match spec.from.split_once(" JOIN ") {
        Some((table, _)) if !needs_joins(&w.sql) && !needs_joins(order) => format!(
            "SELECT {columns} {} WHERE t.id IN \
             (SELECT t.id {}{} ORDER BY {order} LIMIT {limit} OFFSET {offset}) \
             ORDER BY {order}",
            spec.from,
            from_clause(model, &w, table),
            w.sql,
        ),
        _ => format!(
            "SELECT {columns} {}{} ORDER BY {order} LIMIT {limit} OFFSET {offset}",
            from_clause(model, &w, spec.from),
            w.sql
        ),
    };
    macro_rules! fetch {
        ($row:ty) => {
            on_conn!(conn, |c| bind_values!(
                sqlx::query_as::<_, $row>(&sql),
                &w.values
            )
            .fetch_all(c)
            .await)
        };
    }
    Ok(match model {
        AdminModel::Posts => ListRows::Posts(fetch!(PostListRow)?),
        AdminModel::Categories => ListRows::Categories(fetch!(TaxonomyListRow)?),
        AdminModel::Tags => ListRows::Tags(fetch!(TaxonomyListRow)?),
        AdminModel::Comments => ListRows::Comments(fetch!(CommentListRow)?),
        AdminModel::Users => ListRows::Users(fetch!(UserListRow)?),
        AdminModel::Jobs => ListRows::Jobs(fetch!(JobListRow)?),
        AdminModel::Subscribers => ListRows::Subscribers(fetch!(SubscriberListRow)?),
    })
}

/// The level of a date drill-down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateLevel {
    /// Count by year.
    Year,
    /// Count by month (of the chosen year).
    Month,
    /// Count by day (of the chosen month).
    Day,
}

/// The most periods [`date_counts`] counts one range at a time; a wider span (dates decades
/// apart) is grouped in one pass instead.
const MAX_RANGE_PERIODS: usize = 40;

/// Counts the rows matching `w` per year, month or day of the drill-down column, oldest first:
/// `(period as text "2024" / "2024-05" / "2024-05-03", count)`, periods without rows left out.
/// Rows without a date are not counted.
///
/// When `only_dates` (nothing but the drill-down's own date range restricts `w`: no search,
/// filter or owner), finds the first and last date (two index seeks) and counts each period
/// between them with the same half-open range the drill-down's links filter by, so the
/// database counts ranges of the date index instead of passing every row through a date
/// function and grouping (on 100,000 posts and SQLite: about 6 ms instead of 28 ms). Otherwise
/// the matching rows are grouped in one pass, as each period's count would have to look at
/// rows the date index cannot filter.
///
/// # Errors
/// The driver's error.
pub async fn date_counts(
    mut conn: Conn<'_>,
    model: AdminModel,
    w: &Where,
    level: DateLevel,
    only_dates: bool,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let spec = list_sql(model);
    let Some(column) = spec.date_column else {
        return Ok(Vec::new());
    };
    if !only_dates {
        return grouped_date_counts(conn, model, w, level).await;
    }
    let from = count_from(model, w);
    let not_null = if w.sql.is_empty() { " WHERE " } else { " AND " };
    let edge = |direction: &str| {
        format!(
            "SELECT {column} {from}{}{not_null}{column} IS NOT NULL ORDER BY {column} {direction} LIMIT 1",
            w.sql
        )
    };
    let mut edges = Vec::with_capacity(2);
    for direction in ["ASC", "DESC"] {
        let sql = edge(direction);
        edges.push(on_conn!(conn.reborrow(), |c| bind_values!(
            sqlx::query_scalar::<_, DateTime<Utc>>(&sql),
            &w.values
        )
        .fetch_optional(c)
        .await)?);
    }
    let (first, last) = (edges[0], edges[1]);
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(Vec::new());
    };
    let Some(periods) = periods_between(first, last, level) else {
        return grouped_date_counts(conn, model, w, level).await;
    };
    // Each period lies inside the drill-down's range, the only condition in `w`, so it is
    // counted on its own: SQLite bounds an index scan by one range per column and would walk
    // the whole year for each month otherwise.
    let mut counts = Vec::new();
    for (label, start, end) in periods {
        let mut within = Where::default();
        let start = within.push(Value::Time(start));
        let end = within.push(Value::Time(end));
        within.and(&format!("{column} >= {start} AND {column} < {end}"));
        let n = count(conn.reborrow(), model, &within).await?;
        if n > 0 {
            counts.push((label, n));
        }
    }
    Ok(counts)
}

/// A drill-down period: its label ("2024", "2024-05", "2024-05-03") and its half-open UTC
/// range `[start, end)`.
type Period = (String, DateTime<Utc>, DateTime<Utc>);

/// The periods of `level` from the one holding `first` to the one holding `last`, as
/// `(label, start, end)` with a half-open UTC range; `None` when there are more than
/// [`MAX_RANGE_PERIODS`] (or a date is out of range).
fn periods_between(
    first: DateTime<Utc>,
    last: DateTime<Utc>,
    level: DateLevel,
) -> Option<Vec<Period>> {
    let mut periods = Vec::new();
    let (mut year, mut month, mut day) = match level {
        DateLevel::Year => (first.year(), None, None),
        DateLevel::Month => (first.year(), Some(first.month()), None),
        DateLevel::Day => (first.year(), Some(first.month()), Some(first.day())),
    };
    loop {
        let (start, end) = date_range(year, month, day)?;
        if start > last {
            return Some(periods);
        }
        if periods.len() == MAX_RANGE_PERIODS {
            return None;
        }
        let label = match (month, day) {
            (None, _) => format!("{year:04}"),
            (Some(m), None) => format!("{year:04}-{m:02}"),
            (Some(m), Some(d)) => format!("{year:04}-{m:02}-{d:02}"),
        };
        periods.push((label, start, end));
        (year, month, day) = (
            end.year(),
            month.map(|_| end.month()),
            day.map(|_| end.day()),
        );
    }
}

/// [`date_counts`] in one grouping pass: for filtered lists, and spans too wide to count
/// period by period.
async fn grouped_date_counts(
    conn: Conn<'_>,
    model: AdminModel,
    w: &Where,
    level: DateLevel,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let spec = list_sql(model);
    let Some(column) = spec.date_column else {
        return Ok(Vec::new());
    };
    let chars = match level {
        DateLevel::Year => 4,
        DateLevel::Month => 7,
        DateLevel::Day => 10,
    };
    // SQLite stores RFC 3339 text in UTC; PostgreSQL a timestamptz, formatted in UTC.
    let period = match conn {
        Conn::Sqlite(_) => format!("substr({column}, 1, {chars})"),
        Conn::Postgres(_) => {
            let pattern = match level {
                DateLevel::Year => "YYYY",
                DateLevel::Month => "YYYY-MM",
                DateLevel::Day => "YYYY-MM-DD",
            };
            format!("to_char({column} AT TIME ZONE 'UTC', '{pattern}')")
        }
    };
    let not_null = if w.sql.is_empty() { " WHERE " } else { " AND " };
    let sql = format!(
        "SELECT {period} AS period, COUNT(*) AS n {}{}{not_null}{column} IS NOT NULL GROUP BY period ORDER BY period",
        count_from(model, w),
        w.sql,
    );
    on_conn!(conn, |c| bind_values!(
        sqlx::query_as::<_, (String, i64)>(&sql),
        &w.values
    )
    .fetch_all(c)
    .await)
}

/// The ids and names of every row of `model` matching `w` (the targets of a bulk action on
/// "all matching"), or of those among `ids` when given; at most `limit`.
///
/// # Errors
/// The driver's error.
pub async fn targets(
    conn: Conn<'_>,
    model: AdminModel,
    w: &Where,
    ids: Option<&[i64]>,
    limit: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let spec = list_sql(model);
    let mut w = w.clone();
    if let Some(ids) = ids {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = ids.iter().map(|id| w.push(Value::Int(*id))).collect();
        w.and(&format!("t.id IN ({})", list.join(", ")));
    }
    let limit = w.push(Value::Int(limit));
    let sql = format!(
        "SELECT t.id, {} AS repr {}{} ORDER BY t.id LIMIT {limit}",
        spec.repr, spec.from, w.sql
    );
    on_conn!(conn, |c| bind_values!(
        sqlx::query_as::<_, (i64, String)>(&sql),
        &w.values
    )
    .fetch_all(c)
    .await)
}

/// The choices of the posts change list's side filters, each `(value, label)` by label.
#[derive(Debug, Clone, Default)]
pub struct PostFilterChoices {
    /// Categories: `(slug, name)`.
    pub categories: Vec<(String, String)>,
    /// Usernames of the users who have posts (at most 200).
    pub authors: Vec<String>,
    /// The most used tags: `(slug, name)`, at most [`TAG_FILTER_CHOICES`]. Any other tag is
    /// still reachable with `?tag=<slug>` (the tag's change list links there).
    pub tags: Vec<(String, String)>,
}

/// How many tags the posts list offers as filter choices: the most used ones, since a site
/// can have thousands of tags and Django's `RelatedFieldListFilter` listing them all would
/// bury the other filters.
pub const TAG_FILTER_CHOICES: i64 = 30;

/// The filter choices of posts (see [`PostFilterChoices`]).
///
/// # Errors
/// The driver's error.
pub async fn post_filter_choices(mut conn: Conn<'_>) -> Result<PostFilterChoices, sqlx::Error> {
    let categories = on_conn!(conn.reborrow(), |c| sqlx::query_as::<_, (String, String)>(
        "SELECT slug, name FROM categories ORDER BY name"
    )
    .fetch_all(c)
    .await)?;
    // Staff who can have posts; walking users is cheap next to scanning 100,000 posts.
    let authors = on_conn!(conn.reborrow(), |c| {
        sqlx::query_scalar::<_, String>(
        "SELECT u.username FROM users u WHERE EXISTS (SELECT 1 FROM posts p WHERE p.author_id = u.id) ORDER BY u.username LIMIT 200"
    )
    .fetch_all(c)
    .await
    })?;
    let mut tags = on_conn!(conn, |c| sqlx::query_as::<_, (String, String)>(
        "SELECT tg.slug, tg.name FROM tags tg JOIN post_tags pt ON pt.tag_id = tg.id \
         GROUP BY tg.id, tg.slug, tg.name ORDER BY COUNT(*) DESC, tg.name LIMIT $1"
    )
    .bind(TAG_FILTER_CHOICES)
    .fetch_all(c)
    .await)?;
    tags.sort_by_key(|a| a.1.to_lowercase());
    Ok(PostFilterChoices {
        categories,
        authors,
        tags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap()
    }

    #[test]
    fn drill_down_periods_cover_first_to_last_and_give_up_when_too_many() {
        let labels = |first, last, level| {
            periods_between(first, last, level)
                .map(|p| p.into_iter().map(|(label, ..)| label).collect::<Vec<_>>())
        };
        assert_eq!(
            labels(at(2019, 6, 1), at(2021, 1, 1), DateLevel::Year).unwrap(),
            ["2019", "2020", "2021"]
        );
        assert_eq!(
            labels(at(2023, 11, 30), at(2024, 2, 3), DateLevel::Month).unwrap(),
            ["2023-11", "2023-12", "2024-01", "2024-02"]
        );
        assert_eq!(
            labels(at(2024, 2, 28), at(2024, 3, 1), DateLevel::Day).unwrap(),
            ["2024-02-28", "2024-02-29", "2024-03-01"]
        );
        let (_, start, end) = periods_between(at(2024, 5, 3), at(2024, 5, 3), DateLevel::Day)
            .unwrap()
            .remove(0);
        assert_eq!((start, end), date_range(2024, Some(5), Some(3)).unwrap());
        assert!(labels(at(1900, 1, 1), at(2024, 1, 1), DateLevel::Year).is_none());
    }

    fn viewer(role: Role) -> Viewer {
        Viewer { id: 7, role }
    }

    #[test]
    fn unknown_filters_and_bad_values_are_not_applied() {
        let params = ListParams::parse("status=DRAFT&color=red&created=yesterday&category=news");
        let (w, applied) = conditions(
            AdminModel::Posts,
            &params,
            viewer(Role::Editor),
            Backend::Sqlite,
            Utc::now(),
        );
        assert_eq!(
            applied.filters,
            vec![
                ("category".to_string(), "news".to_string()),
                ("status".to_string(), "DRAFT".to_string())
            ]
        );
        assert_eq!(w.values.len(), 2);
    }

    #[test]
    fn authors_see_only_their_posts_and_cannot_filter_by_author() {
        let params = ListParams::parse("author=someone");
        let (w, applied) = conditions(
            AdminModel::Posts,
            &params,
            viewer(Role::Author),
            Backend::Sqlite,
            Utc::now(),
        );
        assert!(applied.filters.is_empty());
        assert_eq!(w.sql, " WHERE t.author_id = $1");
        assert_eq!(w.values, vec![Value::Int(7)]);
    }

    #[test]
    fn ordering_falls_back_to_the_default_for_unknown_columns() {
        let (sql, applied) = order_by(AdminModel::Posts, &ListParams::parse("o=-view_count"));
        assert_eq!(sql, "t.view_count DESC, t.id DESC");
        assert_eq!(applied.as_deref(), Some("-view_count"));
        let (sql, applied) = order_by(AdminModel::Posts, &ListParams::parse("o=password_hash"));
        assert_eq!(sql, "t.published_at DESC, t.id DESC");
        assert_eq!(applied, None);
        let (sql, _) = order_by(AdminModel::Users, &ListParams::default());
        assert_eq!(sql, "t.username ASC, t.id ASC");
    }

    #[test]
    fn date_ranges_are_half_open_and_reject_impossible_dates() {
        let (start, end) = date_range(2024, Some(2), None).unwrap();
        assert_eq!(start.to_rfc3339(), "2024-02-01T00:00:00+00:00");
        assert_eq!(end.to_rfc3339(), "2024-03-01T00:00:00+00:00");
        let (start, end) = date_range(2024, Some(12), Some(31)).unwrap();
        assert_eq!((start.day(), end.year(), end.month()), (31, 2025, 1));
        assert!(date_range(2023, Some(2), Some(30)).is_none());
    }

    #[test]
    fn created_ranges_start_where_django_starts_them() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 15, 30, 0).unwrap();
        assert_eq!(
            CreatedRange::Today.start(now).to_rfc3339(),
            "2026-11-22T00:00:00+00:00"
        );
        assert_eq!(
            CreatedRange::Past7Days.start(now).to_rfc3339(),
            "2026-11-16T00:00:00+00:00"
        );
        assert_eq!(
            CreatedRange::ThisMonth.start(now).to_rfc3339(),
            "2026-11-01T00:00:00+00:00"
        );
        assert_eq!(
            CreatedRange::ThisYear.start(now).to_rfc3339(),
            "2026-01-01T00:00:00+00:00"
        );
    }

    #[test]
    fn counts_skip_joins_when_no_condition_needs_them() {
        let (w, _) = conditions(
            AdminModel::Posts,
            &ListParams::parse("status=DRAFT"),
            viewer(Role::Editor),
            Backend::Sqlite,
            Utc::now(),
        );
        assert_eq!(count_from(AdminModel::Posts, &w), "FROM posts t");
        let (w, _) = conditions(
            AdminModel::Comments,
            &ListParams::parse("q=bob"),
            viewer(Role::Editor),
            Backend::Sqlite,
            Utc::now(),
        );
        assert!(count_from(AdminModel::Comments, &w).contains("JOIN users"));
    }

    #[test]
    fn post_searches_on_sqlite_look_posts_up_in_the_visibility_index() {
        let search = |backend| {
            conditions(
                AdminModel::Posts,
                &ListParams::parse("q=async%20closures"),
                viewer(Role::Editor),
                backend,
                Utc::now(),
            )
            .0
        };
        assert_eq!(
            count_from(AdminModel::Posts, &search(Backend::Sqlite)),
            "FROM posts t INDEXED BY posts_id_visibility_idx"
        );
        assert_eq!(
            count_from(AdminModel::Posts, &search(Backend::Postgres)),
            "FROM posts t"
        );
    }
}
