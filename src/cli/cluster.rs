//! `cxsim plan`, `run-shard`, `merge`, `slurm` and `k8s`: a sweep split into shards that run
//! anywhere (a Slurm array, a Kubernetes Indexed Job, a loop of shells) and merge into exactly
//! the results of one machine's run.

use super::{ProgressMode, RunArgs, Stored, UsageError, print, print_warnings};
use crate::scenario::{self, Study};
use crate::shard::{self, MANIFEST_FILE, Manifest, Store, slurm};
use crate::sweep::SweepOptions;
use anyhow::{Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};

/// What every command that plans a sweep takes.
#[derive(Debug, Args)]
pub(super) struct PlanArgs {
    /// Scenario file (TOML); its variants and sweeps are run too.
    scenario: PathBuf,
    /// Shards to cut the sweep into (each run × block of replications is one task).
    #[arg(short = 'k', long)]
    shards: u32,
    /// Override the scenario's number of replications: the merge folds 0..N.
    #[arg(short = 'r', long)]
    replications: Option<u32>,
    /// Override the scenario's master seed.
    #[arg(short = 's', long, value_parser = clap::value_parser!(u64).range(..=i64::MAX as u64))]
    seed: Option<u64>,
    /// A later round: this plan's shards run replications FROM..N only (the earlier rounds'
    /// shard files, in the same folder, hold 0..FROM).
    #[arg(long, value_name = "FROM", default_value_t = 0)]
    from: u32,
    /// The sweep folder: manifest.json, shard files, scripts and results (default:
    /// sweeps/<scenario>).
    #[arg(short = 'o', long)]
    out: Option<PathBuf>,
}

impl PlanArgs {
    /// Loads the study with the overrides, writes the manifest into the sweep folder and
    /// returns (study, manifest, folder).
    fn plan(&self) -> Result<(Study, Manifest, PathBuf)> {
        let mut study = scenario::load_study(&self.scenario)?;
        for sc in shard::runs_of_mut(&mut study) {
            super::override_run(sc, self.replications, self.seed)?;
        }
        print_warnings(&study.baseline);
        let manifest =
            Manifest::plan(&study, &self.scenario, self.shards, self.from).map_err(|e| UsageError(e.to_string()))?;
        let dir = self
            .out
            .clone()
            .unwrap_or_else(|| Path::new("sweeps").join(&study.baseline.name));
        std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        manifest.write(&dir.join(MANIFEST_FILE))?;
        Ok((study, manifest, dir))
    }
}

/// The shards of `manifest` still to run in `dir`: all of them in a folder without shard
/// files, else those whose replications are missing.
fn still_to_run(dir: &Path, manifest: &Manifest) -> Result<Vec<u32>> {
    let (_, coverage) = Store::scan(dir, manifest)?;
    if coverage.files == 0 {
        return Ok((0..manifest.shards.len() as u32).collect());
    }
    if !coverage.missing.is_empty() && coverage.missing_shards.is_empty() {
        return Err(UsageError(format!("{}: {}", dir.display(), coverage.describe(&manifest.runs))).into());
    }
    Ok(coverage.missing_shards)
}

/// `cxsim plan`.
pub(super) fn plan(args: PlanArgs) -> Result<()> {
    let (_, manifest, dir) = args.plan()?;
    let path = dir.join(MANIFEST_FILE);
    print(&format!(
        "{}\nrun each shard with `cxsim run-shard {} --index I` (I = 0 to {}), then `cxsim merge {}`\n",
        describe(&manifest, &path),
        path.display(),
        manifest.shards.len() - 1,
        dir.display()
    ))
}

/// One line on a plan.
fn describe(m: &Manifest, path: &Path) -> String {
    let most = m.shards.iter().map(|s| s.replications()).max().unwrap_or(0);
    format!(
        "plan: {} — {} run(s) × replications {}..{} in {} shard(s) of at most {most} replication(s): {}",
        m.scenario,
        m.runs.len(),
        m.from,
        m.replications,
        m.shards.len(),
        path.display()
    )
}

#[derive(Debug, Args)]
pub(super) struct RunShardArgs {
    /// The sweep's manifest.json (its shard file is written beside it).
    manifest: PathBuf,
    /// The shard to run (default: SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX).
    #[arg(long)]
    index: Option<u32>,
    /// Added to the index (a sweep submitted as several arrays).
    #[arg(long, default_value_t = 0)]
    offset: u32,
    /// Task I runs the I-th shard of this list (a Kubernetes Job re-running the missing
    /// shards: its pods are numbered from 0).
    #[arg(long, value_delimiter = ',', value_name = "SHARDS")]
    pick: Vec<u32>,
    /// The scenario file, where it is not where the plan found it (e.g. inside a container);
    /// it and its inputs must be unchanged.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long)]
    threads: Option<usize>,
    /// Print nothing but errors and warnings.
    #[arg(short = 'q', long)]
    quiet: bool,
}

