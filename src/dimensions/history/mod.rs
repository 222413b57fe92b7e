//! Change over time: this run against earlier runs of the same dataset in the history store
//! (drops since the previous run, and figures far from their recent mean).

use serde::Serialize;

use super::{Module, ViewInput};
use crate::check::{Check, Dimension, Evidence, Judge};
use crate::history::{DatasetHistory, METRICS, Metric};
use crate::humanize::{human_duration, percent, thousands};

pub struct History;

impl Module for History {
    fn dimension(&self) -> Dimension {
        Dimension::History
    }

    fn evaluate(&self, judge: &mut Judge<'_>) {
        let d = judge.dataset;
        let Some(history) = judge.history else {
            return;
        };
        let current = history.current();
        let Some(previous) = history.previous() else {
            return;
        };
        let since = previous.run_at.format("%Y-%m-%d %H:%M UTC");
        if previous.row_count > 0 {
            let drop =
                (previous.row_count as f64 - current.row_count as f64) / previous.row_count as f64;
            judge.push(Evidence {
                    check: Check::RowCountDrop,
                    column: None,
                    observed: drop,
                    message: format!(
                        "`{}` has {} rows, {} fewer than in the run of {since} ({} lost)",
                        d.name,
                        thousands(current.row_count),
                        thousands(previous.row_count.saturating_sub(current.row_count)),
                        percent(Some(drop))
                    ),
                    why: "A sudden drop in volume usually means a failed or partial load, not a real change in the business.",
                    fix: format!("Check the last load of `{}` for failed or missing files before using this data.", d.name),
                });
        }
        let drops = [
            (
                Check::CompletenessDrop,
                previous.completeness,
                current.completeness,
                "mean column completeness",
                -1.0,
            ),
            (
                Check::DuplicateRowsRise,
                previous.duplicate_row_fraction,
                current.duplicate_row_fraction,
                "the share of duplicate rows",
                1.0,
            ),
            (
                Check::LabelCoverageDrop,
                previous.label_coverage,
                current.label_coverage,
                "label coverage",
                -1.0,
            ),
        ];
        for (check, before, now, what, sign) in drops {
            let (Some(before), Some(now)) = (before, now) else {
                continue;
            };
            let worse = sign * (now - before);
            judge.push(Evidence {
                    check,
                    column: None,
                    observed: worse,
                    message: format!(
                        "{what} of `{}` went from {} to {} since the run of {since}",
                        d.name,
                        percent(Some(before)),
                        percent(Some(now))
                    ),
                    why: "A quality figure that moved since the last run points to a change upstream that nobody announced.",
                    fix: format!("Compare the last two loads of `{}` and ask its owner what changed.", d.name),
                });
        }
        for &metric in METRICS {
            let Some(rule) = judge
                .suite
                .rule(Check::MetricAnomaly, &d.name, Some(metric.name()))
            else {
                continue;
            };
            let Some(value) = metric.of(current) else {
                continue;
            };
            let baseline: Vec<f64> = history
                .earlier
                .iter()
                .rev()
                .take(rule.window as usize)
                .filter_map(|run| metric.of(run))
                .collect();
            if baseline.len() < rule.min_runs as usize {
                continue;
            }
            let (mean, deviation) = mean_and_deviation(&baseline);
            let sigmas = (value - mean).abs() / deviation.max(0.01 * mean.abs()).max(1e-9);
            judge.push(Evidence {
                    check: Check::MetricAnomaly,
                    column: Some(metric.name().to_string()),
                    observed: sigmas,
                    message: format!(
                        "{} of `{}` is {}, {sigmas:.1} standard deviations from the mean of its last {} runs ({})",
                        metric.title(),
                        d.name,
                        metric.show(value),
                        baseline.len(),
                        metric.show(mean)
                    ),
                    why: "A figure far outside its usual range signals a broken load or an upstream change, even when it still passes fixed thresholds.",
                    fix: format!("Look at what changed in `{}` in this load; if the new level is expected, the baseline adapts over the next runs.", d.name),
                });
        }
    }

    fn view(&self, input: &ViewInput<'_>) -> minijinja::Value {
        minijinja::Value::from_serialize(HistoryView {
            trends: input.history.map(trends).unwrap_or_default(),
            runs: input.history.map_or(0, |h| h.runs.len()),
            location: input.history_location.map(str::to_string),
        })
    }

    fn template(&self) -> &'static str {
        include_str!("../../../reports/templates/dimensions/history.html")
    }

    fn not_assessed(
        &self,
        dataset: &crate::metrics::DatasetMetrics,
        history: Option<&crate::history::History>,
    ) -> Option<String> {
        let Some(history) = history else {
            return Some(
                "no history store: give --history (or [history] in readiness.toml) to compare runs"
                    .to_string(),
            );
        };
        let earlier = history
            .datasets
            .iter()
            .find(|d| d.dataset == dataset.name)
            .and_then(|d| d.previous());
        earlier.is_none().then(|| {
            "the first run of this dataset in the history store: the next run is compared with it"
                .to_string()
        })
    }
}

#[derive(Serialize)]
struct HistoryView {
    /// One small chart per trended metric (empty without history).
    trends: Vec<Trend>,
    /// How many runs the trend charts cover, this one included.
    runs: usize,
    /// `None` without a history store.
    location: Option<String>,
}

/// A metric over the last runs: a sparkline with its figures written out.
#[derive(Serialize)]
struct Trend {
    title: &'static str,
    /// SVG polyline points in a 160 x 40 box.
    points: String,
    /// The last point (this run).
    last_x: f64,
    last_y: f64,
    current: String,
    change: String,
    /// Every run's value, oldest first, for the text alternative.
    values: String,
}

/// Mean and sample standard deviation (n - 1).
fn mean_and_deviation(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, variance.sqrt())
}
/// Sparklines for the trended metrics that have a value in at least one run.
fn trends(history: &DatasetHistory) -> Vec<Trend> {
    METRICS
        .iter()
        .filter_map(|&metric| {
            let values: Vec<Option<f64>> = history.runs.iter().map(|r| metric.of(r)).collect();
            let known: Vec<f64> = values.iter().flatten().copied().collect();
            let current = metric.of(history.current())?;
            let (low, high) = known
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(*v), hi.max(*v))
                });
            let span = (high - low).max(f64::EPSILON);
            let step = 160.0 / (values.len().max(2) - 1) as f64;
            let point = |i: usize, v: f64| (i as f64 * step, 36.0 - (v - low) / span * 32.0);
            let points: Vec<String> = values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| point(i, v)))
                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                .collect();
            let (last_x, last_y) = point(values.len() - 1, current);
            let previous = history.previous().and_then(|p| metric.of(p));
            let change = match previous {
                None => "first run".to_string(),
                Some(before) => {
                    let delta = current - before;
                    match metric {
                        Metric::RowCount => {
                            format!("{:+} rows since the previous run", delta as i64)
                        }
                        Metric::FreshnessLagSeconds => format!(
                            "{}{} since the previous run",
                            if delta < 0.0 { "-" } else { "+" },
                            human_duration(delta.abs() as i64)
                        ),
                        _ => format!("{:+.1} points since the previous run", delta * 100.0),
                    }
                }
            };
            Some(Trend {
                title: metric.title(),
                points: points.join(" "),
                last_x,
                last_y,
                current: metric.show(current),
                change,
                values: values
                    .iter()
                    .map(|v| v.map_or("-".into(), |v| metric.show(v)))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
        })
        .collect()
}
