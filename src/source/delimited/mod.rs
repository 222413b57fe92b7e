//! CSV read faithfully: each file is walked once before any query, as a careful person would
//! read it, and what DataFusion later reads is exactly the rows that walk accepted.
//!
//! The walk ([`records`]) finds the file's dialect ([`dialect`]) and encoding ([`decode`]),
//! names its columns (repeated and empty header names made unique), counts its rows, rejects
//! rows with too many or too few fields, an unclosed quote or undecodable bytes (counted, with
//! up to 20 examples), and infers column types from the first 20,000 accepted rows with
//! arrow's own CSV inference. A file with rejected rows or in an encoding other than UTF-8 is
//! read by DataFusion from a cleaned copy in the scan's scratch folder (UTF-8, the rejected
//! rows left out, the file's own dialect and compression): the scan store serves the copy in
//! the file's place, so the plans stay plain `ListingTable`s.
//!
//! Invariant: a file is left out whole only when not even a header can be read from it. The
//! sources are never written: copies go to the scratch folder only.

pub mod decode;
pub mod dialect;
pub mod records;
pub mod scanner;

use std::io::{self, Cursor, Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use datafusion::arrow::array::StringArray;
use datafusion::arrow::compute::cast;
use datafusion::arrow::csv::reader::Format;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::error::ArrowError;
use datafusion::common::ScalarValue;
use encoding_rs::Encoding;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};

use super::Compression;
use super::inventory::StatedRange;
use crate::profile::value::{instant, is_time_type};
use records::TextRange;
pub use records::{RejectKind, Rejected};

/// Rows read to infer a CSV file's column types. A later value that does not fit the inferred
/// type does not fail the scan: the profile layer reads that column as text instead.
pub const CSV_INFER_ROWS: usize = 20_000;

/// Bytes of a file's start that its dialect and encoding are sniffed from.
const SNIFF_BYTES: u64 = 64 * 1024;

/// How one CSV file is written, as read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dialect {
    pub delimiter: u8,
    pub quote: u8,
    /// `None`: a quote inside a quoted field is written twice (RFC 4180).
    pub escape: Option<u8>,
    pub has_header: bool,
    pub encoding: &'static Encoding,
}

impl Dialect {
    /// RFC 4180 with a header line, UTF-8.
    pub fn rfc4180() -> Self {
        Self {
            delimiter: b',',
            quote: b'"',
            escape: None,
            has_header: true,
            encoding: encoding_rs::UTF_8,
        }
    }

    /// The other readings of a file worth weighing against this sniffed one: every delimiter
    /// of [`dialect::DELIMITERS`], quotes written twice, and `\` escaping quotes where the
    /// sample has a `\` before a quote; a forced setting is never varied.
    pub fn alternatives(&self, forced: &ForcedDialect, sample: &[u8]) -> Vec<Dialect> {
        let delimiters = match forced.delimiter {
            Some(delimiter) => vec![delimiter],
            None => dialect::DELIMITERS.to_vec(),
        };
        let escapes = match forced.escape {
            Some(escape) => vec![escape],
            None if sample.windows(2).any(|pair| pair == [b'\\', self.quote]) => {
                vec![None, Some(b'\\')]
            }
            None => vec![None],
        };
        let mut readings = Vec::new();
        for &escape in &escapes {
            for &delimiter in &delimiters {
                let reading = Dialect {
                    delimiter,
                    escape,
                    ..*self
                };
                if reading != *self {
                    readings.push(reading);
                }
            }
        }
        readings
    }

    /// This reading in words, for the dialect note: `delimiter `,`, quotes written twice`.
    pub fn describe(&self) -> String {
        let delimiter = match self.delimiter {
            b'\t' => "tab".to_string(),
            other => format!("`{}`", char::from(other)),
        };
        let escape = match self.escape {
            None => "quotes written twice".to_string(),
            Some(escape) => format!("`{}` escaping quotes", char::from(escape)),
        };
        format!("delimiter {delimiter}, {escape}")
    }
}

/// Dialect settings forced by flags or readiness.toml; `None` is sniffed per file.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ForcedDialect {
    pub delimiter: Option<u8>,
    pub quote: Option<u8>,
    /// `Some(None)`: quotes are doubled, never escaped.
    pub escape: Option<Option<u8>>,
    pub has_header: Option<bool>,
    pub encoding: Option<&'static Encoding>,
}

