//! Freshness: how current the data is, from its newest event time or, without a time column,
//! from its newest file.
//!
//! Times are instants in UTC; naive timestamps are read as UTC. Rows are counted per bucket
//! (day, week or month, chosen from the span) so gaps in the arrival cadence show.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::ScalarValue;
use datafusion::functions::expr_fn::date_trunc;
use datafusion::logical_expr::{Expr, cast, ident, lit, when};

use crate::metrics::{BucketWidth, TimeBucket, TimeGap};
use crate::profile::value::instant;

/// The bucket width for a span: days up to two months, weeks up to two years, else months.
pub fn bucket_width(min: DateTime<Utc>, max: DateTime<Utc>) -> BucketWidth {
    let span = max - min;
    if span <= Duration::days(62) {
        BucketWidth::Day
    } else if span <= Duration::days(731) {
        BucketWidth::Week
    } else {
        BucketWidth::Month
    }
}

/// `column` as seconds on the UTC clock: tz-aware columns keep their instant, naive ones are
/// read as UTC.
fn utc_seconds(column: &str, data_type: &DataType) -> Expr {
    let utc_type = match data_type {
        DataType::Timestamp(_, Some(_)) => {
            DataType::Timestamp(TimeUnit::Second, Some("UTC".into()))
        }
        _ => DataType::Timestamp(TimeUnit::Second, None),
    };
    let seconds = cast(ident(column), utc_type.clone());
    // Outside years 1-9999 a value is a sentinel or garbage, and beyond chrono's range it
    // cannot be truncated to a day at all: such values fall in no bucket.
    let bound = |second: i64| {
        let timezone = match &utc_type {
            DataType::Timestamp(_, timezone) => timezone.clone(),
            _ => None,
        };
        lit(ScalarValue::TimestampSecond(Some(second), timezone))
    };
    when(
        seconds
            .clone()
            .between(bound(FIRST_BUCKETED_SECOND), bound(LAST_BUCKETED_SECOND)),
        seconds,
    )
    .end()
    .expect("a CASE with one branch")
}

/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, in seconds since the epoch.
const FIRST_BUCKETED_SECOND: i64 = -62_135_596_800;
const LAST_BUCKETED_SECOND: i64 = 253_402_300_799;

/// The bucket (day, week or month start, UTC) each row's `column` value falls in.
pub fn bucket(column: &str, data_type: &DataType, width: BucketWidth) -> Expr {
    date_trunc(lit(width.name()), utc_seconds(column, data_type))
}

/// The UTC day each row's `column` value falls in. The profile's one pass counts rows per day
/// before the span (and so the bucket width) is known; [`roll_up`] makes the buckets.
pub fn day(column: &str, data_type: &DataType) -> Expr {
    cast(utc_seconds(column, data_type), DataType::Date32)
}

/// Rows per bucket of `width`, oldest first, from the row counts per [`day`] (NULL left out).
/// Weeks start on Monday and months on the first, as `date_trunc` has them.
pub fn roll_up(days: &[(ScalarValue, u64)], width: BucketWidth) -> Vec<TimeBucket> {
    let mut buckets = std::collections::BTreeMap::new();
    for (value, rows) in days {
        let Some(day) = instant(value) else {
            continue;
        };
        let start = match width {
            BucketWidth::Day => Some(day),
            BucketWidth::Week => {
                Some(day - Duration::days(i64::from(day.weekday().num_days_from_monday())))
            }
            BucketWidth::Month => Utc
                .with_ymd_and_hms(day.year(), day.month(), 1, 0, 0, 0)
                .single(),
        };
        *buckets.entry(start.unwrap_or(day)).or_insert(0) += rows;
    }
    buckets
        .into_iter()
        .map(|(start, rows)| TimeBucket { start, rows })
        .collect()
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
fn next_bucket(start: DateTime<Utc>, width: BucketWidth) -> DateTime<Utc> {
    match width {
        BucketWidth::Day => start + Duration::days(1),
        BucketWidth::Week => start + Duration::weeks(1),
        BucketWidth::Month => {
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
pub fn gaps(buckets: &[TimeBucket], width: BucketWidth) -> Vec<TimeGap> {
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
        let found = gaps(&buckets, BucketWidth::Day);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].start, found[0].end, found[0].empty_buckets),
            (day(3), day(6), 3)
        );
        assert_eq!(found[1].empty_buckets, 1);
    }

    #[test]
    fn days_roll_up_to_monday_weeks_and_months() {
        // 2026-03-01 is a Sunday: its week starts on Monday 2026-02-23.
        let date =
            |d: u32| ScalarValue::Date32(Some((day(d) - DateTime::UNIX_EPOCH).num_days() as i32));
        let days = [
            (date(1), 2),
            (date(2), 3),
            (date(8), 4),
            (ScalarValue::Date32(None), 9),
        ];
        let shown = |buckets: Vec<TimeBucket>| {
            buckets
                .iter()
                .map(|b| (b.start.format("%F").to_string(), b.rows))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            shown(roll_up(&days, BucketWidth::Week)),
            [("2026-02-23".to_string(), 2), ("2026-03-02".to_string(), 7)]
        );
        assert_eq!(
            shown(roll_up(&days, BucketWidth::Month)),
            [("2026-03-01".to_string(), 9)]
        );
        assert_eq!(shown(roll_up(&days, BucketWidth::Day)).len(), 3);
    }

    #[test]
    fn width_follows_the_span() {
        assert_eq!(bucket_width(day(1), day(20)), BucketWidth::Day);
        assert_eq!(
            bucket_width(day(1), day(1) + Duration::days(300)),
            BucketWidth::Week
        );
        assert_eq!(
            bucket_width(day(1), day(1) + Duration::days(1000)),
            BucketWidth::Month
        );
        assert_eq!(
            next_bucket(
                Utc.with_ymd_and_hms(2025, 12, 1, 0, 0, 0).unwrap(),
                BucketWidth::Month
            )
            .year(),
            2026
        );
    }
}
