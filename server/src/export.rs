//! `folio export markdown DIR` (and, in [`ghost`], `folio export ghost FILE`): the whole site as Markdown files with TOML front matter, which
//! Folio's own importer, Zola and Hugo read back, and its uploads beside them.
//!
//! Layout of `DIR`:
//! - `content/posts/YYYY-MM-DD-<slug>.md`: dated posts (published, scheduled, archived, and drafts
//!   that have a date); `content/drafts/<slug>.md` for drafts without one;
//!   `content/pages/<slug>.md` for pages (`kind = "page"`);
//! - `static/media/…`: every upload a post shows (and its resized copies), at the same path under
//!   `static/` as on the site, so `/media/…` links keep working in Zola and Hugo, which serve
//!   `static/` at the root.
//!
//! Front matter (TOML, between `+++` lines): `title`, `slug`, `date` (a TOML datetime, UTC),
//! `draft = true` for anything not published, `kind = "page"`, `description`, `category`,
//! `tags`, `authors` (the byline's names, else the author's), `aliases` (old URLs that redirect
//! to the post), and under `[extra]` what only Folio uses (`status = "archived"`, the featured
//! image, a page's navigation order). The body is the Markdown the post was written in when
//! Folio has it, else its HTML (which Markdown keeps as it is).
//!
//! `DIR` must be empty or missing: an export never overwrites files. The same tree can be
//! written as a `.tar.gz` stream instead ([`TarGz`]), which is what administrators download from
//! `/admin/` ([`download`]). Either way posts are read in batches of [`BATCH`] and written as
//! they come, so memory stays flat however large the site.

pub mod download;
pub mod ghost;

use std::collections::BTreeSet;
use std::future::Future;
use std::path::{Path, PathBuf};

use app::ssr::db::posts::export::{batch, ExportRow};
use app::ssr::db::Db;
use app::ssr::media_store::MediaStore;
use serde::Serialize;

/// How many posts are read at once.
const BATCH: i64 = 200;

/// What an export wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// Dated posts written.
    pub posts: usize,
    /// Pages written.
    pub pages: usize,
    /// Drafts without a date written.
    pub drafts: usize,
    /// Media files copied.
    pub media: usize,
    /// Uploads a post shows that the media store does not have.
    pub missing_media: Vec<String>,
}

impl ExportSummary {
    /// The one-line summary printed at the end.
    pub fn line(&self) -> String {
        format!(
            "{} posts, {} pages, {} undated drafts, {} media files ({} missing)",
            self.posts,
            self.pages,
            self.drafts,
            self.media,
            self.missing_media.len()
        )
    }
}

/// Why an export could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The target folder has files in it.
    #[error("{0} is not empty: choose a new or empty folder (an export never overwrites files)")]
    NotEmpty(PathBuf),
    /// The target file exists.
    #[error("{0} exists: choose a new file name (an export never overwrites files)")]
    Exists(PathBuf),
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The database failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Whoever was downloading the export went away.
    #[error("the download was cancelled")]
    Cancelled,
}

#[derive(Serialize)]
struct Front<'a> {
    title: &'a str,
    slug: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<toml::value::Datetime>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    draft: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    category: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    authors: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
    #[serde(skip_serializing_if = "Extra::is_empty")]
    extra: Extra,
}

#[derive(Serialize, Default)]
struct Extra {
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    featured_image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nav_order: Option<i32>,
}

impl Extra {
    fn is_empty(&self) -> bool {
        self.status.is_none() && self.featured_image.is_none() && self.nav_order.is_none()
    }
}

/// Where an export's bytes go, in order, chunk by chunk: a file ([`FileSink`]) or an HTTP
/// response body ([`download`]).
pub trait Sink: Send {
    /// Writes `bytes` after everything put before.
    ///
    /// # Errors
    /// [`ExportError::Write`] when the file cannot be written; [`ExportError::Cancelled`] when
    /// the download's reader went away.
    fn put(&mut self, bytes: Vec<u8>) -> impl Future<Output = Result<(), ExportError>> + Send;
}

/// A [`Sink`] writing a new file (never an existing one).
pub struct FileSink {
    path: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
}

