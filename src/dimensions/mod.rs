//! The readiness dimensions, one module each: what a data owner asks ("is it complete?",
//! "is it fresh?") and everything readiness does to answer it.
//!
//! A dimension's module owns its part in the profile pass ([`Module::pass`]: the aggregates
//! it adds, named, and how it reads them back into its metrics, in its `profile.rs`), its
//! checks (the figures it judges against the suite, and the words of its findings) and the
//! view its report section renders (`reports/templates/dimensions/<name>.html`). The profile
//! pass, the check evaluation and the report iterate over [`REGISTERED`]; adding a dimension
//! is a module here, a line in [`REGISTERED`], its template and its checks in
//! `checks/default.toml` (and in [`crate::check::Check`]).
//!
//! Invariants: a module's `evaluate` reads only the typed metrics (never runs a query) and its
//! `view` reads only the metrics and the findings already made (never judges again: a rule
//! lives in one place, and the report shows what the checks decided).

pub mod completeness;
pub mod consistency;
pub mod distributions;
pub mod duplication;
pub mod freshness;
pub mod history;
pub mod inventory;
pub mod labels;
pub mod lineage;
pub mod privacy;
pub mod representativeness;

use crate::check::{Dimension, Judge};
use crate::history::DatasetHistory;
use crate::metrics::DatasetMetrics;
use crate::profile::pass::Part;

/// The dimensions, in report order.
pub const REGISTERED: &[&dyn Module] = &[
    &inventory::Inventory,
    &completeness::Completeness,
    &consistency::Consistency,
    &distributions::Distributions,
    &duplication::Duplication,
    &labels::Labels,
    &freshness::Freshness,
    &representativeness::Representativeness,
    &lineage::Lineage,
    &privacy::Privacy,
    &history::History,
];

/// The words of a column's name, lower case: split at anything not a letter or digit and
/// where camelCase turns upper (`customerAge_kg` -> `customer`, `age`, `kg`).
pub fn name_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() || (c.is_uppercase() && previous_lower) {
            words.push(std::mem::take(&mut word));
        }
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        }
        previous_lower = c.is_lowercase();
    }
    words.push(word);
    words.retain(|w| !w.is_empty());
    words
}

/// What a dimension's report section is rendered from.
pub struct ViewInput<'a> {
    pub dataset: &'a DatasetMetrics,
    /// This dataset's runs in the history store, this one included.
    pub history: Option<&'a DatasetHistory>,
    /// Where the history store is (`None` without one).
    pub history_location: Option<&'a str>,
}

/// One readiness dimension.
pub trait Module: Sync {
    fn dimension(&self) -> Dimension;

    /// Judges this dimension's figures of `judge.dataset` against the suite.
    fn evaluate(&self, judge: &mut Judge<'_>);

    /// The figures its report section shows, laid out by its template.
    fn view(&self, input: &ViewInput<'_>) -> minijinja::Value;

    /// Its section's template (`dimensions/<name>.html`), compiled in.
    fn template(&self) -> &'static str;

    /// Why this dimension could not be assessed on `dataset` and what to pass to assess it
    /// (`None` when it was): its verdict is then "not assessed", never "ready". `history` is
    /// the history store, when one was given.
    fn not_assessed(
        &self,
        _dataset: &DatasetMetrics,
        _history: Option<&crate::history::History>,
    ) -> Option<String> {
        None
    }

    /// Its part in the profile pass, if it measures anything there: the aggregates it adds
    /// and how it reads them back.
    fn pass(&self) -> Option<&dyn Part> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dimension_is_registered_once_in_report_order() {
        let registered: Vec<Dimension> = REGISTERED.iter().map(|m| m.dimension()).collect();
        let mut sorted = registered.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(registered, sorted);
        for check in crate::check::Check::ALL {
            assert!(registered.contains(&check.dimension()), "{check}");
        }
    }
}
