//! Messy CSV read faithfully: the corpus under tests/csv-corpus/ (hand-made files, each
//! planting known defects, and one written by pandas) read with the exact figures its
//! construction gives (tests/csv-corpus/expected.json, written by make_corpus.py beside it),
//! and the same rows as Polars on every file Polars reads. Late first values are planted past
//! the 20,000-row type-inference sample in generated files.

mod common;

use std::io::Write;

use common::{repo_path, scan};
use readiness::metrics::DatasetMetrics;
use serde::Deserialize;
use tempfile::TempDir;

#[derive(Debug, Deserialize)]
struct Expected {
    file: String,
    rows: u64,
    rejected: Vec<ExpectedReject>,
    columns: Option<Vec<String>>,
    missing: std::collections::BTreeMap<String, u64>,
    dialect: ExpectedDialect,
    blank_lines: u64,
    /// Flags the file is scanned with (`--no-header`).
    args: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ExpectedReject {
    line: u64,
    kind: String,
}

#[derive(Debug, Deserialize)]
struct ExpectedDialect {
    delimiter: String,
    quote: String,
    escape: Option<String>,
    header: bool,
    encoding: String,
}

fn corpus() -> Vec<Expected> {
    let text = std::fs::read_to_string(repo_path("tests/csv-corpus/expected.json"))
        .expect("tests/csv-corpus/expected.json is committed");
    serde_json::from_str(&text).expect("the corpus manifest parses")
}

fn missing(dataset: &DatasetMetrics, column: &str) -> u64 {
    let c = dataset
        .columns
        .iter()
        .find(|c| c.name == column)
        .unwrap_or_else(|| panic!("{}: no column {column:?}", dataset.name));
    c.null_count + c.nan_count + c.empty_count + c.placeholder_count
}

fn scan_file(file: &str, flags: &[String]) -> DatasetMetrics {
    let path = repo_path(&format!("tests/csv-corpus/{file}"));
    let mut args = vec![path.to_str().unwrap(), "--no-samples"];
    args.extend(flags.iter().map(String::as_str));
    let mut result = scan(&args);
    assert_eq!(result.datasets.len(), 1, "{file}: one dataset");
    result.datasets.remove(0)
}

#[test]
fn every_corpus_file_reads_with_the_figures_its_construction_gives() {
    let corpus = corpus();
    assert!(corpus.len() >= 30, "the corpus has {} files", corpus.len());
    for expected in &corpus {
        let file = &expected.file;
        let dataset = scan_file(file, &expected.args);
        assert_eq!(dataset.row_count, expected.rows, "{file}: rows");
        assert_eq!(
            dataset.rejected_row_count,
            expected.rejected.len() as u64,
            "{file}: rejected rows"
        );
        let only = &dataset.files[0];
        assert_eq!(only.error, None, "{file}: read");
        assert_eq!(
            only.rejected_row_count,
            Some(expected.rejected.len() as u64)
        );
        let found: Vec<(u64, String)> = only
            .rejected_rows
            .iter()
            .map(|row| {
                (
                    row.line,
                    serde_json::to_value(row.kind)
                        .unwrap()
                        .as_str()
                        .unwrap()
                        .to_string(),
                )
            })
            .collect();
        let wanted: Vec<(u64, String)> = expected
            .rejected
            .iter()
            .map(|row| (row.line, row.kind.clone()))
            .collect();
        assert_eq!(found, wanted, "{file}: rejected lines and kinds");
        // --no-samples: no excerpt leaves.
        assert!(only.rejected_rows.iter().all(|row| row.excerpt.is_none()));
        if let Some(columns) = &expected.columns {
            let names: Vec<&str> = dataset.columns.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names, *columns, "{file}: column names");
        }
        for (column, count) in &expected.missing {
            assert_eq!(
                missing(&dataset, column),
                *count,
                "{file}: missing in {column}"
            );
        }
        let dialect = only.csv_dialect.as_ref().expect("a CSV dialect");
        let delimiter = match dialect.delimiter.as_str() {
            "\\t" => "\t",
            other => other,
        };
        assert_eq!(delimiter, expected.dialect.delimiter, "{file}: delimiter");
        assert_eq!(dialect.quote, expected.dialect.quote, "{file}: quote");
        assert_eq!(dialect.escape, expected.dialect.escape, "{file}: escape");
        assert_eq!(dialect.header, expected.dialect.header, "{file}: header");
        assert_eq!(
            dialect.encoding, expected.dialect.encoding,
            "{file}: encoding"
        );
    }
}

