//! Where reports go: standard output, a local file, or an object in object storage, so a
//! scheduled run can publish its reports for data owners.
//!
//! Invariant: a target URL is shown with its credentials removed; writing uses the same store
//! resolution (and settings) as reading, but never the read-only scan store.

use std::io::Write;
use std::path::PathBuf;

use object_store::path::Path;
use object_store::{ObjectStoreExt, PutPayload};
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
        match self {
            Self::Stdout => std::io::stdout()
                .lock()
                .write_all(text.as_bytes())
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
                std::fs::write(path, text).map_err(failed)
            }
            Self::Object(url) => {
                let failed = |message: String| ReadinessError::PublishOutput {
                    url: redact_url(url),
                    message: redact(&message, options),
                };
                let mut root = url.clone();
                root.set_path("/");
                let store = stores::build(&root, options).await?;
                let path = Path::from_url_path(url.path()).map_err(|e| failed(e.to_string()))?;
                store
                    .put(&path, PutPayload::from(text.to_string()))
                    .await
                    .map_err(|error| failed(explain(&error.to_string())))?;
                Ok(())
            }
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
