//! Merging a sweep's shard files: find them, check they belong to the plan, see which
//! replications they cover (and which are missing or held twice), and read each run's
//! outputs back in replication order for the fold.

use super::file::{self, ShardReader};
use super::slurm::{list, ranges};
use super::{Manifest, SHARD_EXTENSION, ShardError, Unit};
use crate::stats::RepOutput;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A block of replications held by a file.
#[derive(Debug, Clone)]
struct Block {
    unit: Unit,
    path: PathBuf,
    /// Outputs stored before this unit in its file.
    skip: u64,
}

/// What the shard files of a folder cover of a plan.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Replications of no file, per run, as `(run, first, end)` ranges.
    pub missing: Vec<(u32, u32, u32)>,
    /// The plan's shards whose replications are not all there: run these again.
    pub missing_shards: Vec<u32>,
    /// Files that hold replications another file holds too, with that other file.
    pub duplicates: Vec<(PathBuf, PathBuf)>,
    /// Shard files read.
    pub files: usize,
}

impl Coverage {
    /// Every replication is there exactly once.
    pub fn complete(&self) -> bool {
        self.missing.is_empty() && self.duplicates.is_empty()
    }

    /// A few lines for a person: what is missing or twice, and what to do.
    pub fn describe(&self, runs: &[String]) -> String {
        let mut lines = Vec::new();
        if !self.missing.is_empty() {
            let spans: Vec<String> = self
                .missing
                .iter()
                .take(8)
                .map(|(run, a, b)| {
                    let name = runs.get(*run as usize).map_or("?", String::as_str);
                    format!("{name} {a}..{b}")
                })
                .collect();
            let more = self.missing.len().saturating_sub(8);
            lines.push(format!(
                "missing replications: {}{}",
                spans.join(", "),
                if more > 0 {
                    format!(" and {more} more range(s)")
                } else {
                    String::new()
                }
            ));
            if self.missing_shards.is_empty() {
                lines.push(
                    "no shard of this plan holds them: they belonged to an earlier round's plan. Plan the whole \
                     sweep again from 0 (`cxsim plan SCENARIO -r N`), run the shards it lists, and merge with --partial"
                        .to_owned(),
                );
            } else {
                lines.push(format!(
                    "shards to run again: {} (e.g. `cxsim run-shard MANIFEST --index I`, or sbatch --array={})",
                    list(&self.missing_shards),
                    ranges(&self.missing_shards)
                ));
            }
        }
        for (a, b) in self.duplicates.iter().take(8) {
            lines.push(format!(
                "duplicate: {} holds replications that {} holds too",
                a.display(),
                b.display()
            ));
        }
        if self.duplicates.len() > 8 {
            lines.push(format!("and {} more duplicate(s)", self.duplicates.len() - 8));
        }
        lines.join("\n")
    }
}

/// The shard files of a sweep folder, checked against its manifest, ready to be folded.
#[derive(Debug)]
pub struct Store {
    /// Per run, the blocks kept (no two overlap), by first replication.
    blocks: Vec<Vec<Block>>,
    /// The replications folded, the same for every run (paired variants need it).
    jobs: Vec<u32>,
}

