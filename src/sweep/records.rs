//! Sweeps that record every contact and journey ([`run_recording`]): each replication writes
//! its rows through a [`ContactRecorder`] into part files of its own, and the fold appends
//! them to the caller's writers in replication order.
//!
//! Replications run in parallel and end in any order, but a part is appended only when its
//! replication is folded — serially, in job order — so the records are the same bytes for
//! any number of threads. Memory stays flat: a worker writes through one `BufWriter` per file,
//! and the rows of a round wait on disk (in a spool folder of part files), never in memory.
//! The parts of replications that are not folded (a sweep stopped early by its sink, or
//! failed) are never appended; the spool folder is removed when the [`Recording`] is dropped.
//!
//! Nothing here is on the path of a sweep without records: [`Unwatched`] makes the workers'
//! observer the bare [`Collector`], the engine type of [`super::run_plan`].

use super::{Plan, Sink, SweepError, SweepOptions};
use crate::routing::{LongestIdleFifo, RoutingPolicy, SkillsRouting};
use crate::scenario::Scenario;
use crate::stats::records::{write_contact_header, write_journey_header};
use crate::stats::{Collector, ContactRecorder, Observer};
use crate::summary::Summary;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

/// What watches each worker's engine beside its collector, and what happens to it around each
/// replication and at each fold.
pub(crate) trait Watch: Sync {
    /// The workers' observer: the collector and what watches beside it.
    type Observer: Observer + Send;
    fn observer(&self, sc: &Scenario) -> Self::Observer;
    fn collector(o: &mut Self::Observer) -> &mut Collector;
    /// Before replication `rep` runs on a worker.
    fn begin(&self, o: &mut Self::Observer, rep: u32) -> io::Result<()>;
    /// After it ran, on the same worker.
    fn end(&self, o: &mut Self::Observer, rep: u32) -> io::Result<()>;
    /// Serially, in job order, as replication `rep`'s output is folded.
    fn fold(&self, rep: u32) -> io::Result<()>;
}

/// Nothing beside the collector.
pub(crate) struct Unwatched;

impl Watch for Unwatched {
    type Observer = Collector;
    #[inline]
    fn observer(&self, sc: &Scenario) -> Collector {
        Collector::new(sc)
    }
    #[inline]
    fn collector(o: &mut Collector) -> &mut Collector {
        o
    }
    #[inline]
    fn begin(&self, _: &mut Collector, _: u32) -> io::Result<()> {
        Ok(())
    }
    #[inline]
    fn end(&self, _: &mut Collector, _: u32) -> io::Result<()> {
        Ok(())
    }
    #[inline]
    fn fold(&self, _: u32) -> io::Result<()> {
        Ok(())
    }
}

/// A worker's part file for the replication it runs; none between replications.
#[derive(Debug, Default)]
pub(crate) struct PartFile(Option<BufWriter<File>>);

impl PartFile {
    fn closed() -> io::Error {
        io::Error::other("a record written outside a replication")
    }
}

impl Write for PartFile {
    #[inline]
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.as_mut().ok_or_else(Self::closed)?.write(buf)
    }
    #[inline]
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.0.as_mut().ok_or_else(Self::closed)?.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.as_mut().map_or(Ok(()), |w| w.flush())
    }
}

/// How the spool folders of a process are named: `.cxsim-records-PID-N`.
pub const SPOOL_PREFIX: &str = ".cxsim-records-";

/// A folder of part files, removed with everything in it when dropped.
#[derive(Debug)]
struct Spool {
    dir: PathBuf,
}

