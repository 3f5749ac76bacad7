//! Hand-built scenarios whose answer is known exactly: the tie between a service end and a
//! patience deadline, FIFO across contact types, the default routing rule, occupancy after a
//! warm-up, and the service level that leaves out short abandons. Each pins one rule that no statistical comparison
//! sees sharply enough.

use super::support::{run, scenario};
use cxsim::engine::Engine;
use cxsim::engine::event::AgentId;
use cxsim::routing::{LongestIdleFifo, Policy, RoutingPolicy, View};
use cxsim::scenario::{GroupId, TypeId};
use cxsim::stats::{Collector, ContactInfo, Observer};
use cxsim::summary::ScopeKind;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

/// Every contact of this scenario arrives within the first 5e-14 s (about three of them), has a
/// 1000 s handle time and a 1000 s patience. In floating point 1000 + t = 1000 for t < 5.7e-14,
/// so the first contact's service end and the others' patience deadlines all fall on exactly
/// t = 1000 s: a tie between a service end and abandonments, built without any luck.
const TIE: &str = r#"
[simulation]
horizon = 5e-14
interval = 5e-14
seed = 11
replications = 1

[[contact_types]]
name = "c"
arrivals = { rate = 6e13 }
handle_time = { dist = "constant", value = 1000 }
patience = { dist = "constant", value = 1000 }

[[agent_groups]]
name = "g"
serves = ["c"]
headcount = 1
"#;

/// Records answers and abandonments with their times.
#[derive(Default)]
struct Outcomes {
    answered: Vec<(f64, f64)>,
    abandoned: Vec<(f64, f64)>,
}

impl Observer for Outcomes {
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _agent: AgentId, _group: GroupId, _handle: f64) {
        self.answered.push((c.arrival, now));
    }
    fn on_abandon(&mut self, now: f64, c: &ContactInfo) {
        self.abandoned.push((c.arrival, now));
    }
}

#[test]
fn an_agent_freed_at_a_patience_deadline_answers_the_contact_before_it_leaves() {
    let sc = scenario(TIE);
    let mut engine = Engine::with(&sc, Policy::default(), Outcomes::default());
    engine.run(0);
    let o = engine.observer();
    let offered = o.answered.len() + o.abandoned.len();
    assert!(
        offered >= 3,
        "the seed should give at least three arrivals, got {offered}"
    );
    // The first contact is answered at once; its service ends at exactly 1000 s, the instant
    // the second one's patience runs out. The service end ranks first, so the freed agent
    // answers the second contact at 1000 s; the rest abandon at 1000 s.
    assert_eq!(o.answered.len(), 2, "{:?}", o.answered);
    assert!(o.answered[0].1 < 1e-12);
    assert_eq!(o.answered[1].1, 1000.0);
    assert_eq!(o.abandoned.len(), offered - 2);
    assert!(o.abandoned.iter().all(|(_, t)| *t == 1000.0));
    // The summary agrees: p_abandon = (offered − 2) / offered.
    let s = run(&sc, 1);
    let t = s.scope(ScopeKind::Type, "c").unwrap();
    assert_eq!(t.get("answered").unwrap().estimate.mean, 2.0);
    assert_eq!(
        t.get("p_abandon").unwrap().estimate.mean,
        (offered - 2) as f64 / offered as f64
    );
}

/// Checks, at every answer taken from a queue, that it was the oldest contact waiting among
/// all the types the agent's group serves (ties: the type listed first).
struct CrossTypeFifo {
    serves: Vec<Vec<TypeId>>,
    queues: Vec<VecDeque<(f64, u64)>>,
    checked: u32,
    violations: Vec<String>,
}

