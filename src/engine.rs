//! The discrete-event engine: one replication on one thread, deterministic given its seeds.
//!
//! The event loop takes the earliest event (by `(time, rank, seq)`, see [`event`]) and runs its
//! handler; handlers make routing decisions on the spot through the [`RoutingPolicy`] and
//! report every state change to the [`Observer`]. Only scheduled events exist: arrivals,
//! service ends, abandonment deadlines, re-offers a policy asked for, staffing change points,
//! interval boundaries and the closing time (tie order on [`event::EventKind`]).
//!
//! Life of a contact (see [`contact::ContactState`]): it arrives, draws its patience and base
//! handle time from its type's streams, and is offered to the policy. If an agent is chosen it
//! is answered at once; otherwise it waits in its type's FIFO queue — or is blocked when the
//! queue is at capacity — until an agent frees and selects it, or its patience runs out (a lazy
//! timer: skipped if the contact has moved on), or the closing rule clears it.
//!
//! **Next arrivals off the heap.** Each contact type has exactly one pending arrival at a time.
//! With few types (at most [`OFF_HEAP_ARRIVAL_TYPES`]) the engine keeps it out of the heap: it
//! draws the arrival's key — `(time, rank 3, seq)` — from the same sequence counter, at the same
//! moment it would have pushed the event, and keeps the smallest such key beside the heap. Each
//! step compares that key with the heap's top key and runs the smaller, so events run in exactly
//! the order they would if the arrival were on the heap (keys are unique, so no tie is left
//! open). This saves a heap push and pop per arrival; the test
//! `engine_seams::arrivals_on_or_off_the_heap_give_the_same_trace` checks the two orders agree.
//!
//! **Stale timers and compaction.** An abandonment timer stays on the heap when its contact is
//! answered (lazy cancellation); so does a service end whose time was rescheduled. The engine
//! counts such stale entries, and when they outnumber the live ones it drops them all in one
//! O(n) pass ([`event::EventQueue::retain`]). Keys are unique, so the pop order of the events
//! kept is unchanged, and the heap stays within about twice the live events however long the
//! patience (test `engine_seams::the_event_heap_stays_flat_in_the_horizon_with_month_long_patience`).
//! Dropped stale timers still count in [`Engine::events_processed`], so that figure does not
//! depend on when compaction ran.
//!
//! **Agent state.** Every change of an agent's status, `leaving` flag and roster counters goes
//! through one function (`set_agent`), the one place where later per-agent state (fatigue,
//! tenure) will be brought up to date.
//!
//! **Runaway replications.** A replication whose contacts in the system exceed a bound
//! (the scenario's `simulation.max_in_system`, [`DEFAULT_MAX_IN_SYSTEM`] unless given; or
//! [`Engine::set_max_in_system`]) stops early with an
//! [`InSystemOverflow`] instead of growing until memory runs out.
//!
//! Allocation: [`Engine::new`] sizes every buffer; each replication clears and reuses them, so
//! after the first replication the loop allocates nothing (a test counts it). Never
//! parallelise inside a replication: the sweep runs replications in parallel instead.

pub mod agent;
pub mod contact;
pub mod event;
pub mod queue;
mod workforce;

use crate::arrivals::ArrivalProcess;
use crate::rng::{self, Rng, Source, StreamId, Substream};
use crate::routing::{ContactChoice, Policy, RoutingPolicy, View};
use crate::scenario::{Channel, Closing, GroupId, LeaveRule, NodeKind, Scenario, Target, TypeId};
use crate::stats::{CallbackEvent, Collector, ContactInfo, JourneyEnd, JourneyOutcome, Observer, SelfServiceEnd};
use agent::{Agent, AgentStatus, Recent, Roster, Share};
use contact::{ContactKey, ContactSlab, ContactState, Exit, NO_TRANSFER};
use event::{ARRIVAL_RANK, AgentId, EventKind, EventQueue, Key, NO_KEY, key_time};
use queue::{Queued, WaitQueue};
use rand::{Rng as _, RngCore as _};
use workforce::Crew;

/// Most contact types whose next arrivals are kept off the heap (a linear scan finds the
/// earliest); with more types, arrivals go on the heap.
pub const OFF_HEAP_ARRIVAL_TYPES: usize = 8;

/// The heap is compacted only from this many pending events on (below, a pass is not worth it).
const COMPACT_MIN_EVENTS: usize = 256;

/// The default bound on contacts in the system at once (waiting or in service). At roughly
/// 100 bytes per waiting contact (slab slot, queue entry, timer) this is about 1 GB.
pub const DEFAULT_MAX_IN_SYSTEM: usize = 10_000_000;

/// A replication stopped because more contacts were in the system at once than the bound
/// allows — arrivals far beyond what the agents can serve, with no patience to bound the queue.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[error(
    "replication {replication} stopped at t = {time:.0} s: more than {limit} contacts in the system at once \
     (arrivals far exceed what the agents can serve; check rates, headcounts and handle times, \
     or give the contacts a patience)"
)]
pub struct InSystemOverflow {
    pub replication: u32,
    /// Simulated time (seconds) at which the bound was passed.
    pub time: f64,
    /// The bound that was passed.
    pub limit: usize,
}

/// Staffing as change points: interval headcounts compile to `(time, headcount)` pairs per
/// group, kept only where the headcount changes (the first at t = 0), and the merged distinct
/// change times after 0. Staffing changes are then their own events, at any time, and do not
/// depend on interval boundaries (test `engine_seams::staffing_runs_on_its_own_change_points`).
fn staffing_plan(sc: &Scenario) -> (Vec<Vec<(f64, u32)>>, Vec<f64>) {
    let plan: Vec<Vec<(f64, u32)>> = sc
        .agent_groups
        .iter()
        .map(|g| {
            if !g.staffing.is_empty() {
                // Shifts: their own change points.
                return g.staffing.iter().map(|(t, h)| (*t, h * g.sessions)).collect();
            }
            let mut points: Vec<(f64, u32)> = Vec::new();
            for (i, h) in g.headcount.iter().enumerate() {
                // An agent holding k chat sessions is k session slots.
                let h = h * g.sessions;
                if points.last().is_none_or(|(_, last)| *last != h) {
                    points.push((sc.interval_start(i as u32), h));
                }
            }
            points
        })
        .collect();
    let mut times: Vec<f64> = plan.iter().flatten().map(|(t, _)| *t).filter(|t| *t > 0.0).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    (plan, times)
}

/// What happened to a contact's callback offer as it queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallbackEntry {
    /// No offer now and none later.
    None,
    /// Offered on entry and accepted.
    Accepted,
    /// An offer timer is pending (the abandonment timer waits behind it).
    OfferLater,
}

/// The random streams of one contact type.
#[derive(Debug, Clone)]
struct TypeStreams {
    arrivals: Rng,
    patience: Rng,
    handle: Rng,
    /// Seeds of journey substreams (drawn only by types whose journeys decide later).
    journey: Rng,
}

impl TypeStreams {
    /// The streams of the type whose name has key `name_key` ([`rng::name_key`]): keyed by
    /// identity, so other types' presence or order does not move them.
    fn new(seed: u64, replication: u32, name_key: u64) -> Self {
        let s = |source| rng::stream(seed, u64::from(replication), StreamId::new(source, name_key));
        Self {
            arrivals: s(Source::Arrivals),
            patience: s(Source::Patience),
            handle: s(Source::HandleTime),
            journey: s(Source::Journey),
        }
    }
}

/// A reusable simulator for one scenario. Generic over the routing policy and the observer, so
/// both are called directly (no dynamic dispatch in the loop).
pub struct Engine<'s, P: RoutingPolicy = Policy, O: Observer = Collector> {
    sc: &'s Scenario,
    policy: P,
    observer: O,
    now: f64,
    replication: u32,
    events: EventQueue,
    /// Whether next arrivals are kept off the heap (see the module docs).
    arrivals_off_heap: bool,
    /// Key of each type's next arrival while kept off the heap; [`NO_KEY`] if none.
    next_arrival: Vec<Key>,
    /// The smallest key in `next_arrival` and its type.
    first_arrival: (Key, u16),
    /// Stale timers on the heap (see the module docs).
    stale: usize,
    contacts: ContactSlab,
    queues: Vec<WaitQueue>,
    agents: Vec<Agent>,
    rosters: Vec<Roster>,
    arrivals: Vec<ArrivalProcess>,
    streams: Vec<TypeStreams>,
    /// [`rng::name_key`] of each type's name.
    stream_keys: Vec<u64>,
    /// Each group's headcount as change points `(time, headcount)`, the first at t = 0.
    staffing_plan: Vec<Vec<(f64, u32)>>,
    /// The distinct times after 0 at which some group's headcount changes, ascending.
    staffing_times: Vec<f64>,
    interval: u32,
    /// Contacts holding each set of lines (`Scenario::lines`).
    line_use: Vec<u32>,
    next_journey: u64,
    /// Whether journeys are followed to their end ([`Scenario::follow_journeys`]).
    follow: bool,
    /// Weight of time waited off the line for a callback in a journey's wait (ω_cb).
    callback_weight: f64,
    /// Whether some type's handle time or patience varies by interval.
    profiles: bool,
    /// Whether some group's agents leave by the first-free rule ([`LeaveRule::FirstFree`]).
    first_free: bool,
    /// Whether a freed agent may be held back from taking the next contact: by a departure
    /// its group owes (first-free rule), an occupancy cap, or a notice served (under
    /// `[workforce]`). One flag, so that the common case tests one.
    held: bool,
    /// Whether a slot's change of state has more to bring up to date: shared chat sessions,
    /// or a recent occupancy (`shares || capped`).
    slot_hooks: bool,
    /// Whether the policy reads queue times or asks for re-offers
    /// ([`RoutingPolicy::follows_waits`]); when not, the engine keeps neither.
    waits: bool,
    /// Whether some type has opening hours.
    hours: bool,
    /// Whether some type balks or has a maximum wait.
    waiting_rules: bool,
    /// Whether some type replays recorded arrivals.
    replays: bool,
    /// Whether some type's arrivals enter the self-service graph.
    ivr: bool,
    /// Whether some type offers callbacks.
    callbacks: bool,
    /// Whether some type's accepted callbacks wait behind its live queue.
    lower_callbacks: bool,
    /// Each type's callback queue (one per type when `lower_callbacks`, else none).
    tickets: Vec<WaitQueue>,
    /// Whether some group's agents share their time between chat sessions.
    shares: bool,
    /// Some group does after-call work, or has an occupancy cap: a service end takes the
    /// slower path that may keep the agent from being free at once.
    wraps: bool,
    /// Some group has an occupancy cap.
    capped: bool,
    /// Each slot's recent occupancy (one per agent slot when `capped`, else none).
    recent: Vec<Recent>,
    /// Each slot's shared session (one per agent slot when `shares`, else none).
    sessions: Vec<Share>,
    /// Whether the scenario has `[workforce]`: agents tire, strain, fall absent and quit.
    staffed: bool,
    /// Whether an agent's handle time depends on the agent: a proficiency, `[workforce]`, or
    /// agent-assist.
    agent_paced: bool,
    /// Some group uses agent-assist.
    assisted: bool,
    /// Some group is a pool of AI agents.
    ai_pools: bool,
    /// Each agent's workforce state (empty without `[workforce]`).
    crew: Crew,
    /// Index of each replayed type's next recorded arrival.
    replay_next: Vec<usize>,
    /// Mean base handle time of each type, seconds (for announced waits).
    mean_handle: Vec<f64>,
    processed: u64,
    max_in_system: usize,
    overflow: Option<InSystemOverflow>,
}

impl<'s> Engine<'s> {
    /// An engine with the built-in FIFO/longest-idle policy and the default collector.
    pub fn new(sc: &'s Scenario) -> Self {
        Engine::with(sc, Policy::default(), Collector::new(sc))
    }
}

