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
use crate::source::stores::{self, StorageOptions, explain, redact, redact_url};

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
                std::fs::write(path, &bytes).map_err(failed)
            }
            Self::Object(url) => {
                let (store, path) = self.object_store(url, options).await?;
                store
                    .put(&path, PutPayload::from(bytes))
                    .await
                    .map_err(|error| self.failed(&explain(&error.to_string()), options))?;
                Ok(())
            }
        }
    }

    /// Every file below this target taken as a folder, with its contents, by name. A folder
    /// that does not exist yet holds nothing.
    pub async fn read_all(&self, options: &StorageOptions) -> Result<Vec<(String, Bytes)>> {
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
                let mut files = Vec::new();
                for entry in entries {
                    let path = entry.map_err(failed)?.path();
                    if path.is_file() {
                        let bytes = std::fs::read(&path).map_err(failed)?;
                        files.push((path.display().to_string(), Bytes::from(bytes)));
                    }
                }
                files.sort_by(|a, b| a.0.cmp(&b.0));
                Ok(files)
            }
            Self::Object(url) => {
                let (store, prefix) = self.object_store(url, options).await?;
                let failed =
                    |error: object_store::Error| self.failed(&explain(&error.to_string()), options);
                let listed: Vec<_> = store
                    .list(Some(&prefix))
                    .try_collect()
                    .await
                    .map_err(failed)?;
                let mut files = Vec::new();
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
