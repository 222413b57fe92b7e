//! Checks: thresholds turned into findings, and findings into verdicts.
//!
//! Reads only the typed [`ScanResult`]; runs no query. Each finding is written for a data
//! owner: what, where, how much, why it matters for a model, and what to do. A dimension's
//! verdict is the worst severity among its findings (`fail` -> not ready, `warn` -> needs work,
//! none -> ready, or not assessed when its module says it had nothing to judge); a dataset's is
//! the worst of its assessed dimensions, the overall the worst of the datasets. Findings of
//! `advisory` checks are reported but never move a verdict or the exit status. These rules never change meaning; the thresholds come from a check [`Suite`]
//! (`checks/default.toml` unless another is given).

pub mod catalog;
pub mod suite;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub use catalog::Check;
pub use suite::Suite;

use crate::dimensions;
use crate::history::{DatasetHistory, History};
use crate::metrics::{DatasetMetrics, ScanResult};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Inventory,
    Completeness,
    /// How values are written: formats, numbers as text, spellings of one category.
    Consistency,
    /// How numbers are spread: percentiles, a histogram, outliers, impossible negatives.
    Distributions,
    Duplication,
    Labels,
    Freshness,
    /// Whether the oldest rows still describe the newest.
    Representativeness,
    Lineage,
    Privacy,
    /// Change against earlier runs (needs a history store).
    History,
}

impl Dimension {
    /// The snake_case name: the JSON's, and the report template's (`dimensions/<name>.html`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Inventory => "inventory",
            Self::Completeness => "completeness",
            Self::Consistency => "consistency",
            Self::Distributions => "distributions",
            Self::Duplication => "duplication",
            Self::Labels => "labels",
            Self::Freshness => "freshness",
            Self::Representativeness => "representativeness",
            Self::Lineage => "lineage",
            Self::Privacy => "privacy",
            Self::History => "history",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Inventory => "Files and readability",
            Self::Completeness => "Completeness",
            Self::Consistency => "Format consistency",
            Self::Distributions => "Numeric distributions",
            Self::Duplication => "Duplication",
            Self::Labels => "Label coverage",
            Self::Freshness => "Freshness",
            Self::Representativeness => "Representativeness",
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
    /// A dimension with nothing to judge: no label column named, no time column, no history
    /// store. Ordered below `Ready`, so a dataset's verdict is the worst of the dimensions that
    /// were assessed.
    NotAssessed,
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
            Self::NotAssessed => "not assessed",
            Self::Ready => "ready",
            Self::NeedsWork => "needs work",
            Self::NotReady => "not ready",
        }
    }

    /// The snake_case name, as the JSON and the history store write it.
    pub fn name(self) -> &'static str {
        match self {
            Self::NotAssessed => "not_assessed",
            Self::Ready => "ready",
            Self::NeedsWork => "needs_work",
            Self::NotReady => "not_ready",
        }
    }

    /// The verdict named `name`; `None` for a name this version does not know (a history file
    /// written by a newer readiness), which is then shown as not recorded.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::NotAssessed,
            Self::Ready,
            Self::NeedsWork,
            Self::NotReady,
        ]
        .into_iter()
        .find(|verdict| verdict.name() == name)
    }
}

