//! `cxsim validate`: each day of a call log replayed through a scenario and compared, interval
//! by interval, with what the log observed and with Erlang A.

use super::calibrate::{FormatArg, duration, hours};
use super::{UsageError, print, print_warnings};
use crate::calendar::WEEKDAYS;
use crate::report;
use crate::scenario;
use crate::validate::{self, Feed, Options, ValidateError, write};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FeedArg {
    /// Each interval's calls per type, as Poisson rates.
    Volumes,
    /// The log's calls: their arrival times and talk times.
    Calls,
}

#[derive(Debug, Args)]
pub(super) struct ValidateArgs {
    /// Scenario to validate (as `cxsim calibrate` writes it: one agent group).
    scenario: PathBuf,
    /// Per-call log files of the period to replay (the bank's TSV, the generic CSV, or
    /// cxsim's contacts.csv).
    #[arg(required = true)]
    logs: Vec<PathBuf>,
    /// Format of every log file (default: recognised from each header).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Hours of the day compared, OPEN-CLOSE in whole hours (the whole day is replayed).
    #[arg(long, value_name = "OPEN-CLOSE", default_value = "00-24")]
    hours: String,
    /// Weekdays compared: names or ranges, such as sun-thu or mon,wed (default: every day).
    #[arg(long)]
    weekdays: Option<String>,
    /// What each replayed day is fed: each interval's call volumes as Poisson rates (what
    /// Erlang A gets), or the log's calls themselves (arrival and talk times).
    #[arg(long, value_enum, default_value_t = FeedArg::Volumes)]
    feed: FeedArg,
    /// Replications of each day.
    #[arg(short = 'r', long, default_value_t = 100)]
    replications: u32,
    /// Override the scenario's master seed.
    #[arg(short = 's', long)]
    seed: Option<u64>,
    /// An agent is present between two of its calls less than this apart.
    #[arg(long, default_value = "30m")]
    presence_gap: String,
    /// Gaps between an agent's calls up to this long make the mean gap that the second
    /// Erlang A baseline adds to the talk time; longer ones are breaks.
    #[arg(long, default_value = "5m")]
    gap_cap: String,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long)]
    threads: Option<usize>,
    /// Write validation.csv, report.txt, validation.json and the plots to this folder.
    #[arg(short = 'o', long)]
    out: Option<PathBuf>,
    /// Print the scores as JSON on standard output (schema "cxsim.validate/1").
    #[arg(long)]
    json: bool,
}

/// Weekdays from `sun-thu`, `mon,wed,fri`, `saturday`: Monday first.
fn weekdays(text: &str) -> Result<[bool; 7]> {
    let bad = |part: &str| {
        UsageError(format!(
            "--weekdays: \"{part}\" is not a weekday or a range of them (valid: names such as mon or monday, ranges such as sun-thu, separated by commas)"
        ))
    };
    let day = |name: &str| {
        let name = name.trim().to_ascii_lowercase();
        WEEKDAYS.iter().position(|w| name.len() >= 3 && w.starts_with(&name))
    };
    let mut set = [false; 7];
    for part in text.split(',') {
        match part.split_once('-') {
            Some((a, b)) => {
                let (Some(a), Some(b)) = (day(a), day(b)) else {
                    return Err(bad(part).into());
                };
                let mut w = a;
                loop {
                    set[w] = true;
                    if w == b {
                        break;
                    }
                    w = (w + 1) % 7;
                }
            }
            None => set[day(part).ok_or_else(|| bad(part))?] = true,
        }
    }
    Ok(set)
}

pub(super) fn validate(args: ValidateArgs) -> Result<()> {
    let mut sc = scenario::load(&args.scenario)?;
    print_warnings(&sc);
    if let Some(seed) = args.seed {
        sc.seed = seed;
    }
    let options = Options {
        format: args.format.map(FormatArg::format),
        hours: hours(&args.hours)?,
        weekdays: match &args.weekdays {
            Some(w) => weekdays(w)?,
            None => [true; 7],
        },
        feed: match args.feed {
            FeedArg::Volumes => Feed::Volumes,
            FeedArg::Calls => Feed::Calls,
        },
        replications: args.replications,
        presence_gap: duration(&args.presence_gap, "presence-gap")?,
        gap_cap: duration(&args.gap_cap, "gap-cap")?,
        threads: args.threads.unwrap_or_else(|| Options::default().threads).max(1),
    };
    let v = validate::validate(&sc, &args.logs, &options).map_err(|e| match e {
        ValidateError::Options(m) | ValidateError::Scenario(m) => {
            anyhow::Error::from(UsageError(format!("{}: {m}", args.scenario.display())))
        }
        other => anyhow::Error::from(other),
    })?;
    let text = write::report(&v);
    let json = serde_json::to_string_pretty(&write::to_json(&v))? + "\n";
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut files = vec![
            ("validation.csv".to_owned(), write::csv(&v)),
            ("report.txt".to_owned(), text.clone()),
            ("validation.json".to_owned(), json.clone()),
        ];
        files.extend(write::plots(&v)?);
        for (name, body) in &files {
            let path = dir.join(name);
            report::files::write_atomically(&path, body.as_bytes())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    if args.json {
        return print(&json);
    }
    match &args.out {
        Some(dir) => print(&format!("{text}\nwrote {}\n", dir.display())),
        None => print(&text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weekdays_read_names_lists_and_ranges_that_wrap_the_week() {
        assert_eq!(
            weekdays("sun-thu").unwrap(),
            [true, true, true, true, false, false, true]
        );
        assert_eq!(
            weekdays("mon,Wednesday").unwrap(),
            [true, false, true, false, false, false, false]
        );
        assert_eq!(
            weekdays("fri-fri").unwrap(),
            [false, false, false, false, true, false, false]
        );
        assert!(weekdays("mo").is_err());
        assert!(weekdays("sun-xyz").is_err());
    }
}
