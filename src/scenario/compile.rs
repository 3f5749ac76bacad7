//! From [`RawScenario`] to [`Scenario`]: every name resolved to a dense id, every duration,
//! rate and distribution parsed and checked, per-interval tables expanded, cross-field rules
//! enforced. After this succeeds, nothing in the engine can fail on user input.

use super::model::*;
use super::raw::*;
use super::{Location, ScenarioError};
use crate::dist::Dist;
use crate::time::{Human, parse_duration, parse_rate};
use sha2::{Digest, Sha256};
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Longest horizon accepted, seconds (1,000 years).
pub const MAX_HORIZON: f64 = 1000.0 * 365.25 * 86_400.0;
/// Most interval statistics a run keeps: (contact types + 1) × intervals. Memory grows with
/// it (about 3 KB each in the collector, a replication output and the summary).
pub const MAX_INTERVAL_CELLS: u64 = 100_000;
/// Most contacts expected in one replication (the sum of rate × time over the horizon, all
/// contact types together).
pub const MAX_EXPECTED_ARRIVALS: f64 = 1e10;
/// Most contacts of one type expected in one interval (per-interval wait histograms count in
/// 32 bits; this keeps them far from overflow).
pub const MAX_EXPECTED_PER_INTERVAL: f64 = 1e9;
/// Most agents in one group.
pub const MAX_HEADCOUNT: i64 = 1_000_000;
/// Most replications in one run.
pub const MAX_REPLICATIONS: i64 = 1_000_000;
/// Most contact types, and most agent groups, in one scenario: their ids are 16-bit.
pub const MAX_IDS: usize = u16::MAX as usize + 1;

/// Parses and compiles `src`; see [`super::from_toml_str`].
pub fn compile_str(src: &str, label: &str, default_name: &str, base_dir: &Path) -> Result<Scenario> {
    let cx = Cx {
        file: label,
        src,
        base_dir,
    };
    let raw: RawScenario = match serde_path_to_error::deserialize(toml::Deserializer::new(src)) {
        Ok(raw) => raw,
        Err(e) => {
            let field = clean_path(&e.path().to_string());
            let inner = e.into_inner();
            let span = inner.span().unwrap_or(0..0);
            return Err(cx.err(span, field, tidy_message(inner.message())));
        }
    };
    let mut scenario = cx.scenario(&raw, default_name)?;
    scenario.input_hash = format!("{:x}", Sha256::digest(src.as_bytes()));
    Ok(scenario)
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
}

type Result<T> = std::result::Result<T, ScenarioError>;

