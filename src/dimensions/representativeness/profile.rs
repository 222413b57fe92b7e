//! Representativeness: the oldest and newest fifth of the time column's span, compared column
//! by column with the population stability index. Per compared column, one sketch
//! ([`sketch`]) or one count per value ([`counts::value_counts`]) for each window. When the
//! files state the time column's range (Parquet footers; for CSV the smallest and largest
//! text the walk saw in a column written as ISO dates), the windows are known before the read
//! and the profile pass counts them (for every column that may be compared); the windows are
//! then checked against the range the pass measured, and where they differ (or without a
//! stated range) a bounded extra pass reads only the rows in the two windows.
//!
//! Numeric columns are binned on the oldest window's deciles (read from its sketch; a value is
//! in a bin where its sketch bucket's middle is), text and boolean columns with at most
//! [`MAX_CATEGORIES`] values and [`ROWS_PER_CATEGORY`] rows per value by value (values under 1%
//! of both windows pooled). Only present
//! values are compared; the time column, other time columns, identifiers and load metadata
//! ([`set_aside`]), and text columns that are mostly numbers or dates written as text (their
//! values differ between any two periods; consistency, measured before, says which) are not.

use chrono::{DateTime, Utc};
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result as DfResult;
use datafusion::functions_aggregate::expr_fn::sum;
use datafusion::logical_expr::{Expr, lit, when};
use futures::future::BoxFuture;

use crate::dimensions::completeness::profile::{ColumnFigures, present_values};
use crate::dimensions::duplication::profile::set_aside;
use crate::dimensions::freshness::profile::chosen_time_column;
use crate::humanize::significant as number;
use crate::metrics::{
    ColumnShift, DatasetMetrics, Representativeness, Shape, ShiftBin, ShiftKind, TextFormats,
    TimeWindow,
};
use crate::profile::kernels::counts;
use crate::profile::kernels::sketch::{Sketch, sketch_where};
use crate::profile::pass::{Output, Part, Planning};
use crate::profile::value::{
    count_at, instant, is_text_type, is_time_type, to_json, utc_micros, utc_micros_lit,
};
use crate::profile::{Placeholders, ProfileOptions};

/// Each window is this share of the time span.
pub const WINDOW_SHARE: f64 = 0.2;

/// A column is compared only with at least this many present values in each window.
pub const MIN_VALUES: u64 = 50;

/// Text columns with more distinct values are not categories (free text, identifiers).
pub const MAX_CATEGORIES: usize = 1_000;

/// Text columns are compared as categories only with at least this many present values per
/// distinct value (so free text and codes unique to a row are not).
pub const ROWS_PER_CATEGORY: u64 = 20;

/// A category below this share of both windows is pooled into `other values`.
const POOLED_BELOW: f64 = 0.01;

/// A bin's share of 0 is taken as this in the index (the usual convention: the logarithm of
/// 0 has no value).
const EMPTY_SHARE: f64 = 0.0001;

const OLDEST_ROWS: &str = "oldest_rows";
const NEWEST_ROWS: &str = "newest_rows";

impl Part for super::Representativeness {
    /// With the time column's range stated by the files (Parquet footers, the CSV walk), the
    /// windows are known before the read, and the profile pass counts every column that may
    /// be compared in each window (which of them are compared waits for the pass's distinct
    /// counts and text shapes). Without it, [`Part::measure`] reads the windows in a pass of
    /// their own.
    fn aggregates(&self, planning: &Planning<'_>) -> Vec<(String, Expr)> {
        let Some((time, oldest, newest)) = planned_windows(planning) else {
            return Vec::new();
        };
        let options = planning.options;
        let columns: Vec<Column<'_>> = planning
            .fields
            .iter()
            .enumerate()
            .filter_map(|(index, field)| {
                let what = candidate(options, field.name(), field.data_type(), time)?;
                Some((index, field.name().as_str(), field.data_type(), what))
            })
            .collect();
        window_aggregates(time, &oldest, &newest, &columns, &options.placeholders)
    }