impl FileSink {
    /// Creates `path`.
    ///
    /// # Errors
    /// [`ExportError::Exists`] when it exists (never overwritten); [`ExportError::Write`].
    pub fn create(path: &Path) -> Result<Self, ExportError> {
        if path.exists() {
            return Err(ExportError::Exists(path.to_path_buf()));
        }
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|source| ExportError::Write {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(Self {
            path: path.to_path_buf(),
            out: std::io::BufWriter::new(file),
        })
    }

    /// Flushes what is buffered to the file.
    ///
    /// # Errors
    /// [`ExportError::Write`].
    pub fn finish(mut self) -> Result<(), ExportError> {
        use std::io::Write;
        self.out.flush().map_err(|source| ExportError::Write {
            path: self.path.clone(),
            source,
        })
    }
}

impl Sink for FileSink {
    async fn put(&mut self, bytes: Vec<u8>) -> Result<(), ExportError> {
        use std::io::Write;
        self.out
            .write_all(&bytes)
            .map_err(|source| ExportError::Write {
                path: self.path.clone(),
                source,
            })
    }
}

/// Where the Markdown export's files go: a folder ([`Folder`]) or a `.tar.gz` stream
/// ([`TarGz`]).
pub trait Tree: Send {
    /// Writes the file at `path` (relative, `/`-separated, e.g. `content/posts/x.md`).
    ///
    /// # Errors
    /// [`ExportError::Write`] (a file exists, or the disk refuses); [`ExportError::Cancelled`].
    fn file(
        &mut self,
        path: &str,
        bytes: &[u8],
    ) -> impl Future<Output = Result<(), ExportError>> + Send;
}

/// A [`Tree`] in a folder that must be new or empty.
pub struct Folder {
    dir: PathBuf,
}

impl Folder {
    /// The folder `dir`, made when missing.
    ///
    /// # Errors
    /// [`ExportError::NotEmpty`] when it has files.
    pub fn new(dir: &Path) -> Result<Self, ExportError> {
        if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
            return Err(ExportError::NotEmpty(dir.to_path_buf()));
        }
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }
}

impl Tree for Folder {
    async fn file(&mut self, path: &str, bytes: &[u8]) -> Result<(), ExportError> {
        let path = self.dir.join(path);
        let fail = |source| ExportError::Write {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        // `create_new`: never overwrite, even if two posts would map to one name.
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(fail)?;
        file.write_all(bytes).map_err(fail)
    }
}

/// A [`Tree`] written as a gzip-compressed tar archive (POSIX ustar with GNU long names, as the
/// `tar` crate writes it) into a [`Sink`], every path under one top folder. Each file is sent
/// on as soon as it is compressed, so the archive is never held whole in memory.
pub struct TarGz<S: Sink> {
    top: String,
    builder: tar::Builder<flate2::write::GzEncoder<Vec<u8>>>,
    sink: S,
    modified: u64,
}

impl<S: Sink> TarGz<S> {
    /// An archive whose files are under `top/` (a folder name), dated `modified`.
    pub fn new(top: &str, modified: chrono::DateTime<chrono::Utc>, sink: S) -> Self {
        let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        Self {
            top: top.trim_matches('/').to_string(),
            builder: tar::Builder::new(encoder),
            sink,
            modified: u64::try_from(modified.timestamp()).unwrap_or(0),
        }
    }

    /// Writes the archive's end (two empty blocks and the gzip trailer) and returns the sink.
    ///
    /// # Errors
    /// As [`Sink::put`].
    pub async fn finish(self) -> Result<S, ExportError> {
        let mut sink = self.sink;
        let encoder = self.builder.into_inner().map_err(archive_error)?;
        let bytes = encoder.finish().map_err(archive_error)?;
        sink.put(bytes).await?;
        Ok(sink)
    }
}

/// An error of the archive writer itself (it writes to memory, so this is not expected).
fn archive_error(source: std::io::Error) -> ExportError {
    ExportError::Write {
        path: PathBuf::from("(archive)"),
        source,
    }
}

impl<S: Sink> Tree for TarGz<S> {
    async fn file(&mut self, path: &str, bytes: &[u8]) -> Result<(), ExportError> {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(self.modified);
        header.set_entry_type(tar::EntryType::Regular);
        self.builder
            .append_data(&mut header, format!("{}/{path}", self.top), bytes)
            .map_err(archive_error)?;
        let chunk = std::mem::take(self.builder.get_mut().get_mut());
        if !chunk.is_empty() {
            self.sink.put(chunk).await?;
        }
        Ok(())
    }
}

/// The file one post is written to, relative to `content/`; a number is added when the name is
/// taken (two undated drafts with one slug).
fn file_for(row: &ExportRow, taken: &mut BTreeSet<String>) -> String {
    let base = if row.kind == "page" {
        format!("pages/{}", row.slug)
    } else {
        match row.published_at {
            Some(at) => format!("posts/{}-{}", at.format("%Y-%m-%d"), row.slug),
            None => format!("drafts/{}", row.slug),
        }
    };
    let mut name = format!("{base}.md");
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{base}-{n}.md");
        n += 1;
    }
    name
}

