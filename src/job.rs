//! What `scan` and `run` share after profiling: history, checks, reports, OpenLineage, and the
//! outcome that becomes the exit status.
//!
//! Order matters: history is read before this run is appended (so the run is never in its own
//! baseline), checks see the history, and the run is appended with its verdict before the
//! reports are written.

use std::path::PathBuf;

use crate::check::{self, Assessment, Severity, Suite};
use crate::error::Result;
use crate::history::{self, History, RunRecord};
use crate::metrics::ScanResult;
use crate::report::{self, openlineage, output::Target};

/// Where the results of one run go, and what makes it fail.
pub struct Publish {
    pub suite: Suite,
    /// The lowest severity that makes the exit status 1.
    pub fail_on: Severity,
    pub json: Target,
    pub html: Target,
    pub template: Option<PathBuf>,
    /// History store location (folder or URL), if any.
    pub history: Option<String>,
    pub openlineage: Option<Target>,
    pub storage_options: Vec<(String, String)>,
    pub quiet: bool,
    /// The OpenLineage job name (`scan`, or the config file's name).
    pub job_name: String,
}

/// How a run ended; errors are the third outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No non-advisory finding at or above `fail_on`: exit 0.
    Passed,
    /// At least one: exit 1.
    ChecksFailed,
}

/// Evaluates, records and publishes one profiled run.
pub async fn publish(result: &ScanResult, publish: &Publish) -> Result<Outcome> {
    let options = &publish.storage_options;
    let (history, store) = match &publish.history {
        Some(location) => {
            let store = history::Store::new(location)?;
            let (earlier, unreadable) = store.load(options).await?;
            let trend = history::trend(store.location(), earlier, unreadable, result);
            (Some(trend), Some(store))
        }
        None => (None, None),
    };
    let assessment = check::evaluate(result, &publish.suite, history.as_ref());
    if let Some(store) = &store {
        store.append(&records(result, &assessment), options).await?;
    }
    let html = report::html::render(
        result,
        &assessment,
        history.as_ref(),
        publish.template.as_deref(),
    )?;
    let json = report::json::to_string(result, &assessment, history.as_ref());
    publish.json.write(&json, options).await?;
    publish.html.write(&html, options).await?;
    if let Some(target) = &publish.openlineage {
        let event = openlineage::run_event(result, &assessment, &publish.job_name);
        target.write(&event, options).await?;
    }
    if !publish.quiet {
        print_summary(result, &assessment, history.as_ref(), publish);
    }
    let failed = assessment
        .findings
        .iter()
        .any(|finding| !finding.advisory && finding.severity >= publish.fail_on);
    Ok(match failed {
        true => Outcome::ChecksFailed,
        false => Outcome::Passed,
    })
}

/// This run's history rows, with each dataset's verdict.
fn records(result: &ScanResult, assessment: &Assessment) -> Vec<RunRecord> {
    result
        .datasets
        .iter()
        .map(|dataset| {
            let mut record = RunRecord::of(dataset, result.scanned_at);
            record.verdict = assessment
                .datasets
                .iter()
                .find(|v| v.dataset == dataset.name)
                .map(|v| v.verdict);
            record
        })
        .collect()
}

/// The terminal's width for the summary: `COLUMNS` when set, else the width of the terminal
/// the summary goes to (none when it goes to a pipe or file: the table is not wrapped).
fn terminal_width(to_stderr: bool) -> Option<u16> {
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()) {
        return Some(columns);
    }
    let mut probe = comfy_table::Table::new();
    if to_stderr {
        probe.use_stderr();
    }
    probe.width()
}

fn print_summary(
    result: &ScanResult,
    assessment: &Assessment,
    history: Option<&History>,
    publish: &Publish,
) {
    let targets = [
        ("JSON", Some(&publish.json)),
        ("HTML report", Some(&publish.html)),
        ("OpenLineage event", publish.openlineage.as_ref()),
    ];
    // With a report on stdout, the summary goes to stderr.
    let to_stdout = targets
        .iter()
        .any(|(_, target)| target.is_some_and(|target| target.is_stdout()));
    let mut summary =
        report::terminal::summary(result, assessment, history, terminal_width(to_stdout));
    for (what, target) in targets {
        let Some(target) = target else { continue };
        if !target.is_stdout() {
            summary.push_str(&format!("{what} written to {target}\n"));
        }
    }
    if let Some(history) = history {
        summary.push_str(&format!(
            "history: this run appended to {} ({} earlier runs)\n",
            history.location, history.previous_runs
        ));
    }
    match to_stdout {
        true => anstream::eprint!("{summary}"),
        false => anstream::print!("{summary}"),
    }
}
