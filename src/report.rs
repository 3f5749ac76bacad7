//! Reports read only the [`Summary`] and the resolved [`Scenario`], never the engine: the
//! terminal table, the results folder (`summary.csv`, `intervals.csv`,
//! `replications.csv`, `summary.json`, `run.toml`), written atomically, and the report made
//! from a results folder (`report.html`, `plots/`).

pub mod csv;
pub mod files;
pub mod html;
pub mod json;
pub mod plot;
pub mod table;

pub use files::{RunInfo, write_results};
