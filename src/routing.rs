//! Routing: which idle agent takes a contact that becomes ready, and which waiting contact an
//! agent takes when it becomes free — the two decisions of ContactCenters' `Router`.
//!
//! A [`RoutingPolicy`] returns decisions; the engine applies them. It sees the system through a
//! read-only [`View`], so a policy can be unit-tested against a hand-built state. The engine is
//! generic over the policy (`Engine<P: RoutingPolicy>`), so built-in and user-written policies
//! cost a direct, inlinable call per decision. Built-in policies sit behind the [`Policy`] enum.
//!
//! The engine calls the contact-level methods — [`RoutingPolicy::select_agent_for`] (sees the
//! contact's key, type, arrival time, interval and journey), [`RoutingPolicy::select_contact`]
//! (may name one specific waiting contact, not only a queue) and
//! [`RoutingPolicy::reoffer_after`] (asks for a waiting contact to be offered again at a later
//! time: overflow after a delay). Their defaults fall back on the two type-level methods, so a
//! policy written against those keeps working unchanged.
//!
//! A policy can be unit-tested against a hand-built state: [`ViewState`] holds agents, rosters
//! and queues built by hand, and [`ViewState::view`] lends a [`View`] of it (tests below).

use crate::engine::agent::{Agent, AgentStatus, Roster};
use crate::engine::contact::{ContactKey, ContactSlab, ContactState};
use crate::engine::event::AgentId;
use crate::engine::queue::{Queued, WaitQueue};
use crate::scenario::{Channel, GroupId, Scenario, TypeId};
use crate::stats::ContactInfo;

mod skills;
pub use skills::SkillsRouting;

/// What a free agent takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactChoice {
    /// The oldest contact waiting in this type's queue.
    OldestOf(TypeId),
    /// This waiting contact, wherever it is in its queue.
    Contact(ContactKey),
}

/// A routing policy. Decisions must be deterministic functions of the view and the policy's
/// own state (no unseeded randomness), or replications stop being reproducible.
pub trait RoutingPolicy {
    /// An engine is built for `scenario`: a policy that reads rules from the scenario takes
    /// them here. Called once, before any replication.
    fn bind(&mut self, _scenario: &Scenario) {}

    /// Whether the policy reads [`View::queued_since`] or asks for re-offers
    /// ([`RoutingPolicy::reoffer_after`]). When it does not, the engine neither records queue
    /// times nor asks. Default: true.
    fn follows_waits(&self) -> bool {
        true
    }

    /// A replication begins: reset any state, so that replication `replication` does not
    /// depend on what an engine ran before it.
    fn on_start(&mut self, _replication: u32) {}

    /// A contact of type `ty` that arrived at `arrival` (seconds) is ready to be served.
    /// Return an idle agent of a group serving `ty`, or `None` to queue it. An answer that is
    /// not such an agent is treated as `None`.
    fn select_agent(&mut self, view: &View<'_>, ty: TypeId, arrival: f64) -> Option<AgentId>;

    /// `agent` has become free. Return a contact type whose queue is non-empty and which the
    /// agent's group serves; the agent takes the oldest contact of that queue. `None` leaves
    /// the agent idle.
    fn select_queue(&mut self, view: &View<'_>, agent: AgentId) -> Option<TypeId>;

    /// `contact` is ready to be served (on arrival, or when re-offered). Return an idle agent
    /// of a group serving its type, or `None` to leave it waiting. Defaults to
    /// [`RoutingPolicy::select_agent`] with the contact's type and arrival time.
    #[inline(always)]
    fn select_agent_for(&mut self, view: &View<'_>, contact: &ContactInfo) -> Option<AgentId> {
        self.select_agent(view, contact.ty, contact.arrival)
    }

    /// `agent` has become free. Return what it takes: the oldest contact of a queue, or one
    /// specific waiting contact (see [`View::waiting`]) of a type its group serves. An answer
    /// naming no such contact leaves the agent idle. Defaults to
    /// [`RoutingPolicy::select_queue`].
    #[inline]
    fn select_contact(&mut self, view: &View<'_>, agent: AgentId) -> Option<ContactChoice> {
        self.select_queue(view, agent).map(ContactChoice::OldestOf)
    }

    /// `contact` has just started to wait (or was re-offered and is still waiting). Return a
    /// time (seconds, after `view.now()`) at which the engine should offer it again through
    /// [`RoutingPolicy::select_agent_for`] — e.g. to widen the groups it may go to after a
    /// delay — or `None`. Default: never.
    #[inline]
    fn reoffer_after(&mut self, _view: &View<'_>, _contact: &ContactInfo) -> Option<f64> {
        None
    }
}

/// A contact waiting in a queue, as a policy sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Waiting {
    pub key: ContactKey,
    /// Arrival time, seconds.
    pub arrival: f64,
    /// The customer journey it belongs to.
    pub journey: u64,
}

/// A read-only view of the system for routing decisions.
pub struct View<'a> {
    pub(crate) now: f64,
    pub(crate) scenario: &'a Scenario,
    pub(crate) agents: &'a [Agent],
    pub(crate) rosters: &'a [Roster],
    pub(crate) queues: &'a [WaitQueue],
    pub(crate) contacts: &'a ContactSlab,
}

