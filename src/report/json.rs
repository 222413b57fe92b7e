//! The JSON document: the [`ScanResult`] with its [`Assessment`] (findings and verdicts),
//! pretty-printed, to a file or stdout.

use serde::Serialize;

use crate::check::Assessment;
use crate::metrics::ScanResult;

#[derive(Serialize)]
struct Document<'a> {
    #[serde(flatten)]
    result: &'a ScanResult,
    assessment: &'a Assessment,
}

pub fn to_string(result: &ScanResult, assessment: &Assessment) -> String {
    serde_json::to_string_pretty(&Document { result, assessment })
        .expect("metrics always serialise")
        + "\n"
}