impl Store {
    /// Reads the headers of every `*.cxshard` file of `dir` and checks each file whole
    /// (its checksum). A file of another study (scenario, inputs, seed), another version or
    /// not a shard at all is an error naming it. Replications held twice are read from the
    /// block that starts first (the first by name among equals), and reported in the
    /// [`Coverage`] (a study's replication is the same in every file that holds it, so either
    /// copy gives the same bits). The store folds the replications of
    /// `0..manifest.replications` present in every run.
    pub fn scan(dir: &Path, manifest: &Manifest) -> Result<(Self, Coverage), ShardError> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| ShardError::io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == SHARD_EXTENSION)
                    && !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        paths.sort();
        let runs = manifest.runs.len();
        let total = manifest.replications;
        let mut all: Vec<Vec<Block>> = vec![Vec::new(); runs];
        for path in &paths {
            let header = file::read_header(path)?;
            if header.identity != manifest.identity {
                return Err(ShardError::invalid(
                    path,
                    format!(
                        "belongs to another sweep: scenario \"{}\", seed {}, inputs {}…, where the plan is \"{}\", \
                         seed {}, inputs {}… (a changed scenario or input file changes the inputs): \
                         move it out of the folder",
                        header.scenario,
                        header.seed,
                        &header.identity[..header.identity.len().min(12)],
                        manifest.scenario,
                        manifest.seed,
                        &manifest.identity[..manifest.identity.len().min(12)]
                    ),
                ));
            }
            file::verify(path)?;
            let mut skip = 0u64;
            for unit in &header.units {
                if unit.run as usize >= runs || unit.first.checked_add(unit.count).is_none() {
                    return Err(ShardError::invalid(
                        path,
                        format!("holds run {} where the plan has {runs} run(s)", unit.run),
                    ));
                }
                all[unit.run as usize].push(Block {
                    unit: *unit,
                    path: path.clone(),
                    skip,
                });
                skip += u64::from(unit.count);
            }
        }
        let mut coverage = Coverage {
            files: paths.len(),
            ..Coverage::default()
        };
        let mut blocks = Vec::with_capacity(runs);
        let mut present: Option<BTreeSet<u32>> = None;
        for (run, mut list) in all.into_iter().enumerate() {
            // Only what the merge folds: blocks reaching into 0..total, by first replication.
            list.retain(|b| b.unit.first < total && b.unit.count > 0);
            list.sort_by(|a, b| (a.unit.first, &a.path).cmp(&(b.unit.first, &b.path)));
            // Kept blocks tile 0..next; a block overlapping them gives only what lies beyond.
            let mut kept: Vec<Block> = Vec::new();
            let mut here = BTreeSet::new();
            let mut next = 0u32;
            for mut b in list {
                let end = b.unit.end().min(total);
                if let Some(k) = kept.last().filter(|_| b.unit.first < next) {
                    coverage.duplicates.push((b.path.clone(), k.path.clone()));
                    if end <= next {
                        continue;
                    }
                    b.skip += u64::from(next - b.unit.first);
                    b.unit.first = next;
                } else if b.unit.first > next {
                    coverage.missing.push((run as u32, next, b.unit.first));
                }
                b.unit.count = end - b.unit.first;
                here.extend(b.unit.first..end);
                next = end;
                kept.push(b);
            }
            if next < total {
                coverage.missing.push((run as u32, next, total));
            }
            present = Some(match present {
                None => here,
                Some(p) => p.intersection(&here).copied().collect(),
            });
            blocks.push(kept);
        }
        coverage.missing_shards = manifest
            .shards
            .iter()
            .filter(|s| {
                s.units.iter().any(|u| {
                    coverage
                        .missing
                        .iter()
                        .any(|(run, a, b)| *run == u.run && *a < u.end() && u.first < *b)
                })
            })
            .map(|s| s.index)
            .collect();
        let jobs = present.unwrap_or_default().into_iter().collect();
        Ok((Self { blocks, jobs }, coverage))
    }

    /// The replications folded, in order: every run folds these.
    pub fn jobs(&self) -> &[u32] {
        &self.jobs
    }

    /// Run `run`'s outputs of [`Store::jobs`], in replication order.
    pub fn outputs(&self, run: usize) -> impl Iterator<Item = Result<RepOutput, ShardError>> + '_ {
        let blocks = self.blocks.get(run).map_or(&[][..], Vec::as_slice);
        let wanted = |o: &RepOutput| self.jobs.binary_search(&o.replication).is_ok();
        blocks
            .iter()
            .flat_map(move |b| BlockOutputs::new(b).filter(move |r| r.as_ref().map_or(true, wanted)))
    }
}

/// The outputs of one block, read lazily from its file.
struct BlockOutputs<'a> {
    block: &'a Block,
    reader: Option<Result<ShardReader, ShardError>>,
    read: u32,
    failed: bool,
}

impl<'a> BlockOutputs<'a> {
    fn new(block: &'a Block) -> Self {
        Self {
            block,
            reader: None,
            read: 0,
            failed: false,
        }
    }
}

impl Iterator for BlockOutputs<'_> {
    type Item = Result<RepOutput, ShardError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.read >= self.block.unit.count {
            return None;
        }
        if self.reader.is_none() {
            let opened = ShardReader::open(&self.block.path).and_then(|mut r| {
                for _ in 0..self.block.skip {
                    r.next_output()?;
                }
                Ok(r)
            });
            self.reader = Some(opened);
        }
        let out = match self.reader.as_mut()? {
            Ok(r) => r.next_output(),
            Err(e) => Err(ShardError::invalid(&self.block.path, e.to_string())),
        };
        self.read += 1;
        match out {
            Ok(o) if o.replication != self.block.unit.first + self.read - 1 => {
                self.failed = true;
                Some(Err(ShardError::invalid(
                    &self.block.path,
                    format!(
                        "holds replication {} where its header promises {}",
                        o.replication,
                        self.block.unit.first + self.read - 1
                    ),
                )))
            }
            Ok(o) => Some(Ok(o)),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}
