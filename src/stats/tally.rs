//! Across-replication estimates: Welford's running mean and variance, folded serially in job
//! order, and Student-t 95% confidence intervals.

use serde::{Deserialize, Serialize};

/// A running mean/variance of per-replication values (Welford). NaN values are skipped: they
/// mark a replication where the figure is undefined (e.g. an SL with no answered contact).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tally {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Tally {
    #[inline]
    pub fn add(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    /// The estimate: mean and 95% confidence half-width (NaN with fewer than two values).
    pub fn estimate(&self) -> Estimate {
        let mean = if self.n == 0 { f64::NAN } else { self.mean };
        let half_width = if self.n < 2 {
            f64::NAN
        } else {
            let sd = (self.m2 / (self.n - 1) as f64).max(0.0).sqrt();
            student_t_975(self.n - 1) * sd / (self.n as f64).sqrt()
        };
        Estimate {
            mean,
            half_width,
            n: self.n,
        }
    }
}

/// A mean over replications with its 95% confidence interval `mean ± half_width`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub mean: f64,
    /// Half-width of the Student-t 95% interval; NaN with fewer than two replications.
    pub half_width: f64,
    /// Replications in which the figure was defined.
    pub n: u64,
}

impl Estimate {
    pub fn low(&self) -> f64 {
        self.mean - self.half_width
    }
    pub fn high(&self) -> f64 {
        self.mean + self.half_width
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
    fn tally_gives_mean_and_interval_and_skips_nan() {
        let mut t = Tally::default();
        for x in [1.0, 2.0, f64::NAN, 3.0] {
            t.add(x);
        }
        let e = t.estimate();
        assert_eq!(e.n, 3);
        assert!((e.mean - 2.0).abs() < 1e-12);
        assert!((e.half_width - 4.302_652_73 * 1.0 / 3f64.sqrt()).abs() < 1e-8);
    }
}
