//! What each scenario feature means, checked on small cases with known answers: warm-up,
//! closing rules, piecewise arrival rates, staffing per interval, finite queues, empirical
//! samples.

use super::support::{run, scenario};
use cxsim::dist::Dist;
use cxsim::stats::tally::student_t_975;
use cxsim::summary::{ScopeKind, Summary};
use std::path::Path;

fn figure(s: &Summary, kind: ScopeKind, scope: &str, metric: &str) -> cxsim::stats::tally::Estimate {
    s.scope(kind, scope)
        .and_then(|sc| sc.get(metric))
        .unwrap_or_else(|| panic!("{metric}"))
        .estimate
}

fn interval_figure(
    s: &Summary,
    kind: ScopeKind,
    scope: &str,
    metric: &str,
    row: usize,
) -> cxsim::stats::tally::Estimate {
    let sc = s.scope(kind, scope).unwrap();
    let i = sc.interval_metrics.iter().position(|m| m == metric).unwrap();
    sc.intervals[row][i]
}

/// |mean − exact| within 4 standard errors (the family-wide bound of the theory tests).
fn assert_close(e: cxsim::stats::tally::Estimate, exact: f64, what: &str) {
    let se = e.half_width / student_t_975(e.n - 1);
    assert!(
        (e.mean - exact).abs() < 4.0 * se.max(1e-12),
        "{what}: {} ± {} vs {exact}",
        e.mean,
        e.half_width
    );
}

#[test]
fn contacts_arriving_during_the_warm_up_are_not_counted() {
    // Arrivals only in the first hour, which is the warm-up: nothing is measured.
    let s = run(
        &scenario(
            r#"
[simulation]
horizon = "2h"
warmup = "1h"
interval = "1h"
replications = 3
[[contact_types]]
name = "c"
arrivals = { rates = ["100/h", "0/h"] }
handle_time = { dist = "exponential", mean = "30m" }
[[agent_groups]]
name = "g"
serves = ["c"]
headcount = 1
"#,
        ),
        1,
    );
    assert_eq!(figure(&s, ScopeKind::Type, "c", "offered").mean, 0.0);
    assert_eq!(s.intervals.len(), 1, "only the measured interval is reported");
    // The backlog of the warm-up keeps the agent busy in the measured hour.
    assert!(figure(&s, ScopeKind::Group, "g", "occupancy").mean > 0.9);
}

const CLOSING: &str = r#"
[simulation]
horizon = "1h"
replications = 4
closing = "CLOSING"
[[contact_types]]
name = "c"
arrivals = { rate = "120/h" }
handle_time = { dist = "constant", value = "5m" }
[[agent_groups]]
name = "g"
serves = ["c"]
headcount = 2
"#;

#[test]
fn closing_serve_answers_everyone_and_closing_clear_sends_the_queue_away() {
    let serve = run(&scenario(&CLOSING.replace("CLOSING", "serve")), 1);
    let clear = run(&scenario(&CLOSING.replace("CLOSING", "clear")), 1);
    let (offered, answered) = (
        figure(&serve, ScopeKind::Type, "c", "offered"),
        figure(&serve, ScopeKind::Type, "c", "answered"),
    );
    assert_eq!(offered.mean, answered.mean);
    assert_eq!(figure(&serve, ScopeKind::Type, "c", "cleared").mean, 0.0);
    // 2 agents × 12 calls an hour can take ~24 of ~120 calls; the rest wait and are cleared.
    let cleared = figure(&clear, ScopeKind::Type, "c", "cleared").mean;
    let answered_clear = figure(&clear, ScopeKind::Type, "c", "answered").mean;
    assert!(cleared > 80.0, "cleared {cleared}");
    assert!((answered_clear - 24.0).abs() <= 2.0, "answered {answered_clear}");
    assert_eq!(
        figure(&clear, ScopeKind::Type, "c", "offered").mean,
        answered_clear + cleared
    );
}

