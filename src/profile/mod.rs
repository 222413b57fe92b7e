//! Profiling: DataFusion passes over one planned dataset, producing its typed metrics.
//!
//! One module per readiness dimension; this one runs them in order and assembles
//! [`DatasetMetrics`]. Passes over the rows: completeness (every column, one aggregate),
//! duplicate rows (group by all columns), duplicate keys, one per label column, time buckets,
//! and top values per low-cardinality column (each reads only its own column in Parquet).
//!
//! Invariant: a bad file never ends the profile. If a pass fails, the files are tried one by
//! one, the ones that fail are listed with their error and left out, and the pass runs again.

pub mod completeness;
pub mod duplication;
pub mod engine;
pub mod freshness;
pub mod labels;
pub mod lineage;
pub mod privacy;
pub mod rowhash;
pub mod value;

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{Expr, ident};
use datafusion::prelude::DataFrame;
use futures::{StreamExt, TryStreamExt};

pub use completeness::Placeholders;
pub use engine::Engine;

use crate::error::{ReadinessError, Result};
use crate::metrics::{
    ColumnMetrics, DatasetMetrics, DuplicateMetrics, FileMetrics, FreshnessMetrics, LineageMetrics,
};
use crate::source::inventory::describe_error;
use crate::source::{DataFormat, DatasetPlan, FileInspection};
use completeness::{CompletenessPass, TOP_VALUES_MAX_DISTINCT};
use value::{instant, is_time_type, to_json};

/// What to measure beyond the defaults.
#[derive(Debug, Clone)]
pub struct ProfileOptions {
    pub key_columns: Vec<String>,
    pub label_columns: Vec<String>,
    pub time_column: Option<String>,
    pub placeholders: Placeholders,
    pub now: DateTime<Utc>,
}

