//! Background jobs: stored in the database, retried with backoff, taken by exactly one worker,
//! recovered after a worker dies, returned to the queue at shutdown; email goes through them and
//! waits for a real SMTP server (aiosmtpd) that is down, across a restart of Folio.

use std::sync::Arc;
use std::time::{Duration, Instant};

use app::ssr::db::jobs::{self as rows, JobRow, JobStatus};
use app::ssr::db::Db;
use app::ssr::jobs::{Enqueue, Job, JobQueue};
use app::ssr::mail::{Mailer, OutgoingEmail};
use chrono::Utc;
use folio_server::jobs::{JobContext, WorkerSettings, Workers};

use crate::helpers::{backend, read_emails, ServerProcess, TestApp, TestApp2, TestDatabase};

/// Worker settings that make a test quick: short polls, waits and leases.
fn quick() -> WorkerSettings {
    WorkerSettings {
        concurrency: 4,
        poll_interval: Duration::from_millis(50),
        retry_base: Duration::from_millis(20),
        retry_max: Duration::from_millis(50),
        lease: Duration::from_secs(1),
        shutdown_timeout: Duration::from_millis(500),
    }
}

const FROM: &str = "Folio <noreply@example.org>";

/// What the workers of a test need: `db`, its queue, `mailer`, a site and a secret key.
fn context(db: Db, mailer: Mailer) -> JobContext {
    JobContext {
        queue: JobQueue::new(db.clone()),
        db,
        mailer,
        site: app::model::SiteInfo {
            title: "Test Blog".into(),
            description: String::new(),
            base_url: "https://blog.example.org".into(),
        },
        secret_key: app::ssr::auth::SecretKey::new(b"test key".to_vec()),
        mail_rate: None,
    }
}

fn email(n: usize) -> Job {
    Job::SendEmail {
        email: OutgoingEmail {
            to: format!("reader{n}@example.org"),
            subject: format!("Message {n}"),
            body: format!("This is message {n}.\n"),
        },
    }
}

async fn open(database: &TestDatabase) -> Db {
    let db = Db::connect(&database.url).await.expect("database");
    db.migrate().await.expect("migrations");
    db
}

async fn job(db: &Db, id: i64) -> JobRow {
    let mut conn = db.acquire().await.expect("connection");
    rows::find(conn.conn(), id)
        .await
        .expect("query")
        .expect("the job exists")
}

async fn jobs_of(db: &Db, kind: &str) -> Vec<JobRow> {
    let mut conn = db.acquire().await.expect("connection");
    rows::list(conn.conn(), None, Some(kind), 1_000, 0)
        .await
        .expect("query")
}

/// Polls `check` every 20 ms until it returns `Some`, for at most `limit`.
async fn wait_for<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A mail server that accepts connections and never says a word (a hung server): its port, and
/// the task holding the connections open (abort it to let go).
async fn stalled_mail_server() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    (port, held)
}

/// A port on 127.0.0.1 that nothing listens on (bound, then released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

#[tokio::test]
async fn email_goes_through_the_queue_and_the_servers_own_workers_send_it() {
    let app = TestApp::spawn().await;
    app.create_user(
        "ada@example.org",
        "ada",
        "correct horse battery",
        app::domain::Role::Reader,
    )
    .await;
    app.call_ok("accounts/password/reset", &[("email", "ada@example.org")])
        .await;
    app.wait_for_link(1, "/accounts/reset/").await;
    let sent = wait_for(
        "the job to be marked done",
        Duration::from_secs(10),
        || async {
            let jobs = jobs_of(&app.db, "send_email").await;
            (jobs.len() == 1 && jobs[0].status() == JobStatus::Done).then(|| jobs[0].clone())
        },
    )
    .await;
    assert_eq!(sent.attempts, 1);
    assert!(sent.finished_at.is_some() && sent.locked_by.is_none());
    assert!(
        !sent.payload.contains("correct horse"),
        "no password in a job"
    );
    // The periodic jobs of the current slots were queued by the server and ran.
    for kind in ["clean_up", "optimize_search_index"] {
        let done = wait_for(kind, Duration::from_secs(10), || async {
            let jobs = jobs_of(&app.db, kind).await;
            (jobs.len() == 1 && jobs[0].status() == JobStatus::Done).then(|| jobs[0].clone())
        })
        .await;
        assert!(done
            .idempotency_key
            .as_deref()
            .is_some_and(|k| k.starts_with(kind)));
    }
}

