//! Journeys to their end: first-contact resolution, repeat contacts after an unresolved one,
//! journey outcomes and the journey CSAT estimate — traced contact by contact, compared with
//! the exact law of a journey that never waits, and kept from moving any contact figure.

use super::support::{bits, run, run_with_replications, scenario};
use cxsim::engine::Engine;
use cxsim::engine::event::AgentId;
use cxsim::routing::Policy;
use cxsim::scenario::{CsatModel, GroupId};
use cxsim::stats::{ContactInfo, JourneyEnd, JourneyOutcome, Observer, TypeCounts};
use cxsim::summary::{ScopeKind, Summary};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Every event of every journey, as text lines keyed by journey.
#[derive(Default)]
struct Journeys {
    lines: BTreeMap<u64, Vec<String>>,
    ends: Vec<JourneyEnd>,
}

impl Journeys {
    fn push(&mut self, journey: u64, line: String) {
        self.lines.entry(journey).or_default().push(line);
    }
}

impl Observer for Journeys {
    fn on_arrival(&mut self, now: f64, c: &ContactInfo) {
        let what = match (c.repeat, c.attempt) {
            (0, 0) => "arrive".to_string(),
            (r, 0) => format!("repeat {r} arrives"),
            (_, a) => format!("retry {a} arrives"),
        };
        self.push(c.journey, format!("{now:8.1} {what} (type {})", c.ty.0));
    }
    fn on_blocked(&mut self, now: f64, c: &ContactInfo) {
        self.push(c.journey, format!("{now:8.1} blocked"));
    }
    fn on_abandon(&mut self, now: f64, c: &ContactInfo) {
        self.push(c.journey, format!("{now:8.1} abandon after {:.1}s", now - c.arrival));
    }
    fn on_retry_scheduled(&mut self, _now: f64, c: &ContactInfo, at: f64) {
        self.push(c.journey, format!("{at:8.1} retry due"));
    }
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _a: AgentId, _g: GroupId, handle: f64) {
        let wait = now - c.arrival;
        self.push(
            c.journey,
            format!("{now:8.1} answer after {wait:.1}s, handle {handle:.1}s"),
        );
    }
    fn on_service_end(&mut self, now: f64, c: &ContactInfo, _a: AgentId, _g: GroupId) {
        self.push(c.journey, format!("{now:8.1} done"));
    }
    fn on_journey_end(&mut self, now: f64, j: &JourneyEnd) {
        self.push(
            j.journey,
            format!(
                "{now:8.1} journey ends {:?}: {} handled, {} failed, waited {:.1}s ({:.1}s beyond grace)",
                j.outcome, j.handled, j.failed, j.wait, j.wait_excess
            ),
        );
        self.ends.push(*j);
    }
}

fn journeys(toml: &str, replication: u32) -> Journeys {
    let sc = scenario(toml);
    let mut engine = Engine::with(&sc, Policy::default(), Journeys::default());
    engine.run(replication);
    std::mem::take(engine.observer_mut())
}

/// Ample agents, constant times: a contact is never resolved; the customer comes back exactly
/// an hour after each contact, three contacts in all.
const NEVER_RESOLVED: &str = r#"
[simulation]
horizon = "8h"
replications = 1
[[contact_types]]
name = "calls"
arrivals = { rate = "6/h" }
handle_time = { dist = "constant", value = "5m" }
resolution = { probability = 0, repeat = { delay = { dist = "constant", value = "1h" }, max_contacts = 3 } }
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 20
"#;

