//! Staffing search: the cheapest agents per interval (or per shift) that meet service-level
//! and abandonment targets in every interval, found by simulation on common random numbers
//! from an Erlang C/A start.
//!
//! The decision variables are *levers*: a group's headcount in one interval, or the agents of
//! one of its shifts. What one unit of a lever puts on the phones in each interval, and what
//! it costs, is read off the compiled scenario (so shrinkage, site hours, breaks and shift
//! days are the compiler's, not re-derived here). The search then
//!
//! 1. starts from the Erlang requirement of each interval (C without patience, A with it:
//!    the smallest number of agents whose stationary figures meet the targets at the
//!    interval's arrival rate, mean handle time plus after-call work, and mean patience),
//!    covered greedily by the levers giving the most uncovered agents per unit of cost;
//! 2. adds, while some interval misses its targets, one unit to the cheapest lever covering
//!    each missing interval (carry-over from busy intervals shows up here);
//! 3. takes one unit off every lever at once, gives back those covering an interval that then
//!    misses, and repeats while that saves something;
//! 4. tries taking one more unit off each lever alone, the dearest first, keeping each cut
//!    that leaves every interval meeting its targets.
//!
//! Every evaluation runs the same replications of the same seed (common random numbers), so
//! that comparing two staffings is not blurred by noise and the search is deterministic: the
//! same scenario, targets and seed give the same staffing on any number of threads.
//!
//! Targets are met *on average* (the interval's ratio estimate over the replications), or,
//! with a chance constraint, in at least a given share of the replications (days).

use crate::erlang;
use crate::metrics;
use crate::scenario::{Base, Scenario, ScenarioError};
use crate::stats::{RepOutput, TypeCounts};
use crate::sweep::{self, SweepOptions};
use toml::Value;

/// What every measured interval must meet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Targets {
    /// `(threshold in seconds, share)`: the share of offered contacts answered within the
    /// threshold (`sl_offered`) must be at least `share`.
    pub service_level: Option<(f64, f64)>,
    /// The share of offered contacts that abandon (`p_abandon`) must be at most this.
    pub max_abandon: Option<f64>,
    /// With `Some(p)`: each interval must meet the targets in at least a share `p` of the
    /// replications (each replication a day); with `None`: on average.
    pub chance: Option<f64>,
}

/// How a search runs.
#[derive(Debug, Clone)]
pub struct SearchOptions {
    /// Names of the groups whose staffing is searched; empty: every group of people (not an
    /// AI pool) with a loaded hourly cost, or every group of people when none has one.
    pub groups: Vec<String>,
    pub targets: Targets,
    pub sweep: SweepOptions,
    /// Most simulations of the whole day the search may run.
    pub max_evaluations: usize,
}

/// Why a search cannot run or did not finish.
#[derive(Debug, thiserror::Error)]
pub enum StaffingError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Sweep(#[from] sweep::SweepError),
    #[error(
        "the targets were still missed in {missed} interval(s) after {evaluations} simulations of the day (the most allowed); the last staffing tried had {agents} agents in its busiest interval"
    )]
    NotMet {
        missed: usize,
        evaluations: usize,
        agents: u32,
    },
}

/// What a lever sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeverKind {
    /// The group's headcount in interval `i`.
    Interval(u32),
    /// The agents of the group's shift at this index.
    Shift(usize),
}

/// One decision variable of the search.
#[derive(Debug, Clone)]
pub struct Lever {
    /// Index in the scenario's agent groups.
    pub group: usize,
    pub kind: LeverKind,
    /// Agents on the phones that one unit adds in each interval (shrinkage and breaks taken
    /// off; 0 where the site is closed or the shift is off).
    pub covers: Vec<f64>,
    /// Paid agent hours of one unit.
    pub hours: f64,
    /// Loaded cost of one unit, money (0 without hourly costs).
    pub cost: f64,
}

