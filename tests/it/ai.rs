//! AI in the center (MODEL.md §5.3): agent-assist that shortens handling and after-call work as
//! its adoption ramps up, and pools of AI agents with their own conversation length,
//! resolution, hand-over to people, outages with failover, and price per conversation.

use super::support::{assert_near_exact, run, scenario};
use cxsim::engine::Engine;
use cxsim::engine::event::AgentId;
use cxsim::erlang;
use cxsim::routing::Policy;
use cxsim::scenario::GroupId;
use cxsim::stats::{ContactInfo, Observer};
use cxsim::summary::{ScopeKind, Summary};

fn figure(s: &Summary, kind: ScopeKind, scope: &str, name: &str) -> cxsim::stats::tally::Estimate {
    s.scope(kind, scope)
        .and_then(|sc| sc.get(name))
        .unwrap_or_else(|| panic!("{scope} {name}"))
        .estimate
}

/// Every answer (time, group, type, handle), every transfer (time, type) and every change of
/// a group's count of agents in after-call work (time, count).
#[derive(Default)]
struct Trace {
    answers: Vec<(f64, u16, u16, f64)>,
    transfers: Vec<(f64, u16)>,
    wrapping: Vec<(f64, u32)>,
    ends: Vec<(f64, u16)>,
}

impl Observer for Trace {
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _agent: AgentId, group: GroupId, handle: f64) {
        self.answers.push((now, group.0, c.ty.0, handle));
    }
    fn on_transferred(&mut self, now: f64, c: &ContactInfo) {
        self.transfers.push((now, c.ty.0));
    }
    fn on_wrap_up(&mut self, now: f64, _group: GroupId, wrapping: u32) {
        self.wrapping.push((now, wrapping));
    }
    fn on_service_end(&mut self, now: f64, _c: &ContactInfo, _agent: AgentId, group: GroupId) {
        self.ends.push((now, group.0));
    }
}

fn trace(sc: &cxsim::scenario::Scenario, replication: u32) -> Trace {
    let mut engine = Engine::with(sc, Policy::default(), Trace::default());
    engine.run(replication);
    engine.into_observer()
}

/// One agent, a call every half hour or so, constant 100 s talk and 60 s after-call work;
/// agent-assist rolled out at day 1 with a two-day adoption constant and large effects, so
/// that each contact's handling can be checked against the ramp.
const RAMP: &str = r#"
[simulation]
horizon = "6d"
interval = "1d"
seed = 5
replications = 1

[[contact_types]]
name = "calls"
arrivals = { rate = "2/h" }
handle_time = { dist = "constant", value = "100s" }
wrap_up = { dist = "constant", value = "60s" }

