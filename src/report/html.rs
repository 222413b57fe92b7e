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
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::check::{Assessment, DatasetVerdict, Dimension, Finding, Severity, Verdict};
use crate::dimensions::{self, ViewInput};
use crate::error::{ReadinessError, Result};
use crate::history::{DatasetHistory, History};
use crate::humanize::{bytes, percent, printable, thousands};
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

/// Above this many datasets the report is laid out for a lake: it opens on a summary (verdict
/// counts, the findings that recur across datasets, the worst datasets) and an index of
/// datasets, and each dataset's detail stays closed until the reader opens it.
const LAKE_DATASETS: usize = 10;

/// Above this many datasets a dataset's detail is compact (its findings and columns, not every
/// dimension's full section with charts), so a report of thousands of datasets stays a few
/// megabytes; the JSON has every figure.
const FULL_SECTIONS_DATASETS: usize = 100;

/// Datasets listed under "worst datasets first".
const WORST_DATASETS: usize = 20;

/// Checks listed under "findings that recur across datasets".
const RECURRING_CHECKS: usize = 15;

/// Unreadable sources listed; the rest are counted.
const UNREADABLE_SHOWN: usize = 50;

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
    /// Laid out for many datasets: summary, index, closed details.
    lake: bool,
    /// Datasets' details without the dimensions' full sections.
    compact: bool,
    verdict_counts: Vec<VerdictCount>,
    recurring: Vec<Recurring>,
    worst: Vec<Worst>,
    not_assessed_reasons: Vec<NotAssessedReason>,
    totals: Vec<(String, String)>,
    parameters: Vec<(String, String)>,
    dimensions: Vec<&'static str>,
    matrix: Vec<MatrixRow>,
    top_findings: Vec<FindingView>,
    more_findings: usize,
    unreadable_sources: Vec<(String, String)>,
    more_unreadable: usize,
    datasets: Vec<DatasetView>,
    glossary: Vec<(&'static str, &'static str)>,
}

#[derive(Serialize, Clone)]
struct VerdictView {
    label: &'static str,
    class: &'static str,
    symbol: &'static str,
    /// Orders verdicts: not assessed 0, ready 1, needs work 2, not ready 3.
    rank: u8,
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
            rank: verdict as u8,
        }
    }
}

#[derive(Serialize)]
struct MatrixRow {
    dataset: String,
    anchor: String,
    verdict: VerdictView,
    /// Sorts the index: not ready first when descending.
    rank: u8,
    rows: String,
    row_count: u64,
    columns: usize,
    size: String,
    byte_count: u64,
    cells: Vec<MatrixCell>,
}

#[derive(Serialize)]
struct MatrixCell {
    verdict: VerdictView,
    findings: usize,
    /// Where its evidence is; none in a compact report (the row's dataset link leads there).
    anchor: Option<String>,
    /// The dimension, its verdict and findings in words, and why it was not assessed (the
    /// cell's title: the cell itself shows only the symbol). A lake's summary gives the
    /// reasons once for all datasets instead.
    title: String,
}

/// One check's findings in a compact dataset detail: the most severe, and how many more.
#[derive(Serialize)]
struct CheckLine {
    finding: FindingView,
    more: usize,
}

/// A dimension left unassessed for one reason, and in how many datasets.
#[derive(Serialize)]
struct NotAssessedReason {
    dimension: &'static str,
    reason: String,
    datasets: String,
}

/// How many datasets have one verdict.
#[derive(Serialize)]
struct VerdictCount {
    verdict: VerdictView,
    count: String,
}

/// One check's findings over all datasets.
#[derive(Serialize)]
struct Recurring {
    check: &'static str,
    dimension: &'static str,
    severity: &'static str,
    datasets: String,
    findings: String,
    example: String,
    fix: String,
}

/// A dataset among the worst.
#[derive(Serialize)]
struct Worst {
    dataset: String,
    anchor: String,
    verdict: VerdictView,
    failures: usize,
    warnings: usize,
    /// Its most severe finding.
    first: String,
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
    /// One per registered dimension, in report order (none in a compact detail).
    sections: Vec<Section>,
    /// A compact detail's findings, one line per check, most severe first.
    checks: Vec<CheckLine>,
    notes: Vec<String>,
    column_count: usize,
    /// The columns as a table of elements; in a compact detail none, and `columns_text`
    /// instead.
    columns: Vec<ColumnRow>,
    /// A compact detail's columns as one fixed-width text table: one text node instead of a
    /// hundred elements, so thousands of details stay quick to parse.
    columns_text: String,
}

