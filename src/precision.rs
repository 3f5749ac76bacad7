//! Target precision: replications are added in rounds until every named figure's 95%
//! half-width is under its target, or a cap is reached.
//!
//! The checks happen at fixed numbers of replications — the starting number, then doubling
//! (`n₀, 2n₀, 4n₀, …`, and the cap) — and no round of the sweep crosses one of them
//! ([`crate::sweep::Plan::with_stops`]), so the decision rests on the same replications, and
//! the results are bit-identical, for any number of threads. Doubling runs at most twice the
//! replications the targets need.

use crate::scenario::Scenario;
use crate::stats::RepOutput;
use crate::summary::{ScopeKind, Summary, SummaryBuilder};
use crate::sweep::Sink;
use std::fmt;

/// How close a figure must be: its 95% half-width at most this.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// In the figure's own unit (a share as a fraction, seconds, agents, money).
    Absolute(f64),
    /// A fraction of the estimate's absolute value.
    Relative(f64),
}

/// A precision target: `[SCOPE/]FIGURE=TARGET`.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// A contact type, agent group, channel, site or `all`; `None`: every scope with the
    /// figure.
    pub scope: Option<String>,
    pub metric: String,
    pub bound: Bound,
}

impl Target {
    /// Parses `p_abandon=0.002`, `billing/asa_all_s=2s` or `sl_offered_20s=1%` (a `%` makes the
    /// target relative to the estimate; a duration is in seconds).
    pub fn parse(text: &str) -> Result<Self, String> {
        let (lhs, rhs) = text.split_once('=').ok_or_else(|| {
            format!("\"{text}\": expected FIGURE=TARGET or SCOPE/FIGURE=TARGET, e.g. p_abandon=0.002 or asa_all_s=5%")
        })?;
        let (scope, metric) = match lhs.trim().split_once('/') {
            Some((s, m)) => (Some(s.trim().to_owned()), m.trim().to_owned()),
            None => (None, lhs.trim().to_owned()),
        };
        if metric.is_empty() || scope.as_deref() == Some("") {
            return Err(format!(
                "\"{text}\": the figure (and scope, if given) must not be empty"
            ));
        }
        let rhs = rhs.trim();
        let bound = if let Some(pct) = rhs.strip_suffix('%') {
            Bound::Relative(
                pct.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("\"{text}\": \"{rhs}\" is not a percentage"))?
                    / 100.0,
            )
        } else if let Ok(v) = rhs.parse::<f64>() {
            Bound::Absolute(v)
        } else {
            Bound::Absolute(crate::time::parse_duration(rhs).map_err(|m| format!("\"{text}\": {m}"))?)
        };
        let v = match bound {
            Bound::Absolute(v) | Bound::Relative(v) => v,
        };
        if !(v.is_finite() && v > 0.0) {
            return Err(format!("\"{text}\": the target must be greater than zero"));
        }
        Ok(Self { scope, metric, bound })
    }

    fn applies(&self, name: &str) -> bool {
        self.scope.as_deref().is_none_or(|s| s == name)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(s) = &self.scope {
            write!(f, "{s}/")?;
        }
        match self.bound {
            Bound::Absolute(v) => write!(f, "{}={v}", self.metric),
            Bound::Relative(v) => write!(f, "{}={}%", self.metric, v * 100.0),
        }
    }
}

/// The figure furthest from its target: scope, figure, half-width and the target it missed.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    pub kind: ScopeKind,
    pub scope: String,
    pub metric: String,
    pub half_width: f64,
    pub target: f64,
}

/// Whether every target is met in `summary`; if not, the worst miss (largest half-width over
/// target). A scope where the figure has no estimate (no contact of that kind) is left out.
pub fn check(summary: &Summary, targets: &[Target]) -> Option<Miss> {
    let mut worst: Option<(f64, Miss)> = None;
    for t in targets {
        for scope in summary.scopes.iter().filter(|s| t.applies(&s.name)) {
            let Some(m) = scope.get(&t.metric) else { continue };
            let e = m.estimate;
            if !e.mean.is_finite() {
                continue;
            }
            let target = match t.bound {
                Bound::Absolute(v) => v,
                Bound::Relative(r) => r * e.mean.abs(),
            };
            let ratio = if e.half_width.is_finite() {
                e.half_width / target
            } else {
                f64::INFINITY
            };
            if ratio > 1.0 && worst.as_ref().is_none_or(|(r, _)| ratio > *r) {
                worst = Some((
                    ratio,
                    Miss {
                        kind: scope.kind,
                        scope: scope.name.clone(),
                        metric: t.metric.clone(),
                        half_width: e.half_width,
                        target,
                    },
                ));
            }
        }
    }
    worst.map(|(_, m)| m)
}

