//! The engine's seams and bounds: heap compaction under long patience, next arrivals kept off
//! the heap in the heap's own order, and the stop of a runaway replication.

use super::support::scenario;
use cxsim::engine::Engine;
use cxsim::engine::event::AgentId;
use cxsim::routing::Policy;
use cxsim::scenario::{GroupId, TypeId};
use cxsim::stats::{ContactInfo, NoObserver, Observer};
use std::fmt::Write;
use std::path::Path;

/// Every observer call with its arguments, floats as bits.
#[derive(Default)]
struct FullTrace(String);

impl Observer for FullTrace {
    fn on_arrival(&mut self, now: f64, c: &ContactInfo) {
        let _ = writeln!(self.0, "{:x} arrive {:?}", now.to_bits(), c);
    }
    fn on_blocked(&mut self, now: f64, c: &ContactInfo) {
        let _ = writeln!(self.0, "{:x} blocked {}", now.to_bits(), c.journey);
    }
    fn on_enqueue(&mut self, now: f64, c: &ContactInfo) {
        let _ = writeln!(self.0, "{:x} queue {}", now.to_bits(), c.journey);
    }
    fn on_answer(&mut self, now: f64, c: &ContactInfo, agent: AgentId, group: GroupId, handle: f64) {
        let _ = writeln!(
            self.0,
            "{:x} answer {} {} {} {:x}",
            now.to_bits(),
            c.journey,
            agent.0,
            group.0,
            handle.to_bits()
        );
    }
    fn on_abandon(&mut self, now: f64, c: &ContactInfo) {
        let _ = writeln!(self.0, "{:x} abandon {}", now.to_bits(), c.journey);
    }
    fn on_service_end(&mut self, now: f64, c: &ContactInfo, agent: AgentId, _group: GroupId) {
        let _ = writeln!(self.0, "{:x} done {} {}", now.to_bits(), c.journey, agent.0);
    }
    fn on_cleared(&mut self, now: f64, c: &ContactInfo) {
        let _ = writeln!(self.0, "{:x} cleared {}", now.to_bits(), c.journey);
    }
    fn on_queue_len(&mut self, now: f64, ty: TypeId, len: u32) {
        let _ = writeln!(self.0, "{:x} qlen {} {len}", now.to_bits(), ty.0);
    }
    fn on_group(&mut self, now: f64, group: GroupId, busy: u32, present: u32) {
        let _ = writeln!(self.0, "{:x} group {} {busy}/{present}", now.to_bits(), group.0);
    }
    fn on_interval(&mut self, now: f64, index: u32) {
        let _ = writeln!(self.0, "{:x} interval {index}", now.to_bits());
    }
    fn on_close(&mut self, now: f64) {
        let _ = writeln!(self.0, "{:x} close", now.to_bits());
    }
    fn on_in_system_at_end(&mut self, now: f64, c: &ContactInfo) {
        let _ = writeln!(self.0, "{:x} left {}", now.to_bits(), c.journey);
    }
}

fn long_patience(days: u32) -> cxsim::scenario::Scenario {
    scenario(&format!(
        r#"
[simulation]
horizon = "{days}d"
interval = "1d"
seed = 5
replications = 1

[[contact_types]]
name = "calls"
arrivals = {{ rate = "0.15/s" }}
handle_time = {{ dist = "exponential", mean = "300s" }}
patience = {{ dist = "exponential", mean = "30d" }}

[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 50
"#
    ))
}

/// Answered contacts leave their (month-long) abandonment timers on the heap; compaction
/// drops them once they outnumber the live events, so the heap's high-water mark does not
/// grow with the horizon. Without compaction it held about one timer per answered-after-
/// waiting contact: about 9,900 after 2 days and 34,300 after 8.
#[test]
fn the_event_heap_stays_flat_in_the_horizon_with_month_long_patience() {
    let peak = |days| {
        let sc = long_patience(days);
        let mut engine = Engine::with(&sc, Policy::default(), NoObserver);
        engine.run(0);
        (engine.peak_pending_events(), engine.events_processed())
    };
    let (short, short_events) = peak(2);
    let (long, long_events) = peak(8);
    assert!(long_events > 3 * short_events, "{long_events} vs {short_events}");
    assert!(
        long <= short + short / 2,
        "peak heap length {long} over 8 days vs {short} over 2"
    );
    assert!(long < 2_000, "peak heap length {long}");
}

fn traced(sc: &cxsim::scenario::Scenario, on_heap: bool, reps: std::ops::Range<u32>) -> (String, u64) {
    let mut engine = Engine::with(sc, Policy::default(), FullTrace::default());
    engine.set_arrivals_on_heap(on_heap);
    let mut events = 0;
    for rep in reps {
        engine.run(rep);
        events += engine.events_processed();
    }
    (std::mem::take(&mut engine.observer_mut().0), events)
}

/// Next arrivals kept beside the heap under keys from the heap's own counter run in exactly the
/// order they would on the heap: the full traces (every callback, times as bits) agree.
#[test]
fn arrivals_on_or_off_the_heap_give_the_same_trace() {
    let sc = cxsim::scenario::load(Path::new("scenarios/day_profile.toml")).expect("loads");
    let off = traced(&sc, false, 0..3);
    let on = traced(&sc, true, 0..3);
    assert!(off.0.lines().count() > 10_000);
    assert_eq!(off, on);
}

/// Arrival rate 1,000/s against one agent and no patience: the queue grows without bound. The
/// replication stops at the in-system bound with an error that says why.
#[test]
fn a_runaway_replication_stops_at_the_in_system_bound_with_a_clear_error() {
    let sc = scenario(
        r#"
[simulation]
horizon = "1h"
seed = 1
replications = 1

[[contact_types]]
name = "calls"
arrivals = { rate = "1000/s" }
handle_time = { dist = "exponential", mean = "300s" }

[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 1
"#,
    );
    let mut engine = Engine::with(&sc, Policy::default(), NoObserver);
    engine.set_max_in_system(20_000);
    let err = engine.try_run(3).expect_err("the replication must stop");
    assert_eq!((err.replication, err.limit), (3, 20_000));
    assert!(err.time > 19.0 && err.time < 22.0, "stopped at {}", err.time);
    let msg = err.to_string();
    assert!(msg.contains("more than 20000 contacts in the system"), "{msg}");
    assert_eq!(engine.overflow(), Some(&err));
    // A scenario within the bound runs to the end and reports no overflow.
    let ok = cxsim::scenario::load(Path::new("scenarios/erlang_a.toml")).expect("loads");
    let mut engine = Engine::with(&ok, Policy::default(), NoObserver);
    assert_eq!(engine.try_run(0), Ok(()));
    assert!(engine.overflow().is_none());
}
