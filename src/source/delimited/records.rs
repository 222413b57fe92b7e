//! One walk over a CSV file's records: the header, then every data record accepted or
//! rejected, as DuckDB's reject table would list them.
//!
//! Invariant: a record is accepted only if it has as many fields as the first record and is
//! valid UTF-8, so the rows DataFusion later reads from the same bytes (or from the cleaned
//! copy) are exactly the accepted ones: both sides split records with `csv_core` under the
//! same dialect. A quoted field that is never closed would swallow the rest of the file into
//! one record: its first line is rejected instead (`unclosed_quote`) and the walk restarts
//! after it, so the lines after it are read as the rows they are. A quoted value closed on a
//! later line by a quote with text after it (a stray quote that met the next quoted value)
//! would join rows as silently: its first line is rejected too (`malformed_quote`, see
//! [`super::scanner`]) and the lines after it are read as rows.

use std::io::{self, BufRead, BufReader, Read, Write};

use datafusion::common::HashSet;
use serde::{Deserialize, Serialize};

use super::Dialect;
use super::scanner::{Record, Scanner};

/// Rejected rows kept as examples per file (all are counted).
pub const REJECT_EXAMPLES: usize = 20;

/// Characters of a rejected row kept in its excerpt.
const EXCERPT_CHARS: usize = 120;

/// Distinct values per column the sample is deduplicated by (see `Tally::sample_new_values`).
const SAMPLED_VALUES_PER_COLUMN: usize = 4096;

/// Unclosed quotes recovered from per file; past this the rest of the file is one reject.
const MAX_RESTARTS: usize = 100;

/// Why a row was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RejectKind {
    /// More fields than the header.
    TooManyFields,
    /// Fewer fields than the header.
    TooFewFields,
    /// A quoted field that is never closed (its first line is rejected).
    UnclosedQuote,
    /// A quoted field closed on a later line by a quote with text after it, which RFC 4180
    /// does not allow (its first line is rejected; the lines after it are read as rows).
    MalformedQuote,
    /// Bytes that are not valid in the file's encoding.
    InvalidEncoding,
    /// An NDJSON line that is not one JSON object.
    InvalidJson,
}

impl RejectKind {
    /// The reason in words, for findings and the report.
    pub fn in_words(self) -> &'static str {
        match self {
            Self::TooManyFields => "more fields than the header",
            Self::TooFewFields => "fewer fields than the header",
            Self::UnclosedQuote => "a quote that is never closed",
            Self::MalformedQuote => {
                "a quote closed on a later line with text after it (rows joined into one value)"
            }
            Self::InvalidEncoding => "bytes that are not valid text in the file's encoding",
            Self::InvalidJson => "a line that is not one JSON object",
        }
    }
}

/// One rejected row, as found.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejected {
    pub line: u64,
    pub byte_offset: u64,
    pub kind: RejectKind,
    /// The row's fields (lossy UTF-8, each cut short), for an excerpt masked later.
    pub fields: Vec<String>,
}

/// What a walk saw.
#[derive(Debug, Default)]
pub struct Tally {
    /// The first record, as written (lossy UTF-8).
    pub first: Vec<String>,
    /// Accepted records, the first one included.
    pub accepted: u64,
    pub rejected: u64,
    pub examples: Vec<Rejected>,
    /// The first record and up to `sample_rows` accepted records after it, rewritten as
    /// RFC 4180 CSV: the sample types are inferred from.
    pub sample: Vec<u8>,
    /// Per column: the line of its first non-empty value after the sample, when the sample
    /// had none.
    pub late_values: Vec<Option<u64>>,
    /// Where unclosed quotes were found.
    pub breaks: Vec<Break>,
    /// Accepted rows with a quoted value holding a whole line that looks like a row of its own
    /// (as many delimiters as the header: a stray quote closed by another one further down,
    /// the rows between joined into one value), and the line of the first.
    pub swallowing_rows: u64,
    pub first_swallowing_line: Option<u64>,
    /// Per column, the smallest and largest text (by bytes) of the accepted records after the
    /// first, for columns whose first value starts like an ISO date: after inference, a time
    /// column's range as the file states it (see [`TextRange`]).
    pub text_ranges: Vec<TextRange>,
    /// Per column, the values the sample already holds after its first record (128-bit
    /// hashes, in sets with a fast hasher: the default SipHash was 7% of the walks' CPU).
    sampled: Vec<HashSet<u128>>,
}

