//! Erlang B, C and A: exact M/M/n/n, M/M/n and M/M/n+M figures in log space, stable to thousands of agents.
//!
//! A port of the reference implementation `erlang_ref.py`, which produced the 72 reference
//! cases in `tests/fixtures/erlang_ref.json`. Units throughout: times in seconds, rates per
//! second, offered load in Erlangs. Notation: `n` agents, arrival rate `λ`, service rate
//! `μ = 1/mean_service`, abandonment rate `θ = 1/mean_patience`, offered load `a = λ/μ`,
//! `ρ = a/n`, and for Erlang A `X = λ/θ`, `Y = nμ/θ`.
//!
//! * **Erlang B** (M/M/n/n) \[ErlangB\]: the recursion on the inverse,
//!   `1/B(0) = 1`, `1/B(k) = 1 + (k/a)/B(k-1)`, carried in log space,
//!   `L(k) = ln(1/B(k)) = logaddexp(0, ln(k/a) + L(k-1))`: every step adds two positive
//!   numbers, so there is no cancellation and no overflow. Beyond 100 000 agents the same
//!   `1/B = Σ_{m≤n} n!/((n-m)! a^m)` is summed around its largest term only, so the work
//!   is O(√a) rather than O(n).
//! * **Erlang C** (M/M/n, FCFS, infinite patience, `ρ < 1`): `C = P(W > 0) = nB/(n - a(1 - B))`
//!   (as `ln C = ln B + ln n - ln(n - a + aB)`), `P(W > t) = C e^{-(nμ-λ)t}`,
//!   `ASA = E[W] = C/(nμ - λ)`, `Lq = λ ASA` (Little), occupancy `a/n`.
//! * **Erlang A** (M/M/n+M, exponential patience, FCFS, no retrials, any `ρ`) \[GMR02\]:
//!   with `t_j = X^j / ∏_{i=1..j}(Y + i)` the stationary law is `π_{n+j} = π_n t_j` and
//!   `π_k = π_n n!/(k! a^{n-k})` for `k ≤ n`, so `π_n = 1/(S + J)` with `S = 1/B - 1` and
//!   `J = Σ_j t_j = A(Y, X)`, where
//!   `A(x, y) = (x e^y / y^x) γ(x, y) = 1 + Σ_{j≥1} y^j / ∏_{k=1..j}(x + k)`
//!   (`γ` the lower incomplete gamma function). Then `P(W > 0) = π_n J`,
//!   `E[Q] = π_n Σ j t_j` and `E[W] = E[Q]/λ` (Little). A caller who finds `j` others
//!   waiting is served with probability `Y/(Y+j+1)`; his mean wait, if served, is
//!   `(Y/(Y+j+1)) H_j/θ` with `H_j = Σ_{i=1..j+1} 1/(Y+i)` and, if he abandons,
//!   `G_j/((Y+j+1)θ)` with `G_j = Σ_{i=1..j+1} i/(Y+i)`, so
//!   `P(Ab) = π_n Σ t_j (j+1)/(Y+j+1) = θ E[Q]/λ`. The offered ("virtual") wait `V` has
//!   density `f_V(v) = nμ π_n exp(λ(1 - e^{-θv})/θ - nμv)` for `v > 0` (\[ZM05\] Sec. 2), and
//!   integrating it with `z = e^{-θt}`, `w = Xz` gives
//!   `P(V > t) = π_n e^{X(1-z)} z^Y A(Y, w)`,
//!   `P(served, W > t) = π_n e^{X(1-z)} z^{Y+1} (Y/(Y+1)) A(Y+1, w)` and
//!   `P(abandoned, W > t) = π_n e^{X(1-z)} z^{Y+1} D(Y, w)` with
//!   `D(Y, w) = Σ_{j≥0} (j+1) w^j / ∏_{i=1..j+1}(Y+i)` \[GMR02, MZ07\].
//!
//! Every series is summed around its largest term and scaled by it, so nothing overflows
//! or underflows even where `γ(Y, X)/Γ(Y)` is below 1e-500 (n = 2000, ρ = 0.5). Terms below
//! `e^-46 ≈ 1e-20` of a sum are dropped and results below the smallest normal double
//! (about 2.2e-308) are flushed to 0, as in the reference. Against the 72 reference cases
//! every figure agrees to about 1e-13 relative, except `E[W | abandoned]` (about 1e-11:
//! it is summed here term by term, where the reference subtracts two means) and service
//! levels close to 0, which are differences of numbers near 1 and agree to about 1e-14 in
//! absolute terms. Service levels are held to `[0, 1]` against rounding.
//!
//! When `X = λ/θ` exceeds about 2.7e8 (patience of years, with `ρ >= 1` or within about
//! 1e-4 of it) the Erlang A series is summed by the trapezoidal rule on about 512 points
//! per width of its peak, with the Euler–Maclaurin correction at `j = 0`; the figures then
//! stay accurate to about 1e-10 and the work stays below a few milliseconds. Inputs whose
//! derived quantities overflow a double (`a`, `X` or `Y` infinite), or whose queue is so
//! long that a double cannot index it (`X - Y` above about 1e25), give NaN figures; no
//! finite positive input panics or runs for long.
//!
//! References
//! * \[ErlangB\] A.K. Erlang (1917); G. Koole, *Call Center Optimization*, MG books 2013, ch. 5.
//! * \[GMR02\] O. Garnett, A. Mandelbaum, M. Reiman, "Designing a call center with impatient
//!   customers", *Manufacturing & Service Operations Management* 4(3):208–227, 2002, Sec. 4
//!   and Appendix.
//! * \[ZM05\] S. Zeltyn, A. Mandelbaum, "Call centers with impatient customers: many-server
//!   asymptotics of the M/M/n+G queue", *Queueing Systems* 51:361–402, 2005, Sec. 2.
//! * \[MZ07\] A. Mandelbaum, S. Zeltyn, "The M/M/n+G queue: summary of performance measures",
//!   technical note, Technion, 2007.

use std::ops::{Add, Mul, Sub};

/// Series terms below `e^LOG_CUT` (about 1e-20) of the sum are dropped.
const LOG_CUT: f64 = -46.0;

/// `exp(x)` for `x` at or below this (about the smallest normal double) is flushed to 0.
const LOG_SMALLEST_NORMAL: f64 = -708.0;

/// Up to this many agents Erlang B runs the O(n) recursion of the reference; beyond it,
/// the O(√a) sum around the largest term.
const RECURSION_MAX_AGENTS: u32 = 100_000;

/// Peak widths (in terms) up to which the Erlang A series is summed term by term.
const EXACT_WIDTH_MAX: f64 = 16_384.0;

/// Grid points per peak width when the Erlang A series is summed by the trapezoidal rule.
const POINTS_PER_WIDTH: f64 = 512.0;

/// Bound on the terms or grid points of any one series: a guard, never reached for
/// finite inputs (which need at most about 1.5 million).
const MAX_POINTS: usize = 1 << 23;

/// Sums of at most this many terms are added up one by one in the special-function helpers.
const DIRECT_MAX: f64 = 24.0;

/// Smallest argument at which the Stirling and digamma asymptotic series are used.
const ASYMPTOTIC_MIN: f64 = 16.0;

/// `(k, c_k)` of Stirling's series `ln Γ(x) - ((x-½) ln x - x + ½ ln 2π) = Σ c_k x^-k`,
/// truncated with error below 1e-16 for `x >= 16`.
const STIRLING_SERIES: [(i32, f64); 5] = [
    (1, 1.0 / 12.0),
    (3, -1.0 / 360.0),
    (5, 1.0 / 1260.0),
    (7, -1.0 / 1680.0),
    (9, 1.0 / 1188.0),
];

