//! The admin back-office over HTTP: every page and endpoint refuses anonymous visitors, readers
//! and (for posts) other authors; change lists filter, search, sort, drill down and page;
//! bulk actions, the inline status edit, change forms, deletion and user management do what they
//! say, write the audit log, and refuse bad input without changing anything.

use app::domain::{PostStatus, Role};
use app::error::AppError;
use app::model::admin::{
    ActionReport, AdminIndex, ChangeList, DeletePreview, LogAction, PostForm, UserForm,
};
use chrono::{TimeZone, Utc};

use crate::helpers::{PostSpec, TestApp};

const GOOD: &str = "velvet-orbit-lantern-42";

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.db.acquire().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(c)
        .await)
    .unwrap()
}

async fn text(app: &TestApp, sql: &str) -> String {
    let mut conn = app.db.acquire().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, String>(sql)
        .fetch_one(c)
        .await)
    .unwrap()
}

/// Encodes a query string value for the server function URL.
fn enc(value: &str) -> String {
    app::domain::text::encode_query_value(value).replace('/', "%2F")
}

/// A signed-in client with `role` (username = role name).
async fn staff(app: &TestApp, role: Role) -> i64 {
    let name = role.as_str();
    let id = app
        .create_user(&format!("{name}@example.org"), name, GOOD, role)
        .await;
    app.login(&format!("{name}@example.org"), GOOD).await;
    id
}

async fn list(app: &TestApp, model: &str, query: &str) -> ChangeList {
    let response = app
        .get(&format!(
            "/_fn/admin/list?model={model}&query={}",
            enc(query)
        ))
        .await;
    assert!(
        response.status().is_success(),
        "{model} {query}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

async fn list_err(app: &TestApp, model: &str) -> (u16, AppError) {
    let response = app
        .get(&format!("/_fn/admin/list?model={model}&query="))
        .await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// The date drill-down's next steps as `(label, count)`.
fn drill_steps(list: &ChangeList) -> Vec<(String, Option<i64>)> {
    list.drill_down
        .as_ref()
        .expect("posts have a drill-down")
        .steps
        .iter()
        .map(|s| (s.label.clone(), s.count))
        .collect()
}

fn titles(list: &ChangeList) -> Vec<String> {
    list.rows
        .iter()
        .map(|r| match &r.cells[0] {
            app::model::admin::Cell::Link { text, .. } => text.clone(),
            other => panic!("first cell is a link, not {other:?}"),
        })
        .collect()
}

async fn action(
    app: &TestApp,
    model: &str,
    action: &str,
    ids: &[i64],
    across: bool,
    query: &str,
) -> reqwest::Response {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    app.call(
        "admin/action",
        &[
            ("model", model),
            ("action", action),
            ("ids", &ids.join(",")),
            ("select_across", if across { "true" } else { "false" }),
            ("query", query),
        ],
    )
    .await
}

/// Five posts by ann and bob in two categories (the welcome post of a fresh site removed).
async fn seed(app: &TestApp) -> Vec<i64> {
    sqlx_exec(app, "DELETE FROM posts").await;
    sqlx_exec(app, "DELETE FROM categories").await;
    sqlx_exec(app, "DELETE FROM users").await;
    let at = |y, m, d| Some(Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).unwrap());
    let mut ids = Vec::new();
    for (title, author, category, status, published_at) in [
        (
            "Rust in 2023",
            "ann",
            "News",
            PostStatus::Published,
            at(2023, 3, 14),
        ),
        (
            "Async closures",
            "ann",
            "Releases",
            PostStatus::Published,
            at(2024, 5, 3),
        ),
        (
            "May notes",
            "bob",
            "News",
            PostStatus::Published,
            at(2024, 5, 20),
        ),
        (
            "June notes",
            "bob",
            "News",
            PostStatus::Archived,
            at(2024, 6, 1),
        ),
        ("An idea", "ann", "News", PostStatus::Draft, None),
    ] {
        ids.push(
            app.create_post(PostSpec {
                title,
                body: "Text about *things*.",
                author,
                category,
                status,
                published_at,
                tags: &[],
            })
            .await,
        );
    }
    ids
}

#[tokio::test]
async fn anonymous_visitors_readers_and_authors_are_refused_what_they_may_not_see() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    // Anonymous: the pages send to sign-in, the endpoints answer 401.
    let response = app
        .client
        .get(format!("{}/admin/posts/", app.address))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 302);
    assert!(response.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/accounts/login/?next=/admin/posts/"));
    assert_eq!(list_err(&app, "Posts").await, (401, AppError::Unauthorized));
    let response = app.get("/_fn/admin/index").await;
    assert_eq!(response.status().as_u16(), 401);
    // A reader: 403 everywhere, and the page says so.
    staff(&app, Role::Reader).await;
    assert_eq!(list_err(&app, "Posts").await, (403, AppError::Forbidden));
    let (status, html) = app.get_text("/admin/").await;
    assert_eq!(status, 403);
    assert!(html.contains("You do not have permission"), "{html}");
    let before = scalar(
        &app,
        "SELECT COUNT(*) FROM posts WHERE status = 'PUBLISHED'",
    )
    .await;
    let response = action(&app, "Posts", "archive", &[1, 2], false, "").await;
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM posts WHERE status = 'PUBLISHED'"
        )
        .await,
        before
    );
}

