//! Plan risk: a replication's forecast errors change exactly the rates, handle times and
//! agents on the phones they name; no error gives the plain days back; a volume error widens
//! the spread of service levels; the run does not depend on the threads.

use cxsim::risk::{self, ErrorLaw, Errors, Forecast};
use cxsim::scenario::Scenario;
use cxsim::sweep::{self, SweepOptions};

fn erlang_c(rate: &str, headcount: u32, handle: &str) -> Scenario {
    super::support::scenario(&format!(
        r#"
[simulation]
horizon = "8h"
interval = "1h"
seed = 5
replications = 60
[[contact_types]]
name = "calls"
arrivals = {{ rate = "{rate}" }}
handle_time = {{ dist = "exponential", mean = "{handle}" }}
patience = {{ dist = "exponential", mean = "5m" }}
sl_threshold = "20s"
[[agent_groups]]
name = "team"
serves = ["calls"]
headcount = {headcount}
"#
    ))
}

#[test]
fn a_volume_error_is_the_same_day_as_a_scenario_with_rates_that_much_higher() {
    let sc = erlang_c("360/h", 28, "4m");
    let e = Errors {
        volume: 1.25,
        handle_time: 1.0,
        shrinkage: 0.0,
    };
    let day = risk::scenario_with(&sc, &e);
    let written = erlang_c("450/h", 28, "4m");
    assert_eq!(
        sweep::run_replication(&day, 3).types,
        sweep::run_replication(&written, 3).types
    );
}

#[test]
fn a_shrinkage_error_takes_that_share_of_the_agents_off_the_phones() {
    let sc = erlang_c("360/h", 30, "4m");
    let e = Errors {
        volume: 1.0,
        handle_time: 1.0,
        shrinkage: 0.1,
    };
    let day = risk::scenario_with(&sc, &e);
    assert!(day.agent_groups[0].headcount.iter().all(|h| *h == 27));
    assert_eq!(
        sweep::run_replication(&day, 1).types,
        sweep::run_replication(&erlang_c("360/h", 27, "4m"), 1).types
    );
    // And more agents than planned when the error is negative.
    let more = risk::scenario_with(&sc, &Errors { shrinkage: -0.1, ..e });
    assert!(more.agent_groups[0].headcount.iter().all(|h| *h == 33));
    assert!(sweep::run_replication(&more, 1).types[0].answered > 0);
}

#[test]
fn a_handle_time_error_makes_every_call_that_much_longer() {
    let sc = erlang_c("120/h", 40, "4m");
    let e = Errors {
        volume: 1.0,
        handle_time: 1.5,
        shrinkage: 0.0,
    };
    // With agents to spare nobody waits, so the mean handle time is the draws' mean times 1.5.
    let base = sweep::run(&sc, SweepOptions { threads: 2 }, &|| {}).unwrap();
    let long = sweep::run(&risk::scenario_with(&sc, &e), SweepOptions { threads: 2 }, &|| {}).unwrap();
    let aht = |s: &cxsim::summary::Summary| s.scopes[0].get("aht_s").unwrap().estimate.mean;
    assert!(
        (aht(&long) / aht(&base) - 1.5).abs() < 1e-9,
        "{} / {}",
        aht(&long),
        aht(&base)
    );
}

#[test]
fn errors_of_size_zero_give_the_plain_days_back_bit_for_bit() {
    let sc = erlang_c("360/h", 28, "4m");
    let zero = Forecast {
        volume: Some(ErrorLaw::Normal(0.0)),
        handle_time: Some(ErrorLaw::LogNormal(0.0)),
        shrinkage: Some(ErrorLaw::Uniform(0.0)),
    };
    let a = risk::run(&sc, &zero, 20.0, SweepOptions { threads: 2 }).unwrap();
    let b = risk::run(&sc, &Forecast::default(), 20.0, SweepOptions { threads: 2 }).unwrap();
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.service_level.to_bits(), y.service_level.to_bits());
        assert_eq!(x.abandon.to_bits(), y.abandon.to_bits());
    }
}

#[test]
fn a_volume_error_widens_the_days_and_raises_the_chance_of_missing_the_target() {
    let sc = erlang_c("360/h", 29, "4m");
    let f = Forecast {
        volume: Some(ErrorLaw::LogNormal(0.10)),
        ..Forecast::default()
    };
    let opts = SweepOptions { threads: 2 };
    let with = risk::summarise(&risk::run(&sc, &f, 20.0, opts).unwrap(), 0.8);
    let without = risk::summarise(&risk::run(&sc, &Forecast::default(), 20.0, opts).unwrap(), 0.8);
    let spread = |r: &risk::Risk| r.service_level[2] - r.service_level[0];
    assert!(
        spread(&with) > 1.5 * spread(&without),
        "{} vs {}",
        spread(&with),
        spread(&without)
    );
    assert!(with.p_sl_below > without.p_sl_below);
    // The same on one thread, bit for bit.
    let one = risk::run(&sc, &f, 20.0, SweepOptions { threads: 1 }).unwrap();
    let two = risk::run(&sc, &f, 20.0, opts).unwrap();
    assert!(
        one.iter()
            .zip(&two)
            .all(|(a, b)| a.service_level.to_bits() == b.service_level.to_bits())
    );
}