impl<'a> View<'a> {
    /// Current simulated time, seconds.
    pub fn now(&self) -> f64 {
        self.now
    }

    pub fn scenario(&self) -> &'a Scenario {
        self.scenario
    }

    /// Groups that serve `ty`, in scenario order.
    pub fn groups_serving(&self, ty: TypeId) -> &'a [GroupId] {
        &self.scenario.contact_types[ty.index()].served_by
    }

    /// Types that `group` serves, in scenario order.
    pub fn types_served(&self, group: GroupId) -> &'a [TypeId] {
        &self.scenario.agent_groups[group.index()].serves
    }

    /// The group of `agent`.
    pub fn group_of(&self, agent: AgentId) -> GroupId {
        self.agents[agent.index()].group
    }

    /// Whether `agent` is on duty and free.
    pub fn is_idle(&self, agent: AgentId) -> bool {
        self.agents
            .get(agent.index())
            .is_some_and(|a| a.status == AgentStatus::Idle)
    }

    /// The idle agents of `group`, longest idle first, with the time each became idle.
    pub fn idle_agents(&self, group: GroupId) -> impl Iterator<Item = (AgentId, f64)> + 'a {
        let agents = self.agents;
        self.rosters[group.index()]
            .idle
            .iter(agents)
            .map(move |a| (a, agents[a.index()].idle_since))
    }

    /// The longest-idle agent of `group` and when it became idle.
    #[inline]
    pub fn longest_idle(&self, group: GroupId) -> Option<(AgentId, f64)> {
        let a = self.rosters[group.index()].idle.front()?;
        Some((a, self.agents[a.index()].idle_since))
    }

    /// The sessions the agent holding slot `slot` is busy with (0 or 1 for an agent of a
    /// group with one session; up to the group's `sessions` for chat agents, who are that many
    /// slots in a row).
    pub fn agent_load(&self, slot: AgentId) -> u32 {
        let g = self.agents[slot.index()].group;
        let k = self.scenario.agent_groups[g.index()].sessions;
        let start = self.rosters[g.index()].start;
        let first = start + (slot.0 - start) / k * k;
        self.agents[first as usize..(first + k) as usize]
            .iter()
            .filter(|a| a.status == AgentStatus::Busy)
            .count() as u32
    }

    /// The idle slot of `group` whose agent holds the fewest sessions (ties: the slot idle
    /// longest), and when it became idle. Cost O(idle slots × sessions) at worst; it stops at
    /// the first slot of an agent with no session.
    #[cold]
    #[inline(never)]
    pub fn least_loaded(&self, group: GroupId) -> Option<(AgentId, f64)> {
        let mut best: Option<(AgentId, f64, u32)> = None;
        for (a, since) in self.idle_agents(group) {
            let load = self.agent_load(a);
            if best.is_none_or(|(_, _, l)| load < l) {
                best = Some((a, since, load));
                if load == 0 {
                    break;
                }
            }
        }
        best.map(|(a, since, _)| (a, since))
    }

    /// How many agents (session slots) of `group` are idle.
    #[inline]
    pub fn idle_count(&self, group: GroupId) -> u32 {
        self.rosters[group.index()].idle.len()
    }

    /// When waiting contact `key` joined its queue (seconds); `None` if it is not in a queue
    /// (e.g. it has just arrived and is being offered for the first time).
    #[inline]
    pub fn queued_since(&self, key: ContactKey) -> Option<f64> {
        self.contacts.queued_since(key)
    }

    /// Number of contacts of type `ty` waiting.
    #[inline]
    pub fn queue_len(&self, ty: TypeId) -> u32 {
        self.queues[ty.index()].len()
    }

    /// When the oldest contact of type `ty` waiting joined the queue (seconds).
    #[inline]
    pub fn oldest_waiting(&self, ty: TypeId) -> Option<f64> {
        self.queues[ty.index()].front().map(|q| q.arrival)
    }

    /// The contacts of type `ty` waiting, oldest first. Cost O(queue length).
    pub fn waiting(&self, ty: TypeId) -> impl Iterator<Item = Waiting> + 'a {
        let contacts = self.contacts;
        self.queues[ty.index()].entries().filter_map(move |q| {
            let c = contacts.get(q.key).filter(|c| c.state == ContactState::Waiting)?;
            Some(Waiting {
                key: q.key,
                arrival: q.arrival,
                journey: c.journey,
            })
        })
    }
}

