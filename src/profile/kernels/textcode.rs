//! A text column's values classified one by one into small codes ([`text_code`]: the shared
//! shell of [`super::shapes`] and [`super::personal`], which each supply only their rule), or
//! rewritten one by one ([`text_map`]: near-duplicate matching), as DataFusion functions. NULL stays NULL; dictionary-encoded text (pandas and polars categoricals) is
//! read through its values; other types give NULL.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, StringArray, StringBuilder, UInt8Array, UInt64Array,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::arrow::datatypes::{Field, FieldRef, UInt8Type, UInt64Type};
use datafusion::common::ScalarValue;
use datafusion::common::utils::SingleRowListArrayBuilder;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDF, AggregateUDFImpl};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

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

/// `name(text)`: every value of `text` rewritten by `rule` (which writes into the buffer it
/// is given, cleared for each value), as `Utf8`.
pub fn text_map(name: &'static str, rule: fn(&str, &mut String), text: Expr) -> Expr {
    ScalarUDF::from(TextMap {
        name,
        rule,
        signature: Signature::any(1, Volatility::Immutable),
    })
    .call(vec![text])
}

#[derive(Debug)]
struct TextMap {
    /// Names one rule: two functions are the same when their names are.
    name: &'static str,
    rule: fn(&str, &mut String),
    signature: Signature,
}

impl PartialEq for TextMap {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for TextMap {}

impl std::hash::Hash for TextMap {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
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
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let array = args.args[0].clone().into_array(args.number_rows)?;
        Ok(ColumnarValue::Array(Arc::new(mapped(&array, self.rule)?)))
    }
}

fn mapped(array: &ArrayRef, rule: fn(&str, &mut String)) -> DfResult<StringArray> {
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
    rule: fn(&str, &mut String),
) -> StringArray {
    let mut out = StringBuilder::with_capacity(len, 0);
    let mut buffer = String::new();
    for row in 0..len {
        if nulls.is_some_and(|n| n.is_null(row)) {
            out.append_null();
            continue;
        }
        buffer.clear();
        rule(value(row), &mut buffer);
        out.append_value(&buffer);
    }
    out.finish()
}

fn codes(array: &ArrayRef, rule: fn(&str) -> u8) -> DfResult<UInt8Array> {
    let nulls = array.nulls();
    Ok(match array.data_type() {
        DataType::Utf8 => {
            let text = array.as_string::<i32>();
            code_rows(text.len(), nulls, |row| text.value(row), rule)
        }
        DataType::LargeUtf8 => {
            let text = array.as_string::<i64>();
            code_rows(text.len(), nulls, |row| text.value(row), rule)
        }
        DataType::Utf8View => {
            let text = array.as_string_view();
            code_rows(text.len(), nulls, |row| text.value(row), rule)
        }
        DataType::Dictionary(_, _) => return codes(&cast(array, &DataType::Utf8View)?, rule),
        _ => UInt8Array::new_null(array.len()),
    })
}

/// The code of every row's value, the NULLs kept as the input's validity bits (their code
/// slots hold 0 and are never read).
fn code_rows<'a>(
    len: usize,
    nulls: Option<&NullBuffer>,
    value: impl Fn(usize) -> &'a str,
    rule: fn(&str) -> u8,
) -> UInt8Array {
    let codes: Vec<u8> = (0..len)
        .map(|row| match nulls.is_some_and(|n| n.is_null(row)) {
            true => 0,
            false => rule(value(row)),
        })
        .collect();
    UInt8Array::new(codes.into(), nulls.cloned())
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
