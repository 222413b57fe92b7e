//! Sources: where the data is, which files it has, and how they form datasets.
//!
//! A source is what the user named (a file, a directory or a glob). [`discover`] lists it through
//! the read-only [`ScanStore`], inspects every data file once (Parquet footer or CSV header), and
//! [`plan`] groups the files into datasets. Nothing here runs a query over the rows: that is the
//! `profile` layer's job, and it reads only the [`DatasetPlan`]s produced here.

pub mod delimited;
pub mod inventory;
pub mod location;
pub mod plan;
pub mod store;
pub mod stores;

use std::fmt;

pub use inventory::{FileInspection, inspect_files};
pub use location::{Location, list_source};
pub use plan::{DatasetPlan, Grouping, PlannedFile, plan_datasets};
pub use store::ScanStore;

/// How a CSV file is compressed, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CsvCompression {
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
    Csv(CsvCompression),
}

impl DataFormat {
    /// The format a file name implies, if any. `forced` (from `--format`) wins over the name,
    /// but a compression suffix is still honoured for CSV.
    pub fn from_name(name: &str, forced: Option<FormatChoice>) -> Option<Self> {
        let lower = name.to_ascii_lowercase();
        let compression = if lower.ends_with(".gz") {
            CsvCompression::Gzip
        } else if lower.ends_with(".zst") || lower.ends_with(".zstd") {
            CsvCompression::Zstd
        } else if lower.ends_with(".bz2") {
            CsvCompression::Bzip2
        } else if lower.ends_with(".xz") {
            CsvCompression::Xz
        } else {
            CsvCompression::None
        };
        match forced {
            Some(FormatChoice::Parquet) => return Some(Self::Parquet),
            Some(FormatChoice::Csv) => return Some(Self::Csv(compression)),
            None => {}
        }
        let base = match compression {
            CsvCompression::None => lower.as_str(),
            _ => lower
                .rsplit_once('.')
                .map_or(lower.as_str(), |(base, _)| base),
        };
        let extension = base.rsplit_once('.').map(|(_, ext)| ext)?;
        match (extension, compression) {
            ("parquet" | "parq" | "pq", CsvCompression::None) => Some(Self::Parquet),
            ("csv" | "tsv" | "psv", _) => Some(Self::Csv(compression)),
            _ => None,
        }
    }

    /// `parquet` or `csv`, as written in the JSON.
    pub fn family(self) -> &'static str {
        match self {
            Self::Parquet => "parquet",
            Self::Csv(_) => "csv",
        }
    }
}

impl fmt::Display for DataFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Parquet => f.write_str("parquet"),
            Self::Csv(CsvCompression::None) => f.write_str("csv"),
            Self::Csv(CsvCompression::Gzip) => f.write_str("csv.gz"),
            Self::Csv(CsvCompression::Zstd) => f.write_str("csv.zst"),
            Self::Csv(CsvCompression::Bzip2) => f.write_str("csv.bz2"),
            Self::Csv(CsvCompression::Xz) => f.write_str("csv.xz"),
        }
    }
}

/// `--format`: read every data file as this format, whatever its name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum FormatChoice {
    Parquet,
    Csv,
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
            Some(DataFormat::Csv(CsvCompression::Gzip))
        );
        assert_eq!(
            DataFormat::from_name("x.csv.zst", None),
            Some(DataFormat::Csv(CsvCompression::Zstd))
        );
        assert_eq!(DataFormat::from_name("README.md", None), None);
        assert_eq!(DataFormat::from_name("notes.json.gz", None), None);
        assert_eq!(
            DataFormat::from_name("part-00000", Some(FormatChoice::Parquet)),
            Some(DataFormat::Parquet)
        );
    }
}