#[tokio::test]
async fn a_failing_job_waits_longer_after_each_attempt_then_fails_with_its_error_kept() {
    let port = free_port();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let app = TestApp::spawn_with(
        backend(),
        &[
            ("FOLIO_SMTP_URL", smtp.as_str()),
            ("FOLIO_JOB_POLL_SECONDS", "0.02"),
            ("FOLIO_JOB_RETRY_SECONDS", "0.02"),
            ("FOLIO_JOB_RETRY_MAX_SECONDS", "0.05"),
        ],
    )
    .await;
    app.create_user(
        "ada@example.org",
        "ada",
        "correct horse battery",
        app::domain::Role::Reader,
    )
    .await;
    app.call_ok("accounts/password/reset", &[("email", "ada@example.org")])
        .await;
    let failed = wait_for(
        "the job to fail for good",
        Duration::from_secs(30),
        || async {
            let jobs = jobs_of(&app.db, "send_email").await;
            (jobs.len() == 1 && jobs[0].status() == JobStatus::Failed).then(|| jobs[0].clone())
        },
    )
    .await;
    assert_eq!(failed.attempts, failed.max_attempts);
    assert_eq!(failed.max_attempts, email(0).max_attempts());
    let error = failed.last_error.clone().unwrap_or_default();
    assert!(error.contains("cannot send the message"), "{error}");
    // Attempt n waits at least half of min(20 ms × 2^(n-1), 50 ms): 10 + 20 + 25 × 17 ms.
    let took = failed.finished_at.expect("finished") - failed.created_at;
    assert!(
        took >= chrono::Duration::milliseconds(455),
        "no backoff: {took}"
    );
    assert!(failed.locked_by.is_none());
    // Staff can queue it again; it is attempted afresh.
    let mut conn = app.db.acquire_write().await.unwrap();
    assert!(rows::retry(conn.conn(), failed.id, Utc::now())
        .await
        .unwrap());
    assert!(
        !rows::retry(conn.conn(), failed.id, Utc::now())
            .await
            .unwrap(),
        "only failed jobs"
    );
    drop(conn);
    wait_for("a new attempt", Duration::from_secs(10), || async {
        let now = job(&app.db, failed.id).await;
        (now.attempts >= 1 && now.attempts < now.max_attempts).then_some(())
    })
    .await;
}

/// Starts aiosmtpd (Maildir handler) on `port`, writing to `maildir`; killed on drop.
struct SmtpServer(std::process::Child);

