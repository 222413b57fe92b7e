//! Everything that wires DataFusion: the session, the read-only store, dataset tables.
//!
//! Invariant: datasets are registered as plain `ListingTable`s over object-store URLs with
//! DataFusion's own file formats, so the plans built on them stay portable to a distributed
//! DataFusion engine; a lakehouse table is registered with its format's own provider
//! (delta-rs's). Bad files are kept out by the store's listing filter, not by copies.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::config::ConfigNonZeroUsize;
use datafusion::datasource::file_format::parquet::{ParquetFormat, transform_schema_to_view};
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::Result as DfResult;
use datafusion::execution::cache::cache_manager::CacheManagerConfig;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::{Expr, cast, ident, lit};
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};
use object_store::ObjectStore;

use crate::error::Result;
use crate::progress::Progress;

use crate::source::inventory::{csv_format, json_format};
use crate::source::store::IoCounters;
use crate::source::{DataFormat, DatasetPlan, FileInspection, Location, ScanStore, stores};

/// Where the profile plans run: in this process (the default), or on an Apache DataFusion
/// Ballista cluster (`ballista://HOST:PORT`, feature `ballista`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum EngineChoice {
    #[default]
    Embedded,
    Ballista {
        host: String,
        port: u16,
    },
}

impl EngineChoice {
    /// `embedded` or `ballista://HOST:PORT`.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let text = text.trim();
        if text == "embedded" {
            return Ok(Self::Embedded);
        }
        let Some(address) = text.strip_prefix("ballista://") else {
            return Err(format!(
                "`{text}` is not an engine: use `embedded` or `ballista://HOST:PORT`"
            ));
        };
        let address = address.trim_end_matches('/');
        let (host, port) = address
            .rsplit_once(':')
            .and_then(|(host, port)| Some((host, port.parse::<u16>().ok()?)))
            .filter(|(host, _)| !host.is_empty())
            .ok_or_else(|| {
                format!("`{text}` has no HOST:PORT (e.g. ballista://localhost:50050)")
            })?;
        if !cfg!(feature = "ballista") {
            return Err(
                "this readiness was built without Ballista support: build it with \
                 `cargo build --release --features ballista`"
                    .to_string(),
            );
        }
        Ok(Self::Ballista {
            host: host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_string(),
            port,
        })
    }
}

/// A DataFusion session whose stores are read-only and filtered: one per scheme and
/// authority (`file://`, `s3://bucket`, ...), registered on first use.
pub struct Engine {
    pub ctx: SessionContext,
    stores: Mutex<BTreeMap<String, Arc<ScanStore>>>,
    storage_options: Vec<(String, String)>,
    /// Bytes and files read through every store of this engine.
    pub io: Arc<IoCounters>,
    /// The progress bar, when one was asked for.
    pub progress: Option<Arc<Progress>>,
    /// The memory pool's cap in bytes, if any.
    pub memory_limit: Option<u64>,
    /// Where cleaned copies of CSV files go; removed with the engine.
    pub scratch: tempfile::TempDir,
    /// The client's side of a Ballista cluster, when the plans run on one.
    #[cfg(feature = "ballista")]
    cluster: Option<Arc<crate::cluster::Client>>,
}

impl Engine {
    /// `memory_limit` caps DataFusion's memory pool in bytes: grouping and sorting spill to the
    /// system's temporary folder beyond it. `None` leaves memory unbounded.
    pub fn new(
        storage_options: Vec<(String, String)>,
        memory_limit: Option<u64>,
        progress: bool,
    ) -> DfResult<Self> {
        let io: Arc<IoCounters> = Arc::default();
        let progress = progress.then(|| Arc::new(Progress::new(io.clone())));
        let mut config = SessionConfig::new()
            .with_information_schema(false)
            // Datasets may have files in nested, non-hive folders: list them all.
            .set_bool(
                "datafusion.execution.listing_table_ignore_subdirectory",
                false,
            )
            // Parquet files whose schemas differ are conflicts the planner already found;
            // the remaining ones are read with the merged schema.
            .set_bool("datafusion.execution.parquet.pushdown_filters", false)
            // Planning is a per-dataset fixed cost (a profile pass is one aggregate of
            // hundreds of expressions, and a lake has thousands of datasets): one optimizer
            // pass reaches the same plans for readiness's queries, which are an aggregate over
            // a scan, with a filter or a grouping at most. (Common-subexpression elimination
            // stays: it computes each column's missing-value codes once for the aggregates
            // that share them.)
            .set_usize("datafusion.optimizer.max_passes", 1);
        if let Some(progress) = &progress {
            config = config.with_extension(progress.clone());
        }
        // Listings come from the scan store's in-memory snapshot; DataFusion's listing cache
        // would keep a file listed after it was hidden as unreadable.
        let caches = CacheManagerConfig::default().with_list_files_cache_limit(0);
        let mut runtime = RuntimeEnvBuilder::new().with_cache_manager(caches);
        // Fair shares between the spilling operators, so one grouping cannot starve another.
        // Without --memory-limit the pool still stops at a share of physical memory: beyond
        // it distinct-row counting and groupings spill instead of exhausting the machine.
        if let Some(limit) = memory_limit.or_else(default_memory_ceiling) {
            let pool = FairSpillPool::new(usize::try_from(limit).unwrap_or(usize::MAX));
            runtime = runtime.with_memory_pool(Arc::new(pool));
        }
        let runtime = runtime.build_arc()?;
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        let scratch = tempfile::Builder::new()
            .prefix("readiness-")
            .tempdir()
            .map_err(|error| datafusion::error::DataFusionError::External(Box::new(error)))?;
        Ok(Self {
            scratch,
            ctx,
            stores: Mutex::new(BTreeMap::new()),
            storage_options,
            io,
            progress,
            memory_limit,
            #[cfg(feature = "ballista")]
            cluster: None,
        })
    }

