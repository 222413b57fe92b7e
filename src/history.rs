//! History: every run appends its headline metrics per dataset to a store of Parquet files (a
//! local folder or an object-storage prefix); later runs read them back for trends and for the
//! checks on history.
//!
//! Invariants: the store is append-only (one new file per run, named by its run time, nothing
//! rewritten); the run being evaluated is never part of its own baseline (only runs strictly
//! older than it are read as history); a history file that cannot be read is skipped and named,
//! never fatal.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use datafusion::arrow::array::{
    Array, ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
    UInt64Array,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::{Deserialize, Serialize};

use crate::error::{ReadinessError, Result};
use crate::humanize::{human_duration, percent, thousands};
use crate::metrics::{DatasetMetrics, ScanResult, SourceFailure, rfc3339};
use crate::report::output::Target;
use crate::source::stores::StorageOptions;

/// Runs shown per dataset in the JSON and the report's trend charts (this run included).
pub const TREND_RUNS: usize = 20;

/// The figures kept per run and dataset, and trended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    RowCount,
    Completeness,
    DuplicateRowFraction,
    LabelCoverage,
    FreshnessLagSeconds,
}

/// Trended metrics, in report order.
pub const METRICS: &[Metric] = &[
    Metric::RowCount,
    Metric::Completeness,
    Metric::DuplicateRowFraction,
    Metric::LabelCoverage,
    Metric::FreshnessLagSeconds,
];

impl Metric {
    /// The metric's name in JSON, check scopes (`columns = ["row_count"]`) and the store.
    pub fn name(self) -> &'static str {
        match self {
            Self::RowCount => "row_count",
            Self::Completeness => "completeness",
            Self::DuplicateRowFraction => "duplicate_row_fraction",
            Self::LabelCoverage => "label_coverage",
            Self::FreshnessLagSeconds => "freshness_lag_seconds",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::RowCount => "rows",
            Self::Completeness => "completeness",
            Self::DuplicateRowFraction => "duplicate rows",
            Self::LabelCoverage => "label coverage",
            Self::FreshnessLagSeconds => "freshness lag",
        }
    }

    /// A value of this metric as people read it: `1,000`, `97.5%`, `3d 4h`.
    pub fn show(self, value: f64) -> String {
        match self {
            Self::RowCount => thousands(value.round() as u64),
            Self::FreshnessLagSeconds => human_duration(value.round() as i64),
            _ => percent(Some(value)),
        }
    }

    pub fn of(self, run: &RunRecord) -> Option<f64> {
        match self {
            Self::RowCount => Some(run.row_count as f64),
            Self::Completeness => run.completeness,
            Self::DuplicateRowFraction => run.duplicate_row_fraction,
            Self::LabelCoverage => run.label_coverage,
            Self::FreshnessLagSeconds => run.freshness_lag_seconds.map(|s| s as f64),
        }
    }
}

/// One dataset's headline figures in one run: a row of the history store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RunRecord {
    #[serde(serialize_with = "rfc3339")]
    pub run_at: DateTime<Utc>,
    pub dataset: String,
    pub row_count: u64,
    pub file_count: u64,
    /// Mean of the columns' `completeness`.
    pub completeness: Option<f64>,
    pub complete_row_fraction: Option<f64>,
    pub duplicate_row_fraction: Option<f64>,
    /// Share of rows repeating a key (`null` without a key).
    pub duplicate_key_fraction: Option<f64>,
    /// The lowest coverage among the label columns (`null` without a label).
    pub label_coverage: Option<f64>,
    pub freshness_lag_seconds: Option<i64>,
    /// `ready`, `needs_work` or `not_ready`, once the run was assessed.
    pub verdict: Option<crate::check::Verdict>,
}

impl RunRecord {
    pub fn of(dataset: &DatasetMetrics, run_at: DateTime<Utc>) -> Self {
        let completeness: Vec<f64> = dataset
            .columns
            .iter()
            .filter_map(|c| c.completeness)
            .collect();
        Self {
            run_at,
            dataset: dataset.name.clone(),
            row_count: dataset.row_count,
            file_count: dataset.files.iter().filter(|f| f.error.is_none()).count() as u64,
            completeness: (!completeness.is_empty())
                .then(|| completeness.iter().sum::<f64>() / completeness.len() as f64),
            complete_row_fraction: dataset.complete_row_fraction,
            duplicate_row_fraction: dataset.duplicates.duplicate_row_fraction,
            duplicate_key_fraction: dataset
                .duplicates
                .duplicate_key_row_count
                .filter(|_| dataset.row_count > 0)
                .map(|n| n as f64 / dataset.row_count as f64),
            label_coverage: dataset
                .labels
                .iter()
                .filter_map(|l| l.coverage)
                .min_by(f64::total_cmp),
            freshness_lag_seconds: dataset.freshness.lag_seconds,
            verdict: None,
        }
    }
}

