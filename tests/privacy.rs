//! Personal data by value: every value of a column is matched (not a sample), checksums
//! decide card numbers and IBANs, free text is searched, and what matched is masked.

mod common;

use common::{column, dataset, scan, scan_output};
use readiness::metrics::{MatchRule, PersonalKind, ScanResult};
use tempfile::TempDir;

fn matches(result: &ScanResult, col: &str) -> Vec<(PersonalKind, MatchRule, u64)> {
    let found = column(dataset(result, "payments"), col)
        .personal_values
        .as_ref()
        .expect("personal values found");
    found
        .matches
        .iter()
        .map(|m| (m.kind, m.rule, m.count))
        .collect()
}

#[test]
fn checksummed_and_free_text_personal_data_from_a_pyarrow_file_is_counted_and_masked() {
    let dir = TempDir::new().unwrap();
    let stdout = common::venv_python(
        "tests/privacy/make_personal_values.py",
        &[dir.path().as_os_str()],
    );
    let planted: serde_json::Value = serde_json::from_slice(&stdout).unwrap();
    let expected = |key: &str| planted[key].as_u64().unwrap();
    // What the script's own Luhn and mod-97 code found in the values it wrote.
    assert_eq!(
        [
            "iban_valid",
            "card_valid",
            "ip",
            "contact_email",
            "contact_phone",
            "comment_iban",
            "comment_card",
            "comment_email",
            "national_valid"
        ]
        .map(expected),
        [150, 130, 200, 100, 100, 10, 8, 4, 150]
    );
    let path = dir.path().join("payments.parquet");
    let result = scan(&[path.to_str().unwrap()]);
    use MatchRule::{Contained, WholeValue};
    use PersonalKind::*;
    assert_eq!(matches(&result, "iban"), [(Iban, WholeValue, 150)]);
    assert_eq!(matches(&result, "card"), [(PaymentCard, WholeValue, 130)]);
    assert_eq!(
        matches(&result, "client_ip"),
        [(IpAddress, WholeValue, 200)]
    );
    assert_eq!(
        matches(&result, "contact"),
        [(Email, WholeValue, 100), (Phone, WholeValue, 100)]
    );
    assert_eq!(
        matches(&result, "comment"),
        [
            (Iban, Contained, 10),
            (PaymentCard, Contained, 8),
            (Email, Contained, 4)
        ]
    );
    // Spanish DNIs, French NIRs and Norwegian fødselsnummer whose checks hold; the DNIs with
    // a wrong letter are none.
    assert_eq!(
        matches(&result, "holder_ref"),
        [(NationalId, WholeValue, 150)]
    );
    let payments = dataset(&result, "payments");
    let kinds: Vec<_> = payments
        .columns
        .iter()
        .map(|c| c.personal_data.as_deref().unwrap_or("-"))
        .collect();
    assert_eq!(
        kinds,
        [
            "IBAN",
            "card number",
            "IP address",
            "e-mail",
            "free text with IBAN",
            "national id"
        ]
    );

    // No matched value leaves readiness unmasked, and the finding names the rule.
    let output = scan_output(&[path.to_str().unwrap()]);
    let json = String::from_utf8_lossy(&output.stdout);
    for secret in [
        "DE89370400440532013000",
        "4111111111111111",
        "5559",
        "10.1.0.1",
        "c2@example.net",
        "someone",
        planted["secret_national"].as_str().unwrap(),
    ] {
        assert!(!json.contains(secret), "{secret} in the JSON");
    }
    let parsed = readiness::report::json::parse(&output.stdout).unwrap();
    let comment = parsed
        .assessment
        .findings
        .iter()
        .find(|f| f.column.as_deref() == Some("comment"))
        .expect("a finding on comment");
    assert_eq!(comment.check, readiness::check::Check::PersonalData);
    assert!(
        comment
            .message
            .ends_with("of 200 values, 10 contain a match of the IBAN rule in free text, 8 contain a match of the card number rule in free text, 4 contain a match of the e-mail rule in free text"),
        "{}",
        comment.message
    );
}
