//! What a pass reads, as the client's read-only stores show it, carried to the cluster so the
//! scheduler lists and the executors read exactly the files the embedded engine would: the
//! planned files only (an unreadable or conflicting file stays out), and a cleaned local copy
//! where a CSV file needed one.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::datasource::listing::ListingTable;
use datafusion::datasource::source_as_provider;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::execution::object_store::ObjectStoreRegistry;
use datafusion::logical_expr::LogicalPlan;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};
use serde::{Deserialize, Serialize};
use url::Url;

use super::access::{ReadScope, Refusal};
use crate::source::ScanStore;
use crate::source::store::IoCounters;
use crate::source::stores;

/// The files of every store a pass reads.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct View {
    /// By `scheme://authority`.
    pub stores: BTreeMap<String, StoreView>,
}

/// One store's part of a [`View`].
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoreView {
    /// The files listings show; `None` shows whatever the store has.
    pub files: Option<Vec<File>>,
    /// Files read from a local copy instead.
    pub copies: Vec<Copy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct File {
    pub path: String,
    pub size: u64,
    pub modified: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e_tag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Copy {
    pub path: String,
    pub local: PathBuf,
    pub size: u64,
}

/// The registry key of a URL's store, as DataFusion forms it: `scheme://host:port`.
pub fn store_key(url: &Url) -> String {
    format!(
        "{}://{}",
        url.scheme(),
        &url[url::Position::BeforeHost..url::Position::AfterPort]
    )
}

/// A session id for one view: equal views share it, different ones never do.
pub fn session_id(view: &str) -> String {
    let hash = twox_hash::XxHash3_128::oneshot(view.as_bytes());
    format!("readiness-{hash:032x}")
}

impl View {
    /// The view of every table `plan` scans, from the client's stores by key.
    pub fn of(plan: &LogicalPlan, stores: &BTreeMap<String, Arc<ScanStore>>) -> DfResult<Self> {
        let mut view = View::default();
        plan.apply(|node| {
            if let LogicalPlan::TableScan(scan) = node {
                let provider = source_as_provider(&scan.source)?;
                let provider: &dyn std::any::Any = provider.as_ref();
                let Some(listing) = provider.downcast_ref::<ListingTable>() else {
                    return Err(DataFusionError::NotImplemented(
                        "a lakehouse table is read by its format's own provider (delta-rs), \
                         which a Ballista cluster cannot receive: profile it with the embedded \
                         engine"
                            .into(),
                    ));
                };
                for table_path in listing.table_paths() {
                    let key = store_key(table_path.as_ref());
                    // Without its store the nodes would list every file there, dead ones
                    // included: refuse rather than count them.
                    let Some(store) = stores.get(&key) else {
                        return Err(DataFusionError::Internal(format!(
                            "no read-only store of the scan for {key}"
                        )));
                    };
                    let (files, copies) = store.view_under(table_path.prefix());
                    let entry = view.stores.entry(key).or_default();
                    if let Some(files) = files {
                        entry
                            .files
                            .get_or_insert_with(Vec::new)
                            .extend(files.into_iter().map(File::from));
                    }
                    entry
                        .copies
                        .extend(copies.into_iter().map(|(path, local, size)| Copy {
                            path: path.to_string(),
                            local,
                            size,
                        }));
                }
            }
            Ok(TreeNodeRecursion::Continue)
        })?;
        for store in view.stores.values_mut() {
            if let Some(files) = &mut store.files {
                files.sort_by(|a, b| a.path.cmp(&b.path));
                files.dedup_by(|a, b| a.path == b.path);
            }
            store.copies.sort_by(|a, b| a.path.cmp(&b.path));
            store.copies.dedup_by(|a, b| a.path == b.path);
        }
        Ok(view)
    }
}

impl From<ObjectMeta> for File {
    fn from(meta: ObjectMeta) -> Self {
        Self {
            path: meta.location.to_string(),
            size: meta.size,
            modified: meta.last_modified,
            e_tag: meta.e_tag,
            version: meta.version,
        }
    }
}

impl From<&File> for ObjectMeta {
    fn from(file: &File) -> Self {
        ObjectMeta {
            location: Path::from(file.path.as_str()),
            last_modified: file.modified,
            size: file.size,
            e_tag: file.e_tag.clone(),
            version: file.version.clone(),
        }
    }
}

/// The object stores of a scheduler's or an executor's session: built from the node's own
/// environment on first use, read-only, showing only what the session's view shows, and
/// reading only what the node's [`ReadScope`] allows: a store the view does not list, a local
/// copy outside the data directories or a local file outside `--allow-local` is refused.
#[derive(Debug)]
pub struct ClusterStores {
    view: View,
    scope: ReadScope,
    built: Mutex<BTreeMap<String, Arc<dyn ObjectStore>>>,
}

fn refused(refusal: Refusal) -> DataFusionError {
    DataFusionError::External(Box::new(refusal))
}

impl ClusterStores {
    pub fn new(view: View, scope: ReadScope) -> Self {
        Self {
            view,
            scope,
            built: Mutex::new(BTreeMap::new()),
        }
    }

    fn build(&self, url: &Url) -> DfResult<Arc<dyn ObjectStore>> {
        let key = store_key(url);
        // Every store a client's plan reads is in its view (`View::of`): any other was not
        // planned by a client, and the node's own credentials must not open it.
        let Some(part) = self.view.stores.get(&key) else {
            return Err(refused(Refusal::StoreNotInView {
                store: stores::redact_url(url),
            }));
        };
        self.scope.check_store(url).map_err(refused)?;
        for copy in &part.copies {
            self.scope.check_copy(&copy.local).map_err(refused)?;
        }
        let mut inner = stores::build_from_environment(url)
            .map_err(|error| DataFusionError::External(Box::new(error)))?;
        if url.scheme() == "file" {
            inner = self.scope.confine(inner);
        }
        let store = ScanStore::new(inner, Arc::new(IoCounters::default()));
        for copy in &part.copies {
            store.substitute(
                &Path::from(copy.path.as_str()),
                copy.local.clone(),
                copy.size,
            );
        }
        if let Some(files) = &part.files {
            store.show_only(files.iter().map(ObjectMeta::from));
        }
        Ok(Arc::new(store))
    }
}

impl ObjectStoreRegistry for ClusterStores {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.built
            .lock()
            .expect("cluster store lock poisoned")
            .insert(store_key(url), store)
    }

    fn deregister_store(&self, url: &Url) -> DfResult<Arc<dyn ObjectStore>> {
        self.built
            .lock()
            .expect("cluster store lock poisoned")
            .remove(&store_key(url))
            .ok_or_else(|| DataFusionError::Internal(format!("no store for {url}")))
    }

    fn get_store(&self, url: &Url) -> DfResult<Arc<dyn ObjectStore>> {
        let key = store_key(url);
        if let Some(store) = self
            .built
            .lock()
            .expect("cluster store lock poisoned")
            .get(&key)
        {
            return Ok(store.clone());
        }
        let store = self.build(url)?;
        Ok(self
            .built
            .lock()
            .expect("cluster store lock poisoned")
            .entry(key)
            .or_insert(store)
            .clone())
    }
}
