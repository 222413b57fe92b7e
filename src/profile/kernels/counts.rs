//! `readiness_value_counts(c)`: exact row counts per value of one expression, as an aggregate,
//! so the top values of every low-cardinality column, the label classes and the time buckets
//! are counted side by side in one plain aggregate (one read of their columns) instead of one
//! grouping each.
//!
//! Values are keyed by their arrow row encoding (injective), counted in a hash map and decoded
//! back at the end; NULLs are counted apart. Each call has a limit on distinct non-NULL
//! values: past it the accumulator drops its map, ignores the rest of its input and the result
//! is NULL ("more than the limit"). So memory stays bounded, and a column with many values costs
//! only the rows read before the limit was crossed: the profile can ask for the value counts of
//! every column in the same aggregate as the completeness figures, in one read of the data.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, StringArray, StringViewArray, StructArray, UInt64Array,
};
use datafusion::arrow::buffer::{BooleanBuffer, NullBuffer};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, UInt64Type};
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::common::utils::SingleRowListArrayBuilder;
use datafusion::common::{HashMap, ScalarValue};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature};

use crate::profile::value::scalar_at;

/// The longest text a Utf8View holds inside its view.
const INLINE_LENGTH: u32 = 12;

/// The limit for label classes and days: past it they are counted by a spilling GROUP BY.
pub const MAX_DISTINCT: usize = 100_000;

#[derive(Debug, PartialEq, Eq, Hash)]
struct ValueCounts {
    signature: Signature,
    limit: usize,
}

/// Row counts per value of `expr`, or NULL when it has more than `limit` distinct non-NULL
/// values.
pub fn value_counts(expr: Expr, limit: usize) -> Expr {
    value_counts_udf(limit).call(vec![expr])
}

/// [`value_counts`] of `expr` in the rows where the Boolean `mask` is true.
pub fn value_counts_where(expr: Expr, mask: Expr, limit: usize) -> Expr {
    value_counts_udf(limit).call(vec![expr, mask])
}

fn value_counts_udf(limit: usize) -> AggregateUDF {
    AggregateUDF::from(ValueCounts {
        signature: super::one_value_maybe_masked(),
        limit,
    })
}

/// The limit a `readiness_value_counts` function was built with; `None` for any other.
#[cfg(feature = "ballista")]
pub fn limit_of(udaf: &AggregateUDF) -> Option<usize> {
    let inner: &dyn std::any::Any = udaf.inner().as_ref();
    inner
        .downcast_ref::<ValueCounts>()
        .map(|counts| counts.limit)
}

/// Dictionaries are counted by their values.
fn counted_type(input: &DataType) -> DataType {
    match input {
        DataType::Dictionary(_, value) => value.as_ref().clone(),
        other => other.clone(),
    }
}

fn list_of(data_type: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(data_type, true)))
}

fn result_fields(value_type: &DataType) -> Fields {
    Fields::from(vec![
        Field::new("values", list_of(value_type.clone()), true),
        Field::new("counts", list_of(DataType::UInt64), true),
    ])
}

impl AggregateUDFImpl for ValueCounts {
    fn name(&self) -> &str {
        "readiness_value_counts"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Struct(result_fields(&counted_type(
            &arg_types[0],
        ))))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        let value_type = counted_type(args.input_fields[0].data_type());
        Ok(vec![
            Arc::new(Field::new(
                format_state_name(args.name, "values"),
                list_of(value_type),
                true,
            )),
            Arc::new(Field::new(
                format_state_name(args.name, "counts"),
                list_of(DataType::UInt64),
                true,
            )),
        ])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        let value_type = counted_type(args.expr_fields[0].data_type());
        Ok(Box::new(CountsAccumulator {
            converter: RowConverter::new(vec![SortField::new(value_type.clone())])?,
            value_type,
            counts: HashMap::default(),
            inline: HashMap::default(),
            key_bytes: 0,
            nulls: 0,
            limit: self.limit,
            overflowed: false,
        }))
    }
}

#[derive(Debug)]
struct CountsAccumulator {
    value_type: DataType,
    converter: RowConverter,
    counts: HashMap<Vec<u8>, u64>,
    /// Short Utf8View values, by their view (see [`CountsAccumulator::add_views`]).
    inline: HashMap<u128, u64>,
    key_bytes: usize,
    nulls: u64,
    limit: usize,
    /// More than `limit` distinct values were seen: the map is dropped, input ignored.
    overflowed: bool,
}

