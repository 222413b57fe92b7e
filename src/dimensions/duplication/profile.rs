//! Duplication: exact duplicate rows, and duplicate keys when a key is declared.
//!
//! `duplicate_row_count` is rows minus distinct rows over every column, NULLs equal. Rows are
//! grouped by a 126-bit fingerprint of their encoding ([`crate::profile::kernels::rowhash`]), so the grouping
//! holds 16 bytes per distinct row whatever the row width; the collision odds are stated
//! there. The fingerprints are counted in the profile's one pass when their set fits in
//! memory, else by a grouping of their own that spills to disk, so memory stays bounded.
//! A key of one integer column is counted in the profile pass ([`crate::profile::kernels::keycounts`]) when it
//! fits in memory; other keys take one grouping pass over the key columns, the repeated keys
//! streamed back, so totals and examples come from that one pass.

use datafusion::arrow::datatypes::FieldRef;
use datafusion::common::ScalarValue;
use datafusion::error::Result as DfResult;
use datafusion::functions_aggregate::expr_fn::count;
use datafusion::logical_expr::{Expr, col, ident, lit};
use datafusion::prelude::DataFrame;
use futures::TryStreamExt;
use futures::future::BoxFuture;

use crate::metrics::{DatasetMetrics, DuplicateKeyGroup, DuplicateMetrics};
use crate::profile::kernels::keycounts;
use crate::profile::kernels::rowhash::{distinct_fingerprints, row_hash};
use crate::profile::pass::{Output, Part, Planning};
use crate::profile::value::{count_at, scalar_at, to_json};

/// How many of the most repeated keys are shown as examples.
pub const EXAMPLE_GROUPS: usize = 5;

/// Distinct rows over `columns` (all of them), as an aggregate: the distinct fingerprints,
/// held in a hash set in memory, so it can ride along in the profile's one pass. The profile
/// uses it when the set fits the memory limit, else [`distinct_row_count`].
pub fn distinct_rows(columns: Vec<Expr>) -> Expr {
    distinct_fingerprints(row_hash(columns))
}

/// Distinct rows over every column, by a grouping of their fingerprints that spills to disk
/// under a memory limit: its own pass over the data.
pub async fn distinct_row_count(frame: DataFrame) -> DfResult<u64> {
    const ROW: &str = "__readiness_row";
    let columns = frame
        .schema()
        .fields()
        .iter()
        .map(|field| ident(field.name()))
        .collect();
    let distinct = frame
        .select(vec![row_hash(columns).alias(ROW)])?
        .aggregate(vec![col(ROW)], vec![])?;
    crate::progress::count(distinct, "duplicate rows").await
}

/// What a declared key's grouping found.
#[derive(Debug, Clone)]
pub struct KeyFigures {
    /// Rows beyond the first of each key.
    pub duplicate_key_rows: u64,
    pub keys_with_duplicates: u64,
    pub examples: Vec<DuplicateKeyGroup>,
}

/// One grouping pass over the key columns; only keys seen more than once come back.
pub async fn key_figures(frame: DataFrame, key_columns: &[String]) -> DfResult<KeyFigures> {
    const OCCURRENCES: &str = "__readiness_occurrences";
    let keys: Vec<_> = key_columns.iter().map(ident).collect();
    let repeated = frame
        .aggregate(keys, vec![count(lit(1i64)).alias(OCCURRENCES)])?
        .filter(col(OCCURRENCES).gt(lit(1i64)))?;
    let (mut repeated, _watch) = crate::progress::stream(repeated, "duplicate keys").await?;
    let mut figures = KeyFigures {
        duplicate_key_rows: 0,
        keys_with_duplicates: 0,
        examples: Vec::new(),
    };
    // The most repeated keys, ties by key (NULL first), whatever order the groups arrive in.
    let mut candidates: Vec<(u64, Vec<ScalarValue>)> = Vec::new();
    let best_first = |a: &(u64, Vec<ScalarValue>), b: &(u64, Vec<ScalarValue>)| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal))
    };
    while let Some(batch) = repeated.try_next().await? {
        let occurrences = batch.column(key_columns.len());
        for row in 0..batch.num_rows() {
            let times = count_at(occurrences, row);
            figures.keys_with_duplicates += 1;
            figures.duplicate_key_rows += times - 1;
            let key = (0..key_columns.len())
                .map(|column| scalar_at(batch.column(column), row))
                .collect();
            candidates.push((times, key));
        }
        if candidates.len() > 64 * EXAMPLE_GROUPS {
            candidates.sort_by(best_first);
            candidates.truncate(EXAMPLE_GROUPS);
        }
    }
    candidates.sort_by(best_first);
    candidates.truncate(EXAMPLE_GROUPS);
    figures.examples = candidates
        .into_iter()
        .map(|(count, key)| DuplicateKeyGroup {
            key: key.iter().map(to_json).collect(),
            count,
        })
        .collect();
    Ok(figures)
}

