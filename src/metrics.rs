//! The figures cxsim reports, declared once: name, unit, definition, estimator and exact
//! queueing-theory counterpart. The summary fold, the CSV and JSON files, the terminal table
//! and the theory tests all read these tables, so a figure cannot mean one thing in one output
//! and another elsewhere.
//!
//! Every figure except a percentile or a maximum is a **ratio estimator over replications**:
//! for each replication (or replication × interval) the table gives a numerator and a
//! denominator, and the figure is `Σ numerator / Σ denominator` over replications — the share
//! of all offered contacts, the mean over all answered contacts, the time average over all
//! measured time. A count such as `offered` has denominator 1: its figure is the mean per
//! replication. Its 95% interval is the delta-method one ([`RatioTally`]).

use crate::cost::CostCounts;
use crate::erlang;
use crate::scenario::{Closing, ErlangKind, Scenario};
use crate::stats::tally::RatioKind;
use crate::stats::{GroupCounts, TypeCounts};

#[cfg(doc)]
use crate::stats::tally::RatioTally;

/// What a figure is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A number of contacts (per replication, or a time-average number waiting).
    Contacts,
    /// A share between 0 and 1 (shown as a percentage).
    Probability,
    /// Seconds.
    Seconds,
    /// A number of agents.
    Agents,
    /// A score on its own scale (a 1–5 satisfaction score, NPS points from −100 to 100).
    Score,
    /// An amount in the scenario's money unit (`costs.currency`).
    Money,
    /// Hours (of agents' paid time).
    Hours,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Contacts => "contacts",
            Unit::Probability => "probability",
            Unit::Seconds => "seconds",
            Unit::Agents => "agents",
            Unit::Score => "score",
            Unit::Money => "money",
            Unit::Hours => "hours",
        }
    }
}

/// How a figure is estimated across replications.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Estimator {
    /// `Σ numerator / Σ denominator` over replications with a delta-method 95% interval.
    Ratio(RatioKind),
    /// Percentile `p` of the waits of answered contacts pooled over replications, with a
    /// sectioning interval ([`crate::stats::histogram::PooledQuantiles`]).
    Percentile(f64),
    /// The largest value seen in any replication; no interval.
    Maximum,
}

impl Estimator {
    /// A short description for `summary.json`.
    pub fn describe(self) -> &'static str {
        match self {
            Estimator::Ratio(RatioKind::Proportion) => {
                "ratio estimator: sum of numerators / sum of denominators over replications; 95% CI by the delta method, widened to the Wilson interval of the pooled counts"
            }
            Estimator::Ratio(RatioKind::MeanPerContact) => {
                "ratio estimator: sum over contacts / number of contacts, pooled over replications; 95% CI by the delta method"
            }
            Estimator::Ratio(RatioKind::TimeAverage) => {
                "ratio estimator: time integral / measured time, pooled over replications; 95% CI by the delta method"
            }
            Estimator::Ratio(RatioKind::PerReplication) => {
                "ratio estimator: sum of numerators / sum of denominators over replications; 95% CI by the delta method (Student t)"
            }
            Estimator::Ratio(RatioKind::Count) => "mean per replication of a count; 95% CI by Student t",
            Estimator::Percentile(_) => {
                "percentile of the waits pooled over replications (log-spaced histogram, interpolated); 95% CI by sectioning: the ratio-estimator interval of the pooled CDF at the estimate, mapped back"
            }
            Estimator::Maximum => "largest value in any replication; no CI",
        }
    }
}

/// The exact value of an Erlang model that a figure is compared with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Exact {
    PWait,
    PAbandon,
    PBlocked,
    SlOffered,
    SlAnswered,
    SlExclShortAbandons,
    AsaAll,
    AsaAnswered,
    MeanWaitAbandoned,
    /// The `p`-quantile of the wait of answered contacts.
    WaitQuantile(f64),
    Aht,
    MeanQueue,
    Occupancy,
    MeanAgents,
}

/// A figure of a contact type (or of all types together).
#[derive(Debug, Clone, Copy)]
pub struct TypeMetric {
    /// The name; for a per-threshold figure the prefix, completed by the threshold label
    /// (`sl_offered_` + `20s`).
    pub name: &'static str,
    /// One figure per service-level threshold of the type.
    pub per_threshold: bool,
    pub unit: Unit,
    pub definition: &'static str,
    pub estimator: Estimator,
    /// Reported per interval as well as for the whole period.
    pub per_interval: bool,
    pub exact: Option<Exact>,
    /// Numerator and denominator of one replication's cell, given the threshold index.
    pub value: fn(&TypeCounts, usize) -> (f64, f64),
    /// Counted from the replication's end state (contacts still in the system), not from
    /// interval counts: `value` does not apply.
    pub from_end_state: bool,
}

/// A figure of an agent group.
#[derive(Debug, Clone, Copy)]
pub struct GroupMetric {
    pub name: &'static str,
    pub unit: Unit,
    pub definition: &'static str,
    pub estimator: Estimator,
    pub exact: Option<Exact>,
    pub value: fn(&GroupCounts) -> (f64, f64),
}

/// A cost figure, of the center or of one site ([`crate::cost::CostCounts`]).
#[derive(Debug, Clone, Copy)]
pub struct CostMetric {
    pub name: &'static str,
    pub unit: Unit,
    pub definition: &'static str,
    pub estimator: Estimator,
    pub value: fn(&CostCounts) -> (f64, f64),
    /// Whether the figure is reported for the center (`None`) or site `Some(s)` of `sc`.
    pub applies: fn(&Scenario, Option<usize>) -> bool,
}

/// A ratio figure of the whole period and of each interval, with no exact counterpart.
const fn ratio(
    name: &'static str,
    unit: Unit,
    kind: RatioKind,
    definition: &'static str,
    value: fn(&TypeCounts, usize) -> (f64, f64),
) -> TypeMetric {
    TypeMetric {
        name,
        per_threshold: false,
        unit,
        definition,
        estimator: Estimator::Ratio(kind),
        per_interval: true,
        exact: None,
        value,
        from_end_state: false,
    }
}

