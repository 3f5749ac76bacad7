//! A group's `shifts` to the agents on the phones over time: each shift brings its agents on
//! at its start on its days and takes them off at its end; each break takes every agent off
//! once within its window, staggered evenly across the shift's agents.

use super::{Cx, DAY, Frame, MAX_HEADCOUNT, Result};
use crate::scenario::raw::{RawActivity, RawShift};
use toml::Spanned;

/// What a group's shifts make.
pub(super) struct ShiftPlan {
    /// Agents on the phones (breaks taken off) from each change time on: ascending, the first
    /// at 0, all before the horizon.
    pub on_phones: Vec<(f64, u32)>,
    /// Agents scheduled (breaks included) from each change time on, like `on_phones`.
    pub scheduled: Vec<(f64, u32)>,
}

/// A shift's or an activity's `start`, `length`, `agents` and `days` as written.
type RecurringFields<'a> = (
    &'a Spanned<String>,
    &'a Spanned<crate::scenario::raw::DurationValue>,
    &'a Spanned<i64>,
    &'a Option<Spanned<Vec<Spanned<String>>>>,
);

/// Something that recurs on its days: a shift, or an activity.
struct Recurring {
    /// Clock time, seconds after midnight.
    start: f64,
    /// Seconds, at most a day.
    length: f64,
    agents: i64,
    /// Monday first.
    days: [bool; 7],
}

impl Recurring {
    /// The start of each occurrence (seconds from t = 0) that overlaps `[0, horizon)`. Clock
    /// day k starts at t = k·DAY − day_start; day −1 may run past midnight into the first.
    fn occurrences(&self, frame: &Frame) -> Vec<f64> {
        let last_day = ((frame.horizon + frame.day_start_s) / DAY).ceil() as i64 + 1;
        (-1..=last_day)
            .filter(|k| self.days[(frame.first_day as i64 + k).rem_euclid(7) as usize])
            .map(|k| k as f64 * DAY - frame.day_start_s + self.start)
            .filter(|base| *base < frame.horizon && base + self.length > 0.0)
            .collect()
    }
}

/// The time-average of the step function `points` over each interval of `frame`.
pub(super) fn averages(points: &[(f64, u32)], frame: &Frame) -> Vec<f64> {
    (0..frame.n_intervals as usize)
        .map(|i| {
            let (a, len) = (frame.interval_start(i), frame.interval_length(i));
            integral(points, a, a + len) / len
        })
        .collect()
}

/// The most of the step function `points` at any time of each interval of `frame`.
pub(super) fn interval_max(points: &[(f64, u32)], frame: &Frame) -> Vec<u32> {
    (0..frame.n_intervals as usize)
        .map(|i| {
            let a = frame.interval_start(i);
            level_max(points, a, a + frame.interval_length(i))
        })
        .collect()
}

/// The step function of per-interval `levels` (one per interval of `frame`).
pub(super) fn interval_steps(levels: &[u32], frame: &Frame) -> Vec<(f64, u32)> {
    let mut points: Vec<(f64, u32)> = Vec::new();
    for (i, h) in levels.iter().enumerate() {
        if points.last().is_none_or(|l| l.1 != *h) {
            points.push((frame.interval_start(i), *h));
        }
    }
    points
}

/// The largest level of the step function `points` (ascending change times, the first at or
/// before `a`) over `[a, b)`.
fn level_max(points: &[(f64, u32)], a: f64, b: f64) -> u32 {
    let first = points.partition_point(|(t, _)| *t <= a).max(1) - 1;
    points[first..]
        .iter()
        .take_while(|(t, _)| *t < b || *t <= a)
        .map(|(_, h)| *h)
        .max()
        .unwrap_or(0)
}

/// `points` (a step function, ascending, the first at 0) with `deltas` (time, change) added,
/// never below 0: an activity that asks for more agents than are on the phones takes them all.
pub(super) fn add_deltas(points: &[(f64, u32)], mut deltas: Vec<(f64, i64)>, horizon: f64) -> Vec<(f64, u32)> {
    let mut prev = 0i64;
    for &(t, h) in points {
        deltas.push((t, i64::from(h) - prev));
        prev = i64::from(h);
    }
    steps(deltas, horizon)
}

