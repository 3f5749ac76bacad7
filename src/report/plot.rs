//! Plots of a run's [`Summary`], as SVG (text the viewer's fonts draw) or PNG (text drawn
//! with the DejaVu Sans face embedded in the binary, so that a machine with no fonts
//! installed still labels its axes). plotters is used here and nowhere else.
//!
//! Every plot is a [`Plot`]: its file stem, its title and what it draws. [`plots`] lists those
//! a summary has data for; [`svg`] and [`png`] draw one. Per-interval figures are drawn as
//! lines with their 95% band; where a band is missing (one replication, or a figure with no
//! interval) the plot says so in its caption and draws the points alone. An undefined value
//! (no contact in the interval) leaves a gap, never a zero.

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
}

/// A plot of a summary.
#[derive(Debug, Clone)]
pub struct Plot {
    /// File stem: `volumes`, `service`, `occupancy`, `backlog`, `wait`.
    pub name: &'static str,
    pub title: String,
    pub content: Content,
}

impl Plot {
    /// Whether any series lacks its 95% band (one replication, or no interval).
    pub fn missing_bands(&self) -> bool {
        match &self.content {
            Content::Intervals { series, .. } => series
                .iter()
                .any(|s| s.values.iter().any(|e| e.mean.is_finite() && !e.half_width.is_finite())),
            Content::Wait { points, .. } => points.iter().any(|(_, e)| !e.half_width.is_finite()),
        }
    }

    /// The caption under the title: what the shading is, or that it is missing.
    pub fn caption(&self) -> &'static str {
        match (&self.content, self.missing_bands()) {
            (Content::Intervals { .. }, false) => "lines: means over replications; shading: 95% confidence band",
            (Content::Intervals { .. }, true) => {
                "lines: means over replications; no 95% band (fewer than two replications)"
            }
            (Content::Wait { .. }, false) => {
                "points: percentiles of the waits of answered contacts, bars: 95% interval"
            }
            (Content::Wait { .. }, true) => "points: percentiles of the waits of answered contacts; no 95% interval",
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
    let all = summary.scopes.iter().find(|s| s.kind == ScopeKind::All).or_else(|| {
        let mut types = summary.scopes.iter().filter(|s| s.kind == ScopeKind::Type);
        types.next().filter(|_| types.next().is_none())
    });
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
    out
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
    chart
        .configure_series_labels()
        .label_font((FAMILY, 12))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .position(SeriesLabelPosition::UpperRight)
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
        .x_desc(plot.caption())
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
        let mut lines: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (x, e) in xs.iter().zip(&s.values) {
            if e.mean.is_finite() {
                lines.last_mut().expect("one line at least").push((*x, e.mean * scale));
            } else if !lines.last().expect("one line at least").is_empty() {
                lines.push(Vec::new());
            }
        }
        let mut first = true;
        for line in lines.iter().filter(|l| !l.is_empty()) {
            let drawn = chart.draw_series(LineSeries::new(line.iter().copied(), colour.stroke_width(2)))?;
            if first {
                drawn
                    .label(s.label.clone())
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour.stroke_width(2)));
                first = false;
            }
            chart.draw_series(line.iter().map(|p| Circle::new(*p, 2, colour.filled())))?;
        }
    }
    legend(&mut chart)
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
    }
    .map_err(|e| fail(&e))?;
    root.present().map_err(|e| fail(&e))
}

/// The plot as an SVG document.
pub fn svg(summary: &Summary, plot: &Plot) -> Result<String, PlotError> {
    fonts();
    let mut out = String::new();
    draw(
        SVGBackend::with_string(&mut out, SIZE).into_drawing_area(),
        summary,
        plot,
    )?;
    Ok(out)
}

/// The plot as a PNG file at `path`.
pub fn png(summary: &Summary, plot: &Plot, path: &Path) -> Result<(), PlotError> {
    fonts();
    draw(BitMapBackend::new(path, SIZE).into_drawing_area(), summary, plot)
}
