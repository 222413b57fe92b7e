//! Completeness: how much of each column, and of each row, is present (not null, NaN, blank
//! or a placeholder).

pub mod profile;

use serde::Serialize;

use super::{Module, ViewInput};
use crate::check::{Check, Dimension, Evidence, Judge};
use crate::humanize::percent;
use crate::metrics::DatasetMetrics;
use crate::report::charts::{BarChart, CHART_COLUMNS, bar_chart};

pub struct Completeness;

impl Module for Completeness {
    fn dimension(&self) -> Dimension {
        Dimension::Completeness
    }

    fn evaluate(&self, judge: &mut Judge<'_>) {
        let d = judge.dataset;
        for column in &d.columns {
            let Some(completeness) = column.completeness else {
                continue;
            };
            let mut kinds = Vec::new();
            // Rows of files without the column are absent, not missing: shares are of the
            // rows that have it.
            let having = d.row_count - column.absent_count.unwrap_or(0);
            let share = |n: u64| percent(Some(n as f64 / having as f64));
            if column.null_count > 0 {
                kinds.push(format!("{} empty (null)", share(column.null_count)));
            }
            if column.nan_count > 0 {
                kinds.push(format!("{} NaN", share(column.nan_count)));
            }
            if column.empty_count > 0 {
                kinds.push(format!("{} blank text", share(column.empty_count)));
            }
            if column.placeholder_count > 0 {
                kinds.push(format!(
                    "{} placeholders such as N/A",
                    share(column.placeholder_count)
                ));
            }
            judge.push(Evidence {
                    check: Check::ColumnCompleteness,
                    column: Some(column.name.clone()),
                    observed: completeness,
                    message: format!(
                        "`{}` in `{}` is missing in {} of {} ({})",
                        column.name,
                        d.name,
                        percent(Some(1.0 - completeness)),
                        match column.absent_count {
                            Some(_) => "the rows that have the column",
                            None => "rows",
                        },
                        kinds.join(", ")
                    ),
                    why: "Models either drop rows with missing values or learn from guesses; both bias results when values are missing for a reason.",
                    fix: format!(
                        "Ask the owner of `{}` why values are missing; backfill from the source system, or treat `{}` as optional.",
                        d.name, column.name
                    ),
                });
        }
        if let Some(fraction) = d.complete_row_fraction {
            judge.push(Evidence {
                    check: Check::CompleteRows,
                    column: None,
                    observed: fraction,
                    message: format!(
                        "only {} of rows in `{}` have every column filled",
                        percent(Some(fraction)),
                        d.name
                    ),
                    why: "Many training pipelines drop incomplete rows; this is how much data would be left.",
                    fix: "Decide which columns are optional for the use case and measure again without them.".to_string(),
                });
        }
    }

    fn view(&self, input: &ViewInput<'_>) -> minijinja::Value {
        let d = input.dataset;
        minijinja::Value::from_serialize(CompletenessView {
            complete_rows: percent(d.complete_row_fraction),
            chart: completeness_chart(d),
        })
    }

    fn template(&self) -> &'static str {
        include_str!("../../../reports/templates/dimensions/completeness.html")
    }

    fn pass(&self) -> Option<&dyn crate::profile::pass::Part> {
        Some(self)
    }
}

#[derive(Serialize)]
struct CompletenessView {
    complete_rows: String,
    chart: BarChart,
}

/// The least complete columns, least first.
fn completeness_chart(d: &DatasetMetrics) -> BarChart {
    let mut columns: Vec<_> = d
        .columns
        .iter()
        .filter_map(|c| Some((c, c.completeness?)))
        .collect();
    columns.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.name.cmp(&b.0.name)));
    let shown = columns.len().min(CHART_COLUMNS);
    let caption = if columns.len() > shown {
        format!(
            "completeness of the {shown} least complete of {} columns",
            columns.len()
        )
    } else {
        format!(
            "completeness of all {} columns, least complete first",
            columns.len()
        )
    };
    bar_chart(
        columns
            .into_iter()
            .take(shown)
            .map(|(c, v)| (c.name.clone(), v, percent(Some(v)))),
        caption,
    )
}
