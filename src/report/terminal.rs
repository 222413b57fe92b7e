//! The short summary a person sees at the terminal after a scan.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use std::collections::HashMap;

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

use crate::check::{Assessment, Severity, Verdict};
use crate::history::History;
use crate::humanize::{human_duration, percent, printable, thousands};
use crate::metrics::{DatasetMetrics, LagBasis, ScanResult};

/// Datasets listed one row each; beyond this many the summary lists the worst ones and counts
/// the rest (the HTML and JSON reports have them all).
pub const LISTED_DATASETS: usize = 20;

/// Failing findings and unreadable sources listed; the rest are counted.
const LISTED_LINES: usize = 20;

/// Below this terminal width the table leaves out format, files, columns, weakest column and
/// duplicate keys.
const FULL_TABLE_WIDTH: u16 = 150;

/// One row per dataset (the worst [`LISTED_DATASETS`] when there are more, with totals), then
/// the files and sources that could not be read, the change since the previous run, and the
/// failing findings. `width` is the terminal's, when known: the table fits it.
pub fn summary(
    result: &ScanResult,
    assessment: &Assessment,
    history: Option<&History>,
    width: Option<u16>,
) -> String {
    let verdict_of = |dataset: &DatasetMetrics| {
        assessment
            .datasets
            .iter()
            .find(|v| v.dataset == dataset.name)
            .map(|v| v.verdict)
    };
    let shown: Vec<&DatasetMetrics> = match result.datasets.len() > LISTED_DATASETS {
        false => result.datasets.iter().collect(),
        true => worst_first(result, assessment),
    };
    let full = width.is_none_or(|w| w >= FULL_TABLE_WIDTH);
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED);
    if let Some(width) = width {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width);
    }
    let header: Vec<&str> = match full {
        true => vec![
            "dataset",
            "format",
            "files",
            "rows",
            "columns",
            "complete rows",
            "weakest column",
            "duplicate rows",
            "duplicate keys",
            "labelled",
            "freshness lag",
            "verdict",
        ],
        false => vec![
            "dataset", "rows", "complete", "dup rows", "labelled", "lag", "verdict",
        ],
    };
    table.set_header(header);
    for dataset in &shown {
        let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
        let verdict = Cell::new(verdict_of(dataset).map_or("-", Verdict::label));
        let row = match full {
            true => vec![
                Cell::new(printable(&dataset.name)),
                Cell::new(dataset.format.name()),
                right(files_cell(dataset)),
                right(thousands(dataset.row_count)),
                right(dataset.columns.len().to_string()),
                right(percent(dataset.complete_row_fraction)),
                Cell::new(printable(&weakest_column(dataset))),
                right(thousands(dataset.duplicates.duplicate_row_count)),
                right(
                    dataset
                        .duplicates
                        .duplicate_key_row_count
                        .map_or("-".into(), thousands),
                ),
                right(printable(&labelled(dataset))),
                right(lag(dataset)),
                verdict,
            ],
            false => vec![
                Cell::new(printable(&dataset.name)),
                right(thousands(dataset.row_count)),
                right(percent(dataset.complete_row_fraction)),
                right(thousands(dataset.duplicates.duplicate_row_count)),
                right(printable(&labelled(dataset))),
                right(lag(dataset)),
                verdict,
            ],
        };
        table.add_row(row);
    }
    let mut out = String::new();
    if shown.len() < result.datasets.len() {
        out.push_str(&totals(result, assessment));
        out.push_str(&format!(
            "the {} worst datasets:\n",
            thousands(shown.len() as u64)
        ));
    }
    out.push_str(&table.to_string());
    out.push('\n');
    if shown.len() < result.datasets.len() {
        out.push_str(&format!(
            "... and {} more datasets (every dataset is in the HTML and JSON reports)\n",
            thousands((result.datasets.len() - shown.len()) as u64)
        ));
    }
    // Every line below may quote the data: each is made printable as a whole.
    let push_line = |out: &mut String, text: String| {
        out.push_str(&printable(&text));
        out.push('\n');
    };
    let few = shown.len() == result.datasets.len();
    for dataset in &shown {
        if few {
            push_line(&mut out, format!("{}: {}", dataset.name, dataset.grouping));
        }
        for file in dataset.files.iter().filter(|f| f.error.is_some()) {
            let line = file
                .error_line
                .map(|l| format!(" (line {l})"))
                .unwrap_or_default();
            push_line(
                &mut out,
                format!(
                    "  left out: {}{line}: {}",
                    file.path,
                    file.error.as_deref().unwrap_or_default()
                ),
            );
        }
        for file in dataset
            .files
            .iter()
            .filter(|f| f.rejected_row_count > Some(0))
        {
            let first = file
                .rejected_rows
                .first()
                .map(|row| format!(" (first at line {}: {})", row.line, row.kind.in_words()))
                .unwrap_or_default();
            push_line(
                &mut out,
                format!(
                    "  rejected rows: {} in {}{first}",
                    thousands(file.rejected_row_count.unwrap_or(0)),
                    file.path,
                ),
            );
        }
        for note in &dataset.notes {
            push_line(&mut out, format!("  note: {note}"));
        }
        let change = history
            .and_then(|h| h.datasets.iter().find(|d| d.dataset == dataset.name))
            .and_then(|d| d.change.as_ref());
        if let Some(change) = change {
            push_line(
                &mut out,
                format!(
                    "  since {}: rows {:+}{}",
                    change.previous_run_at.format("%Y-%m-%d %H:%M UTC"),
                    change.row_count,
                    change
                        .completeness
                        .map(|c| format!(", completeness {:+.1} points", c * 100.0))
                        .unwrap_or_default()
                ),
            );
        }
    }
    let failing: Vec<_> = assessment
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Fail && !f.advisory)
        .collect();
    for finding in failing.iter().take(LISTED_LINES) {
        push_line(
            &mut out,
            format!(
                "FAIL {} {}: {}",
                finding.dataset, finding.check, finding.message
            ),
        );
    }
    if failing.len() > LISTED_LINES {
        push_line(
            &mut out,
            format!(
                "... and {} more failing findings (in the HTML and JSON reports)",
                thousands((failing.len() - LISTED_LINES) as u64)
            ),
        );
    }
    for failure in result.unreadable_sources.iter().take(LISTED_LINES) {
        push_line(
            &mut out,
            format!("unreadable: {}: {}", failure.source, failure.error),
        );
    }
    if result.unreadable_sources.len() > LISTED_LINES {
        push_line(
            &mut out,
            format!(
                "... and {} more unreadable sources (in the JSON report)",
                thousands((result.unreadable_sources.len() - LISTED_LINES) as u64)
            ),
        );
    }
    let fails = assessment
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Fail)
        .count();
    // Only our own words on this line, so it may carry colour (stripped by the writer when
    // `--color`/`NO_COLOR` or a pipe says so).
    let colour = match assessment.overall_verdict {
        Verdict::NotAssessed => anstyle::AnsiColor::BrightBlack,
        Verdict::Ready => anstyle::AnsiColor::Green,
        Verdict::NeedsWork => anstyle::AnsiColor::Yellow,
        Verdict::NotReady => anstyle::AnsiColor::Red,
    };
    let style = anstyle::Style::new().bold().fg_color(Some(colour.into()));
    out.push_str(&format!(
        "overall verdict: {style}{}{style:#} ({} failing and {} warning findings{})\n",
        assessment.overall_verdict.label(),
        thousands(fails as u64),
        thousands((assessment.findings.len() - fails) as u64),
        match assessment.not_assessed_dimensions {
            0 => String::new(),
            1 => "; 1 dimension not assessed".to_string(),
            n => format!("; {} dimensions not assessed", thousands(n as u64)),
        }
    ));
    out
}

