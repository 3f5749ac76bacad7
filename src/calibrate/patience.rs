//! Patience from queued calls by Kaplan–Meier: an abandonment is an event at its wait, an
//! answered (or otherwise ended) wait is censored there. The curve becomes a distribution
//! the scenario can use: a mixture of an atom at 0 (hang-ups at once), uniforms between knots
//! (the curve interpolated linearly) and, beyond the last knot, an exponential tail whose rate
//! is the events beyond it over the time waited beyond it (the censored tail's MLE).
//!
//! The existing distribution kinds express this exactly (`mixture` of `constant`, `uniform`
//! and a `shift`ed `exponential`), so no new kind is needed. Knots are event times that split
//! the events into about [`SEGMENTS`] equal parts, among times with at least [`MIN_AT_RISK`]
//! calls still waiting, so dense parts of the curve (early hang-ups, the bump near a minute)
//! get short segments and the sparse tail is left to the exponential.

/// Segments of the piecewise curve (equal numbers of events).
pub const SEGMENTS: usize = 20;
/// Calls still waiting below which the curve is not followed (the tail takes over).
pub const MIN_AT_RISK: u64 = 30;

/// A Kaplan–Meier curve, at its distinct event times (seconds, increasing).
#[derive(Debug, Clone, PartialEq)]
pub struct KaplanMeier {
    pub times: Vec<f64>,
    /// Calls still waiting just before each time (censored at the time included).
    pub at_risk: Vec<u64>,
    /// Abandonments at each time.
    pub events: Vec<u64>,
    /// Survival just after each time.
    pub survival: Vec<f64>,
    /// Greenwood's sum Σ d/(n(n − d)) up to each time.
    greenwood: Vec<f64>,
}

impl KaplanMeier {
    /// The curve of `(wait, abandoned)` observations (waits in seconds, finite, >= 0). Ties:
    /// every wait equal to t is at risk at t; a censored wait at t counts as surviving t.
    pub fn new(observations: &[(f64, bool)]) -> Self {
        let mut obs = observations.to_vec();
        obs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut km = KaplanMeier {
            times: Vec::new(),
            at_risk: Vec::new(),
            events: Vec::new(),
            survival: Vec::new(),
            greenwood: Vec::new(),
        };
        let (mut s, mut g) = (1.0, 0.0);
        let mut i = 0;
        while i < obs.len() {
            let t = obs[i].0;
            let n = (obs.len() - i) as u64;
            let mut d = 0;
            while i < obs.len() && obs[i].0 == t {
                d += u64::from(obs[i].1);
                i += 1;
            }
            if d > 0 {
                s *= 1.0 - d as f64 / n as f64;
                if n > d {
                    g += d as f64 / (n as f64 * (n - d) as f64);
                }
                km.times.push(t);
                km.at_risk.push(n);
                km.events.push(d);
                km.survival.push(s);
                km.greenwood.push(g);
            }
        }
        km
    }

    /// S(t) and its Greenwood standard error.
    pub fn at(&self, t: f64) -> (f64, f64) {
        let k = self.times.partition_point(|x| *x <= t);
        if k == 0 {
            return (1.0, 0.0);
        }
        let s = self.survival[k - 1];
        (s, s * self.greenwood[k - 1].sqrt())
    }

    /// The first time at which `f(S, SE)` is at most 0.5.
    fn first_below_half(&self, f: impl Fn(f64, f64) -> f64) -> Option<f64> {
        (0..self.times.len())
            .find(|&k| f(self.survival[k], self.survival[k] * self.greenwood[k].sqrt()) <= 0.5)
            .map(|k| self.times[k])
    }

    /// The median: the first time S(t) <= 0.5.
    pub fn median(&self) -> Option<f64> {
        self.first_below_half(|s, _| s)
    }

    /// A 95% interval for the median: the times the pointwise band S ± 1.96 SE crosses 0.5
    /// (the upper end `None` if the band never does).
    pub fn median_ci(&self) -> (Option<f64>, Option<f64>) {
        (
            self.first_below_half(|s, se| s - 1.96 * se),
            self.first_below_half(|s, se| s + 1.96 * se),
        )
    }
}

/// One part of the fitted patience distribution.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Probability `weight` of hanging up at once.
    Atom { weight: f64 },
    /// Probability `weight`, uniform on `[from, to]` seconds.
    Uniform { weight: f64, from: f64, to: f64 },
    /// Probability `weight`: `from` plus an exponential of mean `mean` seconds.
    Tail { weight: f64, from: f64, mean: f64 },
}

/// Patience of one type fitted from its queued calls.
#[derive(Debug, Clone, PartialEq)]
pub struct PatienceFit {
    /// Queued calls and abandonments among them.
    pub n: u64,
    pub events: u64,
    pub km: KaplanMeier,
    /// The distribution, parts in order.
    pub parts: Vec<Part>,
    /// Abandonments beyond the last knot and the time waited beyond it (seconds): the tail.
    pub tail_events: u64,
    pub tail_exposure: f64,
    /// Mean of the fitted distribution, seconds.
    pub mean: f64,
    /// The exponential MLE (time waited / abandonments) for comparison, seconds.
    pub exponential_mean: f64,
}