#[test]
fn piecewise_rates_give_the_expected_volume_in_each_interval() {
    let rates = [30.0, 90.0, 0.0, 60.0];
    let s = run(
        &scenario(
            r#"
[simulation]
horizon = "2h"
interval = "30m"
replications = 200
[[contact_types]]
name = "c"
arrivals = { rates = ["30/30m", "90/30m", "0/30m", "60/30m"] }
handle_time = { dist = "exponential", mean = "1m" }
[[agent_groups]]
name = "g"
serves = ["c"]
headcount = 10
"#,
        ),
        2,
    );
    for (row, expected) in rates.iter().enumerate() {
        let e = interval_figure(&s, ScopeKind::Type, "c", "offered", row);
        if *expected == 0.0 {
            assert_eq!(e.mean, 0.0);
        } else {
            assert_close(e, *expected, &format!("offered in interval {row}"));
        }
    }
}

#[test]
fn a_repeating_profile_covers_a_longer_horizon() {
    let sc = scenario(
        r#"
[simulation]
horizon = "3d"
interval = "12h"
[[contact_types]]
name = "c"
arrivals = { rates = ["10/h", "2/h"] }
handle_time = { dist = "exponential", mean = "1m" }
[[agent_groups]]
name = "g"
serves = ["c"]
headcount = [3, 1]
"#,
    );
    assert_eq!(sc.contact_types[0].arrival_rates.len(), 6);
    assert_eq!(sc.agent_groups[0].headcount, vec![3, 1, 3, 1, 3, 1]);
}

#[test]
fn staffing_follows_the_headcount_of_each_interval() {
    // No arrivals: agents are never busy, so on-duty agents equal the headcount exactly.
    let s = run(
        &scenario(
            r#"
[simulation]
horizon = "3h"
interval = "1h"
replications = 2
[[contact_types]]
name = "c"
arrivals = { rate = 0 }
handle_time = { dist = "exponential", mean = "1m" }
[[agent_groups]]
name = "g"
serves = ["c"]
headcount = [2, 7, 4]
"#,
        ),
        1,
    );
    for (row, heads) in [2.0, 7.0, 4.0].iter().enumerate() {
        assert_eq!(
            interval_figure(&s, ScopeKind::Group, "g", "mean_agents", row).mean,
            *heads
        );
    }
}

/// Exact M/M/n/K (K waiting places) by the birth–death balance equations.
fn mmnk(n: u32, k: u32, lambda: f64, service: f64) -> (f64, f64, f64) {
    let mut p = vec![1.0f64];
    for i in 1..=(n + k) {
        let rate_out = f64::from(i.min(n)) / service;
        p.push(p[p.len() - 1] * lambda / rate_out);
    }
    let z: f64 = p.iter().sum();
    let p: Vec<f64> = p.iter().map(|x| x / z).collect();
    let blocked = p[(n + k) as usize];
    let wait = p[n as usize..(n + k) as usize].iter().sum::<f64>() / (1.0 - blocked);
    let queue = p
        .iter()
        .enumerate()
        .map(|(i, x)| (i as f64 - f64::from(n)).max(0.0) * x)
        .sum();
    (blocked, wait, queue)
}

#[test]
fn finite_queues_match_the_exact_mmnk_solution() {
    for (n, k, rho) in [(1u32, 3u32, 0.9), (5, 10, 1.1), (20, 5, 0.95)] {
        let service = 240.0;
        let lambda = rho * f64::from(n) / service;
        let s = run(
            &scenario(&format!(
                r#"
[simulation]
horizon = "30d"
warmup = "1d"
interval = "30d"
seed = {n}
replications = 30
[[contact_types]]
name = "c"
arrivals = {{ rate = {lambda:?} }}
handle_time = {{ dist = "exponential", mean = {service:?} }}
queue_capacity = {k}
[[agent_groups]]
name = "g"
serves = ["c"]
headcount = {n}
"#
            )),
            2,
        );
        let (blocked, wait, queue) = mmnk(n, k, lambda, service);
        let case = format!("M/M/{n}/{k}+{n} at rho {rho}");
        assert_close(
            figure(&s, ScopeKind::Type, "c", "p_blocked"),
            blocked,
            &format!("{case} p_blocked"),
        );
        assert_close(
            figure(&s, ScopeKind::Type, "c", "p_wait"),
            wait,
            &format!("{case} p_wait"),
        );
        assert_close(
            figure(&s, ScopeKind::Type, "c", "mean_queue"),
            queue,
            &format!("{case} mean_queue"),
        );
    }
}

