//! The integration tests of cxsim, in one binary with modules by purpose.

mod alloc;
mod builds;
mod callbacks;
mod chat;
mod cli;
mod demand;
mod determinism;
mod email;
mod engine_seams;
mod errors;
mod estimators;
mod exact;
mod golden;
mod golden_reports;
mod journeys;
mod priorities;
mod properties;
mod resolution;
mod scenarios;
mod self_service;
mod semantics;
mod skills;
mod staffing;
mod support;
mod theory;
mod wrap_up;