/// Dialect settings as a person writes them (flags, readiness.toml), each optional.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialectSpec {
    /// `,` `;` `|`, `tab` (or any one ASCII character).
    pub delimiter: Option<String>,
    /// One ASCII character, usually `"` or `'`.
    pub quote: Option<String>,
    /// One ASCII character such as `\\`, or `none` for quotes written twice.
    pub escape: Option<String>,
    /// False: the file has no header line.
    pub header: Option<bool>,
    /// An encoding label: `utf-8`, `latin1`, `windows-1252`, `utf-16le`, `utf-16be`, ...
    pub encoding: Option<String>,
}

/// A CSV setting a user can force: `--delimiter` on the command line, `csv.delimiter` in
/// readiness.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialectKey {
    Delimiter,
    Quote,
    Escape,
    Encoding,
}

impl DialectKey {
    /// The key in readiness.toml's `csv` table.
    pub fn name(self) -> &'static str {
        match self {
            Self::Delimiter => "delimiter",
            Self::Quote => "quote",
            Self::Escape => "escape",
            Self::Encoding => "encoding",
        }
    }

    /// The command-line flag.
    pub fn flag(self) -> &'static str {
        match self {
            Self::Delimiter => "--delimiter",
            Self::Quote => "--quote",
            Self::Escape => "--escape",
            Self::Encoding => "--encoding",
        }
    }
}

impl DialectSpec {
    /// The settings validated; an error names the key and what was expected.
    pub fn forced(&self) -> Result<ForcedDialect, (DialectKey, String)> {
        let one_char = |key: DialectKey, text: &str| -> Result<u8, (DialectKey, String)> {
            match text {
                "tab" | "\\t" | "\t" => Ok(b'\t'),
                _ if text.len() == 1 && text.is_ascii() && text != "\n" && text != "\r" => {
                    Ok(text.as_bytes()[0])
                }
                _ => Err((
                    key,
                    format!("`{text}` is not one ASCII character (or `tab`)"),
                )),
            }
        };
        let encoding = match &self.encoding {
            Some(label) => Some(Encoding::for_label(label.trim().as_bytes()).ok_or((
                DialectKey::Encoding,
                format!("`{label}` is not an encoding label such as utf-8, latin1, utf-16le"),
            ))?),
            None => None,
        };
        Ok(ForcedDialect {
            delimiter: self
                .delimiter
                .as_deref()
                .map(|d| one_char(DialectKey::Delimiter, d))
                .transpose()?,
            quote: self
                .quote
                .as_deref()
                .map(|q| one_char(DialectKey::Quote, q))
                .transpose()?,
            escape: match self.escape.as_deref() {
                None => None,
                Some("none") => Some(None),
                Some(escape) => Some(Some(one_char(DialectKey::Escape, escape)?)),
            },
            has_header: self.header,
            encoding,
        })
    }
}

/// What reading a CSV file found.
#[derive(Debug, Clone)]
pub struct CsvReading {
    pub dialect: Dialect,
    /// `lf`, `crlf`, `cr`, `mixed` or `none`, from the sniffed sample.
    pub line_terminator: &'static str,
    pub schema: SchemaRef,
    /// Data rows accepted (what the profile reads).
    pub row_count: u64,
    pub rejected_row_count: u64,
    pub rejected_rows: Vec<Rejected>,
    /// Things a reader of the report should know about this file (renamed columns, columns
    /// read as text because their sample was empty).
    pub notes: Vec<String>,
    /// The cleaned copy DataFusion reads instead of the file, and its size.
    pub copy: Option<(PathBuf, u64)>,
    /// The time columns' ranges as the walk saw them (see [`stated_ranges`]).
    pub time_ranges: Vec<StatedRange>,
    /// The name given to a first column the header leaves unnamed while naming all others:
    /// the writer's row index ([`dialect::leads_with_row_index`]), set aside when rows are
    /// compared, like an identifier.
    pub row_index: Option<String>,
}

