//! The missing-value rule as vectorised DataFusion functions, so the completeness pass reads
//! each value once in a tight loop instead of through trim/lower/IN-list expressions.
//!
//! * `readiness_missing_kind(c)`: per value 0 when present, else 1 + its [`Kind`]: the one
//!   place the rule runs. Everything below takes these codes, and DataFusion evaluates the
//!   call once per column however many aggregates use it (common subexpressions).
//! * `readiness_missing(k1, ..., kn)`: aggregate over the codes of every column; per column the
//!   NULL, NaN, empty and placeholder counts, then the number of rows with no missing value, as
//!   one `List<UInt64>`.
//! * `readiness_present(c, k)`: `c` with its missing values turned to NULL (min/max over present
//!   values, label classes).
//! * `readiness_float_bits(c)`: a float's bit pattern (one NaN, one zero), so approximate
//!   distinct counting has an integer to hash.
//!
//! The rule itself is [`Classifier::text`]: after trimming ASCII whitespace, empty text is
//! *empty*; `nan` in any case is *NaN*; a placeholder token in any case is a *placeholder*.
//! Long text with no whitespace at either end is decided by its length alone.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, UInt8Array, UInt64Array};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::compute::{cast, nullif};
use datafusion::arrow::datatypes::{
    DataType, Field, FieldRef, Float16Type, Float32Type, Float64Type, UInt8Type,
};
use datafusion::common::ScalarValue;
use datafusion::common::utils::SingleRowListArrayBuilder;
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, ColumnarValue, Expr, ScalarFunctionArgs,
    ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::dimensions::completeness::profile::Placeholders;

/// The kinds of missing value, in the order their counts are reported. Disjoint: a value is
/// the first kind it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Null = 0,
    Nan = 1,
    Empty = 2,
    Placeholder = 3,
}

/// Counts per [`Kind`].
pub const KINDS: usize = 4;

const fn is_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n' | 0x0B | 0x0C)
}

/// Decides whether a text value is missing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Classifier {
    tokens: Vec<String>,
    /// Trimmed text longer than this (bytes) is no token: lower-casing shrinks a character
    /// by at most a factor of three (the Kelvin sign is three bytes, `k` one).
    guard: usize,
    /// For ASCII text: the ASCII tokens and `nan` by their length (below 64), with their kind.
    by_length: Vec<Vec<(String, Kind)>>,
    /// First bytes that settle it at once: ASCII, not whitespace, and no token starts so
    /// (the lower case of an ASCII character is ASCII, so the trimmed, lowered text would
    /// start with it too).
    present_at_first: [bool; 256],
}

impl Classifier {
    pub fn new(placeholders: &Placeholders) -> Self {
        let tokens = placeholders.tokens().to_vec();
        let longest = tokens.iter().map(String::len).max().unwrap_or(0).max(3);
        let mut by_length = vec![Vec::new(); 64];
        let mut first_bytes = [false; 256];
        let kinds = tokens
            .iter()
            .map(|token| (token.as_str(), Kind::Placeholder))
            .chain([("nan", Kind::Nan)]);
        for (token, kind) in kinds {
            if token.is_ascii() && token.len() < 64 {
                by_length[token.len()].push((token.to_string(), kind));
            }
            let first = token.as_bytes()[0];
            first_bytes[usize::from(first.to_ascii_lowercase())] = true;
            first_bytes[usize::from(first.to_ascii_uppercase())] = true;
        }
        // `nan` first: a value is the first kind it matches.
        for tokens in &mut by_length {
            tokens.sort_by_key(|(_, kind)| *kind as u8);
        }
        let present_at_first =
            std::array::from_fn(|b| b < 0x80 && !is_whitespace(b as u8) && !first_bytes[b]);
        Self {
            tokens,
            guard: 4 * longest,
            by_length,
            present_at_first,
        }
    }

