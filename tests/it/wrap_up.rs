//! After-call work: an agent stays unavailable after each contact for a drawn time, shortened
//! under load; checked against exact results that hold with it (Erlang B's insensitivity,
//! Pollaczek–Khinchine) and against cases worked by hand.

use super::support::{assert_near_exact, run, scenario};
use cxsim::engine::Engine;
use cxsim::engine::event::AgentId;
use cxsim::routing::Policy;
use cxsim::scenario::GroupId;
use cxsim::stats::{ContactInfo, Observer};
use cxsim::summary::ScopeKind;

const LOSS: &str = r#"
[simulation]
horizon = "200h"
interval = "200h"
seed = 3
replications = 40

[[contact_types]]
name = "calls"
arrivals = { rate = "2/min" }
handle_time = { dist = "exponential", mean = "2m" }
wrap_up = WRAP
queue_capacity = 0

[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 6
"#;

#[test]
fn a_loss_system_with_after_call_work_blocks_as_erlang_b_of_talk_plus_wrap_up() {
    // M/G/6/6 blocking depends on the service time only through its mean (Erlang B is
    // insensitive), and an agent's holding time is talk + after-call work: 2 min + 30 s. So
    // blocking is B(6, 2/min × 2.5 min), and occupancy is λ(1 − B)·E[talk + wrap] / 6 with the
    // after-call work and λ(1 − B)·E[talk] / 6 without, whatever the wrap-up's distribution.
    for wrap in [
        r#"{ dist = "constant", value = "30s" }"#,
        r#"{ dist = "lognormal", mean = "30s", cv = 1.5 }"#,
    ] {
        let sc = scenario(&LOSS.replace("WRAP", wrap));
        let s = run(&sc, 2);
        let b = cxsim::erlang::erlang_b(6, 2.0 / 60.0 * 150.0);
        let carried = 2.0 / 60.0 * (1.0 - b);
        let ty = s.scope(ScopeKind::Type, "calls").unwrap();
        let group = s.scope(ScopeKind::Group, "agents").unwrap();
        assert_near_exact(
            &format!("{wrap}: P(blocked)"),
            ty.get("p_blocked").unwrap().estimate,
            1.0,
            b,
            0.015,
        );
        assert_near_exact(
            &format!("{wrap}: occupancy"),
            group.get("occupancy").unwrap().estimate,
            1.0,
            carried * 150.0 / 6.0,
            0.005,
        );
        assert_near_exact(
            &format!("{wrap}: occupancy without wrap-up"),
            group.get("occupancy_without_wrap_up").unwrap().estimate,
            1.0,
            carried * 120.0 / 6.0,
            0.006,
        );
    }
}

#[test]
fn one_agent_with_after_call_work_waits_as_m_g_1_with_talk_plus_wrap_up() {
    // One agent: a caller waits for the talk and the after-call work of those before it, so
    // the queue is M/G/1 with service X = talk + wrap, and Pollaczek–Khinchine gives the mean
    // wait exactly: λ·E[X²] / (2(1 − ρ)). Talk exponential with mean 3 min, wrap-up
    // exponential with mean 1 min: E[X] = 4 min, E[X²] = 3² + 1² + 4² = 26 min²; at λ = 0.15
    // per minute, ρ = 0.6 and the mean wait is 4.875 min.
    let sc = scenario(
        r#"
[simulation]
horizon = "400h"
interval = "400h"
seed = 11
replications = 160

[[contact_types]]
name = "calls"
arrivals = { rate = "9/h" }
handle_time = { dist = "exponential", mean = "3m" }
wrap_up = { dist = "exponential", mean = "1m" }

[[agent_groups]]
name = "agent"
serves = ["calls"]
headcount = 1
"#,
    );
    let s = run(&sc, 2);
    let ty = s.scope(ScopeKind::Type, "calls").unwrap();
    let (lambda, ex, ex2) = (0.15, 4.0, 26.0);
    let wait_min = lambda * ex2 / (2.0 * (1.0 - lambda * ex));
    assert_near_exact(
        "M/G/1 mean wait",
        ty.get("asa_all_s").unwrap().estimate,
        1.0,
        wait_min * 60.0,
        0.04,
    );
    let group = s.scope(ScopeKind::Group, "agent").unwrap();
    assert_near_exact(
        "M/G/1 occupancy",
        group.get("occupancy").unwrap().estimate,
        1.0,
        lambda * ex,
        0.02,
    );
}

/// Answer times, in order.
#[derive(Default)]
struct Answers(Vec<f64>);

impl Observer for Answers {
    fn on_answer(&mut self, now: f64, _c: &ContactInfo, _a: AgentId, _g: GroupId, _h: f64) {
        self.0.push(now);
    }
}

fn answers(toml: &str) -> Vec<f64> {
    let sc = scenario(toml);
    let mut engine = Engine::with(&sc, Policy::default(), Answers::default());
    engine.run(0);
    engine.into_observer().0
}

const BY_HAND: &str = r#"
[simulation]
horizon = "1h"
replications = 1

[[contact_types]]
name = "calls"
arrivals = { replay = "REPLAY" }
handle_time = { dist = "constant", value = 100 }
wrap_up = { dist = "constant", value = 60 }

[[agent_groups]]
name = "a"
serves = ["calls"]
headcount = 1
EXTRA
"#;

#[test]
fn after_call_work_holds_the_agent_and_shortens_with_the_callers_waiting_worked_by_hand() {
    // One agent, 100 s calls, 60 s of after-call work. Calls arrive at 0, 10, 20 and 500.
    // Without shortening: answers at 0, 160 (100 + 60), 320, and 500 (the agent is free
    // again at 480). With the work multiplied by 1 − 0.25·(waiting − 1), at least 0.25: at 100
    // two wait (× 0.75 = 45 s: next answer at 145); at 245 one waits (× 1: 305); at 405 none
    // (× 1, from the first point: free at 465); the call at 500 is answered at once.
    let dir = std::env::temp_dir().join(format!("cxsim-wrap-up-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("calls.csv");
    std::fs::write(&file, "time\n0\n10\n20\n500\n").unwrap();
    let base = BY_HAND.replace("REPLAY", &file.display().to_string());
    assert_eq!(answers(&base.replace("EXTRA", "")), [0.0, 160.0, 320.0, 500.0]);
    let shortened = base.replace("EXTRA", "wrap_up_under_load = [[1, 1], [4, 0.25]]");
    assert_eq!(answers(&shortened), [0.0, 145.0, 305.0, 500.0]);
    // The group's own after-call work for the type replaces the type's.
    let own = base.replace("EXTRA", "wrap_up = { calls = { dist = \"constant\", value = 10 } }");
    assert_eq!(answers(&own), [0.0, 110.0, 220.0, 500.0]);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_agent_told_to_leave_during_after_call_work_finishes_it_and_takes_no_new_call() {
    // One agent until 150 s, none after. Calls at 0 and 120; 100 s calls. With 60 s of
    // after-call work the agent is still wrapping up at 150, is marked to leave, and goes at
    // 160 without taking the caller waiting since 120. Without it, the agent was free at 100
    // and answered at 120.
    let dir = std::env::temp_dir().join(format!("cxsim-wrap-up-leave-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("calls.csv");
    std::fs::write(&file, "time\n0\n120\n").unwrap();
    let toml = BY_HAND
        .replace("REPLAY", &file.display().to_string())
        .replace("horizon = \"1h\"", "horizon = 300\ninterval = 150")
        .replace("headcount = 1", "headcount = [1, 0]");
    assert_eq!(answers(&toml.replace("EXTRA", "")), [0.0]);
    let without = toml.replace("wrap_up = { dist = \"constant\", value = 60 }\n", "");
    assert_eq!(answers(&without.replace("EXTRA", "")), [0.0, 120.0]);
    std::fs::remove_dir_all(&dir).ok();
}