/// A column's smallest and largest value by bytes, kept only for a column whose first value
/// starts like an ISO date (`dddd-d`), where byte order is usually time order. Usually: a
/// range stated from it must be checked against the range the data gives.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum TextRange {
    /// No value seen yet.
    #[default]
    Unseen,
    /// The first value does not start like a date.
    NotKept,
    Kept {
        min: Vec<u8>,
        max: Vec<u8>,
    },
}

impl TextRange {
    fn add(&mut self, value: &[u8]) {
        match self {
            Self::NotKept => {}
            _ if value.is_empty() => {}
            Self::Unseen => {
                *self = match starts_like_a_date(value) {
                    true => Self::Kept {
                        min: value.to_vec(),
                        max: value.to_vec(),
                    },
                    false => Self::NotKept,
                }
            }
            Self::Kept { min, max } => {
                if value < min.as_slice() {
                    *min = value.to_vec();
                } else if value > max.as_slice() {
                    *max = value.to_vec();
                }
            }
        }
    }
}

fn starts_like_a_date(value: &[u8]) -> bool {
    matches!(value, [a, b, c, d, b'-', e, ..] if [a, b, c, d, e].iter().all(|x| x.is_ascii_digit()))
}

/// Where an unclosed quote was found: the byte offset and line of its record.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Break {
    offset: u64,
    line: u64,
}

/// Walks a file: `open` gives its text (decoded to UTF-8) from the start, and is called again
/// to look at the end of the file and after each unclosed quote. The tally's `breaks` are
/// where the walk found unclosed quotes: [`copy_accepted`] needs them to write the same rows.
pub fn walk(
    open: &mut dyn FnMut() -> io::Result<Box<dyn Read + Send>>,
    dialect: &Dialect,
    sample_rows: usize,
) -> io::Result<Tally> {
    let mut breaks: Vec<Break> = Vec::new();
    loop {
        let mut tally = Tally::default();
        let last = walk_once(open()?, dialect, &breaks, sample_rows, &mut tally, None)?;
        let unclosed = match last {
            Some(last) if breaks.len() < MAX_RESTARTS => {
                let mut tail = open()?;
                io::copy(&mut (&mut tail).take(last.offset), &mut io::sink())?;
                ends_inside_quotes(tail, dialect)?.then_some(last)
            }
            _ => None,
        };
        match unclosed {
            Some(found) => breaks.push(found),
            None => {
                tally.breaks = breaks;
                return Ok(tally);
            }
        }
    }
}

/// Writes every record [`walk`] accepted (its `breaks` given) to `out`, in the file's dialect.
pub fn copy_accepted(
    open: &mut dyn FnMut() -> io::Result<Box<dyn Read + Send>>,
    dialect: &Dialect,
    breaks: &[Break],
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut writer = copy_writer(out, dialect);
    let mut tally = Tally::default();
    walk_once(open()?, dialect, breaks, 0, &mut tally, Some(&mut writer))?;
    writer.into_inner().map_err(|error| error.into_error())?;
    Ok(())
}

fn copy_writer<'w>(out: &'w mut dyn Write, dialect: &Dialect) -> csv::Writer<&'w mut dyn Write> {
    csv::WriterBuilder::new()
        .delimiter(dialect.delimiter)
        .quote(dialect.quote)
        .escape(dialect.escape.unwrap_or(dialect.quote))
        .double_quote(dialect.escape.is_none())
        .terminator(csv::Terminator::Any(b'\n'))
        .flexible(true)
        .from_writer(out)
}