    /// The kind of missing value `text` is, if it is one.
    #[inline]
    pub fn text(&self, text: &str) -> Option<Kind> {
        let bytes = text.as_bytes();
        if bytes
            .first()
            .is_some_and(|&b| self.present_at_first[usize::from(b)])
        {
            return None;
        }
        // ASCII whitespace bytes never occur inside a multi-byte character: trim bytes.
        let Some(start) = bytes.iter().position(|b| !is_whitespace(*b)) else {
            return Some(Kind::Empty);
        };
        let end = bytes
            .iter()
            .rposition(|b| !is_whitespace(*b))
            .unwrap_or(start)
            + 1;
        let trimmed = &bytes[start..end];
        if trimmed.len() > self.guard {
            return None;
        }
        if trimmed.is_ascii() {
            // The lower case of ASCII text is ASCII: only an ASCII token of its length can match.
            let Some(tokens) = self.by_length.get(trimmed.len()) else {
                let is = |token: &str| trimmed.eq_ignore_ascii_case(token.as_bytes());
                return self.kind_of(is);
            };
            return tokens
                .iter()
                .find(|(token, _)| trimmed.eq_ignore_ascii_case(token.as_bytes()))
                .map(|(_, kind)| *kind);
        }
        let lower = text[start..end].to_lowercase();
        self.kind_of(|token| lower == token)
    }

    fn kind_of(&self, is: impl Fn(&str) -> bool) -> Option<Kind> {
        if is("nan") {
            Some(Kind::Nan)
        } else if self.tokens.iter().any(|token| is(token)) {
            Some(Kind::Placeholder)
        } else {
            None
        }
    }

    /// The code of every value of `array`: 0 when present, else 1 + its [`Kind`]. NULLs are
    /// marked first, from the validity bits; the rule then runs only on the other values.
    pub fn kinds(&self, array: &ArrayRef) -> DfResult<UInt8Array> {
        let mut codes = null_codes(array);
        match array.data_type() {
            DataType::Utf8 => {
                let text = array.as_string::<i32>();
                classify(&mut codes, |row| self.text(text.value(row)));
            }
            DataType::LargeUtf8 => {
                let text = array.as_string::<i64>();
                classify(&mut codes, |row| self.text(text.value(row)));
            }
            DataType::Utf8View => {
                // A view holds the length in its low 32 bits and the first bytes after them,
                // inline or as the prefix of a long value: most values are settled without
                // reading the data buffer.
                let text = array.as_string_view();
                let views = text.views();
                classify(&mut codes, |row| {
                    let view = views[row];
                    let first = usize::from((view >> 32) as u8);
                    if view as u32 != 0 && self.present_at_first[first] {
                        None
                    } else {
                        self.text(text.value(row))
                    }
                });
            }
            DataType::Dictionary(_, value) if crate::profile::value::is_text_type(value) => {
                return self.kinds(&cast(array, &DataType::Utf8View)?);
            }
            DataType::Float16 => {
                let floats = array.as_primitive::<Float16Type>().values().iter();
                mark_nan(&mut codes, floats.map(|v| v.is_nan()));
            }
            DataType::Float32 => {
                let floats = array.as_primitive::<Float32Type>().values().iter();
                mark_nan(&mut codes, floats.map(|v| v.is_nan()));
            }
            DataType::Float64 => {
                let floats = array.as_primitive::<Float64Type>().values().iter();
                mark_nan(&mut codes, floats.map(|v| v.is_nan()));
            }
            _ => {}
        }
        Ok(UInt8Array::from(codes))
    }
}

/// [`NULL_CODE`] for the NULL values of `array`, 0 for the others: 64 rows per validity word,
/// and nothing to do for a word of valid rows.
fn null_codes(array: &ArrayRef) -> Vec<u8> {
    let mut codes = vec![0u8; array.len()];
    let Some(nulls) = array.logical_nulls() else {
        return codes;
    };
    let from_word = |block: &mut [u8], word: u64| {
        for (bit, code) in block.iter_mut().enumerate() {
            *code = NULL_CODE * u8::from((word >> bit) & 1 == 0);
        }
    };
    let chunks = nulls.inner().bit_chunks();
    let mut blocks = codes.chunks_exact_mut(64);
    for (word, block) in chunks.iter().zip(&mut blocks) {
        if word != u64::MAX {
            from_word(block, word);
        }
    }
    from_word(blocks.into_remainder(), chunks.remainder_bits());
    codes
}

/// Runs the rule (`kind`, by row) on the values not marked NULL.
fn classify(codes: &mut [u8], kind: impl Fn(usize) -> Option<Kind>) {
    for (row, code) in codes.iter_mut().enumerate() {
        if *code == 0 {
            *code = kind(row).map_or(0, |kind| kind as u8 + 1);
        }
    }
}

