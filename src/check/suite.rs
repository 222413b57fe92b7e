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
pub use super::catalog::{Check, Direction, Unit};
use crate::error::{ReadinessError, Result};

/// The suite shipped as `checks/default.toml`.
pub const DEFAULT_SUITE: &str = include_str!("../../checks/default.toml");

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

/// `[[override]]`: changes one check for the datasets and columns matching its globs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideSpec {
    check: Check,
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
    checks: BTreeMap<Check, RuleSpec>,
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
    check: Check,
    spec: RuleSpec,
}

#[derive(Debug, Clone)]
struct Override {
    check: Check,
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
        for (check, spec) in file.checks {
            validate(check, &spec, text).map_err(invalid)?;
            match suite.rules.iter_mut().find(|rule| rule.check == check) {
                Some(rule) => rule.spec = layer(&rule.spec, &spec),
                None => suite.rules.push(BaseRule { check, spec }),
            }
        }
        for spec in file.overrides {
            let check = spec.check;
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
                    if !Check::ALL.iter().any(|check| pattern.matches(check.name())) {
                        let known: Vec<&str> =
                            Check::ALL.iter().map(|check| check.name()).collect();
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
    pub fn rule(&self, check: Check, dataset: &str, column: Option<&str>) -> Option<Rule> {
        let name = check.name();
        for restriction in self.restrictions.iter().filter(|r| r.dataset == dataset) {
            let listed =
                restriction.only.is_empty() || restriction.only.iter().any(|p| p.matches(name));
            if !listed || restriction.skip.iter().any(|p| p.matches(name)) {
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
            direction: check.direction(),
            window: spec.window.unwrap_or(DEFAULT_WINDOW),
            min_runs: spec.min_runs.unwrap_or(DEFAULT_MIN_RUNS),
        })
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
fn validate(check: Check, spec: &RuleSpec, text: &str) -> std::result::Result<(), String> {
    let is_share = check.unit() == Unit::Share;
    let line = text
        .lines()
        .position(|l| {
            l.trim() == format!("[checks.{check}]") || l.contains(&format!("\"{check}\""))
        })
        .map(|i| format!("line {}: ", i + 1))
        .unwrap_or_default();
    for (key, value) in [("warn", spec.warn), ("fail", spec.fail)] {
        let Some(value) = value else { continue };
        if !value.is_finite() || value < 0.0 || (is_share && value > 1.0) {
            let expected = if is_share {
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
        if !check.has_baseline() {
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
        for &check in Check::ALL {
            assert!(suite.rule(check, "any", Some("col")).is_some(), "{check}");
        }
        let completeness = suite
            .rule(Check::ColumnCompleteness, "d", Some("c"))
            .unwrap();
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
        assert!(suite.rule(Check::DuplicateRows, "orders", None).is_none());
        let rule = suite
            .rule(Check::DuplicateRows, "crm_people", None)
            .unwrap();
        assert_eq!((rule.warn, rule.fail), (Some(0.0), Some(0.5)));
        assert!(
            suite
                .rule(Check::ColumnCompleteness, "customers", Some("notes"))
                .unwrap()
                .advisory
        );
        assert!(
            !suite
                .rule(Check::ColumnCompleteness, "customers", Some("email"))
                .unwrap()
                .advisory
        );
        assert!(
            suite
                .rule(Check::PersonalData, "customers", Some("email"))
                .is_none()
        );
    }
}
