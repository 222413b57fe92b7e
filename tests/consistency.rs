//! Format consistency on files real writers made: polars (a Categorical column) and pyarrow (a
//! dictionary-encoded column, as pandas stores categoricals), against the counts the writing
//! script computes from the values it wrote.

mod common;

use common::{column, dataset, scan};
use readiness::metrics::{Shape, TextFormats};
use tempfile::TempDir;

fn formats<'a>(
    result: &'a readiness::metrics::ScanResult,
    name: &str,
    col: &str,
) -> &'a TextFormats {
    column(dataset(result, name), col)
        .formats
        .as_ref()
        .expect("a text column has formats")
}

#[test]
fn categoricals_dates_and_numbers_as_text_from_polars_and_pyarrow_are_counted_exactly() {
    let dir = TempDir::new().unwrap();
    let stdout = common::venv_python(
        "tests/consistency/make_messy_text.py",
        &[dir.path().as_os_str()],
    );
    let planted: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    let expected = |key: &str| planted[key].as_u64().unwrap();
    // What the script wrote, so the figures below are not just copied from readiness.
    assert_eq!(
        [
            expected("plan_values"),
            expected("plan_variant_rows"),
            expected("plan_spellings"),
            expected("signed_not_iso"),
            expected("income_formatted")
        ],
        [390, 150, 4, 56, 40]
    );
    let result = scan(&[dir.path().to_str().unwrap()]);
    for writer in ["polars", "pyarrow"] {
        let plan = formats(&result, writer, "plan");
        assert_eq!(plan.value_count, 390, "{writer}");
        assert_eq!(plan.variant_row_count, Some(150), "{writer}");
        let groups = plan.variant_groups.as_ref().unwrap();
        assert_eq!(groups.len(), 1, "{writer}");
        assert_eq!(groups[0].normalized, "pro");
        let spellings: Vec<_> = groups[0]
            .variants
            .iter()
            .map(|v| (v.value.as_str().unwrap(), v.count))
            .collect();
        assert_eq!(
            spellings,
            [("Pro", 90), (" PRO", 50), ("Pró", 50), ("pro", 50)],
            "{writer}"
        );
    }
    let signed = formats(&result, "polars", "signed");
    assert_eq!(
        (signed.date_count, signed.minority_date_format_count),
        (400, 56)
    );
    let shapes: Vec<_> = signed.shapes.iter().map(|s| (s.shape, s.count)).collect();
    assert_eq!(
        shapes,
        [
            (Shape::DateIso, 344),
            (Shape::DateYearLastSlash, 40),
            (Shape::DateMonthName, 16)
        ]
    );
    let income = formats(&result, "polars", "income");
    assert_eq!(income.formatted_number_count, 40);
    let shapes: Vec<_> = income.shapes.iter().map(|s| (s.shape, s.count)).collect();
    assert_eq!(
        shapes,
        [
            (Shape::Integer, 360),
            (Shape::GroupedNumber, 25),
            (Shape::NumberWithUnit, 15)
        ]
    );
}

#[test]
fn the_sample_data_raises_one_finding_per_planted_format_defect() {
    use readiness::check::{Check, Dimension, Severity};
    let found = common::sample_findings(Dimension::Consistency);
    let expected = [
        (Check::CategoryVariants, "customers", "plan", 332.0 / 1000.0),
        // `HIGH` three times beside `high`.
        (Check::CategoryVariants, "tickets", "priority", 3.0 / 504.0),
        (Check::NumbersAsText, "tickets", "refund", 90.0 / 600.0),
        (
            Check::MixedDateFormats,
            "tickets",
            "reported_on",
            42.0 / 600.0,
        ),
        // The six tickets entered twice retyped their subjects in capitals.
        (Check::CategoryVariants, "tickets", "subject", 6.0 / 480.0),
    ]
    .map(|(check, dataset, column, observed)| {
        (
            check,
            dataset.to_string(),
            column.to_string(),
            Severity::Warn,
            observed,
        )
    });
    assert_eq!(found, expected);
}

#[test]
fn spellings_of_personal_values_are_masked_and_left_out_without_samples() {
    let dir = TempDir::new().unwrap();
    let mut text = String::from("email,n\n");
    for i in 0..30 {
        let email = match i % 3 {
            0 => "Ann.Lee@example.com",
            _ => "ann.lee@example.com",
        };
        text.push_str(&format!("{email},{i}\n"));
    }
    let file = common::write(dir.path(), "people.csv", &text);
    let masked = scan(&[&file]);
    let email = formats(&masked, "people", "email");
    assert_eq!(email.variant_row_count, Some(10));
    let group = &email.variant_groups.as_ref().unwrap()[0];
    let shown: Vec<_> = group.variants.iter().map(|v| v.value.clone()).collect();
    assert_eq!(shown, ["a***@example.com", "A***@example.com"]);
    assert!(!group.normalized.contains("lee"), "{}", group.normalized);
    let output = common::scan_output(&[&file, "--no-samples"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.to_lowercase().contains("ann.lee"), "{stdout}");
    let bare = readiness::report::json::parse(&output.stdout).unwrap();
    let email = formats(&bare.result, "people", "email");
    assert_eq!(email.variant_row_count, Some(10));
    let group = &email.variant_groups.as_ref().unwrap()[0];
    assert!(group.variants.iter().all(|v| v.value.is_null()));
    assert_eq!(group.variants.iter().map(|v| v.count).sum::<u64>(), 30);
}