impl Observer for CrossTypeFifo {
    fn on_enqueue(&mut self, _now: f64, c: &ContactInfo) {
        self.queues[c.ty.index()].push_back((c.arrival, c.journey));
    }
    fn on_abandon(&mut self, _now: f64, c: &ContactInfo) {
        self.queues[c.ty.index()].retain(|(_, j)| *j != c.journey);
    }
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _agent: AgentId, group: GroupId, _handle: f64) {
        let q = &mut self.queues[c.ty.index()];
        let Some(pos) = q.iter().position(|(_, j)| *j == c.journey) else {
            return; // answered on arrival
        };
        q.remove(pos);
        self.checked += 1;
        for ty in &self.serves[group.index()] {
            if let Some((older, j)) = self.queues[ty.index()].front()
                && *older < c.arrival
            {
                self.violations.push(format!(
                    "at {now:.3}: answered #{} (arrived {:.3}) ahead of #{j} of type {} (arrived {older:.3})",
                    c.journey,
                    c.arrival,
                    ty.index()
                ));
            }
        }
    }
}

#[test]
fn a_freed_agent_takes_the_oldest_contact_across_the_types_it_serves() {
    // Two types share one overloaded agent, so both queues are long and their heads differ
    // in age at almost every service end.
    let sc = scenario(
        r#"
[simulation]
horizon = "4h"
interval = "4h"
seed = 5
replications = 1

[[contact_types]]
name = "x"
arrivals = { rate = "40/h" }
handle_time = { dist = "constant", value = "100s" }
patience = { dist = "exponential", mean = "20m" }

[[contact_types]]
name = "y"
arrivals = { rate = "20/h" }
handle_time = { dist = "constant", value = "100s" }

[[agent_groups]]
name = "g"
serves = ["x", "y"]
headcount = 1
"#,
    );
    let observer = CrossTypeFifo {
        serves: sc.agent_groups.iter().map(|g| g.serves.clone()).collect(),
        queues: vec![VecDeque::new(); 2],
        checked: 0,
        violations: Vec::new(),
    };
    let mut engine = Engine::with(&sc, Policy::default(), observer);
    engine.run(0);
    let o = engine.observer();
    assert!(o.checked > 100, "only {} answers from a queue", o.checked);
    assert!(
        o.violations.is_empty(),
        "{}",
        o.violations[..o.violations.len().min(5)].join("\n")
    );
}

#[test]
fn occupancy_and_staffing_cover_only_the_time_after_the_warm_up() {
    // Nobody arrives in the first interval; from 600 s contacts arrive, the first one takes
    // the only agent for a million seconds and the rest are blocked. After the warm-up
    // (900 s) the agent is busy all the time: occupancy exactly 1 and one agent on average,
    // over the whole period and in each measured interval. (Counting the warm-up, occupancy
    // would be about 2/3.)
    let s = run(
        &scenario(
            r#"
[simulation]
horizon = "30m"
interval = "10m"
warmup = "15m"
seed = 2
replications = 3

[[contact_types]]
name = "c"
arrivals = { rates = [0, "1/s", "1/s"] }
handle_time = { dist = "constant", value = 1e6 }
queue_capacity = 0

[[agent_groups]]
name = "g"
serves = ["c"]
headcount = 1
"#,
        ),
        1,
    );
    // The contact holding the agent arrived in the warm-up, so it is not counted: every
    // contact that is counted was blocked.
    let t = s.scope(ScopeKind::Type, "c").unwrap();
    assert_eq!(t.get("answered").unwrap().estimate.mean, 0.0);
    assert_eq!(t.get("p_blocked").unwrap().estimate.mean, 1.0);
    let g = s.scope(ScopeKind::Group, "g").unwrap();
    let close = |x: f64, want: f64, what: &str| assert!((x - want).abs() < 1e-12, "{what}: {x} vs {want}");
    close(g.get("occupancy").unwrap().estimate.mean, 1.0, "occupancy");
    close(g.get("mean_agents").unwrap().estimate.mean, 1.0, "mean agents");
    let k = g.interval_metrics.iter().position(|m| m == "occupancy").unwrap();
    assert_eq!(s.intervals.len(), 2, "intervals 1 and 2 are measured");
    for row in &g.intervals {
        close(row[k].mean, 1.0, "interval occupancy");
    }
}

/// Counts, per the definitions in `summary.rs`, what the service-level figures should be.
#[derive(Default)]
struct ServiceLevels {
    offered: u64,
    answered: u64,
    answered_within: u64,
    abandoned: u64,
    abandoned_within: u64,
    wait_answered: f64,
    wait_abandoned: f64,
}

