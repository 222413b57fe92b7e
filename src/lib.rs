//! readiness: a data readiness profiler.
//!
//! Data flows one way through four layers:
//! [`source`] (paths, object stores, listing, file metadata) ->
//! [`profile`] (DataFusion passes producing typed [`metrics`]) ->
//! [`check`] (thresholds turned into findings and verdicts) ->
//! [`report`] (terminal, JSON, HTML).
//! A layer reads only the typed output of the one before it: nothing in `report` runs a query,
//! nothing in `profile` knows how its figures are displayed.

pub mod benchdata;
pub mod check;
pub mod cli;
#[cfg(feature = "ballista")]
pub mod cluster;
pub mod dimensions;
pub mod error;
pub mod history;
pub mod humanize;
pub mod job;
pub mod metrics;
pub mod profile;
pub mod progress;
pub mod project;
pub mod report;
pub mod scan;
pub mod source;

pub use error::ReadinessError;
pub use scan::{ScanOptions, scan};
