//! Arrival forecasts from interval counts: a daily level × day-of-week factors × an intraday
//! profile, fitted on training weeks, scored on held-back weeks, and written as a scenario's
//! `arrivals` block (`daily`, `profile`, `weekly`, and `busyness` when days vary beyond Poisson).
//!
//! **The model.** Interval k of day d (weekday w) expects
//! `λ(d, k) = daily × weekly[w] × profile[k]`, the profile a share of the day (Σ = 1). This is
//! the scenario's own `daily × weekly × profile` demand, so what is fitted is what cxsim runs.
//!
//! **The fit**, on the complete training days (every interval present):
//! * `profile[k] = Σ_d c(d, k) / Σ_d V_d` — the pooled share of interval k (V_d the day's total);
//! * `weekly[w] = m_w / mean_w' m_w'` with `m_w` the mean total of the training days on weekday w:
//!   the factors average 1 over the weekdays the data has; weekdays it never has get 0 (closed);
//! * `daily = mean_d V_d / weekly[w_d]` over the level window (the last `level_weeks` weeks of
//!   training, or all of it): the deseasonalised level, which follows a trend when the window
//!   is short;
//! * busyness: with `r_d = V_d / (daily × weekly[w_d])`, the day-to-day variance of r beyond
//!   Poisson's `mean(1 / μ_d)` is the variance `1 / k` of a gamma factor of mean 1, so the
//!   scenario's `busyness = { shape = k }` reproduces it; none when Poisson explains it all.
//!
//! **The score** on the held-back weeks (the last `holdout_weeks` weeks of the data, never
//! used in the fit): the mean absolute percentage error and bias of daily totals; per interval
//! the weighted absolute percentage error `WAPE = Σ|λ − c| / Σ c` and the RMSE, beside the
//! RMSE that Poisson noise alone would leave with the exact rates, `sqrt(mean λ)`; and the same
//! for the seasonal naive forecast (each held-back day as the last training day of its weekday).

use crate::calendar::{DAY, clock, date_string, parse_clock, parse_date, weekday};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

/// What went wrong reading a count file.
#[derive(Debug, thiserror::Error)]
pub enum ForecastError {
    #[error("{path}: {message}")]
    File { path: String, message: String },
    #[error("{path}:{line}: field `{field}`: {message}")]
    Field {
        path: String,
        line: u64,
        field: &'static str,
        message: String,
    },
}

/// One day of counts: `counts[k]` for the k-th interval from the first one of the day (NaN
/// where the file has no row).
#[derive(Debug, Clone, PartialEq)]
pub struct DayCounts {
    /// Days since 1970-01-01.
    pub day: i64,
    /// 0 = Monday … 6 = Sunday.
    pub weekday: usize,
    pub counts: Vec<f64>,
}

impl DayCounts {
    /// Whether every interval of the day has a count.
    pub fn complete(&self) -> bool {
        self.counts.iter().all(|c| !c.is_nan())
    }

    /// The day's total (of the intervals present).
    pub fn total(&self) -> f64 {
        self.counts.iter().filter(|c| !c.is_nan()).sum()
    }
}

/// A file of counts per day and interval, in date order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Length of each interval, seconds (divides a day).
    pub interval: f64,
    /// Clock time of the first interval of the day, seconds after midnight.
    pub first: f64,
    /// Intervals per day, from the first to the last the file has on any day.
    pub slots: usize,
    pub days: Vec<DayCounts>,
    /// Data rows read.
    pub rows: usize,
}

impl Series {
    /// Calls in all.
    pub fn total(&self) -> f64 {
        self.days.iter().map(DayCounts::total).sum()
    }

    /// Dates between the first and the last day, on weekdays the file has elsewhere, with no
    /// row at all (holidays, gaps).
    pub fn missing_days(&self) -> Vec<i64> {
        let mut has = [false; 7];
        for d in &self.days {
            has[d.weekday] = true;
        }
        let (Some(first), Some(last)) = (self.days.first(), self.days.last()) else {
            return Vec::new();
        };
        let present: std::collections::BTreeSet<i64> = self.days.iter().map(|d| d.day).collect();
        (first.day..=last.day)
            .filter(|d| has[weekday(*d)] && !present.contains(d))
            .collect()
    }
}