#[test]
fn an_unresolved_customer_repeats_until_the_contact_limit_and_the_journey_ends_unresolved() {
    let j = journeys(NEVER_RESOLVED, 0);
    let horizon = 8.0 * 3600.0;
    let mut full = 0;
    for end in &j.ends {
        let lines = &j.lines[&end.journey];
        // Contacts at t, t + 65m, t + 130m: each handled at once, 5 minutes long.
        let due = |k: f64| end.start + k * 3900.0;
        if due(2.0) < horizon {
            full += 1;
            assert_eq!(end.outcome, JourneyOutcome::Unresolved, "{lines:#?}");
            assert_eq!((end.handled, end.failed, end.wait), (3, 0, 0.0), "{lines:#?}");
            let arrivals: Vec<&String> = lines.iter().filter(|l| l.contains("arrive")).collect();
            assert_eq!(arrivals.len(), 3, "{lines:#?}");
            assert!(
                arrivals[1].contains("repeat 1") && arrivals[2].contains("repeat 2"),
                "{lines:#?}"
            );
            assert!(
                lines.last().unwrap().starts_with(&format!("{:8.1}", due(2.0) + 300.0)),
                "{lines:#?}"
            );
        } else {
            // The next repeat falls at or after the horizon: the journey is left open.
            assert_eq!(end.outcome, JourneyOutcome::Open, "{lines:#?}");
            let expected = if due(1.0) < horizon { 2 } else { 1 };
            assert_eq!(end.handled, expected, "{lines:#?}");
        }
    }
    assert!(full > 20, "only {full} journeys ran to their limit");
    let m = CsatModel::default();
    let s = m.score(m.eta(false, 3, 0, 0.0), false, 3);
    assert!((s.p_satisfied - 1.0 / (1.0 + (-(1.73 - 2.8 - 2.0 * 0.68_f64)).exp())).abs() < 1e-12);
}

/// One agent, constant patience and handle time, retries and repeats: journeys that abandon,
/// retry, are answered, are not resolved, come back and are resolved.
const MIXED: &str = r#"
[simulation]
horizon = "4h"
replications = 1
seed = 5
closing = "clear"
[[contact_types]]
name = "calls"
arrivals = { rate = "7/h" }
handle_time = { dist = "constant", value = "8m" }
patience = { dist = "constant", value = "3m" }
retrial = { probability = 0.9, delay = { dist = "constant", value = "10m" }, max_attempts = 3 }
resolution = { probability = 0.5, repeat = { probability = 0.8, delay = { dist = "constant", value = "30m" } } }
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 1
[csat]
wait_grace = "1m"
"#;

#[test]
fn journeys_with_retries_and_repeats_follow_the_pinned_trace() {
    let j = journeys(MIXED, 0);
    let mut text = String::new();
    for (journey, lines) in &j.lines {
        let _ = writeln!(text, "journey #{journey}");
        for l in lines {
            let _ = writeln!(text, "  {l}");
        }
    }
    insta::assert_snapshot!(text);
    // The trace holds a journey that abandons, retries, is answered, is not resolved, comes
    // back and is resolved — every step of the chain, in order.
    let chain = [
        "abandon",
        "retry 1 arrives",
        "answer",
        "repeat 1 arrives",
        "answer",
        "ends Resolved",
    ];
    let found = j.lines.values().any(|lines| {
        let mut want = chain.iter().peekable();
        for l in lines {
            if want.peek().is_some_and(|w| l.contains(*w)) {
                want.next();
            }
        }
        want.peek().is_none()
    });
    assert!(found, "no journey runs the whole chain:\n{text}");
    // Every journey ends exactly once, with what its contacts add up to.
    for end in &j.ends {
        let lines = &j.lines[&end.journey];
        assert_eq!(lines.iter().filter(|l| l.contains("journey ends")).count(), 1);
        let handled = lines.iter().filter(|l| l.ends_with("done")).count();
        let failed = lines
            .iter()
            .filter(|l| l.contains("abandon") || l.contains("blocked"))
            .count();
        assert_eq!(usize::from(end.handled), handled, "{lines:#?}");
        // A contact cleared at closing is one more failed attempt, with no event of its own.
        assert!((failed..=failed + 1).contains(&usize::from(end.failed)), "{lines:#?}");
    }
}

/// The exact law of a journey that never waits: contact k is reached with probability
/// `((1 − p)·r)^(k−1)`, resolves with `p`; an unresolved customer repeats with `r`, at most `m`
/// contacts. Returns (P(resolved), P(resolved first), contacts per resolved journey, repeats
/// per journey, expected csat, expected P(defect), expected 1-5 score, expected NPS points).
fn never_waiting_journey(p: f64, r: f64, m: u32, csat: &CsatModel) -> [f64; 8] {
    let (mut resolved, mut contacts, mut repeats, mut sat, mut defect) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let (mut score, mut nps) = (0.0, 0.0);
    for k in 1..=m {
        let reach = ((1.0 - p) * r).powi(k as i32 - 1);
        if k > 1 {
            repeats += reach;
        }
        let done = reach * p;
        resolved += done;
        contacts += f64::from(k) * done;
        let stop = reach * (1.0 - p) * if k == m { 1.0 } else { 1.0 - r };
        for (weight, resolved) in [(done, true), (stop, false)] {
            let s = csat.score(csat.eta(resolved, k, 0, 0.0), resolved, k);
            sat += weight * s.p_satisfied;
            defect += weight * s.p_defect;
            score += weight * s.mean_score;
            nps += weight * 100.0 * s.nps;
        }
    }
    [resolved, p, contacts / resolved, repeats, sat, defect, score, nps]
}

