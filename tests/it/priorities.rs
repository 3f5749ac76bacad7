//! Priority classes and queue credits in the built-in routing: checked against the exact waits
//! of a non-preemptive priority queue (Cobham).

use super::support::{assert_near_exact, run, scenario};
use cxsim::summary::ScopeKind;

#[test]
fn priority_classes_wait_as_in_a_non_preemptive_priority_queue() {
    // M/M/5 with three classes of equal service rate, a free agent taking the highest class
    // first: the mean wait of class k is exact (Cobham), W_k = W0 / ((1 − σ_{k−1})(1 − σ_k)),
    // W0 = C(5, a) / (5μ), σ_k the load of the classes up to k over 5. Classes 2 > 1 > 0 are
    // written as priority 5, 0 (the default) and -3: only the order counts.
    let sc = scenario(
        r#"
[simulation]
horizon = "400h"
warmup = "10h"
seed = 23
replications = 240

[[contact_types]]
name = "gold"
arrivals = { rate = "15/h" }
handle_time = { dist = "exponential", mean = "5m" }
priority = 5

[[contact_types]]
name = "silver"
arrivals = { rate = "20/h" }
handle_time = { dist = "exponential", mean = "5m" }

[[contact_types]]
name = "bronze"
arrivals = { rate = "15/h" }
handle_time = { dist = "exponential", mean = "5m" }
priority = -3

[[agent_groups]]
name = "a"
serves = ["bronze", "silver", "gold"]
headcount = 5
"#,
    );
    let mu = 1.0 / 300.0;
    let rates = [15.0 / 3600.0, 20.0 / 3600.0, 15.0 / 3600.0];
    let exact = cxsim::erlang::erlang_c(5, rates.iter().sum(), 300.0).unwrap();
    let w0 = exact.p_wait / (5.0 * mu);
    let s = run(&sc, 2);
    let mut sigma_before = 0.0;
    for (name, rate, detect) in [
        ("gold", rates[0], 0.015),
        ("silver", rates[1], 0.02),
        ("bronze", rates[2], 0.04),
    ] {
        let sigma = sigma_before + rate / (5.0 * mu);
        let want = w0 / ((1.0 - sigma_before) * (1.0 - sigma));
        let e = s
            .scope(ScopeKind::Type, name)
            .unwrap()
            .get("asa_all_s")
            .unwrap()
            .estimate;
        assert_near_exact(&format!("{name} mean wait"), e, 1.0, want, detect);
        sigma_before = sigma;
    }
}