/// Checks that every target names a figure of some scope of `sc` (and its scope exists).
pub fn validate(sc: &Scenario, targets: &[Target]) -> Result<(), String> {
    let layout = SummaryBuilder::new(sc).summary();
    for t in targets {
        let scopes: Vec<_> = layout.scopes.iter().filter(|s| t.applies(&s.name)).collect();
        if scopes.is_empty() {
            let known: Vec<&str> = layout.scopes.iter().map(|s| s.name.as_str()).collect();
            return Err(format!(
                "--precision {t}: no scope \"{}\" (known: {})",
                t.scope.as_deref().unwrap_or(""),
                dedup(known).join(", ")
            ));
        }
        if !scopes.iter().any(|s| s.get(&t.metric).is_some()) {
            return Err(format!(
                "--precision {t}: no figure \"{}\" in this scenario's summary (its figures are the metric column of summary.csv, e.g. p_abandon, asa_all_s, occupancy)",
                t.metric
            ));
        }
    }
    Ok(())
}

fn dedup(mut v: Vec<&str>) -> Vec<&str> {
    let mut seen = Vec::new();
    v.retain(|x| {
        let new = !seen.contains(x);
        seen.push(*x);
        new
    });
    v
}

/// Where the targets are checked: `start`, then doubling, then `cap` (all ≤ cap).
pub fn stops(start: u32, cap: u32) -> Vec<usize> {
    let mut out = Vec::new();
    let mut n = u64::from(start.max(2));
    while n < u64::from(cap) {
        out.push(n as usize);
        n *= 2;
    }
    out.push(cap as usize);
    out
}

/// What a run with targets found.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Replications run.
    pub replications: u32,
    /// The most that were allowed.
    pub cap: u32,
    /// `None` when every target was met; else the worst miss at the cap.
    pub miss: Option<Miss>,
}

impl Outcome {
    pub fn met(&self) -> bool {
        self.miss.is_none()
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.miss {
            None => write!(f, "every precision target met after {} replications", self.replications),
            Some(m) => write!(
                f,
                "the cap of {} replications was reached before every precision target was met: {} of {} \"{}\" has a 95% half-width of {:.6} (target {:.6})",
                self.cap,
                m.metric,
                m.kind.as_str(),
                m.scope,
                m.half_width,
                m.target
            ),
        }
    }
}

/// A sweep sink that stops at the first stop where every target is met, passing each output
/// on to `next`.
pub struct PrecisionSink<'a> {
    targets: &'a [Target],
    stops: Vec<usize>,
    cap: u32,
    next: &'a mut (dyn Sink + Send),
    /// Set at each stop.
    pub outcome: Option<Outcome>,
}

impl<'a> PrecisionSink<'a> {
    pub fn new(targets: &'a [Target], stops: Vec<usize>, cap: u32, next: &'a mut (dyn Sink + Send)) -> Self {
        Self {
            targets,
            stops,
            cap,
            next,
            outcome: None,
        }
    }
}

impl Sink for PrecisionSink<'_> {
    fn on_output(&mut self, sc: &Scenario, out: &RepOutput) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.next.on_output(sc, out)
    }

    fn on_round(&mut self, running: &SummaryBuilder<'_>) -> bool {
        let n = running.replications();
        if !self.stops.contains(&(n as usize)) {
            return self.next.on_round(running);
        }
        let miss = check(&running.summary(), self.targets);
        let met = miss.is_none();
        self.outcome = Some(Outcome {
            replications: n,
            cap: self.cap,
            miss,
        });
        !met && self.next.on_round(running)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_read_absolute_relative_duration_and_scoped_forms() {
        let t = Target::parse("p_abandon=0.002").unwrap();
        assert_eq!(
            (t.scope, t.metric.as_str(), t.bound),
            (None, "p_abandon", Bound::Absolute(0.002))
        );
        let t = Target::parse("billing/asa_all_s=2s").unwrap();
        assert_eq!((t.scope.as_deref(), t.bound), (Some("billing"), Bound::Absolute(2.0)));
        assert_eq!(Target::parse("csat=1.5%").unwrap().bound, Bound::Relative(0.015));
        for bad in ["p_abandon", "=1", "p_abandon=0", "p_abandon=-1", "x=abc", "/x=1"] {
            assert!(Target::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn stops_double_from_the_start_up_to_the_cap() {
        assert_eq!(stops(10, 100), [10, 20, 40, 80, 100]);
        assert_eq!(stops(10, 80), [10, 20, 40, 80]);
        assert_eq!(stops(1, 5), [2, 4, 5]);
    }
}
