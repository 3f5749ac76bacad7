//! Scheduled events and the future-event list: a four-ary heap ordered by `(time, rank, seq)`.
//!
//! * `time` — seconds, compared with `f64::total_cmp`;
//! * `rank` — a fixed precedence between event kinds at equal times (table on [`EventKind`]);
//! * `seq`  — a per-replication insertion counter: FIFO among otherwise equal events.
//!
//! The three are packed into one `u128` key: the IEEE-754 bits of a non-negative `f64` order
//! exactly like the number itself when read as an unsigned integer, so
//! `(time.to_bits() << 64) | (rank << 56) | seq` compares in one integer comparison, the same
//! order as `(time.total_cmp, rank, seq)`. Simulated times are never negative (checked in debug
//! builds); this made the heap's sift loops about a third cheaper than comparing with
//! `total_cmp` and then the tie fields.
//!
//! An event is 24 bytes: the key as two `u64` halves and one 64-bit payload; the rank doubles
//! as the kind's tag (see [`EventKind`]).
//!
//! The heap is four-ary rather than binary: half as many levels for the same number of
//! events, and a removal moves the hole down the levels choosing the least of up to four
//! children, then lifts the last event back up from the bottom (it usually stays there: it
//! was a leaf). Keys are unique, so any heap layout pops the same events in the same order.
//!
//! There is no random tie-breaking, so a replication is a pure function of its seeds. Only
//! *scheduled* events go on the heap; decisions (routing, an agent taking the next contact) run
//! inside the handler that caused them. Timers are cancelled lazily: they carry a
//! [`ContactKey`] and are skipped when popped if the contact has moved on.

use super::contact::ContactKey;
use crate::scenario::TypeId;

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
/// | 1    | `Interval`       | statistics switch before anything else new at t                   |
/// | 2    | `Staffing`       | headcounts change before new arrivals at t                        |
/// | 3    | `Abandon`        | a contact leaves before a new arrival at t could take its place   |
/// | 4    | `Reoffer`        | a waiting contact is offered again before new arrivals at t       |
/// | 5    | `Retry`          | a journey's next attempt, before a new journey's arrival at t     |
/// | 6    | `Arrival`        |                                                                   |
/// | 7    | `Close`          | the horizon: after everything else at the closing instant         |
/// | 8    | `Shut`           | a type's line closes: after the horizon's own rule at that instant |
/// | 9    | `Step`           | a contact's time in a self-service node is over                   |
/// | 10   | `Offer`          | a waiting contact has waited long enough to be offered a callback |
/// | 11   | `Day`            | a day ends: after everything else at midnight                     |
///
/// The rank is also the event's tag: an [`Event`] stores the rank in its key and one 64-bit
/// payload, and the kind is decoded from the two, so an event takes 24 bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EventKind {
    /// `agent` finishes the service it started under `serial` (skipped if the agent's service
    /// serial has moved on: the service ended otherwise or was rescheduled).
    ServiceEnd { agent: AgentId, serial: u32 },
    /// Interval `index` starts: statistics roll over.
    Interval { index: u32 },
    /// The `index`-th time at which some group's headcount changes (the engine's staffing
    /// plan): every group is brought to its headcount from then on, in group order.
    Staffing { index: u32 },
    /// `contact`'s patience runs out (skipped if it is no longer waiting).
    Abandon { contact: ContactKey },
    /// `contact` is offered to the policy again, as the policy asked (skipped if it is no
    /// longer waiting).
    Reoffer { contact: ContactKey },
    /// `contact` (away between attempts) tries again.
    Retry { contact: ContactKey },
    /// The next contact of type `ty` arrives.
    Arrival { ty: TypeId },
    /// The horizon: arrivals stop and the closing rule applies.
    Close,
    /// Type `ty`'s line closes for the day and its waiting contacts are sent away (its
    /// opening hours say `at_close = "clear"`).
    Shut { ty: TypeId },
    /// `contact`'s time in its self-service node is over: the node decides where it goes.
    Step { contact: ContactKey },
    /// `contact` has waited its type's `offer_waited`: a callback is offered (skipped if it is
    /// no longer waiting, or was offered one already).
    Offer { contact: ContactKey },
    /// Clock day `index` ends (under `[workforce]`): each agent's strain takes the day in,
    /// quits and hires are decided.
    Day { index: u32 },
}

/// Rank of [`EventKind::Arrival`] (see the table on [`EventKind`]).
pub const ARRIVAL_RANK: u8 = 6;

