//! Duplication: exact duplicate rows, and rows repeating a declared key.

pub mod profile;

use serde::Serialize;

use super::{Module, ViewInput};
use crate::check::{Check, Dimension, Evidence, Judge};
use crate::humanize::{percent, thousands};
use crate::report::charts::show;

pub struct Duplication;

impl Module for Duplication {
    fn dimension(&self) -> Dimension {
        Dimension::Duplication
    }

    fn evaluate(&self, judge: &mut Judge<'_>) {
        let d = judge.dataset;
        if let Some(fraction) = d.duplicates.duplicate_row_fraction {
            judge.push(Evidence {
                    check: Check::DuplicateRows,
                    column: None,
                    observed: fraction,
                    message: format!(
                        "{} rows of `{}` ({}) are exact copies of another row",
                        thousands(d.duplicates.duplicate_row_count),
                        d.name,
                        percent(Some(fraction))
                    ),
                    why: "Copies over-weight some examples and leak between training and test splits, making results look better than they are.",
                    fix: format!("Deduplicate `{}` on all columns before training, and find the load step that copies rows.", d.name),
                });
        }
        if let Some(key_rows) = d.duplicates.duplicate_key_row_count
            && d.row_count > 0
        {
            let fraction = key_rows as f64 / d.row_count as f64;
            {
                let key = d.duplicates.key_columns.join(", ");
                judge.push(Evidence {
                        check: Check::DuplicateKeys,
                        column: Some(key.clone()),
                        observed: fraction,
                        message: format!(
                            "{} keys (`{key}`) of `{}` appear more than once; {} rows repeat a key",
                            thousands(d.duplicates.keys_with_duplicates.unwrap_or(0)),
                            d.name,
                            thousands(key_rows)
                        ),
                        why: "A key that should identify one record but repeats means conflicting versions of the same entity.",
                        fix: format!("Decide which version of each `{key}` is current (e.g. latest by time) and keep one row per key."),
                    });
            }
        }
    }

    fn view(&self, input: &ViewInput<'_>) -> minijinja::Value {
        let d = &input.dataset.duplicates;
        minijinja::Value::from_serialize(DuplicationView {
            duplicate_rows: format!(
                "{} ({})",
                thousands(d.duplicate_row_count),
                percent(d.duplicate_row_fraction)
            ),
            duplicate_keys: d.duplicate_key_row_count.map(|rows| {
                format!(
                    "{} rows repeat a key; {} keys occur more than once",
                    thousands(rows),
                    thousands(d.keys_with_duplicates.unwrap_or(0))
                )
            }),
            key_columns: d.key_columns.join(", "),
            example_groups: d
                .example_groups
                .iter()
                .map(|g| {
                    (
                        g.key.iter().map(show).collect::<Vec<_>>().join(", "),
                        g.count,
                    )
                })
                .collect(),
        })
    }

    fn template(&self) -> &'static str {
        include_str!("../../../reports/templates/dimensions/duplication.html")
    }

    fn pass(&self) -> Option<&dyn crate::profile::pass::Part> {
        Some(self)
    }
}

#[derive(Serialize)]
struct DuplicationView {
    duplicate_rows: String,
    duplicate_keys: Option<String>,
    key_columns: String,
    example_groups: Vec<(String, u64)>,
}