/// Reads a CSV file of counts with a header holding `date` (`YYYY-MM-DD`), `interval_start`
/// (`HH:MM` or `HH:MM:SS`, the interval's clock time) and `calls` (a non-negative number);
/// other columns are ignored. The interval length is the least gap between interval starts.
pub fn read_counts(path: &Path) -> Result<Series, ForecastError> {
    let shown = path.display().to_string();
    let file = |message: String| ForecastError::File {
        path: shown.clone(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| file(format!("cannot read it: {e}")))?;
    let header = reader
        .headers()
        .map_err(|e| file(format!("cannot read its header: {e}")))?
        .clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(date_col), Some(start_col), Some(calls_col)) = (col("date"), col("interval_start"), col("calls")) else {
        let missing: Vec<&str> = ["date", "interval_start", "calls"]
            .into_iter()
            .filter(|n| col(n).is_none())
            .collect();
        return Err(file(format!(
            "missing column(s) {} (the header has: {}); a count file needs `date` (YYYY-MM-DD), \
             `interval_start` (HH:MM) and `calls`",
            missing.join(", "),
            header.iter().collect::<Vec<_>>().join(", ")
        )));
    };
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(file(format!("cannot read a row: {e}"))),
        }
        let line = record.position().map_or(0, csv::Position::line);
        let field = |field: &'static str, message: String| ForecastError::Field {
            path: shown.clone(),
            line,
            field,
            message,
        };
        let text = |i: usize| record.get(i).unwrap_or("");
        let day = parse_date(text(date_col))
            .ok_or_else(|| field("date", format!("`{}` is not a date YYYY-MM-DD", text(date_col))))?;
        let start = parse_clock(text(start_col)).ok_or_else(|| {
            field(
                "interval_start",
                format!("`{}` is not a clock time HH:MM or HH:MM:SS", text(start_col)),
            )
        })?;
        let calls: f64 = text(calls_col)
            .parse()
            .ok()
            .filter(|c: &f64| c.is_finite() && *c >= 0.0)
            .ok_or_else(|| field("calls", format!("`{}` is not a non-negative number", text(calls_col))))?;
        rows.push((day, start, calls, line));
    }
    if rows.is_empty() {
        return Err(file("has no rows of counts".into()));
    }
    let mut starts: Vec<f64> = rows.iter().map(|r| r.1).collect();
    starts.sort_by(f64::total_cmp);
    starts.dedup();
    let interval = starts.windows(2).map(|w| w[1] - w[0]).fold(f64::INFINITY, f64::min);
    let interval = if interval.is_finite() { interval } else { DAY };
    if DAY % interval != 0.0 {
        return Err(file(format!(
            "its intervals are {interval} s apart, which does not divide a day"
        )));
    }
    let first = starts[0];
    let slots = ((starts[starts.len() - 1] - first) / interval) as usize + 1;
    let mut days: BTreeMap<i64, Vec<f64>> = BTreeMap::new();
    for &(day, start, calls, line) in &rows {
        let k = (start - first) / interval;
        if k.fract() != 0.0 {
            return Err(ForecastError::Field {
                path: shown.clone(),
                line,
                field: "interval_start",
                message: format!("is not on the grid of {interval} s intervals from the first one"),
            });
        }
        let counts = days.entry(day).or_insert_with(|| vec![f64::NAN; slots]);
        let cell = &mut counts[k as usize];
        if !cell.is_nan() {
            return Err(ForecastError::Field {
                path: shown.clone(),
                line,
                field: "interval_start",
                message: format!("a second row for {} {}", date_string(day), clock(start)),
            });
        }
        *cell = calls;
    }
    Ok(Series {
        interval,
        first,
        slots,
        rows: rows.len(),
        days: days
            .into_iter()
            .map(|(day, counts)| DayCounts {
                day,
                weekday: weekday(day),
                counts,
            })
            .collect(),
    })
}

/// How to fit and score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ForecastOptions {
    /// The last weeks of the data held back to score the forecast (0: none).
    pub holdout_weeks: u32,
    /// The level from the last weeks of training only (None: all of training).
    pub level_weeks: Option<u32>,
}

