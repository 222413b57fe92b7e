//! Label coverage: for each ML target column, how many rows carry a usable class, and how the
//! classes are balanced. A label is unusable when it is missing by the completeness rule.

use datafusion::arrow::datatypes::{DataType, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::functions_aggregate::expr_fn::{count, sum};
use datafusion::logical_expr::{Expr, col, ident, lit, when};
use futures::future::BoxFuture;

use crate::dimensions::completeness::profile::{
    Placeholders, grouped_value_counts, present_values,
};
use crate::dimensions::consistency::profile::variant_groups;
use crate::dimensions::duplication::profile::{RowFingerprints, set_aside};
use crate::dimensions::freshness::profile::{bucket_width, chosen_time_column, day, roll_up};
use crate::metrics::{
    BucketWidth, DatasetMetrics, LabelBucket, LabelMetrics, LabelsOverTime, ValueCount,
};
use crate::profile::kernels::conflicts::conflicts;
use crate::profile::kernels::counts;
use crate::profile::kernels::rowhash::row_hash;
use crate::profile::pass::{Output, Part, Planning};
use crate::profile::value::to_json;
use crate::profile::value::{count_at, instant};

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
    let spelling_variants = variant_groups(counts);
    let spelling_variant_row_count = spelling_variants
        .iter()
        .map(|g| g.variants.iter().skip(1).map(|v| v.count).sum::<u64>())
        .sum();
    LabelMetrics {
        column: column.to_string(),
        labelled_count,
        coverage: (row_count > 0).then(|| labelled_count as f64 / row_count as f64),
        classes,
        imbalance_ratio,
        spelling_variants,
        spelling_variant_row_count,
        over_time: None,
        conflicting_row_count: None,
        conflicting_groups: None,
        leakage_suspects: Vec::new(),
    }
}

/// The labelled rows per bucket beside all rows, from the rows and labelled rows per day.
pub fn over_time(
    days: &[(ScalarValue, u64)],
    labelled_days: &[(ScalarValue, u64)],
    width: BucketWidth,
) -> LabelsOverTime {
    let rows = roll_up(days, width);
    let labelled = roll_up(labelled_days, width);
    let buckets = rows
        .iter()
        .map(|bucket| LabelBucket {
            start: bucket.start,
            rows: bucket.rows,
            labelled: labelled
                .iter()
                .find(|l| l.start == bucket.start)
                .map_or(0, |l| l.rows),
        })
        .collect();
    let newest = |days: &[(ScalarValue, u64)]| days.iter().filter_map(|(d, _)| instant(d)).max();
    let label_delay_days = match (newest(days), newest(labelled_days)) {
        (Some(newest), Some(labelled)) => Some((newest - labelled).num_days().max(0) as u64),
        _ => None,
    };
    LabelsOverTime {
        bucket_width: width,
        buckets,
        label_delay_days,
    }
}

/// Labelled rows whose feature columns equal those of a row with another class, and their
/// groups, when the profile pass could not count them (a memory limit too tight for its row
/// sets): two groupings of the feature rows' fingerprints with their classes.
async fn conflicting(output: &Output<'_>, label: &FieldRef) -> DfResult<Option<(u64, u64)>> {
    let options = output.options();
    let features = features(output.planning);
    if features.is_empty() {
        return Ok(None);
    }
    const ROW: &str = "__readiness_features";
    const CLASS: &str = "__readiness_class";
    const CLASSES: &str = "__readiness_classes";
    const ROWS: &str = "__readiness_rows";
    let class = class(label.name(), label.data_type(), &options.placeholders);
    let groups = output
        .frame
        .clone()
        .select(vec![row_hash(features).alias(ROW), class.alias(CLASS)])?
        .filter(col(CLASS).is_not_null())?
        // Rows per (features, class), then classes per features: two groupings that spill
        // under a memory limit (a distinct count per group would not).
        .aggregate(
            vec![col(ROW), col(CLASS)],
            vec![count(lit(1i64)).alias(ROWS)],
        )?
        .aggregate(
            vec![col(ROW)],
            vec![count(lit(1i64)).alias(CLASSES), sum(col(ROWS)).alias(ROWS)],
        )?
        .filter(col(CLASSES).gt(lit(1i64)))?
        .aggregate(
            vec![],
            vec![sum(col(ROWS)).alias(ROWS), count(lit(1i64)).alias(CLASSES)],
        )?;
    let batches = crate::progress::collect(groups, "conflicting labels").await?;
    let figure = |name: &str| {
        batches
            .iter()
            .find(|b| b.num_rows() > 0)
            .and_then(|b| b.column_by_name(name))
            .map_or(0, |r| count_at(r, 0))
    };
    Ok(Some((figure(ROWS), figure(CLASSES))))
}

