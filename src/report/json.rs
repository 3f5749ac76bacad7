//! `summary.json`: the whole summary with the definitions of every figure, for programs.

use super::files::{RunInfo, VariantRun};
use crate::compare::FigureComparison;
use crate::summary::Summary;
use serde::Serialize;
use serde_json::{Value, json};
use std::path::Path;

/// Schema of `cxsim run --json`; raised when a field changes meaning or goes away.
pub const RUN_SCHEMA: &str = "cxsim.run/1";
/// Schema of `summary.json` (docs/output.md); raised when a key changes meaning or goes away.
pub const SUMMARY_SCHEMA: &str = "cxsim.summary/1";
/// Schema of `cxsim compare --json`.
pub const COMPARE_SCHEMA: &str = "cxsim.compare/1";

/// Definitions that are not of one figure; written into `summary.json` beside the figures'.
pub const GENERAL_DEFINITIONS: &[(&str, &str)] = &[
    (
        "attribution",
        "contacts count in the interval of their arrival; only contacts arriving after the warm-up count; time averages cover [warmup, horizon); an interval the warm-up cuts is flagged partial and starts at the warm-up's end",
    ),
    (
        "ci95",
        "95% confidence interval [ci95_low, ci95_high] = mean -/+ half_width; n = replications folded",
    ),
    (
        "events",
        "how many events a figure rests on: for a proportion the rarer of its two outcomes (e.g. the misses of a 99.9% service level), for a mean per contact the contacts behind it; null for counts and time averages",
    ),
    (
        "reliable",
        "false when what a figure rests on occurred in fewer than 10 replications (or in fewer than all, with fewer than 10 replications) — the rarer outcome of a proportion, the contacts and the non-zero waits behind a mean, a queue that ever formed for a time average: the interval then rests on too few independent observations to be trusted; run more or longer replications",
    ),
    (
        "theory",
        "exact Erlang B/C/A steady-state value, given only when the scenario is exactly that model and the run has a warm-up and closing = \"serve\" (otherwise its figures are transient and differ from the steady state)",
    ),
    (
        "null",
        "a figure that is undefined (no contact to measure it on), never NaN",
    ),
    (
        "csat_model",
        "journey CSAT (MODEL.md section 2): eta = base + unresolved*1[not resolved at the journey's end or at the horizon] + per_repeat*(contacts handled - 1) + per_abandoned*(abandoned or blocked attempts) + per_wait_minute*sum over attempts of max(0, wait - grace)/60 (grace wait_grace_s for voice, chat_wait_grace_s for chat; time waiting off the line for a callback weighted by callback_wait_weight) + email_per_wait_hour*sum over email attempts of max(0, wait - email_wait_grace_s)/3600 + transfer*transfers + switch*channel switches + context_loss*hand-offs without context + bot_fail*1[a bot failed] + per_ivr_minute*max(0, time in self-service - ivr_grace_s)/60; csat = E sigma(eta + u), u ~ N(0, heterogeneity^2), by the probit approximation sigma(eta / sqrt(1 + pi*heterogeneity^2/8)); csat_score = 1 + sum over cutpoints c in (-2, -1, 0, 1) of sigma(eta - c); nps = 100*(P(5) - P(<=3)); p_defect by end state",
    ),
];

/// One figure's definition in `summary.json`.
#[derive(Serialize)]
struct FigureDefinition {
    unit: &'static str,
    definition: &'static str,
    estimator: &'static str,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Definition {
    Figure(FigureDefinition),
    Text(&'static str),
}

/// Every definition, by name (`sl_offered_T` stands for each threshold T).
fn definitions() -> std::collections::BTreeMap<String, Definition> {
    let mut out: std::collections::BTreeMap<String, Definition> = GENERAL_DEFINITIONS
        .iter()
        .map(|(k, v)| (k.to_string(), Definition::Text(v)))
        .collect();
    for (name, unit, definition, estimator) in crate::metrics::definitions() {
        out.insert(
            name,
            Definition::Figure(FigureDefinition {
                unit,
                definition,
                estimator,
            }),
        );
    }
    out
}

#[derive(Serialize)]
struct Document<'a> {
    schema: &'static str,
    cxsim_version: &'a str,
    run: &'a RunInfo,
    definitions: std::collections::BTreeMap<String, Definition>,
    /// The whole summary; it reads back into a [`Summary`] exactly.
    summary: &'a Summary,
}

