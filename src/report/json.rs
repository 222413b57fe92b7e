//! The JSON document: the [`ScanResult`] with its [`Assessment`] (findings and verdicts) and,
//! when a history store is used, its [`History`] (trends and change since the previous run),
//! pretty-printed, to a file or stdout.

use serde::{Deserialize, Serialize};

use crate::check::Assessment;
use crate::history::History;
use crate::metrics::ScanResult;

/// The whole JSON document, as written. Its JSON Schema is `schemas/readiness.schema.json`.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(
    title = "readiness result",
    description = "The JSON written by `readiness scan` and `readiness run` (schema_version 1)."
)]
pub struct Document<'a> {
    #[serde(flatten)]
    pub result: &'a ScanResult,
    pub assessment: &'a Assessment,
    /// `null` without a history store.
    pub history: Option<&'a History>,
}

/// The JSON document read back into the crate's own types (what a Rust consumer, and the
/// tests, read).
#[derive(Debug, Clone, Deserialize)]
pub struct Parsed {
    #[serde(flatten)]
    pub result: ScanResult,
    pub assessment: Assessment,
    pub history: Option<History>,
}

/// Reads a JSON document readiness wrote.
pub fn parse(bytes: &[u8]) -> serde_json::Result<Parsed> {
    serde_json::from_slice(bytes)
}

pub fn to_string(
    result: &ScanResult,
    assessment: &Assessment,
    history: Option<&History>,
) -> String {
    serde_json::to_string_pretty(&Document {
        result,
        assessment,
        history,
    })
    .expect("metrics always serialise")
        + "\n"
}

/// The JSON Schema (draft 2020-12) of the document, as committed in
/// `schemas/readiness.schema.json`.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Document<'static>);
    serde_json::to_string_pretty(&schema).expect("schemas serialise") + "\n"
}
