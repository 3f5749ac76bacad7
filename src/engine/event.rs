//! Scheduled events and the future-event list: a binary heap ordered by `(time, rank, seq)`.
//!
//! * `time` — seconds, compared with `f64::total_cmp`;
//! * `rank` — a fixed precedence between event kinds at equal times (table on [`EventKind`]);
//! * `seq`  — a per-replication insertion counter: FIFO among otherwise equal events.
//!
//! There is no random tie-breaking, so a replication is a pure function of its seeds. Only
//! *scheduled* events go on the heap; decisions (routing, an agent taking the next contact) run
//! inside the handler that caused them. Timers are cancelled lazily: they carry a
//! [`ContactKey`] and are skipped when popped if the contact has moved on.

use super::contact::ContactKey;
use crate::scenario::TypeId;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Index of an agent in the engine's agent table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AgentId(pub u32);

impl AgentId {
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What happens at an event. Ties at equal times are broken by rank, lowest first:
///
/// | rank | kind             | why this order                                                    |
/// |------|------------------|-------------------------------------------------------------------|
/// | 0    | `ServiceEnd`     | an agent freed at t can take a contact whose patience ends at t  |
/// | 1    | `Interval`       | staffing and statistics switch before new arrivals at t           |
/// | 2    | `Abandon`        | a contact leaves before a new arrival at t could take its place   |
/// | 3    | `Arrival`        |                                                                   |
/// | 4    | `Close`          | the horizon: after everything else at the closing instant         |
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EventKind {
    /// `agent` finishes serving `contact`.
    ServiceEnd { agent: AgentId, contact: ContactKey },
    /// Interval `index` starts: staffing changes, statistics roll over.
    Interval { index: u32 },
    /// `contact`'s patience runs out (skipped if it is no longer waiting).
    Abandon { contact: ContactKey },
    /// The next contact of type `ty` arrives.
    Arrival { ty: TypeId },
    /// The horizon: arrivals stop and the closing rule applies.
    Close,
}

impl EventKind {
    /// Tie precedence; see the table on [`EventKind`].
    #[inline]
    pub fn rank(&self) -> u8 {
        match self {
            EventKind::ServiceEnd { .. } => 0,
            EventKind::Interval { .. } => 1,
            EventKind::Abandon { .. } => 2,
            EventKind::Arrival { .. } => 3,
            EventKind::Close => 4,
        }
    }
}

/// A scheduled event. `order` packs `rank` (top 8 bits) and `seq` (low 56 bits).
#[derive(Debug, Clone, Copy)]
pub struct Event {
    pub time: f64,
    order: u64,
    pub kind: EventKind,
}

impl Event {
    /// The tie rank of this event.
    pub fn rank(&self) -> u8 {
        (self.order >> 56) as u8
    }

    /// The insertion number of this event within its replication.
    pub fn seq(&self) -> u64 {
        self.order & SEQ_MASK
    }
}

const SEQ_MASK: u64 = (1 << 56) - 1;

impl PartialEq for Event {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Event {}
impl PartialOrd for Event {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Event {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest `(time, rank, seq)` first.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .time
            .total_cmp(&self.time)
            .then_with(|| other.order.cmp(&self.order))
    }
}

/// The future-event list. `clear` keeps its capacity, so a reused queue does not allocate.
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Event>,
    next_seq: u64,
}

impl EventQueue {
    pub fn with_capacity(n: usize) -> Self {
        Self {
            heap: BinaryHeap::with_capacity(n),
            next_seq: 0,
        }
    }

    /// Schedules `kind` at `time` (seconds). Cost O(log n).
    #[inline]
    pub fn push(&mut self, time: f64, kind: EventKind) {
        debug_assert!(time.is_finite());
        let order = (u64::from(kind.rank()) << 56) | (self.next_seq & SEQ_MASK);
        self.next_seq += 1;
        self.heap.push(Event { time, order, kind });
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<Event> {
        self.heap.pop()
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Empties the queue and restarts the sequence counter; keeps the capacity.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.next_seq = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_pop_by_time_then_rank_then_insertion_order() {
        let mut q = EventQueue::with_capacity(8);
        q.push(2.0, EventKind::Close);
        q.push(1.0, EventKind::Arrival { ty: TypeId(0) });
        q.push(1.0, EventKind::Interval { index: 1 });
        q.push(1.0, EventKind::Arrival { ty: TypeId(1) });
        q.push(0.5, EventKind::Arrival { ty: TypeId(2) });
        let order: Vec<EventKind> = std::iter::from_fn(|| q.pop()).map(|e| e.kind).collect();
        assert_eq!(
            order,
            vec![
                EventKind::Arrival { ty: TypeId(2) },
                EventKind::Interval { index: 1 },
                EventKind::Arrival { ty: TypeId(0) },
                EventKind::Arrival { ty: TypeId(1) },
                EventKind::Close,
            ]
        );
    }
}
