//! The results folder of a run, written atomically: every file goes into a hidden temporary
//! folder beside the target, `.NAME.tmp-PID`, which is renamed into place only when all files
//! are complete. A run that is interrupted leaves no half-written results: its temporary
//! folder is removed on SIGINT/SIGTERM ([`interrupted`]), and one left by a process that was
//! killed outright is removed by the next run writing beside it ([`clean_stale`]).
//!
//! Before simulating, the command line [`prepare`]s the destination: it checks that the
//! folder may be replaced, takes a lock (`.NAME.lock`, created exclusively, holding the pid)
//! so that a second run writing to the same `-o` folder at the same time is refused instead of
//! silently replacing the first one's results, and writes and removes a probe file so that an
//! unwritable or full disk is found before the run, not after it.

use super::{csv, json};
use crate::scenario::{InputFile, Scenario};
use crate::summary::Summary;
use serde::Serialize;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
    /// The records asked for with `--records` (`contacts`, `journeys`); empty without.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<String>,
    /// The record files streamed during the run, as (name in the results folder, where it was
    /// streamed): moved into the results folder beside `replications.csv`.
    #[serde(skip)]
    pub record_files: Vec<(String, PathBuf)>,
    /// The variants run beside the scenario on the same replications (empty for a plain
    /// run): each is written under `variants/<slug>/`, and `comparison.csv` pairs them with
    /// the scenario.
    #[serde(skip)]
    pub variants: Vec<VariantRun>,
    /// The precision targets of the run and what they came to (`--precision`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<PrecisionRecord>,
    /// The selection of the best system and what it came to (`--select`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selection: Option<SelectionRecord>,
}

/// What `--select` asked and found.
#[derive(Debug, Clone, Serialize)]
pub struct SelectionRecord {
    /// As given: `min:FIGURE` or `max:FIGURE`.
    pub objective: String,
    /// As given: `[SCOPE/]FIGURE>=BOUND[~TOLERANCE]`.
    pub constraints: Vec<String>,
    pub indifference: f64,
    pub confidence: f64,
    pub first_stage: u32,
    /// Replications the procedure needed, and those run.
    pub needed: u32,
    pub replications: u32,
    /// Whether the run reached what was needed (else the guarantee does not hold).
    pub complete: bool,
    /// The selected system's name (`baseline` or a variant's), if any was judged feasible.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selected: Option<String>,
    /// In words.
    pub statement: String,
}

/// What `--precision` asked and found.
#[derive(Debug, Clone, Serialize)]
pub struct PrecisionRecord {
    /// As given: `[SCOPE/]FIGURE=TARGET`.
    pub targets: Vec<String>,
    /// Whether every target was met.
    pub met: bool,
    /// Replications run.
    pub replications: u32,
    /// The most allowed.
    pub max_replications: u32,
    /// In words.
    pub outcome: String,
}

/// A variant's part of a run's results.
#[derive(Debug, Clone)]
pub struct VariantRun {
    pub name: String,
    /// Its folder under `variants/`.
    pub slug: String,
    pub description: Option<String>,
    /// The overlays that make it, as written (`path`, value).
    pub settings: Vec<(String, toml::Value)>,
    pub summary: Summary,
    /// Its paired differences from the scenario.
    pub differences: Vec<crate::compare::FigureComparison>,
    /// Its `replications.csv` as streamed during the run.
    pub replications_csv: Option<PathBuf>,
}

/// A variant as `run.toml` records it: applying `set` to `[scenario]` gives the variant.
#[derive(Serialize)]
struct RecordedVariant<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    set: toml::Table,
}

/// `run.toml`: the run record, every input file with its hash, and the scenario as run. It is
/// itself a scenario file: `cxsim run run.toml` repeats the run.
#[derive(Serialize)]
struct RunToml<'a> {
    run: &'a RunInfo,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    inputs: &'a [InputFile],
    scenario: &'a crate::scenario::raw::RawScenario,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    variants: Vec<RecordedVariant<'a>>,
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

/// The files of one run's figures: `summary.csv`, `intervals.csv`, `replications.csv` (moved
/// from where it was streamed, or its header alone) and `summary.json`.
/// Moves the file streamed at `streamed` to `dir/name` (copies it where a rename cannot).
fn move_in(dir: &Path, name: &str, streamed: &Path) -> io::Result<()> {
    let to = dir.join(name);
    if fs::rename(streamed, &to).is_err() {
        fs::copy(streamed, &to)?;
        fs::remove_file(streamed)?;
    }
    Ok(())
}

