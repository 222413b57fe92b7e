//! Delta Lake tables, read through their transaction log by delta-rs (cargo feature `delta`).
//!
//! Invariant: a Delta table is profiled only as one snapshot of it: the files its log says are
//! live, deletion vectors applied and partition values taken from the log, all by delta-rs's
//! own DataFusion table provider. Nothing here parses the log. When delta-rs cannot read a
//! table (a reader feature it does not support, a missing log entry), the table is an
//! unreadable source saying why, never a folder of loose Parquet files.

use std::sync::{Arc, Once};

use chrono::{DateTime, Duration, Utc};
use deltalake::logstore::{
    LogStore, LogStoreFactory, StorageConfig, default_logstore, logstore_factories,
};
use deltalake::{DeltaResult, DeltaTable, DeltaTableBuilder};
use futures::TryStreamExt;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore};
use url::Url;

use super::inventory::{CsvSettings, inspect_files};
use super::plan::{DatasetPlan, LakehouseTable, PlannedFile};
use super::{DataFormat, Location, TableVersion};
use crate::metrics::{KeyValue, SidecarFile, TableLineage};

/// The window `commits_last_30_days` counts over.
const RECENT_COMMITS: Duration = Duration::days(30);

/// Opens the Delta table at `root` and plans its snapshot as one dataset. `store` is a
/// read-only view of the whole bucket (or file system) the table is in. An error is the
/// reason, for `unreadable_sources`.
pub async fn plan_table(
    store: Arc<dyn ObjectStore>,
    location: &Location,
    root: &Path,
    version: TableVersion,
    now: DateTime<Utc>,
    csv: &CsvSettings,
) -> Result<DatasetPlan, String> {
    register_log_stores();
    let url = Url::parse(&location.table_url(root, true))
        .map_err(|error| format!("not a table location: {error}"))?;
    let unreadable = |error: deltalake::DeltaTableError| {
        format!("a Delta Lake table that cannot be read: {error}")
    };
    let table = load(&store, &url, version).await.map_err(unreadable)?;
    let provider = table
        .table_provider()
        .await
        .map_err(|error| format!("a Delta Lake table that cannot be read: {error}"))?;
    let snapshot = table.snapshot().map_err(unreadable)?;
    let loaded = snapshot.version();
    let newest = match version {
        TableVersion::Newest => loaded,
        _ => load(&store, &url, TableVersion::Newest)
            .await
            .map_err(unreadable)?
            .snapshot()
            .map_err(unreadable)?
            .version(),
    };
    let metadata = snapshot.metadata();
    let partition_columns = metadata.partition_columns().to_vec();

    let mut live = Vec::new();
    let mut deleted_row_count = 0u64;
    for file in snapshot.log_data().iter() {
        let deleted = file
            .deletion_vector_descriptor()
            .map_or(0, |dv| u64::try_from(dv.cardinality).unwrap_or(0));
        deleted_row_count += deleted;
        let relative = file.object_store_path();
        let meta = ObjectMeta {
            location: relative
                .parts()
                .fold(root.clone(), |path, part| path.join(part)),
            last_modified: file.modification_datetime().unwrap_or(now),
            size: u64::try_from(file.size()).unwrap_or(0),
            e_tag: None,
            version: None,
        };
        let rows = file
            .num_records()
            .map(|rows| (rows as u64).saturating_sub(deleted));
        live.push((meta, rows));
    }
    live.sort_by(|a, b| a.0.location.cmp(&b.0.location));

    // Footers give each file's writer and metadata, as for loose Parquet; the row counts are
    // the log's, less the rows deletion vectors remove.
    let metas = live
        .iter()
        .map(|(meta, _)| (meta.clone(), DataFormat::Parquet))
        .collect();
    let inspected = inspect_files(&store, metas, csv).await;
    let files: Vec<PlannedFile> = inspected
        .into_iter()
        .zip(&live)
        .map(|(mut inspection, (_, rows))| {
            inspection.row_count = rows.or(inspection.row_count);
            PlannedFile {
                inspection,
                conflict: None,
            }
        })
        .collect();

    let commits = commits_up_to(&table, newest, loaded)
        .await
        .map_err(unreadable)?;
    let last = commits.first();
    let commit_time = |commit: &deltalake::kernel::CommitInfo| {
        commit
            .in_commit_timestamp
            .or(commit.timestamp)
            .and_then(DateTime::from_timestamp_millis)
    };
    let since = now - RECENT_COMMITS;
    let mut properties: Vec<KeyValue> = metadata
        .configuration()
        .iter()
        .map(|(key, value)| KeyValue {
            key: key.clone(),
            value: value.clone(),
            summarised: false,
        })
        .collect();
    properties.sort_by(|a, b| a.key.cmp(&b.key));
    let lineage = TableLineage {
        format: crate::metrics::DatasetFormat::Delta,
        version: loaded,
        newest_version: newest,
        last_commit_time: last.and_then(commit_time),
        last_operation: last.and_then(|commit| commit.operation.clone()),
        engine_info: last.and_then(|commit| commit.engine_info.clone()),
        commits_last_30_days: commits
            .iter()
            .filter(|commit| commit_time(commit).is_some_and(|at| at >= since && at <= now))
            .count() as u64,
        commit_count: commits.len() as u64,
        name: metadata.name().map(str::to_string),
        description: metadata.description().map(str::to_string),
        properties,
        file_count: live.len() as u64,
        deleted_row_count,
    };
    let shown_root = location.display_path(root);
    // Column mapping stores physical column names in the files: their schemas then say
    // nothing about the table's history.
    let mapped = metadata
        .configuration()
        .get("delta.columnMapping.mode")
        .is_some_and(|mode| mode != "none");
    let evolution = if mapped {
        None
    } else {
        let table_schema = provider.schema();
        let data_columns: Vec<_> = table_schema
            .fields()
            .iter()
            .filter(|field| !partition_columns.contains(field.name()))
            .map(|field| field.as_ref().clone())
            .collect();
        let inspections: Vec<&super::FileInspection> = files
            .iter()
            .map(|file: &PlannedFile| &file.inspection)
            .collect();
        super::plan::table_evolution(
            &inspections,
            Arc::new(datafusion::arrow::datatypes::Schema::new(data_columns)),
            root,
            location,
        )
    };
    Ok(DatasetPlan {
        name: root
            .filename()
            .map_or_else(|| location.display.clone(), str::to_string),
        source: location.display.clone(),
        location: location.clone(),
        root: root.clone(),
        root_is_file: false,
        format: DataFormat::Parquet,
        csv_dialect: super::delimited::Dialect::rfc4180(),
        grouping: format!("a Delta Lake table, version {loaded}: the files its log lists as live"),
        files,
        partition_columns,
        sidecars: vec![SidecarFile {
            path: format!("{shown_root}/_delta_log"),
            kind: crate::metrics::SidecarKind::DeltaLog,
        }],
        table: Some(LakehouseTable { provider, lineage }),
        evolution,
    })
}

