//! `readiness_text_range(c, k)`: the smallest and largest present value of a text column, as
//! one aggregate, in place of a MIN and a MAX over `readiness_present(c, k)`.
//!
//! Both extremes come from one read of the batch: first the smallest and largest 4-byte
//! prefix of the present values (a branch-free loop over the views the compiler vectorises),
//! then only the rows that carry one of those prefixes are compared, by their first eight bytes
//! and, on a tie, whole. The prefix order agrees with byte order (a shorter text is padded with
//! zeros, and a prefix of a text sorts before it), so no row outside the candidates can be an
//! extreme. Text compares by its bytes, as DataFusion's MIN and MAX do. The result is a
//! two-element list `[min, max]` of the column's type, NULLs when no value is present.

use std::cmp::Ordering;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, GenericStringArray, LargeStringArray, OffsetSizeTrait, StringArray,
    StringViewArray,
};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, UInt8Type};
use datafusion::common::ScalarValue;
use datafusion::common::utils::SingleRowListArrayBuilder;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, Expr, Signature, Volatility,
};

/// True for the types `readiness_text_range` takes (other text, e.g. dictionaries, goes
/// through DataFusion's MIN and MAX).
pub fn supported(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct TextRange {
    signature: Signature,
}

/// `[min, max]` of `column` over the rows whose missing-kind code (`kinds`, from
/// [`super::missing::missing_kind`]) is 0.
pub fn text_range(column: Expr, kinds: Expr) -> Expr {
    AggregateUDF::from(TextRange {
        signature: Signature::any(2, Volatility::Immutable),
    })
    .call(vec![column, kinds])
}

fn range_type(text: &DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(text.clone(), true)))
}

/// The smallest and largest value of a [`text_range`] result, NULLs of the column's type when
/// there were none.
pub fn decode(result: &ScalarValue) -> (ScalarValue, ScalarValue) {
    let ScalarValue::List(list) = result else {
        return (ScalarValue::Null, ScalarValue::Null);
    };
    if list.is_empty() || list.is_null(0) {
        return (ScalarValue::Null, ScalarValue::Null);
    }
    let values = list.value(0);
    let at = |row: usize| ScalarValue::try_from_array(&values, row).unwrap_or(ScalarValue::Null);
    (at(0), at(1))
}

impl AggregateUDFImpl for TextRange {
    fn name(&self) -> &str {
        "readiness_text_range"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(range_type(&arg_types[0]))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "range"),
            range_type(args.input_fields[0].data_type()),
            true,
        ))])
    }

    fn accumulator(&self, args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        let text_type = args.expr_fields[0].data_type().clone();
        if !supported(&text_type) {
            return Err(DataFusionError::Internal(format!(
                "readiness_text_range takes text, not {text_type}"
            )));
        }
        Ok(Box::new(RangeAccumulator::new(text_type)))
    }
}

#[derive(Debug)]
struct RangeAccumulator {
    text_type: DataType,
    min: Option<Vec<u8>>,
    max: Option<Vec<u8>>,
    /// Per row of the batch, its [`prefix_of`] (reused between batches).
    prefixes: Vec<u32>,
    /// Rows of the batch that may hold an extreme (reused between batches).
    candidates: Vec<usize>,
}

/// The first `N` bytes of a text, zeros past its end.
fn head<const N: usize>(bytes: &[u8]) -> [u8; N] {
    if let Some(head) = bytes.first_chunk::<N>() {
        return *head;
    }
    let mut head = [0u8; N];
    head[..bytes.len()].copy_from_slice(bytes);
    head
}

/// The first four bytes of a text as a big-endian number, zeros past its end: `a < b` as
/// numbers implies `a < b` as text.
fn prefix_of(bytes: &[u8]) -> u32 {
    u32::from_be_bytes(head(bytes))
}

/// The same with the first eight bytes, to tell apart texts with the same [`prefix_of`].
fn long_prefix_of(bytes: &[u8]) -> u64 {
    u64::from_be_bytes(head(bytes))
}