/// One interval of a staffing's evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalCheck {
    /// Interval index.
    pub index: u32,
    /// Whether the interval is measured (not in the warm-up).
    pub measured: bool,
    /// Offered contacts of the types in scope, mean per replication.
    pub offered: f64,
    /// `sl_offered` at the target's threshold, ratio estimate over the replications (NaN when
    /// nothing was offered).
    pub service_level: f64,
    /// `p_abandon`, ratio estimate (NaN when nothing was offered).
    pub abandon: f64,
    /// Share of replications in which the interval met every target.
    pub met_share: f64,
    /// Whether the interval meets the targets (on average, or in the required share).
    pub met: bool,
    /// Standard error of `service_level` and of `abandon` (ratio estimator, delta method).
    pub service_level_se: f64,
    pub abandon_se: f64,
}

/// One interval of the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct IntervalStaffing {
    pub index: u32,
    pub start_s: f64,
    /// Arrival rate of the types in scope, per hour.
    pub rate_per_hour: f64,
    /// Agents on the phones the Erlang formula asks for (C, or A with patience).
    pub erlang: u32,
    /// Agents on the phones found, in the searched groups together.
    pub agents: u32,
    /// Agents on the phones found, per searched group (in `Staffing::groups` order).
    pub by_group: Vec<u32>,
    pub check: IntervalCheck,
}

/// The answer of a search.
#[derive(Debug, Clone)]
pub struct Staffing {
    /// Indices of the searched groups.
    pub groups: Vec<usize>,
    /// Indices of the contact types the targets are on (those the searched groups serve).
    pub types: Vec<usize>,
    /// "Erlang C" or "Erlang A".
    pub erlang_model: &'static str,
    pub levers: Vec<Lever>,
    /// Units of each lever found.
    pub counts: Vec<u32>,
    /// Units of each lever at the Erlang start.
    pub start: Vec<u32>,
    pub intervals: Vec<IntervalStaffing>,
    /// Paid agent hours of the searched groups.
    pub paid_hours: f64,
    /// Their loaded cost (0 without hourly costs).
    pub cost: f64,
    /// Paid hours and cost at the Erlang start.
    pub start_hours: f64,
    pub start_cost: f64,
    /// Simulations of the whole day the search ran.
    pub evaluations: usize,
    /// The settings that give the found staffing (`agent_groups.<name>.headcount`, or
    /// `agent_groups.<name>.shifts.<k>.agents`).
    pub settings: Vec<(String, Value)>,
    /// The scenario with the found staffing.
    pub scenario: Scenario,
}

impl Staffing {
    /// Whether every interval met the targets in the search's own replications.
    pub fn met(&self) -> bool {
        self.intervals.iter().all(|i| i.check.met)
    }
}

/// The contact types in scope and, for each, how to read its SL and abandonment cells.
struct Scope {
    types: Vec<usize>,
    /// Per scope type: its `sl_offered` figure at the target's threshold.
    sl: Vec<Option<metrics::TypeFigure>>,
    abandon: Vec<metrics::TypeFigure>,
}

impl Scope {
    fn new(sc: &Scenario, types: Vec<usize>, targets: &Targets) -> Result<Self, StaffingError> {
        let mut sl = Vec::new();
        let mut abandon = Vec::new();
        for &t in &types {
            let ct = &sc.contact_types[t];
            let figures = metrics::type_figures(&ct.sl_thresholds);
            sl.push(match targets.service_level {
                None => None,
                Some((threshold, _)) => {
                    let f = figures
                        .iter()
                        .find(|f| {
                            f.metric.name == "sl_offered_"
                                && f.threshold.is_some_and(|x| (x - threshold).abs() < 1e-9)
                        })
                        .ok_or_else(|| {
                            StaffingError::Usage(format!(
                                "contact type \"{}\" has no service-level threshold of {}; its thresholds: {} (add it to its sl_threshold)",
                                ct.name,
                                crate::time::Human(threshold),
                                ct.sl_thresholds
                                    .iter()
                                    .map(|x| crate::time::Human(*x).to_string())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ))
                        })?;
                    Some(f.clone())
                }
            });
            abandon.push(
                figures
                    .into_iter()
                    .find(|f| f.metric.name == "p_abandon")
                    .expect("every type scope has p_abandon"),
            );
        }
        Ok(Self { types, sl, abandon })
    }

