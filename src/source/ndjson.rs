//! Newline-delimited JSON files, walked once before any query: every non-blank line is a JSON
//! object (a row) or a rejected row, and the schema is inferred over every accepted line with
//! arrow-json's inference, the one DataFusion's JSON reader uses.
//!
//! Invariant: the rows DataFusion reads, from the file or from its cleaned copy, are exactly
//! the accepted lines. Both skip blank lines; a rejected line is never in the copy. A column
//! that mixes text with numbers or booleans is inferred as text, which arrow-json's reader
//! does not coerce: the copy writes those values as strings, so no row is lost to it.

use std::collections::BTreeMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use object_store::{ObjectMeta, ObjectStore};
use serde_json::Value;

use super::Compression;
use super::delimited::records::{REJECT_EXAMPLES, RejectKind, Rejected};
use super::delimited::scanner::MAX_RECORD_BYTES;
use super::delimited::{compressed_writer, open_text};

/// What walking one NDJSON file found.
#[derive(Debug, Clone)]
pub struct JsonReading {
    pub schema: SchemaRef,
    /// Lines accepted as rows (what the profile reads).
    pub row_count: u64,
    pub rejected_row_count: u64,
    pub rejected_rows: Vec<Rejected>,
    /// Things a reader of the report should know (columns read as text).
    pub notes: Vec<String>,
    /// The cleaned copy DataFusion reads instead of the file, and its size.
    pub copy: Option<(PathBuf, u64)>,
}

/// Why a file is not read as NDJSON.
#[derive(Debug, Clone, PartialEq)]
pub enum JsonError {
    /// Its first line is not a JSON object: a JSON document (a manifest, a schema), not rows.
    NotLineDelimited,
    Unreadable(String),
}

/// Reads one NDJSON file through `store`; `copy_to` is where a cleaned copy goes if needed.
pub async fn read_json_file(
    store: &Arc<dyn ObjectStore>,
    meta: &ObjectMeta,
    compression: Compression,
    copy_to: PathBuf,
) -> Result<JsonReading, JsonError> {
    if meta.size == 0 {
        return Err(JsonError::Unreadable("empty file".to_string()));
    }
    let store = store.clone();
    let meta = meta.clone();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let mut open = || open_text(&handle, &store, &meta, compression);
        read_blocking(&mut open, compression, copy_to)
    })
    .await
    .map_err(|error| JsonError::Unreadable(format!("reading stopped: {error}")))?
}

/// The kinds of JSON value seen in one top-level column.
#[derive(Debug, Default, Clone, Copy)]
struct Kinds {
    text: bool,
    other_scalar: bool,
}

/// State of one walk over the lines.
#[derive(Default)]
struct Walk {
    line: u64,
    offset: u64,
    accepted: u64,
    rejected: u64,
    examples: Vec<Rejected>,
    /// Physical line numbers of rejected lines, for the copy.
    rejected_lines: Vec<u64>,
    kinds: BTreeMap<String, Kinds>,
    first_seen: bool,
    not_line_delimited: bool,
    bom: bool,
    error: Option<io::Error>,
}

