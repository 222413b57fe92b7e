//! Grouping a source's files into datasets.
//!
//! The rule (`auto`): a folder is **one dataset** when its readable data files share one format
//! and one schema, or when they sit directly in it (or in hive `key=value/` folders) and one
//! format and schema holds a strict majority of them (part files with a few strays). Otherwise
//! each immediate child file or folder is its own dataset, and child folders follow the same
//! rule. `--one-dataset` and `--each` override it. Files that do not fit their dataset's format
//! or schema stay listed in its inventory with the conflict, but out of its figures.
//!
//! A table whose schema evolved (files of one folder or hive tree that differ by added or
//! dropped columns, or by a widened type, around a core of columns they all share) is one
//! dataset read with the union of its files' columns by name ([`super::evolution`]); only a
//! file with a real type conflict, or without the shared core, is left out.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use datafusion::arrow::datatypes::{DataType, Schema, SchemaRef};
use object_store::path::Path;

use super::delimited::Dialect;
use super::evolution::{self, Union};
use super::inventory::StatedRange;
use super::{DataFormat, FileInspection, Location};
use crate::metrics::{SchemaChange, SidecarFile, SidecarKind, TableLineage};

/// `--one-dataset` / `--each` / neither.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Grouping {
    Auto,
    OneDataset,
    Each,
}

impl Grouping {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::OneDataset => "one-dataset",
            Self::Each => "each",
        }
    }
}

/// One dataset to profile: which files, read how, listed under which root.
#[derive(Debug, Clone)]
pub struct DatasetPlan {
    pub name: String,
    pub source: String,
    pub location: Location,
    /// The folder (or single file) DataFusion lists for this dataset.
    pub root: Path,
    pub root_is_file: bool,
    pub format: DataFormat,
    /// How the dataset's CSV files are read (the first readable file's dialect).
    pub csv_dialect: Dialect,
    /// The rule that formed this dataset, in words.
    pub grouping: String,
    pub files: Vec<PlannedFile>,
    pub partition_columns: Vec<String>,
    pub sidecars: Vec<SidecarFile>,
    /// Set for a lakehouse table: its snapshot is read through the table's own provider, and
    /// `files` are the snapshot's live files.
    pub table: Option<LakehouseTable>,
    /// Set when the usable files' schemas differ and unify: the dataset is read with their
    /// union by column name.
    pub evolution: Option<Evolution>,
}

/// How a dataset's schema evolved across its files.
#[derive(Debug, Clone)]
pub struct Evolution {
    /// The union of the usable files' columns by name, types widened (Parquet's as the files
    /// state them; CSV and NDJSON types are inferred per file and unified when read).
    pub schema: SchemaRef,
    /// What each file changed against the files before it (folders in path order, a
    /// lakehouse table in the order its log wrote them), as the JSON states it.
    pub changes: Vec<SchemaChange>,
}

/// A lakehouse table read through its log: which snapshot, read how, and what the log says.
#[derive(Debug, Clone)]
pub struct LakehouseTable {
    /// The table format's own DataFusion provider for the snapshot (files, deletions,
    /// partition values all from the log).
    pub provider: Arc<dyn datafusion::catalog::TableProvider>,
    pub lineage: TableLineage,
}

impl DatasetPlan {
    /// Files that take part in the figures.
    pub fn readable_files(&self) -> impl Iterator<Item = &FileInspection> {
        self.files
            .iter()
            .filter(|file| file.usable())
            .map(|file| &file.inspection)
    }

