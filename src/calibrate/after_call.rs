//! After-call work inferred from agents' activity: the gap between the end of an agent's call
//! and the answer of its next one.
//!
//! The scenario's after-call work is the agent's unavailable time after a call, estimated by
//! Kaplan–Meier ([`AfterCall::unavailable`]): a gap that begins while some caller waits is
//! time the agent was not available for as long as callers kept waiting — an event when the
//! agent answers while the queue was never empty, censored when the queue empties first (from
//! then on the agent may have been idle). The queue is that of the types the agent serves
//! (at least [`SKILL_SHARE`] of the agent's calls): a caller of a type the agent never takes
//! does not make the agent's gap unavailable time. This counts the breaks agents take while callers
//! wait, which the gaps below miss.
//!
//! The gaps kept below describe the short work between calls: a gap is kept only when the
//! next call the agent answered was already waiting as the first call ended (an idle agent
//! would have taken it). That selection drops every break taken under load (the waiting
//! caller is taken by another agent, so the agent's next call arrived later). Gaps longer than the cap (a break) and
//! negative gaps (overlapping calls) are left out and counted. Kept gaps are grouped by the
//! callers waiting as the call ended (1, 2–3, 4 or more): agents cut after-call work short
//! under load, which the scenario's `wrap_up_under_load` expresses. A gap can still hold time
//! the agent spent waiting for a caller whom another agent took first, so at one caller
//! waiting it tends to be longer than the work itself.

use super::log::Log;
use super::patience::{self, PatienceFit};
use super::service::mean_cv;

/// The group labels of [`AfterCall::buckets`].
pub const BUCKETS: [&str; 3] = ["1", "2-3", "4+"];

/// Gaps of one group: count, mean and CV (seconds) and the mean's standard error.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Gaps {
    pub n: u64,
    pub mean: f64,
    pub cv: f64,
    pub se: f64,
}

impl Gaps {
    fn of(xs: &[f64]) -> Self {
        let (mean, cv) = mean_cv(xs.iter().copied());
        let n = xs.len() as u64;
        Gaps {
            n,
            mean,
            cv,
            se: if n > 0 { mean * cv / (n as f64).sqrt() } else { 0.0 },
        }
    }
}

/// After-call work of the log's agents.
#[derive(Debug, Clone, PartialEq)]
pub struct AfterCall {
    /// Consecutive pairs of calls of one agent.
    pub pairs: u64,
    /// Pairs left out: the next caller arrived after the end (idle time), the gap was over the
    /// cap (a break), or the calls overlapped.
    pub idle: u64,
    pub over_cap: u64,
    pub overlapping: u64,
    /// Kept gaps, all and by callers waiting (see [`BUCKETS`]).
    pub all: Gaps,
    pub buckets: [Gaps; 3],
    /// The scenario's after-call work: mean and CV of the base gaps (one caller waiting when
    /// the load groups differ, else all), seconds.
    pub mean: f64,
    pub cv: f64,
    /// `wrap_up_under_load` points `(callers waiting, multiplier)`, when a group's mean
    /// differs from the one-caller group's by more than 2 standard errors of the difference
    /// (each group with at least 30 gaps).
    pub under_load: Option<Vec<(f64, f64)>>,
    /// The unavailable time after a call that ends while callers wait, by Kaplan–Meier over
    /// gaps up to the presence gap (`None` without such a gap ending in an answer): an event
    /// when the agent answered before the queue emptied, censored when it emptied first.
    pub unavailable: Option<PatienceFit>,
    /// Gaps that began while callers waited: all, and those censored by the queue emptying.
    pub loaded_gaps: u64,
    pub censored: u64,
}

