//! Numeric distributions: what a data owner checks before trusting a number column's
//! spread: percentiles and a histogram as evidence, outliers beyond a documented rule, and
//! negative values where the name or the values say they cannot be.

pub mod profile;

use serde::Serialize;

use super::{Module, ViewInput};
use crate::check::{Check, Dimension, Evidence, Judge};
use crate::humanize::decimal as number;
use crate::humanize::thousands;
use crate::metrics::NumericDistribution;
use crate::report::charts::most_first;

pub struct Distributions;

/// Negatives that are at most this share of a column's values, the rest not negative, look
/// like mistakes whatever the name.
const STRAY_NEGATIVES: f64 = 0.001;

impl Module for Distributions {
    fn dimension(&self) -> Dimension {
        Dimension::Distributions
    }

    fn evaluate(&self, judge: &mut Judge<'_>) {
        let d = judge.dataset;
        for column in &d.columns {
            let Some(found) = &column.distribution else {
                continue;
            };
            if found.value_count == 0 {
                continue;
            }
            let name = &column.name;
            let share = |n: u64| n as f64 / found.value_count as f64;
            // With half the values or more on one value the interquartile range is 0 and the
            // rule would call every other value an outlier: not judged.
            if found.upper_fence > found.lower_fence {
                judge.push(Evidence {
                check: Check::Outliers,
                column: Some(name.clone()),
                observed: share(found.outlier_count),
                message: format!(
                    "`{name}` in `{}` has {} of {} values beyond 3 interquartile ranges of its quartiles (below {} or above {})",
                    d.name,
                    thousands(found.outlier_count),
                    thousands(found.value_count),
                    number(found.lower_fence),
                    number(found.upper_fence)
                ),
                why: "Extreme values are often entry errors or unit mix-ups (cents beside euros); a few of them can dominate a model's loss.",
                fix: format!("Look at the extreme values of `{name}` with the data owner: correct the errors, and decide whether the genuine ones are capped."),
            });
            }
            let stray = found.negative_count > 0 && share(found.negative_count) <= STRAY_NEGATIVES;
            if found.non_negative_by_name || stray {
                let reason = match found.non_negative_by_name {
                    true => "its name says it cannot be negative",
                    false => "almost all of its values are not",
                };
                judge.push(Evidence {
                    check: Check::NegativeValues,
                    column: Some(name.clone()),
                    observed: share(found.negative_count),
                    message: format!(
                        "`{name}` in `{}` has {} negative values ({} zero) where {reason}",
                        d.name,
                        thousands(found.negative_count),
                        thousands(found.zero_count)
                    ),
                    why: "An impossible value is a placeholder or an error in disguise; a model takes it at face value.",
                    fix: format!("Find where the negative values of `{name}` come from (a sentinel such as -1, a sign error) and mark them as missing."),
                });
            }
        }
    }

    fn view(&self, input: &ViewInput<'_>) -> minijinja::Value {
        let numeric: Vec<_> = input
            .dataset
            .columns
            .iter()
            .filter_map(|c| Some((c, c.distribution.as_ref()?)))
            .collect();
        // The columns with the most suspect values first.
        let (numeric, more) = most_first(numeric, |(_, f)| f.outlier_count + f.negative_count);
        let columns = numeric
            .into_iter()
            .map(|(column, found)| ColumnView {
                name: column.name.clone(),
                percentiles: [found.p1, found.p25, found.median, found.p75, found.p99]
                    .map(number)
                    .to_vec(),
                bars: bars(found),
                outliers: thousands(found.outlier_count),
                negatives: thousands(found.negative_count),
                zeros: thousands(found.zero_count),
            })
            .collect();
        minijinja::Value::from_serialize(DistributionsView { columns, more })
    }

    fn template(&self) -> &'static str {
        include_str!("../../../reports/templates/dimensions/distributions.html")
    }

    fn pass(&self) -> Option<&dyn crate::profile::pass::Part> {
        Some(self)
    }
}

#[derive(Serialize)]
struct DistributionsView {
    columns: Vec<ColumnView>,
    /// Numeric columns left out of the table (all are in the JSON).
    more: usize,
}

#[derive(Serialize)]
struct ColumnView {
    name: String,
    /// p1, p25, median, p75, p99 as shown.
    percentiles: Vec<String>,
    bars: Vec<Bar>,
    outliers: String,
    negatives: String,
    zeros: String,
}

/// One bar of a histogram: its height in a 24-pixel sparkline and what it counts.
#[derive(Serialize)]
struct Bar {
    height: f64,
    title: String,
}

/// The histogram as bars: below `p1`, the ten bins, above `p99`.
fn bars(found: &NumericDistribution) -> Vec<Bar> {
    let h = &found.histogram;
    let width = (h.end - h.start) / h.bins.len().max(1) as f64;
    let mut bars = vec![(format!("below {}", number(h.start)), h.below)];
    for (index, count) in h.bins.iter().enumerate() {
        let from = h.start + width * index as f64;
        bars.push((
            format!("{} to {}", number(from), number(from + width)),
            *count,
        ));
    }
    bars.push((format!("above {}", number(h.end)), h.above));
    let highest = bars.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    bars.into_iter()
        .map(|(range, count)| Bar {
            height: (count as f64 / highest as f64 * 24.0 * 10.0).round() / 10.0,
            title: format!("{range}: {}", thousands(count)),
        })
        .collect()
}
