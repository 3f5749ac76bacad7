//! What the log observed in each (day, interval) cell: calls asking for an agent (by the time
//! they asked), abandonments, waits, answers within the service-level threshold, talk time,
//! and the agents' serving time inside the interval; and the two inputs Erlang A needs beyond
//! a cell's own: an exponential patience and the mean gap between an agent's calls.

use crate::calibrate::Calibration;
use crate::calibrate::log::Outcome;

/// Sums of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CellSums {
    /// Calls asking for an agent.
    pub offered: u32,
    pub abandoned: u32,
    /// Calls that waited at all.
    pub queued: u32,
    /// Total wait, seconds (0 for a call answered at once; until the hang-up for an
    /// abandonment).
    pub wait: f64,
    /// Calls answered within the service-level threshold.
    pub within: u32,
    /// Answered calls and their total talk time, seconds.
    pub answered: u32,
    pub talk: f64,
    /// Agent-seconds spent serving inside the interval (any call's service that overlaps it).
    pub busy: f64,
}

impl CellSums {
    /// Mean talk time of the cell's answered calls.
    pub fn talk_mean(&self) -> Option<f64> {
        (self.answered > 0).then(|| self.talk / f64::from(self.answered))
    }

    /// The figures in [`super::FIGURES`] order, with `agents` present on average over an
    /// interval of `interval` seconds. NaN where undefined.
    pub fn figures(&self, agents: f64, interval: f64) -> [f64; 6] {
        let n = f64::from(self.offered);
        let share = |k: f64| if self.offered > 0 { k / n } else { f64::NAN };
        [
            n,
            share(f64::from(self.abandoned)),
            share(self.wait),
            share(f64::from(self.queued)),
            share(f64::from(self.within)),
            if agents > 0.0 {
                self.busy / (agents * interval)
            } else {
                f64::NAN
            },
        ]
    }
}

/// The log's cells and the inputs of the Erlang A baselines.
#[derive(Debug, Clone)]
pub struct Observed {
    /// `[log day][interval of the day]`.
    pub cells: Vec<Vec<CellSums>>,
    /// Mean talk time by log day, and over the whole log (s).
    pub day_talk: Vec<Option<f64>>,
    pub talk: f64,
    /// Mean patience of an exponential fitted to the queued calls: total time waited over
    /// abandonments, the maximum-likelihood estimate with answered calls censored (s).
    /// `None` without an abandonment.
    pub patience: Option<f64>,
    /// Mean gap from the end of an agent's call to the answer of its next one, over gaps in
    /// `[0, cap)` (s), and their number.
    pub gap: f64,
    pub gaps: u64,
}

impl Observed {
    /// Reads the cells of `cal`'s log; `threshold` is the service-level threshold (s), `cap`
    /// the longest gap between calls counted in the mean gap (s).
    pub fn new(cal: &Calibration, cap: f64, threshold: f64) -> Observed {
        let frame = &cal.frame;
        let mut cells = vec![vec![CellSums::default(); frame.per_day]; frame.days.len()];
        let mut day_talk = vec![(0.0, 0u64); frame.days.len()];
        let (mut talk, mut talked) = (0.0, 0u64);
        let (mut waited, mut abandons) = (0.0, 0u64);
        for c in &cal.log.calls {
            if let Some(answer) = c.answer {
                add_busy(cal, &mut cells, answer, c.end);
            }
            let Some(q) = c.queue else { continue };
            let wait = c.wait().unwrap_or(0.0);
            if c.queued {
                waited += wait;
            }
            if c.outcome == Outcome::Abandoned {
                abandons += 1;
            }
            let Some((d, i)) = frame.cell(q) else { continue };
            let cell = &mut cells[d][i];
            cell.offered += 1;
            cell.wait += wait;
            cell.queued += u32::from(c.queued);
            cell.abandoned += u32::from(c.outcome == Outcome::Abandoned);
            if let Some(a) = c.answer {
                let t = c.end - a;
                cell.answered += 1;
                cell.talk += t;
                cell.within += u32::from(wait <= threshold);
                day_talk[d].0 += t;
                day_talk[d].1 += 1;
                talk += t;
                talked += 1;
            }
        }
        let (gap, gaps) = mean_gap(cal, cap);
        Observed {
            cells,
            day_talk: day_talk
                .into_iter()
                .map(|(s, n)| (n > 0).then(|| s / n as f64))
                .collect(),
            talk: if talked > 0 { talk / talked as f64 } else { 0.0 },
            patience: (abandons > 0).then(|| waited / abandons as f64),
            gap,
            gaps,
        }
    }
}

/// Adds the service `[from, to)` to the busy time of the cells it covers.
fn add_busy(cal: &Calibration, cells: &mut [Vec<CellSums>], from: f64, to: f64) {
    cal.frame.pieces(from, to, |d, i, seconds| cells[d][i].busy += seconds);
}

/// The mean gap between an agent's consecutive calls over gaps in `[0, cap)`, and their count.
fn mean_gap(cal: &Calibration, cap: f64) -> (f64, u64) {
    let log = &cal.log;
    let (mut sum, mut n) = (0.0, 0u64);
    for calls in log.calls_by_agent() {
        for pair in calls.windows(2) {
            let gap = log.calls[pair[1]].answer.unwrap_or(0.0) - log.calls[pair[0]].end;
            if (0.0..cap).contains(&gap) {
                sum += gap;
                n += 1;
            }
        }
    }
    (if n > 0 { sum / n as f64 } else { 0.0 }, n)
}