/// [`prefix_of`] a Utf8View's value, from its view: bytes 4..8 hold the first four bytes
/// (inline text is zero-padded).
fn prefix_of_view(view: u128) -> u32 {
    ((view >> 32) as u32).swap_bytes()
}

/// The smallest and largest prefix of the rows whose code is 0; `None` when there are none.
fn prefix_bounds(prefixes: &[u32], codes: &[u8]) -> Option<(u32, u32)> {
    let (mut low, mut high, mut present) = (u32::MAX, 0u32, 0u8);
    for (&prefix, &code) in prefixes.iter().zip(codes) {
        let absent = code != 0;
        low = low.min(if absent { u32::MAX } else { prefix });
        high = high.max(if absent { 0 } else { prefix });
        present |= u8::from(!absent);
    }
    (present != 0).then_some((low, high))
}

/// Replaces `best` by the value of `rows` that comes first in `order` (`Less`: the smallest),
/// if it comes before `best`. Compares eight-byte prefixes first, whole values only when
/// those are equal; copies the winner once.
fn improve<'a>(
    best: &mut Option<Vec<u8>>,
    rows: &[usize],
    value: impl Fn(usize) -> &'a [u8],
    order: Ordering,
) {
    let mut winner = best.as_deref().map(|kept| (kept, long_prefix_of(kept)));
    let mut changed = false;
    for &row in rows {
        let candidate = value(row);
        let key = long_prefix_of(candidate);
        let wins = winner.is_none_or(|(kept, kept_key)| match key.cmp(&kept_key) {
            Ordering::Equal => candidate.cmp(kept) == order,
            by_prefix => by_prefix == order,
        });
        if wins {
            winner = Some((candidate, key));
            changed = true;
        }
    }
    if changed {
        let new = winner.map(|(value, _)| value.to_vec());
        *best = new;
    }
}

impl RangeAccumulator {
    fn new(text_type: DataType) -> Self {
        Self {
            text_type,
            min: None,
            max: None,
            prefixes: Vec::new(),
            candidates: Vec::new(),
        }
    }

    fn offer(&mut self, value: &[u8]) {
        if self.min.as_deref().is_none_or(|min| value < min) {
            self.min = Some(value.to_vec());
        }
        if self.max.as_deref().is_none_or(|max| value > max) {
            self.max = Some(value.to_vec());
        }
    }

    /// With `self.prefixes` filled for the batch: compares longer prefixes and whole values
    /// only for the present rows whose prefix is the batch's smallest or largest, and only
    /// when that prefix could beat the extreme kept so far.
    fn update<'a>(&mut self, value: impl Fn(usize) -> &'a [u8] + Copy, codes: &[u8]) {
        let Some((low, high)) = prefix_bounds(&self.prefixes, codes) else {
            return;
        };
        let Self {
            min,
            max,
            prefixes,
            candidates,
            ..
        } = self;
        for (best, bound, order) in [(min, low, Ordering::Less), (max, high, Ordering::Greater)] {
            // A batch whose bound comes after the extreme kept so far holds no better value.
            if best
                .as_deref()
                .is_some_and(|kept| bound.cmp(&prefix_of(kept)) == order.reverse())
            {
                continue;
            }
            candidates.clear();
            candidates.extend(
                (0..prefixes.len()).filter(|&row| prefixes[row] == bound && codes[row] == 0),
            );
            improve(best, candidates, value, order);
        }
    }

    fn update_offsets<O: OffsetSizeTrait>(&mut self, texts: &GenericStringArray<O>, codes: &[u8]) {
        let value = |row: usize| texts.value(row).as_bytes();
        self.prefixes.clear();
        self.prefixes
            .extend((0..texts.len()).map(|row| prefix_of(value(row))));
        self.update(value, codes);
    }

    fn as_scalar(&self) -> DfResult<ScalarValue> {
        let text = |bytes: &Option<Vec<u8>>| -> DfResult<Option<String>> {
            bytes
                .as_ref()
                .map(|bytes| String::from_utf8(bytes.clone()))
                .transpose()
                .map_err(|e| DataFusionError::Internal(format!("readiness_text_range: {e}")))
        };
        let pair = [text(&self.min)?, text(&self.max)?];
        let values: ArrayRef = match self.text_type {
            DataType::Utf8View => Arc::new(StringViewArray::from_iter(pair)),
            DataType::LargeUtf8 => Arc::new(LargeStringArray::from_iter(pair)),
            _ => Arc::new(StringArray::from_iter(pair)),
        };
        Ok(SingleRowListArrayBuilder::new(values).build_list_scalar())
    }
}

