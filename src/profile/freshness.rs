//! Freshness: how current the data is, from its newest event time or, without a time column,
//! from its newest file.
//!
//! Times are instants in UTC; naive timestamps are read as UTC. Rows are counted per bucket
//! (day, week or month, chosen from the span) so gaps in the arrival cadence show.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::ScalarValue;
use datafusion::functions::expr_fn::date_trunc;
use datafusion::logical_expr::{Expr, cast, ident, lit};

use super::value::instant;
use crate::metrics::{TimeBucket, TimeGap};

/// The bucket width for a span: days up to two months, weeks up to two years, else months.
pub fn bucket_width(min: DateTime<Utc>, max: DateTime<Utc>) -> &'static str {
    let span = max - min;
    if span <= Duration::days(62) {
        "day"
    } else if span <= Duration::days(731) {
        "week"
    } else {
        "month"
    }
}

/// The bucket (day, week or month start, UTC) each row's `column` value falls in.
pub fn bucket(column: &str, data_type: &DataType, width: &str) -> Expr {
    // Same instant, UTC clock: tz-aware columns keep their instant, naive ones are read as UTC.
    let utc_type = match data_type {
        DataType::Timestamp(_, Some(_)) => {
            DataType::Timestamp(TimeUnit::Second, Some("UTC".into()))
        }
        _ => DataType::Timestamp(TimeUnit::Second, None),
    };
    date_trunc(lit(width), cast(ident(column), utc_type))
}

/// Rows per bucket, oldest first, from the row counts per [`bucket`] (NULL times left out).
pub fn buckets(counts: &[(ScalarValue, u64)]) -> Vec<TimeBucket> {
    let mut buckets: Vec<TimeBucket> = counts
        .iter()
        .filter_map(|(value, rows)| {
            Some(TimeBucket {
                start: instant(value)?,
                rows: *rows,
            })
        })
        .collect();
    buckets.sort_by_key(|bucket| bucket.start);
    buckets
}

/// The start of the bucket after `start`.
fn next_bucket(start: DateTime<Utc>, width: &str) -> DateTime<Utc> {
    match width {
        "day" => start + Duration::days(1),
        "week" => start + Duration::weeks(1),
        _ => {
            let (year, month) = if start.month() == 12 {
                (start.year() + 1, 1)
            } else {
                (start.year(), start.month() + 1)
            };
            Utc.with_ymd_and_hms(year, month, 1, 0, 0, 0)
                .single()
                .unwrap_or(start + Duration::days(31))
        }
    }
}

/// Runs of empty buckets between the first and the last non-empty one.
pub fn gaps(buckets: &[TimeBucket], width: &str) -> Vec<TimeGap> {
    let mut gaps = Vec::new();
    for pair in buckets.windows(2) {
        let expected = next_bucket(pair[0].start, width);
        if expected < pair[1].start {
            let mut empty_buckets = 0;
            let mut cursor = expected;
            while cursor < pair[1].start {
                empty_buckets += 1;
                cursor = next_bucket(cursor, width);
            }
            gaps.push(TimeGap {
                start: expected,
                end: pair[1].start,
                empty_buckets,
            });
        }
    }
    gaps
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, d, 0, 0, 0).unwrap()
    }

    #[test]
    fn gaps_are_runs_of_empty_buckets() {
        let buckets = [1, 2, 6, 7, 9]
            .map(|d| TimeBucket {
                start: day(d),
                rows: 1,
            })
            .to_vec();
        let found = gaps(&buckets, "day");
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].start, found[0].end, found[0].empty_buckets),
            (day(3), day(6), 3)
        );
        assert_eq!(found[1].empty_buckets, 1);
    }

    #[test]
    fn width_follows_the_span() {
        assert_eq!(bucket_width(day(1), day(20)), "day");
        assert_eq!(bucket_width(day(1), day(1) + Duration::days(300)), "week");
        assert_eq!(bucket_width(day(1), day(1) + Duration::days(1000)), "month");
        assert_eq!(
            next_bucket(Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap(), "month").year(),
            2026
        );
    }
}
