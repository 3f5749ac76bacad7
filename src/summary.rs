//! The summary of a run: per-replication figures folded serially, in replication order, into
//! means with 95% confidence intervals — per contact type, per agent group, for all types
//! together, and per reporting interval.
//!
//! Each figure is first computed *within* a replication (e.g. that replication's abandonment
//! rate), then averaged across replications; the confidence interval is Student-t over those
//! independent values. A figure undefined in a replication (an answered-SL with nothing
//! answered) is left out of that figure's average, and `n` says how many replications count.
//!
//! Definitions (also written into `summary.json`):
//! * contacts are attributed to the interval of their **arrival**, and only those arriving
//!   after the warm-up count; time averages cover `[warmup, horizon)`;
//! * `offered` = arrivals, blocked ones included; `accepted` = offered − blocked;
//! * `p_wait` = queued / accepted; `p_abandon` and `p_blocked` are over offered;
//! * `sl_offered_T` = answered within T / offered (every abandon and block is a miss);
//!   `sl_answered_T` = answered within T / answered;
//!   `sl_excl_short_abandons_T` = answered within T / (offered − abandoned within T);
//! * `asa_all_s` = mean wait of every contact whose wait ended (answered, abandoned with their
//!   time to abandon, cleared); `asa_answered_s` = mean wait of answered contacts;
//! * wait percentiles are of answered contacts' waits (whole period: ≤ 6.25 % bins; per
//!   interval: ≤ 25 % bins, both interpolated); `max_wait_s` = longest answered wait;
//!   `aht_s` = mean handle time of answered;
//! * `mean_queue` = time-average number waiting; `occupancy` = busy agent-time / on-duty
//!   agent-time.

use crate::erlang;
use crate::scenario::{ErlangKind, Scenario};
use crate::stats::histogram::{COARSE, FINE, PooledQuantiles};
use crate::stats::tally::{Estimate, Tally};
use crate::stats::{GroupCounts, RepOutput, TypeCounts, WAIT_PERCENTILES};
use serde::{Deserialize, Serialize};

/// What a scope summarises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// One contact type.
    Type,
    /// All contact types together.
    All,
    /// One agent group.
    Group,
}

impl ScopeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Type => "type",
            ScopeKind::All => "all",
            ScopeKind::Group => "group",
        }
    }
}

/// One figure of a scope, over the whole measured period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub name: String,
    #[serde(flatten)]
    pub estimate: Estimate,
    /// The exact queueing-theory value, where the scenario is an Erlang model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theory: Option<f64>,
}

/// The figures of one scope (a type, all types, or a group).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScopeSummary {
    pub kind: ScopeKind,
    pub name: String,
    pub metrics: Vec<Metric>,
    /// Names of the per-interval figures (a subset of `metrics`).
    pub interval_metrics: Vec<String>,
    /// `[interval][interval metric]` estimates, for measured intervals only (see `Summary::intervals`).
    pub intervals: Vec<Vec<Estimate>>,
}

impl ScopeSummary {
    /// The figure called `name`.
    pub fn get(&self, name: &str) -> Option<&Metric> {
        self.metrics.iter().find(|m| m.name == name)
    }
}

/// One interval's time frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IntervalFrame {
    pub index: u32,
    pub start_s: f64,
    pub end_s: f64,
}

/// The figures of one replication for one scope (for `replications.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepRecord {
    pub replication: u32,
    pub scope: usize,
    pub values: Vec<f64>,
}

/// The result of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub scenario: String,
    pub seed: u64,
    pub replications: u32,
    pub warmup_s: f64,
    pub horizon_s: f64,
    pub interval_s: f64,
    /// The Erlang model the scenario matches, if any ("B", "C" or "A").
    pub erlang_model: Option<String>,
    pub scopes: Vec<ScopeSummary>,
    /// Measured intervals (those ending after the warm-up), in order.
    pub intervals: Vec<IntervalFrame>,
    /// Per-replication whole-period figures, in replication order.
    pub replication_records: Vec<RepRecord>,
    /// Arrivals simulated over all replications, warm-up included.
    pub total_arrivals: u64,
    /// Events processed over all replications.
    pub total_events: u64,
}

impl Summary {
    /// The scope of `kind` named `name`.
    pub fn scope(&self, kind: ScopeKind, name: &str) -> Option<&ScopeSummary> {
        self.scopes.iter().find(|s| s.kind == kind && s.name == name)
    }
}