    /// `[sl numerator, sl denominator, abandon numerator, abandon denominator]` of interval
    /// `i` of one replication, over the scope's types.
    fn cell(&self, out: &RepOutput, i: usize) -> [f64; 4] {
        let mut c = [0.0; 4];
        for (k, &t) in self.types.iter().enumerate() {
            let counts: &TypeCounts = &out.type_intervals(t)[i];
            if let Some(f) = &self.sl[k] {
                let (x, y) = (f.metric.value)(counts, f.k);
                c[0] += x;
                c[1] += y;
            }
            let (x, y) = (self.abandon[k].metric.value)(counts, 0);
            c[2] += x;
            c[3] += y;
        }
        c
    }
}

/// Ratio estimate `Σx / Σy` and its standard error by the delta method.
fn ratio(pairs: impl Iterator<Item = (f64, f64)> + Clone) -> (f64, f64) {
    let n = pairs.clone().count() as f64;
    let (sx, sy) = pairs.clone().fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    if sy <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let r = sx / sy;
    if n < 2.0 {
        return (r, f64::NAN);
    }
    let ybar = sy / n;
    let var = pairs.map(|(x, y)| (x - r * y).powi(2)).sum::<f64>() / (n - 1.0);
    (r, (var / n).sqrt() / ybar)
}

/// Whether one replication's cell meets the targets (nothing offered: met).
fn cell_meets(c: &[f64; 4], t: &Targets) -> bool {
    let sl_ok = t
        .service_level
        .is_none_or(|(_, share)| c[1] <= 0.0 || c[0] / c[1] >= share - 1e-12);
    let ab_ok = t
        .max_abandon
        .is_none_or(|cap| c[3] <= 0.0 || c[2] / c[3] <= cap + 1e-12);
    sl_ok && ab_ok
}

/// Whether ratio estimates meet the targets (NaN, nothing offered: met).
fn t_ok(t: &Targets, service_level: f64, abandon: f64) -> bool {
    t.service_level
        .is_none_or(|(_, share)| service_level.is_nan() || service_level >= share - 1e-12)
        && t.max_abandon
            .is_none_or(|cap| abandon.is_nan() || abandon <= cap + 1e-12)
}

/// Simulates `sc` and checks every interval against the targets.
fn evaluate(
    sc: &Scenario,
    scope: &Scope,
    targets: &Targets,
    opts: SweepOptions,
) -> Result<Vec<IntervalCheck>, StaffingError> {
    // Each replication's `[interval]` cells, in replication order.
    let rows: Vec<Vec<[f64; 4]>> = sweep::map_replications(sc, opts, &|out| {
        (0..out.n_intervals as usize).map(|i| scope.cell(out, i)).collect()
    })?;
    let first = sc.interval_of(sc.warmup);
    let reps = rows.len().max(1) as f64;
    Ok((0..sc.n_intervals)
        .map(|i| {
            let col = rows.iter().map(move |r| r[i as usize]);
            let (service_level, service_level_se) = ratio(col.clone().map(|c| (c[0], c[1])));
            let (abandon, abandon_se) = ratio(col.clone().map(|c| (c[2], c[3])));
            let offered = col.clone().map(|c| c[3]).sum::<f64>() / reps;
            let met_share = col.clone().filter(|c| cell_meets(c, targets)).count() as f64 / reps;
            let measured = i >= first || sc.warmup <= 0.0;
            let on_average = t_ok(targets, service_level, abandon);
            let met = !measured
                || match targets.chance {
                    Some(p) => met_share >= p - 1e-12,
                    None => on_average,
                };
            IntervalCheck {
                index: i,
                measured,
                offered,
                service_level,
                abandon,
                met_share,
                met,
                service_level_se,
                abandon_se,
            }
        })
        .collect())
}

