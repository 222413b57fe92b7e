//! Files and readability: which files make up the dataset, which could not be read (whole
//! files and single CSV/NDJSON rows), and whether their schemas agree.

use serde::Serialize;

use super::{Module, ViewInput};
use crate::check::{Check, Dimension, Evidence, Judge};
use crate::humanize::{bytes, percent, thousands};
use crate::metrics::FileMetrics;
use crate::source::evolution::ChangeKind;

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
        let regressions: Vec<String> = d
            .schema_changes
            .iter()
            .filter_map(|change| {
                let place = change.partition.as_deref().unwrap_or(&change.file);
                match change.change {
                    ChangeKind::Dropped => Some(format!("`{}` dropped in {place}", change.column)),
                    ChangeKind::Narrowed => Some(format!(
                        "`{}` narrowed from {} to {} in {place}",
                        change.column,
                        change.from_type.as_deref().unwrap_or("?"),
                        change.to_type.as_deref().unwrap_or("?")
                    )),
                    ChangeKind::Added | ChangeKind::Widened => None,
                }
            })
            .collect();
        if !d.schema_changes.is_empty() {
            judge.push(Evidence {
                check: Check::SchemaChanges,
                column: None,
                observed: regressions.len() as f64,
                message: format!(
                    "the columns of `{}` changed over its files: {}",
                    d.name,
                    regressions.join("; ")
                ),
                why: "A column that stops arriving, or arrives narrower, leaves newer rows without a value the older ones had: a model trained on the old rows will miss it in production.",
                fix: "Ask the producer whether the change was intended; restore the column or the wider type, or leave the column out of the features.".to_string(),
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
        let changes = input
            .dataset
            .schema_changes
            .iter()
            .map(ChangeRow::new)
            .collect();
        minijinja::Value::from_serialize(InventoryView {
            file_rows: rows,
            schema_changes: changes,
        })
    }

    fn template(&self) -> &'static str {
        include_str!("../../../reports/templates/dimensions/inventory.html")
    }
}

#[derive(Serialize)]
struct InventoryView {
    file_rows: Vec<FileRow>,
    /// The schema history: what changed in which file or partition, and when.
    schema_changes: Vec<ChangeRow>,
}

#[derive(Serialize)]
struct ChangeRow {
    column: String,
    change: &'static str,
    types: String,
    place: String,
    modified: String,
}

impl ChangeRow {
    fn new(change: &crate::metrics::SchemaChange) -> Self {
        let types = match (&change.from_type, &change.to_type) {
            (Some(from), Some(to)) => format!("{from} → {to}"),
            (None, Some(to)) => to.clone(),
            (Some(from), None) => from.clone(),
            (None, None) => String::new(),
        };
        Self {
            column: change.column.clone(),
            change: match change.change {
                ChangeKind::Added => "added",
                ChangeKind::Dropped => "dropped",
                ChangeKind::Widened => "widened",
                ChangeKind::Narrowed => "narrowed",
            },
            types,
            place: change
                .partition
                .clone()
                .unwrap_or_else(|| change.file.clone()),
            modified: change.modified.format("%Y-%m-%d %H:%M").to_string(),
        }
    }
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