#[test]
fn empirical_samples_are_read_from_a_list_or_a_column() {
    let list = scenario(
        r#"
[simulation]
horizon = "1h"
[[contact_types]]
name = "c"
arrivals = { rate = "1/h" }
handle_time = { dist = "empirical", file = "tests/fixtures/samples/talk_times.txt" }
patience = { dist = "empirical", file = "tests/fixtures/samples/calls.tsv", column = "ser_time" }
[[agent_groups]]
name = "g"
serves = ["c"]
headcount = 1
"#,
    );
    let ct = &list.contact_types[0];
    assert!((ct.handle_time.mean() - (120.0 + 95.5 + 310.0 + 42.0 + 180.0) / 5.0).abs() < 1e-12);
    assert!((ct.patience.as_ref().unwrap().mean() - 300.0).abs() < 1e-12);
    let Dist::Empirical { samples, .. } = &ct.handle_time else {
        panic!("not empirical")
    };
    let mut rng = cxsim::rng::stream(1, 0, cxsim::rng::StreamId::new(cxsim::rng::Source::HandleTime, 0));
    for _ in 0..1000 {
        let x = ct.handle_time.sample(&mut rng);
        assert!(samples.contains(&x), "{x} is not one of the samples");
    }
}

#[test]
fn empirical_paths_are_relative_to_the_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("t.txt"), "60\n120\n").unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(
        &path,
        r#"
[simulation]
horizon = "1h"
[[contact_types]]
name = "c"
arrivals = { rate = "1/h" }
handle_time = { dist = "empirical", file = "t.txt" }
[[agent_groups]]
name = "g"
serves = ["c"]
headcount = 1
"#,
    )
    .unwrap();
    let sc = cxsim::scenario::load(Path::new(&path)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sc.contact_types[0].handle_time.mean(), 90.0);
}

/// The policy shown in the README: prefer the group listed last among those serving a type.
struct LastGroupFirst;

impl cxsim::routing::RoutingPolicy for LastGroupFirst {
    fn select_agent(
        &mut self,
        view: &cxsim::routing::View<'_>,
        ty: cxsim::scenario::TypeId,
        _arrival: f64,
    ) -> Option<cxsim::engine::event::AgentId> {
        view.groups_serving(ty)
            .iter()
            .rev()
            .find_map(|g| view.longest_idle(*g))
            .map(|(a, _)| a)
    }
    fn select_queue(
        &mut self,
        view: &cxsim::routing::View<'_>,
        agent: cxsim::engine::event::AgentId,
    ) -> Option<cxsim::scenario::TypeId> {
        cxsim::routing::LongestIdleFifo.select_queue(view, agent)
    }
}

#[test]
fn a_policy_preferring_specialists_gives_them_more_of_the_work() {
    let mut sc = cxsim::scenario::load(Path::new("scenarios/day_profile.toml")).unwrap();
    sc.replications = 10;
    let opts = cxsim::sweep::SweepOptions { threads: 2 };
    let fifo = run(&sc, 2);
    let specialists_first = cxsim::sweep::run_with_policy(&sc, opts, || LastGroupFirst, &|| {}).unwrap();
    let answered = |s: &Summary| figure(s, ScopeKind::Group, "tech-specialists", "answered").mean;
    assert!(
        answered(&specialists_first) > answered(&fifo),
        "{} vs {}",
        answered(&specialists_first),
        answered(&fifo)
    );
    // Contacts are conserved whatever the policy.
    assert_eq!(
        figure(&fifo, ScopeKind::All, "all", "offered").mean,
        figure(&specialists_first, ScopeKind::All, "all", "offered").mean
    );
}

/// Three hourly intervals, ample agents, constant times: every contact is answered on
/// arrival, so each interval's mean handle time and time to abandon show its multiplier.
fn profiled(handle_profile: &str, patience_profile: &str, headcount: u32) -> String {
    format!(
        r#"
[simulation]
horizon = "3h"
interval = "1h"
replications = 4
closing = "clear"
[[contact_types]]
name = "calls"
arrivals = {{ rate = "60/h" }}
handle_time = {{ dist = "constant", value = "100s" }}
patience = {{ dist = "constant", value = "60s" }}
{handle_profile}
{patience_profile}
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = {headcount}
"#
    )
}

