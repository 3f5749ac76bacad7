//! From [`RawScenario`] to [`Scenario`]: every name resolved to a dense id, every duration,
//! rate and distribution parsed and checked, per-interval tables expanded, cross-field rules
//! enforced. After this succeeds, nothing in the engine can fail on user input.

use super::model::*;
use super::raw::*;
use super::sites::Site;
use super::{Channel, Location, ScenarioError};
use crate::dist::Dist;
use crate::time::{Human, parse_duration, parse_rate};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

mod ai;
mod graph;
mod routing;
mod shifts;
mod sites;
mod workforce;

/// Longest horizon accepted, seconds (1,000 years).
pub const MAX_HORIZON: f64 = 1000.0 * 365.25 * 86_400.0;
/// Most interval statistics a run keeps: (contact types + agent groups + 1) × intervals.
/// Memory grows with it (about 3 KB each in the collector, a replication output and the
/// summary).
pub const MAX_INTERVAL_CELLS: u64 = 100_000;
/// Most contact types in one scenario (each keeps a fine wait histogram of about 4 KB per
/// replication in flight, whatever the number of intervals).
pub const MAX_CONTACT_TYPES: usize = 10_000;
/// Most agent groups in one scenario.
pub const MAX_AGENT_GROUPS: usize = 10_000;
/// Most agents in all groups together (the sum of each group's largest headcount): every
/// agent is a slot in memory for the whole run.
pub const MAX_TOTAL_AGENTS: u64 = 1_000_000;
/// Longest scenario name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// Names of contact types that reports use for something else.
pub const RESERVED_TYPE_NAMES: &[&str] = &["all"];
/// Most contacts expected in one replication (the sum of rate × time over the horizon, all
/// contact types together).
pub const MAX_EXPECTED_ARRIVALS: f64 = 1e10;
/// Most contacts of one type expected in one interval (per-interval wait histograms count in
/// 32 bits; this keeps them far from overflow).
pub const MAX_EXPECTED_PER_INTERVAL: f64 = 1e9;
/// Most agents in one group.
pub const MAX_HEADCOUNT: i64 = 1_000_000;
/// Largest bound on contacts in the system a scenario may set (`simulation.max_in_system`).
pub const MAX_IN_SYSTEM: i64 = 1_000_000_000;
/// Most chat sessions one agent may hold at once (platforms allow 1–10).
pub const MAX_SESSIONS: i64 = 10;
/// The largest priority class (and the negative of the smallest).
pub const MAX_PRIORITY: i64 = 1000;
/// α of chat concurrency when a group with several sessions gives none (MODEL.md §3.2).
pub const DEFAULT_SLOWDOWN: f64 = 0.12;
/// δ_c of chat concurrency when a group with several sessions gives none (MODEL.md §3.2).
pub const DEFAULT_FCR_LOSS: f64 = 0.05;
/// An email's answer time when its type gives none, seconds (MODEL.md §3.2: 24 h).
pub const DEFAULT_EMAIL_DUE: f64 = 86_400.0;
/// Most replications in one run.
pub const MAX_REPLICATIONS: i64 = 1_000_000;
/// A shock's multiplier over time: 1, rising linearly to `factor` over `[start, start + ramp)`,
/// `factor` until `full_end`, back to 1 linearly over `[full_end, full_end + decay)`.
struct Shock {
    start: f64,
    ramp: f64,
    full_end: f64,
    decay: f64,
    factor: f64,
}

impl Shock {
    /// ∫₀ᵗ multiplier(s) ds, seconds.
    fn integral(&self, t: f64) -> f64 {
        let excess = self.factor - 1.0;
        // The multiplier is 1 + excess·h(s), h a trapezoid; ∫ h over [0, t] piece by piece.
        let clip = |x: f64, lo: f64, hi: f64| x.clamp(lo, hi);
        let ramp_end = self.start + self.ramp;
        let decay_end = self.full_end + self.decay;
        let mut h = 0.0;
        if self.ramp > 0.0 {
            let u = clip(t, self.start, ramp_end) - self.start;
            h += u * u / (2.0 * self.ramp);
        }
        h += clip(t, ramp_end, self.full_end) - ramp_end;
        if self.decay > 0.0 {
            let u = clip(t, self.full_end, decay_end) - self.full_end;
            h += u - u * u / (2.0 * self.decay);
        }
        t + excess * h
    }
}

/// The largest multiplier a shock may apply (the arrival bounds are checked before shocks).
pub const MAX_SHOCK_FACTOR: f64 = 100.0;
/// Seconds in a day: the period of a busyness factor per day.
const DAY: f64 = 86_400.0;
/// Attempts in all of a journey that retries, when `retrial.max_attempts` is not given.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// Contacts handled in all of an unresolved journey that repeats, when
/// `resolution.repeat.max_contacts` is not given.
pub const DEFAULT_MAX_CONTACTS: u32 = 5;
/// The most attempts a journey may be allowed (the attempt number is kept in 16 bits).
pub const MAX_ATTEMPTS: u32 = 10_000;
/// Type and group ids are 16-bit: the caps on types and groups keep every id in range (more
/// used to wrap: group 65,536 became group 0).
const _: () = assert!(MAX_CONTACT_TYPES <= u16::MAX as usize + 1 && MAX_AGENT_GROUPS <= u16::MAX as usize + 1);

/// Parses and compiles `src`; see [`super::from_toml_str`].
///
/// `src` may also be the `run.toml` of a results folder (a `[run]` table, `[[inputs]]` and
/// the scenario as run under `[scenario]`): its `[scenario]` is compiled, so a run can be
/// repeated from its record.
pub fn compile_str(src: &str, label: &str, default_name: &str, base_dir: &Path) -> Result<Scenario> {
    let input_hash = sha256_hex(src.as_bytes());
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let record = is_run_record(src);
    let cx = Cx {
        file: label,
        src,
        base_dir,
        prefix: if record { "scenario." } else { "" },
        inputs: RefCell::new(Vec::new()),
    };
    let raw: RawScenario = if record {
        cx.parse::<RunRecord>()?.scenario
    } else {
        cx.parse::<RawScenario>()?
    };
    let mut scenario = cx.scenario(&raw, default_name)?;
    scenario.input_hash = input_hash;
    scenario.inputs = cx.inputs.into_inner();
    Ok(scenario)
}

/// SHA-256 of `bytes`, lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// The `run.toml` of a results folder: how the run was made, its input files, and the
/// scenario as run. Only `scenario` is compiled.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RunRecord {
    #[serde(rename = "run")]
    _run: serde::de::IgnoredAny,
    #[serde(rename = "inputs", default)]
    _inputs: Option<serde::de::IgnoredAny>,
    #[serde(rename = "variants", default)]
    _variants: Option<serde::de::IgnoredAny>,
    scenario: RawScenario,
}

/// Whether `src` is a run record (top-level `[run]` and `[scenario]` tables) rather than a
/// scenario file.
fn is_run_record(src: &str) -> bool {
    src.parse::<toml::Table>().is_ok_and(|t| {
        t.get("run").is_some_and(toml::Value::is_table) && t.get("scenario").is_some_and(toml::Value::is_table)
    })
}

/// serde_path_to_error renders wrapper levels of `Spanned` and unknown roots as `?` or `.`.
fn clean_path(path: &str) -> String {
    let p = path.replace(".$__serde_spanned_private_value", "");
    if p == "." || p == "?" { String::new() } else { p }
}

/// What to write for a required field that is missing.
const MISSING_FIELD_HINTS: &[(&str, &str)] = &[
    ("simulation", "add a [simulation] table with at least horizon = \"8h\""),
    (
        "horizon",
        "add horizon = \"8h\" (contacts arrive from 0 until the horizon)",
    ),
    ("name", "add name = \"...\""),
    (
        "arrivals",
        "add arrivals = { rate = \"540/h\" } or arrivals = { rates = [...] } (one per interval)",
    ),
    (
        "handle_time",
        "add handle_time = { dist = \"exponential\", mean = \"5m\" }",
    ),
    (
        "dist",
        "add dist = \"exponential\" (or lognormal, gamma, weibull, uniform, constant, empirical)",
    ),
    ("serves", "add serves = [\"<contact type name>\", ...]"),
    ("headcount", "add headcount = 10 (or one number per interval)"),
];

/// toml's and serde's messages made into one line a scenario author understands: Rust type
/// names become words, and a missing required field says what to add.
fn tidy_message(msg: &str) -> String {
    let mut out = msg
        .trim()
        .replace('\n', "; ")
        .replace("expected i64", "expected a whole number")
        .replace("expected u64", "expected a whole number")
        .replace("expected f64", "expected a number")
        .replace("expected a sequence", "expected an array [...]");
    if let Some(field) = out.strip_prefix("missing field `").and_then(|r| r.split('`').next())
        && let Some((_, hint)) = MISSING_FIELD_HINTS.iter().find(|(f, _)| *f == field)
    {
        out = format!("{out}; {hint}");
    }
    out
}

struct Cx<'a> {
    file: &'a str,
    src: &'a str,
    base_dir: &'a Path,
    /// Put before every field path: `"scenario."` in a run record, else empty.
    prefix: &'static str,
    /// Samples files read so far, with their hashes.
    inputs: RefCell<Vec<InputFile>>,
}

/// Whether `c` may not appear in a name: control characters (newlines, terminal escapes) and
/// invisible formatting characters (zero-width, bidirectional overrides, byte-order mark).
fn is_hidden_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{feff}')
}

/// Whether `name` is safe as a results folder name: ASCII letters, digits, `-`, `_` and `.`,
/// not starting with `.` or `-`, at most [`MAX_NAME_CHARS`] characters.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with(['.', '-'])
}

/// `name` made safe as a results folder name (see [`is_safe_name`]): every run of other
/// characters becomes one `-`; an empty result becomes `"scenario"`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out
        .trim_start_matches(['.', '-'])
        .trim_end_matches('-')
        .chars()
        .take(MAX_NAME_CHARS)
        .collect();
    if out.is_empty() { "scenario".into() } else { out }
}

pub use crate::calendar::parse_clock;

/// Number of intervals of length `interval` covering `[0, horizon)`: `ceil(horizon /
/// interval)`, except that a ratio within a relative 1e-9 of a whole number is that number
/// (`1.1h / 0.1h` is 11.000000000000002 in floating point, and means 11 intervals).
pub fn interval_count(horizon: f64, interval: f64) -> f64 {
    let q = horizon / interval;
    let r = q.round();
    if r >= 1.0 && (q - r).abs() <= 1e-9 * r {
        r
    } else {
        q.ceil()
    }
}

/// A number for a message: at most three decimals, no trailing zeros.
fn short_num(v: f64) -> String {
    let r = (v * 1000.0).round() / 1000.0;
    if r.abs() >= 1e15 {
        format!("{v:.3e}")
    } else {
        format!("{r}")
    }
}

type Result<T> = std::result::Result<T, ScenarioError>;

