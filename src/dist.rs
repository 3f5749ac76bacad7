//! Probability distributions of durations (handle time, patience): exponential, lognormal by mean
//! and CV, gamma, Weibull, uniform, constant and empirical.
//!
//! A [`Dist`] is built and checked by the scenario compiler, so sampling cannot fail. Every
//! sample is a finite, non-negative number of seconds. Sampling costs one or two uniforms (the
//! exponential and normal use rand_distr's ziggurat; gamma uses Marsaglia–Tsang).

use crate::time::MAX_DURATION;

use rand::Rng;
use rand_distr::{Distribution, Exp1, Gamma, LogNormal, Weibull};
use std::sync::Arc;

/// A distribution of non-negative durations in seconds.
#[derive(Debug, Clone)]
pub enum Dist {
    /// Always `value` seconds.
    Constant { value: f64 },
    /// Exponential with the given mean (seconds).
    Exponential { mean: f64 },
    /// Lognormal with the given mean and coefficient of variation (σ/mean).
    LogNormal { mean: f64, cv: f64, inner: LogNormal<f64> },
    /// Gamma with the given shape k and scale θ (mean kθ).
    Gamma { shape: f64, scale: f64, inner: Gamma<f64> },
    /// Weibull with the given shape k and scale λ (seconds).
    Weibull {
        shape: f64,
        scale: f64,
        inner: Weibull<f64>,
    },
    /// Uniform on `[min, max]` seconds.
    Uniform { min: f64, max: f64 },
    /// Resampling of observed values (seconds), each with equal probability. Never empty.
    Empirical { samples: Arc<[f64]>, mean: f64 },
}

impl Dist {
    /// An exponential distribution; `mean` must be finite and positive.
    pub fn exponential(mean: f64) -> Result<Self, String> {
        positive("mean", mean)?;
        Ok(Dist::Exponential { mean })
    }

    /// A constant; `value` must be finite and non-negative.
    pub fn constant(value: f64) -> Result<Self, String> {
        if !(value.is_finite() && value >= 0.0) {
            return Err(format!("value must be a finite, non-negative duration, got {value}"));
        }
        Ok(Dist::Constant { value })
    }

    /// A lognormal by its mean (seconds, > 0) and coefficient of variation (> 0).
    pub fn lognormal(mean: f64, cv: f64) -> Result<Self, String> {
        positive("mean", mean)?;
        positive("cv", cv)?;
        let sigma2 = (1.0 + cv * cv).ln();
        let mu = mean.ln() - sigma2 / 2.0;
        let inner = LogNormal::new(mu, sigma2.sqrt()).map_err(|e| e.to_string())?;
        Ok(Dist::LogNormal { mean, cv, inner })
    }

    /// A gamma by shape (> 0) and scale (seconds, > 0).
    pub fn gamma(shape: f64, scale: f64) -> Result<Self, String> {
        positive("shape", shape)?;
        positive("scale", scale)?;
        let inner = Gamma::new(shape, scale).map_err(|e| e.to_string())?;
        Ok(Dist::Gamma { shape, scale, inner })
    }

    /// A Weibull by shape (> 0) and scale (seconds, > 0).
    pub fn weibull(shape: f64, scale: f64) -> Result<Self, String> {
        positive("shape", shape)?;
        positive("scale", scale)?;
        let inner = Weibull::new(scale, shape).map_err(|e| e.to_string())?;
        Ok(Dist::Weibull { shape, scale, inner })
    }

    /// A uniform on `[min, max]`, `0 <= min <= max`.
    pub fn uniform(min: f64, max: f64) -> Result<Self, String> {
        if !(min.is_finite() && max.is_finite() && min >= 0.0 && min <= max) {
            return Err(format!("needs 0 <= min <= max, got min = {min}, max = {max}"));
        }
        Ok(Dist::Uniform { min, max })
    }

