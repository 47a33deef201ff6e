//! The built site's files under `/pkg/` (the wasm bundle and its lazily loaded chunks, the JS
//! glue, the stylesheet), served compressed: brotli or gzip copies are written beside them once,
//! at the best ratio, and sent to a browser that accepts them (`Content-Encoding`, RFC 9110
//! §8.4), so no request compresses anything. Until the copies exist (the first seconds after a
//! build) or where the folder is read-only, the files go out as they are.
//!
//! A build with cargo-leptos' `hash-files` names each file after its content
//! (`folio.<hash>.wasm`, the lazily loaded chunks after theirs): [`HashedNames`] finds those names
//! at start-up, and such files are served as `immutable` for a year (a new build has new names,
//! so nothing stale is ever served); files without a hash in their name keep an hour.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use axum::http::{header, HeaderValue};
use axum::Router;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

/// `Cache-Control` of the files under `/pkg/` whose names carry no content hash: an hour (their
/// names do not change between builds, so they cannot be cached for longer).
pub const ASSET_CACHE_CONTROL: &str = "public, max-age=3600";

/// `Cache-Control` of the files whose names carry their content's hash (see [`is_hashed_name`]):
/// a year, and `immutable` so browsers do not even revalidate on reload (RFC 8246).
pub const HASHED_ASSET_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// The length of cargo-leptos' content hashes: an MD5 digest in unpadded base64url (22 characters).
const HASH_LEN: usize = 22;

/// Whether `segment` looks like a cargo-leptos content hash: [`HASH_LEN`] base64url characters,
/// not the all-underscore placeholder of an unhashed build (`__wasm_split.______________________.js`).
fn is_hash(segment: &str) -> bool {
    segment.len() == HASH_LEN
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !segment.bytes().all(|b| b == b'_')
}

/// Whether the file name `name` (no folder) carries its content's hash, so its content can never
/// change under that name: `stem.<hash>.ext` (`folio.<hash>.wasm`, also with a `.br`/`.gz`
/// copy's extra suffix) or a chunk named by its hash alone (`<hash>.wasm`). Files in
/// wasm-bindgen's `snippets/` folders keep their names from build to build and are not hashed.
pub fn is_hashed_name(name: &str) -> bool {
    let name = name
        .strip_suffix(".br")
        .or_else(|| name.strip_suffix(".gz"))
        .unwrap_or(name);
    let Some((rest, _extension)) = name.rsplit_once('.') else {
        return false;
    };
    is_hash(rest) || rest.rsplit_once('.').is_some_and(|(_, hash)| is_hash(hash))
}

/// The hashes in the names of a build made with cargo-leptos' `hash-files`, found in its `pkg/`
/// folder: the bundle's JavaScript, wasm and stylesheet, and with `--split` the lazy chunks'
/// manifest and loader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedNames {
    /// Hash of `<output>.<hash>.js`.
    pub js: String,
    /// Hash of `<output>.<hash>.wasm`.
    pub wasm: String,
    /// Hash of `<output>.<hash>.css`.
    pub css: String,
    /// Hash of `__wasm_split_manifest.<hash>.json` (a split build).
    pub manifest: Option<String>,
    /// Hash of `__wasm_split.<hash>.js` (a split build).
    pub split: Option<String>,
}

impl HashedNames {
    /// Reads the names in `pkg_dir` of the build whose output is named `output` (`folio`).
    /// `Ok(None)` when the folder has no hashed bundle (a build without `hash-files`, or no build:
    /// the plain names are then used). cargo-leptos empties the folder before each build, so
    /// there is one name of each kind; should there be more, the newest file's wins.
    ///
    /// # Errors
    /// The file system's error reading the folder (a missing folder is `Ok(None)`).
    pub fn find(pkg_dir: &Path, output: &str) -> io::Result<Option<Self>> {
        let entries = match fs::read_dir(pkg_dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        // (kind, hash, modified) of every candidate.
        let mut found: Vec<(&'static str, String, std::time::SystemTime)> = Vec::new();
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let kinds = [
                ("js", output, "js"),
                ("wasm", output, "wasm"),
                ("css", output, "css"),
                ("manifest", "__wasm_split_manifest", "json"),
                ("split", "__wasm_split", "js"),
            ];
            for (kind, stem, extension) in kinds {
                let hash = name
                    .strip_prefix(stem)
                    .and_then(|rest| rest.strip_prefix('.'))
                    .and_then(|rest| rest.strip_suffix(extension))
                    .and_then(|rest| rest.strip_suffix('.'));
                if let Some(hash) = hash.filter(|h| is_hash(h)) {
                    let modified = entry.metadata()?.modified()?;
                    found.push((kind, hash.to_owned(), modified));
                }
            }
        }
        let newest = |kind: &str| {
            found
                .iter()
                .filter(|(k, ..)| *k == kind)
                .max_by_key(|(.., modified)| *modified)
                .map(|(_, hash, _)| hash.clone())
        };
        let (Some(js), Some(wasm), Some(css)) = (newest("js"), newest("wasm"), newest("css"))
        else {
            return Ok(None);
        };
        Ok(Some(Self {
            js,
            wasm,
            css,
            manifest: newest("manifest"),
            split: newest("split"),
        }))
    }

    /// The hash file Leptos' `HydrationScripts` reads (`LeptosOptions::hash_file`, the format
    /// cargo-leptos writes as `hash.txt`): one `kind: hash` line per file.
    pub fn hash_file_contents(&self) -> String {
        let mut contents = format!("js: {}\nwasm: {}\ncss: {}\n", self.js, self.wasm, self.css);
        if let Some(manifest) = &self.manifest {
            contents.push_str(&format!("manifest: {manifest}\n"));
        }
        if let Some(split) = &self.split {
            contents.push_str(&format!("split: {split}\n"));
        }
        contents
    }

    /// Writes [`Self::hash_file_contents`] where Leptos will read it and returns that path
    /// (absolute): `hash.txt` in the site folder (the pkg folder's parent), or where that folder
    /// is read-only, a file named after it in the temporary folder. Left as it is when it already
    /// holds these names, so servers sharing a site folder agree without rewriting it.
    ///
    /// # Errors
    /// The file system's error when neither place can be written.
    pub fn write_hash_file(&self, site_root: &Path) -> io::Result<PathBuf> {
        let contents = self.hash_file_contents();
        let site_root = std::path::absolute(site_root)?;
        let in_site = site_root.join("hash.txt");
        let fallback = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            site_root.hash(&mut hasher);
            std::env::temp_dir().join(format!("folio-hash-{:016x}.txt", hasher.finish()))
        };
        let mut last_error = None;
        for path in [in_site, fallback] {
            if fs::read_to_string(&path).is_ok_and(|existing| existing == contents) {
                return Ok(path);
            }
            match write_atomically(&path, contents.as_bytes()) {
                Ok(()) => return Ok(path),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| io::Error::other("no place for the hash file")))
    }

