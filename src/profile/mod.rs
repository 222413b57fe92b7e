//! Profiling: DataFusion passes over one planned dataset, producing its typed metrics.
//!
//! This module runs the passes; what they measure belongs to the dimensions
//! (`src/dimensions/<name>/profile.rs`), each taking part through [`pass::Part`]. For every
//! dataset:
//! 1. the profile pass, one aggregate that reads every column once: the completeness figures
//!    every dimension uses, and beside them the aggregates each registered dimension adds,
//!    named (top values of every column with few values, label classes, rows per day of the
//!    time column and, when their sets fit in memory, distinct rows and one integer key's
//!    counts);
//! 2. each registered dimension, in report order, reads its aggregates back by name and runs
//!    a bounded extra pass only where the first could not count: duplicate keys of other keys
//!    (a grouping of the key columns), distinct rows under a tight `--memory-limit` (a grouping
//!    that spills), label classes or time buckets with more than 100,000 values.
//!
//! Invariant: a bad file never ends the profile. If a pass fails, the files are tried one by
//! one, the ones that fail are listed with their error and left out, and the pass runs again.

pub mod engine;
pub mod kernels;
pub mod lanes;
pub mod pass;
pub mod value;
pub mod wide;

use crate::dimensions::completeness::profile as completeness;

/// Test helpers shared by the aggregates' unit tests.
#[cfg(test)]
pub(crate) mod testing {
    use datafusion::arrow::array::RecordBatch;
    use datafusion::logical_expr::Partitioning;
    use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};

    /// `batches` as a frame spread round-robin over `partitions`, so an aggregate's partial
    /// states are merged as they are on several cores.
    pub fn partitioned(batches: Vec<RecordBatch>, partitions: usize) -> DataFrame {
        let config = SessionConfig::new().with_target_partitions(partitions);
        SessionContext::new_with_config(config)
            .read_batches(batches)
            .and_then(|frame| frame.repartition(Partitioning::RoundRobinBatch(partitions)))
            .expect("an in-memory frame")
    }
}

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use datafusion::error::DataFusionError;

pub use completeness::Placeholders;
pub use engine::{Engine, EngineChoice};

use crate::error::{ReadinessError, Result};
use crate::metrics::{
    CsvDialect, DatasetFormat, DatasetMetrics, DuplicateMetrics, FileMetrics, FreshnessMetrics,
    LagBasis, LineageMetrics, RejectedRow,
};
use crate::source::delimited::{CsvReading, records};
use crate::source::inventory::describe_error;
use crate::source::{DataFormat, DatasetPlan, FileInspection};
use pass::Planning;

/// What to measure beyond the defaults.
#[derive(Debug, Clone)]
pub struct ProfileOptions {
    pub key_columns: Vec<String>,
    pub label_columns: Vec<String>,
    /// Columns left out when looking for near-duplicate rows.
    pub ignored_columns: Vec<String>,
    pub time_column: Option<String>,
    pub placeholders: Placeholders,
    pub now: DateTime<Utc>,
}

/// `options` with the row index a writer put in a column (a CSV's unnamed first column, see
/// [`CsvReading::row_index`], or a pandas index in Parquet) among the columns set aside when
/// rows are compared, when a file of `plan` has one that is not set aside yet.
fn setting_aside_row_index(plan: &DatasetPlan, options: &ProfileOptions) -> Option<ProfileOptions> {
    let mut wider = options.clone();
    for file in plan.readable_files() {
        for index in file.row_index_columns() {
            if !wider.ignored_columns.contains(index) {
                wider.ignored_columns.push(index.clone());
            }
        }
    }
    (wider.ignored_columns.len() > options.ignored_columns.len()).then_some(wider)
}

