//! `readiness_text_min(c)` and `readiness_text_max(c)`: the least and greatest value of a
//! `Utf8View` column, in byte order as DataFusion's `min` and `max`, but each value is first
//! compared with the running extreme by its first eight bytes as one integer, read from the
//! view (or the data buffer for long values). Only values that agree with the extreme on all
//! eight are compared in full, so values sharing a prefix such as `user` no longer cost a
//! string comparison each.

use std::cmp::Ordering;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringViewArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility,
};

/// The least (`greatest` false) or greatest value of the `Utf8View` expression `values`.
pub fn text_extreme(values: Expr, greatest: bool) -> Expr {
    AggregateUDF::from(TextExtreme {
        signature: Signature::exact(vec![DataType::Utf8View], Volatility::Immutable),
        greatest,
    })
    .call(vec![values])
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct TextExtreme {
    signature: Signature,
    greatest: bool,
}

impl AggregateUDFImpl for TextExtreme {
    fn name(&self) -> &str {
        if self.greatest {
            "readiness_text_max"
        } else {
            "readiness_text_min"
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Utf8View)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "extreme"),
            DataType::Utf8View,
            true,
        ))])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(ExtremeAccumulator {
            greatest: self.greatest,
            best: None,
            key: 0,
        }))
    }
}

#[derive(Debug)]
struct ExtremeAccumulator {
    greatest: bool,
    best: Option<Vec<u8>>,
    /// The first eight bytes of `best`, big-endian, zero-padded.
    key: u64,
}

/// The first eight bytes of the value behind `view`, big-endian and zero-padded, so that a
/// smaller key means a smaller value.
fn key_of(view: u128, buffers: &[datafusion::arrow::buffer::Buffer]) -> u64 {
    let length = view as u32 as usize;
    if length > 12 {
        // Long values: the data buffer's index and offset sit in the view's upper half.
        let buffer = (view >> 64) as u32 as usize;
        let offset = (view >> 96) as u32 as usize;
        let mut first = [0u8; 8];
        if let Some(bytes) = buffers
            .get(buffer)
            .and_then(|b| b.as_slice().get(offset..offset + 8))
        {
            first.copy_from_slice(bytes);
        }
        return u64::from_be_bytes(first);
    }
    // Short values are inline, after the 4-byte length.
    let inline = ((view >> 32) as u64).swap_bytes();
    match length {
        0 => 0,
        8.. => inline,
        _ => inline & (u64::MAX << (8 * (8 - length))),
    }
}

impl ExtremeAccumulator {
    fn offer(&mut self, values: &StringViewArray) {
        let views = values.views();
        let buffers = values.data_buffers();
        let nulls = values.logical_nulls();
        for (row, &view) in views.iter().enumerate() {
            if nulls.as_ref().is_some_and(|n| n.is_null(row)) {
                continue;
            }
            let key = key_of(view, buffers);
            let order = match &self.best {
                None => Ordering::Greater,
                Some(best) => match key.cmp(&self.key) {
                    Ordering::Equal => values.value(row).as_bytes().cmp(best.as_slice()),
                    decided => decided,
                },
            };
            let better = match order {
                Ordering::Greater => self.greatest || self.best.is_none(),
                Ordering::Less => !self.greatest,
                Ordering::Equal => false,
            };
            if better {
                let best = self.best.get_or_insert_with(Vec::new);
                best.clear();
                best.extend_from_slice(values.value(row).as_bytes());
                self.key = key;
            }
        }
    }

    fn offer_any(&mut self, values: &ArrayRef) -> DfResult<()> {
        let Some(values) = values.as_string_view_opt() else {
            return Err(DataFusionError::Internal(format!(
                "readiness_text_min/max take Utf8View, not {}",
                values.data_type()
            )));
        };
        self.offer(values);
        Ok(())
    }
}

impl Accumulator for ExtremeAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        self.offer_any(&values[0])
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        let text = match &self.best {
            None => None,
            // The bytes are a value of a text array: UTF-8.
            Some(bytes) => Some(
                String::from_utf8(bytes.clone())
                    .map_err(|e| DataFusionError::Internal(e.to_string()))?,
            ),
        };
        Ok(ScalarValue::Utf8View(text))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.best.as_ref().map_or(0, Vec::capacity)
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        self.offer_any(&states[0])
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::RecordBatch;
    use datafusion::arrow::datatypes::Schema;
    use datafusion::prelude::col;

    use super::*;

    #[tokio::test]
    async fn extremes_agree_with_byte_order() {
        // Shared prefixes of every length around the inline limit and the 8-byte key, NUL
        // bytes, non-ASCII text, empty text and NULLs, over several batches and partitions.
        let mut texts: Vec<Option<String>> = vec![None, Some(String::new())];
        for stem in ["user", "user1234", "user1234@", "a\0", "a", "Zürich", "zz"] {
            for tail in ["", "\0", "0", "9@example.com", "99999999999999", "~"] {
                texts.push(Some(format!("{stem}{tail}")));
            }
        }
        let schema = Arc::new(Schema::new(vec![Field::new("t", DataType::Utf8View, true)]));
        let batches: Vec<RecordBatch> = texts
            .chunks(7)
            .map(|chunk| {
                let array = StringViewArray::from_iter(chunk.iter().cloned());
                RecordBatch::try_new(schema.clone(), vec![Arc::new(array)]).unwrap()
            })
            .collect();
        let present: Vec<&String> = texts.iter().flatten().collect();
        let expected_min = present.iter().min().unwrap().to_string();
        let expected_max = present.iter().max().unwrap().to_string();
        for partitions in [1, 3] {
            let frame = super::super::testing::partitioned(batches.clone(), partitions);
            let result = frame
                .aggregate(
                    vec![],
                    vec![
                        text_extreme(col("t"), false).alias("least"),
                        text_extreme(col("t"), true).alias("greatest"),
                    ],
                )
                .unwrap()
                .collect()
                .await
                .unwrap();
            let value = |column: usize| {
                result[0]
                    .column(column)
                    .as_string_view()
                    .value(0)
                    .to_string()
            };
            assert_eq!(value(0), expected_min, "{partitions} partitions");
            assert_eq!(value(1), expected_max, "{partitions} partitions");
        }
    }

    #[test]
    fn keys_order_like_the_values() {
        let array = StringViewArray::from_iter_values([
            "",
            "\0",
            "a",
            "a\0",
            "ab",
            "abcdefgh",
            "abcdefgh\0",
            "abcdefghijklm",
            "abd",
            "b",
        ]);
        let keys: Vec<u64> = array
            .views()
            .iter()
            .map(|view| key_of(*view, array.data_buffers()))
            .collect();
        // Sorted values give keys in the same (not always strict) order.
        assert!(keys.windows(2).all(|pair| pair[0] <= pair[1]), "{keys:?}");
        assert!(keys[2] < keys[4] && keys[4] < keys[8] && keys[8] < keys[9]);
    }
}
