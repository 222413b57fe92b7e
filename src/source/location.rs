//! Resolving what the user typed into a place in an object store, and listing it.
//!
//! Invariant: every read goes through an [`ObjectStore`], local files included, so the layers
//! above never care where the bytes live.

use std::sync::Arc;

use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use url::Url;

use crate::error::{ReadinessError, Result};

/// A resolved source: a store, a root inside it, and an optional glob below that root.
#[derive(Debug, Clone)]
pub struct Location {
    /// What the user typed (credentials, if a URL ever carries them, are never kept here).
    pub display: String,
    /// `file:///` for local paths.
    pub store_url: Url,
    /// The directory or file the source names (the fixed part before any glob).
    pub root: Path,
    /// Matched against each listed path relative to `root`.
    pub glob: Option<glob::Pattern>,
    /// True when the source names one file.
    pub is_file: bool,
}

impl Location {
    /// Resolves a local path or glob.
    pub fn resolve(source: &str) -> Result<Self> {
        let not_found = || ReadinessError::SourceNotFound {
            source_name: source.to_string(),
        };
        let (fixed, glob) = split_glob(source);
        let glob = glob
            .map(|pattern| {
                glob::Pattern::new(&pattern).map_err(|error| ReadinessError::InvalidArgument {
                    flag: "SOURCE",
                    message: format!("bad glob `{source}`: {error}"),
                })
            })
            .transpose()?;
        let fixed = if fixed.is_empty() {
            "."
        } else {
            fixed.as_str()
        };
        let canonical = std::fs::canonicalize(fixed).map_err(|_| not_found())?;
        let is_file = canonical.is_file();
        if glob.is_some() && is_file {
            return Err(not_found());
        }
        let root = Path::from_filesystem_path(&canonical).map_err(|_| not_found())?;
        Ok(Self {
            display: source.to_string(),
            store_url: Url::parse("file:///").expect("static URL"),
            root,
            glob,
            is_file,
        })
    }

    /// How a path in this location's store is shown to people (and written in the JSON).
    pub fn display_path(&self, path: &Path) -> String {
        match self.store_url.scheme() {
            "file" => format!("/{path}"),
            scheme => format!(
                "{scheme}://{}/{path}",
                self.store_url.host_str().unwrap_or_default()
            ),
        }
    }

    /// The URL DataFusion lists a dataset under: a directory (ending in `/`) or one file.
    pub fn table_url(&self, path: &Path, is_directory: bool) -> String {
        let mut url = self.store_url.clone();
        let mut encoded = String::new();
        for part in path.parts() {
            encoded.push('/');
            encoded.push_str(
                &url::form_urlencoded::byte_serialize(part.as_ref().as_bytes())
                    .collect::<String>()
                    .replace('+', "%20"),
            );
        }
        if is_directory {
            encoded.push('/');
        }
        url.set_path(&encoded);
        url.to_string()
    }

    /// The path components of `path` below this location's root.
    pub fn relative_parts(&self, path: &Path) -> Vec<String> {
        path.prefix_match(&self.root)
            .map(|parts| parts.map(|part| part.as_ref().to_string()).collect())
            .unwrap_or_default()
    }
}

/// Splits `data/*/x.parquet` into the fixed directory `data` and the glob `*/x.parquet`.
fn split_glob(source: &str) -> (String, Option<String>) {
    let is_glob = |part: &str| part.contains(['*', '?', '[']);
    let parts: Vec<&str> = source.split('/').collect();
    match parts.iter().position(|part| is_glob(part)) {
        None => (source.to_string(), None),
        Some(index) => (parts[..index].join("/"), Some(parts[index..].join("/"))),
    }
}

/// Every object of a source, sorted by path. One paginated listing for a prefix.
pub async fn list_source(
    store: &Arc<dyn ObjectStore>,
    location: &Location,
) -> Result<Vec<ObjectMeta>> {
    let failed = |error: object_store::Error| ReadinessError::SourceUnreadable {
        source_name: location.display.clone(),
        message: error.to_string(),
    };
    if location.is_file {
        return Ok(vec![store.head(&location.root).await.map_err(failed)?]);
    }
    let mut objects: Vec<ObjectMeta> = store
        .list(Some(&location.root))
        .try_collect()
        .await
        .map_err(failed)?;
    if let Some(glob) = &location.glob {
        let options = glob::MatchOptions {
            require_literal_separator: true,
            ..Default::default()
        };
        objects.retain(|meta| {
            glob.matches_with(&location.relative_parts(&meta.location).join("/"), options)
        });
    }
    objects.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_split_at_the_first_wildcard() {
        assert_eq!(split_glob("data/x"), ("data/x".into(), None));
        assert_eq!(
            split_glob("data/*/x.parquet"),
            ("data".into(), Some("*/x.parquet".into()))
        );
        assert_eq!(split_glob("*.csv"), ("".into(), Some("*.csv".into())));
    }
}
