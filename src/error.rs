//! The errors a scan can end in, named after the situation the user is in.
//!
//! Bad *data* is not an error: an unreadable file or a malformed row becomes part of the
//! result (see [`crate::metrics::FileMetrics::error`]). These variants are for the cases where
//! the scan cannot go on at all, or where the user asked for something that cannot be done.

use std::path::PathBuf;

use datafusion::error::DataFusionError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ReadinessError {
    #[error("source not found: {source_name}")]
    SourceNotFound { source_name: String },

    #[error("cannot read {source_name}: {message}")]
    SourceUnreadable {
        source_name: String,
        message: String,
    },

    #[error("no Parquet or CSV files found in {source_name}")]
    NoDataFiles { source_name: String },

    #[error("column `{column}` named by {flag} is in no dataset scanned ({dataset})")]
    UnknownColumn {
        flag: &'static str,
        column: String,
        dataset: String,
    },

    #[error("invalid value for {flag}: {message}")]
    InvalidArgument { flag: &'static str, message: String },

    #[error("nothing could be read from any source: {details}")]
    NothingReadable { details: String },

    #[error("could not write {path}: {source}")]
    WriteOutput {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("could not publish {url}: {message}")]
    PublishOutput { url: String, message: String },

    #[error("history store {location}: {message}")]
    History { location: String, message: String },

    #[error("project config {path}: {message}")]
    Config { path: PathBuf, message: String },

    #[error("check suite {path}: {message}")]
    Checks { path: PathBuf, message: String },

    /// Nothing answers at the `--engine ballista://HOST:PORT` address.
    #[error("cannot reach the Ballista scheduler at {address}: {reason}")]
    SchedulerUnreachable { address: String, reason: String },

    /// The scheduler at `--engine ballista://HOST:PORT` does not take this client's requests
    /// (no cluster secret, or another one).
    #[error("the Ballista scheduler at {address} refused this client: {reason}")]
    SchedulerRefused { address: String, reason: String },

    /// `readiness scheduler` or `readiness executor` asked to listen beyond loopback without
    /// the cluster's secret.
    #[error(
        "a {role} without the cluster's secret listens on loopback only: give --token-file (or \
         READINESS_CLUSTER_TOKEN_FILE) to listen on {bind}"
    )]
    ClusterWithoutSecret { role: &'static str, bind: String },

    /// `readiness scheduler` or `readiness executor` could not start or stopped.
    #[error("the Ballista {role} stopped: {message}")]
    ClusterNode { role: &'static str, message: String },

    #[error("report template {path}: {message}")]
    Template { path: PathBuf, message: String },

    #[error("query engine error while profiling `{dataset}`: {source}")]
    Engine {
        dataset: String,
        source: datafusion::error::DataFusionError,
    },
}

pub type Result<T, E = ReadinessError> = std::result::Result<T, E>;

/// Whose move it is when a run ends in an error: each reads differently, and only the last is
/// ours to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The command, a flag, a config or check file, a template: the user can fix it.
    Input,
    /// The data or where it is stored: missing, unreadable, refused, unwritable.
    Data,
    /// A bug in readiness (or in the engine under it).
    Bug,
}

impl ReadinessError {
    pub fn class(&self) -> ErrorClass {
        match self {
            Self::InvalidArgument { .. }
            | Self::UnknownColumn { .. }
            | Self::Config { .. }
            | Self::Checks { .. }
            | Self::Template { .. }
            | Self::SourceNotFound { .. }
            | Self::NoDataFiles { .. }
            | Self::SchedulerRefused { .. }
            | Self::ClusterWithoutSecret { .. } => ErrorClass::Input,
            Self::SourceUnreadable { .. }
            | Self::NothingReadable { .. }
            | Self::WriteOutput { .. }
            | Self::PublishOutput { .. }
            | Self::History { .. }
            | Self::SchedulerUnreachable { .. }
            | Self::ClusterNode { .. } => ErrorClass::Data,
            Self::Engine { source, .. } => match source.find_root() {
                DataFusionError::Internal(_)
                | DataFusionError::NotImplemented(_)
                | DataFusionError::Plan(_)
                | DataFusionError::SchemaError(..) => ErrorClass::Bug,
                _ => ErrorClass::Data,
            },
        }
    }

