//! cxsim as a library: load a scenario, run its replications in parallel, read one figure with
//! its 95% confidence interval and the exact Erlang A value beside it.
//!
//! `cargo run --release --example library`

use cxsim::summary::ScopeKind;
use cxsim::sweep::{self, SweepOptions};
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sc = cxsim::scenario::load(Path::new("scenarios/erlang_a.toml"))?;
    let summary = sweep::run(&sc, SweepOptions { threads: 4 }, &|| {})?;
    let service = summary.scope(ScopeKind::Type, "service").ok_or("no type \"service\"")?;
    let p_abandon = service.get("p_abandon").ok_or("no figure p_abandon")?;
    println!(
        "P(abandon) = {:.4} ± {:.4} (Erlang A: {:?})",
        p_abandon.estimate.mean, p_abandon.estimate.half_width, p_abandon.theory
    );
    Ok(())
}
