//! Per-contact and per-journey records: the [`ContactRecorder`] observer writes one CSV row per
//! contact attempt and one per journey, as they end, to any [`Write`].
//!
//! It is opt-in (`cxsim run --records`, or [`crate::sweep::run_recording`]): paired with the
//! [`super::Collector`] as the observer `(Collector, ContactRecorder<W>)`, it sees exactly what
//! the collector sees and changes nothing the collector counts, so a summary is the same bits
//! with or without it. An engine without it is not slowed at all: the observer is a type
//! parameter of the engine, so a run without records never reaches this code.
//!
//! **Memory.** Rows are written as their attempt ends, never kept. The recorder keeps only
//! the state of the attempts in the system now (by slab slot: arrival, whether it queued, who
//! answered it), so its memory depends on the most contacts in the system at once, never on
//! how many arrive.
//!
//! **Order.** Rows of a replication are in the order their attempts ended (event order; ties
//! in the engine's own order). An ended attempt is held back until the next contact event,
//! so that what the engine reports right after the end — a transfer of the contact just
//! served, a retry the customer scheduled — lands on the same row.
//!
//! **Columns** are declared once, in [`CONTACT_COLUMNS`] and [`JOURNEY_COLUMNS`] (name, type,
//! unit, definition); the headers are written from them. Outcomes are listed in
//! [`CONTACT_OUTCOMES`]. Floats are Rust's shortest round-trip form (they parse back to the
//! same bits); a missing value is an empty cell; booleans are `true`/`false`. Times are
//! seconds since the replication's t = 0.
//!
//! **Agreement with the summary** (tests in `tests/it/records.rs`): over the rows with
//! `measured` true, per type, the rows with an `answered_s` are the summary's answered
//! contacts, and their mean `wait_s` its ASA; rows with outcome `abandoned` are its
//! abandoned contacts, and so on for each counted outcome; all measured rows of a type are its
//! offered contacts (with `routed` rows: a contact the self-service graph or an agent sends on
//! to another queue is offered there again). Journey rows with `measured` true, per outcome,
//! are the summary's journey counts.

use super::{CallbackEvent, ContactInfo, JourneyEnd, JourneyOutcome, Observer, SelfServiceEnd};
use crate::engine::event::AgentId;
use crate::scenario::{CsatModel, GroupId, Scenario, TypeId};
use std::io::{self, Write};

/// One column of a record file: `(name, type, unit, definition)`. The type is `int`, `float`,
/// `string` or `bool`, followed by ` or empty` where a cell may be empty; the unit is empty
/// where there is none.
pub type Column = (&'static str, &'static str, &'static str, &'static str);

