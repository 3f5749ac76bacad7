//! Fixed, log-spaced histograms of waiting times for percentiles, with no allocation per sample.
//!
//! Bins follow the binary representation of the `f64`: each power of two between `2^min_exp`
//! and `2^max_exp` seconds is split into `2^sub_bits` equal sub-bins, so a bin is at most
//! `2^-sub_bits` of its lower edge wide; exact zeros (answered at once) have their own bin, and
//! so do waits below and above the range. Percentiles interpolate linearly inside the bin.
//!
//! Two layouts: [`FINE`] for the whole run of a type (16 sub-bins, ≤ 6.25 % wide, 1 ms to
//! 12 days) and [`COARSE`] for each reporting interval (4 sub-bins, ≤ 25 % wide before
//! interpolation, 125 ms to 18 hours: 79 bins).
//!
//! Across replications, [`PooledQuantiles`] estimates a percentile from the pooled counts of
//! all replications — the quantile of the wait of a random contact — with a sectioning
//! confidence interval: the spread over replications of each replication's empirical CDF at
//! the estimate, F̂ᵣ(q̂), gives a Student-t interval for F(q̂), which is mapped back through the
//! pooled distribution. (Averaging each replication's own percentile instead estimates the
//! mean of a per-replication percentile, which differs from the percentile of the wait
//! distribution when waits are correlated within a replication — as they always are.)

use super::tally::{Estimate, student_t_975};

/// The shape of a log-spaced histogram: bin 0 holds exact zeros, bin 1 waits in
/// `(0, 2^min_exp)`, then `(max_exp − min_exp)·2^sub_bits` log bins, and the last bin waits of
/// `2^max_exp` or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    sub_bits: u32,
    min_exp: i32,
    max_exp: i32,
}

/// Whole-run layout: 16 sub-bins per octave from ~1 ms to ~12 days.
pub const FINE: Layout = Layout {
    sub_bits: 4,
    min_exp: -10,
    max_exp: 20,
};
/// Per-interval layout: 4 sub-bins per octave from 125 ms to ~18 hours.
pub const COARSE: Layout = Layout {
    sub_bits: 2,
    min_exp: -3,
    max_exp: 16,
};

impl Layout {
    /// Number of bins, including the zero, below-range and above-range bins.
    pub const fn bins(&self) -> usize {
        3 + (((self.max_exp - self.min_exp) as usize) << self.sub_bits)
    }

    /// The bin of a wait `w` (seconds, >= 0). A few integer operations.
    #[inline]
    pub fn index(&self, w: f64) -> usize {
        if w <= 0.0 {
            return 0;
        }
        let bits = w.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i32 - 1023;
        if exp < self.min_exp {
            1
        } else if exp >= self.max_exp {
            self.bins() - 1
        } else {
            let sub = ((bits >> (52 - self.sub_bits)) as usize) & ((1 << self.sub_bits) - 1);
            2 + (((exp - self.min_exp) as usize) << self.sub_bits) + sub
        }
    }

    /// Lower and upper edge (seconds) of bin `i`; the last bin ends at `max`.
    fn edges(&self, i: usize, max: f64) -> (f64, f64) {
        let per = 1usize << self.sub_bits;
        match i {
            0 => (0.0, 0.0),
            1 => (0.0, 2f64.powi(self.min_exp)),
            _ if i == self.bins() - 1 => (2f64.powi(self.max_exp), max.max(2f64.powi(self.max_exp))),
            _ => {
                let j = i - 2;
                let base = 2f64.powi(self.min_exp + (j / per) as i32);
                let sub = (j % per) as f64;
                (base * (1.0 + sub / per as f64), base * (1.0 + (sub + 1.0) / per as f64))
            }
        }
    }

    /// The `p`-quantile (0 < p <= 1) of the waits counted in `counts` (laid out as `self`),
    /// whose largest value is `max`: the smallest w with F(w) >= p, interpolated linearly in
    /// its bin and never above `max`. NaN if nothing was counted.
    pub fn quantile<C: Copy + Into<u64>>(&self, counts: &[C], p: f64, max: f64) -> f64 {
        debug_assert_eq!(counts.len(), self.bins());
        let total: u64 = counts.iter().map(|c| (*c).into()).sum();
        if total == 0 {
            return f64::NAN;
        }
        let target = p * total as f64;
        let mut cum = 0.0;
        for (i, c) in counts.iter().enumerate() {
            let n = (*c).into() as f64;
            if n == 0.0 {
                continue;
            }
            if cum + n >= target {
                let (lo, hi) = self.edges(i, max);
                return (lo + (hi - lo) * (target - cum) / n).min(max);
            }
            cum += n;
        }
        max
    }
}