#[tokio::test]
async fn an_author_sees_and_changes_only_their_own_posts() {
    let app = TestApp::spawn().await;
    let ids = seed(&app).await;
    // ann writes three of the five seeded posts; sign in as ann.
    sqlx_exec(
        &app,
        "UPDATE users SET role = 'author', is_staff = TRUE WHERE username = 'ann'",
    )
    .await;
    let ann_id = scalar(&app, "SELECT id FROM users WHERE username = 'ann'").await;
    sqlx_exec(
        &app,
        &format!("UPDATE users SET email = 'ann@example.org' WHERE id = {ann_id}"),
    )
    .await;
    set_password(&app, ann_id).await;
    app.login("ann@example.org", GOOD).await;
    let posts = list(&app, "Posts", "").await;
    assert_eq!(posts.total, 3);
    assert!(titles(&posts)
        .iter()
        .all(|t| t != "May notes" && t != "June notes"));
    assert!(
        posts.filters.iter().all(|f| f.param != "author"),
        "authors cannot filter by author"
    );
    // Other models are closed to authors.
    assert_eq!(
        list_err(&app, "Categories").await,
        (403, AppError::Forbidden)
    );
    assert_eq!(list_err(&app, "Users").await, (403, AppError::Forbidden));
    // bob's post: form, history, delete page and save are refused; the page shows the message.
    let bobs = ids[2];
    let response = app.get(&format!("/_fn/admin/posts/form?id={bobs}")).await;
    assert_eq!(response.status().as_u16(), 403);
    let (_, html) = app.get_text(&format!("/admin/posts/{bobs}/")).await;
    assert!(html.contains("You do not have permission"));
    assert_eq!(
        app.get(&format!("/_fn/admin/delete/preview?model=Posts&id={bobs}"))
            .await
            .status()
            .as_u16(),
        403
    );
    let err = app
        .call_err(
            "admin/delete",
            &[("model", "Posts"), ("id", &bobs.to_string())],
        )
        .await;
    assert_eq!(err, Some((403, AppError::Forbidden)));
    let err = app
        .call_err(
            "admin/posts/save",
            &[
                ("id", &bobs.to_string()),
                ("title", "Mine now"),
                ("slug", ""),
                ("category_id", "1"),
                ("body", "x"),
                ("status", "DRAFT"),
                ("published_at", ""),
                ("meta_description", ""),
                ("version", "whatever"),
            ],
        )
        .await;
    assert_eq!(err, Some((403, AppError::Forbidden)));
    // A bulk action naming bob's post changes nothing of bob's.
    let report: ActionReport = action(&app, "Posts", "draft", &[bobs, ids[1]], false, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.affected, 1);
    assert_eq!(
        text(&app, &format!("SELECT status FROM posts WHERE id = {bobs}")).await,
        "PUBLISHED"
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT status FROM posts WHERE id = {}", ids[1])
        )
        .await,
        "DRAFT"
    );
    // The inline status edit refuses the whole batch if one post is not theirs.
    let err = app
        .call_err(
            "admin/posts/statuses",
            &[("changes", &format!("{}:PUBLISHED,{bobs}:ARCHIVED", ids[1]))],
        )
        .await;
    assert_eq!(err, Some((403, AppError::Forbidden)));
    assert_eq!(
        text(
            &app,
            &format!("SELECT status FROM posts WHERE id = {}", ids[1])
        )
        .await,
        "DRAFT"
    );
    assert_eq!(
        text(&app, &format!("SELECT status FROM posts WHERE id = {bobs}")).await,
        "PUBLISHED"
    );
}

/// Gives user `id` the password [`GOOD`] (as a reset link would).
async fn set_password(app: &TestApp, id: i64) {
    let account = {
        let mut conn = app.db.acquire().await.unwrap();
        app::ssr::db::users::find_account(conn.conn(), id)
            .await
            .unwrap()
            .unwrap()
    };
    app::ssr::accounts::set_password(
        &app.db,
        &app::ssr::auth::password::HashLimiter::per_core(),
        &account,
        app::ssr::auth::password::Password::new(GOOD.to_string()),
    )
    .await
    .unwrap();
}

async fn sqlx_exec(app: &TestApp, sql: &str) {
    let mut conn = app.db.acquire().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query(sql)
        .execute(c)
        .await
        .map(|_| ()))
    .unwrap();
}

