//! The chain from Erlang to a scenario: on an Erlang scenario it agrees with the formula and
//! no later step moves anything; on a real day it ends exactly at the scenario.

use cxsim::explain;
use cxsim::summary::scope_layouts;
use cxsim::sweep::{self, SweepOptions};

#[test]
fn on_erlang_a_the_simulated_step_agrees_with_the_formula_and_no_later_step_moves_anything() {
    let mut sc = cxsim::scenario::load(std::path::Path::new("scenarios/erlang_a.toml")).unwrap();
    sc.replications = 100;
    let e = explain::explain(&sc, SweepOptions { threads: 2 }).unwrap();
    assert_eq!(e.model, "Erlang A");
    // The formula is Erlang A's own value (M/M/50+M, 0.15/s, 300 s, patience 300 s).
    let a = cxsim::erlang::erlang_a(50, 0.15, 300.0, 300.0);
    let formula = &e.steps[0].values;
    assert!((formula[0] - a.sl_offered(20.0)).abs() < 1e-12);
    assert!((formula[1] - a.asa_all).abs() < 1e-9);
    assert!((formula[2] - a.p_abandon).abs() < 1e-12);
    // The simulation agrees within 4 standard errors (the half-width is 1.96 of them).
    let sim = &e.steps[1];
    for (k, exact) in formula.iter().enumerate() {
        let se = sim.half_widths[k] / 1.96;
        let z = (sim.values[k] - exact) / se;
        assert!(
            z.abs() < 4.0,
            "{}: simulated {} against {exact} (z = {z})",
            e.figures[k],
            sim.values[k]
        );
    }
    for s in &e.steps[2..] {
        let c = s.change.expect("paired change");
        assert!(c.iter().all(|(m, h)| *m == 0.0 && *h == 0.0), "{}: {c:?}", s.label);
    }
}

#[test]
fn on_a_real_day_the_chain_ends_exactly_at_the_scenario_and_patience_moves_it() {
    let mut sc = cxsim::scenario::load(std::path::Path::new("scenarios/day_profile.toml")).unwrap();
    sc.replications = 30;
    let e = explain::explain(&sc, SweepOptions { threads: 2 }).unwrap();
    // The scenario's own per-replication service level, read independently.
    let layouts = scope_layouts(&sc);
    let all = layouts.iter().find(|l| l.name() == "all").unwrap();
    let mean: f64 = (0..sc.replications)
        .map(|r| {
            let out = sweep::run_replication(&sc, r);
            all.replication_figures(&sc, &out)
                .into_iter()
                .find(|(n, ..)| *n == "sl_offered_20s")
                .unwrap()
                .1
        })
        .sum::<f64>()
        / f64::from(sc.replications);
    let last = e.steps.last().unwrap();
    assert!(
        (last.values[0] - mean).abs() < 1e-12,
        "{} against {mean}",
        last.values[0]
    );
    // Lognormal patience with a CV of 1.2 instead of exponential: more patient callers at
    // the same mean, fewer abandon and the service level falls — well beyond the noise.
    // Lognormal and gamma handle times instead of exponential change every figure; the day
    // has no after-call work, so that step changes nothing, exactly.
    let step = |label: &str| e.steps.iter().find(|s| s.label.contains(label)).unwrap();
    assert!(step("handle-time").change.unwrap().iter().all(|(m, _)| *m != 0.0));
    assert!(
        step("after-call")
            .change
            .unwrap()
            .iter()
            .all(|(m, h)| *m == 0.0 && *h == 0.0)
    );
    let patience = e.steps.iter().find(|s| s.label.contains("patience")).unwrap();
    let (sl, ab) = (patience.change.unwrap()[0], patience.change.unwrap()[2]);
    assert!(sl.0 < -sl.1 && ab.0 < -ab.1, "SL {sl:?}, abandonment {ab:?}");
}

