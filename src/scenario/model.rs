//! The compiled scenario: names resolved to dense ids, distributions built, per-interval tables
//! expanded. Immutable, `Send + Sync`, and valid by construction: the engine cannot fail on it.

use super::raw::RawScenario;
use crate::dist::Dist;
use std::path::PathBuf;

/// Dense id of a contact type (its index in [`Scenario::contact_types`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub u16);

/// Dense id of an agent group (its index in [`Scenario::agent_groups`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupId(pub u16);

impl TypeId {
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl GroupId {
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Most service-level thresholds one contact type may carry.
pub const MAX_SL_THRESHOLDS: usize = 4;

/// What happens to contacts still waiting when the horizon (closing time) is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// Agents stay until every waiting contact is served or has abandoned.
    Serve,
    /// Waiting contacts are sent away at closing (counted as `cleared`).
    Clear,
}

/// A compiled scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name used in reports and in the results folder.
    pub name: String,
    pub description: String,
    /// The scenario file, if it was loaded from one.
    pub source: Option<PathBuf>,
    /// SHA-256 of the scenario file's bytes, hex.
    pub input_hash: String,
    /// Every file the scenario was built from, in the order read: the scenario file itself
    /// (when loaded from a file), then each empirical samples file.
    pub inputs: Vec<InputFile>,
    /// Things that are valid but probably not what was meant (an overloaded contact type
    /// without patience, a closing rule that cannot serve the queue), one line each. `cxsim
    /// run` and `cxsim check` print them on standard error.
    pub warnings: Vec<ScenarioWarning>,
    /// Clock time of t = 0, in seconds after midnight (`[simulation] start`, default 0):
    /// `0 <= day_start_s < 86400`. Only reports use it; the simulation runs in seconds from 0.
    pub day_start_s: f64,
    /// Closing time in seconds: contacts arrive in `[0, horizon)`. > 0.
    pub horizon: f64,
    /// Seconds excluded from statistics at the start; `0 <= warmup < horizon`.
    pub warmup: f64,
    /// Reporting/staffing interval length in seconds, > 0.
    pub interval: f64,
    /// Number of intervals covering `[0, horizon)`, >= 1: `ceil(horizon / interval)`, or the
    /// nearest whole number when the ratio is within a relative 1e-9 of it (see
    /// [`super::compile::interval_count`]).
    pub n_intervals: u32,
    pub seed: u64,
    /// Number of replications, >= 1.
    pub replications: u32,
    pub closing: Closing,
    /// Most contacts in the system at once before a replication stops as a runaway queue.
    pub max_in_system: usize,
    pub contact_types: Vec<ContactType>,
    pub agent_groups: Vec<AgentGroup>,
    /// Shared line limits; a type uses at most one (see [`ContactType::lines`]).
    pub lines: Vec<Lines>,
    /// Whether journeys are followed to their end and reported (journey figures, CSAT): when
    /// some type has a resolution or retrial model, or the file has a `[csat]` table.
    pub follow_journeys: bool,
    /// How a journey's CSAT is estimated (the defaults of MODEL.md §2 unless overridden).
    pub csat: CsatModel,
    /// Whether some type is an email type (deferred behind live work by the routing).
    pub has_email: bool,
    /// Whether some group's agents hold several chat sessions (routed to the least loaded).
    pub has_sessions: bool,
    /// Whether some group does after-call work on some type it serves.
    pub has_wrap_up: bool,
    /// Some group has an occupancy cap.
    pub has_occupancy_cap: bool,
    /// Whether some type has a priority class or a queue credit.
    pub has_priorities: bool,
    /// Whether some group's scheduled agents differ from those on the phones (shrinkage, or
    /// shifts with breaks): groups then report `scheduled_agents`.
    pub reports_scheduled: bool,
    /// Whether some group has a proficiency other than standard on some type.
    pub has_proficiency: bool,
    /// The rules of the built-in routing.
    pub routing: RoutingRules,
    /// Whether the built-in routing needs its general form ([`crate::routing::SkillsRouting`]):
    /// rules other than the defaults, a route on some type, or aging.
    pub skills_routing: bool,
    /// Where groups work; empty without `[[sites]]`.
    pub sites: Vec<super::Site>,
    /// Center-wide prices (zero without `[costs]`).
    pub costs: super::Costs,
    /// Whether anything has a price, so that cost figures are reported.
    pub has_costs: bool,
    /// Agent fatigue, strain, absence, attrition and learning; `None` without `[workforce]`.
    pub workforce: Option<crate::workforce::Workforce>,
    /// The agent-assist model (defaults without `[assist]`); used by groups with
    /// `assist_since`.
    pub assist: crate::assist::Assist,
    /// Whether some group uses agent-assist.
    pub has_assist: bool,
    /// Whether some group is a pool of AI agents.
    pub has_ai: bool,
    /// Weekday of the first day from t = 0: 0 = Monday … 6 = Sunday.
    pub first_day: u8,
    /// The self-service graph (IVR and bot nodes); empty when no type has `ivr`.
    pub self_service: super::SelfService,
    /// The file as written, for `run.toml`: with command-line overrides applied, the name
    /// filled in, and empirical samples files given by absolute path (so that `run.toml` can
    /// be run again from anywhere).
    pub raw: RawScenario,
}