/// The step function of the running sum of `deltas` (time, change), clipped to `[0, horizon)`.
fn steps(mut deltas: Vec<(f64, i64)>, horizon: f64) -> Vec<(f64, u32)> {
    deltas.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut level: i64 = deltas.iter().filter(|(t, _)| *t <= 0.0).map(|(_, d)| d).sum();
    let mut points = vec![(0.0, level.max(0) as u32)];
    for (t, d) in deltas.into_iter().filter(|(t, _)| *t > 0.0 && *t < horizon) {
        level += d;
        match points.last_mut() {
            Some(last) if last.0 == t => last.1 = level.max(0) as u32,
            _ => points.push((t, level.max(0) as u32)),
        }
    }
    points.dedup_by(|b, a| a.1 == b.1);
    points
}

/// ∫ of the step function `points` over `[a, b)`.
fn integral(points: &[(f64, u32)], a: f64, b: f64) -> f64 {
    let mut area = 0.0;
    for (i, (t, h)) in points.iter().enumerate() {
        let end = points.get(i + 1).map_or(f64::INFINITY, |p| p.0);
        let (lo, hi) = (t.max(a), end.min(b));
        if hi > lo {
            area += f64::from(*h) * (hi - lo);
        }
    }
    area
}

impl Cx<'_> {
    /// A clock time `"HH:MM"` (or `"24:00"`) in seconds after midnight.
    pub(super) fn clock_time(&self, v: &Spanned<String>, field: &str) -> Result<f64> {
        let text = v.get_ref().trim();
        if text == "24:00" {
            return Ok(DAY);
        }
        super::parse_clock(text).ok_or_else(|| {
            self.err(
                v.span(),
                field,
                format!(
                    "invalid clock time \"{}\"; expected \"HH:MM\" or \"HH:MM:SS\" from \"00:00\" to \"24:00\"",
                    text.escape_debug()
                ),
            )
        })
    }

    /// A duration from zero (excluded) to one day.
    fn shift_duration(&self, v: &Spanned<crate::scenario::raw::DurationValue>, field: &str) -> Result<f64> {
        let d = self.duration(v, field)?;
        if d > 0.0 && d <= DAY {
            Ok(d)
        } else {
            Err(self.err(
                v.span(),
                field,
                format!("must be longer than zero and at most 24h, got {d} s"),
            ))
        }
    }

    /// The fields a shift and an activity share: a clock `start`, a `length` up to a day, a
    /// number of `agents` (at least `least`) and the weekdays it recurs on, at `path`.
    fn recurring(&self, fields: RecurringFields<'_>, path: &str, least: i64) -> Result<Recurring> {
        let (start, length, agents, days) = fields;
        let n = *agents.get_ref();
        if !(least..=MAX_HEADCOUNT).contains(&n) {
            return Err(self.err(
                agents.span(),
                format!("{path}.agents"),
                format!("must be a whole number of agents from {least} to {MAX_HEADCOUNT}, got {n}"),
            ));
        }
        Ok(Recurring {
            start: self.clock_time(start, &format!("{path}.start"))?,
            length: self.shift_duration(length, &format!("{path}.length"))?,
            agents: n,
            days: self.days(days, path)?,
        })
    }

    /// The weekdays listed at `{path}.days` (Monday first), or every day when none are.
    fn days(&self, list: &Option<Spanned<Vec<Spanned<String>>>>, path: &str) -> Result<[bool; 7]> {
        let mut days = [list.is_none(); 7];
        if let Some(list) = list {
            for (i, d) in list.get_ref().iter().enumerate() {
                days[self.weekday(d, &format!("{path}.days[{i}]"))?] = true;
            }
        }
        Ok(days)
    }

    /// A group's `activities` as changes of its agents on the phones: each takes its agents off
    /// at its start on its days and gives them back at its end.
    pub(super) fn activities(
        &self,
        list: &Spanned<Vec<Spanned<RawActivity>>>,
        path: &str,
        frame: &Frame,
    ) -> Result<Vec<(f64, i64)>> {
        let mut deltas = Vec::new();
        for (i, a) in list.get_ref().iter().enumerate() {
            let path = format!("{path}[{i}]");
            let r = a.get_ref();
            if r.name.get_ref().trim().is_empty() {
                return Err(self.err(
                    r.name.span(),
                    format!("{path}.name"),
                    "an activity needs a name (\"training\", \"team meeting\")",
                ));
            }
            let act = self.recurring((&r.start, &r.length, &r.agents, &r.days), &path, 1)?;
            for base in act.occurrences(frame) {
                deltas.push((base, -act.agents));
                deltas.push((base + act.length, act.agents));
            }
        }
        Ok(deltas)
    }

    /// Compiles a group's shifts over the scenario's days.
    pub(super) fn shifts(
        &self,
        list: &Spanned<Vec<Spanned<RawShift>>>,
        path: &str,
        frame: &Frame,
    ) -> Result<ShiftPlan> {
        if list.get_ref().is_empty() {
            return Err(self.err(
                list.span(),
                path,
                "give at least one shift: shifts = [{ start = \"08:00\", length = \"8h\", agents = 10 }]",
            ));
        }
        let mut scheduled: Vec<(f64, i64)> = Vec::new();
        let mut on_phones: Vec<(f64, i64)> = Vec::new();
        for (s, shift) in list.get_ref().iter().enumerate() {
            let path = format!("{path}[{s}]");
            let sh = shift.get_ref();
            let shift = self.recurring((&sh.start, &sh.length, &sh.agents, &sh.days), &path, 0)?;
            let (start, length) = (shift.start, shift.length);
            // Each break as (length, window start, window end), seconds from the shift's start.
            let mut breaks = Vec::new();
            for (b, brk) in sh.breaks.iter().flat_map(|l| l.get_ref().iter()).enumerate() {
                let field = format!("{path}.breaks[{b}]");
                let r = brk.get_ref();
                let len = self.shift_duration(&r.length, &format!("{field}.length"))?;
                let mut from = self.clock_time(&r.from, &format!("{field}.from"))? - start;
                if from < 0.0 {
                    from += DAY; // after midnight in a shift that crosses it
                }
                let mut to = self.clock_time(&r.to, &format!("{field}.to"))? - start;
                if to <= from {
                    to += DAY;
                }
                if to > length || to - from < len {
                    return Err(self.err(
                        brk.span(),
                        field,
                        format!(
                            "a break of {len} s must fit in its window, and the window in the shift ({} s from its start)",
                            length
                        ),
                    ));
                }
                breaks.push((len, from, to));
            }
            let n = shift.agents;
            for base in shift.occurrences(frame).into_iter().filter(|_| n > 0) {
                for list in [&mut scheduled, &mut on_phones] {
                    list.push((base, n));
                    list.push((base + length, -n));
                }
                for &(len, from, to) in &breaks {
                    for a in 0..n {
                        // Agent a's break, staggered evenly through the window.
                        let at = base + from + (to - from - len) * (a as f64 + 0.5) / n as f64;
                        on_phones.push((at, -1));
                        on_phones.push((at + len, 1));
                    }
                }
            }
        }
        if on_phones.is_empty() {
            return Err(self.err(
                list.span(),
                path,
                "no shift works before the horizon; check the days and times",
            ));
        }
        Ok(ShiftPlan {
            on_phones: steps(on_phones, frame.horizon),
            scheduled: steps(scheduled, frame.horizon),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_sum_changes_clip_to_the_horizon_and_merge_equal_levels() {
        let s = steps(
            vec![(-5.0, 2), (10.0, 3), (10.0, -1), (20.0, -4), (30.0, 0), (99.0, 5)],
            50.0,
        );
        assert_eq!(s, vec![(0.0, 2), (10.0, 4), (20.0, 0)]);
        assert_eq!(level_max(&s, 5.0, 15.0), 4);
        assert_eq!(level_max(&s, 20.0, 40.0), 0);
        assert_eq!(integral(&s, 0.0, 30.0), 2.0 * 10.0 + 4.0 * 10.0);
    }
}