/// The searched groups: those named, else every group of people with an hourly cost, else
/// every group of people.
fn searched_groups(sc: &Scenario, names: &[String]) -> Result<Vec<usize>, StaffingError> {
    if names.is_empty() {
        let people: Vec<usize> = (0..sc.agent_groups.len())
            .filter(|g| sc.agent_groups[*g].ai.is_none())
            .collect();
        let paid: Vec<usize> = people
            .iter()
            .copied()
            .filter(|g| sc.agent_groups[*g].hourly_cost > 0.0)
            .collect();
        return match (paid.is_empty(), people.is_empty()) {
            (_, true) => Err(StaffingError::Usage(
                "the scenario has no group of people to staff".into(),
            )),
            (true, false) => Ok(people),
            (false, false) => Ok(paid),
        };
    }
    let mut out = Vec::new();
    for name in names {
        let g = sc.agent_groups.iter().position(|g| &g.name == name).ok_or_else(|| {
            StaffingError::Usage(format!(
                "no agent group \"{name}\"; the scenario's groups: {}",
                sc.agent_groups
                    .iter()
                    .map(|g| format!("\"{}\"", g.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        if sc.agent_groups[g].ai.is_some() {
            return Err(StaffingError::Usage(format!(
                "\"{name}\" is a pool of AI agents; the search staffs groups of people"
            )));
        }
        if !out.contains(&g) {
            out.push(g);
        }
    }
    Ok(out)
}

/// Units a probe sets on a lever to measure what one unit covers (large, so that rounding of
/// shrinkage is negligible).
const PROBE: u32 = 1000;

/// The levers of the searched groups, measured by compiling probes.
fn levers(base: &Base, groups: &[usize]) -> Result<Vec<Lever>, StaffingError> {
    let sc = base.scenario();
    let n = sc.n_intervals as usize;
    let interval_h = sc.interval / 3600.0;
    let mut levers = Vec::new();
    for &g in groups {
        let group = &sc.agent_groups[g];
        let name = &group.name;
        let raw = sc.raw.agent_groups.iter().find(|r| r.get_ref().name.get_ref() == name);
        let shifts = raw.and_then(|r| r.get_ref().shifts.as_ref()).map(|s| s.get_ref().len());
        // Each shift is a lever; without shifts, each interval's headcount is.
        let measure = |probe: &Scenario| -> (Vec<f64>, f64, f64) {
            let pg = &probe.agent_groups[g];
            let covers: Vec<f64> = pg.headcount.iter().map(|h| f64::from(*h) / f64::from(PROBE)).collect();
            let hours = pg.scheduled.iter().sum::<f64>() * interval_h / f64::from(PROBE);
            (covers, hours, hours * pg.hourly_cost)
        };
        match shifts {
            Some(k) => {
                for s in 0..k {
                    let settings: Vec<(String, Value)> = (0..k)
                        .map(|o| {
                            (
                                format!("agent_groups.{name}.shifts.{o}.agents"),
                                Value::Integer(if o == s { i64::from(PROBE) } else { 0 }),
                            )
                        })
                        .collect();
                    let probe = base.derive(&settings)?;
                    let (covers, hours, cost) = measure(&probe);
                    levers.push(Lever {
                        group: g,
                        kind: LeverKind::Shift(s),
                        covers,
                        hours,
                        cost,
                    });
                }
            }
            None => {
                let settings = vec![(
                    format!("agent_groups.{name}.headcount"),
                    Value::Integer(i64::from(PROBE)),
                )];
                let probe = base.derive(&settings)?;
                let (covers, _, _) = measure(&probe);
                let pg = &probe.agent_groups[g];
                for i in 0..n {
                    let hours = pg.scheduled[i] * interval_h / f64::from(PROBE);
                    let mut one = vec![0.0; n];
                    one[i] = covers[i];
                    levers.push(Lever {
                        group: g,
                        kind: LeverKind::Interval(i as u32),
                        covers: one,
                        hours,
                        cost: hours * pg.hourly_cost,
                    });
                }
            }
        }
    }
    Ok(levers)
}

/// The settings that give `counts` units of each lever.
fn settings_of(sc: &Scenario, levers: &[Lever], counts: &[u32]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut headcounts: Vec<(usize, Vec<Value>)> = Vec::new();
    for (l, c) in levers.iter().zip(counts) {
        let name = &sc.agent_groups[l.group].name;
        match l.kind {
            LeverKind::Shift(s) => out.push((
                format!("agent_groups.{name}.shifts.{s}.agents"),
                Value::Integer(i64::from(*c)),
            )),
            LeverKind::Interval(_) => match headcounts.iter_mut().find(|(g, _)| *g == l.group) {
                Some((_, v)) => v.push(Value::Integer(i64::from(*c))),
                None => headcounts.push((l.group, vec![Value::Integer(i64::from(*c))])),
            },
        }
    }
    for (g, v) in headcounts {
        out.push((
            format!("agent_groups.{}.headcount", sc.agent_groups[g].name),
            Value::Array(v),
        ));
    }
    out
}

/// The Erlang requirement of each interval, agents on the phones, and the model used.
pub fn erlang_requirement(sc: &Scenario, types: &[usize], targets: &Targets) -> (Vec<u32>, &'static str) {
    let with_patience = types.iter().all(|t| sc.contact_types[*t].patience.is_some());
    let model = if with_patience { "Erlang A" } else { "Erlang C" };
    let need = (0..sc.n_intervals as usize)
        .map(|i| {
            let rate: f64 = types.iter().map(|t| sc.contact_types[*t].arrival_rates[i]).sum();
            if rate <= 0.0 {
                return 0;
            }
            let weighted = |f: &dyn Fn(usize) -> f64| {
                types
                    .iter()
                    .map(|t| sc.contact_types[*t].arrival_rates[i] * f(*t))
                    .sum::<f64>()
                    / rate
            };
            let aht = weighted(&|t| {
                let ct = &sc.contact_types[t];
                ct.handle_by_interval.get(i).unwrap_or(&ct.handle_time).mean()
                    + ct.wrap_up.as_ref().map_or(0.0, |w| w.mean())
            });
            let patience = with_patience.then(|| {
                weighted(&|t| {
                    let ct = &sc.contact_types[t];
                    ct.patience_by_interval
                        .get(i)
                        .or(ct.patience.as_ref())
                        .map_or(f64::INFINITY, |p| p.mean())
                })
            });
            let load = rate * aht;
            let cap = (load * 3.0 + 50.0).min(scenario_max()) as u32;
            let mut n = (load.floor() as u32).max(1);
            while n < cap {
                let ok = match patience {
                    Some(p) => {
                        let a = erlang::erlang_a(n, rate, aht, p);
                        targets.service_level.is_none_or(|(t, s)| a.sl_offered(t) >= s)
                            && targets.max_abandon.is_none_or(|m| a.p_abandon <= m)
                    }
                    None => erlang::erlang_c(n, rate, aht)
                        .is_some_and(|c| targets.service_level.is_none_or(|(t, s)| c.service_level(t) >= s)),
                };
                if ok {
                    break;
                }
                n += 1;
            }
            n
        })
        .collect();
    (need, model)
}

fn scenario_max() -> f64 {
    crate::scenario::compile::MAX_HEADCOUNT as f64
}

/// Units of each lever that cover `need` greedily: interval by interval, while an interval is
/// short, one unit of the lever giving the most agents to short intervals per unit of cost.
fn cover(levers: &[Lever], need: &[u32]) -> Vec<u32> {
    let n = need.len();
    let mut short: Vec<f64> = need.iter().map(|x| f64::from(*x)).collect();
    let mut counts = vec![0u32; levers.len()];
    for i in 0..n {
        while short[i] > 1e-9 {
            let best = levers
                .iter()
                .enumerate()
                .filter(|(_, l)| l.covers[i] > 0.0)
                .map(|(k, l)| {
                    let gain: f64 = (0..n).map(|j| l.covers[j].min(short[j].max(0.0))).sum();
                    (k, gain / unit_price(l))
                })
                .fold(None::<(usize, f64)>, |b, (k, v)| match b {
                    Some((_, bv)) if bv >= v => b,
                    _ => Some((k, v)),
                });
            let Some((k, _)) = best else { break };
            counts[k] += 1;
            for (s, c) in short.iter_mut().zip(&levers[k].covers) {
                *s -= c;
            }
        }
    }
    counts
}

/// What a unit of the lever costs in the search's ranking: its money, and a trace of its
/// hours so that free levers still rank by time.
fn unit_price(l: &Lever) -> f64 {
    l.cost + 1e-6 * l.hours + 1e-12
}

/// Searches the cheapest staffing of `base` that meets the targets (see the module docs).
pub fn search(base: &Base, opts: &SearchOptions) -> Result<Staffing, StaffingError> {
    let sc = base.scenario();
    let t = &opts.targets;
    if t.service_level.is_none() && t.max_abandon.is_none() {
        return Err(StaffingError::Usage(
            "give a target: a service level (e.g. 80% within 20s) or a largest abandonment".into(),
        ));
    }
    let groups = searched_groups(sc, &opts.groups)?;
    let mut types: Vec<usize> = groups
        .iter()
        .flat_map(|g| sc.agent_groups[*g].serves.iter().map(|t| t.0 as usize))
        .collect();
    types.sort_unstable();
    types.dedup();
    if t.max_abandon.is_some() && !types.iter().any(|x| sc.contact_types[*x].patience.is_some()) {
        return Err(StaffingError::Usage(
            "an abandonment target needs patience: none of the staffed types abandons".into(),
        ));
    }
    let scope = Scope::new(sc, types.clone(), t)?;
    let levers = levers(base, &groups)?;
    let (need, erlang_model) = erlang_requirement(sc, &types, t);
    let start = cover(&levers, &need);

    let evaluations = std::cell::Cell::new(0usize);
    let run = |counts: &[u32]| -> Result<(Scenario, Vec<IntervalCheck>), StaffingError> {
        evaluations.set(evaluations.get() + 1);
        let derived = base.derive(&settings_of(sc, &levers, counts))?;
        let checks = evaluate(&derived, &scope, t, opts.sweep)?;
        Ok((derived, checks))
    };
    let all_met = |c: &[IntervalCheck]| c.iter().all(|x| x.met);
    let covers_missed = |l: &Lever, c: &[IntervalCheck]| c.iter().any(|x| !x.met && l.covers[x.index as usize] > 0.0);
    let busiest = |counts: &[u32]| -> u32 {
        (0..sc.n_intervals as usize)
            .map(|i| {
                levers
                    .iter()
                    .zip(counts)
                    .map(|(l, c)| l.covers[i] * f64::from(*c))
                    .sum::<f64>()
                    .round() as u32
            })
            .max()
            .unwrap_or(0)
    };

    // 2. Up: one more unit of the cheapest lever on each missed interval.
    let mut counts = start.clone();
    let (mut best_sc, mut checks) = run(&counts)?;
    while !all_met(&checks) {
        if evaluations.get() >= opts.max_evaluations {
            return Err(StaffingError::NotMet {
                missed: checks.iter().filter(|c| !c.met).count(),
                evaluations: evaluations.get(),
                agents: busiest(&counts),
            });
        }
        let mut handled = vec![false; checks.len()];
        for c in checks.iter().filter(|c| !c.met) {
            let i = c.index as usize;
            if handled[i] {
                continue;
            }
            let pick = levers
                .iter()
                .enumerate()
                .filter(|(_, l)| l.covers[i] > 0.0)
                .map(|(k, l)| {
                    let gain: f64 = checks
                        .iter()
                        .filter(|x| !x.met && !handled[x.index as usize])
                        .map(|x| l.covers[x.index as usize])
                        .sum();
                    (k, gain / unit_price(l))
                })
                .fold(None::<(usize, f64)>, |b, (k, v)| match b {
                    Some((_, bv)) if bv >= v => b,
                    _ => Some((k, v)),
                });
            let Some((k, _)) = pick else {
                return Err(StaffingError::Usage(format!(
                    "interval {i} misses its targets and no searched group works in it (a closed site, or no shift covers it)"
                )));
            };
            counts[k] += 1;
            for (j, h) in handled.iter_mut().enumerate() {
                if levers[k].covers[j] > 0.0 {
                    *h = true;
                }
            }
        }
        (best_sc, checks) = run(&counts)?;
    }

    // 3. Down, all levers at once: give back the units of those that cover a missed interval.
    // Levers that only staff the warm-up keep their Erlang start: nothing there is measured.
    let measured: Vec<bool> = checks.iter().map(|c| c.measured).collect();
    let movable: Vec<bool> = levers
        .iter()
        .map(|l| l.covers.iter().zip(&measured).any(|(c, m)| *c > 0.0 && *m))
        .collect();
    let mut free: Vec<bool> = counts.iter().zip(&movable).map(|(c, m)| *c > 0 && *m).collect();
    while free.iter().any(|f| *f) && evaluations.get() + 2 <= opts.max_evaluations {
        let mut trial = counts.clone();
        for (k, f) in free.iter().enumerate() {
            if *f {
                trial[k] -= 1;
            }
        }
        let (s, c) = run(&trial)?;
        if all_met(&c) {
            counts = trial;
            (best_sc, checks) = (s, c);
            for (k, f) in free.iter_mut().enumerate() {
                *f &= counts[k] > 0;
            }
            continue;
        }
        let mut gave_back = false;
        for (k, f) in free.iter_mut().enumerate() {
            if *f && covers_missed(&levers[k], &c) {
                trial[k] += 1;
                *f = false;
                gave_back = true;
            }
        }
        if !gave_back || trial == counts {
            break;
        }
        let (s, c) = run(&trial)?;
        if all_met(&c) {
            counts = trial;
            (best_sc, checks) = (s, c);
            for (k, f) in free.iter_mut().enumerate() {
                *f &= counts[k] > 0;
            }
        } else {
            break;
        }
    }

    // 4. Down, one lever at a time, the dearest unit first.
    let mut order: Vec<usize> = (0..levers.len()).collect();
    order.sort_by(|a, b| {
        unit_price(&levers[*b])
            .total_cmp(&unit_price(&levers[*a]))
            .then(a.cmp(b))
    });
    for k in order {
        if counts[k] == 0 || !movable[k] || evaluations.get() >= opts.max_evaluations {
            continue;
        }
        let mut trial = counts.clone();
        trial[k] -= 1;
        let (s, c) = run(&trial)?;
        if all_met(&c) {
            counts = trial;
            (best_sc, checks) = (s, c);
        }
    }

    let hours = |counts: &[u32]| {
        levers
            .iter()
            .zip(counts)
            .map(|(l, c)| l.hours * f64::from(*c))
            .sum::<f64>()
    };
    let cost = |counts: &[u32]| {
        levers
            .iter()
            .zip(counts)
            .map(|(l, c)| l.cost * f64::from(*c))
            .sum::<f64>()
    };
    let intervals = checks
        .into_iter()
        .map(|check| {
            let i = check.index as usize;
            let by_group: Vec<u32> = groups.iter().map(|g| best_sc.agent_groups[*g].headcount[i]).collect();
            IntervalStaffing {
                index: check.index,
                start_s: sc.interval_start(check.index),
                rate_per_hour: types.iter().map(|x| sc.contact_types[*x].arrival_rates[i]).sum::<f64>() * 3600.0,
                erlang: need[i],
                agents: by_group.iter().sum(),
                by_group,
                check,
            }
        })
        .collect();
    Ok(Staffing {
        groups,
        types,
        erlang_model,
        paid_hours: hours(&counts),
        cost: cost(&counts),
        start_hours: hours(&start),
        start_cost: cost(&start),
        settings: settings_of(sc, &levers, &counts),
        levers,
        start,
        counts,
        intervals,
        evaluations: evaluations.get(),
        scenario: best_sc,
    })
}

/// A scenario file that `extends` the file at `extends` (as written in it) with the found
/// staffing of each searched group (its `headcount` per interval, or its `shifts` with the
/// found agents), after the comment lines `header`.
pub fn overlay_toml(
    base: &Base,
    staffing: &Staffing,
    extends: &str,
    header: &[String],
) -> Result<String, StaffingError> {
    let sc = base.scenario();
    let merged = base.table_with(&staffing.settings)?;
    let groups_of = |t: &toml::Table| -> Vec<Value> {
        t.get("agent_groups")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let all = groups_of(&merged);
    let mut groups = Vec::new();
    for g in &staffing.groups {
        let name = &sc.agent_groups[*g].name;
        let Some(found) = all
            .iter()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(name.as_str()))
        else {
            continue;
        };
        let mut t = toml::Table::new();
        t.insert("name".into(), Value::String(name.clone()));
        for key in ["headcount", "shifts"] {
            if let Some(v) = found.get(key) {
                t.insert(key.into(), v.clone());
            }
        }
        groups.push(Value::Table(t));
    }
    let mut top = toml::Table::new();
    top.insert("extends".into(), Value::String(extends.to_owned()));
    top.insert("agent_groups".into(), Value::Array(groups));
    let body = toml::to_string(&top).map_err(|e| StaffingError::Usage(format!("cannot write the staffing: {e}")))?;
    let mut text = String::new();
    for line in header {
        text.push_str("# ");
        text.push_str(line);
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&body);
    Ok(text)
}

/// Checks a staffing on replications of another seed: each interval's figures and whether it
/// meets the targets there.
pub fn verify(
    staffing: &Staffing,
    seed: u64,
    targets: &Targets,
    opts: SweepOptions,
) -> Result<Vec<IntervalCheck>, StaffingError> {
    let mut sc = staffing.scenario.clone();
    sc.seed = seed;
    let scope = Scope::new(&sc, staffing.types.clone(), targets)?;
    evaluate(&sc, &scope, targets, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lever(covers: Vec<f64>, cost: f64) -> Lever {
        Lever {
            group: 0,
            kind: LeverKind::Interval(0),
            hours: cost,
            covers,
            cost,
        }
    }

    #[test]
    fn cover_puts_each_intervals_need_on_its_own_lever() {
        let levers: Vec<Lever> = (0..3)
            .map(|i| {
                let mut c = vec![0.0; 3];
                c[i] = 1.0;
                lever(c, 1.0)
            })
            .collect();
        assert_eq!(cover(&levers, &[3, 0, 5]), vec![3, 0, 5]);
    }

    #[test]
    fn cover_rounds_up_what_shrinkage_takes_off() {
        let levers = vec![lever(vec![0.7], 1.0)];
        // 10 agents on the phones at 70% on the phones: 15 scheduled (14 give 9.8).
        assert_eq!(cover(&levers, &[10]), vec![15]);
    }

    #[test]
    fn cover_prefers_the_cheaper_lever_and_long_shifts_that_fill_several_gaps() {
        let dear = lever(vec![1.0, 0.0], 2.0);
        let cheap = lever(vec![1.0, 0.0], 1.0);
        assert_eq!(cover(&[dear, cheap], &[4, 0]), vec![0, 4]);
        // A shift over both intervals at the price of one short one wins.
        let short_a = lever(vec![1.0, 0.0], 1.0);
        let short_b = lever(vec![0.0, 1.0], 1.0);
        let long = lever(vec![1.0, 1.0], 1.5);
        assert_eq!(cover(&[short_a, short_b, long], &[2, 2]), vec![0, 0, 2]);
    }

    #[test]
    fn a_cell_with_nothing_offered_meets_any_target() {
        let t = Targets {
            service_level: Some((20.0, 0.8)),
            max_abandon: Some(0.05),
            chance: None,
        };
        assert!(cell_meets(&[0.0, 0.0, 0.0, 0.0], &t));
        assert!(cell_meets(&[8.0, 10.0, 0.0, 10.0], &t));
        assert!(!cell_meets(&[7.0, 10.0, 0.0, 10.0], &t));
        assert!(!cell_meets(&[9.0, 10.0, 1.0, 10.0], &t));
    }

    #[test]
    fn the_ratio_estimate_pools_replications_and_gives_a_delta_method_error() {
        let (r, se) = ratio([(1.0, 2.0), (3.0, 2.0)].into_iter());
        assert_eq!(r, 1.0);
        // residuals x - r·y: -1, 1; variance 2; se = sqrt(2/2) / 2.
        assert!((se - 0.5).abs() < 1e-12);
        assert!(ratio([(0.0, 0.0)].into_iter()).0.is_nan());
    }
}
