//! A text column's values classified one by one into small codes ([`text_code`]: the shared
//! shell of [`super::shapes`] and [`super::personal`], which each supply only their rule), or
//! rewritten one by one ([`text_map`]: near-duplicate matching), as DataFusion functions. NULL stays NULL; dictionary-encoded text (pandas and polars categoricals) is
//! read through its values; other types give NULL.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray, UInt8Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::error::Result as DfResult;
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

/// `name(text)`: every value of `text` rewritten by `rule`, as `Utf8`.
pub fn text_map(name: &'static str, rule: fn(&str) -> String, text: Expr) -> Expr {
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
    rule: fn(&str) -> String,
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

fn mapped(array: &ArrayRef, rule: fn(&str) -> String) -> DfResult<StringArray> {
    let map = |value: Option<&str>| value.map(rule);
    Ok(match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().map(map).collect(),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().map(map).collect(),
        DataType::Utf8View => array.as_string_view().iter().map(map).collect(),
        _ => return mapped(&cast(array, &DataType::Utf8View)?, rule),
    })
}

fn codes(array: &ArrayRef, rule: fn(&str) -> u8) -> DfResult<UInt8Array> {
    let code = |value: Option<&str>| value.map(rule);
    Ok(match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().map(code).collect(),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().map(code).collect(),
        DataType::Utf8View => array.as_string_view().iter().map(code).collect(),
        DataType::Dictionary(_, _) => return codes(&cast(array, &DataType::Utf8View)?, rule),
        _ => UInt8Array::new_null(array.len()),
    })
}
