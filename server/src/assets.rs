//! The built site's files under `/pkg/` (the wasm bundle and its lazily loaded chunks, the JS
//! glue, the stylesheet), served compressed: brotli or gzip copies are written beside them once,
//! at the best ratio, and sent to a browser that accepts them (`Content-Encoding`, RFC 9110
//! §8.4), so no request compresses anything. Until the copies exist (the first seconds after a
//! build) or where the folder is read-only, the files go out as they are.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{header, HeaderValue};
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// `Cache-Control` of the files under `/pkg/`: an hour (their names do not change between
/// builds, so they cannot be cached for longer).
pub const ASSET_CACHE_CONTROL: &str = "public, max-age=3600";

/// The extensions of files worth compressing (text and wasm; images are compressed already).
const COMPRESSIBLE: [&str; 6] = ["wasm", "js", "css", "svg", "json", "txt"];

/// What [`precompress`] did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Precompressed {
    /// Files that got new `.br` and `.gz` copies.
    pub written: usize,
    /// Files whose copies were already newer than them.
    pub current: usize,
    /// Bytes of the files compressed now, before compression.
    pub raw_bytes: u64,
    /// Bytes of their brotli copies.
    pub brotli_bytes: u64,
}

/// The files of `dir` whose extension is one of [`COMPRESSIBLE`] and that lack a `.br` or `.gz`
/// copy newer than themselves, and how many have both. Removes the outdated copies it finds, so
/// a rebuilt bundle is never answered with the previous build's bytes. A missing `dir` has none.
///
/// # Errors
/// The file system's error (a read-only folder, an unreadable entry).
pub fn outdated(dir: &Path) -> io::Result<(Vec<PathBuf>, usize)> {
    let mut outdated = Vec::new();
    let mut current = 0;
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((outdated, current)),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let path = entry?.path();
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible || !path.is_file() {
            continue;
        }
        let modified = fs::metadata(&path)?.modified()?;
        let copies = [with_suffix(&path, "br"), with_suffix(&path, "gz")];
        let is_current = |copy: &PathBuf| {
            fs::metadata(copy)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t >= modified)
        };
        if copies.iter().all(is_current) {
            current += 1;
            continue;
        }
        for copy in &copies {
            match fs::remove_file(copy) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        outdated.push(path);
    }
    Ok((outdated, current))
}

/// Writes `NAME.br` (brotli, quality 11, or 6 above [`BEST_QUALITY_UP_TO`]) and `NAME.gz` (gzip,
/// level 9) beside each of `files`.
/// Each copy is written to a temporary file and renamed into place, so a request never reads
/// half a copy, and several processes may do this at once.
///
/// # Errors
/// The file system's error.
pub fn compress_files(files: &[PathBuf]) -> io::Result<Precompressed> {
    let mut done = Precompressed::default();
    for path in files {
        let bytes = fs::read(path)?;
        let brotli = compress_brotli(&bytes)?;
        write_atomically(&with_suffix(path, "br"), &brotli)?;
        write_atomically(&with_suffix(path, "gz"), &compress_gzip(&bytes)?)?;
        done.written += 1;
        done.raw_bytes += bytes.len() as u64;
        done.brotli_bytes += brotli.len() as u64;
    }
    Ok(done)
}

/// [`outdated`] then [`compress_files`]: brings the compressed copies of `dir` up to date.
///
/// # Errors
/// The file system's error.
pub fn precompress(dir: &Path) -> io::Result<Precompressed> {
    let (files, current) = outdated(dir)?;
    let done = compress_files(&files)?;
    Ok(Precompressed { current, ..done })
}

/// `path` with `.suffix` added after its extension (`folio.wasm` → `folio.wasm.br`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Files up to this size (bytes) get brotli's best quality (11: about 1 MB/s on these machines,
/// 3 s for a release build's reader bundle); larger ones, such as a debug build's 14 MB bundle,
/// get quality 6 (over ten times faster, a few percent larger), so a development server does not
/// spend minutes of a core after each build.
pub const BEST_QUALITY_UP_TO: usize = 4 * 1024 * 1024;

