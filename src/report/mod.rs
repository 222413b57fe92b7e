//! Reports: the measured result shown to people (terminal) and machines (JSON).
//!
//! Invariant: nothing here runs a query or reads the data; every figure comes from the typed
//! [`crate::metrics::ScanResult`].

pub mod charts;
pub mod html;
pub mod json;
pub mod openlineage;
pub mod output;
pub mod terminal;
