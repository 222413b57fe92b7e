//! Everything that wires DataFusion: the session, the read-only store, dataset tables.
//!
//! Invariant: datasets are registered as plain `ListingTable`s over object-store URLs with
//! DataFusion's own file formats, so the plans built on them stay portable to a distributed
//! DataFusion engine. Bad files are kept out by the store's listing filter, not by copies.

use std::collections::BTreeSet;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::Result as DfResult;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};
use object_store::ObjectStore;
use object_store::local::LocalFileSystem;

use crate::source::inventory::csv_format;
use crate::source::{DataFormat, DatasetPlan, FileInspection, ScanStore};

/// A DataFusion session whose local store is read-only and filtered.
pub struct Engine {
    pub ctx: SessionContext,
    pub store: Arc<ScanStore>,
}

impl Engine {
    pub fn new() -> DfResult<Self> {
        let config = SessionConfig::new()
            .with_information_schema(false)
            // Datasets may have files in nested, non-hive folders: list them all.
            .set_bool(
                "datafusion.execution.listing_table_ignore_subdirectory",
                false,
            )
            // Parquet files whose schemas differ are conflicts the planner already found;
            // the remaining ones are read with the merged schema.
            .set_bool("datafusion.execution.parquet.pushdown_filters", false);
        let runtime = RuntimeEnvBuilder::new().build_arc()?;
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        let store = Arc::new(ScanStore::new(Arc::new(LocalFileSystem::new())));
        let as_object_store: Arc<dyn ObjectStore> = store.clone();
        ctx.register_object_store(
            &url::Url::parse("file://").expect("static URL"),
            as_object_store,
        );
        Ok(Self { ctx, store })
    }

    /// The store as DataFusion's file formats want it.
    pub fn object_store(&self) -> Arc<dyn ObjectStore> {
        self.store.clone()
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
                let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
                    .with_file_extension("")
                    .with_table_partition_cols(partition_columns);
                config
                    .with_listing_options(options)
                    .infer_schema(&self.ctx.state())
                    .await?
            }
            DataFormat::Csv(compression) => {
                let format = csv_format(compression, plan.csv_delimiter);
                let options = ListingOptions::new(Arc::new(format))
                    .with_file_extension("")
                    .with_table_partition_cols(partition_columns);
                config
                    .with_listing_options(options)
                    .with_schema(csv_schema(files, text_columns))
            }
        };
        let provider = Arc::new(ListingTable::try_new(config)?);
        self.ctx.deregister_table(table)?;
        self.ctx.register_table(table, provider)?;
        self.ctx.table(table).await
    }
}

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
