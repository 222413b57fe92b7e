//! Inspecting each data file once, before any query: size, modification time, schema, and for
//! Parquet the footer (row count, writer, key-value metadata).
//!
//! Invariant: a file that cannot be inspected is not an error of the scan. It comes back with
//! `error` set and no schema, and the planner leaves it out of the figures.

use std::io::Read;
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::datasource::file_format::FileFormat;
use datafusion::datasource::file_format::csv::CsvFormat;
use datafusion::datasource::file_format::file_compression_type::FileCompressionType;
use datafusion::datasource::physical_plan::parquet::metadata::DFParquetMetadata;
use datafusion::parquet::arrow::parquet_to_arrow_schema;
use datafusion::prelude::SessionContext;
use futures::StreamExt;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};

use super::{CsvCompression, DataFormat};

/// Rows read to infer a CSV file's column types. A later value that does not fit the inferred
/// type does not fail the scan: the profile layer reads that column as text instead.
pub const CSV_INFER_ROWS: usize = 20_000;

/// How many files are inspected at once (footer reads are small, latency dominates).
pub const CONCURRENT_INSPECTIONS: usize = 16;

/// What one look at a file found.
#[derive(Debug, Clone)]
pub struct FileInspection {
    pub meta: ObjectMeta,
    pub format: DataFormat,
    pub schema: Option<SchemaRef>,
    /// From the Parquet footer; `None` for CSV (counted by the profile pass).
    pub row_count: Option<u64>,
    /// For an uncompressed CSV file: its size over the mean line length of its first 64 KiB.
    /// Only the progress bar uses it, until the first pass has counted the rows.
    pub estimated_rows: Option<u64>,
    pub created_by: Option<String>,
    pub key_value_metadata: Vec<(String, String)>,
    /// The CSV field delimiter sniffed from the header line.
    pub csv_delimiter: u8,
    pub error: Option<String>,
    /// The line (CSV) where reading failed, where known.
    pub error_line: Option<u64>,
}

/// Inspects every file, a few at a time, keeping the input order.
pub async fn inspect_files(
    ctx: &SessionContext,
    store: &Arc<dyn ObjectStore>,
    files: Vec<(ObjectMeta, DataFormat)>,
    delimiter: Option<u8>,
) -> Vec<FileInspection> {
    futures::stream::iter(files)
        .map(|(meta, format)| inspect_file(ctx, store, meta, format, delimiter))
        .buffered(CONCURRENT_INSPECTIONS)
        .collect()
        .await
}

async fn inspect_file(
    ctx: &SessionContext,
    store: &Arc<dyn ObjectStore>,
    meta: ObjectMeta,
    format: DataFormat,
    delimiter: Option<u8>,
) -> FileInspection {
    let mut inspection = FileInspection {
        meta,
        format,
        schema: None,
        row_count: None,
        estimated_rows: None,
        created_by: None,
        key_value_metadata: Vec::new(),
        csv_delimiter: delimiter.unwrap_or(b','),
        error: None,
        error_line: None,
    };
    let outcome = match format {
        DataFormat::Parquet => inspect_parquet(store, &mut inspection).await,
        DataFormat::Csv(compression) => {
            inspect_csv(ctx, store, &mut inspection, compression, delimiter).await
        }
    };
    if let Err(error) = outcome {
        let (message, line) = describe_error(&error);
        inspection.error = Some(message);
        inspection.error_line = line;
    }
    inspection
}

/// An engine error as one line for a person (the "caused by" chain joined), and the line
/// number it names, if any ("... at line 12").
pub fn describe_error(error: &str) -> (String, Option<u64>) {
    let from_store = [
        "Object Store error",
        "Generic S3 error",
        "Generic GCS error",
        "Generic MicrosoftAzure error",
        "Generic HTTP error",
        "Error performing",
        "Object at location",
    ];
    if from_store.iter().any(|marker| error.contains(marker)) {
        return (super::stores::explain(error), None);
    }
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
    let metadata = DFParquetMetadata::new(store.as_ref(), &inspection.meta)
        .fetch_metadata()
        .await
        .map_err(|error| {
            let message = error.to_string().replace("Parquet error: ", "");
            format!("not a readable Parquet file: {message}")
        })?;
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
    inspection.schema = Some(Arc::new(schema));
    Ok(())
}

