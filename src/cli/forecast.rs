//! `cxsim forecast`: fit an arrival forecast (daily level × weekday × intraday profile) to a
//! file of interval counts, score it on held-back weeks, and write it as a scenario's
//! `arrivals` block.

use super::{UsageError, print};
use crate::calendar::date_string;
use crate::forecast::{self, Forecast, ForecastOptions, Score, Series};
use crate::report;
use anyhow::{Context, Result};
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

/// Schema of `cxsim forecast --json`.
pub const FORECAST_SCHEMA: &str = "cxsim.forecast/1";

#[derive(Debug, Args)]
pub(super) struct ForecastArgs {
    /// CSV of counts with columns date (YYYY-MM-DD), interval_start (HH:MM) and calls.
    counts: PathBuf,
    /// Weeks at the end of the data held back to score the forecast (0: none).
    #[arg(long, default_value_t = 4, value_name = "WEEKS")]
    holdout: u32,
    /// Estimate the daily level from the last WEEKS weeks of training only (default: all),
    /// to follow a trend.
    #[arg(long, value_name = "WEEKS", value_parser = clap::value_parser!(u32).range(1..))]
    level_weeks: Option<u32>,
    /// Write the arrivals block to this file (default: print it).
    #[arg(short = 'o', long)]
    out: Option<PathBuf>,
    /// Print the fit and its score as JSON on standard output (schema "cxsim.forecast/1").
    #[arg(long)]
    json: bool,
}

pub(super) fn forecast(args: ForecastArgs) -> Result<()> {
    let series = forecast::read_counts(&args.counts)?;
    let opts = ForecastOptions {
        holdout_weeks: args.holdout,
        level_weeks: args.level_weeks,
    };
    let f = forecast::forecast(&series, opts).map_err(|e| UsageError(format!("{}: {e}", args.counts.display())))?;
    let block = forecast::arrivals_block(&args.counts.display().to_string(), &series, &f);
    if let Some(out) = &args.out {
        report::files::write_atomically(out, block.as_bytes())
            .with_context(|| format!("cannot write {}", out.display()))?;
    }
    if args.json {
        return print(&(serde_json::to_string_pretty(&to_json(&series, &f))? + "\n"));
    }
    match &args.out {
        Some(out) => print(&format!(
            "{}\nwrote {}\n",
            block
                .lines()
                .take_while(|l| l.starts_with('#'))
                .collect::<Vec<_>>()
                .join("\n"),
            out.display()
        )),
        None => print(&block),
    }
}

fn score_json(s: &Score) -> serde_json::Value {
    json!({
        "daily_mape": s.daily_mape,
        "daily_bias": s.daily_bias,
        "wape": s.wape,
        "rmse": s.rmse,
    })
}

fn to_json(series: &Series, f: &Forecast) -> serde_json::Value {
    let fit = &f.fit;
    json!({
        "schema": FORECAST_SCHEMA,
        "data": {
            "rows": series.rows,
            "days": series.days.len(),
            "first_day": date_string(series.days[0].day),
            "last_day": date_string(series.days[series.days.len() - 1].day),
            "interval_s": series.interval,
            "first_interval": crate::calendar::clock(series.first),
            "intervals_per_day": series.slots,
            "calls": series.total(),
            "incomplete_days": f.incomplete,
            "missing_days": series.missing_days().into_iter().map(date_string).collect::<Vec<_>>(),
        },
        "fit": {
            "first_day": date_string(fit.train.0),
            "last_day": date_string(fit.train.1),
            "days": fit.train.2,
            "level_from": date_string(fit.level_from),
            "daily": fit.daily,
            "weekly": fit.weekly,
            "profile": fit.profile,
            "busyness_shape": fit.busyness,
            "day_cv": fit.day_cv,
        },
        "holdout": f.holdout.as_ref().map(|h| json!({
            "first_day": date_string(h.days.0),
            "last_day": date_string(h.days.1),
            "days": h.days.2,
            "model": score_json(&h.model),
            "poisson_rmse": h.poisson_rmse,
            "seasonal_naive": h.naive.as_ref().map(score_json),
        })),
    })
}
