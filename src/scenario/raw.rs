//! The scenario file as written: serde structs that mirror the TOML exactly, with spans kept on
//! every field that `compile` checks, so its errors can name the file, line and column.
//!
//! Nothing here is validated beyond TOML types; [`super::compile`] does that. Every struct denies
//! unknown fields, so a typo is an error, not a silently ignored key. The structs also serialize
//! back to TOML for `run.toml` (the resolved scenario of a run).

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use toml::Spanned;

/// The whole scenario file.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Name used in reports and the results folder; defaults to the file stem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Spanned<String>>,
    /// Free text shown in reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Time frame, seed and replications.
    pub simulation: RawSimulation,
    /// What customers want: one entry per contact type (`[[contact_types]]`).
    #[serde(default)]
    pub contact_types: Vec<Spanned<RawContactType>>,
    /// Who serves them: one entry per agent group (`[[agent_groups]]`).
    #[serde(default)]
    pub agent_groups: Vec<Spanned<RawAgentGroup>>,
    /// Shared line limits (`[[lines]]`): contacts in the system at once (waiting, in service).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<Spanned<RawLines>>,
    /// Scheduled surges or drops of demand (`[[shocks]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shocks: Vec<Spanned<RawShock>>,
    /// Journey CSAT coefficients (`[csat]`); its presence also turns journey figures on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat: Option<Spanned<RawCsat>>,
    /// The self-service graph (`[[ivr]]`): one entry per node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ivr: Vec<Spanned<RawNode>>,
    /// How the built-in routing chooses agents and contacts (`[routing]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<Spanned<RawRouting>>,
    /// Where agent groups work (`[[sites]]`): time zone, opening hours, cost, multipliers and,
    /// for an outsourced vendor, its contract.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sites: Vec<Spanned<RawSite>>,
    /// Center-wide prices (`[costs]`): telephony and self-service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub costs: Option<Spanned<RawCosts>>,
    /// Agent fatigue, strain, absence, attrition and learning (`[workforce]`); its presence
    /// turns them on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workforce: Option<Spanned<RawWorkforce>>,
    /// AI agent-assist coefficients (`[assist]`, MODEL.md §5.3) for the groups that use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assist: Option<Spanned<RawAssist>>,
    /// Another scenario file this one overrides (`extends = "base.toml"`); read by
    /// [`super::variants`], which compiles the merged scenario. Not kept in `run.toml`: the
    /// scenario recorded there is the merged one.
    #[serde(default, skip_serializing)]
    pub extends: Option<de::IgnoredAny>,
    /// Variants of this scenario (`[[variants]]`), read by [`super::variants`].
    #[serde(default, skip_serializing)]
    pub variants: Option<de::IgnoredAny>,
    /// Sweep grids over fields (`[[sweeps]]`), read by [`super::variants`].
    #[serde(default, skip_serializing)]
    pub sweeps: Option<de::IgnoredAny>,
}

/// `[assist]`: the coefficients of MODEL.md §5.3, each defaulting to its value there.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAssist {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenure_shift: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_gain: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acw_reduction: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_uplift: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difficult_reduction: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_hire_quit_reduction: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_hire_window: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adoption: Option<Spanned<DurationValue>>,
}

/// `[agent_groups.ai]`: the group is a pool of AI agents; its headcount is the number of
/// conversations it holds at once.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAi {
    /// Length of one AI conversation, whatever the contact type.
    pub handle_time: Spanned<RawDist>,
    /// Probability that a conversation resolves the customer's need (default 0.35).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Spanned<f64>>,
    /// The contact type unresolved conversations, and conversations cut by an outage, are
    /// handed to at once (a type served by people).
    pub escalate_to: Spanned<String>,
    /// Multiplier on the handle time of a handed-over contact (default 0.95: context passed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<Spanned<f64>>,
    /// Price of one AI conversation (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_per_contact: Option<Spanned<f64>>,
    /// Windows when the pool is down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outages: Option<Spanned<Vec<Spanned<RawOutage>>>>,
}

/// An outage of an AI pool: from `start` (time from t = 0) for `duration`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutage {
    pub start: Spanned<DurationValue>,
    pub duration: Spanned<DurationValue>,
}

