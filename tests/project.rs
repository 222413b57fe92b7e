//! The project config and scheduled runs: `readiness init` writes a starter readiness.toml that
//! runs as it is; `readiness run` profiles every configured dataset and exits 0, 1 or 2.

mod common;

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use common::{NOW, copy_dir, repo_path};
use readiness::check::{Check, Finding, Severity};
use readiness::report::json::Parsed;
use tempfile::TempDir;

/// A temporary project folder holding a copy of sample-data/.
fn project() -> TempDir {
    let dir = TempDir::new().unwrap();
    copy_dir(&repo_path("sample-data"), &dir.path().join("sample-data"));
    dir
}

fn readiness(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("readiness")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// `readiness run`: its exit status, its JSON read back into the crate's types (`None` when it
/// wrote none) and its stderr.
fn run_json(dir: &Path, config: &str, extra: &[&str]) -> (Option<i32>, Option<Parsed>, String) {
    let mut args = vec!["run", "--config", config, "--now", NOW, "--json", "-", "-q"];
    args.extend_from_slice(extra);
    let output = readiness(dir, &args);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let parsed = readiness::report::json::parse(&output.stdout).ok();
    (output.status.code(), parsed, stderr)
}

fn finding<'a>(json: &'a Option<Parsed>, check: Check, dataset: &str) -> Option<&'a Finding> {
    json.as_ref()
        .expect("a JSON result")
        .assessment
        .findings
        .iter()
        .find(|f| f.check == check && f.dataset == dataset)
}

#[test]
fn init_writes_a_commented_config_that_runs_as_it_is() {
    let dir = project();
    let output = readiness(dir.path(), &["init", "sample-data/"]);
    assert_eq!(output.status.code(), Some(0));
    let config = String::from_utf8(output.stdout).unwrap();
    // Sniffed: the id columns as keys, the few-class columns named like targets as labels,
    // the timestamp columns for freshness.
    for line in [
        "name = \"customers\"\nsource = \"sample-data/customers.csv\"",
        "name = \"orders\"\nsource = \"sample-data/orders/\"",
        "key = [\"customer_id\"]",
        "key = [\"order_id\"]",
        "key = [\"ticket_id\"]",
        "label = [\"churned\"]",
        "label = [\"priority\"]",
        "time = \"ordered_at\"",
        "history = \"history\"",
    ] {
        assert!(config.contains(line), "{line} not in\n{config}");
    }
    assert!(config.lines().filter(|l| l.starts_with('#')).count() >= 10);
    std::fs::write(dir.path().join("readiness.toml"), &config).unwrap();

    // It runs as it is, from another working folder too (paths are relative to the file).
    let elsewhere = TempDir::new().unwrap();
    let config_path = dir.path().join("readiness.toml");
    let (code, json, stderr) = run_json(elsewhere.path(), config_path.to_str().unwrap(), &[]);
    assert_eq!(code, Some(1), "{stderr}");
    let result = json.expect("a JSON result").result;
    let names: Vec<&str> = result.datasets.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["customers", "orders", "tickets"]);
    let customers = &result.datasets[0];
    assert_eq!(customers.row_count, 1000);
    assert_eq!(customers.duplicates.duplicate_key_row_count, Some(20));
    assert_eq!(customers.labels[0].labelled_count, 775);
    let orders = &result.datasets[1];
    assert_eq!(orders.row_count, 3011);
    assert_eq!(orders.duplicates.duplicate_key_row_count, Some(17));
    assert_eq!(result.datasets[2].labels[0].labelled_count, 504);
    assert_eq!(result.parameters.config.as_deref(), config_path.to_str());
    // The history went where the config said, beside it.
    assert_eq!(
        std::fs::read_dir(dir.path().join("history"))
            .unwrap()
            .count(),
        1
    );
}

const CONFIG: &str = r#"version = 1

[run]
out = "out"
fail_on = "fail"

[[dataset]]
name = "tickets"
source = "sample-data/tickets.parquet"
label = ["priority"]
owner = "support-analytics@example.com"

[[dataset]]
name = "crm"
source = "sample-data/customers.csv"
key = ["customer_id"]
skip_checks = ["column_completeness", "freshness_*", "duplicate_*"]
"#;

