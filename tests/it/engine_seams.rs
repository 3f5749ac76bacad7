//! The engine's seams and bounds: heap compaction under long patience, next arrivals kept off
//! the heap in the heap's own order, and the stop of a runaway replication.

use super::support::{TINY_DAY, scenario};
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

/// What happens to contacts of one named type, with no journey or agent numbers (those are
/// shared counters): arrival times, handle times at answer, abandonment times, as bits.
struct TypeTrace {
    name: &'static str,
    types: Vec<String>,
    lines: Vec<String>,
}

impl TypeTrace {
    fn mine(&self, ty: TypeId) -> bool {
        self.types[ty.index()] == self.name
    }
}

impl Observer for TypeTrace {
    fn on_arrival(&mut self, now: f64, c: &ContactInfo) {
        if self.mine(c.ty) {
            self.lines.push(format!("arrive {:x}", now.to_bits()));
        }
    }
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _agent: AgentId, _group: GroupId, handle: f64) {
        if self.mine(c.ty) {
            self.lines.push(format!(
                "answer {:x} {:x} handle {:x}",
                c.arrival.to_bits(),
                now.to_bits(),
                handle.to_bits()
            ));
        }
    }
    fn on_abandon(&mut self, now: f64, c: &ContactInfo) {
        if self.mine(c.ty) {
            self.lines
                .push(format!("abandon {:x} {:x}", c.arrival.to_bits(), now.to_bits()));
        }
    }
}

fn calls_trace(types: &[(&str, &str)]) -> Vec<String> {
    let mut toml = String::from("[simulation]\nhorizon = \"4h\"\nseed = 11\nreplications = 1\n");
    for (name, rate) in types {
        toml += &format!(
            "[[contact_types]]\nname = \"{name}\"\narrivals = {{ rate = \"{rate}\" }}\n\
             handle_time = {{ dist = \"lognormal\", mean = \"4m\", cv = 1.0 }}\n\
             patience = {{ dist = \"exponential\", mean = \"2m\" }}\n"
        );
    }
    // "calls" has a team of its own, listed first, so its agents and routing never change.
    toml += "[[agent_groups]]\nname = \"calls-team\"\nserves = [\"calls\"]\nheadcount = 8\n";
    for (name, _) in types.iter().filter(|(n, _)| *n != "calls") {
        toml += &format!("[[agent_groups]]\nname = \"{name}-team\"\nserves = [\"{name}\"]\nheadcount = 3\n");
    }
    let sc = scenario(&toml);
    let trace = TypeTrace {
        name: "calls",
        types: sc.contact_types.iter().map(|t| t.name.clone()).collect(),
        lines: Vec::new(),
    };
    let mut engine = Engine::with(&sc, Policy::default(), trace);
    engine.run(2);
    std::mem::take(&mut engine.observer_mut().lines)
}

/// Streams are keyed by the type's name, not its position: a second type added after or
/// before "calls" leaves every draw of "calls" — arrival times, handle times, patience (seen as
/// abandonment times) — bit for bit unchanged.
#[test]
fn adding_or_reordering_types_leaves_a_types_draws_unchanged() {
    let alone = calls_trace(&[("calls", "2/min")]);
    assert!(
        alone.iter().any(|l| l.starts_with("abandon")),
        "the scenario exercises patience"
    );
    assert!(alone.len() > 500);
    assert_eq!(alone, calls_trace(&[("calls", "2/min"), ("emails", "1/min")]));
    assert_eq!(alone, calls_trace(&[("emails", "1/min"), ("calls", "2/min")]));
    assert_eq!(
        alone,
        calls_trace(&[("sales", "3/min"), ("emails", "1/min"), ("calls", "2/min")])
    );
}

/// Busy and present levels reported by the group, and who is serving.
#[derive(Default)]
struct Levels {
    serving: u32,
    last: (u32, u32),
    /// Times a headcount cut found more agents busy than the new headcount (they stay on).
    cuts_with_busy_leavers: u32,
    checked: u32,
}

