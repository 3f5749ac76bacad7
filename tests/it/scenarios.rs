//! Every example in `scenarios/` loads and runs (briefly: two replications).

use super::support::run;
use std::path::Path;

#[test]
fn every_example_scenario_loads_and_runs() {
    let mut seen = 0;
    for entry in std::fs::read_dir("scenarios").expect("scenarios/ exists") {
        let path = entry.expect("readable").path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let mut sc = cxsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
        sc.replications = 2;
        let s = run(&sc, 2);
        assert_eq!(s.replications, 2, "{}", path.display());
        assert!(s.total_arrivals > 0, "{} simulated no arrival", path.display());
        every_count_and_share_is_in_range(&path, &s);
        seen += 1;
    }
    assert!(seen >= 6, "expected the example scenarios, found {seen}");
}

/// Whole-period counts of contacts lie in [0, arrivals] and shares in [0, 1]: a count that
/// wrapped below zero (a subtraction of more than was counted) shows up here as a huge number.
fn every_count_and_share_is_in_range(path: &Path, s: &cxsim::summary::Summary) {
    use cxsim::metrics::{Unit, unit_of};
    let arrivals = s.total_arrivals as f64 / s.replications as f64;
    for scope in &s.scopes {
        for m in &scope.metrics {
            let v = m.estimate.mean;
            let ok = match unit_of(&m.name) {
                _ if !v.is_finite() => true,
                Some(Unit::Contacts) if m.name.ends_with("per_journey") || m.name == "contacts_per_resolved" => {
                    (0.0..=100.0).contains(&v)
                }
                Some(Unit::Contacts) => (0.0..=arrivals).contains(&v),
                Some(Unit::Probability) => (0.0..=1.0).contains(&v),
                _ => true,
            };
            assert!(
                ok,
                "{}: {} {}: {} = {v} is out of range",
                path.display(),
                scope.kind.as_str(),
                scope.name,
                m.name
            );
        }
    }
}

/// The scenario reference in the README is a scenario: it loads, runs, and every optional
/// table in it takes effect.
#[test]
fn the_readme_scenario_reference_loads_and_runs() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme
        .find("```toml\nname = \"my-center\"")
        .expect("the reference block")
        + 8;
    let end = start + readme[start..].find("```").unwrap();
    let mut sc = super::support::scenario(&readme[start..end]);
    assert!(sc.follow_journeys && sc.lines.len() == 1 && sc.workforce.is_some());
    assert!(sc.has_assist && sc.agent_groups[0].assist_since == Some(14.0 * 86_400.0));
    let pool = sc.agent_groups[1].ai.as_ref().expect("the AI pool");
    assert_eq!((pool.escalate_to.0, pool.outages.len()), (2, 1));
    let [billing, cards, _] = sc.contact_types.as_slice() else {
        panic!("three types")
    };
    assert!(billing.retrial.is_some() && billing.resolution.is_some() && billing.busyness.is_some());
    // 3000 a Monday, 08:00-08:30 holding 3 of the day's 98 weights.
    assert!((cards.arrival_rates[0] * 1800.0 - 3000.0 * 1.2 * 3.0 / 98.0).abs() < 1e-9);
    sc.replications = 2;
    let s = super::support::run(&sc, 2);
    let t = s.scope(cxsim::summary::ScopeKind::Type, "billing").unwrap();
    assert!(t.get("csat").unwrap().estimate.mean > 0.0);
}

#[test]
fn the_erlang_examples_are_recognised_as_erlang_models() {
    for (file, model) in [
        ("erlang_b", "B"),
        ("erlang_c", "C"),
        ("erlang_a", "A"),
        ("bench_standard", "A"),
    ] {
        let sc = cxsim::scenario::load(Path::new(&format!("scenarios/{file}.toml"))).unwrap();
        let s = cxsim::summary::SummaryBuilder::new(&sc).finish();
        assert_eq!(s.erlang_model.as_deref(), Some(model), "{file}");
    }
    let day = cxsim::scenario::load(Path::new("scenarios/day_profile.toml")).unwrap();
    assert!(day.erlang_model().is_none());
}

