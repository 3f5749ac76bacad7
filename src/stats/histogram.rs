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
//! confidence interval: the spread over replications of each replication's count of waits up
//! to the estimate, Cᵣ(q̂), gives a ratio-estimator interval for F(q̂), which is mapped back
//! through the pooled distribution. The whole period and each reporting interval use the same
//! estimator. (Averaging each replication's own percentile instead estimates the
//! mean of a per-replication percentile, which differs from the percentile of the wait
//! distribution when waits are correlated within a replication — as they always are.)

use super::tally::{Estimate, MIN_REPLICATIONS_WITH_EVENTS, student_t_975};

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

/// Running sums over replications of one bin's complement count `D = N − C` (waits above the
/// bin's upper edge in replication r, N its total): `Σ D²`, `Σ D[previous bin] · D` and
/// `Σ D · N`. With the pooled counts these give the exact ratio-estimator variance of any
/// linear interpolation between two adjacent edges (the residuals of `D` are those of `C`
/// with the sign changed).
#[derive(Debug, Clone, Copy, Default)]
struct CdfSums {
    sum_sq: f64,
    cross: f64,
    with_total: f64,
}

impl CdfSums {
    fn add(&mut self, o: CdfSums, sign: f64) {
        self.sum_sq += sign * o.sum_sq;
        self.cross += sign * o.cross;
        self.with_total += sign * o.with_total;
    }
}

/// Percentiles of waits pooled over replications, with a sectioning-style confidence interval
/// (see the module docs). Fold replications in replication order.
///
/// The pooled CDF at q, `F̂(q) = Σᵣ Cᵣ(q) / Σᵣ Nᵣ`, is a ratio estimator over replications,
/// so its standard error is the delta-method one, `s / (√n · N̄)` with
/// `s² = Σᵣ (Cᵣ(q) − F̂ Nᵣ)² / (n − 1)` (Cᵣ(q): waits up to q in replication r): replications weigh by their number of waits, which
/// keeps the interval honest per interval, where replications hold few and unequal numbers of
/// waits. The interval for the percentile is `[F̂⁻¹(p − t·se), F̂⁻¹(p + t·se)]`.
#[derive(Debug, Clone)]
pub struct PooledQuantiles {
    layout: Layout,
    pooled: Vec<u64>,
    /// The [`CdfSums`] of each bin as a difference array: bin i's sums are the prefix sum of
    /// entries `0..=i`. A replication's complement count is constant between its occupied
    /// bins, so it adds a constant to a run of bins: two entries per run instead of one per
    /// bin (a replication-interval with a handful of waits touches a handful of entries).
    cdf: Vec<CdfSums>,
    /// Σ N and Σ N² over replications.
    total: f64,
    total_sq: f64,
    max: f64,
    reps: u64,
    /// Replications with at least one wait.
    reps_with_waits: u64,
}

impl PooledQuantiles {
    pub fn new(layout: Layout) -> Self {
        Self {
            layout,
            pooled: vec![0; layout.bins()],
            cdf: vec![CdfSums::default(); layout.bins()],
            total: 0.0,
            total_sq: 0.0,
            max: 0.0,
            reps: 0,
            reps_with_waits: 0,
        }
    }

    /// Adds one replication's counts (laid out as this estimator's layout) and its largest
    /// wait. A replication with no wait still counts as a replication (it holds 0 of 0).
    pub fn add<C: Copy + Into<u64>>(&mut self, counts: &[C], max: f64) {
        let total: u64 = counts.iter().map(|c| (*c).into()).sum();
        self.add_counted(counts, total, max);
    }

    /// Like [`PooledQuantiles::add`] when the caller knows the counts' total.
    pub fn add_counted<C: Copy + Into<u64>>(&mut self, counts: &[C], total: u64, max: f64) {
        debug_assert_eq!(counts.len(), self.pooled.len());
        debug_assert_eq!(total, counts.iter().map(|c| (*c).into()).sum::<u64>());
        self.reps += 1;
        if total == 0 {
            return;
        }
        self.reps_with_waits += 1;
        self.max = self.max.max(max);
        let n = total as f64;
        self.total += n;
        self.total_sq += n * n;
        // Sums of the complement D = N − C (waits above each edge): constant between occupied
        // bins, and 0 from the last occupied bin on. Each run [start, next occupied bin) of
        // constant D adds (D², D², D·N) to every bin of the run — except that the run's first
        // bin pairs D with the previous run's D in `cross`.
        let (mut above, mut previous, mut start) = (n, n, 0usize);
        for (i, c) in counts.iter().enumerate() {
            let c: u64 = (*c).into();
            if c == 0 {
                continue;
            }
            self.pooled[i] += c;
            // Close the run [start, i) of D = above.
            if i > start {
                self.range(start, i, above, previous, n);
                previous = above;
            }
            above -= c as f64;
            // Bin i itself begins a run with the new D.
            self.range(i, i + 1, above, previous, n);
            previous = above;
            start = i + 1;
            if above == 0.0 {
                break;
            }
        }
    }

    /// Adds to bins `from..to` the sums of a complement count `d` that follows `previous`.
    #[inline]
    fn range(&mut self, from: usize, to: usize, d: f64, previous: f64, n: f64) {
        let run = CdfSums {
            sum_sq: d * d,
            cross: d * d,
            with_total: d * n,
        };
        self.cdf[from].add(run, 1.0);
        self.cdf[from].cross += previous * d - d * d;
        if from + 1 < self.cdf.len() {
            self.cdf[from + 1].cross -= previous * d - d * d;
        }
        if to < self.cdf.len() {
            self.cdf[to].add(run, -1.0);
        }
    }