/// `[workforce]`: the coefficients of MODEL.md §1, each defaulting to its value there.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkforce {
    /// Occupancy at which the input handle times and resolution were measured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_occupancy: Option<Spanned<f64>>,
    /// The reference state, instead of the one computed at `reference_occupancy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Spanned<RawEffect>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build_up: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_recovery: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub break_recovery: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub off_recovery: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub break_max: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difficult: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difficult_jump: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub difficult_weight: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strain_memory: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burnout_sd: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_time: Option<Spanned<RawEffect>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Spanned<RawEffect>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub absence: Option<Spanned<RawAbsence>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attrition: Option<Spanned<RawAttrition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub learning: Option<Spanned<RawLearning>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hiring: Option<Spanned<RawHiring>>,
}

/// A pair of fatigue and strain figures: effect sizes, or the reference state.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawEffect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fatigue: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strain: Option<Spanned<f64>>,
}

/// `[workforce.absence]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAbsence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_shift: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rr_per_sd: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spell_rr_per_sd: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_spell: Option<Spanned<DurationValue>>,
}

/// `[workforce.attrition]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAttrition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rr_per_sd: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_hire: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_hire_period: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<Spanned<DurationValue>>,
}

/// `[workforce.learning]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawLearning {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_constant: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution_deficit: Option<Spanned<f64>>,
}

/// `[workforce.hiring]`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawHiring {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requisition: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<Spanned<DurationValue>>,
}

/// `[[sites]]`: a place agent groups work from.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    pub name: Spanned<String>,
    /// `"onshore"` (default), `"nearshore"`, `"offshore"` or `"vendor"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sourcing: Option<Spanned<String>>,
    /// Hours the site's clock is ahead of UTC (may be negative or fractional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset: Option<Spanned<f64>>,
    /// Opening hours on the site's own clock; its agents are on the phones only then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Spanned<RawHours>>,
    /// Loaded cost of one paid agent hour (money per hour).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hourly_cost: Option<Spanned<f64>>,
    /// Multiplier of the handle time of every contact the site's agents handle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_time: Option<Spanned<f64>>,
    /// Multiplier of the probability that the site's agents resolve a contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Spanned<f64>>,
    /// Multiplier of the odds that a customer whose last contact the site handled is satisfied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat: Option<Spanned<f64>>,
    /// What an outsourced vendor charges, instead of `hourly_cost`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<Spanned<RawContract>>,
}

/// A vendor's contract: its price, per staffed hour, handled minute or contact, with optional
/// volume bands and a minimum per billing period, and its service-level clauses.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawContract {
    /// `"staffed_hour"`, `"handled_minute"` or `"contact"`.
    pub per: Spanned<String>,
    /// Price of one unit (or give `bands`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Spanned<f64>>,
    /// Prices by volume within the billing period: `[{ from = 0, rate = 5.0 }, { from = 10000,
    /// rate = 4.2 }]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bands: Option<Spanned<Vec<Spanned<RawBand>>>>,
    /// `"tiered"` (default: each band's units at its price) or `"all_units"` (every unit of the
    /// period at the price of the band its total volume reaches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub band_pricing: Option<Spanned<String>>,
    /// Least charge per billing period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<Spanned<f64>>,
    /// `"interval"`, `"day"`, `"week"` or `"month"` (default; 30 days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing: Option<Spanned<String>>,
    /// Service-level clauses (`[[sites.contract.sla]]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sla: Vec<Spanned<RawSla>>,
}

/// A volume band of a contract: units from `from` on (within a billing period) cost `rate`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawBand {
    pub from: Spanned<f64>,
    pub rate: Spanned<f64>,
}

/// A service-level clause: the share of contacts answered within `within`, per period, against
/// `target`, with a penalty below it and a bonus at or above `bonus_target`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSla {
    /// Contact types measured (default: those the site's groups serve).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Spanned<Vec<Spanned<String>>>>,
    pub within: Spanned<DurationValue>,
    pub target: Spanned<f64>,
    /// `"interval"`, `"day"` (default), `"week"` or `"month"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<Spanned<String>>,
    /// `"offered"` (default: answered within / offered) or `"answered"` (within / answered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub penalty_per_point: Option<Spanned<f64>>,
    /// The most a period's penalty can be (contracts cap service credits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_penalty: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonus: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonus_per_point: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonus_target: Option<Spanned<f64>>,
}

