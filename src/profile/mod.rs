//! Profiling: DataFusion passes over one planned dataset, producing its typed metrics.
//!
//! One module per readiness dimension; this one runs them and assembles [`DatasetMetrics`].
//! Passes over the rows:
//! 1. the profile pass, one aggregate that reads every column once: the completeness figures,
//!    and beside them ([`CountedInPass`]) the top values of every column with few values, the
//!    label classes, rows per day of the time column and, when their fingerprints fit in
//!    memory, the distinct rows;
//! 2. duplicate keys, with `--key`: a grouping of the key columns only;
//! 3. only where pass 1 could not count them: distinct rows (a grouping that spills, under a
//!    tight `--memory-limit`), and label classes or time buckets with more than 100,000 values.
//!
//! Invariant: a bad file never ends the profile. If a pass fails, the files are tried one by
//! one, the ones that fail are listed with their error and left out, and the pass runs again.

pub mod engine;
pub mod kernels;
pub mod value;

use crate::dimensions::completeness::profile as completeness;
use crate::dimensions::duplication::profile as duplication;
use crate::dimensions::freshness::profile as freshness;
use crate::dimensions::labels::profile as labels;
use crate::dimensions::lineage::profile as lineage;
use crate::dimensions::privacy::profile as privacy;

use kernels::{counts, keycounts};

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
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{Expr, ident};
use datafusion::prelude::DataFrame;

pub use completeness::Placeholders;
pub use engine::Engine;

