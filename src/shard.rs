//! Sweeps split into shards for a cluster: a plan (a manifest of work units), one result
//! file per shard holding each replication's raw statistics, and a merge that folds them into
//! exactly the results one machine's run gives, bit for bit.
//!
//! A replication's random streams derive only from the master seed and its index, so a unit
//! of work is a run of the study (the scenario or one of its variants) and a block of
//! replication indices: it gives the same outputs on any machine, any number of times. A shard
//! file keeps those outputs whole ([`RepOutput`]: counts, sums, time integrals and histograms,
//! never a ratio), and the merge folds them in replication order through the same fold as
//! `cxsim run` — so the merged figures are not merely close to a one-machine run's, they are
//! its figures. Files from another scenario, other inputs, another seed or another version of
//! cxsim are refused by the study's identity ([`identity`]).
//!
//! Precision in rounds: a plan for replications `0..R` and a later one for `R..2R` (`from`)
//! write shard files of the same identity into one folder, and the merge of the later plan
//! folds all `0..2R`.

pub mod file;
pub mod k8s;
pub mod merge;
pub mod pilot;
pub mod slurm;

use crate::scenario::{InputFile, Scenario, Study};
use crate::sweep::{self, Plan, Sink, SweepOptions};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub use file::{ShardHeader, read_header, write_shard};
pub use merge::{Coverage, Store};

/// Schema of `manifest.json`.
pub const MANIFEST_SCHEMA: &str = "cxsim.manifest/1";
/// The manifest's file name in a sweep folder.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The extension of shard result files.
pub const SHARD_EXTENSION: &str = "cxshard";

/// Why a plan, a shard or a merge could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ShardError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{0}")]
    Plan(String),
    #[error(transparent)]
    Sweep(#[from] crate::sweep::SweepError),
}

impl ShardError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn invalid(path: &Path, message: impl Into<String>) -> Self {
        Self::Invalid {
            path: path.to_owned(),
            message: message.into(),
        }
    }
}

/// A block of one run's replications: `first..first + count` of run `run` (0 the scenario,
/// `1 + k` its variant k).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Unit {
    pub run: u32,
    pub first: u32,
    pub count: u32,
}

impl Unit {
    /// One past the last replication.
    pub fn end(&self) -> u32 {
        self.first + self.count
    }
}

/// One shard: the units one task runs, in order (a shard straddles at most a run boundary or
/// a few, when there are more runs than shards).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub units: Vec<Unit>,
}

impl Shard {
    /// Its result file's name: `shard-RUN-FIRST-END.cxshard` of its first unit, so that a
    /// later round's shards never take an earlier round's names.
    pub fn file_name(&self) -> String {
        let u = self.units.first().copied().unwrap_or(Unit {
            run: 0,
            first: 0,
            count: 0,
        });
        format!("shard-{:03}-{:09}-{:09}.{SHARD_EXTENSION}", u.run, u.first, u.end())
    }

    /// Replications it runs, over all its units.
    pub fn replications(&self) -> u64 {
        self.units.iter().map(|u| u64::from(u.count)).sum()
    }
}

/// An input file as a plan records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Input {
    pub role: String,
    pub path: PathBuf,
    pub sha256: String,
}

impl From<&InputFile> for Input {
    fn from(f: &InputFile) -> Self {
        Self {
            role: f.role.clone(),
            path: f.path.clone(),
            sha256: f.sha256.clone(),
        }
    }
}

/// `manifest.json`: what a sweep runs, unit by unit, and on what inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub schema: String,
    pub cxsim_version: String,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario file, absolute where it could be resolved.
    pub scenario_file: PathBuf,
    /// The study's identity: see [`identity`].
    pub identity: String,
    /// Every file the scenario and its variants read, with its SHA-256.
    pub inputs: Vec<Input>,
    pub seed: u64,
    /// The merge folds replications `0..replications` of every run.
    pub replications: u32,
    /// This plan's shards run replications `from..replications` (0 unless a later round).
    pub from: u32,
    /// The runs: `baseline`, then each variant's name.
    pub runs: Vec<String>,
    pub shards: Vec<Shard>,
}

/// The identity of a study's replications: SHA-256 over cxsim's version, the seed and the
/// SHA-256 of every input file (of the scenario and its variants, in order). Two plans of the
/// same identity produce the same output for the same (run, replication), whatever their
/// numbers of replications or shards, and wherever the files lie.
pub fn identity(study: &Study) -> String {
    let mut h = Sha256::new();
    h.update(b"cxsim ");
    h.update(env!("CARGO_PKG_VERSION").as_bytes());
    h.update(b"\nseed ");
    h.update(study.baseline.seed.to_string().as_bytes());
    for sc in runs_of(study) {
        h.update(b"\nrun ");
        h.update(sc.name.as_bytes());
        for f in &sc.inputs {
            h.update(b"\n");
            h.update(f.sha256.as_bytes());
        }
    }
    format!("{:x}", h.finalize())
}

