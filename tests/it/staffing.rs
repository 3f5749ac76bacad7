//! Who is on the phones: shrinkage takes a share of the scheduled agents off them, and when
//! the headcount falls while agents are busy, the scenario's leave rule says who goes.

use super::support::{assert_near_exact, run, scenario, scenario_with_replay};
use cxsim::engine::Engine;
use cxsim::engine::event::AgentId;
use cxsim::routing::Policy;
use cxsim::scenario::GroupId;
use cxsim::stats::{ContactInfo, Observer};
use cxsim::summary::ScopeKind;

/// Answer times.
#[derive(Default)]
struct Answers(Vec<f64>);

impl Observer for Answers {
    fn on_answer(&mut self, now: f64, _c: &ContactInfo, _a: AgentId, _g: GroupId, _h: f64) {
        self.0.push(now);
    }
}

/// Answer times of calls replayed from `calls` (a CSV with `time,handle_time`) over 300 s
/// in intervals of 100 s, on one group "a" given `group` (its headcount and rules).
fn replayed_answers(group: &str, calls: &str) -> Vec<f64> {
    let sc = scenario_with_replay(
        &format!(
            r#"
[simulation]
horizon = "300s"
interval = "100s"
replications = 1

[[contact_types]]
name = "calls"
arrivals = {{ replay = "REPLAY" }}
handle_time = {{ dist = "constant", value = 60 }}

[[agent_groups]]
name = "a"
serves = ["calls"]
{group}
"#
        ),
        calls,
    );
    let mut engine = Engine::with(&sc, Policy::default(), Answers::default());
    engine.run(0);
    engine.into_observer().0
}

/// Answer times of three replayed calls — at 0 (149 s), 1 (300 s) and 200 s (10 s) — on two
/// agents, down to one at 100 s, under `rule`.
fn answers_when_one_of_two_leaves(rule: &str) -> Vec<f64> {
    replayed_answers(
        &format!("headcount = [2, 1, 1]\nleave_rule = \"{rule}\""),
        "time,handle_time\n0,149\n1,300\n200,10\n",
    )
}

#[test]
fn first_free_sends_home_whoever_finishes_first_and_marked_the_agent_marked_worked_by_hand() {
    // The first call (149 s, ends at 149) goes to agent 0, the second (300 s, ends at 301)
    // to agent 1. At 100 s the group falls to one. Marked: the highest-numbered busy agent is
    // marked — agent 1 — and leaves at 301; agent 0 is free at 149 and answers the third call
    // at once, at 200. First free: agent 0, finishing first, leaves at 149; the third call
    // waits for agent 1, until 301.
    assert_eq!(answers_when_one_of_two_leaves("marked"), vec![0.0, 1.0, 200.0]);
    assert_eq!(answers_when_one_of_two_leaves("first_free"), vec![0.0, 1.0, 301.0]);
}

#[test]
fn shrinkage_takes_its_share_of_the_scheduled_agents_off_the_phones() {
    // 10 agents scheduled, 30% shrinkage: 7 on the phones, an M/M/7 queue at 5 Erlangs.
    let sc = scenario(
        r#"
[simulation]
horizon = "400h"
warmup = "10h"
seed = 41
replications = 80

[[contact_types]]
name = "calls"
arrivals = { rate = "60/h" }
handle_time = { dist = "exponential", mean = "5m" }

[[agent_groups]]
name = "a"
serves = ["calls"]
headcount = 10
shrinkage = 0.3
"#,
    );
    assert_eq!(sc.agent_groups[0].headcount[0], 7);
    let exact = cxsim::erlang::erlang_c(7, 60.0 / 3600.0, 300.0).unwrap();
    let s = run(&sc, 2);
    let figure = |scope: ScopeKind, name: &str, figure: &str| {
        s.scope(scope, name)
            .and_then(|x| x.get(figure))
            .expect("a figure")
            .estimate
    };
    assert_near_exact(
        "mean wait",
        figure(ScopeKind::Type, "calls", "asa_all_s"),
        1.0,
        exact.asa,
        0.05,
    );
    assert_eq!(figure(ScopeKind::Group, "a", "mean_agents").mean, 7.0);
    assert_eq!(figure(ScopeKind::Group, "a", "scheduled_agents").mean, 10.0);
    // Per interval, rounded to the nearest agent: 10 × 0.75 = 7.5 → 8, 10 × 0.65 = 6.5 → 7.
    let by_interval = scenario(
        "[simulation]\nhorizon = \"1h\"\n[[contact_types]]\nname = \"c\"\narrivals = { rate = \"1/min\" }\nhandle_time = { dist = \"exponential\", mean = \"3m\" }\n[[agent_groups]]\nname = \"a\"\nserves = [\"c\"]\nheadcount = 10\nshrinkage = [0.25, 0.35]\n",
    );
    assert_eq!(by_interval.agent_groups[0].headcount, vec![8, 7]);
    assert_eq!(by_interval.agent_groups[0].scheduled, vec![10.0, 10.0]);
    // Without shrinkage the figure is not reported.
    let plain = scenario(&sc.raw_text().replace("shrinkage = 0.3\n", ""));
    assert!(!plain.reports_scheduled);
}

