//! A text column's values classified one by one into small codes ([`text_code`]: the shared
//! shell of [`super::shapes`] and [`super::personal`], which each supply only their rule), or
//! rewritten one by one ([`text_map`]: near-duplicate matching), as DataFusion functions. NULL stays NULL; dictionary-encoded text (pandas and polars categoricals) is
//! read through its values; other types give NULL.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Decimal128Array, StringArray, StringBuilder, UInt8Array, UInt64Array,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::datatypes::{Field, FieldRef, UInt8Type, UInt64Type};
use datafusion::common::utils::SingleRowListArrayBuilder;
use datafusion::common::{HashMap, ScalarValue};
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDF, AggregateUDFImpl};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use super::rowhash::HASH_TYPE;

/// `name(text)`: `rule` applied to every value of `text`.
pub fn text_code(name: &'static str, rule: fn(&str) -> u8, text: Expr) -> Expr {
    ScalarUDF::from(TextCode {
        name,
        rule,
        signature: Signature::any(1, Volatility::Immutable),
    })
    .call(vec![text])
}

#[derive(Debug)]
struct TextCode {
    /// Names one rule: two functions are the same when their names are.
    name: &'static str,
    rule: fn(&str) -> u8,
    signature: Signature,
}

impl PartialEq for TextCode {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for TextCode {}

impl std::hash::Hash for TextCode {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl ScalarUDFImpl for TextCode {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::UInt8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let array = args.args[0].clone().into_array(args.number_rows)?;
        Ok(ColumnarValue::Array(Arc::new(codes(&array, self.rule)?)))
    }
}

/// How a value is rewritten: as UTF-8, into the buffer it is given (cleared for each value).
pub type Rewrite = fn(&str, &mut Vec<u8>);

/// `name(text)`: every value of `text` rewritten by `rule`, as `Utf8`.
pub fn text_map(name: &'static str, rule: Rewrite, text: Expr) -> Expr {
    ScalarUDF::from(TextMap {
        name,
        rule,
        fingerprinted: false,
        signature: Signature::any(1, Volatility::Immutable),
    })
    .call(vec![text])
}

/// [`text_map`] and [`text_hash`]: the rewritten text, or its fingerprint.
#[derive(Debug)]
struct TextMap {
    /// Names one rule: two functions are the same when their names are.
    name: &'static str,
    rule: Rewrite,
    fingerprinted: bool,
    signature: Signature,
}

impl PartialEq for TextMap {
    fn eq(&self, other: &Self) -> bool {
        (self.name, self.fingerprinted) == (other.name, other.fingerprinted)
    }
}

impl Eq for TextMap {}

impl std::hash::Hash for TextMap {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (self.name, self.fingerprinted).hash(state);
    }
}

