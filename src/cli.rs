//! The command line: flags as the user types them, turned into validated [`ScanOptions`] in one
//! step. The doc comments here are the `--help` text.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};

use crate::error::ReadinessError;
use crate::profile::EngineChoice;
use crate::report::output::Target;
use crate::scan::ScanOptions;
use crate::source::delimited::DialectSpec;
use crate::source::{FormatChoice, Grouping, TableVersion};

/// readiness: is this data ready for an AI project?
///
/// Profiles Parquet and CSV data for completeness, duplication, label coverage, freshness and
/// lineage metadata. Exit status: 0 no failing check, 1 at least one failing check, 2 a usage or
/// configuration error, or nothing could be read.
#[derive(Debug, Parser)]
#[command(name = "readiness", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    #[command(flatten)]
    pub diagnostics: Diagnostics,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Profile files, folders or globs; write an HTML report, a JSON result and a summary table.
    Scan(Box<ScanArgs>),
    /// Profile every dataset of a project config (readiness.toml), as a scheduled job does.
    Run(Box<RunArgs>),
    /// Sniff sources and print a commented starter readiness.toml (candidate keys, labels and
    /// time columns) that runs as it is: `readiness init SOURCES... > readiness.toml`.
    Init(InitArgs),
    /// Start an Apache DataFusion Ballista scheduler that knows readiness's functions (feature
    /// `ballista`): `readiness scan --engine ballista://HOST:PORT` sends its plans here.
    #[cfg(feature = "ballista")]
    Scheduler(crate::cluster::process::SchedulerArgs),
    /// Start an Apache DataFusion Ballista executor that runs readiness's functions (feature
    /// `ballista`); it registers with the scheduler and reads sources with this machine's
    /// credentials (the cloud's standard environment variables).
    #[cfg(feature = "ballista")]
    Executor(crate::cluster::process::ExecutorArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The project config.
    #[arg(long, value_name = "PATH", default_value = "readiness.toml")]
    pub config: PathBuf,

    #[command(flatten)]
    pub publish: PublishArgs,
}

/// What `scan` and `run` share: where the results go, how they are judged, and what the run
/// may use. For `run`, each overrides its key in readiness.toml's `[run]` table.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Folder for the reports: a local folder or an object-store prefix such as
    /// `s3://bucket/reports/daily/` (written with the same credentials and --storage-option
    /// settings as sources are read with). Default: `[run] out`, else `reports`.
    #[arg(long, value_name = "DIR|URL")]
    pub out: Option<String>,

    /// Where to write the JSON result: a path, a URL (`s3://bucket/key.json`, ...) or `-` for
    /// stdout. Default: OUT/readiness.json.
    #[arg(long, value_name = "PATH|URL")]
    pub json: Option<String>,

    /// Where to write the HTML report: a path, a URL or `-` for stdout.
    /// Default: OUT/readiness.html.
    #[arg(long, value_name = "PATH|URL")]
    pub html: Option<String>,

    /// Folder with report templates overriding the built-in ones (same file names:
    /// report.html, style.html, script.html, dimensions/<name>.html).
    #[arg(long, value_name = "DIR")]
    pub template: Option<PathBuf>,

    /// Check suite layered on the built-in `checks/default.toml` (TOML; see checks/README.md).
    /// Default: `[run] checks`, else the built-in suite alone.
    #[arg(long, value_name = "PATH")]
    pub checks: Option<PathBuf>,

    /// `warn`: also exit with status 1 when a check only warns. Default: `[run] fail_on`,
    /// else `fail`.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,

    /// History store (a folder or an object-storage prefix): this run's metrics are appended,
    /// and earlier runs give trends and the checks on history. Default: `[run] history`.
    #[arg(long, value_name = "DIR|URL")]
    pub history: Option<String>,

    /// Write an OpenLineage run event (with data-quality facets) to this path or URL.
    /// Default: `[run] openlineage`.
    #[arg(long, value_name = "PATH|URL")]
    pub openlineage: Option<String>,

    /// "Now" for freshness, `scanned_at` and the history, as RFC 3339
    /// (e.g. 2026-11-01T00:00:00Z), so runs are reproducible.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,

    /// Cap on the memory the engine's grouping and sorting may hold (e.g. `2GB`, `512MiB`);
    /// beyond it they spill to the system's temporary folder. Default: `[run] memory_limit`,
    /// else 60% of the machine's memory.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub memory_limit: Option<u64>,

    /// Where the profile plans run: `embedded` (this process, the default) or
    /// `ballista://HOST:PORT`, an Apache DataFusion Ballista scheduler whose executors run
    /// `readiness executor` (builds with the `ballista` feature; see docs/cluster.md).
    /// Default: `[run] engine`, else `embedded`.
    #[arg(long, value_name = "embedded|ballista://HOST:PORT", value_parser = parse_engine)]
    pub engine: Option<EngineChoice>,

    /// Print no summary table and no progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

