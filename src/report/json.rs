//! `summary.json`: the whole summary with the definitions of every figure, for programs.

use super::files::RunInfo;
use crate::summary::Summary;
use serde::Serialize;

/// How each figure is defined; written into `summary.json` so the file documents itself.
pub const DEFINITIONS: &[(&str, &str)] = &[
    (
        "attribution",
        "contacts count in the interval of their arrival; only contacts arriving after the warm-up count; time averages cover [warmup, horizon)",
    ),
    ("offered", "arrivals, blocked ones included"),
    ("answered", "contacts an agent picked up"),
    ("abandoned", "contacts that hung up while waiting"),
    ("blocked", "arrivals that found the queue at capacity"),
    ("cleared", "contacts still waiting at closing with closing = \"clear\""),
    (
        "in_system_at_end",
        "contacts still waiting or in service when the replication ended",
    ),
    ("p_abandon", "abandoned / offered"),
    ("p_blocked", "blocked / offered"),
    ("p_wait", "contacts that had to queue / (offered - blocked)"),
    (
        "sl_offered_T",
        "answered within T / offered: every abandonment and block is a miss",
    ),
    ("sl_answered_T", "answered within T / answered"),
    (
        "sl_excl_short_abandons_T",
        "answered within T / (offered - abandoned within T)",
    ),
    (
        "asa_all_s",
        "mean wait of contacts whose wait ended: answered, abandoned (time to abandon), cleared",
    ),
    ("asa_answered_s", "mean wait of answered contacts, zeros included"),
    ("mean_wait_abandoned_s", "mean time to abandon"),
    (
        "wait_pXX_s",
        "percentiles of the waits of answered contacts, pooled over replications (log-spaced histograms: bins <= 6.25% wide for the whole period, <= 25% per interval, interpolated); 95% CI by sectioning for the whole period, from the spread of per-replication percentiles per interval",
    ),
    ("max_wait_s", "longest wait of an answered contact"),
    ("aht_s", "mean handle time of answered contacts"),
    ("mean_queue", "time-average number of contacts waiting"),
    ("occupancy", "busy agent-time / on-duty agent-time"),
    ("mean_agents", "time-average number of agents on duty"),
    (
        "ci95",
        "Student-t 95% confidence interval over replications; n = replications where the figure is defined",
    ),
    (
        "theory",
        "exact Erlang B/C/A value when the scenario is exactly that model",
    ),
];

#[derive(Serialize)]
struct Document<'a> {
    cxsim_version: &'a str,
    run: &'a RunInfo,
    definitions: std::collections::BTreeMap<&'a str, &'a str>,
    summary: SummaryView<'a>,
}

/// The summary without per-replication records (those are in `replications.csv`).
#[derive(Serialize)]
struct SummaryView<'a> {
    scenario: &'a str,
    seed: u64,
    replications: u32,
    warmup_s: f64,
    horizon_s: f64,
    interval_s: f64,
    erlang_model: &'a Option<String>,
    scopes: &'a [crate::summary::ScopeSummary],
    intervals: &'a [crate::summary::IntervalFrame],
    total_arrivals: u64,
    total_events: u64,
}

/// Renders `summary.json`.
pub fn render(s: &Summary, run: &RunInfo) -> serde_json::Result<String> {
    serde_json::to_string_pretty(&Document {
        cxsim_version: env!("CARGO_PKG_VERSION"),
        run,
        definitions: DEFINITIONS.iter().copied().collect(),
        summary: SummaryView {
            scenario: &s.scenario,
            seed: s.seed,
            replications: s.replications,
            warmup_s: s.warmup_s,
            horizon_s: s.horizon_s,
            interval_s: s.interval_s,
            erlang_model: &s.erlang_model,
            scopes: &s.scopes,
            intervals: &s.intervals,
            total_arrivals: s.total_arrivals,
            total_events: s.total_events,
        },
    })
}
