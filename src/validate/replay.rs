//! One log day as a scenario: the calibrated scenario's customers and agents, with the day's
//! observed calls per type and interval as Poisson rates (interval by interval, all day long,
//! so that the queue carries over from one hour to the next as it did), and the agents present
//! as the log shows them — a step function that changes whenever an agent comes or goes, not a
//! rounded mean per interval.

use super::ValidateError;
use crate::calendar::DAY;
use crate::calibrate::{Calibration, staffing};
use crate::scenario::{Replay, Scenario};
use crate::stats::tally::Estimate;
use crate::summary::{ScopeKind, Summary};
use crate::sweep::{self, NoSink, SweepOptions};

/// One day's calls of one type: `(seconds from the day's midnight, talk time or NaN)`.
type DayCalls = Vec<(f64, f64)>;

/// What a replayed day is fed of the log's calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// Each interval's count of calls per type, as a Poisson rate (what Erlang A is fed).
    Volumes,
    /// The calls themselves: each call's time of asking for an agent and, for an answered
    /// call, its talk time (an unanswered call's is drawn); patience is drawn.
    Calls,
}

/// The scenario prepared for replaying the log's days.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The scenario cut to one day, with busyness off.
    base: Scenario,
    /// Intervals in a day.
    per_day: usize,
    /// For each scenario type, the calibrated types of the log it replays.
    sources: Vec<Vec<usize>>,
    /// Observed calls asking for an agent, `[calibrated type][log day][interval]`.
    counts: Vec<Vec<Vec<u32>>>,
    /// With [`Feed::Calls`]: the log's calls asking for an agent, `[scenario type][log day]`,
    /// as `(seconds from the day's midnight, talk time or NaN if unanswered)` in time order.
    calls: Option<Vec<Vec<DayCalls>>>,
    /// Agents present from each change time on, seconds from the day's midnight, by log day.
    steps: Vec<Vec<(f64, u32)>>,
    /// Mean agents present by log day and interval.
    present: Vec<Vec<f64>>,
    /// Weekday (0 = Monday) of each log day.
    weekdays: Vec<usize>,
    /// Service-level threshold compared (s) and its figure's name.
    pub sl_threshold: f64,
    sl_name: String,
    /// The name of the agent group.
    group: String,
}

