//! Format consistency of text columns: how each present value is written
//! ([`crate::profile::kernels::shapes`]), and which values are spellings of one another.
//!
//! Both ride in the profile pass as bounded value counts over each text column's present
//! values: the shape codes (at most 14), and the values themselves up to
//! [`VARIANT_MAX_DISTINCT`]. Spellings are grouped afterwards from those counts (never from
//! rows): two values are spellings of one another when they are equal after Unicode
//! compatibility decomposition with the accents dropped, lower-casing, and collapsing
//! whitespace.

use std::collections::BTreeMap;

use datafusion::common::ScalarValue;
use datafusion::error::Result as DfResult;
use datafusion::logical_expr::Expr;
use futures::future::BoxFuture;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::dimensions::completeness::profile::present_values;
use crate::dimensions::labels::profile::sort_counts;
use crate::metrics::{DatasetMetrics, Shape, ShapeCount, TextFormats, ValueCount, VariantGroup};
use crate::profile::kernels::counts;
use crate::profile::kernels::shapes::text_shape;
use crate::profile::kernels::textcode::{code_counts, decode_code_counts};
use crate::profile::pass::{Output, Part, Planning};
use crate::profile::value::to_json;

/// Text columns with more distinct values than this are not checked for spellings.
pub const VARIANT_MAX_DISTINCT: usize = 1_000;

impl Part for super::Consistency {
    fn aggregates(&self, planning: &Planning<'_>) -> Vec<(String, Expr)> {
        let placeholders = &planning.options.placeholders;
        let mut aggregates = Vec::new();
        for (index, field) in planning.text_columns() {
            let present = present_values(field.name(), field.data_type(), placeholders);
            let shapes = text_shape(present.clone());
            aggregates.push((shapes_name(index), code_counts(shapes)));
            let values = counts::value_counts(present, VARIANT_MAX_DISTINCT);
            aggregates.push((values_name(index), values));
        }
        aggregates
    }

    fn measure<'a>(
        &'a self,
        output: &'a Output<'a>,
        metrics: &'a mut DatasetMetrics,
    ) -> BoxFuture<'a, DfResult<()>> {
        let positions = metrics.column_positions();
        for (index, field) in output.planning.text_columns() {
            let shapes = output
                .result(&shapes_name(index))
                .and_then(decode_code_counts);
            let Some(shapes) = shapes else {
                continue;
            };
            let values = output
                .result(&values_name(index))
                .and_then(|result| counts::decode(result, 0));
            let formats = text_formats(&shapes, values.as_deref());
            if let Some(column) = metrics.column_mut(&positions, field.name()) {
                column.formats = Some(formats);
            }
        }
        Box::pin(std::future::ready(Ok(())))
    }
}

fn shapes_name(column: usize) -> String {
    format!("shapes_{column}")
}

fn values_name(column: usize) -> String {
    format!("values_{column}")
}

/// A column's formats from its shape counts and, when it has few distinct values, its value
/// counts (NULL, the missing values, is in neither).
pub fn text_formats(shapes: &[(u8, u64)], values: Option<&[(ScalarValue, u64)]>) -> TextFormats {
    let mut counted: Vec<ShapeCount> = shapes
        .iter()
        .filter_map(|(code, count)| Some((Shape::from_code(*code)?, *count)))
        .map(|(shape, count)| ShapeCount {
            shape,
            pattern: shape.date_pattern().map(str::to_string),
            count,
        })
        .collect();
    counted.sort_by(|a, b| b.count.cmp(&a.count).then(a.shape.cmp(&b.shape)));
    let dates: Vec<u64> = counted
        .iter()
        .filter(|s| s.pattern.is_some())
        .map(|s| s.count)
        .collect();
    let date_count = dates.iter().sum();
    let count_of = |shape: Shape| {
        counted
            .iter()
            .find(|s| s.shape == shape)
            .map_or(0, |s| s.count)
    };
    let variant_groups = values.map(variant_groups);
    TextFormats {
        value_count: counted.iter().map(|s| s.count).sum(),
        date_count,
        minority_date_format_count: date_count - dates.iter().max().copied().unwrap_or(0),
        formatted_number_count: count_of(Shape::GroupedNumber) + count_of(Shape::NumberWithUnit),
        variant_row_count: variant_groups.as_ref().map(|groups| {
            groups
                .iter()
                .map(|g| g.variants.iter().skip(1).map(|v| v.count).sum::<u64>())
                .sum()
        }),
        variant_groups,
        shapes: counted,
    }
}

/// The spelling two values share when they differ only by case, accents or whitespace.
pub fn normalized(text: &str) -> String {
    let folded: String = text
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The groups of two or more spellings among a column's value counts, most rows first.
pub fn variant_groups(values: &[(ScalarValue, u64)]) -> Vec<VariantGroup> {
    let mut groups: BTreeMap<String, Vec<ValueCount>> = BTreeMap::new();
    for (value, count) in values {
        let value = to_json(value);
        let Some(text) = value.as_str() else {
            continue;
        };
        groups
            .entry(normalized(text))
            .or_default()
            .push(ValueCount {
                value: value.clone(),
                count: *count,
            });
    }
    let mut groups: Vec<VariantGroup> = groups
        .into_iter()
        .filter(|(_, variants)| variants.len() > 1)
        .map(|(normalized, mut variants)| {
            sort_counts(&mut variants);
            VariantGroup {
                normalized,
                variants,
            }
        })
        .collect();
    let rows = |g: &VariantGroup| g.variants.iter().map(|v| v.count).sum::<u64>();
    groups.sort_by(|a, b| rows(b).cmp(&rows(a)).then(a.normalized.cmp(&b.normalized)));
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str, count: u64) -> (ScalarValue, u64) {
        (ScalarValue::Utf8(Some(value.into())), count)
    }

    fn shape(shape: Shape, count: u64) -> (u8, u64) {
        (shape.code(), count)
    }

    #[test]
    fn spellings_differing_by_case_accents_or_whitespace_are_grouped() {
        assert_eq!(normalized("  Pró\t Plan "), "pro plan");
        let values = [
            text("Pro", 5),
            text("pro", 3),
            text(" PRO", 1),
            text("Pró", 1),
            text("Basic", 9),
            (ScalarValue::Utf8(None), 4),
        ];
        let formats = text_formats(&[shape(Shape::Text, 19)], Some(&values));
        let groups = formats.variant_groups.unwrap();
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].normalized, "pro");
        let spellings: Vec<_> = groups[0].variants.iter().map(|v| v.count).collect();
        assert_eq!(spellings, [5, 3, 1, 1]);
        assert_eq!(formats.variant_row_count, Some(5));
        assert_eq!(formats.value_count, 19);
    }

    #[test]
    fn dates_outside_the_most_common_format_are_counted() {
        let shapes = [
            shape(Shape::DateIso, 90),
            shape(Shape::DateYearLastSlash, 7),
            shape(Shape::DateMonthName, 3),
            shape(Shape::GroupedNumber, 2),
            shape(Shape::NumberWithUnit, 1),
        ];
        let formats = text_formats(&shapes, None);
        assert_eq!(formats.value_count, 103);
        assert_eq!(formats.date_count, 100);
        assert_eq!(formats.minority_date_format_count, 10);
        assert_eq!(formats.formatted_number_count, 3);
        assert_eq!(formats.variant_groups, None);
        assert_eq!(formats.shapes[0].pattern.as_deref(), Some("YYYY-MM-DD"));
    }
}
