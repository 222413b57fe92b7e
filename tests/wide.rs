//! Wide tables (hundreds of columns), written at test time by pyarrow and pandas
//! (tests/wide/make_wide.py): the profile pass planned in groups of columns
//! (src/profile/wide.rs) gives DuckDB's figures, and every figure the one logical aggregate
//! gives.

mod common;

use std::process::Output;

use common::{NOW, venv_python};
use readiness::metrics::DatasetMetrics;
use tempfile::TempDir;

/// `readiness scan ARGS` with the wide plan from `wide_from` columns.
fn scan_with(wide_from: usize, args: &[&str]) -> Output {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_readiness"))
        .arg("scan")
        .args(args)
        .args(["--now", NOW, "--json", "-", "-q", "-v"])
        .env("READINESS_WIDE_COLUMNS", wide_from.to_string())
        .output()
        .expect("readiness runs");
    assert!(
        common::profiled(&output),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn datasets(output: &Output) -> serde_json::Value {
    let mut parsed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    parsed["datasets"].take()
}

/// The number of groups the wide plan ran, from its `-v` line (0: not planned so).
fn groups(output: &Output) -> usize {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| line.contains("the wide profile pass, in groups of columns"))
        .map(|line| {
            let (_, count) = line.rsplit_once("groups=").expect("a group count");
            count.trim().parse::<usize>().unwrap()
        })
        .sum()
}

fn assert_same_as_duckdb(dataset: &DatasetMetrics, expected: &serde_json::Value) {
    let name = &dataset.name;
    assert_eq!(
        dataset.row_count,
        expected["rows"].as_u64().unwrap(),
        "{name}"
    );
    let complete = dataset
        .complete_row_fraction
        .map(|fraction| (fraction * dataset.row_count as f64).round() as u64);
    assert_eq!(complete, expected["complete_rows"].as_u64(), "{name}");
    assert_eq!(
        dataset.duplicates.duplicate_row_count,
        expected["duplicate_rows"].as_u64().unwrap(),
        "{name}"
    );
    let columns = expected["columns"].as_object().unwrap();
    assert_eq!(dataset.columns.len(), columns.len(), "{name}");
    for (column, figures) in dataset.columns.iter().zip(columns) {
        let (expected_name, figures) = figures;
        assert_eq!(&column.name, expected_name, "{name}: column order");
        assert_eq!(
            (column.null_count, column.nan_count),
            (
                figures["null"].as_u64().unwrap(),
                figures["nan"].as_u64().unwrap()
            ),
            "{name}.{}: (NULL, NaN)",
            column.name
        );
        for (ours, theirs) in [
            (&column.min, &figures["min"]),
            (&column.max, &figures["max"]),
        ] {
            if let Some(theirs) = theirs.as_f64() {
                let ours = ours.as_ref().and_then(|value| value.as_f64());
                assert_eq!(ours, Some(theirs), "{name}.{}: extremes", column.name);
            }
        }
    }
}

#[test]
fn wide_tables_planned_in_groups_of_columns_give_duckdbs_figures() {
    let dir = TempDir::new().unwrap();
    let duckdb: serde_json::Value = serde_json::from_slice(&venv_python(
        "tests/wide/make_wide.py",
        &[dir.path().as_os_str()],
    ))
    .unwrap();

    let parquet = dir.path().join("features.parquet");
    let output = scan_with(256, &[&parquet.to_string_lossy(), "--label", "churned"]);
    // 420 columns: four groups of up to 128 columns, and one of the row's fingerprints and
    // missing values over every column.
    assert_eq!(groups(&output), 5);
    let result: readiness::metrics::ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    let features = &result.datasets[0];
    assert_same_as_duckdb(features, &duckdb["features"]);
    assert_eq!(features.row_count, 600);
    assert_eq!(features.duplicates.duplicate_row_count, 10);
    let label = &features.labels[0];
    assert_eq!(
        (label.labelled_count, label.column.as_str()),
        (573, "churned")
    );

    let csv = dir.path().join("features_csv");
    let output = scan_with(256, &[&csv.to_string_lossy()]);
    assert_eq!(groups(&output), 4);
    let result: readiness::metrics::ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    assert_same_as_duckdb(&result.datasets[0], &duckdb["features_csv"]);
}

#[test]
fn the_wide_plan_gives_every_figure_the_one_aggregate_gives() {
    let dir = TempDir::new().unwrap();
    venv_python("tests/wide/make_wide.py", &[dir.path().as_os_str()]);
    let parquet = dir.path().join("features.parquet");
    let csv = dir.path().join("features_csv");
    let sample = common::repo_path("sample-data");
    for args in [
        vec![
            parquet.to_str().unwrap(),
            "--label",
            "churned",
            "--key",
            "id",
        ],
        vec![csv.to_str().unwrap(), "--key", "id"],
        // Every sample dataset, each dimension's aggregates planned the wide way.
        vec![sample.to_str().unwrap()],
    ] {
        let one_aggregate = scan_with(usize::MAX, &args);
        assert_eq!(groups(&one_aggregate), 0, "{args:?}");
        let wide = scan_with(1, &args);
        assert!(groups(&wide) > 0, "{args:?}");
        assert_eq!(datasets(&wide), datasets(&one_aggregate), "{args:?}");
    }
}
