//! `cxsim staff`: the cheapest staffing that meets service targets in every interval, found by
//! simulation from an Erlang start; prints each interval's Erlang figure beside the agents
//! found and writes a scenario file with the found staffing.

use super::days::{DayArgs, parse_share};
use super::{UsageError, print, print_warnings};
use crate::report;
use crate::scenario;
use crate::staffing::{self, SearchOptions, Staffing, Targets};
use crate::time::{Human, parse_duration};
use anyhow::{Context, Result};
use clap::Args;
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

/// Schema of `cxsim staff --json`; raised when a field changes meaning or goes away.
pub const STAFF_SCHEMA: &str = "cxsim.staff/1";

#[derive(Debug, Args)]
pub(super) struct StaffArgs {
    /// Scenario file (TOML) whose groups' staffing is searched.
    scenario: PathBuf,
    /// Service-level target in every interval: SHARE@THRESHOLD, the share of offered contacts
    /// answered within the threshold (80%@20s, 0.9@30s).
    #[arg(long = "sl", value_name = "SHARE@THRESHOLD")]
    service_level: Option<String>,
    /// Largest share of offered contacts that abandon in any interval (5%, 0.05).
    #[arg(long, value_name = "SHARE")]
    max_abandon: Option<String>,
    /// Chance constraint: each interval must meet the targets in at least this share of the
    /// replications (days), e.g. 90%; without it, on average.
    #[arg(long, value_name = "SHARE")]
    chance: Option<String>,
    /// Group whose staffing is searched (repeat for more; default: every group of people with
    /// an hourly cost, or every group of people).
    #[arg(long = "group", value_name = "NAME")]
    groups: Vec<String>,
    #[command(flatten)]
    days: DayArgs,
    /// Most simulations of the day the search may run.
    #[arg(long, default_value_t = 400)]
    max_evaluations: usize,
    /// Scenario file to write with the found staffing (default: <scenario>.staffed.toml in the
    /// current folder).
    #[arg(short = 'o', long)]
    out: Option<PathBuf>,
    /// Do not write a scenario file.
    #[arg(long, conflicts_with = "out")]
    no_write: bool,
    /// Print the result as JSON on standard output (schema "cxsim.staff/1").
    #[arg(long)]
    json: bool,
}

fn targets(args: &StaffArgs) -> Result<Targets> {
    let service_level = args
        .service_level
        .as_deref()
        .map(|s| -> Result<(f64, f64)> {
            let (share, threshold) = s
                .split_once('@')
                .ok_or_else(|| UsageError(format!("--sl: expected SHARE@THRESHOLD such as 80%@20s, got \"{s}\"")))?;
            let share = parse_share(share, "sl")?;
            let threshold = parse_duration(threshold).map_err(|m| UsageError(format!("--sl: {m}")))?;
            Ok((threshold, share))
        })
        .transpose()?;
    let max_abandon = args
        .max_abandon
        .as_deref()
        .map(|s| parse_share(s, "max-abandon"))
        .transpose()?;
    let chance = args.chance.as_deref().map(|s| parse_share(s, "chance")).transpose()?;
    if service_level.is_none() && max_abandon.is_none() {
        return Err(UsageError("give a target: --sl 80%@20s, --max-abandon 5%, or both".into()).into());
    }
    if chance == Some(0.0) {
        return Err(UsageError("--chance must be above 0".into()).into());
    }
    Ok(Targets {
        service_level,
        max_abandon,
        chance,
    })
}

/// The targets in words: `SL ≥ 80% within 20s, P(abandon) ≤ 5%, in 90% of days`.
fn targets_text(t: &Targets) -> String {
    let mut parts = Vec::new();
    if let Some((th, share)) = t.service_level {
        parts.push(format!("SL ≥ {:.4}% within {}", 100.0 * share, Human(th)));
    }
    if let Some(m) = t.max_abandon {
        parts.push(format!("P(abandon) ≤ {:.4}%", 100.0 * m));
    }
    let mut text = parts.join(", ");
    text = text.replace(".0000%", "%");
    match t.chance {
        Some(p) => format!("{text} in every interval, in at least {}% of days", trim(100.0 * p)),
        None => format!("{text} in every interval, on average"),
    }
}

