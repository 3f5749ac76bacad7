//! The simulator against exact queueing theory: the reference cases of
//! `tests/fixtures/erlang_ref.json` (Erlang B, C and A).
//!
//! Each figure is judged against the simulation's own confidence interval, not a fixed
//! percentage: z = (simulated mean − exact value) / standard error over replications, and
//! |z| < 4 is required of every comparison. With a few hundred comparisons, 4 standard errors
//! is the family-wide bound (a 95% bound would miss about one in twenty by chance). Where all
//! replications agree exactly (e.g. P(wait) = 1 in an overloaded system), the standard error
//! falls back to the binomial one of the pooled contacts, sqrt(p(1−p)/N).
//!
//! Erlang C cases also check the 90th and 95th wait percentiles against the exact waiting
//! time distribution, which validates the histograms behind every percentile.
//!
//! Run lengths follow each case's relaxation time τ (the time the queue needs to forget its
//! empty start): warm-up 20τ, then enough measured time for the figures to be sharp.

use super::support::{run, scenario};
use cxsim::stats::tally::student_t_975;
use cxsim::summary::{ScopeKind, Summary};
use serde_json::Value;

/// The family-wide bound on |z| for every comparison.
const Z_MAX: f64 = 4.0;
const REPLICATIONS: u32 = 30;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Model {
    B,
    C,
    A,
}

struct Case {
    id: String,
    n: u32,
    rho: f64,
    lambda: f64,
    service: f64,
    patience: f64,
    json: Value,
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/erlang_ref.json"))
        .expect("reference file");
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    doc["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|s| {
            let i = &s["inputs"];
            Case {
                id: s["id"].as_str().unwrap().to_owned(),
                n: i["agents"].as_u64().unwrap() as u32,
                rho: i["rho"].as_f64().unwrap(),
                lambda: i["arrival_rate_per_s"].as_f64().unwrap(),
                service: i["mean_service_s"].as_f64().unwrap(),
                patience: i["mean_patience_s"].as_f64().unwrap(),
                json: s.clone(),
            }
        })
        .collect()
}

/// Relaxation time (seconds) of the queue of `case` under `model`.
fn relaxation(case: &Case, model: Model) -> f64 {
    let drain = |rho: f64| f64::from(case.n) / case.service * (1.0 - rho.min(1.0).sqrt()).powi(2);
    let tau = match model {
        Model::B => case.service,
        Model::C => 1.0 / drain(case.rho),
        Model::A => 1.0 / (drain(case.rho) + 1.0 / case.patience),
    };
    tau.max(case.service)
}

fn simulate(case: &Case, model: Model, seed: u64) -> Summary {
    let tau = relaxation(case, model);
    let warmup = 20.0 * tau;
    // At least 40,000 arrivals and 40 relaxation times per replication.
    let measured = (40_000.0 / case.lambda).max(40.0 * tau);
    let horizon = warmup + measured;
    let patience = match model {
        Model::A => format!("patience = {{ dist = \"exponential\", mean = {:?} }}", case.patience),
        _ => String::new(),
    };
    let capacity = if model == Model::B { "queue_capacity = 0" } else { "" };
    let toml = format!(
        r#"
[simulation]
horizon = {horizon:?}
warmup = {warmup:?}
interval = {horizon:?}
seed = {seed}
replications = {REPLICATIONS}

[[contact_types]]
name = "c"
arrivals = {{ rate = {lambda:?} }}
handle_time = {{ dist = "exponential", mean = {service:?} }}
{patience}
{capacity}
sl_threshold = [20, 60]

[[agent_groups]]
name = "g"
serves = ["c"]
headcount = {n}
"#,
        lambda = case.lambda,
        service = case.service,
        n = case.n
    );
    run(&scenario(&toml), 1)
}

/// One comparison: simulated figure `metric` of `scope` against `exact`.
fn judge(s: &Summary, case: &Case, kind: ScopeKind, scope: &str, metric: &str, exact: f64, failures: &mut Vec<String>) {
    let m = s
        .scope(kind, scope)
        .and_then(|sc| sc.get(metric))
        .unwrap_or_else(|| panic!("{metric} missing"));
    let e = m.estimate;
    let t = student_t_975(e.n.saturating_sub(1));
    let mut se = e.half_width / t;
    if (se.is_nan() || se <= 0.0) && (metric.starts_with("p_") || metric.starts_with("sl_")) {
        let offered = s
            .scope(ScopeKind::Type, "c")
            .and_then(|sc| sc.get("offered"))
            .map_or(1.0, |o| o.estimate.mean);
        se = (exact * (1.0 - exact) / (offered * e.n as f64)).sqrt();
    }
    if (se.is_nan() || se <= 0.0) && metric.starts_with("asa") && e.mean == 0.0 {
        // No contact waited in any replication, so the replications have no spread. Judge
        // with the standard error a mean wait has over all offered contacts: with a fraction
        // p of them waiting a mean w each (about exponentially), sd ≈ w·sqrt(2p), so
        // se ≈ exact·sqrt(2 / (p·N)). Rare waits then make "none seen" a small z, as it should.
        let p = ["erlang_a", "erlang_c"]
            .iter()
            .find_map(|m| case.json[m]["p_wait"].as_f64())
            .unwrap_or(1.0);
        let offered = s
            .scope(ScopeKind::Type, "c")
            .and_then(|sc| sc.get("offered"))
            .map_or(1.0, |o| o.estimate.mean);
        se = exact * (2.0 / (p * offered * e.n as f64)).sqrt();
    }
    let z = if se > 0.0 {
        (e.mean - exact) / se
    } else if (e.mean - exact).abs() < 1e-12 {
        0.0
    } else {
        f64::INFINITY
    };
    if z.is_nan() || z.abs() >= Z_MAX {
        failures.push(format!(
            "{} {}: simulated {:.6} ± {:.6} (n = {}), exact {:.6}, z = {:.2}",
            case.id, metric, e.mean, e.half_width, e.n, exact, z
        ));
    }
}