    /// The stylesheet's address under `/pkg/` for the build whose output is named `output`.
    pub fn stylesheet(&self, output: &str) -> String {
        format!("/pkg/{output}.{}.css", self.css)
    }
}

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
/// it and [`precompress`] made one, with `Vary: Accept-Encoding` (caches must keep one response
/// per encoding) and a `Cache-Control` by name: [`HASHED_ASSET_CACHE_CONTROL`] for names with a
/// content hash, [`ASSET_CACHE_CONTROL`] for the others. Errors (404) get no `Cache-Control`.
pub fn router<S: Clone + Send + Sync + 'static>(dir: PathBuf) -> Router<S> {
    Router::new()
        .fallback_service(ServeDir::new(dir).precompressed_br().precompressed_gzip())
        .layer(axum::middleware::from_fn(cache_control))
        .layer(SetResponseHeaderLayer::overriding(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ))
}

/// Sets the `Cache-Control` of a successful (2xx or 304) answer for a file under `/pkg/`.
async fn cache_control(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let hashed = request
        .uri()
        .path()
        .rsplit('/')
        .next()
        .is_some_and(is_hashed_name);
    let mut response = next.run(request).await;
    let status = response.status();
    if status.is_success() || status == axum::http::StatusCode::NOT_MODIFIED {
        let value = if hashed {
            HASHED_ASSET_CACHE_CONTROL
        } else {
            ASSET_CACHE_CONTROL
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    }
    response
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
    fn hashed_names_are_told_from_plain_ones() {
        let hash = "Ab3_x-9ZqLmN0pQrStUvWx";
        assert_eq!(hash.len(), HASH_LEN);
        for name in [
            format!("folio.{hash}.wasm"),
            format!("folio.{hash}.wasm.br"),
            format!("folio.{hash}.js.gz"),
            format!("__wasm_split.{hash}.js"),
            format!("{hash}.wasm"),
        ] {
            assert!(is_hashed_name(&name), "{name}");
        }
        for name in [
            "folio.wasm",
            "folio.js",
            "folio.css.br",
            "__wasm_split.______________________.js",
            "inline0.js",
            "folio.short.wasm",
            "",
            "wasm",
        ] {
            assert!(!is_hashed_name(name), "{name}");
        }
    }

    #[test]
    fn a_hashed_build_is_found_and_its_hash_file_written() {
        let root = std::env::temp_dir().join(format!("folio-hashed-{}", std::process::id()));
        let pkg = root.join("pkg");
        fs::create_dir_all(&pkg).unwrap();
        assert_eq!(
            HashedNames::find(&pkg, "folio").unwrap(),
            None,
            "empty folder"
        );
        assert_eq!(
            HashedNames::find(&root.join("missing"), "folio").unwrap(),
            None
        );

        let (js, wasm, css) = ("J".repeat(22), "W".repeat(22), "C-s_s".repeat(4) + "ab");
        let (manifest, split) = ("M".repeat(22), "S".repeat(22));
        for name in [
            format!("folio.{js}.js"),
            format!("folio.{wasm}.wasm"),
            format!("folio.{wasm}.wasm.br"),
            format!("folio.{css}.css"),
            format!("__wasm_split_manifest.{manifest}.json"),
            format!("__wasm_split.{split}.js"),
            format!("{}.wasm", "X".repeat(22)),
            "folio.js".to_owned(),
        ] {
            fs::write(pkg.join(name), b"x").unwrap();
        }
        let names = HashedNames::find(&pkg, "folio")
            .unwrap()
            .expect("a hashed build");
        assert_eq!(
            names,
            HashedNames {
                js: js.clone(),
                wasm: wasm.clone(),
                css: css.clone(),
                manifest: Some(manifest.clone()),
                split: Some(split.clone()),
            }
        );
        assert_eq!(names.stylesheet("folio"), format!("/pkg/folio.{css}.css"));

        let path = names.write_hash_file(&root).unwrap();
        assert!(path.is_absolute());
        assert_eq!(path, std::path::absolute(root.join("hash.txt")).unwrap());
        assert_eq!(
            fs::read_to_string(&path).unwrap(),
            format!("js: {js}\nwasm: {wasm}\ncss: {css}\nmanifest: {manifest}\nsplit: {split}\n")
        );
        // Written once: a second server with the same names leaves the file alone.
        let modified = fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(names.write_hash_file(&root).unwrap(), path);
        assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), modified);
        fs::remove_dir_all(&root).unwrap();
    }

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
