//! A fixed, log-spaced histogram of waiting times for percentiles, with no allocation per sample.
//!
//! Bins follow the binary representation of the `f64`: each power of two from 2⁻¹⁰ s (~1 ms)
//! to 2²⁰ s (~12 days) is split into 16 equal sub-bins, so a bin is at most 1/16 = 6.25 % of its
//! lower edge wide; exact zeros (answered at once) have their own bin. Percentiles interpolate
//! linearly inside the bin, so their error is well under the bin width.

const SUB_BITS: u32 = 4;
const SUB: usize = 1 << SUB_BITS;
const MIN_EXP: i32 = -10;
const MAX_EXP: i32 = 20;
/// Number of log-spaced bins.
const LOG_BINS: usize = (MAX_EXP - MIN_EXP) as usize * SUB;

/// Counts of waits in fixed bins.
#[derive(Debug, Clone)]
pub struct WaitHistogram {
    zero: u64,
    /// Waits in `(0, 2^MIN_EXP)`.
    tiny: u64,
    bins: Box<[u64; LOG_BINS]>,
    /// Waits of `2^MAX_EXP` s or more, with their largest value.
    over: u64,
    max: f64,
    count: u64,
}

impl Default for WaitHistogram {
    fn default() -> Self {
        Self {
            zero: 0,
            tiny: 0,
            bins: Box::new([0; LOG_BINS]),
            over: 0,
            max: 0.0,
            count: 0,
        }
    }
}

impl WaitHistogram {
    pub fn clear(&mut self) {
        self.zero = 0;
        self.tiny = 0;
        self.bins.fill(0);
        self.over = 0;
        self.max = 0.0;
        self.count = 0;
    }

    /// Number of samples recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Records one wait (seconds, >= 0). Cost: a few integer operations.
    #[inline]
    pub fn record(&mut self, w: f64) {
        self.count += 1;
        self.max = self.max.max(w);
        if w <= 0.0 {
            self.zero += 1;
            return;
        }
        let bits = w.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i32 - 1023;
        if exp < MIN_EXP {
            self.tiny += 1;
        } else if exp >= MAX_EXP {
            self.over += 1;
        } else {
            let sub = ((bits >> (52 - SUB_BITS)) as usize) & (SUB - 1);
            self.bins[(exp - MIN_EXP) as usize * SUB + sub] += 1;
        }
    }

    /// Lower and upper edge (seconds) of log bin `i`.
    fn edges(i: usize) -> (f64, f64) {
        let exp = MIN_EXP + (i / SUB) as i32;
        let base = 2f64.powi(exp);
        let sub = (i % SUB) as f64;
        (base * (1.0 + sub / SUB as f64), base * (1.0 + (sub + 1.0) / SUB as f64))
    }

    /// The `p`-quantile (0 < p <= 1) of the recorded waits: the smallest w with F(w) >= p,
    /// interpolated linearly within its bin. NaN if the histogram is empty.
    pub fn quantile(&self, p: f64) -> f64 {
        if self.count == 0 {
            return f64::NAN;
        }
        let target = p * self.count as f64;
        let mut cum = self.zero as f64;
        if cum >= target {
            return 0.0;
        }
        let tiny_top = 2f64.powi(MIN_EXP);
        if cum + self.tiny as f64 >= target {
            return tiny_top * (target - cum) / self.tiny as f64;
        }
        cum += self.tiny as f64;
        for (i, &n) in self.bins.iter().enumerate() {
            if n == 0 {
                continue;
            }
            if cum + n as f64 >= target {
                let (lo, hi) = Self::edges(i);
                return (lo + (hi - lo) * (target - cum) / n as f64).min(self.max);
            }
            cum += n as f64;
        }
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_a_uniform_sample_are_within_the_bin_width() {
        let mut h = WaitHistogram::default();
        for i in 1..=100_000 {
            h.record(i as f64 * 0.01);
        }
        for p in [0.5, 0.8, 0.9, 0.95, 0.99] {
            let exact = p * 1000.0;
            let got = h.quantile(p);
            assert!((got / exact - 1.0).abs() < 0.01, "p{p}: {got} vs {exact}");
        }
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
}
