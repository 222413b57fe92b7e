//! Representativeness: whether history still describes current conditions. The oldest and
//! newest fifth of the time column's span are compared column by column (population
//! stability index), and the newest window's share of the rows says how much of the data
//! reflects the present.

pub mod profile;

use serde::Serialize;

use super::{Module, ViewInput};
use crate::check::{Check, Dimension, Evidence, Judge};
use crate::humanize::{decimal, percent, thousands};
use crate::metrics::ShiftKind;
use crate::report::charts::most_first;

pub struct Representativeness;

impl Module for Representativeness {
    fn dimension(&self) -> Dimension {
        Dimension::Representativeness
    }

    fn evaluate(&self, judge: &mut Judge<'_>) {
        let d = judge.dataset;
        let r = &d.representativeness;
        let (Some(time), Some(oldest), Some(newest)) = (&r.time_column, &r.oldest, &r.newest)
        else {
            return;
        };
        let day = |t: &chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d").to_string();
        if let Some(share) = r.newest_share {
            judge.push(Evidence {
                check: Check::RecentRows,
                column: None,
                observed: share,
                message: format!(
                    "{} of the rows of `{}` ({}) are in the newest fifth of its time span ({} to {} by `{time}`)",
                    percent(Some(share)),
                    d.name,
                    thousands(newest.rows),
                    day(&newest.start),
                    day(&newest.end)
                ),
                why: "A model learns the past it is given; when recent rows are few, it learns conditions that may no longer hold.",
                fix: format!("Add recent data to `{}`, or weight recent rows more and validate on the newest period only.", d.name),
            });
        }
        // A shift within what sampling alone gives windows of these sizes is not judged: a few
        // hundred rows per window make an index of 0.1 from noise over ten bins.
        let beyond_sampling = r
            .columns
            .iter()
            .filter(|shift| shift.psi >= profile::SAMPLING_MULTIPLE * shift.sampling_psi);
        for shift in beyond_sampling {
            // The bin that changed most (the first of equals).
            let change = |b: &crate::metrics::ShiftBin| (b.newest - b.oldest).abs();
            let moved = shift.bins.iter().reduce(|best, bin| {
                if change(bin) > change(best) {
                    bin
                } else {
                    best
                }
            });
            let evidence = moved.map_or(String::new(), |bin| {
                format!(
                    "; the largest change: {} {} of values then, {} now",
                    match shift.kind {
                        ShiftKind::Numeric => format!("values {}", bin.label),
                        ShiftKind::Categorical => format!("`{}`", bin.label),
                    },
                    percent(Some(bin.oldest)),
                    percent(Some(bin.newest))
                )
            });
            judge.push(Evidence {
                check: Check::DistributionShift,
                column: Some(shift.column.clone()),
                observed: shift.psi,
                message: format!(
                    "`{}` in `{}` is distributed differently in its newest rows than in its oldest (population stability index {}, {} to {} against {} to {}){evidence}",
                    shift.column,
                    d.name,
                    decimal(shift.psi),
                    day(&oldest.start),
                    day(&oldest.end),
                    day(&newest.start),
                    day(&newest.end)
                ),
                why: "A model trained on the whole history learns the old distribution; where a column has moved, its predictions on current data are less reliable than its validation scores say.",
                fix: format!("Ask the owner of `{}` what changed in `{}` (a new source, a new option, a changed definition); train on the recent period or model the change.", d.name, shift.column),
            });
        }
    }

    fn view(&self, input: &ViewInput<'_>) -> minijinja::Value {
        let r = &input.dataset.representativeness;
        let day = |t: &chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d").to_string();
        let window = |w: &Option<crate::metrics::TimeWindow>| {
            w.as_ref().map(|w| WindowView {
                from: day(&w.start),
                to: day(&w.end),
                rows: thousands(w.rows),
            })
        };
        let (columns, more) =
            most_first(r.columns.iter().collect(), |c| (c.psi * 1_000_000.0) as u64);
        let columns = columns
            .into_iter()
            .map(|c| ShiftView {
                name: c.column.clone(),
                psi: decimal(c.psi),
                sampling_psi: decimal(c.sampling_psi),
                kind: match c.kind {
                    ShiftKind::Numeric => "numeric",
                    ShiftKind::Categorical => "categories",
                },
                bins: c
                    .bins
                    .iter()
                    .map(|b| BinView {
                        label: b.label.clone(),
                        oldest: percent(Some(b.oldest)),
                        newest: percent(Some(b.newest)),
                    })
                    .collect(),
            })
            .collect();
        minijinja::Value::from_serialize(RepresentativenessView {
            not_assessed: r.not_assessed.clone(),
            time_column: r.time_column.clone(),
            oldest: window(&r.oldest),
            newest: window(&r.newest),
            newest_share: r.newest_share.map(|s| percent(Some(s))),
            columns,
            more,
        })
    }

    fn template(&self) -> &'static str {
        include_str!("../../../reports/templates/dimensions/representativeness.html")
    }

    fn not_assessed(
        &self,
        dataset: &crate::metrics::DatasetMetrics,
        _history: Option<&crate::history::History>,
    ) -> Option<String> {
        let r = &dataset.representativeness;
        match (&r.not_assessed, &r.time_column) {
            (Some(reason), _) => Some(reason.clone()),
            (None, None) => Some("no rows with a time to compare".to_string()),
            (None, Some(_)) => None,
        }
    }

    fn pass(&self) -> Option<&dyn crate::profile::pass::Part> {
        Some(self)
    }
}

#[derive(Serialize)]
struct RepresentativenessView {
    not_assessed: Option<String>,
    time_column: Option<String>,
    oldest: Option<WindowView>,
    newest: Option<WindowView>,
    newest_share: Option<String>,
    columns: Vec<ShiftView>,
    more: usize,
}

#[derive(Serialize)]
struct WindowView {
    from: String,
    to: String,
    rows: String,
}

#[derive(Serialize)]
struct ShiftView {
    name: String,
    psi: String,
    sampling_psi: String,
    kind: &'static str,
    bins: Vec<BinView>,
}

#[derive(Serialize)]
struct BinView {
    label: String,
    oldest: String,
    newest: String,
}
