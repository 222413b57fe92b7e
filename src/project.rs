//! The project config (`readiness.toml`): which datasets a scheduled run profiles, how, and
//! where its reports and history go; `readiness init` writes a starter one from the data.
//!
//! Invariant: a config that loads is valid: unknown keys, bad values and duplicate dataset
//! names are rejected with the file, the line and what was expected. Relative local paths in it
//! are relative to the config file's folder, so a scheduled job can run it from anywhere.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::check::Suite;
use crate::check::suite::toml_error;
use crate::cli::FailOn;
use crate::error::{ReadinessError, Result};
use crate::metrics::{DatasetMetrics, ScanParameters, ScanResult};
use crate::profile::EngineChoice;
use crate::scan::ScanOptions;
use crate::source::delimited::{DialectSpec, ForcedDialect};
use crate::source::{FormatChoice, Grouping, TableVersion};

/// `readiness.toml` as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    version: u32,
    #[serde(default)]
    run: RunSection,
    #[serde(default)]
    storage: BTreeMap<String, String>,
    #[serde(default, rename = "dataset")]
    datasets: Vec<DatasetSection>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunSection {
    checks: Option<String>,
    fail_on: Option<FailOn>,
    out: Option<String>,
    history: Option<String>,
    openlineage: Option<String>,
    placeholders: Option<Vec<String>>,
    samples: Option<bool>,
    memory_limit: Option<String>,
    engine: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct DatasetSection {
    name: String,
    source: String,
    format: Option<FormatChoice>,
    #[serde(default)]
    key: Vec<String>,
    #[serde(default)]
    label: Vec<String>,
    /// Columns left out when looking for near-duplicate rows.
    #[serde(default)]
    ignore: Vec<String>,
    time: Option<String>,
    owner: Option<String>,
    /// CSV dialect settings forced for this dataset (`[dataset.csv]`).
    csv: Option<DialectSpec>,
    /// The Delta Lake table version to profile instead of the newest.
    version: Option<u64>,
    /// The Delta Lake table as it was at this time (RFC 3339).
    as_of: Option<String>,
    #[serde(default)]
    checks: Vec<String>,
    #[serde(default)]
    skip_checks: Vec<String>,
}

/// One configured dataset, paths resolved.
#[derive(Debug, Clone)]
pub struct DatasetConfig {
    pub name: String,
    pub source: String,
    pub format: Option<FormatChoice>,
    pub key: Vec<String>,
    pub label: Vec<String>,
    pub ignore: Vec<String>,
    pub time: Option<String>,
    pub owner: Option<String>,
    pub csv: ForcedDialect,
    /// Which snapshot of a lakehouse table to profile.
    pub table_version: TableVersion,
}

/// A loaded, validated project config.
#[derive(Debug, Clone)]
pub struct Project {
    pub path: PathBuf,
    pub datasets: Vec<DatasetConfig>,
    /// The check suite: default, layered with `[run] checks`, restricted per dataset.
    pub suite: Suite,
    pub fail_on: Option<FailOn>,
    pub out: Option<String>,
    pub history: Option<String>,
    pub openlineage: Option<String>,
    pub placeholders: Option<Vec<String>>,
    pub samples: bool,
    pub storage_options: Vec<(String, String)>,
    /// `[run] memory_limit`, in bytes.
    pub memory_limit: Option<u64>,
    /// `[run] engine`: where the profile plans run.
    pub engine: EngineChoice,
    /// Show a progress bar on stderr while profiling (set by the caller, not the file).
    pub progress: bool,
}

impl Project {
    /// Loads and validates `path`; `checks` (`--checks`) replaces its `[run] checks` suite.
    pub fn load(path: &Path, checks: Option<&Path>) -> Result<Self> {
        let invalid = |message: String| ReadinessError::Config {
            path: path.to_path_buf(),
            message,
        };
        let text = std::fs::read_to_string(path)
            .map_err(|error| invalid(format!("cannot read it: {error}")))?;
        let file: ConfigFile =
            toml::from_str(&text).map_err(|error| invalid(toml_error(&error, &text)))?;
        if file.version != 1 {
            return Err(invalid(format!(
                "version {} is not known; expected `version = 1`",
                file.version
            )));
        }
        if file.datasets.is_empty() {
            return Err(invalid(
                "no dataset: expected at least one [[dataset]] with `name` and `source`".into(),
            ));
        }
        let base = path.parent().unwrap_or(Path::new(""));
        let line_of = |needle: &str| {
            text.lines()
                .position(|line| line.contains(needle))
                .map(|i| format!("line {}: ", i + 1))
                .unwrap_or_default()
        };
        let mut suite = match (checks, &file.run.checks) {
            (Some(given), _) => Suite::load(given)?,
            (None, Some(checks)) => Suite::load(&base.join(checks))?,
            (None, None) => Suite::default(),
        };
        let memory_limit = file
            .run
            .memory_limit
            .as_deref()
            .map(crate::cli::parse_size)
            .transpose()
            .map_err(|message| invalid(format!("{}{message}", line_of("memory_limit"))))?;
        let engine = file
            .run
            .engine
            .as_deref()
            .map(EngineChoice::parse)
            .transpose()
            .map_err(|message| invalid(format!("{}{message}", line_of("engine"))))?
            .unwrap_or_default();
        let mut datasets: Vec<DatasetConfig> = Vec::new();
        for d in &file.datasets {
            let place = line_of(&format!("\"{}\"", d.name));
            if d.name.trim().is_empty() || d.source.trim().is_empty() {
                return Err(invalid(format!(
                    "{place}a dataset needs a non-empty `name` and `source`"
                )));
            }
            if datasets.iter().any(|seen| seen.name == d.name) {
                return Err(invalid(format!(
                    "{place}dataset name `{}` is used twice; expected unique names",
                    d.name
                )));
            }
            suite
                .restrict(&d.name, &d.checks, &d.skip_checks)
                .map_err(|message| invalid(format!("{place}dataset `{}`: {message}", d.name)))?;
            let csv = d
                .csv
                .as_ref()
                .map(DialectSpec::forced)
                .transpose()
                .map_err(|(key, message)| {
                    invalid(format!(
                        "{place}dataset `{}`: csv.{}: {message}",
                        d.name,
                        key.name()
                    ))
                })?
                .unwrap_or_default();
            let table_version = crate::cli::table_version(d.version, d.as_of.as_deref())
                .map_err(|message| invalid(format!("{place}dataset `{}`: {message}", d.name)))?;
            datasets.push(DatasetConfig {
                csv,
                table_version,
                name: d.name.clone(),
                source: relative_to(base, &d.source),
                format: d.format,
                key: d.key.clone(),
                label: d.label.clone(),
                ignore: d.ignore.clone(),
                time: d.time.clone(),
                owner: d.owner.clone(),
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            datasets,
            suite,
            fail_on: file.run.fail_on,
            out: file.run.out.as_deref().map(|o| relative_to(base, o)),
            history: file.run.history.as_deref().map(|h| relative_to(base, h)),
            openlineage: file
                .run
                .openlineage
                .as_deref()
                .map(|o| relative_to(base, o)),
            placeholders: file.run.placeholders.clone(),
            samples: file.run.samples.unwrap_or(true),
            storage_options: file.storage.into_iter().collect(),
            memory_limit,
            engine,
            progress: false,
        })
    }

    /// Profiles every configured dataset as one dataset each. A dataset that cannot be read is
    /// recorded in `unreadable_sources` and the others are still profiled; only when none could
    /// be read does the run fail.
    pub async fn run(&self, now: Option<DateTime<Utc>>) -> Result<ScanResult> {
        let now = now.unwrap_or_else(Utc::now);
        let mut unreadable = Vec::new();
        let mut placeholders = Vec::new();
        let mut sources = Vec::new();
        // One engine for every configured dataset; all of them are planned first, then
        // profiled side by side like the datasets of one scan.
        let mut shared = ScanOptions::new(Vec::new());
        shared.storage_options = self.storage_options.clone();
        shared.memory_limit = self.memory_limit;
        shared.progress = self.progress;
        shared.engine = self.engine.clone();
        let engine = crate::scan::engine(&shared).await?;
        let mut jobs = Vec::new();
        // Per job: the configured dataset it belongs to, and whether that one has several.
        let mut owners: Vec<(usize, bool)> = Vec::new();
        for (index, configured) in self.datasets.iter().enumerate() {
            let mut options = ScanOptions::new(vec![configured.source.clone()]);
            options.grouping = Grouping::OneDataset;
            options.format = configured.format;
            options.csv = configured.csv;
            options.table_version = configured.table_version;
            options.key_columns = configured.key.clone();
            options.label_columns = configured.label.clone();
            options.ignored_columns = configured.ignore.clone();
            options.time_column = configured.time.clone();
            options.placeholders = self.placeholders.clone();
            options.now = Some(now);
            options.samples = self.samples;
            options.storage_options = self.storage_options.clone();
            options.memory_limit = self.memory_limit;
            match crate::scan::plan_sources(&engine, &options).await {
                Ok((plans, refused)) if !plans.is_empty() => {
                    sources.push(crate::source::stores::shown_source(&configured.source));
                    let profile_options = Arc::new(crate::scan::profile_options(&options, now));
                    placeholders = profile_options.placeholders.tokens().to_vec();
                    let several = plans.len() > 1;
                    for plan in plans {
                        owners.push((index, several));
                        jobs.push(crate::scan::Job {
                            plan,
                            options: profile_options.clone(),
                        });
                    }
                    unreadable.extend(refused);
                }
                Ok((_, refused)) => {
                    // Nothing of this configured dataset could be read: one failure, under
                    // its configured name, saying why for each source.
                    sources.push(crate::source::stores::shown_source(&configured.source));
                    let why: Vec<String> = refused.iter().map(crate::scan::failure_line).collect();
                    unreadable.push(crate::metrics::SourceFailure {
                        source: configured.name.clone(),
                        error: format!("nothing could be read: {}", why.join("; ")),
                    });
                }
                Err(error) => {
                    sources.push(crate::source::stores::shown_source(&configured.source));
                    unreadable.push(crate::metrics::SourceFailure {
                        source: configured.name.clone(),
                        error: crate::source::stores::redact(
                            &error.to_string(),
                            &self.storage_options,
                        ),
                    });
                }
            }
        }
        crate::scan::show_only(&engine, jobs.iter().map(|job| &job.plan));
        let outcomes =
            crate::scan::profile_all(&engine, jobs, self.samples, &self.storage_options).await;
        let mut datasets: Vec<DatasetMetrics> = Vec::new();
        for ((index, several), outcome) in owners.into_iter().zip(outcomes) {
            let configured = &self.datasets[index];
            match outcome {
                Ok(mut dataset) => {
                    dataset.name = match several {
                        true => format!("{}/{}", configured.name, dataset.name),
                        false => configured.name.clone(),
                    };
                    dataset.lineage.owner = configured.owner.clone();
                    datasets.push(dataset);
                }
                Err(failure) => unreadable.push(failure),
            }
        }
        let parameters = ScanParameters {
            sources,
            key_columns: Vec::new(),
            label_columns: Vec::new(),
            ignored_columns: Vec::new(),
            time_column: None,
            placeholders,
            format: None,
            grouping: Grouping::OneDataset,
            samples: self.samples,
            config: Some(self.path.display().to_string()),
        };
        crate::scan::assemble(parameters, now, datasets, unreadable)
    }
}

/// A local relative path taken relative to `base`; URLs and absolute paths as they are.
fn relative_to(base: &Path, text: &str) -> String {
    if text.contains("://") || text == "-" || Path::new(text).is_absolute() {
        return text.to_string();
    }
    let joined = base.join(text);
    let shown = joined.display().to_string();
    match text.ends_with('/') && !shown.ends_with('/') {
        true => format!("{shown}/"),
        false => shown,
    }
}

/// The commented starter config `readiness init` prints for a scan of its sources.
pub fn starter_config(result: &ScanResult, storage_options: &[(String, String)]) -> String {
    let cwd = std::env::current_dir().ok();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# readiness project config, written by `readiness init` from the data on {}.\n\
         # Run it with `readiness run --config readiness.toml`; exit 0 = no failing check,\n\
         # 1 = at least one failing check, 2 = configuration error or nothing readable.\n\
         # Relative paths are relative to this file's folder. Format: README.md \"Project config\".\n\
         version = 1\n\n\
         [run]\n\
         # checks = \"checks/client.toml\"   # thresholds layered on checks/default.toml\n\
         fail_on = \"fail\"                 # \"warn\" makes warnings fail the run too\n\
         out = \"reports\"                  # folder or URL for readiness.html and readiness.json\n\
         history = \"history\"              # folder or URL: each run appends its metrics here\n\
         # openlineage = \"reports/openlineage.json\"   # OpenLineage run event (path or URL)",
        result.scanned_at.format("%Y-%m-%d")
    );
    if !storage_options.is_empty() {
        out.push_str(
            "\n[storage]\n# object-store settings (secrets belong in the environment, not here)\n",
        );
        for (key, _) in storage_options {
            let _ = writeln!(out, "# {} = \"...\"", crate::humanize::printable(key));
        }
    }
    for dataset in &result.datasets {
        let source = shown_location(dataset, cwd.as_deref());
        let _ = write!(
            out,
            "\n[[dataset]]\n# {} rows in {} file(s) of {}; {}\nname = {}\nsource = {}\n\
             # format = \"{}\"   # detected from file names; set it only to force a format\n",
            dataset.row_count,
            dataset.files.len(),
            dataset.format,
            crate::humanize::printable(&dataset.grouping),
            quoted(&dataset.name),
            quoted(&source),
            dataset.format
        );
        propose(
            &mut out,
            &key_candidates(dataset),
            |best| format!("key = [{}]", quoted(best)),
            "other key candidates",
            "# key = [\"id\"]   # no column looked like a unique identifier",
        );
        propose(
            &mut out,
            &label_candidates(dataset),
            |best| {
                format!(
                    "label = [{}]   # guessed from its name and few classes: is it the ML target?",
                    quoted(best)
                )
            },
            "other label candidates",
            "# label = [\"target\"]   # no column looked like an ML label",
        );
        propose(
            &mut out,
            &time_candidates(dataset),
            |best| format!("time = {}", quoted(best)),
            "other time columns",
            "# time = \"updated_at\"   # no time column: freshness uses file modification times",
        );
        out.push_str("# owner = \"team or person answering for this data\"\n");
        out.push_str("# skip_checks = [\"personal_data\"]   # checks that do not apply here\n");
    }
    out
}

/// The best candidate as a setting, the others in a comment, or `none` when there is none.
fn propose(
    out: &mut String,
    candidates: &[String],
    setting: impl Fn(&str) -> String,
    others: &str,
    none: &str,
) {
    match candidates.split_first() {
        Some((best, rest)) => {
            let _ = writeln!(out, "{}", setting(best));
            if !rest.is_empty() {
                // Names from the data go into the file only as quoted TOML strings, never raw:
                // a name with a line break must not start a line of its own.
                let names: Vec<String> = rest.iter().map(|name| quoted(name)).collect();
                let _ = writeln!(out, "# {others}: {}", names.join(", "));
            }
        }
        None => {
            let _ = writeln!(out, "{none}");
        }
    }
}

/// Where a dataset is, as a config should name it: relative to the working folder if below it.
fn shown_location(dataset: &DatasetMetrics, cwd: Option<&Path>) -> String {
    let location = if dataset.location.is_empty() {
        &dataset.source
    } else {
        &dataset.location
    };
    if location.contains("://") {
        return location.clone();
    }
    let path = Path::new(location);
    let relative = cwd
        .and_then(|cwd| path.strip_prefix(cwd).ok())
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| location.clone());
    let is_folder = dataset.files.len() > 1 || Path::new(location).is_dir();
    match is_folder && !relative.ends_with('/') {
        true => format!("{relative}/"),
        false => relative,
    }
}