/// The columns of `contacts.csv`, one row per contact attempt, in order.
pub const CONTACT_COLUMNS: &[Column] = &[
    (
        "replication",
        "int",
        "",
        "Replication number (its random streams are the same in every run).",
    ),
    (
        "journey",
        "int",
        "",
        "The customer's journey, unique within the replication: every attempt, retry, repeat \
         contact, transfer and pass through the self-service graph of one customer shares it.",
    ),
    (
        "attempt",
        "int",
        "",
        "Attempt of this contact: 0 for its first arrival, 1 for the first retry after an \
         abandoned, blocked or failed attempt, ...",
    ),
    (
        "repeat",
        "int",
        "",
        "Which contact of its journey this is: 0 for the first, 1 for the first repeat after an \
         unresolved contact (or a bot's false containment), ...",
    ),
    (
        "routed",
        "bool",
        "",
        "The contact came from the self-service graph or from a transfer (the same contact going \
         on to another queue), not from the customer.",
    ),
    (
        "type",
        "string",
        "",
        "Contact type of this attempt (as named in the scenario).",
    ),
    ("channel", "string", "", "Channel of the type: voice, chat or email."),
    ("arrival_s", "float", "s", "Arrival time of the attempt."),
    ("interval", "int", "", "Reporting interval of the arrival, from 0."),
    (
        "measured",
        "bool",
        "",
        "The attempt arrived at or after the warm-up (arrival_s >= warm-up): the summary counts \
         it. Rows before the warm-up are written too.",
    ),
    (
        "queued",
        "bool",
        "",
        "The attempt joined its type's queue (no agent took it on arrival).",
    ),
    (
        "callback",
        "bool",
        "",
        "The customer accepted a callback, or left a message returned as a callback: the \
         attempt waited off the line.",
    ),
    (
        "answered_s",
        "float or empty",
        "s",
        "When an agent (or an AI agent) answered the attempt; empty if none did. Rows with a \
         value are the summary's answered contacts.",
    ),
    (
        "wait_s",
        "float",
        "s",
        "Time waited for an agent: answered_s - arrival_s if answered, else end_s - arrival_s \
         (0 for an attempt that left at once: blocked, refused, balked). 0 for a pass through \
         the self-service graph (its time there is end_s - arrival_s). The summary's ASA is the \
         mean over answered rows.",
    ),
    (
        "end_s",
        "float",
        "s",
        "When the attempt ended (see outcome); the replication's end for in_system_at_end.",
    ),
    (
        "outcome",
        "string",
        "",
        "How the attempt ended; one of CONTACT_OUTCOMES.",
    ),
    (
        "retry_at_s",
        "float or empty",
        "s",
        "When the customer will try again after this failed attempt; empty if not. A time at \
         or after the horizon is not simulated (the journey stays open).",
    ),
    (
        "group",
        "string or empty",
        "",
        "Agent group that answered the attempt; empty if not answered.",
    ),
    (
        "agent",
        "int or empty",
        "",
        "The answering agent's index (agent slot, unique across groups within the scenario); \
         empty if not answered.",
    ),
    (
        "handle_s",
        "float or empty",
        "s",
        "Service time the agent was given at the answer (handle time after proficiency, fatigue \
         and assist; a callback's dial time included): the summary's AHT is the mean over \
         answered rows. A chat session shared with others may last longer in end_s. Empty if \
         not answered.",
    ),
];

/// The outcomes of `contacts.csv`, `(outcome, meaning)`.
pub const CONTACT_OUTCOMES: &[(&str, &str)] = &[
    (
        "answered",
        "An agent served the attempt to the end of its service (end_s).",
    ),
    (
        "transferred",
        "An agent served it, then transferred it to another queue (a misrouted contact, or an AI \
         agent's hand-over), where it arrives again as a routed row. Counted answered in the summary.",
    ),
    (
        "abandoned",
        "The customer's patience ran out while waiting (silent chat abandonments included).",
    ),
    ("blocked", "The queue or line was full on arrival."),
    ("refused", "The type's line was closed on arrival."),
    ("balked", "No agent was free and the customer would not wait."),
    (
        "message",
        "The contact waited the type's maximum wait and left a message.",
    ),
    (
        "cleared",
        "Still waiting at closing, sent away (closing = \"clear\" or a line's daily closing).",
    ),
    (
        "callback_failed",
        "An accepted callback was never reached: every dial missed.",
    ),
    (
        "contained",
        "A bot in the self-service graph served the customer to the end.",
    ),
    ("ivr_hangup", "The customer hung up in the self-service graph."),
    (
        "routed",
        "The self-service graph sent the contact on to an agent queue, where it arrives again \
         as a routed row (as the type of that queue).",
    ),
    (
        "in_system_at_end",
        "Still in the system when the replication ended (waiting, or in service if answered_s \
         is given).",
    ),
];

