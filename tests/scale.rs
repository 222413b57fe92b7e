//! The benchmark table, the memory limit and the progress bar: the parts of issue 6 a test can
//! hold (timings are benchmarks, in bench/run, not tests).

mod common;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::Path;
use std::process::Command as Process;

use assert_cmd::Command;
use datafusion::arrow::array::{Array, RecordBatch, StringArray};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use readiness::metrics::DatasetMetrics;

use common::{NOW, scan, scan_output};

const ROWS: usize = 20_000;

/// The benchmark table's key, label and time columns, as scan arguments.
const BENCH_COLUMNS: [&str; 6] = [
    "--key",
    "event_id",
    "--label",
    "churned",
    "--time",
    "event_time",
];

fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// What the generated table holds, counted here row by row without DataFusion.
struct Expected {
    rows: u64,
    duplicate_rows: u64,
    duplicate_key_rows: u64,
    labelled: u64,
    classes: HashMap<String, u64>,
}

fn expected(batches: &[RecordBatch]) -> Expected {
    let options = FormatOptions::default().with_null("\u{0}NULL");
    let mut rows = HashSet::new();
    let mut keys = HashSet::new();
    let mut total = 0;
    let mut classes = HashMap::new();
    for batch in batches {
        let formatters: Vec<_> = batch
            .columns()
            .iter()
            .map(|column| ArrayFormatter::try_new(column.as_ref(), &options).unwrap())
            .collect();
        let event_id = batch.column_by_name("event_id").unwrap();
        let event_id = ArrayFormatter::try_new(event_id.as_ref(), &options).unwrap();
        let churned = batch.column_by_name("churned").unwrap();
        let churned = churned.as_any().downcast_ref::<StringArray>().unwrap();
        for row in 0..batch.num_rows() {
            total += 1;
            let text: Vec<String> = formatters
                .iter()
                .map(|f| f.value(row).to_string())
                .collect();
            rows.insert(text.join("\u{1}"));
            keys.insert(event_id.value(row).to_string());
            if churned.is_valid(row) {
                *classes.entry(churned.value(row).to_string()).or_insert(0) += 1;
            }
        }
    }
    Expected {
        rows: total,
        duplicate_rows: total - rows.len() as u64,
        duplicate_key_rows: total - keys.len() as u64,
        labelled: classes.values().sum(),
        classes,
    }
}

fn profile(path: &Path, extra: &[&str]) -> DatasetMetrics {
    let mut args = vec![path.to_str().unwrap()];
    args.extend(BENCH_COLUMNS);
    args.extend(extra);
    scan(&args).datasets.remove(0)
}

#[test]
fn the_benchmark_table_has_its_planted_defects_and_every_format_finds_them_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let paths = readiness::benchdata::write(ROWS, dir.path(), true).unwrap();
    assert_eq!(
        paths,
        vec![
            dir.path().join("events_20k.parquet"),
            dir.path().join("events_20k.csv")
        ]
    );
    let batches = read_parquet(&paths[0]);
    assert_eq!(batches[0].num_columns(), 21);
    let want = expected(&batches);
    assert_eq!(want.rows, 20_000);
    // Exactly 1% of the rows are copies of other rows.
    assert_eq!(want.duplicate_rows, 200);
    // Copies repeat their key too; ~0.5% more rows reuse a key.
    assert!(
        (280..=300).contains(&want.duplicate_key_rows),
        "{}",
        want.duplicate_key_rows
    );
    // ~30% of labels missing; 'yes' ~12% of the labelled.
    assert!(
        (13_700..=14_300).contains(&want.labelled),
        "{}",
        want.labelled
    );
    let yes = want.classes["yes"] as f64 / want.labelled as f64;
    assert!((0.10..0.14).contains(&yes), "{yes}");

    for path in &paths {
        let found = profile(path, &[]);
        let shown = path.display();
        assert_eq!(found.row_count, want.rows, "{shown}");
        assert_eq!(
            found.duplicates.duplicate_row_count, want.duplicate_rows,
            "{shown}"
        );
        assert_eq!(
            found.duplicates.duplicate_key_row_count,
            Some(want.duplicate_key_rows),
            "{shown}"
        );
        assert_eq!(found.labels[0].labelled_count, want.labelled, "{shown}");
        for class in &found.labels[0].classes {
            let name = class.value.as_str().unwrap();
            assert_eq!(class.count, want.classes[name], "{shown}: {name}");
        }
        // The three-week hole in June 2023 shows as a gap in the weekly cadence.
        let gap = &found.freshness.gaps;
        assert_eq!(gap.len(), 1, "{shown}: {gap:?}");
        assert_eq!(gap[0].start.to_rfc3339(), "2023-06-05T00:00:00+00:00");
        assert_eq!(gap[0].empty_buckets, 2, "{shown}");
    }
}