#[test]
fn polars_reads_the_same_rows_from_every_corpus_file_it_reads() {
    let stdout = common::venv_python("tests/csv-corpus/polars_rows.py", &[]);
    let polars: std::collections::BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&stdout).expect("JSON from polars_rows.py");
    let mut compared = 0;
    for expected in corpus() {
        let Some(polars_rows) = polars[&expected.file].as_u64() else {
            continue;
        };
        let dataset = scan_file(&expected.file, &expected.args);
        // Polars pads a row with too few fields with nulls where readiness rejects it (and
        // counts it), and reads a blank line as a row of nulls where readiness, like pandas
        // and Python's csv, skips it: those rows are added back, nothing else.
        let too_few = dataset.files[0]
            .rejected_rows
            .iter()
            .filter(|row| row.kind == readiness::source::delimited::RejectKind::TooFewFields)
            .count() as u64;
        assert_eq!(
            polars_rows,
            dataset.row_count + too_few + expected.blank_lines,
            "{}: Polars read {polars_rows} rows, readiness {} (+{too_few} short rows rejected)",
            expected.file,
            dataset.row_count
        );
        compared += 1;
    }
    assert!(compared >= 25, "only {compared} files compared with Polars");
}

/// A file whose `flag` column is empty in its first `empty_rows` rows and set (`YES`/`NO`)
/// in every third row after them.
fn late_values_file(dir: &TempDir, empty_rows: u64, total: u64) -> (String, u64) {
    let path = dir.path().join(format!("late_{empty_rows}.csv"));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    writeln!(out, "id,flag").unwrap();
    let mut set = 0;
    for i in 0..total {
        if i >= empty_rows && i % 3 == 0 {
            writeln!(out, "{i},{}", if i % 2 == 0 { "YES" } else { "NO" }).unwrap();
            set += 1;
        } else {
            writeln!(out, "{i},").unwrap();
        }
    }
    out.flush().unwrap();
    (path.to_string_lossy().into_owned(), set)
}

#[test]
fn a_column_empty_past_the_inference_sample_keeps_every_later_value() {
    let dir = TempDir::new().unwrap();
    for empty_rows in [20_000, 100_000, 1_000_000] {
        let total = empty_rows + 3_000;
        let (path, set) = late_values_file(&dir, empty_rows, total);
        let result = scan(&[&path]);
        let dataset = &result.datasets[0];
        assert_eq!(dataset.row_count, total);
        let flag = dataset.columns.iter().find(|c| c.name == "flag").unwrap();
        assert_eq!(flag.data_type, "Utf8", "read as text, not Null");
        assert_eq!(
            flag.null_count,
            total - set,
            "first value after row {empty_rows}"
        );
        let count_of = |value: &str| {
            flag.top_values
                .iter()
                .find(|v| v.value == serde_json::json!(value))
                .map_or(0, |v| v.count)
        };
        let yes = (empty_rows..total).filter(|i| i % 6 == 0).count() as u64;
        assert_eq!((count_of("YES"), count_of("NO")), (yes, set - yes));
        // Row i sits on line i + 2 (after the header); the first set row is the first
        // multiple of 3 from `empty_rows` on.
        let first_set_row = empty_rows.div_ceil(3) * 3;
        let note = format!("the first is at line {}", first_set_row + 2);
        assert!(
            dataset
                .notes
                .iter()
                .any(|n| n.contains("`flag` is read as text") && n.contains(&note)),
            "{:?} should say {note}",
            dataset.notes
        );
    }
}