/// Loads the study a manifest planned, with its seed and replications, and checks that its
/// inputs are unchanged.
fn planned_study(manifest: &Manifest, manifest_path: &Path, scenario: Option<&Path>) -> Result<(Study, PathBuf)> {
    let dir = manifest_path.parent().unwrap_or(Path::new("."));
    let file = scenario.map_or_else(|| manifest.scenario_path(dir), Path::to_owned);
    let mut study = scenario::load_study(&file)?;
    manifest.apply(&mut study);
    manifest.check_study(&study, manifest_path)?;
    Ok((study, file))
}

/// `cxsim run-shard`.
pub(super) fn run_shard(args: RunShardArgs) -> Result<()> {
    let manifest = Manifest::read(&args.manifest)?;
    let mut index = shard::task_index(args.index, args.offset).map_err(|e| UsageError(e.to_string()))?;
    if !args.pick.is_empty() {
        index = *args.pick.get(index as usize).ok_or_else(|| {
            UsageError(format!(
                "task {index} has no shard in --pick, which lists {}",
                args.pick.len()
            ))
        })?;
    }
    let (study, _) = planned_study(&manifest, &args.manifest, args.scenario.as_deref())?;
    let threads = match args.threads {
        Some(0) => return Err(UsageError("--threads must be at least 1".into()).into()),
        Some(n) => n,
        None => SweepOptions::default().threads,
    };
    let dir = args.manifest.parent().unwrap_or(Path::new("."));
    let path = shard::run_shard(&study, &manifest, index, dir, SweepOptions { threads }, &|| {})?;
    if args.quiet {
        return Ok(());
    }
    print(&format!("shard {index}: {}\n", path.display()))
}

#[derive(Debug, Args)]
pub(super) struct MergeArgs {
    /// The sweep folder (manifest.json and the shard files).
    dir: PathBuf,
    /// Results folder (default: <DIR>/results).
    #[arg(short = 'o', long)]
    out: Option<PathBuf>,
    /// Merge the shards that are there when some are missing or held twice (the results are
    /// then those of the replications present in every run).
    #[arg(long)]
    partial: bool,
    /// The scenario file, where it is not where the plan found it.
    #[arg(long)]
    scenario: Option<PathBuf>,
    /// Print the results as JSON (schema "cxsim.run/1") instead of tables.
    #[arg(long)]
    json: bool,
    /// Print nothing but errors, warnings and the results path.
    #[arg(short = 'q', long)]
    quiet: bool,
    /// Also write report.html into the results folder.
    #[arg(long)]
    report: bool,
}

/// `cxsim merge`.
pub(super) fn merge(args: MergeArgs) -> Result<()> {
    let manifest_path = args.dir.join(MANIFEST_FILE);
    let manifest = Manifest::read(&manifest_path)?;
    let (store, coverage) = Store::scan(&args.dir, &manifest)?;
    if !coverage.complete() {
        let what = coverage.describe(&manifest.runs);
        if !args.partial {
            return Err(UsageError(format!(
                "{}: {} shard file(s) do not make the whole sweep:\n{what}\n(merge what is there with --partial)",
                args.dir.display(),
                coverage.files
            ))
            .into());
        }
        let _ = writeln_stderr(&format!(
            "warning: merging {} replication(s) of each run:\n{what}",
            store.jobs().len()
        ));
    }
    if store.jobs().is_empty() {
        return Err(UsageError(format!(
            "{}: no replication is in every run's shard files: nothing to merge",
            args.dir.display()
        ))
        .into());
    }
    let (_, scenario_file) = planned_study(&manifest, &manifest_path, args.scenario.as_deref())?;
    let run = RunArgs {
        scenario: scenario_file,
        threads: Some(1),
        replications: Some(manifest.replications),
        seed: Some(manifest.seed),
        out: Some(args.out.unwrap_or_else(|| args.dir.join("results"))),
        no_write: false,
        progress: ProgressMode::Never,
        quiet: args.quiet,
        precision: Vec::new(),
        max_replications: None,
        select: None,
        subject_to: Vec::new(),
        indifference: None,
        confidence: None,
        json: args.json,
        report: args.report,
        records: Vec::new(),
    };
    super::run_from(
        run,
        Some(Stored {
            manifest: &manifest,
            manifest_path: &manifest_path,
            store: &store,
        }),
    )
}

fn writeln_stderr(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    writeln!(std::io::stderr(), "{text}")
}

#[derive(Debug, Args)]
pub(super) struct SlurmArgs {
    #[command(flatten)]
    plan: PlanArgs,
    /// Submit the array and the merge job with sbatch (default: write the scripts only).
    #[arg(long)]
    submit: bool,
    /// CPUs per shard task.
    #[arg(long, default_value_t = 2)]
    cpus: u32,
    /// Most shard tasks running at once (the array's %throttle).
    #[arg(long, default_value_t = 64)]
    throttle: u32,
    /// The cluster's largest array index + 1 (default: MaxArraySize from `scontrol show
    /// config`, else 1001).
    #[arg(long)]
    array_limit: Option<u32>,
    /// Partition to submit to (default: the cluster's).
    #[arg(long)]
    partition: Option<String>,
    /// Account to charge (default: the user's).
    #[arg(long)]
    account: Option<String>,
    /// Replications the pilot runs here to size the time and memory requests.
    #[arg(long, default_value_t = 2)]
    pilot: u32,
}

