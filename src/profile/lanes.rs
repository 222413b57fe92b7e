//! How many datasets are profiled at once.
//!
//! A scan of many small tables is bound by per-dataset work that runs on one core (a small
//! file is one partition to DataFusion), so datasets are profiled side by side, one lane each,
//! on the scan's one engine. The width is the number of cores (four times that when a dataset
//! is in an object store, where much of a dataset's time is waiting for requests).
//!
//! Invariant: a big dataset still gets every core. It takes every lane, so it runs alone:
//! DataFusion already spreads it over all cores. A dataset also takes as many lanes as its
//! share of the memory pool asks for (the sets that grow with its rows, against half the
//! pool, as [`super::set_bytes`] counts them), so the datasets in flight never plan to hold
//! more than the pool. Lanes are granted first come, first served.

use std::num::NonZeroUsize;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::ProfileOptions;
use super::engine::default_memory_ceiling;
use crate::source::DatasetPlan;

/// A dataset of at least this many bytes is big: DataFusion splits its files over every core.
pub const BIG_DATASET_BYTES: u64 = 64 * 1024 * 1024;

/// Lanes per core when any dataset is in an object store.
const REMOTE_LANES_PER_CORE: usize = 4;

/// The lanes of one scan.
#[derive(Clone)]
pub struct Lanes {
    width: usize,
    free: Arc<Semaphore>,
}

impl Lanes {
    /// Lanes for profiling `plans` on this machine.
    pub fn new<'a>(plans: impl IntoIterator<Item = &'a DatasetPlan>) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        let remote = plans
            .into_iter()
            .any(|plan| plan.location.store_url.scheme() != "file");
        let width = match remote {
            true => cores * REMOTE_LANES_PER_CORE,
            false => cores,
        };
        Self::with_width(width)
    }

    pub fn with_width(width: usize) -> Self {
        let width = width.max(1);
        Self {
            width,
            free: Arc::new(Semaphore::new(width)),
        }
    }

    /// How many datasets may be in flight at most.
    pub fn width(&self) -> usize {
        self.width
    }

    /// How many lanes a dataset takes: all of them for a big one, otherwise one, or more
    /// when its in-memory sets need a bigger share of the pool.
    pub fn weight(
        &self,
        plan: &DatasetPlan,
        options: &ProfileOptions,
        memory_limit: Option<u64>,
    ) -> usize {
        let bytes: u64 = plan.readable_files().map(|file| file.meta.size).sum();
        if bytes >= BIG_DATASET_BYTES {
            return self.width;
        }
        let pool = memory_limit.or_else(default_memory_ceiling);
        let by_memory = match (pool, super::set_bytes(plan, options)) {
            (Some(pool), Some(need)) if pool > 1 => {
                let share = (pool / 2) / self.width as u64;
                need.div_ceil(share.max(1))
            }
            _ => 1,
        };
        usize::try_from(by_memory)
            .unwrap_or(usize::MAX)
            .clamp(1, self.width)
    }

    /// Waits for the lanes `plan` takes; they are free again when the guard is dropped.
    pub async fn enter(
        &self,
        plan: &DatasetPlan,
        options: &ProfileOptions,
        memory_limit: Option<u64>,
    ) -> OwnedSemaphorePermit {
        let weight = self.weight(plan, options, memory_limit);
        self.free
            .clone()
            .acquire_many_owned(u32::try_from(weight).unwrap_or(u32::MAX))
            .await
            .expect("the lanes' semaphore is never closed")
    }
}
