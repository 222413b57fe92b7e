//! Label coverage: for each ML target column, how many rows carry a usable class, and how the
//! classes are balanced. A label is unusable when it is missing by the completeness rule.

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::Expr;
use futures::future::BoxFuture;

use crate::dimensions::completeness::profile::{
    Placeholders, grouped_value_counts, present_values,
};
use crate::metrics::{DatasetMetrics, LabelMetrics, ValueCount};
use crate::profile::kernels::counts;
use crate::profile::pass::{Output, Part, Planning};
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

/// Labels' part in the profile pass: the rows per class of each label column, counted in the
/// pass up to [`counts::MAX_DISTINCT`] classes, by a grouping that spills past that.
impl Part for super::Labels {
    fn aggregates(&self, planning: &Planning<'_>) -> Vec<(String, Expr)> {
        let placeholders = &planning.options.placeholders;
        label_fields(planning)
            .map(|(index, field)| {
                let class = class(field.name(), field.data_type(), placeholders);
                let counts = counts::value_counts(class, counts::MAX_DISTINCT);
                (classes_name(index), counts)
            })
            .collect()
    }

    fn measure<'a>(
        &'a self,
        output: &'a Output<'a>,
        metrics: &'a mut DatasetMetrics,
    ) -> BoxFuture<'a, DfResult<()>> {
        Box::pin(async move {
            let planning = output.planning;
            for label in &planning.options.label_columns {
                if planning.fields.find(label).is_none() {
                    metrics
                        .notes
                        .push(format!("label column `{label}` is not in this dataset"));
                }
            }
            for (index, field) in label_fields(planning) {
                let name = field.name();
                let counted = output
                    .result(&classes_name(index))
                    .and_then(|result| counts::decode(result, 0));
                let classes = match counted {
                    Some(classes) => classes,
                    None => {
                        output.trace(&format!(
                            "label `{name}`: too many classes for the profile pass, grouping"
                        ));
                        let placeholders = &planning.options.placeholders;
                        let class = class(name, field.data_type(), placeholders);
                        grouped_value_counts(output.frame, &[class])
                            .await?
                            .pop()
                            .unwrap_or_default()
                    }
                };
                metrics
                    .labels
                    .push(measure(name, &classes, output.pass.row_count));
            }
            Ok(())
        })
    }
}

/// The label columns that are in the dataset, each with its place among the label columns.
fn label_fields<'a>(planning: &'a Planning<'a>) -> impl Iterator<Item = (usize, &'a FieldRef)> {
    let options = planning.options;
    options
        .label_columns
        .iter()
        .enumerate()
        .filter_map(|(index, label)| Some((index, planning.fields.find(label)?.1)))
}

fn classes_name(label: usize) -> String {
    format!("classes_{label}")
}
