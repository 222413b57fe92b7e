//! Delta Lake tables written by the real `deltalake` Python writer (delta-rs), profiled as tables:
//! only the live snapshot, time travel, partitions, schema evolution and what the log says as
//! lineage. The tables come from `tests/lakehouse/make_delta.py`, run once per test binary with
//! the `.venv` that `scripts/test` installs.
#![cfg(feature = "delta")]

mod common;

use std::path::PathBuf;
use std::sync::LazyLock;

use assert_cmd::Command;
use chrono::{DateTime, SecondsFormat, Utc};
use common::{column, dataset};
use readiness::metrics::{DatasetFormat, LagBasis, ScanResult};
use serde_json::Value;
use tempfile::TempDir;

/// The tables, and each commit's time in milliseconds by table and version.
struct Tables {
    dir: TempDir,
    commits: Value,
    /// "Now" for the scans: a little after the writer ran, so every commit is recent.
    now: DateTime<Utc>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let dir = TempDir::new().unwrap();
    let stdout = common::venv_python("tests/lakehouse/make_delta.py", &[dir.path().as_os_str()]);
    let commits: Value = serde_json::from_slice(&stdout).unwrap();
    let later = Utc::now().timestamp() + 300;
    let now = DateTime::from_timestamp(later, 0).unwrap();
    Tables { dir, commits, now }
});

impl Tables {
    fn path(&self, table: &str) -> PathBuf {
        self.dir.path().join(table)
    }

    fn commit_ms(&self, table: &str, version: u64) -> i64 {
        self.commits[table][version.to_string()].as_i64().unwrap()
    }

    fn now_text(&self) -> String {
        self.now.to_rfc3339_opts(SecondsFormat::Secs, true)
    }
}

