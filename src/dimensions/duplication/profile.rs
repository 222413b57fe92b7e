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
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::metrics::{
    DatasetMetrics, DuplicateKeyGroup, DuplicateMetrics, NearDuplicateGroup, NearDuplicates,
};
use crate::profile::ProfileOptions;
use crate::profile::kernels::keycounts;
use crate::profile::kernels::rowhash::{distinct_fingerprints, row_hash};
use crate::profile::kernels::textcode::{text_hash, text_map};
use crate::profile::pass::{Output, Part, Planning};
use crate::profile::value::{count_at, is_text_type, scalar_at, to_json};

/// How many of the most repeated keys are shown as examples.
pub const EXAMPLE_GROUPS: usize = 5;

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
        let fingerprints = RowFingerprints::of(planning);
        let mut aggregates = vec![(
            DISTINCT_ROWS.to_string(),
            distinct_fingerprints(fingerprints.exact.clone()),
        )];
        if let Some(near) = fingerprints.near {
            aggregates.push((NEAR_DISTINCT_ROWS.to_string(), distinct_fingerprints(near)));
        }
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
            metrics.duplicates.near_duplicates =
                Some(near_duplicates(output, distinct_rows).await?);
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
const NEAR_DISTINCT_ROWS: &str = "near_distinct_rows";

/// How many of the largest near-duplicate groups are shown.
const NEAR_EXAMPLES: usize = 5;

/// Near-duplicate rows, given the dataset's distinct rows: the distinct normalised rows from
/// the pass (or a grouping that spills), then, when there are any, one grouping for the
/// largest groups.
async fn near_duplicates(output: &Output<'_>, distinct_rows: u64) -> DfResult<NearDuplicates> {
    let (compared, ignored) = near_duplicate_columns(output.planning);
    let row_count = output.pass.row_count;
    let mut found = NearDuplicates {
        compared_columns: compared.iter().map(|f| f.name().clone()).collect(),
        ignored_columns: ignored,
        near_duplicate_row_count: 0,
        near_duplicate_row_fraction: (row_count > 0).then_some(0.0),
        example_groups: Vec::new(),
    };
    if compared.is_empty() || row_count == 0 {
        return Ok(found);
    }
    let names: Vec<String> = (0..compared.len())
        .map(|i| format!("__readiness_c{i}"))
        .collect();
    // Planned only when a pass needs it: a projection of every column costs columns squared
    // to plan (DataFusion's lookups by name), which a wide table without near-duplicates
    // should not pay.
    let normalised = || {
        output.frame.clone().select(
            compared
                .iter()
                .zip(&names)
                .map(|(field, name)| normalised(field).alias(name))
                .collect::<Vec<_>>(),
        )
    };
    let near_distinct = match output.result(NEAR_DISTINCT_ROWS) {
        Some(result) => count_at(result, 0),
        None => {
            output.trace(
                "near-duplicate rows not counted in the profile pass: a grouping counts them",
            );
            distinct_row_count(normalised()?).await?
        }
    };
    found.near_duplicate_row_count = distinct_rows.saturating_sub(near_distinct);
    found.near_duplicate_row_fraction =
        Some(found.near_duplicate_row_count as f64 / row_count as f64);
    if found.near_duplicate_row_count == 0 {
        return Ok(found);
    }
    output.trace("near-duplicate examples: a grouping of the normalised rows");
    const ROWS: &str = "__readiness_rows";
    let mut order = vec![col(ROWS).sort(false, false)];
    order.extend(names.iter().map(|name| col(name).sort(true, true)));
    let groups = normalised()?
        .aggregate(
            names.iter().map(col).collect(),
            vec![count(lit(1i64)).alias(ROWS)],
        )?
        .filter(col(ROWS).gt(lit(1i64)))?
        .sort(order)?
        .limit(0, Some(NEAR_EXAMPLES))?;
    for batch in crate::progress::collect(groups, "near duplicates").await? {
        let rows = batch.column_by_name(ROWS).cloned();
        for row in 0..batch.num_rows() {
            let values = (0..names.len())
                .map(|column| to_json(&scalar_at(batch.column(column), row)))
                .collect();
            let count = rows.as_ref().map_or(0, |r| count_at(r, row));
            found
                .example_groups
                .push(NearDuplicateGroup { values, count });
        }
    }
    Ok(found)
}

/// The columns compared for near-duplicates, and the names of those left out.
fn near_duplicate_columns<'a>(planning: &Planning<'a>) -> (Vec<&'a FieldRef>, Vec<String>) {
    let (ignored, compared): (Vec<&FieldRef>, Vec<&FieldRef>) = planning
        .fields
        .iter()
        .partition(|f| set_aside(planning.options, f.name()));
    (compared, ignored.iter().map(|f| f.name().clone()).collect())
}

/// Whether a column is no part of what a row says, when rows are compared (near-duplicates,
/// conflicting labels): the declared key, an `--ignore` column, or a column named like an
/// identifier or ingestion metadata.
pub fn set_aside(options: &ProfileOptions, name: &str) -> bool {
    options.key_columns.iter().any(|k| k == name)
        || options.ignored_columns.iter().any(|c| c == name)
        || names_an_identifier_or_metadata(name)
}