/// What the history says about this run: the JSON's `history` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct History {
    /// The store, credentials removed.
    pub location: String,
    /// Earlier runs found in the store (any dataset).
    pub previous_runs: usize,
    pub datasets: Vec<DatasetHistory>,
    /// History files that could not be read and were left out.
    pub unreadable_files: Vec<SourceFailure>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DatasetHistory {
    pub dataset: String,
    /// The last runs of this dataset, oldest first, ending with this run (at most
    /// [`TREND_RUNS`]).
    pub runs: Vec<RunRecord>,
    /// This run against the previous one (`null` on a dataset's first run).
    pub change: Option<Change>,
    /// Every earlier run of this dataset, oldest first: the baseline of the history checks.
    #[serde(skip)]
    pub earlier: Vec<RunRecord>,
}

/// This run minus the previous run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Change {
    #[serde(serialize_with = "rfc3339")]
    pub previous_run_at: DateTime<Utc>,
    pub row_count: i64,
    /// `row_count` change as a share of the previous row count.
    pub row_count_relative: Option<f64>,
    pub completeness: Option<f64>,
    pub duplicate_row_fraction: Option<f64>,
    pub label_coverage: Option<f64>,
    pub freshness_lag_seconds: Option<i64>,
}

impl DatasetHistory {
    pub fn current(&self) -> &RunRecord {
        self.runs
            .last()
            .expect("a dataset history ends with this run")
    }

    pub fn previous(&self) -> Option<&RunRecord> {
        self.earlier.last()
    }
}

/// Where history lives: a local folder or an object-storage prefix.
pub struct Store {
    target: Target,
}

impl Store {
    pub fn new(location: &str) -> Result<Self> {
        let target = Target::parse(location)?;
        if target.is_stdout() {
            return Err(ReadinessError::InvalidArgument {
                flag: "--history",
                message: "history needs a folder or an object-storage prefix, not `-`".into(),
            });
        }
        Ok(Self { target })
    }

    /// Reads every earlier run in the store: the records, and the files that could not be read.
    pub async fn load(
        &self,
        options: &StorageOptions,
    ) -> Result<(Vec<RunRecord>, Vec<SourceFailure>)> {
        let files = self
            .target
            .read_all(options, is_history_file)
            .await
            .map_err(|error| ReadinessError::History {
                location: self.target.to_string(),
                message: error.to_string(),
            })?;
        let mut records = Vec::new();
        let mut unreadable = Vec::new();
        for (name, bytes) in files {
            match decode(bytes) {
                Ok(mut found) => records.append(&mut found),
                Err(error) => unreadable.push(SourceFailure {
                    source: name,
                    error: error.to_string(),
                }),
            }
        }
        records.sort_by(|a, b| (a.run_at, &a.dataset).cmp(&(b.run_at, &b.dataset)));
        Ok((records, unreadable))
    }

