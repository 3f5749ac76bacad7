//! The discrete-event engine: one replication on one thread, deterministic given its seeds.
//!
//! The event loop pops the earliest event (by `(time, rank, seq)`, see [`event`]) and runs its
//! handler; handlers make routing decisions on the spot through the [`RoutingPolicy`] and
//! report every state change to the [`Observer`]. Only scheduled events go on the heap:
//! arrivals, service ends, abandonment deadlines, interval boundaries and the closing time.
//!
//! Life of a contact (see [`contact::ContactState`]): it arrives, draws its patience and base
//! handle time from its type's streams, and is offered to the policy. If an agent is chosen it
//! is answered at once; otherwise it waits in its type's FIFO queue — or is blocked when the
//! queue is at capacity — until an agent frees and selects it, or its patience runs out (a lazy
//! timer: skipped if the contact has moved on), or the closing rule clears it.
//!
//! Allocation: [`Engine::new`] sizes every buffer; each replication clears and reuses them, so
//! after the first replication the loop allocates nothing (a test counts it). Never
//! parallelise inside a replication: the sweep runs replications in parallel instead.

pub mod agent;
pub mod contact;
pub mod event;
pub mod queue;

use crate::arrivals::ArrivalProcess;
use crate::rng::{self, Rng, Source, StreamId};
use crate::routing::{Policy, RoutingPolicy, View};
use crate::scenario::{Closing, GroupId, Scenario, TypeId};
use crate::stats::{Collector, ContactInfo, Observer};
use agent::{Agent, AgentStatus, Roster};
use contact::{ContactKey, ContactSlab, ContactState};
use event::{AgentId, EventKind, EventQueue};
use queue::{Queued, WaitQueue};

/// The random streams of one contact type.
#[derive(Debug, Clone)]
struct TypeStreams {
    arrivals: Rng,
    patience: Rng,
    handle: Rng,
}

