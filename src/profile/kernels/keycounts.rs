//! `readiness_key_counts(k)`: the duplicate-key figures of a single integer key column, as an
//! aggregate, so a declared key is counted in the profile's one pass instead of a grouping
//! that reads the key again (for CSV, the whole file again).
//!
//! Each partition collects its keys and sorts them when it hands them on (in parallel, as
//! for the row fingerprints); the final step merges the sorted runs, in one part per core,
//! and counts each key's rows. It holds 16 bytes per row, so the profile uses it only when
//! that fits, like the fingerprints. The result is one `List<Decimal128(38, 0)>`: rows
//! beyond the first of each key, keys with duplicates, then the most repeated keys as
//! (key, rows) pairs, the NULL key (all NULLs are one key) as a NULL.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Decimal128Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Decimal128Type, Field, FieldRef, UInt64Type};
use datafusion::common::ScalarValue;
use datafusion::common::utils::SingleRowListArrayBuilder;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility,
};
use itertools::Itertools;

use super::rowhash::{HASH_TYPE, SortedRuns, in_parts};
use crate::dimensions::duplication::profile::{EXAMPLE_GROUPS, KeyFigures};
use crate::metrics::DuplicateKeyGroup;
use crate::profile::value::to_json;

/// Whether a key column of this type can be counted by [`key_counts`]: integers, which fit
/// the 128-bit runs in their own order.
pub fn countable(data_type: &DataType) -> bool {
    data_type.is_integer()
}

/// The duplicate-key figures of the integer column `key`.
pub fn key_counts(key: Expr) -> Expr {
    AggregateUDF::from(KeyCounts {
        signature: Signature::any(1, Volatility::Immutable),
    })
    .call(vec![key])
}

/// The figures from a [`key_counts`] result, the example keys in the key column's type.
pub fn decode(result: &ArrayRef, key_type: &DataType) -> Option<KeyFigures> {
    let lists = result.as_list_opt::<i32>()?;
    if lists.is_null(0) {
        return None;
    }
    let values = lists.value(0);
    let values = values.as_primitive_opt::<Decimal128Type>()?;
    let count = |at: usize| u64::try_from(values.value(at)).ok();
    let mut figures = KeyFigures {
        duplicate_key_rows: count(0)?,
        keys_with_duplicates: count(1)?,
        examples: Vec::new(),
    };
    for at in (2..values.len()).step_by(2) {
        let key = if values.is_null(at) {
            ScalarValue::try_from(key_type).ok()?
        } else {
            ScalarValue::Decimal128(Some(values.value(at)), 38, 0)
                .cast_to(key_type)
                .ok()?
        };
        figures.examples.push(DuplicateKeyGroup {
            key: vec![to_json(&key)],
            count: count(at + 1)?,
        });
    }
    Some(figures)
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct KeyCounts {
    signature: Signature,
}

impl AggregateUDFImpl for KeyCounts {
    fn name(&self) -> &str {
        "readiness_key_counts"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(SortedRuns::state_type())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new(
                format_state_name(args.name, "sorted"),
                SortedRuns::state_type(),
                true,
            )),
            Arc::new(Field::new(
                format_state_name(args.name, "nulls"),
                DataType::UInt64,
                true,
            )),
        ])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(KeyAccumulator {
            keys: SortedRuns::new(false),
            null_keys: 0,
        }))
    }
}

#[derive(Debug)]
struct KeyAccumulator {
    /// The non-NULL keys, every occurrence.
    keys: SortedRuns,
    null_keys: u64,
}

/// What one part of the merged runs holds: rows beyond the first of each key, keys with
/// duplicates, and its most repeated keys.
#[derive(Debug, Default)]
struct Part {
    duplicate_rows: u64,
    keys_with_duplicates: u64,
    /// (rows, key), the best first once [`keep_best`] has run.
    repeated: Vec<(u64, Option<i128>)>,
}

/// Most rows first, ties by key (NULL first); keeps [`EXAMPLE_GROUPS`].
fn keep_best(repeated: &mut Vec<(u64, Option<i128>)>) {
    repeated.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    repeated.truncate(EXAMPLE_GROUPS);
}

fn count_part(runs: &[&[i128]]) -> Part {
    let mut part = Part::default();
    let keys = super::rowhash::merged(runs);
    for (rows, key) in keys.dedup_with_count() {
        if rows > 1 {
            let rows = rows as u64;
            part.duplicate_rows += rows - 1;
            part.keys_with_duplicates += 1;
            part.repeated.push((rows, Some(*key)));
            if part.repeated.len() > 64 * EXAMPLE_GROUPS {
                keep_best(&mut part.repeated);
            }
        }
    }
    keep_best(&mut part.repeated);
    part
}

