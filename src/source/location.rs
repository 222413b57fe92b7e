//! Resolving what the user typed into a place in an object store, and listing it.
//!
//! Invariant: every read goes through an [`ObjectStore`], local files included, so the layers
//! above never care where the bytes live.

use std::sync::Arc;

use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectMeta, ObjectStore, ObjectStoreExt};
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
    /// An `http(s)://` source's query string (a presigned URL's signature, a SAS token): sent
    /// with every request, never shown.
    pub query: Option<String>,
}

impl Location {
    /// Resolves a local path or glob, or an object-store URL (`s3://`, `gs://`, `az://`,
    /// `abfs(s)://`, `http(s)://`, `file://`), with an optional glob in its path.
    pub fn resolve(source: &str) -> Result<Self> {
        if let Some(url) = source
            .contains("://")
            .then(|| Url::parse(source).ok())
            .flatten()
        {
            if url.scheme() == "file" {
                return Self::resolve_local(url.path(), source);
            }
            return Self::resolve_url(url);
        }
        Self::resolve_local(source, source)
    }

    fn resolve_url(url: Url) -> Result<Self> {
        let display = super::stores::redact_url(&url);
        let (fixed, glob) = split_glob(url.path().trim_start_matches('/'));
        let glob = parse_glob(glob, &display)?;
        let root =
            Path::from_url_path(&fixed).map_err(|error| ReadinessError::InvalidArgument {
                flag: "SOURCE",
                message: format!("bad path in `{display}`: {error}"),
            })?;
        let mut store_url = url.clone();
        store_url.set_path("/");
        store_url.set_query(None);
        store_url.set_fragment(None);
        let _ = store_url.set_username("");
        let _ = store_url.set_password(None);
        // HTTP sources are single files (there is no listing there); elsewhere a path that does
        // not end in `/` is checked when listed.
        let is_file = matches!(url.scheme(), "http" | "https");
        let query = url.query().filter(|_| is_file).map(str::to_string);
        Ok(Self {
            display,
            store_url,
            root,
            glob,
            is_file,
            query,
        })
    }

