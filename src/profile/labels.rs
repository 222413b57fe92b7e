//! Label coverage: for each ML target column, how many rows carry a usable class, and how the
//! classes are balanced. A label is unusable when it is missing by the completeness rule.

use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result as DfResult;
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::logical_expr::{ident, lit, when};
use datafusion::prelude::DataFrame;

use super::completeness::{Placeholders, missing};
use super::value::{count_at, scalar_at, to_json};
use crate::metrics::{LabelMetrics, ValueCount};

pub async fn measure(
    frame: DataFrame,
    column: &str,
    data_type: &DataType,
    placeholders: &Placeholders,
    row_count: u64,
) -> DfResult<LabelMetrics> {
    const CLASS: &str = "__readiness_class";
    let class = when(
        missing(column, data_type, placeholders),
        lit(datafusion::common::ScalarValue::Null),
    )
    .otherwise(ident(column))?
    .alias(CLASS);
    let batches = frame
        .select(vec![class])?
        .aggregate(vec![ident(CLASS)], vec![count(lit(1i64))])?
        .collect()
        .await?;
    let mut classes: Vec<ValueCount> = batches
        .iter()
        .flat_map(|batch| {
            (0..batch.num_rows()).filter_map(move |row| {
                let value = scalar_at(batch.column(0), row);
                (!value.is_null()).then(|| ValueCount {
                    value: to_json(&value),
                    count: count_at(batch.column(1), row),
                })
            })
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
    Ok(LabelMetrics {
        column: column.to_string(),
        labelled_count,
        coverage: (row_count > 0).then(|| labelled_count as f64 / row_count as f64),
        classes,
        imbalance_ratio,
    })
}

/// Most frequent first; ties by value, so the order never depends on the engine.
pub fn sort_counts(counts: &mut [ValueCount]) {
    counts.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.value.to_string().cmp(&b.value.to_string()))
    });
}