/// Fits patience to `(wait, abandoned)` observations; `None` without any abandonment.
pub fn fit(observations: &[(f64, bool)]) -> Option<PatienceFit> {
    let events = observations.iter().filter(|o| o.1).count() as u64;
    if events == 0 {
        return None;
    }
    let km = KaplanMeier::new(observations);
    let exposure: f64 = observations.iter().map(|o| o.0).sum();
    // Event times followed: at least MIN_AT_RISK waiting, after 0 (an atom).
    let followed: Vec<usize> = (0..km.times.len())
        .filter(|&k| km.at_risk[k] >= MIN_AT_RISK && km.times[k] > 0.0)
        .collect();
    let total: u64 = followed.iter().map(|&k| km.events[k]).sum();
    let mut knots: Vec<usize> = Vec::new();
    let mut cumulative = 0;
    let mut next = 1;
    for (j, &k) in followed.iter().enumerate() {
        cumulative += km.events[k];
        if cumulative as f64 >= next as f64 * total as f64 / SEGMENTS as f64 || j + 1 == followed.len() {
            knots.push(k);
            while (next as f64) * (total as f64) / (SEGMENTS as f64) <= cumulative as f64 {
                next += 1;
            }
        }
    }
    let mut parts = Vec::new();
    let s0 = km.at(0.0).0;
    if s0 < 1.0 {
        parts.push(Part::Atom { weight: 1.0 - s0 });
    }
    let (mut from, mut s_from) = (0.0, s0);
    for &k in &knots {
        let (t, s) = (km.times[k], km.survival[k]);
        if s_from - s > 0.0 {
            parts.push(Part::Uniform {
                weight: s_from - s,
                from,
                to: t,
            });
        }
        (from, s_from) = (t, s);
    }
    let tail_events = observations.iter().filter(|o| o.1 && o.0 > from).count() as u64;
    let tail_exposure: f64 = observations.iter().map(|o| (o.0 - from).max(0.0)).sum();
    if s_from > 0.0 {
        parts.push(Part::Tail {
            weight: s_from,
            from,
            mean: (tail_exposure / tail_events.max(1) as f64).max(1.0),
        });
    }
    let mean = parts
        .iter()
        .map(|p| match p {
            Part::Atom { .. } => 0.0,
            Part::Uniform { weight, from, to } => weight * (from + to) / 2.0,
            Part::Tail { weight, from, mean } => weight * (from + mean),
        })
        .sum();
    Some(PatienceFit {
        n: observations.len() as u64,
        events,
        km,
        parts,
        tail_events,
        tail_exposure,
        mean,
        exponential_mean: exposure / events as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Exp};

    /// Seven waits worked by hand, with a tie of two events and a censoring at the same time:
    /// 1 (event), 2 (censored), 3, 3 (events), 3 (censored), 5 (event), 6 (censored).
    /// S(1) = 6/7; at 3, five wait (the censored 3 among them): S(3) = 6/7 · 3/5 = 18/35;
    /// at 5, two wait: S(5) = 9/35. Greenwood at 3: S² (1/(7·6) + 2/(5·3)).
    #[test]
    fn kaplan_meier_matches_a_hand_computed_curve_with_ties_and_censoring() {
        let obs = [
            (3.0, true),
            (1.0, true),
            (2.0, false),
            (3.0, true),
            (3.0, false),
            (5.0, true),
            (6.0, false),
        ];
        let km = KaplanMeier::new(&obs);
        assert_eq!(km.times, vec![1.0, 3.0, 5.0]);
        assert_eq!(km.at_risk, vec![7, 5, 2]);
        assert_eq!(km.events, vec![1, 2, 1]);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(km.at(2.9).0, 6.0 / 7.0));
        assert!(close(km.at(3.0).0, 18.0 / 35.0));
        assert!(close(km.at(100.0).0, 9.0 / 35.0));
        assert_eq!(km.at(0.5), (1.0, 0.0));
        let se = (18.0 / 35.0) * (1.0 / 42.0 + 2.0 / 15.0_f64).sqrt();
        assert!(close(km.at(3.0).1, se));
        assert_eq!(km.median(), Some(5.0));
    }

    /// The fitted mixture is a distribution (weights sum to 1) that follows the curve at its
    /// knots, and its tail is the censored exponential MLE.
    #[test]
    fn the_fitted_distribution_sums_to_one_and_passes_through_the_curve_at_its_knots() {
        let mut rng = crate::rng::Rng::seed_from_u64(5);
        let patience = Exp::new(1.0 / 120.0).unwrap();
        let answer = Exp::new(1.0 / 60.0).unwrap();
        let obs: Vec<(f64, bool)> = (0..5000)
            .map(|i| {
                let p: f64 = if i % 10 == 0 { 0.0 } else { patience.sample(&mut rng) };
                let a: f64 = answer.sample(&mut rng);
                (p.min(a), p <= a)
            })
            .collect();
        let fit = fit(&obs).unwrap();
        let total: f64 = fit
            .parts
            .iter()
            .map(|p| match p {
                Part::Atom { weight } | Part::Uniform { weight, .. } | Part::Tail { weight, .. } => *weight,
            })
            .sum();
        assert!((total - 1.0).abs() < 1e-12, "{total}");
        let mut s = 1.0;
        for p in &fit.parts {
            match p {
                Part::Atom { weight } => {
                    s -= weight;
                    assert!((s - fit.km.at(0.0).0).abs() < 1e-12);
                }
                Part::Uniform { weight, to, .. } => {
                    s -= weight;
                    assert!((s - fit.km.at(*to).0).abs() < 1e-9);
                }
                Part::Tail { mean, .. } => {
                    assert!((mean - fit.tail_exposure / fit.tail_events as f64).abs() < 1e-9)
                }
            }
        }
        assert!(fit.parts.len() <= SEGMENTS + 2);
    }

    #[test]
    fn without_abandonments_there_is_no_patience_to_fit() {
        assert!(fit(&[(10.0, false), (20.0, false)]).is_none());
    }
}
