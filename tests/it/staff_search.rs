//! The staffing search: on stationary intervals it lands on the Erlang C/A staffing, a chance
//! constraint staffs at least as many, the answer meets its targets on fresh seeds, shifts and
//! sites are staffed by what they cost, and the search does not depend on the threads.

use cxsim::scenario::{Base, load_base};
use cxsim::staffing::{self, SearchOptions, Staffing, Targets};
use cxsim::sweep::SweepOptions;

/// Writes `text` as `name` in a fresh folder and loads it as a base.
fn base(name: &str, text: &str) -> (tempfile::TempDir, Base) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    let base = load_base(&path).unwrap_or_else(|e| panic!("{e}"));
    (dir, base)
}

fn search(base: &Base, targets: Targets, threads: usize) -> Staffing {
    staffing::search(
        base,
        &SearchOptions {
            groups: Vec::new(),
            targets,
            sweep: SweepOptions { threads },
            max_evaluations: 400,
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// 360 calls an hour, exponential 4-minute calls, in four stationary two-hour intervals, the
/// first a warm-up; `patience` is empty or a patience line.
fn stationary(patience: &str, replications: u32) -> String {
    format!(
        r#"
name = "stationary"
[simulation]
horizon = "8h"
interval = "2h"
warmup = "2h"
seed = 7
replications = {replications}
[[contact_types]]
name = "calls"
arrivals = {{ rate = "360/h" }}
handle_time = {{ dist = "exponential", mean = "4m" }}
{patience}
sl_threshold = "20s"
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 10
"#
    )
}

fn sl(share: f64) -> Targets {
    Targets {
        service_level: Some((20.0, share)),
        max_abandon: None,
        chance: None,
    }
}

#[test]
fn on_stationary_intervals_the_search_lands_on_erlang_c_staffing() {
    // Erlang C at 24 Erlangs: 28 agents give SL(20s) = 76.1%, 29 give 84.0%: 29 is the answer.
    let (_d, b) = base("c.toml", &stationary("", 200));
    let st = search(&b, sl(0.8), 2);
    assert_eq!(st.erlang_model, "Erlang C");
    for row in st.intervals.iter().filter(|r| r.check.measured) {
        assert_eq!(row.erlang, 29);
        assert!(
            row.agents.abs_diff(29) <= 1,
            "interval {}: {} agents, Erlang C 29",
            row.index,
            row.agents
        );
        assert!(row.check.service_level >= 0.8);
    }
    assert!(st.met());
}

#[test]
fn on_stationary_intervals_with_patience_the_search_lands_on_erlang_a_staffing() {
    // Erlang A, 3-minute patience: 25 agents give SL(20s) = 73.2%, 26 give 79.1%.
    let (_d, b) = base(
        "a.toml",
        &stationary(r#"patience = { dist = "exponential", mean = "3m" }"#, 200),
    );
    let st = search(&b, sl(0.75), 2);
    assert_eq!(st.erlang_model, "Erlang A");
    for row in st.intervals.iter().filter(|r| r.check.measured) {
        assert_eq!(row.erlang, 26);
        assert!(
            row.agents.abs_diff(26) <= 1,
            "interval {}: {} agents, Erlang A 26",
            row.index,
            row.agents
        );
    }
}

fn day() -> String {
    let text = std::fs::read_to_string("scenarios/staffing_day.toml").expect("scenarios/staffing_day.toml");
    text.replace("replications = 100", "replications = 40")
}

#[test]
fn a_chance_constraint_staffs_at_least_as_many_as_the_same_target_on_average() {
    let (_d, b) = base("day.toml", &day());
    let mean = search(&b, sl(0.8), 2);
    let chance = search(
        &b,
        Targets {
            chance: Some(0.9),
            ..sl(0.8)
        },
        2,
    );
    let total = |s: &Staffing| s.intervals.iter().map(|r| r.agents).sum::<u32>();
    assert!(
        total(&chance) > total(&mean),
        "chance {} agent-intervals, mean {}",
        total(&chance),
        total(&mean)
    );
    assert!(chance.paid_hours > mean.paid_hours);
    for (c, m) in chance.intervals.iter().zip(&mean.intervals) {
        if c.check.measured {
            assert!(
                c.check.met_share >= 0.9,
                "interval {} met on {} of days",
                c.index,
                c.check.met_share
            );
            assert!(
                c.agents + 1 >= m.agents,
                "interval {}: {} < {}",
                c.index,
                c.agents,
                m.agents
            );
        }
    }
}

#[test]
fn the_staffing_found_meets_its_targets_on_fresh_seeds() {
    // Searched on 40 replications, checked on 200 of another seed: an interval found at the
    // boundary may fall short by noise, never by more than 4 standard errors.
    let (_d, b) = base("day.toml", &day());
    let targets = Targets {
        max_abandon: Some(0.05),
        ..sl(0.8)
    };
    let st = search(&b, targets, 2);
    assert!(st.met());
    let mut fresh = st.clone();
    fresh.scenario.replications = 200;
    let check = staffing::verify(&fresh, 1234, &targets, SweepOptions { threads: 2 }).unwrap();
    for c in check.iter().filter(|c| c.measured && c.offered > 0.0) {
        let z_sl = (0.8 - c.service_level) / c.service_level_se;
        let z_ab = (c.abandon - 0.05) / c.abandon_se;
        assert!(
            z_sl < 4.0,
            "interval {}: SL {} (se {})",
            c.index,
            c.service_level,
            c.service_level_se
        );
        assert!(
            z_ab < 4.0,
            "interval {}: abandon {} (se {})",
            c.index,
            c.abandon,
            c.abandon_se
        );
    }
}

#[test]
fn the_search_gives_the_same_staffing_on_one_and_two_threads() {
    let (_d, b) = base("day.toml", &day());
    let one = search(&b, sl(0.8), 1);
    let two = search(&b, sl(0.8), 2);
    assert_eq!(one.counts, two.counts);
    assert_eq!(one.evaluations, two.evaluations);
    assert_eq!(one.paid_hours.to_bits(), two.paid_hours.to_bits());
}

#[test]
fn the_cheaper_site_takes_every_half_hour_it_is_open_and_cost_is_its_rate_times_its_hours() {
    let (_d, b) = base("day.toml", &day());
    let st = search(&b, sl(0.8), 2);
    let sc = b.scenario();
    let offshore = st
        .groups
        .iter()
        .position(|g| sc.agent_groups[*g].name == "offshore")
        .expect("offshore searched");
    let onshore = 1 - offshore;
    // Offshore is open 20:00-08:00 (the first 24 and last 8 half hours are out of that).
    for row in &st.intervals {
        let open = staffing_open(&b, st.groups[offshore], row.index as usize);
        if open {
            assert_eq!(
                row.by_group[onshore], 0,
                "interval {}: onshore staffed while offshore open",
                row.index
            );
        } else {
            assert_eq!(row.by_group[offshore], 0);
        }
    }
    // Cost is each site's loaded rate times its paid hours.
    let paid = |g: usize| {
        st.levers
            .iter()
            .zip(&st.counts)
            .filter(|(l, _)| l.group == g)
            .map(|(l, c)| l.hours * f64::from(*c))
            .sum::<f64>()
    };
    let expected = 34.0 * paid(st.groups[onshore]) + 11.0 * paid(st.groups[offshore]);
    assert!((st.cost - expected).abs() < 1e-6, "{} against {expected}", st.cost);
}

/// Whether group `g` can have agents on the phones in interval `i` (its site is open).
fn staffing_open(b: &Base, g: usize, i: usize) -> bool {
    let name = &b.scenario().agent_groups[g].name;
    let probe = b
        .derive(&[(format!("agent_groups.{name}.headcount"), toml::Value::Integer(100))])
        .unwrap();
    probe.agent_groups[g].headcount[i] > 0
}

#[test]
fn shifts_are_staffed_by_their_agents_and_the_written_scenario_loads_with_them() {
    let text = r#"
name = "shifts"
[simulation]
horizon = "12h"
interval = "1h"
start = "08:00"
seed = 3
replications = 30
[[contact_types]]
name = "calls"
arrivals = { rates = ["100/h", "200/h", "300/h", "300/h", "200/h", "200/h", "200/h", "300/h", "300/h", "200/h", "100/h", "100/h"] }
handle_time = { dist = "exponential", mean = "3m" }
patience = { dist = "exponential", mean = "4m" }
sl_threshold = "20s"
[[agent_groups]]
name = "team"
serves = ["calls"]
hourly_cost = 30.0
shifts = [
  { start = "08:00", length = "8h", agents = 1 },
  { start = "12:00", length = "8h", agents = 1 },
  { start = "10:00", length = "4h", agents = 1 },
]
"#;
    let (dir, b) = base("shifts.toml", text);
    let st = search(&b, sl(0.8), 2);
    assert!(st.met());
    assert_eq!(st.levers.len(), 3);
    assert!(
        st.levers
            .iter()
            .all(|l| matches!(l.kind, staffing::LeverKind::Shift(_)))
    );
    // Paid hours are the shifts' lengths times their agents.
    let hours: f64 = [8.0, 8.0, 4.0]
        .iter()
        .zip(&st.counts)
        .map(|(h, c)| h * f64::from(*c))
        .sum();
    assert!((st.paid_hours - hours).abs() < 1e-9);
    assert!((st.cost - 30.0 * hours).abs() < 1e-6);
    let out = dir.path().join("found.toml");
    let text = staffing::overlay_toml(&b, &st, "shifts.toml", &["found".into()]).unwrap();
    std::fs::write(&out, text).unwrap();
    let found = cxsim::scenario::load(&out).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found.agent_groups[0].headcount, st.scenario.agent_groups[0].headcount);
}
