//! The terminal summary: one table per contact type (and all types), one per agent group, with
//! 95% confidence intervals and, for Erlang models, the exact value and whether the interval
//! covers it.

use crate::metrics::{self, Unit};
use crate::stats::tally::Estimate;
use crate::summary::{Metric, ScopeKind, ScopeSummary, Summary};
use crate::time::Human;
use std::fmt::Write;

/// How a figure is shown, by its unit in [`crate::metrics`]: shares as percentages, seconds
/// and agents with one decimal, time-average queue lengths with three, counts with one.
pub(crate) fn format_value(name: &str, v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    match metrics::unit_of(name) {
        Some(Unit::Probability) => format!("{:.2}%", 100.0 * v),
        Some(Unit::Seconds) => format!("{v:.1}s"),
        Some(Unit::Agents) => format!("{v:.1}"),
        Some(Unit::Score) | Some(Unit::Money) => format!("{v:.2}"),
        Some(Unit::Hours) => format!("{v:.1}"),
        _ if name.starts_with("mean_") => format!("{v:.3}"),
        _ => format!("{v:.1}"),
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
pub(crate) fn hide_if_zero(m: &Metric) -> bool {
    matches!(
        m.name.as_str(),
        "blocked"
            | "cleared"
            | "refused"
            | "balked"
            | "messages"
            | "in_system_at_end"
            | "p_blocked"
            | "p_balked"
            | "retrials"
            | "repeats"
            | "journeys_open"
            | "transferred"
            | "transfers_per_journey"
            | "switches_per_journey"
    ) && m.estimate.mean == 0.0
        && (m.estimate.half_width == 0.0 || m.estimate.half_width.is_nan() || m.estimate.events == Some(0))
}

/// Most measured intervals the terminal shows; the rest are counted in a closing line (every
/// interval is in `intervals.csv`).
const MAX_INTERVAL_ROWS: usize = 48;

/// The width the terminal summary keeps to, in characters.
pub const TERMINAL_WIDTH: usize = 100;

/// `text` with each line longer than [`TERMINAL_WIDTH`] broken at spaces; the continuation
/// lines are indented two more than the line. A word longer than the width stays whole.
pub(crate) fn fit(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let (body, end) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
        if body.chars().count() <= TERMINAL_WIDTH {
            out.push_str(line);
            continue;
        }
        let indent = body.len() - body.trim_start().len();
        let mut current = body[..indent].to_string();
        let mut fresh = true;
        for word in body.split_whitespace() {
            let len = current.chars().count();
            if !fresh && len + 1 + word.chars().count() > TERMINAL_WIDTH {
                out.push_str(&current);
                out.push('\n');
                current = " ".repeat(indent + 2);
                fresh = true;
            }
            if !fresh {
                current.push(' ');
            }
            current.push_str(word);
            fresh = false;
        }
        out.push_str(&current);
        out.push_str(end);
    }
    out
}

/// Clock label of a time `seconds` after t = 0 when t = 0 is `day_start` seconds after
/// midnight: `08:30`, and `d2 08:30` from the second day on.
pub(crate) fn clock(seconds: f64, day_start: f64) -> String {
    let m = ((seconds + day_start) / 60.0).round() as u64;
    let (day, hh, mm) = (m / 1440, m / 60 % 24, m % 60);
    if day == 0 {
        format!("{hh:02}:{mm:02}")
    } else {
        format!("d{} {hh:02}:{mm:02}", day + 1)
    }
}

/// A value and its half-width in a short form: `81.2%±1.3`.
fn with_ci(name: &str, e: &Estimate) -> String {
    let v = format_value(name, e.mean);
    if !e.half_width.is_finite() || !e.mean.is_finite() {
        return v;
    }
    let h = format_value(name, e.half_width);
    format!("{v}±{}", h.trim_end_matches('%').trim_end_matches('s'))
}

/// Per-interval figures for each contact type (offered, service level over offered at the
/// first threshold with its CI, abandonment, ASA of answered) beside each group's agents on
/// duty and occupancy.
fn render_intervals(s: &Summary, out: &mut String) {
    if s.intervals.len() < 2 {
        return;
    }
    let types: Vec<_> = s.scopes.iter().filter(|sc| sc.kind == ScopeKind::Type).collect();
    let groups: Vec<_> = s.scopes.iter().filter(|sc| sc.kind == ScopeKind::Group).collect();
    let sl_name = |t: &ScopeSummary| {
        t.interval_metrics
            .iter()
            .find(|m| m.starts_with("sl_offered_"))
            .cloned()
    };
    let _ = writeln!(
        out,
        "\nby interval (clock time of the interval start; contacts by arrival interval; 95% CI after ±)"
    );
    if let Some(sl) = types.iter().find_map(|t| sl_name(t)) {
        let _ = writeln!(
            out,
            "  SL = {sl}: answered within {} / offered; aband. = p_abandon; ASA = asa_answered_s; per group: agents on duty, occupancy",
            sl.trim_start_matches("sl_offered_")
        );
    }
    let label_width = s
        .intervals
        .iter()
        .map(|f| clock(f.start_s, s.day_start_s).len())
        .max()
        .unwrap_or(5);
    // Each type and group is a block of columns: its header and one cell per row. Blocks are
    // packed side by side into panels no wider than the terminal, each panel repeating the
    // clock column.
    let rows = s.intervals.len().min(MAX_INTERVAL_ROWS);
    let nan = Estimate {
        mean: f64::NAN,
        half_width: f64::NAN,
        n: 0,
        events: None,
        reliable: false,
    };
    let mut blocks: Vec<(String, Vec<String>)> = Vec::new();
    let mut flagged = false;
    for t in &types {
        let w = t.name.chars().count().max(8);
        let header = format!(" | {:>w$} {:>13} {:>7} {:>7}", t.name, "SL", "aband.", "ASA");
        let cells = (0..rows)
            .map(|row| {
                let get = |name: &str| t.interval(row, name);
                let sl = sl_name(t).and_then(|n| get(&n)).unwrap_or(nan);
                flagged |= !sl.reliable && sl.half_width.is_finite();
                format!(
                    " | {:>w$} {:>13} {:>7} {:>7}",
                    format_value("offered", get("offered").unwrap_or(nan).mean),
                    with_ci("sl_offered_", &sl) + if sl.reliable { "" } else { "!" },
                    format_value("p_abandon", get("p_abandon").unwrap_or(nan).mean),
                    format_value("asa_answered_s", get("asa_answered_s").unwrap_or(nan).mean),
                )
            })
            .collect();
        blocks.push((header, cells));
    }
    for g in &groups {
        let w = g.name.chars().count().max(6);
        let header = format!(" | {:>w$} {:>7}", g.name, "occ.");
        let cells = (0..rows)
            .map(|row| {
                let agents = g.interval(row, "mean_agents").map_or(f64::NAN, |e| e.mean);
                let occ = g.interval(row, "occupancy").map_or(f64::NAN, |e| e.mean);
                format!(
                    " | {:>w$} {:>7}",
                    format_value("mean_agents", agents),
                    format_value("occupancy", occ)
                )
            })
            .collect();
        blocks.push((header, cells));
    }
    let label = |row: usize| {
        let frame = &s.intervals[row];
        format!(
            "  {:<label_width$}",
            clock(frame.start_s, s.day_start_s) + if frame.partial { "*" } else { "" }
        )
    };
    let mut panels: Vec<std::ops::Range<usize>> = Vec::new();
    let mut width = usize::MAX;
    for (i, (header, _)) in blocks.iter().enumerate() {
        let w = header.chars().count();
        match panels.last_mut() {
            Some(p) if width + w <= TERMINAL_WIDTH => {
                p.end = i + 1;
                width += w;
            }
            _ => {
                panels.push(i..i + 1);
                width = 2 + label_width + w;
            }
        }
    }
    for (k, panel) in panels.into_iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        let mut header = format!("  {:<label_width$}", "start");
        for (h, _) in &blocks[panel.clone()] {
            header.push_str(h);
        }
        let _ = writeln!(out, "{header}");
        for row in 0..rows {
            let mut line = label(row);
            for (_, cells) in &blocks[panel.clone()] {
                line.push_str(&cells[row]);
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    if s.intervals.len() > MAX_INTERVAL_ROWS {
        let _ = writeln!(
            out,
            "  … {} more intervals in intervals.csv",
            s.intervals.len() - MAX_INTERVAL_ROWS
        );
    }
    if flagged {
        let _ = writeln!(
            out,
            "  ! fewer than 10 replications (or not all) missed the SL in this interval: its CI is not to be trusted"
        );
    }
    if s.intervals.iter().any(|f| f.partial) {
        let _ = writeln!(out, "  * the warm-up cuts this interval: measured from its end");
    }
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
    match (&s.erlang_model, s.theory_attached) {
        (Some(model), true) => {
            let _ = writeln!(
                out,
                "This scenario is an Erlang {model} model: the exact steady-state value is shown beside each figure theory gives."
            );
        }
        (Some(model), false) => {
            let _ = writeln!(
                out,
                "This scenario is an Erlang {model} model, but the run has no warm-up or clears its queue at closing: its figures are transient, so steady-state values are not shown."
            );
        }
        _ => {}
    }
    let mut unreliable = false;
    for scope in &s.scopes {
        let title = match scope.kind {
            ScopeKind::Type => format!("contact type \"{}\"", scope.name),
            ScopeKind::All => "all contact types".into(),
            ScopeKind::Channel => format!("{} queues", scope.name),
            ScopeKind::Group => format!("agent group \"{}\"", scope.name),
            ScopeKind::Cost if s.currency.is_empty() => "costs of the center".into(),
            ScopeKind::Cost => format!("costs of the center ({})", s.currency),
            ScopeKind::Site => format!("costs of site \"{}\"", scope.name),
            ScopeKind::Week => format!("workforce in {}", scope.name),
        };
        let has_theory = scope.metrics.iter().any(|m| m.theory.is_some());
        let _ = writeln!(out);
        if has_theory {
            let _ = writeln!(
                out,
                "{title:<34} {:>12} {:>15} {:>12}  in CI",
                "mean", "95% CI", "Erlang"
            );
        } else {
            let _ = writeln!(out, "{:<34} {:>12} {:>15}", title, "mean", "95% CI");
        }
        // Without retrials, the lost are the abandoned and blocked: not shown twice.
        let no_retrials = scope.metrics.iter().any(|m| m.name == "retrials" && hide_if_zero(m));
        // Journey figures only where journeys were followed.
        let no_journeys = scope.get("journeys").is_none_or(|m| m.estimate.mean == 0.0);
        // Contacts that left the self-service graph: an entry type has no queue figures of its
        // own, and a queue type no graph figures (but the transfers it made).
        let sessions: f64 = ["contained", "ivr_hangups", "routed"]
            .iter()
            .filter_map(|n| scope.get(n))
            .map(|m| m.estimate.mean)
            .sum();
        let entry = sessions > 0.0 && scope.get("answered").is_some_and(|m| m.estimate.mean == 0.0);
        let callbacks = scope.get("callbacks_offered").is_some_and(|m| m.estimate.mean > 0.0);
        let redundant = |m: &Metric| {
            let name = m.name.as_str();
            if metrics::is_callback_figure(name) && !callbacks {
                return true;
            }
            let graph_figure = metrics::is_self_service_figure(name);
            (no_retrials && matches!(name, "lost" | "p_lost"))
                || (no_journeys && metrics::JOURNEY_FIGURES.contains(&name))
                || (entry && !(graph_figure || metrics::is_journey_figure(name) || name == "offered"))
                || (sessions == 0.0 && graph_figure && (name != "transferred" || m.estimate.mean == 0.0))
        };
        let shown = |m: &&Metric| !(hide_if_zero(m) || redundant(m));
        for m in scope.metrics.iter().filter(shown) {
            let e = m.estimate;
            let flag = if e.reliable || !e.mean.is_finite() || !e.half_width.is_finite() {
                " "
            } else {
                unreliable = true;
                "!"
            };
            let ci = if m.name == "max_wait_s" {
                "(longest)".to_string()
            } else {
                format_half(&m.name, e.half_width)
            };
            let mut line = format!(
                "  {:<32} {:>12} {:>14}{flag}",
                m.name,
                format_value(&m.name, e.mean),
                ci
            );
            if let Some(t) = m.theory {
                let covered = if !e.half_width.is_finite() || !e.mean.is_finite() {
                    "—"
                } else if (e.low() <= t + 1e-12 && t - 1e-12 <= e.high())
                    || (e.half_width == 0.0 && (e.mean - t).abs() < 1e-12)
                {
                    "yes"
                } else {
                    "no"
                };
                let _ = write!(line, " {:>12}  {covered}", format_value(&m.name, t));
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
    }
    if unreliable {
        let _ = writeln!(
            out,
            "\n! the rarer outcome occurred in too few replications for this interval to be trusted; run more or longer replications"
        );
    }
    if let Some(w) = &s.workforce {
        let _ = writeln!(
            out,
            "\nworkforce: handle time, resolution, absence and quits are relative to an agent at {:.0}% occupancy on a standard week (mean fatigue {:.3}, strain {:.3}); burnout_share counts agents with strain >= {:.3}",
            100.0 * w.reference_occupancy,
            w.reference_fatigue,
            w.reference_strain,
            w.burnout_strain
        );
    }
    if let Some(m) = &s.csat_model {
        let _ = writeln!(
            out,
            "\ncsat: expected top-2-box share per journey, sigma(eta) with eta = {:.2} {:+.2}*unresolved {:+.2}*(contacts handled - 1) {:+.2}*(abandoned or blocked attempts) {:+.3}*(minutes waited beyond {}, per attempt){}{}; csat_score and nps from an ordered logit (cutpoints -2, -1, 0, 1); p_defect {:.2} / {:.2} / {:.2} if resolved first time / later / unresolved",
            m.base,
            m.unresolved,
            m.per_repeat,
            m.per_abandoned,
            m.per_wait_minute,
            Human(m.wait_grace_s),
            if m.heterogeneity > 0.0 {
                format!(", customer effect sd {:.2}", m.heterogeneity)
            } else {
                String::new()
            },
            if s.self_service {
                format!(
                    " {:+.2}*transfers {:+.2}*channel switches {:+.2}*hand-offs without context {:+.2}*1[bot failed] {:+.2}*(minutes in self-service beyond {})",
                    m.transfer,
                    m.switch,
                    m.context_loss,
                    m.bot_fail,
                    m.per_ivr_minute,
                    Human(m.ivr_grace_s)
                )
            } else {
                String::new()
            },
            m.defect_resolved_first,
            m.defect_resolved_later,
            m.defect_unresolved,
        );
    }
    render_intervals(s, &mut out);
    fit(&out)
}

/// The figures a comparison shows first: the service level at the first threshold, ASA,
/// abandonment and, where the scenario has them, CSAT and the total cost.
pub(crate) fn headline(s: &Summary) -> Vec<(ScopeKind, String, String)> {
    let scope = s
        .scopes
        .iter()
        .find(|sc| sc.kind == ScopeKind::All)
        .or_else(|| s.scopes.iter().find(|sc| sc.kind == ScopeKind::Type));
    let mut out = Vec::new();
    if let Some(scope) = scope {
        let sl = scope.metrics.iter().find(|m| m.name.starts_with("sl_offered_"));
        for name in sl
            .map(|m| m.name.as_str())
            .into_iter()
            .chain(["asa_all_s", "p_abandon", "csat"])
        {
            if scope.get(name).is_some_and(|m| m.estimate.mean.is_finite()) {
                out.push((scope.kind, scope.name.clone(), name.to_string()));
            }
        }
    }
    if let Some(cost) = s.scopes.iter().find(|sc| sc.kind == ScopeKind::Cost)
        && cost.get("total_cost").is_some()
    {
        out.push((ScopeKind::Cost, cost.name.clone(), "total_cost".into()));
    }
    out
}

/// Renders variants beside the baseline: for each headline figure, the baseline's value,
/// then each variant's value and its paired difference with the 95% half-width, `*` where
/// the interval excludes zero. Every other figure is in `comparison.csv`.
/// `heading` opens the text (what is compared, and whether paired).
pub fn render_comparison(baseline: &Summary, variants: &[crate::compare::VariantResult], heading: &str) -> String {
    let mut out = String::new();
    let figures = headline(baseline);
    let _ = writeln!(out, "\n{heading} (* : the 95% interval of the difference excludes 0)");
    let name_width = variants
        .iter()
        .map(|v| v.name.chars().count())
        .chain([8])
        .max()
        .unwrap_or(8)
        .min(40);
    for (kind, scope, metric) in &figures {
        let label = match kind {
            ScopeKind::Cost => metric.clone(),
            _ if scope == "all" => metric.clone(),
            _ => format!("{metric} ({scope})"),
        };
        let get = |s: &Summary| s.scope(*kind, scope).and_then(|sc| sc.get(metric)).map(|m| m.estimate);
        let name_width = name_width.max(label.chars().count());
        let _ = writeln!(out);
        let _ = writeln!(out, "{label:<w$} {:>12} {:>24}", "value", "difference", w = name_width);
        if let Some(b) = get(baseline) {
            let _ = writeln!(
                out,
                "{:<w$} {:>12} {:>24}",
                "baseline",
                format_value(metric, b.mean),
                format_half(metric, b.half_width),
                w = name_width
            );
        }
        for v in variants {
            let name: String = v.name.chars().take(name_width).collect();
            let value = get(&v.summary).map_or("—".into(), |e| format_value(metric, e.mean));
            let diff = match v.difference(*kind, scope, metric) {
                Some(d) if d.mean.is_finite() => format!(
                    "{}{} {}{}",
                    if d.mean >= 0.0 { "+" } else { "" },
                    format_value(metric, d.mean),
                    format_half(metric, d.half_width),
                    if d.significant() { " *" } else { "  " }
                ),
                _ => "—".into(),
            };
            let _ = writeln!(out, "{name:<name_width$} {value:>12} {diff:>24}");
        }
    }
    fit(&out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn fit_breaks_long_lines_at_spaces_and_indents_what_follows() {
        let long = format!("  {}", "word ".repeat(40));
        let fitted = super::fit(&format!("short\n{long}\nend"));
        let lines: Vec<&str> = fitted.lines().collect();
        assert_eq!(lines[0], "short");
        assert_eq!(*lines.last().unwrap(), "end");
        assert!(
            lines.iter().all(|l| l.chars().count() <= super::TERMINAL_WIDTH),
            "{fitted}"
        );
        assert!(
            lines[2].starts_with("    word"),
            "continuations are indented: {:?}",
            lines[2]
        );
        let words: usize = lines
            .iter()
            .map(|l| l.split_whitespace().filter(|w| *w == "word").count())
            .sum();
        assert_eq!(words, 40, "no word is lost");
    }
}