impl Observer for Levels {
    fn on_answer(&mut self, _now: f64, _c: &ContactInfo, _a: AgentId, _g: GroupId, _h: f64) {
        self.serving += 1;
    }
    fn on_service_end(&mut self, _now: f64, _c: &ContactInfo, _a: AgentId, _g: GroupId) {
        self.serving -= 1;
    }
    fn on_group(&mut self, now: f64, _g: GroupId, busy: u32, present: u32) {
        // Headcounts of the scenario below: 2 in [0, 60), 1 in [60, 120), 2 from 120 on.
        let target = if (60.0..120.0).contains(&now) { 1 } else { 2 };
        assert_eq!(busy, self.serving, "busy level at {now}");
        assert!(present >= busy, "present {present} < busy {busy} at {now}");
        // Present is the headcount, or more while busy agents finish their contact.
        assert!(present >= target && present <= 2, "present {present} at {now}");
        // Over the headcount only while someone busy is finishing before leaving.
        assert!(
            present == target || busy >= 1,
            "idle agent kept over the headcount at {now}"
        );
        if now == 60.0 {
            // At the cut idle agents leave at once; busy ones stay until their contact ends.
            assert_eq!(present, target.max(busy), "present at the cut");
            self.cuts_with_busy_leavers += u32::from(busy > target);
        }
        self.last = (busy, present);
        self.checked += 1;
    }
}

/// Through the one door for agent state: a cut in headcount sends idle agents off at once and
/// lets busy ones finish their contact first, and the busy and present levels the observer
/// sees always match who is serving.
#[test]
fn agents_over_a_lowered_headcount_finish_their_contact_before_leaving() {
    let sc = scenario(TINY_DAY);
    let mut engine = Engine::with(&sc, Policy::default(), Levels::default());
    for rep in 0..40 {
        engine.run(rep);
        assert_eq!(engine.observer().last.0, 0, "replication {rep} ends with nobody busy");
    }
    let levels = engine.observer();
    assert!(levels.checked > 400);
    assert!(levels.cuts_with_busy_leavers >= 5, "{}", levels.cuts_with_busy_leavers);
}

/// Overflow after a delay, written as a policy: a contact goes only to the "primary" group
/// while it is younger than 30 s; the policy asks for it to be re-offered at 30 s, when the
/// "backup" group may take it; a freed backup agent picks the oldest contact that has waited
/// 30 s, wherever it is in the queue.
struct OverflowAfter30s;

const DELAY: f64 = 30.0;

impl cxsim::routing::RoutingPolicy for OverflowAfter30s {
    fn select_agent(&mut self, _view: &cxsim::routing::View<'_>, _ty: TypeId, _arrival: f64) -> Option<AgentId> {
        unreachable!("the engine asks select_agent_for")
    }
    fn select_queue(&mut self, _view: &cxsim::routing::View<'_>, _agent: AgentId) -> Option<TypeId> {
        unreachable!("the engine asks select_contact")
    }
    fn select_agent_for(&mut self, view: &cxsim::routing::View<'_>, c: &ContactInfo) -> Option<AgentId> {
        let waited = view.now() - c.arrival;
        let groups = view.groups_serving(c.ty);
        let allowed = if waited >= DELAY { groups } else { &groups[..1] };
        allowed.iter().find_map(|g| view.longest_idle(*g)).map(|(a, _)| a)
    }
    fn select_contact(
        &mut self,
        view: &cxsim::routing::View<'_>,
        agent: AgentId,
    ) -> Option<cxsim::routing::ContactChoice> {
        let ty = TypeId(0);
        if view.group_of(agent) == GroupId(0) {
            return (view.queue_len(ty) > 0).then_some(cxsim::routing::ContactChoice::OldestOf(ty));
        }
        view.waiting(ty)
            .find(|w| view.now() - w.arrival >= DELAY)
            .map(|w| cxsim::routing::ContactChoice::Contact(w.key))
    }
    fn reoffer_after(&mut self, view: &cxsim::routing::View<'_>, c: &ContactInfo) -> Option<f64> {
        (view.now() - c.arrival < DELAY).then_some(c.arrival + DELAY)
    }
}

/// Answers by group with their waits; checks the queue count against the contacts waiting.
#[derive(Default)]
struct Answers {
    by_group: [Vec<f64>; 2],
    waiting: i64,
    abandoned: u64,
    last_len: u32,
}

