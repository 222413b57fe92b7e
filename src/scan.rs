//! A whole scan: sources -> datasets -> profiles -> one [`ScanResult`].
//!
//! Invariant: one bad source or dataset never ends the scan. It is recorded in
//! `unreadable_sources` and the others are still profiled; only when nothing at all could be
//! read does the scan fail.

use std::collections::BTreeSet;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use object_store::ObjectStore;
use object_store::path::Path;

use crate::dimensions::privacy::profile as privacy;
use crate::error::{ReadinessError, Result};
use crate::metrics::{
    DatasetMetrics, SCHEMA_VERSION, ScanParameters, ScanResult, SourceFailure, Tool,
};
use crate::profile::lanes::Lanes;
use crate::profile::{Engine, EngineChoice, Placeholders, ProfileOptions, profile_dataset};
use crate::source::delimited::ForcedDialect;
use crate::source::inventory::CsvSettings;
use crate::source::stores::{redact, shown_source};
use crate::source::{
    DataFormat, DatasetPlan, FormatChoice, Grouping, Location, TableVersion, inspect_files,
    list_source, plan_datasets,
};

/// Everything a scan needs to know, already validated.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub sources: Vec<String>,
    pub format: Option<FormatChoice>,
    /// CSV dialect settings forced by flags or readiness.toml; the rest is sniffed per file.
    pub csv: ForcedDialect,
    pub grouping: Grouping,
    pub key_columns: Vec<String>,
    pub label_columns: Vec<String>,
    /// Columns left out when looking for near-duplicate rows (`--ignore`).
    pub ignored_columns: Vec<String>,
    pub time_column: Option<String>,
    /// Placeholder tokens; `None` means the documented defaults.
    pub placeholders: Option<Vec<String>>,
    /// "Now" for freshness and `scanned_at`; `None` means the clock.
    pub now: Option<DateTime<Utc>>,
    /// False leaves every value from the data (min, max, top values, example keys) out.
    pub samples: bool,
    /// `--storage-option KEY=VALUE` settings for object stores.
    pub storage_options: Vec<(String, String)>,
    /// Cap on DataFusion's memory pool in bytes; beyond it grouping spills to disk.
    pub memory_limit: Option<u64>,
    /// Show a progress bar on stderr (only ever drawn when stderr is a terminal).
    pub progress: bool,
    /// Which snapshot of each lakehouse table to profile.
    pub table_version: TableVersion,
    /// Follow symbolic links that lead out of a scanned local folder.
    pub follow_symlinks: bool,
    /// Where the profile plans run.
    pub engine: EngineChoice,
}

impl ScanOptions {
    pub fn new(sources: Vec<String>) -> Self {
        Self {
            sources,
            format: None,
            csv: ForcedDialect::default(),
            grouping: Grouping::Auto,
            key_columns: Vec::new(),
            label_columns: Vec::new(),
            ignored_columns: Vec::new(),
            time_column: None,
            placeholders: None,
            now: None,
            samples: true,
            storage_options: Vec::new(),
            memory_limit: None,
            progress: false,
            table_version: TableVersion::Newest,
            follow_symlinks: false,
            engine: EngineChoice::Embedded,
        }
    }
}

/// Scans every source and profiles every dataset found in them.
pub async fn scan(options: &ScanOptions) -> Result<ScanResult> {
    let planned = plan(options).await?;
    profile(planned, options).await
}

/// The first half of a scan: every source listed, its files inspected and grouped into
/// datasets. Nothing is profiled yet.
pub struct Planned {
    engine: Arc<Engine>,
    /// The datasets found, in output order.
    pub plans: Vec<DatasetPlan>,
    /// Sources that could not be listed at all.
    pub unreadable_sources: Vec<SourceFailure>,
}

/// Lists, inspects and groups every source.
pub async fn plan(options: &ScanOptions) -> Result<Planned> {
    let engine = engine(options).await?;
    let (plans, unreadable_sources) = plan_sources(&engine, options).await?;
    show_only(&engine, &plans);
    Ok(Planned {
        engine,
        plans,
        unreadable_sources,
    })
}