impl Default for ForecastOptions {
    fn default() -> Self {
        ForecastOptions {
            holdout_weeks: 4,
            level_weeks: None,
        }
    }
}

/// The fitted model; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Fit {
    /// Expected calls on a day of weekly factor 1.
    pub daily: f64,
    /// Factors Monday … Sunday: mean 1 over the weekdays in the data, 0 on the others.
    pub weekly: [f64; 7],
    /// Share of a day's calls in each interval of a whole day from the first interval's
    /// clock time, as the scenario's `profile` runs from its `start` (`86,400 / interval`
    /// entries, Σ = 1; 0 outside the data's hours).
    pub profile: Vec<f64>,
    /// Gamma shape of the day-level factor, when days vary beyond Poisson.
    pub busyness: Option<f64>,
    /// Day-level coefficient of variation beyond Poisson (0 when there is none).
    pub day_cv: f64,
    /// First and last training day (days since 1970-01-01), and how many complete days.
    pub train: (i64, i64, usize),
    /// First day of the level window.
    pub level_from: i64,
}

/// Errors of a forecast against what happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// Mean absolute percentage error of daily totals.
    pub daily_mape: f64,
    /// Mean percentage error of daily totals (forecast − actual, relative).
    pub daily_bias: f64,
    /// Σ|λ − c| / Σ c over intervals.
    pub wape: f64,
    /// Root mean squared error per interval, calls.
    pub rmse: f64,
}

/// The score on the held-back weeks.
#[derive(Debug, Clone, PartialEq)]
pub struct Holdout {
    /// First and last held-back day, and how many complete days were scored.
    pub days: (i64, i64, usize),
    pub model: Score,
    /// The RMSE that Poisson noise alone leaves with exact rates: sqrt(mean λ).
    pub poisson_rmse: f64,
    /// The seasonal naive forecast (the last training day of the same weekday), where every
    /// held-back weekday has one.
    pub naive: Option<Score>,
}

/// A fitted forecast and its score.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub fit: Fit,
    pub holdout: Option<Holdout>,
    /// Days skipped for missing intervals.
    pub incomplete: usize,
}

/// Fits the model on `series` (less its last `holdout_weeks` weeks) and scores it on them.
pub fn forecast(series: &Series, opts: ForecastOptions) -> Result<Forecast, String> {
    let complete: Vec<&DayCounts> = series.days.iter().filter(|d| d.complete()).collect();
    let incomplete = series.days.len() - complete.len();
    let last = complete.last().ok_or("no day has a count for every interval")?.day;
    let cut = last - 7 * i64::from(opts.holdout_weeks);
    let (train, held): (Vec<&DayCounts>, Vec<&DayCounts>) = complete.iter().partition(|d| d.day <= cut);
    if train.is_empty() {
        return Err(format!(
            "holding back {} weeks leaves no day to fit on (the data has {} complete days)",
            opts.holdout_weeks,
            complete.len()
        ));
    }
    let fit = fit(series, &train, opts.level_weeks);
    let holdout = (!held.is_empty()).then(|| score(series, &fit, &train, &held));
    Ok(Forecast {
        fit,
        holdout,
        incomplete,
    })
}

