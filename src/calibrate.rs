//! Calibration: a baseline scenario from per-call logs — arrival rates by type and interval
//! with weekday factors, service times, patience, after-call work and staffing inferred from
//! the agents' activity, and priorities — with a report of every fit and its quality.
//!
//! [`log`] reads the files (the bank's native format, the generic CSV schema, cxsim's own
//! `contacts.csv`) into one list of calls; [`demand`], [`service`], [`patience`],
//! [`after_call`] and [`staffing`] each fit their part; [`write`] makes the commented scenario
//! and the report. The same files and options give the same bytes: names are sorted, calls
//! are ordered by arrival, and every sum runs in that order.
//!
//! A calibrated type is one type of the log at one priority (the bank's high-priority callers
//! are a type of their own with the 1.5 minutes of queue credit its routing gave them).

pub mod after_call;
pub mod clock;
pub mod demand;
pub mod log;
pub mod patience;
pub mod service;
pub mod staffing;
pub mod write;

use clock::DAY;
use log::{Format, Log, LogError, Outcome, TypeKey};
use std::path::PathBuf;

/// Service times with fewer positive values than this take the fit of all types together.
pub const MIN_SERVICE_SAMPLES: u64 = 30;
/// Types with fewer abandonments than this take the patience of all types together.
pub const MIN_ABANDONMENTS: u64 = 30;

/// How service times are written into the scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceForm {
    /// A lognormal fitted by maximum likelihood.
    Lognormal,
    /// The observed times, written to a file beside the scenario (`empirical`).
    Empirical,
}

/// What to calibrate and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The files' format (`None`: recognised from each header).
    pub format: Option<Format>,
    /// Interval length, seconds; divides a day.
    pub interval: f64,
    /// Hours of the day calibrated, `[open, close)` in whole hours (`None`: inferred).
    pub hours: Option<(u32, u32)>,
    pub service: ServiceForm,
    /// Gaps between an agent's calls longer than this are breaks, not after-call work (s).
    pub break_gap: f64,
    /// An agent is present between two calls less than this apart (s).
    pub presence_gap: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            format: None,
            interval: 3600.0,
            hours: None,
            service: ServiceForm::Lognormal,
            break_gap: 600.0,
            presence_gap: 1800.0,
        }
    }
}

/// A calibration that cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CalibrateError {
    #[error(transparent)]
    Log(#[from] LogError),
    #[error("{0}")]
    Options(String),
    #[error("{files}: nothing to calibrate: {why}")]
    Nothing { files: String, why: String },
}

/// The days and intervals the counts are kept on.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Interval length, seconds.
    pub interval: f64,
    /// Intervals in a day.
    pub per_day: usize,
    /// The log's days (day numbers, increasing): days with at least one call.
    pub days: Vec<i64>,
    /// Weekday (0 = Monday) of day number 0.
    pub day0_weekday: i64,
    /// Intervals of the day calibrated, `[from, to)`.
    pub hours: (usize, usize),
    /// Days are calendar dates.
    pub dated: bool,
}

impl Frame {
    /// Cuts the span `[from, to)` (seconds) at the interval boundaries of each day and calls
    /// `f(log day index, interval of the day, seconds)` for each piece that falls on a log day.
    pub fn pieces(&self, from: f64, to: f64, mut f: impl FnMut(usize, usize, f64)) {
        let mut t = from;
        while t < to {
            let day = (t / DAY).floor();
            let k = ((t - day * DAY) / self.interval).floor();
            let cell_end = (day * DAY + (k + 1.0) * self.interval).min(to);
            let cell_end = if cell_end <= t { to } else { cell_end };
            if let Some((d, i)) = self.cell(t) {
                f(d, i, cell_end - t);
            }
            t = cell_end;
        }
    }

    /// `(log day index, interval of the day)` of time `t`, if its day is a log day.
    pub fn cell(&self, t: f64) -> Option<(usize, usize)> {
        let day = (t / DAY).floor();
        let d = self.days.binary_search(&(day as i64)).ok()?;
        let i = ((t - day * DAY) / self.interval).floor() as usize;
        Some((d, i.min(self.per_day - 1)))
    }

    /// Whether interval `i` of the day is in the hours calibrated.
    pub fn in_hours(&self, i: usize) -> bool {
        (self.hours.0..self.hours.1).contains(&i)
    }

