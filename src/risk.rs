//! Plan risk by second-order Monte Carlo: each replication draws its own forecast error — a
//! volume factor, a handle-time factor and a shrinkage error — and simulates the day as it
//! then turns out against the staffing planned. Across replications the figures carry both
//! the day's own randomness and the forecast's: the probability that the service level misses
//! its target, quantiles of cost and abandonment, and cost-at-risk.
//!
//! A replication's errors come from its own stream, keyed by (seed, replication, forecast), so
//! that the run is bit-identical on any number of threads and two plans compared on the same
//! seed meet the same forecast errors (common random numbers).
//!
//! What an error changes, in the compiled scenario of that replication:
//! * volume `V`: every arrival rate is multiplied by `V`;
//! * handle time `H`: every group of people handles its contacts `H` times as long (its
//!   proficiency's handle-time multiplier);
//! * shrinkage `δ`: a share `δ` of the agents planned on the phones is not there (negative:
//!   more are), so each group's agents on the phones are multiplied by `1 − δ`, rounded.

use crate::rng::{self, Source, StreamId};
use crate::scenario::Scenario;
use crate::summary::scope_layouts;
use crate::sweep::{self, SweepOptions};
use rand_distr::{Distribution, LogNormal, Normal, Uniform};

/// The law of one forecast error.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ErrorLaw {
    /// Normal with mean 0 and this standard deviation (added to 1 for a factor).
    Normal(f64),
    /// A factor lognormal with mean 1 and this coefficient of variation.
    LogNormal(f64),
    /// Uniform on `[−h, h]` (added to 1 for a factor).
    Uniform(f64),
}

impl ErrorLaw {
    /// Parses `normal:0.1`, `lognormal:0.1` or `uniform:0.05` (a `%` is allowed: `normal:10%`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let (law, size) = text
            .split_once(':')
            .ok_or_else(|| format!("\"{text}\": expected LAW:SIZE, e.g. normal:0.1, lognormal:10% or uniform:0.05"))?;
        let size = size.trim();
        let v = crate::metrics::parse_share(size)
            .ok_or_else(|| format!("\"{text}\": the size \"{size}\" must be a number between 0 and 1 (100%)"))?;
        match law.trim() {
            "normal" => Ok(Self::Normal(v)),
            "lognormal" => Ok(Self::LogNormal(v)),
            "uniform" => Ok(Self::Uniform(v)),
            other => Err(format!("\"{other}\": the law is normal, lognormal or uniform")),
        }
    }

    /// One error: a deviation from 0 (for a factor, 1 plus it).
    fn draw(&self, r: &mut rng::Rng) -> f64 {
        match *self {
            Self::Normal(sd) if sd > 0.0 => Normal::new(0.0, sd).map_or(0.0, |d| d.sample(r)),
            Self::LogNormal(cv) if cv > 0.0 => {
                let s2 = (1.0 + cv * cv).ln();
                LogNormal::new(-s2 / 2.0, s2.sqrt()).map_or(0.0, |d| d.sample(r) - 1.0)
            }
            Self::Uniform(h) if h > 0.0 => Uniform::new_inclusive(-h, h).map_or(0.0, |d| d.sample(r)),
            _ => 0.0,
        }
    }
}

/// The stated forecast errors (`None`: none of that kind).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Forecast {
    pub volume: Option<ErrorLaw>,
    pub handle_time: Option<ErrorLaw>,
    pub shrinkage: Option<ErrorLaw>,
}

/// One replication's forecast errors.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Errors {
    /// Multiplier of arrival rates, at least 0.
    pub volume: f64,
    /// Multiplier of handle times, at least 0.05.
    pub handle_time: f64,
    /// Share of the planned agents on the phones who are not there, at most 1.
    pub shrinkage: f64,
}

/// The forecast errors of replication `rep`: each kind from its own stream, so that adding
/// or dropping one leaves the others' draws alone.
pub fn errors(seed: u64, rep: u32, f: &Forecast) -> Errors {
    let one = |law: Option<ErrorLaw>, kind: u64| {
        law.map_or(0.0, |l| {
            l.draw(&mut rng::stream(
                seed,
                u64::from(rep),
                StreamId::new(Source::Forecast, kind),
            ))
        })
    };
    Errors {
        volume: (1.0 + one(f.volume, 0)).max(0.0),
        handle_time: (1.0 + one(f.handle_time, 1)).max(0.05),
        shrinkage: one(f.shrinkage, 2).min(1.0),
    }
}