fn parse_engine(text: &str) -> Result<EngineChoice, String> {
    EngineChoice::parse(text)
}

/// How much readiness tells about itself on stderr, and in what colours.
#[derive(Debug, Args)]
pub struct Diagnostics {
    /// More detail on stderr: `-v` each pass with its time and the plan choices (what was
    /// counted in the profile pass, what needed a grouping, retries), `-vv` readiness's own
    /// debugging detail, `-vvv` the engine's and the storage clients' too. `RUST_LOG`
    /// (e.g. `RUST_LOG=readiness=debug`) overrides.
    #[arg(long, short, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// When to colour the terminal output: `auto` (a terminal, and `NO_COLOR` unset),
    /// `always` or `never`.
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        global = true
    )]
    pub color: ColorWhen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Files, folders, globs or URLs to sniff.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<String>,

    /// Object-store setting KEY=VALUE, as for `scan` (keys are listed in the config, values
    /// never).
    #[arg(long = "storage-option", value_name = "KEY=VALUE")]
    pub storage_options: Vec<String>,

    /// Read every data file as this format, whatever its extension.
    #[arg(long, value_enum)]
    pub format: Option<FormatChoice>,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files, folders or globs to profile (quote globs: 'data/*.parquet'). A folder is one
    /// dataset when its files share one format and schema, otherwise each child is its own.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<String>,

    /// Key column(s) that should identify a row; duplicate keys are counted. One integer
    /// column is counted in the profile pass; other keys cost one grouping over their columns.
    #[arg(long, value_name = "COL[,COL...]", value_delimiter = ',')]
    pub key: Vec<String>,

    /// ML target column; coverage and class balance are measured. Repeatable.
    #[arg(long, value_name = "COL", value_delimiter = ',')]
    pub label: Vec<String>,

    /// Column(s) left out when looking for near-duplicate rows, beside the declared key and
    /// the columns named like ingestion metadata (load times, batch ids), which are left out
    /// anyway.
    #[arg(long, value_name = "COL[,COL...]", value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Event-time column for freshness. Without it, the only timestamp or date column is used
    /// if there is exactly one; otherwise freshness comes from file modification times.
    #[arg(long, value_name = "COL")]
    pub time: Option<String>,

    /// Token meaning "missing" (trimmed, case-insensitive). Repeatable; replaces the default
    /// list (n/a, na, #n/a, null, none, nil, unknown, undefined, missing, -, --, ?, tbd).
    #[arg(long = "placeholder", value_name = "TOKEN")]
    pub placeholders: Vec<String>,

    /// Object-store setting KEY=VALUE (endpoint, region, anonymous access, ...), layered on the
    /// cloud's standard environment variables. Repeatable. Keys are object_store's config keys,
    /// e.g. `aws_endpoint`, `aws_region`, `aws_skip_signature`, `google_service_account_key`,
    /// `azure_storage_account_name`.
    #[arg(long = "storage-option", value_name = "KEY=VALUE")]
    pub storage_options: Vec<String>,

    /// Read every data file as this format, whatever its extension.
    #[arg(long, value_enum)]
    pub format: Option<FormatChoice>,

    /// CSV field delimiter: `,` `;` `|` or `tab`. Default: sniffed from each file's first
    /// lines (the one that splits them most consistently).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,

    /// CSV quote character. Default: sniffed (`"`, or `'` when the file quotes with it).
    #[arg(long, value_name = "CHAR")]
    pub quote: Option<String>,

    /// CSV escape character inside quoted fields (e.g. `\`), or `none` when quotes are
    /// written twice (RFC 4180). Default: sniffed.
    #[arg(long, value_name = "CHAR|none")]
    pub escape: Option<String>,

    /// CSV files have no header line: columns are named column_1, column_2, ...
    /// Default: the first line is the header (as pandas, Polars and R read it), unless its
    /// values cannot be names (empty or repeated) and fit the types of the rows below.
    #[arg(long)]
    pub no_header: bool,

    /// Text encoding of CSV files (`utf-8`, `latin1`, `windows-1252`, `utf-16le`, ...).
    /// Default: a byte-order mark, else UTF-8 unless the first 64 KiB are not, then
    /// Windows-1252.
    #[arg(long, value_name = "LABEL")]
    pub encoding: Option<String>,

    /// Profile this version of each Delta Lake table instead of the newest (time travel).
    #[arg(long = "version", value_name = "N", conflicts_with = "as_of")]
    pub table_version: Option<u64>,

    /// Profile each Delta Lake table as it was at this time (RFC 3339): the newest version
    /// committed at or before it.
    #[arg(long, value_name = "RFC3339")]
    pub as_of: Option<String>,

    /// Follow symbolic links that lead out of a scanned local folder (by default they are
    /// listed as not followed, and a link loop is a finding).
    #[arg(long)]
    pub follow_symlinks: bool,

    /// Treat each source as one dataset, whatever its files' schemas.
    #[arg(long, conflicts_with = "each")]
    pub one_dataset: bool,

    /// Treat each immediate child of a folder as its own dataset.
    #[arg(long)]
    pub each: bool,

    /// Leave every value from the data (min, max, top values, example keys) out of the
    /// JSON and the report. Values of personal-data columns are masked even without this.
    #[arg(long)]
    pub no_samples: bool,

    #[command(flatten)]
    pub publish: PublishArgs,
}

