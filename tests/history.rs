//! History: a sequence of runs over changing data, each appended to a history store; the JSON
//! shows the change since the previous run and the trend, and the checks on history fire on
//! the exact figures, with the current run never in its own baseline.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use assert_cmd::Command;
use readiness::check::{Check, Dimension, Severity};
use readiness::history::History;
use readiness::report::json::Parsed;
use tempfile::TempDir;

/// `rows` rows; the last `unlabelled` have no label; events up to the day before `day`.
fn write_data(path: &Path, rows: usize, unlabelled: usize, day: u32) {
    let mut text = String::from("id,amount,label,event_time\n");
    for i in 0..rows {
        let label = if i >= rows - unlabelled { "" } else { "yes" };
        let _ = writeln!(
            text,
            "{i},{}.5,{label},2026-11-{:02}T00:00:00Z",
            i % 97,
            day - 1
        );
    }
    std::fs::write(path, text).unwrap();
}

/// `readiness scan` of `data` on 2026-11-`day` with the history store `history`.
fn run(data: &Path, history: &str, day: u32) -> (Option<i32>, Parsed) {
    let output = Command::cargo_bin("readiness")
        .unwrap()
        .args([
            "scan",
            data.to_str().unwrap(),
            "--label",
            "label",
            "--key",
            "id",
        ])
        .args([
            "--time",
            "event_time",
            "--history",
            history,
            "--json",
            "-",
            "-q",
        ])
        .args(["--now", &format!("2026-11-{day:02}T00:00:00Z")])
        .output()
        .unwrap();
    assert!(
        common::profiled(&output),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.status.code(),
        readiness::report::json::parse(&output.stdout).unwrap(),
    )
}

/// The findings on history: check, column, severity, observed, threshold.
fn history_findings(json: &Parsed) -> Vec<(Check, Option<String>, Severity, f64, f64)> {
    json.assessment
        .findings
        .iter()
        .filter(|f| f.dimension == Dimension::History)
        .map(|f| {
            (
                f.check,
                f.column.clone(),
                f.severity,
                f.observed,
                f.threshold,
            )
        })
        .collect()
}

fn history_of(json: &Parsed) -> &History {
    json.history.as_ref().expect("a history in the JSON")
}