/// The one engine (DataFusion session, object-store clients, memory pool) a scan or a project
/// run profiles all its datasets with.
pub(crate) async fn engine(options: &ScanOptions) -> Result<Arc<Engine>> {
    let engine = Engine::new(
        options.storage_options.clone(),
        options.memory_limit,
        options.progress,
    )
    .map_err(|source| ReadinessError::Engine {
        dataset: String::new(),
        source,
    })?;
    Ok(Arc::new(engine.on(&options.engine).await?))
}

/// Every source of `options` listed, inspected and grouped, in output order, with the sources
/// that could not be listed. Fails when a `--key`, `--label` or `--time` column is in none of
/// the datasets.
pub(crate) async fn plan_sources(
    engine: &Engine,
    options: &ScanOptions,
) -> Result<(Vec<DatasetPlan>, Vec<SourceFailure>)> {
    let mut unreadable_sources = Vec::new();
    let mut plans = Vec::new();
    for source in &options.sources {
        match plan_source(engine, source, options).await {
            Ok((mut found, mut refused)) => {
                plans.append(&mut found);
                unreadable_sources.append(&mut refused);
            }
            Err(error) => unreadable_sources.push(SourceFailure {
                source: shown_source(source),
                error: redact(&error.to_string(), &options.storage_options),
            }),
        }
    }
    plans.sort_by(|a, b| (&a.name, &a.root).cmp(&(&b.name, &b.root)));
    check_columns_exist(&plans, options)?;
    Ok((plans, unreadable_sources))
}

/// Each store's listings show DataFusion only the readable files of the planned datasets.
pub(crate) fn show_only<'a>(engine: &Engine, plans: impl IntoIterator<Item = &'a DatasetPlan>) {
    let plans: Vec<&DatasetPlan> = plans.into_iter().collect();
    for (key, store) in engine.stores() {
        store.show_only(
            plans
                .iter()
                .filter(|plan| plan.location.store_key() == key)
                .flat_map(|plan| plan.readable_files().map(|file| file.meta.clone())),
        );
    }
}

/// The second half of a scan: every planned dataset profiled. A file that cannot be read now
/// (changed or gone since it was listed) is left out with its error, like any unreadable file.
pub async fn profile(planned: Planned, options: &ScanOptions) -> Result<ScanResult> {
    let Planned {
        engine,
        plans,
        mut unreadable_sources,
    } = planned;
    let now = options.now.unwrap_or_else(Utc::now);
    let profile_options = Arc::new(profile_options(options, now));
    let jobs = plans
        .into_iter()
        .map(|plan| Job {
            plan,
            options: profile_options.clone(),
        })
        .collect();
    let mut datasets = Vec::new();
    for outcome in profile_all(&engine, jobs, options.samples, &options.storage_options).await {
        match outcome {
            Ok(metrics) => datasets.push(metrics),
            Err(failure) => unreadable_sources.push(failure),
        }
    }
    let parameters = ScanParameters {
        sources: options.sources.iter().map(|s| shown_source(s)).collect(),
        key_columns: options.key_columns.clone(),
        label_columns: options.label_columns.clone(),
        ignored_columns: options.ignored_columns.clone(),
        time_column: options.time_column.clone(),
        placeholders: profile_options.placeholders.tokens().to_vec(),
        format: options.format.map(|f| format!("{f:?}").to_lowercase()),
        grouping: options.grouping,
        samples: options.samples,
        config: None,
    };
    assemble(parameters, now, datasets, unreadable_sources)
}

/// What profiling a dataset takes from the scan's options.
pub(crate) fn profile_options(options: &ScanOptions, now: DateTime<Utc>) -> ProfileOptions {
    ProfileOptions {
        key_columns: options.key_columns.clone(),
        label_columns: options.label_columns.clone(),
        ignored_columns: options.ignored_columns.clone(),
        time_column: options.time_column.clone(),
        placeholders: match &options.placeholders {
            Some(tokens) => Placeholders::new(tokens),
            None => Placeholders::default_tokens(),
        },
        now,
    }
}