/// A file a scenario was built from, with the SHA-256 of the bytes read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InputFile {
    /// What the file is: `"scenario"` or the field that names it (`contact_types[0].handle_time`).
    pub role: String,
    /// The file's path, absolute when it could be resolved.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
}

/// A scenario that is valid but probably not what was meant; see [`Scenario::warnings`].
/// Displayed like an error: `file:line:column: field: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioWarning {
    pub location: super::Location,
    /// Dotted path of the field the warning is about.
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for ScenarioWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}: {}", self.location, self.field, self.message)
    }
}

/// A compiled contact type.
#[derive(Debug, Clone)]
pub struct ContactType {
    pub name: String,
    /// Poisson arrival rate (per second) in each interval; `len() == n_intervals`.
    pub arrival_rates: Vec<f64>,
    pub handle_time: Dist,
    /// `None`: the contact never abandons.
    pub patience: Option<Dist>,
    /// After-call work after each handled contact, seconds (`None`: none), unless the group
    /// that handled it says otherwise ([`AgentGroup::wrap_up`]).
    pub wrap_up: Option<Dist>,
    /// Handle-time multiplier of each interval (applied by the interval of the answer);
    /// `None`: 1 throughout. `len() == n_intervals`, every value >= 0.
    pub handle_profile: Option<Vec<f64>>,
    /// Patience multiplier of each interval (applied by the interval of the attempt's
    /// arrival); `None`: 1 throughout.
    pub patience_profile: Option<Vec<f64>>,
    /// Handle-time distributions by arrival interval, a cycle of `len()` intervals dividing
    /// `n_intervals`: a contact arriving in interval `i` draws from `[i % len()]` instead of
    /// `handle_time`. Empty: `handle_time` throughout.
    pub handle_by_interval: Vec<Dist>,
    /// Patience distributions by the interval of an attempt's arrival, like
    /// `handle_by_interval`; non-empty only with `patience` (then the first of them unless
    /// the file gives one).
    pub patience_by_interval: Vec<Dist>,
    /// Service-level thresholds in seconds, 1 to [`MAX_SL_THRESHOLDS`], ascending, distinct.
    pub sl_thresholds: Vec<f64>,
    /// Priority class (higher first): a free agent of the built-in routing takes the oldest
    /// contact of the highest class its group serves — strict and non-preemptive. 0 by
    /// default.
    pub priority: i32,
    /// Queue credit, seconds: within its class the type's contacts are ordered as if they had
    /// arrived this much earlier. 0 by default.
    pub queue_credit: f64,
    /// Priority gained per second waited (aging): a contact that has waited `w` seconds
    /// ranks as class `priority + priority_aging·w` under `contact_selection = "priority"`.
    /// 0 by default (strict classes).
    pub priority_aging: f64,
    /// The groups serving this type in order of preference, each eligible once a contact has
    /// waited its `after` (overflow after a delay), sorted by tier; every group of
    /// `served_by` appears once. Empty: every serving group at once, as one tier.
    pub route: Vec<RouteStep>,
    /// Most contacts of this type that may wait at once; `None` = unlimited, `Some(0)` = no
    /// waiting room (a loss system).
    pub queue_capacity: Option<u32>,
    /// Groups that serve this type, in file order (never empty).
    pub served_by: Vec<GroupId>,
    /// What a customer does after abandoning or being blocked; `None`: leaves for good.
    pub retrial: Option<Retrial>,
    /// A random factor on the type's rates; `None`: the rates as given.
    pub busyness: Option<Busyness>,
    /// Index in [`Scenario::lines`] of the lines this type uses; `None`: unlimited.
    pub lines: Option<usize>,
    /// Whether a handled contact resolves the need, and what an unresolved customer does;
    /// `None`: every handled contact resolves it.
    pub resolution: Option<Resolution>,
    /// Opening hours; `None`: always open.
    pub hours: Option<Hours>,
    /// Seconds after which a contact still waiting leaves a message instead (counted in
    /// `messages`, not as an abandonment); `None`: no limit.
    pub max_wait: Option<f64>,
    /// The chance that a contact which must wait refuses to (balks); `None`: never.
    pub balking: Option<Balking>,
    /// Arrivals replayed from a file instead of drawn; `arrival_rates` then holds the file's
    /// counts per interval over the interval's length (for reports and checks only).
    pub replay: Option<Replay>,
    /// The self-service node each arrival enters first ([`Scenario::self_service`]); `None`:
    /// arrivals go straight to the type's queue.
    pub ivr: Option<u16>,
    /// The channel the type's customers use (a journey that moves to a type of another
    /// channel has switched channel).
    pub channel: super::Channel,
    /// Callbacks offered to contacts that must wait; `None`: never offered.
    pub callback: Option<Callback>,
    /// Chat customers who abandon silently: `(probability, timeout seconds)`. The system does
    /// not know they left: the chat stays in the queue, and the agent who takes it holds the
    /// session for the timeout before closing it (MODEL.md §3.2). `None`: every abandonment
    /// is seen.
    pub silent_abandon: Option<(f64, f64)>,
}

/// A group on a contact type's route.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RouteStep {
    pub group: GroupId,
    /// Seconds a contact must have waited in its queue before this group may take it (>= 0).
    pub after: f64,
    /// Position of its step in the route (0 first): lower tiers are preferred.
    pub tier: u16,
}

