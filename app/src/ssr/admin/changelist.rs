//! Building a change list page: rows, columns, filters, date drill-down, counts and actions.
//!
//! Counting follows Django's `show_full_result_count`: the total is counted once, and the
//! matching count is the same query when nothing narrows the list, so an unfiltered list of
//! 100,000 posts counts once, over an index.

use chrono::{DateTime, Utc};

use crate::domain::changelist::{ListParams, PER_PAGE};
use crate::domain::pagination::PageRequest;
use crate::domain::text::month_name;
use crate::domain::{Permission, PostKind, PostStatus, Role};
use crate::error::AppError;
use crate::model::admin::{
    ActionSpec, AdminModel, Cell, ChangeList, Column, DateStep, DrillDown, FilterChoice,
    FilterSpec, Row,
};
use crate::ssr::admin::actions::BulkAction;
use crate::ssr::db::admin_lists::{
    self, CreatedRange, DateLevel, ListRows, TaxonomyListRow, Viewer,
};
use crate::ssr::db::filter::Where;
use crate::ssr::db::users::AccountRow;
use crate::ssr::AppState;

/// The change list of `model` for `params`, as `actor` may see it.
///
/// # Errors
/// [`AppError::Forbidden`] without the model's permission; [`AppError::Internal`] when the
/// database fails.
pub async fn change_list(
    state: &AppState,
    actor: &AccountRow,
    model: AdminModel,
    params: &ListParams,
    now: DateTime<Utc>,
) -> Result<ChangeList, AppError> {
    super::authorise_model(actor, model)?;
    let viewer = Viewer {
        id: actor.id,
        role: actor.role,
    };
    let (w, mut applied) = admin_lists::conditions(model, params, viewer, state.db.backend(), now);
    let (order, applied_order) = admin_lists::order_by(model, params);
    applied.o = applied_order;
    let mut conn = state.db.acquire().await?;
    let (base, _) = admin_lists::conditions(
        model,
        &ListParams::default(),
        viewer,
        state.db.backend(),
        now,
    );
    let total = admin_lists::count(conn.conn(), model, &base).await?;
    let matching = if applied.is_narrowed() {
        admin_lists::count(conn.conn(), model, &w).await?
    } else {
        total
    };
    let page = PageRequest::from_query(applied.page.as_deref(), PER_PAGE).resolve(matching);
    let rows = admin_lists::page(conn.conn(), model, &w, &order, PER_PAGE, page.offset()).await?;
    let filters = filters(conn.conn(), model, actor.role).await?;
    let drill_down = match model {
        AdminModel::Posts => {
            // Nothing but the drill-down's date range narrows the rows: counts by date range.
            let only_dates =
                applied.q.is_empty() && applied.filters.is_empty() && base.sql.is_empty();
            Some(drill_down(conn.conn(), model, &applied, &w, only_dates).await?)
        }
        _ => None,
    };
    let may_edit_status = model == AdminModel::Posts;
    Ok(ChangeList {
        model,
        columns: columns(model),
        rows: rows_of(rows),
        filters,
        drill_down,
        actions: BulkAction::for_model(model, actor.role)
            .into_iter()
            .map(|a| ActionSpec {
                name: a.name().to_string(),
                label: a.label().to_string(),
                deletes: a.deletes(),
            })
            .collect(),
        matching,
        total,
        page,
        search_help: Some(search_help(model).to_string()),
        can_add: model.can_add(),
        status_editable: may_edit_status,
        params: applied,
    })
}

fn search_help(model: AdminModel) -> &'static str {
    match model {
        AdminModel::Posts => {
            "Searches titles, excerpts, tags and text by word (publishing finds published); \
             \"exact phrase\", prefix*, -exclude."
        }
        AdminModel::Categories => "Searches names.",
        AdminModel::Tags => "Searches names and slugs.",
        AdminModel::Comments => "Searches comment text and authors.",
        AdminModel::Users => "Searches email addresses, usernames and names.",
        AdminModel::Jobs => "Searches kinds, last errors and idempotency keys.",
        AdminModel::Subscribers => "Searches email addresses.",
    }
}

