//! Statistics: the [`Observer`] seam through which the engine reports what happens, the default
//! [`Collector`], and the per-replication output it produces.
//!
//! The engine calls an observer at every state change; every method has a no-op default
//! (ripgrep's `Sink`), so a custom observer implements only what it needs, and pairs of
//! observers compose as a tuple `(A, B)`. The [`Collector`] keeps preallocated
//! `[type × interval]` and `[group × interval]` accumulators and fixed wait histograms: its
//! memory depends on the number of types, groups and intervals, never on the number of contacts.
//! Per-contact and per-journey records are an opt-in observer beside it, [`ContactRecorder`].

pub mod collector;
pub mod histogram;
pub mod records;
pub mod tally;

pub use collector::Collector;
pub use records::ContactRecorder;

use crate::engine::contact::ContactKey;
use crate::engine::event::AgentId;
use crate::scenario::{GroupId, MAX_SL_THRESHOLDS, TypeId};
use serde::{Deserialize, Serialize};

/// What an observer is told about a contact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContactInfo {
    pub key: ContactKey,
    pub ty: TypeId,
    /// Arrival time, seconds.
    pub arrival: f64,
    /// Reporting interval of the arrival.
    pub interval: u32,
    /// The customer journey (unique per replication; later contacts of the same customer keep it).
    pub journey: u64,
    /// The attempt of this contact: 0 for its first arrival, 1 for its first retry, …
    pub attempt: u16,
    /// Which contact of its journey this is: 0 for the first, 1 for the first repeat after an
    /// unresolved contact (or a bot's false containment), …
    pub repeat: u16,
    /// The contact arrives from the self-service graph or from a transfer, not from the
    /// customer: the same contact going on to another queue (not a retry nor a repeat).
    pub routed: bool,
}

/// How a journey ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JourneyOutcome {
    /// A handled contact resolved the need.
    Resolved,
    /// The last handled contact did not resolve it, and the customer did not come back.
    Unresolved,
    /// The customer abandoned, was blocked or cleared, and did not try again.
    GaveUp,
    /// Still under way at the end of the replication: a retry or repeat was due at or after
    /// the horizon, or a contact was still in the system.
    Open,
}

/// A step of a contact's callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackEvent {
    /// A callback was offered to the waiting contact.
    Offered,
    /// It was accepted: the customer left the live line and keeps a place in the queue (or
    /// joins the callback queue).
    Accepted,
    /// The contact reached its maximum wait and left a message, to be returned as a callback:
    /// from now it is handled as an accepted callback.
    MessageReturned,
    /// A dial reached the customer (who is then served).
    Reached,
    /// A dial did not reach the customer.
    NotReached,
    /// Every dial failed: the attempt has failed.
    Failed,
}

/// How a contact's passage through the self-service graph ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelfServiceEnd {
    /// A bot served the customer (the journey ends resolved, unless the containment was false
    /// and the customer comes back).
    Contained,
    /// The customer hung up inside the graph.
    HungUp,
    /// The contact left the graph for an agent queue.
    Routed,
}

/// A journey that has ended, as an observer is told of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JourneyEnd {
    pub journey: u64,
    /// Type of the journey's first contact.
    pub ty: TypeId,
    /// Arrival time of its first contact, seconds.
    pub start: f64,
    /// Reporting interval of that arrival.
    pub interval: u32,
    pub outcome: JourneyOutcome,
    /// Contacts an agent handled to their end.
    pub handled: u16,
    /// Attempts abandoned or blocked (cleared included).
    pub failed: u16,
    /// Seconds waited in queue over all attempts.
    pub wait: f64,
    /// Seconds waited beyond the CSAT model's grace, summed over attempts.
    pub wait_excess: f64,
    /// Hours emails waited beyond the email grace, summed over attempts.
    pub email_wait_excess_h: f64,
    /// Seconds spent in the self-service graph over all passages.
    pub ivr: f64,
    /// Transfers from a wrong queue to the right one.
    pub transfers: u8,
    /// Moves to a contact type of another channel.
    pub switches: u8,
    /// Hand-offs from a bot to an agent without the bot's context.
    pub context_lost: u8,
    /// A bot failed to serve the customer, who then needed an agent.
    pub bot_failed: bool,
    /// A bot served the customer to the end.
    pub contained: bool,
    /// Shift of the latent CSAT score from the site that handled the last contact.
    pub csat_shift: f64,
}