/// The scenario as replication's errors make the day: rates, handle times and agents on the
/// phones changed (see the module docs).
pub fn scenario_with(sc: &Scenario, e: &Errors) -> Scenario {
    let mut out = sc.clone();
    for t in &mut out.contact_types {
        for r in &mut t.arrival_rates {
            *r *= e.volume;
        }
    }
    let n_types = out.contact_types.len();
    let available = (1.0 - e.shrinkage).max(0.0);
    for g in out.agent_groups.iter_mut().filter(|g| g.ai.is_none()) {
        if e.handle_time != 1.0 {
            if g.proficiency.is_empty() {
                g.proficiency = vec![crate::scenario::Proficiency::default(); n_types];
            }
            for p in &mut g.proficiency {
                p.handle_time *= e.handle_time;
            }
        }
        if e.shrinkage != 0.0 {
            for h in &mut g.headcount {
                *h = (f64::from(*h) * available).round() as u32;
            }
            for (_, h) in &mut g.staffing {
                *h = (f64::from(*h) * available).round() as u32;
            }
            let most = g
                .headcount
                .iter()
                .chain(g.staffing.iter().map(|(_, h)| h))
                .copied()
                .max()
                .unwrap_or(0);
            g.max_headcount = g.max_headcount.max(most);
            g.employees = g.employees.max(g.max_headcount);
        }
    }
    out.has_proficiency = out.agent_groups.iter().any(|g| !g.proficiency.is_empty());
    out
}

/// One replication's outcome.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Day {
    pub errors: Errors,
    /// Whole-period `sl_offered` at the target's threshold, of all types (NaN: nothing offered).
    pub service_level: f64,
    pub abandon: f64,
    /// Total cost (0 without costs).
    pub cost: f64,
}

/// Runs `sc.replications` days with their forecast errors; `threshold` is the service-level
/// threshold read (one of every type's).
pub fn run(sc: &Scenario, f: &Forecast, threshold: f64, opts: SweepOptions) -> Result<Vec<Day>, String> {
    let sl_name = format!("sl_offered_{}", crate::metrics::threshold_label(threshold));
    let layouts = scope_layouts(sc);
    let pick = |metric: &str, prefer: &[&str]| {
        prefer
            .iter()
            .find_map(|name| {
                layouts
                    .iter()
                    .position(|l| l.name() == *name && l.has_ratio_figure(metric))
            })
            .or_else(|| layouts.iter().position(|l| l.has_ratio_figure(metric)))
    };
    let sl_scope = pick(&sl_name, &["all"]).ok_or_else(|| {
        format!(
            "no service level at {} in \"{}\": every contact type needs that sl_threshold",
            crate::time::Human(threshold),
            sc.name
        )
    })?;
    let ab_scope = pick("p_abandon", &["all"]);
    let cost_scope = layouts
        .iter()
        .position(|l| l.kind() == crate::summary::ScopeKind::Cost && l.has_ratio_figure("total_cost"));
    // A replication's errors come from its own stream; its day is the scenario they make.
    let run_one = |rep: u32| -> Day {
        let errors = errors(sc.seed, rep, f);
        let day = scenario_with(sc, &errors);
        let out = sweep::run_replication(&day, rep);
        let value = |scope: Option<usize>, metric: &str| {
            scope.map_or(f64::NAN, |s| {
                layouts[s]
                    .replication_figures(&day, &out)
                    .into_iter()
                    .find(|(n, ..)| *n == metric)
                    .map_or(f64::NAN, |(_, v, ..)| v)
            })
        };
        Day {
            errors,
            service_level: value(Some(sl_scope), &sl_name),
            abandon: value(ab_scope, "p_abandon"),
            cost: value(cost_scope, "total_cost"),
        }
    };
    use rayon::prelude::*;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.effective_threads(sc))
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    Ok(pool.install(|| (0..sc.replications).into_par_iter().map(run_one).collect()))
}

/// The `q` quantile of `values` (NaN left out), by the nearest-rank definition on the sorted
/// values: the smallest value with at least a share `q` of the values at or below it.
pub fn quantile(values: &[f64], q: f64) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let rank = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// What the days come to.
#[derive(Debug, Clone, PartialEq)]
pub struct Risk {
    pub days: usize,
    /// Share of days whose service level fell below the target, and its 95% half-width
    /// (normal approximation).
    pub p_sl_below: f64,
    pub p_sl_below_half_width: f64,
    /// Quantiles 5%, 50%, 95% of the service level, abandonment and cost.
    pub service_level: [f64; 3],
    pub abandon: [f64; 3],
    pub cost: [f64; 3],
    pub mean_cost: f64,
    /// Cost-at-risk at 95%: the 95% quantile of cost less its mean; and the mean cost of the
    /// worst 5% of days (conditional, "expected shortfall").
    pub cost_at_risk: f64,
    pub cost_tail_mean: f64,
}

