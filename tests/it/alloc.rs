//! Proves that a replication allocates nothing once the engine has warmed up: a counting global
//! allocator counts the current thread's allocations around `Engine::run`.

use cxsim::engine::Engine;
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

#[test]
fn an_erlang_a_replication_allocates_nothing_after_warm_up() {
    assert_no_allocation_after_warm_up("scenarios/erlang_a.toml");
}

#[test]
fn a_multi_type_day_with_staffing_changes_allocates_nothing_after_warm_up() {
    assert_no_allocation_after_warm_up("scenarios/day_profile.toml");
}

#[test]
fn the_counter_does_count() {
    let n = allocations_during(|| {
        let v: Vec<u64> = Vec::with_capacity(10);
        std::hint::black_box(v);
    });
    assert!(n >= 1);
}