/// `[costs]`: prices that belong to the center rather than to a site.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCosts {
    /// Label of the money unit in reports (default none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Spanned<String>>,
    /// Price of one minute a voice contact holds a line: in self-service, waiting and talking.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephony_per_minute: Option<Spanned<f64>>,
    /// Price of each contact the self-service graph serves to the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_service_per_contact: Option<Spanned<f64>>,
}

/// `[routing]`: the rules of the built-in routing policy.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRouting {
    /// Which idle agent a ready contact goes to: `"longest_idle"` (default), `"random"`,
    /// `"random_group"`, `"best_match"` or `"fewest_skills"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_selection: Option<Spanned<String>>,
    /// Which waiting contact a free agent takes: `"priority"` (default), `"longest_wait"` or
    /// `"weighted"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_selection: Option<Spanned<String>>,
    /// Weights by contact type for `contact_selection = "weighted"` (1 for types not listed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Spanned<std::collections::BTreeMap<String, Spanned<f64>>>>,
}

/// One step of a contact type's `route`: groups that become eligible once a contact has
/// waited `after`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRouteStep {
    pub groups: Spanned<Vec<Spanned<String>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<Spanned<DurationValue>>,
}

/// A group's proficiency on one contact type: multipliers of the type's handle time and of
/// its probability of resolving.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawProficiency {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_time: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Spanned<f64>>,
}

/// `[[ivr]]`: one node of the self-service graph. `kind` says which of the optional fields
/// apply (`compile` rejects the others).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawNode {
    pub name: Spanned<String>,
    /// "menu", "auth", "intent" or "bot".
    pub kind: Spanned<String>,
    /// Time spent in the node (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Spanned<RawDist>>,
    /// The one place the contact goes next (a node, a contact type, or "hangup").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<Spanned<String>>,
    /// Places the contact goes next with their probabilities, summing to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branches: Option<Spanned<std::collections::BTreeMap<String, Spanned<f64>>>>,
    /// auth: probability that authentication fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Spanned<f64>>,
    /// auth: where a failed authentication goes (default "hangup").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_failure: Option<Spanned<String>>,
    /// intent: probability that the contact lands in a wrong queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub misroute: Option<Spanned<f64>>,
    /// intent: agent time spent on a misrouted contact before transferring it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_after: Option<Spanned<RawDist>>,
    /// bot: probability that the bot serves the customer to the end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub containment: Option<Spanned<f64>>,
    /// bot: probability that a contained customer comes back anyway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub false_containment: Option<Spanned<f64>>,
    /// bot: delay before a falsely contained customer comes back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recontact_delay: Option<Spanned<RawDist>>,
    /// bot: whether the hand-off to an agent passes the bot's context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Spanned<bool>>,
    /// bot: multiplier of the agent's handle time after the hand-off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_factor: Option<Spanned<f64>>,
}

/// `[csat]`: overrides of the journey CSAT model's coefficients (MODEL.md §2); every field is
/// optional and defaults to the documented value.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCsat {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unresolved: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_repeat: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_abandoned: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_wait_minute: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_grace: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heterogeneity: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defect_resolved_first: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defect_resolved_later: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defect_unresolved: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_loss: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot_fail: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_ivr_minute: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ivr_grace: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_wait_weight: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_wait_grace: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_wait_grace: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_per_wait_hour: Option<Spanned<f64>>,
}

/// `resolution = { probability = 0.72, repeat = { probability = 0.9, delay = … } }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawResolution {
    /// Chance that a handled contact resolves the customer's need.
    pub probability: Spanned<f64>,
    /// What an unresolved customer does (absent: never comes back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Spanned<RawRepeat>>,
}

/// `repeat = { probability = 0.9, delay = { dist = "exponential", mean = "1d" }, type = "…" }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRepeat {
    /// Chance that an unresolved customer contacts again (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<Spanned<f64>>,
    /// Time from the end of the unresolved contact to the repeat.
    pub delay: Spanned<RawDist>,
    /// The contact type of the repeat (default: the same type).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub ty: Option<Spanned<String>>,
    /// Contacts handled in all, the first included, before an unresolved customer stops (default 5).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_contacts: Option<Spanned<i64>>,
}

/// `[[shocks]]`: the listed types' rates times `factor` from `start` for `duration`, reached
/// over `ramp` and left over `decay`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawShock {
    pub name: Spanned<String>,
    /// The contact types it touches (default: every type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Spanned<Vec<Spanned<String>>>>,
    /// Time from t = 0 at which the ramp begins.
    pub start: Spanned<DurationValue>,
    /// From `start` to the beginning of the decay (the ramp included).
    pub duration: Spanned<DurationValue>,
    /// The multiplier at full strength (>= 0; below 1 a drop, e.g. an outage).
    pub factor: Spanned<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ramp: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decay: Option<Spanned<DurationValue>>,
}

