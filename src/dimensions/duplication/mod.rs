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
        if let Some(near) = &d.duplicates.near_duplicates
            && let Some(fraction) = near.near_duplicate_row_fraction
        {
            let ignored = match near.ignored_columns.as_slice() {
                [] => String::new(),
                names => format!(
                    ", setting aside {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            judge.push(Evidence {
                check: Check::NearDuplicateRows,
                column: None,
                observed: fraction,
                message: format!(
                    "{} rows of `{}` ({}) repeat another row once case, accents, punctuation and spacing are ignored{ignored}; exact copies not counted",
                    thousands(near.near_duplicate_row_count),
                    d.name,
                    percent(Some(fraction))
                ),
                why: "The same record entered twice with small differences (retyped text, a new id, a later load) over-weights it and leaks between training and test splits, like an exact copy.",
                fix: format!("Match the near-duplicate rows of `{}` to one record each (entity resolution) and find the step that enters them twice.", d.name),
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
            near_duplicates: d.near_duplicates.as_ref().map(|near| {
                format!(
                    "{} ({}), comparing {} of {} columns",
                    thousands(near.near_duplicate_row_count),
                    percent(near.near_duplicate_row_fraction),
                    near.compared_columns.len(),
                    near.compared_columns.len() + near.ignored_columns.len()
                )
            }),
            near_columns: d
                .near_duplicates
                .as_ref()
                .map(|near| near.compared_columns.clone())
                .unwrap_or_default(),
            near_groups: d
                .near_duplicates
                .iter()
                .flat_map(|near| &near.example_groups)
                .map(|g| (g.values.iter().map(show).collect(), g.count))
                .collect(),
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
    near_duplicates: Option<String>,
    near_columns: Vec<String>,
    /// The largest groups of near-duplicate rows: their normalised values and rows.
    near_groups: Vec<(Vec<String>, u64)>,
    duplicate_keys: Option<String>,
    key_columns: String,
    example_groups: Vec<(String, u64)>,
}
