//! `readiness_pair_counts(value, class)`: rows per (value, class) pair, the pairs known by two
//! 64-bit keys, for measures that only compare the pairs (a value's most common class), never
//! show them. A key is the value's own bits for integers, floats, dates and booleans (exact),
//! and the low 64 bits of XXH3-128 of the bytes for text (two texts share a key with probability 2^-64); a text
//! value repeated in a batch is hashed once. Rows where either is NULL are left out.
//!
//! Result: a `List<UInt64>` of (value key, class key, rows) triples, or NULL when there were
//! more than `limit` distinct values, or more than [`PAIRS_PER_VALUE`] times `limit` pairs (the
//! accumulator then stops counting, so a column of many values costs little).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, UInt64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, UInt64Type};
use datafusion::common::utils::SingleRowListArrayBuilder;
use datafusion::common::{HashMap, HashSet, ScalarValue};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, Expr, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::profile::value::is_text_type;

/// Pairs an accumulator holds per value of its limit before it gives up (20 classes a value on
/// average), so a label with very many classes cannot grow the pairs without bound.
pub const PAIRS_PER_VALUE: usize = 20;

/// Rows per (value, class) pair of `value` and `class`, NULL past `limit` distinct values (or
/// [`PAIRS_PER_VALUE`] times as many pairs). The class
/// comes to the aggregate as its [`value_key`], so the pair counts of many columns against
/// one label share one computation of the label's keys.
pub fn pair_counts(value: Expr, class: Expr, limit: usize) -> Expr {
    AggregateUDF::from(PairCounts {
        signature: Signature::any(2, Volatility::Immutable),
        limit,
    })
    .call(vec![value, value_key(class)])
}

/// `readiness_value_key(x)`: the 64-bit key of each value of `x` (see the module docs), as
/// `UInt64`, NULL kept.
pub fn value_key(value: Expr) -> Expr {
    ScalarUDF::from(ValueKey {
        signature: Signature::any(1, Volatility::Immutable),
    })
    .call(vec![value])
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct ValueKey {
    signature: Signature,
}

impl ScalarUDFImpl for ValueKey {
    fn name(&self) -> &str {
        "readiness_value_key"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::UInt64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let array = args.args[0].clone().into_array(args.number_rows)?;
        let (keys, nulls) = keys(&array)?;
        Ok(ColumnarValue::Array(Arc::new(UInt64Array::new(
            keys.into(),
            nulls,
        ))))
    }
}

/// The limit a `readiness_pair_counts` function was built with; `None` for any other.
#[cfg(feature = "ballista")]
pub fn limit_of(udaf: &AggregateUDF) -> Option<usize> {
    let inner: &dyn std::any::Any = udaf.inner().as_ref();
    inner.downcast_ref::<PairCounts>().map(|pairs| pairs.limit)
}

/// The (value key, class key, rows) triples of a [`pair_counts`] result; `None` past its limit.
pub fn decode(result: &ArrayRef) -> Option<Vec<(u64, u64, u64)>> {
    let lists = result.as_list_opt::<i32>()?;
    if lists.is_null(0) {
        return None;
    }
    let values = lists.value(0);
    let values = values.as_primitive_opt::<UInt64Type>()?.values();
    Some(values.chunks_exact(3).map(|t| (t[0], t[1], t[2])).collect())
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct PairCounts {
    signature: Signature,
    limit: usize,
}

fn list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::UInt64, true)))
}

impl AggregateUDFImpl for PairCounts {
    fn name(&self) -> &str {
        "readiness_pair_counts"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(list_type())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "pairs"),
            list_type(),
            true,
        ))])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(PairAccumulator {
            counts: HashMap::default(),
            values: HashSet::default(),
            limit: self.limit,
            overflowed: false,
        }))
    }
}

#[derive(Debug)]
struct PairAccumulator {
    counts: HashMap<(u64, u64), u64>,
    /// The distinct value keys among the pairs (a new pair is rare: the set is seldom touched).
    values: HashSet<u64>,
    limit: usize,
    overflowed: bool,
}

