//! Across-replication estimates: ratio estimators with delta-method intervals, folded serially
//! in job order, and the Student-t quantile behind every 95% interval.

use serde::{Deserialize, Serialize};

/// Replications in which the rarer outcome must occur before a ratio's interval is trusted:
/// with fewer, the delta-method variance rests on too few clusters (see [`RatioTally`]).
pub const MIN_REPLICATIONS_WITH_EVENTS: u64 = 10;

/// A ratio estimator over replications: `R = Σ xᵣ / Σ yᵣ` (for example abandoned / offered, or
/// the sum of waits / the number answered), folded one replication at a time.
///
/// This is the estimand users mean — the share of *all* contacts, the mean over *all* answered
/// contacts — and it weights each replication by its volume. (Averaging each replication's own
/// ratio with equal weight under-weights the busy replications, which are the congested ones,
/// and biases per-interval figures optimistically.) The 95% interval is the delta-method one:
/// `R ± t · s / (√n · ȳ)` with `s² = Σ (xᵣ − R yᵣ)² / (n − 1)`. Sums of squares are kept of
/// values shifted by the first replication's, so the variance does not suffer the
/// cancellation of raw sums of squares, and adding a replication needs no division.
///
/// `x` and `y` are also tracked as counts of *events* where they are counts: the pooled
/// numerator, the pooled complement `y − x` (for proportions) and how many replications saw
/// each, so that a figure resting on a handful of events can say so.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RatioTally {
    n: u64,
    /// Σ x and Σ y, plain (exact for counts below 2⁵³).
    sx: f64,
    sy: f64,
    /// The first replication's values, subtracted before squaring (a shift near the mean
    /// keeps the sums of squares free of cancellation), and the shifted sums.
    kx: f64,
    ky: f64,
    dx: f64,
    dy: f64,
    dxx: f64,
    dyy: f64,
    dxy: f64,
    /// Replications with `x > 0` and with `y − x > 0` (proportions).
    reps_x: u64,
    reps_rest: u64,
    /// Replications with `y > 0`.
    reps_y: u64,
}

/// What the numerator and denominator of a ratio count, for the reliability of its interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatioKind {
    /// `x` events among `y` trials (a probability): the rarer of `x` and `y − x` decides.
    Proportion,
    /// A sum over `y` contacts (a mean per contact): the contacts, and those that added
    /// something to the sum (the waits that were not zero), decide.
    MeanPerContact,
    /// A time average (the queue length): the replications in which the level was ever
    /// above zero decide.
    TimeAverage,
    /// A ratio of time integrals that are never rare (occupancy): always reliable with two
    /// replications.
    PerReplication,
    /// A count per replication (`y = 1`): its mean per replication, always reliable with two
    /// replications.
    Count,
}

impl RatioTally {
    /// Adds one replication's numerator `x` and denominator `y` (both ≥ 0). No division:
    /// the fold runs this for every figure of every interval of every replication.
    #[inline]
    pub fn add(&mut self, x: f64, y: f64) {
        if self.n == 0 {
            self.kx = x;
            self.ky = y;
        }
        self.n += 1;
        self.sx += x;
        self.sy += y;
        let (a, b) = (x - self.kx, y - self.ky);
        self.dx += a;
        self.dy += b;
        self.dxx += a * a;
        self.dyy += b * b;
        self.dxy += a * b;
        self.reps_x += u64::from(x > 0.0);
        self.reps_rest += u64::from(y - x > 0.0);
        self.reps_y += u64::from(y > 0.0);
    }

    /// [`RatioTally::add`] with `y = 1`: a count per replication. The same sums, bit for bit,
    /// without the work on `y`'s, which stay exactly zero after the shift.
    #[inline]
    pub fn add_count(&mut self, x: f64) {
        if self.n == 0 {
            self.kx = x;
            self.ky = 1.0;
        }
        self.n += 1;
        self.sx += x;
        self.sy += 1.0;
        let a = x - self.kx;
        self.dx += a;
        self.dxx += a * a;
        self.reps_x += u64::from(x > 0.0);
        self.reps_rest += u64::from(1.0 - x > 0.0);
        self.reps_y += 1;
    }

