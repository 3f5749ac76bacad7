//! A routing policy of your own, run as a full sweep (parallel replications, confidence
//! intervals, bit-identical for any thread count): each contact goes to the group listed
//! *last* among those serving it (e.g. specialists), falling back to the others; agents pick
//! work FIFO.
//!
//! `cargo run --release --example custom_policy`

use cxsim::engine::event::AgentId;
use cxsim::routing::{LongestIdleFifo, RoutingPolicy, View};
use cxsim::scenario::TypeId;
use cxsim::summary::ScopeKind;
use cxsim::sweep::{self, SweepOptions};
use std::path::Path;

/// Sends each contact to the last group serving it that has an idle agent.
struct LastGroupFirst;

impl RoutingPolicy for LastGroupFirst {
    fn select_agent(&mut self, view: &View<'_>, ty: TypeId, _arrival: f64) -> Option<AgentId> {
        view.groups_serving(ty)
            .iter()
            .rev()
            .find_map(|g| view.longest_idle(*g))
            .map(|(a, _)| a)
    }

    fn select_queue(&mut self, view: &View<'_>, agent: AgentId) -> Option<TypeId> {
        LongestIdleFifo.select_queue(view, agent)
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sc = cxsim::scenario::load(Path::new("scenarios/day_profile.toml"))?;
    let summary = sweep::run_with_policy(&sc, SweepOptions { threads: 4 }, || LastGroupFirst, &|| {})?;
    for scope in ["billing", "tech"] {
        let asa = summary
            .scope(ScopeKind::Type, scope)
            .and_then(|s| s.get("asa_all_s"))
            .ok_or("figure missing")?;
        println!(
            "{scope}: ASA {:.1}s ± {:.1}s",
            asa.estimate.mean, asa.estimate.half_width
        );
    }
    Ok(())
}