impl Plan {
    /// Checks that `sc` can replay the log of `cal` and prepares it.
    pub fn new(sc: &Scenario, cal: &Calibration, presence_gap: f64, feed: Feed) -> Result<Plan, ValidateError> {
        let bad = |m: String| Err(ValidateError::Scenario(m));
        if sc.agent_groups.len() != 1 {
            return bad(format!(
                "the log's agents are one pool, so the scenario must have exactly one agent group; \"{}\" has {}",
                sc.name,
                sc.agent_groups.len()
            ));
        }
        if sc.workforce.is_some() {
            return bad("a replay puts on the phones the agents the log shows; remove [workforce] to validate".into());
        }
        for t in &sc.contact_types {
            if t.hours.is_some() {
                return bad(format!(
                    "contact type \"{}\" has opening hours; a replay follows the log's own calls and agents, so remove them",
                    t.name
                ));
            }
            if t.replay.is_some() {
                return bad(format!(
                    "contact type \"{}\" replays a file of arrivals; a validation feeds the log's own volumes",
                    t.name
                ));
            }
        }
        let first = &sc.contact_types[0].sl_thresholds;
        let sl_threshold = first[0];
        if let Some(t) = sc.contact_types.iter().find(|t| &t.sl_thresholds != first) {
            return bad(format!(
                "every contact type needs the same service-level thresholds to compare the service level of all calls; \"{}\" has {:?} s, \"{}\" {:?} s",
                sc.contact_types[0].name, first, t.name, t.sl_thresholds
            ));
        }
        let mut sources = vec![Vec::new(); sc.contact_types.len()];
        for (k, fit) in cal.types.iter().enumerate() {
            match sc.contact_types.iter().position(|t| t.name == fit.name) {
                Some(t) => sources[t].push(k),
                None if fit.demand.asking == 0 => {}
                None => {
                    return bad(format!(
                        "the log's calls of type \"{}\" have no contact type of that name in \"{}\" (its types: {})",
                        fit.name,
                        sc.name,
                        sc.contact_types
                            .iter()
                            .map(|t| t.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        let per_day = cal.frame.per_day;
        let mut base = sc.clone();
        base.horizon = DAY;
        base.n_intervals = per_day as u32;
        base.warmup = 0.0;
        base.day_start_s = 0.0;
        for t in &mut base.contact_types {
            t.busyness = None;
        }
        let calls = (feed == Feed::Calls).then(|| {
            let mut to_scenario = vec![None; cal.types.len()];
            for (t, ks) in sources.iter().enumerate() {
                for k in ks {
                    to_scenario[*k] = Some(t);
                }
            }
            let mut calls = vec![vec![Vec::new(); cal.frame.days.len()]; sc.contact_types.len()];
            for c in &cal.log.calls {
                let (Some(q), Some(t)) = (c.queue, to_scenario[c.ty as usize]) else {
                    continue;
                };
                let Some((d, _)) = cal.frame.cell(q) else { continue };
                let midnight = cal.frame.days[d] as f64 * DAY;
                calls[t][d].push((q - midnight, c.answer.map_or(f64::NAN, |a| c.end - a)));
            }
            for per_day in &mut calls {
                for day in per_day.iter_mut() {
                    day.sort_by(|a, b| a.0.total_cmp(&b.0));
                }
            }
            calls
        });
        let spans = staffing::presence(&cal.log, presence_gap);
        let steps: Vec<Vec<(f64, u32)>> = cal.frame.days.iter().map(|day| day_steps(&spans, *day)).collect();
        Ok(Plan {
            group: base.agent_groups[0].name.clone(),
            base,
            per_day,
            sources,
            counts: cal.types.iter().map(|t| t.demand.counts.clone()).collect(),
            calls,
            steps,
            present: cal.staffing.by_day.clone(),
            weekdays: (0..cal.frame.days.len()).map(|d| cal.frame.weekday(d)).collect(),
            sl_threshold,
            sl_name: format!("sl_offered_{}", crate::metrics::threshold_label(sl_threshold)),
        })
    }

    /// The scenario of log day `d` (index into the log's days).
    pub fn day(&self, sc: &Scenario, d: usize) -> Scenario {
        let per_day = self.per_day;
        let weekday = self.weekdays[d];
        // The day of the original horizon whose profiles this weekday takes.
        let days_in = (sc.n_intervals as usize / per_day).max(1);
        let k = if days_in >= 7 {
            (weekday + 7 - usize::from(sc.first_day)) % 7
        } else {
            0
        };
        let mut day = self.base.clone();
        day.first_day = weekday as u8;
        for (t, ty) in day.contact_types.iter_mut().enumerate() {
            let original = &sc.contact_types[t];
            ty.arrival_rates = (0..per_day)
                .map(|i| {
                    let calls: u32 = self.sources[t].iter().map(|k| self.counts[*k][d][i]).sum();
                    f64::from(calls) / sc.interval
                })
                .collect();
            if let Some(calls) = &self.calls {
                let day_calls = &calls[t][d];
                ty.replay = (!day_calls.is_empty()).then(|| Replay {
                    times: day_calls.iter().map(|c| c.0).collect(),
                    handle: Some(day_calls.iter().map(|c| c.1).collect()),
                    patience: None,
                });
                if ty.replay.is_none() {
                    ty.arrival_rates.fill(0.0);
                }
            }
            ty.handle_profile = original.handle_profile.as_ref().map(|v| day_slice(v, k, per_day));
            ty.patience_profile = original.patience_profile.as_ref().map(|v| day_slice(v, k, per_day));
            ty.handle_by_interval = day_slice(&original.handle_by_interval, k, per_day);
            ty.patience_by_interval = day_slice(&original.patience_by_interval, k, per_day);
        }
        let g = &mut day.agent_groups[0];
        g.staffing = self.steps[d].clone();
        g.headcount = (0..per_day)
            .map(|i| interval_max(&self.steps[d], i as f64 * sc.interval, (i + 1) as f64 * sc.interval))
            .collect();
        g.scheduled = self.present[d].clone();
        g.max_headcount = g.staffing.iter().map(|(_, n)| *n).max().unwrap_or(0);
        g.employees = g.max_headcount;
        day
    }

    /// Runs `replications` of log day `d` of `sc` on replications `d·R .. (d+1)·R`.
    pub fn run(&self, sc: &Scenario, d: usize, replications: u32, threads: usize) -> Result<Summary, ValidateError> {
        let mut day = self.day(sc, d);
        day.replications = replications;
        let first = d as u32 * replications;
        let plan = sweep::Plan::of((first..first + replications).collect());
        Ok(sweep::run_built_in(
            &day,
            &plan,
            SweepOptions { threads },
            &|| {},
            &mut NoSink,
        )?)
    }

    /// cxsim's figures of interval `i` of a day's summary, in [`super::FIGURES`] order.
    pub fn figures(&self, summary: &Summary, i: usize) -> [Estimate; 6] {
        let none = Estimate {
            mean: f64::NAN,
            half_width: f64::NAN,
            n: 0,
            events: None,
            reliable: false,
        };
        let all = summary.all_types();
        let group = summary.scope(ScopeKind::Group, &self.group);
        let of = |scope: Option<&crate::summary::ScopeSummary>, name: &str| {
            scope.and_then(|s| s.interval(i, name)).unwrap_or(none)
        };
        [
            of(all, "offered"),
            of(all, "p_abandon"),
            of(all, "asa_all_s"),
            of(all, "p_wait"),
            of(all, &self.sl_name),
            match of(group, crate::metrics::WRAP_UP_FIGURE) {
                e if e.n > 0 => e,
                _ => of(group, "occupancy"),
            },
        ]
    }
}

/// The `per_day` values of day `k` of a per-interval list; a list shorter than `k + 1` days is
/// read as a cycle.
fn day_slice<T: Clone>(v: &[T], k: usize, per_day: usize) -> Vec<T> {
    if v.is_empty() {
        return Vec::new();
    }
    (0..per_day).map(|i| v[(k * per_day + i) % v.len()].clone()).collect()
}

/// Agents present over day `day` (a day number): change points `(seconds from the day's
/// midnight, agents)`, the first at 0, times strictly increasing.
pub fn day_steps(spans: &[(f64, f64)], day: i64) -> Vec<(f64, u32)> {
    let start = day as f64 * DAY;
    let end = start + DAY;
    let mut at_start: u32 = 0;
    let mut changes: Vec<(f64, i32)> = Vec::new();
    for &(from, to) in spans {
        if to <= start || from >= end || to <= from {
            continue;
        }
        if from <= start {
            at_start += 1;
        } else {
            changes.push((from - start, 1));
        }
        if to < end {
            changes.push((to - start, -1));
        }
    }
    changes.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut steps = vec![(0.0, at_start)];
    let mut n = i64::from(at_start);
    for (t, delta) in changes {
        n += i64::from(delta);
        let count = n.max(0) as u32;
        match steps.last_mut() {
            Some(last) if last.0 == t => last.1 = count,
            _ => steps.push((t, count)),
        }
    }
    steps.dedup_by(|b, a| a.1 == b.1);
    steps
}

/// The most agents present at any time of `[from, to)`.
fn interval_max(steps: &[(f64, u32)], from: f64, to: f64) -> u32 {
    let entering = steps.iter().rev().find(|(t, _)| *t <= from).map_or(0, |(_, n)| *n);
    steps
        .iter()
        .filter(|(t, _)| *t > from && *t < to)
        .map(|(_, n)| *n)
        .fold(entering, u32::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presence_spans_become_change_points_within_the_day() {
        let day = 2;
        let s = day as f64 * DAY;
        let spans = [
            (s - 100.0, s + 50.0), // from the day before
            (s + 10.0, s + 50.0),  // leaves with the first
            (s + 20.0, s + 30.0),
            (s + DAY - 5.0, s + DAY + 9.0), // into the next day
            (s + 2.0 * DAY, s + 3.0 * DAY), // another day
        ];
        assert_eq!(
            day_steps(&spans, day),
            vec![(0.0, 1), (10.0, 2), (20.0, 3), (30.0, 2), (50.0, 0), (DAY - 5.0, 1)]
        );
        let steps = day_steps(&spans, day);
        assert_eq!(interval_max(&steps, 0.0, 3600.0), 3);
        assert_eq!(interval_max(&steps, 3600.0, 7200.0), 0);
        assert_eq!(interval_max(&steps, DAY - 3600.0, DAY), 1);
    }

    #[test]
    fn a_day_of_a_list_is_its_slice_and_a_short_list_a_cycle() {
        let v: Vec<u32> = (0..14).collect();
        assert_eq!(day_slice(&v, 1, 7), (7..14).collect::<Vec<_>>());
        assert_eq!(day_slice(&v[..3], 1, 7), vec![1, 2, 0, 1, 2, 0, 1]);
        assert!(day_slice::<u32>(&[], 3, 7).is_empty());
    }
}