/// A group's workforce levels under `[workforce]`, set at each day's end and whenever an
/// agent goes away or comes back: piecewise constant in between.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WorkforceLevels {
    /// Σ strain over the employed agents.
    pub strain: f64,
    /// Employed agents whose strain is at least one burnout SD above the reference.
    pub burnt_out: u32,
    /// Agents on the payroll (vacancies left out).
    pub employed: u32,
    /// Employed agents still in their new-hire period.
    pub new_hires: u32,
    /// Scheduled agents absent (sick).
    pub absent: u32,
    /// Scheduled agents missing because their place is vacant.
    pub vacant: u32,
}

/// Receives the engine's state changes. `now` is the simulated time in seconds and never
/// decreases within a replication.
#[allow(unused_variables)]
pub trait Observer {
    /// A replication begins (state must be reset here).
    fn on_start(&mut self, replication: u32) {}
    /// A contact arrived (before routing).
    fn on_arrival(&mut self, now: f64, c: &ContactInfo) {}
    /// The contact found its queue full and left.
    fn on_blocked(&mut self, now: f64, c: &ContactInfo) {}
    /// The contact (of the type that entered the self-service graph) left the graph: served
    /// by a bot, hung up, or routed to a queue (where it arrives again, as its queue's type).
    fn on_self_service(&mut self, now: f64, c: &ContactInfo, end: SelfServiceEnd) {}
    /// Chat `c` was abandoned silently (after `on_abandon`): it stays in the queue, and an
    /// agent who takes it will hold the session for the timeout.
    fn on_silent(&mut self, now: f64, c: &ContactInfo) {}
    /// A step of contact `c`'s callback.
    fn on_callback(&mut self, now: f64, c: &ContactInfo, event: CallbackEvent) {}
    /// An agent transferred the misrouted contact `c` (its service has ended) to its right
    /// queue, where it arrives again.
    fn on_transferred(&mut self, now: f64, c: &ContactInfo) {}
    /// The contact arrived while its line was closed and was refused.
    fn on_refused(&mut self, now: f64, c: &ContactInfo) {}
    /// The contact found no agent free and would not wait (balked).
    fn on_balked(&mut self, now: f64, c: &ContactInfo) {}
    /// The contact waited its type's maximum wait and left a message.
    fn on_message(&mut self, now: f64, c: &ContactInfo) {}
    /// The customer of `c`, which has just abandoned or been blocked, will try again at `at`
    /// (seconds; a time at or after the horizon is not simulated).
    fn on_retry_scheduled(&mut self, now: f64, c: &ContactInfo, at: f64) {}
    /// The contact joined its queue.
    fn on_enqueue(&mut self, now: f64, c: &ContactInfo) {}
    /// An agent answered the contact after waiting `now - c.arrival`; service lasts `handle` s.
    fn on_answer(&mut self, now: f64, c: &ContactInfo, agent: AgentId, group: GroupId, handle: f64) {}
    /// The contact's patience ran out while waiting.
    fn on_abandon(&mut self, now: f64, c: &ContactInfo) {}
    /// Service of the contact ended.
    fn on_service_end(&mut self, now: f64, c: &ContactInfo, agent: AgentId, group: GroupId) {}
    /// The contact was still waiting at closing and was sent away (closing = "clear").
    fn on_cleared(&mut self, now: f64, c: &ContactInfo) {}
    /// The number waiting for type `ty` changed to `len`.
    fn on_queue_len(&mut self, now: f64, ty: TypeId, len: u32) {}
    /// Group `group` now has `busy` agents serving and `present` on duty (idle + busy).
    /// Agents doing after-call work count as busy.
    fn on_group(&mut self, now: f64, group: GroupId, busy: u32, present: u32) {}
    /// Group `group` now has `wrapping` agents doing after-call work (of its `busy` ones).
    fn on_wrap_up(&mut self, now: f64, group: GroupId, wrapping: u32) {}
    /// Group `group` now has `pausing` agents pausing under its occupancy cap (of its `busy`
    /// ones: unavailable, but not working).
    fn on_pause(&mut self, now: f64, group: GroupId, pausing: u32) {}
    /// Agents of `group` carried `area` fatigue-seconds (∫ f dt on duty) in reporting
    /// interval `interval`, within the measured window (reported lazily: the interval may be
    /// past).
    fn on_fatigue(&mut self, group: GroupId, interval: u32, area: f64) {}
    /// Group `group`'s workforce levels changed (under `[workforce]`).
    fn on_workforce(&mut self, now: f64, group: GroupId, levels: &WorkforceLevels) {}
    /// An agent of `group` gave notice (`quit`), or a new hire of the group started in
    /// production (`!quit`).
    fn on_turnover(&mut self, now: f64, group: GroupId, quit: bool) {}
    /// Reporting interval `index` begins at `now`.
    fn on_interval(&mut self, now: f64, index: u32) {}
    /// The horizon is reached: arrivals stop.
    fn on_close(&mut self, now: f64) {}
    /// The contact was still in the system when the replication ended.
    fn on_in_system_at_end(&mut self, now: f64, c: &ContactInfo) {}
    /// A journey ended (only when the scenario follows journeys, see
    /// [`crate::scenario::Scenario::follow_journeys`]).
    fn on_journey_end(&mut self, now: f64, j: &JourneyEnd) {}
    /// The replication ended (no events left).
    fn on_end(&mut self, now: f64) {}
}