const fn count(
    name: &'static str,
    definition: &'static str,
    value: fn(&TypeCounts, usize) -> (f64, f64),
) -> TypeMetric {
    ratio(name, Unit::Contacts, RatioKind::Count, definition, value)
}

const fn share(
    name: &'static str,
    per_threshold: bool,
    definition: &'static str,
    exact: Exact,
    value: fn(&TypeCounts, usize) -> (f64, f64),
) -> TypeMetric {
    TypeMetric {
        per_threshold,
        exact: Some(exact),
        ..ratio(name, Unit::Probability, RatioKind::Proportion, definition, value)
    }
}

const fn mean_wait(
    name: &'static str,
    definition: &'static str,
    exact: Exact,
    value: fn(&TypeCounts, usize) -> (f64, f64),
) -> TypeMetric {
    TypeMetric {
        exact: Some(exact),
        ..ratio(name, Unit::Seconds, RatioKind::MeanPerContact, definition, value)
    }
}

const fn percentile(name: &'static str, p: f64) -> TypeMetric {
    TypeMetric {
        name,
        per_threshold: false,
        unit: Unit::Seconds,
        definition: "percentile of the waits of answered contacts (zeros included), pooled over replications: the wait that this share of answered contacts did not exceed",
        estimator: Estimator::Percentile(p),
        per_interval: true,
        exact: Some(Exact::WaitQuantile(p)),
        value: |_, _| (0.0, 0.0),
        from_end_state: false,
    }
}

fn n(v: u64) -> f64 {
    v as f64
}

/// Failed attempts whose customer did not try again: abandoned, blocked, refused or balked
/// contacts, hang-ups in self-service and callbacks whose every dial failed, less those
/// retried (a retry is counted against the attempt that failed, in its slot).
fn lost(c: &TypeCounts) -> u64 {
    c.abandoned + c.blocked + c.refused + c.balked + c.ivr_hangups + c.callbacks_failed - c.retried
}

/// The figures of a contact type, in report order: the contact figures, the journey ones, then
/// those of the self-service graph.
pub const TYPE_METRICS: &[TypeMetric] = &concat_metrics();

/// The parts of [`TYPE_METRICS`], in report order; each but the first is reported only where
/// the scenario uses what it measures ([`applies`]).
const TYPE_METRIC_PARTS: [&[TypeMetric]; 5] = [
    CONTACT_METRICS,
    &JOURNEY_METRICS,
    &SELF_SERVICE_METRICS,
    &CALLBACK_METRICS,
    &SILENT_METRICS,
];

const N_ALL_METRICS: usize = {
    let (mut n, mut p) = (0, 0);
    while p < TYPE_METRIC_PARTS.len() {
        n += TYPE_METRIC_PARTS[p].len();
        p += 1;
    }
    n
};

const fn concat_metrics() -> [TypeMetric; N_ALL_METRICS] {
    let mut out = [CONTACT_METRICS[0]; N_ALL_METRICS];
    let (mut i, mut p) = (0, 0);
    while p < TYPE_METRIC_PARTS.len() {
        let mut j = 0;
        while j < TYPE_METRIC_PARTS[p].len() {
            out[i] = TYPE_METRIC_PARTS[p][j];
            i += 1;
            j += 1;
        }
        p += 1;
    }
    out
}

/// A share as written on a command line, `80%` or `0.8`: `None` unless a number in [0, 1].
pub fn parse_share(text: &str) -> Option<f64> {
    let t = text.trim();
    match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok().map(|x| x / 100.0),
        None => t.parse::<f64>().ok(),
    }
    .filter(|x| (0.0..=1.0).contains(x))
}

/// Whether figure `name` applies to scenario `sc`: journey figures where journeys are followed,
/// self-service figures where there is an IVR graph, callback and silent-abandonment figures
/// where some type has them. Elsewhere they would be empty and cost memory in every interval.
pub fn applies(sc: &Scenario, name: &str) -> bool {
    let types = &sc.contact_types;
    (sc.follow_journeys || !is_journey_figure(name))
        && (!sc.self_service.nodes.is_empty() || !is_self_service_figure(name))
        && (types.iter().any(|t| t.callback.is_some()) || !is_callback_figure(name))
        && (types.iter().any(|t| t.silent_abandon.is_some()) || !is_silent_figure(name))
}

