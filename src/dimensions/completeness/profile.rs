//! Completeness: how many values are present, per column and per row, in one pass.
//!
//! A value is *missing* when it is NULL, NaN (floats; the text `NaN` in text columns), empty or
//! whitespace-only text, or a placeholder token (trimmed, case-insensitive). The four counts are
//! disjoint and [`missing`] is the single definition of the rule: label coverage and complete
//! rows use it too, so every figure agrees on what "missing" means.
//!
//! The pass is one aggregate over every column: the missing-value rule runs as vectorised
//! functions ([`crate::profile::kernels::missing`]) beside DataFusion's own min, max and approximate distinct
//! (text extremes by [`crate::profile::kernels::textrange`], both in one read of a column), so it reads each file
//! once and runs on a distributed engine with those functions registered.

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, FieldRef, Fields, Schema};
use datafusion::common::ScalarValue;
use datafusion::error::Result as DfResult;
use datafusion::functions_aggregate::expr_fn::{approx_distinct, count, grouping, max, min};
use datafusion::logical_expr::{Expr, ident, lit};
use datafusion::prelude::DataFrame;
use futures::future::BoxFuture;

use crate::metrics::{ColumnMetrics, DatasetMetrics};
use crate::profile::kernels::missing::{
    KINDS, Kind, float_bits, missing_counts, missing_kind, present,
};
use crate::profile::kernels::{counts, textrange};
use crate::profile::pass::{Output, Part, Planning};
use crate::profile::value::{count_at, fraction, is_float_type, is_text_type, scalar_at, to_json};
use crate::source::DatasetPlan;
use crate::source::evolution::ChangeKind;

/// The default placeholder tokens: values that stand in for "missing". Matched after trimming
/// whitespace, ignoring case. `NaN` is not here: it is counted as `nan_count`.
pub const DEFAULT_PLACEHOLDERS: &[&str] = &[
    "n/a",
    "na",
    "#n/a",
    "null",
    "none",
    "nil",
    "unknown",
    "undefined",
    "missing",
    "-",
    "--",
    "?",
    "tbd",
];

/// Placeholder tokens, normalised (trimmed, lower case) once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Placeholders(Vec<String>);

impl Placeholders {
    pub fn new<S: AsRef<str>>(tokens: &[S]) -> Self {
        let mut tokens: Vec<String> = tokens
            .iter()
            .map(|token| token.as_ref().trim().to_lowercase())
            .filter(|token| !token.is_empty())
            .collect();
        tokens.sort();
        tokens.dedup();
        Self(tokens)
    }

    pub fn default_tokens() -> Self {
        Self::new(DEFAULT_PLACEHOLDERS)
    }

    pub fn tokens(&self) -> &[String] {
        &self.0
    }
}

/// The values of `name` that are present, the missing ones as NULL: one definition of the
/// rule for min/max, label classes and anything else that skips missing values.
pub fn present_values(name: &str, data_type: &DataType, placeholders: &Placeholders) -> Expr {
    if is_text_type(data_type) || is_float_type(data_type) {
        present(ident(name), placeholders)
    } else {
        ident(name)
    }
}

/// What the pass measured for one column.
#[derive(Debug, Clone)]
pub struct ColumnFigures {
    pub name: String,
    pub data_type: DataType,
    pub null_count: u64,
    pub nan_count: u64,
    pub empty_count: u64,
    pub placeholder_count: u64,
    pub distinct_count: Option<u64>,
    pub min: ScalarValue,
    pub max: ScalarValue,
}

impl ColumnFigures {
    pub fn missing_count(&self) -> u64 {
        self.null_count + self.nan_count + self.empty_count + self.placeholder_count
    }
}

/// The result of the completeness pass over a whole dataset.
#[derive(Debug, Clone)]
pub struct CompletenessPass {
    pub row_count: u64,
    pub complete_row_count: u64,
    pub columns: Vec<ColumnFigures>,
}

