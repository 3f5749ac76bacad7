//! `cxsim risk`: plan risk by second-order Monte Carlo — each replication a day with its own
//! forecast error of volume, handle time and shrinkage, against the staffing planned.

use super::days::{DayArgs, parse_share};
use super::{UsageError, print, print_warnings};
use crate::risk::{self, ErrorLaw, Forecast, Risk};
use crate::scenario;
use crate::time::{Human, parse_duration};
use anyhow::Result;
use clap::Args;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Schema of `cxsim risk --json`.
pub const RISK_SCHEMA: &str = "cxsim.risk/1";

#[derive(Debug, Args)]
pub(super) struct RiskArgs {
    /// Scenario file (TOML): the plan (its staffing) and the forecast it was made for.
    scenario: PathBuf,
    /// Forecast error of volume: every rate of a day times 1 + error; LAW:SIZE with LAW
    /// normal (SIZE its standard deviation), lognormal (its coefficient of variation, mean 1)
    /// or uniform (its half-range), e.g. lognormal:10%.
    #[arg(long, value_name = "LAW:SIZE")]
    volume: Option<String>,
    /// Forecast error of handle time (every handle time of a day times 1 + error), as --volume.
    #[arg(long, value_name = "LAW:SIZE")]
    handle_time: Option<String>,
    /// Shrinkage error: the share of the agents planned on the phones who are not there (mean
    /// 0; negative: more are), as --volume, e.g. normal:3%.
    #[arg(long, value_name = "LAW:SIZE")]
    shrinkage: Option<String>,
    /// Service-level target of a day, SHARE@THRESHOLD (default 80%@ the first threshold of
    /// the types).
    #[arg(long = "sl", value_name = "SHARE@THRESHOLD")]
    service_level: Option<String>,
    #[command(flatten)]
    days: DayArgs,
    /// Print the result as JSON on standard output (schema "cxsim.risk/1").
    #[arg(long)]
    json: bool,
}

fn law(text: &Option<String>, flag: &str) -> Result<Option<ErrorLaw>> {
    text.as_deref()
        .map(|t| ErrorLaw::parse(t).map_err(|m| UsageError(format!("--{flag}: {m}")).into()))
        .transpose()
}