/// Reads one CSV file through `store`. `copy_to` is where a cleaned copy goes if one is
/// needed. An error means not even a header could be read.
pub async fn read_csv_file(
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
    compression: Compression,
    forced: ForcedDialect,
    copy_to: PathBuf,
) -> Result<CsvReading, String> {
    if meta.size == 0 {
        return Err("empty file (no header line)".to_string());
    }
    let head = store
        .get_range(&meta.location, 0..meta.size.min(SNIFF_BYTES))
        .await
        .map_err(|error| format!("cannot read: {error}"))?;
    let store = store.clone();
    let meta = meta.clone();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut open = || open_text(&handle, &store, &meta, compression);
        read_blocking(&head, compression, forced, &mut open, copy_to)
    })
    .await
    .map_err(|error| format!("reading stopped: {error}"))?
}

/// The blocking half of [`read_csv_file`]: `open` gives the file's bytes, decompressed, from
/// the start.
fn read_blocking(
    head: &[u8],
    compression: Compression,
    forced: ForcedDialect,
    open: &mut dyn FnMut() -> io::Result<Box<dyn Read + Send>>,
    copy_to: PathBuf,
) -> Result<CsvReading, String> {
    let raw_head = decompressed_head(head, compression);
    let encoding = forced
        .encoding
        .unwrap_or_else(|| decode::detect_encoding(&raw_head));
    let mut sample = Vec::new();
    // The sample is decoded as far as it goes; a sequence cut by its end is marked, harmlessly.
    let _ = decode::utf8_reader(Box::new(raw_head.as_slice()), encoding).read_to_end(&mut sample);
    let quote = forced
        .quote
        .unwrap_or_else(|| dialect::sniff_quote(&sample));
    let escape = forced
        .escape
        .unwrap_or_else(|| dialect::sniff_escape(&sample, quote));
    let delimiter = forced
        .delimiter
        .unwrap_or_else(|| dialect::sniff_delimiter(&sample, quote, escape));
    let sniffed = Dialect {
        delimiter,
        quote,
        escape,
        has_header: forced.has_header.unwrap_or(true),
        encoding,
    };
    let line_terminator = dialect::line_terminator(&sample);
    let mut decoded =
        || -> io::Result<Box<dyn Read + Send>> { Ok(decode::utf8_reader(open()?, encoding)) };
    let mut notes = Vec::new();
    let (mut dialect, tally) = choose_reading(&sample, sniffed, &forced, &mut decoded, &mut notes)
        .map_err(|error| format!("cannot read: {error}"))?;
    if tally.accepted == 0 {
        return Err("no header line could be read".to_string());
    }
    if forced.has_header.is_none() {
        dialect.has_header =
            dialect::can_be_names(&tally.first) || looks_like_header(&tally.sample);
    }
    let mut row_index = None;
    let names = if dialect.has_header {
        let (names, renamed) = dialect::column_names(&tally.first);
        notes.extend(renamed.into_iter().map(|what| format!("header: {what}")));
        if dialect::leads_with_row_index(&tally.first) {
            notes.push(format!(
                "header: the unnamed first column `{}` is read as the writer's row index (as pandas' to_csv and R's write.csv write one): it is left out when rows are compared for near-duplicates, conflicting labels, leakage and representativeness",
                names[0]
            ));
            row_index = Some(names[0].clone());
        }
        names
    } else {
        let why = match forced.has_header {
            Some(_) => "as told",
            None => {
                "its values cannot all be names (empty or repeated) and fit the types of the rows below"
            }
        };
        notes.push(format!(
            "no header line ({why}): the first line holds data, columns are named column_1 to column_{}",
            tally.first.len()
        ));
        dialect::positional_names(tally.first.len())
    };
    let schema = infer_types(&tally.sample, &names, dialect.has_header)?;
    for (field, late) in schema.fields().iter().zip(&tally.late_values) {
        if let Some(line) = late.filter(|&line| line > 0) {
            notes.push(format!(
                "column `{}` is read as text: it has no value in the first {CSV_INFER_ROWS} rows, the first is at line {line}",
                field.name()
            ));
        }
    }
    if let Some(line) = tally.first_swallowing_line {
        notes.push(format!(
            "{} row(s) hold a quoted value whose lines look like rows of their own (first at line {line}): a stray quote may have joined rows into one value",
            tally.swallowing_rows
        ));
    }
    // A file without a header has a first record the ranges left out: no range is stated.
    let time_ranges = match dialect.has_header {
        true => stated_ranges(&schema, &tally.text_ranges),
        false => Vec::new(),
    };
    let row_count = tally.accepted - u64::from(dialect.has_header);
    let needs_copy = tally.rejected > 0 || encoding != encoding_rs::UTF_8;
    let copy = if needs_copy {
        let size = write_copy(&mut decoded, &dialect, &tally.breaks, compression, &copy_to)
            .map_err(|error| format!("cannot write the cleaned copy: {error}"))?;
        Some((copy_to, size))
    } else {
        None
    };
    Ok(CsvReading {
        dialect,
        line_terminator,
        schema,
        row_count,
        rejected_row_count: tally.rejected,
        rejected_rows: tally.examples,
        notes,
        copy,
        time_ranges,
        row_index,
    })
}

