//! The command line: `cxsim run`, `cxsim check`, `cxsim erlang`, `cxsim compare`, `cxsim staff`, `cxsim risk`, `cxsim explain`, `cxsim calibrate`.
//!
//! Arguments are parsed by clap into raw options, then validated into what each command needs
//! (two stages, as in ripgrep). Exit codes: 0 success, 2 bad input or usage, 1 anything else.
//! A closed stdout (`cxsim … | head`) ends the program quietly with 0. An interrupt (SIGINT or
//! SIGTERM) removes the results being written and the folder's lock, and exits with 130.
//!
//! Built with the `cli` feature (on by default).
#![cfg(feature = "cli")]

mod calibrate;
mod cluster;
mod days;
mod explain;
mod forecast;
mod risk;
mod staff;
mod validate;

use crate::compare;
use crate::erlang;
use crate::precision;
use crate::report::files::Destination;
use crate::report::{self, RunInfo};
use crate::scenario::{self, Scenario, ScenarioError};
use crate::selection;
use crate::sweep::{self, SweepOptions};
use crate::time::{Human, parse_duration, parse_rate};
use anyhow::{Context, Result, anyhow};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

#[derive(Debug, Parser)]
#[command(name = "cxsim", version, about = "Contact-center discrete-event simulator", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a scenario's replications and write its results.
    Run(RunArgs),
    /// Check scenario files without running them (every file; warnings on standard error).
    Check {
        /// Scenario files (TOML).
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
    },
    /// Print exact Erlang B, C and A figures.
    Erlang(ErlangArgs),
    /// Compare two results folders: the second's figures against the first's, paired by
    /// replication when both ran the same replications of the same seed.
    Compare {
        /// The results folder compared against (the baseline).
        first: PathBuf,
        /// The results folder compared.
        second: PathBuf,
        /// Print the comparison as JSON on standard output (schema "cxsim.compare/1").
        #[arg(long)]
        json: bool,
    },
    /// Find the cheapest staffing per interval (or per shift) that meets service targets,
    /// by simulation from an Erlang C/A start; write it as a scenario file.
    Staff(staff::StaffArgs),
    /// Plan risk: each replication a day with its own forecast error of volume, handle time
    /// and shrinkage; P(SL below target), quantiles of SL, abandonment and cost, cost-at-risk.
    Risk(risk::RiskArgs),
    /// Explain the gap to Erlang: the chain of scenarios from the formula's assumptions to
    /// this one, one assumption at a time, with what each moves (paired, with intervals).
    Explain(explain::ExplainArgs),
    /// Fit an arrival forecast (daily level × weekday factors × intraday profile) to interval
    /// counts, score it on held-back weeks, and write it as a scenario's arrivals block.
    Forecast(forecast::ForecastArgs),
    /// Calibrate a baseline scenario from per-call logs: arrival profile and weekday factors,
    /// service-time and patience fits, after-call work and staffing from agents' activity.
    Calibrate(calibrate::CalibrateArgs),
    /// Replay each day of a call log through a scenario, fed the day's calls and agents, and
    /// compare every interval with the log and with Erlang A: validation.csv, scores, plots.
    Validate(validate::ValidateArgs),
    /// Plan a sweep as shards for a cluster: manifest.json lists every shard (a run × block of
    /// replications) and the hash of every input file.
    Plan(cluster::PlanArgs),
    /// Run one shard of a planned sweep (its index from --index, SLURM_ARRAY_TASK_ID or
    /// JOB_COMPLETION_INDEX) and write its result file beside the manifest, atomically.
    RunShard(cluster::RunShardArgs),
    /// Merge a sweep's shard files into the results folder one machine's run gives, bit for
    /// bit; reports missing or duplicate shards and refuses another sweep's files.
    Merge(cluster::MergeArgs),
    /// Plan a sweep and write its Slurm scripts (a throttled array sized by a pilot run here,
    /// and a merge job after it); --submit submits them. Again, it submits only what is missing.
    Slurm(cluster::SlurmArgs),
    /// Plan a sweep and write its Kubernetes Indexed Job and merge Job manifests.
    K8s(cluster::K8sArgs),
    /// Write a results folder's report: report.html (self-contained: inline plots, no
    /// fetched file) and plots/*.svg, read from summary.json, run.toml and comparison.csv.
    Report {
        /// The results folder.
        results: PathBuf,
        /// Also draw each plot as plots/NAME.png.
        #[arg(long)]
        png: bool,
    },
}

