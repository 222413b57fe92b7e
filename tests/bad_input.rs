//! Bad input gets a clear finding or error, and nothing is lost: each test plants one defect.

mod common;

use std::fs;
use std::io::Write;

use common::{column, dataset, scan, scan_output, write};
use readiness::check::{Check, Finding, Severity};
use readiness::report::json::{Parsed, parse};
use readiness::source::delimited::RejectKind;
use tempfile::TempDir;

fn path(dir: &TempDir) -> String {
    dir.path().to_string_lossy().into_owned()
}

#[test]
fn a_late_placeholder_in_a_numeric_csv_column_reads_that_column_as_text() {
    let dir = TempDir::new().unwrap();
    let mut text = String::from("id,amount,city\n");
    for row in 1..=60_000 {
        let amount = if row == 50_000 {
            "N/A".to_string()
        } else {
            (row % 1000).to_string()
        };
        text.push_str(&format!("{row},{amount},Berlin\n"));
    }
    let file = write(dir.path(), "late.csv", &text);
    let result = scan(&[&file]);
    let late = dataset(&result, "late");
    assert_eq!(late.row_count, 60_000);
    let amount = column(late, "amount");
    assert_eq!(amount.data_type, "Utf8");
    assert_eq!(amount.placeholder_count, 1);
    assert_eq!(column(late, "id").data_type, "Int64");
    assert_eq!(late.notes.len(), 1);
    assert!(
        late.notes[0].contains("`amount`") && late.notes[0].contains("N/A"),
        "{}",
        late.notes[0]
    );
}

#[test]
fn a_csv_file_with_a_malformed_row_keeps_its_other_rows_and_lists_the_reject() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "parts/a.csv", "id,name\n1,x\n2,y\n3,z\n");
    write(dir.path(), "parts/b.csv", "id,name\n4,x\n5,y,extra\n6,z\n");
    let result = scan(&[&format!("{}/parts", path(&dir))]);
    let parts = dataset(&result, "parts");
    assert_eq!(parts.files.len(), 2);
    assert_eq!(parts.row_count, 5);
    assert_eq!(parts.rejected_row_count, 1);
    assert_eq!(column(parts, "id").max, Some(serde_json::json!(6)));
    let bad = parts
        .files
        .iter()
        .find(|f| f.path.ends_with("b.csv"))
        .unwrap();
    assert_eq!((bad.row_count, bad.error.as_deref()), (Some(2), None));
    assert_eq!(bad.rejected_row_count, Some(1));
    let reject = &bad.rejected_rows[0];
    assert_eq!((reject.line, reject.byte_offset), (3, 12));
    assert_eq!(reject.kind, RejectKind::TooManyFields);
    assert_eq!(reject.excerpt.as_deref(), Some("5,y,extra"));
    let good = parts
        .files
        .iter()
        .find(|f| f.path.ends_with("a.csv"))
        .unwrap();
    assert_eq!(
        (good.row_count, good.rejected_row_count),
        (Some(3), Some(0))
    );
    // 1 of 6 rows rejected: above the 1% the default suite allows.
    let output = scan_output(&[&format!("{}/parts", path(&dir))]);
    assert_eq!(output.status.code(), Some(1));
    let json = parse(&output.stdout).unwrap();
    let finding = rows_rejected(&json);
    assert_eq!(finding.severity, Severity::Fail);
    assert_eq!(finding.observed, 1.0 / 6.0);
    let message = &finding.message;
    assert!(message.contains("b.csv line 3"), "{message}");
    // The terminal summary names the file and the first rejected line.
    let summary = assert_cmd::Command::cargo_bin("readiness")
        .unwrap()
        .args(["scan", &format!("{}/parts", path(&dir)), "--json", "-"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&summary.stderr);
    assert!(
        stderr.contains("rejected rows: 1 in ")
            && stderr.contains("b.csv (first at line 3: more fields than the header)"),
        "{stderr}"
    );
}

#[test]
fn one_rejected_row_in_a_thousand_warns_and_personal_values_in_its_excerpt_are_masked() {
    let dir = TempDir::new().unwrap();
    let mut text = String::from("email,amount\n");
    for i in 0..999 {
        text.push_str(&format!("user{i}@example.org,{i}\n"));
    }
    text.push_str("ann.lee@example.com,12,oops\n");
    let file = write(dir.path(), "payments.csv", &text);
    let output = scan_output(&[&file]);
    let json = parse(&output.stdout).unwrap();
    let finding = rows_rejected(&json);
    assert_eq!(finding.severity, Severity::Warn);
    assert_eq!(finding.observed, 0.001);
    let reject = &json.result.datasets[0].files[0].rejected_rows[0];
    assert_eq!(reject.line, 1001);
    assert_eq!(reject.excerpt.as_deref(), Some("a***@example.com,12,oops"));
    assert!(!String::from_utf8_lossy(&output.stdout).contains("ann.lee"));
}