/// The file walked in its sniffed dialect, or in another reading that rejects fewer rows.
///
/// A file whose sniffed reading rejects nothing is walked once, as before. Otherwise each
/// reading [`Dialect::alternatives`] lists is first weighed on the sniffed sample (cheap);
/// the best one that beats the sniffed reading there is walked in full, and chosen if it beats
/// it on the whole file too ([`dialect::Weighed::beats`]), with a note saying which reading
/// was read and why.
fn choose_reading(
    sample: &[u8],
    sniffed: Dialect,
    forced: &ForcedDialect,
    decoded: &mut dyn FnMut() -> io::Result<Box<dyn Read + Send>>,
    notes: &mut Vec<String>,
) -> io::Result<(Dialect, records::Tally)> {
    let tally = records::walk(decoded, &sniffed, CSV_INFER_ROWS)?;
    if tally.rejected == 0 {
        return Ok((sniffed, tally));
    }
    let whole_lines = match sample.iter().rposition(|&b| b == b'\n') {
        Some(end) => &sample[..=end],
        None => sample,
    };
    let on_sample = |reading: &Dialect| -> io::Result<dialect::Weighed> {
        let mut open = || Ok(Box::new(Cursor::new(whole_lines.to_vec())) as Box<dyn Read + Send>);
        records::walk(&mut open, reading, 0).map(|walked| weighed(&walked))
    };
    let sniffed_on_sample = on_sample(&sniffed)?;
    let mut best: Option<(dialect::Weighed, Dialect)> = None;
    for reading in sniffed.alternatives(forced, sample) {
        let outcome = on_sample(&reading)?;
        let leader = best.map_or(sniffed_on_sample, |(leader, _)| leader);
        if outcome.beats(&leader) {
            best = Some((outcome, reading));
        }
    }
    let Some((_, reading)) = best else {
        return Ok((sniffed, tally));
    };
    let other = records::walk(decoded, &reading, CSV_INFER_ROWS)?;
    if !weighed(&other).beats(&weighed(&tally)) {
        return Ok((sniffed, tally));
    }
    notes.push(format!(
        "dialect: read as ({}) rather than as first sniffed ({}): that reading rejects {} row(s), this one {}",
        reading.describe(),
        sniffed.describe(),
        tally.rejected,
        other.rejected,
    ));
    Ok((reading, other))
}

/// A walk's figures, to weigh one reading against another.
fn weighed(tally: &records::Tally) -> dialect::Weighed {
    dialect::Weighed {
        width: tally.first.len(),
        accepted: tally.accepted,
        rejected: tally.rejected,
    }
}

/// Walks the file again, writing its accepted rows to `path` in its own dialect and
/// compression; returns the copy's size in bytes.
fn write_copy(
    decoded: &mut dyn FnMut() -> io::Result<Box<dyn Read + Send>>,
    dialect: &Dialect,
    breaks: &[records::Break],
    compression: Compression,
    path: &std::path::Path,
) -> io::Result<u64> {
    let mut out = compressed_writer(path, compression)?;
    records::copy_accepted(decoded, dialect, breaks, &mut out as &mut dyn Write)?;
    out.finish()?;
    Ok(std::fs::metadata(path)?.len())
}

/// A new file at `path` that compresses what is written to it as `compression` does.
pub(crate) fn compressed_writer(
    path: &std::path::Path,
    compression: Compression,
) -> io::Result<Box<dyn FinishWrite>> {
    let file = io::BufWriter::new(std::fs::File::create(path)?);
    Ok(match compression {
        Compression::None => Box::new(file),
        Compression::Gzip => Box::new(flate2::write::GzEncoder::new(
            file,
            flate2::Compression::fast(),
        )),
        Compression::Zstd => Box::new(zstd::stream::write::Encoder::new(file, 1)?),
        Compression::Bzip2 => Box::new(bzip2::write::BzEncoder::new(
            file,
            bzip2::Compression::fast(),
        )),
        Compression::Xz => Box::new(liblzma::write::XzEncoder::new(file, 1)),
    })
}