/// How the built-in routing chooses (`[routing]`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoutingRules {
    pub agent_selection: AgentSelection,
    pub contact_selection: ContactSelection,
    /// Weight of each type (by index) for [`ContactSelection::Weighted`]; empty otherwise.
    pub weights: Vec<f64>,
}

/// Which idle agent a ready contact goes to, among the groups of the first tier of its
/// route that is eligible and has an idle agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgentSelection {
    /// The agent idle longest.
    #[default]
    LongestIdle,
    /// An idle agent drawn uniformly, from the routing's own stream.
    Random,
    /// A group with an idle agent drawn uniformly, then its agent idle longest.
    RandomGroup,
    /// The group with the highest proficiency score on the type ([`Proficiency::score`]),
    /// then the agent idle longest.
    BestMatch,
    /// The group serving the fewest types, then the agent idle longest.
    FewestSkills,
}

/// Which waiting contact a free agent takes, among the types it serves whose oldest contact
/// has waited long enough for the agent's group. Email always comes after live contacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContactSelection {
    /// The highest class (with aging), then the earliest arrival less the queue credit.
    #[default]
    Priority,
    /// The contact waiting longest, whatever its class.
    LongestWait,
    /// The largest weight × time waited.
    Weighted,
}

/// A group's proficiency on a contact type.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Proficiency {
    /// Multiplier of the handle time (> 0; 1: standard).
    pub handle_time: f64,
    /// Multiplier of the probability of resolving (>= 0; the product is capped at 1).
    pub resolution: f64,
}

impl Default for Proficiency {
    fn default() -> Self {
        Self {
            handle_time: 1.0,
            resolution: 1.0,
        }
    }
}

impl Proficiency {
    /// Resolved contacts per agent-hour relative to the type's standard:
    /// `resolution / handle_time`. Best-match routing prefers the highest.
    pub fn score(&self) -> f64 {
        self.resolution / self.handle_time
    }
}

/// Callbacks (virtual hold, MODEL.md §4.2): a contact that must wait is offered a callback
/// when its announced wait exceeds `offer_wait`, or when it has waited `offer_waited`. It
/// accepts with `accept_max·(1 − exp(−announced wait / accept_scale))`, leaves the live line
/// (it no longer abandons) and keeps its place in the queue — or, with `lower`, joins its
/// type's callback queue, served only when no live contact waits for the agent. A message left
/// at the maximum wait may be returned the same way (`messages`). When its turn comes it is dialled:
/// reached with `reach`, else tried again `retry_gap` later, up to `retries` more times; never
/// reached, the attempt has failed (the type's retrial model may bring the customer back).
#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    /// Seconds of announced wait at entry above which a callback is offered.
    pub offer_wait: f64,
    /// Seconds waited after which a callback is offered (once), if it was not at entry.
    pub offer_waited: f64,
    pub accept_max: f64,
    /// θ of the acceptance curve, seconds.
    pub accept_scale: f64,
    /// Probability that a dial reaches the customer.
    pub reach: f64,
    /// Dials after the first.
    pub retries: u32,
    /// Seconds between dials.
    pub retry_gap: f64,
    /// Agent-first: an agent dials and spends `dial_time` on every attempt, reached or not.
    /// Customer-first (false): the customer is dialled first and an agent is taken only once
    /// the customer is on the line.
    pub agent_first: bool,
    /// Seconds an agent-first dial takes before the customer answers or not.
    pub dial_time: f64,
    /// Accepted callbacks wait in a callback queue behind every live contact (and ahead of
    /// email) instead of keeping their place in line.
    pub lower: bool,
    /// Whether waiting contacts are offered callbacks (false: only returned messages are).
    pub offers: bool,
    /// A contact reaching the type's maximum wait leaves a message that is returned as an
    /// accepted callback (dialled like one) instead of ending the attempt.
    pub messages: bool,
}

impl Callback {
    /// The probability that a customer told to expect `wait` seconds accepts.
    pub fn acceptance(&self, wait: f64) -> f64 {
        self.accept_max * (1.0 - (-wait / self.accept_scale).exp())
    }
}

/// Recorded arrivals: the same in every replication.
#[derive(Debug, Clone, PartialEq)]
pub struct Replay {
    /// Arrival times in seconds from t = 0, ascending, each in `[0, horizon)`.
    pub times: Vec<f64>,
    /// Each arrival's handle time (seconds), if the file gives them; else drawn. NaN for one
    /// arrival: drawn for that one (a replayed log's unanswered call).
    pub handle: Option<Vec<f64>>,
    /// Each arrival's patience (seconds), if the file gives them; else drawn.
    pub patience: Option<Vec<f64>>,
}

/// Balking: a contact that finds no agent free leaves at once with a probability that rises
/// with what it is told — the number waiting ahead of it, or the predicted wait — linear
/// between the given points and flat beyond them.
#[derive(Debug, Clone, PartialEq)]
pub struct Balking {
    pub by: BalkBy,
    /// `(x, probability)` points, x ascending (contacts ahead, or seconds of predicted wait).
    pub points: Vec<(f64, f64)>,
}