/// Names of the figures of a contact-type (or all-types) scope with the given SL thresholds.
fn type_metric_names(thresholds: &[f64]) -> (Vec<String>, Vec<bool>) {
    let mut names: Vec<(String, bool)> = [
        ("offered", true),
        ("answered", true),
        ("abandoned", true),
        ("blocked", true),
        ("cleared", true),
        ("in_system_at_end", false),
        ("p_abandon", true),
        ("p_blocked", true),
        ("p_wait", true),
    ]
    .iter()
    .map(|(n, i)| (n.to_string(), *i))
    .collect();
    for t in thresholds {
        let t = threshold_label(*t);
        names.push((format!("sl_offered_{t}"), true));
        names.push((format!("sl_answered_{t}"), true));
        names.push((format!("sl_excl_short_abandons_{t}"), true));
    }
    for (n, i) in [
        ("asa_all_s", true),
        ("asa_answered_s", true),
        ("mean_wait_abandoned_s", true),
        ("wait_p50_s", true),
        ("wait_p80_s", true),
        ("wait_p90_s", true),
        ("wait_p95_s", true),
        ("wait_p99_s", true),
        ("max_wait_s", true),
        ("aht_s", true),
        ("mean_queue", true),
    ] {
        names.push((n.to_string(), i));
    }
    names.into_iter().unzip()
}

/// A service-level threshold as it appears in figure names: whole seconds (`20s`, `60s`).
pub fn threshold_label(t: f64) -> String {
    format!("{t}s")
}

fn ratio(num: f64, den: f64) -> f64 {
    if den > 0.0 { num / den } else { f64::NAN }
}

/// The figures of a type scope from its counts, in the order of [`type_metric_names`].
fn type_metric_values(c: &TypeCounts, n_thresholds: usize, pct: &[f64; 5], in_system: f64, out: &mut Vec<f64>) {
    out.clear();
    let offered = c.offered as f64;
    let accepted = (c.offered - c.blocked) as f64;
    out.extend([
        offered,
        c.answered as f64,
        c.abandoned as f64,
        c.blocked as f64,
        c.cleared as f64,
        in_system,
        ratio(c.abandoned as f64, offered),
        ratio(c.blocked as f64, offered),
        ratio(c.waited as f64, accepted),
    ]);
    for k in 0..n_thresholds {
        let within = c.answered_within[k] as f64;
        out.push(ratio(within, offered));
        out.push(ratio(within, c.answered as f64));
        out.push(ratio(within, offered - c.abandoned_within[k] as f64));
    }
    let ended = (c.answered + c.abandoned + c.cleared) as f64;
    out.extend([
        ratio(c.wait_answered + c.wait_abandoned + c.wait_cleared, ended),
        ratio(c.wait_answered, c.answered as f64),
        ratio(c.wait_abandoned, c.abandoned as f64),
    ]);
    out.extend(pct.iter().copied());
    out.push(if c.answered > 0 { c.max_wait_answered } else { f64::NAN });
    out.extend([ratio(c.handle, c.answered as f64), ratio(c.queue_time, c.measured)]);
}

const GROUP_METRICS: [&str; 3] = ["occupancy", "mean_agents", "answered"];

fn group_metric_values(c: &GroupCounts, out: &mut Vec<f64>) {
    out.clear();
    out.extend([
        ratio(c.busy_time, c.present_time),
        ratio(c.present_time, c.measured),
        c.answered as f64,
    ]);
}

/// Where a scope's numbers come from in a [`RepOutput`].
#[derive(Debug, Clone, Copy)]
enum Source {
    Type(usize),
    AllTypes,
    Group(usize),
}

struct ScopeAcc {
    kind: ScopeKind,
    name: String,
    source: Source,
    n_thresholds: usize,
    names: Vec<String>,
    per_interval: Vec<bool>,
    totals: Vec<Tally>,
    /// `[measured interval × interval metric]`.
    intervals: Vec<Tally>,
    n_interval_metrics: usize,
    /// Type and all-types scopes: answered waits pooled over replications.
    waits: Option<Waits>,
}

/// Wait histograms pooled over replications, for percentiles of the wait distribution.
struct Waits {
    /// Whole period, with sectioning confidence intervals.
    whole: PooledQuantiles,
    /// `[measured interval × COARSE bins]` pooled counts.
    interval_counts: Vec<u64>,
    /// Largest answered wait per measured interval.
    interval_max: Vec<f64>,
}

/// Names of the wait-percentile figures, in [`WAIT_PERCENTILES`] order.
const WAIT_PERCENTILE_NAMES: [&str; 5] = ["wait_p50_s", "wait_p80_s", "wait_p90_s", "wait_p95_s", "wait_p99_s"];