/// Runs the completeness pass: one aggregate over every column of `frame`. `extra` are more
/// aggregates over the same rows (value counts, distinct rows) that ride along in the same
/// read; their one-row results come back in order.
pub async fn measure(
    frame: DataFrame,
    placeholders: &Placeholders,
    extra: &[(String, Expr)],
) -> DfResult<(CompletenessPass, PassResults)> {
    let schema: Schema = frame.schema().as_arrow().clone();
    let mut aggregates = vec![count(lit(1i64)).alias(ROWS)];
    let columns: Vec<Expr> = schema
        .fields()
        .iter()
        .map(|f| missing_kind(ident(f.name()), placeholders))
        .collect();
    if !columns.is_empty() {
        aggregates.push(missing_counts(columns).alias(MISSING_COUNTS));
    }
    for (index, field) in schema.fields().iter().enumerate() {
        let (name, data_type) = (field.name(), field.data_type());
        if let Some(distinct) = distinct_expr(name, data_type) {
            aggregates.push(distinct.alias(format!("distinct_{index}")));
        }
        // Min and max over present values only: a blank, a placeholder or NaN is no extreme.
        if textrange::supported(data_type) {
            let kinds = missing_kind(ident(name), placeholders);
            aggregates
                .push(textrange::text_range(ident(name), kinds).alias(format!("range_{index}")));
        } else if orderable(data_type) {
            let values = present_values(name, data_type, placeholders);
            aggregates.push(min(values.clone()).alias(format!("min_{index}")));
            aggregates.push(max(values).alias(format!("max_{index}")));
        }
    }
    for (name, expr) in extra {
        aggregates.push(expr.clone().alias(format!("{EXTRA}{name}")));
    }

    let wide = crate::profile::wide::is_wide(schema.fields().len())
        && !crate::progress::on_cluster(&frame);
    let planned_wide = if wide {
        crate::profile::wide::aggregate(frame.clone(), &aggregates).await?
    } else {
        None
    };
    let batches = match planned_wide {
        Some(batches) => batches,
        None => crate::progress::collect(frame.aggregate(vec![], aggregates)?, "profile").await?,
    };
    let results = PassResults::from_batches(&batches);
    let row_count = results.count(ROWS).unwrap_or(0);
    let counts: Vec<u64> = match results.scalar(MISSING_COUNTS) {
        Some(ScalarValue::List(list)) if !list.is_null(0) => list
            .value(0)
            .as_primitive::<datafusion::arrow::datatypes::UInt64Type>()
            .values()
            .to_vec(),
        _ => Vec::new(),
    };
    let count = |index: usize| counts.get(index).copied().unwrap_or(0);
    let columns = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(index, field)| {
            let (min, max) = match results.scalar(&format!("range_{index}")) {
                Some(range) => textrange::decode(&range),
                None => (
                    results
                        .scalar(&format!("min_{index}"))
                        .unwrap_or(ScalarValue::Null),
                    results
                        .scalar(&format!("max_{index}"))
                        .unwrap_or(ScalarValue::Null),
                ),
            };
            ColumnFigures {
                name: field.name().clone(),
                data_type: field.data_type().clone(),
                null_count: count(KINDS * index + Kind::Null as usize),
                nan_count: count(KINDS * index + Kind::Nan as usize),
                empty_count: count(KINDS * index + Kind::Empty as usize),
                placeholder_count: count(KINDS * index + Kind::Placeholder as usize),
                distinct_count: results.count(&format!("distinct_{index}")),
                min,
                max,
            }
        })
        .collect();
    let complete_row_count = if counts.is_empty() {
        row_count
    } else {
        count(counts.len() - 1)
    };
    let pass = CompletenessPass {
        row_count,
        complete_row_count,
        columns,
    };
    Ok((pass, results))
}