impl Spool {
    /// Creates a new folder `.cxsim-records-PID-N` in `parent` (which must exist).
    fn create(parent: &Path) -> io::Result<Self> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        loop {
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let dir = parent.join(format!("{SPOOL_PREFIX}{}-{n}", std::process::id()));
            match fs::create_dir(&dir) {
                Ok(()) => return Ok(Self { dir }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn part(&self, rep: u32, kind: &str) -> PathBuf {
        self.dir.join(format!("{rep}.{kind}.part"))
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// Where a recording sweep writes: `contacts.csv` rows to `contacts`, `journeys.csv` rows to
/// `journeys`, each if given and with its header (written by [`Recording::new`]); rows are in
/// replication order, and within a replication in event order (see
/// [`crate::stats::records`] for the columns and their units). Part files wait in a spool
/// folder of their own, removed when the recording is dropped or finished.
#[derive(Debug)]
pub struct Recording<C: Write, J: Write> {
    contacts: Option<C>,
    journeys: Option<J>,
    spool: Spool,
}

impl<C: Write, J: Write> Recording<C, J> {
    /// Writes the headers and creates the spool folder, `.cxsim-records-PID-N` inside
    /// `spool_parent` (an existing folder; the spool holds about a round of replications'
    /// records at a time: give it room on disk).
    pub fn new(mut contacts: Option<C>, mut journeys: Option<J>, spool_parent: &Path) -> io::Result<Self> {
        let spool = Spool::create(spool_parent)?;
        if let Some(c) = &mut contacts {
            write_contact_header(c)?;
        }
        if let Some(j) = &mut journeys {
            write_journey_header(j)?;
        }
        Ok(Self {
            contacts,
            journeys,
            spool,
        })
    }

    /// The spool folder of part files.
    pub fn spool_dir(&self) -> &Path {
        &self.spool.dir
    }

    /// Flushes the writers, removes the spool folder and gives the writers back.
    pub fn finish(self) -> io::Result<(Option<C>, Option<J>)> {
        let Recording {
            mut contacts,
            mut journeys,
            spool,
        } = self;
        drop(spool);
        if let Some(c) = &mut contacts {
            c.flush()?;
        }
        if let Some(j) = &mut journeys {
            j.flush()?;
        }
        Ok((contacts, journeys))
    }
}

/// Appends part file `path` to `w` and removes it.
fn append(path: &Path, w: &mut impl Write) -> io::Result<()> {
    let mut part = File::open(path)?;
    io::copy(&mut part, w)?;
    drop(part);
    fs::remove_file(path)
}

/// Opens `path` for a replication's rows.
fn create_part(path: &Path) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(1 << 16, File::create(path)?))
}

/// The watch of a recording sweep: a [`ContactRecorder`] beside each worker's collector.
struct Recorders<'r, C, J> {
    spool: &'r Spool,
    contacts: bool,
    journeys: bool,
    out: Mutex<(Option<&'r mut C>, Option<&'r mut J>)>,
}

impl<C: Write + Send, J: Write + Send> Watch for Recorders<'_, C, J> {
    type Observer = (Collector, ContactRecorder<PartFile>);

    fn observer(&self, sc: &Scenario) -> Self::Observer {
        let contacts = self.contacts.then(PartFile::default);
        let journeys = self.journeys.then(PartFile::default);
        (Collector::new(sc), ContactRecorder::new(sc, contacts, journeys))
    }

    fn collector(o: &mut Self::Observer) -> &mut Collector {
        &mut o.0
    }

    fn begin(&self, o: &mut Self::Observer, rep: u32) -> io::Result<()> {
        let _ = o.1.take_error();
        let (c, j) = o.1.writers_mut();
        if let Some(c) = c {
            c.0 = Some(create_part(&self.spool.part(rep, "contacts"))?);
        }
        if let Some(j) = j {
            j.0 = Some(create_part(&self.spool.part(rep, "journeys"))?);
        }
        Ok(())
    }

    fn end(&self, o: &mut Self::Observer, _rep: u32) -> io::Result<()> {
        let flushed = o.1.flush();
        let (c, j) = o.1.writers_mut();
        let closed = [c.and_then(|c| c.0.take()), j.and_then(|j| j.0.take())]
            .into_iter()
            .flatten()
            .try_for_each(|w| w.into_inner().map(drop).map_err(io::IntoInnerError::into_error));
        flushed.and(closed)
    }

    fn fold(&self, rep: u32) -> io::Result<()> {
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let (contacts, journeys) = &mut *out;
        if let Some(c) = contacts {
            append(&self.spool.part(rep, "contacts"), *c)?;
        }
        if let Some(j) = journeys {
            append(&self.spool.part(rep, "journeys"), *j)?;
        }
        Ok(())
    }
}

/// [`super::run_plan`] recording every contact attempt and journey into `recording`: the
/// same summary, to the bit, as without records.
pub fn run_plan_recording<P, F, C, J>(
    sc: &Scenario,
    plan: &Plan,
    opts: SweepOptions,
    make_policy: F,
    on_done: &(dyn Fn() + Sync),
    sink: &mut (dyn Sink + Send),
    recording: &mut Recording<C, J>,
) -> Result<Summary, SweepError>
where
    P: RoutingPolicy + Send,
    F: Fn() -> P + Sync,
    C: Write + Send,
    J: Write + Send,
{
    let Recording {
        contacts,
        journeys,
        spool,
    } = recording;
    let watch = Recorders {
        spool,
        contacts: contacts.is_some(),
        journeys: journeys.is_some(),
        out: Mutex::new((contacts.as_mut(), journeys.as_mut())),
    };
    super::run_watched(sc, plan, opts, make_policy, on_done, sink, &watch, true).map(|s| s.expect("folded"))
}

/// [`run_plan_recording`] with the built-in routing the scenario asks for (as
/// [`super::run_built_in`]).
pub fn run_built_in_recording<C: Write + Send, J: Write + Send>(
    sc: &Scenario,
    plan: &Plan,
    opts: SweepOptions,
    on_done: &(dyn Fn() + Sync),
    sink: &mut (dyn Sink + Send),
    recording: &mut Recording<C, J>,
) -> Result<Summary, SweepError> {
    if sc.skills_routing {
        run_plan_recording(sc, plan, opts, || SkillsRouting::new(sc), on_done, sink, recording)
    } else {
        run_plan_recording(sc, plan, opts, || LongestIdleFifo, on_done, sink, recording)
    }
}

/// Runs replications `0..sc.replications` with the built-in routing (as [`super::run`]),
/// writing `contacts.csv` to `contacts` and, if given, `journeys.csv` to `journeys` (header
/// included; columns and units in [`crate::stats::records::CONTACT_COLUMNS`] and
/// [`crate::stats::records::JOURNEY_COLUMNS`]). Part files wait in a spool folder under the
/// system's temporary folder. Returns the summary — the same bits as [`super::run`]'s — and
/// the writers, flushed.
///
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let sc = cxsim::scenario::load(std::path::Path::new("scenarios/erlang_c.toml"))?;
/// use std::io::BufWriter;
/// use std::fs::File;
/// let contacts = BufWriter::new(File::create("contacts.csv")?);
/// let journeys = BufWriter::new(File::create("journeys.csv")?);
/// let opts = cxsim::sweep::SweepOptions::default();
/// let (summary, _, _) = cxsim::sweep::run_recording(&sc, opts, contacts, Some(journeys))?;
/// # let _ = summary; Ok(()) }
/// ```
pub fn run_recording<C: Write + Send, J: Write + Send>(
    sc: &Scenario,
    opts: SweepOptions,
    contacts: C,
    journeys: Option<J>,
) -> Result<(Summary, C, Option<J>), SweepError> {
    let mut recording = Recording::new(Some(contacts), journeys, &std::env::temp_dir()).map_err(SweepError::Records)?;
    let summary = run_built_in_recording(sc, &Plan::all(sc), opts, &|| {}, &mut super::NoSink, &mut recording)?;
    let (contacts, journeys) = recording.finish().map_err(SweepError::Records)?;
    let contacts = contacts.expect("given to the recording");
    Ok((summary, contacts, journeys))
}