/// A hand-built system state to test routing policies against: every agent starts off duty
/// and every queue empty; put agents on duty and contacts in queues, then take a [`View`].
pub struct ViewState<'s> {
    scenario: &'s Scenario,
    agents: Vec<Agent>,
    rosters: Vec<Roster>,
    queues: Vec<WaitQueue>,
    contacts: ContactSlab,
}

impl<'s> ViewState<'s> {
    /// Agents of each group numbered as the engine numbers them (group by group, in scenario
    /// order, as many as the group's largest headcount; an agent holding k chat sessions is k
    /// slots in a row), all off duty; queues empty.
    pub fn new(scenario: &'s Scenario) -> Self {
        let mut agents = Vec::new();
        let mut rosters = Vec::new();
        for (gi, g) in scenario.agent_groups.iter().enumerate() {
            let slots = g.max_headcount * g.sessions;
            let mut roster = Roster::new(agents.len() as u32, slots);
            agents.resize(agents.len() + slots as usize, Agent::off_duty(GroupId(gi as u16)));
            roster.reset(&mut agents, GroupId(gi as u16));
            rosters.push(roster);
        }
        Self {
            scenario,
            queues: scenario
                .contact_types
                .iter()
                .map(|_| WaitQueue::with_capacity(8))
                .collect(),
            contacts: ContactSlab::with_capacity(8),
            agents,
            rosters,
        }
    }

    /// The `i`-th agent (session slot) of `group` (panics if the group has fewer).
    pub fn agent(&self, group: GroupId, i: u32) -> AgentId {
        let r = &self.rosters[group.index()];
        assert!(i < r.size, "group {} has {} agents", group.0, r.size);
        AgentId(r.start + i)
    }

    /// Puts an off-duty `agent` on duty, idle since `since` (seconds). Call in order of
    /// `since`: the idle list is kept in the order agents become idle.
    pub fn idle(&mut self, agent: AgentId, since: f64) -> &mut Self {
        let g = self.agents[agent.index()].group.index();
        self.rosters[g].off.remove(&mut self.agents, agent);
        self.agents[agent.index()].status = AgentStatus::Idle;
        self.agents[agent.index()].idle_since = since;
        self.rosters[g].idle.push_back(&mut self.agents, agent);
        self
    }

    /// Puts an off-duty `agent` on duty, busy.
    pub fn busy(&mut self, agent: AgentId) -> &mut Self {
        let g = self.agents[agent.index()].group.index();
        self.rosters[g].off.remove(&mut self.agents, agent);
        self.agents[agent.index()].status = AgentStatus::Busy;
        self.rosters[g].busy += 1;
        self
    }

    /// Adds a contact of type `ty` that arrived at `arrival` (seconds) to the back of its
    /// queue; call in order of arrival. Returns its key.
    pub fn wait(&mut self, ty: TypeId, arrival: f64, journey: u64) -> ContactKey {
        let key = self
            .contacts
            .insert(ty, ContactState::Waiting, arrival, f64::INFINITY, 0.0, 0, journey);
        self.contacts.set_queued(key, arrival);
        self.queues[ty.index()].push(Queued { key, arrival });
        key
    }