/// Renders `summary.json`.
pub fn render(s: &Summary, run: &RunInfo) -> serde_json::Result<String> {
    serde_json::to_string_pretty(&Document {
        schema: SUMMARY_SCHEMA,
        cxsim_version: env!("CARGO_PKG_VERSION"),
        run,
        definitions: definitions(),
        summary: s,
    })
}

/// Reads the summary back from the text of a `summary.json`: the same numbers, bit for bit
/// (undefined figures are `null` in the file and NaN again here).
pub fn read(text: &str) -> serde_json::Result<Summary> {
    #[derive(serde::Deserialize)]
    struct Back {
        summary: Summary,
    }
    Ok(serde_json::from_str::<Back>(text)?.summary)
}

/// A finite number, else `null`.
fn number(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

/// A variant's figures beside the baseline's, as the rows of `comparison.csv`: both estimates
/// with their half-widths, the paired difference, its 95% interval and whether it excludes 0.
pub fn comparison_rows(baseline: &Summary, variant: &Summary, differences: &[FigureComparison]) -> Vec<Value> {
    differences
        .iter()
        .filter_map(|f| {
            let get = |s: &Summary| {
                s.scope(f.kind, &f.scope)
                    .and_then(|sc| sc.get(&f.metric))
                    .map(|m| m.estimate)
            };
            let (b, v) = (get(baseline)?, get(variant)?);
            let d = f.difference;
            Some(json!({
                "scope_kind": f.kind.as_str(),
                "scope": f.scope,
                "metric": f.metric,
                "baseline": number(b.mean),
                "baseline_half_width": number(b.half_width),
                "value": number(v.mean),
                "value_half_width": number(v.half_width),
                "difference": number(d.mean),
                "difference_half_width": number(d.half_width),
                "n": d.n,
                "significant": d.significant(),
            }))
        })
        .collect()
}

/// What `cxsim run --json` prints: the run record, the summary (as in `summary.json`), each
/// variant's summary and comparison rows, and the results folder written (or `null`).
pub fn run_document(summary: &Summary, run: &RunInfo, variants: &[VariantRun], results: Option<&Path>) -> Value {
    json!({
        "schema": RUN_SCHEMA,
        "cxsim_version": env!("CARGO_PKG_VERSION"),
        "run": run,
        "summary": summary,
        "variants": variants.iter().map(|v| json!({
            "name": v.name,
            "description": v.description,
            "set": v.settings.iter().map(|(p, x)| (p.clone(), json!(x))).collect::<serde_json::Map<String, Value>>(),
            "summary": v.summary,
            "comparison": comparison_rows(summary, &v.summary, &v.differences),
        })).collect::<Vec<_>>(),
        "results": results.map(|p| p.display().to_string()),
    })
}

/// What `cxsim compare --json` prints: the two folders, whether the comparison is paired (and
/// why not), and the comparison rows of the second against the first.
pub fn compare_document(
    (first, second): (&Path, &Path),
    baseline: &Summary,
    compared: &Summary,
    differences: &[FigureComparison],
    paired: &Result<(), String>,
) -> Value {
    json!({
        "schema": COMPARE_SCHEMA,
        "cxsim_version": env!("CARGO_PKG_VERSION"),
        "baseline": first.display().to_string(),
        "compared": second.display().to_string(),
        "paired": paired.is_ok(),
        "unpaired_because": paired.as_ref().err(),
        "replications": [baseline.replications, compared.replications],
        "comparison": comparison_rows(baseline, compared, differences),
    })
}