impl Observer for Answers {
    fn on_enqueue(&mut self, _now: f64, _c: &ContactInfo) {
        self.waiting += 1;
    }
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _a: AgentId, group: GroupId, _h: f64) {
        if now > c.arrival {
            self.waiting -= 1;
        }
        self.by_group[group.index()].push(now - c.arrival);
    }
    fn on_abandon(&mut self, _now: f64, _c: &ContactInfo) {
        self.waiting -= 1;
        self.abandoned += 1;
    }
    fn on_queue_len(&mut self, now: f64, _ty: TypeId, len: u32) {
        // Reported just before the answer that takes a contact out, or just after an
        // enqueue or abandonment: at most one apart from the count here.
        assert!(
            (i64::from(len) - self.waiting).abs() <= 1,
            "queue length {len} at {now}"
        );
        self.last_len = len;
    }
}

/// Routing that sees the contact: a re-offer timer moves a contact to the backup group after
/// 30 s, and freed backup agents take a specific contact from the middle of the queue.
#[test]
fn a_policy_overflows_contacts_after_a_delay_through_reoffers_and_contact_choice() {
    let sc = scenario(
        r#"
[simulation]
horizon = "8h"
seed = 4
replications = 1

[[contact_types]]
name = "calls"
arrivals = { rate = "10/min" }
handle_time = { dist = "exponential", mean = "3m" }
patience = { dist = "exponential", mean = "3m" }

[[agent_groups]]
name = "primary"
serves = ["calls"]
headcount = 25

[[agent_groups]]
name = "backup"
serves = ["calls"]
headcount = 6
"#,
    );
    let mut engine = Engine::with(&sc, OverflowAfter30s, Answers::default());
    for rep in 0..3 {
        engine.run(rep);
    }
    let a = engine.observer();
    assert_eq!((a.waiting, a.last_len), (0, 0), "everyone left the queue");
    let (primary, backup) = (&a.by_group[0], &a.by_group[1]);
    assert!(backup.len() > 100, "backup answered {}", backup.len());
    assert!(
        backup.iter().all(|w| *w >= DELAY),
        "the backup group never answers before 30 s"
    );
    // Some answered by a re-offer exactly at 30 s, others by a freed backup agent later.
    assert!(backup.iter().any(|w| (*w - DELAY).abs() < 1e-9));
    assert!(backup.iter().any(|w| *w > DELAY + 1.0));
    assert!(primary.contains(&0.0) && primary.iter().any(|w| *w > DELAY));
    assert!(a.abandoned > 0);
}

/// A policy that always takes the newest waiting contact (LIFO), by naming it.
struct Newest;

impl cxsim::routing::RoutingPolicy for Newest {
    fn select_agent(&mut self, view: &cxsim::routing::View<'_>, ty: TypeId, arrival: f64) -> Option<AgentId> {
        cxsim::routing::LongestIdleFifo.select_agent(view, ty, arrival)
    }
    fn select_queue(&mut self, _view: &cxsim::routing::View<'_>, _agent: AgentId) -> Option<TypeId> {
        None
    }
    fn select_contact(
        &mut self,
        view: &cxsim::routing::View<'_>,
        _agent: AgentId,
    ) -> Option<cxsim::routing::ContactChoice> {
        view.waiting(TypeId(0))
            .last()
            .map(|w| cxsim::routing::ContactChoice::Contact(w.key))
    }
}

/// Records (arrival, answer time) of contacts answered after waiting, and the arrivals
/// waiting at each answer.
#[derive(Default)]
struct Lifo {
    waiting: Vec<f64>,
    violations: u32,
    answered_after_wait: u32,
}

impl Observer for Lifo {
    fn on_enqueue(&mut self, _now: f64, c: &ContactInfo) {
        self.waiting.push(c.arrival);
    }
    fn on_answer(&mut self, now: f64, c: &ContactInfo, _a: AgentId, _g: GroupId, _h: f64) {
        if now > c.arrival {
            self.answered_after_wait += 1;
            let newest = self.waiting.iter().copied().fold(f64::MIN, f64::max);
            self.violations += u32::from(c.arrival != newest);
            self.waiting.retain(|t| *t != c.arrival);
        }
    }
    fn on_abandon(&mut self, _now: f64, c: &ContactInfo) {
        self.waiting.retain(|t| *t != c.arrival);
    }
}

#[test]
fn a_freed_agent_can_take_a_specific_waiting_contact_not_only_the_oldest() {
    let sc = long_patience(1);
    let mut engine = Engine::with(&sc, Newest, Lifo::default());
    engine.run(0);
    let l = engine.observer();
    assert!(l.answered_after_wait > 1_000, "{}", l.answered_after_wait);
    assert_eq!(l.violations, 0);
}