/// Marks the NaN values (`is_nan`, one per row) among the non-NULL ones.
fn mark_nan(codes: &mut [u8], is_nan: impl Iterator<Item = bool>) {
    const NAN_CODE: u8 = Kind::Nan as u8 + 1;
    for (code, is_nan) in codes.iter_mut().zip(is_nan) {
        *code = if *code == 0 && is_nan {
            NAN_CODE
        } else {
            *code
        };
    }
}

const NULL_CODE: u8 = Kind::Null as u8 + 1;

/// `readiness_missing_kind(c)`: see the module docs.
#[derive(Debug, PartialEq, Eq, Hash)]
struct MissingKind {
    signature: Signature,
    classifier: Classifier,
}

/// The missing-value code of each value of `column`.
pub fn missing_kind(column: Expr, placeholders: &Placeholders) -> Expr {
    ScalarUDF::from(MissingKind {
        signature: Signature::any(1, Volatility::Immutable),
        classifier: Classifier::new(placeholders),
    })
    .call(vec![column])
}

impl ScalarUDFImpl for MissingKind {
    fn name(&self) -> &str {
        "readiness_missing_kind"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::UInt8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let array = args.args[0].clone().into_array(args.number_rows)?;
        Ok(ColumnarValue::Array(Arc::new(
            self.classifier.kinds(&array)?,
        )))
    }
}

/// The placeholder tokens a `readiness_missing_kind` function was built with, so a cluster
/// can build the same function; `None` for any other function.
#[cfg(feature = "ballista")]
pub fn placeholder_tokens(udf: &ScalarUDF) -> Option<&[String]> {
    let inner: &dyn std::any::Any = udf.inner().as_ref();
    inner
        .downcast_ref::<MissingKind>()
        .map(|kind| kind.classifier.tokens.as_slice())
}

/// `readiness_missing(k1, ..., kn)`: see the module docs.
#[derive(Debug, PartialEq, Eq, Hash)]
struct MissingCounts {
    signature: Signature,
}

/// The counts of every column and the complete rows, `4 * n + 1` values, from the columns'
/// [`missing_kind`] codes.
pub fn missing_counts(kinds: Vec<Expr>) -> Expr {
    AggregateUDF::from(MissingCounts {
        signature: Signature::variadic_any(Volatility::Immutable),
    })
    .call(kinds)
}

/// A fixed number of counts as one `List<UInt64>`: the state and result of the aggregates
/// that count several things at once (this one, [`super::filled`]).
pub(super) fn counts_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::UInt64, false)))
}

/// `counts` as a [`counts_type`] value.
pub(super) fn counts_scalar(counts: &[u64]) -> ScalarValue {
    SingleRowListArrayBuilder::new(Arc::new(UInt64Array::from(counts.to_vec())))
        .with_nullable(false)
        .build_list_scalar()
}

/// Adds the partial counts in `states` (a [`counts_type`] column) to `totals`, place by place.
pub(super) fn add_partial_counts(states: &ArrayRef, totals: &mut [u64]) {
    let lists = states.as_list::<i32>();
    for row in 0..lists.len() {
        if lists.is_null(row) {
            continue;
        }
        let partial = lists.value(row);
        let partial = partial.as_primitive::<datafusion::arrow::datatypes::UInt64Type>();
        for (total, count) in totals.iter_mut().zip(partial.values()) {
            *total += count;
        }
    }
}