impl ReportView {
    fn new(result: &ScanResult, assessment: &Assessment, history: Option<&History>) -> Self {
        let p = &result.parameters;
        let rows: u64 = result.datasets.iter().map(|d| d.row_count).sum();
        let size: u64 = result.datasets.iter().map(|d| d.byte_count).sum();
        let files: usize = result.datasets.iter().map(|d| d.files.len()).sum();
        let lake = result.datasets.len() > LAKE_DATASETS;
        let compact = result.datasets.len() > FULL_SECTIONS_DATASETS;
        let list = |items: &[String]| {
            if items.is_empty() {
                "-".to_string()
            } else {
                items.join(", ")
            }
        };
        // Findings and verdicts by dataset, so each dataset finds its own without a search.
        let mut findings_of: HashMap<&str, Vec<&Finding>> = HashMap::new();
        for finding in &assessment.findings {
            findings_of
                .entry(&finding.dataset)
                .or_default()
                .push(finding);
        }
        let verdict_of: HashMap<&str, &DatasetVerdict> = assessment
            .datasets
            .iter()
            .map(|verdict| (verdict.dataset.as_str(), verdict))
            .collect();
        let anchors: HashMap<&str, String> = result
            .datasets
            .iter()
            .enumerate()
            .map(|(index, dataset)| (dataset.name.as_str(), format!("dataset-{index}")))
            .collect();
        let by_name: HashMap<&str, &DatasetMetrics> = result
            .datasets
            .iter()
            .map(|dataset| (dataset.name.as_str(), dataset))
            .collect();
        Self {
            title: format!("Data readiness: {}", list(&p.sources)),
            nonce: nonce(),
            scanned_at: result.scanned_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            tool: format!("{} {}", result.tool.name, result.tool.version),
            overall: assessment.overall_verdict.into(),
            not_assessed: assessment.not_assessed_dimensions,
            lake,
            compact,
            verdict_counts: verdict_counts(assessment),
            recurring: recurring(assessment),
            worst: worst(assessment, &findings_of, &anchors),
            not_assessed_reasons: not_assessed_reasons(assessment),
            totals: vec![
                ("datasets".into(), thousands(result.datasets.len() as u64)),
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
                .map(|dataset| {
                    let anchor = anchors
                        .get(dataset.dataset.as_str())
                        .cloned()
                        .unwrap_or_default();
                    let metrics = by_name.get(dataset.dataset.as_str());
                    matrix_row(dataset, anchor, metrics.copied(), lake, compact)
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
                .take(UNREADABLE_SHOWN)
                .map(|f| (f.source.clone(), f.error.clone()))
                .collect(),
            more_unreadable: result
                .unreadable_sources
                .len()
                .saturating_sub(UNREADABLE_SHOWN),
            datasets: result
                .datasets
                .iter()
                .enumerate()
                .map(|(index, dataset)| {
                    let own =
                        history.and_then(|h| h.datasets.iter().find(|d| d.dataset == dataset.name));
                    let judged = Judged {
                        verdict: verdict_of.get(dataset.name.as_str()).copied(),
                        findings: findings_of
                            .get(dataset.name.as_str())
                            .map_or(&[][..], Vec::as_slice),
                    };
                    let location = history.map(|h| h.location.as_str());
                    DatasetView::new(index, dataset, &judged, own, location, compact)
                })
                .collect(),
            glossary: GLOSSARY.to_vec(),
        }
    }
}

/// A dataset's verdicts and findings.
struct Judged<'a> {
    verdict: Option<&'a DatasetVerdict>,
    findings: &'a [&'a Finding],
}

/// A row of the index: the dataset's verdict, each dimension's, its size. In a compact report
/// the cells link to the dataset's detail (its dimensions have no sections of their own).
fn matrix_row(
    dataset: &DatasetVerdict,
    anchor: String,
    metrics: Option<&DatasetMetrics>,
    lake: bool,
    compact: bool,
) -> MatrixRow {
    MatrixRow {
        dataset: dataset.dataset.clone(),
        verdict: dataset.verdict.into(),
        rank: dataset.verdict as u8,
        rows: metrics.map_or_else(String::new, |m| thousands(m.row_count)),
        row_count: metrics.map_or(0, |m| m.row_count),
        columns: metrics.map_or(0, |m| m.columns.len()),
        size: metrics.map_or_else(String::new, |m| bytes(m.byte_count)),
        byte_count: metrics.map_or(0, |m| m.byte_count),
        cells: dataset
            .dimensions
            .iter()
            .map(|d| {
                // A lake's index leaves the title off ready and not assessed cells: the
                // heading names the dimension, the symbol the verdict, and the summary says
                // why dimensions were not assessed (a title costs 40 bytes a cell).
                let mut title =
                    match lake && matches!(d.verdict, Verdict::Ready | Verdict::NotAssessed) {
                        true => String::new(),
                        false => format!("{}: {}", d.dimension.title(), d.verdict.label()),
                    };
                match d.findings {
                    0 => {}
                    1 => title.push_str(" (1 finding)"),
                    n => title.push_str(&format!(" ({n} findings)")),
                }
                if let Some(why) = d.not_assessed.as_ref().filter(|_| !lake) {
                    title.push_str(&format!(": {why}"));
                }
                MatrixCell {
                    verdict: d.verdict.into(),
                    findings: d.findings,
                    anchor: (!compact).then(|| format!("{anchor}-{}", d.dimension.name())),
                    title,
                }
            })
            .collect(),
        anchor,
    }
}

/// Datasets per verdict, the worst verdict first; verdicts no dataset has are left out.
fn verdict_counts(assessment: &Assessment) -> Vec<VerdictCount> {
    [
        Verdict::NotReady,
        Verdict::NeedsWork,
        Verdict::Ready,
        Verdict::NotAssessed,
    ]
    .into_iter()
    .filter_map(|verdict| {
        let count = assessment
            .datasets
            .iter()
            .filter(|d| d.verdict == verdict)
            .count();
        (count > 0).then(|| VerdictCount {
            verdict: verdict.into(),
            count: thousands(count as u64),
        })
    })
    .collect()
}

/// The checks that raised findings, those raised in the most datasets first (failures before
/// warnings on a tie), each with its most severe finding as the example.
fn recurring(assessment: &Assessment) -> Vec<Recurring> {
    struct Tally<'a> {
        datasets: BTreeSet<&'a str>,
        findings: usize,
        worst: &'a Finding,
    }
    let mut tallies: BTreeMap<&'static str, Tally<'_>> = BTreeMap::new();
    for finding in &assessment.findings {
        let tally = tallies.entry(finding.check.name()).or_insert(Tally {
            datasets: BTreeSet::new(),
            findings: 0,
            worst: finding,
        });
        tally.datasets.insert(&finding.dataset);
        tally.findings += 1;
        if finding.severity > tally.worst.severity {
            tally.worst = finding;
        }
    }
    let mut tallies: Vec<_> = tallies.into_iter().collect();
    tallies.sort_by(|(a_name, a), (b_name, b)| {
        (b.datasets.len(), b.worst.severity, a_name).cmp(&(
            a.datasets.len(),
            a.worst.severity,
            b_name,
        ))
    });
    tallies
        .into_iter()
        .take(RECURRING_CHECKS)
        .map(|(check, tally)| Recurring {
            check,
            dimension: tally.worst.dimension.title(),
            severity: match tally.worst.severity {
                Severity::Warn => "warn",
                Severity::Fail => "fail",
            },
            datasets: thousands(tally.datasets.len() as u64),
            findings: thousands(tally.findings as u64),
            example: tally.worst.message.clone(),
            fix: tally.worst.fix.clone(),
        })
        .collect()
}