/// The worst [`LISTED_DATASETS`] datasets: by verdict, then failing and warning findings,
/// then name.
fn worst_first<'a>(result: &'a ScanResult, assessment: &Assessment) -> Vec<&'a DatasetMetrics> {
    let mut tally: HashMap<&str, (usize, usize)> = HashMap::new();
    for finding in assessment.findings.iter().filter(|f| !f.advisory) {
        let counts = tally.entry(finding.dataset.as_str()).or_default();
        match finding.severity {
            Severity::Fail => counts.0 += 1,
            Severity::Warn => counts.1 += 1,
        }
    }
    let verdicts: HashMap<&str, Verdict> = assessment
        .datasets
        .iter()
        .map(|v| (v.dataset.as_str(), v.verdict))
        .collect();
    let mut ranked: Vec<&DatasetMetrics> = result.datasets.iter().collect();
    let key = |d: &DatasetMetrics| {
        let (fails, warns) = tally.get(d.name.as_str()).copied().unwrap_or_default();
        (verdicts.get(d.name.as_str()).copied(), fails, warns)
    };
    ranked.sort_by(|a, b| key(b).cmp(&key(a)).then_with(|| a.name.cmp(&b.name)));
    ranked.truncate(LISTED_DATASETS);
    ranked
}

/// Datasets per verdict, rows and size over all datasets, on one line.
fn totals(result: &ScanResult, assessment: &Assessment) -> String {
    let count = |verdict: Verdict| {
        assessment
            .datasets
            .iter()
            .filter(|d| d.verdict == verdict)
            .count() as u64
    };
    let rows: u64 = result.datasets.iter().map(|d| d.row_count).sum();
    format!(
        "{} datasets, {} rows: {} not ready, {} need work, {} ready\n",
        thousands(result.datasets.len() as u64),
        thousands(rows),
        thousands(count(Verdict::NotReady)),
        thousands(count(Verdict::NeedsWork)),
        thousands(count(Verdict::Ready)),
    )
}

fn files_cell(dataset: &DatasetMetrics) -> String {
    let bad = dataset.files.iter().filter(|f| f.error.is_some()).count();
    if bad == 0 {
        dataset.files.len().to_string()
    } else {
        format!("{} ({bad} left out)", dataset.files.len())
    }
}

fn weakest_column(dataset: &DatasetMetrics) -> String {
    dataset
        .columns
        .iter()
        .filter_map(|c| Some((c, c.completeness?)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .filter(|(_, completeness)| *completeness < 1.0)
        .map_or("-".to_string(), |(column, completeness)| {
            format!("{} {}", column.name, percent(Some(completeness)))
        })
}

fn labelled(dataset: &DatasetMetrics) -> String {
    if dataset.labels.is_empty() {
        return "-".to_string();
    }
    dataset
        .labels
        .iter()
        .map(|label| format!("{} {}", label.column, percent(label.coverage)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn lag(dataset: &DatasetMetrics) -> String {
    let Some(seconds) = dataset.freshness.lag_seconds else {
        return "-".to_string();
    };
    let basis = match dataset.freshness.lag_basis {
        Some(LagBasis::FileModified) => " (file)",
        Some(LagBasis::CommitTime) => " (commit)",
        Some(LagBasis::EventTime) | None => "",
    };
    format!("{}{basis}", human_duration(seconds))
}
