//! Numeric distributions on a file polars wrote, against the exact percentiles polars computes.

mod common;

use common::{column, dataset, scan_output};
use readiness::check::{Check, Severity};
use tempfile::TempDir;

#[test]
fn percentiles_histogram_outliers_and_impossible_negatives_of_a_polars_file() {
    let dir = TempDir::new().unwrap();
    let stdout = common::venv_python(
        "tests/distributions/make_prices.py",
        &[dir.path().as_os_str()],
    );
    let planted: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    let count = |key: &str| planted[key].as_u64().unwrap();
    assert_eq!(
        [count("negative"), count("zero"), count("huge")],
        [5, 12, 6]
    );
    let exact: Vec<f64> = planted["percentiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();

    let path = dir.path().join("prices.parquet");
    let output = scan_output(&[path.to_str().unwrap()]);
    let parsed = readiness::report::json::parse(&output.stdout).unwrap();
    let prices = dataset(&parsed.result, "prices");
    assert!(column(prices, "note").distribution.is_none());
    let found = column(prices, "unit_price").distribution.as_ref().unwrap();
    assert_eq!(found.value_count, 5000);
    // Percentiles within 0.5% of polars' exact ones (plus the gap between two neighbours).
    let ours = [found.p1, found.p25, found.median, found.p75, found.p99];
    for (ours, exact) in ours.iter().zip(&exact) {
        assert!(
            (ours - exact).abs() <= exact / 200.0 + 0.1,
            "{ours} vs exact {exact}"
        );
    }
    assert_eq!((found.negative_count, found.zero_count), (5, 12));
    assert!(found.non_negative_by_name);
    // The six mix-ups are the only values beyond 3 interquartile ranges.
    assert_eq!(found.outlier_count, 6);
    let h = &found.histogram;
    assert_eq!(h.bins.len(), 10);
    assert_eq!(h.bins.iter().sum::<u64>() + h.below + h.above, 5000);
    assert!(h.above >= 6 && h.below >= 5, "{h:?}");

    let finding = |check: Check| {
        parsed
            .assessment
            .findings
            .iter()
            .find(|f| f.check == check)
            .unwrap_or_else(|| panic!("a {check} finding"))
    };
    let negatives = finding(Check::NegativeValues);
    assert_eq!(
        (negatives.severity, negatives.observed),
        (Severity::Warn, 5.0 / 5000.0)
    );
    assert!(
        negatives
            .message
            .contains("its name says it cannot be negative")
    );
    let outliers = finding(Check::Outliers);
    assert_eq!(outliers.observed, 6.0 / 5000.0);
    assert_eq!(outliers.severity, Severity::Warn);
}

#[test]
fn the_sample_data_flags_only_the_planted_ages() {
    let found = common::sample_findings(readiness::check::Dimension::Distributions);
    let expected = [
        (Check::Outliers, 4.0 / 600.0),
        (Check::NegativeValues, 3.0 / 600.0),
    ]
    .map(|(check, observed)| {
        let (dataset, column) = ("tickets".to_string(), "customer_age".to_string());
        (check, dataset, column, Severity::Warn, observed)
    });
    assert_eq!(found, expected);
    let sample = common::repo_path("sample-data/tickets.parquet");
    let result = common::scan(&[sample.to_str().unwrap()]);
    let ages = column(dataset(&result, "tickets"), "customer_age")
        .distribution
        .as_ref()
        .unwrap();
    assert_eq!((ages.value_count, ages.zero_count), (600, 0));
    assert!(
        ages.upper_fence < 999.0 && ages.lower_fence > -100.0,
        "{ages:?}"
    );
}