fn check(model: Model, select: impl Fn(&Case) -> bool) {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (k, case) in cases().iter().filter(|c| select(c)).enumerate() {
        let j = &case.json;
        match model {
            Model::B => {
                let s = simulate(case, model, 100 + k as u64);
                judge(
                    &s,
                    case,
                    ScopeKind::Type,
                    "c",
                    "p_blocked",
                    j["erlang_b"]["blocking"].as_f64().unwrap(),
                    &mut failures,
                );
            }
            Model::C => {
                let c = &j["erlang_c"];
                if c.is_null() {
                    continue;
                }
                let s = simulate(case, model, 200 + k as u64);
                judge(
                    &s,
                    case,
                    ScopeKind::Type,
                    "c",
                    "p_wait",
                    c["p_wait"].as_f64().unwrap(),
                    &mut failures,
                );
                judge(
                    &s,
                    case,
                    ScopeKind::Type,
                    "c",
                    "asa_all_s",
                    c["asa_s"].as_f64().unwrap(),
                    &mut failures,
                );
                let sl20 = c["service_level"]["20"]["sl"].as_f64().unwrap();
                judge(&s, case, ScopeKind::Type, "c", "sl_offered_20s", sl20, &mut failures);
                judge(
                    &s,
                    case,
                    ScopeKind::Type,
                    "c",
                    "mean_queue",
                    c["mean_queue"].as_f64().unwrap(),
                    &mut failures,
                );
            }
            Model::A => {
                let a = &j["erlang_a"];
                let s = simulate(case, model, 300 + k as u64);
                judge(
                    &s,
                    case,
                    ScopeKind::Type,
                    "c",
                    "p_wait",
                    a["p_wait"].as_f64().unwrap(),
                    &mut failures,
                );
                judge(
                    &s,
                    case,
                    ScopeKind::Type,
                    "c",
                    "p_abandon",
                    a["p_abandon"].as_f64().unwrap(),
                    &mut failures,
                );
                judge(
                    &s,
                    case,
                    ScopeKind::Type,
                    "c",
                    "asa_all_s",
                    a["asa_all_s"].as_f64().unwrap(),
                    &mut failures,
                );
                let sl = &a["service_level"]["20"];
                judge(
                    &s,
                    case,
                    ScopeKind::Type,
                    "c",
                    "sl_offered_20s",
                    sl["sl_offered"].as_f64().unwrap(),
                    &mut failures,
                );
            }
        }
        checked += 1;
    }
    assert!(checked > 0, "no case selected");
    assert!(
        failures.is_empty(),
        "{} of {checked} cases disagree with theory:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The large cases run in the suite: the benchmark models and a spread of loads.
fn large_sample(c: &Case) -> bool {
    [
        "n500_rho0.95_s300_p600",
        "n1000_rho0.95_s300_p300",
        "n1000_rho1.05_s300_p60",
        "n2000_rho0.98_s300_p300",
    ]
    .contains(&c.id.as_str())
}

#[test]
fn loss_systems_match_erlang_b_for_every_small_and_medium_case() {
    check(Model::B, |c| c.n <= 50);
}

#[test]
fn loss_systems_match_erlang_b_for_a_sample_of_large_cases() {
    check(Model::B, large_sample);
}

#[test]
fn patient_queues_match_erlang_c_for_every_small_case() {
    check(Model::C, |c| c.n <= 5);
}

#[test]
fn patient_queues_match_erlang_c_for_every_medium_case() {
    check(Model::C, |c| (20..=50).contains(&c.n));
}

#[test]
fn patient_queues_match_erlang_c_for_a_sample_of_large_cases() {
    check(Model::C, large_sample);
}

#[test]
fn impatient_queues_match_erlang_a_for_every_small_case() {
    check(Model::A, |c| c.n <= 5);
}

#[test]
fn impatient_queues_match_erlang_a_for_every_medium_case() {
    check(Model::A, |c| (20..=50).contains(&c.n));
}

#[test]
fn impatient_queues_match_erlang_a_for_a_sample_of_large_cases() {
    check(Model::A, large_sample);
}

#[test]
fn an_infinite_server_system_never_waits() {
    let s = run(
        &scenario(
            r#"
[simulation]
horizon = "20h"
replications = 5
[[contact_types]]
name = "c"
arrivals = { rate = "0.5/s" }
handle_time = { dist = "lognormal", mean = "5m", cv = 2.0 }
[[agent_groups]]
name = "g"
serves = ["c"]
headcount = 100000
"#,
        ),
        1,
    );
    let t = s.scope(ScopeKind::Type, "c").unwrap();
    assert_eq!(t.get("p_wait").unwrap().estimate.mean, 0.0);
    assert_eq!(t.get("asa_all_s").unwrap().estimate.mean, 0.0);
    assert_eq!(t.get("sl_offered_20s").unwrap().estimate.mean, 1.0);
}
