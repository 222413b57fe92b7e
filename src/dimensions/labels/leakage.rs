//! Leakage suspects: columns that may give a label away, counted in the profile pass (no read
//! of their own). Three rules ([`LeakageRule`]):
//! - **value purity**: for a column with at most [`MAX_VALUES`] values and at least
//!   [`ROWS_PER_VALUE`] labelled rows per value, the rows per (value, class) give the share of
//!   labelled rows whose class is their value's most common one; weighed against the majority
//!   class's share, which any column reaches;
//! - **filled with the label**: a column filled when the label is set and empty when it is not
//!   (filled in labelled rows against unlabelled ones, from the pass's missing counts);
//! - **after the time**: a time column whose values are later than the row's time (the time
//!   column's) in labelled rows: known only after the event the label describes.
//!
//! Not compared: the label columns, the time column, identifiers, load metadata and
//! `--ignore` columns ([`set_aside`]). Each rule needs [`MIN_ROWS`] rows to say anything.

use datafusion::arrow::datatypes::FieldRef;
use datafusion::common::HashMap;
use datafusion::functions_aggregate::expr_fn::sum;
use datafusion::logical_expr::{Expr, ident, lit, when};

use super::profile::class;
use crate::dimensions::completeness::profile::present_values;
use crate::dimensions::duplication::profile::set_aside;
use crate::dimensions::freshness::profile::chosen_time_column;
use crate::metrics::{LeakageEvidence, LeakageRule};
use crate::profile::kernels::filled::{self, filled_where};
use crate::profile::kernels::pairs::{self, pair_counts};
use crate::profile::pass::{Output, Planning};
use crate::profile::value::{count_at, is_time_type, utc_micros};

/// A column with more values than this is not compared by value purity.
pub const MAX_VALUES: u64 = 1_000;

/// Value purity needs this many labelled rows per value on average (so an identifier, or a
/// column with a value per handful of rows, is not pure by chance).
pub const ROWS_PER_VALUE: u64 = 20;

/// Rows each rule needs: labelled rows with a value (purity, after the time), unlabelled rows
/// and filled labelled rows (filled with the label).
pub const MIN_ROWS: u64 = 20;

/// Evidence below this strength is not recorded.
pub const RECORDED_FROM: f64 = 0.5;

/// The columns compared with the label columns, and the time column, as planned.
fn compared<'a>(planning: &'a Planning<'a>) -> (Vec<&'a FieldRef>, Option<&'a str>) {
    let options = planning.options;
    let columns = planning
        .fields
        .iter()
        .map(|f| (f.name().as_str(), f.data_type()));
    let time = chosen_time_column(columns, options)
        .ok()
        .map(|(name, _, _)| name);
    let compared = planning
        .fields
        .iter()
        .filter(|f| {
            !options.label_columns.contains(f.name())
                && Some(f.name().as_str()) != time
                && !set_aside(options, f.name())
        })
        .collect();
    (compared, time)
}

/// What the profile pass counts for label `label` (its place among the label columns): per
/// compared column the labelled rows in which it is filled, the rows per (value, class) pair
/// (not for time columns; given up past [`MAX_VALUES`] values; not under a memory limit that keeps
/// the row sets out of the pass) and, for time columns, the labelled
/// rows with both times and those later than the time column.
pub fn aggregates(planning: &Planning<'_>, label: usize, field: &FieldRef) -> Vec<(String, Expr)> {
    let placeholders = &planning.options.placeholders;
    let class = class(field.name(), field.data_type(), placeholders);
    let ones = |condition: Expr| {
        when(class.clone().is_not_null().and(condition), lit(1i64))
            .otherwise(lit(0i64))
            .expect("a CASE with one branch")
    };
    let (columns, time) = compared(planning);
    let values =
        |column: &FieldRef| present_values(column.name(), column.data_type(), placeholders);
    // Per compared column, the labelled rows in which it is filled: one read of validity bits.
    let mut aggregates = Vec::new();
    if !columns.is_empty() {
        let filled = filled_where(class.clone(), columns.iter().map(|c| values(c)).collect());
        aggregates.push((format!("leakage_{label}_filled"), filled));
    }
    for (index, column) in columns.iter().enumerate() {
        let name = |what: &str| format!("leakage_{label}_{what}_{index}");
        if is_time_type(column.data_type()) {
            if let Some(time) = time {
                let later = utc_micros(column.name()).gt(utc_micros(time));
                let both = ident(column.name())
                    .is_not_null()
                    .and(ident(time).is_not_null());
                aggregates.push((name("after"), sum(ones(later))));
                aggregates.push((name("timed"), sum(ones(both))));
            }
        } else if planning.sets_in_memory {
            // Up to MAX_VALUES values a column (more are not compared): not under a memory
            // limit too tight for the sets.
            aggregates.push((
                name("pairs"),
                pair_counts(values(column), class.clone(), MAX_VALUES as usize),
            ));
        }
    }
    aggregates
}

