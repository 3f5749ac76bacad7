//! A validation written out: `validation.csv` (one row per compared day × interval, each
//! figure observed, predicted by cxsim with its 95% interval, and by both Erlang A
//! baselines), the report (the scores of each model on each figure, and P(abandon) and mean
//! wait by hour of the day), its JSON form, and the plots of those two figures by hour.

use super::{Cell, FIGURES, Figure, MODELS, Score, Validation};
use crate::calendar::{WEEKDAYS, clock};
use crate::calibrate::clock::day_label;
use crate::calibrate::write::thousands;
use crate::time::Human;
use serde_json::json;
use std::fmt::Write as _;

/// Schema of `cxsim validate --json`.
pub const VALIDATE_SCHEMA: &str = "cxsim.validate/1";

/// How each model is named in the report.
const MODEL_LABELS: [&str; 3] = ["cxsim", "Erlang A", "Erlang A + gap"];

/// A figure's label in the report.
fn label(f: Figure) -> &'static str {
    match f {
        Figure::Offered => "offered",
        Figure::Abandon => "P(abandon)",
        Figure::MeanWait => "mean wait",
        Figure::Wait => "P(wait > 0)",
        Figure::ServiceLevel => "service level",
        Figure::Occupancy => "occupancy",
    }
}

/// A value of figure `f` as the report shows it.
fn show(f: Figure, x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    match f {
        Figure::Offered => format!("{x:.1}"),
        Figure::MeanWait => format!("{x:.1}s"),
        _ => format!("{:.1}%", 100.0 * x),
    }
}

/// A signed difference of figure `f`.
fn signed(f: Figure, x: f64) -> String {
    if !x.is_finite() {
        return "-".into();
    }
    match f {
        Figure::Offered => format!("{x:+.2}"),
        Figure::MeanWait => format!("{x:+.1}s"),
        _ => format!("{:+.1}%", 100.0 * x),
    }
}

/// A number for the CSV: shortest round-trip form, empty for NaN.
fn num(x: f64) -> String {
    if x.is_finite() { format!("{x}") } else { String::new() }
}

