//! Label coverage: for each label column, the share of rows labelled and the rows per class.

pub mod leakage;
pub mod profile;

use serde::Serialize;

use super::{Module, ViewInput};
use crate::check::{Check, Dimension, Evidence, Judge};
use crate::humanize::{percent, thousands};
use crate::metrics::{LeakageEvidence, LeakageRule};
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
            if let Some(over_time) = &label.over_time
                && let Some(days) = over_time.label_delay_days
            {
                let unlabelled: Vec<String> = over_time
                    .buckets
                    .iter()
                    .rev()
                    .take_while(|b| b.labelled == 0)
                    .map(|b| b.start.format("%Y-%m-%d").to_string())
                    .collect();
                judge.push(Evidence {
                    check: Check::LabelDelay,
                    column: Some(label.column.clone()),
                    observed: days as f64,
                    message: format!(
                        "the newest labelled row of `{}` is {days} days older than the newest row of `{}`{}",
                        label.column,
                        d.name,
                        match unlabelled.len() {
                            0 => String::new(),
                            n => format!("; the last {n} {}s (from {}) have no labels", over_time.bucket_width.name(), unlabelled.last().map_or("", String::as_str)),
                        }
                    ),
                    why: "Labels that arrive late leave the newest data, the most like what the model will see, out of training and evaluation.",
                    fix: format!("Measure how long `{}` takes to be set after a row arrives, and train only on periods whose labels have settled.", label.column),
                });
            }
            if let (Some(rows), Some(groups)) =
                (label.conflicting_row_count, label.conflicting_groups)
                && label.labelled_count > 0
            {
                judge.push(Evidence {
                    check: Check::ConflictingLabels,
                    column: Some(label.column.clone()),
                    observed: rows as f64 / label.labelled_count as f64,
                    message: format!(
                        "{} labelled rows of `{}` in {} groups share every other column with a row of another `{}` class",
                        thousands(rows),
                        d.name,
                        thousands(groups),
                        label.column
                    ),
                    why: "Identical inputs with different labels cap the accuracy any model can reach and usually mean the label depends on something not in the data, or was set inconsistently.",
                    fix: format!("Review the conflicting groups of `{}` with the people who label: settle the rule, or find the missing feature that tells them apart.", label.column),
                });
            }
            if label.labelled_count > 0 {
                let groups: Vec<String> = label
                    .spelling_variants
                    .iter()
                    .map(|g| {
                        g.variants
                            .iter()
                            .map(|v| format!("'{}' {}", show(&v.value), thousands(v.count)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .collect();
                judge.push(Evidence {
                    check: Check::LabelSpellings,
                    column: Some(label.column.clone()),
                    observed: label.spelling_variant_row_count as f64 / label.labelled_count as f64,
                    message: format!(
                        "`{}` spells {} classes in several ways: {}",
                        label.column,
                        groups.len(),
                        groups.join("; ")
                    ),
                    why: "A class spelled two ways is two classes to a model: the rarer spelling's rows teach it a class that does not exist.",
                    fix: format!("Map the spellings of `{}` to one value each before training, and fix the form that lets them in.", label.column),
                });
            }
            for suspect in &label.leakage_suspects {
                judge.push(Evidence {
                    check: Check::LeakageSuspects,
                    column: Some(suspect.column.clone()),
                    observed: suspect.strength,
                    message: format!(
                        "`{}` may give the label `{}` away: {}",
                        suspect.column,
                        label.column,
                        leakage_evidence(suspect, &label.column)
                    ),
                    why: "A column known only once the label is known makes a model look excellent in validation and fail in use, where the column is not yet there.",
                    fix: format!("Ask when `{}` is set in the process: if after `{}` is decided, leave it out of the features.", suspect.column, label.column),
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
                    delay: label.over_time.as_ref().and_then(|t| t.label_delay_days),
                    suspects: label
                        .leakage_suspects
                        .iter()
                        .map(|s| SuspectView {
                            column: s.column.clone(),
                            evidence: leakage_evidence(s, &label.column),
                            strength: crate::humanize::decimal(s.strength),
                        })
                        .collect(),
                    conflicting: label.conflicting_row_count.map(|rows| {
                        format!(
                            "{} rows in {} groups",
                            thousands(rows),
                            thousands(label.conflicting_groups.unwrap_or(0))
                        )
                    }),
                    over_time: label
                        .over_time
                        .iter()
                        .flat_map(|t| &t.buckets)
                        .map(|b| {
                            let share = b.labelled as f64 / b.rows.max(1) as f64;
                            OverTimeBar {
                                height: (share * 240.0).round() / 10.0,
                                title: format!(
                                    "{}: {} of {} labelled",
                                    b.start.format("%Y-%m-%d"),
                                    thousands(b.labelled),
                                    thousands(b.rows)
                                ),
                            }
                        })
                        .collect(),
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

    fn not_assessed(
        &self,
        dataset: &crate::metrics::DatasetMetrics,
        _history: Option<&crate::history::History>,
    ) -> Option<String> {
        dataset
            .labels
            .is_empty()
            .then(|| "no label column in this dataset: name the ML target with --label".to_string())
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
    /// Days the newest labels lag the newest rows.
    delay: Option<u64>,
    conflicting: Option<String>,
    suspects: Vec<SuspectView>,
    /// The labelled share of each time bucket, oldest first, as bars 24 pixels high at most.
    over_time: Vec<OverTimeBar>,
    chart: BarChart,
}

#[derive(Serialize)]
struct SuspectView {
    column: String,
    evidence: String,
    strength: String,
}

/// A leakage suspect's evidence in words.
fn leakage_evidence(suspect: &LeakageEvidence, label: &str) -> String {
    let share = |s: f64| percent(Some(s));
    match suspect.rule {
        LeakageRule::ValuePurity => format!(
            "each of its values nearly always comes with one `{label}` class ({} of {} labelled rows are in their value's most common class, against {} in the most common class overall)",
            share(suspect.observed),
            thousands(suspect.rows),
            share(suspect.baseline)
        ),
        LeakageRule::FilledWithLabel => format!(
            "it is filled in {} of the rows where `{label}` is set and in {} of the rows where it is not",
            share(suspect.observed),
            share(suspect.baseline)
        ),
        LeakageRule::AfterTime => format!(
            "it is later than the row's time in {} of {} labelled rows: it is known only after the event",
            share(suspect.observed),
            thousands(suspect.rows)
        ),
    }
}

#[derive(Serialize)]
struct OverTimeBar {
    height: f64,
    title: String,
}
