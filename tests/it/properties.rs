//! Properties that hold for every scenario (proptest): contacts are conserved, no agent serves
//! two contacts at once, queues are FIFO, agents serve only their group's types, occupancy is a
//! fraction, and simulated time never decreases.

use super::support::scenario;
use cxsim::engine::Engine;
use cxsim::engine::contact::ContactKey;
use cxsim::engine::event::AgentId;
use cxsim::routing::Policy;
use cxsim::scenario::{GroupId, Scenario, TypeId};
use cxsim::stats::{Collector, ContactInfo, Observer};
use proptest::prelude::*;
use std::collections::{BTreeMap, VecDeque};

/// An observer that checks invariants as the engine runs and records violations.
#[derive(Default)]
struct Checker {
    serves: Vec<Vec<TypeId>>,
    last_time: f64,
    busy: BTreeMap<AgentId, ContactKey>,
    waiting: Vec<VecDeque<ContactKey>>,
    violations: Vec<String>,
}

impl Checker {
    fn new(sc: &Scenario) -> Self {
        Self {
            serves: sc.agent_groups.iter().map(|g| g.serves.clone()).collect(),
            waiting: vec![VecDeque::new(); sc.contact_types.len()],
            ..Self::default()
        }
    }

    fn tick(&mut self, now: f64) {
        if now < self.last_time {
            self.violations
                .push(format!("time went back from {} to {now}", self.last_time));
        }
        self.last_time = now;
    }

    fn leave_queue(&mut self, c: &ContactInfo) {
        let q = &mut self.waiting[c.ty.index()];
        if let Some(pos) = q.iter().position(|k| *k == c.key) {
            q.remove(pos);
        }
    }
}

impl Observer for Checker {
    fn on_start(&mut self, _replication: u32) {
        self.last_time = 0.0;
        self.busy.clear();
        for q in &mut self.waiting {
            q.clear();
        }
    }
    fn on_arrival(&mut self, now: f64, c: &ContactInfo) {
        self.tick(now);
        if c.arrival != now {
            self.violations.push("arrival time differs from event time".into());
        }
    }
    fn on_enqueue(&mut self, now: f64, c: &ContactInfo) {
        self.tick(now);
        self.waiting[c.ty.index()].push_back(c.key);
    }
    fn on_answer(&mut self, now: f64, c: &ContactInfo, agent: AgentId, group: GroupId, _handle: f64) {
        self.tick(now);
        if let Some(other) = self.busy.insert(agent, c.key) {
            self.violations
                .push(format!("agent {agent:?} answered {:?} while serving {other:?}", c.key));
        }
        if !self.serves[group.index()].contains(&c.ty) {
            self.violations
                .push(format!("group {group:?} served type {:?} it does not serve", c.ty));
        }
        let q = &mut self.waiting[c.ty.index()];
        if q.contains(&c.key) {
            if q.front() != Some(&c.key) {
                self.violations.push(format!(
                    "type {:?}: answered {:?} ahead of older {:?}",
                    c.ty,
                    c.key,
                    q.front()
                ));
            }
            self.leave_queue(c);
        }
        if now < c.arrival {
            self.violations.push("answered before arrival".into());
        }
    }
    fn on_abandon(&mut self, now: f64, c: &ContactInfo) {
        self.tick(now);
        self.leave_queue(c);
    }
    fn on_cleared(&mut self, now: f64, c: &ContactInfo) {
        self.tick(now);
        self.leave_queue(c);
    }
    fn on_service_end(&mut self, now: f64, c: &ContactInfo, agent: AgentId, _group: GroupId) {
        self.tick(now);
        if self.busy.remove(&agent) != Some(c.key) {
            self.violations
                .push(format!("agent {agent:?} ended a contact it was not serving"));
        }
    }
    fn on_interval(&mut self, now: f64, _index: u32) {
        self.tick(now);
    }
    fn on_close(&mut self, now: f64) {
        self.tick(now);
    }
}

