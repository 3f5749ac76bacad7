//! The terminal summary: one table per contact type (and all types), one per agent group, with
//! 95% confidence intervals and, for Erlang models, the exact value and whether the interval
//! covers it.

use crate::summary::{Metric, ScopeKind, Summary};
use crate::time::Human;
use std::fmt::Write;

/// How a figure is shown.
fn format_value(name: &str, v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    if name.starts_with("p_") || name.starts_with("sl_") || name == "occupancy" {
        format!("{:.2}%", 100.0 * v)
    } else if name.ends_with("_s") {
        format!("{v:.1}s")
    } else if name.starts_with("mean_") {
        format!("{v:.3}")
    } else {
        format!("{v:.1}")
    }
}

fn format_half(name: &str, h: f64) -> String {
    if !h.is_finite() {
        String::new()
    } else {
        format!("± {}", format_value(name, h))
    }
}

/// Figures that are only shown when they are not zero in every replication.
fn hide_if_zero(m: &Metric) -> bool {
    matches!(
        m.name.as_str(),
        "blocked" | "cleared" | "in_system_at_end" | "p_blocked"
    ) && m.estimate.mean == 0.0
        && (m.estimate.half_width == 0.0 || m.estimate.half_width.is_nan())
}

/// Most measured intervals for which the terminal shows the per-interval table.
const MAX_INTERVAL_ROWS: usize = 48;

/// Wall-clock label of an interval start, `d+HH:MM` from the scenario start (`0+08:30`).
fn clock(seconds: f64) -> String {
    let m = (seconds / 60.0).round() as u64;
    format!("{}+{:02}:{:02}", m / 1440, m / 60 % 24, m % 60)
}

/// Per-interval means for each contact type (offered, SL at the first threshold, abandonment,
/// ASA of answered) beside the occupancy of every group.
fn render_intervals(s: &Summary, out: &mut String) {
    if s.intervals.len() < 2 || s.intervals.len() > MAX_INTERVAL_ROWS {
        return;
    }
    let types: Vec<_> = s.scopes.iter().filter(|sc| sc.kind == ScopeKind::Type).collect();
    let groups: Vec<_> = s.scopes.iter().filter(|sc| sc.kind == ScopeKind::Group).collect();
    let column = |scope: &crate::summary::ScopeSummary, prefix: &str| {
        scope.interval_metrics.iter().position(|m| m.starts_with(prefix))
    };
    let _ = writeln!(
        out,
        "\nby interval (start = day+hh:mm from t = 0; means over replications; contacts by arrival interval)"
    );
    let mut header = format!("  {:<8}", "start");
    for t in &types {
        let sl = column(t, "sl_offered_").map(|i| t.interval_metrics[i].trim_start_matches("sl_offered_").to_string());
        let _ = write!(
            header,
            " | {:>8} {:>8} {:>8} {:>8}",
            short(&t.name, 8),
            format!("SL{}", sl.unwrap_or_default()),
            "aband.",
            "ASA"
        );
    }
    for g in &groups {
        let _ = write!(header, " | {:>8}", short(&g.name, 8));
    }
    let _ = writeln!(out, "{header}");
    for (row, frame) in s.intervals.iter().enumerate() {
        let mut line = format!("  {:<8}", clock(frame.start_s));
        for t in &types {
            let get = |prefix: &str| column(t, prefix).map_or(f64::NAN, |i| t.intervals[row][i].mean);
            let _ = write!(
                line,
                " | {:>8} {:>8} {:>8} {:>8}",
                format_value("offered", get("offered")),
                format_value("sl_", get("sl_offered_")),
                format_value("p_", get("p_abandon")),
                format_value("x_s", get("asa_answered_s")),
            );
        }
        for g in &groups {
            let occ = column(g, "occupancy").map_or(f64::NAN, |i| g.intervals[row][i].mean);
            let _ = write!(line, " | {:>8}", format_value("occupancy", occ));
        }
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "  (occupancy per group on the right)");
}

/// `name` cut to at most `n` characters.
fn short(name: &str, n: usize) -> String {
    name.chars().take(n).collect()
}

/// Renders the summary as plain text (no colour codes).
pub fn render(s: &Summary, threads: usize, elapsed_s: f64) -> String {
    let mut out = String::new();
    let measured = s.horizon_s - s.warmup_s;
    let _ = writeln!(
        out,
        "{}: {} replications, seed {}, measured {}–{} ({}), {} thread{}, {:.2}s",
        s.scenario,
        s.replications,
        s.seed,
        Human(s.warmup_s),
        Human(s.horizon_s),
        Human(measured),
        threads,
        if threads == 1 { "" } else { "s" },
        elapsed_s
    );
    if let Some(model) = &s.erlang_model {
        let _ = writeln!(
            out,
            "This scenario is an Erlang {model} model: the exact value is shown beside each simulated figure."
        );
    }
    for scope in &s.scopes {
        let title = match scope.kind {
            ScopeKind::Type => format!("contact type \"{}\"", scope.name),
            ScopeKind::All => "all contact types".into(),
            ScopeKind::Group => format!("agent group \"{}\"", scope.name),
        };
        let has_theory = scope.metrics.iter().any(|m| m.theory.is_some());
        let _ = writeln!(out);
        if has_theory {
            let _ = writeln!(
                out,
                "{title:<34} {:>12} {:>14} {:>12}  in CI",
                "mean", "95% CI", "Erlang"
            );
        } else {
            let _ = writeln!(out, "{:<34} {:>12} {:>14}", title, "mean", "95% CI");
        }
        for m in scope.metrics.iter().filter(|m| !hide_if_zero(m)) {
            let e = m.estimate;
            let mut line = format!(
                "  {:<32} {:>12} {:>14}",
                m.name,
                format_value(&m.name, e.mean),
                format_half(&m.name, e.half_width)
            );
            if let Some(t) = m.theory {
                let covered = (e.low() <= t + 1e-12 && t - 1e-12 <= e.high())
                    || (e.half_width == 0.0 && (e.mean - t).abs() < 1e-12);
                let _ = write!(
                    line,
                    " {:>12}  {}",
                    format_value(&m.name, t),
                    if covered { "yes" } else { "no" }
                );
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    render_intervals(s, &mut out);
    out
}