/// One dataset to profile, with the options it is profiled with.
pub(crate) struct Job {
    pub plan: DatasetPlan,
    pub options: Arc<ProfileOptions>,
}

/// Profiles every job on `engine`, several at once (see [`crate::profile::lanes`]), and
/// returns their outcomes in the jobs' order: the dataset's figures (sample values protected
/// as `samples` says), or the failure naming it.
pub(crate) async fn profile_all(
    engine: &Arc<Engine>,
    jobs: Vec<Job>,
    samples: bool,
    storage_options: &[(String, String)],
) -> Vec<std::result::Result<DatasetMetrics, SourceFailure>> {
    let lanes = Lanes::new(jobs.iter().map(|job| &job.plan));
    if let Some(progress) = &engine.progress {
        progress.datasets(jobs.len());
    }
    let running = jobs.into_iter().enumerate().map(|(index, job)| {
        let engine = engine.clone();
        let lanes = lanes.clone();
        let storage_options = storage_options.to_vec();
        let task = tokio::spawn(async move {
            let Job { mut plan, options } = job;
            let _lanes = lanes.enter(&plan, &options, engine.memory_limit).await;
            let table = format!("dataset_{index}");
            let outcome = profile_dataset(&engine, &mut plan, &options, &table).await;
            let _ = engine.ctx.deregister_table(&table);
            if let Some(progress) = &engine.progress {
                progress.dataset_done();
            }
            match outcome {
                Ok(mut metrics) => {
                    privacy::protect(&mut metrics, samples);
                    Ok(metrics)
                }
                Err(error) => Err(SourceFailure {
                    source: format!("{} (dataset {})", plan.source, plan.name),
                    error: redact(&error.to_string(), &storage_options),
                }),
            }
        });
        async move {
            let outcome = task.await.unwrap_or_else(|error| {
                Err(SourceFailure {
                    source: format!("dataset {}", index + 1),
                    error: format!("profiling stopped unexpectedly: {error}"),
                })
            });
            (index, outcome)
        }
    });
    // Unordered, so a big dataset in flight never holds back the small ones behind it.
    let mut outcomes: Vec<_> = futures::stream::iter(running)
        .buffer_unordered(lanes.width())
        .collect()
        .await;
    outcomes.sort_by_key(|(index, _)| *index);
    let outcomes = outcomes.into_iter().map(|(_, outcome)| outcome).collect();
    if let Some(progress) = &engine.progress {
        progress.finish();
    }
    outcomes
}

/// The result of a scan or a project run: the one place a [`ScanResult`] is built. It is an
/// error ([`ReadinessError::NothingReadable`], exit 2) when no file of any dataset could be
/// read, naming every source and file that failed.
pub(crate) fn assemble(
    parameters: ScanParameters,
    scanned_at: DateTime<Utc>,
    datasets: Vec<DatasetMetrics>,
    unreadable_sources: Vec<SourceFailure>,
) -> Result<ScanResult> {
    let anything_read = datasets
        .iter()
        .any(|dataset| dataset.files.iter().any(|file| file.error.is_none()));
    if !anything_read {
        let mut details: Vec<String> = unreadable_sources.iter().map(failure_line).collect();
        details.extend(datasets.iter().flat_map(|dataset| {
            dataset
                .files
                .iter()
                .filter_map(|file| Some(format!("{}: {}", file.path, file.error.as_ref()?)))
        }));
        return Err(ReadinessError::NothingReadable {
            details: details.join("; "),
        });
    }
    Ok(ScanResult {
        schema_version: SCHEMA_VERSION,
        tool: Tool::this(),
        scanned_at,
        parameters,
        datasets,
        unreadable_sources,
    })
}

