//! Format consistency: whether a text column writes one kind of value one way. Dates in
//! several formats, numbers stored as text with separators or units, and one category spelled
//! several ways are each a check; the shares of integers, decimals, yes/no values, dates and
//! timestamps are figures in the JSON and the report.

pub mod profile;

use serde::Serialize;

use super::{Module, ViewInput};
use crate::check::{Check, Dimension, Evidence, Judge};
use crate::humanize::{percent, thousands};
use crate::metrics::{ColumnMetrics, TextFormats};
use crate::report::charts::{most_first, show};

pub struct Consistency;

/// Variant groups and shapes a finding or the report lists at most.
const LISTED: usize = 5;

impl Module for Consistency {
    fn dimension(&self) -> Dimension {
        Dimension::Consistency
    }

    fn evaluate(&self, judge: &mut Judge<'_>) {
        let d = judge.dataset;
        for (column, formats) in text_columns(&d.columns) {
            if formats.value_count == 0 {
                continue;
            }
            let name = &column.name;
            if formats.date_count > 0 {
                let observed =
                    formats.minority_date_format_count as f64 / formats.date_count as f64;
                judge.push(Evidence {
                    check: Check::MixedDateFormats,
                    column: Some(name.clone()),
                    observed,
                    message: format!(
                        "`{name}` in `{}` writes its {} dates in {} formats: {}",
                        d.name,
                        thousands(formats.date_count),
                        date_formats(formats).len(),
                        date_formats(formats).join(", ")
                    ),
                    why: "A date read with the wrong format swaps day and month or fails to parse, silently, for exactly those rows.",
                    fix: format!("Have the source write one format (ISO 8601, YYYY-MM-DD), or parse each format of `{name}` explicitly before use."),
                });
            }
            let observed = formats.formatted_number_count as f64 / formats.value_count as f64;
            judge.push(Evidence {
                check: Check::NumbersAsText,
                column: Some(name.clone()),
                observed,
                message: format!(
                    "`{name}` in `{}` stores numbers as text: {} of {} values have thousands separators or a unit",
                    d.name,
                    thousands(formats.formatted_number_count),
                    thousands(formats.value_count)
                ),
                why: "Numbers kept as text are read as categories or dropped; separators and units must be stripped the same way everywhere before a model can use them.",
                fix: format!("Store `{name}` as a number in one unit, converted once upstream, and record the unit in the column's description."),
            });
            if let (Some(groups), Some(rows)) = (&formats.variant_groups, formats.variant_row_count)
            {
                judge.push(Evidence {
                    check: Check::CategoryVariants,
                    column: Some(name.clone()),
                    observed: rows as f64 / formats.value_count as f64,
                    message: format!(
                        "`{name}` in `{}` spells {} in several ways ({} rows use a less common spelling): {}",
                        d.name,
                        match groups.len() {
                            1 => "1 value".to_string(),
                            n => format!("{n} values"),
                        },
                        thousands(rows),
                        variant_lines(formats).join("; ")
                    ),
                    why: "Spellings that differ only by case, accents or spaces split one category into several, so each looks rarer than it is.",
                    fix: format!("Map the spellings of `{name}` to one canonical value at the source, or normalise case and whitespace before use."),
                });
            }
        }
    }

    fn view(&self, input: &ViewInput<'_>) -> minijinja::Value {
        let text: Vec<_> = text_columns(&input.dataset.columns)
            .filter(|(_, formats)| formats.value_count > 0)
            .collect();
        // The columns with the most inconsistency first.
        let (text, more) = most_first(text, |(_, f)| {
            let variants = f.variant_row_count.unwrap_or(0);
            f.minority_date_format_count + f.formatted_number_count + variants
        });
        let columns = text
            .into_iter()
            .map(|(column, formats)| ColumnView {
                name: column.name.clone(),
                values: thousands(formats.value_count),
                shapes: formats
                    .shapes
                    .iter()
                    .take(LISTED)
                    .map(|s| {
                        let share = s.count as f64 / formats.value_count as f64;
                        let label = s.pattern.clone().unwrap_or_else(|| shape_label(s.shape));
                        format!("{label} {}", percent(Some(share)))
                    })
                    .collect(),
                date_formats: date_formats(formats).len(),
                formatted_numbers: thousands(formats.formatted_number_count),
                variants: variant_lines(formats),
                variants_assessed: formats.variant_groups.is_some(),
            })
            .collect();
        minijinja::Value::from_serialize(ConsistencyView { columns, more })
    }

    fn template(&self) -> &'static str {
        include_str!("../../../reports/templates/dimensions/consistency.html")
    }

    fn pass(&self) -> Option<&dyn crate::profile::pass::Part> {
        Some(self)
    }
}

#[derive(Serialize)]
struct ConsistencyView {
    columns: Vec<ColumnView>,
    /// Text columns left out of the table (all are in the JSON).
    more: usize,
}

#[derive(Serialize)]
struct ColumnView {
    name: String,
    values: String,
    shapes: Vec<String>,
    date_formats: usize,
    formatted_numbers: String,
    variants: Vec<String>,
    variants_assessed: bool,
}

fn text_columns(columns: &[ColumnMetrics]) -> impl Iterator<Item = (&ColumnMetrics, &TextFormats)> {
    columns
        .iter()
        .filter_map(|column| Some((column, column.formats.as_ref()?)))
}

/// Each date format used, with its values: `YYYY-MM-DD 812`.
fn date_formats(formats: &TextFormats) -> Vec<String> {
    formats
        .shapes
        .iter()
        .filter_map(|s| Some(format!("{} {}", s.pattern.as_ref()?, thousands(s.count))))
        .collect()
}

/// The largest variant groups: `'Pro' 167, 'pro' 167, 'PRO' 166`.
fn variant_lines(formats: &TextFormats) -> Vec<String> {
    let groups = formats.variant_groups.as_deref().unwrap_or_default();
    groups
        .iter()
        .take(LISTED)
        .map(|group| {
            group
                .variants
                .iter()
                .map(|v| format!("'{}' {}", show(&v.value), thousands(v.count)))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect()
}

fn shape_label(shape: crate::metrics::Shape) -> String {
    serde_json::to_value(shape)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}