#[tokio::test]
async fn change_lists_filter_search_sort_drill_down_and_count() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    staff(&app, Role::Editor).await;
    let all = list(&app, "Posts", "").await;
    assert_eq!((all.matching, all.total), (5, 5));
    assert_eq!(all.page.per_page, 100);
    // Filters, combined, and unknown ones ignored.
    let news = list(&app, "Posts", "category=news&status=PUBLISHED&colour=red").await;
    assert_eq!(titles(&news), vec!["May notes", "Rust in 2023"]);
    assert_eq!((news.matching, news.total), (2, 5));
    assert_eq!(news.params.to_query(), "?category=news&status=PUBLISHED");
    // The drill-down counts only what the filters let through.
    assert_eq!(
        drill_steps(&news),
        vec![("2023".to_string(), Some(1)), ("2024".to_string(), Some(1))]
    );
    let bobs = list(&app, "Posts", "author=bob").await;
    assert_eq!(bobs.matching, 2);
    // Search: every word, on the full-text index (title, text, tags), case-insensitive.
    assert_eq!(
        titles(&list(&app, "Posts", "q=NOTES%20june").await),
        vec!["June notes"]
    );
    assert_eq!(list(&app, "Posts", "q=100%25").await.matching, 0);
    // Sorting by a column, both ways; unknown columns fall back to the default.
    let by_title = list(&app, "Posts", "o=title").await;
    assert_eq!(titles(&by_title)[0], "An idea");
    assert_eq!(
        titles(&list(&app, "Posts", "o=-title").await)[0],
        "Rust in 2023"
    );
    assert_eq!(list(&app, "Posts", "o=password_hash").await.params.o, None);
    // Created-date filter: all seeded today.
    assert_eq!(list(&app, "Posts", "created=today").await.matching, 5);
    // Date drill-down: years, then months with counts, then days.
    assert_eq!(
        drill_steps(&all),
        vec![("2023".to_string(), Some(1)), ("2024".to_string(), Some(3))]
    );
    let months = list(&app, "Posts", "year=2024").await;
    assert_eq!(months.matching, 3);
    assert_eq!(
        drill_steps(&months),
        vec![
            ("May 2024".to_string(), Some(2)),
            ("June 2024".to_string(), Some(1))
        ]
    );
    let days = list(&app, "Posts", "year=2024&month=5").await;
    assert_eq!(days.drill_down.unwrap().steps.len(), 2);
    assert_eq!(
        titles(&list(&app, "Posts", "year=2024&month=5&day=3").await),
        vec!["Async closures"]
    );
    // An impossible date is not applied.
    assert_eq!(
        list(&app, "Posts", "year=2023&month=2&day=30")
            .await
            .params
            .year,
        None
    );
    // Other models.
    let categories = list(&app, "Categories", "").await;
    assert_eq!(titles(&categories), vec!["News", "Releases"]);
    assert_eq!(
        categories.rows[0].cells[2],
        app::model::admin::Cell::Number(4)
    );
    assert_eq!(
        list_err(&app, "Users").await,
        (403, AppError::Forbidden),
        "editors cannot list users"
    );
}

#[tokio::test]
async fn users_list_is_for_administrators_and_filters_by_role() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    staff(&app, Role::Administrator).await;
    let users = list(&app, "Users", "role=author").await;
    assert_eq!(users.matching, 2, "ann and bob are authors");
    assert_eq!(list(&app, "Users", "q=ADMIN").await.matching, 1);
    assert_eq!(list(&app, "Users", "is_active=0").await.matching, 0);
}

#[tokio::test]
async fn bulk_actions_change_the_selection_or_everything_matching_and_are_logged() {
    let app = TestApp::spawn().await;
    let ids = seed(&app).await;
    staff(&app, Role::Editor).await;
    // Publish a draft: published_at is set where empty.
    let report: ActionReport = action(&app, "Posts", "publish", &[ids[4]], false, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.message, "1 post published.");
    assert_eq!(
        scalar(
            &app,
            &format!(
                "SELECT COUNT(*) FROM posts WHERE id = {} AND published_at IS NOT NULL",
                ids[4]
            )
        )
        .await,
        1
    );
    // Archive everything matching a filter, whatever the selection says.
    let report: ActionReport = action(
        &app,
        "Posts",
        "archive",
        &[],
        true,
        "?author=bob&status=PUBLISHED",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(report.message, "1 post archived.");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM posts WHERE status = 'ARCHIVED'").await,
        2
    );
    // Nothing selected: a clear error and no change.
    let response = action(&app, "Posts", "draft", &[], false, "").await;
    assert_eq!(response.status().as_u16(), 400);
    // An action of another model is unknown here.
    let response = action(&app, "Posts", "approve", &[ids[0]], false, "").await;
    assert_eq!(response.status().as_u16(), 400);
    // Comments: approve two, then delete one.
    let reader = app
        .create_user("reader@example.org", "reader", GOOD, Role::Reader)
        .await;
    for body in ["First!", "Second"] {
        sqlx_exec(&app, &format!("INSERT INTO comments (post_id, author_id, body, created_at, is_approved) VALUES ({}, {reader}, '{body}', '2024-01-01T00:00:00+00:00', FALSE)", ids[0])).await;
    }
    let comments = list(&app, "Comments", "is_approved=0").await;
    assert_eq!(comments.matching, 2);
    let comment_ids: Vec<i64> = comments.rows.iter().map(|r| r.id).collect();
    let report: ActionReport = action(&app, "Comments", "approve", &comment_ids, false, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.message, "2 comments approved.");
    let report: ActionReport = action(&app, "Comments", "delete", &comment_ids[..1], false, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.message, "1 comment deleted.");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM comments").await, 1);
    // Every change is in the audit log, and on the index page.
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM admin_log WHERE action = 'change' AND object_type = 'post'"
        )
        .await,
        2
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM admin_log WHERE action = 'delete' AND object_type = 'comment'"
        )
        .await,
        1
    );
    let index: AdminIndex = app.get("/_fn/admin/index").await.json().await.unwrap();
    assert_eq!(index.recent[0].action, LogAction::Delete);
    assert_eq!(index.recent[0].user, "editor");
    assert!(index
        .areas
        .iter()
        .any(|(area, models)| area == "Blog" && models.len() == 4));
    assert!(
        index.areas.iter().all(|(area, _)| area != "Accounts"),
        "editors do not manage users"
    );
    // Categories that still have posts cannot be deleted in bulk.
    let categories = list(&app, "Categories", "").await;
    let ids: Vec<i64> = categories.rows.iter().map(|r| r.id).collect();
    let response = action(&app, "Categories", "delete", &ids, false, "").await;
    assert_eq!(response.status().as_u16(), 409);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM categories").await, 2);
}