#[test]
fn run_exit_codes_follow_the_findings() {
    let dir = project();
    std::fs::write(dir.path().join("readiness.toml"), CONFIG).unwrap();
    let (code, json, stderr) = run_json(dir.path(), "readiness.toml", &[]);
    // tickets: warnings, and a failing minority class (10 "urgent" < 50); crm: its failing
    // checks (notes completeness, age, repeated keys) are skipped.
    assert_eq!(code, Some(1), "{stderr}");
    assert!(finding(&json, Check::MinorityClassSize, "tickets").is_some());
    // The configured owner counts as recorded lineage: tickets now lacks only two of three.
    let lineage = finding(&json, Check::LineageMetadata, "tickets").unwrap();
    assert_eq!(lineage.observed, 2.0);
    assert_eq!(
        json.as_ref().unwrap().result.datasets[0]
            .lineage
            .owner
            .as_deref(),
        Some("support-analytics@example.com")
    );
    // Skipped checks raise nothing on crm, though the data has duplicates and gaps.
    for check in [
        Check::ColumnCompleteness,
        Check::FreshnessLag,
        Check::DuplicateKeys,
        Check::DuplicateRows,
    ] {
        assert!(finding(&json, check, "crm").is_none(), "{check}");
    }
    assert!(finding(&json, Check::ColumnCompleteness, "tickets").is_some());

    // Only warnings left once the failing checks are made advisory: exit 0; with --fail-on warn
    // exit 1.
    let suite = dir.path().join("relaxed.toml");
    std::fs::write(
        &suite,
        "version = 1\n[checks.minority_class_size]\nadvisory = true\n[checks.distribution_shift]\nadvisory = true\n",
    )
    .unwrap();
    let relaxed = ["--checks", suite.to_str().unwrap()];
    let (code, _, stderr) = run_json(dir.path(), "readiness.toml", &relaxed);
    assert_eq!(code, Some(0), "{stderr}");
    let mut strict = relaxed.to_vec();
    strict.extend(["--fail-on", "warn"]);
    let (code, _, _) = run_json(dir.path(), "readiness.toml", &strict);
    assert_eq!(code, Some(1));
}

#[test]
fn an_unreadable_dataset_is_a_failing_finding_and_nothing_readable_exits_2() {
    let dir = project();
    let config = CONFIG.replace("sample-data/customers.csv", "sample-data/gone.csv");
    std::fs::write(dir.path().join("readiness.toml"), config).unwrap();
    let suite = dir.path().join("relaxed.toml");
    std::fs::write(
        &suite,
        "version = 1\n[checks.minority_class_size]\nadvisory = true\n[checks.distribution_shift]\nadvisory = true\n",
    )
    .unwrap();
    let (code, json, _) = run_json(
        dir.path(),
        "readiness.toml",
        &["--checks", suite.to_str().unwrap()],
    );
    assert_eq!(code, Some(1));
    assert_eq!(json.as_ref().unwrap().result.datasets.len(), 1);
    let unreadable = finding(&json, Check::SourceReadable, "crm").unwrap();
    assert_eq!(unreadable.severity, Severity::Fail);
    assert!(unreadable.message.contains("sample-data/gone.csv"));

    let config = CONFIG
        .replace("sample-data/customers.csv", "sample-data/gone.csv")
        .replace("sample-data/tickets.parquet", "nowhere/");
    std::fs::write(dir.path().join("readiness.toml"), config).unwrap();
    let (code, _, stderr) = run_json(dir.path(), "readiness.toml", &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with("error: nothing could be read"),
        "{stderr}"
    );
    common::error_line(&stderr);
}

#[test]
fn bad_configs_exit_2_naming_file_line_and_expectation() {
    let dir = project();
    let cases = [
        (CONFIG.replace("owner = ", "ownr = "), "line 11", "ownr"),
        (
            CONFIG.replace("name = \"crm\"", "name = \"tickets\""),
            "line",
            "used twice",
        ),
        (
            CONFIG.replace("\"duplicate_*\"", "\"duplicate_rowz\""),
            "line 14",
            "`duplicate_rowz` matches no check",
        ),
        (
            CONFIG.replace("fail_on = \"fail\"", "fail_on = \"sometimes\""),
            "line 5",
            "fail",
        ),
        (
            CONFIG.replace("version = 1", "version = 3"),
            "",
            "version = 1",
        ),
    ];
    for (text, line, expected) in cases {
        std::fs::write(dir.path().join("bad.toml"), &text).unwrap();
        let (code, _, stderr) = run_json(dir.path(), "bad.toml", &[]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains("bad.toml") && stderr.contains(line) && stderr.contains(expected),
            "{stderr}"
        );
    }
    let (code, _, stderr) = run_json(dir.path(), "missing.toml", &[]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("missing.toml"), "{stderr}");
}

/// Column names from the data reach the starter config only as quoted TOML strings: a name
/// holding a line break and `[storage]` creates no table and no setting.
#[test]
fn init_quotes_names_from_the_data_and_they_cannot_add_settings() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("evil.csv"),
        "id,\"ref\n[storage]\naws_endpoint = \"\"http://attacker\"\"\n#_id\"\n1,10\n2,20\n3,30\n",
    )
    .unwrap();
    let output = readiness(dir.path(), &["init", "evil.csv"]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let config = String::from_utf8(output.stdout).unwrap();
    assert!(config.contains("key = [\"id\"]"), "{config}");
    assert!(
        config.contains(
            "# other key candidates: \"ref\\n[storage]\\naws_endpoint = \\\"http://attacker\\\"\\n#_id\""
        ),
        "{config}"
    );
    let parsed: toml::Table = toml::from_str(&config).expect("the config is valid TOML");
    assert!(!parsed.contains_key("storage"), "{config}");
    assert!(!config.lines().any(|line| line.starts_with("[storage]")));
}