/// `[[lines]]`: at most `capacity` contacts of the listed types in the system at once.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawLines {
    pub name: Spanned<String>,
    pub capacity: Spanned<i64>,
    /// The contact types that use these lines (default: every type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub types: Option<Spanned<Vec<Spanned<String>>>>,
}

/// `[simulation]`: the time frame and the Monte Carlo set-up.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    /// Closing time: contacts arrive during `[0, horizon)`.
    pub horizon: Spanned<DurationValue>,
    /// Initial period excluded from statistics (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup: Option<Spanned<DurationValue>>,
    /// Reporting and staffing interval (default 30m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval: Option<Spanned<DurationValue>>,
    /// Master seed (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<Spanned<i64>>,
    /// Number of independent replications (default 10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replications: Option<Spanned<i64>>,
    /// What happens to waiting contacts at the horizon: "serve" (default) or "clear".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closing: Option<Spanned<String>>,
    /// Clock time of t = 0, "HH:MM" or "HH:MM:SS" (default "00:00"); reports show clock
    /// times from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Spanned<String>>,
    /// The weekday of the first day (from t = 0), for `weekly` factors: "monday" (default)
    /// to "sunday".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_day: Option<Spanned<String>>,
    /// Hours the scenario's clock is ahead of UTC (default 0), against which sites' offsets
    /// are read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset: Option<Spanned<f64>>,
    /// Most contacts in the system at once before a replication is stopped as a runaway
    /// (default 10,000,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_in_system: Option<Spanned<i64>>,
}

/// `[[contact_types]]`: one kind of contact with its arrivals, handle time and patience.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawContactType {
    pub name: Spanned<String>,
    pub arrivals: Spanned<RawArrivals>,
    /// Required, except for a type whose arrivals all go through the self-service graph.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_time: Option<Spanned<RawDist>>,
    /// "voice" (default), "chat" or "email".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Spanned<String>>,
    /// email: the time within which an email should be answered (default 24h); it is the
    /// type's service-level threshold unless `sl_threshold` says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<Spanned<DurationValue>>,
    /// The self-service node (`[[ivr]]`) each arrival enters first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ivr: Option<Spanned<String>>,
    /// chat: abandoning customers who leave silently: `{ probability, timeout }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub silent_abandon: Option<Spanned<RawSilent>>,
    /// Callbacks offered to contacts that must wait (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback: Option<Spanned<RawCallback>>,
    /// Time a contact is willing to wait in queue; absent = waits forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patience: Option<Spanned<RawDist>>,
    /// After-call work an agent does after each handled contact of this type (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrap_up: Option<Spanned<RawDist>>,
    /// Multipliers of the handle time by the interval in which a contact is answered (one per
    /// interval, or a cycle such as a day's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_time_profile: Option<Spanned<Vec<Spanned<f64>>>>,
    /// Multipliers of the patience by the interval in which an attempt arrives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patience_profile: Option<Spanned<Vec<Spanned<f64>>>>,
    /// Handle-time distributions by the interval in which a contact arrives (one per
    /// interval, or a cycle such as a day's), instead of `handle_time` there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_time_by_interval: Option<Spanned<Vec<Spanned<RawDist>>>>,
    /// Patience distributions by the interval in which an attempt arrives, instead of
    /// `patience` there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patience_by_interval: Option<Spanned<Vec<Spanned<RawDist>>>>,
    /// Priority class: a free agent takes a contact of the highest class its group serves
    /// (default 0; higher first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Spanned<i64>>,
    /// Queue credit: within its class the type is ordered as if its contacts had arrived this
    /// much earlier (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_credit: Option<Spanned<DurationValue>>,
    /// Priority gained per unit of time waited, as a rate (`"1/min"`: one class a minute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_aging: Option<Spanned<RateValue>>,
    /// Groups in order of preference, each step eligible after a wait:
    /// `[{ groups = ["specialists"] }, { groups = ["generalists"], after = "30s" }]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<Spanned<Vec<Spanned<RawRouteStep>>>>,
    /// Service-level threshold(s), e.g. "20s" or ["20s", "60s"] (default "20s").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sl_threshold: Option<Spanned<OneOrMany<DurationValue>>>,
    /// Maximum number waiting; an arrival finding it full is blocked. Absent = unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_capacity: Option<Spanned<i64>>,
    /// Customers who abandon or are blocked may try again later (absent = never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retrial: Option<Spanned<RawRetrial>>,
    /// A random factor (gamma, mean 1) on every rate of a day or of a replication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busyness: Option<Spanned<RawBusyness>>,
    /// First-contact resolution and repeat contacts (absent: every handled contact resolves).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Spanned<RawResolution>>,
    /// Opening hours (absent: always open).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<Spanned<RawHours>>,
    /// A contact still waiting after this long leaves a message (absent: no limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_wait: Option<Spanned<DurationValue>>,
    /// Balking: `{ queue = [[0, 0], [20, 0.5]] }` or `{ wait = [[0, 0], [300, 0.5]] }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balking: Option<Spanned<RawBalking>>,
}

