//! readiness finds exactly the defects planted in `sample-data/`, as documented in its README.

mod common;

use common::{column, dataset, repo_path, scan};
use readiness::metrics::{
    BucketWidth, DatasetFormat, DatasetMetrics, LagBasis, LeakageRule, MatchRule, PersonalKind,
    ScanResult, SidecarKind, TimeColumnBasis,
};

/// The planted-defect table of `sample-data/README.md`: (dataset, figure, value).
fn planted() -> Vec<(String, String, String)> {
    let readme = std::fs::read_to_string(repo_path("sample-data/README.md")).unwrap();
    let rows: Vec<_> = readme
        .lines()
        .filter(|line| {
            line.starts_with("| ") && !line.starts_with("| dataset") && !line.starts_with("| ---")
        })
        .map(|line| {
            let cells: Vec<String> = line
                .trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect();
            (cells[0].clone(), cells[1].clone(), cells[2].clone())
        })
        .collect();
    assert!(rows.len() > 30, "the planted-defect table is in the README");
    rows
}

/// The figure named in the README, read from the scan result.
/// The kind and rule a personal-data figure names: `email_count`, `contained_email_count`.
fn personal_kind(figure: &str) -> Option<(PersonalKind, MatchRule)> {
    let kind = figure.strip_suffix("_count")?;
    let (kind, rule) = match kind.strip_prefix("contained_") {
        Some(kind) => (kind, MatchRule::Contained),
        None => (kind, MatchRule::WholeValue),
    };
    Some((serde_json::from_value(serde_json::json!(kind)).ok()?, rule))
}

fn observed(dataset: &DatasetMetrics, figure: &str) -> String {
    let figure = figure.split(" (").next().unwrap();
    if let Some((column_name, field)) = figure.split_once('.') {
        if let Some(label) = dataset.labels.iter().find(|l| l.column == column_name) {
            return match field {
                "labelled_count" => label.labelled_count.to_string(),
                "conflicting_row_count" => label.conflicting_row_count.unwrap().to_string(),
                "spelling_variant_row_count" => label.spelling_variant_row_count.to_string(),
                "label_delay_days" => {
                    let over_time = label.over_time.as_ref().unwrap();
                    over_time.label_delay_days.unwrap().to_string()
                }
                class => label
                    .classes
                    .iter()
                    .find(|c| c.value == class)
                    .map_or("0".into(), |c| c.count.to_string()),
            };
        }
        // Representativeness and leakage figures, to four decimals.
        let shifted = dataset.representativeness.columns.iter();
        if let (Some(shift), "psi") = (shifted.clone().find(|c| c.column == column_name), field) {
            return format!("{:.4}", shift.psi);
        }
        let suspects = dataset.labels.iter().flat_map(|l| &l.leakage_suspects);
        let rule = serde_json::from_value::<LeakageRule>(serde_json::json!(field));
        if let Ok(rule) = rule {
            let suspect = suspects
                .clone()
                .find(|s| s.column == column_name && s.rule == rule)
                .unwrap_or_else(|| panic!("{column_name} is a {field} suspect"));
            return format!("{:.4}", suspect.strength);
        }
        let c = column(dataset, column_name);
        let formats = || c.formats.as_ref().expect("a text column's formats");
        return match field {
            "minority_date_format_count" => formats().minority_date_format_count,
            "negative_count" => c.distribution.as_ref().unwrap().negative_count,
            "outlier_count" => c.distribution.as_ref().unwrap().outlier_count,
            "formatted_number_count" => formats().formatted_number_count,
            "variant_row_count" => formats().variant_row_count.expect("spellings assessed"),
            // `<kind>_count` (a whole-value match) or `contained_<kind>_count` (in free text).
            figure if personal_kind(figure).is_some() => {
                let (kind, rule) = personal_kind(figure).unwrap();
                let found = c.personal_values.as_ref().expect("personal values found");
                found
                    .matches
                    .iter()
                    .find(|m| (m.kind, m.rule) == (kind, rule))
                    .map_or(0, |m| m.count)
            }
            "null_count" => c.null_count,
            "nan_count" => c.nan_count,
            "empty_count" => c.empty_count,
            "placeholder_count" => c.placeholder_count,
            other => panic!("unknown column figure {other}"),
        }
        .to_string();
    }
    match figure {
        "row_count" => dataset.row_count.to_string(),
        "files" => dataset.files.len().to_string(),
        "duplicate_row_count" => dataset.duplicates.duplicate_row_count.to_string(),
        "near_duplicate_row_count" => {
            let near = dataset.duplicates.near_duplicates.as_ref().unwrap();
            near.near_duplicate_row_count.to_string()
        }
        "duplicate_key_row_count" => dataset
            .duplicates
            .duplicate_key_row_count
            .unwrap()
            .to_string(),
        "keys_with_duplicates" => dataset.duplicates.keys_with_duplicates.unwrap().to_string(),
        "complete_row_count" => {
            let fraction = dataset.complete_row_fraction.unwrap();
            ((fraction * dataset.row_count as f64).round() as u64).to_string()
        }
        "max_time" => dataset.freshness.max_time.unwrap().to_rfc3339(),
        "newest_share" => format!("{:.4}", dataset.representativeness.newest_share.unwrap()),
        other => panic!("unknown figure {other}"),
    }
}

fn assert_planted(result: &ScanResult, name: &str) {
    let dataset = dataset(result, name);
    let mut checked = 0;
    for (_, figure, expected) in planted().iter().filter(|(d, _, _)| d == name) {
        assert_eq!(&observed(dataset, figure), expected, "{name}: {figure}");
        checked += 1;
    }
    assert!(checked >= 5, "{name}: only {checked} figures checked");
}

