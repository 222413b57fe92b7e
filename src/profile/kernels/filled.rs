//! `readiness_filled_where(condition, c1, ..., cn)`: per column `ci`, the rows in which both
//! `condition` and `ci` hold a value (neither is NULL), as a `List<UInt64>` of n counts. It is
//! what n aggregates `COUNT(CASE WHEN condition IS NOT NULL THEN ci END)` give, read from the
//! columns' validity bitmaps (an AND and a population count per column and batch) instead of
//! writing out a CASE result per column.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, UInt64Type};
use datafusion::common::ScalarValue;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility,
};

use super::missing::{add_partial_counts, counts_scalar, counts_type};

/// Per column of `columns`, the rows where it and `condition` are both not NULL.
pub fn filled_where(condition: Expr, columns: Vec<Expr>) -> Expr {
    let mut args = vec![condition];
    args.extend(columns);
    AggregateUDF::from(FilledWhere {
        signature: Signature::variadic_any(Volatility::Immutable),
    })
    .call(args)
}

/// The counts of a [`filled_where`] result, one per column in the order given.
pub fn decode(result: &ArrayRef) -> Option<Vec<u64>> {
    let lists = result.as_list_opt::<i32>()?;
    if lists.is_null(0) {
        return None;
    }
    let counts = lists.value(0);
    Some(counts.as_primitive_opt::<UInt64Type>()?.values().to_vec())
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct FilledWhere {
    signature: Signature,
}

impl AggregateUDFImpl for FilledWhere {
    fn name(&self) -> &str {
        "readiness_filled_where"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(counts_type())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "filled"),
            counts_type(),
            true,
        ))])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        let columns = args.exprs.len().saturating_sub(1);
        Ok(Box::new(FilledAccumulator(vec![0; columns])))
    }
}

#[derive(Debug)]
struct FilledAccumulator(Vec<u64>);

/// Rows valid in both, of `rows` rows.
fn valid_in_both(a: Option<&NullBuffer>, b: Option<&NullBuffer>, rows: usize) -> usize {
    match (a, b) {
        (None, None) => rows,
        (Some(only), None) | (None, Some(only)) => rows - only.null_count(),
        (Some(a), Some(b)) => (a.inner() & b.inner()).count_set_bits(),
    }
}

impl Accumulator for FilledAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let Some((condition, columns)) = values.split_first() else {
            return Ok(());
        };
        let rows = condition.len();
        let condition = condition.logical_nulls();
        for (total, column) in self.0.iter_mut().zip(columns) {
            let nulls = column.logical_nulls();
            *total += valid_in_both(condition.as_ref(), nulls.as_ref(), rows) as u64;
        }
        Ok(())
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        Ok(counts_scalar(&self.0))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + 8 * self.0.capacity()
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        Ok(vec![counts_scalar(&self.0)])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        add_partial_counts(&states[0], &mut self.0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
    use datafusion::arrow::datatypes::Schema;
    use datafusion::functions_aggregate::expr_fn::count;
    use datafusion::logical_expr::{col, when};

    use super::*;

    /// The counts equal what a CASE per column gives, over two partitions.
    #[tokio::test]
    async fn counts_rows_filled_in_both_as_a_case_per_column_would() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("label", DataType::Utf8, true),
            Field::new("a", DataType::Int64, true),
            Field::new("b", DataType::Utf8, false),
        ]));
        let batch = |label: Vec<Option<&str>>, a: Vec<Option<i64>>, b: Vec<&str>| {
            let columns: Vec<ArrayRef> = vec![
                Arc::new(StringArray::from(label)),
                Arc::new(Int64Array::from(a)),
                Arc::new(StringArray::from(b)),
            ];
            RecordBatch::try_new(schema.clone(), columns).unwrap()
        };
        let batches = vec![
            batch(
                vec![Some("y"), None, Some("n"), Some("y")],
                vec![Some(1), Some(2), None, Some(4)],
                vec!["p", "q", "r", "s"],
            ),
            batch(
                vec![None, Some("n"), Some("y")],
                vec![None, Some(6), None],
                vec!["t", "u", "v"],
            ),
        ];
        for partitions in [1, 2] {
            let frame = crate::profile::testing::partitioned(batches.clone(), partitions);
            let labelled = |c: &str| count(when(col("label").is_not_null(), col(c)).end().unwrap());
            let result = frame
                .aggregate(
                    vec![],
                    vec![
                        filled_where(col("label"), vec![col("a"), col("b")]).alias("f"),
                        labelled("a").alias("ca"),
                        labelled("b").alias("cb"),
                    ],
                )
                .unwrap()
                .collect()
                .await
                .unwrap();
            let case = |i: usize| {
                result[0]
                    .column(i)
                    .as_primitive::<datafusion::arrow::datatypes::Int64Type>()
                    .value(0) as u64
            };
            assert_eq!(decode(result[0].column(0)), Some(vec![3, 5]));
            assert_eq!((case(1), case(2)), (3, 5), "{partitions} partitions");
        }
    }
}
