//! Numeric distributions: per numeric column, one sketch in the profile pass
//! ([`crate::profile::kernels::sketch`]) gives the percentiles, the histogram, the outliers and
//! the negative and zero values, with no extra pass. The histogram's bins and the outlier
//! fences are applied to the sketch's buckets (0.4% wide), each bucket counted where its
//! middle falls; negative and zero counts are exact.

use datafusion::arrow::datatypes::FieldRef;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::Expr;
use futures::future::BoxFuture;

use crate::dimensions::completeness::profile::present_values;
use crate::metrics::{DatasetMetrics, Histogram, NumericDistribution};
use crate::profile::kernels::sketch::{Sketch, sketch};
use crate::profile::pass::{Output, Part, Planning};

/// Bins of the histogram between the 1st and 99th percentiles.
pub const BINS: usize = 10;

/// Interquartile ranges beyond the quartiles that make a value an outlier.
pub const FENCE_IQRS: f64 = 3.0;

/// Words in a column's name that say its values cannot be negative.
const NON_NEGATIVE: &[&str] = &[
    "age", "ages", "price", "prices", "cost", "costs", "quantity", "qty", "weight", "height",
    "duration", "salary", "distance", "count",
];

/// Whether a column's name says its values cannot be negative: one of its words (split at
/// `_`, spaces, dots, dashes and camelCase) is in [`NON_NEGATIVE`].
pub fn non_negative_by_name(name: &str) -> bool {
    let words = crate::dimensions::name_words(name);
    words.iter().any(|w| NON_NEGATIVE.contains(&w.as_str()))
}

impl Part for super::Distributions {
    fn aggregates(&self, planning: &Planning<'_>) -> Vec<(String, Expr)> {
        numeric_columns(planning)
            .map(|(index, field)| (sketch_name(index), sketch(values(field, planning))))
            .collect()
    }

    fn measure<'a>(
        &'a self,
        output: &'a Output<'a>,
        metrics: &'a mut DatasetMetrics,
    ) -> BoxFuture<'a, DfResult<()>> {
        let positions = metrics.column_positions();
        for (index, field) in numeric_columns(output.planning) {
            let found = output
                .result(&sketch_name(index))
                .and_then(Sketch::decode)
                .map(|sketch| distribution(&sketch, field.name()));
            if let Some(column) = metrics.column_mut(&positions, field.name()) {
                column.distribution = found;
            }
        }
        Box::pin(std::future::ready(Ok(())))
    }
}

/// A column's distribution from its sketch.
pub fn distribution(sketch: &Sketch, name: &str) -> NumericDistribution {
    let [p1, p25, median, p75, p99] = [0.01, 0.25, 0.5, 0.75, 0.99].map(|p| sketch.percentile(p));
    let iqr = p75 - p25;
    let (lower_fence, upper_fence) = (p25 - FENCE_IQRS * iqr, p75 + FENCE_IQRS * iqr);
    let mut histogram = Histogram {
        start: p1,
        end: p99,
        bins: vec![0; BINS],
        below: 0,
        above: 0,
    };
    let width = (p99 - p1) / BINS as f64;
    let mut outlier_count = 0;
    for (value, count) in sketch.middles() {
        if value < lower_fence || value > upper_fence {
            outlier_count += count;
        }
        if value < p1 {
            histogram.below += count;
        } else if value > p99 {
            histogram.above += count;
        } else {
            let bin = match width > 0.0 {
                true => (((value - p1) / width) as usize).min(BINS - 1),
                false => 0,
            };
            histogram.bins[bin] += count;
        }
    }
    let (negative_count, zero_count) = sketch.negative_and_zero();
    NumericDistribution {
        value_count: sketch.count(),
        p1,
        p25,
        median,
        p75,
        p99,
        histogram,
        outlier_count,
        lower_fence,
        upper_fence,
        negative_count,
        zero_count,
        non_negative_by_name: non_negative_by_name(name),
    }
}

fn sketch_name(column: usize) -> String {
    format!("sketch_{column}")
}

fn numeric_columns<'a>(planning: &'a Planning<'a>) -> impl Iterator<Item = (usize, &'a FieldRef)> {
    planning
        .fields
        .iter()
        .enumerate()
        .filter(|(_, field)| field.data_type().is_numeric())
}

/// A numeric column's present values (NULL for NULL and NaN).
fn values(field: &FieldRef, planning: &Planning<'_>) -> Expr {
    present_values(
        field.name(),
        field.data_type(),
        &planning.options.placeholders,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_cannot_be_negative() {
        for name in [
            "age",
            "customer_age",
            "unitPrice",
            "price",
            "item_qty",
            "Quantity",
            "weight_kg",
        ] {
            assert!(non_negative_by_name(name), "{name}");
        }
        for name in [
            "amount",
            "balance",
            "stage",
            "message",
            "percentage",
            "temperature",
        ] {
            assert!(!non_negative_by_name(name), "{name}");
        }
    }
}
