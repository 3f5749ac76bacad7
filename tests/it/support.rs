//! Helpers shared by the integration tests.

use cxsim::scenario::{self, Scenario};
use cxsim::summary::Summary;
use std::path::Path;

/// Compiles a scenario from TOML text (panics with the error message if it is invalid).
pub fn scenario(toml: &str) -> Scenario {
    scenario::from_toml_str(toml, "test.toml", "test", Path::new(".")).unwrap_or_else(|e| panic!("{e}"))
}

/// Every number of a summary as raw bits, for bit-exact comparison (NaN-safe).
pub fn bits(s: &Summary) -> Vec<u64> {
    let mut out = Vec::new();
    for scope in &s.scopes {
        for m in &scope.metrics {
            out.extend([m.estimate.mean.to_bits(), m.estimate.half_width.to_bits(), m.estimate.n]);
        }
        for row in &scope.intervals {
            for e in row {
                out.extend([e.mean.to_bits(), e.half_width.to_bits(), e.n]);
            }
        }
    }
    for r in &s.replication_records {
        out.push(u64::from(r.replication));
        out.extend(r.values.iter().map(|v| v.to_bits()));
    }
    out.extend([s.total_arrivals, s.total_events]);
    out
}

/// Runs a sweep with `threads` threads.
pub fn run(sc: &Scenario, threads: usize) -> Summary {
    cxsim::sweep::run(sc, cxsim::sweep::SweepOptions { threads }, &|| {}).expect("sweep runs")
}
