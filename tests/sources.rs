//! Sources: files, folders and globs; the grouping overrides; freshness from file times;
//! table-format sidecars; where the reports go by default.

mod common;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use common::{NOW, column, dataset, repo_path, scan};
use readiness::metrics::ScanResult;
use tempfile::TempDir;

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn a_glob_selects_the_files_it_matches_as_one_dataset() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "logs/a.csv", "id\n1\n2\n");
    write(dir.path(), "logs/b.csv", "id\n3\n");
    write(dir.path(), "logs/c.tsv", "id\n4\n");
    let glob = format!("{}/logs/*.csv", dir.path().display());
    let result = scan(&[&glob]);
    assert_eq!(result.datasets.len(), 1);
    let logs = &result.datasets[0];
    assert_eq!(logs.name, glob);
    assert_eq!(logs.files.len(), 2);
    assert_eq!(logs.row_count, 3);
    assert_eq!(
        logs.files
            .iter()
            .map(|f| f.row_count.unwrap())
            .collect::<Vec<_>>(),
        vec![2, 1]
    );
}

#[test]
fn each_makes_every_child_a_dataset_even_when_schemas_agree() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "same/x.csv", "id\n1\n");
    write(dir.path(), "same/y.csv", "id\n2\n");
    let same = format!("{}/same", dir.path().display());
    assert_eq!(scan(&[&same]).datasets.len(), 1);
    let result = scan(&[&same, "--each"]);
    let names: Vec<_> = result.datasets.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec!["x", "y"]);
    assert!(result.datasets[0].grouping.contains("--each"));
}

#[test]
fn without_a_time_column_the_lag_is_measured_from_the_newest_file() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "plain.csv", "id,name\n1,a\n");
    let file = dir.path().join("plain.csv");
    let modified: chrono::DateTime<chrono::Utc> =
        fs::metadata(&file).unwrap().modified().unwrap().into();
    let result = scan(&[&file.to_string_lossy()]);
    let freshness = &dataset(&result, "plain").freshness;
    assert_eq!(freshness.time_column, None);
    assert_eq!(freshness.lag_basis.as_deref(), Some("file_modified"));
    assert_eq!(freshness.newest_file_modified, Some(modified));
    assert_eq!(
        freshness.lag_seconds,
        Some((result.scanned_at - modified).num_seconds())
    );
    assert_eq!(result.scanned_at.to_rfc3339(), "2026-11-22T00:00:00+00:00");
}

#[test]
fn low_cardinality_columns_list_their_top_values() {
    let customers = repo_path("sample-data/customers.csv");
    let result: ScanResult = scan(&[&customers.to_string_lossy()]);
    let plan = column(dataset(&result, "customers"), "plan");
    let top: Vec<_> = plan
        .top_values
        .iter()
        .map(|v| (v.value.as_str().unwrap(), v.count))
        .collect();
    // Planted spelling variants of one plan (id % 6 picks Pro/Basic/pro/Basic/PRO/Basic, over
    // ids 1..=980 plus the re-entered ids 11..=20 and 1..=10); ties are ordered by value.
    assert_eq!(
        top,
        vec![("Basic", 500), ("pro", 168), ("PRO", 166), ("Pro", 166)]
    );
    assert!(plan.distinct_is_approximate);
    assert_eq!(plan.distinct_count, 4);
    // High-cardinality columns list none.
    assert!(
        column(dataset(&result, "customers"), "customer_id")
            .top_values
            .is_empty()
    );
}

#[test]
fn table_format_folders_are_reported_as_sidecars_not_data() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "delta/part-0.csv", "id\n1\n");
    write(
        dir.path(),
        "delta/_delta_log/00000000000000000000.json",
        "{}",
    );
    write(dir.path(), "delta/metadata/v1.metadata.json", "{}");
    write(dir.path(), "delta/schema.yaml", "id: int");
    let result = scan(&[&format!("{}/delta", dir.path().display())]);
    let delta = dataset(&result, "delta");
    assert_eq!(delta.files.len(), 1);
    let kinds: Vec<_> = delta
        .lineage
        .sidecar_files
        .iter()
        .map(|s| s.kind.as_str())
        .collect();
    assert_eq!(kinds, vec!["delta_log", "iceberg_metadata", "manifest"]);
    assert!(
        delta.lineage.sidecar_files[0]
            .path
            .ends_with("delta/_delta_log")
    );
}

#[test]
fn by_default_the_json_lands_under_reports_and_the_summary_names_the_rule() {
    let dir = TempDir::new().unwrap();
    let output = Command::cargo_bin("readiness")
        .unwrap()
        .current_dir(dir.path())
        .args([
            "scan",
            &repo_path("sample-data").to_string_lossy(),
            "--now",
            NOW,
        ])
        .output()
        .unwrap();
    assert!(common::profiled(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "orders: one dataset: the 3 readable of 4 data files share one format and schema"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("left out:") && stdout.contains("part-2.parquet"),
        "{stdout}"
    );
    let written: ScanResult = serde_json::from_str(
        &fs::read_to_string(dir.path().join("reports/readiness.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(written.datasets.len(), 3);
}
