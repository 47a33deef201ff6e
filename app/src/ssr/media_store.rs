//! Where uploaded images are kept: a folder on this machine (the default, `FOLIO_MEDIA_DIR`) or an
//! S3-compatible object store (`FOLIO_MEDIA_STORE=s3://bucket/prefix`), which every Folio process
//! on every machine sees.
//!
//! The object store goes through the `object_store` crate (Apache Arrow's; AWS S3, MinIO, Ceph,
//! Cloudflare R2, Garage…). Its credentials, region and endpoint come from the standard AWS
//! variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`/`AWS_DEFAULT_REGION`,
//! `AWS_ENDPOINT` for a server other than AWS, `AWS_ALLOW_HTTP=true` for a plain-HTTP one), as
//! every AWS tool reads them.
//!
//! Names are the stored names of [`crate::ssr::media`] (`2026/12/<32 hex>.jpg`): relative,
//! `/`-separated, never `..`. A write is all or nothing in both stores: the folder writes a
//! temporary file and renames it into place; an S3 `PUT` is atomic.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use object_store::path::Path as ObjectPath;
use object_store::{Attribute, Attributes, ObjectStore, PutOptions, PutPayload};

/// An error of the media store, with what was being done.
#[derive(Debug, thiserror::Error)]
pub enum MediaStoreError {
    /// A name that is not a stored name (absolute, empty parts, `..`).
    #[error("'{0}' is not a media file name")]
    BadName(String),
    /// The folder could not be written or read.
    #[error("media folder: {0}")]
    Folder(#[from] std::io::Error),
    /// The object store refused or could not be reached.
    #[error("media object store: {0}")]
    Object(#[from] object_store::Error),
    /// `FOLIO_MEDIA_STORE` could not be used.
    #[error("FOLIO_MEDIA_STORE: {0}")]
    Config(String),
}

/// A stored file as served: its bytes and what HTTP caching needs.
#[derive(Debug)]
pub struct StoredFile {
    /// The content.
    pub bytes: bytes::Bytes,
    /// The store's entity tag, if it gives one (S3 does: the MD5 of a single-part upload).
    pub e_tag: Option<String>,
    /// When it was written.
    pub last_modified: chrono::DateTime<chrono::Utc>,
}

/// The media store; cheap to clone.
#[derive(Debug, Clone)]
pub enum MediaStore {
    /// Files under a folder (served by the web server straight from disk).
    Folder(PathBuf),
    /// Objects in an S3-compatible bucket, under an optional prefix.
    Object {
        /// The store (with the prefix applied).
        store: Arc<dyn ObjectStore>,
        /// `s3://bucket/prefix`, for logs and `folio check`.
        url: String,
    },
}

impl MediaStore {
    /// The folder store at `dir` (created on first write).
    pub fn folder(dir: impl Into<PathBuf>) -> Self {
        Self::Folder(dir.into())
    }

    /// The store for `url`, `s3://<bucket>[/<prefix>]`, configured from the AWS variables of the
    /// environment (see the module documentation) and then `settings`: `(name, value)` pairs
    /// such as `("aws_endpoint", "http://127.0.0.1:9000")`, the names `object_store`'s
    /// `AmazonS3ConfigKey` accepts.
    ///
    /// # Errors
    /// [`MediaStoreError::Config`] for another scheme, a missing bucket, an unknown setting, or
    /// settings the S3 client refuses.
    pub fn from_url(url: &str, settings: &[(&str, &str)]) -> Result<Self, MediaStoreError> {
        let parsed = url::Url::parse(url)
            .map_err(|e| MediaStoreError::Config(format!("'{url}' is not a URL: {e}")))?;
        if parsed.scheme() != "s3" {
            return Err(MediaStoreError::Config(format!(
                "'{url}' is not an s3://bucket/prefix URL (leave it unset to keep media in FOLIO_MEDIA_DIR)"
            )));
        }
        let bucket = parsed
            .host_str()
            .filter(|b| !b.is_empty())
            .ok_or_else(|| MediaStoreError::Config(format!("'{url}' names no bucket")))?;
        let mut builder = object_store::aws::AmazonS3Builder::from_env();
        for (name, value) in settings {
            let key: object_store::aws::AmazonS3ConfigKey = name
                .parse()
                .map_err(|_| MediaStoreError::Config(format!("unknown S3 setting {name}")))?;
            builder = builder.with_config(key, *value);
        }
        let s3 = builder
            .with_bucket_name(bucket)
            .build()
            .map_err(|e| MediaStoreError::Config(e.to_string()))?;
        let prefix = parsed.path().trim_matches('/');
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            let prefix = ObjectPath::parse(prefix)
                .map_err(|e| MediaStoreError::Config(format!("prefix '{prefix}': {e}")))?;
            Arc::new(object_store::prefix::PrefixStore::new(s3, prefix))
        };
        Ok(Self::Object {
            store,
            url: url.trim_end_matches('/').to_string(),
        })
    }

    /// Where the files are, for logs: the folder's path or the `s3://` URL.
    pub fn describe(&self) -> String {
        match self {
            Self::Folder(dir) => dir.display().to_string(),
            Self::Object { url, .. } => url.clone(),
        }
    }

    /// The folder, when the store is one (the web server then serves it from disk).
    pub fn folder_path(&self) -> Option<&FsPath> {
        match self {
            Self::Folder(dir) => Some(dir),
            Self::Object { .. } => None,
        }
    }

    /// Stores `bytes` as `name` with `content_type`, replacing any file of that name, all at
    /// once: a reader never sees half a file.
    ///
    /// # Errors
    /// [`MediaStoreError::BadName`]; the folder's or the object store's error.
    pub async fn put(
        &self,
        name: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<(), MediaStoreError> {
        check_name(name)?;
        match self {
            Self::Folder(dir) => {
                let path = dir.join(name);
                if let Some(parent) = path.parent() {
                    tokio::fs::create_dir_all(parent).await?;
                }
                let temporary = path.with_extension(format!("{}.part", rand::random::<u32>()));
                let written = async {
                    tokio::fs::write(&temporary, &bytes).await?;
                    tokio::fs::rename(&temporary, &path).await
                }
                .await;
                if written.is_err() {
                    let _ = tokio::fs::remove_file(&temporary).await;
                }
                Ok(written?)
            }
            Self::Object { store, .. } => {
                let mut attributes = Attributes::new();
                attributes.insert(Attribute::ContentType, content_type.to_string().into());
                attributes.insert(
                    Attribute::CacheControl,
                    crate::ssr::media::MEDIA_CACHE_CONTROL.into(),
                );
                let options = PutOptions {
                    attributes,
                    ..PutOptions::default()
                };
                store
                    .put_opts(&object_path(name)?, PutPayload::from(bytes), options)
                    .await?;
                Ok(())
            }
        }
    }

    /// Removes `name`; a name that is not there is not an error.
    ///
    /// # Errors
    /// [`MediaStoreError::BadName`]; the folder's or the object store's error.
    pub async fn delete(&self, name: &str) -> Result<(), MediaStoreError> {
        check_name(name)?;
        match self {
            Self::Folder(dir) => match tokio::fs::remove_file(dir.join(name)).await {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
                _ => Ok(()),
            },
            Self::Object { store, .. } => match store.delete(&object_path(name)?).await {
                Err(object_store::Error::NotFound { .. }) | Ok(()) => Ok(()),
                Err(e) => Err(e.into()),
            },
        }
    }

    /// The file `name`, or `None` when there is none.
    ///
    /// # Errors
    /// [`MediaStoreError::BadName`]; the folder's or the object store's error.
    pub async fn get(&self, name: &str) -> Result<Option<StoredFile>, MediaStoreError> {
        check_name(name)?;
        match self {
            Self::Folder(dir) => {
                let path = dir.join(name);
                let bytes = match tokio::fs::read(&path).await {
                    Ok(bytes) => bytes,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(e.into()),
                };
                let modified = tokio::fs::metadata(&path).await?.modified()?;
                Ok(Some(StoredFile {
                    bytes: bytes.into(),
                    e_tag: None,
                    last_modified: modified.into(),
                }))
            }
            Self::Object { store, .. } => match store.get(&object_path(name)?).await {
                Ok(result) => {
                    let e_tag = result.meta.e_tag.clone();
                    let last_modified = result.meta.last_modified;
                    let bytes = result.bytes().await?;
                    Ok(Some(StoredFile {
                        bytes,
                        e_tag,
                        last_modified,
                    }))
                }
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e.into()),
            },
        }
    }

    /// Proves the store usable: writes, reads back and removes a small probe file (`folio
    /// check` and start-up).
    ///
    /// # Errors
    /// What went wrong, from the store.
    pub async fn probe(&self) -> Result<(), MediaStoreError> {
        let name = format!(".folio-probe-{:016x}", rand::random::<u64>());
        self.put(&name, b"probe".to_vec(), "text/plain").await?;
        let read = self.get(&name).await;
        let removed = self.delete(&name).await;
        match read? {
            Some(file) if &file.bytes[..] == b"probe" => removed,
            _ => Err(MediaStoreError::Config(
                "a file written could not be read back".into(),
            )),
        }
    }
}

/// Refuses names that could leave the store's folder or prefix.
fn check_name(name: &str) -> Result<(), MediaStoreError> {
    let bad = name.is_empty()
        || name.starts_with('/')
        || name.contains('\\')
        || name.contains('\0')
        || name
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        Err(MediaStoreError::BadName(name.chars().take(100).collect()))
    } else {
        Ok(())
    }
}

