//! The profile pass's contract with the dimensions: what a dimension adds to the one read of
//! the data, and how it reads its figures back.
//!
//! The pass always measures what every dimension needs (rows, and per column the missing
//! values, distinct count, minimum and maximum: [`CompletenessPass`]). A dimension that
//! needs more implements [`Part`]: it names the aggregates it adds ([`Part::aggregates`]),
//! and after the pass reads them back by those names ([`Output::result`]), runs a bounded
//! extra pass where the one pass could not count (a grouping that spills), and sets its
//! figures in the dataset's metrics ([`Part::measure`]). The orchestrator
//! ([`super::profile_dataset`]) asks every registered dimension
//! ([`crate::dimensions::REGISTERED`]) for its part, in report order.
//!
//! Invariant: a dimension's aggregate names are its own. They are prefixed with the
//! dimension's name in the pass, so two dimensions can never read each other's results, and
//! nothing is read back by position.

use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{FieldRef, Fields};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::Expr;
use datafusion::prelude::DataFrame;
use futures::future::BoxFuture;

use super::ProfileOptions;
use crate::check::Dimension;
use crate::dimensions::completeness::profile::{CompletenessPass, PassResults};
use crate::metrics::DatasetMetrics;
use crate::profile::value::is_text_type;
use crate::source::DatasetPlan;
use crate::source::inventory::StatedRange;

/// A dimension's part in the profile pass.
pub trait Part: Sync {
    /// The aggregates it adds to the profile pass, each with a name unique within the
    /// dimension. The default adds none.
    fn aggregates(&self, _planning: &Planning<'_>) -> Vec<(String, Expr)> {
        Vec::new()
    }

    /// Reads its aggregates back by name, counts what the pass could not, and sets its figures
    /// in `metrics` (with a note for anything a reader should know).
    fn measure<'a>(
        &'a self,
        output: &'a Output<'a>,
        metrics: &'a mut DatasetMetrics,
    ) -> BoxFuture<'a, DfResult<()>>;
}

/// What a dimension plans its aggregates from. [`Part::measure`] sees the same planning, so a
/// dimension can work out again which aggregates it added.
pub struct Planning<'a> {
    /// The dataset's columns as the pass reads them.
    pub fields: &'a Fields,
    pub options: &'a ProfileOptions,
    /// Whether sets that grow with the rows (distinct rows, counts per key) may be held in
    /// memory during the pass; otherwise a grouping that spills counts them afterwards.
    pub sets_in_memory: bool,
    /// The time columns' ranges as the files state them before they are read (Parquet
    /// footers, the CSV walk): what a dimension may plan with, to be checked against what the
    /// pass measures.
    pub time_ranges: &'a [StatedRange],
}

impl Planning<'_> {
    /// The text columns (dictionary-encoded text included), each with its place among all
    /// columns.
    pub fn text_columns(&self) -> impl Iterator<Item = (usize, &FieldRef)> {
        self.fields
            .iter()
            .enumerate()
            .filter(|(_, field)| is_text_type(field.data_type()))
    }
}

/// What the profile pass gave, as one dimension sees it.
pub struct Output<'a> {
    pub planning: &'a Planning<'a>,
    /// The dataset, for a bounded extra pass.
    pub frame: &'a DataFrame,
    /// What the pass measures for every dimension.
    pub pass: &'a CompletenessPass,
    /// The dataset's plan: its files and what they say about themselves.
    pub plan: &'a DatasetPlan,
    pub(super) results: &'a PassResults,
    pub(super) dimension: Dimension,
}

impl Output<'_> {
    pub fn options(&self) -> &ProfileOptions {
        self.planning.options
    }

    /// The result of this dimension's aggregate named `name`, if it ran.
    pub fn result(&self, name: &str) -> Option<&ArrayRef> {
        self.results.extra(&scoped(self.dimension, name))
    }

    /// Logs a step of this dimension's measurement (`-v`).
    pub fn trace(&self, what: &str) {
        tracing::info!(dataset = %self.plan.name, dimension = %self.dimension.name(), "{what}");
    }
}

/// The name a dimension's aggregate has in the pass.
pub(super) fn scoped(dimension: Dimension, name: &str) -> String {
    format!("{}_{name}", dimension.name())
}

/// Every registered dimension's aggregates, each under its scoped name.
pub(super) fn aggregates(planning: &Planning<'_>) -> Vec<(String, Expr)> {
    crate::dimensions::REGISTERED
        .iter()
        .filter_map(|module| Some((module.dimension(), module.pass()?)))
        .flat_map(|(dimension, part)| {
            part.aggregates(planning)
                .into_iter()
                .map(move |(name, expr)| (scoped(dimension, &name), expr))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::datatypes::{DataType, Field, TimeUnit};

    use super::*;
    use crate::profile::Placeholders;

    fn options() -> ProfileOptions {
        ProfileOptions {
            key_columns: vec!["id".into()],
            label_columns: vec!["label".into(), "absent".into()],
            ignored_columns: Vec::new(),
            time_column: None,
            placeholders: Placeholders::default_tokens(),
            now: chrono::Utc::now(),
        }
    }

    fn fields() -> Fields {
        Fields::from(vec![
            Field::new("id", DataType::Int64, true),
            Field::new("label", DataType::Utf8, true),
            Field::new("at", DataType::Timestamp(TimeUnit::Microsecond, None), true),
        ])
    }

    fn names(sets_in_memory: bool) -> Vec<String> {
        let (fields, options) = (fields(), options());
        let planning = Planning {
            fields: &fields,
            options: &options,
            sets_in_memory,
            time_ranges: &[],
        };
        aggregates(&planning)
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }

    #[test]
    fn every_dimension_names_its_aggregates_under_its_own_prefix() {
        assert_eq!(
            names(true),
            [
                "completeness_top_values_0",
                "completeness_top_values_1",
                "completeness_top_values_2",
                "consistency_shapes_1",
                "consistency_values_1",
                "distributions_sketch_0",
                "duplication_distinct_rows",
                "duplication_near_distinct_rows",
                "duplication_key_counts",
                "labels_labelled_days_0",
                "labels_conflicts_0",
                "labels_classes_0",
                "labels_days",
                "freshness_rows_per_day",
                "privacy_matches_1",
            ]
        );
    }

    #[test]
    fn sets_that_may_not_fit_in_memory_leave_the_pass() {
        let names = names(false);
        assert!(
            names.iter().all(|name| !name.starts_with("duplication_")),
            "{names:?}"
        );
        assert!(!names.contains(&"labels_conflicts_0".to_string()));
        assert_eq!(names.len(), 11);
    }
}