fn fit(series: &Series, train: &[&DayCounts], level_weeks: Option<u32>) -> Fit {
    let per_day = (DAY / series.interval).round() as usize;
    let total: f64 = train.iter().map(|d| d.total()).sum();
    let mut profile = vec![0.0; per_day];
    for d in train {
        for (k, c) in d.counts.iter().enumerate() {
            profile[k] += c;
        }
    }
    if total > 0.0 {
        profile.iter_mut().for_each(|p| *p /= total);
    }
    let (mut sum, mut n) = ([0.0; 7], [0usize; 7]);
    for d in train {
        sum[d.weekday] += d.total();
        n[d.weekday] += 1;
    }
    let means: Vec<(usize, f64)> = (0..7)
        .filter(|w| n[*w] > 0)
        .map(|w| (w, sum[w] / n[w] as f64))
        .collect();
    let grand = means.iter().map(|m| m.1).sum::<f64>() / means.len() as f64;
    let mut weekly = [0.0; 7];
    for (w, m) in &means {
        weekly[*w] = if grand > 0.0 { m / grand } else { 1.0 };
    }
    let last = train[train.len() - 1].day;
    let level_from = level_weeks.map_or(train[0].day, |w| last - 7 * i64::from(w) + 1);
    let window: Vec<&&DayCounts> = train.iter().filter(|d| d.day >= level_from).collect();
    let deseasoned = |d: &DayCounts| {
        if weekly[d.weekday] > 0.0 {
            d.total() / weekly[d.weekday]
        } else {
            0.0
        }
    };
    let daily = window.iter().map(|d| deseasoned(d)).sum::<f64>() / window.len() as f64;
    // Day-level variation beyond Poisson, on all training days around the level.
    let (mut r, mut poisson) = (Vec::with_capacity(train.len()), 0.0);
    for d in train {
        let mu = daily * weekly[d.weekday];
        if mu > 0.0 {
            r.push(d.total() / mu);
            poisson += 1.0 / mu;
        }
    }
    let (busyness, day_cv) = if r.len() >= 2 {
        let mean = r.iter().sum::<f64>() / r.len() as f64;
        let var = r.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (r.len() - 1) as f64;
        let excess = var - poisson / r.len() as f64;
        if excess > 0.0 {
            (Some(1.0 / excess), excess.sqrt())
        } else {
            (None, 0.0)
        }
    } else {
        (None, 0.0)
    };
    Fit {
        daily,
        weekly,
        profile,
        busyness,
        day_cv,
        train: (train[0].day, last, train.len()),
        level_from,
    }
}

impl Fit {
    /// Expected calls in interval `k` (from the first of the day) of a day on `weekday`.
    pub fn rate(&self, weekday: usize, k: usize) -> f64 {
        self.daily * self.weekly[weekday] * self.profile[k]
    }
}

/// Errors of `predict(day)` (per-interval expectations) against the held-back days.
fn errors(held: &[&DayCounts], predict: impl Fn(&DayCounts) -> Vec<f64>) -> Score {
    let (mut ape, mut pe, mut abs, mut sq, mut actual, mut cells) = (0.0, 0.0, 0.0, 0.0, 0.0, 0usize);
    let mut days = 0usize;
    for d in held {
        let lambda = predict(d);
        let (v, vhat) = (d.total(), lambda.iter().sum::<f64>());
        if v > 0.0 {
            ape += (vhat - v).abs() / v;
            pe += (vhat - v) / v;
            days += 1;
        }
        for (l, c) in lambda.iter().zip(&d.counts) {
            abs += (l - c).abs();
            sq += (l - c) * (l - c);
            actual += c;
            cells += 1;
        }
    }
    Score {
        daily_mape: ape / days.max(1) as f64,
        daily_bias: pe / days.max(1) as f64,
        wape: if actual > 0.0 { abs / actual } else { f64::NAN },
        rmse: (sq / cells.max(1) as f64).sqrt(),
    }
}

fn score(series: &Series, fit: &Fit, train: &[&DayCounts], held: &[&DayCounts]) -> Holdout {
    let model = errors(held, |d| (0..series.slots).map(|k| fit.rate(d.weekday, k)).collect());
    let lambdas: Vec<f64> = held
        .iter()
        .flat_map(|d| (0..series.slots).map(move |k| fit.rate(d.weekday, k)))
        .collect();
    let poisson_rmse = (lambdas.iter().sum::<f64>() / lambdas.len().max(1) as f64).sqrt();
    let mut last_of = [None::<&DayCounts>; 7];
    for d in train {
        last_of[d.weekday] = Some(d);
    }
    let naive = held.iter().all(|d| last_of[d.weekday].is_some()).then(|| {
        errors(held, |d| {
            last_of[d.weekday].map(|t| t.counts.clone()).unwrap_or_default()
        })
    });
    Holdout {
        days: (held[0].day, held[held.len() - 1].day, held.len()),
        model,
        poisson_rmse,
        naive,
    }
}

