//! `readiness_sketch(x)`: a log-bucketed histogram of a numeric column (the idea of DDSketch
//! and HDR histograms): each value is counted in a bucket 1/128 of a power of two wide, with
//! zero and each sign apart, and the exact minimum and maximum kept. From it ([`Sketch`]):
//! percentiles by nearest rank (the middle of the bucket holding the value of that rank, within
//! 0.4% of it, clamped to the exact extremes), exact negative and zero counts, and counts
//! beyond any threshold at the buckets' resolution (a bucket is beyond when its middle is).
//! Buckets merge by adding counts, so the figures are the same however the rows are split
//! across partitions and in whatever order partial results meet (a t-digest's are not, and two
//! scans of the same data must agree to the byte). NULL and NaN are left out.
//!
//! Memory: one counter per occupied bucket, at most 129 per power of two the values span (a
//! column from 0.001 to 1,000,000,000 occupies at most about 5,000).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type, Int64Type};
use datafusion::common::ScalarValue;
use datafusion::common::utils::SingleRowListArrayBuilder;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature};

/// Bits of an `f64` below the sign, exponent and top 7 mantissa bits: a bucket holds the values
/// that agree above them.
const DROPPED_BITS: u32 = 45;

/// The sketch of the numeric column `x`.
pub fn sketch(x: Expr) -> Expr {
    sketch_udf().call(vec![x])
}

/// The sketch of `x` in the rows where the Boolean `mask` is true.
pub fn sketch_where(x: Expr, mask: Expr) -> Expr {
    sketch_udf().call(vec![x, mask])
}

fn sketch_udf() -> AggregateUDF {
    AggregateUDF::from(SketchUdf {
        signature: super::one_value_maybe_masked(),
    })
}

/// A column's sketch, read back from a [`sketch`] result.
#[derive(Debug, Clone, PartialEq)]
pub struct Sketch {
    /// (bucket, values), in the order of the values.
    buckets: Vec<(i64, u64)>,
    pub min: f64,
    pub max: f64,
}

impl Sketch {
    /// The sketch in `result`: `None` for a column without values.
    pub fn decode(result: &ArrayRef) -> Option<Sketch> {
        let lists = result.as_list_opt::<i32>()?;
        if lists.is_null(0) {
            return None;
        }
        let values = lists.value(0);
        let values = values.as_primitive_opt::<Int64Type>()?.values();
        let (extremes, pairs) = values.split_at_checked(2)?;
        let buckets: Vec<(i64, u64)> = pairs
            .chunks_exact(2)
            .map(|pair| (pair[0], pair[1] as u64))
            .collect();
        (!buckets.is_empty()).then(|| Sketch {
            buckets,
            min: f64::from_bits(extremes[0] as u64),
            max: f64::from_bits(extremes[1] as u64),
        })
    }

    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|(_, n)| n).sum()
    }

    /// The value of rank `p * (n - 1)` (nearest rank), `p` from 0 to 1.
    pub fn percentile(&self, p: f64) -> f64 {
        let rank = (p * (self.count() - 1) as f64).round() as u64;
        let mut seen = 0;
        let bucket = self
            .buckets
            .iter()
            .find(|(_, count)| {
                seen += count;
                seen > rank
            })
            .map_or(0, |(bucket, _)| *bucket);
        middle(bucket).clamp(self.min, self.max)
    }

    /// Values below zero, and equal to zero: exact.
    pub fn negative_and_zero(&self) -> (u64, u64) {
        let count = |keep: fn(i64) -> bool| {
            self.buckets
                .iter()
                .filter(|(b, _)| keep(*b))
                .map(|(_, n)| n)
                .sum()
        };
        (count(|b| b < 0), count(|b| b == 0))
    }

    /// Each occupied bucket's middle (clamped to the extremes) with its values, in order.
    pub fn middles(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        self.buckets
            .iter()
            .map(|(b, n)| (middle(*b).clamp(self.min, self.max), *n))
    }
}

/// The bucket of a value, ordered as the values are: 0 for zero, `1 + k` for a positive value
/// whose top bits are `k`, `-(1 + k)` for a negative one.
fn bucket(value: f64) -> i64 {
    if value == 0.0 {
        return 0;
    }
    let top = (value.abs().to_bits() >> DROPPED_BITS) as i64;
    if value > 0.0 { 1 + top } else { -(1 + top) }
}