    /// Per time column, the earliest and latest value the Parquet footers (or CSV walks) of
    /// `files` state together, for columns every file states a range of. None for NDJSON, or
    /// for a lakehouse table (its log may delete rows its files' footers still count).
    pub fn stated_time_ranges(&self, files: &[&FileInspection]) -> Vec<StatedRange> {
        let (Some(first), DataFormat::Parquet | DataFormat::Csv(_), None) =
            (files.first(), self.format, &self.table)
        else {
            return Vec::new();
        };
        first
            .time_ranges
            .iter()
            .filter_map(|range| {
                files[1..].iter().try_fold(range.clone(), |mut all, file| {
                    let other = file.time_ranges.iter().find(|r| r.column == all.column)?;
                    all.min = all.min.min(other.min);
                    all.max = all.max.max(other.max);
                    Some(all)
                })
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct PlannedFile {
    pub inspection: FileInspection,
    /// Why this file's schema or format does not fit the dataset, if it does not.
    pub conflict: Option<String>,
}

impl PlannedFile {
    pub fn usable(&self) -> bool {
        self.conflict.is_none() && self.inspection.error.is_none()
    }
}

/// A file with its path components below the source root.
struct Entry {
    parts: Vec<String>,
    inspection: FileInspection,
}

/// Groups one source's inspected data files (and its other files, for sidecars) into datasets.
pub fn plan_datasets(
    location: &Location,
    files: Vec<FileInspection>,
    other_files: &[Path],
    grouping: Grouping,
) -> Vec<DatasetPlan> {
    let entries: Vec<Entry> = files
        .into_iter()
        .map(|inspection| Entry {
            parts: location.relative_parts(&inspection.meta.location),
            inspection,
        })
        .collect();
    let mut groups = Vec::new();
    match grouping {
        Grouping::OneDataset => groups.push(Group::new(
            Vec::new(),
            entries,
            "one dataset (--one-dataset)".to_string(),
        )),
        Grouping::Each if !location.is_file => {
            for (child, members) in by_child(Vec::new(), entries) {
                groups.push(Group::new(
                    child,
                    members,
                    "each child its own dataset (--each)".to_string(),
                ));
            }
        }
        _ => split_auto(Vec::new(), entries, &mut groups),
    }
    groups
        .into_iter()
        .map(|group| group.into_plan(location, other_files))
        .collect()
}

struct Group {
    /// Components below the source root of this dataset's folder or file.
    prefix: Vec<String>,
    entries: Vec<Entry>,
    reason: String,
}

impl Group {
    fn new(prefix: Vec<String>, entries: Vec<Entry>, reason: String) -> Self {
        Self {
            prefix,
            entries,
            reason,
        }
    }

    fn into_plan(self, location: &Location, other_files: &[Path]) -> DatasetPlan {
        let root_is_file = location.is_file
            || (self.entries.len() == 1
                && self.entries[0].parts == self.prefix
                && !self.prefix.is_empty());
        let root = if location.is_file {
            location.root.clone()
        } else {
            self.prefix
                .iter()
                .fold(location.root.clone(), |path, part| path.join(part.as_str()))
        };
        let name = dataset_name(location, &self.prefix, root_is_file);
        let (format, signature) = majority(&self.entries);
        let csv_dialect = self
            .entries
            .iter()
            .filter(|entry| entry.inspection.format == format)
            .find_map(|entry| entry.inspection.csv.as_ref())
            .map_or_else(Dialect::rfc4180, |reading| reading.dialect);
        let partition_columns = if root_is_file {
            Vec::new()
        } else {
            hive_columns(&self.prefix, &self.entries)
        };
        let evolved = evolve(&self.entries, format, signature.as_ref());
        let evolution = evolved.as_ref().and_then(|evolved| {
            let schema = evolved.schema.clone()?;
            let mut members: Vec<&FileInspection> = self
                .entries
                .iter()
                .zip(&evolved.conflicts)
                .filter(|(entry, conflict)| conflict.is_none() && entry.inspection.schema.is_some())
                .map(|(entry, _)| &entry.inspection)
                .collect();
            members.sort_by(|a, b| a.meta.location.cmp(&b.meta.location));
            Some(Evolution {
                schema,
                changes: changes_across(&members, &root, location),
            })
        });
        let files = self
            .entries
            .into_iter()
            .enumerate()
            .map(|(index, entry)| {
                let conflict = match &evolved {
                    Some(evolved) => evolved.conflicts[index].clone(),
                    None => conflict_with(&entry.inspection, format, signature.as_ref()),
                };
                PlannedFile {
                    inspection: entry.inspection,
                    conflict,
                }
            })
            .collect();
        let sidecars = sidecars(location, &root, root_is_file, other_files);
        DatasetPlan {
            name,
            source: location.display.clone(),
            location: location.clone(),
            root,
            root_is_file,
            format,
            csv_dialect,
            grouping: self.reason,
            files,
            partition_columns,
            sidecars,
            table: None,
            evolution,
        }
    }
}

/// The files of a group that form one table, and how.
struct Evolved {
    /// The union of the members' columns; `None` when they all share one schema.
    schema: Option<SchemaRef>,
    /// Each entry's conflict (`None` for members).
    conflicts: Vec<Option<String>>,
}

/// Whether `entries` are one table whose schema evolved: the union of the files (of `format`)
/// that share the majority schema's core of columns and unify with it, and each entry's
/// conflict. `None` when nothing evolved and no file has a type conflict (the usual conflicts
/// apply).
fn evolve(entries: &[Entry], format: DataFormat, majority: Option<&Signature>) -> Option<Evolved> {
    let majority = majority?;
    let signatures_of: Vec<Option<(DataFormat, Signature)>> = entries
        .iter()
        .map(|entry| {
            entry
                .inspection
                .schema
                .is_some()
                .then(|| file_signature(&entry.inspection))
        })
        .collect();
    let fits = |signature: &Option<(DataFormat, Signature)>| {
        signature
            .as_ref()
            .is_none_or(|(file_format, signature)| *file_format == format && signature == majority)
    };
    // Every file has the majority's schema: nothing evolved, nothing conflicts (the common
    // case, decided without comparing columns).
    if signatures_of.iter().all(fits) {
        return None;
    }
    let reference = entries
        .iter()
        .find(|entry| {
            entry.inspection.format == format && &file_signature(&entry.inspection).1 == majority
        })?
        .inspection
        .schema
        .clone()?;
    // The majority's files first, so a conflict is always the odd file's.
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&index| (!fits(&signatures_of[index]), index));
    let mut union = Union::default();
    let mut conflicts: Vec<Option<String>> = vec![None; entries.len()];
    let mut signatures = BTreeSet::new();
    // Where each column's type in the union first came from, to name a conflict's other side.
    let mut first_seen: BTreeMap<String, String> = BTreeMap::new();
    let mut type_conflicts = 0;
    for index in order {
        let inspection = &entries[index].inspection;
        let Some(schema) = inspection.schema.as_deref() else {
            continue;
        };
        if inspection.format != format {
            conflicts[index] = conflict_with(inspection, format, Some(majority));
            continue;
        }
        if !evolution::share_a_core(&[&reference, schema]) {
            conflicts[index] = conflict_with(inspection, format, Some(majority));
            continue;
        }
        // Text formats infer their types per file: what disagrees is read as text, never a
        // conflict (as a single file's late non-numeric value is).
        let added = match format {
            DataFormat::Parquet => union.add(schema),
            DataFormat::Csv(_) | DataFormat::Json(_) => union.add(&Schema::new(
                schema
                    .fields()
                    .iter()
                    .map(|field| field.as_ref().clone().with_data_type(DataType::Null))
                    .collect::<Vec<_>>(),
            )),
        };
        match added {
            Ok(()) => {
                if let Some((_, signature)) = &signatures_of[index] {
                    signatures.insert(signature.clone());
                }
                for field in schema.fields() {
                    first_seen
                        .entry(field.name().clone())
                        .or_insert_with(|| inspection.meta.location.to_string());
                }
            }
            Err(conflict) => {
                let other = first_seen
                    .get(&conflict.column)
                    .cloned()
                    .unwrap_or_default();
                type_conflicts += 1;
                conflicts[index] = Some(format!("{conflict} (as in {other})"));
            }
        }
    }
    let schema = (signatures.len() > 1).then(|| Arc::new(union.schema()));
    if schema.is_none() && type_conflicts == 0 {
        return None;
    }
    Some(Evolved { schema, conflicts })
}

/// How a lakehouse table's columns changed, from its live files' own schemas in the order the
/// log says they were written (each file's modification time): `None` when every file has the
/// same columns. `schema` is the table's (its data columns, without partition columns).
pub fn table_evolution(
    files: &[&FileInspection],
    schema: SchemaRef,
    root: &Path,
    location: &Location,
) -> Option<Evolution> {
    let mut ordered: Vec<&FileInspection> = files
        .iter()
        .copied()
        .filter(|file| file.schema.is_some())
        .collect();
    let signatures: BTreeSet<Signature> =
        ordered.iter().map(|file| file_signature(file).1).collect();
    if signatures.len() <= 1 {
        return None;
    }
    ordered.sort_by(|a, b| {
        (a.meta.last_modified, &a.meta.location).cmp(&(b.meta.last_modified, &b.meta.location))
    });
    Some(Evolution {
        schema,
        changes: changes_across(&ordered, root, location),
    })
}

/// The column changes across `ordered` files (in the order given), each with the first file
/// that shows it, that file's hive partition below `root` and its modification time.
fn changes_across(
    ordered: &[&FileInspection],
    root: &Path,
    location: &Location,
) -> Vec<SchemaChange> {
    let schemas: Vec<&Schema> = ordered
        .iter()
        .filter_map(|file| file.schema.as_deref())
        .collect();
    evolution::history(&schemas)
        .into_iter()
        .map(|change| {
            let file = ordered[change.file];
            let below: Vec<String> = file
                .meta
                .location
                .prefix_match(root)
                .map(|parts| parts.map(|part| part.as_ref().to_string()).collect())
                .unwrap_or_default();
            let folders = &below[..below.len().saturating_sub(1)];
            let partition = (!folders.is_empty() && folders.iter().all(|part| part.contains('=')))
                .then(|| folders.join("/"));
            SchemaChange {
                column: change.column,
                change: change.kind,
                from_type: change.from_type,
                to_type: change.to_type,
                file: location.display_path(&file.meta.location),
                partition,
                modified: file.meta.last_modified,
            }
        })
        .collect()
}

fn split_auto(prefix: Vec<String>, entries: Vec<Entry>, groups: &mut Vec<Group>) {
    let depth = prefix.len();
    let readable: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.inspection.schema.is_some())
        .collect();
    let signatures: BTreeMap<(DataFormat, Signature), usize> =
        readable.iter().fold(BTreeMap::new(), |mut counts, entry| {
            *counts.entry(file_signature(&entry.inspection)).or_default() += 1;
            counts
        });
    let single_file = entries.len() == 1 && entries[0].parts.len() == depth;
    if single_file || signatures.len() <= 1 {
        let unreadable = entries.len() - readable.len();
        let reason = match (entries.len(), unreadable) {
            (1, _) => "one file".to_string(),
            (n, 0) => format!("one dataset: all {n} data files share one format and schema"),
            (n, bad) => format!(
                "one dataset: the {} readable of {n} data files share one format and schema",
                n - bad
            ),
        };
        groups.push(Group::new(prefix, entries, reason));
        return;
    }
    let flat_or_hive = entries.iter().all(|entry| {
        entry.parts[depth..entry.parts.len() - 1]
            .iter()
            .all(|part| part.contains('='))
    });
    if flat_or_hive && evolved_table(&readable) {
        let reason = format!(
            "one dataset: the {} readable data files' columns changed over time; read with \
             the union of their columns by name",
            readable.len()
        );
        groups.push(Group::new(prefix, entries, reason));
        return;
    }
    let largest = signatures.values().copied().max().unwrap_or(0);
    if flat_or_hive && largest * 2 > readable.len() {
        let strays = readable.len() - largest;
        let reason = format!(
            "one dataset: part files of one folder; {strays} of {} files do not match its format or schema",
            entries.len()
        );
        groups.push(Group::new(prefix, entries, reason));
        return;
    }
    for (child, members) in by_child(prefix, entries) {
        let is_file = members.len() == 1 && members[0].parts.len() == child.len();
        if is_file {
            let reason =
                "one file; its folder holds files of different formats or schemas".to_string();
            groups.push(Group::new(child, members, reason));
        } else {
            split_auto(child, members, groups);
        }
    }
}

/// Whether readable files of one format are one table whose schema evolved: they share a
/// core of columns and their types unify (text formats' types always do).
fn evolved_table(readable: &[&Entry]) -> bool {
    let formats: BTreeSet<DataFormat> = readable
        .iter()
        .map(|entry| entry.inspection.format)
        .collect();
    if formats.len() != 1 {
        return false;
    }
    let schemas: Vec<&Schema> = readable
        .iter()
        .filter_map(|entry| entry.inspection.schema.as_deref())
        .collect();
    if !evolution::share_a_core(&schemas) {
        return false;
    }
    match readable[0].inspection.format {
        DataFormat::Parquet => {
            let mut union = Union::default();
            schemas.iter().all(|schema| union.add(schema).is_ok())
        }
        DataFormat::Csv(_) | DataFormat::Json(_) => true,
    }
}

/// Groups entries by their first path component below `prefix`.
fn by_child(prefix: Vec<String>, entries: Vec<Entry>) -> Vec<(Vec<String>, Vec<Entry>)> {
    let depth = prefix.len();
    let mut children: BTreeMap<String, Vec<Entry>> = BTreeMap::new();
    for entry in entries {
        let key = entry.parts.get(depth).cloned().unwrap_or_default();
        children.entry(key).or_default().push(entry);
    }
    children
        .into_iter()
        .map(|(child, members)| {
            let mut path = prefix.clone();
            if !child.is_empty() {
                path.push(child);
            }
            (path, members)
        })
        .collect()
}

/// Column names with normalised types: what must agree for files to form one dataset.
/// CSV compares names in order only (types there are inferred from a sample and are widened
/// across files); Parquet compares names and types, in any order.
type Signature = Vec<(String, String)>;

fn file_signature(inspection: &FileInspection) -> (DataFormat, Signature) {
    let schema = inspection
        .schema
        .as_deref()
        .cloned()
        .unwrap_or_else(Schema::empty);
    (inspection.format, signature(inspection.format, &schema))
}

fn signature(format: DataFormat, schema: &Schema) -> Signature {
    let mut fields: Signature = schema
        .fields()
        .iter()
        .map(|field| {
            // A text file's types are inferred from its values, so only names are compared.
            let data_type = match format {
                DataFormat::Csv(_) | DataFormat::Json(_) => String::new(),
                DataFormat::Parquet => normalised_type(field.data_type()),
            };
            (field.name().clone(), data_type)
        })
        .collect();
    // Column order is part of a CSV file's shape, not of Parquet's or JSON's.
    if !matches!(format, DataFormat::Csv(_)) {
        fields.sort();
    }
    fields
}

fn normalised_type(data_type: &DataType) -> String {
    match data_type {
        DataType::Utf8View | DataType::LargeUtf8 => "Utf8".to_string(),
        DataType::BinaryView | DataType::LargeBinary => "Binary".to_string(),
        DataType::Dictionary(_, value) => normalised_type(value),
        other => other.to_string(),
    }
}

/// The format and schema most readable files share (ties: the first file's).
fn majority(entries: &[Entry]) -> (DataFormat, Option<Signature>) {
    let mut counts: Vec<((DataFormat, Signature), usize)> = Vec::new();
    for entry in entries.iter().filter(|e| e.inspection.schema.is_some()) {
        let key = file_signature(&entry.inspection);
        match counts.iter_mut().find(|(seen, _)| *seen == key) {
            Some((_, count)) => *count += 1,
            None => counts.push((key, 1)),
        }
    }
    let best = counts
        .iter()
        .enumerate()
        .max_by_key(|(index, (_, count))| (*count, std::cmp::Reverse(*index)))
        .map(|(_, (key, _))| key.clone());
    match best {
        Some((format, signature)) => (format, Some(signature)),
        None => (
            entries
                .first()
                .map_or(DataFormat::Parquet, |e| e.inspection.format),
            None,
        ),
    }
}

fn conflict_with(
    inspection: &FileInspection,
    format: DataFormat,
    expected: Option<&Signature>,
) -> Option<String> {
    let expected = expected?;
    inspection.schema.as_ref()?;
    if inspection.format != format {
        return Some(format!(
            "format {} differs from the dataset's {format}",
            inspection.format
        ));
    }
    let (_, actual) = file_signature(inspection);
    if &actual == expected {
        return None;
    }
    let names = |sig: &Signature| sig.iter().map(|(name, _)| name.clone()).collect::<Vec<_>>();
    let (expected_names, actual_names) = (names(expected), names(&actual));
    let missing: Vec<_> = expected_names
        .iter()
        .filter(|n| !actual_names.contains(n))
        .cloned()
        .collect();
    let extra: Vec<_> = actual_names
        .iter()
        .filter(|n| !expected_names.contains(n))
        .cloned()
        .collect();
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing columns {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        parts.push(format!("extra columns {}", extra.join(", ")));
    }
    if parts.is_empty() {
        let changed: Vec<_> = actual
            .iter()
            .filter(|field| !expected.contains(field))
            .map(|(name, data_type)| {
                if data_type.is_empty() {
                    format!("{name} (column order)")
                } else {
                    format!("{name} as {data_type}")
                }
            })
            .collect();
        parts.push(format!("different types or order: {}", changed.join(", ")));
    }
    Some(format!(
        "schema differs from the dataset's: {}",
        parts.join("; ")
    ))
}

/// Hive partition keys, when every file sits below the same `key=value/` folder names.
fn hive_columns(prefix: &[String], entries: &[Entry]) -> Vec<String> {
    let depth = prefix.len();
    let keys_of = |entry: &Entry| -> Option<Vec<String>> {
        entry.parts[depth..entry.parts.len() - 1]
            .iter()
            .map(|part| part.split_once('=').map(|(key, _)| key.to_string()))
            .collect()
    };
    let mut keys = None;
    for entry in entries {
        let Some(these) = keys_of(entry) else {
            return Vec::new();
        };
        match &keys {
            None => keys = Some(these),
            Some(seen) if *seen != these => return Vec::new(),
            Some(_) => {}
        }
    }
    let keys = keys.unwrap_or_default();
    let clashes_with_file_column = entries.iter().any(|entry| {
        entry
            .inspection
            .schema
            .as_ref()
            .is_some_and(|schema| keys.iter().any(|key| schema.field_with_name(key).is_ok()))
    });
    if clashes_with_file_column {
        Vec::new()
    } else {
        keys
    }
}

fn dataset_name(location: &Location, prefix: &[String], root_is_file: bool) -> String {
    let last = if prefix.is_empty() {
        let trimmed = location.display.trim_end_matches('/');
        let fixed: Vec<&str> = trimmed.split('/').collect();
        if location.glob.is_some() {
            return trimmed.to_string();
        }
        fixed.last().copied().unwrap_or(trimmed).to_string()
    } else {
        prefix.join("/")
    };
    if root_is_file || location.is_file {
        strip_extensions(&last)
    } else {
        last
    }
}

fn strip_extensions(name: &str) -> String {
    let (dir, file) = name.rsplit_once('/').map_or(("", name), |(d, f)| (d, f));
    let stem = file
        .split('.')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(file);
    if dir.is_empty() {
        stem.to_string()
    } else {
        format!("{dir}/{stem}")
    }
}

/// Documentation and table-format files beside a dataset: in its folder (and below), or for a
/// single-file dataset, files in the same folder whose names start with the file's stem.
fn sidecars(
    location: &Location,
    root: &Path,
    root_is_file: bool,
    other_files: &[Path],
) -> Vec<SidecarFile> {
    let mut found: BTreeMap<String, SidecarKind> = BTreeMap::new();
    let stem = root
        .filename()
        .map(|name| name.split('.').next().unwrap_or(name).to_string())
        .unwrap_or_default();
    let folder: Path = if root_is_file {
        let mut parts: Vec<_> = root.parts().collect();
        parts.pop();
        Path::from_iter(parts)
    } else {
        root.clone()
    };
    for path in other_files {
        let Some(below) = path.prefix_match(&folder) else {
            continue;
        };
        let below: Vec<String> = below.map(|part| part.as_ref().to_string()).collect();
        let Some(file_name) = below.last() else {
            continue;
        };
        if root_is_file && (below.len() != 1 || !file_name.starts_with(&stem)) {
            continue;
        }
        let lower = file_name.to_ascii_lowercase();
        let in_dir = |name: &str| {
            below[..below.len() - 1]
                .iter()
                .position(|part| part == name)
        };
        let (shown, kind) = if let Some(index) = in_dir("_delta_log") {
            (
                folder_path(&folder, &below[..=index]),
                SidecarKind::DeltaLog,
            )
        } else if let Some(index) =
            in_dir("metadata").filter(|_| lower.ends_with(".json") || lower.ends_with(".avro"))
        {
            (
                folder_path(&folder, &below[..=index]),
                SidecarKind::IcebergMetadata,
            )
        } else if lower == "_success" {
            (path.clone(), SidecarKind::SuccessMarker)
        } else if lower.starts_with("readme") || lower.ends_with(".md") || lower.ends_with(".txt") {
            (path.clone(), SidecarKind::Readme)
        } else if lower.ends_with(".json") || lower.ends_with(".yaml") || lower.ends_with(".yml") {
            (path.clone(), SidecarKind::Manifest)
        } else {
            continue;
        };
        found.insert(location.display_path(&shown), kind);
    }
    found
        .into_iter()
        .map(|(path, kind)| SidecarFile { path, kind })
        .collect()
}

fn folder_path(base: &Path, parts: &[String]) -> Path {
    parts
        .iter()
        .fold(base.clone(), |path, part| path.join(part.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::{Field, Schema};

    #[test]
    fn parquet_signatures_ignore_order_and_storage_variants_csv_signatures_keep_order() {
        let schema = |fields: Vec<Field>| Schema::new(fields);
        let a = schema(vec![
            Field::new("id", DataType::Int64, false),
            Field::new("name", DataType::Utf8View, true),
        ]);
        let b = schema(vec![
            Field::new(
                "name",
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::LargeUtf8)),
                true,
            ),
            Field::new("id", DataType::Int64, true),
        ]);
        assert_eq!(
            signature(DataFormat::Parquet, &a),
            signature(DataFormat::Parquet, &b)
        );
        let csv = DataFormat::Csv(crate::source::Compression::None);
        assert_ne!(signature(csv, &a), signature(csv, &b));
        // A text file's types come from its values: only the names (in order) count.
        let typed = schema(vec![
            Field::new("id", DataType::Utf8, true),
            Field::new("name", DataType::Int64, true),
        ]);
        assert_eq!(signature(csv, &a), signature(csv, &typed));
    }

    #[test]
    fn single_file_datasets_are_named_without_their_extensions() {
        assert_eq!(strip_extensions("orders.csv.gz"), "orders");
        assert_eq!(strip_extensions("lake/orders.parquet"), "lake/orders");
        assert_eq!(strip_extensions(".hidden"), ".hidden");
    }

    #[test]
    fn groupings_are_written_as_the_flags_name_them() {
        for (grouping, name) in [
            (Grouping::Auto, "auto"),
            (Grouping::OneDataset, "one-dataset"),
            (Grouping::Each, "each"),
        ] {
            assert_eq!(grouping.as_str(), name);
            assert_eq!(serde_json::to_value(grouping).unwrap(), name);
        }
    }
}