/// The suspects of label `label` (its place among the label columns), strongest first, from
/// what the profile pass counted.
pub fn suspects(output: &Output<'_>, label: usize, labelled: u64) -> Vec<LeakageEvidence> {
    let pass = output.pass;
    let (columns, _) = compared(output.planning);
    if labelled < MIN_ROWS {
        return Vec::new();
    }
    let unlabelled = pass.row_count.saturating_sub(labelled);
    let filled_in_labelled = output
        .result(&format!("leakage_{label}_filled"))
        .and_then(filled::decode)
        .unwrap_or_default();
    let measured: std::collections::HashMap<&str, _> = pass
        .columns
        .iter()
        .map(|figures| (figures.name.as_str(), figures))
        .collect();
    let mut found = Vec::new();
    for (index, column) in columns.iter().enumerate() {
        let result = |what: &str| output.result(&format!("leakage_{label}_{what}_{index}"));
        let figure = |what: &str| result(what).map_or(0, |r| count_at(r, 0));
        let Some(figures) = measured.get(column.name().as_str()) else {
            continue;
        };
        let evidence = |rule, strength: f64, rows, observed, baseline| LeakageEvidence {
            column: column.name().clone(),
            rule,
            strength,
            rows,
            observed,
            baseline,
        };
        let filled_labelled = filled_in_labelled.get(index).copied().unwrap_or(0);
        let filled = pass.row_count.saturating_sub(figures.missing_count());
        let filled_unlabelled = filled.saturating_sub(filled_labelled);
        if unlabelled >= MIN_ROWS && filled_labelled >= MIN_ROWS {
            let with = filled_labelled as f64 / labelled as f64;
            let without = filled_unlabelled as f64 / unlabelled as f64;
            let strength = (1.0 - without / with).max(0.0);
            found.push(evidence(
                LeakageRule::FilledWithLabel,
                strength,
                pass.row_count,
                with,
                without,
            ));
        }
        if let Some(pairs) = result("pairs").and_then(pairs::decode)
            && let Some((pure, majority, rows)) = purity(&pairs)
        {
            let values = distinct_values(&pairs);
            let few = values <= MAX_VALUES;
            if few && rows >= MIN_ROWS && rows >= ROWS_PER_VALUE * values && majority < rows {
                // (purity - majority share) / (1 - majority share), in rows.
                let strength = pure.saturating_sub(majority) as f64 / (rows - majority) as f64;
                found.push(evidence(
                    LeakageRule::ValuePurity,
                    strength,
                    rows,
                    pure as f64 / rows as f64,
                    majority as f64 / rows as f64,
                ));
            }
        }
        let timed = figure("timed");
        if timed >= MIN_ROWS {
            let share = figure("after") as f64 / timed as f64;
            found.push(evidence(LeakageRule::AfterTime, share, timed, share, 0.0));
        }
    }
    found.retain(|e| e.strength >= RECORDED_FROM);
    found.sort_by(|a, b| {
        b.strength
            .total_cmp(&a.strength)
            .then(a.column.cmp(&b.column))
    });
    found
}

fn distinct_values(pairs: &[(u64, u64, u64)]) -> u64 {
    let mut values: Vec<u64> = pairs.iter().map(|(v, _, _)| *v).collect();
    values.sort_unstable();
    values.dedup();
    values.len() as u64
}

/// The rows whose class is their value's most common one, the rows of the majority class, and
/// all rows, from the rows per (value, class); `None` without rows.
pub fn purity(pairs: &[(u64, u64, u64)]) -> Option<(u64, u64, u64)> {
    let rows: u64 = pairs.iter().map(|(_, _, n)| n).sum();
    if rows == 0 {
        return None;
    }
    let most_per = |key: fn(&(u64, u64, u64)) -> u64| {
        let mut totals: HashMap<u64, u64> = HashMap::default();
        for pair in pairs {
            *totals.entry(key(pair)).or_default() += pair.2;
        }
        totals
    };
    // Per value, its most common class's rows.
    let mut most: HashMap<u64, u64> = HashMap::default();
    for (value, _, n) in pairs {
        let best = most.entry(*value).or_default();
        *best = (*best).max(*n);
    }
    let pure = most.values().sum();
    let majority = most_per(|p| p.1).into_values().max().unwrap_or(0);
    Some((pure, majority, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purity_is_the_share_of_rows_in_their_values_most_common_class() {
        // Value 24 -> class 1: 30 rows, class 2: 2; value 72 -> class 2: 60, class 1: 8.
        let pairs = [(24, 1, 30), (24, 2, 2), (72, 2, 60), (72, 1, 8)];
        assert_eq!(purity(&pairs), Some((90, 62, 100)));
        assert_eq!(distinct_values(&pairs), 2);
        assert_eq!(purity(&[]), None);
    }
}