/// A writer that must be finished (a compressor's trailer) before the file is complete.
pub(crate) trait FinishWrite: Write {
    fn finish(self: Box<Self>) -> io::Result<()>;
}

impl<W: Write> FinishWrite for io::BufWriter<W> {
    fn finish(mut self: Box<Self>) -> io::Result<()> {
        self.flush()
    }
}

impl<W: Write> FinishWrite for flate2::write::GzEncoder<W> {
    fn finish(self: Box<Self>) -> io::Result<()> {
        (*self).finish()?.flush()
    }
}

impl<W: Write> FinishWrite for zstd::stream::write::Encoder<'static, W> {
    fn finish(self: Box<Self>) -> io::Result<()> {
        (*self).finish()?.flush()
    }
}

impl<W: Write> FinishWrite for bzip2::write::BzEncoder<W> {
    fn finish(self: Box<Self>) -> io::Result<()> {
        (*self).finish()?.flush()
    }
}

impl<W: Write> FinishWrite for liblzma::write::XzEncoder<W> {
    fn finish(self: Box<Self>) -> io::Result<()> {
        (*self).finish()?.flush()
    }
}

/// Whether the first record is a header: it is not when some column is typed (number, date,
/// boolean) by the rows after it and the first record's values fit those types too.
fn looks_like_header(sample: &[u8]) -> bool {
    let infer = |text: &[u8], header: bool| infer_schema(text, header).map(|(schema, _)| schema);
    let first_end = first_record_end(sample);
    let (Ok(body), Ok(first)) = (infer(sample, true), infer(&sample[..first_end], false)) else {
        return true;
    };
    let mut typed_and_fitting = 0;
    for (body, first) in body.fields().iter().zip(first.fields()) {
        let (body, first) = (body.data_type(), first.data_type());
        if matches!(body, DataType::Utf8 | DataType::Null) {
            continue;
        }
        let fits = body == first || (body == &DataType::Float64 && first == &DataType::Int64);
        match (fits, first) {
            (_, DataType::Null) => {}
            (true, _) => typed_and_fitting += 1,
            (false, _) => return true,
        }
    }
    typed_and_fitting == 0
}

/// Where the sample's first record ends (the sample is RFC 4180 as the walk wrote it).
fn first_record_end(sample: &[u8]) -> usize {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(sample);
    let mut record = csv::ByteRecord::new();
    let _ = reader.read_byte_record(&mut record);
    usize::try_from(reader.position().byte()).map_or(sample.len(), |end| end.min(sample.len()))
}

/// The range of every time column (as inferred) whose smallest and largest text the walk kept,
/// parsed as its type: what the file states before the profile reads it, as a Parquet footer
/// does. Byte order is not always time order (`2024-1-5` against `2024-01-05`, mixed
/// offsets), so a stated range is a plan, which the profile checks against the range it
/// measures (see `dimensions::representativeness`).
fn stated_ranges(schema: &Schema, ranges: &[TextRange]) -> Vec<StatedRange> {
    schema
        .fields()
        .iter()
        .zip(ranges)
        .filter(|(field, _)| is_time_type(field.data_type()))
        .filter_map(|(field, range)| {
            let TextRange::Kept { min, max } = range else {
                return None;
            };
            let text = StringArray::from(vec![
                String::from_utf8_lossy(min).into_owned(),
                String::from_utf8_lossy(max).into_owned(),
            ]);
            let parsed = cast(&text, field.data_type()).ok()?;
            let at = |row| {
                ScalarValue::try_from_array(&parsed, row)
                    .ok()
                    .and_then(|value| instant(&value))
            };
            Some(StatedRange {
                column: field.name().clone(),
                min: at(0)?,
                max: at(1)?,
            })
        })
        .collect()
}