/// Running sums of one bin's per-replication CDF value `C` (at the bin's upper edge) and of
/// its product with the previous bin's, enough for the exact variance of any interpolation
/// between the two edges.
#[derive(Debug, Clone, Copy, Default)]
struct CdfSums {
    sum: f64,
    sum_sq: f64,
    /// Σ C[previous bin] · C[this bin].
    cross: f64,
}

/// Percentiles of waits pooled over replications, with sectioning confidence intervals (see
/// the module docs). Fold replications in replication order.
#[derive(Debug, Clone)]
pub struct PooledQuantiles {
    layout: Layout,
    pooled: Vec<u64>,
    cdf: Vec<CdfSums>,
    max: f64,
    reps: u64,
}

impl PooledQuantiles {
    pub fn new(layout: Layout) -> Self {
        Self {
            layout,
            pooled: vec![0; layout.bins()],
            cdf: vec![CdfSums::default(); layout.bins()],
            max: 0.0,
            reps: 0,
        }
    }

    /// Adds one replication's counts (laid out as this estimator's layout) and its largest
    /// wait. A replication with no answered contact is skipped.
    pub fn add<C: Copy + Into<u64>>(&mut self, counts: &[C], max: f64) {
        debug_assert_eq!(counts.len(), self.pooled.len());
        let total: u64 = counts.iter().map(|c| (*c).into()).sum();
        if total == 0 {
            return;
        }
        self.reps += 1;
        self.max = self.max.max(max);
        let (mut cum, mut previous) = (0u64, 0.0f64);
        for ((c, pooled), sums) in counts.iter().zip(&mut self.pooled).zip(&mut self.cdf) {
            let c: u64 = (*c).into();
            cum += c;
            *pooled += c;
            let f = cum as f64 / total as f64;
            sums.sum += f;
            sums.sum_sq += f * f;
            sums.cross += previous * f;
            previous = f;
        }
    }

    /// Standard deviation over replications of F̂ᵣ(q), each replication's share of waits up
    /// to `q`, interpolated linearly inside the bin that holds `q` (as the quantile is).
    fn cdf_spread_at(&self, q: f64) -> f64 {
        let n = self.reps as f64;
        let i = self.layout.index(q);
        let b = self.cdf[i];
        let (var_b, mean_b) = ((b.sum_sq - b.sum * b.sum / n) / (n - 1.0), b.sum / n);
        if i == 0 {
            return var_b.max(0.0).sqrt();
        }
        let a = self.cdf[i - 1];
        let (lo, hi) = self.layout.edges(i, self.max);
        let f = if hi > lo {
            ((q - lo) / (hi - lo)).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let var_a = (a.sum_sq - a.sum * a.sum / n) / (n - 1.0);
        let cov = (b.cross - n * (a.sum / n) * mean_b) / (n - 1.0);
        let var = (1.0 - f).powi(2) * var_a + f * f * var_b + 2.0 * f * (1.0 - f) * cov;
        var.max(0.0).sqrt()
    }

    /// The pooled `p`-quantile with its 95% sectioning interval, reported symmetrically as the
    /// larger of its two sides (conservative). `n` is the number of replications with answers.
    pub fn estimate(&self, p: f64) -> Estimate {
        if self.reps == 0 {
            return Estimate {
                mean: f64::NAN,
                half_width: f64::NAN,
                n: 0,
            };
        }
        let q = self.layout.quantile(&self.pooled, p, self.max);
        if self.reps < 2 {
            return Estimate {
                mean: q,
                half_width: f64::NAN,
                n: self.reps,
            };
        }
        let d = student_t_975(self.reps - 1) * self.cdf_spread_at(q) / (self.reps as f64).sqrt();
        let lo = self.layout.quantile(&self.pooled, (p - d).clamp(0.0, 1.0), self.max);
        let hi = self.layout.quantile(&self.pooled, (p + d).clamp(0.0, 1.0), self.max);
        Estimate {
            mean: q,
            half_width: (q - lo).max(hi - q).max(0.0),
            n: self.reps,
        }
    }
}

/// Counts of waits in the [`FINE`] layout, with the largest wait.
#[derive(Debug, Clone)]
pub struct WaitHistogram {
    counts: Vec<u64>,
    max: f64,
}

impl Default for WaitHistogram {
    fn default() -> Self {
        Self {
            counts: vec![0; FINE.bins()],
            max: 0.0,
        }
    }
}

impl WaitHistogram {
    pub fn clear(&mut self) {
        self.counts.fill(0);
        self.max = 0.0;
    }

