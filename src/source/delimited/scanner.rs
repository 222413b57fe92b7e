//! Splitting text into CSV records exactly as `csv-core` (and so arrow-csv) splits it, fast on
//! the lines where that is simple.
//!
//! A line without the quote character and without a carriage return inside it is one record
//! whose fields lie between delimiters: it is split with `memchr`, at memory speed. Any other
//! line starts a record that `csv-core` itself reads, however many lines it spans. Blank lines
//! are no records, as in `csv-core`.
//!
//! Invariant: the records (their fields) are the ones `csv-core` yields for the same text and
//! dialect, with one exception: a record whose quoted value runs over a line break and is
//! followed by text after its closing quote (`1,"never closed` then `2,"ok"`: RFC 4180 allows
//! nothing between a closing quote and the delimiter) is not read whole. Only its first line is
//! returned, flagged [`Record::malformed_quote`], and reading goes on from the line after it,
//! so the rows the quote would have joined into one value are read as rows. The unit tests
//! compare both readers on generated text.

use std::io::{self, Read};

use memchr::{memchr, memchr_iter, memchr2};

/// One record: its fields, where it starts (byte offset and line, from 1).
#[derive(Debug, Default)]
pub struct Record {
    data: Vec<u8>,
    bounds: Vec<(usize, usize)>,
    pub offset: u64,
    pub line: u64,
    /// The record is only the first line of a malformed quoted value (see the module header):
    /// its fields are that line split at the delimiter, quotes and all.
    pub malformed_quote: bool,
}

impl Record {
    /// This record as `content` split at each `delimiter`: a line without quotes, taken as it
    /// is.
    #[inline]
    fn fill_unquoted(&mut self, content: &[u8], delimiter: u8) {
        self.data.clear();
        self.data.extend_from_slice(content);
        self.bounds.clear();
        let mut field_start = 0;
        for at in memchr_iter(delimiter, content) {
            self.bounds.push((field_start, at));
            field_start = at + 1;
        }
        self.bounds.push((field_start, content.len()));
    }

    /// How many fields.
    pub fn field_count(&self) -> usize {
        self.bounds.len()
    }

    pub fn fields(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.bounds
            .iter()
            .map(|&(start, end)| &self.data[start..end])
    }

    /// Every field's bytes (with the delimiters, for a plain line): to test as UTF-8.
    pub fn text(&self) -> &[u8] {
        &self.data
    }

    /// Whether a field holds a line break (only a quoted field can).
    pub fn has_line_break(&self) -> bool {
        self.fields()
            .any(|field| memchr2(b'\n', b'\r', field).is_some())
    }
}

/// Reads records from `input`, tracking each one's byte offset and line.
pub struct Scanner<R> {
    input: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// Offset of `buf[start]` in the text.
    offset: u64,
    /// Line of `buf[start]`.
    line: u64,
    delimiter: u8,
    quote: u8,
    escape: Option<u8>,
    /// Where the record `csv-core` is reading starts in `buf`: kept through refills, so a
    /// malformed quote can be read again from its record's second line.
    pinned: Option<usize>,
    core: csv_core::Reader,
    /// `csv-core`'s output: a record's field bytes, and where each field ends.
    out: Vec<u8>,
    ends: Vec<usize>,
}

const BUFFER: usize = 1 << 20;

/// The longest record (or line) read: a file with a longer one is not read past it (a
/// per-file error), so one enormous line cannot exhaust memory.
pub const MAX_RECORD_BYTES: usize = 64 << 20;

fn record_too_long(line: u64) -> io::Error {
    io::Error::other(format!(
        "a record longer than {} MiB at line {line}: the file is not read (limit for one row)",
        MAX_RECORD_BYTES >> 20
    ))
}

impl<R: Read> Scanner<R> {
    pub fn new(input: R, delimiter: u8, quote: u8, escape: Option<u8>) -> Self {
        let core = csv_core::ReaderBuilder::new()
            .delimiter(delimiter)
            .quote(quote)
            .escape(escape)
            .build();
        Self {
            input,
            buf: vec![0; BUFFER],
            start: 0,
            end: 0,
            eof: false,
            offset: 0,
            line: 1,
            delimiter,
            quote,
            escape,
            pinned: None,
            core,
            out: vec![0; 64 * 1024],
            ends: vec![0; 64],
        }
    }