impl EventKind {
    /// Tie precedence; see the table on [`EventKind`].
    #[inline]
    pub fn rank(&self) -> u8 {
        match self {
            EventKind::ServiceEnd { .. } => 0,
            EventKind::Interval { .. } => 1,
            EventKind::Staffing { .. } => 2,
            EventKind::Abandon { .. } => 3,
            EventKind::Reoffer { .. } => 4,
            EventKind::Retry { .. } => 5,
            EventKind::Arrival { .. } => ARRIVAL_RANK,
            EventKind::Close => 7,
            EventKind::Shut { .. } => 8,
            EventKind::Step { .. } => 9,
            EventKind::Offer { .. } => 10,
            EventKind::Day { .. } => 11,
        }
    }

    #[inline]
    fn payload(&self) -> u64 {
        match *self {
            EventKind::ServiceEnd { agent, serial } => (u64::from(agent.0) << 32) | u64::from(serial),
            EventKind::Interval { index } | EventKind::Staffing { index } | EventKind::Day { index } => {
                u64::from(index)
            }
            EventKind::Abandon { contact }
            | EventKind::Reoffer { contact }
            | EventKind::Retry { contact }
            | EventKind::Step { contact }
            | EventKind::Offer { contact } => (u64::from(contact.index) << 32) | u64::from(contact.generation),
            EventKind::Arrival { ty } | EventKind::Shut { ty } => u64::from(ty.0),
            EventKind::Close => 0,
        }
    }

    #[inline]
    fn decode(rank: u8, payload: u64) -> Self {
        let (hi, lo) = ((payload >> 32) as u32, payload as u32);
        let contact = ContactKey {
            index: hi,
            generation: lo,
        };
        match rank {
            0 => EventKind::ServiceEnd {
                agent: AgentId(hi),
                serial: lo,
            },
            1 => EventKind::Interval { index: lo },
            2 => EventKind::Staffing { index: lo },
            3 => EventKind::Abandon { contact },
            4 => EventKind::Reoffer { contact },
            5 => EventKind::Retry { contact },
            ARRIVAL_RANK => EventKind::Arrival { ty: TypeId(lo as u16) },
            8 => EventKind::Shut { ty: TypeId(lo as u16) },
            9 => EventKind::Step { contact },
            10 => EventKind::Offer { contact },
            11 => EventKind::Day { index: lo },
            _ => EventKind::Close,
        }
    }
}

/// The ordering key of an event: the time's bits (high 64), `rank` (next 8) and `seq` (low 56);
/// see the module docs. Keys are unique within a replication (seq is), so they order events
/// totally.
pub type Key = u128;

/// The key of no event: later than every real key.
pub const NO_KEY: Key = u128::MAX;

/// The time (seconds) held in `key`.
#[inline]
pub fn key_time(key: Key) -> f64 {
    f64::from_bits((key >> 64) as u64)
}

/// A scheduled event: its key as two 64-bit halves (so the struct is 8-byte aligned and 24
/// bytes long) and the kind's payload.
#[derive(Debug, Clone, Copy)]
pub struct Event {
    time_bits: u64,
    order: u64,
    payload: u64,
}

impl Event {
    /// When the event happens, seconds.
    #[inline]
    pub fn time(&self) -> f64 {
        f64::from_bits(self.time_bits)
    }

    /// The tie rank of this event.
    pub fn rank(&self) -> u8 {
        (self.order >> 56) as u8
    }

    /// The insertion number of this event within its replication.
    pub fn seq(&self) -> u64 {
        self.order & SEQ_MASK
    }

    /// What happens.
    #[inline]
    pub fn kind(&self) -> EventKind {
        EventKind::decode(self.rank(), self.payload)
    }

    /// The ordering key (see [`Key`]).
    #[inline]
    pub fn key(&self) -> Key {
        (u128::from(self.time_bits) << 64) | u128::from(self.order)
    }
}

const SEQ_MASK: u64 = (1 << 56) - 1;

/// Children per slot of the event heap.
const ARITY: usize = 4;

/// Which of slots `a` and `b` holds the earlier event.
#[inline(always)]
fn least_of(heap: &[Event], a: usize, b: usize) -> usize {
    if heap[b].key() < heap[a].key() { b } else { a }
}

/// The future-event list. `clear` keeps its capacity, so a reused queue does not allocate.
///
/// Keys can also be drawn without putting an event on the heap ([`EventQueue::key`]): the
/// engine keeps each contact type's next arrival off the heap under such a key and compares it
/// with [`EventQueue::peek_key`], which orders it exactly as if it were on the heap.
#[derive(Debug, Default)]
pub struct EventQueue {
    /// A four-ary min-heap on [`Event::key`]: the children of slot `i` are `4i + 1 ..= 4i + 4`.
    heap: Vec<Event>,
    next_seq: u64,
    peak: usize,
}

impl EventQueue {
    pub fn with_capacity(n: usize) -> Self {
        Self {
            heap: Vec::with_capacity(n),
            next_seq: 0,
            peak: 0,
        }
    }

