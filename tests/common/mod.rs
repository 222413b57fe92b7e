//! Helpers shared by the integration tests: run the real binary, read its JSON back into types.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use readiness::metrics::{ColumnMetrics, DatasetMetrics, ScanResult};

/// A fixed "now" so freshness figures are reproducible.
pub const NOW: &str = "2026-11-22T00:00:00Z";

pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Runs `readiness ARGS` as given and returns the process output.
pub fn readiness(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_readiness"))
        .args(args)
        .output()
        .expect("readiness runs")
}

/// Runs `readiness scan ARGS --now NOW --json -` and returns the process output.
pub fn scan_output(args: &[&str]) -> Output {
    Command::cargo_bin("readiness")
        .expect("binary built")
        .arg("scan")
        .args(args)
        .args(["--now", NOW, "--json", "-", "--quiet"])
        .output()
        .expect("readiness runs")
}

/// True when a scan profiled something: exit 0 (no failing check) or 1 (failing checks).
pub fn profiled(output: &Output) -> bool {
    matches!(output.status.code(), Some(0 | 1))
}

/// Runs a scan that must profile something and returns its parsed result.
pub fn scan(args: &[&str]) -> ScanResult {
    let output = scan_output(args);
    assert!(
        profiled(&output),
        "scan {args:?} failed with {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is the JSON contract")
}

pub fn dataset<'a>(result: &'a ScanResult, name: &str) -> &'a DatasetMetrics {
    result
        .datasets
        .iter()
        .find(|d| d.name == name)
        .unwrap_or_else(|| {
            let names: Vec<_> = result.datasets.iter().map(|d| &d.name).collect();
            panic!("no dataset {name} in {names:?}")
        })
}

pub fn column<'a>(dataset: &'a DatasetMetrics, name: &str) -> &'a ColumnMetrics {
    dataset
        .columns
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no column {name} in {}", dataset.name))
}

/// Runs `script` (a path in the repository) with the `.venv` Python that `scripts/test`
/// installs (the real writers: deltalake, pyarrow, polars) and returns its standard output.
pub fn venv_python(script: &str, args: &[&std::ffi::OsStr]) -> Vec<u8> {
    let python = repo_path(".venv/bin/python");
    assert!(
        python.exists(),
        ".venv is not installed: run scripts/test, which installs the test writers"
    );
    let output = std::process::Command::new(python)
        .arg(repo_path(script))
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Writes `text` to `dir/name` (folders created) and returns the file's path.
pub fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// A label's classes as (value, count) pairs.
pub fn classes(label: &readiness::metrics::LabelMetrics) -> Vec<(String, u64)> {
    label
        .classes
        .iter()
        .map(|c| (c.value.as_str().unwrap_or_default().to_string(), c.count))
        .collect()
}

/// Copies a folder tree (test data into a temporary folder).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Asserts that `stderr` is how readiness ends in an error: one `error:` line, then at most
/// one `hint:` line; returns the error line.
pub fn error_line(stderr: &str) -> &str {
    let mut lines = stderr.lines();
    let first = lines.next().unwrap_or_default();
    assert!(first.starts_with("error: "), "{stderr}");
    let rest: Vec<&str> = lines.collect();
    assert!(rest.len() <= 1, "{stderr}");
    assert!(
        rest.iter().all(|line| line.starts_with("hint: ")),
        "{stderr}"
    );
    first
}

/// One finding as the sample-data tests compare them: check, dataset, column, severity,
/// observed figure.
pub type FindingFigures = (
    readiness::check::Check,
    String,
    String,
    readiness::check::Severity,
    f64,
);

/// The findings of one dimension in a default scan of `sample-data/`, by dataset and column
/// (stable, so checks of one column keep their report order).
pub fn sample_findings(dimension: readiness::check::Dimension) -> Vec<FindingFigures> {
    let sample = repo_path("sample-data").to_string_lossy().into_owned();
    let output = scan_output(&[&sample]);
    let parsed = readiness::report::json::parse(&output.stdout).unwrap();
    let mut found: Vec<FindingFigures> = parsed
        .assessment
        .findings
        .iter()
        .filter(|f| f.dimension == dimension)
        .map(|f| {
            let column = f.column.clone().unwrap_or_default();
            (f.check, f.dataset.clone(), column, f.severity, f.observed)
        })
        .collect();
    found.sort_by(|a, b| a.1.cmp(&b.1).then(a.2.cmp(&b.2)));
    found
}

/// Tables whose schema evolved, written by pyarrow, pandas and polars
/// (tests/evolution/make_evolving.py).
/// Writes them into `dir`; DuckDB's figures for each.
pub fn write_evolving_tables(dir: &Path) -> serde_json::Value {
    let output = venv_python("tests/evolution/make_evolving.py", &[dir.as_os_str()]);
    serde_json::from_slice(&output).expect("the script prints JSON")
}

/// Rows, and every column's NULLs and absent rows, equal DuckDB's.
pub fn assert_same_as_duckdb(dataset: &DatasetMetrics, expected: &serde_json::Value) {
    assert_eq!(
        dataset.row_count,
        expected["rows"].as_u64().unwrap(),
        "{}: rows",
        dataset.name
    );
    // Complete rows: each row over the columns its own file has.
    let complete = dataset
        .complete_row_fraction
        .map(|fraction| (fraction * dataset.row_count as f64).round() as u64);
    assert_eq!(
        complete,
        expected["complete_rows"].as_u64(),
        "{}: complete rows",
        dataset.name
    );
    let columns = expected["columns"].as_object().unwrap();
    for (name, figures) in columns {
        let column = column(dataset, name);
        assert_eq!(
            (column.null_count, column.absent_count.unwrap_or(0)),
            (
                figures["null"].as_u64().unwrap(),
                figures["absent"].as_u64().unwrap()
            ),
            "{}.{name}: (NULL, absent)",
            dataset.name
        );
    }
}
