//! The JSON document: [`ScanResult`] serialised, pretty-printed, to a file or stdout.

use std::io::Write;
use std::path::Path;

use crate::error::{ReadinessError, Result};
use crate::metrics::ScanResult;

pub fn to_string(result: &ScanResult) -> String {
    serde_json::to_string_pretty(result).expect("metrics always serialise") + "\n"
}

/// Writes the JSON to `path`, or to stdout when `path` is `-`.
pub fn write(result: &ScanResult, path: &Path) -> Result<()> {
    let text = to_string(result);
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
