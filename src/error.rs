//! The errors a scan can end in, named after the situation the user is in.
//!
//! Bad *data* is not an error: an unreadable file or a malformed row becomes part of the
//! result (see [`crate::metrics::FileMetrics::error`]). These variants are for the cases where
//! the scan cannot go on at all, or where the user asked for something that cannot be done.

use std::path::PathBuf;

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

    #[error("report template {path}: {message}")]
    Template { path: PathBuf, message: String },

    #[error("query engine error while profiling `{dataset}`: {source}")]
    Engine {
        dataset: String,
        source: datafusion::error::DataFusionError,
    },
}

pub type Result<T, E = ReadinessError> = std::result::Result<T, E>;