fn object_path(name: &str) -> Result<ObjectPath, MediaStoreError> {
    ObjectPath::parse(name).map_err(|_| MediaStoreError::BadName(name.chars().take(100).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_relative_names_inside_the_store_are_accepted() {
        for good in [
            "2026/12/ab12.jpg",
            "2026/12/ab12-800w.jpg",
            ".folio-probe-1",
        ] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../secret",
            "2026/../../x",
            "a//b",
            "a/./b",
            "a\\b",
            "a\0b",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn only_s3_urls_with_a_bucket_are_object_stores() {
        assert!(MediaStore::from_url("file:///srv/media", &[]).is_err());
        assert!(MediaStore::from_url("s3:///prefix", &[]).is_err());
        assert!(MediaStore::from_url("not a url", &[]).is_err());
        assert!(MediaStore::from_url("s3://b", &[("aws_colour", "blue")]).is_err());
        let store =
            MediaStore::from_url("s3://folio-media/site/", &[("aws_region", "eu-west-1")]).unwrap();
        assert_eq!(store.describe(), "s3://folio-media/site");
        assert!(store.folder_path().is_none());
    }

    #[tokio::test]
    async fn the_folder_store_writes_whole_files_and_forgets_deleted_ones() {
        let dir = std::env::temp_dir().join(format!("folio-store-{:x}", rand::random::<u64>()));
        let store = MediaStore::folder(&dir);
        store
            .put("2026/12/a.png", vec![1, 2, 3], "image/png")
            .await
            .unwrap();
        let file = store.get("2026/12/a.png").await.unwrap().unwrap();
        assert_eq!(&file.bytes[..], &[1, 2, 3]);
        // No temporary file is left beside it.
        let names: Vec<_> = std::fs::read_dir(dir.join("2026/12"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.png")]);
        store.delete("2026/12/a.png").await.unwrap();
        store.delete("2026/12/a.png").await.unwrap();
        assert!(store.get("2026/12/a.png").await.unwrap().is_none());
        store.probe().await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }
}