/// The columns of `journeys.csv`, one row per journey when it ends (or is still open at the
/// end of the replication), in order. Written only for scenarios that follow journeys.
pub const JOURNEY_COLUMNS: &[Column] = &[
    ("replication", "int", "", "Replication number."),
    ("journey", "int", "", "The journey (as in contacts.csv)."),
    ("type", "string", "", "Contact type of the journey's first contact."),
    ("start_s", "float", "s", "Arrival time of its first contact."),
    ("interval", "int", "", "Reporting interval of that arrival, from 0."),
    (
        "measured",
        "bool",
        "",
        "The journey started at or after the warm-up: the summary counts it.",
    ),
    (
        "end_s",
        "float",
        "s",
        "When the journey ended (or the replication's end if open).",
    ),
    (
        "outcome",
        "string",
        "",
        "resolved (a handled contact or a bot resolved the need), unresolved (the last handled \
         contact did not, and the customer did not come back), gave_up (the last attempt \
         failed, see failed, and the customer did not try again), open (still under \
         way at the end: a retry or repeat due at or after the horizon, or a contact in the system).",
    ),
    ("handled", "int", "", "Contacts an agent handled to their end."),
    (
        "failed",
        "int",
        "",
        "Failed attempts: abandoned, blocked, refused, balked, cleared, messages, hang-ups in the \
         self-service graph, failed callbacks.",
    ),
    (
        "wait_s",
        "float",
        "s",
        "Time waited in queue over all attempts (time waiting off the line for a callback \
         weighted by the CSAT model's callback weight). Stored in single precision.",
    ),
    (
        "ivr_s",
        "float",
        "s",
        "Time spent in the self-service graph over all passes. Stored in single precision.",
    ),
    ("transfers", "int", "", "Transfers from a wrong queue to the right one."),
    ("switches", "int", "", "Moves to a contact type of another channel."),
    (
        "context_lost",
        "int",
        "",
        "Hand-offs without the earlier context (from a bot, or on a channel switch).",
    ),
    ("contained", "bool", "", "A bot served the customer to the end."),
    (
        "bot_failed",
        "bool",
        "",
        "A bot failed to serve the customer, who then needed an agent.",
    ),
    (
        "p_satisfied",
        "float",
        "probability",
        "The CSAT model's probability that this customer is satisfied (top-2-box); the \
         summary's CSAT is its mean over measured journeys.",
    ),
];

/// How a contact attempt ended; see [`CONTACT_OUTCOMES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContactOutcome {
    Answered,
    Transferred,
    Abandoned,
    Blocked,
    Refused,
    Balked,
    Message,
    Cleared,
    CallbackFailed,
    Contained,
    IvrHangup,
    Routed,
    InSystemAtEnd,
}

impl ContactOutcome {
    /// The name written in `contacts.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactOutcome::Answered => "answered",
            ContactOutcome::Transferred => "transferred",
            ContactOutcome::Abandoned => "abandoned",
            ContactOutcome::Blocked => "blocked",
            ContactOutcome::Refused => "refused",
            ContactOutcome::Balked => "balked",
            ContactOutcome::Message => "message",
            ContactOutcome::Cleared => "cleared",
            ContactOutcome::CallbackFailed => "callback_failed",
            ContactOutcome::Contained => "contained",
            ContactOutcome::IvrHangup => "ivr_hangup",
            ContactOutcome::Routed => "routed",
            ContactOutcome::InSystemAtEnd => "in_system_at_end",
        }
    }
}

fn journey_outcome(o: JourneyOutcome) -> &'static str {
    match o {
        JourneyOutcome::Resolved => "resolved",
        JourneyOutcome::Unresolved => "unresolved",
        JourneyOutcome::GaveUp => "gave_up",
        JourneyOutcome::Open => "open",
    }
}

fn write_header<W: Write>(w: &mut W, columns: &[Column]) -> io::Result<()> {
    for (i, (name, ..)) in columns.iter().enumerate() {
        if i > 0 {
            w.write_all(b",")?;
        }
        w.write_all(name.as_bytes())?;
    }
    w.write_all(b"\n")
}

/// Writes the header line of `contacts.csv` (from [`CONTACT_COLUMNS`]).
pub fn write_contact_header<W: Write>(w: &mut W) -> io::Result<()> {
    write_header(w, CONTACT_COLUMNS)
}

/// Writes the header line of `journeys.csv` (from [`JOURNEY_COLUMNS`]).
pub fn write_journey_header<W: Write>(w: &mut W) -> io::Result<()> {
    write_header(w, JOURNEY_COLUMNS)
}

/// A name as one CSV cell: quoted (quotes doubled) if it holds a comma, quote or line break.
fn csv_cell(name: &str) -> String {
    if name.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", name.replace('"', "\"\""))
    } else {
        name.to_owned()
    }
}

