//! The self-contained HTML data-feasibility report.
//!
//! Rendered with minijinja from `reports/templates/*.html` (compiled in; `--template DIR`
//! overrides any of them). Invariants: every template name ends in `.html`, so minijinja
//! escapes every value (column names and data are untrusted); the page loads nothing from
//! outside (a Content-Security-Policy forbids it, and only the page's own nonce'd script runs);
//! chart geometry is computed here from the typed result, so templates only lay it out.

use std::path::Path;

use minijinja::Environment;
use serde::Serialize;

use super::charts::show;
use crate::check::{Assessment, Dimension, Finding, Severity, Verdict};
use crate::dimensions::{self, ViewInput};
use crate::error::{ReadinessError, Result};
use crate::history::{DatasetHistory, History};
use crate::humanize::{bytes, percent, thousands};
use crate::metrics::{DatasetMetrics, ScanResult};

/// Template names and their compiled-in sources.
const TEMPLATES: &[(&str, &str)] = &[
    (
        "report.html",
        include_str!("../../reports/templates/report.html"),
    ),
    (
        "style.html",
        include_str!("../../reports/templates/style.html"),
    ),
    (
        "script.html",
        include_str!("../../reports/templates/script.html"),
    ),
];

/// Findings listed on the opening page.
const TOP_FINDINGS: usize = 10;

/// Renders the report; `template_dir` overrides compiled-in templates of the same name.
pub fn render(
    result: &ScanResult,
    assessment: &Assessment,
    history: Option<&History>,
    template_dir: Option<&Path>,
) -> Result<String> {
    let mut env = Environment::new();
    let sections = dimensions::REGISTERED
        .iter()
        .map(|module| (template_name(module.dimension()), module.template()));
    let named = TEMPLATES
        .iter()
        .map(|(name, source)| (name.to_string(), *source))
        .chain(sections);
    for (name, source) in named {
        let source = match template_dir
            .map(|dir| dir.join(&name))
            .filter(|p| p.exists())
        {
            Some(path) => {
                std::fs::read_to_string(&path).map_err(|source| ReadinessError::Template {
                    path: path.clone(),
                    message: source.to_string(),
                })?
            }
            None => source.to_string(),
        };
        let path = template_dir.map_or_else(|| Path::new(&name).to_path_buf(), |d| d.join(&name));
        env.add_template_owned(name, source)
            .map_err(|error| ReadinessError::Template {
                path,
                message: error.to_string(),
            })?;
    }
    let view = ReportView::new(result, assessment, history);
    env.get_template("report.html")
        .and_then(|template| template.render(&view))
        .map_err(|error| ReadinessError::Template {
            path: Path::new("report.html").to_path_buf(),
            message: format!("{error:#}"),
        })
}

#[derive(Serialize)]
struct ReportView {
    title: String,
    nonce: String,
    scanned_at: String,
    tool: String,
    overall: VerdictView,
    /// Dimensions over all datasets that were not assessed.
    not_assessed: usize,
    totals: Vec<(String, String)>,
    parameters: Vec<(String, String)>,
    dimensions: Vec<&'static str>,
    matrix: Vec<MatrixRow>,
    top_findings: Vec<FindingView>,
    more_findings: usize,
    unreadable_sources: Vec<(String, String)>,
    datasets: Vec<DatasetView>,
    glossary: Vec<(&'static str, &'static str)>,
}

#[derive(Serialize, Clone)]
struct VerdictView {
    label: &'static str,
    class: &'static str,
    symbol: &'static str,
}

impl From<Verdict> for VerdictView {
    fn from(verdict: Verdict) -> Self {
        let (class, symbol) = match verdict {
            Verdict::NotAssessed => ("not-assessed", "–"),
            Verdict::Ready => ("ready", "✓"),
            Verdict::NeedsWork => ("needs-work", "!"),
            Verdict::NotReady => ("not-ready", "✗"),
        };
        Self {
            label: verdict.label(),
            class,
            symbol,
        }
    }
}

#[derive(Serialize)]
struct MatrixRow {
    dataset: String,
    anchor: String,
    verdict: VerdictView,
    cells: Vec<MatrixCell>,
}

#[derive(Serialize)]
struct MatrixCell {
    verdict: VerdictView,
    findings: usize,
    anchor: String,
    /// Why the dimension was not assessed (the cell's title).
    not_assessed: Option<String>,
}

#[derive(Serialize)]
struct FindingView {
    severity: &'static str,
    advisory: bool,
    dataset: String,
    dimension: &'static str,
    message: String,
    why: String,
    fix: String,
}

