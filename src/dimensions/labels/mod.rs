//! Label coverage: for each label column, the share of rows labelled and the rows per class.

pub mod profile;

use serde::Serialize;

use super::{Module, ViewInput};
use crate::check::{Check, Dimension, Evidence, Judge};
use crate::humanize::{percent, thousands};
use crate::report::charts::{BarChart, CHART_COLUMNS, bar_chart, show};

pub struct Labels;

impl Module for Labels {
    fn dimension(&self) -> Dimension {
        Dimension::Labels
    }

    fn evaluate(&self, judge: &mut Judge<'_>) {
        let d = judge.dataset;
        for label in &d.labels {
            if let Some(coverage) = label.coverage {
                judge.push(Evidence {
                        check: Check::LabelCoverage,
                        column: Some(label.column.clone()),
                        observed: coverage,
                        message: format!(
                            "label `{}` is set on {} of rows of `{}` ({} of {})",
                            label.column,
                            percent(Some(coverage)),
                            d.name,
                            thousands(label.labelled_count),
                            thousands(d.row_count)
                        ),
                        why: "A supervised model learns only from labelled rows; unlabelled ones are unusable for training and evaluation.",
                        fix: format!("Ask the owner of `{}` to backfill `{}`, or plan a labelling effort.", d.name, label.column),
                    });
            }
            if let Some(minority) = label.classes.last() {
                let observed = minority.count as f64;
                let judged = judge.judge(Check::MinorityClassSize, Some(&label.column), observed);
                if judged.is_none() {
                    judge.evaluated(Check::MinorityClassSize, Some(&label.column), None);
                }
                if let Some((_, threshold, _)) = judged {
                    judge.push(Evidence {
                            check: Check::MinorityClassSize,
                            column: Some(label.column.clone()),
                            observed,
                            message: format!(
                                "the rarest class of `{}` ({}) has {} examples; {} recommended",
                                label.column,
                                minority.value,
                                thousands(minority.count),
                                thousands(threshold as u64)
                            ),
                            why: "With few examples of a class a model cannot learn it reliably, nor can its accuracy on it be measured.",
                            fix: "Collect more examples of the rare class, or merge it with a related class.".to_string(),
                        });
                }
            }
        }
    }

    fn view(&self, input: &ViewInput<'_>) -> minijinja::Value {
        let d = input.dataset;
        let labels: Vec<LabelView> = d
            .labels
            .iter()
            .map(|label| {
                let max = label.classes.first().map_or(1, |c| c.count.max(1));
                LabelView {
                    column: label.column.clone(),
                    coverage: format!(
                        "{} ({} of {} rows)",
                        percent(label.coverage),
                        thousands(label.labelled_count),
                        thousands(d.row_count)
                    ),
                    imbalance: label
                        .imbalance_ratio
                        .map_or("-".into(), |r| format!("{r:.1} : 1")),
                    chart: bar_chart(
                        label.classes.iter().take(CHART_COLUMNS).map(|c| {
                            (
                                show(&c.value),
                                c.count as f64 / max as f64,
                                thousands(c.count),
                            )
                        }),
                        format!("rows per class of {}", label.column),
                    ),
                }
            })
            .collect();
        minijinja::Value::from_serialize(LabelsView { labels })
    }

    fn template(&self) -> &'static str {
        include_str!("../../../reports/templates/dimensions/labels.html")
    }

    fn pass(&self) -> Option<&dyn crate::profile::pass::Part> {
        Some(self)
    }
}

#[derive(Serialize)]
struct LabelsView {
    labels: Vec<LabelView>,
}

#[derive(Serialize)]
struct LabelView {
    column: String,
    coverage: String,
    imbalance: String,
    chart: BarChart,
}
