//! A sweep as Slurm jobs: an array of shard tasks (split into several arrays where the
//! cluster's MaxArraySize asks, each throttled) and a merge job that waits for them
//! (`--dependency=afterok`). Written as scripts anyone can read and submit; submitted by
//! cxsim itself when asked.

use super::pilot::{Pilot, slurm_time};
use super::{Manifest, ShardError};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Slurm's default MaxArraySize.
pub const DEFAULT_MAX_ARRAY_SIZE: u32 = 1001;
/// The array script's name in the sweep folder.
pub const SHARDS_SCRIPT: &str = "shards.sbatch";
/// The merge job's script.
pub const MERGE_SCRIPT: &str = "merge.sbatch";
/// The script that submits both.
pub const SUBMIT_SCRIPT: &str = "submit.sh";

/// What the scripts ask of the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub cpus: u32,
    /// Most tasks of an array running at once.
    pub throttle: u32,
    /// Array indices must be below this (the cluster's MaxArraySize).
    pub array_limit: u32,
    pub partition: Option<String>,
    pub account: Option<String>,
}

/// A sweep's Slurm jobs.
#[derive(Debug, Clone)]
pub struct Job {
    name: String,
    exe: PathBuf,
    manifest: PathBuf,
    options: Options,
    /// `--time` and `--mem` of each shard task.
    pub shard_time: String,
    pub shard_mem_mib: u64,
    /// `--time` and `--mem` of the merge.
    pub merge_time: String,
    pub merge_mem_mib: u64,
}

/// `s` single-quoted for a POSIX shell.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Indices as Slurm's array ranges: `0-99,120,130-131`.
pub fn ranges(indices: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < indices.len() {
        let start = indices[i];
        let mut end = start;
        while i + 1 < indices.len() && indices[i + 1] == end + 1 {
            i += 1;
            end = indices[i];
        }
        out.push(if end > start {
            format!("{start}-{end}")
        } else {
            start.to_string()
        });
        i += 1;
    }
    out.join(",")
}

