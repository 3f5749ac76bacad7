//! Contacts in flight, kept in a slab: dense slots reused through a free list, each with a
//! generation counter so that stale keys (in timers, in queue tombstones) are recognised.
//!
//! A contact's intrinsic randomness — patience and base handle time — is drawn once, at its
//! arrival, from its type's streams (common random numbers).

use crate::rng::Substream;
use crate::scenario::TypeId;

/// A handle to a contact: slot index plus the slot's generation when the contact was created.
/// A key whose generation no longer matches its slot refers to a contact that is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContactKey {
    pub index: u32,
    pub generation: u32,
}

/// Where a contact is in its life. Only live states are stored; a contact that is done,
/// abandoned, blocked or cleared leaves the slab.
///
/// ```text
///  arrival ──► [routing] ──► InService ──► (service end: done)
///                 │              ▲
///                 ▼              │ an agent frees and selects it
///              Waiting ──────────┘
///                 │
///                 ├──► abandoned (patience ran out) ──┐
///                 └──► cleared   (closing = "clear")   │ retrial: Away ──► arrival again
///  arrival with a full queue ──► blocked ──────────────┘   (a new key, the same journey)
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactState {
    Waiting,
    InService,
    /// Between attempts: the customer abandoned or was blocked and will try again.
    Away,
    /// In the self-service graph, at node `Contact::node`.
    InIvr,
    /// An accepted callback waiting in its type's callback queue, behind the live queue.
    Ticket,
}

/// A live contact.
#[derive(Debug, Clone, Copy)]
pub struct Contact {
    pub ty: TypeId,
    pub state: ContactState,
    /// Arrival time, seconds.
    pub arrival: f64,
    /// Patience (seconds) drawn at arrival; `f64::INFINITY` if it never abandons.
    pub patience: f64,
    /// Base handle time (seconds) drawn at arrival.
    pub handle: f64,
    /// Reporting interval of the arrival.
    pub interval: u32,
    /// The customer journey this contact belongs to (unique within a replication).
    pub journey: u64,
    /// The journey's attempt this contact is: 0 for the first, 1 for the first retry, …
    pub attempt: u16,
    /// The journey's own random numbers (see [`crate::rng::Substream`]).
    pub rng: Substream,
    /// What the journey carries from contact to contact (followed only when the scenario
    /// follows journeys).
    pub path: JourneyPath,
    /// A re-offer event is pending for it (see `RoutingPolicy::reoffer_after`).
    pub reoffer: bool,
    /// Away because its line was closed when it arrived: it arrives again at the opening,
    /// as it is (no new draws).
    pub deferred: bool,
    /// Its abandonment timer is its type's maximum wait: when it fires, the contact leaves a
    /// message instead of abandoning.
    pub message: bool,
    /// The self-service node the contact is at (meaningful while `InIvr`): the last of its
    /// passage, whose choice `exit` is.
    pub node: u16,
    /// How its passage through the self-service graph ends (meaningful while `InIvr`).
    pub exit: Exit,
    /// The type a misrouted contact is transferred to once an agent has answered it;
    /// [`NO_TRANSFER`] if it is where it should be.
    pub transfer_to: u16,
    /// Multiplier of the handle time the contact will get from its queue's type (a bot's
    /// hand-off sets it; 1 otherwise).
    pub factor: f32,
    /// A callback was offered to it (it is offered at most once per attempt).
    pub offered: bool,
    /// A callback offer timer is pending for it, and its abandonment timer (which would fire
    /// later) is not on the heap yet: it is scheduled when the offer is declined.
    pub offer_pending: bool,
    /// It accepted a callback: it waits off the line (never abandons) for its dial.
    pub callback: bool,
    /// Its last dial did not reach the customer (an agent-first dial ending now).
    pub unreached: bool,
    /// Dials of its callback so far.
    pub dials: u8,
    /// When it accepted its callback, seconds.
    pub accepted_at: f64,
    /// A chat its customer left silently: it stays in the queue, and the agent who takes it
    /// holds the session for the type's timeout; it is not a contact any more.
    pub ghost: bool,
    /// Away for a retry that switched to another type: it arrives with a fresh handle time
    /// and the patience of its new type.
    pub switched: bool,
    generation: u32,
    live: bool,
}