/// An attempt in the system: what its row will say.
#[derive(Debug, Clone, Copy)]
struct Attempt {
    /// Whether this slot holds an attempt in the system (others are ignored).
    live: bool,
    journey: u64,
    ty: TypeId,
    arrival: f64,
    interval: u32,
    attempt: u16,
    repeat: u16,
    routed: bool,
    queued: bool,
    callback: bool,
    /// Answer time, seconds; NaN until answered.
    answered: f64,
    agent: u32,
    group: GroupId,
    /// Service time given at the answer, seconds.
    handle: f64,
}

impl Attempt {
    const EMPTY: Attempt = Attempt {
        live: false,
        journey: 0,
        ty: TypeId(0),
        arrival: 0.0,
        interval: 0,
        attempt: 0,
        repeat: 0,
        routed: false,
        queued: false,
        callback: false,
        answered: f64::NAN,
        agent: 0,
        group: GroupId(0),
        handle: 0.0,
    };
}

/// An attempt that has ended, held back until the next contact event (see the module docs).
#[derive(Debug, Clone, Copy)]
struct Ended {
    /// Slab slot of the contact when it ended.
    slot: u32,
    generation: u32,
    attempt: Attempt,
    end: f64,
    outcome: ContactOutcome,
    /// When the customer retries, seconds; NaN if not.
    retry_at: f64,
}

/// Writes `contacts.csv` rows and `journeys.csv` rows (to the writers given) as contacts and
/// journeys end; see the module docs. Pair it with the collector:
/// `Engine::with(sc, policy, (Collector::new(sc), ContactRecorder::new(sc, Some(contacts), None)))`.
///
/// Observer methods cannot fail: the first write error is kept, later rows are dropped, and
/// [`ContactRecorder::take_error`] hands it over (check it after each replication). The
/// recorder writes no header: see [`write_contact_header`] and [`write_journey_header`].
#[derive(Debug)]
pub struct ContactRecorder<W: Write> {
    contacts: Option<W>,
    journeys: Option<W>,
    error: Option<io::Error>,
    replication: u32,
    warmup: f64,
    csat: CsatModel,
    /// Per type: its name as a CSV cell, its channel, and whether it enters the self-service
    /// graph.
    types: Vec<(String, &'static str, bool)>,
    /// Group names as CSV cells.
    groups: Vec<String>,
    /// Attempts in the system, by slab slot.
    open: Vec<Attempt>,
    held: Option<Ended>,
}

impl<W: Write> ContactRecorder<W> {
    /// A recorder of `sc`'s contact attempts into `contacts` and its journeys into `journeys`,
    /// each if given (a scenario that does not follow journeys has no journey rows).
    pub fn new(sc: &Scenario, contacts: Option<W>, journeys: Option<W>) -> Self {
        Self {
            contacts,
            journeys,
            error: None,
            replication: 0,
            warmup: sc.warmup,
            csat: sc.csat,
            types: sc
                .contact_types
                .iter()
                .map(|t| (csv_cell(&t.name), t.channel.as_str(), t.ivr.is_some()))
                .collect(),
            groups: sc.agent_groups.iter().map(|g| csv_cell(&g.name)).collect(),
            open: Vec::with_capacity(256),
            held: None,
        }
    }

    /// The writers, to flush or swap between replications.
    pub fn writers_mut(&mut self) -> (Option<&mut W>, Option<&mut W>) {
        (self.contacts.as_mut(), self.journeys.as_mut())
    }

    /// The first write error since the last call, if any (rows after it were dropped).
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Flushes both writers; returns the first error met since the last check, if any.
    pub fn flush(&mut self) -> io::Result<()> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        for w in [&mut self.contacts, &mut self.journeys].into_iter().flatten() {
            w.flush()?;
        }
        Ok(())
    }

    /// The writers back (not flushed).
    pub fn into_inner(self) -> (Option<W>, Option<W>) {
        (self.contacts, self.journeys)
    }

    fn keep(&mut self, r: io::Result<()>) {
        if let Err(e) = r
            && self.error.is_none()
        {
            self.error = Some(e);
        }
    }

    /// Writes the held row, if any.
    #[inline]
    fn flush_held(&mut self) {
        if let Some(e) = self.held.take()
            && self.error.is_none()
        {
            let r = self.write_contact(&e);
            self.keep(r);
        }
    }

