//! The vocabulary of checks: every check readiness knows, with the direction of its figure,
//! the unit of its thresholds and the dimension its findings belong to.
//!
//! Invariant: a check is written once, here. Its snake_case name is the one in suite files,
//! the JSON (`findings[].check`) and OpenLineage assertions; renaming one breaks all three.
//! Every `match` on [`Check`] is exhaustive, so a new check is a compile error wherever it
//! must be handled.

use serde::{Deserialize, Serialize};

use super::Dimension;

/// Whether a higher or a lower figure is worse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    AboveIsWorse,
    BelowIsWorse,
}

/// What a check's figure (and so its thresholds) counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A share between 0 and 1.
    Share,
    /// A count, or another figure of 0 or more (days, standard deviations).
    Amount,
}

/// Every check, in report order.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    SourceReadable,
    FilesReadable,
    RowsRejected,
    SchemaConsistent,
    SchemaChanges,
    Volume,
    ColumnCompleteness,
    CompleteRows,
    MixedDateFormats,
    NumbersAsText,
    CategoryVariants,
    Outliers,
    NegativeValues,
    DuplicateRows,
    NearDuplicateRows,
    DuplicateKeys,
    LabelCoverage,
    MinorityClassSize,
    LabelDelay,
    ConflictingLabels,
    LabelSpellings,
    LeakageSuspects,
    FreshnessLag,
    ArrivalGaps,
    DistributionShift,
    RecentRows,
    LineageMetadata,
    PersonalData,
    RowCountDrop,
    CompletenessDrop,
    DuplicateRowsRise,
    LabelCoverageDrop,
    MetricAnomaly,
}

impl Check {
    /// Every check, in report order.
    pub const ALL: &[Check] = &[
        Check::SourceReadable,
        Check::FilesReadable,
        Check::RowsRejected,
        Check::SchemaConsistent,
        Check::SchemaChanges,
        Check::Volume,
        Check::ColumnCompleteness,
        Check::CompleteRows,
        Check::MixedDateFormats,
        Check::NumbersAsText,
        Check::CategoryVariants,
        Check::Outliers,
        Check::NegativeValues,
        Check::DuplicateRows,
        Check::NearDuplicateRows,
        Check::DuplicateKeys,
        Check::LabelCoverage,
        Check::MinorityClassSize,
        Check::LabelDelay,
        Check::ConflictingLabels,
        Check::LabelSpellings,
        Check::LeakageSuspects,
        Check::FreshnessLag,
        Check::ArrivalGaps,
        Check::DistributionShift,
        Check::RecentRows,
        Check::LineageMetadata,
        Check::PersonalData,
        Check::RowCountDrop,
        Check::CompletenessDrop,
        Check::DuplicateRowsRise,
        Check::LabelCoverageDrop,
        Check::MetricAnomaly,
    ];