#[derive(Debug, Args)]
struct RunArgs {
    /// Scenario file (TOML).
    scenario: PathBuf,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long)]
    threads: Option<usize>,
    /// Override the scenario's number of replications.
    #[arg(short = 'r', long)]
    replications: Option<u32>,
    /// Override the scenario's master seed (0 to 9223372036854775807, as in TOML).
    #[arg(short = 's', long, value_parser = clap::value_parser!(u64).range(..=i64::MAX as u64))]
    seed: Option<u64>,
    /// Results folder for this run (default: results/<scenario>/<UTC time>).
    #[arg(short = 'o', long)]
    out: Option<PathBuf>,
    /// Do not write a results folder; print the summary only.
    #[arg(long, conflicts_with = "out")]
    no_write: bool,
    /// Progress bar on standard error: "auto" shows it when standard error is a terminal and
    /// --quiet is not given.
    #[arg(long, value_enum, default_value_t = ProgressMode::Auto)]
    progress: ProgressMode,
    /// Print nothing but errors, warnings and the results path.
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Add replications until this figure's 95% half-width is at most TARGET: absolute in the
    /// figure's unit (p_abandon=0.002, asa_all_s=2s) or, with %, relative to the estimate
    /// (csat=1%). SCOPE/ limits it to one type, group or "all"; repeat for more figures.
    #[arg(long = "precision", value_name = "[SCOPE/]FIGURE=TARGET")]
    precision: Vec<String>,
    /// With --precision or --select: the most replications to run (default 64 × the starting
    /// number, at least 1,000).
    #[arg(long, value_name = "N")]
    max_replications: Option<u32>,
    /// Select the best of the scenario and its variants on this objective, min:FIGURE or
    /// max:FIGURE ([SCOPE/] as in --precision), by a two-stage indifference-zone procedure on
    /// common random numbers; needs --indifference.
    #[arg(
        long,
        value_name = "min|max:FIGURE",
        conflicts_with = "precision",
        requires = "indifference"
    )]
    select: Option<String>,
    /// With --select: a bound the selected system must meet, [SCOPE/]FIGURE>=BOUND or
    /// FIGURE<=BOUND, optionally ~TOLERANCE (default 2% of the bound); repeat for more.
    #[arg(long = "subject-to", value_name = "CONSTRAINT", requires = "select")]
    subject_to: Vec<String>,
    /// With --select: the indifference zone, in the objective's unit: a difference smaller
    /// than this does not matter.
    #[arg(long, value_name = "DELTA", requires = "select")]
    indifference: Option<f64>,
    /// With --select: the probability of a correct selection to guarantee (default 0.95).
    #[arg(long, value_name = "P", requires = "select")]
    confidence: Option<f64>,
    /// Print the results as JSON on standard output (schema "cxsim.run/1") instead of tables.
    #[arg(long)]
    json: bool,
    /// Also write report.html (and plots/*.svg) into the results folder.
    #[arg(long, conflicts_with = "no_write")]
    report: bool,
    /// Also write per-contact and per-journey records into the results folder: contacts.csv
    /// (a row per contact attempt) and journeys.csv (a row per journey). KINDS: contacts,
    /// journeys, or all (journeys only where the scenario follows them); comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KINDS")]
    records: Vec<RecordKind>,
}

/// A record file `--records` may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RecordKind {
    /// contacts.csv: a row per contact attempt.
    Contacts,
    /// journeys.csv: a row per journey.
    Journeys,
    /// Both (journeys.csv where the scenario follows journeys).
    All,
}

/// The record files a run writes (`--records`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RecordRequest {
    contacts: bool,
    journeys: bool,
}

impl RecordRequest {
    /// The names recorded in `run.toml`.
    fn names(self) -> Vec<String> {
        [(self.contacts, "contacts"), (self.journeys, "journeys")]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, name)| name.to_owned())
            .collect()
    }
}

/// What `--records` asks of this run, checked against the other options and the scenario.
fn record_request(args: &RunArgs, study: &scenario::Study) -> Result<Option<RecordRequest>> {
    if args.records.is_empty() {
        return Ok(None);
    }
    if args.no_write {
        return Err(UsageError(
            "--records writes contacts.csv and journeys.csv into the results folder, so it cannot go with \
             --no-write (leave out one of the two)"
                .into(),
        )
        .into());
    }
    if !study.variants.is_empty() {
        return Err(UsageError(format!(
            "--records records a single scenario, and this file also has {} variant(s) from [[variants]] or \
             [[sweeps]]; remove them to record the scenario, or write a variant as a scenario of its own",
            study.variants.len()
        ))
        .into());
    }
    let sc = &study.baseline;
    let all = args.records.contains(&RecordKind::All);
    let asked_journeys = args.records.contains(&RecordKind::Journeys);
    if asked_journeys && !sc.follow_journeys {
        return Err(UsageError(format!(
            "--records journeys: scenario \"{}\" does not follow journeys (they are followed with [csat], AI \
             agents, or a type with retrials, resolution, balking, self-service, callbacks or silent \
             abandonment); ask for --records contacts",
            sc.name
        ))
        .into());
    }
    Ok(Some(RecordRequest {
        contacts: all || args.records.contains(&RecordKind::Contacts),
        journeys: asked_journeys || (all && sc.follow_journeys),
    }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ProgressMode {
    /// Only when standard error is a terminal (and not --quiet).
    Auto,
    Never,
}

#[derive(Debug, Args)]
struct ErlangArgs {
    /// Number of agents (servers).
    #[arg(long)]
    agents: u32,
    /// Arrival rate, e.g. 0.15/s, 540/h.
    #[arg(long)]
    rate: String,
    /// Mean handle time, e.g. 300s, 5m.
    #[arg(long)]
    aht: String,
    /// Mean patience for Erlang A, e.g. 300s (omit for B and C only).
    #[arg(long)]
    patience: Option<String>,
    /// Service-level threshold(s).
    #[arg(long = "threshold", default_value = "20s")]
    thresholds: Vec<String>,
}

/// Smallest and largest offered load `cxsim erlang` computes, Erlangs.
const MIN_ERLANG_LOAD: f64 = 1e-9;
const MAX_ERLANG_LOAD: f64 = 1e7;

/// A usage error found after parsing (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

/// Runs the command line `args` (including the program name) and returns the exit code.
pub fn main_with_args<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            // `--help` and `--version` print to stdout; a failed write (`> /dev/full`) is an
            // error, a reader gone away (`| head`) is not.
            return match e.print() {
                Err(io) if io.kind() != std::io::ErrorKind::BrokenPipe => {
                    let _ = writeln!(std::io::stderr(), "error: cannot write to standard output: {io}");
                    ExitCode::from(1)
                }
                _ => ExitCode::from(code),
            };
        }
    };
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<Reported>() {
            Some(r) => ExitCode::from(r.code),
            None => {
                eprintln!("error: {}", chain_text(&e));
                ExitCode::from(exit_code(&e))
            }
        },
    }
}

/// Failures already printed (by `check`, which reports every file); only the exit code is
/// left to give.
#[derive(Debug, thiserror::Error)]
#[error("{failed} file(s) failed")]
struct Reported {
    failed: usize,
    code: u8,
}