#[test]
fn runs_build_a_history_and_the_checks_on_it_fire_on_exact_figures() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("events.csv");
    let history = dir.path().join("history");
    let history = history.to_str().unwrap();

    // Four steady runs: 1,000, 1,100, 900, 1,000 rows, all labelled.
    for (day, rows) in [(18, 1000), (19, 1100), (20, 900), (21, 1000)] {
        write_data(&data, rows, 0, day);
        let (_, json) = run(&data, history, day);
        assert!(history_findings(&json).is_empty(), "day {day}: {json:#?}");
        if day == 18 {
            assert_eq!(history_of(&json).previous_runs, 0);
            assert!(history_of(&json).datasets[0].change.is_none());
        }
    }
    let files = std::fs::read_dir(history).unwrap().count();
    assert_eq!(files, 4, "one Parquet file per run");

    // Run 5: 700 rows, 70 of them unlabelled.
    write_data(&data, 700, 70, 22);
    let (code, json) = run(&data, history, 22);
    let own = &history_of(&json).datasets[0];
    assert_eq!(history_of(&json).previous_runs, 4);
    assert_eq!(own.dataset, "events");
    let rows: Vec<u64> = own.runs.iter().map(|r| r.row_count).collect();
    assert_eq!(rows, [1000, 1100, 900, 1000, 700]);
    let change = own
        .change
        .as_ref()
        .expect("a change since the previous run");
    assert_eq!(
        readiness::metrics::rfc3339_string(&change.previous_run_at),
        "2026-11-21T00:00:00Z"
    );
    assert_eq!(change.row_count, -300);
    assert!((change.row_count_relative.unwrap() + 0.3).abs() < 1e-12);
    assert!((change.label_coverage.unwrap() + 0.1).abs() < 1e-12);
    assert_eq!(change.freshness_lag_seconds, Some(0));

    let findings = history_findings(&json);
    let find = |check: Check, column: Option<&str>| {
        findings
            .iter()
            .find(|f| f.0 == check && f.1.as_deref() == column)
            .unwrap_or_else(|| panic!("no {check} {column:?} in {findings:?}"))
            .clone()
    };
    // 300 of 1,000 rows lost: above the 20% warning, below the 50% failure.
    let drop = find(Check::RowCountDrop, None);
    assert_eq!((drop.2, drop.4), (Severity::Warn, 0.2));
    assert!((drop.3 - 0.3).abs() < 1e-12);
    // Label coverage 100% -> 90%.
    let coverage = find(Check::LabelCoverageDrop, None);
    assert!((coverage.3 - 0.1).abs() < 1e-12 && coverage.4 == 0.05);
    // Rows: baseline 1,000, 1,100, 900, 1,000 (mean 1,000, sample sd 81.65): 700 is 3.67 sd
    // away. With the current run in the baseline it would be 1.58 sd, below the threshold 3.
    let anomaly = find(Check::MetricAnomaly, Some("row_count"));
    let sd = (20_000.0_f64 / 3.0).sqrt();
    assert!((anomaly.3 - 300.0 / sd).abs() < 1e-9, "{anomaly:?}");
    assert_eq!((anomaly.2, anomaly.4), (Severity::Warn, 3.0));
    // Label coverage was exactly 1.0 four times: the sd floor of 1% of the mean gives 10 sd.
    let steady = find(Check::MetricAnomaly, Some("label_coverage"));
    assert!((steady.3 - 10.0).abs() < 1e-9, "{steady:?}");
    // Mean completeness 1.0 -> (1 + 1 + 0.9 + 1) / 4 = 0.975: 2.5 sd, no finding; no drop
    // finding either (2.5 points < 5), and the lag did not move.
    assert!(
        !findings
            .iter()
            .any(|f| f.1.as_deref() == Some("completeness"))
    );
    assert!(!findings.iter().any(|f| f.0 == Check::CompletenessDrop));
    assert!(
        !findings
            .iter()
            .any(|f| f.1.as_deref() == Some("freshness_lag_seconds"))
    );
    assert_eq!(findings.len(), 4, "{findings:?}");
    // Warnings only (the label coverage of 90% is at, not below, its threshold).
    assert_eq!(code, Some(0));

    // The report shows the trend as small charts with their figures written out.
    let html = dir.path().join("report.html");
    let output = Command::cargo_bin("readiness")
        .unwrap()
        .args(["scan", data.to_str().unwrap(), "--label", "label"])
        .args(["--time", "event_time", "--history", history, "-q"])
        .args([
            "--now",
            "2026-11-23T00:00:00Z",
            "--html",
            html.to_str().unwrap(),
        ])
        .args(["--json", dir.path().join("r.json").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(common::profiled(&output));
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(
        text.contains("rows per run: 1,000, 1,100, 900, 1,000, 700, 700"),
        "trend text alternative"
    );
    assert_eq!(text.matches("class=\"spark\"").count(), 5);
    assert!(text.contains("+0 rows since the previous run"));
}

#[test]
fn an_unreadable_history_file_is_named_and_skipped() {
    let dir = TempDir::new().unwrap();
    let data = dir.path().join("events.csv");
    let history = dir.path().join("history");
    write_data(&data, 100, 0, 10);
    run(&data, history.to_str().unwrap(), 10);
    std::fs::write(history.join("run-broken.parquet"), b"not parquet").unwrap();
    let (_, json) = run(&data, history.to_str().unwrap(), 11);
    assert_eq!(history_of(&json).previous_runs, 1);
    let unreadable = &history_of(&json).unreadable_files;
    assert_eq!(unreadable.len(), 1);
    assert!(unreadable[0].source.ends_with("run-broken.parquet"));
}