impl From<&Finding> for FindingView {
    fn from(finding: &Finding) -> Self {
        Self {
            severity: match finding.severity {
                Severity::Warn => "warn",
                Severity::Fail => "fail",
            },
            advisory: finding.advisory,
            dataset: finding.dataset.clone(),
            dimension: finding.dimension.title(),
            message: finding.message.clone(),
            why: finding.why.clone(),
            fix: finding.fix.clone(),
        }
    }
}

#[derive(Serialize)]
struct Section {
    id: String,
    title: &'static str,
    /// `dimensions/<name>.html`, which lays out `view`.
    template: String,
    verdict: VerdictView,
    /// Why the dimension was not assessed, and what to pass to assess it.
    not_assessed: Option<String>,
    findings: Vec<FindingView>,
    /// The dimension's own figures for its section.
    view: minijinja::Value,
}

#[derive(Serialize)]
struct ColumnRow {
    name: String,
    data_type: String,
    completeness: String,
    completeness_value: f64,
    null_count: u64,
    nan_count: u64,
    empty_count: u64,
    placeholder_count: u64,
    distinct_count: String,
    min: String,
    max: String,
    top_values: String,
    personal_data: String,
}

#[derive(Serialize)]
struct DatasetView {
    name: String,
    anchor: String,
    source: String,
    format: String,
    grouping: String,
    rows: String,
    size: String,
    files: usize,
    verdict: VerdictView,
    /// One per registered dimension, in report order.
    sections: Vec<Section>,
    notes: Vec<String>,
    columns: Vec<ColumnRow>,
}

impl ReportView {
    fn new(result: &ScanResult, assessment: &Assessment, history: Option<&History>) -> Self {
        let p = &result.parameters;
        let rows: u64 = result.datasets.iter().map(|d| d.row_count).sum();
        let size: u64 = result.datasets.iter().map(|d| d.byte_count).sum();
        let files: usize = result.datasets.iter().map(|d| d.files.len()).sum();
        let list = |items: &[String]| {
            if items.is_empty() {
                "-".to_string()
            } else {
                items.join(", ")
            }
        };
        Self {
            title: format!("Data readiness: {}", list(&p.sources)),
            nonce: nonce(),
            scanned_at: result.scanned_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            tool: format!("{} {}", result.tool.name, result.tool.version),
            overall: assessment.overall_verdict.into(),
            not_assessed: assessment.not_assessed_dimensions,
            totals: vec![
                ("datasets".into(), result.datasets.len().to_string()),
                ("files".into(), thousands(files as u64)),
                ("rows".into(), thousands(rows)),
                ("size".into(), bytes(size)),
            ],
            parameters: vec![
                ("sources".into(), list(&p.sources)),
                ("key columns".into(), list(&p.key_columns)),
                ("label columns".into(), list(&p.label_columns)),
                (
                    "time column".into(),
                    p.time_column.clone().unwrap_or_else(|| "automatic".into()),
                ),
                ("placeholders".into(), list(&p.placeholders)),
                ("grouping".into(), p.grouping.as_str().into()),
                (
                    "sample values".into(),
                    if p.samples {
                        "shown (personal data masked)".into()
                    } else {
                        "left out (--no-samples)".into()
                    },
                ),
                ("scanned at".into(), result.scanned_at.to_rfc3339()),
            ],
            dimensions: dimensions::REGISTERED
                .iter()
                .map(|module| module.dimension().title())
                .collect(),
            matrix: assessment
                .datasets
                .iter()
                .enumerate()
                .map(|(index, dataset)| MatrixRow {
                    dataset: dataset.dataset.clone(),
                    anchor: format!("dataset-{index}"),
                    verdict: dataset.verdict.into(),
                    cells: dataset
                        .dimensions
                        .iter()
                        .map(|d| MatrixCell {
                            verdict: d.verdict.into(),
                            findings: d.findings,
                            anchor: format!("dataset-{index}-{}", d.dimension.name()),
                            not_assessed: d.not_assessed.clone(),
                        })
                        .collect(),
                })
                .collect(),
            top_findings: assessment
                .findings
                .iter()
                .take(TOP_FINDINGS)
                .map(Into::into)
                .collect(),
            more_findings: assessment.findings.len().saturating_sub(TOP_FINDINGS),
            unreadable_sources: result
                .unreadable_sources
                .iter()
                .map(|f| (f.source.clone(), f.error.clone()))
                .collect(),
            datasets: result
                .datasets
                .iter()
                .enumerate()
                .map(|(index, dataset)| {
                    let own =
                        history.and_then(|h| h.datasets.iter().find(|d| d.dataset == dataset.name));
                    let location = history.map(|h| h.location.as_str());
                    DatasetView::new(index, dataset, assessment, own, location)
                })
                .collect(),
            glossary: GLOSSARY.to_vec(),
        }
    }
}

