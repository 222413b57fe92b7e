//! Personal data: columns whose name or values look like personal data (their sample values
//! are masked wherever they are shown).

pub mod profile;

use serde::Serialize;

use super::{Module, ViewInput};
use crate::check::{Check, Dimension, Evidence, Judge};

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
                    message: format!("`{}` in `{}` looks like personal data ({kind})", column.name, d.name),
                    why: "Personal data needs a legal basis for use in a model, and rarely helps it; its values are masked in this report.",
                    fix: format!("Drop or pseudonymise `{}` before training unless the use case needs it and it is approved.", column.name),
                });
        }
    }

    fn view(&self, input: &ViewInput<'_>) -> minijinja::Value {
        let personal: Vec<(String, String)> = input
            .dataset
            .columns
            .iter()
            .filter_map(|c| Some((c.name.clone(), c.personal_data.clone()?)))
            .collect();
        minijinja::Value::from_serialize(PrivacyView { personal })
    }

    fn template(&self) -> &'static str {
        include_str!("../../../reports/templates/dimensions/privacy.html")
    }
}

#[derive(Serialize)]
struct PrivacyView {
    personal: Vec<(String, String)>,
}