    /// A read-only view of this state at time `now` (seconds).
    pub fn view(&self, now: f64) -> View<'_> {
        View {
            now,
            scenario: self.scenario,
            agents: &self.agents,
            rosters: &self.rosters,
            queues: &self.queues,
            contacts: &self.contacts,
        }
    }
}

/// Global FIFO with longest-idle agent selection: a ready contact goes to the agent idle
/// longest among all groups serving it (ties: the group listed first); a free agent takes the
/// contact waiting longest among the live types its group serves (ties: the type listed
/// first), and an email only when no live contact waits. In a group whose agents hold several
/// chat sessions, a chat goes to the agent holding the fewest (ties: the slot idle longest).
#[derive(Debug, Clone, Copy, Default)]
pub struct LongestIdleFifo;

impl RoutingPolicy for LongestIdleFifo {
    fn follows_waits(&self) -> bool {
        false
    }

    #[inline(always)] // on every arrival
    fn select_agent(&mut self, view: &View<'_>, ty: TypeId, _arrival: f64) -> Option<AgentId> {
        let mut best: Option<(AgentId, f64)> = None;
        for &g in view.groups_serving(ty) {
            let sc = view.scenario();
            let candidate = if sc.has_sessions && sc.agent_groups[g.index()].sessions > 1 {
                view.least_loaded(g) // chat agents: the one holding the fewest sessions
            } else {
                view.longest_idle(g)
            };
            if let Some((a, since)) = candidate
                && best.is_none_or(|(_, b)| since < b)
            {
                best = Some((a, since));
            }
        }
        best.map(|(a, _)| a)
    }

    /// Live contacts (voice, chat) before deferrable ones (email): an agent takes an email
    /// only when no live contact it serves is waiting. Among those, the highest priority
    /// class first, then the earliest arrival less the type's queue credit (ties: the type
    /// listed first in the group's `serves`).
    #[inline]
    fn select_queue(&mut self, view: &View<'_>, agent: AgentId) -> Option<TypeId> {
        let mut best: Option<(TypeId, bool, i32, f64)> = None;
        let sc = view.scenario();
        for &ty in view.types_served(view.group_of(agent)) {
            if let Some(arrival) = view.oldest_waiting(ty) {
                let ct = &sc.contact_types[ty.index()];
                let deferrable = sc.has_email && ct.channel == Channel::Email;
                let (class, due) = if sc.has_priorities {
                    (-ct.priority, arrival - ct.queue_credit)
                } else {
                    (0, arrival)
                };
                if best.is_none_or(|(_, d, c, b)| (deferrable, class, due) < (d, c, b)) {
                    best = Some((ty, deferrable, class, due));
                }
            }
        }
        best.map(|(t, ..)| t)
    }
}

/// The built-in routing: [`LongestIdleFifo`] until bound to a scenario whose rules need
/// more (`[routing]`, routes, aging), then [`SkillsRouting`] on those rules.
#[derive(Debug, Clone, Default)]
pub enum Policy {
    /// See [`LongestIdleFifo`].
    #[default]
    LongestIdleFifo,
    /// See [`SkillsRouting`].
    Skills(Box<SkillsRouting>),
}

impl RoutingPolicy for Policy {
    fn bind(&mut self, scenario: &Scenario) {
        if matches!(self, Policy::LongestIdleFifo) && scenario.skills_routing {
            *self = Policy::Skills(Box::new(SkillsRouting::new(scenario)));
        }
    }

    fn follows_waits(&self) -> bool {
        matches!(self, Policy::Skills(_))
    }

    fn on_start(&mut self, replication: u32) {
        if let Policy::Skills(p) = self {
            p.on_start(replication);
        }
    }

    #[inline(always)]
    fn select_agent(&mut self, view: &View<'_>, ty: TypeId, arrival: f64) -> Option<AgentId> {
        match self {
            Policy::LongestIdleFifo => LongestIdleFifo.select_agent(view, ty, arrival),
            Policy::Skills(p) => p.select_agent(view, ty, arrival),
        }
    }