fn column(key: &str, label: &str, sortable: bool) -> Column {
    Column {
        key: key.to_string(),
        label: label.to_string(),
        sortable,
    }
}

/// The columns of `model`'s list, in the order of its cells.
pub fn columns(model: AdminModel) -> Vec<Column> {
    match model {
        AdminModel::Posts => vec![
            column("title", "Title", true),
            column("author", "Author", true),
            column("category", "Category", true),
            column("status", "Status", true),
            column("published_at", "Published", true),
            column("view_count", "Views", true),
        ],
        AdminModel::Categories | AdminModel::Tags => vec![
            column("name", "Name", true),
            column("slug", "Slug", true),
            column("post_count", "Posts", true),
        ],
        AdminModel::Comments => vec![
            column("post", "Post", true),
            column("author", "Author", true),
            column("body", "Comment", false),
            column("reply_to", "In reply to", false),
            column("is_approved", "Approved", true),
            column("created_at", "Created", true),
        ],
        AdminModel::Users => vec![
            column("email", "Email address", true),
            column("username", "Username", true),
            column("name", "Name", true),
            column("role", "Role", true),
            column("is_active", "Active", true),
            column("date_joined", "Joined", true),
            column("last_login", "Last sign-in", true),
        ],
        AdminModel::Subscribers => vec![
            column("email", "Email address", true),
            column("status", "Status", true),
            column("posts", "Posts", false),
            column("created_at", "Subscribed", true),
            column("confirmed_at", "Confirmed", true),
        ],
        AdminModel::Jobs => vec![
            column("id", "Job", true),
            column("kind", "Kind", true),
            column("status", "Status", true),
            column("attempts", "Attempts", true),
            column("run_at", "Run at", true),
            column("last_error", "Last error", false),
            column("created_at", "Queued", true),
        ],
    }
}