/// A source failure in one line: its error, preceded by the source unless the error names it.
pub(crate) fn failure_line(failure: &SourceFailure) -> String {
    match failure.error.contains(&failure.source) {
        true => failure.error.clone(),
        false => format!("{}: {}", failure.source, failure.error),
    }
}

/// Lists, inspects and groups one source. Lakehouse tables in it are planned as tables
/// (Delta, with the `delta` feature) or refused with the reason, never read as loose files.
async fn plan_source(
    engine: &Engine,
    source: &str,
    options: &ScanOptions,
) -> Result<(Vec<DatasetPlan>, Vec<SourceFailure>)> {
    let mut location = Location::resolve(source)?;
    let store = engine.store(&location).await?;
    let (objects, skipped) =
        list_source(store.inner(), &mut location, options.follow_symlinks).await?;
    let tables = lakehouse_tables(&location, &objects);
    let mut data_files = Vec::new();
    let mut other_files: Vec<Path> = Vec::new();
    let settings = CsvSettings {
        forced: options.csv,
        scratch: engine.scratch.path().to_path_buf(),
    };
    let mut table_plans = Vec::new();
    let mut refused: Vec<SourceFailure> = skipped
        .into_iter()
        .map(|skipped| SourceFailure {
            source: skipped.path,
            error: skipped.reason,
        })
        .collect();
    for (root, format) in &tables {
        let shown = location.display_path(root);
        match plan_table(engine, &store, &location, root, *format, options, &settings).await {
            Ok(plan) => table_plans.push(plan),
            Err(error) => refused.push(SourceFailure {
                source: shown,
                error: redact(&error, &options.storage_options),
            }),
        }
    }
    let objects = objects.into_iter().filter(|meta| {
        !tables
            .iter()
            .any(|(root, _)| meta.location.prefix_matches(root))
    });
    for meta in objects {
        let parts = location.relative_parts(&meta.location);
        let hidden = parts
            .iter()
            .any(|part| part.starts_with('_') || part.starts_with('.'));
        let name = meta.location.filename().unwrap_or_default().to_string();
        match DataFormat::from_name(&name, options.format) {
            Some(format) if !hidden => data_files.push((meta, format)),
            _ => other_files.push(meta.location),
        }
    }
    if data_files.is_empty() {
        if !tables.is_empty() || !refused.is_empty() {
            return Ok((table_plans, refused));
        }
        return Err(ReadinessError::NoDataFiles {
            source_name: shown_source(source),
        });
    }
    let scan_store = store.clone();
    let store: Arc<dyn ObjectStore> = store;
    let (documents, inspected): (Vec<_>, Vec<_>) = inspect_files(&store, data_files, &settings)
        .await
        .into_iter()
        .partition(|inspection| {
            inspection.json_document
                && options.format.is_none()
                && inspection
                    .meta
                    .location
                    .as_ref()
                    .to_ascii_lowercase()
                    .ends_with(".json")
        });
    // A `.json` file holding one document (a manifest, a schema) is a sidecar, not rows.
    other_files.extend(documents.into_iter().map(|document| document.meta.location));
    if inspected.is_empty() && tables.is_empty() && refused.is_empty() {
        return Err(ReadinessError::NoDataFiles {
            source_name: shown_source(source),
        });
    }
    for inspection in &inspected {
        if let Some((copy, size)) = inspection.copy() {
            scan_store.substitute(&inspection.meta.location, copy, size);
        }
    }
    let mut plans = plan_datasets(&location, inspected, &other_files, options.grouping);
    plans.append(&mut table_plans);
    Ok((plans, refused))
}