    fn resolve_local(path: &str, source: &str) -> Result<Self> {
        let not_found = || ReadinessError::SourceNotFound {
            source_name: source.to_string(),
        };
        let (fixed, glob) = split_glob(path);
        let glob = parse_glob(glob, source)?;
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
            query: None,
        })
    }

    /// `scheme://authority` (and, for a signed HTTP URL, its query): which store this location
    /// is read through.
    pub fn store_key(&self) -> String {
        let authority = super::stores::authority(&self.store_url);
        match &self.query {
            Some(query) => format!("{authority}?{query}"),
            None => authority,
        }
    }

    /// Leaves only the objects the source's glob matches (all, without a glob).
    fn keep_matching(&self, objects: &mut Vec<ObjectMeta>) {
        let Some(glob) = &self.glob else { return };
        let options = glob::MatchOptions {
            require_literal_separator: true,
            ..Default::default()
        };
        objects.retain(|meta| {
            glob.matches_with(&self.relative_parts(&meta.location).join("/"), options)
        });
    }

    /// How a path in this location's store is shown to people (and written in the JSON).
    pub fn display_path(&self, path: &Path) -> String {
        match self.store_url.scheme() {
            "file" => format!("/{path}"),
            _ => format!("{}/{path}", super::stores::authority(&self.store_url)),
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

fn parse_glob(glob: Option<String>, source: &str) -> Result<Option<glob::Pattern>> {
    glob.map(|pattern| {
        glob::Pattern::new(&pattern).map_err(|error| ReadinessError::InvalidArgument {
            flag: "SOURCE",
            message: format!("bad glob `{source}`: {error}"),
        })
    })
    .transpose()
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

/// Every object of a source, sorted by path: one paginated listing for a prefix. A remote
/// path that names one object is found with a HEAD request first.
/// A path a listing left out, and why (a symbolic link out of the folder or in a loop, a name
/// no object store can address).
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// Lists a source's objects. A local folder is walked here: symbolic links that lead out of
/// it are not followed unless `follow_symlinks`, and a link loop or an unaddressable name is
/// a [`Skipped`] entry instead of a failed source.
pub async fn list_source(
    store: &Arc<dyn ObjectStore>,
    location: &mut Location,
    follow_symlinks: bool,
) -> Result<(Vec<ObjectMeta>, Vec<Skipped>)> {
    if location.store_url.scheme() == "file" && !location.is_file {
        let root = std::path::PathBuf::from(format!("/{}", location.root));
        let (mut objects, skipped) =
            tokio::task::spawn_blocking(move || list_local(&root, follow_symlinks))
                .await
                .map_err(|error| ReadinessError::SourceUnreadable {
                    source_name: location.display.clone(),
                    message: error.to_string(),
                })?;
        location.keep_matching(&mut objects);
        return Ok((objects, skipped));
    }
    list_remote(store, location)
        .await
        .map(|objects| (objects, Vec::new()))
}

/// Walks a local folder, links inside it followed, sorted by path.
fn list_local(root: &std::path::Path, follow_symlinks: bool) -> (Vec<ObjectMeta>, Vec<Skipped>) {
    let mut objects = Vec::new();
    let mut skipped = Vec::new();
    let shown = |path: &std::path::Path| path.display().to_string();
    let outside = |path: &std::path::Path| {
        !follow_symlinks
            && path.is_symlink()
            && std::fs::canonicalize(path).map_or(true, |target| !target.starts_with(root))
    };
    let walk = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            if entry.depth() > 0 && outside(entry.path()) {
                return false;
            }
            true
        });
    // Links left out are found in a second, link-blind walk: `filter_entry` cannot report.
    for entry in walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .flatten()
    {
        if entry.depth() > 0 && entry.path_is_symlink() && outside(entry.path()) {
            let target = std::fs::read_link(entry.path())
                .map(|target| shown(&target))
                .unwrap_or_default();
            skipped.push(Skipped {
                path: shown(entry.path()),
                reason: format!(
                    "a symbolic link out of the scanned folder (to {target}): not followed; --follow-symlinks follows it"
                ),
            });
        }
    }
    for entry in walk {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let path = error.path().map(shown).unwrap_or_default();
                let reason = match error.loop_ancestor() {
                    Some(ancestor) => format!(
                        "a symbolic link loop (back to {}): not followed",
                        shown(ancestor)
                    ),
                    None => format!("cannot be listed: {error}"),
                };
                skipped.push(Skipped { path, reason });
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let metadata = match entry.metadata() {
            Ok(metadata) => metadata,
            Err(error) => {
                skipped.push(Skipped {
                    path: shown(entry.path()),
                    reason: format!("cannot be read: {error}"),
                });
                continue;
            }
        };
        // Not `from_filesystem_path`: it would resolve a link inside the folder to its target.
        let Ok(location) = Path::from_absolute_path(entry.path()) else {
            skipped.push(Skipped {
                path: shown(entry.path()),
                reason: "a file name with characters no object store path can hold (control characters, `..`): left out".to_string(),
            });
            continue;
        };
        objects.push(ObjectMeta {
            location,
            last_modified: metadata
                .modified()
                .map(chrono::DateTime::<chrono::Utc>::from)
                .unwrap_or_default(),
            size: metadata.len(),
            e_tag: None,
            version: None,
        });
    }
    objects.sort_by(|a, b| a.location.cmp(&b.location));
    (objects, skipped)
}

async fn list_remote(
    store: &Arc<dyn ObjectStore>,
    location: &mut Location,
) -> Result<Vec<ObjectMeta>> {
    let display = location.display.clone();
    let failed = |error: object_store::Error| match error {
        object_store::Error::NotFound { .. } => ReadinessError::SourceNotFound {
            source_name: display.clone(),
        },
        other => ReadinessError::SourceUnreadable {
            source_name: display.clone(),
            message: super::stores::explain(&other, super::stores::StoreOperation::List),
        },
    };
    let remote = location.store_url.scheme() != "file";
    let names_an_object = remote && location.glob.is_none() && !location.display.ends_with('/');
    if location.is_file || names_an_object {
        let found = match store.head(&location.root).await {
            // A presigned URL is signed for GET only: its size comes from a one-byte read.
            Err(_) if location.query.is_some() => {
                let first_byte = GetOptions {
                    range: Some(GetRange::Bounded(0..1)),
                    ..GetOptions::default()
                };
                store
                    .get_opts(&location.root, first_byte)
                    .await
                    .map(|result| result.meta)
            }
            other => other,
        };
        match found {
            Ok(meta) => {
                location.is_file = true;
                return Ok(vec![meta]);
            }
            Err(object_store::Error::NotFound { .. }) if !location.is_file => {}
            Err(error) => return Err(failed(error)),
        }
    }
    let prefix = (!location.root.as_ref().is_empty()).then_some(&location.root);
    let mut objects: Vec<ObjectMeta> = store.list(prefix).try_collect().await.map_err(failed)?;
    location.keep_matching(&mut objects);
    if objects.is_empty() && remote && location.glob.is_none() {
        return Err(ReadinessError::SourceNotFound {
            source_name: display,
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
