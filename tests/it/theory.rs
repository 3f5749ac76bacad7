//! The simulator against exact queueing theory: the reference cases of
//! `tests/fixtures/erlang_ref.json` (Erlang B, C and A), every figure that theory has.
//!
//! Each figure is judged against the simulation's own confidence interval, not a fixed
//! percentage: z = (simulated − exact) / standard error over replications, and |z| < 4 is
//! required of every comparison. With about two thousand comparisons, 4 standard errors is the
//! family-wide bound (a 95% bound would miss about one in twenty by chance).
//!
//! Probabilities never use a standard error below the binomial one at the exact value,
//! sqrt(p(1−p)/N) over the N pooled contacts: a simulation whose replications all agree (all
//! zero, or all one) has no error estimate of its own, and is asked whether seeing nothing is
//! plausible. Rare events come in clumps (one long excursion of the queue makes many contacts
//! wait long), so the m events theory expects are spread over at most m/(1 + λτ) independent
//! episodes, one per relaxation time τ; seeing none fails when e^(−m/(1+λτ)) is below the
//! two-sided tail of |z| = 4.
//!
//! Each test also states its power: for each case and figure, the smallest relative bias it
//! would detect, 4·SE / scale, must meet the targets in [`target`] (a shortfall fails the test
//! just as a disagreement does), except in the cases of [`SHORTFALL`], which may fall short by
//! the stated factor:
//! * probabilities and occupancy: 2% (n ≤ 50) or 5% (large) of the exact value, or 4·SE at
//!   most 0.001 (0.0025) in absolute terms, the target at p = 5%;
//! * means: 5% or 10%, or 4·SE at most 0.5 s (1 s) for waits and λ times that for the mean
//!   queue (Little's law);
//! * percentiles: 10% or 20% of the larger of the percentile and the mean wait of those who
//!   wait, or 4·SE at most 0.5 s (1 s).
//!
//! Exact figures come from `cxsim::erlang`, checked against the reference file by
//! `the_exact_figures_agree_with_the_reference_file`. Two figures the module does not give are
//! derived here: Erlang C wait percentiles from P(W > t) = C·e^−(nμ−λ)t, and Erlang A
//! percentiles of answered waits by bisection on P(W ≤ t | served) (`ErlangA::sl_answered`).
//!
//! Run lengths follow each case's relaxation time τ (the time the queue needs to forget its
//! empty start): warm-up 8τ, then at least 160τ and 160,000 arrivals per replication.
//! Set `CXSIM_THEORY_TABLE=1` to print every comparison (with `--nocapture`).

use super::support::{run, scenario};
use cxsim::erlang::{self, ErlangA, ErlangC};
use cxsim::stats::tally::student_t_975;
use cxsim::summary::{ScopeKind, Summary};
use serde_json::Value;
use std::fmt::Write;

/// The family-wide bound on |z| for every comparison, for a normal statistic.
const Z_MAX: f64 = 4.0;

/// The same family-wide tail for a Student-t statistic with `df` degrees of freedom: a z whose
/// standard error is estimated from 30 replications is t-distributed, and P(|t₂₉| ≥ 4) is
/// 6× P(|Z| ≥ 4) — over this suite's ~1,700 comparisons, 0.7 false failures a run. The
/// Cornish–Fisher expansion of the t quantile at the normal quantile 4 (4.67 for df = 29).
fn z_bound(df: u64) -> f64 {
    let (z, n) = (Z_MAX, df as f64);
    z + (z.powi(3) + z) / (4.0 * n)
        + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
        + (3.0 * z.powi(7) + 19.0 * z.powi(5) + 17.0 * z.powi(3) - 15.0 * z) / (384.0 * n.powi(3))
}

