//! Check suites and exit codes: 0 no failing check, 1 a failing check, 2 usage/configuration
//! error or nothing profiled; `--fail-on warn`; advisory checks; suite validation.

mod common;

use std::path::Path;

use common::{repo_path, scan_output};
use readiness::check::{Check, Finding, Severity, Verdict};
use tempfile::TempDir;

fn suite(dir: &Path, text: &str) -> String {
    let path = dir.join("suite.toml");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn findings(stdout: &[u8]) -> Vec<Finding> {
    readiness::report::json::parse(stdout)
        .unwrap()
        .assessment
        .findings
}

fn count(findings: &[Finding], severity: Severity) -> usize {
    findings
        .iter()
        .filter(|f| f.severity == severity && !f.advisory)
        .count()
}

#[test]
fn failing_checks_exit_1_and_warnings_alone_exit_0() {
    let sample = repo_path("sample-data");
    let output = scan_output(&[sample.to_str().unwrap(), "--key", "customer_id"]);
    assert_eq!(output.status.code(), Some(1));
    // Fails: `notes` 2.2% complete, `customers` 363 days old, one unreadable `orders` file,
    // repeated `customer_id` in `customers` and in `orders`, `channel` of `tickets` shifted
    // (e-mail replaced by chat). Warnings: 7 on customers (one `plan` spelled three ways), 3 on
    // orders, 14 on tickets (dates in three formats in `reported_on`, numbers as text in
    // `refund`, e-mail addresses and retyped spellings in `subject`, `HIGH` beside `high` in
    // `priority`, outliers and negative ages in `customer_age`, near-duplicate rows, `priority`
    // and `triaged_by` missing in 16% of rows). The classes of `priority` differ between the
    // windows by an index of 0.169, but 108 and 72 labels over four classes give 0.069 from
    // sampling alone: under three times that, it is not judged.
    let all = findings(&output.stdout);
    assert_eq!(count(&all, Severity::Fail), 6);
    assert_eq!(count(&all, Severity::Warn), 24);

    // tickets, its one failing check made advisory, has warnings only: 0, unless warnings
    // fail too.
    let dir = TempDir::new().unwrap();
    let suite = dir.path().join("suite.toml");
    let text = "version = 1\n[checks.distribution_shift]\nadvisory = true\n";
    std::fs::write(&suite, text).unwrap();
    let suite = suite.to_str().unwrap();
    let tickets = repo_path("sample-data/tickets.parquet");
    let output = scan_output(&[tickets.to_str().unwrap(), "--checks", suite]);
    assert_eq!(output.status.code(), Some(0));
    let all = findings(&output.stdout);
    assert_eq!(
        (count(&all, Severity::Fail), count(&all, Severity::Warn)),
        (0, 14)
    );
    let advisory = all.iter().filter(|f| f.advisory).count();
    assert_eq!(advisory, 1, "the shifted `channel`");
    let output = scan_output(&[
        tickets.to_str().unwrap(),
        "--checks",
        suite,
        "--fail-on",
        "warn",
    ]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn an_unreadable_file_is_a_failing_finding() {
    let orders = repo_path("sample-data/orders");
    let output = scan_output(&[orders.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let all = findings(&output.stdout);
    let unreadable = all
        .iter()
        .find(|f| f.check == Check::FilesReadable)
        .expect("files_readable finding");
    assert_eq!(unreadable.severity, Severity::Fail);
    assert_eq!(unreadable.observed, 1.0);
}

#[test]
fn suites_change_thresholds_scopes_and_advisory_status() {
    let dir = TempDir::new().unwrap();
    let customers = repo_path("sample-data/customers.csv");
    let customers = customers.to_str().unwrap();

    // Default: 20 of 1,000 rows repeat a key, above the 1% fail threshold.
    let output = scan_output(&[customers, "--key", "customer_id"]);
    let keys = findings(&output.stdout)
        .into_iter()
        .find(|f| f.check == Check::DuplicateKeys)
        .unwrap();
    assert_eq!((keys.severity, keys.observed), (Severity::Fail, 0.02));

    // A looser fail threshold for this dataset only turns it into a warning.
    let loose = suite(
        dir.path(),
        "version = 1\n[[override]]\ncheck = \"duplicate_keys\"\ndataset = \"customers\"\nfail = 0.05\n",
    );
    let output = scan_output(&[customers, "--key", "customer_id", "--checks", &loose]);
    let keys = findings(&output.stdout)
        .into_iter()
        .find(|f| f.check == Check::DuplicateKeys)
        .unwrap();
    assert_eq!((keys.severity, keys.threshold), (Severity::Warn, 0.0));

    // Every check on customers advisory: findings still listed, verdict ready, exit 0.
    let advisory = suite(
        dir.path(),
        &common_checks()
            .iter()
            .map(|check| format!("[checks.{check}]\nadvisory = true\n"))
            .fold("version = 1\n".to_string(), |all, table| all + &table),
    );
    let output = scan_output(&[customers, "--checks", &advisory, "--fail-on", "warn"]);
    assert_eq!(output.status.code(), Some(0));
    let parsed = readiness::report::json::parse(&output.stdout).unwrap();
    assert_eq!(parsed.assessment.overall_verdict, Verdict::Ready);
    let all = findings(&output.stdout);
    assert!(all.len() >= 8, "{}", all.len());
    assert!(all.iter().all(|f| f.advisory));

    // A disabled check and a column scope.
    let scoped = suite(
        dir.path(),
        "version = 1\n[checks.personal_data]\nenabled = false\n[checks.column_completeness]\ncolumns = [\"notes\"]\n",
    );
    let output = scan_output(&[customers, "--checks", &scoped]);
    let all = findings(&output.stdout);
    assert!(!all.iter().any(|f| f.check == Check::PersonalData));
    let columns: Vec<_> = all
        .iter()
        .filter(|f| f.check == Check::ColumnCompleteness)
        .map(|f| f.column.as_deref().unwrap())
        .collect();
    assert_eq!(columns, ["notes"]);
}

fn common_checks() -> Vec<&'static str> {
    readiness::check::Check::ALL
        .iter()
        .map(|check| check.name())
        .collect()
}

#[test]
fn a_bad_suite_is_a_usage_error_naming_file_line_and_expectation() {
    let dir = TempDir::new().unwrap();
    let bad = suite(
        dir.path(),
        "version = 1\n\n[checks.freshness_lag]\nwarn = 7\nfial = 90\n",
    );
    let tickets = repo_path("sample-data/tickets.parquet");
    let output = scan_output(&[tickets.to_str().unwrap(), "--checks", &bad]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    common::error_line(&stderr);
    assert!(
        stderr.contains("suite.toml") && stderr.contains("line 5"),
        "{stderr}"
    );
    assert!(
        stderr.contains("unknown field `fial`") && stderr.contains("`fail`"),
        "{stderr}"
    );
}

#[test]
fn the_default_suite_layered_on_itself_changes_nothing() {
    // Layering the shipped file on the built-in suite changes nothing.
    let sample = repo_path("sample-data");
    let default = scan_output(&[sample.to_str().unwrap()]);
    let explicit = scan_output(&[
        sample.to_str().unwrap(),
        "--checks",
        repo_path("checks/default.toml").to_str().unwrap(),
    ]);
    assert_eq!(findings(&default.stdout), findings(&explicit.stdout));
}
