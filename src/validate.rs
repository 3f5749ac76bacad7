//! Validation against a call log: each logged day replayed through a scenario, fed the day's
//! observed calls per type and interval and the agents present as the log shows them, and
//! compared interval by interval with what the log observed — and with Erlang A fed the same
//! interval's calls, talk time and agents, with and without the agents' mean gap between calls
//! added to the talk time.
//!
//! [`observed`] reads the figures of each (day, interval) cell from the log; [`replay`] makes
//! and runs the scenario of one day; [`baseline`] gives Erlang A's figures; [`write`] makes
//! `validation.csv`, the report and the plots. Days are run in log order, each on replication
//! numbers of its own (day k of the log runs replications `k·R .. (k+1)·R`), so the result is
//! the same on any number of threads.

pub mod baseline;
pub mod observed;
pub mod replay;
pub mod write;

use crate::calendar::DAY;
use crate::calibrate::{self, CalibrateError, log::Format};
use crate::scenario::Scenario;
use crate::stats::tally::Estimate;
use std::path::PathBuf;

pub use replay::Feed;

/// The figures compared, in this order in every table.
pub const FIGURES: [Figure; 6] = [
    Figure::Offered,
    Figure::Abandon,
    Figure::MeanWait,
    Figure::Wait,
    Figure::ServiceLevel,
    Figure::Occupancy,
];

/// A figure compared cell by cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Figure {
    /// Calls asking for an agent in the interval (by the time they asked).
    Offered,
    /// Of those, the share that hung up while waiting.
    Abandon,
    /// Their mean wait, seconds: until the answer or the hang-up, 0 for a call answered at
    /// once.
    MeanWait,
    /// The share that waited at all.
    Wait,
    /// The share answered within the service-level threshold (every abandonment a miss).
    ServiceLevel,
    /// Agent time serving over agent time present, in the interval (after-call work left
    /// out: the log shows only talk).
    Occupancy,
}

impl Figure {
    /// Column stem in `validation.csv` and key in the JSON.
    pub fn key(self) -> &'static str {
        match self {
            Figure::Offered => "offered",
            Figure::Abandon => "p_abandon",
            Figure::MeanWait => "mean_wait_s",
            Figure::Wait => "p_wait",
            Figure::ServiceLevel => "sl",
            Figure::Occupancy => "occupancy",
        }
    }

    /// Whether the figure is a share (shown as a percentage).
    pub fn is_share(self) -> bool {
        !matches!(self, Figure::Offered | Figure::MeanWait)
    }

    /// The index of the figure in [`FIGURES`].
    pub fn index(self) -> usize {
        FIGURES.iter().position(|f| *f == self).expect("every figure is listed")
    }
}

/// The predictions compared with the log, in this order in every table.
pub const MODELS: [&str; 3] = ["cxsim", "erlang_a", "erlang_a_gap"];

/// What to validate and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The log files' format (`None`: recognised from each header).
    pub format: Option<Format>,
    /// Hours of the day compared, `[open, close)` in whole hours.
    pub hours: (u32, u32),
    /// Weekdays compared, Monday first.
    pub weekdays: [bool; 7],
    /// What each replayed day is fed of the log's calls.
    pub feed: Feed,
    /// Replications of each day.
    pub replications: u32,
    /// An agent is present between two of its calls less than this apart (s).
    pub presence_gap: f64,
    /// Gaps between an agent's calls up to this long count in the mean gap that the second
    /// Erlang A baseline adds to the talk time; longer ones are breaks (s).
    pub gap_cap: f64,
    /// Worker threads.
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            format: None,
            hours: (0, 24),
            weekdays: [true; 7],
            feed: Feed::Volumes,
            replications: 100,
            presence_gap: 1800.0,
            gap_cap: 300.0,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// A validation that cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ValidateError {
    #[error(transparent)]
    Calibrate(#[from] CalibrateError),
    /// The scenario cannot replay the log.
    #[error("{0}")]
    Scenario(String),
    #[error("{0}")]
    Options(String),
    #[error("{files}: nothing to compare: {why}")]
    Nothing { files: String, why: String },
    #[error(transparent)]
    Sweep(#[from] crate::sweep::SweepError),
}

/// One compared cell: a log day and an interval of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// Day number (days from 1970-01-01 for a dated log, else from the log's day 0).
    pub day: i64,
    /// Weekday, 0 = Monday.
    pub weekday: usize,
    /// Interval of the day.
    pub interval: usize,
    /// Mean agents present over the interval, as the log shows them.
    pub agents: f64,
    /// Mean talk time of the cell's answered calls, seconds (the day's where none was
    /// answered).
    pub talk: f64,
    /// The log's figures, in [`FIGURES`] order (NaN where undefined).
    pub observed: [f64; 6],
    /// cxsim's predictions with their 95% intervals over the replications.
    pub cxsim: [Estimate; 6],
    /// Erlang A's predictions.
    pub erlang_a: [f64; 6],
    /// Erlang A's with the mean gap between calls added to the talk time.
    pub erlang_a_gap: [f64; 6],
}

