//! Agents and the per-group rosters that track who is idle, busy or off duty.
//!
//! Agents are dense records in one `Vec`; group `g` owns the contiguous index range
//! `start..start + max_headcount`. Each group keeps its idle agents in a list ordered by the
//! time they became idle (the longest-idle agent at the front) and its off-duty agents in a
//! list used as a stack. Both are intrusive doubly linked lists threaded through the agents'
//! own records ([`AgentList`]): pushing, popping at either end and removing *any* agent cost
//! O(1), with no allocation. Headcount changes are scheduled events: a decrease sends idle
//! agents off duty first (the most recently idle), then marks busy agents to leave when their
//! current contact ends — an agent always finishes the contact in hand.
//!
//! Every change of an agent's status goes through one function, `Engine::set_agent` in the
//! engine module, which keeps the status, the roster counters and the lists in step.

use super::contact::ContactKey;
use super::event::AgentId;
use crate::scenario::GroupId;

/// What an agent is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentStatus {
    /// Not on duty.
    Off,
    /// On duty and free.
    Idle,
    /// Serving `contact`, or doing the after-call work of the contact it served (then
    /// [`Agent::wrapping`]): unavailable either way.
    Busy,
    /// Scheduled but missing — absent, or a vacancy not yet filled (only under
    /// `[workforce]`): counts toward the group's headcount, takes no contacts.
    Away,
}

/// "No agent" in a list link.
const NIL: u32 = u32::MAX;

/// One agent.
#[derive(Debug, Clone, Copy)]
pub struct Agent {
    pub group: GroupId,
    pub status: AgentStatus,
    /// Goes off duty when the current contact ends (headcount was lowered while busy).
    pub leaving: bool,
    /// Doing after-call work (while `Busy`): the contact has gone, the agent is not free yet.
    pub wrapping: bool,
    /// Pausing under its group's occupancy cap (while `Busy`): present, unavailable, and not
    /// working.
    pub pausing: bool,
    /// When the agent last became idle (seconds); meaningful while `Idle`.
    pub idle_since: f64,
    /// The contact in service; meaningful while `Busy`.
    pub contact: ContactKey,
    /// Serial of the current service: bumped each time a service starts or its end is
    /// rescheduled. A service-end event carries the serial it was scheduled under and is
    /// skipped when the agent's serial has moved on.
    pub serial: u32,
    /// Links of the roster list (idle or off) the agent is in.
    prev: u32,
    next: u32,
}

impl Agent {
    /// An off-duty agent of `group` with no contact, in no list.
    pub fn off_duty(group: GroupId) -> Self {
        Agent {
            group,
            status: AgentStatus::Off,
            leaving: false,
            wrapping: false,
            pausing: false,
            idle_since: 0.0,
            contact: ContactKey {
                index: u32::MAX,
                generation: 0,
            },
            serial: 0,
            prev: NIL,
            next: NIL,
        }
    }
}

/// An agent's recent occupancy under its group's cap: an exponentially weighted average of
/// its working time, brought up to date at `at` (seconds).
#[derive(Debug, Clone, Copy, Default)]
pub struct Recent {
    pub occupancy: f64,
    pub at: f64,
}

/// A doubly linked list of agents threaded through [`Agent`] records: O(1) push and pop at
/// both ends and O(1) removal of any member. An agent is in at most one list at a time.
#[derive(Debug, Clone, Copy)]
pub struct AgentList {
    head: u32,
    tail: u32,
    len: u32,
}

impl Default for AgentList {
    fn default() -> Self {
        Self {
            head: NIL,
            tail: NIL,
            len: 0,
        }
    }
}

impl AgentList {
    #[inline]
    pub fn len(&self) -> u32 {
        self.len
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    pub fn front(&self) -> Option<AgentId> {
        (self.head != NIL).then_some(AgentId(self.head))
    }

    #[inline]
    pub fn back(&self) -> Option<AgentId> {
        (self.tail != NIL).then_some(AgentId(self.tail))
    }

    /// Appends `id`, which must be in no list.
    #[inline]
    pub fn push_back(&mut self, agents: &mut [Agent], id: AgentId) {
        let i = id.0;
        agents[i as usize].prev = self.tail;
        agents[i as usize].next = NIL;
        if self.tail == NIL {
            self.head = i;
        } else {
            agents[self.tail as usize].next = i;
        }
        self.tail = i;
        self.len += 1;
    }

    /// Unlinks `id`, which must be in this list. O(1).
    #[inline]
    pub fn remove(&mut self, agents: &mut [Agent], id: AgentId) {
        let (prev, next) = (agents[id.index()].prev, agents[id.index()].next);
        if prev == NIL {
            debug_assert_eq!(self.head, id.0, "agent {} is not in this list", id.0);
            self.head = next;
        } else {
            agents[prev as usize].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            agents[next as usize].prev = prev;
        }
        agents[id.index()].prev = NIL;
        agents[id.index()].next = NIL;
        self.len -= 1;
    }

    /// Members from front to back.
    pub fn iter<'a>(&self, agents: &'a [Agent]) -> impl Iterator<Item = AgentId> + 'a {
        Self::walk(self.head, agents, |a| a.next)
    }

    /// Members from back to front.
    pub fn iter_back<'a>(&self, agents: &'a [Agent]) -> impl Iterator<Item = AgentId> + 'a {
        Self::walk(self.tail, agents, |a| a.prev)
    }

    /// Members from `at` along the link `step` gives.
    fn walk(mut at: u32, agents: &[Agent], step: fn(&Agent) -> u32) -> impl Iterator<Item = AgentId> + '_ {
        std::iter::from_fn(move || {
            (at != NIL).then(|| {
                let id = AgentId(at);
                at = step(&agents[at as usize]);
                id
            })
        })
    }

    /// Forgets every member (their links are reset by the caller).
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