/// `(k, c_k)` of the digamma series `ψ(x) - ln x = Σ c_k x^-k`, truncated with error below
/// 1e-16 for `x >= 16`.
const DIGAMMA_SERIES: [(i32, f64); 6] = [
    (1, -1.0 / 2.0),
    (2, -1.0 / 12.0),
    (4, 1.0 / 120.0),
    (6, -1.0 / 252.0),
    (8, 1.0 / 240.0),
    (10, -1.0 / 132.0),
];

// ---------------------------------------------------------------------------------------
// Erlang B
// ---------------------------------------------------------------------------------------

/// Erlang B blocking probability of M/M/n/n with offered load `a` Erlangs.
///
/// `agents = n >= 0` (B = 1 for n = 0), `offered_load = a = λ/μ >= 0` Erlangs (B = 0 for
/// a = 0 and n >= 1). The result is in `[0, 1]`; values below about 2.2e-308 are returned
/// as 0. Work is O(n) up to 100 000 agents and O(√a) beyond.
pub fn erlang_b(agents: u32, offered_load: f64) -> f64 {
    debug_assert!(offered_load >= 0.0, "offered load must be >= 0, got {offered_load}");
    exp_flushed(-log_inverse_erlang_b(agents, offered_load))
}

/// `ln(1/B(n, a)) >= 0`, finite for every `n >= 1`, `a > 0`.
fn log_inverse_erlang_b(n: u32, a: f64) -> f64 {
    if a.is_nan() {
        f64::NAN
    } else if n == 0 {
        0.0
    } else if a <= 0.0 {
        f64::INFINITY
    } else if n <= RECURSION_MAX_AGENTS {
        log_inverse_erlang_b_by_recursion(n, a)
    } else {
        log_inverse_erlang_b_by_series(n, a)
    }
}

/// `ln(1/B(n, a))` by the reference recursion `L(k) = logaddexp(0, ln k - ln a + L(k-1))`.
fn log_inverse_erlang_b_by_recursion(n: u32, a: f64) -> f64 {
    let log_a = a.ln();
    (1..=n).fold(0.0, |l, k| log_add_exp(0.0, f64::from(k).ln() - log_a + l))
}

/// `ln(1/B(n, a)) = ln Σ_{m=0..n} u_m` with `u_m = ∏_{i<m} (n-i)/a`, summed around the
/// largest term `u_p` only: the terms rise while `(n-m+1)/a >= 1`, then fall off like a
/// Gaussian of width about √a.
fn log_inverse_erlang_b_by_series(n: u32, a: f64) -> f64 {
    let n = f64::from(n);
    let n_minus_a = n - a;
    let peak = (n_minus_a + 1.0).floor().clamp(0.0, n);
    // ln(u_m / u_p) = -Σ_{k=1..p-m} ln((n-p+k)/a) for m <= p
    let log_below_peak = |m: f64| -log_rising_over_power(n - peak, n_minus_a - peak, peak - m, a);
    let log_peak = -log_below_peak(0.0);

    let mut start = 0.0;
    let mut distance = (8.0 * (a.sqrt() + 1.0)).ceil();
    for _ in 0..64 {
        if distance >= peak {
            break;
        }
        let m = peak - distance;
        // below m the terms fall by a factor q = a/(n-m+1) < 1 or more per step
        let q_over_one_minus_q = a / (n_minus_a - m + 1.0);
        if log_below_peak(m) + q_over_one_minus_q.ln() < LOG_CUT {
            start = m;
            break;
        }
        distance *= 2.0;
    }

    let cut = LOG_CUT.exp();
    let mut log_rel = log_below_peak(start);
    let mut m = start;
    let mut others = 0.0; // Σ u_m/u_p over m != p, so that ln(1 + others) keeps tiny sums
    for _ in 0..MAX_POINTS {
        let term = log_rel.exp();
        if m != peak {
            others += term;
        }
        if m >= n {
            break;
        }
        // after the peak the terms fall by a factor r = (n-m)/a < 1 or more per step
        let r_over_one_minus_r = (n - m) / (m - n_minus_a);
        if m >= peak && term * r_over_one_minus_r <= cut * (1.0 + others) {
            break;
        }
        log_rel += ((n - m) / a).ln();
        m += 1.0;
    }
    log_peak + others.ln_1p()
}

// ---------------------------------------------------------------------------------------
// Erlang C
// ---------------------------------------------------------------------------------------

/// Erlang C (M/M/n, FCFS, infinite patience). None when rho >= 1 (unstable).
///
/// `agents = n >= 1`, `arrival_rate = λ > 0` per second, `mean_service = 1/μ > 0` seconds.
/// Returns `None` when `ρ = λ/(nμ) >= 1` (no steady state), also when `nμ - λ` rounds to 0.
pub fn erlang_c(agents: u32, arrival_rate: f64, mean_service: f64) -> Option<ErlangC> {
    debug_assert!(agents >= 1, "erlang_c needs at least one agent");
    debug_assert!(arrival_rate > 0.0, "arrival rate must be > 0, got {arrival_rate}");
    debug_assert!(mean_service > 0.0, "mean service must be > 0, got {mean_service}");
    let n = f64::from(agents);
    let mu = 1.0 / mean_service;
    let a = arrival_rate / mu;
    let rho = a / n;
    let drain_rate = drain_rate(agents, arrival_rate, mean_service);
    if !(rho < 1.0 && drain_rate > 0.0) {
        return None;
    }
    let log_b = -log_inverse_erlang_b(agents, a);
    let b = exp_flushed(log_b);
    let p_wait = exp_flushed(log_b + n.ln() - (n - a + a * b).ln());
    let asa = p_wait / drain_rate;
    Some(ErlangC {
        agents,
        arrival_rate,
        mean_service,
        p_wait,
        asa,
        mean_queue: arrival_rate * asa,
        occupancy: rho,
    })
}

/// Steady-state figures of the M/M/n queue (Erlang C). Invariants: `0 <= p_wait <= 1`,
/// `asa = p_wait / (nμ - λ)`, `mean_queue = λ asa`, `occupancy = λ/(nμ) < 1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangC {
    /// Number of agents `n`.
    pub agents: u32,
    /// Arrival rate `λ`, calls per second.
    pub arrival_rate: f64,
    /// Mean service (handle) time `1/μ`, seconds.
    pub mean_service: f64,
    /// `P(W > 0)`: the Erlang C probability that an arrival waits.
    pub p_wait: f64,
    /// `E[W]` over all arrivals (average speed of answer), seconds.
    pub asa: f64,
    /// Time-average number of callers waiting.
    pub mean_queue: f64,
    /// Fraction of agent time busy, `a/n = λ/(nμ)`.
    pub occupancy: f64,
}

impl ErlangC {
    /// P(W <= t) over all arrivals.
    ///
    /// `t >= 0` seconds (a negative `t` is treated as 0).
    pub fn service_level(&self, t: f64) -> f64 {
        1.0 - self.p_wait_gt(t)
    }

    /// P(W > t).
    ///
    /// `= p_wait e^{-(nμ-λ)t}` for `t >= 0` seconds (a negative `t` is treated as 0); values
    /// below about 2.2e-308 are returned as 0.
    pub fn p_wait_gt(&self, t: f64) -> f64 {
        debug_assert!(t >= 0.0, "threshold must be >= 0 s, got {t}");
        let drain_rate = drain_rate(self.agents, self.arrival_rate, self.mean_service);
        let miss = self.p_wait * (-drain_rate * t.max(0.0)).exp();
        if miss < f64::MIN_POSITIVE { 0.0 } else { miss }
    }
}

/// `nμ - λ` per second: the rate at which the M/M/n queue drains while all agents are busy.
fn drain_rate(agents: u32, arrival_rate: f64, mean_service: f64) -> f64 {
    f64::from(agents) * (1.0 / mean_service) - arrival_rate
}

// ---------------------------------------------------------------------------------------
// Erlang A
// ---------------------------------------------------------------------------------------