impl Accumulator for KeyAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let keys = cast(&values[0], &HASH_TYPE)?;
        let keys = keys.as_primitive::<Decimal128Type>();
        self.null_keys += keys.null_count() as u64;
        self.keys.collect(keys);
        Ok(())
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        let mut total = Part::default();
        for part in in_parts(self.keys.all_runs(), |cut| cut, count_part) {
            total.duplicate_rows += part.duplicate_rows;
            total.keys_with_duplicates += part.keys_with_duplicates;
            total.repeated.extend(part.repeated);
        }
        if self.null_keys > 1 {
            total.duplicate_rows += self.null_keys - 1;
            total.keys_with_duplicates += 1;
            total.repeated.push((self.null_keys, None));
        }
        keep_best(&mut total.repeated);
        let mut values = vec![
            Some(i128::from(total.duplicate_rows)),
            Some(i128::from(total.keys_with_duplicates)),
        ];
        for (rows, key) in total.repeated {
            values.extend([key, Some(i128::from(rows))]);
        }
        let values = Decimal128Array::from(values).with_data_type(HASH_TYPE);
        Ok(SingleRowListArrayBuilder::new(Arc::new(values)).build_list_scalar())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.keys.size()
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        Ok(vec![
            self.keys.state(),
            ScalarValue::UInt64(Some(self.null_keys)),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        self.keys.merge(&states[0]);
        let nulls = states[1].as_primitive::<UInt64Type>();
        self.null_keys += nulls.iter().flatten().sum::<u64>();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Int64Array, RecordBatch};
    use datafusion::arrow::datatypes::Schema;
    use datafusion::prelude::col;

    use super::*;

    #[tokio::test]
    async fn keys_are_counted_across_partitions() {
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, true)]));
        let batch = |ids: Vec<Option<i64>>| {
            RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(ids))]).unwrap()
        };
        // 7 three times, 3 twice, NULL twice, 9 twice, -1 and 4 once; spread over batches.
        let batches = vec![
            batch(vec![Some(7), Some(3), None, Some(9)]),
            batch(vec![Some(7), Some(-1), Some(9)]),
            batch(vec![Some(3), None, Some(7), Some(4)]),
        ];
        for partitions in [1, 3] {
            let frame = crate::profile::testing::partitioned(batches.clone(), partitions);
            let result = frame
                .aggregate(vec![], vec![key_counts(col("id"))])
                .unwrap()
                .collect()
                .await
                .unwrap();
            let figures = decode(result[0].column(0), &DataType::Int64).unwrap();
            assert_eq!(figures.duplicate_key_rows, 5, "{partitions} partitions");
            assert_eq!(figures.keys_with_duplicates, 4);
            let examples: Vec<_> = figures
                .examples
                .iter()
                .map(|group| (group.key[0].clone(), group.count))
                .collect();
            // Most rows first, ties by key with NULL first.
            assert_eq!(
                examples,
                vec![
                    (serde_json::json!(7), 3),
                    (serde_json::Value::Null, 2),
                    (serde_json::json!(3), 2),
                    (serde_json::json!(9), 2),
                ]
            );
        }
    }

    #[test]
    fn many_repeated_keys_keep_the_best_examples() {
        // 2,000 keys twice and key 1,500 five times, in two runs counted in parts.
        let mut a: Vec<i128> = (0..2_000).collect();
        let mut b: Vec<i128> = (0..2_000).chain([1_500; 3]).collect();
        a.sort_unstable();
        b.sort_unstable();
        let parts = in_parts(&[a, b], |cut| cut, count_part);
        let duplicate_rows: u64 = parts.iter().map(|p| p.duplicate_rows).sum();
        let keys: u64 = parts.iter().map(|p| p.keys_with_duplicates).sum();
        assert_eq!((duplicate_rows, keys), (2_003, 2_000));
        let mut best: Vec<_> = parts.into_iter().flat_map(|p| p.repeated).collect();
        keep_best(&mut best);
        assert_eq!(
            best,
            vec![
                (5, Some(1_500)),
                (2, Some(0)),
                (2, Some(1)),
                (2, Some(2)),
                (2, Some(3))
            ]
        );
    }
}
