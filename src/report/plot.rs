//! Plots of a run's [`Summary`], as SVG (text the viewer's fonts draw) or PNG (text drawn
//! with the DejaVu Sans face embedded in the binary, so that a machine with no fonts
//! installed still labels its axes). plotters is used here and nowhere else.
//!
//! Every plot is a [`Plot`]: its file stem, its title and what it draws. [`plots`] lists those
//! a summary has data for — volumes, service, occupancy, backlog and waits; journey outcomes
//! by type where journeys are followed; headcount and stress per interval under
//! `[workforce]`; the staffing plan against the Erlang requirement where the scenario is at
//! hand — and [`variant_plots`] those of variants beside the baseline, from the rows of
//! `comparison.csv`: the paired differences in the headline figures, and cost against service
//! level (or CSAT) with the runs no other beats on both joined. [`svg`] and [`png`] draw one.
//!
//! Per-interval figures are drawn as lines with their 95% band, other estimates as dots with
//! 95% bars; where an interval is missing (one replication, or a figure with no interval)
//! the plot says so in its caption and draws the points alone. An undefined value (no
//! contact in the interval) leaves a gap, never a zero.

use super::csv::ComparisonRow;
use crate::scenario::{ErlangKind, Scenario};
use crate::stats::tally::Estimate;
use crate::summary::{ScopeKind, ScopeSummary, Summary};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;
use std::sync::OnceLock;

/// Pixels of every plot.
pub const SIZE: (u32, u32) = (760, 340);

/// The family plotters asks for; in SVG the viewer's own sans-serif face draws it.
const FAMILY: &str = "sans-serif";

/// Series colours, in order (colour-blind safe, after Okabe and Ito).
const PALETTE: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
];

/// The zero line of a plot of differences.
const ZERO_LINE: RGBColor = RGBColor(120, 120, 120);

/// A failed drawing (the message of the backend's error).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw plot \"{plot}\": {message}")]
pub struct PlotError {
    pub plot: String,
    pub message: String,
}

/// Registers the embedded face once; the PNG backend draws its glyphs.
fn fonts() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let face: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        for style in [FontStyle::Normal, FontStyle::Bold] {
            // The face is a valid TrueType file, checked by the plot tests.
            let _ = plotters::style::register_font(FAMILY, style, face);
        }
    });
}

/// One series of a per-interval plot: a label and one estimate per measured interval.
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub values: Vec<Estimate>,
}

/// What a plot draws.
#[derive(Debug, Clone)]
pub enum Content {
    /// Figures over the measured intervals, each with its 95% band.
    Intervals {
        y_label: String,
        /// Values are shares, drawn as percentages.
        percent: bool,
        series: Vec<Series>,
    },
    /// The waits of answered contacts: the share waiting longer than each estimated
    /// percentile (with its 95% interval), and the exact curve where the model has one.
    Wait {
        /// `(share waiting longer, percentile estimate)`.
        points: Vec<(f64, Estimate)>,
        /// `P(W > t | answered)` at `t` seconds, sampled.
        exact: Option<(String, Vec<(f64, f64)>)>,
    },
    /// Paired differences of the variants from the baseline, one panel per headline figure.
    Differences { panels: Vec<DifferencePanel> },
    /// Cost against a customer-experience figure, one point per run (baseline and variants).
    Frontier {
        /// The cost figure's axis label, unit included.
        x_label: String,
        /// The customer-experience figure's axis label, unit included.
        y_label: String,
        /// The customer-experience figure is a share, drawn as a percentage.
        y_percent: bool,
        points: Vec<FrontierPoint>,
    },
    /// Outcomes of followed journeys by contact type: shares on the left (first-contact
    /// resolution, resolution, CSAT), contacts per resolved journey on the right.
    Journeys {
        /// Contact types (and all types together, where there are several), in order.
        types: Vec<String>,
        /// `(figure label, one value per type)`; a share in [0, 1], NaN where undefined.
        shares: Vec<(String, Vec<Ci>)>,
        /// Contacts handled per resolved journey, one per type (empty without the figure).
        contacts: Vec<Ci>,
    },
    /// The staffing plan of each pool of agents against what Erlang asks for, per interval.
    Staffing { pools: Vec<StaffingPool> },
}

/// A value with its 95% interval `mean ± half_width` (half-width NaN where there is none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ci {
    pub mean: f64,
    pub half_width: f64,
}

impl Ci {
    /// Nothing: drawn as nothing.
    pub const UNDEFINED: Ci = Ci {
        mean: f64::NAN,
        half_width: f64::NAN,
    };

    fn of(e: &Estimate) -> Ci {
        Ci {
            mean: e.mean,
            half_width: e.half_width,
        }
    }

    /// Whether the value is defined but its interval is not.
    fn lacks_band(&self) -> bool {
        self.mean.is_finite() && !self.half_width.is_finite()
    }

    /// `(low, high)` of the interval, or the mean twice where there is none.
    fn bounds(&self) -> (f64, f64) {
        if self.half_width.is_finite() {
            (self.mean - self.half_width, self.mean + self.half_width)
        } else {
            (self.mean, self.mean)
        }
    }
}

/// One variant's paired difference from the baseline in one figure, in the panel's unit.
#[derive(Debug, Clone, PartialEq)]
pub struct DifferenceRow {
    pub variant: String,
    /// `variant − baseline`.
    pub difference: f64,
    /// The 95% interval of the difference (NaN where there is none).
    pub low: f64,
    pub high: f64,
    /// Whether the interval excludes 0.
    pub significant: bool,
}

/// The paired differences of one headline figure.
#[derive(Debug, Clone, PartialEq)]
pub struct DifferencePanel {
    /// The figure in words, with its scope (`service level (20 s)`, `occupancy, agents`).
    pub label: String,
    /// `(kind, scope, metric)` of the figure, as `comparison.csv` names it.
    pub figure: (String, String, String),
    /// The unit of the differences on the axis: `percentage points`, `s`, the currency.
    pub unit: String,
    pub rows: Vec<DifferenceRow>,
}

/// One run on the cost–experience plane.
#[derive(Debug, Clone, PartialEq)]
pub struct FrontierPoint {
    /// `baseline` or the variant's name.
    pub name: String,
    /// The cost figure, money per replication.
    pub cost: Ci,
    /// The customer-experience figure, in its own unit (a share in [0, 1]).
    pub experience: Ci,
    /// Whether no other run is at most as dear and at least as good, and better in one.
    pub on_frontier: bool,
}