/// A random small scenario: 1–3 types, 1–3 groups, per-interval rates and headcounts (zeros
/// included), optional patience and capacity, either closing rule.
fn arb_scenario() -> impl Strategy<Value = String> {
    let types = 1usize..=3;
    let groups = 1usize..=3;
    (types, groups, 1usize..=4, 0..i64::MAX, any::<bool>()).prop_flat_map(|(nt, ng, ni, seed, clear)| {
        let type_s = prop::collection::vec(
            (
                prop::collection::vec(0.0f64..0.08, ni),
                prop_oneof![
                    Just("exponential"),
                    Just("lognormal"),
                    Just("constant"),
                    Just("uniform")
                ],
                10.0f64..400.0,
                prop::option::of(1.0f64..600.0),
                prop::option::of(0u32..4),
            ),
            nt,
        );
        let group_s = prop::collection::vec(
            (
                prop::collection::vec(0u32..4, ni),
                prop::collection::vec(any::<bool>(), nt),
            ),
            ng,
        );
        (type_s, group_s).prop_map(move |(ts, gs)| {
            let mut s = format!(
                "[simulation]\nhorizon = {}\ninterval = 600\nseed = {seed}\nreplications = 2\nclosing = \"{}\"\n",
                600 * ni,
                if clear { "clear" } else { "serve" }
            );
            for (i, (rates, dist, mean, patience, cap)) in ts.iter().enumerate() {
                let rates: Vec<String> = rates.iter().map(|r| format!("{r:?}")).collect();
                let handle = match *dist {
                    "lognormal" => format!("{{ dist = \"lognormal\", mean = {mean:?}, cv = 0.9 }}"),
                    "constant" => format!("{{ dist = \"constant\", value = {mean:?} }}"),
                    "uniform" => format!("{{ dist = \"uniform\", min = 0, max = {mean:?} }}"),
                    _ => format!("{{ dist = \"exponential\", mean = {mean:?} }}"),
                };
                s += &format!(
                    "[[contact_types]]\nname = \"t{i}\"\narrivals = {{ rates = [{}] }}\nhandle_time = {handle}\n",
                    rates.join(", ")
                );
                if let Some(p) = patience {
                    s += &format!("patience = {{ dist = \"exponential\", mean = {p:?} }}\n");
                }
                if let Some(c) = cap {
                    s += &format!("queue_capacity = {c}\n");
                }
            }
            for (g, (heads, serve)) in gs.iter().enumerate() {
                let mut served: Vec<String> = (0..nt).filter(|t| serve[*t]).map(|t| format!("\"t{t}\"")).collect();
                // Every type must be served: the first group serves whatever nobody else does.
                if g == 0 {
                    served = (0..nt)
                        .filter(|t| serve[*t] || !gs.iter().skip(1).any(|(_, sv)| sv[*t]))
                        .map(|t| format!("\"t{t}\""))
                        .collect();
                }
                if served.is_empty() {
                    served.push("\"t0\"".into());
                }
                let heads: Vec<String> = heads.iter().map(u32::to_string).collect();
                s += &format!(
                    "[[agent_groups]]\nname = \"g{g}\"\nserves = [{}]\nheadcount = [{}]\n",
                    served.join(", "),
                    heads.join(", ")
                );
            }
            s
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_scenario_conserves_contacts_and_keeps_its_invariants(toml in arb_scenario()) {
        let sc = scenario(&toml);
        let observer = (Collector::new(&sc), Checker::new(&sc));
        let mut engine = Engine::with(&sc, Policy::default(), observer);
        for rep in 0..2 {
            engine.run(rep);
            let (collector, checker) = engine.observer();
            prop_assert!(checker.violations.is_empty(), "{:?}\n{toml}", checker.violations);
            let out = collector.output(engine.events_processed());
            for t in 0..sc.contact_types.len() {
                let c = out.type_intervals(t).iter().fold(cxsim::stats::TypeCounts::default(), |mut a, b| { a.add(b); a });
                let accounted = c.answered + c.abandoned + c.blocked + c.cleared + out.in_system_at_end[t];
                prop_assert_eq!(c.offered, accounted, "type {} of\n{}", t, toml);
                prop_assert!(c.waited <= c.offered - c.blocked);
            }
            for g in 0..sc.agent_groups.len() {
                for i in out.group_intervals(g) {
                    prop_assert!(i.busy_time <= i.present_time * (1.0 + 1e-12) + 1e-9, "busy {} > present {}", i.busy_time, i.present_time);
                }
            }
            if sc.closing == cxsim::scenario::Closing::Clear {
                prop_assert!(out.in_system_at_end.iter().all(|n| *n == 0) || sc.contact_types.iter().any(|t| t.patience.is_none()));
            }
        }
    }
}