    /// Σ x over replications.
    pub fn sum_x(&self) -> f64 {
        self.sx
    }

    /// Σ y over replications.
    pub fn sum_y(&self) -> f64 {
        self.sy
    }

    /// The ratio with its 95% interval. NaN if `Σ y = 0`; half-width NaN with one replication.
    /// For a proportion the interval is widened, where needed, to contain the Wilson score
    /// interval of the pooled counts, so that it never has zero width when no replication (or
    /// every one) saw the event; `reliable` is false when the rarer outcome occurred in fewer
    /// than [`MIN_REPLICATIONS_WITH_EVENTS`] replications (or fewer than all of them, with
    /// fewer replications than that).
    pub fn estimate(&self, kind: RatioKind) -> Estimate {
        let n = self.n;
        if n == 0 || self.sy <= 0.0 {
            return Estimate {
                mean: f64::NAN,
                half_width: f64::NAN,
                n,
                events: match kind {
                    RatioKind::PerReplication | RatioKind::Count | RatioKind::TimeAverage => None,
                    _ => Some(0),
                },
                reliable: false,
            };
        }
        let r = self.sx / self.sy;
        let mut half_width = if n < 2 {
            f64::NAN
        } else {
            // Co-moments about the means, from the shifted sums.
            let nf = n as f64;
            let cxx = self.dxx - self.dx * self.dx / nf;
            let cyy = self.dyy - self.dy * self.dy / nf;
            let cxy = self.dxy - self.dx * self.dy / nf;
            let s2 = ((cxx - 2.0 * r * cxy + r * r * cyy) / (n - 1) as f64).max(0.0);
            student_t_975(n - 1) * s2.sqrt() / (nf.sqrt() * self.sy / nf)
        };
        let needed = MIN_REPLICATIONS_WITH_EVENTS.min(n);
        let (events, reliable) = match kind {
            RatioKind::Proportion => {
                let (x, y) = (self.sum_x().round(), self.sum_y().round());
                if half_width.is_finite() {
                    let (lo, hi) = wilson(x, y);
                    half_width = half_width.max(r - lo).max(hi - r);
                }
                let rare = x.min(y - x).max(0.0) as u64;
                (Some(rare), n >= 2 && self.reps_x.min(self.reps_rest) >= needed)
            }
            RatioKind::MeanPerContact => (
                Some(self.sum_y().round() as u64),
                n >= 2 && self.reps_y.min(self.reps_x) >= needed,
            ),
            RatioKind::TimeAverage => (None, n >= 2 && self.reps_x >= needed),
            RatioKind::PerReplication | RatioKind::Count => (None, n >= 2),
        };
        Estimate {
            mean: r,
            half_width,
            n,
            events,
            reliable,
        }
    }
}

/// The Wilson score 95% interval for `x` successes in `y` independent trials.
pub fn wilson(x: f64, y: f64) -> (f64, f64) {
    if y <= 0.0 {
        return (0.0, 1.0);
    }
    let z: f64 = 1.959_963_984_540_054;
    let p = x / y;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * y)) / (1.0 + z2 / y);
    let half = z / (1.0 + z2 / y) * (p * (1.0 - p) / y + z2 / (4.0 * y * y)).max(0.0).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// A figure over replications with its 95% confidence interval `mean ± half_width`.