/// A pool of agents: groups that share contact types, with the types they serve, and its
/// agents per measured interval.
#[derive(Debug, Clone, PartialEq)]
pub struct StaffingPool {
    /// `groups: types`.
    pub label: String,
    /// `Erlang C` or `Erlang A`.
    pub model: &'static str,
    /// The service level target: this share of offered contacts answered within
    /// `threshold_s` seconds.
    pub target: f64,
    pub threshold_s: f64,
    /// Where the target comes from: a site's contract, or the 80% convention at the type's
    /// first threshold.
    pub target_from: String,
    /// Agents on the phones in each measured interval as the plan puts them (shrinkage and
    /// breaks taken off).
    pub on_duty: Vec<u32>,
    /// The fewest agents on the phones the Erlang model needs in each measured interval to
    /// meet the target at the interval's arrival rate and mean handle time.
    pub required: Vec<u32>,
}

/// A plot of a summary.
#[derive(Debug, Clone)]
pub struct Plot {
    /// File stem: `volumes`, `service`, `occupancy`, `backlog`, `wait`, `journeys`,
    /// `headcount`, `stress`, `staffing`; with variants `comparison` and `frontier`.
    pub name: &'static str,
    pub title: String,
    pub content: Content,
}

impl Plot {
    /// Whether any value lacks its 95% interval (one replication, or no interval).
    pub fn missing_bands(&self) -> bool {
        match &self.content {
            Content::Intervals { series, .. } => series
                .iter()
                .any(|s| s.values.iter().any(|e| e.mean.is_finite() && !e.half_width.is_finite())),
            Content::Wait { points, .. } => points.iter().any(|(_, e)| !e.half_width.is_finite()),
            Content::Differences { panels } => panels
                .iter()
                .flat_map(|p| &p.rows)
                .any(|r| !(r.low.is_finite() && r.high.is_finite())),
            Content::Frontier { points, .. } => points.iter().any(|p| p.cost.lacks_band() || p.experience.lacks_band()),
            Content::Journeys { shares, contacts, .. } => {
                shares.iter().flat_map(|(_, v)| v).chain(contacts).any(Ci::lacks_band)
            }
            Content::Staffing { .. } => false,
        }
    }

    /// The caption under the title: what the marks and shading are, or that the intervals
    /// are missing.
    pub fn caption(&self) -> String {
        const NONE: &str = "fewer than two replications";
        let missing = self.missing_bands();
        match &self.content {
            Content::Intervals { .. } if !missing => {
                "lines: means over replications; shading: 95% confidence band".into()
            }
            Content::Intervals { .. } => format!("lines: means over replications; no 95% band ({NONE})"),
            Content::Wait { .. } if !missing => {
                "points: percentiles of the waits of answered contacts, bars: 95% interval".into()
            }
            Content::Wait { .. } => "points: percentiles of the waits of answered contacts; no 95% interval".into(),
            Content::Differences { .. } if !missing => "dots: paired difference variant − baseline; bars: its 95% interval; filled and labelled: the interval excludes 0".into(),
            Content::Differences { .. } => format!(
                "dots: paired difference variant − baseline; no 95% interval ({NONE}), so none is marked significant"
            ),
            Content::Frontier { .. } if !missing => {
                "dots: means over replications, bars: 95% intervals; line: runs no other beats on both".into()
            }
            Content::Frontier { .. } => {
                format!("dots: means over replications, no 95% interval ({NONE}); line: runs no other beats on both")
            }
            Content::Journeys { .. } if !missing => "dots: means over replications; whiskers: 95% interval".into(),
            Content::Journeys { .. } => format!("dots: means over replications; no 95% interval ({NONE})"),
            Content::Staffing { .. } => {
                "solid: agents on the phones as planned; dashed: the fewest the Erlang model needs for the target (computed, no interval)".into()
            }
        }
    }

    /// Pixels of the plot: [`SIZE`], taller for many panels of differences.
    pub fn size(&self) -> (u32, u32) {
        match &self.content {
            Content::Differences { panels } => {
                let rows: usize = panels.iter().map(|p| p.rows.len()).sum();
                let height = 70 + 62 * panels.len() + 24 * rows;
                (SIZE.0, u32::try_from(height).unwrap_or(u32::MAX).max(SIZE.1))
            }
            _ => SIZE,
        }
    }
}

fn interval_series(scope: &ScopeSummary, metric: &str, label: String) -> Option<Series> {
    scope.interval_metrics.iter().position(|m| m == metric)?;
    let values: Vec<Estimate> = (0..scope.intervals.len())
        .filter_map(|row| scope.interval(row, metric))
        .collect();
    values
        .iter()
        .any(|e| e.mean.is_finite())
        .then_some(Series { label, values })
}

/// The plots `summary` has data for, in report order. `sc` (the resolved scenario) gives
/// the exact wait curve of an Erlang C or A model whose theory is attached.
pub fn plots(summary: &Summary, sc: Option<&Scenario>) -> Vec<Plot> {
    let mut out = Vec::new();
    if summary.intervals.is_empty() {
        return out;
    }
    // All types together; a scenario with one type has no such scope, its type is all.
    let all = summary.all_types();
    if let Some(all) = all {
        let series: Vec<Series> = [
            ("offered", "offered"),
            ("answered", "answered"),
            ("abandoned", "abandoned"),
        ]
        .iter()
        .filter_map(|(m, l)| interval_series(all, m, (*l).to_owned()))
        .collect();
        if !series.is_empty() {
            out.push(Plot {
                name: "volumes",
                title: "Contacts per interval, all types".into(),
                content: Content::Intervals {
                    y_label: "contacts per interval".into(),
                    percent: false,
                    series,
                },
            });
        }
        let sl = all
            .interval_metrics
            .iter()
            .find(|m| m.starts_with("sl_offered_"))
            .cloned();
        let mut series = Vec::new();
        if let Some(sl) = sl {
            let label = format!(
                "service level ({} s)",
                sl.trim_start_matches("sl_offered_").trim_end_matches('s')
            );
            series.extend(interval_series(all, &sl, label));
        }
        series.extend(interval_series(all, "p_abandon", "abandoned".into()));
        if !series.is_empty() {
            out.push(Plot {
                name: "service",
                title: "Service level and abandonment per interval, all types".into(),
                content: Content::Intervals {
                    y_label: "share of offered contacts".into(),
                    percent: true,
                    series,
                },
            });
        }
    }
    let groups: Vec<Series> = summary
        .scopes
        .iter()
        .filter(|s| s.kind == ScopeKind::Group)
        .filter_map(|g| interval_series(g, "occupancy", g.name.clone()))
        .collect();
    if !groups.is_empty() {
        out.push(Plot {
            name: "occupancy",
            title: "Occupancy of each agent group per interval".into(),
            content: Content::Intervals {
                y_label: "share of agent time busy".into(),
                percent: true,
                series: groups,
            },
        });
    }
    if let Some(all) = all
        && let Some(s) = interval_series(all, "mean_queue", "contacts waiting".into())
    {
        out.push(Plot {
            name: "backlog",
            title: "Backlog: contacts waiting, time average per interval".into(),
            content: Content::Intervals {
                y_label: "contacts waiting".into(),
                percent: false,
                series: vec![s],
            },
        });
    }
    if let Some(all) = all {
        let points: Vec<(f64, Estimate)> = all
            .metrics
            .iter()
            .filter_map(|m| {
                let p: f64 = m.name.strip_prefix("wait_p")?.strip_suffix("_s")?.parse().ok()?;
                Some((1.0 - p / 100.0, m.estimate))
            })
            .filter(|(_, e)| e.mean.is_finite())
            .collect();
        if points.iter().any(|(_, e)| e.mean > 0.0) {
            out.push(Plot {
                name: "wait",
                title: "Waits of answered contacts, all types".into(),
                content: Content::Wait {
                    exact: sc
                        .filter(|_| summary.theory_attached)
                        .and_then(|sc| exact_wait(sc, &points)),
                    points,
                },
            });
        }
    }
    out.extend(journeys(summary));
    out.extend(workforce(summary));
    if let Some(sc) = sc
        && let Some(p) = staffing(summary, sc)
    {
        out.push(p);
    }
    out
}