    /// Opens the row of the attempt that has just arrived.
    fn open(&mut self, c: &ContactInfo) {
        self.flush_held();
        let i = c.key.index as usize;
        if i >= self.open.len() {
            self.open.resize(i + 1, Attempt::EMPTY);
        }
        self.open[i] = Attempt {
            live: true,
            journey: c.journey,
            ty: c.ty,
            arrival: c.arrival,
            interval: c.interval,
            attempt: c.attempt,
            repeat: c.repeat,
            routed: c.routed,
            ..Attempt::EMPTY
        };
    }

    /// The live attempt of contact `c`, if any (events of contacts whose row has ended, such
    /// as a silently abandoned chat whose session an agent closes later, have none).
    #[inline]
    fn attempt_mut(&mut self, c: &ContactInfo) -> Option<&mut Attempt> {
        let a = self.open.get_mut(c.key.index as usize)?;
        debug_assert!(
            !a.live || a.journey == c.journey,
            "a row of another journey in this slot"
        );
        (a.live && a.journey == c.journey).then_some(a)
    }

    /// Ends `c`'s attempt at `now` with `outcome`; the row is held until the next contact event.
    fn end(&mut self, now: f64, c: &ContactInfo, outcome: ContactOutcome) {
        self.flush_held();
        let Some(a) = self.attempt_mut(c) else { return };
        a.live = false;
        let attempt = *a;
        self.held = Some(Ended {
            slot: c.key.index,
            generation: c.key.generation,
            attempt,
            end: now,
            outcome,
            retry_at: f64::NAN,
        });
    }

    /// The held row, if it is contact `c`'s.
    fn held_for(&mut self, c: &ContactInfo) -> Option<&mut Ended> {
        self.held
            .as_mut()
            .filter(|e| e.slot == c.key.index && e.generation == c.key.generation)
    }

    fn write_contact(&mut self, e: &Ended) -> io::Result<()> {
        let a = &e.attempt;
        let (ty, channel, graph) = &self.types[a.ty.index()];
        let answered = !a.answered.is_nan();
        let wait = if answered {
            a.answered - a.arrival
        } else if *graph
            && matches!(
                e.outcome,
                ContactOutcome::Contained
                    | ContactOutcome::IvrHangup
                    | ContactOutcome::Routed
                    | ContactOutcome::InSystemAtEnd
            )
            && !a.queued
        {
            0.0
        } else {
            e.end - a.arrival
        };
        let Some(w) = &mut self.contacts else {
            return Ok(());
        };
        write!(
            w,
            "{},{},{},{},{},{},{},{},{},{},{},{},",
            self.replication,
            a.journey,
            a.attempt,
            a.repeat,
            a.routed,
            ty,
            channel,
            a.arrival,
            a.interval,
            a.arrival >= self.warmup,
            a.queued,
            a.callback,
        )?;
        if answered {
            write!(w, "{}", a.answered)?;
        }
        write!(w, ",{},{},{},", wait, e.end, e.outcome.as_str())?;
        if !e.retry_at.is_nan() {
            write!(w, "{}", e.retry_at)?;
        }
        if answered {
            writeln!(w, ",{},{},{}", self.groups[a.group.index()], a.agent, a.handle)
        } else {
            w.write_all(b",,,\n")
        }
    }

    fn write_journey(&mut self, now: f64, j: &JourneyEnd) -> io::Result<()> {
        let Some(w) = &mut self.journeys else {
            return Ok(());
        };
        let resolved = j.outcome == JourneyOutcome::Resolved;
        let handled = u32::from(j.handled);
        let eta = self.csat.eta(resolved, handled, u32::from(j.failed), j.wait_excess) + self.csat.effort(j);
        let score = self.csat.score(eta, resolved, handled);
        writeln!(
            w,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            self.replication,
            j.journey,
            self.types[j.ty.index()].0,
            j.start,
            j.interval,
            j.start >= self.warmup,
            now,
            journey_outcome(j.outcome),
            j.handled,
            j.failed,
            j.wait,
            j.ivr,
            j.transfers,
            j.switches,
            j.context_lost,
            j.contained,
            j.bot_failed,
            score.p_satisfied,
        )
    }
}

