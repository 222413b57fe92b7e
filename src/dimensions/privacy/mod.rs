//! Personal data: columns whose name or values look like personal data (their sample values
//! are masked wherever they are shown).

pub mod profile;

use serde::Serialize;

use super::{Module, ViewInput};
use crate::check::{Check, Dimension, Evidence, Judge};
use crate::humanize::thousands;
use crate::metrics::MatchRule;

pub struct Privacy;

impl Module for Privacy {
    fn dimension(&self) -> Dimension {
        Dimension::Privacy
    }

    fn evaluate(&self, judge: &mut Judge<'_>) {
        let d = judge.dataset;
        for column in d.columns.iter().filter(|c| c.personal_data.is_some()) {
            let kind = column.personal_data.as_deref().unwrap_or_default();
            judge.push(Evidence {
                    check: Check::PersonalData,
                    column: Some(column.name.clone()),
                    observed: 1.0,
                    message: format!("`{}` in `{}` looks like personal data ({kind}){}", column.name, d.name, evidence(column)),
                    why: "Personal data needs a legal basis for use in a model, and rarely helps it; its values are masked in this report.",
                    fix: format!("Drop or pseudonymise `{}` before training unless the use case needs it and it is approved.", column.name),
                });
        }
    }

    fn view(&self, input: &ViewInput<'_>) -> minijinja::Value {
        let personal: Vec<(String, String, String)> = input
            .dataset
            .columns
            .iter()
            .filter_map(|c| {
                let shown = evidence(c).trim_start_matches(": ").to_string();
                Some((c.name.clone(), c.personal_data.clone()?, shown))
            })
            .collect();
        minijinja::Value::from_serialize(PrivacyView { personal })
    }

    fn template(&self) -> &'static str {
        include_str!("../../../reports/templates/dimensions/privacy.html")
    }

    fn pass(&self) -> Option<&dyn crate::profile::pass::Part> {
        Some(self)
    }
}

/// Which rules matched the column's values, counted over the whole column: `: 961 of 961
/// values are an e-mail address`.
fn evidence(column: &crate::metrics::ColumnMetrics) -> String {
    let Some(values) = &column.personal_values else {
        return String::new();
    };
    let found: Vec<String> = values
        .matches
        .iter()
        .map(|m| {
            let kind = m.kind.label();
            match m.rule {
                MatchRule::WholeValue => format!(
                    "{} match the {kind} rule as a whole value",
                    thousands(m.count)
                ),
                MatchRule::Contained => format!(
                    "{} contain a match of the {kind} rule in free text",
                    thousands(m.count)
                ),
            }
        })
        .collect();
    format!(
        ": of {} values, {}",
        thousands(values.value_count),
        found.join(", ")
    )
}

#[derive(Serialize)]
struct PrivacyView {
    /// Column, kind, and the rules its values matched (empty when found by name or samples).
    personal: Vec<(String, String, String)>,
}