fn sample(relative: &str) -> String {
    repo_path(relative).to_string_lossy().into_owned()
}

#[test]
fn customers_csv_has_exactly_the_planted_defects() {
    let result = scan(&[
        &sample("sample-data/customers.csv"),
        "--key",
        "customer_id",
        "--label",
        "churned",
    ]);
    assert_planted(&result, "customers");
    let customers = dataset(&result, "customers");
    assert_eq!(customers.format, DatasetFormat::Csv);
    // Semicolon-delimited with quoted newlines: eight columns, not one.
    assert_eq!(customers.columns.len(), 8);
    assert_eq!(column(customers, "signup_date").data_type, "Date32");
    // The only date column is picked for freshness, and said to be picked automatically.
    assert_eq!(
        customers.freshness.time_column.as_deref(),
        Some("signup_date")
    );
    assert_eq!(
        customers.freshness.time_column_basis,
        Some(TimeColumnBasis::Auto)
    );
    let churned = &customers.labels[0];
    assert_eq!(churned.classes.len(), 2);
    let ratio = churned.imbalance_ratio.unwrap();
    assert!(
        (ratio - churned.classes[0].count as f64 / churned.classes[1].count as f64).abs() < 1e-12
    );
}

#[test]
fn partitioned_orders_have_exactly_the_planted_defects() {
    let result = scan(&[&sample("sample-data/orders"), "--key", "order_id"]);
    assert_planted(&result, "orders");
    let orders = dataset(&result, "orders");
    assert_eq!(orders.partition_columns, vec!["year"]);
    assert!(orders.columns.iter().any(|c| c.name == "year"));
    // The truncated file is listed with its error and left out; the rest is profiled.
    let bad: Vec<_> = orders.files.iter().filter(|f| f.error.is_some()).collect();
    assert_eq!(bad.len(), 1);
    assert!(
        bad[0].path.ends_with("year=2026/part-2.parquet"),
        "{}",
        bad[0].path
    );
    assert!(bad[0].row_count.is_none());
    let good_rows: u64 = orders.files.iter().filter_map(|f| f.row_count).sum();
    assert_eq!(good_rows, orders.row_count);
    // Three empty weeks in February 2026, lag from the newest event.
    assert_eq!(orders.freshness.bucket_width, Some(BucketWidth::Week));
    assert_eq!(orders.freshness.gaps.len(), 1);
    assert_eq!(orders.freshness.gaps[0].empty_buckets, 3);
    assert_eq!(
        orders.freshness.gaps[0].start.to_rfc3339(),
        "2026-02-02T00:00:00+00:00"
    );
    assert_eq!(orders.freshness.lag_basis, Some(LagBasis::EventTime));
    let max = orders.freshness.max_time.unwrap();
    assert_eq!(
        orders.freshness.lag_seconds,
        Some((result.scanned_at - max).num_seconds())
    );
    // Lineage: writer, owner metadata, descriptions, sidecars.
    assert_eq!(orders.lineage.created_by.len(), 1);
    assert!(orders.lineage.created_by[0].starts_with("parquet-rs"));
    let owner = orders
        .lineage
        .key_value_metadata
        .iter()
        .find(|kv| kv.key == "owner")
        .unwrap();
    assert_eq!(owner.value, "sales-ops@example.com");
    assert!(
        orders
            .lineage
            .key_value_metadata
            .iter()
            .any(|kv| kv.key == "ARROW:schema" && kv.summarised)
    );
    assert_eq!(orders.lineage.column_descriptions.len(), 3);
    let kinds: Vec<_> = orders
        .lineage
        .sidecar_files
        .iter()
        .map(|s| s.kind)
        .collect();
    assert_eq!(kinds, vec![SidecarKind::Readme, SidecarKind::SuccessMarker]);
    assert_eq!(orders.duplicates.example_groups.len(), 5);
    assert!(
        orders
            .duplicates
            .example_groups
            .iter()
            .all(|g| g.count == 2)
    );
}

#[test]
fn tickets_parquet_has_exactly_the_planted_defects() {
    let result = scan(&[
        &sample("sample-data/tickets.parquet"),
        "--label",
        "priority",
    ]);
    assert_planted(&result, "tickets");
    let tickets = dataset(&result, "tickets");
    // Naive timestamps are read as UTC.
    assert_eq!(tickets.freshness.time_column.as_deref(), Some("created_at"));
    assert!(
        tickets
            .lineage
            .key_value_metadata
            .iter()
            .all(|kv| kv.key != "owner")
    );
    let priority = &tickets.labels[0];
    assert_eq!(priority.classes[0].value, "low");
    let ratio = priority.imbalance_ratio.unwrap();
    let expected = priority.classes[0].count as f64 / priority.classes.last().unwrap().count as f64;
    assert!((ratio - expected).abs() < 1e-12);
}

#[test]
fn the_default_run_finds_each_dataset_once() {
    let result = scan(&[&sample("sample-data")]);
    let names: Vec<_> = result.datasets.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, vec!["customers", "orders", "tickets"]);
    assert_eq!(result.schema_version, 1);
    assert!(result.unreadable_sources.is_empty());
    for dataset in &result.datasets {
        assert!(
            dataset.grouping.contains("one file") || dataset.grouping.contains("one dataset"),
            "{}",
            dataset.grouping
        );
    }
}
