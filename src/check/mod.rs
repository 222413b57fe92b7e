//! Checks: thresholds turned into findings, and findings into verdicts.
//!
//! Reads only the typed [`ScanResult`]; runs no query. Each finding is written for a data
//! owner: what, where, how much, why it matters for a model, and what to do. A dimension's
//! verdict is the worst severity among its findings (`fail` -> not ready, `warn` -> needs work,
//! none -> ready); a dataset's is the worst of its dimensions, the overall the worst of the
//! datasets. Findings of `advisory` checks are reported but never move a verdict or the exit
//! status. These rules never change meaning; the thresholds come from a check [`Suite`]
//! (`checks/default.toml` unless another is given).

pub mod suite;

use serde::{Deserialize, Serialize};

pub use suite::Suite;

use crate::history::{DatasetHistory, History, METRICS};
use crate::humanize::{human_duration, percent, thousands};
use crate::metrics::{DatasetMetrics, ScanResult};

/// The readiness dimensions, in report order.
pub const DIMENSIONS: &[Dimension] = &[
    Dimension::Inventory,
    Dimension::Completeness,
    Dimension::Duplication,
    Dimension::Labels,
    Dimension::Freshness,
    Dimension::Lineage,
    Dimension::Privacy,
    Dimension::History,
];

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Inventory,
    Completeness,
    Duplication,
    Labels,
    Freshness,
    Lineage,
    Privacy,
    /// Change against earlier runs (needs a history store).
    History,
}

impl Dimension {
    pub fn title(self) -> &'static str {
        match self {
            Self::Inventory => "Files and readability",
            Self::Completeness => "Completeness",
            Self::Duplication => "Duplication",
            Self::Labels => "Label coverage",
            Self::Freshness => "Freshness",
            Self::Lineage => "Lineage metadata",
            Self::Privacy => "Personal data",
            Self::History => "Change over time",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warn,
    Fail,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ready,
    NeedsWork,
    NotReady,
}

impl Verdict {
    fn from_worst(severity: Option<Severity>) -> Self {
        match severity {
            None => Self::Ready,
            Some(Severity::Warn) => Self::NeedsWork,
            Some(Severity::Fail) => Self::NotReady,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::NeedsWork => "needs work",
            Self::NotReady => "not ready",
        }
    }
}

/// One check's outcome on one dataset (or column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    pub check: String,
    pub dataset: String,
    pub dimension: Dimension,
    pub column: Option<String>,
    pub severity: Severity,
    /// The measured value the check compared.
    pub observed: f64,
    pub threshold: f64,
    /// Reported, but moves no verdict and no exit status.
    #[serde(default)]
    pub advisory: bool,
    /// What, where and how much, in plain language.
    pub message: String,
    /// Why it matters for an AI project.
    pub why: String,
    /// What to do.
    pub fix: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DimensionVerdict {
    pub dimension: Dimension,
    pub verdict: Verdict,
    pub findings: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DatasetVerdict {
    pub dataset: String,
    pub verdict: Verdict,
    pub dimensions: Vec<DimensionVerdict>,
}

/// Verdicts and findings for a whole scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Assessment {
    pub overall_verdict: Verdict,
    pub datasets: Vec<DatasetVerdict>,
    /// Most severe first, then by dataset, dimension and column.
    pub findings: Vec<Finding>,
    /// Every check evaluated, passed or not (for OpenLineage assertions; not in the JSON).
    #[serde(skip)]
    pub evaluated: Vec<Evaluated>,
}

/// One check evaluated on one dataset (and column).
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluated {
    pub check: String,
    pub dataset: String,
    pub column: Option<String>,
    /// The most severe level the check is configured to raise.
    pub configured: Severity,
    /// `None` when it passed.
    pub outcome: Option<Severity>,
}

/// Evaluates every check on every dataset; the checks on history need `history`.
pub fn evaluate(result: &ScanResult, suite: &Suite, history: Option<&History>) -> Assessment {
    let mut findings = Vec::new();
    let mut evaluated = Vec::new();
    for dataset in &result.datasets {
        let mut context = Context {
            dataset,
            suite,
            findings: &mut findings,
            evaluated: &mut evaluated,
        };
        if let Some(own) =
            history.and_then(|h| h.datasets.iter().find(|d| d.dataset == dataset.name))
        {
            context.history(own);
        }
        context.inventory();
        context.completeness();
        context.duplication();
        context.labels();
        context.freshness();
        context.lineage();
        context.privacy();
    }
    for failure in &result.unreadable_sources {
        let Some(rule) = suite.rule("source_readable", &failure.source, None) else {
            continue;
        };
        let Some((severity, threshold)) = rule.judge(1.0) else {
            continue;
        };
        findings.push(Finding {
            check: "source_readable".into(),
            dataset: failure.source.clone(),
            dimension: Dimension::Inventory,
            column: None,
            severity,
            observed: 1.0,
            threshold,
            advisory: rule.advisory,
            message: format!("{} could not be read: {}", failure.source, failure.error),
            why: "Data that cannot be read cannot be assessed or used for training.".into(),
            fix: "Check the path and access rights with the data owner, then run the scan again."
                .into(),
        });
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.dataset.cmp(&b.dataset))
            .then_with(|| a.dimension.cmp(&b.dimension))
            .then_with(|| a.column.cmp(&b.column))
            .then_with(|| a.check.cmp(&b.check))
    });
    let datasets: Vec<DatasetVerdict> = result
        .datasets
        .iter()
        .map(|dataset| {
            let dimensions: Vec<DimensionVerdict> = DIMENSIONS
                .iter()
                .map(|&dimension| {
                    let own: Vec<_> = findings
                        .iter()
                        .filter(|f| f.dataset == dataset.name && f.dimension == dimension)
                        .collect();
                    let binding = own.iter().filter(|f| !f.advisory).map(|f| f.severity);
                    DimensionVerdict {
                        dimension,
                        verdict: Verdict::from_worst(binding.max()),
                        findings: own.len(),
                    }
                })
                .collect();
            DatasetVerdict {
                dataset: dataset.name.clone(),
                verdict: dimensions
                    .iter()
                    .map(|d| d.verdict)
                    .max()
                    .unwrap_or(Verdict::Ready),
                dimensions,
            }
        })
        .collect();
    let unreadable = Verdict::from_worst(
        findings
            .iter()
            .filter(|f| f.check == "source_readable" && !f.advisory)
            .map(|f| f.severity)
            .max(),
    );
    let unreadable = Some(unreadable);
    let overall_verdict = datasets
        .iter()
        .map(|d| d.verdict)
        .chain(unreadable)
        .max()
        .unwrap_or(Verdict::Ready);
    Assessment {
        overall_verdict,
        datasets,
        findings,
        evaluated,
    }
}