    /// Weekday (0 = Monday) of log day `d`.
    pub fn weekday(&self, d: usize) -> usize {
        clock::weekday(self.days[d], self.day0_weekday)
    }
}

/// The fits of one calibrated type.
#[derive(Debug, Clone)]
pub struct TypeFit {
    pub key: TypeKey,
    /// Its name in the scenario.
    pub name: String,
    pub demand: demand::Demand,
    /// Service times (end − answer, seconds) of its answered calls, in arrival order.
    pub service_times: Vec<f64>,
    /// Its own lognormal fit (`None` with too few times: see `service_pooled`).
    pub service: Option<service::LognormalFit>,
    /// Its handle time is the fit of all types together.
    pub service_pooled: bool,
    pub patience: Option<patience::PatienceFit>,
    /// Its patience is the fit of all types together.
    pub patience_pooled: bool,
    /// Queued calls and abandonments among them.
    pub queued: u64,
    pub abandoned: u64,
    pub answered: u64,
    pub unanswered: u64,
}

/// A calibration: the log and every fit.
#[derive(Debug, Clone)]
pub struct Calibration {
    pub log: Log,
    pub frame: Frame,
    pub options: Options,
    /// The hours were inferred from the log (not given).
    pub hours_inferred: bool,
    pub types: Vec<TypeFit>,
    /// Fits of all types together, for types with too few calls of their own.
    pub pooled_service: Option<service::LognormalFit>,
    pub pooled_service_times: Vec<f64>,
    pub pooled_patience: Option<patience::PatienceFit>,
    pub after_call: Option<after_call::AfterCall>,
    pub staffing: staffing::Staffing,
}

/// Reads `files` and calibrates.
pub fn calibrate(files: &[PathBuf], options: &Options) -> Result<Calibration, CalibrateError> {
    let interval = options.interval;
    if !((300.0..=DAY).contains(&interval) && (DAY / interval - (DAY / interval).round()).abs() < 1e-9) {
        return Err(CalibrateError::Options(format!(
            "--interval must divide a day and be at least 5m, got {interval} s"
        )));
    }
    if let Some((open, close)) = options.hours
        && !(open < close && close <= 24)
    {
        return Err(CalibrateError::Options(format!(
            "--hours must be OPEN-CLOSE in whole hours with 0 <= OPEN < CLOSE <= 24, got {open:02}-{close:02}"
        )));
    }
    let mut reader = log::Reader::default();
    for f in files {
        reader.read(f, options.format)?;
    }
    let log = reader.finish();
    let names = files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let per_day = (DAY / interval).round() as usize;
    let mut days: Vec<i64> = log
        .calls
        .iter()
        .flat_map(|c| [c.arrival, c.queue.unwrap_or(c.arrival)])
        .map(|t| (t / DAY).floor() as i64)
        .collect();
    days.sort_unstable();
    days.dedup();
    let mut frame = Frame {
        interval,
        per_day,
        days,
        day0_weekday: log.day0_weekday(),
        hours: (0, per_day),
        dated: log.dated,
    };
    let staffing = staffing::infer(&log, &frame, options.presence_gap);
    let hours_inferred = options.hours.is_none();
    frame.hours = match options.hours {
        Some((open, close)) => (
            (f64::from(open) * 3600.0 / interval).floor() as usize,
            ((f64::from(close) * 3600.0 / interval).ceil() as usize).min(per_day),
        ),
        None => infer_hours(&log, &frame, &staffing),
    };

    let all_times: Vec<f64> = served_times(&log, None);
    let pooled_service = service::fit_lognormal(&all_times);
    if pooled_service.is_none() && options.service == ServiceForm::Lognormal {
        return Err(CalibrateError::Nothing {
            files: names,
            why: "no two answered calls with different, positive service times".into(),
        });
    }
    if all_times.is_empty() {
        return Err(CalibrateError::Nothing {
            files: names,
            why: "no answered call".into(),
        });
    }
    let pooled_patience = patience::fit(&waits(&log, None));

    let several: Vec<bool> = log
        .types
        .iter()
        .map(|k| log.types.iter().filter(|o| o.name == k.name).count() > 1)
        .collect();
    let mut types = Vec::new();
    for (i, key) in log.types.iter().enumerate() {
        let ty = i as u32;
        let times = served_times(&log, Some(ty));
        let own = service::fit_lognormal(&times).filter(|f| f.n >= MIN_SERVICE_SAMPLES);
        let obs = waits(&log, Some(ty));
        let own_patience = patience::fit(&obs).filter(|p| p.events >= MIN_ABANDONMENTS);
        let calls = log.calls.iter().filter(|c| c.ty == ty);
        let count = |o: Outcome| calls.clone().filter(|c| c.outcome == o).count() as u64;
        types.push(TypeFit {
            key: key.clone(),
            name: type_name(key, several[i], log.bank_priority),
            demand: demand::fit(&log, &frame, ty),
            service_pooled: own.is_none(),
            service: own,
            service_times: times,
            patience_pooled: own_patience.is_none() && pooled_patience.is_some(),
            patience: own_patience,
            queued: obs.len() as u64,
            abandoned: count(Outcome::Abandoned),
            answered: count(Outcome::Served),
            unanswered: count(Outcome::Unanswered),
        });
    }
    let after_call = after_call::infer(&log, options.break_gap, options.presence_gap);
    Ok(Calibration {
        log,
        frame,
        options: options.clone(),
        hours_inferred,
        types,
        pooled_service,
        pooled_service_times: all_times,
        pooled_patience,
        after_call,
        staffing,
    })
}

