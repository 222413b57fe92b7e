//! Check suites: the thresholds of `checks/*.toml`, layered on the built-in default suite
//! (`checks/default.toml`, compiled in), with per-dataset and per-column scopes and overrides.
//!
//! Invariant: a suite that parses is complete and valid. Unknown checks or keys, a wrong type,
//! a threshold out of range and an unknown `version` are rejected with the file, the line and
//! what was expected.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::Severity;
use crate::error::{ReadinessError, Result};

/// The suite shipped as `checks/default.toml`.
pub const DEFAULT_SUITE: &str = include_str!("../../checks/default.toml");

/// Whether a higher or a lower figure is worse, fixed per check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    AboveIsWorse,
    BelowIsWorse,
}

/// Every check, with the direction of its figure and whether it is a share (0..1).
pub const CHECKS: &[(&str, Direction, bool)] = &[
    ("source_readable", Direction::AboveIsWorse, false),
    ("files_readable", Direction::AboveIsWorse, false),
    ("rows_rejected", Direction::AboveIsWorse, true),
    ("schema_consistent", Direction::AboveIsWorse, false),
    ("volume", Direction::BelowIsWorse, false),
    ("column_completeness", Direction::BelowIsWorse, true),
    ("complete_rows", Direction::BelowIsWorse, true),
    ("duplicate_rows", Direction::AboveIsWorse, true),
    ("duplicate_keys", Direction::AboveIsWorse, true),
    ("label_coverage", Direction::BelowIsWorse, true),
    ("minority_class_size", Direction::BelowIsWorse, false),
    ("freshness_lag", Direction::AboveIsWorse, false),
    ("arrival_gaps", Direction::AboveIsWorse, false),
    ("lineage_metadata", Direction::AboveIsWorse, false),
    ("personal_data", Direction::AboveIsWorse, false),
    ("row_count_drop", Direction::AboveIsWorse, true),
    ("completeness_drop", Direction::AboveIsWorse, true),
    ("duplicate_rows_rise", Direction::AboveIsWorse, true),
    ("label_coverage_drop", Direction::AboveIsWorse, true),
    ("metric_anomaly", Direction::AboveIsWorse, false),
];

/// `metric_anomaly`'s baseline when the suite does not set one: the last 10 earlier runs, and
/// at least 3 of them.
pub const DEFAULT_WINDOW: u32 = 10;
pub const DEFAULT_MIN_RUNS: u32 = 3;

/// One check's settings as written in a suite file; every key optional so files layer.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    warn: Option<f64>,
    fail: Option<f64>,
    advisory: Option<bool>,
    enabled: Option<bool>,
    datasets: Option<Vec<String>>,
    columns: Option<Vec<String>>,
    /// `metric_anomaly` only: how many earlier runs form the baseline.
    window: Option<u32>,
    /// `metric_anomaly` only: fewer earlier runs than this raise nothing.
    min_runs: Option<u32>,
}

/// A check's name as written in a suite: an unknown one is an error that lists the known ones.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
enum CheckName {
    SourceReadable,
    FilesReadable,
    RowsRejected,
    SchemaConsistent,
    Volume,
    ColumnCompleteness,
    CompleteRows,
    DuplicateRows,
    DuplicateKeys,
    LabelCoverage,
    MinorityClassSize,
    FreshnessLag,
    ArrivalGaps,
    LineageMetadata,
    PersonalData,
    RowCountDrop,
    CompletenessDrop,
    DuplicateRowsRise,
    LabelCoverageDrop,
    MetricAnomaly,
}

/// `[[override]]`: changes one check for the datasets and columns matching its globs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideSpec {
    check: CheckName,
    dataset: Option<String>,
    column: Option<String>,
    warn: Option<f64>,
    fail: Option<f64>,
    advisory: Option<bool>,
    enabled: Option<bool>,
    window: Option<u32>,
    min_runs: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteFile {
    version: u32,
    #[serde(default)]
    checks: BTreeMap<CheckName, RuleSpec>,
    #[serde(default, rename = "override")]
    overrides: Vec<OverrideSpec>,
}

/// What a check does for one dataset (and column), after scopes and overrides.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub warn: Option<f64>,
    pub fail: Option<f64>,
    pub advisory: bool,
    pub direction: Direction,
    /// Earlier runs in the baseline (`metric_anomaly`).
    pub window: u32,
    /// Earlier runs needed before the check says anything (`metric_anomaly`).
    pub min_runs: u32,
}

