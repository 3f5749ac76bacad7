//! Running many replications: jobs in parallel with rayon, collected in job order, folded
//! serially into a [`Summary`].
//!
//! Replications are processed in chunks of a few per thread: the chunk runs in parallel, its
//! outputs come back in job order, and a folding thread folds them one by one while the next
//! chunk runs. Memory therefore stays bounded whatever the number of replications, and the
//! fold sees the same sequence for 1, 2 or 64 threads — so the results are bit-identical
//! (floats are never reduced in parallel: rayon's work stealing would regroup the additions).
//! Each worker thread keeps one [`Engine`] and reuses it for every replication it runs.

use crate::engine::{Engine, InSystemOverflow};
use crate::routing::{LongestIdleFifo, RoutingPolicy, SkillsRouting};
use crate::scenario::Scenario;
use crate::stats::Collector;
use crate::stats::RepOutput;
use crate::summary::{FoldError, Summary, SummaryBuilder};
use rayon::prelude::*;
use std::sync::Mutex;

pub mod records;

pub use records::{Recording, run_built_in_recording, run_plan_recording, run_recording};

/// One worker's engine on cache lines of its own: engines side by side in a `Vec` would share
/// the cache line at their boundary, and two threads updating hot fields there (the clock,
/// counters) would slow each other down (false sharing; measured: 20% more CPU on 2 threads).
#[repr(align(128))]
struct CacheAligned<T>(T);

