//! `cxsim explain`: the chain from Erlang's formula to the scenario, one assumption at a time,
//! with what each step moves the service level, ASA and abandonment (paired, with intervals).

use super::days::DayArgs;
use super::{UsageError, print, print_warnings};
use crate::explain::{self, Explanation};
use crate::scenario;
use anyhow::Result;
use clap::Args;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Schema of `cxsim explain --json`.
pub const EXPLAIN_SCHEMA: &str = "cxsim.explain/1";

#[derive(Debug, Args)]
pub(super) struct ExplainArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    #[command(flatten)]
    days: DayArgs,
    /// Print the chain as JSON on standard output (schema "cxsim.explain/1").
    #[arg(long)]
    json: bool,
}

pub(super) fn explain(args: ExplainArgs) -> Result<()> {
    let mut sc = scenario::load(&args.scenario)?;
    print_warnings(&sc);
    let opts = args.days.apply(&mut sc)?;
    let e = explain::explain(&sc, opts).map_err(UsageError)?;
    if args.json {
        return print(&(serde_json::to_string_pretty(&json(&sc, &e))? + "\n"));
    }
    print(&render(&sc, &e))
}

fn show(name: &str, x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else if name.ends_with("_s") {
        format!("{x:.1}s")
    } else {
        format!("{:.2}%", 100.0 * x)
    }
}

fn render(sc: &scenario::Scenario, e: &Explanation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "From {} to \"{}\", one assumption at a time: {} replications per step on common random numbers (seed {}); in brackets each step's paired change and its 95% interval\n",
        e.model, sc.name, e.replications, sc.seed
    );
    let _ = writeln!(
        out,
        "{:<46} {:>26} {:>26} {:>26}",
        "step", e.figures[0], e.figures[1], e.figures[2]
    );
    for s in &e.steps {
        let mut line = format!("{:<46}", s.label);
        for k in 0..3 {
            let name = &e.figures[k];
            let cell = match s.change {
                Some(c) => format!(
                    "{} ({}{}±{})",
                    show(name, s.values[k]),
                    if c[k].0 >= 0.0 { "+" } else { "" },
                    trim(name, c[k].0),
                    trim(name, c[k].1)
                ),
                None if s.half_widths[k] > 0.0 => {
                    format!("{} ±{}", show(name, s.values[k]), trim(name, s.half_widths[k]))
                }
                None => show(name, s.values[k]),
            };
            line.push_str(&format!(" {cell:>26}"));
        }
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(
        out,
        "\nThe formula pools every type and every group of people, each interval in steady state; step 1 simulates that pool over the day, so its gap to the formula is what changing rates and staffing and the queues carried between intervals do (with the scenario's self-service and channels, where it has them)."
    );
    out
}

/// A change in the figure's unit, short: points for shares, seconds for times.
fn trim(name: &str, x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else if name.ends_with("_s") {
        format!("{x:.1}s")
    } else {
        format!("{:.2}", 100.0 * x)
    }
}

fn json(sc: &scenario::Scenario, e: &Explanation) -> serde_json::Value {
    let num = |x: f64| {
        if x.is_finite() {
            serde_json::json!(x)
        } else {
            serde_json::Value::Null
        }
    };
    serde_json::json!({
        "schema": EXPLAIN_SCHEMA,
        "cxsim_version": env!("CARGO_PKG_VERSION"),
        "scenario": sc.name,
        "seed": sc.seed,
        "replications": e.replications,
        "model": e.model,
        "figures": e.figures,
        "steps": e.steps.iter().map(|s| serde_json::json!({
            "label": s.label,
            "values": s.values.iter().map(|x| num(*x)).collect::<Vec<_>>(),
            "half_widths": s.half_widths.iter().map(|x| num(*x)).collect::<Vec<_>>(),
            "change": s.change.map(|c| c.iter().map(|(m, h)| serde_json::json!({"mean": num(*m), "half_width": num(*h)})).collect::<Vec<_>>()),
        })).collect::<Vec<_>>(),
    })
}
