//! The progress bar on stderr: dataset, pass, rows read, files opened, bytes read, elapsed time
//! and ETA, redrawn ten times a second while a pass runs.
//!
//! It is drawn only when stderr is a terminal, never with `--quiet`, and only once a scan has
//! run for a second (`READINESS_PROGRESS_AFTER_MS` changes that), so short scans and piped
//! output stay clean. Rows come from the live metrics of the plan's scan nodes; bytes and files
//! from the counters of the read-only stores every read goes through.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use datafusion::arrow::array::RecordBatch;
use datafusion::error::Result as DfResult;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::{ExecutionPlan, execute_stream};
use datafusion::prelude::DataFrame;
use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::task::JoinHandle;

use crate::source::store::IoCounters;

const TICK: Duration = Duration::from_millis(100);

/// One progress display for a whole scan, shared through the DataFusion session config.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
    io: Arc<IoCounters>,
    started: Instant,
    show_after: Duration,
    state: Mutex<State>,
    /// The ticker of a scan of several datasets, which shows datasets done / total.
    datasets_ticker: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Debug, Default)]
struct State {
    shown: bool,
    dataset: String,
    files: usize,
    bytes: u64,
    /// Rows of the dataset: known from Parquet footers or the first pass, estimated for CSV.
    rows: Option<u64>,
    pass: usize,
    /// Datasets in the scan, and how many are done: with more than one the bar counts
    /// datasets, not one dataset's rows.
    total: usize,
    done: usize,
}

impl Progress {
    pub fn new(io: Arc<IoCounters>) -> Self {
        let show_after = std::env::var("READINESS_PROGRESS_AFTER_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(Duration::from_secs(1), Duration::from_millis);
        Self {
            bar: ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()),
            io,
            started: Instant::now(),
            show_after,
            state: Mutex::new(State::default()),
            datasets_ticker: Mutex::new(None),
        }
    }

    /// The scan profiles `total` datasets: with more than one, the bar shows datasets done /
    /// total and the dataset started last, until [`Self::finish`].
    pub fn datasets(self: &Arc<Self>, total: usize) {
        {
            let mut state = self.state.lock().expect("progress lock poisoned");
            state.total = total;
            state.done = 0;
        }
        if total <= 1 {
            return;
        }
        let template = "{spinner} {pos}/{len} datasets [{bar:24}] · {msg} · {elapsed} · ETA {eta}";
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_length(total as u64);
        self.bar.set_position(0);
        self.bar.reset_eta();
        let progress = self.clone();
        let ticker = tokio::spawn(async move {
            loop {
                progress.tick_datasets();
                tokio::time::sleep(TICK).await;
            }
        });
        *self.datasets_ticker.lock().expect("progress lock poisoned") = Some(ticker);
    }

    /// One more dataset of the scan is done.
    pub fn dataset_done(&self) {
        let mut state = self.state.lock().expect("progress lock poisoned");
        state.done += 1;
        self.bar.set_position(state.done as u64);
    }