    /// A fresh key for an event of `rank` at `time` (seconds): the next sequence number is
    /// used up, exactly as [`EventQueue::push`] would.
    #[inline]
    pub fn key(&mut self, time: f64, rank: u8) -> Key {
        debug_assert!(time.is_finite() && time >= 0.0, "event time {time}");
        // `+ 0.0` turns a -0.0 into +0.0, whose bits order correctly.
        let order = (u64::from(rank) << 56) | (self.next_seq & SEQ_MASK);
        self.next_seq += 1;
        (u128::from((time + 0.0).to_bits()) << 64) | u128::from(order)
    }

    /// Schedules `kind` at `time` (seconds). Cost O(log n).
    #[inline]
    pub fn push(&mut self, time: f64, kind: EventKind) {
        let key = self.key(time, kind.rank());
        let event = Event {
            time_bits: (key >> 64) as u64,
            order: key as u64,
            payload: kind.payload(),
        };
        let hole = self.heap.len();
        self.heap.push(event);
        self.lift(hole, event);
        self.peak = self.peak.max(self.heap.len());
    }

    /// Removes and returns the earliest event.
    #[inline(always)] // once per event, from each engine type's loop
    pub fn pop(&mut self) -> Option<Event> {
        let last = self.heap.pop()?;
        let Some(&first) = self.heap.first() else {
            return Some(last);
        };
        // Move the hole at the root down to a leaf, each step to the least child ...
        let heap = self.heap.as_mut_slice();
        let n = heap.len();
        let mut hole = 0;
        loop {
            let child = ARITY * hole + 1;
            let least = if child + ARITY <= n {
                let (a, b) = (least_of(heap, child, child + 1), least_of(heap, child + 2, child + 3));
                least_of(heap, a, b)
            } else if child < n {
                (child + 1..n).fold(child, |m, c| least_of(heap, m, c))
            } else {
                break;
            };
            heap[hole] = heap[least];
            hole = least;
        }
        // ... and put the last event there, lifted to its place.
        self.lift(hole, last);
        Some(first)
    }

    /// Puts `event` in the heap's slot `hole` (whose content is dropped) or above it, moving
    /// the parents that are later than it down.
    #[inline(always)]
    fn lift(&mut self, mut hole: usize, event: Event) {
        let heap = self.heap.as_mut_slice();
        let key = event.key();
        while hole > 0 {
            let parent = (hole - 1) / ARITY;
            if heap[parent].key() < key {
                break;
            }
            heap[hole] = heap[parent];
            hole = parent;
        }
        heap[hole] = event;
    }

