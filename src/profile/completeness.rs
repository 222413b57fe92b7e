//! Completeness: how many values are present, per column and per row, in one pass.
//!
//! A value is *missing* when it is NULL, NaN (floats; the text `NaN` in text columns), empty or
//! whitespace-only text, or a placeholder token (trimmed, case-insensitive). The four counts are
//! disjoint and [`missing`] is the single definition of the rule: label coverage and complete
//! rows use it too, so every figure agrees on what "missing" means.
//!
//! The pass is one aggregate over every column, built from DataFusion built-ins only, so it
//! reads each file once and runs unchanged on a distributed engine.

use std::ops::Not;

use datafusion::arrow::datatypes::{DataType, Schema};
use datafusion::common::ScalarValue;
use datafusion::error::Result as DfResult;
use datafusion::functions::expr_fn::{btrim, isnan, lower};
use datafusion::functions_aggregate::expr_fn::{approx_distinct, count, grouping, max, min, sum};
use datafusion::logical_expr::{Expr, cast, ident, lit, when};
use datafusion::prelude::DataFrame;

use super::value::{count_at, first_row, is_float_type, is_text_type, scalar_at};

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

const WHITESPACE: &str = " \t\r\n\u{0B}\u{0C}";

/// Placeholder tokens, normalised (trimmed, lower case) once.
#[derive(Debug, Clone)]
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

/// The disjoint kinds of missing value, as boolean expressions on one column.
struct MissingKinds {
    null: Expr,
    nan: Option<Expr>,
    empty: Option<Expr>,
    placeholder: Option<Expr>,
}

fn missing_kinds(name: &str, data_type: &DataType, placeholders: &Placeholders) -> MissingKinds {
    let column = ident(name);
    let null = column.clone().is_null();
    if is_float_type(data_type) {
        return MissingKinds {
            null,
            nan: Some(isnan(column)),
            empty: None,
            placeholder: None,
        };
    }
    if !is_text_type(data_type) {
        return MissingKinds {
            null,
            nan: None,
            empty: None,
            placeholder: None,
        };
    }
    let trimmed = btrim(vec![column, lit(WHITESPACE)]);
    let token = lower(trimmed.clone());
    let placeholder = (!placeholders.tokens().is_empty()).then(|| {
        let list = placeholders
            .tokens()
            .iter()
            .map(|t| lit(t.as_str()))
            .collect();
        token.clone().in_list(list, false)
    });
    MissingKinds {
        null,
        nan: Some(token.eq(lit("nan"))),
        empty: Some(trimmed.eq(lit(""))),
        placeholder,
    }
}

/// True when the value in `name` is missing by the rule above.
pub fn missing(name: &str, data_type: &DataType, placeholders: &Placeholders) -> Expr {
    let kinds = missing_kinds(name, data_type, placeholders);
    // NULL inputs make the other tests NULL; the IS NULL test comes first and decides those rows.
    let parts = [Some(kinds.null), kinds.nan, kinds.empty, kinds.placeholder];
    any(parts.into_iter().flatten().collect()).expect("the null test is always there")
}

/// OR of many predicates as a balanced tree, so 2,000 columns do not nest 2,000 deep.
fn any(mut predicates: Vec<Expr>) -> Option<Expr> {
    while predicates.len() > 1 {
        let mut next = Vec::with_capacity(predicates.len().div_ceil(2));
        let mut items = predicates.into_iter();
        while let Some(left) = items.next() {
            next.push(match items.next() {
                Some(right) => left.or(right),
                None => left,
            });
        }
        predicates = next;
    }
    predicates.pop()
}