/// Words that, ending a column's name, make it an identifier.
const IDENTIFIER_WORDS: &[&str] = &["id", "uuid", "guid", "key"];

/// Words that, in a column's name, make it ingestion metadata.
const METADATA_WORDS: &[&str] = &[
    "load",
    "loaded",
    "ingest",
    "ingested",
    "ingestion",
    "etl",
    "batch",
    "inserted",
    "imported",
    "extracted",
    "synced",
];

/// Whether a column's name says it identifies a row or records its ingestion: an identifier
/// (`id`, `order_id`, `customerId`, `uuid`, `row_key`), a leading underscore (`_loaded_at`),
/// or a word of ingestion (`load_ts`, `etl_batch`, `ingested_at`).
pub fn names_an_identifier_or_metadata(name: &str) -> bool {
    if name.starts_with('_') {
        return true;
    }
    let words = crate::dimensions::name_words(name);
    words
        .last()
        .is_some_and(|last| IDENTIFIER_WORDS.contains(&last.as_str()))
        || words.iter().any(|w| METADATA_WORDS.contains(&w.as_str()))
}

/// The row fingerprints the profile pass counts, built on each other so a column is encoded
/// as few times as it can be: `numbers` is the fingerprint of the feature columns that are
/// not text (the same whether rows are compared exactly or as near-duplicates),
/// - `features`: `numbers` and the feature text as it is (conflicting labels),
/// - `exact`: `features`, the label columns and the set-aside columns (duplicate rows),
/// - `near`: `numbers`, and the feature and label text by the fingerprints of its normalised
///   forms (near-duplicates; non-text label columns as they are).
///
/// The feature columns are those neither label nor set aside ([`set_aside`]). A fingerprint
/// of fingerprints is as injective as the fingerprint of the columns themselves, up to the
/// same 2^-126 chance per pair of rows ([`crate::profile::kernels::rowhash`]): the counts are
/// the same, only the fingerprints' values differ from a fingerprint of all the columns.
/// Identical expressions are computed once per batch (common-subexpression elimination).
pub struct RowFingerprints {
    /// `None` without feature columns.
    pub features: Option<Expr>,
    pub exact: Expr,
    /// `None` when every column is set aside.
    pub near: Option<Expr>,
}

impl RowFingerprints {
    pub fn of(planning: &Planning<'_>) -> Self {
        let options = planning.options;
        let fields = planning.fields.iter();
        let (aside, compared): (Vec<&FieldRef>, Vec<&FieldRef>) =
            fields.partition(|f| set_aside(options, f.name()));
        let (labels, features): (Vec<&FieldRef>, Vec<&FieldRef>) = compared
            .iter()
            .partition(|f| options.label_columns.contains(f.name()));
        let (text, other): (Vec<&FieldRef>, Vec<&FieldRef>) =
            features.iter().partition(|f| is_text_type(f.data_type()));
        let numbers =
            (!other.is_empty()).then(|| row_hash(other.iter().map(|f| ident(f.name())).collect()));
        let features = (!features.is_empty()).then(|| {
            let text = text.iter().map(|f| ident(f.name()));
            row_hash(numbers.clone().into_iter().chain(text).collect())
        });
        let plain = labels.iter().chain(&aside).map(|f| ident(f.name()));
        let exact = row_hash(features.clone().into_iter().chain(plain).collect());
        let near = (!compared.is_empty()).then(|| {
            let normalised = text
                .iter()
                .chain(&labels)
                .map(|f| normalised_fingerprint(f));
            row_hash(numbers.into_iter().chain(normalised).collect())
        });
        Self {
            features,
            exact,
            near,
        }
    }
}

/// A column as the profile pass compares it for near-duplicates: text by the fingerprint of
/// its normalised form (equal exactly when [`normalised`] is, up to a 2^-126 chance), without
/// writing that form out; anything else as it is.
fn normalised_fingerprint(field: &FieldRef) -> Expr {
    if is_text_type(field.data_type()) {
        matching_text_hash(ident(field.name()))
    } else {
        ident(field.name())
    }
}

/// A column as near-duplicates compare it: text normalised ([`matching_text`]), anything else
/// as it is.
fn normalised(field: &FieldRef) -> Expr {
    if is_text_type(field.data_type()) {
        matching_text_of(ident(field.name()))
    } else {
        ident(field.name())
    }
}

/// `readiness_matching_text_hash(text)`: the fingerprint of each value's [`matching_text`].
pub fn matching_text_hash(text: Expr) -> Expr {
    text_hash("readiness_matching_text_hash", write_matching_text, text)
}

/// `readiness_matching_text(text)`: each value's [`matching_text`].
pub fn matching_text_of(text: Expr) -> Expr {
    text_map("readiness_matching_text", write_matching_text, text)
}