#[tokio::test]
async fn the_inline_status_edit_saves_every_changed_row_at_once() {
    let app = TestApp::spawn().await;
    let ids = seed(&app).await;
    staff(&app, Role::Editor).await;
    let report: ActionReport = app
        .call_ok(
            "admin/posts/statuses",
            &[(
                "changes",
                &format!("{}:PUBLISHED,{}:DRAFT,{}:PUBLISHED", ids[4], ids[3], ids[0]),
            )],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.message, "2 posts changed.");
    assert_eq!(
        text(
            &app,
            &format!("SELECT status FROM posts WHERE id = {}", ids[4])
        )
        .await,
        "PUBLISHED"
    );
    assert_eq!(
        text(
            &app,
            &format!("SELECT status FROM posts WHERE id = {}", ids[3])
        )
        .await,
        "DRAFT"
    );
    let err = app
        .call_err("admin/posts/statuses", &[("changes", "1:LIVE")])
        .await;
    assert!(matches!(err, Some((400, AppError::BadRequest(_)))));
}

fn post_fields<'a>(
    form: &'a PostForm,
    title: &'a str,
    slug: &'a str,
    category: &'a str,
    after: &'a str,
) -> Vec<(&'a str, String)> {
    let mut fields = vec![
        ("title", title.to_string()),
        ("slug", slug.to_string()),
        ("author", form.author.clone()),
        ("category_id", category.to_string()),
        ("body", "Hello **world**".to_string()),
        ("status", "DRAFT".to_string()),
        ("published_at", String::new()),
        ("meta_description", String::new()),
        ("version", form.version.clone()),
        ("after", after.to_string()),
    ];
    if let Some(id) = form.id {
        fields.push(("id", id.to_string()));
    }
    fields
}

async fn save_post(app: &TestApp, fields: &[(&str, String)]) -> reqwest::Response {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call("admin/posts/save", &borrowed).await
}