impl PairAccumulator {
    fn add(&mut self, key: (u64, u64), rows: u64) {
        if let Some(count) = self.counts.get_mut(&key) {
            *count += rows;
            return;
        }
        self.values.insert(key.0);
        if self.values.len() > self.limit
            || self.counts.len() >= self.limit.saturating_mul(PAIRS_PER_VALUE)
        {
            self.overflowed = true;
            self.counts = HashMap::default();
            self.values = HashSet::default();
        } else {
            self.counts.insert(key, rows);
        }
    }

    fn list(&self) -> ScalarValue {
        if self.overflowed {
            return ScalarValue::try_from(list_type()).unwrap_or(ScalarValue::Null);
        }
        let mut triples: Vec<(u64, u64, u64)> =
            self.counts.iter().map(|((v, c), n)| (*v, *c, *n)).collect();
        triples.sort_unstable();
        let flat: UInt64Array = triples
            .iter()
            .flat_map(|(v, c, n)| [*v, *c, *n])
            .map(Some)
            .collect();
        SingleRowListArrayBuilder::new(Arc::new(flat)).build_list_scalar()
    }
}

impl Accumulator for PairAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        if self.overflowed {
            return Ok(());
        }
        let (value_keys, value_nulls) = keys(&values[0])?;
        let (class_keys, class_nulls) = keys(&values[1])?;
        for (row, pair) in value_keys.into_iter().zip(class_keys).enumerate() {
            let null = |nulls: &Option<datafusion::arrow::buffer::NullBuffer>| {
                nulls.as_ref().is_some_and(|n| n.is_null(row))
            };
            if null(&value_nulls) || null(&class_nulls) {
                continue;
            }
            self.add(pair, 1);
            if self.overflowed {
                return Ok(());
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        Ok(self.list())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self.counts.capacity() * (std::mem::size_of::<(u64, u64, u64)>() + 1)
            + self.values.capacity() * (std::mem::size_of::<u64>() + 1)
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        Ok(vec![self.list()])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let lists = states[0].as_list::<i32>();
        for row in 0..lists.len() {
            if self.overflowed {
                return Ok(());
            }
            if lists.is_null(row) {
                self.overflowed = true;
                self.counts = HashMap::default();
                self.values = HashSet::default();
                return Ok(());
            }
            let partial = lists.value(row);
            for t in partial
                .as_primitive::<UInt64Type>()
                .values()
                .chunks_exact(3)
            {
                self.add((t[0], t[1]), t[2]);
                if self.overflowed {
                    return Ok(());
                }
            }
        }
        Ok(())
    }
}