fn exit_code(e: &anyhow::Error) -> u8 {
    if is_input_error(e) { 2 } else { 1 }
}

/// An error and its causes on one line, `a: b: c`, leaving out a cause whose text the line
/// already holds (errors that print their source, as `io::Error` wrappers often do, would
/// otherwise show it twice).
fn chain_text(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn is_input_error(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.is::<ScenarioError>()
            || c.is::<crate::forecast::ForecastError>()
            || c.is::<UsageError>()
            || c.is::<crate::calibrate::CalibrateError>()
            || c.downcast_ref::<crate::shard::ShardError>().is_some_and(|v| {
                !matches!(
                    v,
                    crate::shard::ShardError::Sweep(_) | crate::shard::ShardError::Io { .. }
                )
            })
            || c.downcast_ref::<crate::validate::ValidateError>()
                .is_some_and(|v| !matches!(v, crate::validate::ValidateError::Sweep(_)))
            || c.downcast_ref::<report::files::ResultsError>()
                .is_some_and(|r| matches!(r, report::files::ResultsError::NotResults { .. }))
    })
}

fn dispatch(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Run(args) => run(args),
        Command::Check { scenarios } => check(&scenarios),
        Command::Erlang(args) => erlang_cmd(&args),
        Command::Compare { first, second, json } => compare_cmd(&first, &second, json),
        Command::Staff(args) => staff::staff(args),
        Command::Risk(args) => risk::risk(args),
        Command::Explain(args) => explain::explain(args),
        Command::Forecast(args) => forecast::forecast(args),
        Command::Calibrate(args) => calibrate::calibrate(args),
        Command::Validate(args) => validate::validate(args),
        Command::Plan(args) => cluster::plan(args),
        Command::RunShard(args) => cluster::run_shard(args),
        Command::Merge(args) => cluster::merge(args),
        Command::Slurm(args) => cluster::slurm(args),
        Command::K8s(args) => cluster::k8s(args),
        Command::Report { results, png } => {
            let path = report::html::write_report(&results, png)
                .with_context(|| format!("cannot write the report of {}", results.display()))?;
            print(&format!("report: {}\n", path.display()))
        }
    }
}

fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Prints a scenario's warnings on standard error.
fn print_warnings(sc: &Scenario) {
    let mut err = std::io::stderr().lock();
    for w in &sc.warnings {
        let _ = writeln!(err, "warning: {w}");
    }
}

/// Checks every file (one bad file does not hide the others); exit code 2 if any is invalid,
/// 1 if any failed otherwise.
fn check(files: &[PathBuf]) -> Result<()> {
    let mut failed = 0;
    let mut any_invalid = false;
    for f in files {
        match scenario::load_study(f) {
            Ok(study) => {
                let sc = &study.baseline;
                print_warnings(sc);
                for v in &study.variants {
                    print_warnings(&v.scenario);
                }
                print(&format!(
                    "{}: ok — \"{}\": {} contact type(s), {} agent group(s), {} interval(s) of {}, {} replication(s){}{}\n",
                    f.display(),
                    sc.name,
                    sc.contact_types.len(),
                    sc.agent_groups.len(),
                    sc.n_intervals,
                    Human(sc.interval),
                    sc.replications,
                    match study.variants.len() {
                        0 => String::new(),
                        n => format!(", {n} variant(s)"),
                    },
                    match sc.warnings.len() {
                        0 => String::new(),
                        n => format!(", {n} warning(s)"),
                    }
                ))?;
            }
            Err(e) => {
                let e = anyhow::Error::from(e);
                eprintln!("error: {}", chain_text(&e));
                failed += 1;
                any_invalid |= exit_code(&e) == 2;
            }
        }
    }
    if failed > 0 {
        let code = if any_invalid { 2 } else { 1 };
        return Err(Reported { failed, code }.into());
    }
    Ok(())
}

/// Applies command-line overrides to the scenario and to its recorded raw form.
fn apply_overrides(sc: &mut Scenario, args: &RunArgs) -> Result<()> {
    override_run(sc, args.replications, args.seed)
}

/// Sets a scenario's replications and seed where given (`-r`, `-s`), refusing a number of
/// replications out of range.
fn override_run(sc: &mut Scenario, replications: Option<u32>, seed: Option<u64>) -> Result<()> {
    if let Some(r) = replications {
        let max = scenario::compile::MAX_REPLICATIONS;
        if r == 0 || i64::from(r) > max {
            return Err(UsageError(format!("--replications must be between 1 and {max}, got {r}")).into());
        }
        sc.set_replications(r);
    }
    if let Some(s) = seed {
        sc.set_seed(s);
    }
    Ok(())
}

fn run(args: RunArgs) -> Result<()> {
    run_from(args, None)
}

/// A sweep's shards to fold instead of simulating: the manifest (and its path) the study must
/// match, and the shard files found.
struct Stored<'a> {
    manifest: &'a crate::shard::Manifest,
    manifest_path: &'a Path,
    store: &'a crate::shard::Store,
}

