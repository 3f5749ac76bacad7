//! Probability distributions of durations (handle time, patience): exponential, lognormal by mean
//! and CV, gamma, Weibull, uniform, constant and empirical; and built from them, mixtures (an
//! atom is a mixture with a constant part), shifted and truncated forms.
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
    /// Part `i` with probability `weights[i]`: `cumulative` holds the running sums of the
    /// weights (normalised, the last exactly 1). Never empty.
    Mixture { cumulative: Arc<[f64]>, parts: Arc<[Dist]> },
    /// `shift` seconds plus a draw of `inner`.
    Shifted { shift: f64, inner: Box<Dist> },
    /// `inner` conditioned on `[lo, hi]`: drawn again until a draw falls inside (the scenario
    /// compiler checks that at least [`MIN_TRUNCATED_MASS`] of the mass is inside).
    Truncated {
        lo: f64,
        hi: f64,
        inner: Box<Dist>,
        /// Estimated once, from [`TRUNCATION_PROBE`] draws of a fixed stream.
        mean: f64,
    },
}

/// The least share of a distribution's mass that a truncation may keep (below it, drawing
/// again until a value falls inside would take too long).
pub const MIN_TRUNCATED_MASS: f64 = 0.01;
/// Draws that estimate a truncated distribution's mass and mean.
pub const TRUNCATION_PROBE: usize = 200_000;
/// Draws a truncated sample tries before giving the nearer bound (at the least mass allowed,
/// all of them miss with probability 0.99^10000, about 2e-44).
const MAX_TRUNCATION_TRIES: usize = 10_000;

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

    /// A mixture of `parts` with the given weights (finite, > 0; normalised here).
    pub fn mixture(weighted: Vec<(f64, Dist)>) -> Result<Self, String> {
        if weighted.is_empty() {
            return Err("needs at least one part".into());
        }
        if let Some((w, _)) = weighted.iter().find(|(w, _)| !(w.is_finite() && *w > 0.0)) {
            return Err(format!("weights must be finite and > 0, got {w}"));
        }
        let total: f64 = weighted.iter().map(|(w, _)| w).sum();
        let mut running = 0.0;
        let mut cumulative: Vec<f64> = weighted
            .iter()
            .map(|(w, _)| {
                running += w;
                running / total
            })
            .collect();
        *cumulative.last_mut().expect("not empty") = 1.0;
        Ok(Dist::Mixture {
            cumulative: cumulative.into(),
            parts: weighted.into_iter().map(|(_, d)| d).collect(),
        })
    }

    /// `inner` shifted right by `shift` seconds (finite, >= 0).
    pub fn shifted(shift: f64, inner: Dist) -> Result<Self, String> {
        if !(shift.is_finite() && shift >= 0.0) {
            return Err(format!("shift must be a finite, non-negative duration, got {shift}"));
        }
        Ok(Dist::Shifted {
            shift,
            inner: Box::new(inner),
        })
    }

    /// `inner` conditioned on `[lo, hi]`; refused unless at least [`MIN_TRUNCATED_MASS`] of
    /// its mass lies there (estimated from [`TRUNCATION_PROBE`] draws of a fixed stream, which
    /// also give the mean).
    pub fn truncated(lo: f64, hi: f64, inner: Dist) -> Result<Self, String> {
        if !(lo >= 0.0 && lo <= hi && !hi.is_nan()) {
            return Err(format!("needs 0 <= at_least <= at_most, got {lo} and {hi}"));
        }
        let mut rng = crate::rng::Substream(0x7472_756e_6361_7465);
        let (mut inside, mut sum) = (0usize, 0.0);
        for _ in 0..TRUNCATION_PROBE {
            let x = inner.sample(&mut rng);
            if (lo..=hi).contains(&x) {
                inside += 1;
                sum += x;
            }
        }
        let mass = inside as f64 / TRUNCATION_PROBE as f64;
        if mass < MIN_TRUNCATED_MASS {
            return Err(format!(
                "only about {:.3}% of the distribution lies in [{lo}, {hi}] s; at least {}% must (widen the bounds)",
                100.0 * mass,
                100.0 * MIN_TRUNCATED_MASS
            ));
        }
        Ok(Dist::Truncated {
            lo,
            hi,
            inner: Box::new(inner),
            mean: sum / inside as f64,
        })
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
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        // The exponential (the common case) inline at the call site; the rest out of line.
        if let Dist::Exponential { mean } = self {
            let e: f64 = Exp1.sample(rng);
            return (mean * e).min(MAX_DURATION);
        }
        self.draw(rng).min(MAX_DURATION)
    }

    #[inline(never)]
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
            Dist::Mixture { cumulative, parts } => {
                let u = rng.random::<f64>();
                let i = cumulative.iter().position(|c| u < *c).unwrap_or(parts.len() - 1);
                parts[i].sample(rng)
            }
            Dist::Shifted { shift, inner } => shift + inner.sample(rng),
            Dist::Truncated { lo, hi, inner, .. } => {
                for _ in 0..MAX_TRUNCATION_TRIES {
                    let x = inner.sample(rng);
                    if (*lo..=*hi).contains(&x) {
                        return x;
                    }
                }
                inner.mean().clamp(*lo, *hi)
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
            Dist::Empirical { mean, .. } | Dist::Truncated { mean, .. } => *mean,
            Dist::Mixture { cumulative, parts } => {
                let mut previous = 0.0;
                cumulative
                    .iter()
                    .zip(parts.iter())
                    .map(|(c, d)| {
                        let w = c - previous;
                        previous = *c;
                        w * d.mean()
                    })
                    .sum()
            }
            Dist::Shifted { shift, inner } => shift + inner.mean(),
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

/// The coefficients of Lanczos's approximation of the gamma function with g = 7, n = 9.
pub(crate) const LANCZOS_G7: [f64; 9] = [
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

/// The gamma function Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error < 1e-13).
fn gamma_fn(x: f64) -> f64 {
    const G: f64 = 7.0;
    const C: [f64; 9] = LANCZOS_G7;
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
    fn a_mixture_draws_each_part_with_its_weight() {
        // An atom: 0 with probability 0.25, else exponential with mean 100 s.
        let d = Dist::mixture(vec![
            (1.0, Dist::constant(0.0).unwrap()),
            (3.0, Dist::exponential(100.0).unwrap()),
        ])
        .unwrap();
        assert!((d.mean() - 75.0).abs() < 1e-12);
        let mut rng = stream(7, 0, StreamId::new(Source::Patience, 0));
        let n = 200_000;
        let zeros = (0..n).filter(|_| d.sample(&mut rng) == 0.0).count() as f64 / n as f64;
        // Binomial SE at n = 200,000: 0.00097; 4 SE is 1.6% of 0.25.
        assert!(
            (zeros - 0.25).abs() < 4.0 * (0.25f64 * 0.75 / n as f64).sqrt(),
            "{zeros}"
        );
        let (m, _) = sample_mean_cv(&d, 400_000);
        assert!((m / 75.0 - 1.0).abs() < 0.01, "{m}");
        assert!(Dist::mixture(vec![]).is_err());
        assert!(Dist::mixture(vec![(0.0, Dist::constant(1.0).unwrap())]).is_err());
    }

    #[test]
    fn a_shift_adds_to_every_draw() {
        let d = Dist::shifted(30.0, Dist::exponential(60.0).unwrap()).unwrap();
        assert_eq!(d.mean(), 90.0);
        let mut rng = stream(7, 0, StreamId::new(Source::HandleTime, 0));
        assert!((0..10_000).all(|_| d.sample(&mut rng) >= 30.0));
        let (m, _) = sample_mean_cv(&d, 400_000);
        assert!((m / 90.0 - 1.0).abs() < 0.01, "{m}");
    }

    #[test]
    fn a_truncated_distribution_stays_in_its_bounds_and_has_the_conditional_mean() {
        // Exponential with mean m on [a, b]: mean a + m - (b - a) / (e^((b-a)/m) - 1).
        let (m, a, b) = (100.0, 20.0, 150.0);
        let d = Dist::truncated(a, b, Dist::exponential(m).unwrap()).unwrap();
        let exact = a + m - (b - a) / (((b - a) / m).exp() - 1.0);
        // The mean estimated from 200,000 probe draws: SE about 0.08 s.
        assert!((d.mean() - exact).abs() < 0.5, "{} vs {exact}", d.mean());
        let mut rng = stream(7, 0, StreamId::new(Source::HandleTime, 0));
        assert!((0..10_000).all(|_| (a..=b).contains(&d.sample(&mut rng))));
        let (sample, _) = sample_mean_cv(&d, 400_000);
        assert!((sample / exact - 1.0).abs() < 0.005, "{sample} vs {exact}");
        assert!(
            Dist::truncated(5000.0, 6000.0, Dist::exponential(m).unwrap()).is_err(),
            "too little mass"
        );
        assert!(Dist::truncated(50.0, 10.0, Dist::exponential(m).unwrap()).is_err());
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
