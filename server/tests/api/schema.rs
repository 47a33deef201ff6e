//! Both migration sets create the same schema, and the database enforces its rules on both.

use std::collections::BTreeSet;

use app::ssr::db::Db;
use sqlx::Row;

use crate::helpers::{TestBackend, TestDatabase};

/// A dialect-neutral description of a schema: sorted lines such as
/// `column posts.title text not-null`, `index posts_slug_published_date_key unique (slug, published_date)`,
/// `fk posts.author_id -> users.id on-delete cascade`.
async fn describe(db: &Db) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    match db {
        Db::Sqlite { read: pool, .. } => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' AND name NOT LIKE 'post_search%'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for table in tables {
                out.insert(format!("table {table}"));
                let columns = sqlx::query(&format!(
                    "SELECT name, type, \"notnull\", pk FROM pragma_table_xinfo('{table}')"
                ))
                .fetch_all(pool)
                .await
                .unwrap();
                for c in columns {
                    let name: String = c.get("name");
                    let ty: String = c.get("type");
                    let not_null: i64 = c.get("notnull");
                    let pk: i64 = c.get("pk");
                    let ty = match ty.to_ascii_uppercase().as_str() {
                        "INTEGER" => "integer",
                        "TEXT" => "text",
                        "BOOLEAN" => "boolean",
                        "DATETIME" => "timestamp",
                        "DATE" => "date",
                        other => panic!("unexpected SQLite type {other}"),
                    };
                    let null = if not_null == 1 || pk >= 1 {
                        "not-null"
                    } else {
                        "null"
                    };
                    out.insert(format!("column {table}.{name} {ty} {null}"));
                    if pk >= 1 {
                        out.insert(format!("pk {table}.{name}"));
                    }
                }
                let indexes = sqlx::query(&format!(
                    "SELECT name, \"unique\", origin FROM pragma_index_list('{table}')"
                ))
                .fetch_all(pool)
                .await
                .unwrap();
                for i in indexes {
                    let name: String = i.get("name");
                    let origin: String = i.get("origin");
                    if origin == "pk" {
                        continue;
                    }
                    let unique: i64 = i.get("unique");
                    let cols = sqlx::query(&format!("SELECT coalesce(name, '<expression>') AS name, \"desc\" FROM pragma_index_xinfo('{name}') WHERE key = 1 ORDER BY seqno"))
                        .fetch_all(pool)
                        .await
                        .unwrap();
                    let cols: Vec<String> = cols
                        .iter()
                        .map(|c| {
                            let n: String = c.get("name");
                            let d: i64 = c.get("desc");
                            if d == 1 {
                                format!("{n} desc")
                            } else {
                                n
                            }
                        })
                        .collect();
                    out.insert(format!(
                        "index {name} {} ({})",
                        if unique == 1 { "unique" } else { "plain" },
                        cols.join(", ")
                    ));
                }
                let fks = sqlx::query(&format!("SELECT \"from\", \"table\", \"to\", on_delete FROM pragma_foreign_key_list('{table}')"))
                    .fetch_all(pool)
                    .await
                    .unwrap();
                for f in fks {
                    let from: String = f.get("from");
                    let to_table: String = f.get("table");
                    let to: String = f.get("to");
                    let on_delete: String = f.get("on_delete");
                    out.insert(format!(
                        "fk {table}.{from} -> {to_table}.{to} on-delete {}",
                        on_delete.to_lowercase()
                    ));
                }
            }
        }
        Db::Postgres(pool) => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%' AND table_name NOT LIKE 'post_search%'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for table in &tables {
                out.insert(format!("table {table}"));
            }
            let columns = sqlx::query(
                "SELECT table_name::text AS t, column_name::text AS c, data_type::text AS ty, is_nullable::text AS n \
                 FROM information_schema.columns WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%' AND table_name NOT LIKE 'post_search%'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for c in columns {
                let (t, name, ty, n): (String, String, String, String) =
                    (c.get("t"), c.get("c"), c.get("ty"), c.get("n"));
                let ty = match ty.as_str() {
                    "bigint" | "integer" => "integer",
                    "text" => "text",
                    "boolean" => "boolean",
                    "timestamp with time zone" => "timestamp",
                    "date" => "date",
                    other => panic!("unexpected PostgreSQL type {other}"),
                };
                out.insert(format!(
                    "column {t}.{name} {ty} {}",
                    if n == "NO" { "not-null" } else { "null" }
                ));
            }
            let pks = sqlx::query(
                "SELECT tc.table_name::text AS t, kcu.column_name::text AS c FROM information_schema.table_constraints tc \
                 JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name \
                 WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = 'public' AND tc.table_name NOT LIKE '_sqlx%' AND tc.table_name NOT LIKE 'post_search%'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for p in pks {
                let (t, c): (String, String) = (p.get("t"), p.get("c"));
                out.insert(format!("pk {t}.{c}"));
            }
            let indexes = sqlx::query(
                "SELECT t.relname::text AS t, i.relname::text AS name, ix.indisunique AS uniq, ix.indisprimary AS prim, \
                 ARRAY(SELECT coalesce(a.attname::text, '<expression>') || CASE WHEN (ix.indoption[k.n - 1] & 1) = 1 THEN ' desc' ELSE '' END \
                       FROM unnest(ix.indkey) WITH ORDINALITY AS k(attnum, n) \
                       LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n) AS cols \
                 FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid \
                 JOIN pg_namespace ns ON ns.oid = t.relnamespace WHERE ns.nspname = 'public' AND t.relname NOT LIKE '_sqlx%' AND t.relname NOT LIKE 'post_search%'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for i in indexes {
                let prim: bool = i.get("prim");
                if prim {
                    continue;
                }
                let name: String = i.get("name");
                let uniq: bool = i.get("uniq");
                let cols: Vec<String> = i.get("cols");
                out.insert(format!(
                    "index {name} {} ({})",
                    if uniq { "unique" } else { "plain" },
                    cols.join(", ")
                ));
            }
            let fks = sqlx::query(
                "SELECT cl.relname::text AS t, a.attname::text AS c, rt.relname::text AS rt, ra.attname::text AS rc, \
                 con.confdeltype::text AS del FROM pg_constraint con \
                 JOIN pg_class cl ON cl.oid = con.conrelid JOIN pg_class rt ON rt.oid = con.confrelid \
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1] \
                 JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1] \
                 JOIN pg_namespace ns ON ns.oid = cl.relnamespace WHERE con.contype = 'f' AND ns.nspname = 'public'",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for f in fks {
                let (t, c, rt, rc, del): (String, String, String, String, String) = (
                    f.get("t"),
                    f.get("c"),
                    f.get("rt"),
                    f.get("rc"),
                    f.get("del"),
                );
                let del = match del.as_str() {
                    "c" => "cascade",
                    "r" => "restrict",
                    "a" => "no action",
                    "n" => "set null",
                    "d" => "set default",
                    other => panic!("unknown delete rule {other}"),
                };
                out.insert(format!("fk {t}.{c} -> {rt}.{rc} on-delete {del}"));
            }
        }
    }
    // The full-text index is engine-specific by design (FTS5 tables on SQLite, a tsvector table
    // on PostgreSQL; see the `…_search.sql` migrations): its behaviour is compared by the
    // search tests instead.
    out.retain(|line| !line.contains("post_search"));
    out
}