/// Summarises the days against a service-level target `target` (a share).
pub fn summarise(days: &[Day], target: f64) -> Risk {
    let sl: Vec<f64> = days.iter().map(|d| d.service_level).collect();
    let ab: Vec<f64> = days.iter().map(|d| d.abandon).collect();
    let cost: Vec<f64> = days.iter().map(|d| d.cost).collect();
    let counted: Vec<f64> = sl.iter().copied().filter(|x| !x.is_nan()).collect();
    let n = counted.len().max(1) as f64;
    let p = counted.iter().filter(|x| **x < target).count() as f64 / n;
    let q3 = |v: &[f64]| [quantile(v, 0.05), quantile(v, 0.5), quantile(v, 0.95)];
    let finite: Vec<f64> = cost.iter().copied().filter(|x| x.is_finite()).collect();
    let mean_cost = if finite.is_empty() {
        f64::NAN
    } else {
        finite.iter().sum::<f64>() / finite.len() as f64
    };
    let var95 = quantile(&finite, 0.95);
    let tail: Vec<f64> = finite.iter().copied().filter(|c| *c >= var95).collect();
    Risk {
        days: days.len(),
        p_sl_below: p,
        p_sl_below_half_width: 1.96 * (p * (1.0 - p) / n).sqrt(),
        service_level: q3(&sl),
        abandon: q3(&ab),
        cost: q3(&cost),
        mean_cost,
        cost_at_risk: var95 - mean_cost,
        cost_tail_mean: if tail.is_empty() {
            f64::NAN
        } else {
            tail.iter().sum::<f64>() / tail.len() as f64
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laws_parse_with_or_without_percent_and_refuse_the_rest() {
        assert_eq!(ErrorLaw::parse("normal:0.1"), Ok(ErrorLaw::Normal(0.1)));
        assert_eq!(ErrorLaw::parse("lognormal:10%"), Ok(ErrorLaw::LogNormal(0.1)));
        assert_eq!(ErrorLaw::parse("uniform:0.05"), Ok(ErrorLaw::Uniform(0.05)));
        assert!(ErrorLaw::parse("gamma:0.1").is_err());
        assert!(ErrorLaw::parse("normal").is_err());
        assert!(ErrorLaw::parse("normal:-1").is_err());
    }

    #[test]
    fn forecast_errors_have_the_stated_moments_and_leave_each_other_alone() {
        // 20,000 draws: the standard error of a mean is sd/141, of a standard deviation about
        // sd/200; each check below allows 4 of them.
        let f = Forecast {
            volume: Some(ErrorLaw::LogNormal(0.1)),
            handle_time: Some(ErrorLaw::Normal(0.05)),
            shrinkage: Some(ErrorLaw::Uniform(0.06)),
        };
        let n = 20_000;
        let e: Vec<Errors> = (0..n).map(|r| errors(9, r, &f)).collect();
        let stats = |v: Vec<f64>| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0)).sqrt();
            (m, sd)
        };
        let (m, sd) = stats(e.iter().map(|x| x.volume).collect());
        assert!((m - 1.0).abs() < 4.0 * 0.1 / 141.0, "volume mean {m}");
        assert!((sd - 0.1).abs() < 4.0 * 0.1 / 200.0 * 1.5, "volume sd {sd}");
        let (m, sd) = stats(e.iter().map(|x| x.handle_time).collect());
        assert!((m - 1.0).abs() < 4.0 * 0.05 / 141.0 && (sd - 0.05).abs() < 4.0 * 0.05 / 200.0);
        let (m, sd) = stats(e.iter().map(|x| x.shrinkage).collect());
        let uniform_sd = 0.06 / 3f64.sqrt();
        assert!(m.abs() < 4.0 * uniform_sd / 141.0 && (sd - uniform_sd).abs() < 4.0 * uniform_sd / 200.0);
        // Dropping the handle-time error leaves the volume errors as they were.
        let without = Forecast { handle_time: None, ..f };
        for r in 0..100 {
            assert_eq!(errors(9, r, &without).volume, e[r as usize].volume);
            assert_eq!(errors(9, r, &without).handle_time, 1.0);
        }
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.05), 1.0);
        assert_eq!(quantile(&v, 0.5), 10.0);
        assert_eq!(quantile(&v, 0.95), 19.0);
        assert_eq!(quantile(&v, 1.0), 20.0);
    }
}