impl Cell {
    /// The prediction of model `m` (index into [`MODELS`]) for figure `f`.
    pub fn predicted(&self, m: usize, f: usize) -> f64 {
        match m {
            0 => self.cxsim[f].mean,
            1 => self.erlang_a[f],
            _ => self.erlang_a_gap[f],
        }
    }
}

/// Mean absolute error and mean error (prediction − observation) over the cells where both
/// are defined.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Score {
    pub mae: f64,
    pub bias: f64,
    /// Standard error of `bias` over the cells.
    pub bias_se: f64,
    pub cells: usize,
}

impl Score {
    /// The score of `(prediction, observation)` pairs (pairs with a NaN left out).
    pub fn of(pairs: impl Iterator<Item = (f64, f64)>) -> Score {
        let errors: Vec<f64> = pairs
            .filter(|(p, o)| p.is_finite() && o.is_finite())
            .map(|(p, o)| p - o)
            .collect();
        let n = errors.len();
        if n == 0 {
            return Score {
                mae: f64::NAN,
                bias: f64::NAN,
                bias_se: f64::NAN,
                cells: 0,
            };
        }
        let k = n as f64;
        let bias = errors.iter().sum::<f64>() / k;
        let mae = errors.iter().map(|e| e.abs()).sum::<f64>() / k;
        let var = if n > 1 {
            errors.iter().map(|e| (e - bias).powi(2)).sum::<f64>() / (k - 1.0)
        } else {
            f64::NAN
        };
        Score {
            mae,
            bias,
            bias_se: (var / k).sqrt(),
            cells: n,
        }
    }
}

/// A validation: every compared cell and the scores.
#[derive(Debug, Clone)]
pub struct Validation {
    pub scenario: String,
    pub files: Vec<PathBuf>,
    pub options: Options,
    pub interval: f64,
    /// Days of the log compared (day numbers) and whether they are dates.
    pub days: Vec<i64>,
    pub dated: bool,
    pub cells: Vec<Cell>,
    /// Cells of the compared hours and days left out: no agent present, or no call.
    pub no_agents: usize,
    pub no_calls: usize,
    /// The service-level threshold, seconds.
    pub sl_threshold: f64,
    /// Erlang A's mean patience: total time waited by queued calls over abandonments (s).
    pub patience: f64,
    /// The mean gap between an agent's calls under the cap (s), and how many gaps.
    pub gap: f64,
    pub gaps: u64,
    /// Scores by figure ([`FIGURES`]) and model ([`MODELS`]).
    pub scores: [[Score; 3]; 6],
    /// The noise floor of each figure: the mean absolute error a perfect model would still
    /// make, were the log one more replication of cxsim's — the mean over cells of
    /// E|X − E X| for X normal with the standard deviation of the cell's replications,
    /// `sd·√(2/π)`. Hourly figures of a few dozen calls scatter that much by chance alone.
    pub floor: [f64; 6],
}

impl Validation {
    /// Scores of the cells `keep` selects, by figure and model.
    pub fn scores_of(&self, keep: impl Fn(&Cell) -> bool) -> [[Score; 3]; 6] {
        let cells: Vec<&Cell> = self.cells.iter().filter(|c| keep(c)).collect();
        std::array::from_fn(|f| {
            std::array::from_fn(|m| Score::of(cells.iter().map(|c| (c.predicted(m, f), c.observed[f]))))
        })
    }
}

impl Validation {
    /// Scores of whole days: each day's figure is its intervals' pooled together (shares and
    /// means weighted by the calls observed in each interval, occupancy by the agents
    /// present), so that the noise of single hours averages out and what remains is bias.
    pub fn daily_scores(&self) -> [[Score; 3]; 6] {
        let days: Vec<i64> = self.days.clone();
        std::array::from_fn(|f| {
            std::array::from_fn(|m| {
                Score::of(days.iter().filter_map(|day| {
                    let cells: Vec<&Cell> = self.cells.iter().filter(|c| c.day == *day).collect();
                    let weight = |c: &Cell| match FIGURES[f] {
                        Figure::Offered => 1.0,
                        Figure::Occupancy => c.agents,
                        _ => c.observed[0],
                    };
                    let pooled = |x: &dyn Fn(&Cell) -> f64| {
                        let (sum, w) = cells
                            .iter()
                            .filter(|c| x(c).is_finite())
                            .fold((0.0, 0.0), |(s, w), c| (s + weight(c) * x(c), w + weight(c)));
                        if FIGURES[f] == Figure::Offered { sum } else { sum / w }
                    };
                    (!cells.is_empty()).then(|| (pooled(&|c| c.predicted(m, f)), pooled(&|c| c.observed[f])))
                }))
            })
        })
    }

    /// Mean absolute error of the hour-of-day profile: each interval of the day averaged over
    /// the days, then compared.
    pub fn profile_mae(&self) -> [[f64; 3]; 6] {
        std::array::from_fn(|f| {
            let rows = write::by_interval(self, FIGURES[f]);
            std::array::from_fn(|m| Score::of(rows.iter().map(|r| (r.3[m], r.2))).mae)
        })
    }
}

