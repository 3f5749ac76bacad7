//! Agents and the per-group rosters that track who is idle, busy or off duty.
//!
//! Agents are dense records in one `Vec`; group `g` owns the contiguous index range
//! `start..start + max_headcount`. Each group keeps its idle agents in a deque ordered by the
//! time they became idle, so the longest-idle agent is at the front (O(1)). Headcount changes
//! are scheduled events: a decrease sends idle agents off duty first (the most recently idle),
//! then marks busy agents to leave when their current contact ends — an agent always finishes
//! the contact in hand.

use super::contact::ContactKey;
use super::event::AgentId;
use crate::scenario::GroupId;
use std::collections::VecDeque;

/// What an agent is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentStatus {
    /// Not on duty.
    Off,
    /// On duty and free.
    Idle,
    /// Serving `contact`.
    Busy,
}

/// One agent.
#[derive(Debug, Clone, Copy)]
pub struct Agent {
    pub group: GroupId,
    pub status: AgentStatus,
    /// Goes off duty when the current contact ends (headcount was lowered while busy).
    pub leaving: bool,
    /// When the agent last became idle (seconds); meaningful while `Idle`.
    pub idle_since: f64,
    /// The contact in service; meaningful while `Busy`.
    pub contact: ContactKey,
}

impl Agent {
    /// An off-duty agent of `group` with no contact.
    pub fn off_duty(group: GroupId) -> Self {
        Agent {
            group,
            status: AgentStatus::Off,
            leaving: false,
            idle_since: 0.0,
            contact: ContactKey {
                index: u32::MAX,
                generation: 0,
            },
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
    pub idle: VecDeque<AgentId>,
    /// Off-duty agents, taken from the back.
    pub off: Vec<AgentId>,
    /// Agents serving a contact (including those leaving afterwards).
    pub busy: u32,
    /// Busy agents marked to leave after their contact.
    pub leaving: u32,
}

impl Roster {
    pub fn new(start: u32, size: u32) -> Self {
        Self {
            start,
            size,
            idle: VecDeque::with_capacity(size as usize),
            off: Vec::with_capacity(size as usize),
            busy: 0,
            leaving: 0,
        }
    }

    /// Agents present: idle plus busy (including those leaving after their contact).
    #[inline]
    pub fn present(&self) -> u32 {
        self.idle.len() as u32 + self.busy
    }

    /// Agents that will stay on duty: present minus those leaving.
    #[inline]
    pub fn committed(&self) -> u32 {
        self.present() - self.leaving
    }

    /// Puts every agent of the group off duty, ready for a new replication.
    pub fn reset(&mut self, agents: &mut [Agent], group: GroupId) {
        self.idle.clear();
        self.off.clear();
        self.busy = 0;
        self.leaving = 0;
        // Reverse order so that agents come on duty lowest index first.
        for i in (self.start..self.start + self.size).rev() {
            agents[i as usize] = Agent::off_duty(group);
            self.off.push(AgentId(i));
        }
    }

    /// Removes `id` from the idle deque (front and back in O(1); elsewhere O(idle)).
    #[inline]
    pub fn take_idle(&mut self, id: AgentId) -> bool {
        if self.idle.front() == Some(&id) {
            self.idle.pop_front();
            true
        } else if self.idle.back() == Some(&id) {
            self.idle.pop_back();
            true
        } else if let Some(pos) = self.idle.iter().position(|a| *a == id) {
            self.idle.remove(pos);
            true
        } else {
            false
        }
    }
}