/// One pass over the text, split at the `breaks` found so far. Returns the final record's
/// position when one of its fields holds a line break (only such a record can have run to
/// the end of the file inside an unclosed quote).
fn walk_once(
    text: Box<dyn Read + Send>,
    dialect: &Dialect,
    breaks: &[Break],
    sample_rows: usize,
    tally: &mut Tally,
    mut copy: Option<&mut csv::Writer<&mut dyn Write>>,
) -> io::Result<Option<Break>> {
    let mut scanner = Scanner::new(text, dialect.delimiter, dialect.quote, dialect.escape);
    let mut sampler = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    let mut width: Option<usize> = None;
    let mut last: Option<Break> = None;
    let mut record = Record::default();
    for segment in 0..=breaks.len() {
        let limit = breaks.get(segment).map(|b| b.offset);
        while scanner.next_record(&mut record, limit)? {
            let at = Break {
                offset: record.offset,
                line: record.line,
            };
            if record.malformed_quote {
                tally.reject(
                    RejectKind::MalformedQuote,
                    at,
                    record.fields().map(<[u8]>::to_vec).collect(),
                );
                last = None;
                continue;
            }
            last = record.has_line_break().then_some(at);
            let valid_text = std::str::from_utf8(record.text()).is_ok();
            let expected = *width.get_or_insert(record.field_count());
            let kind = if !valid_text && tally.accepted > 0 {
                Some(RejectKind::InvalidEncoding)
            } else if record.field_count() > expected {
                Some(RejectKind::TooManyFields)
            } else if record.field_count() < expected {
                Some(RejectKind::TooFewFields)
            } else {
                None
            };
            if let Some(kind) = kind {
                tally.reject(kind, at, record.fields().map(<[u8]>::to_vec).collect());
                continue;
            }
            if last.is_some() && expected > 1 && swallows_rows(&record, dialect.delimiter, expected)
            {
                tally.swallowing_rows += 1;
                tally.first_swallowing_line.get_or_insert(at.line);
            }
            tally.accept(&record, at.line, sample_rows, &mut sampler)?;
            if let Some(copy) = copy.as_mut() {
                copy.write_record(record.fields())?;
            }
        }
        if let Some(found) = breaks.get(segment) {
            // The unclosed quote's first line: rejected; the walk goes on after it.
            let line = scanner.skip_line()?;
            let fields = split_line(&line, dialect.delimiter);
            tally.reject(RejectKind::UnclosedQuote, *found, fields);
            last = None;
        }
    }
    tally.sample = sampler.into_inner().map_err(|error| error.into_error())?;
    Ok(last)
}

impl Tally {
    /// Writes a record after the first to the sample with only the values the sample does not
    /// hold yet in their columns, the others left empty (a record with none left is not
    /// written). arrow's inference gives a column the widest type any of its non-empty values
    /// needs, so a repeated value adds nothing to it, and matching each value against
    /// arrow's patterns was most of a small file's walk. A column past
    /// [`SAMPLED_VALUES_PER_COLUMN`] distinct values keeps every value (its sample is mostly
    /// distinct values anyway), so the sets stay small.
    fn sample_new_values(
        &mut self,
        record: &Record,
        sampler: &mut csv::Writer<Vec<u8>>,
    ) -> io::Result<()> {
        if self.sampled.len() < record.field_count() {
            self.sampled
                .resize_with(record.field_count(), HashSet::default);
        }
        let mut new = false;
        let fields: Vec<&[u8]> = record
            .fields()
            .zip(&mut self.sampled)
            .map(|(field, sampled)| {
                let fresh = !field.is_empty()
                    && (sampled.len() >= SAMPLED_VALUES_PER_COLUMN
                        || sampled.insert(twox_hash::XxHash3_128::oneshot(field)));
                new |= fresh;
                if fresh { field } else { &[] }
            })
            .collect();
        if new {
            sampler.write_record(fields)?;
        }
        Ok(())
    }