#[test]
fn journey_outcomes_and_csat_match_the_exact_law_of_journeys_that_never_wait() {
    let (p, r, m) = (0.6, 0.9, 4);
    let sc = scenario(
        r#"
[simulation]
horizon = "100h"
interval = "100h"
replications = 30
seed = 17
[[contact_types]]
name = "calls"
arrivals = { rate = "200/h" }
handle_time = { dist = "constant", value = "10s" }
resolution = { probability = 0.6, repeat = { probability = 0.9, delay = { dist = "constant", value = "1s" }, max_contacts = 4 } }
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 30
"#,
    );
    let s = run(&sc, 2);
    let t = s.scope(ScopeKind::Type, "calls").unwrap();
    let exact = never_waiting_journey(p, r, m, &sc.csat);
    let journeys = t.get("journeys").unwrap().estimate.mean;
    // Journeys still open at the end start in its last 44 s: a share of about 1e-4.
    assert!(t.get("journeys_open").unwrap().estimate.mean / journeys < 3e-4);
    assert_eq!(t.get("p_wait").unwrap().estimate.mean, 0.0, "nobody waits");
    let names = [
        "p_resolved",
        "true_fcr",
        "contacts_per_resolved",
        "repeats",
        "csat",
        "p_defect",
        "csat_score",
        "nps",
    ];
    for (name, exact) in names.iter().zip(exact) {
        let scale = if *name == "repeats" { 1.0 / journeys } else { 1.0 };
        super::support::assert_near_exact(name, t.get(name).unwrap().estimate, scale, exact, 0.01);
    }
}