impl<W: Write> Observer for ContactRecorder<W> {
    fn on_start(&mut self, replication: u32) {
        self.replication = replication;
        self.open.clear();
        self.held = None;
    }

    fn on_arrival(&mut self, _now: f64, c: &ContactInfo) {
        self.open(c);
    }

    fn on_enqueue(&mut self, _now: f64, c: &ContactInfo) {
        if let Some(a) = self.attempt_mut(c) {
            a.queued = true;
        }
    }

    fn on_callback(&mut self, now: f64, c: &ContactInfo, event: CallbackEvent) {
        match event {
            CallbackEvent::Accepted | CallbackEvent::MessageReturned => {
                if let Some(a) = self.attempt_mut(c) {
                    a.callback = true;
                }
            }
            CallbackEvent::Failed => self.end(now, c, ContactOutcome::CallbackFailed),
            CallbackEvent::Offered | CallbackEvent::Reached | CallbackEvent::NotReached => {}
        }
    }

    fn on_answer(&mut self, now: f64, c: &ContactInfo, agent: AgentId, group: GroupId, handle: f64) {
        if let Some(a) = self.attempt_mut(c) {
            a.answered = now;
            a.agent = agent.0;
            a.group = group;
            a.handle = handle;
        }
    }

    fn on_service_end(&mut self, now: f64, c: &ContactInfo, _agent: AgentId, _group: GroupId) {
        self.end(now, c, ContactOutcome::Answered);
    }

    fn on_transferred(&mut self, _now: f64, c: &ContactInfo) {
        if let Some(e) = self.held_for(c).filter(|e| e.outcome == ContactOutcome::Answered) {
            e.outcome = ContactOutcome::Transferred;
        }
    }

    fn on_retry_scheduled(&mut self, _now: f64, c: &ContactInfo, at: f64) {
        if let Some(e) = self.held_for(c) {
            e.retry_at = at;
        }
    }

    fn on_abandon(&mut self, now: f64, c: &ContactInfo) {
        self.end(now, c, ContactOutcome::Abandoned);
    }

    fn on_blocked(&mut self, now: f64, c: &ContactInfo) {
        self.end(now, c, ContactOutcome::Blocked);
    }

    fn on_refused(&mut self, now: f64, c: &ContactInfo) {
        self.end(now, c, ContactOutcome::Refused);
    }

    fn on_balked(&mut self, now: f64, c: &ContactInfo) {
        self.end(now, c, ContactOutcome::Balked);
    }

    fn on_message(&mut self, now: f64, c: &ContactInfo) {
        self.end(now, c, ContactOutcome::Message);
    }

    fn on_cleared(&mut self, now: f64, c: &ContactInfo) {
        self.end(now, c, ContactOutcome::Cleared);
    }

    fn on_self_service(&mut self, now: f64, c: &ContactInfo, end: SelfServiceEnd) {
        let outcome = match end {
            SelfServiceEnd::Contained => ContactOutcome::Contained,
            SelfServiceEnd::HungUp => ContactOutcome::IvrHangup,
            SelfServiceEnd::Routed => ContactOutcome::Routed,
        };
        self.end(now, c, outcome);
    }

    fn on_in_system_at_end(&mut self, now: f64, c: &ContactInfo) {
        self.end(now, c, ContactOutcome::InSystemAtEnd);
    }

    fn on_journey_end(&mut self, now: f64, j: &JourneyEnd) {
        if self.error.is_none() {
            let r = self.write_journey(now, j);
            self.keep(r);
        }
    }

    fn on_end(&mut self, _now: f64) {
        self.flush_held();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_is_defined_with_a_known_type() {
        for (name, ty, _unit, def) in CONTACT_COLUMNS.iter().chain(JOURNEY_COLUMNS) {
            let base = ty.strip_suffix(" or empty").unwrap_or(ty);
            assert!(["int", "float", "string", "bool"].contains(&base), "{name}: {ty}");
            assert!(!def.is_empty(), "{name}");
        }
    }

    #[test]
    fn names_with_commas_or_quotes_are_quoted() {
        assert_eq!(csv_cell("billing"), "billing");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
