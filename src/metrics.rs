//! The measured result of a scan: plain data, serialised as the public JSON contract.
//!
//! `schema_version` 1. The field names here are the glossary of `../shared/STYLE.md` and are a
//! public API read by scheduled jobs: never rename or repurpose a field; add new ones instead, and
//! bump [`SCHEMA_VERSION`] only for a change that breaks readers. Every list is in a
//! deterministic order (datasets and files by path, columns in schema order, counts by count
//! descending then value) so two scans of the same data give byte-identical JSON.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// Version of the JSON document's shape.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScanResult {
    pub schema_version: u32,
    pub tool: Tool,
    #[serde(serialize_with = "rfc3339")]
    pub scanned_at: DateTime<Utc>,
    /// What was asked for, so a reader can reproduce the run.
    pub parameters: ScanParameters,
    pub datasets: Vec<DatasetMetrics>,
    /// Sources that could not be read at all (the others were still profiled).
    pub unreadable_sources: Vec<SourceFailure>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Tool {
    /// This build of readiness.
    pub fn this() -> Self {
        Self {
            name: env!("CARGO_PKG_NAME").to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ScanParameters {
    pub sources: Vec<String>,
    pub key_columns: Vec<String>,
    pub label_columns: Vec<String>,
    /// Columns left out when looking for near-duplicate rows (`--ignore`).
    #[serde(default)]
    pub ignored_columns: Vec<String>,
    pub time_column: Option<String>,
    pub placeholders: Vec<String>,
    pub format: Option<String>,
    /// `auto`, `one-dataset` or `each`.
    pub grouping: crate::source::plan::Grouping,
    /// False with `--no-samples`: no value from the data appears in the output.
    pub samples: bool,
    /// The project config of `readiness run` (`null` for `readiness scan`).
    #[serde(default)]
    pub config: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SourceFailure {
    pub source: String,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DatasetMetrics {
    pub name: String,
    pub source: String,
    /// Where the dataset's files are: its folder or file (an absolute path, or a URL without
    /// credentials).
    #[serde(default)]
    pub location: String,
    /// `parquet`, `csv`, `json` (NDJSON) or `delta` (a Delta Lake table).
    pub format: DatasetFormat,
    /// Why the files were grouped this way (the rule that applied).
    pub grouping: String,
    /// Rows in the files that could be read.
    pub row_count: u64,
    /// CSV rows left out of the figures because they could not be read as rows (wrong number
    /// of fields, unclosed quote, undecodable bytes); each file lists its own. 0 for Parquet.
    #[serde(default)]
    pub rejected_row_count: u64,
    /// Bytes of every data file, readable or not.
    pub byte_count: u64,
    /// True when every file's schema agrees with the dataset's.
    pub schema_consistent: bool,
    /// Hive-style `key=value` folder names turned into columns.
    pub partition_columns: Vec<String>,
    pub files: Vec<FileMetrics>,
    pub columns: Vec<ColumnMetrics>,
    /// Share of rows in which every column is present (`null` for an empty dataset).
    pub complete_row_fraction: Option<f64>,
    pub duplicates: DuplicateMetrics,
    pub labels: Vec<LabelMetrics>,
    pub freshness: FreshnessMetrics,
    /// Whether the oldest rows still describe the newest: the oldest and newest windows of
    /// the time column compared.
    #[serde(default)]
    pub representativeness: Representativeness,
    pub lineage: LineageMetrics,
    /// Decisions the scan took about this dataset that a reader should know
    /// (e.g. a CSV column read as text because of a late non-numeric value).
    pub notes: Vec<String>,
    /// How the columns changed across the dataset's files (a column added, dropped, widened or
    /// narrowed), in file order; absent from the JSON when every file has the same columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schema_changes: Vec<SchemaChange>,
}

impl DatasetMetrics {
    /// The column named `name`, found through `positions` ([`Self::column_positions`]).
    pub fn column_mut(
        &mut self,
        positions: &std::collections::HashMap<String, usize>,
        name: &str,
    ) -> Option<&mut ColumnMetrics> {
        positions
            .get(name)
            .and_then(|&position| self.columns.get_mut(position))
    }

    /// Each column's position in [`Self::columns`], by name: for a step that sets a figure on
    /// every column (a search per column would cost columns squared on a wide table).
    pub fn column_positions(&self) -> std::collections::HashMap<String, usize> {
        self.columns
            .iter()
            .enumerate()
            .map(|(position, column)| (column.name.clone(), position))
            .collect()
    }
}

/// One change to a dataset's columns, and where it is first seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SchemaChange {
    pub column: String,
    pub change: crate::source::evolution::ChangeKind,
    /// The column's type before the change (`widened`, `narrowed`, `dropped`).
    pub from_type: Option<String>,
    /// The column's type from this file on (`added`, `widened`, `narrowed`).
    pub to_type: Option<String>,
    /// The first file that shows the change.
    pub file: String,
    /// That file's hive partition (`month=3`), where it has one.
    pub partition: Option<String>,
    /// That file's modification time.
    #[serde(serialize_with = "rfc3339")]
    pub modified: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FileMetrics {
    pub path: String,
    pub byte_count: u64,
    pub row_count: Option<u64>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub last_modified: Option<DateTime<Utc>>,
    /// The Parquet footer's `created_by` (the writer); `null` for CSV.
    pub created_by: Option<String>,
    /// False when this file's schema conflicts with the dataset's.
    pub schema_matches: bool,
    /// Why the file was left out of the figures, if it was.
    pub error: Option<String>,
    /// The line (CSV) where the error was found, where known.
    pub error_line: Option<u64>,
    /// How a CSV file is written, as detected (or forced); `null` for Parquet.
    #[serde(default)]
    pub csv_dialect: Option<CsvDialect>,
    /// CSV rows of this file left out of the figures; `null` for Parquet.
    #[serde(default)]
    pub rejected_row_count: Option<u64>,
    /// The first 20 rejected rows, in file order.
    #[serde(default)]
    pub rejected_rows: Vec<RejectedRow>,
}

/// How a CSV file is written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CsvDialect {
    /// The field delimiter (`,` `;` `\t` `|` ...).
    pub delimiter: String,
    /// The quote character.
    pub quote: String,
    /// The character escaping a quote inside a quoted field; `null` when quotes are doubled
    /// (RFC 4180).
    pub escape: Option<String>,
    /// Whether the first line is a header (false: columns are named `column_1`, ...).
    pub header: bool,
    /// The text encoding (`UTF-8`, `windows-1252`, `UTF-16LE`, ...).
    pub encoding: String,
    /// `lf`, `crlf`, `cr`, `mixed` or `none` (one line), from the file's first 64 KiB.
    pub line_terminator: String,
}

/// A CSV row that could not be read as a row, left out of the figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RejectedRow {
    /// The line the row starts on (1 is the first line of the file).
    pub line: u64,
    /// Where the row starts, in bytes of the file's text (as decoded to UTF-8, decompressed).
    pub byte_offset: u64,
    pub kind: crate::source::delimited::RejectKind,
    /// The row's fields joined by the delimiter, cut to 120 characters; values of
    /// personal-data columns and values that look like personal data masked; `null` with
    /// `--no-samples`.
    pub excerpt: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ColumnMetrics {
    pub name: String,
    pub data_type: String,
    /// NULLs the data holds (rows of files that do not have the column are `absent_count`,
    /// not NULL).
    pub null_count: u64,
    /// Rows from files that do not have this column at all (a column added or dropped over
    /// the table's history); absent from the JSON when every file has it. Completeness is over
    /// the other rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absent_count: Option<u64>,
    pub nan_count: u64,
    pub empty_count: u64,
    pub placeholder_count: u64,
    /// Share of values that are none of null, NaN, empty, placeholder (`null` with no rows).
    pub completeness: Option<f64>,
    pub distinct_count: u64,
    pub distinct_is_approximate: bool,
    pub min: Option<Value>,
    pub max: Option<Value>,
    /// Most frequent values, for low-cardinality columns only (empty otherwise).
    pub top_values: Vec<ValueCount>,
    /// The kind of personal data the column looks like (`e-mail`, `phone`, ...), from its name
    /// or its values. Sample values (`min`, `max`, `top_values`) of such columns are masked.
    pub personal_data: Option<String>,
    /// Values of the whole column that are, or contain, personal data (text columns with at
    /// least one match only; absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_values: Option<PersonalValues>,
    /// How the column's numbers are spread: numeric columns with values only (absent
    /// otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution: Option<NumericDistribution>,
    /// How the column's values are written: text columns only (absent for other types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formats: Option<TextFormats>,
}

/// How a text column's present values are written (format consistency). Every count is over
/// the whole column, from the profile pass.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TextFormats {
    /// Present values (not null, blank or a placeholder), the whole of the counts below.
    pub value_count: u64,
    /// Values per shape, most first (ties by shape); shapes no value has are left out.
    pub shapes: Vec<ShapeCount>,
    /// Values that are dates, in any of the date shapes.
    pub date_count: u64,
    /// Date values not written in the column's most common date format (0 with one format).
    pub minority_date_format_count: u64,
    /// Numbers written with thousands separators or with a unit or currency: numbers stored
    /// as text.
    pub formatted_number_count: u64,
    /// Values that differ from another value of the column only by case, accents or
    /// whitespace, grouped (most rows first); `null` when the column has more than
    /// 1,000 distinct values, so it was not assessed.
    pub variant_groups: Option<Vec<VariantGroup>>,
    /// Rows whose value is not its group's most common spelling (`null` when not assessed).
    pub variant_row_count: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ShapeCount {
    pub shape: Shape,
    /// For date shapes, the format as a reader would spell it (`DD/MM/YYYY or MM/DD/YYYY`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    pub count: u64,
}

/// Spellings of one value: equal once case, accents and whitespace are set aside.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct VariantGroup {
    /// The spelling they share: lower case, accents removed, whitespace collapsed.
    pub normalized: String,
    /// Each spelling with its rows, most first.
    pub variants: Vec<ValueCount>,
}

/// How a text value is written. The codes are stable within one scan only.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    /// None of the others: words, codes, identifiers, prose.
    Text,
    /// `42`, `-7`.
    Integer,
    /// `3.14`, `-0.5`, `1e6`.
    Decimal,
    /// `true`, `false`, `yes`, `no` in any case.
    Boolean,
    /// `2024-01-05T10:00:00Z`, `2024-01-05 10:00`.
    Timestamp,
    /// `2024-01-05`.
    DateIso,
    /// `2024/01/05`.
    DateYearFirstSlash,
    /// `05/01/2024` (day or month first: both read the same way).
    DateYearLastSlash,
    /// `05.01.2024`.
    DateYearLastDot,
    /// `05-01-2024`.
    DateYearLastDash,
    /// `Jan 5, 2024`, `January 5 2024`.
    DateMonthName,
    /// `5 Jan 2024`, `5 January 2024`.
    DateDayMonthName,
    /// `1,234`, `1.234.567,50`, `12 345`: a number with thousands separators.
    GroupedNumber,
    /// `12 kg`, `5%`, `€30`, `EUR 1,200`: a number with a unit or currency.
    NumberWithUnit,
}

impl Shape {
    pub const ALL: [Shape; 14] = [
        Shape::Text,
        Shape::Integer,
        Shape::Decimal,
        Shape::Boolean,
        Shape::Timestamp,
        Shape::DateIso,
        Shape::DateYearFirstSlash,
        Shape::DateYearLastSlash,
        Shape::DateYearLastDot,
        Shape::DateYearLastDash,
        Shape::DateMonthName,
        Shape::DateDayMonthName,
        Shape::GroupedNumber,
        Shape::NumberWithUnit,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }

    pub fn from_code(code: u8) -> Option<Shape> {
        Shape::ALL.get(usize::from(code)).copied()
    }

    /// The date format a date shape is written in, as a reader would spell it.
    pub fn date_pattern(self) -> Option<&'static str> {
        Some(match self {
            Shape::DateIso => "YYYY-MM-DD",
            Shape::DateYearFirstSlash => "YYYY/MM/DD",
            Shape::DateYearLastSlash => "DD/MM/YYYY or MM/DD/YYYY",
            Shape::DateYearLastDot => "DD.MM.YYYY",
            Shape::DateYearLastDash => "DD-MM-YYYY or MM-DD-YYYY",
            Shape::DateMonthName => "Mon D, YYYY",
            Shape::DateDayMonthName => "D Mon YYYY",
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ValueCount {
    pub value: Value,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DuplicateMetrics {
    /// Rows minus distinct rows, over all columns, NULLs equal. Exact.
    pub duplicate_row_count: u64,
    pub duplicate_row_fraction: Option<f64>,
    pub key_columns: Vec<String>,
    /// Rows minus distinct key tuples (`null` without `--key`).
    pub duplicate_key_row_count: Option<u64>,
    /// Key tuples that occur more than once (`null` without `--key`).
    pub keys_with_duplicates: Option<u64>,
    /// A few of the most repeated keys.
    pub example_groups: Vec<DuplicateKeyGroup>,
    /// Rows equal to another once text is normalised and identifier and metadata columns are
    /// set aside (`null` for a dataset that was not profiled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub near_duplicates: Option<NearDuplicates>,
}

/// Near-duplicate rows: equal after normalising text (Unicode compatibility decomposition,
/// accents dropped, lower case, punctuation and runs of whitespace as one space) and leaving
/// out the columns in `ignored_columns`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NearDuplicates {
    /// The columns compared.
    pub compared_columns: Vec<String>,
    /// Left out: the declared key, columns named like identifiers (`id`, `*_id`, `*Id`,
    /// `uuid`, `*_uuid`, `guid`, `*_key`) or ingestion metadata (`_*`, load/ingest/etl/batch
    /// times and ids), and `--ignore`.
    pub ignored_columns: Vec<String>,
    /// Rows that repeat another only after normalising: rows minus the distinct normalised
    /// rows, less the exact duplicate rows (those stay in `duplicate_row_count`).
    pub near_duplicate_row_count: u64,
    pub near_duplicate_row_fraction: Option<f64>,
    /// The largest groups of rows equal after normalising (exact copies included), their
    /// normalised values in the order of `compared_columns`.
    pub example_groups: Vec<NearDuplicateGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NearDuplicateGroup {
    pub values: Vec<Value>,
    pub count: u64,
}

impl DuplicateMetrics {
    /// Duplicate rows only (no key declared, or none measured yet).
    pub fn rows(duplicate_row_count: u64, row_count: u64) -> Self {
        Self {
            duplicate_row_count,
            duplicate_row_fraction: (row_count > 0)
                .then(|| duplicate_row_count as f64 / row_count as f64),
            key_columns: Vec::new(),
            duplicate_key_row_count: None,
            keys_with_duplicates: None,
            example_groups: Vec::new(),
            near_duplicates: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DuplicateKeyGroup {
    pub key: Vec<Value>,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LabelMetrics {
    pub column: String,
    pub labelled_count: u64,
    pub coverage: Option<f64>,
    /// Usable class values, most frequent first.
    pub classes: Vec<ValueCount>,
    /// Majority class count / minority class count (`null` with fewer than one class).
    pub imbalance_ratio: Option<f64>,
    /// Class values that differ only by case, accents or whitespace (`high`, `HIGH`).
    #[serde(default)]
    pub spelling_variants: Vec<VariantGroup>,
    /// Labelled rows in a less common spelling of their class.
    #[serde(default)]
    pub spelling_variant_row_count: u64,
    /// Labelled rows per time bucket of the dataset's time column (`null` without one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over_time: Option<LabelsOverTime>,
    /// Labelled rows whose other columns (identifier and load columns aside) equal those of
    /// a row with a different class (`null` when not measured: no other columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflicting_row_count: Option<u64>,
    /// Groups of identical feature rows with more than one class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflicting_groups: Option<u64>,
    /// Columns that may give the label away, with the evidence (strength at least 0.5),
    /// strongest first. Suspects, not proof: a data owner decides.
    #[serde(default)]
    pub leakage_suspects: Vec<LeakageEvidence>,
}

/// Why a column is suspected of leaking the label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LeakageEvidence {
    pub column: String,
    pub rule: LeakageRule,
    /// From 0 (no sign) to 1 (the column gives the label away), by the rule.
    pub strength: f64,
    /// The rows the figures are over.
    pub rows: u64,
    /// `value_purity`: the share of labelled rows whose class is the most common one of their
    /// value; `filled_with_label`: the share of labelled rows in which the column is filled;
    /// `after_time`: the share of labelled rows whose value is later than the time column's.
    pub observed: f64,
    /// What `observed` is weighed against: the majority class's share (`value_purity`), the
    /// share of unlabelled rows in which the column is filled (`filled_with_label`), 0
    /// (`after_time`).
    pub baseline: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeakageRule {
    /// Each value of the column nearly always comes with one class: strength is how much of
    /// the gap between the majority class's share and 1 the values close.
    ValuePurity,
    /// The column is filled when the label is set and empty when it is not: strength is
    /// 1 - (fill rate without a label / fill rate with one).
    FilledWithLabel,
    /// A time later than the row's time (the time column): known only after the event.
    AfterTime,
}

/// Label coverage over the time column: recent buckets without labels show a label delay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LabelsOverTime {
    pub bucket_width: BucketWidth,
    /// Oldest first; buckets without rows left out.
    pub buckets: Vec<LabelBucket>,
    /// Days from the newest labelled row's day to the newest row's day (`null` with no
    /// labelled row).
    pub label_delay_days: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LabelBucket {
    #[serde(serialize_with = "rfc3339")]
    pub start: DateTime<Utc>,
    pub rows: u64,
    pub labelled: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FreshnessMetrics {
    pub time_column: Option<String>,
    /// How the time column was chosen: `given` (`--time`), `auto` (the only time column), or `null`.
    pub time_column_basis: Option<TimeColumnBasis>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub min_time: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub max_time: Option<DateTime<Utc>>,
    /// Scan time minus `max_time`, or minus `newest_file_modified` when there is no time column.
    pub lag_seconds: Option<i64>,
    /// `event_time`, `commit_time` (a lakehouse table's last commit, when there is no time
    /// column) or `file_modified`: what `lag_seconds` is measured from.
    pub lag_basis: Option<LagBasis>,
    /// `day`, `week` or `month`, chosen from the span of the time column.
    pub bucket_width: Option<BucketWidth>,
    pub buckets: Vec<TimeBucket>,
    /// Runs of empty buckets between `min_time` and `max_time`.
    pub gaps: Vec<TimeGap>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub newest_file_modified: Option<DateTime<Utc>>,
}

impl FreshnessMetrics {
    /// Freshness without a time column: the lag since `basis_time` (the newest file, or a
    /// table's last commit).
    pub fn without_time_column(
        now: DateTime<Utc>,
        basis_time: Option<DateTime<Utc>>,
        basis: LagBasis,
        newest_file_modified: Option<DateTime<Utc>>,
    ) -> Self {
        Self {
            time_column: None,
            time_column_basis: None,
            min_time: None,
            max_time: None,
            lag_seconds: basis_time.map(|at| (now - at).num_seconds()),
            lag_basis: basis_time.map(|_| basis),
            bucket_width: None,
            buckets: Vec::new(),
            gaps: Vec::new(),
            newest_file_modified,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TimeBucket {
    #[serde(serialize_with = "rfc3339")]
    pub start: DateTime<Utc>,
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TimeGap {
    #[serde(serialize_with = "rfc3339")]
    pub start: DateTime<Utc>,
    #[serde(serialize_with = "rfc3339")]
    pub end: DateTime<Utc>,
    pub empty_buckets: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, schemars::JsonSchema)]
pub struct LineageMetrics {
    /// The owner named for this dataset in the project config (`readiness.toml`).
    #[serde(default)]
    pub owner: Option<String>,
    /// Distinct Parquet writers (`created_by`) across the files.
    pub created_by: Vec<String>,
    /// File key-value metadata: well-known blobs summarised, others verbatim.
    pub key_value_metadata: Vec<KeyValue>,
    /// Column descriptions found in the schema's field metadata.
    pub column_descriptions: Vec<ColumnDescription>,
    /// Documentation and table-format files found beside the data.
    pub sidecar_files: Vec<SidecarFile>,
    /// What a lakehouse table's transaction log says (Delta Lake); absent for loose files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<TableLineage>,
}

/// A lakehouse table's log, as lineage: which snapshot was profiled and how the table has
/// been written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TableLineage {
    /// `delta`.
    pub format: DatasetFormat,
    /// The snapshot profiled (`--version`/`--as-of`, or the newest).
    pub version: u64,
    /// The newest version in the log (equal to `version` unless an older one was asked for).
    pub newest_version: u64,
    /// When the profiled version was committed.
    #[serde(serialize_with = "rfc3339_opt")]
    pub last_commit_time: Option<DateTime<Utc>>,
    /// The operation of that commit (`WRITE`, `DELETE`, `MERGE`, ...).
    pub last_operation: Option<String>,
    /// The engine that wrote that commit (`engineInfo`), e.g. `delta-rs:py-1.6.6`.
    pub engine_info: Option<String>,
    /// Commits up to the profiled version in the 30 days before the scan.
    pub commits_last_30_days: u64,
    /// Commits up to the profiled version still in the log.
    pub commit_count: u64,
    pub name: Option<String>,
    pub description: Option<String>,
    /// Table properties (`delta.*` and the writer's own), by key.
    pub properties: Vec<KeyValue>,
    /// Live data files in the snapshot.
    pub file_count: u64,
    /// Rows the snapshot's deletion vectors remove from its files.
    pub deleted_row_count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct KeyValue {
    pub key: String,
    pub value: String,
    /// True when `value` is a summary of a well-known blob rather than the blob itself.
    pub summarised: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ColumnDescription {
    pub column: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SidecarFile {
    pub path: String,
    pub kind: SidecarKind,
}

/// What a file found beside the data is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum SidecarKind {
    /// Documentation: `README*`, `*.md`, `*.txt`.
    Readme,
    /// `_SUCCESS`, as Spark and Hadoop jobs leave it.
    SuccessMarker,
    /// Any other metadata file (`_metadata`, `_common_metadata`, `*.json`, `*.crc` ...).
    Manifest,
    /// A Delta Lake transaction log.
    DeltaLog,
    /// An Apache Iceberg table's `metadata/` folder.
    IcebergMetadata,
}

impl SidecarKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Readme => "readme",
            Self::SuccessMarker => "success_marker",
            Self::Manifest => "manifest",
            Self::DeltaLog => "delta_log",
            Self::IcebergMetadata => "iceberg_metadata",
        }
    }
}

/// How a dataset's rows are stored.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DatasetFormat {
    Parquet,
    Csv,
    /// Newline-delimited JSON.
    Json,
    /// A Delta Lake table, read through its log.
    Delta,
}

impl DatasetFormat {
    pub fn name(self) -> &'static str {
        match self {
            Self::Parquet => "parquet",
            Self::Csv => "csv",
            Self::Json => "json",
            Self::Delta => "delta",
        }
    }
}

impl std::fmt::Display for DatasetFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How the time column was chosen.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TimeColumnBasis {
    /// Named with `--time`.
    Given,
    /// The dataset's only time column.
    Auto,
}

/// What `lag_seconds` is measured from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum LagBasis {
    /// The newest value of the time column.
    EventTime,
    /// A lakehouse table's last commit (no time column).
    CommitTime,
    /// The newest file's modification time (no time column).
    FileModified,
}

/// The width of the time buckets rows are counted in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum BucketWidth {
    Day,
    /// Weeks start on Monday.
    Week,
    /// Months start on the first.
    Month,
}

impl BucketWidth {
    /// The name, as `date_trunc` and the JSON have it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
        }
    }
}

pub(crate) fn rfc3339<S: Serializer>(
    time: &DateTime<Utc>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&rfc3339_string(time))
}

/// A time as the JSON writes it: RFC 3339, UTC, `Z`.
pub fn rfc3339_string(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

fn rfc3339_opt<S: Serializer>(
    time: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match time {
        Some(time) => rfc3339(time, serializer),
        None => serializer.serialize_none(),
    }
}

/// Personal data found in a text column's values, every value examined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PersonalValues {
    /// Present values examined.
    pub value_count: u64,
    /// Values per kind and rule, most first.
    pub matches: Vec<PersonalMatch>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PersonalMatch {
    pub kind: PersonalKind,
    pub rule: MatchRule,
    pub count: u64,
}

/// A kind of personal data with a recognisable written form (the rules are in
/// `src/profile/kernels/personal.rs`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PersonalKind {
    Email,
    PaymentCard,
    Iban,
    IpAddress,
    NationalId,
    Phone,
}

impl PersonalKind {
    pub const ALL: [PersonalKind; 6] = [
        PersonalKind::Email,
        PersonalKind::PaymentCard,
        PersonalKind::Iban,
        PersonalKind::IpAddress,
        PersonalKind::NationalId,
        PersonalKind::Phone,
    ];

    /// The kind as `personal_data` names it.
    pub fn label(self) -> &'static str {
        match self {
            PersonalKind::Email => "e-mail",
            PersonalKind::PaymentCard => "card number",
            PersonalKind::Iban => "IBAN",
            PersonalKind::IpAddress => "IP address",
            PersonalKind::NationalId => "national id",
            PersonalKind::Phone => "phone",
        }
    }
}

/// How a value matched: it is one (`whole_value`), or free text holds one (`contained`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum MatchRule {
    WholeValue,
    Contained,
}

/// How a numeric column's present values (not null, not NaN) are spread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct NumericDistribution {
    pub value_count: u64,
    /// The 1st, 25th, 50th, 75th and 99th percentiles: within 0.4% of the value of that rank
    /// (a log-bucketed histogram, the same however the rows are split).
    pub p1: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub p99: f64,
    /// Ten equal-width bins from `p1` to `p99`, with the values below and above them: each
    /// value counted where the middle of its 0.4%-wide bucket falls.
    pub histogram: Histogram,
    /// Values more than 3 interquartile ranges below `p25` or above `p75` (Tukey's "far
    /// out"), judged by the middle of their 0.4%-wide bucket.
    pub outlier_count: u64,
    pub lower_fence: f64,
    pub upper_fence: f64,
    /// Exact.
    pub negative_count: u64,
    /// Exact.
    pub zero_count: u64,
    /// Whether the column's name says its values cannot be negative (age, price, quantity,
    /// ...).
    pub non_negative_by_name: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Histogram {
    pub start: f64,
    pub end: f64,
    pub bins: Vec<u64>,
    pub below: u64,
    pub above: u64,
}

/// The oldest and newest fifth of the time column's span compared, column by column, with the
/// population stability index (PSI).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Representativeness {
    /// The time column the windows are cut from (`null` without one).
    pub time_column: Option<String>,
    /// Why it could not be assessed (no time column, one instant only); `null` when assessed.
    pub not_assessed: Option<String>,
    /// The first fifth of the time span.
    pub oldest: Option<TimeWindow>,
    /// The last fifth of the time span.
    pub newest: Option<TimeWindow>,
    /// Share of the rows with a time that fall in the newest window (0.2 when rows arrive
    /// evenly).
    pub newest_share: Option<f64>,
    /// The compared columns, the largest shift first.
    pub columns: Vec<ColumnShift>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TimeWindow {
    #[serde(serialize_with = "rfc3339")]
    pub start: DateTime<Utc>,
    /// Exclusive for the oldest window, inclusive for the newest.
    #[serde(serialize_with = "rfc3339")]
    pub end: DateTime<Utc>,
    pub rows: u64,
}

/// One column's distribution in the oldest window against the newest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ColumnShift {
    pub column: String,
    /// `numeric` (binned on the oldest window's deciles) or `categorical` (by value).
    pub kind: ShiftKind,
    /// Population stability index: the sum over bins of (newest - oldest) * ln(newest /
    /// oldest), shares of 0 taken as 0.0001. Below 0.1 stable, above 0.25 shifted.
    pub psi: f64,
    /// Present values in each window.
    pub oldest_values: u64,
    pub newest_values: u64,
    /// The index two samples of these sizes drawn from one and the same distribution show on
    /// average, from sampling alone: (bins - 1) * (1 / oldest_values + 1 / newest_values). A
    /// shift is judged only when `psi` is at least three times this.
    #[serde(default)]
    pub sampling_psi: f64,
    /// The bins compared, in order (numeric) or by the oldest window's frequency.
    pub bins: Vec<ShiftBin>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShiftKind {
    Numeric,
    Categorical,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ShiftBin {
    /// The value (categorical), the range (numeric, `(a, b]`), or `other values`.
    pub label: String,
    /// Share of the window's present values in the bin.
    pub oldest: f64,
    pub newest: f64,
    /// The bin of the categories under 1% of both windows (`other values`).
    #[serde(default)]
    pub pooled: bool,
}