/// `cxsim slurm`.
pub(super) fn slurm(args: SlurmArgs) -> Result<()> {
    let (study, manifest, dir) = args.plan.plan()?;
    let manifest_path = dir.join(MANIFEST_FILE);
    let pilot = shard::pilot::run(&study, &manifest, args.pilot)?;
    let todo = still_to_run(&dir, &manifest)?;
    let limit = match args.array_limit {
        Some(0) => return Err(UsageError("--array-limit must be at least 1".into()).into()),
        Some(n) => n,
        None => slurm::max_array_size().unwrap_or(slurm::DEFAULT_MAX_ARRAY_SIZE),
    };
    let exe = std::env::current_exe().context("cannot find the cxsim executable")?;
    let options = slurm::Options {
        cpus: args.cpus.max(1),
        throttle: args.throttle.max(1),
        array_limit: limit,
        partition: args.partition.clone(),
        account: args.account.clone(),
    };
    let job = slurm::Job::new(&manifest, &manifest_path, &exe, &pilot, &options);
    let scripts = job.write(&dir, &todo)?;
    let mut text = format!(
        "{}\n{}\nper shard task: --time={} --mem={}M\nscripts: {}\n",
        describe(&manifest, &manifest_path),
        describe_pilot(&pilot, &manifest),
        job.shard_time,
        job.shard_mem_mib,
        scripts
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    if todo.is_empty() {
        text.push_str("every shard is done: merge with the merge script or `cxsim merge`\n");
    } else {
        text.push_str(&format!("{} shard(s) to run\n", todo.len()));
    }
    if args.submit {
        let ids = job.submit(&dir, &todo)?;
        text.push_str(&format!("submitted: {}\n", ids.join(" ")));
    } else {
        text.push_str(&format!(
            "submit with: sh {}\n",
            dir.join(slurm::SUBMIT_SCRIPT).display()
        ));
    }
    print(&text)
}

#[derive(Debug, Args)]
pub(super) struct K8sArgs {
    #[command(flatten)]
    plan: PlanArgs,
    /// Container image with the cxsim executable on its PATH.
    #[arg(long, default_value = concat!("cxsim:", env!("CARGO_PKG_VERSION")))]
    image: String,
    /// The PersistentVolumeClaim that holds the sweep folder, the scenario and its inputs.
    #[arg(long, default_value = "cxsim-sweeps")]
    claim: String,
    /// Where the claim is mounted in the pods; the sweep folder and the scenario are given
    /// there relative to it.
    #[arg(long, default_value = "/data")]
    mount: PathBuf,
    /// CPUs per shard pod.
    #[arg(long, default_value_t = 2)]
    cpus: u32,
    /// Most shard pods running at once.
    #[arg(long, default_value_t = 16)]
    parallelism: u32,
    /// Replications the pilot runs here to size the resource requests.
    #[arg(long, default_value_t = 2)]
    pilot: u32,
}

/// One line on what the pilot measured, with the disk the shard files will take.
fn describe_pilot(p: &shard::pilot::Pilot, m: &Manifest) -> String {
    let total: u64 = m.shards.iter().map(|s| s.replications()).sum();
    format!(
        "pilot: {:.3} s per replication on one thread here, {} MiB at most; shard files about {:.1} MB in all",
        p.seconds_per_replication,
        p.peak_mib,
        (p.bytes_per_replication * total) as f64 / 1e6
    )
}

/// `cxsim k8s`.
pub(super) fn k8s(args: K8sArgs) -> Result<()> {
    let (study, manifest, dir) = args.plan.plan()?;
    let pilot = shard::pilot::run(&study, &manifest, args.pilot)?;
    let todo = still_to_run(&dir, &manifest)?;
    let options = shard::k8s::Options {
        image: args.image.clone(),
        claim: args.claim.clone(),
        mount: args.mount.clone(),
        cpus: args.cpus.max(1),
        parallelism: args.parallelism.max(1),
    };
    let written = shard::k8s::write(&manifest, &dir, &args.plan.scenario, &todo, &pilot, &options)?;
    print(&format!(
        "{}\n{}\nmanifests: {}\nput the sweep folder and the scenario (with its inputs) on the claim \"{}\" as the \
         manifests name them, then: kubectl apply -f {}\n",
        describe(&manifest, &dir.join(MANIFEST_FILE)),
        describe_pilot(&pilot, &manifest),
        written
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        args.claim,
        written[0].display()
    ))
}
