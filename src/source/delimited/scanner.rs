//! Splitting text into CSV records exactly as `csv-core` (and so arrow-csv) splits it, fast on
//! the lines where that is simple.
//!
//! A line without the quote character and without a carriage return inside it is one record
//! whose fields lie between delimiters: it is split with `memchr`, at memory speed. Any other
//! line starts a record that `csv-core` itself reads, however many lines it spans. Blank lines
//! are no records, as in `csv-core`.
//!
//! Invariant: the records (their fields) are the ones `csv-core` yields for the same text and
//! dialect; the unit tests compare both on generated text.

use std::io::{self, Read};

use memchr::{memchr, memchr_iter, memchr2};

/// One record: its fields, where it starts (byte offset and line, from 1).
#[derive(Debug, Default)]
pub struct Record {
    data: Vec<u8>,
    bounds: Vec<(usize, usize)>,
    pub offset: u64,
    pub line: u64,
}

impl Record {
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
        self.buf.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
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
            record.data.clear();
            record.data.extend_from_slice(content);
            record.bounds.clear();
            let mut field_start = 0;
            for at in memchr_iter(self.delimiter, content) {
                record.bounds.push((field_start, at));
                field_start = at + 1;
            }
            record.bounds.push((field_start, content.len()));
            record.offset = self.offset;
            record.line = self.line;
            self.consume(consumed);
            return Ok(true);
        }
    }

    /// One record read by `csv-core`, from a record start.
    fn core_record(&mut self, record: &mut Record) -> io::Result<bool> {
        self.core.reset();
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
                    return Ok(true);
                }
                csv_core::ReadRecordResult::End => return Ok(false),
            }
        }
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

    fn scanned(text: &[u8], escape: Option<u8>, buffer_reads: usize) -> Vec<Vec<Vec<u8>>> {
        // A reader that hands out a few bytes at a time, to cross buffer ends everywhere.
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.0.len().min(buf.len()).min(self.1);
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut scanner = Scanner::new(Trickle(text, buffer_reads), b',', b'"', escape);
        let mut record = Record::default();
        let mut out = Vec::new();
        while scanner.next_record(&mut record, None).unwrap() {
            out.push(record.fields().map(<[u8]>::to_vec).collect());
        }
        out
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
                for reads in [1, 3, 4096] {
                    assert_eq!(
                        scanned(&text, escape, reads),
                        want,
                        "text {:?} escape {escape:?} reads {reads}",
                        String::from_utf8_lossy(&text)
                    );
                }
            }
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