/// A number with `digits` significant digits, trailing zeros trimmed (TOML-ready).
fn num(x: f64, digits: usize) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let magnitude = x.abs().log10().floor() as i32;
    let decimals = (digits as i32 - 1 - magnitude).max(0) as usize;
    let s = format!("{x:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `x` as a percentage with one decimal.
fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

/// The forecast as a block to paste below a `[[contact_types]]` entry's own fields: its
/// `busyness` (when fitted) and its `[contact_types.arrivals]` table, after comments that say
/// where it came from, how well it did on the held-back weeks and the `[simulation]` settings
/// it assumes.
pub fn arrivals_block(source: &str, series: &Series, f: &Forecast) -> String {
    let fit = &f.fit;
    let mut out = String::new();
    let _ = writeln!(out, "# Arrivals forecast by `cxsim forecast` from {source}:");
    let (first, last) = (series.days[0].day, series.days[series.days.len() - 1].day);
    let _ = writeln!(
        out,
        "# {} days {} … {}, {} intervals of {} from {}, {} calls.",
        series.days.len(),
        date_string(first),
        date_string(last),
        series.slots,
        duration(series.interval),
        clock(series.first),
        num(series.total(), 12)
    );
    let _ = writeln!(
        out,
        "# Fitted on {} complete days {} … {} (the level on the days from {}).",
        fit.train.2,
        date_string(fit.train.0),
        date_string(fit.train.1),
        date_string(fit.level_from)
    );
    match &f.holdout {
        Some(h) => {
            let _ = writeln!(
                out,
                "# Held back {} days {} … {}: daily MAPE {} (bias {}), per interval WAPE {} and RMSE {} calls",
                h.days.2,
                date_string(h.days.0),
                date_string(h.days.1),
                pct(h.model.daily_mape),
                pct(h.model.daily_bias),
                pct(h.model.wape),
                num(h.model.rmse, 4)
            );
            let _ = write!(out, "# (Poisson noise alone: {})", num(h.poisson_rmse, 4));
            if let Some(n) = &h.naive {
                let _ = write!(
                    out,
                    "; seasonal naive: daily MAPE {}, WAPE {}, RMSE {}",
                    pct(n.daily_mape),
                    pct(n.wape),
                    num(n.rmse, 4)
                );
            }
            out.push_str(".\n");
        }
        None => out.push_str("# No weeks held back: the forecast is not scored.\n"),
    }
    let _ = writeln!(
        out,
        "# Assumes [simulation] start = \"{}\", interval = \"{}\"; first_day names the weekday of t = 0.",
        clock(series.first),
        duration(series.interval)
    );
    out.push_str("# Paste below a [[contact_types]] entry's own fields.\n");
    if let Some(k) = fit.busyness {
        let _ = writeln!(
            out,
            "busyness = {{ shape = {}, per = \"day\" }}   # day-level cv {} beyond Poisson",
            num(k, 4),
            pct(fit.day_cv)
        );
    }
    out.push_str("[contact_types.arrivals]\n");
    let _ = writeln!(out, "daily = {}", num(fit.daily, 6));
    let _ = writeln!(
        out,
        "weekly = [{}]   # Monday … Sunday",
        fit.weekly.iter().map(|w| num(*w, 4)).collect::<Vec<_>>().join(", ")
    );
    out.push_str("profile = [   # share of the day, one per interval from ");
    out.push_str(&clock(series.first));
    out.push('\n');
    let per_line = (3600.0 / series.interval).round().max(1.0) as usize;
    for (i, chunk) in fit.profile.chunks(per_line).enumerate() {
        let at = series.first + (i * per_line) as f64 * series.interval;
        let cells: Vec<String> = chunk.iter().map(|p| num(*p, 4)).collect();
        let _ = writeln!(out, "  {},   # {}", cells.join(", "), clock(at % DAY));
    }
    out.push_str("]\n");
    out
}

/// Seconds as the scenario writes a duration (`5m`, `1h`, `90s`).
fn duration(s: f64) -> String {
    let s = s.round() as u64;
    if s % 3600 == 0 {
        format!("{}h", s / 3600)
    } else if s % 60 == 0 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_their_significant_digits_without_trailing_zeros() {
        assert_eq!(num(1234.5678, 6), "1234.57");
        assert_eq!(num(0.00123456, 4), "0.001235");
        assert_eq!(num(1.0, 4), "1");
        assert_eq!(num(0.0, 4), "0");
    }
}