    /// The sums of bin `i` (prefix sum of the difference array).
    fn sums_at(&self, i: usize) -> CdfSums {
        let mut s = CdfSums::default();
        for d in &self.cdf[..=i] {
            s.add(*d, 1.0);
        }
        s
    }

    /// Standard error of the pooled CDF at `q`, each replication's cumulative count
    /// interpolated linearly inside the bin that holds `q` (as the quantile is).
    fn cdf_standard_error(&self, q: f64) -> f64 {
        let n = self.reps as f64;
        let i = self.layout.index(q);
        // Pooled waits above the upper edge of bin j (the complement the sums are kept of).
        let cum = |j: usize| self.total - self.pooled[..=j].iter().sum::<u64>() as f64;
        let b = self.sums_at(i);
        let (sum_x, sum_xx, sum_xn) = if i == 0 {
            (cum(0), b.sum_sq, b.with_total)
        } else {
            let a = self.sums_at(i - 1);
            let (lo, hi) = self.layout.edges(i, self.max);
            let f = if hi > lo {
                ((q - lo) / (hi - lo)).clamp(0.0, 1.0)
            } else {
                1.0
            };
            let g = 1.0 - f;
            (
                g * cum(i - 1) + f * cum(i),
                g * g * a.sum_sq + f * f * b.sum_sq + 2.0 * f * g * b.cross,
                g * a.with_total + f * b.with_total,
            )
        };
        let r = sum_x / self.total;
        let ss = (sum_xx - 2.0 * r * sum_xn + r * r * self.total_sq).max(0.0);
        (ss / (n - 1.0)).sqrt() / (n.sqrt() * self.total / n)
    }

    /// The pooled `p`-quantile with its 95% interval, reported symmetrically as the larger of
    /// its two sides (conservative). `n` counts every replication folded; `events` is the
    /// number of pooled waits on the rarer side of the percentile; the figure is `reliable`
    /// when waits occurred in enough replications (see [`MIN_REPLICATIONS_WITH_EVENTS`]) and at
    /// least that many waits lie on the rarer side.
    pub fn estimate(&self, p: f64) -> Estimate {
        let needed = MIN_REPLICATIONS_WITH_EVENTS.min(self.reps);
        let rare = (p.min(1.0 - p) * self.total).floor() as u64;
        let reliable = self.reps >= 2 && self.reps_with_waits >= needed && rare >= MIN_REPLICATIONS_WITH_EVENTS;
        if self.reps_with_waits == 0 {
            return Estimate {
                mean: f64::NAN,
                half_width: f64::NAN,
                n: self.reps,
                events: Some(0),
                reliable: false,
            };
        }
        let q = self.layout.quantile(&self.pooled, p, self.max);
        if self.reps < 2 {
            return Estimate {
                mean: q,
                half_width: f64::NAN,
                n: self.reps,
                events: Some(rare),
                reliable: false,
            };
        }
        let d = student_t_975(self.reps - 1) * self.cdf_standard_error(q);
        let lo = self.layout.quantile(&self.pooled, (p - d).clamp(0.0, 1.0), self.max);
        let hi = self.layout.quantile(&self.pooled, (p + d).clamp(0.0, 1.0), self.max);
        Estimate {
            mean: q,
            half_width: (q - lo).max(hi - q).max(0.0),
            n: self.reps,
            events: Some(rare),
            reliable,
        }
    }

    /// The largest wait in any replication folded (0 if none).
    pub fn max(&self) -> f64 {
        self.max
    }

    /// Replications folded.
    pub fn replications(&self) -> u64 {
        self.reps
    }

    /// Waits pooled over every replication folded.
    pub fn waits(&self) -> u64 {
        self.total as u64
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
        assert!(e.half_width < 1e-6 * e.mean, "{e:?}"); // rounding of the sums of squares only
        assert!(PooledQuantiles::new(FINE).estimate(0.5).mean.is_nan());
    }

    #[test]
    fn the_difference_array_gives_the_sums_of_every_bin() {
        // Sparse replications, as per interval: the run-wise updates must equal the direct
        // per-bin sums of D = N − C, D² , D[i−1]·D and D·N.
        let bins = COARSE.bins();
        let reps: Vec<Vec<u32>> = (0..7u32)
            .map(|r| {
                let mut c = vec![0u32; bins];
                for k in 0..=r {
                    c[((k * 13 + r * 7) % 40) as usize] += k + 1;
                }
                c
            })
            .collect();
        let mut pooled = PooledQuantiles::new(COARSE);
        let mut direct = vec![CdfSums::default(); bins];
        for c in &reps {
            pooled.add(c, 100.0);
            let n: f64 = c.iter().map(|v| f64::from(*v)).sum();
            let (mut cum, mut previous) = (0.0, n);
            for (i, v) in c.iter().enumerate() {
                cum += f64::from(*v);
                let d = n - cum;
                direct[i].sum_sq += d * d;
                direct[i].cross += previous * d;
                direct[i].with_total += d * n;
                previous = d;
            }
        }
        for (i, want) in direct.iter().enumerate() {
            let got = pooled.sums_at(i);
            for (g, w) in [
                (got.sum_sq, want.sum_sq),
                (got.cross, want.cross),
                (got.with_total, want.with_total),
            ] {
                assert!((g - w).abs() <= 1e-9 * w.abs().max(1.0), "bin {i}: {g} vs {w}");
            }
        }
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
                narrow.cdf_standard_error(q) > 0.0015,
                "p{p}: standard error {}",
                narrow.cdf_standard_error(q)
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
