//! History: a sequence of runs over changing data, each appended to a history store; the JSON
//! shows the change since the previous run and the trend, and the checks on history fire on
//! the exact figures, with the current run never in its own baseline.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;
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
fn run(data: &Path, history: &str, day: u32) -> (Option<i32>, Value) {
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
        serde_json::from_slice(&output.stdout).unwrap(),
    )
}

fn history_findings(json: &Value) -> Vec<(String, Option<String>, String, f64, f64)> {
    json["assessment"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["dimension"] == "history")
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                f["column"].as_str().map(str::to_string),
                f["severity"].as_str().unwrap().to_string(),
                f["observed"].as_f64().unwrap(),
                f["threshold"].as_f64().unwrap(),
            )
        })
        .collect()
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
        assert!(history_findings(&json).is_empty(), "day {day}: {json:#}");
        if day == 18 {
            assert_eq!(json["history"]["previous_runs"], 0);
            assert!(json["history"]["datasets"][0]["change"].is_null());
        }
    }
    let files = std::fs::read_dir(history).unwrap().count();
    assert_eq!(files, 4, "one Parquet file per run");

    // Run 5: 700 rows, 70 of them unlabelled.
    write_data(&data, 700, 70, 22);
    let (code, json) = run(&data, history, 22);
    let own = &json["history"]["datasets"][0];
    assert_eq!(json["history"]["previous_runs"], 4);
    assert_eq!(own["dataset"], "events");
    let rows: Vec<u64> = own["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["row_count"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, [1000, 1100, 900, 1000, 700]);
    let change = &own["change"];
    assert_eq!(change["previous_run_at"], "2026-11-21T00:00:00Z");
    assert_eq!(change["row_count"], -300);
    assert!((change["row_count_relative"].as_f64().unwrap() + 0.3).abs() < 1e-12);
    assert!((change["label_coverage"].as_f64().unwrap() + 0.1).abs() < 1e-12);
    assert_eq!(change["freshness_lag_seconds"], 0);

    let findings = history_findings(&json);
    let find = |check: &str, column: Option<&str>| {
        findings
            .iter()
            .find(|f| f.0 == check && f.1.as_deref() == column)
            .unwrap_or_else(|| panic!("no {check} {column:?} in {findings:?}"))
            .clone()
    };
    // 300 of 1,000 rows lost: above the 20% warning, below the 50% failure.
    let drop = find("row_count_drop", None);
    assert_eq!((drop.2.as_str(), drop.4), ("warn", 0.2));
    assert!((drop.3 - 0.3).abs() < 1e-12);
    // Label coverage 100% -> 90%.
    let coverage = find("label_coverage_drop", None);
    assert!((coverage.3 - 0.1).abs() < 1e-12 && coverage.4 == 0.05);
    // Rows: baseline 1,000, 1,100, 900, 1,000 (mean 1,000, sample sd 81.65): 700 is 3.67 sd
    // away. With the current run in the baseline it would be 1.58 sd, below the threshold 3.
    let anomaly = find("metric_anomaly", Some("row_count"));
    let sd = (20_000.0_f64 / 3.0).sqrt();
    assert!((anomaly.3 - 300.0 / sd).abs() < 1e-9, "{anomaly:?}");
    assert_eq!((anomaly.2.as_str(), anomaly.4), ("warn", 3.0));
    // Label coverage was exactly 1.0 four times: the sd floor of 1% of the mean gives 10 sd.
    let steady = find("metric_anomaly", Some("label_coverage"));
    assert!((steady.3 - 10.0).abs() < 1e-9, "{steady:?}");
    // Mean completeness 1.0 -> (1 + 1 + 0.9 + 1) / 4 = 0.975: 2.5 sd, no finding; no drop
    // finding either (2.5 points < 5), and the lag did not move.
    assert!(
        !findings
            .iter()
            .any(|f| f.1.as_deref() == Some("completeness"))
    );
    assert!(!findings.iter().any(|f| f.0 == "completeness_drop"));
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
    assert_eq!(json["history"]["previous_runs"], 1);
    let unreadable = json["history"]["unreadable_files"].as_array().unwrap();
    assert_eq!(unreadable.len(), 1);
    assert!(
        unreadable[0]["source"]
            .as_str()
            .unwrap()
            .ends_with("run-broken.parquet")
    );
}