impl Rule {
    /// The severity and the threshold crossed, if `observed` is worse than a threshold.
    pub fn judge(&self, observed: f64) -> Option<(Severity, f64)> {
        let worse = |threshold: f64| match self.direction {
            Direction::AboveIsWorse => observed > threshold,
            Direction::BelowIsWorse => observed < threshold,
        };
        if let Some(fail) = self.fail.filter(|&t| worse(t)) {
            return Some((Severity::Fail, fail));
        }
        self.warn
            .filter(|&t| worse(t))
            .map(|warn| (Severity::Warn, warn))
    }
}

#[derive(Debug, Clone)]
struct BaseRule {
    check: &'static str,
    spec: RuleSpec,
}

#[derive(Debug, Clone)]
struct Override {
    check: &'static str,
    dataset: Option<glob::Pattern>,
    column: Option<glob::Pattern>,
    spec: RuleSpec,
}

#[derive(Debug, Clone)]
struct Restriction {
    dataset: String,
    only: Vec<glob::Pattern>,
    skip: Vec<glob::Pattern>,
}

/// A validated check suite.
#[derive(Debug, Clone)]
pub struct Suite {
    rules: Vec<BaseRule>,
    overrides: Vec<Override>,
    /// Per dataset (from `readiness.toml`): the checks that apply, and those that do not.
    restrictions: Vec<Restriction>,
    /// Where it came from, for messages: `built-in` or the file(s).
    pub origin: String,
}

impl Default for Suite {
    fn default() -> Self {
        Self::parse(DEFAULT_SUITE, Path::new("checks/default.toml"), None)
            .expect("the built-in suite is valid (tested)")
    }
}

impl Suite {
    /// The default suite with the file at `path` layered on top.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|error| ReadinessError::Checks {
            path: path.to_path_buf(),
            message: format!("cannot read it: {error}"),
        })?;
        Self::parse(&text, path, Some(Self::default()))
    }

    /// Parses suite text; `base` is what it is layered on (none for the default suite).
    pub fn parse(text: &str, path: &Path, base: Option<Suite>) -> Result<Self> {
        let invalid = |message: String| ReadinessError::Checks {
            path: path.to_path_buf(),
            message,
        };
        let file: SuiteFile =
            toml::from_str(text).map_err(|error| invalid(toml_error(&error, text)))?;
        if file.version != 1 {
            return Err(invalid(format!(
                "version {} is not known; expected `version = 1`",
                file.version
            )));
        }
        let mut suite = base.unwrap_or(Suite {
            rules: Vec::new(),
            overrides: Vec::new(),
            restrictions: Vec::new(),
            origin: String::new(),
        });
        for (name, spec) in file.checks {
            let check = check_name(name);
            validate(check, &spec, text).map_err(invalid)?;
            match suite.rules.iter_mut().find(|rule| rule.check == check) {
                Some(rule) => rule.spec = layer(&rule.spec, &spec),
                None => suite.rules.push(BaseRule { check, spec }),
            }
        }
        for spec in file.overrides {
            let check = check_name(spec.check);
            let pattern = |text: &Option<String>| {
                text.as_deref()
                    .map(|p| {
                        glob::Pattern::new(p).map_err(|error| {
                            invalid(format!(
                                "[[override]] for `{check}`: bad pattern `{p}`: {error}"
                            ))
                        })
                    })
                    .transpose()
            };
            let rule = RuleSpec {
                warn: spec.warn,
                fail: spec.fail,
                advisory: spec.advisory,
                enabled: spec.enabled,
                datasets: None,
                columns: None,
                window: spec.window,
                min_runs: spec.min_runs,
            };
            validate(check, &rule, text).map_err(invalid)?;
            suite.overrides.push(Override {
                check,
                dataset: pattern(&spec.dataset)?,
                column: pattern(&spec.column)?,
                spec: rule,
            });
        }
        suite.origin = if suite.origin.is_empty() {
            "built-in".to_string()
        } else {
            format!("{} + {}", suite.origin, path.display())
        };
        Ok(suite)
    }

    /// Applies to `dataset` only the checks matching a glob of `only` (all when empty) and none
    /// matching a glob of `skip`. A glob that matches no check is an error naming it.
    pub fn restrict(
        &mut self,
        dataset: &str,
        only: &[String],
        skip: &[String],
    ) -> std::result::Result<(), String> {
        let patterns = |globs: &[String]| {
            globs
                .iter()
                .map(|text| {
                    let pattern = glob::Pattern::new(text)
                        .map_err(|error| format!("bad pattern `{text}`: {error}"))?;
                    if !CHECKS.iter().any(|(name, _, _)| pattern.matches(name)) {
                        let known: Vec<&str> = CHECKS.iter().map(|(name, _, _)| *name).collect();
                        return Err(format!(
                            "`{text}` matches no check; expected one of {}",
                            known.join(", ")
                        ));
                    }
                    Ok(pattern)
                })
                .collect::<std::result::Result<Vec<_>, String>>()
        };
        let restriction = Restriction {
            dataset: dataset.to_string(),
            only: patterns(only)?,
            skip: patterns(skip)?,
        };
        self.restrictions.push(restriction);
        Ok(())
    }

    /// The rule for `check` on `dataset` (and `column`), or `None` when it does not apply.
    pub fn rule(&self, check: &str, dataset: &str, column: Option<&str>) -> Option<Rule> {
        let (_, direction, _) = CHECKS.iter().find(|(name, _, _)| *name == check)?;
        for restriction in self.restrictions.iter().filter(|r| r.dataset == dataset) {
            let listed =
                restriction.only.is_empty() || restriction.only.iter().any(|p| p.matches(check));
            if !listed || restriction.skip.iter().any(|p| p.matches(check)) {
                return None;
            }
        }
        let base = self.rules.iter().find(|rule| rule.check == check)?;
        let in_scope = |patterns: &Option<Vec<String>>, value: Option<&str>| match (patterns, value)
        {
            (Some(patterns), Some(value)) => patterns
                .iter()
                .any(|p| glob::Pattern::new(p).is_ok_and(|p| p.matches(value))),
            _ => true,
        };
        if !in_scope(&base.spec.datasets, Some(dataset)) || !in_scope(&base.spec.columns, column) {
            return None;
        }
        let mut spec = base.spec.clone();
        for o in self.overrides.iter().filter(|o| o.check == check) {
            let dataset_matches = o.dataset.as_ref().is_none_or(|p| p.matches(dataset));
            let column_matches = match (&o.column, column) {
                (None, _) => true,
                (Some(p), Some(column)) => p.matches(column),
                (Some(_), None) => false,
            };
            if dataset_matches && column_matches {
                spec = layer(&spec, &o.spec);
            }
        }
        if spec.enabled == Some(false) {
            return None;
        }
        Some(Rule {
            warn: spec.warn,
            fail: spec.fail,
            advisory: spec.advisory.unwrap_or(false),
            direction: *direction,
            window: spec.window.unwrap_or(DEFAULT_WINDOW),
            min_runs: spec.min_runs.unwrap_or(DEFAULT_MIN_RUNS),
        })
    }
}