impl Observer for ServiceLevels {
    fn on_arrival(&mut self, _now: f64, _c: &ContactInfo) {
        self.offered += 1;
    }
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _agent: AgentId, _group: GroupId, _handle: f64) {
        let w = now - c.arrival;
        self.answered += 1;
        self.answered_within += u64::from(w <= 20.0);
        self.wait_answered += w;
    }
    fn on_abandon(&mut self, now: f64, c: &ContactInfo) {
        let w = now - c.arrival;
        self.abandoned += 1;
        self.abandoned_within += u64::from(w <= 20.0);
        self.wait_abandoned += w;
    }
}

#[test]
fn service_levels_count_short_abandons_as_the_definitions_say() {
    // Patience uniform on [0, 40 s] against a 20 s threshold: about half the abandons are
    // short (left out of sl_excl_short_abandons) and half long (misses).
    let sc = scenario(
        r#"
[simulation]
horizon = "8h"
interval = "8h"
seed = 9
replications = 1

[[contact_types]]
name = "c"
arrivals = { rate = "100/h" }
handle_time = { dist = "exponential", mean = "40s" }
patience = { dist = "uniform", min = 0, max = 40 }
sl_threshold = 20

[[agent_groups]]
name = "g"
serves = ["c"]
headcount = 1
"#,
    );
    let mut engine = Engine::with(&sc, Policy::default(), ServiceLevels::default());
    engine.run(0);
    let c = engine.observer();
    let long = c.abandoned - c.abandoned_within;
    assert!(
        c.abandoned_within > 50 && long > 50,
        "{} short, {long} long abandons",
        c.abandoned_within
    );
    let s = run(&sc, 1);
    let t = s.scope(ScopeKind::Type, "c").unwrap();
    let f = |m: &str| t.get(m).unwrap().estimate.mean;
    let (offered, within) = (c.offered as f64, c.answered_within as f64);
    let close = |x: f64, want: f64, what: &str| {
        assert!((x - want).abs() <= 1e-12 * want.abs(), "{what}: {x} vs {want}");
    };
    assert_eq!(f("offered"), offered);
    close(f("sl_offered_20s"), within / offered, "sl_offered");
    close(f("sl_answered_20s"), within / c.answered as f64, "sl_answered");
    close(
        f("sl_excl_short_abandons_20s"),
        within / (offered - c.abandoned_within as f64),
        "sl_excl_short_abandons",
    );
    close(f("asa_answered_s"), c.wait_answered / c.answered as f64, "asa_answered");
    close(
        f("mean_wait_abandoned_s"),
        c.wait_abandoned / c.abandoned as f64,
        "mean_wait_abandoned",
    );
    close(
        f("asa_all_s"),
        (c.wait_answered + c.wait_abandoned) / (c.answered + c.abandoned) as f64,
        "asa_all",
    );
}

/// The default collector and a second observer see the same replication.
#[test]
fn the_collector_counts_what_an_observer_sees() {
    let sc = scenario(TIE);
    let mut engine = Engine::with(&sc, Policy::default(), (Collector::new(&sc), Outcomes::default()));
    engine.run(0);
    let (collector, outcomes) = engine.observer();
    let out = collector.output(engine.events_processed());
    let c = &out.type_intervals(0)[0];
    assert_eq!(c.answered as usize, outcomes.answered.len());
    assert_eq!(c.abandoned as usize, outcomes.abandoned.len());
}

/// Wraps the default policy and checks each of its decisions against the documented rule,
/// computed independently from the view: a ready contact goes to the agent idle longest among
/// all groups serving it (ties: the group listed first, then the agent idle first); a free
/// agent takes the contact waiting longest among the types its group serves (ties: the type
/// listed first).
#[derive(Default)]
struct Audit {
    agent_decisions: u64,
    queue_decisions: u64,
    tied: u64,
    violations: Vec<String>,
}

/// The default policy with its decisions recorded into a shared [`Audit`].
struct Audited(Rc<RefCell<Audit>>);