/// Why dimensions were not assessed, each reason once with the number of datasets it applies
/// to, the most common first.
fn not_assessed_reasons(assessment: &Assessment) -> Vec<NotAssessedReason> {
    let mut counted: BTreeMap<(&'static str, &str), usize> = BTreeMap::new();
    for dimension in assessment.datasets.iter().flat_map(|d| &d.dimensions) {
        if let Some(reason) = &dimension.not_assessed {
            *counted
                .entry((dimension.dimension.title(), reason.as_str()))
                .or_default() += 1;
        }
    }
    let mut reasons: Vec<_> = counted.into_iter().collect();
    reasons.sort_by(|(a, a_count), (b, b_count)| b_count.cmp(a_count).then(a.cmp(b)));
    reasons
        .into_iter()
        .map(|((dimension, reason), count)| NotAssessedReason {
            dimension,
            reason: reason.to_string(),
            datasets: thousands(count as u64),
        })
        .collect()
}

/// The worst datasets: by verdict, then failures, then warnings.
fn worst(
    assessment: &Assessment,
    findings_of: &HashMap<&str, Vec<&Finding>>,
    anchors: &HashMap<&str, String>,
) -> Vec<Worst> {
    let mut ranked: Vec<Worst> = assessment
        .datasets
        .iter()
        .filter(|d| matches!(d.verdict, Verdict::NotReady | Verdict::NeedsWork))
        .map(|d| {
            let own = findings_of
                .get(d.dataset.as_str())
                .map_or(&[][..], Vec::as_slice);
            let counted = |severity| {
                own.iter()
                    .filter(|f| f.severity == severity && !f.advisory)
                    .count()
            };
            Worst {
                dataset: d.dataset.clone(),
                anchor: anchors.get(d.dataset.as_str()).cloned().unwrap_or_default(),
                verdict: d.verdict.into(),
                failures: counted(Severity::Fail),
                warnings: counted(Severity::Warn),
                first: own.first().map(|f| f.message.clone()).unwrap_or_default(),
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        (b.verdict.rank, b.failures, b.warnings, &a.dataset).cmp(&(
            a.verdict.rank,
            a.failures,
            a.warnings,
            &b.dataset,
        ))
    });
    ranked.truncate(WORST_DATASETS);
    ranked
}

impl DatasetView {
    fn new(
        index: usize,
        d: &DatasetMetrics,
        judged: &Judged<'_>,
        history: Option<&DatasetHistory>,
        history_location: Option<&str>,
        compact: bool,
    ) -> Self {
        let anchor = format!("dataset-{index}");
        let verdicts = judged.verdict;
        let input = ViewInput {
            dataset: d,
            history,
            history_location,
        };
        let sections = match compact {
            true => Vec::new(),
            false => dimensions::REGISTERED
                .iter()
                .map(|module| {
                    let dimension = module.dimension();
                    let assessed = verdicts
                        .and_then(|v| v.dimensions.iter().find(|x| x.dimension == dimension));
                    Section {
                        id: format!("{anchor}-{}", dimension.name()),
                        title: dimension.title(),
                        template: template_name(dimension),
                        verdict: assessed.map_or(Verdict::Ready, |x| x.verdict).into(),
                        not_assessed: assessed.and_then(|x| x.not_assessed.clone()),
                        findings: judged
                            .findings
                            .iter()
                            .filter(|f| f.dimension == dimension)
                            .map(|f| FindingView::from(*f))
                            .collect(),
                        view: module.view(&input),
                    }
                })
                .collect(),
        };
        let mut checks: Vec<CheckLine> = Vec::new();
        if compact {
            let mut seen: HashMap<&'static str, usize> = HashMap::new();
            for finding in judged.findings {
                match seen.get(finding.check.name()) {
                    Some(&line) => checks[line].more += 1,
                    None => {
                        seen.insert(finding.check.name(), checks.len());
                        checks.push(CheckLine {
                            finding: FindingView::from(*finding),
                            more: 0,
                        });
                    }
                }
            }
        }
        let columns: Vec<ColumnRow> = d
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
                min: c
                    .min
                    .as_ref()
                    .map(|v| shortened(show(v), compact))
                    .unwrap_or_default(),
                max: c
                    .max
                    .as_ref()
                    .map(|v| shortened(show(v), compact))
                    .unwrap_or_default(),
                top_values: match compact {
                    true => String::new(),
                    false => c
                        .top_values
                        .iter()
                        .take(5)
                        .map(|v| format!("{} ({})", show(&v.value), thousands(v.count)))
                        .collect::<Vec<_>>()
                        .join(", "),
                },
                personal_data: c.personal_data.clone().unwrap_or_default(),
            })
            .collect();
        let (columns, columns_text) = match compact {
            true => (Vec::new(), columns_text(&columns)),
            false => (columns, String::new()),
        };
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
            checks,
            notes: d.notes.clone(),
            column_count: d.columns.len(),
            columns,
            columns_text,
        }
    }
}