fn write(dir: &TempDir, name: &str, bytes: &[u8]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

fn names(dataset: &DatasetMetrics) -> Vec<&str> {
    dataset.columns.iter().map(|c| c.name.as_str()).collect()
}

#[test]
fn every_dialect_setting_can_be_forced_on_the_command_line() {
    let dir = TempDir::new().unwrap();
    // `;` and `|` split it equally well: sniffing takes `;`, forcing takes `|`.
    let pipes = write(&dir, "pipes.csv", b"a|b;c\n1|2;3\n4|5;6\n");
    let sniffed = &scan(&[&pipes]).datasets[0];
    assert_eq!(names(sniffed), ["a|b", "c"]);
    let forced = &scan(&[&pipes, "--delimiter", "|"]).datasets[0];
    assert_eq!(names(forced), ["a", "b;c"]);
    assert_eq!(forced.files[0].csv_dialect.as_ref().unwrap().delimiter, "|");
    // All text: sniffing sees a header; --no-header reads the first line as a row.
    let words = write(&dir, "words.csv", b"ann,bob\ncy,dan\n");
    let forced = &scan(&[&words, "--no-header"]).datasets[0];
    assert_eq!(
        (names(forced), forced.row_count),
        (vec!["column_1", "column_2"], 2)
    );
    // One quoted row is too little to sniff `'`: forced, `'x,y'` is one value.
    let single = write(&dir, "single.csv", b"a,b\n'x,y',1\n");
    assert_eq!(scan(&[&single]).datasets[0].rejected_row_count, 1);
    let forced = &scan(&[&single, "--quote", "'"]).datasets[0];
    assert_eq!((forced.row_count, forced.rejected_row_count), (1, 0));
    assert_eq!(forced.columns[0].max, Some(serde_json::json!("x,y")));
    // A file that doubles quotes in one row and backslash-escapes them in another: sniffed
    // as RFC 4180, the escape must be forced.
    let escaped = write(&dir, "escaped.csv", b"a,b\n\"p\"\"q\",1\n\"x\\\"y\",2\n");
    let sniffed = &scan(&[&escaped]).datasets[0];
    assert_ne!(sniffed.columns[0].max, Some(serde_json::json!("x\"y")));
    let forced = &scan(&[&escaped, "--escape", "\\"]).datasets[0];
    assert_eq!(forced.columns[0].min, Some(serde_json::json!("p\"q")));
    assert_eq!(forced.columns[0].max, Some(serde_json::json!("x\"y")));
    // UTF-8 bytes read as Latin-1 when told so.
    let latin = write(&dir, "latin.csv", "name\nJos\u{e9}\n".as_bytes());
    let forced = &scan(&[&latin, "--encoding", "latin1"]).datasets[0];
    assert_eq!(
        forced.columns[0].max,
        Some(serde_json::json!("Jos\u{c3}\u{a9}"))
    );
    assert_eq!(
        forced.files[0].csv_dialect.as_ref().unwrap().encoding,
        "windows-1252"
    );
    // A bad setting is a usage error naming the flag.
    let output = common::scan_output(&[&pipes, "--delimiter", "ab"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--delimiter"));
}

#[test]
fn a_dataset_dialect_can_be_forced_in_readiness_toml() {
    let dir = TempDir::new().unwrap();
    write(&dir, "pipes.csv", b"1|x;y\n2|z\n");
    let config = "version = 1\n\n[[dataset]]\nname = \"pipes\"\nsource = \"pipes.csv\"\n\n\
                  [dataset.csv]\ndelimiter = \"|\"\nheader = false\n";
    write(&dir, "readiness.toml", config.as_bytes());
    let output = assert_cmd::Command::cargo_bin("readiness")
        .unwrap()
        .current_dir(dir.path())
        .args(["run", "--config", "readiness.toml", "--json", "-", "-q"])
        .output()
        .unwrap();
    assert!(
        common::profiled(&output),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: readiness::metrics::ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    let pipes = &result.datasets[0];
    assert_eq!(
        (names(pipes), pipes.row_count),
        (vec!["column_1", "column_2"], 2)
    );
    let broken = config.replace("header = false", "header = false\nquote = \"ab\"");
    write(&dir, "readiness.toml", broken.as_bytes());
    let output = assert_cmd::Command::cargo_bin("readiness")
        .unwrap()
        .current_dir(dir.path())
        .args(["run", "--config", "readiness.toml", "-q"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("csv.quote"), "{stderr}");
}

/// A quote opened on row 50 and never closed, followed by a quoted value on row 51: read as
/// one value, row 51 would vanish into row 50's text. Row 50's line is rejected
/// (`malformed_quote`) and rows 51 to 100 are all read.
#[test]
fn a_stray_quote_does_not_merge_the_next_row_into_its_text() {
    let dir = TempDir::new().unwrap();
    let mut text = String::from("id,text\n");
    for i in 1..=100 {
        match i {
            50 => text.push_str("50,\"never closed\n"),
            51 => text.push_str("51,\"ok 51\"\n"),
            _ => text.push_str(&format!("{i},plain {i}\n")),
        }
    }
    let path = write(&dir, "stray_quote.csv", text.as_bytes());
    let dataset = &scan(&[&path]).datasets[0];
    assert_eq!((dataset.row_count, dataset.rejected_row_count), (99, 1));
    let rejected = &dataset.files[0].rejected_rows;
    assert_eq!(rejected.len(), 1);
    assert_eq!(
        (rejected[0].line, rejected[0].byte_offset, rejected[0].kind),
        (
            51,
            text.find("50,\"never").unwrap() as u64,
            readiness::source::delimited::RejectKind::MalformedQuote
        )
    );
    assert_eq!(rejected[0].excerpt.as_deref(), Some("50,\"never closed"));
    let id = common::column(dataset, "id");
    assert_eq!(
        (id.distinct_count, id.min.clone(), id.max.clone()),
        (99, Some(serde_json::json!(1)), Some(serde_json::json!(100)))
    );
    let texts = common::column(dataset, "text");
    assert_eq!(
        (texts.distinct_count, texts.min.clone()),
        (99, Some(serde_json::json!("ok 51")))
    );
}

/// Files pandas writes at test time (tests/csv-corpus/dialect_writers.py) whose dialect two
/// readings could claim: the one rejecting fewer rows is read, and a header of years is a
/// header.
#[test]
fn the_reading_that_rejects_fewer_rows_wins_and_a_first_line_of_years_is_a_header() {
    let dir = TempDir::new().unwrap();
    common::venv_python(
        "tests/csv-corpus/dialect_writers.py",
        &[dir.path().as_os_str()],
    );
    let file = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    let dialect_note = |dataset: &DatasetMetrics| -> String {
        let notes: Vec<&String> = dataset
            .notes
            .iter()
            .filter(|note| note.starts_with("dialect: "))
            .collect();
        assert_eq!(notes.len(), 1, "{:?}", dataset.notes);
        notes[0].clone()
    };

    // Paths ending in `\` before the closing quote: read with `\` as the escape character,
    // 110 of 330 rows were rejected; with quotes written twice, none.
    let paths = &scan(&[&file("windows_paths.csv")]).datasets[0];
    assert_eq!((paths.row_count, paths.rejected_row_count), (330, 0));
    assert_eq!(names(paths), ["id", "path", "note"]);
    let path = common::column(paths, "path");
    assert_eq!(
        (path.distinct_count, path.max.clone()),
        (330, Some(serde_json::json!("C:\\data\\run 9\\")))
    );
    assert_eq!(paths.files[0].csv_dialect.as_ref().unwrap().escape, None);
    assert_eq!(
        dialect_note(paths),
        "dialect: read as (delimiter `,`, quotes written twice) rather than as first sniffed \
         (delimiter `,`, `\\` escaping quotes): that reading rejects 110 row(s), this one 0"
    );

    // One text column, 507 of 517 values holding a tab: split on tabs, 10 rows were read and
    // 507 rejected; as one column, all 517.
    let texts = &scan(&[&file("tab_text.csv")]).datasets[0];
    assert_eq!((texts.row_count, texts.rejected_row_count), (517, 0));
    assert_eq!(names(texts), ["text"]);
    let text = common::column(texts, "text");
    assert_eq!(
        (text.null_count, text.min.clone(), text.max.clone()),
        (
            0,
            Some(serde_json::json!("cell 1\tafter a tab")),
            Some(serde_json::json!("plain 52"))
        )
    );
    assert_eq!(
        dialect_note(texts),
        "dialect: read as (delimiter `,`, quotes written twice) rather than as first sniffed \
         (delimiter tab, quotes written twice): that reading rejects 507 row(s), this one 0"
    );

    // A header of years: 4 rows under their names (the names were lost, the header read as a
    // fifth row, before).
    let years = &scan(&[&file("years.csv")]).datasets[0];
    assert_eq!(years.row_count, 4);
    assert_eq!(names(years), ["country", "1999", "2000", "2001"]);
    assert_eq!(common::column(years, "1999").data_type, "Int64");
    let years_only = &scan(&[&file("years_only.csv")]).datasets[0];
    assert_eq!(years_only.row_count, 6);
    assert_eq!(
        names(years_only),
        ["1970", "1971", "1972", "1973", "1974", "1975"]
    );
    assert!(years_only.files[0].csv_dialect.as_ref().unwrap().header);

    // The same numbers without a header: the first line is a header unless told otherwise.
    let headless = file("years_no_header.csv");
    assert_eq!(scan(&[&headless]).datasets[0].row_count, 5);
    let told = &scan(&[&headless, "--no-header"]).datasets[0];
    assert_eq!(told.row_count, 6);
    assert_eq!(names(told)[0], "column_1");
    assert!(!told.files[0].csv_dialect.as_ref().unwrap().header);
    assert!(
        told.notes
            .iter()
            .any(|note| note.starts_with("no header line (as told)")),
        "{:?}",
        told.notes
    );
    // A file of unaffected dialect is walked once and gets no dialect note.
    assert!(
        years
            .notes
            .iter()
            .all(|note| !note.starts_with("dialect: "))
    );
}