impl ScanArgs {
    /// Validates the flags into scan options (a usage error names the flag).
    pub fn options(&self) -> Result<ScanOptions, ReadinessError> {
        let now = parse_now(self.publish.now.as_deref())?;
        let csv = DialectSpec {
            delimiter: self.delimiter.clone(),
            quote: self.quote.clone(),
            escape: self.escape.clone(),
            header: self.no_header.then_some(false),
            encoding: self.encoding.clone(),
        }
        .forced()
        .map_err(|(key, message)| ReadinessError::InvalidArgument {
            flag: key.flag(),
            message,
        })?;
        let grouping = match (self.one_dataset, self.each) {
            (true, _) => Grouping::OneDataset,
            (_, true) => Grouping::Each,
            _ => Grouping::Auto,
        };
        let table_version =
            table_version(self.table_version, self.as_of.as_deref()).map_err(|message| {
                ReadinessError::InvalidArgument {
                    flag: "--as-of",
                    message,
                }
            })?;
        Ok(ScanOptions {
            table_version,
            follow_symlinks: self.follow_symlinks,
            sources: self.sources.clone(),
            format: self.format,
            csv,
            grouping,
            key_columns: self.key.clone(),
            label_columns: self.label.clone(),
            ignored_columns: self.ignore.clone(),
            time_column: self.time.clone(),
            placeholders: (!self.placeholders.is_empty()).then(|| self.placeholders.clone()),
            now,
            samples: !self.no_samples,
            storage_options: parse_storage_options(&self.storage_options)?,
            memory_limit: self.publish.memory_limit,
            progress: !self.publish.quiet,
            engine: self.publish.engine.clone().unwrap_or_default(),
        })
    }
}

/// A size such as `2GB`, `1.5GiB` or `512MB` (decimal or binary units), in bytes.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let size: bytesize::ByteSize = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as 2GB or 512MiB"))?;
    match size.as_u64() {
        0 => Err("a memory limit must be above zero".to_string()),
        bytes => Ok(bytes),
    }
}

/// `--now`, validated.
pub fn parse_now(text: Option<&str>) -> Result<Option<DateTime<Utc>>, ReadinessError> {
    text.map(|text| {
        DateTime::parse_from_rfc3339(text)
            .map(|time| time.with_timezone(&Utc))
            .map_err(|error| ReadinessError::InvalidArgument {
                flag: "--now",
                message: format!("`{text}` is not an RFC 3339 time ({error})"),
            })
    })
    .transpose()
}

/// `--version` / `--as-of` (or `version` / `as_of` in readiness.toml) as a snapshot choice.
pub fn table_version(version: Option<u64>, as_of: Option<&str>) -> Result<TableVersion, String> {
    match (version, as_of) {
        (Some(_), Some(_)) => Err("give a table version or a time, not both".to_string()),
        (Some(version), None) => Ok(TableVersion::Version(version)),
        (None, Some(text)) => DateTime::parse_from_rfc3339(text)
            .map(|time| TableVersion::AsOf(time.with_timezone(&Utc)))
            .map_err(|error| format!("`{text}` is not an RFC 3339 time ({error})")),
        (None, None) => Ok(TableVersion::Newest),
    }
}

/// `--storage-option KEY=VALUE` pairs, validated (a bad one is named by its key only).
pub fn parse_storage_options(pairs: &[String]) -> Result<Vec<(String, String)>, ReadinessError> {
    pairs
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.to_string()))
                .ok_or_else(|| ReadinessError::InvalidArgument {
                    flag: "--storage-option",
                    message: format!(
                        "`{}` is not KEY=VALUE",
                        pair.split('=').next().unwrap_or_default()
                    ),
                })
        })
        .collect()
}

/// Where the reports go: `--json`/`--html` when given, else `readiness.{json,html}` in `out`.
pub fn report_targets(
    out: &str,
    json: Option<&str>,
    html: Option<&str>,
) -> Result<(Target, Target), ReadinessError> {
    let folder = Target::parse(out)?;
    let pick = |given: Option<&str>, name: &str| match given {
        Some(text) => Target::parse(text),
        None => Ok(folder.join(name)),
    };
    Ok((pick(json, "readiness.json")?, pick(html, "readiness.html")?))
}

/// Which findings make the exit status 1 (`--fail-on`, or `fail_on` in readiness.toml).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailOn {
    /// Only failing checks.
    Fail,
    /// Failing and warning checks.
    Warn,
}