/// Profiles `path` with `-v` (pass timings and plan choices on stderr): the dataset and what
/// the log said.
fn profile_traced(path: &Path, extra: &[&str]) -> (DatasetMetrics, String) {
    let output = Command::cargo_bin("readiness")
        .unwrap()
        .arg("scan")
        .arg(path)
        .args([
            "--now", NOW, "--json", "-", "--quiet", "-v", "--color", "never",
        ])
        .args(extra)
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let trace = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(common::profiled(&output), "{trace}");
    let result: readiness::metrics::ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    (result.datasets.into_iter().next().unwrap(), trace)
}

#[test]
fn a_memory_limit_that_forces_spilling_gives_the_same_figures() {
    let dir = tempfile::tempdir().unwrap();
    let paths = readiness::benchdata::write(ROWS, dir.path(), false).unwrap();
    const GROUPED: &str = "distinct rows not counted in the profile pass";
    const KEYS_GROUPED: &str = "duplicate keys not counted in the profile pass";
    let args = BENCH_COLUMNS;
    let limited = |limit: &'static str| {
        let mut with_limit = args.to_vec();
        with_limit.extend(["--memory-limit", limit]);
        profile_traced(&paths[0], &with_limit)
    };
    let (unbounded, trace) = profile_traced(&paths[0], &args);
    assert!(!trace.contains(GROUPED), "{trace}");
    assert!(!trace.contains(KEYS_GROUPED), "{trace}");
    // 20,000 fingerprints fit in half of 8MB: still counted in the one pass.
    let (roomy, trace) = limited("8MB");
    assert!(!trace.contains(GROUPED), "{trace}");
    // Not in half of 2MB: a grouping counts them, spilling to disk.
    let (bounded, trace) = limited("2MB");
    assert!(trace.contains(GROUPED), "{trace}");
    assert!(trace.contains(KEYS_GROUPED), "{trace}");
    for limited in [&roomy, &bounded] {
        assert_eq!(limited.row_count, unbounded.row_count);
        assert_eq!(
            limited.duplicates.duplicate_row_count,
            unbounded.duplicates.duplicate_row_count
        );
        assert_eq!(
            limited.duplicates.duplicate_key_row_count,
            unbounded.duplicates.duplicate_key_row_count
        );
        // The key counted in the pass and by the grouping: the same keys, in the same order.
        assert_eq!(
            limited.duplicates.keys_with_duplicates,
            unbounded.duplicates.keys_with_duplicates
        );
        assert_eq!(
            limited.duplicates.example_groups,
            unbounded.duplicates.example_groups
        );
        assert_eq!(
            limited.labels[0].labelled_count,
            unbounded.labels[0].labelled_count
        );
        // Conflicting labels: counted in the pass (roomy), by two groupings (bounded), or
        // left out with a note; never a different figure.
        let conflicts = |d: &DatasetMetrics| d.labels[0].conflicting_row_count;
        if conflicts(limited).is_some() {
            assert_eq!(conflicts(limited), conflicts(&unbounded));
        } else {
            assert!(
                limited
                    .notes
                    .iter()
                    .any(|n| n.contains("conflicting labels"))
            );
        }
        assert_eq!(limited.freshness.gaps, unbounded.freshness.gaps);
    }
    assert_eq!(bounded.duplicates.duplicate_row_count, 200);
    assert_eq!(bounded.duplicates.example_groups.len(), 5);

    let bad = scan_output(&[paths[0].to_str().unwrap(), "--memory-limit", "lots"]);
    assert_eq!(bad.status.code(), Some(2));
    let message = String::from_utf8_lossy(&bad.stderr);
    assert!(message.contains("--memory-limit"), "{message}");
    assert!(message.contains("not a size"), "{message}");
}