trait RawText {
    fn raw_text(&self) -> String;
}

impl RawText for cxsim::scenario::Scenario {
    fn raw_text(&self) -> String {
        toml::to_string(&self.raw).expect("serializes")
    }
}

/// One group of `shifts` on a type with no arrivals, from 08:00 for `horizon`, 1 h intervals.
fn shifts_only(shifts: &str, horizon: &str, extra: &str) -> cxsim::scenario::Scenario {
    scenario(&format!(
        "[simulation]\nhorizon = \"{horizon}\"\nstart = \"08:00\"\ninterval = \"1h\"\nreplications = 2\n[[contact_types]]\nname = \"c\"\narrivals = {{ rate = 0 }}\nhandle_time = {{ dist = \"exponential\", mean = \"3m\" }}\n[[agent_groups]]\nname = \"a\"\nserves = [\"c\"]\nshifts = {shifts}\n{extra}\n"
    ))
}

#[test]
fn a_shift_staggers_its_breaks_through_their_window_worked_by_hand() {
    // Four agents 08:00–16:00, a 15-minute break each within 10:00–11:00: agent k starts at
    // 10:00 + 45 min × (k + ½)/4 — 7,537.5 s, 8,212.5 s, 8,887.5 s and 9,562.5 s after 08:00.
    let sc = shifts_only(
        r#"[{ start = "08:00", length = "8h", agents = 4, breaks = [{ length = "15m", from = "10:00", to = "11:00" }] }]"#,
        "10h",
        "",
    );
    let g = &sc.agent_groups[0];
    assert_eq!(
        g.staffing,
        vec![
            (0.0, 4),
            (7537.5, 3),
            (8212.5, 2),
            (8437.5, 3),
            (8887.5, 2),
            (9112.5, 3),
            (9562.5, 2),
            (9787.5, 3),
            (10462.5, 4),
            (28800.0, 0)
        ]
    );
    assert_eq!(g.scheduled, [vec![4.0; 8], vec![0.0; 2]].concat());
    assert_eq!(g.headcount[2], 4, "the most on the phones in 10:00–11:00");
    assert!(sc.reports_scheduled && sc.erlang_model().is_none());
    // The engine follows the points: on the phones (4 × 8 h − 4 × 15 min) / 10 h = 3.1 on
    // average, scheduled 3.2.
    let s = run(&sc, 1);
    let figure = |name: &str| {
        s.scope(ScopeKind::Group, "a")
            .and_then(|x| x.get(name))
            .expect("a figure")
            .estimate
            .mean
    };
    assert!((figure("mean_agents") - 3.1).abs() < 1e-9, "{}", figure("mean_agents"));
    assert!(
        (figure("scheduled_agents") - 3.2).abs() < 1e-9,
        "{}",
        figure("scheduled_agents")
    );
}