/// The figures of each contact, in report order.
const CONTACT_METRICS: &[TypeMetric] = &[
    count("offered", "arrivals, blocked ones included, per replication", |c, _| {
        (n(c.offered), 1.0)
    }),
    count("answered", "contacts an agent picked up, per replication", |c, _| {
        (n(c.answered), 1.0)
    }),
    count(
        "abandoned",
        "contacts that hung up while waiting, per replication",
        |c, _| (n(c.abandoned), 1.0),
    ),
    count(
        "blocked",
        "arrivals that found the queue at capacity or all their lines taken, per replication",
        |c, _| (n(c.blocked), 1.0),
    ),
    count(
        "cleared",
        "contacts still waiting at closing with closing = \"clear\", per replication",
        |c, _| (n(c.cleared), 1.0),
    ),
    count(
        "balked",
        "arrivals that found no agent free and would not wait (balking), per replication",
        |c, _| (n(c.balked), 1.0),
    ),
    count(
        "messages",
        "contacts that waited their type's max_wait and left a message (not counted as abandoned), per replication",
        |c, _| (n(c.messages), 1.0),
    ),
    count(
        "refused",
        "arrivals refused because their line was closed (opening hours with when_closed = \"refuse\"), per replication",
        |c, _| (n(c.refused), 1.0),
    ),
    count(
        "retrials",
        "arrivals that were a journey's retry after it abandoned or was blocked (included in offered), per replication",
        |c, _| (n(c.retrials), 1.0),
    ),
    count(
        "lost",
        "abandoned, blocked, refused or balked contacts, hang-ups in self-service and callbacks whose every dial failed, whose customer did not try again, per replication",
        |c, _| (n(lost(c)), 1.0),
    ),
    TypeMetric {
        name: "in_system_at_end",
        per_threshold: false,
        unit: Unit::Contacts,
        definition: "measured contacts still waiting or in service when the replication ended, per replication (whole period only)",
        estimator: Estimator::Ratio(RatioKind::Count),
        per_interval: false,
        exact: None,
        value: |_, _| (0.0, 1.0),
        from_end_state: true,
    },
    share("p_abandon", false, "abandoned / offered", Exact::PAbandon, |c, _| {
        (n(c.abandoned), n(c.offered))
    }),
    share("p_blocked", false, "blocked / offered", Exact::PBlocked, |c, _| {
        (n(c.blocked), n(c.offered))
    }),
    ratio(
        "p_balked",
        Unit::Probability,
        RatioKind::Proportion,
        "balked / offered",
        |c, _| (n(c.balked), n(c.offered)),
    ),
    TypeMetric {
        name: "p_lost",
        per_threshold: false,
        unit: Unit::Probability,
        definition: "lost / first attempts (offered - retrials): the share of customers who gave up for good (per interval, a lost retry counts in its own interval, so an interval's value can exceed 1)",
        estimator: Estimator::Ratio(RatioKind::MeanPerContact),
        per_interval: true,
        exact: None,
        value: |c, _| (n(lost(c)), n(c.offered - c.retrials)),
        from_end_state: false,
    },
    share(
        "p_wait",
        false,
        "contacts that had to queue / (offered - blocked)",
        Exact::PWait,
        |c, _| (n(c.waited), n(c.offered - c.blocked)),
    ),
    share(
        "sl_offered_",
        true,
        "service level over offered: answered within T / offered (every abandonment and block is a miss)",
        Exact::SlOffered,
        |c, k| (n(c.answered_within[k]), n(c.offered)),
    ),
    share(
        "sl_answered_",
        true,
        "service level over answered: answered within T / answered",
        Exact::SlAnswered,
        |c, k| (n(c.answered_within[k]), n(c.answered)),
    ),
    share(
        "sl_excl_short_abandons_",
        true,
        "service level excluding short abandons: answered within T / (offered - abandoned within T)",
        Exact::SlExclShortAbandons,
        |c, k| (n(c.answered_within[k]), n(c.offered - c.abandoned_within[k])),
    ),
    mean_wait(
        "asa_all_s",
        "mean wait of every contact whose wait ended (answered; abandoned, with their time to abandon; cleared; left a message)",
        Exact::AsaAll,
        |c, _| {
            (
                c.wait_answered + c.wait_abandoned + c.wait_cleared + c.wait_message,
                n(c.answered + c.abandoned + c.cleared + c.messages),
            )
        },
    ),
    mean_wait(
        "asa_answered_s",
        "mean wait of answered contacts, zeros included",
        Exact::AsaAnswered,
        |c, _| (c.wait_answered, n(c.answered)),
    ),
    mean_wait(
        "mean_wait_abandoned_s",
        "mean time to abandon of abandoned contacts",
        Exact::MeanWaitAbandoned,
        |c, _| (c.wait_abandoned, n(c.abandoned)),
    ),
    percentile("wait_p50_s", 0.50),
    percentile("wait_p80_s", 0.80),
    percentile("wait_p90_s", 0.90),
    percentile("wait_p95_s", 0.95),
    percentile("wait_p99_s", 0.99),
    TypeMetric {
        name: "max_wait_s",
        per_threshold: false,
        unit: Unit::Seconds,
        definition: "longest wait of an answered contact in any replication",
        estimator: Estimator::Maximum,
        per_interval: true,
        exact: None,
        value: |_, _| (0.0, 0.0),
        from_end_state: false,
    },
    mean_wait("aht_s", "mean handle time of answered contacts", Exact::Aht, |c, _| {
        (c.handle, n(c.answered))
    }),
    TypeMetric {
        name: "mean_queue",
        per_threshold: false,
        unit: Unit::Contacts,
        definition: "time-average number of contacts waiting over the measured time",
        estimator: Estimator::Ratio(RatioKind::TimeAverage),
        per_interval: true,
        exact: Some(Exact::MeanQueue),
        value: |c, _| (c.queue_time, c.measured),
        from_end_state: false,
    },
];

const fn per_journey(
    name: &'static str,
    unit: Unit,
    definition: &'static str,
    value: fn(&TypeCounts, usize) -> (f64, f64),
) -> TypeMetric {
    ratio(name, unit, RatioKind::MeanPerContact, definition, value)
}

const fn journey_share(
    name: &'static str,
    definition: &'static str,
    value: fn(&TypeCounts, usize) -> (f64, f64),
) -> TypeMetric {
    ratio(name, Unit::Probability, RatioKind::Proportion, definition, value)
}

/// The figures of whole journeys, reported when the scenario follows journeys (see
/// [`crate::scenario::Scenario::follow_journeys`]); journeys count by the type and arrival
/// interval of their first contact.
pub const JOURNEY_FIGURES: &[&str] = &[
    "journeys",
    "journeys_open",
    "true_fcr",
    "p_resolved",
    "p_unresolved",
    "p_gave_up",
    "contacts_per_resolved",
    "journey_wait_s",
    "csat",
    "csat_score",
    "nps",
    "p_defect",
];

/// Whether `name` is a figure of followed journeys (one of [`JOURNEY_FIGURES`], or `repeats`).
pub fn is_journey_figure(name: &str) -> bool {
    name == "repeats" || JOURNEY_FIGURES.contains(&name)
}

