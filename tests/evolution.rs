//! Tables whose schema evolved, written at test time by pyarrow, pandas and polars
//! (tests/evolution/make_evolving.py): every row of every file is counted, a column a file
//! lacks is `absent` apart from its NULLs, and both equal what DuckDB's `union_by_name` reads.

mod common;

use common::{NOW, assert_same_as_duckdb, repo_path, write_evolving_tables};
use readiness::check::{Check, Severity};
use readiness::metrics::DatasetMetrics;
use readiness::report::json::{Parsed, parse};
use tempfile::TempDir;

/// The JSON and the HTML report of a scan of `source`.
fn scan_reports(source: &str) -> (Parsed, String) {
    let dir = TempDir::new().unwrap();
    let html = dir.path().join("report.html");
    let output = assert_cmd::Command::cargo_bin("readiness")
        .unwrap()
        .args(["scan", source, "--json", "-", "-q", "--now", NOW, "--html"])
        .arg(&html)
        .output()
        .unwrap();
    assert!(
        common::profiled(&output),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let parsed = parse(&output.stdout).unwrap();
    assert_eq!(parsed.result.datasets.len(), 1, "{source}: one dataset");
    (parsed, std::fs::read_to_string(html).unwrap())
}

fn scan(source: &str) -> DatasetMetrics {
    scan_reports(source).0.result.datasets.remove(0)
}

#[test]
fn evolving_tables_count_every_row_and_tell_absent_from_null_as_duckdb_does() {
    let dir = TempDir::new().unwrap();
    let duckdb = write_evolving_tables(dir.path());
    for name in ["events", "widened", "exports", "polars_drop"] {
        let dataset = scan(&dir.path().join(name).to_string_lossy());
        assert_same_as_duckdb(&dataset, &duckdb[name]);
        assert!(dataset.schema_consistent, "{name}");
        assert!(
            dataset
                .grouping
                .contains("read with the union of their columns by name"),
            "{name}: {}",
            dataset.grouping
        );
    }

    // The hive table: 21,000 rows, not the 3,000 of the first schema; the history says where
    // each column appeared, and completeness is over the rows that have the column.
    let events = scan(&dir.path().join("events").to_string_lossy());
    assert_eq!(events.row_count, 21_000);
    let changes: Vec<(&str, String, Option<&str>)> = events
        .schema_changes
        .iter()
        .map(|change| {
            (
                change.column.as_str(),
                serde_json::to_value(change.change)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string(),
                change.partition.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("channel", "added".to_string(), Some("month=3")),
            ("score", "added".to_string(), Some("month=5")),
        ]
    );
    let channel = common::column(&events, "channel");
    assert_eq!(channel.completeness, Some(0.5));
    assert!(
        events.notes.contains(
            &"`channel` appeared in month=3: 7,000 rows do not have it (absent, not missing); \
              of the 14,000 that do, 7,000 are NULL"
                .to_string()
        ),
        "{:?}",
        events.notes
    );
    // The NULL top value counts NULLs only.
    let null_top = channel
        .top_values
        .iter()
        .find(|top| top.value.is_null())
        .map(|top| top.count);
    assert_eq!(null_top, Some(7_000));

    // int32 then int64: one dataset of 1,500 rows, read as the wider type.
    let widened = scan(&dir.path().join("widened").to_string_lossy());
    assert_eq!(widened.row_count, 1_500);
    assert_eq!(common::column(&widened, "id").data_type, "Int64");
    assert_eq!(
        widened
            .schema_changes
            .iter()
            .map(|change| (
                change.column.as_str(),
                change.from_type.as_deref(),
                change.to_type.as_deref()
            ))
            .collect::<Vec<_>>(),
        [
            ("id", Some("Int32"), Some("Int64")),
            ("v", Some("Int32"), Some("Int64"))
        ]
    );

    // The history is a table in the report; an added column is no finding, a dropped one is.
    let (parsed, html) = scan_reports(&dir.path().join("events").to_string_lossy());
    assert!(html.contains("<h3>Schema history</h3>"));
    assert!(
        html.contains("<td><code>channel</code></td><td>added</td>"),
        "the history table"
    );
    assert!(
        !parsed
            .assessment
            .findings
            .iter()
            .any(|finding| finding.check == Check::SchemaChanges)
    );
    let (parsed, _) = scan_reports(&dir.path().join("polars_drop").to_string_lossy());
    let dropped: Vec<_> = parsed
        .assessment
        .findings
        .iter()
        .filter(|finding| finding.check == Check::SchemaChanges)
        .collect();
    assert_eq!(dropped.len(), 1);
    assert_eq!(
        (dropped[0].severity, dropped[0].observed),
        (Severity::Warn, 1.0)
    );
    assert!(
        dropped[0].message.contains("`legacy` dropped in /"),
        "{}",
        dropped[0].message
    );

    // Four monthly CSV exports, `segment` from the third: 2,000 rows, not 600.
    let exports = scan(&dir.path().join("exports").to_string_lossy());
    assert_eq!(exports.row_count, 2_000);
    assert_eq!(
        common::column(&exports, "segment").absent_count,
        Some(1_000)
    );
}

#[test]
fn a_real_type_conflict_leaves_the_odd_file_out_and_names_both_sides() {
    let dir = TempDir::new().unwrap();
    let python = repo_path(".venv/bin/python");
    let code = format!(
        "import pyarrow as pa, pyarrow.parquet as pq, os\nroot = {root:?}\n\
         pq.write_table(pa.table({{'id': pa.array(range(100)), 'ts': pa.array(range(100), pa.timestamp('us'))}}), os.path.join(root, 'a.parquet'))\n\
         pq.write_table(pa.table({{'id': pa.array(range(100, 250)), 'ts': pa.array(range(100, 250), pa.timestamp('us'))}}), os.path.join(root, 'b.parquet'))\n\
         pq.write_table(pa.table({{'id': pa.array(range(250, 260)), 'ts': pa.array([str(i) for i in range(10)])}}), os.path.join(root, 'c.parquet'))\n",
        root = dir.path().to_string_lossy()
    );
    let status = std::process::Command::new(python)
        .args(["-c", &code])
        .status()
        .unwrap();
    assert!(status.success());
    let dataset = scan(&format!("{}/", dir.path().display()));
    assert_eq!(dataset.row_count, 250);
    assert!(!dataset.schema_consistent);
    let odd = dataset
        .files
        .iter()
        .find(|file| file.path.ends_with("c.parquet"))
        .unwrap();
    let error = odd.error.as_deref().unwrap_or_default();
    assert!(
        error.contains("column `ts` is Utf8 in this file but Timestamp(µs) in the dataset")
            || error.contains(
                "column `ts` is Utf8 in this file but Timestamp(Microsecond, None) in the dataset"
            ),
        "{error}"
    );
    assert!(error.contains("a.parquet"), "{error}");
}