    fn measure<'a>(
        &'a self,
        output: &'a Output<'a>,
        metrics: &'a mut DatasetMetrics,
    ) -> BoxFuture<'a, DfResult<()>> {
        Box::pin(async move {
            // Consistency measured the text columns' shapes before (report order).
            let written_as_values: Vec<String> = metrics
                .columns
                .iter()
                .filter(|c| c.formats.as_ref().is_some_and(|f| !words(f)))
                .map(|c| c.name.clone())
                .collect();
            metrics.representativeness = match windows(output) {
                Ok((time, oldest, newest)) => {
                    let columns = compared_columns(output, &time.name, &written_as_values);
                    // The pass counted the windows when the files stated the range the pass
                    // then measured; otherwise (no stated range, or one that disagrees with
                    // the data) a pass of their own reads them.
                    let planned = planned_windows(output.planning).is_some_and(|(name, o, n)| {
                        name == time.name && o == oldest && n == newest
                    });
                    if planned && output.result(OLDEST_ROWS).is_some() {
                        output.trace("oldest and newest windows compared in the profile pass");
                        let result = |name: &str| output.result(name).cloned();
                        shifts(output, time, &columns, oldest, newest, result)
                    } else {
                        compare(output, time, &columns, oldest, newest).await?
                    }
                }
                Err(reason) => Representativeness {
                    not_assessed: Some(reason),
                    ..Default::default()
                },
            };
            Ok(())
        })
    }
}

/// A column that may be compared: its place among the pass's columns, name, type and how.
type Column<'a> = (usize, &'a str, &'a DataType, Compared);

/// The oldest and newest windows of the span from `min` to `max`; `None` for an empty span.
fn windows_of(min: DateTime<Utc>, max: DateTime<Utc>) -> Option<(TimeWindow, TimeWindow)> {
    let span = max - min;
    if span <= chrono::Duration::zero() {
        return None;
    }
    let window = chrono::Duration::microseconds(
        (span.num_microseconds().unwrap_or(i64::MAX) as f64 * WINDOW_SHARE) as i64,
    );
    let window_at = |start, end| TimeWindow {
        start,
        end,
        rows: 0,
    };
    Some((window_at(min, min + window), window_at(max - window, max)))
}

/// The time column and its windows as the files state its range, before the pass.
fn planned_windows<'a>(planning: &'a Planning<'a>) -> Option<(&'a str, TimeWindow, TimeWindow)> {
    let columns = planning
        .fields
        .iter()
        .map(|f| (f.name().as_str(), f.data_type()));
    let (time, _, _) = chosen_time_column(columns, planning.options).ok()?;
    let range = planning.time_ranges.iter().find(|r| r.column == time)?;
    let (oldest, newest) = windows_of(range.min, range.max)?;
    Some((time, oldest, newest))
}

/// The time column and the oldest and newest windows of its span, or why there are none.
fn windows<'a>(
    output: &'a Output<'a>,
) -> Result<(&'a ColumnFigures, TimeWindow, TimeWindow), String> {
    let columns = output
        .pass
        .columns
        .iter()
        .map(|c| (c.name.as_str(), &c.data_type));
    let (name, _, _) = chosen_time_column(columns.clone(), output.options()).map_err(|note| {
        let times: Vec<String> = columns
            .filter(|(_, data_type)| is_time_type(data_type))
            .map(|(name, _)| format!("`{name}`"))
            .collect();
        match (note, times.len()) {
            (Some(note), _) => note.replace(": freshness uses file times", ""),
            (None, 0) => "the data has no time column (timestamps or dates)".to_string(),
            (None, _) => format!(
                "{} are time columns: name the one that says when each row happened with --time",
                times.join(" and ")
            ),
        }
    })?;
    let time = output
        .pass
        .columns
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| format!("time column `{name}` was not measured"))?;
    let (Some(min), Some(max)) = (instant(&time.min), instant(&time.max)) else {
        return Err(format!("time column `{name}` has no values"));
    };
    let (oldest, newest) =
        windows_of(min, max).ok_or_else(|| format!("every row of `{name}` has the same time"))?;
    Ok((time, oldest, newest))
}