/// Erlang A (M/M/n+M: exponential patience with mean `mean_patience`), any rho.
///
/// `agents = n >= 1`, `arrival_rate = λ > 0` per second, `mean_service = 1/μ > 0` seconds,
/// `mean_patience = 1/θ > 0` seconds. FCFS, abandoned callers do not retry. Valid for every
/// `ρ`, also overloaded systems (`ρ >= 1`).
pub fn erlang_a(agents: u32, arrival_rate: f64, mean_service: f64, mean_patience: f64) -> ErlangA {
    debug_assert!(agents >= 1, "erlang_a needs at least one agent");
    debug_assert!(arrival_rate > 0.0, "arrival rate must be > 0, got {arrival_rate}");
    debug_assert!(mean_service > 0.0, "mean service must be > 0, got {mean_service}");
    debug_assert!(mean_patience > 0.0, "mean patience must be > 0, got {mean_patience}");
    let n = f64::from(agents);
    let mu = 1.0 / mean_service;
    let theta = 1.0 / mean_patience;
    let a = arrival_rate / mu;
    let x = arrival_rate / theta;
    let y = n * mu / theta;

    // S = Σ_{k<n} π_k/π_n = 1/B - 1
    let log_s = log_expm1(log_inverse_erlang_b(agents, a));
    let series = queue_series(y, x);
    let sums = series.sums;
    // ln(J/S), J = t_p Σ_j t_j/t_p
    let log_j_over_s = series.log_peak + sums.total.ln() - log_s;
    // ln(π_n t_p) with π_n = 1/(S + J)
    let log_pin_peak = -sums.total.ln() - log_add_exp(0.0, -log_j_over_s);
    let share = |sum: f64| exp_flushed(log_pin_peak + sum.ln());

    let p_wait = share(sums.total);
    let p_abandon = share(sums.abandoned);
    // P(served) = P(W = 0) + P(served, W > 0) = S/(S + J) + π_n Σ t_j Y/(Y+j+1)
    let p_served = exp_flushed(-log_add_exp(0.0, log_j_over_s)) + share(sums.served);
    let wait_served = exp_flushed(log_pin_peak + sums.served_wait.ln() - theta.ln());
    let wait_abandoned = exp_flushed(log_pin_peak + sums.abandoned_wait.ln() - theta.ln());
    ErlangA {
        agents,
        arrival_rate,
        mean_service,
        mean_patience,
        p_wait,
        p_abandon,
        asa_all: exp_flushed(log_pin_peak + sums.abandoned.ln() - theta.ln()),
        asa_served: if p_served > 0.0 { wait_served / p_served } else { 0.0 },
        mean_wait_abandoned: if p_abandon > 0.0 {
            wait_abandoned / p_abandon
        } else {
            0.0
        },
        mean_queue: share(sums.length),
        occupancy: arrival_rate * p_served / (n * mu),
        x,
        y,
        theta,
        log_pin_peak,
        p_served,
    }
}

/// Steady-state figures of the M/M/n+M queue (Erlang A). Probabilities are over all
/// arrivals unless stated. `W` is the time from arrival until an agent answers or, for a
/// caller who abandons, until he hangs up; `V` is the wait he would have with infinite
/// patience. Invariants: probabilities in `[0, 1]`,
/// `asa_all = p_abandon × mean_patience = mean_queue / λ` and
/// `asa_all = (1 - p_abandon) asa_served + p_abandon mean_wait_abandoned`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErlangA {
    /// Number of agents `n`.
    pub agents: u32,
    /// Arrival rate `λ`, calls per second.
    pub arrival_rate: f64,
    /// Mean service (handle) time `1/μ`, seconds.
    pub mean_service: f64,
    /// Mean patience `1/θ`, seconds (exponentially distributed).
    pub mean_patience: f64,
    /// `P(W > 0)`: an arrival finds all agents busy.
    pub p_wait: f64,
    /// `P(abandon)`.
    pub p_abandon: f64,
    /// `E[W]` over all arrivals, seconds: abandoners count with their time to abandon,
    /// immediate answers as 0.
    pub asa_all: f64,
    /// `E[W | served]`, seconds (answered calls, zero waits included; 0 when the
    /// probability of being served underflows to 0).
    pub asa_served: f64,
    /// `E[W | abandoned]`, seconds (0 when `p_abandon` is 0, as in the reference).
    pub mean_wait_abandoned: f64,
    /// Time-average number of callers waiting.
    pub mean_queue: f64,
    /// Fraction of agent time busy: throughput `λ(1 - p_abandon)` over `nμ`.
    pub occupancy: f64,
    /// `X = λ/θ`.
    x: f64,
    /// `Y = nμ/θ`.
    y: f64,
    /// Abandonment rate `θ = 1/mean_patience`, per second.
    theta: f64,
    /// `ln(π_n t_p)`: `π_n` the probability of exactly `n` callers in the system, `t_p` the
    /// largest term of the series at `(Y, X)`.
    log_pin_peak: f64,
    /// `P(served) = 1 - p_abandon`, summed without cancellation.
    p_served: f64,
}

impl ErlangA {
    /// P(served AND W <= t): denominator all arrivals; every abandonment is a miss.
    ///
    /// `t >= 0` seconds (a negative `t` is treated as 0), as for every method below; all of
    /// them return probabilities in `[0, 1]`. Each call sums one series at `w = X e^{-θt}`:
    /// microseconds to a few milliseconds.
    pub fn sl_offered(&self, t: f64) -> f64 {
        (self.p_served - self.wait_tails(t).served).max(0.0)
    }

    /// P(W <= t | served): denominator answered calls.
    pub fn sl_answered(&self, t: f64) -> f64 {
        (1.0 - self.wait_tails(t).served / self.p_served).max(0.0)
    }

    /// P(served, W<=t) / (1 - P(abandoned, W<=t)): callers who hung up within `t` are left
    /// out of numerator and denominator.
    pub fn sl_excl_short_abandons(&self, t: f64) -> f64 {
        let tails = self.wait_tails(t);
        // 1 - P(abandoned, W <= t) = P(served) + P(abandoned, W > t)
        (self.p_served - tails.served).max(0.0) / (self.p_served + tails.abandoned)
    }

    /// P(V <= t), `V` the offered wait (the wait the caller would have with infinite
    /// patience).
    pub fn sl_virtual(&self, t: f64) -> f64 {
        (1.0 - self.wait_tails(t).virtual_wait).max(0.0)
    }

    /// P(abandoned AND W <= t).
    pub fn p_abandon_within(&self, t: f64) -> f64 {
        (self.p_abandon - self.wait_tails(t).abandoned).max(0.0)
    }

    /// P(served AND W > t); `1 - sl_offered(t) = p_abandon + p_served_wait_gt(t)`.
    pub fn p_served_wait_gt(&self, t: f64) -> f64 {
        self.wait_tails(t).served
    }

    /// `P(V > t)`, `P(served, W > t)` and `P(abandoned, W > t)` from one series at
    /// `w = X z`, `z = e^{-θt}` \[GMR02\], held to their bounds `P(W > 0)`, `P(served)` and
    /// `P(abandoned)` against rounding.
    fn wait_tails(&self, t: f64) -> WaitTails {
        debug_assert!(t >= 0.0, "threshold must be >= 0 s, got {t}");
        let (x, y) = (self.x, self.y);
        let log_z = -self.theta * t.max(0.0);
        let w = x * log_z.exp();
        let series = queue_series(y, w);
        // ln(t_q(w) / t_p(X)) for the largest terms t_q at w and t_p at X (q <= p), from
        // t_j(w) = z^j t_j(X): relative, so that no large logarithm is subtracted
        let (p, q) = (largest_term_index(y, x), largest_term_index(y, w));
        let log_peak_shift = power_of(q, log_z) + log_term_drop(y, x, q, p - q);
        // ln(π_n e^{X(1-z)} t_q(w))
        let log_common = self.log_pin_peak + x * -log_z.exp_m1() + log_peak_shift;
        let log_after_wait = log_common + power_of(y + 1.0, log_z);
        WaitTails {
            virtual_wait: exp_flushed(log_common + power_of(y, log_z) + series.sums.total.ln()).min(self.p_wait),
            served: exp_flushed(log_after_wait + series.sums.served.ln()).min(self.p_served),
            abandoned: exp_flushed(log_after_wait + series.sums.abandoned.ln()).min(self.p_abandon),
        }
    }
}

