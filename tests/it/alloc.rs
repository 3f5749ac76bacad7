//! Proves that a replication allocates nothing once the engine has warmed up — also one that
//! follows a shorter replication on a fresh engine, so that the buffers sized by the engine
//! (not by earlier, larger replications) are what keeps it from allocating: a counting global
//! allocator counts the current thread's allocations around `Engine::run`.

use cxsim::engine::Engine;
use cxsim::engine::event::AgentId;
use cxsim::routing::Policy;
use cxsim::scenario::{GroupId, Scenario};
use cxsim::stats::{ContactInfo, Observer};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

fn assert_no_allocation_after_warm_up(path: &str) {
    let sc = cxsim::scenario::load(std::path::Path::new(path)).expect("scenario loads");
    let mut engine = Engine::new(&sc);
    // The first replications size the buffers (queues, heap, slab).
    for rep in 0..3 {
        engine.run(rep);
    }
    for rep in 3..6 {
        let n = allocations_during(|| engine.run(rep));
        assert_eq!(n, 0, "{path}: replication {rep} allocated {n} times");
    }
}

/// The most contacts in the system at once during a replication.
#[derive(Default)]
struct Peak {
    now: u64,
    max: u64,
}

impl Peak {
    fn leave(&mut self) {
        self.now -= 1;
    }
}

impl Observer for Peak {
    fn on_start(&mut self, _replication: u32) {
        *self = Peak::default();
    }
    fn on_arrival(&mut self, _now: f64, _c: &ContactInfo) {
        self.now += 1;
        self.max = self.max.max(self.now);
    }
    fn on_blocked(&mut self, _now: f64, _c: &ContactInfo) {
        self.leave();
    }
    fn on_abandon(&mut self, _now: f64, _c: &ContactInfo) {
        self.leave();
    }
    fn on_cleared(&mut self, _now: f64, _c: &ContactInfo) {
        self.leave();
    }
    fn on_service_end(&mut self, _now: f64, _c: &ContactInfo, _agent: AgentId, _group: GroupId) {
        self.leave();
    }
}

/// (peak contacts in system, events) of each of the first `n` replications.
fn sizes(sc: &Scenario, n: u32) -> Vec<(u64, u64)> {
    let mut engine = Engine::with(sc, Policy::default(), Peak::default());
    (0..n)
        .map(|rep| {
            engine.run(rep);
            (engine.observer().max, engine.events_processed())
        })
        .collect()
}

/// On a fresh engine, runs the smallest of the first replications, then counts the
/// allocations of the largest one (more contacts at once and more events).
fn assert_no_allocation_after_a_shorter_replication(path: &str) {
    let sc = cxsim::scenario::load(std::path::Path::new(path)).expect("scenario loads");
    let sizes = sizes(&sc, 12);
    let small = (0..sizes.len()).min_by_key(|r| sizes[*r]).unwrap();
    let large = (0..sizes.len()).max_by_key(|r| sizes[*r]).unwrap();
    assert!(
        sizes[large].0 > sizes[small].0 && sizes[large].1 > sizes[small].1,
        "{path}: replications {small} and {large} should differ in size: {sizes:?}"
    );
    let mut engine = Engine::new(&sc);
    engine.run(small as u32);
    let n = allocations_during(|| engine.run(large as u32));
    assert_eq!(
        n, 0,
        "{path}: replication {large} (peak {} contacts, {} events) allocated {n} times after replication {small} (peak {}, {} events)",
        sizes[large].0, sizes[large].1, sizes[small].0, sizes[small].1
    );
}

#[test]
fn an_erlang_a_replication_allocates_nothing_after_a_shorter_one() {
    assert_no_allocation_after_a_shorter_replication("scenarios/erlang_a.toml");
}

#[test]
fn a_day_with_staffing_changes_allocates_nothing_after_a_shorter_one() {
    assert_no_allocation_after_a_shorter_replication("scenarios/day_profile.toml");
}

#[test]
fn an_erlang_a_replication_allocates_nothing_after_warm_up() {
    assert_no_allocation_after_warm_up("scenarios/erlang_a.toml");
}

#[test]
fn a_multi_type_day_with_staffing_changes_allocates_nothing_after_warm_up() {
    assert_no_allocation_after_warm_up("scenarios/day_profile.toml");
}

#[test]
fn a_week_of_journeys_with_retries_repeats_and_opening_hours_allocates_nothing_after_warm_up() {
    assert_no_allocation_after_warm_up("scenarios/bank_journeys.toml");
}

#[test]
fn an_omnichannel_day_with_ivr_bots_chat_email_and_callbacks_allocates_nothing_after_warm_up() {
    assert_no_allocation_after_warm_up("scenarios/omnichannel_bank.toml");
}

#[test]
fn the_counter_does_count() {
    let n = allocations_during(|| {
        let v: Vec<u64> = Vec::with_capacity(10);
        std::hint::black_box(v);
    });
    assert!(n >= 1);
}
