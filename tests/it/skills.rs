//! Skills-based routing: overflow after a delay traced by hand, pooling against Erlang C,
//! proficiency against the exact queue it makes, the general policy against the default on
//! the same rules, and random selection across thread counts.

use super::support::{assert_near_exact, bits, run, scenario, scenario_with_replay};
use cxsim::engine::Engine;
use cxsim::engine::event::AgentId;
use cxsim::routing::{Policy, SkillsRouting};
use cxsim::scenario::{GroupId, Scenario};
use cxsim::stats::{ContactInfo, Observer};
use cxsim::summary::ScopeKind;

/// Answers: (time, type, group, wait since arrival).
#[derive(Default)]
struct Answers(Vec<(f64, u16, u16, f64)>);

impl Observer for Answers {
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _a: AgentId, g: GroupId, _h: f64) {
        self.0.push((now, c.ty.0, g.0, now - c.arrival));
    }
}

/// A scenario whose `REPLAY` is replaced by a file holding `times` (one arrival each).
fn with_replay(toml: &str, times: &str) -> Scenario {
    scenario_with_replay(toml, &format!("time\n{times}"))
}

const OVERFLOW: &str = r#"
[simulation]
horizon = "1h"
replications = 1

[[contact_types]]
name = "tech"
arrivals = { replay = "REPLAY" }
handle_time = { dist = "constant", value = 100 }
route = [{ groups = ["specialists"] }, { groups = ["generalists"], after = "30s" }]

[[agent_groups]]
name = "specialists"
serves = ["tech"]
headcount = 1

[[agent_groups]]
name = "generalists"
serves = ["tech"]
headcount = 1
"#;

#[test]
fn overflow_after_a_delay_answers_exactly_when_the_step_opens_traced_by_hand() {
    // Calls of 100 s at 0, 1 and 2 s; one specialist, one generalist who takes tech only
    // after 30 s of waiting. 0: the specialist (busy to 100). 1: waits; at 31 the generalist
    // takes it (busy to 131). 2: waits; at 32 its step opens but the generalist is busy; at
    // 100 the specialist is free and takes it. 200: the specialist, at once, though the
    // generalist has been idle longer.
    let sc = with_replay(OVERFLOW, "0\n1\n2\n200\n");
    let mut engine = Engine::with(&sc, Policy::default(), Answers::default());
    engine.run(0);
    let (spec, general) = (0, 1);
    assert_eq!(
        engine.observer().0,
        vec![
            (0.0, 0, spec, 0.0),
            (31.0, 0, general, 30.0),
            (100.0, 0, spec, 98.0),
            (200.0, 0, spec, 0.0)
        ]
    );
    // Without the delay the generalist takes the second call at once.
    let sc = with_replay(&OVERFLOW.replace(", after = \"30s\"", ""), "0\n1\n2\n200\n");
    let mut engine = Engine::with(&sc, Policy::default(), Answers::default());
    engine.run(0);
    assert_eq!(engine.observer().0[1], (1.0, 0, general, 0.0));
}

/// Two types of 4 min calls at 90/h and 45/h; groups "a", "b" and "flex" of 4 agents each,
/// serving the lists in `serves`; `horizon` and `extra` (top-level tables) as given.
fn pooling(serves: [&str; 3], horizon: &str, extra: &str) -> Scenario {
    let [a, b, flex] = serves;
    scenario(&format!(
        r#"
{extra}
[simulation]
horizon = "{horizon}"
warmup = "10h"
seed = 31
replications = 120

[[contact_types]]
name = "a"
arrivals = {{ rate = "90/h" }}
handle_time = {{ dist = "exponential", mean = "4m" }}

[[contact_types]]
name = "b"
arrivals = {{ rate = "45/h" }}
handle_time = {{ dist = "exponential", mean = "4m" }}

[[agent_groups]]
name = "a"
serves = {a}
headcount = 4

[[agent_groups]]
name = "b"
serves = {b}
headcount = 4

[[agent_groups]]
name = "flex"
serves = {flex}
headcount = 4
"#
    ))
}

const A: &str = r#"["a"]"#;
const B: &str = r#"["b"]"#;
const BOTH: &str = r#"["a", "b"]"#;

fn mean_wait(s: &cxsim::summary::Summary) -> cxsim::stats::tally::Estimate {
    s.scope(ScopeKind::All, "all")
        .and_then(|x| x.get("asa_all_s"))
        .expect("the overall mean wait")
        .estimate
}

