//! Callbacks (virtual hold): offers, acceptance, dials that reach or miss, retries — traced
//! event by event, checked against their probabilities, and kept from moving any other
//! figure when nobody accepts.

use super::support::{assert_near_exact, run, run_with_replications, scenario, type_counts};
use cxsim::engine::Engine;
use cxsim::engine::event::AgentId;
use cxsim::routing::Policy;
use cxsim::scenario::GroupId;
use cxsim::stats::{CallbackEvent, ContactInfo, JourneyEnd, Observer};
use cxsim::summary::ScopeKind;
use std::collections::BTreeMap;

const BUSY: &str = r#"
[simulation]
horizon = "8h"
seed = 5
replications = 20

[[contact_types]]
name = "calls"
arrivals = { rate = "200/h" }
handle_time = { dist = "exponential", mean = "5m" }
patience = { dist = "exponential", mean = "5m" }
CALLBACK

[[agent_groups]]
name = "a"
serves = ["calls"]
headcount = 16
"#;

fn busy(callback: &str) -> String {
    BUSY.replace("CALLBACK", callback)
}

#[test]
fn callbacks_nobody_accepts_leave_every_contact_figure_bit_identical() {
    let without = run(&scenario(&busy("")), 2);
    let with = run(&scenario(&busy("callback = { accept_max = 0 }")), 2);
    let a = without.scope(ScopeKind::Type, "calls").unwrap();
    let b = with.scope(ScopeKind::Type, "calls").unwrap();
    let mut compared = 0;
    for m in &a.metrics {
        let other = b.get(&m.name).unwrap_or_else(|| panic!("{}", m.name));
        assert_eq!(m.estimate.mean.to_bits(), other.estimate.mean.to_bits(), "{}", m.name);
        compared += 1;
    }
    assert!(compared > 15);
    assert!(b.get("callbacks_offered").unwrap().estimate.mean > 100.0);
}

#[test]
fn acceptance_and_reach_match_their_probabilities_and_every_contact_ends_once() {
    // A near-zero acceptance scale makes the acceptance p_max whatever the announced wait.
    let sc = scenario(&busy(
        "callback = { offer_wait = 0, accept_max = 0.4, accept_scale = \"1ms\", reach = 0.7, retries = 1, retry_gap = \"2m\", dial = \"agent_first\" }",
    ));
    let (s, replications) = run_with_replications(&sc, 2);
    let t = s.scope(ScopeKind::Type, "calls").unwrap();
    let e = |n: &str| t.get(n).unwrap().estimate;
    assert_near_exact("p_callback_accepted", e("p_callback_accepted"), 1.0, 0.4, 0.06);
    assert_near_exact("p_dial_reached", e("p_dial_reached"), 1.0, 0.7, 0.04);
    // Of the accepted, 0.3 × 0.3 = 9% are never reached in two dials.
    let accepted = e("callbacks_offered").mean * e("p_callback_accepted").mean;
    assert_near_exact("failed share", e("callbacks_failed"), 1.0 / accepted, 0.09, 0.25);
    // Per replication: every contact was answered, abandoned, failed its callback, or is
    // still in the system.
    let counts = type_counts(&replications);
    for r in 0..20 {
        let g = |m: &str| {
            counts
                .get(&(r, "calls".to_string(), m.to_string()))
                .copied()
                .unwrap_or(0.0)
        };
        assert_eq!(
            g("offered"),
            g("answered") + g("abandoned") + g("callbacks_failed") + g("in_system_at_end"),
            "replication {r}"
        );
    }
}

/// Every callback step of every contact.
#[derive(Default)]
struct Steps {
    lines: BTreeMap<u64, Vec<String>>,
}

impl Observer for Steps {
    fn on_arrival(&mut self, now: f64, c: &ContactInfo) {
        self.lines
            .entry(c.journey)
            .or_default()
            .push(format!("{now:8.1} arrives"));
    }
    fn on_callback(&mut self, now: f64, c: &ContactInfo, event: CallbackEvent) {
        self.lines
            .entry(c.journey)
            .or_default()
            .push(format!("{now:8.1} {event:?}"));
    }
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _a: AgentId, _g: GroupId, handle: f64) {
        let line = format!("{now:8.1} answered after {:.1}s, handle {handle:.1}s", now - c.arrival);
        self.lines.entry(c.journey).or_default().push(line);
    }
    fn on_abandon(&mut self, now: f64, c: &ContactInfo) {
        self.lines
            .entry(c.journey)
            .or_default()
            .push(format!("{now:8.1} abandons"));
    }
    fn on_journey_end(&mut self, now: f64, j: &JourneyEnd) {
        let line = format!("{now:8.1} journey ends {:?}, waited {:.1}s", j.outcome, j.wait);
        self.lines.entry(j.journey).or_default().push(line);
    }
}