/// Rows of `frame` in which every column is present (none of null, NaN, blank or a
/// placeholder): the pass's complete-row figure alone.
pub async fn complete_rows(frame: DataFrame, placeholders: &Placeholders) -> DfResult<u64> {
    let schema: Schema = frame.schema().as_arrow().clone();
    let kinds: Vec<Expr> = schema
        .fields()
        .iter()
        .map(|field| missing_kind(ident(field.name()), placeholders))
        .collect();
    let mut aggregates = vec![count(lit(1i64)).alias(ROWS)];
    if !kinds.is_empty() {
        aggregates.push(missing_counts(kinds).alias(MISSING_COUNTS));
    }
    let batches = frame.aggregate(vec![], aggregates)?.collect().await?;
    let results = PassResults::from_batches(&batches);
    match results.scalar(MISSING_COUNTS) {
        Some(ScalarValue::List(list)) if !list.is_null(0) => Ok(list
            .value(0)
            .as_primitive::<datafusion::arrow::datatypes::UInt64Type>()
            .values()
            .last()
            .copied()
            .unwrap_or(0)),
        _ => Ok(results.count(ROWS).unwrap_or(0)),
    }
}

/// The profile pass's own output columns; the aggregates other dimensions add are prefixed
/// with [`EXTRA`], so no name they choose can collide with these.
const ROWS: &str = "rows";
const MISSING_COUNTS: &str = "missing_counts";
const EXTRA: &str = "extra_";

/// The profile pass's one output row, each aggregate read back by the name it was aliased
/// with (never by position: an aggregate added or skipped cannot shift another's figures).
#[derive(Debug, Default)]
pub struct PassResults {
    by_name: std::collections::HashMap<String, ArrayRef>,
}

