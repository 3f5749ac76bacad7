//! Explaining the gap to Erlang: a chain of scenarios from Erlang's assumptions to the
//! scenario itself, adding one assumption back at a time, each step run on the same
//! replications (common random numbers) so that what each assumption moves is a sharp paired
//! difference.
//!
//! 0. **The formula**: Erlang A (C without patience) in each measured interval, at its arrival
//!    rate (all types pooled), its mean handle time and patience, and its scheduled agents
//!    (all groups of people pooled), weighted by the interval's arrivals.
//! 1. **Erlang's assumptions, simulated over the day**: one pool of agents per channel taking
//!    every contact of the channel first come first served, exponential handle times and
//!    patience with the same means, no after-call work, every scheduled agent on the phones,
//!    no retrials and no repeat contacts — but the day as it is: rates and staffing changing
//!    between intervals and queues carried from one interval to the next. The step from 0 is
//!    what time-varying arrivals and carry-over do (with the scenario's self-service and
//!    channel semantics, where it has them: the formula knows neither).
//! 2. With skills, priorities and routing: each group serving its own types, at its own
//!    proficiency, under the scenario's priorities, routing steps and rules.
//! 3. With the handle-time distributions.
//! 4. With the patience distributions.
//! 5. With after-call work.
//! 6. With shrinkage and breaks: the agents on the phones instead of those scheduled (groups
//!    staffed by shifts keep theirs).
//! 7. With retrials and repeat contacts — which is the scenario itself.
//!
//! Figures are the whole-day service level at the first type's first threshold, ASA over all
//! contacts and the abandonment share, each as the mean of per-replication values (so a
//! step's difference is the difference of the two steps' figures).

use crate::dist::Dist;
use crate::erlang;
use crate::scenario::{Channel, GroupId, RoutingRules, Scenario, TypeId};
use crate::selection::{self, FigureRef, Recorder};
use crate::stats::tally::student_t_975;
use crate::sweep::{self, SweepOptions};

/// One step of the chain with its figures (`[service level, ASA, abandonment]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub label: String,
    /// The mean of each figure (the formula's value for step 0).
    pub values: [f64; 3],
    /// The 95% half-width of each figure (0 for the formula).
    pub half_widths: [f64; 3],
    /// The paired difference from the step before, mean and 95% half-width (`None` for the
    /// first two steps: step 1 is compared with the formula unpaired, by its half-width).
    pub change: Option<[(f64, f64); 3]>,
}

/// The chain.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// `sl_offered_<threshold>`, `asa_all_s`, `p_abandon`.
    pub figures: [String; 3],
    /// "Erlang A" or "Erlang C".
    pub model: &'static str,
    pub steps: Vec<Step>,
    pub replications: u32,
}

type Revert = fn(&mut Scenario);

fn exponential_like(d: &Dist) -> Dist {
    Dist::Exponential { mean: d.mean() }
}

/// One pool per channel, first come first served: every group of people serving a channel
/// serves every type of that channel that people serve, at the type's own handle time and
/// resolution (no proficiency), with no priorities, no routing steps and the default rules.
/// AI pools keep the types they take.
fn revert_skills(sc: &mut Scenario) {
    let people: Vec<bool> = sc.agent_groups.iter().map(|g| g.ai.is_none()).collect();
    let mut pools: Vec<(Channel, Vec<GroupId>)> = Vec::new();
    for t in &sc.contact_types {
        for g in t.served_by.iter().filter(|g| people[g.index()]) {
            match pools.iter_mut().find(|(c, _)| *c == t.channel) {
                Some((_, pool)) if !pool.contains(g) => pool.push(*g),
                Some(_) => {}
                None => pools.push((t.channel, vec![*g])),
            }
        }
    }
    for t in &mut sc.contact_types {
        if t.served_by.iter().any(|g| people[g.index()]) {
            let pool = &pools.iter().find(|(c, _)| *c == t.channel).expect("pooled above").1;
            t.served_by.retain(|g| !people[g.index()]);
            t.served_by.extend(pool);
            t.served_by.sort_unstable();
        }
        t.priority = 0;
        t.queue_credit = 0.0;
        t.priority_aging = 0.0;
        t.route.clear();
    }
    let n_types = sc.contact_types.len();
    for (gi, g) in sc.agent_groups.iter_mut().enumerate() {
        let me = GroupId(gi as u16);
        g.serves = (0..n_types)
            .filter(|t| sc.contact_types[*t].served_by.contains(&me))
            .map(|t| TypeId(t as u16))
            .collect();
        g.proficiency.clear();
        if sc.has_wrap_up {
            // A type new to the group is wrapped up as the type says.
            g.wrap_up.resize(n_types, None);
            for t in &g.serves {
                let own = &mut g.wrap_up[t.index()];
                if own.is_none() {
                    own.clone_from(&sc.contact_types[t.index()].wrap_up);
                }
            }
        }
    }
    sc.routing = RoutingRules::default();
    sc.has_priorities = false;
    sc.has_proficiency = false;
    sc.skills_routing = false;
}