    /// An empirical distribution over `samples` (seconds): non-empty, finite, non-negative.
    pub fn empirical(samples: Vec<f64>) -> Result<Self, String> {
        if samples.is_empty() {
            return Err("has no samples".into());
        }
        if let Some(bad) = samples.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
            return Err(format!("samples must be finite and non-negative, found {bad}"));
        }
        let mean = samples.iter().sum::<f64>() / samples.len() as f64;
        Ok(Dist::Empirical {
            samples: samples.into(),
            mean,
        })
    }

    /// One draw, in seconds: finite, >= 0 and at most [`MAX_DURATION`] (a heavy tail, e.g. a
    /// Weibull of very small shape, is capped there rather than reaching infinity).
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        // The exponential (the common case) inline at the call site; the rest out of line.
        if let Dist::Exponential { mean } = self {
            let e: f64 = Exp1.sample(rng);
            return (mean * e).min(MAX_DURATION);
        }
        self.draw(rng).min(MAX_DURATION)
    }

    #[inline]
    fn draw<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            Dist::Constant { value } => *value,
            Dist::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                mean * e
            }
            Dist::LogNormal { inner, .. } => inner.sample(rng),
            Dist::Gamma { inner, .. } => inner.sample(rng),
            Dist::Weibull { inner, .. } => inner.sample(rng),
            Dist::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            Dist::Empirical { samples, .. } => {
                let i = (rng.random::<f64>() * samples.len() as f64) as usize;
                samples[i.min(samples.len() - 1)]
            }
        }
    }

    /// The mean in seconds.
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Constant { value } => *value,
            Dist::Exponential { mean } | Dist::LogNormal { mean, .. } => *mean,
            Dist::Gamma { shape, scale, .. } => shape * scale,
            Dist::Weibull { shape, scale, .. } => scale * gamma_fn(1.0 + 1.0 / shape),
            Dist::Uniform { min, max } => (min + max) / 2.0,
            Dist::Empirical { mean, .. } => *mean,
        }
    }

    /// The exponential mean, if this is an exponential distribution (Erlang models need it).
    pub fn exponential_mean(&self) -> Option<f64> {
        match self {
            Dist::Exponential { mean } => Some(*mean),
            _ => None,
        }
    }
}

fn positive(name: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(format!("{name} must be finite and > 0, got {v}"))
    }
}

/// The gamma function Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error < 1e-13).
fn gamma_fn(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return std::f64::consts::PI / ((std::f64::consts::PI * x).sin() * gamma_fn(1.0 - x));
    }
    let x = x - 1.0;
    let t = x + G + 0.5;
    let sum = C[0] + (1..9).map(|i| C[i] / (x + i as f64)).sum::<f64>();
    (2.0 * std::f64::consts::PI).sqrt() * t.powf(x + 0.5) * (-t).exp() * sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Source, StreamId, stream};

    fn sample_mean_cv(d: &Dist, n: usize) -> (f64, f64) {
        let mut rng = stream(7, 0, StreamId::new(Source::HandleTime, 0));
        let xs: Vec<f64> = (0..n).map(|_| d.sample(&mut rng)).collect();
        let m = xs.iter().sum::<f64>() / n as f64;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1) as f64;
        (m, v.sqrt() / m)
    }

    #[test]
    fn every_distribution_has_the_mean_it_claims() {
        let cases = [
            Dist::exponential(300.0).unwrap(),
            Dist::lognormal(200.0, 1.2).unwrap(),
            Dist::gamma(2.0, 50.0).unwrap(),
            Dist::weibull(1.5, 100.0).unwrap(),
            Dist::uniform(10.0, 30.0).unwrap(),
            Dist::constant(42.0).unwrap(),
            Dist::empirical(vec![1.0, 2.0, 6.0]).unwrap(),
        ];
        for d in &cases {
            let (m, _) = sample_mean_cv(d, 400_000);
            assert!(
                (m / d.mean() - 1.0).abs() < 0.01,
                "{d:?}: sample mean {m} vs {}",
                d.mean()
            );
        }
    }

    #[test]
    fn lognormal_has_the_requested_cv() {
        let (_, cv) = sample_mean_cv(&Dist::lognormal(180.0, 1.0).unwrap(), 400_000);
        assert!((cv - 1.0).abs() < 0.03, "cv {cv}");
    }

    #[test]
    fn impossible_parameters_are_refused() {
        assert!(Dist::exponential(0.0).is_err());
        assert!(Dist::lognormal(10.0, 0.0).is_err());
        assert!(Dist::lognormal(10.0, -1.0).is_err());
        assert!(Dist::gamma(-1.0, 1.0).is_err());
        assert!(Dist::uniform(5.0, 1.0).is_err());
        assert!(Dist::empirical(vec![]).is_err());
        assert!(Dist::empirical(vec![1.0, f64::NAN]).is_err());
    }

    #[test]
    fn samples_stay_finite_however_heavy_the_tail() {
        let d = Dist::weibull(0.001, 100.0).unwrap();
        let mut rng = stream(7, 0, StreamId::new(Source::HandleTime, 0));
        for _ in 0..10_000 {
            let x = d.sample(&mut rng);
            assert!(x.is_finite() && (0.0..=MAX_DURATION).contains(&x), "{x}");
        }
    }

    #[test]
    fn gamma_function_matches_known_values() {
        assert!((gamma_fn(5.0) - 24.0).abs() < 1e-10);
        assert!((gamma_fn(0.5) - std::f64::consts::PI.sqrt()).abs() < 1e-12);
    }
}