impl ScalarUDFImpl for TextMap {
    fn name(&self) -> &str {
        self.name
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(match self.fingerprinted {
            true => HASH_TYPE,
            false => DataType::Utf8,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let array = args.args[0].clone().into_array(args.number_rows)?;
        Ok(ColumnarValue::Array(match self.fingerprinted {
            true => Arc::new(fingerprints(&array, self.rule)?),
            false => Arc::new(mapped(&array, self.rule)?),
        }))
    }
}

fn mapped(array: &ArrayRef, rule: Rewrite) -> DfResult<StringArray> {
    let nulls = array.nulls();
    Ok(match array.data_type() {
        DataType::Utf8 => {
            let text = array.as_string::<i32>();
            map_rows(text.len(), nulls, |row| text.value(row), rule)
        }
        DataType::LargeUtf8 => {
            let text = array.as_string::<i64>();
            map_rows(text.len(), nulls, |row| text.value(row), rule)
        }
        DataType::Utf8View => {
            let text = array.as_string_view();
            map_rows(text.len(), nulls, |row| text.value(row), rule)
        }
        _ => return mapped(&cast(array, &DataType::Utf8View)?, rule),
    })
}

/// Every row's value rewritten through one reused buffer, straight into the output.
fn map_rows<'a>(
    len: usize,
    nulls: Option<&NullBuffer>,
    value: impl Fn(usize) -> &'a str,
    rule: Rewrite,
) -> StringArray {
    let mut out = StringBuilder::with_capacity(len, 0);
    let mut buffer = Vec::new();
    for row in 0..len {
        if nulls.is_some_and(|n| n.is_null(row)) {
            out.append_null();
            continue;
        }
        buffer.clear();
        rule(value(row), &mut buffer);
        out.append_value(String::from_utf8_lossy(&buffer));
    }
    out.finish()
}

fn codes(array: &ArrayRef, rule: fn(&str) -> u8) -> DfResult<UInt8Array> {
    let (codes, nulls) = per_value(array, rule)?;
    Ok(UInt8Array::new(codes.into(), nulls))
}

/// Values a batch remembers the result of, at most: past it, values are still looked up but no
/// more are added (a column of unique values costs one lookup each, and bounded memory).
const REMEMBERED: usize = 4_096;

/// `f` of every present value of the text array `array` (0/default where NULL, the NULLs
/// returned as validity), each distinct value computed once per batch: a dictionary's values
/// once each, other text through a memo of the batch's first 4,096 distinct values (short
/// views keyed by the view itself, longer text by its bytes).
pub(super) fn per_value<T: Copy + Default>(
    array: &ArrayRef,
    mut f: impl FnMut(&str) -> T,
) -> DfResult<(Vec<T>, Option<NullBuffer>)> {
    let nulls = array.logical_nulls();
    let is_null = |row: usize| nulls.as_ref().is_some_and(|n| n.is_null(row));
    let values: Vec<T> = match array.data_type() {
        DataType::Utf8 => {
            let text = array.as_string::<i32>();
            let mut memo = Memo::default();
            (0..text.len())
                .map(|row| match is_null(row) {
                    true => T::default(),
                    false => memo.text(text.value(row), &mut f),
                })
                .collect()
        }
        DataType::LargeUtf8 => {
            let text = array.as_string::<i64>();
            let mut memo = Memo::default();
            (0..text.len())
                .map(|row| match is_null(row) {
                    true => T::default(),
                    false => memo.text(text.value(row), &mut f),
                })
                .collect()
        }
        DataType::Utf8View => {
            let text = array.as_string_view();
            let mut memo = Memo::default();
            text.views()
                .iter()
                .enumerate()
                .map(|(row, view)| {
                    if is_null(row) {
                        return T::default();
                    }
                    // A value of at most 12 bytes is wholly in its view: the view is its key.
                    if *view as u32 <= 12 {
                        return memo.inline(*view, || f(text.value(row)));
                    }
                    memo.text(text.value(row), &mut f)
                })
                .collect()
        }
        DataType::Dictionary(_, value) if is_text(value) => {
            let dictionary = array.as_any_dictionary();
            let (of_values, _) = per_value(dictionary.values(), f)?;
            dictionary
                .normalized_keys()
                .into_iter()
                .enumerate()
                .map(|(row, key)| match is_null(row) {
                    true => T::default(),
                    false => of_values.get(key).copied().unwrap_or_default(),
                })
                .collect()
        }
        _ => {
            return Ok((
                vec![T::default(); array.len()],
                Some(NullBuffer::new_null(array.len())),
            ));
        }
    };
    Ok((values, nulls))
}

/// Results already computed in one batch, by value (short views by the view itself).
struct Memo<'a, T> {
    /// The latest short views' results, one slot per view by a hash of it: a column of a few
    /// dozen short values (codes, countries, yes/no) finds nearly every value here with one
    /// multiplication and one comparison, before the hash map.
    recent: [(u128, T); RECENT],
    inline: Remembered<HashMap<u128, T>>,
    text: Remembered<HashMap<&'a str, T>>,
}

/// Slots of [`Memo::recent`].
const RECENT: usize = 64;

/// No view: its length (the low 32 bits) would be 4 GiB, and a short view's is at most 12.
const NO_VIEW: u128 = u128::MAX;

/// The slot of `view` in [`Memo::recent`].
fn recent_slot(view: u128) -> usize {
    let mixed = ((view as u64) ^ ((view >> 64) as u64)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed >> 58) as usize
}

/// A memo, and whether it pays: a batch whose values rarely repeat (e-mail addresses, free
/// text, identifiers) stops looking values up after [`TRIAL`] lookups that found less than a
/// quarter of them, and computes every value from then on.
struct Remembered<M> {
    memo: M,
    lookups: u32,
    found: u32,
    given_up: bool,
}

/// Lookups after which a memo that rarely finds a value is given up for the batch.
const TRIAL: u32 = 512;

impl<M: Default> Default for Remembered<M> {
    fn default() -> Self {
        Self {
            memo: M::default(),
            lookups: 0,
            found: 0,
            given_up: false,
        }
    }
}