#[tokio::test]
async fn the_post_form_validates_saves_logs_and_detects_conflicts() {
    let app = TestApp::spawn().await;
    seed(&app).await;
    staff(&app, Role::Editor).await;
    let empty: PostForm = app.get("/_fn/admin/posts/form").await.json().await.unwrap();
    assert_eq!(empty.author, "editor");
    let category = empty.categories[0].0.to_string();
    assert_eq!(empty.categories.len(), 2);
    // Field errors for every bad field; nothing saved.
    let before = scalar(&app, "SELECT COUNT(*) FROM posts").await;
    let mut fields = post_fields(&empty, " ", "not a slug!", "999", "save");
    fields[2].1 = "nobody".to_string();
    fields[6].1 = "soon".to_string();
    let response = save_post(&app, &fields).await;
    assert_eq!(response.status().as_u16(), 400);
    let AppError::Validation(errors) = response.json::<AppError>().await.unwrap() else {
        panic!()
    };
    for field in ["title", "author", "category_id", "published_at"] {
        assert!(!errors.get(field).is_empty(), "{field}: {errors:?}");
    }
    let response = save_post(
        &app,
        &post_fields(&empty, "Good title", "not a slug!", &category, "save"),
    )
    .await;
    let AppError::Validation(errors) = response.json::<AppError>().await.unwrap() else {
        panic!()
    };
    assert!(!errors.get("slug").is_empty(), "{errors:?}");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM posts").await, before);
    // A good save redirects where the button says, and logs "Added".
    let response = save_post(
        &app,
        &post_fields(&empty, "Fresh post", "", &category, "continue"),
    )
    .await;
    assert!(
        response.status().is_success() || response.status().is_redirection(),
        "{}",
        response.status()
    );
    let id = scalar(&app, "SELECT id FROM posts WHERE title = 'Fresh post'").await;
    assert_eq!(
        text(&app, &format!("SELECT slug FROM posts WHERE id = {id}")).await,
        "fresh-post"
    );
    let redirect = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(redirect, format!("/admin/posts/{id}/?saved={id}"));
    // Edit: change title and status, logged as such.
    let form: PostForm = app
        .get(&format!("/_fn/admin/posts/form?id={id}"))
        .await
        .json()
        .await
        .unwrap();
    let mut fields = post_fields(&form, "Fresh post, edited", "fresh-post", &category, "save");
    fields[5].1 = "PUBLISHED".to_string();
    let response = save_post(&app, &fields).await;
    assert!(
        !response.status().is_client_error(),
        "{}",
        response.text().await.unwrap()
    );
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT change_message FROM admin_log WHERE object_id = {id} AND action = 'change'"
            )
        )
        .await,
        "Changed title, status and published_at."
    );
    // Saving again with the version the form had before: someone else saved since.
    let response = save_post(
        &app,
        &post_fields(&form, "Stale", "fresh-post", &category, "save"),
    )
    .await;
    assert_eq!(response.status().as_u16(), 409);
    assert_eq!(
        text(&app, &format!("SELECT title FROM posts WHERE id = {id}")).await,
        "Fresh post, edited"
    );
    // History lists both entries, oldest first.
    let (name, entries): (String, Vec<app::model::admin::LogEntry>) = app
        .get(&format!("/_fn/admin/history?model=Posts&id={id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(name, "Fresh post, edited");
    assert_eq!(
        entries.iter().map(|e| e.action).collect::<Vec<_>>(),
        vec![LogAction::Add, LogAction::Change]
    );
    // Markdown preview is sanitised as saving is.
    let html: String = app
        .call_ok(
            "admin/posts/preview",
            &[(
                "body",
                "<script>x()</script>\n\n**b** <img src=x onerror=alert(1)>",
            )],
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(
        html.contains("<strong>b</strong>")
            && !html.contains("<script")
            && !html.contains("onerror"),
        "{html}"
    );
    // The author picker finds staff by any part of name or email, not readers.
    let found: Vec<app::model::admin::AuthorChoice> = app
        .get("/_fn/admin/authors?q=EDIT")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        found
            .iter()
            .map(|c| c.username.as_str())
            .collect::<Vec<_>>(),
        vec!["editor"]
    );
    // The change form page renders on the server with the post's values.
    let (status, html) = app.get_text(&format!("/admin/posts/{id}/")).await;
    assert_eq!(status, 200);
    assert!(html.contains("Fresh post, edited") && html.contains("Save and continue editing"));
}

#[tokio::test]
async fn deleting_lists_what_goes_along_and_refuses_what_is_protected() {
    let app = TestApp::spawn().await;
    let ids = seed(&app).await;
    staff(&app, Role::Editor).await;
    let reader = app
        .create_user("reader@example.org", "reader", GOOD, Role::Reader)
        .await;
    sqlx_exec(&app, &format!("INSERT INTO comments (post_id, author_id, body, created_at, is_approved) VALUES ({}, {reader}, 'Nice post', '2024-01-01T00:00:00+00:00', TRUE)", ids[0])).await;
    let preview: DeletePreview = app
        .get(&format!(
            "/_fn/admin/delete/preview?model=Posts&id={}",
            ids[0]
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview.repr, "Rust in 2023");
    assert_eq!(preview.cascades.len(), 1);
    assert_eq!(
        (preview.cascades[0].count, preview.cascades[0].names.clone()),
        (1, vec!["Nice post".to_string()])
    );
    let (status, html) = app
        .get_text(&format!("/admin/posts/{}/delete/", ids[0]))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Nice post") && html.contains("Yes, I’m sure"));
    let response = app
        .call(
            "admin/delete",
            &[("model", "Posts"), ("id", &ids[0].to_string())],
        )
        .await;
    assert!(!response.status().is_client_error());
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM comments").await, 0);
    assert_eq!(
        text(
            &app,
            "SELECT object_repr FROM admin_log WHERE action = 'delete'"
        )
        .await,
        "Rust in 2023"
    );
    // A category with posts: the page names the posts, and deleting is refused.
    let news = scalar(&app, "SELECT id FROM categories WHERE slug = 'news'").await;
    let preview: DeletePreview = app
        .get(&format!(
            "/_fn/admin/delete/preview?model=Categories&id={news}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(preview.blockers[0].label, "Posts");
    let err = app
        .call_err(
            "admin/delete",
            &[("model", "Categories"), ("id", &news.to_string())],
        )
        .await;
    assert!(matches!(err, Some((409, AppError::Conflict(_)))));
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT COUNT(*) FROM categories WHERE id = {news}")
        )
        .await,
        1
    );
    // Unknown object.
    assert_eq!(
        app.get("/_fn/admin/delete/preview?model=Comments&id=999")
            .await
            .status()
            .as_u16(),
        404
    );
}

#[tokio::test]
async fn administrators_manage_users_but_never_lose_the_last_superuser() {
    let app = TestApp::spawn().await;
    let admin_id = staff(&app, Role::Administrator).await;
    let empty: UserForm = app.get("/_fn/admin/users/form").await.json().await.unwrap();
    assert_eq!(empty.role, Role::Reader);
    // Create an author with a password link.
    let response = app
        .call(
            "admin/users/save",
            &[
                ("email", "new@example.org"),
                ("username", "newbie"),
                ("display_name", "New Bie"),
                ("role", "author"),
                ("is_active", "on"),
                ("send_reset", "on"),
                ("version", ""),
                ("after", "save"),
            ],
        )
        .await;
    assert!(
        !response.status().is_client_error(),
        "{}",
        response.text().await.unwrap()
    );
    let new_id = scalar(&app, "SELECT id FROM users WHERE username = 'newbie'").await;
    assert_eq!(
        text(&app, &format!("SELECT role FROM users WHERE id = {new_id}")).await,
        "author"
    );
    let link = app.wait_for_link(1, "/accounts/reset/").await;
    assert!(link.contains("/accounts/reset/"));
    // Duplicates and bad values are field errors.
    let err = app
        .call_err(
            "admin/users/save",
            &[
                ("email", "NEW@example.org"),
                ("username", "newbie"),
                ("display_name", ""),
                ("role", "root"),
                ("version", ""),
            ],
        )
        .await;
    let Some((400, AppError::Validation(errors))) = err else {
        panic!("{err:?}")
    };
    assert!(!errors.get("role").is_empty());
    // The only administrator cannot demote or deactivate themselves, nor be deleted.
    let me: UserForm = app
        .get(&format!("/_fn/admin/users/form?id={admin_id}"))
        .await
        .json()
        .await
        .unwrap();
    let err = app
        .call_err(
            "admin/users/save",
            &[
                ("id", &admin_id.to_string()),
                ("email", &me.email),
                ("username", &me.username),
                ("display_name", ""),
                ("role", "editor"),
                ("is_active", "on"),
                ("version", &me.version),
            ],
        )
        .await;
    let Some((400, AppError::Validation(errors))) = err else {
        panic!("{err:?}")
    };
    assert!(!errors.get("role").is_empty());
    assert_eq!(
        text(
            &app,
            &format!("SELECT role FROM users WHERE id = {admin_id}")
        )
        .await,
        "administrator"
    );
    let response = action(&app, "Users", "deactivate", &[admin_id], false, "").await;
    assert_eq!(response.status().as_u16(), 409);
    let err = app
        .call_err(
            "admin/delete",
            &[("model", "Users"), ("id", &admin_id.to_string())],
        )
        .await;
    assert!(matches!(err, Some((409, AppError::Conflict(_)))));
    let preview: DeletePreview = app
        .get(&format!(
            "/_fn/admin/delete/preview?model=Users&id={admin_id}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert!(preview.refusal.is_some());
    // Deactivating another user signs them out everywhere.
    let other = app.other_client();
    // newbie has no password yet: give them one as the emailed link would.
    set_password(&app, new_id).await;
    other
        .call(
            "accounts/login",
            &[("email", "new@example.org"), ("password", GOOD)],
        )
        .await;
    assert!(other.me().await.is_some());
    let report: ActionReport = action(&app, "Users", "deactivate", &[new_id], false, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.message, "1 user deactivated.");
    assert!(other.me().await.is_none());
    // Editors cannot open users at all.
    let editor = app.other_client();
    app.create_user("ed@example.org", "ed", GOOD, Role::Editor)
        .await;
    editor
        .call(
            "accounts/login",
            &[("email", "ed@example.org"), ("password", GOOD)],
        )
        .await;
    let response = editor
        .call("admin/users/reset", &[("id", &new_id.to_string())])
        .await;
    assert_eq!(response.status().as_u16(), 403);
}

#[tokio::test]
async fn admin_pages_render_on_the_server() {
    let app = TestApp::spawn().await;
    let ids = seed(&app).await;
    staff(&app, Role::Administrator).await;
    action(&app, "Posts", "archive", &[ids[0]], false, "").await;
    let (status, html) = app.get_text("/admin/").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Recent actions")
            && html.contains("Rust in 2023")
            && html.contains("Accounts"),
        "{html}"
    );
    let (status, html) = app.get_text("/admin/posts/?status=PUBLISHED&o=title").await;
    assert_eq!(status, 200);
    assert!(html.contains("May notes") && !html.contains(">June notes<"));
    assert!(html.contains("aria-sort=\"ascending\""));
    let (status, html) = app
        .get_text(&format!("/admin/posts/{}/history/", ids[0]))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Changed"));
    for page in [
        "/admin/categories/",
        "/admin/comments/",
        "/admin/users/",
        "/admin/users/add/",
        "/admin/categories/add/",
    ] {
        let (status, _) = app.get_text(page).await;
        assert_eq!(status, 200, "{page}");
    }
    let (status, _) = app.get_text("/admin/widgets/").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_remaining_actions_unapprove_activate_and_delete_in_bulk() {
    let app = TestApp::spawn().await;
    let ids = seed(&app).await;
    staff(&app, Role::Administrator).await;
    let reader = app
        .create_user("reader@example.org", "reader", GOOD, Role::Reader)
        .await;
    sqlx_exec(&app, &format!("INSERT INTO comments (post_id, author_id, body, created_at, is_approved) VALUES ({}, {reader}, 'Approved one', '2024-01-01T00:00:00+00:00', TRUE)", ids[1])).await;
    let comment = scalar(&app, "SELECT id FROM comments").await;
    let report: ActionReport = action(&app, "Comments", "unapprove", &[comment], false, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.message, "1 comment unapproved.");
    // Deactivate then activate the reader.
    action(&app, "Users", "deactivate", &[reader], false, "").await;
    let report: ActionReport = action(&app, "Users", "activate", &[], true, "?is_active=0")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.message, "1 user activated.");
    // Deleting posts in bulk takes their comments along; the audit log names each post.
    let report: ActionReport = action(&app, "Posts", "delete", &[ids[0], ids[1]], false, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.message, "2 posts deleted.");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM comments").await, 0);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM admin_log WHERE action = 'delete' AND object_type = 'post'"
        )
        .await,
        2
    );
    // Deleting users in bulk: the reader goes, the only administrator would not.
    let report: ActionReport = action(&app, "Users", "delete", &[reader], false, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.message, "1 user deleted.");
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM users WHERE username = 'reader'").await,
        0
    );
    // The log keeps who acted even after that account is gone.
    let entries = scalar(
        &app,
        "SELECT COUNT(*) FROM admin_log WHERE user_repr = 'administrator'",
    )
    .await;
    assert!(entries >= 5, "{entries}");
}