    /// Where the next record (or skipped line) starts.
    pub fn position(&self) -> (u64, u64) {
        (self.offset, self.line)
    }

    /// Reads more text after what is left; grows the buffer when a line fills it. False at
    /// the end of the text.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        let kept = self.pinned.unwrap_or(self.start);
        self.buf.copy_within(kept..self.end, 0);
        self.end -= kept;
        self.start -= kept;
        if self.pinned.is_some() {
            self.pinned = Some(0);
        }
        if self.end == self.buf.len() {
            if self.buf.len() >= MAX_RECORD_BYTES {
                return Err(record_too_long(self.line));
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        let read = loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(read) => break read,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => return Err(error),
            }
        };
        self.end += read;
        self.eof = read == 0;
        Ok(read > 0)
    }

    fn consume(&mut self, bytes: usize) {
        let taken = &self.buf[self.start..self.start + bytes];
        self.line += memchr_iter(b'\n', taken).count() as u64;
        self.offset += bytes as u64;
        self.start += bytes;
    }

    /// The next record starting before `limit` (a byte offset), if any.
    pub fn next_record(&mut self, record: &mut Record, limit: Option<u64>) -> io::Result<bool> {
        self.pinned = None;
        record.malformed_quote = false;
        loop {
            if limit.is_some_and(|limit| self.offset >= limit) {
                return Ok(false);
            }
            if self.start == self.end && !self.fill()? {
                return Ok(false);
            }
            let available = &self.buf[self.start..self.end];
            let (line_len, consumed) = match memchr(b'\n', available) {
                Some(newline) => (newline, newline + 1),
                None if !self.eof => {
                    self.fill()?;
                    continue;
                }
                None => (available.len(), available.len()),
            };
            let line = &available[..line_len];
            let content = line.strip_suffix(b"\r").unwrap_or(line);
            if memchr2(self.quote, b'\r', content).is_some() {
                return self.core_record(record);
            }
            if content.is_empty() {
                self.consume(consumed);
                continue;
            }
            record.fill_unquoted(content, self.delimiter);
            record.offset = self.offset;
            record.line = self.line;
            self.consume(consumed);
            return Ok(true);
        }
    }

    /// One record read by `csv-core`, from a record start.
    fn core_record(&mut self, record: &mut Record) -> io::Result<bool> {
        self.core.reset();
        self.pinned = Some(self.start);
        record.offset = self.offset;
        record.line = self.line;
        let (mut written, mut ended) = (0, 0);
        loop {
            if self.start == self.end && !self.eof {
                self.fill()?;
                continue;
            }
            let input = &self.buf[self.start..self.end];
            let (result, read, wrote, ends) =
                self.core
                    .read_record(input, &mut self.out[written..], &mut self.ends[ended..]);
            self.consume(read);
            written += wrote;
            ended += ends;
            match result {
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::OutputFull => {
                    if self.out.len() >= MAX_RECORD_BYTES {
                        return Err(record_too_long(record.line));
                    }
                    let grown = self.out.len() * 2;
                    self.out.resize(grown, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let grown = self.ends.len() * 2;
                    self.ends.resize(grown, 0);
                }
                csv_core::ReadRecordResult::Record => {
                    record.data.clear();
                    record.data.extend_from_slice(&self.out[..written]);
                    record.bounds.clear();
                    let mut field_start = 0;
                    for &end in &self.ends[..ended] {
                        record.bounds.push((field_start, end));
                        field_start = end;
                    }
                    if record.has_line_break() && self.closes_quote_before_text() {
                        self.reread_first_line(record)?;
                    }
                    return Ok(true);
                }
                csv_core::ReadRecordResult::End => return Ok(false),
            }
        }
    }

    /// Whether the record just read (its text from `pinned` to `start`) has a quoted value
    /// that runs over a line break and is followed by text after its closing quote, before
    /// the next delimiter or line end. Spaces and tabs there are a writer's slip, not text.
    /// Quotes are followed as `csv-core` follows them: a quote opens a value only at its start,
    /// a doubled quote (or the escape character and the byte after it) inside one is literal.
    fn closes_quote_before_text(&self) -> bool {
        #[derive(Clone, Copy)]
        enum State {
            FieldStart,
            Unquoted,
            Quoted,
            QuotedEscape,
            QuoteInQuoted,
            SpaceAfterQuote,
        }
        let Some(pinned) = self.pinned else {
            return false;
        };
        let mut state = State::FieldStart;
        let mut spans_lines = false;
        for &byte in &self.buf[pinned..self.start] {
            let ends_field = byte == self.delimiter || byte == b'\n' || byte == b'\r';
            state = match state {
                State::FieldStart if byte == self.quote => {
                    spans_lines = false;
                    State::Quoted
                }
                State::FieldStart | State::Unquoted if ends_field => State::FieldStart,
                State::FieldStart | State::Unquoted => State::Unquoted,
                State::Quoted if Some(byte) == self.escape => State::QuotedEscape,
                State::Quoted if byte == self.quote => State::QuoteInQuoted,
                State::Quoted | State::QuotedEscape => {
                    // Only `\n`: the first line is skipped up to one (a file whose lines end
                    // in a lone `\r` is read whole as before).
                    spans_lines |= byte == b'\n';
                    State::Quoted
                }
                State::QuoteInQuoted if byte == self.quote => State::Quoted,
                State::QuoteInQuoted | State::SpaceAfterQuote if ends_field => State::FieldStart,
                State::QuoteInQuoted | State::SpaceAfterQuote if matches!(byte, b' ' | b'\t') => {
                    State::SpaceAfterQuote
                }
                State::QuoteInQuoted | State::SpaceAfterQuote if spans_lines => return true,
                State::QuoteInQuoted | State::SpaceAfterQuote => State::Unquoted,
            };
        }
        false
    }

    /// Goes back to the start of the record just read and makes it only its first line, split
    /// at the delimiter; reading goes on from the line after it.
    fn reread_first_line(&mut self, record: &mut Record) -> io::Result<()> {
        let Some(pinned) = self.pinned.take() else {
            return Ok(());
        };
        self.start = pinned;
        self.offset = record.offset;
        self.line = record.line;
        let line = self.skip_line()?;
        let line = line.strip_suffix(b"\n").unwrap_or(&line);
        let content = line.strip_suffix(b"\r").unwrap_or(line);
        record.fill_unquoted(content, self.delimiter);
        record.malformed_quote = true;
        Ok(())
    }

    /// Skips the rest of the current line (at most its first 1 MiB is returned).
    pub fn skip_line(&mut self) -> io::Result<Vec<u8>> {
        let mut kept = Vec::new();
        loop {
            if self.start == self.end && !self.fill()? {
                return Ok(kept);
            }
            let available = &self.buf[self.start..self.end];
            let (piece, done) = match memchr(b'\n', available) {
                Some(newline) => (newline + 1, true),
                None => (available.len(), false),
            };
            let room = (1usize << 20).saturating_sub(kept.len());
            kept.extend_from_slice(&available[..piece.min(room)]);
            self.consume(piece);
            if done {
                return Ok(kept);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records as the `csv` crate (on `csv-core`) reads them.
    fn reference(text: &[u8], escape: Option<u8>) -> Vec<Vec<Vec<u8>>> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .escape(escape)
            .from_reader(text);
        reader
            .byte_records()
            .map(|r| r.unwrap().iter().map(<[u8]>::to_vec).collect())
            .collect()
    }

    /// A reader that hands out a few bytes at a time, to cross buffer ends everywhere.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(buf.len()).min(self.1);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    /// Records as the scanner reads them; `None` when one is a malformed quote's first line
    /// (where the scanner departs from `csv-core` on purpose).
    fn scanned(text: &[u8], escape: Option<u8>, buffer_reads: usize) -> Option<Vec<Vec<Vec<u8>>>> {
        let mut scanner = Scanner::new(Trickle(text, buffer_reads), b',', b'"', escape);
        let mut record = Record::default();
        let mut out = Vec::new();
        while scanner.next_record(&mut record, None).unwrap() {
            if record.malformed_quote {
                return None;
            }
            out.push(record.fields().map(<[u8]>::to_vec).collect());
        }
        Some(out)
    }

    #[test]
    fn records_are_the_ones_csv_core_reads_on_generated_text() {
        // Deterministic pseudo-random text from the bytes that matter to a CSV reader.
        let alphabet: &[&[u8]] = &[
            b"a",
            b"bc",
            b",",
            b"\"",
            b"\"\"",
            b"\n",
            b"\r\n",
            b"\r",
            b"\\",
            b" ",
            b"\xc3\xa9",
            b",\"x\"",
            b"\n\n",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut compared = 0;
        for case in 0..3000 {
            let mut text = Vec::new();
            let pieces = 1 + case % 40;
            for _ in 0..pieces {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.extend_from_slice(alphabet[(state % alphabet.len() as u64) as usize]);
            }
            for escape in [None, Some(b'\\')] {
                let want = reference(&text, escape);
                let Some(whole) = scanned(&text, escape, 4096) else {
                    continue;
                };
                compared += 1;
                assert_eq!(
                    whole,
                    want,
                    "text {:?} escape {escape:?}",
                    String::from_utf8_lossy(&text)
                );
                for reads in [1, 3] {
                    assert_eq!(
                        scanned(&text, escape, reads),
                        Some(want.clone()),
                        "text {:?} escape {escape:?} reads {reads}",
                        String::from_utf8_lossy(&text)
                    );
                }
            }
        }
        assert!(compared > 4000, "only {compared} texts compared");
    }

    #[test]
    fn a_quote_closed_on_a_later_line_before_text_is_read_again_from_its_second_line() {
        let read = |text: &[u8], reads: usize| {
            let mut scanner = Scanner::new(Trickle(text, reads), b',', b'"', None);
            let mut record = Record::default();
            let mut out = Vec::new();
            while scanner.next_record(&mut record, None).unwrap() {
                let fields: Vec<String> = record
                    .fields()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect();
                out.push((record.line, record.offset, record.malformed_quote, fields));
            }
            out
        };
        let text = b"id,text\n50,\"never closed\n51,\"ok 51\"\n52,x\n";
        for reads in [1, 3, 4096] {
            let records = read(text, reads);
            assert_eq!(
                records,
                [
                    (1, 0, false, vec!["id".to_string(), "text".to_string()]),
                    (
                        2,
                        8,
                        true,
                        vec!["50".to_string(), "\"never closed".to_string()]
                    ),
                    (3, 25, false, vec!["51".to_string(), "ok 51".to_string()]),
                    (4, 36, false, vec!["52".to_string(), "x".to_string()]),
                ],
                "reads {reads}"
            );
        }
        // Closed at a line end, or followed by spaces only, or on its own line: one record,
        // as csv-core reads it.
        for text in [
            &b"a,b\n1,\"x\ny\"\n"[..],
            b"a,b\n1,\"x\ny\"  \n",
            b"a,b\n1,\"x\"y\n",
            b"a,b\n1,\"x\ny\"\"z\"\n",
        ] {
            let records = read(text, 4096);
            assert!(
                records.iter().all(|r| !r.2),
                "{:?}",
                String::from_utf8_lossy(text)
            );
            assert_eq!(records.len(), 2);
        }
    }

    #[test]
    fn offsets_and_lines_are_where_records_start() {
        let text = b"a,b\n\n1,\"x\ny\"\r\n2,z";
        let mut scanner = Scanner::new(&text[..], b',', b'"', None);
        let mut record = Record::default();
        let mut starts = Vec::new();
        while scanner.next_record(&mut record, None).unwrap() {
            starts.push((record.offset, record.line, record.field_count()));
        }
        assert_eq!(starts, [(0, 1, 2), (5, 3, 2), (14, 5, 2)]);
    }

    #[test]
    fn a_limit_stops_before_the_record_at_it_and_a_line_can_be_skipped() {
        let text = b"a\n\"open\nb\nc\n";
        let mut scanner = Scanner::new(&text[..], b',', b'"', None);
        let mut record = Record::default();
        assert!(scanner.next_record(&mut record, Some(2)).unwrap());
        assert!(!scanner.next_record(&mut record, Some(2)).unwrap());
        assert_eq!(scanner.skip_line().unwrap(), b"\"open\n");
        assert_eq!(scanner.position(), (8, 3));
        assert!(scanner.next_record(&mut record, None).unwrap());
        assert_eq!(record.fields().collect::<Vec<_>>(), [b"b"]);
    }
}