/// `validation.csv`.
pub fn csv(v: &Validation) -> String {
    let mut header = vec![
        "date".to_owned(),
        "weekday".into(),
        "interval_start".into(),
        "agents".into(),
        "talk_s".into(),
    ];
    for f in FIGURES {
        for suffix in [
            "observed",
            "cxsim",
            "cxsim_low",
            "cxsim_high",
            "erlang_a",
            "erlang_a_gap",
        ] {
            header.push(format!("{}_{suffix}", f.key()));
        }
    }
    let mut out = header.join(",");
    out.push('\n');
    for c in &v.cells {
        let mut row = vec![
            day_label(c.day, v.dated),
            WEEKDAYS[c.weekday].to_owned(),
            clock(c.interval as f64 * v.interval),
            num(c.agents),
            num(c.talk),
        ];
        for k in 0..FIGURES.len() {
            let e = c.cxsim[k];
            row.extend([
                num(c.observed[k]),
                num(e.mean),
                num(e.low()),
                num(e.high()),
                num(c.erlang_a[k]),
                num(c.erlang_a_gap[k]),
            ]);
        }
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// The weekdays compared, as `sunday, monday, …` (or `every day`).
fn weekdays(v: &Validation) -> String {
    if v.options.weekdays.iter().all(|w| *w) {
        return "every day".into();
    }
    // Sunday first when Sunday is in, as a week that starts on it reads.
    let order: Vec<usize> = if v.options.weekdays[6] {
        std::iter::once(6).chain(0..6).collect()
    } else {
        (0..7).collect()
    };
    order
        .into_iter()
        .filter(|w| v.options.weekdays[*w])
        .map(|w| WEEKDAYS[w])
        .collect::<Vec<_>>()
        .join(", ")
}

/// Means of `f` by hour of the day over the cells: `(interval, cells, observed, per model)`.
pub fn by_interval(v: &Validation, f: Figure) -> Vec<(usize, usize, f64, [f64; 3])> {
    let k = f.index();
    let mut intervals: Vec<usize> = v.cells.iter().map(|c| c.interval).collect();
    intervals.sort_unstable();
    intervals.dedup();
    intervals
        .into_iter()
        .map(|i| {
            let cells: Vec<&Cell> = v
                .cells
                .iter()
                .filter(|c| c.interval == i && c.observed[k].is_finite())
                .collect();
            let mean = |x: &dyn Fn(&Cell) -> f64| {
                let xs: Vec<f64> = cells.iter().map(|c| x(c)).filter(|x| x.is_finite()).collect();
                if xs.is_empty() {
                    f64::NAN
                } else {
                    xs.iter().sum::<f64>() / xs.len() as f64
                }
            };
            (
                i,
                cells.len(),
                mean(&|c| c.observed[k]),
                std::array::from_fn(|m| mean(&|c| c.predicted(m, k))),
            )
        })
        .collect()
}

/// The report: what was compared, the scores, and P(abandon) and mean wait by hour.
pub fn report(v: &Validation) -> String {
    let mut out = String::new();
    let files = v
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let first = v.days.first().copied().unwrap_or(0);
    let last = v.days.last().copied().unwrap_or(0);
    let _ = writeln!(
        out,
        "Validation of \"{}\" on {files}\n  {} days ({} to {}; {}), hours {:02}-{:02}: {} intervals of {} compared",
        v.scenario,
        v.days.len(),
        day_label(first, v.dated),
        day_label(last, v.dated),
        weekdays(v),
        v.options.hours.0,
        v.options.hours.1,
        thousands(v.cells.len() as u64),
        Human(v.interval),
    );
    if v.no_agents + v.no_calls > 0 {
        let _ = writeln!(
            out,
            "  left out: {} intervals with calls but no agent present, {} with no call",
            v.no_agents, v.no_calls
        );
    }
    let _ = writeln!(
        out,
        "  cxsim: each day replayed {} times with {} and the agents the log shows present",
        v.options.replications,
        match v.options.feed {
            super::Feed::Volumes => "its own calls per type and interval (Poisson)",
            super::Feed::Calls => "the log's own calls (arrival and talk times; patience drawn)",
        }
    );
    let _ = writeln!(
        out,
        "  Erlang A: each interval's calls, mean talk time and mean agents present (interpolated), exponential patience of mean {:.1} s",
        v.patience
    );
    let _ = writeln!(
        out,
        "  Erlang A + gap: the same with the agents' mean gap between calls, {:.1} s (gaps under {}: {}), added to the talk time",
        v.gap,
        Human(v.options.gap_cap),
        thousands(v.gaps)
    );
    let _ = writeln!(
        out,
        "  service level: answered within {} of all calls asking for an agent\n",
        Human(v.sl_threshold)
    );
    let _ = writeln!(
        out,
        "{:<14} {:>9}   {:>8} {:>8}   {:>8} {:>8}   {:>8} {:>8}   {:>8}",
        "", "observed", "cxsim", "", "Erlang A", "", "+ gap", "", "noise"
    );
    let _ = writeln!(
        out,
        "{:<14} {:>9}   {:>8} {:>8}   {:>8} {:>8}   {:>8} {:>8}   {:>8}",
        "figure", "mean", "MAE", "bias", "MAE", "bias", "MAE", "bias", "floor"
    );
    for f in FIGURES {
        let k = f.index();
        let observed: Vec<f64> = v
            .cells
            .iter()
            .map(|c| c.observed[k])
            .filter(|x| x.is_finite())
            .collect();
        let mean = observed.iter().sum::<f64>() / observed.len().max(1) as f64;
        let s = &v.scores[k];
        let _ = writeln!(
            out,
            "{:<14} {:>9}   {:>8} {:>8}   {:>8} {:>8}   {:>8} {:>8}   {:>8}",
            label(f),
            show(f, mean),
            show(f, s[0].mae),
            signed(f, s[0].bias),
            show(f, s[1].mae),
            signed(f, s[1].bias),
            show(f, s[2].mae),
            signed(f, s[2].bias),
            show(f, v.floor[k]),
        );
    }
    let _ = writeln!(
        out,
        "  MAE: mean absolute error over the intervals; bias: mean of predicted - observed;\n  noise floor: the MAE a perfect model would still make, were the log one more replication of cxsim's\n"
    );
    let daily = v.daily_scores();
    let profile = v.profile_mae();
    let _ = writeln!(
        out,
        "Coarser cells, where the noise of single hours averages out:\n{:<14} {:>8} {:>8}   {:>8} {:>8}   {:>8} {:>8}",
        "", "cxsim", "", "Erlang A", "", "+ gap", ""
    );
    let _ = writeln!(
        out,
        "{:<14} {:>8} {:>8}   {:>8} {:>8}   {:>8} {:>8}",
        "figure", "by day", "by hour", "by day", "by hour", "by day", "by hour"
    );
    for f in FIGURES.into_iter().skip(1) {
        let k = f.index();
        let _ = writeln!(
            out,
            "{:<14} {:>8} {:>8}   {:>8} {:>8}   {:>8} {:>8}",
            label(f),
            show(f, daily[k][0].mae),
            show(f, profile[k][0]),
            show(f, daily[k][1].mae),
            show(f, profile[k][1]),
            show(f, daily[k][2].mae),
            show(f, profile[k][2]),
        );
    }
    let _ = writeln!(
        out,
        "  MAE of whole days (intervals pooled) and of the hour-of-day profile (each hour averaged over the days)\n"
    );
    let abandon = by_interval(v, Figure::Abandon);
    let wait = by_interval(v, Figure::MeanWait);
    let _ = writeln!(out, "{:<6} {:>5}   {:>35}   {:>35}", "", "", "P(abandon)", "mean wait");
    let _ = writeln!(
        out,
        "{:<6} {:>5}   {:>8} {:>8} {:>8} {:>8}   {:>8} {:>8} {:>8} {:>8}",
        "hour", "days", "observed", "cxsim", "Erlang A", "+ gap", "observed", "cxsim", "Erlang A", "+ gap"
    );
    for (a, w) in abandon.iter().zip(&wait) {
        let _ = writeln!(
            out,
            "{:<6} {:>5}   {:>8} {:>8} {:>8} {:>8}   {:>8} {:>8} {:>8} {:>8}",
            clock(a.0 as f64 * v.interval),
            a.1,
            show(Figure::Abandon, a.2),
            show(Figure::Abandon, a.3[0]),
            show(Figure::Abandon, a.3[1]),
            show(Figure::Abandon, a.3[2]),
            show(Figure::MeanWait, w.2),
            show(Figure::MeanWait, w.3[0]),
            show(Figure::MeanWait, w.3[1]),
            show(Figure::MeanWait, w.3[2]),
        );
    }
    out
}

fn score_json(s: &Score) -> serde_json::Value {
    let n = |x: f64| if x.is_finite() { json!(x) } else { json!(null) };
    json!({ "mae": n(s.mae), "bias": n(s.bias), "bias_se": n(s.bias_se), "intervals": s.cells })
}

/// The validation's inputs and scores as JSON (schema [`VALIDATE_SCHEMA`]).
pub fn to_json(v: &Validation) -> serde_json::Value {
    let scores: serde_json::Map<String, serde_json::Value> = FIGURES
        .iter()
        .map(|f| {
            let per_model: serde_json::Map<String, serde_json::Value> = MODELS
                .iter()
                .enumerate()
                .map(|(m, name)| ((*name).to_owned(), score_json(&v.scores[f.index()][m])))
                .collect();
            let mut per_model = per_model;
            let daily = v.daily_scores();
            let profile = v.profile_mae();
            for (m, name) in MODELS.iter().enumerate() {
                if let Some(serde_json::Value::Object(o)) = per_model.get_mut(*name) {
                    o.insert("daily".into(), score_json(&daily[f.index()][m]));
                    let p = profile[f.index()][m];
                    o.insert("profile_mae".into(), if p.is_finite() { json!(p) } else { json!(null) });
                }
            }
            per_model.insert(
                "noise_floor".into(),
                if v.floor[f.index()].is_finite() {
                    json!(v.floor[f.index()])
                } else {
                    json!(null)
                },
            );
            (f.key().to_owned(), serde_json::Value::Object(per_model))
        })
        .collect();
    json!({
        "schema": VALIDATE_SCHEMA,
        "cxsim_version": env!("CARGO_PKG_VERSION"),
        "scenario": v.scenario,
        "logs": v.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
        "days": v.days.len(),
        "first_day": v.days.first().map(|d| day_label(*d, v.dated)),
        "last_day": v.days.last().map(|d| day_label(*d, v.dated)),
        "hours": [v.options.hours.0, v.options.hours.1],
        "interval_s": v.interval,
        "intervals": v.cells.len(),
        "left_out": { "no_agents": v.no_agents, "no_calls": v.no_calls },
        "replications_per_day": v.options.replications,
        "feed": match v.options.feed { super::Feed::Volumes => "volumes", super::Feed::Calls => "calls" },
        "sl_threshold_s": v.sl_threshold,
        "erlang_a": { "mean_patience_s": v.patience, "mean_gap_s": v.gap, "gaps": v.gaps, "gap_cap_s": v.options.gap_cap },
        "scores": scores,
    })
}

/// The plots of P(abandon) and mean wait by hour: `(file name, SVG)`.
pub fn plots(v: &Validation) -> Result<Vec<(String, String)>, crate::report::plot::PlotError> {
    let mut out = Vec::new();
    for (name, f) in [
        ("validation_abandon.svg", Figure::Abandon),
        ("validation_wait.svg", Figure::MeanWait),
    ] {
        let rows = by_interval(v, f);
        let xs: Vec<f64> = rows.iter().map(|r| (r.0 as f64 + 0.5) * v.interval / 3600.0).collect();
        let mut series = vec![("observed".to_owned(), rows.iter().map(|r| r.2).collect::<Vec<_>>())];
        for (m, model) in MODEL_LABELS.iter().enumerate() {
            series.push(((*model).to_owned(), rows.iter().map(|r| r.3[m]).collect()));
        }
        let title = format!("{} by hour, mean over {} days", label(f), v.days.len());
        let y_label = match f {
            Figure::MeanWait => "mean wait (s)".to_owned(),
            _ => label(f).to_owned(),
        };
        out.push((
            name.to_owned(),
            crate::report::plot::profile_svg(name, &title, &xs, &y_label, f.is_share(), &series)?,
        ));
    }
    Ok(out)
}