fn write_figures(dir: &Path, summary: &Summary, run: &RunInfo, streamed: Option<&PathBuf>) -> io::Result<()> {
    write_file(dir, "summary.csv", |w| csv::write_summary(summary, w).map_err(other))?;
    write_file(dir, "intervals.csv", |w| {
        csv::write_intervals(summary, w).map_err(other)
    })?;
    match streamed {
        Some(streamed) => move_in(dir, "replications.csv", streamed)?,
        None => write_file(dir, "replications.csv", |w| {
            w.write_all(csv::REPLICATION_COLUMNS.join(",").as_bytes())?;
            w.write_all(b"\n")
        })?,
    }
    write_file(dir, "summary.json", |w| {
        let text = json::render(summary, run).map_err(other)?;
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })
}

fn write_all(dir: &Path, summary: &Summary, scenario: &Scenario, run: &RunInfo) -> io::Result<()> {
    write_figures(dir, summary, run, run.replications_csv.as_ref())?;
    for (name, streamed) in &run.record_files {
        move_in(dir, name, streamed)?;
    }
    if !run.variants.is_empty() {
        write_file(dir, "comparison.csv", |w| {
            csv::write_comparison(summary, &run.variants, w).map_err(other)
        })?;
        let root = dir.join("variants");
        fs::create_dir(&root)?;
        for v in &run.variants {
            let sub = root.join(&v.slug);
            fs::create_dir(&sub)?;
            write_figures(&sub, &v.summary, run, v.replications_csv.as_ref())?;
        }
    }
    let variants = run
        .variants
        .iter()
        .map(|v| RecordedVariant {
            name: &v.name,
            description: v.description.as_deref(),
            set: v.settings.iter().cloned().collect(),
        })
        .collect();
    write_file(dir, "run.toml", |w| {
        let text = toml::to_string(&RunToml {
            run,
            inputs: &scenario.inputs,
            scenario: &scenario.raw,
            variants,
        })
        .map_err(other)?;
        w.write_all(RUN_TOML_HEADER.as_bytes())?;
        w.write_all(
            b" [run] says how it ran, [[inputs]] lists every input file with its\n\
              # SHA-256, [scenario] is the scenario as run (command-line overrides applied, samples files\n\
              # by absolute path), each [[variants]] the fields it sets in [scenario]. `cxsim run` on\n\
              # this file repeats the run.\n",
        )?;
        w.write_all(text.as_bytes())
    })
}

/// How every `run.toml` begins; it marks a folder as cxsim's results.
const RUN_TOML_HEADER: &str = "# The run record of cxsim:";

/// The files of a results folder.
pub const RESULT_FILES: [&str; 9] = [
    "summary.csv",
    "contacts.csv",
    "journeys.csv",
    "comparison.csv",
    "variants",
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
    /// Another running cxsim process is writing to the same folder.
    #[error(
        "another cxsim run (process {pid}) is writing to {}; wait for it to finish or choose another folder with -o (if no such run is going on, delete {})",
        path.display(),
        lock.display()
    )]
    Busy { path: PathBuf, lock: PathBuf, pid: u32 },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Paths to remove if the process is interrupted: the lock file and the temporary folder of
/// the write in progress.
static CLEANUP: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
/// Held while results are staged and renamed, so an interrupt waits for a write in progress
/// to finish (or fail and clean up) instead of racing it.
static WRITING: Mutex<()> = Mutex::new(());

fn register(path: &Path) {
    CLEANUP.lock().unwrap_or_else(|e| e.into_inner()).push(path.to_owned());
}

/// Set once an interrupt has cleaned up: nothing new may be created after that.
static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Creates the new file `path` (it must not exist), to be removed if the run is interrupted.
/// Creation and registration happen under the same lock as the interrupt's clean-up, so an
/// interrupt either removes the file or finds it never made.
pub fn create_temporary_file(path: &Path) -> io::Result<fs::File> {
    let _writing = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    if INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst) {
        return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
    }
    let file = fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    register(path);
    Ok(file)
}