/// Runs readiness with stderr on a pseudo-terminal (util-linux `script`), returning what the
/// terminal showed.
fn on_a_terminal(args: &str) -> String {
    let binary = assert_cmd::cargo::cargo_bin("readiness");
    let output = Process::new("script")
        .args(["-qec", &format!("{} {args}", binary.display()), "/dev/null"])
        .env("TERM", "xterm")
        .env("READINESS_PROGRESS_AFTER_MS", "0")
        .output()
        .expect("script runs");
    assert!(output.status.code().is_some_and(|code| code < 2));
    String::from_utf8_lossy(&output.stdout).to_string()
}

#[test]
fn the_progress_bar_shows_on_a_terminal_only_and_not_with_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let paths = readiness::benchdata::write(ROWS, dir.path(), false).unwrap();
    let out = dir.path().join("reports");
    let common = format!(
        "scan {} --key event_id --now {NOW} --out {}",
        paths[0].display(),
        out.display()
    );
    let shown = on_a_terminal(&common);
    for part in [
        "events_20k · pass 1: profile",
        "/20,000 rows",
        "1/1 files",
        "read",
        "ETA",
    ] {
        assert!(shown.contains(part), "`{part}` not in {shown}");
    }
    // One integer key is counted in the profile pass; a two-column key takes a pass of its own.
    assert!(!shown.contains(": duplicate keys"), "{shown}");
    let two_columns = common.replace("--key event_id", "--key event_id,customer_id");
    let shown = on_a_terminal(&two_columns);
    assert!(shown.contains(": duplicate keys"), "{shown}");
    let quiet = on_a_terminal(&format!("{common} --quiet"));
    assert!(!quiet.contains("pass 1"), "{quiet}");
    assert!(!quiet.contains("ETA"), "{quiet}");

    // stderr not a terminal: nothing but the summary, which goes to stdout.
    let piped = Command::cargo_bin("readiness")
        .unwrap()
        .args(common.split(' '))
        .env("TERM", "xterm")
        .env("READINESS_PROGRESS_AFTER_MS", "0")
        .output()
        .unwrap();
    assert!(piped.status.code().is_some_and(|code| code < 2));
    assert_eq!(String::from_utf8_lossy(&piped.stderr), "");
}

/// A label or time column with more distinct values than the profile pass counts (100,000)
/// is counted again by a grouping: the figures are whole all the same.
#[test]
fn many_valued_labels_and_days_fall_back_to_a_grouping() {
    use chrono::{Days, NaiveDate};
    use std::fmt::Write as _;

    const ROWS: u64 = 100_001;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    let first = NaiveDate::from_ymd_opt(1750, 1, 1).unwrap();
    let mut text = String::from("id,label,day\n");
    for i in 0..ROWS {
        let day = first + Days::new(i);
        writeln!(text, "{i},class{i},{day}").unwrap();
    }
    std::fs::write(&path, text).unwrap();
    let (found, trace) = profile_traced(&path, &["--label", "label", "--time", "day"]);
    assert!(trace.contains("label `label`: too many classes"), "{trace}");
    assert!(trace.contains("time `day`: too many days"), "{trace}");
    assert_eq!(found.row_count, ROWS);
    assert_eq!(found.labels[0].labelled_count, ROWS);
    assert_eq!(found.labels[0].classes.len(), ROWS as usize);
    assert_eq!(found.labels[0].imbalance_ratio, Some(1.0));
    // 1750-01-01 .. 2023-10-17 by month: 273 years and 10 months.
    let freshness = &found.freshness;
    assert_eq!(
        freshness.bucket_width,
        Some(readiness::metrics::BucketWidth::Month)
    );
    assert_eq!(freshness.buckets.len(), 273 * 12 + 10);
    assert_eq!(freshness.buckets.iter().map(|b| b.rows).sum::<u64>(), ROWS);
    assert!(freshness.gaps.is_empty());
}