fn check_name(name: CheckName) -> &'static str {
    match name {
        CheckName::SourceReadable => "source_readable",
        CheckName::FilesReadable => "files_readable",
        CheckName::RowsRejected => "rows_rejected",
        CheckName::SchemaConsistent => "schema_consistent",
        CheckName::Volume => "volume",
        CheckName::ColumnCompleteness => "column_completeness",
        CheckName::CompleteRows => "complete_rows",
        CheckName::DuplicateRows => "duplicate_rows",
        CheckName::DuplicateKeys => "duplicate_keys",
        CheckName::LabelCoverage => "label_coverage",
        CheckName::MinorityClassSize => "minority_class_size",
        CheckName::FreshnessLag => "freshness_lag",
        CheckName::ArrivalGaps => "arrival_gaps",
        CheckName::LineageMetadata => "lineage_metadata",
        CheckName::PersonalData => "personal_data",
        CheckName::RowCountDrop => "row_count_drop",
        CheckName::CompletenessDrop => "completeness_drop",
        CheckName::DuplicateRowsRise => "duplicate_rows_rise",
        CheckName::LabelCoverageDrop => "label_coverage_drop",
        CheckName::MetricAnomaly => "metric_anomaly",
    }
}

/// `over`'s keys replace `under`'s.
fn layer(under: &RuleSpec, over: &RuleSpec) -> RuleSpec {
    RuleSpec {
        warn: over.warn.or(under.warn),
        fail: over.fail.or(under.fail),
        advisory: over.advisory.or(under.advisory),
        enabled: over.enabled.or(under.enabled),
        datasets: over.datasets.clone().or_else(|| under.datasets.clone()),
        columns: over.columns.clone().or_else(|| under.columns.clone()),
        window: over.window.or(under.window),
        min_runs: over.min_runs.or(under.min_runs),
    }
}