#[tokio::test]
async fn sqlite_and_postgres_migrations_create_the_same_schema() {
    let sqlite = TestDatabase::create(TestBackend::Sqlite).await;
    let postgres = TestDatabase::create(TestBackend::Postgres).await;
    let sqlite_db = Db::connect(&sqlite.url).await.unwrap();
    let postgres_db = Db::connect(&postgres.url).await.unwrap();
    sqlite_db.migrate().await.unwrap();
    postgres_db.migrate().await.unwrap();
    let a = describe(&sqlite_db).await;
    let b = describe(&postgres_db).await;
    let only_sqlite: Vec<_> = a.difference(&b).collect();
    let only_postgres: Vec<_> = b.difference(&a).collect();
    assert!(
        only_sqlite.is_empty() && only_postgres.is_empty(),
        "only in SQLite: {only_sqlite:#?}\nonly in PostgreSQL: {only_postgres:#?}"
    );
    assert!(
        a.contains(
            "index posts_status_published_at_idx plain (status, published_at desc, id desc, author_id, category_id)"
        ),
        "{a:#?}"
    );
    assert!(a.contains("fk posts.category_id -> categories.id on-delete restrict"));
    assert!(a.contains("fk posts.author_id -> users.id on-delete cascade"));
    sqlite_db.close().await;
    postgres_db.close().await;
}