impl<'s, P: RoutingPolicy, O: Observer> Engine<'s, P, O> {
    /// An engine with a given policy and observer.
    pub fn with(sc: &'s Scenario, mut policy: P, observer: O) -> Self {
        policy.bind(sc);
        let waits = policy.follows_waits();
        let mut agents = Vec::new();
        let mut rosters = Vec::new();
        for (gi, g) in sc.agent_groups.iter().enumerate() {
            let start = agents.len() as u32;
            let slots = g.employees.max(g.max_headcount) * g.sessions;
            let mut roster = Roster::new(start, slots);
            agents.resize(agents.len() + slots as usize, Agent::off_duty(GroupId(gi as u16)));
            roster.reset(&mut agents, GroupId(gi as u16));
            rosters.push(roster);
        }
        let total_agents = agents.len();
        let n_types = sc.contact_types.len();
        let (staffing_plan, staffing_times) = staffing_plan(sc);
        let stream_keys: Vec<u64> = sc.contact_types.iter().map(|t| rng::name_key(&t.name)).collect();
        Self {
            sc,
            policy,
            observer,
            now: 0.0,
            replication: 0,
            events: EventQueue::with_capacity(64 + 2 * total_agents + 4 * n_types),
            arrivals_off_heap: n_types <= OFF_HEAP_ARRIVAL_TYPES,
            next_arrival: vec![NO_KEY; n_types],
            first_arrival: (NO_KEY, 0),
            stale: 0,
            contacts: ContactSlab::with_capacity(256 + 2 * total_agents),
            queues: sc.contact_types.iter().map(|_| WaitQueue::with_capacity(256)).collect(),
            agents,
            rosters,
            arrivals: sc
                .contact_types
                .iter()
                .map(|t| ArrivalProcess::new(&t.arrival_rates, sc.interval, sc.horizon))
                .collect(),
            streams: stream_keys.iter().map(|k| TypeStreams::new(sc.seed, 0, *k)).collect(),
            stream_keys,
            staffing_times,
            staffing_plan,
            interval: 0,
            line_use: vec![0; sc.lines.len()],
            next_journey: 0,
            follow: sc.follow_journeys,
            callback_weight: sc.csat.callback_wait_weight,
            profiles: sc.contact_types.iter().any(|t| {
                t.handle_profile.is_some()
                    || t.patience_profile.is_some()
                    || !t.handle_by_interval.is_empty()
                    || !t.patience_by_interval.is_empty()
            }),
            hours: sc.contact_types.iter().any(|t| t.hours.is_some()),
            first_free: sc.agent_groups.iter().any(|g| g.leave_rule == LeaveRule::FirstFree),
            held: sc.has_occupancy_cap
                || sc.agent_groups.iter().any(|g| g.leave_rule == LeaveRule::FirstFree)
                || sc.workforce.is_some(),
            slot_hooks: sc.has_occupancy_cap || sc.agent_groups.iter().any(Self::shares_time) || sc.workforce.is_some(),
            waits,
            waiting_rules: sc
                .contact_types
                .iter()
                .any(|t| t.balking.is_some() || t.max_wait.is_some()),
            mean_handle: sc.contact_types.iter().map(|t| t.handle_time.mean()).collect(),
            replays: sc.contact_types.iter().any(|t| t.replay.is_some()),
            ivr: sc.contact_types.iter().any(|t| t.ivr.is_some()),
            callbacks: sc.contact_types.iter().any(|t| t.callback.is_some()),
            lower_callbacks: sc.contact_types.iter().any(Self::lower_priority),
            tickets: if sc.contact_types.iter().any(Self::lower_priority) {
                sc.contact_types.iter().map(|_| WaitQueue::of_tickets(64)).collect()
            } else {
                Vec::new()
            },
            shares: sc.agent_groups.iter().any(Self::shares_time),
            wraps: sc.has_wrap_up || sc.has_occupancy_cap,
            capped: sc.has_occupancy_cap,
            recent: if sc.has_occupancy_cap {
                vec![Recent::default(); total_agents]
            } else {
                Vec::new()
            },
            sessions: if sc.agent_groups.iter().any(Self::shares_time) {
                vec![Share::default(); total_agents]
            } else {
                Vec::new()
            },
            replay_next: vec![0; n_types],
            staffed: sc.workforce.is_some(),
            agent_paced: sc.has_proficiency || sc.workforce.is_some() || sc.has_assist,
            assisted: sc.has_assist,
            ai_pools: sc.has_ai,
            crew: Crew::new(
                sc.seed,
                if sc.workforce.is_some() { total_agents } else { 0 },
                sc.agent_groups.len(),
            ),
            processed: 0,
            max_in_system: sc.max_in_system,
            overflow: None,
        }
    }

    pub fn observer(&self) -> &O {
        &self.observer
    }

    pub fn observer_mut(&mut self) -> &mut O {
        &mut self.observer
    }

    pub fn into_observer(self) -> O {
        self.observer
    }