/// Indices as `1,4,7`.
pub fn list(indices: &[u32]) -> String {
    indices.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

/// The arrays to submit for `todo` (sorted shard indices): `(offset, indices − offset)`, each
/// index below `limit`.
pub fn arrays(todo: &[u32], limit: u32) -> Vec<(u32, Vec<u32>)> {
    let limit = limit.max(1);
    let mut out: Vec<(u32, Vec<u32>)> = Vec::new();
    let mut sorted = todo.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    for i in sorted {
        let offset = i / limit * limit;
        match out.last_mut() {
            Some((o, list)) if *o == offset => list.push(i - offset),
            _ => out.push((offset, vec![i - offset])),
        }
    }
    out
}

/// The cluster's MaxArraySize, from `scontrol show config` (None without Slurm).
pub fn max_array_size() -> Option<u32> {
    let out = Command::new("scontrol").args(["show", "config"]).output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find(|l| l.trim_start().starts_with("MaxArraySize"))
        .and_then(|l| l.split('=').nth(1))
        .and_then(|v| v.trim().parse().ok())
}

impl Job {
    /// The jobs of `manifest` (at `manifest_path`), run by the cxsim executable `exe`, sized by
    /// the pilot.
    pub fn new(manifest: &Manifest, manifest_path: &Path, exe: &Path, pilot: &Pilot, options: &Options) -> Self {
        let most = manifest.shards.iter().map(|s| s.replications()).max().unwrap_or(1);
        let total: u64 = manifest.shards.iter().map(|s| s.replications()).sum();
        let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
        // The merge reads every shard file back: about a tenth of a replication's simulation
        // per replication, by the fold's share of a sweep; 3 times that and 10 minutes.
        let merge_s = (3.0 * 0.1 * pilot.seconds_per_replication * total as f64).ceil() as u64 + 600;
        Self {
            name: job_name(&manifest.scenario),
            exe: absolute(exe),
            manifest: absolute(manifest_path),
            options: options.clone(),
            shard_time: slurm_time(pilot.time_request_s(most, options.cpus)),
            shard_mem_mib: pilot.memory_request_mib(options.cpus),
            merge_time: slurm_time(merge_s),
            merge_mem_mib: pilot.memory_request_mib(1),
        }
    }

    fn directives(&self, name: &str, cpus: u32, time: &str, mem: u64, log: &str) -> String {
        let mut s = format!(
            "#SBATCH --job-name={name}\n#SBATCH --cpus-per-task={cpus}\n#SBATCH --time={time}\n#SBATCH --mem={mem}M\n#SBATCH --output={log}\n"
        );
        if let Some(p) = &self.options.partition {
            s.push_str(&format!("#SBATCH --partition={p}\n"));
        }
        if let Some(a) = &self.options.account {
            s.push_str(&format!("#SBATCH --account={a}\n"));
        }
        s
    }

    fn dir(&self) -> PathBuf {
        self.manifest
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_owned)
    }

    /// The array script: each task runs shard `CXSIM_SHARD_OFFSET + SLURM_ARRAY_TASK_ID`.
    pub fn shards_script(&self) -> String {
        let logs = self.dir().join("logs");
        format!(
            "#!/bin/bash\n# cxsim: the shards of sweep {manifest}, one per array task.\n{directives}\
             set -euo pipefail\nexec {exe} run-shard {manifest_q} --offset \"${{CXSIM_SHARD_OFFSET:-0}}\" -j \"${{SLURM_CPUS_PER_TASK:-1}}\" -q\n",
            manifest = self.manifest.display(),
            directives = self.directives(
                &self.name,
                self.options.cpus,
                &self.shard_time,
                self.shard_mem_mib,
                &format!("{}/shard-%A_%a.out", logs.display())
            ),
            exe = quote(&self.exe.display().to_string()),
            manifest_q = quote(&self.manifest.display().to_string()),
        )
    }

    /// The merge job's script.
    pub fn merge_script(&self) -> String {
        let dir = self.dir();
        format!(
            "#!/bin/bash\n# cxsim: merges the shards of sweep {manifest} into {results}.\n{directives}\
             set -euo pipefail\nexec {exe} merge {dir_q} -q\n",
            manifest = self.manifest.display(),
            results = dir.join("results").display(),
            directives = self.directives(
                &format!("{}-merge", self.name),
                1,
                &self.merge_time,
                self.merge_mem_mib,
                &format!("{}/merge-%j.out", dir.join("logs").display())
            ),
            exe = quote(&self.exe.display().to_string()),
            dir_q = quote(&dir.display().to_string()),
        )
    }

    /// The sbatch arguments of each array (one per offset) for shards `todo`.
    fn array_args(&self, todo: &[u32]) -> Vec<Vec<String>> {
        arrays(todo, self.options.array_limit)
            .into_iter()
            .map(|(offset, list)| {
                vec![
                    "--parsable".to_owned(),
                    format!("--array={}%{}", ranges(&list), self.options.throttle),
                    format!("--export=ALL,CXSIM_SHARD_OFFSET={offset}"),
                    self.dir().join(SHARDS_SCRIPT).display().to_string(),
                ]
            })
            .collect()
    }

    /// A shell script that submits the arrays for `todo` and the merge after them (it stops at
    /// the first sbatch that fails: no pipe hides its status).
    pub fn submit_script(&self, todo: &[u32]) -> String {
        let mut s = String::from(
            "#!/bin/sh\n# cxsim: submits the shards still to run and a merge that waits for them.\nset -eu\nids=\"\"\n",
        );
        for args in self.array_args(todo) {
            let quoted: Vec<String> = args.iter().map(|a| quote(a)).collect();
            s.push_str(&format!(
                "id=$(sbatch {})\nid=${{id%%;*}}\necho \"shards: job $id\"\nids=\"$ids:$id\"\n",
                quoted.join(" ")
            ));
        }
        let merge = quote(&self.dir().join(MERGE_SCRIPT).display().to_string());
        s.push_str(&format!(
            "if [ -n \"$ids\" ]; then dep=\"--dependency=afterok$ids\"; else dep=\"\"; fi\n\
             id=$(sbatch --parsable $dep {merge})\nid=${{id%%;*}}\necho \"merge: job $id\"\n"
        ));
        s
    }

    /// Writes the three scripts (and the logs folder) into `dir`; returns their paths.
    pub fn write(&self, dir: &Path, todo: &[u32]) -> Result<Vec<PathBuf>, ShardError> {
        let logs = dir.join("logs");
        std::fs::create_dir_all(&logs).map_err(|e| ShardError::io(&logs, e))?;
        let mut written = Vec::new();
        for (name, text) in [
            (SHARDS_SCRIPT, self.shards_script()),
            (MERGE_SCRIPT, self.merge_script()),
            (SUBMIT_SCRIPT, self.submit_script(todo)),
        ] {
            let path = dir.join(name);
            super::file::write_text(&path, &text)?;
            written.push(path);
        }
        Ok(written)
    }

    /// Submits the arrays for `todo` and the merge after them with `sbatch`; returns the job
    /// ids, the merge's last.
    pub fn submit(&self, dir: &Path, todo: &[u32]) -> Result<Vec<String>, ShardError> {
        let sbatch = |args: &[String]| -> Result<String, ShardError> {
            let out = Command::new("sbatch").args(args).output().map_err(|e| {
                ShardError::Plan(format!(
                    "cannot run sbatch ({e}): is this a Slurm login node? (submit later with sh {})",
                    dir.join(SUBMIT_SCRIPT).display()
                ))
            })?;
            if !out.status.success() {
                return Err(ShardError::Plan(format!(
                    "sbatch {} failed: {}",
                    args.join(" "),
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
            let text = String::from_utf8_lossy(&out.stdout);
            Ok(text.trim().split(';').next().unwrap_or("").to_owned())
        };
        let mut ids = Vec::new();
        for args in self.array_args(todo) {
            ids.push(sbatch(&args)?);
        }
        let mut args = vec!["--parsable".to_owned()];
        if !ids.is_empty() {
            args.push(format!("--dependency=afterok:{}", ids.join(":")));
        }
        args.push(dir.join(MERGE_SCRIPT).display().to_string());
        ids.push(sbatch(&args)?);
        Ok(ids)
    }
}

/// A job name from a scenario's name: `cxsim-` and its letters, digits, `-` and `_`.
fn job_name(scenario: &str) -> String {
    let clean: String = scenario
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    format!("cxsim-{clean}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_join_runs_of_consecutive_indices() {
        assert_eq!(ranges(&[0, 1, 2, 5, 7, 8]), "0-2,5,7-8");
        assert_eq!(ranges(&[3]), "3");
        assert_eq!(ranges(&[]), "");
    }

    #[test]
    fn arrays_keep_every_index_below_the_limit() {
        let a = arrays(&[0, 1, 999, 1000, 1001, 2500], 1000);
        assert_eq!(a, vec![(0, vec![0, 1, 999]), (1000, vec![0, 1]), (2000, vec![500])]);
        for (offset, list) in &a {
            assert!(list.iter().all(|i| *i < 1000 && offset % 1000 == 0));
        }
    }

    #[test]
    fn quoting_survives_a_quote_in_a_path() {
        assert_eq!(quote("/a b/it's"), r"'/a b/it'\''s'");
    }

    #[test]
    fn directives_carry_partition_and_account_and_the_array_runs_offsets() {
        let manifest_dir = tempfile::tempdir().unwrap();
        let pilot = crate::shard::pilot::Pilot {
            replications: 1,
            seconds_per_replication: 1.0,
            peak_mib: 100,
            engine_mib: 10,
            bytes_per_replication: 100,
        };
        let manifest = crate::shard::Manifest {
            schema: crate::shard::MANIFEST_SCHEMA.to_owned(),
            cxsim_version: env!("CARGO_PKG_VERSION").to_owned(),
            scenario: "bank: 24/7".to_owned(),
            scenario_file: "s.toml".into(),
            identity: "0".repeat(64),
            inputs: Vec::new(),
            seed: 1,
            replications: 10,
            from: 0,
            runs: vec!["baseline".to_owned()],
            shards: vec![crate::shard::Shard {
                index: 0,
                units: vec![crate::shard::Unit {
                    run: 0,
                    first: 0,
                    count: 10,
                }],
            }],
        };
        let options = Options {
            cpus: 4,
            throttle: 7,
            array_limit: 2,
            partition: Some("long".to_owned()),
            account: Some("proj".to_owned()),
        };
        let job = Job::new(
            &manifest,
            &manifest_dir.path().join("manifest.json"),
            Path::new("/opt/cxsim"),
            &pilot,
            &options,
        );
        let shards = job.shards_script();
        assert!(shards.contains("#SBATCH --partition=long\n"), "{shards}");
        assert!(shards.contains("#SBATCH --account=proj\n"), "{shards}");
        assert!(shards.contains("#SBATCH --cpus-per-task=4\n"), "{shards}");
        assert!(shards.contains("#SBATCH --job-name=cxsim-bank--24-7\n"), "{shards}");
        // 10 replications on 4 threads: 3 × 2.5 s + 600 = 607.5 → 608 s.
        assert!(shards.contains("#SBATCH --time=00:10:08\n"), "{shards}");
        let submit = job.submit_script(&[0, 1, 2, 5]);
        assert!(
            submit.contains("'--array=0-1%7' '--export=ALL,CXSIM_SHARD_OFFSET=0'"),
            "{submit}"
        );
        assert!(
            submit.contains("'--array=0%7' '--export=ALL,CXSIM_SHARD_OFFSET=2'"),
            "{submit}"
        );
        assert!(
            submit.contains("'--array=1%7' '--export=ALL,CXSIM_SHARD_OFFSET=4'"),
            "{submit}"
        );
        let merge = job.merge_script();
        assert!(
            merge.contains("#SBATCH --cpus-per-task=1\n") && merge.contains("--job-name=cxsim-bank--24-7-merge"),
            "{merge}"
        );
    }
}