impl CountsAccumulator {
    fn add(&mut self, array: &ArrayRef, times: impl Fn(usize) -> u64) -> DfResult<()> {
        if self.overflowed {
            return Ok(());
        }
        let array = if array.data_type() == &self.value_type {
            array.clone()
        } else {
            cast(array, &self.value_type)?
        };
        // Text is keyed by its bytes as they are; other types by their row encoding.
        fn as_bytes(text: Option<&str>) -> Option<&[u8]> {
            text.map(str::as_bytes)
        }
        match array.data_type() {
            DataType::Utf8 => self.add_keys(array.as_string::<i32>().iter().map(as_bytes), times),
            DataType::LargeUtf8 => {
                self.add_keys(array.as_string::<i64>().iter().map(as_bytes), times)
            }
            DataType::Utf8View => self.add_views(array.as_string_view(), times),
            _ => {
                let nulls = array.logical_nulls();
                let rows = self.converter.convert_columns(&[array])?;
                let keys = rows.iter().enumerate().map(|(index, row)| {
                    let null = nulls.as_ref().is_some_and(|nulls| nulls.is_null(index));
                    (!null).then_some(row.data())
                });
                self.add_keys(keys, times)
            }
        }
        Ok(())
    }

    /// Short text (at most 12 bytes) is wholly inside its 16-byte view: those are counted by
    /// the view itself, a fixed-width key; longer text by its bytes.
    fn add_views(&mut self, text: &StringViewArray, times: impl Fn(usize) -> u64) {
        let nulls = text.logical_nulls();
        for (index, view) in text.views().iter().enumerate() {
            if nulls.as_ref().is_some_and(|nulls| nulls.is_null(index)) {
                self.nulls += times(index);
                continue;
            }
            if *view as u32 > INLINE_LENGTH {
                self.add_keys(std::iter::once(Some(text.value(index).as_bytes())), |_| {
                    times(index)
                });
                if self.overflowed {
                    return;
                }
                continue;
            }
            if let Some(count) = self.inline.get_mut(view) {
                *count += times(index);
                continue;
            }
            if self.distinct() == self.limit {
                self.overflow();
                return;
            }
            self.inline.insert(*view, times(index));
        }
    }

    fn distinct(&self) -> usize {
        self.counts.len() + self.inline.len()
    }

    /// Counts each key (`None` for NULL) `times(its index)` times.
    fn add_keys<'a>(
        &mut self,
        keys: impl Iterator<Item = Option<&'a [u8]>>,
        times: impl Fn(usize) -> u64,
    ) {
        for (index, key) in keys.enumerate() {
            let Some(key) = key else {
                self.nulls += times(index);
                continue;
            };
            if let Some(count) = self.counts.get_mut(key) {
                *count += times(index);
                continue;
            }
            if self.distinct() == self.limit {
                self.overflow();
                return;
            }
            self.key_bytes += key.len();
            self.counts.insert(key.to_vec(), times(index));
        }
    }

    fn overflow(&mut self) {
        self.overflowed = true;
        self.counts = HashMap::default();
        self.inline = HashMap::default();
        self.key_bytes = 0;
    }

    /// The values and their counts, in the map's order, NULL last when there were NULLs.
    fn arrays(&self) -> DfResult<(ArrayRef, ArrayRef)> {
        let inline: Vec<(u128, u64)> = self.inline.iter().map(|(v, c)| (*v, *c)).collect();
        let inline_bytes: Vec<[u8; 16]> =
            inline.iter().map(|(view, _)| view.to_le_bytes()).collect();
        let (keys, mut counts): (Vec<&[u8]>, Vec<u64>) = self
            .counts
            .iter()
            .map(|(key, count)| (key.as_slice(), *count))
            .chain(
                inline
                    .iter()
                    .zip(&inline_bytes)
                    .map(|((view, count), bytes)| {
                        // A view: length in the low 4 bytes, then the text itself.
                        (&bytes[4..4 + (*view as u32 as usize)], *count)
                    }),
            )
            .unzip();
        let values = if crate::profile::value::is_text_type(&self.value_type) {
            // The keys are the bytes of `str`s: the lossy decoding never replaces anything.
            let text: StringArray = keys
                .iter()
                .map(|key| Some(String::from_utf8_lossy(key)))
                .collect();
            cast(&text, &self.value_type)?
        } else {
            let parser = self.converter.parser();
            let rows = keys.iter().map(|key| parser.parse(key));
            let mut columns = self.converter.convert_rows(rows)?;
            columns.pop().ok_or_else(|| {
                datafusion::error::DataFusionError::Internal("value counts: no column".into())
            })?
        };
        let values = if self.nulls > 0 {
            counts.push(self.nulls);
            let null = ScalarValue::try_from(&self.value_type)?.to_array_of_size(1)?;
            datafusion::arrow::compute::concat(&[values.as_ref(), null.as_ref()])?
        } else {
            values
        };
        Ok((values, Arc::new(UInt64Array::from(counts))))
    }
}