macro_rules! forward_pair {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {
        impl<A: Observer, B: Observer> Observer for (A, B) {
            $(
                #[inline]
                fn $name(&mut self, $($arg: $ty),*) {
                    self.0.$name($($arg),*);
                    self.1.$name($($arg),*);
                }
            )*
        }
    };
}

forward_pair! {
    on_start(replication: u32);
    on_arrival(now: f64, c: &ContactInfo);
    on_blocked(now: f64, c: &ContactInfo);
    on_refused(now: f64, c: &ContactInfo);
    on_self_service(now: f64, c: &ContactInfo, end: SelfServiceEnd);
    on_transferred(now: f64, c: &ContactInfo);
    on_callback(now: f64, c: &ContactInfo, event: CallbackEvent);
    on_silent(now: f64, c: &ContactInfo);
    on_balked(now: f64, c: &ContactInfo);
    on_message(now: f64, c: &ContactInfo);
    on_retry_scheduled(now: f64, c: &ContactInfo, at: f64);
    on_enqueue(now: f64, c: &ContactInfo);
    on_answer(now: f64, c: &ContactInfo, agent: AgentId, group: GroupId, handle: f64);
    on_abandon(now: f64, c: &ContactInfo);
    on_service_end(now: f64, c: &ContactInfo, agent: AgentId, group: GroupId);
    on_cleared(now: f64, c: &ContactInfo);
    on_queue_len(now: f64, ty: TypeId, len: u32);
    on_group(now: f64, group: GroupId, busy: u32, present: u32);
    on_wrap_up(now: f64, group: GroupId, wrapping: u32);
    on_pause(now: f64, group: GroupId, pausing: u32);
    on_fatigue(group: GroupId, interval: u32, area: f64);
    on_workforce(now: f64, group: GroupId, levels: &WorkforceLevels);
    on_turnover(now: f64, group: GroupId, quit: bool);
    on_interval(now: f64, index: u32);
    on_close(now: f64);
    on_in_system_at_end(now: f64, c: &ContactInfo);
    on_journey_end(now: f64, j: &JourneyEnd);
    on_end(now: f64);
}

/// An observer that records nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoObserver;
impl Observer for NoObserver {}

