//! Inspecting each data file once, before any query: size, modification time, schema, and for
//! Parquet the footer (row count, writer, key-value metadata).
//!
//! Invariant: a file that cannot be inspected is not an error of the scan. It comes back with
//! `error` set and no schema, and the planner leaves it out of the figures.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{Array, ArrayRef};
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::common::ScalarValue;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::file_format::json::JsonFormat;
use datafusion::parquet::arrow::arrow_reader::statistics::StatisticsConverter;
use datafusion::parquet::arrow::parquet_to_arrow_schema;
use datafusion::parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use futures::StreamExt;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};

use super::delimited::{self, CsvReading, Dialect, ForcedDialect};
use super::ndjson::{self, JsonError, JsonReading};
use super::{Compression, DataFormat};
use crate::profile::value::{instant, is_time_type};

pub use delimited::CSV_INFER_ROWS;

/// How many files are inspected at once (footer reads are small, latency dominates).
pub const CONCURRENT_INSPECTIONS: usize = 16;

/// How CSV files are read: forced dialect settings, and the scratch folder cleaned copies go to.
#[derive(Debug, Clone)]
pub struct CsvSettings {
    pub forced: ForcedDialect,
    pub scratch: PathBuf,
}

/// What one look at a file found.
#[derive(Debug, Clone)]
pub struct FileInspection {
    pub meta: ObjectMeta,
    pub format: DataFormat,
    pub schema: Option<SchemaRef>,
    /// From the Parquet footer, or the rows the CSV walk accepted.
    pub row_count: Option<u64>,
    pub created_by: Option<String>,
    pub key_value_metadata: Vec<(String, String)>,
    /// Per time column (timestamps and dates), the earliest and latest value the Parquet
    /// footer's statistics state, for columns whose every row group with values states both.
    pub time_ranges: Vec<StatedRange>,
    /// What reading a CSV file found: dialect, rejected rows, a cleaned copy.
    pub csv: Option<CsvReading>,
    /// What reading an NDJSON file found: rejected lines, a cleaned copy.
    pub json: Option<JsonReading>,
    /// A `.json` file that holds one JSON document, not rows: a sidecar, not data.
    pub json_document: bool,
    /// Columns of a Parquet file that its `pandas` metadata names as the DataFrame's index
    /// (`__index_level_0__`, or a named index): the writer's row labels, set aside when rows
    /// are compared like a CSV row index ([`CsvReading::row_index`]).
    pub index_columns: Vec<String>,
    /// What reading a Parquet file found that a reader of the report should know.
    pub parquet_notes: Vec<String>,
    pub error: Option<String>,
    /// The line (CSV) where reading failed, where known.
    pub error_line: Option<u64>,
}

/// Inspects every file, a few at a time, keeping the input order.
pub async fn inspect_files(
    store: &Arc<dyn ObjectStore>,
    files: Vec<(ObjectMeta, DataFormat)>,
    csv: &CsvSettings,
) -> Vec<FileInspection> {
    futures::stream::iter(files)
        .map(|(meta, format)| inspect_file(store, meta, format, csv))
        .buffered(CONCURRENT_INSPECTIONS)
        .collect()
        .await
}

async fn inspect_file(
    store: &Arc<dyn ObjectStore>,
    meta: ObjectMeta,
    format: DataFormat,
    csv: &CsvSettings,
) -> FileInspection {
    let mut inspection = FileInspection {
        meta,
        format,
        schema: None,
        row_count: None,
        created_by: None,
        key_value_metadata: Vec::new(),
        time_ranges: Vec::new(),
        csv: None,
        json: None,
        json_document: false,
        index_columns: Vec::new(),
        parquet_notes: Vec::new(),
        error: None,
        error_line: None,
    };
    let outcome = match format {
        DataFormat::Parquet => inspect_parquet(store, &mut inspection).await,
        DataFormat::Csv(compression) => inspect_csv(store, &mut inspection, compression, csv).await,
        DataFormat::Json(compression) => {
            inspect_json(store, &mut inspection, compression, &csv.scratch).await
        }
    };
    if let Err(error) = outcome {
        let (message, line) = describe_message(&error);
        inspection.error = Some(message);
        inspection.error_line = line;
    }
    inspection
}