/// `cxsim run`, or with `stored` the same run folded from a sweep's shard files (`cxsim
/// merge`): the same results folder, figures and printout.
fn run_from(args: RunArgs, stored: Option<Stored<'_>>) -> Result<()> {
    let mut study = scenario::load_study(&args.scenario)?;
    apply_overrides(&mut study.baseline, &args)?;
    for v in &mut study.variants {
        apply_overrides(&mut v.scenario, &args)?;
    }
    if let Some(s) = &stored {
        s.manifest.check_study(&study, s.manifest_path)?;
        let folded = s.store.jobs().len() as u32;
        if folded != study.baseline.replications {
            for sc in crate::shard::runs_of_mut(&mut study) {
                sc.set_replications(folded);
            }
        }
    }
    print_warnings(&study.baseline);
    for v in &study.variants {
        print_warnings(&v.scenario);
    }
    let targets = args
        .precision
        .iter()
        .map(|t| precision::Target::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|m| UsageError(format!("--precision {m}")))?;
    let select = match &args.select {
        None => None,
        Some(objective) => {
            let spec = selection::Spec::parse(
                objective,
                &args.subject_to,
                args.indifference.unwrap_or(f64::NAN),
                args.confidence.unwrap_or(0.95),
            )
            .map_err(|m| UsageError(format!("--select: {m}")))?;
            if study.variants.is_empty() {
                return Err(UsageError(
                    "--select chooses among a scenario's variants; this one has none (add [[variants]] or [[sweeps]])"
                        .into(),
                )
                .into());
            }
            for sc in std::iter::once(&study.baseline).chain(study.variants.iter().map(|v| &v.scenario)) {
                selection::validate(sc, spec.figures()).map_err(|m| UsageError(format!("--select: {m}")))?;
            }
            if study.baseline.replications < 10 {
                return Err(UsageError(format!(
                    "--select needs a first stage of at least 10 replications; the scenario has {} (raise --replications)",
                    study.baseline.replications
                ))
                .into());
            }
            Some(spec)
        }
    };
    let cap = precision_cap(&study, &args, &targets, select.is_some())?;
    let records = record_request(&args, &study)?;
    let sc = &study.baseline;
    let runs = 1 + study.variants.len();
    let threads = match args.threads {
        Some(0) => return Err(UsageError("--threads must be at least 1".into()).into()),
        Some(n) => SweepOptions { threads: n }.effective_threads(sc),
        None => SweepOptions::default().effective_threads(sc),
    };
    let started = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let show_bar = args.progress == ProgressMode::Auto && !args.quiet && std::io::stderr().is_terminal();
    let bar = if show_bar {
        let bar = indicatif::ProgressBar::new(u64::from(cap.unwrap_or(sc.replications)) * runs as u64);
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "{spinner} {bar:40} {pos}/{len} replications  {elapsed_precise} (eta {eta})",
        ) {
            bar.set_style(style);
        }
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    // Refuse an unusable results folder before simulating, not after: one that may not be
    // replaced, is being written by another run, cannot be written or sits on a full disk.
    let destination = if args.no_write {
        None
    } else {
        let (dest, shown) = match &args.out {
            Some(dir) => (Destination::Folder(dir.clone()), dir.clone()),
            None => {
                let base = Path::new("results").join(&sc.name);
                (Destination::NewUnder(base.clone()), base)
            }
        };
        // An interrupt removes this run's lock and temporary folder before exiting.
        let _ = ctrlc::set_handler(|| {
            report::files::interrupted();
            std::process::exit(130);
        });
        Some(report::files::prepare(dest).with_context(|| format!("cannot write results to {}", shown.display()))?)
    };
    let clock = Instant::now();
    let opts = SweepOptions { threads };
    let dir = destination.as_ref().map(|d| d.dir());
    let (comparison, streamed, reached, selected, record_files) = simulate(
        &mut study,
        opts,
        &bar,
        dir.as_deref(),
        (&targets, select.as_ref()),
        cap,
        (records, stored.as_ref().map(|s| s.store)),
    )?;
    let names: Vec<String> = std::iter::once(scenario::variants::BASELINE.to_owned())
        .chain(study.variants.iter().map(|v| v.name.clone()))
        .collect();
    let selection_record = selected
        .as_ref()
        .zip(select.as_ref())
        .map(|(sel, spec)| report::files::SelectionRecord {
            objective: args.select.clone().unwrap_or_default(),
            constraints: args.subject_to.clone(),
            indifference: spec.indifference,
            confidence: spec.confidence,
            first_stage: sel.stage.first,
            needed: sel.stage.needed,
            replications: sel.replications,
            complete: sel.complete,
            selected: sel.chosen.map(|c| names[c].clone()),
            statement: sel.statement(spec, &names),
        });
    let elapsed = clock.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let sc = &study.baseline;
    let summary = &comparison.baseline;
    let replications_csv = streamed.first().cloned().flatten();
    let variants: Vec<report::files::VariantRun> = study
        .variants
        .iter()
        .zip(&comparison.variants)
        .enumerate()
        .map(|(k, (v, r))| report::files::VariantRun {
            name: v.name.clone(),
            slug: v.slug(),
            description: v.description.clone(),
            settings: v.settings.iter().map(|s| (s.path.clone(), s.value.clone())).collect(),
            summary: r.summary.clone(),
            differences: r.differences.clone(),
            replications_csv: streamed.get(k + 1).cloned().flatten(),
        })
        .collect();

    let info = RunInfo {
        cxsim_version: env!("CARGO_PKG_VERSION").into(),
        scenario: sc.name.clone(),
        scenario_file: std::fs::canonicalize(&args.scenario)
            .unwrap_or_else(|_| args.scenario.clone())
            .display()
            .to_string(),
        input_hash: sc.input_hash.clone(),
        seed: sc.seed,
        replications: sc.replications,
        threads,
        started_utc: report::files::rfc3339(started),
        elapsed_s: elapsed,
        replications_csv,
        records: records.map(RecordRequest::names).unwrap_or_default(),
        record_files,
        variants,
        precision: reached.as_ref().map(|o| precision_record(o, &targets)),
        selection: selection_record,
    };
    // Results first: a reader that goes away (`cxsim run … | head`) must not cost the run; and
    // if writing fails, the table is still printed before the error.
    let written = destination.as_ref().map(|d| {
        let shown = args.out.clone().unwrap_or_else(|| Path::new("results").join(&sc.name));
        let path = d
            .write(&report::files::run_id(started), summary, sc, &info)
            .with_context(|| format!("cannot write results to {}", shown.display()))?;
        if args.report {
            report::html::write_report(&path, false)
                .with_context(|| format!("cannot write the report into {}", path.display()))?;
        }
        Ok(path)
    });
    if let Some(o) = reached.as_ref().filter(|o| !o.met()) {
        let _ = writeln!(std::io::stderr(), "warning: {o}");
    }
    if args.json {
        let path = match written {
            Some(Err(e)) => return Err(e),
            Some(Ok(path)) => Some(path),
            None => None,
        };
        let doc = report::json::run_document(summary, &info, &info.variants, path.as_deref());
        return print(&(serde_json::to_string_pretty(&doc)? + "\n"));
    }
    let printed = if args.quiet {
        Ok(())
    } else {
        let mut text = report::table::render(summary, threads, elapsed);
        if !comparison.variants.is_empty() {
            text.push_str(&report::table::render_comparison(
                summary,
                &comparison.variants,
                &format!(
                    "variants against the baseline, paired over the same {} replications",
                    summary.replications
                ),
            ));
        }
        if let Some(o) = reached.as_ref().filter(|o| o.met()) {
            text.push_str(&format!("\n{o}\n"));
        }
        if let (Some(sel), Some(spec)) = (&selected, &select) {
            text.push_str(&sel.report(spec, &names));
        }
        print(&text)
    };
    match written {
        Some(Err(e)) => Err(e),
        Some(Ok(path)) => {
            printed?;
            print(&format!(
                "{}results: {}\n",
                if args.quiet { "" } else { "\n" },
                path.display()
            ))
        }
        None => printed,
    }
}