/// The journey outcomes by contact type, when the summary follows journeys.
fn journeys(summary: &Summary) -> Option<Plot> {
    let several = summary.scopes.iter().filter(|s| s.kind == ScopeKind::Type).count() > 1;
    let scopes: Vec<&ScopeSummary> = summary
        .scopes
        .iter()
        .filter(|s| s.kind == ScopeKind::Type || (several && s.kind == ScopeKind::All))
        .filter(|s| s.get("p_resolved").is_some())
        .collect();
    if scopes.is_empty() {
        return None;
    }
    let values = |metric: &str| -> Vec<Ci> {
        scopes
            .iter()
            .map(|s| s.get(metric).map_or(Ci::UNDEFINED, |m| Ci::of(&m.estimate)))
            .collect()
    };
    let shares: Vec<(String, Vec<Ci>)> = [
        ("true_fcr", "first-contact resolution"),
        ("p_resolved", "resolved"),
        ("csat", "CSAT (top-2-box)"),
    ]
    .iter()
    .map(|(m, label)| ((*label).to_owned(), values(m)))
    .filter(|(_, v)| v.iter().any(|c| c.mean.is_finite()))
    .collect();
    let contacts = values("contacts_per_resolved");
    let contacts = if contacts.iter().any(|c| c.mean.is_finite()) {
        contacts
    } else {
        Vec::new()
    };
    if shares.is_empty() && contacts.is_empty() {
        return None;
    }
    Some(Plot {
        name: "journeys",
        title: "Journey outcomes by contact type".into(),
        content: Content::Journeys {
            types: scopes
                .iter()
                .map(|s| {
                    if s.kind == ScopeKind::All {
                        "all types".into()
                    } else {
                        s.name.clone()
                    }
                })
                .collect(),
            shares,
            contacts,
        },
    })
}

/// Headcount, burnout and strain of each group per interval, under `[workforce]`.
fn workforce(summary: &Summary) -> Vec<Plot> {
    let groups: Vec<&ScopeSummary> = summary.scopes.iter().filter(|s| s.kind == ScopeKind::Group).collect();
    let mut out = Vec::new();
    let employed: Vec<Series> = groups
        .iter()
        .filter_map(|g| interval_series(g, "employed_agents", format!("employed: {}", g.name)))
        .collect();
    if !employed.is_empty() {
        out.push(Plot {
            name: "headcount",
            title: "Headcount: agents employed per interval, by group".into(),
            content: Content::Intervals {
                y_label: "agents employed (time average)".into(),
                percent: false,
                series: employed,
            },
        });
    }
    let stress: Vec<Series> = groups
        .iter()
        .flat_map(|g| {
            [
                interval_series(g, "burnout_share", format!("burnt out: {}", g.name)),
                interval_series(g, "strain", format!("mean strain: {}", g.name)),
            ]
        })
        .flatten()
        .collect();
    if !stress.is_empty() {
        out.push(Plot {
            name: "stress",
            title: "Agent stress per interval: share burnt out and mean strain, by group".into(),
            content: Content::Intervals {
                y_label: "burnt-out share of employed; strain (0-1 scale)".into(),
                percent: true,
                series: stress,
            },
        });
    }
    out
}

/// The target share used where no contract names one: 80% within the type's first threshold.
pub const CONVENTIONAL_TARGET: f64 = 0.8;

/// The pools of agents of `sc` (groups of people joined by the types they share, with those
/// types), each with its plan and Erlang requirement over the measured intervals of
/// `summary`. Empty with a self-service graph or AI agents (whose load the queues' own
/// arrival rates do not show).
pub fn staffing_pools(summary: &Summary, sc: &Scenario) -> Vec<StaffingPool> {
    if !sc.self_service.nodes.is_empty() || sc.agent_groups.iter().any(|g| g.ai.is_some()) {
        return Vec::new();
    }
    let rows: Vec<usize> = summary
        .intervals
        .iter()
        .map(|f| f.index as usize)
        .filter(|i| *i < sc.n_intervals as usize)
        .collect();
    if rows.len() != summary.intervals.len() || rows.is_empty() {
        return Vec::new();
    }
    // Pools: groups joined whenever they serve a common type.
    let n = sc.agent_groups.len();
    let mut pool: Vec<usize> = (0..n).collect();
    fn root(pool: &mut [usize], mut g: usize) -> usize {
        while pool[g] != g {
            pool[g] = pool[pool[g]];
            g = pool[g];
        }
        g
    }
    for a in 0..n {
        for b in a + 1..n {
            let shared = sc.agent_groups[a]
                .serves
                .iter()
                .any(|t| sc.agent_groups[b].serves.contains(t));
            if shared {
                let (ra, rb) = (root(&mut pool, a), root(&mut pool, b));
                pool[rb] = ra;
            }
        }
    }
    let mut out = Vec::new();
    for r in 0..n {
        let groups: Vec<usize> = (0..n).filter(|g| root(&mut pool, *g) == r).collect();
        if groups.is_empty() {
            continue;
        }
        let mut types: Vec<usize> = groups
            .iter()
            .flat_map(|g| sc.agent_groups[*g].serves.iter().map(|t| t.0 as usize))
            .collect();
        types.sort_unstable();
        types.dedup();
        // The target: the first contract clause measuring one of the types, else the
        // convention at the first type's first threshold.
        let clause = sc.sites.iter().find_map(|site| {
            let c = site.contract.as_ref()?;
            c.sla
                .iter()
                .find(|cl| cl.types.iter().any(|(t, _)| types.contains(&(t.0 as usize))))
                .map(|cl| (cl, site.name.as_str()))
        });
        let (target, threshold_s, target_from) = match clause {
            Some((cl, site)) => (cl.target, cl.within, format!("contract of {site}")),
            None => match sc.contact_types[types[0]].sl_thresholds.first() {
                Some(t) => (CONVENTIONAL_TARGET, *t, "convention".to_owned()),
                None => continue,
            },
        };
        let targets = crate::staffing::Targets {
            service_level: Some((threshold_s, target)),
            max_abandon: None,
            chance: None,
        };
        let (need, model) = crate::staffing::erlang_requirement(sc, &types, &targets);
        let on_duty = rows
            .iter()
            .map(|i| groups.iter().map(|g| sc.agent_groups[*g].headcount[*i]).sum())
            .collect();
        let names = |v: Vec<&str>| v.join(", ");
        out.push(StaffingPool {
            label: format!(
                "{}: {}",
                names(groups.iter().map(|g| sc.agent_groups[*g].name.as_str()).collect()),
                names(types.iter().map(|t| sc.contact_types[*t].name.as_str()).collect())
            ),
            model,
            target,
            threshold_s,
            target_from,
            on_duty,
            required: rows.iter().map(|i| need[*i]).collect(),
        });
    }
    out
}

