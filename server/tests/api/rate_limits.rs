//! Request rates counted in the database (`rate_limits`) are shared by every process on it, and
//! a job queued by one process wakes the workers of another at once (PostgreSQL).

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::ssr::db::{rate_limits, Db};

use crate::helpers::{backend, ServerProcess, TestBackend, TestDatabase};

/// One GET of `/api/posts/` from `server`: the status and the `Retry-After` seconds, if any.
async fn api_get(server: &ServerProcess) -> (u16, Option<u64>) {
    let response = reqwest::get(format!("{}/api/posts/", server.address))
        .await
        .unwrap();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    (response.status().as_u16(), retry_after)
}

#[tokio::test]
async fn the_database_counter_lets_a_burst_through_then_one_request_per_interval() {
    let database = TestDatabase::create(backend()).await;
    let db = Db::connect(&database.url).await.unwrap();
    db.migrate().await.unwrap();
    let mut conn = db.acquire_write().await.unwrap();
    // 3 requests a minute: an interval of 20 s, a burst of 3.
    let (interval, period) = (20_000_000, 60_000_000);
    let t0 = 1_800_000_000_000_000_i64;
    for _ in 0..3 {
        assert_eq!(
            rate_limits::check(conn.conn(), "api-anon:203.0.113.7", t0, interval, period)
                .await
                .unwrap(),
            None
        );
    }
    // The fourth waits one interval; refused requests are not counted.
    for _ in 0..2 {
        assert_eq!(
            rate_limits::check(conn.conn(), "api-anon:203.0.113.7", t0, interval, period)
                .await
                .unwrap(),
            Some(interval)
        );
    }
    // Another key has its own allowance.
    assert_eq!(
        rate_limits::check(conn.conn(), "api-anon:198.51.100.1", t0, interval, period)
            .await
            .unwrap(),
        None
    );
    // 5 s later the wait is 15 s; 20 s later one request passes, and the next waits again.
    let later = t0 + 5_000_000;
    assert_eq!(
        rate_limits::check(conn.conn(), "api-anon:203.0.113.7", later, interval, period)
            .await
            .unwrap(),
        Some(15_000_000)
    );
    let later = t0 + interval;
    assert_eq!(
        rate_limits::check(conn.conn(), "api-anon:203.0.113.7", later, interval, period)
            .await
            .unwrap(),
        None
    );
    assert!(
        rate_limits::check(conn.conn(), "api-anon:203.0.113.7", later, interval, period)
            .await
            .unwrap()
            .is_some()
    );
    // After a full idle period the allowance is whole again, and the sweep forgets both keys.
    let idle = t0 + 2 * period;
    assert_eq!(
        rate_limits::delete_idle(conn.conn(), idle).await.unwrap(),
        2
    );
    for _ in 0..3 {
        assert_eq!(
            rate_limits::check(conn.conn(), "api-anon:203.0.113.7", idle, interval, period)
                .await
                .unwrap(),
            None
        );
    }
    drop(conn);
    db.close().await;
}

#[tokio::test]
async fn two_processes_count_one_clients_api_requests_together() {
    // On PostgreSQL by default; on SQLite when asked for (two processes on one file).
    let database = Arc::new(TestDatabase::create(backend()).await);
    let mut settings = vec![
        ("FOLIO_WORKERS", "0"),
        ("FOLIO_API_THROTTLE_ANON", "4/minute"),
    ];
    if backend() == TestBackend::Sqlite {
        settings.push(("FOLIO_THROTTLE_STORE", "database"));
    }
    let first = ServerProcess::start_on(database.clone(), "serve", &settings).await;
    let second = ServerProcess::start_on(database.clone(), "serve", &settings).await;
    // Four requests between them, alternating: all answered.
    for i in 0..4 {
        let server = if i % 2 == 0 { &first } else { &second };
        assert_eq!(api_get(server).await, (200, None), "request {i}");
    }
    // The fifth is refused by either, with the wait of one interval (15 s) at most.
    for server in [&first, &second] {
        let (status, retry_after) = api_get(server).await;
        assert_eq!(status, 429);
        let wait = retry_after.expect("Retry-After");
        assert!((1..=15).contains(&wait), "{wait}");
    }
}

#[tokio::test]
async fn in_memory_each_process_counts_on_its_own() {
    // The contrast that shows the test above measures the shared count: the same two processes
    // with `memory` let the client have the rate from each.
    let database = Arc::new(TestDatabase::create(backend()).await);
    let settings = [
        ("FOLIO_WORKERS", "0"),
        ("FOLIO_API_THROTTLE_ANON", "2/minute"),
        ("FOLIO_THROTTLE_STORE", "memory"),
    ];
    let first = ServerProcess::start_on(database.clone(), "serve", &settings).await;
    let second = ServerProcess::start_on(database.clone(), "serve", &settings).await;
    for server in [&first, &first, &second, &second] {
        assert_eq!(api_get(server).await.0, 200);
    }
    assert_eq!(api_get(&first).await.0, 429);
    assert_eq!(api_get(&second).await.0, 429);
}

#[tokio::test]
async fn the_search_throttle_is_shared_too() {
    let database = Arc::new(TestDatabase::create(backend()).await);
    let mut settings = vec![
        ("FOLIO_WORKERS", "0"),
        ("FOLIO_SEARCH_THROTTLE", "3/minute"),
    ];
    if backend() == TestBackend::Sqlite {
        settings.push(("FOLIO_THROTTLE_STORE", "database"));
    }
    let first = ServerProcess::start_on(database.clone(), "serve", &settings).await;
    let second = ServerProcess::start_on(database.clone(), "serve", &settings).await;
    let search = |server: &ServerProcess| {
        let url = format!("{}/search?q=rust", server.address);
        async move { reqwest::get(url).await.unwrap().status().as_u16() }
    };
    assert_eq!(search(&first).await, 200);
    assert_eq!(search(&second).await, 200);
    assert_eq!(search(&first).await, 200);
    assert_eq!(search(&second).await, 429);
    assert_eq!(search(&first).await, 429);
}

#[tokio::test]
async fn a_job_queued_by_another_process_starts_on_a_worker_at_once() {
    // PostgreSQL notifies the workers; SQLite's workers find jobs by polling.
    if backend() != TestBackend::Postgres {
        return;
    }
    let database = Arc::new(TestDatabase::create(TestBackend::Postgres).await);
    // A worker that would otherwise look for jobs once a minute.
    let worker = ServerProcess::start_on(
        database.clone(),
        "worker",
        &[("FOLIO_JOB_POLL_SECONDS", "60")],
    )
    .await;
    // Let it finish what it queued for itself at start (the periodic jobs) and go idle.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let db = Db::connect(&database.url).await.unwrap();
    let queue = app::ssr::jobs::JobQueue::new(db.clone());
    let queued = Instant::now();
    queue
        .push(&app::ssr::jobs::Job::SendEmail {
            email: app::ssr::mail::OutgoingEmail {
                to: "ada@example.org".into(),
                subject: "Woken".into(),
                body: "Sent by a worker in another process.".into(),
            },
        })
        .await
        .unwrap();
    let mail_dir = database.mail_dir();
    loop {
        let sent = std::fs::read_dir(&mail_dir)
            .map(|entries| entries.flatten().count())
            .unwrap_or(0);
        if sent > 0 {
            break;
        }
        assert!(
            queued.elapsed() < Duration::from_secs(10),
            "not sent within 10 s (the worker polls every 60 s); it logged:\n{}",
            worker.log()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    eprintln!(
        "job queued by another process sent after {:?}",
        queued.elapsed()
    );
    db.close().await;
}
