//! Golden traces: a tiny scenario whose every event is written out and pinned, so any change
//! in the engine's behaviour shows up as a readable diff.

use super::support::{TINY_DAY, scenario};
use cxsim::engine::Engine;
use cxsim::engine::event::AgentId;
use cxsim::routing::Policy;
use cxsim::scenario::{GroupId, TypeId};
use cxsim::stats::{ContactInfo, Observer};
use std::fmt::Write;

#[derive(Default)]
struct Trace(String);

impl Observer for Trace {
    fn on_arrival(&mut self, now: f64, c: &ContactInfo) {
        let _ = writeln!(self.0, "{now:9.3} arrive   #{} type {}", c.journey, c.ty.0);
    }
    fn on_blocked(&mut self, now: f64, c: &ContactInfo) {
        let _ = writeln!(self.0, "{now:9.3} blocked  #{}", c.journey);
    }
    fn on_enqueue(&mut self, now: f64, c: &ContactInfo) {
        let _ = writeln!(self.0, "{now:9.3} queue    #{}", c.journey);
    }
    fn on_answer(&mut self, now: f64, c: &ContactInfo, agent: AgentId, group: GroupId, handle: f64) {
        let _ = writeln!(
            self.0,
            "{now:9.3} answer   #{} by agent {} (group {}) after {:.3}s, handle {handle:.3}s",
            c.journey,
            agent.0,
            group.0,
            now - c.arrival
        );
    }
    fn on_abandon(&mut self, now: f64, c: &ContactInfo) {
        let _ = writeln!(
            self.0,
            "{now:9.3} abandon  #{} after {:.3}s",
            c.journey,
            now - c.arrival
        );
    }
    fn on_service_end(&mut self, now: f64, c: &ContactInfo, agent: AgentId, _group: GroupId) {
        let _ = writeln!(self.0, "{now:9.3} done     #{} agent {}", c.journey, agent.0);
    }
    fn on_cleared(&mut self, now: f64, c: &ContactInfo) {
        let _ = writeln!(self.0, "{now:9.3} cleared  #{}", c.journey);
    }
    fn on_group(&mut self, now: f64, group: GroupId, busy: u32, present: u32) {
        let _ = writeln!(self.0, "{now:9.3} group {}  busy {busy}/{present}", group.0);
    }
    fn on_interval(&mut self, now: f64, index: u32) {
        let _ = writeln!(self.0, "{now:9.3} interval {index}");
    }
    fn on_close(&mut self, now: f64) {
        let _ = writeln!(self.0, "{now:9.3} close");
    }
    fn on_queue_len(&mut self, _now: f64, _ty: TypeId, _len: u32) {}
}

/// Two agents, then one, then two; constant 50 s handle time, constant 30 s patience, a queue
/// of at most two: every event can be checked by hand from the arrival times.
#[test]
fn a_tiny_day_follows_the_pinned_trace() {
    let sc = scenario(TINY_DAY);
    let mut engine = Engine::with(&sc, Policy::default(), Trace::default());
    engine.run(0);
    insta::assert_snapshot!(engine.observer().0);
}
