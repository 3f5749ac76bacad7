//! `cxsim calibrate`: a commented baseline scenario from per-call logs, and the calibration
//! report on standard output.

use super::UsageError;
use crate::calibrate::{self, CalibrateError, Options, ServiceForm, log::Format};
use crate::time::parse_duration;
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use std::io::Write as _;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum FormatArg {
    /// The Anonymous Bank's tab-separated files.
    Bank,
    /// The generic CSV schema (docs/calibration.md).
    Generic,
    /// cxsim's contacts.csv (`cxsim run --records contacts`).
    Contacts,
}

impl FormatArg {
    pub(super) fn format(self) -> Format {
        match self {
            FormatArg::Bank => Format::Bank,
            FormatArg::Generic => Format::Generic,
            FormatArg::Contacts => Format::Contacts,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum ServiceArg {
    /// A lognormal by maximum likelihood.
    Lognormal,
    /// The observed times, written to a file beside the scenario per type.
    Empirical,
}

#[derive(Debug, Args)]
pub(super) struct CalibrateArgs {
    /// Per-call log files (the bank's TSV, the generic CSV, or cxsim's contacts.csv).
    #[arg(required = true)]
    logs: Vec<PathBuf>,
    /// Scenario file to write.
    #[arg(short = 'o', long)]
    out: PathBuf,
    /// Format of every file (default: recognised from each header).
    #[arg(long, value_enum)]
    format: Option<FormatArg>,
    /// Interval of the profile and staffing (divides a day, at least 5m).
    #[arg(long, default_value = "60m")]
    interval: String,
    /// Hours of the day calibrated, OPEN-CLOSE in whole hours (07-24); default: the hours
    /// with at least half an agent present on average.
    #[arg(long, value_name = "OPEN-CLOSE")]
    hours: Option<String>,
    /// Service-time form: a lognormal fit, or the observed times (empirical).
    #[arg(long, value_enum, default_value_t = ServiceArg::Lognormal)]
    service: ServiceArg,
    /// Gaps between an agent's calls longer than this are breaks, not after-call work.
    #[arg(long, default_value = "10m")]
    break_gap: String,
    /// An agent is present between two of its calls less than this apart.
    #[arg(long, default_value = "30m")]
    presence_gap: String,
}

/// `OPEN-CLOSE` in whole hours (`07-24`).
pub(super) fn hours(text: &str) -> Result<(u32, u32)> {
    let bad = || {
        UsageError(format!(
            "--hours: expected OPEN-CLOSE in whole hours such as 07-24, got \"{text}\""
        ))
    };
    let (a, b) = text.split_once('-').ok_or_else(bad)?;
    let a: u32 = a.trim().parse().map_err(|_| bad())?;
    let b: u32 = b.trim().parse().map_err(|_| bad())?;
    if a >= b || b > 24 {
        return Err(bad().into());
    }
    Ok((a, b))
}

/// A duration given to `--flag`.
pub(super) fn duration(text: &str, flag: &str) -> Result<f64> {
    parse_duration(text).map_err(|m| UsageError(format!("--{flag}: {m}")).into())
}

pub(super) fn calibrate(args: CalibrateArgs) -> Result<()> {
    let options = Options {
        format: args.format.map(FormatArg::format),
        interval: duration(&args.interval, "interval")?,
        hours: args.hours.as_deref().map(hours).transpose()?,
        service: match args.service {
            ServiceArg::Lognormal => ServiceForm::Lognormal,
            ServiceArg::Empirical => ServiceForm::Empirical,
        },
        break_gap: duration(&args.break_gap, "break-gap")?,
        presence_gap: duration(&args.presence_gap, "presence-gap")?,
    };
    let cal = calibrate::calibrate(&args.logs, &options).map_err(|e| match e {
        CalibrateError::Options(m) => anyhow::Error::from(UsageError(m)),
        other => anyhow::Error::from(other),
    })?;
    let stem = args
        .out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "calibrated".into());
    let written = calibrate::write::render(&cal, &stem);
    let folder = match args.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    for (name, text) in &written.samples {
        write_atomically(&folder.join(name), text)?;
    }
    write_atomically(&args.out, &written.scenario)?;
    let mut out = std::io::stdout().lock();
    out.write_all(written.report.as_bytes())?;
    writeln!(out, "\nwrote {}", args.out.display())?;
    for (name, _) in &written.samples {
        writeln!(out, "wrote {}", folder.join(name).display())?;
    }
    Ok(())
}

/// Writes `text` to `path` atomically ([`report::files::write_atomically`]).
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    crate::report::files::write_atomically(path, text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}
