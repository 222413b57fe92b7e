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

use crate::check::{Assessment, DIMENSIONS, Finding, Severity, Verdict};
use crate::error::{ReadinessError, Result};
use crate::history::{DatasetHistory, History, METRICS, Metric};
use crate::humanize::{bytes, human_duration, percent, thousands};
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

/// How many of the least complete columns the completeness chart shows.
const CHART_COLUMNS: usize = 25;
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
    for (name, source) in TEMPLATES {
        let source = match template_dir
            .map(|dir| dir.join(name))
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
        env.add_template_owned(*name, source)
            .map_err(|error| ReadinessError::Template {
                path: template_dir.map_or_else(|| Path::new(name).to_path_buf(), |d| d.join(name)),
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
    totals: Vec<(String, String)>,
    parameters: Vec<(String, String)>,
    dimensions: Vec<&'static str>,
    matrix: Vec<MatrixRow>,
    top_findings: Vec<FindingView>,
    more_findings: usize,
    unreadable_sources: Vec<(String, String)>,
    datasets: Vec<DatasetView>,
    glossary: Vec<(&'static str, &'static str)>,
    /// `None` without a history store.
    history_location: Option<String>,
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
    verdict: VerdictView,
    findings: Vec<FindingView>,
}

#[derive(Serialize)]
struct Bar {
    label: String,
    /// 0..100, the bar's length.
    width: f64,
    value: String,
    y: usize,
}

#[derive(Serialize)]
struct BarChart {
    height: usize,
    bars: Vec<Bar>,
    caption: String,
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
struct FileRow {
    path: String,
    size: String,
    rows: String,
    modified: String,
    writer: String,
    problem: String,
    /// "N rows rejected" for a CSV file with rejected rows.
    rejects: String,
    /// The first rejected rows: line, reason and masked excerpt.
    reject_lines: Vec<String>,
}

#[derive(Serialize)]
struct LabelView {
    column: String,
    coverage: String,
    imbalance: String,
    chart: BarChart,
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
    sections: Vec<Section>,
    notes: Vec<String>,
    completeness_chart: BarChart,
    complete_rows: String,
    duplicate_rows: String,
    duplicate_keys: Option<String>,
    key_columns: String,
    example_groups: Vec<(String, u64)>,
    labels: Vec<LabelView>,
    freshness_lag: String,
    freshness_basis: String,
    time_range: Option<String>,
    timeline: Option<Timeline>,
    gaps: Vec<String>,
    lineage_found: Vec<(String, String)>,
    lineage_missing: Vec<&'static str>,
    file_rows: Vec<FileRow>,
    personal_data: Vec<(String, String)>,
    columns: Vec<ColumnRow>,
    /// One small chart per trended metric (empty without history).
    trends: Vec<Trend>,
    /// How many runs the trend charts cover, this one included.
    trend_runs: usize,
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
                ("grouping".into(), p.grouping.clone()),
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
            dimensions: DIMENSIONS.iter().map(|d| d.title()).collect(),
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
                            anchor: format!("dataset-{index}-{:?}", d.dimension).to_lowercase(),
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
                    DatasetView::new(index, dataset, assessment, own)
                })
                .collect(),
            glossary: GLOSSARY.to_vec(),
            history_location: history.map(|h| h.location.clone()),
        }
    }
}