/// Validates `sc` against the call logs `files`.
pub fn validate(sc: &Scenario, files: &[PathBuf], options: &Options) -> Result<Validation, ValidateError> {
    let (open, close) = options.hours;
    if !(open < close && close <= 24) {
        return Err(ValidateError::Options(format!(
            "--hours must be OPEN-CLOSE in whole hours with 0 <= OPEN < CLOSE <= 24, got {open:02}-{close:02}"
        )));
    }
    if options.replications < 2 {
        return Err(ValidateError::Options(format!(
            "--replications must be at least 2 (for a 95% interval), got {}",
            options.replications
        )));
    }
    let per_day = DAY / sc.interval;
    if (per_day - per_day.round()).abs() > 1e-9 || sc.interval < 60.0 {
        return Err(ValidateError::Scenario(format!(
            "the scenario's interval ({}) must divide a day to replay a log day by day",
            crate::time::Human(sc.interval)
        )));
    }
    let cal_options = calibrate::Options {
        format: options.format,
        interval: sc.interval,
        hours: Some(options.hours),
        presence_gap: options.presence_gap,
        ..calibrate::Options::default()
    };
    let cal = calibrate::calibrate(files, &cal_options)?;
    let names = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let plan = replay::Plan::new(sc, &cal, options.presence_gap, options.feed)?;
    let obs = observed::Observed::new(&cal, options.gap_cap, plan.sl_threshold);
    let compared: Vec<usize> = (0..cal.frame.days.len())
        .filter(|d| options.weekdays[cal.frame.weekday(*d)])
        .collect();
    if compared.is_empty() {
        return Err(ValidateError::Nothing {
            files: names,
            why: "no log day falls on the weekdays asked for".into(),
        });
    }
    let Some(patience) = obs.patience else {
        return Err(ValidateError::Nothing {
            files: names,
            why: "no queued call hung up, so Erlang A has no patience to fit".into(),
        });
    };
    let mut cells = Vec::new();
    let (mut no_agents, mut no_calls) = (0, 0);
    for &d in &compared {
        let hours: Vec<usize> = (0..cal.frame.per_day).filter(|i| cal.frame.in_hours(*i)).collect();
        let live: Vec<usize> = hours
            .iter()
            .copied()
            .filter(|i| {
                let o = &obs.cells[d][*i];
                o.offered > 0 && cal.staffing.by_day[d][*i] > 0.0
            })
            .collect();
        no_agents += hours
            .iter()
            .filter(|i| obs.cells[d][**i].offered > 0 && cal.staffing.by_day[d][**i] <= 0.0)
            .count();
        no_calls += hours.iter().filter(|i| obs.cells[d][**i].offered == 0).count();
        if live.is_empty() {
            continue;
        }
        let summary = plan.run(sc, d, options.replications, options.threads)?;
        for i in live {
            let o = &obs.cells[d][i];
            let agents = cal.staffing.by_day[d][i];
            let talk = o.talk_mean().or(obs.day_talk[d]).unwrap_or(obs.talk);
            let lambda = f64::from(o.offered) / sc.interval;
            let ea = baseline::predict(agents, lambda, talk, patience, plan.sl_threshold, sc.interval);
            let eg = baseline::predict(agents, lambda, talk + obs.gap, patience, plan.sl_threshold, sc.interval);
            cells.push(Cell {
                day: cal.frame.days[d],
                weekday: cal.frame.weekday(d),
                interval: i,
                agents,
                talk,
                observed: o.figures(agents, sc.interval),
                cxsim: plan.figures(&summary, i),
                erlang_a: ea,
                erlang_a_gap: eg,
            });
        }
    }
    if cells.is_empty() {
        return Err(ValidateError::Nothing {
            files: names,
            why: "no interval of the compared days and hours has both calls and agents".into(),
        });
    }
    let mut v = Validation {
        scenario: sc.name.clone(),
        files: files.to_vec(),
        options: options.clone(),
        interval: sc.interval,
        days: compared.iter().map(|d| cal.frame.days[*d]).collect(),
        dated: cal.frame.dated,
        cells,
        no_agents,
        no_calls,
        sl_threshold: plan.sl_threshold,
        patience,
        gap: obs.gap,
        gaps: obs.gaps,
        scores: Default::default(),
        floor: [f64::NAN; 6],
    };
    v.scores = v.scores_of(|_| true);
    v.floor = noise_floor(&v.cells);
    Ok(v)
}

/// [`Validation::floor`] of `cells`: the standard deviation of a cell's replications is its
/// 95% half-width × √n / t(0.975, n − 1).
pub fn noise_floor(cells: &[Cell]) -> [f64; 6] {
    std::array::from_fn(|f| {
        let spreads: Vec<f64> = cells
            .iter()
            .map(|c| c.cxsim[f])
            .filter(|e| e.n > 1 && e.half_width.is_finite() && e.mean.is_finite())
            .map(|e| e.half_width * (e.n as f64).sqrt() / crate::stats::tally::student_t_975(e.n - 1))
            .collect();
        if spreads.is_empty() {
            return f64::NAN;
        }
        spreads.iter().sum::<f64>() / spreads.len() as f64 * (2.0 / std::f64::consts::PI).sqrt()
    })
}