impl Walk {
    /// The next accepted object, recording rejected lines on the way.
    fn next_object(&mut self, reader: &mut dyn BufRead, buffer: &mut Vec<u8>) -> Option<Value> {
        loop {
            buffer.clear();
            let limit = MAX_RECORD_BYTES as u64 + 1;
            match (&mut *reader).take(limit).read_until(b'\n', buffer) {
                Ok(0) => return None,
                Ok(read) if read as u64 == limit && buffer.last() != Some(&b'\n') => {
                    self.error = Some(io::Error::other(format!(
                        "a line longer than {} MiB at line {}: the file is not read (limit for one row)",
                        MAX_RECORD_BYTES >> 20,
                        self.line + 1
                    )));
                    return None;
                }
                Ok(_) => {}
                Err(error) => {
                    self.error = Some(error);
                    return None;
                }
            }
            self.line += 1;
            let offset = self.offset;
            self.offset += buffer.len() as u64;
            let mut text: &[u8] = buffer;
            if self.line == 1 && text.starts_with(b"\xEF\xBB\xBF") {
                self.bom = true;
                text = &text[3..];
            }
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let first = !self.first_seen;
            self.first_seen = true;
            let kind = match serde_json::from_slice::<Value>(text) {
                Ok(Value::Object(map)) => {
                    self.accepted += 1;
                    for (key, value) in &map {
                        let kinds = self.kinds.entry(key.clone()).or_default();
                        match value {
                            Value::String(_) => kinds.text = true,
                            Value::Number(_) | Value::Bool(_) => kinds.other_scalar = true,
                            _ => {}
                        }
                    }
                    return Some(Value::Object(map));
                }
                Ok(_) => RejectKind::InvalidJson,
                Err(_) if std::str::from_utf8(text).is_err() => RejectKind::InvalidEncoding,
                Err(_) => RejectKind::InvalidJson,
            };
            if first {
                self.not_line_delimited = true;
                return None;
            }
            self.rejected += 1;
            self.rejected_lines.push(self.line);
            if self.examples.len() < REJECT_EXAMPLES {
                let shown = String::from_utf8_lossy(text).trim_end().to_string();
                self.examples.push(Rejected {
                    line: self.line,
                    byte_offset: offset,
                    kind,
                    fields: vec![shown],
                });
            }
        }
    }
}

