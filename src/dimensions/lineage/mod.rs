//! Lineage metadata: what the data says about its own origin (writer, owner, source system,
//! descriptions, documentation beside it, a table's log), and what it leaves unrecorded.

pub mod profile;

use serde::Serialize;

use super::{Module, ViewInput};
use crate::check::{Check, Dimension, Evidence, Judge};
use crate::metrics::LineageMetrics;

pub struct Lineage;

impl Module for Lineage {
    fn dimension(&self) -> Dimension {
        Dimension::Lineage
    }

    fn evaluate(&self, judge: &mut Judge<'_>) {
        let d = judge.dataset;
        let missing = missing(&d.lineage);
        if !d.columns.is_empty() {
            judge.push(Evidence {
                check: Check::LineageMetadata,
                column: None,
                observed: missing.len() as f64,
                message: format!("`{}` records no {}", d.name, missing.join(", no ")),
                why: "Without an owner and a known origin nobody can answer questions about the data, fix it, or approve its use.",
                fix: format!(
                    "Record the owner and source system of `{}` (file metadata or a README beside the data).",
                    d.name
                ),
            });
        }
    }

    fn view(&self, input: &ViewInput<'_>) -> minijinja::Value {
        let lineage = &input.dataset.lineage;
        minijinja::Value::from_serialize(LineageView {
            found: found(lineage),
            missing: missing(lineage),
        })
    }

    fn template(&self) -> &'static str {
        include_str!("../../../reports/templates/dimensions/lineage.html")
    }

    fn pass(&self) -> Option<&dyn crate::profile::pass::Part> {
        Some(self)
    }
}

#[derive(Serialize)]
struct LineageView {
    found: Vec<(String, String)>,
    missing: Vec<&'static str>,
}

/// What the lineage does not record, of what `lineage_metadata` asks for: an owner (in the
/// project config or a metadata key naming one), a description (a README beside the data or
/// column descriptions) and a source system (a metadata key naming a source or upstream).
/// The check counts these and the report lists them: one rule, here.
pub fn missing(lineage: &LineageMetrics) -> Vec<&'static str> {
    let key_has = |needles: &[&str]| {
        lineage.key_value_metadata.iter().any(|kv| {
            let key = kv.key.to_lowercase();
            needles.iter().any(|needle| key.contains(needle))
        })
    };
    let has_readme = lineage
        .sidecar_files
        .iter()
        .any(|s| s.kind == crate::metrics::SidecarKind::Readme);
    let mut missing = Vec::new();
    if lineage.owner.is_none() && !key_has(&["owner"]) {
        missing.push("owner");
    }
    if !has_readme && lineage.column_descriptions.is_empty() {
        missing.push("description");
    }
    if !key_has(&["source", "upstream"]) {
        missing.push("source system");
    }
    missing
}

/// Everything the lineage records, as (what, value) rows.
fn found(lineage: &LineageMetrics) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = Vec::new();
    for writer in &lineage.created_by {
        found.push(("written by".into(), writer.clone()));
    }
    for kv in &lineage.key_value_metadata {
        found.push((kv.key.clone(), kv.value.chars().take(300).collect()));
    }
    for description in &lineage.column_descriptions {
        found.push((
            format!("column {}", description.column),
            description.description.clone(),
        ));
    }
    for sidecar in &lineage.sidecar_files {
        found.push((sidecar.kind.name().replace('_', " "), sidecar.path.clone()));
    }
    if let Some(table) = &lineage.table {
        let committed = table
            .last_commit_time
            .map(|at| format!(", committed {}", at.format("%Y-%m-%d %H:%M UTC")))
            .unwrap_or_default();
        let operation = table
            .last_operation
            .as_deref()
            .unwrap_or("unknown operation");
        found.push((
            format!("{} table", table.format),
            format!(
                "version {} of {} ({operation}{committed}); {} commits in the last 30 days",
                table.version, table.newest_version, table.commits_last_30_days
            ),
        ));
        if let Some(engine) = &table.engine_info {
            found.push(("table written by".into(), engine.clone()));
        }
        if let Some(description) = &table.description {
            found.push(("table description".into(), description.clone()));
        }
        for property in &table.properties {
            found.push((
                format!("table property {}", property.key),
                property.value.clone(),
            ));
        }
    }
    if let Some(owner) = &lineage.owner {
        found.push(("owner (readiness.toml)".into(), owner.clone()));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{KeyValue, SidecarFile, SidecarKind};

    #[test]
    fn missing_lineage_is_owner_description_and_source_until_each_is_recorded() {
        let mut lineage = LineageMetrics::default();
        assert_eq!(missing(&lineage), ["owner", "description", "source system"]);
        lineage.key_value_metadata.push(KeyValue {
            key: "Upstream_System".into(),
            value: "crm".into(),
            summarised: false,
        });
        lineage.sidecar_files.push(SidecarFile {
            path: "README.md".into(),
            kind: SidecarKind::Readme,
        });
        assert_eq!(missing(&lineage), ["owner"]);
        lineage.owner = Some("data team".into());
        assert!(missing(&lineage).is_empty());
        // A success marker documents nothing.
        let mut marker_only = LineageMetrics::default();
        marker_only.sidecar_files.push(SidecarFile {
            path: "_SUCCESS".into(),
            kind: SidecarKind::SuccessMarker,
        });
        assert!(missing(&marker_only).contains(&"description"));
        let found = found(&lineage);
        assert!(found.contains(&("readme".to_string(), "README.md".to_string())));
    }
}