/// Writes `bytes` to `path` through a temporary file beside it (`.NAME.tmp-PID`), synced and
/// renamed into place: a reader finds the old file or the whole new one, never a part, and an
/// interrupted write leaves no temporary file behind.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let written = (|| -> io::Result<()> {
        let mut f = create_temporary_file(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Registers the folder `path`, just created by this process, for removal if the run is
/// interrupted (e.g. the spool of a recording sweep).
pub fn register_temporary_dir(path: &Path) {
    register(path);
}

/// How the name of a streamed `replications.csv` begins; the pid and `.csv` follow.
const STREAM_PREFIX: &str = ".cxsim-replications-";

/// How the names of a run's streamed record files (`.cxsim-records-PID-contacts.csv`) and of
/// its spool folders of part files (`.cxsim-records-PID-N`) begin.
const RECORDS_PREFIX: &str = crate::sweep::records::SPOOL_PREFIX;

/// The hidden name under which process `pid` streams the record file `name`
/// (`contacts.csv`, `journeys.csv`) beside the results folder before moving it in.
pub fn records_stream_name(pid: u32, name: &str) -> String {
    format!("{RECORDS_PREFIX}{pid}-{name}")
}

/// The hidden name under which process `pid` streams `replications.csv` beside the results
/// folder before moving it in ([`clean_stale`] removes those of dead processes).
/// The records of run `run` of a study (0 the scenario, `1 + k` its variant k) take the name
/// `…PID-RUN.csv`.
pub fn stream_name(pid: u32, run: usize) -> String {
    match run {
        0 => format!("{STREAM_PREFIX}{pid}.csv"),
        k => format!("{STREAM_PREFIX}{pid}-{k}.csv"),
    }
}

fn unregister(path: &Path) {
    CLEANUP.lock().unwrap_or_else(|e| e.into_inner()).retain(|p| p != path);
}

/// Call from a SIGINT/SIGTERM handler before exiting: waits for a results write in progress
/// to finish, then removes this process's temporary folder and lock file, if any.
pub fn interrupted() {
    let _writing = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
    let paths = std::mem::take(&mut *CLEANUP.lock().unwrap_or_else(|e| e.into_inner()));
    for p in paths {
        if p.is_dir() {
            let _ = fs::remove_dir_all(&p);
        } else {
            let _ = fs::remove_file(&p);
        }
    }
}

/// Whether process `pid` is running. `None` when that cannot be told (no `/proc`).
fn process_alive(pid: u32) -> Option<bool> {
    if !Path::new("/proc/self").exists() {
        return None;
    }
    Some(pid == std::process::id() || Path::new("/proc").join(pid.to_string()).exists())
}

/// A hidden folder name `.NAME.tmp-PID` or `.NAME.old-PID`: `(NAME, is_old, PID)`.
fn staged_name(file_name: &str) -> Option<(&str, bool, u32)> {
    let rest = file_name.strip_prefix('.')?;
    let (head, pid) = rest.rsplit_once('-')?;
    let pid = pid.parse().ok()?;
    if let Some(name) = head.strip_suffix(".tmp") {
        Some((name, false, pid))
    } else {
        head.strip_suffix(".old").map(|name| (name, true, pid))
    }
}

/// Cleans up after processes killed while writing results in `dir`: their temporary folders
/// (`.NAME.tmp-PID`), probe files (`.cxsim-probe-PID`), streamed records
/// (`.cxsim-replications-PID.csv`, `.cxsim-records-PID-…` files and spool folders) are removed, and a replaced folder
/// (`.NAME.old-PID`) is put back at `NAME` if nothing took its place (else removed). Folders of running processes, and
/// everything else, are left alone; where processes cannot be looked up, nothing is touched.
pub fn clean_stale(dir: &Path) -> io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        other => other?,
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some((target, is_old, pid)) = staged_name(&name)
            && process_alive(pid) == Some(false)
            && entry.file_type()?.is_dir()
        {
            let target = dir.join(target);
            if is_old && !target.exists() {
                fs::rename(entry.path(), target)?;
            } else {
                fs::remove_dir_all(entry.path())?;
            }
        } else if let Some(pid) = name
            .strip_prefix(PROBE_PREFIX)
            .or_else(|| {
                name.strip_prefix(STREAM_PREFIX)
                    .and_then(|p| p.strip_suffix(".csv"))
                    .map(|p| p.split_once('-').map_or(p, |(pid, _)| pid))
            })
            .and_then(|p| p.parse::<u32>().ok())
            && process_alive(pid) == Some(false)
            && entry.file_type()?.is_file()
        {
            fs::remove_file(entry.path())?;
        } else if let Some(pid) = name
            .strip_prefix(RECORDS_PREFIX)
            .and_then(|p| p.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
            && process_alive(pid) == Some(false)
        {
            if entry.file_type()?.is_dir() {
                fs::remove_dir_all(entry.path())?;
            } else {
                fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(())
}

/// The folder that holds `target` (`.` for a bare name) and `target`'s own name.
fn split_target(target: &Path) -> (PathBuf, String) {
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run".into());
    (parent, name)
}

/// How the name of a probe file begins; the pid follows.
const PROBE_PREFIX: &str = ".cxsim-probe-";

/// Creates the folder `dir` and its parents if needed; a file in the way is named.
fn create_dir(dir: &Path) -> io::Result<()> {
    if let Some(file) = dir.ancestors().find(|a| a.is_file()) {
        return Err(io::Error::new(
            io::ErrorKind::NotADirectory,
            format!("{} is a file, not a folder", file.display()),
        ));
    }
    fs::create_dir_all(dir)
}

/// Creates `dir` if needed, then creates, writes, syncs and removes a probe file in it: a
/// folder that cannot be written, or a full disk, fails here.
pub fn probe_writable(dir: &Path) -> io::Result<()> {
    create_dir(dir)?;
    let probe = dir.join(format!("{PROBE_PREFIX}{}", std::process::id()));
    let mut f = create_temporary_file(&probe)?;
    let result = f.write_all(&[0u8; 64 * 1024]).and_then(|()| f.sync_all());
    let removed = fs::remove_file(&probe);
    unregister(&probe);
    result?;
    removed
}

/// An exclusive claim on a results folder, held from before the run until its results are in
/// place; the lock file is removed when this is dropped.
#[derive(Debug)]
pub struct OutputLock {
    path: PathBuf,
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
        unregister(&self.path);
    }
}

/// Takes the lock `.NAME.lock` beside `target` (its parent is created). A lock left by a
/// process that is no longer running is taken over; one held by a running process is
/// [`ResultsError::Busy`].
pub fn lock(target: &Path) -> Result<OutputLock, ResultsError> {
    let (parent, name) = split_target(target);
    create_dir(&parent)?;
    let path = parent.join(format!(".{name}.lock"));
    for _ in 0..2 {
        // Created and registered for removal in one step, so an interrupt at any instant
        // either removes the lock or finds it never made.
        match create_temporary_file(&path) {
            Ok(mut f) => {
                let lock = OutputLock { path };
                writeln!(f, "{}", std::process::id())?;
                return Ok(lock);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let pid = fs::read_to_string(&path)
                    .ok()
                    .and_then(|t| t.trim().parse::<u32>().ok());
                match pid {
                    Some(pid) if process_alive(pid) == Some(false) => {
                        let _ = fs::remove_file(&path);
                    }
                    // A lock being written this instant has no pid yet; treat it as held.
                    pid => {
                        return Err(ResultsError::Busy {
                            path: target.to_owned(),
                            lock: path,
                            pid: pid.unwrap_or(0),
                        });
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        format!("cannot take the lock {}", path.display()),
    )
    .into())
}

/// Where a run's results go.
#[derive(Debug, Clone)]
pub enum Destination {
    /// This folder, created or replaced whole if it holds an earlier run's results (`-o`).
    Folder(PathBuf),
    /// A new folder `base/ID` (or `base/ID-2`, …): never replaces anything.
    NewUnder(PathBuf),
}

/// A destination checked before the run: see the module docs.
#[derive(Debug)]
pub struct Prepared {
    destination: Destination,
    _lock: Option<OutputLock>,
}

/// Checks, locks and probes `destination` before a run, and removes stale temporary folders
/// beside it; see the module docs.
pub fn prepare(destination: Destination) -> Result<Prepared, ResultsError> {
    let (dir, lock) = match &destination {
        Destination::Folder(target) => {
            // Lock first: then nothing else changes the folder while it is checked.
            let lock = lock(target)?;
            let dir = split_target(target).0;
            clean_stale(&dir)?;
            check_replaceable(target)?;
            (dir, Some(lock))
        }
        Destination::NewUnder(base) => {
            clean_stale(base)?;
            (base.clone(), None)
        }
    };
    probe_writable(&dir)?;
    Ok(Prepared {
        destination,
        _lock: lock,
    })
}

impl Prepared {
    /// The folder in which the results folder is created and its files are staged.
    pub fn dir(&self) -> PathBuf {
        match &self.destination {
            Destination::Folder(target) => split_target(target).0,
            Destination::NewUnder(base) => base.clone(),
        }
    }

    /// Writes the results (`id` names a new folder under a [`Destination::NewUnder`]) and
    /// returns the folder written; the lock is released when `self` is dropped.
    pub fn write(
        &self,
        id: &str,
        summary: &Summary,
        scenario: &Scenario,
        run: &RunInfo,
    ) -> Result<PathBuf, ResultsError> {
        match &self.destination {
            Destination::Folder(target) => write_results(target, summary, scenario, run),
            Destination::NewUnder(base) => write_new_results(base, id, summary, scenario, run),
        }
    }
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
    register(&tmp);
    fs::create_dir(&tmp)?;
    if let Err(e) = write_all(&tmp, summary, scenario, run) {
        let _ = fs::remove_dir_all(&tmp);
        unregister(&tmp);
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
    let (parent, name) = split_target(target);
    let pid = std::process::id();
    let _writing = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = stage(&parent, &name, summary, scenario, run)?;
    let result = replace_with(target, &parent, &name, pid, &tmp);
    unregister(&tmp);
    result
}

/// Puts the staged folder `tmp` at `target`, replacing what is there.
fn replace_with(target: &Path, parent: &Path, name: &str, pid: u32, tmp: &Path) -> Result<PathBuf, ResultsError> {
    if target.exists() {
        let old = parent.join(format!(".{name}.old-{pid}"));
        if let Err(e) = fs::rename(target, &old) {
            let _ = fs::remove_dir_all(tmp);
            return Err(e.into());
        }
        if let Err(e) = fs::rename(tmp, target) {
            let _ = fs::rename(&old, target);
            let _ = fs::remove_dir_all(tmp);
            return Err(e.into());
        }
        // The new results are in place; failing to delete the old copy is not an error of
        // the run (it is a hidden folder beside the results).
        let _ = fs::remove_dir_all(&old);
    } else if let Err(e) = fs::rename(tmp, target) {
        let _ = fs::remove_dir_all(tmp);
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
    let _writing = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = stage(base, id, summary, scenario, run)?;
    let result = rename_to_free_name(base, id, &tmp);
    unregister(&tmp);
    result
}

/// Renames the staged folder `tmp` to the first free name `base/id`, `base/id-2`, ….
fn rename_to_free_name(base: &Path, id: &str, tmp: &Path) -> Result<PathBuf, ResultsError> {
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
        if fs::rename(tmp, &candidate).is_ok() {
            return Ok(candidate);
        }
    }
    let _ = fs::remove_dir_all(tmp);
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
    fn stale_folders_of_dead_processes_are_removed_or_put_back() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // A replaced folder whose replacement never arrived is put back; one that was
        // replaced is removed; a temporary folder is removed; a live process's is kept.
        fs::create_dir(d.join(".lost.old-4194304999")).unwrap();
        fs::write(d.join(".lost.old-4194304999/run.toml"), "kept").unwrap();
        fs::create_dir(d.join("done")).unwrap();
        fs::create_dir(d.join(".done.old-4194304999")).unwrap();
        fs::create_dir(d.join(".half.tmp-4194304999")).unwrap();
        let live = format!(".busy.tmp-{}", std::process::id());
        fs::create_dir(d.join(&live)).unwrap();
        fs::create_dir(d.join(".notes")).unwrap();
        fs::write(d.join(".cxsim-probe-4194304999"), "").unwrap();
        fs::write(d.join(".cxsim-records-4194304999-contacts.csv"), "").unwrap();
        fs::create_dir(d.join(".cxsim-records-4194304999-0")).unwrap();
        fs::write(d.join(".cxsim-records-4194304999-0/3.contacts.part"), "").unwrap();
        clean_stale(d).unwrap();
        let mut left: Vec<String> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [live, ".notes".into(), "done".into(), "lost".into()]);
        assert_eq!(fs::read_to_string(d.join("lost/run.toml")).unwrap(), "kept");
    }

    #[test]
    fn run_ids_are_utc_calendar_times() {
        assert_eq!(run_id(0), "19700101-000000");
        assert_eq!(rfc3339(1_795_410_600), "2026-11-23T05:10:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }
}