/// The scenario name of a calibrated type: the log's name, marked by its priority where the
/// name comes in more than one (`PS_high` for the bank's priority callers, `sales_p2`).
fn type_name(key: &TypeKey, several: bool, bank: bool) -> String {
    let base = if key.name.eq_ignore_ascii_case("all") {
        format!("{}_calls", key.name)
    } else {
        key.name.clone()
    };
    match (several || key.priority != 0, bank) {
        (false, _) => base,
        (true, true) if key.priority > 0 => format!("{base}_high"),
        (true, true) => base,
        (true, false) => format!("{base}_p{}", key.priority),
    }
}

/// Service times (end − answer) of answered calls, of one type or all, in arrival order.
fn served_times(log: &Log, ty: Option<u32>) -> Vec<f64> {
    log.calls
        .iter()
        .filter(|c| ty.is_none_or(|t| c.ty == t))
        .filter_map(|c| c.answer.map(|a| c.end - a))
        .collect()
}

/// `(wait, abandoned)` of queued calls, of one type or all.
fn waits(log: &Log, ty: Option<u32>) -> Vec<(f64, bool)> {
    log.calls
        .iter()
        .filter(|c| ty.is_none_or(|t| c.ty == t))
        .filter_map(|c| c.wait().map(|w| (w, c.outcome == Outcome::Abandoned)))
        .collect()
}

/// The hours of the day with agents: from the first to the last whole hour holding an
/// interval whose mean staffing is at least half an agent; without names (busy time only),
/// or without any such interval, the hours holding at least 1% of the calls asking for an
/// agent in the busiest interval.
fn infer_hours(log: &Log, frame: &Frame, staffing: &staffing::Staffing) -> (usize, usize) {
    let mut marked: Vec<bool> = if staffing.busy_only {
        Vec::new()
    } else {
        staffing.mean.iter().map(|m| *m >= 0.5).collect()
    };
    if !marked.iter().any(|m| *m) {
        let mut counts = vec![0u64; frame.per_day];
        for c in &log.calls {
            if let Some((_, i)) = c.queue.and_then(|q| frame.cell(q)) {
                counts[i] += 1;
            }
        }
        let peak = counts.iter().copied().max().unwrap_or(0);
        marked = counts
            .iter()
            .map(|c| *c > 0 && *c as f64 >= 0.01 * peak as f64)
            .collect();
    }
    let (Some(first), Some(last)) = (marked.iter().position(|m| *m), marked.iter().rposition(|m| *m)) else {
        return (0, frame.per_day);
    };
    // Widened to whole hours.
    let i = frame.interval;
    let from_t = (first as f64 * i / 3600.0).floor() * 3600.0;
    let to_t = ((last + 1) as f64 * i / 3600.0).ceil() * 3600.0;
    (
        (from_t / i).floor() as usize,
        ((to_t / i).ceil() as usize).min(frame.per_day),
    )
}