/// `silent_abandon = { probability = 0.5, timeout = "5m" }` (MODEL.md §3.2 defaults).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSilent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Spanned<DurationValue>>,
}

/// `callback = { ... }`: every field optional, defaults from MODEL.md §4.2.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCallback {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_wait: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_waited: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_max: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_scale: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<Spanned<i64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_gap: Option<Spanned<DurationValue>>,
    /// "customer_first" (default) or "agent_first".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dial: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dial_time: Option<Spanned<DurationValue>>,
    /// "same" (default: the accepted callback keeps its place in line) or "lower" (it waits
    /// in a callback queue served when no live contact waits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Spanned<String>>,
    /// Whether callbacks are offered to waiting contacts (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offers: Option<Spanned<bool>>,
    /// Whether a message left at the type's `max_wait` is returned as a callback (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages: Option<Spanned<bool>>,
}

/// `balking = { queue = [[0, 0.0], [10, 0.2], [30, 0.6]] }`: points (contacts ahead,
/// probability), or `wait = [[0, 0.0], [300, 0.5]]`: points (seconds of announced wait,
/// probability).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawBalking {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<Spanned<Vec<Spanned<[f64; 2]>>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<Spanned<Vec<Spanned<[f64; 2]>>>>,
}

/// `hours = { open = "08:00", close = "20:00", days = ["mon", "tue", …] }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawHours {
    /// Clock time of opening, "HH:MM".
    pub open: Spanned<String>,
    /// Clock time of closing, "HH:MM" ("24:00" for midnight; before `open`: the next day).
    pub close: Spanned<String>,
    /// Weekdays on which the line opens (default every day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<Spanned<Vec<Spanned<String>>>>,
    /// "defer" (default): a contact arriving while closed arrives again at the opening;
    /// "refuse": it is refused (and may retry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_closed: Option<Spanned<String>>,
    /// At each closing, "serve" (default) the waiting contacts or "clear" them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_close: Option<Spanned<String>>,
}

/// `busyness = { shape = 25, per = "day", shared = "market" }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawBusyness {
    /// Gamma shape k: the factor has mean 1 and variance 1/k.
    pub shape: Spanned<f64>,
    /// "day" (a factor per 24 hours from t = 0, the default) or "replication".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<Spanned<String>>,
    /// Types giving the same name share one factor (default: the type's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared: Option<Spanned<String>>,
}

/// `retrial = { probability = 0.5, delay = { dist = "exponential", mean = "10m" } }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetrial {
    /// Chance that a customer who abandoned or was blocked tries again.
    pub probability: Spanned<f64>,
    /// Time from the abandonment or block to the next attempt.
    pub delay: Spanned<RawDist>,
    /// Attempts in all, the first included (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<Spanned<i64>>,
    /// Patience on a retry (default: the type's patience).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patience: Option<Spanned<RawDist>>,
    /// A share of the retries goes to another type (another channel): `{ to, probability,
    /// context, handle_factor }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub switch: Option<Spanned<RawRetrySwitch>>,
}

/// `switch = { to = "calls", probability = 0.5, context = false }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRetrySwitch {
    pub to: Spanned<String>,
    /// Share of the retries that go to `to` (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<Spanned<f64>>,
    /// Whether the agent there sees what happened before (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Spanned<bool>>,
    /// Multiplier on the handle time drawn there (default 1.10 without context, 1 with).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle_factor: Option<Spanned<f64>>,
}