/// Counts and sums for one contact type in one interval of one replication. Contacts are
/// attributed to the interval of their arrival; time integrals to the interval they accrue in.
/// Only contacts arriving after the warm-up, and time after the warm-up, are counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct TypeCounts {
    /// Arrivals (including blocked ones).
    pub offered: u64,
    /// Contacts an agent picked up.
    pub answered: u64,
    /// Contacts that hung up while waiting.
    pub abandoned: u64,
    /// Arrivals that found the queue full.
    pub blocked: u64,
    /// Contacts sent away at closing (closing = "clear", or at a line's daily closing).
    pub cleared: u64,
    /// Arrivals refused because their line was closed.
    #[serde(default)]
    pub refused: u64,
    /// Arrivals that found no agent free and would not wait.
    #[serde(default)]
    pub balked: u64,
    /// Contacts that waited the maximum wait and left a message.
    #[serde(default)]
    pub messages: u64,
    /// Sum of waits of contacts that left a message, seconds.
    #[serde(default)]
    pub wait_message: f64,
    /// Arrivals that had to queue (no agent free at once).
    pub waited: u64,
    /// Arrivals that were retries of an earlier attempt of the same journey (in `offered`).
    pub retrials: u64,
    /// Abandoned or blocked contacts whose customer will try again (the rest are lost).
    pub retried: u64,
    /// Arrivals that were a journey's repeat contact after an unresolved one (in `offered`).
    #[serde(default)]
    pub repeats: u64,
    /// Journeys ended, by the type and arrival interval of their first contact.
    #[serde(default)]
    pub journeys: u64,
    /// Journeys resolved (on any contact).
    #[serde(default)]
    pub resolved: u64,
    /// Journeys resolved on their first contact.
    #[serde(default)]
    pub resolved_first: u64,
    /// Journeys whose last handled contact did not resolve the need, with no repeat.
    #[serde(default)]
    pub unresolved: u64,
    /// Journeys in which the customer gave up (abandoned, blocked or cleared, no retry).
    #[serde(default)]
    pub gave_up: u64,
    /// Journeys still under way at the end of the replication.
    #[serde(default)]
    pub open: u64,
    /// Contacts handled over the resolved journeys.
    #[serde(default)]
    pub resolved_contacts: u64,
    /// Seconds waited over all attempts of the journeys ended.
    #[serde(default)]
    pub journey_wait: f64,
    /// Sum over ended journeys of P(satisfied) (top-2-box).
    #[serde(default)]
    pub csat: f64,
    /// Sum over ended journeys of the expected 1–5 score.
    #[serde(default)]
    pub csat_score: f64,
    /// Sum over ended journeys of the NPS proxy, in points (−100 to 100).
    #[serde(default)]
    pub nps: f64,
    /// Sum over ended journeys of P(defect).
    #[serde(default)]
    pub defect: f64,
    /// Contacts a bot served to the end (counted for the type that entered the graph).
    #[serde(default)]
    pub contained: u64,
    /// Contacts that hung up inside the self-service graph.
    #[serde(default)]
    pub ivr_hangups: u64,
    /// Contacts the self-service graph sent on to an agent queue.
    #[serde(default)]
    pub routed: u64,
    /// Seconds spent in the self-service graph by the contacts that left it.
    #[serde(default)]
    pub ivr_time: f64,
    /// Answered contacts that were misrouted and transferred on after service began.
    #[serde(default)]
    pub transferred: u64,
    /// Abandonments that were silent (in `abandoned`).
    #[serde(default)]
    pub silent: u64,
    /// Callbacks offered.
    #[serde(default)]
    pub callbacks_offered: u64,
    /// Callbacks accepted.
    #[serde(default)]
    pub callbacks_accepted: u64,
    /// Messages left at the maximum wait and returned as callbacks (not in `messages`).
    #[serde(default)]
    pub messages_returned: u64,
    /// Dials that reached the customer.
    #[serde(default)]
    pub dials_reached: u64,
    /// Dials that did not reach the customer.
    #[serde(default)]
    pub dials_missed: u64,
    /// Accepted callbacks never reached.
    #[serde(default)]
    pub callbacks_failed: u64,
    /// Journeys a bot served to the end (also counted in `resolved`).
    #[serde(default)]
    pub journeys_contained: u64,
    /// Transfers over the journeys ended.
    #[serde(default)]
    pub journey_transfers: u64,
    /// Channel switches over the journeys ended.
    #[serde(default)]
    pub journey_switches: u64,
    /// Seconds in the self-service graph over the journeys ended.
    #[serde(default)]
    pub journey_ivr: f64,
    /// Answered with wait <= threshold k (thresholds of the type, ascending).
    pub answered_within: [u64; MAX_SL_THRESHOLDS],
    /// Abandoned with wait <= threshold k.
    pub abandoned_within: [u64; MAX_SL_THRESHOLDS],
    /// Sum of waits of answered contacts, seconds.
    pub wait_answered: f64,
    /// Sum of waits (time to abandon) of abandoned contacts, seconds.
    pub wait_abandoned: f64,
    /// Sum of waits of cleared contacts, seconds.
    pub wait_cleared: f64,
    /// Sum of handle times of answered contacts, seconds.
    pub handle: f64,
    /// Longest wait of an answered contact, seconds (0 if none).
    pub max_wait_answered: f64,
    /// ∫ (number waiting) dt over the measured part of the interval, contact·seconds.
    pub queue_time: f64,
    /// Measured length of the interval, seconds.
    pub measured: f64,
}