/// A lakehouse table planned as one dataset, or the reason it is not read.
#[cfg_attr(not(feature = "delta"), allow(unused_variables))]
async fn plan_table(
    engine: &Engine,
    store: &Arc<crate::source::ScanStore>,
    location: &Location,
    root: &Path,
    format: TableFormat,
    options: &ScanOptions,
    settings: &CsvSettings,
) -> std::result::Result<DatasetPlan, String> {
    match format {
        #[cfg(feature = "delta")]
        TableFormat::Delta => {
            // The log is listed and read unfiltered (the scan's listing filter shows data
            // files only), still through a read-only store.
            let log_view: Arc<dyn ObjectStore> = Arc::new(crate::source::ScanStore::new(
                store.inner().clone(),
                engine.io.clone(),
            ));
            let now = options.now.unwrap_or_else(Utc::now);
            crate::source::delta::plan_table(
                log_view,
                location,
                root,
                options.table_version,
                now,
                settings,
            )
            .await
        }
        _ => Err(format.refusal().to_string()),
    }
}

/// A table format whose folders hold data files that are not all live rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TableFormat {
    Delta,
    Iceberg,
}

impl TableFormat {
    /// Why the table is not read, and what to do instead.
    fn refusal(self) -> &'static str {
        match self {
            Self::Delta => {
                "a Delta Lake table (it has a _delta_log/ folder): this build of readiness has no Delta Lake support (cargo feature `delta`), and reading its Parquet files as loose files would count rows that were deleted or overwritten; use a build with `--features delta`, or scan an export of its current snapshot"
            }
            Self::Iceberg => {
                "an Iceberg table (it has metadata/*.metadata.json): readiness does not plan Iceberg snapshots (no maintained Iceberg crate fits its DataFusion version yet), and reading its data files as loose files would count deleted and superseded rows; scan an export of its current snapshot to Parquet instead"
            }
        }
    }
}

/// The roots of Delta tables (folders holding `_delta_log/`) and Iceberg tables (folders
/// holding `metadata/*.metadata.json`) among a source's objects.
fn lakehouse_tables(
    location: &Location,
    objects: &[object_store::ObjectMeta],
) -> Vec<(Path, TableFormat)> {
    let mut roots: Vec<(Path, TableFormat)> = Vec::new();
    for meta in objects {
        let parts: Vec<String> = meta
            .location
            .parts()
            .map(|p| p.as_ref().to_string())
            .collect();
        let Some(name) = parts.last() else { continue };
        let found =
            parts[..parts.len() - 1]
                .iter()
                .enumerate()
                .find_map(|(index, part)| match part.as_str() {
                    "_delta_log" => Some((index, TableFormat::Delta)),
                    "metadata" if index + 2 == parts.len() && name.ends_with(".metadata.json") => {
                        Some((index, TableFormat::Iceberg))
                    }
                    _ => None,
                });
        let Some((index, format)) = found else {
            continue;
        };
        let root = Path::from_iter(parts[..index].iter().map(String::as_str));
        // Only tables at or below the source's root (a single-file source has none).
        if location.is_file || !root.prefix_matches(&location.root) && root != location.root {
            continue;
        }
        if !roots.iter().any(|(known, _)| *known == root) {
            roots.push((root, format));
        }
    }
    roots
}

/// A `--key`, `--label` or `--time` column that no dataset has is a typo: say so up front.
fn check_columns_exist(plans: &[DatasetPlan], options: &ScanOptions) -> Result<()> {
    let known: BTreeSet<&str> = plans
        .iter()
        .flat_map(|plan| {
            plan.readable_files()
                .filter_map(|file| file.schema.as_ref())
                .flat_map(|schema| schema.fields().iter().map(|field| field.name().as_str()))
                .chain(plan.partition_columns.iter().map(String::as_str))
        })
        .collect();
    if known.is_empty() {
        return Ok(());
    }
    let wanted = options
        .key_columns
        .iter()
        .map(|c| ("--key", c))
        .chain(options.label_columns.iter().map(|c| ("--label", c)))
        .chain(options.ignored_columns.iter().map(|c| ("--ignore", c)))
        .chain(options.time_column.iter().map(|c| ("--time", c)));
    for (flag, column) in wanted {
        if !known.contains(column.as_str()) {
            return Err(ReadinessError::UnknownColumn {
                flag,
                column: column.clone(),
                dataset: plans
                    .iter()
                    .map(|plan| plan.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    Ok(())
}
