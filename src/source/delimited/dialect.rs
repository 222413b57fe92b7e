//! How a CSV file is written: delimiter, quote and escape characters, header line, encoding.
//!
//! Everything here is sniffed from the first bytes of a file (decoded to UTF-8), and every
//! choice can be forced (`--delimiter`, `--quote`, `--escape`, `--no-header`, `--encoding`, or
//! the same keys in readiness.toml). Invariant: sniffing never fails; an undecided question
//! falls back to RFC 4180 (comma, double quote, quotes escaped by doubling, a header line).
//! A sniffed delimiter or escape is a first guess: when its reading rejects rows, the other
//! readings listed by `Dialect::alternatives` are weighed and the one rejecting fewest rows wins
//! (see [`Weighed::beats`]). The first line is the header, as pandas, Polars and R read it,
//! unless its values cannot be names ([`can_be_names`]).

use std::collections::BTreeSet;

/// The delimiters sniffed, in order of preference on a tie.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Lines of the sample the delimiter is judged on.
const SNIFF_LINES: usize = 50;

/// The delimiter that splits the sample's records into the same number (two or more) of
/// fields most consistently; ties go to the wider split, then to the order of [`DELIMITERS`].
pub fn sniff_delimiter(sample: &[u8], quote: u8, escape: Option<u8>) -> u8 {
    let sample = whole_lines(sample);
    let mut best: Option<((usize, usize), u8)> = None;
    for delimiter in DELIMITERS {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .quote(quote)
            .escape(escape)
            .from_reader(sample);
        let widths: Vec<usize> = reader
            .byte_records()
            .take(SNIFF_LINES)
            .map_while(Result::ok)
            .map(|record| record.len())
            .collect();
        let Some(width) = mode(&widths) else { continue };
        if width < 2 {
            continue;
        }
        let agreeing = widths.iter().filter(|&&w| w == width).count();
        let score = (agreeing, width);
        if best.is_none_or(|(seen, _)| score > seen) {
            best = Some((score, delimiter));
        }
    }
    best.map_or(b',', |(_, delimiter)| delimiter)
}

/// The quote character: `'` when the sample has no `"` at all but `'` opens and closes fields
/// at least twice; otherwise `"`.
pub fn sniff_quote(sample: &[u8]) -> u8 {
    if sample.contains(&b'"') {
        return b'"';
    }
    let boundary = |byte: Option<&u8>| {
        byte.is_none_or(|b| DELIMITERS.contains(b) || *b == b'\n' || *b == b'\r')
    };
    let (mut opens, mut closes) = (0, 0);
    for (index, &byte) in sample.iter().enumerate() {
        if byte != b'\'' {
            continue;
        }
        if boundary(index.checked_sub(1).and_then(|i| sample.get(i))) {
            opens += 1;
        }
        if boundary(sample.get(index + 1)) {
            closes += 1;
        }
    }
    if opens >= 2 && closes >= 2 {
        b'\''
    } else {
        b'"'
    }
}

/// The escape character: `\` when the sample escapes the quote with a backslash and never by
/// doubling it; otherwise none (RFC 4180 doubling).
pub fn sniff_escape(sample: &[u8], quote: u8) -> Option<u8> {
    let backslashed = sample.windows(2).any(|pair| pair == [b'\\', quote]);
    let doubled = sample.windows(3).any(|three| {
        // `x""` inside a field; not `,""` (an empty field) nor `\""` (an escaped quote, then
        // the closing one).
        three[1] == quote
            && three[2] == quote
            && !DELIMITERS.contains(&three[0])
            && !matches!(three[0], b'\n' | b'\r' | b'\\')
    });
    (backslashed && !doubled).then_some(b'\\')
}

/// Column names as people write them made usable: an empty name becomes `column_N` (its
/// position, from 1) and a repeated one gets a suffix (`x`, `x_2`, `x_3`), never clashing with
/// a name the header already has. Also returns what was renamed, for a note.
pub fn column_names(header: &[String]) -> (Vec<String>, Vec<String>) {
    let mut taken: BTreeSet<String> = header.iter().cloned().collect();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut names = Vec::with_capacity(header.len());
    let mut renamed = Vec::new();
    for (index, original) in header.iter().enumerate() {
        let position = index + 1;
        let name = if original.trim().is_empty() {
            let name = unused(&format!("column_{position}"), &taken);
            renamed.push(format!("column {position} has no name: named `{name}`"));
            name
        } else if seen.contains(original.as_str()) {
            let name = unused(original, &taken);
            renamed.push(format!(
                "column {position} repeats the name `{original}`: named `{name}`"
            ));
            name
        } else {
            original.clone()
        };
        seen.insert(original.as_str());
        taken.insert(name.clone());
        names.push(name);
    }
    (names, renamed)
}