fn revert_handle(sc: &mut Scenario) {
    for t in &mut sc.contact_types {
        t.handle_time = exponential_like(&t.handle_time);
        for d in &mut t.handle_by_interval {
            *d = exponential_like(d);
        }
    }
}

fn revert_patience(sc: &mut Scenario) {
    for t in &mut sc.contact_types {
        if let Some(p) = &t.patience {
            t.patience = Some(exponential_like(p));
        }
        for d in &mut t.patience_by_interval {
            *d = exponential_like(d);
        }
    }
}

fn revert_wrap_up(sc: &mut Scenario) {
    for t in &mut sc.contact_types {
        t.wrap_up = None;
    }
    for g in &mut sc.agent_groups {
        g.wrap_up.clear();
    }
    sc.has_wrap_up = false;
}

fn revert_shrinkage(sc: &mut Scenario) {
    for g in sc
        .agent_groups
        .iter_mut()
        .filter(|g| g.ai.is_none() && g.staffing.is_empty())
    {
        for (h, s) in g.headcount.iter_mut().zip(&g.scheduled) {
            *h = s.round() as u32;
        }
        g.max_headcount = g.headcount.iter().copied().max().unwrap_or(0).max(g.max_headcount);
        g.employees = g.employees.max(g.max_headcount);
    }
}

fn revert_retrials(sc: &mut Scenario) {
    for t in &mut sc.contact_types {
        t.retrial = None;
        t.resolution = None;
    }
}

/// The assumptions added back, in order, with what undoes each.
const STEPS: [(&str, Revert); 6] = [
    ("+ skills, priorities and routing", revert_skills),
    ("+ handle-time distributions", revert_handle),
    ("+ patience distributions", revert_patience),
    ("+ after-call work", revert_wrap_up),
    ("+ shrinkage and breaks", revert_shrinkage),
    ("+ retrials and repeats (the scenario)", revert_retrials),
];

/// The Erlang figures of `sc` (its reverted form), volume-weighted over measured intervals.
fn formula(sc: &Scenario, threshold: f64) -> ([f64; 3], &'static str) {
    let with_patience = sc.contact_types.iter().all(|t| t.patience.is_some());
    let first = sc.interval_of(sc.warmup) as usize;
    let (mut w, mut acc) = (0.0, [0.0; 3]);
    for i in first..sc.n_intervals as usize {
        let rate: f64 = sc.contact_types.iter().map(|t| t.arrival_rates[i]).sum();
        if rate <= 0.0 {
            continue;
        }
        let weighted = |f: &dyn Fn(&crate::scenario::ContactType) -> f64| {
            sc.contact_types.iter().map(|t| t.arrival_rates[i] * f(t)).sum::<f64>() / rate
        };
        let aht = weighted(&|t| t.handle_by_interval.get(i).unwrap_or(&t.handle_time).mean());
        let agents: u32 = sc
            .agent_groups
            .iter()
            .filter(|g| g.ai.is_none())
            .map(|g| g.headcount[i])
            .sum();
        let v = if with_patience {
            let p = weighted(&|t| {
                t.patience_by_interval
                    .get(i)
                    .or(t.patience.as_ref())
                    .map_or(f64::INFINITY, Dist::mean)
            });
            let a = erlang::erlang_a(agents.max(1), rate, aht, p);
            [a.sl_offered(threshold), a.asa_all, a.p_abandon]
        } else {
            match erlang::erlang_c(agents.max(1), rate, aht) {
                Some(c) => [c.service_level(threshold), c.asa, 0.0],
                None => [f64::NAN; 3],
            }
        };
        for k in 0..3 {
            acc[k] += rate * v[k];
        }
        w += rate;
    }
    (acc.map(|x| x / w), if with_patience { "Erlang A" } else { "Erlang C" })
}

