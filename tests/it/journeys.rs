//! Journeys that go on after a failed attempt: retrials after abandonment or blocking, traced
//! contact by contact, compared with the exact solution of a retrial loss system, and kept
//! from moving anyone else's random numbers.

use super::support::{run, scenario};
use cxsim::engine::Engine;
use cxsim::engine::event::AgentId;
use cxsim::routing::Policy;
use cxsim::scenario::GroupId;
use cxsim::stats::{ContactInfo, Observer};
use cxsim::summary::ScopeKind;
use std::collections::BTreeMap;

/// What happened to each contact, in order: (time, what, type, journey, attempt).
#[derive(Default)]
struct Trace(Vec<(f64, &'static str, u16, u64, u16)>);

impl Trace {
    fn push(&mut self, now: f64, what: &'static str, c: &ContactInfo) {
        self.0.push((now, what, c.ty.0, c.journey, c.attempt));
    }
}

impl Observer for Trace {
    fn on_arrival(&mut self, now: f64, c: &ContactInfo) {
        self.push(now, "arrive", c);
    }
    fn on_blocked(&mut self, now: f64, c: &ContactInfo) {
        self.push(now, "blocked", c);
    }
    fn on_retry_scheduled(&mut self, now: f64, c: &ContactInfo, at: f64) {
        self.push(at, "retry due", c);
        assert!(at >= now);
    }
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _a: AgentId, _g: GroupId, handle: f64) {
        self.push(now, "answer", c);
        // The handle time rides along in the time of a second record.
        self.0.push((handle, "handle", c.ty.0, c.journey, c.attempt));
    }
    fn on_abandon(&mut self, now: f64, c: &ContactInfo) {
        self.push(now, "abandon", c);
    }
    fn on_cleared(&mut self, now: f64, c: &ContactInfo) {
        self.push(now, "cleared", c);
    }
    fn on_in_system_at_end(&mut self, now: f64, c: &ContactInfo) {
        self.push(now, "in system", c);
    }
}

fn trace(toml: &str, replication: u32) -> Vec<(f64, &'static str, u16, u64, u16)> {
    let sc = scenario(toml);
    let mut engine = Engine::with(&sc, Policy::default(), Trace::default());
    engine.run(replication);
    std::mem::take(&mut engine.observer_mut().0)
}

/// One agent, constant times: a contact that waits a minute abandons, tries again exactly five
/// minutes later, at most three attempts in all.
const SMALL: &str = r#"
[simulation]
horizon = "8h"
replications = 1
closing = "clear"
[[contact_types]]
name = "calls"
arrivals = { rate = "8/h" }
handle_time = { dist = "constant", value = "10m" }
patience = { dist = "constant", value = "1m" }
queue_capacity = 2
retrial = { probability = 0.8, delay = { dist = "constant", value = "5m" }, max_attempts = 3 }
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 1
"#;

#[test]
fn a_journey_retries_after_abandoning_or_being_blocked_until_it_is_answered_or_gives_up() {
    let events = trace(SMALL, 3);
    let mut journeys: BTreeMap<u64, Vec<(f64, &str, u16)>> = BTreeMap::new();
    for &(t, what, _, journey, attempt) in &events {
        journeys.entry(journey).or_default().push((t, what, attempt));
    }
    let mut seen = BTreeMap::<&str, usize>::new();
    for (journey, steps) in &journeys {
        let steps: Vec<_> = steps.iter().filter(|s| s.1 != "handle").collect();
        // Attempts follow one another: arrive, then one outcome; a failed attempt may be
        // followed by "retry due" and, five minutes later, the next attempt's arrival.
        let mut expected_attempt = 0;
        let mut i = 0;
        while i < steps.len() {
            let (t, what, attempt) = *steps[i];
            assert_eq!(
                (what, attempt),
                ("arrive", expected_attempt),
                "journey {journey}: {steps:?}"
            );
            let (t_out, outcome, a) = *steps[i + 1];
            assert_eq!(a, attempt);
            *seen.entry(outcome).or_default() += 1;
            match outcome {
                "abandon" => assert!((t_out - t - 60.0).abs() < 1e-9, "patience is a minute"),
                "blocked" => assert_eq!(t_out, t),
                "answer" | "cleared" | "in system" => {}
                other => panic!("journey {journey}: unexpected {other}"),
            }
            i += 2;
            if let Some(&&(due, "retry due", a)) = steps.get(i) {
                assert!(matches!(outcome, "abandon" | "blocked"), "journey {journey}: {steps:?}");
                assert_eq!(a, attempt);
                assert!(attempt < 2, "three attempts at most: {steps:?}");
                assert!(
                    (due - t_out - 300.0).abs() < 1e-9,
                    "the retry is due five minutes later"
                );
                i += 1;
                if due < 8.0 * 3600.0 {
                    assert_eq!(steps.get(i).map(|s| (s.0, s.1)), Some((due, "arrive")), "{steps:?}");
                    expected_attempt += 1;
                }
            } else {
                assert!(i == steps.len(), "journey {journey} goes on without a retry: {steps:?}");
            }
        }
    }
    // The scenario exercises every path.
    for outcome in ["abandon", "blocked", "answer"] {
        assert!(seen.get(outcome).copied().unwrap_or(0) > 3, "{outcome}: {seen:?}");
    }
    let retries = events.iter().filter(|e| e.1 == "arrive" && e.4 > 0).count();
    let third = events.iter().filter(|e| e.1 == "arrive" && e.4 == 2).count();
    assert!(retries > 10 && third > 0, "{retries} retries, {third} third attempts");
    // A retry keeps its journey's handle time (the same need).
    let mut handles = BTreeMap::new();
    for e in events.iter().filter(|e| e.1 == "handle") {
        assert_eq!(*handles.entry(e.3).or_insert(e.0), e.0);
    }
}

#[test]
fn the_counts_of_a_run_with_retrials_add_up() {
    let sc = scenario(&SMALL.replace("replications = 1", "replications = 20"));
    let s = run(&sc, 2);
    let t = s.scope(ScopeKind::Type, "calls").unwrap();
    let m = |name: &str| t.get(name).unwrap().estimate.mean * 20.0;
    let (offered, retrials, lost) = (m("offered"), m("retrials"), m("lost"));
    assert!(retrials > 100.0, "{retrials}");
    // Every attempt ends one way (closing = "clear": nothing is left in the system).
    let ended = m("answered") + m("abandoned") + m("blocked") + m("cleared");
    assert!((ended - offered).abs() < 1e-6, "{ended} vs {offered}");
    // A failed attempt is either retried or lost; a retry due after the horizon is retried
    // but never arrives, so retrials fall short of the retried by those.
    let failed = m("abandoned") + m("blocked");
    assert!(lost < failed && failed - lost >= retrials, "{failed} {lost} {retrials}");
    let p_lost = t.get("p_lost").unwrap().estimate.mean;
    assert!((p_lost - lost / (offered - retrials)).abs() < 1e-12);
}

/// The arrivals, and for contacts answered in both runs their handle times, of type `ty`.
fn first_attempts(events: &[(f64, &'static str, u16, u64, u16)], ty: u16) -> (Vec<f64>, BTreeMap<u64, f64>) {
    let arrivals = events
        .iter()
        .filter(|e| e.1 == "arrive" && e.2 == ty && e.4 == 0)
        .map(|e| e.0)
        .collect();
    // Journeys are numbered in order of first arrival over all types, which retries do not
    // change; key handle times by the arrival time of the journey's first attempt instead.
    let mut first = BTreeMap::new();
    for e in events.iter().filter(|e| e.1 == "arrive" && e.4 == 0) {
        first.insert(e.3, e.0);
    }
    let handles = events
        .iter()
        .filter(|e| e.1 == "handle" && e.2 == ty)
        .map(|e| (first[&e.3].to_bits(), e.0))
        .collect();
    (arrivals, handles)
}

#[test]
fn retrials_move_no_other_contacts_draws() {
    let two = |retrial: &str| {
        format!(
            r#"
[simulation]
horizon = "12h"
[[contact_types]]
name = "calls"
arrivals = {{ rate = "22/h" }}
handle_time = {{ dist = "lognormal", mean = "5m", cv = 1.0 }}
patience = {{ dist = "exponential", mean = "2m" }}
{retrial}
[[contact_types]]
name = "mail"
arrivals = {{ rate = "6/h" }}
handle_time = {{ dist = "gamma", mean = "8m", cv = 0.7 }}
patience = {{ dist = "exponential", mean = "10m" }}
[[agent_groups]]
name = "agents"
serves = ["calls", "mail"]
headcount = 3
"#
        )
    };
    let without = trace(&two(""), 5);
    let with = trace(
        &two(r#"retrial = { probability = 0.9, delay = { dist = "exponential", mean = "3m" }, max_attempts = 5 }"#),
        5,
    );
    assert!(with.iter().filter(|e| e.4 > 0).count() > 50, "retries happen");
    for ty in [0, 1] {
        let (arrivals_a, handles_a) = first_attempts(&without, ty);
        let (arrivals_b, handles_b) = first_attempts(&with, ty);
        assert_eq!(arrivals_a, arrivals_b, "type {ty}'s arrivals moved");
        let common: Vec<_> = handles_a.keys().filter(|k| handles_b.contains_key(k)).collect();
        assert!(
            common.len() > 50 + 20 * usize::from(ty == 0),
            "{} vs {} answered, {} in both",
            handles_a.len(),
            handles_b.len(),
            common.len()
        );
        for k in common {
            assert_eq!(handles_a[k], handles_b[k], "type {ty}'s handle times moved");
        }
    }
}

/// The stationary distribution of the retrial loss system M/M/c/c with orbit: `c` servers,
/// fresh arrivals at rate `lambda`, service rate `mu`; a blocked attempt joins the orbit with
/// probability `p` (else leaves for good), and each customer in orbit retries at rate
/// `theta`. State (busy servers k, customers in orbit n), with the orbit cut at `n_max` (far
/// beyond any mass). Solved by uniformised power iteration: π ← π (I + Q/Λ).
fn retrial_loss_system(c: usize, lambda: f64, mu: f64, theta: f64, p: f64, n_max: usize) -> Vec<Vec<f64>> {
    let rate = lambda + c as f64 * mu + n_max as f64 * theta;
    let mut pi = vec![vec![0.0; n_max + 1]; c + 1];
    pi[0][0] = 1.0;
    for _ in 0..200_000 {
        let mut next = vec![vec![0.0; n_max + 1]; c + 1];
        for k in 0..=c {
            for n in 0..=n_max {
                let m = pi[k][n];
                if m == 0.0 {
                    continue;
                }
                let mut out = 0.0;
                let mut flow = |to: (usize, usize), r: f64, out: &mut f64| {
                    next[to.0][to.1] += m * r / rate;
                    *out += r;
                };
                if k < c {
                    flow((k + 1, n), lambda, &mut out);
                    if n > 0 {
                        flow((k + 1, n - 1), n as f64 * theta, &mut out);
                    }
                } else {
                    if n < n_max {
                        flow((k, n + 1), lambda * p, &mut out);
                    }
                    if n > 0 {
                        // A retry that is blocked again leaves the orbit with probability 1 - p.
                        flow((k, n - 1), n as f64 * theta * (1.0 - p), &mut out);
                    }
                }
                if k > 0 {
                    flow((k - 1, n), k as f64 * mu, &mut out);
                }
                next[k][n] += m * (1.0 - out / rate);
            }
        }
        let delta: f64 = pi
            .iter()
            .flatten()
            .zip(next.iter().flatten())
            .map(|(a, b)| (a - b).abs())
            .sum();
        pi = next;
        if delta < 1e-15 {
            break;
        }
    }
    pi
}

#[test]
fn a_loss_system_with_retrials_matches_its_exact_stationary_solution() {
    // Times in minutes: 3 agents, 2.5 fresh calls a minute, 1-minute services, no waiting
    // room; a blocked caller tries again with probability 0.7, after an exponential 2 minutes.
    let (c, lambda, mu, theta, p) = (3, 2.5, 1.0, 0.5, 0.7);
    let pi = retrial_loss_system(c, lambda, mu, theta, p, 120);
    let total: f64 = pi.iter().flatten().sum();
    assert!(
        (total - 1.0).abs() < 1e-9 && pi[c][120] < 1e-12,
        "the orbit cut holds no mass"
    );
    let (mut p_full, mut orbit, mut orbit_full) = (0.0, 0.0, 0.0);
    for (k, row) in pi.iter().enumerate() {
        for (n, m) in row.iter().enumerate() {
            orbit += n as f64 * m;
            if k == c {
                p_full += m;
                orbit_full += n as f64 * m;
            }
        }
    }
    // Attempts a minute, and those blocked (fresh arrivals see time averages, PASTA; a retry
    // comes from each customer in orbit at rate θ).
    let attempts = lambda + theta * orbit;
    let blocked = lambda * p_full + theta * orbit_full;
    let exact_p_blocked = blocked / attempts;
    let exact_retrials = theta * orbit; // a minute
    let exact_p_lost = (1.0 - p) * blocked / lambda;

    let sc = scenario(
        r#"
[simulation]
horizon = "40h"
warmup = "4h"
interval = "4h"
replications = 80
seed = 11
[[contact_types]]
name = "calls"
arrivals = { rate = "150/h" }
handle_time = { dist = "exponential", mean = "1m" }
queue_capacity = 0
retrial = { probability = 0.7, delay = { dist = "exponential", mean = "2m" }, max_attempts = 10000 }
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 3
"#,
    );
    let s = run(&sc, 2);
    let t = s.scope(ScopeKind::Type, "calls").unwrap();
    let minutes = 36.0 * 60.0;
    for (name, exact, scale) in [
        ("p_blocked", exact_p_blocked, 1.0),
        ("retrials", exact_retrials, 1.0 / minutes),
        ("p_lost", exact_p_lost, 1.0),
    ] {
        super::support::assert_near_exact(name, t.get(name).unwrap().estimate, scale, exact, 0.03);
    }
}

#[test]
fn a_run_with_retrials_gives_the_same_bits_on_any_thread_count() {
    let sc = scenario(&SMALL.replace("replications = 1", "replications = 12"));
    let one = super::support::bits(&run(&sc, 1));
    assert_eq!(one, super::support::bits(&run(&sc, 2)));
    assert_eq!(one, super::support::bits(&run(&sc, 3)));
}

/// Answers as (type, time, handle), retries' arrivals by type, and each journey's end.
#[derive(Default)]
struct Switches {
    answers: Vec<(u16, f64, f64)>,
    retries: [u32; 2],
    ends: Vec<cxsim::stats::JourneyEnd>,
}

impl Observer for Switches {
    fn on_arrival(&mut self, _now: f64, c: &ContactInfo) {
        if c.attempt > 0 {
            self.retries[c.ty.index()] += 1;
        }
    }
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _a: AgentId, _g: GroupId, handle: f64) {
        self.answers.push((c.ty.0, now, handle));
    }
    fn on_journey_end(&mut self, _now: f64, j: &cxsim::stats::JourneyEnd) {
        self.ends.push(*j);
    }
}

/// A chat nobody answers (its group has no agent on duty until the second hour) and a phone
/// line; SWITCH is the chat retrial's switch.
const CHAT_THEN_CALL: &str = r#"
[simulation]
horizon = "1h"
seed = 4
replications = 1
[[contact_types]]
name = "chat"
channel = "chat"
arrivals = { rate = "RATE" }
handle_time = { dist = "constant", value = 300 }
patience = { dist = "constant", value = 60 }
retrial = { probability = 1, delay = { dist = "constant", value = 10 }, max_attempts = 2, switch = SWITCH }
[[contact_types]]
name = "calls"
arrivals = { rate = 0 }
handle_time = { dist = "constant", value = 100 }
[[agent_groups]]
name = "chat agents"
serves = ["chat"]
headcount = 0
[[agent_groups]]
name = "phone"
serves = ["calls"]
headcount = HEADS
"#;

#[test]
fn a_chat_customer_tired_of_waiting_calls_instead_with_or_without_context() {
    // Each chat waits its 60 s patience, abandons, and 10 s later calls: answered at once
    // with the phone's 100 s handle time × 1.10 without context (× 1 with), one switch of
    // channel, one failed attempt, and a context loss only without context.
    for (switch, handle, lost) in [
        ("{ to = \"calls\" }", 110.0, 1),
        ("{ to = \"calls\", context = true }", 100.0, 0),
        ("{ to = \"calls\", handle_factor = 1.5 }", 150.0, 1),
    ] {
        let toml = CHAT_THEN_CALL
            .replace("RATE", "20/h")
            .replace("SWITCH", switch)
            .replace("HEADS", "50");
        let sc = scenario(&toml);
        let mut engine = Engine::with(&sc, Policy::default(), Switches::default());
        engine.run(0);
        let obs = engine.observer();
        assert!(obs.answers.len() > 5, "{switch}: {:?}", obs.answers);
        assert_eq!(obs.retries, [0, obs.answers.len() as u32]);
        for &(ty, _, h) in &obs.answers {
            assert_eq!(ty, 1, "only calls are answered");
            // (The factor is kept in single precision.)
            assert!((h / handle - 1.0).abs() < 1e-6, "{switch}: handle {h}, not {handle}");
        }
        let answered: Vec<_> = obs.ends.iter().filter(|j| j.handled == 1).collect();
        assert_eq!(answered.len(), obs.answers.len());
        for j in answered {
            assert_eq!(j.outcome, cxsim::stats::JourneyOutcome::Resolved);
            assert_eq!((j.switches, j.failed, j.context_lost), (1, 1, lost), "{switch}");
            assert!(
                (j.wait - 60.0).abs() < 1e-6,
                "waited only in the chat queue: {}",
                j.wait
            );
        }
    }
}

#[test]
fn a_share_of_the_retries_switches_with_its_probability() {
    // Every chat abandons and retries once; each retry goes to the phone with probability 0.4.
    // Over about 3,900 retries a share 4 SE (0.031, 7.8%) off 0.4 fails.
    let toml = CHAT_THEN_CALL
        .replace("RATE", "4000/h")
        .replace("SWITCH", "{ to = \"calls\", probability = 0.4 }")
        .replace("HEADS", "400");
    let sc = scenario(&toml);
    let mut engine = Engine::with(&sc, Policy::default(), Switches::default());
    engine.run(0);
    let [stay, switched] = engine.observer().retries.map(f64::from);
    let n = stay + switched;
    assert!(n > 3500.0, "{n} retries");
    let se = (0.4 * 0.6 / n).sqrt();
    let z = (switched / n - 0.4) / se;
    assert!(z.abs() < 4.0, "switched {switched} of {n} (z = {z:.2})");
}