fn trim(x: f64) -> String {
    let s = format!("{x:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `to` written relative to the folder `from` when both are on the same root, else absolute.
fn relative(to: &Path, from: &Path) -> String {
    let (Ok(to), Ok(from)) = (std::fs::canonicalize(to), std::fs::canonicalize(from)) else {
        return to.display().to_string();
    };
    let a: Vec<Component> = to.components().collect();
    let b: Vec<Component> = from.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    if common == 0 {
        return to.display().to_string();
    }
    let mut rel = PathBuf::new();
    for _ in common..b.len() {
        rel.push("..");
    }
    for c in &a[common..] {
        rel.push(c.as_os_str());
    }
    rel.to_string_lossy().replace('\\', "/")
}

pub(super) fn staff(args: StaffArgs) -> Result<()> {
    let targets = targets(&args)?;
    let mut base = scenario::load_base(&args.scenario)?;
    let sweep = args.days.apply(base.scenario_mut())?;
    print_warnings(base.scenario());
    let opts = SearchOptions {
        groups: args.groups.clone(),
        targets,
        sweep,
        max_evaluations: args.max_evaluations.max(1),
    };
    let _ = ctrlc::set_handler(|| {
        report::files::interrupted();
        std::process::exit(130);
    });
    let staffing = staffing::search(&base, &opts).map_err(|e| match e {
        staffing::StaffingError::Usage(m) => anyhow::Error::from(UsageError(m)),
        staffing::StaffingError::Scenario(s) => anyhow::Error::from(s),
        other => anyhow::Error::from(other),
    })?;
    let sc = base.scenario();
    let check_seed = sc.seed + 1;
    let check = staffing::verify(&staffing, check_seed, &targets, opts.sweep)?;

    let out = (!args.no_write).then(|| {
        args.out.clone().unwrap_or_else(|| {
            let stem = args
                .scenario
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "scenario".into());
            PathBuf::from(format!("{stem}.staffed.toml"))
        })
    });
    if let Some(path) = &out {
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let extends = relative(&args.scenario, &folder);
        let header = vec![
            format!(
                "Staffing of \"{}\" found by `cxsim staff`: {}.",
                sc.name,
                targets_text(&targets)
            ),
            format!(
                "Searched from {} with {} simulations of {} replications (seed {}); paid agent hours {:.1}, cost {:.2}{}.",
                staffing.erlang_model,
                staffing.evaluations,
                sc.replications,
                sc.seed,
                staffing.paid_hours,
                staffing.cost,
                currency(sc)
            ),
        ];
        let text = staffing::overlay_toml(&base, &staffing, &extends, &header)?;
        report::files::write_atomically(path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if args.json {
        let doc = json(sc, &staffing, &check, &targets, check_seed, out.as_deref());
        return print(&(serde_json::to_string_pretty(&doc)? + "\n"));
    }
    print(&render(sc, &staffing, &check, &targets, check_seed, out.as_deref()))
}

fn currency(sc: &scenario::Scenario) -> String {
    if sc.costs.currency.is_empty() {
        String::new()
    } else {
        format!(" {}", sc.costs.currency)
    }
}

/// The share `x` as a percentage with one decimal, `-` when undefined.
fn pct(x: f64) -> String {
    if x.is_nan() {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * x)
    }
}

fn render(
    sc: &scenario::Scenario,
    st: &Staffing,
    check: &[staffing::IntervalCheck],
    targets: &Targets,
    check_seed: u64,
    written: Option<&Path>,
) -> String {
    let mut out = String::new();
    let names: Vec<&str> = st.groups.iter().map(|g| sc.agent_groups[*g].name.as_str()).collect();
    let _ = writeln!(
        out,
        "Staffing of \"{}\" ({}): {}",
        sc.name,
        names.join(", "),
        targets_text(targets)
    );
    let _ = writeln!(
        out,
        "{} simulations of the day, {} replications each on common random numbers (seed {}), from the {} figure of each interval; checked on seed {}.\n",
        st.evaluations, sc.replications, sc.seed, st.erlang_model, check_seed
    );
    let sl_head = targets
        .service_level
        .map(|(t, _)| format!("SL {}", Human(t)))
        .unwrap_or_else(|| "SL".into());
    let mut head = format!(
        "{:<8} {:>9} {:>8} {:>7} {:>9} {:>8}",
        "interval",
        "offered/h",
        st.erlang_model.replace("Erlang ", "Erlang-"),
        "agents",
        sl_head,
        "abandon"
    );
    if targets.chance.is_some() {
        head.push_str(&format!(" {:>8}", "days met"));
    }
    head.push_str(&format!(" {:>9} {:>8}   ", "check SL", "check ab"));
    let _ = writeln!(out, "{}", head.trim_end());
    for (row, c) in st.intervals.iter().zip(check) {
        let mut line = format!(
            "{:<8} {:>9.1} {:>8} {:>7} {:>9} {:>8}",
            report::table::clock(row.start_s, sc.day_start_s) + if row.check.measured { "" } else { "~" },
            row.rate_per_hour,
            row.erlang,
            row.agents,
            pct(row.check.service_level),
            pct(row.check.abandon)
        );
        if targets.chance.is_some() {
            line.push_str(&format!(" {:>8}", pct(row.check.met_share)));
        }
        line.push_str(&format!(
            " {:>9} {:>8}{}",
            pct(c.service_level),
            pct(c.abandon),
            if !c.measured || c.met {
                ""
            } else if short_beyond_noise(c, targets, sc.replications) {
                "  short"
            } else {
                "  short, within noise"
            }
        ));
        let _ = writeln!(out, "{line}");
    }
    let erlang_total: u32 = st.intervals.iter().map(|i| i.erlang).sum();
    let found_total: u32 = st.intervals.iter().map(|i| i.agents).sum();
    let _ = writeln!(
        out,
        "\nagent-intervals on the phones: {found_total} found, {erlang_total} by {} per interval",
        st.erlang_model
    );
    let _ = write!(
        out,
        "paid agent hours: {:.1} (Erlang start {:.1})",
        st.paid_hours, st.start_hours
    );
    let _ = if st.cost > 0.0 || st.start_cost > 0.0 {
        writeln!(
            out,
            "; cost {:.2}{} (Erlang start {:.2})",
            st.cost,
            currency(sc),
            st.start_cost
        )
    } else {
        writeln!(out, "; no hourly cost in the scenario")
    };
    let measured: Vec<&staffing::IntervalCheck> = check.iter().filter(|c| c.measured).collect();
    let short = measured.iter().filter(|c| !c.met).count();
    let beyond = measured
        .iter()
        .filter(|c| !c.met && short_beyond_noise(c, targets, sc.replications))
        .count();
    let _ = writeln!(
        out,
        "check on seed {check_seed}: {} of {} intervals meet the targets; {short} short, {beyond} of them by more than 2 standard errors",
        measured.len() - short,
        measured.len()
    );
    if let Some(p) = written {
        let _ = writeln!(out, "\nstaffing written: {}", p.display());
    }
    out
}

/// Whether an interval of a check misses a target on average by more than two standard
/// errors (for a chance constraint: the share of days by more than two binomial errors).
fn short_beyond_noise(c: &staffing::IntervalCheck, t: &Targets, replications: u32) -> bool {
    if let Some(p) = t.chance {
        return c.met_share < p - 2.0 * (p * (1.0 - p) / f64::from(replications.max(1))).sqrt();
    }
    let sl = t
        .service_level
        .is_some_and(|(_, s)| c.service_level + 2.0 * c.service_level_se < s);
    let ab = t.max_abandon.is_some_and(|m| c.abandon - 2.0 * c.abandon_se > m);
    sl || ab
}

fn json(
    sc: &scenario::Scenario,
    st: &Staffing,
    check: &[staffing::IntervalCheck],
    targets: &Targets,
    check_seed: u64,
    written: Option<&Path>,
) -> serde_json::Value {
    let num = |x: f64| {
        if x.is_finite() {
            serde_json::json!(x)
        } else {
            serde_json::Value::Null
        }
    };
    let intervals: Vec<serde_json::Value> = st
        .intervals
        .iter()
        .zip(check)
        .map(|(row, c)| {
            let by_group: serde_json::Map<String, serde_json::Value> = st
                .groups
                .iter()
                .zip(&row.by_group)
                .map(|(g, n)| (sc.agent_groups[*g].name.clone(), serde_json::json!(n)))
                .collect();
            serde_json::json!({
                "index": row.index,
                "start_s": row.start_s,
                "clock": report::table::clock(row.start_s, sc.day_start_s),
                "measured": row.check.measured,
                "offered_per_hour": row.rate_per_hour,
                "erlang": row.erlang,
                "agents": row.agents,
                "agents_by_group": by_group,
                "service_level": num(row.check.service_level),
                "abandon": num(row.check.abandon),
                "days_met": row.check.met_share,
                "met": row.check.met,
                "check": {
                    "service_level": num(c.service_level),
                    "service_level_se": num(c.service_level_se),
                    "abandon": num(c.abandon),
                    "abandon_se": num(c.abandon_se),
                    "days_met": c.met_share,
                    "met": c.met,
                },
            })
        })
        .collect();
    serde_json::json!({
        "schema": STAFF_SCHEMA,
        "cxsim_version": env!("CARGO_PKG_VERSION"),
        "scenario": sc.name,
        "groups": st.groups.iter().map(|g| sc.agent_groups[*g].name.clone()).collect::<Vec<_>>(),
        "targets": {
            "service_level": targets.service_level.map(|(_, s)| s),
            "threshold_s": targets.service_level.map(|(t, _)| t),
            "max_abandon": targets.max_abandon,
            "chance": targets.chance,
        },
        "erlang_model": st.erlang_model,
        "seed": sc.seed,
        "replications": sc.replications,
        "evaluations": st.evaluations,
        "check_seed": check_seed,
        "paid_hours": st.paid_hours,
        "cost": st.cost,
        "erlang_start_paid_hours": st.start_hours,
        "erlang_start_cost": st.start_cost,
        "currency": sc.costs.currency,
        "intervals": intervals,
        "written": written.map(|p| p.display().to_string()),
    })
}