fn mean_and_half_width(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    if v.len() < 2 {
        return (m, f64::NAN);
    }
    let var = v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, student_t_975(v.len() as u64 - 1) * (var / n).sqrt())
}

/// Runs the chain on `sc` (see the module docs).
pub fn explain(sc: &Scenario, opts: SweepOptions) -> Result<Explanation, String> {
    let threshold = sc
        .contact_types
        .first()
        .and_then(|t| t.sl_thresholds.first().copied())
        .ok_or("the scenario's first contact type has no service-level threshold")?;
    let figures = [
        format!("sl_offered_{}", crate::metrics::threshold_label(threshold)),
        "asa_all_s".to_owned(),
        "p_abandon".to_owned(),
    ];
    let refs: Vec<FigureRef> = figures.iter().map(|f| FigureRef::parse(f)).collect::<Result<_, _>>()?;
    // Every scenario of the chain: all reverts, then one fewer each step.
    let mut chain = Vec::new();
    for k in 0..=STEPS.len() {
        let mut s = sc.clone();
        for (_, revert) in &STEPS[k..] {
            revert(&mut s);
        }
        chain.push(s);
    }
    selection::validate(sc, &refs)?;
    let mut per_step: Vec<Vec<Vec<f64>>> = Vec::new();
    for s in &chain {
        let mut none = sweep::NoSink;
        let mut rec = Recorder::of(s, refs.clone(), &mut none);
        sweep::run_built_in(s, &sweep::Plan::all(s), opts, &|| {}, &mut rec).map_err(|e| e.to_string())?;
        per_step.push(rec.values);
    }
    let (erlang_values, model) = formula(&chain[0], threshold);
    let mut steps = vec![Step {
        label: format!("{model} per interval (formula)"),
        values: erlang_values,
        half_widths: [0.0; 3],
        change: None,
    }];
    for (k, values) in per_step.iter().enumerate() {
        let stats: Vec<(f64, f64)> = values.iter().map(|v| mean_and_half_width(v)).collect();
        let change = (k > 0).then(|| {
            let mut c = [(0.0, 0.0); 3];
            for (f, slot) in c.iter_mut().enumerate() {
                let d: Vec<f64> = values[f].iter().zip(&per_step[k - 1][f]).map(|(a, b)| a - b).collect();
                let (m, h) = mean_and_half_width(&d);
                *slot = (m, if d.iter().all(|x| *x == 0.0) { 0.0 } else { h });
            }
            c
        });
        steps.push(Step {
            label: if k == 0 {
                "Erlang's assumptions over the day (one pool, FCFS)".to_owned()
            } else {
                STEPS[k - 1].0.to_owned()
            },
            values: [stats[0].0, stats[1].0, stats[2].0],
            half_widths: [stats[0].1, stats[1].1, stats[2].1],
            change,
        });
    }
    Ok(Explanation {
        figures,
        model,
        steps,
        replications: sc.replications,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverting_skills_makes_every_group_of_a_channel_serve_every_type_once() {
        let toml = r#"
name = "three-groups"
[simulation]
horizon = "2h"
[[contact_types]]
name = "a"
arrivals = { rate = "100/h" }
handle_time = { dist = "exponential", mean = "3m" }
priority = 2
[[contact_types]]
name = "b"
arrivals = { rate = "100/h" }
handle_time = { dist = "exponential", mean = "3m" }
[[agent_groups]]
name = "one"
serves = ["a"]
headcount = 5
[[agent_groups]]
name = "two"
serves = ["a", "b"]
headcount = 5
[[agent_groups]]
name = "three"
serves = ["b"]
headcount = 5
"#;
        let mut sc = crate::scenario::from_toml_str(toml, "t.toml", "t", std::path::Path::new(".")).unwrap();
        assert!(sc.has_priorities);
        revert_skills(&mut sc);
        let all_groups: Vec<GroupId> = (0..3).map(GroupId).collect();
        for t in &sc.contact_types {
            assert_eq!(t.served_by, all_groups, "{}", t.name);
            assert_eq!(t.priority, 0);
        }
        for g in &sc.agent_groups {
            assert_eq!(g.serves, vec![TypeId(0), TypeId(1)], "{}", g.name);
        }
        assert!(!sc.has_priorities && !sc.skills_routing && !sc.has_proficiency);
    }
}