/// Duplication's part in the profile pass: when their sets fit in memory
/// ([`Planning::sets_in_memory`]), the distinct row fingerprints and a single integer key's
/// counts; otherwise, and for other keys, groupings that spill count them afterwards.
impl Part for super::Duplication {
    fn aggregates(&self, planning: &Planning<'_>) -> Vec<(String, Expr)> {
        if !planning.sets_in_memory {
            return Vec::new();
        }
        let columns = planning.fields.iter().map(|f| ident(f.name())).collect();
        let mut aggregates = vec![(DISTINCT_ROWS.to_string(), distinct_rows(columns))];
        if let Some(key) = key_counted_in_pass(planning) {
            aggregates.push((
                KEY_COUNTS.to_string(),
                keycounts::key_counts(ident(key.name())),
            ));
        }
        aggregates
    }

    fn measure<'a>(
        &'a self,
        output: &'a Output<'a>,
        metrics: &'a mut DatasetMetrics,
    ) -> BoxFuture<'a, DfResult<()>> {
        Box::pin(async move {
            let row_count = output.pass.row_count;
            let distinct_rows = match output.result(DISTINCT_ROWS) {
                Some(result) => count_at(result, 0),
                None => {
                    output.trace(
                        "distinct rows not counted in the profile pass: a grouping counts them",
                    );
                    distinct_row_count(output.frame.clone()).await?
                }
            };
            metrics.duplicates =
                DuplicateMetrics::rows(row_count.saturating_sub(distinct_rows), row_count);
            let key_columns = &output.options().key_columns;
            if key_columns.is_empty() {
                return Ok(());
            }
            let fields = output.planning.fields;
            let missing: Vec<_> = key_columns
                .iter()
                .filter(|key| fields.find(key).is_none())
                .map(|key| format!("`{key}`"))
                .collect();
            if !missing.is_empty() {
                metrics.notes.push(format!(
                    "key column(s) {} not in this dataset: duplicate keys not measured",
                    missing.join(", ")
                ));
                return Ok(());
            }
            let in_pass = key_counted_in_pass(output.planning).and_then(|key| {
                let result = output.result(KEY_COUNTS)?;
                keycounts::decode(result, key.data_type())
            });
            let keys = match in_pass {
                Some(counted_in_pass) => counted_in_pass,
                None => {
                    output.trace(
                        "duplicate keys not counted in the profile pass: a grouping counts them",
                    );
                    key_figures(output.frame.clone(), key_columns).await?
                }
            };
            let duplicates = &mut metrics.duplicates;
            duplicates.key_columns = key_columns.clone();
            duplicates.duplicate_key_row_count = Some(keys.duplicate_key_rows);
            duplicates.keys_with_duplicates = Some(keys.keys_with_duplicates);
            duplicates.example_groups = keys.examples;
            Ok(())
        })
    }
}

const DISTINCT_ROWS: &str = "distinct_rows";
const KEY_COUNTS: &str = "key_counts";

/// The declared key when the profile pass counts it: one integer column, its counts in memory.
fn key_counted_in_pass<'a>(planning: &Planning<'a>) -> Option<&'a FieldRef> {
    let [key] = planning.options.key_columns.as_slice() else {
        return None;
    };
    let (_, field) = planning.fields.find(key)?;
    (planning.sets_in_memory && keycounts::countable(field.data_type())).then_some(field)
}
