//! Text in any encoding, read as UTF-8.
//!
//! Invariant: a byte sequence the encoding cannot decode becomes one byte `0xFF` in the output,
//! never a replacement character. `0xFF` is never valid UTF-8, so the record holding it fails
//! the UTF-8 test every record passes through and is counted as a reject (`invalid_encoding`),
//! exactly like an invalid byte in a file that is UTF-8 to begin with.

use std::io::{self, Read};

use encoding_rs::{DecoderResult, Encoding, UTF_8};

/// The byte that stands for an undecodable sequence in the decoded stream.
pub const UNDECODABLE: u8 = 0xFF;

/// `inner` decoded from `encoding` to UTF-8 (a byte-order mark is removed). UTF-8 itself is
/// passed through untouched: invalid bytes stay invalid and are found per record.
pub fn utf8_reader<'a>(
    inner: Box<dyn Read + Send + 'a>,
    encoding: &'static Encoding,
) -> Box<dyn Read + Send + 'a> {
    if encoding == UTF_8 {
        return Box::new(SkipUtf8Bom {
            inner,
            checked: false,
            pending: Vec::new(),
        });
    }
    Box::new(Decoding {
        inner,
        decoder: encoding.new_decoder_with_bom_removal(),
        input: vec![0; 64 * 1024],
        start: 0,
        end: 0,
        eof: false,
        output: Vec::with_capacity(2 * DECODE_CHUNK),
        shown: 0,
    })
}

/// UTF-8 with its byte-order mark, if any, left out.
struct SkipUtf8Bom<'a> {
    inner: Box<dyn Read + Send + 'a>,
    checked: bool,
    pending: Vec<u8>,
}

impl Read for SkipUtf8Bom<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.checked {
            self.checked = true;
            let mut head = [0u8; 3];
            let mut got = 0;
            while got < 3 {
                match self.inner.read(&mut head[got..])? {
                    0 => break,
                    n => got += n,
                }
            }
            let kept = if head[..got] == [0xEF, 0xBB, 0xBF] {
                &head[..0]
            } else {
                &head[..got]
            };
            self.pending = kept.to_vec();
        }
        if !self.pending.is_empty() {
            let n = self.pending.len().min(buf.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

/// Bytes of UTF-8 decoded at a time.
const DECODE_CHUNK: usize = 64 * 1024;

struct Decoding<'a> {
    inner: Box<dyn Read + Send + 'a>,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    output: Vec<u8>,
    shown: usize,
}

impl Decoding<'_> {
    /// Decodes the next piece of input into `output`; false at the end of the stream.
    fn fill(&mut self) -> io::Result<bool> {
        self.output.clear();
        self.shown = 0;
        loop {
            if self.start == self.end && !self.eof {
                self.start = 0;
                self.end = self.inner.read(&mut self.input)?;
                self.eof = self.end == 0;
            }
            if self.start == self.end && self.eof && self.output.is_empty() {
                // Flush what the decoder still holds (a truncated sequence at the very end).
                let mut tail = [0u8; 16];
                let (result, _, written) =
                    self.decoder
                        .decode_to_utf8_without_replacement(&[], &mut tail, true);
                self.output.extend_from_slice(&tail[..written]);
                if let DecoderResult::Malformed(_, _) = result {
                    self.output.push(UNDECODABLE);
                }
                return Ok(!self.output.is_empty());
            }
            let filled = self.output.len();
            self.output.resize(filled + DECODE_CHUNK, 0);
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.input[self.start..self.end],
                &mut self.output[filled..],
                false,
            );
            self.start += read;
            self.output.truncate(filled + written);
            match result {
                DecoderResult::Malformed(_, _) => self.output.push(UNDECODABLE),
                DecoderResult::OutputFull | DecoderResult::InputEmpty => {}
            }
            if !self.output.is_empty() {
                return Ok(true);
            }
        }
    }
}