/// The scenario, then each variant.
pub fn runs_of(study: &Study) -> impl Iterator<Item = &Scenario> {
    std::iter::once(&study.baseline).chain(study.variants.iter().map(|v| &v.scenario))
}

/// The scenario, then each variant, to change.
pub fn runs_of_mut(study: &mut Study) -> impl Iterator<Item = &mut Scenario> {
    std::iter::once(&mut study.baseline).chain(study.variants.iter_mut().map(|v| &mut v.scenario))
}

/// The names of the runs, as a manifest records them.
pub fn run_names(study: &Study) -> Vec<String> {
    std::iter::once(crate::scenario::variants::BASELINE.to_owned())
        .chain(study.variants.iter().map(|v| v.name.clone()))
        .collect()
}

impl Manifest {
    /// A plan of `shards` shards of `study`'s replications `from..replications` (each run's,
    /// the study's scenarios all having the same number): the `runs × (replications − from)`
    /// jobs in order (run by run, replications in order) cut into `shards` nearly equal
    /// contiguous pieces, each piece split into units at run boundaries.
    pub fn plan(study: &Study, scenario_file: &Path, shards: u32, from: u32) -> Result<Self, ShardError> {
        let replications = study.baseline.replications;
        if from >= replications {
            return Err(ShardError::Plan(format!(
                "--from {from} leaves no replication to run: the plan has {replications} (raise --replications)"
            )));
        }
        let runs = 1 + study.variants.len() as u64;
        let per_run = u64::from(replications - from);
        let jobs = runs * per_run;
        if shards == 0 || u64::from(shards) > jobs {
            return Err(ShardError::Plan(format!(
                "--shards must be between 1 and {jobs} (the runs × replications to share out), got {shards}"
            )));
        }
        let k = u64::from(shards);
        let shards = (0..k)
            .map(|i| {
                let (start, end) = (i * jobs / k, (i + 1) * jobs / k);
                let mut units = Vec::new();
                let mut j = start;
                while j < end {
                    let run = j / per_run;
                    let first = j % per_run;
                    let count = (end - j).min(per_run - first);
                    units.push(Unit {
                        run: run as u32,
                        first: from + first as u32,
                        count: count as u32,
                    });
                    j += count;
                }
                Shard { index: i as u32, units }
            })
            .collect();
        let mut inputs: Vec<Input> = Vec::new();
        for sc in runs_of(study) {
            for f in &sc.inputs {
                let input = Input::from(f);
                if !inputs.contains(&input) {
                    inputs.push(input);
                }
            }
        }
        Ok(Self {
            schema: MANIFEST_SCHEMA.to_owned(),
            cxsim_version: env!("CARGO_PKG_VERSION").to_owned(),
            scenario: study.baseline.name.clone(),
            scenario_file: std::fs::canonicalize(scenario_file).unwrap_or_else(|_| scenario_file.to_owned()),
            identity: identity(study),
            inputs,
            seed: study.baseline.seed,
            replications,
            from,
            runs: run_names(study),
            shards,
        })
    }

    /// Reads and checks a manifest.
    pub fn read(path: &Path) -> Result<Self, ShardError> {
        let text = std::fs::read_to_string(path).map_err(|e| ShardError::io(path, e))?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            ShardError::invalid(
                path,
                format!("not a cxsim manifest ({e}); write one with `cxsim plan SCENARIO --shards K`"),
            )
        })?;
        if manifest.schema != MANIFEST_SCHEMA {
            return Err(ShardError::invalid(
                path,
                format!("schema \"{}\" is not \"{MANIFEST_SCHEMA}\"", manifest.schema),
            ));
        }
        same_version(path, "planned", &manifest.cxsim_version)?;
        Ok(manifest)
    }

    /// Writes the manifest atomically (a temporary file renamed into place).
    pub fn write(&self, path: &Path) -> Result<(), ShardError> {
        let text = serde_json::to_string_pretty(self).map_err(|e| ShardError::invalid(path, e.to_string()))? + "\n";
        file::write_text(path, &text)
    }

    /// The scenario file as the manifest names it, relative paths read from the manifest's
    /// folder.
    pub fn scenario_path(&self, manifest_dir: &Path) -> PathBuf {
        if self.scenario_file.is_absolute() {
            self.scenario_file.clone()
        } else {
            manifest_dir.join(&self.scenario_file)
        }
    }

    /// Checks that `study` (loaded from the manifest's scenario, with its seed and
    /// replications) is the study planned: the same identity, so that every input file is
    /// unchanged. Names the first input that changed.
    pub fn check_study(&self, study: &Study, manifest_path: &Path) -> Result<(), ShardError> {
        if identity(study) == self.identity {
            return Ok(());
        }
        let now: Vec<Input> = runs_of(study)
            .flat_map(|sc| sc.inputs.iter().map(Input::from))
            .collect();
        let changed = self
            .inputs
            .iter()
            .find(|i| !now.iter().any(|n| n.sha256 == i.sha256))
            .map(|i| format!("{} ({}) has changed since the plan", i.path.display(), i.role))
            .unwrap_or_else(|| "the scenario's variants or seed have changed since the plan".to_owned());
        Err(ShardError::invalid(
            manifest_path,
            format!("{changed}: plan the sweep again (`cxsim plan`), or restore the planned inputs"),
        ))
    }

    /// Applies the manifest's seed and replications to a freshly loaded study.
    pub fn apply(&self, study: &mut Study) {
        for sc in runs_of_mut(study) {
            sc.set_seed(self.seed);
            sc.set_replications(self.replications);
        }
    }
}

