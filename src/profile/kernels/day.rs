//! `readiness_utc_day(t)`: the UTC day (`Date32`) of each value of the timestamp column `t`,
//! NULL outside years 1-9999 (a sentinel or garbage, which falls in no bucket). It gives what
//! the casts `CAST(CAST(t AS Timestamp(s, UTC)) AS Date32)` with a range test give (the
//! instant of a tz-aware value, a naive value read as UTC; sub-second units truncated to the
//! second as arrow's cast truncates them), computed with two integer divisions instead of two
//! casts, a range CASE and a time-zone lookup per value.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Date32Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type, TimeUnit};
use datafusion::error::{DataFusionError, Result as DfResult};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, in seconds since the epoch.
pub const FIRST_BUCKETED_SECOND: i64 = -62_135_596_800;
pub const LAST_BUCKETED_SECOND: i64 = 253_402_300_799;

const SECONDS_PER_DAY: i64 = 86_400;

/// The UTC day of each value of the timestamp column `timestamp`.
pub fn utc_day(timestamp: Expr) -> Expr {
    ScalarUDF::from(UtcDay {
        signature: Signature::any(1, Volatility::Immutable),
    })
    .call(vec![timestamp])
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct UtcDay {
    signature: Signature,
}

impl ScalarUDFImpl for UtcDay {
    fn name(&self) -> &str {
        "readiness_utc_day"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> DfResult<DataType> {
        Ok(DataType::Date32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> DfResult<ColumnarValue> {
        let array = args.args[0].clone().into_array(args.number_rows)?;
        Ok(ColumnarValue::Array(days(&array)?))
    }
}

/// The day of each value of `array`, a timestamp array of any unit and time zone.
fn days(array: &ArrayRef) -> DfResult<ArrayRef> {
    let DataType::Timestamp(unit, _) = array.data_type() else {
        return Err(DataFusionError::Internal(format!(
            "readiness_utc_day takes timestamps, not {}",
            array.data_type()
        )));
    };
    let per_second = match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    };
    // Every timestamp type is an i64 in memory: arrow's cast reinterprets it, values kept.
    let values = cast(array, &DataType::Int64)?;
    let days: Date32Array = values.as_primitive::<Int64Type>().unary_opt(|value| {
        let second = value / per_second;
        (FIRST_BUCKETED_SECOND..=LAST_BUCKETED_SECOND)
            .contains(&second)
            .then(|| second.div_euclid(SECONDS_PER_DAY) as i32)
    });
    Ok(Arc::new(days))
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::AsArray;
    use datafusion::arrow::array::{
        TimestampMicrosecondArray, TimestampNanosecondArray, TimestampSecondArray,
    };
    use datafusion::arrow::compute::cast;

    use super::*;

    /// The day the casts give, for the values in range.
    fn by_casts(array: &ArrayRef) -> Date32Array {
        let utc = match array.data_type() {
            DataType::Timestamp(_, Some(_)) => Some("UTC".into()),
            _ => None,
        };
        let seconds = cast(array, &DataType::Timestamp(TimeUnit::Second, utc)).unwrap();
        cast(&seconds, &DataType::Date32)
            .unwrap()
            .as_primitive()
            .clone()
    }

    #[test]
    fn days_are_what_the_casts_give_and_out_of_range_values_none() {
        let micros = [
            Some(0),
            Some(-1),
            Some(-500_000),
            Some(-1_000_001),
            Some(86_400_000_000 - 1),
            Some(1_700_000_000_123_456),
            Some(-62_135_596_800_000_000),
            None,
        ];
        let naive: ArrayRef = Arc::new(TimestampMicrosecondArray::from(micros.to_vec()));
        let aware: ArrayRef =
            Arc::new(TimestampMicrosecondArray::from(micros.to_vec()).with_timezone("+05:30"));
        let nanos: ArrayRef = Arc::new(
            TimestampNanosecondArray::from(vec![Some(-1), Some(1_700_000_000_999_999_999)])
                .with_timezone("UTC"),
        );
        for array in [naive, aware, nanos] {
            let ours = days(&array).unwrap();
            assert_eq!(ours.as_primitive(), &by_casts(&array), "{array:?}");
        }
        // Outside years 1-9999: no day.
        let seconds: ArrayRef = Arc::new(TimestampSecondArray::from(vec![
            FIRST_BUCKETED_SECOND - 1,
            FIRST_BUCKETED_SECOND,
            LAST_BUCKETED_SECOND,
            LAST_BUCKETED_SECOND + 1,
            i64::MAX,
        ]));
        let ours = days(&seconds).unwrap();
        let ours = ours.as_primitive::<datafusion::arrow::datatypes::Date32Type>();
        assert_eq!(
            ours.iter().map(|d| d.is_some()).collect::<Vec<_>>(),
            [false, true, true, false, false]
        );
        assert_eq!(ours.value(1), -719_162);
        assert_eq!(ours.value(2), 2_932_896);
    }
}