#[tokio::test]
async fn categories_and_comments_are_edited_with_field_errors_and_history() {
    let app = TestApp::spawn().await;
    let ids = seed(&app).await;
    staff(&app, Role::Editor).await;
    // Create, then a duplicate name is a field error and nothing is added.
    let response = app
        .call(
            "admin/categories/save",
            &[
                ("name", "Guides"),
                ("slug", "guides"),
                ("version", ""),
                ("after", "addanother"),
            ],
        )
        .await;
    assert_eq!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .split('?')
            .next(),
        Some("/admin/categories/add/")
    );
    let err = app
        .call_err(
            "admin/categories/save",
            &[("name", "Guides"), ("slug", "guides-2"), ("version", "")],
        )
        .await;
    let Some((400, AppError::Validation(errors))) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        errors.get("name"),
        ["Category with this Name already exists."]
    );
    let err = app
        .call_err(
            "admin/categories/save",
            &[("name", "X"), ("slug", "no spaces"), ("version", "")],
        )
        .await;
    assert!(matches!(err, Some((400, AppError::Validation(_)))));
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM categories").await, 3);
    // Rename with the form's version.
    let id = scalar(&app, "SELECT id FROM categories WHERE slug = 'guides'").await;
    let form: app::model::admin::CategoryForm = app
        .get(&format!("/_fn/admin/categories/form?id={id}"))
        .await
        .json()
        .await
        .unwrap();
    app.call_ok(
        "admin/categories/save",
        &[
            ("id", &id.to_string()),
            ("name", "How-to guides"),
            ("slug", "guides"),
            ("version", &form.version),
        ],
    )
    .await;
    assert_eq!(
        text(
            &app,
            &format!(
                "SELECT change_message FROM admin_log WHERE object_id = {id} AND action = 'change'"
            )
        )
        .await,
        "Changed name."
    );
    // A comment: body required, approval saved, stale version refused.
    let reader = app
        .create_user("reader@example.org", "reader", GOOD, Role::Reader)
        .await;
    sqlx_exec(&app, &format!("INSERT INTO comments (post_id, author_id, body, created_at, is_approved) VALUES ({}, {reader}, 'Typo here', '2024-01-01T00:00:00+00:00', FALSE)", ids[0])).await;
    let comment = scalar(&app, "SELECT id FROM comments").await;
    let form: app::model::admin::CommentForm = app
        .get(&format!("/_fn/admin/comments/form?id={comment}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (form.author.as_str(), form.post_title.as_str()),
        ("reader", "Rust in 2023")
    );
    let err = app
        .call_err(
            "admin/comments/save",
            &[
                ("id", &comment.to_string()),
                ("body", "  "),
                ("version", &form.version),
            ],
        )
        .await;
    assert!(matches!(err, Some((400, AppError::Validation(_)))));
    app.call_ok(
        "admin/comments/save",
        &[
            ("id", &comment.to_string()),
            ("body", "Typo fixed"),
            ("is_approved", "on"),
            ("version", &form.version),
        ],
    )
    .await;
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM comments WHERE body = 'Typo fixed' AND is_approved = TRUE"
        )
        .await,
        1
    );
    let err = app
        .call_err(
            "admin/comments/save",
            &[
                ("id", &comment.to_string()),
                ("body", "Again"),
                ("version", &form.version),
            ],
        )
        .await;
    assert!(matches!(err, Some((409, AppError::Conflict(_)))));
    // Authors cannot edit categories or comments.
    let author = app.other_client();
    app.create_user("writer@example.org", "writer", GOOD, Role::Author)
        .await;
    author
        .call(
            "accounts/login",
            &[("email", "writer@example.org"), ("password", GOOD)],
        )
        .await;
    let response = author
        .call(
            "admin/categories/save",
            &[("name", "Mine"), ("slug", "mine"), ("version", "")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 403);
    let response = author
        .call(
            "admin/comments/save",
            &[("id", &comment.to_string()), ("body", "x"), ("version", "")],
        )
        .await;
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM categories").await, 3);
}