/// What is compared of a column.
#[derive(Clone, Copy)]
enum Compared {
    Numeric,
    Categorical,
}

/// Whether a text column's values are mostly words or yes/no, rather than numbers or dates
/// written as text (whose values would differ between any two periods).
fn words(formats: &TextFormats) -> bool {
    formats
        .shapes
        .first()
        .is_none_or(|s| matches!(s.shape, Shape::Text | Shape::Boolean))
}

/// The columns compared, and how.
fn compared_columns<'a>(
    output: &'a Output<'a>,
    time: &str,
    written_as_values: &[String],
) -> Vec<Column<'a>> {
    output
        .pass
        .columns
        .iter()
        .filter(|c| !written_as_values.contains(&c.name))
        .filter_map(|c| {
            let (index, _) = output.planning.fields.find(&c.name)?;
            Some((
                index,
                c.name.as_str(),
                &c.data_type,
                compared(output, c, time)?,
            ))
        })
        .collect()
}

/// How a column may be compared, from its name and type alone.
fn candidate(
    options: &ProfileOptions,
    name: &str,
    data_type: &DataType,
    time: &str,
) -> Option<Compared> {
    if name == time || set_aside(options, name) || is_time_type(data_type) {
        None
    } else if data_type.is_numeric() {
        Some(Compared::Numeric)
    } else if is_text_type(data_type) || data_type == &DataType::Boolean {
        Some(Compared::Categorical)
    } else {
        None
    }
}

fn compared(output: &Output<'_>, figures: &ColumnFigures, time: &str) -> Option<Compared> {
    let what = candidate(output.options(), &figures.name, &figures.data_type, time)?;
    if let Compared::Categorical = what {
        // Categories repeat: free text and codes unique to a row are not compared.
        let present = output
            .pass
            .row_count
            .saturating_sub(figures.missing_count());
        let few = figures.distinct_count.is_none_or(|n| {
            n as usize <= MAX_CATEGORIES && present >= ROWS_PER_CATEGORY * n.max(1)
        });
        return few.then_some(what);
    }
    Some(what)
}

/// Whether a row's time is in the oldest window, and in the newest.
fn in_windows(time: &str, oldest: &TimeWindow, newest: &TimeWindow) -> (Expr, Expr) {
    let at = utc_micros(time);
    (
        at.clone().lt(utc_micros_lit(oldest.end)),
        at.gt_eq(utc_micros_lit(newest.start)),
    )
}

