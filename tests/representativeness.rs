//! Representativeness and leakage suspects on files polars and pyarrow wrote, against the
//! figures the writer computes from the rows themselves (tests/representativeness/).

mod common;

use common::{dataset, scan_output};
use readiness::check::{Check, Severity};
use readiness::metrics::{LeakageRule, ShiftKind};
use tempfile::TempDir;

fn close(ours: f64, theirs: f64) -> bool {
    (ours - theirs).abs() < 1e-12
}

#[test]
fn the_oldest_and_newest_windows_are_compared_and_leaks_listed_with_their_evidence() {
    let dir = TempDir::new().unwrap();
    let without_statistics = TempDir::new().unwrap();
    let csv = TempDir::new().unwrap();
    let stdout = common::venv_python(
        "tests/representativeness/make_visits.py",
        &[
            dir.path().as_os_str(),
            without_statistics.path().as_os_str(),
            csv.path().as_os_str(),
        ],
    );
    let planted: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    let figure = |key: &str| planted[key].as_f64().unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    let output = scan_output(&[dir_arg, "--label", "converted", "--time", "visited_at"]);
    let parsed = readiness::report::json::parse(&output.stdout).unwrap();

    let visits = dataset(&parsed.result, "visits");
    let r = &visits.representativeness;
    assert_eq!(r.time_column.as_deref(), Some("visited_at"));
    assert_eq!(r.oldest.as_ref().unwrap().rows, 200);
    assert_eq!(r.newest.as_ref().unwrap().rows, 200);
    assert_eq!(figure("oldest_rows"), 200.0);
    assert!(close(r.newest_share.unwrap(), figure("newest_share")));
    // Zone-aware times (Europe/Berlin) are compared as instants: the windows start at the
    // first visit in UTC.
    assert_eq!(
        r.oldest.as_ref().unwrap().start.to_rfc3339(),
        "2026-01-01T00:00:00+00:00"
    );
    let shift = |name: &str| {
        r.columns
            .iter()
            .find(|c| c.column == name)
            .unwrap_or_else(|| panic!("{name} compared"))
    };
    // A polars Categorical by value, an integer on the oldest window's deciles: the same index
    // the writer computes from the rows.
    assert_eq!(shift("device").kind, ShiftKind::Categorical);
    assert!(close(shift("device").psi, figure("device_psi")));
    assert_eq!(shift("basket").kind, ShiftKind::Numeric);
    assert!(close(shift("basket").psi, figure("basket_psi")));
    assert!(close(shift("region").psi, figure("region_psi")));
    assert_eq!(shift("basket").bins.len(), 9);
    // The identifier and the time columns are not compared; the largest shift comes first.
    let compared: Vec<&str> = r.columns.iter().map(|c| c.column.as_str()).collect();
    assert_eq!(compared[..2], ["device", "basket"]);
    assert!(!compared.contains(&"visit_id") && !compared.contains(&"shipped_at"));

    let finding = |check: Check, column: &str| {
        parsed
            .assessment
            .findings
            .iter()
            .find(|f| f.check == check && f.column.as_deref() == Some(column))
    };
    let device = finding(Check::DistributionShift, "device").unwrap();
    assert_eq!(device.severity, Severity::Fail);
    assert!(
        device
            .message
            .contains("`mobile` 50.0% of values then, 75.0% now")
    );
    // `basket` moved too (6 to 10 twice as often), by an index above the 0.1 warning, but
    // windows of 200 values over 9 bins give 8 x (1/200 + 1/200) = 0.08 from sampling alone,
    // and a shift under three times that is not judged: the figures are listed, no finding.
    let basket = shift("basket");
    assert_eq!((basket.oldest_values, basket.newest_values), (200, 200));
    assert!(close(basket.sampling_psi, 0.08), "{}", basket.sampling_psi);
    assert!(basket.psi > 0.1 && basket.psi < 3.0 * basket.sampling_psi);
    assert!(finding(Check::DistributionShift, "basket").is_none());
    assert!(close(shift("device").sampling_psi, 0.01));
    assert!(finding(Check::DistributionShift, "region").is_none());

    // Leakage: the coupon is filled only where `converted` is set; the shipping time is filled
    // only for converted visits and is always a day after the visit.
    let label = &visits.labels[0];
    let suspect = |column: &str, rule: LeakageRule| {
        label
            .leakage_suspects
            .iter()
            .find(|s| s.column == column && s.rule == rule)
            .unwrap_or_else(|| panic!("{column} {rule:?}"))
    };
    let coupon = suspect("coupon_code", LeakageRule::FilledWithLabel);
    assert_eq!(
        (coupon.strength, coupon.observed, coupon.baseline),
        (1.0, 1.0, 0.0)
    );
    let after = suspect("shipped_at", LeakageRule::AfterTime);
    assert_eq!(after.rows, planted["shipped_after"].as_u64().unwrap());
    assert_eq!(after.strength, 1.0);
    // Balanced columns are no suspects.
    assert!(
        label
            .leakage_suspects
            .iter()
            .all(|s| s.column != "region" && s.column != "device")
    );
    let leak = finding(Check::LeakageSuspects, "coupon_code").unwrap();
    assert!(leak.advisory, "leakage suspects are advisory by default");

    // Without a time column, it says it could not be assessed.
    let snapshot = dataset(&parsed.result, "snapshot");
    let r = &snapshot.representativeness;
    assert!(r.columns.is_empty() && r.newest_share.is_none());
    assert_eq!(
        r.not_assessed.as_deref(),
        Some("time column `visited_at` is not in this dataset")
    );
    // Its verdict says so too: not assessed, never ready; the dataset's verdict is that of the
    // dimensions that were assessed.
    let verdicts = parsed
        .assessment
        .datasets
        .iter()
        .find(|d| d.dataset == "snapshot")
        .unwrap();
    let dimension = verdicts
        .dimensions
        .iter()
        .find(|d| d.dimension == readiness::check::Dimension::Representativeness)
        .unwrap();
    assert_eq!(dimension.verdict, readiness::check::Verdict::NotAssessed);
    assert_eq!(
        dimension.not_assessed.as_deref(),
        Some("time column `visited_at` is not in this dataset")
    );
    assert_ne!(verdicts.verdict, readiness::check::Verdict::NotAssessed);
    // The footer states the time column's range, so the profile pass counted the windows; a
    // copy whose footer has no statistics is read a second time for them, to the same figures.
    let traced = |dir: &std::path::Path| {
        let output = common::readiness(&[
            "scan",
            dir.to_str().unwrap(),
            "--label",
            "converted",
            "--time",
            "visited_at",
            "--now",
            common::NOW,
            "--json",
            "-",
            "--quiet",
            "-v",
        ]);
        let parsed = readiness::report::json::parse(&output.stdout).unwrap();
        let visits = parsed
            .result
            .datasets
            .iter()
            .find(|d| d.name.starts_with("visits") || parsed.result.datasets.len() == 1);
        let visits = visits.expect("the visits").representativeness.clone();
        (visits, String::from_utf8_lossy(&output.stderr).into_owned())
    };
    let (in_pass, log) = traced(dir.path());
    assert!(
        log.contains("oldest and newest windows compared in the profile pass"),
        "{log}"
    );
    assert!(
        !log.contains("comparing the oldest and newest windows"),
        "{log}"
    );
    // Each other way to the windows (`in_profile_pass`: counted in the profile pass, or in a
    // pass of their own) gives the same figures.
    let same_as_footer = |dir: &std::path::Path, in_profile_pass: bool| {
        let (figures, log) = traced(dir);
        let wanted = match in_profile_pass {
            true => "oldest and newest windows compared in the profile pass",
            false => "comparing the oldest and newest windows",
        };
        assert!(log.contains(wanted), "{log}");
        assert_eq!(
            serde_json::to_value(&figures).unwrap(),
            serde_json::to_value(&in_pass).unwrap()
        );
        figures
    };
    let own_pass = same_as_footer(without_statistics.path(), false);
    // The same visits as CSV (pyarrow's writer): the walk kept the time column's smallest and
    // largest text, so the profile pass counted the windows too.
    same_as_footer(csv.path(), true);
    // The first visit written with a `T`: by bytes it is no longer the earliest, so the range
    // the walk states is not the one the pass measures, and the windows get a pass of their
    // own.
    let text = std::fs::read_to_string(csv.path().join("visits.csv")).unwrap();
    let misleading = text.replacen("2026-01-01 01:00:00", "2026-01-01T01:00:00", 1);
    assert_ne!(misleading, text);
    let rewritten = TempDir::new().unwrap();
    std::fs::write(rewritten.path().join("visits.csv"), misleading).unwrap();
    same_as_footer(rewritten.path(), false);
    let compared: Vec<&str> = own_pass.columns.iter().map(|c| c.column.as_str()).collect();
    assert_eq!(compared.len(), 5, "{compared:?}");
    assert_eq!(compared[..2], ["device", "basket"]);

    // And without --time, two time columns: which one is for the user to say.
    let output = scan_output(&[dir_arg]);
    let parsed = readiness::report::json::parse(&output.stdout).unwrap();
    let visits = dataset(&parsed.result, "visits");
    assert_eq!(
        visits.representativeness.not_assessed.as_deref(),
        Some(
            "`visited_at` and `shipped_at` are time columns: name the one that says when each row happened with --time"
        )
    );
    let snapshot = dataset(&parsed.result, "snapshot");
    assert_eq!(
        snapshot.representativeness.not_assessed.as_deref(),
        Some("the data has no time column (timestamps or dates)")
    );
}
