//! The object store every scan reads through: read-only, and showing DataFusion only the files
//! the scan chose.
//!
//! Invariant: readiness never writes to the sources it scans. Every write, copy, rename and
//! delete on this store fails with `NotSupported`, whatever the store underneath would allow.
//! Once [`ScanStore::show_only`] was called, listings come from the snapshot of the files
//! planned into datasets, not from the store: an unreadable or conflicting file is left out of a
//! dataset without copying anything (hive partitions included), a file added since is not
//! picked up half-way, and a file deleted since is read, fails, and is reported, instead of
//! silently vanishing from the figures. A CSV file whose rows needed cleaning (rejected rows,
//! another encoding) is served from its cleaned copy in the scan's scratch folder
//! ([`ScanStore::substitute`]), under its own name.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use async_trait::async_trait;
use futures::stream::{BoxStream, StreamExt};
use object_store::path::Path;
use object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    PutMultipartOptions, PutOptions, PutPayload, PutResult, Result,
};

/// A file read from a local copy instead: the file, the copy, the copy's size.
pub type Substitute = (Path, std::path::PathBuf, u64);

/// Wraps a store: reads pass through (counted in `io`), writes are refused, listings are
/// filtered.
#[derive(Debug)]
pub struct ScanStore {
    inner: Arc<dyn ObjectStore>,
    visible: RwLock<Option<Arc<BTreeMap<Path, ObjectMeta>>>>,
    /// Files read from a local copy instead: the copy's path and size.
    substitutes: RwLock<BTreeMap<Path, (std::path::PathBuf, u64)>>,
    io: Arc<IoCounters>,
}

/// Bytes read and files opened through the scan stores, for the progress display.
#[derive(Debug, Default)]
pub struct IoCounters {
    bytes: AtomicU64,
    files: Mutex<BTreeSet<Path>>,
}

impl IoCounters {
    fn record(&self, location: &Path, bytes: u64) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        let mut files = self.files.lock().expect("file counter lock poisoned");
        if !files.contains(location) {
            files.insert(location.clone());
        }
    }

    /// Bytes read and distinct files opened since the last reset.
    pub fn read(&self) -> (u64, usize) {
        let files = self.files.lock().expect("file counter lock poisoned").len();
        (self.bytes.load(Ordering::Relaxed), files)
    }

    pub fn reset(&self) {
        self.bytes.store(0, Ordering::Relaxed);
        self.files
            .lock()
            .expect("file counter lock poisoned")
            .clear();
    }
}

impl ScanStore {
    pub fn new(inner: Arc<dyn ObjectStore>, io: Arc<IoCounters>) -> Self {
        Self {
            inner,
            visible: RwLock::new(None),
            substitutes: RwLock::new(BTreeMap::new()),
            io,
        }
    }

    /// The store underneath, for listing a source before any dataset is planned.
    pub fn inner(&self) -> &Arc<dyn ObjectStore> {
        &self.inner
    }

    /// From now on, `file` is read from the local file `copy` (of `size` bytes) instead.
    pub fn substitute(&self, file: &Path, copy: std::path::PathBuf, size: u64) {
        self.substitutes
            .write()
            .expect("substitute lock poisoned")
            .insert(file.clone(), (copy, size));
    }

    fn substitute_of(&self, file: &Path) -> Option<(std::path::PathBuf, u64)> {
        self.substitutes
            .read()
            .expect("substitute lock poisoned")
            .get(file)
            .cloned()
    }

    /// From now on, listings show only these files, as they were when listed (a substituted
    /// file with its copy's size).
    pub fn show_only(&self, files: impl IntoIterator<Item = ObjectMeta>) {
        let files: BTreeMap<Path, ObjectMeta> = files
            .into_iter()
            .map(|mut meta| {
                if let Some((_, size)) = self.substitute_of(&meta.location) {
                    meta.size = size;
                }
                (meta.location.clone(), meta)
            })
            .collect();
        *self.visible.write().expect("visible-file lock poisoned") = Some(Arc::new(files));
    }

    /// Hides one more file from listings (a file found unreadable while profiling).
    pub fn hide(&self, file: &Path) {
        let mut visible = self.visible.write().expect("visible-file lock poisoned");
        if let Some(files) = visible.as_mut() {
            Arc::make_mut(files).remove(file);
        }
    }

    /// What a reader elsewhere (a cluster's nodes) needs to see the files under `prefix` as
    /// this store shows them: the files listings show (`None`: whatever the store has) and the
    /// local copies some are read from.
    pub fn view_under(&self, prefix: &Path) -> (Option<Vec<ObjectMeta>>, Vec<Substitute>) {
        let files = self.visible().map(|files| {
            files
                .values()
                .filter(|meta| meta.location.prefix_matches(prefix))
                .cloned()
                .collect()
        });
        let substitutes = self
            .substitutes
            .read()
            .expect("substitute lock poisoned")
            .iter()
            .filter(|(file, _)| file.prefix_matches(prefix))
            .map(|(file, (copy, size))| (file.clone(), copy.clone(), *size))
            .collect();
        (files, substitutes)
    }

    fn visible(&self) -> Option<Arc<BTreeMap<Path, ObjectMeta>>> {
        self.visible
            .read()
            .expect("visible-file lock poisoned")
            .clone()
    }
}

