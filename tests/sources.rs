//! Sources: files, folders and globs; the grouping overrides; freshness from file times;
//! table-format sidecars; where the reports go by default.

mod common;

use std::fs;
use std::path::Path;

use assert_cmd::Command;
use common::{NOW, column, dataset, repo_path, scan, scan_output};
use readiness::metrics::{LagBasis, ScanResult, SidecarKind};
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
    assert_eq!(freshness.lag_basis, Some(LagBasis::FileModified));
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
fn lakehouse_tables_are_refused_with_a_reason_never_read_as_loose_files() {
    let dir = TempDir::new().unwrap();
    // A Delta table whose folder still holds an overwritten file, an Iceberg table, and a
    // plain dataset beside them with a manifest.
    write(dir.path(), "lake/orders/part-0.csv", "id\n1\n2\n");
    write(dir.path(), "lake/orders/part-1.csv", "id\n3\n");
    write(
        dir.path(),
        "lake/orders/_delta_log/00000000000000000000.json",
        "{}",
    );
    write(dir.path(), "lake/events/data/part-0.csv", "id\n1\n");
    write(dir.path(), "lake/events/metadata/v1.metadata.json", "{}");
    write(dir.path(), "lake/plain/part-0.csv", "id\n7\n8\n");
    write(dir.path(), "lake/plain/schema.yaml", "id: int");
    let output = scan_output(&[&format!("{}/lake", dir.path().display())]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "a refused table is a failing finding"
    );
    let result: readiness::metrics::ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    // What is left is one dataset: the plain folder's file.
    assert_eq!(result.datasets.len(), 1);
    assert_eq!(result.datasets[0].row_count, 2);
    assert_eq!(result.datasets[0].files.len(), 1);
    assert!(
        result.datasets[0].files[0]
            .path
            .ends_with("lake/plain/part-0.csv")
    );
    let kinds: Vec<_> = result.datasets[0]
        .lineage
        .sidecar_files
        .iter()
        .map(|s| s.kind)
        .collect();
    assert_eq!(kinds, [SidecarKind::Manifest]);
    let refused: Vec<(&str, &str)> = result
        .unreadable_sources
        .iter()
        .map(|f| (f.source.as_str(), f.error.as_str()))
        .collect();
    assert_eq!(refused.len(), 2, "{refused:?}");
    let delta = refused
        .iter()
        .find(|(s, _)| s.ends_with("lake/orders"))
        .unwrap();
    assert!(delta.1.starts_with("a Delta Lake table"), "{}", delta.1);
    let iceberg = refused
        .iter()
        .find(|(s, _)| s.ends_with("lake/events"))
        .unwrap();
    assert!(iceberg.1.starts_with("an Iceberg table"), "{}", iceberg.1);
    // Pointed at the table itself: refused, nothing profiled, exit 2.
    let output = scan_output(&[&format!("{}/lake/orders", dir.path().display())]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("a Delta Lake table"));
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
    // No --label and no history store: labels and change over time are not assessed in each
    // of the three datasets, and the last line says so.
    assert!(
        stdout.contains("warning findings; 6 dimensions not assessed)"),
        "{stdout}"
    );
    let written: ScanResult = serde_json::from_str(
        &fs::read_to_string(dir.path().join("reports/readiness.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(written.datasets.len(), 3);
}
