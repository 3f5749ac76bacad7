//! Staffing inferred from agents' activity: an agent counts as present from the answer of a
//! call to its end, and between two of its calls less than a gap apart (30 minutes by
//! default); presence is pro-rated by the time it covers in each interval, so a cell holds the
//! mean number of agents present over it.
//!
//! Without agent names a log only shows the agents busy serving (a lower bound); the report
//! says so. The per-day table ([`Staffing::by_day`]) is what a replay of each observed day
//! needs; the typical week ([`Staffing::typical`]) is the scenario's headcount.

use super::Frame;
use super::clock::DAY;
use super::log::{Log, Outcome};

/// Agents present by day and interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Staffing {
    /// Mean agents present, by log day (index into [`Frame::days`]) and interval of the day.
    pub by_day: Vec<Vec<f64>>,
    /// Mean over the log's days of each weekday (Monday first) by interval; a weekday the log
    /// lacks takes the mean over all days.
    pub typical: [Vec<f64>; 7],
    /// Mean over all log days by interval.
    pub mean: Vec<f64>,
    /// Agents seen.
    pub agents: usize,
    /// Only busy time was counted (the log names no agents).
    pub busy_only: bool,
}

/// Every agent's presence, `[from, to)` in seconds, agent by agent and in time order within
/// an agent: from the answer of a call to its end, joined across gaps shorter than `gap`
/// seconds. Without agent names, the spans when some call was in service (busy time only).
pub fn presence(log: &Log, gap: f64) -> Vec<(f64, f64)> {
    let busy_only = log.agents.is_empty();
    let mut by_agent: Vec<Vec<(f64, f64)>> = vec![Vec::new(); log.agents.len().max(1)];
    for c in &log.calls {
        if let (Outcome::Served, Some(a)) = (c.outcome, c.answer) {
            by_agent[c.agent.map_or(0, |x| x as usize)].push((a, c.end));
        }
    }
    let mut present: Vec<(f64, f64)> = Vec::new();
    for spans in &mut by_agent {
        spans.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut open: Option<(f64, f64)> = None;
        for &(a, e) in spans.iter() {
            match open.as_mut() {
                Some(last) if !busy_only && a - last.1 < gap => last.1 = last.1.max(e),
                Some(last) if busy_only && a <= last.1 => last.1 = last.1.max(e),
                _ => present.extend(open.replace((a, e))),
            }
        }
        present.extend(open);
    }
    present
}

/// Infers staffing; agents are present between calls less than `gap` seconds apart.
pub fn infer(log: &Log, frame: &Frame, gap: f64) -> Staffing {
    let busy_only = log.agents.is_empty();
    let mut by_day = vec![vec![0.0; frame.per_day]; frame.days.len()];
    for (from, to) in presence(log, gap) {
        add_span(frame, &mut by_day, from, to);
    }
    let per_day = frame.per_day;
    let mut mean = vec![0.0; per_day];
    let mut sums: [Vec<f64>; 7] = std::array::from_fn(|_| vec![0.0; per_day]);
    let mut days = [0u32; 7];
    for (d, row) in by_day.iter().enumerate() {
        let w = frame.weekday(d);
        days[w] += 1;
        for (i, v) in row.iter().enumerate() {
            sums[w][i] += v;
            mean[i] += v;
        }
    }
    for m in &mut mean {
        *m /= frame.days.len().max(1) as f64;
    }
    let typical = std::array::from_fn(|w| {
        if days[w] == 0 {
            mean.clone()
        } else {
            sums[w].iter().map(|s| s / f64::from(days[w])).collect()
        }
    });
    Staffing {
        by_day,
        typical,
        mean,
        agents: log.agents.len(),
        busy_only,
    }
}

/// Adds one agent's presence over `[from, to)` to the cells it covers, pro-rated.
fn add_span(frame: &Frame, by_day: &mut [Vec<f64>], from: f64, to: f64) {
    let mut t = from;
    while t < to {
        let day = (t / DAY).floor();
        let k = ((t - day * DAY) / frame.interval).floor();
        let cell_end = (day * DAY + (k + 1.0) * frame.interval).min(to);
        let cell_end = if cell_end <= t { to } else { cell_end };
        if let Some((d, i)) = frame.cell(t) {
            by_day[d][i] += (cell_end - t) / frame.interval;
        }
        t = cell_end;
    }
}