/// The most replications a run with precision targets may take (`None` without targets):
/// `--max-replications`, by default 64 times the starting number and at least 1,000. The
/// targets are checked against the scenario's and every variant's figures.
fn precision_cap(
    study: &scenario::Study,
    args: &RunArgs,
    targets: &[precision::Target],
    select: bool,
) -> Result<Option<u32>> {
    if targets.is_empty() && !select {
        if args.max_replications.is_some() {
            return Err(UsageError("--max-replications goes with --precision or --select".into()).into());
        }
        return Ok(None);
    }
    for sc in std::iter::once(&study.baseline).chain(study.variants.iter().map(|v| &v.scenario)) {
        precision::validate(sc, targets).map_err(UsageError)?;
    }
    let start = study.baseline.replications;
    let max = scenario::compile::MAX_REPLICATIONS as u32;
    let cap = args
        .max_replications
        .unwrap_or_else(|| start.saturating_mul(64).max(1000).min(max));
    if cap < start.max(2) || cap > max {
        return Err(UsageError(format!(
            "--max-replications must be between the starting replications ({}) and {max}, got {cap}",
            start.max(2)
        ))
        .into());
    }
    Ok(Some(cap))
}

fn precision_record(o: &precision::Outcome, targets: &[precision::Target]) -> report::files::PrecisionRecord {
    report::files::PrecisionRecord {
        targets: targets.iter().map(ToString::to_string).collect(),
        met: o.met(),
        replications: o.replications,
        max_replications: o.cap,
        outcome: o.to_string(),
    }
}

/// What [`simulate`] gives: the results, each run's streamed records, what the precision
/// targets came to, the selection, and the record files streamed (`--records`) as (name in
/// the results folder, where it was streamed).
type Simulated = (
    compare::Comparison,
    Vec<Option<PathBuf>>,
    Option<precision::Outcome>,
    Option<selection::Selection>,
    Vec<(String, PathBuf)>,
);