/// Why a sweep could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    #[error("cannot start {threads} worker threads: {source}")]
    ThreadPool {
        threads: usize,
        #[source]
        source: rayon::ThreadPoolBuildError,
    },
    #[error(transparent)]
    Fold(#[from] FoldError),
    /// A replication passed the bound on contacts in the system (a runaway queue).
    #[error(transparent)]
    Overflow(#[from] InSystemOverflow),
    /// The caller's [`Sink`] failed (e.g. writing `replications.csv`).
    #[error("{0}")]
    Sink(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Stored outputs could not be read back ([`fold`]).
    #[error("{0}")]
    Stored(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Per-contact or per-journey records could not be written ([`run_recording`]).
    #[error("cannot write records: {0}")]
    Records(#[source] std::io::Error),
}

/// The jobs of a sweep, in the order their outputs are folded: replication numbers (each with
/// its own random streams). A whole run is `0..replications`; a shard of it is a sub-range,
/// and any list of distinct replications gives the same figures for them wherever it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    jobs: Vec<u32>,
    /// Positions in `jobs` that no round of replications crosses: the sink's `on_round` sees
    /// exactly that many folded, whatever the number of threads (see [`Plan::with_stops`]).
    stops: Vec<usize>,
}

impl Plan {
    /// Replications `0..sc.replications`.
    pub fn all(sc: &Scenario) -> Self {
        Self::of((0..sc.replications).collect())
    }

    /// These replications, in this order.
    pub fn of(jobs: Vec<u32>) -> Self {
        Self {
            jobs,
            stops: Vec::new(),
        }
    }

    /// The same jobs, with rounds cut at these numbers of replications: a sink that decides
    /// whether to go on at a stop (target precision) then decides on the same replications
    /// for any thread count.
    pub fn with_stops(mut self, stops: Vec<usize>) -> Self {
        self.stops = stops;
        self
    }

    /// The rounds of `chunk` replications (fewer at a stop and at the end).
    fn rounds(&self, chunk: usize) -> Vec<&[u32]> {
        let mut bounds: Vec<usize> = self
            .stops
            .iter()
            .copied()
            .filter(|s| (1..self.jobs.len()).contains(s))
            .chain([self.jobs.len()])
            .collect();
        bounds.sort_unstable();
        bounds.dedup();
        let mut start = 0;
        let mut rounds = Vec::new();
        for end in bounds {
            rounds.extend(self.jobs[start..end].chunks(chunk.max(1)));
            start = end;
        }
        rounds
    }

    pub fn jobs(&self) -> &[u32] {
        &self.jobs
    }
}

/// What a caller sees of a sweep while it runs, serially on the calling thread.
#[allow(unused_variables)]
pub trait Sink {
    /// Each replication's output, in job order, as it is folded (to stream per-replication
    /// records to a file instead of keeping them).
    fn on_output(&mut self, sc: &Scenario, out: &RepOutput) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Ok(())
    }
    /// After each round of replications, with the running fold (read a figure with
    /// `running.summary()`); return `false` to stop after this round. Rounds depend on the
    /// number of threads, except that none crosses a stop of the plan ([`Plan::with_stops`]).
    fn on_round(&mut self, running: &SummaryBuilder<'_>) -> bool {
        true
    }
}

/// A sink that keeps nothing and never stops a sweep early.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoSink;
impl Sink for NoSink {}

/// How to run a sweep.
#[derive(Debug, Clone, Copy)]
pub struct SweepOptions {
    /// Worker threads (>= 1).
    pub threads: usize,
}

impl SweepOptions {
    /// The worker threads a sweep of `sc` really uses: at least 1, at most one per
    /// replication and at most what rayon supports.
    pub fn effective_threads(&self, sc: &Scenario) -> usize {
        self.threads
            .clamp(1, rayon::max_num_threads())
            .min(sc.replications.max(1) as usize)
    }
}

impl Default for SweepOptions {
    fn default() -> Self {
        Self {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// Runs one replication on a fresh engine (for tests and single runs).
pub fn run_replication(sc: &Scenario, replication: u32) -> RepOutput {
    let mut engine = Engine::new(sc);
    engine.run(replication);
    engine.observer().output(engine.events_processed())
}

/// Runs replications `0..sc.replications` with the built-in routing and summarises them.
/// `on_done` is called (from worker threads) once per finished replication, e.g. to advance a
/// progress bar.
pub fn run(sc: &Scenario, opts: SweepOptions, on_done: &(dyn Fn() + Sync)) -> Result<Summary, SweepError> {
    run_built_in(sc, &Plan::all(sc), opts, on_done, &mut NoSink)
}

/// [`run_plan`] with the built-in routing the scenario asks for, each policy its own engine
/// type (no dispatch per decision): [`LongestIdleFifo`] unless the scenario needs
/// [`SkillsRouting`]. The same results as [`Policy`] bound to the scenario.
pub fn run_built_in(
    sc: &Scenario,
    plan: &Plan,
    opts: SweepOptions,
    on_done: &(dyn Fn() + Sync),
    sink: &mut (dyn Sink + Send),
) -> Result<Summary, SweepError> {
    built_in(sc, plan, opts, on_done, sink, true).map(|s| s.expect("folded"))
}

/// Runs replications `0..sc.replications` with the built-in routing and maps each output with
/// `f` on the worker that ran it; the values come back in replication order, the same for any
/// number of threads. No summary is folded and no round waits for another: for searches that
/// read a few figures of many runs of a scenario.
pub fn map_replications<T: Send>(
    sc: &Scenario,
    opts: SweepOptions,
    f: &(dyn Fn(&RepOutput) -> T + Sync),
) -> Result<Vec<T>, SweepError> {
    if sc.skills_routing {
        map_with_policy(sc, opts, || SkillsRouting::new(sc), f)
    } else {
        map_with_policy(sc, opts, || LongestIdleFifo, f)
    }
}

/// Folds outputs that were simulated elsewhere (a sweep's shards) exactly as a sweep of
/// `plan` folds them: in job order through `sink`, into the same summary, bit for bit. An
/// output that is not the plan's next replication is a [`FoldError`]; a read that fails
/// stops the fold with [`SweepError::Stored`].
pub fn fold<E>(
    sc: &Scenario,
    plan: &Plan,
    outputs: impl IntoIterator<Item = Result<RepOutput, E>>,
    sink: &mut (dyn Sink + Send),
) -> Result<Summary, SweepError>
where
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut builder = SummaryBuilder::with_plan(sc, plan.jobs.clone());
    for out in outputs {
        let out = out.map_err(|e| SweepError::Stored(e.into()))?;
        builder.add(&out)?;
        sink.on_output(sc, &out).map_err(SweepError::Sink)?;
        if !sink.on_round(&builder) {
            return Ok(builder.finish());
        }
    }
    let folded = builder.replications() as usize;
    if folded < plan.jobs.len() {
        return Err(FoldError::Missing {
            expected: plan.jobs.len(),
            got: folded,
        }
        .into());
    }
    Ok(builder.finish())
}

/// A worker's engine, made on its first replication.
type WorkerSlot<'a, P, O> = CacheAligned<Mutex<Option<Engine<'a, P, O>>>>;

/// A worker's engine and the output it fills again.
type EngineAndSpare<'a, P> = (Engine<'a, P>, Option<RepOutput>);

fn map_with_policy<P, F, T>(
    sc: &Scenario,
    opts: SweepOptions,
    make_policy: F,
    f: &(dyn Fn(&RepOutput) -> T + Sync),
) -> Result<Vec<T>, SweepError>
where
    P: RoutingPolicy + Send,
    F: Fn() -> P + Sync,
    T: Send,
{
    let threads = opts.effective_threads(sc).min(sc.replications.max(1) as usize);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("cxsim-worker-{i}"))
        .build()
        .map_err(|source| SweepError::ThreadPool { threads, source })?;
    let engines: Vec<CacheAligned<Mutex<Option<EngineAndSpare<'_, P>>>>> =
        (0..threads).map(|_| CacheAligned(Mutex::new(None))).collect();
    let values: Result<Vec<T>, InSystemOverflow> = pool.install(|| {
        (0..sc.replications)
            .into_par_iter()
            .map(|rep| {
                let slot = rayon::current_thread_index().unwrap_or(0) % threads;
                let mut guard = engines[slot].0.lock().unwrap_or_else(|e| e.into_inner());
                let (engine, spare) =
                    guard.get_or_insert_with(|| (Engine::with(sc, make_policy(), Collector::new(sc)), None));
                engine.try_run(rep)?;
                let events = engine.events_processed();
                let out = engine.observer_mut().output_reusing(events, spare.take());
                let value = f(&out);
                *spare = Some(out);
                Ok(value)
            })
            .collect()
    });
    Ok(values?)
}

/// Like [`run`], with a routing policy of the caller's: `make_policy` builds one per worker
/// thread. The policy's `on_start` is called before every replication, so a stateful policy
/// stays deterministic; results are bit-identical for any thread count as long as its
/// decisions depend only on the view and that state.
pub fn run_with_policy<P, F>(
    sc: &Scenario,
    opts: SweepOptions,
    make_policy: F,
    on_done: &(dyn Fn() + Sync),
) -> Result<Summary, SweepError>
where
    P: RoutingPolicy + Send,
    F: Fn() -> P + Sync,
{
    run_plan(sc, &Plan::all(sc), opts, make_policy, on_done, &mut NoSink)
}

/// The general sweep: the jobs of `plan`, a policy per worker from `make_policy`, `on_done`
/// called from workers once per finished replication (a progress bar), and `sink` told of each
/// output and each round serially, in job order.
pub fn run_plan<P, F>(
    sc: &Scenario,
    plan: &Plan,
    opts: SweepOptions,
    make_policy: F,
    on_done: &(dyn Fn() + Sync),
    sink: &mut (dyn Sink + Send),
) -> Result<Summary, SweepError>
where
    P: RoutingPolicy + Send,
    F: Fn() -> P + Sync,
{
    run_watched(sc, plan, opts, make_policy, on_done, sink, &records::Unwatched, true).map(|s| s.expect("folded"))
}

/// [`run_built_in`] without the fold: the sink sees every output in job order, and no summary
/// is made (a sweep's shard keeps the raw outputs; the merge folds them). Nothing calls the
/// sink's `on_round`.
pub fn run_built_in_unfolded(
    sc: &Scenario,
    plan: &Plan,
    opts: SweepOptions,
    on_done: &(dyn Fn() + Sync),
    sink: &mut (dyn Sink + Send),
) -> Result<(), SweepError> {
    built_in(sc, plan, opts, on_done, sink, false).map(drop)
}

/// [`run_watched`] with the built-in routing and nothing recorded: [`run_built_in`] and
/// [`run_built_in_unfolded`].
fn built_in(
    sc: &Scenario,
    plan: &Plan,
    opts: SweepOptions,
    on_done: &(dyn Fn() + Sync),
    sink: &mut (dyn Sink + Send),
    folding: bool,
) -> Result<Option<Summary>, SweepError> {
    let unwatched = &records::Unwatched;
    if sc.skills_routing {
        run_watched(
            sc,
            plan,
            opts,
            || SkillsRouting::new(sc),
            on_done,
            sink,
            unwatched,
            folding,
        )
    } else {
        run_watched(sc, plan, opts, || LongestIdleFifo, on_done, sink, unwatched, folding)
    }
}

/// [`run_plan`] with a [`records::Watch`] beside each worker's collector: the engines run with
/// the watch's observer, which is the bare [`Collector`] when nothing is recorded (the same
/// engine type as ever, so a run without records is not slowed). Without `folding`, outputs
/// go to the sink only and no summary is returned.
#[allow(clippy::too_many_arguments)]
fn run_watched<P, F, R>(
    sc: &Scenario,
    plan: &Plan,
    opts: SweepOptions,
    make_policy: F,
    on_done: &(dyn Fn() + Sync),
    sink: &mut (dyn Sink + Send),
    watch: &R,
    folding: bool,
) -> Result<Option<Summary>, SweepError>
where
    P: RoutingPolicy + Send,
    F: Fn() -> P + Sync,
    R: records::Watch,
{
    let threads = opts.effective_threads(sc).min(plan.jobs.len().max(1));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("cxsim-worker-{i}"))
        .build()
        .map_err(|source| SweepError::ThreadPool { threads, source })?;
    let engines: Vec<WorkerSlot<'_, P, R::Observer>> = (0..threads).map(|_| CacheAligned(Mutex::new(None))).collect();
    // Folded outputs go back to the workers to be filled again (see
    // `Collector::output_reusing`): their contents never depend on their history.
    let spares: Mutex<Vec<RepOutput>> = Mutex::new(Vec::new());
    // Several replications per thread keep threads busy (each round ends at its slowest
    // replication: with 4 per thread a 4 × 4 sweep of short replications used 82% of two
    // cores, with 16 per thread 93%); with many interval statistics per replication, fewer
    // keep memory down (a round's outputs are held until folded, about 3 KB per cell each).
    let cells = (sc.contact_types.len() + sc.agent_groups.len() + 1) * sc.n_intervals as usize;
    let chunk = threads
        * match cells {
            0..=200 => 16,
            201..=10_000 => 4,
            _ => 1,
        };
    let simulate = |round: &[u32]| -> Result<Vec<RepOutput>, SweepError> {
        round
            .par_iter()
            .map(|&rep| {
                let slot = rayon::current_thread_index().unwrap_or(0) % threads;
                let mut guard = engines[slot].0.lock().unwrap_or_else(|e| e.into_inner());
                let engine = guard.get_or_insert_with(|| Engine::with(sc, make_policy(), watch.observer(sc)));
                watch.begin(engine.observer_mut(), rep).map_err(SweepError::Records)?;
                let ran = engine.try_run(rep);
                let recorded = watch.end(engine.observer_mut(), rep);
                let spare = spares.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let events = engine.events_processed();
                let out = R::collector(engine.observer_mut()).output_reusing(events, spare);
                drop(guard);
                on_done();
                ran?;
                recorded.map_err(SweepError::Records)?;
                Ok(out)
            })
            .collect()
    };
    // Folds a round; false when the sink asks to stop.
    let fold = |builder: &mut Option<SummaryBuilder<'_>>, sink: &mut (dyn Sink + Send), outputs: Vec<RepOutput>| {
        if let Some(b) = builder.as_mut() {
            b.add_round(&outputs)?;
        }
        for out in &outputs {
            sink.on_output(sc, out).map_err(SweepError::Sink)?;
            watch.fold(out.replication).map_err(SweepError::Records)?;
        }
        spares.lock().unwrap_or_else(|e| e.into_inner()).extend(outputs);
        Ok::<bool, SweepError>(builder.as_ref().is_none_or(|b| sink.on_round(b)))
    };
    // Round k is folded (in job order, as ever) while round k + 1 is simulated, as two halves
    // of one `join` in the pool: with many intervals the fold is a fifth of the work, and this
    // keeps it off the critical path without a thread beyond the workers.
    let mut builder = folding.then(|| SummaryBuilder::with_plan(sc, plan.jobs.clone()));
    let mut pending: Option<Vec<RepOutput>> = None;
    let mut failed = None;
    let mut stopped = false;
    for round in plan.rounds(chunk) {
        let (folded, simulated) = pool.install(|| {
            rayon::join(
                || pending.take().map(|outputs| fold(&mut builder, &mut *sink, outputs)),
                || simulate(round),
            )
        });
        if folded.transpose()? == Some(false) {
            stopped = true;
            break;
        }
        match simulated {
            Ok(outputs) => pending = Some(outputs),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    if let (false, None, Some(outputs)) = (stopped, &failed, pending.take()) {
        fold(&mut builder, sink, outputs)?;
    }
    if let Some(e) = failed {
        return Err(e);
    }
    Ok(builder.map(SummaryBuilder::finish))
}