/// Range checks serde cannot express, reported with the line of the check's table.
fn validate(check: &str, spec: &RuleSpec, text: &str) -> std::result::Result<(), String> {
    let (_, _, is_share) = CHECKS
        .iter()
        .find(|(name, _, _)| *name == check)
        .expect("known check");
    let line = text
        .lines()
        .position(|l| {
            l.trim() == format!("[checks.{check}]") || l.contains(&format!("\"{check}\""))
        })
        .map(|i| format!("line {}: ", i + 1))
        .unwrap_or_default();
    for (key, value) in [("warn", spec.warn), ("fail", spec.fail)] {
        let Some(value) = value else { continue };
        if !value.is_finite() || value < 0.0 || (*is_share && value > 1.0) {
            let expected = if *is_share {
                "a share between 0 and 1"
            } else {
                "a number of 0 or more"
            };
            return Err(format!(
                "{line}`{check}.{key} = {value}`: expected {expected}"
            ));
        }
    }
    for (key, value) in [("window", spec.window), ("min_runs", spec.min_runs)] {
        let Some(value) = value else { continue };
        if check != "metric_anomaly" {
            return Err(format!(
                "{line}`{check}.{key}`: only `metric_anomaly` has a `{key}`"
            ));
        }
        if value < 2 {
            return Err(format!(
                "{line}`{check}.{key} = {value}`: expected a number of runs of 2 or more"
            ));
        }
    }
    for pattern in spec.datasets.iter().chain(&spec.columns).flatten() {
        glob::Pattern::new(pattern)
            .map_err(|error| format!("{line}`{check}`: bad pattern `{pattern}`: {error}"))?;
    }
    Ok(())
}

/// toml's message on one line: where, and what was expected.
pub(crate) fn toml_error(error: &toml::de::Error, text: &str) -> String {
    let place = error
        .span()
        .map(|span| {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: ")
        })
        .unwrap_or_default();
    format!("{place}{}", error.message().trim())
}

/// Where a suite comes from: `--checks PATH`, else `checks/default.toml` as shipped.
pub fn resolve(path: Option<&Path>) -> Result<Suite> {
    match path {
        Some(path) => Suite::load(path),
        None => Ok(Suite::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_suite_is_valid_and_complete() {
        let suite = Suite::default();
        for (check, _, _) in CHECKS {
            assert!(suite.rule(check, "any", Some("col")).is_some(), "{check}");
        }
        let completeness = suite.rule("column_completeness", "d", Some("c")).unwrap();
        assert_eq!(completeness.judge(0.5), Some((Severity::Fail, 0.70)));
        assert_eq!(completeness.judge(0.9), Some((Severity::Warn, 0.95)));
        assert_eq!(completeness.judge(0.99), None);
    }

    #[test]
    fn bad_suites_name_the_line_and_what_was_expected() {
        let path = Path::new("mine.toml");
        let parse = |text: &str| {
            Suite::parse(text, path, Some(Suite::default()))
                .unwrap_err()
                .to_string()
        };
        let error = parse("version = 1\n\n[checks.column_completness]\nwarn = 0.9\n");
        assert!(
            error.contains("mine.toml") && error.contains("line 3"),
            "{error}"
        );
        assert!(error.contains("column_completeness"), "{error}");
        let error = parse("version = 1\n[checks.duplicate_rows]\nwarn = \"high\"\n");
        assert!(error.contains("line 3"), "{error}");
        let error = parse("version = 1\n[checks.label_coverage]\nfail = 1.5\n");
        assert!(
            error.contains("line 2") && error.contains("between 0 and 1"),
            "{error}"
        );
        let error = parse("version = 2\n");
        assert!(error.contains("expected `version = 1`"), "{error}");
        let error = parse("version = 1\n[[override]]\ncheck = \"volume\"\nseverity = \"warn\"\n");
        assert!(
            error.contains("line 4") && error.contains("severity"),
            "{error}"
        );
    }

    #[test]
    fn scopes_and_overrides_apply_to_their_datasets_and_columns() {
        let text = "version = 1\n[checks.duplicate_rows]\nfail = 0.5\ndatasets = [\"crm_*\"]\n\n[[override]]\ncheck = \"column_completeness\"\ndataset = \"customers\"\ncolumn = \"notes\"\nadvisory = true\n\n[[override]]\ncheck = \"personal_data\"\nenabled = false\n";
        let suite = Suite::parse(text, Path::new("s.toml"), Some(Suite::default())).unwrap();
        assert!(suite.rule("duplicate_rows", "orders", None).is_none());
        let rule = suite.rule("duplicate_rows", "crm_people", None).unwrap();
        assert_eq!((rule.warn, rule.fail), (Some(0.0), Some(0.5)));
        assert!(
            suite
                .rule("column_completeness", "customers", Some("notes"))
                .unwrap()
                .advisory
        );
        assert!(
            !suite
                .rule("column_completeness", "customers", Some("email"))
                .unwrap()
                .advisory
        );
        assert!(
            suite
                .rule("personal_data", "customers", Some("email"))
                .is_none()
        );
    }
}