impl Accumulator for CountsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        self.add(&super::masked(values)?, |_| 1)
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        let (values, counts) = self.arrays()?;
        let list = |array| -> ArrayRef {
            Arc::new(SingleRowListArrayBuilder::new(array).build_list_array())
        };
        let columns = vec![list(values), list(counts)];
        let overflowed = self
            .overflowed
            .then(|| NullBuffer::new(BooleanBuffer::new_unset(1)));
        Ok(ScalarValue::Struct(Arc::new(StructArray::try_new(
            result_fields(&self.value_type),
            columns,
            overflowed,
        )?)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self.converter.size()
            + self.key_bytes
            + self.counts.capacity() * (std::mem::size_of::<(Vec<u8>, u64)>() + 1)
            + self.inline.capacity() * (std::mem::size_of::<(u128, u64)>() + 1)
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        if self.overflowed {
            return Ok(vec![
                ScalarValue::try_from(list_of(self.value_type.clone()))?,
                ScalarValue::try_from(list_of(DataType::UInt64))?,
            ]);
        }
        let (values, counts) = self.arrays()?;
        Ok(vec![
            SingleRowListArrayBuilder::new(values).build_list_scalar(),
            SingleRowListArrayBuilder::new(counts).build_list_scalar(),
        ])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let (values, counts) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
        for row in 0..values.len() {
            if values.is_null(row) || counts.is_null(row) {
                // A partial result that went past the limit.
                self.overflow();
            }
            if self.overflowed {
                return Ok(());
            }
            let partial = counts.value(row);
            let partial = partial.as_primitive::<UInt64Type>().clone();
            self.add(&values.value(row), |index| partial.value(index))?;
        }
        Ok(())
    }
}

/// The `(value, rows)` pairs of one [`value_counts`] result; `None` when it went past its limit.
pub fn decode(result: &ArrayRef, row: usize) -> Option<Vec<(ScalarValue, u64)>> {
    let result = result.as_struct_opt()?;
    if result.is_null(row) {
        return None;
    }
    let values = result.column(0).as_list::<i32>();
    let counts = result.column(1).as_list::<i32>();
    if values.is_null(row) || counts.is_null(row) {
        return None;
    }
    let (values, counts) = (values.value(row), counts.value(row));
    let counts = counts.as_primitive::<UInt64Type>();
    Some(
        (0..values.len())
            .map(|index| (scalar_at(&values, index), counts.value(index)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{RecordBatch, StringArray};
    use datafusion::arrow::datatypes::Schema;
    use datafusion::prelude::{SessionConfig, SessionContext, col};

    use super::*;

    /// The counts of column `c` over two partitions of text values, with `limit`.
    async fn counts(
        partitions: Vec<Vec<Option<&str>>>,
        limit: usize,
    ) -> Option<Vec<(ScalarValue, u64)>> {
        let schema = Arc::new(Schema::new(vec![Field::new("c", DataType::Utf8, true)]));
        let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(2));
        let batches: Vec<RecordBatch> = partitions
            .into_iter()
            .map(|values| {
                RecordBatch::try_new(schema.clone(), vec![Arc::new(StringArray::from(values))])
                    .unwrap()
            })
            .collect();
        let frame = ctx
            .read_batches(batches)
            .unwrap()
            .repartition(datafusion::logical_expr::Partitioning::RoundRobinBatch(2))
            .unwrap();
        let batches = frame
            .aggregate(vec![], vec![value_counts(col("c"), limit)])
            .unwrap()
            .collect()
            .await
            .unwrap();
        let mut counts = decode(batches[0].column(0), 0)?;
        counts.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        Some(counts)
    }

    #[tokio::test]
    async fn short_and_long_text_views_are_counted_alike() {
        let long = "a value longer than twelve bytes";
        let values = vec![
            Some("ab"),
            Some(long),
            None,
            Some("ab"),
            Some(long),
            Some(""),
        ];
        let array: ArrayRef = Arc::new(StringViewArray::from(values));
        let ctx = SessionContext::new();
        let batch = RecordBatch::try_from_iter([("c", array)]).unwrap();
        let result = ctx
            .read_batch(batch)
            .unwrap()
            .aggregate(vec![], vec![value_counts(col("c"), 3)])
            .unwrap()
            .collect()
            .await
            .unwrap();
        let mut counts = decode(result[0].column(0), 0).unwrap();
        counts.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap());
        let view = |text: &str| ScalarValue::Utf8View(Some(text.to_string()));
        assert_eq!(
            counts,
            vec![
                (ScalarValue::Utf8View(None), 1),
                (view(""), 1),
                (view(long), 2),
                (view("ab"), 2),
            ]
        );
    }

    #[tokio::test]
    async fn counts_every_value_null_included_across_partitions() {
        let data = vec![
            vec![Some("a"), None, Some("b"), Some("a")],
            vec![Some("a"), None, Some("")],
        ];
        assert_eq!(
            counts(data.clone(), 3).await,
            Some(vec![
                (ScalarValue::Utf8(None), 2),
                (ScalarValue::Utf8(Some(String::new())), 1),
                (ScalarValue::Utf8(Some("a".into())), 3),
                (ScalarValue::Utf8(Some("b".into())), 1),
            ])
        );
        // Three distinct non-NULL values: past a limit of two, whichever partition sees it.
        assert_eq!(counts(data, 2).await, None);
        assert_eq!(
            counts(vec![vec![Some("a")], vec![Some("b"), Some("c")]], 2).await,
            None
        );
        assert_eq!(
            counts(vec![vec![Some("a")], vec![Some("b"), Some("a")]], 2)
                .await
                .map(|c| c.len()),
            Some(2)
        );
    }
}
