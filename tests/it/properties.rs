//! Properties that hold for every scenario (proptest): contacts are conserved, no agent serves
//! two contacts at once, queues are FIFO (within a type always; across the types a group serves
//! under the default policy), agents serve only their group's types, busy time never exceeds
//! on-duty time, simulated time never decreases, and `closing = "clear"` leaves nobody in the
//! system; when journeys are followed, each ends exactly once, after its last event, with the
//! contacts and failed attempts it had.
//!
//! The generated scenarios include a warm-up, exact ties (integer constant handle times that
//! divide the 600 s interval, so service ends coincide with each other and with staffing
//! changes), four patience distributions, and a user-written policy besides the default.

use super::support::scenario;
use cxsim::engine::Engine;
use cxsim::engine::contact::ContactKey;
use cxsim::engine::event::AgentId;
use cxsim::routing::{Policy, RoutingPolicy, View};
use cxsim::scenario::{GroupId, Scenario, TypeId};
use cxsim::stats::{CallbackEvent, Collector, ContactInfo, JourneyEnd, Observer, SelfServiceEnd};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// An observer that checks invariants as the engine runs and records violations.
#[derive(Default)]
struct Checker {
    serves: Vec<Vec<TypeId>>,
    /// Whether the policy promises FIFO across the types a group serves (the default does).
    cross_type_fifo: bool,
    last_time: f64,
    busy: BTreeMap<AgentId, ContactKey>,
    waiting: Vec<VecDeque<ContactKey>>,
    /// Arrival time of each contact that queued in this replication.
    arrivals: HashMap<ContactKey, f64>,
    /// Whether the scenario follows journeys (each must then end exactly once).
    follow: bool,
    /// Each type's opening hours.
    hours: Vec<Option<cxsim::scenario::Hours>>,
    /// Each journey seen: (contacts finished, attempts failed, ended).
    journeys: HashMap<u64, (u16, u16, bool)>,
    /// Whether each type's accepted callbacks wait behind the live queue.
    lower: Vec<bool>,
    /// Whether each type is email (worked after callbacks).
    email: Vec<bool>,
    /// Accepted callbacks waiting behind the live queue, with their types.
    tickets: HashMap<ContactKey, TypeId>,
    /// Each type's priority class, queue credit (seconds) and aging (classes per second).
    priority: Vec<(i32, f64, f64)>,
    /// The built-in routing's contact selection, and each type's weight under it.
    selection: cxsim::scenario::ContactSelection,
    weights: Vec<f64>,
    /// By group and type: the wait (seconds) after which the group may take the type.
    after: Vec<Vec<f64>>,
    /// Retries scheduled before the horizon and not arrived yet, by journey: when each is due.
    retries: HashMap<u64, f64>,
    horizon: f64,
    violations: Vec<String>,
}

impl Checker {
    fn new(sc: &Scenario, cross_type_fifo: bool) -> Self {
        Self {
            serves: sc.agent_groups.iter().map(|g| g.serves.clone()).collect(),
            cross_type_fifo,
            waiting: vec![VecDeque::new(); sc.contact_types.len()],
            follow: sc.follow_journeys,
            hours: sc.contact_types.iter().map(|t| t.hours.clone()).collect(),
            lower: sc
                .contact_types
                .iter()
                .map(|t| t.callback.as_ref().is_some_and(|cb| cb.lower))
                .collect(),
            email: sc
                .contact_types
                .iter()
                .map(|t| t.channel == cxsim::scenario::Channel::Email)
                .collect(),
            horizon: sc.horizon,
            priority: sc
                .contact_types
                .iter()
                .map(|t| (t.priority, t.queue_credit, t.priority_aging))
                .collect(),
            selection: sc.routing.contact_selection,
            weights: (0..sc.contact_types.len())
                .map(|t| sc.routing.weights.get(t).copied().unwrap_or(1.0))
                .collect(),
            after: (0..sc.agent_groups.len())
                .map(|g| {
                    sc.contact_types
                        .iter()
                        .map(|t| t.route.iter().find(|s| s.group.index() == g).map_or(0.0, |s| s.after))
                        .collect()
                })
                .collect(),
            ..Self::default()
        }
    }

    fn tick(&mut self, now: f64) {
        if now < self.last_time {
            self.violations
                .push(format!("time went back from {} to {now}", self.last_time));
        }
        self.last_time = now;
    }

    /// Whether `c`'s line is open at `now`.
    fn open(&self, c: &ContactInfo, now: f64) -> bool {
        self.hours[c.ty.index()].as_ref().is_none_or(|h| h.open_at(now).is_ok())
    }

