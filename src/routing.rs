//! Routing: which idle agent takes a contact that becomes ready, and which waiting contact an
//! agent takes when it becomes free — the two decisions of ContactCenters' `Router`.
//!
//! A [`RoutingPolicy`] returns decisions; the engine applies them. It sees the system through a
//! read-only [`View`], so a policy can be unit-tested against a hand-built state. The engine is
//! generic over the policy (`Engine<P: RoutingPolicy>`), so built-in and user-written policies
//! cost a direct, inlinable call per decision. Built-in policies sit behind the [`Policy`] enum.

use crate::engine::agent::{Agent, AgentStatus, Roster};
use crate::engine::event::AgentId;
use crate::engine::queue::WaitQueue;
use crate::scenario::{GroupId, Scenario, TypeId};

/// A routing policy. Decisions must be deterministic functions of the view and the policy's
/// own state (no unseeded randomness), or replications stop being reproducible.
pub trait RoutingPolicy {
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
}

/// A read-only view of the system for routing decisions.
pub struct View<'a> {
    pub(crate) now: f64,
    pub(crate) scenario: &'a Scenario,
    pub(crate) agents: &'a [Agent],
    pub(crate) rosters: &'a [Roster],
    pub(crate) queues: &'a [WaitQueue],
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

    /// Number of contacts of type `ty` waiting.
    #[inline]
    pub fn queue_len(&self, ty: TypeId) -> u32 {
        self.queues[ty.index()].len()
    }

    /// Arrival time of the oldest contact of type `ty` waiting.
    #[inline]
    pub fn oldest_waiting(&self, ty: TypeId) -> Option<f64> {
        self.queues[ty.index()].front().map(|q| q.arrival)
    }
}

/// Global FIFO with longest-idle agent selection: a ready contact goes to the agent idle
/// longest among all groups serving it (ties: the group listed first); a free agent takes the
/// contact waiting longest among the types its group serves (ties: the type listed first).
#[derive(Debug, Clone, Copy, Default)]
pub struct LongestIdleFifo;

impl RoutingPolicy for LongestIdleFifo {
    #[inline]
    fn select_agent(&mut self, view: &View<'_>, ty: TypeId, _arrival: f64) -> Option<AgentId> {
        let mut best: Option<(AgentId, f64)> = None;
        for &g in view.groups_serving(ty) {
            if let Some((a, since)) = view.longest_idle(g)
                && best.is_none_or(|(_, b)| since < b)
            {
                best = Some((a, since));
            }
        }
        best.map(|(a, _)| a)
    }

    #[inline]
    fn select_queue(&mut self, view: &View<'_>, agent: AgentId) -> Option<TypeId> {
        let mut best: Option<(TypeId, f64)> = None;
        for &ty in view.types_served(view.group_of(agent)) {
            if let Some(arrival) = view.oldest_waiting(ty)
                && best.is_none_or(|(_, b)| arrival < b)
            {
                best = Some((ty, arrival));
            }
        }
        best.map(|(t, _)| t)
    }
}

/// The built-in policies, chosen by name in a scenario.
#[derive(Debug, Clone, Copy, Default)]
pub enum Policy {
    /// See [`LongestIdleFifo`].
    #[default]
    LongestIdleFifo,
}

impl RoutingPolicy for Policy {
    #[inline]
    fn select_agent(&mut self, view: &View<'_>, ty: TypeId, arrival: f64) -> Option<AgentId> {
        match self {
            Policy::LongestIdleFifo => LongestIdleFifo.select_agent(view, ty, arrival),
        }
    }

    #[inline]
    fn select_queue(&mut self, view: &View<'_>, agent: AgentId) -> Option<TypeId> {
        match self {
            Policy::LongestIdleFifo => LongestIdleFifo.select_queue(view, agent),
        }
    }
}