fn read_only(operation: &str) -> object_store::Error {
    object_store::Error::NotSupported {
        source: format!("readiness opens sources read-only; refused to {operation}").into(),
    }
}

impl fmt::Display for ScanStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReadOnly({})", self.inner)
    }
}

#[async_trait]
impl ObjectStore for ScanStore {
    async fn put_opts(
        &self,
        _location: &Path,
        _payload: PutPayload,
        _opts: PutOptions,
    ) -> Result<PutResult> {
        Err(read_only("write an object"))
    }

    async fn put_multipart_opts(
        &self,
        _location: &Path,
        _opts: PutMultipartOptions,
    ) -> Result<Box<dyn MultipartUpload>> {
        Err(read_only("write an object"))
    }

    async fn get_opts(&self, location: &Path, options: GetOptions) -> Result<GetResult> {
        let result = match self.substitute_of(location) {
            Some((copy, _)) => {
                let local = object_store::local::LocalFileSystem::new();
                let copy_path = Path::from_absolute_path(&copy)?;
                let mut result = local.get_opts(&copy_path, options).await?;
                result.meta.location = location.clone();
                result
            }
            None => self.inner.get_opts(location, options).await?,
        };
        self.io
            .record(location, result.range.end - result.range.start);
        Ok(result)
    }

    async fn get_ranges(
        &self,
        location: &Path,
        ranges: &[Range<u64>],
    ) -> Result<Vec<bytes::Bytes>> {
        let parts = match self.substitute_of(location) {
            Some((copy, _)) => {
                let local = object_store::local::LocalFileSystem::new();
                let copy_path = Path::from_absolute_path(&copy)?;
                local.get_ranges(&copy_path, ranges).await?
            }
            None => self.inner.get_ranges(location, ranges).await?,
        };
        self.io
            .record(location, parts.iter().map(|part| part.len() as u64).sum());
        Ok(parts)
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, Result<Path>>,
    ) -> BoxStream<'static, Result<Path>> {
        locations
            .map(|_| Err(read_only("delete an object")))
            .boxed()
    }

    fn list(&self, prefix: Option<&Path>) -> BoxStream<'static, Result<ObjectMeta>> {
        let Some(visible) = self.visible() else {
            return self.inner.list(prefix);
        };
        let root = prefix.cloned().unwrap_or_default();
        let found: Vec<Result<ObjectMeta>> = visible
            .values()
            .filter(|meta| meta.location.prefix_matches(&root))
            .cloned()
            .map(Ok)
            .collect();
        futures::stream::iter(found).boxed()
    }

    async fn list_with_delimiter(&self, prefix: Option<&Path>) -> Result<ListResult> {
        let Some(visible) = self.visible() else {
            return self.inner.list_with_delimiter(prefix).await;
        };
        let root = prefix.cloned().unwrap_or_default();
        let mut result = ListResult {
            common_prefixes: Vec::new(),
            objects: Vec::new(),
        };
        for meta in visible.values() {
            let Some(mut rest) = meta.location.prefix_match(&root) else {
                continue;
            };
            match (rest.next(), rest.next()) {
                (Some(_), None) => result.objects.push(meta.clone()),
                (Some(folder), Some(_)) => {
                    let folder = root.clone().join(folder);
                    if result.common_prefixes.last() != Some(&folder) {
                        result.common_prefixes.push(folder);
                    }
                }
                (None, _) => {}
            }
        }
        Ok(result)
    }

    async fn copy_opts(&self, _from: &Path, _to: &Path, _options: CopyOptions) -> Result<()> {
        Err(read_only("copy an object"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;
    use object_store::ObjectStoreExt;
    use object_store::memory::InMemory;

    #[tokio::test]
    async fn writes_are_refused_and_listing_is_filtered() {
        let memory = Arc::new(InMemory::new());
        memory
            .put(&Path::from("a/1.csv"), "x\n1\n".into())
            .await
            .unwrap();
        memory
            .put(&Path::from("a/2.csv"), "x\n2\n".into())
            .await
            .unwrap();
        let store = ScanStore::new(memory.clone(), Arc::default());

        let error = store
            .put(&Path::from("a/3.csv"), "x".into())
            .await
            .unwrap_err();
        assert!(error.to_string().contains("read-only"), "{error}");
        assert!(store.delete(&Path::from("a/1.csv")).await.is_err());
        assert_eq!(
            memory
                .list(None)
                .try_collect::<Vec<_>>()
                .await
                .unwrap()
                .len(),
            2
        );

        let snapshot = memory.head(&Path::from("a/2.csv")).await.unwrap();
        memory
            .put(&Path::from("a/b/4.csv"), "x\n4\n".into())
            .await
            .unwrap();
        let nested = memory.head(&Path::from("a/b/4.csv")).await.unwrap();
        store.show_only([snapshot, nested]);
        memory.delete(&Path::from("a/2.csv")).await.unwrap();
        let listed: Vec<_> = store
            .list(Some(&Path::from("a")))
            .try_collect()
            .await
            .unwrap();
        assert_eq!(listed.len(), 2, "the snapshot, not the store, is listed");
        assert_eq!(listed[0].location, Path::from("a/2.csv"));
        let level = store
            .list_with_delimiter(Some(&Path::from("a")))
            .await
            .unwrap();
        assert_eq!(level.objects.len(), 1);
        assert_eq!(level.common_prefixes, vec![Path::from("a/b")]);
    }
}