/// What a balking customer judges by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BalkBy {
    /// The number of contacts of its type waiting ahead of it.
    Queue,
    /// The announced wait: (contacts ahead + 1) × mean handle time / agents on duty serving
    /// the type (seconds).
    Wait,
}

impl Balking {
    /// The probability of balking at `x`.
    pub fn probability(&self, x: f64) -> f64 {
        piecewise_linear(&self.points, x)
    }
}

/// What happens to a contact that arrives while its line is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenClosed {
    /// It arrives again at the next opening (with the patience and handle time it has).
    Defer,
    /// It is refused (counted in `refused`), and may retry like a blocked contact.
    Refuse,
}

/// Opening hours of a contact type: the windows `[open, close)` in which contacts are
/// admitted, what happens to those arriving outside them, and to those still waiting at each
/// closing.
#[derive(Debug, Clone, PartialEq)]
pub struct Hours {
    /// Open windows in seconds from t = 0: ascending, disjoint, non-empty, the first ending
    /// after 0, and reaching past the horizon's last opening.
    pub windows: Vec<(f64, f64)>,
    pub when_closed: WhenClosed,
    /// At each closing: `Serve` leaves the waiting contacts to the agents on duty; `Clear`
    /// sends them away (counted in `cleared`).
    pub at_close: Closing,
}

impl Hours {
    /// `Ok` if the line is open at `t`; else the next opening after `t`, if any.
    pub fn open_at(&self, t: f64) -> Result<(), Option<f64>> {
        let i = self.windows.partition_point(|w| w.1 <= t);
        match self.windows.get(i) {
            Some(w) if w.0 <= t => Ok(()),
            Some(w) => Err(Some(w.0)),
            None => Err(None),
        }
    }

    /// The first closing time after `t` (strictly), if any.
    pub fn next_close_after(&self, t: f64) -> Option<f64> {
        let i = self.windows.partition_point(|w| w.1 <= t);
        self.windows.get(i).map(|w| w.1)
    }
}

impl ContactType {
    /// The handle-time distribution of a contact arriving in interval `i`.
    #[inline]
    pub fn handle_time_at(&self, i: u32) -> &Dist {
        if self.handle_by_interval.is_empty() {
            &self.handle_time
        } else {
            &self.handle_by_interval[i as usize % self.handle_by_interval.len()]
        }
    }

    /// The patience distribution of an attempt arriving in interval `i` (`None`: waits
    /// forever).
    #[inline]
    pub fn patience_at(&self, i: u32) -> Option<&Dist> {
        if self.patience_by_interval.is_empty() {
            self.patience.as_ref()
        } else {
            Some(&self.patience_by_interval[i as usize % self.patience_by_interval.len()])
        }
    }

    /// The handle-time multiplier of interval `i` (1 without a profile).
    pub fn handle_multiplier(&self, i: usize) -> f64 {
        self.handle_profile.as_ref().map_or(1.0, |p| p[i])
    }

    /// Whether this type's journeys make decisions after their arrival (retry, resolve,
    /// repeat), and so draw their own substream at their first arrival.
    pub fn journey_decides(&self) -> bool {
        self.retrial.is_some()
            || self.resolution.is_some()
            || self.balking.is_some()
            || self.ivr.is_some()
            || self.callback.is_some()
            || self.silent_abandon.is_some()
    }
}

/// First-contact resolution: each handled contact resolves the customer's need with
/// `probability`; an unresolved customer may contact again (`repeat`).
#[derive(Debug, Clone)]
pub struct Resolution {
    /// In `[0, 1]`.
    pub probability: f64,
    /// What an unresolved customer does; `None`: never comes back (the journey ends unresolved).
    pub repeat: Option<Repeat>,
}

/// A repeat contact after an unresolved one: a new contact of the same journey, of type `ty`,
/// `delay` after the unresolved contact ended, with a fresh handle time and patience drawn
/// from the journey's substream. A repeat due at or after the horizon leaves the journey open.
#[derive(Debug, Clone)]
pub struct Repeat {
    /// In `[0, 1]`.
    pub probability: f64,
    /// Seconds from the end of the unresolved contact to the repeat's arrival.
    pub delay: Dist,
    /// The type of the repeat contact (the same type unless given).
    pub ty: TypeId,
    /// Contacts handled in all, the first included, after which an unresolved customer stops
    /// trying; at least 1.
    pub max_contacts: u32,
}

