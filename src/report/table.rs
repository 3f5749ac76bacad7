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
    out
}
