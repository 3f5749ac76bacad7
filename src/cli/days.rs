//! The days a study command simulates: `-r`, `-s` and `-j`, shared by `staff`, `risk` and
//! `explain`, and the share syntax (`80%` or `0.8`) their targets use.

use super::UsageError;
use crate::scenario;
use crate::sweep::SweepOptions;
use anyhow::Result;
use clap::Args;

/// Replications, seed and threads of a study.
#[derive(Debug, Args)]
pub(super) struct DayArgs {
    /// Replications (days) of each simulation (default: the scenario's; at least 2).
    #[arg(short = 'r', long)]
    replications: Option<u32>,
    /// Master seed (default: the scenario's). A staffing search checks its result on seed + 1.
    #[arg(short = 's', long, value_parser = clap::value_parser!(u64).range(..=i64::MAX as u64 - 1))]
    seed: Option<u64>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(short = 'j', long)]
    threads: Option<usize>,
}

impl DayArgs {
    /// Sets the replications and seed of `sc` from the command line, and gives the threads.
    pub(super) fn apply(&self, sc: &mut scenario::Scenario) -> Result<SweepOptions> {
        if let Some(r) = self.replications {
            let max = scenario::compile::MAX_REPLICATIONS;
            if r < 2 || i64::from(r) > max {
                return Err(UsageError(format!("--replications must be between 2 and {max}, got {r}")).into());
            }
            sc.replications = r;
        }
        if let Some(s) = self.seed {
            sc.seed = s;
        }
        match self.threads {
            Some(0) => Err(UsageError("--threads must be at least 1".into()).into()),
            Some(threads) => Ok(SweepOptions { threads }),
            None => Ok(SweepOptions::default()),
        }
    }
}

/// A share given as `80%` or `0.8`, in [0, 1].
pub(super) fn parse_share(text: &str, flag: &str) -> Result<f64> {
    crate::metrics::parse_share(text).ok_or_else(|| {
        UsageError(format!(
            "--{flag}: expected a share such as 80% or 0.8 (0 to 1), got \"{text}\""
        ))
        .into()
    })
}