/// Tail probabilities of the wait at one threshold `t`.
struct WaitTails {
    /// `P(V > t)`.
    virtual_wait: f64,
    /// `P(served, W > t)`.
    served: f64,
    /// `P(abandoned, W > t)`.
    abandoned: f64,
}

// ---------------------------------------------------------------------------------------
// The Erlang A queue series t_j = w^j / ∏_{i=1..j}(Y + i)
// ---------------------------------------------------------------------------------------

/// The weighted sums of the series `t_j = w^j / ∏_{i=1..j}(Y+i)`, `j >= 0`, each divided
/// by its largest term `t_p`.
#[derive(Debug, Clone, Copy)]
struct QueueSeries {
    /// `ln t_p`, the log of the largest term.
    log_peak: f64,
    /// The sums, divided by `t_p`.
    sums: Moments,
}

/// Sums over `j` of `t_j` times the weights below (or one term's share of them).
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    /// `Σ t_j`, i.e. `A(Y, w)`.
    total: f64,
    /// `Σ j t_j`.
    length: f64,
    /// `Σ t_j Y/(Y+j+1)`, i.e. `(Y/(Y+1)) A(Y+1, w)`: served after waiting.
    served: f64,
    /// `Σ t_j (j+1)/(Y+j+1)`, i.e. `D(Y, w)`: abandoned after waiting.
    abandoned: f64,
    /// `Σ t_j Y/(Y+j+1) H_j`: `θ E[W; served]` per state.
    served_wait: f64,
    /// `Σ t_j G_j/(Y+j+1)`: `θ E[W; abandoned]` per state.
    abandoned_wait: f64,
}

impl Moments {
    const UNDEFINED: Self = Self {
        total: f64::NAN,
        length: f64::NAN,
        served: f64::NAN,
        abandoned: f64::NAN,
        served_wait: f64::NAN,
        abandoned_wait: f64::NAN,
    };
}

impl Add for Moments {
    type Output = Self;
    fn add(self, o: Self) -> Self {
        Self {
            total: self.total + o.total,
            length: self.length + o.length,
            served: self.served + o.served,
            abandoned: self.abandoned + o.abandoned,
            served_wait: self.served_wait + o.served_wait,
            abandoned_wait: self.abandoned_wait + o.abandoned_wait,
        }
    }
}

impl Sub for Moments {
    type Output = Self;
    fn sub(self, o: Self) -> Self {
        self + o * -1.0
    }
}

impl Mul<f64> for Moments {
    type Output = Self;
    fn mul(self, k: f64) -> Self {
        Self {
            total: self.total * k,
            length: self.length * k,
            served: self.served * k,
            abandoned: self.abandoned * k,
            served_wait: self.served_wait * k,
            abandoned_wait: self.abandoned_wait * k,
        }
    }
}

/// One point `j` of the series, with `ln(t_j/t_p)` and the running sums
/// `H_j = Σ_{i=1..j+1} 1/(Y+i)` and `G_j = Σ_{i=1..j+1} i/(Y+i)`.
#[derive(Debug, Clone, Copy)]
struct Cursor {
    j: f64,
    log_rel: f64,
    harmonic: f64,
    positions: f64,
}

impl Cursor {
    /// The point `j <= p` (`p` the index of the largest term).
    fn below_peak(y: f64, w: f64, peak: f64, j: f64) -> Self {
        Self {
            j,
            log_rel: log_term_drop(y, w, j, peak - j),
            harmonic: harmonic_sum(y, j + 1.0),
            positions: position_sum(y, -1.0, j + 1.0),
        }
    }

    /// The point `step` indices further on.
    fn advance(self, y: f64, w: f64, step: f64) -> Self {
        Self {
            j: self.j + step,
            log_rel: self.log_rel - log_term_drop(y, w, self.j, step),
            harmonic: self.harmonic + harmonic_sum(y + self.j + 1.0, step),
            positions: self.positions + position_sum(y, self.j, step),
        }
    }

    /// This term's contribution `t_j/t_p × weight` to each sum.
    fn moments(&self, y: f64) -> Moments {
        let term = self.log_rel.exp();
        let next = y + self.j + 1.0;
        Moments {
            total: term,
            length: self.j * term,
            served: y / next * term,
            abandoned: (self.j + 1.0) / next * term,
            served_wait: y / next * self.harmonic * term,
            abandoned_wait: self.positions / next * term,
        }
    }
}

/// The series at `(Y, w)`: term by term when its peak is at most [`EXACT_WIDTH_MAX`]
/// terms wide (always for contact-center sizes), else by the trapezoidal rule.
fn queue_series(y: f64, w: f64) -> QueueSeries {
    let width = peak_width(y, w, largest_term_index(y, w));
    let step = if width <= EXACT_WIDTH_MAX {
        1.0
    } else {
        (width / POINTS_PER_WIDTH).floor()
    };
    queue_series_on_grid(y, w, step)
}

/// `p = max(0, ⌊w - Y⌋)`: `t_j/t_{j-1} = w/(Y+j) >= 1` exactly when `j <= w - Y`.
fn largest_term_index(y: f64, w: f64) -> f64 {
    (w - y).floor().max(0.0)
}

/// Number of terms over which the series changes by a factor `e` near its largest term:
/// the smaller of the Gaussian width `√(Y+p+1)` and the decay length `1/|ln(w/(Y+p+1))|`.
fn peak_width(y: f64, w: f64, peak: f64) -> f64 {
    let next = y + peak + 1.0;
    next.sqrt().min(1.0 / (w / next).ln().abs())
}

/// The series summed on the grid `j = s, s+step, s+2 step, …` (`step` a whole number >= 1;
/// `step = 1` is the exact sum). The grid starts where the terms below are negligible, or
/// at 0 with the Euler–Maclaurin correction, and stops once the tail is negligible.
/// Undefined (NaN) when the inputs are not finite or a double cannot step past the peak.
fn queue_series_on_grid(y: f64, w: f64, step: f64) -> QueueSeries {
    let peak = largest_term_index(y, w);
    let valid = y.is_finite() && y >= 0.0 && w.is_finite() && w >= 0.0 && step >= 1.0;
    if !valid || peak + step == peak {
        return QueueSeries {
            log_peak: f64::NAN,
            sums: Moments::UNDEFINED,
        };
    }
    let log_peak = -log_term_drop(y, w, 0.0, peak);
    let start = negligible_below(y, w, peak, step);
    let first = Cursor::below_peak(y, w, peak, start);

    let mut cursor = first;
    let mut sums = Moments::default();
    for _ in 0..MAX_POINTS {
        let share = cursor.moments(y);
        sums = sums + share;
        if cursor.j >= peak && tail_is_negligible(y, w, cursor.j, share.total, &sums, step) {
            break;
        }
        cursor = cursor.advance(y, w, step);
    }
    let mut sums = sums * step;
    if step > 1.0 && start == 0.0 {
        sums = sums - euler_maclaurin_correction(y, w, first, step);
    }
    QueueSeries { log_peak, sums }
}