impl SmtpServer {
    fn start(port: u16, maildir: &std::path::Path) -> Self {
        let python = std::env::var("FOLIO_TEST_SMTPD_PYTHON").unwrap_or_else(|_| {
            let home = std::env::var("HOME").unwrap_or_default();
            format!("{home}/.cache/folio/aiosmtpd-venv/bin/python")
        });
        let child = std::process::Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{python}: {e} (scripts/setup --test installs aiosmtpd in a venv)")
            });
        // Ready once it accepts connections (Python takes a moment to start).
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self(child)
    }

    fn messages(maildir: &std::path::Path) -> Vec<String> {
        std::fs::read_dir(maildir.join("new"))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn email_waits_for_a_mail_server_that_is_down_across_a_restart_and_arrives_once() {
    let port = free_port();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let settings = [
        ("FOLIO_SMTP_URL", smtp.as_str()),
        ("FOLIO_JOB_POLL_SECONDS", "0.05"),
        ("FOLIO_JOB_RETRY_SECONDS", "0.1"),
        ("FOLIO_JOB_RETRY_MAX_SECONDS", "0.3"),
    ];
    let database = Arc::new(TestDatabase::create(backend()).await);
    let mut server = ServerProcess::start_on(database.clone(), "serve", &settings).await;
    let db = open(&database).await;
    crate::helpers::create_account(
        &db,
        "ada@example.org",
        "ada",
        "correct horse battery",
        app::domain::Role::Reader,
    )
    .await;
    let browser = TestApp2 {
        address: server.address.clone(),
        client: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    };
    let response = browser
        .call("accounts/password/reset", &[("email", "ada@example.org")])
        .await;
    assert!(response.status().is_success() || response.status().is_redirection());
    // The mail server is down: the job fails and waits, again and again.
    let pending = wait_for("failed attempts", Duration::from_secs(20), || async {
        let jobs = jobs_of(&db, "send_email").await;
        (jobs.len() == 1 && jobs[0].attempts >= 2).then(|| jobs[0].clone())
    })
    .await;
    assert!(pending.last_error.is_some());
    // Folio stops (SIGTERM) with the email still unsent.
    server.terminate();
    assert!(
        server.wait_exit(Duration::from_secs(20)).await.is_some(),
        "folio stopped"
    );
    let queued = job(&db, pending.id).await;
    assert_eq!(
        queued.status(),
        JobStatus::Queued,
        "kept for later: {queued:?}"
    );
    // The mail server comes back, and a separate `folio worker` takes over.
    let folder = tempfile::tempdir().expect("maildir");
    let maildir = folder.path().join("maildir");
    let _smtpd = SmtpServer::start(port, &maildir);
    let worker = ServerProcess::start_on(database.clone(), "worker", &settings).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let messages = loop {
        let messages = SmtpServer::messages(&maildir);
        if !messages.is_empty() {
            break messages;
        }
        assert!(
            Instant::now() < deadline,
            "no email arrived; the worker logged:\n{}\nthe job: {:?}",
            worker.log(),
            job(&db, pending.id).await
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(messages[0].contains("/accounts/reset/"), "{}", messages[0]);
    assert!(messages[0].contains("ada@example.org"));
    wait_for("the job to be done", Duration::from_secs(10), || async {
        (job(&db, pending.id).await.status() == JobStatus::Done).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(SmtpServer::messages(&maildir).len(), 1, "sent once");
    db.close().await;
}

#[tokio::test]
async fn each_job_is_taken_by_exactly_one_of_several_workers() {
    let database = TestDatabase::create(backend()).await;
    let db = open(&database).await;
    let queue = JobQueue::new(db.clone());
    let total = 240;
    for n in 0..total {
        queue.push(&email(n)).await.expect("queued");
    }
    let mail = tempfile::tempdir().expect("mail folder");
    // Three "processes": each its own pool and worker name, four jobs at once each.
    let mut workers = Vec::new();
    for _ in 0..3 {
        let db = open(&database).await;
        let ctx = context(db, Mailer::folder(mail.path().to_path_buf(), FROM).unwrap());
        workers.push(Workers::start(ctx, quick(), Vec::new()));
    }
    wait_for("every job done", Duration::from_secs(60), || async {
        let jobs = jobs_of(&db, "send_email").await;
        jobs.iter()
            .all(|j| j.status() == JobStatus::Done)
            .then_some(())
    })
    .await;
    for worker in workers {
        worker.stop().await;
    }
    assert_eq!(
        read_emails(mail.path()).len(),
        total,
        "one email per job, none twice"
    );
    let jobs = jobs_of(&db, "send_email").await;
    assert_eq!(jobs.len(), total);
    assert!(jobs.iter().all(|j| j.attempts == 1), "no job ran twice");
    db.close().await;
}

#[tokio::test]
async fn a_dead_workers_job_runs_again_after_its_lease_unless_it_was_the_last_attempt() {
    let database = TestDatabase::create(backend()).await;
    let db = open(&database).await;
    let queue = JobQueue::new(db.clone());
    let retried = queue.push(&email(1)).await.unwrap();
    let exhausted = queue.push(&email(2)).await.unwrap();
    // A worker took both and died: leases that have run out, one on its last attempt.
    let past = Utc::now() - chrono::Duration::seconds(5);
    let mut conn = db.acquire_write().await.unwrap();
    let lease = Utc::now() + chrono::Duration::hours(1);
    for _ in 0..2 {
        rows::claim(conn.conn(), "dead-worker", Utc::now(), lease)
            .await
            .unwrap();
    }
    let lapse = "UPDATE jobs SET locked_until = $1, \
                 attempts = CASE WHEN id = $2 THEN max_attempts ELSE attempts END";
    app::on_conn!(conn.conn(), |c| sqlx::query(lapse)
        .bind(past)
        .bind(exhausted)
        .execute(c)
        .await
        .map(|_| ()))
    .unwrap();
    drop(conn);
    assert_eq!(job(&db, retried).await.status(), JobStatus::Running);
    let mail = tempfile::tempdir().expect("mail folder");
    let ctx = context(
        db.clone(),
        Mailer::folder(mail.path().to_path_buf(), FROM).unwrap(),
    );
    let workers = Workers::start(ctx, quick(), Vec::new());
    wait_for("both settled", Duration::from_secs(10), || async {
        let a = job(&db, retried).await.status();
        let b = job(&db, exhausted).await.status();
        (a == JobStatus::Done && b == JobStatus::Failed).then_some(())
    })
    .await;
    workers.stop().await;
    assert_eq!(job(&db, retried).await.attempts, 2);
    let lost = job(&db, exhausted).await;
    assert!(lost
        .last_error
        .unwrap_or_default()
        .contains("stopped before it finished"));
    assert_eq!(read_emails(mail.path()).len(), 1);
    db.close().await;
}

#[tokio::test]
async fn at_shutdown_an_unfinished_job_goes_back_to_the_queue_without_using_an_attempt() {
    // A mail server that accepts connections and never answers: the attempt hangs.
    let (port, held) = stalled_mail_server().await;
    let database = TestDatabase::create(backend()).await;
    let db = open(&database).await;
    let queue = JobQueue::new(db.clone());
    let id = queue.push(&email(1)).await.unwrap();
    let ctx = context(
        db.clone(),
        Mailer::smtp(&format!("smtp://127.0.0.1:{port}"), FROM).unwrap(),
    );
    let workers = Workers::start(ctx, quick(), Vec::new());
    let worker = workers.id().to_string();
    wait_for("the attempt to start", Duration::from_secs(10), || async {
        let row = job(&db, id).await;
        (row.status() == JobStatus::Running && row.locked_by.as_deref() == Some(worker.as_str()))
            .then_some(())
    })
    .await;
    let stopping = Instant::now();
    workers.stop().await;
    assert!(
        stopping.elapsed() < Duration::from_secs(5),
        "the shutdown deadline holds"
    );
    let row = job(&db, id).await;
    assert_eq!(row.status(), JobStatus::Queued);
    assert_eq!(row.attempts, 0, "the interrupted attempt is not counted");
    assert!(row.locked_by.is_none() && row.locked_until.is_none());
    held.abort();
    db.close().await;
}

#[tokio::test]
async fn a_job_that_can_never_succeed_fails_at_once_and_keys_queue_a_job_once() {
    let database = TestDatabase::create(backend()).await;
    let db = open(&database).await;
    let queue = JobQueue::new(db.clone());
    // An address no mail server would take: a permanent error, no retries.
    let bad = queue
        .push(&Job::SendEmail {
            email: OutgoingEmail {
                to: "not an address".into(),
                subject: "Hello".into(),
                body: "Hi".into(),
            },
        })
        .await
        .unwrap();
    // A row this version cannot read (say, written by a newer Folio).
    let mut conn = db.acquire_write().await.unwrap();
    let unreadable = rows::insert(
        conn.conn(),
        &rows::NewJobRow {
            kind: "send_email",
            payload: "{\"kind\":\"send_email\",\"email\":42}",
            max_attempts: 5,
            run_at: Utc::now(),
            idempotency_key: None,
        },
        Utc::now(),
    )
    .await
    .unwrap()
    .unwrap();
    drop(conn);
    // An idempotency key queues once, whatever happens to the first job.
    let key = Enqueue {
        run_at: None,
        idempotency_key: Some("welcome-email:42".into()),
    };
    let first = queue.push_with(&email(7), key.clone()).await.unwrap();
    assert!(first.is_some());
    assert_eq!(queue.push_with(&email(7), key).await.unwrap(), None);
    // A job for later is left alone until then; a cancelled job never runs.
    let later = queue
        .push_with(
            &email(8),
            Enqueue {
                run_at: Some(Utc::now() + chrono::Duration::hours(1)),
                idempotency_key: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
    let cancelled = queue.push(&email(9)).await.unwrap();
    let mut conn = db.acquire_write().await.unwrap();
    assert!(rows::cancel(conn.conn(), cancelled, Utc::now())
        .await
        .unwrap());
    drop(conn);
    let mail = tempfile::tempdir().expect("mail folder");
    let ctx = context(
        db.clone(),
        Mailer::folder(mail.path().to_path_buf(), FROM).unwrap(),
    );
    let workers = Workers::start(ctx, quick(), Vec::new());
    wait_for("the jobs to settle", Duration::from_secs(10), || async {
        let settled = job(&db, bad).await.status() == JobStatus::Failed
            && job(&db, unreadable).await.status() == JobStatus::Failed
            && job(&db, first.unwrap()).await.status() == JobStatus::Done;
        settled.then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    workers.stop().await;
    let bad = job(&db, bad).await;
    assert_eq!(
        bad.attempts, 1,
        "no retry of a message that cannot be built"
    );
    assert!(bad.last_error.unwrap_or_default().contains("cannot build"));
    let unreadable = job(&db, unreadable).await;
    assert_eq!(unreadable.attempts, 1);
    assert!(unreadable
        .last_error
        .unwrap_or_default()
        .contains("cannot read the job"));
    assert_eq!(job(&db, later).await.status(), JobStatus::Queued);
    assert_eq!(job(&db, later).await.attempts, 0);
    assert_eq!(job(&db, cancelled).await.status(), JobStatus::Cancelled);
    assert_eq!(
        read_emails(mail.path()).len(),
        1,
        "only the keyed email went out"
    );
    db.close().await;
}

#[tokio::test]
async fn a_job_of_a_worker_process_killed_mid_attempt_is_finished_by_another_worker() {
    // The first worker's mail server accepts and never answers: its attempt hangs.
    let (port, held) = stalled_mail_server().await;
    let database = Arc::new(TestDatabase::create(backend()).await);
    let db = open(&database).await;
    let id = JobQueue::new(db.clone()).push(&email(1)).await.unwrap();
    let smtp = format!("smtp://127.0.0.1:{port}");
    let quick_lease = [
        ("FOLIO_JOB_POLL_SECONDS", "0.05"),
        ("FOLIO_JOB_LEASE_SECONDS", "1"),
    ];
    let mut first_settings = quick_lease.to_vec();
    first_settings.push(("FOLIO_SMTP_URL", smtp.as_str()));
    let mut first = ServerProcess::start_on(database.clone(), "worker", &first_settings).await;
    wait_for("the first attempt", Duration::from_secs(20), || async {
        (job(&db, id).await.status() == JobStatus::Running).then_some(())
    })
    .await;
    first.kill();
    // The second worker writes email to the test's mail folder.
    let second = ServerProcess::start_on(database.clone(), "worker", &quick_lease).await;
    wait_for(
        "the job done by the second worker",
        Duration::from_secs(20),
        || async { (job(&db, id).await.status() == JobStatus::Done).then_some(()) },
    )
    .await;
    assert_eq!(job(&db, id).await.attempts, 2, "the killed attempt counts");
    assert_eq!(second.emails().len(), 1);
    held.abort();
    db.close().await;
}

#[tokio::test]
async fn a_message_the_mail_server_refuses_for_good_fails_at_once() {
    // aiosmtpd answers 500 when its handler cannot store the message (here: its Maildir is
    // removed once it runs): a permanent refusal (RFC 5321 §4.2.1), which no retry can fix.
    let port = free_port();
    let folder = tempfile::tempdir().expect("folder");
    let maildir = folder.path().join("maildir");
    let _smtpd = SmtpServer::start(port, &maildir);
    std::fs::remove_dir_all(&maildir).unwrap();
    let database = TestDatabase::create(backend()).await;
    let db = open(&database).await;
    let queue = JobQueue::new(db.clone());
    let id = queue.push(&email(1)).await.unwrap();
    let ctx = context(
        db.clone(),
        Mailer::smtp(&format!("smtp://127.0.0.1:{port}"), FROM).unwrap(),
    );
    let workers = Workers::start(ctx, quick(), Vec::new());
    let failed = wait_for("the job to fail", Duration::from_secs(30), || async {
        let row = job(&db, id).await;
        (row.status() == JobStatus::Failed).then_some(row)
    })
    .await;
    workers.stop().await;
    assert_eq!(failed.attempts, 1, "{failed:?}");
    let error = failed.last_error.unwrap_or_default();
    assert!(
        error.contains("refused the message") && error.contains("500"),
        "{error}"
    );
    db.close().await;
}
