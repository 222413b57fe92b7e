//! Lineage metadata: what the data says about its own origin. No query: this reads what the
//! source layer found in footers, schemas and sidecar files.

use std::collections::{BTreeMap, BTreeSet};

use datafusion::arrow::datatypes::Schema;
use datafusion::error::Result as DfResult;
use futures::future::BoxFuture;

use crate::metrics::{ColumnDescription, DatasetMetrics, KeyValue, LineageMetrics};
use crate::profile::pass::{Output, Part};
use crate::source::DatasetPlan;

/// Longest metadata value kept verbatim.
const MAX_VALUE_CHARS: usize = 2_000;

/// Field-metadata keys that hold a column's description.
const DESCRIPTION_KEYS: &[&str] = &["description", "comment", "doc", "PARQUET:field_description"];

/// Lineage's part in the profile pass: no aggregate; what the files say about themselves.
impl Part for super::Lineage {
    fn measure<'a>(
        &'a self,
        output: &'a Output<'a>,
        metrics: &'a mut DatasetMetrics,
    ) -> BoxFuture<'a, DfResult<()>> {
        metrics.lineage = measure(output.plan);
        Box::pin(std::future::ready(Ok(())))
    }
}

pub fn measure(plan: &DatasetPlan) -> LineageMetrics {
    let readable: Vec<_> = plan.readable_files().collect();
    let created_by: BTreeSet<String> = readable
        .iter()
        .filter_map(|file| file.created_by.clone())
        .collect();
    let mut key_values: BTreeMap<String, String> = BTreeMap::new();
    for file in &readable {
        for (key, value) in &file.key_value_metadata {
            key_values
                .entry(key.clone())
                .or_insert_with(|| value.clone());
        }
    }
    let column_descriptions = readable
        .iter()
        .find_map(|file| file.schema.as_deref())
        .map(descriptions)
        .unwrap_or_default();
    LineageMetrics {
        owner: None,
        created_by: created_by.into_iter().collect(),
        key_value_metadata: key_values
            .into_iter()
            .map(|(key, value)| summarise(key, &value))
            .collect(),
        column_descriptions,
        sidecar_files: plan.sidecars.clone(),
        table: plan.table.as_ref().map(|table| table.lineage.clone()),
    }
}

fn descriptions(schema: &Schema) -> Vec<ColumnDescription> {
    schema
        .fields()
        .iter()
        .filter_map(|field| {
            let metadata = field.metadata();
            DESCRIPTION_KEYS
                .iter()
                .find_map(|key| metadata.get(*key))
                .filter(|text| !text.trim().is_empty())
                .map(|text| ColumnDescription {
                    column: field.name().clone(),
                    description: text.clone(),
                })
        })
        .collect()
}

/// Well-known blobs become a one-line summary; other values are kept verbatim (cut at
/// [`MAX_VALUE_CHARS`]).
fn summarise(key: String, value: &str) -> KeyValue {
    let summary = match key.as_str() {
        "ARROW:schema" => Some(format!("Arrow IPC schema ({} bytes, base64)", value.len())),
        "pandas" => Some(pandas_summary(value)),
        "org.apache.spark.sql.parquet.row.metadata" => Some(spark_summary(value)),
        _ => None,
    };
    match summary {
        Some(value) => KeyValue {
            key,
            value,
            summarised: true,
        },
        None => KeyValue {
            key,
            value: value.chars().take(MAX_VALUE_CHARS).collect(),
            summarised: value.chars().count() > MAX_VALUE_CHARS,
        },
    }
}

fn pandas_summary(value: &str) -> String {
    let Ok(parsed) = serde_json::from_str::<serde_json::Value>(value) else {
        return "pandas metadata (unparseable)".to_string();
    };
    let version = parsed["pandas_version"]
        .as_str()
        .unwrap_or("unknown version");
    let columns = parsed["columns"].as_array().map_or(0, Vec::len);
    let creator = parsed["creator"]["library"]
        .as_str()
        .unwrap_or("unknown library");
    format!("pandas {version} metadata: {columns} columns, written by {creator}")
}

fn spark_summary(value: &str) -> String {
    let fields = serde_json::from_str::<serde_json::Value>(value)
        .ok()
        .and_then(|parsed| parsed["fields"].as_array().map(Vec::len));
    match fields {
        Some(fields) => format!("Spark SQL schema: {fields} fields"),
        None => "Spark SQL schema (unparseable)".to_string(),
    }
}