    /// Records one wait (seconds, >= 0).
    #[inline]
    pub fn record(&mut self, w: f64) {
        self.counts[FINE.index(w)] += 1;
        self.max = self.max.max(w);
    }

    /// The counts, laid out as [`FINE`].
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// The largest wait recorded (0 if none).
    pub fn max(&self) -> f64 {
        self.max
    }

    /// The `p`-quantile of the recorded waits; see [`Layout::quantile`].
    pub fn quantile(&self, p: f64) -> f64 {
        FINE.quantile(&self.counts, p, self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_quantiles_of_identical_replications_have_no_spread() {
        let mut h = WaitHistogram::default();
        for i in 0..1000 {
            h.record(f64::from(i));
        }
        let mut pooled = PooledQuantiles::new(FINE);
        for _ in 0..5 {
            pooled.add(h.counts(), h.max());
        }
        let e = pooled.estimate(0.9);
        assert_eq!(e.n, 5);
        assert!((e.mean - h.quantile(0.9)).abs() < 1e-9);
        assert!(e.half_width < 1e-9, "{e:?}");
        assert!(PooledQuantiles::new(FINE).estimate(0.5).mean.is_nan());
    }

    #[test]
    fn quantiles_of_a_uniform_sample_are_within_the_bin_width() {
        let mut h = WaitHistogram::default();
        let mut coarse = vec![0u32; COARSE.bins()];
        for i in 1..=100_000 {
            let w = i as f64 * 0.01;
            h.record(w);
            coarse[COARSE.index(w)] += 1;
        }
        for p in [0.5, 0.8, 0.9, 0.95, 0.99] {
            let exact = p * 1000.0;
            let fine = h.quantile(p);
            assert!((fine / exact - 1.0).abs() < 0.01, "fine p{p}: {fine} vs {exact}");
            let rough = COARSE.quantile(&coarse, p, 1000.0);
            assert!((rough / exact - 1.0).abs() < 0.04, "coarse p{p}: {rough} vs {exact}");
        }
    }

    /// Replication r: 100 − r waits of 1 s and r long waits spread over `tail` seconds.
    fn differing_tails(tail: (f64, f64)) -> PooledQuantiles {
        let mut pooled = PooledQuantiles::new(FINE);
        for r in 0..10u32 {
            let mut h = WaitHistogram::default();
            for _ in 0..(100 - r) {
                h.record(1.0);
            }
            for k in 0..r {
                h.record(tail.0 + (tail.1 - tail.0) * f64::from(k) / 9.0);
            }
            pooled.add(h.counts(), h.max());
        }
        pooled
    }

    #[test]
    fn replications_that_differ_in_the_tail_give_a_spread_and_a_wide_interval() {
        // All long waits in one narrow cluster, inside a single bin: the replications' shares
        // up to the percentile still differ, so the spread behind the interval is not zero
        // (reading the CDF at the bin's upper edge gave exactly 1 for every replication).
        let narrow = differing_tails((100.5, 102.5));
        for p in [0.97, 0.99] {
            let q = narrow.estimate(p).mean;
            assert!(
                narrow.cdf_spread_at(q) > 0.005,
                "p{p}: spread {}",
                narrow.cdf_spread_at(q)
            );
        }
        // Long waits spread from 100 s to 1000 s: the share beyond q varies a lot between
        // replications, and so must the interval.
        let e = differing_tails((100.0, 1000.0)).estimate(0.97);
        assert!(e.half_width > 50.0, "{e:?}");
    }

    #[test]
    fn zeros_give_a_zero_quantile() {
        let mut h = WaitHistogram::default();
        for _ in 0..90 {
            h.record(0.0);
        }
        for _ in 0..10 {
            h.record(30.0);
        }
        assert_eq!(h.quantile(0.5), 0.0);
        assert_eq!(h.quantile(0.9), 0.0);
        assert!((h.quantile(0.95) - 30.0).abs() < 2.0);
        assert!(WaitHistogram::default().quantile(0.5).is_nan());
    }

    #[test]
    fn waits_outside_the_range_land_in_the_edge_bins() {
        assert_eq!(COARSE.index(0.0), 0);
        assert_eq!(COARSE.index(0.01), 1);
        assert_eq!(COARSE.index(1e9), COARSE.bins() - 1);
        assert_eq!(COARSE.bins(), 79);
        let mut counts = vec![0u64; COARSE.bins()];
        counts[COARSE.index(1e9)] += 1;
        let median = COARSE.quantile(&counts, 0.5, 1e9);
        assert!((2f64.powi(17)..=1e9).contains(&median), "{median}");
        assert_eq!(COARSE.quantile(&counts, 1.0, 1e9), 1e9);
    }
}