/// Folds replication outputs, in replication order, into a [`Summary`].
pub struct SummaryBuilder<'a> {
    sc: &'a Scenario,
    first_interval: u32,
    scopes: Vec<ScopeAcc>,
    records: Vec<RepRecord>,
    reps: u32,
    arrivals: u64,
    events: u64,
    values: Vec<f64>,
    /// Scratch: a histogram merged over types.
    merged: Vec<u64>,
}

impl<'a> SummaryBuilder<'a> {
    pub fn new(sc: &'a Scenario) -> Self {
        let first_interval = sc.interval_of(sc.warmup);
        let n_measured = (sc.n_intervals - first_interval) as usize;
        let mut scopes = Vec::new();
        let type_scope = |kind, name: String, source, thresholds: &[f64]| {
            let (names, per_interval) = type_metric_names(thresholds);
            let n_im = per_interval.iter().filter(|b| **b).count();
            ScopeAcc {
                kind,
                name,
                source,
                n_thresholds: thresholds.len(),
                totals: vec![Tally::default(); names.len()],
                intervals: vec![Tally::default(); n_measured * n_im],
                n_interval_metrics: n_im,
                names,
                per_interval,
                waits: Some(Waits {
                    whole: PooledQuantiles::new(FINE),
                    interval_counts: vec![0; n_measured * COARSE.bins()],
                    interval_max: vec![0.0; n_measured],
                }),
            }
        };
        for (i, t) in sc.contact_types.iter().enumerate() {
            scopes.push(type_scope(
                ScopeKind::Type,
                t.name.clone(),
                Source::Type(i),
                &t.sl_thresholds,
            ));
        }
        if sc.contact_types.len() > 1 {
            // SL figures for all types together only when every type uses the same thresholds.
            let first = &sc.contact_types[0].sl_thresholds;
            let shared: &[f64] = if sc.contact_types.iter().all(|t| &t.sl_thresholds == first) {
                first
            } else {
                &[]
            };
            scopes.push(type_scope(ScopeKind::All, "all".into(), Source::AllTypes, shared));
        }
        for (i, g) in sc.agent_groups.iter().enumerate() {
            let names: Vec<String> = GROUP_METRICS.iter().map(|s| s.to_string()).collect();
            scopes.push(ScopeAcc {
                kind: ScopeKind::Group,
                name: g.name.clone(),
                source: Source::Group(i),
                n_thresholds: 0,
                totals: vec![Tally::default(); names.len()],
                intervals: vec![Tally::default(); n_measured * names.len()],
                n_interval_metrics: names.len(),
                per_interval: vec![true; names.len()],
                names,
                waits: None,
            });
        }
        Self {
            sc,
            first_interval,
            scopes,
            records: Vec::new(),
            reps: 0,
            arrivals: 0,
            events: 0,
            values: Vec::new(),
            merged: vec![0; FINE.bins()],
        }
    }

    /// Adds one replication. Call in replication order: the fold is serial and order-sensitive
    /// in its last bits, which is what makes results identical for any thread count.
    pub fn add(&mut self, out: &RepOutput) {
        self.reps += 1;
        self.arrivals += out.arrivals;
        self.events += out.events;
        let n_types = self.sc.contact_types.len();
        let first = self.first_interval as usize;
        let values = &mut self.values;
        for (si, scope) in self.scopes.iter_mut().enumerate() {
            // Per interval.
            let mut total_t = TypeCounts::default();
            let mut total_g = GroupCounts::default();
            for (row, i) in (first..out.n_intervals as usize).enumerate() {
                match scope.source {
                    Source::Group(g) => {
                        let c = &out.group_intervals(g)[i];
                        total_g.add(c);
                        group_metric_values(c, values);
                    }
                    Source::Type(t) => {
                        let c = &out.type_intervals(t)[i];
                        total_t.add(c);
                        type_metric_values(c, scope.n_thresholds, &out.interval_percentiles(t)[i], f64::NAN, values);
                    }
                    Source::AllTypes => {
                        let mut c = TypeCounts::default();
                        for t in 0..n_types {
                            c.add(&out.type_intervals(t)[i]);
                        }
                        c.measured = out.type_intervals(0)[i].measured;
                        total_t.add(&c);
                        let pct = &out.interval_percentiles(n_types)[i];
                        type_metric_values(&c, scope.n_thresholds, pct, f64::NAN, values);
                    }
                }
                let tallies =
                    &mut scope.intervals[row * scope.n_interval_metrics..(row + 1) * scope.n_interval_metrics];
                let mut k = 0;
                for (v, keep) in values.iter().zip(&scope.per_interval) {
                    if *keep {
                        tallies[k].add(*v);
                        k += 1;
                    }
                }
            }
            // Whole measured period.
            match scope.source {
                Source::Group(_) => group_metric_values(&total_g, values),
                Source::Type(t) => type_metric_values(
                    &total_t,
                    scope.n_thresholds,
                    &out.wait_percentiles[t],
                    out.in_system_at_end[t] as f64,
                    values,
                ),
                Source::AllTypes => {
                    let in_system = out.in_system_at_end.iter().sum::<u64>() as f64;
                    type_metric_values(
                        &total_t,
                        scope.n_thresholds,
                        &out.wait_percentiles[n_types],
                        in_system,
                        values,
                    )
                }
            }
            for (tally, v) in scope.totals.iter_mut().zip(values.iter()) {
                tally.add(*v);
            }
            if let Some(waits) = &mut scope.waits {
                let types: Vec<usize> = match scope.source {
                    Source::Type(t) => vec![t],
                    _ => (0..n_types).collect(),
                };
                pool_waits(waits, out, &types, first, &mut self.merged);
            }
            self.records.push(RepRecord {
                replication: out.replication,
                scope: si,
                values: values.clone(),
            });
        }
    }

