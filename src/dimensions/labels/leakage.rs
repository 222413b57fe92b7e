//! Leakage suspects: columns that may give a label away, found in one bounded extra pass per
//! label column (only the columns it compares are read). Three rules ([`LeakageRule`]):
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

use datafusion::arrow::array::Array;
use datafusion::arrow::datatypes::{DataType, FieldRef, TimeUnit};
use datafusion::common::ScalarValue;
use datafusion::error::Result as DfResult;
use datafusion::functions::core::expr_fn::named_struct;
use datafusion::functions_aggregate::expr_fn::{count, sum};
use datafusion::logical_expr::{Expr, cast, ident, lit, when};

use super::profile::class;
use crate::dimensions::completeness::profile::{ColumnFigures, present_values};
use crate::dimensions::duplication::profile::set_aside;
use crate::dimensions::freshness::profile::chosen_time_column;
use crate::metrics::{LeakageEvidence, LeakageRule};
use crate::profile::kernels::counts;
use crate::profile::pass::Output;
use crate::profile::value::{count_at, is_time_type, scalar_at};

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

/// The suspects of one label column, strongest first.
pub async fn suspects(
    output: &Output<'_>,
    label: &FieldRef,
    labelled: u64,
) -> DfResult<Vec<LeakageEvidence>> {
    let options = output.options();
    let pass = output.pass;
    let columns = pass.columns.iter().map(|c| (c.name.as_str(), &c.data_type));
    let time = chosen_time_column(columns, options)
        .ok()
        .map(|(name, _, _)| name.to_string());
    let compared: Vec<&ColumnFigures> = pass
        .columns
        .iter()
        .filter(|c| {
            !options.label_columns.contains(&c.name)
                && Some(&c.name) != time.as_ref()
                && !set_aside(options, &c.name)
        })
        .collect();
    if compared.is_empty() || labelled < MIN_ROWS {
        return Ok(Vec::new());
    }
    output.trace(&format!("leakage suspects of `{}`", label.name()));
    let placeholders = &options.placeholders;
    let class = class(label.name(), label.data_type(), placeholders);
    let labelled_only = |value: Expr| {
        when(class.clone().is_not_null(), value)
            .end()
            .expect("a CASE with one branch")
    };
    let instant = |expr: Expr| {
        cast(
            expr,
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        )
    };
    let mut aggregates = Vec::new();
    for (index, column) in compared.iter().enumerate() {
        let values = present_values(&column.name, &column.data_type, placeholders);
        aggregates.push(count(labelled_only(values.clone())).alias(format!("filled_{index}")));
        let few = column.distinct_count.is_some_and(|n| n <= MAX_VALUES);
        if few && !is_time_type(&column.data_type) {
            let pair = named_struct(vec![lit("value"), values, lit("class"), class.clone()]);
            let pairs = counts::value_counts(labelled_only(pair), counts::MAX_DISTINCT);
            aggregates.push(pairs.alias(format!("pairs_{index}")));
        }
        if let (Some(time), true) = (&time, is_time_type(&column.data_type)) {
            let later = instant(ident(&column.name)).gt(instant(ident(time)));
            let after = when(class.clone().is_not_null().and(later), lit(1i64))
                .otherwise(lit(0i64))
                .expect("a CASE with one branch");
            let both = ident(&column.name)
                .is_not_null()
                .and(ident(time).is_not_null());
            let compared = when(class.clone().is_not_null().and(both), lit(1i64))
                .otherwise(lit(0i64))
                .expect("a CASE with one branch");
            aggregates.push(sum(after).alias(format!("after_{index}")));
            aggregates.push(sum(compared).alias(format!("timed_{index}")));
        }
    }
    let frame = output.frame.clone().aggregate(vec![], aggregates)?;
    let batches = crate::progress::collect(frame, "leakage suspects").await?;
    let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) else {
        return Ok(Vec::new());
    };
    let result = |name: String| batch.column_by_name(&name);
    let unlabelled = pass.row_count.saturating_sub(labelled);
    let mut found = Vec::new();
    for (index, column) in compared.iter().enumerate() {
        let evidence = |rule, strength: f64, rows, observed, baseline| LeakageEvidence {
            column: column.name.clone(),
            rule,
            strength,
            rows,
            observed,
            baseline,
        };
        let filled_labelled = result(format!("filled_{index}")).map_or(0, |r| count_at(r, 0));
        let filled = pass.row_count.saturating_sub(column.missing_count());
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
        if let Some(pairs) = result(format!("pairs_{index}")).and_then(|r| counts::decode(r, 0))
            && let Some((pure, majority, rows)) = purity(&pairs)
        {
            let values = distinct_values(&pairs);
            if rows >= MIN_ROWS && rows >= ROWS_PER_VALUE * values && majority < rows {
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
        let timed = result(format!("timed_{index}")).map_or(0, |r| count_at(r, 0));
        if timed >= MIN_ROWS {
            let after = result(format!("after_{index}")).map_or(0, |r| count_at(r, 0));
            let share = after as f64 / timed as f64;
            found.push(evidence(LeakageRule::AfterTime, share, timed, share, 0.0));
        }
    }
    found.retain(|e| e.strength >= RECORDED_FROM);
    found.sort_by(|a, b| {
        b.strength
            .total_cmp(&a.strength)
            .then(a.column.cmp(&b.column))
    });
    Ok(found)
}

/// The (value, class) pairs of the rows with a value: each a struct of the two.
fn pairs(counted: &[(ScalarValue, u64)]) -> Vec<(ScalarValue, ScalarValue, u64)> {
    counted
        .iter()
        .filter_map(|(pair, n)| {
            let ScalarValue::Struct(pair) = pair else {
                return None;
            };
            if pair.is_null(0) {
                return None;
            }
            let columns = pair.columns();
            let (value, class) = (scalar_at(&columns[0], 0), scalar_at(&columns[1], 0));
            (!value.is_null() && !class.is_null()).then_some((value, class, *n))
        })
        .collect()
}

fn distinct_values(counted: &[(ScalarValue, u64)]) -> u64 {
    let mut values: Vec<ScalarValue> = pairs(counted).into_iter().map(|(v, _, _)| v).collect();
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values.dedup();
    values.len() as u64
}

/// The rows whose class is their value's most common one, the rows of the majority class, and
/// all rows, from the rows per (value, class); `None` without rows.
pub fn purity(counted: &[(ScalarValue, u64)]) -> Option<(u64, u64, u64)> {
    let pairs = pairs(counted);
    let rows: u64 = pairs.iter().map(|(_, _, n)| n).sum();
    if rows == 0 {
        return None;
    }
    let most = |key: &dyn Fn(&(ScalarValue, ScalarValue, u64)) -> &ScalarValue| {
        let mut totals: Vec<(&ScalarValue, u64)> = Vec::new();
        for pair in &pairs {
            match totals.iter_mut().find(|(k, _)| *k == key(pair)) {
                Some((_, n)) => *n += pair.2,
                None => totals.push((key(pair), pair.2)),
            }
        }
        totals
    };
    // Per value, its most common class's rows.
    let mut pure = 0;
    for (value, _) in most(&|p| &p.0) {
        pure += pairs
            .iter()
            .filter(|p| &p.0 == value)
            .map(|p| p.2)
            .max()
            .unwrap_or(0);
    }
    let majority = most(&|p| &p.1)
        .into_iter()
        .map(|(_, n)| n)
        .max()
        .unwrap_or(0);
    Some((pure, majority, rows))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, Int64Array, StringArray, StructArray};
    use datafusion::arrow::datatypes::Field;

    use super::*;

    fn pair(value: i64, class: &str) -> ScalarValue {
        let fields = vec![
            (
                Arc::new(Field::new("value", DataType::Int64, true)),
                Arc::new(Int64Array::from(vec![value])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("class", DataType::Utf8, true)),
                Arc::new(StringArray::from(vec![class])) as ArrayRef,
            ),
        ];
        ScalarValue::Struct(Arc::new(StructArray::from(fields)))
    }

    #[test]
    fn purity_is_the_share_of_rows_in_their_values_most_common_class() {
        // 24 -> high 30, low 2; 72 -> low 60, high 8.
        let counted = [
            (pair(24, "high"), 30),
            (pair(24, "low"), 2),
            (pair(72, "low"), 60),
            (pair(72, "high"), 8),
        ];
        assert_eq!(super::purity(&counted), Some((90, 62, 100)));
        assert_eq!(distinct_values(&counted), 2);
    }
}