#[test]
fn handle_times_follow_their_profile_by_the_interval_of_the_answer() {
    let sc = scenario(&profiled("handle_time_profile = [1, 2, 0.5]", "", 40));
    assert!(sc.erlang_model().is_none());
    let s = run(&sc, 2);
    for (row, aht) in [100.0, 200.0, 50.0].into_iter().enumerate() {
        let e = interval_figure(&s, ScopeKind::Type, "calls", "aht_s", row);
        assert!((e.mean - aht).abs() < 1e-9, "interval {row}: {} vs {aht}", e.mean);
    }
}

#[test]
fn patience_follows_its_profile_by_the_interval_of_the_arrival() {
    // Nobody on duty: every contact waits until its patience runs out (or the closing).
    let sc = scenario(&profiled("", "patience_profile = [1, 3, 0]", 0));
    let s = run(&sc, 2);
    for (row, patience) in [60.0, 180.0, 0.0].into_iter().enumerate() {
        let e = interval_figure(&s, ScopeKind::Type, "calls", "mean_wait_abandoned_s", row);
        assert!(
            (e.mean - patience).abs() < 1e-9,
            "interval {row}: {} vs {patience}",
            e.mean
        );
    }
}

#[test]
fn handle_times_and_patience_follow_their_distributions_by_the_interval_of_the_arrival() {
    let handle = r#"handle_time_by_interval = [{ dist = "constant", value = "100s" }, { dist = "constant", value = "250s" }, { dist = "constant", value = "40s" }]"#;
    let s = run(&scenario(&profiled(handle, "", 40)), 2);
    for (row, aht) in [100.0, 250.0, 40.0].into_iter().enumerate() {
        let e = interval_figure(&s, ScopeKind::Type, "calls", "aht_s", row);
        assert!((e.mean - aht).abs() < 1e-9, "interval {row}: {} vs {aht}", e.mean);
    }
    // A cycle of one hour's patience distribution and the next, with its profile on top.
    let patience = r#"patience_by_interval = [{ dist = "constant", value = "30s" }, { dist = "constant", value = "90s" }]
patience_profile = [1, 1, 2, 1]"#;
    let sc = scenario(&profiled("", patience, 0).replace("horizon = \"3h\"", "horizon = \"4h\""));
    assert!(sc.erlang_model().is_none());
    let s = run(&sc, 2);
    for (row, waited) in [30.0, 90.0, 60.0, 90.0].into_iter().enumerate() {
        let e = interval_figure(&s, ScopeKind::Type, "calls", "mean_wait_abandoned_s", row);
        assert!((e.mean - waited).abs() < 1e-9, "interval {row}: {} vs {waited}", e.mean);
    }
}

