//! CSV outputs in long ("tidy") form — one figure per row — so they load directly into pandas,
//! R or a spreadsheet pivot table. Floats are written in Rust's shortest round-trip form;
//! an undefined figure (NaN) is an empty cell.

use crate::summary::Summary;
use std::io::Write;

fn num(v: f64) -> String {
    if v.is_finite() { format!("{v}") } else { String::new() }
}

fn opt(v: Option<f64>) -> String {
    v.map(num).unwrap_or_default()
}

/// `summary.csv`: whole-period figures per scope with 95% confidence intervals and, where the
/// scenario is an Erlang model, the exact theoretical value.
pub fn write_summary<W: Write>(s: &Summary, w: W) -> csv::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "scope_kind",
        "scope",
        "metric",
        "mean",
        "ci95_low",
        "ci95_high",
        "ci95_half_width",
        "n",
        "theory",
    ])?;
    for scope in &s.scopes {
        for m in &scope.metrics {
            let e = m.estimate;
            out.write_record([
                scope.kind.as_str(),
                &scope.name,
                &m.name,
                &num(e.mean),
                &num(e.low()),
                &num(e.high()),
                &num(e.half_width),
                &e.n.to_string(),
                &opt(m.theory),
            ])?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `intervals.csv`: per-interval figures per scope (contacts by arrival interval).
pub fn write_intervals<W: Write>(s: &Summary, w: W) -> csv::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record([
        "scope_kind",
        "scope",
        "interval",
        "start_s",
        "end_s",
        "metric",
        "mean",
        "ci95_half_width",
        "n",
    ])?;
    for scope in &s.scopes {
        for (frame, row) in s.intervals.iter().zip(&scope.intervals) {
            for (name, e) in scope.interval_metrics.iter().zip(row) {
                out.write_record([
                    scope.kind.as_str(),
                    &scope.name,
                    &frame.index.to_string(),
                    &num(frame.start_s),
                    &num(frame.end_s),
                    name,
                    &num(e.mean),
                    &num(e.half_width),
                    &e.n.to_string(),
                ])?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// `replications.csv`: each replication's whole-period figures, for users who want the raw
/// sample (bootstrap, their own tests).
pub fn write_replications<W: Write>(s: &Summary, w: W) -> csv::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(["replication", "scope_kind", "scope", "metric", "value"])?;
    for rec in &s.replication_records {
        let scope = &s.scopes[rec.scope];
        for (m, v) in scope.metrics.iter().zip(&rec.values) {
            out.write_record([
                &rec.replication.to_string(),
                scope.kind.as_str(),
                &scope.name,
                &m.name,
                &num(*v),
            ])?;
        }
    }
    out.flush()?;
    Ok(())
}