impl AggregateUDFImpl for MissingCounts {
    fn name(&self) -> &str {
        "readiness_missing"
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

    fn accumulator(&self, args: AccumulatorArgs) -> DfResult<Box<dyn Accumulator>> {
        Ok(Box::new(MissingAccumulator {
            counts: vec![0; KINDS * args.exprs.len() + 1],
        }))
    }
}

#[derive(Debug)]
struct MissingAccumulator {
    /// Per column the four kinds, then the complete rows.
    counts: Vec<u64>,
}

impl MissingAccumulator {
    fn as_scalar(&self) -> ScalarValue {
        counts_scalar(&self.counts)
    }
}

impl Accumulator for MissingAccumulator {
    fn update_batch(&mut self, values: &[ArrayRef]) -> DfResult<()> {
        let Some(rows) = values.first().map(|array| array.len()) else {
            return Ok(());
        };
        if self.counts.len() != KINDS * values.len() + 1 {
            return Err(DataFusionError::Internal(format!(
                "readiness_missing: {} columns, expected {}",
                values.len(),
                (self.counts.len() - 1) / KINDS
            )));
        }
        // Per row, the OR of its columns' codes: 0 exactly when every value is present.
        let mut any_missing = vec![0u8; rows];
        for (column, array) in values.iter().enumerate() {
            let Some(codes) = array.as_primitive_opt::<UInt8Type>() else {
                return Err(DataFusionError::Internal(format!(
                    "readiness_missing takes missing-kind codes, not {}",
                    array.data_type()
                )));
            };
            // Branch-free loops the compiler vectorises: one OR, then one count per kind only
            // for a column that has missing values in this batch (most have none).
            let codes = codes.values();
            let mut seen = 0u8;
            for (row, &code) in any_missing.iter_mut().zip(codes.iter()) {
                *row |= code;
                seen |= code;
            }
            if seen == 0 {
                continue;
            }
            for (kind, total) in self.counts[KINDS * column..KINDS * (column + 1)]
                .iter_mut()
                .enumerate()
            {
                let code = kind as u8 + 1;
                *total += codes.iter().filter(|&&c| c == code).count() as u64;
            }
        }
        let complete_rows = any_missing.iter().filter(|&&code| code == 0).count();
        if let Some(slot) = self.counts.last_mut() {
            *slot += complete_rows as u64;
        }
        Ok(())
    }

    fn evaluate(&mut self) -> DfResult<ScalarValue> {
        Ok(self.as_scalar())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + 8 * self.counts.capacity()
    }

    fn state(&mut self) -> DfResult<Vec<ScalarValue>> {
        Ok(vec![self.as_scalar()])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> DfResult<()> {
        add_partial_counts(&states[0], &mut self.counts);
        Ok(())
    }
}

/// `readiness_present(c, k)`: see the module docs.
#[derive(Debug, PartialEq, Eq, Hash)]
struct Present {
    signature: Signature,
}

/// `column` with its missing values as NULL.
pub fn present(column: Expr, placeholders: &Placeholders) -> Expr {
    let kinds = missing_kind(column.clone(), placeholders);
    ScalarUDF::from(Present {
        signature: Signature::any(2, Volatility::Immutable),
    })
    .call(vec![column, kinds])
}

impl ScalarUDFImpl for Present {
    fn name(&self) -> &str {
        "readiness_present"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(arg_types[0].clone())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let rows = args.number_rows;
        let array = args.args[0].clone().into_array(rows)?;
        let kinds = args.args[1].clone().into_array(rows)?;
        let Some(codes) = kinds.as_primitive_opt::<UInt8Type>() else {
            return Err(DataFusionError::Internal(
                "readiness_present takes missing-kind codes".into(),
            ));
        };
        let missing = BooleanBuffer::collect_bool(rows, |row| codes.value(row) != 0);
        if missing.count_set_bits() == 0 {
            return Ok(ColumnarValue::Array(array));
        }
        // nullif shares the value buffers: no copy, and no re-validation of the text.
        let missing = BooleanArray::new(missing, None);
        Ok(ColumnarValue::Array(nullif(&array, &missing)?))
    }
}

/// `readiness_float_bits(c)`: see the module docs.
#[derive(Debug, PartialEq, Eq, Hash)]
struct FloatBits {
    signature: Signature,
}

/// A float column's values as their bit patterns (UInt64), NaNs and zeros made one each.
pub fn float_bits(column: Expr) -> Expr {
    ScalarUDF::from(FloatBits {
        signature: Signature::any(1, Volatility::Immutable),
    })
    .call(vec![column])
}

impl ScalarUDFImpl for FloatBits {
    fn name(&self) -> &str {
        "readiness_float_bits"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::UInt64)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let rows = args.number_rows;
        let array = args.args[0].clone().into_array(rows)?;
        let floats = cast(&array, &DataType::Float64)?;
        let floats = floats.as_primitive::<Float64Type>();
        let bits = |value: f64| {
            if value.is_nan() {
                f64::NAN.to_bits()
            } else if value == 0.0 {
                0
            } else {
                value.to_bits()
            }
        };
        let values: UInt64Array = floats.unary(bits);
        Ok(ColumnarValue::Array(Arc::new(values)))
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Float64Array, Int64Array, StringArray, StringViewArray};

