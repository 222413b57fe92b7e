//! Freshness: how current the data is, from its newest event time or, without a time column,
//! from its newest file.
//!
//! Times are instants in UTC; naive timestamps are read as UTC. Rows are counted per bucket
//! (day, week or month, chosen from the span) so gaps in the arrival cadence show.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::ScalarValue;
use datafusion::error::Result as DfResult;
use datafusion::functions::expr_fn::date_trunc;
use datafusion::logical_expr::{Expr, cast, ident, lit, when};
use futures::future::BoxFuture;

use crate::dimensions::completeness::profile::grouped_value_counts;
use crate::dimensions::privacy::profile as privacy;
use crate::metrics::{
    BucketWidth, DatasetMetrics, FreshnessMetrics, LagBasis, TimeBucket, TimeColumnBasis, TimeGap,
};
use crate::profile::ProfileOptions;
use crate::profile::kernels::counts;
use crate::profile::kernels::day::{FIRST_BUCKETED_SECOND, LAST_BUCKETED_SECOND, utc_day};
use crate::profile::pass::{Output, Part, Planning};
use crate::profile::value::{instant, is_time_type};

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

/// The bucket (day, week or month start, UTC) each row's `column` value falls in.
pub fn bucket(column: &str, data_type: &DataType, width: BucketWidth) -> Expr {
    date_trunc(lit(width.name()), utc_seconds(column, data_type))
}

/// The UTC day each row's `column` value falls in. The profile's one pass counts rows per day
/// before the span (and so the bucket width) is known; [`roll_up`] makes the buckets.
pub fn day(column: &str, data_type: &DataType) -> Expr {
    match data_type {
        DataType::Timestamp(_, _) => utc_day(ident(column)),
        _ => cast(utc_seconds(column, data_type), DataType::Date32),
    }
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

/// Freshness's part in the profile pass: the rows per day of the time column, counted in the
/// pass up to [`counts::MAX_DISTINCT`] days and rolled up into buckets; past that, a grouping
/// that spills counts the buckets.
impl Part for super::Freshness {
    fn aggregates(&self, planning: &Planning<'_>) -> Vec<(String, Expr)> {
        let columns = planning
            .fields
            .iter()
            .map(|f| (f.name().as_str(), f.data_type()));
        match chosen_time_column(columns, planning.options) {
            Ok((name, data_type, _)) => {
                let days = counts::value_counts(day(name, data_type), counts::MAX_DISTINCT);
                vec![(DAYS.to_string(), days)]
            }
            Err(_) => Vec::new(),
        }
    }

    fn measure<'a>(
        &'a self,
        output: &'a Output<'a>,
        metrics: &'a mut DatasetMetrics,
    ) -> BoxFuture<'a, DfResult<()>> {
        Box::pin(async move {
            let (mut freshness, time_column) = freshness_metrics(output, &mut metrics.notes);
            if let (Some((name, data_type)), Some(width)) = (time_column, freshness.bucket_width) {
                let days = output
                    .result(DAYS)
                    .and_then(|result| counts::decode(result, 0));
                freshness.buckets = match days {
                    Some(days) => roll_up(&days, width),
                    None => {
                        output.trace(&format!(
                            "time `{name}`: too many days for the profile pass, grouping"
                        ));
                        let bucket = bucket(&name, &data_type, width);
                        let counts = grouped_value_counts(output.frame, &[bucket]).await?;
                        buckets(&counts.into_iter().next().unwrap_or_default())
                    }
                };
                freshness.gaps = gaps(&freshness.buckets, width);
            }
            metrics.freshness = freshness;
            Ok(())
        })
    }
}

const DAYS: &str = "rows_per_day";

/// The time column freshness uses among `columns` (name, type), with how it was chosen
/// (`given`, or `auto` when it is the only timestamp or date column); otherwise the note
/// saying why there is none, if one is due.
pub fn chosen_time_column<'a>(
    columns: impl Iterator<Item = (&'a str, &'a DataType)> + Clone,
    options: &ProfileOptions,
) -> std::result::Result<(&'a str, &'a DataType, TimeColumnBasis), Option<String>> {
    match &options.time_column {
        Some(name) => match columns.clone().find(|(column, _)| column == name) {
            Some((column, data_type)) if is_time_type(data_type) => {
                Ok((column, data_type, TimeColumnBasis::Given))
            }
            Some((_, data_type)) => Err(Some(format!(
                "time column `{name}` holds {data_type} values, not timestamps or dates: freshness uses file times"
            ))),
            None => Err(Some(format!(
                "time column `{name}` is not in this dataset: freshness uses file times"
            ))),
        },
        None => {
            // A birth date is personal data, not when the data was made: never chosen by
            // default.
            let mut time_columns = columns.filter(|(name, data_type)| {
                is_time_type(data_type) && privacy::classify(name, &[]).is_none()
            });
            match (time_columns.next(), time_columns.next()) {
                (Some((column, data_type)), None) => Ok((column, data_type, TimeColumnBasis::Auto)),
                _ => Err(None),
            }
        }
    }
}

/// Freshness without the time buckets, and the time column to count them on when it has
/// values.
fn freshness_metrics(
    output: &Output<'_>,
    notes: &mut Vec<String>,
) -> (FreshnessMetrics, Option<(String, DataType)>) {
    let (plan, pass, options) = (output.plan, output.pass, output.options());
    let newest_file_modified = plan
        .readable_files()
        .map(|file| file.meta.last_modified)
        .max();
    // Without an event-time column, a table's last commit is when its data last changed.
    let (basis_time, basis) = match plan.table.as_ref().and_then(|t| t.lineage.last_commit_time) {
        Some(committed) => (Some(committed), LagBasis::CommitTime),
        None => (newest_file_modified, LagBasis::FileModified),
    };
    let mut metrics =
        FreshnessMetrics::without_time_column(options.now, basis_time, basis, newest_file_modified);
    let columns = pass.columns.iter().map(|c| (c.name.as_str(), &c.data_type));
    let (name, basis) = match chosen_time_column(columns, options) {
        Ok((name, _, basis)) => (name, basis),
        Err(note) => {
            notes.extend(note);
            return (metrics, None);
        }
    };
    let Some(column) = pass.columns.iter().find(|c| c.name == name) else {
        return (metrics, None);
    };
    metrics.time_column = Some(column.name.clone());
    metrics.time_column_basis = Some(basis);
    let (Some(min_time), Some(max_time)) = (instant(&column.min), instant(&column.max)) else {
        notes.push(format!(
            "time column `{}` has no values: freshness uses file times",
            column.name
        ));
        return (metrics, None);
    };
    let width = bucket_width(min_time, max_time);
    metrics.min_time = Some(min_time);
    metrics.max_time = Some(max_time);
    metrics.lag_seconds = Some((options.now - max_time).num_seconds());
    metrics.lag_basis = Some(LagBasis::EventTime);
    metrics.bucket_width = Some(width);
    (
        metrics,
        Some((column.name.clone(), column.data_type.clone())),
    )
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