/// `readiness scan SOURCE ARGS` with the tables' "now"; returns the exit code and result.
fn scan(source: &PathBuf, args: &[&str]) -> (i32, ScanResult) {
    let output = Command::cargo_bin("readiness")
        .unwrap()
        .arg("scan")
        .arg(source)
        .args(args)
        .args(["--now", &TABLES.now_text(), "--json", "-", "--quiet"])
        .output()
        .unwrap();
    let code = output.status.code().unwrap_or(-1);
    assert!(
        matches!(code, 0 | 1),
        "scan failed with {code}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (code, serde_json::from_slice(&output.stdout).unwrap())
}

#[test]
fn an_overwritten_delta_table_is_profiled_as_its_live_snapshot() {
    let (_, result) = scan(&TABLES.path("orders"), &["--label", "label", "--key", "id"]);
    assert_eq!(result.datasets.len(), 1);
    let orders = &result.datasets[0];
    assert_eq!(orders.format, DatasetFormat::Delta);
    // 1,000 rows were written, then overwritten with 500; the first file is still on disk.
    assert_eq!(orders.row_count, 500);
    assert_eq!(orders.files.len(), 1);
    assert_eq!(orders.files[0].row_count, Some(500));
    let on_disk = std::fs::read_dir(TABLES.path("orders"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some())
        .count();
    assert_eq!(on_disk, 2, "the overwritten file is still on disk");
    // Ids 0-499 once each: the overwritten file's ids 0-999 would make 500 duplicate keys.
    assert_eq!(orders.duplicates.duplicate_key_row_count, Some(0));
    assert_eq!(column(orders, "id").max, Some(Value::from(499)));
    assert_eq!(column(orders, "amount").distinct_count, 10);
    assert_eq!(column(orders, "label").null_count, 50);
    assert_eq!(orders.labels[0].labelled_count, 450);
    assert_eq!(orders.duplicates.duplicate_row_count, 0);

    let table = orders.lineage.table.as_ref().expect("table lineage");
    assert_eq!(table.format, DatasetFormat::Delta);
    assert_eq!((table.version, table.newest_version), (1, 1));
    assert_eq!(table.last_operation.as_deref(), Some("WRITE"));
    assert_eq!(table.engine_info.as_deref(), Some("delta-rs:py-1.6.6"));
    assert_eq!((table.commit_count, table.commits_last_30_days), (2, 2));
    assert_eq!((table.file_count, table.deleted_row_count), (1, 0));
    let committed = TABLES.commit_ms("orders", 1);
    assert_eq!(
        table.last_commit_time.map(|t| t.timestamp_millis()),
        Some(committed)
    );
    // No event-time column: freshness is measured from the last commit.
    assert_eq!(orders.freshness.lag_basis, Some(LagBasis::CommitTime));
    assert_eq!(
        orders.freshness.lag_seconds,
        Some((TABLES.now.timestamp_millis() - committed).div_euclid(1000))
    );
}

#[test]
fn time_travel_profiles_an_older_version_by_number_or_time() {
    let (_, by_version) = scan(&TABLES.path("orders"), &["--version", "0"]);
    let orders = &by_version.datasets[0];
    assert_eq!(orders.row_count, 1000);
    assert_eq!(column(orders, "label").null_count, 250);
    let table = orders.lineage.table.as_ref().unwrap();
    assert_eq!((table.version, table.newest_version), (0, 1));
    assert_eq!(table.commit_count, 1);
    assert_eq!(
        table.last_commit_time.map(|t| t.timestamp_millis()),
        Some(TABLES.commit_ms("orders", 0))
    );

    let first = DateTime::from_timestamp_millis(TABLES.commit_ms("orders", 0)).unwrap();
    let as_of = first.to_rfc3339_opts(SecondsFormat::Millis, true);
    let (_, by_time) = scan(&TABLES.path("orders"), &["--as-of", &as_of]);
    assert_eq!(by_time.datasets[0].row_count, 1000);
    assert_eq!(
        by_time.datasets[0].lineage.table.as_ref().unwrap().version,
        0
    );
}

#[test]
fn deleted_rows_are_not_counted() {
    let (_, result) = scan(&TABLES.path("orders_deleted"), &[]);
    let table = &result.datasets[0];
    assert_eq!(table.row_count, 900);
    assert_eq!(column(table, "id").min, Some(Value::from(100)));
    let lineage = table.lineage.table.as_ref().unwrap();
    assert_eq!(lineage.last_operation.as_deref(), Some("DELETE"));
    assert_eq!(lineage.file_count, 1);
}

#[test]
fn partitions_schema_evolution_and_table_metadata_come_from_the_log() {
    let (_, result) = scan(&TABLES.path("events"), &[]);
    let events = &result.datasets[0];
    assert_eq!(events.row_count, 400);
    assert_eq!(events.partition_columns, ["region"]);
    let region = column(events, "region");
    assert_eq!(region.null_count, 0);
    let counts: Vec<(String, u64)> = region
        .top_values
        .iter()
        .map(|v| (v.value.as_str().unwrap().to_string(), v.count))
        .collect();
    assert_eq!(
        counts,
        [
            ("eu".to_string(), 200),
            ("apac".to_string(), 100),
            ("us".to_string(), 100)
        ]
    );
    // `score` was added by the second commit: the 300 older rows do not have it (absent,
    // not NULL), and the schema history, from the live files in the order the log wrote
    // them, says where it appeared.
    let score = column(events, "score");
    assert_eq!((score.null_count, score.absent_count), (0, Some(300)));
    assert_eq!(score.completeness, Some(1.0));
    let changes: Vec<_> = events
        .schema_changes
        .iter()
        .map(|change| {
            (
                change.column.as_str(),
                change.change,
                change.partition.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [(
            "score",
            readiness::source::evolution::ChangeKind::Added,
            Some("region=eu")
        )]
    );
    assert_eq!(column(events, "kind").null_count, 60);
    let table = events.lineage.table.as_ref().unwrap();
    assert_eq!(table.name.as_deref(), Some("events"));
    assert_eq!(
        table.description.as_deref(),
        Some("Click events per region, from the web tracker")
    );
    let properties: Vec<(&str, &str)> = table
        .properties
        .iter()
        .map(|p| (p.key.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(
        properties,
        [
            ("delta.appendOnly", "true"),
            ("delta.logRetentionDuration", "interval 30 days")
        ]
    );
    assert_eq!(table.file_count, 4);
    assert_eq!(table.last_operation.as_deref(), Some("WRITE"));
}

#[test]
fn a_table_delta_rs_cannot_read_is_a_finding_never_loose_files() {
    let (code, result) = scan(&TABLES.dir.path().to_path_buf(), &[]);
    assert_eq!(code, 1, "an unreadable table is a failing finding");
    let names: Vec<&str> = result.datasets.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["events", "orders", "orders_deleted"]);
    assert_eq!(dataset(&result, "orders").row_count, 500);
    let refused: Vec<(&str, &str)> = result
        .unreadable_sources
        .iter()
        .map(|f| (f.source.rsplit('/').next().unwrap(), f.error.as_str()))
        .collect();
    assert_eq!(
        refused,
        [
            (
                "broken",
                "a Delta Lake table that cannot be read: Kernel error: No table metadata or protocol found in delta log."
            ),
            (
                "future",
                "a Delta Lake table that cannot be read: Kernel error: Unsupported: Feature 'futureReaderFeature' is not supported"
            )
        ]
    );
}

/// `version` in a `[[dataset]]` of readiness.toml time-travels as `--version` does; a version
/// and a time together are a configuration error naming the dataset.
#[test]
fn readiness_toml_pins_a_table_version() {
    let dir = TempDir::new().unwrap();
    let orders = TABLES.path("orders");
    let config = format!(
        "version = 1\n\n[[dataset]]\nname = \"orders_v0\"\nsource = {:?}\nversion = 0\n\n[[dataset]]\nname = \"orders_now\"\nsource = {:?}\n",
        orders.to_string_lossy(),
        orders.to_string_lossy()
    );
    std::fs::write(dir.path().join("readiness.toml"), config).unwrap();
    let run = |dir: &std::path::Path| {
        Command::cargo_bin("readiness")
            .unwrap()
            .current_dir(dir)
            .args([
                "run",
                "--now",
                &TABLES.now_text(),
                "--json",
                "-",
                "--html",
                "/dev/null",
                "-q",
            ])
            .output()
            .unwrap()
    };
    let output = run(dir.path());
    assert!(
        common::profiled(&output),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    let rows = |name: &str| {
        let found = dataset(&result, name);
        (
            found.row_count,
            found.lineage.table.as_ref().unwrap().version,
        )
    };
    assert_eq!(rows("orders_v0"), (1000, 0));
    assert_eq!(rows("orders_now"), (500, 1));

    let both = format!(
        "version = 1\n\n[[dataset]]\nname = \"orders\"\nsource = {:?}\nversion = 0\nas_of = \"2026-01-01T00:00:00Z\"\n",
        orders.to_string_lossy()
    );
    std::fs::write(dir.path().join("readiness.toml"), both).unwrap();
    let output = run(dir.path());
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("dataset `orders`: give a table version or a time, not both"),
        "{stderr}"
    );
}