/// An engine error as one line for a person (the "caused by" chain joined), and the line
/// number it names, if any ("... at line 12").
/// A store error in the chain is explained by its variant ([`super::stores::classify`]).
pub fn describe_error(error: &(dyn std::error::Error + 'static)) -> (String, Option<u64>) {
    match super::stores::explain_chain(error, super::stores::StoreOperation::Read) {
        Some(explained) => (explained, None),
        None => describe_message(&error.to_string()),
    }
}

/// An error message as one line (the "caused by" chain joined), and the line number it names,
/// if any ("... at line 12": arrow-csv and arrow-json say where only in their message).
pub fn describe_message(error: &str) -> (String, Option<u64>) {
    let message = error
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && *line != "caused by")
        .collect::<Vec<_>>()
        .join(": ");
    let line = message
        .rsplit(" line ")
        .next()
        .filter(|_| message.contains(" line "))
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|digits| digits.parse().ok());
    (message, line)
}

async fn inspect_parquet(
    store: &Arc<dyn ObjectStore>,
    inspection: &mut FileInspection,
) -> Result<(), String> {
    let metadata = read_footer(store, &inspection.meta).await?;
    let file_metadata = metadata.file_metadata();
    inspection.row_count = Some(u64::try_from(file_metadata.num_rows()).unwrap_or(0));
    inspection.created_by = file_metadata.created_by().map(str::to_string);
    inspection.key_value_metadata = file_metadata
        .key_value_metadata()
        .map(|pairs| {
            pairs
                .iter()
                .map(|pair| (pair.key.clone(), pair.value.clone().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    let schema = parquet_to_arrow_schema(
        file_metadata.schema_descr(),
        file_metadata.key_value_metadata(),
    )
    .map_err(|error| format!("Parquet schema cannot be read: {error}"))?;
    inspection.time_ranges = schema
        .fields()
        .iter()
        .filter(|field| is_time_type(field.data_type()))
        .filter_map(|field| stated_range(&metadata, &schema, field.name()))
        .collect();
    inspection.index_columns = pandas_index_columns(&inspection.key_value_metadata, &schema);
    for column in &inspection.index_columns {
        inspection.parquet_notes.push(format!(
            "column `{column}` is read as the writer's row index (the file's pandas metadata names it as the DataFrame's index): it is left out when rows are compared for near-duplicates, conflicting labels, leakage and representativeness"
        ));
    }
    inspection.schema = Some(Arc::new(schema));
    Ok(())
}

/// The columns of `schema` that the `pandas` key-value metadata lists in `index_columns`: a
/// DataFrame index `to_parquet` wrote as a column. A RangeIndex is stored as metadata only
/// (an object, not a column name) and names no column.
fn pandas_index_columns(key_value_metadata: &[(String, String)], schema: &Schema) -> Vec<String> {
    let Some((_, pandas)) = key_value_metadata.iter().find(|(key, _)| key == "pandas") else {
        return Vec::new();
    };
    let Ok(metadata) = serde_json::from_str::<serde_json::Value>(pandas) else {
        return Vec::new();
    };
    let Some(listed) = metadata.get("index_columns").and_then(|v| v.as_array()) else {
        return Vec::new();
    };
    listed
        .iter()
        .filter_map(|column| column.as_str())
        .filter(|name| schema.field_with_name(name).is_ok())
        .map(str::to_string)
        .collect()
}

/// The earliest and latest value of a column as a file's footer states them.
#[derive(Debug, Clone, PartialEq)]
pub struct StatedRange {
    pub column: String,
    pub min: DateTime<Utc>,
    pub max: DateTime<Utc>,
}

/// The range of time column `column` over every row group of a file, from the footer's
/// statistics; `None` when a row group with values does not state both bounds, or the file has
/// no values in it.
fn stated_range(metadata: &ParquetMetaData, schema: &Schema, column: &str) -> Option<StatedRange> {
    let file = metadata.file_metadata();
    let converter = StatisticsConverter::try_new(column, schema, file.schema_descr()).ok()?;
    let groups = metadata.row_groups();
    let mins = converter.row_group_mins(groups).ok()?;
    let maxes = converter.row_group_maxes(groups).ok()?;
    let nulls = converter.row_group_null_counts(groups).ok()?;
    let mut range: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for (index, group) in groups.iter().enumerate() {
        let rows = u64::try_from(group.num_rows()).ok()?;
        let bound = |array: &ArrayRef| {
            ScalarValue::try_from_array(array, index)
                .ok()
                .and_then(|value| instant(&value))
        };
        match (bound(&mins), bound(&maxes)) {
            (Some(min), Some(max)) => {
                range = Some(match range {
                    Some((low, high)) => (low.min(min), high.max(max)),
                    None => (min, max),
                });
            }
            // Only a row group of NULLs (or none) may leave its bounds unstated.
            _ if nulls.is_valid(index) && nulls.value(index) == rows => {}
            _ => return None,
        }
    }
    let (min, max) = range?;
    Some(StatedRange {
        column: column.to_string(),
        min,
        max,
    })
}

/// Parquet schemas nested deeper than this are refused (real ones nest a few levels).
pub const MAX_PARQUET_NESTING: usize = 1_000;

/// Footer bytes fetched with the first request (most footers fit; a larger one takes a second).
const FOOTER_GUESS: u64 = 64 * 1024;

/// Stack for decoding a footer: a hostile schema nested 100,000 deep is decoded (and dropped)
/// recursively by the parquet crate, which would overflow a worker thread's stack.
const FOOTER_STACK: usize = 1 << 30;

/// A Parquet file's footer, decoded on a thread of its own with a large stack, and refused
/// when its schema nests deeper than [`MAX_PARQUET_NESTING`].
async fn read_footer(
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
) -> Result<ParquetMetaData, String> {
    let not_parquet = |message: String| format!("not a readable Parquet file: {message}");
    let size = meta.size;
    if size < 12 {
        return Err(not_parquet(format!(
            "{size} bytes is too small for a Parquet file"
        )));
    }
    let read = |range: std::ops::Range<u64>| async move {
        store
            .get_range(&meta.location, range)
            .await
            .map_err(|error| super::stores::explain(&error, super::stores::StoreOperation::Read))
    };
    let tail = read(size.saturating_sub(FOOTER_GUESS)..size).await?;
    let trailer = &tail[tail.len() - 8..];
    if &trailer[4..] != b"PAR1" {
        return Err(not_parquet(
            "corrupt footer (no Parquet magic bytes at its end)".to_string(),
        ));
    }
    let footer_len = u64::from(u32::from_le_bytes(
        trailer[..4].try_into().expect("4 bytes"),
    ));
    if footer_len + 8 > size {
        return Err(not_parquet(format!(
            "its footer claims {footer_len} bytes, more than the file holds"
        )));
    }
    let footer = if footer_len + 8 <= tail.len() as u64 {
        let start = tail.len() - 8 - footer_len as usize;
        tail.slice(start..tail.len() - 8)
    } else {
        read(size - 8 - footer_len..size - 8).await?
    };
    let decoded = std::thread::Builder::new()
        .name("parquet-footer".to_string())
        .stack_size(FOOTER_STACK)
        .spawn(move || {
            let metadata = ParquetMetaDataReader::decode_metadata(&footer)
                .map_err(|error| not_parquet(error.to_string().replace("Parquet error: ", "")))?;
            let depth = nesting_depth(metadata.file_metadata().schema_descr().root_schema());
            if depth > MAX_PARQUET_NESTING {
                // Dropped here too: dropping the schema tree recurses as deeply.
                drop(metadata);
                return Err(format!(
                    "a Parquet schema nested {depth} levels deep (more than {MAX_PARQUET_NESTING}): refused as a hostile or broken file"
                ));
            }
            Ok(metadata)
        })
        .map_err(|error| format!("cannot start the footer reader: {error}"))?;
    tokio::task::spawn_blocking(move || decoded.join())
        .await
        .map_err(|error| format!("footer reader stopped: {error}"))?
        .map_err(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            not_parquet(format!("its footer could not be decoded ({message})"))
        })?
}

/// How deep a schema nests, counted without recursion.
fn nesting_depth(root: &datafusion::parquet::schema::types::Type) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(root, 0usize)];
    while let Some((node, depth)) = pending.pop() {
        deepest = deepest.max(depth);
        if node.is_group() {
            pending.extend(
                node.get_fields()
                    .iter()
                    .map(|field| (field.as_ref(), depth + 1)),
            );
        }
    }
    deepest
}

async fn inspect_csv(
    store: &Arc<dyn ObjectStore>,
    inspection: &mut FileInspection,
    compression: Compression,
    settings: &CsvSettings,
) -> Result<(), String> {
    let name = inspection.meta.location.filename().unwrap_or("file");
    let copy_to = settings
        .scratch
        .join(format!("{}-{name}", uuid::Uuid::new_v4().simple()));
    let reading = delimited::read_csv_file(
        store,
        &inspection.meta,
        compression,
        settings.forced,
        copy_to,
    )
    .await?;
    if reading.schema.fields().is_empty() {
        return Err("no columns found in the header line".to_string());
    }
    inspection.schema = Some(reading.schema.clone());
    inspection.row_count = Some(reading.row_count);
    inspection.time_ranges = reading.time_ranges.clone();
    inspection.csv = Some(reading);
    Ok(())
}

async fn inspect_json(
    store: &Arc<dyn ObjectStore>,
    inspection: &mut FileInspection,
    compression: Compression,
    scratch: &std::path::Path,
) -> Result<(), String> {
    let name = inspection.meta.location.filename().unwrap_or("file");
    let copy_to = scratch.join(format!("{}-{name}", uuid::Uuid::new_v4().simple()));
    match ndjson::read_json_file(store, &inspection.meta, compression, copy_to).await {
        Ok(reading) => {
            inspection.schema = Some(reading.schema.clone());
            inspection.row_count = Some(reading.row_count);
            inspection.json = Some(reading);
            Ok(())
        }
        Err(JsonError::NotLineDelimited) => {
            inspection.json_document = true;
            Err("not newline-delimited JSON: its first line is not a JSON object".to_string())
        }
        Err(JsonError::Unreadable(message)) => Err(message),
    }
}

impl FileInspection {
    /// The cleaned copy DataFusion reads instead of this file, if one was written.
    pub fn copy(&self) -> Option<(std::path::PathBuf, u64)> {
        let csv = self.csv.as_ref().and_then(|reading| reading.copy.clone());
        csv.or_else(|| self.json.as_ref().and_then(|reading| reading.copy.clone()))
    }

    /// Rows rejected while reading a CSV or NDJSON file.
    pub fn rejected_row_count(&self) -> Option<u64> {
        let csv = self.csv.as_ref().map(|reading| reading.rejected_row_count);
        csv.or_else(|| self.json.as_ref().map(|reading| reading.rejected_row_count))
    }

    /// What reading the file found that a reader of the report should know.
    pub fn reading_notes(&self) -> &[String] {
        match (&self.csv, &self.json) {
            (Some(reading), _) => &reading.notes,
            (None, Some(reading)) => &reading.notes,
            (None, None) => &self.parquet_notes,
        }
    }

    /// The columns holding the writer's row index, set aside when rows are compared: a CSV
    /// header's unnamed first column, or the Parquet columns pandas names as its index.
    pub fn row_index_columns(&self) -> Vec<&String> {
        match &self.csv {
            Some(reading) => reading.row_index.iter().collect(),
            None => self.index_columns.iter().collect(),
        }
    }
}

/// The NDJSON reading options every pass uses.
pub fn json_format(compression: Compression) -> JsonFormat {
    JsonFormat::default().with_file_compression_type(compression_type(compression))
}

/// The CSV reading options every pass uses for a dataset written in `dialect`: quoted line
/// breaks allowed anywhere (files are then read whole, not split into byte ranges).
pub fn csv_format(compression: Compression, dialect: &Dialect) -> CsvFormat {
    let format = CsvFormat::default()
        .with_has_header(dialect.has_header)
        .with_delimiter(dialect.delimiter)
        .with_quote(dialect.quote)
        .with_newlines_in_values(true)
        .with_file_compression_type(compression_type(compression));
    match dialect.escape {
        Some(escape) => format.with_escape(Some(escape)),
        None => format,
    }
}

pub fn compression_type(compression: Compression) -> FileCompressionType {
    match compression {
        Compression::None => FileCompressionType::UNCOMPRESSED,
        Compression::Gzip => FileCompressionType::GZIP,
        Compression::Zstd => FileCompressionType::ZSTD,
        Compression::Bzip2 => FileCompressionType::BZIP2,
        Compression::Xz => FileCompressionType::XZ,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_become_one_line_with_their_line_number() {
        let (message, line) = describe_message(
            "Error when processing CSV file x.csv\ncaused by\nCsv error: found 3 records at line 12",
        );
        assert_eq!(
            message,
            "Error when processing CSV file x.csv: Csv error: found 3 records at line 12"
        );
        assert_eq!(line, Some(12));
        assert_eq!(describe_message("no such file").1, None);
    }
}