/// Runs the scenario and its variants, streaming each run's `replications.csv` under `dir`.
/// With precision targets (and `cap`): a plain run adds replications at doubling stops until
/// every target is met; a run with variants is repeated whole at 2, 4, … times the
/// replications (so that every run keeps the same replications, paired) until the targets
/// hold for the scenario and every variant. The scenarios' replications are set to those
/// run. Returns the results, each run's streamed records, and what the targets came to.
/// `records` (a scenario without variants, written under `dir`) streams the record files too;
/// `stored` (a sweep's shard files) gives the replications instead of simulating them.
fn simulate(
    study: &mut scenario::Study,
    opts: SweepOptions,
    bar: &indicatif::ProgressBar,
    dir: Option<&Path>,
    (targets, select): (&[precision::Target], Option<&selection::Spec>),
    cap: Option<u32>,
    (records, stored): (Option<RecordRequest>, Option<&crate::shard::Store>),
) -> Result<Simulated> {
    // Shards read back are folded by the plan of their replications, run by run.
    let fold_stored = |store: &crate::shard::Store, run: usize, sc: &Scenario, sink: &mut (dyn sweep::Sink + Send)| {
        sweep::fold(sc, &sweep::Plan::of(store.jobs().to_vec()), store.outputs(run), sink)
    };
    let make_sinks = |study: &scenario::Study| -> Result<Vec<ReplicationsSink>> {
        let mut sinks = Vec::new();
        if let Some(dir) = dir {
            sinks.push(ReplicationsSink::create(dir, &study.baseline, 0)?);
            for (k, v) in study.variants.iter().enumerate() {
                sinks.push(ReplicationsSink::create(dir, &v.scenario, k + 1)?);
            }
        }
        Ok(sinks)
    };
    let finish = |sinks: Vec<ReplicationsSink>, ok: bool| -> Result<Vec<Option<PathBuf>>> {
        let mut streamed = Vec::new();
        for sink in sinks {
            if ok {
                streamed.push(Some(sink.finish()?));
            } else {
                sink.discard();
            }
        }
        Ok(streamed)
    };
    let start = study.baseline.replications;
    let set_replications = |study: &mut scenario::Study, n: u32| {
        for sc in crate::shard::runs_of_mut(study) {
            sc.set_replications(n);
        }
    };
    if study.variants.is_empty() {
        let mut sinks = make_sinks(study)?;
        let mut recorder = match (records, dir) {
            (Some(request), Some(dir)) => Some(RecordsStream::create(dir, request)?),
            _ => None,
        };
        let sc = &study.baseline;
        let mut none = sweep::NoSink;
        let next: &mut (dyn sweep::Sink + Send) = match sinks.first_mut() {
            Some(s) => s,
            None => &mut none,
        };
        let mut run_sweep =
            |sc: &Scenario, plan: &sweep::Plan, sink: &mut (dyn sweep::Sink + Send)| match (&mut recorder, stored) {
                (None, Some(store)) => fold_stored(store, 0, sc, sink),
                (None, None) => sweep::run_built_in(sc, plan, opts, &|| bar.inc(1), sink),
                (Some(r), _) => sweep::run_built_in_recording(sc, plan, opts, &|| bar.inc(1), sink, &mut r.recording),
            };
        let (outcome, reached) = match cap {
            None => (run_sweep(sc, &sweep::Plan::all(sc), next), None),
            Some(cap) => {
                let mut capped = sc.clone();
                capped.replications = cap;
                let plan = sweep::Plan::all(&capped).with_stops(precision::stops(start, cap));
                let mut sink = precision::PrecisionSink::new(targets, precision::stops(start, cap), cap, next);
                let outcome = run_sweep(&capped, &plan, &mut sink);
                (outcome, sink.outcome)
            }
        };
        let record_files = match recorder {
            Some(r) if outcome.is_ok() => r.finish()?,
            Some(r) => {
                r.discard();
                Vec::new()
            }
            None => Vec::new(),
        };
        let streamed = finish(sinks, outcome.is_ok())?;
        let summary = outcome?;
        if reached.is_some() {
            set_replications(study, summary.replications);
        }
        let comparison = compare::Comparison {
            baseline: summary,
            variants: Vec::new(),
        };
        return Ok((comparison, streamed, reached, None, record_files));
    }
    if let Some(spec) = select {
        // Two stages: the scenario's replications, then all that the procedure needs (the
        // first ones again, on the same streams) up to the cap.
        let cap = cap.unwrap_or(u32::MAX);
        let mut first_stage: Option<selection::Stage> = None;
        loop {
            let mut sinks = make_sinks(study)?;
            let runs = 1 + study.variants.len();
            let mut nones = vec![sweep::NoSink; runs.saturating_sub(sinks.len())];
            let nexts = sinks
                .iter_mut()
                .map(|s| s as &mut (dyn sweep::Sink + Send))
                .chain(nones.iter_mut().map(|s| s as &mut (dyn sweep::Sink + Send)));
            let systems = std::iter::once(&study.baseline).chain(study.variants.iter().map(|v| &v.scenario));
            let mut recorders: Vec<selection::Recorder<'_>> = systems
                .zip(nexts)
                .map(|(sc, next)| selection::Recorder::new(sc, spec, next))
                .collect();
            let mut refs: Vec<&mut (dyn sweep::Sink + Send)> = recorders
                .iter_mut()
                .map(|r| r as &mut (dyn sweep::Sink + Send))
                .collect();
            let outcome = compare::run_study(study, opts, &|| bar.inc(1), &mut refs);
            drop(refs);
            let values: Vec<Vec<Vec<f64>>> = recorders.into_iter().map(|r| r.values).collect();
            let comparison = match outcome {
                Ok(c) => c,
                Err(e) => {
                    finish(sinks, false)?;
                    return Err(e.into());
                }
            };
            let stage = match first_stage.take() {
                Some(stage) => stage,
                None => {
                    let stage = selection::stage(spec, &values);
                    let n = stage.needed.min(cap);
                    if n > study.baseline.replications {
                        finish(sinks, false)?;
                        set_replications(study, n);
                        first_stage = Some(stage);
                        continue;
                    }
                    stage
                }
            };
            let chosen = selection::decide(spec, stage, &values);
            let streamed = finish(sinks, true)?;
            return Ok((comparison, streamed, None, Some(chosen), Vec::new()));
        }
    }
    let mut n = start;
    loop {
        let mut sinks = make_sinks(study)?;
        let mut refs: Vec<&mut (dyn sweep::Sink + Send)> =
            sinks.iter_mut().map(|s| s as &mut (dyn sweep::Sink + Send)).collect();
        let outcome = match stored {
            Some(store) => {
                compare::run_study_with(study, &mut refs, &mut |run, sc, sink| fold_stored(store, run, sc, sink))
            }
            None => compare::run_study(study, opts, &|| bar.inc(1), &mut refs),
        };
        let done = match (&outcome, cap) {
            (Ok(c), Some(cap)) => {
                let miss = std::iter::once(&c.baseline)
                    .chain(c.variants.iter().map(|v| &v.summary))
                    .find_map(|s| precision::check(s, targets));
                let reached = precision::Outcome {
                    replications: n,
                    cap,
                    miss,
                };
                (reached.met() || n >= cap).then_some(Some(reached))
            }
            _ => Some(None),
        };
        match done {
            Some(reached) => {
                let streamed = finish(sinks, outcome.is_ok())?;
                return Ok((outcome?, streamed, reached, None, Vec::new()));
            }
            None => {
                finish(sinks, false)?;
                n = n.max(1).saturating_mul(2).min(cap.unwrap_or(n));
                set_replications(study, n);
            }
        }
    }
}

/// A record file streamed beside the results folder.
type RecordFile = std::io::BufWriter<std::fs::File>;

/// Streams `contacts.csv` and `journeys.csv` to hidden files beside the results folder while
/// a sweep folds replications (part files wait in a spool folder there too).
struct RecordsStream {
    recording: sweep::Recording<RecordFile, RecordFile>,
    /// (name in the results folder, where it is streamed), contacts first.
    paths: Vec<(String, PathBuf)>,
}