/// The staffing plan against Erlang, when the scenario has agents to plan.
fn staffing(summary: &Summary, sc: &Scenario) -> Option<Plot> {
    let pools = staffing_pools(summary, sc);
    (!pools.is_empty()).then(|| Plot {
        name: "staffing",
        title: "Staffing plan against the Erlang requirement per interval".into(),
        content: Content::Staffing { pools },
    })
}

/// The plots of variants beside the baseline, from the rows of `comparison.csv`: the paired
/// differences in the headline figures, and, where there is a cost figure, cost against the
/// service level (or CSAT where journeys are followed). Empty without variants.
pub fn variant_plots(baseline: &Summary, rows: &[ComparisonRow]) -> Vec<Plot> {
    let mut variants: Vec<&str> = Vec::new();
    for r in rows {
        if !variants.contains(&r.variant.as_str()) {
            variants.push(&r.variant);
        }
    }
    if variants.is_empty() {
        return Vec::new();
    }
    let find = |v: &str, (kind, scope, metric): &(String, String, String)| {
        rows.iter()
            .find(|r| r.variant == v && &r.scope_kind == kind && &r.scope == scope && &r.metric == metric)
    };
    let mut figures: Vec<(String, String, String)> = super::table::headline(baseline)
        .into_iter()
        .map(|(k, s, m)| (k.as_str().to_owned(), s, m))
        .collect();
    figures.extend(
        baseline
            .scopes
            .iter()
            .filter(|s| s.kind == ScopeKind::Group && s.get("occupancy").is_some())
            .map(|s| ("group".to_owned(), s.name.clone(), "occupancy".to_owned())),
    );
    let mut out = Vec::new();
    let panels: Vec<DifferencePanel> = figures
        .iter()
        .filter_map(|f| {
            let (scale, unit) = axis_unit(baseline, &f.2, true);
            let rows: Vec<DifferenceRow> = variants
                .iter()
                .filter_map(|v| {
                    let r = find(v, f)?;
                    let d = r.difference.filter(|d| d.is_finite())?;
                    let (low, high) = match (r.difference_ci95_low, r.difference_ci95_high) {
                        (Some(l), Some(h)) if l.is_finite() && h.is_finite() => (l * scale, h * scale),
                        _ => (f64::NAN, f64::NAN),
                    };
                    Some(DifferenceRow {
                        variant: (*v).to_owned(),
                        difference: d * scale,
                        low,
                        high,
                        significant: r.significant == Some(true) && low.is_finite() && (low > 0.0 || high < 0.0),
                    })
                })
                .collect();
            (!rows.is_empty()).then(|| DifferencePanel {
                label: figure_label(&f.0, &f.1, &f.2),
                figure: f.clone(),
                unit,
                rows,
            })
        })
        .collect();
    if !panels.is_empty() {
        out.push(Plot {
            name: "comparison",
            title: "Variants against the baseline: paired differences in the headline figures".into(),
            content: Content::Differences { panels },
        });
    }
    // The frontier: total cost against service level or CSAT.
    let cost = ("cost".to_owned(), "all".to_owned(), "total_cost".to_owned());
    let experience = figures
        .iter()
        .find(|f| f.2 == "csat")
        .or_else(|| figures.iter().find(|f| f.2.starts_with("sl_offered_")));
    let scope = |f: &(String, String, String)| {
        baseline
            .scopes
            .iter()
            .find(|s| s.kind.as_str() == f.0 && s.name == f.1)
            .and_then(|s| s.get(&f.2))
            .map(|m| Ci::of(&m.estimate))
    };
    if let Some(experience) = experience
        && let (Some(bc), Some(be)) = (scope(&cost), scope(experience))
        && bc.mean.is_finite()
        && be.mean.is_finite()
    {
        let ci = |mean: Option<f64>, half: Option<f64>| -> Option<Ci> {
            Some(Ci {
                mean: mean.filter(|m| m.is_finite())?,
                half_width: half.unwrap_or(f64::NAN),
            })
        };
        let mut points = vec![FrontierPoint {
            name: "baseline".into(),
            cost: bc,
            experience: be,
            on_frontier: false,
        }];
        for v in &variants {
            let (Some(c), Some(e)) = (find(v, &cost), find(v, experience)) else {
                continue;
            };
            if let (Some(cost), Some(experience)) = (ci(c.value, c.ci95_half_width), ci(e.value, e.ci95_half_width)) {
                points.push(FrontierPoint {
                    name: (*v).to_owned(),
                    cost,
                    experience,
                    on_frontier: false,
                });
            }
        }
        if points.len() > 1 {
            mark_frontier(&mut points);
            let (y_scale, y_unit) = axis_unit(baseline, &experience.2, false);
            out.push(Plot {
                name: "frontier",
                title: format!(
                    "Cost against {}: baseline and variants",
                    figure_label(&experience.0, &experience.1, &experience.2)
                ),
                content: Content::Frontier {
                    x_label: format!(
                        "total cost per replication ({})",
                        axis_unit(baseline, "total_cost", false).1
                    ),
                    y_label: format!(
                        "{} ({y_unit})",
                        figure_label(&experience.0, &experience.1, &experience.2)
                    ),
                    y_percent: y_scale == 100.0,
                    points,
                },
            });
        }
    }
    out
}

/// Marks the points no other beats: none at most as dear and at least as good, and strictly
/// better in one of the two.
pub fn mark_frontier(points: &mut [FrontierPoint]) {
    let all: Vec<(f64, f64)> = points.iter().map(|p| (p.cost.mean, p.experience.mean)).collect();
    for p in points.iter_mut() {
        let (c, e) = (p.cost.mean, p.experience.mean);
        p.on_frontier = !all.iter().any(|(oc, oe)| *oc <= c && *oe >= e && (*oc < c || *oe > e));
    }
}