/// arrow's CSV type inference over `sample`, one file at a time.
///
/// arrow matches every value against one shared set of patterns, whose matching state is
/// pooled between threads: walks inferring side by side on more threads than cores fought over
/// the pool, and each lost round built a fresh matcher (the pool and those matchers' memory
/// were about 45% of the samples of a 200-file walk). One inference at a time keeps the pool
/// uncontended.
fn infer_schema(sample: &[u8], header: bool) -> Result<(Schema, usize), ArrowError> {
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    Format::default()
        .with_header(header)
        .with_truncated_rows(true)
        .infer_schema(Cursor::new(sample), None)
}

/// Column types from the sample (arrow's CSV inference), under `names`. A column with no value
/// in the sample is text, never `Null`: values further down must not be lost.
fn infer_types(sample: &[u8], names: &[String], has_header: bool) -> Result<SchemaRef, String> {
    let (inferred, _) = infer_schema(sample, has_header)
        .map_err(|error| format!("column types cannot be inferred: {error}"))?;
    let fields: Vec<Field> = names
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let data_type = match inferred.fields().get(index).map(|f| f.data_type()) {
                None | Some(DataType::Null) => DataType::Utf8,
                Some(other) => other.clone(),
            };
            Field::new(name, data_type, true)
        })
        .collect();
    Ok(Arc::new(Schema::new(fields)))
}

/// The file's bytes from the start, decompressed, as a blocking reader (called from a
/// blocking thread).
pub(crate) fn open_text(
    handle: &tokio::runtime::Handle,
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
    compression: Compression,
) -> io::Result<Box<dyn Read + Send>> {
    let raw = RangedReader {
        handle: handle.clone(),
        store: store.clone(),
        location: meta.location.clone(),
        size: meta.size,
        next: 0,
        chunk: bytes::Bytes::new(),
        pending: None,
    };
    let limit = meta
        .size
        .saturating_mul(MAX_EXPANSION)
        .max(MIN_DECOMPRESSED_LIMIT);
    Ok(match compression {
        Compression::None => decompressed(Box::new(raw), compression),
        _ => Box::new(BoundedReader {
            inner: decompressed(Box::new(raw), compression),
            left: limit,
            compressed: meta.size,
        }),
    })
}

/// A compressed file may expand this many times its size (text compresses 5-20 times)...
pub const MAX_EXPANSION: u64 = 200;
/// ...or to this many bytes, whichever is more; beyond both it is a decompression bomb.
pub const MIN_DECOMPRESSED_LIMIT: u64 = 1 << 30;

/// Decompressed text that stops with an error past its limit.
struct BoundedReader {
    inner: Box<dyn Read + Send>,
    left: u64,
    compressed: u64,
}

impl Read for BoundedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        match self.left.checked_sub(read as u64) {
            Some(left) => {
                self.left = left;
                Ok(read)
            }
            None => Err(io::Error::other(format!(
                "decompresses to more than {} times its {} bytes (and over {} GiB): refused as a decompression bomb",
                MAX_EXPANSION,
                self.compressed,
                MIN_DECOMPRESSED_LIMIT >> 30
            ))),
        }
    }
}

/// Bytes fetched per request while walking a file.
const READ_CHUNK: u64 = 8 << 20;

/// An object read from a blocking thread in ranges of [`READ_CHUNK`], the next range fetched
/// while the current one is parsed. (A streamed `get` from a local store hands out 8 KiB at a
/// time, each through a blocking task: a quarter of a million of them for 2 GB.)
struct RangedReader {
    handle: tokio::runtime::Handle,
    store: Arc<dyn ObjectStore>,
    location: object_store::path::Path,
    size: u64,
    next: u64,
    chunk: bytes::Bytes,
    pending: Option<tokio::task::JoinHandle<object_store::Result<bytes::Bytes>>>,
}

impl RangedReader {
    fn fetch(&mut self) -> Option<tokio::task::JoinHandle<object_store::Result<bytes::Bytes>>> {
        if self.next >= self.size {
            return None;
        }
        let range = self.next..(self.next + READ_CHUNK).min(self.size);
        self.next = range.end;
        let (store, location) = (self.store.clone(), self.location.clone());
        Some(
            self.handle
                .spawn(async move { store.get_range(&location, range).await }),
        )
    }
}