/// One agent, constant 10-minute calls every 4 minutes, patience 15 minutes: the queue grows,
/// every caller who must wait is offered a callback and accepts; half the dials miss.
const ONE_AGENT: &str = r#"
[simulation]
horizon = "1h"
seed = 2
replications = 1

[[contact_types]]
name = "calls"
arrivals = { rate = "15/h" }
handle_time = { dist = "constant", value = "10m" }
patience = { dist = "constant", value = "15m" }
callback = { offer_wait = 0, accept_max = 1, accept_scale = "1ms", reach = 0.5, retries = 1, retry_gap = "5m", dial = "DIAL", dial_time = "30s" }

[[agent_groups]]
name = "a"
serves = ["calls"]
headcount = 1
"#;

#[test]
fn callbacks_follow_the_pinned_trace_offered_accepted_dialled_missed_and_retried() {
    for dial in ["customer_first", "agent_first"] {
        let sc = scenario(&ONE_AGENT.replace("DIAL", dial));
        let mut engine = Engine::with(&sc, Policy::default(), Steps::default());
        engine.run(0);
        let steps = std::mem::take(engine.observer_mut());
        let all: Vec<&String> = steps.lines.values().flatten().collect();
        let has = |s: &str| all.iter().any(|l| l.contains(s));
        assert!(
            has("Offered") && has("Accepted") && has("Reached") && has("NotReached"),
            "{all:?}"
        );
        assert!(!has("abandons"), "an accepted callback never abandons");
        for lines in steps.lines.values() {
            // An answered callback's handle includes the agent's dial only when the agent dials.
            for l in lines
                .iter()
                .filter(|l| l.contains("answered after") && !l.contains("after 0.0s"))
            {
                let want = if dial == "agent_first" {
                    "handle 630.0s"
                } else {
                    "handle 600.0s"
                };
                assert!(l.ends_with(want), "{dial}: {l}");
            }
        }
        let text: String = steps
            .lines
            .iter()
            .map(|(j, l)| format!("journey {j}\n{}\n", l.join("\n")))
            .collect();
        insta::assert_snapshot!(format!("callback_trace_{dial}"), text);
    }
}

/// Two types on one pool; every `low` contact that must wait takes a callback.
const PRIORITY: &str = r#"
[simulation]
horizon = "400h"
warmup = "10h"
seed = 17
replications = 80

[[contact_types]]
name = "high"
arrivals = { rate = "30/h" }
handle_time = { dist = "exponential", mean = "5m" }

[[contact_types]]
name = "low"
arrivals = { rate = "20/h" }
handle_time = { dist = "exponential", mean = "5m" }
callback = { offer_wait = 0, accept_max = 1.0, accept_scale = "1ms", reach = 1.0, priority = "PRIORITY" }

[[agent_groups]]
name = "a"
serves = ["high", "low"]
headcount = 5
"#;

#[test]
fn callbacks_of_lower_priority_wait_as_in_a_non_preemptive_priority_queue() {
    // Every `low` caller who must wait accepts a callback, always reached: with priority
    // "lower" the pool is an M/M/5 queue with two non-preemptive priority classes of equal
    // service rate, whose mean waits are exact (Cobham): W_k = W0 / ((1 − σ_{k−1})(1 − σ_k)),
    // W0 = C(5, a) / (5μ), σ_k the load of the classes up to k over 5. With priority "same"
    // the callbacks keep their place: both wait as in M/M/5 FIFO, C(5, a) / (5μ − λ).
    let (lambda_high, lambda_low, mu) = (30.0 / 3600.0, 20.0 / 3600.0, 1.0 / 300.0);
    let exact = cxsim::erlang::erlang_c(5, lambda_high + lambda_low, 300.0).unwrap();
    let w0 = exact.p_wait / (5.0 * mu);
    let (s1, s2) = (lambda_high / (5.0 * mu), (lambda_high + lambda_low) / (5.0 * mu));
    for (priority, high, low, detect) in [
        ("lower", w0 / (1.0 - s1), w0 / ((1.0 - s1) * (1.0 - s2)), [0.03, 0.06]),
        ("same", exact.asa, exact.asa, [0.06, 0.06]),
    ] {
        let sc = scenario(&PRIORITY.replace("PRIORITY", priority));
        let s = run(&sc, 2);
        for (ty, want, detect) in [("high", high, detect[0]), ("low", low, detect[1])] {
            let e = s.scope(ScopeKind::Type, ty).unwrap().get("asa_all_s").unwrap().estimate;
            assert_near_exact(&format!("{priority}: {ty} ASA"), e, 1.0, want, detect);
        }
        let low = s.scope(ScopeKind::Type, "low").unwrap();
        let p = low.get("p_callback_accepted").unwrap().estimate.mean;
        assert!((p - 1.0).abs() < 1e-12, "every offer accepted, got {p}");
    }
}

