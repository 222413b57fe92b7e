//! readiness's own DataFusion functions: the deliberate exceptions to "built-in functions
//! only" (STYLE.md), each kept apart from the dimension logic that calls it. Each exists
//! because no built-in does the job in one read of the data:
//! - [`missing`]: per-column counts of null, NaN, blank and placeholder values, and complete
//!   rows, in one accumulator over all columns;
//! - [`conflicts`]: labelled rows whose feature fingerprint comes with another class, for
//!   conflicting labels in the profile pass;
//! - [`counts`]: bounded value counts (top values, label classes, rows per day), giving up
//!   past a limit instead of growing without bound;
//! - [`day`]: the UTC day of a timestamp by integer division, for rows per day (two casts
//!   and a range CASE per value before);
//! - [`filled`]: per column, the rows where it and a label are both filled, from validity
//!   bitmaps, for leakage suspects (a CASE per column before);
//! - [`keycounts`]: duplicate keys of one integer column, counted in the profile pass;
//! - [`pairs`]: rows per (value, class) pair by 64-bit keys, for leakage suspects (a value's
//!   most common class), the class's keys computed once for every column;
//! - [`personal`]: whether a text value is or contains an e-mail, card number, IBAN, IP
//!   address, national id or phone number, for personal data by value;
//! - [`sketch`]: a log-bucketed histogram of a numeric column, for its percentiles, histogram,
//!   outliers and negative values (deterministic however rows are split);
//! - [`rowhash`]: a 126-bit fingerprint of each row's encoding, and the distinct count of
//!   those fingerprints, for exact duplicate rows;
//! - [`shapes`]: how each text value is written (integer, date format, grouped number, ...),
//!   for format consistency;
//! - [`textrange`]: the smallest and largest present text values in one pass.
//!
//! Invariant: a kernel knows nothing of thresholds, findings or reports; partial states merge
//! associatively, so the same figures come from one partition or many (tested with
//! [`crate::profile::testing::partitioned`]).

use datafusion::arrow::array::{ArrayRef, AsArray};
use datafusion::arrow::compute::filter;
use datafusion::error::{DataFusionError, Result as DfResult};

pub mod conflicts;
pub mod counts;
pub mod day;
pub mod filled;
pub mod keycounts;
pub mod missing;
pub mod pairs;
pub mod personal;
pub mod rowhash;
pub mod shapes;
pub mod sketch;
pub mod textcode;
pub mod textrange;

/// An aggregate's input: `values[0]`, or when a second argument (a Boolean mask) is given only
/// its rows where the mask is true. Counting a window's values this way reads the rows in it,
/// not a CASE result as long as the batch with NULL everywhere else.
fn masked(values: &[ArrayRef]) -> DfResult<ArrayRef> {
    match values {
        [values, mask] => match mask.as_boolean_opt() {
            Some(mask) => Ok(filter(values, mask)?),
            None => Err(DataFusionError::Internal(format!(
                "an aggregate's mask is {}, not Boolean",
                mask.data_type()
            ))),
        },
        _ => Ok(values[0].clone()),
    }
}

/// The signature of an aggregate over one value, optionally masked (see [`masked`]).
fn one_value_maybe_masked() -> datafusion::logical_expr::Signature {
    use datafusion::logical_expr::{Signature, TypeSignature, Volatility};
    Signature::one_of(
        vec![TypeSignature::Any(1), TypeSignature::Any(2)],
        Volatility::Immutable,
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Array, BooleanArray, Int64Array};

    use super::*;

    #[test]
    fn a_mask_keeps_the_rows_where_it_is_true_and_must_be_boolean() {
        let values: ArrayRef = Arc::new(Int64Array::from(vec![Some(1), None, Some(3), Some(4)]));
        let mask: ArrayRef = Arc::new(BooleanArray::from(vec![
            Some(true),
            Some(true),
            None,
            Some(false),
        ]));
        let kept = masked(&[values.clone(), mask]).unwrap();
        let kept = kept.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
        assert_eq!(kept.iter().collect::<Vec<_>>(), vec![Some(1), None]);
        assert_eq!(masked(std::slice::from_ref(&values)).unwrap().len(), 4);
        assert!(masked(&[values.clone(), values]).is_err());
    }
}