/// `(scale, unit)` of figure `metric` on an axis: shares as percentages (`percentage
/// points` for a difference), seconds, money in the summary's currency.
fn axis_unit(summary: &Summary, metric: &str, difference: bool) -> (f64, String) {
    use crate::metrics::Unit;
    match crate::metrics::unit_of(metric) {
        Some(Unit::Probability) => (100.0, if difference { "percentage points" } else { "%" }.into()),
        Some(Unit::Seconds) => (1.0, "s".into()),
        Some(Unit::Money) if !summary.currency.is_empty() => (1.0, summary.currency.clone()),
        Some(Unit::Score) if metric == "csat_score" => (1.0, "score 1-5".into()),
        Some(u) => (1.0, u.as_str().into()),
        None => (1.0, String::new()),
    }
}

/// A figure in words, with its scope where that is not all types or the whole center.
fn figure_label(kind: &str, scope: &str, metric: &str) -> String {
    let name = match metric {
        "asa_all_s" => "ASA".to_owned(),
        "p_abandon" => "P(abandon)".to_owned(),
        "csat" => "CSAT (top-2-box)".to_owned(),
        "total_cost" => "total cost per replication".to_owned(),
        m if m.starts_with("sl_offered_") => format!(
            "service level ({} s)",
            m.trim_start_matches("sl_offered_").trim_end_matches('s')
        ),
        m => m.to_owned(),
    };
    match kind {
        "all" | "cost" => name,
        _ => format!("{name}, {scope}"),
    }
}

/// `P(W > t | answered)` of the scenario's Erlang model, on a grid up to past the largest
/// percentile.
fn exact_wait(sc: &Scenario, points: &[(f64, Estimate)]) -> Option<(String, Vec<(f64, f64)>)> {
    let m = sc.erlang_model()?;
    let top = points.iter().map(|(_, e)| e.mean).fold(0.0, f64::max) * 1.3;
    let grid = (0..=200).map(move |k| top * f64::from(k) / 200.0);
    match m.kind {
        ErlangKind::C => {
            let c = crate::erlang::erlang_c(m.agents, m.arrival_rate, m.mean_service)?;
            Some(("Erlang C".into(), grid.map(|t| (t, c.p_wait_gt(t))).collect()))
        }
        ErlangKind::A { mean_patience } => {
            let a = crate::erlang::erlang_a(m.agents, m.arrival_rate, m.mean_service, mean_patience);
            let served = 1.0 - a.p_abandon;
            (served > 0.0).then(|| {
                (
                    "Erlang A".into(),
                    grid.map(|t| (t, a.p_served_wait_gt(t) / served)).collect(),
                )
            })
        }
        ErlangKind::B => None,
    }
}

/// Hours of the clock at `s` seconds from t = 0, for the x axis.
fn clock_hours(summary: &Summary, s: f64) -> f64 {
    (summary.day_start_s + s) / 3600.0
}

fn clock_label(summary: &Summary, h: f64) -> String {
    let minutes = (h * 60.0).round() as i64;
    let (day, hm) = (minutes.div_euclid(24 * 60), minutes.rem_euclid(24 * 60));
    if summary.horizon_s + summary.day_start_s > 86_400.0 {
        format!("d{} {:02}:{:02}", day + 1, hm / 60, hm % 60)
    } else {
        format!("{:02}:{:02}", hm / 60, hm % 60)
    }
}

type DrawResult<E> = Result<(), DrawingAreaErrorKind<E>>;

type Chart<'a, DB> =
    ChartContext<'a, DB, Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>>;

/// The series' legend, top right on a light box.
fn legend<'a, DB: DrawingBackend + 'a>(chart: &mut Chart<'a, DB>) -> DrawResult<DB::ErrorType> {
    legend_at(chart, SeriesLabelPosition::UpperRight)
}

/// The series' legend at `position`, on a light box.
fn legend_at<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    position: SeriesLabelPosition,
) -> DrawResult<DB::ErrorType> {
    chart
        .configure_series_labels()
        .label_font((FAMILY, 12))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .position(position)
        .draw()
}

fn draw_intervals<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    summary: &Summary,
    plot: &Plot,
    y_label: &str,
    percent: bool,
    series: &[Series],
) -> DrawResult<DB::ErrorType> {
    let scale = if percent { 100.0 } else { 1.0 };
    let xs: Vec<f64> = summary
        .intervals
        .iter()
        .map(|f| clock_hours(summary, (f.start_s + f.end_s) / 2.0))
        .collect();
    let (x0, x1) = (
        clock_hours(summary, summary.intervals[0].start_s),
        clock_hours(summary, summary.intervals[summary.intervals.len() - 1].end_s),
    );
    let top = series
        .iter()
        .flat_map(|s| s.values.iter())
        .map(|e| e.mean + if e.half_width.is_finite() { e.half_width } else { 0.0 })
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max)
        * scale;
    let y1 = if percent { 100.0 } else { (top * 1.1).max(1.0) };
    let mut chart = ChartBuilder::on(root)
        .caption(&plot.title, (FAMILY, 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, 0.0..y1)?;
    chart
        .configure_mesh()
        .x_desc(plot.caption().as_str())
        .y_desc(if percent {
            format!("{y_label} (%)")
        } else {
            y_label.to_owned()
        })
        .x_label_formatter(&|h| clock_label(summary, *h))
        .x_labels(8)
        .label_style((FAMILY, 12))
        .axis_desc_style((FAMILY, 12))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for (k, s) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        // The band: runs of intervals with a finite mean and half-width.
        let mut run: Vec<(f64, f64, f64)> = Vec::new();
        let mut bands = Vec::new();
        for (x, e) in xs.iter().zip(&s.values) {
            if e.mean.is_finite() && e.half_width.is_finite() {
                run.push((*x, (e.mean - e.half_width) * scale, (e.mean + e.half_width) * scale));
            } else if !run.is_empty() {
                bands.push(std::mem::take(&mut run));
            }
        }
        bands.push(run);
        for band in bands.iter().filter(|b| b.len() > 1) {
            let outline: Vec<(f64, f64)> = band
                .iter()
                .map(|(x, lo, _)| (*x, lo.max(0.0)))
                .chain(band.iter().rev().map(|(x, _, hi)| (*x, hi.min(y1))))
                .collect();
            chart.draw_series(std::iter::once(Polygon::new(outline, colour.mix(0.18).filled())))?;
        }
        draw_line(
            &mut chart,
            xs.iter().copied().zip(s.values.iter().map(|e| e.mean * scale)),
            colour,
            &s.label,
        )?;
    }
    legend(&mut chart)
}

