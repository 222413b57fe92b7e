//! Label coverage: for each ML target column, how many rows carry a usable class, and how the
//! classes are balanced. A label is unusable when it is missing by the completeness rule.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::Expr;

use crate::dimensions::completeness::profile::{Placeholders, present_values};
use crate::metrics::{LabelMetrics, ValueCount};
use crate::profile::value::to_json;

/// The class of a row: the label, or NULL where it is missing by the completeness rule.
pub fn class(column: &str, data_type: &DataType, placeholders: &Placeholders) -> Expr {
    present_values(column, data_type, placeholders)
}

/// Coverage and balance from the row counts per [`class`].
pub fn measure(column: &str, counts: &[(ScalarValue, u64)], row_count: u64) -> LabelMetrics {
    let mut classes: Vec<ValueCount> = counts
        .iter()
        .filter(|(value, _)| !value.is_null())
        .map(|(value, count)| ValueCount {
            value: to_json(value),
            count: *count,
        })
        .collect();
    sort_counts(&mut classes);
    let labelled_count: u64 = classes.iter().map(|class| class.count).sum();
    let imbalance_ratio = match (classes.first(), classes.last()) {
        (Some(majority), Some(minority)) if minority.count > 0 => {
            Some(majority.count as f64 / minority.count as f64)
        }
        _ => None,
    };
    LabelMetrics {
        column: column.to_string(),
        labelled_count,
        coverage: (row_count > 0).then(|| labelled_count as f64 / row_count as f64),
        classes,
        imbalance_ratio,
    }
}

/// Most frequent first; ties by value, so the order never depends on the engine.
pub fn sort_counts(counts: &mut [ValueCount]) {
    counts.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.value.to_string().cmp(&b.value.to_string()))
    });
}