impl Contact {
    /// Whether its abandonment timer is on the event heap (it has a finite patience, and no
    /// callback offer timer holds the abandonment timer back).
    #[inline]
    pub fn abandon_timer_pending(&self) -> bool {
        self.patience.is_finite() && !self.offer_pending
    }
}

/// A journey's history so far, carried by its current contact: where it began and what it
/// cost the customer.
#[derive(Debug, Clone, Copy)]
pub struct JourneyPath {
    /// Arrival time of the journey's first contact, seconds.
    pub start: f64,
    /// Reporting interval of that arrival.
    pub interval: u32,
    /// Type of the journey's first contact.
    pub ty: TypeId,
    /// Contacts of the journey an agent handled (and finished) so far.
    pub handled: u16,
    /// Attempts that were abandoned or blocked so far.
    pub failed: u16,
    /// Seconds waited in queue over every attempt so far.
    pub wait: f32,
    /// Seconds waited beyond the CSAT model's grace, summed over attempts.
    pub wait_excess: f32,
    /// Hours emails waited beyond the email grace, summed over attempts.
    pub email_excess: f32,
    /// Seconds spent in the self-service graph so far.
    pub ivr: f32,
    /// Transfers from a wrong queue so far.
    pub transfers: u8,
    /// Moves to a contact type of another channel so far.
    pub switches: u8,
    /// Hand-offs from a bot without its context so far.
    pub context_lost: u8,
    /// A bot failed and handed the customer to an agent.
    pub bot_failed: bool,
    /// Times the customer came back after a bot's false containment.
    pub recontacts: u8,
    /// The site whose agent handled the last contact, plus 1 (0: none yet, or no site). One
    /// byte: it fills the struct's padding, so that contacts stay 128 bytes.
    pub last_site: u8,
}

/// Where a node sends a contact: on to another node, or out of the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Node(u16),
    /// To this type's queue.
    Queue(TypeId),
    /// To this wrong queue; `Contact::transfer_to` is the right one.
    Misrouted(TypeId),
    HangUp,
    /// A bot served the customer.
    Contained,
}

/// [`Contact::transfer_to`] of a contact that is in the right queue.
pub const NO_TRANSFER: u16 = u16::MAX;

/// Dense storage of live contacts with O(1) insert and remove.
#[derive(Debug, Default)]
pub struct ContactSlab {
    slots: Vec<Contact>,
    /// By slot: when its contact joined its type's queue, seconds; NaN while it is not in a
    /// queue (offered on arrival, dialled back, answered). Kept beside the contacts, not in
    /// them, and written only by an engine whose policy reads it (the hot path copies
    /// contacts): the engine marks a contact NaN before offering it outside the queue.
    queued: Vec<f64>,
    free: Vec<u32>,
    live: usize,
}

impl ContactSlab {
    pub fn with_capacity(n: usize) -> Self {
        Self {
            slots: Vec::with_capacity(n),
            queued: Vec::with_capacity(n),
            free: Vec::with_capacity(n),
            live: 0,
        }
    }