/// Profiles one dataset. `table` is the name it is registered under in the engine.
pub async fn profile_dataset(
    engine: &Engine,
    plan: &mut DatasetPlan,
    options: &ProfileOptions,
    table: &str,
) -> Result<DatasetMetrics> {
    let mut notes = Vec::new();
    let mut text_columns = BTreeSet::new();
    if let Some(progress) = &engine.progress {
        let files: Vec<_> = plan.readable_files().collect();
        let rows = files
            .iter()
            .map(|file| file.row_count.or(file.estimated_rows))
            .sum::<Option<u64>>();
        let bytes = files.iter().map(|file| file.meta.size).sum();
        progress.dataset(&plan.name, files.len(), bytes, rows);
    }
    let (frame, pass) = loop {
        let readable: Vec<_> = plan.readable_files().cloned().collect();
        if readable.is_empty() {
            return Ok(empty_dataset(plan, options, notes));
        }
        let attempt = async {
            let refs: Vec<_> = readable.iter().collect();
            let frame = engine
                .register(table, plan, &refs, &text_columns, None)
                .await?;
            let pass = completeness::measure(frame.clone(), &options.placeholders).await?;
            Ok::<_, DataFusionError>((frame, pass))
        }
        .await;
        match attempt {
            Ok(done) => break done,
            Err(error) => {
                if let Some(fallback) = csv_type_fallback(plan, &readable, &text_columns, &error) {
                    notes.push(fallback.note);
                    text_columns.insert(fallback.column);
                    continue;
                }
                let isolated = isolate_bad_files(engine, plan, &text_columns, options, table).await;
                if isolated == 0 {
                    return Err(ReadinessError::Engine {
                        dataset: plan.name.clone(),
                        source: error,
                    });
                }
            }
        }
    };
    let engine_error = |source: DataFusionError| ReadinessError::Engine {
        dataset: plan.name.clone(),
        source,
    };

    let started = std::time::Instant::now();
    let trace = |what: &str| {
        if std::env::var_os("READINESS_TRACE").is_some() {
            eprintln!("[{}] {what} after {:?}", plan.name, started.elapsed());
        }
    };
    trace("completeness");
    if let Some(progress) = &engine.progress {
        progress.rows(pass.row_count);
    }
    let csv_file_rows = csv_file_row_counts(engine, plan, &text_columns, table)
        .await
        .map_err(engine_error)?;
    if matches!(plan.format, DataFormat::Csv(_))
        && plan.readable_files().count() > CSV_FILE_COUNT_LIMIT
    {
        notes.push(format!(
            "rows per file not counted: more than {CSV_FILE_COUNT_LIMIT} CSV files (the dataset's rows are)"
        ));
    }
    // One grouping-sets pass: top values, label classes and time buckets.
    let low_cardinality = low_cardinality_columns(&pass);
    let mut label_columns = Vec::new();
    for label in &options.label_columns {
        match column_type(&pass, label) {
            Some(data_type) => label_columns.push((label.as_str(), data_type)),
            None => notes.push(format!("label column `{label}` is not in this dataset")),
        }
    }
    let (mut freshness, time_bucket) = freshness_metrics(&pass, plan, options, &mut notes);
    let mut groups: Vec<Expr> = low_cardinality.iter().map(ident).collect();
    groups.extend(
        label_columns
            .iter()
            .map(|(name, data_type)| labels::class(name, data_type, &options.placeholders)),
    );
    groups.extend(time_bucket);
    let mut counts = completeness::value_counts(&frame, &groups)
        .await
        .map_err(engine_error)?
        .into_iter();
    let top_values: Vec<_> = counts.by_ref().take(low_cardinality.len()).collect();
    let labels = label_columns
        .iter()
        .map(|(name, _)| labels::measure(name, &counts.next().unwrap_or_default(), pass.row_count))
        .collect();
    if let (Some(counts), Some(width)) = (counts.next(), freshness.bucket_width.clone()) {
        freshness.buckets = freshness::buckets(&counts);
        freshness.gaps = freshness::gaps(&freshness.buckets, &width);
    }
    let columns = column_metrics(&pass, &low_cardinality, &top_values);
    trace("value counts");
    let duplicates = duplicate_metrics(&frame, &pass, options, &mut notes)
        .await
        .map_err(engine_error)?;
    trace("duplicates");

    Ok(DatasetMetrics {
        name: plan.name.clone(),
        source: plan.source.clone(),
        location: plan.location.display_path(&plan.root),
        format: plan.format.family().to_string(),
        grouping: plan.grouping.clone(),
        row_count: pass.row_count,
        byte_count: plan.files.iter().map(|f| f.inspection.meta.size).sum(),
        schema_consistent: plan.files.iter().all(|f| f.conflict.is_none()),
        partition_columns: plan.partition_columns.clone(),
        files: file_metrics(plan, &csv_file_rows, pass.row_count),
        columns,
        complete_row_fraction: fraction(pass.complete_row_count, pass.row_count),
        duplicates,
        labels,
        freshness,
        lineage: lineage::measure(plan),
        notes,
    })
}

