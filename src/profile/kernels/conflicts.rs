//! `readiness_conflicts(fingerprint, class)`: among rows with a class, the rows whose feature
//! fingerprint (a [`super::rowhash::row_hash`] of the feature columns) comes with more than one
//! class, and how many such fingerprints there are, counted in the profile pass instead of two
//! groupings. Each row is kept as one 128-bit value, the fingerprint's top 94 bits above a
//! 32-bit key of its class (the class's [`super::pairs`] key), in sorted runs per partition
//! ([`SortedRuns`]); the final step merges the runs and walks each fingerprint's classes.
//!
//! Exactness: two different feature rows share 94 bits with probability 2^-94 (for n rows, at
//! most n^2 / 2^95 that any do: 3e-15 for 10 million), which could only add a conflict; two
//! classes share a 32-bit key with probability 2^-32 per pair of classes, which could only
//! hide one. Memory: 16 bytes per labelled row, as collected and in its run.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, UInt64Array};
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

use super::rowhash::{SortedRuns, in_parts};

/// The conflicting rows and groups of `fingerprint` (feature rows) against `class`.
pub fn conflicts(fingerprint: Expr, class: Expr) -> Expr {
    AggregateUDF::from(Conflicts {
        signature: Signature::any(2, Volatility::Immutable),
    })
    .call(vec![fingerprint, class])
}

/// (conflicting rows, conflicting groups) from a [`conflicts`] result.
pub fn decode(result: &ArrayRef) -> Option<(u64, u64)> {
    let lists = result.as_list_opt::<i32>()?;
    if lists.is_null(0) {
        return None;
    }
    let values = lists.value(0);
    match values.as_primitive_opt::<UInt64Type>()?.values().as_ref() {
        [rows, groups] => Some((*rows, *groups)),
        _ => None,
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct Conflicts {
    signature: Signature,
}

impl AggregateUDFImpl for Conflicts {
    fn name(&self) -> &str {
        "readiness_conflicts"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::List(Arc::new(Field::new_list_field(
            DataType::UInt64,
            true,
        ))))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "runs"),
            SortedRuns::state_type(),
            true,
        ))])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(ConflictsAccumulator(SortedRuns::new(false))))
    }
}

#[derive(Debug)]
struct ConflictsAccumulator(SortedRuns);

/// The bits of a value that hold its class key.
const CLASS_BITS: u32 = 32;

impl Accumulator for ConflictsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let fingerprints = values[0].as_primitive::<Decimal128Type>();
        let (classes, class_nulls) = super::pairs::keys(&values[1])?;
        let packed = fingerprints.iter().zip(classes).enumerate().filter_map(
            |(row, (fingerprint, class))| {
                let labelled = !class_nulls.as_ref().is_some_and(|n| n.is_null(row));
                let fingerprint = fingerprint.filter(|_| labelled)?;
                Some((fingerprint >> CLASS_BITS << CLASS_BITS) | i128::from(class as u32))
            },
        );
        self.0.extend(packed);
        Ok(())
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        // One fingerprint's classes are counted in one part: cuts fall on a fingerprint's first.
        let first_of_fingerprint = |cut: i128| cut >> CLASS_BITS << CLASS_BITS;
        let (rows, groups) = in_parts(self.0.all_runs(), first_of_fingerprint, conflicting)
            .into_iter()
            .fold((0, 0), |(rows, groups), part| {
                (rows + part.0, groups + part.1)
            });
        let figures = UInt64Array::from(vec![rows, groups]);
        Ok(SingleRowListArrayBuilder::new(Arc::new(figures)).build_list_scalar())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.0.size()
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        Ok(vec![self.0.state()])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        self.0.merge(&states[0]);
        Ok(())
    }
}