    /// Appends this run's records as one new file named by the run time.
    pub async fn append(&self, records: &[RunRecord], options: &StorageOptions) -> Result<()> {
        let Some(first) = records.first() else {
            return Ok(());
        };
        let name = format!(
            "run-{}-{}.parquet",
            first.run_at.format("%Y%m%dT%H%M%S%.6fZ"),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let bytes = encode(records).map_err(|message| ReadinessError::History {
            location: self.target.to_string(),
            message,
        })?;
        self.target
            .join(&name)
            .write_bytes(bytes, options)
            .await
            .map_err(|error| ReadinessError::History {
                location: self.target.to_string(),
                message: error.to_string(),
            })
    }

    pub fn location(&self) -> String {
        self.target.to_string()
    }
}

/// A file [`Store::append`] wrote: `run-<time>-<id>.parquet`. Nothing else in the folder is
/// read.
fn is_history_file(name: &str) -> bool {
    name.starts_with("run-") && name.ends_with(".parquet") && !name.contains('/')
}

/// The history of this run's datasets: earlier runs (strictly older than this one) and this run.
pub fn trend(
    location: String,
    earlier: Vec<RunRecord>,
    unreadable_files: Vec<SourceFailure>,
    result: &ScanResult,
) -> History {
    let run_at = result.scanned_at;
    let earlier: Vec<RunRecord> = earlier.into_iter().filter(|r| r.run_at < run_at).collect();
    let previous_runs = {
        let mut times: Vec<_> = earlier.iter().map(|r| r.run_at).collect();
        times.dedup();
        times.len()
    };
    let datasets = result
        .datasets
        .iter()
        .map(|dataset| {
            let current = RunRecord::of(dataset, run_at);
            let own: Vec<RunRecord> = earlier
                .iter()
                .filter(|r| r.dataset == dataset.name)
                .cloned()
                .collect();
            let change = own.last().map(|previous| change(previous, &current));
            let shown = own.len().saturating_sub(TREND_RUNS - 1);
            let mut runs = own[shown..].to_vec();
            runs.push(current);
            DatasetHistory {
                dataset: dataset.name.clone(),
                runs,
                change,
                earlier: own,
            }
        })
        .collect();
    History {
        location,
        previous_runs,
        datasets,
        unreadable_files,
    }
}

fn change(previous: &RunRecord, current: &RunRecord) -> Change {
    let delta = |a: Option<f64>, b: Option<f64>| Some(b? - a?);
    Change {
        previous_run_at: previous.run_at,
        row_count: current.row_count as i64 - previous.row_count as i64,
        row_count_relative: (previous.row_count > 0).then(|| {
            (current.row_count as f64 - previous.row_count as f64) / previous.row_count as f64
        }),
        completeness: delta(previous.completeness, current.completeness),
        duplicate_row_fraction: delta(
            previous.duplicate_row_fraction,
            current.duplicate_row_fraction,
        ),
        label_coverage: delta(previous.label_coverage, current.label_coverage),
        freshness_lag_seconds: current
            .freshness_lag_seconds
            .zip(previous.freshness_lag_seconds)
            .map(|(c, p)| c - p),
    }
}

fn schema() -> Arc<Schema> {
    let float = |name| Field::new(name, DataType::Float64, true);
    Arc::new(Schema::new(vec![
        Field::new(
            "run_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("dataset", DataType::Utf8, false),
        Field::new("row_count", DataType::UInt64, false),
        Field::new("file_count", DataType::UInt64, false),
        float("completeness"),
        float("complete_row_fraction"),
        float("duplicate_row_fraction"),
        float("duplicate_key_fraction"),
        float("label_coverage"),
        Field::new("freshness_lag_seconds", DataType::Int64, true),
        Field::new("verdict", DataType::Utf8, true),
    ]))
}

fn encode(records: &[RunRecord]) -> std::result::Result<Bytes, String> {
    let floats = |get: fn(&RunRecord) -> Option<f64>| -> ArrayRef {
        Arc::new(records.iter().map(get).collect::<Float64Array>())
    };
    let columns: Vec<ArrayRef> = vec![
        Arc::new(
            records
                .iter()
                .map(|r| Some(r.run_at.timestamp_micros()))
                .collect::<TimestampMicrosecondArray>()
                .with_timezone("UTC"),
        ),
        Arc::new(
            records
                .iter()
                .map(|r| Some(r.dataset.as_str()))
                .collect::<StringArray>(),
        ),
        Arc::new(
            records
                .iter()
                .map(|r| Some(r.row_count))
                .collect::<UInt64Array>(),
        ),
        Arc::new(
            records
                .iter()
                .map(|r| Some(r.file_count))
                .collect::<UInt64Array>(),
        ),
        floats(|r| r.completeness),
        floats(|r| r.complete_row_fraction),
        floats(|r| r.duplicate_row_fraction),
        floats(|r| r.duplicate_key_fraction),
        floats(|r| r.label_coverage),
        Arc::new(
            records
                .iter()
                .map(|r| r.freshness_lag_seconds)
                .collect::<Int64Array>(),
        ),
        Arc::new(
            records
                .iter()
                .map(|r| r.verdict.map(crate::check::Verdict::name))
                .collect::<StringArray>(),
        ),
    ];
    let batch = RecordBatch::try_new(schema(), columns).map_err(|e| e.to_string())?;
    let mut buffer = Vec::new();
    let mut writer =
        ArrowWriter::try_new(&mut buffer, schema(), None).map_err(|e| e.to_string())?;
    writer.write(&batch).map_err(|e| e.to_string())?;
    writer.close().map_err(|e| e.to_string())?;
    Ok(Bytes::from(buffer))
}

/// Reads a history file. Columns are found by name and cast to the expected type; a column
/// an older file lacks reads as null.
fn decode(bytes: Bytes) -> std::result::Result<Vec<RunRecord>, String> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
        .and_then(|builder| builder.build())
        .map_err(|e| e.to_string())?;
    let mut records = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| e.to_string())?;
        let column = |name: &str, to: &DataType| -> std::result::Result<Option<ArrayRef>, String> {
            batch
                .column_by_name(name)
                .map(|c| cast(c, to).map_err(|e| format!("column `{name}`: {e}")))
                .transpose()
        };
        let required = |name: &str, to: &DataType| {
            column(name, to)?.ok_or_else(|| format!("no column `{name}`"))
        };
        let micros = DataType::Timestamp(TimeUnit::Microsecond, None);
        let run_at = required("run_at", &micros)?;
        let run_at = downcast::<TimestampMicrosecondArray>(&run_at);
        let dataset = required("dataset", &DataType::Utf8)?;
        let dataset = downcast::<StringArray>(&dataset);
        let unsigned = |name| -> std::result::Result<Option<ArrayRef>, String> {
            column(name, &DataType::UInt64)
        };
        let row_count = unsigned("row_count")?;
        let file_count = unsigned("file_count")?;
        let floats: Vec<Option<ArrayRef>> = [
            "completeness",
            "complete_row_fraction",
            "duplicate_row_fraction",
            "duplicate_key_fraction",
            "label_coverage",
        ]
        .into_iter()
        .map(|name| column(name, &DataType::Float64))
        .collect::<std::result::Result<_, _>>()?;
        let lag = column("freshness_lag_seconds", &DataType::Int64)?;
        let verdict = column("verdict", &DataType::Utf8)?;
        let u64_at = |array: &Option<ArrayRef>, row| {
            array
                .as_ref()
                .map(downcast::<UInt64Array>)
                .filter(|a| a.is_valid(row))
                .map(|a| a.value(row))
        };
        let f64_at = |index: usize, row| {
            floats[index]
                .as_ref()
                .map(downcast::<Float64Array>)
                .filter(|a| a.is_valid(row))
                .map(|a| a.value(row))
        };
        for row in 0..batch.num_rows() {
            if run_at.is_null(row) || dataset.is_null(row) {
                continue;
            }
            let Some(time) = Utc.timestamp_micros(run_at.value(row)).single() else {
                continue;
            };
            records.push(RunRecord {
                run_at: time,
                dataset: dataset.value(row).to_string(),
                row_count: u64_at(&row_count, row).unwrap_or(0),
                file_count: u64_at(&file_count, row).unwrap_or(0),
                completeness: f64_at(0, row),
                complete_row_fraction: f64_at(1, row),
                duplicate_row_fraction: f64_at(2, row),
                duplicate_key_fraction: f64_at(3, row),
                label_coverage: f64_at(4, row),
                freshness_lag_seconds: lag
                    .as_ref()
                    .map(downcast::<Int64Array>)
                    .filter(|a| a.is_valid(row))
                    .map(|a| a.value(row)),
                verdict: verdict
                    .as_ref()
                    .map(downcast::<StringArray>)
                    .filter(|a| a.is_valid(row))
                    .and_then(|a| crate::check::Verdict::from_name(a.value(row))),
            });
        }
    }
    Ok(records)
}

fn downcast<T: 'static>(array: &ArrayRef) -> &T {
    array
        .as_any()
        .downcast_ref::<T>()
        .expect("cast produced the requested type")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(dataset: &str, day: u32, rows: u64) -> RunRecord {
        RunRecord {
            run_at: Utc.with_ymd_and_hms(2026, 11, day, 0, 0, 0).unwrap(),
            dataset: dataset.into(),
            row_count: rows,
            file_count: 1,
            completeness: Some(0.9),
            complete_row_fraction: None,
            duplicate_row_fraction: Some(0.01),
            duplicate_key_fraction: None,
            label_coverage: None,
            freshness_lag_seconds: Some(86_400),
            verdict: Some(crate::check::Verdict::NeedsWork),
        }
    }

    #[test]
    fn records_round_trip_through_parquet() {
        let records = vec![record("a", 1, 10), record("b", 2, 20)];
        let bytes = encode(&records).unwrap();
        assert_eq!(decode(bytes).unwrap(), records);
        assert!(decode(Bytes::from_static(b"not parquet")).is_err());
    }
}