/// The journey CSAT model of MODEL.md §2: a latent score
/// `η = base + unresolved·1[not resolved] + per_repeat·(handled − 1) + per_abandoned·failed
///      + per_wait_minute·Σ max(0, wait − wait_grace)/60`
/// per journey; `P(satisfied) = σ(η)` (top-2-box), a 1–5 score from an ordered logit with
/// cutpoints −2, −1, 0, +1, an NPS proxy `P(5) − P(≤3)`, and a defection probability by end
/// state. With `heterogeneity` σ_u > 0 the customer effect u ~ N(0, σ_u²) is integrated out
/// by the probit approximation `E σ(η + u) ≈ σ(η / √(1 + πσ_u²/8))`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct CsatModel {
    /// β0: the score of a clean journey resolved on its first contact (1.73: P = 0.85).
    pub base: f64,
    /// β_unres: not resolved at the journey's end or at the horizon (−2.8).
    pub unresolved: f64,
    /// β_rep: each handled contact after the first (−0.68).
    pub per_repeat: f64,
    /// β_abn: each abandoned or blocked attempt (−0.30).
    pub per_abandoned: f64,
    /// β_wait: each minute of an attempt's wait beyond `wait_grace_s` (−0.06).
    pub per_wait_minute: f64,
    /// w0, seconds: waits up to this cost nothing (120).
    pub wait_grace_s: f64,
    /// σ_u: spread of the customer effect (0: off).
    pub heterogeneity: f64,
    /// P(defect) of a journey resolved on its first contact (0.05).
    pub defect_resolved_first: f64,
    /// P(defect) of a journey resolved after two or more contacts (0.09).
    pub defect_resolved_later: f64,
    /// P(defect) of a journey not resolved (0.25).
    pub defect_unresolved: f64,
    /// β_xfer: each (cold) transfer from a wrong queue (−0.56).
    pub transfer: f64,
    /// β_sw: each move to another channel (−0.40).
    pub switch: f64,
    /// β_ctx: each hand-off that loses the context, so the customer repeats it (−0.30).
    pub context_loss: f64,
    /// β_bot: a bot failed before a human took over (−0.30).
    pub bot_fail: f64,
    /// β_ivr: each minute in the self-service graph beyond `ivr_grace_s` (−0.10).
    pub per_ivr_minute: f64,
    /// i0, seconds: time in the self-service graph up to this costs nothing (60).
    pub ivr_grace_s: f64,
    /// ω_cb: weight of time waited off the line for a callback, against time on hold (0.25).
    pub callback_wait_weight: f64,
    /// w0 of chat, seconds: chat waits up to this cost nothing (180; beyond, `per_wait_minute`).
    pub chat_wait_grace_s: f64,
    /// w0 of email, seconds (24 h).
    pub email_wait_grace_s: f64,
    /// β_wait of email: each hour an email waits beyond `email_wait_grace_s` (−0.02).
    pub email_per_wait_hour: f64,
}

impl Default for CsatModel {
    fn default() -> Self {
        Self {
            base: 1.73,
            unresolved: -2.8,
            per_repeat: -0.68,
            per_abandoned: -0.30,
            per_wait_minute: -0.06,
            wait_grace_s: 120.0,
            heterogeneity: 0.0,
            defect_resolved_first: 0.05,
            defect_resolved_later: 0.09,
            defect_unresolved: 0.25,
            transfer: -0.56,
            switch: -0.40,
            context_loss: -0.30,
            bot_fail: -0.30,
            per_ivr_minute: -0.10,
            ivr_grace_s: 60.0,
            callback_wait_weight: 0.25,
            chat_wait_grace_s: 180.0,
            email_wait_grace_s: 86_400.0,
            email_per_wait_hour: -0.02,
        }
    }
}

/// What a journey's CSAT model gives: expected top-2-box probability, mean 1–5 score, NPS
/// proxy (−1 to 1) and defection probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JourneyScore {
    pub p_satisfied: f64,
    pub mean_score: f64,
    pub nps: f64,
    pub p_defect: f64,
}

impl CsatModel {
    /// The latent score η of a journey: `resolved` at its end, `handled` contacts handled by
    /// an agent, `failed` abandoned or blocked attempts, `wait_excess_s` seconds waited beyond
    /// the grace, summed over attempts.
    pub fn eta(&self, resolved: bool, handled: u32, failed: u32, wait_excess_s: f64) -> f64 {
        self.base
            + if resolved { 0.0 } else { self.unresolved }
            + self.per_repeat * f64::from(handled.saturating_sub(1))
            + self.per_abandoned * f64::from(failed)
            + self.per_wait_minute * wait_excess_s / 60.0
    }

    /// The effort terms of a journey's latent score beyond [`CsatModel::eta`]'s: transfers,
    /// channel switches, lost context, a failed bot, and time in the self-service graph beyond
    /// its grace. 0 for a journey that met none of them.
    pub fn effort(&self, j: &crate::stats::JourneyEnd) -> f64 {
        let mut e = 0.0;
        e += j.csat_shift;
        if j.transfers | j.switches | j.context_lost != 0 || j.bot_failed {
            e += self.transfer * f64::from(j.transfers)
                + self.switch * f64::from(j.switches)
                + self.context_loss * f64::from(j.context_lost)
                + if j.bot_failed { self.bot_fail } else { 0.0 };
        }
        e += self.email_per_wait_hour * j.email_wait_excess_h;
        if j.ivr > self.ivr_grace_s {
            e += self.per_ivr_minute * (j.ivr - self.ivr_grace_s) / 60.0;
        }
        e
    }

    /// The outputs of a journey with latent score `eta`.
    pub fn score(&self, eta: f64, resolved: bool, handled: u32) -> JourneyScore {
        let scale = (1.0 + std::f64::consts::PI * self.heterogeneity * self.heterogeneity / 8.0).sqrt();
        // σ((η − c)/s) = 1 / (1 + e^(−η/s)·e^(c/s)) for the cutpoints c = −2, −1, 0, 1: two
        // exponentials instead of four (this runs once per journey).
        let step = if scale == 1.0 {
            std::f64::consts::E
        } else {
            (1.0 / scale).exp()
        };
        let base = (-eta / scale).exp();
        let at_least = |factor: f64| 1.0 / (1.0 + base * factor);
        let (p2, p3, p4, p5) = (
            at_least(1.0 / (step * step)),
            at_least(1.0 / step),
            at_least(1.0),
            at_least(step),
        );
        JourneyScore {
            p_satisfied: p4,
            mean_score: 1.0 + p2 + p3 + p4 + p5,
            nps: p5 - (1.0 - p4),
            p_defect: match (resolved, handled) {
                (false, _) => self.defect_unresolved,
                (true, 0 | 1) => self.defect_resolved_first,
                (true, _) => self.defect_resolved_later,
            },
        }
    }
}