impl RecordsStream {
    fn create(parent: &Path, request: RecordRequest) -> Result<Self> {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        let mut paths = Vec::new();
        let mut open = |on: bool, name: &str| -> Result<Option<RecordFile>> {
            if !on {
                return Ok(None);
            }
            let path = parent.join(report::files::records_stream_name(std::process::id(), name));
            let file = report::files::create_temporary_file(&path)
                .with_context(|| format!("cannot write results under {}", parent.display()))?;
            paths.push((name.to_owned(), path));
            Ok(Some(std::io::BufWriter::with_capacity(1 << 16, file)))
        };
        let contacts = open(request.contacts, "contacts.csv");
        let journeys = open(request.journeys, "journeys.csv");
        let created = contacts.and_then(|c| Ok((c, journeys?))).and_then(|(c, j)| {
            sweep::Recording::new(c, j, parent)
                .with_context(|| format!("cannot write records under {}", parent.display()))
        });
        match created {
            Ok(recording) => {
                report::files::register_temporary_dir(recording.spool_dir());
                Ok(Self { recording, paths })
            }
            Err(e) => {
                for (_, p) in &paths {
                    let _ = std::fs::remove_file(p);
                }
                Err(e)
            }
        }
    }

    /// Flushes and syncs the files and returns them as (name, path).
    fn finish(self) -> Result<Vec<(String, PathBuf)>> {
        let (contacts, journeys) = self.recording.finish().context("cannot write records")?;
        for w in contacts.into_iter().chain(journeys) {
            let file = w
                .into_inner()
                .map_err(|e| e.into_error())
                .context("cannot write records")?;
            file.sync_all().context("cannot write records")?;
        }
        Ok(self.paths)
    }