/// One labelled line with a dot at each point; a gap where a value is not finite.
fn draw_line<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    points: impl Iterator<Item = (f64, f64)>,
    colour: RGBColor,
    label: &str,
) -> DrawResult<DB::ErrorType> {
    let mut lines: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (x, y) in points {
        if y.is_finite() {
            lines.last_mut().expect("one line at least").push((x, y));
        } else if !lines.last().expect("one line at least").is_empty() {
            lines.push(Vec::new());
        }
    }
    let mut first = true;
    for line in lines.iter().filter(|l| !l.is_empty()) {
        let drawn = chart.draw_series(LineSeries::new(line.iter().copied(), colour.stroke_width(2)))?;
        if first {
            drawn
                .label(label.to_owned())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
            first = false;
        }
        chart.draw_series(line.iter().map(|p| Circle::new(*p, 2, colour.filled())))?;
    }
    Ok(())
}

fn draw_wait<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &Plot,
    points: &[(f64, Estimate)],
    exact: Option<&(String, Vec<(f64, f64)>)>,
) -> DrawResult<DB::ErrorType> {
    let right = points
        .iter()
        .map(|(_, e)| e.mean + if e.half_width.is_finite() { e.half_width } else { 0.0 })
        .fold(0.0, f64::max)
        .max(1.0)
        * 1.15;
    let top = points.iter().map(|(p, _)| *p).fold(0.0, f64::max).max(0.05) * 1.1 * 100.0;
    let mut chart = ChartBuilder::on(root)
        .caption(&plot.title, (FAMILY, 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(0.0..right, 0.0..top.min(100.0))?;
    chart
        .configure_mesh()
        .x_desc(format!("wait (s) — {}", plot.caption()))
        .y_desc("answered contacts waiting longer (%)")
        .label_style((FAMILY, 12))
        .axis_desc_style((FAMILY, 12))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let colour = PALETTE[0];
    if let Some((label, curve)) = exact {
        let other = PALETTE[1];
        chart
            .draw_series(LineSeries::new(
                curve.iter().filter(|(t, _)| *t <= right).map(|(t, p)| (*t, p * 100.0)),
                other.stroke_width(2),
            ))?
            .label(format!("{label} (exact)"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], other.stroke_width(2)));
    }
    for (p, e) in points {
        if e.half_width.is_finite() {
            let y = p * 100.0;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![((e.mean - e.half_width).max(0.0), y), (e.mean + e.half_width, y)],
                colour.stroke_width(2),
            )))?;
        }
    }
    chart
        .draw_series(
            points
                .iter()
                .map(|(p, e)| Circle::new((e.mean, p * 100.0), 4, colour.filled())),
        )?
        .label("simulated percentiles")
        .legend(move |(x, y)| Circle::new((x + 9, y), 4, colour.filled()));
    legend(&mut chart)
}

/// A number for a tick or a mark: whole above 100, one decimal above 10, else two.
fn short_number(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// A signed difference with its unit, as marked beside a significant one.
fn signed(v: f64, unit: &str) -> String {
    let unit = if unit == "percentage points" { "pp" } else { unit };
    let sign = if v > 0.0 { "+" } else { "" };
    format!("{sign}{} {unit}", short_number(v))
}

/// A name cut to `max` characters, with an ellipsis where cut.
fn cut(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        name.to_owned()
    } else {
        let mut s: String = name.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

/// An axis range holding `values` (those finite), padded by 8% each side; a single value (or
/// none) gets a range around it.
fn padded(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let width = hi - lo;
    if width <= 1e-9 * hi.abs().max(lo.abs()).max(1e-300) {
        let d = (hi.abs() * 0.1).max(1.0);
        return (lo - d, hi + d);
    }
    (lo - 0.08 * width, hi + 0.08 * width)
}

/// Draws the title, and the caption in a strip at the bottom; returns the area between.
fn framed<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &Plot,
    strip: u32,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    let area = root.titled(&plot.title, (FAMILY, 18))?;
    let height = area.dim_in_pixel().1;
    let (body, foot) = area.split_vertically(height.saturating_sub(strip));
    let caption = plot.caption();
    foot.draw(&Text::new(
        caption,
        (12, i32::try_from(strip).unwrap_or(0) - 18),
        (FAMILY, 12),
    ))?;
    Ok(body)
}

fn draw_differences<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &Plot,
    panels: &[DifferencePanel],
) -> DrawResult<DB::ErrorType> {
    let (sig, not_sig) = (PALETTE[1], PALETTE[0]);
    let body = framed(root, plot, 46)?;
    // The key, above the caption.
    let key_y = i32::try_from(body.dim_in_pixel().1).unwrap_or(0) + 8;
    root.draw(
        &(EmptyElement::at((0, 0))
            + Circle::new((20, key_y + 30), 5, sig.filled())
            + Text::new("95% interval excludes 0 (labelled)", (30, key_y + 23), (FAMILY, 12))
            + Circle::new((270, key_y + 30), 5, not_sig.stroke_width(2))
            + Text::new("95% interval includes 0", (280, key_y + 23), (FAMILY, 12))),
    )?;
    let widest = panels
        .iter()
        .flat_map(|p| &p.rows)
        .map(|r| cut(&r.variant, 28).chars().count())
        .max()
        .unwrap_or(8);
    let name_width = u32::try_from(widest * 7 + 16).unwrap_or(200).clamp(60, 220);
    let mut breaks = Vec::new();
    let mut y = 0;
    for p in panels {
        y += 62 + 24 * p.rows.len() as i32;
        breaks.push(y);
    }
    breaks.pop();
    let areas = body.split_by_breakpoints([] as [i32; 0], breaks);
    for (area, panel) in areas.iter().zip(panels) {
        let n = panel.rows.len();
        let top = n as f64 - 0.5;
        let (x0, x1) = padded(
            panel
                .rows
                .iter()
                .flat_map(|r| [r.difference, r.low, r.high])
                .chain([0.0]),
        );
        let mut chart = ChartBuilder::on(area)
            .caption(format!("{} ({})", panel.label, panel.unit), (FAMILY, 13))
            .margin_left(8)
            .margin_right(24)
            .margin_top(2)
            .x_label_area_size(34)
            .y_label_area_size(name_width)
            .build_cartesian_2d(x0..x1, -0.5..top)?;
        let names: Vec<String> = panel.rows.iter().map(|r| cut(&r.variant, 28)).collect();
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|y| {
                let k = y.round();
                if (y - k).abs() > 1e-6 || k < 0.0 || k >= n as f64 {
                    return String::new();
                }
                names[n - 1 - k as usize].clone()
            })
            .x_labels(6)
            .x_label_formatter(&|x| short_number(*x))
            .x_desc(format!("variant − baseline ({})", panel.unit))
            .label_style((FAMILY, 12))
            .axis_desc_style((FAMILY, 12))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        chart.draw_series(LineSeries::new([(0.0, -0.5), (0.0, top)], ZERO_LINE.stroke_width(1)))?;
        for (k, r) in panel.rows.iter().enumerate() {
            let y = (n - 1 - k) as f64;
            let colour = if r.significant { sig } else { not_sig };
            if r.low.is_finite() && r.high.is_finite() && r.high > r.low {
                chart.draw_series([
                    PathElement::new(vec![(r.low, y), (r.high, y)], colour.stroke_width(2)),
                    PathElement::new(vec![(r.low, y - 0.2), (r.low, y + 0.2)], colour.stroke_width(2)),
                    PathElement::new(vec![(r.high, y - 0.2), (r.high, y + 0.2)], colour.stroke_width(2)),
                ])?;
            }
            if r.significant {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((r.difference, y))
                        + Circle::new((0, 0), 5, colour.filled())
                        + Text::new(signed(r.difference, &panel.unit), (7, -17), (FAMILY, 11)),
                ))?;
            } else {
                chart.draw_series(std::iter::once(Circle::new(
                    (r.difference, y),
                    5,
                    colour.stroke_width(2),
                )))?;
            }
        }
    }
    Ok(())
}