    /// Counts an event of `c`'s journey, which must not have ended.
    fn journey_event(&mut self, c: &ContactInfo, done: u16, failed: u16) {
        let j = self.journeys.entry(c.journey).or_default();
        if j.2 {
            self.violations
                .push(format!("journey {} went on after it ended", c.journey));
        }
        j.0 += done;
        j.1 += failed;
    }

    fn leave_queue(&mut self, c: &ContactInfo) {
        let q = &mut self.waiting[c.ty.index()];
        if let Some(pos) = q.iter().position(|k| *k == c.key) {
            q.remove(pos);
        }
    }
}

impl Observer for Checker {
    fn on_start(&mut self, _replication: u32) {
        self.last_time = 0.0;
        self.busy.clear();
        self.arrivals.clear();
        self.journeys.clear();
        self.tickets.clear();
        self.retries.clear();
        for q in &mut self.waiting {
            q.clear();
        }
    }
    fn on_arrival(&mut self, now: f64, c: &ContactInfo) {
        self.tick(now);
        if c.arrival != now {
            self.violations.push("arrival time differs from event time".into());
        }
        if c.attempt > 0 && !c.routed {
            match self.retries.remove(&c.journey) {
                Some(due) if due <= now => {}
                due => self.violations.push(format!(
                    "journey {} retries at {now}, but its retry was due at {due:?}",
                    c.journey
                )),
            }
        }
        let first = c.attempt == 0 && c.repeat == 0 && !c.routed;
        if first == self.journeys.contains_key(&c.journey) {
            self.violations.push(format!(
                "journey {} arrives anew (first: {first}) out of turn",
                c.journey
            ));
        }
        self.journey_event(c, 0, 0);
    }
    fn on_blocked(&mut self, _now: f64, c: &ContactInfo) {
        self.journey_event(c, 0, 1);
    }
    fn on_balked(&mut self, _now: f64, c: &ContactInfo) {
        self.journey_event(c, 0, 1);
    }
    fn on_message(&mut self, now: f64, c: &ContactInfo) {
        self.tick(now);
        self.leave_queue(c);
        self.journey_event(c, 0, 1);
    }
    fn on_refused(&mut self, now: f64, c: &ContactInfo) {
        self.journey_event(c, 0, 1);
        if self.open(c, now) {
            self.violations.push(format!("refused at {now} while open"));
        }
    }
    fn on_journey_end(&mut self, _now: f64, j: &JourneyEnd) {
        if !self.follow {
            self.violations
                .push("a journey ended in a scenario that does not follow them".into());
        }
        match self.journeys.get_mut(&j.journey) {
            Some(seen) if !seen.2 && (seen.0, seen.1) == (j.handled, j.failed) => seen.2 = true,
            seen => self
                .violations
                .push(format!("journey end {j:?} does not match what was seen: {seen:?}")),
        }
    }
    fn on_retry_scheduled(&mut self, _now: f64, c: &ContactInfo, at: f64) {
        if at < self.horizon && self.retries.insert(c.journey, at).is_some() {
            self.violations
                .push(format!("journey {} has two retries pending", c.journey));
        }
    }
    fn on_end(&mut self, _now: f64) {
        if let Some((journey, due)) = self.retries.iter().next() {
            self.violations
                .push(format!("journey {journey}'s retry due at {due} never arrived"));
        }
        if self.follow
            && let Some((id, _)) = self.journeys.iter().find(|(_, j)| !j.2)
        {
            self.violations.push(format!("journey {id} never ended"));
        }
    }
    fn on_enqueue(&mut self, now: f64, c: &ContactInfo) {
        self.tick(now);
        if !self.open(c, now) {
            self.violations.push(format!("queued at {now} while closed"));
        }
        if !self.tickets.contains_key(&c.key) {
            // (A callback accepted on entry behind the live queue never joins it.)
            self.waiting[c.ty.index()].push_back(c.key);
        }
        self.arrivals.insert(c.key, now);
    }
    fn on_answer(&mut self, now: f64, c: &ContactInfo, agent: AgentId, group: GroupId, _handle: f64) {
        self.tick(now);
        if let Some(other) = self.busy.insert(agent, c.key) {
            self.violations
                .push(format!("agent {agent:?} answered {:?} while serving {other:?}", c.key));
        }
        if !self.serves[group.index()].contains(&c.ty) {
            self.violations
                .push(format!("group {group:?} served type {:?} it does not serve", c.ty));
        }
        let after = self.after[group.index()][c.ty.index()];
        if after > 0.0 {
            // Overflow: the group may take the contact only once it has waited `after`.
            let since = if self.waiting[c.ty.index()].contains(&c.key) {
                self.arrivals.get(&c.key).copied().unwrap_or(now)
            } else {
                now // answered on arrival, without waiting
            };
            if since + after > now {
                self.violations.push(format!(
                    "at {now}: group {group:?} took {:?}, queued at {since}, before its {after} s",
                    c.key
                ));
            }
        }
        if self.email[c.ty.index()]
            && let Some((k, ty)) = self
                .tickets
                .iter()
                .find(|(_, ty)| self.serves[group.index()].contains(ty))
        {
            self.violations.push(format!(
                "at {now}: email {:?} answered while callback {k:?} of type {ty:?} waits",
                c.key
            ));
        }
        if self.tickets.remove(&c.key).is_some() {
            // A callback behind the live queue: nobody live the agent serves may be waiting.
            for ty in &self.serves[group.index()] {
                if !self.email[ty.index()] && !self.waiting[ty.index()].is_empty() {
                    self.violations.push(format!(
                        "at {now}: callback {:?} answered while {:?} of type {ty:?} waits live",
                        c.key,
                        self.waiting[ty.index()].front()
                    ));
                }
            }
        }
        let q = &mut self.waiting[c.ty.index()];
        if q.contains(&c.key) {
            if q.front() != Some(&c.key) {
                self.violations.push(format!(
                    "type {:?}: answered {:?} ahead of older {:?}",
                    c.ty,
                    c.key,
                    q.front()
                ));
            }
            self.leave_queue(c);
            if self.cross_type_fifo {
                // Live before email; then, by the contact selection: the highest class (with
                // aging), then the earliest join less the type's queue credit; or the earliest
                // join; or the largest weight × wait. Only contacts that have waited long
                // enough for the agent's group compete.
                use cxsim::scenario::ContactSelection;
                let key = |ty: TypeId, queued: f64| {
                    let (class, credit, aging) = self.priority[ty.index()];
                    let wait = now - queued;
                    let (first, second) = match self.selection {
                        ContactSelection::Priority => (-(f64::from(class) + aging * wait), queued - credit),
                        ContactSelection::LongestWait => (0.0, queued),
                        ContactSelection::Weighted => (-(self.weights[ty.index()] * wait), queued),
                    };
                    (self.email[ty.index()], first, second)
                };
                let queued = self.arrivals.get(&c.key).copied().unwrap_or(c.arrival);
                let own = key(c.ty, queued);
                for ty in &self.serves[group.index()] {
                    let after = self.after[group.index()][ty.index()];
                    if let Some(older) = self.waiting[ty.index()].front()
                        && self
                            .arrivals
                            .get(older)
                            .is_some_and(|t| t + after <= now && key(*ty, *t) < own)
                    {
                        self.violations.push(format!(
                            "at {now}: answered {:?} of type {:?} ahead of {older:?} of type {ty:?}, which comes first",
                            c.key, c.ty
                        ));
                    }
                }
            }
        }
        if now < c.arrival {
            self.violations.push("answered before arrival".into());
        }
    }
    fn on_abandon(&mut self, now: f64, c: &ContactInfo) {
        self.tick(now);
        self.leave_queue(c);
        self.journey_event(c, 0, 1);
    }
    fn on_cleared(&mut self, now: f64, c: &ContactInfo) {
        self.tick(now);
        self.tickets.remove(&c.key);
        self.leave_queue(c);
        self.journey_event(c, 0, 1);
    }
    fn on_service_end(&mut self, now: f64, c: &ContactInfo, agent: AgentId, _group: GroupId) {
        self.tick(now);
        if self.busy.remove(&agent) != Some(c.key) {
            self.violations
                .push(format!("agent {agent:?} ended a contact it was not serving"));
        }
        self.journey_event(c, 1, 0);
    }
    fn on_interval(&mut self, now: f64, _index: u32) {
        self.tick(now);
    }
    fn on_self_service(&mut self, now: f64, c: &ContactInfo, end: SelfServiceEnd) {
        self.tick(now);
        if end == SelfServiceEnd::HungUp {
            self.journey_event(c, 0, 1);
        }
    }
    fn on_transferred(&mut self, now: f64, c: &ContactInfo) {
        self.tick(now);
        // The service that ended in a transfer is not a handled contact of the journey.
        if let Some(j) = self.journeys.get_mut(&c.journey) {
            j.0 -= 1;
        }
    }
    fn on_callback(&mut self, now: f64, c: &ContactInfo, event: CallbackEvent) {
        self.tick(now);
        match event {
            // A missed customer-first dial leaves the queue without an agent; an agent-first
            // one was taken from the queue by an agent.
            CallbackEvent::NotReached => {
                // (A missed ticket waits off every queue until its next dial.)
                self.tickets.remove(&c.key);
                self.leave_queue(c);
            }
            CallbackEvent::Reached => self.leave_queue(c),
            CallbackEvent::Failed => {
                self.tickets.remove(&c.key);
                self.journey_event(c, 0, 1);
            }
            CallbackEvent::Accepted | CallbackEvent::MessageReturned if self.lower[c.ty.index()] => {
                self.leave_queue(c);
                self.tickets.insert(c.key, c.ty);
            }
            CallbackEvent::Offered | CallbackEvent::Accepted | CallbackEvent::MessageReturned => {}
        }
    }
    fn on_close(&mut self, now: f64) {
        self.tick(now);
    }
}