/// The first grid index: 0, or an index `s < p` below which the terms, which rise by a
/// factor `1/q = w/(Y+s) > 1` or more per step up to `s`, sum to less than `e^LOG_CUT t_p`.
fn negligible_below(y: f64, w: f64, peak: f64, step: f64) -> f64 {
    let width = peak_width(y, w, peak);
    let mut distance = (8.0 * width / step).ceil().max(1.0) * step;
    for _ in 0..64 {
        let start = peak - distance;
        if start <= 0.0 {
            return 0.0;
        }
        let q_over_one_minus_q = (y + start) / -((y - w) + start);
        if log_term_drop(y, w, start, distance) + q_over_one_minus_q.ln() < LOG_CUT {
            return start;
        }
        distance *= 2.0;
    }
    0.0
}

/// Whether the terms after `j >= p`, which fall by a factor `r = w/(Y+j+1) < 1` or more
/// per index, add less than `e^LOG_CUT` to both `Σ t_j` and `Σ j t_j`.
fn tail_is_negligible(y: f64, w: f64, j: f64, term: f64, sums: &Moments, step: f64) -> bool {
    let excess = (y - w) + j + 1.0; // (Y+j+1) - w > 0 past the peak
    if excess.is_nan() || excess <= 0.0 {
        return false;
    }
    let one_minus_r = excess / (y + j + 1.0);
    let tail_total = term * w / excess;
    let tail_length = tail_total * (j + 1.0 / one_minus_r);
    let cut = LOG_CUT.exp() * step;
    tail_total <= cut * sums.total && tail_length <= cut * sums.length
}

/// `Σ_{j>=0} f(j) = step Σ_k f(k step) - (step-1)/2 f(0) + (step²-1)/12 f'(0) - …`: the part
/// to subtract from the trapezoidal sum, with `f'(0)` from the exact terms at 0, 1 and 2.
fn euler_maclaurin_correction(y: f64, w: f64, first: Cursor, step: f64) -> Moments {
    let second = first.advance(y, w, 1.0);
    let third = second.advance(y, w, 1.0);
    let f0 = first.moments(y);
    let slope = (second.moments(y) * 4.0 - f0 * 3.0 - third.moments(y)) * 0.5;
    f0 * ((step - 1.0) / 2.0) - slope * ((step * step - 1.0) / 12.0)
}

/// `ln(t_j / t_{j+d}) = Σ_{i=j+1..j+d} ln((Y+i)/w)`.
fn log_term_drop(y: f64, w: f64, j: f64, d: f64) -> f64 {
    log_rising_over_power(y + j, (y - w) + j, d, w)
}

// ---------------------------------------------------------------------------------------
// Small numeric helpers
// ---------------------------------------------------------------------------------------

/// `exp(x)`, flushed to 0 below about the smallest normal double (as the reference does)
/// instead of returning a subnormal with few significant digits.
fn exp_flushed(x: f64) -> f64 {
    if x > LOG_SMALLEST_NORMAL || x.is_nan() {
        x.exp()
    } else {
        0.0
    }
}

/// `ln(z^k) = k ln z`, taking `z^0 = 1` also for `z = 0`.
fn power_of(k: f64, log_z: f64) -> f64 {
    if k == 0.0 { 0.0 } else { k * log_z }
}

/// `ln(e^x + e^y)` without overflow.
fn log_add_exp(x: f64, y: f64) -> f64 {
    if x == f64::NEG_INFINITY {
        return y;
    }
    if y == f64::NEG_INFINITY {
        return x;
    }
    x.max(y) + (-(x - y).abs()).exp().ln_1p()
}

/// `ln(e^x - 1)` for `x >= 0`, accurate for small and large `x`.
fn log_expm1(x: f64) -> f64 {
    if x > 36.0 {
        x + (-(-x).exp()).ln_1p()
    } else {
        x.exp_m1().ln()
    }
}

/// `ln(1 + x) - x` for `x > -1`, accurate near 0 (via `ln(1+x) = 2 atanh(x/(2+x))`).
fn log1pmx(x: f64) -> f64 {
    if x.abs() > 0.5 {
        return x.ln_1p() - x;
    }
    let s = x / (2.0 + x);
    let s2 = s * s;
    let mut power = s * s2;
    let mut odd = 3.0;
    let mut series = 0.0;
    for _ in 0..64 {
        let term = power / odd;
        series += term;
        if term.abs() <= 1e-17 * series.abs() {
            break;
        }
        power *= s2;
        odd += 2.0;
    }
    // x - 2s = s x
    2.0 * series - s * x
}

/// `ln(v/w)` given also `v - w`: through `ln_1p((v-w)/w)` when `v` is close to `w`.
fn log_ratio(v: f64, v_minus_w: f64, w: f64) -> f64 {
    if v_minus_w.abs() <= 0.5 * w {
        (v_minus_w / w).ln_1p()
    } else {
        (v / w).ln()
    }
}

/// `Σ_{i=1..d} ln((u+i)/w) = ln Γ(u+d+1) - ln Γ(u+1) - d ln w` for a whole `d >= 0`;
/// `u_minus_w = u - w` is passed separately so that it can be exact when `u ≈ w`.
///
/// Short sums are added term by term; long ones use Stirling's series in the form
/// `(a - ½) log1pmx(d/a) - d/(2a) + d ln(b/w) + c(b) - c(a)`, `a = u+1`, `b = a+d`, in
/// which the O(d) parts cancel analytically.
fn log_rising_over_power(u: f64, u_minus_w: f64, d: f64, w: f64) -> f64 {
    let mut sum = 0.0;
    let mut i = 0.0;
    while i < d && (d <= DIRECT_MAX || u + i + 1.0 < ASYMPTOTIC_MIN) {
        i += 1.0;
        sum += log_ratio(u + i, u_minus_w + i, w);
    }
    if i >= d {
        return sum;
    }
    let a = u + i + 1.0;
    let rest = d - i;
    let x = rest / a;
    sum + (a - 0.5) * log1pmx(x) - 0.5 * x + rest * log_ratio(u + d + 1.0, u_minus_w + d + 1.0, w)
        - series_gap(&STIRLING_SERIES, a, rest)
}

/// `Σ_{i=1..d} 1/(v+i) = ψ(v+d+1) - ψ(v+1)` for a whole `d >= 0`.
fn harmonic_sum(v: f64, d: f64) -> f64 {
    let mut sum = 0.0;
    let mut i = 0.0;
    while i < d && (d <= DIRECT_MAX || v + i + 1.0 < ASYMPTOTIC_MIN) {
        i += 1.0;
        sum += 1.0 / (v + i);
    }
    if i >= d {
        return sum;
    }
    let a = v + i + 1.0;
    let rest = d - i;
    sum + (rest / a).ln_1p() - series_gap(&DIGAMMA_SERIES, a, rest)
}

/// `G_{j+d} - G_j = Σ_{i=j+2..j+d+1} i/(Y+i)` for a whole `d >= 0`. Long sums use
/// `Σ i/(Y+i) = d' - Y (ψ(b) - ψ(a))` rearranged so that nothing cancels when `Y >> i`.
fn position_sum(y: f64, j: f64, d: f64) -> f64 {
    let mut sum = 0.0;
    let mut k = 0.0;
    while k < d && (d <= DIRECT_MAX || y + j + k + 2.0 < ASYMPTOTIC_MIN) {
        k += 1.0;
        let i = j + 1.0 + k;
        sum += i / (y + i);
    }
    if k >= d {
        return sum;
    }
    // the remaining indices i = first .. first+rest-1, with a = Y + first
    let first = j + k + 2.0;
    let a = y + first;
    let rest = d - k;
    sum + rest * first / a - y * log1pmx(rest / a) + y * series_gap(&DIGAMMA_SERIES, a, rest)
}

