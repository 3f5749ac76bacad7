//! cxsim: a contact-center discrete-event simulator.
pub mod arrivals;
pub mod cli;
pub mod dist;
pub mod engine;
pub mod erlang;
pub mod report;
pub mod rng;
pub mod routing;
pub mod scenario;
pub mod stats;
pub mod summary;
pub mod sweep;
pub mod time;
