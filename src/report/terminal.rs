//! The short summary a person sees at the terminal after a scan.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Table};

use crate::check::{Assessment, Severity, Verdict};
use crate::history::History;
use crate::humanize::{human_duration, percent, printable, thousands};
use crate::metrics::{DatasetMetrics, LagBasis, ScanResult};

/// One row per dataset, then the files and sources that could not be read, the change since
/// the previous run, and the failing findings.
pub fn summary(result: &ScanResult, assessment: &Assessment, history: Option<&History>) -> String {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(vec![
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
    ]);
    for dataset in &result.datasets {
        let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
        table.add_row(vec![
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
            Cell::new(
                assessment
                    .datasets
                    .iter()
                    .find(|v| v.dataset == dataset.name)
                    .map_or("-", |v| v.verdict.label()),
            ),
        ]);
    }
    let mut out = table.to_string();
    out.push('\n');
    // Every line below may quote the data: each is made printable as a whole.
    let push_line = |out: &mut String, text: String| {
        out.push_str(&printable(&text));
        out.push('\n');
    };
    for dataset in &result.datasets {
        push_line(&mut out, format!("{}: {}", dataset.name, dataset.grouping));
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
    for finding in assessment
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Fail && !f.advisory)
    {
        push_line(
            &mut out,
            format!(
                "FAIL {} {}: {}",
                finding.dataset, finding.check, finding.message
            ),
        );
    }
    for failure in &result.unreadable_sources {
        push_line(
            &mut out,
            format!("unreadable: {}: {}", failure.source, failure.error),
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
        "overall verdict: {style}{}{style:#} ({fails} failing and {} warning findings{})\n",
        assessment.overall_verdict.label(),
        assessment.findings.len() - fails,
        match assessment.not_assessed_dimensions {
            0 => String::new(),
            n => format!("; {n} dimensions not assessed"),
        }
    ));
    out
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