/// Two types, each with its own group of 32 agents, one type ahead of the other: 30 erlangs
/// each, patience as long as a call.
const TWO_POOLS: &str = r#"
name = "two-pools"
[simulation]
horizon = "9h"
warmup = "1h"
interval = "1h"
seed = 5
replications = 160

[[contact_types]]
name = "gold"
arrivals = { rate = "360/h" }
handle_time = { dist = "exponential", mean = "5m" }
patience = { dist = "exponential", mean = "5m" }
priority = 1
sl_threshold = "20s"

[[contact_types]]
name = "silver"
arrivals = { rate = "360/h" }
handle_time = { dist = "exponential", mean = "5m" }
patience = { dist = "exponential", mean = "5m" }

[[agent_groups]]
name = "gold desk"
serves = ["gold"]
headcount = 32

[[agent_groups]]
name = "silver desk"
serves = ["silver"]
headcount = 32
"#;

#[test]
fn with_skills_reverted_two_dedicated_groups_become_one_erlang_a_pool_and_splitting_them_costs_service() {
    let sc = crate::support::scenario(TWO_POOLS);
    let e = explain::explain(&sc, SweepOptions { threads: 2 }).unwrap();
    // One pool of 64 agents at 0.2 calls a second: M/M/64+M, which the formula also gives.
    let a = cxsim::erlang::erlang_a(64, 0.2, 300.0, 300.0);
    let exact = [a.sl_offered(20.0), a.asa_all, a.p_abandon];
    let pooled = &e.steps[1];
    for (k, x) in exact.iter().enumerate() {
        assert!((e.steps[0].values[k] - x).abs() < 1e-9, "formula {}", e.figures[k]);
        let se = pooled.half_widths[k] / 1.96;
        // 4 standard errors: about 1.2 points of SL (1.4%), 0.55 s of ASA (7%), 0.18 points
        // of abandonment (7%).
        assert!(
            ((pooled.values[k] - x) / se).abs() < 4.0,
            "{}: one pool simulated {} ± {} against {x}",
            e.figures[k],
            pooled.values[k],
            pooled.half_widths[k]
        );
    }
    // Two desks of 32 at 30 erlangs each serve worse than one of 64 at 60, beyond the noise.
    let skills = e.steps[2].change.expect("paired change");
    assert!(e.steps[2].label.contains("skills"));
    assert!(skills[0].0 < -skills[0].1, "SL {:?}", skills[0]);
    assert!(skills[2].0 > skills[2].1, "abandonment {:?}", skills[2]);
    // Everything else is Erlang's already: no later step moves anything.
    for s in &e.steps[3..] {
        assert!(
            s.change.unwrap().iter().all(|(m, h)| *m == 0.0 && *h == 0.0),
            "{}",
            s.label
        );
    }
}

#[test]
fn after_call_work_shrinkage_and_retrials_each_cost_service_level_in_their_own_step() {
    // A minute of after-call work on gold calls, which call back after abandoning;
    // silver's 40 scheduled agents lose a fifth.
    let toml = TWO_POOLS
        .replace(
            "priority = 1\n",
            "priority = 1\nwrap_up = { dist = \"exponential\", mean = \"1m\" }\nretrial = { probability = 0.9, delay = { dist = \"exponential\", mean = \"1m\" }, max_attempts = 3 }\n",
        )
        .replace(
            "serves = [\"silver\"]\nheadcount = 32",
            "serves = [\"silver\"]\nheadcount = 40\nshrinkage = 0.2",
        );
    assert_ne!(toml, TWO_POOLS);
    let mut sc = crate::support::scenario(&toml);
    sc.replications = 40;
    let e = explain::explain(&sc, SweepOptions { threads: 2 }).unwrap();
    let step = |label: &str| {
        e.steps
            .iter()
            .find(|s| s.label.contains(label))
            .unwrap()
            .change
            .unwrap()
    };
    for label in ["after-call", "shrinkage", "retrials"] {
        let sl = step(label)[0];
        assert!(sl.0 < -sl.1, "{label}: SL {sl:?}");
    }
}