struct Context<'a> {
    dataset: &'a DatasetMetrics,
    suite: &'a Suite,
    findings: &'a mut Vec<Finding>,
    evaluated: &'a mut Vec<Evaluated>,
}

struct Check<'t> {
    check: &'t str,
    dimension: Dimension,
    column: Option<String>,
    observed: f64,
    message: String,
    why: &'t str,
    fix: String,
}

impl Context<'_> {
    /// The rule of `check` for this dataset and `column`, judged on `observed`: the severity,
    /// the threshold crossed and whether the check is advisory.
    fn judge(
        &self,
        check: &str,
        column: Option<&str>,
        observed: f64,
    ) -> Option<(Severity, f64, bool)> {
        let rule = self.suite.rule(check, &self.dataset.name, column)?;
        let (severity, threshold) = rule.judge(observed)?;
        Some((severity, threshold, rule.advisory))
    }

    /// Records that `check` ran, and whether it raised `outcome`.
    fn evaluated(&mut self, check: &str, column: Option<&str>, outcome: Option<Severity>) {
        let Some(rule) = self.suite.rule(check, &self.dataset.name, column) else {
            return;
        };
        self.evaluated.push(Evaluated {
            check: check.to_string(),
            dataset: self.dataset.name.clone(),
            column: column.map(str::to_string),
            configured: match rule.fail {
                Some(_) => Severity::Fail,
                None => Severity::Warn,
            },
            outcome,
        });
    }

    /// Records `check` as a finding when its figure crosses a threshold of the suite.
    fn push(&mut self, check: Check<'_>) {
        let judged = self.judge(check.check, check.column.as_deref(), check.observed);
        self.evaluated(
            check.check,
            check.column.as_deref(),
            judged.map(|(severity, _, _)| severity),
        );
        let Some((severity, threshold, advisory)) = judged else {
            return;
        };
        self.findings.push(Finding {
            check: check.check.to_string(),
            dataset: self.dataset.name.clone(),
            dimension: check.dimension,
            column: check.column,
            severity,
            observed: check.observed,
            threshold,
            advisory,
            message: check.message,
            why: check.why.to_string(),
            fix: check.fix,
        });
    }

    fn inventory(&mut self) {
        let d = self.dataset;
        let unreadable: Vec<_> = d
            .files
            .iter()
            .filter(|f| f.schema_matches && f.error.is_some())
            .collect();
        {
            self.push(Check {
                check: "files_readable",
                dimension: Dimension::Inventory,
                column: None,
                observed: unreadable.len() as f64,
                message: format!(
                    "{} of {} files of `{}` cannot be read and were left out (first: {})",
                    unreadable.len(),
                    d.files.len(),
                    d.name,
                    unreadable.first().map_or("-", |f| f.path.as_str())
                ),
                why: "Rows in unreadable files are silently missing from anything trained on this data.",
                fix: "Ask the data owner to re-export or repair the listed files.".to_string(),
            });
        }
        if d.format == "csv" && d.files.iter().any(|f| f.error.is_none()) {
            let read = d.row_count + d.rejected_row_count;
            let share = match read {
                0 => 0.0,
                _ => d.rejected_row_count as f64 / read as f64,
            };
            let first = d
                .files
                .iter()
                .find_map(|f| Some((f.path.as_str(), f.rejected_rows.first()?)));
            let example = first.map_or(String::new(), |(path, row)| {
                format!(
                    " (first: {path} line {}, {})",
                    row.line,
                    row.kind.in_words()
                )
            });
            self.push(Check {
                check: "rows_rejected",
                dimension: Dimension::Inventory,
                column: None,
                observed: share,
                message: format!(
                    "{} of {read} rows of `{}` ({}) could not be read as rows and were left out{example}",
                    d.rejected_row_count,
                    d.name,
                    percent(Some(share)),
                ),
                why: "Rejected rows are missing from every figure and from anything trained on this data; a broken export often breaks the same kind of row every time.",
                fix: "Look at the listed lines: fix the export (quoting of free text, one delimiter, one encoding) and re-deliver the file.".to_string(),
            });
        }
        let conflicts = d.files.iter().filter(|f| !f.schema_matches).count();
        {
            self.push(Check {
                check: "schema_consistent",
                dimension: Dimension::Inventory,
                column: None,
                observed: conflicts as f64,
                message: format!(
                    "{conflicts} of {} files of `{}` have a different format or schema and were left out",
                    d.files.len(),
                    d.name
                ),
                why: "Files that disagree on columns or types usually come from a changed export: their rows mean something else.",
                fix: "Align the export so every file has the same columns, or scan the odd files as their own dataset.".to_string(),
            });
        }
        if d.files.iter().any(|f| f.error.is_none()) {
            self.push(Check {
                check: "volume",
                dimension: Dimension::Inventory,
                column: None,
                observed: d.row_count as f64,
                message: format!("`{}` has no rows", d.name),
                why: "There is nothing to learn from.",
                fix: "Check that the export ran and the right files were shared.".to_string(),
            });
        }
    }

    fn completeness(&mut self) {
        let d = self.dataset;
        for column in &d.columns {
            let Some(completeness) = column.completeness else {
                continue;
            };
            let mut kinds = Vec::new();
            let share = |n: u64| percent(Some(n as f64 / d.row_count as f64));
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
            self.push(Check {
                check: "column_completeness",
                dimension: Dimension::Completeness,
                column: Some(column.name.clone()),
                observed: completeness,
                message: format!(
                    "`{}` in `{}` is missing in {} of rows ({})",
                    column.name,
                    d.name,
                    percent(Some(1.0 - completeness)),
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
            self.push(Check {
                check: "complete_rows",
                dimension: Dimension::Completeness,
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

    fn duplication(&mut self) {
        let d = self.dataset;
        if let Some(fraction) = d.duplicates.duplicate_row_fraction {
            self.push(Check {
                check: "duplicate_rows",
                dimension: Dimension::Duplication,
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
                self.push(Check {
                    check: "duplicate_keys",
                    dimension: Dimension::Duplication,
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

    fn labels(&mut self) {
        let d = self.dataset;
        for label in &d.labels {
            if let Some(coverage) = label.coverage {
                self.push(Check {
                    check: "label_coverage",
                    dimension: Dimension::Labels,
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
                let judged = self.judge("minority_class_size", Some(&label.column), observed);
                if judged.is_none() {
                    self.evaluated("minority_class_size", Some(&label.column), None);
                }
                if let Some((_, threshold, _)) = judged {
                    self.push(Check {
                        check: "minority_class_size",
                        dimension: Dimension::Labels,
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

    fn freshness(&mut self) {
        let d = self.dataset;
        let f = &d.freshness;
        if let Some(lag) = f.lag_seconds {
            let days = lag as f64 / 86_400.0;
            {
                let basis = match f.lag_basis.as_deref() {
                    Some("event_time") => {
                        format!("newest `{}`", f.time_column.as_deref().unwrap_or("time"))
                    }
                    Some("commit_time") => "last commit".to_string(),
                    _ => "newest file".to_string(),
                };
                self.push(Check {
                    check: "freshness_lag",
                    dimension: Dimension::Freshness,
                    column: f.time_column.clone(),
                    observed: days,
                    message: format!("the {basis} of `{}` is {} old", d.name, human_duration(lag)),
                    why: "A model trained on stale data learns yesterday's behaviour; a stopped feed also means predictions will lack inputs.",
                    fix: format!("Confirm with the owner of `{}` that the feed still runs, and how often it should arrive.", d.name),
                });
            }
        }
        if let Some(longest) = f.gaps.iter().max_by_key(|g| g.empty_buckets) {
            let width = f.bucket_width.as_deref().unwrap_or("bucket");
            self.push(Check {
                check: "arrival_gaps",
                dimension: Dimension::Freshness,
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

    fn lineage(&mut self) {
        let d = self.dataset;
        let l = &d.lineage;
        let has_owner = l.owner.is_some()
            || l.key_value_metadata
                .iter()
                .any(|kv| kv.key.to_lowercase().contains("owner"));
        let has_docs =
            l.sidecar_files.iter().any(|s| s.kind == "readme") || !l.column_descriptions.is_empty();
        let has_source = l.key_value_metadata.iter().any(|kv| {
            let key = kv.key.to_lowercase();
            key.contains("source") || key.contains("upstream")
        });
        let mut missing = Vec::new();
        if !has_owner {
            missing.push("owner");
        }
        if !has_docs {
            missing.push("description");
        }
        if !has_source {
            missing.push("source system");
        }
        if !d.columns.is_empty() {
            self.push(Check {
                check: "lineage_metadata",
                dimension: Dimension::Lineage,
                column: None,
                observed: missing.len() as f64,
                message: format!("`{}` records no {}", d.name, missing.join(", no ")),
                why: "Without an owner and a known origin nobody can answer questions about the data, fix it, or approve its use.",
                fix: format!(
                    "Record the owner and source system of `{}` (file metadata or a README beside the data).",
                    d.name
                ),
            });
        }
    }

    /// Checks against earlier runs: change since the previous run, and deviation from the
    /// mean of a window of earlier runs. The current run is never part of the baseline.
    fn history(&mut self, history: &DatasetHistory) {
        let d = self.dataset;
        let current = history.current();
        let Some(previous) = history.previous() else {
            return;
        };
        let since = previous.run_at.format("%Y-%m-%d %H:%M UTC");
        if previous.row_count > 0 {
            let drop =
                (previous.row_count as f64 - current.row_count as f64) / previous.row_count as f64;
            self.push(Check {
                check: "row_count_drop",
                dimension: Dimension::History,
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
                "completeness_drop",
                previous.completeness,
                current.completeness,
                "mean column completeness",
                -1.0,
            ),
            (
                "duplicate_rows_rise",
                previous.duplicate_row_fraction,
                current.duplicate_row_fraction,
                "the share of duplicate rows",
                1.0,
            ),
            (
                "label_coverage_drop",
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
            self.push(Check {
                check,
                dimension: Dimension::History,
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
            let Some(rule) = self
                .suite
                .rule("metric_anomaly", &d.name, Some(metric.name()))
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
            self.push(Check {
                check: "metric_anomaly",
                dimension: Dimension::History,
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

    fn privacy(&mut self) {
        let d = self.dataset;
        for column in d.columns.iter().filter(|c| c.personal_data.is_some()) {
            let kind = column.personal_data.as_deref().unwrap_or_default();
            self.push(Check {
                check: "personal_data",
                dimension: Dimension::Privacy,
                column: Some(column.name.clone()),
                observed: 1.0,
                message: format!("`{}` in `{}` looks like personal data ({kind})", column.name, d.name),
                why: "Personal data needs a legal basis for use in a model, and rarely helps it; its values are masked in this report.",
                fix: format!("Drop or pseudonymise `{}` before training unless the use case needs it and it is approved.", column.name),
            });
        }
    }
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