fn count_if(predicate: Expr) -> Expr {
    sum(when(predicate, lit(1i64))
        .otherwise(lit(0i64))
        .expect("complete CASE"))
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

/// Where each column's figures sit in the aggregate's output row.
struct Slots {
    non_null: usize,
    nan: Option<usize>,
    empty: Option<usize>,
    placeholder: Option<usize>,
    distinct: Option<usize>,
    min_max: Option<usize>,
}

/// Runs the completeness pass: one aggregate over every column of `frame`.
pub async fn measure(frame: DataFrame, placeholders: &Placeholders) -> DfResult<CompletenessPass> {
    let schema: Schema = frame.schema().as_arrow().clone();
    let mut aggregates = vec![count(lit(1i64))];
    let mut slots = Vec::with_capacity(schema.fields().len());
    let push = |aggregates: &mut Vec<Expr>, expr: Expr| {
        aggregates.push(expr.alias(format!("m{}", aggregates.len())));
        aggregates.len() - 1
    };
    let mut row_missing = Vec::new();
    for field in schema.fields() {
        let (name, data_type) = (field.name(), field.data_type());
        let kinds = missing_kinds(name, data_type, placeholders);
        let non_null = push(&mut aggregates, count(ident(name)));
        // Each kind excludes the ones before it, so the counts are disjoint.
        let nan = kinds
            .nan
            .clone()
            .map(|nan| push(&mut aggregates, count_if(nan)));
        let empty = kinds.empty.clone().map(|empty| {
            let not_nan = kinds.nan.clone().map_or(lit(true), |nan| nan.not());
            push(&mut aggregates, count_if(empty.and(not_nan)))
        });
        let placeholder = kinds.placeholder.clone().map(|placeholder| {
            let not_nan = kinds.nan.clone().map_or(lit(true), |nan| nan.not());
            push(&mut aggregates, count_if(placeholder.and(not_nan)))
        });
        let distinct = distinct_expr(name, data_type).map(|expr| push(&mut aggregates, expr));
        // Min and max over present values only: a blank, a placeholder or NaN is no extreme.
        let present = if is_text_type(data_type) || is_float_type(data_type) {
            when(
                missing(name, data_type, placeholders),
                lit(ScalarValue::Null),
            )
            .otherwise(ident(name))
            .expect("complete CASE")
        } else {
            ident(name)
        };
        let min_max = orderable(data_type).then(|| {
            let at = push(&mut aggregates, min(present.clone()));
            push(&mut aggregates, max(present));
            at
        });
        row_missing.push(missing(name, data_type, placeholders));
        slots.push(Slots {
            non_null,
            nan,
            empty,
            placeholder,
            distinct,
            min_max,
        });
    }
    let complete_rows =
        any(row_missing).map(|any_missing| push(&mut aggregates, count_if(any_missing.not())));

    let batches =
        crate::progress::collect(frame.aggregate(vec![], aggregates)?, "completeness").await?;
    let row = first_row(&batches);
    let at = |slot: usize| count_at(&row[slot], 0);
    let row_count = at(0);
    let columns = schema
        .fields()
        .iter()
        .zip(slots)
        .map(|(field, slot)| ColumnFigures {
            name: field.name().clone(),
            data_type: field.data_type().clone(),
            null_count: row_count - at(slot.non_null),
            nan_count: slot.nan.map_or(0, at),
            empty_count: slot.empty.map_or(0, at),
            placeholder_count: slot.placeholder.map_or(0, at),
            distinct_count: slot.distinct.map(at),
            min: slot
                .min_max
                .map_or(ScalarValue::Null, |s| scalar_at(&row[s], 0)),
            max: slot
                .min_max
                .map_or(ScalarValue::Null, |s| scalar_at(&row[s + 1], 0)),
        })
        .collect();
    Ok(CompletenessPass {
        row_count,
        complete_row_count: complete_rows.map_or(row_count, at),
        columns,
    })
}

/// Columns with at most this many distinct values get their most frequent values listed.
pub const TOP_VALUES_MAX_DISTINCT: u64 = 20;
/// How many of them.
pub const TOP_VALUES: usize = 10;

/// Groupings per grouping-sets query: DataFusion packs the grouping id into at most 64 bits.
const GROUPS_PER_QUERY: usize = 60;

/// Row counts per value of each of `groups` (expressions over the dataset's columns), NULL
/// included, in no particular order. One `GROUPING SETS ((g1), (g2), ...)` aggregate per 60
/// groupings, so top values, label classes and time buckets share one read of their columns,
/// and planning stays linear in wide data.
pub async fn value_counts(
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

/// The most frequent values of one column, from its [`value_counts`].
pub fn top_values(counts: &[(ScalarValue, u64)]) -> Vec<crate::metrics::ValueCount> {
    let mut values: Vec<_> = counts
        .iter()
        .map(|(value, count)| crate::metrics::ValueCount {
            value: super::value::to_json(value),
            count: *count,
        })
        .collect();
    super::labels::sort_counts(&mut values);
    values.truncate(TOP_VALUES);
    values
}

/// `approx_distinct` where DataFusion has it. Floats have no HLL accumulator there, so their
/// text form is counted instead (same distinctness, a little slower).
fn distinct_expr(name: &str, data_type: &DataType) -> Option<Expr> {
    match data_type {
        DataType::Null => None,
        t if is_float_type(t) => Some(approx_distinct(cast(ident(name), DataType::Utf8))),
        _ => Some(approx_distinct(ident(name))),
    }
}

fn orderable(data_type: &DataType) -> bool {
    data_type.is_numeric()
        || is_text_type(data_type)
        || data_type.is_temporal()
        || matches!(data_type, DataType::Boolean)
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
        let pass = measure(frame, &Placeholders::default_tokens())
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
    }
}