/// `base` if free, else `base_2`, `base_3`, ...; for an empty-name placeholder such as
/// `column_3`, the first free suffix too.
fn unused(base: &str, taken: &BTreeSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|name| !taken.contains(name))
        .expect("an unused suffix")
}

/// Whether a header names every column but the first: the row index that pandas' `to_csv`
/// and R's `write.csv` write by default (row numbers or row names under an empty name), a
/// surrogate id of the writer's, not data.
pub fn leads_with_row_index(header: &[String]) -> bool {
    match header.split_first() {
        Some((first, rest)) => {
            first.trim().is_empty()
                && !rest.is_empty()
                && rest.iter().all(|name| !name.trim().is_empty())
        }
        None => false,
    }
}

/// Whether a first line's values can be column names: none empty, none repeated (the empty
/// name over a writer's row index aside, see [`leads_with_row_index`]). Numbers can: a header
/// of years (`country,1999,2000`) is a header.
pub fn can_be_names(first: &[String]) -> bool {
    let named = match leads_with_row_index(first) {
        true => &first[1..],
        false => first,
    };
    let mut seen = BTreeSet::new();
    named
        .iter()
        .all(|name| !name.trim().is_empty() && seen.insert(name.as_str()))
}

/// What one reading of a file gave: the first record's number of fields, the records with
/// that many, the others rejected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weighed {
    pub width: usize,
    pub accepted: u64,
    pub rejected: u64,
}

impl Weighed {
    /// Whether this reading is better than `other`: it splits the first line into at least as
    /// many columns (a delimiter that splits no header keeps each line whole, which rejects
    /// nothing and says nothing) and rejects fewer rows, or as many and reads more.
    pub fn beats(&self, other: &Weighed) -> bool {
        self.width >= other.width
            && (self.rejected, std::cmp::Reverse(self.accepted))
                < (other.rejected, std::cmp::Reverse(other.accepted))
    }
}

/// Names for a file without a header line.
pub fn positional_names(width: usize) -> Vec<String> {
    (1..=width).map(|n| format!("column_{n}")).collect()
}

/// The sample cut after its last line break, so a line cut by the sample's end is not judged.
fn whole_lines(sample: &[u8]) -> &[u8] {
    match sample.iter().rposition(|&b| b == b'\n') {
        Some(end) => &sample[..=end],
        None => sample,
    }
}

/// The most frequent value (ties: the larger).
fn mode(values: &[usize]) -> Option<usize> {
    let mut counts = std::collections::BTreeMap::new();
    for &value in values {
        *counts.entry(value).or_insert(0usize) += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(value, count)| (count, value))
        .map(|(value, _)| value)
}