/// The figures of a contact type that follow journeys, appended to [`TYPE_METRICS`]'s first part.
const JOURNEY_METRICS: [TypeMetric; 13] = [
    count(
        "repeats",
        "arrivals that were a journey's repeat contact after an unresolved one (included in offered), per replication",
        |c, _| (n(c.repeats), 1.0),
    ),
    count(
        "journeys",
        "journeys ended (resolved, unresolved, given up, or open at the end), by the type and arrival interval of their first contact, per replication",
        |c, _| (n(c.journeys), 1.0),
    ),
    count(
        "journeys_open",
        "journeys still under way when the replication ended (a retry or repeat due at or after the horizon), per replication",
        |c, _| (n(c.open), 1.0),
    ),
    journey_share(
        "true_fcr",
        "journeys resolved on their first contact / journeys",
        |c, _| (n(c.resolved_first), n(c.journeys)),
    ),
    journey_share("p_resolved", "journeys resolved on any contact / journeys", |c, _| {
        (n(c.resolved), n(c.journeys))
    }),
    journey_share(
        "p_unresolved",
        "journeys whose last handled contact did not resolve the need, with no repeat to follow / journeys",
        |c, _| (n(c.unresolved), n(c.journeys)),
    ),
    journey_share(
        "p_gave_up",
        "journeys whose customer abandoned, was blocked or cleared and did not try again / journeys",
        |c, _| (n(c.gave_up), n(c.journeys)),
    ),
    per_journey(
        "contacts_per_resolved",
        Unit::Contacts,
        "contacts handled per resolved journey",
        |c, _| (n(c.resolved_contacts), n(c.resolved)),
    ),
    per_journey(
        "journey_wait_s",
        Unit::Seconds,
        "seconds waited in queue per journey, over all its attempts and contacts",
        |c, _| (c.journey_wait, n(c.journeys)),
    ),
    per_journey(
        "csat",
        Unit::Probability,
        "expected share of journeys satisfied (top-2-box), from the journey CSAT model (csat_model in summary.json)",
        |c, _| (c.csat, n(c.journeys)),
    ),
    per_journey(
        "csat_score",
        Unit::Score,
        "expected satisfaction score per journey on a 1-5 scale (ordered logit, cutpoints -2, -1, 0, 1)",
        |c, _| (c.csat_score, n(c.journeys)),
    ),
    per_journey(
        "nps",
        Unit::Score,
        "net-promoter proxy per journey in points: 100 x (P(score 5) - P(score <= 3))",
        |c, _| (c.nps, n(c.journeys)),
    ),
    per_journey(
        "p_defect",
        Unit::Probability,
        "expected share of journeys whose customer intends to defect (by end state: resolved first time, resolved later, unresolved)",
        |c, _| (c.defect, n(c.journeys)),
    ),
];

/// Whether `name` is a figure of silent chat abandonment (reported when some type has it).
pub fn is_silent_figure(name: &str) -> bool {
    SILENT_METRICS.iter().any(|m| m.name == name)
}

/// The figures of silent chat abandonment.
const SILENT_METRICS: [TypeMetric; 2] = [
    count(
        "silent_abandoned",
        "chats abandoned silently (included in abandoned): left in the queue, each holding an agent's session for the timeout when taken, per replication",
        |c, _| (n(c.silent), 1.0),
    ),
    journey_share("p_silent", "silent abandonments / abandonments", |c, _| {
        (n(c.silent), n(c.abandoned))
    }),
];

/// Whether `name` is a callback figure (reported when some type offers callbacks).
pub fn is_callback_figure(name: &str) -> bool {
    CALLBACK_METRICS.iter().any(|m| m.name == name)
}

/// The figures of callbacks, by the type and arrival interval of the contact offered one.
const CALLBACK_METRICS: [TypeMetric; 6] = [
    count(
        "callbacks_offered",
        "callbacks offered to waiting contacts, per replication",
        |c, _| (n(c.callbacks_offered), 1.0),
    ),
    journey_share(
        "p_callback_accepted",
        "callbacks accepted / callbacks offered",
        |c, _| (n(c.callbacks_accepted), n(c.callbacks_offered)),
    ),
    count(
        "messages_returned",
        "messages left at the maximum wait and returned as callbacks, per replication",
        |c, _| (n(c.messages_returned), 1.0),
    ),
    count(
        "callback_dials",
        "dials of accepted callbacks (reached or not), per replication",
        |c, _| (n(c.dials_reached + c.dials_missed), 1.0),
    ),
    journey_share("p_dial_reached", "dials that reached the customer / dials", |c, _| {
        (n(c.dials_reached), n(c.dials_reached + c.dials_missed))
    }),
    count(
        "callbacks_failed",
        "accepted callbacks whose every dial failed, per replication",
        |c, _| (n(c.callbacks_failed), 1.0),
    ),
];

/// Whether `name` is a figure of the self-service graph (reported when the scenario has one).
pub fn is_self_service_figure(name: &str) -> bool {
    SELF_SERVICE_METRICS.iter().any(|m| m.name == name)
}

