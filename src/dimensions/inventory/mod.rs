//! Files and readability: which files make up the dataset, which could not be read (whole
//! files and single CSV/NDJSON rows), and whether their schemas agree.

use serde::Serialize;

use super::{Module, ViewInput};
use crate::check::{Check, Dimension, Evidence, Judge};
use crate::humanize::{bytes, percent, thousands};
use crate::metrics::FileMetrics;

pub struct Inventory;

impl Module for Inventory {
    fn dimension(&self) -> Dimension {
        Dimension::Inventory
    }

    fn evaluate(&self, judge: &mut Judge<'_>) {
        let d = judge.dataset;
        let unreadable: Vec<_> = d
            .files
            .iter()
            .filter(|f| f.schema_matches && f.error.is_some())
            .collect();
        {
            judge.push(Evidence {
                    check: Check::FilesReadable,
                    column: None,
                    observed: unreadable.len() as f64,
                    message: format!(
                        "{} of {} files of `{}` cannot be read and were left out (first: {})",
                        unreadable.len(),
                        d.files.len(),
                        d.name,
                        unreadable.first().map_or("-", |f| f.path.as_str())
                    ),
                    why: "Rows in unreadable files are silently missing from anything trained on this data.",
                    fix: "Ask the data owner to re-export or repair the listed files.".to_string(),
                });
        }
        if d.format == crate::metrics::DatasetFormat::Csv
            && d.files.iter().any(|f| f.error.is_none())
        {
            let read = d.row_count + d.rejected_row_count;
            let share = match read {
                0 => 0.0,
                _ => d.rejected_row_count as f64 / read as f64,
            };
            let first = d
                .files
                .iter()
                .find_map(|f| Some((f.path.as_str(), f.rejected_rows.first()?)));
            let example = first.map_or(String::new(), |(path, row)| {
                format!(
                    " (first: {path} line {}, {})",
                    row.line,
                    row.kind.in_words()
                )
            });
            judge.push(Evidence {
                    check: Check::RowsRejected,
                    column: None,
                    observed: share,
                    message: format!(
                        "{} of {read} rows of `{}` ({}) could not be read as rows and were left out{example}",
                        d.rejected_row_count,
                        d.name,
                        percent(Some(share)),
                    ),
                    why: "Rejected rows are missing from every figure and from anything trained on this data; a broken export often breaks the same kind of row every time.",
                    fix: "Look at the listed lines: fix the export (quoting of free text, one delimiter, one encoding) and re-deliver the file.".to_string(),
                });
        }
        let conflicts = d.files.iter().filter(|f| !f.schema_matches).count();
        {
            judge.push(Evidence {
                    check: Check::SchemaConsistent,
                    column: None,
                    observed: conflicts as f64,
                    message: format!(
                        "{conflicts} of {} files of `{}` have a different format or schema and were left out",
                        d.files.len(),
                        d.name
                    ),
                    why: "Files that disagree on columns or types usually come from a changed export: their rows mean something else.",
                    fix: "Align the export so every file has the same columns, or scan the odd files as their own dataset.".to_string(),
                });
        }
        if d.files.iter().any(|f| f.error.is_none()) {
            judge.push(Evidence {
                check: Check::Volume,
                column: None,
                observed: d.row_count as f64,
                message: format!("`{}` has no rows", d.name),
                why: "There is nothing to learn from.",
                fix: "Check that the export ran and the right files were shared.".to_string(),
            });
        }
    }

    fn view(&self, input: &ViewInput<'_>) -> minijinja::Value {
        let rows: Vec<FileRow> = input.dataset.files.iter().map(FileRow::new).collect();
        minijinja::Value::from_serialize(InventoryView { file_rows: rows })
    }

    fn template(&self) -> &'static str {
        include_str!("../../../reports/templates/dimensions/inventory.html")
    }
}

#[derive(Serialize)]
struct InventoryView {
    file_rows: Vec<FileRow>,
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

impl FileRow {
    fn new(file: &FileMetrics) -> Self {
        Self {
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
        }
    }
}