/// The labelled rows whose fingerprint comes with more than one class, and those
/// fingerprints, in sorted runs of packed (fingerprint, class) values.
fn conflicting(runs: &[&[i128]]) -> (u64, u64) {
    let (mut rows, mut groups) = (0u64, 0u64);
    let merged = super::rowhash::merged(runs);
    for (_, group) in &merged.chunk_by(|value| **value >> CLASS_BITS) {
        let (mut count, mut first, mut classes) = (0u64, None, 1);
        for value in group {
            count += 1;
            match first {
                None => first = Some(*value),
                Some(seen) if seen != *value && classes == 1 => classes = 2,
                _ => {}
            }
        }
        if classes > 1 {
            rows += count;
            groups += 1;
        }
    }
    (rows, groups)
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
    use datafusion::arrow::datatypes::Schema;
    use datafusion::logical_expr::col;

    use super::*;
    use crate::profile::kernels::rowhash::row_hash;

    #[tokio::test]
    async fn rows_of_one_feature_row_with_two_classes_conflict_across_partitions() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("x", DataType::Int64, true),
            Field::new("label", DataType::Utf8, true),
        ]));
        let batch = |x: Vec<i64>, label: Vec<Option<&str>>| {
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(Int64Array::from(x)),
                    Arc::new(StringArray::from(label)),
                ],
            )
            .unwrap()
        };
        // x = 1: yes, yes, no (3 conflicting rows); x = 2: no, no; x = 3: yes, unlabelled;
        // x = 4: yes, no (2 more).
        let batches = vec![
            batch(
                vec![1, 1, 2, 3],
                vec![Some("yes"), Some("yes"), Some("no"), Some("yes")],
            ),
            batch(
                vec![1, 2, 3, 4, 4],
                vec![Some("no"), Some("no"), None, Some("yes"), Some("no")],
            ),
        ];
        let frame = crate::profile::testing::partitioned(batches, 2);
        let result = frame
            .aggregate(
                vec![],
                vec![conflicts(row_hash(vec![col("x")]), col("label")).alias("c")],
            )
            .unwrap()
            .collect()
            .await
            .unwrap();
        assert_eq!(decode(result[0].column(0)), Some((5, 2)));
    }

    /// Counted in parts, a fingerprint's classes are never cut apart: with the cut at the
    /// longest run's middle falling between two classes of one fingerprint, the parts give
    /// what one walk over all the runs gives.
    #[test]
    fn conflicts_counted_in_parts_keep_a_fingerprint_whole() {
        let packed = |fingerprint: i128, class: i128| (fingerprint << CLASS_BITS) | class;
        // One fingerprint with one class, then 600,000 with two: the middle value is a second class.
        let first: Vec<i128> = std::iter::once(packed(0, 5))
            .chain((1..=600_000).flat_map(|f| [packed(f, 0), packed(f, 1)]))
            .collect();
        let middle = first[first.len() / 2];
        assert_eq!(
            middle & ((1 << CLASS_BITS) - 1),
            1,
            "the cut falls inside a fingerprint"
        );
        let second: Vec<i128> = (1..=1_000).map(|f| packed(f, 2)).collect();
        let runs = [first.clone(), second.clone()];
        let parts = in_parts(&runs, |cut| cut >> CLASS_BITS << CLASS_BITS, conflicting);
        let summed = parts.iter().fold((0, 0), |(rows, groups), part| {
            (rows + part.0, groups + part.1)
        });
        assert_eq!(summed, (1_201_000, 600_000));
        assert_eq!(summed, conflicting(&[&first, &second]));
        // More runs: fingerprint 0's one class again and a third class for 1; then a second
        // class for 0, whose two rows conflict.
        let third = [packed(0, 5), packed(1, 3)];
        assert_eq!(
            conflicting(&[&first, &second, &third]),
            (1_201_001, 600_000)
        );
        let fourth = [packed(0, 6)];
        assert_eq!(
            conflicting(&[&first, &second, &third, &fourth]),
            (1_201_004, 600_001)
        );
    }
}
