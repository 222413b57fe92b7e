//! What a scheduler or an executor may read on its own machine, whoever sent the plan.
//!
//! A node reads with its own identity (its credentials, its file permissions), so the plan
//! must not choose freely what that identity opens. Three rules, checked before any byte is
//! read:
//! - a cleaned local copy named by a view is read only from under the node's data directories
//!   (`--data-dir`, or the executor's work directory);
//! - a `file://` source only from under a directory given with `--allow-local`; none is allowed
//!   by default;
//! - an `http(s)://` source never from this machine itself or a link-local address (a cloud's
//!   instance metadata service hands out the node's credentials there).
//!
//! Paths are compared after resolving symbolic links (`canonicalize`), so a link inside an
//! allowed directory that points out of it is refused too. Invariant: a refusal names the path
//! and the rule, never anything the file holds; nothing outside the allowed directories is
//! opened, not even to look at its first bytes.

use std::fmt;
use std::net::IpAddr;
use std::ops::Range;
use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::{BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};
use url::Url;

/// The directories a node may read local files from.
#[derive(Debug, Clone, Default)]
pub struct ReadScope {
    /// Where cleaned local copies may be (canonical paths).
    data_dirs: Vec<PathBuf>,
    /// Where `file://` sources may be (canonical paths).
    allow_local: Vec<PathBuf>,
}

/// Why a read was refused: the rule, and the path it was refused for (never content).
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(
        "refused to read the local copy {path}: it is not under this node's data directories \
         (--data-dir)"
    )]
    CopyOutsideDataDir { path: String },
    #[error(
        "refused to read {path}: local files are read only under a directory given with \
         --allow-local on this node"
    )]
    LocalOutsideAllowed { path: String },
    #[error(
        "refused to read {url}: a cluster node never reads HTTP sources on its own machine or a \
         link-local address"
    )]
    PrivateHttpHost { url: String },
    #[error("refused to read {store}: the pass's view does not list this store")]
    StoreNotInView { store: String },
    #[error("the pass carries no valid signature of the cluster's secret: refused")]
    Unsigned,
    #[error("{flag} {path}: {reason}")]
    BadDirectory {
        flag: &'static str,
        path: String,
        reason: String,
    },
}

fn canonical(flag: &'static str, dir: &FsPath) -> std::result::Result<PathBuf, Refusal> {
    let resolved = dir.canonicalize().map_err(|error| Refusal::BadDirectory {
        flag,
        path: dir.display().to_string(),
        reason: error.kind().to_string(),
    })?;
    if !resolved.is_dir() {
        return Err(Refusal::BadDirectory {
            flag,
            path: dir.display().to_string(),
            reason: "not a directory".into(),
        });
    }
    Ok(resolved)
}

impl ReadScope {
    /// The scope of a node: its data directories and `--allow-local` directories, each of
    /// which must exist.
    pub fn new(
        data_dirs: &[PathBuf],
        allow_local: &[PathBuf],
    ) -> std::result::Result<Self, Refusal> {
        Ok(Self {
            data_dirs: data_dirs
                .iter()
                .map(|dir| canonical("--data-dir", dir))
                .collect::<std::result::Result<_, _>>()?,
            allow_local: allow_local
                .iter()
                .map(|dir| canonical("--allow-local", dir))
                .collect::<std::result::Result<_, _>>()?,
        })
    }

    /// Whether `path`, symbolic links resolved, is under one of `dirs`. A path that does not
    /// resolve (missing, or a dangling link) is not.
    fn under(path: &FsPath, dirs: &[PathBuf]) -> bool {
        match path.canonicalize() {
            Ok(resolved) => dirs.iter().any(|dir| resolved.starts_with(dir)),
            Err(_) => false,
        }
    }

    /// A cleaned copy may be read from `local`.
    pub fn check_copy(&self, local: &FsPath) -> std::result::Result<(), Refusal> {
        if Self::under(local, &self.data_dirs) {
            Ok(())
        } else {
            Err(Refusal::CopyOutsideDataDir {
                path: local.display().to_string(),
            })
        }
    }

    /// A local file may be read at `path`.
    pub fn check_local(&self, path: &FsPath) -> std::result::Result<(), Refusal> {
        if Self::under(path, &self.allow_local) {
            Ok(())
        } else {
            Err(Refusal::LocalOutsideAllowed {
                path: path.display().to_string(),
            })
        }
    }

    /// A store may be built for `url` at all (before any path is read).
    pub fn check_store(&self, url: &Url) -> std::result::Result<(), Refusal> {
        if !matches!(url.scheme(), "http" | "https") {
            return Ok(());
        }
        let private = match url.host() {
            Some(url::Host::Ipv4(ip)) => private_ip(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => private_ip(IpAddr::V6(ip)),
            Some(url::Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                name == "localhost"
                    || name.ends_with(".localhost")
                    || name == "metadata.google.internal"
            }
            None => true,
        };
        if private {
            Err(Refusal::PrivateHttpHost {
                url: crate::source::stores::redact_url(url),
            })
        } else {
            Ok(())
        }
    }

    /// `inner` (a local file system store) confined to the `--allow-local` directories.
    pub fn confine(&self, inner: Arc<dyn ObjectStore>) -> Arc<dyn ObjectStore> {
        Arc::new(Confined {
            inner,
            scope: self.clone(),
        })
    }
}

fn private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => ip.is_loopback() || ip.is_link_local() || ip.is_unspecified(),
        IpAddr::V6(ip) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_unicast_link_local()
                || ip.to_ipv4_mapped().is_some_and(|v4| private_ip(IpAddr::V4(v4)))
                // The instance metadata service of AWS over IPv6.
                || ip.segments()[..4] == [0xfd00, 0x0ec2, 0, 0]
        }
    }
}