[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 1
assist_rollout = "1d"

[assist]
floor_gain = 0.5
acw_reduction = 0.4
adoption = "2d"
"#;

/// Adoption `a` at time `t` of RAMP's group.
fn ramp_adoption(t: f64) -> f64 {
    let since = t - 86_400.0;
    if since <= 0.0 {
        0.0
    } else {
        1.0 - (-since / 172_800.0).exp()
    }
}

#[test]
fn each_contact_is_handled_in_the_time_the_adoption_ramp_gives_at_its_start() {
    let sc = scenario(RAMP);
    let t = trace(&sc, 0);
    assert!(t.answers.len() > 200, "{} answers", t.answers.len());
    let (mut before, mut late) = (0, 0);
    for &(now, _, _, handle) in &t.answers {
        let expected = 100.0 * (1.0 - 0.5 * ramp_adoption(now));
        assert!((handle - expected).abs() < 1e-9, "at {now}: {handle} vs {expected}");
        before += usize::from(now < 86_400.0);
        late += usize::from(handle < 60.0);
    }
    assert!(
        before > 30 && late > 30,
        "{before} before the rollout, {late} late in the ramp"
    );
}

#[test]
fn each_after_call_work_lasts_what_the_adoption_ramp_gives_at_its_start() {
    let sc = scenario(RAMP);
    let t = trace(&sc, 0);
    let mut checked = 0;
    for pair in t.wrapping.windows(2) {
        let ((start, up), (end, down)) = (pair[0], pair[1]);
        if up == 1 && down == 0 {
            let expected = 60.0 * (1.0 - 0.4 * ramp_adoption(start));
            assert!(
                ((end - start) - expected).abs() < 1e-6,
                "at {start}: {} vs {expected}",
                end - start
            );
            checked += 1;
        }
    }
    assert!(checked > 200, "{checked} wraps");
}

/// M/M/20 at 300 s mean talk time and 0.07/s: overloaded (ρ = 1.05) without help; with
/// agent-assist long adopted and a 20% floor gain, talk time is 240 s and ρ = 0.84.
#[test]
fn with_assist_long_adopted_an_erlang_c_queue_runs_at_the_shortened_handle_time() {
    let sc = scenario(
        r#"
[simulation]
horizon = "50h"
warmup = "2h"
interval = "1h"
seed = 21
replications = 40

[[contact_types]]
name = "calls"
arrivals = { rate = "0.07/s" }
handle_time = { dist = "exponential", mean = "300s" }

[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 20
assist_in_use = "10000d"

[assist]
floor_gain = 0.2
"#,
    );
    let s = run(&sc, 2);
    let exact = erlang::erlang_c(20, 0.07, 240.0).expect("stable");
    let f = |n: &str| figure(&s, ScopeKind::Type, "calls", n);
    assert_near_exact("aht_s", f("aht_s"), 1.0, 240.0, 0.01);
    assert_near_exact("p_wait", f("p_wait"), 1.0, exact.p_wait, 0.07);
    assert_near_exact("asa_all_s", f("asa_all_s"), 1.0, exact.asa, 0.15);
}

/// A workforce model with every effect of agent-assist set to 0 runs bit for bit as without
/// agent-assist: the tool changes no random draw.
#[test]
fn agent_assist_with_zero_effects_leaves_a_workforce_run_bit_identical() {
    let base = r#"
[simulation]
horizon = "14d"
interval = "1d"
seed = 4
replications = 3

[[contact_types]]
name = "calls"
arrivals = { rate = "500/h" }
handle_time = { dist = "exponential", mean = "5m" }
wrap_up = { dist = "exponential", mean = "40s" }
patience = { dist = "exponential", mean = "10m" }
resolution = { probability = 0.8 }

[[agent_groups]]
name = "agents"
serves = ["calls"]
employees = 60
headcount = 50
ASSIST

[workforce]
attrition = { annual = 0.9 }
"#;
    let without = run(&scenario(&base.replace("ASSIST", "")), 2);
    let zero = r#"assist_in_use = "30d"

[assist]
floor_gain = 0
acw_reduction = 0
resolution_uplift = 0
difficult_reduction = 0
new_hire_quit_reduction = 0
tenure_shift = 0
"#;
    let with = run(&scenario(&base.replace("ASSIST", zero)), 2);
    assert_eq!(super::support::bits(&without), super::support::bits(&with));
}

/// Under `[workforce]`, agent-assist that spares agents every difficult contact lowers their
/// fatigue and strain, and its shorter handling and after-call work lower occupancy, at the
/// same demand.
#[test]
fn agent_assist_lowers_occupancy_fatigue_and_strain_under_the_workforce_model() {
    let base = r#"
[simulation]
horizon = "21d"
warmup = "7d"
interval = "1d"
seed = 8
replications = 8

[[contact_types]]
name = "calls"
arrivals = { rate = "520/h" }
handle_time = { dist = "exponential", mean = "5m" }
wrap_up = { dist = "exponential", mean = "45s" }
patience = { dist = "exponential", mean = "10m" }

[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 50
ASSIST

[workforce]
"#;
    let without = run(&scenario(&base.replace("ASSIST", "")), 2);
    let with = run(
        &scenario(&base.replace(
            "ASSIST",
            "assist_in_use = \"1000d\"\n\n[assist]\ndifficult_reduction = 1.0\n",
        )),
        2,
    );
    let g = |s: &Summary, n: &str| figure(s, ScopeKind::Group, "agents", n);
    for name in ["occupancy", "fatigue", "strain"] {
        let (a, b) = (g(&without, name), g(&with, name));
        eprintln!(
            "{name}: {:.4} ± {:.4} without, {:.4} ± {:.4} with",
            a.mean, a.half_width, b.mean, b.half_width
        );
        assert!(b.mean + b.half_width < a.mean - a.half_width, "{name}: {b:?} vs {a:?}");
    }
}

/// A chat type served by an AI pool of `pool` conversations only (people serve the escalated
/// type); `ai` is the rest of the pool's `ai` table.
fn pool(pool: u32, rate: &str, ai: &str, replications: u32, horizon: &str) -> String {
    format!(
        r#"
[simulation]
horizon = "{horizon}"
warmup = "1h"
interval = "1h"
seed = 13
replications = {replications}

[[contact_types]]
name = "chat"
channel = "chat"
arrivals = {{ rate = "{rate}" }}
handle_time = {{ dist = "exponential", mean = "10m" }}

[[contact_types]]
name = "escalated"
channel = "chat"
arrivals = {{ rate = "0/h" }}
handle_time = {{ dist = "exponential", mean = "7m" }}

[[agent_groups]]
name = "bot"
serves = ["chat"]
headcount = {pool}
ai = {{ escalate_to = "escalated", {ai} }}

[[agent_groups]]
name = "people"
serves = ["escalated"]
headcount = 60
"#
    )
}

/// An AI pool of 30 conversations at 0.225 chats a second and 120 s exponential
/// conversations (whatever the type's own handle time) is M/M/30 at ρ = 0.9.
#[test]
fn an_ai_pool_that_resolves_everything_is_an_erlang_c_queue_at_its_own_conversation_length() {
    let sc = scenario(&pool(
        30,
        "0.225/s",
        r#"handle_time = { dist = "exponential", mean = "120s" }, resolution = 1.0"#,
        40,
        "25h",
    ));
    let s = run(&sc, 2);
    let exact = erlang::erlang_c(30, 0.225, 120.0).expect("stable");
    let f = |n: &str| figure(&s, ScopeKind::Type, "chat", n);
    assert_near_exact("aht_s", f("aht_s"), 1.0, 120.0, 0.01);
    assert_near_exact("p_wait", f("p_wait"), 1.0, exact.p_wait, 0.08);
    assert_near_exact("asa_all_s", f("asa_all_s"), 1.0, exact.asa, 0.2);
    assert_near_exact(
        "occupancy",
        figure(&s, ScopeKind::Group, "bot", "occupancy"),
        1.0,
        0.9,
        0.01,
    );
    assert_eq!(figure(&s, ScopeKind::Type, "escalated", "offered").mean, 0.0);
}

/// Each conversation that ends is resolved with the pool's probability (a binomial count,
/// |z| < 4) or handed over at once; handed-over contacts take the escalated type's handle
/// time times `handoff`.
#[test]
fn unresolved_conversations_are_handed_over_at_the_pools_rate_with_the_handoff_multiplier() {
    let sc = scenario(&pool(
        40,
        "300/h",
        r#"handle_time = { dist = "lognormal", mean = "4m", cv = 0.8 }, resolution = 0.45, handoff = 0.9"#,
        1,
        "3d",
    ));
    let (mut ended, mut handed) = (0u64, 0u64);
    let mut escalated = Vec::new();
    for r in 0..4 {
        let t = trace(&sc, r);
        ended += t.ends.iter().filter(|(_, g)| *g == 0).count() as u64;
        handed += t.transfers.len() as u64;
        // Each hand-over is answered by people at once (they have room).
        for (at, ty) in &t.transfers {
            assert_eq!(*ty, 0, "transfers leave the chat type");
            assert!(
                t.answers.iter().any(|(now, g, ty, _)| now == at && *g == 1 && *ty == 1),
                "hand-over at {at} answered at once"
            );
        }
        escalated.extend(t.answers.iter().filter(|a| a.1 == 1).map(|a| a.3));
    }
    let p = 0.55;
    let z = (handed as f64 - p * ended as f64) / (ended as f64 * p * (1.0 - p)).sqrt();
    eprintln!("{handed} of {ended} handed over, z = {z:.2}");
    assert!(z.abs() < 4.0, "{handed} of {ended}");
    // 4 SE of the share: the test sees a 2% error in the rate.
    assert!(4.0 * (p * (1.0 - p) / ended as f64).sqrt() / p < 0.02);
    let n = escalated.len() as f64;
    let mean = escalated.iter().sum::<f64>() / n;
    let se = 0.9 * 420.0 / n.sqrt(); // exponential: SD = mean
    let z = (mean - 0.9 * 420.0) / se;
    eprintln!("escalated handle {mean:.2} vs {:.2}, z = {z:.2}", 0.9 * 420.0);
    assert!(z.abs() < 4.0 && 4.0 * se / 378.0 < 0.02);
}

/// A pool of two conversations of exactly 10 minutes, saturated, goes down from 15 to 25
/// minutes: its two conversations in progress are handed over at 15 minutes and answered by
/// people there and then; it answers nothing while down, and takes two waiting chats at once
/// at 25 — under either leave rule.
#[test]
fn an_outage_hands_over_the_conversations_in_progress_and_the_pool_answers_nothing_while_down() {
    for rule in ["marked", "first_free"] {
        let sc = scenario(
            &pool(
                2,
                "60/h",
                r#"handle_time = { dist = "constant", value = "10m" }, resolution = 1.0, outages = [ { start = "15m", duration = "10m" } ]"#,
                1,
                "1h",
            )
            .replace("warmup = \"1h\"", "warmup = \"0s\"")
            .replace("headcount = 2\n", &format!("headcount = 2\nleave_rule = \"{rule}\"\n")),
        );
        outage_trace(&sc);
    }
}

fn outage_trace(sc: &cxsim::scenario::Scenario) {
    for r in 0..3 {
        let t = trace(sc, r);
        let handed: Vec<f64> = t.transfers.iter().map(|(at, _)| *at).collect();
        assert_eq!(handed, vec![900.0, 900.0], "replication {r}: {:?}", t.transfers);
        let people_at_900 = t
            .answers
            .iter()
            .filter(|(now, g, ty, _)| *now == 900.0 && *g == 1 && *ty == 1)
            .count();
        assert_eq!(people_at_900, 2);
        assert!(
            !t.answers
                .iter()
                .any(|(now, g, _, _)| *g == 0 && *now >= 900.0 && *now < 1500.0),
            "the pool answered while down"
        );
        let back = t
            .answers
            .iter()
            .filter(|(now, g, _, _)| *g == 0 && *now == 1500.0)
            .count();
        assert_eq!(back, 2, "replication {r}: the pool's two places at the outage's end");
        // No conversation of the pool ends by itself while it is down.
        assert!(!t.ends.iter().any(|(now, g)| *g == 0 && *now > 900.0 && *now < 1500.0));
    }
}

#[test]
fn the_ai_cost_is_the_pools_conversations_times_its_price_and_enters_the_total() {
    let sc = scenario(&pool(
        40,
        "300/h",
        r#"handle_time = { dist = "lognormal", mean = "4m", cv = 0.8 }, resolution = 0.45, cost_per_contact = 0.5"#,
        4,
        "1d",
    ));
    let s = run(&sc, 2);
    let answered = figure(&s, ScopeKind::Group, "bot", "answered").mean;
    let ai = figure(&s, ScopeKind::Cost, "all", "ai_cost").mean;
    assert!((ai - 0.5 * answered).abs() < 1e-6 * ai, "{ai} vs {answered}");
    let total = figure(&s, ScopeKind::Cost, "all", "total_cost").mean;
    assert!(
        (total - ai).abs() < 1e-6 * ai,
        "people cost nothing here: {total} vs {ai}"
    );
}

/// Quits of one replication, counted as notices are given.
#[derive(Default)]
struct Quits(u32);

impl Observer for Quits {
    fn on_turnover(&mut self, _now: f64, _group: GroupId, quit: bool) {
        self.0 += u32::from(quit);
    }
}

/// Fast churn (99% a year, a replacement two days after a one-day notice) over 150 days: with
/// agent-assist long adopted and its new-hire quit reduction at 1, no agent in its first six
/// months ever quits, so quits cannot outnumber the 16 places; without it they do. Its
/// resolution lift makes the new hires resolve more, and its tenure shift handle faster.
#[test]
fn with_assist_new_hires_quit_less_and_resolve_more() {
    let base = r#"
[simulation]
horizon = "150d"
interval = "1d"
seed = 17
replications = 3

[[contact_types]]
name = "calls"
arrivals = { rate = "120/h" }
handle_time = { dist = "exponential", mean = "5m" }
patience = { dist = "exponential", mean = "10m" }
resolution = { probability = 0.5 }

[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 16
assist_in_use = "1000d"

[workforce]
attrition = { annual = 0.99, notice = "1d" }
hiring = { requisition = "1d", training = "1d" }

[assist]
new_hire_quit_reduction = QUITS
resolution_uplift = LIFT
tenure_shift = "SHIFT"
"#;
    let shifted = |quits: &str, lift: &str, shift: &str| {
        scenario(
            &base
                .replace("QUITS", quits)
                .replace("LIFT", lift)
                .replace("SHIFT", shift),
        )
    };
    let variant = |quits: &str, lift: &str| shifted(quits, lift, "121.67d");
    let quits = |sc: &cxsim::scenario::Scenario, r: u32| {
        let mut engine = Engine::with(sc, Policy::default(), Quits::default());
        engine.run(r);
        engine.into_observer().0
    };
    let (kept, churned) = (variant("1.0", "0"), variant("0", "0"));
    for r in 0..3 {
        let (a, b) = (quits(&kept, r), quits(&churned, r));
        eprintln!("replication {r}: {a} quits with assist, {b} without");
        assert!(a <= 16, "a new hire quit: {a}");
        assert!(b > 20, "without assist new hires quit too: {b}");
    }
    let resolved = |sc: &cxsim::scenario::Scenario| figure(&run(sc, 2), ScopeKind::Type, "calls", "p_resolved");
    let (plain, lifted) = (resolved(&kept), resolved(&variant("1.0", "1.0")));
    eprintln!("p_resolved {plain:?} without the lift, {lifted:?} with");
    assert!(lifted.mean - lifted.half_width > plain.mean + plain.half_width);
    let aht = |sc: &cxsim::scenario::Scenario| figure(&run(sc, 2), ScopeKind::Type, "calls", "aht_s");
    let (slow, fast) = (aht(&shifted("1.0", "0", "0d")), aht(&kept));
    eprintln!("aht {slow:?} without the tenure shift, {fast:?} with");
    assert!(fast.mean + fast.half_width < slow.mean - slow.half_width);
}