#[test]
fn the_example_scenarios_raise_no_warning() {
    for entry in std::fs::read_dir("scenarios").expect("scenarios/ exists") {
        let path = entry.expect("readable").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let sc = cxsim::scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(sc.warnings.is_empty(), "{}: {:?}", path.display(), sc.warnings);
        }
    }
}

/// A scenario with one type and one group; `arrivals`, `patience` and `headcount` are TOML.
fn one_queue(arrivals: &str, patience: &str, headcount: &str, closing: &str) -> cxsim::scenario::Scenario {
    super::support::scenario(&format!(
        r#"
[simulation]
horizon = "2h"
interval = "30m"
closing = "{closing}"

[[contact_types]]
name = "billing"
arrivals = {arrivals}
handle_time = {{ dist = "exponential", mean = "5m" }}
{patience}

[[agent_groups]]
name = "team"
serves = ["billing"]
headcount = {headcount}
"#
    ))
}

#[test]
fn an_overloaded_type_without_patience_is_warned_about_with_the_size_of_the_excess() {
    // 600/h × 5m = 50 Erlangs against 10 agents: 10/min arrive, 2/min can be served.
    let sc = one_queue(r#"{ rate = "600/h" }"#, "", "10", "serve");
    assert_eq!(sc.warnings.len(), 1, "{:?}", sc.warnings);
    insta::assert_snapshot!(sc.warnings[0].to_string(), @r#"test.toml:9:12: contact_types[0].arrivals: "billing": offered load 50 Erlangs vs at most 10 agents serving it and no patience: the queue grows without bound (about 0.133 contacts/s)"#);
}

#[test]
fn a_rate_written_without_its_unit_is_named_in_the_overload_warning() {
    // `rate = 540` is 540 per second — meant as 540/h.
    let sc = one_queue("{ rate = 540 }", "", "50", "serve");
    let w = sc.warnings[0].to_string();
    assert!(w.contains("offered load 162000 Erlangs vs at most 50 agents"), "{w}");
    assert!(w.contains("`rate = 540` has no unit and means per second"), "{w}");
}

#[test]
fn an_overload_in_some_intervals_only_says_which() {
    let sc = one_queue(r#"{ rates = ["300/h", "900/h", "300/h", "300/h"] }"#, "", "40", "serve");
    let w = sc.warnings[0].to_string();
    assert!(
        w.contains("offered load 75 Erlangs vs at most 40 agents serving it and no patience: in 1 of 4 intervals (the worst from 30m) the queue grows, by about 0.117 contacts/s"),
        "{w}"
    );
}

#[test]
fn patience_or_a_finite_queue_or_enough_agents_silence_the_overload_warning() {
    let patient = r#"patience = { dist = "exponential", mean = "3m" }"#;
    assert!(
        one_queue(r#"{ rate = "600/h" }"#, patient, "10", "serve")
            .warnings
            .is_empty()
    );
    assert!(
        one_queue(r#"{ rate = "600/h" }"#, "queue_capacity = 20", "10", "serve")
            .warnings
            .is_empty()
    );
    assert!(
        one_queue(r#"{ rate = "600/h" }"#, "", "51", "serve")
            .warnings
            .is_empty()
    );
}

#[test]
fn closing_serve_with_nobody_on_duty_in_the_last_interval_is_warned_about() {
    let patient = r#"patience = { dist = "exponential", mean = "3m" }"#;
    let sc = one_queue(r#"{ rate = "60/h" }"#, patient, "[10, 10, 10, 0]", "serve");
    assert_eq!(sc.warnings.len(), 1, "{:?}", sc.warnings);
    let w = sc.warnings[0].to_string();
    assert!(
        w.contains("closing = \"serve\", but no agent serving it is on duty in the last interval"),
        "{w}"
    );
    // "clear" sends the queue away at the horizon: nothing is left unserved.
    assert!(
        one_queue(r#"{ rate = "60/h" }"#, patient, "[10, 10, 10, 0]", "clear")
            .warnings
            .is_empty()
    );
}

#[test]
fn a_horizon_of_1_1h_in_intervals_of_0_1h_has_11_intervals() {
    // 1.1h / 0.1h is 11.000000000000002 in floating point.
    let sc = super::support::scenario(
        r#"
[simulation]
horizon = "1.1h"
interval = "0.1h"

[[contact_types]]
name = "billing"
arrivals = { rates = ["60/h", "60/h", "60/h", "60/h", "60/h", "60/h", "60/h", "60/h", "60/h", "60/h", "120/h"] }
handle_time = { dist = "exponential", mean = "5m" }

[[agent_groups]]
name = "team"
serves = ["billing"]
headcount = 10
"#,
    );
    assert_eq!(sc.n_intervals, 11);
    for i in 0..sc.n_intervals {
        let len = sc.interval_end(i) - sc.interval_start(i);
        assert!((len - 360.0).abs() < 1e-6, "interval {i} lasts {len}s");
    }
    assert_eq!(sc.interval_end(10), sc.horizon);
    assert_eq!(cxsim::scenario::compile::interval_count(3960.0, 360.0), 11.0);
    // A ratio that is truly above a whole number still gets a last, shorter interval.
    assert_eq!(cxsim::scenario::compile::interval_count(3961.0, 360.0), 12.0);
}

#[test]
fn the_start_clock_time_is_compiled_into_seconds_after_midnight() {
    let with = |start: &str| {
        super::support::scenario(&format!(
            "[simulation]\nhorizon = \"8h\"\n{start}\n[[contact_types]]\nname = \"b\"\narrivals = {{ rate = \"60/h\" }}\nhandle_time = {{ dist = \"exponential\", mean = \"5m\" }}\n[[agent_groups]]\nname = \"t\"\nserves = [\"b\"]\nheadcount = 10\n"
        ))
        .day_start_s
    };
    assert_eq!(with(""), 0.0);
    assert_eq!(with("start = \"08:00\""), 8.0 * 3600.0);
    assert_eq!(with("start = \"23:59:30\""), 86_370.0);
    for bad in ["24:00", "8am", "8:5", "08:60", "", "-1:00"] {
        assert!(cxsim::scenario::compile::parse_clock(bad).is_none(), "{bad}");
    }
}

#[test]
fn a_default_name_from_the_file_name_is_made_safe_for_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("my day (v2).toml");
    std::fs::copy("scenarios/erlang_c.toml", &path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let unnamed: String = text
        .lines()
        .filter(|l| !l.starts_with("name = \"erlang-c\""))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&path, unnamed).unwrap();
    let sc = cxsim::scenario::load(&path).unwrap();
    assert_eq!(sc.name, "my-day-v2");
    assert_eq!(cxsim::scenario::compile::slug("../../x"), "x");
    assert_eq!(cxsim::scenario::compile::slug("\u{1b}[31m"), "31m");
}

#[test]
fn a_samples_file_with_a_byte_order_mark_loads() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("times.txt"), "\u{feff}120\n240\n").unwrap();
    let sc = cxsim::scenario::from_toml_str(
        "[simulation]\nhorizon = \"8h\"\n[[contact_types]]\nname = \"b\"\narrivals = { rate = \"60/h\" }\nhandle_time = { dist = \"empirical\", file = \"times.txt\" }\n[[agent_groups]]\nname = \"t\"\nserves = [\"b\"]\nheadcount = 10\n",
        "bom.toml",
        "bom",
        dir.path(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sc.contact_types[0].handle_time.mean(), 180.0);
    // The samples file is recorded with its hash.
    assert_eq!(sc.inputs.len(), 1);
    assert_eq!(sc.inputs[0].role, "contact_types[0].handle_time");
    assert!(sc.inputs[0].path.is_absolute());
    assert_eq!(sc.inputs[0].sha256.len(), 64);
}

#[test]
fn types_without_patience_overloading_shared_agents_together_are_warned_about() {
    // 30 + 30 Erlangs on 50 agents: neither type alone exceeds them.
    let sc = super::support::scenario(
        r#"
[simulation]
horizon = "2h"

[[contact_types]]
name = "billing"
arrivals = { rate = "360/h" }
handle_time = { dist = "exponential", mean = "5m" }

[[contact_types]]
name = "tech"
arrivals = { rate = "180/h" }
handle_time = { dist = "exponential", mean = "10m" }

[[agent_groups]]
name = "team"
serves = ["billing", "tech"]
headcount = 50
"#,
    );
    assert_eq!(sc.warnings.len(), 1, "{:?}", sc.warnings);
    insta::assert_snapshot!(sc.warnings[0].to_string(), @r#"test.toml:7:12: contact_types: the types without patience ("billing", "tech") together: offered load 60 Erlangs vs at most 50 agents serving them: their queues grow without bound"#);
}

#[test]
fn a_patience_atom_at_zero_sends_away_exactly_those_who_would_wait() {
    // Everyone who finds no agent free hangs up at once: abandonment is the chance of
    // waiting, and nobody answered ever waited. Handle times are shifted and truncated.
    let sc = super::support::scenario(
        r#"
[simulation]
horizon = "8h"
replications = 8
[[contact_types]]
name = "calls"
arrivals = { rate = "100/h" }
handle_time = { dist = "lognormal", mean = "3m", cv = 1.5, shift = "30s", at_least = "1m", at_most = "20m" }
patience = { dist = "mixture", of = [
  { weight = 1, dist = "constant", value = 0 },
] }
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 5
"#,
    );
    let s = super::support::run(&sc, 2);
    let t = s.scope(cxsim::summary::ScopeKind::Type, "calls").unwrap();
    let get = |name: &str| t.get(name).unwrap().estimate.mean;
    assert!(get("p_wait") > 0.05, "the scenario makes people wait");
    assert_eq!(get("p_abandon"), get("p_wait"));
    assert_eq!(get("asa_answered_s"), 0.0);
    let aht = get("aht_s");
    assert!((60.0..=1200.0).contains(&aht), "{aht}");
}

#[test]
fn opening_hours_compile_to_windows_on_the_listed_weekdays_from_the_clock_of_t_zero() {
    // t = 0 is Friday 06:00; open Mon/Fri/Sat 22:00 to 02:00 the next day.
    let sc = super::support::scenario(
        r#"
[simulation]
horizon = "4d"
start = "06:00"
first_day = "fri"
[[contact_types]]
name = "night"
arrivals = { rate = "1/h" }
handle_time = { dist = "constant", value = "1m" }
hours = { open = "22:00", close = "02:00", days = ["mon", "friday", "Sat"] }
[[agent_groups]]
name = "a"
serves = ["night"]
headcount = 1
"#,
    );
    let h = sc.contact_types[0].hours.as_ref().unwrap();
    let hour = 3600.0;
    // Friday 22:00 is t = 16 h, Saturday 22:00 is 40 h, Monday 22:00 is 88 h (Sunday is
    // closed); each window runs to 02:00 the next day.
    assert_eq!(
        &h.windows[..3],
        &[
            (16.0 * hour, 20.0 * hour),
            (40.0 * hour, 44.0 * hour),
            (88.0 * hour, 92.0 * hour)
        ]
    );
    assert_eq!(h.open_at(17.0 * hour), Ok(()));
    assert_eq!(h.open_at(20.0 * hour), Err(Some(40.0 * hour)), "closing time is closed");
    assert_eq!(h.open_at(0.0), Err(Some(16.0 * hour)));
    assert_eq!(h.next_close_after(20.0 * hour), Some(44.0 * hour));
    assert_eq!(h.at_close, cxsim::scenario::Closing::Serve);
    assert_eq!(h.when_closed, cxsim::scenario::WhenClosed::Defer);
}

#[test]
fn the_overload_warning_reads_the_handle_time_profile() {
    // 96/h × 5m = 8 Erlangs on 10 agents is fine; doubled in the last two intervals it is not.
    let fine = one_queue(r#"{ rate = "96/h" }"#, "", "10", "serve");
    assert!(fine.warnings.is_empty(), "{:?}", fine.warnings);
    let slower = one_queue(
        r#"{ rate = "96/h" }"#,
        "handle_time_profile = [1, 1, 2, 2]",
        "10",
        "serve",
    );
    assert_eq!(slower.warnings.len(), 1, "{:?}", slower.warnings);
    assert!(
        slower.warnings[0].to_string().contains("in 2 of 4 intervals"),
        "{}",
        slower.warnings[0]
    );
}

/// The two omnichannel examples differ only by their bots' containment and share their random
/// numbers: the better bots contain more on both entries, and fewer callers abandon.
#[test]
fn the_omnichannel_examples_show_what_better_bots_change() {
    let figure = |file: &str, scope: &str, name: &str| {
        let sc = cxsim::scenario::load(Path::new(&format!("scenarios/{file}.toml"))).unwrap();
        let s = run(&sc, 2);
        s.scope(cxsim::summary::ScopeKind::Type, scope)
            .unwrap()
            .get(name)
            .unwrap()
            .estimate
    };
    // Shares of the contacts leaving the graph: a call reaches the voice bot past the menu
    // (90%), authentication (92%) and intent capture (50%); every chat meets the chat bot.
    let via = 0.90 * 0.92 * 0.5;
    for (scope, before, after) in [("phone", via * 0.10, via * 0.25), ("web_chat", 0.25, 0.45)] {
        let (b, a) = (
            figure("omnichannel_bank", scope, "p_contained"),
            figure("omnichannel_bank_bots", scope, "p_contained"),
        );
        for (e, want) in [(b, before), (a, after)] {
            assert!(
                (e.mean - want).abs() < 4.0 * e.half_width / 1.96,
                "{scope}: {} vs {want}",
                e.mean
            );
        }
    }
    let abandon = |file: &str| figure(file, "accounts", "p_abandon").mean;
    assert!(abandon("omnichannel_bank_bots") < abandon("omnichannel_bank"));
}

/// With queues on several channels, each channel's queues are summed into a scope of their
/// own (IVR entries left out: their contacts arrive again at a queue).
#[test]
fn each_channels_queues_are_reported_together() {
    let sc = cxsim::scenario::load(Path::new("scenarios/omnichannel_bank.toml")).unwrap();
    let s = run(&sc, 2);
    let offered = |kind, name: &str| {
        s.scope(kind, name)
            .unwrap_or_else(|| panic!("{name}"))
            .get("offered")
            .unwrap()
            .estimate
            .mean
    };
    use cxsim::summary::ScopeKind::{Channel, Type};
    let voice = offered(Type, "accounts") + offered(Type, "cards");
    assert!((offered(Channel, "voice") - voice).abs() < 1e-9 * voice);
    assert_eq!(offered(Channel, "chat"), offered(Type, "chat"));
    assert_eq!(offered(Channel, "email"), offered(Type, "email"));
    // A scenario on one channel has no channel scopes.
    let day = cxsim::scenario::load(Path::new("scenarios/day_profile.toml")).unwrap();
    let s = run(&day, 2);
    assert!(s.scopes.iter().all(|x| x.kind != Channel));
}

/// The second reference in the README — channels, the IVR and bots, callbacks — loads and runs,
/// and each of its parts takes effect.
#[test]
fn the_readme_channels_reference_loads_and_runs() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme
        .find("```toml\nname = \"my-omnichannel\"")
        .expect("the reference block")
        + 8;
    let end = start + readme[start..].find("```").unwrap();
    let mut sc = super::support::scenario(&readme[start..end]);
    assert_eq!(sc.self_service.nodes.len(), 4);
    assert!(sc.contact_types[1].callback.is_some());
    assert_eq!(sc.agent_groups[1].sessions, 3);
    sc.replications = 2;
    let s = super::support::run(&sc, 2);
    let t = |name: &str, figure: &str| {
        s.scope(cxsim::summary::ScopeKind::Type, name)
            .unwrap()
            .get(figure)
            .unwrap()
            .estimate
            .mean
    };
    assert!(t("phone", "contained") > 0.0 && t("phone", "switches_per_journey") > 0.0);
    assert!(t("chat", "answered") > 0.0 && t("email", "answered") > 0.0);
    assert!(t("accounts", "transferred") + t("chat", "transferred") > 0.0);
}