fn compress_brotli(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: if bytes.len() <= BEST_QUALITY_UP_TO {
            11
        } else {
            6
        },
        lgwin: 24,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(bytes.len() / 3);
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

fn compress_gzip(bytes: &[u8]) -> io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 3),
        flate2::Compression::best(),
    );
    encoder.write_all(bytes)?;
    encoder.finish()
}

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(
        ".{}-{}.tmp",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let temporary = PathBuf::from(temporary);
    let written = fs::write(&temporary, bytes).and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

/// The service of `/pkg/`: the files of `dir`, their brotli or gzip copy when the request accepts
/// it and [`precompress`] made one, with [`ASSET_CACHE_CONTROL`] and `Vary: Accept-Encoding`
/// (caches must keep one response per encoding).
pub fn router<S: Clone + Send + Sync + 'static>(dir: PathBuf) -> Router<S> {
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(ASSET_CACHE_CONTROL),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
}

/// Brings the compressed copies of `dir` up to date: removes outdated ones now, before the
/// server answers (see [`outdated`]), and writes new ones on a thread of their own (brotli at
/// quality 11 takes seconds for the wasm bundle), logging what it did. A failure is a warning,
/// not an error: the files are then served uncompressed.
pub fn precompress_in_background(dir: PathBuf) {
    let warn = |dir: &Path, error: io::Error| {
        tracing::warn!(
            folder = %dir.display(),
            %error,
            "cannot write compressed copies of the site's files; they are served uncompressed"
        );
    };
    // One compression per folder at a time in this process (tests start many servers at once).
    static BUSY: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    let claim = |dir: &Path| {
        let mut busy = BUSY
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if busy.iter().any(|d| d == dir) {
            return false;
        }
        busy.push(dir.to_path_buf());
        true
    };
    let release = |dir: &Path| {
        BUSY.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|d| d != dir);
    };
    if !claim(&dir) {
        return;
    }
    let files = match outdated(&dir) {
        Ok((files, _)) if files.is_empty() => return release(&dir),
        Ok((files, _)) => files,
        Err(error) => {
            release(&dir);
            return warn(&dir, error);
        }
    };
    let spawned = std::thread::Builder::new()
        .name("folio-precompress".into())
        .spawn({
            let dir = dir.clone();
            move || {
                match compress_files(&files) {
                    Ok(done) => tracing::info!(
                        folder = %dir.display(),
                        files = done.written,
                        raw_kb = done.raw_bytes / 1024,
                        brotli_kb = done.brotli_bytes / 1024,
                        "compressed the site's files"
                    ),
                    Err(error) => warn(&dir, error),
                }
                release(&dir);
            }
        });
    if let Err(error) = spawned {
        release(&dir);
        tracing::warn!(%error, "cannot start the thread that compresses the site's files");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_made_once_and_decompress_to_the_file() {
        let dir = std::env::temp_dir().join(format!("folio-assets-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let wasm: Vec<u8> = (0..50_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        fs::write(dir.join("folio.wasm"), &wasm).unwrap();
        fs::write(dir.join("photo.png"), b"not compressible").unwrap();

        let first = precompress(&dir).unwrap();
        assert_eq!((first.written, first.current), (1, 0));
        assert!(first.brotli_bytes < first.raw_bytes / 4, "{first:?}");
        assert!(!dir.join("photo.png.br").exists());
        let mut unpacked = Vec::new();
        brotli::BrotliDecompress(
            &mut &fs::read(dir.join("folio.wasm.br")).unwrap()[..],
            &mut unpacked,
        )
        .unwrap();
        assert_eq!(unpacked, wasm);
        let mut gunzipped = Vec::new();
        io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&fs::read(dir.join("folio.wasm.gz")).unwrap()[..]),
            &mut gunzipped,
        )
        .unwrap();
        assert_eq!(gunzipped, wasm);

        // Nothing to do the second time; a rebuilt file gets new copies.
        assert_eq!(precompress(&dir).unwrap().current, 1);
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(dir.join("folio.wasm"), b"rebuilt").unwrap();
        let (stale, current) = outdated(&dir).unwrap();
        assert_eq!((stale, current), (vec![dir.join("folio.wasm")], 0));
        assert!(
            !dir.join("folio.wasm.br").exists(),
            "the old build's copy is gone at once"
        );
        assert_eq!(precompress(&dir).unwrap().written, 1);
        assert!(fs::read_dir(&dir).unwrap().all(|e| !e
            .unwrap()
            .path()
            .to_string_lossy()
            .ends_with(".tmp")));
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(precompress(&dir).unwrap(), Precompressed::default());
    }
}