impl RoutingPolicy for Audited {
    fn select_agent(&mut self, view: &View<'_>, ty: TypeId, arrival: f64) -> Option<AgentId> {
        let got = LongestIdleFifo.select_agent(view, ty, arrival);
        let mut want: Option<(AgentId, f64)> = None;
        let mut ties = 0;
        for g in view.groups_serving(ty) {
            for (a, since) in view.idle_agents(*g) {
                match want {
                    Some((_, best)) if since == best => ties += 1,
                    Some((_, best)) if since > best => {}
                    _ => want = Some((a, since)),
                }
            }
        }
        let mut audit = self.0.borrow_mut();
        audit.agent_decisions += 1;
        audit.tied += u64::from(ties > 0);
        if got != want.map(|(a, _)| a) {
            audit.violations.push(format!(
                "at {}: chose agent {got:?}, the rule says {want:?}",
                view.now()
            ));
        }
        got
    }

    fn select_queue(&mut self, view: &View<'_>, agent: AgentId) -> Option<TypeId> {
        let got = LongestIdleFifo.select_queue(view, agent);
        let mut want: Option<(TypeId, f64)> = None;
        for ty in view.types_served(view.group_of(agent)) {
            if let Some(t) = view.oldest_waiting(*ty)
                && want.is_none_or(|(_, best)| t < best)
            {
                want = Some((*ty, t));
            }
        }
        let mut audit = self.0.borrow_mut();
        audit.queue_decisions += 1;
        if got != want.map(|(t, _)| t) {
            audit
                .violations
                .push(format!("at {}: took type {got:?}, the rule says {want:?}", view.now()));
        }
        got
    }
}

#[test]
fn the_default_policy_routes_by_longest_idle_and_oldest_waiting_as_documented() {
    let sc = cxsim::scenario::load(std::path::Path::new("scenarios/day_profile.toml")).expect("scenario loads");
    let audit = Rc::new(RefCell::new(Audit::default()));
    let mut engine = Engine::with(&sc, Audited(audit.clone()), cxsim::stats::NoObserver);
    for rep in 0..3 {
        engine.run(rep);
    }
    let p = audit.borrow();
    assert!(p.agent_decisions > 1000 && p.queue_decisions > 1000);
    // Agents coming on duty together are idle since the same instant: ties happen.
    assert!(p.tied > 0, "no tie between idle agents");
    assert!(
        p.violations.is_empty(),
        "{}",
        p.violations[..p.violations.len().min(5)].join("\n")
    );
}

#[test]
fn events_at_the_same_instant_and_rank_leave_in_the_order_they_were_scheduled() {
    use cxsim::engine::event::{EventKind, EventQueue};
    // Two agents freed at the same instant take waiting work in the order their service ends
    // were scheduled; the heap alone would not keep that order.
    let mut q = EventQueue::with_capacity(4);
    let ends = [3u32, 0, 7, 1, 5, 2, 6, 4];
    for (i, a) in ends.iter().enumerate() {
        q.push(
            1.0,
            EventKind::Abandon {
                contact: cxsim::engine::contact::ContactKey {
                    index: i as u32,
                    generation: 0,
                },
            },
        );
        q.push(
            1.0,
            EventKind::ServiceEnd {
                agent: AgentId(*a),
                serial: 100 + i as u32,
            },
        );
    }
    let popped: Vec<EventKind> = std::iter::from_fn(|| q.pop()).map(|e| e.kind()).collect();
    let agents: Vec<u32> = popped
        .iter()
        .filter_map(|k| match k {
            EventKind::ServiceEnd { agent, .. } => Some(agent.0),
            _ => None,
        })
        .collect();
    let abandons: Vec<u32> = popped
        .iter()
        .filter_map(|k| match k {
            EventKind::Abandon { contact } => Some(contact.index),
            _ => None,
        })
        .collect();
    assert_eq!(agents, ends, "service ends in scheduling order");
    assert_eq!(abandons, (0..8).collect::<Vec<_>>(), "abandonments in scheduling order");
    // And every service end before every abandonment at that instant.
    assert!(popped[..8].iter().all(|k| matches!(k, EventKind::ServiceEnd { .. })));
}