/// Lines (trunks, ports) shared by some contact types: at most `capacity` of their contacts in
/// the system at once, waiting or in service; an arrival that finds them all taken is blocked
/// (counted in `blocked`), as if it got a busy signal.
#[derive(Debug, Clone, PartialEq)]
pub struct Lines {
    pub name: String,
    pub capacity: u32,
}

/// Day-to-day (or run-to-run) busyness: every rate of a day (or of a whole replication) is
/// multiplied by a gamma factor of mean 1 and shape `shape` (variance 1/shape), drawn at the
/// start of each replication from a stream keyed by `key`: types with the same key share the
/// factors. A day's count is then Poisson-gamma (negative binomial): variance μ + μ²/shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Busyness {
    /// Gamma shape, > 0.
    pub shape: f64,
    /// Seconds each factor covers: 86,400 (per day) or the horizon (per replication).
    pub period: f64,
    /// Stream key: the hash of the `shared` name, or of the type's own name.
    pub key: u64,
}

/// Retrials: a customer who abandoned or was blocked tries again, as a new contact of the same
/// type and the same journey (same base handle time: the same need), with probability
/// `probability` after each failed attempt, `delay` after it, until `max_attempts` attempts in
/// all. A retry due at or after the horizon is counted as retried but not simulated.
#[derive(Debug, Clone)]
pub struct Retrial {
    /// In `[0, 1]`.
    pub probability: f64,
    /// Seconds from the failed attempt to the next one.
    pub delay: Dist,
    /// Attempts in all, the first included; at least 1.
    pub max_attempts: u32,
    /// Patience on a retry; `None` keeps the type's patience distribution.
    pub patience: Option<Dist>,
    /// A share of the retries goes to another type; `None`: every retry is of this type.
    pub switch: Option<RetrySwitch>,
}

/// Retries that go to another contact type — typically another channel, as a chat customer
/// tired of waiting who calls instead. The retry arrives as a contact of type `to` (its
/// attempts still counted against `max_attempts` of the type it leaves and then of `to`), with
/// a fresh handle time of `to` times `handle_factor` and `to`'s own patience. A move to
/// another channel counts a switch in the journey, and without `context` a context loss.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySwitch {
    pub to: TypeId,
    /// Share of the retries that switch, in `[0, 1]`.
    pub probability: f64,
    /// Whether the agent of `to` sees the earlier attempts (no re-authentication, no retelling).
    pub context: bool,
    /// Multiplier on the handle time drawn for `to`.
    pub handle_factor: f64,
}

/// Who leaves when a group's headcount falls while some of its agents are busy (idle agents
/// always leave first, the most recently idle first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LeaveRule {
    /// Busy agents are marked at the change (the highest-numbered first) and leave when their
    /// contact ends; the others stay on.
    #[default]
    Marked,
    /// Whichever busy agents finish first leave, until the group is down to its headcount
    /// (the rule of ContactCenters and SSJ: the staffed count reaches the target soonest).
    FirstFree,
}

