//! The OpenLineage run event (spec 2-0-2): one `COMPLETE` event whose inputs are the datasets
//! profiled, each with the `schema`, `dataSource` and (where known) `ownership` dataset facets
//! and the `dataQualityMetrics` and `dataQualityAssertions` input facets, so lineage tools such
//! as Marquez or DataHub can ingest the results.
//!
//! Dataset naming follows OpenLineage's convention: namespace `file` and the absolute path for
//! local data; namespace `scheme://bucket` (or host) and the path inside it for object storage.

use serde_json::{Map, Value, json};

use crate::check::{Assessment, Severity};
use crate::metrics::{DatasetMetrics, ScanResult, rfc3339_string};

const SPEC: &str = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
const SCHEMA_FACET: &str =
    "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet";
const DATASOURCE_FACET: &str = "https://openlineage.io/spec/facets/1-0-1/DatasourceDatasetFacet.json#/$defs/DatasourceDatasetFacet";
const OWNERSHIP_FACET: &str = "https://openlineage.io/spec/facets/1-0-1/OwnershipDatasetFacet.json#/$defs/OwnershipDatasetFacet";
const METRICS_FACET: &str = "https://openlineage.io/spec/facets/1-0-3/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet";
const ASSERTIONS_FACET: &str = "https://openlineage.io/spec/facets/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet";

/// The producer URI of every event and facet.
pub fn producer() -> String {
    format!("urn:readiness:{}", env!("CARGO_PKG_VERSION"))
}

/// The event as pretty-printed JSON.
pub fn run_event(result: &ScanResult, assessment: &Assessment, job_name: &str) -> String {
    let inputs: Vec<Value> = result
        .datasets
        .iter()
        .map(|dataset| input(dataset, assessment))
        .collect();
    let event = json!({
        "eventType": "COMPLETE",
        "eventTime": rfc3339_string(&result.scanned_at),
        "producer": producer(),
        "schemaURL": SPEC,
        "run": {"runId": uuid::Uuid::new_v4().to_string()},
        "job": {"namespace": "readiness", "name": job_name},
        "inputs": inputs,
        "outputs": [],
    });
    serde_json::to_string_pretty(&event).expect("JSON values serialise") + "\n"
}

fn facet(schema_url: &str, body: Value) -> Value {
    let mut object = Map::new();
    object.insert("_producer".into(), Value::String(producer()));
    object.insert("_schemaURL".into(), Value::String(schema_url.into()));
    if let Value::Object(fields) = body {
        object.extend(fields);
    }
    Value::Object(object)
}

/// OpenLineage namespace and name of a dataset.
pub fn naming(dataset: &DatasetMetrics) -> (String, String) {
    let location = match dataset.location.is_empty() {
        true => dataset.source.as_str(),
        false => dataset.location.as_str(),
    };
    match location.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            (format!("{scheme}://{authority}"), path.to_string())
        }
        None => ("file".to_string(), location.to_string()),
    }
}

fn input(dataset: &DatasetMetrics, assessment: &Assessment) -> Value {
    let (namespace, name) = naming(dataset);
    let descriptions = &dataset.lineage.column_descriptions;
    let fields: Vec<Value> = dataset
        .columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            let mut field = json!({
                "name": column.name,
                "type": column.data_type,
                "ordinal_position": index + 1,
            });
            if let Some(d) = descriptions.iter().find(|d| d.column == column.name) {
                field["description"] = Value::String(d.description.clone());
            }
            field
        })
        .collect();
    let mut facets = Map::new();
    facets.insert(
        "schema".into(),
        facet(SCHEMA_FACET, json!({ "fields": fields })),
    );
    let uri = match namespace.as_str() {
        "file" => format!("file://{name}"),
        _ => namespace.clone(),
    };
    facets.insert(
        "dataSource".into(),
        facet(DATASOURCE_FACET, json!({"name": namespace, "uri": uri})),
    );
    let owner = dataset.lineage.owner.clone().or_else(|| {
        dataset
            .lineage
            .key_value_metadata
            .iter()
            .find(|kv| kv.key.to_lowercase().contains("owner") && !kv.summarised)
            .map(|kv| kv.value.clone())
    });
    if let Some(owner) = owner {
        facets.insert(
            "ownership".into(),
            facet(
                OWNERSHIP_FACET,
                json!({"owners": [{"name": owner, "type": "OWNER"}]}),
            ),
        );
    }
    let mut columns = Map::new();
    for column in &dataset.columns {
        let missing =
            column.null_count + column.nan_count + column.empty_count + column.placeholder_count;
        let mut metrics = json!({
            "nullCount": column.null_count,
            "distinctCount": column.distinct_count,
            "count": dataset.row_count.saturating_sub(missing),
        });
        for (key, value) in [("min", &column.min), ("max", &column.max)] {
            if let Some(number) = value.as_ref().filter(|v| v.is_number()) {
                metrics[key] = number.clone();
            }
        }
        columns.insert(column.name.clone(), metrics);
    }
    let mut quality = json!({
        "rowCount": dataset.row_count,
        "bytes": dataset.byte_count,
        "fileCount": dataset.files.len(),
        "columnMetrics": columns,
    });
    if let Some(modified) = dataset.freshness.newest_file_modified {
        quality["lastUpdated"] = Value::String(rfc3339_string(&modified));
    }
    let assertions: Vec<Value> = assessment
        .evaluated
        .iter()
        .filter(|e| e.dataset == dataset.name)
        .map(|e| {
            let severity = |s: Severity| match s {
                Severity::Fail => "error",
                Severity::Warn => "warn",
            };
            let mut assertion = json!({
                "assertion": e.check,
                "success": e.outcome.is_none(),
                "severity": severity(e.outcome.unwrap_or(e.configured)),
            });
            if let Some(column) = &e.column {
                assertion["column"] = Value::String(column.clone());
            }
            assertion
        })
        .collect();
    json!({
        "namespace": namespace,
        "name": name,
        "facets": facets,
        "inputFacets": {
            "dataQualityMetrics": facet(METRICS_FACET, quality),
            "dataQualityAssertions": facet(ASSERTIONS_FACET, json!({"assertions": assertions})),
        },
    })
}