    /// The key of the earliest event, or [`NO_KEY`] if there is none.
    #[inline]
    pub fn peek_key(&self) -> Key {
        self.heap.first().map_or(NO_KEY, Event::key)
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// The most events pending at once since the last [`EventQueue::clear`].
    pub fn peak_len(&self) -> usize {
        self.peak
    }

    /// Events the heap can hold without reallocating.
    pub fn capacity(&self) -> usize {
        self.heap.capacity()
    }

    /// Drops every event for which `keep` is false, in O(n). The pop order of the events kept
    /// is unchanged: keys are unique, so the heap pops them in key order whatever its layout.
    /// Returns the number dropped.
    pub fn retain(&mut self, mut keep: impl FnMut(&EventKind) -> bool) -> usize {
        let before = self.heap.len();
        self.heap.retain(|e| keep(&e.kind()));
        // Rebuild: lift every event in turn into the heap of those before it.
        for i in 1..self.heap.len() {
            let event = self.heap[i];
            self.lift(i, event);
        }
        before - self.heap.len()
    }

    /// Empties the queue and restarts the sequence counter; keeps the capacity.
    pub fn clear(&mut self) {
        self.heap.clear();
        self.next_seq = 0;
        self.peak = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_keys_order_like_the_times_they_hold() {
        let times: [f64; 7] = [0.0, 1e-300, 0.5, 1.0, 1.0000000000000002, 3.5e6, 1e300];
        for w in times.windows(2) {
            assert!(w[0].to_bits() < w[1].to_bits(), "{} vs {}", w[0], w[1]);
        }
        let mut q = EventQueue::with_capacity(4);
        q.push(2.5, EventKind::Close);
        assert_eq!(q.pop().map(|e| (e.time(), e.rank(), e.seq())), Some((2.5, 7, 0)));
    }

    #[test]
    fn events_pop_by_time_then_rank_then_insertion_order() {
        let mut q = EventQueue::with_capacity(8);
        q.push(2.0, EventKind::Close);
        q.push(1.0, EventKind::Arrival { ty: TypeId(0) });
        q.push(1.0, EventKind::Interval { index: 1 });
        q.push(1.0, EventKind::Arrival { ty: TypeId(1) });
        q.push(0.5, EventKind::Arrival { ty: TypeId(2) });
        let order: Vec<EventKind> = std::iter::from_fn(|| q.pop()).map(|e| e.kind()).collect();
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

    #[test]
    fn an_event_is_24_bytes_and_every_kind_survives_its_encoding() {
        assert_eq!(std::mem::size_of::<Event>(), 24);
        let kinds = [
            EventKind::ServiceEnd {
                agent: AgentId(u32::MAX - 1),
                serial: 7,
            },
            EventKind::Interval { index: 123_456 },
            EventKind::Staffing { index: 17 },
            EventKind::Abandon {
                contact: ContactKey {
                    index: 9,
                    generation: u32::MAX,
                },
            },
            EventKind::Reoffer {
                contact: ContactKey {
                    index: u32::MAX,
                    generation: 3,
                },
            },
            EventKind::Retry {
                contact: ContactKey {
                    index: 7,
                    generation: u32::MAX,
                },
            },
            EventKind::Arrival { ty: TypeId(65_535) },
            EventKind::Close,
        ];
        let mut q = EventQueue::with_capacity(8);
        for (i, k) in kinds.iter().enumerate() {
            q.push(i as f64, *k);
        }
        let back: Vec<EventKind> = std::iter::from_fn(|| q.pop()).map(|e| e.kind()).collect();
        assert_eq!(back, kinds);
    }

    #[test]
    fn compaction_drops_only_what_it_is_told_and_keeps_the_pop_order() {
        let mut rng = crate::rng::stream(5, 0, crate::rng::StreamId::new(crate::rng::Source::Arrivals, 0));
        let (mut all, mut kept) = (EventQueue::with_capacity(64), EventQueue::with_capacity(64));
        for i in 0..2000u32 {
            // Many equal times, so rank and seq decide most of the order.
            let t = f64::from(rand::Rng::random_range(&mut rng, 0..50u32));
            let kind = if i % 3 == 0 {
                EventKind::Abandon {
                    contact: ContactKey {
                        index: i,
                        generation: 0,
                    },
                }
            } else {
                EventKind::Interval { index: i }
            };
            all.push(t, kind);
            kept.push(t, kind);
        }
        let dropped = kept.retain(|k| !matches!(k, EventKind::Abandon { .. }));
        assert_eq!(dropped, 667);
        let expect: Vec<(u128, EventKind)> = std::iter::from_fn(|| all.pop())
            .filter(|e| !matches!(e.kind(), EventKind::Abandon { .. }))
            .map(|e| (e.key(), e.kind()))
            .collect();
        let got: Vec<(u128, EventKind)> = std::iter::from_fn(|| kept.pop()).map(|e| (e.key(), e.kind())).collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn pushes_and_pops_interleaved_come_out_in_key_order() {
        let mut rng = crate::rng::stream(7, 0, crate::rng::StreamId::new(crate::rng::Source::Arrivals, 1));
        let mut q = EventQueue::with_capacity(4);
        let mut expect = std::collections::BTreeSet::new();
        let (mut now, mut pushes, mut longest) = (0u32, 0u64, 0);
        for round in 0..20_000u32 {
            // Grow to a few hundred events, then drain, by turns; equal times are common.
            let push_odds = if (round / 2_500) % 2 == 0 { 6 } else { 3 };
            if rand::Rng::random_range(&mut rng, 0..10u32) < push_odds {
                let t = f64::from(now + rand::Rng::random_range(&mut rng, 0..400u32));
                q.push(t, EventKind::Interval { index: round });
                expect.insert((u128::from(t.to_bits()) << 64) | u128::from((1u64 << 56) | pushes));
                pushes += 1;
            } else if let Some(e) = q.pop() {
                assert_eq!(Some(e.key()), expect.pop_first(), "round {round}");
                now = e.time() as u32;
            }
            assert_eq!(q.peek_key(), expect.first().copied().unwrap_or(NO_KEY));
            longest = longest.max(q.len());
        }
        assert!(longest > 500, "the heap reached {longest} events");
    }

    #[test]
    fn a_key_drawn_off_the_heap_orders_like_a_pushed_event() {
        let mut q = EventQueue::with_capacity(4);
        q.push(1.0, EventKind::Close);
        let arrival = q.key(1.0, ARRIVAL_RANK);
        q.push(1.0, EventKind::Interval { index: 1 });
        // At t = 1: Interval (rank 1) < Arrival (rank 3) < Close (rank 4).
        assert!(q.peek_key() < arrival);
        q.pop();
        assert!(arrival < q.peek_key());
        assert_eq!(key_time(arrival), 1.0);
    }
}