impl DatasetView {
    fn new(
        index: usize,
        d: &DatasetMetrics,
        assessment: &Assessment,
        history: Option<&DatasetHistory>,
    ) -> Self {
        let anchor = format!("dataset-{index}");
        let verdicts = assessment.datasets.iter().find(|v| v.dataset == d.name);
        let sections = DIMENSIONS
            .iter()
            .map(|&dimension| Section {
                id: format!("{anchor}-{dimension:?}").to_lowercase(),
                title: dimension.title(),
                verdict: verdicts
                    .and_then(|v| v.dimensions.iter().find(|x| x.dimension == dimension))
                    .map_or(Verdict::Ready, |x| x.verdict)
                    .into(),
                findings: assessment
                    .findings
                    .iter()
                    .filter(|f| f.dataset == d.name && f.dimension == dimension)
                    .map(Into::into)
                    .collect(),
            })
            .collect();
        let f = &d.freshness;
        let lineage = &d.lineage;
        let mut lineage_found: Vec<(String, String)> = Vec::new();
        for writer in &lineage.created_by {
            lineage_found.push(("written by".into(), writer.clone()));
        }
        for kv in &lineage.key_value_metadata {
            lineage_found.push((kv.key.clone(), kv.value.chars().take(300).collect()));
        }
        for description in &lineage.column_descriptions {
            lineage_found.push((
                format!("column {}", description.column),
                description.description.clone(),
            ));
        }
        for sidecar in &lineage.sidecar_files {
            lineage_found.push((sidecar.kind.replace('_', " "), sidecar.path.clone()));
        }
        let has = |needle: &str| {
            lineage
                .key_value_metadata
                .iter()
                .any(|kv| kv.key.to_lowercase().contains(needle))
        };
        if let Some(table) = &lineage.table {
            let committed = table
                .last_commit_time
                .map(|at| format!(", committed {}", at.format("%Y-%m-%d %H:%M UTC")))
                .unwrap_or_default();
            let operation = table
                .last_operation
                .as_deref()
                .unwrap_or("unknown operation");
            lineage_found.push((
                format!("{} table", table.format),
                format!(
                    "version {} of {} ({operation}{committed}); {} commits in the last 30 days",
                    table.version, table.newest_version, table.commits_last_30_days
                ),
            ));
            if let Some(engine) = &table.engine_info {
                lineage_found.push(("table written by".into(), engine.clone()));
            }
            if let Some(description) = &table.description {
                lineage_found.push(("table description".into(), description.clone()));
            }
            for property in &table.properties {
                lineage_found.push((
                    format!("table property {}", property.key),
                    property.value.clone(),
                ));
            }
        }
        if let Some(owner) = &lineage.owner {
            lineage_found.push(("owner (readiness.toml)".into(), owner.clone()));
        }
        let mut lineage_missing = Vec::new();
        if !has("owner") && lineage.owner.is_none() {
            lineage_missing.push("owner");
        }
        if !has("source") && !has("upstream") {
            lineage_missing.push("source system");
        }
        if lineage.column_descriptions.is_empty() {
            lineage_missing.push("column descriptions");
        }
        if !lineage.sidecar_files.iter().any(|s| s.kind == "readme") {
            lineage_missing.push("README or documentation beside the data");
        }
        Self {
            name: d.name.clone(),
            anchor,
            source: d.source.clone(),
            format: d.format.clone(),
            grouping: d.grouping.clone(),
            rows: thousands(d.row_count),
            size: bytes(d.byte_count),
            files: d.files.len(),
            verdict: verdicts.map_or(Verdict::Ready, |v| v.verdict).into(),
            sections,
            trends: history.map(trends).unwrap_or_default(),
            trend_runs: history.map_or(0, |h| h.runs.len()),
            notes: d.notes.clone(),
            completeness_chart: completeness_chart(d),
            complete_rows: percent(d.complete_row_fraction),
            duplicate_rows: format!(
                "{} ({})",
                thousands(d.duplicates.duplicate_row_count),
                percent(d.duplicates.duplicate_row_fraction)
            ),
            duplicate_keys: d.duplicates.duplicate_key_row_count.map(|rows| {
                format!(
                    "{} rows repeat a key; {} keys occur more than once",
                    thousands(rows),
                    thousands(d.duplicates.keys_with_duplicates.unwrap_or(0))
                )
            }),
            key_columns: d.duplicates.key_columns.join(", "),
            example_groups: d
                .duplicates
                .example_groups
                .iter()
                .map(|g| {
                    (
                        g.key.iter().map(show).collect::<Vec<_>>().join(", "),
                        g.count,
                    )
                })
                .collect(),
            labels: d
                .labels
                .iter()
                .map(|label| {
                    let max = label.classes.first().map_or(1, |c| c.count.max(1));
                    LabelView {
                        column: label.column.clone(),
                        coverage: format!(
                            "{} ({} of {} rows)",
                            percent(label.coverage),
                            thousands(label.labelled_count),
                            thousands(d.row_count)
                        ),
                        imbalance: label
                            .imbalance_ratio
                            .map_or("-".into(), |r| format!("{r:.1} : 1")),
                        chart: bar_chart(
                            label.classes.iter().take(CHART_COLUMNS).map(|c| {
                                (
                                    show(&c.value),
                                    c.count as f64 / max as f64,
                                    thousands(c.count),
                                )
                            }),
                            format!("rows per class of {}", label.column),
                        ),
                    }
                })
                .collect(),
            freshness_lag: f.lag_seconds.map_or("-".into(), human_duration),
            freshness_basis: match f.lag_basis.as_deref() {
                Some("event_time") => format!(
                    "since the newest `{}`",
                    f.time_column.as_deref().unwrap_or_default()
                ),
                Some("commit_time") => "since the table's last commit (no time column)".into(),
                Some(_) => "since the newest file was modified (no time column)".into(),
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
                        "{} to {} ({} empty {}s)",
                        g.start.format("%Y-%m-%d"),
                        g.end.format("%Y-%m-%d"),
                        g.empty_buckets,
                        f.bucket_width.as_deref().unwrap_or("bucket")
                    )
                })
                .collect(),
            lineage_found,
            lineage_missing,
            file_rows: d
                .files
                .iter()
                .map(|file| FileRow {
                    path: file.path.clone(),
                    size: bytes(file.byte_count),
                    rows: file.row_count.map_or("-".into(), thousands),
                    modified: file
                        .last_modified
                        .map_or("-".into(), |t| t.format("%Y-%m-%d %H:%M").to_string()),
                    writer: file.created_by.clone().unwrap_or_else(|| {
                        file.csv_dialect.as_ref().map_or(String::new(), |dialect| {
                            format!(
                                "CSV, `{}` delimited, {}{}",
                                dialect.delimiter,
                                dialect.encoding,
                                if dialect.header {
                                    ""
                                } else {
                                    ", no header line"
                                }
                            )
                        })
                    }),
                    rejects: match file.rejected_row_count {
                        Some(count) if count > 0 => format!(
                            "{} {} rejected",
                            thousands(count),
                            if count == 1 { "row" } else { "rows" }
                        ),
                        _ => String::new(),
                    },
                    reject_lines: file
                        .rejected_rows
                        .iter()
                        .map(|row| {
                            let excerpt = row
                                .excerpt
                                .as_ref()
                                .map_or(String::new(), |text| format!(": {text}"));
                            format!("line {}, {}{excerpt}", row.line, row.kind.in_words())
                        })
                        .collect(),
                    problem: match (&file.error, file.error_line) {
                        (Some(error), Some(line)) => format!("{error} (line {line})"),
                        (Some(error), None) => error.clone(),
                        (None, _) => String::new(),
                    },
                })
                .collect(),
            personal_data: d
                .columns
                .iter()
                .filter_map(|c| Some((c.name.clone(), c.personal_data.clone()?)))
                .collect(),
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

/// A JSON value as a person reads it (strings without quotes), cut at 80 characters.
fn show(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "(empty)".into(),
        other => other.to_string(),
    };
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

fn bar_chart(bars: impl Iterator<Item = (String, f64, String)>, caption: String) -> BarChart {
    let bars: Vec<Bar> = bars
        .enumerate()
        .map(|(index, (label, fraction, value))| Bar {
            label: if label.chars().count() > 28 {
                format!("{}…", label.chars().take(27).collect::<String>())
            } else {
                label
            },
            width: (fraction.clamp(0.0, 1.0) * 100.0 * 10.0).round() / 10.0,
            value,
            y: index * 22,
        })
        .collect();
    BarChart {
        height: bars.len() * 22 + 4,
        bars,
        caption,
    }
}

/// The least complete columns, least first.
fn completeness_chart(d: &DatasetMetrics) -> BarChart {
    let mut columns: Vec<_> = d
        .columns
        .iter()
        .filter_map(|c| Some((c, c.completeness?)))
        .collect();
    columns.sort_by(|a, b| a.1.total_cmp(&b.1).then_with(|| a.0.name.cmp(&b.0.name)));
    let shown = columns.len().min(CHART_COLUMNS);
    let caption = if columns.len() > shown {
        format!(
            "completeness of the {shown} least complete of {} columns",
            columns.len()
        )
    } else {
        format!(
            "completeness of all {} columns, least complete first",
            columns.len()
        )
    };
    bar_chart(
        columns
            .into_iter()
            .take(shown)
            .map(|(c, v)| (c.name.clone(), v, percent(Some(v)))),
        caption,
    )
}

/// Rows per time bucket as bars on a 1000 x 120 canvas, each bucket one unit wide; a gap of
/// empty buckets is one hatched bar as wide as the buckets it spans, so the page grows with
/// the buckets that hold rows, never with the span of the dates (a stray 9999-12-31).
fn timeline(d: &DatasetMetrics) -> Option<Timeline> {
    let f = &d.freshness;
    if f.buckets.is_empty() {
        return None;
    }
    let width_name = f.bucket_width.as_deref().unwrap_or("bucket");
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
        "ready: no check raised a finding; needs work: at least one warning; not ready: at least one failure. A dataset's verdict is its worst dimension's, the overall verdict the worst dataset's.",
    ),
];

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