    pub fn scenario(&self) -> &'s Scenario {
        self.sc
    }

    /// Events retired in the last replication: every event scheduled, whether it ran, was
    /// skipped as a stale timer, or was dropped as one by heap compaction.
    pub fn events_processed(&self) -> u64 {
        self.processed
    }

    /// The most events that were on the heap at once in the last replication (next arrivals
    /// kept off the heap not counted).
    pub fn peak_pending_events(&self) -> usize {
        self.events.peak_len()
    }

    /// Puts next arrivals on the heap (`true`) or keeps them off it (`false`, the default with
    /// at most [`OFF_HEAP_ARRIVAL_TYPES`] types). Both give the same results; this exists to
    /// show it (test `engine_seams::arrivals_on_or_off_the_heap_give_the_same_trace`).
    pub fn set_arrivals_on_heap(&mut self, on_heap: bool) {
        self.arrivals_off_heap = !on_heap;
    }

    /// Replaces `group`'s staffing with change points `(time in seconds, headcount)`: from each
    /// time on, the group is brought to that headcount (capped at the group's largest
    /// headcount in the scenario, the agents it owns). Times need not be interval boundaries.
    /// Before the first point the headcount is 0. Applies from the next replication.
    pub fn set_staffing(&mut self, group: GroupId, points: &[(f64, u32)]) {
        let size = self.rosters[group.index()].size;
        let k = self.sc.agent_groups[group.index()].sessions;
        let mut plan: Vec<(f64, u32)> = vec![(0.0, 0)];
        let mut sorted: Vec<(f64, u32)> = points
            .iter()
            .filter(|(t, _)| t.is_finite() && *t >= 0.0)
            .copied()
            .collect();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (t, h) in sorted {
            let h = h.saturating_mul(k).min(size);
            match plan.last_mut() {
                Some(last) if last.0 == t => last.1 = h,
                _ => plan.push((t, h)),
            }
        }
        self.staffing_plan[group.index()] = plan;
        let mut times: Vec<f64> = self
            .staffing_plan
            .iter()
            .flatten()
            .map(|(t, _)| *t)
            .filter(|t| *t > 0.0)
            .collect();
        times.sort_by(f64::total_cmp);
        times.dedup();
        self.staffing_times = times;
    }

    /// Sets the most contacts that may be in the system at once before a replication is
    /// stopped (see [`InSystemOverflow`]); at least 1.
    pub fn set_max_in_system(&mut self, limit: usize) {
        self.max_in_system = limit.max(1);
    }

    /// Why the last replication stopped early, if it did. Its statistics then cover only the
    /// time until it stopped and must not be reported as a result.
    pub fn overflow(&self) -> Option<&InSystemOverflow> {
        self.overflow.as_ref()
    }

    /// Runs replication `replication` to completion: from t = 0 until no event is left.
    /// The result is a pure function of the scenario (seed included) and `replication`.
    /// A replication that passes the in-system bound stops early; see [`Engine::overflow`]
    /// and [`Engine::try_run`].
    pub fn run(&mut self, replication: u32) {
        self.start(replication);
        while self.step() {}
        self.finish();
    }

    /// [`Engine::run`], returning the overflow as an error if the replication stopped early.
    pub fn try_run(&mut self, replication: u32) -> Result<(), InSystemOverflow> {
        self.run(replication);
        self.overflow.map_or(Ok(()), Err)
    }

    /// Resets the state and schedules the first events of `replication`.
    fn start(&mut self, replication: u32) {
        self.reset(replication);
        self.policy.on_start(replication);
        self.observer.on_start(replication);
        self.apply_staffing(0.0);
        if self.staffed {
            for g in 0..self.rosters.len() {
                self.report_crew(GroupId(g as u16));
            }
        }
        if let Some(first) = self.staffing_times.first() {
            self.events.push(*first, EventKind::Staffing { index: 0 });
        }
        if self.sc.n_intervals > 1 {
            self.events.push(self.sc.interval, EventKind::Interval { index: 1 });
        }
        self.events.push(self.sc.horizon, EventKind::Close);
        for (t, ct) in self.sc.contact_types.iter().enumerate() {
            if let Some(h) = ct.hours.as_ref().filter(|h| h.at_close == Closing::Clear)
                && let Some(at) = h.next_close_after(0.0).filter(|at| *at <= self.sc.horizon)
            {
                self.events.push(at, EventKind::Shut { ty: TypeId(t as u16) });
            }
        }
        for (t, ct) in self.sc.contact_types.iter().enumerate() {
            let first = match &ct.replay {
                Some(r) => r.times.first().copied(),
                None => self.arrivals[t].next_after(0.0, &mut self.streams[t].arrivals),
            };
            self.schedule_arrival(t, first);
        }
    }

    /// Runs the earliest event. Returns false when none is left (or the replication stopped).
    #[inline(always)] // the event loop's body: one call per event otherwise
    fn step(&mut self) -> bool {
        let (arrival, ty) = self.first_arrival;
        if arrival < self.events.peek_key() {
            let time = key_time(arrival);
            debug_assert!(time >= self.now, "time went backwards");
            self.now = time;
            self.processed += 1;
            self.on_arrival(TypeId(ty));
            return self.overflow.is_none();
        }
        let Some(ev) = self.events.pop() else {
            return false;
        };
        debug_assert!(ev.time() >= self.now, "time went backwards");
        self.now = ev.time();
        self.processed += 1;
        match ev.kind() {
            EventKind::Arrival { ty } => self.on_arrival(ty),
            EventKind::ServiceEnd { agent, serial } => self.on_service_end(agent, serial),
            EventKind::Abandon { contact } => self.on_abandon(contact),
            EventKind::Reoffer { contact } => self.on_reoffer(contact),
            EventKind::Retry { contact } => self.on_retry(contact),
            EventKind::Interval { index } => self.on_interval(index),
            EventKind::Staffing { index } => self.on_staffing(index),
            EventKind::Close => self.on_close(),
            EventKind::Shut { ty } => self.on_shut(ty),
            EventKind::Step { contact } => self.on_step(contact),
            EventKind::Offer { contact } => self.on_offer(contact),
            EventKind::Day { index } => self.on_day(index),
        }
        self.overflow.is_none()
    }

    /// Reports the contacts left in the system and ends the replication.
    fn finish(&mut self) {
        for (key, c) in self.contacts.iter().filter(|(_, c)| !c.ghost) {
            if c.state != ContactState::Away {
                self.observer.on_in_system_at_end(self.now, &Self::info(key, c));
            }
            if self.follow {
                self.observer
                    .on_journey_end(self.now, &Self::journey_end(self.sc, c, JourneyOutcome::Open));
            }
        }
        self.observer.on_end(self.now);
    }

    fn journey_end(sc: &Scenario, c: &contact::Contact, outcome: JourneyOutcome) -> JourneyEnd {
        JourneyEnd {
            journey: c.journey,
            ty: c.path.ty,
            start: c.path.start,
            interval: c.path.interval,
            outcome,
            handled: c.path.handled,
            failed: c.path.failed,
            wait: f64::from(c.path.wait),
            wait_excess: f64::from(c.path.wait_excess),
            email_wait_excess_h: f64::from(c.path.email_excess),
            ivr: f64::from(c.path.ivr),
            transfers: c.path.transfers,
            switches: c.path.switches,
            context_lost: c.path.context_lost,
            bot_failed: c.path.bot_failed,
            contained: false,
            csat_shift: match c.path.last_site {
                0 => 0.0,
                s => sc.sites[usize::from(s) - 1].csat.ln(),
            },
        }
    }

    /// The journey of `c` (which has left the slab) ends with `outcome`.
    #[inline(never)]
    fn end_journey(&mut self, c: &contact::Contact, outcome: JourneyOutcome) {
        self.observer
            .on_journey_end(self.now, &Self::journey_end(self.sc, c, outcome));
    }

    /// One more failed attempt (abandoned, blocked, refused, balked, cleared, or a message)
    /// on a journey's path, after waiting `waited` seconds.
    #[inline]
    fn attempt_failed(&self, c: &mut contact::Contact, waited: f64) {
        c.path.failed = c.path.failed.saturating_add(1);
        Self::add_wait(self.sc, c, waited);
    }

    /// Adds one attempt's wait (seconds) to its journey's path: beyond the grace of its
    /// channel (MODEL.md §2.3: 2 min for voice, 3 min for chat; an email's beyond its own
    /// grace, counted apart in hours).
    #[inline]
    fn add_wait(sc: &Scenario, c: &mut contact::Contact, wait: f64) {
        let path = &mut c.path;
        path.wait += wait as f32;
        match sc.contact_types[c.ty.index()].channel {
            Channel::Voice => path.wait_excess += (wait - sc.csat.wait_grace_s).max(0.0) as f32,
            Channel::Chat => path.wait_excess += (wait - sc.csat.chat_wait_grace_s).max(0.0) as f32,
            Channel::Email => {
                path.email_excess += ((wait - sc.csat.email_wait_grace_s).max(0.0) / 3600.0) as f32;
            }
        }
    }

    fn reset(&mut self, replication: u32) {
        self.now = 0.0;
        self.replication = replication;
        self.events.clear();
        self.next_arrival.fill(NO_KEY);
        self.first_arrival = (NO_KEY, 0);
        self.stale = 0;
        self.overflow = None;
        self.contacts.clear();
        for q in self.queues.iter_mut().chain(&mut self.tickets) {
            q.clear();
        }
        for (gi, r) in self.rosters.iter_mut().enumerate() {
            r.reset(&mut self.agents, GroupId(gi as u16));
        }
        for (s, key) in self.streams.iter_mut().zip(&self.stream_keys) {
            *s = TypeStreams::new(self.sc.seed, replication, *key);
        }
        self.draw_busyness(replication);
        self.interval = 0;
        self.line_use.fill(0);
        self.replay_next.fill(0);
        self.recent.fill(Recent::default());
        self.next_journey = 0;
        self.processed = 0;
        self.reset_crew(replication);
    }

    /// Scales each type's rates by this replication's busyness factors: one gamma draw (mean
    /// 1, shape k) per period from the stream of the factor's key, so types that share a key
    /// draw the same factors.
    fn draw_busyness(&mut self, replication: u32) {
        for (t, ct) in self.sc.contact_types.iter().enumerate() {
            let Some(b) = &ct.busyness else { continue };
            let mut rng = rng::stream(
                self.sc.seed,
                u64::from(replication),
                StreamId::new(Source::Busyness, b.key),
            );
            let gamma = rand_distr::Gamma::new(b.shape, 1.0 / b.shape).expect("shape checked at load");
            let (mut period, mut factor) = (usize::MAX, 1.0);
            let sc = self.sc;
            self.arrivals[t].scale(|i| {
                let p = (sc.interval_start(i as u32) / b.period) as usize;
                while period != p {
                    // Periods with no interval start (none, as intervals divide a day) would
                    // still take their draw, in order.
                    period = if period == usize::MAX { 0 } else { period + 1 };
                    factor = rand_distr::Distribution::sample(&gamma, &mut rng);
                }
                factor
            });
        }
    }

    /// Schedules type `ty`'s next arrival at `at` (or none), on or off the heap.
    #[inline]
    fn schedule_arrival(&mut self, ty: usize, at: Option<f64>) {
        if !self.arrivals_off_heap {
            if let Some(t) = at {
                self.events.push(t, EventKind::Arrival { ty: TypeId(ty as u16) });
            }
            return;
        }
        // The key is drawn now, as a push would draw it, so the order is the heap's.
        self.next_arrival[ty] = at.map_or(NO_KEY, |t| self.events.key(t, ARRIVAL_RANK));
        self.first_arrival = if let [only] = self.next_arrival.as_slice() {
            (*only, 0)
        } else {
            let mut first = (NO_KEY, 0);
            for (t, k) in self.next_arrival.iter().enumerate() {
                if *k < first.0 {
                    first = (*k, t as u16);
                }
            }
            first
        };
    }

    /// Records that one more timer on the heap went stale; compacts the heap when stale timers
    /// outnumber live events (see the module docs).
    #[inline]
    fn timer_went_stale(&mut self) {
        self.stale += 1;
        let len = self.events.len();
        if 2 * self.stale > len && len >= COMPACT_MIN_EVENTS {
            self.compact();
        }
    }

    /// A stale timer was popped and skipped.
    #[inline]
    fn stale_timer_popped(&mut self) {
        debug_assert!(self.stale > 0, "a stale timer that was not counted");
        self.stale -= 1;
    }

    /// Drops every stale timer from the heap; see the module docs.
    #[cold]
    fn compact(&mut self) {
        let (contacts, agents) = (&self.contacts, &self.agents);
        let dropped = self.events.retain(|kind| match *kind {
            EventKind::Abandon { contact } => contacts
                .get(contact)
                .is_some_and(|c| c.state == ContactState::Waiting && !c.callback),
            EventKind::Reoffer { contact } => contacts
                .get(contact)
                .is_some_and(|c| c.state == ContactState::Waiting && c.reoffer),
            // Only a rescheduled service end is stale, and its serial is behind the agent's.
            EventKind::ServiceEnd { agent, serial } => agents[agent.index()].serial == serial,
            _ => true,
        });
        debug_assert_eq!(dropped, self.stale, "stale timers miscounted");
        self.processed += dropped as u64;
        self.stale = 0;
    }

    /// Runs a routing decision: the policy sees a read-only view of the current state.
    #[inline]
    fn decide<R>(&mut self, f: impl FnOnce(&mut P, &View<'_>) -> R) -> R {
        let view = View {
            now: self.now,
            scenario: self.sc,
            agents: &self.agents,
            rosters: &self.rosters,
            queues: &self.queues,
            contacts: &self.contacts,
        };
        f(&mut self.policy, &view)
    }

    #[inline]
    fn info(key: ContactKey, c: &contact::Contact) -> ContactInfo {
        ContactInfo {
            key,
            ty: c.ty,
            arrival: c.arrival,
            interval: c.interval,
            journey: c.journey,
            attempt: c.attempt,
            repeat: c.path.handled + u16::from(c.path.recontacts),
            routed: false,
        }
    }

    #[inline]
    fn report_group(&mut self, g: GroupId) {
        let r = &self.rosters[g.index()];
        self.observer.on_group(self.now, g, r.busy, r.present());
    }

    /// The one door through which an agent's duty state changes: sets its status and
    /// `leaving` flag, moves it between its roster's idle and off lists, keeps the busy and
    /// leaving counters, and — with `report` — tells the observer the group's new levels.
    /// Later per-agent state (fatigue, tenure) is brought up to date here.
    #[inline(always)] // each call site passes constants: inlined, most branches fold away
    fn set_agent(&mut self, agent: AgentId, to: AgentStatus, leaving: bool, report: bool) {
        debug_assert!(!leaving || to == AgentStatus::Busy, "only a busy agent can be leaving");
        let a = self.agents[agent.index()];
        let roster = &mut self.rosters[a.group.index()];
        match a.status {
            AgentStatus::Idle => roster.idle.remove(&mut self.agents, agent),
            AgentStatus::Off => roster.off.remove(&mut self.agents, agent),
            AgentStatus::Busy => roster.busy -= 1,
            AgentStatus::Away => roster.away.remove(&mut self.agents, agent),
        }
        roster.leaving -= u32::from(a.leaving);
        match to {
            AgentStatus::Idle => {
                self.agents[agent.index()].idle_since = self.now;
                roster.idle.push_back(&mut self.agents, agent);
            }
            AgentStatus::Off => roster.off.push_back(&mut self.agents, agent),
            AgentStatus::Busy => roster.busy += 1,
            AgentStatus::Away => roster.away.push_back(&mut self.agents, agent),
        }
        roster.leaving += u32::from(leaving);
        let rec = &mut self.agents[agent.index()];
        rec.status = to;
        rec.leaving = leaving;
        if self.slot_hooks {
            self.slot_changed(agent, a);
        }
        if report {
            self.report_group(a.group);
        }
    }

    /// Slot `agent`, which was `before`, has changed state: its recent occupancy is brought up
    /// to date (under a cap), and its sessions reshared (with shared chat sessions).
    #[cold]
    #[inline(never)]
    fn slot_changed(&mut self, agent: AgentId, before: Agent) {
        if self.capped {
            self.advance_recent(agent, before.status == AgentStatus::Busy && !before.pausing);
        }
        if self.shares {
            self.reshare(agent);
        }
        if self.staffed {
            self.crew_changed(agent, before);
        }
    }

    /// Whether a group's agents share their time between several chat sessions, in a way
    /// that matters: their sessions slow down, or resolve less, as concurrency rises.
    fn shares_time(g: &crate::scenario::AgentGroup) -> bool {
        g.sessions > 1 && (g.slowdown > 0.0 || g.fcr_loss > 0.0)
    }

    /// The sessions of the agent that holds slot `slot` run at the pace of its current number
    /// of sessions `c`, `1 + α·(c − 1)` (limited processor sharing): each session's remaining
    /// work is brought up to date at the pace it ran at, and its end is rescheduled where the
    /// pace changed (or scheduled, for a session just started). Each session also keeps
    /// ∫ c dt, for its time-averaged concurrency.
    #[cold]
    #[inline(never)]
    fn reshare(&mut self, slot: AgentId) {
        let g = &self.sc.agent_groups[self.agents[slot.index()].group.index()];
        if !Self::shares_time(g) {
            return;
        }
        let start = self.rosters[self.agents[slot.index()].group.index()].start;
        let k = g.sessions;
        let first = start + (slot.0 - start) / k * k;
        let slots = first as usize..(first + k) as usize;
        let c = self.agents[slots.clone()]
            .iter()
            .filter(|a| a.status == AgentStatus::Busy)
            .count();
        let pace = 1.0 + g.slowdown * (c.max(1) - 1) as f64;
        let c = c as u32;
        for i in slots {
            if self.agents[i].status != AgentStatus::Busy {
                continue;
            }
            let sh = &mut self.sessions[i];
            if sh.pending {
                sh.pending = false;
                sh.since = self.now;
                sh.start = self.now;
                sh.area = 0.0;
                sh.concurrency = c;
                sh.pace = pace;
                let (end, serial) = (self.now + sh.work * pace, self.agents[i].serial);
                self.events.push(
                    end,
                    EventKind::ServiceEnd {
                        agent: AgentId(i as u32),
                        serial,
                    },
                );
            } else if sh.concurrency != c {
                sh.work = (sh.work - (self.now - sh.since) / sh.pace).max(0.0);
                sh.area += (self.now - sh.since) * f64::from(sh.concurrency);
                sh.since = self.now;
                sh.concurrency = c;
                if sh.pace != pace {
                    sh.pace = pace;
                    let end = self.now + sh.work * pace;
                    self.reschedule_service_end(AgentId(i as u32), end);
                }
            }
        }
    }

    fn on_arrival(&mut self, ty: TypeId) {
        let ct = &self.sc.contact_types[ty.index()];
        let streams = &mut self.streams[ty.index()];
        // The contact's own randomness, drawn at arrival from its type's streams (CRN).
        if self.replays
            && let Some(replay) = &ct.replay
        {
            return self.on_replayed_arrival(ty, replay);
        }
        if self.profiles {
            return self.on_profiled_arrival(ty);
        }
        let patience = match &ct.patience {
            Some(d) => d.sample(&mut streams.patience),
            None => f64::INFINITY,
        };
        let handle = ct.handle_time.sample(&mut streams.handle);
        let next = self.arrivals[ty.index()].next_after(self.now, &mut streams.arrivals);
        self.schedule_arrival(ty.index(), next);
        self.arrive(ty, patience, handle);
    }

    /// [`Engine::on_arrival`] of a type whose handle time or patience varies by interval:
    /// the same draws from the same streams, from the distributions of the arrival's
    /// interval, patience scaled by its profile.
    #[inline(never)]
    fn on_profiled_arrival(&mut self, ty: TypeId) {
        let ct = &self.sc.contact_types[ty.index()];
        let streams = &mut self.streams[ty.index()];
        let patience = match ct.patience_at(self.interval) {
            Some(d) => Self::scaled_patience(ct, d.sample(&mut streams.patience), self.interval),
            None => f64::INFINITY,
        };
        let handle = ct.handle_time_at(self.interval).sample(&mut streams.handle);
        let next = self.arrivals[ty.index()].next_after(self.now, &mut streams.arrivals);
        self.schedule_arrival(ty.index(), next);
        self.arrive(ty, patience, handle);
    }

    /// The next recorded arrival of a replayed type: its handle time and patience from the
    /// file where it gives them, else drawn from the type's streams (also for a handle time
    /// recorded as NaN: a call whose service the record does not know).
    #[inline(never)]
    fn on_replayed_arrival(&mut self, ty: TypeId, replay: &'s crate::scenario::Replay) {
        let ct = &self.sc.contact_types[ty.index()];
        let i = self.replay_next[ty.index()];
        self.replay_next[ty.index()] = i + 1;
        let streams = &mut self.streams[ty.index()];
        let patience = match (&replay.patience, ct.patience_at(self.interval)) {
            (Some(p), _) => p[i],
            (None, Some(d)) => Self::scaled_patience(ct, d.sample(&mut streams.patience), self.interval),
            (None, None) => f64::INFINITY,
        };
        let handle = match &replay.handle {
            Some(h) if !h[i].is_nan() => h[i],
            _ => ct.handle_time_at(self.interval).sample(&mut streams.handle),
        };
        self.schedule_arrival(ty.index(), replay.times.get(i + 1).copied());
        self.arrive(ty, patience, handle);
    }

    /// A new journey's first contact arrives now with these draws.
    #[inline(always)]
    fn arrive(&mut self, ty: TypeId, patience: f64, handle: f64) {
        let ct = &self.sc.contact_types[ty.index()];
        let journey = self.next_journey;
        self.next_journey += 1;
        let key = self.contacts.insert(
            ty,
            ContactState::Waiting,
            self.now,
            patience,
            handle,
            self.interval,
            journey,
        );
        if ct.journey_decides() || self.wraps || self.ai_pools {
            // The journey's own substream: one draw from the type's streams, whatever the
            // journey does later (after-call work and AI conversations are drawn from it too).
            let seed = self.streams[ty.index()].journey.next_u64();
            if let Some(c) = self.contacts.get_mut(key) {
                c.rng = Substream(seed);
            }
        }
        let info = ContactInfo {
            key,
            ty,
            arrival: self.now,
            interval: self.interval,
            journey,
            attempt: 0,
            repeat: 0,
            routed: false,
        };
        self.admit(&info, patience);
    }

    /// A journey's next attempt — a retry after an abandoned or blocked attempt, or a repeat
    /// contact after an unresolved one: the contact, away since, arrives again with fresh
    /// patience (and, for a repeat, a fresh handle time) from its journey's substream.
    fn on_retry(&mut self, key: ContactKey) {
        if self.callbacks && self.contacts.get(key).is_some_and(|c| c.callback) {
            return self.redial(key);
        }
        let (now, interval) = (self.now, self.interval);
        let ct = &self.sc.contact_types[match self.contacts.get(key) {
            Some(c) if c.state == ContactState::Away => c.ty.index(),
            _ => {
                debug_assert!(false, "a retry of a contact that is not away");
                return;
            }
        }];
        let Some(c) = self.contacts.get_mut(key) else { return };
        if c.deferred {
            // Its line has opened: it arrives now, as it was.
            c.deferred = false;
            c.state = ContactState::Waiting;
            c.arrival = now;
            c.interval = interval;
            let (info, patience) = (Self::info(key, c), c.patience);
            return self.admit(&info, patience);
        }
        c.offered = false;
        c.offer_pending = false;
        let patience = if c.attempt == 0 {
            // A repeat: a new contact of the journey, with its own need.
            c.handle = ct.handle_time_at(interval).sample(&mut c.rng);
            ct.patience_at(interval)
        } else if c.switched {
            // A retry on another type: its handle time there, its patience there. (Through a
            // self-service graph the factor waits for the queue the graph leads to.)
            c.switched = false;
            c.handle = ct.handle_time_at(interval).sample(&mut c.rng) * f64::from(c.factor);
            if ct.ivr.is_none() {
                c.factor = 1.0;
            }
            ct.patience_at(interval)
        } else {
            let retrial = ct.retrial.as_ref().expect("only types with retrials schedule retries");
            retrial.patience.as_ref().or(ct.patience_at(interval))
        };
        c.patience = match patience {
            Some(d) => Self::scaled_patience(ct, d.sample(&mut c.rng), interval),
            None => f64::INFINITY,
        };
        c.state = ContactState::Waiting;
        c.arrival = now;
        c.interval = interval;
        let (info, patience) = (Self::info(key, c), c.patience);
        self.admit(&info, patience);
    }

    /// A patience drawn for an attempt arriving in `interval`, times the type's multiplier.
    #[inline]
    fn scaled_patience(ct: &crate::scenario::ContactType, patience: f64, interval: u32) -> f64 {
        match &ct.patience_profile {
            // 0 × ∞ would be NaN: a contact that never abandons keeps its infinite patience.
            Some(p) if patience.is_finite() => patience * p[interval as usize],
            _ => patience,
        }
    }

    /// Offers a contact that has just arrived (first attempt or retry) to the policy, then
    /// queues or blocks it.
    #[inline]
    fn admit(&mut self, info: &ContactInfo, patience: f64) {
        let (key, ty) = (info.key, info.ty);
        let ct = &self.sc.contact_types[ty.index()];
        if self.hours
            && let Some(h) = &ct.hours
            && let Err(next) = h.open_at(self.now)
        {
            return self.closed(info, h.when_closed, next);
        }
        self.observer.on_arrival(self.now, info);
        // The engine's own flag first: scenarios without lines never read the type's record.
        if !self.line_use.is_empty()
            && let Some(l) = ct.lines
        {
            if self.line_use[l] >= self.sc.lines[l].capacity {
                let c = self.contacts.remove(key);
                self.observer.on_blocked(self.now, info);
                self.maybe_retry(info, c, 0.0);
                return;
            }
            self.line_use[l] += 1;
        }
        if self.ivr
            && let Some(node) = ct.ivr
        {
            return self.enter_node(key, node);
        }
        if self.waits {
            self.contacts.set_queued(key, f64::NAN); // offered before it waits
        }
        let chosen = self.decide(|policy, view| policy.select_agent_for(view, info));
        if let Some(agent) = chosen.filter(|a| self.can_serve(*a, ty)) {
            self.start_service(agent, key);
            self.set_agent(agent, AgentStatus::Busy, false, true);
            return;
        }
        let mut patience = patience;
        if self.waiting_rules {
            match self.waiting_rules(info, patience) {
                Some(p) => patience = p,
                None => return, // balked
            }
        }
        let queue = &mut self.queues[ty.index()];
        if ct.queue_capacity.is_some_and(|cap| queue.len() >= cap) {
            let c = self.contacts.remove(key);
            self.release_line(ty);
            self.observer.on_blocked(self.now, info);
            self.maybe_retry(info, c, 0.0);
            return;
        }
        let entry = if self.callbacks {
            self.callback_at_entry(info, &mut patience)
        } else {
            CallbackEntry::None
        };
        let accepted = entry == CallbackEntry::Accepted;
        if accepted && self.lower_callbacks && Self::lower_priority(ct) {
            self.observer.on_enqueue(self.now, info);
            return self.park_as_ticket(key, ty, false);
        }
        if self.waits {
            self.contacts.set_queued(key, self.now);
        }
        let queue = &mut self.queues[ty.index()];
        queue.push(Queued { key, arrival: self.now });
        let len = queue.len();
        self.observer.on_enqueue(self.now, info);
        self.observer.on_queue_len(self.now, ty, len);
        // With an offer pending, the abandonment timer waits for the offer to be declined.
        if patience.is_finite() && entry != CallbackEntry::OfferLater {
            self.events
                .push(self.now + patience, EventKind::Abandon { contact: key });
        }
        if !accepted && self.waits {
            self.ask_reoffer(info);
        }
        if self.contacts.len() > self.max_in_system {
            self.stop_overflowing();
        }
    }

    /// The wait announced to a contact of type `ty` with `ahead` contacts before it: one mean
    /// handle time (of the current interval) per contact ahead and itself, shared by the
    /// agents on duty that serve the type (infinite with none).
    fn announced_wait(&self, ty: TypeId, ahead: f64) -> f64 {
        let ct = &self.sc.contact_types[ty.index()];
        let agents: u32 = ct.served_by.iter().map(|g| self.rosters[g.index()].present()).sum();
        let handle = self.mean_handle[ty.index()] * ct.handle_multiplier(self.interval as usize);
        (ahead + 1.0) * handle / f64::from(agents)
    }

    /// A contact about to queue, of a type that may offer callbacks: offered one if its
    /// announced wait is over the threshold; if it accepts, its `patience` becomes infinite
    /// ([`CallbackEntry::Accepted`]). Otherwise a later offer is scheduled at the waited
    /// threshold if its patience lasts that long ([`CallbackEntry::OfferLater`]).
    #[inline(never)]
    fn callback_at_entry(&mut self, info: &ContactInfo, patience: &mut f64) -> CallbackEntry {
        let Some(cb) = self.sc.contact_types[info.ty.index()]
            .callback
            .as_ref()
            .filter(|cb| cb.offers)
        else {
            return CallbackEntry::None;
        };
        let wait = self.announced_wait(info.ty, f64::from(self.queues[info.ty.index()].len()));
        if wait > cb.offer_wait {
            if self.offer_callback(info, wait) {
                *patience = f64::INFINITY;
                return CallbackEntry::Accepted;
            }
        } else if cb.offer_waited < *patience
            && let Some(c) = self.contacts.get_mut(info.key)
        {
            c.offer_pending = true;
            self.events
                .push(self.now + cb.offer_waited, EventKind::Offer { contact: info.key });
            return CallbackEntry::OfferLater;
        }
        CallbackEntry::None
    }

    /// Offers waiting contact `info` a callback with announced wait `wait`; returns whether it
    /// accepted (then it waits off the line: no abandonment, no line held).
    fn offer_callback(&mut self, info: &ContactInfo, wait: f64) -> bool {
        let Some(cb) = &self.sc.contact_types[info.ty.index()].callback else {
            return false;
        };
        self.observer.on_callback(self.now, info, CallbackEvent::Offered);
        let Some(c) = self.contacts.get_mut(info.key) else {
            return false;
        };
        c.offered = true;
        if c.rng.random::<f64>() >= cb.acceptance(wait) {
            return false;
        }
        c.callback = true;
        c.accepted_at = self.now;
        c.patience = f64::INFINITY;
        c.message = false;
        self.release_line(info.ty);
        self.observer.on_callback(self.now, info, CallbackEvent::Accepted);
        true
    }

    /// A contact has waited its type's `offer_waited`: offered a callback if it still waits
    /// on the line and has not been offered one.
    /// Its abandonment timer, held back while the offer was pending, is scheduled now if the
    /// contact still waits on the line.
    fn on_offer(&mut self, key: ContactKey) {
        let info = match self.contacts.get_mut(key) {
            Some(c) if c.state == ContactState::Waiting && !c.offered && !c.callback => {
                c.offer_pending = false;
                Self::info(key, c)
            }
            _ => return, // answered or gone
        };
        let wait = self.announced_wait(info.ty, f64::from(self.queues[info.ty.index()].len()));
        if self.offer_callback(&info, wait) {
            if self.lower_callbacks && Self::lower_priority(&self.sc.contact_types[info.ty.index()]) {
                self.park_as_ticket(key, info.ty, true);
            }
        } else if let Some(c) = self.contacts.get(key) {
            // Pushed as at entry, `arrival + patience`: the same instant to the bit.
            self.events
                .push(c.arrival + c.patience, EventKind::Abandon { contact: key });
        }
    }

    /// Whether the policy's `choice` is an email (which a callback ticket goes before).
    fn before_email(&self, choice: ContactChoice) -> bool {
        let ty = match choice {
            ContactChoice::OldestOf(ty) => Some(ty),
            ContactChoice::Contact(key) => self.contacts.get(key).map(|c| c.ty),
        };
        ty.and_then(|t| self.sc.contact_types.get(t.index()))
            .is_some_and(|t| t.channel == Channel::Email)
    }

    /// Whether accepted callbacks of type `t` wait behind its live queue.
    fn lower_priority(t: &crate::scenario::ContactType) -> bool {
        t.callback.as_ref().is_some_and(|cb| cb.lower)
    }

    /// Accepted callback `key` of type `ty`, whose callbacks wait behind the live queue, joins
    /// the back of the type's callback queue — leaving the live queue first if `queued` (its
    /// entry there becomes a tombstone). A pending re-offer of the policy goes stale.
    #[cold]
    #[inline(never)]
    fn park_as_ticket(&mut self, key: ContactKey, ty: TypeId, queued: bool) {
        let Some(c) = self.contacts.get_mut(key) else { return };
        c.state = ContactState::Ticket;
        let reoffer = std::mem::replace(&mut c.reoffer, false);
        if self.waits {
            self.contacts.set_queued(key, f64::NAN);
        }
        self.left_queue(false, reoffer);
        if queued {
            let queue = &mut self.queues[ty.index()];
            queue.forget_one(&self.contacts);
            let len = queue.len();
            self.observer.on_queue_len(self.now, ty, len);
        }
        self.tickets[ty.index()].push(Queued { key, arrival: self.now });
    }

    /// A free `agent` takes the oldest callback ticket of the types its group serves, if any
    /// (customer-first dials that miss go on to the next). Returns whether it started one.
    #[cold]
    #[inline(never)]
    fn take_ticket(&mut self, agent: AgentId) -> bool {
        let g = self.agents[agent.index()].group;
        loop {
            let oldest = self.sc.agent_groups[g.index()]
                .serves
                .iter()
                .filter_map(|t| self.tickets[t.index()].front().map(|q| (q.arrival, *t)))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            let Some((_, ty)) = oldest else { return false };
            let Some(q) = self.tickets[ty.index()].pop(&self.contacts) else {
                return false;
            };
            if let Some(c) = self.contacts.get_mut(q.key) {
                c.state = ContactState::Waiting; // off the ticket queue, about to be dialled
            }
            if self.dial_missed_first(q.key) {
                continue;
            }
            self.start_service(agent, q.key);
            self.answered_from_queue(q.key);
            return true;
        }
    }

    /// A customer-first dial of callback `key`, just taken from its queue for an agent: true
    /// if it missed (the agent is not taken; the ticket is dialled again later or fails).
    #[inline]
    fn dial_missed_first(&mut self, key: ContactKey) -> bool {
        let Some(c) = self.contacts.get_mut(key).filter(|c| c.callback) else {
            return false;
        };
        let cb = self.sc.contact_types[c.ty.index()]
            .callback
            .as_ref()
            .expect("a callback type");
        if cb.agent_first {
            return false; // the agent dials: see `start_service`
        }
        let reached = c.rng.random::<f64>() < cb.reach;
        let info = Self::info(key, c);
        if reached {
            self.observer.on_callback(self.now, &info, CallbackEvent::Reached);
            return false;
        }
        let reoffer = std::mem::replace(&mut c.reoffer, false);
        self.left_queue(false, reoffer);
        self.observer.on_callback(self.now, &info, CallbackEvent::NotReached);
        self.missed_dial(key);
        true
    }

    /// A dial of callback `key` (in the slab, out of its queue) missed: it is dialled again
    /// after the retry gap while dials remain; else the callback fails and the attempt with it.
    fn missed_dial(&mut self, key: ContactKey) {
        let Some(c) = self.contacts.get_mut(key) else { return };
        let cb = self.sc.contact_types[c.ty.index()]
            .callback
            .as_ref()
            .expect("a callback type");
        c.dials = c.dials.saturating_add(1);
        if u32::from(c.dials) <= cb.retries {
            // Still in the system, off the queue, until its next dial.
            c.state = ContactState::Waiting;
            self.events
                .push(self.now + cb.retry_gap, EventKind::Retry { contact: key });
            return;
        }
        let mut c = self.contacts.remove(key);
        let info = Self::info(key, &c);
        self.observer.on_callback(self.now, &info, CallbackEvent::Failed);
        let waited = self.now - c.arrival;
        c.callback = false;
        c.dials = 0;
        self.maybe_retry(&info, c, waited);
    }

    /// Callback `key`'s next dial is due: an agent free for it takes it at once (policy
    /// permitting), else it goes back to the end of its queue.
    fn redial(&mut self, key: ContactKey) {
        let Some(info) = self.contacts.get(key).map(|c| Self::info(key, c)) else {
            return;
        };
        if self.waits {
            self.contacts.set_queued(key, f64::NAN); // out of the queue while dialled
        }
        let chosen = self.decide(|policy, view| policy.select_agent_for(view, &info));
        if let Some(agent) = chosen.filter(|a| self.can_serve(*a, info.ty)) {
            if !self.dial_missed_first(key) {
                self.start_service(agent, key);
                self.set_agent(agent, AgentStatus::Busy, false, true);
            }
            return;
        }
        if self.lower_callbacks && Self::lower_priority(&self.sc.contact_types[info.ty.index()]) {
            return self.park_as_ticket(key, info.ty, false);
        }
        if self.waits {
            self.contacts.set_queued(key, self.now);
        }
        let queue = &mut self.queues[info.ty.index()];
        queue.push(Queued { key, arrival: self.now });
        let len = queue.len();
        self.observer.on_queue_len(self.now, info.ty, len);
    }

    /// A contact that must wait: it balks (leaving at once, free to retry; returns `None`), or
    /// waits with `patience` cut to its type's maximum wait, after which it leaves a message.
    #[inline(never)]
    fn waiting_rules(&mut self, info: &ContactInfo, patience: f64) -> Option<f64> {
        let ct = &self.sc.contact_types[info.ty.index()];
        if let Some(b) = &ct.balking {
            let ahead = f64::from(self.queues[info.ty.index()].len());
            let x = match b.by {
                crate::scenario::BalkBy::Queue => ahead,
                crate::scenario::BalkBy::Wait => self.announced_wait(info.ty, ahead),
            };
            let p = b.probability(x);
            let c = self.contacts.get_mut(info.key)?;
            if p > 0.0 && c.rng.random::<f64>() < p {
                let c = self.contacts.remove(info.key);
                self.release_line(info.ty);
                self.observer.on_balked(self.now, info);
                self.maybe_retry(info, c, 0.0);
                return None;
            }
        }
        match ct.max_wait {
            Some(most) if most < patience => {
                if let Some(c) = self.contacts.get_mut(info.key) {
                    c.patience = most;
                    c.message = true;
                }
                Some(most)
            }
            _ => Some(patience),
        }
    }

    /// A contact arrived while its line is closed: deferred to the next opening (before the
    /// horizon), or else refused — and then free to retry like a blocked contact.
    #[inline(never)]
    fn closed(&mut self, info: &ContactInfo, when: crate::scenario::WhenClosed, next: Option<f64>) {
        if when == crate::scenario::WhenClosed::Defer
            && let Some(at) = next.filter(|at| *at < self.sc.horizon)
            && let Some(c) = self.contacts.get_mut(info.key)
        {
            c.state = ContactState::Away;
            c.deferred = true;
            self.events.push(at, EventKind::Retry { contact: info.key });
            return;
        }
        self.observer.on_arrival(self.now, info);
        let c = self.contacts.remove(info.key);
        self.observer.on_refused(self.now, info);
        self.maybe_retry(info, c, 0.0);
    }

    /// A contact of type `ty` that held a line has left the system.
    #[inline]
    fn release_line(&mut self, ty: TypeId) {
        if self.line_use.is_empty() {
            return; // no lines in this scenario (the common case, kept off the type's record)
        }
        if let Some(l) = self.sc.contact_types[ty.index()].lines {
            debug_assert!(self.line_use[l] > 0, "a line released twice");
            self.line_use[l] -= 1;
        }
    }

    /// After a failed attempt (abandoned after `waited` seconds, or blocked; `c` has left the
    /// slab): the customer tries again, with the probability of the type's retrial model,
    /// unless the journey has used all its attempts. The decision and the delay come from the
    /// journey's substream. Otherwise the journey ends: the customer gave up.
    #[inline]
    fn maybe_retry(&mut self, info: &ContactInfo, mut c: contact::Contact, waited: f64) {
        if self.follow {
            self.attempt_failed(&mut c, waited);
        }
        if self.sc.contact_types[c.ty.index()].retrial.is_some() {
            self.retry_or_leave(info, c);
        } else if self.follow {
            self.end_journey(&c, JourneyOutcome::GaveUp);
        }
    }

    #[inline(never)]
    fn retry_or_leave(&mut self, info: &ContactInfo, mut c: contact::Contact) {
        let Some(retrial) = &self.sc.contact_types[c.ty.index()].retrial else {
            return;
        };
        if u32::from(c.attempt) + 1 >= retrial.max_attempts || c.rng.random::<f64>() >= retrial.probability {
            if self.follow {
                self.end_journey(&c, JourneyOutcome::GaveUp);
            }
            return;
        }
        let at = self.now + retrial.delay.sample(&mut c.rng);
        if let Some(sw) = &retrial.switch
            && c.rng.random::<f64>() < sw.probability
        {
            self.switch_retry(&mut c, sw);
        }
        self.observer.on_retry_scheduled(self.now, info, at);
        if at >= self.sc.horizon {
            // Counted as retried; beyond the simulated horizon, so the journey stays open.
            if self.follow {
                self.end_journey(&c, JourneyOutcome::Open);
            }
            return;
        }
        c.attempt += 1;
        Self::new_attempt(&mut c);
        c.state = ContactState::Away;
        let key = self.contacts.reinsert(c);
        self.events.push(at, EventKind::Retry { contact: key });
    }

    /// Contact `key` (of a type with an entry node, its line taken) enters self-service node
    /// `node`. Nothing in the graph depends on the rest of the system — each node's time and
    /// choice come from the journey's own substream — so the whole passage is walked now, in
    /// the order a step-by-step walk would draw, and one event at the exit time applies its
    /// outcome (at once if the passage takes no time). This saves a heap event per node.
    fn enter_node(&mut self, key: ContactKey, node: u16) {
        let nodes = &self.sc.self_service.nodes;
        let Some(c) = self.contacts.get_mut(key) else {
            debug_assert!(false, "a gone contact entered a node");
            return;
        };
        c.state = ContactState::InIvr;
        let (mut node, mut spend) = (node, 0.0);
        let exit = loop {
            let nd = &nodes[node as usize];
            spend += nd.duration.as_ref().map_or(0.0, |d| d.sample(&mut c.rng));
            c.node = node;
            match Self::node_choice(nd, c) {
                Exit::Node(n) => node = n,
                exit => break exit,
            }
        };
        c.exit = exit;
        if spend > 0.0 {
            self.events.push(self.now + spend, EventKind::Step { contact: key });
        } else {
            self.on_step(key);
        }
    }

    /// Node `nd`'s choice for contact `c` (which it may mark: a misroute, a failed bot).
    #[inline]
    fn node_choice(nd: &crate::scenario::Node, c: &mut contact::Contact) -> Exit {
        let to = |t: Target| match t {
            Target::Node(n) => Exit::Node(n),
            Target::Queue(ty) => Exit::Queue(ty),
            Target::HangUp => Exit::HangUp,
        };
        let u: f64 = c.rng.random();
        match &nd.kind {
            NodeKind::Menu => to(nd.next.pick(u)),
            NodeKind::Auth { failure, on_failure } => {
                if u < *failure {
                    to(*on_failure)
                } else {
                    to(nd.next.pick(c.rng.random()))
                }
            }
            NodeKind::Intent {
                misroute,
                transfer_after,
            } => {
                let target = nd.next.pick(u);
                if let Target::Queue(right) = target
                    && *misroute > 0.0
                    && c.rng.random::<f64>() < *misroute
                    && let Some(wrong) = nd.next.other_queue(right, c.rng.random())
                {
                    c.transfer_to = right.0;
                    // The agent's time on it before the transfer.
                    c.handle = transfer_after.sample(&mut c.rng);
                    return Exit::Misrouted(wrong);
                }
                to(target)
            }
            NodeKind::Bot {
                containment,
                context,
                handle_factor,
                ..
            } => {
                if u < *containment {
                    return Exit::Contained;
                }
                c.path.bot_failed = true;
                c.path.context_lost = c.path.context_lost.saturating_add(u8::from(!*context));
                c.factor *= *handle_factor as f32;
                to(nd.next.pick(c.rng.random()))
            }
        }
    }

    /// The contact's passage through the graph is over: it goes to a queue (maybe the wrong
    /// one), hangs up, or was served by a bot.
    fn on_step(&mut self, key: ContactKey) {
        let Some(c) = self.contacts.get(key) else {
            debug_assert!(false, "a step of a gone contact");
            return;
        };
        match c.exit {
            Exit::Queue(ty) => self.leave_graph(key, ty, None),
            Exit::Misrouted(wrong) => {
                let after = c.handle;
                self.leave_graph(key, wrong, Some(after));
            }
            Exit::Contained => {
                let NodeKind::Bot {
                    false_containment,
                    recontact_delay,
                    ..
                } = &self.sc.self_service.nodes[c.node as usize].kind
                else {
                    unreachable!("only a bot contains")
                };
                self.contained(key, *false_containment, recontact_delay);
            }
            Exit::HangUp | Exit::Node(_) => {
                let mut c = self.contacts.remove(key);
                self.release_line(c.ty);
                let info = Self::info(key, &c);
                c.path.ivr += (self.now - c.arrival) as f32;
                self.observer.on_self_service(self.now, &info, SelfServiceEnd::HungUp);
                self.maybe_retry(&info, c, 0.0);
            }
        }
    }

    /// A contact leaves the self-service graph for type `ty`'s queue, where it arrives as a
    /// contact of that type, with a handle time and patience of that type drawn from its
    /// journey's substream. A misrouted contact (`transfer_after` given) is answered in the
    /// wrong queue for that long, then transferred.
    fn leave_graph(&mut self, key: ContactKey, ty: TypeId, transfer_after: Option<f64>) {
        let now = self.now;
        let Some(c) = self.contacts.get_mut(key) else { return };
        let entry = Self::info(key, c);
        c.path.ivr += (now - c.arrival) as f32;
        self.observer.on_self_service(now, &entry, SelfServiceEnd::Routed);
        let types = &self.sc.contact_types;
        let Some(c) = self.contacts.get_mut(key) else { return };
        // The customer's own type: the one it will be transferred to if misrouted.
        let own = &types[if c.transfer_to == NO_TRANSFER {
            ty.index()
        } else {
            c.transfer_to as usize
        }];
        if types[c.ty.index()].channel != own.channel {
            c.path.switches = c.path.switches.saturating_add(1);
        }
        let old_ty = c.ty;
        c.ty = ty;
        c.handle = match transfer_after {
            Some(after) => after,
            None => {
                let h = own.handle_time_at(self.interval).sample(&mut c.rng) * f64::from(c.factor);
                c.factor = 1.0;
                h
            }
        };
        c.patience = match own.patience_at(self.interval) {
            Some(d) => Self::scaled_patience(own, d.sample(&mut c.rng), self.interval),
            None => f64::INFINITY,
        };
        c.state = ContactState::Waiting;
        c.arrival = now;
        c.interval = self.interval;
        let (info, patience) = (Self::info(key, c), c.patience);
        self.release_line(old_ty);
        self.admit(&ContactInfo { routed: true, ..info }, patience);
    }

    /// A bot served the contact to the end. The journey ends resolved, unless the
    /// containment was false: then the customer comes back through the graph later.
    fn contained(&mut self, key: ContactKey, false_containment: f64, delay: &'s crate::dist::Dist) {
        let mut c = self.contacts.remove(key);
        self.release_line(c.ty);
        let info = Self::info(key, &c);
        c.path.ivr += (self.now - c.arrival) as f32;
        self.observer
            .on_self_service(self.now, &info, SelfServiceEnd::Contained);
        if false_containment > 0.0 && c.rng.random::<f64>() < false_containment {
            let at = self.now + delay.sample(&mut c.rng);
            if at >= self.sc.horizon {
                return self.end_journey(&c, JourneyOutcome::Open);
            }
            c.attempt = 0;
            c.path.recontacts = c.path.recontacts.saturating_add(1);
            c.state = ContactState::Away;
            let key = self.contacts.reinsert(c);
            self.events.push(at, EventKind::Retry { contact: key });
            return;
        }
        let mut end = Self::journey_end(self.sc, &c, JourneyOutcome::Resolved);
        end.contained = true;
        self.observer.on_journey_end(self.now, &end);
    }

    /// An agent has spent its time on misrouted contact `c` (removed from the slab) and
    /// transfers it to its right queue, where it arrives again with a fresh handle time and
    /// patience of that type.
    #[inline(never)]
    fn transfer(&mut self, key: ContactKey, mut c: contact::Contact) {
        self.observer.on_transferred(self.now, &Self::info(key, &c));
        let to = &self.sc.contact_types[c.transfer_to as usize];
        c.ty = TypeId(c.transfer_to);
        c.transfer_to = NO_TRANSFER;
        Self::new_attempt(&mut c);
        c.path.transfers = c.path.transfers.saturating_add(1);
        c.handle = to.handle_time_at(self.interval).sample(&mut c.rng) * f64::from(c.factor);
        c.factor = 1.0;
        c.patience = match to.patience_at(self.interval) {
            Some(d) => Self::scaled_patience(to, d.sample(&mut c.rng), self.interval),
            None => f64::INFINITY,
        };
        c.state = ContactState::Waiting;
        c.arrival = self.now;
        c.interval = self.interval;
        let patience = c.patience;
        let key = self.contacts.reinsert(c);
        let info = Self::info(key, self.contacts.get(key).expect("just stored"));
        self.admit(&ContactInfo { routed: true, ..info }, patience);
    }

    /// A contact goes on to a new attempt (a retry, a repeat, a transfer): whatever its last
    /// callback was, the new attempt has none yet.
    #[inline]
    fn new_attempt(c: &mut contact::Contact) {
        c.offered = false;
        c.offer_pending = false;
        c.callback = false;
        c.dials = 0;
    }

    /// Stops the replication: the in-system bound was passed.
    #[cold]
    fn stop_overflowing(&mut self) {
        self.overflow = Some(InSystemOverflow {
            replication: self.replication,
            time: self.now,
            limit: self.max_in_system,
        });
    }

    /// Whether `agent` is idle and in a group serving `ty` (guards user-written policies).
    #[inline]
    fn can_serve(&self, agent: AgentId, ty: TypeId) -> bool {
        self.agents.get(agent.index()).is_some_and(|a| {
            a.status == AgentStatus::Idle && self.sc.agent_groups[a.group.index()].serves.contains(&ty)
        })
    }

    /// Puts `agent` on contact `key`, which is live, and schedules the end of the service.
    /// The agent's status is set by the caller (through `set_agent`).
    #[inline]
    fn start_service(&mut self, agent: AgentId, key: ContactKey) {
        let Some(c) = self.contacts.get_mut(key) else {
            debug_assert!(false, "starting service of a stale contact");
            return;
        };
        c.state = ContactState::InService;
        if c.ghost {
            // A silently abandoned chat: the agent holds the session until the timeout.
            let (_, timeout) = self.sc.contact_types[c.ty.index()].silent_abandon.unwrap_or_default();
            self.occupy(agent, key, timeout);
            return;
        }
        let dial = if self.callbacks && c.callback {
            match self.agent_dial(agent, key) {
                Some(dial) => dial,
                None => return, // missed: the agent spends the dial on it
            }
        } else {
            0.0
        };
        let Some(c) = self.contacts.get_mut(key) else { return };
        if self.follow {
            // Time waiting for a callback off the line weighs less (MODEL.md §4.2).
            let waited = if c.callback {
                (c.accepted_at - c.arrival) + self.callback_weight * (self.now - c.accepted_at)
            } else {
                self.now - c.arrival
            };
            Self::add_wait(self.sc, c, waited);
        }
        let (mut handle, info) = (c.handle, Self::info(key, c));
        if self.ai_pools
            && let Some(conversation) = self.ai_conversation(agent, key)
        {
            handle = conversation;
        } else {
            if self.profiles
                && let Some(p) = &self.sc.contact_types[info.ty.index()].handle_profile
            {
                handle *= p[self.interval as usize];
            }
            if self.agent_paced {
                handle *= self.agent_pace(agent, info.ty);
            }
        }
        handle += dial;
        let group = self.occupy(agent, key, handle);
        self.observer.on_answer(self.now, &info, agent, group, handle);
    }

    /// The multiplier of `agent`'s handle time on a contact of type `ty`: its group's
    /// proficiency, its fatigue, strain and learning curve under `[workforce]`, and its
    /// group's agent-assist.
    #[inline(never)]
    fn agent_pace(&mut self, agent: AgentId, ty: TypeId) -> f64 {
        let g = self.agents[agent.index()].group;
        let mut pace = self.sc.agent_groups[g.index()].proficiency_on(ty).handle_time;
        let a = self.adoption(g);
        if self.staffed {
            pace *= self.crew_handle_factor(agent, a);
        }
        if a > 0.0 {
            pace *= self.sc.assist.handle_factor(a);
        }
        pace
    }

    /// The adoption of agent-assist in group `g` now, in `[0, 1)`: 0 for a group without it.
    #[inline]
    fn adoption(&self, g: GroupId) -> f64 {
        if !self.assisted {
            return 0.0;
        }
        self.sc.agent_groups[g.index()]
            .assist_since
            .map_or(0.0, |since| self.sc.assist.adoption_after(self.now - since))
    }

    /// The length (seconds) of the conversation `agent` starts with contact `key`, drawn from
    /// the journey's substream, if `agent` is an AI agent; `None` for a person.
    #[cold]
    #[inline(never)]
    fn ai_conversation(&mut self, agent: AgentId, key: ContactKey) -> Option<f64> {
        let ai = self.sc.agent_groups[self.agents[agent.index()].group.index()]
            .ai
            .as_ref()?;
        let c = self.contacts.get_mut(key)?;
        Some(ai.handle_time.sample(&mut c.rng))
    }

    /// An AI conversation has ended: resolved with the pool's probability (the journey ends),
    /// else handed over.
    #[cold]
    #[inline(never)]
    fn ai_outcome(&mut self, key: ContactKey, c: &contact::Contact, g: GroupId) {
        // By reference: the hot path that calls this never moves the contact for it.
        let mut c = *c;
        let ai = self.sc.agent_groups[g.index()].ai.as_ref().expect("an AI pool");
        if c.rng.random::<f64>() < ai.resolution {
            c.path.handled = c.path.handled.saturating_add(1);
            c.path.last_site = 0;
            return self.end_journey(&c, JourneyOutcome::Resolved);
        }
        self.hand_over(key, c, g);
    }

    /// Contact `c` (removed from the slab) leaves AI pool `g` unresolved, or cut by an outage:
    /// it is transferred at once to the pool's `escalate_to` type, with a fresh handle time of
    /// that type times the pool's `handoff`.
    #[cold]
    #[inline(never)]
    fn hand_over(&mut self, key: ContactKey, mut c: contact::Contact, g: GroupId) {
        let ai = self.sc.agent_groups[g.index()].ai.as_ref().expect("an AI pool");
        c.transfer_to = ai.escalate_to.0;
        c.factor = ai.handoff as f32;
        self.transfer(key, c);
    }

    /// AI pool `gi` goes down: each conversation in progress ends now (its end event goes
    /// stale) and is handed over; the AI agents, marked to leave, go off.
    #[cold]
    #[inline(never)]
    fn fail_over(&mut self, gi: usize) {
        let (start, size) = (self.rosters[gi].start, self.rosters[gi].size);
        for i in start..start + size {
            let a = &mut self.agents[i as usize];
            if a.status != AgentStatus::Busy {
                continue;
            }
            let (key, g) = (a.contact, a.group);
            a.serial = a.serial.wrapping_add(1);
            self.timer_went_stale();
            let c = self.contacts.remove(key);
            if !c.callback {
                self.release_line(c.ty);
            }
            self.observer
                .on_service_end(self.now, &Self::info(key, &c), AgentId(i), g);
            // Going off settles a departure the first-free rule owes, as a freed agent would.
            let _ = self.owes_departure(AgentId(i));
            self.set_agent(AgentId(i), AgentStatus::Off, false, true);
            if c.ghost {
                continue; // a silently abandoned chat: nobody to hand over
            }
            self.hand_over(key, c, g);
        }
    }

    /// An agent starts on callback `key`: agent-first, it dials — `Some(dial time)` to add to
    /// the service if the customer answers, `None` if not (the agent is given the dial's time
    /// and the ticket is handled at its end); customer-first, the customer is already on the
    /// line (`Some(0)`).
    #[inline(never)]
    fn agent_dial(&mut self, agent: AgentId, key: ContactKey) -> Option<f64> {
        let c = self.contacts.get_mut(key)?;
        let cb = self.sc.contact_types[c.ty.index()].callback.as_ref()?;
        if !cb.agent_first {
            return Some(0.0);
        }
        let reached = c.rng.random::<f64>() < cb.reach;
        let info = Self::info(key, c);
        if reached {
            self.observer.on_callback(self.now, &info, CallbackEvent::Reached);
            return Some(cb.dial_time);
        }
        c.unreached = true;
        self.observer.on_callback(self.now, &info, CallbackEvent::NotReached);
        self.occupy(agent, key, cb.dial_time);
        None
    }

    /// A shared session of `seconds` of work starts in slot `agent` of `group`; its end is
    /// scheduled by `reshare` when the slot turns busy.
    #[cold]
    #[inline(never)]
    fn defer_end(&mut self, agent: AgentId, seconds: f64, group: GroupId) -> GroupId {
        let sh = &mut self.sessions[agent.index()];
        sh.work = seconds;
        sh.pending = true;
        group
    }

    /// Gives `agent` contact `key` for `seconds`: schedules the end; returns the agent's group.
    #[inline(always)]
    fn occupy(&mut self, agent: AgentId, key: ContactKey, seconds: f64) -> GroupId {
        let a = &mut self.agents[agent.index()];
        a.contact = key;
        a.serial = a.serial.wrapping_add(1);
        let (group, serial) = (a.group, a.serial);
        if self.shares && Self::shares_time(&self.sc.agent_groups[group.index()]) {
            // A chat session of an agent sharing its time: its end depends on the agent's
            // other sessions, and is set when the slot turns busy (`reshare`).
            return self.defer_end(agent, seconds, group);
        }
        self.events
            .push(self.now + seconds, EventKind::ServiceEnd { agent, serial });
        group
    }

    /// Moves the end of `agent`'s current service to `at` (seconds, not before now), e.g.
    /// when a change of the agent's concurrency changes the service's rate. The end event
    /// scheduled before becomes stale: the agent's service serial moves on, and the old event
    /// is skipped when popped (or dropped by compaction). Returns false, changing nothing, if
    /// the agent is not serving.
    #[allow(dead_code)] // the seam for chat concurrency; exercised by the unit tests
    pub(crate) fn reschedule_service_end(&mut self, agent: AgentId, at: f64) -> bool {
        let Some(a) = self.agents.get_mut(agent.index()) else {
            return false;
        };
        if a.status != AgentStatus::Busy {
            return false;
        }
        a.serial = a.serial.wrapping_add(1);
        let serial = a.serial;
        self.events
            .push(at.max(self.now), EventKind::ServiceEnd { agent, serial });
        self.timer_went_stale();
        true
    }

    /// A service end event: of a service, or (in scenarios with after-call work) of the
    /// work after one.
    fn on_service_end(&mut self, agent: AgentId, serial: u32) {
        let a = &self.agents[agent.index()];
        if a.serial != serial {
            self.stale_timer_popped(); // rescheduled
            return;
        }
        debug_assert_eq!(
            a.status,
            AgentStatus::Busy,
            "a live service end of an agent not serving"
        );
        if self.wraps {
            return self.service_end_with_wrap_up(agent);
        }
        let (key, g, leaving) = (a.contact, a.group, a.leaving);
        let c = self.contacts.remove(key);
        self.contact_done(key, c, agent, g);
        self.agent_freed(agent, leaving);
    }

    /// [`Engine::on_service_end`] in a scenario with after-call work: the end of a service
    /// starts the agent's after-call work (if its group does some on the type), and the end
    /// of that work frees the agent.
    #[cold]
    #[inline(never)]
    fn service_end_with_wrap_up(&mut self, agent: AgentId) {
        let a = &self.agents[agent.index()];
        if a.wrapping {
            return self.wrap_up_ended(agent);
        }
        if a.pausing {
            return self.pause_ended(agent);
        }
        let (key, g, leaving) = (a.contact, a.group, a.leaving);
        let mut c = self.contacts.remove(key);
        let wrap_up = if !c.ghost && !c.unreached {
            self.draw_wrap_up(&mut c, g)
        } else {
            0.0
        };
        self.contact_done(key, c, agent, g);
        if wrap_up > 0.0 {
            self.start_wrap_up(agent, wrap_up);
        } else {
            self.agent_freed(agent, leaving);
        }
    }

    /// Contact `c` (just removed from the slab) leaves `agent` of group `g`: a service ends,
    /// or a silently abandoned chat's session closes, or an agent-first dial missed.
    #[inline(always)]
    fn contact_done(&mut self, key: ContactKey, mut c: contact::Contact, agent: AgentId, g: GroupId) {
        if c.ghost {
            // The timeout of a silently abandoned chat: the session closes, nothing else.
        } else if c.unreached {
            // An agent-first dial that missed: the ticket, not a service, ends here.
            c.unreached = false;
            let key = self.contacts.reinsert(c);
            self.missed_dial(key);
        } else {
            self.service_ended(key, c, agent, g);
        }
    }

    /// `agent` has finished its contact (and its after-call work): it goes off duty if it
    /// was marked to leave, else takes the next contact or waits idle.
    #[inline(always)]
    fn agent_freed(&mut self, agent: AgentId, leaving: bool) {
        if leaving {
            self.set_agent(agent, AgentStatus::Off, false, true);
        } else if self.held && self.held_back(agent) {
            // Gone off duty, or pausing.
        } else if self.take_next(agent) {
            self.set_agent(agent, AgentStatus::Busy, false, true);
        } else {
            self.set_agent(agent, AgentStatus::Idle, false, true);
        }
    }

    /// Whether `agent`, just free, is held back from the next contact: it goes off duty to
    /// settle a departure its group owes (first-free rule), or pauses above its group's
    /// occupancy cap.
    #[cold]
    #[inline(never)]
    fn held_back(&mut self, agent: AgentId) -> bool {
        if self.first_free && self.owes_departure(agent) {
            self.set_agent(agent, AgentStatus::Off, false, true);
            true
        } else if self.staffed && self.served_notice(agent) {
            true
        } else if self.capped && self.over_cap(agent) {
            self.start_pause(agent);
            true
        } else {
            false
        }
    }

    /// Whether `agent`, just free, settles a departure its group owes (first-free leave
    /// rule); if so the debt is paid.
    #[cold]
    #[inline(never)]
    fn owes_departure(&mut self, agent: AgentId) -> bool {
        let roster = &mut self.rosters[self.agents[agent.index()].group.index()];
        if roster.owed == 0 {
            return false;
        }
        roster.owed -= 1;
        true
    }

    /// The after-call work (seconds) of group `g` after handled contact `c`, drawn from the
    /// journey's substream and shortened by the contacts waiting for the group; 0 if none.
    #[cold]
    #[inline(never)]
    fn draw_wrap_up(&mut self, c: &mut contact::Contact, g: GroupId) -> f64 {
        let group = &self.sc.agent_groups[g.index()];
        let Some(Some(dist)) = group.wrap_up.get(c.ty.index()) else {
            return 0.0;
        };
        let mut base = dist.sample(&mut c.rng);
        if self.assisted && group.assist_since.is_some() {
            base *= self.sc.assist.wrap_up_factor(self.adoption(g));
        }
        if group.wrap_up_under_load.is_empty() {
            return base;
        }
        let waiting: u32 = group.serves.iter().map(|t| self.queues[t.index()].len()).sum();
        base * group.wrap_up_factor(f64::from(waiting))
    }

    /// `agent`, whose contact has just ended, does `seconds` of after-call work: it stays busy
    /// (unavailable) and its service serial moves on, so that the end of the work is a
    /// service end of its own.
    #[cold]
    #[inline(never)]
    fn start_wrap_up(&mut self, agent: AgentId, seconds: f64) {
        self.hold(agent, seconds, false);
    }

    /// `agent`, whose contact has just ended, is held unavailable for `seconds`: after-call
    /// work (`pause` false) or a pause under its group's occupancy cap (`pause` true). It stays
    /// busy to the routing, its group's count of the kind goes up and is reported, and its
    /// service serial moves on, so that the end of the hold is a service end of its own.
    fn hold(&mut self, agent: AgentId, seconds: f64, pause: bool) {
        if self.staffed && pause {
            self.wear(agent, crate::workforce::Activity::Working);
        }
        let a = &mut self.agents[agent.index()];
        if pause {
            a.pausing = true;
        } else {
            a.wrapping = true;
        }
        a.serial = a.serial.wrapping_add(1);
        let (serial, g) = (a.serial, a.group);
        let roster = &mut self.rosters[g.index()];
        if pause {
            roster.pausing += 1;
            let pausing = roster.pausing;
            self.observer.on_pause(self.now, g, pausing);
        } else {
            roster.wrapping += 1;
            let wrapping = roster.wrapping;
            self.observer.on_wrap_up(self.now, g, wrapping);
        }
        self.events
            .push(self.now + seconds, EventKind::ServiceEnd { agent, serial });
    }

    /// Brings `agent`'s recent occupancy up to now: it was `working` (serving or after-call
    /// work) since it was last brought up to date, else idle, paused or off.
    #[cold]
    #[inline(never)]
    fn advance_recent(&mut self, agent: AgentId, working: bool) {
        let g = self.agents[agent.index()].group;
        let Some(cap) = self.sc.agent_groups[g.index()].occupancy_cap else {
            return;
        };
        let r = &mut self.recent[agent.index()];
        let decay = (-(self.now - r.at) / cap.window).exp();
        r.occupancy = if working {
            1.0 - (1.0 - r.occupancy) * decay
        } else {
            r.occupancy * decay
        };
        r.at = self.now;
    }

    /// Whether `agent`, just done working, is above its group's occupancy cap.
    #[cold]
    #[inline(never)]
    fn over_cap(&mut self, agent: AgentId) -> bool {
        let g = self.agents[agent.index()].group;
        let Some(cap) = self.sc.agent_groups[g.index()].occupancy_cap else {
            return false;
        };
        self.advance_recent(agent, true);
        self.recent[agent.index()].occupancy > cap.max
    }

    /// `agent` pauses for its group's cap pause (see [`Engine::hold`]); the collector counts
    /// the pause apart, so occupancy leaves it out.
    #[cold]
    #[inline(never)]
    fn start_pause(&mut self, agent: AgentId) {
        let g = self.agents[agent.index()].group;
        let pause = self.sc.agent_groups[g.index()].occupancy_cap.map_or(0.0, |c| c.pause);
        self.hold(agent, pause, true);
    }

    /// `agent`'s pause is over: it leaves if it was marked to, pauses again if it is still
    /// above the cap, else it is free.
    #[cold]
    #[inline(never)]
    fn pause_ended(&mut self, agent: AgentId) {
        self.advance_recent(agent, false);
        if self.staffed {
            self.wear(agent, crate::workforce::Activity::Pausing);
        }
        let a = &mut self.agents[agent.index()];
        a.pausing = false;
        let (g, leaving) = (a.group, a.leaving);
        let roster = &mut self.rosters[g.index()];
        roster.pausing -= 1;
        let pausing = roster.pausing;
        self.observer.on_pause(self.now, g, pausing);
        self.agent_freed(agent, leaving);
    }

    /// `agent`'s after-call work is over: it leaves if it was marked to, else it is free.
    #[cold]
    #[inline(never)]
    fn wrap_up_ended(&mut self, agent: AgentId) {
        let a = &mut self.agents[agent.index()];
        a.wrapping = false;
        let (g, leaving) = (a.group, a.leaving);
        let roster = &mut self.rosters[g.index()];
        roster.wrapping -= 1;
        let wrapping = roster.wrapping;
        self.observer.on_wrap_up(self.now, g, wrapping);
        self.agent_freed(agent, leaving);
    }

    /// The end of a service of contact `c` (removed from the slab) by `agent` of group `g`.
    #[inline(always)]
    fn service_ended(&mut self, key: ContactKey, c: contact::Contact, agent: AgentId, g: GroupId) {
        if !c.callback {
            self.release_line(c.ty); // a callback gave up its line when it was accepted
        }
        self.observer.on_service_end(self.now, &Self::info(key, &c), agent, g);
        let ai = self.ai_pools && self.sc.agent_groups[g.index()].ai.is_some();
        let worn = if self.staffed && !ai {
            let a = self.adoption(g);
            self.crew_after_contact(agent, a)
        } else {
            1.0
        };
        if self.follow {
            if ai {
                self.ai_outcome(key, &c, g);
            } else if c.transfer_to == NO_TRANSFER {
                let loss = self.concurrency_loss(agent, g) * worn;
                self.after_service(c, g, loss);
            } else {
                self.transfer(key, c);
            }
        }
    }

    /// The factor `1 − δ_c·(c̄ − 1)` (at least 0) on the resolution of the chat session ending
    /// in slot `agent` of group `g`, with `c̄` its agent's time-averaged concurrency over the
    /// session (MODEL.md §3.2); 1 for a group whose concurrency costs no resolution.
    #[inline(never)]
    fn concurrency_loss(&self, agent: AgentId, g: GroupId) -> f64 {
        let group = &self.sc.agent_groups[g.index()];
        if !(self.shares && group.fcr_loss > 0.0 && Self::shares_time(group)) {
            return 1.0;
        }
        let mean = self.sessions[agent.index()].mean_concurrency(self.now);
        (1.0 - group.fcr_loss * (mean - 1.0)).max(0.0)
    }

    /// After a handled contact of a followed journey: resolved (the journey ends), or not —
    /// then the customer may come back with a repeat contact, drawn like a retry from the
    /// journey's substream. `loss` multiplies the probability of resolving (chat concurrency).
    #[inline(never)]
    fn after_service(&mut self, mut c: contact::Contact, group: GroupId, loss: f64) {
        c.path.handled = c.path.handled.saturating_add(1);
        c.path.last_site = self.sc.agent_groups[group.index()].site.map_or(0, |s| s as u8 + 1);
        let Some(res) = &self.sc.contact_types[c.ty.index()].resolution else {
            return self.end_journey(&c, JourneyOutcome::Resolved);
        };
        // The group's own resolution rate for this type, where it has one, times the group's
        // proficiency on it (at most 1).
        let g = &self.sc.agent_groups[group.index()];
        let probability = (g
            .resolution
            .get(c.ty.index())
            .copied()
            .flatten()
            .unwrap_or(res.probability)
            * g.proficiency_on(c.ty).resolution)
            .min(1.0)
            * loss;
        if c.rng.random::<f64>() < probability {
            return self.end_journey(&c, JourneyOutcome::Resolved);
        }
        let Some(rep) = &res.repeat else {
            return self.end_journey(&c, JourneyOutcome::Unresolved);
        };
        if u32::from(c.path.handled) >= rep.max_contacts || c.rng.random::<f64>() >= rep.probability {
            return self.end_journey(&c, JourneyOutcome::Unresolved);
        }
        let at = self.now + rep.delay.sample(&mut c.rng);
        if at >= self.sc.horizon {
            return self.end_journey(&c, JourneyOutcome::Open);
        }
        c.ty = rep.ty;
        c.attempt = 0;
        Self::new_attempt(&mut c);
        c.state = ContactState::Away;
        let key = self.contacts.reinsert(c);
        self.events.push(at, EventKind::Retry { contact: key });
    }

    /// Asks the policy for the next contact of a free `agent` and starts it. Returns false if
    /// the agent gets nothing. The agent's status is left to the caller.
    fn take_next(&mut self, agent: AgentId) -> bool {
        loop {
            let Some(choice) = self.decide(|policy, view| policy.select_contact(view, agent)) else {
                return self.lower_callbacks && self.take_ticket(agent);
            };
            if self.lower_callbacks && self.before_email(choice) && self.take_ticket(agent) {
                return true; // a callback promised comes before an email
            }
            let g = self.agents[agent.index()].group;
            let serves = |ty: TypeId| self.sc.agent_groups[g.index()].serves.contains(&ty);
            let key = match choice {
                ContactChoice::OldestOf(ty) => {
                    if ty.index() >= self.queues.len() || !serves(ty) {
                        return false;
                    }
                    let Some(q) = self.queues[ty.index()].pop(&self.contacts) else {
                        return false;
                    };
                    let len = self.queues[ty.index()].len();
                    self.observer.on_queue_len(self.now, ty, len);
                    q.key
                }
                ContactChoice::Contact(key) => {
                    let Some(ty) = self
                        .contacts
                        .get(key)
                        .filter(|c| c.state == ContactState::Waiting)
                        .map(|c| c.ty)
                        .filter(|ty| serves(*ty))
                    else {
                        return false;
                    };
                    self.take_from_queue(key, ty);
                    key
                }
            };
            if self.callbacks && self.dial_missed_first(key) {
                continue; // a customer-first dial missed: the agent is still free
            }
            self.start_service(agent, key);
            self.answered_from_queue(key);
            return true;
        }
    }

    /// Takes waiting contact `key` of type `ty` from wherever it is in its queue, about to be
    /// answered: it stops being `Waiting`, the queue's count drops and its entry becomes a
    /// tombstone. Reports the queue length first, as taking the oldest does.
    fn take_from_queue(&mut self, key: ContactKey, ty: TypeId) {
        if let Some(c) = self.contacts.get_mut(key) {
            c.state = ContactState::InService;
        }
        let queue = &mut self.queues[ty.index()];
        queue.forget_one(&self.contacts);
        let len = queue.len();
        self.observer.on_queue_len(self.now, ty, len);
    }

    /// A contact stopped waiting, and is already no longer `Waiting` (answered) or gone
    /// (removed from the slab), so that compaction sees its timers as stale: its pending
    /// abandonment timer (`abandon_timer`) and re-offer timer (`reoffer`) are counted stale.
    #[inline]
    fn left_queue(&mut self, abandon_timer: bool, reoffer: bool) {
        if abandon_timer {
            self.timer_went_stale();
        }
        if reoffer {
            self.timer_went_stale();
        }
    }

    /// [`Engine::left_queue`] for a contact that is answered (still in the slab).
    #[inline(always)]
    fn answered_from_queue(&mut self, key: ContactKey) {
        if let Some(c) = self.contacts.get(key) {
            debug_assert_eq!(c.state, ContactState::InService);
            let (timer, reoffer) = (c.abandon_timer_pending(), c.reoffer);
            self.left_queue(timer, reoffer);
            // Out of the queue: a later offer (after a transfer) starts afresh.
            if self.waits {
                self.contacts.set_queued(key, f64::NAN);
            }
        }
    }

    /// Asks the policy whether waiting contact `info` should be offered again later.
    fn ask_reoffer(&mut self, info: &ContactInfo) {
        let now = self.now;
        let Some(at) = self.decide(|policy, view| policy.reoffer_after(view, info)) else {
            return;
        };
        if !(at.is_finite() && at >= now) {
            return;
        }
        if let Some(c) = self.contacts.get_mut(info.key) {
            c.reoffer = true;
            self.events.push(at, EventKind::Reoffer { contact: info.key });
        }
    }

    /// A re-offer timer: the waiting contact is offered to the policy again. If it picks an
    /// idle agent that can serve it, that agent takes the contact its contact selection puts
    /// first — others may have become eligible at this same instant (deferred contacts that
    /// joined together reach a route step together), and the agent must not take them in the
    /// order of their timers. While this contact still waits, it is offered again at once.
    fn on_reoffer(&mut self, key: ContactKey) {
        let info = match self.contacts.get_mut(key) {
            Some(c) if c.state == ContactState::Waiting && c.reoffer => {
                c.reoffer = false;
                Self::info(key, c)
            }
            _ => return self.stale_timer_popped(), // answered, cleared or gone meanwhile
        };
        loop {
            let chosen = self.decide(|policy, view| policy.select_agent_for(view, &info));
            let Some(agent) = chosen.filter(|a| self.can_serve(*a, info.ty)) else {
                return self.ask_reoffer(&info);
            };
            if self.take_next(agent) {
                self.set_agent(agent, AgentStatus::Busy, false, true);
                if self.contacts.get(key).is_some_and(|c| c.state == ContactState::Waiting) {
                    continue; // it took another: this one may find another idle agent
                }
                return;
            }
            // The agent's own choice found nothing: it takes this contact, as offered.
            self.take_from_queue(key, info.ty);
            self.start_service(agent, key);
            self.answered_from_queue(key);
            return self.set_agent(agent, AgentStatus::Busy, false, true);
        }
    }

    fn on_abandon(&mut self, key: ContactKey) {
        let special = match self.contacts.get(key) {
            Some(c) if c.state == ContactState::Waiting && !c.callback => {
                c.message || self.sc.contact_types[c.ty.index()].silent_abandon.is_some()
            }
            _ => return self.stale_timer_popped(), // answered or gone before its patience ran out
        };
        if special && self.abandon_specially(key) {
            return;
        }
        let c = self.contacts.remove(key);
        self.release_line(c.ty);
        self.left_queue(false, c.reoffer); // its own abandonment timer is the one running now
        let queue = &mut self.queues[c.ty.index()];
        queue.forget_one(&self.contacts);
        let len = queue.len();
        let info = Self::info(key, &c);
        let waited = self.now - c.arrival;
        if c.message {
            // The maximum wait: a message, not an abandonment; the customer waits to hear back.
            self.observer.on_message(self.now, &info);
            self.observer.on_queue_len(self.now, c.ty, len);
            if self.follow {
                let mut c = c;
                self.attempt_failed(&mut c, waited);
                self.end_journey(&c, JourneyOutcome::GaveUp);
            }
            return;
        }
        self.observer.on_abandon(self.now, &info);
        self.observer.on_queue_len(self.now, c.ty, len);
        self.maybe_retry(&info, c, waited);
    }

    /// The customer's retry goes to another type: the contact becomes one of `sw.to`, whose
    /// handle time (times the switch's factor) and patience it gets when it arrives. A move to
    /// another channel is a switch of the journey; without context, a context loss too.
    #[cold]
    #[inline(never)]
    fn switch_retry(&self, c: &mut contact::Contact, sw: &crate::scenario::RetrySwitch) {
        let types = &self.sc.contact_types;
        if types[c.ty.index()].channel != types[sw.to.index()].channel {
            c.path.switches = c.path.switches.saturating_add(1);
        }
        if !sw.context {
            c.path.context_lost = c.path.context_lost.saturating_add(1);
        }
        c.ty = sw.to;
        c.factor = sw.handle_factor as f32;
        c.switched = true;
    }

    /// An abandonment timer of contact `key` that may not end as a plain abandonment: a
    /// message to return as a callback, or a chat left silently. Returns true if handled.
    #[cold]
    #[inline(never)]
    fn abandon_specially(&mut self, key: ContactKey) -> bool {
        let Some(c) = self.contacts.get(key) else { return false };
        if c.message {
            if self.callbacks && self.returns_messages(c.ty) {
                self.return_message(key);
                return true;
            }
            return false;
        }
        self.abandon_silently(key)
    }

    /// Whether a message left at type `ty`'s maximum wait is returned as a callback.
    fn returns_messages(&self, ty: TypeId) -> bool {
        self.sc.contact_types[ty.index()]
            .callback
            .as_ref()
            .is_some_and(|cb| cb.messages)
    }

    /// Contact `key` has reached its maximum wait and leaves a message that will be returned:
    /// it becomes an accepted callback from now, off the line, and keeps its place in the
    /// queue or joins the callback queue as its type's callbacks do.
    #[cold]
    #[inline(never)]
    fn return_message(&mut self, key: ContactKey) {
        let Some(c) = self.contacts.get_mut(key) else { return };
        c.message = false;
        c.callback = true;
        c.accepted_at = self.now;
        c.patience = f64::INFINITY;
        let (info, ty) = (Self::info(key, c), c.ty);
        self.release_line(ty);
        self.observer
            .on_callback(self.now, &info, CallbackEvent::MessageReturned);
        if self.lower_callbacks && Self::lower_priority(&self.sc.contact_types[ty.index()]) {
            self.park_as_ticket(key, ty, true);
        }
    }

    /// Chat `key`'s customer has left: silently, with its type's probability (drawn from the
    /// journey's substream). Then the chat stays in the queue as it is — the system does not
    /// know — while the customer's journey goes on as after any abandonment; returns true.
    #[inline(never)]
    fn abandon_silently(&mut self, key: ContactKey) -> bool {
        let Some(c) = self.contacts.get_mut(key) else {
            return false;
        };
        let Some((p, _)) = self.sc.contact_types[c.ty.index()].silent_abandon else {
            return false;
        };
        if c.rng.random::<f64>() >= p {
            return false;
        }
        let customer = *c;
        c.ghost = true;
        c.patience = f64::INFINITY;
        let reoffer = std::mem::replace(&mut c.reoffer, false);
        self.left_queue(false, reoffer);
        self.release_line(customer.ty);
        let info = Self::info(key, &customer);
        self.observer.on_abandon(self.now, &info);
        self.observer.on_silent(self.now, &info);
        self.maybe_retry(&info, customer, self.now - customer.arrival);
        true
    }

    fn on_interval(&mut self, index: u32) {
        self.interval = index;
        self.observer.on_interval(self.now, index);
        if index + 1 < self.sc.n_intervals {
            self.events.push(
                self.sc.interval_start(index + 1),
                EventKind::Interval { index: index + 1 },
            );
        }
    }

    /// A staffing change point: every group to its headcount from now on, then the next point
    /// is scheduled.
    fn on_staffing(&mut self, index: u32) {
        self.apply_staffing(self.now);
        if let Some(next) = self.staffing_times.get(index as usize + 1) {
            self.events.push(*next, EventKind::Staffing { index: index + 1 });
        }
    }

    /// Brings each group, in group order, to its headcount at time `t` (its last change point
    /// at or before `t`). Increases first cancel pending departures, then bring off-duty agents
    /// on (each takes waiting work at once); decreases send idle agents off first (most
    /// recently idle), then mark busy ones to leave after their current contact.
    fn apply_staffing(&mut self, t: f64) {
        for gi in 0..self.rosters.len() {
            let g = GroupId(gi as u16);
            let plan = &self.staffing_plan[gi];
            let target = plan[plan.partition_point(|(at, _)| *at <= t).max(1) - 1].1;
            let mut committed = self.rosters[gi].committed();
            if target == committed {
                continue;
            }
            let (start, size) = (self.rosters[gi].start, self.rosters[gi].size);
            if target > committed {
                // Departures owed first: those agents simply stay.
                let keep = self.rosters[gi].owed.min(target - committed);
                self.rosters[gi].owed -= keep;
                committed += keep;
                for i in start..start + size {
                    if committed == target || self.rosters[gi].leaving == 0 {
                        break;
                    }
                    if self.agents[i as usize].leaving {
                        self.set_agent(AgentId(i), AgentStatus::Busy, false, false);
                        committed += 1;
                    }
                }
                while committed < target {
                    let next = if self.staffed {
                        self.next_on_duty(gi)
                    } else {
                        self.rosters[gi].off.back()
                    };
                    let Some(agent) = next else {
                        break;
                    };
                    committed += 1;
                    if self.staffed && self.stays_away(agent) {
                        self.set_agent(agent, AgentStatus::Away, false, false);
                        continue;
                    }
                    let to = if self.take_next(agent) {
                        AgentStatus::Busy
                    } else {
                        AgentStatus::Idle
                    };
                    self.set_agent(agent, to, false, false);
                }
            } else {
                while committed > target {
                    let next = if self.staffed {
                        self.next_off_duty(gi)
                    } else {
                        self.rosters[gi].idle.back()
                    };
                    let Some(agent) = next else {
                        break;
                    };
                    self.set_agent(agent, AgentStatus::Off, false, false);
                    committed -= 1;
                }
                if self.sc.agent_groups[gi].leave_rule == LeaveRule::FirstFree {
                    // Agents away beyond the target go at once (see the end of this branch).
                    while committed > target && self.rosters[gi].away.len() > target {
                        let Some(agent) = self.rosters[gi].away.back() else {
                            break;
                        };
                        self.set_agent(agent, AgentStatus::Off, false, false);
                        committed -= 1;
                    }
                    // Whoever finishes first leaves, until the group is down to its target.
                    self.rosters[gi].owed += committed - target;
                    committed = target;
                }
                for i in (start..start + size).rev() {
                    if committed == target {
                        break;
                    }
                    let a = &self.agents[i as usize];
                    if a.status == AgentStatus::Busy && !a.leaving {
                        self.set_agent(AgentId(i), AgentStatus::Busy, true, false);
                        committed -= 1;
                    }
                }
                // Agents away go last: an absent agent is absent for its whole shift, and a
                // break is taken by an agent who is there.
                while committed > target {
                    let Some(agent) = self.rosters[gi].away.back() else {
                        break;
                    };
                    self.set_agent(agent, AgentStatus::Off, false, false);
                    committed -= 1;
                }
                if self.ai_pools && self.sc.agent_groups[gi].ai.as_ref().is_some_and(|ai| ai.down_at(t)) {
                    self.fail_over(gi);
                }
            }
            self.report_group(g);
        }
    }

    fn on_close(&mut self) {
        self.observer.on_close(self.now);
        if self.sc.closing == Closing::Clear {
            // An email backlog is not sent away: it is worked after the horizon.
            for t in 0..self.queues.len() {
                if self.sc.contact_types[t].channel != Channel::Email {
                    self.clear_queue(t);
                }
            }
        }
    }

    /// A line's daily closing with `at_close = "clear"`: its waiting contacts are sent away;
    /// the next closing (up to the horizon) is scheduled.
    fn on_shut(&mut self, ty: TypeId) {
        self.clear_queue(ty.index());
        let next = self.sc.contact_types[ty.index()]
            .hours
            .as_ref()
            .and_then(|h| h.next_close_after(self.now))
            .filter(|at| *at <= self.sc.horizon);
        if let Some(at) = next {
            self.events.push(at, EventKind::Shut { ty });
        }
    }

    /// Sends every contact waiting for type `t` away (counted as cleared), callback tickets
    /// included.
    fn clear_queue(&mut self, t: usize) {
        if self.lower_callbacks {
            self.clear_entries(t, true);
        }
        self.clear_entries(t, false);
        self.observer.on_queue_len(self.now, TypeId(t as u16), 0);
    }

    /// Sends away every contact of type `t` in its live queue, or in its callback queue
    /// (`tickets`).
    fn clear_entries(&mut self, t: usize, tickets: bool) {
        let state = if tickets {
            ContactState::Ticket
        } else {
            ContactState::Waiting
        };
        loop {
            let queue = if tickets {
                &mut self.tickets[t]
            } else {
                &mut self.queues[t]
            };
            let Some(q) = queue.pop_entry() else { break };
            if self.contacts.get(q.key).is_some_and(|c| c.state == state) {
                let mut c = self.contacts.remove(q.key);
                if c.ghost {
                    continue; // a silently abandoned chat: already counted
                }
                if !c.callback {
                    self.release_line(c.ty);
                }
                self.left_queue(c.abandon_timer_pending(), c.reoffer);
                self.observer.on_cleared(self.now, &Self::info(q.key, &c));
                if self.follow {
                    let waited = self.now - c.arrival;
                    self.attempt_failed(&mut c, waited);
                    self.end_journey(&c, JourneyOutcome::GaveUp);
                }
            }
        }
        if tickets {
            self.tickets[t].clear();
        } else {
            self.queues[t].clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records service ends: (time, journey, agent).
    #[derive(Default)]
    struct Ends(Vec<(f64, u64, u32)>);
    impl Observer for Ends {
        fn on_service_end(&mut self, now: f64, c: &ContactInfo, agent: AgentId, _group: GroupId) {
            self.0.push((now, c.journey, agent.0));
        }
    }

    fn two_agents() -> Scenario {
        crate::scenario::for_test(
            r#"
[simulation]
horizon = "1h"
seed = 9
replications = 1
[[contact_types]]
name = "calls"
arrivals = { rate = "1/min" }
handle_time = { dist = "exponential", mean = "90s" }
patience = { dist = "exponential", mean = "60s" }
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = 2
"#,
        )
    }

    #[test]
    fn a_rescheduled_service_ends_once_at_its_new_time_and_the_old_end_is_skipped() {
        let sc = two_agents();
        let mut engine = Engine::with(&sc, Policy::default(), Ends::default());
        engine.start(0);
        // Run until the first contact is answered.
        while engine.agents.iter().all(|a| a.status != AgentStatus::Busy) {
            assert!(engine.step());
        }
        let agent = AgentId(
            engine
                .agents
                .iter()
                .position(|a| a.status == AgentStatus::Busy)
                .expect("a busy agent") as u32,
        );
        let journey = engine
            .contacts
            .get(engine.agents[agent.index()].contact)
            .expect("live")
            .journey;
        let moved_to = engine.now + 7_200.0; // after the horizon: the old end surely comes first
        assert!(engine.reschedule_service_end(agent, moved_to));
        assert_eq!(engine.stale, 1);
        // An agent that is not serving cannot have its service moved.
        let idle = AgentId(1 - agent.0);
        assert!(!engine.reschedule_service_end(idle, moved_to));
        while engine.step() {}
        engine.finish();
        let ends: Vec<_> = engine.observer().0.iter().filter(|e| e.1 == journey).copied().collect();
        assert_eq!(ends, vec![(moved_to, journey, agent.0)]);
        assert_eq!(engine.stale, 0, "the old end was popped and skipped");
    }

    #[test]
    fn compaction_drops_exactly_the_rescheduled_ends_and_keeps_the_live_ones() {
        let sc = two_agents();
        let mut engine = Engine::with(&sc, Policy::default(), Ends::default());
        engine.start(0);
        while engine.agents.iter().any(|a| a.status != AgentStatus::Busy) {
            assert!(engine.step());
        }
        // Reschedule both services many times: the stale ends pile up until compaction.
        let before = engine.events.len();
        let mut last = [0.0; 2];
        for k in 0..1_000 {
            for (a, t) in last.iter_mut().enumerate() {
                *t = engine.now + 10.0 + f64::from(k);
                assert!(engine.reschedule_service_end(AgentId(a as u32), *t));
            }
        }
        assert!(engine.events.len() < before + 2 * COMPACT_MIN_EVENTS, "compaction ran");
        let served: Vec<u64> = (0..2)
            .map(|a| engine.contacts.get(engine.agents[a].contact).expect("live").journey)
            .collect();
        while engine.step() {}
        let ends = &engine.observer().0;
        for a in 0..2 {
            let got: Vec<f64> = ends.iter().filter(|e| e.1 == served[a]).map(|e| e.0).collect();
            assert_eq!(got, vec![last[a]], "agent {a}");
        }
        assert_eq!(engine.stale, 0);
    }
}