#[test]
fn shifts_follow_their_days_and_run_past_midnight() {
    // From 08:00 on a Monday: a Tuesday shift 09:00–17:00 is 25–33 h after t = 0.
    let tuesday = shifts_only(
        r#"[{ start = "09:00", length = "8h", agents = 3, days = ["tuesday"] }]"#,
        "3d",
        "",
    );
    assert_eq!(
        tuesday.agent_groups[0].staffing,
        vec![(0.0, 0), (90000.0, 3), (118800.0, 0)]
    );
    // A night shift 22:00–06:00: from 08:00 (the one of the night before is over) it comes
    // on 14 h later and goes off at 06:00, 22 h later.
    let night = shifts_only(r#"[{ start = "22:00", length = "8h", agents = 2 }]"#, "1d", "");
    assert_eq!(
        night.agent_groups[0].staffing,
        vec![(0.0, 0), (50400.0, 2), (79200.0, 0)]
    );
    // Starting at 04:00 instead, the shift of the day before is on at t = 0 until 06:00.
    let early = scenario(
        &toml::to_string(&night.raw)
            .expect("serializes")
            .replace("start = \"08:00\"", "start = \"04:00\""),
    );
    assert_eq!(
        early.agent_groups[0].staffing,
        vec![(0.0, 2), (7200.0, 0), (64800.0, 2)]
    );
    // Shrinkage applies to the agents on the phones: 10 × (1 − 0.25) = 7.5 → 8.
    let shrunk = shifts_only(
        r#"[{ start = "08:00", length = "8h", agents = 10 }]"#,
        "10h",
        "shrinkage = 0.25",
    );
    assert_eq!(shrunk.agent_groups[0].staffing, vec![(0.0, 8), (28800.0, 0)]);
    assert_eq!(shrunk.agent_groups[0].scheduled[0], 10.0);
}

/// Answer times of three replayed calls on one agent — at 0 (60 s), 61 (10 s) and 100.5
/// (5 s) — with `cap` added to the group.
fn answers_under_a_cap(cap: &str) -> Vec<f64> {
    replayed_answers(
        &format!("headcount = 1\n{cap}"),
        "time,handle_time\n0,60\n61,10\n100.5,5\n",
    )
}

#[test]
fn an_agent_above_its_occupancy_cap_pauses_until_it_is_back_under_it_worked_by_hand() {
    // Window 60 s: after the first call (0–60 s) the recent occupancy is 1 − e^−1 = 0.632,
    // above the cap of 0.5, so the agent pauses 30 s; the second call, arrived at 61, waits.
    // At 90 the occupancy has decayed to 0.632·e^−0.5 = 0.383: the agent answers it. After it
    // (90–100 s) the occupancy is 1 − 0.617·e^(−1/6) = 0.478, under the cap: the third call is
    // answered on arrival.
    let cap = r#"occupancy_cap = { max = 0.5, window = "60s", pause = "30s" }"#;
    assert_eq!(answers_under_a_cap(cap), vec![0.0, 90.0, 100.5]);
    assert_eq!(answers_under_a_cap(""), vec![0.0, 61.0, 100.5]);
    // A cap of 0.65 is above 0.632: no pause after the first call, the second is answered at
    // 61. At its end (71 s) the occupancy is 1 − (1 − 0.632·e^(−1/60))·e^(−1/6) = 0.680, above
    // 0.65: a pause to 101 holds the third call back a half second.
    let cap = r#"occupancy_cap = { max = 0.65, window = "60s", pause = "30s" }"#;
    assert_eq!(answers_under_a_cap(cap), vec![0.0, 61.0, 101.0]);
}

/// M/M/10+M at 10.8 Erlangs over 100 hours, with `cap` on the group.
fn heavy_load(cap: &str) -> cxsim::summary::Summary {
    run(
        &scenario(&format!(
            r#"
[simulation]
horizon = "100h"
warmup = "2h"
seed = 8
replications = 20

[[contact_types]]
name = "calls"
arrivals = {{ rate = "130/h" }}
handle_time = {{ dist = "exponential", mean = "5m" }}
patience = {{ dist = "exponential", mean = "10m" }}

[[agent_groups]]
name = "a"
serves = ["calls"]
headcount = 10
{cap}
"#
        )),
        2,
    )
}

#[test]
fn an_occupancy_cap_holds_occupancy_down_at_the_cost_of_waiting_and_a_cap_of_one_changes_nothing() {
    let figure = |s: &cxsim::summary::Summary, scope, name: &str, f: &str| {
        s.scope(scope, name).unwrap().get(f).unwrap().estimate
    };
    let free = heavy_load("");
    let capped = heavy_load(r#"occupancy_cap = { max = 0.8, window = "30m", pause = "2m" }"#);
    let occ = |s| figure(s, ScopeKind::Group, "a", "occupancy");
    let wait = |s| figure(s, ScopeKind::Type, "calls", "p_wait");
    // Overloaded, the agents work over 90% of their time without the cap; with it, well under.
    assert!(occ(&free).mean > 0.9, "{:?}", occ(&free));
    assert!(
        occ(&capped).mean + occ(&capped).half_width < occ(&free).mean - occ(&free).half_width - 0.03,
        "{:?} vs {:?}",
        occ(&capped),
        occ(&free)
    );
    assert!(wait(&capped).mean - wait(&capped).half_width > wait(&free).mean + wait(&free).half_width);
    // A cap nobody can exceed takes the slower path through every service end, and gives the
    // same bits.
    let never = heavy_load(r#"occupancy_cap = { max = 1.0 }"#);
    super::support::assert_figures_of_a_identical_in_b(&free, &never);
    let paused = |s| figure(s, ScopeKind::Group, "a", "paused");
    assert_eq!(paused(&never).mean, 0.0);
    assert!(paused(&capped).mean > 0.02, "{:?}", paused(&capped));
}

#[test]
fn activities_take_agents_off_the_phones_on_their_days_and_keep_them_scheduled() {
    // From 08:00 on a Monday, two days in hours. Five agents; training takes two off from
    // 10:00 to 11:30 on Mondays, a meeting takes six (more than are on) from 15:00 for 30 min
    // every day; a group on a shift 09:00–13:00 of 4 agents loses one to coaching 12:00–12:30.
    let s = run(
        &scenario(
            r#"
[simulation]
horizon = "32h"
interval = "1h"
start = "08:00"
replications = 1

[[contact_types]]
name = "calls"
arrivals = { rate = 0 }
handle_time = { dist = "exponential", mean = "4m" }

[[agent_groups]]
name = "a"
serves = ["calls"]
headcount = 5
activities = [
  { name = "training", start = "10:00", length = "1h30m", agents = 2, days = ["monday"] },
  { name = "meeting", start = "15:00", length = "30m", agents = 6 },
]

[[agent_groups]]
name = "b"
serves = ["calls"]
shifts = [{ start = "09:00", length = "4h", agents = 4 }]
activities = [{ name = "coaching", start = "12:00", length = "30m", agents = 1 }]
"#,
        ),
        1,
    );
    let rows = |group: &str, figure: &str| -> Vec<f64> {
        let g = s.scope(ScopeKind::Group, group).expect("group");
        (0..32).map(|r| g.interval(r, figure).expect("row").mean).collect()
    };
    // Hour h from 08:00 Monday. Training: 10:00-11:30 Monday (rows 2 and 3, 1.5 h of 2
    // agents); the meeting at 15:00 every day (rows 7 and 31, half an hour of all five).
    let mut a = vec![5.0; 32];
    a[2] = 3.0;
    a[3] = 4.0;
    a[7] = 2.5;
    a[31] = 2.5;
    assert_eq!(rows("a", "mean_agents"), a);
    assert_eq!(rows("a", "scheduled_agents"), vec![5.0; 32]);
    // The shift on both days (rows 1-4 and 25-28), coaching at 12:00 (rows 4 and 28).
    let mut b = vec![0.0; 32];
    for r in [1, 2, 3, 25, 26, 27] {
        b[r] = 4.0;
    }
    b[4] = 3.5;
    b[28] = 3.5;
    assert_eq!(rows("b", "mean_agents"), b);
    let mut scheduled = b.clone();
    scheduled[4] = 4.0;
    scheduled[28] = 4.0;
    assert_eq!(rows("b", "scheduled_agents"), scheduled);
}
