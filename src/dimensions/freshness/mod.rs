//! Freshness: how old the newest data is (by event time, a table's last commit, or file
//! times), and the gaps in its arrival cadence.

pub mod profile;

use serde::Serialize;

use super::{Module, ViewInput};
use crate::check::{Check, Dimension, Evidence, Judge};
use crate::humanize::{human_duration, thousands};
use crate::metrics::{DatasetMetrics, LagBasis};

pub struct Freshness;

impl Module for Freshness {
    fn dimension(&self) -> Dimension {
        Dimension::Freshness
    }

    fn evaluate(&self, judge: &mut Judge<'_>) {
        let d = judge.dataset;
        let f = &d.freshness;
        if let Some(lag) = f.lag_seconds {
            let days = lag as f64 / 86_400.0;
            {
                let basis = match f.lag_basis {
                    Some(LagBasis::EventTime) => {
                        format!("newest `{}`", f.time_column.as_deref().unwrap_or("time"))
                    }
                    Some(LagBasis::CommitTime) => "last commit".to_string(),
                    Some(LagBasis::FileModified) | None => "newest file".to_string(),
                };
                judge.push(Evidence {
                        check: Check::FreshnessLag,
                        column: f.time_column.clone(),
                        observed: days,
                        message: format!("the {basis} of `{}` is {} old", d.name, human_duration(lag)),
                        why: "A model trained on stale data learns yesterday's behaviour; a stopped feed also means predictions will lack inputs.",
                        fix: format!("Confirm with the owner of `{}` that the feed still runs, and how often it should arrive.", d.name),
                    });
            }
        }
        if let Some(longest) = f.gaps.iter().max_by_key(|g| g.empty_buckets) {
            let width = f.bucket_width.map_or("bucket", |w| w.name());
            judge.push(Evidence {
                    check: Check::ArrivalGaps,
                    column: f.time_column.clone(),
                    observed: f.gaps.len() as f64,
                    message: format!(
                        "`{}` has {} gap(s) in `{}`; the longest is {} empty {width}(s) from {}",
                        d.name,
                        f.gaps.len(),
                        f.time_column.as_deref().unwrap_or("time"),
                        longest.empty_buckets,
                        longest.start.format("%Y-%m-%d")
                    ),
                    why: "Missing periods hide seasonality and outages; a model may learn that nothing happens then.",
                    fix: "Ask whether the gap is a real pause or a lost load, and backfill it if data exists.".to_string(),
                });
        }
    }

    fn view(&self, input: &ViewInput<'_>) -> minijinja::Value {
        let d = input.dataset;
        let f = &d.freshness;
        let width = f.bucket_width.map_or("bucket", |w| w.name());
        minijinja::Value::from_serialize(FreshnessView {
            lag: f.lag_seconds.map_or("-".into(), human_duration),
            basis: match f.lag_basis {
                Some(LagBasis::EventTime) => format!(
                    "since the newest `{}`",
                    f.time_column.as_deref().unwrap_or_default()
                ),
                Some(LagBasis::CommitTime) => {
                    "since the table's last commit (no time column)".into()
                }
                Some(LagBasis::FileModified) => {
                    "since the newest file was modified (no time column)".into()
                }
                None => String::new(),
            },
            time_range: f
                .min_time
                .zip(f.max_time)
                .map(|(a, b)| format!("{} to {}", a.format("%Y-%m-%d"), b.format("%Y-%m-%d"))),
            timeline: timeline(d),
            gaps: f
                .gaps
                .iter()
                .map(|g| {
                    format!(
                        "{} to {} ({} empty {width}s)",
                        g.start.format("%Y-%m-%d"),
                        g.end.format("%Y-%m-%d"),
                        g.empty_buckets,
                    )
                })
                .collect(),
        })
    }

    fn template(&self) -> &'static str {
        include_str!("../../../reports/templates/dimensions/freshness.html")
    }

    fn pass(&self) -> Option<&dyn crate::profile::pass::Part> {
        Some(self)
    }
}

#[derive(Serialize)]
struct FreshnessView {
    lag: String,
    basis: String,
    time_range: Option<String>,
    timeline: Option<Timeline>,
    gaps: Vec<String>,
}

#[derive(Serialize)]
struct TimeBar {
    x: f64,
    width: f64,
    height: f64,
    y: f64,
    gap: bool,
    title: String,
}

#[derive(Serialize)]
struct Timeline {
    bars: Vec<TimeBar>,
    first: String,
    last: String,
    peak: String,
}

/// Rows per time bucket as bars on a 1000 x 120 canvas, each bucket one unit wide; a gap of
/// empty buckets is one hatched bar as wide as the buckets it spans, so the page grows with
/// the buckets that hold rows, never with the span of the dates (a stray 9999-12-31).
fn timeline(d: &DatasetMetrics) -> Option<Timeline> {
    let f = &d.freshness;
    if f.buckets.is_empty() {
        return None;
    }
    let width_name = f.bucket_width.map_or("bucket", |w| w.name());
    // (start, rows, units wide, is a gap)
    let mut slots: Vec<(chrono::DateTime<chrono::Utc>, u64, u64, bool)> = Vec::new();
    for bucket in &f.buckets {
        if let Some(gap) = f.gaps.iter().find(|g| g.end == bucket.start) {
            slots.push((gap.start, gap.empty_buckets, gap.empty_buckets.max(1), true));
        }
        slots.push((bucket.start, bucket.rows, 1, false));
    }
    let peak = slots
        .iter()
        .filter(|s| !s.3)
        .map(|s| s.1)
        .max()
        .unwrap_or(1)
        .max(1);
    let units: u64 = slots.iter().map(|s| s.2).sum();
    let unit = 1000.0 / units as f64;
    let mut at = 0u64;
    let round = |value: f64| (value * 100.0).round() / 100.0;
    let bars = slots
        .iter()
        .map(|(start, rows, wide, gap)| {
            let height = if *gap {
                120.0
            } else {
                (*rows as f64 / peak as f64 * 120.0).max(1.0)
            };
            let x = at as f64 * unit;
            at += wide;
            let span = *wide as f64 * unit;
            TimeBar {
                x: round(x),
                width: round(if *gap { span } else { span * 0.85 }.max(0.5)),
                height: round(height),
                y: round(120.0 - height),
                gap: *gap,
                title: if *gap {
                    format!(
                        "from {}: no rows for {} {width_name}(s) (gap)",
                        start.format("%Y-%m-%d"),
                        thousands(*rows)
                    )
                } else {
                    format!("{}: {} rows", start.format("%Y-%m-%d"), thousands(*rows))
                },
            }
        })
        .collect();
    Some(Timeline {
        bars,
        first: f.buckets.first()?.start.format("%Y-%m-%d").to_string(),
        last: f.buckets.last()?.start.format("%Y-%m-%d").to_string(),
        peak: thousands(peak),
    })
}