/// The columns rows are compared by for conflicting labels: all but the labels, the key,
/// identifier, load and `--ignore` columns.
fn features(planning: &Planning<'_>) -> Vec<Expr> {
    let options = planning.options;
    planning
        .fields
        .iter()
        .filter(|f| !options.label_columns.contains(f.name()) && !set_aside(options, f.name()))
        .map(|f| ident(f.name()))
        .collect()
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
        let day = time_day(planning);
        let mut aggregates = Vec::new();
        for (index, field) in label_fields(planning) {
            let class = class(field.name(), field.data_type(), placeholders);
            if let Some(day) = &day {
                let labelled_day = when(class.clone().is_not_null(), day.clone())
                    .otherwise(lit(ScalarValue::Date32(None)))
                    .expect("a CASE with one branch");
                let labelled = counts::value_counts(labelled_day, counts::MAX_DISTINCT);
                aggregates.push((format!("labelled_days_{index}"), labelled));
            }
            if planning.sets_in_memory
                && let Some(fingerprint) = RowFingerprints::of(planning).features
            {
                aggregates.push((conflicts_name(index), conflicts(fingerprint, class.clone())));
            }
            let counts = counts::value_counts(class, counts::MAX_DISTINCT);
            aggregates.push((classes_name(index), counts));
            aggregates.extend(super::leakage::aggregates(planning, index, field));
        }
        if let (Some(day), false) = (day, aggregates.is_empty()) {
            aggregates.push((
                DAYS.to_string(),
                counts::value_counts(day, counts::MAX_DISTINCT),
            ));
        }
        aggregates
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
                let mut label = measure(name, &classes, output.pass.row_count);
                label.over_time = label_over_time(output, index);
                let in_pass = output.result(&conflicts_name(index));
                let counted = match in_pass.and_then(crate::profile::kernels::conflicts::decode) {
                    Some(figures) => Ok(Some(figures)),
                    None => conflicting(output, field).await,
                };
                match counted {
                    Ok(Some((rows, groups))) => {
                        label.conflicting_row_count = Some(rows);
                        label.conflicting_groups = Some(groups);
                    }
                    Ok(None) => {}
                    // Two groupings over every row may not fit a tight --memory-limit: the
                    // figure is left out and said so, never guessed.
                    Err(error)
                        if matches!(error.find_root(), DataFusionError::ResourcesExhausted(_)) =>
                    {
                        metrics.notes.push(format!(
                            "conflicting labels of `{name}` not measured: the groupings did not fit the memory limit"
                        ));
                    }
                    Err(error) => return Err(error),
                }
                label.leakage_suspects =
                    super::leakage::suspects(output, index, label.labelled_count);
                if !planning.sets_in_memory {
                    metrics.notes.push(format!(
                        "leakage by value purity not measured for `{name}`: the memory limit leaves no room to count rows per value and class"
                    ));
                }
                metrics.labels.push(label);
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

const DAYS: &str = "days";

/// The day of each row of the time column freshness uses, if there is one.
fn time_day(planning: &Planning<'_>) -> Option<Expr> {
    let columns = planning
        .fields
        .iter()
        .map(|f| (f.name().as_str(), f.data_type()));
    let (name, data_type, _) = chosen_time_column(columns, planning.options).ok()?;
    Some(day(name, data_type))
}

/// Label `index`'s labelled rows over time, when the pass counted its days (at most
/// 100,000 of them) and the time column has values.
fn label_over_time(output: &Output<'_>, index: usize) -> Option<LabelsOverTime> {
    let decoded = |name: &str| output.result(name).and_then(|r| counts::decode(r, 0));
    let days = decoded(DAYS)?;
    let labelled = decoded(&format!("labelled_days_{index}"))?;
    let columns = output
        .pass
        .columns
        .iter()
        .map(|c| (c.name.as_str(), &c.data_type));
    let (name, _, _) = chosen_time_column(columns, output.options()).ok()?;
    let column = output.pass.columns.iter().find(|c| c.name == name)?;
    let width = bucket_width(instant(&column.min)?, instant(&column.max)?);
    Some(over_time(&days, &labelled, width))
}

fn conflicts_name(label: usize) -> String {
    format!("conflicts_{label}")
}

fn classes_name(label: usize) -> String {
    format!("classes_{label}")
}