/// `arrivals = { rate = "0.15/s" }` or `arrivals = { rates = ["100/h", "150/h", …] }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawArrivals {
    /// A constant Poisson rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<Spanned<RateValue>>,
    /// One Poisson rate per reporting interval (repeated if the horizon holds several cycles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rates: Option<Spanned<Vec<Spanned<RateValue>>>>,
    /// Expected contacts in a day of weekly factor 1, spread over the day by `profile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily: Option<Spanned<f64>>,
    /// The intraday shape: one weight per interval of a day (from t = 0), normalised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Spanned<Vec<Spanned<f64>>>>,
    /// Day-of-week factors on `daily`, Monday to Sunday (default all 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weekly: Option<Spanned<Vec<Spanned<f64>>>>,
    /// Replay: a CSV file (relative to the scenario file) with a `time` column (seconds from
    /// t = 0) and optional `handle_time` and `patience` columns (seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replay: Option<Spanned<String>>,
}

/// A distribution: `{ dist = "lognormal", mean = "5m", cv = 0.8 }`. Which fields apply depends
/// on `dist`; `compile` rejects missing and unused ones.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawDist {
    pub dist: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<Spanned<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Spanned<DurationValue>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Spanned<DurationValue>>,
    /// Empirical: a file of samples, relative to the scenario file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Spanned<String>>,
    /// Empirical: the column to read when the file is a CSV/TSV with a header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<Spanned<String>>,
    /// Mixture: its parts, each a distribution with a `weight`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub of: Option<Spanned<Vec<Spanned<RawDist>>>>,
    /// A part's weight in a mixture (only there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Spanned<f64>>,
    /// Added to every draw (any distribution).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shift: Option<Spanned<DurationValue>>,
    /// Truncation: draws below are drawn again (any distribution; after the shift).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<Spanned<DurationValue>>,
    /// Truncation: draws above are drawn again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<Spanned<DurationValue>>,
}

/// `[[agent_groups]]`: a team of interchangeable agents.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgentGroup {
    pub name: Spanned<String>,
    /// Names of the contact types this group serves.
    pub serves: Spanned<Vec<Spanned<String>>>,
    /// Agents on duty: one number, or one per reporting interval (or give `shifts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headcount: Option<Spanned<OneOrMany<i64>>>,
    /// Shifts that make the staffing instead of `headcount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shifts: Option<Spanned<Vec<Spanned<RawShift>>>>,
    /// First-contact resolution of this group's agents by contact type, overriding the type's
    /// `resolution.probability`: `{ billing = 0.65 }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Spanned<std::collections::BTreeMap<String, Spanned<f64>>>>,
    /// Agents on the group's payroll under `[workforce]` (default: its largest headcount);
    /// more than the headcount gives them days off in turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employees: Option<Spanned<i64>>,
    /// Chat sessions one agent holds at once (default 1; above 1 only for chat types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions: Option<Spanned<i64>>,
    /// α: each session's work drains `1 + α·(c − 1)` times slower while the agent holds `c`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slowdown: Option<Spanned<f64>>,
    /// δ_c: resolution falls by this share per extra concurrent session (time-averaged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fcr_loss: Option<Spanned<f64>>,
    /// This group's after-call work by contact type, overriding the type's `wrap_up`. (Tables
    /// of tables keep spans on their entries only: a span on the whole map fails to
    /// deserialize when it is written as `[agent_groups.wrap_up.calls]`.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrap_up: Option<std::collections::BTreeMap<String, Spanned<RawDist>>>,
    /// After-call work shortened under load: points [contacts waiting, multiplier].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wrap_up_under_load: Option<Spanned<Vec<Spanned<[f64; 2]>>>>,
    /// Handle-time and resolution multipliers by contact type:
    /// `{ tech = { handle_time = 1.3, resolution = 0.9 } }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proficiency: Option<std::collections::BTreeMap<String, Spanned<RawProficiency>>>,
    /// Share of the scheduled agents off the phones (breaks, meetings, training): one number
    /// from 0 to 1, or one per interval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shrinkage: Option<Spanned<OneOrMany<f64>>>,
    /// Who leaves when the headcount falls while agents are busy: `"marked"` (default: busy
    /// agents are marked at the change and leave after their contact) or `"first_free"`
    /// (whichever agents finish first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave_rule: Option<Spanned<String>>,
    /// Scheduled activities off the phones (meetings, training, coaching): agents stay
    /// scheduled and paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activities: Option<Spanned<Vec<Spanned<RawActivity>>>>,
    /// An occupancy cap: `{ max = 0.85, window = "30m", pause = "2m" }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occupancy_cap: Option<Spanned<RawOccupancyCap>>,
    /// The `[[sites]]` entry the group works from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<Spanned<String>>,
    /// Loaded cost of one paid agent hour, overriding the site's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hourly_cost: Option<Spanned<f64>>,
    /// AI agent-assist rolled out to the group this long after t = 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assist_rollout: Option<Spanned<DurationValue>>,
    /// AI agent-assist in use for this long already at t = 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assist_in_use: Option<Spanned<DurationValue>>,
    /// The group is a pool of AI agents (`[agent_groups.ai]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai: Option<Spanned<RawAi>>,
}