impl Cx<'_> {
    /// Deserializes the whole file as `T`; a failure names the field and its position.
    fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_path_to_error::deserialize(toml::Deserializer::new(self.src)).map_err(|e| {
            // serde's path already starts at the top of the file.
            let field = clean_path(&e.path().to_string());
            let inner = e.into_inner();
            let span = inner.span().unwrap_or(0..0);
            ScenarioError::Invalid {
                location: Location::at(self.file, self.src, span.start),
                field,
                message: tidy_message(inner.message()),
            }
        })
    }

    fn warning(&self, span: Range<usize>, field: impl Into<String>, message: impl Into<String>) -> ScenarioWarning {
        ScenarioWarning {
            location: Location::at(self.file, self.src, span.start),
            field: format!("{}{}", self.prefix, field.into()),
            message: message.into(),
        }
    }

    fn err(&self, span: Range<usize>, field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        let field = field.into();
        ScenarioError::Invalid {
            location: Location::at(self.file, self.src, span.start),
            field: if field.is_empty() {
                field
            } else {
                format!("{}{field}", self.prefix)
            },
            message: message.into(),
        }
    }

    fn duration(&self, v: &Spanned<DurationValue>, field: &str) -> Result<f64> {
        let parsed = match v.get_ref() {
            DurationValue::Seconds(s) => parse_duration(&s.to_string()),
            DurationValue::Text(t) => parse_duration(t),
        };
        parsed.map_err(|m| self.err(v.span(), field, m))
    }

    fn positive_duration(&self, v: &Spanned<DurationValue>, field: &str) -> Result<f64> {
        let d = self.duration(v, field)?;
        if d > 0.0 {
            Ok(d)
        } else {
            Err(self.err(v.span(), field, "must be longer than zero"))
        }
    }

    fn probability(&self, v: &Spanned<f64>, field: &str) -> Result<f64> {
        let p = *v.get_ref();
        if !(0.0..=1.0).contains(&p) {
            return Err(self.err(
                v.span(),
                field,
                format!("must be a probability between 0 and 1, got {p}"),
            ));
        }
        Ok(p)
    }

    fn rate(&self, v: &Spanned<RateValue>, field: &str) -> Result<f64> {
        let parsed = match v.get_ref() {
            RateValue::PerSecond(r) => parse_rate(&r.to_string()),
            RateValue::Text(t) => parse_rate(t),
        };
        parsed.map_err(|m| self.err(v.span(), field, m))
    }

    fn scenario(&self, raw: &RawScenario, default_name: &str) -> Result<Scenario> {
        let sim = &raw.simulation;
        let horizon = self.positive_duration(&sim.horizon, "simulation.horizon")?;
        if horizon > MAX_HORIZON {
            return Err(self.err(
                sim.horizon.span(),
                "simulation.horizon",
                format!(
                    "{} is longer than the longest horizon accepted, 1000 years",
                    Human(horizon)
                ),
            ));
        }
        let warmup = match &sim.warmup {
            Some(w) => {
                let v = self.duration(w, "simulation.warmup")?;
                if v >= horizon {
                    return Err(self.err(
                        w.span(),
                        "simulation.warmup",
                        format!(
                            "warm-up {} must end before the horizon {} (contacts arrive only before the horizon)",
                            Human(v),
                            Human(horizon)
                        ),
                    ));
                }
                v
            }
            None => 0.0,
        };
        let interval = match &sim.interval {
            Some(i) => self.positive_duration(i, "simulation.interval")?,
            None => 1800.0,
        };
        let day_start_s = match &sim.start {
            None => 0.0,
            Some(st) => parse_clock(st.get_ref()).ok_or_else(|| {
                self.err(
                    st.span(),
                    "simulation.start",
                    format!(
                        "invalid clock time \"{}\"; expected the time of day at which the simulation starts, \"HH:MM\" or \"HH:MM:SS\" from \"00:00\" to \"23:59:59\" (e.g. \"08:00\")",
                        st.get_ref().escape_debug()
                    ),
                )
            })?,
        };
        let n_types = raw.contact_types.len();
        let n_groups = raw.agent_groups.len();
        if n_types > MAX_CONTACT_TYPES {
            return Err(self.err(
                raw.contact_types[MAX_CONTACT_TYPES].span(),
                "contact_types",
                format!("{n_types} contact types; at most {MAX_CONTACT_TYPES} are accepted (merge types that share arrivals, handle time and patience)"),
            ));
        }
        if n_groups > MAX_AGENT_GROUPS {
            return Err(self.err(
                raw.agent_groups[MAX_AGENT_GROUPS].span(),
                "agent_groups",
                format!("{n_groups} agent groups; at most {MAX_AGENT_GROUPS} are accepted (merge groups that serve the same contact types)"),
            ));
        }
        let n_intervals = interval_count(horizon, interval);
        let per_interval = (n_types.max(1) + n_groups + 1) as f64;
        if n_intervals * per_interval > MAX_INTERVAL_CELLS as f64 {
            let span = sim.interval.as_ref().map_or(sim.horizon.span(), |i| i.span());
            let most = (MAX_INTERVAL_CELLS as f64 / per_interval).floor();
            return Err(self.err(span, "simulation.interval", format!(
                "the horizon {} holds {} intervals of {}; with {n_types} contact type(s) and {n_groups} agent group(s) that is {} interval statistics ((types + groups + 1) × intervals), more than the {MAX_INTERVAL_CELLS} kept: use at most {most} intervals (a longer interval or a shorter horizon), or fewer types and groups",
                Human(horizon), short_num(n_intervals), Human(interval), short_num(n_intervals * per_interval)
            )));
        }
        let n_intervals = n_intervals.max(1.0) as u32;
        let seed = match &sim.seed {
            Some(s) if *s.get_ref() < 0 => {
                return Err(self.err(
                    s.span(),
                    "simulation.seed",
                    format!("must be a non-negative integer, got {}", s.get_ref()),
                ));
            }
            Some(s) => *s.get_ref() as u64,
            None => 1,
        };
        let replications = match &sim.replications {
            Some(r) if !(1..=MAX_REPLICATIONS).contains(r.get_ref()) => {
                return Err(self.err(
                    r.span(),
                    "simulation.replications",
                    format!("must be between 1 and {MAX_REPLICATIONS}, got {}", r.get_ref()),
                ));
            }
            Some(r) => *r.get_ref() as u32,
            None => 10,
        };
        let max_in_system = match &sim.max_in_system {
            Some(m) if !(1..=MAX_IN_SYSTEM).contains(m.get_ref()) => {
                return Err(self.err(
                    m.span(),
                    "simulation.max_in_system",
                    format!("must be between 1 and {MAX_IN_SYSTEM}, got {}", m.get_ref()),
                ));
            }
            Some(m) => *m.get_ref() as usize,
            None => crate::engine::DEFAULT_MAX_IN_SYSTEM,
        };
        let closing = match &sim.closing {
            None => Closing::Serve,
            Some(c) => match c.get_ref().as_str() {
                "serve" => Closing::Serve,
                "clear" => Closing::Clear,
                other => {
                    return Err(self.err(c.span(), "simulation.closing", format!(
                        "unknown closing behaviour \"{}\" (valid: \"serve\" keeps agents until the queue is empty, \"clear\" sends waiting contacts away)",
                        other.escape_debug()
                    )));
                }
            },
        };
        let first_day = match &sim.first_day {
            None => 0,
            Some(d) => self.weekday(d, "simulation.first_day")?,
        };
        let frame = Frame {
            n_intervals,
            interval,
            horizon,
            first_day,
            day_start_s,
        };

        if raw.contact_types.is_empty() {
            return Err(self.err(
                0..0,
                "contact_types",
                "the scenario has no contact types; add at least one [[contact_types]] table",
            ));
        }
        if raw.agent_groups.is_empty() {
            return Err(self.err(
                0..0,
                "agent_groups",
                "the scenario has no agent groups; add at least one [[agent_groups]] table",
            ));
        }
        let type_names = self.unique_names(
            raw.contact_types.iter().map(|t| &t.get_ref().name),
            "contact_types",
            "contact type",
        )?;
        for (i, t) in raw.contact_types.iter().enumerate() {
            let name = &t.get_ref().name;
            if let Some(r) = RESERVED_TYPE_NAMES
                .iter()
                .find(|r| r.eq_ignore_ascii_case(name.get_ref().trim()))
            {
                return Err(self.err(
                    name.span(),
                    format!("contact_types[{i}].name"),
                    format!("the name \"{r}\" is reserved: reports use it for all contact types together; choose another name"),
                ));
            }
        }
        let group_names = self.unique_names(
            raw.agent_groups.iter().map(|g| &g.get_ref().name),
            "agent_groups",
            "agent group",
        )?;
        let type_ids: HashMap<&str, TypeId> = type_names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), TypeId(i as u16)))
            .collect();

        let mut contact_types = raw
            .contact_types
            .iter()
            .enumerate()
            .map(|(i, t)| self.contact_type(t.get_ref(), &format!("contact_types[{i}]"), &frame))
            .collect::<Result<Vec<_>>>()?;
        // Types that share a busyness factor must agree on what it is.
        for (i, t) in contact_types.iter().enumerate() {
            let Some(b) = &t.busyness else { continue };
            if let Some(first) = contact_types[..i]
                .iter()
                .find_map(|o| o.busyness.as_ref().filter(|ob| ob.key == b.key))
            {
                if first != b {
                    let span = raw.contact_types[i]
                        .get_ref()
                        .busyness
                        .as_ref()
                        .map_or(0..0, Spanned::span);
                    return Err(self.err(
                        span,
                        format!("contact_types[{i}].busyness"),
                        "types that share a busyness factor must give it the same shape and period",
                    ));
                }
            }
        }
        let total: f64 = contact_types
            .iter()
            .flat_map(|t| {
                t.arrival_rates
                    .iter()
                    .enumerate()
                    .map(|(i, r)| r * frame.interval_length(i))
            })
            .sum();
        if total > MAX_EXPECTED_ARRIVALS {
            return Err(self.err(0..0, "contact_types", format!(
                "about {total:.3e} contacts per replication expected over all contact types; at most {MAX_EXPECTED_ARRIVALS:e} are simulated (lower the rates or shorten the horizon)"
            )));
        }
        let channels: Vec<Channel> = contact_types.iter().map(|t| t.channel).collect();
        let site_drafts = self.sites(raw, &frame)?;
        let mut agent_groups = raw
            .agent_groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                self.agent_group(
                    g.get_ref(),
                    &format!("agent_groups[{i}]"),
                    &frame,
                    &Types {
                        names: &type_names,
                        ids: &type_ids,
                        channels: &channels,
                    },
                    &site_drafts,
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let total_agents: u64 = agent_groups.iter().map(|g| u64::from(g.max_headcount)).sum();
        if total_agents > MAX_TOTAL_AGENTS {
            let (gi, g) = agent_groups
                .iter()
                .enumerate()
                .max_by_key(|(_, g)| g.max_headcount)
                .expect("at least one group");
            return Err(self.err(
                {
                    let rg = raw.agent_groups[gi].get_ref();
                    let h = rg.headcount.as_ref().map(Spanned::span);
                    h.or_else(|| rg.shifts.as_ref().map(Spanned::span)).unwrap_or(0..0)
                },
                format!("agent_groups[{gi}].headcount"),
                format!(
                    "{total_agents} agents in all groups together (the sum of each group's largest headcount; the largest is \"{}\" with {}); at most {MAX_TOTAL_AGENTS} are simulated: lower the headcounts",
                    g.name, g.max_headcount
                ),
            ));
        }
        for (gi, g) in agent_groups.iter().enumerate() {
            for t in &g.serves {
                contact_types[t.index()].served_by.push(GroupId(gi as u16));
            }
        }
        let self_service = self.self_service(raw, &mut contact_types)?;
        // A type whose arrivals enter the self-service graph has no queue of its own.
        if let Some((i, _)) = contact_types
            .iter()
            .enumerate()
            .find(|(_, t)| t.served_by.is_empty() && t.ivr.is_none())
        {
            let name = &raw.contact_types[i].get_ref().name;
            return Err(self.err(
                name.span(),
                format!("contact_types[{i}].name"),
                format!(
                    "no agent group serves contact type \"{}\" (add it to the `serves` list of one of: {})",
                    name.get_ref(),
                    group_names.join(", ")
                ),
            ));
        }

        let name = match &raw.name {
            Some(n) if n.get_ref().trim().is_empty() => return Err(self.err(n.span(), "name", "must not be empty")),
            Some(n) if !is_safe_name(n.get_ref()) => {
                return Err(self.err(
                    n.span(),
                    "name",
                    format!(
                        "\"{}\" cannot name the results folder; use ASCII letters, digits, '-', '_' and '.' (not first), at most {MAX_NAME_CHARS} characters, e.g. name = \"{}\"",
                        n.get_ref().escape_debug(),
                        slug(n.get_ref())
                    ),
                ));
            }
            Some(n) => n.get_ref().clone(),
            None => slug(default_name),
        };
        let lines = self.lines(raw, &mut contact_types)?;
        for (gi, g) in agent_groups.iter().enumerate() {
            if let Some((t, _)) = g
                .resolution
                .iter()
                .enumerate()
                .find(|(t, p)| p.is_some() && raw.contact_types[*t].get_ref().resolution.is_none())
            {
                let span = raw.agent_groups[gi]
                    .get_ref()
                    .resolution
                    .as_ref()
                    .map_or(0..0, Spanned::span);
                return Err(self.err(
                    span,
                    format!("agent_groups[{gi}].resolution"),
                    format!(
                        "contact type \"{}\" has no `resolution` model for this rate to override; give the type one (its probability, and what an unresolved customer does)",
                        contact_types[t].name
                    ),
                ));
            }
        }
        self.resolutions(raw, &mut contact_types)?;
        self.retry_switches(raw, &mut contact_types)?;
        self.wrap_ups(raw, &contact_types, &mut agent_groups)?;
        let routing = self.routing(raw, &mut contact_types, &mut agent_groups)?;
        let mut sites: Vec<Site> = site_drafts.into_iter().map(|d| d.site).collect();
        self.clauses(raw, &mut sites, &agent_groups, &mut contact_types)?;
        apply_site_multipliers(&sites, &mut agent_groups, contact_types.len());
        let costs = self.costs(raw)?;
        let workforce = self.workforce(raw, &mut agent_groups)?;
        let assist = self.assist_and_ai(raw, &mut agent_groups, &contact_types, &frame)?;
        let has_ai = agent_groups.iter().any(|g| g.ai.is_some());
        let csat = self.csat(raw)?;
        // An AI pool decides each conversation's outcome: resolved, or handed to people.
        let follow_journeys = raw.csat.is_some() || has_ai || contact_types.iter().any(ContactType::journey_decides);
        self.shocks(raw, &mut contact_types, &frame)?;
        let warnings = self.warnings(raw, &contact_types, &agent_groups, closing, &frame);
        let mut raw = raw.clone();
        raw.name = Some(Spanned::new(0..0, name.clone()));
        self.absolute_sample_paths(&mut raw);
        let has_email = contact_types.iter().any(|t| t.channel == Channel::Email);
        Ok(Scenario {
            has_email,
            has_sessions: agent_groups.iter().any(|g| g.sessions > 1),
            has_wrap_up: agent_groups.iter().any(|g| !g.wrap_up.is_empty()),
            has_occupancy_cap: agent_groups.iter().any(|g| g.occupancy_cap.is_some()),
            has_priorities: contact_types.iter().any(|t| t.priority != 0 || t.queue_credit != 0.0),
            has_proficiency: agent_groups.iter().any(|g| !g.proficiency.is_empty()),
            has_costs: raw.costs.is_some()
                || agent_groups.iter().any(|g| g.hourly_cost > 0.0)
                || agent_groups
                    .iter()
                    .any(|g| g.ai.as_ref().is_some_and(|a| a.cost_per_contact > 0.0))
                || sites.iter().any(|s| s.contract.is_some()),
            sites,
            costs,
            workforce,
            assist,
            has_assist: agent_groups.iter().any(|g| g.assist_since.is_some()),
            has_ai,
            first_day: first_day as u8,
            reports_scheduled: agent_groups.iter().any(|g| {
                !g.staffing.is_empty() || g.scheduled.iter().zip(&g.headcount).any(|(s, h)| *s != f64::from(*h))
            }),
            skills_routing: routing != RoutingRules::default()
                || contact_types
                    .iter()
                    .any(|t| !t.route.is_empty() || t.priority_aging != 0.0),
            routing,
            name,
            description: raw.description.clone().unwrap_or_default(),
            source: None,
            input_hash: String::new(),
            inputs: Vec::new(),
            warnings,
            day_start_s,
            horizon,
            warmup,
            interval,
            n_intervals,
            seed,
            replications,
            closing,
            max_in_system,
            contact_types,
            agent_groups,
            lines,
            follow_journeys,
            csat,
            self_service,
            raw,
        })
    }

    /// Each type's `resolution`: the probability a handled contact resolves the need, and the
    /// repeat contact of an unresolved customer (its type resolved by name).
    fn resolutions(&self, raw: &RawScenario, types: &mut [ContactType]) -> Result<()> {
        for (i, t) in raw.contact_types.iter().enumerate() {
            let Some(r) = &t.get_ref().resolution else { continue };
            let path = format!("contact_types[{i}].resolution");
            let r = r.get_ref();
            let probability = self.probability(&r.probability, &format!("{path}.probability"))?;
            let repeat = match &r.repeat {
                None => None,
                Some(rep) => {
                    let rep = rep.get_ref();
                    let path = format!("{path}.repeat");
                    let probability = match &rep.probability {
                        Some(p) => self.probability(p, &format!("{path}.probability"))?,
                        None => 1.0,
                    };
                    let ty = match &rep.ty {
                        None => TypeId(i as u16),
                        Some(name) => TypeId(self.type_named(name, types, &format!("{path}.type"))? as u16),
                    };
                    let max_contacts = match &rep.max_contacts {
                        None => DEFAULT_MAX_CONTACTS,
                        Some(m) if (1..=i64::from(MAX_ATTEMPTS)).contains(m.get_ref()) => *m.get_ref() as u32,
                        Some(m) => {
                            return Err(self.err(
                                m.span(),
                                format!("{path}.max_contacts"),
                                format!(
                                    "must be a whole number of handled contacts from 1 (no repeat) to {MAX_ATTEMPTS}, the first included; got {}",
                                    m.get_ref()
                                ),
                            ));
                        }
                    };
                    Some(Repeat {
                        probability,
                        delay: self.dist(&rep.delay, &format!("{path}.delay"))?,
                        ty,
                        max_contacts,
                    })
                }
            };
            types[i].resolution = Some(Resolution { probability, repeat });
        }
        Ok(())
    }

    /// `[csat]`: the defaults of [`CsatModel`], with the coefficients the file gives.
    fn csat(&self, raw: &RawScenario) -> Result<CsatModel> {
        let mut m = CsatModel::default();
        let Some(c) = &raw.csat else { return Ok(m) };
        let c = c.get_ref();
        let finite = |v: &Option<Spanned<f64>>, field: &str, into: &mut f64| -> Result<()> {
            if let Some(v) = v {
                if !v.get_ref().is_finite() {
                    return Err(self.err(v.span(), format!("csat.{field}"), "must be a finite number"));
                }
                *into = *v.get_ref();
            }
            Ok(())
        };
        finite(&c.base, "base", &mut m.base)?;
        finite(&c.unresolved, "unresolved", &mut m.unresolved)?;
        finite(&c.per_repeat, "per_repeat", &mut m.per_repeat)?;
        finite(&c.per_abandoned, "per_abandoned", &mut m.per_abandoned)?;
        finite(&c.per_wait_minute, "per_wait_minute", &mut m.per_wait_minute)?;
        finite(&c.transfer, "transfer", &mut m.transfer)?;
        finite(&c.switch, "switch", &mut m.switch)?;
        finite(&c.context_loss, "context_loss", &mut m.context_loss)?;
        finite(&c.bot_fail, "bot_fail", &mut m.bot_fail)?;
        finite(&c.per_ivr_minute, "per_ivr_minute", &mut m.per_ivr_minute)?;
        if let Some(w) = &c.callback_wait_weight {
            m.callback_wait_weight = self.probability(w, "csat.callback_wait_weight")?;
        }
        finite(
            &c.email_per_wait_hour,
            "email_per_wait_hour",
            &mut m.email_per_wait_hour,
        )?;
        if let Some(w) = &c.chat_wait_grace {
            m.chat_wait_grace_s = self.duration(w, "csat.chat_wait_grace")?;
        }
        if let Some(w) = &c.email_wait_grace {
            m.email_wait_grace_s = self.duration(w, "csat.email_wait_grace")?;
        }
        if let Some(w) = &c.ivr_grace {
            m.ivr_grace_s = self.duration(w, "csat.ivr_grace")?;
        }
        if let Some(h) = &c.heterogeneity {
            if !(h.get_ref().is_finite() && *h.get_ref() >= 0.0) {
                return Err(self.err(
                    h.span(),
                    "csat.heterogeneity",
                    format!("must be a standard deviation >= 0 (0: off), got {}", h.get_ref()),
                ));
            }
            m.heterogeneity = *h.get_ref();
        }
        if let Some(w) = &c.wait_grace {
            m.wait_grace_s = self.duration(w, "csat.wait_grace")?;
        }
        for (v, field, into) in [
            (
                &c.defect_resolved_first,
                "defect_resolved_first",
                &mut m.defect_resolved_first,
            ),
            (
                &c.defect_resolved_later,
                "defect_resolved_later",
                &mut m.defect_resolved_later,
            ),
            (&c.defect_unresolved, "defect_unresolved", &mut m.defect_unresolved),
        ] {
            if let Some(v) = v {
                *into = self.probability(v, &format!("csat.{field}"))?;
            }
        }
        Ok(m)
    }

    /// `[[shocks]]`: multiplies each touched type's rate in each interval by the shock's
    /// average multiplier over that interval (the multiplier is piecewise linear in time, so
    /// every interval keeps its exact expected count). Overlapping shocks multiply.
    fn shocks(&self, raw: &RawScenario, types: &mut [ContactType], frame: &Frame) -> Result<()> {
        for (si, sh) in raw.shocks.iter().enumerate() {
            let sh = sh.get_ref();
            let path = format!("shocks[{si}]");
            let start = self.duration(&sh.start, &format!("{path}.start"))?;
            let duration = self.duration(&sh.duration, &format!("{path}.duration"))?;
            let ramp = sh
                .ramp
                .as_ref()
                .map_or(Ok(0.0), |r| self.duration(r, &format!("{path}.ramp")))?;
            let decay = sh
                .decay
                .as_ref()
                .map_or(Ok(0.0), |d| self.duration(d, &format!("{path}.decay")))?;
            let factor = *sh.factor.get_ref();
            if !(0.0..=MAX_SHOCK_FACTOR).contains(&factor) {
                return Err(self.err(
                    sh.factor.span(),
                    format!("{path}.factor"),
                    format!("must be a number from 0 to {MAX_SHOCK_FACTOR} (a multiplier of the rates), got {factor}"),
                ));
            }
            if ramp > duration {
                let span = sh.ramp.as_ref().map_or(sh.duration.span(), Spanned::span);
                return Err(self.err(
                    span,
                    format!("{path}.ramp"),
                    "the ramp is part of the duration and cannot be longer",
                ));
            }
            let shape = Shock {
                start,
                ramp,
                full_end: start + duration,
                decay,
                factor,
            };
            for (t, _) in self.type_list(sh.types.as_ref(), sh.name.span(), types, &path)? {
                for (i, rate) in types[t].arrival_rates.iter_mut().enumerate() {
                    let a = frame.interval_start(i);
                    let b = a + frame.interval_length(i);
                    *rate *= (shape.integral(b) - shape.integral(a)) / (b - a);
                }
            }
        }
        Ok(())
    }

    /// The index of the contact type called `name` (written at `field`).
    fn type_named(&self, name: &Spanned<String>, types: &[ContactType], field: &str) -> Result<usize> {
        types
            .iter()
            .position(|t| t.name == name.get_ref().trim())
            .ok_or_else(|| {
                let known: Vec<&str> = types.iter().map(|t| t.name.as_str()).collect();
                self.err(
                    name.span(),
                    field,
                    format!(
                        "unknown contact type \"{}\" (known: {})",
                        name.get_ref(),
                        known.join(", ")
                    ),
                )
            })
    }

    /// The contact types named in `path.types`, each with the span that named it; every type
    /// (at `default_span`) when the list is absent.
    fn type_list(
        &self,
        names: Option<&Spanned<Vec<Spanned<String>>>>,
        default_span: Range<usize>,
        types: &[ContactType],
        path: &str,
    ) -> Result<Vec<(usize, Range<usize>)>> {
        let Some(names) = names else {
            return Ok((0..types.len()).map(|t| (t, default_span.clone())).collect());
        };
        let field = format!("{path}.types");
        names
            .get_ref()
            .iter()
            .map(|n| Ok((self.type_named(n, types, &field)?, n.span())))
            .collect()
    }

    /// `[[lines]]`: each names its types (default all); a type may use one set of lines.
    fn lines(&self, raw: &RawScenario, types: &mut [ContactType]) -> Result<Vec<Lines>> {
        let mut out = Vec::new();
        for (li, l) in raw.lines.iter().enumerate() {
            let l = l.get_ref();
            let path = format!("lines[{li}]");
            let capacity = *l.capacity.get_ref();
            if !(0..=i64::from(u32::MAX)).contains(&capacity) {
                return Err(self.err(
                    l.capacity.span(),
                    format!("{path}.capacity"),
                    format!("must be a whole number of lines >= 0, got {capacity}"),
                ));
            }
            let members = self.type_list(l.types.as_ref(), l.name.span(), types, &path)?;
            for (t, span) in members {
                if let Some(other) = types[t].lines {
                    let other: &Lines = &out[other];
                    return Err(self.err(
                        span,
                        format!("{path}.types"),
                        format!(
                            "contact type \"{}\" already uses the lines \"{}\"; a type may use one set of lines",
                            types[t].name, other.name
                        ),
                    ));
                }
                types[t].lines = Some(out.len());
            }
            out.push(Lines {
                name: l.name.get_ref().trim().to_owned(),
                capacity: capacity as u32,
            });
        }
        Ok(out)
    }

    /// Rewrites every empirical `file` of `raw` to the absolute path it was read from, so the
    /// recorded scenario (`run.toml`) finds its samples from any folder.
    fn absolute_sample_paths(&self, raw: &mut RawScenario) {
        for t in &mut raw.contact_types {
            let t = t.get_mut();
            let mut dists: Vec<&mut Spanned<RawDist>> = t.handle_time.iter_mut().collect();
            dists.extend(t.patience.as_mut());
            if let Some(r) = &mut t.retrial {
                let r = r.get_mut();
                dists.push(&mut r.delay);
                dists.extend(r.patience.as_mut());
            }
            if let Some(rep) = t.resolution.as_mut().and_then(|r| r.get_mut().repeat.as_mut()) {
                dists.push(&mut rep.get_mut().delay);
            }
            if let Some(file) = &mut t.arrivals.get_mut().replay {
                self.absolute_path(file);
            }
            for d in dists {
                self.absolute_sample_path(d);
            }
        }
        for n in &mut raw.ivr {
            let n = n.get_mut();
            for d in [&mut n.duration, &mut n.transfer_after, &mut n.recontact_delay]
                .into_iter()
                .flatten()
            {
                self.absolute_sample_path(d);
            }
        }
    }

    /// Rewrites a file name relative to the scenario file as its absolute path (if it exists).
    fn absolute_path(&self, file: &mut Spanned<String>) {
        if let Ok(full) = std::fs::canonicalize(self.base_dir.join(file.get_ref())) {
            let span = file.span();
            *file = Spanned::new(span, full.to_string_lossy().into_owned());
        }
    }

    /// [`Self::absolute_sample_paths`] for one distribution and the parts of a mixture.
    fn absolute_sample_path(&self, d: &mut Spanned<RawDist>) {
        let d = d.get_mut();
        if let Some(file) = &mut d.file {
            self.absolute_path(file);
        }
        if let Some(of) = &mut d.of {
            for part in of.get_mut() {
                self.absolute_sample_path(part);
            }
        }
    }

    /// Valid but suspicious set-ups, see [`Scenario::warnings`]:
    ///
    /// * a contact type with no patience and an unlimited queue whose offered load (rate ×
    ///   mean handle time, per interval) exceeds the headcount of all groups serving it: even
    ///   with every one of those agents on it, its queue grows;
    /// * `closing = "serve"` while no agent serving a type is on duty in the last interval:
    ///   contacts still waiting at the horizon are never served.
    fn warnings(
        &self,
        raw: &RawScenario,
        types: &[ContactType],
        groups: &[AgentGroup],
        closing: Closing,
        frame: &Frame,
    ) -> Vec<ScenarioWarning> {
        let mut out = Vec::new();
        let n = frame.n_intervals as usize;
        // A type whose arrivals enter the self-service graph has no queue of its own.
        for (ti, t) in types.iter().enumerate().filter(|(_, t)| t.ivr.is_none()) {
            let raw_t = raw.contact_types[ti].get_ref();
            let capacity = |i: usize| -> u64 {
                t.served_by
                    .iter()
                    .map(|g| u64::from(groups[g.index()].headcount[i]))
                    .sum()
            };
            if t.patience.is_none() && t.queue_capacity.is_none() {
                let base_aht = t.handle_time.mean();
                // (interval, offered load, agents, growth in contacts per second)
                let over: Vec<(usize, f64, u64, f64)> = (0..n)
                    .filter_map(|i| {
                        let aht = base_aht * t.handle_multiplier(i);
                        let load = t.arrival_rates[i] * aht;
                        let agents = capacity(i);
                        (load > agents as f64).then(|| (i, load, agents, t.arrival_rates[i] - agents as f64 / aht))
                    })
                    .collect();
                if let Some(&(wi, load, agents, growth)) = over.iter().max_by(|a, b| a.3.total_cmp(&b.3)) {
                    let agents_text = if agents == 1 {
                        "1 agent".to_string()
                    } else {
                        format!("{agents} agents")
                    };
                    let extent = if over.len() == n {
                        format!("the queue grows without bound (about {} contacts/s)", short_num(growth))
                    } else {
                        format!(
                            "in {} of {n} intervals (the worst from {}) the queue grows, by about {} contacts/s",
                            over.len(),
                            Human(frame.interval_start(wi)),
                            short_num(growth)
                        )
                    };
                    let unitless = match &raw_t.arrivals.get_ref().rate {
                        Some(r) if matches!(r.get_ref(), RateValue::PerSecond(_)) => format!(
                            "; `rate = {}` has no unit and means per second — write e.g. \"{}/h\" for per hour",
                            short_num(t.arrival_rates[0]),
                            short_num(t.arrival_rates[0])
                        ),
                        _ => String::new(),
                    };
                    out.push(self.warning(
                        raw_t.arrivals.span(),
                        format!("contact_types[{ti}].arrivals"),
                        format!(
                            "\"{}\": offered load {} Erlangs vs at most {agents_text} serving it and no patience: {extent}{unitless}",
                            t.name,
                            short_num(load)
                        ),
                    ));
                }
            }
            if closing == Closing::Serve && capacity(n - 1) == 0 {
                out.push(self.warning(
                    raw_t.name.span(),
                    format!("contact_types[{ti}]"),
                    format!(
                        "\"{}\": closing = \"serve\", but no agent serving it is on duty in the last interval: contacts still waiting at the horizon are never served (they abandon, or are counted in in_system_at_end); staff the last interval or use closing = \"clear\"",
                        t.name
                    ),
                ));
            }
        }
        if !out.iter().any(|w| w.field.ends_with(".arrivals")) {
            out.extend(self.joint_overload(raw, types, groups, frame));
        }
        out
    }

    /// The types without patience or queue limit taken together: their offered load against
    /// every agent of the groups serving any of them. Catches an overload that each type
    /// alone does not show (two types of 30 Erlangs sharing 50 agents).
    fn joint_overload(
        &self,
        raw: &RawScenario,
        types: &[ContactType],
        groups: &[AgentGroup],
        frame: &Frame,
    ) -> Option<ScenarioWarning> {
        let waiting: Vec<usize> = (0..types.len())
            .filter(|t| types[*t].patience.is_none() && types[*t].queue_capacity.is_none())
            .collect();
        if waiting.len() < 2 {
            return None;
        }
        let mut serving = vec![false; groups.len()];
        for t in &waiting {
            for g in &types[*t].served_by {
                serving[g.index()] = true;
            }
        }
        let n = frame.n_intervals as usize;
        let means: Vec<f64> = waiting.iter().map(|t| types[*t].handle_time.mean()).collect();
        // (interval, offered load, agents)
        let over: Vec<(usize, f64, u64)> = (0..n)
            .filter_map(|i| {
                let load: f64 = waiting
                    .iter()
                    .zip(&means)
                    .map(|(t, m)| types[*t].arrival_rates[i] * m * types[*t].handle_multiplier(i))
                    .sum();
                let agents: u64 = (0..groups.len())
                    .filter(|g| serving[*g])
                    .map(|g| u64::from(groups[g].headcount[i]))
                    .sum();
                (load > agents as f64).then_some((i, load, agents))
            })
            .collect();
        let &(wi, load, agents) = over
            .iter()
            .max_by(|a, b| (a.1 - a.2 as f64).total_cmp(&(b.1 - b.2 as f64)))?;
        let names: Vec<String> = waiting
            .iter()
            .take(5)
            .map(|t| format!("\"{}\"", types[*t].name))
            .collect();
        let more = if waiting.len() > 5 {
            format!(" and {} more", waiting.len() - 5)
        } else {
            String::new()
        };
        let extent = if over.len() == n {
            "their queues grow without bound".to_string()
        } else {
            format!(
                "in {} of {n} intervals (the worst from {}) their queues grow",
                over.len(),
                Human(frame.interval_start(wi))
            )
        };
        Some(self.warning(
            raw.contact_types[waiting[0]].get_ref().arrivals.span(),
            "contact_types",
            format!(
                "the types without patience ({}{more}) together: offered load {} Erlangs vs at most {agents} agents serving them: {extent}",
                names.join(", "),
                short_num(load)
            ),
        ))
    }

    /// Checks that names are non-empty, free of control characters and distinct; returns them
    /// (trimmed) in order.
    fn unique_names<'n>(
        &self,
        names: impl Iterator<Item = &'n Spanned<String>>,
        list: &str,
        what: &str,
    ) -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        // For lookup only; the order is `out`'s.
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, n) in names.enumerate() {
            let field = format!("{list}[{i}].name");
            let name = n.get_ref().trim();
            if name.is_empty() {
                return Err(self.err(n.span(), field, format!("a {what} needs a non-empty name")));
            }
            if let Some(c) = name.chars().find(|c| is_hidden_char(*c)) {
                return Err(self.err(
                    n.span(),
                    field,
                    format!(
                        "the {what} name \"{}\" holds the invisible character U+{:04X}; use printable characters only",
                        name.escape_debug(),
                        u32::from(c)
                    ),
                ));
            }
            if let Some(first) = seen.insert(name, i) {
                return Err(self.err(
                    n.span(),
                    field,
                    format!("duplicate {what} name \"{name}\" (names must be unique; {list}[{first}] has it too)"),
                ));
            }
            out.push(name.to_owned());
        }
        Ok(out)
    }

    fn contact_type(&self, t: &RawContactType, path: &str, frame: &Frame) -> Result<ContactType> {
        let arrivals = t.arrivals.get_ref();
        let field = format!("{path}.arrivals");
        let daily_fields = [
            arrivals.profile.as_ref().map(Spanned::span),
            arrivals.weekly.as_ref().map(Spanned::span),
        ];
        let replay = match &arrivals.replay {
            None => None,
            Some(file) => {
                let others = arrivals.rate.is_some()
                    || arrivals.rates.is_some()
                    || arrivals.daily.is_some()
                    || daily_fields.iter().any(Option::is_some)
                    || t.busyness.is_some();
                if others {
                    return Err(self.err(
                        file.span(),
                        &field,
                        "a `replay` file gives the arrivals itself: leave out rate, rates, daily, profile, weekly and the type's busyness",
                    ));
                }
                Some(self.replay(file, &format!("{field}.replay"), frame)?)
            }
        };
        let arrival_rates = match (&arrivals.rate, &arrivals.rates) {
            _ if replay.is_some() => {
                let times = &replay.as_ref().expect("given").times;
                let n = frame.n_intervals as usize;
                let mut counts = vec![0.0; n];
                for t in times {
                    counts[((t / frame.interval) as usize).min(n - 1)] += 1.0;
                }
                counts
                    .iter()
                    .enumerate()
                    .map(|(i, n)| n / frame.interval_length(i))
                    .collect()
            }
            (None, None) if arrivals.daily.is_some() || arrivals.profile.is_some() => {
                self.daily_rates(arrivals, &field, frame)?
            }
            (Some(_), _) | (_, Some(_)) if arrivals.daily.is_some() || daily_fields.iter().any(Option::is_some) => {
                let span = arrivals
                    .daily
                    .as_ref()
                    .map(Spanned::span)
                    .or_else(|| daily_fields.iter().flatten().next().cloned())
                    .unwrap_or(t.arrivals.span());
                return Err(self.err(
                    span,
                    field,
                    "give `rate`, `rates`, or `daily` with `profile` (and optional `weekly`), not a mix",
                ));
            }
            (Some(r), None) => vec![self.rate(r, &format!("{field}.rate"))?; frame.n_intervals as usize],
            (None, Some(rs)) => {
                let values = rs
                    .get_ref()
                    .iter()
                    .enumerate()
                    .map(|(i, r)| self.rate(r, &format!("{field}.rates[{i}]")))
                    .collect::<Result<Vec<_>>>()?;
                frame
                    .expand(values)
                    .map_err(|m| self.err(rs.span(), format!("{field}.rates"), m))?
            }
            (Some(r), Some(_)) => {
                return Err(self.err(
                    r.span(),
                    field,
                    "give either `rate` (constant) or `rates` (one per interval), not both",
                ));
            }
            (None, None) => {
                return Err(self.err(
                    t.arrivals.span(),
                    field,
                    "needs `rate` (e.g. rate = \"540/h\"), `rates` (one rate per interval), or `daily` with `profile` (contacts per day, spread over the day)",
                ));
            }
        };
        let per_interval = arrival_rates
            .iter()
            .enumerate()
            .map(|(i, r)| r * frame.interval_length(i));
        if let Some((i, busiest)) = per_interval
            .clone()
            .enumerate()
            .find(|(_, v)| *v > MAX_EXPECTED_PER_INTERVAL)
        {
            return Err(self.err(t.arrivals.span(), field, format!(
                "about {busiest:.3e} contacts expected in interval {i}; at most {MAX_EXPECTED_PER_INTERVAL:e} per interval are simulated (lower the rate or use shorter intervals)"
            )));
        }
        let expected: f64 = per_interval.sum();
        if expected > MAX_EXPECTED_ARRIVALS {
            return Err(self.err(t.arrivals.span(), field, format!(
                "about {expected:.3e} contacts per replication expected; at most {MAX_EXPECTED_ARRIVALS:e} are simulated (lower the rate or shorten the horizon)"
            )));
        }
        let handle_time = match &t.handle_time {
            Some(h) => self.dist(h, &format!("{path}.handle_time"))?,
            // Never drawn: the type's contacts all go through the self-service graph.
            None if t.ivr.is_some() => Dist::constant(0.0).expect("valid"),
            None => {
                return Err(self.err(
                    t.name.span(),
                    format!("{path}.handle_time"),
                    "missing handle_time: add handle_time = { dist = \"exponential\", mean = \"5m\" } (only a type whose arrivals enter the self-service graph, with `ivr`, may leave it out)",
                ));
            }
        };
        let channel = match &t.channel {
            None => Channel::Voice,
            Some(c) => match c.get_ref().trim() {
                "voice" => Channel::Voice,
                "chat" => Channel::Chat,
                "email" => Channel::Email,
                other => {
                    return Err(self.err(
                        c.span(),
                        format!("{path}.channel"),
                        format!(
                            "unknown channel \"{}\" (valid: \"voice\", \"chat\", \"email\")",
                            other.escape_debug()
                        ),
                    ));
                }
            },
        };
        let patience = t
            .patience
            .as_ref()
            .map(|p| self.dist(p, &format!("{path}.patience")))
            .transpose()?;
        let profile = |list: &Option<Spanned<Vec<Spanned<f64>>>>, name: &str| -> Result<Option<Vec<f64>>> {
            let Some(list) = list else { return Ok(None) };
            let field = format!("{path}.{name}");
            let values = self.non_negative_list(list, &field)?;
            frame
                .expand(values)
                .map(Some)
                .map_err(|m| self.err(list.span(), field, m))
        };
        let handle_profile = profile(&t.handle_time_profile, "handle_time_profile")?;
        let patience_profile = profile(&t.patience_profile, "patience_profile")?;
        let by_interval = |list: &Option<Spanned<Vec<Spanned<RawDist>>>>, name: &str| -> Result<Vec<Dist>> {
            let Some(list) = list else { return Ok(Vec::new()) };
            let field = format!("{path}.{name}");
            let dists = list
                .get_ref()
                .iter()
                .enumerate()
                .map(|(k, d)| self.dist(d, &format!("{field}[{k}]")))
                .collect::<Result<Vec<_>>>()?;
            let (n, len) = (frame.n_intervals as usize, dists.len());
            if len == 0 || n % len != 0 {
                return Err(self.err(
                    list.span(),
                    field,
                    format!(
                        "has {len} distributions, but the horizon {} holds {n} intervals of {}; give {n} (one per interval) or a number that divides {n} (a cycle, e.g. a day's)",
                        Human(frame.horizon),
                        Human(frame.interval)
                    ),
                ));
            }
            Ok(dists)
        };
        let handle_by_interval = by_interval(&t.handle_time_by_interval, "handle_time_by_interval")?;
        let patience_by_interval = by_interval(&t.patience_by_interval, "patience_by_interval")?;
        let patience = patience.or_else(|| patience_by_interval.first().cloned());
        let due = match (&t.due, channel) {
            (Some(d), Channel::Email) => Some(self.positive_duration(d, &format!("{path}.due"))?),
            (None, Channel::Email) => Some(DEFAULT_EMAIL_DUE),
            (Some(d), other) => {
                return Err(self.err(
                    d.span(),
                    format!("{path}.due"),
                    format!(
                        "`due` is the answer time of an email; this is a {} type (give it channel = \"email\", or use sl_threshold)",
                        other.as_str()
                    ),
                ));
            }
            (None, _) => None,
        };
        if channel == Channel::Email
            && let Some(p) = &t.patience
        {
            return Err(self.err(
                p.span(),
                format!("{path}.patience"),
                "an email waits until it is answered: leave out patience (its answer time is `due`)",
            ));
        }
        if channel == Channel::Email
            && let Some(p) = &t.patience_by_interval
        {
            return Err(self.err(
                p.span(),
                format!("{path}.patience_by_interval"),
                "an email waits until it is answered: leave out patience (its answer time is `due`)",
            ));
        }
        let sl_field = format!("{path}.sl_threshold");
        let sl_thresholds = match &t.sl_threshold {
            None if due.is_some() => vec![due.expect("checked")],
            None => vec![20.0],
            Some(s) => {
                let values: Vec<DurationValue> = match s.get_ref() {
                    OneOrMany::One(v) => vec![v.clone()],
                    OneOrMany::Many(v) => v.clone(),
                };
                if values.is_empty() || values.len() > MAX_SL_THRESHOLDS {
                    return Err(self.err(
                        s.span(),
                        sl_field,
                        format!(
                            "give 1 to {MAX_SL_THRESHOLDS} service-level thresholds, got {}",
                            values.len()
                        ),
                    ));
                }
                let mut out = Vec::new();
                for v in values {
                    out.push(self.duration(&Spanned::new(s.span(), v), &sl_field)?);
                }
                out.sort_by(f64::total_cmp);
                out.dedup();
                out
            }
        };
        let queue_capacity = match &t.queue_capacity {
            None => None,
            Some(q) if !(0..=i64::from(u32::MAX)).contains(q.get_ref()) => {
                return Err(self.err(
                    q.span(),
                    format!("{path}.queue_capacity"),
                    format!("must be a whole number >= 0 (0 = no waiting room), got {}", q.get_ref()),
                ));
            }
            Some(q) => Some(*q.get_ref() as u32),
        };
        let retrial = t
            .retrial
            .as_ref()
            .map(|r| self.retrial(r, &format!("{path}.retrial")))
            .transpose()?;
        let busyness = t
            .busyness
            .as_ref()
            .map(|b| self.busyness(b, t.name.get_ref().trim(), frame, &format!("{path}.busyness")))
            .transpose()?;
        let wrap_up = t
            .wrap_up
            .as_ref()
            .map(|d| self.dist(d, &format!("{path}.wrap_up")))
            .transpose()?;
        let priority = match &t.priority {
            None => 0,
            Some(p) if (-MAX_PRIORITY..=MAX_PRIORITY).contains(p.get_ref()) => *p.get_ref() as i32,
            Some(p) => {
                return Err(self.err(
                    p.span(),
                    format!("{path}.priority"),
                    format!(
                        "must be a whole number from -{MAX_PRIORITY} to {MAX_PRIORITY} (higher is served first; 0 by default), got {}",
                        p.get_ref()
                    ),
                ));
            }
        };
        let queue_credit = t
            .queue_credit
            .as_ref()
            .map_or(Ok(0.0), |c| self.duration(c, &format!("{path}.queue_credit")))?;
        let ct = ContactType {
            name: t.name.get_ref().trim().to_owned(),
            priority,
            queue_credit,
            priority_aging: 0.0,
            route: Vec::new(),
            arrival_rates,
            handle_time,
            patience,
            wrap_up,
            handle_profile,
            patience_profile,
            handle_by_interval,
            patience_by_interval,
            sl_thresholds,
            queue_capacity,
            served_by: Vec::new(),
            retrial,
            busyness,
            lines: None,
            resolution: None,
            hours: t
                .hours
                .as_ref()
                .map(|h| self.hours(h, &format!("{path}.hours"), frame))
                .transpose()?,
            max_wait: t
                .max_wait
                .as_ref()
                .map(|m| self.positive_duration(m, &format!("{path}.max_wait")))
                .transpose()?,
            balking: t
                .balking
                .as_ref()
                .map(|b| self.balking(b, &format!("{path}.balking")))
                .transpose()?,
            replay,
            ivr: None,
            channel,
            silent_abandon: match (&t.silent_abandon, channel) {
                (None, _) => None,
                (Some(sa), Channel::Chat) => {
                    let sa = sa.get_ref();
                    let field = format!("{path}.silent_abandon");
                    let p = match &sa.probability {
                        Some(p) => self.probability(p, &format!("{field}.probability"))?,
                        None => 0.5,
                    };
                    let timeout = match &sa.timeout {
                        Some(t) => self.positive_duration(t, &format!("{field}.timeout"))?,
                        None => 300.0,
                    };
                    Some((p, timeout))
                }
                (Some(sa), other) => {
                    return Err(self.err(
                        sa.span(),
                        format!("{path}.silent_abandon"),
                        format!(
                            "silent abandonment is a chat behaviour (a chat left open in the queue); this is a {} type (give it channel = \"chat\")",
                            other.as_str()
                        ),
                    ));
                }
            },
            callback: t
                .callback
                .as_ref()
                .map(|c| self.callback(c, &format!("{path}.callback")))
                .transpose()?,
        };
        if let (Some(raw), Some(cb)) = (&t.callback, &ct.callback)
            && cb.messages
            && ct.max_wait.is_none()
        {
            let span = raw.get_ref().messages.as_ref().map_or(raw.span(), Spanned::span);
            return Err(self.err(
                span,
                format!("{path}.callback.messages"),
                "messages are left at the maximum wait; give the type a `max_wait` (e.g. max_wait = \"2m\")",
            ));
        }
        Ok(ct)
    }

    /// Rates from a daily volume, an intraday profile (weights per interval of a day, from
    /// t = 0) and day-of-week factors: interval i of day d gets
    /// `daily × weekly[weekday(d)] × profile[i] / Σ profile` contacts.
    fn daily_rates(&self, a: &RawArrivals, field: &str, frame: &Frame) -> Result<Vec<f64>> {
        let Some(daily) = &a.daily else {
            let span = a.profile.as_ref().map_or(0..0, Spanned::span);
            return Err(self.err(
                span,
                field,
                "a `profile` needs `daily`, the expected contacts in a day (e.g. daily = 12000)",
            ));
        };
        let volume = *daily.get_ref();
        if !(volume.is_finite() && volume >= 0.0) {
            return Err(self.err(
                daily.span(),
                format!("{field}.daily"),
                format!("must be a number of contacts per day >= 0, got {volume}"),
            ));
        }
        let Some(profile) = &a.profile else {
            return Err(self.err(
                daily.span(),
                field,
                "`daily` needs a `profile`: one weight per interval of a day (e.g. 48 half-hours), the shape of the day",
            ));
        };
        let per_day = DAY / frame.interval;
        if (per_day.round() - per_day).abs() > 1e-9 * per_day || per_day.round() as usize != profile.get_ref().len() {
            return Err(self.err(
                profile.span(),
                format!("{field}.profile"),
                format!(
                    "has {} weights, but a day holds {} intervals of {}; give one weight per interval of a day (the interval must divide a day)",
                    profile.get_ref().len(),
                    short_num(per_day),
                    Human(frame.interval)
                ),
            ));
        }
        let weights = self.non_negative_list(profile, &format!("{field}.profile"))?;
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return Err(self.err(
                profile.span(),
                format!("{field}.profile"),
                "the weights add up to 0; give at least one positive weight",
            ));
        }
        let weekly = match &a.weekly {
            None => vec![1.0; 7],
            Some(w) if w.get_ref().len() != 7 => {
                return Err(self.err(
                    w.span(),
                    format!("{field}.weekly"),
                    format!(
                        "has {} factors; give 7, Monday to Sunday (the first day's weekday is simulation.first_day)",
                        w.get_ref().len()
                    ),
                ));
            }
            Some(w) => self.non_negative_list(w, &format!("{field}.weekly"))?,
        };
        Ok((0..frame.n_intervals as usize)
            .map(|i| {
                let (day, slot) = (i / weights.len(), i % weights.len());
                volume * weekly[(frame.first_day + day) % 7] * weights[slot] / total / frame.interval
            })
            .collect())
    }

    /// A weekday's number, Monday = 0 … Sunday = 6, from its name or first three letters.
    fn weekday(&self, d: &Spanned<String>, field: &str) -> Result<usize> {
        use crate::calendar::WEEKDAYS;
        let name = d.get_ref().trim().to_ascii_lowercase();
        WEEKDAYS
            .iter()
            .position(|w| *w == name || (name.len() >= 3 && w.starts_with(&name)))
            .ok_or_else(|| {
                self.err(
                    d.span(),
                    field,
                    format!(
                        "unknown weekday \"{}\" (valid: {}, or their first three letters)",
                        d.get_ref().escape_debug(),
                        WEEKDAYS.join(", ")
                    ),
                )
            })
    }

    /// `hours`: the open windows over the horizon (and a week past it, so that a contact
    /// deferred near the end finds its opening), from clock times and weekdays.
    fn hours(&self, h: &Spanned<RawHours>, path: &str, frame: &Frame) -> Result<Hours> {
        let raw = h.get_ref();
        let clock = |v: &Spanned<String>, field: &str| self.clock_time(v, &format!("{path}.{field}"));
        let open = clock(&raw.open, "open")?;
        let mut close = clock(&raw.close, "close")?;
        if close == open {
            return Err(self.err(
                raw.close.span(),
                format!("{path}.close"),
                "closes when it opens; for a line open around the clock leave `hours` out",
            ));
        }
        if close < open {
            close += DAY; // closes the next day
        }
        let mut days = [raw.days.is_none(); 7];
        if let Some(list) = &raw.days {
            for (i, d) in list.get_ref().iter().enumerate() {
                days[self.weekday(d, &format!("{path}.days[{i}]"))?] = true;
            }
        }
        let word = |v: &Option<Spanned<String>>, field: &str, valid: [&str; 2]| -> Result<usize> {
            let Some(v) = v else { return Ok(0) };
            let text = v.get_ref().trim().to_ascii_lowercase();
            valid.iter().position(|w| *w == text).ok_or_else(|| {
                self.err(
                    v.span(),
                    format!("{path}.{field}"),
                    format!(
                        "must be \"{}\" (default) or \"{}\", got \"{}\"",
                        valid[0],
                        valid[1],
                        text.escape_debug()
                    ),
                )
            })
        };
        let when_closed =
            [WhenClosed::Defer, WhenClosed::Refuse][word(&raw.when_closed, "when_closed", ["defer", "refuse"])?];
        let at_close = [Closing::Serve, Closing::Clear][word(&raw.at_close, "at_close", ["serve", "clear"])?];
        // Clock day k starts at t = k·DAY − day_start; the first is the day holding t = 0.
        let last_day = ((frame.horizon + frame.day_start_s) / DAY).ceil() as usize + 8;
        let mut windows: Vec<(f64, f64)> = Vec::new();
        for k in 0..=last_day {
            if !days[(frame.first_day + k) % 7] {
                continue;
            }
            let base = k as f64 * DAY - frame.day_start_s;
            let (a, b) = ((base + open).max(0.0), base + close);
            if b <= a {
                continue;
            }
            match windows.last_mut() {
                Some(last) if last.1 >= a => last.1 = last.1.max(b),
                _ => windows.push((a, b)),
            }
        }
        if windows.iter().all(|w| w.0 >= frame.horizon) {
            return Err(self.err(
                h.span(),
                path,
                "the line never opens before the horizon; check the days and hours",
            ));
        }
        Ok(Hours {
            windows,
            when_closed,
            at_close,
        })
    }

    /// `balking`: one list of points, by queue length or by announced wait, with x >= 0
    /// strictly ascending and probabilities in [0, 1].
    /// `callback = { ... }`, with MODEL.md §4.2's defaults for what it leaves out.
    fn callback(&self, c: &Spanned<RawCallback>, path: &str) -> Result<Callback> {
        let c = c.get_ref();
        let secs = |v: &Option<Spanned<DurationValue>>, field: &str, default: f64| -> Result<f64> {
            v.as_ref()
                .map_or(Ok(default), |v| self.duration(v, &format!("{path}.{field}")))
        };
        let positive = |v: &Option<Spanned<DurationValue>>, field: &str, default: f64| -> Result<f64> {
            v.as_ref()
                .map_or(Ok(default), |v| self.positive_duration(v, &format!("{path}.{field}")))
        };
        let p = |v: &Option<Spanned<f64>>, field: &str, default: f64| -> Result<f64> {
            v.as_ref()
                .map_or(Ok(default), |v| self.probability(v, &format!("{path}.{field}")))
        };
        let retries = match &c.retries {
            None => 2,
            Some(r) if (0..=100).contains(r.get_ref()) => *r.get_ref() as u32,
            Some(r) => {
                return Err(self.err(
                    r.span(),
                    format!("{path}.retries"),
                    format!(
                        "must be a whole number of dials after the first, from 0 to 100; got {}",
                        r.get_ref()
                    ),
                ));
            }
        };
        // Two-way switches: (false word, its meaning), (true word, its meaning).
        let switch = |v: &Option<Spanned<String>>, field: &str, what: &str, no: (&str, &str), yes: (&str, &str)| {
            let Some(v) = v else { return Ok(false) };
            match v.get_ref().trim() {
                w if w == no.0 => Ok(false),
                w if w == yes.0 => Ok(true),
                other => Err(self.err(
                    v.span(),
                    format!("{path}.{field}"),
                    format!(
                        "unknown {what} \"{}\" (valid: \"{}\": {}; \"{}\": {})",
                        other.escape_debug(),
                        no.0,
                        no.1,
                        yes.0,
                        yes.1
                    ),
                )),
            }
        };
        let agent_first = switch(
            &c.dial,
            "dial",
            "dialling mode",
            ("customer_first", "the customer is reached before an agent is taken"),
            ("agent_first", "an agent dials and waits"),
        )?;
        let lower = switch(
            &c.priority,
            "priority",
            "callback priority",
            ("same", "the callback keeps its place in line"),
            ("lower", "it waits behind every live contact"),
        )?;
        let offers = c.offers.as_ref().is_none_or(|o| *o.get_ref());
        let messages = c.messages.as_ref().is_some_and(|m| *m.get_ref());
        if !offers && !messages {
            let span = c.offers.as_ref().map_or(0..0, |o| o.span());
            return Err(self.err(
                span,
                format!("{path}.offers"),
                "with no offers and no returned messages the callback does nothing; set `messages = true` (with a `max_wait`) or drop `offers = false`",
            ));
        }
        Ok(Callback {
            lower,
            offers,
            messages,
            offer_wait: secs(&c.offer_wait, "offer_wait", 120.0)?,
            offer_waited: positive(&c.offer_waited, "offer_waited", 180.0)?,
            accept_max: p(&c.accept_max, "accept_max", 0.5)?,
            accept_scale: positive(&c.accept_scale, "accept_scale", 300.0)?,
            reach: p(&c.reach, "reach", 0.93)?,
            retries,
            retry_gap: positive(&c.retry_gap, "retry_gap", 600.0)?,
            agent_first,
            dial_time: secs(&c.dial_time, "dial_time", 30.0)?,
        })
    }

    fn balking(&self, b: &Spanned<RawBalking>, path: &str) -> Result<Balking> {
        let raw = b.get_ref();
        let (by, list, name) = match (&raw.queue, &raw.wait) {
            (Some(q), None) => (BalkBy::Queue, q, "queue"),
            (None, Some(w)) => (BalkBy::Wait, w, "wait"),
            _ => {
                return Err(self.err(
                    b.span(),
                    path,
                    "give either `queue` (points [contacts ahead, probability]) or `wait` (points [seconds of announced wait, probability])",
                ));
            }
        };
        let field = format!("{path}.{name}");
        let points = self.points(list, &field, "probability", 0.0..=1.0)?;
        Ok(Balking { by, points })
    }

    /// A function given by points `[x, y]`: at least one, x >= 0 strictly ascending, y in
    /// `range` (named `what` in messages).
    fn points(
        &self,
        list: &Spanned<Vec<Spanned<[f64; 2]>>>,
        field: &str,
        what: &str,
        range: std::ops::RangeInclusive<f64>,
    ) -> Result<Vec<(f64, f64)>> {
        if list.get_ref().is_empty() {
            return Err(self.err(list.span(), field, format!("give at least one point [x, {what}]")));
        }
        let mut points: Vec<(f64, f64)> = Vec::new();
        for (i, pt) in list.get_ref().iter().enumerate() {
            let [x, y] = *pt.get_ref();
            let bad = if !(x.is_finite() && x >= 0.0) {
                Some(format!("x must be a number >= 0, got {x}"))
            } else if !range.contains(&y) {
                Some(format!(
                    "the {what} must be between {} and {}, got {y}",
                    range.start(),
                    range.end()
                ))
            } else if points.last().is_some_and(|last| last.0 >= x) {
                Some("points must be in strictly ascending order of x".to_string())
            } else {
                None
            };
            if let Some(message) = bad {
                return Err(self.err(pt.span(), format!("{field}[{i}]"), message));
            }
            points.push((x, y));
        }
        Ok(points)
    }

    /// Each group's after-call work by type: its own distribution where it gives one, else
    /// the type's `wrap_up`; and its shortening under load. Only agents holding one contact
    /// at a time do after-call work.
    fn wrap_ups(&self, raw: &RawScenario, types: &[ContactType], groups: &mut [AgentGroup]) -> Result<()> {
        for (gi, g) in groups.iter_mut().enumerate() {
            let rg = raw.agent_groups[gi].get_ref();
            let path = format!("agent_groups[{gi}]");
            let mut own = vec![None; types.len()];
            if let Some(map) = &rg.wrap_up {
                for (name, d) in map {
                    let field = format!("{path}.wrap_up.{name}");
                    let t = self.served_type(name, d.span(), &field, types, g)?;
                    own[t.index()] = Some(self.dist(d, &field)?);
                }
            }
            let wrap_up: Vec<Option<Dist>> = (0..types.len())
                .map(|t| {
                    let served = g.serves.contains(&TypeId(t as u16));
                    own[t].take().or_else(|| types[t].wrap_up.clone().filter(|_| served))
                })
                .collect();
            if wrap_up.iter().any(Option::is_some) {
                if g.sessions > 1 {
                    // Point at the group's own wrap-up, else at the first type's it inherits.
                    let (span, field) = match &rg.wrap_up {
                        Some(w) => (w.values().next().map_or(0..0, Spanned::span), format!("{path}.wrap_up")),
                        None => g
                            .serves
                            .iter()
                            .find_map(|t| {
                                let w = raw.contact_types[t.index()].get_ref().wrap_up.as_ref()?;
                                Some((w.span(), format!("contact_types[{}].wrap_up", t.index())))
                            })
                            .unwrap_or((0..0, format!("{path}.wrap_up"))),
                    };
                    return Err(self.err(
                        span,
                        field,
                        format!(
                            "after-call work is for agents holding one contact at a time, and the agents of group \"{}\" hold {} chat sessions; drop this `wrap_up`, or serve the type from a group with one session",
                            g.name, g.sessions
                        ),
                    ));
                }
                g.wrap_up = wrap_up;
            }
            if let Some(list) = &rg.wrap_up_under_load {
                let field = format!("{path}.wrap_up_under_load");
                if g.wrap_up.is_empty() {
                    return Err(self.err(
                        list.span(),
                        field,
                        "the group does no after-call work to shorten; give its types (or the group) a `wrap_up`",
                    ));
                }
                g.wrap_up_under_load = self.points(list, &field, "multiplier", 0.0..=10.0)?;
            }
        }
        Ok(())
    }

    /// A list of finite numbers >= 0 (weights, factors).
    fn non_negative_list(&self, list: &Spanned<Vec<Spanned<f64>>>, field: &str) -> Result<Vec<f64>> {
        list.get_ref()
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let x = *v.get_ref();
                if x.is_finite() && x >= 0.0 {
                    Ok(x)
                } else {
                    Err(self.err(
                        v.span(),
                        format!("{field}[{i}]"),
                        format!("must be a number >= 0, got {x}"),
                    ))
                }
            })
            .collect()
    }

    fn busyness(&self, b: &Spanned<RawBusyness>, type_name: &str, frame: &Frame, path: &str) -> Result<Busyness> {
        let raw = b.get_ref();
        let shape = *raw.shape.get_ref();
        if !(shape.is_finite() && shape > 0.0) {
            return Err(self.err(
                raw.shape.span(),
                format!("{path}.shape"),
                format!("must be a finite number > 0 (the factor's variance is 1/shape), got {shape}"),
            ));
        }
        let period = match raw.per.as_ref().map(|p| p.get_ref().trim().to_ascii_lowercase()) {
            None => DAY,
            Some(p) if p == "day" => DAY,
            Some(p) if p == "replication" => frame.horizon,
            Some(p) => {
                let span = raw.per.as_ref().expect("given").span();
                return Err(self.err(
                    span,
                    format!("{path}.per"),
                    format!("must be \"day\" or \"replication\", got \"{}\"", p.escape_debug()),
                ));
            }
        };
        if period == DAY && ((DAY / frame.interval).round() * frame.interval - DAY).abs() > 1e-6 {
            return Err(self.err(
                b.span(),
                path,
                format!(
                    "a factor per day needs intervals that divide a day; {} does not",
                    Human(frame.interval)
                ),
            ));
        }
        let key = match &raw.shared {
            Some(name) => crate::rng::name_key(&format!("busyness:{}", name.get_ref().trim())),
            None => crate::rng::name_key(&format!("busyness:type:{type_name}")),
        };
        Ok(Busyness { shape, period, key })
    }

    fn retrial(&self, r: &Spanned<RawRetrial>, path: &str) -> Result<Retrial> {
        let raw = r.get_ref();
        let probability = self.probability(&raw.probability, &format!("{path}.probability"))?;
        let max_attempts = match &raw.max_attempts {
            None => DEFAULT_MAX_ATTEMPTS,
            Some(m) if (1..=i64::from(MAX_ATTEMPTS)).contains(m.get_ref()) => *m.get_ref() as u32,
            Some(m) => {
                return Err(self.err(
                    m.span(),
                    format!("{path}.max_attempts"),
                    format!(
                        "must be a whole number of attempts from 1 (no retry) to {MAX_ATTEMPTS}, the first included; got {}",
                        m.get_ref()
                    ),
                ));
            }
        };
        Ok(Retrial {
            probability,
            delay: self.dist(&raw.delay, &format!("{path}.delay"))?,
            max_attempts,
            patience: raw
                .patience
                .as_ref()
                .map(|p| self.dist(p, &format!("{path}.patience")))
                .transpose()?,
            switch: None, // resolved by name once every type is known (`retry_switches`)
        })
    }

    /// Each retrial's `switch`: the type a share of the retries goes to, resolved by name.
    fn retry_switches(&self, raw: &RawScenario, types: &mut [ContactType]) -> Result<()> {
        for (i, t) in raw.contact_types.iter().enumerate() {
            let Some(sw) = t.get_ref().retrial.as_ref().and_then(|r| r.get_ref().switch.as_ref()) else {
                continue;
            };
            let path = format!("contact_types[{i}].retrial.switch");
            let sw = sw.get_ref();
            let to = self.type_named(&sw.to, types, &format!("{path}.to"))?;
            if to == i {
                return Err(self.err(
                    sw.to.span(),
                    format!("{path}.to"),
                    "a switch goes to another type; a retry of the same type needs no switch",
                ));
            }
            let probability = match &sw.probability {
                Some(p) => self.probability(p, &format!("{path}.probability"))?,
                None => 1.0,
            };
            let context = sw.context.as_ref().is_some_and(|c| *c.get_ref());
            let handle_factor = match &sw.handle_factor {
                None if context => 1.0,
                None => graph::HANDLE_WITHOUT_CONTEXT,
                Some(f) if f.get_ref().is_finite() && *f.get_ref() > 0.0 => *f.get_ref(),
                Some(f) => {
                    return Err(self.err(
                        f.span(),
                        format!("{path}.handle_factor"),
                        format!(
                            "must be a number > 0 (1.10 by default without context: re-authentication and retelling), got {}",
                            f.get_ref()
                        ),
                    ));
                }
            };
            if let Some(r) = types[i].retrial.as_mut() {
                r.switch = Some(RetrySwitch {
                    to: TypeId(to as u16),
                    probability,
                    context,
                    handle_factor,
                });
            }
        }
        Ok(())
    }

    /// A group's `headcount`: one whole number of agents, or one per interval (a cycle, like
    /// rates), from 0 to [`MAX_HEADCOUNT`].
    fn headcount(&self, h: &Spanned<OneOrMany<i64>>, field: &str, frame: &Frame) -> Result<Vec<u32>> {
        let values = match h.get_ref() {
            OneOrMany::One(v) => vec![*v],
            OneOrMany::Many(v) => v.clone(),
        };
        if let Some(bad) = values.iter().find(|v| !(0..=MAX_HEADCOUNT).contains(*v)) {
            return Err(self.err(
                h.span(),
                field,
                format!("headcount must be a whole number of agents from 0 to {MAX_HEADCOUNT}, got {bad}"),
            ));
        }
        let values: Vec<u32> = values.into_iter().map(|v| v as u32).collect();
        if values.len() == 1 {
            Ok(vec![values[0]; frame.n_intervals as usize])
        } else {
            frame.expand(values).map_err(|m| self.err(h.span(), field, m))
        }
    }

    fn agent_group(
        &self,
        g: &RawAgentGroup,
        path: &str,
        frame: &Frame,
        types: &Types<'_>,
        sites: &[sites::SiteDraft],
    ) -> Result<AgentGroup> {
        let (type_names, type_ids, channels) = (types.names, types.ids, types.channels);
        let site = match &g.site {
            None => None,
            Some(n) => {
                let name = n.get_ref().trim();
                match sites.iter().position(|s| s.site.name == name) {
                    Some(i) => Some(i),
                    None => {
                        let known: Vec<&str> = sites.iter().map(|s| s.site.name.as_str()).collect();
                        return Err(self.err(
                            n.span(),
                            format!("{path}.site"),
                            if known.is_empty() {
                                format!(
                                    "unknown site \"{}\": the scenario has no [[sites]]",
                                    name.escape_debug()
                                )
                            } else {
                                format!("unknown site \"{}\" (known: {})", name.escape_debug(), known.join(", "))
                            },
                        ));
                    }
                }
            }
        };
        let draft = site.map(|i| &sites[i]);
        let hourly_cost = match (&g.hourly_cost, draft) {
            (Some(c), Some(d)) if d.site.contract.is_some() => {
                return Err(self.err(
                    c.span(),
                    format!("{path}.hourly_cost"),
                    format!(
                        "the group works for vendor \"{}\", billed by its contract: drop hourly_cost",
                        d.site.name
                    ),
                ));
            }
            (Some(c), _) => self.money(
                c,
                &format!("{path}.hourly_cost"),
                "the loaded cost of a paid agent hour",
            )?,
            (None, Some(d)) => d.site.hourly_cost,
            (None, None) => 0.0,
        };
        // Shifts read the site's clock.
        let frame = draft.map_or(frame, |d| &d.frame);
        let mut serves = Vec::new();
        let mut listed = std::collections::HashSet::new();
        if g.serves.get_ref().is_empty() {
            return Err(self.err(
                g.serves.span(),
                format!("{path}.serves"),
                format!(
                    "an agent group must serve at least one contact type (known: {})",
                    type_names.join(", ")
                ),
            ));
        }
        let type_id = |name: &str, span: Range<usize>, field: &str| -> Result<TypeId> {
            type_ids.get(name.trim()).copied().ok_or_else(|| {
                self.err(
                    span,
                    field,
                    format!("unknown contact type \"{name}\" (known: {})", type_names.join(", ")),
                )
            })
        };
        for (i, s) in g.serves.get_ref().iter().enumerate() {
            let field = format!("{path}.serves[{i}]");
            let id = type_id(s.get_ref(), s.span(), &field)?;
            if !listed.insert(id) {
                return Err(self.err(
                    s.span(),
                    field,
                    format!("contact type \"{}\" is listed twice", s.get_ref()),
                ));
            }
            serves.push(id);
        }
        // The share off the phones in each interval, if any.
        let shares = match &g.shrinkage {
            None => None,
            Some(list) => {
                let field = format!("{path}.shrinkage");
                let values = match list.get_ref() {
                    OneOrMany::One(v) => vec![*v],
                    OneOrMany::Many(v) => v.clone(),
                };
                if let Some(bad) = values.iter().find(|v| !(0.0..=1.0).contains(*v)) {
                    return Err(self.err(
                        list.span(),
                        field,
                        format!(
                            "must be a share of the scheduled agents from 0 to 1 (0.3: 30% off the phones), got {bad}"
                        ),
                    ));
                }
                Some(if values.len() == 1 {
                    vec![values[0]; frame.n_intervals as usize]
                } else {
                    frame.expand(values).map_err(|m| self.err(list.span(), field, m))?
                })
            }
        };
        // On the phones: the scheduled agents less the share, to the nearest agent.
        let on_phones = |h: u32, share: f64| (f64::from(h) * (1.0 - share)).round() as u32;
        type Staffing = (Vec<f64>, Vec<u32>, Vec<(f64, u32)>, Vec<(f64, u32)>);
        let (mut scheduled, mut headcount, mut staffing, scheduled_steps): Staffing = match (&g.headcount, &g.shifts) {
            (Some(h), None) => {
                let scheduled = self.headcount(h, &format!("{path}.headcount"), frame)?;
                let headcount: Vec<u32> = match &shares {
                    None => scheduled.clone(),
                    Some(shares) => scheduled.iter().zip(shares).map(|(h, s)| on_phones(*h, *s)).collect(),
                };
                let steps = shifts::interval_steps(&scheduled, frame);
                (
                    scheduled.iter().map(|h| f64::from(*h)).collect(),
                    headcount,
                    Vec::new(),
                    steps,
                )
            }
            (None, Some(shifts)) => {
                let share = match shares.as_deref() {
                    None => 0.0,
                    Some([first, rest @ ..]) if rest.iter().all(|s| s == first) => *first,
                    Some(_) => {
                        let span = g.shrinkage.as_ref().map_or(0..0, Spanned::span);
                        return Err(self.err(
                            span,
                            format!("{path}.shrinkage"),
                            "with shifts, give one share for the whole horizon (breaks belong in the shifts)",
                        ));
                    }
                };
                let plan = self.shifts(shifts, &format!("{path}.shifts"), frame)?;
                let points: Vec<(f64, u32)> = plan.on_phones.iter().map(|(t, h)| (*t, on_phones(*h, share))).collect();
                let headcount = shifts::interval_max(&points, frame);
                (
                    shifts::averages(&plan.scheduled, frame),
                    headcount,
                    points,
                    plan.scheduled,
                )
            }
            (Some(h), Some(_)) => {
                return Err(self.err(
                    h.span(),
                    format!("{path}.headcount"),
                    "give either `headcount` or `shifts`, not both",
                ));
            }
            (None, None) => {
                return Err(self.err(
                    g.name.span(),
                    path,
                    "give the group a `headcount` (one number, or one per interval) or `shifts`",
                ));
            }
        };
        // Activities take agents off the phones; they stay scheduled.
        // Both reshape the agents on the phones as change points (a headcount per interval
        // becomes its steps), from which the headcount per interval is read again.
        let mut reshape = |f: &Reshape<'_>| {
            let on = if staffing.is_empty() {
                shifts::interval_steps(&headcount, frame)
            } else {
                std::mem::take(&mut staffing)
            };
            staffing = f(&on);
            headcount = shifts::interval_max(&staffing, frame);
        };
        if let Some(list) = &g.activities {
            let deltas = self.activities(list, &format!("{path}.activities"), frame)?;
            reshape(&|on| shifts::add_deltas(on, deltas.clone(), frame.horizon));
        }
        // A site's opening hours: its agents are on the phones, and paid, only while it is open.
        if let Some(windows) = draft.and_then(|d| d.open.as_deref()) {
            reshape(&|on| sites::mask(on, windows, frame.horizon));
            scheduled = shifts::averages(&sites::mask(&scheduled_steps, windows, frame.horizon), frame);
        }
        let max_headcount = headcount
            .iter()
            .copied()
            .chain(staffing.iter().map(|(_, h)| *h))
            .max()
            .unwrap_or(0);
        let leave_rule = match g.leave_rule.as_ref().map(|r| (r, r.get_ref().trim())) {
            None | Some((_, "marked")) => LeaveRule::Marked,
            Some((_, "first_free")) => LeaveRule::FirstFree,
            Some((r, other)) => {
                return Err(self.err(
                    r.span(),
                    format!("{path}.leave_rule"),
                    format!(
                        "unknown rule \"{}\" (valid: \"marked\", \"first_free\")",
                        other.escape_debug()
                    ),
                ));
            }
        };
        let mut resolution = Vec::new();
        if let Some(map) = &g.resolution {
            resolution = vec![None; type_names.len()];
            for (name, p) in map.get_ref() {
                let field = format!("{path}.resolution.{name}");
                let t = type_id(name, map.span(), &field)?;
                if !serves.contains(&t) {
                    return Err(self.err(
                        p.span(),
                        field,
                        format!(
                            "the group does not serve \"{}\"; list it in `serves` or drop it here",
                            name.escape_debug()
                        ),
                    ));
                }
                resolution[t.index()] = Some(self.probability(p, &field)?);
            }
        }
        let sessions = match &g.sessions {
            None => 1,
            Some(k) if (1..=MAX_SESSIONS).contains(k.get_ref()) => *k.get_ref() as u32,
            Some(k) => {
                return Err(self.err(
                    k.span(),
                    format!("{path}.sessions"),
                    format!(
                        "must be a whole number of chat sessions per agent from 1 to {MAX_SESSIONS}, got {}",
                        k.get_ref()
                    ),
                ));
            }
        };
        if sessions > 1
            && let Some((i, t)) = serves
                .iter()
                .enumerate()
                .find(|(_, t)| channels[t.index()] != Channel::Chat)
        {
            return Err(self.err(
                g.serves.get_ref()[i].span(),
                format!("{path}.serves[{i}]"),
                format!(
                    "a group whose agents hold {sessions} sessions at once serves chat only, and \"{}\" is a {} type (give it channel = \"chat\", or serve it from a group with one session)",
                    type_names[t.index()],
                    channels[t.index()].as_str()
                ),
            ));
        }
        let slowdown = match &g.slowdown {
            None if sessions > 1 => DEFAULT_SLOWDOWN,
            None => 0.0,
            Some(a) if a.get_ref().is_finite() && *a.get_ref() >= 0.0 => *a.get_ref(),
            Some(a) => {
                return Err(self.err(
                    a.span(),
                    format!("{path}.slowdown"),
                    format!(
                        "must be a number >= 0 (the slowdown per extra session; 0.12 by default), got {}",
                        a.get_ref()
                    ),
                ));
            }
        };
        let fcr_loss = match &g.fcr_loss {
            None if sessions > 1 => DEFAULT_FCR_LOSS,
            None => 0.0,
            Some(d) if sessions == 1 => {
                return Err(self.err(
                    d.span(),
                    format!("{path}.fcr_loss"),
                    "applies to agents holding several chat sessions; set `sessions` above 1 or drop it",
                ));
            }
            Some(d) if (0.0..=1.0).contains(d.get_ref()) => *d.get_ref(),
            Some(d) => {
                return Err(self.err(
                    d.span(),
                    format!("{path}.fcr_loss"),
                    format!(
                        "must be a number from 0 to 1 (the share of resolution lost per extra session; {DEFAULT_FCR_LOSS} by default), got {}",
                        d.get_ref()
                    ),
                ));
            }
        };
        let occupancy_cap = match &g.occupancy_cap {
            None => None,
            Some(c) => {
                let field = format!("{path}.occupancy_cap");
                let r = c.get_ref();
                let max = *r.max.get_ref();
                if !(max > 0.0 && max <= 1.0) {
                    return Err(self.err(
                        r.max.span(),
                        format!("{field}.max"),
                        format!(
                            "must be a share of the agent's recent time above 0 and at most 1 (0.85: 85%), got {max}"
                        ),
                    ));
                }
                if sessions > 1 {
                    return Err(self.err(
                        c.span(),
                        field,
                        "applies to agents holding one contact at a time; this group's agents hold several chat sessions",
                    ));
                }
                let duration = |v: &Option<Spanned<DurationValue>>, name: &str, default: f64| {
                    v.as_ref()
                        .map_or(Ok(default), |v| self.positive_duration(v, &format!("{field}.{name}")))
                };
                Some(OccupancyCap {
                    max,
                    window: duration(&r.window, "window", 1800.0)?,
                    pause: duration(&r.pause, "pause", 120.0)?,
                })
            }
        };
        Ok(AgentGroup {
            name: g.name.get_ref().trim().to_owned(),
            serves,
            headcount,
            scheduled,
            staffing,
            leave_rule,
            max_headcount,
            employees: max_headcount,
            resolution,
            sessions,
            slowdown,
            fcr_loss,
            wrap_up: Vec::new(),
            wrap_up_under_load: Vec::new(),
            proficiency: Vec::new(),
            site,
            hourly_cost,
            occupancy_cap,
            assist_since: None,
            ai: None,
        })
    }

    /// A distribution as a scenario field gives it: any kind, with its optional shift and
    /// truncation; `weight` belongs to mixture parts only.
    fn dist(&self, d: &Spanned<RawDist>, path: &str) -> Result<Dist> {
        if let Some(w) = &d.get_ref().weight {
            return Err(self.err(
                w.span(),
                format!("{path}.weight"),
                "`weight` belongs to the parts of a mixture (dist = \"mixture\", of = [{ weight = …, dist = … }, …])",
            ));
        }
        self.shaped_dist(d, path)
    }

    /// [`Self::base_dist`] with its shift, then its truncation, applied.
    fn shaped_dist(&self, d: &Spanned<RawDist>, path: &str) -> Result<Dist> {
        let raw = d.get_ref();
        let mut built = self.base_dist(d, path)?;
        if let Some(shift) = &raw.shift {
            let v = self.duration(shift, &format!("{path}.shift"))?;
            built = Dist::shifted(v, built).map_err(|m| self.err(shift.span(), format!("{path}.shift"), m))?;
        }
        if raw.at_least.is_some() || raw.at_most.is_some() {
            let bound = |v: &Option<Spanned<DurationValue>>, name: &str, default: f64| {
                v.as_ref()
                    .map_or(Ok(default), |v| self.duration(v, &format!("{path}.{name}")))
            };
            let lo = bound(&raw.at_least, "at_least", 0.0)?;
            let hi = bound(&raw.at_most, "at_most", f64::INFINITY)?;
            let span = raw
                .at_most
                .as_ref()
                .or(raw.at_least.as_ref())
                .map(Spanned::span)
                .unwrap_or(d.span());
            built = Dist::truncated(lo, hi, built).map_err(|m| self.err(span, path, format!("truncation: {m}")))?;
        }
        Ok(built)
    }

    /// `dist = "mixture"`: its parts, each with a weight.
    fn mixture(&self, d: &Spanned<RawDist>, path: &str) -> Result<Dist> {
        let raw = d.get_ref();
        let Some(of) = &raw.of else {
            return Err(self.err(
                d.span(),
                path,
                "the mixture distribution needs `of`, a list of parts: of = [{ weight = 0.2, dist = \"constant\", value = 0 }, { weight = 0.8, dist = \"exponential\", mean = \"5m\" }]",
            ));
        };
        if of.get_ref().is_empty() {
            return Err(self.err(of.span(), format!("{path}.of"), "a mixture needs at least one part"));
        }
        let stray = [
            ("mean", raw.mean.as_ref().map(Spanned::span)),
            ("cv", raw.cv.as_ref().map(Spanned::span)),
            ("shape", raw.shape.as_ref().map(Spanned::span)),
            ("scale", raw.scale.as_ref().map(Spanned::span)),
            ("min", raw.min.as_ref().map(Spanned::span)),
            ("max", raw.max.as_ref().map(Spanned::span)),
            ("value", raw.value.as_ref().map(Spanned::span)),
            ("file", raw.file.as_ref().map(Spanned::span)),
            ("column", raw.column.as_ref().map(Spanned::span)),
        ];
        if let Some((name, Some(span))) = stray.into_iter().find(|(_, s)| s.is_some()) {
            return Err(self.err(
                span,
                format!("{path}.{name}"),
                format!(
                    "`{name}` does not apply to the mixture distribution (its fields: of; and shift, at_least, at_most)"
                ),
            ));
        }
        let mut parts = Vec::new();
        for (i, part) in of.get_ref().iter().enumerate() {
            let field = format!("{path}.of[{i}]");
            let Some(w) = &part.get_ref().weight else {
                return Err(self.err(
                    part.span(),
                    field,
                    "each part of a mixture needs a `weight` (> 0; weights are normalised)",
                ));
            };
            if !(w.get_ref().is_finite() && *w.get_ref() > 0.0) {
                return Err(self.err(
                    w.span(),
                    format!("{field}.weight"),
                    format!("must be a finite number > 0, got {}", w.get_ref()),
                ));
            }
            parts.push((*w.get_ref(), self.shaped_dist(part, &field)?));
        }
        Dist::mixture(parts).map_err(|m| self.err(d.span(), path, m))
    }

    /// The distribution named by `dist`, from its parameters.
    fn base_dist(&self, d: &Spanned<RawDist>, path: &str) -> Result<Dist> {
        let raw = d.get_ref();
        let kind = raw.dist.get_ref().trim().to_ascii_lowercase();
        if kind == "mixture" {
            return self.mixture(d, path);
        }
        if let Some(of) = &raw.of {
            return Err(self.err(
                of.span(),
                format!("{path}.of"),
                format!("`of` applies to dist = \"mixture\" only, not {kind}"),
            ));
        }
        let present: [(&str, Option<Range<usize>>); 9] = [
            ("mean", raw.mean.as_ref().map(Spanned::span)),
            ("cv", raw.cv.as_ref().map(Spanned::span)),
            ("shape", raw.shape.as_ref().map(Spanned::span)),
            ("scale", raw.scale.as_ref().map(Spanned::span)),
            ("min", raw.min.as_ref().map(Spanned::span)),
            ("max", raw.max.as_ref().map(Spanned::span)),
            ("value", raw.value.as_ref().map(Spanned::span)),
            ("file", raw.file.as_ref().map(Spanned::span)),
            ("column", raw.column.as_ref().map(Spanned::span)),
        ];
        let has = |name: &str| present.iter().any(|(n, s)| *n == name && s.is_some());
        // Allowed parameter sets per distribution; the first listed set is the one suggested.
        let forms: &[&[&str]] = match kind.as_str() {
            "exponential" => &[&["mean"]],
            "lognormal" => &[&["mean", "cv"]],
            "gamma" => &[&["mean", "cv"], &["shape", "scale"]],
            "weibull" => &[&["shape", "scale"]],
            "uniform" => &[&["min", "max"]],
            "constant" => &[&["value"]],
            "empirical" => &[&["file", "column"], &["file"]],
            other => {
                return Err(self.err(raw.dist.span(), format!("{path}.dist"), format!(
                    "unknown distribution \"{}\" (valid: exponential, lognormal, gamma, weibull, uniform, constant, empirical, mixture)",
                    other.escape_debug()
                )));
            }
        };
        let describe = |f: &[&str]| f.join(", ");
        let allowed: Vec<&str> = forms.iter().flat_map(|f| f.iter().copied()).collect();
        for (name, span) in &present {
            if let (Some(span), false) = (span, allowed.contains(name)) {
                return Err(self.err(
                    span.clone(),
                    format!("{path}.{name}"),
                    format!(
                        "`{name}` does not apply to the {kind} distribution (its fields: {})",
                        forms.iter().map(|f| describe(f)).collect::<Vec<_>>().join(" or ")
                    ),
                ));
            }
        }
        let Some(form) = forms.iter().find(|f| {
            f.iter().filter(|n| **n != "column").all(|n| has(n))
                && present.iter().all(|(n, s)| s.is_none() || f.contains(n))
        }) else {
            // Measured against the form closest to what was written (the first on a tie).
            let mut best = forms[0];
            for f in &forms[1..] {
                if f.iter().filter(|n| has(n)).count() > best.iter().filter(|n| has(n)).count() {
                    best = f;
                }
            }
            let ticked = |names: Vec<&str>| names.iter().map(|m| format!("`{m}`")).collect::<Vec<_>>().join(" and ");
            let missing: Vec<&str> = best.iter().copied().filter(|n| !has(n) && *n != "column").collect();
            let extra: Vec<&str> = present
                .iter()
                .filter(|(n, s)| s.is_some() && !best.contains(n))
                .map(|(n, _)| *n)
                .collect();
            let fields = forms.iter().map(|f| describe(f)).collect::<Vec<_>>().join(" or ");
            let message = if missing.is_empty() {
                format!(
                    "the {kind} distribution takes {fields}, not a mix of them: remove {}",
                    ticked(extra)
                )
            } else {
                format!("the {kind} distribution needs {} (fields: {fields})", ticked(missing))
            };
            return Err(self.err(d.span(), path, message));
        };
        let dur = |v: &Option<Spanned<DurationValue>>, name: &str| -> Result<(f64, Range<usize>)> {
            let v = v.as_ref().expect("form checked");
            Ok((self.duration(v, &format!("{path}.{name}"))?, v.span()))
        };
        let num = |v: &Option<Spanned<f64>>| -> (f64, Range<usize>) {
            let v = v.as_ref().expect("form checked");
            (*v.get_ref(), v.span())
        };
        // Builds the distribution; an error is reported at the span of the named parameter.
        let (built, blame): (std::result::Result<Dist, String>, Range<usize>) = match (kind.as_str(), *form) {
            ("exponential", _) => {
                let (m, s) = dur(&raw.mean, "mean")?;
                (Dist::exponential(m), s)
            }
            ("lognormal", _) => {
                let (m, ms) = dur(&raw.mean, "mean")?;
                let (cv, cs) = num(&raw.cv);
                if m <= 0.0 {
                    (Err("mean must be longer than zero".into()), ms)
                } else {
                    (Dist::lognormal(m, cv), cs)
                }
            }
            ("gamma", ["mean", "cv"]) => {
                let (m, ms) = dur(&raw.mean, "mean")?;
                let (cv, cs) = num(&raw.cv);
                if m <= 0.0 {
                    (Err("mean must be longer than zero".into()), ms)
                } else if !(cv.is_finite() && cv > 0.0) {
                    (Err(format!("cv must be finite and > 0, got {cv}")), cs)
                } else {
                    let shape = 1.0 / (cv * cv);
                    (Dist::gamma(shape, m / shape), cs)
                }
            }
            ("gamma", _) | ("weibull", _) => {
                let (shape, ss) = num(&raw.shape);
                let (scale, cs) = dur(&raw.scale, "scale")?;
                let built = if kind == "gamma" {
                    Dist::gamma(shape, scale)
                } else {
                    Dist::weibull(shape, scale)
                };
                (built, if shape.is_finite() && shape > 0.0 { cs } else { ss })
            }
            ("uniform", _) => {
                let (lo, _) = dur(&raw.min, "min")?;
                let (hi, hs) = dur(&raw.max, "max")?;
                (Dist::uniform(lo, hi), hs)
            }
            ("constant", _) => {
                let (v, vs) = dur(&raw.value, "value")?;
                (Dist::constant(v), vs)
            }
            _ => {
                let file = raw.file.as_ref().expect("form checked");
                let samples = self.read_samples(file, raw.column.as_ref(), path)?;
                (Dist::empirical(samples), file.span())
            }
        };
        built.map_err(|m| self.err(blame, path, format!("{kind} distribution: {m}")))
    }

    /// Reads empirical samples (seconds): one number per line, or one column of a CSV/TSV file
    /// with a header when `column` is given. Blank lines and `#` comments are skipped.
    /// Reads an input file named at `field` (relative to the scenario file) as UTF-8 text,
    /// recording it among the scenario's inputs as `role`; returns its full path and text.
    fn read_text(&self, file: &Spanned<String>, field: &str, role: &str, what: &str) -> Result<(PathBuf, String)> {
        let full: PathBuf = self.base_dir.join(file.get_ref());
        let cannot = |e: &dyn std::fmt::Display| {
            self.err(
                file.span(),
                field,
                format!("cannot read {what} \"{}\": {e}", full.display()),
            )
        };
        let bytes = super::read_input(&full).map_err(|e| cannot(&e))?;
        self.inputs.borrow_mut().push(InputFile {
            role: role.to_owned(),
            path: std::fs::canonicalize(&full).unwrap_or_else(|_| full.clone()),
            sha256: sha256_hex(&bytes),
        });
        let text = String::from_utf8(bytes).map_err(|_| cannot(&"it is not UTF-8 text"))?;
        let text = text.strip_prefix('\u{feff}').map(str::to_owned).unwrap_or(text);
        Ok((full, text))
    }

    /// `arrivals.replay`: a CSV (TSV if so named) with a header; `time` is required, and
    /// `handle_time` and `patience` are read when present. Rows are sorted by time; rows at or
    /// after the horizon are dropped.
    fn replay(&self, file: &Spanned<String>, field: &str, frame: &Frame) -> Result<Replay> {
        let (full, text) = self.read_text(file, field, field, "replay file")?;
        let fail = |msg: String| self.err(file.span(), field, format!("\"{}\": {msg}", full.display()));
        let delim = if full.extension().is_some_and(|e| e == "tsv") {
            b'\t'
        } else {
            b','
        };
        let mut rdr = csv::ReaderBuilder::new().delimiter(delim).from_reader(text.as_bytes());
        let headers = rdr.headers().map_err(|e| fail(e.to_string()))?.clone();
        let col = |name: &str| headers.iter().position(|h| h.trim() == name);
        let Some(time_col) = col("time") else {
            let known: Vec<&str> = headers.iter().take(20).collect();
            return Err(fail(format!(
                "no column \"time\" (seconds from t = 0); the header holds: {}; optional columns: handle_time, patience",
                known.join(", ")
            )));
        };
        let (handle_col, patience_col) = (col("handle_time"), col("patience"));
        let mut rows: Vec<[f64; 3]> = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| fail(e.to_string()))?;
            let cell = |c: Option<usize>, name: &str| -> Result<f64> {
                let Some(c) = c else { return Ok(0.0) };
                let v = rec.get(c).unwrap_or("").trim();
                match v.parse::<f64>() {
                    Ok(x) if x.is_finite() && x >= 0.0 => Ok(x),
                    _ => Err(fail(format!(
                        "line {}: {name} \"{}\" is not a non-negative number of seconds",
                        i + 2,
                        v.escape_debug()
                    ))),
                }
            };
            let row = [
                cell(Some(time_col), "time")?,
                cell(handle_col, "handle_time")?,
                cell(patience_col, "patience")?,
            ];
            if row[0] < frame.horizon {
                rows.push(row);
            }
        }
        if rows.is_empty() {
            return Err(fail(format!(
                "holds no arrival before the horizon {}",
                Human(frame.horizon)
            )));
        }
        if rows.len() as f64 > MAX_EXPECTED_ARRIVALS {
            return Err(fail(format!(
                "holds {} arrivals; at most {MAX_EXPECTED_ARRIVALS:e} are simulated",
                rows.len()
            )));
        }
        rows.sort_by(|a, b| a[0].total_cmp(&b[0]));
        let column = |k: usize| rows.iter().map(|r| r[k]).collect::<Vec<f64>>();
        Ok(Replay {
            times: column(0),
            handle: handle_col.map(|_| column(1)),
            patience: patience_col.map(|_| column(2)),
        })
    }

    fn read_samples(&self, file: &Spanned<String>, column: Option<&Spanned<String>>, path: &str) -> Result<Vec<f64>> {
        let field = format!("{path}.file");
        let (full, text) = self.read_text(file, &field, path, "samples file")?;
        let text = text.as_str();
        let bad = |line: usize, v: &str| {
            self.err(
                file.span(),
                &field,
                format!(
                    "\"{}\" line {line}: \"{}\" is not a non-negative number of seconds",
                    full.display(),
                    v.escape_debug()
                ),
            )
        };
        let mut out = Vec::new();
        match column {
            None => {
                for (i, line) in text.lines().enumerate() {
                    let v = line.split('#').next().unwrap_or("").trim();
                    if v.is_empty() {
                        continue;
                    }
                    match v.parse::<f64>() {
                        Ok(x) if x.is_finite() && x >= 0.0 => out.push(x),
                        _ => return Err(bad(i + 1, v)),
                    }
                }
            }
            Some(col) => {
                let delim = if full.extension().is_some_and(|e| e == "tsv") {
                    b'\t'
                } else {
                    b','
                };
                let mut rdr = csv::ReaderBuilder::new()
                    .delimiter(delim)
                    .flexible(true)
                    .from_reader(text.as_bytes());
                let headers = rdr
                    .headers()
                    .map_err(|e| self.err(file.span(), &field, format!("\"{}\": {e}", full.display())))?
                    .clone();
                let Some(ci) = headers.iter().position(|h| h.trim() == col.get_ref().trim()) else {
                    let known: Vec<String> = headers.iter().take(20).map(|h| h.escape_debug().to_string()).collect();
                    let known = if known.iter().all(String::is_empty) {
                        "the file has no header row".to_string()
                    } else {
                        format!("columns: {}", known.join(", "))
                    };
                    return Err(self.err(
                        col.span(),
                        format!("{path}.column"),
                        format!(
                            "no column \"{}\" in \"{}\" ({known})",
                            col.get_ref().escape_debug(),
                            full.display()
                        ),
                    ));
                };
                for (i, rec) in rdr.records().enumerate() {
                    let rec = rec.map_err(|e| self.err(file.span(), &field, format!("\"{}\": {e}", full.display())))?;
                    let v = rec.get(ci).unwrap_or("").trim();
                    match v.parse::<f64>() {
                        Ok(x) if x.is_finite() && x >= 0.0 => out.push(x),
                        _ => return Err(bad(i + 2, v)),
                    }
                }
            }
        }
        if out.is_empty() {
            return Err(self.err(file.span(), field, format!("\"{}\" holds no samples", full.display())));
        }
        Ok(out)
    }
}

