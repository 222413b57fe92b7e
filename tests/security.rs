//! Security hardening (SECURITY.md): personal values stay masked, `--no-samples` leaves no data
//! value, hostile files are bounded, symlinks do not lead out of a scanned folder.

mod common;

use std::path::Path;

use common::{classes, column, scan, scan_output, write};
use tempfile::TempDir;

/// A customer table whose personal columns hide behind camelCase names, a label column of
/// e-mail addresses and a birth date as the only date column.
fn customers(dir: &Path) -> String {
    let mut text = String::from("customerId,emailAddress,dateOfBirth,referredBy\n");
    for i in 0..31 {
        text.push_str(&format!(
            "{i},user{i}@example.com,19{:02}-0{}-1{},{}\n",
            50 + i,
            1 + i % 9,
            i % 10,
            match i % 3 {
                0 => "ann.lee@example.com",
                1 => "bob.stone@example.com",
                _ => "cy.doe@example.com",
            }
        ));
    }
    write(dir, "customers.csv", &text)
}

/// `rows` numbers in `column`, then `late` past the type-inference sample (so the column
/// falls back to text with a note quoting the value).
fn late_text(dir: &Path, column: &str, late: &str) -> String {
    let mut text = format!("id,{column}\n");
    for i in 0..20_000 {
        text.push_str(&format!("{i},{}\n", 4_917_012_000u64 + i));
    }
    text.push_str(&format!("20000,{late}\n"));
    write(dir, &format!("{column}.csv"), &text)
}

#[test]
fn personal_values_never_leave_and_a_birth_date_is_not_freshness() {
    let dir = TempDir::new().unwrap();
    let file = customers(dir.path());
    let result = scan(&[&file, "--label", "referredBy"]);
    let customers = &result.datasets[0];
    assert_eq!(
        column(customers, "emailAddress").personal_data.as_deref(),
        Some("e-mail")
    );
    assert_eq!(
        column(customers, "dateOfBirth").personal_data.as_deref(),
        Some("birth date")
    );
    // The birth date is the only date column, and still not chosen for freshness.
    assert_eq!(customers.freshness.time_column, None);
    assert_eq!(
        customers.freshness.lag_basis.as_deref(),
        Some("file_modified")
    );
    // Label classes of a personal-data column are masked, counts kept.
    let classes = classes(&customers.labels[0]);
    assert_eq!(
        classes,
        [
            ("a***@example.com".to_string(), 11),
            ("b***@example.com".to_string(), 10),
            ("c***@example.com".to_string(), 10)
        ]
    );
    let json = serde_json::to_string(&result).unwrap();
    for value in ["ann.lee", "bob.stone", "cy.doe", "user7@"] {
        assert!(!json.contains(value), "{value} leaked");
    }

    // Given as --time, the birth date's dates are left out of freshness, with a note.
    let given = scan(&[&file, "--time", "dateOfBirth"]);
    let freshness = &given.datasets[0].freshness;
    assert_eq!(freshness.time_column.as_deref(), Some("dateOfBirth"));
    assert_eq!((freshness.min_time, freshness.max_time), (None, None));
    assert!(freshness.buckets.is_empty() && freshness.lag_seconds.is_none());
    assert!(given.datasets[0].notes.iter().any(|n| n
        == "time column `dateOfBirth` looks like personal data (birth date): its dates are left out of the freshness figures"));
}

#[test]
fn no_samples_leaves_no_value_from_the_data() {
    let dir = TempDir::new().unwrap();
    let file = write(
        dir.path(),
        "plans.csv",
        "id,plan,code\n1,gold,10\n2,silver,11\n3,gold,12\n3,gold,12\n4,bronze,SECRET-CODE-77\n",
    );
    let output = scan_output(&[&file, "--label", "plan", "--key", "id", "--no-samples"]);
    assert!(common::profiled(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    for value in ["gold", "silver", "bronze", "SECRET-CODE-77"] {
        assert!(
            !text.contains(value),
            "{value} in the JSON with --no-samples"
        );
    }
    let result: readiness::metrics::ScanResult = serde_json::from_slice(&output.stdout).unwrap();
    let classes = classes(&result.datasets[0].labels[0]);
    assert_eq!(
        classes,
        [
            ("class 1".to_string(), 3),
            ("class 2".to_string(), 1),
            ("class 3".to_string(), 1)
        ]
    );
    assert!(result.datasets[0].duplicates.example_groups.is_empty());
}

#[test]
fn a_note_quoting_a_value_masks_it_or_leaves_it_out() {
    let dir = TempDir::new().unwrap();
    let phones = late_text(dir.path(), "phone", "+49 170 5550123");
    let result = scan(&[&phones]);
    let note = result.datasets[0]
        .notes
        .iter()
        .find(|n| n.starts_with("column `phone` is read as text"))
        .expect("the type fallback note");
    assert!(
        note.starts_with("column `phone` is read as text: the value '***23' near line"),
        "{note}"
    );
    let codes = late_text(dir.path(), "code", "SECRET-CODE-77");
    let output = scan_output(&[&codes, "--no-samples"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("SECRET-CODE-77"), "{text}");
    assert!(text.contains("column `code` is read as text: the value '…' near line"));
}