impl Read for Decoding<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.shown == self.output.len() && !self.fill()? {
            return Ok(0);
        }
        let n = (self.output.len() - self.shown).min(buf.len());
        buf[..n].copy_from_slice(&self.output[self.shown..self.shown + n]);
        self.shown += n;
        Ok(n)
    }
}

/// The encoding of a file from its first bytes (decompressed): a byte-order mark names it;
/// otherwise UTF-8 when the bytes are UTF-8 or mostly so (more valid multi-byte sequences than
/// invalid bytes: a UTF-8 file with a few bad rows), else Windows-1252 (a superset of Latin-1
/// that decodes every byte).
pub fn detect_encoding(head: &[u8]) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(head) {
        return encoding;
    }
    let (mut valid_multibyte, mut invalid) = (0usize, 0usize);
    let mut rest = head;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                valid_multibyte += text.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(error) => {
                let (good, after) = rest.split_at(error.valid_up_to());
                valid_multibyte += std::str::from_utf8(good)
                    .map(|text| text.chars().filter(|c| !c.is_ascii()).count())
                    .unwrap_or(0);
                match error.error_len() {
                    // A sequence cut off by the end of the sample is not evidence.
                    None => break,
                    Some(len) => {
                        invalid += 1;
                        rest = &after[len..];
                    }
                }
            }
        }
    }
    if invalid == 0 || valid_multibyte > invalid {
        UTF_8
    } else {
        encoding_rs::WINDOWS_1252
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8], encoding: &'static Encoding) -> Vec<u8> {
        let mut out = Vec::new();
        utf8_reader(Box::new(bytes), encoding)
            .read_to_end(&mut out)
            .expect("in-memory read");
        out
    }

    #[test]
    fn encodings_are_detected_from_marks_and_bytes() {
        assert_eq!(detect_encoding(b"a,b\n1,2\n"), UTF_8);
        assert_eq!(detect_encoding("a,b\nJos\u{e9},2\n".as_bytes()), UTF_8);
        assert_eq!(
            detect_encoding(b"a,b\nJos\xe9,2\n"),
            encoding_rs::WINDOWS_1252
        );
        assert_eq!(detect_encoding(b"\xff\xfea\x00"), encoding_rs::UTF_16LE);
        assert_eq!(detect_encoding(b"\xfe\xff\x00a"), encoding_rs::UTF_16BE);
        assert_eq!(detect_encoding(b"\xef\xbb\xbfa,b\n"), UTF_8);
        // Mostly UTF-8 with one bad byte: UTF-8, the bad row is a reject.
        assert_eq!(detect_encoding("\u{e9}\u{e9}\u{e9},x\n".as_bytes()), UTF_8);
        let mostly_utf8 = [&b"a\xc3\xa9\xc3\xa9,"[..], b"\xff\n"].concat();
        assert_eq!(detect_encoding(&mostly_utf8), UTF_8);
    }

    #[test]
    fn text_is_decoded_and_undecodable_bytes_are_marked() {
        assert_eq!(
            decode(b"Jos\xe9\n", encoding_rs::WINDOWS_1252),
            "José\n".as_bytes()
        );
        assert_eq!(decode(b"\xef\xbb\xbfa\n", UTF_8), b"a\n");
        assert_eq!(
            decode(b"\xff\xfea\x00,\x00b\x00", encoding_rs::UTF_16LE),
            b"a,b"
        );
        // An unpaired surrogate in UTF-16 becomes the marker byte.
        assert_eq!(
            decode(b"\xff\xfea\x00\x00\xd8b\x00", encoding_rs::UTF_16LE),
            [b'a', UNDECODABLE, b'b']
        );
        // A lone odd byte at the end of UTF-16 text.
        assert_eq!(
            decode(b"\xff\xfea\x00b", encoding_rs::UTF_16LE),
            [b'a', UNDECODABLE]
        );
    }
}
