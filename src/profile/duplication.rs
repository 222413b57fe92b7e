//! Duplication: exact duplicate rows, and duplicate keys when a key is declared.
//!
//! `duplicate_row_count` is rows minus distinct rows over every column, NULLs equal, computed
//! exactly by grouping on all columns (no hashing shortcut, so no collision odds to state).
//! Grouping spills to disk under a memory limit, so memory is bounded by the distinct rows
//! held at once, not by the file.

use datafusion::error::Result as DfResult;
use datafusion::functions_aggregate::expr_fn::{count, sum};
use datafusion::logical_expr::{col, ident, lit, when};
use datafusion::prelude::DataFrame;

use super::value::{count_at, first_row, scalar_at, to_json};
use crate::metrics::DuplicateKeyGroup;

/// How many of the most repeated keys are shown as examples.
pub const EXAMPLE_GROUPS: usize = 5;

/// Distinct rows over every column.
pub async fn distinct_row_count(frame: DataFrame) -> DfResult<u64> {
    let columns = frame
        .schema()
        .fields()
        .iter()
        .map(|field| ident(field.name()))
        .collect();
    let distinct = frame.aggregate(columns, vec![])?.count().await?;
    Ok(distinct as u64)
}

/// What a declared key's grouping found.
#[derive(Debug, Clone)]
pub struct KeyFigures {
    pub distinct_keys: u64,
    pub keys_with_duplicates: u64,
    pub examples: Vec<DuplicateKeyGroup>,
}

pub async fn key_figures(frame: DataFrame, key_columns: &[String]) -> DfResult<KeyFigures> {
    const OCCURRENCES: &str = "__readiness_occurrences";
    let keys: Vec<_> = key_columns.iter().map(ident).collect();
    let grouped = frame.aggregate(keys.clone(), vec![count(lit(1i64)).alias(OCCURRENCES)])?;
    let repeated = col(OCCURRENCES).gt(lit(1i64));
    let totals = grouped
        .clone()
        .aggregate(
            vec![],
            vec![
                count(lit(1i64)),
                sum(when(repeated.clone(), lit(1i64)).otherwise(lit(0i64))?),
            ],
        )?
        .collect()
        .await?;
    let row = first_row(&totals);
    let mut order = vec![col(OCCURRENCES).sort(false, false)];
    order.extend(keys.iter().map(|key| key.clone().sort(true, true)));
    let examples = grouped
        .filter(repeated)?
        .sort(order)?
        .limit(0, Some(EXAMPLE_GROUPS))?
        .collect()
        .await?;
    let examples = examples
        .iter()
        .flat_map(|batch| {
            (0..batch.num_rows()).map(move |index| DuplicateKeyGroup {
                key: (0..key_columns.len())
                    .map(|column| to_json(&scalar_at(batch.column(column), index)))
                    .collect(),
                count: count_at(batch.column(key_columns.len()), index),
            })
        })
        .collect();
    Ok(KeyFigures {
        distinct_keys: count_at(&row[0], 0),
        keys_with_duplicates: count_at(&row[1], 0),
        examples,
    })
}