/// A 64-bit key per row of `array` (see the module docs) and its NULLs.
pub(super) fn keys(
    array: &ArrayRef,
) -> DfResult<(Vec<u64>, Option<datafusion::arrow::buffer::NullBuffer>)> {
    let hash = |bytes: &[u8]| twox_hash::XxHash3_128::oneshot(bytes) as u64;
    match array.data_type() {
        data_type if is_text_type(data_type) => {
            let hashed = super::textcode::per_value(array, |text| hash(text.as_bytes()))?;
            Ok(hashed)
        }
        // Keys already (a `readiness_value_key`), or 64-bit integers: their own bits.
        DataType::UInt64 => {
            let keys = array.as_primitive::<UInt64Type>();
            Ok((keys.values().to_vec(), keys.nulls().cloned()))
        }
        // Dictionaries of numbers are keyed by their values.
        DataType::Dictionary(_, value) => keys(&cast(array, value)?),
        DataType::Boolean => {
            let booleans = array.as_boolean();
            let keys = booleans.values().iter().map(u64::from).collect();
            Ok((keys, booleans.nulls().cloned()))
        }
        data_type => match data_type.primitive_width() {
            Some(width @ (1 | 2 | 4 | 8 | 16)) => {
                let data = array.to_data();
                let bytes = &data.buffers()[0].as_slice()[data.offset() * width..];
                let keys = bytes
                    .chunks_exact(width)
                    .take(array.len())
                    .map(|value| match width {
                        16 => hash(value),
                        _ => {
                            let mut wide = [0u8; 8];
                            wide[..width].copy_from_slice(value);
                            u64::from_le_bytes(wide)
                        }
                    })
                    .collect();
                Ok((keys, data.nulls().cloned()))
            }
            _ => keys(&cast(array, &DataType::Utf8)?),
        },
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Int64Array, RecordBatch, StringArray};
    use datafusion::arrow::datatypes::Schema;
    use datafusion::logical_expr::col;

    use super::*;

    #[tokio::test]
    async fn pairs_are_counted_across_partitions_and_nulls_left_out() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("v", DataType::Int64, true),
            Field::new("c", DataType::Utf8, true),
        ]));
        let batch = |v: Vec<Option<i64>>, c: Vec<Option<&str>>| {
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    Arc::new(Int64Array::from(v)),
                    Arc::new(StringArray::from(c)),
                ],
            )
            .unwrap()
        };
        let batches = vec![
            batch(
                vec![Some(1), Some(1), None],
                vec![Some("a"), Some("b"), Some("a")],
            ),
            batch(
                vec![Some(1), Some(2), Some(2)],
                vec![Some("a"), None, Some("b")],
            ),
        ];
        let frame = crate::profile::testing::partitioned(batches, 2);
        let result = frame
            .aggregate(vec![], vec![pair_counts(col("v"), col("c"), 10).alias("p")])
            .unwrap()
            .collect()
            .await
            .unwrap();
        let triples = decode(result[0].column(0)).unwrap();
        let a = twox_hash::XxHash3_128::oneshot(b"a") as u64;
        let b = twox_hash::XxHash3_128::oneshot(b"b") as u64;
        let mut expected = vec![(1, a, 2), (1, b, 1), (2, b, 1)];
        expected.sort_unstable();
        assert_eq!(triples, expected);
    }

    /// The pair counts of Int64 values against Int64 classes, in one partition, with `limit`.
    async fn counted(values: Vec<i64>, classes: Vec<i64>, limit: usize) -> Option<usize> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("v", DataType::Int64, true),
            Field::new("c", DataType::Int64, true),
        ]));
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(values)),
            Arc::new(Int64Array::from(classes)),
        ];
        let batch = RecordBatch::try_new(schema, columns).unwrap();
        let frame = crate::profile::testing::partitioned(vec![batch], 1);
        let result = frame
            .aggregate(
                vec![],
                vec![pair_counts(col("v"), col("c"), limit).alias("p")],
            )
            .unwrap()
            .collect()
            .await
            .unwrap();
        decode(result[0].column(0)).map(|triples| triples.len())
    }

    #[tokio::test]
    async fn more_values_than_the_limit_give_null_whatever_the_classes() {
        let one_class = |values: i64| ((0..values).collect(), vec![7; values as usize]);
        let (values, classes) = one_class(10);
        assert_eq!(counted(values, classes, 10).await, Some(10));
        let (values, classes) = one_class(11);
        assert_eq!(counted(values, classes, 10).await, None);
    }

    #[tokio::test]
    async fn more_pairs_than_the_limit_allows_give_null() {
        // 5 values (under the limit of 10) in 41 classes each: 205 pairs, past 10 x 20.
        let pairs: Vec<(i64, i64)> = (0..5).flat_map(|v| (0..41).map(move |c| (v, c))).collect();
        let (values, classes) = pairs.iter().copied().unzip();
        assert_eq!(counted(values, classes, 10).await, None);
        let (values, classes) = pairs.iter().filter(|(_, c)| *c < 40).copied().unzip();
        assert_eq!(counted(values, classes, 10).await, Some(200));
    }
}