/// A local store that opens and lists only under the `--allow-local` directories.
#[derive(Debug)]
struct Confined {
    inner: Arc<dyn ObjectStore>,
    scope: ReadScope,
}

impl fmt::Display for Confined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Confined({})", self.inner)
    }
}

impl Confined {
    fn check(&self, location: &Path) -> Result<()> {
        let path = PathBuf::from(format!("/{location}"));
        self.scope
            .check_local(&path)
            .map_err(|refusal| object_store::Error::PermissionDenied {
                path: path.display().to_string(),
                source: Box::new(refusal),
            })
    }
}

#[async_trait]
impl ObjectStore for Confined {
    async fn put_opts(
        &self,
        location: &Path,
        payload: PutPayload,
        opts: PutOptions,
    ) -> Result<PutResult> {
        self.check(location)?;
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &Path,
        opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        self.check(location)?;
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        self.check(location)?;
        self.inner.get_opts(location, options).await
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> Result<Vec<bytes::Bytes>> {
        self.check(location)?;
        self.inner.get_ranges(location, ranges).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        self.inner.delete_stream(locations)
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        match self.check(&prefix.cloned().unwrap_or_default()) {
            Ok(()) => self.inner.list(prefix),
            Err(error) => futures::stream::once(async { Err(error) }).boxed(),
        }
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        self.check(&prefix.cloned().unwrap_or_default())?;
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(&self, from: &Path, to: &Path, options: CopyOptions) -> Result<()> {
        self.check(from)?;
        self.check(to)?;
        self.inner.copy_opts(from, to, options).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use object_store::ObjectStoreExt;
    use object_store::local::LocalFileSystem;

    #[tokio::test]
    async fn only_allowed_directories_are_read_and_links_out_of_them_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let allowed = root.path().join("data");
        let outside = root.path().join("outside");
        std::fs::create_dir_all(&allowed).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(allowed.join("a.csv"), "x\n1\n").unwrap();
        std::fs::write(outside.join("secret.csv"), "x\nplanted-secret\n").unwrap();
        std::os::unix::fs::symlink(outside.join("secret.csv"), allowed.join("link.csv")).unwrap();

        let scope = ReadScope::new(&[], std::slice::from_ref(&allowed)).unwrap();
        let store = scope.confine(Arc::new(LocalFileSystem::new()));
        let path = |file: &FsPath| Path::from_absolute_path(file).unwrap();

        let read = store.get(&path(&allowed.join("a.csv"))).await.unwrap();
        assert_eq!(read.bytes().await.unwrap().as_ref(), b"x\n1\n");
        for refused in [outside.join("secret.csv"), allowed.join("link.csv")] {
            let error = store.get(&path(&refused)).await.unwrap_err().to_string();
            assert!(error.contains("--allow-local"), "{error}");
            assert!(!error.contains("planted-secret"), "{error}");
        }
        let listing = store
            .list_with_delimiter(Some(&path(&outside)))
            .await
            .unwrap_err()
            .to_string();
        assert!(listing.contains("--allow-local"), "{listing}");
        // Nothing is allowed by default.
        let closed = ReadScope::default().confine(Arc::new(LocalFileSystem::new()));
        assert!(closed.get(&path(&allowed.join("a.csv"))).await.is_err());
    }

    #[test]
    fn copies_only_under_the_data_directories_and_no_http_to_the_node_itself() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("work");
        std::fs::create_dir_all(&data).unwrap();
        std::fs::write(data.join("copy.csv"), "x\n").unwrap();
        std::fs::write(root.path().join("other.csv"), "x\n").unwrap();
        let scope = ReadScope::new(std::slice::from_ref(&data), &[]).unwrap();
        assert!(scope.check_copy(&data.join("copy.csv")).is_ok());
        assert!(scope.check_copy(&data.join("../other.csv")).is_err());
        assert!(scope.check_copy(FsPath::new("/etc/passwd")).is_err());
        assert!(scope.check_local(&data.join("copy.csv")).is_err());

        for refused in [
            "http://169.254.169.254/latest/meta-data/",
            "http://127.0.0.1:8080/a.csv",
            "https://localhost/a.csv",
            "http://[::1]/a.csv",
            "http://[fd00:ec2::254]/latest/",
            "http://metadata.google.internal/computeMetadata/v1/",
        ] {
            assert!(
                scope.check_store(&Url::parse(refused).unwrap()).is_err(),
                "{refused}"
            );
        }
        for allowed in ["https://data.example.org/a.csv", "s3://lake/", "file:///"] {
            assert!(
                scope.check_store(&Url::parse(allowed).unwrap()).is_ok(),
                "{allowed}"
            );
        }
        let missing = ReadScope::new(&[root.path().join("absent")], &[])
            .unwrap_err()
            .to_string();
        assert!(missing.starts_with("--data-dir "), "{missing}");
    }
}