fn draw_frontier<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &Plot,
    x_label: &str,
    y_label: &str,
    y_percent: bool,
    points: &[FrontierPoint],
) -> DrawResult<DB::ErrorType> {
    let scale = if y_percent { 100.0 } else { 1.0 };
    let body = framed(root, plot, 24)?;
    let (x0, x1) = padded(points.iter().flat_map(|p| {
        let (l, h) = p.cost.bounds();
        [l, h]
    }));
    // Room on the right for the names of the dearest runs.
    let x1 = x1 + 0.15 * (x1 - x0);
    let (mut y0, mut y1) = padded(points.iter().flat_map(|p| {
        let (l, h) = p.experience.bounds();
        [l * scale, h * scale]
    }));
    if y_percent {
        (y0, y1) = (y0.max(0.0), y1.min(100.0).max(y0.max(0.0) + 1.0));
    }
    let mut chart = ChartBuilder::on(&body)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_labels(6)
        .x_label_formatter(&|x| short_number(*x))
        .y_label_formatter(&|y| short_number(*y))
        .label_style((FAMILY, 12))
        .axis_desc_style((FAMILY, 12))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let mut frontier: Vec<(f64, f64)> = points
        .iter()
        .filter(|p| p.on_frontier)
        .map(|p| (p.cost.mean, p.experience.mean * scale))
        .collect();
    frontier.sort_by(|a, b| a.0.total_cmp(&b.0));
    let line = PALETTE[2];
    chart
        .draw_series(LineSeries::new(frontier, line.stroke_width(2)))?
        .label("frontier: runs no other beats on both")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], line.stroke_width(2)));
    // The baseline last, on top of a variant at the same place.
    for k in (1..points.len()).chain([0]) {
        let p = &points[k];
        let colour = if k == 0 { PALETTE[0] } else { PALETTE[1] };
        let (x, y) = (p.cost.mean, p.experience.mean * scale);
        // Runs at the same place share one label, drawn with the first of them.
        let same = |q: &FrontierPoint| q.cost.mean == p.cost.mean && q.experience.mean == p.experience.mean;
        let name = if points[..k].iter().any(same) {
            String::new()
        } else {
            let names: Vec<&str> = points.iter().filter(|q| same(q)).map(|q| q.name.as_str()).collect();
            cut(&names.join(", "), 30)
        };
        let mut bars = Vec::new();
        if p.cost.half_width.is_finite() {
            let (l, h) = p.cost.bounds();
            bars.push(PathElement::new(vec![(l, y), (h, y)], colour.stroke_width(1)));
        }
        if p.experience.half_width.is_finite() {
            let (l, h) = p.experience.bounds();
            bars.push(PathElement::new(
                vec![(x, l * scale), (x, h * scale)],
                colour.stroke_width(1),
            ));
        }
        chart.draw_series(bars)?;
        let drawn = chart.draw_series(std::iter::once(
            EmptyElement::at((x, y))
                + Circle::new((0, 0), 5, colour.filled())
                + Text::new(name, (7, -17), (FAMILY, 11)),
        ))?;
        if k <= 1 {
            drawn
                .label(if k == 0 { "baseline" } else { "variants" })
                .legend(move |(x, y)| Circle::new((x + 9, y), 5, colour.filled()));
        }
    }
    // Dearer runs are usually better: the lower right is the emptiest corner.
    legend_at(&mut chart, SeriesLabelPosition::LowerRight)
}

/// Dots with 95% whiskers, one per category, shifted by `offset` categories.
fn dots<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB>,
    values: &[Ci],
    scale: f64,
    offset: f64,
    colour: RGBColor,
    label: &str,
) -> DrawResult<DB::ErrorType> {
    let at = |k: usize| k as f64 + offset;
    chart.draw_series(
        values
            .iter()
            .enumerate()
            .filter(|(_, c)| c.mean.is_finite() && c.half_width.is_finite())
            .map(|(k, c)| {
                let (l, h) = c.bounds();
                PathElement::new(vec![(at(k), l * scale), (at(k), h * scale)], colour.stroke_width(2))
            }),
    )?;
    chart
        .draw_series(
            values
                .iter()
                .enumerate()
                .filter(|(_, c)| c.mean.is_finite())
                .map(|(k, c)| Circle::new((at(k), c.mean * scale), 5, colour.filled())),
        )?
        .label(label)
        .legend(move |(x, y)| Circle::new((x + 9, y), 5, colour.filled()));
    Ok(())
}

fn draw_journeys<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    plot: &Plot,
    types: &[String],
    shares: &[(String, Vec<Ci>)],
    contacts: &[Ci],
) -> DrawResult<DB::ErrorType> {
    let body = framed(root, plot, 24)?;
    let width = body.dim_in_pixel().0;
    let (left, right) = match (shares.is_empty(), contacts.is_empty()) {
        (false, false) => {
            let (l, r) = body.split_horizontally(width * 66 / 100);
            (Some(l), Some(r))
        }
        (false, true) => (Some(body), None),
        _ => (None, Some(body)),
    };
    let m = types.len();
    let names: Vec<String> = types.iter().map(|t| cut(t, 16)).collect();
    let name_of = |x: &f64| {
        let k = x.round();
        if (x - k).abs() > 1e-6 || k < 0.0 || k >= m as f64 {
            String::new()
        } else {
            names[k as usize].clone()
        }
    };
    if let Some(area) = left {
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5..m as f64 - 0.5, 0.0..100.0)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(m)
            .x_label_formatter(&name_of)
            .x_desc("contact type (of the journey's first contact)")
            .y_desc("share of journeys (%)")
            .label_style((FAMILY, 12))
            .axis_desc_style((FAMILY, 12))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        let k = shares.len() as f64;
        for (j, (label, values)) in shares.iter().enumerate() {
            let offset = (j as f64 - (k - 1.0) / 2.0) * 0.18;
            dots(&mut chart, values, 100.0, offset, PALETTE[j % PALETTE.len()], label)?;
        }
        chart
            .configure_series_labels()
            .label_font((FAMILY, 12))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .position(SeriesLabelPosition::LowerRight)
            .draw()?;
    }
    if let Some(area) = right {
        let top = contacts
            .iter()
            .map(|c| c.bounds().1)
            .filter(|v| v.is_finite())
            .fold(1.0, f64::max)
            * 1.2;
        let mut chart = ChartBuilder::on(&area)
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(48)
            .build_cartesian_2d(-0.5..m as f64 - 0.5, 0.0..top)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(m)
            .x_label_formatter(&name_of)
            .x_desc("contact type")
            .y_desc("contacts per resolved journey")
            .label_style((FAMILY, 12))
            .axis_desc_style((FAMILY, 12))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        dots(
            &mut chart,
            contacts,
            1.0,
            0.0,
            PALETTE[3],
            "contacts per resolved journey",
        )?;
        chart
            .configure_series_labels()
            .label_font((FAMILY, 12))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.3))
            .position(SeriesLabelPosition::LowerRight)
            .draw()?;
    }
    Ok(())
}