    use super::*;

    fn classifier() -> Classifier {
        Classifier::new(&Placeholders::default_tokens())
    }

    #[test]
    fn the_rule_trims_and_ignores_case() {
        let c = classifier();
        assert_eq!(c.text(""), Some(Kind::Empty));
        assert_eq!(c.text(" \t\n"), Some(Kind::Empty));
        assert_eq!(c.text(" NaN "), Some(Kind::Nan));
        assert_eq!(c.text("n/A"), Some(Kind::Placeholder));
        assert_eq!(c.text("  UNKNOWN\t"), Some(Kind::Placeholder));
        // The Kelvin sign lower-cases to `k`, as DataFusion's lower() does.
        assert_eq!(c.text("un\u{212A}nown"), Some(Kind::Placeholder));
        assert_eq!(c.text("unknown person"), None);
        assert_eq!(c.text("a value much longer than any placeholder"), None);
        assert_eq!(
            c.text("                                                  "),
            Some(Kind::Empty)
        );
        assert_eq!(c.text("-"), Some(Kind::Placeholder));
        assert_eq!(c.text("0"), None);
        assert_eq!(c.text("no"), None);
        assert_eq!(c.text(" Na"), Some(Kind::Placeholder));
        // Custom tokens: non-ASCII ones, and `nan` among them still counts as NaN.
        let custom = Classifier::new(&Placeholders::new(&["Ñ/A", "nan", "x", "ninguno"]));
        assert_eq!(custom.text("ñ/a"), Some(Kind::Placeholder));
        assert_eq!(custom.text(" NAN"), Some(Kind::Nan));
        assert_eq!(custom.text("X"), Some(Kind::Placeholder));
        assert_eq!(custom.text("Ninguno "), Some(Kind::Placeholder));
        assert_eq!(custom.text("n/a"), None);
        assert_eq!(custom.text("ninguna"), None);
    }

    #[test]
    fn every_value_gets_the_code_of_its_kind() {
        let c = classifier();
        let codes = |array: ArrayRef| c.kinds(&array).unwrap().values().to_vec();
        let text = [Some("a"), None, Some(" "), Some("N/A"), Some("nan")];
        // present, NULL, empty, placeholder, NaN: 0, 1 + Kind.
        let expected = [0, 1, 3, 4, 2];
        assert_eq!(codes(Arc::new(StringArray::from(text.to_vec()))), expected);
        assert_eq!(
            codes(Arc::new(StringViewArray::from(text.to_vec()))),
            expected
        );
        let floats = Float64Array::from(vec![Some(1.0), Some(f64::NAN), None]);
        assert_eq!(codes(Arc::new(floats)), [0, 2, 1]);
        assert_eq!(
            codes(Arc::new(Int64Array::from(vec![Some(1), None]))),
            [0, 1]
        );
    }

    #[test]
    fn nulls_are_marked_across_validity_words_and_in_slices() {
        let c = classifier();
        // 200 rows, NULL where the row is a multiple of 3 or 7; NaN under some NULLs too.
        let is_null = |row: usize| row.is_multiple_of(3) || row.is_multiple_of(7);
        let validity: Vec<bool> = (0..200).map(|row| !is_null(row)).collect();
        // NaN under the NULLs as well: NULL wins.
        let floats = Float64Array::new(vec![f64::NAN; 200].into(), Some(validity.into()));
        let ints: Int64Array = (0..200).map(|row| (!is_null(row)).then_some(1)).collect();
        let texts: StringViewArray = (0..200).map(|row| (!is_null(row)).then_some("x")).collect();
        for (array, present) in [
            (Arc::new(floats) as ArrayRef, 2u8),
            (Arc::new(ints), 0),
            (Arc::new(texts), 0),
        ] {
            for offset in [0, 3, 64, 130] {
                let slice = array.slice(offset, 200 - offset);
                let expected: Vec<u8> = (offset..200)
                    .map(|row| if is_null(row) { 1 } else { present })
                    .collect();
                let got = c.kinds(&slice).unwrap().values().to_vec();
                assert_eq!(got, expected, "{} at {offset}", array.data_type());
            }
        }
    }
}
