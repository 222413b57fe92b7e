//! Where reports go: standard output, a local file, or an object in object storage, so a
//! scheduled run can publish its reports for data owners.
//!
//! Invariant: a target URL is shown with its credentials removed; writing uses the same store
//! resolution (and settings) as reading, but never the read-only scan store.

use std::io::Write;
use std::path::PathBuf;

use std::sync::Arc;

use bytes::Bytes;
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use url::Url;

use crate::error::{ReadinessError, Result};
use crate::source::stores::{self, StorageOptions, StoreOperation, explain, redact, redact_url};

/// A place to write one report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Stdout,
    File(PathBuf),
    Object(Url),
}

impl Target {
    /// `-`, a local path, or a URL such as `s3://bucket/reports/readiness.json`.
    pub fn parse(text: &str) -> Result<Self> {
        if text == "-" {
            return Ok(Self::Stdout);
        }
        if text.contains("://") {
            let url = Url::parse(text).map_err(|error| ReadinessError::InvalidArgument {
                flag: "--out/--json/--html",
                message: format!("`{text}` is not a URL: {error}"),
            })?;
            if url.scheme() == "file" {
                return Ok(Self::File(PathBuf::from(url.path())));
            }
            return Ok(Self::Object(url));
        }
        Ok(Self::File(PathBuf::from(text)))
    }

    /// `name` inside this target, taken as a folder.
    pub fn join(&self, name: &str) -> Self {
        match self {
            Self::Stdout => Self::Stdout,
            Self::File(folder) => Self::File(folder.join(name)),
            Self::Object(folder) => {
                let mut url = folder.clone();
                let path = format!("{}/{name}", folder.path().trim_end_matches('/'));
                url.set_path(&path);
                Self::Object(url)
            }
        }
    }

    pub fn is_stdout(&self) -> bool {
        matches!(self, Self::Stdout)
    }

    /// `text` written here, replacing what was there.
    pub async fn write(&self, text: &str, options: &StorageOptions) -> Result<()> {
        self.write_bytes(Bytes::from(text.to_string()), options)
            .await
    }

    /// `bytes` written here, replacing what was there.
    pub async fn write_bytes(&self, bytes: Bytes, options: &StorageOptions) -> Result<()> {
        match self {
            Self::Stdout => std::io::stdout()
                .lock()
                .write_all(&bytes)
                .map_err(|source| ReadinessError::WriteOutput {
                    path: PathBuf::from("-"),
                    source,
                }),
            Self::File(path) => {
                let failed = |source| ReadinessError::WriteOutput {
                    path: path.clone(),
                    source,
                };
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent).map_err(failed)?;
                }
                write_atomically(path, &bytes).map_err(failed)
            }
            Self::Object(url) => {
                let (store, path) = self.object_store(url, options).await?;
                store
                    .put(&path, PutPayload::from(bytes))
                    .await
                    .map_err(|error| {
                        self.failed(&explain(&error, StoreOperation::Write), options)
                    })?;
                Ok(())
            }
        }
    }

    /// Every file below this target taken as a folder, with its contents, by name. A folder
    /// that does not exist yet holds nothing.
    /// Every object (file) directly in this folder or prefix whose name `wanted` accepts,
    /// read after the whole listing was taken; other files are never opened.
    pub async fn read_all(
        &self,
        options: &StorageOptions,
        wanted: impl Fn(&str) -> bool,
    ) -> Result<Vec<(String, Bytes)>> {
        match self {
            Self::Stdout => Ok(Vec::new()),
            Self::File(folder) => {
                let failed = |source| ReadinessError::WriteOutput {
                    path: folder.clone(),
                    source,
                };
                let entries = match std::fs::read_dir(folder) {
                    Ok(entries) => entries,
                    Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                        return Ok(Vec::new());
                    }
                    Err(error) => return Err(failed(error)),
                };
                let mut paths = Vec::new();
                for entry in entries {
                    let entry = entry.map_err(failed)?;
                    let name = entry.file_name();
                    // Regular files only (a link is not followed out of the store).
                    if entry.file_type().map_err(failed)?.is_file()
                        && name.to_str().is_some_and(&wanted)
                    {
                        paths.push(entry.path());
                    }
                }
                let mut files = Vec::new();
                for path in paths {
                    let bytes = std::fs::read(&path).map_err(failed)?;
                    files.push((path.display().to_string(), Bytes::from(bytes)));
                }
                files.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(files)
            }
            Self::Object(url) => {
                let (store, prefix) = self.object_store(url, options).await?;
                let failed = |error: object_store::Error| {
                    self.failed(&explain(&error, StoreOperation::List), options)
                };
                let listed: Vec<_> = store
                    .list(Some(&prefix))
                    .try_collect()
                    .await
                    .map_err(failed)?;
                let mut files = Vec::new();
                let listed = listed.into_iter().filter(|meta| {
                    meta.location
                        .prefix_match(&prefix)
                        .is_some_and(|mut below| {
                            below.next().is_some_and(|name| wanted(name.as_ref()))
                                && below.next().is_none()
                        })
                });
                for meta in listed {
                    let bytes = store
                        .get(&meta.location)
                        .await
                        .map_err(failed)?
                        .bytes()
                        .await
                        .map_err(failed)?;
                    let mut shown = url.clone();
                    shown.set_path(&format!("/{}", meta.location));
                    files.push((redact_url(&shown), bytes));
                }
                files.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(files)
            }
        }
    }

    async fn object_store(
        &self,
        url: &Url,
        options: &StorageOptions,
    ) -> Result<(Arc<dyn ObjectStore>, Path)> {
        let mut root = url.clone();
        root.set_path("/");
        let store = stores::build(&root, options).await?;
        let path = Path::from_url_path(url.path())
            .map_err(|error| self.failed(&error.to_string(), options))?;
        Ok((store, path))
    }

    fn failed(&self, message: &str, options: &StorageOptions) -> ReadinessError {
        ReadinessError::PublishOutput {
            url: self.to_string(),
            message: redact(message, options),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Stdout => f.write_str("standard output"),
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Object(url) => f.write_str(&redact_url(url)),
        }
    }
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: a reader
/// (or a crash) never sees a half-written report or history file. A path that is not a
/// regular file (`/dev/null`, a pipe) is written directly.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let existing = std::fs::metadata(path).ok();
    if existing.as_ref().is_some_and(|meta| !meta.is_file()) {
        return std::fs::write(path, bytes);
    }
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let mut temporary = tempfile::Builder::new()
        .prefix(".readiness-")
        .suffix(".partial")
        .tempfile_in(folder)?;
    temporary.write_all(bytes)?;
    temporary.as_file().sync_all()?;
    // Reports are for sharing: the replaced file's permissions, or rw-r--r-- for a new one.
    let mode = existing.map_or(0o644, |meta| meta.permissions().mode());
    std::fs::set_permissions(temporary.path(), std::fs::Permissions::from_mode(mode))?;
    temporary.persist(path).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_and_join() {
        assert_eq!(Target::parse("-").unwrap(), Target::Stdout);
        let folder = Target::parse("s3://bucket/reports/daily/").unwrap();
        assert_eq!(
            folder.join("readiness.json").to_string(),
            "s3://bucket/reports/daily/readiness.json"
        );
        assert_eq!(
            Target::parse("reports").unwrap().join("readiness.html"),
            Target::File(PathBuf::from("reports/readiness.html"))
        );
    }
}