/// `f(a) - f(a+d)` for `f(x) = Σ c_k x^-k` (coefficients `(k, c_k)` by increasing `k`),
/// without the cancellation of subtracting the two sums: with `r = 1/a`, `s = 1/(a+d)`,
/// `r^k - s^k = (r - s) Σ_{i<k} r^i s^(k-1-i)`, `r - s = d r s`, and the sums
/// `σ_k = Σ_{i<k} r^i s^(k-1-i)` follow `σ_1 = 1`, `σ_k = r σ_{k-1} + s^(k-1)`.
fn series_gap(coefficients: &[(i32, f64)], a: f64, d: f64) -> f64 {
    let (r, s) = (1.0 / a, 1.0 / (a + d));
    let mut gap = 0.0;
    let (mut k, mut sigma, mut s_power) = (1, 1.0, 1.0);
    for &(order, c) in coefficients {
        while k < order {
            s_power *= s;
            sigma = r * sigma + s_power;
            k += 1;
        }
        gap += c * sigma;
    }
    gap * d * r * s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;
    use std::collections::BTreeMap;

    /// Relative tolerance against the reference figures.
    const REL_TOL: f64 = 1e-9;
    /// Reference values below this are compared in absolute terms ...
    const TINY: f64 = 1e-12;
    /// ... to this tolerance.
    const ABS_TOL: f64 = 1e-15;
    /// The service-level thresholds of the reference cases, seconds.
    const THRESHOLDS: [f64; 2] = [20.0, 60.0];
    /// Thresholds for the sanity checks, seconds, from 0 to infinity.
    const ALL_THRESHOLDS: [f64; 4] = [0.0, 20.0, 60.0, f64::INFINITY];

    fn reference_scenarios() -> Vec<Value> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/erlang_ref.json");
        let text = std::fs::read_to_string(path).expect("reference fixture is readable");
        let doc: Value = serde_json::from_str(&text).expect("reference fixture is JSON");
        let scenarios = doc["scenarios"].as_array().expect("scenarios array").clone();
        assert_eq!(scenarios.len(), 72);
        scenarios
    }

    fn num(v: &Value) -> f64 {
        v.as_f64().unwrap_or_else(|| panic!("expected a number, got {v}"))
    }

    /// The inputs of one reference scenario.
    struct Inputs {
        id: String,
        agents: u32,
        arrival_rate: f64,
        mean_service: f64,
        mean_patience: f64,
        offered_load: f64,
    }

    fn inputs(s: &Value) -> Inputs {
        let i = &s["inputs"];
        Inputs {
            id: s["id"].as_str().expect("id").to_owned(),
            agents: u32::try_from(i["agents"].as_u64().expect("agents")).expect("u32 agents"),
            arrival_rate: num(&i["arrival_rate_per_s"]),
            mean_service: num(&i["mean_service_s"]),
            mean_patience: num(&i["mean_patience_s"]),
            offered_load: num(&i["offered_load_erlangs"]),
        }
    }

    fn key(t: f64) -> String {
        format!("{t:.0}")
    }

    /// Worst errors per field family, and every comparison that failed.
    #[derive(Default)]
    struct Tally {
        worst_rel: BTreeMap<String, (f64, String)>,
        worst_abs_tiny: BTreeMap<String, (f64, String)>,
        worst_rel_tiny: BTreeMap<String, (f64, String)>,
        worst_miss: BTreeMap<String, (f64, String)>,
        failures: Vec<String>,
    }

    impl Tally {
        fn check(&mut self, family: &str, id: &str, got: f64, want: f64) {
            let err = (got - want).abs();
            let (table, error, ok) = if want.abs() < TINY {
                if want != 0.0 {
                    let rel = err / want.abs();
                    let entry = self
                        .worst_rel_tiny
                        .entry(family.to_owned())
                        .or_insert((rel, id.to_owned()));
                    if rel.is_nan() || rel > entry.0 {
                        *entry = (rel, id.to_owned());
                    }
                }
                (&mut self.worst_abs_tiny, err, err <= ABS_TOL)
            } else {
                let rel = err / want.abs();
                (&mut self.worst_rel, rel, rel <= REL_TOL)
            };
            let entry = table.entry(family.to_owned()).or_insert((error, id.to_owned()));
            if error.is_nan() || error > entry.0 {
                *entry = (error, id.to_owned());
            }
            if !ok {
                self.failures.push(format!("{id} {family}: got {got:e}, want {want:e}"));
            }
        }

        /// A service level: to `REL_TOL` relative, or else its miss probability `1 - sl`
        /// to 1e-12 relative (a service level near 0 is a difference of numbers near 1).
        fn check_level(&mut self, family: &str, id: &str, got: f64, want: f64) {
            let err = (got - want).abs();
            let rel = err / want.abs();
            let miss_rel = err / (1.0 - want).abs();
            let mut tables = vec![(&mut self.worst_rel, rel)];
            if rel.is_nan() || rel > REL_TOL {
                tables.push((&mut self.worst_miss, miss_rel));
            }
            for (table, error) in tables {
                let entry = table.entry(family.to_owned()).or_insert((error, id.to_owned()));
                if error.is_nan() || error > entry.0 {
                    *entry = (error, id.to_owned());
                }
            }
            if !(rel <= REL_TOL || miss_rel <= 1e-12) {
                self.failures.push(format!("{id} {family}: got {got:e}, want {want:e}"));
            }
        }

        fn assert_clean(&self, what: &str) {
            eprintln!("{what}: worst relative error (reference >= {TINY:e}):");
            for (family, (err, id)) in &self.worst_rel {
                eprintln!("  {family:<40} {err:.2e}  ({id})");
            }
            for (family, (err, id)) in &self.worst_abs_tiny {
                eprintln!("  {family:<40} abs {err:.2e} on values < {TINY:e}  ({id})");
            }
            for (family, (err, id)) in &self.worst_rel_tiny {
                eprintln!("  {family:<40} relative {err:.2e} on nonzero values < {TINY:e}  ({id})");
            }
            for (family, (err, id)) in &self.worst_miss {
                eprintln!("  {family:<40} where compared by 1 - sl: relative {err:.2e}  ({id})");
            }
            assert!(self.failures.is_empty(), "{what}: {}", self.failures.join("\n"));
        }
    }

    #[test]
    fn erlang_b_matches_all_72_reference_cases() {
        let mut tally = Tally::default();
        for s in reference_scenarios() {
            let i = inputs(&s);
            let got = erlang_b(i.agents, i.offered_load);
            tally.check("erlang_b.blocking", &i.id, got, num(&s["erlang_b"]["blocking"]));
        }
        tally.assert_clean("Erlang B");
    }

    #[test]
    fn erlang_c_matches_all_72_reference_cases() {
        let mut tally = Tally::default();
        let mut stable = 0;
        for s in reference_scenarios() {
            let i = inputs(&s);
            let got = erlang_c(i.agents, i.arrival_rate, i.mean_service);
            let want = &s["erlang_c"];
            let Some(c) = got else {
                assert!(
                    want.is_null(),
                    "{}: erlang_c is None but the reference is not null",
                    i.id
                );
                continue;
            };
            assert!(!want.is_null(), "{}: erlang_c is Some but the reference is null", i.id);
            stable += 1;
            tally.check("erlang_c.p_wait", &i.id, c.p_wait, num(&want["p_wait"]));
            tally.check("erlang_c.asa", &i.id, c.asa, num(&want["asa_s"]));
            tally.check("erlang_c.mean_queue", &i.id, c.mean_queue, num(&want["mean_queue"]));
            tally.check("erlang_c.occupancy", &i.id, c.occupancy, num(&want["occupancy"]));
            for t in THRESHOLDS {
                let sl = &want["service_level"][key(t)];
                let level = c.service_level(t);
                tally.check_level("erlang_c.service_level", &i.id, level, num(&sl["sl"]));
                tally.check("erlang_c.p_wait_gt", &i.id, c.p_wait_gt(t), num(&sl["p_wait_gt_t"]));
            }
        }
        assert_eq!(stable, 52, "the reference has 52 stable (rho < 1) cases");
        tally.assert_clean("Erlang C");
    }

    #[test]
    fn erlang_a_matches_all_72_reference_cases() {
        let mut tally = Tally::default();
        for s in reference_scenarios() {
            let i = inputs(&s);
            let got = erlang_a(i.agents, i.arrival_rate, i.mean_service, i.mean_patience);
            let want = &s["erlang_a"];
            let id = i.id.as_str();
            tally.check("erlang_a.p_wait", id, got.p_wait, num(&want["p_wait"]));
            tally.check("erlang_a.p_abandon", id, got.p_abandon, num(&want["p_abandon"]));
            tally.check("erlang_a.asa_all", id, got.asa_all, num(&want["asa_all_s"]));
            tally.check("erlang_a.asa_served", id, got.asa_served, num(&want["asa_served_s"]));
            tally.check(
                "erlang_a.mean_wait_abandoned",
                id,
                got.mean_wait_abandoned,
                num(&want["mean_wait_abandoned_s"]),
            );
            tally.check("erlang_a.mean_queue", id, got.mean_queue, num(&want["mean_queue"]));
            tally.check("erlang_a.occupancy", id, got.occupancy, num(&want["occupancy"]));
            for t in THRESHOLDS {
                let sl = &want["service_level"][key(t)];
                let pairs = [
                    ("sl_offered", got.sl_offered(t)),
                    ("sl_answered", got.sl_answered(t)),
                    ("sl_excl_short_abandons", got.sl_excl_short_abandons(t)),
                    ("sl_virtual", got.sl_virtual(t)),
                    ("p_abandon_within_t", got.p_abandon_within(t)),
                    ("p_served_wait_gt_t", got.p_served_wait_gt(t)),
                ];
                for (field, value) in pairs {
                    let family = format!("erlang_a.{field}");
                    if field.starts_with("sl_") {
                        tally.check_level(&family, id, value, num(&sl[field]));
                    } else {
                        tally.check(&family, id, value, num(&sl[field]));
                    }
                }
            }
        }
        tally.assert_clean("Erlang A");
    }

    fn assert_close(got: f64, want: f64, rel_tol: f64, what: &str) {
        let err = (got - want).abs();
        assert!(
            err <= rel_tol * want.abs(),
            "{what}: got {got:e}, want {want:e} (relative error {:.2e})",
            err / want.abs()
        );
    }

    fn assert_probability(p: f64, what: &str) {
        assert!((-1e-12..=1.0 + 1e-12).contains(&p), "{what}: {p} is not a probability");
    }

    /// Every public figure of `a`, the service levels at `thresholds` (seconds):
    /// probabilities in [0, 1], times finite and >= 0.
    fn assert_erlang_a_is_sane(a: &ErlangA, thresholds: &[f64], what: &str) {
        for (name, p) in [
            ("p_wait", a.p_wait),
            ("p_abandon", a.p_abandon),
            ("occupancy", a.occupancy),
        ] {
            assert_probability(p, &format!("{what} {name}"));
        }
        for (name, v) in [
            ("asa_all", a.asa_all),
            ("asa_served", a.asa_served),
            ("mean_wait_abandoned", a.mean_wait_abandoned),
            ("mean_queue", a.mean_queue),
        ] {
            assert!(v.is_finite() && v >= 0.0, "{what} {name} = {v}");
        }
        for &t in thresholds {
            for (name, p) in [
                ("sl_offered", a.sl_offered(t)),
                ("sl_answered", a.sl_answered(t)),
                ("sl_excl_short_abandons", a.sl_excl_short_abandons(t)),
                ("sl_virtual", a.sl_virtual(t)),
                ("p_abandon_within", a.p_abandon_within(t)),
                ("p_served_wait_gt", a.p_served_wait_gt(t)),
            ] {
                assert_probability(p, &format!("{what} {name}({t})"));
            }
        }
    }

    #[test]
    fn erlang_b_follows_the_textbook_recursion_for_small_n() {
        // by hand: B(n, a) = (a^n/n!) / Σ_{k<=n} a^k/k!
        assert_eq!(erlang_b(0, 3.0), 1.0);
        assert_eq!(erlang_b(4, 0.0), 0.0);
        assert_close(erlang_b(1, 0.5), 1.0 / 3.0, 1e-15, "B(1, 0.5)");
        assert_close(erlang_b(2, 1.0), 0.2, 1e-15, "B(2, 1)");
        assert_close(erlang_b(3, 2.0), 4.0 / 19.0, 1e-15, "B(3, 2)");
        // and the plain recursion B(k) = a B(k-1) / (k + a B(k-1))
        for a in [0.01, 0.5, 1.0, 7.3, 30.0, 250.0] {
            let mut b = 1.0;
            for k in 1..=40_u32 {
                b = a * b / (f64::from(k) + a * b);
                assert_close(erlang_b(k, a), b, 1e-13, &format!("B({k}, {a})"));
            }
        }
    }

    #[test]
    fn erlang_b_summed_around_its_peak_agrees_with_the_recursion() {
        for n in [1_u32, 2, 7, 50, 2000, RECURSION_MAX_AGENTS] {
            for rho in [1e-3, 0.3, 0.9, 0.999, 1.0, 1.01, 1.5, 10.0, 1e6] {
                let a = rho * f64::from(n);
                let by_recursion = log_inverse_erlang_b_by_recursion(n, a);
                let by_series = log_inverse_erlang_b_by_series(n, a);
                // ln(1/B) to 1e-12 relative, and B itself to 1e-11 relative where it is normal
                assert_close(by_series, by_recursion, 1e-12, &format!("ln(1/B({n}, {a}))"));
                if by_recursion < 700.0 {
                    let (b1, b2) = ((-by_series).exp(), (-by_recursion).exp());
                    assert_close(b1, b2, 1e-11, &format!("B({n}, {a})"));
                }
            }
        }
        // beyond RECURSION_MAX_AGENTS erlang_b switches to the series
        let n = RECURSION_MAX_AGENTS + 1;
        let a = 0.97 * f64::from(n);
        let want = (-log_inverse_erlang_b_by_recursion(n, a)).exp();
        assert_close(erlang_b(n, a), want, 1e-11, "B just past the recursion limit");
        for rho in [0.5, 0.999, 1.0, 1.2] {
            let b = erlang_b(u32::MAX, rho * f64::from(u32::MAX));
            assert_probability(b, &format!("B(u32::MAX, rho = {rho})"));
        }
    }

    #[test]
    fn erlang_a_figures_are_mutually_consistent() {
        for s in reference_scenarios() {
            let i = inputs(&s);
            let a = erlang_a(i.agents, i.arrival_rate, i.mean_service, i.mean_patience);
            let id = i.id.as_str();
            assert_erlang_a_is_sane(&a, &ALL_THRESHOLDS, id);
            assert!(
                (a.p_served + a.p_abandon - 1.0).abs() <= 1e-14,
                "{id}: served + abandoned"
            );
            assert_close(a.asa_all, a.p_abandon * i.mean_patience, 1e-12, id);
            assert_close(a.asa_all, a.mean_queue / i.arrival_rate, 1e-12, id);
            let mixed = a.p_served * a.asa_served + a.p_abandon * a.mean_wait_abandoned;
            assert_close(mixed, a.asa_all, 1e-12, id);
            assert!((a.sl_virtual(0.0) - (1.0 - a.p_wait)).abs() <= 1e-14, "{id}: P(V > 0)");
            let waited_and_served = a.p_served_wait_gt(0.0);
            assert!((waited_and_served - (a.p_wait - a.p_abandon)).abs() <= 1e-14, "{id}");
            assert!(a.p_abandon_within(0.0) <= 1e-14, "{id}: nobody abandons within 0 s");
            assert_close(a.p_abandon_within(f64::INFINITY), a.p_abandon, 1e-15, id);
            assert_close(a.sl_offered(f64::INFINITY), a.p_served, 1e-15, id);
            for pair in [[0.0, 20.0], [20.0, 60.0], [60.0, 600.0]] {
                let [t1, t2] = pair;
                assert!(a.sl_offered(t1) <= a.sl_offered(t2), "{id}: sl_offered falls");
                assert!(a.sl_virtual(t1) <= a.sl_virtual(t2), "{id}: sl_virtual falls");
                assert!(a.p_abandon_within(t1) <= a.p_abandon_within(t2), "{id}");
            }
        }
    }

    #[test]
    fn erlang_a_with_huge_patience_approaches_erlang_c() {
        let mut compared = 0;
        for s in reference_scenarios() {
            let i = inputs(&s);
            let Some(c) = erlang_c(i.agents, i.arrival_rate, i.mean_service) else {
                continue;
            };
            // the gap is physical, about θ Lq / (nμ - λ): ~1e-7 at patience 1e13 s
            for (patience, tol) in [(1e13, 1e-6), (1e300, 1e-12)] {
                let a = erlang_a(i.agents, i.arrival_rate, i.mean_service, patience);
                let what = format!("{} with patience {patience:e} s", i.id);
                assert_close(a.p_wait, c.p_wait, tol, &format!("{what}: p_wait"));
                assert_close(a.asa_all, c.asa, tol, &format!("{what}: asa"));
                assert_close(a.mean_queue, c.mean_queue, tol, &format!("{what}: mean_queue"));
                assert_close(a.occupancy, c.occupancy, tol, &format!("{what}: occupancy"));
                for t in THRESHOLDS {
                    let sl = c.service_level(t);
                    assert_close(a.sl_offered(t), sl, tol, &format!("{what}: sl_offered({t})"));
                    assert_close(a.sl_virtual(t), sl, tol, &format!("{what}: sl_virtual({t})"));
                }
                compared += 1;
            }
        }
        assert_eq!(compared, 2 * 52);
    }

    #[test]
    fn two_thousand_agents_at_rho_1_2_give_finite_probabilities() {
        assert!(erlang_c(2000, 1.2 * 2000.0 / 180.0, 180.0).is_none());
        assert_probability(erlang_b(2000, 2400.0), "B(2000, 2400)");
        for service in [60.0, 180.0, 600.0] {
            for patience in [1.0, 60.0, 600.0, 3600.0, 1e6] {
                let a = erlang_a(2000, 1.2 * 2000.0 / service, service, patience);
                let what = format!("n = 2000, rho = 1.2, service {service} s, patience {patience} s");
                assert_erlang_a_is_sane(&a, &ALL_THRESHOLDS, &what);
                // at least the excess 1 - 1/rho of the calls must abandon
                assert!(a.p_abandon >= 1.0 - 1.0 / 1.2 - 1e-12, "{what}: {}", a.p_abandon);
            }
        }
    }

    #[test]
    fn trapezoidal_sum_matches_the_term_by_term_sum() {
        let same = |a: QueueSeries, b: QueueSeries, tol: f64, what: &str| {
            assert_close(a.log_peak, b.log_peak, 1e-14, what);
            let pairs = [
                (a.sums.total, b.sums.total),
                (a.sums.length, b.sums.length),
                (a.sums.served, b.sums.served),
                (a.sums.abandoned, b.sums.abandoned),
                (a.sums.served_wait, b.sums.served_wait),
                (a.sums.abandoned_wait, b.sums.abandoned_wait),
            ];
            for (k, (x, y)) in pairs.into_iter().enumerate() {
                assert_close(x, y, tol, &format!("{what}, sum {k}"));
            }
        };
        // interior peak, peak at or near j = 0, slow geometric decay
        for (y, w) in [
            (1e6, 1.2e6),
            (1e6, 1e6),
            (1e6, 1e6 + 500.0),
            (1e6, 0.999e6),
            (3e4, 0.99e6),
        ] {
            let exact = queue_series_on_grid(y, w, 1.0);
            for step in [2.0, 4.0] {
                let what = format!("Y = {y}, w = {w}, step {step}");
                same(queue_series_on_grid(y, w, step), exact, 1e-10, &what);
            }
        }
        // the automatic choice for peaks wider than EXACT_WIDTH_MAX terms
        for (y, w) in [(1e9, 1.00001e9), (1e9, 1e9), (1e9, 0.99999e9)] {
            assert!(peak_width(y, w, largest_term_index(y, w)) > EXACT_WIDTH_MAX);
            let what = format!("Y = {y}, w = {w}, automatic step");
            same(queue_series(y, w), queue_series_on_grid(y, w, 1.0), 1e-10, &what);
        }
    }

    #[test]
    fn overloaded_erlang_a_with_patience_of_years_nears_its_fluid_limit() {
        // X = λ/θ = 6e9: summed on the trapezoidal grid. The fluid limit (queue X - Y)
        // gives P(Ab) = 1 - 1/ρ and E[W | served] = ln(ρ) / θ, to O(1/√X).
        let (rho, patience) = (1.2, 3e10);
        let a = erlang_a(50, rho * 50.0 / 300.0, 300.0, patience);
        assert_erlang_a_is_sane(&a, &ALL_THRESHOLDS, "n = 50, rho = 1.2, patience 3e10 s");
        assert_close(a.p_wait, 1.0, 1e-12, "p_wait");
        assert_close(a.p_abandon, 1.0 - 1.0 / rho, 1e-4, "p_abandon");
        assert_close(a.asa_served, rho.ln() * patience, 1e-4, "asa_served");
        assert_close(a.mean_queue, (rho - 1.0) * 50.0 / 300.0 * patience, 1e-4, "mean_queue");
    }

    #[test]
    fn extreme_inputs_return_promptly_without_panicking() {
        let started = std::time::Instant::now();
        let rates = [1e-300, 1e-6, 1.0, 1e6, 1e300];
        let means = [1e-300, 1e-3, 1.0, 1e13, 1e300];
        for n in [1_u32, 50, 2000, 200_000, u32::MAX] {
            for rate in rates {
                for service in means {
                    let b = erlang_b(n, rate * service);
                    assert!(b.is_nan() || (0.0..=1.0).contains(&b), "B = {b}");
                    if let Some(c) = erlang_c(n, rate, service) {
                        assert!(c.p_wait.is_nan() || (0.0..=1.0).contains(&c.p_wait));
                        let _ = (c.service_level(20.0), c.p_wait_gt(60.0));
                    }
                    for patience in means {
                        let a = erlang_a(n, rate, service, patience);
                        let figures = [
                            a.p_wait,
                            a.p_abandon,
                            a.sl_offered(20.0),
                            a.sl_answered(20.0),
                            a.sl_excl_short_abandons(20.0),
                            a.sl_virtual(20.0),
                            a.p_abandon_within(20.0),
                            a.p_served_wait_gt(20.0),
                        ];
                        for p in figures {
                            assert!(p.is_nan() || (-1e-12..=1.0 + 1e-12).contains(&p), "{p}");
                        }
                    }
                }
            }
        }
        assert!(started.elapsed().as_secs_f64() < 30.0, "took {:?}", started.elapsed());
    }

    #[test]
    fn contact_center_sized_inputs_give_sane_figures() {
        for n in [1_u32, 3, 10, 100, 1000, 5000, 150_000] {
            for rho in [0.01, 0.5, 0.99, 1.0, 1.01, 2.0, 10.0] {
                for service in [1.0, 180.0, 3600.0] {
                    let rate = rho * f64::from(n) / service;
                    if let Some(c) = erlang_c(n, rate, service) {
                        assert_probability(c.p_wait, "erlang_c p_wait");
                        assert!(c.asa.is_finite() && c.mean_queue.is_finite());
                        assert_probability(c.service_level(20.0), "erlang_c service level");
                    }
                    for patience in [1.0, 600.0, 1e5, 1e9, 1e13] {
                        let a = erlang_a(n, rate, service, patience);
                        let what = format!("n {n}, rho {rho}, service {service}, patience {patience}");
                        assert_erlang_a_is_sane(&a, &[20.0], &what);
                    }
                }
            }
        }
    }
}