/// Per replication, over all types: every journey started (a first attempt, neither a retry
/// nor a repeat) ends exactly once.
fn assert_journeys_conserved(replications: &str) {
    let mut totals: BTreeMap<u32, TypeCounts> = BTreeMap::new();
    let mut reader = csv::Reader::from_reader(replications.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (rep, kind, metric, num) = (col("replication"), col("scope_kind"), col("metric"), col("numerator"));
    for row in reader.records() {
        let row = row.unwrap();
        if &row[kind] != "type" {
            continue;
        }
        let t = totals.entry(row[rep].parse().unwrap()).or_default();
        let v = row[num].parse::<f64>().unwrap() as u64;
        match &row[metric] {
            "offered" => t.offered += v,
            "retrials" => t.retrials += v,
            "repeats" => t.repeats += v,
            "journeys" => t.journeys += v,
            _ => {}
        }
    }
    assert!(!totals.is_empty());
    for (r, t) in totals {
        assert_eq!(t.journeys, t.offered - t.retrials - t.repeats, "replication {r}: {t:?}");
    }
}

#[test]
fn every_journey_started_ends_once_whatever_befalls_it() {
    let sc = scenario(&MIXED.replace("replications = 1", "replications = 6"));
    let (s, replications) = run_with_replications(&sc, 2);
    assert_journeys_conserved(&replications);
    let t = s.scope(ScopeKind::Type, "calls").unwrap();
    let share = |n: &str| t.get(n).unwrap().estimate.mean;
    let sum =
        share("p_resolved") + share("p_unresolved") + share("p_gave_up") + share("journeys_open") / share("journeys");
    assert!((sum - 1.0).abs() < 1e-9, "outcomes add up to {sum}");
}

/// The contact figures of a summary (journey figures left out), as raw bits.
fn contact_bits(s: &Summary) -> Vec<u64> {
    let mut s = s.clone();
    for scope in &mut s.scopes {
        let keep: Vec<bool> = scope
            .metrics
            .iter()
            .map(|m| !cxsim::metrics::is_journey_figure(&m.name))
            .collect();
        let mut i = 0;
        scope.metrics.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        let interval_keep: Vec<bool> = scope
            .interval_metrics
            .iter()
            .map(|n| !cxsim::metrics::is_journey_figure(n))
            .collect();
        for row in &mut scope.intervals {
            let mut i = 0;
            row.retain(|_| {
                i += 1;
                interval_keep[i - 1]
            });
        }
    }
    bits(&s)
}

#[test]
fn following_journeys_leaves_every_contact_figure_bit_identical() {
    let base = std::fs::read_to_string("scenarios/erlang_a.toml").unwrap();
    let base = base.replace("replications = 30", "replications = 8");
    let plain = run(&scenario(&base), 2);
    assert!(plain.csat_model.is_none());
    // A `[csat]` table follows journeys; a resolution certain to succeed draws only from each
    // journey's own substream.
    let with_csat = run(&scenario(&format!("{base}\n[csat]\nbase = 2.0\n")), 2);
    assert!(with_csat.csat_model.is_some());
    assert_eq!(contact_bits(&plain), contact_bits(&with_csat));
    let t = with_csat.scope(ScopeKind::Type, "service").unwrap();
    assert!(t.get("csat").unwrap().estimate.mean > 0.5);
    let resolved = base.replace(
        "[[agent_groups]]",
        "resolution = { probability = 1 }\n\n[[agent_groups]]",
    );
    assert_ne!(resolved, base);
    let with_resolution = run(&scenario(&resolved), 2);
    assert_eq!(contact_bits(&plain), contact_bits(&with_resolution));
    // Every journey is one contact: resolved when answered, given up when abandoned.
    let t = with_resolution.scope(ScopeKind::Type, "service").unwrap();
    let get = |n: &str| t.get(n).unwrap().estimate.mean;
    assert_eq!(get("true_fcr"), get("p_resolved"));
    assert!((get("p_gave_up") - get("p_abandon")).abs() < 1e-12);
}

#[test]
fn a_run_with_repeats_gives_the_same_bits_on_any_thread_count() {
    let sc = scenario(&MIXED.replace("replications = 1", "replications = 12"));
    let one = bits(&run(&sc, 1));
    assert_eq!(one, bits(&run(&sc, 2)));
    assert_eq!(one, bits(&run(&sc, 3)));
}

/// With `[csat]` only, every journey is one contact: journeys are the contacts that arrived
/// after the warm-up, and a journey's wait is its contact's.
#[test]
fn single_contact_journeys_count_after_the_warm_up_and_wait_what_their_contact_waited() {
    let base = std::fs::read_to_string("scenarios/erlang_a.toml").unwrap();
    let toml = format!("{}\n[csat]\n", base.replace("replications = 30", "replications = 6"));
    let sc = scenario(&toml);
    assert!(sc.warmup > 0.0);
    let s = run(&sc, 2);
    let t = s.scope(ScopeKind::Type, "service").unwrap();
    let get = |n: &str| t.get(n).unwrap().estimate.mean;
    assert_eq!(get("journeys"), get("offered"));
    assert!((get("journey_wait_s") - get("asa_all_s")).abs() < 1e-9 * get("asa_all_s"));
    assert!(get("journey_wait_s") > 1.0);
    for row in 0..s.intervals.len() {
        let journeys = t.interval(row, "journeys").unwrap().mean;
        assert_eq!(journeys, t.interval(row, "offered").unwrap().mean, "interval {row}");
    }
}

#[test]
fn an_agent_group_resolves_at_its_own_rate_where_it_has_one() {
    // An outsourced team handles "cards" at a first-contact resolution of 0.45 against the
    // type's 0.75; the in-house team keeps the type's rate on "accounts". Nobody waits.
    let sc = scenario(
        r#"
[simulation]
horizon = "100h"
interval = "100h"
replications = 20
seed = 23
[[contact_types]]
name = "accounts"
arrivals = { rate = "100/h" }
handle_time = { dist = "constant", value = "10s" }
resolution = { probability = 0.75 }
[[contact_types]]
name = "cards"
arrivals = { rate = "100/h" }
handle_time = { dist = "constant", value = "10s" }
resolution = { probability = 0.75 }
[[agent_groups]]
name = "in-house"
serves = ["accounts"]
headcount = 20
[[agent_groups]]
name = "vendor"
serves = ["cards"]
headcount = 20
resolution = { cards = 0.45 }
"#,
    );
    let s = run(&sc, 2);
    for (ty, exact) in [("accounts", 0.75), ("cards", 0.45)] {
        let e = s.scope(ScopeKind::Type, ty).unwrap().get("true_fcr").unwrap().estimate;
        super::support::assert_near_exact(&format!("{ty} true_fcr"), e, 1.0, exact, 0.02);
    }
}