    fn reject(&mut self, kind: RejectKind, at: Break, fields: Vec<Vec<u8>>) {
        self.rejected += 1;
        if self.examples.len() < REJECT_EXAMPLES {
            self.examples.push(Rejected {
                line: at.line,
                byte_offset: at.offset,
                kind,
                fields: fields.iter().map(|f| excerpt_field(f)).collect(),
            });
        }
    }

    fn accept(
        &mut self,
        record: &Record,
        line: u64,
        sample_rows: usize,
        sampler: &mut csv::Writer<Vec<u8>>,
    ) -> io::Result<()> {
        if self.accepted == 0 {
            self.first = record
                .fields()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            self.late_values = vec![None; record.field_count()];
        }
        let in_sample = self.accepted <= sample_rows as u64;
        self.accepted += 1;
        if self.accepted > 1 {
            if self.text_ranges.len() < record.field_count() {
                self.text_ranges
                    .resize(record.field_count(), TextRange::default());
            }
            for (range, field) in self.text_ranges.iter_mut().zip(record.fields()) {
                range.add(field);
            }
        }
        if in_sample {
            match self.accepted {
                1 => sampler.write_record(record.fields())?,
                _ => self.sample_new_values(record, sampler)?,
            }
            if self.accepted > 1 {
                // A value in the sample: the column is typed from it.
                for (index, field) in record.fields().enumerate() {
                    if !field.is_empty() {
                        self.late_values[index] = Some(0);
                    }
                }
            }
        } else {
            if !self.sampled.is_empty() {
                self.sampled = Vec::new();
            }
            for (index, field) in record.fields().enumerate() {
                if self.late_values[index].is_none() && !field.is_empty() {
                    self.late_values[index] = Some(line);
                }
            }
        }
        Ok(())
    }
}

/// Whether a field of `record` holds a whole line (neither the first line of the value, which
/// starts on its record's line, nor the last, which ends on the closing quote's) with as many
/// delimiters as a row of `width` fields has: a row swallowed into one value by a stray quote.
fn swallows_rows(record: &Record, delimiter: u8, width: usize) -> bool {
    record.fields().any(|field| {
        let mut lines = field.split(|&b| b == b'\n');
        lines.next();
        lines.next_back();
        lines.any(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            line.iter().filter(|&&b| b == delimiter).count() == width - 1
        })
    })
}

/// A field for an excerpt: lossy UTF-8, control characters shown as `?`, cut short.
fn excerpt_field(field: &[u8]) -> String {
    String::from_utf8_lossy(field)
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .take(EXCERPT_CHARS / 3)
        .collect()
}

/// A raw line split at the delimiter (no quote handling: it is the line whose quote is open).
fn split_line(line: &[u8], delimiter: u8) -> Vec<Vec<u8>> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    line.split(|&b| b == delimiter)
        .map(<[u8]>::to_vec)
        .collect()
}

/// The excerpt of a rejected row: its fields joined by the delimiter, cut to 120 characters.
pub fn excerpt(fields: &[String], delimiter: u8) -> String {
    let joined = fields.join(&char::from(delimiter).to_string());
    let mut shown: String = joined.chars().take(EXCERPT_CHARS).collect();
    if joined.chars().count() > EXCERPT_CHARS {
        shown.push('…');
    }
    shown
}