impl<M> Remembered<M> {
    fn counted(&mut self, found: bool) {
        self.lookups += 1;
        self.found += u32::from(found);
        if self.lookups == TRIAL && self.found < TRIAL / 4 {
            self.given_up = true;
        }
    }
}

impl<T: Copy + Default> Default for Memo<'_, T> {
    fn default() -> Self {
        Self {
            recent: [(NO_VIEW, T::default()); RECENT],
            inline: Remembered::default(),
            text: Remembered::default(),
        }
    }
}

impl<'a, T: Copy> Memo<'a, T> {
    fn inline(&mut self, view: u128, f: impl FnOnce() -> T) -> T {
        let slot = &mut self.recent[recent_slot(view)];
        if slot.0 == view {
            return slot.1;
        }
        let found = Self::remembered(&mut self.inline, view, f);
        *slot = (view, found);
        found
    }

    fn remembered(memo: &mut Remembered<HashMap<u128, T>>, view: u128, f: impl FnOnce() -> T) -> T {
        if memo.given_up {
            return f();
        }
        let known = memo.memo.get(&view).copied();
        memo.counted(known.is_some());
        if let Some(found) = known {
            return found;
        }
        let found = f();
        if memo.memo.len() < REMEMBERED {
            memo.memo.insert(view, found);
        }
        found
    }

    fn text(&mut self, value: &'a str, f: &mut impl FnMut(&str) -> T) -> T {
        let memo = &mut self.text;
        if memo.given_up {
            return f(value);
        }
        let known = memo.memo.get(value).copied();
        memo.counted(known.is_some());
        if let Some(found) = known {
            return found;
        }
        let found = f(value);
        if memo.memo.len() < REMEMBERED {
            memo.memo.insert(value, found);
        }
        found
    }
}

fn is_text(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// `name(text)`: the 126-bit fingerprint ([`super::rowhash::HASH_TYPE`]) of every value of
/// `text` rewritten by `rule`, NULL kept: what [`text_map`] gives, for comparing rows without
/// writing the rewritten text out.
pub fn text_hash(name: &'static str, rule: Rewrite, text: Expr) -> Expr {
    ScalarUDF::from(TextMap {
        name,
        rule,
        fingerprinted: true,
        signature: Signature::any(1, Volatility::Immutable),
    })
    .call(vec![text])
}

/// Every value rewritten by `rule` and fingerprinted, each distinct value once per batch.
fn fingerprints(array: &ArrayRef, rule: Rewrite) -> DfResult<Decimal128Array> {
    let mut buffer = Vec::new();
    let (hashes, nulls) = per_value(array, |value| {
        buffer.clear();
        rule(value, &mut buffer);
        super::rowhash::fingerprint(&buffer)
    })?;
    Ok(Decimal128Array::new(hashes.into(), nulls).with_data_type(HASH_TYPE))
}

/// `readiness_code_counts(c)`: rows per code of the `UInt8` codes `c` (from [`text_code`]),
/// NULL left out, as a `List<UInt64>` of 256 counts: a fixed array per partition, where
/// general value counts would hash every row.
pub fn code_counts(codes: Expr) -> Expr {
    AggregateUDF::from(CodeCounts {
        signature: Signature::any(1, Volatility::Immutable),
    })
    .call(vec![codes])
}

/// The rows per code from a [`code_counts`] result, the codes with rows only.
pub fn decode_code_counts(result: &ArrayRef) -> Option<Vec<(u8, u64)>> {
    let lists = result.as_list_opt::<i32>()?;
    if lists.is_null(0) {
        return None;
    }
    let values = lists.value(0);
    let counts = values.as_primitive_opt::<UInt64Type>()?;
    Some(
        counts
            .values()
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(code, n)| (code as u8, *n))
            .collect(),
    )
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CodeCounts {
    signature: Signature,
}

fn counts_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::UInt64, true)))
}

impl AggregateUDFImpl for CodeCounts {
    fn name(&self) -> &str {
        "readiness_code_counts"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(counts_type())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> DfResult<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "counts"),
            counts_type(),
            true,
        ))])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(CodeCountsAccumulator([0; 256])))
    }
}

#[derive(Debug)]
struct CodeCountsAccumulator([u64; 256]);

impl CodeCountsAccumulator {
    fn list(&self) -> ScalarValue {
        let counts = UInt64Array::from(self.0.to_vec());
        ScalarValue::List(Arc::new(
            SingleRowListArrayBuilder::new(Arc::new(counts)).build_list_array(),
        ))
    }
}