impl TypeCounts {
    /// Adds `o` into `self`.
    pub fn add(&mut self, o: &TypeCounts) {
        self.offered += o.offered;
        self.answered += o.answered;
        self.abandoned += o.abandoned;
        self.blocked += o.blocked;
        self.cleared += o.cleared;
        self.refused += o.refused;
        self.balked += o.balked;
        self.messages += o.messages;
        self.wait_message += o.wait_message;
        self.waited += o.waited;
        self.retrials += o.retrials;
        self.retried += o.retried;
        self.repeats += o.repeats;
        self.journeys += o.journeys;
        self.resolved += o.resolved;
        self.resolved_first += o.resolved_first;
        self.unresolved += o.unresolved;
        self.gave_up += o.gave_up;
        self.open += o.open;
        self.resolved_contacts += o.resolved_contacts;
        self.journey_wait += o.journey_wait;
        self.csat += o.csat;
        self.csat_score += o.csat_score;
        self.nps += o.nps;
        self.defect += o.defect;
        self.contained += o.contained;
        self.ivr_hangups += o.ivr_hangups;
        self.routed += o.routed;
        self.ivr_time += o.ivr_time;
        self.transferred += o.transferred;
        self.journeys_contained += o.journeys_contained;
        self.silent += o.silent;
        self.callbacks_offered += o.callbacks_offered;
        self.callbacks_accepted += o.callbacks_accepted;
        self.messages_returned += o.messages_returned;
        self.dials_reached += o.dials_reached;
        self.dials_missed += o.dials_missed;
        self.callbacks_failed += o.callbacks_failed;
        self.journey_transfers += o.journey_transfers;
        self.journey_switches += o.journey_switches;
        self.journey_ivr += o.journey_ivr;
        for k in 0..MAX_SL_THRESHOLDS {
            self.answered_within[k] += o.answered_within[k];
            self.abandoned_within[k] += o.abandoned_within[k];
        }
        self.wait_answered += o.wait_answered;
        self.wait_abandoned += o.wait_abandoned;
        self.wait_cleared += o.wait_cleared;
        self.handle += o.handle;
        self.max_wait_answered = self.max_wait_answered.max(o.max_wait_answered);
        self.queue_time += o.queue_time;
        self.measured += o.measured;
    }
}

/// Time integrals for one agent group in one interval of one replication.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupCounts {
    /// ∫ (agents busy) dt, agent·seconds: serving or doing after-call work.
    pub busy_time: f64,
    /// ∫ (agents doing after-call work) dt, agent·seconds (included in `busy_time`).
    #[serde(default)]
    pub wrap_time: f64,
    /// ∫ (agents pausing under an occupancy cap) dt, agent·seconds (included in `busy_time`,
    /// which counts every agent unavailable; occupancy leaves it out).
    #[serde(default)]
    pub pause_time: f64,
    /// ∫ (agents on duty) dt, agent·seconds.
    pub present_time: f64,
    /// ∫ (agents scheduled, before shrinkage) dt over the measured window, agent·seconds:
    /// set from the scenario, the same in every replication.
    #[serde(default)]
    pub scheduled_time: f64,
    /// Contacts answered by this group (by arrival interval).
    pub answered: u64,
    /// Paid agent-hours over the measured window times the group's loaded hourly cost:
    /// set from the scenario, the same in every replication.
    #[serde(default)]
    pub labour_cost: f64,
    /// Measured length of the interval, seconds.
    pub measured: f64,
    /// Under `[workforce]`: ∫ Σ fatigue dt over agents on duty, fatigue·agent·seconds.
    #[serde(default)]
    pub fatigue_time: f64,
    /// ∫ Σ strain dt over employed agents.
    #[serde(default)]
    pub strain_time: f64,
    /// ∫ (employed agents at least one burnout SD above the reference strain) dt.
    #[serde(default)]
    pub burnt_out_time: f64,
    /// ∫ (employed agents) dt.
    #[serde(default)]
    pub employed_time: f64,
    /// ∫ (employed agents in their new-hire period) dt.
    #[serde(default)]
    pub new_hire_time: f64,
    /// ∫ (scheduled agents absent) dt.
    #[serde(default)]
    pub absent_time: f64,
    /// ∫ (scheduled agents missing to a vacancy) dt.
    #[serde(default)]
    pub vacant_time: f64,
    /// Agents who gave notice.
    #[serde(default)]
    pub quits: u64,
    /// New hires who started in production.
    #[serde(default)]
    pub hires: u64,
}