/// Checks the rules the database itself enforces, on the backend under test.
#[tokio::test]
async fn the_database_enforces_the_blog_rules() {
    let app = crate::helpers::TestApp::spawn().await;
    let id = app
        .create_post(crate::helpers::PostSpec::published("Rules", 1))
        .await;
    let mut conn = app.db.acquire().await.unwrap();
    // A category that still has posts cannot be deleted (ON DELETE RESTRICT).
    let r = app::on_conn!(conn.conn(), |c| sqlx::query(
        "DELETE FROM categories WHERE slug = 'news'"
    )
    .execute(c)
    .await
    .map(|_| ()));
    assert!(r.is_err(), "category with posts deleted");
    // view_count cannot go negative; status must be one of the three.
    let r = app::on_conn!(conn.conn(), |c| sqlx::query(
        "UPDATE posts SET view_count = -1 WHERE id = $1"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()));
    assert!(r.is_err());
    let r = app::on_conn!(conn.conn(), |c| sqlx::query(
        "UPDATE posts SET status = 'LIVE' WHERE id = $1"
    )
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()));
    assert!(r.is_err());
    let long = "x".repeat(201);
    let r = app::on_conn!(conn.conn(), |c| sqlx::query(
        "UPDATE posts SET title = $2 WHERE id = $1"
    )
    .bind(id)
    .bind(&long)
    .execute(c)
    .await
    .map(|_| ()));
    assert!(r.is_err(), "title over 200 characters");
    // Same slug on the same day is refused; on another day it is fine.
    let r = app::on_conn!(conn.conn(), |c| {
        sqlx::query(
        "INSERT INTO posts (title, slug, author_id, category_id, status, published_at, created_at, updated_at) \
         SELECT 'Copy', slug, author_id, category_id, status, published_at, created_at, updated_at FROM posts WHERE id = $1"
    ).bind(id).execute(c).await.map(|_| ())
    });
    assert!(r.is_err(), "unique_for_date");
    // Deleting the author deletes their posts (ON DELETE CASCADE), and the post's comments with it.
    app::on_conn!(conn.conn(), |c| sqlx::query(
        "DELETE FROM users WHERE username = 'ann'"
    )
    .execute(c)
    .await
    .map(|_| ()))
    .unwrap();
    let left: i64 = app::on_conn!(conn.conn(), |c| sqlx::query_scalar(
        "SELECT COUNT(*) FROM posts WHERE id = $1"
    )
    .bind(id)
    .fetch_one(c)
    .await)
    .unwrap();
    assert_eq!(left, 0);
}

/// How many migrations the database has recorded.
async fn applied(db: &Db) -> i64 {
    let mut conn = db.acquire().await.unwrap();
    app::on_conn!(conn.conn(), |c| sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM _sqlx_migrations"
    )
    .fetch_one(c)
    .await)
    .unwrap()
}

#[tokio::test]
async fn an_older_folio_refuses_a_database_a_newer_one_migrated() {
    let database = TestDatabase::create(crate::helpers::backend()).await;
    let db = Db::connect(&database.url).await.unwrap();
    db.migrate().await.unwrap();
    let before = applied(&db).await;
    // What a newer Folio leaves behind: a migration this binary does not have.
    {
        let mut conn = db.acquire_write().await.unwrap();
        app::on_conn!(conn.conn(), |c| sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) \
             VALUES (29991231000001, 'from the future', TRUE, $1, 0)"
        )
        .bind(vec![0u8; 48])
        .execute(c)
        .await
        .map(|_| ()))
        .unwrap();
    }
    let error = db.migrate().await.expect_err("refused");
    assert!(
        matches!(
            error,
            app::ssr::db::DbError::NewerSchema {
                version: 29991231000001
            }
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("migrated by a newer Folio"),
        "{error}"
    );
    assert_eq!(applied(&db).await, before + 1, "nothing else changed");
    if let Db::Postgres(pool) = &db {
        // sqlx's migration lock is not left held by a pooled connection (a later `folio
        // migrate` would wait for it forever). The connection holding it was closed; its server
        // process ends a moment later.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let held: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
                 WHERE l.locktype = 'advisory' AND d.datname = current_database()",
            )
            .fetch_one(pool)
            .await
            .unwrap();
            if held == 0 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "advisory locks still held after 10 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    db.close().await;
    // The command line says the same and exits 1.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg("migrate")
        .env("DATABASE_URL", &database.url)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("migrated by a newer Folio"), "{stderr}");
}

#[tokio::test]
async fn processes_starting_together_on_postgres_migrate_once() {
    // Several processes share a database only on PostgreSQL (a SQLite file belongs to one
    // machine and its one writer); sqlx holds an advisory lock while it migrates.
    if crate::helpers::backend() != TestBackend::Postgres {
        return;
    }
    let database = TestDatabase::create(TestBackend::Postgres).await;
    let mut starting = Vec::new();
    for _ in 0..4 {
        let url = database.url.clone();
        starting.push(tokio::spawn(async move {
            let db = Db::connect(&url).await.unwrap();
            let result = db.migrate().await;
            (db, result)
        }));
    }
    let mut pools = Vec::new();
    for task in starting {
        let (db, result) = task.await.unwrap();
        result.expect("every process starts");
        pools.push(db);
    }
    let expected = std::fs::read_dir(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../migrations/postgres"
    ))
    .unwrap()
    .count() as i64;
    assert_eq!(applied(&pools[0]).await, expected);
    for db in pools {
        db.close().await;
    }
}