impl Cx<'_> {
    fn err(&self, span: Range<usize>, field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            location: Location::at(self.file, self.src, span.start),
            field: field.into(),
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
        let n_intervals = (horizon / interval).ceil() as u64;
        let n_types = raw.contact_types.len().max(1) as u64;
        if n_intervals.saturating_mul(n_types + 1) > MAX_INTERVAL_CELLS {
            let span = sim.interval.as_ref().map_or(sim.horizon.span(), |i| i.span());
            return Err(self.err(span, "simulation.interval", format!(
                "the horizon {} holds {n_intervals} intervals of {}; with {n_types} contact type(s) that is {} interval statistics, more than the {MAX_INTERVAL_CELLS} kept (use a longer interval or a shorter horizon)",
                Human(horizon), Human(interval), n_intervals.saturating_mul(n_types + 1)
            )));
        }
        let n_intervals = n_intervals.max(1) as u32;
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
        let closing = match &sim.closing {
            None => Closing::Serve,
            Some(c) => match c.get_ref().as_str() {
                "serve" => Closing::Serve,
                "clear" => Closing::Clear,
                other => {
                    return Err(self.err(c.span(), "simulation.closing", format!(
                        "unknown closing behaviour \"{other}\" (valid: \"serve\" keeps agents until the queue is empty, \"clear\" sends waiting contacts away)"
                    )));
                }
            },
        };
        let frame = Frame {
            n_intervals,
            interval,
            horizon,
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
        if raw.contact_types.len() > MAX_IDS {
            return Err(self.err(
                raw.contact_types[MAX_IDS].span(),
                "contact_types",
                format!(
                    "the scenario has {} contact types; at most {MAX_IDS} are supported",
                    raw.contact_types.len()
                ),
            ));
        }
        if raw.agent_groups.len() > MAX_IDS {
            return Err(self.err(
                raw.agent_groups[MAX_IDS].span(),
                "agent_groups",
                format!(
                    "the scenario has {} agent groups; at most {MAX_IDS} are supported",
                    raw.agent_groups.len()
                ),
            ));
        }
        let type_names = self.unique_names(
            raw.contact_types.iter().map(|t| &t.get_ref().name),
            "contact_types",
            "contact type",
        )?;
        let group_names = self.unique_names(
            raw.agent_groups.iter().map(|g| &g.get_ref().name),
            "agent_groups",
            "agent group",
        )?;

        let mut contact_types = raw
            .contact_types
            .iter()
            .enumerate()
            .map(|(i, t)| self.contact_type(t.get_ref(), &format!("contact_types[{i}]"), &frame))
            .collect::<Result<Vec<_>>>()?;
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
        let agent_groups = raw
            .agent_groups
            .iter()
            .enumerate()
            .map(|(i, g)| self.agent_group(g.get_ref(), &format!("agent_groups[{i}]"), &frame, &type_names))
            .collect::<Result<Vec<_>>>()?;
        for (gi, g) in agent_groups.iter().enumerate() {
            for t in &g.serves {
                contact_types[t.index()].served_by.push(GroupId(gi as u16));
            }
        }
        if let Some((i, _)) = contact_types.iter().enumerate().find(|(_, t)| t.served_by.is_empty()) {
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
            Some(n) => n.get_ref().clone(),
            None => default_name.to_owned(),
        };
        Ok(Scenario {
            name,
            description: raw.description.clone().unwrap_or_default(),
            source: None,
            input_hash: String::new(),
            horizon,
            warmup,
            interval,
            n_intervals,
            seed,
            replications,
            closing,
            contact_types,
            agent_groups,
            raw: raw.clone(),
        })
    }

    /// Checks that names are non-empty and distinct; returns them in order.
    fn unique_names<'n>(
        &self,
        names: impl Iterator<Item = &'n Spanned<String>>,
        list: &str,
        what: &str,
    ) -> Result<Vec<String>> {
        let mut seen: Vec<String> = Vec::new();
        for (i, n) in names.enumerate() {
            let field = format!("{list}[{i}].name");
            let name = n.get_ref().trim();
            if name.is_empty() {
                return Err(self.err(n.span(), field, format!("a {what} needs a non-empty name")));
            }
            if seen.iter().any(|s| s == name) {
                return Err(self.err(
                    n.span(),
                    field,
                    format!("duplicate {what} name \"{name}\" (names must be unique)"),
                ));
            }
            seen.push(name.to_owned());
        }
        Ok(seen)
    }

    fn contact_type(&self, t: &RawContactType, path: &str, frame: &Frame) -> Result<ContactType> {
        let arrivals = t.arrivals.get_ref();
        let field = format!("{path}.arrivals");
        let arrival_rates = match (&arrivals.rate, &arrivals.rates) {
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
                    "needs `rate` (e.g. rate = \"540/h\") or `rates` (one rate per interval)",
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
        let handle_time = self.dist(&t.handle_time, &format!("{path}.handle_time"))?;
        let patience = t
            .patience
            .as_ref()
            .map(|p| self.dist(p, &format!("{path}.patience")))
            .transpose()?;
        let sl_field = format!("{path}.sl_threshold");
        let sl_thresholds = match &t.sl_threshold {
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
        Ok(ContactType {
            name: t.name.get_ref().trim().to_owned(),
            arrival_rates,
            handle_time,
            patience,
            sl_thresholds,
            queue_capacity,
            served_by: Vec::new(),
        })
    }

    fn agent_group(&self, g: &RawAgentGroup, path: &str, frame: &Frame, type_names: &[String]) -> Result<AgentGroup> {
        let mut serves = Vec::new();
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
        for (i, s) in g.serves.get_ref().iter().enumerate() {
            let field = format!("{path}.serves[{i}]");
            let Some(id) = type_names.iter().position(|n| n == s.get_ref().trim()) else {
                return Err(self.err(
                    s.span(),
                    field,
                    format!(
                        "unknown contact type \"{}\" (known: {})",
                        s.get_ref(),
                        type_names.join(", ")
                    ),
                ));
            };
            let id = TypeId(id as u16);
            if serves.contains(&id) {
                return Err(self.err(
                    s.span(),
                    field,
                    format!("contact type \"{}\" is listed twice", s.get_ref()),
                ));
            }
            serves.push(id);
        }
        let field = format!("{path}.headcount");
        let values = match g.headcount.get_ref() {
            OneOrMany::One(v) => vec![*v],
            OneOrMany::Many(v) => v.clone(),
        };
        if let Some(bad) = values.iter().find(|v| !(0..=MAX_HEADCOUNT).contains(*v)) {
            return Err(self.err(
                g.headcount.span(),
                field,
                format!("headcount must be a whole number of agents from 0 to {MAX_HEADCOUNT}, got {bad}"),
            ));
        }
        let values: Vec<u32> = values.into_iter().map(|v| v as u32).collect();
        let headcount = if values.len() == 1 {
            vec![values[0]; frame.n_intervals as usize]
        } else {
            frame
                .expand(values)
                .map_err(|m| self.err(g.headcount.span(), field, m))?
        };
        let max_headcount = headcount.iter().copied().max().unwrap_or(0);
        Ok(AgentGroup {
            name: g.name.get_ref().trim().to_owned(),
            serves,
            headcount,
            max_headcount,
        })
    }

    fn dist(&self, d: &Spanned<RawDist>, path: &str) -> Result<Dist> {
        let raw = d.get_ref();
        let kind = raw.dist.get_ref().trim().to_ascii_lowercase();
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
                    "unknown distribution \"{other}\" (valid: exponential, lognormal, gamma, weibull, uniform, constant, empirical)"
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
            let missing: Vec<&str> = forms[0].iter().copied().filter(|n| !has(n) && *n != "column").collect();
            return Err(self.err(
                d.span(),
                path,
                format!(
                    "the {kind} distribution needs {} (fields: {})",
                    missing
                        .iter()
                        .map(|m| format!("`{m}`"))
                        .collect::<Vec<_>>()
                        .join(" and "),
                    forms.iter().map(|f| describe(f)).collect::<Vec<_>>().join(" or ")
                ),
            ));
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
    fn read_samples(&self, file: &Spanned<String>, column: Option<&Spanned<String>>, path: &str) -> Result<Vec<f64>> {
        let full: PathBuf = self.base_dir.join(file.get_ref());
        let field = format!("{path}.file");
        let text = std::fs::read_to_string(&full).map_err(|e| {
            self.err(
                file.span(),
                &field,
                format!("cannot read samples file \"{}\": {e}", full.display()),
            )
        })?;
        let bad = |line: usize, v: &str| {
            self.err(
                file.span(),
                &field,
                format!(
                    "\"{}\" line {line}: \"{v}\" is not a non-negative number of seconds",
                    full.display()
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
                    let known: Vec<&str> = headers.iter().take(20).collect();
                    return Err(self.err(
                        col.span(),
                        format!("{path}.column"),
                        format!(
                            "no column \"{}\" in \"{}\" (columns: {})",
                            col.get_ref(),
                            full.display(),
                            known.join(", ")
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

/// The interval grid, for expanding per-interval tables.
struct Frame {
    n_intervals: u32,
    interval: f64,
    horizon: f64,
}

impl Frame {
    /// Length of interval `i` in seconds (the last one ends at the horizon).
    fn interval_length(&self, i: usize) -> f64 {
        let start = i as f64 * self.interval;
        (start + self.interval).min(self.horizon) - start
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