#[test]
fn nothing_readable_exits_2_with_one_line_naming_the_file() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "broken.parquet", "PAR1 this is not parquet");
    let output = scan_output(&[&path(&dir)]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    common::error_line(&stderr);
    assert!(stderr.contains("broken.parquet"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn a_missing_source_is_a_usage_error_unless_another_source_was_read() {
    let output = scan_output(&["/no/such/place"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        common::error_line(&stderr),
        "error: nothing could be read from any source: source not found: /no/such/place"
    );

    let dir = TempDir::new().unwrap();
    let good = write(dir.path(), "good.csv", "a\n1\n");
    let result = scan(&["/no/such/place", &good]);
    assert_eq!(result.datasets.len(), 1);
    assert_eq!(result.unreadable_sources.len(), 1);
    assert_eq!(result.unreadable_sources[0].source, "/no/such/place");
}

#[test]
fn an_unknown_key_column_is_a_usage_error_naming_it() {
    let dir = TempDir::new().unwrap();
    let file = write(dir.path(), "t.csv", "a,b\n1,2\n");
    let output = scan_output(&[&file, "--key", "nosuch"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("`nosuch` named by --key"));
}

#[test]
fn delimiters_and_compression_are_handled() {
    let dir = TempDir::new().unwrap();
    let tab = write(dir.path(), "tab.tsv", "a\tb\tc\n1\t2\t3\n4\t5\t6\n");
    let pipe = write(dir.path(), "pipe.csv", "a|b\n\"x|y\"|2\n");
    let gz_path = dir.path().join("zipped.csv.gz");
    let mut encoder = flate2::write::GzEncoder::new(
        fs::File::create(&gz_path).unwrap(),
        flate2::Compression::default(),
    );
    encoder.write_all(b"k;v\n1;a\n2;b\n2;b\n").unwrap();
    encoder.finish().unwrap();
    let result = scan(&[&tab, &pipe, &gz_path.to_string_lossy()]);
    assert_eq!(dataset(&result, "tab").columns.len(), 3);
    assert_eq!(dataset(&result, "tab").row_count, 2);
    let pipe = dataset(&result, "pipe");
    assert_eq!(pipe.columns.len(), 2);
    assert_eq!(column(pipe, "a").max, Some(serde_json::json!("x|y")));
    let zipped = dataset(&result, "zipped");
    assert_eq!((zipped.row_count, zipped.columns.len()), (3, 2));
    assert_eq!(zipped.duplicates.duplicate_row_count, 1);
}

#[test]
fn a_folder_of_different_tables_is_split_and_the_overrides_apply() {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "mixed/users.csv", "id,name\n1,a\n2,b\n");
    write(
        dir.path(),
        "mixed/events.csv",
        "event,at\nclick,2026-01-01\n",
    );
    let mixed = format!("{}/mixed", path(&dir));
    let result = scan(&[&mixed]);
    let names: Vec<_> = result.datasets.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec!["events", "users"]);

    let result = scan(&[&mixed, "--one-dataset"]);
    assert_eq!(result.datasets.len(), 1);
    let one = &result.datasets[0];
    assert!(!one.schema_consistent);
    assert_eq!(one.files.iter().filter(|f| !f.schema_matches).count(), 1);
    assert!(one.grouping.contains("--one-dataset"));
}

/// Before schema evolution was read, the part file that adds `surprise` was left out as a
/// stray (3 of 4 rows counted); now it is one table whose columns grew, every row counted.
#[test]
fn a_part_file_that_adds_a_column_is_read_with_the_others() {
    let dir = TempDir::new().unwrap();
    for part in 0..3 {
        write(
            dir.path(),
            &format!("t/part-{part}.csv"),
            &format!("id,v\n{part},x\n"),
        );
    }
    write(dir.path(), "t/part-3.csv", "id,v,surprise\n9,x,y\n");
    let result = scan(&[&format!("{}/t", path(&dir))]);
    assert_eq!(result.datasets.len(), 1);
    let t = &result.datasets[0];
    assert_eq!(t.row_count, 4);
    assert!(t.schema_consistent);
    let surprise = column(t, "surprise");
    assert_eq!((surprise.null_count, surprise.absent_count), (0, Some(3)));
    assert_eq!(surprise.completeness, Some(1.0));
    assert!(
        t.grouping.contains("union of their columns"),
        "{}",
        t.grouping
    );
}

#[test]
fn part_files_with_one_stray_table_stay_one_dataset() {
    let dir = TempDir::new().unwrap();
    for part in 0..3 {
        write(
            dir.path(),
            &format!("t/part-{part}.csv"),
            &format!("id,v\n{part},x\n"),
        );
    }
    // Another table's file: no column in common with the parts.
    write(dir.path(), "t/part-3.csv", "name,email\na,b\n");
    let result = scan(&[&format!("{}/t", path(&dir))]);
    assert_eq!(result.datasets.len(), 1);
    let t = &result.datasets[0];
    assert_eq!(t.row_count, 3);
    let stray = t.files.iter().find(|f| !f.schema_matches).unwrap();
    assert!(stray.path.ends_with("part-3.csv"));
    assert!(
        stray
            .error
            .as_deref()
            .unwrap()
            .contains("missing columns id, v; extra columns name, email"),
        "{:?}",
        stray.error
    );
    assert!(t.grouping.contains("1 of 4 files"), "{}", t.grouping);
}

#[test]
fn odd_column_names_are_profiled_like_any_other() {
    let dir = TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "odd.csv",
        "\"a b\",x.y,\"<script>alert(1)</script>\",Ünï,\"q\"\"uote\"\n1,2,3,4,5\n,2,,4,\n",
    );
    let result = scan(&[&file]);
    let odd = dataset(&result, "odd");
    let names: Vec<_> = odd.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["a b", "x.y", "<script>alert(1)</script>", "Ünï", "q\"uote"]
    );
    assert_eq!(column(odd, "a b").null_count, 1);
    assert_eq!(column(odd, "<script>alert(1)</script>").null_count, 1);
}

#[test]
fn two_runs_give_identical_json() {
    let sample = common::repo_path("sample-data")
        .to_string_lossy()
        .into_owned();
    let first = scan_output(&[&sample, "--key", "customer_id"]).stdout;
    let second = scan_output(&[&sample, "--key", "customer_id"]).stdout;
    assert!(!first.is_empty());
    assert_eq!(first, second);
}

/// Escape sequences and line breaks in a column name and a value never reach
/// the terminal raw: the summary on stderr shows them as visible escapes.
#[test]
fn data_cannot_steer_the_terminal() {
    let dir = TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "evil.csv",
        "\"amount\u{1b}[2J\nFAIL fake finding\",kind\n,x\n,y\n,z\n",
    );
    let output = common::readiness(&[
        "scan",
        &file,
        "--now",
        common::NOW,
        "--json",
        "-",
        "--html",
        "/dev/null",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains('\u{1b}'),
        "a raw escape reached the terminal: {stderr:?}"
    );
    assert!(!stderr.contains('\u{7}'), "{stderr:?}");
    assert!(
        stderr.contains("amount\\x1b[2J\\nFAIL fake finding"),
        "{stderr}"
    );
    assert!(
        !stderr
            .lines()
            .any(|line| line.starts_with("FAIL fake finding")),
        "{stderr}"
    );
}

#[test]
fn errors_are_coloured_only_when_asked_and_never_with_no_color() {
    let run = |color: &str, no_color: bool| {
        let mut command = assert_cmd::Command::cargo_bin("readiness").unwrap();
        command.args(["scan", "/no/such/place", "--color", color]);
        if no_color {
            command.env("NO_COLOR", "1");
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(2));
        String::from_utf8_lossy(&output.stderr).to_string()
    };
    let coloured = run("always", false);
    assert!(coloured.starts_with("\u{1b}["), "{coloured:?}");
    assert!(coloured.contains("hint:"), "{coloured:?}");
    for plain in [run("never", false), run("auto", true)] {
        assert!(!plain.contains('\u{1b}'), "{plain:?}");
        assert!(plain.starts_with("error: "), "{plain}");
        assert!(
            plain.lines().nth(1).unwrap().starts_with("hint: "),
            "{plain}"
        );
    }
}

/// The one `rows_rejected` finding of a run.
fn rows_rejected(json: &Parsed) -> &Finding {
    let mut found = json
        .assessment
        .findings
        .iter()
        .filter(|f| f.check == Check::RowsRejected);
    let finding = found.next().expect("a rows_rejected finding");
    assert!(found.next().is_none(), "one rows_rejected finding");
    finding
}