/// Infers after-call work from the agents' calls; gaps over `cap` seconds are breaks for the
/// kept gaps, gaps of `presence` seconds or more end the agent's presence (see
/// [`super::staffing`]) and are left out of the unavailable time. `None` without agents or
/// without a kept gap.
pub fn infer(log: &Log, cap: f64, presence: f64) -> Option<AfterCall> {
    if log.agents.is_empty() {
        return None;
    }
    // Callers waiting at x: entered the queue at or before x and left it at or after x.
    let mut entries: Vec<f64> = Vec::new();
    let mut exits: Vec<f64> = Vec::new();
    for c in log.calls.iter().filter(|c| c.queued) {
        if let Some(q) = c.queue {
            entries.push(q);
            exits.push(c.answer.unwrap_or(c.end));
        }
    }
    entries.sort_by(f64::total_cmp);
    exits.sort_by(f64::total_cmp);
    let waiting = |x: f64| entries.partition_point(|e| *e <= x) - exits.partition_point(|e| *e < x);
    let by_agent = log.calls_by_agent();
    // The periods when callers of the types each agent serves waited, one list per skill set.
    let mut sets: Vec<Vec<u32>> = Vec::new();
    let mut set_of: Vec<usize> = Vec::new();
    for calls in &by_agent {
        let set = skills(log, calls);
        set_of.push(sets.iter().position(|s| *s == set).unwrap_or_else(|| {
            sets.push(set);
            sets.len() - 1
        }));
    }
    let busy: Vec<Vec<(f64, f64)>> = sets.iter().map(|set| busy_periods(log, set)).collect();
    // The end of the period of waiting callers in `periods` that holds x, if x is in one.
    let queue_until = |periods: &[(f64, f64)], x: f64| {
        let k = periods.partition_point(|p| p.0 <= x);
        (k > 0 && periods[k - 1].1 > x).then(|| periods[k - 1].1)
    };
    let mut loaded: Vec<(f64, bool)> = Vec::new();

    let (mut pairs, mut idle, mut over_cap, mut overlapping) = (0, 0, 0, 0);
    let mut all = Vec::new();
    let mut groups: [Vec<f64>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for (agent, calls) in by_agent.iter().enumerate() {
        let periods = &busy[set_of[agent]];
        for w in calls.windows(2) {
            let (this, next) = (&log.calls[w[0]], &log.calls[w[1]]);
            pairs += 1;
            let gap = next.answer.unwrap_or(0.0) - this.end;
            if (0.0..presence).contains(&gap)
                && let Some(until) = queue_until(periods, this.end)
            {
                let answered = this.end + gap <= until;
                loaded.push((if answered { gap } else { until - this.end }, answered));
            }
            if gap < 0.0 {
                overlapping += 1;
            } else if gap > cap {
                over_cap += 1;
            } else if !(next.queued && next.queue.is_some_and(|q| q <= this.end)) {
                idle += 1;
            } else {
                let n = waiting(this.end);
                groups[match n {
                    0 | 1 => 0,
                    2 | 3 => 1,
                    _ => 2,
                }]
                .push(gap);
                all.push(gap);
            }
        }
    }
    if all.is_empty() {
        return None;
    }
    let buckets = [Gaps::of(&groups[0]), Gaps::of(&groups[1]), Gaps::of(&groups[2])];
    let base = buckets[0];
    let differs = |g: &Gaps| {
        base.n >= 30 && g.n >= 30 && (g.mean - base.mean).abs() > 2.0 * (g.se.powi(2) + base.se.powi(2)).sqrt()
    };
    let under_load = (base.mean > 0.0 && (differs(&buckets[1]) || differs(&buckets[2]))).then(|| {
        let mut points = vec![(1.0, 1.0)];
        for (at, g) in [(2.0, &buckets[1]), (4.0, &buckets[2])] {
            if g.n >= 30 {
                points.push((at, (g.mean / base.mean).min(10.0)));
            }
        }
        points
    });
    let all_gaps = Gaps::of(&all);
    let (mean, cv) = if under_load.is_some() {
        (base.mean, base.cv)
    } else {
        (all_gaps.mean, all_gaps.cv)
    };
    Some(AfterCall {
        unavailable: patience::fit(&loaded),
        loaded_gaps: loaded.len() as u64,
        censored: loaded.iter().filter(|o| !o.1).count() as u64,
        pairs,
        idle,
        over_cap,
        overlapping,
        all: all_gaps,
        buckets,
        mean,
        cv,
        under_load,
    })
}

/// The least share of an agent's answered calls that makes their type's name one the agent
/// serves (an agent who answered a type's caller once in a while is not waiting for them).
pub const SKILL_SHARE: f64 = 0.02;

/// The types (indices into [`Log::types`], every priority of a name) whose names make at
/// least [`SKILL_SHARE`] of the answered calls `calls` (indices into the log's calls).
fn skills(log: &Log, calls: &[usize]) -> Vec<u32> {
    let mut by_name: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for k in calls {
        *by_name
            .entry(log.types[log.calls[*k].ty as usize].name.as_str())
            .or_default() += 1;
    }
    let served: Vec<&str> = by_name
        .iter()
        .filter(|(_, n)| **n as f64 >= SKILL_SHARE * calls.len() as f64)
        .map(|(name, _)| *name)
        .collect();
    (0..log.types.len() as u32)
        .filter(|t| served.contains(&log.types[*t as usize].name.as_str()))
        .collect()
}

/// The periods when some caller of the types `set` waited, `[from, to)` in seconds, merged
/// and in order.
fn busy_periods(log: &Log, set: &[u32]) -> Vec<(f64, f64)> {
    let mut spans: Vec<(f64, f64)> = log
        .calls
        .iter()
        .filter(|c| c.queued && set.contains(&c.ty))
        .filter_map(|c| c.queue.map(|q| (q, c.answer.unwrap_or(c.end))))
        .filter(|(a, b)| b > a)
        .collect();
    spans.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f64, f64)> = Vec::new();
    for (a, b) in spans {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}