/// Whether `text` (from a record's start to the end of the file) ends inside a quoted field,
/// following `csv_core`'s reading of quotes: a quote opens a field only at its start, a
/// doubled quote (or the escape character) inside one is literal.
fn ends_inside_quotes(text: impl Read, dialect: &Dialect) -> io::Result<bool> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuotedEscape,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    let mut reader = BufReader::new(text);
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            break;
        }
        for &byte in buffer {
            let ends_field = byte == dialect.delimiter || byte == b'\n' || byte == b'\r';
            state = match state {
                State::FieldStart if byte == dialect.quote => State::Quoted,
                State::FieldStart | State::Unquoted if ends_field => State::FieldStart,
                State::FieldStart | State::Unquoted => State::Unquoted,
                State::Quoted if Some(byte) == dialect.escape => State::QuotedEscape,
                State::Quoted if byte == dialect.quote => State::QuoteInQuoted,
                State::Quoted | State::QuotedEscape => State::Quoted,
                State::QuoteInQuoted if byte == dialect.quote => State::Quoted,
                State::QuoteInQuoted if ends_field => State::FieldStart,
                State::QuoteInQuoted => State::Unquoted,
            };
        }
        let used = buffer.len();
        reader.consume(used);
    }
    Ok(matches!(state, State::Quoted | State::QuotedEscape))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dialect() -> Dialect {
        Dialect::rfc4180()
    }

    fn run(text: &'static [u8]) -> Tally {
        let mut open = || Ok(Box::new(text) as Box<dyn Read + Send>);
        walk(&mut open, &dialect(), 20_000).expect("in-memory walk")
    }

    fn kinds(tally: &Tally) -> Vec<(u64, RejectKind)> {
        tally.examples.iter().map(|r| (r.line, r.kind)).collect()
    }

    #[test]
    fn rows_with_the_wrong_number_of_fields_are_rejected_alone() {
        let tally = run(b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n");
        assert_eq!(tally.accepted, 3);
        assert_eq!(tally.rejected, 2);
        assert_eq!(
            kinds(&tally),
            [
                (3, RejectKind::TooFewFields),
                (4, RejectKind::TooManyFields)
            ]
        );
        assert_eq!(tally.examples[0].byte_offset, 12);
        assert_eq!(tally.examples[1].fields, ["6", "7", "8", "9"]);
    }

    #[test]
    fn quoted_line_breaks_anywhere_are_one_row() {
        let tally = run(b"id,text\n1,\"a\nb\"\n2,plain\n3,\"c\r\nd\"\n");
        assert_eq!(tally.accepted, 4);
        assert_eq!(tally.rejected, 0);
    }

    #[test]
    fn an_unclosed_quote_rejects_its_line_and_the_rest_is_read() {
        let tally = run(b"a,b\n1,\"abc\n2,x\n3,y\n");
        assert_eq!(kinds(&tally), [(2, RejectKind::UnclosedQuote)]);
        assert_eq!(tally.accepted, 3);
        // On the line before a last line without a final newline.
        let tally = run(b"a,b\n1,x\n2,\"y\n3,z");
        assert_eq!(kinds(&tally), [(3, RejectKind::UnclosedQuote)]);
        assert_eq!(tally.accepted, 3);
        // Three stray quotes: the first two would pair up into one long value with text after
        // its closing quote (`x\n2,"y`): malformed, as is the second with the third; the third
        // runs to the end. Each rejects its line; `4,w` is read.
        let tally = run(b"a,b\n1,\"x\n2,\"y\n3,\"z\n4,w\n");
        assert_eq!(
            kinds(&tally),
            [
                (2, RejectKind::MalformedQuote),
                (3, RejectKind::MalformedQuote),
                (4, RejectKind::UnclosedQuote)
            ]
        );
        assert_eq!(tally.accepted, 2);
        // A closed quote with a doubled quote inside is no break.
        let tally = run(b"a,b\n1,\"x\"\"\ny\"\n");
        assert_eq!((tally.accepted, tally.rejected), (2, 0));
    }

    #[test]
    fn a_stray_quote_closed_before_text_on_a_later_line_rejects_only_its_line() {
        // 100 rows; row 50 opens a quote it never closes, row 51 quotes its text: read as one
        // value, row 51 would be lost in row 50's text.
        let mut text = String::from("id,text\n");
        for i in 1..=100 {
            match i {
                50 => text.push_str("50,\"never closed\n"),
                51 => text.push_str("51,\"ok 51\"\n"),
                _ => text.push_str(&format!("{i},plain {i}\n")),
            }
        }
        let text: &'static [u8] = text.leak().as_bytes();
        let tally = run(text);
        assert_eq!((tally.accepted, tally.rejected), (100, 1));
        assert_eq!(kinds(&tally), [(51, RejectKind::MalformedQuote)]);
        assert_eq!(tally.examples[0].fields, ["50", "\"never closed"]);
        assert_eq!(tally.swallowing_rows, 0);
    }

    #[test]
    fn rows_swallowed_between_two_stray_quotes_are_counted() {
        // The quote opened on line 2 closes at the end of line 4: one value, well formed, whose
        // middle line looks like a row.
        let tally = run(b"a,b\n1,\"x\n2,y\n3,z\"\n4,w\n");
        assert_eq!((tally.accepted, tally.rejected), (3, 0));
        assert_eq!(
            (tally.swallowing_rows, tally.first_swallowing_line),
            (1, Some(2))
        );
        // A first or last line with a delimiter is the value's own text.
        let tally = run(b"a,b\n1,\"x,\ny\"\n2,\"p\nq,r\"\n");
        assert_eq!(tally.swallowing_rows, 0);
        // Free text with line breaks and commas is not taken for swallowed rows.
        let tally = run(b"a,b\n1,\"dear team,\nthanks\"\n");
        assert_eq!(tally.swallowing_rows, 0);
    }

    #[test]
    fn invalid_utf8_is_a_reject_of_its_row() {
        let tally = run(b"a,b\n1,ok\n2,bad\xff\n3,ok\n");
        assert_eq!(kinds(&tally), [(3, RejectKind::InvalidEncoding)]);
        assert_eq!(tally.accepted, 3);
    }

    #[test]
    fn the_copy_holds_exactly_the_accepted_rows() {
        let copy = |text: &'static [u8]| {
            let mut open = || Ok(Box::new(text) as Box<dyn Read + Send>);
            let tally = walk(&mut open, &dialect(), 20_000).expect("walk");
            let mut copy = Vec::new();
            copy_accepted(&mut open, &dialect(), &tally.breaks, &mut copy).expect("copy");
            String::from_utf8(copy).expect("utf-8")
        };
        assert_eq!(
            copy(b"a,b\n1,\"x,y\"\n2\n3,\"q\"\"r\"\n"),
            "a,b\n1,\"x,y\"\n3,\"q\"\"r\"\n"
        );
        // After an unclosed quote, the rows that follow it, once.
        assert_eq!(copy(b"a,b\n1,\"x\n2,y\n3,z\n"), "a,b\n2,y\n3,z\n");
        // After a malformed one too.
        assert_eq!(copy(b"a,b\n1,\"x\n2,\"y\"\n3,z\n"), "a,b\n2,y\n3,z\n");
    }

    #[test]
    fn late_first_values_are_found_with_their_line() {
        let tally = {
            let text: &'static [u8] = b"a,b\n1,\n2,\n3,yes\n";
            let mut open = || Ok(Box::new(text) as Box<dyn Read + Send>);
            walk(&mut open, &dialect(), 2).expect("walk")
        };
        assert_eq!(tally.late_values, [Some(0), Some(4)]);
    }

    #[test]
    fn quote_state_at_the_end_follows_csv_core() {
        let ends = |text: &[u8]| ends_inside_quotes(text, &dialect()).expect("read");
        assert!(ends(b"1,\"abc\n2,x\n"));
        assert!(!ends(b"1,\"abc\"\n"));
        assert!(!ends(b"1,\"a\"\"b\"\n"));
        assert!(ends(b"1,\"a\"\"\n"));
        assert!(!ends(b"1,5\"\n"));
    }
}