/// One check's outcome on one dataset (or column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Finding {
    pub check: Check,
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
    /// Why the dimension could not be assessed, and what to pass to assess it (with
    /// `verdict: "not_assessed"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_assessed: Option<String>,
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
    /// Dimensions, over all datasets, that had nothing to judge (`not_assessed`): the overall
    /// verdict covers only the others.
    #[serde(default)]
    pub not_assessed_dimensions: usize,
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
    pub check: Check,
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
        let mut judge = Judge {
            dataset,
            history: history.and_then(|h| h.datasets.iter().find(|d| d.dataset == dataset.name)),
            suite,
            findings: &mut findings,
            evaluated: &mut evaluated,
        };
        for module in dimensions::REGISTERED {
            module.evaluate(&mut judge);
        }
    }
    for failure in &result.unreadable_sources {
        let Some(rule) = suite.rule(Check::SourceReadable, &failure.source, None) else {
            continue;
        };
        let Some((severity, threshold)) = rule.judge(1.0) else {
            continue;
        };
        findings.push(Finding {
            check: Check::SourceReadable,
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
    // Each dataset's findings, looked up once (a lake has thousands of datasets and as many
    // findings again: filtering them all per dataset and dimension took seconds).
    let mut by_dataset: HashMap<&str, Vec<&Finding>> = HashMap::new();
    for finding in &findings {
        by_dataset
            .entry(finding.dataset.as_str())
            .or_default()
            .push(finding);
    }
    let datasets: Vec<DatasetVerdict> = result
        .datasets
        .iter()
        .map(|dataset| {
            let theirs = by_dataset.get(dataset.name.as_str());
            let dimensions: Vec<DimensionVerdict> = dimensions::REGISTERED
                .iter()
                .map(|module| {
                    let dimension = module.dimension();
                    let own: Vec<_> = theirs
                        .into_iter()
                        .flatten()
                        .filter(|f| f.dimension == dimension)
                        .collect();
                    let binding = own.iter().filter(|f| !f.advisory).map(|f| f.severity);
                    let worst = binding.max();
                    let not_assessed = module
                        .not_assessed(dataset, history)
                        .filter(|_| worst.is_none());
                    DimensionVerdict {
                        dimension,
                        verdict: match not_assessed {
                            Some(_) => Verdict::NotAssessed,
                            None => Verdict::from_worst(worst),
                        },
                        findings: own.len(),
                        not_assessed,
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
            .filter(|f| f.check == Check::SourceReadable && !f.advisory)
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
    let not_assessed_dimensions = datasets
        .iter()
        .flat_map(|d| &d.dimensions)
        .filter(|d| d.verdict == Verdict::NotAssessed)
        .count();
    Assessment {
        overall_verdict,
        not_assessed_dimensions,
        datasets,
        findings,
        evaluated,
    }
}

/// One dataset's checks being evaluated: the dimensions' modules judge their figures against
/// the suite's rules through it, and it records every finding and every check that ran.
pub struct Judge<'a> {
    pub dataset: &'a DatasetMetrics,
    /// This dataset's earlier runs, when a history store was given.
    pub history: Option<&'a DatasetHistory>,
    pub suite: &'a Suite,
    findings: &'a mut Vec<Finding>,
    evaluated: &'a mut Vec<Evaluated>,
}

/// What a check measured, and what a data owner reads about it when it crosses a threshold.
pub struct Evidence<'t> {
    pub check: Check,
    pub column: Option<String>,
    pub observed: f64,
    /// What, where and how much.
    pub message: String,
    /// Why it matters for an AI project.
    pub why: &'t str,
    /// What to do.
    pub fix: String,
}

impl Judge<'_> {
    /// The rule of `check` for this dataset and `column`, judged on `observed`: the severity,
    /// the threshold crossed and whether the check is advisory.
    pub fn judge(
        &self,
        check: Check,
        column: Option<&str>,
        observed: f64,
    ) -> Option<(Severity, f64, bool)> {
        let rule = self.suite.rule(check, &self.dataset.name, column)?;
        let (severity, threshold) = rule.judge(observed)?;
        Some((severity, threshold, rule.advisory))
    }

    /// Records that `check` ran, and whether it raised `outcome`.
    pub fn evaluated(&mut self, check: Check, column: Option<&str>, outcome: Option<Severity>) {
        let Some(rule) = self.suite.rule(check, &self.dataset.name, column) else {
            return;
        };
        self.evaluated.push(Evaluated {
            check,
            dataset: self.dataset.name.clone(),
            column: column.map(str::to_string),
            configured: match rule.fail {
                Some(_) => Severity::Fail,
                None => Severity::Warn,
            },
            outcome,
        });
    }

    /// Records the evidence as a finding when its figure crosses a threshold of the suite.
    pub fn push(&mut self, evidence: Evidence<'_>) {
        let judged = self.judge(
            evidence.check,
            evidence.column.as_deref(),
            evidence.observed,
        );
        self.evaluated(
            evidence.check,
            evidence.column.as_deref(),
            judged.map(|(severity, _, _)| severity),
        );
        let Some((severity, threshold, advisory)) = judged else {
            return;
        };
        self.findings.push(Finding {
            check: evidence.check,
            dataset: self.dataset.name.clone(),
            dimension: evidence.check.dimension(),
            column: evidence.column,
            severity,
            observed: evidence.observed,
            threshold,
            advisory,
            message: evidence.message,
            why: evidence.why.to_string(),
            fix: evidence.fix,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{
        ColumnMetrics, DatasetFormat, DuplicateMetrics, FreshnessMetrics, LagBasis, LineageMetrics,
        ScanParameters, Tool,
    };
    use crate::source::plan::Grouping;

    fn dataset(name: &str, rows: u64, present: u64, duplicates: u64) -> DatasetMetrics {
        DatasetMetrics {
            name: name.into(),
            source: name.into(),
            location: String::new(),
            format: DatasetFormat::Parquet,
            grouping: String::new(),
            row_count: rows,
            rejected_row_count: 0,
            byte_count: 0,
            schema_consistent: true,
            partition_columns: Vec::new(),
            files: Vec::new(),
            columns: vec![ColumnMetrics {
                name: "email".into(),
                data_type: "Utf8".into(),
                null_count: rows - present,
                absent_count: None,
                nan_count: 0,
                empty_count: 0,
                placeholder_count: 0,
                completeness: Some(present as f64 / rows as f64),
                distinct_count: present,
                distinct_is_approximate: true,
                min: None,
                max: None,
                top_values: Vec::new(),
                personal_data: Some("e-mail".into()),
                personal_values: None,
                distribution: None,
                formats: None,
            }],
            complete_row_fraction: Some(present as f64 / rows as f64),
            duplicates: DuplicateMetrics::rows(duplicates, rows),
            labels: Vec::new(),
            freshness: FreshnessMetrics::without_time_column(
                chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(1),
                Some(chrono::DateTime::UNIX_EPOCH),
                LagBasis::FileModified,
                None,
            ),
            representativeness: Default::default(),
            lineage: LineageMetrics {
                owner: Some("team".into()),
                ..LineageMetrics::default()
            },
            notes: Vec::new(),
            schema_changes: Vec::new(),
        }
    }

    fn result(datasets: Vec<DatasetMetrics>) -> ScanResult {
        ScanResult {
            schema_version: 1,
            tool: Tool::this(),
            scanned_at: chrono::DateTime::UNIX_EPOCH,
            parameters: ScanParameters {
                sources: Vec::new(),
                key_columns: Vec::new(),
                label_columns: Vec::new(),
                ignored_columns: Vec::new(),
                time_column: None,
                placeholders: Vec::new(),
                format: None,
                grouping: Grouping::Auto,
                samples: true,
                config: None,
            },
            datasets,
            unreadable_sources: Vec::new(),
        }
    }

    #[test]
    fn verdict_names_are_the_serde_names_and_read_back() {
        for verdict in [
            Verdict::NotAssessed,
            Verdict::Ready,
            Verdict::NeedsWork,
            Verdict::NotReady,
        ] {
            assert_eq!(serde_json::to_value(verdict).unwrap(), verdict.name());
            assert_eq!(Verdict::from_name(verdict.name()), Some(verdict));
        }
        assert_eq!(Verdict::from_name("needs work"), None);
    }

    #[test]
    fn a_dimension_takes_its_worst_finding_and_a_dataset_its_worst_dimension() {
        // 50% complete fails column_completeness (fail below 0.70); 1 duplicate in 100 rows
        // warns (warn above 0); the e-mail column is personal data.
        let scan = result(vec![
            dataset("crm", 100, 50, 1),
            dataset("clean", 10, 10, 0),
        ]);
        let assessment = evaluate(&scan, &Suite::default(), None);
        let crm = &assessment.datasets[0];
        let verdict_of = |dimension: Dimension| {
            crm.dimensions
                .iter()
                .find(|d| d.dimension == dimension)
                .map(|d| d.verdict)
        };
        assert_eq!(verdict_of(Dimension::Completeness), Some(Verdict::NotReady));
        assert_eq!(verdict_of(Dimension::Duplication), Some(Verdict::NeedsWork));
        // No label column named, no time column, no history store: not assessed, never ready.
        assert_eq!(verdict_of(Dimension::Labels), Some(Verdict::NotAssessed));
        assert_eq!(verdict_of(Dimension::History), Some(Verdict::NotAssessed));
        assert_eq!(verdict_of(Dimension::Freshness), Some(Verdict::Ready));
        let labels = crm
            .dimensions
            .iter()
            .find(|d| d.dimension == Dimension::Labels);
        let reason = labels.and_then(|d| d.not_assessed.as_deref());
        assert!(reason.unwrap().contains("--label"), "{reason:?}");
        let not_assessed = crm
            .dimensions
            .iter()
            .filter(|d| d.verdict == Verdict::NotAssessed)
            .count();
        assert_eq!(not_assessed, 3, "labels, representativeness, history");
        let all: usize = assessment
            .datasets
            .iter()
            .flat_map(|d| &d.dimensions)
            .filter(|d| d.verdict == Verdict::NotAssessed)
            .count();
        assert_eq!(assessment.not_assessed_dimensions, all);
        assert!(all >= not_assessed);
        assert_eq!(crm.verdict, Verdict::NotReady);
        assert_eq!(assessment.overall_verdict, Verdict::NotReady);
        // Findings come most severe first, and each carries its check's dimension.
        assert_eq!(assessment.findings[0].severity, Severity::Fail);
        for finding in &assessment.findings {
            assert_eq!(finding.dimension, finding.check.dimension());
        }
        let checks: Vec<Check> = assessment
            .findings
            .iter()
            .filter(|f| f.dataset == "crm")
            .map(|f| f.check)
            .collect();
        assert!(checks.contains(&Check::ColumnCompleteness));
        assert!(checks.contains(&Check::DuplicateRows));
        assert!(checks.contains(&Check::PersonalData));
        // Every registered dimension has a verdict, in report order.
        assert_eq!(crm.dimensions.len(), dimensions::REGISTERED.len());
    }
}
