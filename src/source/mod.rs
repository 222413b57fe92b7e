//! Sources: where the data is, which files it has, and how they form datasets.
//!
//! A source is what the user named (a file, a directory or a glob). [`discover`] lists it through
//! the read-only [`ScanStore`], inspects every data file once (Parquet footer or CSV header), and
//! [`plan`] groups the files into datasets. Nothing here runs a query over the rows: that is the
//! `profile` layer's job, and it reads only the [`DatasetPlan`]s produced here.

pub mod delimited;
#[cfg(feature = "delta")]
pub mod delta;
pub mod evolution;
pub mod inventory;
pub mod location;
pub mod ndjson;
pub mod plan;
pub mod store;
pub mod stores;

use std::fmt;

pub use inventory::{FileInspection, inspect_files};
pub use location::{Location, list_source};
pub use plan::{DatasetPlan, Grouping, LakehouseTable, PlannedFile, plan_datasets};
pub use store::ScanStore;

/// How a text file (CSV, NDJSON) is compressed, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
    Bzip2,
    Xz,
}

/// A file format readiness reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DataFormat {
    Parquet,
    Csv(Compression),
    /// Newline-delimited JSON: one object per line.
    Json(Compression),
}

impl DataFormat {
    /// The format a file name implies, if any. `forced` (from `--format`) wins over the name,
    /// but a compression suffix is still honoured for CSV.
    pub fn from_name(name: &str, forced: Option<FormatChoice>) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        let compression = if lower.ends_with(".gz") {
            Compression::Gzip
        } else if lower.ends_with(".zst") || lower.ends_with(".zstd") {
            Compression::Zstd
        } else if lower.ends_with(".bz2") {
            Compression::Bzip2
        } else if lower.ends_with(".xz") {
            Compression::Xz
        } else {
            Compression::None
        };
        match forced {
            Some(FormatChoice::Parquet) => return Some(Self::Parquet),
            Some(FormatChoice::Csv) => return Some(Self::Csv(compression)),
            Some(FormatChoice::Json) => return Some(Self::Json(compression)),
            None => {}
        }
        let base = match compression {
            Compression::None => lower.as_str(),
            _ => lower
                .rsplit_once('.')
                .map_or(lower.as_str(), |(base, _)| base),
        };
        let extension = base.rsplit_once('.').map(|(_, ext)| ext)?;
        match (extension, compression) {
            ("parquet" | "parq" | "pq", Compression::None) => Some(Self::Parquet),
            ("csv" | "tsv" | "psv", _) => Some(Self::Csv(compression)),
            ("json" | "jsonl" | "ndjson", _) => Some(Self::Json(compression)),
            _ => None,
        }
    }

    /// `parquet`, `csv` or `json`, as written in the JSON.
    pub fn family(self) -> &'static str {
        match self {
            Self::Parquet => "parquet",
            Self::Csv(_) => "csv",
            Self::Json(_) => "json",
        }
    }

    /// How the file is compressed (Parquet compresses inside the file: `None`).
    pub fn compression(self) -> Compression {
        match self {
            Self::Parquet => Compression::None,
            Self::Csv(compression) | Self::Json(compression) => compression,
        }
    }
}

impl fmt::Display for DataFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let suffix = match self.compression() {
            Compression::None => "",
            Compression::Gzip => ".gz",
            Compression::Zstd => ".zst",
            Compression::Bzip2 => ".bz2",
            Compression::Xz => ".xz",
        };
        write!(f, "{}{suffix}", self.family())
    }
}

/// Which snapshot of a lakehouse table to profile (`--version`, `--as-of`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TableVersion {
    #[default]
    Newest,
    Version(u64),
    AsOf(chrono::DateTime<chrono::Utc>),
}

/// `--format`: read every data file as this format, whatever its name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum FormatChoice {
    Parquet,
    Csv,
    /// Newline-delimited JSON.
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_come_from_names() {
        assert_eq!(
            DataFormat::from_name("a.parquet", None),
            Some(DataFormat::Parquet)
        );
        assert_eq!(
            DataFormat::from_name("part-0.snappy.parquet", None),
            Some(DataFormat::Parquet)
        );
        assert_eq!(
            DataFormat::from_name("x.CSV.gz", None),
            Some(DataFormat::Csv(Compression::Gzip))
        );
        assert_eq!(
            DataFormat::from_name("x.csv.zst", None),
            Some(DataFormat::Csv(Compression::Zstd))
        );
        assert_eq!(DataFormat::from_name("README.md", None), None);
        assert_eq!(
            DataFormat::from_name("events.ndjson.gz", None),
            Some(DataFormat::Json(Compression::Gzip))
        );
        assert_eq!(
            DataFormat::from_name("a.jsonl", None),
            Some(DataFormat::Json(Compression::None))
        );
        assert_eq!(DataFormat::from_name("notes.txt.gz", None), None);
        assert_eq!(
            DataFormat::from_name("part-00000", Some(FormatChoice::Parquet)),
            Some(DataFormat::Parquet)
        );
    }
}
