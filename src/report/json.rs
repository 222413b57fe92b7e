//! The JSON document: the [`ScanResult`] with its [`Assessment`] (findings and verdicts),
//! pretty-printed, to a file or stdout.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::check::Assessment;
use crate::error::{ReadinessError, Result};
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

/// Writes `text` to `path`, or to stdout when `path` is `-`, creating parent folders.
pub fn write_text(text: &str, path: &Path) -> Result<()> {
    let failed = |source| ReadinessError::WriteOutput {
        path: path.to_path_buf(),
        source,
    };
    if path == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        return stdout.write_all(text.as_bytes()).map_err(failed);
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(failed)?;
    }
    std::fs::write(path, text).map_err(failed)
}