fn many(types: usize, groups: usize) -> String {
    let mut toml = String::from("[simulation]\nhorizon = \"1h\"\ninterval = \"1h\"\n");
    for t in 0..types {
        toml += &format!(
            "[[contact_types]]\nname = \"t{t}\"\narrivals = {{ rate = \"1/h\" }}\nhandle_time = {{ dist = \"constant\", value = \"1m\" }}\n"
        );
    }
    for g in 0..groups {
        toml += &format!("[[agent_groups]]\nname = \"g{g}\"\nserves = [\"t0\"]\nheadcount = 0\n");
    }
    toml
}

/// Type and group ids are 16-bit: a scenario with more of either than fit is refused at load
/// (it used to wrap: group 65,536 became group 0); the caps on types and groups are below it.
#[test]
fn more_than_65536_groups_or_types_are_refused_at_load() {
    let load = |toml: &str| cxsim::scenario::from_toml_str(toml, "big.toml", "big", Path::new("."));
    let err = load(&many(1, 65_537)).expect_err("too many groups").to_string();
    assert!(
        err.contains("agent_groups: 65537 agent groups; at most 10000 are accepted"),
        "{err}"
    );
    let err = load(&many(65_537, 1)).expect_err("too many types").to_string();
    assert!(
        err.contains("contact_types: 65537 contact types; at most 10000 are accepted"),
        "{err}"
    );
    // The error points at the first table over the limit.
    assert!(err.starts_with(&format!("big.toml:{}:", 3 + 4 * 10_000 + 1)), "{err}");
}

/// Group reports as (time, busy, present).
#[derive(Default)]
struct GroupLevels(Vec<(f64, u32, u32)>);

impl Observer for GroupLevels {
    fn on_group(&mut self, now: f64, _g: GroupId, busy: u32, present: u32) {
        self.0.push((now, busy, present));
    }
}

/// Interval headcounts compile to change points, and staffing runs as its own events at those
/// points only: no staffing work at intervals where the headcount stays.
#[test]
fn staffing_runs_on_its_own_change_points() {
    let sc = scenario(
        r#"
[simulation]
horizon = "1h"
interval = "10m"
replications = 1

[[contact_types]]
name = "c"
arrivals = { rate = "0/h" }
handle_time = { dist = "constant", value = "1m" }

[[agent_groups]]
name = "g"
serves = ["c"]
headcount = [2, 2, 3, 3, 3, 1]
"#,
    );
    let mut engine = Engine::with(&sc, Policy::default(), GroupLevels::default());
    engine.run(0);
    assert_eq!(engine.observer().0, vec![(0.0, 0, 2), (1200.0, 0, 3), (3000.0, 0, 1)]);
    // Close, five interval boundaries and two staffing changes.
    assert_eq!(engine.events_processed(), 1 + 5 + 2);
}

/// Staffing change points need not be interval boundaries: a plan set on the engine changes
/// the headcount at 95 s and 1,000 s, and contacts waiting are taken up at once.
#[test]
fn staffing_changes_at_any_time_not_only_at_interval_boundaries() {
    let sc = scenario(
        r#"
[simulation]
horizon = "1h"
interval = "30m"
seed = 2
replications = 1

[[contact_types]]
name = "c"
arrivals = { rate = "2/min" }
handle_time = { dist = "constant", value = "5m" }

[[agent_groups]]
name = "g"
serves = ["c"]
headcount = 4
"#,
    );
    let mut engine = Engine::with(&sc, Policy::default(), GroupLevels::default());
    engine.set_staffing(GroupId(0), &[(0.0, 1), (95.0, 3), (1000.0, 4)]);
    engine.run(0);
    let levels = &engine.observer().0;
    assert_eq!(levels[0], (0.0, 0, 1));
    let at = |t: f64| levels.iter().find(|l| l.0 == t).copied();
    // At 95 s two agents come on and each takes a waiting contact at once.
    let (_, busy, present) = at(95.0).expect("a change at 95 s");
    assert_eq!(present, 3);
    assert_eq!(busy, 3, "a queue had built up with one agent");
    assert_eq!(at(1000.0).map(|l| l.2), Some(4));
    assert!(levels.iter().all(|l| l.2 <= 4));
}