async fn load(
    store: &Arc<dyn ObjectStore>,
    url: &Url,
    version: TableVersion,
) -> DeltaResult<DeltaTable> {
    let builder =
        DeltaTableBuilder::from_url(url.clone())?.with_storage_backend(store.clone(), url.clone());
    let builder = match version {
        TableVersion::Newest => builder,
        TableVersion::Version(version) => builder.with_version(version),
        TableVersion::AsOf(time) => builder.with_timestamp(time),
    };
    builder.load().await
}

/// The commits of versions up to `loaded`, newest first. delta-rs lists every commit still in
/// the log, newest first, from `newest` down: the first `newest - loaded` are later than the
/// snapshot profiled.
async fn commits_up_to(
    table: &DeltaTable,
    newest: u64,
    loaded: u64,
) -> DeltaResult<Vec<deltalake::kernel::CommitInfo>> {
    let later = usize::try_from(newest.saturating_sub(loaded)).unwrap_or(usize::MAX);
    let commits: Vec<_> = table.history(None).try_collect().await?;
    Ok(commits.into_iter().skip(later).collect())
}

/// delta-rs opens `file://` and `memory://` tables itself; a table in object storage needs a
/// log store for its scheme. Ours is delta-rs's default one over the store readiness passes,
/// which is read-only: no commit can be written through it.
fn register_log_stores() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let factories = logstore_factories();
        for scheme in [
            "s3", "s3a", "gs", "az", "abfs", "abfss", "azure", "http", "https",
        ] {
            let Ok(url) = Url::parse(&format!("{scheme}://")) else {
                continue;
            };
            if factories.get(&url).is_none() {
                factories.insert(url, Arc::new(ReadOnlyLogStores));
            }
        }
    });
}

struct ReadOnlyLogStores;

impl LogStoreFactory for ReadOnlyLogStores {
    fn with_options(
        &self,
        prefixed_store: Arc<dyn ObjectStore>,
        root_store: Arc<dyn ObjectStore>,
        location: &Url,
        options: &StorageConfig,
    ) -> DeltaResult<Arc<dyn LogStore>> {
        Ok(default_logstore(
            prefixed_store,
            root_store,
            location,
            options,
        ))
    }
}