pub(super) fn risk(args: RiskArgs) -> Result<()> {
    let mut sc = scenario::load(&args.scenario)?;
    print_warnings(&sc);
    let opts = args.days.apply(&mut sc)?;
    let forecast = Forecast {
        volume: law(&args.volume, "volume")?,
        handle_time: law(&args.handle_time, "handle-time")?,
        shrinkage: law(&args.shrinkage, "shrinkage")?,
    };
    if forecast == Forecast::default() {
        return Err(
            UsageError("give at least one forecast error: --volume, --handle-time or --shrinkage".into()).into(),
        );
    }
    let (threshold, target) = match &args.service_level {
        Some(s) => {
            let (share, threshold) = s
                .split_once('@')
                .ok_or_else(|| UsageError(format!("--sl: expected SHARE@THRESHOLD such as 80%@20s, got \"{s}\"")))?;
            (
                parse_duration(threshold).map_err(|m| UsageError(format!("--sl: {m}")))?,
                parse_share(share, "sl")?,
            )
        }
        None => (
            sc.contact_types
                .first()
                .and_then(|t| t.sl_thresholds.first().copied())
                .unwrap_or(20.0),
            0.8,
        ),
    };
    let with = risk::run(&sc, &forecast, threshold, opts).map_err(UsageError)?;
    let without = risk::run(&sc, &Forecast::default(), threshold, opts).map_err(UsageError)?;
    let (a, b) = (risk::summarise(&with, target), risk::summarise(&without, target));
    if args.json {
        let doc = serde_json::json!({
            "schema": RISK_SCHEMA,
            "cxsim_version": env!("CARGO_PKG_VERSION"),
            "scenario": sc.name,
            "seed": sc.seed,
            "days": sc.replications,
            "forecast": {
                "volume": args.volume,
                "handle_time": args.handle_time,
                "shrinkage": args.shrinkage,
            },
            "target": { "service_level": target, "threshold_s": threshold },
            "with_forecast_error": risk_json(&a),
            "without_forecast_error": risk_json(&b),
        });
        return print(&(serde_json::to_string_pretty(&doc)? + "\n"));
    }
    let mut out = String::new();
    let stated: Vec<String> = [
        ("volume", &args.volume),
        ("handle time", &args.handle_time),
        ("shrinkage", &args.shrinkage),
    ]
    .iter()
    .filter_map(|(name, v)| v.as_ref().map(|v| format!("{name} {v}")))
    .collect();
    let _ = writeln!(
        out,
        "Plan risk of \"{}\": {} days (seed {}), each with its own forecast error ({}), against the same days without it",
        sc.name,
        sc.replications,
        sc.seed,
        stated.join(", ")
    );
    let _ = writeln!(
        out,
        "\n{:<24} {:>38}   {:>38}",
        "", "with forecast error", "exact forecast"
    );
    let _ = writeln!(
        out,
        "{:<24} {:>12} {:>12} {:>12}   {:>12} {:>12} {:>12}",
        "", "5%", "median", "95%", "5%", "median", "95%"
    );
    let pct = |x: f64| {
        if x.is_nan() {
            "-".into()
        } else {
            format!("{:.1}%", 100.0 * x)
        }
    };
    let money = |x: f64| if x.is_nan() { "-".into() } else { format!("{x:.0}") };
    let row = |out: &mut String, name: &str, a: [f64; 3], b: [f64; 3], f: &dyn Fn(f64) -> String| {
        let _ = writeln!(
            out,
            "{name:<24} {:>12} {:>12} {:>12}   {:>12} {:>12} {:>12}",
            f(a[0]),
            f(a[1]),
            f(a[2]),
            f(b[0]),
            f(b[1]),
            f(b[2])
        );
    };
    row(
        &mut out,
        &format!("service level {}", Human(threshold)),
        a.service_level,
        b.service_level,
        &pct,
    );
    row(&mut out, "P(abandon)", a.abandon, b.abandon, &pct);
    if a.mean_cost.is_finite() {
        row(&mut out, "total cost", a.cost, b.cost, &money);
    }
    let _ = writeln!(
        out,
        "\nP(SL < {}) on a day: {} ± {} with forecast error, {} ± {} without",
        pct(target),
        pct(a.p_sl_below),
        pct(a.p_sl_below_half_width),
        pct(b.p_sl_below),
        pct(b.p_sl_below_half_width)
    );
    if a.mean_cost.is_finite() {
        let _ = writeln!(
            out,
            "cost-at-risk (95%): {} above the mean cost {} (without forecast error {} above {}); mean of the worst 5% of days {}",
            money(a.cost_at_risk),
            money(a.mean_cost),
            money(b.cost_at_risk),
            money(b.mean_cost),
            money(a.cost_tail_mean)
        );
    }
    print(&out)
}

fn risk_json(r: &Risk) -> serde_json::Value {
    let num = |x: f64| {
        if x.is_finite() {
            serde_json::json!(x)
        } else {
            serde_json::Value::Null
        }
    };
    let q = |v: [f64; 3]| serde_json::json!({ "p05": num(v[0]), "p50": num(v[1]), "p95": num(v[2]) });
    serde_json::json!({
        "days": r.days,
        "p_sl_below_target": num(r.p_sl_below),
        "p_sl_below_target_half_width": num(r.p_sl_below_half_width),
        "service_level": q(r.service_level),
        "abandon": q(r.abandon),
        "cost": q(r.cost),
        "mean_cost": num(r.mean_cost),
        "cost_at_risk_95": num(r.cost_at_risk),
        "cost_tail_mean_95": num(r.cost_tail_mean),
    })
}
