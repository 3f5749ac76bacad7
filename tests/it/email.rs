//! Email: worked only when no live contact waits, answered against a due time, with the
//! backlog carried across the day.

use super::support::{run, scenario};
use cxsim::engine::Engine;
use cxsim::engine::event::AgentId;
use cxsim::routing::Policy;
use cxsim::scenario::{GroupId, TypeId};
use cxsim::stats::{ContactInfo, Observer};
use cxsim::summary::ScopeKind;

const MIXED: &str = r#"
[simulation]
horizon = "24h"
interval = "1h"
seed = 8
replications = 10

[[contact_types]]
name = "calls"
arrivals = { rate = "50/h" }
handle_time = { dist = "exponential", mean = "5m" }
patience = { dist = "exponential", mean = "4m" }

[[contact_types]]
name = "mail"
channel = "email"
due = "4h"
arrivals = { rate = "20/h" }
handle_time = { dist = "exponential", mean = "6m" }

[[agent_groups]]
name = "a"
serves = ["calls", "mail"]
headcount = 6
"#;

/// Calls waiting at each email answer.
#[derive(Default)]
struct Priority {
    calls_waiting: u32,
    emails_answered: u64,
    emails_answered_over_calls: u64,
}

impl Observer for Priority {
    fn on_queue_len(&mut self, _now: f64, ty: TypeId, len: u32) {
        if ty == TypeId(0) {
            self.calls_waiting = len;
        }
    }
    fn on_answer(&mut self, _now: f64, c: &ContactInfo, _a: AgentId, _g: GroupId, _h: f64) {
        if c.ty == TypeId(1) {
            self.emails_answered += 1;
            self.emails_answered_over_calls += u64::from(self.calls_waiting > 0);
        }
    }
}

#[test]
fn an_agent_takes_an_email_only_when_no_call_is_waiting() {
    let sc = scenario(MIXED);
    let mut engine = Engine::with(&sc, Policy::default(), Priority::default());
    for r in 0..3 {
        engine.run(r);
        let p = engine.observer();
        assert!(p.emails_answered > 300, "replication {r}: {}", p.emails_answered);
        assert_eq!(p.emails_answered_over_calls, 0, "replication {r}");
    }
}

#[test]
fn emails_are_measured_against_their_due_time_and_never_abandon() {
    let s = run(&scenario(MIXED), 2);
    let mail = s.scope(ScopeKind::Type, "mail").unwrap();
    // The due time is the service-level threshold (in seconds in figure names); with spare
    // capacity most emails are answered within it.
    let sl = mail
        .get("sl_offered_14400s")
        .expect("the due time is the threshold")
        .estimate
        .mean;
    assert!(sl > 0.9 && sl <= 1.0, "{sl}");
    assert_eq!(mail.get("abandoned").unwrap().estimate.mean, 0.0);
    let calls = s.scope(ScopeKind::Type, "calls").unwrap();
    // Emails wait far longer than calls: they are worked in the gaps.
    let asa = |t: &cxsim::summary::ScopeSummary| t.get("asa_all_s").unwrap().estimate.mean;
    assert!(
        asa(mail) > 5.0 * asa(calls),
        "mail {} vs calls {}",
        asa(mail),
        asa(calls)
    );
}