    pub fn finish(self) -> Summary {
        let sc = self.sc;
        let theory = theory_values(sc);
        let scopes = self
            .scopes
            .into_iter()
            .map(|s| {
                let metrics = s
                    .names
                    .iter()
                    .zip(&s.totals)
                    .map(|(name, t)| Metric {
                        name: name.clone(),
                        estimate: s.pooled_percentile(name).unwrap_or_else(|| t.estimate()),
                        theory: match s.source {
                            Source::Type(0) | Source::Group(0) => {
                                theory.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
                            }
                            _ => None,
                        },
                    })
                    .collect();
                let interval_metrics: Vec<String> = s
                    .names
                    .iter()
                    .zip(&s.per_interval)
                    .filter(|(_, k)| **k)
                    .map(|(n, _)| n.clone())
                    .collect();
                let mut intervals: Vec<Vec<Estimate>> = s
                    .intervals
                    .chunks(s.n_interval_metrics.max(1))
                    .map(|row| row.iter().map(Tally::estimate).collect())
                    .collect();
                s.pool_interval_percentiles(&interval_metrics, &mut intervals);
                ScopeSummary {
                    kind: s.kind,
                    name: s.name,
                    metrics,
                    interval_metrics,
                    intervals,
                }
            })
            .collect();
        Summary {
            scenario: sc.name.clone(),
            seed: sc.seed,
            replications: self.reps,
            warmup_s: sc.warmup,
            horizon_s: sc.horizon,
            interval_s: sc.interval,
            erlang_model: sc.erlang_model().map(|m| match m.kind {
                ErlangKind::B => "B".into(),
                ErlangKind::C => "C".into(),
                ErlangKind::A { .. } => "A".into(),
            }),
            scopes,
            intervals: (self.first_interval..sc.n_intervals)
                .map(|i| IntervalFrame {
                    index: i,
                    start_s: sc.interval_start(i),
                    end_s: sc.interval_end(i),
                })
                .collect(),
            replication_records: self.records,
            total_arrivals: self.arrivals,
            total_events: self.events,
        }
    }
}

/// Adds one replication's wait histograms of `types` (merged) to `waits`.
fn pool_waits(waits: &mut Waits, out: &RepOutput, types: &[usize], first: usize, merged: &mut [u64]) {
    merged.fill(0);
    let mut max = 0.0f64;
    for &t in types {
        for (m, c) in merged.iter_mut().zip(out.type_wait_counts(t)) {
            *m += c;
        }
        for c in &out.type_intervals(t)[first..] {
            max = max.max(c.max_wait_answered);
        }
    }
    waits.whole.add(merged, max);
    let bins = COARSE.bins();
    for (row, i) in (first..out.n_intervals as usize).enumerate() {
        let pooled = &mut waits.interval_counts[row * bins..(row + 1) * bins];
        for &t in types {
            for (p, c) in pooled.iter_mut().zip(out.interval_wait_counts(t, i)) {
                *p += u64::from(*c);
            }
            waits.interval_max[row] = waits.interval_max[row].max(out.type_intervals(t)[i].max_wait_answered);
        }
    }
}

impl ScopeAcc {
    /// The whole-period estimate of `name` if it is a wait percentile: the percentile of the
    /// pooled wait distribution with its sectioning interval (see [`PooledQuantiles`]).
    fn pooled_percentile(&self, name: &str) -> Option<Estimate> {
        let waits = self.waits.as_ref()?;
        let k = WAIT_PERCENTILE_NAMES.iter().position(|n| *n == name)?;
        Some(waits.whole.estimate(WAIT_PERCENTILES[k]))
    }