    fn discard(self) {
        drop(self.recording);
        for (_, p) in &self.paths {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Streams `replications.csv` to a hidden file while a sweep folds replications.
struct ReplicationsSink {
    path: PathBuf,
    writer: report::csv::ReplicationsWriter<std::io::BufWriter<std::fs::File>>,
}

impl ReplicationsSink {
    /// The stream of run `run` of a study (0 the scenario itself, `1 + k` its variant k).
    fn create(parent: &Path, sc: &Scenario, run: usize) -> Result<Self> {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        let path = parent.join(report::files::stream_name(std::process::id(), run));
        let file = report::files::create_temporary_file(&path)
            .with_context(|| format!("cannot write results under {}", parent.display()))?;
        let writer = report::csv::ReplicationsWriter::new(sc, std::io::BufWriter::new(file))
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(Self { path, writer })
    }

    /// Flushes the file and returns its path.
    fn finish(self) -> Result<PathBuf> {
        let path = self.path;
        let file = self
            .writer
            .finish()
            .and_then(|w| w.into_inner().map_err(|e| csv::Error::from(e.into_error())))
            .with_context(|| format!("cannot write {}", path.display()))?;
        file.sync_all()
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(path)
    }

    fn discard(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl sweep::Sink for ReplicationsSink {
    fn on_output(
        &mut self,
        sc: &Scenario,
        out: &crate::stats::RepOutput,
    ) -> std::result::Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Ok(self.writer.write(sc, out)?)
    }
}

/// Reads what a comparison needs from a results folder.
fn read_results(dir: &Path) -> Result<compare::RunFiles> {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).with_context(|| {
            format!(
                "{} is not a cxsim results folder: cannot read its {name}",
                dir.display()
            )
        })
    };
    let bad = |name: &str, e: &dyn std::fmt::Display| UsageError(format!("{}: {e}", dir.join(name).display()));
    let summary = report::json::read(&read("summary.json")?).map_err(|e| bad("summary.json", &e))?;
    let record: toml::Table = read("run.toml")?.parse().map_err(|e| bad("run.toml", &e))?;
    let run = record.get("run").and_then(toml::Value::as_table);
    let version = run
        .and_then(|r| r.get("cxsim_version"))
        .and_then(toml::Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let seed = run
        .and_then(|r| r.get("seed"))
        .and_then(toml::Value::as_integer)
        .unwrap_or(-1) as u64;
    let mut figures = Vec::new();
    let text = read("replications.csv")?;
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    for row in rows.records() {
        let row = row.map_err(|e| bad("replications.csv", &e))?;
        let num = |i: usize| row.get(i).and_then(|v| v.parse::<f64>().ok());
        let (Some(rep), Some(x), Some(y)) = (row.get(0).and_then(|v| v.parse::<u32>().ok()), num(5), num(6)) else {
            return Err(bad(
                "replications.csv",
                &format!(
                    "row {:?} is not replication,scope_kind,scope,metric,value,numerator,denominator",
                    row
                ),
            )
            .into());
        };
        let field = |i: usize| row.get(i).unwrap_or_default().to_owned();
        figures.push(((rep, field(1), field(2), field(3)), (x, y)));
    }
    Ok(compare::RunFiles {
        summary,
        seed,
        version,
        figures,
    })
}

fn compare_cmd(first: &Path, second: &Path, json: bool) -> Result<()> {
    let (a, b) = (read_results(first)?, read_results(second)?);
    let apart = compare::compare_apart(&a, &b, &second.display().to_string());
    if json {
        let doc = report::json::compare_document(
            (first, second),
            &a.summary,
            &apart.result.summary,
            &apart.result.differences,
            &apart.paired,
        );
        return print(&(serde_json::to_string_pretty(&doc)? + "\n"));
    }
    let heading = format!(
        "{} against {} (the baseline), {}",
        second.display(),
        first.display(),
        match &apart.paired {
            Ok(()) => format!(
                "paired by replication: the same seed {} and the same {} replications",
                a.seed, a.summary.replications
            ),
            Err(why) => format!("unpaired, as {why}: each difference's interval combines the two runs' own"),
        }
    );
    print(&report::table::render_comparison(
        &a.summary,
        std::slice::from_ref(&apart.result),
        &heading,
    ))
}

fn erlang_cmd(args: &ErlangArgs) -> Result<()> {
    let usage = |flag: &str, m: String| anyhow!(UsageError(format!("--{flag}: {m}")));
    let rate = parse_rate(&args.rate).map_err(|m| usage("rate", m))?;
    let aht = parse_duration(&args.aht).map_err(|m| usage("aht", m))?;
    let patience = args
        .patience
        .as_deref()
        .map(parse_duration)
        .transpose()
        .map_err(|m| usage("patience", m))?;
    let thresholds = args
        .thresholds
        .iter()
        .map(|t| parse_duration(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|m| usage("threshold", m))?;
    if args.agents == 0 {
        return Err(usage("agents", "must be at least 1".into()));
    }
    if rate <= 0.0 {
        return Err(usage("rate", "must be greater than zero".into()));
    }
    if aht <= 0.0 {
        return Err(usage("aht", "must be longer than zero".into()));
    }
    if patience.is_some_and(|p| p <= 0.0) {
        return Err(usage("patience", "must be longer than zero".into()));
    }
    let max_agents = scenario::compile::MAX_HEADCOUNT as u32;
    if args.agents > max_agents {
        return Err(usage(
            "agents",
            format!("{} agents; at most {max_agents} are computed", args.agents),
        ));
    }
    let n = args.agents;
    let a = rate * aht;
    if !(a.is_finite() && (MIN_ERLANG_LOAD..=MAX_ERLANG_LOAD).contains(&a)) {
        return Err(usage(
            "rate",
            format!(
                "the offered load (rate × aht) is {a:.3e} Erlangs; the formulas are computed for {MIN_ERLANG_LOAD:e} to {MAX_ERLANG_LOAD:e} Erlangs (check the units: \"540/h\", \"5m\")"
            ),
        ));
    }
    let c = erlang::erlang_c(n, rate, aht);
    let e = patience.map(|p| erlang::erlang_a(n, rate, aht, p));
    let mut figures = vec![erlang::erlang_b(n, a)];
    if let Some(c) = &c {
        figures.extend([c.p_wait, c.asa, c.mean_queue, c.occupancy]);
        figures.extend(thresholds.iter().map(|t| c.service_level(*t)));
    }
    if let Some(e) = &e {
        figures.extend([
            e.p_wait,
            e.p_abandon,
            e.asa_all,
            e.asa_served,
            e.mean_wait_abandoned,
            e.mean_queue,
            e.occupancy,
        ]);
        for t in &thresholds {
            figures.extend([e.sl_offered(*t), e.sl_answered(*t), e.sl_excl_short_abandons(*t)]);
        }
    }
    if figures.iter().any(|v| !v.is_finite()) {
        return Err(anyhow!(UsageError(format!(
            "the Erlang formulas give no finite figure for {n} agents, offered load {a:e} Erlangs{}; use values of everyday size",
            patience.map_or(String::new(), |p| format!(", mean patience {}", Human(p)))
        ),)));
    }
    let mut out = String::new();
    use std::fmt::Write as _;
    let pct = |v: f64| format!("{:.4}%", 100.0 * v);
    let _ = writeln!(
        out,
        "{n} agents, arrival rate {rate}/s ({:.2}/h), mean handle time {}: offered load {a:.4} Erlangs, rho = {:.4}",
        rate * 3600.0,
        Human(aht),
        a / f64::from(n)
    );
    let _ = writeln!(
        out,
        "\nErlang B (M/M/{n}/{n}, no waiting room)\n  blocking                      {}",
        pct(erlang::erlang_b(n, a))
    );
    match c {
        None => {
            let _ = writeln!(
                out,
                "\nErlang C (M/M/{n}, no abandonment)\n  unstable: the offered load is at least the number of agents; the queue grows without bound"
            );
        }
        Some(c) => {
            let _ = writeln!(out, "\nErlang C (M/M/{n}, no abandonment)");
            let _ = writeln!(out, "  P(wait > 0)                   {}", pct(c.p_wait));
            let _ = writeln!(out, "  ASA                           {:.3}s", c.asa);
            for t in &thresholds {
                let _ = writeln!(
                    out,
                    "  service level {:<15} {}",
                    format!("{}", Human(*t)),
                    pct(c.service_level(*t))
                );
            }
            let _ = writeln!(out, "  mean queue                    {:.4}", c.mean_queue);
            let _ = writeln!(out, "  occupancy                     {}", pct(c.occupancy));
        }
    }
    if let (Some(p), Some(e)) = (patience, e) {
        let _ = writeln!(out, "\nErlang A (M/M/{n}+M, mean patience {})", Human(p));
        let _ = writeln!(out, "  P(wait > 0)                   {}", pct(e.p_wait));
        let _ = writeln!(out, "  P(abandon)                    {}", pct(e.p_abandon));
        let _ = writeln!(out, "  ASA, all contacts             {:.3}s", e.asa_all);
        let _ = writeln!(out, "  ASA, answered                 {:.3}s", e.asa_served);
        let _ = writeln!(out, "  mean time to abandon          {:.3}s", e.mean_wait_abandoned);
        for t in &thresholds {
            let _ = writeln!(
                out,
                "  SL {:<6} offered            {}",
                Human(*t).to_string(),
                pct(e.sl_offered(*t))
            );
            let _ = writeln!(
                out,
                "  SL {:<6} answered           {}",
                Human(*t).to_string(),
                pct(e.sl_answered(*t))
            );
            let _ = writeln!(
                out,
                "  SL {:<6} excl. short aband. {}",
                Human(*t).to_string(),
                pct(e.sl_excl_short_abandons(*t))
            );
        }
        let _ = writeln!(out, "  mean queue                    {:.4}", e.mean_queue);
        let _ = writeln!(out, "  occupancy                     {}", pct(e.occupancy));
    }
    print(&out)
}