/// A chat session in a slot whose agent shares its time between sessions (processor sharing);
/// kept apart from [`Agent`] so that agents that do not share stay small.
#[derive(Debug, Clone, Copy)]
pub struct Share {
    /// The session's remaining work at one session, seconds, as of `since`.
    pub work: f64,
    /// When `work` was last brought up to date, seconds.
    pub since: f64,
    /// The slowdown `1 + α·(c − 1)` the session has run at since `since`.
    pub pace: f64,
    /// The agent's number of sessions `c` since `since`.
    pub concurrency: u32,
    /// ∫ c dt from the session's start to `since`, session-seconds.
    pub area: f64,
    /// When the session started, seconds.
    pub start: f64,
    /// The session has started but its end is not scheduled yet (the sharing sets it).
    pub pending: bool,
}

impl Share {
    /// The agent's time-averaged number of sessions over this session, up to `now`.
    pub fn mean_concurrency(&self, now: f64) -> f64 {
        let area = self.area + (now - self.since) * f64::from(self.concurrency);
        if now > self.start {
            area / (now - self.start)
        } else {
            f64::from(self.concurrency)
        }
    }
}

impl Default for Share {
    fn default() -> Self {
        Self {
            work: 0.0,
            since: 0.0,
            pace: 1.0,
            concurrency: 1,
            area: 0.0,
            start: 0.0,
            pending: false,
        }
    }
}

/// Duty bookkeeping for one group.
#[derive(Debug, Default)]
pub struct Roster {
    /// First agent index of the group.
    pub start: u32,
    /// Number of agent records the group owns (its largest headcount).
    pub size: u32,
    /// Idle agents, longest idle first.
    pub idle: AgentList,
    /// Off-duty agents; the back comes on duty first.
    pub off: AgentList,
    /// Scheduled agents who are away (absent, or a vacancy); they go off duty first when the
    /// headcount falls.
    pub away: AgentList,
    /// Agents serving a contact (including those leaving afterwards).
    pub busy: u32,
    /// Busy agents marked to leave after their contact.
    pub leaving: u32,
    /// Busy agents doing after-call work (counted in `busy` too).
    pub wrapping: u32,
    /// Busy agents pausing under the occupancy cap (counted in `busy` too).
    pub pausing: u32,
    /// Departures owed under the first-free leave rule: the next this many agents to finish
    /// a contact leave.
    pub owed: u32,
}

impl Roster {
    pub fn new(start: u32, size: u32) -> Self {
        Self {
            start,
            size,
            ..Self::default()
        }
    }

    /// Agents present: idle plus busy (including those leaving after their contact).
    #[inline]
    pub fn present(&self) -> u32 {
        self.idle.len() + self.busy
    }

    /// Agents that will stay on duty: present minus those leaving and the departures owed,
    /// plus the scheduled agents who are away.
    #[inline]
    pub fn committed(&self) -> u32 {
        self.present() + self.away.len() - self.leaving - self.owed
    }

    /// Puts every agent of the group off duty, ready for a new replication.
    pub fn reset(&mut self, agents: &mut [Agent], group: GroupId) {
        self.idle.clear();
        self.off.clear();
        self.away.clear();
        self.busy = 0;
        self.leaving = 0;
        self.wrapping = 0;
        self.pausing = 0;
        self.owed = 0;
        // Reverse order so that agents come on duty lowest index first.
        for i in (self.start..self.start + self.size).rev() {
            agents[i as usize] = Agent::off_duty(group);
            self.off.push_back(agents, AgentId(i));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_member_of_an_agent_list_leaves_it_in_constant_time_and_order_is_kept() {
        let mut agents = vec![Agent::off_duty(GroupId(0)); 5];
        let mut list = AgentList::default();
        for i in [3, 0, 4, 1, 2] {
            list.push_back(&mut agents, AgentId(i));
        }
        list.remove(&mut agents, AgentId(4)); // middle
        list.remove(&mut agents, AgentId(3)); // front
        list.remove(&mut agents, AgentId(2)); // back
        assert_eq!(list.iter(&agents).collect::<Vec<_>>(), [AgentId(0), AgentId(1)]);
        assert_eq!(
            (list.front(), list.back(), list.len()),
            (Some(AgentId(0)), Some(AgentId(1)), 2)
        );
        list.push_back(&mut agents, AgentId(4));
        assert_eq!(
            list.iter(&agents).collect::<Vec<_>>(),
            [AgentId(0), AgentId(1), AgentId(4)]
        );
        list.remove(&mut agents, AgentId(0));
        list.remove(&mut agents, AgentId(1));
        list.remove(&mut agents, AgentId(4));
        assert!(list.is_empty() && list.front().is_none() && list.back().is_none());
    }
}