impl Accumulator for RangeAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let (Some(texts), Some(codes)) = (
            values.first(),
            values
                .get(1)
                .and_then(|k| k.as_primitive_opt::<UInt8Type>()),
        ) else {
            return Err(DataFusionError::Internal(
                "readiness_text_range takes text and missing-kind codes".into(),
            ));
        };
        let codes = codes.values();
        match texts.data_type() {
            DataType::Utf8View => {
                let texts = texts.as_string_view();
                self.prefixes.clear();
                self.prefixes
                    .extend(texts.views().iter().map(|&view| prefix_of_view(view)));
                self.update(|row: usize| texts.value(row).as_bytes(), codes);
            }
            DataType::Utf8 => self.update_offsets(texts.as_string::<i32>(), codes),
            DataType::LargeUtf8 => self.update_offsets(texts.as_string::<i64>(), codes),
            other => {
                return Err(DataFusionError::Internal(format!(
                    "readiness_text_range takes text, not {other}"
                )));
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        self.as_scalar()
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self.min.as_ref().map_or(0, Vec::capacity)
            + self.max.as_ref().map_or(0, Vec::capacity)
            + self.prefixes.capacity() * std::mem::size_of::<u32>()
            + self.candidates.capacity() * std::mem::size_of::<usize>()
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        Ok(vec![self.as_scalar()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let lists = states[0].as_list::<i32>();
        for row in 0..lists.len() {
            if lists.is_null(row) {
                continue;
            }
            let pair = lists.value(row);
            for at in 0..pair.len() {
                if pair.is_null(at) {
                    continue;
                }
                let value = match pair.data_type() {
                    DataType::Utf8View => pair.as_string_view().value(at),
                    DataType::LargeUtf8 => pair.as_string::<i64>().value(at),
                    _ => pair.as_string::<i32>().value(at),
                };
                self.offer(value.as_bytes());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::UInt8Array;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;

    fn accumulator(text_type: DataType) -> RangeAccumulator {
        RangeAccumulator::new(text_type)
    }

    fn texts(text_type: &DataType, values: &[Option<String>]) -> ArrayRef {
        match text_type {
            DataType::Utf8View => Arc::new(StringViewArray::from_iter(values.iter().cloned())),
            DataType::LargeUtf8 => Arc::new(LargeStringArray::from_iter(values.iter().cloned())),
            _ => Arc::new(StringArray::from_iter(values.iter().cloned())),
        }
    }

    /// Text that often shares prefixes: short, 4 bytes, around the 12 bytes a view holds,
    /// long, with NUL bytes and non-ASCII letters.
    fn random_text(rng: &mut StdRng) -> String {
        const PARTS: [&str; 9] = ["", "a", "ab", "ab\0", "user", "user0", "z", "é", "\0"];
        let pieces = rng.random_range(0..6);
        let mut text: String = (0..pieces)
            .map(|_| PARTS[rng.random_range(0..PARTS.len())])
            .collect();
        if rng.random_bool(0.3) {
            text.push_str(&rng.random_range(0..1_000_000u32).to_string());
        }
        text
    }

    #[test]
    fn extremes_equal_those_of_the_present_values_sorted() {
        let mut rng = StdRng::seed_from_u64(7);
        for text_type in [DataType::Utf8, DataType::LargeUtf8, DataType::Utf8View] {
            for round in 0..40 {
                let rows = rng.random_range(0..300);
                let values: Vec<Option<String>> = (0..rows)
                    .map(|_| rng.random_bool(0.9).then(|| random_text(&mut rng)))
                    .collect();
                // Code 0 (present) for most values; NULLs are never present.
                let codes: Vec<u8> = values
                    .iter()
                    .map(|v| u8::from(v.is_none() || rng.random_bool(0.2)))
                    .collect();
                let present: Vec<&[u8]> = values
                    .iter()
                    .zip(&codes)
                    .filter(|(_, code)| **code == 0)
                    .filter_map(|(v, _)| v.as_deref().map(str::as_bytes))
                    .collect();
                // Two accumulators over two halves, merged into a third through their state.
                let cut = rng.random_range(0..=rows);
                let mut whole = accumulator(text_type.clone());
                for (from, to) in [(0, cut), (cut, rows)] {
                    // Each half in batches of 1 to 40 rows.
                    let mut part = accumulator(text_type.clone());
                    let mut start = from;
                    while start < to {
                        let end = (start + rng.random_range(1..40)).min(to);
                        let batch = [
                            texts(&text_type, &values[start..end]),
                            Arc::new(UInt8Array::from(codes[start..end].to_vec())) as ArrayRef,
                        ];
                        part.update_batch(&batch).unwrap();
                        start = end;
                    }
                    let state = part.state().unwrap()[0].to_array().unwrap();
                    whole.merge_batch(&[state]).unwrap();
                }
                let (min, max) = decode(&whole.evaluate().unwrap());
                let expected = |value: Option<&&[u8]>| {
                    let text = value.map(|v| String::from_utf8(v.to_vec()).unwrap());
                    ScalarValue::try_from_array(&texts(&text_type, &[text]), 0).unwrap()
                };
                let context = format!("{text_type}, round {round}");
                assert_eq!(min, expected(present.iter().min()), "{context}");
                assert_eq!(max, expected(present.iter().max()), "{context}");
            }
        }
    }

    #[test]
    fn prefix_order_agrees_with_byte_order() {
        let texts = [
            "",
            "\0",
            "\0\0\0\0\0",
            "a",
            "a\0",
            "ab",
            "abcd",
            "abcde",
            "abd",
            "é",
        ];
        for a in texts {
            for b in texts {
                if prefix_of(a.as_bytes()) < prefix_of(b.as_bytes()) {
                    assert!(a < b, "{a:?} {b:?}");
                }
            }
            let views = StringViewArray::from(vec![a, &a.repeat(5)]);
            for (row, view) in views.views().iter().enumerate() {
                let value = views.value(row).as_bytes();
                assert_eq!(prefix_of_view(*view), prefix_of(value), "{value:?}");
            }
        }
    }

    #[test]
    fn a_later_batch_with_the_same_prefix_can_hold_the_extremes() {
        let mut range = accumulator(DataType::Utf8View);
        for batch in [["ab\0", "abc"], ["ab", "abc\0"]] {
            let batch = [
                Arc::new(StringViewArray::from(batch.to_vec())) as ArrayRef,
                Arc::new(UInt8Array::from(vec![0, 0])) as ArrayRef,
            ];
            range.update_batch(&batch).unwrap();
        }
        assert_eq!(
            decode(&range.evaluate().unwrap()),
            (
                ScalarValue::Utf8View(Some("ab".into())),
                ScalarValue::Utf8View(Some("abc\0".into()))
            )
        );
    }

    #[test]
    fn no_present_value_gives_nulls_of_the_column_type() {
        let mut range = accumulator(DataType::Utf8View);
        let batch = [
            texts(&DataType::Utf8View, &[Some("N/A".into()), None]),
            Arc::new(UInt8Array::from(vec![4, 1])) as ArrayRef,
        ];
        range.update_batch(&batch).unwrap();
        assert_eq!(
            decode(&range.evaluate().unwrap()),
            (ScalarValue::Utf8View(None), ScalarValue::Utf8View(None))
        );
    }
}