    /// This engine with its plans running where `choice` says: a Ballista cluster gets the
    /// session's settings and memory pool, and stays the place passes run for the engine's
    /// life. Fails with one line when the scheduler cannot be reached.
    pub async fn on(self, choice: &EngineChoice) -> Result<Self> {
        match choice {
            EngineChoice::Embedded => Ok(self),
            #[cfg(feature = "ballista")]
            EngineChoice::Ballista { host, port } => {
                let address = crate::cluster::Address {
                    host: host.clone(),
                    port: *port,
                };
                let ctx = crate::cluster::connect(self.ctx.clone(), &address).await?;
                let cluster = ctx
                    .state()
                    .config()
                    .get_extension::<crate::cluster::Client>();
                Ok(Self {
                    ctx,
                    cluster,
                    ..self
                })
            }
            #[cfg(not(feature = "ballista"))]
            EngineChoice::Ballista { .. } => Err(crate::error::ReadinessError::InvalidArgument {
                flag: "--engine",
                message: "this readiness was built without Ballista support".into(),
            }),
        }
    }

    /// The read-only store for a location, built and registered with DataFusion on first use.
    pub async fn store(&self, location: &Location) -> Result<Arc<ScanStore>> {
        let key = location.store_key();
        if let Some(store) = self
            .stores
            .lock()
            .expect("store registry lock poisoned")
            .get(&key)
        {
            return Ok(store.clone());
        }
        let mut url = location.store_url.clone();
        url.set_query(location.query.as_deref());
        let inner = stores::build(&url, &self.storage_options).await?;
        let mut known = self.stores.lock().expect("store registry lock poisoned");
        let store = Arc::new(ScanStore::new(inner, self.io.clone()));
        #[cfg(feature = "ballista")]
        if let Some(cluster) = &self.cluster {
            cluster.remember(&location.store_url, store.clone());
        }
        let as_object_store: Arc<dyn ObjectStore> = store.clone();
        self.ctx
            .register_object_store(&location.store_url, as_object_store);
        known.insert(key, store.clone());
        Ok(store)
    }

    /// Every store registered so far, by `scheme://authority`.
    pub fn stores(&self) -> Vec<(String, Arc<ScanStore>)> {
        let known = self.stores.lock().expect("store registry lock poisoned");
        known
            .iter()
            .map(|(key, store)| (key.clone(), store.clone()))
            .collect()
    }

