//! The results folder of a run, written atomically: every file goes into a hidden temporary
//! folder beside the target, which is renamed into place only when all files are complete. A
//! run that is interrupted leaves no half-written results (at most a hidden temporary folder).

use super::{csv, json};
use crate::scenario::Scenario;
use crate::summary::Summary;
use serde::Serialize;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Facts about a run, recorded in `run.toml` and `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct RunInfo {
    pub cxsim_version: String,
    pub scenario: String,
    /// The scenario file as given on the command line.
    pub scenario_file: String,
    /// SHA-256 of the scenario file's bytes.
    pub input_hash: String,
    pub seed: u64,
    pub replications: u32,
    pub threads: usize,
    /// UTC start time, RFC 3339.
    pub started_utc: String,
    pub elapsed_s: f64,
    /// `replications.csv` as streamed during the run (see
    /// [`csv::ReplicationsWriter`]); it is moved into the results folder. `None` writes the
    /// file with its header only.
    #[serde(skip)]
    pub replications_csv: Option<PathBuf>,
}

#[derive(Serialize)]
struct RunToml<'a> {
    run: &'a RunInfo,
    scenario: &'a crate::scenario::raw::RawScenario,
}

fn other<E: std::error::Error + Send + Sync + 'static>(e: E) -> io::Error {
    io::Error::other(e)
}

fn write_file(dir: &Path, name: &str, f: impl FnOnce(&mut BufWriter<fs::File>) -> io::Result<()>) -> io::Result<()> {
    let mut w = BufWriter::new(fs::File::create(dir.join(name))?);
    f(&mut w)?;
    w.flush()?;
    w.get_ref().sync_all()
}

fn write_all(dir: &Path, summary: &Summary, scenario: &Scenario, run: &RunInfo) -> io::Result<()> {
    write_file(dir, "summary.csv", |w| csv::write_summary(summary, w).map_err(other))?;
    write_file(dir, "intervals.csv", |w| {
        csv::write_intervals(summary, w).map_err(other)
    })?;
    let replications = dir.join("replications.csv");
    match &run.replications_csv {
        Some(streamed) => {
            if fs::rename(streamed, &replications).is_err() {
                fs::copy(streamed, &replications)?;
                fs::remove_file(streamed)?;
            }
        }
        None => write_file(dir, "replications.csv", |w| {
            w.write_all(csv::REPLICATION_COLUMNS.join(",").as_bytes())?;
            w.write_all(b"\n")
        })?,
    }
    write_file(dir, "summary.json", |w| {
        let text = json::render(summary, run).map_err(other)?;
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })?;
    write_file(dir, "run.toml", |w| {
        let text = toml::to_string(&RunToml {
            run,
            scenario: &scenario.raw,
        })
        .map_err(other)?;
        w.write_all(RUN_TOML_HEADER.as_bytes())?;
        w.write_all(
            b" [run] says how it ran, [scenario] is the scenario as run\n# (command-line overrides applied).\n",
        )?;
        w.write_all(text.as_bytes())
    })
}

/// How every `run.toml` begins; it marks a folder as cxsim's results.
const RUN_TOML_HEADER: &str = "# The run record of cxsim:";

/// The files of a results folder.
pub const RESULT_FILES: [&str; 5] = [
    "summary.csv",
    "intervals.csv",
    "replications.csv",
    "summary.json",
    "run.toml",
];

/// Why a results folder cannot be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResultsError {
    /// The target exists and holds something other than an earlier run's results.
    #[error(
        "{} exists and is not a cxsim results folder (it holds {found}); choose a new or empty folder, or one written by an earlier run",
        path.display()
    )]
    NotResults { path: PathBuf, found: String },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Whether `target` may be replaced: it does not exist, or is an empty folder, or is an
/// earlier run's results (only result files, and a `run.toml` written by cxsim). Call it
/// before a long run, so that a refused folder does not cost the run.
pub fn check_replaceable(target: &Path) -> Result<(), ResultsError> {
    let meta = match fs::symlink_metadata(target) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
        Ok(m) => m,
    };
    if !meta.is_dir() {
        return Err(ResultsError::NotResults {
            path: target.to_owned(),
            found: "a file, not a folder".into(),
        });
    }
    let mut others = Vec::new();
    for entry in fs::read_dir(target)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !RESULT_FILES.contains(&name.as_str()) {
            others.push(name);
        }
    }
    let is_empty = fs::read_dir(target)?.next().is_none();
    let marked = fs::read_to_string(target.join("run.toml")).is_ok_and(|t| t.starts_with(RUN_TOML_HEADER));
    if others.is_empty() && (is_empty || marked) {
        return Ok(());
    }
    if others.is_empty() {
        others.push("result-like files without cxsim's run.toml".into());
    }
    others.sort();
    let shown: Vec<String> = others.iter().take(3).map(|n| format!("\"{n}\"")).collect();
    let more = if others.len() > 3 {
        format!(" and {} more", others.len() - 3)
    } else {
        String::new()
    };
    Err(ResultsError::NotResults {
        path: target.to_owned(),
        found: format!("{}{more}", shown.join(", ")),
    })
}

/// Writes every results file into a hidden temporary folder `dir/.name.tmp-PID` (created
/// with `dir`) and returns it; on error the temporary folder is removed.
fn stage(
    dir: &Path,
    name: &str,
    summary: &Summary,
    scenario: &Scenario,
    run: &RunInfo,
) -> Result<PathBuf, ResultsError> {
    fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp)?;
    }
    fs::create_dir(&tmp)?;
    if let Err(e) = write_all(&tmp, summary, scenario, run) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e.into());
    }
    Ok(tmp)
}

/// Writes the results of a run into `target`: created, or replaced whole if it is an earlier
/// run's results folder (anything else is refused). Returns `target`. On error nothing is
/// left at `target` that was not there before, and no temporary folder is left behind.
pub fn write_results(
    target: &Path,
    summary: &Summary,
    scenario: &Scenario,
    run: &RunInfo,
) -> Result<PathBuf, ResultsError> {
    check_replaceable(target)?;
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    let pid = std::process::id();
    let tmp = stage(&parent, &name, summary, scenario, run)?;
    if target.exists() {
        let old = parent.join(format!(".{name}.old-{pid}"));
        if let Err(e) = fs::rename(target, &old) {
            let _ = fs::remove_dir_all(&tmp);
            return Err(e.into());
        }
        if let Err(e) = fs::rename(&tmp, target) {
            let _ = fs::rename(&old, target);
            let _ = fs::remove_dir_all(&tmp);
            return Err(e.into());
        }
        // The new results are in place; failing to delete the old copy is not an error of
        // the run (it is a hidden folder beside the results).
        let _ = fs::remove_dir_all(&old);
    } else if let Err(e) = fs::rename(&tmp, target) {
        let _ = fs::remove_dir_all(&tmp);
        return Err(e.into());
    }
    Ok(target.to_path_buf())
}

/// Writes the results of a run into a new folder `base/id` — or `base/id-2`, `base/id-3`, …
/// when that is taken, also by a run finishing at the same moment: an existing folder is never
/// replaced. Returns the folder written.
pub fn write_new_results(
    base: &Path,
    id: &str,
    summary: &Summary,
    scenario: &Scenario,
    run: &RunInfo,
) -> Result<PathBuf, ResultsError> {
    let tmp = stage(base, id, summary, scenario, run)?;
    for k in 1..10_000 {
        let candidate = if k == 1 {
            base.join(id)
        } else {
            base.join(format!("{id}-{k}"))
        };
        if candidate.exists() {
            continue;
        }
        // Renaming onto a folder another run has just filled fails; then try the next name.
        if fs::rename(&tmp, &candidate).is_ok() {
            return Ok(candidate);
        }
    }
    let _ = fs::remove_dir_all(&tmp);
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("no free results folder for {} in {}", id, base.display()),
    )
    .into())
}

/// A run id from a UTC time: `YYYYMMDD-HHMMSS`.
pub fn run_id(unix_seconds: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(unix_seconds);
    format!("{y:04}{mo:02}{d:02}-{h:02}{mi:02}{s:02}")
}

/// RFC 3339 UTC time, e.g. `2026-11-23T05:10:00Z`.
pub fn rfc3339(unix_seconds: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(unix_seconds);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// Calendar date and time of a Unix timestamp (UTC), by Howard Hinnant's days-to-civil.
fn civil(t: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (t / 86_400) as i64;
    let secs = t % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (secs / 3600) as u32,
        (secs / 60 % 60) as u32,
        (secs % 60) as u32,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_ids_are_utc_calendar_times() {
        assert_eq!(run_id(0), "19700101-000000");
        assert_eq!(rfc3339(1_795_410_600), "2026-11-23T05:10:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