/// A user-written policy unlike the default: the most recently idle agent of the group listed
/// last, and the type listed last among those waiting.
struct NewestIdleLastType;

impl RoutingPolicy for NewestIdleLastType {
    fn select_agent(&mut self, view: &View<'_>, ty: TypeId, _arrival: f64) -> Option<AgentId> {
        view.groups_serving(ty)
            .iter()
            .rev()
            .find_map(|g| view.idle_agents(*g).last())
            .map(|(a, _)| a)
    }
    fn select_queue(&mut self, view: &View<'_>, agent: AgentId) -> Option<TypeId> {
        view.types_served(view.group_of(agent))
            .iter()
            .rev()
            .copied()
            .find(|t| view.queue_len(*t) > 0)
    }
}

/// A random small scenario: 1–3 types, 1–3 groups, per-interval rates and headcounts (zeros
/// included), an optional warm-up, handle times that are exponential, lognormal, uniform or an
/// integer constant dividing the interval (exact ties), optional patience (exponential,
/// integer constant, uniform or lognormal) and capacity, either closing rule.
fn arb_scenario() -> impl Strategy<Value = String> {
    let types = 1usize..=3;
    let groups = 1usize..=3;
    (types, groups, 1usize..=4, 0..i64::MAX, any::<bool>(), 0u32..4).prop_flat_map(
        |(nt, ng, ni, seed, clear, warm)| {
            let type_s = prop::collection::vec(
                (
                    prop::collection::vec(0.0f64..0.08, ni),
                    prop_oneof![
                        Just("exponential"),
                        Just("lognormal"),
                        Just("constant"),
                        Just("uniform")
                    ],
                    10.0f64..400.0,
                    prop_oneof![Just(60u32), Just(100), Just(120), Just(200), Just(300)],
                    prop::option::of((
                        prop_oneof![
                            Just("exponential"),
                            Just("constant"),
                            Just("uniform"),
                            Just("lognormal")
                        ],
                        1u32..600,
                    )),
                    prop::option::of(0u32..4),
                    prop::option::of((0.0f64..=1.0, 1u32..5, 1u32..600)),
                    prop::option::of((0.0f64..=1.0, 0.0f64..=1.0, 1u32..4, 1u32..900, 0usize..3)),
                    prop::option::of((any::<bool>(), any::<bool>())),
                    prop::option::of(1u32..400),
                    prop::option::of((any::<bool>(), 0.0f64..=1.0)),
                    prop::option::of((-1i32..2, prop_oneof![Just(0u32), Just(30), Just(120)])),
                ),
                nt,
            );
            let group_s = prop::collection::vec(
                (
                    prop::collection::vec(0u32..4, ni),
                    prop::collection::vec(any::<bool>(), nt),
                    prop::option::of((1u32..200, any::<bool>())),
                ),
                ng,
            );
            (type_s, group_s).prop_map(move |(ts, gs)| {
                // The warm-up ends at 0, inside the first interval, on a boundary or later.
                let warmup = [0, 250, 600, 900][warm as usize].min(600 * ni as u32 - 1);
                let mut s = format!(
                    "[simulation]\nhorizon = {}\ninterval = 600\nstart = \"07:55\"\nwarmup = {warmup}\nseed = {seed}\nreplications = 2\nclosing = \"{}\"\n",
                    600 * ni,
                    if clear { "clear" } else { "serve" }
                );
                for (i, (rates, dist, mean, whole, patience, cap, retrial, resolution, hours, max_wait, balking, class)) in ts.iter().enumerate() {
                    let rates: Vec<String> = rates.iter().map(|r| format!("{r:?}")).collect();
                    let handle = match *dist {
                        "lognormal" => format!("{{ dist = \"lognormal\", mean = {mean:?}, cv = 0.9 }}"),
                        "constant" => format!("{{ dist = \"constant\", value = {whole} }}"),
                        "uniform" => format!("{{ dist = \"uniform\", min = 0, max = {mean:?} }}"),
                        _ => format!("{{ dist = \"exponential\", mean = {mean:?} }}"),
                    };
                    s += &format!(
                        "[[contact_types]]\nname = \"t{i}\"\narrivals = {{ rates = [{}] }}\nhandle_time = {handle}\n",
                        rates.join(", ")
                    );
                    if let Some((kind, p)) = patience {
                        let p = match *kind {
                            "constant" => format!("{{ dist = \"constant\", value = {p} }}"),
                            "uniform" => format!("{{ dist = \"uniform\", min = 0, max = {p} }}"),
                            "lognormal" => format!("{{ dist = \"lognormal\", mean = {p}, cv = 1.5 }}"),
                            _ => format!("{{ dist = \"exponential\", mean = {p} }}"),
                        };
                        s += &format!("patience = {p}\n");
                    }
                    if let Some(c) = cap {
                        s += &format!("queue_capacity = {c}\n");
                    }
                    if let Some((p, attempts, delay)) = retrial {
                        s += &format!(
                            "retrial = {{ probability = {p:?}, delay = {{ dist = \"constant\", value = {delay} }}, max_attempts = {attempts} }}\n"
                        );
                    }
                    if let Some(most) = max_wait {
                        s += &format!("max_wait = {most}\n");
                    }
                    if let Some((by_queue, p)) = balking {
                        s += &if *by_queue {
                            format!("balking = {{ queue = [[0, 0], [3, {p:?}]] }}\n")
                        } else {
                            format!("balking = {{ wait = [[0, {p:?}], [300, 1]] }}\n")
                        };
                    }
                    if let Some((priority, credit)) = class {
                        s += &format!("priority = {priority}\nqueue_credit = {credit}\n");
                    }
                    if let Some((refuse, clear)) = hours {
                        // t = 0 is 07:55: open from 300 s to 1,500 s.
                        s += &format!(
                            "hours = {{ open = \"08:00\", close = \"08:20\", when_closed = \"{}\", at_close = \"{}\" }}\n",
                            if *refuse { "refuse" } else { "defer" },
                            if *clear { "clear" } else { "serve" }
                        );
                    }
                    if let Some((p, r, most, delay, to)) = resolution {
                        s += &format!(
                            "resolution = {{ probability = {p:?}, repeat = {{ probability = {r:?}, delay = {{ dist = \"exponential\", mean = {delay} }}, type = \"t{}\", max_contacts = {most} }} }}\n",
                            to % nt
                        );
                    }
                }
                for (g, (heads, serve, wrap_up)) in gs.iter().enumerate() {
                    let mut served: Vec<String> =
                        (0..nt).filter(|t| serve[*t]).map(|t| format!("\"t{t}\"")).collect();
                    // Every type must be served: the first group serves whatever nobody else does.
                    if g == 0 {
                        served = (0..nt)
                            .filter(|t| serve[*t] || !gs.iter().skip(1).any(|(_, sv, _)| sv[*t]))
                            .map(|t| format!("\"t{t}\""))
                            .collect();
                    }
                    if served.is_empty() {
                        served.push("\"t0\"".into());
                    }
                    let heads: Vec<String> = heads.iter().map(u32::to_string).collect();
                    s += &format!(
                        "[[agent_groups]]\nname = \"g{g}\"\nserves = [{}]\nheadcount = [{}]\n",
                        served.join(", "),
                        heads.join(", ")
                    );
                    if let Some((mean, shorten)) = wrap_up {
                        let each: Vec<String> = served
                            .iter()
                            .map(|t| format!("{} = {{ dist = \"exponential\", mean = {mean} }}", t.trim_matches('"')))
                            .collect();
                        s += &format!("wrap_up = {{ {} }}\n", each.join(", "));
                        if *shorten {
                            s += "wrap_up_under_load = [[0, 1], [3, 0.3]]\n";
                        }
                    }
                }
                s
            })
        },
    )
}