#[test]
fn pooling_two_types_cuts_the_wait_from_separate_queues_down_to_one_erlang_c_queue() {
    // Exponential service of the same mean for both types, 9 erlangs on 12 agents: when
    // every group serves both, longest-idle FIFO is one M/M/12 queue at 135/h (the wait is
    // exactly Erlang C's). With the flexible group serving a only, a has 8 agents for 6
    // erlangs and b 4 for 3, two M/M/n queues at the same load: the wait is the mix of two
    // Erlang C waits, by arrivals. A flexible group serving both sits between — pooling
    // helps, but only the full pool gets all of it.
    let ec = |n: u32, per_hour: f64| {
        let r = cxsim::erlang::erlang_c(n, per_hour / 3600.0, 240.0).unwrap();
        r.asa
    };
    let full = run(&pooling([BOTH, BOTH, BOTH], "400h", ""), 2);
    let exact_full = ec(12, 135.0);
    assert_near_exact("fully pooled wait", mean_wait(&full), 1.0, exact_full, 0.05);
    let split = run(&pooling([A, B, A], "400h", ""), 2);
    let exact_split = (2.0 * ec(8, 90.0) + ec(4, 45.0)) / 3.0;
    assert_near_exact("split wait", mean_wait(&split), 1.0, exact_split, 0.05);
    let partial = mean_wait(&run(&pooling([A, B, BOTH], "400h", ""), 2));
    let (f, sp) = (mean_wait(&full), mean_wait(&split));
    eprintln!(
        "waits: full {:.2}, partial {:.2}, split {:.2}",
        f.mean, partial.mean, sp.mean
    );
    assert!(
        partial.mean - partial.half_width > f.mean + f.half_width,
        "partial pooling waits longer than full pooling"
    );
    assert!(
        partial.mean + partial.half_width < sp.mean - sp.half_width,
        "partial pooling waits less than separate queues"
    );
}

#[test]
fn a_faster_group_waits_as_erlang_c_with_the_shortened_mean_and_resolves_by_its_multiplier() {
    // One group at handle-time multiplier 0.75 on 5 min calls: M/M/4 at 40/h with a 3.75 min
    // mean, exactly. Its resolution multiplier 1.25 on a probability of 0.6 gives 0.75.
    let sc = scenario(
        r#"
[simulation]
horizon = "400h"
warmup = "10h"
seed = 37
replications = 120

[[contact_types]]
name = "calls"
arrivals = { rate = "40/h" }
handle_time = { dist = "exponential", mean = "5m" }
resolution = { probability = 0.6 }

[[agent_groups]]
name = "quick"
serves = ["calls"]
headcount = 4
proficiency = { calls = { handle_time = 0.75, resolution = 1.25 } }
"#,
    );
    let exact = cxsim::erlang::erlang_c(4, 40.0 / 3600.0, 225.0).unwrap();
    let s = run(&sc, 2);
    let wait = s
        .scope(ScopeKind::Type, "calls")
        .and_then(|x| x.get("asa_all_s"))
        .expect("wait");
    assert_near_exact("mean wait", wait.estimate, 1.0, exact.asa, 0.05);
    let occupancy = s
        .scope(ScopeKind::Group, "quick")
        .and_then(|x| x.get("occupancy"))
        .expect("occupancy")
        .estimate;
    assert_near_exact("occupancy", occupancy, 1.0, 40.0 * 225.0 / 3600.0 / 4.0, 0.01);
    let fcr = s
        .scope(ScopeKind::Type, "calls")
        .and_then(|x| x.get("true_fcr"))
        .expect("first-contact resolution")
        .estimate;
    assert_near_exact("first-contact resolution", fcr, 1.0, 0.75, 0.01);
}

#[test]
fn the_skills_policy_on_default_rules_matches_longest_idle_fifo_bit_for_bit() {
    // The omnichannel example (voice, chat with sessions, email, callbacks, priorities)
    // through the general policy on the default rules gives the default's every bit.
    let mut sc = cxsim::scenario::load(std::path::Path::new("scenarios/omnichannel_bank.toml")).expect("loads");
    sc.replications = 8;
    let opts = cxsim::sweep::SweepOptions { threads: 2 };
    let default = cxsim::sweep::run_with_policy(&sc, opts, Policy::default, &|| {}).expect("runs");
    let skills = cxsim::sweep::run_with_policy(&sc, opts, || Policy::Skills(Box::new(SkillsRouting::new(&sc))), &|| {})
        .expect("runs");
    assert!(default.total_arrivals > 10_000);
    assert_eq!(bits(&default), bits(&skills));
}

#[test]
fn random_agent_selection_gives_the_same_bits_on_one_and_four_threads() {
    let random = pooling([A, B, BOTH], "20h", "[routing]\nagent_selection = \"random\"\n");
    assert_eq!(bits(&run(&random, 1)), bits(&run(&random, 4)));
    // And it decides otherwise than longest idle.
    let longest = pooling([A, B, BOTH], "20h", "");
    assert_ne!(bits(&run(&random, 1)), bits(&run(&longest, 1)));
}

#[test]
fn best_match_keeps_the_specialists_busier_than_longest_idle_does_in_the_multiskill_example() {
    // Specialists are faster on their type: best match fills them first, longest idle
    // spreads calls over every group. Occupancy of the 400 specialists, 2 replications.
    let path = std::path::Path::new("scenarios/multiskill.toml");
    let specialists = |toml: &str| {
        let mut sc = scenario(toml);
        sc.replications = 2;
        let s = run(&sc, 2);
        (0..10)
            .map(|i| {
                s.scope(ScopeKind::Group, &format!("specialists-{i}"))
                    .and_then(|x| x.get("occupancy"))
                    .expect("occupancy")
                    .estimate
                    .mean
            })
            .sum::<f64>()
            / 10.0
    };
    let text = std::fs::read_to_string(path).expect("the example");
    let best = specialists(&text);
    let longest = specialists(&text.replace("\"best_match\"", "\"longest_idle\""));
    eprintln!("specialists' occupancy: best match {best:.4}, longest idle {longest:.4}");
    assert!(best > longest + 0.01, "best match {best}, longest idle {longest}");
}