    /// Registers a dataset (or one file of it) under `table` and returns it as a DataFrame.
    /// `text_columns` are CSV columns to read as text whatever their inferred type.
    pub async fn register(
        &self,
        table: &str,
        plan: &DatasetPlan,
        files: &[&FileInspection],
        text_columns: &BTreeSet<String>,
        one_file: Option<&FileInspection>,
    ) -> DfResult<DataFrame> {
        if let Some(lakehouse) = &plan.table {
            // A table's snapshot is read by its format's own provider (files, deletions and
            // partition values from its log); it cannot be split into files.
            if one_file.is_some() {
                return Err(datafusion::error::DataFusionError::Plan(
                    "a table's files are not read one by one".to_string(),
                ));
            }
            self.ctx.deregister_table(table)?;
            self.ctx.register_table(table, lakehouse.provider.clone())?;
            return dictionaries_decoded(self.ctx.table(table).await?);
        }
        if let (DataFormat::Csv(_), Some(_), None) = (plan.format, &plan.evolution, one_file) {
            return self
                .register_evolved_csv(table, plan, files, text_columns)
                .await;
        }
        let (url, partition_columns) = match one_file {
            Some(file) => (
                plan.location.table_url(&file.meta.location, false),
                Vec::new(),
            ),
            None => (
                plan.location.table_url(&plan.root, !plan.root_is_file),
                plan.partition_columns.clone(),
            ),
        };
        let table_url = ListingTableUrl::parse(&url)?;
        let partition_columns = partition_columns
            .into_iter()
            .map(|name| (name, DataType::Utf8))
            .collect();
        let config = ListingTableConfig::new(table_url);
        let config = match plan.format {
            DataFormat::Parquet => {
                let format = ParquetFormat::default()
                    .with_options(self.ctx.state().table_options().parquet.clone());
                let force_view_types = format.force_view_types();
                let options = ListingOptions::new(Arc::new(format))
                    .with_file_extension("")
                    .with_table_partition_cols(partition_columns);
                let config = config.with_listing_options(options);
                match (&plan.evolution, one_file) {
                    // The union of the files' columns, as DataFusion would infer one file's:
                    // a file without a column reads it as NULL, a narrower type is cast.
                    (Some(evolution), None) => {
                        let schema = evolution
                            .schema
                            .as_ref()
                            .clone()
                            .with_metadata(Default::default());
                        let schema = if force_view_types {
                            transform_schema_to_view(&schema)
                        } else {
                            schema
                        };
                        config.with_schema(Arc::new(schema))
                    }
                    _ => config.infer_schema(&self.ctx.state()).await?,
                }
            }
            DataFormat::Csv(compression) => {
                let format = csv_format(compression, &plan.csv_dialect);
                let options = ListingOptions::new(Arc::new(format))
                    .with_file_extension("")
                    .with_table_partition_cols(partition_columns);
                // A file of an evolved table is read with its own columns.
                let schema = match (&plan.evolution, one_file) {
                    (Some(_), Some(file)) => csv_schema(&[file], text_columns),
                    _ => csv_schema(files, text_columns),
                };
                config.with_listing_options(options).with_schema(schema)
            }
            DataFormat::Json(compression) => {
                let options = ListingOptions::new(Arc::new(json_format(compression)))
                    .with_file_extension("")
                    .with_table_partition_cols(partition_columns);
                // A file of an evolved table is read with its own keys.
                let schema = match (&plan.evolution, one_file) {
                    (Some(_), Some(file)) => json_schema(&[file]),
                    _ => json_schema(files),
                };
                config.with_listing_options(options).with_schema(schema)
            }
        };
        let provider = Arc::new(ListingTable::try_new(config)?);
        self.ctx.deregister_table(table)?;
        self.ctx.register_table(table, provider)?;
        dictionaries_decoded(self.ctx.table(table).await?)
    }
}

impl Engine {
    /// An evolved CSV dataset: CSV files are read by position, so each file is read with its
    /// own columns, then the files' rows are put together under the union of their columns by
    /// name (a column a file lacks is NULL there; types widened as [`csv_schema`] widens them),
    /// with the file's hive partition values as text, as a listing of the folder gives them.
    async fn register_evolved_csv(
        &self,
        table: &str,
        plan: &DatasetPlan,
        files: &[&FileInspection],
        text_columns: &BTreeSet<String>,
    ) -> DfResult<DataFrame> {
        let unified = csv_union_schema(files, text_columns);
        let mut union: Option<DataFrame> = None;
        for (index, file) in files.iter().enumerate() {
            let part = format!("{table}_file_{index}");
            let frame =
                Box::pin(self.register(&part, plan, files, text_columns, Some(file))).await?;
            let own = frame.schema().clone();
            let mut columns: Vec<Expr> = unified
                .fields()
                .iter()
                .map(|field| {
                    let value = if own.has_column_with_unqualified_name(field.name()) {
                        ident(field.name())
                    } else {
                        lit(datafusion::common::ScalarValue::Null)
                    };
                    cast(value, field.data_type().clone()).alias(field.name())
                })
                .collect();
            columns.extend(hive_columns(plan, file));
            let frame = frame.select(columns)?;
            union = Some(match union {
                None => frame,
                Some(before) => before.union(frame)?,
            });
        }
        // Returned as a plan over the files' own tables (not registered as a view, which a
        // cluster's view of the files could not see through).
        union.ok_or_else(|| {
            datafusion::error::DataFusionError::Plan("an evolved dataset without files".into())
        })
    }
}