/// The figures of the self-service graph (IVR and bots) and of what follows it: counted for the
/// type whose arrivals entered the graph, except `transferred` (for the queue that transferred)
/// and the per-journey ones (for the journey's first type).
const SELF_SERVICE_METRICS: [TypeMetric; 10] = [
    count(
        "contained",
        "contacts a bot served to the end (false containments included), per replication",
        |c, _| (n(c.contained), 1.0),
    ),
    journey_share(
        "p_contained",
        "contacts a bot served to the end / contacts that left the self-service graph",
        |c, _| (n(c.contained), n(c.contained + c.ivr_hangups + c.routed)),
    ),
    count(
        "ivr_hangups",
        "contacts that hung up inside the self-service graph, per replication",
        |c, _| (n(c.ivr_hangups), 1.0),
    ),
    journey_share(
        "p_ivr_hangup",
        "contacts that hung up inside the self-service graph / contacts that left it",
        |c, _| (n(c.ivr_hangups), n(c.contained + c.ivr_hangups + c.routed)),
    ),
    count(
        "routed",
        "contacts the self-service graph sent on to an agent queue, per replication",
        |c, _| (n(c.routed), 1.0),
    ),
    per_journey(
        "mean_ivr_s",
        Unit::Seconds,
        "seconds in the self-service graph per contact that left it",
        |c, _| (c.ivr_time, n(c.contained + c.ivr_hangups + c.routed)),
    ),
    count(
        "transferred",
        "misrouted contacts this queue answered and transferred to the right one, per replication",
        |c, _| (n(c.transferred), 1.0),
    ),
    per_journey(
        "transfers_per_journey",
        Unit::Contacts,
        "transfers from a wrong queue per journey",
        |c, _| (n(c.journey_transfers), n(c.journeys)),
    ),
    per_journey(
        "switches_per_journey",
        Unit::Contacts,
        "moves to a contact type of another channel per journey",
        |c, _| (n(c.journey_switches), n(c.journeys)),
    ),
    per_journey(
        "journey_ivr_s",
        Unit::Seconds,
        "seconds in the self-service graph per journey, over all its passages",
        |c, _| (c.journey_ivr, n(c.journeys)),
    ),
];

/// The group figure reported only where some group does after-call work.
pub const WRAP_UP_FIGURE: &str = "occupancy_without_wrap_up";

/// The group figure reported only where some group's shrinkage takes scheduled agents off
/// the phones.
pub const SCHEDULED_FIGURE: &str = "scheduled_agents";

/// The figures of an agent group, in report order.
pub const GROUP_METRICS: &[GroupMetric] = &[
    GroupMetric {
        name: "occupancy",
        unit: Unit::Probability,
        definition: "working agent-time (serving, or after-call work) / on-duty agent-time",
        estimator: Estimator::Ratio(RatioKind::PerReplication),
        exact: Some(Exact::Occupancy),
        value: |g| (g.busy_time - g.pause_time, g.present_time),
    },
    GroupMetric {
        name: WRAP_UP_FIGURE,
        unit: Unit::Probability,
        definition: "agent-time serving contacts, after-call work left out / on-duty agent-time (reported where the group does after-call work)",
        estimator: Estimator::Ratio(RatioKind::PerReplication),
        exact: None,
        value: |g| (g.busy_time - g.wrap_time - g.pause_time, g.present_time),
    },
    GroupMetric {
        name: PAUSE_FIGURE,
        unit: Unit::Probability,
        definition: "agent-time pausing under the occupancy cap (present, unavailable, not working) / on-duty agent-time (reported where some group has a cap)",
        estimator: Estimator::Ratio(RatioKind::PerReplication),
        exact: None,
        value: |g| (g.pause_time, g.present_time),
    },
    GroupMetric {
        name: "mean_agents",
        unit: Unit::Agents,
        definition: "time-average number of agents on duty",
        estimator: Estimator::Ratio(RatioKind::PerReplication),
        exact: Some(Exact::MeanAgents),
        value: |g| (g.present_time, g.measured),
    },
    GroupMetric {
        name: SCHEDULED_FIGURE,
        unit: Unit::Agents,
        definition: "time-average number of agents scheduled, before shrinkage takes some off the phones (reported where some group has shrinkage)",
        estimator: Estimator::Ratio(RatioKind::PerReplication),
        exact: None,
        value: |g| (g.scheduled_time, g.measured),
    },
    GroupMetric {
        name: LABOUR_FIGURE,
        unit: Unit::Money,
        definition: "paid (scheduled) agent-hours × the group's loaded hourly cost, per replication (reported where something has a price)",
        estimator: Estimator::Ratio(RatioKind::PerReplication),
        exact: None,
        value: |g| (g.labour_cost, 1.0),
    },
    GroupMetric {
        name: "answered",
        unit: Unit::Contacts,
        definition: "contacts this group answered (by arrival interval), per replication",
        estimator: Estimator::Ratio(RatioKind::Count),
        exact: None,
        value: |g| (n(g.answered), 1.0),
    },
    workforce(
        "fatigue",
        Unit::Probability,
        "mean acute fatigue (0–1) of the agents on duty, time-weighted (MODEL.md §1.2)",
        |g| (g.fatigue_time, g.present_time),
    ),
    STRAIN,
    BURNOUT_SHARE,
    workforce(
        "absent_agents",
        Unit::Agents,
        "time-average number of scheduled agents absent",
        |g| (g.absent_time, g.measured),
    ),
    ABSENCE_RATE,
    workforce(
        "vacant_agents",
        Unit::Agents,
        "time-average number of scheduled places missing an agent because it is vacant (a leaver not yet replaced)",
        |g| (g.vacant_time, g.measured),
    ),
    workforce(
        "employed_agents",
        Unit::Agents,
        "time-average number of agents on the payroll (vacancies left out): the headcount trajectory",
        |g| (g.employed_time, g.measured),
    ),
    workforce(
        "new_hire_share",
        Unit::Probability,
        "share of employed agents in their new-hire period, time-weighted",
        |g| (g.new_hire_time, g.employed_time),
    ),
    GroupMetric {
        name: "quits",
        unit: Unit::Agents,
        definition: "agents who gave notice, per replication",
        estimator: Estimator::Ratio(RatioKind::Count),
        exact: None,
        value: |g| (n(g.quits), 1.0),
    },
    GroupMetric {
        name: "hires",
        unit: Unit::Agents,
        definition: "new hires who started in production, per replication",
        estimator: Estimator::Ratio(RatioKind::Count),
        exact: None,
        value: |g| (n(g.hires), 1.0),
    },
    workforce(
        "quits_per_agent_year",
        Unit::Score,
        "notices per employed agent-year: the quit hazard on a yearly scale (annual attrition a gives −ln(1 − a), 0.43 for 35%)",
        |g| (n(g.quits), g.employed_time / (365.0 * 86_400.0)),
    ),
];