///
/// Serialised with `null` for an undefined value (never NaN, which JSON cannot hold), so a
/// summary survives a JSON round trip bit for bit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    #[serde(with = "nan_as_null")]
    pub mean: f64,
    /// Half-width of the 95% interval; NaN with fewer than two replications or for a figure
    /// with no interval (a maximum).
    #[serde(with = "nan_as_null")]
    pub half_width: f64,
    /// Replications folded into the figure.
    pub n: u64,
    /// How many events the figure rests on, where that is a count: for a proportion the rarer
    /// of the two outcomes (misses of a 99.9% SL, abandons of a 0.1% abandonment rate), for a
    /// mean per contact the contacts behind it. `None` for counts and time averages.
    #[serde(default)]
    pub events: Option<u64>,
    /// Whether the interval can be trusted: false when the rarer outcome was seen in too few
    /// replications (see [`RatioTally::estimate`]) or with fewer than two replications.
    #[serde(default = "yes")]
    pub reliable: bool,
}

fn yes() -> bool {
    true
}

impl Estimate {
    pub fn low(&self) -> f64 {
        self.mean - self.half_width
    }
    pub fn high(&self) -> f64 {
        self.mean + self.half_width
    }
}

/// Serde for an `f64` that may be NaN: NaN is written as `null` and `null` read back as NaN.
/// Infinities are not produced by any figure.
pub mod nan_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_nan() {
            s.serialize_none()
        } else {
            s.serialize_some(v)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

/// The 97.5% quantile of Student's t with `df` degrees of freedom (two-sided 95%). Exact table
/// to df = 30, then the Cornish–Fisher expansion (error < 1e-5).
pub fn student_t_975(df: u64) -> f64 {
    const TABLE: [f64; 30] = [
        12.706_204_736,
        4.302_652_730,
        3.182_446_305,
        2.776_445_105,
        2.570_581_836,
        2.446_911_851,
        2.364_624_252,
        2.306_004_135,
        2.262_157_163,
        2.228_138_852,
        2.200_985_160,
        2.178_812_830,
        2.160_368_656,
        2.144_786_688,
        2.131_449_546,
        2.119_905_299,
        2.109_815_578,
        2.100_922_040,
        2.093_024_054,
        2.085_963_447,
        2.079_613_845,
        2.073_873_068,
        2.068_657_610,
        2.063_898_562,
        2.059_538_553,
        2.055_529_439,
        2.051_830_516,
        2.048_407_142,
        2.045_229_642,
        2.042_272_456,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[(df - 1) as usize],
        _ => {
            let z: f64 = 1.959_963_984_540_054;
            let n = df as f64;
            let z3 = z.powi(3);
            let z5 = z.powi(5);
            let z7 = z.powi(7);
            z + (z3 + z) / (4.0 * n)
                + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * n * n)
                + (3.0 * z7 + 19.0 * z5 + 17.0 * z3 - 15.0 * z) / (384.0 * n * n * n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        assert!((student_t_975(1) - 12.7062).abs() < 1e-4);
        assert!((student_t_975(40) - 2.021_075).abs() < 1e-5);
        assert!((student_t_975(120) - 1.979_930).abs() < 1e-5);
        assert!((student_t_975(100_000) - 1.959_99).abs() < 1e-4);
    }

    #[test]
    fn an_event_never_seen_is_flagged_unreliable() {
        let mut t = RatioTally::default();
        for _ in 0..20 {
            t.add(0.0, 50.0);
        }
        assert!(!t.estimate(RatioKind::Proportion).reliable);
        assert!(!t.estimate(RatioKind::MeanPerContact).reliable);
        assert_eq!(t.estimate(RatioKind::Proportion).events, Some(0));
    }

    #[test]
    fn large_values_with_small_spread_keep_the_delta_method_half_width() {
        // Shifted sums keep the variance free of the cancellation raw sums of squares suffer.
        let xs = [0.0, 3.0, 1.0, 4.0, 2.0].map(|d| 1e9 + d);
        let ys = [2.0, 0.0, 5.0, 1.0, 3.0].map(|d| 1e9 + d);
        let mut t = RatioTally::default();
        for (x, y) in xs.iter().zip(&ys) {
            t.add(*x, *y);
        }
        let r = xs.iter().sum::<f64>() / ys.iter().sum::<f64>();
        let s2 = xs.iter().zip(&ys).map(|(x, y)| (x - r * y).powi(2)).sum::<f64>() / 4.0;
        let mean_y = ys.iter().sum::<f64>() / 5.0;
        let exact = student_t_975(4) * s2.sqrt() / (5f64.sqrt() * mean_y);
        let got = t.estimate(RatioKind::PerReplication).half_width;
        assert!((got / exact - 1.0).abs() < 1e-6, "{got} vs {exact}");
    }

    #[test]
    fn a_count_adds_exactly_what_a_ratio_over_one_adds() {
        let (mut count, mut ratio) = (RatioTally::default(), RatioTally::default());
        for x in [3.0, 0.0, 7.0, 1.0, 12.0, 0.0, 5.0] {
            count.add_count(x);
            ratio.add(x, 1.0);
            assert_eq!(count, ratio, "after {x}");
        }
    }

    #[test]
    fn a_ratio_weights_replications_by_their_denominator() {
        // 1 of 10 and 50 of 100: the share of all contacts is 51/110, not the mean of 10% and 50%.
        let mut r = RatioTally::default();
        r.add(1.0, 10.0);
        r.add(50.0, 100.0);
        let e = r.estimate(RatioKind::Proportion);
        assert!((e.mean - 51.0 / 110.0).abs() < 1e-15);
        assert_eq!(e.events, Some(51));
    }

    #[test]
    fn the_delta_method_interval_matches_its_formula() {
        let data = [(3.0, 10.0), (5.0, 12.0), (2.0, 9.0), (7.0, 14.0)];
        let mut r = RatioTally::default();
        for (x, y) in data {
            r.add(x, y);
        }
        let (sx, sy): (f64, f64) = data.iter().fold((0.0, 0.0), |a, d| (a.0 + d.0, a.1 + d.1));
        let ratio = sx / sy;
        let s2 = data.iter().map(|(x, y)| (x - ratio * y).powi(2)).sum::<f64>() / 3.0;
        let expected = student_t_975(3) * s2.sqrt() / (2.0 * sy / 4.0);
        let e = r.estimate(RatioKind::MeanPerContact);
        assert!((e.mean - ratio).abs() < 1e-15);
        assert!(
            (e.half_width - expected).abs() < 1e-12,
            "{} vs {expected}",
            e.half_width
        );
    }

    #[test]
    fn a_proportion_never_seen_to_fail_keeps_a_nonzero_interval_and_is_flagged() {
        let mut r = RatioTally::default();
        for _ in 0..30 {
            r.add(1000.0, 1000.0);
        }
        let e = r.estimate(RatioKind::Proportion);
        assert_eq!(e.mean, 1.0);
        assert!(e.half_width > 1e-4, "{e:?}");
        assert_eq!(e.events, Some(0));
        assert!(!e.reliable);
        let mut seen = RatioTally::default();
        for i in 0..30 {
            seen.add(990.0 + f64::from(i % 3), 1000.0);
        }
        assert!(seen.estimate(RatioKind::Proportion).reliable);
    }

    #[test]
    fn wilson_bounds_match_a_textbook_case() {
        // 0 of 100: upper bound 0.0370 (Agresti & Coull 1998, table 1 style figure).
        let (lo, hi) = wilson(0.0, 100.0);
        assert!(lo < 1e-12);
        assert!((hi - 0.036_994).abs() < 1e-5, "{hi}");
    }

    #[test]
    fn an_undefined_estimate_survives_json() {
        let e = RatioTally::default().estimate(RatioKind::Proportion);
        let text = serde_json::to_string(&e).unwrap();
        assert!(text.contains("null"), "{text}");
        let back: Estimate = serde_json::from_str(&text).unwrap();
        assert_eq!(back.mean.to_bits(), e.mean.to_bits());
        assert_eq!(back.half_width.to_bits(), e.half_width.to_bits());
    }
}
