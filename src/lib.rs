//! cxsim: a contact-center discrete-event simulator.
//!
//! A TOML scenario is loaded in two stages — [`scenario::raw`] (serde structs that mirror the
//! file) and [`scenario::compile`] (names resolved to dense ids, distributions built, every
//! rule checked) — into an immutable [`scenario::Scenario`]. After that nothing can fail on
//! user input. One replication runs on one thread in an [`engine::Engine`]: an event loop over
//! a binary heap ordered by `(time, rank, seq)`, contacts in a slab, agents in a `Vec`, one
//! random stream per source of randomness, routing through a [`routing::RoutingPolicy`] and
//! statistics through a [`stats::Observer`]. A [`sweep`] runs replications in parallel, collects
//! them in replication order and folds them serially into a [`summary::Summary`], so results are
//! bit-identical for any thread count. [`report`] turns a summary into a terminal table and a
//! results folder; [`erlang`] gives the exact Erlang B, C and A figures to compare against.
//!
//! ```text
//! scenario.toml ─► raw ─► compile ─► Scenario ─► replications (rayon) ─► RepOutput[] ─► Summary ─► report
//! ```
//!
//! # Example
//!
//! ```
//! use cxsim::scenario::from_toml_str;
//! use cxsim::summary::ScopeKind;
//! use cxsim::sweep::{run, SweepOptions};
//!
//! let scenario = from_toml_str(r#"
//!     [simulation]
//!     horizon = "8h"
//!     warmup = "1h"
//!     replications = 8
//!
//!     [[contact_types]]
//!     name = "billing"
//!     arrivals = { rate = "360/h" }
//!     handle_time = { dist = "exponential", mean = "4m" }
//!     patience = { dist = "exponential", mean = "3m" }
//!
//!     [[agent_groups]]
//!     name = "team"
//!     serves = ["billing"]
//!     headcount = 26
//! "#, "inline.toml", "inline", std::path::Path::new(".")).expect("a valid scenario");
//!
//! let summary = run(&scenario, SweepOptions { threads: 2 }, &|| {}).expect("runs");
//! let billing = summary.scope(ScopeKind::Type, "billing").unwrap();
//! let abandon = billing.get("p_abandon").unwrap();
//! // One type, one group, exponential times: an Erlang A model, so theory is attached.
//! let exact = abandon.theory.unwrap();
//! assert!((abandon.estimate.mean - exact).abs() < 4.0 * abandon.estimate.half_width.max(1e-3));
//! ```

pub mod arrivals;
pub mod assist;
pub mod assumptions;
pub mod calendar;
pub mod calibrate;
pub mod cli;
pub mod compare;
pub mod cost;
pub mod dist;
pub mod engine;
pub mod erlang;
pub mod explain;
pub mod forecast;
pub mod metrics;
pub mod precision;
pub mod report;
pub mod risk;
pub mod rng;
pub mod routing;
pub mod scenario;
pub mod selection;
pub mod shard;
pub mod staffing;
pub mod stats;
pub mod summary;
pub mod sweep;
pub mod time;
pub mod validate;
pub mod workforce;