/// Folds each site's handle-time and resolution multipliers into its groups' proficiency, so
/// that the engine and the routing see one multiplier per type × group.
fn apply_site_multipliers(sites: &[Site], groups: &mut [AgentGroup], n_types: usize) {
    for site in sites.iter().filter(|s| s.handle_time != 1.0 || s.resolution != 1.0) {
        for &g in &site.groups {
            let group = &mut groups[g];
            if group.proficiency.is_empty() {
                group.proficiency = vec![Proficiency::default(); n_types];
            }
            for p in &mut group.proficiency {
                p.handle_time *= site.handle_time;
                p.resolution *= site.resolution;
            }
        }
    }
}

/// A change to a group's agents on the phones, as a step function to a step function.
type Reshape<'a> = dyn Fn(&[(f64, u32)]) -> Vec<(f64, u32)> + 'a;

/// The contact types as a group's fields refer to them.
struct Types<'a> {
    names: &'a [String],
    ids: &'a HashMap<&'a str, TypeId>,
    channels: &'a [Channel],
}

/// The interval grid, for expanding per-interval tables.
struct Frame {
    n_intervals: u32,
    interval: f64,
    horizon: f64,
    /// Weekday of the first day from t = 0: 0 = Monday … 6 = Sunday.
    first_day: usize,
    /// Clock time of t = 0, seconds after midnight.
    day_start_s: f64,
}

impl Frame {
    /// Length of interval `i` in seconds (the last one ends at the horizon).
    fn interval_length(&self, i: usize) -> f64 {
        let start = self.interval_start(i);
        let end = if i + 1 >= self.n_intervals as usize {
            self.horizon
        } else {
            (start + self.interval).min(self.horizon)
        };
        end - start
    }

    /// Start of interval `i`, seconds.
    fn interval_start(&self, i: usize) -> f64 {
        i as f64 * self.interval
    }

    /// One value per interval: `values` as given, or repeated when it is a whole cycle (e.g. a
    /// daily profile over a week).
    fn expand<T: Copy>(&self, values: Vec<T>) -> std::result::Result<Vec<T>, String> {
        let n = self.n_intervals as usize;
        let len = values.len();
        if len == n {
            return Ok(values);
        }
        if len == 0 || n % len != 0 {
            return Err(format!(
                "has {len} values, but the horizon {} holds {n} intervals of {}; give {n} values (one per interval) or a number that divides {n} (a profile that repeats)",
                Human(self.horizon),
                Human(self.interval)
            ));
        }
        Ok(values.iter().copied().cycle().take(n).collect())
    }
}
