//! How a value read from the data becomes a JSON value and an instant.
//!
//! Numbers stay numbers (non-finite floats become strings), times become RFC 3339 in UTC
//! (naive timestamps are read as UTC), everything else is shown as text.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{Expr, cast, ident, lit};
use serde_json::{Number, Value};

/// The value at `row` of `array`, as a scalar (`Null` where it cannot be read).
pub fn scalar_at(array: &ArrayRef, row: usize) -> ScalarValue {
    ScalarValue::try_from_array(array, row).unwrap_or(ScalarValue::Null)
}

/// A count from an aggregate result (`0` for NULL, e.g. a SUM over no rows).
pub fn count_at(array: &ArrayRef, row: usize) -> u64 {
    match scalar_at(array, row) {
        ScalarValue::Int64(Some(v)) => u64::try_from(v).unwrap_or(0),
        ScalarValue::UInt64(Some(v)) => v,
        ScalarValue::Int32(Some(v)) => u64::try_from(v).unwrap_or(0),
        ScalarValue::UInt32(Some(v)) => u64::from(v),
        _ => 0,
    }
}

/// `part / whole`, `None` for an empty whole.
pub fn fraction(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The instant a time value stands for, in UTC.
pub fn instant(value: &ScalarValue) -> Option<DateTime<Utc>> {
    let from_unit = |value: i64, unit: TimeUnit| -> Option<DateTime<Utc>> {
        let nanos = match unit {
            TimeUnit::Second => value.checked_mul(1_000_000_000)?,
            TimeUnit::Millisecond => value.checked_mul(1_000_000)?,
            TimeUnit::Microsecond => value.checked_mul(1_000)?,
            TimeUnit::Nanosecond => value,
        };
        Some(Utc.timestamp_nanos(nanos))
    };
    match value {
        ScalarValue::TimestampSecond(Some(v), _) => from_unit(*v, TimeUnit::Second),
        ScalarValue::TimestampMillisecond(Some(v), _) => from_unit(*v, TimeUnit::Millisecond),
        ScalarValue::TimestampMicrosecond(Some(v), _) => from_unit(*v, TimeUnit::Microsecond),
        ScalarValue::TimestampNanosecond(Some(v), _) => from_unit(*v, TimeUnit::Nanosecond),
        ScalarValue::Date32(Some(days)) => {
            let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)?;
            let date = epoch.checked_add_signed(chrono::Duration::days(i64::from(*days)))?;
            Some(Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0)?))
        }
        ScalarValue::Date64(Some(millis)) => from_unit(*millis, TimeUnit::Millisecond),
        _ => None,
    }
}

/// True for the column types freshness can use.
pub fn is_time_type(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64
    )
}

/// The instant of time column `name` as microseconds on the UTC clock, comparable with
/// [`utc_micros_lit`]: tz-aware values keep their instant, naive ones are read as UTC, dates
/// are their midnight. A naive timestamp is not cast to a time zone: arrow looks up the zone's
/// offset value by value for that, even for UTC.
pub fn utc_micros(name: &str) -> Expr {
    cast(
        ident(name),
        DataType::Timestamp(TimeUnit::Microsecond, None),
    )
}

/// `instant` as a literal to compare [`utc_micros`] with.
pub fn utc_micros_lit(instant: DateTime<Utc>) -> Expr {
    lit(ScalarValue::TimestampMicrosecond(
        Some(instant.timestamp_micros()),
        None,
    ))
}