/// The Markdown file of one post (front matter and body).
fn render(row: &ExportRow, tags: Vec<String>, aliases: Vec<String>) -> String {
    let date = row
        .published_at
        .and_then(|at| at.format("%Y-%m-%dT%H:%M:%SZ").to_string().parse().ok());
    let author = if row.author_name.trim().is_empty() {
        row.author_username.clone()
    } else {
        row.author_name.clone()
    };
    let authors = match row.byline.as_deref() {
        Some(byline) => {
            let names = crate::import::source::author_names(byline);
            if names.is_empty() {
                vec![author]
            } else {
                names
            }
        }
        None => vec![author],
    };
    let front = Front {
        title: &row.title,
        slug: &row.slug,
        date,
        draft: row.status != "PUBLISHED",
        kind: (row.kind == "page").then_some("page"),
        description: row.meta_description.as_deref(),
        category: &row.category_name,
        tags,
        authors,
        aliases,
        extra: Extra {
            status: (row.status == "ARCHIVED").then_some("archived"),
            featured_image: row.featured_image.as_ref().map(|f| format!("/media/{f}")),
            nav_order: row.nav_order,
        },
    };
    let toml = toml::to_string(&front).unwrap_or_default();
    let body = row.body_source.as_deref().unwrap_or(&row.body);
    format!("+++\n{toml}+++\n{}\n", body.trim_end())
}

/// Writes every post of `db` under `dir` (new or empty) and copies the uploads they show from
/// `media`.
///
/// # Errors
/// [`ExportError::NotEmpty`] when `dir` has files; [`ExportError::Write`];
/// [`ExportError::Database`].
pub async fn export_markdown(
    db: &Db,
    media: &MediaStore,
    dir: &Path,
) -> Result<ExportSummary, ExportError> {
    let mut folder = Folder::new(dir)?;
    write_markdown(db, media, &mut folder).await
}

/// Writes every post of `db` into `tree` (the layout in the module documentation) and the
/// uploads they show from `media`.
///
/// # Errors
/// [`ExportError::Write`]; [`ExportError::Cancelled`]; [`ExportError::Database`].
pub async fn write_markdown(
    db: &Db,
    media: &MediaStore,
    tree: &mut impl Tree,
) -> Result<ExportSummary, ExportError> {
    let mut summary = ExportSummary::default();
    let mut taken = BTreeSet::new();
    let mut uploads = BTreeSet::new();
    let mut after = 0;
    loop {
        let mut conn = db.acquire().await?;
        let rows = batch(conn.conn(), after, BATCH).await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = last.id;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut tags = app::ssr::db::tags::for_posts(conn.conn(), &ids).await?;
        let mut files = Vec::with_capacity(rows.len());
        for row in &rows {
            let aliases = app::ssr::db::redirects::list_for_post(conn.conn(), row.id).await?;
            let names = tags
                .remove(&row.id)
                .unwrap_or_default()
                .into_iter()
                .map(|t| t.name)
                .collect();
            files.push((file_for(row, &mut taken), render(row, names, aliases)));
            if row.kind == "page" {
                summary.pages += 1;
            } else if row.published_at.is_none() {
                summary.drafts += 1;
            } else {
                summary.posts += 1;
            }
            uploads.extend(app::ssr::media::referenced_uploads(&row.body));
            uploads.extend(row.featured_image.clone());
        }
        // The connection goes back to the pool before a slow reader is waited on.
        drop(conn);
        for (file, text) in files {
            tree.file(&format!("content/{file}"), text.as_bytes())
                .await?;
        }
    }
    for name in uploads {
        let mut names = vec![name.clone()];
        names.extend(
            app::ssr::media::VARIANT_WIDTHS
                .map(|width| app::ssr::media::variant_name(&name, width)),
        );
        for (i, file) in names.iter().enumerate() {
            match media.get(file).await {
                Ok(Some(stored)) => {
                    tree.file(&format!("static/media/{file}"), &stored.bytes)
                        .await?;
                    summary.media += 1;
                }
                // A resized copy that was never made is not missing.
                Ok(None) if i > 0 => {}
                Ok(None) | Err(_) => summary.missing_media.push(file.clone()),
            }
        }
    }
    Ok(summary)
}