/// The middle of a bucket.
fn middle(bucket: i64) -> f64 {
    if bucket == 0 {
        return 0.0;
    }
    let top = (bucket.unsigned_abs() - 1) << DROPPED_BITS;
    let (low, high) = (
        f64::from_bits(top),
        f64::from_bits(top + (1 << DROPPED_BITS)),
    );
    let middle = low + (high - low) / 2.0;
    if bucket > 0 { middle } else { -middle }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct SketchUdf {
    signature: Signature,
}

fn floats() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)))
}

fn integers() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)))
}

impl AggregateUDFImpl for SketchUdf {
    fn name(&self) -> &str {
        "readiness_sketch"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(integers())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new(
                format_state_name(args.name, "buckets"),
                integers(),
                true,
            )),
            Arc::new(Field::new(
                format_state_name(args.name, "extremes"),
                floats(),
                true,
            )),
        ])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(Buckets::default()))
    }
}

/// Rows per bucket, and the exact extremes.
#[derive(Debug)]
struct Buckets {
    counts: Counts,
    min: f64,
    max: f64,
}

impl Default for Buckets {
    fn default() -> Self {
        Self {
            counts: Counts::default(),
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Buckets {
    fn total(&self) -> u64 {
        self.counts.occupied().map(|(_, n)| n).sum()
    }
}

/// Rows per bucket, held densely: a counter per bucket between the lowest and highest
/// occupied ones, each sign apart (a bucket's magnitude grows with the value's, so a column's
/// values occupy one stretch of buckets per sign), and the zeros. Counting a value is an
/// index, not a hash lookup. At most 2^18 counters a sign (every exponent an `f64` has).
#[derive(Debug, Default)]
struct Counts {
    negative: Stretch,
    zeros: u64,
    positive: Stretch,
}

impl Counts {
    #[inline]
    fn add(&mut self, bucket: i64, rows: u64) {
        match bucket {
            0 => self.zeros += rows,
            b if b > 0 => self.positive.add(b as usize, rows),
            b => self.negative.add(b.unsigned_abs() as usize, rows),
        }
    }

    /// The occupied buckets and their rows, in the order of their values.
    fn occupied(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        let negative = self
            .negative
            .occupied()
            .rev()
            .map(|(m, n)| (-(m as i64), n));
        let zeros = (self.zeros > 0).then_some((0, self.zeros));
        let positive = self.positive.occupied().map(|(m, n)| (m as i64, n));
        negative.chain(zeros).chain(positive)
    }

    fn bytes(&self) -> usize {
        8 * (self.negative.counts.capacity() + self.positive.counts.capacity())
    }
}

/// Counters for the bucket magnitudes `first..first + counts.len()`.
#[derive(Debug, Default)]
struct Stretch {
    first: usize,
    counts: Vec<u64>,
}

impl Stretch {
    #[inline]
    fn add(&mut self, magnitude: usize, rows: u64) {
        if self.counts.is_empty() {
            self.first = magnitude;
        }
        if magnitude < self.first {
            // Grow downwards with room to spare, so a column read from its largest values
            // down does not copy its counters once per bucket.
            let missing = self.first - magnitude;
            let room = missing.max(self.counts.len() / 2).min(self.first);
            let mut grown = vec![0; room + self.counts.len()];
            grown[room..].copy_from_slice(&self.counts);
            self.counts = grown;
            self.first -= room;
        }
        let at = magnitude - self.first;
        if at >= self.counts.len() {
            self.counts.resize(at + 1, 0);
        }
        self.counts[at] += rows;
    }

    /// (magnitude, rows) of the occupied buckets, smallest magnitude first.
    fn occupied(&self) -> impl DoubleEndedIterator<Item = (usize, u64)> + '_ {
        let first = self.first;
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(move |(at, n)| (first + at, *n))
    }
}

impl Accumulator for Buckets {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let values = cast(&super::masked(values)?, &DataType::Float64)?;
        let values = values.as_primitive::<Float64Type>();
        let mut add = |value: f64| {
            if !value.is_nan() {
                self.min = self.min.min(value);
                self.max = self.max.max(value);
                self.counts.add(bucket(value), 1);
            }
        };
        match values.nulls() {
            None => values.values().iter().for_each(|v| add(*v)),
            Some(nulls) => nulls.valid_indices().for_each(|i| add(values.value(i))),
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let (buckets, extremes) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
        for row in 0..buckets.len() {
            if buckets.is_null(row) || extremes.is_null(row) {
                continue;
            }
            let pairs = buckets.value(row);
            let pairs = pairs.as_primitive::<Int64Type>().values();
            for pair in pairs.chunks_exact(2) {
                self.counts.add(pair[0], pair[1] as u64);
            }
            let extremes = extremes.value(row);
            let extremes = extremes.as_primitive::<Float64Type>();
            self.min = self.min.min(extremes.value(0));
            self.max = self.max.max(extremes.value(1));
        }
        Ok(())
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        let pairs: Int64Array = self
            .counts
            .occupied()
            .flat_map(|(bucket, count)| [Some(bucket), Some(count as i64)])
            .collect();
        let extremes = Float64Array::from(vec![self.min, self.max]);
        let list = |array: ArrayRef| {
            ScalarValue::List(Arc::new(
                SingleRowListArrayBuilder::new(array).build_list_array(),
            ))
        };
        Ok(vec![list(Arc::new(pairs)), list(Arc::new(extremes))])
    }

    /// The extremes as the bits of their `f64`, then (bucket, values) pairs in order.
    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        if self.total() == 0 {
            return ScalarValue::try_from(integers());
        }
        let extremes = [self.min.to_bits() as i64, self.max.to_bits() as i64];
        let values: Int64Array = extremes
            .into_iter()
            .chain(self.counts.occupied().flat_map(|(b, n)| [b, n as i64]))
            .map(Some)
            .collect();
        Ok(ScalarValue::List(Arc::new(
            SingleRowListArrayBuilder::new(Arc::new(values)).build_list_array(),
        )))
    }

    fn size(&self) -> usize {
        size_of_val(self) + self.counts.bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::testing::partitioned;
    use datafusion::arrow::array::RecordBatch;
    use datafusion::arrow::datatypes::Schema;
    use datafusion::logical_expr::col;

    #[test]
    fn counters_grow_either_way_and_read_back_in_the_order_of_values() {
        let mut counts = Counts::default();
        // Largest magnitudes first, then smaller, then larger again, on both signs.
        for value in [1e6, 3.0, 1e-3, 2e9, 0.0, -5.0, -1e12, -1e-9, 3.0, 0.0] {
            counts.add(bucket(value), 1);
        }
        let buckets: Vec<(i64, u64)> = counts.occupied().collect();
        let mut expected: Vec<(i64, u64)> = Vec::new();
        for value in [-1e12, -5.0, -1e-9, 0.0, 1e-3, 3.0, 1e6, 2e9] {
            let rows = if value == 0.0 || value == 3.0 { 2 } else { 1 };
            expected.push((bucket(value), rows));
        }
        assert_eq!(buckets, expected);
        assert!(counts.bytes() <= 8 * 2 * (1 << 18));
    }

    #[test]
    fn buckets_keep_the_order_of_values_and_hold_them_within_a_256th() {
        let values = [-1e9, -3.5, -0.001, 0.0, 1e-9, 0.5, 1.0, 3.7, 250.0, 1e12];
        let buckets: Vec<i64> = values.iter().map(|v| bucket(*v)).collect();
        assert!(buckets.windows(2).all(|w| w[0] < w[1]), "{buckets:?}");
        for value in values {
            let error = (middle(bucket(value)) - value).abs();
            assert!(
                error <= value.abs() / 256.0,
                "{value}: {}",
                middle(bucket(value))
            );
        }
    }

    async fn percentiles(partitions: usize, order: &[i64]) -> Vec<f64> {
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, true)]));
        let batches: Vec<RecordBatch> = order
            .chunks(97)
            .map(|chunk| {
                let values: Int64Array = chunk.iter().map(|v| Some(*v)).chain([None]).collect();
                RecordBatch::try_new(schema.clone(), vec![Arc::new(values)]).unwrap()
            })
            .collect();
        let frame = partitioned(batches, partitions);
        let rows = frame
            .aggregate(vec![], vec![sketch(col("x")).alias("q")])
            .unwrap()
            .collect()
            .await
            .unwrap();
        let sketch = Sketch::decode(rows[0].column(0)).unwrap();
        assert_eq!(sketch.count(), order.len() as u64);
        [0.01, 0.25, 0.5, 0.75, 0.99]
            .map(|p| sketch.percentile(p))
            .to_vec()
    }

    #[tokio::test]
    async fn percentiles_are_near_exact_and_the_same_however_rows_are_split() {
        let ascending: Vec<i64> = (1..=1000).collect();
        let shuffled: Vec<i64> = (0..1000).map(|i| 1 + (i * 7919) % 1000).collect();
        let one = percentiles(1, &ascending).await;
        // 1..=1000 by nearest rank: 11, 251, 500 (or 501), 750, 990.
        for (found, exact) in one.iter().zip([11.0, 251.0, 501.0, 750.0, 990.0]) {
            assert!((found - exact).abs() <= exact / 200.0, "{found} vs {exact}");
        }
        assert_eq!(percentiles(4, &shuffled).await, one);
        assert_eq!(percentiles(3, &ascending).await, one);
    }
}