impl Accumulator for CodeCountsAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let codes = cast(&values[0], &DataType::UInt8)?;
        let codes = codes.as_primitive::<UInt8Type>();
        match codes.nulls() {
            None => codes
                .values()
                .iter()
                .for_each(|c| self.0[usize::from(*c)] += 1),
            Some(nulls) => {
                for (code, valid) in codes.values().iter().zip(nulls.iter()) {
                    self.0[usize::from(*code)] += u64::from(valid);
                }
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        let lists = states[0].as_list::<i32>();
        for row in 0..lists.len() {
            if lists.is_null(row) {
                continue;
            }
            let counts = lists.value(row);
            for (total, n) in self
                .0
                .iter_mut()
                .zip(counts.as_primitive::<UInt64Type>().values())
            {
                *total += n;
            }
        }
        Ok(())
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        Ok(vec![self.list()])
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        Ok(self.list())
    }

    fn size(&self) -> usize {
        size_of_val(self)
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{DictionaryArray, StringViewArray};
    use datafusion::arrow::datatypes::Int32Type;

    use super::*;

    fn length(value: &str) -> u8 {
        value.len() as u8
    }

    #[test]
    fn every_layout_of_text_gives_each_value_its_own_result() {
        let values = [
            Some("a"),
            None,
            Some("a long value past twelve bytes"),
            Some("a"),
            Some("a long value past twelve bytes"),
            Some(""),
        ];
        let expected: Vec<Option<u8>> = values.iter().map(|v| v.map(length)).collect();
        let arrays: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(values.to_vec())),
            Arc::new(StringViewArray::from(values.to_vec())),
            Arc::new(
                values
                    .iter()
                    .copied()
                    .collect::<DictionaryArray<Int32Type>>(),
            ),
        ];
        for array in arrays {
            let codes = codes(&array, length).unwrap();
            let got: Vec<Option<u8>> = codes.iter().collect();
            assert_eq!(got, expected, "{}", array.data_type());
        }
    }

    /// Many short values, more than the recent slots and the memo hold, sharing slots: each
    /// value still gets its own result.
    #[test]
    fn short_values_sharing_a_recent_slot_keep_their_own_results() {
        fn checksum(value: &str) -> u8 {
            value
                .bytes()
                .fold(7u8, |sum, b| sum.wrapping_mul(31).wrapping_add(b))
        }
        let mut state = 1u64;
        let values: Vec<Option<String>> = (0..50_000)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                let pick = state >> 33;
                // Mostly a few dozen values, some of 6,000 (past the memo's 4,096), some NULL.
                match pick % 10 {
                    0 => None,
                    1..=3 => Some(format!("v{}", pick % 6_000)),
                    _ => Some(format!("c{}", pick % 40)),
                }
            })
            .collect();
        let array: ArrayRef = Arc::new(StringViewArray::from(values.clone()));
        let got: Vec<Option<u8>> = codes(&array, checksum).unwrap().iter().collect();
        let expected: Vec<Option<u8>> = values.iter().map(|v| v.as_deref().map(checksum)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn equal_rewritten_values_have_equal_fingerprints() {
        fn lower(value: &str, out: &mut Vec<u8>) {
            out.extend_from_slice(value.to_lowercase().as_bytes());
        }
        let array: ArrayRef = Arc::new(StringViewArray::from(vec![
            Some("Pro"),
            Some("PRO"),
            Some("basic"),
            None,
        ]));
        let udf = TextMap {
            name: "lower",
            rule: lower,
            fingerprinted: true,
            signature: Signature::any(1, Volatility::Immutable),
        };
        let field = Arc::new(Field::new("t", DataType::Utf8View, true));
        let args = ScalarFunctionArgs {
            args: vec![ColumnarValue::Array(array)],
            arg_fields: vec![field],
            number_rows: 4,
            return_field: Arc::new(Field::new("h", HASH_TYPE, true)),
            config_options: Arc::new(Default::default()),
        };
        let ColumnarValue::Array(result) = udf.invoke_with_args(args).unwrap() else {
            panic!("an array");
        };
        let hashes = result.as_primitive::<datafusion::arrow::datatypes::Decimal128Type>();
        assert_eq!(hashes.value(0), hashes.value(1));
        assert_ne!(hashes.value(0), hashes.value(2));
        assert!(hashes.is_null(3) && !hashes.is_null(2));
    }
}