/// Answers as (arrival, answer time), and every callback step as (arrival, step).
#[derive(Default)]
struct Answers {
    answered: Vec<(f64, f64)>,
    steps: Vec<(f64, CallbackEvent)>,
    messages: u32,
}

impl Observer for Answers {
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _a: AgentId, _g: GroupId, _h: f64) {
        self.answered.push((c.arrival, now));
    }
    fn on_callback(&mut self, _now: f64, c: &ContactInfo, event: CallbackEvent) {
        self.steps.push((c.arrival, event));
    }
    fn on_message(&mut self, _now: f64, _c: &ContactInfo) {
        self.messages += 1;
    }
}

#[test]
fn a_callback_of_lower_priority_and_a_returned_message_wait_behind_the_live_queue_worked_by_hand() {
    // One agent, 100 s calls. `calls` at 0 is answered at once; `calls` at 1 must wait and
    // takes a callback; `notes` at 2 waits, reaches its 30 s maximum wait at 32 and leaves a
    // message that is returned as a callback; `other` at 40 waits on the line.
    // Priority "lower": the live call goes first (100), then the callbacks in the order they
    // were accepted (200, 300). Priority "same": every one keeps its place — 100, 200, 300 by
    // arrival.
    let dir = std::env::temp_dir().join(format!("cxsim-cb-lower-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, times) in [("calls", "0\n1\n"), ("notes", "2\n"), ("other", "40\n")] {
        std::fs::write(dir.join(format!("{name}.csv")), format!("time\n{times}")).unwrap();
    }
    for (priority, want) in [
        ("lower", [(0.0, 0.0), (40.0, 100.0), (1.0, 200.0), (2.0, 300.0)]),
        ("same", [(0.0, 0.0), (1.0, 100.0), (2.0, 200.0), (40.0, 300.0)]),
    ] {
        let ty = |name: &str, extra: &str| {
            format!(
                "[[contact_types]]\nname = \"{name}\"\narrivals = {{ replay = \"{}\" }}\nhandle_time = {{ dist = \"constant\", value = 100 }}\n{extra}\n",
                dir.join(format!("{name}.csv")).display()
            )
        };
        let toml = format!(
            "[simulation]\nhorizon = \"1h\"\nreplications = 1\n{}{}{}[[agent_groups]]\nname = \"a\"\nserves = [\"calls\", \"notes\", \"other\"]\nheadcount = 1\n",
            ty(
                "calls",
                &format!(
                    "callback = {{ offer_wait = 0, accept_max = 1, accept_scale = \"1ms\", reach = 1, priority = \"{priority}\" }}"
                )
            ),
            ty(
                "notes",
                &format!(
                    "max_wait = 30\ncallback = {{ offers = false, messages = true, reach = 1, priority = \"{priority}\" }}"
                )
            ),
            ty("other", ""),
        );
        let sc = scenario(&toml);
        let mut engine = Engine::with(&sc, Policy::default(), Answers::default());
        engine.run(0);
        let obs = engine.observer();
        assert_eq!(obs.answered, want, "priority {priority}");
        assert_eq!(obs.messages, 0, "a returned message is not a message left for good");
        let steps: Vec<_> = obs.steps.iter().map(|(a, e)| (*a, *e)).collect();
        assert_eq!(
            steps,
            [
                (1.0, CallbackEvent::Offered),
                (1.0, CallbackEvent::Accepted),
                (2.0, CallbackEvent::MessageReturned),
                (1.0, CallbackEvent::Reached),
                (2.0, CallbackEvent::Reached),
            ],
            "priority {priority}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_message_is_returned_as_a_callback_only_where_the_type_says_so() {
    // Callers who reach the 1-minute maximum wait leave a message; offers never happen (the
    // announced and waited thresholds are out of reach). Without `messages` every message
    // ends the attempt; with it, none does and each is returned.
    for (messages, returned) in [(false, false), (true, true)] {
        let sc = scenario(&busy(&format!(
            "max_wait = \"1m\"\ncallback = {{ offer_wait = \"100h\", offer_waited = \"100h\", reach = 1, messages = {messages} }}"
        )));
        let s = run(&sc, 2);
        let t = s.scope(ScopeKind::Type, "calls").unwrap();
        let (left, back) = (
            t.get("messages").unwrap().estimate.mean,
            t.get("messages_returned").unwrap().estimate.mean,
        );
        if returned {
            assert!(left == 0.0 && back > 100.0, "messages {left}, returned {back}");
        } else {
            assert!(left > 100.0 && back == 0.0, "messages {left}, returned {back}");
        }
        assert_eq!(t.get("callbacks_offered").unwrap().estimate.mean, 0.0);
    }
}