/// An activity that takes `agents` of a group off the phones from the clock time `start` for
/// `length`, on the listed `days` (default every day).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawActivity {
    pub name: Spanned<String>,
    pub start: Spanned<String>,
    pub length: Spanned<DurationValue>,
    pub agents: Spanned<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<Spanned<Vec<Spanned<String>>>>,
}

/// A group's occupancy cap: an agent whose recent occupancy is above `max` as a contact ends
/// pauses for `pause` before taking another.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawOccupancyCap {
    pub max: Spanned<f64>,
    /// Time constant of the recent occupancy (default 30m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Spanned<DurationValue>>,
    /// Length of one pause (default 2m).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause: Option<Spanned<DurationValue>>,
}

/// One shift of a group: `agents` agents from the clock time `start` for `length`, on the
/// listed `days` (default every day), each taking the listed `breaks`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawShift {
    pub start: Spanned<String>,
    pub length: Spanned<DurationValue>,
    pub agents: Spanned<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaks: Option<Spanned<Vec<Spanned<RawBreak>>>>,
}

/// A break (or lunch) of `length` that each agent of a shift takes within the clock window
/// `[from, to)`, staggered across the shift's agents.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawBreak {
    pub length: Spanned<DurationValue>,
    pub from: Spanned<String>,
    pub to: Spanned<String>,
}

/// A duration as written: a number of seconds or a string with units.
#[derive(Debug, Clone, PartialEq)]
pub enum DurationValue {
    Seconds(f64),
    Text(String),
}

/// A rate as written: a number per second or a string such as `"540/h"`.
#[derive(Debug, Clone, PartialEq)]
pub enum RateValue {
    PerSecond(f64),
    Text(String),
}

/// One value or a list of values (`headcount = 5` or `headcount = [5, 6, 8]`).
#[derive(Debug, Clone, PartialEq)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

macro_rules! number_or_text {
    ($ty:ident, $num:ident, $text:ident, $expecting:literal) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> Visitor<'de> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$ty, E> {
                        Ok($ty::$num(v as f64))
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
                        Ok($ty::$num(v as f64))
                    }
                    fn visit_f64<E: de::Error>(self, v: f64) -> Result<$ty, E> {
                        Ok($ty::$num(v))
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                        Ok($ty::$text(v.to_owned()))
                    }
                }
                d.deserialize_any(V)
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self {
                    $ty::$num(v) => s.serialize_f64(*v),
                    $ty::$text(t) => s.serialize_str(t),
                }
            }
        }
    };
}

number_or_text!(
    DurationValue,
    Seconds,
    Text,
    "a duration such as \"20s\", \"5m\", \"1h30m\" or a number of seconds"
);
number_or_text!(
    RateValue,
    PerSecond,
    Text,
    "a rate such as \"0.15/s\", \"540/h\" or a number per second"
);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or an array of values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element()? {
                    out.push(v);
                }
                Ok(OneOrMany::Many(out))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                T::deserialize(de::value::I64Deserializer::new(v)).map(OneOrMany::One)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                T::deserialize(de::value::U64Deserializer::new(v)).map(OneOrMany::One)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                T::deserialize(de::value::F64Deserializer::new(v)).map(OneOrMany::One)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                T::deserialize(de::value::StrDeserializer::new(v)).map(OneOrMany::One)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<T: Serialize> Serialize for OneOrMany<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            OneOrMany::One(v) => v.serialize(s),
            OneOrMany::Many(v) => v.serialize(s),
        }
    }
}