/// Profiles one dataset. `table` is the name it is registered under in the engine.
pub async fn profile_dataset(
    engine: &Engine,
    plan: &mut DatasetPlan,
    options: &ProfileOptions,
    table: &str,
) -> Result<DatasetMetrics> {
    let with_row_index = setting_aside_row_index(plan, options);
    let options = with_row_index.as_ref().unwrap_or(options);
    let mut notes = Vec::new();
    let mut text_columns = BTreeSet::new();
    if let Some(progress) = &engine.progress {
        let files = plan.readable_files().count();
        let bytes = plan.readable_files().map(|file| file.meta.size).sum();
        progress.dataset(&plan.name, files, bytes, estimated_rows(plan));
    }
    let started = std::time::Instant::now();
    let dataset = plan.name.clone();
    let trace = |what: &str| {
        tracing::info!(dataset = %dataset, elapsed = ?started.elapsed(), "{what}");
    };
    let mut sets_in_memory = sets_in_memory(plan, engine.memory_limit, options);
    tracing::info!(
        dataset = %plan.name,
        files = plan.readable_files().count(),
        estimated_rows = ?estimated_rows(plan),
        sets_in_memory,
        "profiling"
    );
    let (frame, pass, results, planning_fields, time_ranges) = loop {
        let readable: Vec<_> = plan.readable_files().cloned().collect();
        if readable.is_empty() {
            return Ok(empty_dataset(plan, options, notes));
        }
        let attempt = async {
            let refs: Vec<_> = readable.iter().collect();
            let frame = engine
                .register(table, plan, &refs, &text_columns, None)
                .await?;
            let fields = frame.schema().fields().clone();
            let time_ranges = plan.stated_time_ranges(&refs);
            let planning = Planning {
                fields: &fields,
                options,
                sets_in_memory,
                time_ranges: &time_ranges,
            };
            let aggregates = pass::aggregates(&planning);
            let bounded = engine.memory_limit.is_some();
            let rows = estimated_rows(plan);
            let spread = engine::spread_for_one_pass(frame.clone(), plan.format, bounded, rows);
            let (pass, results) =
                completeness::measure(spread, &options.placeholders, &aggregates).await?;
            Ok::<_, DataFusionError>((frame, pass, results, fields, time_ranges))
        }
        .await;
        match attempt {
            Ok(done) => break done,
            Err(error) => {
                if sets_in_memory && is_out_of_memory(&error) {
                    // The distinct-row set did not fit the memory limit: a spilling grouping
                    // counts the rows instead.
                    tracing::info!(dataset = %plan.name, "distinct rows did not fit the memory limit in the profile pass: retrying with a spilling grouping");
                    sets_in_memory = false;
                    continue;
                }
                if let Some(fallback) = csv_type_fallback(plan, &readable, &text_columns, &error) {
                    tracing::info!(dataset = %plan.name, column = %fallback.column, "retrying the profile pass with the column read as text");
                    notes.push(fallback.note);
                    text_columns.insert(fallback.column);
                    continue;
                }
                tracing::info!(dataset = %plan.name, %error, "the profile pass failed: trying each file alone");
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
    trace("profile pass");
    let mut pass = pass;
    if plan.evolution.is_some() && plan.table.is_none() {
        match evolved_complete_rows(engine, plan, &text_columns, options, table).await {
            Ok(rows) => pass.complete_row_count = rows,
            Err(error) => notes.push(format!(
                "complete rows count every column, including those a row's file does not \
                 have: counting them per file failed ({error})"
            )),
        }
        trace("complete rows per file");
    }
    if let Some(progress) = &engine.progress {
        progress.rows(pass.row_count);
    }
    notes.extend(reading_notes(plan, pass.row_count));
    let mut metrics = unmeasured(plan, options, pass.row_count, notes);
    let planning = Planning {
        fields: &planning_fields,
        options,
        sets_in_memory,
        time_ranges: &time_ranges,
    };
    for module in crate::dimensions::REGISTERED {
        let Some(part) = module.pass() else {
            continue;
        };
        let output = pass::Output {
            planning: &planning,
            frame: &frame,
            pass: &pass,
            plan,
            results: &results,
            dimension: module.dimension(),
        };
        part.measure(&output, &mut metrics)
            .await
            .map_err(|source| ReadinessError::Engine {
                dataset: plan.name.clone(),
                source,
            })?;
        trace(module.dimension().name());
    }
    Ok(metrics)
}

/// Complete rows of a dataset whose schema evolved, each row over the columns its own file
/// has (a column a file lacks is absent there, not missing): each file read alone with its
/// own columns and its hive partition values. A second read of the files, for evolved
/// datasets only.
async fn evolved_complete_rows(
    engine: &Engine,
    plan: &DatasetPlan,
    text_columns: &BTreeSet<String>,
    options: &ProfileOptions,
    table: &str,
) -> std::result::Result<u64, DataFusionError> {
    let readable: Vec<_> = plan.readable_files().cloned().collect();
    let refs: Vec<_> = readable.iter().collect();
    let part = format!("{table}_complete");
    let mut complete = 0;
    for file in &readable {
        let frame = engine
            .register(&part, plan, &refs, text_columns, Some(file))
            .await?;
        let mut columns: Vec<datafusion::logical_expr::Expr> = frame
            .schema()
            .fields()
            .iter()
            .map(|field| datafusion::logical_expr::ident(field.name()))
            .collect();
        columns.extend(engine::hive_columns(plan, file));
        let frame = frame.select(columns)?;
        complete += completeness::complete_rows(frame, &options.placeholders).await?;
    }
    let _ = engine.ctx.deregister_table(&part);
    Ok(complete)
}

/// `parquet`, `csv` or `json`; a lakehouse table's format (`delta`) for a table.
fn dataset_format(plan: &DatasetPlan) -> DatasetFormat {
    match (&plan.table, plan.format) {
        (Some(table), _) => table.lineage.format,
        (None, DataFormat::Parquet) => DatasetFormat::Parquet,
        (None, DataFormat::Csv(_)) => DatasetFormat::Csv,
        (None, DataFormat::Json(_)) => DatasetFormat::Json,
    }
}

/// Bytes per row that counting distinct rows inside the profile pass may take: a 16-byte
/// fingerprint as collected, in its sorted run, and in the runs handed to the final merge.
const DISTINCT_ROW_BYTES: u64 = 64;

/// Bytes per row that counting conflicting labels of one label column inside the profile
/// pass adds: a 16-byte value as collected and in its sorted run.
const CONFLICT_ROW_BYTES: u64 = 32;

/// Bytes per row that counting one integer key inside the profile pass adds: 16 bytes a key,
/// twice.
const KEY_ROW_BYTES: u64 = 32;

/// Whether distinct rows (and a single integer key's duplicates) are counted in the profile
/// pass, in memory: always without a memory limit (a grouping would hold as much), and under
/// one when what they hold fits in half of it. Otherwise separate groupings spill to disk.
fn sets_in_memory(plan: &DatasetPlan, memory_limit: Option<u64>, options: &ProfileOptions) -> bool {
    let Some(limit) = memory_limit else {
        return true;
    };
    set_bytes(plan, options).is_some_and(|bytes| bytes <= limit / 2)
}

/// The bytes the sets that grow with the rows (distinct rows, keys, conflicting labels) take
/// when the profile pass holds them; `None` when the rows are not known before reading.
pub(crate) fn set_bytes(plan: &DatasetPlan, options: &ProfileOptions) -> Option<u64> {
    let per_row = match options.key_columns.len() {
        1 => DISTINCT_ROW_BYTES + KEY_ROW_BYTES,
        _ => DISTINCT_ROW_BYTES,
    } + CONFLICT_ROW_BYTES * options.label_columns.len() as u64;
    estimated_rows(plan).map(|rows| rows.saturating_mul(per_row))
}

/// The dataset's rows before reading it: exact from Parquet footers, estimated for CSV; `None`
/// when a file has neither.
fn estimated_rows(plan: &DatasetPlan) -> Option<u64> {
    plan.readable_files().map(|file| file.row_count).sum()
}

/// True when a plan failed because the memory pool was exhausted.
fn is_out_of_memory(error: &DataFusionError) -> bool {
    matches!(error.find_root(), DataFusionError::ResourcesExhausted(_))
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
    if plan.table.is_some() {
        return 0;
    }
    let readable: Vec<_> = plan.readable_files().cloned().collect();
    let refs: Vec<_> = readable.iter().collect();
    let probe = format!("{table}_probe");
    let mut failed = Vec::new();
    for file in &readable {
        let outcome = async {
            let frame = engine
                .register(&probe, plan, &refs, text_columns, Some(file))
                .await?;
            completeness::measure(frame, &options.placeholders, &[]).await
        }
        .await;
        if let Err(error) = outcome {
            failed.push((file.meta.location.clone(), describe_error(&error)));
        }
    }
    let _ = engine.ctx.deregister_table(&probe);
    let store = engine.store(&plan.location).await.ok();
    for (location, (message, line)) in &failed {
        if let Some(store) = &store {
            store.hide(location);
        }
        if let Some(file) = plan
            .files
            .iter_mut()
            .find(|f| &f.inspection.meta.location == location)
        {
            file.inspection.error_line = *line;
            file.inspection.error = Some(format!("cannot be read: {message}"));
        }
    }
    failed.len()
}

/// What reading the dataset's CSV or NDJSON files found that a reader should know (each note
/// once), and a warning if the rows the profile read differ from the rows the walk accepted:
/// both must split the same bytes into the same records.
fn reading_notes(plan: &DatasetPlan, profiled_rows: u64) -> Vec<String> {
    let mut notes: Vec<String> = Vec::new();
    let readable: Vec<_> = plan.readable_files().collect();
    for file in &readable {
        for note in file.reading_notes() {
            let note = match readable.len() {
                1 => note.clone(),
                _ => format!(
                    "{}: {note}",
                    plan.location.display_path(&file.meta.location)
                ),
            };
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
    }
    let walked: Option<u64> = readable
        .iter()
        .map(|file| {
            let csv = file.csv.as_ref().map(|reading| reading.row_count);
            csv.or_else(|| file.json.as_ref().map(|reading| reading.row_count))
        })
        .sum();
    if let Some(walked) = walked.filter(|&walked| walked != profiled_rows) {
        notes.push(format!(
            "the {} reader accepted {walked} rows but the profile read {profiled_rows}: figures may be off; please report this file",
            plan.format.family().to_uppercase()
        ));
    }
    notes
}

/// Rows rejected in the dataset's readable CSV and NDJSON files.
fn rejected_rows(plan: &DatasetPlan) -> u64 {
    plan.readable_files()
        .filter_map(FileInspection::rejected_row_count)
        .sum()
}

fn file_metrics(plan: &DatasetPlan, dataset_rows: u64) -> Vec<FileMetrics> {
    let single_readable = plan.readable_files().count() == 1;
    plan.files
        .iter()
        .map(|file| {
            let inspection = &file.inspection;
            // A single file's rows are the dataset's, as profiled; otherwise each file's own
            // count (Parquet footer, CSV walk).
            let row_count = match file.usable() && single_readable {
                true => Some(dataset_rows),
                false => inspection.row_count,
            };
            let csv = inspection.csv.as_ref();
            FileMetrics {
                path: plan.location.display_path(&inspection.meta.location),
                byte_count: inspection.meta.size,
                row_count,
                last_modified: Some(inspection.meta.last_modified),
                created_by: inspection.created_by.clone(),
                schema_matches: file.conflict.is_none(),
                error: inspection.error.clone().or_else(|| file.conflict.clone()),
                error_line: inspection.error_line,
                csv_dialect: csv.map(csv_dialect),
                rejected_row_count: inspection.rejected_row_count(),
                rejected_rows: rejected_examples(inspection),
            }
        })
        .collect()
}

/// A file's rejected rows as the JSON shows them (the excerpt is masked later).
fn rejected_examples(inspection: &FileInspection) -> Vec<RejectedRow> {
    let (rows, delimiter) = match (&inspection.csv, &inspection.json) {
        (Some(reading), _) => (&reading.rejected_rows, reading.dialect.delimiter),
        (None, Some(reading)) => (&reading.rejected_rows, b','),
        (None, None) => return Vec::new(),
    };
    rows.iter()
        .map(|row| RejectedRow {
            line: row.line,
            byte_offset: row.byte_offset,
            kind: row.kind,
            excerpt: Some(records::excerpt(&row.fields, delimiter)),
        })
        .collect()
}

/// A CSV file's dialect as the JSON shows it.
fn csv_dialect(reading: &CsvReading) -> CsvDialect {
    let shown = |byte: u8| match byte {
        b'\t' => "\\t".to_string(),
        other => char::from(other).to_string(),
    };
    CsvDialect {
        delimiter: shown(reading.dialect.delimiter),
        quote: shown(reading.dialect.quote),
        escape: reading.dialect.escape.map(shown),
        header: reading.dialect.has_header,
        encoding: reading.dialect.encoding.name().to_string(),
        line_terminator: reading.line_terminator.to_string(),
    }
}

/// A dataset none of whose files could be read: listed with its errors, no figures.
fn empty_dataset(
    plan: &DatasetPlan,
    options: &ProfileOptions,
    mut notes: Vec<String>,
) -> DatasetMetrics {
    notes.push("no file of this dataset could be read: it has no figures".to_string());
    let mut metrics = unmeasured(plan, options, 0, notes);
    metrics.lineage.sidecar_files = plan.sidecars.clone();
    metrics
}

/// The dataset as its plan and the pass's row count describe it, before any dimension has
/// measured it: no columns, no duplicates, freshness from the newest file.
fn unmeasured(
    plan: &DatasetPlan,
    options: &ProfileOptions,
    row_count: u64,
    notes: Vec<String>,
) -> DatasetMetrics {
    let newest = plan
        .files
        .iter()
        .map(|f| f.inspection.meta.last_modified)
        .max();
    DatasetMetrics {
        name: plan.name.clone(),
        source: plan.source.clone(),
        location: plan.location.display_path(&plan.root),
        format: dataset_format(plan),
        grouping: plan.grouping.clone(),
        row_count,
        rejected_row_count: rejected_rows(plan),
        byte_count: plan.files.iter().map(|f| f.inspection.meta.size).sum(),
        schema_consistent: plan.files.iter().all(|f| f.conflict.is_none()),
        partition_columns: plan.partition_columns.clone(),
        files: file_metrics(plan, row_count),
        columns: Vec::new(),
        complete_row_fraction: None,
        duplicates: DuplicateMetrics::rows(0, row_count),
        labels: Vec::new(),
        freshness: FreshnessMetrics::without_time_column(
            options.now,
            newest,
            LagBasis::FileModified,
            newest,
        ),
        representativeness: Default::default(),
        lineage: LineageMetrics::default(),
        notes,
        schema_changes: plan
            .evolution
            .as_ref()
            .map(|evolution| evolution.changes.clone())
            .unwrap_or_default(),
    }
}