/// Mean chronic strain of a group's employed agents (also a week's).
const STRAIN: GroupMetric = workforce(
    "strain",
    Unit::Probability,
    "mean chronic strain (0–1) of the employed agents, time-weighted (MODEL.md §1.2)",
    |g| (g.strain_time, g.employed_time),
);

/// Share of employed agents burnt out (also a week's).
const BURNOUT_SHARE: GroupMetric = workforce(
    "burnout_share",
    Unit::Probability,
    "share of employed agents whose strain is at least one burnout SD above the reference, time-weighted",
    |g| (g.burnt_out_time, g.employed_time),
);

/// Share of scheduled agent-time lost to absence (also a week's).
const ABSENCE_RATE: GroupMetric = workforce(
    "absence_rate",
    Unit::Probability,
    "scheduled agent-time lost to absence / scheduled agent-time (on duty, absent or vacant)",
    |g| (g.absent_time, g.present_time + g.absent_time + g.vacant_time),
);

/// Agent-hours in a full-time week: one FTE.
const FTE_HOURS: f64 = 40.0;

/// The figures of a week of the whole center under `[workforce]`: FTE are agent-hours per
/// 40-hour week, over the week's measured length (a partial week is scaled to a whole one).
pub const WEEK_METRICS: &[GroupMetric] = &[
    workforce(
        "required_fte",
        Unit::Agents,
        "agent-hours the staffing plan puts on the phones (on duty, or scheduled but absent or vacant) / 40 h per week",
        |g| (g.present_time + g.absent_time + g.vacant_time, fte_weeks(g.measured)),
    ),
    workforce(
        "available_fte",
        Unit::Agents,
        "agent-hours on duty / 40 h per week",
        |g| (g.present_time, fte_weeks(g.measured)),
    ),
    workforce(
        "fte_gap",
        Unit::Agents,
        "required less available FTE: the hours lost to absence and vacancies / 40 h per week",
        |g| (g.absent_time + g.vacant_time, fte_weeks(g.measured)),
    ),
    ABSENCE_RATE,
    STRAIN,
    BURNOUT_SHARE,
];

/// The denominator of an FTE figure over `measured` seconds: FTE-hours of one full-time agent
/// per week, scaled to the measured share of a week, in seconds.
fn fte_weeks(measured: f64) -> f64 {
    FTE_HOURS * 3600.0 * measured / (7.0 * 86_400.0)
}

/// The group figures reported only under `[workforce]`.
pub const WORKFORCE_FIGURES: &[&str] = &[
    "fatigue",
    "strain",
    "burnout_share",
    "absent_agents",
    "absence_rate",
    "vacant_agents",
    "employed_agents",
    "new_hire_share",
    "quits",
    "hires",
    "quits_per_agent_year",
];

/// A time-weighted workforce figure of a group.
const fn workforce(
    name: &'static str,
    unit: Unit,
    definition: &'static str,
    value: fn(&GroupCounts) -> (f64, f64),
) -> GroupMetric {
    GroupMetric {
        name,
        unit,
        definition,
        estimator: Estimator::Ratio(RatioKind::PerReplication),
        exact: None,
        value,
    }
}

/// Whether some group of the center (`None`) or of site `s` has a loaded hourly cost.
fn has_labour(sc: &Scenario, site: Option<usize>) -> bool {
    sc.agent_groups
        .iter()
        .any(|g| g.hourly_cost > 0.0 && (site.is_none() || g.site == site))
}

/// The contracts of the center's vendors (`None`) or of site `s`.
fn contracts(sc: &Scenario, site: Option<usize>) -> impl Iterator<Item = &crate::scenario::Contract> {
    sc.sites
        .iter()
        .enumerate()
        .filter(move |(i, _)| site.is_none_or(|s| s == *i))
        .filter_map(|(_, s)| s.contract.as_ref())
}

const fn money(
    name: &'static str,
    definition: &'static str,
    value: fn(&CostCounts) -> (f64, f64),
    applies: fn(&Scenario, Option<usize>) -> bool,
) -> CostMetric {
    CostMetric {
        name,
        unit: Unit::Money,
        definition,
        estimator: Estimator::Ratio(RatioKind::PerReplication),
        value,
        applies,
    }
}