impl TypeStreams {
    fn new(seed: u64, replication: u32, ty: usize) -> Self {
        let s = |source| rng::stream(seed, u64::from(replication), StreamId::new(source, ty as u32));
        Self {
            arrivals: s(Source::Arrivals),
            patience: s(Source::Patience),
            handle: s(Source::HandleTime),
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
    events: EventQueue,
    contacts: ContactSlab,
    queues: Vec<WaitQueue>,
    agents: Vec<Agent>,
    rosters: Vec<Roster>,
    arrivals: Vec<ArrivalProcess>,
    streams: Vec<TypeStreams>,
    interval: u32,
    next_journey: u64,
    processed: u64,
}

impl<'s> Engine<'s> {
    /// An engine with the built-in FIFO/longest-idle policy and the default collector.
    pub fn new(sc: &'s Scenario) -> Self {
        Engine::with(sc, Policy::default(), Collector::new(sc))
    }
}

impl<'s, P: RoutingPolicy, O: Observer> Engine<'s, P, O> {
    /// An engine with a given policy and observer.
    pub fn with(sc: &'s Scenario, policy: P, observer: O) -> Self {
        let mut agents = Vec::new();
        let mut rosters = Vec::new();
        for (gi, g) in sc.agent_groups.iter().enumerate() {
            let start = agents.len() as u32;
            let mut roster = Roster::new(start, g.max_headcount);
            agents.resize(
                agents.len() + g.max_headcount as usize,
                Agent::off_duty(GroupId(gi as u16)),
            );
            roster.reset(&mut agents, GroupId(gi as u16));
            rosters.push(roster);
        }
        let total_agents = agents.len();
        Self {
            sc,
            policy,
            observer,
            now: 0.0,
            events: EventQueue::with_capacity(64 + 2 * total_agents + 4 * sc.contact_types.len()),
            contacts: ContactSlab::with_capacity(256 + 2 * total_agents),
            queues: sc.contact_types.iter().map(|_| WaitQueue::with_capacity(256)).collect(),
            agents,
            rosters,
            arrivals: sc
                .contact_types
                .iter()
                .map(|t| ArrivalProcess::new(&t.arrival_rates, sc.interval, sc.horizon))
                .collect(),
            streams: (0..sc.contact_types.len())
                .map(|t| TypeStreams::new(sc.seed, 0, t))
                .collect(),
            interval: 0,
            next_journey: 0,
            processed: 0,
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

    /// Events processed in the last replication.
    pub fn events_processed(&self) -> u64 {
        self.processed
    }

    /// Runs replication `replication` to completion: from t = 0 until no event is left.
    /// The result is a pure function of the scenario (seed included) and `replication`.
    pub fn run(&mut self, replication: u32) {
        self.reset(replication);
        self.policy.on_start(replication);
        self.observer.on_start(replication);
        self.apply_staffing(0);
        if self.sc.n_intervals > 1 {
            self.events.push(self.sc.interval, EventKind::Interval { index: 1 });
        }
        self.events.push(self.sc.horizon, EventKind::Close);
        for t in 0..self.sc.contact_types.len() {
            if let Some(first) = self.arrivals[t].next_after(0.0, &mut self.streams[t].arrivals) {
                self.events.push(first, EventKind::Arrival { ty: TypeId(t as u16) });
            }
        }
        while let Some(ev) = self.events.pop() {
            debug_assert!(ev.time() >= self.now, "time went backwards");
            self.now = ev.time();
            self.processed += 1;
            match ev.kind {
                EventKind::Arrival { ty } => self.on_arrival(ty),
                EventKind::ServiceEnd { agent, contact } => self.on_service_end(agent, contact),
                EventKind::Abandon { contact } => self.on_abandon(contact),
                EventKind::Interval { index } => self.on_interval(index),
                EventKind::Close => self.on_close(),
            }
        }
        for (key, c) in self.contacts.iter() {
            let info = ContactInfo {
                key,
                ty: c.ty,
                arrival: c.arrival,
                interval: c.interval,
                journey: c.journey,
            };
            self.observer.on_in_system_at_end(self.now, &info);
        }
        self.observer.on_end(self.now);
    }

    fn reset(&mut self, replication: u32) {
        self.now = 0.0;
        self.events.clear();
        self.contacts.clear();
        for q in &mut self.queues {
            q.clear();
        }
        for (gi, r) in self.rosters.iter_mut().enumerate() {
            r.reset(&mut self.agents, GroupId(gi as u16));
        }
        for (t, s) in self.streams.iter_mut().enumerate() {
            *s = TypeStreams::new(self.sc.seed, replication, t);
        }
        self.interval = 0;
        self.next_journey = 0;
        self.processed = 0;
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
        }
    }

    #[inline]
    fn report_group(&mut self, g: GroupId) {
        let r = &self.rosters[g.index()];
        self.observer.on_group(self.now, g, r.busy, r.present());
    }

    fn on_arrival(&mut self, ty: TypeId) {
        let ct = &self.sc.contact_types[ty.index()];
        let streams = &mut self.streams[ty.index()];
        // The contact's own randomness, drawn at arrival from its type's streams (CRN).
        let patience = match &ct.patience {
            Some(d) => d.sample(&mut streams.patience),
            None => f64::INFINITY,
        };
        let handle = ct.handle_time.sample(&mut streams.handle);
        if let Some(next) = self.arrivals[ty.index()].next_after(self.now, &mut streams.arrivals) {
            self.events.push(next, EventKind::Arrival { ty });
        }
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
        let info = ContactInfo {
            key,
            ty,
            arrival: self.now,
            interval: self.interval,
            journey,
        };
        self.observer.on_arrival(self.now, &info);

        let now = self.now;
        let chosen = self.decide(|policy, view| policy.select_agent(view, ty, now));
        if let Some(agent) = chosen.filter(|a| self.can_serve(*a, ty)) {
            let g = self.agents[agent.index()].group;
            let roster = &mut self.rosters[g.index()];
            roster.take_idle(agent);
            roster.busy += 1;
            self.start_service(agent, key);
            self.report_group(g);
            return;
        }
        let queue = &mut self.queues[ty.index()];
        if ct.queue_capacity.is_some_and(|cap| queue.len() >= cap) {
            self.contacts.remove(key);
            self.observer.on_blocked(self.now, &info);
            return;
        }
        queue.push(Queued { key, arrival: self.now });
        let len = queue.len();
        self.observer.on_enqueue(self.now, &info);
        self.observer.on_queue_len(self.now, ty, len);
        if patience.is_finite() {
            self.events
                .push(self.now + patience, EventKind::Abandon { contact: key });
        }
    }

    /// Whether `agent` is idle and in a group serving `ty` (guards user-written policies).
    #[inline]
    fn can_serve(&self, agent: AgentId, ty: TypeId) -> bool {
        self.agents.get(agent.index()).is_some_and(|a| {
            a.status == AgentStatus::Idle && self.sc.agent_groups[a.group.index()].serves.contains(&ty)
        })
    }

    /// Puts `agent` (already counted busy) on contact `key`, which is live.
    #[inline]
    fn start_service(&mut self, agent: AgentId, key: ContactKey) {
        let Some(c) = self.contacts.get_mut(key) else {
            debug_assert!(false, "starting service of a stale contact");
            return;
        };
        c.state = ContactState::InService;
        let (handle, info) = (c.handle, Self::info(key, c));
        let a = &mut self.agents[agent.index()];
        a.status = AgentStatus::Busy;
        a.contact = key;
        let group = a.group;
        self.events
            .push(self.now + handle, EventKind::ServiceEnd { agent, contact: key });
        self.observer.on_answer(self.now, &info, agent, group, handle);
    }

    fn on_service_end(&mut self, agent: AgentId, key: ContactKey) {
        if self.agents[agent.index()].contact != key || self.contacts.get(key).is_none() {
            return; // a stale timer
        }
        let c = self.contacts.remove(key);
        let g = self.agents[agent.index()].group;
        self.observer.on_service_end(self.now, &Self::info(key, &c), agent, g);
        if self.agents[agent.index()].leaving {
            let a = &mut self.agents[agent.index()];
            a.leaving = false;
            a.status = AgentStatus::Off;
            let roster = &mut self.rosters[g.index()];
            roster.busy -= 1;
            roster.leaving -= 1;
            roster.off.push(agent);
        } else if !self.take_next(agent) {
            self.rosters[g.index()].busy -= 1;
            self.make_idle(agent);
        }
        self.report_group(g);
    }

    /// Asks the policy for the next contact of a free `agent` and starts it. Returns false if
    /// the agent gets nothing (its status is then unchanged).
    fn take_next(&mut self, agent: AgentId) -> bool {
        let Some(ty) = self.decide(|policy, view| policy.select_queue(view, agent)) else {
            return false;
        };
        let g = self.agents[agent.index()].group;
        if ty.index() >= self.queues.len() || !self.sc.agent_groups[g.index()].serves.contains(&ty) {
            return false;
        }
        let Some(q) = self.queues[ty.index()].pop(&self.contacts) else {
            return false;
        };
        let len = self.queues[ty.index()].len();
        self.observer.on_queue_len(self.now, ty, len);
        self.start_service(agent, q.key);
        true
    }

    #[inline]
    fn make_idle(&mut self, agent: AgentId) {
        let a = &mut self.agents[agent.index()];
        a.status = AgentStatus::Idle;
        a.idle_since = self.now;
        self.rosters[a.group.index()].idle.push_back(agent);
    }

    fn on_abandon(&mut self, key: ContactKey) {
        match self.contacts.get(key) {
            Some(c) if c.state == ContactState::Waiting => {}
            _ => return, // answered (or gone) before its patience ran out
        }
        let c = self.contacts.remove(key);
        let queue = &mut self.queues[c.ty.index()];
        queue.forget_one(&self.contacts);
        let len = queue.len();
        self.observer.on_abandon(self.now, &Self::info(key, &c));
        self.observer.on_queue_len(self.now, c.ty, len);
    }

    fn on_interval(&mut self, index: u32) {
        self.interval = index;
        self.observer.on_interval(self.now, index);
        self.apply_staffing(index);
        if index + 1 < self.sc.n_intervals {
            self.events.push(
                self.sc.interval_start(index + 1),
                EventKind::Interval { index: index + 1 },
            );
        }
    }

    /// Brings each group to its headcount for interval `index`. Increases first cancel pending
    /// departures, then bring off-duty agents on (each takes waiting work at once); decreases
    /// send idle agents off first (most recently idle), then mark busy ones to leave after
    /// their current contact.
    fn apply_staffing(&mut self, index: u32) {
        for gi in 0..self.rosters.len() {
            let g = GroupId(gi as u16);
            let target = self.sc.agent_groups[gi].headcount[index as usize];
            let mut committed = self.rosters[gi].committed();
            if target == committed {
                continue;
            }
            if target > committed {
                let (start, size) = (self.rosters[gi].start, self.rosters[gi].size);
                for i in start..start + size {
                    if committed == target || self.rosters[gi].leaving == 0 {
                        break;
                    }
                    if self.agents[i as usize].leaving {
                        self.agents[i as usize].leaving = false;
                        self.rosters[gi].leaving -= 1;
                        committed += 1;
                    }
                }
                while committed < target {
                    let Some(agent) = self.rosters[gi].off.pop() else { break };
                    committed += 1;
                    self.rosters[gi].busy += 1;
                    if !self.take_next(agent) {
                        self.rosters[gi].busy -= 1;
                        self.make_idle(agent);
                    }
                }
            } else {
                while committed > target {
                    let Some(agent) = self.rosters[gi].idle.pop_back() else {
                        break;
                    };
                    self.agents[agent.index()].status = AgentStatus::Off;
                    self.rosters[gi].off.push(agent);
                    committed -= 1;
                }
                let (start, size) = (self.rosters[gi].start, self.rosters[gi].size);
                for i in (start..start + size).rev() {
                    if committed == target {
                        break;
                    }
                    let a = &mut self.agents[i as usize];
                    if a.status == AgentStatus::Busy && !a.leaving {
                        a.leaving = true;
                        self.rosters[gi].leaving += 1;
                        committed -= 1;
                    }
                }
            }
            self.report_group(g);
        }
    }

    fn on_close(&mut self) {
        self.observer.on_close(self.now);
        if self.sc.closing == Closing::Clear {
            for t in 0..self.queues.len() {
                while let Some(q) = self.queues[t].pop_entry() {
                    if self.contacts.get(q.key).is_some() {
                        let c = self.contacts.remove(q.key);
                        self.observer.on_cleared(self.now, &Self::info(q.key, &c));
                    }
                }
                self.queues[t].clear();
                self.observer.on_queue_len(self.now, TypeId(t as u16), 0);
            }
        }
    }
}