/// The subscribers of the change list as `params` filter, searched and sort it, as CSV
/// (RFC 4180: a header row, then `email,status,posts,created_at,confirmed_at`, times in
/// RFC 3339 UTC): the "Export CSV" link of `/admin/subscribers/`. A cell that a spreadsheet
/// would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) is
/// prefixed with `'`, as OWASP's "CSV injection" advice says.
///
/// # Errors
/// [`AppError::Forbidden`] without `ManageUsers`; [`AppError::Internal`] when the database or
/// the CSV writer fails.
pub async fn export_subscribers(
    state: &AppState,
    actor: &AccountRow,
    params: &ListParams,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let model = AdminModel::Subscribers;
    super::authorise_model(actor, model)?;
    let viewer = Viewer {
        id: actor.id,
        role: actor.role,
    };
    let (w, _) = admin_lists::conditions(model, params, viewer, state.db.backend(), now);
    let (order, _) = admin_lists::order_by(model, params);
    let mut conn = state.db.acquire().await?;
    let rows = admin_lists::all_subscribers(conn.conn(), &w, &order).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let time = |t: Option<DateTime<Utc>>| {
        t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    let failed = |e: csv::Error| {
        tracing::error!(error = %e, "subscriber export failed");
        AppError::Internal
    };
    out.write_record(["email", "status", "posts", "created_at", "confirmed_at"])
        .map_err(failed)?;
    for r in &rows {
        out.write_record([
            spreadsheet_safe(&r.email),
            r.status.clone(),
            subscriber_posts(r.all_posts, r.category_count),
            time(Some(r.created_at)),
            time(r.confirmed_at),
        ])
        .map_err(failed)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| failed(e.into_error().into()))?;
    tracing::info!(
        user_id = actor.id,
        rows = rows.len(),
        "subscribers exported as CSV"
    );
    String::from_utf8(bytes).map_err(|_| AppError::Internal)
}

/// `cell` with a `'` in front when a spreadsheet would read it as a formula (OWASP, "CSV
/// injection").
pub fn spreadsheet_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// What a subscriber gets, for the list's "Posts" column and the CSV export.
pub fn subscriber_posts(all_posts: bool, categories: i64) -> String {
    match (all_posts, categories) {
        (true, _) => "every post".to_string(),
        (false, 1) => "1 category".to_string(),
        (false, n) => format!("{n} categories"),
    }
}

/// The first 80 characters of a comment, on one line.
fn excerpt(body: &str) -> String {
    let line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= 80 {
        line
    } else {
        format!("{}…", line.chars().take(79).collect::<String>())
    }
}

/// Category or tag rows: the name links to the change form, the slug to the posts list
/// filtered by it.
fn taxonomy_rows(model: AdminModel, rows: Vec<TaxonomyListRow>) -> Vec<Row> {
    let filter = if model == AdminModel::Tags {
        "tag"
    } else {
        "category"
    };
    rows.into_iter()
        .map(|r| Row {
            id: r.id,
            cells: vec![
                Cell::Link {
                    text: r.name,
                    href: model.object_path(r.id),
                },
                // Slugs hold only URL-safe characters (letters, digits, `-`, `_`, `.`).
                Cell::Link {
                    href: format!("{}?{filter}={}", AdminModel::Posts.list_path(), r.slug),
                    text: r.slug,
                },
                Cell::Number(r.post_count),
            ],
        })
        .collect()
}

fn rows_of(rows: ListRows) -> Vec<Row> {
    match rows {
        ListRows::Posts(rows) => rows
            .into_iter()
            .map(|r| Row {
                id: r.id,
                cells: vec![
                    Cell::Link {
                        text: r.title,
                        href: AdminModel::Posts.object_path(r.id),
                    },
                    Cell::Text(r.author),
                    Cell::Text(r.category),
                    Cell::Status(r.status),
                    Cell::Time(r.published_at),
                    Cell::Number(r.view_count),
                ],
            })
            .collect(),
        ListRows::Categories(rows) => taxonomy_rows(AdminModel::Categories, rows),
        ListRows::Tags(rows) => taxonomy_rows(AdminModel::Tags, rows),
        ListRows::Comments(rows) => rows
            .into_iter()
            .map(|r| Row {
                id: r.id,
                cells: vec![
                    Cell::Link {
                        text: r.post_title,
                        href: AdminModel::Comments.object_path(r.id),
                    },
                    Cell::Text(r.author),
                    Cell::Text(excerpt(&r.body)),
                    match r.parent_id {
                        Some(parent) => Cell::Link {
                            text: format!(
                                "↳ {}",
                                r.parent_author.as_deref().unwrap_or("a comment")
                            ),
                            href: AdminModel::Comments.object_path(parent),
                        },
                        None => Cell::Text(String::new()),
                    },
                    Cell::Bool(r.is_approved),
                    Cell::Time(Some(r.created_at)),
                ],
            })
            .collect(),
        ListRows::Users(rows) => rows
            .into_iter()
            .map(|r| Row {
                id: r.id,
                cells: vec![
                    Cell::Link {
                        text: r.email.unwrap_or_else(|| "(no email)".to_string()),
                        href: AdminModel::Users.object_path(r.id),
                    },
                    Cell::Text(r.username),
                    Cell::Text(r.display_name),
                    Cell::Text(r.role.label().to_string()),
                    Cell::Bool(r.is_active),
                    Cell::Time(Some(r.date_joined)),
                    Cell::Time(r.last_login),
                ],
            })
            .collect(),
        ListRows::Subscribers(rows) => rows
            .into_iter()
            .map(|r| Row {
                id: r.id,
                cells: vec![
                    // No page of its own: the list's actions are all there is to do.
                    Cell::Text(r.email),
                    Cell::Text(r.status),
                    Cell::Text(subscriber_posts(r.all_posts, r.category_count)),
                    Cell::Time(Some(r.created_at)),
                    Cell::Time(r.confirmed_at),
                ],
            })
            .collect(),
        ListRows::Jobs(rows) => rows
            .into_iter()
            .map(|r| Row {
                id: r.id,
                cells: vec![
                    Cell::Link {
                        text: format!("#{}", r.id),
                        href: AdminModel::Jobs.object_path(r.id),
                    },
                    Cell::Text(r.kind),
                    Cell::Text(r.status),
                    Cell::Text(format!("{} of {}", r.attempts, r.max_attempts)),
                    Cell::Time(Some(r.run_at)),
                    Cell::Text(excerpt(r.last_error.as_deref().unwrap_or(""))),
                    Cell::Time(Some(r.created_at)),
                ],
            })
            .collect(),
    }
}

fn choice(label: &str, value: Option<&str>) -> FilterChoice {
    FilterChoice {
        label: label.to_string(),
        value: value.map(str::to_string),
    }
}

fn created_filter(title: &str) -> FilterSpec {
    let mut choices = vec![choice("Any date", None)];
    choices.extend(
        CreatedRange::ALL
            .iter()
            .map(|(_, value, label)| choice(label, Some(value))),
    );
    FilterSpec {
        param: "created".to_string(),
        title: title.to_string(),
        choices,
    }
}

fn yes_no(param: &str, title: &str) -> FilterSpec {
    FilterSpec {
        param: param.to_string(),
        title: title.to_string(),
        choices: vec![
            choice("All", None),
            choice("Yes", Some("1")),
            choice("No", Some("0")),
        ],
    }
}

async fn filters(
    conn: crate::ssr::db::Conn<'_>,
    model: AdminModel,
    role: Role,
) -> Result<Vec<FilterSpec>, AppError> {
    Ok(match model {
        AdminModel::Posts => {
            let choices = admin_lists::post_filter_choices(conn).await?;
            let mut status = vec![choice("All", None)];
            status.extend(
                [
                    PostStatus::Draft,
                    PostStatus::Published,
                    PostStatus::Archived,
                ]
                .into_iter()
                .map(|s| choice(s.label(), Some(s.as_str()))),
            );
            let mut specs = vec![FilterSpec {
                param: "status".to_string(),
                title: "By status".to_string(),
                choices: status,
            }];
            let mut kind = vec![choice("All", None)];
            kind.extend(
                PostKind::ALL
                    .into_iter()
                    .map(|k| choice(k.label(), Some(k.as_str()))),
            );
            specs.push(FilterSpec {
                param: "kind".to_string(),
                title: "By kind".to_string(),
                choices: kind,
            });
            let mut category = vec![choice("All", None)];
            category.extend(
                choices
                    .categories
                    .iter()
                    .map(|(slug, name)| choice(name, Some(slug))),
            );
            specs.push(FilterSpec {
                param: "category".to_string(),
                title: "By category".to_string(),
                choices: category,
            });
            if !choices.tags.is_empty() {
                let mut tag = vec![choice("All", None)];
                tag.extend(
                    choices
                        .tags
                        .iter()
                        .map(|(slug, name)| choice(name, Some(slug))),
                );
                specs.push(FilterSpec {
                    param: "tag".to_string(),
                    title: "By tag".to_string(),
                    choices: tag,
                });
            }
            if role.can(Permission::EditAllPosts) {
                let mut author = vec![choice("All", None)];
                author.extend(choices.authors.iter().map(|name| choice(name, Some(name))));
                specs.push(FilterSpec {
                    param: "author".to_string(),
                    title: "By author".to_string(),
                    choices: author,
                });
            }
            specs.push(created_filter("By created date"));
            specs
        }
        AdminModel::Categories | AdminModel::Tags => Vec::new(),
        AdminModel::Comments => vec![
            yes_no("is_approved", "By approval"),
            created_filter("By created date"),
        ],
        AdminModel::Users => {
            let mut roles = vec![choice("All", None)];
            roles.extend(
                Role::ALL
                    .into_iter()
                    .map(|r| choice(r.label(), Some(r.as_str()))),
            );
            vec![
                FilterSpec {
                    param: "role".to_string(),
                    title: "By role".to_string(),
                    choices: roles,
                },
                yes_no("is_active", "By active"),
            ]
        }
        AdminModel::Subscribers => {
            let mut status = vec![choice("All", None)];
            status.extend(
                ["pending", "confirmed", "unsubscribed"]
                    .into_iter()
                    .map(|s| choice(s, Some(s))),
            );
            let mut category = vec![choice("All", None), choice("Every post", Some("all"))];
            category.extend(
                crate::ssr::db::categories::list(conn, 200, 0)
                    .await?
                    .into_iter()
                    .map(|c| choice(&c.name, Some(&c.slug))),
            );
            vec![
                FilterSpec {
                    param: "status".to_string(),
                    title: "By status".to_string(),
                    choices: status,
                },
                FilterSpec {
                    param: "category".to_string(),
                    title: "By chosen category".to_string(),
                    choices: category,
                },
                created_filter("By subscription date"),
            ]
        }
        AdminModel::Jobs => {
            let mut status = vec![choice("All", None)];
            status.extend(
                crate::ssr::db::jobs::JobStatus::ALL
                    .into_iter()
                    .map(|s| choice(s.as_str(), Some(s.as_str()))),
            );
            let mut kind = vec![choice("All", None)];
            kind.extend(
                crate::ssr::jobs::Job::KINDS
                    .into_iter()
                    .map(|k| choice(k, Some(k))),
            );
            vec![
                FilterSpec {
                    param: "status".to_string(),
                    title: "By status".to_string(),
                    choices: status,
                },
                FilterSpec {
                    param: "kind".to_string(),
                    title: "By kind".to_string(),
                    choices: kind,
                },
                created_filter("By queued date"),
            ]
        }
    })
}

async fn drill_down(
    conn: crate::ssr::db::Conn<'_>,
    model: AdminModel,
    params: &ListParams,
    w: &Where,
    only_dates: bool,
) -> Result<DrillDown, AppError> {
    let step = |label: String, year, month, day, count| DateStep {
        label,
        year,
        month,
        day,
        count,
    };
    let mut back = Vec::new();
    let level = match (params.year, params.month, params.day) {
        (None, _, _) => DateLevel::Year,
        (Some(year), None, _) => {
            back.push(step("All dates".into(), None, None, None, None));
            back.push(step(year.to_string(), Some(year), None, None, None));
            DateLevel::Month
        }
        (Some(year), Some(month), day) => {
            back.push(step("All dates".into(), None, None, None, None));
            back.push(step(year.to_string(), Some(year), None, None, None));
            back.push(step(
                format!("{} {year}", month_name(month)),
                Some(year),
                Some(month),
                None,
                None,
            ));
            if let Some(day) = day {
                back.push(step(
                    format!("{} {day}", month_name(month)),
                    Some(year),
                    Some(month),
                    Some(day),
                    None,
                ));
            }
            DateLevel::Day
        }
    };
    let counts = if params.day.is_some() {
        Vec::new()
    } else {
        admin_lists::date_counts(conn, model, w, level, only_dates).await?
    };
    let steps = counts
        .into_iter()
        .filter_map(|(period, count)| {
            let mut parts = period.split('-').map(|p| p.parse::<u32>().ok());
            let year = parts.next().flatten()? as i32;
            Some(match level {
                DateLevel::Year => step(year.to_string(), Some(year), None, None, Some(count)),
                DateLevel::Month => {
                    let month = parts.next().flatten()?;
                    step(
                        format!("{} {year}", month_name(month)),
                        Some(year),
                        Some(month),
                        None,
                        Some(count),
                    )
                }
                DateLevel::Day => {
                    let month = parts.next().flatten()?;
                    let day = parts.next().flatten()?;
                    step(
                        format!("{} {day}", month_name(month)),
                        Some(year),
                        Some(month),
                        Some(day),
                        Some(count),
                    )
                }
            })
        })
        .collect();
    Ok(DrillDown {
        field: "published_at".to_string(),
        back,
        steps,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_excerpts_are_one_short_line() {
        assert_eq!(excerpt("a\n\nb"), "a b");
        let long = "word ".repeat(40);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), 80);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn every_model_has_a_cell_per_column() {
        assert_eq!(columns(AdminModel::Posts).len(), 6);
        assert_eq!(columns(AdminModel::Users).len(), 7);
    }
}
