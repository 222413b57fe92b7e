//! Label depth on the sample tickets: label delay, conflicting labels and class spellings, as
//! planted and documented in `sample-data/README.md`.

mod common;

use common::{dataset, repo_path, scan_output};
use readiness::check::{Check, Dimension, Severity};

#[test]
fn the_sample_tickets_show_their_label_delay_conflicts_and_spellings() {
    let tickets = repo_path("sample-data/tickets.parquet");
    let output = scan_output(&[tickets.to_str().unwrap(), "--label", "priority"]);
    let parsed = readiness::report::json::parse(&output.stdout).unwrap();
    let found: Vec<_> = parsed
        .assessment
        .findings
        .iter()
        .filter(|f| f.dimension == Dimension::Labels)
        .map(|f| (f.check, f.severity, f.observed))
        .collect();
    assert_eq!(
        found,
        [
            // Failures first: `HIGH` (3 rows) is now the rarest class.
            (Check::MinorityClassSize, Severity::Fail, 3.0),
            (Check::LabelCoverage, Severity::Warn, 504.0 / 600.0),
            (Check::LabelDelay, Severity::Warn, 10.0),
            (Check::ConflictingLabels, Severity::Warn, 10.0 / 504.0),
            (Check::LabelSpellings, Severity::Warn, 3.0 / 504.0),
            // Advisory: `sla_hours` set from the priority (496 of 504 labelled rows in their
            // SLA's most common class against 414 in `low`), `triaged_by` set with it.
            (
                Check::LeakageSuspects,
                Severity::Warn,
                (496.0 - 414.0) / (504.0 - 414.0)
            ),
            (Check::LeakageSuspects, Severity::Warn, 1.0),
        ]
    );
    let label = &dataset(&parsed.result, "tickets").labels[0];
    assert_eq!(label.conflicting_groups, Some(5));
    let over_time = label.over_time.as_ref().unwrap();
    assert_eq!(over_time.bucket_width.name(), "week");
    // Every row is in a bucket; the last two weeks have rows but no labels.
    assert_eq!(over_time.buckets.iter().map(|b| b.rows).sum::<u64>(), 600);
    assert_eq!(
        over_time.buckets.iter().map(|b| b.labelled).sum::<u64>(),
        504
    );
    let last: Vec<_> = over_time
        .buckets
        .iter()
        .rev()
        .take(2)
        .map(|b| (b.rows, b.labelled))
        .collect();
    assert_eq!(last, [(12, 0), (28, 0)]);
    let message = &parsed
        .assessment
        .findings
        .iter()
        .find(|f| f.check == Check::LabelDelay)
        .unwrap()
        .message;
    assert!(
        message.ends_with("the last 2 weeks (from 2026-10-19) have no labels"),
        "{message}"
    );
}