async fn inspect_csv(
    ctx: &SessionContext,
    store: &Arc<dyn ObjectStore>,
    inspection: &mut FileInspection,
    compression: CsvCompression,
    delimiter: Option<u8>,
) -> Result<(), String> {
    if inspection.meta.size == 0 {
        return Err("empty file (no header line)".to_string());
    }
    let head_len = inspection.meta.size.min(64 * 1024);
    let head = store
        .get_range(&inspection.meta.location, 0..head_len)
        .await
        .map_err(|error| format!("cannot read: {error}"))?;
    let lines = head.iter().filter(|&&byte| byte == b'\n').count() as u64;
    if compression == CsvCompression::None && lines > 1 {
        inspection.estimated_rows = Some(inspection.meta.size * (lines - 1) / head_len);
    }
    let delimiter =
        delimiter.unwrap_or_else(|| sniff_delimiter(&decompressed_head(&head, compression)));
    inspection.csv_delimiter = delimiter;
    let format = csv_format(compression, delimiter).with_schema_infer_max_rec(CSV_INFER_ROWS);
    let schema = format
        .infer_schema(&ctx.state(), store, std::slice::from_ref(&inspection.meta))
        .await
        .map_err(|error| format!("not a readable CSV file: {error}"))?;
    if schema.fields().is_empty() {
        return Err("no columns found in the header line".to_string());
    }
    inspection.schema = Some(schema);
    Ok(())
}

/// The CSV reading options every pass uses: header line, quoted newlines allowed.
pub fn csv_format(compression: CsvCompression, delimiter: u8) -> CsvFormat {
    CsvFormat::default()
        .with_has_header(true)
        .with_delimiter(delimiter)
        .with_newlines_in_values(true)
        .with_file_compression_type(compression_type(compression))
}

pub fn compression_type(compression: CsvCompression) -> FileCompressionType {
    match compression {
        CsvCompression::None => FileCompressionType::UNCOMPRESSED,
        CsvCompression::Gzip => FileCompressionType::GZIP,
        CsvCompression::Zstd => FileCompressionType::ZSTD,
        CsvCompression::Bzip2 => FileCompressionType::BZIP2,
        CsvCompression::Xz => FileCompressionType::XZ,
    }
}

/// The first bytes of a possibly compressed file, decompressed as far as they go.
fn decompressed_head(head: &[u8], compression: CsvCompression) -> Vec<u8> {
    let mut out = Vec::new();
    let mut limited = |reader: &mut dyn Read| {
        // A truncated stream ends in an error; what was decoded before it is what we want.
        let _ = reader.take(16 * 1024).read_to_end(&mut out);
    };
    match compression {
        CsvCompression::None => return head.to_vec(),
        CsvCompression::Gzip => limited(&mut flate2::read::MultiGzDecoder::new(head)),
        CsvCompression::Zstd => match zstd::stream::read::Decoder::new(head) {
            Ok(mut decoder) => limited(&mut decoder),
            Err(_) => return Vec::new(),
        },
        CsvCompression::Bzip2 | CsvCompression::Xz => return Vec::new(),
    }
    out
}

/// Picks the delimiter (`,` `;` tab `|`) that splits the header line into the most fields,
/// counting only outside double quotes. Defaults to a comma.
pub fn sniff_delimiter(head: &[u8]) -> u8 {
    const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];
    let mut counts = [0usize; 4];
    let mut quoted = false;
    for &byte in head {
        match byte {
            b'"' => quoted = !quoted,
            b'\n' if !quoted => break,
            _ if !quoted => {
                if let Some(index) = CANDIDATES.iter().position(|&c| c == byte) {
                    counts[index] += 1;
                }
            }
            _ => {}
        }
    }
    let (best, &count) = counts
        .iter()
        .enumerate()
        .max_by_key(|&(index, count)| (*count, std::cmp::Reverse(index)))
        .expect("four candidates");
    if count == 0 { b',' } else { CANDIDATES[best] }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_become_one_line_with_their_line_number() {
        let (message, line) = describe_error(
            "Error when processing CSV file x.csv\ncaused by\nCsv error: found 3 records at line 12",
        );
        assert_eq!(
            message,
            "Error when processing CSV file x.csv: Csv error: found 3 records at line 12"
        );
        assert_eq!(line, Some(12));
        assert_eq!(describe_error("no such file").1, None);
    }

    #[test]
    fn delimiter_is_sniffed_from_the_header_outside_quotes() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(sniff_delimiter(b"a;b;c\n1,5;2;3\n"), b';');
        assert_eq!(sniff_delimiter(b"a\tb\tc\n"), b'\t');
        assert_eq!(sniff_delimiter(b"\"x,y,z\"|b|c\n"), b'|');
        assert_eq!(sniff_delimiter(b"single\n1\n"), b',');
    }
}
