//! A pilot run: a few of a sweep's replications timed on this machine, to size what a cluster
//! task asks for (wall time, memory) before the sweep is submitted.

use super::{Manifest, ShardError, runs_of};
use crate::scenario::Study;
use crate::sweep::{self, Plan, SweepOptions};
use std::time::Instant;

/// What the pilot measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pilot {
    /// Replications run.
    pub replications: u32,
    /// Wall seconds per replication on one thread.
    pub seconds_per_replication: f64,
    /// The process's peak resident memory after the pilot, MiB (0 where unknown).
    pub peak_mib: u64,
    /// Resident memory one more worker's engine adds, MiB (at least 1).
    pub engine_mib: u64,
    /// Bytes of a shard file per replication (its raw statistics, encoded).
    pub bytes_per_replication: u64,
}

/// Runs `replications` (at least 1) of the first shard's first run on one thread.
pub fn run(study: &Study, manifest: &Manifest, replications: u32) -> Result<Pilot, ShardError> {
    let unit = manifest
        .shards
        .first()
        .and_then(|s| s.units.first().copied())
        .ok_or_else(|| ShardError::Plan("the plan has no shard to pilot".to_owned()))?;
    let sc = runs_of(study)
        .nth(unit.run as usize)
        .ok_or_else(|| ShardError::Plan(format!("the plan's run {} is not in the study", unit.run)))?;
    let n = replications.clamp(1, unit.count);
    let before = memory_kib("VmRSS:").unwrap_or(0);
    let clock = Instant::now();
    let mut size = SizeSink::default();
    sweep::run_built_in_unfolded(
        sc,
        &Plan::of((unit.first..unit.first + n).collect()),
        SweepOptions { threads: 1 },
        &|| {},
        &mut size,
    )?;
    let seconds = clock.elapsed().as_secs_f64() / f64::from(n);
    let peak = memory_kib("VmHWM:").unwrap_or(0);
    Ok(Pilot {
        replications: n,
        seconds_per_replication: seconds,
        peak_mib: peak.div_ceil(1024),
        engine_mib: (peak.saturating_sub(before)).div_ceil(1024).max(1),
        bytes_per_replication: size.bytes / u64::from(n),
    })
}

/// Counts the encoded size of the outputs.
#[derive(Default)]
struct SizeSink {
    bytes: u64,
}

impl sweep::Sink for SizeSink {
    fn on_output(
        &mut self,
        _: &crate::scenario::Scenario,
        out: &crate::stats::RepOutput,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.bytes += rmp_serde::to_vec(out)?.len() as u64;
        Ok(())
    }
}

/// A `/proc/self/status` line's value in KiB (Linux; `None` elsewhere).
fn memory_kib(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line[key.len()..].trim().trim_end_matches("kB").trim().parse().ok()
}

impl Pilot {
    /// Memory a task with `cpus` worker threads asks for, MiB: the pilot's peak plus an engine
    /// per extra worker, with half again for safety and 128 MiB to spare, in multiples of 64.
    pub fn memory_request_mib(&self, cpus: u32) -> u64 {
        let peak = self.peak_mib.max(64) + u64::from(cpus.saturating_sub(1)) * self.engine_mib;
        (peak * 3 / 2 + 128).div_ceil(64) * 64
    }

    /// Wall time a task of `replications` on `cpus` threads asks for, seconds: three times
    /// the pilot's estimate and 10 minutes to spare.
    pub fn time_request_s(&self, replications: u64, cpus: u32) -> u64 {
        let estimate = self.seconds_per_replication * replications as f64 / f64::from(cpus.max(1));
        (3.0 * estimate).ceil() as u64 + 600
    }
}

/// Seconds as Slurm's `[D-]HH:MM:SS`.
pub fn slurm_time(seconds: u64) -> String {
    let (d, rest) = (seconds / 86_400, seconds % 86_400);
    let (h, m, s) = (rest / 3600, rest % 3600 / 60, rest % 60);
    if d > 0 {
        format!("{d}-{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `slurm_time` is what sbatch parses (`--time`); the integration test only checks that a
    /// `#SBATCH --time=` line exists, so any arithmetic mutant in it survives.
    #[test]
    fn slurm_time_is_days_hours_minutes_seconds() {
        assert_eq!(slurm_time(0), "00:00:00");
        assert_eq!(slurm_time(59), "00:00:59");
        assert_eq!(slurm_time(3_661), "01:01:01");
        assert_eq!(slurm_time(86_399), "23:59:59");
        assert_eq!(slurm_time(86_400 + 3_600 + 61), "1-01:01:01");
    }

    #[test]
    fn requests_grow_with_the_work_and_keep_their_margins() {
        let p = Pilot {
            replications: 2,
            seconds_per_replication: 2.0,
            peak_mib: 100,
            engine_mib: 10,
            bytes_per_replication: 1000,
        };
        // 3 × (2 s × 30 / 2 threads) + 600.
        assert_eq!(p.time_request_s(30, 2), 690);
        assert_eq!(p.time_request_s(30, 0), 3 * 60 + 600, "0 threads counts as 1");
        // (100 + 1 × 10) × 1.5 + 128 = 293 → 320 (a multiple of 64).
        assert_eq!(p.memory_request_mib(2), 320);
        // A peak below 64 MiB counts as 64: 64 × 1.5 + 128 = 224 → 256.
        assert_eq!(Pilot { peak_mib: 0, ..p }.memory_request_mib(1), 256);
    }
}
