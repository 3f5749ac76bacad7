//! The summary of a run: replication outputs folded serially, in job order, into figures with
//! 95% confidence intervals — per contact type, for all types together, per agent group, for
//! the whole measured period and per reporting interval.
//!
//! Every figure is declared once in [`crate::metrics`], with its definition and estimator.
//! Ratios (shares, means per contact, time averages, counts per replication) are **ratio
//! estimators**: `Σ numerator / Σ denominator` over replications, with a delta-method interval
//! — the share of *all* contacts, not the mean of per-replication shares, which under-weights
//! the busy (congested) replications and is biased optimistic per interval. Percentiles are of
//! the waits pooled over replications, with a sectioning interval. The same estimators serve
//! the whole period and each interval.
//!
//! Attribution: contacts count in the interval of their **arrival**, and only those arriving
//! after the warm-up; time averages cover `[warmup, horizon)`.

use crate::cost::{self, CostCounts};
use crate::metrics::{self, COST_METRICS, CostMetric, Estimator, GROUP_METRICS, GroupMetric, Theory, TypeFigure};
use crate::scenario::Channel;
use crate::scenario::{ErlangKind, Scenario};
use crate::stats::histogram::{COARSE, FINE, PooledQuantiles};
use crate::stats::tally::{Estimate, RatioKind, RatioTally};
use crate::stats::{GroupCounts, RepOutput, TypeCounts};
use serde::{Deserialize, Serialize};

pub use crate::metrics::threshold_label;

/// What a scope summarises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// One contact type.
    Type,
    /// All contact types together.
    All,
    /// The queues of one channel together (when the scenario's queues use two or more).
    Channel,
    /// One agent group.
    Group,
    /// The costs of the whole center (named "all").
    Cost,
    /// The costs of one site.
    Site,
    /// The workforce of the whole center in one week (named "week 1", "week 2", …).
    Week,
}

impl ScopeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Type => "type",
            ScopeKind::All => "all",
            ScopeKind::Channel => "channel",
            ScopeKind::Group => "group",
            ScopeKind::Cost => "cost",
            ScopeKind::Site => "site",
            ScopeKind::Week => "week",
        }
    }
}

/// One figure of a scope, over the whole measured period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    pub name: String,
    #[serde(flatten)]
    pub estimate: Estimate,
    /// The exact steady-state value, where the scenario is an Erlang model and the run
    /// estimates its steady state (see [`Theory::applies_to_run`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

    /// The estimate of per-interval figure `name` in measured interval `row`.
    pub fn interval(&self, row: usize, name: &str) -> Option<Estimate> {
        let k = self.interval_metrics.iter().position(|m| m == name)?;
        self.intervals.get(row).map(|r| r[k])
    }
}

/// One measured interval's time frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct IntervalFrame {
    pub index: u32,
    /// Start of what was measured, seconds from t = 0: the interval's start, or the end of
    /// the warm-up for an interval the warm-up cuts.
    pub start_s: f64,
    pub end_s: f64,
    /// Whether the warm-up cuts the interval, so that it holds only `[start_s, end_s)` of it.
    #[serde(default)]
    pub partial: bool,
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
    /// Clock time of t = 0, seconds after midnight (for clock labels in reports).
    #[serde(default)]
    pub day_start_s: f64,
    /// The Erlang model the scenario matches, if any ("B", "C" or "A").
    pub erlang_model: Option<String>,
    /// Whether exact values are attached: the scenario is an Erlang model *and* the run
    /// estimates its steady state (a warm-up, and the queue served at closing).
    #[serde(default)]
    pub theory_attached: bool,
    pub scopes: Vec<ScopeSummary>,
    /// Measured intervals (those ending after the warm-up), in order.
    pub intervals: Vec<IntervalFrame>,
    /// Arrivals simulated over all replications, warm-up included.
    pub total_arrivals: u64,
    /// Events processed over all replications.
    pub total_events: u64,
    /// The journey CSAT model behind `csat`, `csat_score`, `nps` and `p_defect`, when the
    /// scenario follows journeys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csat_model: Option<crate::scenario::CsatModel>,
    /// Whether the scenario has a self-service graph (its figures and CSAT terms apply).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub self_service: bool,
    /// The money unit of the cost figures (`costs.currency`), where it is named.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub currency: String,
    /// Under `[workforce]`: the state its effects are relative to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workforce: Option<WorkforceNote>,
}