#[tokio::test]
async fn administrators_see_jobs_and_retry_cancel_or_delete_them_with_an_audit_trail() {
    use app::ssr::db::jobs as rows;
    use app::ssr::jobs::{Enqueue, Job, JobQueue};
    use app::ssr::mail::OutgoingEmail;
    // No workers in this server: the jobs stay as the test leaves them.
    let app = TestApp::spawn_with(crate::helpers::backend(), &[("FOLIO_WORKERS", "0")]).await;
    let queue = JobQueue::new(app.db.clone());
    let secret = "https://blog.example.org/accounts/reset/SECRET-TOKEN/";
    let failed = queue
        .push(&Job::SendEmail {
            email: OutgoingEmail {
                to: "ada@example.org".into(),
                subject: "Password reset".into(),
                body: secret.into(),
            },
        })
        .await
        .unwrap();
    let later = Enqueue {
        run_at: Some(Utc::now() + chrono::Duration::hours(1)),
        idempotency_key: None,
    };
    let queued = queue
        .push_with(&Job::CleanUp, later)
        .await
        .unwrap()
        .unwrap();
    let now = Utc::now();
    let mut conn = app.db.acquire_write().await.unwrap();
    rows::claim(conn.conn(), "w", now, now).await.unwrap();
    rows::record_failure(conn.conn(), failed, "w", "connection refused", None, now)
        .await
        .unwrap();
    drop(conn);
    // Editors run the content, not the machinery.
    staff(&app, Role::Editor).await;
    assert_eq!(list_err(&app, "Jobs").await.0, 403);
    let response = app
        .get(&format!("/_fn/admin/jobs/detail?id={failed}"))
        .await;
    assert_eq!(response.status(), 403);
    app.call_ok("accounts/logout", &[]).await;
    staff(&app, Role::Administrator).await;
    let all = list(&app, "Jobs", "").await;
    assert_eq!(all.matching, 2);
    let failures = list(&app, "Jobs", "status=failed").await;
    assert_eq!(failures.matching, 1);
    assert_eq!(failures.rows[0].id, failed);
    assert_eq!(list(&app, "Jobs", "kind=clean_up").await.rows[0].id, queued);
    assert_eq!(list(&app, "Jobs", "q=refused").await.matching, 1);
    assert_eq!(
        list(&app, "Jobs", "status=nonsense").await.matching,
        2,
        "ignored"
    );
    // The index says what needs attention; no page shows an email's body.
    let index: AdminIndex = app.get("/_fn/admin/index").await.json().await.unwrap();
    let jobs = index
        .areas
        .iter()
        .flat_map(|(_, models)| models)
        .find(|m| m.model == app::model::admin::AdminModel::Jobs)
        .expect("jobs on the index");
    assert_eq!(
        jobs.alert.as_ref().map(|a| a.0.as_str()),
        Some("1 failed since yesterday")
    );
    for page in [
        "/admin/jobs/?status=failed".to_string(),
        format!("/admin/jobs/{failed}/"),
    ] {
        let (status, html) = app.get_text(&page).await;
        assert_eq!(status, 200, "{page}");
        assert!(html.contains("connection refused"), "{page}");
        assert!(
            !html.contains("SECRET-TOKEN"),
            "{page} shows the email's body"
        );
    }
    let (_, html) = app.get_text(&format!("/admin/jobs/{failed}/")).await;
    assert!(html.contains("Email to ada@example.org"), "{html}");
    // Retry applies to failed jobs only, cancel to queued ones; both are logged.
    let report: ActionReport = action(&app, "Jobs", "retry", &[failed, queued], false, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.affected, 1);
    assert_eq!(
        text(
            &app,
            &format!("SELECT status FROM jobs WHERE id = {failed}")
        )
        .await,
        "queued"
    );
    assert_eq!(
        scalar(
            &app,
            &format!("SELECT attempts FROM jobs WHERE id = {failed}")
        )
        .await,
        0
    );
    let report: ActionReport = action(&app, "Jobs", "cancel", &[queued], false, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.affected, 1);
    assert_eq!(
        text(
            &app,
            &format!("SELECT status FROM jobs WHERE id = {queued}")
        )
        .await,
        "cancelled"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM admin_log WHERE object_type = 'job'"
        )
        .await,
        2
    );
    let (status, html) = app
        .get_text(&format!("/admin/jobs/{queued}/history/"))
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("Cancelled (bulk action)"), "{html}");
    let report: ActionReport = action(&app, "Jobs", "delete", &[queued], false, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.affected, 1);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM jobs").await, 1);
}

