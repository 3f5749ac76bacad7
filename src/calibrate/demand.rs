//! Arrival rates: calls asking for an agent, counted by type, day and interval at the time
//! they asked (queue entry, or the answer of a call answered at once), turned into the
//! scenario's daily volume × intraday profile × weekday factors; and the share of each type's
//! calls that ended in the IVR without asking for an agent.
//!
//! Estimands: `daily` is the mean count per log day inside the hours calibrated; `profile[i]`
//! the mean count per day in interval i; `weekly[w]` the mean count on the log's days of
//! weekday w over `daily` (0 where the log has no such day: closed, as `cxsim forecast` has
//! it). A count is Poisson within a
//! day, so an interval's rate has the 95% interval (c ± 1.96√c) / (days × length); days
//! differ by more than Poisson noise, so the weekday factors carry no interval.

use super::Frame;
use super::log::{Log, Outcome};

/// The demand of one type.
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    /// Calls asking for an agent by log day (index into [`Frame::days`]) and interval of the
    /// day, all day long.
    pub counts: Vec<Vec<u32>>,
    /// Calls asking for an agent, all day long.
    pub asking: u64,
    /// Of those, the ones outside the hours calibrated (left out of the rates).
    pub outside_hours: u64,
    /// Calls that ended in the IVR.
    pub ivr: u64,
    /// Mean calls asking for an agent per log day, inside the hours.
    pub daily: f64,
    /// Mean calls per log day in each interval of the day (0 outside the hours).
    pub profile: Vec<f64>,
    /// Weekday factors, Monday first, and the log days of each weekday.
    pub weekly: [f64; 7],
    pub weekday_days: [u32; 7],
}

impl Demand {
    /// The busiest interval: `(interval, calls per hour, 95% interval)`.
    pub fn peak(&self, frame: &Frame) -> (usize, f64, (f64, f64)) {
        let days = frame.days.len().max(1) as f64;
        let hours = frame.interval / 3600.0;
        let (i, c) = self
            .profile
            .iter()
            .enumerate()
            .fold((0, 0.0), |best, (i, c)| if *c > best.1 { (i, *c) } else { best });
        let count = c * days;
        let rate = |x: f64| x / (days * hours);
        (
            i,
            rate(count),
            (
                rate((count - 1.96 * count.sqrt()).max(0.0)),
                rate(count + 1.96 * count.sqrt()),
            ),
        )
    }

    /// Share of the type's calls that ended in the IVR.
    pub fn ivr_share(&self) -> f64 {
        let all = self.ivr + self.asking;
        if all == 0 { 0.0 } else { self.ivr as f64 / all as f64 }
    }
}

/// The demand of type `ty` of `log`.
pub fn fit(log: &Log, frame: &Frame, ty: u32) -> Demand {
    let per_day = frame.per_day;
    let mut counts = vec![vec![0u32; per_day]; frame.days.len()];
    let (mut asking, mut outside, mut ivr) = (0, 0, 0);
    for c in log.calls.iter().filter(|c| c.ty == ty) {
        if c.outcome == Outcome::Ivr {
            ivr += 1;
            continue;
        }
        let Some(q) = c.queue else { continue };
        let Some((d, i)) = frame.cell(q) else { continue };
        asking += 1;
        counts[d][i] += 1;
        if !frame.in_hours(i) {
            outside += 1;
        }
    }
    let days = frame.days.len().max(1) as f64;
    let mut profile = vec![0.0; per_day];
    for row in &counts {
        for (i, c) in row.iter().enumerate() {
            if frame.in_hours(i) {
                profile[i] += f64::from(*c);
            }
        }
    }
    let inside: f64 = profile.iter().sum();
    for p in &mut profile {
        *p /= days;
    }
    let daily = inside / days;
    let mut weekday_days = [0u32; 7];
    let mut weekday_counts = [0.0; 7];
    for (d, row) in counts.iter().enumerate() {
        let w = frame.weekday(d);
        weekday_days[w] += 1;
        weekday_counts[w] += row
            .iter()
            .enumerate()
            .filter(|(i, _)| frame.in_hours(*i))
            .map(|(_, c)| f64::from(*c))
            .sum::<f64>();
    }
    let weekly = std::array::from_fn(|w| {
        if weekday_days[w] == 0 {
            0.0 // no such day in the log: closed
        } else if daily > 0.0 {
            weekday_counts[w] / f64::from(weekday_days[w]) / daily
        } else {
            1.0
        }
    });
    Demand {
        counts,
        asking,
        outside_hours: outside,
        ivr,
        daily,
        profile,
        weekly,
        weekday_days,
    }
}