/// A compiled agent group.
#[derive(Debug, Clone)]
pub struct AgentGroup {
    pub name: String,
    /// Types this group serves, in file order (never empty).
    pub serves: Vec<TypeId>,
    /// Agents on the phones in each interval: the scheduled headcount less the shrinkage,
    /// rounded to the nearest agent (with shifts: the most on the phones at any time of the
    /// interval); `len() == n_intervals`.
    pub headcount: Vec<u32>,
    /// Agents scheduled in each interval, before shrinkage and breaks (with shifts: the
    /// interval's time-average); `len() == n_intervals`.
    pub scheduled: Vec<f64>,
    /// With shifts: the agents on the phones from each change time on (seconds, ascending,
    /// the first at 0), which the engine follows instead of `headcount`. Empty otherwise.
    pub staffing: Vec<(f64, u32)>,
    /// Who leaves when the headcount falls while agents are busy.
    pub leave_rule: LeaveRule,
    /// The largest headcount in any interval.
    pub max_headcount: u32,
    /// Agents on the payroll: agent records the engine keeps for the group (at least
    /// `max_headcount`; more only under `[workforce]`, where they take days off in turn).
    pub employees: u32,
    /// This group's probability of resolving a contact, by type index, where it overrides the
    /// type's `resolution.probability`; empty: no override.
    pub resolution: Vec<Option<f64>>,
    /// Chat sessions each agent holds at once (k, at least 1). The engine gives each agent k
    /// session slots; `headcount` counts agents.
    pub sessions: u32,
    /// α of limited processor sharing (MODEL.md §3.2): while an agent holds `c` sessions, each
    /// session's remaining work drains at rate `1 / (1 + α·(c − 1))`. 0: no slowdown.
    pub slowdown: f64,
    /// δ_c, the relative loss of first-contact resolution per extra concurrent session
    /// (MODEL.md §3.2): a chat handled at a time-averaged concurrency `c̄` resolves with
    /// `P(resolve)·(1 − δ_c·(c̄ − 1))` (at least 0). 0: concurrency does not change resolution.
    pub fcr_loss: f64,
    /// After-call work (seconds) of this group's agents after a contact of each type, by type
    /// index: the group's own distribution for the type, else the type's `wrap_up`. Empty
    /// when the group does none.
    pub wrap_up: Vec<Option<Dist>>,
    /// `(contacts waiting, multiplier)` points, x strictly ascending, multipliers >= 0: an
    /// after-call work that starts while that many contacts of the types the group serves
    /// wait is drawn, then multiplied (linear between points, flat beyond). Empty: never
    /// shortened.
    pub wrap_up_under_load: Vec<(f64, f64)>,
    /// Proficiency by type index; empty: standard (1, 1) on every type.
    pub proficiency: Vec<Proficiency>,
    /// The site the group works from (index in [`Scenario::sites`]).
    pub site: Option<usize>,
    /// Loaded cost of one paid (scheduled) agent hour, money per hour: the group's own, else
    /// its site's, else 0. 0 for a vendor's group, billed by the contract.
    pub hourly_cost: f64,
    /// The group's occupancy cap, if any.
    pub occupancy_cap: Option<OccupancyCap>,
    /// When AI agent-assist was rolled out to the group, seconds from t = 0 (negative: before
    /// the start); `None`: the group works without it.
    pub assist_since: Option<f64>,
    /// The group is a pool of AI agents; its headcount is the conversations it holds at once.
    pub ai: Option<AiPool>,
}

/// A pool of AI agents (a virtual agent answering chats or calls): each conversation lasts a
/// draw of `handle_time` whatever the type, resolves with probability `resolution`, and is
/// otherwise handed at once to type `escalate_to` (a fresh handle time of that type times
/// `handoff`). During an outage the pool holds nothing, and the conversations in progress as
/// it begins are handed over the same way (failover). AI agents do no after-call work, take
/// no breaks, never tire and are paid per conversation.
#[derive(Debug, Clone)]
pub struct AiPool {
    /// Seconds of one conversation.
    pub handle_time: Dist,
    /// In `[0, 1]`.
    pub resolution: f64,
    pub escalate_to: TypeId,
    /// Multiplier on the handed-over contact's handle time, > 0.
    pub handoff: f64,
    /// Money per conversation answered.
    pub cost_per_contact: f64,
    /// `(start, end)` seconds, ascending and disjoint.
    pub outages: Vec<(f64, f64)>,
}

impl AiPool {
    /// Whether the pool is down at time `t`.
    pub fn down_at(&self, t: f64) -> bool {
        self.outages.iter().any(|(s, e)| *s <= t && t < *e)
    }
}

/// An occupancy cap: each agent's recent occupancy is an exponentially weighted average of
/// its working time (serving or after-call work = 1, idle, paused or off = 0) with time
/// constant `window`. An agent finishing a contact (and its after-call work) with a recent
/// occupancy above `max` pauses for `pause` — present, unavailable, not working — and checks
/// again at its end, until it is back at or under the cap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OccupancyCap {
    /// The cap, a share in (0, 1].
    pub max: f64,
    /// Seconds.
    pub window: f64,
    /// Seconds.
    pub pause: f64,
}

impl AgentGroup {
    /// The group's proficiency on type `ty` (standard without one).
    #[inline]
    pub fn proficiency_on(&self, ty: TypeId) -> Proficiency {
        self.proficiency.get(ty.index()).copied().unwrap_or_default()
    }

    /// The after-call work multiplier with `waiting` contacts waiting (see
    /// [`AgentGroup::wrap_up_under_load`]); 1 without points.
    pub fn wrap_up_factor(&self, waiting: f64) -> f64 {
        if self.wrap_up_under_load.is_empty() {
            return 1.0;
        }
        piecewise_linear(&self.wrap_up_under_load, waiting)
    }
}

/// The function through `points` (x strictly ascending) at `x`: linear between points, flat
/// beyond the first and the last; 0 without points.
pub fn piecewise_linear(points: &[(f64, f64)], x: f64) -> f64 {
    let i = points.partition_point(|(px, _)| *px <= x);
    match (i.checked_sub(1).map(|j| points[j]), points.get(i)) {
        (None, Some(first)) => first.1,
        (Some(last), None) => last.1,
        (Some(a), Some(b)) => a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0),
        (None, None) => 0.0,
    }
}

/// The parameters of a scenario that is exactly an Erlang model, so that theory can be shown
/// beside the simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangModel {
    pub agents: u32,
    pub arrival_rate: f64,
    pub mean_service: f64,
    pub kind: ErlangKind,
}

/// Which Erlang formula applies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ErlangKind {
    /// M/M/n/n: no waiting room.
    B,
    /// M/M/n: unlimited queue, no abandonment.
    C,
    /// M/M/n+M: unlimited queue, exponential patience with this mean (seconds).
    A { mean_patience: f64 },
}