/// How lines end in a sample: `lf`, `crlf`, `cr` or `mixed` (`none` for a single line).
pub fn line_terminator(sample: &[u8]) -> &'static str {
    let (mut lf, mut crlf, mut cr) = (0, 0, 0);
    let mut index = 0;
    while index < sample.len() {
        match sample[index] {
            b'\r' if sample.get(index + 1) == Some(&b'\n') => {
                crlf += 1;
                index += 1;
            }
            b'\r' => cr += 1,
            b'\n' => lf += 1,
            _ => {}
        }
        index += 1;
    }
    match (lf > 0, crlf > 0, cr > 0) {
        (false, false, false) => "none",
        (true, false, false) => "lf",
        (false, true, false) => "crlf",
        (false, false, true) => "cr",
        _ => "mixed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(header: &[&str]) -> (Vec<String>, Vec<String>) {
        column_names(&header.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn an_unnamed_first_column_among_named_ones_is_a_row_index() {
        let header = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(leads_with_row_index(&header(&["", "id", "f"])));
        assert!(leads_with_row_index(&header(&[" ", "a"])));
        assert!(!leads_with_row_index(&header(&["", "a", ""])));
        assert!(!leads_with_row_index(&header(&["a", "", "b"])));
        assert!(!leads_with_row_index(&header(&[""])));
        assert!(!leads_with_row_index(&header(&[])));
    }

    #[test]
    fn a_first_line_is_a_header_unless_its_values_cannot_be_names() {
        let first = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(can_be_names(&first(&["country", "1999", "2000"])));
        assert!(can_be_names(&first(&["1970", "1971"])));
        assert!(can_be_names(&first(&["", "a", "b"])));
        assert!(!can_be_names(&first(&["1", "0", "0"])));
        assert!(!can_be_names(&first(&["id", ""])));
        assert!(!can_be_names(&first(&["", "a", "a"])));
    }

    #[test]
    fn a_reading_beats_another_by_fewer_rejects_never_by_fewer_columns() {
        let weighed = |width, accepted, rejected| Weighed {
            width,
            accepted,
            rejected,
        };
        // A single text column split on its tabs, against the same lines whole.
        assert!(weighed(1, 518, 0).beats(&weighed(1, 11, 507)));
        // A `;` file with 3 bad rows is not read as one column.
        assert!(!weighed(1, 101, 0).beats(&weighed(3, 98, 3)));
        assert!(weighed(3, 101, 0).beats(&weighed(3, 98, 3)));
        // A tie keeps the first reading.
        assert!(!weighed(3, 98, 3).beats(&weighed(3, 98, 3)));
    }

    #[test]
    fn repeated_and_empty_names_get_stable_names() {
        let (got, renamed) = names(&["x", "x", "", "select", "we\"ird"]);
        assert_eq!(got, ["x", "x_2", "column_3", "select", "we\"ird"]);
        assert_eq!(renamed.len(), 2);
        // A suffix never clashes with a name the header has.
        let (got, _) = names(&["x", "x_2", "x", "", "column_4"]);
        assert_eq!(got, ["x", "x_2", "x_3", "column_4_2", "column_4"]);
        let (got, renamed) = names(&["a", "b"]);
        assert_eq!(got, ["a", "b"]);
        assert!(renamed.is_empty());
    }

    #[test]
    fn delimiters_are_judged_on_consistent_splits() {
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n", b'"', None), b',');
        assert_eq!(
            sniff_delimiter(b"a;b;c\n1,5;2;3\n4,5;6;7\n", b'"', None),
            b';'
        );
        assert_eq!(sniff_delimiter(b"a\tb\tc\n1\t2\t3\n", b'"', None), b'\t');
        assert_eq!(
            sniff_delimiter(b"\"x,y,z\"|b|c\n\"1,2\"|2|3\n", b'"', None),
            b'|'
        );
        assert_eq!(sniff_delimiter(b"single\n1\n", b'"', None), b',');
        // Commas inside text do not outvote the real delimiter.
        assert_eq!(
            sniff_delimiter(b"name;note\nann;a, b, c\nbob;d\ncy;e, f\n", b'"', None),
            b';'
        );
    }

    #[test]
    fn quotes_and_escapes_are_sniffed() {
        assert_eq!(sniff_quote(b"a,b\n'x, y',2\n'z',3\n"), b'\'');
        assert_eq!(sniff_quote(b"a,b\nit's,2\n"), b'"');
        assert_eq!(sniff_quote(b"a,b\n\"x\",2\n'y',3\n'z',4\n"), b'"');
        assert_eq!(
            sniff_escape(b"a,b\n\"say \\\"hi\\\"\",2\n", b'"'),
            Some(b'\\')
        );
        assert_eq!(sniff_escape(b"a,b\n\"say \"\"hi\"\"\",2\n", b'"'), None);
        assert_eq!(sniff_escape(b"a,b\n\"x\",\"\"\n", b'"'), None);
    }

    #[test]
    fn line_endings_are_named() {
        assert_eq!(line_terminator(b"a\nb\n"), "lf");
        assert_eq!(line_terminator(b"a\r\nb\r\n"), "crlf");
        assert_eq!(line_terminator(b"a\r\nb\n"), "mixed");
        assert_eq!(line_terminator(b"a\rb\r"), "cr");
        assert_eq!(line_terminator(b"a"), "none");
    }
}