fn draw_staffing<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    summary: &Summary,
    plot: &Plot,
    pools: &[StaffingPool],
) -> DrawResult<DB::ErrorType> {
    let body = framed(root, plot, 24)?;
    let frames = &summary.intervals;
    let (x0, x1) = (
        clock_hours(summary, frames[0].start_s),
        clock_hours(summary, frames[frames.len() - 1].end_s),
    );
    let top = pools
        .iter()
        .flat_map(|p| p.on_duty.iter().chain(&p.required))
        .map(|v| f64::from(*v))
        .fold(1.0, f64::max)
        * 1.35;
    let mut chart = ChartBuilder::on(&body)
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .build_cartesian_2d(x0..x1, 0.0..top)?;
    chart
        .configure_mesh()
        .x_desc("clock time (hh:mm)")
        .y_desc("agents on the phones")
        .x_label_formatter(&|h| clock_label(summary, *h))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_labels(8)
        .label_style((FAMILY, 12))
        .axis_desc_style((FAMILY, 12))
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    let steps = |values: &[u32]| -> Vec<(f64, f64)> {
        frames
            .iter()
            .zip(values)
            .flat_map(|(f, v)| {
                let v = f64::from(*v);
                [(clock_hours(summary, f.start_s), v), (clock_hours(summary, f.end_s), v)]
            })
            .collect()
    };
    for (k, p) in pools.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        let label = cut(&p.label, 40);
        chart
            .draw_series(LineSeries::new(steps(&p.on_duty), colour.stroke_width(2)))?
            .label(format!("planned: {label}"))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
        chart
            .draw_series(DashedLineSeries::new(
                steps(&p.required),
                6,
                4,
                colour.mix(0.9).stroke_width(2),
            ))?
            .label(format!(
                "{} for {:.0}% within {} s ({}): {label}",
                p.model,
                p.target * 100.0,
                p.threshold_s,
                p.target_from
            ))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 6, y)], colour.stroke_width(2)));
    }
    legend(&mut chart)
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, summary: &Summary, plot: &Plot) -> Result<(), PlotError> {
    let fail = |e: &dyn std::fmt::Display| PlotError {
        plot: plot.name.to_owned(),
        message: e.to_string(),
    };
    root.fill(&WHITE).map_err(|e| fail(&e))?;
    match &plot.content {
        Content::Intervals {
            y_label,
            percent,
            series,
        } => draw_intervals(&root, summary, plot, y_label, *percent, series),
        Content::Wait { points, exact } => draw_wait(&root, plot, points, exact.as_ref()),
        Content::Differences { panels } => draw_differences(&root, plot, panels),
        Content::Frontier {
            x_label,
            y_label,
            y_percent,
            points,
        } => draw_frontier(&root, plot, x_label, y_label, *y_percent, points),
        Content::Journeys {
            types,
            shares,
            contacts,
        } => draw_journeys(&root, plot, types, shares, contacts),
        Content::Staffing { pools } => draw_staffing(&root, summary, plot, pools),
    }
    .map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))
}

/// The plot as an SVG document.
pub fn svg(summary: &Summary, plot: &Plot) -> Result<String, PlotError> {
    fonts();
    let mut out = String::new();
    draw(
        SVGBackend::with_string(&mut out, plot.size()).into_drawing_area(),
        summary,
        plot,
    )?;
    Ok(out)
}

/// A profile over the hours of a day as an SVG document: one line per series, a point per
/// hour (`xs`, clock hours at the middle of each interval), a gap where a value is undefined.
/// For figures that are not a run's (a validation's observed and predicted values by hour).
pub fn profile_svg(
    name: &str,
    title: &str,
    xs: &[f64],
    y_label: &str,
    percent: bool,
    series: &[(String, Vec<f64>)],
) -> Result<String, PlotError> {
    fonts();
    let fail = |e: &dyn std::fmt::Display| PlotError {
        plot: name.to_owned(),
        message: e.to_string(),
    };
    let scale = if percent { 100.0 } else { 1.0 };
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(&e))?;
        let x0 = xs.first().map_or(0.0, |x| (x - 0.5).floor());
        let x1 = xs.last().map_or(24.0, |x| (x + 0.5).ceil());
        let top = series
            .iter()
            .flat_map(|s| s.1.iter())
            .filter(|v| v.is_finite())
            .fold(0.0_f64, |a, v| a.max(*v))
            * scale;
        let draw = || -> DrawResult<_> {
            let mut chart = ChartBuilder::on(&root)
                .caption(title, (FAMILY, 18))
                .margin(12)
                .x_label_area_size(36)
                .y_label_area_size(64)
                .build_cartesian_2d(x0..x1, 0.0..(top * 1.15).max(1e-9))?;
            chart
                .configure_mesh()
                .x_desc("hour of the day")
                .y_desc(if percent {
                    format!("{y_label} (%)")
                } else {
                    y_label.to_owned()
                })
                .x_label_formatter(&|h| format!("{:02}:00", h.round() as i64))
                .label_style((FAMILY, 12))
                .axis_desc_style((FAMILY, 12))
                .light_line_style(WHITE.mix(0.0))
                .draw()?;
            for (k, (label, values)) in series.iter().enumerate() {
                let colour = PALETTE[k % PALETTE.len()];
                draw_line(
                    &mut chart,
                    xs.iter().copied().zip(values.iter().map(|v| v * scale)),
                    colour,
                    label,
                )?;
            }
            legend(&mut chart)
        };
        draw().map_err(|e| fail(&e))?;
        root.present().map_err(|e| fail(&e))?;
    }
    Ok(out)
}

/// The plot as a PNG file at `path`.
pub fn png(summary: &Summary, plot: &Plot, path: &Path) -> Result<(), PlotError> {
    fonts();
    draw(BitMapBackend::new(path, plot.size()).into_drawing_area(), summary, plot)
}