impl Read for RangedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.chunk.is_empty() {
            let pending = match self.pending.take() {
                Some(pending) => pending,
                None => match self.fetch() {
                    Some(pending) => pending,
                    None => return Ok(0),
                },
            };
            self.chunk = self
                .handle
                .block_on(pending)
                .map_err(io::Error::other)?
                .map_err(io::Error::other)?;
            self.pending = self.fetch();
            if self.chunk.is_empty() {
                // The object is shorter than listed: it changed while being read.
                return Ok(0);
            }
        }
        let n = self.chunk.len().min(buf.len());
        buf[..n].copy_from_slice(&self.chunk.split_to(n));
        Ok(n)
    }
}

/// `raw` decompressed.
pub fn decompressed(raw: Box<dyn Read + Send>, compression: Compression) -> Box<dyn Read + Send> {
    match compression {
        Compression::None => raw,
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(raw)),
        Compression::Zstd => match zstd::stream::read::Decoder::new(raw) {
            Ok(decoder) => Box::new(decoder),
            Err(error) => Box::new(FailingReader(Some(error))),
        },
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(raw)),
        Compression::Xz => Box::new(liblzma::read::XzDecoder::new_multi_decoder(raw)),
    }
}

/// A reader whose first read fails with the error that kept it from being built.
struct FailingReader(Option<io::Error>);

impl Read for FailingReader {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        Err(self
            .0
            .take()
            .unwrap_or_else(|| io::Error::other("unreadable stream")))
    }
}