/// The dataset's hive partition columns for rows of `file` read alone (as text, as a listing of
/// the folder gives them; NULL where its path has no such folder).
pub fn hive_columns(plan: &DatasetPlan, file: &FileInspection) -> Vec<Expr> {
    let values = hive_values(plan, file);
    plan.partition_columns
        .iter()
        .map(|name| {
            lit(datafusion::common::ScalarValue::Utf8(
                values.get(name).cloned(),
            ))
            .alias(name)
        })
        .collect()
}

/// The hive `key=value` folders of `file` below the dataset's root.
fn hive_values(plan: &DatasetPlan, file: &FileInspection) -> BTreeMap<String, String> {
    let root = plan.root.to_string();
    let path = file.meta.location.to_string();
    let below = path
        .strip_prefix(&root)
        .unwrap_or(&path)
        .trim_start_matches('/');
    let mut folders: Vec<&str> = below.split('/').collect();
    folders.pop();
    folders
        .into_iter()
        .filter_map(|folder| folder.split_once('='))
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

/// The union of CSV files' columns by name, in order of first appearance, each column's type
/// widened over the files that have it (as [`csv_schema`] widens them), `text_columns` as text.
pub fn csv_union_schema(files: &[&FileInspection], text_columns: &BTreeSet<String>) -> SchemaRef {
    let mut fields: Vec<Field> = Vec::new();
    for file in files {
        let own = csv_schema(std::slice::from_ref(file), text_columns);
        for field in own.fields() {
            match fields.iter_mut().find(|known| known.name() == field.name()) {
                None => fields.push(field.as_ref().clone()),
                Some(known) => {
                    let widened = widen(known.data_type(), field.data_type());
                    *known = known.clone().with_data_type(widened);
                }
            }
        }
    }
    Arc::new(Schema::new(fields))
}

/// Share of physical memory the engine may hold when no `--memory-limit` is given.
pub const DEFAULT_MEMORY_SHARE: f64 = 0.6;

/// [`DEFAULT_MEMORY_SHARE`] of the machine's physical memory (`MemTotal` of /proc/meminfo),
/// if it can be read.
pub fn default_memory_ceiling() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: u64 = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some((kib as f64 * 1024.0 * DEFAULT_MEMORY_SHARE) as u64)
}

/// `frame` with every dictionary-encoded column (pandas categoricals, R factors) cast to its
/// value type, so it is profiled exactly like that type: several of DataFusion's aggregates
/// (approximate distinct among them) do not take dictionaries.
pub fn dictionaries_decoded(frame: DataFrame) -> DfResult<DataFrame> {
    let schema = frame.schema().clone();
    if !schema
        .fields()
        .iter()
        .any(|field| matches!(field.data_type(), DataType::Dictionary(_, _)))
    {
        return Ok(frame);
    }
    let columns: Vec<Expr> = schema
        .fields()
        .iter()
        .map(|field| match field.data_type() {
            DataType::Dictionary(_, value) => {
                cast(ident(field.name()), value.as_ref().clone()).alias(field.name())
            }
            _ => ident(field.name()),
        })
        .collect();
    frame.select(columns)
}

/// `frame` read for the profile pass of a dataset of about `rows` rows. DataFusion splits
/// Parquet files into byte ranges, one per partition, and a row group goes to the range its
/// first page falls in: ten equal row groups in two ranges split six to four, leaving one core
/// idle for a fifth of the pass. Four ranges per core even the cores' shares out. A big dataset
/// is read in batches of [`BIG_BATCH_ROWS`]: the pass's per-batch work (a few hundred
/// expressions, each text rule's memo of the batch's values) is spread over 8x the rows
/// (10M benchmark rows: 8% less CPU, 0.1 GiB more peak memory). Neither under
/// `--memory-limit`: each range decodes its row group at the same time, outside the memory
/// pool (100M benchmark rows under 2GB: peak 2.16 GiB spread, against 1.5 GiB not).
/// Groupings keep one partition per core: each partition of a grouping reserves memory of its
/// own.
pub fn spread_for_one_pass(
    frame: DataFrame,
    format: DataFormat,
    bounded: bool,
    rows: Option<u64>,
) -> DataFrame {
    if bounded {
        return frame;
    }
    let (mut state, logical) = frame.into_parts();
    let options = state.config_mut().options_mut();
    if format == DataFormat::Parquet {
        options.execution.target_partitions *= PARQUET_RANGES_PER_PARTITION;
    }
    if rows.is_some_and(|rows| rows >= BIG_DATASET_ROWS)
        && let Ok(size) = ConfigNonZeroUsize::try_new(BIG_BATCH_ROWS)
    {
        options.execution.batch_size = size;
    }
    DataFrame::new(state, logical)
}