/// What the workforce figures are relative to.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WorkforceNote {
    /// Occupancy of the reference agent.
    pub reference_occupancy: f64,
    /// Its mean fatigue over its shifts, and its mean strain.
    pub reference_fatigue: f64,
    pub reference_strain: f64,
    /// Strain from which an agent counts as burnt out (one burnout SD above the reference).
    pub burnout_strain: f64,
}

impl Summary {
    /// The scope of `kind` named `name`.
    pub fn scope(&self, kind: ScopeKind, name: &str) -> Option<&ScopeSummary> {
        self.scopes.iter().find(|s| s.kind == kind && s.name == name)
    }

    /// All contact types together: the `all` scope, or the one type of a scenario with a
    /// single type (which has no `all` scope).
    pub fn all_types(&self) -> Option<&ScopeSummary> {
        self.scopes.iter().find(|s| s.kind == ScopeKind::All).or_else(|| {
            let mut types = self.scopes.iter().filter(|s| s.kind == ScopeKind::Type);
            types.next().filter(|_| types.next().is_none())
        })
    }
}

/// A figure of a scope: a type figure or a group figure.
#[derive(Debug, Clone)]
enum Figure {
    Type(TypeFigure),
    Group(&'static GroupMetric),
    Cost(&'static CostMetric),
}

impl Figure {
    fn name(&self) -> &str {
        match self {
            Figure::Type(f) => &f.name,
            Figure::Group(m) => m.name,
            Figure::Cost(m) => m.name,
        }
    }

    fn estimator(&self) -> Estimator {
        match self {
            Figure::Type(f) => f.metric.estimator,
            Figure::Group(m) => m.estimator,
            Figure::Cost(m) => m.estimator,
        }
    }

    fn per_interval(&self) -> bool {
        match self {
            Figure::Type(f) => f.metric.per_interval,
            Figure::Group(_) | Figure::Cost(_) => true,
        }
    }
}

/// Where a scope's numbers come from in a [`RepOutput`].
#[derive(Debug, Clone, Copy)]
enum Source {
    Type(usize),
    AllTypes,
    /// The queue types (those without an IVR entry) of one channel.
    Channel,
    Group(usize),
    /// Costs: 0 the center, `1 + s` site `s` (the scope's block of the ledger).
    Cost(usize),
    /// All groups together over the intervals `from..to`.
    Week {
        from: usize,
        to: usize,
    },
}

/// One replication's cell of a scope: type counts, group integrals or costs.
enum Cell<'c> {
    Type(&'c TypeCounts, f64),
    Group(&'c GroupCounts),
    Cost(&'c CostCounts),
}

impl Figure {
    /// Numerator and denominator of a cell.
    #[inline]
    fn value(&self, cell: &Cell<'_>) -> (f64, f64) {
        match (self, cell) {
            (Figure::Type(f), Cell::Type(c, in_system)) => {
                if f.metric.from_end_state {
                    (*in_system, 1.0)
                } else {
                    (f.metric.value)(c, f.k)
                }
            }
            (Figure::Group(m), Cell::Group(g)) => (m.value)(g),
            (Figure::Cost(m), Cell::Cost(c)) => (m.value)(c),
            _ => (f64::NAN, f64::NAN),
        }
    }
}

/// The layout of a scope: what it is and which figures it has. Shared by the fold and by the
/// per-replication rows of `replications.csv`.
#[derive(Debug, Clone)]
pub struct ScopeLayout {
    kind: ScopeKind,
    name: String,
    source: Source,
    figures: Vec<Figure>,
    /// Indices in `figures` of the per-interval ones.
    interval_figures: Vec<usize>,
    /// The per-interval ratio figures of a type scope, compact for the fold's inner loop:
    /// (numerator and denominator, threshold index, position in `interval_figures`).
    type_ratios: Vec<(TypeValue, usize, usize)>,
    /// The per-interval counts per replication of a type scope (their denominator is 1):
    /// (count, position in `interval_figures`).
    type_counts: Vec<(TypeValue, usize)>,
    /// The same for a group scope.
    group_ratios: Vec<(GroupValue, usize)>,
    /// The same for a cost scope.
    cost_ratios: Vec<(CostValue, usize)>,
    /// The types a channel scope sums (empty for other scopes).
    members: Vec<usize>,
}

type TypeValue = fn(&TypeCounts, usize) -> (f64, f64);
type GroupValue = fn(&GroupCounts) -> (f64, f64);
type CostValue = fn(&CostCounts) -> (f64, f64);

/// The scopes of a scenario's summary, in report order: each type, all types (with more than
/// one type), each group.
pub fn scope_layouts(sc: &Scenario) -> Vec<ScopeLayout> {
    let mut scopes = Vec::new();
    let type_scope = |kind, name: String, source, thresholds: &[f64]| {
        let figures: Vec<Figure> = metrics::type_figures(thresholds)
            .into_iter()
            .filter(|f| metrics::applies(sc, &f.name))
            .map(Figure::Type)
            .collect();
        ScopeLayout::new(kind, name, source, figures)
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
    // Each channel's queues together, when the queues use more than one channel (entries into
    // the IVR are left out: their contacts arrive again at a queue).
    let queues = |c: Channel| -> Vec<usize> {
        (0..sc.contact_types.len())
            .filter(|t| sc.contact_types[*t].ivr.is_none() && sc.contact_types[*t].channel == c)
            .collect()
    };
    let channels: Vec<Channel> = [Channel::Voice, Channel::Chat, Channel::Email]
        .into_iter()
        .filter(|c| !queues(*c).is_empty())
        .collect();
    if channels.len() > 1 {
        for c in channels {
            let members = queues(c);
            let first = &sc.contact_types[members[0]].sl_thresholds;
            let shared: &[f64] = if members.iter().all(|t| &sc.contact_types[*t].sl_thresholds == first) {
                first
            } else {
                &[]
            };
            let mut layout = type_scope(ScopeKind::Channel, c.as_str().into(), Source::Channel, shared);
            layout.members = members;
            scopes.push(layout);
        }
    }
    for (i, g) in sc.agent_groups.iter().enumerate() {
        scopes.push(ScopeLayout::new(
            ScopeKind::Group,
            g.name.clone(),
            Source::Group(i),
            GROUP_METRICS
                .iter()
                .filter(|m| sc.has_wrap_up || m.name != metrics::WRAP_UP_FIGURE)
                .filter(|m| sc.reports_scheduled || m.name != metrics::SCHEDULED_FIGURE)
                .filter(|m| sc.has_costs || m.name != metrics::LABOUR_FIGURE)
                .filter(|m| sc.has_occupancy_cap || m.name != metrics::PAUSE_FIGURE)
                // AI agents have no workforce, wages or after-call work.
                .filter(|m| (sc.workforce.is_some() && g.ai.is_none()) || !metrics::WORKFORCE_FIGURES.contains(&m.name))
                .filter(|m| g.ai.is_none() || ![metrics::LABOUR_FIGURE, metrics::WRAP_UP_FIGURE].contains(&m.name))
                .map(Figure::Group)
                .collect(),
        ));
    }
    if sc.workforce.is_some() {
        let first = sc.interval_of(sc.warmup) as usize;
        let week_of = |i: usize| (sc.interval_start(i as u32) / (7.0 * crate::workforce::DAY)) as usize;
        let mut from = first;
        while from < sc.n_intervals as usize {
            let w = week_of(from);
            let to = (from..sc.n_intervals as usize)
                .find(|i| week_of(*i) != w)
                .unwrap_or(sc.n_intervals as usize);
            let mut layout = ScopeLayout::new(
                ScopeKind::Week,
                format!("week {}", w + 1),
                Source::Week { from, to },
                metrics::WEEK_METRICS.iter().map(Figure::Group).collect(),
            );
            layout.interval_figures.clear();
            layout.group_ratios.clear();
            scopes.push(layout);
            from = to;
        }
    }
    if sc.has_costs {
        let cost_scope = |kind, name: String, site: Option<usize>| {
            let figures = COST_METRICS
                .iter()
                .filter(|m| (m.applies)(sc, site))
                .map(Figure::Cost)
                .collect();
            ScopeLayout::new(kind, name, Source::Cost(site.map_or(0, |s| s + 1)), figures)
        };
        scopes.push(cost_scope(ScopeKind::Cost, "all".into(), None));
        for (s, site) in sc.sites.iter().enumerate() {
            scopes.push(cost_scope(ScopeKind::Site, site.name.clone(), Some(s)));
        }
    }
    scopes
}

impl ScopeLayout {
    fn new(kind: ScopeKind, name: String, source: Source, figures: Vec<Figure>) -> Self {
        let interval_figures: Vec<usize> = (0..figures.len()).filter(|i| figures[*i].per_interval()).collect();
        let (mut type_ratios, mut type_counts, mut group_ratios) = (Vec::new(), Vec::new(), Vec::new());
        let mut cost_ratios = Vec::new();
        for (pos, &f) in interval_figures.iter().enumerate() {
            match &figures[f] {
                Figure::Type(t)
                    if t.metric.estimator == Estimator::Ratio(RatioKind::Count) && !t.metric.from_end_state =>
                {
                    type_counts.push((t.metric.value, pos));
                }
                Figure::Type(t) if matches!(t.metric.estimator, Estimator::Ratio(_)) && !t.metric.from_end_state => {
                    type_ratios.push((t.metric.value, t.k, pos));
                }
                Figure::Group(g) if matches!(g.estimator, Estimator::Ratio(_)) => group_ratios.push((g.value, pos)),
                Figure::Cost(c) => cost_ratios.push((c.value, pos)),
                _ => {}
            }
        }
        Self {
            kind,
            name,
            source,
            figures,
            interval_figures,
            type_ratios,
            type_counts,
            group_ratios,
            cost_ratios,
            members: Vec::new(),
        }
    }

    pub fn kind(&self) -> ScopeKind {
        self.kind
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether this scope has the ratio figure `name`, which it gives per replication
    /// ([`ScopeLayout::replication_figures`]).
    pub fn has_ratio_figure(&self, name: &str) -> bool {
        self.figures
            .iter()
            .any(|f| matches!(f.estimator(), Estimator::Ratio(_)) && f.name() == name)
    }

    /// The whole-period cell of this scope in `out`: counts summed over measured intervals
    /// `first..` (and over types for all types), with the contacts in the system at the end.
    fn whole_period(&self, sc: &Scenario, out: &RepOutput, first: usize) -> (TypeCounts, GroupCounts, CostCounts, f64) {
        let (mut t, mut g, mut c) = (TypeCounts::default(), GroupCounts::default(), CostCounts::default());
        let n_types = sc.contact_types.len();
        let ledger = match self.source {
            Source::Cost(_) => cost::ledger(sc, out),
            _ => Vec::new(),
        };
        for i in first..out.n_intervals as usize {
            match self.source {
                Source::Type(ty) => t.add(&out.type_intervals(ty)[i]),
                Source::AllTypes => t.add(&all_types_cell(out, i, n_types)),
                Source::Channel => t.add(&types_cell(out, i, &self.members)),
                Source::Group(gi) => g.add(&out.group_intervals(gi)[i]),
                Source::Cost(k) => c.add(&ledger[k * out.n_intervals as usize + i]),
                Source::Week { from, to } => {
                    if (from..to).contains(&i) {
                        g.add(&all_groups_cell(sc, out, i));
                    }
                }
            }
        }
        (t, g, c, self.in_system(out))
    }

    /// Measured contacts of this scope still in the system when the replication ended.
    fn in_system(&self, out: &RepOutput) -> f64 {
        match self.source {
            Source::Type(ty) => out.in_system_at_end[ty] as f64,
            Source::AllTypes => out.in_system_at_end.iter().sum::<u64>() as f64,
            Source::Channel => self.members.iter().map(|t| out.in_system_at_end[*t]).sum::<u64>() as f64,
            Source::Group(_) | Source::Cost(_) | Source::Week { .. } => 0.0,
        }
    }

    /// One replication's whole-period figures of this scope: `(name, value, numerator,
    /// denominator)` for each ratio figure (percentiles and maxima are left out: they are
    /// estimated from pooled waits). `value` is NaN where the denominator is 0.
    pub fn replication_figures(&self, sc: &Scenario, out: &RepOutput) -> Vec<(&str, f64, f64, f64)> {
        let first = sc.interval_of(sc.warmup) as usize;
        let (t, g, c, in_system) = self.whole_period(sc, out, first);
        let cell = match self.source {
            Source::Group(_) | Source::Week { .. } => Cell::Group(&g),
            Source::Cost(_) => Cell::Cost(&c),
            _ => Cell::Type(&t, in_system),
        };
        self.figures
            .iter()
            .filter(|f| matches!(f.estimator(), Estimator::Ratio(_)))
            .map(|f| {
                let (x, y) = f.value(&cell);
                (f.name(), if y > 0.0 { x / y } else { f64::NAN }, x, y)
            })
            .collect()
    }
}

#[inline]
/// Interval `i` of every group of people together (AI pools left out: the week's workforce):
/// their integrals summed, over the interval's measured length (the same for every group, so
/// counted once).
fn all_groups_cell(sc: &Scenario, out: &RepOutput, i: usize) -> GroupCounts {
    let mut c = GroupCounts::default();
    for (g, group) in sc.agent_groups.iter().enumerate() {
        if group.ai.is_none() {
            c.add(&out.group_intervals(g)[i]);
        }
    }
    c.measured = out.group_intervals(0)[i].measured;
    c
}

/// Interval `i` of the types `members` together.
fn types_cell(out: &RepOutput, i: usize, members: &[usize]) -> TypeCounts {
    let mut c = TypeCounts::default();
    for t in members {
        c.add(&out.type_intervals(*t)[i]);
    }
    c.measured = out.type_intervals(0)[i].measured;
    c
}

/// Interval `i` of all types together: the types' counts summed, over the interval's measured
/// length (the same for every type).
fn all_types_cell(out: &RepOutput, i: usize, n_types: usize) -> TypeCounts {
    let mut c = TypeCounts::default();
    for t in 0..n_types {
        c.add(&out.type_intervals(t)[i]);
    }
    c.measured = out.type_intervals(0)[i].measured;
    c
}

/// Wait histograms pooled over replications, for percentiles and the longest wait (each
/// [`PooledQuantiles`] also keeps its longest wait and its number of waits).
struct Waits {
    whole: PooledQuantiles,
    /// One per measured interval ([`COARSE`] layout).
    rows: Vec<PooledQuantiles>,
    /// The contact types whose waits are pooled (one, or all of them).
    types: Vec<usize>,
}

struct ScopeAcc {
    layout: ScopeLayout,
    /// Per figure (ratio figures only are used).
    totals: Vec<RatioTally>,
    /// `[measured interval × per-interval figure]`.
    intervals: Vec<RatioTally>,
    /// Type and all-types scopes.
    waits: Option<Waits>,
}

/// Why a replication output cannot be folded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FoldError {
    #[error("replication {got} arrived where replication {expected} was due: outputs must be folded in job order")]
    OutOfOrder { expected: u32, got: u32 },
    #[error("replication {replication} has {got} intervals where the scenario has {expected}")]
    Shape { replication: u32, expected: u32, got: u32 },
    #[error("{got} replication(s) were folded where the plan has {expected}")]
    Missing { expected: usize, got: usize },
}

/// Folds replication outputs, in job order, into a [`Summary`]. The fold is serial and
/// order-sensitive in its last bits, which is what makes results identical for any thread
/// count; [`SummaryBuilder::add`] refuses an output out of order.
pub struct SummaryBuilder<'a> {
    sc: &'a Scenario,
    first_interval: u32,
    scopes: Vec<ScopeAcc>,
    /// The replications expected, in order.
    plan: Vec<u32>,
    reps: u32,
    arrivals: u64,
    events: u64,
    /// Scratch: a fine histogram merged over types, and coarse ones.
    merged: Vec<u64>,
    merged_row: Vec<u64>,
    /// Scratch: each replication's whole-period counts of a scope, in a round.
    type_totals: Vec<TypeCounts>,
    group_totals: Vec<GroupCounts>,
}

impl<'a> SummaryBuilder<'a> {
    /// A builder expecting replications `0..sc.replications` in order.
    pub fn new(sc: &'a Scenario) -> Self {
        Self::with_plan(sc, (0..sc.replications).collect())
    }

    /// A builder expecting the replications of `plan`, in that order.
    pub fn with_plan(sc: &'a Scenario, plan: Vec<u32>) -> Self {
        let first_interval = sc.interval_of(sc.warmup);
        let rows = (sc.n_intervals - first_interval) as usize;
        let scopes = scope_layouts(sc)
            .into_iter()
            .map(|layout| {
                let waits = match layout.source {
                    Source::Group(_) | Source::Week { .. } => None,
                    source => Some(Waits {
                        whole: PooledQuantiles::new(FINE),
                        rows: vec![PooledQuantiles::new(COARSE); rows],
                        types: match source {
                            Source::Type(t) => vec![t],
                            Source::Channel => layout.members.clone(),
                            _ => (0..sc.contact_types.len()).collect(),
                        },
                    }),
                };
                ScopeAcc {
                    totals: vec![RatioTally::default(); layout.figures.len()],
                    intervals: vec![RatioTally::default(); rows * layout.interval_figures.len()],
                    waits,
                    layout,
                }
            })
            .collect();
        Self {
            sc,
            first_interval,
            scopes,
            plan,
            reps: 0,
            arrivals: 0,
            events: 0,
            merged: vec![0; FINE.bins()],
            merged_row: vec![0; COARSE.bins()],
            type_totals: Vec::new(),
            group_totals: Vec::new(),
        }
    }

    /// Replications folded so far.
    pub fn replications(&self) -> u32 {
        self.reps
    }

    /// Adds the next replication of the plan.
    pub fn add(&mut self, out: &RepOutput) -> Result<(), FoldError> {
        self.add_round(std::slice::from_ref(out))
    }

    /// Folds several replication outputs, in order: the same sums, bit for bit, as
    /// [`SummaryBuilder::add`] on each in turn, but each interval's accumulators take the whole
    /// batch while they are in cache (with many intervals they do not fit in it, and the fold
    /// would otherwise reload all of them for every replication). If an output is out of order
    /// or misshapen, the outputs before it are folded and the error is returned.
    pub fn add_round(&mut self, outs: &[RepOutput]) -> Result<(), FoldError> {
        let mut error = None;
        let mut valid = outs.len();
        for (j, out) in outs.iter().enumerate() {
            let expected = self.plan.get(self.reps as usize + j).copied().unwrap_or(u32::MAX);
            if out.replication != expected {
                error = Some(FoldError::OutOfOrder {
                    expected,
                    got: out.replication,
                });
            } else if out.n_intervals != self.sc.n_intervals {
                error = Some(FoldError::Shape {
                    replication: out.replication,
                    expected: self.sc.n_intervals,
                    got: out.n_intervals,
                });
            }
            if error.is_some() {
                valid = j;
                break;
            }
        }
        let outs = &outs[..valid];
        for out in outs {
            self.reps += 1;
            self.arrivals += out.arrivals;
            self.events += out.events;
        }
        let n_types = self.sc.contact_types.len();
        let first = self.first_interval as usize;
        let n = self.sc.n_intervals as usize;
        // Each replication's costs, once for all cost scopes.
        let ledgers: Vec<Vec<CostCounts>> = if self.sc.has_costs {
            outs.iter().map(|out| cost::ledger(self.sc, out)).collect()
        } else {
            Vec::new()
        };
        let mut cost_totals: Vec<CostCounts> = Vec::new();
        let (type_totals, group_totals) = (&mut self.type_totals, &mut self.group_totals);
        for scope in &mut self.scopes {
            let layout = &scope.layout;
            let m = layout.interval_figures.len();
            // Each replication's whole period is summed along the way, in the order
            // `whole_period` uses.
            type_totals.clear();
            type_totals.resize(outs.len(), TypeCounts::default());
            group_totals.clear();
            group_totals.resize(outs.len(), GroupCounts::default());
            cost_totals.clear();
            cost_totals.resize(outs.len(), CostCounts::default());
            for (row, i) in (first..self.sc.n_intervals as usize).enumerate() {
                let tallies = &mut scope.intervals[row * m..(row + 1) * m];
                for (j, out) in outs.iter().enumerate() {
                    let all;
                    let c = match layout.source {
                        Source::Group(gi) => {
                            let c = &out.group_intervals(gi)[i];
                            group_totals[j].add(c);
                            for &(value, pos) in &layout.group_ratios {
                                let (x, y) = value(c);
                                tallies[pos].add(x, y);
                            }
                            continue;
                        }
                        Source::Week { from, to } => {
                            if (from..to).contains(&i) {
                                group_totals[j].add(&all_groups_cell(self.sc, out, i));
                            }
                            continue;
                        }
                        Source::Cost(k) => {
                            let c = &ledgers[j][k * n + i];
                            cost_totals[j].add(c);
                            for &(value, pos) in &layout.cost_ratios {
                                let (x, y) = value(c);
                                tallies[pos].add(x, y);
                            }
                            continue;
                        }
                        Source::Type(ty) => &out.type_intervals(ty)[i],
                        Source::AllTypes => {
                            all = all_types_cell(out, i, n_types);
                            &all
                        }
                        Source::Channel => {
                            all = types_cell(out, i, &layout.members);
                            &all
                        }
                    };
                    type_totals[j].add(c);
                    for &(value, pos) in &layout.type_counts {
                        let (x, y) = value(c, 0);
                        debug_assert_eq!(y, 1.0);
                        tallies[pos].add_count(x);
                    }
                    for &(value, k, pos) in &layout.type_ratios {
                        let (x, y) = value(c, k);
                        tallies[pos].add(x, y);
                    }
                }
            }
            for (j, out) in outs.iter().enumerate() {
                let in_system = layout.in_system(out);
                let cell = match layout.source {
                    Source::Group(_) | Source::Week { .. } => Cell::Group(&group_totals[j]),
                    Source::Cost(_) => Cell::Cost(&cost_totals[j]),
                    _ => Cell::Type(&type_totals[j], in_system),
                };
                for (tally, figure) in scope.totals.iter_mut().zip(&layout.figures) {
                    if matches!(figure.estimator(), Estimator::Ratio(_)) {
                        let (x, y) = figure.value(&cell);
                        tally.add(x, y);
                    }
                }
            }
            if let Some(waits) = &mut scope.waits {
                pool_waits(waits, outs, first, &mut self.merged, &mut self.merged_row);
            }
        }
        error.map_or(Ok(()), Err)
    }

    /// The summary of the replications folded so far (a running estimate between rounds of a
    /// sweep, or the final one).
    pub fn summary(&self) -> Summary {
        let sc = self.sc;
        let theory = Theory::of(sc).filter(|_| Theory::applies_to_run(sc));
        let scopes = self
            .scopes
            .iter()
            .map(|s| {
                let layout = &s.layout;
                let single = matches!(layout.source, Source::Type(0) | Source::Group(0));
                let exact = |f: &Figure| -> Option<f64> {
                    let th = theory.as_ref().filter(|_| single)?;
                    match f {
                        Figure::Type(t) => th.value(t.metric.exact?, t.threshold),
                        Figure::Group(g) => th.value(g.exact?, None),
                        Figure::Cost(_) => None,
                    }
                };
                let metrics = layout
                    .figures
                    .iter()
                    .zip(&s.totals)
                    .map(|(f, tally)| Metric {
                        name: f.name().to_string(),
                        estimate: estimate(f, tally, s.waits.as_ref().map(|w| &w.whole)),
                        theory: exact(f),
                    })
                    .collect();
                let m = layout.interval_figures.len();
                let intervals = (0..self.rows())
                    .map(|row| {
                        layout
                            .interval_figures
                            .iter()
                            .zip(&s.intervals[row * m..(row + 1) * m])
                            .map(|(&fi, tally)| {
                                let waits = s.waits.as_ref().map(|w| &w.rows[row]);
                                estimate(&layout.figures[fi], tally, waits)
                            })
                            .collect()
                    })
                    .collect();
                ScopeSummary {
                    kind: layout.kind,
                    name: layout.name.clone(),
                    metrics,
                    interval_metrics: layout
                        .interval_figures
                        .iter()
                        .map(|&f| layout.figures[f].name().to_string())
                        .collect(),
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
            day_start_s: sc.day_start_s,
            erlang_model: sc.erlang_model().map(|m| match m.kind {
                ErlangKind::B => "B".into(),
                ErlangKind::C => "C".into(),
                ErlangKind::A { .. } => "A".into(),
            }),
            theory_attached: theory.is_some(),
            scopes,
            intervals: (self.first_interval..sc.n_intervals)
                .map(|i| {
                    let start = sc.interval_start(i);
                    IntervalFrame {
                        index: i,
                        start_s: start.max(sc.warmup),
                        end_s: sc.interval_end(i),
                        partial: start < sc.warmup,
                    }
                })
                .collect(),
            total_arrivals: self.arrivals,
            total_events: self.events,
            csat_model: sc.follow_journeys.then_some(sc.csat),
            self_service: !sc.self_service.nodes.is_empty(),
            currency: sc.costs.currency.clone(),
            workforce: sc.workforce.as_ref().map(|w| WorkforceNote {
                reference_occupancy: w.reference_occupancy,
                reference_fatigue: w.reference.fatigue,
                reference_strain: w.reference.strain,
                burnout_strain: w.reference.strain + w.sd,
            }),
        }
    }

    /// The final summary.
    pub fn finish(self) -> Summary {
        self.summary()
    }

    fn rows(&self) -> usize {
        (self.sc.n_intervals - self.first_interval) as usize
    }
}

/// The estimate of figure `f` from its tally or, for percentiles and maxima, the pooled waits.
fn estimate(f: &Figure, tally: &RatioTally, waits: Option<&PooledQuantiles>) -> Estimate {
    match f.estimator() {
        Estimator::Ratio(kind) => tally.estimate(kind),
        Estimator::Percentile(p) => waits.map_or_else(
            || RatioTally::default().estimate(RatioKind::Proportion),
            |w| w.estimate(p),
        ),
        Estimator::Maximum => {
            let (reps, max, answered) = waits.map_or((0, 0.0, 0), |w| (w.replications(), w.max(), w.waits()));
            Estimate {
                mean: if answered > 0 { max } else { f64::NAN },
                half_width: f64::NAN,
                n: reps,
                events: Some(answered),
                reliable: answered > 0,
            }
        }
    }
}

/// Adds one replication's wait histograms of the scope's types (merged) to `waits`.
/// The one type of `types` whose contacts were answered in interval `i` (or the first type if
/// none were), or `None` if several were.
fn sole_type_answering(types: &[usize], out: &RepOutput, i: usize) -> Option<usize> {
    let mut answering = types.iter().filter(|&&t| out.type_intervals(t)[i].answered > 0);
    match (answering.next(), answering.next()) {
        (None, _) => types.first().copied(),
        (Some(&t), None) => Some(t),
        _ => None,
    }
}

fn pool_waits(waits: &mut Waits, outs: &[RepOutput], first: usize, merged: &mut [u64], merged_row: &mut [u64]) {
    let types = &waits.types;
    for out in outs {
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
    }
    for (row, i) in (first..waits.rows.len() + first).enumerate() {
        let pooled = &mut waits.rows[row];
        for out in outs {
            if let Some(t) = sole_type_answering(types, out, i) {
                // One type, or at most one type answered anyone here (common at low volume):
                // its own histogram is the merged one.
                let c = &out.type_intervals(t)[i];
                pooled.add_counted(out.interval_wait_counts(t, i), c.answered, c.max_wait_answered);
            } else {
                merged_row.fill(0);
                let (mut answered, mut row_max) = (0u64, 0.0f64);
                for &t in types {
                    for (p, c) in merged_row.iter_mut().zip(out.interval_wait_counts(t, i)) {
                        *p += u64::from(*c);
                    }
                    let c = &out.type_intervals(t)[i];
                    answered += c.answered;
                    row_max = row_max.max(c.max_wait_answered);
                }
                pooled.add_counted(merged_row, answered, row_max);
            }
        }
    }
}
