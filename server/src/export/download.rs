//! `GET /admin/export/ghost.json` and `GET /admin/export/markdown.tar.gz`: the exports of
//! `folio export` as downloads for administrators ([`Permission::ExportSite`]).
//!
//! The export runs in its own task and writes into a bounded channel that the response body
//! reads, so the file is streamed as it is made: memory holds a batch of posts and a few
//! chunks, however large the site, and a slow or stopped download holds the export back instead
//! of piling up bytes. If the export fails halfway the body ends with an error, so the
//! connection is cut and the browser reports a failed download rather than a short file that
//! looks whole.

use app::domain::Permission;
use app::error::AppError;
use app::ssr::state::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use tokio::sync::mpsc;
use tower_sessions::Session;

use super::{write_markdown, ExportError, Sink, TarGz};

/// The route of the downloads (`{file}` is `ghost.json` or `markdown.tar.gz`).
pub const PATH: &str = "/admin/export/{file}";

/// How many chunks may wait for a slow download before the export pauses.
const QUEUE: usize = 8;

/// The export formats offered for download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// A Ghost 5.x JSON export ([`super::ghost::write_ghost`]).
    Ghost,
    /// The Markdown tree as a `.tar.gz` ([`write_markdown`] into [`TarGz`]).
    Markdown,
}

impl Format {
    fn parse(file: &str) -> Option<Self> {
        match file {
            "ghost.json" => Some(Self::Ghost),
            "markdown.tar.gz" => Some(Self::Markdown),
            _ => None,
        }
    }
}

/// A [`Sink`] feeding a response body through a bounded channel.
struct ChannelSink(mpsc::Sender<Result<Vec<u8>, std::io::Error>>);

impl Sink for ChannelSink {
    async fn put(&mut self, bytes: Vec<u8>) -> Result<(), ExportError> {
        self.0
            .send(Ok(bytes))
            .await
            .map_err(|_| ExportError::Cancelled)
    }
}

/// Runs the export of `format` into `sink`.
async fn run(
    state: &AppState,
    format: Format,
    name: &str,
    sink: ChannelSink,
) -> Result<(), ExportError> {
    match format {
        Format::Ghost => {
            let mut sink = sink;
            super::ghost::write_ghost(&state.db, &state.site.base_url, Utc::now(), &mut sink)
                .await?;
        }
        Format::Markdown => {
            let mut tree = TarGz::new(name, Utc::now(), sink);
            let summary = write_markdown(&state.db, &state.media.store, &mut tree).await?;
            tree.finish().await?;
            for file in &summary.missing_media {
                tracing::warn!(
                    file,
                    "export: an upload a post shows is not in the media store"
                );
            }
        }
    }
    Ok(())
}

/// `GET /admin/export/{file}`: streams the export named by `file` as an attachment. Not signed
/// in: a redirect to the sign-in page, which comes back here; signed in without
/// [`Permission::ExportSite`]: 403; an unknown file: 404.
pub async fn download(
    State(state): State<AppState>,
    session: Session,
    Path(file): Path<String>,
) -> Response {
    let Some(format) = Format::parse(&file) else {
        return (StatusCode::NOT_FOUND, "No such export.\n").into_response();
    };
    let actor =
        match app::ssr::auth::require_permission(&state, &session, Permission::ExportSite).await {
            Ok(actor) => actor,
            Err(AppError::Unauthorized) => {
                let here = format!("/admin/export/{file}");
                return Redirect::to(&format!(
                    "/accounts/login/?next={}",
                    app::domain::text::encode_query_value(&here)
                ))
                .into_response();
            }
            Err(error) => return (error.status_code(), error.to_string()).into_response(),
        };
    let name = format!("folio-export-{}", Utc::now().format("%Y-%m-%d"));
    let (filename, content_type) = match format {
        Format::Ghost => (format!("{name}.json"), "application/json"),
        Format::Markdown => (format!("{name}.tar.gz"), "application/gzip"),
    };
    let (sender, mut receiver) = mpsc::channel(QUEUE);
    tracing::info!(user_id = actor.id, file, "site export started");
    tokio::spawn(async move {
        let failure = sender.clone();
        match run(&state, format, &name, ChannelSink(sender)).await {
            Ok(()) => tracing::info!(user_id = actor.id, file, "site export finished"),
            Err(ExportError::Cancelled) => {
                tracing::info!(
                    user_id = actor.id,
                    file,
                    "site export cancelled by the client"
                );
            }
            Err(error) => {
                tracing::error!(user_id = actor.id, file, %error, "site export failed");
                let _ = failure
                    .send(Err(std::io::Error::other(error.to_string())))
                    .await;
            }
        }
    });
    let body = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        Body::from_stream(body),
    )
        .into_response()
}
