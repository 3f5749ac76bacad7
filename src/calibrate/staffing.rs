//! Staffing inferred from agents' activity: an agent counts as present from the answer of a
//! call to its end, and between two of its calls less than a gap apart (30 minutes by
//! default); presence is pro-rated by the time it covers in each interval, so a cell holds the
//! mean number of agents present over it.
//!
//! Without agent names a log only shows the agents busy serving (a lower bound); the report
//! says so. The per-day table ([`Staffing::by_day`]) is what a replay of each observed day
//! needs; the typical week ([`Staffing::typical`]) is the scenario's headcount.

use super::Frame;
use super::log::{Call, Log, Outcome};

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
/// seconds. Served calls whose agent the log does not name (all of them when it names none)
/// count as one more agent, present only while one of them is in service (busy time only).
pub fn presence(log: &Log, gap: f64) -> Vec<(f64, f64)> {
    let span = |c: &Call| (c.answer.unwrap_or(0.0), c.end);
    let mut present: Vec<(f64, f64)> = Vec::new();
    for calls in log.calls_by_agent() {
        let spans = calls.into_iter().map(|k| span(&log.calls[k]));
        join(&mut present, spans, |a, open_end| a - open_end < gap);
    }
    let mut unnamed: Vec<(f64, f64)> = (log.calls.iter())
        .filter(|c| c.agent.is_none() && c.outcome == Outcome::Served)
        .map(span)
        .collect();
    unnamed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    join(&mut present, unnamed, |a, open_end| a <= open_end);
    present
}

/// Appends `spans` (in order of their starts) to `present`, each joined to the open one when
/// `joins(its start, the open span's end)`.
fn join(present: &mut Vec<(f64, f64)>, spans: impl IntoIterator<Item = (f64, f64)>, joins: impl Fn(f64, f64) -> bool) {
    let mut open: Option<(f64, f64)> = None;
    for (a, e) in spans {
        match open.as_mut() {
            Some(last) if joins(a, last.1) => last.1 = last.1.max(e),
            _ => present.extend(open.replace((a, e))),
        }
    }
    present.extend(open);
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
    frame.pieces(from, to, |d, i, seconds| by_day[d][i] += seconds / frame.interval);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(answer: f64, end: f64, agent: Option<u32>) -> Call {
        Call {
            ty: 0,
            arrival: answer,
            queue: Some(answer),
            queued: false,
            answer: Some(answer),
            end,
            agent,
            outcome: Outcome::Served,
        }
    }

    #[test]
    fn named_agents_are_present_across_short_gaps_and_unnamed_calls_only_while_served() {
        let log = Log {
            agents: vec!["ann".into(), "bob".into()],
            calls: vec![
                // ann: two calls 30 s apart (joined), then one after 200 s (a new span)
                served(100.0, 200.0, Some(0)),
                served(230.0, 300.0, Some(0)),
                served(500.0, 600.0, Some(0)),
                // bob, out of answer order in the log; a gap of exactly `gap` parts his spans
                served(160.0, 220.0, Some(1)),
                served(50.0, 150.0, Some(1)),
                served(280.0, 290.0, Some(1)),
                // unnamed: overlapping or touching calls joined, one apart; never merged with
                // ann's
                served(120.0, 180.0, None),
                served(170.0, 210.0, None),
                served(215.0, 250.0, None),
                served(250.0, 260.0, None),
                // an abandoned call counts for nobody
                Call {
                    answer: None,
                    agent: None,
                    outcome: Outcome::Abandoned,
                    ..served(0.0, 900.0, None)
                },
            ],
            ..Log::default()
        };
        assert_eq!(
            presence(&log, 60.0),
            vec![
                (100.0, 300.0),
                (500.0, 600.0),
                (50.0, 220.0),
                (280.0, 290.0),
                (120.0, 210.0),
                (215.0, 260.0)
            ]
        );
    }

    #[test]
    fn an_agent_s_calls_come_in_answer_order_and_only_served_ones() {
        let log = Log {
            agents: vec!["ann".into()],
            calls: vec![
                served(300.0, 400.0, Some(0)),
                served(100.0, 200.0, Some(0)),
                served(100.0, 150.0, Some(0)),
                served(50.0, 60.0, None),
            ],
            ..Log::default()
        };
        assert_eq!(log.calls_by_agent(), vec![vec![1, 2, 0]]);
    }
}
