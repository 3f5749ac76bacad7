//! Criterion benchmarks: the event queue in a hold model, and whole replications of the two
//! benchmark models (M/M/50+M at ρ = 0.9, M/M/1000+M at ρ = 0.95). Run with
//! `cargo bench --bench engine`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use cxsim::engine::Engine;
use cxsim::engine::event::{EventKind, EventQueue};
use cxsim::rng::{Source, StreamId, stream};
use cxsim::scenario::{Scenario, TypeId, from_toml_str};
use rand::Rng;
use std::hint::black_box;
use std::path::Path;

/// The classic hold model: a queue of `size` pending events; each step pops the earliest and
/// schedules one at an exponential distance. Measures one pop + one push.
fn event_queue(c: &mut Criterion) {
    let mut group = c.benchmark_group("event_queue_hold");
    for size in [64usize, 1024, 4096] {
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::from_parameter(size), &size, |b, &size| {
            let mut rng = stream(1, 0, StreamId::new(Source::Arrivals, 0));
            let mut q = EventQueue::with_capacity(size + 1);
            for _ in 0..size {
                q.push(rng.random::<f64>() * 100.0, EventKind::Arrival { ty: TypeId(0) });
            }
            b.iter(|| {
                let ev = q.pop().expect("non-empty");
                let dt = -rng.random::<f64>().ln() * 100.0;
                q.push(ev.time() + dt, ev.kind());
                black_box(ev.time())
            });
        });
    }
    group.finish();
}

fn model(agents: u32, rho: f64, hours: u32) -> Scenario {
    let rate = rho * f64::from(agents) / 300.0;
    let toml = format!(
        r#"
[simulation]
horizon = "{hours}h"
warmup = "1h"
interval = "1h"
replications = 1
[[contact_types]]
name = "calls"
arrivals = {{ rate = {rate:?} }}
handle_time = {{ dist = "exponential", mean = "300s" }}
patience = {{ dist = "exponential", mean = "300s" }}
sl_threshold = ["20s", "60s"]
[[agent_groups]]
name = "agents"
serves = ["calls"]
headcount = {agents}
"#
    );
    from_toml_str(&toml, "bench.toml", "bench", Path::new(".")).expect("valid scenario")
}

/// One replication with statistics, engine reused (as in a sweep); throughput in arrivals.
fn replication(c: &mut Criterion) {
    let mut group = c.benchmark_group("replication");
    group.sample_size(20);
    for (name, sc) in [
        ("mm50m_rho0.9_24h", model(50, 0.9, 24)),
        ("mm1000m_rho0.95_2h", model(1000, 0.95, 2)),
    ] {
        let mut engine = Engine::new(&sc);
        engine.run(0);
        let arrivals = engine.observer().output(0).arrivals;
        group.throughput(Throughput::Elements(arrivals));
        let mut rep = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                rep += 1;
                engine.run(rep % 16);
                black_box(engine.events_processed())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, event_queue, replication);
criterion_main!(benches);