use crate::error::{ReadinessError, Result};
use crate::metrics::{
    ColumnMetrics, CsvDialect, DatasetFormat, DatasetMetrics, DuplicateMetrics, FileMetrics,
    FreshnessMetrics, LagBasis, LineageMetrics, RejectedRow, TimeColumnBasis,
};
use crate::source::delimited::{CsvReading, records};
use crate::source::inventory::describe_error;
use crate::source::{DataFormat, DatasetPlan, FileInspection};
use completeness::{CompletenessPass, TOP_VALUES_MAX_DISTINCT};
use duplication::KeyFigures;
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
        let files = plan.readable_files().count();
        let bytes = plan.readable_files().map(|file| file.meta.size).sum();
        progress.dataset(&plan.name, files, bytes, estimated_rows(plan));
    }
    let started = std::time::Instant::now();
    let dataset = plan.name.clone();
    let trace = |what: &str| {
        tracing::info!(dataset = %dataset, elapsed = ?started.elapsed(), "{what}");
    };
    let mut rows_in_pass = distinct_rows_in_pass(plan, engine.memory_limit, options);
    tracing::info!(
        dataset = %plan.name,
        files = plan.readable_files().count(),
        estimated_rows = ?estimated_rows(plan),
        distinct_rows_in_pass = rows_in_pass,
        "profiling"
    );
    let (frame, pass, counted) = loop {
        let readable: Vec<_> = plan.readable_files().cloned().collect();
        if readable.is_empty() {
            return Ok(empty_dataset(plan, options, notes));
        }
        let attempt = async {
            let refs: Vec<_> = readable.iter().collect();
            let frame = engine
                .register(table, plan, &refs, &text_columns, None)
                .await?;
            let counted = CountedInPass::plan(&frame, options, rows_in_pass);
            let bounded = engine.memory_limit.is_some();
            let spread = engine::spread_for_one_pass(frame.clone(), plan.format, bounded);
            let (pass, results) =
                completeness::measure(spread, &options.placeholders, &counted.aggregates).await?;
            Ok::<_, DataFusionError>((frame, pass, counted.with_results(&results)))
        }
        .await;
        match attempt {
            Ok(done) => break done,
            Err(error) => {
                if rows_in_pass && is_out_of_memory(&error) {
                    // The distinct-row set did not fit the memory limit: a spilling grouping
                    // counts the rows instead.
                    tracing::info!(dataset = %plan.name, "distinct rows did not fit the memory limit in the profile pass: retrying with a spilling grouping");
                    rows_in_pass = false;
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
    let engine_error = |source: DataFusionError| ReadinessError::Engine {
        dataset: plan.name.clone(),
        source,
    };
    trace("profile pass");
    if let Some(progress) = &engine.progress {
        progress.rows(pass.row_count);
    }
    notes.extend(reading_notes(plan, pass.row_count));
    let mut labels = Vec::new();
    for label in &options.label_columns {
        if column_type(&pass, label).is_none() {
            notes.push(format!("label column `{label}` is not in this dataset"));
        }
    }
    for (name, data_type, classes) in counted.labels {
        let classes = match classes {
            Some(classes) => classes,
            None => {
                trace(&format!(
                    "label `{name}`: too many classes for the profile pass, grouping"
                ));
                let class = labels::class(&name, &data_type, &options.placeholders);
                completeness::grouped_value_counts(&frame, &[class])
                    .await
                    .map_err(engine_error)?
                    .pop()
                    .unwrap_or_default()
            }
        };
        labels.push(labels::measure(&name, &classes, pass.row_count));
    }
    let (mut freshness, time_column) = freshness_metrics(&pass, plan, options, &mut notes);
    if let (Some((name, data_type)), Some(width)) = (time_column, freshness.bucket_width) {
        freshness.buckets = match counted.days {
            Some(days) => freshness::roll_up(&days, width),
            None => {
                trace(&format!(
                    "time `{name}`: too many days for the profile pass, grouping"
                ));
                let bucket = freshness::bucket(&name, &data_type, width);
                let counts = completeness::grouped_value_counts(&frame, &[bucket])
                    .await
                    .map_err(engine_error)?;
                freshness::buckets(&counts.into_iter().next().unwrap_or_default())
            }
        };
        freshness.gaps = freshness::gaps(&freshness.buckets, width);
    }
    let columns = column_metrics(&pass, &counted.top_values);
    trace("labels and time buckets");
    if counted.distinct_rows.is_none() {
        trace("distinct rows not counted in the profile pass: a grouping counts them");
    }
    if counted.keys.is_none() && !options.key_columns.is_empty() {
        trace("duplicate keys not counted in the profile pass: a grouping counts them");
    }
    let in_pass = (counted.distinct_rows, counted.keys);
    let duplicates = duplicate_metrics(&frame, &pass, in_pass, options, &mut notes)
        .await
        .map_err(engine_error)?;
    trace("duplicates");

    Ok(DatasetMetrics {
        name: plan.name.clone(),
        source: plan.source.clone(),
        location: plan.location.display_path(&plan.root),
        format: dataset_format(plan),
        grouping: plan.grouping.clone(),
        row_count: pass.row_count,
        rejected_row_count: rejected_rows(plan),
        byte_count: plan.files.iter().map(|f| f.inspection.meta.size).sum(),
        schema_consistent: plan.files.iter().all(|f| f.conflict.is_none()),
        partition_columns: plan.partition_columns.clone(),
        files: file_metrics(plan, pass.row_count),
        columns,
        complete_row_fraction: fraction(pass.complete_row_count, pass.row_count),
        duplicates,
        labels,
        freshness,
        lineage: lineage::measure(plan),
        notes,
    })
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

fn fraction(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Value counts per row group of the dataset, one `(value, rows)` list each.
type Counts = Vec<(ScalarValue, u64)>;

/// What the profile pass counts beside the completeness figures, so that top values, label
/// classes, rows per day and distinct rows come from the same read of the data. Each count
/// has a limit on distinct values; one that goes past it comes back `None` and is counted
/// afterwards by a grouping that spills (labels, time buckets), or is not wanted (top values
/// of many-valued columns).
struct CountedInPass {
    /// The aggregates to add to the pass, each with the name its result is read back by.
    aggregates: Vec<(String, Expr)>,
    /// Columns whose values were counted, with their counts once the pass has run.
    top_values: Vec<(String, Option<Counts>)>,
    labels: Vec<(String, DataType, Option<Counts>)>,
    days: Option<Counts>,
    distinct_rows: Option<u64>,
    /// The declared key's figures, when it is one integer column counted in the pass.
    keys: Option<KeyFigures>,
    key_type: Option<DataType>,
}

/// The names of the aggregates [`CountedInPass`] adds to the profile pass.
fn top_values_name(column: usize) -> String {
    format!("top_values_{column}")
}
fn label_name(label: usize) -> String {
    format!("label_classes_{label}")
}
const DAYS: &str = "rows_per_day";
const DISTINCT_ROWS: &str = "distinct_rows";
const KEY_COUNTS: &str = "key_counts";

impl CountedInPass {
    fn plan(frame: &DataFrame, options: &ProfileOptions, distinct_rows: bool) -> Self {
        let fields = frame.schema().fields();
        let mut aggregates = Vec::new();
        let mut top_values = Vec::new();
        // Nested values (lists, structs, maps) have no top values to show.
        let listable = |t: &DataType| t != &DataType::Null && !t.is_nested();
        for field in fields.iter().filter(|f| listable(f.data_type())) {
            let values = ident(field.name());
            let counts = counts::value_counts(values, TOP_VALUES_MAX_DISTINCT);
            aggregates.push((top_values_name(top_values.len()), counts));
            top_values.push((field.name().clone(), None));
        }
        let mut labels = Vec::new();
        for label in &options.label_columns {
            if let Some(field) = fields.iter().find(|f| f.name() == label) {
                let class = labels::class(label, field.data_type(), &options.placeholders);
                let counts = counts::value_counts(class, counts::MAX_DISTINCT);
                aggregates.push((label_name(labels.len()), counts));
                labels.push((label.clone(), field.data_type().clone(), None));
            }
        }
        let columns = fields.iter().map(|f| (f.name().as_str(), f.data_type()));
        if let Ok((name, data_type, _)) = chosen_time_column(columns, options) {
            let day = freshness::day(name, data_type);
            aggregates.push((DAYS.into(), counts::value_counts(day, counts::MAX_DISTINCT)));
        }
        let mut key_type = None;
        if distinct_rows {
            let columns = fields.iter().map(|f| ident(f.name())).collect();
            aggregates.push((DISTINCT_ROWS.into(), duplication::distinct_rows(columns)));
            if let [key] = options.key_columns.as_slice()
                && let Some(field) = fields.iter().find(|f| f.name() == key)
                && keycounts::countable(field.data_type())
            {
                aggregates.push((KEY_COUNTS.into(), keycounts::key_counts(ident(key))));
                key_type = Some(field.data_type().clone());
            }
        }
        Self {
            aggregates,
            top_values,
            labels,
            days: None,
            distinct_rows: None,
            keys: None,
            key_type,
        }
    }

    /// Takes the pass's results for [`Self::aggregates`], each by its name.
    fn with_results(mut self, results: &completeness::PassResults) -> Self {
        for (index, (_, counts)) in self.top_values.iter_mut().enumerate() {
            *counts = results
                .extra(&top_values_name(index))
                .and_then(|r| counts::decode(r, 0));
        }
        for (index, (_, _, classes)) in self.labels.iter_mut().enumerate() {
            *classes = results
                .extra(&label_name(index))
                .and_then(|r| counts::decode(r, 0));
        }
        self.days = results.extra(DAYS).and_then(|r| counts::decode(r, 0));
        self.distinct_rows = results.extra(DISTINCT_ROWS).map(|r| value::count_at(r, 0));
        if let Some(key_type) = &self.key_type {
            self.keys = results
                .extra(KEY_COUNTS)
                .and_then(|r| keycounts::decode(r, key_type));
        }
        self
    }
}

/// Bytes per row that counting distinct rows inside the profile pass may take: a 16-byte
/// fingerprint as collected, in its sorted run, and in the runs handed to the final merge.
const DISTINCT_ROW_BYTES: u64 = 64;

/// Bytes per row that counting one integer key inside the profile pass adds: 16 bytes a key,
/// twice.
const KEY_ROW_BYTES: u64 = 32;

/// Whether distinct rows (and a single integer key's duplicates) are counted in the profile
/// pass, in memory: always without a memory limit (a grouping would hold as much), and under
/// one when what they hold fits in half of it. Otherwise separate groupings spill to disk.
fn distinct_rows_in_pass(
    plan: &DatasetPlan,
    memory_limit: Option<u64>,
    options: &ProfileOptions,
) -> bool {
    let Some(limit) = memory_limit else {
        return true;
    };
    let per_row = match options.key_columns.len() {
        1 => DISTINCT_ROW_BYTES + KEY_ROW_BYTES,
        _ => DISTINCT_ROW_BYTES,
    };
    estimated_rows(plan).is_some_and(|rows| rows.saturating_mul(per_row) <= limit / 2)
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

/// The time column freshness uses among `columns` (name, type), with how it was chosen
/// (`given`, or `auto` when it is the only timestamp or date column); otherwise the note
/// saying why there is none, if one is due.
fn chosen_time_column<'a>(
    columns: impl Iterator<Item = (&'a str, &'a DataType)> + Clone,
    options: &ProfileOptions,
) -> std::result::Result<(&'a str, &'a DataType, TimeColumnBasis), Option<String>> {
    match &options.time_column {
        Some(name) => match columns.clone().find(|(column, _)| column == name) {
            Some((column, data_type)) if is_time_type(data_type) => {
                Ok((column, data_type, TimeColumnBasis::Given))
            }
            Some((_, data_type)) => Err(Some(format!(
                "time column `{name}` holds {data_type} values, not timestamps or dates: freshness uses file times"
            ))),
            None => Err(Some(format!(
                "time column `{name}` is not in this dataset: freshness uses file times"
            ))),
        },
        None => {
            // A birth date is personal data, not when the data was made: never chosen by
            // default.
            let mut time_columns = columns.filter(|(name, data_type)| {
                is_time_type(data_type) && privacy::classify(name, &[]).is_none()
            });
            match (time_columns.next(), time_columns.next()) {
                (Some((column, data_type)), None) => Ok((column, data_type, TimeColumnBasis::Auto)),
                _ => Err(None),
            }
        }
    }
}

fn column_type(pass: &CompletenessPass, name: &str) -> Option<DataType> {
    pass.columns
        .iter()
        .find(|column| column.name == name)
        .map(|column| column.data_type.clone())
}

fn column_metrics(
    pass: &CompletenessPass,
    counted: &[(String, Option<Counts>)],
) -> Vec<ColumnMetrics> {
    let mut columns = Vec::with_capacity(pass.columns.len());
    for figures in &pass.columns {
        // Columns with at most TOP_VALUES_MAX_DISTINCT values came back with their counts.
        let top_values = counted
            .iter()
            .find(|(name, _)| name == &figures.name)
            .and_then(|(_, counts)| counts.as_deref())
            .filter(|_| pass.row_count > 0)
            .map(completeness::top_values)
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

/// Duplicate rows and keys; `in_pass` are the distinct rows and key figures the profile pass
/// counted, the rest is counted by groupings here.
async fn duplicate_metrics(
    frame: &DataFrame,
    pass: &CompletenessPass,
    in_pass: (Option<u64>, Option<KeyFigures>),
    options: &ProfileOptions,
    notes: &mut Vec<String>,
) -> datafusion::error::Result<DuplicateMetrics> {
    let (distinct_rows, keys_in_pass) = in_pass;
    let distinct_rows = match distinct_rows {
        Some(counted_in_pass) => counted_in_pass,
        None => duplication::distinct_row_count(frame.clone()).await?,
    };
    let duplicate_row_count = pass.row_count.saturating_sub(distinct_rows);
    let mut metrics = DuplicateMetrics::rows(duplicate_row_count, pass.row_count);
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
    let keys = match keys_in_pass {
        Some(counted_in_pass) => counted_in_pass,
        None => duplication::key_figures(frame.clone(), &options.key_columns).await?,
    };
    metrics.key_columns = options.key_columns.clone();
    metrics.duplicate_key_row_count = Some(keys.duplicate_key_rows);
    metrics.keys_with_duplicates = Some(keys.keys_with_duplicates);
    metrics.example_groups = keys.examples;
    Ok(metrics)
}

/// Freshness without the time buckets, and the time column to count them on when it has
/// values.
fn freshness_metrics(
    pass: &CompletenessPass,
    plan: &DatasetPlan,
    options: &ProfileOptions,
    notes: &mut Vec<String>,
) -> (FreshnessMetrics, Option<(String, DataType)>) {
    let newest_file_modified = plan
        .readable_files()
        .map(|file| file.meta.last_modified)
        .max();
    // Without an event-time column, a table's last commit is when its data last changed.
    let (basis_time, basis) = match plan.table.as_ref().and_then(|t| t.lineage.last_commit_time) {
        Some(committed) => (Some(committed), LagBasis::CommitTime),
        None => (newest_file_modified, LagBasis::FileModified),
    };
    let mut metrics =
        FreshnessMetrics::without_time_column(options.now, basis_time, basis, newest_file_modified);
    let columns = pass.columns.iter().map(|c| (c.name.as_str(), &c.data_type));
    let (name, basis) = match chosen_time_column(columns, options) {
        Ok((name, _, basis)) => (name, basis),
        Err(note) => {
            notes.extend(note);
            return (metrics, None);
        }
    };
    let Some(column) = pass.columns.iter().find(|c| c.name == name) else {
        return (metrics, None);
    };
    metrics.time_column = Some(column.name.clone());
    metrics.time_column_basis = Some(basis);
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
    metrics.lag_basis = Some(LagBasis::EventTime);
    metrics.bucket_width = Some(width);
    (
        metrics,
        Some((column.name.clone(), column.data_type.clone())),
    )
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
        row_count: 0,
        rejected_row_count: 0,
        byte_count: plan.files.iter().map(|f| f.inspection.meta.size).sum(),
        schema_consistent: plan.files.iter().all(|f| f.conflict.is_none()),
        partition_columns: plan.partition_columns.clone(),
        files: file_metrics(plan, 0),
        columns: Vec::new(),
        complete_row_fraction: None,
        duplicates: DuplicateMetrics::rows(0, 0),
        labels: Vec::new(),
        freshness: FreshnessMetrics::without_time_column(
            options.now,
            newest,
            LagBasis::FileModified,
            newest,
        ),
        lineage: LineageMetrics {
            sidecar_files: plan.sidecars.clone(),
            ..LineageMetrics::default()
        },
        notes,
    }
}