/// Runs two replications of `toml` under `policy` and checks every invariant.
fn check_invariants<P: RoutingPolicy>(toml: &str, policy: P, cross_type_fifo: bool) -> Result<(), TestCaseError> {
    let sc = scenario(toml);
    let observer = (Collector::new(&sc), Checker::new(&sc, cross_type_fifo));
    let mut engine = Engine::with(&sc, policy, observer);
    for rep in 0..2 {
        engine.run(rep);
        let (collector, checker) = engine.observer();
        prop_assert!(checker.violations.is_empty(), "{:?}\n{toml}", checker.violations);
        let out = collector.output(engine.events_processed());
        for t in 0..sc.contact_types.len() {
            let c = out
                .type_intervals(t)
                .iter()
                .fold(cxsim::stats::TypeCounts::default(), |mut a, b| {
                    a.add(b);
                    a
                });
            let accounted = c.answered
                + c.abandoned
                + c.blocked
                + c.cleared
                + c.refused
                + c.balked
                + c.messages
                + out.in_system_at_end[t];
            prop_assert_eq!(c.offered, accounted, "type {} of\n{}", t, toml);
            prop_assert!(c.waited <= c.offered - c.blocked);
        }
        for g in 0..sc.agent_groups.len() {
            for i in out.group_intervals(g) {
                prop_assert!(
                    i.busy_time <= i.present_time * (1.0 + 1e-12) + 1e-9,
                    "busy {} > present {}",
                    i.busy_time,
                    i.present_time
                );
            }
        }
        if sc.closing == cxsim::scenario::Closing::Clear {
            // Clearing sends the queue away and lets services finish: nobody is left.
            prop_assert!(
                out.in_system_at_end.iter().all(|n| *n == 0),
                "left in system {:?}\n{toml}",
                out.in_system_at_end
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_scenario_conserves_contacts_and_keeps_its_invariants(toml in arb_scenario()) {
        check_invariants(&toml, Policy::default(), true)?;
    }

    #[test]
    fn a_user_written_policy_keeps_the_invariants_too(toml in arb_scenario()) {
        check_invariants(&toml, NewestIdleLastType, false)?;
    }

    #[test]
    fn skills_routing_keeps_the_invariants_overflow_delays_and_its_contact_order(
        toml in arb_scenario(),
        rules in (0usize..5, 0usize..3, prop::collection::vec((0u32..3, 0u32..4, 0.5f64..2.0, 0u32..3), 3)),
    ) {
        check_invariants(&with_skills(&toml, rules), Policy::default(), true)?;
    }
}

/// Drawn skills rules: agent selection, contact selection, and per type
/// `(tiers, aging, weight, delay)`.
type SkillsRules = (usize, usize, Vec<(u32, u32, f64, u32)>);

/// `toml` with skills-based routing rules and staffing rules layered on: an agent and a
/// contact selection, and per type (by index, drawn as `(tiers, aging, weight, delay)`): its
/// serving groups split into up to three route steps opening 0, 30·delay and 60·delay seconds
/// apart (some at the same time), an aging of `aging`/min, and a weight; the first group
/// twice as fast on the first type and a third slower on the others, with 20% shrinkage and an
/// occupancy cap of 60% (pauses of 20 s); the
/// second group (and every other one after it) on the first-free leave rule; the last of two
/// or more groups on shifts with breaks and a meeting.
fn with_skills(toml: &str, (agents, contacts, per_type): SkillsRules) -> String {
    use toml::Value;
    let mut doc: toml::Table = toml.parse().expect("a generated scenario parses");
    let agent = ["longest_idle", "random", "random_group", "best_match", "fewest_skills"][agents];
    let contact = ["priority", "longest_wait", "weighted"][contacts];
    let groups: Vec<(String, Vec<String>)> = doc["agent_groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| {
            let serves = g["serves"].as_array().expect("serves");
            (
                g["name"].as_str().expect("a name").to_owned(),
                serves.iter().map(|t| t.as_str().expect("a type").to_owned()).collect(),
            )
        })
        .collect();
    let mut weights = toml::Table::new();
    for (i, t) in doc["contact_types"]
        .as_array_mut()
        .expect("types")
        .iter_mut()
        .enumerate()
    {
        let (tiers, aging, weight, delay) = per_type[i % per_type.len()];
        let t = t.as_table_mut().expect("a table");
        let name = t["name"].as_str().expect("a name").to_owned();
        let serving: Vec<&String> = groups
            .iter()
            .filter(|(_, s)| s.contains(&name))
            .map(|(g, _)| g)
            .collect();
        let mut steps: Vec<(f64, Vec<Value>)> = Vec::new();
        for (k, g) in serving.iter().enumerate() {
            let step = (k as u32).min(tiers) as usize;
            if steps.len() <= step {
                steps.push((30.0 * f64::from(delay) * step as f64, Vec::new()));
            }
            steps[step].1.push(Value::String((*g).clone()));
        }
        let route: Vec<Value> = steps
            .into_iter()
            .map(|(after, groups)| {
                let mut step = toml::Table::new();
                step.insert("groups".into(), Value::Array(groups));
                step.insert("after".into(), Value::Float(after));
                Value::Table(step)
            })
            .collect();
        t.insert("route".into(), Value::Array(route));
        if aging > 0 {
            t.insert("priority_aging".into(), Value::String(format!("{aging}/min")));
        }
        weights.insert(name, Value::Float(weight));
    }
    if let Some(first) = doc["agent_groups"].as_array_mut().and_then(|g| g.first_mut()) {
        let first = first.as_table_mut().expect("a table");
        let serves: Vec<String> = groups[0].1.clone();
        let mut prof = toml::Table::new();
        for (k, ty) in serves.iter().enumerate() {
            let mut p = toml::Table::new();
            p.insert("handle_time".into(), Value::Float(if k == 0 { 0.5 } else { 1.33 }));
            prof.insert(ty.clone(), Value::Table(p));
        }
        first.insert("proficiency".into(), Value::Table(prof));
        first.insert("shrinkage".into(), Value::Float(0.2));
        let cap: toml::Table = r#"occupancy_cap = { max = 0.6, window = "5m", pause = "20s" }"#
            .parse()
            .expect("a cap parses");
        first.insert("occupancy_cap".into(), cap["occupancy_cap"].clone());
    }
    // With two groups or more, the last works shifts (t = 0 is 07:55) with staggered breaks.
    let groups_table = doc["agent_groups"].as_array_mut().expect("groups");
    if groups_table.len() > 1
        && let Some(last) = groups_table.last_mut().and_then(|g| g.as_table_mut())
    {
        let shifts: toml::Table = r#"shifts = [
            { start = "08:00", length = "15m", agents = 2, breaks = [{ length = "2m", from = "08:05", to = "08:12" }] },
            { start = "08:10", length = "20m", agents = 1 },
        ]"#
        .parse()
        .expect("shifts parse");
        last.remove("headcount");
        last.insert("shifts".into(), shifts["shifts"].clone());
        let meeting: toml::Table = r#"activities = [{ name = "meeting", start = "08:04", length = "5m", agents = 1 }]"#
            .parse()
            .expect("an activity parses");
        last.insert("activities".into(), meeting["activities"].clone());
    }
    // Every other group sends home whoever finishes first when its headcount falls.
    for g in doc["agent_groups"]
        .as_array_mut()
        .expect("groups")
        .iter_mut()
        .skip(1)
        .step_by(2)
    {
        g.as_table_mut()
            .expect("a table")
            .insert("leave_rule".into(), Value::String("first_free".into()));
    }
    let mut routing = toml::Table::new();
    routing.insert("agent_selection".into(), Value::String(agent.into()));
    routing.insert("contact_selection".into(), Value::String(contact.into()));
    if contact == "weighted" {
        routing.insert("weights".into(), Value::Table(weights));
    }
    doc.insert("routing".into(), Value::Table(routing));
    toml::to_string(&doc).expect("serializes")
}

/// A random omnichannel scenario: an entry whose calls pass a menu (hang-ups), a bot
/// (containment, false containment, context) and an intent node (misroutes) to two voice
/// queues with optional callbacks (either dialling mode and priority; messages at a maximum wait
/// returned or not) and retrials, a chat queue (whose retries may switch to the phone) served by
/// agents holding 1–3 sessions with a slowdown, and an email queue worked between calls.
fn arb_channels() -> impl Strategy<Value = String> {
    (
        0..i64::MAX,
        (0.0f64..0.3, 0.0f64..=1.0, 0.0f64..=1.0, any::<bool>(), 0.0f64..0.5),
        prop::option::of((1u32..300, 0.0f64..=1.0, 0.0f64..=1.0, 0u32..3, any::<bool>(), any::<bool>(), any::<bool>())),
        (1u32..4, 0.0f64..0.6, 1u32..6, 1u32..8),
        (any::<bool>(), 0.0f64..0.05),
    )
        .prop_map(|(seed, (hang, cont, falsec, ctx, mis), callback, (k, alpha, chat_heads, voice_heads), (clear, email))| {
            let callback = callback.map_or(String::new(), |(offer, acc, reach, retries, agent_first, lower, messages)| {
                format!(
                    "callback = {{ offer_wait = {offer}, offer_waited = 120, accept_max = {acc:?}, accept_scale = \"1m\", reach = {reach:?}, retries = {retries}, retry_gap = 90, dial = \"{}\", dial_time = 20, priority = \"{}\", messages = {messages} }}\nmax_wait = 150\n",
                    if agent_first { "agent_first" } else { "customer_first" },
                    if lower { "lower" } else { "same" },
                )
            });
            let queue = |name: &str, mean: u32| {
                format!(
                    "[[contact_types]]\nname = \"{name}\"\narrivals = {{ rate = 0 }}\nhandle_time = {{ dist = \"exponential\", mean = {mean} }}\npatience = {{ dist = \"exponential\", mean = 200 }}\nretrial = {{ probability = 0.5, delay = {{ dist = \"exponential\", mean = 300 }} }}\nresolution = {{ probability = 0.7, repeat = {{ probability = 0.5, delay = {{ dist = \"exponential\", mean = 600 }} }} }}\n{callback}"
                )
            };
            format!(
                r#"[simulation]
horizon = 3600
interval = 600
seed = {seed}
replications = 2
closing = "{}"
[[contact_types]]
name = "in"
arrivals = {{ rate = 0.05 }}
ivr = "menu"
retrial = {{ probability = 0.5, delay = {{ dist = "exponential", mean = 200 }} }}
{}{}[[contact_types]]
name = "chat"
channel = "chat"
arrivals = {{ rate = 0.03 }}
handle_time = {{ dist = "exponential", mean = 300 }}
patience = {{ dist = "exponential", mean = 100 }}
silent_abandon = {{ probability = 0.5, timeout = 60 }}
retrial = {{ probability = 0.5, delay = {{ dist = "exponential", mean = 120 }}, switch = {{ to = "q0", probability = 0.5 }} }}
[[contact_types]]
name = "mail"
channel = "email"
arrivals = {{ rate = {email:?} }}
handle_time = {{ dist = "exponential", mean = 200 }}
[[ivr]]
name = "menu"
kind = "menu"
duration = {{ dist = "exponential", mean = 20 }}
branches = {{ bot = {:?}, hangup = {hang:?} }}
[[ivr]]
name = "bot"
kind = "bot"
duration = {{ dist = "constant", value = 30 }}
containment = {cont:?}
false_containment = {falsec:?}
recontact_delay = {{ dist = "exponential", mean = 600 }}
context = {ctx}
next = "intent"
[[ivr]]
name = "intent"
kind = "intent"
branches = {{ q0 = 0.5, q1 = 0.3, chat = 0.2 }}
misroute = {mis:?}
[[agent_groups]]
name = "voice"
serves = ["q0", "q1", "mail"]
headcount = {voice_heads}
[[agent_groups]]
name = "chat"
serves = ["chat"]
headcount = {chat_heads}
sessions = {k}
slowdown = {alpha:?}
"#,
                if clear { "clear" } else { "serve" },
                queue("q0", 180),
                queue("q1", 240),
                1.0 - hang,
            )
        })
}

/// Runs two replications of an omnichannel scenario and checks the invariants, and that every
/// contact entering the self-service graph or a queue is accounted for.
fn check_channels(toml: &str) -> Result<(), TestCaseError> {
    let sc = scenario(toml);
    let observer = (Collector::new(&sc), Checker::new(&sc, false));
    let mut engine = Engine::with(&sc, Policy::default(), observer);
    for rep in 0..2 {
        engine.run(rep);
        let (collector, checker) = engine.observer();
        prop_assert!(checker.violations.is_empty(), "{:?}\n{toml}", checker.violations);
        let out = collector.output(engine.events_processed());
        for t in 0..sc.contact_types.len() {
            let c = out
                .type_intervals(t)
                .iter()
                .fold(cxsim::stats::TypeCounts::default(), |mut a, b| {
                    a.add(b);
                    a
                });
            let ended = if sc.contact_types[t].ivr.is_some() {
                c.contained + c.ivr_hangups + c.routed
            } else {
                c.answered
                    + c.abandoned
                    + c.blocked
                    + c.cleared
                    + c.refused
                    + c.balked
                    + c.messages
                    + c.callbacks_failed
            };
            prop_assert_eq!(c.offered, ended + out.in_system_at_end[t], "type {} of\n{}", t, toml);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn omnichannel_scenarios_conserve_contacts_and_journeys_and_keep_their_invariants(toml in arb_channels()) {
        check_channels(&toml)?;
    }
}