#[test]
fn a_distribution_by_interval_that_repeats_the_types_own_changes_no_bit() {
    let exponential = r#"{ dist = "exponential", mean = "100s" }"#;
    let plain = profiled("", "", 1).replace(r#"{ dist = "constant", value = "100s" }"#, exponential);
    let listed = profiled(
        &format!("handle_time_by_interval = [{exponential}]"),
        r#"patience_by_interval = [{ dist = "constant", value = "60s" }]"#,
        1,
    )
    .replace(r#"{ dist = "constant", value = "100s" }"#, exponential);
    let (a, b) = (run(&scenario(&plain), 2), run(&scenario(&listed), 2));
    assert_eq!(super::support::bits(&a), super::support::bits(&b));
}

#[test]
fn profiles_of_ones_change_no_bit() {
    let plain = run(&scenario(&profiled("", "", 1)), 2);
    let ones = run(
        &scenario(&profiled(
            "handle_time_profile = [1]",
            "patience_profile = [1, 1, 1]",
            1,
        )),
        2,
    );
    assert_eq!(super::support::bits(&plain), super::support::bits(&ones));
}

/// Opening hours 08:00–09:00 on a day that runs 07:00–10:00; one agent, constant times.
fn opening(when_closed: &str, at_close: &str, retrial: &str) -> String {
    format!(
        r#"
[simulation]
horizon = "3h"
start = "07:00"
interval = "1h"
replications = 3
closing = "clear"
[[contact_types]]
name = "calls"
arrivals = {{ rate = "40/h" }}
handle_time = {{ dist = "constant", value = "5m" }}
patience = {{ dist = "constant", value = "20m" }}
hours = {{ open = "08:00", close = "09:00", when_closed = "{when_closed}", at_close = "{at_close}" }}
{retrial}
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 1
"#
    )
}

/// Records (time, what) of every arrival, queueing, answer, clearing and refusal.
#[derive(Default)]
struct Doors(Vec<(f64, &'static str)>);

impl cxsim::stats::Observer for Doors {
    fn on_arrival(&mut self, now: f64, _c: &cxsim::stats::ContactInfo) {
        self.0.push((now, "arrive"));
    }
    fn on_enqueue(&mut self, now: f64, _c: &cxsim::stats::ContactInfo) {
        self.0.push((now, "queue"));
    }
    fn on_cleared(&mut self, now: f64, _c: &cxsim::stats::ContactInfo) {
        self.0.push((now, "cleared"));
    }
    fn on_refused(&mut self, now: f64, _c: &cxsim::stats::ContactInfo) {
        self.0.push((now, "refused"));
    }
}

fn doors(toml: &str) -> Vec<(f64, &'static str)> {
    let sc = scenario(toml);
    let mut engine = cxsim::engine::Engine::with(&sc, cxsim::routing::Policy::default(), Doors::default());
    engine.run(0);
    std::mem::take(&mut engine.observer_mut().0)
}

#[test]
fn a_closed_line_defers_arrivals_to_its_opening_and_clears_its_queue_at_closing() {
    let events = doors(&opening("defer", "clear", ""));
    let (open, close) = (3600.0, 7200.0);
    // Everyone who called before 08:00 arrives at 08:00 exactly; nobody arrives while closed;
    // whoever calls after 09:00 finds no opening before the horizon and is refused.
    let at_opening = events.iter().filter(|e| e.1 == "arrive" && e.0 == open).count();
    assert!(at_opening > 20, "{at_opening} deferred arrivals at the opening");
    for (t, what) in &events {
        match *what {
            "queue" => assert!((open..close).contains(t), "queued at {t}"),
            "cleared" => assert_eq!(*t, close, "cleared at {t}"),
            "refused" => assert!(*t >= close, "refused at {t}"),
            _ => {}
        }
    }
    assert!(
        events.iter().any(|e| e.1 == "cleared"),
        "the 08:00 rush leaves a queue at 09:00"
    );
    assert!(events.iter().any(|e| e.1 == "refused"));
    // With at_close = "serve", the queue outlives the closing.
    let served = doors(&opening("defer", "serve", ""));
    assert!(served.iter().all(|e| e.1 != "cleared" || e.0 == 3.0 * 3600.0));
}

#[test]
fn a_closed_line_may_refuse_callers_who_then_retry_after_the_opening() {
    let retrial = "retrial = { probability = 1, delay = { dist = \"constant\", value = \"40m\" }, max_attempts = 3 }";
    let sc = scenario(&opening("refuse", "serve", retrial));
    let s = run(&sc, 2);
    let get = |m: &str, row: usize| interval_figure(&s, ScopeKind::Type, "calls", m, row).mean;
    // 07:00-08:00: all 40 refused, none queued; each retries 40 minutes later (from 07:40
    // on inside the opening, or refused once more before it).
    assert!(get("refused", 0) > 30.0 && get("answered", 0) == 0.0);
    assert!(get("retrials", 1) > 10.0, "refused callers come back in the open hour");
    let t = s.scope(ScopeKind::Type, "calls").unwrap();
    let total = |m: &str| t.get(m).unwrap().estimate.mean;
    let accounted = total("answered") + total("abandoned") + total("refused") + total("cleared");
    assert!((total("offered") - accounted).abs() < 1e-9);
}

/// Nobody on duty for the first hour, then one agent; constant patience and a maximum wait.
fn waiting_room(patience: &str, max_wait: &str) -> String {
    format!(
        r#"
[simulation]
horizon = "1h"
interval = "1h"
replications = 3
closing = "clear"
[[contact_types]]
name = "calls"
arrivals = {{ rate = "30/h" }}
handle_time = {{ dist = "constant", value = "1m" }}
patience = {{ dist = "constant", value = "{patience}" }}
max_wait = "{max_wait}"
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 0
"#
    )
}

#[test]
fn a_contact_reaching_the_maximum_wait_leaves_a_message_instead_of_abandoning() {
    let s = run(&scenario(&waiting_room("5m", "2m")), 2);
    let get = |m: &str| figure(&s, ScopeKind::Type, "calls", m).mean;
    assert_eq!(get("abandoned"), 0.0);
    assert!(get("messages") > 20.0);
    // Everyone who left a message waited exactly 2 minutes; the rest were cleared at closing.
    assert!((get("offered") - get("messages") - get("cleared")).abs() < 1e-9);
    let waited = get("asa_all_s") * (get("messages") + get("cleared"));
    assert!(waited >= 120.0 * get("messages"));
    // A patience shorter than the maximum wait: abandonment as before, no message.
    let s = run(&scenario(&waiting_room("1m", "2m")), 2);
    assert_eq!(figure(&s, ScopeKind::Type, "calls", "messages").mean, 0.0);
    assert!(figure(&s, ScopeKind::Type, "calls", "abandoned").mean > 20.0);
}

/// M/M/2 where an arrival that must wait balks with probability k/4 when k are waiting ahead
/// (so nobody joins behind 4): a birth–death chain on 0..=6 in the system. Returns
/// (P(balk), P(wait), mean queue) by PASTA.
fn balking_chain(lambda: f64, mu: f64) -> (f64, f64, f64) {
    let servers = 2usize;
    let balk = |ahead: usize| (ahead as f64 / 4.0).min(1.0);
    let mut pi = vec![1.0];
    for n in 0..6 {
        let birth = if n < servers {
            lambda
        } else {
            lambda * (1.0 - balk(n - servers))
        };
        let death = mu * (n + 1).min(servers) as f64;
        pi.push(pi[n] * birth / death);
    }
    let total: f64 = pi.iter().sum();
    let pi: Vec<f64> = pi.iter().map(|p| p / total).collect();
    let (mut p_balk, mut p_wait, mut queue) = (0.0, 0.0, 0.0);
    for (n, p) in pi.iter().enumerate() {
        if n >= servers {
            p_balk += p * balk(n - servers);
            p_wait += p * (1.0 - balk(n - servers));
            queue += p * (n - servers) as f64;
        }
    }
    (p_balk, p_wait, queue)
}

#[test]
fn balking_by_queue_length_matches_the_exact_birth_death_solution() {
    let sc = scenario(
        r#"
[simulation]
horizon = "200h"
warmup = "2h"
interval = "200h"
replications = 30
seed = 8
[[contact_types]]
name = "calls"
arrivals = { rate = "1.6/min" }
handle_time = { dist = "exponential", mean = "1m" }
balking = { queue = [[0, 0], [4, 1]] }
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 2
"#,
    );
    let s = run(&sc, 2);
    let (p_balk, p_wait, queue) = balking_chain(1.6, 1.0);
    let t = s.scope(ScopeKind::Type, "calls").unwrap();
    for (name, exact) in [("p_balked", p_balk), ("p_wait", p_wait), ("mean_queue", queue)] {
        super::support::assert_near_exact(name, t.get(name).unwrap().estimate, 1.0, exact, 0.03);
    }
}

/// Records (time, what, handle) of arrivals, answers and abandonments.
#[derive(Default)]
struct Replayed(Vec<(f64, &'static str, f64)>);

impl cxsim::stats::Observer for Replayed {
    fn on_arrival(&mut self, now: f64, _c: &cxsim::stats::ContactInfo) {
        self.0.push((now, "arrive", 0.0));
    }
    fn on_answer(
        &mut self,
        now: f64,
        _c: &cxsim::stats::ContactInfo,
        _a: cxsim::engine::event::AgentId,
        _g: cxsim::scenario::GroupId,
        handle: f64,
    ) {
        self.0.push((now, "answer", handle));
    }
    fn on_abandon(&mut self, now: f64, _c: &cxsim::stats::ContactInfo) {
        self.0.push((now, "abandon", 0.0));
    }
}

#[test]
fn a_replayed_file_arrives_exactly_as_recorded_with_its_handle_times_and_patience() {
    let sc = cxsim::scenario::from_toml_str(
        r#"
[simulation]
horizon = "1h"
replications = 3
[[contact_types]]
name = "calls"
arrivals = { replay = "samples/replay.csv" }
handle_time = { dist = "exponential", mean = "5m" }
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 1
"#,
        "replay.toml",
        "replay",
        Path::new("tests/fixtures"),
    )
    .unwrap();
    // Rows out of order are sorted; the row at 5,000 s is past the horizon. One agent: the
    // contact at 20 s waits and gives up after its recorded 5 s; the one at 30 s waits for
    // the agent until 60 s.
    let expected = vec![
        (10.0, "arrive", 0.0),
        (10.0, "answer", 50.0),
        (20.0, "arrive", 0.0),
        (25.0, "abandon", 0.0),
        (30.0, "arrive", 0.0),
        (60.0, "answer", 100.0),
        (200.0, "arrive", 0.0),
        (200.0, "answer", 30.0),
    ];
    for rep in 0..3 {
        let mut engine = cxsim::engine::Engine::with(&sc, cxsim::routing::Policy::default(), Replayed::default());
        engine.run(rep);
        assert_eq!(engine.observer().0, expected, "replication {rep}");
    }
    assert!(sc.erlang_model().is_none());
    // The reports see the recorded counts: 4 in the first half hour.
    assert!((sc.contact_types[0].arrival_rates[0] * 1800.0 - 4.0).abs() < 1e-12);
}

#[test]
fn a_patience_multiplier_of_zero_leaves_a_patient_contact_patient() {
    let sc = scenario(
        r#"
[simulation]
horizon = "1h"
replications = 2
closing = "clear"
[[contact_types]]
name = "calls"
arrivals = { rate = "60/h" }
handle_time = { dist = "constant", value = "1m" }
patience_profile = [0]
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 0
"#,
    );
    let s = run(&sc, 2);
    assert_eq!(figure(&s, ScopeKind::Type, "calls", "abandoned").mean, 0.0);
    assert!(figure(&s, ScopeKind::Type, "calls", "cleared").mean > 40.0);
}

/// Records every journey end: (time, outcome, wait).
#[derive(Default)]
struct Ends(Vec<(f64, cxsim::stats::JourneyOutcome, f64)>, Vec<f64>);

impl cxsim::stats::Observer for Ends {
    fn on_journey_end(&mut self, now: f64, j: &cxsim::stats::JourneyEnd) {
        self.0.push((now, j.outcome, j.wait));
    }
    fn on_cleared(&mut self, now: f64, _c: &cxsim::stats::ContactInfo) {
        self.1.push(now);
    }
}

#[test]
fn a_line_clears_at_every_closing_and_refuses_what_only_the_horizon_would_open_for() {
    // 07:00 on day 1 to 09:00 on day 2 (26 h): open 08:00-09:00 each day, everyone queues for
    // nobody, the queue is cleared at 09:00 both days.
    let toml = opening("defer", "clear", "[csat]")
        .replace("horizon = \"3h\"", "horizon = \"26h\"")
        .replace("headcount = 1", "headcount = 0");
    let sc = scenario(&toml);
    let mut engine = cxsim::engine::Engine::with(&sc, cxsim::routing::Policy::default(), Ends::default());
    engine.run(0);
    let Ends(ends, cleared) = engine.observer();
    let hour = 3600.0;
    assert!(
        cleared.contains(&(2.0 * hour)) && cleared.contains(&(26.0 * hour)),
        "{cleared:?}"
    );
    assert!(cleared.iter().all(|t| *t == 2.0 * hour || *t == 26.0 * hour));
    // A cleared journey gave up after waiting from its (deferred) arrival to the closing; the
    // patience of 20 minutes outlasts the hour only for late arrivals.
    for (t, outcome, wait) in ends {
        assert!(*wait <= 20.0 * 60.0 + 1e-9, "waited {wait}");
        if cleared.contains(t) {
            assert_eq!(*outcome, cxsim::stats::JourneyOutcome::GaveUp);
        }
    }
    // Ending at 08:00 on day 2, the horizon: callers after 09:00 on day 1 find no opening
    // before it and are refused.
    let toml = toml.replace("horizon = \"26h\"", "horizon = \"25h\"");
    let events = doors(&toml);
    assert!(events.iter().any(|e| e.1 == "refused" && e.0 > 2.0 * hour));
    assert!(events.iter().all(|e| e.1 != "queue" || e.0 < 2.0 * hour));
}