impl DatasetView {
    fn new(
        index: usize,
        d: &DatasetMetrics,
        assessment: &Assessment,
        history: Option<&DatasetHistory>,
        history_location: Option<&str>,
    ) -> Self {
        let anchor = format!("dataset-{index}");
        let verdicts = assessment.datasets.iter().find(|v| v.dataset == d.name);
        let input = ViewInput {
            dataset: d,
            history,
            history_location,
        };
        let sections = dimensions::REGISTERED
            .iter()
            .map(|module| {
                let dimension = module.dimension();
                let judged =
                    verdicts.and_then(|v| v.dimensions.iter().find(|x| x.dimension == dimension));
                Section {
                    id: format!("{anchor}-{}", dimension.name()),
                    title: dimension.title(),
                    template: template_name(dimension),
                    verdict: judged.map_or(Verdict::Ready, |x| x.verdict).into(),
                    not_assessed: judged.and_then(|x| x.not_assessed.clone()),
                    findings: assessment
                        .findings
                        .iter()
                        .filter(|f| f.dataset == d.name && f.dimension == dimension)
                        .map(Into::into)
                        .collect(),
                    view: module.view(&input),
                }
            })
            .collect();
        Self {
            name: d.name.clone(),
            anchor,
            source: d.source.clone(),
            format: d.format.to_string(),
            grouping: d.grouping.clone(),
            rows: thousands(d.row_count),
            size: bytes(d.byte_count),
            files: d.files.len(),
            verdict: verdicts.map_or(Verdict::Ready, |v| v.verdict).into(),
            sections,
            notes: d.notes.clone(),
            columns: d
                .columns
                .iter()
                .map(|c| ColumnRow {
                    name: c.name.clone(),
                    data_type: c.data_type.clone(),
                    completeness: percent(c.completeness),
                    completeness_value: c.completeness.unwrap_or(1.0),
                    null_count: c.null_count,
                    nan_count: c.nan_count,
                    empty_count: c.empty_count,
                    placeholder_count: c.placeholder_count,
                    distinct_count: if c.distinct_is_approximate {
                        format!("≈{}", thousands(c.distinct_count))
                    } else {
                        thousands(c.distinct_count)
                    },
                    min: c.min.as_ref().map(show).unwrap_or_default(),
                    max: c.max.as_ref().map(show).unwrap_or_default(),
                    top_values: c
                        .top_values
                        .iter()
                        .take(5)
                        .map(|v| format!("{} ({})", show(&v.value), thousands(v.count)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    personal_data: c.personal_data.clone().unwrap_or_default(),
                })
                .collect(),
        }
    }
}

/// The template a dimension's section is rendered with.
fn template_name(dimension: Dimension) -> String {
    format!("dimensions/{}.html", dimension.name())
}

/// A per-report nonce for the page's own script and style (the CSP runs no other): 128 bits
/// from rand's thread-local CSPRNG (ChaCha, seeded from the operating system).
fn nonce() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Definitions of every figure in the report (the glossary of the project's style guide).
const GLOSSARY: &[(&str, &str)] = &[
    (
        "completeness",
        "Share of values that are present: not null, not NaN, not empty or whitespace-only text, and not a placeholder token.",
    ),
    (
        "placeholder",
        "A value standing in for \"missing\", such as N/A, null, none, unknown, - or ? (matched after trimming, ignoring case).",
    ),
    (
        "complete rows",
        "Share of rows in which every column is present.",
    ),
    (
        "duplicate rows",
        "Rows identical in every column to an earlier row; the first occurrence is not counted. Exact, NULLs equal.",
    ),
    (
        "duplicate keys",
        "Rows whose declared key repeats an earlier row's key; keys with duplicates counts the distinct keys that repeat.",
    ),
    (
        "label coverage",
        "Share of rows whose label column holds a usable class value (not missing by the completeness rule).",
    ),
    (
        "imbalance ratio",
        "Rows of the most frequent class divided by rows of the rarest class.",
    ),
    (
        "freshness lag",
        "Scan time minus the newest event time, or minus the newest file modification where there is no time column.",
    ),
    (
        "gap",
        "A run of empty days, weeks or months between the oldest and the newest event.",
    ),
    (
        "lineage metadata",
        "What the data says about its own origin: writer, source system, owner, upstream, descriptions, documentation beside it.",
    ),
    (
        "personal data",
        "Columns whose name or values look like e-mail addresses, phone numbers, card numbers, IBANs, national ids, IP addresses, names, birth dates or addresses. Their sample values are masked.",
    ),
    (
        "distinct count",
        "Number of different values, estimated with HyperLogLog (≈, within about 2%).",
    ),
    (
        "verdict",
        "ready: no check raised a finding; needs work: at least one warning; not ready: at least one failure; not assessed: nothing to judge (no label column, no time column, no history store). A dataset's verdict is its worst assessed dimension's, the overall verdict the worst dataset's.",
    ),
];