/// The cost figures, in report order, for the center (scope `cost`, "all") and each site
/// (scope `site`); each is reported where it applies.
pub const COST_METRICS: &[CostMetric] = &[
    money(
        "total_cost",
        "all costs per replication: labour, vendor charges and SLA bonuses, AI conversations, telephony and self-service, less SLA penalties",
        |c| (c.total(), 1.0),
        |_, _| true,
    ),
    money(
        "labour_cost",
        "paid (scheduled) agent-hours of in-house groups × their loaded hourly cost, per replication",
        |c| (c.labour, 1.0),
        has_labour,
    ),
    money(
        "vendor_cost",
        "vendors' charges under their contracts (per staffed hour, handled minute or contact, with bands and minimums per billing period), per replication",
        |c| (c.vendor, 1.0),
        |sc, s| contracts(sc, s).next().is_some(),
    ),
    money(
        "sla_penalties",
        "penalties vendors pay back for service levels below their contracts' targets, per replication",
        |c| (c.penalties, 1.0),
        |sc, s| contracts(sc, s).any(|c| !c.sla.is_empty()),
    ),
    money(
        "sla_bonuses",
        "bonuses paid to vendors for service levels at or above their contracts' bonus targets, per replication",
        |c| (c.bonuses, 1.0),
        |sc, s| contracts(sc, s).any(|c| !c.sla.is_empty()),
    ),
    money(
        "ai_cost",
        "conversations AI agents answered × their price per conversation, per replication",
        |c| (c.ai, 1.0),
        |sc, s| {
            s.is_none()
                && sc
                    .agent_groups
                    .iter()
                    .any(|g| g.ai.as_ref().is_some_and(|a| a.cost_per_contact > 0.0))
        },
    ),
    money(
        "telephony_cost",
        "line minutes of voice contacts (self-service, waiting, talking; by arrival interval) × the price of a minute, per replication",
        |c| (c.telephony, 1.0),
        |sc, s| s.is_none() && sc.costs.telephony_per_minute > 0.0,
    ),
    money(
        "self_service_cost",
        "contacts self-service served to the end × its price per contact, per replication",
        |c| (c.self_service, 1.0),
        |sc, s| s.is_none() && sc.costs.self_service_per_contact > 0.0,
    ),
    CostMetric {
        name: "paid_hours",
        unit: Unit::Hours,
        definition: "paid (scheduled) agent-hours, breaks and shrinkage included, per replication",
        estimator: Estimator::Ratio(RatioKind::PerReplication),
        value: |c| (c.paid_hours, 1.0),
        applies: |_, _| true,
    },
    CostMetric {
        name: "cost_per_contact",
        unit: Unit::Money,
        definition: "total cost / contacts handled (answered by agents, or served to the end by self-service)",
        estimator: Estimator::Ratio(RatioKind::MeanPerContact),
        value: |c| (c.total(), c.handled),
        applies: |_, _| true,
    },
    CostMetric {
        name: "cost_per_resolved_journey",
        unit: Unit::Money,
        definition: "total cost / journeys resolved (by their first arrival; each has one resolving contact)",
        estimator: Estimator::Ratio(RatioKind::MeanPerContact),
        value: |c| (c.total(), c.resolved),
        applies: |sc, s| s.is_none() && sc.follow_journeys,
    },
];

/// The group figure reported only where some group has an occupancy cap.
pub const PAUSE_FIGURE: &str = "paused";

/// The group figure reported only where something has a price.
pub const LABOUR_FIGURE: &str = "labour_cost";

/// A service-level threshold as it appears in figure names: seconds (`20s`, `60s`).
pub fn threshold_label(t: f64) -> String {
    format!("{t}s")
}

/// One concrete figure of a type scope: a table entry and, for per-threshold figures, the
/// threshold index.
#[derive(Debug, Clone)]
pub struct TypeFigure {
    pub name: String,
    pub metric: &'static TypeMetric,
    /// Threshold index (0 unless `metric.per_threshold`).
    pub k: usize,
    /// The threshold in seconds, for per-threshold figures.
    pub threshold: Option<f64>,
}

/// The figures of a type scope with these SL thresholds, in report order.
pub fn type_figures(thresholds: &[f64]) -> Vec<TypeFigure> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < TYPE_METRICS.len() {
        let m = &TYPE_METRICS[i];
        if m.per_threshold {
            // Per-threshold figures are grouped by threshold: all three SL figures at the
            // first threshold, then at the second, …
            let run: Vec<&'static TypeMetric> = TYPE_METRICS[i..].iter().take_while(|m| m.per_threshold).collect();
            for (k, t) in thresholds.iter().enumerate() {
                for m in &run {
                    out.push(TypeFigure {
                        name: format!("{}{}", m.name, threshold_label(*t)),
                        metric: m,
                        k,
                        threshold: Some(*t),
                    });
                }
            }
            i += run.len();
        } else {
            out.push(TypeFigure {
                name: m.name.to_string(),
                metric: m,
                k: 0,
                threshold: None,
            });
            i += 1;
        }
    }
    out
}

/// The unit of the figure called `name` (a per-threshold name such as `sl_offered_20s`
/// included), if it is one of the tables'.
pub fn unit_of(name: &str) -> Option<Unit> {
    TYPE_METRICS
        .iter()
        .find(|m| {
            if m.per_threshold {
                name.starts_with(m.name)
            } else {
                name == m.name
            }
        })
        .map(|m| m.unit)
        .or_else(|| GROUP_METRICS.iter().find(|m| m.name == name).map(|m| m.unit))
        .or_else(|| WEEK_METRICS.iter().find(|m| m.name == name).map(|m| m.unit))
        .or_else(|| COST_METRICS.iter().find(|m| m.name == name).map(|m| m.unit))
}