impl PassResults {
    fn from_batches(batches: &[datafusion::arrow::array::RecordBatch]) -> Self {
        // One batch, or one per group of columns in a wide dataset's pass.
        let by_name = batches
            .iter()
            .filter(|batch| batch.num_rows() > 0)
            .flat_map(|batch| {
                let schema = batch.schema();
                schema
                    .fields()
                    .iter()
                    .zip(batch.columns())
                    .map(|(field, column)| (field.name().clone(), column.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        Self { by_name }
    }

    fn scalar(&self, name: &str) -> Option<ScalarValue> {
        self.by_name.get(name).map(|array| scalar_at(array, 0))
    }

    fn count(&self, name: &str) -> Option<u64> {
        self.by_name.get(name).map(|array| count_at(array, 0))
    }

    /// The result of the extra aggregate named `name` (see [`measure`]), if it ran.
    pub fn extra(&self, name: &str) -> Option<&ArrayRef> {
        self.by_name.get(&format!("{EXTRA}{name}"))
    }
}

/// Columns with at most this many distinct values get their most frequent values listed.
pub const TOP_VALUES_MAX_DISTINCT: usize = 20;
/// How many of them.
pub const TOP_VALUES: usize = 10;

/// Groupings per grouping-sets query: DataFusion packs the grouping id into at most 64 bits.
const GROUPS_PER_QUERY: usize = 60;

/// Row counts per value of each of `groups` (expressions over the dataset's columns), NULL
/// included, in no particular order: the fallback for label classes and time buckets with too
/// many values to count in the profile's one pass, since a grouping spills under a memory
/// limit. One `GROUPING SETS ((g1), (g2), ...)` aggregate per 60 groupings, so they share one
/// read of their columns, and planning stays linear in wide data.
pub async fn grouped_value_counts(
    frame: &DataFrame,
    groups: &[Expr],
) -> DfResult<Vec<Vec<(ScalarValue, u64)>>> {
    let mut all = Vec::with_capacity(groups.len());
    for (chunk, batch_groups) in groups.chunks(GROUPS_PER_QUERY).enumerate() {
        let names: Vec<String> = (0..batch_groups.len())
            .map(|i| format!("__readiness_g{}", chunk * GROUPS_PER_QUERY + i))
            .collect();
        let sets = names.iter().map(|name| vec![ident(name)]).collect();
        let grouping_set =
            Expr::GroupingSet(datafusion::logical_expr::GroupingSet::GroupingSets(sets));
        let mut aggregates = vec![count(lit(1i64))];
        aggregates.extend(names.iter().map(|name| grouping(ident(name))));
        let projected = batch_groups
            .iter()
            .zip(&names)
            .map(|(group, name)| group.clone().alias(name))
            .collect::<Vec<Expr>>();
        let grouped = frame
            .clone()
            .select(projected)?
            .aggregate(vec![grouping_set], aggregates)?;
        let batches = crate::progress::collect(grouped, "value counts").await?;
        let width = batch_groups.len();
        let mut counts: Vec<Vec<(ScalarValue, u64)>> = vec![Vec::new(); width];
        for batch in &batches {
            // Output: the grouped values, the count, then GROUPING(g) per grouping, which is
            // 0 exactly for the grouping this row belongs to.
            let columns = batch.columns();
            if columns.len() != 2 * width + 1 {
                return Err(datafusion::error::DataFusionError::Internal(format!(
                    "value counts: expected {} output columns, got {}",
                    2 * width + 1,
                    columns.len()
                )));
            }
            for row in 0..batch.num_rows() {
                let Some(index) = (0..width).find(|&i| count_at(&columns[width + 1 + i], row) == 0)
                else {
                    continue;
                };
                counts[index].push((
                    scalar_at(&columns[index], row),
                    count_at(&columns[width], row),
                ));
            }
        }
        all.extend(counts);
    }
    Ok(all)
}

/// The most frequent values of one column, from its value counts.
pub fn top_values(counts: &[(ScalarValue, u64)]) -> Vec<crate::metrics::ValueCount> {
    let mut values: Vec<_> = counts
        .iter()
        .map(|(value, count)| crate::metrics::ValueCount {
            value: to_json(value),
            count: *count,
        })
        .collect();
    crate::dimensions::labels::profile::sort_counts(&mut values);
    values.truncate(TOP_VALUES);
    values
}

/// `approx_distinct` where DataFusion has it. Floats have no HLL accumulator there, so their
/// bit patterns are counted instead (one NaN, one zero).
fn distinct_expr(name: &str, data_type: &DataType) -> Option<Expr> {
    match data_type {
        DataType::Null => None,
        t if is_float_type(t) => Some(approx_distinct(float_bits(ident(name)))),
        _ => Some(approx_distinct(ident(name))),
    }
}

fn orderable(data_type: &DataType) -> bool {
    data_type.is_numeric()
        || is_text_type(data_type)
        || data_type.is_temporal()
        || matches!(data_type, DataType::Boolean)
}

/// Completeness's part in the profile pass: the missing values are the pass's own figures
/// ([`CompletenessPass`]); beside them it counts the values of every column with few of
/// them, for its top values.
impl Part for super::Completeness {
    fn aggregates(&self, planning: &Planning<'_>) -> Vec<(String, Expr)> {
        listed_columns(planning.fields)
            .enumerate()
            .map(|(index, field)| {
                let counts = counts::value_counts(ident(field.name()), TOP_VALUES_MAX_DISTINCT);
                (top_values_name(index), counts)
            })
            .collect()
    }

    fn measure<'a>(
        &'a self,
        output: &'a Output<'a>,
        metrics: &'a mut DatasetMetrics,
    ) -> BoxFuture<'a, DfResult<()>> {
        Box::pin(async move {
            let counted: Vec<_> = listed_columns(output.planning.fields)
                .enumerate()
                .map(|(index, field)| {
                    let counts = output
                        .result(&top_values_name(index))
                        .and_then(|result| counts::decode(result, 0));
                    (field.name().clone(), counts)
                })
                .collect();
            let pass = output.pass;
            metrics.columns = column_metrics(pass, &counted);
            metrics.complete_row_fraction = fraction(pass.complete_row_count, pass.row_count);
            set_absent_apart(output.plan, pass.row_count, metrics);
            Ok(())
        })
    }
}

/// Rows of each column that come from files without it, when the dataset's schema evolved:
/// the usable files' row counts (Parquet footers, the CSV and NDJSON walks, all exact) summed
/// over the files that lack the column. `None` when they do not add up to the rows the pass
/// read (the rows cannot then be told apart from NULLs).
fn absent_rows(plan: &DatasetPlan, row_count: u64) -> Option<Vec<(String, u64)>> {
    let evolution = plan.evolution.as_ref()?;
    let files: Vec<_> = plan.readable_files().collect();
    let counted: Option<u64> = files.iter().map(|file| file.row_count).sum();
    if counted != Some(row_count) {
        return None;
    }
    Some(
        evolution
            .schema
            .fields()
            .iter()
            .map(|field| {
                let rows = files
                    .iter()
                    .filter(|file| {
                        file.schema
                            .as_ref()
                            .is_some_and(|schema| schema.field_with_name(field.name()).is_err())
                    })
                    .filter_map(|file| file.row_count)
                    .sum();
                (field.name().clone(), rows)
            })
            .filter(|(_, rows)| *rows > 0)
            .collect(),
    )
}

/// Rows of files without a column, counted as `absent` instead of NULL (the engine reads them
/// as NULL): the column's NULLs, NULL top value and completeness are over the rows that have
/// it, and a note says where it appeared or went.
fn set_absent_apart(plan: &DatasetPlan, row_count: u64, metrics: &mut DatasetMetrics) {
    if plan.evolution.is_none() {
        return;
    }
    let Some(absent) = absent_rows(plan, row_count) else {
        metrics.notes.push(
            "the files' columns differ, but their row counts do not add up to the rows read: \
             rows of files without a column are counted as NULL there"
                .to_string(),
        );
        return;
    };
    for (name, rows) in absent {
        let Some(column) = metrics
            .columns
            .iter_mut()
            .find(|column| column.name == name)
        else {
            continue;
        };
        if column.null_count < rows {
            continue;
        }
        column.null_count -= rows;
        column.absent_count = Some(rows);
        let having = row_count - rows;
        let present = having.saturating_sub(
            column.null_count + column.nan_count + column.empty_count + column.placeholder_count,
        );
        column.completeness = fraction(present, having);
        column.top_values.retain_mut(|top| {
            if top.value.is_null() {
                top.count = top.count.saturating_sub(rows);
                top.count > 0
            } else {
                true
            }
        });
        let history: Vec<String> = metrics
            .schema_changes
            .iter()
            .filter(|change| change.column == name)
            .map(|change| {
                let place = change.partition.as_deref().unwrap_or(&change.file);
                match change.change {
                    ChangeKind::Added => format!("appeared in {place}"),
                    ChangeKind::Dropped => format!("was dropped in {place}"),
                    ChangeKind::Widened => format!("was widened in {place}"),
                    ChangeKind::Narrowed => format!("was narrowed in {place}"),
                }
            })
            .collect();
        let history = if history.is_empty() {
            "is not in every file".to_string()
        } else {
            history.join(", ")
        };
        metrics.notes.push(format!(
            "`{name}` {history}: {} rows do not have it (absent, not missing); of the {} that do, \
             {} are NULL",
            crate::humanize::thousands(rows),
            crate::humanize::thousands(having),
            crate::humanize::thousands(column.null_count),
        ));
    }
}

/// A column's rows per value, in no particular order.
type ValueCounts = Vec<(ScalarValue, u64)>;

/// The columns whose values are counted for top values: nested values (lists, structs, maps)
/// have none to show.
fn listed_columns(fields: &Fields) -> impl Iterator<Item = &FieldRef> {
    fields
        .iter()
        .filter(|f| f.data_type() != &DataType::Null && !f.data_type().is_nested())
}

fn top_values_name(column: usize) -> String {
    format!("top_values_{column}")
}

/// Each column's figures; `counted` are the value counts of the columns with few values (a
/// count that gave up past [`TOP_VALUES_MAX_DISTINCT`] is `None`).
fn column_metrics(
    pass: &CompletenessPass,
    counted: &[(String, Option<ValueCounts>)],
) -> Vec<ColumnMetrics> {
    let counted: std::collections::HashMap<&str, &Option<ValueCounts>> = counted
        .iter()
        .map(|(name, counts)| (name.as_str(), counts))
        .collect();
    let mut columns = Vec::with_capacity(pass.columns.len());
    for figures in &pass.columns {
        let top_values = counted
            .get(figures.name.as_str())
            .and_then(|counts| counts.as_deref())
            .filter(|_| pass.row_count > 0)
            .map(top_values)
            .unwrap_or_default();
        let present = pass.row_count.saturating_sub(figures.missing_count());
        columns.push(ColumnMetrics {
            name: figures.name.clone(),
            data_type: figures.data_type.to_string(),
            null_count: figures.null_count,
            absent_count: None,
            nan_count: figures.nan_count,
            empty_count: figures.empty_count,
            placeholder_count: figures.placeholder_count,
            completeness: fraction(present, pass.row_count),
            distinct_count: figures.distinct_count.unwrap_or(0),
            distinct_is_approximate: figures.distinct_count.is_some(),
            min: Some(to_json(&figures.min)).filter(|v| !v.is_null()),
            max: Some(to_json(&figures.max)).filter(|v| !v.is_null()),
            top_values,
            personal_data: None,
            personal_values: None,
            distribution: None,
            formats: None,
        });
    }
    columns
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Float64Array, Int64Array, RecordBatch, StringArray};
    use datafusion::arrow::datatypes::Field;
    use datafusion::prelude::SessionContext;

    use super::*;

    #[tokio::test]
    async fn missing_kinds_are_counted_once_each() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("text", DataType::Utf8, true),
            Field::new("score", DataType::Float64, true),
            Field::new("id", DataType::Int64, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec![
                    Some("a"),
                    None,
                    Some("  "),
                    Some(" N/A "),
                    Some("NaN"),
                    Some("b"),
                ])),
                Arc::new(Float64Array::from(vec![
                    Some(1.0),
                    Some(f64::NAN),
                    None,
                    Some(2.0),
                    Some(3.0),
                    Some(4.0),
                ])),
                Arc::new(Int64Array::from(vec![
                    Some(1),
                    Some(2),
                    Some(3),
                    None,
                    Some(5),
                    Some(6),
                ])),
            ],
        )
        .unwrap();
        let ctx = SessionContext::new();
        let frame = ctx.read_batch(batch).unwrap();
        let (pass, _) = measure(frame, &Placeholders::default_tokens(), &[])
            .await
            .unwrap();
        assert_eq!(pass.row_count, 6);
        let text = &pass.columns[0];
        assert_eq!(
            (
                text.null_count,
                text.nan_count,
                text.empty_count,
                text.placeholder_count
            ),
            (1, 1, 1, 1)
        );
        let score = &pass.columns[1];
        assert_eq!((score.null_count, score.nan_count), (1, 1));
        assert_eq!(pass.columns[2].null_count, 1);
        // Only the first and the last row have every value present.
        assert_eq!(pass.complete_row_count, 2);
        assert_eq!(pass.columns[2].min, ScalarValue::Int64(Some(1)));
        assert_eq!(pass.columns[2].max, ScalarValue::Int64(Some(6)));
        // Text extremes skip the blank (" " sorts first), the placeholder and the NaN.
        assert_eq!(text.min, ScalarValue::Utf8(Some("a".into())));
        assert_eq!(text.max, ScalarValue::Utf8(Some("b".into())));
    }
}