    /// Per interval, replaces the mean of per-replication percentiles by the percentile of the
    /// pooled wait distribution. The half-width stays that of the per-replication
    /// percentiles' mean — the delta-method equivalent of sectioning, which would need a CDF
    /// tally per bin and interval.
    fn pool_interval_percentiles(&self, names: &[String], intervals: &mut [Vec<Estimate>]) {
        let Some(waits) = &self.waits else { return };
        let bins = COARSE.bins();
        for (row, estimates) in intervals.iter_mut().enumerate() {
            let counts = &waits.interval_counts[row * bins..(row + 1) * bins];
            for (p, name) in WAIT_PERCENTILES.iter().zip(WAIT_PERCENTILE_NAMES) {
                if let Some(k) = names.iter().position(|n| n == name) {
                    estimates[k].mean = COARSE.quantile(counts, *p, waits.interval_max[row]);
                }
            }
        }
    }
}

/// The exact Erlang figures for a scenario that is an Erlang model, by metric name. Applies to
/// the first type and first group (an Erlang scenario has exactly one of each).
pub fn theory_values(sc: &Scenario) -> Vec<(String, f64)> {
    let Some(m) = sc.erlang_model() else { return Vec::new() };
    let thresholds = &sc.contact_types[0].sl_thresholds;
    let mut v: Vec<(String, f64)> = Vec::new();
    let a = m.arrival_rate * m.mean_service;
    let n = f64::from(m.agents);
    match m.kind {
        ErlangKind::B => {
            let b = erlang::erlang_b(m.agents, a);
            v.push(("p_blocked".into(), b));
            v.push(("p_wait".into(), 0.0));
            v.push(("occupancy".into(), a * (1.0 - b) / n));
            v.push(("mean_queue".into(), 0.0));
        }
        ErlangKind::C => {
            let Some(c) = erlang::erlang_c(m.agents, m.arrival_rate, m.mean_service) else {
                return v;
            };
            v.extend([
                ("p_wait".into(), c.p_wait),
                ("p_abandon".into(), 0.0),
                ("asa_all_s".into(), c.asa),
                ("asa_answered_s".into(), c.asa),
                ("mean_queue".into(), c.mean_queue),
                ("occupancy".into(), c.occupancy),
            ]);
            // Answered waits are all waits here: P(W > t) = C e^{-(nμ-λ)t}.
            let drain = f64::from(m.agents) / m.mean_service - m.arrival_rate;
            for (p, name) in crate::stats::WAIT_PERCENTILES.iter().zip([
                "wait_p50_s",
                "wait_p80_s",
                "wait_p90_s",
                "wait_p95_s",
                "wait_p99_s",
            ]) {
                let q = if *p <= 1.0 - c.p_wait {
                    0.0
                } else {
                    -((1.0 - p) / c.p_wait).ln() / drain
                };
                v.push((name.into(), q));
            }
            for t in thresholds {
                let sl = c.service_level(*t);
                let h = threshold_label(*t);
                v.push((format!("sl_offered_{h}"), sl));
                v.push((format!("sl_answered_{h}"), sl));
                v.push((format!("sl_excl_short_abandons_{h}"), sl));
            }
        }
        ErlangKind::A { mean_patience } => {
            let e = erlang::erlang_a(m.agents, m.arrival_rate, m.mean_service, mean_patience);
            v.extend([
                ("p_wait".into(), e.p_wait),
                ("p_abandon".into(), e.p_abandon),
                ("asa_all_s".into(), e.asa_all),
                ("asa_answered_s".into(), e.asa_served),
                ("mean_wait_abandoned_s".into(), e.mean_wait_abandoned),
                ("mean_queue".into(), e.mean_queue),
                ("occupancy".into(), e.occupancy),
            ]);
            for t in thresholds {
                let h = threshold_label(*t);
                v.push((format!("sl_offered_{h}"), e.sl_offered(*t)));
                v.push((format!("sl_answered_{h}"), e.sl_answered(*t)));
                v.push((format!("sl_excl_short_abandons_{h}"), e.sl_excl_short_abandons(*t)));
            }
        }
    }
    v.push((
        "p_blocked".into(),
        if matches!(m.kind, ErlangKind::B) {
            erlang::erlang_b(m.agents, a)
        } else {
            0.0
        },
    ));
    v.dedup_by(|x, y| x.0 == y.0);
    v
}