/// The blocking half of [`read_json_file`]: `open` gives the file's bytes, decompressed.
fn read_blocking(
    open: &mut dyn FnMut() -> io::Result<Box<dyn Read + Send>>,
    compression: Compression,
    copy_to: PathBuf,
) -> Result<JsonReading, JsonError> {
    let unreadable = |error: io::Error| JsonError::Unreadable(format!("cannot read: {error}"));
    let mut reader = BufReader::with_capacity(1 << 20, open().map_err(unreadable)?);
    let mut walk = Walk::default();
    let mut buffer = Vec::new();
    let inferred = {
        let values = std::iter::from_fn(|| walk.next_object(&mut reader, &mut buffer).map(Ok));
        arrow_json::reader::infer_json_schema_from_iterator(values)
    };
    if walk.not_line_delimited {
        return Err(JsonError::NotLineDelimited);
    }
    if let Some(error) = walk.error.take() {
        return Err(unreadable(error));
    }
    let inferred = inferred
        .map_err(|error| JsonError::Unreadable(format!("no schema fits its lines: {error}")))?;
    if walk.accepted == 0 {
        return Err(JsonError::Unreadable(
            "no line is a JSON object".to_string(),
        ));
    }
    let mut notes = Vec::new();
    let mut as_text = Vec::new();
    // Columns with no value at all are text, never arrow's `Null`, as for CSV.
    let fields: Vec<Field> = inferred
        .fields()
        .iter()
        .map(|field| {
            let kinds = walk.kinds.get(field.name()).copied().unwrap_or_default();
            match field.data_type() {
                DataType::Null => field.as_ref().clone().with_data_type(DataType::Utf8),
                DataType::Utf8 if kinds.text && kinds.other_scalar => {
                    notes.push(format!(
                        "column `{}` mixes text with numbers or booleans: it is read as text",
                        field.name()
                    ));
                    as_text.push(field.name().clone());
                    field.as_ref().clone()
                }
                _ => field.as_ref().clone(),
            }
        })
        .map(|field| field.with_nullable(true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let needs_copy = walk.rejected > 0 || walk.bom || !as_text.is_empty();
    let copy = if needs_copy {
        let size = write_copy(open, compression, &walk.rejected_lines, &as_text, &copy_to)
            .map_err(|error| {
                JsonError::Unreadable(format!("cannot write the cleaned copy: {error}"))
            })?;
        Some((copy_to, size))
    } else {
        None
    };
    Ok(JsonReading {
        schema,
        row_count: walk.accepted,
        rejected_row_count: walk.rejected,
        rejected_rows: walk.examples,
        notes,
        copy,
    })
}

/// Writes the accepted lines to `path` in the file's compression, values of `as_text`
/// columns written as strings; returns the copy's size in bytes.
fn write_copy(
    open: &mut dyn FnMut() -> io::Result<Box<dyn Read + Send>>,
    compression: Compression,
    rejected_lines: &[u64],
    as_text: &[String],
    path: &std::path::Path,
) -> io::Result<u64> {
    let mut reader = BufReader::with_capacity(1 << 20, open()?);
    let mut out = compressed_writer(path, compression)?;
    let mut rejected = rejected_lines.iter().peekable();
    let mut buffer = Vec::new();
    let mut line = 0u64;
    loop {
        buffer.clear();
        if reader.read_until(b'\n', &mut buffer)? == 0 {
            break;
        }
        line += 1;
        if rejected.peek() == Some(&&line) {
            rejected.next();
            continue;
        }
        let mut text: &[u8] = &buffer;
        if line == 1 && text.starts_with(b"\xEF\xBB\xBF") {
            text = &text[3..];
        }
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if as_text.is_empty() {
            out.write_all(text.trim_ascii_end())?;
        } else {
            let mut value: Value = serde_json::from_slice(text).map_err(io::Error::other)?;
            if let Value::Object(map) = &mut value {
                for name in as_text {
                    if let Some(cell @ (Value::Number(_) | Value::Bool(_))) = map.get_mut(name) {
                        *cell = Value::String(cell.to_string());
                    }
                }
            }
            serde_json::to_writer(&mut out, &value).map_err(io::Error::other)?;
        }
        out.write_all(b"\n")?;
    }
    out.finish()?;
    Ok(std::fs::metadata(path)?.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<JsonReading, JsonError> {
        let bytes = text.as_bytes().to_vec();
        let mut open =
            || -> io::Result<Box<dyn Read + Send>> { Ok(Box::new(io::Cursor::new(bytes.clone()))) };
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("copy.json");
        let reading = read_blocking(&mut open, Compression::None, copy)?;
        // Keep the copy's text for the assertions below.
        if let Some((path, _)) = &reading.copy {
            let text = std::fs::read_to_string(path).unwrap();
            let mut reading = reading.clone();
            reading.notes.push(format!("copy:{text}"));
            return Ok(reading);
        }
        Ok(reading)
    }

    #[test]
    fn bad_lines_are_rejected_and_left_out_of_the_copy() {
        let reading =
            read("{\"id\":1,\"v\":\"a\"}\n\n{\"id\":2,\"v\":\n[1,2]\n{\"id\":3,\"v\":null}\r\n")
                .unwrap();
        assert_eq!(reading.row_count, 2);
        assert_eq!(reading.rejected_row_count, 2);
        let lines: Vec<(u64, RejectKind)> = reading
            .rejected_rows
            .iter()
            .map(|row| (row.line, row.kind))
            .collect();
        assert_eq!(
            lines,
            [(3, RejectKind::InvalidJson), (4, RejectKind::InvalidJson)]
        );
        assert_eq!(reading.rejected_rows[0].byte_offset, 18);
        assert_eq!(
            reading.notes.last().unwrap(),
            "copy:{\"id\":1,\"v\":\"a\"}\n{\"id\":3,\"v\":null}\n"
        );
        let types: Vec<_> = reading
            .schema
            .fields()
            .iter()
            .map(|f| (f.name().as_str(), f.data_type().clone()))
            .collect();
        assert_eq!(types, [("id", DataType::Int64), ("v", DataType::Utf8)]);
    }

    #[test]
    fn text_mixed_with_numbers_is_read_as_text_in_the_copy() {
        let reading = read("{\"code\":\"A1\"}\n{\"code\":7}\n{\"code\":true}\n").unwrap();
        assert_eq!(reading.row_count, 3);
        assert_eq!(reading.rejected_row_count, 0);
        assert_eq!(
            reading.notes[0],
            "column `code` mixes text with numbers or booleans: it is read as text"
        );
        assert_eq!(
            reading.notes[1],
            "copy:{\"code\":\"A1\"}\n{\"code\":\"7\"}\n{\"code\":\"true\"}\n"
        );
    }

    #[test]
    fn a_json_document_is_not_rows() {
        assert_eq!(
            read("{\n  \"name\": \"manifest\"\n}\n").unwrap_err(),
            JsonError::NotLineDelimited
        );
        assert_eq!(read("[1, 2]\n").unwrap_err(), JsonError::NotLineDelimited);
        let empty = read("{}\n").unwrap();
        assert_eq!((empty.row_count, empty.schema.fields().len()), (1, 0));
    }
}