fn fraction(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn column_type(pass: &CompletenessPass, name: &str) -> Option<DataType> {
    pass.columns
        .iter()
        .find(|column| column.name == name)
        .map(|column| column.data_type.clone())
}

/// Columns with few enough distinct values to list their top values.
fn low_cardinality_columns(pass: &CompletenessPass) -> Vec<String> {
    pass.columns
        .iter()
        .filter(|c| {
            pass.row_count > 0
                && c.distinct_count
                    .is_some_and(|d| d <= TOP_VALUES_MAX_DISTINCT)
        })
        .map(|c| c.name.clone())
        .collect()
}

fn column_metrics(
    pass: &CompletenessPass,
    low_cardinality: &[String],
    counts: &[Vec<(ScalarValue, u64)>],
) -> Vec<ColumnMetrics> {
    let mut columns = Vec::with_capacity(pass.columns.len());
    for figures in &pass.columns {
        let top_values = low_cardinality
            .iter()
            .position(|name| name == &figures.name)
            .and_then(|at| counts.get(at))
            .map(|counts| completeness::top_values(counts))
            .unwrap_or_default();
        let present = pass.row_count.saturating_sub(figures.missing_count());
        columns.push(ColumnMetrics {
            name: figures.name.clone(),
            data_type: figures.data_type.to_string(),
            null_count: figures.null_count,
            nan_count: figures.nan_count,
            empty_count: figures.empty_count,
            placeholder_count: figures.placeholder_count,
            completeness: fraction(present, pass.row_count),
            distinct_count: figures.distinct_count.unwrap_or(0),
            distinct_is_approximate: figures.distinct_count.is_some(),
            min: Some(to_json(&figures.min)).filter(|v| !v.is_null()),
            max: Some(to_json(&figures.max)).filter(|v| !v.is_null()),
            top_values,
            personal_data: None,
        });
    }
    columns
}

async fn duplicate_metrics(
    frame: &DataFrame,
    pass: &CompletenessPass,
    options: &ProfileOptions,
    notes: &mut Vec<String>,
) -> datafusion::error::Result<DuplicateMetrics> {
    let distinct_rows = duplication::distinct_row_count(frame.clone()).await?;
    let duplicate_row_count = pass.row_count.saturating_sub(distinct_rows);
    let mut metrics = DuplicateMetrics {
        duplicate_row_count,
        duplicate_row_fraction: fraction(duplicate_row_count, pass.row_count),
        key_columns: Vec::new(),
        duplicate_key_row_count: None,
        keys_with_duplicates: None,
        example_groups: Vec::new(),
    };
    if options.key_columns.is_empty() {
        return Ok(metrics);
    }
    let missing: Vec<_> = options
        .key_columns
        .iter()
        .filter(|key| column_type(pass, key).is_none())
        .collect();
    if !missing.is_empty() {
        notes.push(format!(
            "key column(s) {} not in this dataset: duplicate keys not measured",
            missing
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        return Ok(metrics);
    }
    let keys = duplication::key_figures(frame.clone(), &options.key_columns).await?;
    metrics.key_columns = options.key_columns.clone();
    metrics.duplicate_key_row_count = Some(keys.duplicate_key_rows);
    metrics.keys_with_duplicates = Some(keys.keys_with_duplicates);
    metrics.example_groups = keys.examples;
    Ok(metrics)
}

/// Freshness without the time buckets, and the bucket expression to count rows by when there
/// is a time column with values.
fn freshness_metrics(
    pass: &CompletenessPass,
    plan: &DatasetPlan,
    options: &ProfileOptions,
    notes: &mut Vec<String>,
) -> (FreshnessMetrics, Option<Expr>) {
    let newest_file_modified = plan
        .readable_files()
        .map(|file| file.meta.last_modified)
        .max();
    let time_columns: Vec<_> = pass
        .columns
        .iter()
        .filter(|column| is_time_type(&column.data_type))
        .collect();
    let chosen = match &options.time_column {
        Some(name) => match pass.columns.iter().find(|c| &c.name == name) {
            Some(column) if is_time_type(&column.data_type) => Some((column, "given")),
            Some(column) => {
                notes.push(format!(
                    "time column `{name}` holds {} values, not timestamps or dates: freshness uses file times",
                    column.data_type
                ));
                None
            }
            None => {
                notes.push(format!(
                    "time column `{name}` is not in this dataset: freshness uses file times"
                ));
                None
            }
        },
        None if time_columns.len() == 1 => Some((time_columns[0], "auto")),
        None => None,
    };
    let mut metrics = FreshnessMetrics {
        time_column: None,
        time_column_basis: None,
        min_time: None,
        max_time: None,
        lag_seconds: newest_file_modified.map(|newest| (options.now - newest).num_seconds()),
        lag_basis: newest_file_modified.map(|_| "file_modified".to_string()),
        bucket_width: None,
        buckets: Vec::new(),
        gaps: Vec::new(),
        newest_file_modified,
    };
    let Some((column, basis)) = chosen else {
        return (metrics, None);
    };
    metrics.time_column = Some(column.name.clone());
    metrics.time_column_basis = Some(basis.to_string());
    let (Some(min_time), Some(max_time)) = (instant(&column.min), instant(&column.max)) else {
        notes.push(format!(
            "time column `{}` has no values: freshness uses file times",
            column.name
        ));
        return (metrics, None);
    };
    let width = freshness::bucket_width(min_time, max_time);
    metrics.min_time = Some(min_time);
    metrics.max_time = Some(max_time);
    metrics.lag_seconds = Some((options.now - max_time).num_seconds());
    metrics.lag_basis = Some("event_time".to_string());
    metrics.bucket_width = Some(width.to_string());
    let bucket = freshness::bucket(&column.name, &column.data_type, width);
    (metrics, Some(bucket))
}

/// A CSV column to read as text, from a parse error naming it.
struct TypeFallback {
    column: String,
    note: String,
}

/// Reads arrow-csv's "Error while parsing value 'V' as type 'T' for column N at line L" and
/// names the column, unless it is already text.
fn csv_type_fallback(
    plan: &DatasetPlan,
    readable: &[crate::source::FileInspection],
    text_columns: &BTreeSet<String>,
    error: &DataFusionError,
) -> Option<TypeFallback> {
    if !matches!(plan.format, DataFormat::Csv(_)) {
        return None;
    }
    let message = error.to_string();
    let rest = message.split("Error while parsing value '").nth(1)?;
    let (value, rest) = rest.split_once("' as type '")?;
    let (data_type, rest) = rest.split_once("' for column ")?;
    let (index, rest) = rest.split_once(" at line ")?;
    let line: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let refs: Vec<_> = readable.iter().collect();
    let schema = engine::csv_schema(&refs, text_columns);
    let column = schema
        .fields()
        .get(index.trim().parse::<usize>().ok()?)?
        .name()
        .clone();
    if text_columns.contains(&column) {
        return None;
    }
    let shown: String = value.chars().take(40).collect();
    Some(TypeFallback {
        note: format!(
            "column `{column}` is read as text: the value '{shown}' near line {line} is not {data_type} (types are inferred from the first {} rows of each file)",
            crate::source::inventory::CSV_INFER_ROWS
        ),
        column,
    })
}

/// Tries each readable file alone; the ones that fail get their error and leave the dataset.
/// Returns how many files were left out.
async fn isolate_bad_files(
    engine: &Engine,
    plan: &mut DatasetPlan,
    text_columns: &BTreeSet<String>,
    options: &ProfileOptions,
    table: &str,
) -> usize {
    let readable: Vec<_> = plan.readable_files().cloned().collect();
    let refs: Vec<_> = readable.iter().collect();
    let probe = format!("{table}_probe");
    let mut failed = Vec::new();
    for file in &readable {
        let outcome = async {
            let frame = engine
                .register(&probe, plan, &refs, text_columns, Some(file))
                .await?;
            completeness::measure(frame, &options.placeholders).await
        }
        .await;
        if let Err(error) = outcome {
            failed.push((file.meta.location.clone(), error.to_string()));
        }
    }
    let _ = engine.ctx.deregister_table(&probe);
    let store = engine.store(&plan.location).await.ok();
    for (location, error) in &failed {
        if let Some(store) = &store {
            store.hide(location);
        }
        if let Some(file) = plan
            .files
            .iter_mut()
            .find(|f| &f.inspection.meta.location == location)
        {
            let (message, line) = describe_error(error);
            file.inspection.error_line = line;
            file.inspection.error = Some(format!("cannot be read: {message}"));
        }
    }
    failed.len()
}

/// CSV datasets of more files than this get no per-file row counts (one query per file would
/// cost more than the profile itself); the dataset's row count is always measured.
pub const CSV_FILE_COUNT_LIMIT: usize = 200;

/// Rows per file of a multi-file CSV dataset (Parquet has them from its footers).
async fn csv_file_row_counts(
    engine: &Engine,
    plan: &DatasetPlan,
    text_columns: &BTreeSet<String>,
    table: &str,
) -> datafusion::error::Result<Vec<(object_store::path::Path, u64)>> {
    let readable: Vec<_> = plan.readable_files().collect();
    if !matches!(plan.format, DataFormat::Csv(_))
        || readable.len() < 2
        || readable.len() > CSV_FILE_COUNT_LIMIT
    {
        return Ok(Vec::new());
    }
    // Files are counted a few at a time: one small query each, mostly waiting on storage.
    let counts: Vec<_> = futures::stream::iter(readable.iter().enumerate())
        .map(|(index, file)| {
            let probe = format!("{table}_rows_{index}");
            count_file_rows(engine, plan, &readable, text_columns, file, probe)
        })
        .buffered(crate::source::inventory::CONCURRENT_INSPECTIONS)
        .try_collect()
        .await?;
    Ok(counts)
}

async fn count_file_rows(
    engine: &Engine,
    plan: &DatasetPlan,
    readable: &[&FileInspection],
    text_columns: &BTreeSet<String>,
    file: &FileInspection,
    probe: String,
) -> datafusion::error::Result<(object_store::path::Path, u64)> {
    let frame = engine
        .register(&probe, plan, readable, text_columns, Some(file))
        .await?;
    let rows = frame.count().await? as u64;
    engine.ctx.deregister_table(&probe)?;
    Ok((file.meta.location.clone(), rows))
}

fn file_metrics(
    plan: &DatasetPlan,
    csv_file_rows: &[(object_store::path::Path, u64)],
    dataset_rows: u64,
) -> Vec<FileMetrics> {
    let single_readable = plan.readable_files().count() == 1;
    plan.files
        .iter()
        .map(|file| {
            let inspection = &file.inspection;
            let row_count = inspection.row_count.or_else(|| {
                if !file.usable() {
                    return None;
                }
                csv_file_rows
                    .iter()
                    .find(|(path, _)| *path == inspection.meta.location)
                    .map(|(_, rows)| *rows)
                    .or(single_readable.then_some(dataset_rows))
            });
            FileMetrics {
                path: plan.location.display_path(&inspection.meta.location),
                byte_count: inspection.meta.size,
                row_count,
                last_modified: Some(inspection.meta.last_modified),
                created_by: inspection.created_by.clone(),
                schema_matches: file.conflict.is_none(),
                error: inspection.error.clone().or_else(|| file.conflict.clone()),
                error_line: inspection.error_line,
            }
        })
        .collect()
}

/// A dataset none of whose files could be read: listed with its errors, no figures.
fn empty_dataset(
    plan: &DatasetPlan,
    options: &ProfileOptions,
    mut notes: Vec<String>,
) -> DatasetMetrics {
    notes.push("no file of this dataset could be read: it has no figures".to_string());
    let newest = plan
        .files
        .iter()
        .map(|f| f.inspection.meta.last_modified)
        .max();
    DatasetMetrics {
        name: plan.name.clone(),
        source: plan.source.clone(),
        location: plan.location.display_path(&plan.root),
        format: plan.format.family().to_string(),
        grouping: plan.grouping.clone(),
        row_count: 0,
        byte_count: plan.files.iter().map(|f| f.inspection.meta.size).sum(),
        schema_consistent: plan.files.iter().all(|f| f.conflict.is_none()),
        partition_columns: plan.partition_columns.clone(),
        files: file_metrics(plan, &[], 0),
        columns: Vec::new(),
        complete_row_fraction: None,
        duplicates: DuplicateMetrics {
            duplicate_row_count: 0,
            duplicate_row_fraction: None,
            key_columns: Vec::new(),
            duplicate_key_row_count: None,
            keys_with_duplicates: None,
            example_groups: Vec::new(),
        },
        labels: Vec::new(),
        freshness: FreshnessMetrics {
            time_column: None,
            time_column_basis: None,
            min_time: None,
            max_time: None,
            lag_seconds: newest.map(|n| (options.now - n).num_seconds()),
            lag_basis: newest.map(|_| "file_modified".to_string()),
            bucket_width: None,
            buckets: Vec::new(),
            gaps: Vec::new(),
            newest_file_modified: newest,
        },
        lineage: LineageMetrics {
            sidecar_files: plan.sidecars.clone(),
            ..LineageMetrics::default()
        },
        notes,
    }
}