/// Text as near-duplicates compare it: Unicode compatibility decomposition with the accents
/// dropped, lower case, punctuation and runs of whitespace as one space, trimmed.
pub fn matching_text(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    write_matching_text(text, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Each ASCII byte as [`matching_text`] keeps it: letters in lower case, digits as they are,
/// 0 for what separates words.
const ASCII_KEPT: [u8; 256] = {
    let mut kept = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let byte = b as u8;
        if byte.is_ascii_alphanumeric() {
            kept[b] = byte.to_ascii_lowercase();
        }
        b += 1;
    }
    kept
};

/// [`matching_text`], written into `out` as UTF-8.
pub fn write_matching_text(text: &str, out: &mut Vec<u8>) {
    let mut pending_space = false;
    if text.is_ascii() {
        write_ascii_matching_text(text.as_bytes(), out);
        return;
    }
    let mut encoded = [0u8; 4];
    for c in text.nfkd().filter(|c| !is_combining_mark(*c)) {
        if c.is_whitespace() || c.is_ascii_punctuation() || c.is_control() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(b' ');
            pending_space = false;
        }
        for lower in c.to_lowercase() {
            out.extend_from_slice(lower.encode_utf8(&mut encoded).as_bytes());
        }
    }
}

/// [`write_matching_text`] of ASCII text: nothing to decompose, so every byte goes through
/// [`ASCII_KEPT`] in one branch-free loop. Each byte is written where the output stands (a
/// separator as a space) and the output moves on past a kept byte, or past the first separator
/// after one: so words end up one space apart, and a trailing space is cut at the end.
fn write_ascii_matching_text(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start + bytes.len() + 1, 0);
    let written = &mut out[start..];
    // Appended to earlier text, a first word is set one space apart: as if a word preceded.
    let (mut length, mut after_word) = if start > 0 {
        written[0] = b' ';
        (1, false)
    } else {
        (0, false)
    };
    for &byte in bytes {
        let kept = ASCII_KEPT[usize::from(byte)];
        written[length] = if kept == 0 { b' ' } else { kept };
        length += usize::from(kept != 0 || after_word);
        after_word = kept != 0;
    }
    if length > 0 && written[length - 1] == b' ' {
        length -= 1;
    }
    out.truncate(start + length);
}

const KEY_COUNTS: &str = "key_counts";

/// The declared key when the profile pass counts it: one integer column, its counts in memory.
fn key_counted_in_pass<'a>(planning: &Planning<'a>) -> Option<&'a FieldRef> {
    let [key] = planning.options.key_columns.as_slice() else {
        return None;
    };
    let (_, field) = planning.fields.find(key)?;
    (planning.sets_in_memory && keycounts::countable(field.data_type())).then_some(field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_and_load_columns_are_told_by_their_names() {
        for name in [
            "id",
            "order_id",
            "customerId",
            "uuid",
            "row_key",
            "_loaded_at",
            "load_ts",
            "etl_batch",
            "ingested_at",
        ] {
            assert!(names_an_identifier_or_metadata(name), "{name}");
        }
        for name in [
            "idea",
            "key_account_manager",
            "paid",
            "email",
            "created_at",
            "download_count",
        ] {
            assert!(!names_an_identifier_or_metadata(name), "{name}");
        }
    }

    #[test]
    fn text_matches_once_case_accents_punctuation_and_spacing_are_ignored() {
        assert_eq!(matching_text("  Café-Crème,  PARIS! "), "cafe creme paris");
        assert_eq!(
            matching_text("CANNOT  LOG  IN  (CASE  48)"),
            matching_text("Cannot log in (case 48)")
        );
        assert_ne!(matching_text("case 48"), matching_text("case 4 8x"));
        // ASCII text: the words (runs of letters and digits) in lower case, one space apart.
        // Every ASCII byte, in pseudo-random strings of up to 40 bytes.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let random: Vec<String> = (0..2_000)
            .map(|_| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                let length = (state >> 58) as usize % 41;
                (0..length)
                    .map(|_| {
                        state = state
                            .wrapping_mul(6_364_136_223_846_793_005)
                            .wrapping_add(1);
                        char::from((state >> 57) as u8)
                    })
                    .collect()
            })
            .collect();
        for text in [
            "",
            "   ",
            "a",
            "--A--",
            "John.Doe+tag@Example.COM",
            "  two   words  ",
            "x,y;z",
            "trailing. ",
            "ID 0042/B\t\n7",
        ]
        .into_iter()
        .chain(random.iter().map(String::as_str))
        {
            let words: Vec<String> = text
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_ascii_lowercase)
                .collect();
            assert_eq!(matching_text(text), words.join(" "), "{text:?}");
            // Appended to earlier text: one space between, none when nothing is kept.
            let mut out = b"before".to_vec();
            write_matching_text(text, &mut out);
            let expected = match words.is_empty() {
                true => "before".to_string(),
                false => format!("before {}", words.join(" ")),
            };
            assert_eq!(String::from_utf8(out).unwrap(), expected, "{text:?}");
        }
    }
}