/// Rows from which a dataset is read in batches of [`BIG_BATCH_ROWS`].
const BIG_DATASET_ROWS: u64 = 1_000_000;

/// Rows per batch in the profile pass of a big dataset (DataFusion's default: 8,192).
const BIG_BATCH_ROWS: usize = 65_536;

/// Byte ranges a Parquet dataset is split into per core.
const PARQUET_RANGES_PER_PARTITION: usize = 4;

/// One schema for a CSV dataset: the first file's column names, each column's type widened over
/// every file's inferred type (disagreeing types become text), `text_columns` forced to text.
pub fn csv_schema(files: &[&FileInspection], text_columns: &BTreeSet<String>) -> SchemaRef {
    let mut fields: Vec<Field> = Vec::new();
    for schema in files.iter().filter_map(|file| file.schema.as_ref()) {
        for (index, field) in schema.fields().iter().enumerate() {
            match fields.get_mut(index) {
                None => fields.push(field.as_ref().clone().with_nullable(true)),
                Some(existing) => {
                    let widened = widen(existing.data_type(), field.data_type());
                    *existing = existing.clone().with_data_type(widened);
                }
            }
        }
    }
    let fields = fields.into_iter().map(|field| {
        if text_columns.contains(field.name()) {
            field.with_data_type(DataType::Utf8)
        } else {
            field
        }
    });
    Arc::new(Schema::new(fields.collect::<Vec<_>>()))
}

/// One schema for an NDJSON dataset: every file's keys in order of first appearance, each
/// column's type widened over the files.
pub fn json_schema(files: &[&FileInspection]) -> SchemaRef {
    let mut fields: Vec<Field> = Vec::new();
    for schema in files.iter().filter_map(|file| file.schema.as_ref()) {
        for field in schema.fields() {
            match fields.iter_mut().find(|known| known.name() == field.name()) {
                None => fields.push(field.as_ref().clone().with_nullable(true)),
                Some(existing) => {
                    let widened = widen(existing.data_type(), field.data_type());
                    *existing = existing.clone().with_data_type(widened);
                }
            }
        }
    }
    Arc::new(Schema::new(fields))
}

fn widen(a: &DataType, b: &DataType) -> DataType {
    match (a, b) {
        _ if a == b => a.clone(),
        (DataType::Null, other) | (other, DataType::Null) => other.clone(),
        (DataType::Int64, DataType::Float64) | (DataType::Float64, DataType::Int64) => {
            DataType::Float64
        }
        _ => DataType::Utf8,
    }
}

#[cfg(test)]
mod tests {
    use datafusion::execution::memory_pool::MemoryLimit;

    use super::*;

    #[test]
    fn an_engine_is_embedded_or_a_ballista_address() {
        assert_eq!(EngineChoice::parse("embedded"), Ok(EngineChoice::Embedded));
        for bad in [
            "local",
            "ballista://",
            "ballista://host",
            "ballista://:50050",
            "df://h:1",
        ] {
            assert!(EngineChoice::parse(bad).is_err(), "{bad}");
        }
        let cluster = EngineChoice::parse("ballista://scheduler.internal:50050/");
        if cfg!(feature = "ballista") {
            assert_eq!(
                cluster,
                Ok(EngineChoice::Ballista {
                    host: "scheduler.internal".into(),
                    port: 50050
                })
            );
        } else {
            assert!(
                cluster
                    .unwrap_err()
                    .contains("built without Ballista support")
            );
        }
    }

    #[test]
    fn without_a_memory_limit_the_pool_still_has_a_ceiling() {
        let engine = Engine::new(Vec::new(), None, false).unwrap();
        let ceiling = default_memory_ceiling().expect("/proc/meminfo is readable here");
        assert!(ceiling > 0);
        match engine.ctx.runtime_env().memory_pool.memory_limit() {
            MemoryLimit::Finite(bytes) => assert_eq!(bytes as u64, ceiling),
            _ => panic!("the pool has no ceiling"),
        }
        let bounded = Engine::new(Vec::new(), Some(1 << 30), false).unwrap();
        assert!(matches!(
            bounded.ctx.runtime_env().memory_pool.memory_limit(),
            MemoryLimit::Finite(bytes) if bytes == 1 << 30
        ));
    }
}