    /// The name in suite files, the JSON and OpenLineage.
    pub fn name(self) -> &'static str {
        match self {
            Check::SourceReadable => "source_readable",
            Check::FilesReadable => "files_readable",
            Check::RowsRejected => "rows_rejected",
            Check::SchemaConsistent => "schema_consistent",
            Check::SchemaChanges => "schema_changes",
            Check::Volume => "volume",
            Check::ColumnCompleteness => "column_completeness",
            Check::CompleteRows => "complete_rows",
            Check::MixedDateFormats => "mixed_date_formats",
            Check::NumbersAsText => "numbers_as_text",
            Check::CategoryVariants => "category_variants",
            Check::Outliers => "outliers",
            Check::NegativeValues => "negative_values",
            Check::DuplicateRows => "duplicate_rows",
            Check::NearDuplicateRows => "near_duplicate_rows",
            Check::DuplicateKeys => "duplicate_keys",
            Check::LabelCoverage => "label_coverage",
            Check::MinorityClassSize => "minority_class_size",
            Check::LabelDelay => "label_delay",
            Check::ConflictingLabels => "conflicting_labels",
            Check::LabelSpellings => "label_spellings",
            Check::LeakageSuspects => "leakage_suspects",
            Check::FreshnessLag => "freshness_lag",
            Check::ArrivalGaps => "arrival_gaps",
            Check::DistributionShift => "distribution_shift",
            Check::RecentRows => "recent_rows",
            Check::LineageMetadata => "lineage_metadata",
            Check::PersonalData => "personal_data",
            Check::RowCountDrop => "row_count_drop",
            Check::CompletenessDrop => "completeness_drop",
            Check::DuplicateRowsRise => "duplicate_rows_rise",
            Check::LabelCoverageDrop => "label_coverage_drop",
            Check::MetricAnomaly => "metric_anomaly",
        }
    }

    pub fn direction(self) -> Direction {
        match self {
            Check::Volume
            | Check::ColumnCompleteness
            | Check::CompleteRows
            | Check::LabelCoverage
            | Check::MinorityClassSize
            | Check::RecentRows => Direction::BelowIsWorse,
            Check::SourceReadable
            | Check::FilesReadable
            | Check::RowsRejected
            | Check::SchemaConsistent
            | Check::SchemaChanges
            | Check::MixedDateFormats
            | Check::NumbersAsText
            | Check::CategoryVariants
            | Check::Outliers
            | Check::NegativeValues
            | Check::DuplicateRows
            | Check::NearDuplicateRows
            | Check::DuplicateKeys
            | Check::LabelDelay
            | Check::ConflictingLabels
            | Check::LabelSpellings
            | Check::LeakageSuspects
            | Check::FreshnessLag
            | Check::ArrivalGaps
            | Check::DistributionShift
            | Check::LineageMetadata
            | Check::PersonalData
            | Check::RowCountDrop
            | Check::CompletenessDrop
            | Check::DuplicateRowsRise
            | Check::LabelCoverageDrop
            | Check::MetricAnomaly => Direction::AboveIsWorse,
        }
    }

    pub fn unit(self) -> Unit {
        match self {
            Check::RowsRejected
            | Check::ColumnCompleteness
            | Check::CompleteRows
            | Check::MixedDateFormats
            | Check::NumbersAsText
            | Check::CategoryVariants
            | Check::Outliers
            | Check::NegativeValues
            | Check::DuplicateRows
            | Check::NearDuplicateRows
            | Check::DuplicateKeys
            | Check::LabelCoverage
            | Check::ConflictingLabels
            | Check::LabelSpellings
            | Check::LeakageSuspects
            | Check::RecentRows
            | Check::RowCountDrop
            | Check::CompletenessDrop
            | Check::DuplicateRowsRise
            | Check::LabelCoverageDrop => Unit::Share,
            Check::SourceReadable
            | Check::FilesReadable
            | Check::SchemaConsistent
            | Check::SchemaChanges
            | Check::Volume
            | Check::MinorityClassSize
            | Check::LabelDelay
            | Check::FreshnessLag
            | Check::ArrivalGaps
            | Check::DistributionShift
            | Check::LineageMetadata
            | Check::PersonalData
            | Check::MetricAnomaly => Unit::Amount,
        }
    }

    /// The dimension whose verdict the check's findings move.
    pub fn dimension(self) -> Dimension {
        match self {
            Check::SourceReadable
            | Check::FilesReadable
            | Check::RowsRejected
            | Check::SchemaConsistent
            | Check::SchemaChanges
            | Check::Volume => Dimension::Inventory,
            Check::ColumnCompleteness | Check::CompleteRows => Dimension::Completeness,
            Check::MixedDateFormats | Check::NumbersAsText | Check::CategoryVariants => {
                Dimension::Consistency
            }
            Check::Outliers | Check::NegativeValues => Dimension::Distributions,
            Check::DuplicateRows | Check::NearDuplicateRows | Check::DuplicateKeys => {
                Dimension::Duplication
            }
            Check::LabelCoverage
            | Check::MinorityClassSize
            | Check::LabelDelay
            | Check::ConflictingLabels
            | Check::LabelSpellings
            | Check::LeakageSuspects => Dimension::Labels,
            Check::FreshnessLag | Check::ArrivalGaps => Dimension::Freshness,
            Check::DistributionShift | Check::RecentRows => Dimension::Representativeness,
            Check::LineageMetadata => Dimension::Lineage,
            Check::PersonalData => Dimension::Privacy,
            Check::RowCountDrop
            | Check::CompletenessDrop
            | Check::DuplicateRowsRise
            | Check::LabelCoverageDrop
            | Check::MetricAnomaly => Dimension::History,
        }
    }

    /// Whether the check takes a baseline of earlier runs (`window`, `min_runs`).
    pub fn has_baseline(self) -> bool {
        matches!(self, Check::MetricAnomaly)
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serde_names_and_all_lists_every_check_once() {
        for check in Check::ALL {
            let json = serde_json::to_value(check).unwrap();
            assert_eq!(json, serde_json::json!(check.name()));
            let back: Check = serde_json::from_value(json).unwrap();
            assert_eq!(&back, check);
        }
        let mut sorted = Check::ALL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), Check::ALL.len());
        assert_eq!(Check::ALL.last(), Some(&Check::MetricAnomaly));
    }

    #[test]
    fn shares_are_the_checks_whose_figure_is_a_fraction() {
        assert_eq!(Check::LabelCoverage.unit(), Unit::Share);
        assert_eq!(Check::LabelCoverage.direction(), Direction::BelowIsWorse);
        assert_eq!(Check::FreshnessLag.unit(), Unit::Amount);
        assert_eq!(Check::MetricAnomaly.dimension(), Dimension::History);
        assert!(Check::MetricAnomaly.has_baseline() && !Check::Volume.has_baseline());
    }
}