    /// What to do about it, where there is something to do.
    pub fn hint(&self) -> Option<String> {
        match self {
            Self::SourceNotFound { .. } => Some(
                "check the path or URL; quote globs ('data/*.parquet') so the shell does not expand them".into(),
            ),
            Self::NoDataFiles { .. } => Some(
                "readiness reads .parquet, .csv/.tsv (optionally .gz, .zst, .bz2, .xz) and .jsonl/.ndjson files; use --format to read other extensions as one of them".into(),
            ),
            Self::UnknownColumn { flag, .. } => Some(format!(
                "column names are case-sensitive; the JSON result lists each dataset's columns (run without {flag} to see them)"
            )),
            Self::InvalidArgument { .. } => Some("`readiness help scan` lists every flag".into()),
            Self::Config { .. } => {
                Some("`readiness init SOURCES > readiness.toml` writes a config that runs".into())
            }
            Self::Checks { .. } => Some("checks/README.md lists every check and key".into()),
            Self::SourceUnreadable { .. } | Self::NothingReadable { .. } => Some(
                "each source or file that failed is named with its error; -v shows what was tried".into(),
            ),
            Self::WriteOutput { .. } | Self::PublishOutput { .. } => Some(
                "check that the folder or bucket exists and is writable; nothing was written to the sources".into(),
            ),
            Self::Engine { .. } if self.class() == ErrorClass::Bug => Some(
                "this is a bug in readiness, not in your data or command: please report it with the output of the same command run with -vv".into(),
            ),
            Self::History { .. }
            | Self::Template { .. }
            | Self::Engine { .. }
            | Self::SchedulerUnreachable { .. }
            | Self::SchedulerRefused { .. }
            | Self::ClusterWithoutSecret { .. }
            | Self::ClusterNode { .. } => None,
        }
    }
}

/// Prints `error` on stderr as the binary ends with it: the message, each cause it carries,
/// and a `hint:` line; secrets redacted, control characters escaped, coloured as `--color`
/// allows.
pub fn print(error: &ReadinessError) {
    use std::io::Write;
    let shown = |text: &str| crate::humanize::printable(&crate::source::stores::redact(text, &[]));
    let red = anstyle::Style::new()
        .bold()
        .fg_color(Some(anstyle::AnsiColor::Red.into()));
    let cyan = anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Cyan.into()));
    let head = match error.class() {
        ErrorClass::Input | ErrorClass::Data => "error",
        ErrorClass::Bug => "internal error",
    };
    let mut out = anstream::stderr().lock();
    let message = shown(&error.to_string());
    let _ = writeln!(out, "{red}{head}:{red:#} {message}");
    let mut cause = std::error::Error::source(error);
    while let Some(current) = cause {
        let text = shown(&current.to_string());
        if !message.contains(&text) {
            let _ = writeln!(out, "  caused by: {text}");
        }
        cause = current.source();
    }
    if let Some(hint) = error.hint() {
        let _ = writeln!(out, "{cyan}hint:{cyan:#} {}", shown(&hint));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_input_data_or_bug_with_a_hint_where_there_is_a_fix() {
        let missing = ReadinessError::SourceNotFound {
            source_name: "data/".into(),
        };
        assert_eq!(missing.class(), ErrorClass::Input);
        assert!(missing.hint().unwrap().contains("quote globs"));
        let unreadable = ReadinessError::NothingReadable {
            details: "x: y".into(),
        };
        assert_eq!(unreadable.class(), ErrorClass::Data);
        let bug = ReadinessError::Engine {
            dataset: "d".into(),
            source: DataFusionError::Internal("broken invariant".into()),
        };
        assert_eq!(bug.class(), ErrorClass::Bug);
        assert!(bug.hint().unwrap().contains("bug in readiness"));
        let data = ReadinessError::Engine {
            dataset: "d".into(),
            source: DataFusionError::Execution("bad file".into()),
        };
        assert_eq!(data.class(), ErrorClass::Data);
        let write = ReadinessError::WriteOutput {
            path: "out/r.json".into(),
            source: std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        };
        // The cause is kept as the error's source, not only as text.
        assert!(std::error::Error::source(&write).is_some());
    }
}