/// The definition of a figure by its name (threshold labels replaced by `T`), for documents.
pub fn definitions() -> Vec<(String, &'static str, &'static str, &'static str)> {
    let mut out: Vec<(String, &'static str, &'static str, &'static str)> = TYPE_METRICS
        .iter()
        .map(|m| {
            let name = if m.per_threshold {
                format!("{}T", m.name)
            } else {
                m.name.to_string()
            };
            (name, m.unit.as_str(), m.definition, m.estimator.describe())
        })
        .collect();
    let more = GROUP_METRICS
        .iter()
        .map(|m| (m.name, m.unit, m.definition, m.estimator))
        .chain(WEEK_METRICS.iter().map(|m| (m.name, m.unit, m.definition, m.estimator)))
        .chain(COST_METRICS.iter().map(|m| (m.name, m.unit, m.definition, m.estimator)));
    for (name, unit, definition, estimator) in more {
        if out.iter().all(|(n, ..)| n != name) {
            out.push((name.to_string(), unit.as_str(), definition, estimator.describe()));
        }
    }
    out
}

/// Exact steady-state figures of a scenario that is an Erlang model.
#[derive(Debug, Clone, Copy)]
pub struct Theory {
    model: crate::scenario::ErlangModel,
    c: Option<erlang::ErlangC>,
    a: Option<erlang::ErlangA>,
    b: f64,
}

impl Theory {
    /// The exact figures of `sc` if it is an Erlang B, C or A model (stable, for C).
    pub fn of(sc: &Scenario) -> Option<Theory> {
        let model = sc.erlang_model()?;
        let load = model.arrival_rate * model.mean_service;
        let (mut c, mut a) = (None, None);
        match model.kind {
            ErlangKind::B => {}
            ErlangKind::C => c = Some(erlang::erlang_c(model.agents, model.arrival_rate, model.mean_service)?),
            ErlangKind::A { mean_patience } => {
                a = Some(erlang::erlang_a(
                    model.agents,
                    model.arrival_rate,
                    model.mean_service,
                    mean_patience,
                ));
            }
        }
        Some(Theory {
            model,
            c,
            a,
            b: erlang::erlang_b(model.agents, load),
        })
    }

    /// Whether a run of `sc` estimates the steady state the theory describes: it must discard
    /// a warm-up (else the figures include the empty start) and serve its queue at closing
    /// (else cleared contacts cut waits short).
    pub fn applies_to_run(sc: &Scenario) -> bool {
        sc.warmup > 0.0 && sc.closing == Closing::Serve
    }

    /// The exact value of `what` (at SL threshold `t` seconds where it applies), if theory
    /// has it for this model.
    pub fn value(&self, what: Exact, t: Option<f64>) -> Option<f64> {
        let m = &self.model;
        let load = m.arrival_rate * m.mean_service;
        let agents = f64::from(m.agents);
        let t = t.unwrap_or(0.0);
        match (m.kind, what) {
            (_, Exact::Aht) => Some(m.mean_service),
            (_, Exact::MeanAgents) => Some(agents),
            (ErlangKind::B, Exact::PBlocked) => Some(self.b),
            (ErlangKind::B, Exact::PWait | Exact::PAbandon | Exact::MeanQueue) => Some(0.0),
            (ErlangKind::B, Exact::Occupancy) => Some(load * (1.0 - self.b) / agents),
            (ErlangKind::B, Exact::AsaAll | Exact::AsaAnswered | Exact::WaitQuantile(_)) => Some(0.0),
            // Everyone accepted is answered at once; blocked contacts count in offered and
            // are not abandons, so only the SL over answered is 1.
            (ErlangKind::B, Exact::SlAnswered) => Some(1.0),
            (ErlangKind::B, Exact::SlOffered | Exact::SlExclShortAbandons) => Some(1.0 - self.b),
            (ErlangKind::B, Exact::MeanWaitAbandoned) => None,
            (ErlangKind::C, what) => {
                let c = self.c?;
                match what {
                    Exact::PWait => Some(c.p_wait),
                    Exact::PAbandon | Exact::PBlocked => Some(0.0),
                    Exact::SlOffered | Exact::SlAnswered | Exact::SlExclShortAbandons => Some(c.service_level(t)),
                    Exact::AsaAll | Exact::AsaAnswered => Some(c.asa),
                    Exact::MeanQueue => Some(c.mean_queue),
                    Exact::Occupancy => Some(c.occupancy),
                    Exact::WaitQuantile(p) => {
                        // P(W > w) = C e^{-(nμ-λ) w}.
                        let drain = agents / m.mean_service - m.arrival_rate;
                        Some(if p <= 1.0 - c.p_wait {
                            0.0
                        } else {
                            -((1.0 - p) / c.p_wait).ln() / drain
                        })
                    }
                    Exact::MeanWaitAbandoned | Exact::Aht | Exact::MeanAgents => None,
                }
            }
            (ErlangKind::A { .. }, what) => {
                let a = self.a?;
                match what {
                    Exact::PWait => Some(a.p_wait),
                    Exact::PAbandon => Some(a.p_abandon),
                    Exact::PBlocked => Some(0.0),
                    Exact::SlOffered => Some(a.sl_offered(t)),
                    Exact::SlAnswered => Some(a.sl_answered(t)),
                    Exact::SlExclShortAbandons => Some(a.sl_excl_short_abandons(t)),
                    Exact::AsaAll => Some(a.asa_all),
                    Exact::AsaAnswered => Some(a.asa_served),
                    Exact::MeanWaitAbandoned => Some(a.mean_wait_abandoned),
                    Exact::MeanQueue => Some(a.mean_queue),
                    Exact::Occupancy => Some(a.occupancy),
                    Exact::WaitQuantile(_) | Exact::Aht | Exact::MeanAgents => None,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_figure_name_is_unique_for_two_thresholds() {
        let figures = type_figures(&[20.0, 60.0]);
        let mut names: Vec<&str> = figures.iter().map(|f| f.name.as_str()).collect();
        let before = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), before);
        assert!(names.contains(&"sl_excl_short_abandons_60s"));
        let k60 = figures.iter().find(|f| f.name == "sl_answered_60s").unwrap();
        assert_eq!((k60.k, k60.threshold), (1, Some(60.0)));
    }

    #[test]
    fn the_short_abandon_figure_excludes_only_abandons_within_the_threshold() {
        let mut c = TypeCounts {
            offered: 100,
            abandoned: 10,
            ..TypeCounts::default()
        };
        c.answered_within[0] = 80;
        c.abandoned_within[0] = 4;
        let f = type_figures(&[20.0]);
        let excl = f.iter().find(|f| f.name == "sl_excl_short_abandons_20s").unwrap();
        assert_eq!((excl.metric.value)(&c, excl.k), (80.0, 96.0));
    }

    #[test]
    fn units_are_found_by_figure_name() {
        assert_eq!(unit_of("sl_answered_60s"), Some(Unit::Probability));
        assert_eq!(unit_of("occupancy"), Some(Unit::Probability));
        assert_eq!(unit_of("wait_p90_s"), Some(Unit::Seconds));
        assert_eq!(unit_of("mean_agents"), Some(Unit::Agents));
        assert_eq!(unit_of("offered"), Some(Unit::Contacts));
        assert_eq!(unit_of("nonsense"), None);
    }

    #[test]
    fn every_definition_is_written_down() {
        for (name, unit, definition, estimator) in definitions() {
            assert!(
                !definition.is_empty() && !estimator.is_empty() && !unit.is_empty(),
                "{name}"
            );
        }
    }
}