/// `text` as a one-line TOML basic string: quotes, backslashes and every control character
/// escaped (the toml crate writes text with line breaks as a multi-line string, which inside
/// a comment would let the text start lines of its own).
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Columns that look like a row identifier: an id-like name, and nearly as many distinct
/// values as rows (a few repeats are what the duplicate-key check is for). Best first.
fn key_candidates(dataset: &DatasetMetrics) -> Vec<String> {
    let rows = dataset.row_count as f64;
    let mut found: Vec<(u8, String)> = dataset
        .columns
        .iter()
        .filter(|c| rows > 0.0 && c.null_count == 0 && c.distinct_count as f64 >= 0.9 * rows)
        .filter_map(|c| {
            let name = c.name.to_lowercase();
            let rank = if name == "id" || name == format!("{}_id", dataset.name.to_lowercase()) {
                0
            } else if name.ends_with("_id") || name.ends_with("id") && name.len() <= 4 {
                1
            } else if name.ends_with("key") || name.ends_with("uuid") || name.ends_with("_no") {
                2
            } else {
                return None;
            };
            Some((rank, c.name.clone()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, name)| name).collect()
}

/// Low-cardinality columns whose name suggests a target. Best first.
fn label_candidates(dataset: &DatasetMetrics) -> Vec<String> {
    const NAMES: &[&str] = &[
        "label",
        "target",
        "class",
        "y",
        "outcome",
        "churn",
        "churned",
        "fraud",
        "is_fraud",
        "priority",
        "category",
        "converted",
        "default",
        "sentiment",
        "status",
    ];
    let mut found: Vec<(usize, String)> = dataset
        .columns
        .iter()
        .filter(|c| !c.top_values.is_empty() && c.distinct_count >= 2)
        .filter(|c| c.personal_data.is_none())
        .filter_map(|c| {
            let name = c.name.to_lowercase();
            let rank = NAMES
                .iter()
                .position(|n| *n == name)
                .or_else(|| (name.starts_with("is_") || name.starts_with("has_")).then_some(50))
                .or_else(|| (name.ends_with("_label") || name.ends_with("_class")).then_some(60))?;
            Some((rank, c.name.clone()))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, name)| name).collect()
}

/// Timestamp and date columns, the one freshness picked (or an event/update time) first.
fn time_candidates(dataset: &DatasetMetrics) -> Vec<String> {
    let mut found: Vec<(u8, String)> = dataset
        .columns
        .iter()
        .filter(|c| c.data_type.starts_with("Timestamp") || c.data_type.starts_with("Date"))
        .map(|c| {
            let name = c.name.to_lowercase();
            let rank = if dataset.freshness.time_column.as_deref() == Some(c.name.as_str()) {
                0
            } else if ["event", "updated", "modified", "created", "ts"]
                .iter()
                .any(|hint| name.contains(hint))
            {
                1
            } else {
                2
            };
            (rank, c.name.clone())
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, name)| name).collect()
}