/// Column names are cut to this many characters in a compact detail's text table.
const COMPACT_NAME_CHARS: usize = 32;

/// `rows` as a fixed-width text table (column, type, complete, distinct, min, max), every
/// cell made printable so no value can break the layout.
fn columns_text(rows: &[ColumnRow]) -> String {
    let header = ["column", "type", "complete", "distinct", "min", "max"];
    let lines: Vec<[String; 6]> = rows
        .iter()
        .map(|c| {
            [
                shortened_to(&c.name, COMPACT_NAME_CHARS),
                c.data_type.clone(),
                c.completeness.clone(),
                c.distinct_count.clone(),
                c.min.clone(),
                c.max.clone(),
            ]
            .map(|cell| printable(&cell))
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for line in &lines {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header = header.map(str::to_string);
    for line in std::iter::once(&header).chain(&lines) {
        let mut text = String::new();
        for (index, (cell, width)) in line.iter().zip(widths).enumerate() {
            let pad = " ".repeat(width - cell.chars().count());
            // Figures right-aligned, words left-aligned.
            match index {
                2 | 3 => text.push_str(&format!("{pad}{cell}  ")),
                _ => text.push_str(&format!("{cell}{pad}  ")),
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    }
    out
}

/// `text` cut to `chars` characters, marked with an ellipsis.
fn shortened_to(text: &str, chars: usize) -> String {
    match text.chars().count() > chars {
        true => format!("{}…", text.chars().take(chars).collect::<String>()),
        false => text.to_string(),
    }
}

/// Characters of a minimum or maximum shown in a compact detail.
const COMPACT_VALUE_CHARS: usize = 24;

/// `text` cut to [`COMPACT_VALUE_CHARS`] in a compact detail.
fn shortened(text: String, compact: bool) -> String {
    match compact {
        true => shortened_to(&text, COMPACT_VALUE_CHARS),
        false => text,
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