impl GroupCounts {
    pub fn add(&mut self, o: &GroupCounts) {
        self.fatigue_time += o.fatigue_time;
        self.strain_time += o.strain_time;
        self.burnt_out_time += o.burnt_out_time;
        self.employed_time += o.employed_time;
        self.new_hire_time += o.new_hire_time;
        self.absent_time += o.absent_time;
        self.vacant_time += o.vacant_time;
        self.quits += o.quits;
        self.hires += o.hires;
        self.busy_time += o.busy_time;
        self.wrap_time += o.wrap_time;
        self.pause_time += o.pause_time;
        self.present_time += o.present_time;
        self.scheduled_time += o.scheduled_time;
        self.answered += o.answered;
        self.labour_cost += o.labour_cost;
        self.measured += o.measured;
    }
}

/// The wait percentiles reported, as fractions.
pub const WAIT_PERCENTILES: [f64; 5] = [0.50, 0.80, 0.90, 0.95, 0.99];

/// Everything one replication contributes to a summary: raw sufficient statistics only —
/// counts, sums, time integrals and histograms, never a ratio or a percentile (those are
/// derived when replications are folded). Every field is finite, so the output serialises
/// losslessly (JSON included) and shards of a sweep merge into exactly the numbers of one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepOutput {
    pub replication: u32,
    pub n_intervals: u32,
    /// `[type × interval]`, row-major by type.
    pub types: Vec<TypeCounts>,
    /// `[group × interval]`, row-major by group.
    pub groups: Vec<GroupCounts>,
    /// Wait histogram of answered contacts per type, `[type × FINE bins]` (see
    /// [`histogram::FINE`]); summaries pool these across replications.
    pub wait_counts: Vec<u64>,
    /// Wait histogram of answered contacts per `[type × interval × COARSE bins]`.
    pub interval_wait_counts: Vec<u32>,
    /// Measured contacts still in the system when the replication ended, per type.
    pub in_system_at_end: Vec<u64>,
    /// Arrivals generated in the replication, warm-up included.
    pub arrivals: u64,
    /// Events processed.
    pub events: u64,
    /// Time of the last event, seconds.
    pub end_time: f64,
}

impl RepOutput {
    /// The counts of type `ty` in each interval.
    pub fn type_intervals(&self, ty: usize) -> &[TypeCounts] {
        let n = self.n_intervals as usize;
        &self.types[ty * n..(ty + 1) * n]
    }

    /// The whole-period wait histogram of type `ty`.
    pub fn type_wait_counts(&self, ty: usize) -> &[u64] {
        let b = histogram::FINE.bins();
        &self.wait_counts[ty * b..(ty + 1) * b]
    }

    /// The wait histogram of type `ty` in interval `i`.
    pub fn interval_wait_counts(&self, ty: usize, i: usize) -> &[u32] {
        let (b, n) = (histogram::COARSE.bins(), self.n_intervals as usize);
        &self.interval_wait_counts[(ty * n + i) * b..(ty * n + i + 1) * b]
    }

    /// The integrals of group `g` in each interval.
    pub fn group_intervals(&self, g: usize) -> &[GroupCounts] {
        let n = self.n_intervals as usize;
        &self.groups[g * n..(g + 1) * n]
    }
}