/// The first bytes of a possibly compressed file, decompressed as far as they go.
pub fn decompressed_head(head: &[u8], compression: Compression) -> Vec<u8> {
    let mut out = Vec::new();
    // A truncated stream ends in an error; what was decoded before it is what we want.
    let _ = decompressed(Box::new(Cursor::new(head.to_vec())), compression)
        .take(SNIFF_BYTES)
        .read_to_end(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_readings_vary_only_what_was_not_forced() {
        let rfc = Dialect::rfc4180();
        let forced = ForcedDialect::default();
        assert_eq!(rfc.alternatives(&forced, b"a,b\n").len(), 3);
        assert_eq!(rfc.alternatives(&forced, b"a,\"b\\\"\n").len(), 7);
        let forced = ForcedDialect {
            delimiter: Some(b','),
            ..ForcedDialect::default()
        };
        assert!(rfc.alternatives(&forced, b"a,b\n").is_empty());
        assert_eq!(
            Dialect {
                delimiter: b'\t',
                escape: Some(b'\\'),
                ..rfc
            }
            .describe(),
            "delimiter tab, `\\` escaping quotes"
        );
    }

    #[test]
    fn decompressed_text_past_its_limit_is_refused() {
        // 16 MiB of zeros compress about a thousand times: a small bomb.
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gzip.write_all(&vec![b'0'; 16 << 20]).unwrap();
        let compressed = gzip.finish().unwrap();
        let mut reader = BoundedReader {
            inner: decompressed(Box::new(Cursor::new(compressed.clone())), Compression::Gzip),
            left: compressed.len() as u64 * MAX_EXPANSION,
            compressed: compressed.len() as u64,
        };
        let error = io::copy(&mut reader, &mut io::sink()).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "decompresses to more than 200 times its {} bytes (and over 1 GiB): refused as a decompression bomb",
                compressed.len()
            )
        );
        // Within the limit, the text is read whole.
        let mut reader = BoundedReader {
            inner: decompressed(Box::new(Cursor::new(compressed.clone())), Compression::Gzip),
            left: 16 << 20,
            compressed: compressed.len() as u64,
        };
        assert_eq!(io::copy(&mut reader, &mut io::sink()).unwrap(), 16 << 20);
    }

    #[test]
    fn a_header_is_told_from_a_first_data_row() {
        assert!(looks_like_header(b"id,amount\n1,2.5\n2,3.0\n"));
        assert!(!looks_like_header(b"1,2.5\n2,3.0\n3,4\n"));
        // All text: a header is assumed.
        assert!(looks_like_header(b"ann,bob\ncy,dan\n"));
        // An empty header name over a number column does not make it data.
        assert!(looks_like_header(b"id,\n1,2\n2,3\n"));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_file_of_several_ranges_is_read_whole_in_order() {
        use object_store::{ObjectStoreExt, PutPayload};
        // 2.5 read ranges of numbered lines.
        let lines = (READ_CHUNK * 5 / 2) / 16;
        let text: String = (0..lines).map(|i| format!("{i:>15}\n")).collect();
        let store: Arc<dyn ObjectStore> = Arc::new(object_store::memory::InMemory::new());
        let path = object_store::path::Path::from("big.csv");
        store
            .put(&path, PutPayload::from(text.clone().into_bytes()))
            .await
            .expect("stored");
        let meta = store.head(&path).await.expect("listed");
        let handle = tokio::runtime::Handle::current();
        let read = tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            open_text(&handle, &store, &meta, Compression::None)
                .and_then(|mut reader| reader.read_to_end(&mut out))
                .map(|_| out)
        })
        .await
        .expect("joined")
        .expect("read");
        assert_eq!(read.len(), text.len());
        assert!(read == text.as_bytes());
    }

    #[test]
    fn the_deduplicated_sample_types_columns_as_the_whole_sample_does() {
        // Repeated values, a header value repeated in the body, a late wider value, a column
        // whose only values are repeats of earlier ones.
        let text: &'static [u8] =
            b"n,x,flag,when\n1,2.5,true,2024-01-01\n1,2.5,false,2024-01-01\nn,2.5,true,2024-01-01\n2,3,TRUE,2024-01-01T10:00:00\n";
        let mut open = || Ok(Box::new(text) as Box<dyn Read + Send>);
        let tally = records::walk(&mut open, &Dialect::rfc4180(), CSV_INFER_ROWS).expect("walked");
        assert_eq!(
            String::from_utf8_lossy(&tally.sample),
            "n,x,flag,when\n1,2.5,true,2024-01-01\n,,false,\nn,,,\n2,3,TRUE,2024-01-01T10:00:00\n"
        );
        let names: Vec<String> = tally.first.clone();
        let deduplicated = infer_types(&tally.sample, &names, true).expect("inferred");
        let whole = infer_types(text, &names, true).expect("inferred");
        assert_eq!(deduplicated, whole);
        let types: Vec<_> = whole
            .fields()
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        assert_eq!(
            types,
            [
                DataType::Utf8,
                DataType::Float64,
                DataType::Boolean,
                DataType::Timestamp(datafusion::arrow::datatypes::TimeUnit::Second, None)
            ]
        );
    }

    #[test]
    fn the_walk_states_the_range_of_columns_written_as_iso_dates() {
        let text: &'static [u8] = b"id,day,at,code\n1,,2024-03-01 10:00:00,1999-12\n2,2024-02-29,2024-01-01 00:00:00,2024-x\n3,2024-03-02,2024-12-31 23:59:59,\n4,2024-01-15,,abc\n";
        let mut open = || Ok(Box::new(text) as Box<dyn Read + Send>);
        let tally = records::walk(&mut open, &Dialect::rfc4180(), CSV_INFER_ROWS).expect("walked");
        let kept = |min: &str, max: &str| TextRange::Kept {
            min: min.as_bytes().to_vec(),
            max: max.as_bytes().to_vec(),
        };
        assert_eq!(
            tally.text_ranges,
            [
                TextRange::NotKept,
                kept("2024-01-15", "2024-03-02"),
                kept("2024-01-01 00:00:00", "2024-12-31 23:59:59"),
                // Starts like a date, but is typed text: no range is stated for it.
                kept("1999-12", "abc"),
            ]
        );
        let names = tally.first.clone();
        let schema = infer_types(&tally.sample, &names, true).expect("inferred");
        let ranges: Vec<_> = stated_ranges(&schema, &tally.text_ranges)
            .into_iter()
            .map(|r| (r.column, r.min.to_rfc3339(), r.max.to_rfc3339()))
            .collect();
        assert_eq!(
            ranges,
            [
                (
                    "day".to_string(),
                    "2024-01-15T00:00:00+00:00".to_string(),
                    "2024-03-02T00:00:00+00:00".to_string()
                ),
                (
                    "at".to_string(),
                    "2024-01-01T00:00:00+00:00".to_string(),
                    "2024-12-31T23:59:59+00:00".to_string()
                ),
            ]
        );
    }

    #[test]
    fn columns_empty_in_the_sample_are_text() {
        let schema =
            infer_types(b"a,b\n1,\n2,\n", &["a".into(), "b".into()], true).expect("inferred");
        assert_eq!(schema.field(0).data_type(), &DataType::Int64);
        assert_eq!(schema.field(1).data_type(), &DataType::Utf8);
    }
}