/// How far above its true value an estimated standard error may lie by chance, at the same
/// family-wide bound: its relative standard deviation is about 1/√(2·df).
fn se_noise(df: u64) -> f64 {
    1.0 + Z_MAX / (2.0 * df as f64).sqrt()
}
/// P(|Z| ≥ 4) for a standard normal: the family-wide tail used for exact (Poisson) checks.
const TAIL: f64 = 6.334e-5;
const REPLICATIONS: u32 = 30;
/// Service-level thresholds of every scenario here, seconds.
const THRESHOLDS: [f64; 2] = [20.0, 60.0];
const PERCENTILES: [(f64, &str); 5] = [
    (0.5, "wait_p50_s"),
    (0.8, "wait_p80_s"),
    (0.9, "wait_p90_s"),
    (0.95, "wait_p95_s"),
    (0.99, "wait_p99_s"),
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Model {
    B,
    C,
    A,
}

struct Case {
    id: String,
    /// Position in the reference file: makes every (model, case) seed distinct.
    index: u64,
    n: u32,
    rho: f64,
    lambda: f64,
    service: f64,
    patience: f64,
    json: Value,
}

impl Case {
    fn large(&self) -> bool {
        self.n > 50
    }
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/erlang_ref.json"))
        .expect("reference file");
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    doc["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .enumerate()
        .map(|(index, s)| {
            let i = &s["inputs"];
            Case {
                id: s["id"].as_str().unwrap().to_owned(),
                index: index as u64,
                n: i["agents"].as_u64().unwrap() as u32,
                rho: i["rho"].as_f64().unwrap(),
                lambda: i["arrival_rate_per_s"].as_f64().unwrap(),
                service: i["mean_service_s"].as_f64().unwrap(),
                patience: i["mean_patience_s"].as_f64().unwrap(),
                json: s.clone(),
            }
        })
        .collect()
}

/// Relaxation time (seconds) of the queue of `case` under `model`.
fn relaxation(case: &Case, model: Model) -> f64 {
    let drain = |rho: f64| f64::from(case.n) / case.service * (1.0 - rho.min(1.0).sqrt()).powi(2);
    let tau = match model {
        Model::B => case.service,
        Model::C => 1.0 / drain(case.rho),
        Model::A => 1.0 / (drain(case.rho) + 1.0 / case.patience),
    };
    tau.max(case.service)
}

/// Measured seconds per replication: at least 160,000 arrivals and 160 relaxation times.
fn measured_length(case: &Case, model: Model) -> f64 {
    let tau = relaxation(case, model);
    (160_000.0 / case.lambda).max(160.0 * tau)
}

fn simulate(case: &Case, model: Model) -> Summary {
    let tau = relaxation(case, model);
    // The start (empty) fades as e^(−t/τ): after 8τ its effect on any figure is below
    // 0.04% of the figure, a twentieth of the smallest bias the suite can detect.
    let warmup = 8.0 * tau;
    let horizon = warmup + measured_length(case, model);
    let seed = 1_000 * (model as u64 + 1) + case.index;
    let patience = match model {
        Model::A => format!("patience = {{ dist = \"exponential\", mean = {:?} }}", case.patience),
        _ => String::new(),
    };
    let capacity = if model == Model::B { "queue_capacity = 0" } else { "" };
    let toml = format!(
        r#"
[simulation]
horizon = {horizon:?}
warmup = {warmup:?}
interval = {horizon:?}
seed = {seed}
replications = {REPLICATIONS}

[[contact_types]]
name = "c"
arrivals = {{ rate = {lambda:?} }}
handle_time = {{ dist = "exponential", mean = {service:?} }}
{patience}
{capacity}
sl_threshold = [20, 60]

[[agent_groups]]
name = "g"
serves = ["c"]
headcount = {n}
"#,
        lambda = case.lambda,
        service = case.service,
        n = case.n
    );
    run(&scenario(&toml), 1)
}

/// What kind of figure a comparison is about, which sets its power target.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A share of the contacts counted by the given count figure (binomial floor on its SE).
    Probability(&'static str),
    /// A fraction of time (occupancy).
    Fraction,
    /// A mean waiting time, seconds; for a mean over a subset of the contacts, the exact
    /// share of that subset (the abandoners).
    Wait(Option<f64>),
    /// The time-average number waiting, with the case's arrival rate (for its floor).
    Queue(f64),
    /// The mean handle time, seconds.
    Mean,
    /// The `p`-quantile of answered waits; `p0` is the exact P(W = 0 | answered) and
    /// `spread` the exact mean wait of answered contacts who waited, E[W | answered, W > 0].
    Percentile { p: f64, p0: f64, spread: f64 },
    /// A figure that is exactly this value in every replication (e.g. no abandonment
    /// without patience).
    Exact,
}

/// One figure of one case with its exact value.
struct Figure {
    scope: ScopeKind,
    metric: String,
    exact: f64,
    kind: Kind,
}

fn fig(metric: impl Into<String>, exact: f64, kind: Kind) -> Figure {
    Figure {
        scope: ScopeKind::Type,
        metric: metric.into(),
        exact,
        kind,
    }
}

fn occupancy(exact: f64) -> Figure {
    Figure {
        scope: ScopeKind::Group,
        metric: "occupancy".into(),
        exact,
        kind: Kind::Fraction,
    }
}

/// The exact p-quantile of a wait W ≥ 0 whose tail `tail(t) = P(W > t)` is continuous and
/// decreasing for t > 0: 0 when P(W > 0) ≤ 1 − p, else found by bisection.
fn quantile_by_bisection(p: f64, tail: impl Fn(f64) -> f64) -> f64 {
    if tail(0.0) <= 1.0 - p {
        return 0.0;
    }
    let mut hi = 1.0;
    while tail(hi) > 1.0 - p {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if tail(mid) > 1.0 - p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-12 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// The exact p-quantile of the Erlang C wait: P(W > t) = C·e^−(nμ−λ)t, so
/// t_p = ln(C / (1 − p)) / (nμ − λ) when C > 1 − p, else 0.
fn erlang_c_quantile(c: &ErlangC, p: f64) -> f64 {
    let drain = f64::from(c.agents) / c.mean_service - c.arrival_rate;
    if c.p_wait <= 1.0 - p {
        0.0
    } else {
        (c.p_wait / (1.0 - p)).ln() / drain
    }
}

/// Exact figures of the Erlang B model (M/M/n/n).
fn erlang_b_figures(case: &Case) -> Vec<Figure> {
    let a = case.lambda * case.service;
    let b = erlang::erlang_b(case.n, a);
    let mut f = vec![
        fig("p_blocked", b, Kind::Probability("offered")),
        // Carried load a(1 − B) over n agents.
        occupancy(a * (1.0 - b) / f64::from(case.n)),
        agents(case),
        fig("aht_s", case.service, Kind::Mean),
        fig("p_wait", 0.0, Kind::Exact),
        fig("p_abandon", 0.0, Kind::Exact),
        fig("asa_all_s", 0.0, Kind::Exact),
        fig("asa_answered_s", 0.0, Kind::Exact),
        fig("mean_queue", 0.0, Kind::Exact),
    ];
    for t in THRESHOLDS {
        // Accepted contacts are answered at once: the SL over answered is 1; over offered,
        // and excluding short abandons (a block is no abandon), it is 1 − B.
        f.push(fig(format!("sl_offered_{t}s"), 1.0 - b, Kind::Probability("offered")));
        f.push(fig(format!("sl_answered_{t}s"), 1.0, Kind::Exact));
        f.push(fig(
            format!("sl_excl_short_abandons_{t}s"),
            1.0 - b,
            Kind::Probability("offered"),
        ));
    }
    for (_, name) in PERCENTILES {
        f.push(fig(name, 0.0, Kind::Exact));
    }
    f
}

/// The time-average number of agents on duty: the headcount.
fn agents(case: &Case) -> Figure {
    Figure {
        scope: ScopeKind::Group,
        metric: "mean_agents".into(),
        exact: f64::from(case.n),
        kind: Kind::Exact,
    }
}

/// Exact figures of the Erlang C model (M/M/n); None when it has no steady state.
fn erlang_c_figures(case: &Case) -> Option<Vec<Figure>> {
    let c = erlang::erlang_c(case.n, case.lambda, case.service)?;
    let mut f = vec![
        fig("p_wait", c.p_wait, Kind::Probability("offered")),
        fig("asa_all_s", c.asa, Kind::Wait(None)),
        fig("asa_answered_s", c.asa, Kind::Wait(None)),
        fig("mean_queue", c.mean_queue, Kind::Queue(case.lambda)),
        occupancy(c.occupancy),
        agents(case),
        fig("aht_s", case.service, Kind::Mean),
        fig("p_abandon", 0.0, Kind::Exact),
        fig("p_blocked", 0.0, Kind::Exact),
    ];
    for t in THRESHOLDS {
        // Everyone is answered, so the three service levels coincide.
        let sl = c.service_level(t);
        f.push(fig(format!("sl_offered_{t}s"), sl, Kind::Probability("offered")));
        f.push(fig(format!("sl_answered_{t}s"), sl, Kind::Probability("answered")));
        f.push(fig(
            format!("sl_excl_short_abandons_{t}s"),
            sl,
            Kind::Probability("offered"),
        ));
    }
    let (p0, spread) = (1.0 - c.p_wait, c.asa / c.p_wait);
    for (p, name) in PERCENTILES {
        f.push(fig(name, erlang_c_quantile(&c, p), Kind::Percentile { p, p0, spread }));
    }
    Some(f)
}

/// Exact figures of the Erlang A model (M/M/n+M).
fn erlang_a_figures(case: &Case) -> Vec<Figure> {
    let a: ErlangA = erlang::erlang_a(case.n, case.lambda, case.service, case.patience);
    let mut f = vec![
        fig("p_wait", a.p_wait, Kind::Probability("offered")),
        fig("p_abandon", a.p_abandon, Kind::Probability("offered")),
        fig("asa_all_s", a.asa_all, Kind::Wait(None)),
        fig("asa_answered_s", a.asa_served, Kind::Wait(None)),
        fig(
            "mean_wait_abandoned_s",
            a.mean_wait_abandoned,
            Kind::Wait(Some(a.p_abandon)),
        ),
        fig("mean_queue", a.mean_queue, Kind::Queue(case.lambda)),
        occupancy(a.occupancy),
        agents(case),
        fig("aht_s", case.service, Kind::Mean),
        fig("p_blocked", 0.0, Kind::Exact),
    ];
    for t in THRESHOLDS {
        f.push(fig(
            format!("sl_offered_{t}s"),
            a.sl_offered(t),
            Kind::Probability("offered"),
        ));
        f.push(fig(
            format!("sl_answered_{t}s"),
            a.sl_answered(t),
            Kind::Probability("answered"),
        ));
        f.push(fig(
            format!("sl_excl_short_abandons_{t}s"),
            a.sl_excl_short_abandons(t),
            Kind::Probability("offered"),
        ));
    }
    // P(W = 0 | served) = P(W = 0) / P(served).
    let p0 = (1.0 - a.p_wait) / (1.0 - a.p_abandon);
    let spread = a.asa_served / (1.0 - p0);
    for (p, name) in PERCENTILES {
        let q = quantile_by_bisection(p, |t| 1.0 - a.sl_answered(t));
        f.push(fig(name, q, Kind::Percentile { p, p0, spread }));
    }
    f
}

/// Cases whose figures would need more than this suite's run length to reach the power
/// targets, with how much larger than the target their detectable bias may be: the measured
/// shortfall of the worst figure, plus 20% headroom, rounded up to a half. Every other case
/// meets the targets. These are the heavily loaded cases (ρ ≥ 0.9 or a long relaxation), where
/// P(wait) and the service levels move slowly; reaching the targets would take 2 to 30 times
/// the run length (see `docs/validation.md`).
const SHORTFALL: &[(&str, f64)] = &[
    ("A n1000_rho0.95_s300_p300", 5.0),
    ("A n2000_rho0.98_s300_p300", 4.0),
    ("A n20_rho1.2_s300_p600", 2.0),
    ("A n35_rho0.8_s180_p600", 2.0),
    ("A n35_rho0.98_s180_p600", 2.0),
    ("A n500_rho0.95_s300_p600", 2.5),
    ("A n50_rho0.8_s300_p300", 3.0),
    ("A n50_rho0.98_s300_p300", 1.5),
    ("A n50_rho0.9_s300_p300", 1.5),
    ("A n50_rho0.9_s600_p600", 2.0),
    ("A n50_rho1.05_s600_p600", 1.5),
    ("B n50_rho0.9_s300_p300", 1.5),
    ("B n50_rho0.9_s600_p600", 1.5),
    ("C n1000_rho0.95_s300_p300", 5.5),
    ("C n1_rho0.95_s180_p60", 3.0),
    ("C n1_rho0.98_s300_p300", 2.5),
    ("C n1_rho0.9_s600_p600", 2.0),
    ("C n2000_rho0.98_s300_p300", 2.0),
    ("C n20_rho0.95_s300_p600", 3.0),
    ("C n20_rho0.98_s600_p60", 2.5),
    ("C n2_rho0.95_s300_p600", 3.0),
    ("C n2_rho0.98_s600_p60", 3.0),
    ("C n2_rho0.9_s180_p300", 1.5),
    ("C n35_rho0.8_s180_p600", 2.5),
    ("C n35_rho0.95_s600_p300", 3.0),
    ("C n35_rho0.98_s180_p600", 3.0),
    ("C n35_rho0.9_s300_p60", 2.5),
    ("C n3_rho0.95_s600_p300", 3.0),
    ("C n3_rho0.98_s180_p600", 3.0),
    ("C n3_rho0.9_s300_p60", 1.5),
    ("C n500_rho0.95_s300_p600", 3.0),
    ("C n50_rho0.8_s300_p300", 2.5),
    ("C n50_rho0.95_s180_p60", 2.5),
    ("C n50_rho0.98_s300_p300", 2.5),
    ("C n50_rho0.9_s300_p300", 2.5),
    ("C n50_rho0.9_s600_p600", 2.0),
    ("C n5_rho0.95_s180_p60", 2.5),
    ("C n5_rho0.98_s300_p300", 3.0),
    ("C n5_rho0.9_s600_p600", 2.0),
];

fn shortfall(model: Model, case: &Case) -> f64 {
    let key = format!("{model:?} {}", case.id);
    SHORTFALL.iter().find(|(k, _)| *k == key).map_or(1.0, |(_, f)| *f)
}

/// One comparison's outcome.
struct Row {
    case: String,
    metric: String,
    exact: f64,
    simulated: f64,
    se: f64,
    z: f64,
    /// Smallest relative bias the comparison would detect, 4·SE over its reference scale.
    detectable: f64,
    /// The power target for `detectable` (None when the figure is exempt; see `note`).
    target: Option<f64>,
    note: &'static str,
    failed: bool,
}

/// The power target of a figure of `kind` with exact value `exact`: returns (reference
/// scale, relative target, absolute floor on 4·SE). See the module docs.
fn target(kind: Kind, exact: f64, large: bool) -> (f64, f64, f64) {
    let (prob, mean) = if large { (0.05, 0.10) } else { (0.02, 0.05) };
    // Below 5%, relative precision on a probability turns into an absolute one: 2% (5%) of
    // 0.05 is the floor.
    let prob_floor = 0.05 * prob;
    let wait_floor = if large { 1.0 } else { 0.5 };
    match kind {
        Kind::Probability(_) | Kind::Fraction => (exact, prob, prob_floor),
        Kind::Wait(_) | Kind::Mean => (exact, mean, wait_floor),
        // A percentile's error is a tail probability's divided by the density there: twice
        // the relative target of a mean, on the larger of the percentile and the typical
        // wait of those who wait (a low percentile next to the jump at 0 is judged on the
        // scale of the waits it summarises, not on its own small value).
        Kind::Percentile { spread, .. } => (exact.max(spread), 2.0 * mean, wait_floor),
        Kind::Queue(lambda) => (exact, mean, wait_floor * lambda),
        Kind::Exact => (1.0, 0.0, 0.0),
    }
}

fn judge(s: &Summary, case: &Case, model: Model, f: &Figure) -> Row {
    let scope_name = if f.scope == ScopeKind::Group { "g" } else { "c" };
    let m = s
        .scope(f.scope, scope_name)
        .and_then(|sc| sc.get(&f.metric))
        .unwrap_or_else(|| panic!("{} missing", f.metric));
    let e = m.estimate;
    let mut row = Row {
        case: format!("{model:?} {}", case.id),
        metric: f.metric.clone(),
        exact: f.exact,
        simulated: e.mean,
        se: f64::NAN,
        z: f64::NAN,
        detectable: f64::NAN,
        target: None,
        note: "",
        failed: false,
    };
    if f.kind == Kind::Exact {
        row.se = 0.0;
        row.z = 0.0;
        row.note = "exact";
        // Exact up to the rounding of sums of time (n agents × Σ dt / Σ dt).
        row.failed = e.mean.is_nan() || (e.mean - f.exact).abs() > 1e-12 * f.exact.abs().max(1.0);
        return row;
    }
    if let Kind::Percentile { p, p0, .. } = f.kind {
        // Where answering at once is more likely than p, the exact percentile is 0 and the
        // estimate, the pooled p-quantile, is 0 exactly once the pooled share of immediate
        // answers exceeds p. We ask for an exact 0 when p0 is more than 4 standard errors of
        // that share above p, and skip the figure when p0 is within 4 of them of p on either
        // side: the percentile then sits on the jump of the CDF at 0, where it flips between
        // 0 and a positive value and no normal approximation holds.
        let margin = Z_MAX * zero_share_se(s, p0);
        if p0 >= p + margin {
            row.se = 0.0;
            row.z = 0.0;
            row.note = "0 exactly";
            row.failed = e.mean != 0.0;
            return row;
        }
        if p0 > p - margin {
            row.note = "skipped: on the jump at 0";
            return row;
        }
    }
    if e.n < 2 {
        // A conditional figure (the mean wait of abandoners) defined in fewer than two
        // replications has no error estimate; it is only possible where the event is so rare
        // that its probability passes the absolute floor.
        row.note = "skipped: defined in < 2 replications";
        return row;
    }
    let mut se = e.half_width / student_t_975(e.n - 1);
    if !se.is_finite() {
        se = 0.0;
    }
    if let Kind::Probability(count) = f.kind {
        let per_rep = s
            .scope(ScopeKind::Type, "c")
            .and_then(|sc| sc.get(count))
            .map_or(0.0, |o| o.estimate.mean);
        let pooled = per_rep * f64::from(s.replications);
        let rare = f.exact.min(1.0 - f.exact);
        let seen_rare = if f.exact <= 0.5 { e.mean } else { 1.0 - e.mean };
        if seen_rare <= 0.0 && rare > 0.0 {
            // Every replication agrees (the event never happened, or always did): the
            // replications carry no error estimate. Rare events come in clumps — a long
            // excursion of the queue makes many contacts wait long — so the expected count
            // m = rare·N is spread over at most m_eff = m / (1 + λτ) independent episodes, one
            // per relaxation time. Seeing none fails when e^−m_eff is below the family-wide
            // tail.
            let clump = 1.0 + case.lambda * relaxation(case, model);
            let m_eff = rare * pooled / clump;
            row.se = 0.0;
            row.z = 0.0;
            if (-m_eff).exp() < TAIL {
                row.failed = true;
                row.note = "never seen";
            } else {
                row.note = "rare: never seen, as theory allows";
            }
            return row;
        }
        // Never below the error of independent contacts.
        se = se.max((f.exact * (1.0 - f.exact) / pooled).sqrt());
    }
    row.se = se;
    row.z = if se > 0.0 {
        (e.mean - f.exact) / se
    } else if (e.mean - f.exact).abs() <= 1e-12 * f.exact.abs() {
        0.0
    } else {
        f64::INFINITY
    };
    if !e.reliable {
        // The summary flags the figure: its events occurred in too few replications for the
        // interval (and so for z) to mean anything. Judge it against the absolute floor, or —
        // a mean over a subset of under 1% of contacts — not at all.
        let (_, _, floor) = target(f.kind, f.exact, case.large());
        if let Kind::Wait(Some(share)) = f.kind
            && share < 0.01
        {
            row.note = "skipped: too few events (flagged unreliable)";
        } else {
            row.note = "flagged unreliable: within the absolute floor";
            row.failed = (e.mean - f.exact).abs() > floor;
        }
        return row;
    }
    if row.z.is_nan() || row.z.abs() >= z_bound(e.n - 1) {
        row.failed = true;
    }
    let (scale, relative, floor) = target(f.kind, f.exact, case.large());
    let relative = relative * shortfall(model, case);
    row.detectable = Z_MAX * se / scale;
    if let Kind::Wait(Some(share)) = f.kind
        && share < 0.01
    {
        // A mean over under 1% of the contacts (the wait of abandoners where few abandon):
        // judged by its z, with no power target.
        row.note = "power: subset under 1%";
    } else if Z_MAX * se <= floor {
        row.target = Some(f64::INFINITY);
        row.note = "absolute floor";
    } else {
        row.target = Some(relative);
        if row.detectable > relative * se_noise(e.n - 1) {
            row.failed = true;
            row.note = "underpowered";
        }
    }
    row
}

/// A conservative standard error of the simulated share of immediate answers: the binomial
/// error of (1 − p0) over the pooled answered contacts, inflated as the simulated P(wait) is
/// over its own binomial error.
fn zero_share_se(s: &Summary, p0: f64) -> f64 {
    let t = s.scope(ScopeKind::Type, "c").expect("type scope");
    let answered = t.get("answered").map_or(0.0, |o| o.estimate.mean) * f64::from(s.replications);
    let offered = t.get("offered").map_or(0.0, |o| o.estimate.mean) * f64::from(s.replications);
    let binomial = |p: f64, n: f64| (p * (1.0 - p) / n).sqrt();
    let w = t.get("p_wait").expect("p_wait").estimate;
    let sim = w.half_width / student_t_975(w.n.saturating_sub(1));
    let inflation = (sim / binomial(w.mean, offered)).max(1.0);
    let inflation = if inflation.is_finite() { inflation } else { 1.0 };
    inflation * binomial(p0, answered)
}

fn format_rows(rows: &[&Row]) -> String {
    let mut out = String::new();
    for r in rows {
        let _ = writeln!(
            out,
            "{:28} {:28} exact {:>12.6} sim {:>12.6} se {:>10.3e} z {:>6.2} detectable {:>7.2}% target {:>6} {}",
            r.case,
            r.metric,
            r.exact,
            r.simulated,
            r.se,
            r.z,
            100.0 * r.detectable,
            match r.target {
                Some(t) if t.is_finite() => format!("{:.0}%", 100.0 * t),
                Some(_) => "floor".into(),
                None => "-".into(),
            },
            r.note
        );
    }
    out
}

/// The exact values the summary attaches (from the metrics table, `cxsim::metrics`) against
/// this suite's own: every figure the table gives a counterpart for must be compared here, and
/// with the same exact value — so a figure given an Erlang counterpart in the table cannot go
/// untested, and the table cannot attach a wrong value.
fn attached_theory_mismatches(s: &Summary, case: &Case, model: Model, figures: &[Figure]) -> Vec<String> {
    let mut out = Vec::new();
    for scope in &s.scopes {
        for m in &scope.metrics {
            let Some(attached) = m.theory else { continue };
            match figures.iter().find(|f| f.scope == scope.kind && f.metric == m.name) {
                None => out.push(format!(
                    "{model:?} {}: {} has an exact value in the summary but is not compared",
                    case.id, m.name
                )),
                Some(f) if (attached - f.exact).abs() > 1e-9 * f.exact.abs().max(1.0) => out.push(format!(
                    "{model:?} {}: {} attached {attached} vs {}",
                    case.id, m.name, f.exact
                )),
                Some(_) => {}
            }
        }
    }
    out
}

fn check(model: Model, select: impl Fn(&Case) -> bool) {
    let mut unmatched = Vec::new();
    let mut rows = Vec::new();
    let mut checked = 0;
    for case in cases().iter().filter(|c| select(c)) {
        let figures = match model {
            Model::B => erlang_b_figures(case),
            Model::C => match erlang_c_figures(case) {
                Some(f) => f,
                None => continue,
            },
            Model::A => erlang_a_figures(case),
        };
        let started = std::time::Instant::now();
        let s = simulate(case, model);
        let elapsed = started.elapsed().as_secs_f64();
        rows.extend(figures.iter().map(|f| judge(&s, case, model, f)));
        unmatched.extend(attached_theory_mismatches(&s, case, model, &figures));
        if std::env::var_os("CXSIM_THEORY_TABLE").is_some() {
            println!("TIME {model:?} {} {elapsed:.2}", case.id);
        }
        checked += 1;
    }
    assert!(checked > 0, "no case selected");
    if std::env::var_os("CXSIM_THEORY_TABLE").is_some() {
        println!("{}", format_rows(&rows.iter().collect::<Vec<_>>()));
    }
    assert!(
        unmatched.is_empty(),
        "the summary's exact values and this suite's differ:\n{}",
        unmatched.join("\n")
    );
    let failed: Vec<&Row> = rows.iter().filter(|r| r.failed).collect();
    assert!(
        failed.is_empty(),
        "{} of {} comparisons over {checked} cases fail (|z| ≥ {Z_MAX}, or less power than the target):\n{}",
        failed.len(),
        rows.len(),
        format_rows(&failed)
    );
}

/// The large cases run in the suite: the benchmark models and a spread of loads.
fn large_sample(c: &Case) -> bool {
    [
        "n500_rho0.95_s300_p600",
        "n1000_rho0.95_s300_p300",
        "n1000_rho1.05_s300_p60",
        "n2000_rho0.98_s300_p300",
    ]
    .contains(&c.id.as_str())
}

#[test]
fn loss_systems_match_erlang_b_for_every_small_and_medium_case() {
    check(Model::B, |c| c.n <= 50);
}

#[test]
fn loss_systems_match_erlang_b_for_a_sample_of_large_cases() {
    check(Model::B, large_sample);
}

#[test]
fn patient_queues_match_erlang_c_for_every_small_case() {
    check(Model::C, |c| c.n <= 5);
}

#[test]
fn patient_queues_match_erlang_c_for_every_medium_case() {
    check(Model::C, |c| (20..=50).contains(&c.n));
}

#[test]
fn patient_queues_match_erlang_c_for_a_sample_of_large_cases() {
    check(Model::C, large_sample);
}

#[test]
fn impatient_queues_match_erlang_a_for_every_small_case() {
    check(Model::A, |c| c.n <= 5);
}

#[test]
fn impatient_queues_match_erlang_a_for_every_medium_case() {
    check(Model::A, |c| (20..=50).contains(&c.n));
}

#[test]
fn impatient_queues_match_erlang_a_for_a_sample_of_large_cases() {
    check(Model::A, large_sample);
}

/// The exact figures the tests use agree with the independent reference file wherever the
/// file has them, including the percentiles derived here (checked through the tail
/// probabilities the file lists).
#[test]
fn the_exact_figures_agree_with_the_reference_file() {
    let close = |a: f64, b: f64, what: &str, id: &str| {
        assert!(
            (a - b).abs() <= 1e-9 * b.abs().max(1e-12),
            "{id} {what}: {a} vs reference {b}"
        );
    };
    for case in cases() {
        let j = &case.json;
        let id = case.id.as_str();
        let b = erlang_b_figures(&case);
        close(b[0].exact, j["erlang_b"]["blocking"].as_f64().unwrap(), "B", id);
        if let Some(c) = erlang_c_figures(&case) {
            let r = &j["erlang_c"];
            let get = |m: &str| c.iter().find(|f| f.metric == m).unwrap().exact;
            close(get("p_wait"), r["p_wait"].as_f64().unwrap(), "C p_wait", id);
            close(get("asa_all_s"), r["asa_s"].as_f64().unwrap(), "C asa", id);
            close(get("mean_queue"), r["mean_queue"].as_f64().unwrap(), "C Lq", id);
            close(get("occupancy"), r["occupancy"].as_f64().unwrap(), "C occupancy", id);
            for t in THRESHOLDS {
                let sl = r["service_level"][format!("{t}")]["sl"].as_f64().unwrap();
                close(get(&format!("sl_offered_{t}s")), sl, "C sl", id);
            }
            // The percentile leaves exactly 1 − p above it: C·e^−(nμ−λ)t_p = 1 − p.
            let ec = erlang::erlang_c(case.n, case.lambda, case.service).unwrap();
            for (p, name) in PERCENTILES {
                let q = get(name);
                if q > 0.0 {
                    close(ec.p_wait_gt(q), 1.0 - p, name, id);
                }
            }
        }
        let a = erlang_a_figures(&case);
        let r = &j["erlang_a"];
        let get = |m: &str| a.iter().find(|f| f.metric == m).unwrap().exact;
        for (m, key) in [
            ("p_wait", "p_wait"),
            ("p_abandon", "p_abandon"),
            ("asa_all_s", "asa_all_s"),
            ("asa_answered_s", "asa_served_s"),
            ("mean_queue", "mean_queue"),
            ("occupancy", "occupancy"),
        ] {
            close(get(m), r[key].as_f64().unwrap(), m, id);
        }
        let wa = r["mean_wait_abandoned_s"].as_f64().unwrap();
        assert!(
            (get("mean_wait_abandoned_s") - wa).abs() <= 1e-8 * wa.max(1e-12),
            "{id}"
        );
        for t in THRESHOLDS {
            let sl = &r["service_level"][format!("{t}")];
            for (m, key) in [
                ("sl_offered", "sl_offered"),
                ("sl_answered", "sl_answered"),
                ("sl_excl_short_abandons", "sl_excl_short_abandons"),
            ] {
                let want = sl[key].as_f64().unwrap();
                let got = get(&format!("{m}_{t}s"));
                assert!((got - want).abs() <= 1e-9, "{id} {m} {t}: {got} vs {want}");
            }
        }
        // Percentiles of answered waits: P(W ≤ q | served) = p where q > 0.
        let ea = erlang::erlang_a(case.n, case.lambda, case.service, case.patience);
        for (p, name) in PERCENTILES {
            let q = get(name);
            if q > 0.0 {
                assert!((ea.sl_answered(q) - p).abs() <= 1e-9, "{id} {name}");
            } else {
                assert!(ea.sl_answered(0.0) >= p, "{id} {name}");
            }
        }
    }
}

#[test]
fn an_infinite_server_system_never_waits() {
    let s = run(
        &scenario(
            r#"
[simulation]
horizon = "20h"
replications = 5
[[contact_types]]
name = "c"
arrivals = { rate = "0.5/s" }
handle_time = { dist = "lognormal", mean = "5m", cv = 2.0 }
[[agent_groups]]
name = "g"
serves = ["c"]
headcount = 100000
"#,
        ),
        1,
    );
    let t = s.scope(ScopeKind::Type, "c").unwrap();
    assert_eq!(t.get("p_wait").unwrap().estimate.mean, 0.0);
    assert_eq!(t.get("asa_all_s").unwrap().estimate.mean, 0.0);
    assert_eq!(t.get("sl_offered_20s").unwrap().estimate.mean, 1.0);
}