/// The rows of each window, and per column (named by its place among the pass's columns) a
/// sketch or the counts per value of its present values in each window.
fn window_aggregates(
    time: &str,
    oldest: &TimeWindow,
    newest: &TimeWindow,
    columns: &[Column<'_>],
    placeholders: &Placeholders,
) -> Vec<(String, Expr)> {
    let (in_oldest, in_newest) = in_windows(time, oldest, newest);
    let one = |window: &Expr| {
        when(window.clone(), lit(1i64))
            .otherwise(lit(0i64))
            .expect("a CASE with one branch")
    };
    let mut aggregates = vec![
        (OLDEST_ROWS.to_string(), sum(one(&in_oldest))),
        (NEWEST_ROWS.to_string(), sum(one(&in_newest))),
    ];
    for (index, name, data_type, what) in columns {
        let values = present_values(name, data_type, placeholders);
        for (window, which) in [(&in_oldest, "oldest"), (&in_newest, "newest")] {
            let (values, window) = (values.clone(), window.clone());
            let aggregate = match what {
                Compared::Numeric => sketch_where(values, window),
                Compared::Categorical => counts::value_counts_where(values, window, MAX_CATEGORIES),
            };
            aggregates.push((format!("{which}_{index}"), aggregate));
        }
    }
    aggregates
}

/// The two windows' rows and every compared column's values, in one pass over the rows in
/// the windows.
async fn compare(
    output: &Output<'_>,
    time: &ColumnFigures,
    columns: &[Column<'_>],
    oldest: TimeWindow,
    newest: TimeWindow,
) -> DfResult<Representativeness> {
    output.trace("comparing the oldest and newest windows");
    let placeholders = &output.options().placeholders;
    let aggregates = window_aggregates(&time.name, &oldest, &newest, columns, placeholders)
        .into_iter()
        .map(|(name, aggregate)| aggregate.alias(name))
        .collect();
    let (in_oldest, in_newest) = in_windows(&time.name, &oldest, &newest);
    let rows = output
        .frame
        .clone()
        .filter(in_oldest.or(in_newest))?
        .aggregate(vec![], aggregates)?;
    let batches = crate::progress::collect(rows, "representativeness").await?;
    let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) else {
        return Ok(Representativeness::default());
    };
    let result = |name: &str| batch.column_by_name(name).cloned();
    Ok(shifts(output, time, columns, oldest, newest, result))
}

/// The windows' figures and each compared column's shift, from the counted aggregates.
fn shifts(
    output: &Output<'_>,
    time: &ColumnFigures,
    columns: &[Column<'_>],
    mut oldest: TimeWindow,
    mut newest: TimeWindow,
    result: impl Fn(&str) -> Option<ArrayRef>,
) -> Representativeness {
    oldest.rows = result(OLDEST_ROWS).map_or(0, |r| count_at(&r, 0));
    newest.rows = result(NEWEST_ROWS).map_or(0, |r| count_at(&r, 0));
    let timed = output.pass.row_count.saturating_sub(time.missing_count());
    let mut shifts = Vec::new();
    for (index, name, _, what) in columns {
        let (Some(old), Some(new)) = (
            result(&format!("oldest_{index}")),
            result(&format!("newest_{index}")),
        ) else {
            continue;
        };
        let shift = match what {
            Compared::Numeric => match (Sketch::decode(&old), Sketch::decode(&new)) {
                (Some(old), Some(new)) => Some(numeric_shift(&old, &new)),
                _ => None,
            },
            Compared::Categorical => match (counts::decode(&old, 0), counts::decode(&new, 0)) {
                (Some(old), Some(new)) => Some(categorical_shift(&old, &new)),
                _ => None,
            },
        };
        let Some((kind, bins, oldest_values, newest_values)) = shift else {
            continue;
        };
        if oldest_values < MIN_VALUES || newest_values < MIN_VALUES {
            continue;
        }
        shifts.push(ColumnShift {
            column: name.to_string(),
            kind,
            psi: psi(&bins),
            oldest_values,
            newest_values,
            sampling_psi: sampling_psi(bins.len(), oldest_values, newest_values),
            bins,
        });
    }
    shifts.sort_by(|a, b| b.psi.total_cmp(&a.psi).then(a.column.cmp(&b.column)));
    Representativeness {
        time_column: Some(time.name.clone()),
        not_assessed: None,
        newest_share: crate::profile::value::fraction(newest.rows, timed),
        oldest: Some(oldest),
        newest: Some(newest),
        columns: shifts,
    }
}

type Shift = (ShiftKind, Vec<ShiftBin>, u64, u64);

/// A shift is judged only when its index is at least this many times the index of sampling
/// alone ([`sampling_psi`]): for ten bins, about four standard deviations above it.
pub const SAMPLING_MULTIPLE: f64 = 3.0;

/// The population stability index two samples of `oldest` and `newest` values from one
/// distribution show on average over `bins` bins: the index is approximately
/// (1/oldest + 1/newest) times a chi-square variable with bins - 1 degrees of freedom.
pub fn sampling_psi(bins: usize, oldest: u64, newest: u64) -> f64 {
    if oldest == 0 || newest == 0 {
        return f64::INFINITY;
    }
    bins.saturating_sub(1) as f64 * (1.0 / oldest as f64 + 1.0 / newest as f64)
}

/// The population stability index of the bins.
pub fn psi(bins: &[ShiftBin]) -> f64 {
    bins.iter()
        .map(|bin| {
            let (old, new) = (bin.oldest.max(EMPTY_SHARE), bin.newest.max(EMPTY_SHARE));
            (new - old) * (new / old).ln()
        })
        .sum()
}

/// Both windows binned on the oldest window's deciles.
pub fn numeric_shift(old: &Sketch, new: &Sketch) -> Shift {
    let mut edges: Vec<f64> = (1..10).map(|d| old.percentile(d as f64 / 10.0)).collect();
    edges.dedup();
    let binned = |sketch: &Sketch| {
        let mut counts = vec![0u64; edges.len() + 1];
        for (value, count) in sketch.middles() {
            counts[edges.partition_point(|edge| *edge < value)] += count;
        }
        counts
    };
    let (old_counts, new_counts) = (binned(old), binned(new));
    let label = |bin: usize| match (bin.checked_sub(1).map(|b| edges[b]), edges.get(bin)) {
        (None, Some(upper)) => format!("≤ {}", number(*upper)),
        (Some(lower), Some(upper)) => format!("({}, {}]", number(lower), number(*upper)),
        (Some(lower), None) => format!("> {}", number(lower)),
        (None, None) => "all values".to_string(),
    };
    let (old_total, new_total) = (old.count(), new.count());
    let bins = (0..=edges.len())
        .map(|bin| ShiftBin {
            label: label(bin),
            oldest: share(old_counts[bin], old_total),
            newest: share(new_counts[bin], new_total),
            pooled: false,
        })
        .collect();
    (ShiftKind::Numeric, bins, old_total, new_total)
}

/// Both windows by value, the values under 1% of both pooled.
pub fn categorical_shift(old: &[(ScalarValue, u64)], new: &[(ScalarValue, u64)]) -> Shift {
    let present = |counts: &[(ScalarValue, u64)]| -> Vec<(String, u64)> {
        counts
            .iter()
            .filter(|(value, _)| !value.is_null())
            .map(|(value, count)| (label(value), *count))
            .collect()
    };
    let (old, new) = (present(old), present(new));
    let total = |counts: &[(String, u64)]| counts.iter().map(|(_, n)| n).sum::<u64>();
    let (old_total, new_total) = (total(&old), total(&new));
    let count_of = |counts: &[(String, u64)], value: &str| {
        counts
            .iter()
            .find(|(v, _)| v == value)
            .map_or(0, |(_, n)| *n)
    };
    let mut values: Vec<&String> = old.iter().chain(&new).map(|(v, _)| v).collect();
    values.sort();
    values.dedup();
    let mut bins: Vec<ShiftBin> = Vec::new();
    let mut pooled = ShiftBin {
        label: "other values".to_string(),
        oldest: 0.0,
        newest: 0.0,
        pooled: true,
    };
    for value in values {
        let bin = ShiftBin {
            label: value.clone(),
            oldest: share(count_of(&old, value), old_total),
            newest: share(count_of(&new, value), new_total),
            pooled: false,
        };
        if bin.oldest < POOLED_BELOW && bin.newest < POOLED_BELOW {
            pooled.oldest += bin.oldest;
            pooled.newest += bin.newest;
        } else {
            bins.push(bin);
        }
    }
    bins.sort_by(|a, b| {
        b.oldest
            .total_cmp(&a.oldest)
            .then(b.newest.total_cmp(&a.newest))
            .then(a.label.cmp(&b.label))
    });
    if pooled.oldest > 0.0 || pooled.newest > 0.0 {
        bins.push(pooled);
    }
    (ShiftKind::Categorical, bins, old_total, new_total)
}

fn label(value: &ScalarValue) -> String {
    match to_json(value) {
        serde_json::Value::String(text) => text,
        other => other.to_string(),
    }
}

fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bin(oldest: f64, newest: f64) -> ShiftBin {
        ShiftBin {
            label: String::new(),
            oldest,
            newest,
            pooled: false,
        }
    }

    #[test]
    fn the_index_of_equal_windows_is_zero_and_grows_with_the_shift() {
        assert_eq!(psi(&[bin(0.5, 0.5), bin(0.5, 0.5)]), 0.0);
        // (0.75 - 0.25) ln 3 + (0.25 - 0.75) ln (1/3) = ln 3
        let shifted = psi(&[bin(0.25, 0.75), bin(0.75, 0.25)]);
        assert!((shifted - 3f64.ln()).abs() < 1e-12, "{shifted}");
        // An empty bin counts as 0.0001.
        let vanished = psi(&[bin(0.5, 0.0), bin(0.5, 1.0)]);
        let expected = (0.0001 - 0.5) * (0.0001f64 / 0.5).ln() + 0.5 * 2f64.ln();
        assert!((vanished - expected).abs() < 1e-12, "{vanished}");
    }

    #[test]
    fn sampling_alone_gives_small_windows_an_index_the_check_leaves_alone() {
        // 150 values a window over ten bins: 9 x (1/150 + 1/150) = 0.12 from sampling alone.
        assert!((sampling_psi(10, 150, 150) - 0.12).abs() < 1e-12);
        assert_eq!(sampling_psi(10, 0, 150), f64::INFINITY);
        // Two windows of 150 values drawn from one uniform distribution over ten bins (a
        // fixed linear congruential stream): above the 0.1 warning, yet under three times
        // what sampling alone gives.
        let mut state: u64 = 7;
        let mut draw = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) % 10) as usize
        };
        let mut counts = |n: usize| {
            let mut bins = [0u32; 10];
            (0..n).for_each(|_| bins[draw()] += 1);
            bins
        };
        let (old, new) = (counts(150), counts(150));
        let bins: Vec<ShiftBin> = old
            .iter()
            .zip(&new)
            .map(|(o, n)| bin(f64::from(*o) / 150.0, f64::from(*n) / 150.0))
            .collect();
        let index = psi(&bins);
        assert!(index > 0.1, "{index}");
        assert!(
            index < SAMPLING_MULTIPLE * sampling_psi(10, 150, 150),
            "{index}"
        );
        // The planted shift of the sample tickets (120 values a window, three bins) is far
        // beyond it: 13.05 against 2 x (1/120 + 1/120) = 0.033.
        assert!(13.05 > SAMPLING_MULTIPLE * sampling_psi(3, 120, 120));
    }

    #[test]
    fn categories_are_compared_by_value_with_rare_ones_pooled() {
        let text = |s: &str| ScalarValue::Utf8(Some(s.into()));
        let old = [(text("email"), 180), (text("phone"), 20)];
        let new = [
            (text("chat"), 120),
            (text("phone"), 78),
            (text("fax"), 1),
            (text("post"), 1),
            (ScalarValue::Utf8(None), 5),
        ];
        let (kind, bins, old_total, new_total) = categorical_shift(&old, &new);
        assert_eq!(kind, ShiftKind::Categorical);
        assert_eq!((old_total, new_total), (200, 200));
        let labels: Vec<&str> = bins.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["email", "phone", "chat", "other values"]);
        assert_eq!((bins[0].oldest, bins[0].newest), (0.9, 0.0));
        assert_eq!((bins[1].oldest, bins[1].newest), (0.1, 0.39));
        assert_eq!((bins[3].oldest, bins[3].newest), (0.0, 0.01));
    }
}