    /// Stores a contact and returns its key.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub fn insert(
        &mut self,
        ty: TypeId,
        state: ContactState,
        arrival: f64,
        patience: f64,
        handle: f64,
        interval: u32,
        journey: u64,
    ) -> ContactKey {
        self.reinsert(Contact {
            ty,
            state,
            arrival,
            patience,
            handle,
            interval,
            journey,
            attempt: 0,
            rng: Substream(0),
            path: JourneyPath {
                start: arrival,
                interval,
                ty,
                handled: 0,
                failed: 0,
                wait: 0.0,
                wait_excess: 0.0,
                email_excess: 0.0,
                ivr: 0.0,
                transfers: 0,
                switches: 0,
                context_lost: 0,
                bot_failed: false,
                recontacts: 0,
                last_site: 0,
            },
            reoffer: false,
            deferred: false,
            message: false,
            node: 0,
            exit: Exit::HangUp,
            transfer_to: NO_TRANSFER,
            factor: 1.0,
            offered: false,
            offer_pending: false,
            callback: false,
            unreached: false,
            dials: 0,
            accepted_at: 0.0,
            ghost: false,
            switched: false,
            generation: 0,
            live: true,
        })
    }

    /// Stores a copy of a contact (one that was removed, for its journey's next attempt) under
    /// a new key.
    #[inline]
    pub fn reinsert(&mut self, mut c: Contact) -> ContactKey {
        self.live += 1;
        c.live = true;
        c.reoffer = false;
        c.message = false;
        if let Some(index) = self.free.pop() {
            c.generation = self.slots[index as usize].generation;
            self.slots[index as usize] = c;
            ContactKey {
                index,
                generation: c.generation,
            }
        } else {
            // A copy keeps its old slot's generation: a new slot starts at 0.
            c.generation = 0;
            let index = self.slots.len() as u32;
            self.slots.push(c);
            ContactKey { index, generation: 0 }
        }
    }

    /// The contact behind `key`, if it is still live.
    #[inline]
    pub fn get(&self, key: ContactKey) -> Option<&Contact> {
        self.slots
            .get(key.index as usize)
            .filter(|c| c.generation == key.generation)
    }

    /// Mutable access to the contact behind `key`, if it is still live.
    #[inline]
    pub fn get_mut(&mut self, key: ContactKey) -> Option<&mut Contact> {
        self.slots
            .get_mut(key.index as usize)
            .filter(|c| c.generation == key.generation)
    }

    /// Records when the contact behind `key` joined its queue (`f64::NAN`: it left it).
    #[inline]
    pub fn set_queued(&mut self, key: ContactKey, t: f64) {
        let i = key.index as usize;
        if i >= self.queued.len() {
            self.queued.resize(self.slots.len().max(i + 1), f64::NAN);
        }
        self.queued[i] = t;
    }

    /// When the contact behind `key` joined its queue, if it is live and waiting in one.
    #[inline]
    pub fn queued_since(&self, key: ContactKey) -> Option<f64> {
        let c = self.get(key)?;
        let t = *self.queued.get(key.index as usize)?;
        (c.state == ContactState::Waiting && !t.is_nan()).then_some(t)
    }

    /// Removes the contact; its key (and every copy of it) becomes stale.
    #[inline]
    pub fn remove(&mut self, key: ContactKey) -> Contact {
        let slot = &mut self.slots[key.index as usize];
        debug_assert_eq!(slot.generation, key.generation, "removing a stale contact");
        let c = *slot;
        slot.generation = slot.generation.wrapping_add(1);
        slot.live = false;
        self.free.push(key.index);
        self.live -= 1;
        c
    }

    /// Number of live contacts.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Live contacts with their keys, in slot order.
    pub fn iter(&self) -> impl Iterator<Item = (ContactKey, &Contact)> {
        self.slots.iter().enumerate().filter(|(_, c)| c.live).map(|(i, c)| {
            (
                ContactKey {
                    index: i as u32,
                    generation: c.generation,
                },
                c,
            )
        })
    }

    /// Forgets all contacts; keeps the capacity. Generations restart so that a replication
    /// does not depend on the one before it.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.queued.clear();
        self.free.clear();
        self.live = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removed_contacts_key_goes_stale_even_when_its_slot_is_reused() {
        let mut slab = ContactSlab::with_capacity(2);
        let a = slab.insert(TypeId(0), ContactState::Waiting, 1.0, 5.0, 3.0, 0, 0);
        slab.remove(a);
        let b = slab.insert(TypeId(0), ContactState::Waiting, 2.0, 5.0, 3.0, 0, 1);
        assert_eq!(a.index, b.index);
        assert!(slab.get(a).is_none());
        assert_eq!(slab.get(b).map(|c| c.arrival), Some(2.0));
        assert_eq!(slab.len(), 1);
    }

    #[test]
    fn a_copy_stored_while_its_original_stays_is_found_by_its_new_key() {
        // A silently abandoned chat stays in the slab while its customer retries as a copy.
        let mut slab = ContactSlab::with_capacity(2);
        let a = slab.insert(TypeId(0), ContactState::Waiting, 1.0, 5.0, 3.0, 0, 0);
        slab.remove(a);
        let b = slab.insert(TypeId(0), ContactState::Waiting, 2.0, 5.0, 3.0, 0, 1);
        assert_eq!(b.generation, 1, "the reused slot's generation moved on");
        let mut copy = *slab.get(b).expect("live");
        copy.state = ContactState::Away;
        let c = slab.reinsert(copy);
        assert_ne!(c.index, b.index);
        assert_eq!(slab.get(c).map(|c| c.state), Some(ContactState::Away));
        assert_eq!(slab.get(b).map(|c| c.state), Some(ContactState::Waiting));
        assert_eq!(slab.len(), 2);
    }
}
