//! CSV outputs in long ("tidy") form — one figure per row — so they load directly into pandas,
//! R or a spreadsheet pivot table. Floats are written in Rust's shortest round-trip form;
//! an undefined figure (NaN) is an empty cell.
//!
//! Every estimate carries the same columns wherever it appears: `mean`, `ci95_low`,
//! `ci95_high`, `ci95_half_width`, `n` (replications), `events` (how many events the figure
//! rests on, where that is a count) and `reliable` (false where the rarer outcome was seen in
//! too few replications for the interval to be trusted).

use crate::scenario::Scenario;
use crate::stats::RepOutput;
use crate::stats::tally::Estimate;
use crate::summary::{ScopeLayout, Summary, scope_layouts};
use std::io::Write;

fn num(v: f64) -> String {
    if v.is_finite() { format!("{v}") } else { String::new() }
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

/// The columns of an estimate.
const ESTIMATE_COLUMNS: [&str; 7] = [
    "mean",
    "ci95_low",
    "ci95_high",
    "ci95_half_width",
    "n",
    "events",
    "reliable",
];

fn estimate_cells(e: &Estimate) -> [String; 7] {
    [
        num(e.mean),
        num(e.low()),
        num(e.high()),
        num(e.half_width),
        e.n.to_string(),
        e.events.map(|v| v.to_string()).unwrap_or_default(),
        e.reliable.to_string(),
    ]
}

/// `summary.csv`: whole-period figures per scope with 95% confidence intervals and, where the
/// run estimates an Erlang model's steady state, the exact theoretical value.
pub fn write_summary<W: Write>(s: &Summary, w: W) -> csv::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let mut header = vec!["scope_kind", "scope", "metric"];
    header.extend(ESTIMATE_COLUMNS);
    header.push("theory");
    out.write_record(&header)?;
    for scope in &s.scopes {
        for m in &scope.metrics {
            let mut row = vec![scope.kind.as_str().to_string(), scope.name.clone(), m.name.clone()];
            row.extend(estimate_cells(&m.estimate));
            row.push(opt(m.theory));
            out.write_record(&row)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `intervals.csv`: per-interval figures per scope (contacts by arrival interval), with the
/// same interval columns as `summary.csv`. `start_s` is where measuring began (the warm-up's
/// end for an interval it cuts, flagged `partial`).
pub fn write_intervals<W: Write>(s: &Summary, w: W) -> csv::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    let mut header = vec![
        "scope_kind",
        "scope",
        "interval",
        "start_s",
        "end_s",
        "partial",
        "metric",
    ];
    header.extend(ESTIMATE_COLUMNS);
    out.write_record(&header)?;
    for scope in &s.scopes {
        for (frame, row) in s.intervals.iter().zip(&scope.intervals) {
            for (name, e) in scope.interval_metrics.iter().zip(row) {
                let mut cells = vec![
                    scope.kind.as_str().to_string(),
                    scope.name.clone(),
                    frame.index.to_string(),
                    num(frame.start_s),
                    num(frame.end_s),
                    frame.partial.to_string(),
                    name.clone(),
                ];
                cells.extend(estimate_cells(e));
                out.write_record(&cells)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// The columns of `comparison.csv`.
pub const COMPARISON_COLUMNS: [&str; 12] = [
    "variant",
    "scope_kind",
    "scope",
    "metric",
    "baseline",
    "baseline_ci95_half_width",
    "value",
    "ci95_half_width",
    "difference",
    "difference_ci95_low",
    "difference_ci95_high",
    "significant",
];

/// One row of `comparison.csv`: a figure of a variant beside the scenario's (the baseline),
/// in the figure's own unit (shares as fractions, times in seconds, money in the scenario's
/// unit); `None` where a value is undefined (an empty cell).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct ComparisonRow {
    pub variant: String,
    pub scope_kind: String,
    pub scope: String,
    pub metric: String,
    pub baseline: Option<f64>,
    /// Half-width of the baseline's 95% interval.
    #[serde(default)]
    pub baseline_ci95_half_width: Option<f64>,
    pub value: Option<f64>,
    /// Half-width of the variant's 95% interval.
    #[serde(default)]
    pub ci95_half_width: Option<f64>,
    /// `value − baseline`, paired over the same replications.
    pub difference: Option<f64>,
    pub difference_ci95_low: Option<f64>,
    pub difference_ci95_high: Option<f64>,
    /// Whether the difference's 95% interval excludes 0.
    pub significant: Option<bool>,
}

/// The rows of `comparison.csv`: for each variant (name, summary, paired differences), every
/// figure it shares with `baseline`, in the variant's report order.
pub fn comparison_rows<'a>(
    baseline: &Summary,
    variants: impl IntoIterator<Item = (&'a str, &'a Summary, &'a [crate::compare::FigureComparison])>,
) -> Vec<ComparisonRow> {
    let defined = |x: f64| x.is_finite().then_some(x);
    let mut rows = Vec::new();
    for (name, summary, differences) in variants {
        for f in differences {
            let get = |s: &Summary| {
                s.scope(f.kind, &f.scope)
                    .and_then(|sc| sc.get(&f.metric))
                    .map(|m| m.estimate)
            };
            let (Some(b), Some(e)) = (get(baseline), get(summary)) else {
                continue;
            };
            let d = f.difference;
            rows.push(ComparisonRow {
                variant: name.to_owned(),
                scope_kind: f.kind.as_str().to_owned(),
                scope: f.scope.clone(),
                metric: f.metric.clone(),
                baseline: defined(b.mean),
                baseline_ci95_half_width: defined(b.half_width),
                value: defined(e.mean),
                ci95_half_width: defined(e.half_width),
                difference: defined(d.mean),
                difference_ci95_low: defined(d.mean - d.half_width),
                difference_ci95_high: defined(d.mean + d.half_width),
                significant: Some(d.significant()),
            });
        }
    }
    rows
}

/// `comparison.csv`: for each variant, every ratio figure it shares with the scenario (the
/// baseline): both estimates, and the paired difference `value − baseline` over the same
/// replications with its 95% interval; `significant` is true where that interval excludes 0.
pub fn write_comparison<W: Write>(
    baseline: &Summary,
    variants: &[crate::report::files::VariantRun],
    w: W,
) -> csv::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(COMPARISON_COLUMNS)?;
    let rows = comparison_rows(
        baseline,
        variants
            .iter()
            .map(|v| (v.name.as_str(), &v.summary, v.differences.as_slice())),
    );
    for r in rows {
        out.write_record([
            r.variant,
            r.scope_kind,
            r.scope,
            r.metric,
            opt(r.baseline),
            opt(r.baseline_ci95_half_width),
            opt(r.value),
            opt(r.ci95_half_width),
            opt(r.difference),
            opt(r.difference_ci95_low),
            opt(r.difference_ci95_high),
            r.significant.map_or_else(String::new, |s| s.to_string()),
        ])?;
    }
    out.flush()?;
    Ok(())
}

/// The columns of `replications.csv`.
pub const REPLICATION_COLUMNS: [&str; 7] = [
    "replication",
    "scope_kind",
    "scope",
    "metric",
    "value",
    "numerator",
    "denominator",
];

/// `replications.csv`, written one replication at a time as a sweep folds them (nothing is
/// kept in memory): each replication's whole-period ratio figures with their numerator and
/// denominator, so that any subset of replications can be re-aggregated exactly
/// (`Σ numerator / Σ denominator`), bootstrapped or tested by the user.
pub struct ReplicationsWriter<W: Write> {
    out: csv::Writer<W>,
    scopes: Vec<ScopeLayout>,
}

impl<W: Write> ReplicationsWriter<W> {
    /// Writes the header.
    pub fn new(sc: &Scenario, w: W) -> csv::Result<Self> {
        let mut out = csv::Writer::from_writer(w);
        out.write_record(REPLICATION_COLUMNS)?;
        Ok(Self {
            out,
            scopes: scope_layouts(sc),
        })
    }

    /// Writes one replication's rows.
    pub fn write(&mut self, sc: &Scenario, rep: &RepOutput) -> csv::Result<()> {
        let replication = rep.replication.to_string();
        for scope in &self.scopes {
            for (name, value, x, y) in scope.replication_figures(sc, rep) {
                self.out.write_record([
                    replication.as_str(),
                    scope.kind().as_str(),
                    scope.name(),
                    name,
                    &num(value),
                    &num(x),
                    &num(y),
                ])?;
            }
        }
        Ok(())
    }

    /// Flushes and returns the writer.
    pub fn finish(self) -> csv::Result<W> {
        self.out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }
}