/// Refuses a file that another version of cxsim `made` (planned, written): a sweep's
/// replications are the same only within one version.
pub(crate) fn same_version(path: &Path, made: &str, version: &str) -> Result<(), ShardError> {
    if version == env!("CARGO_PKG_VERSION") {
        return Ok(());
    }
    Err(ShardError::invalid(
        path,
        format!(
            "{made} by cxsim {version}, and this is cxsim {}: run the whole sweep with one version",
            env!("CARGO_PKG_VERSION")
        ),
    ))
}

/// Which shard a cluster task runs: `explicit`, else `SLURM_ARRAY_TASK_ID` or
/// `JOB_COMPLETION_INDEX` (Kubernetes Indexed Jobs), plus `offset` (for a sweep split over
/// several arrays).
pub fn task_index(explicit: Option<u32>, offset: u32) -> Result<u32, ShardError> {
    let from_env = |name: &str| std::env::var(name).ok().map(|v| (name.to_owned(), v));
    let index = match explicit {
        Some(i) => i,
        None => {
            let (name, value) = from_env("SLURM_ARRAY_TASK_ID")
                .or_else(|| from_env("JOB_COMPLETION_INDEX"))
                .ok_or_else(|| {
                    ShardError::Plan(
                        "no shard index: give --index I, or run under a Slurm array (SLURM_ARRAY_TASK_ID) or a \
                         Kubernetes Indexed Job (JOB_COMPLETION_INDEX)"
                            .to_owned(),
                    )
                })?;
            value.trim().parse().map_err(|_| {
                ShardError::Plan(format!(
                    "{name}=\"{value}\" is not a shard index (a whole number from 0)"
                ))
            })?
        }
    };
    index
        .checked_add(offset)
        .ok_or_else(|| ShardError::Plan(format!("shard index {index} + offset {offset} is too large")))
}

/// Streams each folded output into a shard file.
struct ShardSink<'w> {
    writer: &'w mut file::ShardWriter,
    failed: Option<ShardError>,
}

impl Sink for ShardSink<'_> {
    fn on_output(
        &mut self,
        _: &Scenario,
        out: &crate::stats::RepOutput,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.writer.push(out).map_err(|e| {
            let message = e.to_string();
            self.failed = Some(e);
            message.into()
        })
    }
}

/// Runs shard `index` of `manifest` on `study` (the manifest's scenario, loaded, with
/// [`Manifest::apply`] and [`Manifest::check_study`] done) and writes its file into `dir`
/// atomically; returns the file's path. Running a shard again rewrites the same file with the
/// same bytes.
pub fn run_shard(
    study: &Study,
    manifest: &Manifest,
    index: u32,
    dir: &Path,
    opts: SweepOptions,
    on_done: &(dyn Fn() + Sync),
) -> Result<PathBuf, ShardError> {
    let shard = manifest.shards.get(index as usize).ok_or_else(|| {
        ShardError::Plan(format!(
            "shard index {index} is not in the plan: it has shards 0 to {}",
            manifest.shards.len().saturating_sub(1)
        ))
    })?;
    let scenarios: Vec<&Scenario> = runs_of(study).collect();
    let path = dir.join(shard.file_name());
    let mut writer = file::ShardWriter::create(&path, &file::header_of(manifest, shard))?;
    for unit in &shard.units {
        let sc = scenarios
            .get(unit.run as usize)
            .ok_or_else(|| ShardError::Plan(format!("the plan's run {} is not in the scenario's study", unit.run)))?;
        let plan = Plan::of((unit.first..unit.end()).collect());
        let mut sink = ShardSink {
            writer: &mut writer,
            failed: None,
        };
        let ran = sweep::run_built_in_unfolded(sc, &plan, opts, on_done, &mut sink);
        if let Some(e) = sink.failed {
            return Err(e);
        }
        ran?;
    }
    writer.finish()
}
