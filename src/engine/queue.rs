//! A FIFO waiting queue per contact type, with lazy deletion of abandoned contacts.
//!
//! An abandoning contact is not searched for: it leaves the slab, which makes its queue entry
//! stale (a tombstone), and the queue's live count drops. So does a contact taken from the
//! middle of the queue by a policy: it is no longer `Waiting`, and only waiting contacts are
//! live entries. Tombstones are dropped when they
//! reach the front. Invariant after every operation: the front entry, if any, is live, so the
//! head of the queue can be read without mutation (routing views are read-only).

use super::contact::{ContactKey, ContactSlab, ContactState};
use std::collections::VecDeque;

/// One entry: the contact and its arrival time (seconds), the FIFO key.
#[derive(Debug, Clone, Copy)]
pub struct Queued {
    pub key: ContactKey,
    pub arrival: f64,
}

/// Contacts of one type waiting for an agent, oldest first.
#[derive(Debug)]
pub struct WaitQueue {
    entries: VecDeque<Queued>,
    live: u32,
    /// The state of a contact whose entry is live: `Waiting` in a live queue, `Ticket` in a
    /// callback queue.
    state: ContactState,
}

impl WaitQueue {
    pub fn with_capacity(n: usize) -> Self {
        Self {
            entries: VecDeque::with_capacity(n),
            live: 0,
            state: ContactState::Waiting,
        }
    }

    /// A queue of accepted callbacks waiting behind the live queue (their state is `Ticket`).
    pub fn of_tickets(n: usize) -> Self {
        Self {
            state: ContactState::Ticket,
            ..Self::with_capacity(n)
        }
    }

    /// Number of contacts waiting (tombstones excluded).
    #[inline]
    pub fn len(&self) -> u32 {
        self.live
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The oldest waiting contact.
    #[inline]
    pub fn front(&self) -> Option<Queued> {
        self.entries.front().copied()
    }

    #[inline]
    pub fn push(&mut self, q: Queued) {
        self.entries.push_back(q);
        self.live += 1;
    }

    /// Removes and returns the oldest waiting contact.
    #[inline]
    pub fn pop(&mut self, slab: &ContactSlab) -> Option<Queued> {
        let q = self.entries.pop_front()?;
        self.live -= 1;
        self.drop_stale_front(slab);
        Some(q)
    }

    /// Records that one waiting contact left the queue without being popped: it left the slab
    /// (abandoned) or stopped waiting (taken from the middle); either way its entry is stale.
    #[inline]
    pub fn forget_one(&mut self, slab: &ContactSlab) {
        self.live -= 1;
        self.drop_stale_front(slab);
    }

    /// All entries, oldest first, tombstones included (check the slab).
    pub fn entries(&self) -> impl Iterator<Item = Queued> + '_ {
        self.entries.iter().copied()
    }

    #[inline]
    fn drop_stale_front(&mut self, slab: &ContactSlab) {
        while let Some(front) = self.entries.front() {
            if slab.get(front.key).is_some_and(|c| c.state == self.state) {
                break;
            }
            self.entries.pop_front();
        }
    }

    /// Removes the front entry, live or stale, without touching the live count (for closing;
    /// call [`WaitQueue::clear`] afterwards).
    pub fn pop_entry(&mut self) -> Option<Queued> {
        self.entries.pop_front()
    }

    /// Empties the queue; keeps the capacity.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.live = 0;
    }
}