    fn tick_datasets(&self) {
        let (read, _) = self.io.read();
        let mut state = self.state.lock().expect("progress lock poisoned");
        if !state.shown && self.started.elapsed() >= self.show_after {
            state.shown = true;
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        self.bar
            .set_message(format!("{} · {} read", state.dataset, HumanBytes(read)));
        self.bar.tick();
    }

    /// A new dataset starts: its files, bytes and (where known) rows.
    pub fn dataset(&self, name: &str, files: usize, bytes: u64, rows: Option<u64>) {
        let mut state = self.state.lock().expect("progress lock poisoned");
        *state = State {
            shown: state.shown,
            dataset: crate::humanize::printable(name),
            files,
            bytes,
            rows,
            pass: 0,
            total: state.total,
            done: state.done,
        };
    }

    /// The dataset's row count, once the first pass has counted it.
    pub fn rows(&self, rows: u64) {
        self.state.lock().expect("progress lock poisoned").rows = Some(rows);
    }

    pub fn finish(&self) {
        if let Some(ticker) = self
            .datasets_ticker
            .lock()
            .expect("progress lock poisoned")
            .take()
        {
            ticker.abort();
        }
        self.bar.finish_and_clear();
    }

    /// Starts a pass: the bar restarts and a ticker follows `plan` until the guard is dropped.
    fn watch(self: &Arc<Self>, plan: Arc<dyn ExecutionPlan>, pass: &str) -> Watch {
        let (prefix, unit_rows) = {
            let mut state = self.state.lock().expect("progress lock poisoned");
            if state.total > 1 {
                // Several datasets: the bar counts datasets (see `datasets`).
                return Watch(None);
            }
            self.io.reset();
            state.pass += 1;
            (
                format!("{} · pass {}: {pass}", state.dataset, state.pass),
                state.rows,
            )
        };
        let template = match unit_rows {
            Some(_) => {
                "{spinner} {prefix} [{bar:24}] {human_pos}/{human_len} rows · {msg} · {elapsed} · ETA {eta}"
            }
            None => {
                "{spinner} {prefix} [{bar:24}] {binary_bytes}/{binary_total_bytes} · {msg} · {elapsed} · ETA {eta}"
            }
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_prefix(prefix);
        self.bar.set_position(0);
        self.bar.reset_eta();
        let progress = self.clone();
        let ticker = tokio::spawn(async move {
            loop {
                progress.tick(plan.as_ref());
                tokio::time::sleep(TICK).await;
            }
        });
        Watch(Some(ticker))
    }

    fn tick(&self, plan: &dyn ExecutionPlan) {
        let (read, opened) = self.io.read();
        let mut state = self.state.lock().expect("progress lock poisoned");
        if !state.shown && self.started.elapsed() >= self.show_after {
            state.shown = true;
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        match state.rows {
            Some(rows) => {
                self.bar.set_length(rows.max(1));
                self.bar.set_position(scanned_rows(plan).min(rows));
            }
            None => {
                self.bar.set_length(state.bytes.max(1));
                self.bar.set_position(read.min(state.bytes));
            }
        }
        self.bar.set_message(format!(
            "{opened}/{} files · {} read",
            state.files,
            HumanBytes(read)
        ));
        self.bar.tick();
    }
}

/// Stops its pass's ticker when dropped.
pub struct Watch(Option<JoinHandle<()>>);

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(ticker) = &self.0 {
            ticker.abort();
        }
    }
}

/// Rows produced so far by the plan's leaves (its scans).
fn scanned_rows(plan: &dyn ExecutionPlan) -> u64 {
    let children = plan.children();
    if children.is_empty() {
        return plan
            .metrics()
            .and_then(|metrics| metrics.output_rows())
            .unwrap_or(0) as u64;
    }
    children
        .iter()
        .map(|child| scanned_rows(child.as_ref()))
        .sum()
}

fn progress_of(frame: &DataFrame) -> Option<Arc<Progress>> {
    frame
        .task_ctx()
        .session_config()
        .get_extension::<Progress>()
}

/// Whether `frame` runs on a Ballista cluster (which takes logical plans only).
pub fn on_cluster(frame: &DataFrame) -> bool {
    #[cfg(feature = "ballista")]
    if frame
        .task_ctx()
        .session_config()
        .get_extension::<crate::cluster::Client>()
        .is_some()
    {
        return true;
    }
    let _ = frame;
    false
}

/// `frame` as the engine it runs on needs it: on a Ballista cluster, with the view of the files
/// it reads ([`crate::cluster`]).
fn for_the_engine(frame: DataFrame) -> DfResult<DataFrame> {
    #[cfg(feature = "ballista")]
    if let Some(cluster) = frame
        .task_ctx()
        .session_config()
        .get_extension::<crate::cluster::Client>()
    {
        return cluster.prepare(frame);
    }
    Ok(frame)
}

/// Runs `frame` to completion as one named pass, followed by the progress bar.
pub async fn collect(frame: DataFrame, pass: &str) -> DfResult<Vec<RecordBatch>> {
    let frame = for_the_engine(frame)?;
    let progress = progress_of(&frame);
    let task = Arc::new(frame.task_ctx());
    let plan = frame.create_physical_plan().await?;
    let _watch = progress.map(|progress| progress.watch(plan.clone(), pass));
    datafusion::physical_plan::collect(plan, task).await
}

/// Starts `frame` as one named pass; the bar follows it while the returned guard lives.
pub async fn stream(
    frame: DataFrame,
    pass: &str,
) -> DfResult<(SendableRecordBatchStream, Option<Watch>)> {
    let frame = for_the_engine(frame)?;
    let progress = progress_of(&frame);
    let task = Arc::new(frame.task_ctx());
    let plan = frame.create_physical_plan().await?;
    let watch = progress.map(|progress| progress.watch(plan.clone(), pass));
    Ok((execute_stream(plan, task)?, watch))
}

/// The number of rows of `frame`, as one named pass.
pub async fn count(frame: DataFrame, pass: &str) -> DfResult<u64> {
    use datafusion::functions_aggregate::expr_fn::count;
    use datafusion::logical_expr::lit;
    let batches = collect(frame.aggregate(vec![], vec![count(lit(1i64))])?, pass).await?;
    Ok(batches.first().map_or(0, |batch| {
        crate::profile::value::count_at(batch.column(0), 0)
    }))
}