/// A scalar as JSON.
pub fn to_json(value: &ScalarValue) -> Value {
    if value.is_null() {
        return Value::Null;
    }
    if let Some(time) = instant(value) {
        return Value::String(time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
    }
    match value {
        ScalarValue::Boolean(Some(b)) => Value::Bool(*b),
        ScalarValue::Int8(Some(v)) => Value::from(*v),
        ScalarValue::Int16(Some(v)) => Value::from(*v),
        ScalarValue::Int32(Some(v)) => Value::from(*v),
        ScalarValue::Int64(Some(v)) => Value::from(*v),
        ScalarValue::UInt8(Some(v)) => Value::from(*v),
        ScalarValue::UInt16(Some(v)) => Value::from(*v),
        ScalarValue::UInt32(Some(v)) => Value::from(*v),
        ScalarValue::UInt64(Some(v)) => Value::from(*v),
        ScalarValue::Float32(Some(v)) => float(f64::from(*v)),
        ScalarValue::Float64(Some(v)) => float(*v),
        ScalarValue::Utf8(Some(s))
        | ScalarValue::Utf8View(Some(s))
        | ScalarValue::LargeUtf8(Some(s)) => Value::String(s.clone()),
        ScalarValue::Dictionary(_, inner) => to_json(inner),
        other => Value::String(other.to_string()),
    }
}

fn float(v: f64) -> Value {
    Number::from_f64(v).map_or_else(|| Value::String(v.to_string()), Value::Number)
}

/// True when the column holds text.
pub fn is_text_type(data_type: &DataType) -> bool {
    match data_type {
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => true,
        DataType::Dictionary(_, value) => is_text_type(value),
        _ => false,
    }
}

/// True for floating-point columns (the only ones that can hold NaN).
pub fn is_float_type(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Float16 | DataType::Float32 | DataType::Float64
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{
        Array, AsArray, Date32Array, RecordBatch, TimestampMicrosecondArray, TimestampSecondArray,
    };
    use datafusion::arrow::compute::cast;
    use datafusion::arrow::datatypes::TimestampMicrosecondType;
    use datafusion::prelude::SessionContext;

    use super::*;

    /// `utc_micros` gives the instants the cast to `Timestamp(us, UTC)` gives (the cast it
    /// replaced), without a time-zone lookup, and compares with its literals.
    #[tokio::test]
    async fn utc_micros_are_the_instants_the_utc_cast_gives() {
        let micros = vec![Some(0), Some(-1), Some(1_700_000_000_123_456), None];
        let seconds = vec![Some(0), Some(-86_401), Some(1_700_000_000), None];
        let columns: Vec<(&str, ArrayRef)> = vec![
            (
                "naive",
                Arc::new(TimestampMicrosecondArray::from(micros.clone())),
            ),
            (
                "aware",
                Arc::new(TimestampMicrosecondArray::from(micros).with_timezone("+05:30")),
            ),
            (
                "seconds",
                Arc::new(TimestampSecondArray::from(seconds).with_timezone("UTC")),
            ),
            (
                "day",
                Arc::new(Date32Array::from(vec![
                    Some(0),
                    Some(-1),
                    Some(19_000),
                    None,
                ])),
            ),
        ];
        let batch = RecordBatch::try_from_iter(columns.clone()).unwrap();
        let frame = SessionContext::new().read_batch(batch).unwrap();
        let at = utc_micros_lit(Utc.timestamp_opt(1_000, 0).unwrap());
        let mut selected = Vec::new();
        for (name, _) in &columns {
            selected.push(utc_micros(name).alias(format!("{name}_at")));
            selected.push(
                utc_micros(name)
                    .lt(at.clone())
                    .alias(format!("{name}_before")),
            );
        }
        let result = frame.select(selected).unwrap().collect().await.unwrap();
        let result = &result[0];
        let utc = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
        for (name, array) in &columns {
            let expected = cast(array, &utc).unwrap();
            let expected = expected.as_primitive::<TimestampMicrosecondType>();
            let ours = result.column_by_name(&format!("{name}_at")).unwrap();
            let ours = ours.as_primitive::<TimestampMicrosecondType>();
            assert_eq!(ours.values(), expected.values(), "{name}");
            assert_eq!(ours.nulls(), expected.nulls(), "{name}");
            let before = result.column_by_name(&format!("{name}_before")).unwrap();
            let expected_before: Vec<Option<bool>> = expected
                .iter()
                .map(|v| v.map(|v| v < 1_000_000_000))
                .collect();
            assert_eq!(
                before.as_boolean().iter().collect::<Vec<_>>(),
                expected_before
            );
        }
    }
}