#[tokio::test]
async fn administrators_list_search_unsubscribe_and_delete_subscribers() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.acquire_write().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query(
        "INSERT INTO subscribers (email, status, created_at, confirmed_at) VALUES \
         ('ada@example.org', 'confirmed', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'), \
         ('bob@example.org', 'pending', '2026-01-02T00:00:00Z', NULL), \
         ('cy@example.org', 'unsubscribed', '2026-01-03T00:00:00Z', NULL)"
    )
    .execute(c)
    .await
    .map(|_| ()))
    .unwrap();
    drop(conn);
    staff(&app, Role::Editor).await;
    assert_eq!(
        list_err(&app, "Subscribers").await.0,
        403,
        "personal data: administrators only"
    );
    app.call_ok("accounts/logout", &[]).await;
    staff(&app, Role::Administrator).await;
    assert_eq!(list(&app, "Subscribers", "").await.matching, 3);
    let confirmed = list(&app, "Subscribers", "status=confirmed").await;
    assert_eq!(confirmed.matching, 1);
    assert_eq!(list(&app, "Subscribers", "q=BOB").await.matching, 1);
    let ada = confirmed.rows[0].id;
    let report: ActionReport = action(&app, "Subscribers", "unsubscribe", &[], true, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.affected, 2, "the two still subscribed");
    assert_eq!(
        list(&app, "Subscribers", "status=unsubscribed")
            .await
            .matching,
        3
    );
    let report: ActionReport = action(&app, "Subscribers", "delete", &[ada], false, "")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report.affected, 1);
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM subscribers").await, 2);
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM admin_log WHERE object_type = 'subscriber'"
        )
        .await,
        3
    );
    let (status, html) = app.get_text("/admin/subscribers/").await;
    assert_eq!(status, 200);
    assert!(html.contains("bob@example.org"));
}