impl Scenario {
    /// Sets the master seed, as `--seed` does: the run record (`run.toml`) shows it too.
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
        self.raw.simulation.seed = Some(toml::Spanned::new(0..0, seed as i64));
    }

    /// Sets the number of replications, as `--replications` does: the run record shows it too.
    pub fn set_replications(&mut self, replications: u32) {
        self.replications = replications;
        self.raw.simulation.replications = Some(toml::Spanned::new(0..0, i64::from(replications)));
    }

    /// Start time (seconds) of interval `i`.
    pub fn interval_start(&self, i: u32) -> f64 {
        f64::from(i) * self.interval
    }

    /// End time (seconds) of interval `i`, clipped to the horizon; the last interval ends at
    /// the horizon.
    pub fn interval_end(&self, i: u32) -> f64 {
        if i + 1 >= self.n_intervals {
            self.horizon
        } else {
            (f64::from(i + 1) * self.interval).min(self.horizon)
        }
    }

    /// Index of the interval containing time `t` (clamped to the last interval).
    #[inline]
    pub fn interval_of(&self, t: f64) -> u32 {
        let i = (t / self.interval) as u32;
        i.min(self.n_intervals - 1)
    }

    /// The Erlang model this scenario is, if it is one: one contact type served by one group,
    /// constant rate and headcount, exponential handle time, no or exponential patience, and an
    /// unlimited queue (Erlang C/A) or none at all (Erlang B).
    pub fn erlang_model(&self) -> Option<ErlangModel> {
        let ([ct], [group]) = (self.contact_types.as_slice(), self.agent_groups.as_slice()) else {
            return None;
        };
        let rate = *ct.arrival_rates.first()?;
        let agents = *group.headcount.first()?;
        if ct.arrival_rates.iter().any(|r| *r != rate)
            || group.headcount.iter().any(|h| *h != agents)
            || agents == 0
            || rate <= 0.0
        {
            return None;
        }
        if !group.staffing.is_empty()
            || ct.handle_profile.is_some()
            || ct.patience_profile.is_some()
            || !ct.handle_by_interval.is_empty()
            || !ct.patience_by_interval.is_empty()
            || ct.max_wait.is_some()
            || ct.balking.is_some()
            || ct.hours.is_some()
            || ct.replay.is_some()
            || self.has_wrap_up
        {
            return None;
        }
        let mean_service = ct.handle_time.exponential_mean()?;
        let kind = match (ct.queue_capacity, &ct.patience) {
            (Some(0), _) => ErlangKind::B,
            (Some(_), _) => return None,
            (None, None) => ErlangKind::C,
            (None, Some(p)) => ErlangKind::A {
                mean_patience: p.exponential_mean()?,
            },
        };
        Some(ErlangModel {
            agents,
            arrival_rate: rate,
            mean_service,
            kind,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked values of MODEL.md §2.3: top-2-box share and mean score of four journeys.
    #[test]
    fn the_csat_model_reproduces_the_worked_values_of_its_definition() {
        let m = CsatModel::default();
        let cases = [
            // (eta, resolved, handled, top-2, mean)
            (m.eta(true, 1, 0, 0.0), true, 1, 0.85, 4.44),
            (1.17, true, 1, 0.76, 4.16),
            (-1.10, false, 1, 0.25, 2.55),
            (-2.34, false, 2, 0.09, 1.75),
        ];
        for (eta, resolved, handled, top2, mean) in cases {
            let s = m.score(eta, resolved, handled);
            assert!((s.p_satisfied - top2).abs() < 0.005, "eta {eta}: {s:?}");
            // The worked means are rounded from unrounded scores (2.545 is printed 2.55).
            assert!((s.mean_score - mean).abs() < 0.01, "eta {eta}: {s:?}");
        }
        // The clean journey's 1-5 shares are 0.02 / 0.04 / 0.09 / 0.17 / 0.68: NPS proxy +53.
        let clean = m.score(1.73, true, 1);
        assert!((clean.nps - (0.68 - 0.15)).abs() < 0.01, "{clean:?}");
        assert_eq!(clean.p_defect, 0.05);
        assert_eq!(m.score(0.0, true, 2).p_defect, 0.09);
        assert_eq!(m.score(0.0, false, 1).p_defect, 0.25);
    }

    #[test]
    fn each_journey_feature_moves_the_latent_score_by_its_coefficient() {
        let m = CsatModel::default();
        let clean = m.eta(true, 1, 0, 0.0);
        assert_eq!(clean, m.base);
        assert!((m.eta(true, 3, 0, 0.0) - clean - 2.0 * m.per_repeat).abs() < 1e-12);
        assert!((m.eta(true, 1, 2, 0.0) - clean - 2.0 * m.per_abandoned).abs() < 1e-12);
        assert!((m.eta(true, 1, 0, 300.0) - clean - 5.0 * m.per_wait_minute).abs() < 1e-12);
        assert!((m.eta(false, 1, 0, 0.0) - clean - m.unresolved).abs() < 1e-12);
        // A customer effect flattens the curve towards 1/2 on both sides.
        let spread = CsatModel {
            heterogeneity: 0.8,
            ..m
        };
        assert!(spread.score(2.0, true, 1).p_satisfied < m.score(2.0, true, 1).p_satisfied);
        assert!(spread.score(-2.0, true, 1).p_satisfied > m.score(-2.0, true, 1).p_satisfied);
    }
}