    #[inline]
    fn select_queue(&mut self, view: &View<'_>, agent: AgentId) -> Option<TypeId> {
        match self {
            Policy::LongestIdleFifo => LongestIdleFifo.select_queue(view, agent),
            Policy::Skills(p) => p.select_queue(view, agent),
        }
    }

    #[inline(always)]
    fn select_agent_for(&mut self, view: &View<'_>, contact: &ContactInfo) -> Option<AgentId> {
        match self {
            Policy::LongestIdleFifo => LongestIdleFifo.select_agent(view, contact.ty, contact.arrival),
            Policy::Skills(p) => p.select_agent_for(view, contact),
        }
    }

    #[inline]
    fn reoffer_after(&mut self, view: &View<'_>, contact: &ContactInfo) -> Option<f64> {
        match self {
            Policy::LongestIdleFifo => None,
            Policy::Skills(p) => p.reoffer_after(view, contact),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_groups() -> Scenario {
        crate::scenario::for_test(
            r#"
[simulation]
horizon = "1h"
[[contact_types]]
name = "billing"
arrivals = { rate = "1/min" }
handle_time = { dist = "exponential", mean = "3m" }
[[contact_types]]
name = "tech"
arrivals = { rate = "1/min" }
handle_time = { dist = "exponential", mean = "3m" }
[[agent_groups]]
name = "all"
serves = ["billing", "tech"]
headcount = 3
[[agent_groups]]
name = "tech-only"
serves = ["tech"]
headcount = 2
"#,
        )
    }

    #[test]
    fn longest_idle_fifo_picks_the_agent_idle_longest_across_serving_groups() {
        let sc = two_groups();
        let (billing, tech) = (TypeId(0), TypeId(1));
        let mut st = ViewState::new(&sc);
        let (a0, a1, a2) = (
            st.agent(GroupId(0), 0),
            st.agent(GroupId(0), 1),
            st.agent(GroupId(0), 2),
        );
        let (t0, t1) = (st.agent(GroupId(1), 0), st.agent(GroupId(1), 1));
        st.idle(t1, 5.0).idle(a1, 10.0).idle(a0, 20.0).busy(a2).busy(t0);
        let c = |ty| ContactInfo {
            key: ContactKey {
                index: 0,
                generation: 0,
            },
            ty,
            arrival: 30.0,
            interval: 0,
            journey: 0,
            attempt: 0,
            repeat: 0,
            routed: false,
        };
        let view = st.view(30.0);
        // tech: t1 (idle since 5) beats a1 (idle since 10); billing cannot use tech-only.
        assert_eq!(LongestIdleFifo.select_agent_for(&view, &c(tech)), Some(t1));
        assert_eq!(LongestIdleFifo.select_agent_for(&view, &c(billing)), Some(a1));
        assert_eq!(
            view.idle_agents(GroupId(0)).collect::<Vec<_>>(),
            vec![(a1, 10.0), (a0, 20.0)]
        );
        assert!(view.is_idle(a0) && !view.is_idle(a2));
    }

    #[test]
    fn a_chat_goes_to_the_agent_holding_the_fewest_sessions() {
        let sc = crate::scenario::for_test(
            r#"
[simulation]
horizon = "1h"
[[contact_types]]
name = "web"
channel = "chat"
arrivals = { rate = "10/h" }
handle_time = { dist = "exponential", mean = "5m" }
[[agent_groups]]
name = "chat"
serves = ["web"]
headcount = 3
sessions = 2
"#,
        );
        let mut st = ViewState::new(&sc);
        let slot = |i| st.agent(GroupId(0), i);
        // Agent 0 holds one chat (slot 0), its slot 1 idle since 1; agent 1 holds none
        // (slots 2, 3 idle since 5 and 6); agent 2 holds two.
        let (s0, s1, s2, s3, s4, s5) = (slot(0), slot(1), slot(2), slot(3), slot(4), slot(5));
        st.busy(s0).idle(s1, 1.0).idle(s2, 5.0).idle(s3, 6.0).busy(s4).busy(s5);
        let view = st.view(10.0);
        assert_eq!(
            (view.agent_load(s1), view.agent_load(s3), view.agent_load(s5)),
            (1, 0, 2)
        );
        let c = ContactInfo {
            key: ContactKey {
                index: 0,
                generation: 0,
            },
            ty: TypeId(0),
            arrival: 10.0,
            interval: 0,
            journey: 0,
            attempt: 0,
            repeat: 0,
            routed: false,
        };
        // Not slot 1 (idle longest, but its agent is busy): the free agent's longest-idle slot.
        assert_eq!(LongestIdleFifo.select_agent_for(&view, &c), Some(s2));
    }

    #[test]
    fn a_free_agent_takes_the_oldest_contact_among_the_types_its_group_serves() {
        let sc = two_groups();
        let (billing, tech) = (TypeId(0), TypeId(1));
        let mut st = ViewState::new(&sc);
        let (a0, t0) = (st.agent(GroupId(0), 0), st.agent(GroupId(1), 0));
        st.busy(a0).busy(t0);
        st.wait(tech, 3.0, 7);
        let b = st.wait(billing, 1.0, 8);
        st.wait(billing, 4.0, 9);
        let view = st.view(30.0);
        assert_eq!(
            LongestIdleFifo.select_contact(&view, a0),
            Some(ContactChoice::OldestOf(billing))
        );
        assert_eq!(
            LongestIdleFifo.select_contact(&view, t0),
            Some(ContactChoice::OldestOf(tech))
        );
        let waiting: Vec<_> = view.waiting(billing).map(|w| (w.key, w.arrival, w.journey)).collect();
        assert_eq!(waiting, vec![(b, 1.0, 8), (waiting[1].0, 4.0, 9)]);
        assert_eq!(view.queue_len(billing), 2);
        assert_eq!(
            LongestIdleFifo.reoffer_after(
                &view,
                &ContactInfo {
                    key: b,
                    ty: billing,
                    arrival: 1.0,
                    interval: 0,
                    journey: 8,
                    attempt: 0,
                    repeat: 0,
                    routed: false,
                }
            ),
            None
        );
    }

    #[test]
    fn a_free_agent_takes_the_highest_class_first_and_a_credit_reorders_within_a_class() {
        let types = |billing: &str, tech: &str| {
            crate::scenario::for_test(&format!(
                "[simulation]\nhorizon = \"1h\"\n[[contact_types]]\nname = \"billing\"\narrivals = {{ rate = \"1/min\" }}\nhandle_time = {{ dist = \"exponential\", mean = \"3m\" }}\n{billing}\n[[contact_types]]\nname = \"tech\"\narrivals = {{ rate = \"1/min\" }}\nhandle_time = {{ dist = \"exponential\", mean = \"3m\" }}\n{tech}\n[[agent_groups]]\nname = \"all\"\nserves = [\"billing\", \"tech\"]\nheadcount = 1\n"
            ))
        };
        // billing has waited since 1 s, tech since 10 s.
        let pick = |sc: &Scenario| {
            let mut st = ViewState::new(sc);
            let a = st.agent(GroupId(0), 0);
            st.busy(a);
            st.wait(TypeId(1), 10.0, 1);
            st.wait(TypeId(0), 1.0, 2);
            LongestIdleFifo.select_contact(&st.view(30.0), a)
        };
        let (billing, tech) = (ContactChoice::OldestOf(TypeId(0)), ContactChoice::OldestOf(TypeId(1)));
        assert_eq!(pick(&types("", "")), Some(billing), "the oldest");
        assert_eq!(
            pick(&types("", "priority = 1")),
            Some(tech),
            "the higher class, though younger"
        );
        assert_eq!(
            pick(&types("priority = -1", "")),
            Some(tech),
            "a class below the default"
        );
        assert_eq!(
            pick(&types("", "queue_credit = 8")),
            Some(billing),
            "10 − 8 = 2 s is still after 1 s"
        );
        assert_eq!(pick(&types("", "queue_credit = 10")), Some(tech), "10 − 10 = 0 < 1");
        assert_eq!(
            pick(&types("priority = 1", "priority = 1\nqueue_credit = 10")),
            Some(tech),
            "a credit within the same class"
        );
        assert_eq!(
            pick(&types("priority = 1", "queue_credit = 3600")),
            Some(billing),
            "no credit overtakes a higher class"
        );
    }
}
